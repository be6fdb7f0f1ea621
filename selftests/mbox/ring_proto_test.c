// SPDX-License-Identifier: GPL-2.0
/*
 * ring_proto_test: the ring protocol between two processes, through
 * libmbox. Millions of records of random sizes, each checked on arrival:
 * its length and every byte follow from its sequence number, so a lost,
 * duplicated, reordered or corrupted record is caught. Covered: wrapping
 * around the data area, positions wrapping around 2^32, zero-copy
 * reserve/commit and peek/release, batch pop, and the kernel playing either
 * side through read() and write().
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libmbox.h>

#include "kselftest_harness.h"
#include "common.h"

/* The length of record @seq: 1 to @max bytes, the same on both sides. */
static uint32_t rec_len(uint64_t seq, uint32_t max)
{
	uint64_t x = (seq + 1) * 0x9e3779b97f4a7c15ULL;

	x ^= x >> 29;
	return 1 + (uint32_t)(x % max);
}

static uint8_t rec_byte(uint64_t seq, uint32_t i)
{
	return (uint8_t)(seq * 131 + i * 7 + (seq >> 8));
}

static void rec_fill(uint8_t *p, uint64_t seq, uint32_t len)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		p[i] = rec_byte(seq, i);
}

/* 0 if @p, @len bytes long, is record @seq. */
static int rec_check(const uint8_t *p, size_t len, uint64_t seq, uint32_t max)
{
	uint32_t i;

	if (len != rec_len(seq, max))
		return -1;
	for (i = 0; i < len; i++)
		if (p[i] != rec_byte(seq, i))
			return -1;
	return 0;
}

enum mode { PUSH, ZERO_COPY, KERNEL };

/* Produce @n records; returns 0 or the failing step. */
static int producer(const char *name, uint64_t n, uint32_t max, enum mode mode,
		    struct mbox_ring_counters *out)
{
	struct mbox_ring *r;
	uint8_t buf[65536];
	uint64_t seq;
	uint32_t len;
	void *p;
	int ret;

	ret = mbox_ring_open(&r, name, MBOX_RING_PRODUCER, 0, 0, 0,
			     mode == KERNEL ? MBOX_RING_OPEN_NOMAP : 0);
	if (ret)
		return 1;
	for (seq = 0; seq < n; seq++) {
		len = rec_len(seq, max);
		/*
		 * In ZERO_COPY mode, every other record is zero-copy, and
		 * every fourth starts a batch of up to 16, which takes what
		 * fits and says how many.
		 */
		if (mode == ZERO_COPY && seq % 4 == 2 && len <= sizeof(buf)) {
			struct iovec iov[16];
			size_t off = 0;
			int k, got;

			for (k = 0; k < 16 && seq + k < n; k++) {
				uint32_t l = rec_len(seq + k, max);

				if (off + l > sizeof(buf))
					break;
				rec_fill(buf + off, seq + k, l);
				iov[k] = (struct iovec){ buf + off, l };
				off += l;
			}
			got = mbox_ring_push_batch(r, iov, k, 0, 0);
			if (got < 1 || got > k)
				return 5;
			seq += got - 1;
		} else if (mode == ZERO_COPY && (seq & 1)) {
			if (mbox_ring_reserve(r, len, &p, 0, 0))
				return 2;
			rec_fill(p, seq, len);
			if (mbox_ring_commit(r))
				return 3;
		} else {
			rec_fill(buf, seq, len);
			if (mbox_ring_push(r, buf, len, 0, 0))
				return 4;
		}
	}
	if (out)
		mbox_ring_counters(r, out);
	mbox_ring_close(r);
	return 0;
}

/* Consume @n records and check each; returns 0 or the failing step. */
static int consumer(const char *name, uint64_t n, uint32_t max, enum mode mode,
		    struct mbox_ring_counters *out)
{
	static uint8_t buf[1 << 20];
	struct mbox_ring *r;
	size_t lens[16];
	const void *p;
	uint64_t seq = 0;
	size_t off;
	ssize_t len;
	int got, i;

	if (mbox_ring_open(&r, name, MBOX_RING_CONSUMER, 0, 0, 0,
			   mode == KERNEL ? MBOX_RING_OPEN_NOMAP : 0))
		return 10;
	while (seq < n) {
		if (mode == KERNEL || seq % 3 == 0) {
			len = mbox_ring_pop(r, buf, sizeof(buf), 0, 0);
			if (len < 0 || rec_check(buf, len, seq, max))
				return 11;
			seq++;
		} else if (seq % 3 == 1) {
			len = mbox_ring_peek(r, &p, 0, 0);
			if (len < 0 || rec_check(p, len, seq, max))
				return 12;
			if (mbox_ring_release(r))
				return 13;
			seq++;
		} else {
			got = mbox_ring_pop_batch(r, buf, sizeof(buf), lens, 16, 0, 0);
			if (got <= 0)
				return 14;
			for (i = 0, off = 0; i < got; off += lens[i], i++)
				if (seq >= n || rec_check(buf + off, lens[i], seq++, max))
					return 15;
		}
	}
	if (out)
		mbox_ring_counters(r, out);
	mbox_ring_close(r);
	return 0;
}

struct shared {
	struct mbox_ring_counters prod, cons;
};

/* Bind @role to ring @name for a moment and set its position to @val. */
static int set_pos(const char *name, uint32_t role, uint64_t page_off,
		   const struct mbox_ring_layout *l, uint32_t val)
{
	uint32_t *page;
	int fd;

	fd = ring_open(name, O_RDWR, 0, 0, 0, role, NULL);
	if (fd < 0)
		return fd;
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, page_off);
	close(fd);
	if (page == MAP_FAILED)
		return -1;
	page[l->pos_off / 4] = val;
	munmap(page, 4096);
	return 0;
}

/*
 * Run a producer in a child and a consumer here over a new ring of @size
 * bytes; both must finish cleanly. @start, when not 0, is where both
 * positions begin.
 */
static void run(struct __test_metadata *_metadata, uint64_t n, uint32_t size,
		uint32_t max, enum mode pmode, enum mode cmode, uint32_t start)
{
	const char *name = mb_name("proto");
	struct mbox_ring_layout l;
	struct mbox_ring_stat st;
	struct shared *sh;
	int status, fd;
	pid_t pid;

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	fd = ring_open(name, O_RDWR, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL, 0600, size,
		       MBOX_RING_OBSERVER, &l);
	ASSERT_LE(0, fd);
	if (start) {
		/* Take both roles for a moment and set both positions. */
		ASSERT_EQ(0, set_pos(name, MBOX_RING_PRODUCER, l.prod_off, &l, start));
		ASSERT_EQ(0, set_pos(name, MBOX_RING_CONSUMER, l.cons_off, &l, start));
	}

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(producer(name, n, max, pmode, &sh->prod));
	EXPECT_EQ(0, consumer(name, n, max, cmode, &sh->cons));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);

	/* Everything produced was consumed; nothing is left over. */
	ASSERT_EQ(0, ring_stat(fd, &st));
	EXPECT_EQ(st.prod, st.cons);
	EXPECT_EQ(n, sh->prod.records);
	EXPECT_EQ(n, sh->cons.records);
	TH_LOG("%llu records: producer %llu waits %llu wake-ups, consumer %llu waits %llu wake-ups",
	       (unsigned long long)n,
	       (unsigned long long)sh->prod.waits, (unsigned long long)sh->prod.wakeups,
	       (unsigned long long)sh->cons.waits, (unsigned long long)sh->cons.wakeups);
	close(fd);
	EXPECT_EQ(0, ring_unlink(name));
	munmap(sh, sizeof(*sh));
}

FIXTURE(proto) {
};

FIXTURE_SETUP(proto)
{
}

FIXTURE_TEARDOWN(proto)
{
}

TEST_F_TIMEOUT(proto, two_million_small_records, 600)
{
	run(_metadata, 2000000, 65536, 200, ZERO_COPY, ZERO_COPY, 0);
}

TEST_F_TIMEOUT(proto, big_records_wrap_often, 600)
{
	/* Records up to half the ring: most of them wrap past its end. */
	run(_metadata, 100000, 16384, 8000, PUSH, ZERO_COPY, 0);
}

TEST_F_TIMEOUT(proto, positions_wrap_around_2_32, 600)
{
	run(_metadata, 300000, 8192, 300, ZERO_COPY, ZERO_COPY, 0xfffff000u);
}

TEST_F_TIMEOUT(proto, kernel_consumer, 600)
{
	/* A mapped producer, and read() on the other side. */
	run(_metadata, 200000, 16384, 500, ZERO_COPY, KERNEL, 0xffffff00u);
}

TEST_F_TIMEOUT(proto, kernel_producer, 600)
{
	/* write() on one side, a mapped consumer on the other. */
	run(_metadata, 200000, 16384, 500, KERNEL, ZERO_COPY, 0);
}

TEST_F_TIMEOUT(proto, kernel_both_sides, 600)
{
	run(_metadata, 100000, 8192, 1000, KERNEL, KERNEL, 0);
}

/* mboxctl (the kernel playing a side) opposite a process that maps the ring. */
TEST_F_TIMEOUT(proto, mboxctl_opposite_a_mapped_process, 120)
{
	const char *name = mb_name("proto-ctl");
	struct mbox_ring *r, *keep;
	char buf[64], out[64];
	int pipefd[2], status;
	ssize_t n, got = 0;
	pid_t pid;

	ASSERT_EQ(0, mbox_ring_open(&keep, name, MBOX_RING_OBSERVER, O_CREAT | O_EXCL,
				    0600, 4096, 0));
	/* mboxctl produces, we consume from the mapping. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		execlp("mboxctl", "mboxctl", "ring", "push", name, "alpha", "beta", (char *)NULL);
		_exit(127);
	}
	/*
	 * However late mboxctl starts, its records come: blocking pops, no
	 * timeout (the harness's per-test timeout catches a hang).
	 */
	ASSERT_EQ(0, mbox_ring_open(&r, name, MBOX_RING_CONSUMER, 0, 0, 0, 0));
	n = mbox_ring_pop(r, buf, sizeof(buf), 0, 0);
	ASSERT_EQ(5, n);
	EXPECT_EQ(0, memcmp(buf, "alpha", 5));
	n = mbox_ring_pop(r, buf, sizeof(buf), 0, 0);
	ASSERT_EQ(4, n);
	EXPECT_EQ(0, memcmp(buf, "beta", 4));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
	mbox_ring_close(r);

	/* We produce into the mapping, mboxctl consumes. */
	ASSERT_EQ(0, mbox_ring_open(&r, name, MBOX_RING_PRODUCER, 0, 0, 0, 0));
	ASSERT_EQ(0, mbox_ring_push(r, "gamma", 5, 0, 0));
	ASSERT_EQ(0, mbox_ring_push(r, "delta", 5, 0, 0));
	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		dup2(pipefd[1], STDOUT_FILENO);
		execlp("mboxctl", "mboxctl", "ring", "pop", "-c", "2", name, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	while ((n = read(pipefd[0], out + got, sizeof(out) - 1 - got)) > 0)
		got += n;
	out[got] = '\0';
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
	EXPECT_STREQ("gamma\ndelta\n", out);
	mbox_ring_close(r);
	mbox_ring_close(keep);
	EXPECT_EQ(0, mbox_ring_unlink(name));
}

TEST_HARNESS_MAIN
