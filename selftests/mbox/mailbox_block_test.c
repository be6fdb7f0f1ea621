// SPDX-License-Identifier: GPL-2.0
/*
 * mailbox_block_test: blocking and not blocking. Wait queues served in
 * arrival order, direct hand-off, one wake-up per message, non-blocking
 * mode, timeouts, signals, poll and epoll, hang-up, and the lifetime of a
 * wait: close, unlink and kill while blocked, threads and fork.
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
#include <sys/wait.h>
#include <unistd.h>

#include <linux/mbox.h>

#include "kselftest_harness.h"
#include "common.h"

#define MS 1000000ULL

FIXTURE(mb) {
	int fd;
	const char *name;
};

FIXTURE_SETUP(mb)
{
	self->name = mb_name("block");
	self->fd = mb_create(self->name, 2, 64);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(mb)
{
	close(self->fd);
	mb_unlink(self->name);
}

/* In a child: receive one message and exit 0 if it is @want. */
static pid_t child_recv_expect(int fd, const char *want)
{
	pid_t pid = fork();
	char buf[64];
	int n;

	if (pid)
		return pid;
	n = mb_recv(fd, buf, sizeof(buf), 0, 0, NULL);
	_exit(n == (int)strlen(want) && !memcmp(buf, want, n) ? 0 : 1);
}

/* In a child: send @msg and exit 0 if that worked. */
static pid_t child_send(int fd, const char *msg)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	_exit(mb_send(fd, msg, strlen(msg), 0, 0) ? 1 : 0);
}

TEST_F(mb, nonblocking)
{
	char buf[64];
	int fd;

	EXPECT_EQ(-EAGAIN, mb_recv(self->fd, buf, sizeof(buf), MBOX_RECV_NONBLOCK, 0, NULL));
	ASSERT_EQ(0, mb_send(self->fd, "a", 1, MBOX_SEND_NONBLOCK, 0));
	ASSERT_EQ(0, mb_send(self->fd, "b", 1, MBOX_SEND_NONBLOCK, 0));
	EXPECT_EQ(-EAGAIN, mb_send(self->fd, "c", 1, MBOX_SEND_NONBLOCK, 0));

	/* O_NONBLOCK on the descriptor does the same for every call. */
	fd = mb_open(self->name, O_RDWR | O_NONBLOCK, 0, 0, 0, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EAGAIN, mb_send(fd, "c", 1, 0, 0));
	EXPECT_EQ(-1, write(fd, "c", 1));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(1, mb_recv(fd, buf, sizeof(buf), 0, 0, NULL));
	EXPECT_EQ(1, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(-EAGAIN, mb_recv(fd, buf, sizeof(buf), 0, 0, NULL));
	EXPECT_EQ(-1, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(EAGAIN, errno);
	close(fd);
}

TEST_F(mb, timeouts)
{
	struct mbox_stat st;
	uint64_t start;
	char buf[64];

	/*
	 * The lower bounds below are the kernel keeping its promise not to
	 * return early; no upper bound is checked.
	 */
	start = now_ns();
	EXPECT_EQ(-ETIMEDOUT, mb_recv(self->fd, buf, sizeof(buf),
				      MBOX_RECV_TIMEOUT, 50 * MS, NULL));
	EXPECT_LE(50 * MS, now_ns() - start);

	/* A zero timeout gives up at once, with ETIMEDOUT. */
	EXPECT_EQ(-ETIMEDOUT, mb_recv(self->fd, buf, sizeof(buf), MBOX_RECV_TIMEOUT, 0, NULL));

	ASSERT_EQ(0, mb_send(self->fd, "a", 1, 0, 0));
	ASSERT_EQ(0, mb_send(self->fd, "b", 1, 0, 0));
	start = now_ns();
	EXPECT_EQ(-ETIMEDOUT, mb_send(self->fd, "c", 1, MBOX_SEND_TIMEOUT, 30 * MS));
	EXPECT_LE(30 * MS, now_ns() - start);
	/* The timed-out message went nowhere. */
	ASSERT_EQ(0, mb_stat(self->fd, &st));
	EXPECT_EQ(2, st.queued);
	EXPECT_EQ(2, st.sent);
	EXPECT_EQ(0, st.waiting_senders);

	/* NONBLOCK wins over a timeout. */
	EXPECT_EQ(-EAGAIN, mb_send(self->fd, "c", 1, MBOX_SEND_TIMEOUT | MBOX_SEND_NONBLOCK, ~0ULL));
	/* A timeout that is not needed does not delay anything... */
	EXPECT_EQ(1, mb_recv(self->fd, buf, sizeof(buf), MBOX_RECV_TIMEOUT, 1000000 * MS, NULL));
	/* ...even the largest one. */
	EXPECT_EQ(0, mb_send(self->fd, "d", 1, MBOX_SEND_TIMEOUT, ~0ULL));
}

TEST_F(mb, blocked_receiver_gets_message_directly)
{
	struct mbox_stat st;
	pid_t pid;

	pid = child_recv_expect(self->fd, "direct");
	ASSERT_TRUE(mb_wait_waiters(self->fd, 0, 1));
	ASSERT_EQ(0, mb_send(self->fd, "direct", 6, 0, 0));
	/* Handed over, never queued; the receiver is no longer waiting. */
	ASSERT_EQ(0, mb_stat(self->fd, &st));
	EXPECT_EQ(0, st.queued);
	EXPECT_EQ(0, st.waiting_receivers);
	EXPECT_EQ(1, st.sent);
	EXPECT_EQ(1, st.received);
	EXPECT_EQ(0, reap(pid));
}

TEST_F(mb, blocked_sender_fills_freed_slot)
{
	struct mbox_stat st;
	char buf[64];
	pid_t pid;

	ASSERT_EQ(0, mb_send(self->fd, "1", 1, 0, 0));
	ASSERT_EQ(0, mb_send(self->fd, "2", 1, 0, 0));
	pid = child_send(self->fd, "3");
	ASSERT_TRUE(mb_wait_waiters(self->fd, 1, 0));

	ASSERT_EQ(1, mb_recv(self->fd, buf, sizeof(buf), 0, 0, NULL));
	EXPECT_EQ('1', buf[0]);
	/* The sender's message took the freed slot before recv returned. */
	ASSERT_EQ(0, mb_stat(self->fd, &st));
	EXPECT_EQ(2, st.queued);
	EXPECT_EQ(0, st.waiting_senders);
	EXPECT_EQ(0, reap(pid));
	EXPECT_EQ(1, mb_recv(self->fd, buf, sizeof(buf), 0, 0, NULL));
	EXPECT_EQ('2', buf[0]);
	EXPECT_EQ(1, mb_recv(self->fd, buf, sizeof(buf), 0, 0, NULL));
	EXPECT_EQ('3', buf[0]);
}

TEST_F(mb, receivers_served_in_arrival_order)
{
	char want[8][4];
	pid_t pids[8];
	int i;

	for (i = 0; i < 8; i++) {
		snprintf(want[i], sizeof(want[i]), "r%d", i);
		pids[i] = child_recv_expect(self->fd, want[i]);
		ASSERT_TRUE(mb_wait_waiters(self->fd, 0, i + 1));
	}
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, mb_send(self->fd, want[i], strlen(want[i]), 0, 0));
	for (i = 0; i < 8; i++)
		EXPECT_EQ(0, reap(pids[i])) TH_LOG("receiver %d", i);
}

TEST_F(mb, senders_served_in_arrival_order)
{
	char msg[6][4], buf[8];
	pid_t pids[6];
	int i;

	ASSERT_EQ(0, mb_send(self->fd, "x", 1, 0, 0));
	ASSERT_EQ(0, mb_send(self->fd, "y", 1, 0, 0));
	for (i = 0; i < 6; i++) {
		snprintf(msg[i], sizeof(msg[i]), "s%d", i);
		pids[i] = child_send(self->fd, msg[i]);
		ASSERT_TRUE(mb_wait_waiters(self->fd, i + 1, 0));
	}
	EXPECT_EQ(1, mb_recv(self->fd, buf, sizeof(buf), 0, 0, NULL));
	EXPECT_EQ(1, mb_recv(self->fd, buf, sizeof(buf), 0, 0, NULL));
	for (i = 0; i < 6; i++) {
		memset(buf, 0, sizeof(buf));
		EXPECT_EQ(2, mb_recv(self->fd, buf, sizeof(buf), 0, 0, NULL));
		EXPECT_STREQ(msg[i], buf);
	}
	for (i = 0; i < 6; i++)
		EXPECT_EQ(0, reap(pids[i]));
}

TEST_F(mb, one_wakeup_per_message)
{
	struct mbox_stat st;
	pid_t pids[4];
	int i, done = 0, status;

	for (i = 0; i < 4; i++)
		pids[i] = child_recv_expect(self->fd, "m");
	ASSERT_TRUE(mb_wait_waiters(self->fd, 0, 4));
	for (i = 1; i <= 4; i++) {
		ASSERT_EQ(0, mb_send(self->fd, "m", 1, 0, 0));
		/* Exactly one waiter left the queue, at once. */
		ASSERT_EQ(0, mb_stat(self->fd, &st));
		EXPECT_EQ(4 - i, st.waiting_receivers);
		EXPECT_EQ(0, st.queued);
		/* And exactly one receiver returns. */
		ASSERT_LT(0, waitpid(-1, &status, 0));
		EXPECT_EQ(0, status);
		done++;
	}
	EXPECT_EQ(4, done);
	(void)pids;
}

static volatile sig_atomic_t got_signal;
static int signal_pipe = -1;	/* the handler reports itself here */

static void on_signal(int sig)
{
	(void)sig;
	got_signal = 1;
	if (signal_pipe >= 0 && write(signal_pipe, "s", 1) < 0)
		got_signal = 2;
}

static void handle(int sig, int flags)
{
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = flags };

	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

enum call { CALL_RECV, CALL_READ, CALL_SEND, CALL_TIMED_RECV };

/*
 * In a child with a SIGUSR1 handler (@sa_flags): make one blocking @call and
 * exit with its errno (0 on success, 100 if the handler never ran).
 */
static pid_t child_blocked_call(int fd, enum call call, int sa_flags)
{
	pid_t pid = fork();
	char buf[64];
	int ret = 0;

	if (pid)
		return pid;
	handle(SIGUSR1, sa_flags);
	switch (call) {
	case CALL_RECV:
		ret = mb_recv(fd, buf, sizeof(buf), 0, 0, NULL);
		break;
	case CALL_READ:
		ret = read(fd, buf, sizeof(buf)) < 0 ? -errno : 0;
		break;
	case CALL_SEND:
		ret = mb_send(fd, "s", 1, 0, 0);
		break;
	case CALL_TIMED_RECV:
		/* Timed, but never by the clock: only the signal ends it. */
		ret = mb_recv(fd, buf, sizeof(buf), MBOX_RECV_TIMEOUT, ~0ULL, NULL);
		break;
	}
	if (!got_signal)
		_exit(100);
	_exit(ret < 0 ? -ret : 0);
}

TEST_F(mb, signal_interrupts)
{
	enum call calls[] = { CALL_RECV, CALL_READ, CALL_SEND, CALL_TIMED_RECV };
	struct mbox_stat st;
	char buf[8];
	unsigned int i;
	pid_t pid;

	for (i = 0; i < 4; i++) {
		if (calls[i] == CALL_SEND) {
			ASSERT_EQ(0, mb_send(self->fd, "a", 1, 0, 0));
			ASSERT_EQ(0, mb_send(self->fd, "b", 1, 0, 0));
		}
		pid = child_blocked_call(self->fd, calls[i], 0);
		ASSERT_TRUE(calls[i] == CALL_SEND ? mb_wait_waiters(self->fd, 1, 0)
						  : mb_wait_waiters(self->fd, 0, 1))
			TH_LOG("call %u", i);
		kill(pid, SIGUSR1);
		EXPECT_EQ(EINTR, reap(pid)) TH_LOG("call %u", i);
		ASSERT_EQ(0, mb_stat(self->fd, &st));
		EXPECT_EQ(0, st.waiting_senders + st.waiting_receivers);
		if (calls[i] == CALL_SEND) {
			/* The interrupted message was not sent. */
			EXPECT_EQ(2, st.queued);
			EXPECT_EQ(2, st.sent);
			EXPECT_EQ(1, mb_recv(self->fd, buf, sizeof(buf), 0, 0, NULL));
			EXPECT_EQ(1, mb_recv(self->fd, buf, sizeof(buf), 0, 0, NULL));
		}
	}
}

TEST_F(mb, signal_restarts_with_sa_restart)
{
	int pipefd[2];
	char c;
	pid_t pid;

	ASSERT_EQ(0, pipe(pipefd));
	signal_pipe = pipefd[1];
	pid = child_blocked_call(self->fd, CALL_RECV, SA_RESTART);
	ASSERT_TRUE(mb_wait_waiters(self->fd, 0, 1));
	kill(pid, SIGUSR1);
	/* The handler runs, the call restarts and waits again... */
	ASSERT_EQ(1, read(pipefd[0], &c, 1));
	ASSERT_TRUE(mb_wait_waiters(self->fd, 0, 1));
	/* ...until a message comes. */
	ASSERT_EQ(0, mb_send(self->fd, "late", 4, 0, 0));
	EXPECT_EQ(0, reap(pid));

	/* A timed call is not restarted: its whole timeout would begin again. */
	pid = child_blocked_call(self->fd, CALL_TIMED_RECV, SA_RESTART);
	ASSERT_TRUE(mb_wait_waiters(self->fd, 0, 1));
	kill(pid, SIGUSR1);
	EXPECT_EQ(EINTR, reap(pid));
}

TEST_F(mb, kill_while_blocked)
{
	struct mbox_stat st;
	char buf[8];
	pid_t r, s;

	r = child_recv_expect(self->fd, "never");
	ASSERT_TRUE(mb_wait_waiters(self->fd, 0, 1));
	kill(r, SIGKILL);
	EXPECT_EQ(-1, reap(r));

	ASSERT_EQ(0, mb_send(self->fd, "1", 1, 0, 0));
	ASSERT_EQ(0, mb_send(self->fd, "2", 1, 0, 0));
	s = child_send(self->fd, "3");
	ASSERT_TRUE(mb_wait_waiters(self->fd, 1, 0));
	kill(s, SIGKILL);
	EXPECT_EQ(-1, reap(s));

	ASSERT_EQ(0, mb_stat(self->fd, &st));
	EXPECT_EQ(0, st.waiting_receivers);
	EXPECT_EQ(0, st.waiting_senders);
	EXPECT_EQ(2, st.queued);
	/* Nothing went to the dead receiver; the dead sender sent nothing. */
	EXPECT_EQ(1, mb_recv(self->fd, buf, sizeof(buf), 0, 0, NULL));
	EXPECT_EQ('1', buf[0]);
	EXPECT_EQ(1, mb_recv(self->fd, buf, sizeof(buf), 0, 0, NULL));
	EXPECT_EQ('2', buf[0]);
	EXPECT_EQ(-EAGAIN, mb_recv(self->fd, buf, sizeof(buf), MBOX_RECV_NONBLOCK, 0, NULL));
}

struct thread_recv {
	int fd;
	int ret;
	char buf[64];
};

static void *thread_recv(void *arg)
{
	struct thread_recv *t = arg;

	t->ret = mb_recv(t->fd, t->buf, sizeof(t->buf), 0, 0, NULL);
	return NULL;
}

TEST_F(mb, close_while_blocked)
{
	struct thread_recv t = { 0 };
	pthread_t th;
	int fd;

	/*
	 * Closing a descriptor does not disturb a call already in progress on
	 * it (the open file lives until the call returns), as with a pipe.
	 */
	fd = mb_open(self->name, O_RDONLY, 0, 0, 0, 0);
	ASSERT_LE(0, fd);
	t.fd = fd;
	ASSERT_EQ(0, pthread_create(&th, NULL, thread_recv, &t));
	ASSERT_TRUE(mb_wait_waiters(self->fd, 0, 1));
	ASSERT_EQ(0, close(fd));
	ASSERT_EQ(0, mb_send(self->fd, "after close", 11, 0, 0));
	ASSERT_EQ(0, pthread_join(th, NULL));
	EXPECT_EQ(11, t.ret);
	EXPECT_EQ(0, memcmp(t.buf, "after close", 11));
}

TEST_F(mb, unlink_while_blocked)
{
	struct mbox_stat st;
	pid_t pid;

	pid = child_recv_expect(self->fd, "still here");
	ASSERT_TRUE(mb_wait_waiters(self->fd, 0, 1));
	ASSERT_EQ(0, mb_unlink(self->name));
	/*
	 * The unlink did not wake it (a wake-up takes the waiter off the
	 * queue under the lock, before unlink returns)...
	 */
	ASSERT_EQ(0, mb_stat(self->fd, &st));
	EXPECT_EQ(1, st.waiting_receivers);
	/* ...and a sender still bound can still reach it. */
	ASSERT_EQ(0, mb_send(self->fd, "still here", 10, 0, 0));
	EXPECT_EQ(0, reap(pid));
}

TEST_F(mb, hangup_when_no_sender_is_left)
{
	struct pollfd pfd;
	char buf[8];
	int rd;
	pid_t pid;

	rd = mb_open(self->name, O_RDONLY, 0, 0, 0, 0);
	ASSERT_LE(0, rd);
	ASSERT_EQ(0, mb_send(self->fd, "last", 4, 0, 0));
	ASSERT_EQ(0, mb_unlink(self->name));

	/* The last descriptor that may send goes: HUP, and IN while one remains. */
	close(self->fd);
	self->fd = -1;
	pfd = (struct pollfd){ .fd = rd, .events = POLLIN };
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLIN | POLLHUP, pfd.revents);
	EXPECT_EQ(4, mb_recv(rd, buf, sizeof(buf), 0, 0, NULL));
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLHUP, pfd.revents);
	EXPECT_EQ(-EPIPE, mb_recv(rd, buf, sizeof(buf), 0, 0, NULL));
	EXPECT_EQ(-1, read(rd, buf, sizeof(buf)));
	EXPECT_EQ(EPIPE, errno);
	close(rd);

	/* A receiver already blocked is woken with EPIPE. */
	self->fd = mb_create(self->name, 2, 64);
	ASSERT_LE(0, self->fd);
	rd = mb_open(self->name, O_RDONLY, 0, 0, 0, 0);
	ASSERT_LE(0, rd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(self->fd);	/* the parent's close must be the last */
		_exit(-mb_recv(rd, buf, sizeof(buf), 0, 0, NULL));
	}
	ASSERT_TRUE(mb_wait_waiters(rd, 0, 1));
	ASSERT_EQ(0, mb_unlink(self->name));
	close(self->fd);
	self->fd = -1;
	EXPECT_EQ(EPIPE, reap(pid));
	close(rd);
}

TEST_F(mb, error_when_no_receiver_is_left)
{
	struct pollfd pfd;
	int wr;
	pid_t pid;

	sigpipe_block();
	wr = mb_open(self->name, O_WRONLY, 0, 0, 0, 0);
	ASSERT_LE(0, wr);
	ASSERT_EQ(0, mb_send(wr, "a", 1, 0, 0));
	ASSERT_EQ(0, mb_send(wr, "b", 1, 0, 0));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(self->fd);	/* the parent's close must be the last */
		_exit(-mb_send(wr, "c", 1, 0, 0));
	}
	ASSERT_TRUE(mb_wait_waiters(wr, 1, 0));

	ASSERT_EQ(0, mb_unlink(self->name));
	close(self->fd);
	self->fd = -1;
	/* The blocked sender learns that nobody can ever receive its message. */
	EXPECT_EQ(EPIPE, reap(pid));
	EXPECT_EQ(-EPIPE, mb_send(wr, "d", 1, MBOX_SEND_NONBLOCK, 0));
	/* The ioctl raises no signal; write(2) raises SIGPIPE, as on a pipe. */
	EXPECT_FALSE(sigpipe_take());
	EXPECT_EQ(-1, write(wr, "d", 1));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_TRUE(sigpipe_take());
	pfd = (struct pollfd){ .fd = wr, .events = POLLOUT };
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLERR, pfd.revents);
	close(wr);
}

TEST_F(mb, no_hangup_while_named)
{
	struct pollfd pfd;
	int rd;

	/* Anyone may still open it by name: no hang-up yet. */
	rd = mb_open(self->name, O_RDONLY, 0, 0, 0, 0);
	ASSERT_LE(0, rd);
	close(self->fd);
	self->fd = -1;
	pfd = (struct pollfd){ .fd = rd, .events = POLLIN };
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	EXPECT_EQ(-EAGAIN, mb_recv(rd, NULL, 0, MBOX_RECV_NONBLOCK, 0, NULL));
	self->fd = rd;
}

static short poll_now(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLOUT };

	return poll(&pfd, 1, 0) < 0 ? -1 : pfd.revents;
}

TEST_F(mb, poll_states)
{
	int rd, wr, unbound;
	char buf[8];

	rd = mb_open(self->name, O_RDONLY, 0, 0, 0, 0);
	wr = mb_open(self->name, O_WRONLY, 0, 0, 0, 0);
	ASSERT_LE(0, rd);
	ASSERT_LE(0, wr);

	EXPECT_EQ(POLLOUT, poll_now(self->fd));
	EXPECT_EQ(0, poll_now(rd));
	EXPECT_EQ(POLLOUT, poll_now(wr));
	ASSERT_EQ(0, mb_send(wr, "1", 1, 0, 0));
	EXPECT_EQ(POLLIN | POLLOUT, poll_now(self->fd));
	EXPECT_EQ(POLLIN, poll_now(rd));
	EXPECT_EQ(POLLOUT, poll_now(wr));
	ASSERT_EQ(0, mb_send(wr, "2", 1, 0, 0));
	EXPECT_EQ(POLLIN, poll_now(self->fd));
	EXPECT_EQ(POLLIN, poll_now(rd));
	EXPECT_EQ(0, poll_now(wr));
	ASSERT_EQ(1, mb_recv(rd, buf, sizeof(buf), 0, 0, NULL));
	EXPECT_EQ(POLLIN | POLLOUT, poll_now(self->fd));

	unbound = open("/dev/mbox", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, unbound);
	EXPECT_EQ(POLLERR, poll_now(unbound));
	close(unbound);
	close(rd);
	close(wr);
}

struct epoll_waiter {
	int ep;
	int n;
	pid_t tid;
	struct epoll_event ev;
};

static void *epoll_thread(void *arg)
{
	struct epoll_waiter *w = arg;

	__atomic_store_n(&w->tid, gettid(), __ATOMIC_RELEASE);
	w->n = epoll_wait(w->ep, &w->ev, 1, -1);
	return NULL;
}

TEST_F(mb, epoll_wakes_up)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET };
	struct epoll_waiter w = { 0 };
	pthread_t th;
	char buf[8];
	int rd;

	rd = mb_open(self->name, O_RDONLY, 0, 0, 0, 0);
	ASSERT_LE(0, rd);
	w.ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, w.ep);
	ASSERT_EQ(0, epoll_ctl(w.ep, EPOLL_CTL_ADD, rd, &ev));

	ASSERT_EQ(0, pthread_create(&th, NULL, epoll_thread, &w));
	/* The message comes only once the thread sleeps in epoll_wait(). */
	while (!__atomic_load_n(&w.tid, __ATOMIC_ACQUIRE))
		sched_yield();
	ASSERT_TRUE(is_epoll_wait(wait_asleep(w.tid)));
	ASSERT_EQ(0, mb_send(self->fd, "e", 1, 0, 0));
	ASSERT_EQ(0, pthread_join(th, NULL));
	EXPECT_EQ(1, w.n);
	EXPECT_EQ(EPOLLIN, w.ev.events);

	/* Edge-triggered: nothing new, no event; a new message, a new edge. */
	EXPECT_EQ(0, epoll_wait(w.ep, &w.ev, 1, 0));
	ASSERT_EQ(0, mb_send(self->fd, "f", 1, 0, 0));
	EXPECT_EQ(1, epoll_wait(w.ep, &w.ev, 1, 0));
	EXPECT_EQ(1, mb_recv(rd, buf, sizeof(buf), 0, 0, NULL));
	EXPECT_EQ(1, mb_recv(rd, buf, sizeof(buf), 0, 0, NULL));
	close(w.ep);
	close(rd);
}

#define THREADS 4
#define PER_THREAD 200

struct share {
	int fd;
	int count[THREADS * PER_THREAD];
	int errors;
};

static void *share_thread(void *arg)
{
	struct share *s = arg;
	unsigned int v;
	int i;

	for (i = 0; i < PER_THREAD; i++) {
		if (mb_recv(s->fd, &v, sizeof(v), 0, 0, NULL) != sizeof(v) ||
		    v >= THREADS * PER_THREAD)
			__atomic_add_fetch(&s->errors, 1, __ATOMIC_RELAXED);
		else
			__atomic_add_fetch(&s->count[v], 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

TEST_F(mb, threads_share_descriptor)
{
	static struct share s;
	pthread_t th[THREADS];
	unsigned int v;
	int i;

	s.fd = self->fd;
	for (i = 0; i < THREADS; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, share_thread, &s));
	for (v = 0; v < THREADS * PER_THREAD; v++)
		ASSERT_EQ(0, mb_send(self->fd, &v, sizeof(v), 0, 0));
	for (i = 0; i < THREADS; i++)
		ASSERT_EQ(0, pthread_join(th[i], NULL));
	EXPECT_EQ(0, s.errors);
	for (v = 0; v < THREADS * PER_THREAD; v++)
		ASSERT_EQ(1, s.count[v]) TH_LOG("message %u", v);
}

TEST_F(mb, fork_shares_binding)
{
	struct mbox_stat st;
	unsigned int v, got;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		for (v = 0; v < 100; v++)
			if (mb_send(self->fd, &v, sizeof(v), 0, 0))
				_exit(1);
		_exit(0);
	}
	for (v = 0; v < 100; v++) {
		ASSERT_EQ(sizeof(got), mb_recv(self->fd, &got, sizeof(got), 0, 0, NULL));
		EXPECT_EQ(v, got);
	}
	EXPECT_EQ(0, reap(pid));
	/* One open file, shared: still one reader and one writer. */
	ASSERT_EQ(0, mb_stat(self->fd, &st));
	EXPECT_EQ(1, st.readers);
	EXPECT_EQ(1, st.writers);
	EXPECT_EQ(100, st.received);
}

/*
 * Room goes to blocked senders in arrival order, whatever frees it. For each
 * operation that frees slots (or, for a peek, does not): a full mailbox of
 * capacity 2, three senders blocked in a known order, then the operation.
 * Every freed slot must have gone to the next blocked sender before the
 * operation returned (the mailbox is full again, one waiter fewer per slot),
 * so that a late sender, blocking or not, cannot overtake them: a
 * non-blocking one gets EAGAIN, poll() reports no POLLOUT, and a blocking one
 * is received after all of them. The whole receive order is checked.
 */
enum room_op {
	ROOM_RECV,		/* MBOX_IOC_RECV */
	ROOM_READ,		/* read() */
	ROOM_RECV_BATCH,	/* MBOX_IOC_RECV_BATCH of 2: two slots */
	ROOM_RECV_FROM,		/* MBOX_IOC_RECV with MBOX_RECV_FROM */
	ROOM_TAKE_BACK,		/* a synchronous sender withdraws its message */
	ROOM_PEEK,		/* MBOX_RECV_PEEK: frees nothing */
};

FIXTURE(room) {
	int fd;
	const char *name;
};

FIXTURE_VARIANT(room) {
	enum room_op op;
	int freed;		/* slots the operation frees */
};

FIXTURE_VARIANT_ADD(room, recv) { .op = ROOM_RECV, .freed = 1 };
FIXTURE_VARIANT_ADD(room, read) { .op = ROOM_READ, .freed = 1 };
FIXTURE_VARIANT_ADD(room, recv_batch) { .op = ROOM_RECV_BATCH, .freed = 2 };
FIXTURE_VARIANT_ADD(room, recv_from) { .op = ROOM_RECV_FROM, .freed = 1 };
FIXTURE_VARIANT_ADD(room, take_back) { .op = ROOM_TAKE_BACK, .freed = 1 };
FIXTURE_VARIANT_ADD(room, peek) { .op = ROOM_PEEK, .freed = 0 };

FIXTURE_SETUP(room)
{
	self->name = mb_name("room");
	self->fd = mb_create(self->name, 2, 64);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(room)
{
	close(self->fd);
	mb_unlink(self->name);
}

/* In a child: a synchronous send that only a signal ends; exits errno. */
static pid_t child_sync_send(int fd, const char *msg)
{
	pid_t pid = fork();
	int ret;

	if (pid)
		return pid;
	handle(SIGUSR1, 0);
	ret = mb_send(fd, msg, strlen(msg), MBOX_SEND_SYNC, 0);
	_exit(ret < 0 ? -ret : 0);
}

/* Receive one message into @out (a string); false if that failed. */
static bool room_recv(int fd, char out[8])
{
	int n;

	memset(out, 0, 8);
	n = mb_recv(fd, out, 7, 0, 0, NULL);
	return n > 0;
}

TEST_F(room, goes_to_blocked_senders_in_arrival_order)
{
	const char *want[8];
	char got[8][8];
	struct mbox_msgvec vec[2];
	struct mbox_stat st;
	pid_t senders[3], late, sync_pid = 0;
	int i, nwant = 0, ngot = 0, base = 0, freed = variant->freed;
	char msg[3][4];

	/* Full: "a", then "b" (or a synchronous sender's "y", queued). */
	ASSERT_EQ(0, mb_send(self->fd, "a", 1, 0, 0));
	want[nwant++] = "a";
	if (variant->op == ROOM_TAKE_BACK) {
		sync_pid = child_sync_send(self->fd, "y");
		ASSERT_TRUE(mb_wait_waiters(self->fd, 1, 0));
		base = 1;
	} else {
		ASSERT_EQ(0, mb_send(self->fd, "b", 1, 0, 0));
		want[nwant++] = "b";
	}
	for (i = 0; i < 3; i++) {
		snprintf(msg[i], sizeof(msg[i]), "s%d", i);
		senders[i] = child_send(self->fd, msg[i]);
		ASSERT_TRUE(mb_wait_waiters(self->fd, base + i + 1, 0));
		want[nwant++] = msg[i];
	}
	ASSERT_EQ(-EAGAIN, mb_send(self->fd, "x", 1, MBOX_SEND_NONBLOCK, 0));

	switch (variant->op) {
	case ROOM_RECV:
		ASSERT_TRUE(room_recv(self->fd, got[ngot++]));
		break;
	case ROOM_READ:
		memset(got[ngot], 0, sizeof(got[ngot]));
		ASSERT_LT(0, read(self->fd, got[ngot++], 7));
		break;
	case ROOM_RECV_BATCH:
		memset(got, 0, sizeof(got));
		for (i = 0; i < 2; i++)
			vec[i] = (struct mbox_msgvec){
				.buf = (uintptr_t)got[i], .len = 7 };
		ASSERT_EQ(2, mb_batch(self->fd, MBOX_IOC_RECV_BATCH, vec, 2,
				      MBOX_RECV_NONBLOCK, 0, 0, NULL));
		ngot = 2;
		break;
	case ROOM_RECV_FROM:
		/* Only "a" and "b" come from this process. */
		memset(got[ngot], 0, sizeof(got[ngot]));
		ASSERT_LT(0, mb_recvx(self->fd, got[ngot++], 7, MBOX_RECV_FROM,
				      getpid(), 0, NULL));
		break;
	case ROOM_TAKE_BACK:
		ASSERT_EQ(0, kill(sync_pid, SIGUSR1));
		/* Withdrawn once it has returned: its message never went. */
		EXPECT_EQ(EINTR, reap(sync_pid));
		break;
	case ROOM_PEEK:
		memset(got[0], 0, sizeof(got[0]));
		ASSERT_EQ(1, mb_recv(self->fd, got[0], 7, MBOX_RECV_PEEK, 0, NULL));
		EXPECT_STREQ("a", got[0]);
		break;
	}

	/* Each freed slot went to the next blocked sender, at once. */
	ASSERT_EQ(0, mb_stat(self->fd, &st));
	EXPECT_EQ(2, st.queued);
	EXPECT_EQ(3 - freed, st.waiting_senders);
	/* So a late sender finds no room... */
	EXPECT_EQ(-EAGAIN, mb_send(self->fd, "x", 1, MBOX_SEND_NONBLOCK, 0));
	EXPECT_EQ(POLLIN, poll_now(self->fd));
	/* ...and a blocking one waits behind them. */
	late = child_send(self->fd, "late");
	ASSERT_TRUE(mb_wait_waiters(self->fd, 3 - freed + 1, 0));
	want[nwant++] = "late";

	while (ngot < nwant)
		ASSERT_TRUE(room_recv(self->fd, got[ngot++]));
	for (i = 0; i < nwant; i++)
		EXPECT_STREQ(want[i], got[i]) TH_LOG("message %d", i);
	ASSERT_EQ(0, mb_stat(self->fd, &st));
	EXPECT_EQ(0, st.queued);
	EXPECT_EQ(0, st.waiting_senders);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, reap(senders[i])) TH_LOG("sender %d", i);
	EXPECT_EQ(0, reap(late));
}

TEST_HARNESS_MAIN
