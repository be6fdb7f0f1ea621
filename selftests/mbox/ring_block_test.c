// SPDX-License-Identifier: GPL-2.0
/*
 * ring_block_test: when a ring side sleeps and who wakes it. The fast path
 * makes no system call; a side sleeps only on a full or empty ring and is
 * woken only when asleep; blocking, non-blocking, timeouts and signals on
 * both sides, mapped or through read() and write(); poll and epoll; close,
 * kill and hang-up while blocked.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libmbox.h>

#include "kselftest_harness.h"
#include "common.h"

#define MS 1000000ULL
#define SIZE 8192

FIXTURE(rb) {
	char name[64];
	int obs;
};

FIXTURE_SETUP(rb)
{
	snprintf(self->name, sizeof(self->name), "%s", mb_name("ringblock"));
	self->obs = ring_open(self->name, O_RDWR, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL,
			      0600, SIZE, MBOX_RING_OBSERVER, NULL);
	ASSERT_LE(0, self->obs);
}

FIXTURE_TEARDOWN(rb)
{
	close(self->obs);
	ring_unlink(self->name);
}

static struct mbox_ring *open_role(const char *name, unsigned int role,
				   unsigned int flags)
{
	struct mbox_ring *r;

	return mbox_ring_open(&r, name, role, 0, 0, 0, flags) ? NULL : r;
}

/*
 * Wait until @n tasks sleep on the ring: a synchronization point, as
 * mb_wait_waiters() is for mailboxes. The kernel counts a sleeper only
 * after it has set its wakeup word and found the ring still empty (full),
 * so from then on the peer's next publish must wake it. No wall-clock
 * limit: the harness's per-test timeout reports a sleeper that never comes.
 */
static bool wait_sleepers(int obs, unsigned int n)
{
	struct mbox_ring_stat st;

	for (;;) {
		if (ring_stat(obs, &st))
			return false;
		if (st.sleepers == n)
			return true;
		usleep(1000);
	}
}

TEST_F(rb, fast_path_makes_no_system_call)
{
	struct mbox_ring *p = open_role(self->name, MBOX_RING_PRODUCER, 0);
	struct mbox_ring *c = open_role(self->name, MBOX_RING_CONSUMER, 0);
	struct mbox_ring_counters pc, cc;
	struct mbox_ring_stat st;
	char buf[64];
	int i;

	ASSERT_NE(NULL, p);
	ASSERT_NE(NULL, c);
	/* Nobody sleeps, so nobody is woken and nobody waits. */
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(0, mbox_ring_push(p, "0123456789", 10, 0, 0));
		ASSERT_EQ(10, mbox_ring_pop(c, buf, sizeof(buf), 0, 0));
	}
	mbox_ring_counters(p, &pc);
	mbox_ring_counters(c, &cc);
	EXPECT_EQ(100, pc.records);
	EXPECT_EQ(100, cc.records);
	EXPECT_EQ(0, pc.waits + pc.wakeups + cc.waits + cc.wakeups);
	ASSERT_EQ(0, ring_stat(self->obs, &st));
	EXPECT_EQ(0, st.sleeps);
	EXPECT_EQ(0, st.wakeups);
	mbox_ring_close(p);
	mbox_ring_close(c);
}

TEST_F(rb, consumer_sleeps_on_empty_and_is_woken_once)
{
	struct mbox_ring *p = open_role(self->name, MBOX_RING_PRODUCER, 0);
	struct mbox_ring_counters pc;
	struct mbox_ring_stat st;
	pid_t pid;

	ASSERT_NE(NULL, p);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct mbox_ring *c = open_role(self->name, MBOX_RING_CONSUMER, 0);
		char buf[16];

		_exit(c && mbox_ring_pop(c, buf, sizeof(buf), 0, 0) == 5 &&
		      !memcmp(buf, "awake", 5) ? 0 : 1);
	}
	ASSERT_TRUE(wait_sleepers(self->obs, 1));
	ASSERT_EQ(0, mbox_ring_push(p, "awake", 5, 0, 0));
	EXPECT_EQ(0, reap(pid));
	/* The producer saw the request and woke it: one system call. */
	mbox_ring_counters(p, &pc);
	EXPECT_EQ(1, pc.wakeups);
	EXPECT_EQ(0, pc.waits);
	ASSERT_EQ(0, ring_stat(self->obs, &st));
	EXPECT_EQ(1, st.wakeups);
	EXPECT_LE(1, st.sleeps);
	mbox_ring_close(p);
}

TEST_F(rb, producer_sleeps_on_full)
{
	struct mbox_ring *c = open_role(self->name, MBOX_RING_CONSUMER, 0);
	char buf[SIZE];
	pid_t pid;
	int n;

	ASSERT_NE(NULL, c);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct mbox_ring *p = open_role(self->name, MBOX_RING_PRODUCER, 0);
		int i;

		if (!p)
			_exit(1);
		/* 8 records of 1 KiB fill the ring; the 9th waits for room. */
		memset(buf, 'p', sizeof(buf));
		for (i = 0; i < 9; i++)
			if (mbox_ring_push(p, buf, 1000, 0, 0))
				_exit(2);
		_exit(0);
	}
	ASSERT_TRUE(wait_sleepers(self->obs, 1));
	for (n = 0; n < 9; n++)
		ASSERT_EQ(1000, mbox_ring_pop(c, buf, sizeof(buf), 0, 0));
	EXPECT_EQ(0, reap(pid));
	mbox_ring_close(c);
}

TEST_F(rb, non_blocking_and_timeouts)
{
	struct mbox_ring *p = open_role(self->name, MBOX_RING_PRODUCER, 0);
	struct mbox_ring *c = open_role(self->name, MBOX_RING_CONSUMER, 0);
	char buf[SIZE];
	uint64_t start;
	void *slot;
	int i;

	ASSERT_NE(NULL, p);
	ASSERT_NE(NULL, c);
	EXPECT_EQ(-EAGAIN, mbox_ring_pop(c, buf, sizeof(buf), MBOX_RING_IO_NONBLOCK, 0));
	/* Lower bound only: the kernel must not give up early. */
	start = now_ns();
	EXPECT_EQ(-ETIMEDOUT, mbox_ring_pop(c, buf, sizeof(buf), MBOX_RING_IO_TIMEOUT, 30 * MS));
	EXPECT_LE(30 * MS, now_ns() - start);
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, mbox_ring_push(p, buf, 1000, MBOX_RING_IO_NONBLOCK, 0));
	EXPECT_EQ(-EAGAIN, mbox_ring_push(p, buf, 1000, MBOX_RING_IO_NONBLOCK, 0));
	EXPECT_EQ(-EAGAIN, mbox_ring_reserve(p, 1000, &slot, MBOX_RING_IO_NONBLOCK, 0));
	start = now_ns();
	EXPECT_EQ(-ETIMEDOUT, mbox_ring_reserve(p, 1000, &slot, MBOX_RING_IO_TIMEOUT, 30 * MS));
	EXPECT_LE(30 * MS, now_ns() - start);
	/* A record that still fits goes at once. */
	EXPECT_EQ(0, mbox_ring_push(p, buf, 100, MBOX_RING_IO_NONBLOCK, 0));
	mbox_ring_close(p);
	mbox_ring_close(c);
}

TEST_F(rb, kernel_side_blocking)
{
	int cons, prod, flags;
	char buf[SIZE];
	pid_t pid;

	cons = ring_open(self->name, O_RDWR | O_NONBLOCK, 0, 0, 0, MBOX_RING_CONSUMER, NULL);
	prod = ring_open(self->name, O_RDWR, 0, 0, 0, MBOX_RING_PRODUCER, NULL);
	ASSERT_LE(0, cons);
	ASSERT_LE(0, prod);
	EXPECT_EQ(-1, read(cons, buf, sizeof(buf)));
	EXPECT_EQ(EAGAIN, errno);
	/* Blocking read() sleeps until a write() comes. */
	flags = fcntl(cons, F_GETFL);
	ASSERT_EQ(0, fcntl(cons, F_SETFL, flags & ~O_NONBLOCK));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(read(cons, buf, sizeof(buf)) == 4 && !memcmp(buf, "kern", 4) ? 0 : 1);
	ASSERT_TRUE(wait_sleepers(self->obs, 1));
	ASSERT_EQ(4, write(prod, "kern", 4));
	EXPECT_EQ(0, reap(pid));
	/* Blocking write() sleeps until a read() makes room. */
	memset(buf, 'w', sizeof(buf));
	ASSERT_EQ(4000, write(prod, buf, 4000));
	ASSERT_EQ(4000, write(prod, buf, 4000));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(write(prod, buf, 4000) == 4000 ? 0 : 1);
	ASSERT_TRUE(wait_sleepers(self->obs, 1));
	EXPECT_EQ(4000, read(cons, buf, sizeof(buf)));
	EXPECT_EQ(0, reap(pid));
	close(cons);
	close(prod);
}

static volatile sig_atomic_t handled;
static int handled_pipe = -1;	/* the handler reports itself here */

static void on_signal(int sig)
{
	(void)sig;
	handled = 1;
	if (handled_pipe >= 0 && write(handled_pipe, "h", 1) < 0)
		handled = 2;
}

/* In a child with a SIGUSR1 handler (@sa_flags), run @fn; exit its errno. */
static pid_t child_with_handler(int sa_flags, int (*fn)(const char *),
				const char *name)
{
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = sa_flags };
	pid_t pid = fork();
	int ret;

	if (pid)
		return pid;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	ret = fn(name);
	_exit(!handled ? 100 : ret < 0 ? -ret : 0);
}

static int mapped_pop(const char *name)
{
	struct mbox_ring *c = open_role(name, MBOX_RING_CONSUMER, 0);
	char buf[16];

	return c ? (int)mbox_ring_pop(c, buf, sizeof(buf), 0, 0) : -ENOMEM;
}

static int timed_pop(const char *name)
{
	struct mbox_ring *c = open_role(name, MBOX_RING_CONSUMER, 0);
	char buf[16];

	/* Timed, but never by the clock: only the signal ends it. */
	return c ? (int)mbox_ring_pop(c, buf, sizeof(buf), MBOX_RING_IO_TIMEOUT,
				      ~0ULL) : -ENOMEM;
}

TEST_F(rb, signals)
{
	struct mbox_ring *p;
	int fds[2];
	pid_t pid;
	char c;

	/* Without SA_RESTART the wait is interrupted. */
	pid = child_with_handler(0, mapped_pop, self->name);
	ASSERT_TRUE(wait_sleepers(self->obs, 1));
	kill(pid, SIGUSR1);
	EXPECT_EQ(EINTR, reap(pid));

	/* With SA_RESTART an untimed wait goes on, and gets the record. */
	ASSERT_EQ(0, pipe(fds));
	handled_pipe = fds[1];
	pid = child_with_handler(SA_RESTART, mapped_pop, self->name);
	ASSERT_TRUE(wait_sleepers(self->obs, 1));
	kill(pid, SIGUSR1);
	ASSERT_EQ(1, read(fds[0], &c, 1));
	ASSERT_TRUE(wait_sleepers(self->obs, 1));
	p = open_role(self->name, MBOX_RING_PRODUCER, 0);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, mbox_ring_push(p, "late", 4, 0, 0));
	EXPECT_EQ(0, reap(pid));

	/* A timed wait is never restarted. */
	pid = child_with_handler(SA_RESTART, timed_pop, self->name);
	ASSERT_TRUE(wait_sleepers(self->obs, 1));
	kill(pid, SIGUSR1);
	EXPECT_EQ(EINTR, reap(pid));
	mbox_ring_close(p);
}

TEST_F(rb, kill_while_blocked)
{
	struct mbox_ring_stat st;
	struct mbox_ring *c;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(mapped_pop(self->name));
	ASSERT_TRUE(wait_sleepers(self->obs, 1));
	kill(pid, SIGKILL);
	EXPECT_EQ(-1, reap(pid));
	ASSERT_EQ(0, ring_stat(self->obs, &st));
	EXPECT_EQ(0, st.sleepers);
	EXPECT_EQ(0, st.consumer);
	/* The role is free again. */
	c = open_role(self->name, MBOX_RING_CONSUMER, 0);
	EXPECT_NE(NULL, c);
	mbox_ring_close(c);
}

struct reader {
	int fd;
	ssize_t n;
	char buf[16];
};

static void *reader_thread(void *arg)
{
	struct reader *r = arg;

	r->n = read(r->fd, r->buf, sizeof(r->buf));
	return NULL;
}

TEST_F(rb, close_while_blocked)
{
	struct reader r = { 0 };
	pthread_t th;
	int prod;

	r.fd = ring_open(self->name, O_RDWR, 0, 0, 0, MBOX_RING_CONSUMER, NULL);
	ASSERT_LE(0, r.fd);
	ASSERT_EQ(0, pthread_create(&th, NULL, reader_thread, &r));
	ASSERT_TRUE(wait_sleepers(self->obs, 1));
	/* The blocked read() holds the file; it carries on. */
	ASSERT_EQ(0, close(r.fd));
	prod = ring_open(self->name, O_RDWR, 0, 0, 0, MBOX_RING_PRODUCER, NULL);
	ASSERT_LE(0, prod);
	ASSERT_EQ(6, write(prod, "closed", 6));
	ASSERT_EQ(0, pthread_join(th, NULL));
	EXPECT_EQ(6, r.n);
	close(prod);
}

TEST_F(rb, hang_up)
{
	struct pollfd pfd;
	int cons, prod;
	char buf[16];
	pid_t pid;

	cons = ring_open(self->name, O_RDWR, 0, 0, 0, MBOX_RING_CONSUMER, NULL);
	prod = ring_open(self->name, O_RDWR, 0, 0, 0, MBOX_RING_PRODUCER, NULL);
	ASSERT_LE(0, cons);
	ASSERT_LE(0, prod);
	ASSERT_EQ(4, write(prod, "last", 4));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* Read the last record, then block until the hang-up. */
		close(prod);
		if (read(cons, buf, sizeof(buf)) != 4)
			_exit(1);
		_exit(read(cons, buf, sizeof(buf)) < 0 ? errno : 0);
	}
	ASSERT_TRUE(wait_sleepers(self->obs, 1));
	/* Unlinked, and its producer gone: nothing can ever come. */
	ASSERT_EQ(0, ring_unlink(self->name));
	close(prod);
	EXPECT_EQ(EPIPE, reap(pid));
	pfd = (struct pollfd){ .fd = cons, .events = POLLIN };
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLHUP, pfd.revents);
	close(cons);
}

TEST_F(rb, producer_hang_up)
{
	struct pollfd pfd;
	int cons, prod;
	char buf[SIZE];

	sigpipe_block();
	cons = ring_open(self->name, O_RDWR, 0, 0, 0, MBOX_RING_CONSUMER, NULL);
	prod = ring_open(self->name, O_RDWR, 0, 0, 0, MBOX_RING_PRODUCER, NULL);
	ASSERT_LE(0, cons);
	ASSERT_LE(0, prod);
	ASSERT_EQ(0, ring_unlink(self->name));
	close(cons);
	/* As write(2) on a pipe: EPIPE, and SIGPIPE (blocked for the test). */
	EXPECT_EQ(-1, write(prod, buf, 10));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_TRUE(sigpipe_take());
	pfd = (struct pollfd){ .fd = prod, .events = POLLOUT };
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLOUT | POLLERR, pfd.revents);
	close(prod);
}

TEST_F(rb, poll_states)
{
	struct mbox_ring *p = open_role(self->name, MBOX_RING_PRODUCER, 0);
	struct mbox_ring *c = open_role(self->name, MBOX_RING_CONSUMER, 0);
	struct pollfd pfd[3];
	char buf[SIZE];
	int i;

	ASSERT_NE(NULL, p);
	ASSERT_NE(NULL, c);
	pfd[0] = (struct pollfd){ .fd = mbox_ring_fd(p), .events = POLLIN | POLLOUT };
	pfd[1] = (struct pollfd){ .fd = mbox_ring_fd(c), .events = POLLIN | POLLOUT };
	pfd[2] = (struct pollfd){ .fd = self->obs, .events = POLLIN | POLLOUT };
	ASSERT_EQ(1, poll(pfd, 3, 0));
	EXPECT_EQ(POLLOUT, pfd[0].revents);
	EXPECT_EQ(0, pfd[1].revents);
	EXPECT_EQ(0, pfd[2].revents);
	/* Eight records of 1 KiB, headers included: full to the byte. */
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, mbox_ring_push(p, buf, 1024 - sizeof(struct mbox_ring_hdr), 0, 0));
	ASSERT_EQ(2, poll(pfd, 3, 0));
	EXPECT_EQ(0, pfd[0].revents);		/* full */
	EXPECT_EQ(POLLIN, pfd[1].revents);
	EXPECT_EQ(POLLIN, pfd[2].revents);
	mbox_ring_close(p);
	mbox_ring_close(c);
}

struct epoll_arg {
	int ep;
	int n;
	pid_t tid;
};

static void *epoll_thread(void *arg)
{
	struct epoll_arg *a = arg;
	struct epoll_event ev;

	__atomic_store_n(&a->tid, gettid(), __ATOMIC_RELEASE);
	a->n = epoll_wait(a->ep, &ev, 1, -1);
	return NULL;
}

/* Start a thread that waits in epoll_wait(); return once it sleeps there. */
static bool start_epoll_thread(pthread_t *th, struct epoll_arg *a)
{
	a->n = -2;
	a->tid = 0;
	if (pthread_create(th, NULL, epoll_thread, a))
		return false;
	while (!__atomic_load_n(&a->tid, __ATOMIC_ACQUIRE))
		sched_yield();
	return is_epoll_wait(wait_asleep(a->tid));
}

TEST_F(rb, epoll_edge_triggered)
{
	struct mbox_ring *p = open_role(self->name, MBOX_RING_PRODUCER, 0);
	struct mbox_ring *c = open_role(self->name, MBOX_RING_CONSUMER, 0);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET };
	struct epoll_arg a = { 0 };
	char buf[64];
	pthread_t th;
	int round;

	ASSERT_NE(NULL, p);
	ASSERT_NE(NULL, c);
	a.ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, a.ep);
	ASSERT_EQ(0, epoll_ctl(a.ep, EPOLL_CTL_ADD, mbox_ring_fd(c), &ev));
	for (round = 0; round < 3; round++) {
		/* Drain until EAGAIN, which asks to be woken; then wait. */
		while (mbox_ring_pop(c, buf, sizeof(buf), MBOX_RING_IO_NONBLOCK, 0) > 0)
			;
		ASSERT_TRUE(start_epoll_thread(&th, &a));
		ASSERT_EQ(0, mbox_ring_push(p, "edge", 4, 0, 0));
		ASSERT_EQ(0, pthread_join(th, NULL));
		EXPECT_EQ(1, a.n) TH_LOG("round %d", round);
	}
	close(a.ep);
	mbox_ring_close(p);
	mbox_ring_close(c);
}

TEST_F(rb, epoll_edge_triggered_through_read)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET };
	struct mbox_ring *p = open_role(self->name, MBOX_RING_PRODUCER, 0);
	struct epoll_arg a = { 0 };
	char buf[64];
	pthread_t th;
	int cons, round;

	/* A consumer that never maps: read() failing with EAGAIN must arm. */
	ASSERT_NE(NULL, p);
	cons = ring_open(self->name, O_RDWR | O_NONBLOCK, 0, 0, 0, MBOX_RING_CONSUMER, NULL);
	ASSERT_LE(0, cons);
	a.ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, a.ep);
	ASSERT_EQ(0, epoll_ctl(a.ep, EPOLL_CTL_ADD, cons, &ev));
	for (round = 0; round < 3; round++) {
		while (read(cons, buf, sizeof(buf)) > 0)
			;
		ASSERT_EQ(EAGAIN, errno);
		ASSERT_TRUE(start_epoll_thread(&th, &a));
		ASSERT_EQ(0, mbox_ring_push(p, "edge", 4, 0, 0));
		ASSERT_EQ(0, pthread_join(th, NULL));
		EXPECT_EQ(1, a.n) TH_LOG("round %d", round);
	}
	close(a.ep);
	close(cons);
	mbox_ring_close(p);
}

TEST_F(rb, producer_polls_for_the_room_it_needs)
{
	struct pollfd pfd;
	char buf[SIZE];
	int prod, cons;

	prod = ring_open(self->name, O_RDWR | O_NONBLOCK, 0, 0, 0, MBOX_RING_PRODUCER, NULL);
	cons = ring_open(self->name, O_RDWR, 0, 0, 0, MBOX_RING_CONSUMER, NULL);
	ASSERT_LE(0, prod);
	ASSERT_LE(0, cons);
	/* 7992 of 8192 bytes in use: 200 free, a 200-byte record needs 208. */
	memset(buf, 'r', sizeof(buf));
	ASSERT_EQ(4000, write(prod, buf, 4000));
	ASSERT_EQ(3976, write(prod, buf, 3976));
	EXPECT_EQ(-1, write(prod, buf, 200));
	EXPECT_EQ(EAGAIN, errno);
	/* Room for a small record, not for the one it waits for: not writable. */
	pfd = (struct pollfd){ .fd = prod, .events = POLLOUT };
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	ASSERT_EQ(4000, read(cons, buf, sizeof(buf)));
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLOUT, pfd.revents);
	EXPECT_EQ(200, write(prod, buf, 200));
	close(prod);
	close(cons);
}

struct wait_arg {
	int fd;
	uint32_t need;
	int ret;
};

static void *wait_thread(void *arg)
{
	struct wait_arg *a = arg;
	struct mbox_ring_wait w = {
		.need = a->need,
		/* Only so that a lost wake-up fails the test, not hangs it. */
		.flags = MBOX_RING_WAIT_TIMEOUT,
		.timeout_ns = 20000 * MS,
	};

	a->ret = ioctl(a->fd, MBOX_IOC_RING_WAIT, &w) ? -errno : 0;
	return NULL;
}

TEST_F(rb, producer_waiters_keep_the_smaller_need)
{
	struct wait_arg small = { .need = MBOX_RING_REC_SIZE(100) };
	struct wait_arg big = { .need = MBOX_RING_REC_SIZE(4000) };
	pthread_t ts, tb;
	char buf[SIZE];
	int prod, cons;

	/*
	 * Two threads of the producer wait on one descriptor, for 112 and for
	 * 4008 free bytes, in that order. Freeing 112 must wake the first: the
	 * second's request must not have hidden it.
	 */
	prod = ring_open(self->name, O_RDWR, 0, 0, 0, MBOX_RING_PRODUCER, NULL);
	cons = ring_open(self->name, O_RDWR, 0, 0, 0, MBOX_RING_CONSUMER, NULL);
	ASSERT_LE(0, prod);
	ASSERT_LE(0, cons);
	memset(buf, 'w', sizeof(buf));
	/* 112 + 4008 + 3992 = 8112 of 8192 bytes in use: 80 free. */
	ASSERT_EQ(100, write(prod, buf, 100));
	ASSERT_EQ(4000, write(prod, buf, 4000));
	ASSERT_EQ(3984, write(prod, buf, 3984));
	small.fd = big.fd = prod;
	ASSERT_EQ(0, pthread_create(&ts, NULL, wait_thread, &small));
	ASSERT_TRUE(wait_sleepers(self->obs, 1));
	ASSERT_EQ(0, pthread_create(&tb, NULL, wait_thread, &big));
	ASSERT_TRUE(wait_sleepers(self->obs, 2));
	/* 192 free: enough for the first waiter only. */
	ASSERT_EQ(100, read(cons, buf, sizeof(buf)));
	ASSERT_EQ(0, pthread_join(ts, NULL));
	EXPECT_EQ(0, small.ret);
	/* The second sleeps on until there is room for it. */
	ASSERT_TRUE(wait_sleepers(self->obs, 1));
	ASSERT_EQ(4000, read(cons, buf, sizeof(buf)));
	ASSERT_EQ(0, pthread_join(tb, NULL));
	EXPECT_EQ(0, big.ret);
	close(prod);
	close(cons);
}

/* The producer's wakeup word, through an observer's mapping. */
struct word_view {
	int fd;
	struct mbox_ring_layout layout;
	uint8_t *map;
};

static int word_view_open(struct word_view *v, const char *name)
{
	v->fd = ring_open(name, O_RDONLY, 0, 0, 0, MBOX_RING_OBSERVER,
			  &v->layout);
	if (v->fd < 0)
		return v->fd;
	v->map = mmap(NULL, v->layout.mmap_size, PROT_READ, MAP_SHARED, v->fd, 0);
	return v->map == MAP_FAILED ? -errno : 0;
}

static uint32_t prod_word(const struct word_view *v)
{
	return __atomic_load_n((uint32_t *)(v->map + v->layout.prod_off +
					    v->layout.wakeup_off),
			       __ATOMIC_SEQ_CST);
}

static void word_view_close(struct word_view *v)
{
	munmap(v->map, v->layout.mmap_size);
	close(v->fd);
}

struct write_arg {
	int fd;
	uint32_t len;
	ssize_t ret;
};

static void *write_thread(void *arg)
{
	struct write_arg *a = arg;
	char buf[SIZE] = { 0 };

	a->ret = write(a->fd, buf, a->len);
	return NULL;
}

/*
 * Several waiters share the producer's word, which holds the smallest
 * need. A thread sleeps in write() for 112 bytes; then the mapped producer
 * finds no room for 4008 and asks, through the word, to be woken: the word
 * must still say 112 (a plain store of 4008 would keep the writer asleep
 * with its room free).
 */
TEST_F(rb, wait_and_mapped_producer_keep_the_smaller_need)
{
	struct write_arg w = { .len = 100 };
	struct mbox_ring *p;
	struct word_view v;
	char buf[SIZE];
	void *slot;
	pthread_t t;
	int cons;

	p = open_role(self->name, MBOX_RING_PRODUCER, 0);
	ASSERT_NE(NULL, p);
	cons = ring_open(self->name, O_RDWR, 0, 0, 0, MBOX_RING_CONSUMER, NULL);
	ASSERT_LE(0, cons);
	ASSERT_EQ(0, word_view_open(&v, self->name));
	memset(buf, 'w', sizeof(buf));
	/* 112 + 4008 + 3992 = 8112 of 8192 bytes in use: 80 free. */
	ASSERT_EQ(0, mbox_ring_push(p, buf, 100, 0, 0));
	ASSERT_EQ(0, mbox_ring_push(p, buf, 4000, 0, 0));
	ASSERT_EQ(0, mbox_ring_push(p, buf, 3984, 0, 0));

	w.fd = mbox_ring_fd(p);
	ASSERT_EQ(0, pthread_create(&t, NULL, write_thread, &w));
	ASSERT_TRUE(wait_sleepers(self->obs, 1));
	EXPECT_EQ(MBOX_RING_REC_SIZE(100), prod_word(&v));
	EXPECT_EQ(-EAGAIN, mbox_ring_reserve(p, 4000, &slot, MBOX_RING_IO_NONBLOCK, 0));
	EXPECT_EQ(MBOX_RING_REC_SIZE(100), prod_word(&v));

	/* 192 free: the writer must be woken (if the word lost, wake it). */
	if (prod_word(&v) != MBOX_RING_REC_SIZE(100))
		ioctl(cons, MBOX_IOC_RING_WAKE, 0);
	ASSERT_EQ(100, read(cons, buf, sizeof(buf)));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(100, w.ret);
	word_view_close(&v);
	mbox_ring_close(p);
	close(cons);
}

/*
 * Two waiters of one side woken together both ask again, at once: each
 * time they are asleep again, the word holds the smaller need. (The
 * interleaving that loses it is a race; this checks the outcome every
 * round.)
 */
TEST_F(rb, rearming_waiters_keep_the_smaller_need)
{
	struct wait_arg small = { .need = MBOX_RING_REC_SIZE(100) };
	struct wait_arg big = { .need = MBOX_RING_REC_SIZE(4000) };
	struct mbox_ring_stat st;
	struct word_view v;
	pthread_t ts, tb;
	char buf[SIZE];
	int prod, cons, round;
	uint64_t sleeps;

	prod = ring_open(self->name, O_RDWR, 0, 0, 0, MBOX_RING_PRODUCER, NULL);
	cons = ring_open(self->name, O_RDWR, 0, 0, 0, MBOX_RING_CONSUMER, NULL);
	ASSERT_LE(0, prod);
	ASSERT_LE(0, cons);
	ASSERT_EQ(0, word_view_open(&v, self->name));
	memset(buf, 'w', sizeof(buf));
	ASSERT_EQ(100, write(prod, buf, 100));
	ASSERT_EQ(4000, write(prod, buf, 4000));
	ASSERT_EQ(3984, write(prod, buf, 3984));
	small.fd = big.fd = prod;
	ASSERT_EQ(0, pthread_create(&ts, NULL, wait_thread, &small));
	ASSERT_EQ(0, pthread_create(&tb, NULL, wait_thread, &big));
	ASSERT_TRUE(wait_sleepers(self->obs, 2));
	for (round = 0; round < 200; round++) {
		ASSERT_EQ(0, ring_stat(self->obs, &st));
		sleeps = st.sleeps;
		/* No room freed: both wake, look, and ask again. */
		ASSERT_EQ(0, ioctl(cons, MBOX_IOC_RING_WAKE, 0));
		do {
			ASSERT_TRUE(wait_sleepers(self->obs, 2));
			ASSERT_EQ(0, ring_stat(self->obs, &st));
		} while (st.sleeps < sleeps + 2);
		ASSERT_EQ(MBOX_RING_REC_SIZE(100), prod_word(&v))
			TH_LOG("round %d", round);
	}
	/* 112 free wakes the small one, all free the big one. */
	ASSERT_EQ(100, read(cons, buf, sizeof(buf)));
	ASSERT_EQ(4000, read(cons, buf, sizeof(buf)));
	ASSERT_EQ(3984, read(cons, buf, sizeof(buf)));
	ASSERT_EQ(0, pthread_join(ts, NULL));
	ASSERT_EQ(0, pthread_join(tb, NULL));
	EXPECT_EQ(0, small.ret);
	EXPECT_EQ(0, big.ret);
	word_view_close(&v);
	close(prod);
	close(cons);
}

/* The consumer's wakeup and pollers words, through an observer's mapping. */
static uint32_t cons_word(const struct word_view *v, uint32_t off)
{
	return __atomic_load_n((uint32_t *)(v->map + v->layout.cons_off + off),
			       __ATOMIC_SEQ_CST);
}

/*
 * A consumer that polls the ring without blocking, mapped or through
 * read(), is never asleep: the producer must make no wake call for it.
 */
TEST_F(rb, polling_consumer_costs_no_wake_call)
{
	struct mbox_ring *p = open_role(self->name, MBOX_RING_PRODUCER, 0);
	struct mbox_ring *c = open_role(self->name, MBOX_RING_CONSUMER, 0);
	struct mbox_ring_counters pc;
	struct mbox_ring_stat st;
	struct word_view v;
	char buf[64];
	int i, cons;

	ASSERT_NE(NULL, p);
	ASSERT_NE(NULL, c);
	ASSERT_EQ(0, word_view_open(&v, self->name));
	EXPECT_NE(0, v.layout.pollers_off);
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(-EAGAIN, mbox_ring_pop(c, buf, sizeof(buf), MBOX_RING_IO_NONBLOCK, 0));
		ASSERT_EQ(0, mbox_ring_push(p, "poll", 4, 0, 0));
		ASSERT_EQ(4, mbox_ring_pop(c, buf, sizeof(buf), MBOX_RING_IO_NONBLOCK, 0));
	}
	EXPECT_EQ(0, cons_word(&v, v.layout.wakeup_off));
	mbox_ring_close(c);
	cons = ring_open(self->name, O_RDWR | O_NONBLOCK, 0, 0, 0, MBOX_RING_CONSUMER, NULL);
	ASSERT_LE(0, cons);
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(-1, read(cons, buf, sizeof(buf)));
		ASSERT_EQ(EAGAIN, errno);
		ASSERT_EQ(0, mbox_ring_push(p, "read", 4, 0, 0));
		ASSERT_EQ(4, read(cons, buf, sizeof(buf)));
	}
	EXPECT_EQ(0, cons_word(&v, v.layout.wakeup_off));
	mbox_ring_counters(p, &pc);
	EXPECT_EQ(0, pc.wakeups);
	ASSERT_EQ(0, ring_stat(self->obs, &st));
	EXPECT_EQ(0, st.wakeups);
	close(cons);
	word_view_close(&v);
	mbox_ring_close(p);
}

/*
 * An epoll waiter makes a non-blocking consumer ask to be woken (the
 * pollers word says one is queued); once it is gone, the next wake call
 * finds nobody queued and clears both words, and asking stops.
 */
TEST_F(rb, pollers_word_follows_the_epoll_waiter)
{
	struct mbox_ring *p = open_role(self->name, MBOX_RING_PRODUCER, 0);
	struct mbox_ring *c = open_role(self->name, MBOX_RING_CONSUMER, 0);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET };
	struct mbox_ring_counters pc;
	struct word_view v;
	char buf[64];
	int ep;

	ASSERT_NE(NULL, p);
	ASSERT_NE(NULL, c);
	ASSERT_EQ(0, word_view_open(&v, self->name));
	EXPECT_EQ(0, cons_word(&v, v.layout.pollers_off));
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, mbox_ring_fd(c), &ev));
	EXPECT_NE(0, cons_word(&v, v.layout.pollers_off));
	ASSERT_EQ(-EAGAIN, mbox_ring_pop(c, buf, sizeof(buf), MBOX_RING_IO_NONBLOCK, 0));
	EXPECT_EQ(MBOX_RING_NEED_WAKEUP, cons_word(&v, v.layout.wakeup_off));
	/* The waiter goes; the word it set still costs one wake call. */
	close(ep);
	ASSERT_EQ(0, mbox_ring_push(p, "one", 3, 0, 0));
	mbox_ring_counters(p, &pc);
	EXPECT_EQ(1, pc.wakeups);
	EXPECT_EQ(0, cons_word(&v, v.layout.pollers_off));
	EXPECT_EQ(0, cons_word(&v, v.layout.wakeup_off));
	ASSERT_EQ(3, mbox_ring_pop(c, buf, sizeof(buf), MBOX_RING_IO_NONBLOCK, 0));
	ASSERT_EQ(-EAGAIN, mbox_ring_pop(c, buf, sizeof(buf), MBOX_RING_IO_NONBLOCK, 0));
	EXPECT_EQ(0, cons_word(&v, v.layout.wakeup_off));
	ASSERT_EQ(0, mbox_ring_push(p, "two", 3, 0, 0));
	mbox_ring_counters(p, &pc);
	EXPECT_EQ(1, pc.wakeups);
	word_view_close(&v);
	mbox_ring_close(p);
	mbox_ring_close(c);
}

/*
 * A consumer that stops waiting without being woken (its wait timed out)
 * withdraws its request; one still asleep keeps it, whatever another
 * thread of its side does without blocking meanwhile.
 */
TEST_F(rb, request_lasts_as_long_as_the_sleeper)
{
	struct mbox_ring *p = open_role(self->name, MBOX_RING_PRODUCER, 0);
	struct mbox_ring *c = open_role(self->name, MBOX_RING_CONSUMER, 0);
	struct wait_arg w = { .need = 0 };
	struct mbox_ring_counters pc;
	struct word_view v;
	char buf[64];
	pthread_t t;

	ASSERT_NE(NULL, p);
	ASSERT_NE(NULL, c);
	ASSERT_EQ(0, word_view_open(&v, self->name));
	ASSERT_EQ(-ETIMEDOUT, mbox_ring_pop(c, buf, sizeof(buf), MBOX_RING_IO_TIMEOUT, MS));
	EXPECT_EQ(0, cons_word(&v, v.layout.wakeup_off));
	ASSERT_EQ(0, mbox_ring_push(p, "late", 4, 0, 0));
	mbox_ring_counters(p, &pc);
	EXPECT_EQ(0, pc.wakeups);
	ASSERT_EQ(4, mbox_ring_pop(c, buf, sizeof(buf), 0, 0));

	w.fd = mbox_ring_fd(c);
	ASSERT_EQ(0, pthread_create(&t, NULL, wait_thread, &w));
	ASSERT_TRUE(wait_sleepers(self->obs, 1));
	EXPECT_EQ(-EAGAIN, mbox_ring_pop(c, buf, sizeof(buf), MBOX_RING_IO_NONBLOCK, 0));
	EXPECT_EQ(MBOX_RING_NEED_WAKEUP, cons_word(&v, v.layout.wakeup_off));
	ASSERT_EQ(0, mbox_ring_push(p, "wake", 4, 0, 0));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(0, w.ret);
	mbox_ring_counters(p, &pc);
	EXPECT_EQ(1, pc.wakeups);
	EXPECT_EQ(0, cons_word(&v, v.layout.wakeup_off));
	word_view_close(&v);
	mbox_ring_close(p);
	mbox_ring_close(c);
}

TEST_F(rb, each_flag_family_refuses_the_others)
{
	struct mbox_ring *p = open_role(self->name, MBOX_RING_PRODUCER, 0);
	struct mbox_ring *c = open_role(self->name, MBOX_RING_CONSUMER, 0);
	struct mbox_ring_wait w = { 0 };
	struct mbox_ring *r;
	const void *data;
	size_t lens[1];
	char buf[16];
	void *slot;

	ASSERT_NE(NULL, p);
	ASSERT_NE(NULL, c);
	/* NONBLOCK is bit 0 and TIMEOUT bit 1 in every family that has them. */
	EXPECT_EQ(MBOX_SEND_NONBLOCK, MBOX_RING_IO_NONBLOCK);
	EXPECT_EQ(MBOX_RECV_NONBLOCK, MBOX_RING_IO_NONBLOCK);
	EXPECT_EQ(MBOX_SEND_TIMEOUT, MBOX_RING_IO_TIMEOUT);
	EXPECT_EQ(MBOX_RECV_TIMEOUT, MBOX_RING_IO_TIMEOUT);
	EXPECT_EQ(MBOX_RING_WAIT_TIMEOUT, MBOX_RING_IO_TIMEOUT);
	/* libmbox's two ring families share no bit... */
	EXPECT_EQ(0, MBOX_RING_OPEN_NOMAP & (MBOX_RING_IO_NONBLOCK | MBOX_RING_IO_TIMEOUT));
	/* ...and each call refuses the other family's flags. */
	EXPECT_EQ(-EINVAL, mbox_ring_open(&r, self->name, MBOX_RING_OBSERVER, 0, 0, 0,
					  MBOX_RING_IO_NONBLOCK));
	EXPECT_EQ(-EINVAL, mbox_ring_open(&r, self->name, MBOX_RING_OBSERVER, 0, 0, 0,
					  MBOX_RING_IO_TIMEOUT));
	EXPECT_EQ(-EINVAL, mbox_ring_reserve(p, 8, &slot, MBOX_RING_OPEN_NOMAP, 0));
	EXPECT_EQ(-EINVAL, mbox_ring_push(p, "x", 1, MBOX_RING_OPEN_NOMAP, 0));
	EXPECT_EQ(-EINVAL, mbox_ring_peek(c, &data, MBOX_RING_OPEN_NOMAP, 0));
	EXPECT_EQ(-EINVAL, mbox_ring_pop(c, buf, sizeof(buf), MBOX_RING_OPEN_NOMAP, 0));
	EXPECT_EQ(-EINVAL, mbox_ring_pop_batch(c, buf, sizeof(buf), lens, 1,
					       MBOX_RING_OPEN_NOMAP, 0));
	/* The kernel's wait has no NONBLOCK: bit 0 is refused. */
	w.flags = MBOX_RECV_NONBLOCK;
	EXPECT_EQ(-1, ioctl(mbox_ring_fd(c), MBOX_IOC_RING_WAIT, &w));
	EXPECT_EQ(EINVAL, errno);
	mbox_ring_close(p);
	mbox_ring_close(c);

	/* Unmapped handles check the same. */
	p = open_role(self->name, MBOX_RING_PRODUCER, MBOX_RING_OPEN_NOMAP);
	c = open_role(self->name, MBOX_RING_CONSUMER, MBOX_RING_OPEN_NOMAP);
	ASSERT_NE(NULL, p);
	ASSERT_NE(NULL, c);
	EXPECT_EQ(-EINVAL, mbox_ring_push(p, "x", 1, MBOX_RING_OPEN_NOMAP, 0));
	EXPECT_EQ(-EINVAL, mbox_ring_pop(c, buf, sizeof(buf), MBOX_RING_OPEN_NOMAP, 0));
	/* Nothing went in. */
	EXPECT_EQ(-EAGAIN, mbox_ring_pop(c, buf, sizeof(buf), MBOX_RING_IO_NONBLOCK, 0));
	mbox_ring_close(p);
	mbox_ring_close(c);
}

TEST_F(rb, set_spin)
{
	struct mbox_ring *p = open_role(self->name, MBOX_RING_PRODUCER, 0);
	struct mbox_ring *c = open_role(self->name, MBOX_RING_CONSUMER, 0);
	struct mbox_ring *u = open_role(self->name, MBOX_RING_OBSERVER,
					MBOX_RING_OPEN_NOMAP);
	struct mbox_ring_counters cc;
	char buf[SIZE];
	uint64_t start;

	ASSERT_NE(NULL, p);
	ASSERT_NE(NULL, c);
	ASSERT_NE(NULL, u);
	EXPECT_EQ(-EINVAL, mbox_ring_set_spin(c, MBOX_RING_SPIN_MAX_NS + 1));
	EXPECT_EQ(-EINVAL, mbox_ring_set_spin(c, UINT64_MAX));
	/* An unmapped handle's waits are the kernel's: nothing to spin on. */
	EXPECT_EQ(-EOPNOTSUPP, mbox_ring_set_spin(u, 0));
	EXPECT_EQ(0, mbox_ring_set_spin(p, 0));
	EXPECT_EQ(0, mbox_ring_set_spin(c, MBOX_RING_SPIN_MAX_NS));

	/* The longest spin still ends at the call's deadline, not before. */
	start = now_ns();
	EXPECT_EQ(-ETIMEDOUT, mbox_ring_pop(c, buf, sizeof(buf), MBOX_RING_IO_TIMEOUT, 30 * MS));
	EXPECT_LE(30 * MS, now_ns() - start);
	/* A non-blocking call never spins or sleeps. */
	EXPECT_EQ(-EAGAIN, mbox_ring_pop(c, buf, sizeof(buf), MBOX_RING_IO_NONBLOCK, 0));
	/* Without spinning, a wait is one sleep in the kernel. */
	ASSERT_EQ(0, mbox_ring_set_spin(c, 0));
	mbox_ring_counters(c, &cc);
	ASSERT_EQ(-ETIMEDOUT, mbox_ring_pop(c, buf, sizeof(buf), MBOX_RING_IO_TIMEOUT, MS));
	{
		uint64_t waits = cc.waits;

		mbox_ring_counters(c, &cc);
		EXPECT_EQ(waits + 1, cc.waits);
	}
	/* Records flow whatever the setting. */
	ASSERT_EQ(0, mbox_ring_push(p, "spin", 4, 0, 0));
	EXPECT_EQ(4, mbox_ring_pop(c, buf, sizeof(buf), 0, 0));
	mbox_ring_close(u);
	mbox_ring_close(p);
	mbox_ring_close(c);
}

/*
 * Spinning is only a way to wait: with every spin setting, changed at
 * random as the records flow (so spins that see the peer, spins that give
 * up, spins cut short by a deadline and plain sleeps all happen), every
 * record arrives once, whole and in order, through a ring small enough
 * that both sides wait. A lost wake-up would hang the test until the
 * harness's timeout.
 */
#define SPIN_RECORDS	20000

static const uint64_t spin_settings[] = { 0, 500, 20000, 200000 };

static uint32_t spin_len(uint32_t i)
{
	return 1 + (i * 2654435761u) % 700;
}

static int spin_side(const char *name, unsigned int role, unsigned int seed)
{
	struct mbox_ring *r = open_role(name, role, 0);
	unsigned char buf[1024];
	uint32_t i, j, len;
	ssize_t n;

	if (!r)
		return 10;
	for (i = 0; i < SPIN_RECORDS; i++) {
		unsigned int flags = 0;

		if (rand_r(&seed) % 64 == 0 &&
		    mbox_ring_set_spin(r, spin_settings[rand_r(&seed) % 4]))
			return 11;
		if (rand_r(&seed) % 8 == 0)
			flags = MBOX_RING_IO_TIMEOUT;
		len = spin_len(i);
		if (role == MBOX_RING_PRODUCER) {
			for (j = 0; j < len; j++)
				buf[j] = (unsigned char)(i + j);
			while ((n = mbox_ring_push(r, buf, len, flags, 20000)) == -ETIMEDOUT)
				;
			if (n)
				return 12;
			continue;
		}
		while ((n = mbox_ring_pop(r, buf, sizeof(buf), flags, 20000)) == -ETIMEDOUT)
			;
		if (n != (ssize_t)len)
			return 13;
		for (j = 0; j < len; j++)
			if (buf[j] != (unsigned char)(i + j))
				return 14;
	}
	return mbox_ring_close(r) ? 15 : 0;
}

TEST_F(rb, spinning_loses_nothing)
{
	unsigned int seed = 20261130;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(spin_side(self->name, MBOX_RING_PRODUCER, seed));
	EXPECT_EQ(0, spin_side(self->name, MBOX_RING_CONSUMER, seed + 1));
	EXPECT_EQ(0, reap(pid));
}

/*
 * mbox_ring_push_batch(): what fits goes in at once, a bad or too big
 * record ends the batch and is the next call's error, and a sleeping
 * consumer costs one wake call for the whole batch.
 */
TEST_F(rb, push_batch)
{
	struct mbox_ring *u = open_role(self->name, MBOX_RING_PRODUCER,
					MBOX_RING_OPEN_NOMAP);
	struct mbox_ring *p, *c;
	static char big[SIZE];
	struct mbox_ring_counters pc;
	struct iovec iov[8];
	size_t lens[8];
	char buf[SIZE];
	pid_t pid;
	int i;

	for (i = 0; i < 8; i++)
		iov[i] = (struct iovec){ "abcdefgh", 1 + i };
	ASSERT_NE(NULL, u);
	EXPECT_EQ(-EOPNOTSUPP, mbox_ring_push_batch(u, iov, 1, 0, 0));
	mbox_ring_close(u);
	p = open_role(self->name, MBOX_RING_PRODUCER, 0);
	c = open_role(self->name, MBOX_RING_CONSUMER, 0);
	ASSERT_NE(NULL, p);
	ASSERT_NE(NULL, c);
	EXPECT_EQ(-EINVAL, mbox_ring_push_batch(p, iov, 0, 0, 0));
	EXPECT_EQ(-EINVAL, mbox_ring_push_batch(p, iov, 1, MBOX_RING_OPEN_NOMAP, 0));
	EXPECT_EQ(-EBADF, mbox_ring_push_batch(c, iov, 1, 0, 0));

	/* All eight in one call, in order. */
	EXPECT_EQ(8, mbox_ring_push_batch(p, iov, 8, 0, 0));
	EXPECT_EQ(8, mbox_ring_pop_batch(c, buf, sizeof(buf), lens, 8, 0, 0));
	for (i = 0; i < 8; i++)
		EXPECT_EQ(1 + i, lens[i]);

	/* An empty or too long record ends the batch; the next call says why. */
	iov[2].iov_len = 0;
	EXPECT_EQ(2, mbox_ring_push_batch(p, iov, 8, 0, 0));
	EXPECT_EQ(-EINVAL, mbox_ring_push_batch(p, iov + 2, 6, 0, 0));
	iov[2] = (struct iovec){ big, SIZE };
	EXPECT_EQ(2, mbox_ring_push_batch(p, iov, 8, 0, 0));
	EXPECT_EQ(-EMSGSIZE, mbox_ring_push_batch(p, iov + 2, 6, 0, 0));
	EXPECT_EQ(4, mbox_ring_pop_batch(c, buf, sizeof(buf), lens, 8, 0, 0));
	/* A length is a size_t: 4 GiB + 1 is too long, not 1 byte. */
	if (sizeof(size_t) > 4) {
		iov[2].iov_len = (size_t)UINT32_MAX + 2;
		EXPECT_EQ(2, mbox_ring_push_batch(p, iov, 8, 0, 0));
		EXPECT_EQ(-EMSGSIZE, mbox_ring_push_batch(p, iov + 2, 6, 0, 0));
		EXPECT_EQ(2, mbox_ring_pop_batch(c, buf, sizeof(buf), lens, 8, 0, 0));
	}

	/* Only what fits: 8 KiB of ring takes seven 1 KiB records. */
	for (i = 0; i < 8; i++)
		iov[i] = (struct iovec){ big, 1024 };
	EXPECT_EQ(7, mbox_ring_push_batch(p, iov, 8, 0, 0));
	EXPECT_EQ(-EAGAIN, mbox_ring_push_batch(p, iov + 7, 1, MBOX_RING_IO_NONBLOCK, 0));
	EXPECT_EQ(7, mbox_ring_pop_batch(c, buf, sizeof(buf), lens, 8, 0, 0));

	/* A sleeping consumer: one wake call for the batch. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int got = 0, n;

		while (got < 5) {
			n = mbox_ring_pop_batch(c, buf, sizeof(buf), lens, 8, 0, 0);
			if (n <= 0)
				_exit(2);
			got += n;
		}
		_exit(got == 5 ? 0 : 3);
	}
	mbox_ring_close(c);
	c = NULL;
	ASSERT_TRUE(wait_sleepers(self->obs, 1));
	mbox_ring_counters(p, &pc);
	for (i = 0; i < 5; i++)
		iov[i] = (struct iovec){ "x", 1 };
	EXPECT_EQ(5, mbox_ring_push_batch(p, iov, 5, 0, 0));
	EXPECT_EQ(0, reap(pid));
	{
		uint64_t before = pc.wakeups;

		mbox_ring_counters(p, &pc);
		EXPECT_EQ(before + 1, pc.wakeups);
	}
	mbox_ring_close(p);
}

TEST_HARNESS_MAIN
