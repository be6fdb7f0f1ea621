// SPDX-License-Identifier: GPL-2.0
/*
 * mbox-demo: the program behind "make demo", through libmbox only.
 *
 *  1. what the running module offers;
 *  2. the bounded buffer: a producer and a consumer process share a mailbox
 *     of capacity 4. First the consumer is slow, so the producer fills the
 *     mailbox and blocks; then the producer is slow, so the consumer empties
 *     it and blocks. Each side reports when it has to wait;
 *  3. direct communication: processes P and Q address each other by pid
 *     through their inboxes, send(Q, m) and receive(P, m);
 *  4. a rendezvous: a mailbox of capacity 0, where each send waits until
 *     the receiver takes the message;
 *  5. the bounded buffer again, over a shared-memory ring that a producer
 *     and a consumer process map: records move with plain loads and stores,
 *     and the kernel is entered only to sleep on a full or empty ring, or to
 *     wake a peer that sleeps.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libmbox.h>

#define ITEMS 12
#define CAPACITY 4
#define SLOW_MS 150

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int show_info(void)
{
	struct mbox_info info;
	int ret;

	ret = mbox_info(&info);
	if (ret) {
		fprintf(stderr, "mbox-demo: cannot query %s: %s\n",
			MBOX_DEVICE_PATH, strerror(-ret));
		return -1;
	}
	printf("== %s ==\n", MBOX_DEVICE_PATH);
	printf("ABI version          %u\n", info.abi_version);
	printf("features             %s%s\n",
	       info.features & MBOX_FEAT_MAILBOX ? "mailboxes" : "none",
	       info.features & MBOX_FEAT_DIRECT ? ", direct communication and "
	       "delivery options" : "");
	printf("                     %s\n",
	       info.features & MBOX_FEAT_RING ? "shared-memory rings" : "");
	printf("priorities           %u levels\n", info.prio_max);
	printf("longest name         %u bytes\n", info.name_max);
	printf("message size         %u bytes by default, at most %u\n",
	       info.msg_size_default, info.msg_size_max);
	printf("mailbox capacity     %u messages by default, at most %u\n",
	       info.capacity_default, info.capacity_max);
	printf("per-user quota       %u objects, %llu bytes queued\n",
	       info.user_objects_max, (unsigned long long)info.user_bytes_max);
	return 0;
}

struct item {
	unsigned int number;
	char text[28];
};

/* Send @item; if the mailbox is full, say so, then block until it is not. */
static int produce(struct mbox *mb, const struct item *item, int *waits)
{
	struct mbox_stat st;
	int ret;

	ret = mbox_send(mb, item, sizeof(*item), MBOX_SEND_NONBLOCK);
	if (ret == -EAGAIN) {
		printf("  producer: mailbox full (%u/%u), waiting to put item %u\n",
		       CAPACITY, CAPACITY, item->number);
		(*waits)++;
		ret = mbox_send(mb, item, sizeof(*item), 0);
	}
	if (ret)
		return ret;
	mbox_stat(mb, &st);
	printf("  producer: put item %2u            (queued %u/%u)\n",
	       item->number, st.queued, st.capacity);
	return 0;
}

static int producer(void)
{
	struct item item;
	struct mbox *mb;
	unsigned int i;
	int ret, waits = 0;

	ret = mbox_open(&mb, "demo-bounded-buffer", O_WRONLY, 0, NULL);
	if (ret)
		return 1;
	for (i = 1; i <= ITEMS; i++) {
		item.number = i;
		snprintf(item.text, sizeof(item.text), "item #%u", i);
		/* The second half: a slow producer. */
		if (i > ITEMS / 2)
			sleep_ms(SLOW_MS);
		if (produce(mb, &item, &waits))
			return 1;
	}
	printf("  producer: done, had to wait %d times\n", waits);
	mbox_close(mb);
	return 0;
}

static int consumer(void)
{
	unsigned int i, bad = 0;
	struct item item;
	struct mbox *mb;
	ssize_t n;
	int ret, waits = 0;

	ret = mbox_open(&mb, "demo-bounded-buffer", O_RDONLY, 0, NULL);
	if (ret)
		return 1;
	for (i = 1; i <= ITEMS; i++) {
		/* The first half: a slow consumer. */
		if (i <= ITEMS / 2)
			sleep_ms(SLOW_MS);
		n = mbox_recv(mb, &item, sizeof(item), MBOX_RECV_NONBLOCK);
		if (n == -EAGAIN) {
			printf("  consumer: mailbox empty, waiting for item %u\n", i);
			waits++;
			n = mbox_recv(mb, &item, sizeof(item), 0);
		}
		if (n != sizeof(item))
			return 1;
		printf("  consumer: took %s\n", item.text);
		bad += item.number != i;
	}
	printf("  consumer: done, had to wait %d times; %u items, %s\n", waits,
	       ITEMS, bad ? "OUT OF ORDER" : "all in order");
	mbox_close(mb);
	return bad ? 1 : 0;
}

static int bounded_buffer(void)
{
	struct mbox_attr attr = { .capacity = CAPACITY, .msg_size = sizeof(struct item) };
	int status, ok = 1;
	pid_t pids[2];
	struct mbox *mb;
	int ret;

	printf("\n== The bounded buffer: producer and consumer over a mailbox ==\n");
	printf("A mailbox of capacity %u. Items 1-%u: the consumer is slow, so the\n"
	       "producer fills the mailbox and blocks. Items %u-%u: the producer is\n"
	       "slow, so the consumer empties it and blocks.\n\n",
	       CAPACITY, ITEMS / 2, ITEMS / 2 + 1, ITEMS);
	ret = mbox_open(&mb, "demo-bounded-buffer", O_RDWR | O_CREAT | O_EXCL,
			0600, &attr);
	if (ret) {
		fprintf(stderr, "mbox-demo: create: %s\n", strerror(-ret));
		return -1;
	}
	fflush(stdout);
	pids[0] = fork();
	if (pids[0] == 0)
		_exit(producer());
	pids[1] = fork();
	if (pids[1] == 0)
		_exit(consumer());
	for (int i = 0; i < 2; i++) {
		if (waitpid(pids[i], &status, 0) != pids[i] || status)
			ok = 0;
	}
	mbox_close(mb);
	mbox_unlink("demo-bounded-buffer");
	return ok ? 0 : -1;
}

/* Q: wait for P's questions by pid, answer each to P's inbox. */
static int process_q(pid_t p, int ready_fd)
{
	struct mbox_msginfo info;
	char buf[64], reply[80];
	struct mbox *inbox;
	ssize_t n;
	int i;

	if (mbox_inbox_open(&inbox, 0, 0600, NULL) || write(ready_fd, "q", 1) != 1)
		return 1;
	for (i = 0; i < 2; i++) {
		/* receive(P): only what P sends. */
		n = mbox_recvfrom(inbox, p, buf, sizeof(buf) - 1, 0, &info);
		if (n < 0)
			return 1;
		buf[n] = '\0';
		printf("  Q (pid %d): receive(P) got \"%s\" from pid %d, uid %u\n",
		       (int)getpid(), buf, (int)info.pid, (unsigned int)info.uid);
		snprintf(reply, sizeof(reply), "answer to '%s'", buf);
		if (mbox_sendto(NULL, p, reply, strlen(reply), 0))
			return 1;
	}
	mbox_close(inbox);
	return 0;
}

static int direct(void)
{
	const char *questions[] = { "who are you?", "what time is it?" };
	struct mbox_msginfo info;
	int ready[2], status, i;
	struct mbox *inbox;
	char buf[80], c;
	pid_t q;
	ssize_t n;

	printf("\n== Direct communication: send(Q, m) and receive(P, m) by pid ==\n");
	printf("P and Q each open their own inbox; no mailbox has a name.\n\n");
	if (mbox_inbox_open(&inbox, 0, 0600, NULL) || pipe(ready))
		return -1;
	fflush(stdout);
	q = fork();
	if (q == 0)
		_exit(process_q(getppid(), ready[1]));
	/* Q's inbox exists once Q says so. */
	if (read(ready[0], &c, 1) != 1)
		return -1;
	for (i = 0; i < 2; i++) {
		printf("  P (pid %d): send(Q=%d, \"%s\")\n", (int)getpid(), (int)q,
		       questions[i]);
		if (mbox_sendto(inbox, q, questions[i], strlen(questions[i]), 0))
			return -1;
		/* receive(Q): Q's answer, whoever else writes to us. */
		n = mbox_recvfrom(inbox, q, buf, sizeof(buf) - 1, 0, &info);
		if (n < 0)
			return -1;
		buf[n] = '\0';
		printf("  P (pid %d): receive(Q) got \"%s\" from pid %d\n",
		       (int)getpid(), buf, (int)info.pid);
	}
	mbox_close(inbox);
	close(ready[0]);
	close(ready[1]);
	if (waitpid(q, &status, 0) != q || status)
		return -1;
	/* Q is gone, and its inbox with it. */
	printf("  P: Q has exited; send(Q) now gives: %s\n",
	       strerror(-mbox_sendto(NULL, q, "hello?", 6, 0)));
	return 0;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static int rendezvous(void)
{
	struct mbox_attr attr = { .flags = MBOX_OPEN_RENDEZVOUS };
	const char *words[] = { "one", "two", "three" };
	struct timespec t0;
	struct mbox *mb;
	int i, status;
	char buf[16];
	pid_t pid;
	ssize_t n;

	printf("\n== A rendezvous: a mailbox of capacity 0 ==\n");
	printf("The sender's call returns only when the receiver takes the message;\n"
	       "the receiver takes one every %d ms.\n\n", SLOW_MS);
	if (mbox_open(&mb, "demo-rendezvous", O_RDWR | O_CREAT | O_EXCL, 0600, &attr))
		return -1;
	mbox_unlink("demo-rendezvous");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		for (i = 0; i < 3; i++) {
			sleep_ms(SLOW_MS);
			n = mbox_recv(mb, buf, sizeof(buf) - 1, 0);
			if (n < 0)
				_exit(1);
			buf[n] = '\0';
			printf("  receiver: took %-8s at %4ld ms\n", buf, ms_since(&t0));
		}
		_exit(0);
	}
	for (i = 0; i < 3; i++) {
		printf("  sender:   send %-8s at %4ld ms\n", words[i], ms_since(&t0));
		if (mbox_send(mb, words[i], strlen(words[i]), 0))
			return -1;
		printf("  sender:   returned      at %4ld ms: %s was taken\n",
		       ms_since(&t0), words[i]);
	}
	if (waitpid(pid, &status, 0) != pid || status)
		return -1;
	mbox_close(mb);
	return 0;
}

#define RING_RECORDS 200000
#define RING_SIZE 4096

/* A record: its number, and bytes that follow from it. */
static size_t ring_record(uint8_t *buf, uint32_t seq)
{
	size_t len = 8 + seq % 57, i;

	memcpy(buf, &seq, sizeof(seq));
	for (i = sizeof(seq); i < len; i++)
		buf[i] = (uint8_t)(seq + i);
	return len;
}

static int ring_producer(struct mbox_ring_counters *out)
{
	struct mbox_ring *r;
	uint8_t buf[128];
	uint32_t seq;
	size_t len;
	void *p;

	if (mbox_ring_open(&r, "demo-ring", MBOX_RING_PRODUCER, 0, 0, 0, 0))
		return 1;
	for (seq = 0; seq < RING_RECORDS; seq++) {
		len = ring_record(buf, seq);
		/* Zero-copy: reserve room in the ring, fill it, publish it. */
		if (mbox_ring_reserve(r, len, &p, 0, 0))
			return 2;
		memcpy(p, buf, len);
		if (mbox_ring_commit(r))
			return 3;
	}
	mbox_ring_counters(r, out);
	mbox_ring_close(r);
	return 0;
}

static int ring_consumer(struct mbox_ring_counters *out, uint32_t *bad)
{
	uint8_t want[128], buf[128];
	struct mbox_ring *r;
	uint32_t seq;
	ssize_t n;

	if (mbox_ring_open(&r, "demo-ring", MBOX_RING_CONSUMER, 0, 0, 0, 0))
		return 1;
	for (seq = 0; seq < RING_RECORDS; seq++) {
		n = mbox_ring_pop(r, buf, sizeof(buf), 0, 0);
		if (n < 0)
			return 2;
		*bad += (size_t)n != ring_record(want, seq) || memcmp(buf, want, n);
	}
	mbox_ring_counters(r, out);
	mbox_ring_close(r);
	return 0;
}

static int ring_demo(void)
{
	struct {
		struct mbox_ring_counters prod, cons;
	} *sh;
	uint64_t syscalls, ops = 2ULL * RING_RECORDS;
	struct mbox_ring *keep;
	int status, ret = 0;
	uint32_t bad = 0;
	pid_t pid;

	printf("\n== The bounded buffer over a shared-memory ring ==\n");
	printf("A %d-byte ring that a producer and a consumer process both map. A\n"
	       "record costs plain loads and stores; a side enters the kernel only\n"
	       "to sleep when the ring is full or empty, or to wake a peer that\n"
	       "sleeps.\n\n", RING_SIZE);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return -1;
	/* Created by an observer, so that both roles are free. */
	ret = mbox_ring_open(&keep, "demo-ring", MBOX_RING_OBSERVER,
			     O_CREAT | O_EXCL, 0600, RING_SIZE, 0);
	if (ret) {
		fprintf(stderr, "mbox-demo: ring: %s\n", strerror(-ret));
		return -1;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(ring_producer(&sh->prod));
	ret = ring_consumer(&sh->cons, &bad);
	if (ret)
		fprintf(stderr, "mbox-demo: ring consumer failed at step %d\n", ret);
	if (waitpid(pid, &status, 0) != pid || status) {
		fprintf(stderr, "mbox-demo: ring producer failed: %#x\n", status);
		ret = -1;
	}
	mbox_ring_close(keep);
	mbox_ring_unlink("demo-ring");
	if (ret)
		return ret;

	syscalls = sh->prod.waits + sh->prod.wakeups + sh->cons.waits +
		   sh->cons.wakeups;
	printf("  producer: %llu records pushed; slept %llu times, woke the consumer %llu times\n",
	       (unsigned long long)sh->prod.records,
	       (unsigned long long)sh->prod.waits,
	       (unsigned long long)sh->prod.wakeups);
	printf("  consumer: %llu records popped, %s; slept %llu times, woke the producer %llu times\n",
	       (unsigned long long)sh->cons.records,
	       bad ? "SOME WRONG" : "all intact and in order",
	       (unsigned long long)sh->cons.waits,
	       (unsigned long long)sh->cons.wakeups);
	printf("  system calls: %llu for %llu record operations, where a pipe needs one each:\n"
	       "                %llu saved (%.1f%%)\n",
	       (unsigned long long)syscalls, (unsigned long long)ops,
	       (unsigned long long)(ops - syscalls),
	       100.0 * (ops - syscalls) / ops);
	munmap(sh, sizeof(*sh));
	return bad ? -1 : 0;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (show_info() || bounded_buffer() || direct() || rendezvous() ||
	    ring_demo())
		return EXIT_FAILURE;
	return EXIT_SUCCESS;
}
