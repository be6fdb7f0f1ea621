// SPDX-License-Identifier: GPL-2.0
/*
 * delivery_test: the delivery options. Rendezvous (capacity 0), synchronous
 * send, priorities, peek and batches, each alone and with the rest:
 * blocking, non-blocking, timeouts, signals and poll.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/mbox.h>

#include "kselftest_harness.h"
#include "common.h"

#define MS 1000000ULL

static short poll_now(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLOUT };

	return poll(&pfd, 1, 0) < 0 ? -1 : pfd.revents;
}

/* In a child: send @msg with @flags; exit with the errno (0: sent). */
static pid_t child_send(int fd, const char *msg, uint32_t flags, uint32_t prio,
			uint64_t timeout_ns)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	_exit(-mb_sendx(fd, msg, strlen(msg), flags, prio, 0, timeout_ns));
}

/* In a child: receive one message; exit 0 if it is @want. */
static pid_t child_recv(int fd, const char *want, uint32_t flags)
{
	pid_t pid = fork();
	char buf[64];
	int n;

	if (pid)
		return pid;
	n = mb_recvx(fd, buf, sizeof(buf), flags, 0, 0, NULL);
	_exit(n == (int)strlen(want) && !memcmp(buf, want, n) ? 0 : 1);
}

/* Rendezvous */

FIXTURE(rdv) {
	int fd;
	const char *name;
};

FIXTURE_SETUP(rdv)
{
	self->name = mb_name("rendezvous");
	self->fd = mb_open(self->name, O_RDWR,
			   MBOX_OPEN_CREATE | MBOX_OPEN_EXCL | MBOX_OPEN_RENDEZVOUS,
			   0600, 0, 64);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(rdv)
{
	close(self->fd);
	mb_unlink(self->name);
}

TEST_F(rdv, holds_nothing)
{
	struct mbox_stat st;
	char buf[8];
	int fd;

	ASSERT_EQ(0, mb_stat(self->fd, &st));
	EXPECT_EQ(0, st.capacity);
	EXPECT_EQ(MBOX_OPEN_RENDEZVOUS, st.open_flags);
	/* Nobody to take it: no room at all. */
	EXPECT_EQ(-EAGAIN, mb_send(self->fd, "x", 1, MBOX_SEND_NONBLOCK, 0));
	EXPECT_EQ(-ETIMEDOUT, mb_send(self->fd, "x", 1, MBOX_SEND_TIMEOUT, 20 * MS));
	EXPECT_EQ(-EAGAIN, mb_recv(self->fd, buf, sizeof(buf), MBOX_RECV_NONBLOCK, 0, NULL));
	EXPECT_EQ(0, poll_now(self->fd));
	ASSERT_EQ(0, mb_stat(self->fd, &st));
	EXPECT_EQ(0, st.sent);
	EXPECT_EQ(0, st.queued);

	/* A capacity with RENDEZVOUS is refused when it would create... */
	EXPECT_EQ(-EINVAL, mb_open(mb_name("rendezvous"), O_RDWR,
				   MBOX_OPEN_CREATE | MBOX_OPEN_RENDEZVOUS,
				   0600, 1, 0));
	EXPECT_EQ(-EINVAL, mb_open(self->name, O_RDWR, MBOX_OPEN_CREATE |
				   MBOX_OPEN_RENDEZVOUS | MBOX_OPEN_UNBOUNDED, 0600, 0, 0));
	/* ... and ignored when the mailbox exists, as mq_open(3) does. */
	fd = mb_open(self->name, O_RDWR, MBOX_OPEN_CREATE | MBOX_OPEN_RENDEZVOUS,
		     0600, 1, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mb_stat(fd, &st));
	EXPECT_EQ(0, st.capacity);
	close(fd);
}

TEST_F(rdv, sender_waits_for_receiver)
{
	struct mbox_stat st;
	char buf[8];
	pid_t pid;

	pid = child_send(self->fd, "meet", 0, 0, 0);
	ASSERT_TRUE(mb_wait_waiters(self->fd, 1, 0));
	/* Nothing queued, but something to take: readable. */
	ASSERT_EQ(0, mb_stat(self->fd, &st));
	EXPECT_EQ(0, st.queued);
	EXPECT_EQ(POLLIN, poll_now(self->fd) & POLLIN);
	ASSERT_EQ(4, mb_recv(self->fd, buf, sizeof(buf), 0, 0, NULL));
	EXPECT_EQ(0, memcmp(buf, "meet", 4));
	EXPECT_EQ(0, reap(pid));
	ASSERT_EQ(0, mb_stat(self->fd, &st));
	EXPECT_EQ(1, st.sent);
	EXPECT_EQ(1, st.received);
}

TEST_F(rdv, receiver_waits_for_sender)
{
	pid_t pid;

	pid = child_recv(self->fd, "meet", 0);
	ASSERT_TRUE(mb_wait_waiters(self->fd, 0, 1));
	/* A receiver waiting: a send goes through at once. */
	EXPECT_EQ(POLLOUT, poll_now(self->fd) & POLLOUT);
	ASSERT_EQ(0, mb_send(self->fd, "meet", 4, MBOX_SEND_NONBLOCK, 0));
	EXPECT_EQ(0, reap(pid));
}

TEST_F(rdv, highest_priority_first)
{
	pid_t pids[3];
	char buf[8];
	int i;

	pids[0] = child_send(self->fd, "low", 0, 1, 0);
	ASSERT_TRUE(mb_wait_waiters(self->fd, 1, 0));
	pids[1] = child_send(self->fd, "high", 0, 9, 0);
	ASSERT_TRUE(mb_wait_waiters(self->fd, 2, 0));
	pids[2] = child_send(self->fd, "high2", 0, 9, 0);
	ASSERT_TRUE(mb_wait_waiters(self->fd, 3, 0));
	EXPECT_EQ(4, mb_recv(self->fd, buf, sizeof(buf), 0, 0, NULL));
	EXPECT_EQ(0, memcmp(buf, "high", 4));
	EXPECT_EQ(5, mb_recv(self->fd, buf, sizeof(buf), 0, 0, NULL));
	EXPECT_EQ(3, mb_recv(self->fd, buf, sizeof(buf), 0, 0, NULL));
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, reap(pids[i]));
}

TEST_F(rdv, peekers_see_only_what_enters)
{
	struct mbox_stat st;
	pid_t peeker, sender;

	peeker = child_recv(self->fd, "blocked", MBOX_RECV_PEEK);
	ASSERT_TRUE(mb_wait_waiters(self->fd, 0, 1));
	/* A send that fails at once leaves no trace, not even to a peeker. */
	EXPECT_EQ(-EAGAIN, mb_send(self->fd, "nope", 4, MBOX_SEND_NONBLOCK, 0));
	ASSERT_EQ(0, mb_stat(self->fd, &st));
	EXPECT_EQ(1, st.waiting_receivers);
	/* A blocked sender's message can be taken: the peeker sees it. */
	sender = child_send(self->fd, "blocked", 0, 0, 0);
	EXPECT_EQ(0, reap(peeker));
	ASSERT_TRUE(mb_wait_waiters(self->fd, 1, 0));
	EXPECT_EQ(7, mb_recv(self->fd, (char[8]){ 0 }, 8, 0, 0, NULL));
	EXPECT_EQ(0, reap(sender));
}

TEST_F(rdv, peek_does_not_release_the_sender)
{
	struct mbox_stat st;
	char buf[8];
	pid_t pid;

	pid = child_send(self->fd, "look", 0, 0, 0);
	ASSERT_TRUE(mb_wait_waiters(self->fd, 1, 0));
	ASSERT_EQ(4, mb_recv(self->fd, buf, sizeof(buf), MBOX_RECV_PEEK, 0, NULL));
	ASSERT_EQ(0, mb_stat(self->fd, &st));
	EXPECT_EQ(1, st.waiting_senders);
	EXPECT_EQ(4, mb_recv(self->fd, buf, sizeof(buf), 0, 0, NULL));
	EXPECT_EQ(0, reap(pid));
}

/* Synchronous send */

FIXTURE(mb) {
	int fd;
	const char *name;
};

FIXTURE_SETUP(mb)
{
	self->name = mb_name("delivery");
	self->fd = mb_create(self->name, 4, 64);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(mb)
{
	close(self->fd);
	mb_unlink(self->name);
}

TEST_F(mb, sync_returns_once_taken)
{
	struct mbox_stat st;
	char buf[8];
	pid_t pid;

	pid = child_send(self->fd, "sync", MBOX_SEND_SYNC, 0, 0);
	/* Queued, and its sender still waiting. */
	ASSERT_TRUE(mb_wait_waiters(self->fd, 1, 0));
	ASSERT_EQ(0, mb_stat(self->fd, &st));
	EXPECT_EQ(1, st.queued);
	ASSERT_EQ(4, mb_recv(self->fd, buf, sizeof(buf), 0, 0, NULL));
	EXPECT_EQ(0, reap(pid));

	/* A receiver already waiting: the sync send completes at once. */
	pid = child_recv(self->fd, "now", 0);
	ASSERT_TRUE(mb_wait_waiters(self->fd, 0, 1));
	EXPECT_EQ(0, mb_send(self->fd, "now", 3, MBOX_SEND_SYNC | MBOX_SEND_NONBLOCK, 0));
	EXPECT_EQ(0, reap(pid));
}

TEST_F(mb, sync_gives_up_and_withdraws)
{
	struct mbox_stat st;
	char buf[8];
	pid_t pid;

	/* Non-blocking with nobody waiting: not even queued. */
	EXPECT_EQ(-EAGAIN, mb_send(self->fd, "nb", 2, MBOX_SEND_SYNC | MBOX_SEND_NONBLOCK, 0));
	/* Timed out: withdrawn. */
	EXPECT_EQ(-ETIMEDOUT, mb_send(self->fd, "late", 4, MBOX_SEND_SYNC | MBOX_SEND_TIMEOUT,
				      30 * MS));
	/* Interrupted: withdrawn. */
	pid = child_send(self->fd, "sig", MBOX_SEND_SYNC, 0, 0);
	ASSERT_TRUE(mb_wait_waiters(self->fd, 1, 0));
	kill(pid, SIGKILL);
	EXPECT_EQ(-1, reap(pid));

	ASSERT_EQ(0, mb_stat(self->fd, &st));
	EXPECT_EQ(0, st.queued);
	EXPECT_EQ(0, st.sent);
	EXPECT_EQ(0, st.waiting_senders);
	/* None of them is ever delivered. */
	EXPECT_EQ(-EAGAIN, mb_recv(self->fd, buf, sizeof(buf), MBOX_RECV_NONBLOCK, 0, NULL));
}

TEST_F(mb, sync_waits_for_room_then_receiver)
{
	struct mbox_stat st;
	char buf[8];
	pid_t pid;
	int i;

	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, mb_send(self->fd, "f", 1, 0, 0));
	pid = child_send(self->fd, "sync", MBOX_SEND_SYNC, 0, 0);
	ASSERT_TRUE(mb_wait_waiters(self->fd, 1, 0));
	/* A slot frees: it moves in, still waiting to be taken. */
	ASSERT_EQ(1, mb_recv(self->fd, buf, sizeof(buf), 0, 0, NULL));
	ASSERT_EQ(0, mb_stat(self->fd, &st));
	EXPECT_EQ(4, st.queued);
	EXPECT_EQ(1, st.waiting_senders);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(1, mb_recv(self->fd, buf, sizeof(buf), 0, 0, NULL));
	ASSERT_EQ(4, mb_recv(self->fd, buf, sizeof(buf), 0, 0, NULL));
	EXPECT_EQ(0, memcmp(buf, "sync", 4));
	EXPECT_EQ(0, reap(pid));
}

#define RACERS 8
#define PER_RACER 150

/*
 * Synchronous sends with short timeouts race against slow receivers. Each
 * sender's answer must match what happened: 0 means received exactly once,
 * ETIMEDOUT means never received.
 */
TEST_F_TIMEOUT(mb, sync_answer_matches_delivery, 300)
{
	struct outcome {
		int sent[RACERS][PER_RACER];
		int seen[RACERS][PER_RACER];
	} *o;
	pid_t senders[RACERS], receiver;
	int i, j, timed_out = 0, taken = 0, status;
	uint32_t v;

	o = mmap(NULL, sizeof(*o), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, o);
	receiver = fork();
	ASSERT_LE(0, receiver);
	if (receiver == 0) {
		for (;;) {
			int n = mb_recv(self->fd, &v, sizeof(v), 0, 0, NULL);

			if (n == 0)
				_exit(0);
			if (n != sizeof(v) || v >= RACERS * PER_RACER)
				_exit(1);
			__atomic_add_fetch(&o->seen[v / PER_RACER][v % PER_RACER], 1,
					   __ATOMIC_RELAXED);
			if (v % 3 == 0)
				usleep(2000);
		}
	}
	for (i = 0; i < RACERS; i++) {
		senders[i] = fork();
		ASSERT_LE(0, senders[i]);
		if (senders[i] == 0) {
			for (j = 0; j < PER_RACER; j++) {
				v = i * PER_RACER + j;
				/* The last one waits as long as it takes. */
				o->sent[i][j] = mb_send(self->fd, &v, sizeof(v),
							j == PER_RACER - 1 ? MBOX_SEND_SYNC :
							MBOX_SEND_SYNC | MBOX_SEND_TIMEOUT,
							j == PER_RACER - 1 ? 0 : (j % 4) * MS);
			}
			_exit(0);
		}
	}
	for (i = 0; i < RACERS; i++)
		EXPECT_EQ(0, reap(senders[i]));
	ASSERT_EQ(0, mb_send(self->fd, NULL, 0, 0, 0));
	ASSERT_EQ(receiver, waitpid(receiver, &status, 0));
	EXPECT_EQ(0, status);
	for (i = 0; i < RACERS; i++) {
		for (j = 0; j < PER_RACER; j++) {
			if (o->sent[i][j] == 0) {
				taken++;
				EXPECT_EQ(1, o->seen[i][j]) TH_LOG("%d/%d sent", i, j);
			} else {
				timed_out++;
				EXPECT_EQ(-ETIMEDOUT, o->sent[i][j]);
				EXPECT_EQ(0, o->seen[i][j]) TH_LOG("%d/%d withdrawn", i, j);
			}
		}
	}
	TH_LOG("%d taken, %d withdrawn", taken, timed_out);
	/* How many of the timed ones made it depends on the load; not these. */
	EXPECT_LE(RACERS, taken);
}

/* Priorities */

TEST_F(mb, priorities)
{
	const uint32_t prios[] = { 0, 5, 31, 5, 0, 17 };
	const char *want[] = { "m2", "m5", "m1", "m3", "m0", "m4" };
	struct mbox_recv r;
	char buf[8];
	const char *name = mb_name("prio");
	unsigned int i;
	int fd;

	fd = mb_create(name, 8, 8);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mb_unlink(name));
	for (i = 0; i < 6; i++) {
		snprintf(buf, sizeof(buf), "m%u", i);
		ASSERT_EQ(0, mb_sendx(fd, buf, 2, 0, prios[i], 0, 0));
	}
	/* Highest first; FIFO within one priority. */
	for (i = 0; i < 6; i++) {
		ASSERT_EQ(2, mb_recvx(fd, buf, sizeof(buf), 0, 0, 0, &r));
		EXPECT_EQ(0, memcmp(buf, want[i], 2)) TH_LOG("#%u", i);
		EXPECT_EQ(prios[want[i][1] - '0'], r.prio);
	}
	/* write() sends at priority 0, behind anything higher. */
	ASSERT_EQ(1, write(fd, "w", 1));
	ASSERT_EQ(0, mb_sendx(fd, "h", 1, 0, 1, 0, 0));
	EXPECT_EQ(1, read(fd, buf, sizeof(buf)));
	EXPECT_EQ('h', buf[0]);
	EXPECT_EQ(-EINVAL, mb_sendx(fd, "x", 1, 0, MBOX_PRIO_MAX, 0, 0));
	close(fd);
}

TEST_F(mb, priority_kept_through_a_fault)
{
	char buf[8], *edge;

	ASSERT_EQ(0, mb_sendx(self->fd, "a-hi", 4, 0, 3, 0, 0));
	ASSERT_EQ(0, mb_sendx(self->fd, "b-hi", 4, 0, 3, 0, 0));
	ASSERT_EQ(0, mb_sendx(self->fd, "c-lo", 4, 0, 1, 0, 0));
	edge = fault_area(2, 8);
	ASSERT_NE(NULL, edge);
	EXPECT_EQ(-EFAULT, mb_recv(self->fd, edge, 8, 0, 0, NULL));
	/* Back at the head of its own priority. */
	EXPECT_EQ(4, mb_recv(self->fd, buf, sizeof(buf), 0, 0, NULL));
	EXPECT_EQ(0, memcmp(buf, "a-hi", 4));
	EXPECT_EQ(4, mb_recv(self->fd, buf, sizeof(buf), 0, 0, NULL));
	EXPECT_EQ(0, memcmp(buf, "b-hi", 4));
}

/*
 * The counters of MBOX_IOC_STAT, over a seeded random walk through every
 * way a message enters or leaves: plain, sync (withdrawn at its timeout),
 * batched, received whole, truncated, refused for a short buffer, put back
 * after a fault, peeked. After each step the kernel's counters match what
 * the calls reported, and sent - received matches what is queued, in
 * messages and in bytes.
 */
TEST_F(mb, counters_follow_every_path)
{
	uint64_t sent = 0, sent_bytes = 0, recvd = 0, recvd_bytes = 0;
	struct mbox_msgvec vec[3];
	struct mbox_batch out;
	unsigned int seed = 20261129, step, i;
	struct mbox_stat st;
	char buf[64], *edge;
	uint32_t len, msg_len;
	int ret;

	edge = fault_area(1, 64);
	ASSERT_NE(NULL, edge);
	memset(buf, 'c', sizeof(buf));
	for (step = 0; step < 400; step++) {
		len = rand_r(&seed) % 65;
		switch (rand_r(&seed) % 9) {
		case 0:
		case 1:
			ret = mb_sendx(self->fd, buf, len, MBOX_SEND_NONBLOCK,
				       rand_r(&seed) % MBOX_PRIO_MAX, 0, 0);
			ASSERT_TRUE(ret == 0 || ret == -EAGAIN) TH_LOG("send: %d", ret);
			if (!ret) {
				sent++;
				sent_bytes += len;
			}
			break;
		case 2:	/* nobody takes it: withdrawn, uncounted */
			ret = mb_send(self->fd, buf, len, MBOX_SEND_SYNC | MBOX_SEND_TIMEOUT,
				      MS / 10);
			ASSERT_EQ(-ETIMEDOUT, ret);
			break;
		case 3:
			for (i = 0; i < 3; i++)
				vec[i] = (struct mbox_msgvec){
					.buf = (uintptr_t)buf, .len = (len + i) % 65,
				};
			ret = mb_batch(self->fd, MBOX_IOC_SEND_BATCH, vec, 3,
				       MBOX_SEND_NONBLOCK, 0, 0, &out);
			ASSERT_TRUE(ret >= 0 || ret == -EAGAIN) TH_LOG("send batch: %d", ret);
			for (i = 0; i < out.done; i++) {
				sent++;
				sent_bytes += vec[i].len;
			}
			break;
		case 4:	/* whole, or truncated: counted whole */
			ret = mb_recv(self->fd, buf, len,
				      MBOX_RECV_NONBLOCK | MBOX_RECV_TRUNC, 0, &msg_len);
			ASSERT_TRUE(ret >= 0 || ret == -EAGAIN) TH_LOG("recv: %d", ret);
			if (ret >= 0) {
				recvd++;
				recvd_bytes += msg_len;
			}
			break;
		case 5:	/* too short without TRUNC: left queued */
			ret = mb_recv(self->fd, buf, len, MBOX_RECV_NONBLOCK, 0, &msg_len);
			ASSERT_TRUE(ret >= 0 || ret == -EAGAIN || ret == -EMSGSIZE)
				TH_LOG("recv: %d", ret);
			if (ret >= 0) {
				recvd++;
				recvd_bytes += msg_len;
			}
			break;
		case 6:	/* a fault: put back, uncounted */
			ret = mb_recv(self->fd, edge, 64, MBOX_RECV_NONBLOCK, 0, NULL);
			ASSERT_TRUE(ret == -EFAULT || ret == -EAGAIN || ret <= 1)
				TH_LOG("recv into a fault: %d", ret);
			if (ret >= 0) {
				recvd++;
				recvd_bytes += ret;
			}
			break;
		case 7:
			ret = mb_recv(self->fd, buf, sizeof(buf),
				      MBOX_RECV_NONBLOCK | MBOX_RECV_PEEK, 0, NULL);
			ASSERT_TRUE(ret >= 0 || ret == -EAGAIN) TH_LOG("peek: %d", ret);
			break;
		default:
			for (i = 0; i < 3; i++)
				vec[i] = (struct mbox_msgvec){
					.buf = (uintptr_t)buf, .len = sizeof(buf),
				};
			ret = mb_batch(self->fd, MBOX_IOC_RECV_BATCH, vec, 3,
				       MBOX_RECV_NONBLOCK, 0, 0, &out);
			ASSERT_TRUE(ret >= 0 || ret == -EAGAIN) TH_LOG("recv batch: %d", ret);
			for (i = 0; i < out.done; i++) {
				recvd++;
				recvd_bytes += vec[i].len;
			}
			break;
		}
		ASSERT_EQ(0, mb_stat(self->fd, &st));
		ASSERT_EQ(sent, st.sent) TH_LOG("step %u", step);
		ASSERT_EQ(sent_bytes, st.sent_bytes) TH_LOG("step %u", step);
		ASSERT_EQ(recvd, st.received) TH_LOG("step %u", step);
		ASSERT_EQ(recvd_bytes, st.received_bytes) TH_LOG("step %u", step);
		ASSERT_EQ(st.sent - st.received, st.queued) TH_LOG("step %u", step);
		ASSERT_EQ(st.sent_bytes - st.received_bytes, st.queued_bytes)
			TH_LOG("step %u", step);
	}
	/* The walk went through every path (not only a full or empty box). */
	EXPECT_LT(50, recvd);
}

/* Peek */

TEST_F(mb, peek)
{
	struct mbox_stat st;
	struct mbox_recv r;
	uint32_t len;
	char buf[8];

	EXPECT_EQ(-EAGAIN, mb_recv(self->fd, buf, sizeof(buf),
				   MBOX_RECV_PEEK | MBOX_RECV_NONBLOCK, 0, NULL));
	ASSERT_EQ(0, mb_sendx(self->fd, "lo", 2, 0, 1, 0, 0));
	ASSERT_EQ(0, mb_sendx(self->fd, "high", 4, 0, 8, 0, 0));
	/* Peek sees what a receive would take: the highest priority. */
	ASSERT_EQ(4, mb_recvx(self->fd, buf, sizeof(buf), MBOX_RECV_PEEK, 0, 0, &r));
	EXPECT_EQ(8, r.prio);
	EXPECT_EQ(getpid(), r.pid);
	ASSERT_EQ(4, mb_recvx(self->fd, buf, sizeof(buf), MBOX_RECV_PEEK, 0, 0, &r));
	ASSERT_EQ(0, mb_stat(self->fd, &st));
	EXPECT_EQ(2, st.queued);
	EXPECT_EQ(0, st.received);
	/* Peek with a short buffer: EMSGSIZE, or a truncated copy. */
	EXPECT_EQ(-EMSGSIZE, mb_recv(self->fd, buf, 3, MBOX_RECV_PEEK, 0, &len));
	EXPECT_EQ(4, len);
	EXPECT_EQ(3, mb_recv(self->fd, buf, 3, MBOX_RECV_PEEK | MBOX_RECV_TRUNC, 0, &len));
	EXPECT_EQ(4, len);
	/* Still there, whole. */
	ASSERT_EQ(4, mb_recv(self->fd, buf, sizeof(buf), 0, 0, NULL));
	EXPECT_EQ(0, memcmp(buf, "high", 4));
	ASSERT_EQ(2, mb_recv(self->fd, buf, sizeof(buf), 0, 0, NULL));
}

TEST_F(mb, peek_blocks_and_filters)
{
	struct mbox_stat st;
	char buf[16];
	pid_t peeker, other;

	/* A blocked peeker sees the message arrive; it stays queued. */
	peeker = child_recv(self->fd, "arrives", MBOX_RECV_PEEK);
	ASSERT_TRUE(mb_wait_waiters(self->fd, 0, 1));
	ASSERT_EQ(0, mb_send(self->fd, "arrives", 7, 0, 0));
	EXPECT_EQ(0, reap(peeker));
	ASSERT_EQ(0, mb_stat(self->fd, &st));
	EXPECT_EQ(1, st.queued);

	/* Peek from Q skips the others. */
	other = child_send(self->fd, "other", 0, 20, 0);
	EXPECT_EQ(0, reap(other));
	ASSERT_EQ(7, mb_recvx(self->fd, buf, sizeof(buf), MBOX_RECV_PEEK | MBOX_RECV_FROM,
			      getpid(), 0, NULL));
	EXPECT_EQ(0, memcmp(buf, "arrives", 7));
	EXPECT_EQ(5, mb_recvx(self->fd, buf, sizeof(buf), MBOX_RECV_PEEK, 0, 0, NULL));
	EXPECT_EQ(-ETIMEDOUT, mb_recvx(self->fd, buf, sizeof(buf),
				       MBOX_RECV_PEEK | MBOX_RECV_FROM | MBOX_RECV_TIMEOUT,
				       1, 5 * MS, NULL));
}

/* Batches */

static void vec_fill(struct mbox_msgvec *v, char (*bufs)[16], int n, int len)
{
	int i;

	memset(v, 0, n * sizeof(*v));
	for (i = 0; i < n; i++) {
		v[i].buf = (uintptr_t)bufs[i];
		v[i].len = len;
	}
}

TEST_F(mb, batch_send_and_receive)
{
	struct mbox_msgvec v[6];
	struct mbox_batch b;
	char bufs[6][16];
	int i;

	vec_fill(v, bufs, 3, 0);
	for (i = 0; i < 3; i++) {
		snprintf(bufs[i], 16, "batch %d", i);
		v[i].len = strlen(bufs[i]);
		v[i].prio = i == 2 ? 4 : 0;
	}
	ASSERT_EQ(3, mb_batch(self->fd, MBOX_IOC_SEND_BATCH, v, 3, 0, 0, 0, &b));
	EXPECT_EQ(3, b.done);
	EXPECT_EQ(0, b.error);

	vec_fill(v, bufs, 6, 16);
	memset(bufs, 0, sizeof(bufs));
	/* Three there, six asked for: three, and why it stopped. */
	ASSERT_EQ(3, mb_batch(self->fd, MBOX_IOC_RECV_BATCH, v, 6, 0, 0, 0, &b));
	EXPECT_EQ(3, b.done);
	EXPECT_EQ(EAGAIN, b.error);
	EXPECT_STREQ("batch 2", bufs[0]);
	EXPECT_EQ(4, v[0].prio);
	EXPECT_STREQ("batch 0", bufs[1]);
	EXPECT_STREQ("batch 1", bufs[2]);
	EXPECT_EQ(7, v[2].len);
	EXPECT_EQ(getpid(), v[2].pid);
	EXPECT_EQ(getuid(), v[2].uid);
	EXPECT_EQ(16, v[3].len);	/* untouched */
}

TEST_F(mb, batch_blocking)
{
	struct mbox_msgvec v[4];
	struct mbox_batch b;
	char bufs[4][16];
	pid_t pid;

	/*
	 * Only the first message may block: one arrives while the batch is
	 * blocked, and the batch returns with it.
	 */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(!mb_wait_waiters(self->fd, 0, 1) ||
		      mb_send(self->fd, "one", 3, 0, 0));
	vec_fill(v, bufs, 4, 16);
	EXPECT_EQ(1, mb_batch(self->fd, MBOX_IOC_RECV_BATCH, v, 4, 0, 0, 0, &b));
	EXPECT_EQ(EAGAIN, b.error);
	EXPECT_EQ(0, reap(pid));

	/* Non-blocking with nothing there: no message, -EAGAIN. */
	EXPECT_EQ(-EAGAIN, mb_batch(self->fd, MBOX_IOC_RECV_BATCH, v, 4,
				    MBOX_RECV_NONBLOCK, 0, 0, &b));
	EXPECT_EQ(0, b.done);
	EXPECT_EQ(EAGAIN, b.error);
	EXPECT_EQ(-ETIMEDOUT, mb_batch(self->fd, MBOX_IOC_RECV_BATCH, v, 4,
				       MBOX_RECV_TIMEOUT, 0, 10 * MS, &b));

	/*
	 * WAITALL: every message may block, until all four came. Each one is
	 * sent only once the batch waits for it: a send hands the message
	 * over and takes the waiter off the queue before it returns, so the
	 * next waiter seen is the batch blocked again.
	 */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		for (int i = 0; i < 4; i++) {
			if (!mb_wait_waiters(self->fd, 0, 1) ||
			    mb_send(self->fd, "slow", 4, 0, 0))
				_exit(1);
		}
		_exit(0);
	}
	vec_fill(v, bufs, 4, 16);
	EXPECT_EQ(4, mb_batch(self->fd, MBOX_IOC_RECV_BATCH, v, 4,
			      MBOX_BATCH_WAITALL, 0, 0, &b));
	EXPECT_EQ(0, b.error);
	EXPECT_EQ(0, reap(pid));

	/* A send batch into a mailbox with room for 4 of 6. */
	vec_fill(v, bufs, 4, 1);
	EXPECT_EQ(4, mb_batch(self->fd, MBOX_IOC_SEND_BATCH, v, 4, 0, 0, 0, &b));
	EXPECT_EQ(-EAGAIN, mb_batch(self->fd, MBOX_IOC_SEND_BATCH, v, 2,
				    MBOX_SEND_NONBLOCK, 0, 0, &b));
}

static void on_usr1(int sig)
{
	(void)sig;
}

TEST_F(mb, batch_interrupted)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct mbox_msgvec v[2];
	struct mbox_batch b;
	char bufs[2][16];
	pid_t pid;
	int ret;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		sigemptyset(&sa.sa_mask);
		sigaction(SIGUSR1, &sa, NULL);
		vec_fill(v, bufs, 2, 16);
		ret = mb_batch(self->fd, MBOX_IOC_RECV_BATCH, v, 2, 0, 0, 0, &b);
		/* Nothing moved: EINTR, and error says so (not a kernel code). */
		_exit(ret == -EINTR && b.done == 0 && b.error == EINTR ? 0 : 1);
	}
	ASSERT_TRUE(mb_wait_waiters(self->fd, 0, 1));
	kill(pid, SIGUSR1);
	EXPECT_EQ(0, reap(pid));
}

/*
 * Batches move their vector in chunks (several entries per copy, several
 * messages per lock). Over random states, a batch must do exactly what
 * that many single calls in a row would: stop at the first entry that
 * fails (a bad buffer, a bad entry, a message too long, no room or no
 * message), report it there, and leave every message not moved queued in
 * its order: nothing lost, nothing moved twice.
 */
enum batch_fault { BF_NONE, BF_BUF, BF_PAD, BF_SIZE, BF_NR };

static const int bf_errno[BF_NR] = { 0, EFAULT, EINVAL, EMSGSIZE };

/* Queue message @id (8 bytes) with a single send. */
static int send_id(int fd, uint64_t id)
{
	return mb_send(fd, &id, sizeof(id), MBOX_SEND_NONBLOCK, 0);
}

TEST(batch_chunks_match_single_calls)
{
	enum { CAP = 48, MAXN = 40 };
	static uint64_t ids[MAXN], got[MAXN];
	static char big[65];
	struct mbox_msgvec v[MAXN];
	uint64_t next = 0, expect = 0, id;
	struct mbox_batch b;
	const char *name = mb_name("chunks");
	unsigned int seed = 1, round;
	int fd, i, ret;

	fd = mb_create(name, CAP, 64);
	ASSERT_LE(0, fd);
	for (round = 0; round < 400; round++) {
		bool recv = round & 1;
		int count = 1 + rand_r(&seed) % MAXN;
		int pre = rand_r(&seed) % (CAP + 1);
		enum batch_fault kind = rand_r(&seed) % BF_NR;
		int k = rand_r(&seed) % count, done, err;

		if (kind == BF_NONE)
			k = count;
		for (i = 0; i < pre; i++)
			ASSERT_EQ(0, send_id(fd, next++));
		memset(v, 0, sizeof(v));
		for (i = 0; i < count; i++) {
			ids[i] = next + i;
			v[i].buf = (uintptr_t)(recv ? &got[i] : &ids[i]);
			v[i].len = sizeof(uint64_t);
		}
		if (k < count && kind == BF_BUF)
			v[k].buf = 8;
		else if (k < count && kind == BF_PAD)
			v[k].__pad = 1;
		else if (k < count && kind == BF_SIZE && recv)
			v[k].len = 4;
		else if (k < count && kind == BF_SIZE)
			v[k] = (struct mbox_msgvec){ .buf = (uintptr_t)big,
						     .len = sizeof(big) };

		if (recv) {
			/* pre messages queued: moves them up to the fault. */
			done = pre < k ? pre : k;
			if (pre > k || (pre == k && kind == BF_PAD))
				err = bf_errno[kind];
			else
				err = done < count ? EAGAIN : 0;
			ret = mb_batch(fd, MBOX_IOC_RECV_BATCH, v, count,
				       MBOX_RECV_NONBLOCK, 0, 0, &b);
			for (i = 0; i < done; i++)
				ASSERT_EQ(expect++, got[i]);
			if (err == EMSGSIZE)
				EXPECT_EQ(sizeof(uint64_t), v[k].len);
		} else {
			/* CAP - pre slots free: sends up to the fault. */
			int room = CAP - pre;

			if (k < room || (k == room && kind != BF_BUF)) {
				done = k;
				err = bf_errno[kind];
			} else {
				done = room < count ? room : count;
				err = done < count ? EAGAIN : 0;
			}
			ret = mb_batch(fd, MBOX_IOC_SEND_BATCH, v, count,
				       MBOX_SEND_NONBLOCK, 0, 0, &b);
			next += done;
		}
		ASSERT_EQ(done ? done : -err, ret)
			TH_LOG("round %u: %s of %d, %d queued, fault %d at %d",
			       round, recv ? "recv" : "send", count, pre, kind, k);
		ASSERT_EQ(done, b.done);
		ASSERT_EQ(err, b.error);
		/* What is left comes out whole and in order. */
		while (mb_recv(fd, &id, sizeof(id), MBOX_RECV_NONBLOCK, 0, NULL) ==
		       sizeof(id))
			ASSERT_EQ(expect++, id);
		ASSERT_EQ(next, expect);
	}
	close(fd);
	mb_unlink(name);
}

TEST_F(mb, batch_errors)
{
	struct mbox_msgvec v[MBOX_BATCH_MAX + 1];
	struct mbox_batch b;
	char bufs[4][16];
	struct mbox_stat st;

	vec_fill(v, bufs, 4, 1);
	/* Stopped by a bad entry: the ones before it went. */
	v[2].prio = MBOX_PRIO_MAX;
	EXPECT_EQ(2, mb_batch(self->fd, MBOX_IOC_SEND_BATCH, v, 4, 0, 0, 0, &b));
	EXPECT_EQ(EINVAL, b.error);
	v[2].prio = 0;
	v[0].buf = 1;
	EXPECT_EQ(-EFAULT, mb_batch(self->fd, MBOX_IOC_SEND_BATCH, v, 4, 0, 0, 0, &b));
	EXPECT_EQ(0, b.done);
	EXPECT_EQ(EFAULT, b.error);
	v[0].buf = (uintptr_t)bufs[0];
	ASSERT_EQ(0, mb_stat(self->fd, &st));
	EXPECT_EQ(2, st.queued);

	/* A receive whose buffer faults keeps the message. */
	vec_fill(v, bufs, 4, 16);
	v[1].buf = 1;
	EXPECT_EQ(1, mb_batch(self->fd, MBOX_IOC_RECV_BATCH, v, 4, 0, 0, 0, &b));
	EXPECT_EQ(EFAULT, b.error);
	ASSERT_EQ(0, mb_stat(self->fd, &st));
	EXPECT_EQ(1, st.queued);

	/* The arguments. */
	EXPECT_EQ(-EINVAL, mb_batch(self->fd, MBOX_IOC_RECV_BATCH, v, 0, 0, 0, 0, NULL));
	EXPECT_EQ(-EINVAL, mb_batch(self->fd, MBOX_IOC_RECV_BATCH, v, MBOX_BATCH_MAX + 1,
				    0, 0, 0, NULL));
	EXPECT_EQ(-EINVAL, mb_batch(self->fd, MBOX_IOC_RECV_BATCH, v, 1, MBOX_RECV_PEEK,
				    0, 0, NULL));
	EXPECT_EQ(-EINVAL, mb_batch(self->fd, MBOX_IOC_SEND_BATCH, v, 1, MBOX_SEND_SYNC,
				    0, 0, NULL));
	EXPECT_EQ(-EINVAL, mb_batch(self->fd, MBOX_IOC_RECV_BATCH, v, 1, 0, 5, 0, NULL));
	EXPECT_EQ(-EINVAL, mb_batch(self->fd, MBOX_IOC_RECV_BATCH, v, 1, 1U << 20, 0, 0, NULL));
	v[0].__pad = 1;
	EXPECT_EQ(-EINVAL, mb_batch(self->fd, MBOX_IOC_RECV_BATCH, v, 1, 0, 0, 0, NULL));
	v[0].__pad = 0;
	EXPECT_EQ(-EFAULT, ioctl(self->fd, MBOX_IOC_RECV_BATCH, NULL) ? -errno : 0);
	EXPECT_EQ(-EFAULT, mb_batch(self->fd, MBOX_IOC_RECV_BATCH, (void *)8, 1, 0, 0, 0, NULL));
}

TEST_F(mb, batch_from_and_to_pid)
{
	struct mbox_msgvec v[4];
	struct mbox_batch b;
	char bufs[4][16];
	pid_t pid;
	int inbox;

	pid = child_send(self->fd, "theirs", 0, 0, 0);
	EXPECT_EQ(0, reap(pid));
	ASSERT_EQ(0, mb_send(self->fd, "mine", 4, 0, 0));
	vec_fill(v, bufs, 4, 16);
	EXPECT_EQ(1, mb_batch(self->fd, MBOX_IOC_RECV_BATCH, v, 4, MBOX_RECV_FROM,
			      getpid(), 0, &b));
	EXPECT_STREQ("mine", bufs[0]);

	/* A batch by pid, to our own inbox. */
	inbox = inbox_open(O_RDWR, 0, 0600, 0);
	ASSERT_LE(0, inbox);
	vec_fill(v, bufs, 3, 2);
	EXPECT_EQ(3, mb_batch(self->fd, MBOX_IOC_SEND_BATCH, v, 3, MBOX_SEND_TO_PID,
			      getpid(), 0, &b));
	vec_fill(v, bufs, 4, 16);
	EXPECT_EQ(3, mb_batch(inbox, MBOX_IOC_RECV_BATCH, v, 4, 0, 0, 0, &b));
	close(inbox);
}

TEST_HARNESS_MAIN
