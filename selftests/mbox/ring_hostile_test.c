// SPDX-License-Identifier: GPL-2.0
/*
 * ring_hostile_test: a peer that scribbles. A child maps its side of a ring
 * and writes random values, plausible and not, into its position, its
 * wakeup word and (a producer) the records, while the kernel serves the
 * other side through read(), write(), poll, waits and stat. Every call must
 * end in a success or in one of the documented errors (EBADMSG and EUCLEAN
 * for what is inconsistent), the detection must actually happen, and the
 * kernel log must stay clean (the test bed checks it).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libmbox.h>

#include "kselftest_harness.h"
#include "common.h"

#define SIZE 8192
#define ROUNDS 20000

static uint64_t rnd_state = 88172645463325252ULL;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* Outcomes of the calls made against the scribbler. */
struct tally {
	unsigned int ok, eagain, ebadmsg, euclean, emsgsize, etimedout, eintr;
	unsigned int other;
	int other_errno;
};

static void count(struct tally *t, long ret)
{
	switch (ret < 0 ? (int)-ret : 0) {
	case 0:
		t->ok++;
		break;
	case EAGAIN:
		t->eagain++;
		break;
	case EBADMSG:
		t->ebadmsg++;
		break;
	case EUCLEAN:
		t->euclean++;
		break;
	case EMSGSIZE:
		t->emsgsize++;
		break;
	case ETIMEDOUT:
		t->etimedout++;
		break;
	case EINTR:
		t->eintr++;
		break;
	default:
		t->other++;
		t->other_errno = -ret;
		break;
	}
}

static void report(struct __test_metadata *_metadata, const struct tally *t)
{
	TH_LOG("ok %u, EAGAIN %u, EBADMSG %u, EUCLEAN %u, EMSGSIZE %u, ETIMEDOUT %u, EINTR %u, other %u (%s)",
	       t->ok, t->eagain, t->ebadmsg, t->euclean, t->emsgsize,
	       t->etimedout, t->eintr, t->other, strerror(t->other_errno));
}

/*
 * The scribbling producer: its page and the data, mapped writable. Until
 * killed, it publishes valid records, garbage headers at plausible
 * positions, and positions that make no sense, and rings the wake-up bell.
 */
static void scribble_producer(const char *name)
{
	struct mbox_ring_layout l;
	uint32_t *pos, *wakeup, *cons, c;
	uint8_t *data, *page, *cpage;
	int fd;

	fd = ring_open(name, O_RDWR, 0, 0, 0, MBOX_RING_PRODUCER, &l);
	if (fd < 0)
		_exit(1);
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, l.prod_off);
	cpage = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, l.cons_off);
	data = mmap(NULL, 2 * l.data_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		    l.data_off);
	if (page == MAP_FAILED || cpage == MAP_FAILED || data == MAP_FAILED)
		_exit(2);
	cons = (uint32_t *)(cpage + l.pos_off);
	pos = (uint32_t *)(page + l.pos_off);
	wakeup = (uint32_t *)(page + l.wakeup_off);
	rnd_state ^= getpid();
	for (;;) {
		uint64_t r = rnd();
		uint32_t off = (r >> 8) % l.data_size & ~7u;
		struct mbox_ring_hdr *h = (void *)(data + off);

		switch (r % 8) {
		case 0:		/* a position far out */
			__atomic_store_n(pos, (uint32_t)(r >> 32), __ATOMIC_RELEASE);
			break;
		case 1:		/* a plausible position */
			c = __atomic_load_n(cons, __ATOMIC_ACQUIRE);
			__atomic_store_n(pos, c + 8 * (uint32_t)(r >> 40 & 255),
					 __ATOMIC_RELEASE);
			break;
		case 2:		/* a garbage header */
			h->len = r >> 16;
			h->flags = (r & 0x100) ? (uint32_t)(r >> 48) : 0;
			break;
		case 3:		/* a length past the end of the data */
			h->len = l.data_size - off + (r >> 60);
			h->flags = 0;
			break;
		case 4:		/* garbage in the payloads */
			memset(data + off, (int)r, (r >> 20) % 512);
			break;
		case 5:		/* the wakeup word */
			*wakeup = (uint32_t)(r >> 24);
			ioctl(fd, MBOX_IOC_RING_WAKE, 0);
			break;
		default: {	/* a good record where the consumer is */
			uint32_t len = 1 + (r >> 32) % 200;

			c = __atomic_load_n(cons, __ATOMIC_ACQUIRE);
			h = (void *)(data + (c & (l.data_size - 1)));
			h->len = len;
			h->flags = 0;
			__atomic_store_n(pos, c + MBOX_RING_REC_SIZE(len),
					 __ATOMIC_RELEASE);
			break;
		}
		}
	}
}

/* The scribbling consumer: its page only. */
static void scribble_consumer(const char *name)
{
	struct mbox_ring_layout l;
	uint32_t *pos, *wakeup, *prod;
	uint8_t *page, *ppage;
	int fd;

	fd = ring_open(name, O_RDWR, 0, 0, 0, MBOX_RING_CONSUMER, &l);
	if (fd < 0)
		_exit(1);
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, l.cons_off);
	ppage = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, l.prod_off);
	if (page == MAP_FAILED || ppage == MAP_FAILED)
		_exit(2);
	prod = (uint32_t *)(ppage + l.pos_off);
	pos = (uint32_t *)(page + l.pos_off);
	wakeup = (uint32_t *)(page + l.wakeup_off);
	rnd_state ^= getpid();
	for (;;) {
		uint64_t r = rnd();

		switch (r % 4) {
		case 0:
			__atomic_store_n(pos, (uint32_t)(r >> 32), __ATOMIC_RELEASE);
			break;
		case 1:		/* free everything the producer wrote */
			__atomic_store_n(pos, __atomic_load_n(prod, __ATOMIC_ACQUIRE),
					 __ATOMIC_RELEASE);
			break;
		case 2:
			*wakeup = (uint32_t)(r >> 16);
			ioctl(fd, MBOX_IOC_RING_WAKE, 0);
			break;
		default:
			break;
		}
	}
}

FIXTURE(hostile) {
	char name[64];
	int obs;
	pid_t child;
};

FIXTURE_SETUP(hostile)
{
	snprintf(self->name, sizeof(self->name), "%s", mb_name("hostile"));
	self->obs = ring_open(self->name, O_RDWR, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL,
			      0600, SIZE, MBOX_RING_OBSERVER, NULL);
	ASSERT_LE(0, self->obs);
	self->child = -1;
}

FIXTURE_TEARDOWN(hostile)
{
	if (self->child > 0) {
		kill(self->child, SIGKILL);
		waitpid(self->child, NULL, 0);
	}
	close(self->obs);
	ring_unlink(self->name);
}

/* What stat, list and poll say must not matter, only that they answer. */
static void look(int fd, int obs)
{
	struct mbox_ring_stat st;
	struct mbox_list_entry *e;
	struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLOUT };
	unsigned int n;

	ring_stat(obs, &st);
	poll(&pfd, 1, 0);
	if (!mbox_list(&e, &n))
		free(e);
}

TEST_F_TIMEOUT(hostile, producer_against_kernel_consumer, 300)
{
	struct mbox_ring_wait w = { .flags = MBOX_RING_WAIT_TIMEOUT };
	struct tally reads = { 0 }, waits = { 0 };
	static char buf[SIZE];
	int cons, i;

	cons = ring_open(self->name, O_RDWR | O_NONBLOCK, 0, 0, 0, MBOX_RING_CONSUMER, NULL);
	ASSERT_LE(0, cons);
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (self->child == 0)
		scribble_producer(self->name);
	/*
	 * At least ROUNDS calls, and on until both kinds of garbage were seen:
	 * how far the scribbler gets in a given number of calls depends on
	 * the scheduler, so the loop waits for what it must see instead of
	 * assuming the scribbler kept up.
	 */
	for (i = 0; i < ROUNDS || !reads.ebadmsg || !reads.euclean; i++) {
		/* Mostly full-size buffers; sometimes short ones. */
		count(&reads, read(cons, buf, i % 7 ? sizeof(buf) : 16) < 0 ? -errno : 0);
		if (i % 50 == 0) {
			w.timeout_ns = 100000;
			count(&waits, ioctl(cons, MBOX_IOC_RING_WAIT, &w) ? -errno : 0);
			look(cons, self->obs);
		}
	}
	report(_metadata, &reads);
	report(_metadata, &waits);
	EXPECT_EQ(0, reads.other);
	EXPECT_EQ(0, waits.other);
	/* It did see garbage, and said so. */
	EXPECT_LT(0, reads.ebadmsg);
	EXPECT_LT(0, reads.euclean);
	close(cons);
}

TEST_F_TIMEOUT(hostile, producer_against_library_consumer, 300)
{
	struct tally pops = { 0 };
	struct mbox_ring *c;
	static char buf[SIZE];
	size_t lens[8];
	const void *p;
	ssize_t n;
	int i;

	ASSERT_EQ(0, mbox_ring_open(&c, self->name, MBOX_RING_CONSUMER, 0, 0, 0, 0));
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (self->child == 0)
		scribble_producer(self->name);
	/* At least ROUNDS calls, and on until garbage was seen (as above). */
	for (i = 0; i < ROUNDS || !(pops.ebadmsg + pops.euclean); i++) {
		switch (i % 3) {
		case 0:
			n = mbox_ring_pop(c, buf, sizeof(buf), MBOX_RING_IO_NONBLOCK, 0);
			break;
		case 1:
			n = mbox_ring_peek(c, &p, MBOX_RING_IO_NONBLOCK, 0);
			if (n >= 0)
				n = mbox_ring_release(c);
			break;
		default:
			n = mbox_ring_pop_batch(c, buf, sizeof(buf), lens, 8,
						MBOX_RING_IO_TIMEOUT, 100000);
			break;
		}
		count(&pops, n < 0 ? n : 0);
	}
	report(_metadata, &pops);
	EXPECT_EQ(0, pops.other);
	EXPECT_LT(0, pops.ebadmsg + pops.euclean);
	mbox_ring_close(c);
}

TEST_F_TIMEOUT(hostile, consumer_against_kernel_producer, 300)
{
	struct mbox_ring_wait w = { .flags = MBOX_RING_WAIT_TIMEOUT };
	struct tally writes = { 0 }, waits = { 0 };
	static char buf[SIZE];
	int prod, i;

	prod = ring_open(self->name, O_RDWR | O_NONBLOCK, 0, 0, 0, MBOX_RING_PRODUCER, NULL);
	ASSERT_LE(0, prod);
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (self->child == 0)
		scribble_consumer(self->name);
	/* At least ROUNDS calls, and on until both outcomes were seen. */
	for (i = 0; i < ROUNDS || !writes.euclean || !writes.ok; i++) {
		count(&writes, write(prod, buf, 1 + rnd() % 1000) < 0 ? -errno : 0);
		if (i % 50 == 0) {
			w.need = 8 + 8 * (rnd() % 1000);
			w.timeout_ns = 100000;
			count(&waits, ioctl(prod, MBOX_IOC_RING_WAIT, &w) ? -errno : 0);
			look(prod, self->obs);
		}
	}
	report(_metadata, &writes);
	report(_metadata, &waits);
	EXPECT_EQ(0, writes.other);
	EXPECT_EQ(0, waits.other);
	EXPECT_LT(0, writes.euclean);
	EXPECT_LT(0, writes.ok);
	close(prod);
}

static void on_alarm(int sig)
{
	(void)sig;
}

TEST_F_TIMEOUT(hostile, blocked_kernel_reader, 300)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct tally reads = { 0 };
	static char buf[SIZE];
	int cons, i;

	/* A read() that sleeps while the producer scribbles and rings. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	cons = ring_open(self->name, O_RDWR, 0, 0, 0, MBOX_RING_CONSUMER, NULL);
	ASSERT_LE(0, cons);
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (self->child == 0)
		scribble_producer(self->name);
	/*
	 * The alarm only ends a read that found nothing to report (EINTR);
	 * the loop goes on until some read did report something.
	 */
	for (i = 0; i < 200 || !(reads.ok + reads.ebadmsg + reads.euclean); i++) {
		ualarm(20000, 0);
		count(&reads, read(cons, buf, sizeof(buf)) < 0 ? -errno : 0);
		ualarm(0, 0);
	}
	report(_metadata, &reads);
	/* EINTR is the alarm ending a read that found nothing to report. */
	EXPECT_EQ(0, reads.other);
	EXPECT_LT(0, reads.ok + reads.ebadmsg + reads.euclean);
	close(cons);
}

TEST_HARNESS_MAIN
