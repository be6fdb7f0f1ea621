// SPDX-License-Identifier: GPL-2.0
/*
 * fork_test: what a mailbox descriptor, a ring mapping and an inbox
 * descriptor do across fork() and exec(), as "Descriptors across fork and
 * exec" in uapi/linux/mbox.h states it:
 *  - a descriptor a child inherits is the same open file: it counts as the
 *    same bound reader or writer, and holds off a hang-up until every copy
 *    is closed, as a pipe's write end does;
 *  - a ring mapping holds the descriptor's file, so a child that inherits a
 *    mapping keeps the role held until it unmaps, exits or execs (unless
 *    the mapping was marked MADV_DONTFORK);
 *  - a child holding its parent's inbox descriptor receives the parent's
 *    messages; its own inbox is another one;
 *  - exec closes an O_CLOEXEC descriptor (and drops every mapping); one
 *    without O_CLOEXEC goes on working in the new program (an inbox's too,
 *    when the one who execs is not the inbox's owner).
 * Every step is ordered through pipes; nothing waits on time.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/mbox.h>

#include "kselftest_harness.h"
#include "common.h"

/*
 * The program a child execs: this binary again, told by the environment
 * what to do before the harness starts.
 *  FORK_TEST_HOLD=READY,WAIT: post on READY, then wait until WAIT is
 *	closed (holding whatever descriptors the exec left open);
 *  FORK_TEST_READ=FD,REPORT: read() one message from FD and write it to
 *	REPORT, or "E" and the errno's number when the read fails.
 */
__attribute__((constructor)) static void exec_helper(void)
{
	const char *hold = getenv("FORK_TEST_HOLD");
	const char *rd = getenv("FORK_TEST_READ");
	char buf[64];
	int a, b, n;

	if (hold && sscanf(hold, "%d,%d", &a, &b) == 2) {
		if (pipe_post(a))
			_exit(1);
		while (read(b, buf, sizeof(buf)) > 0)
			;
		_exit(0);
	}
	if (rd && sscanf(rd, "%d,%d", &a, &b) == 2) {
		n = read(a, buf, sizeof(buf));
		if (n < 0)
			n = snprintf(buf, sizeof(buf), "E%d", errno);
		_exit(write(b, buf, n) == n ? 0 : 1);
	}
}

/* Exec this binary with @var=@a,@b in the environment; only returns on error. */
static void exec_self(const char *var, int a, int b)
{
	char env[64];

	snprintf(env, sizeof(env), "%s=%d,%d", var, a, b);
	putenv(env);
	execl("/proc/self/exe", "fork_test", (char *)NULL);
}

/* Let @fd survive exec (the test helpers open everything O_CLOEXEC). */
static int keep_on_exec(int fd)
{
	return fcntl(fd, F_SETFD, 0);
}

static short poll_now(int fd, short events)
{
	struct pollfd pfd = { .fd = fd, .events = events };

	return poll(&pfd, 1, 0) < 0 ? -1 : pfd.revents;
}

/* Mailboxes */

FIXTURE(mb) {
	const char *name;
	int rd, wr;
};

FIXTURE_SETUP(mb)
{
	/* Unlinked at once: the hang-up rules apply from the start. */
	self->name = mb_name("fork");
	self->rd = mb_open(self->name, O_RDONLY, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL,
			   0600, 4, 64);
	ASSERT_LE(0, self->rd);
	self->wr = mb_open(self->name, O_WRONLY, 0, 0, 0, 0);
	ASSERT_LE(0, self->wr);
	ASSERT_EQ(0, mb_unlink(self->name));
}

FIXTURE_TEARDOWN(mb)
{
	if (self->rd >= 0)
		close(self->rd);
	if (self->wr >= 0)
		close(self->wr);
}

TEST_F(mb, inherited_writer_holds_off_the_hang_up)
{
	int closed[2], go[2];
	struct mbox_stat st;
	char buf[8];
	pid_t pid;

	ASSERT_EQ(0, pipe(closed));
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* Holds the writer it inherited, without ever using it. */
		close(self->rd);
		if (pipe_wait(go[0]))
			_exit(1);
		close(self->wr);
		_exit(pipe_post(closed[1]) ? 2 : 0);
	}
	/* One open file, shared: still one writer after fork. */
	ASSERT_EQ(0, mb_stat(self->rd, &st));
	EXPECT_EQ(1, st.writers);
	close(self->wr);
	self->wr = -1;
	/* The parent's writer is gone; the child's copy is the same writer. */
	ASSERT_EQ(0, mb_stat(self->rd, &st));
	EXPECT_EQ(1, st.writers);
	EXPECT_EQ(0, poll_now(self->rd, POLLIN));
	EXPECT_EQ(-EAGAIN, mb_recv(self->rd, buf, sizeof(buf), MBOX_RECV_NONBLOCK, 0, NULL));

	/* The child closes it: now the hang-up arrives. */
	ASSERT_EQ(0, pipe_post(go[1]));
	ASSERT_EQ(0, pipe_wait(closed[0]));
	ASSERT_EQ(0, mb_stat(self->rd, &st));
	EXPECT_EQ(0, st.writers);
	EXPECT_EQ(POLLHUP, poll_now(self->rd, POLLIN));
	EXPECT_EQ(-EPIPE, mb_recv(self->rd, buf, sizeof(buf), MBOX_RECV_NONBLOCK, 0, NULL));
	EXPECT_EQ(0, reap(pid));
}

TEST_F(mb, inherited_reader_holds_off_the_error)
{
	int closed[2], go[2];
	pid_t pid;

	/* The same, the other way: a reader's copy keeps writers going. */
	ASSERT_EQ(0, pipe(closed));
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(self->wr);
		if (pipe_wait(go[0]))
			_exit(1);
		close(self->rd);
		_exit(pipe_post(closed[1]) ? 2 : 0);
	}
	close(self->rd);
	self->rd = -1;
	EXPECT_EQ(0, poll_now(self->wr, POLLOUT) & POLLERR);
	EXPECT_EQ(0, mb_send(self->wr, "kept", 4, MBOX_SEND_NONBLOCK, 0));
	ASSERT_EQ(0, pipe_post(go[1]));
	ASSERT_EQ(0, pipe_wait(closed[0]));
	EXPECT_EQ(POLLERR, poll_now(self->wr, POLLOUT) & POLLERR);
	EXPECT_EQ(-EPIPE, mb_send(self->wr, "lost", 4, MBOX_SEND_NONBLOCK, 0));
	EXPECT_EQ(0, reap(pid));
}

TEST_F(mb, inherited_reader_receives_and_counts_once)
{
	struct mbox_stat st;
	char buf[8];
	pid_t pid;

	/* Either process receives through the shared descriptor. */
	ASSERT_EQ(0, mb_send(self->wr, "one", 3, 0, 0));
	ASSERT_EQ(0, mb_send(self->wr, "two", 3, 0, 0));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(mb_recv(self->rd, buf, sizeof(buf), 0, 0, NULL) == 3 &&
		      !memcmp(buf, "one", 3) ? 0 : 1);
	EXPECT_EQ(0, reap(pid));
	ASSERT_EQ(3, mb_recv(self->rd, buf, sizeof(buf), 0, 0, NULL));
	EXPECT_EQ(0, memcmp(buf, "two", 3));
	ASSERT_EQ(0, mb_stat(self->rd, &st));
	EXPECT_EQ(1, st.readers);
	EXPECT_EQ(2, st.received);
}

/* exec the child with the writer kept (or not), then check for a hang-up. */
static void writer_across_exec(struct __test_metadata *_metadata,
			       FIXTURE_DATA(mb) *self, bool cloexec)
{
	int ready[2], hold[2];
	pid_t pid;

	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(hold));
	if (!cloexec)
		ASSERT_EQ(0, keep_on_exec(self->wr));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(hold[1]);
		exec_self("FORK_TEST_HOLD", ready[1], hold[0]);
		_exit(127);
	}
	close(hold[0]);
	close(ready[1]);
	close(self->wr);
	self->wr = -1;
	/* The new program runs: the exec is complete. */
	ASSERT_EQ(0, pipe_wait(ready[0]));
	EXPECT_EQ(cloexec ? POLLHUP : 0, poll_now(self->rd, POLLIN));
	close(hold[1]);
	EXPECT_EQ(0, reap(pid));
	/* Gone with the process in any case. */
	EXPECT_EQ(POLLHUP, poll_now(self->rd, POLLIN));
	close(ready[0]);
}

TEST_F(mb, exec_closes_a_cloexec_writer)
{
	writer_across_exec(_metadata, self, true);
}

TEST_F(mb, exec_keeps_a_writer_without_cloexec)
{
	writer_across_exec(_metadata, self, false);
}

/* Rings */

FIXTURE(ring) {
	char name[64];
	struct mbox_ring_layout l;
	int prod;
};

FIXTURE_SETUP(ring)
{
	snprintf(self->name, sizeof(self->name), "%s", mb_name("fork-ring"));
	self->prod = ring_open(self->name, O_RDWR, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL,
			       0600, 4096, MBOX_RING_PRODUCER, &self->l);
	ASSERT_LE(0, self->prod);
}

FIXTURE_TEARDOWN(ring)
{
	if (self->prod >= 0)
		close(self->prod);
	ring_unlink(self->name);
}

/* Can a new descriptor take the producer role now? 0 or -errno. */
static int try_producer(const char *name)
{
	int fd = ring_open(name, O_RDWR, 0, 0, 0, MBOX_RING_PRODUCER, NULL);

	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

TEST_F(ring, inherited_mapping_keeps_the_role)
{
	int mapped[2], go[2], unmapped[2];
	void *page;
	pid_t pid;

	ASSERT_EQ(0, pipe(mapped));
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(unmapped));
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, self->prod,
		    self->l.prod_off);
	ASSERT_NE(MAP_FAILED, page);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* Only the inherited mapping is left in the child. */
		close(self->prod);
		if (pipe_post(mapped[1]) || pipe_wait(go[0]))
			_exit(1);
		munmap(page, 4096);
		_exit(pipe_post(unmapped[1]) ? 2 : 0);
	}
	ASSERT_EQ(0, pipe_wait(mapped[0]));
	/* The parent lets go of everything: the child's mapping holds on. */
	ASSERT_EQ(0, munmap(page, 4096));
	close(self->prod);
	self->prod = -1;
	EXPECT_EQ(-EBUSY, try_producer(self->name));
	/* Unmapped in the child too: the role is free. */
	ASSERT_EQ(0, pipe_post(go[1]));
	ASSERT_EQ(0, pipe_wait(unmapped[0]));
	EXPECT_EQ(0, try_producer(self->name));
	EXPECT_EQ(0, reap(pid));
}

TEST_F(ring, inherited_mapping_is_dropped_by_exit)
{
	int mapped[2];
	void *page;
	pid_t pid;

	ASSERT_EQ(0, pipe(mapped));
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, self->prod,
		    self->l.prod_off);
	ASSERT_NE(MAP_FAILED, page);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(self->prod);
		pipe_post(mapped[1]);
		pause();	/* until killed */
		_exit(1);
	}
	ASSERT_EQ(0, pipe_wait(mapped[0]));
	ASSERT_EQ(0, munmap(page, 4096));
	close(self->prod);
	self->prod = -1;
	EXPECT_EQ(-EBUSY, try_producer(self->name));
	kill(pid, SIGKILL);
	EXPECT_EQ(-1, reap(pid));
	EXPECT_EQ(0, try_producer(self->name));
}

TEST_F(ring, dontfork_mapping_stays_with_the_parent)
{
	int closed[2], hold[2];
	void *page;
	pid_t pid;

	ASSERT_EQ(0, pipe(closed));
	ASSERT_EQ(0, pipe(hold));
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, self->prod,
		    self->l.prod_off);
	ASSERT_NE(MAP_FAILED, page);
	if (madvise(page, 4096, MADV_DONTFORK)) {
		/* Kernels without CONFIG_ADVISE_SYSCALLS (tinyconfig) lack it. */
		ASSERT_EQ(ENOSYS, errno);
		munmap(page, 4096);
		SKIP(return, "no madvise(): %s", strerror(errno));
	}
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* No mapping came along; without the descriptor, nothing is held. */
		close(self->prod);
		close(hold[1]);
		if (pipe_post(closed[1]))
			_exit(1);
		pipe_wait(hold[0]);
		_exit(0);
	}
	close(hold[0]);
	ASSERT_EQ(0, pipe_wait(closed[0]));
	ASSERT_EQ(0, munmap(page, 4096));
	close(self->prod);
	self->prod = -1;
	EXPECT_EQ(0, try_producer(self->name));
	close(hold[1]);
	EXPECT_EQ(0, reap(pid));
}

/*
 * exec drops every mapping; the descriptor goes with O_CLOEXEC and stays
 * without it, and with it the role.
 */
static void role_across_exec(struct __test_metadata *_metadata,
			     FIXTURE_DATA(ring) *self, bool cloexec)
{
	int ready[2], hold[2];
	void *page;
	pid_t pid;

	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(hold));
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, self->prod,
		    self->l.prod_off);
	ASSERT_NE(MAP_FAILED, page);
	if (!cloexec)
		ASSERT_EQ(0, keep_on_exec(self->prod));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(hold[1]);
		exec_self("FORK_TEST_HOLD", ready[1], hold[0]);
		_exit(127);
	}
	close(hold[0]);
	close(ready[1]);
	ASSERT_EQ(0, munmap(page, 4096));
	close(self->prod);
	self->prod = -1;
	ASSERT_EQ(0, pipe_wait(ready[0]));
	EXPECT_EQ(cloexec ? 0 : -EBUSY, try_producer(self->name));
	close(hold[1]);
	EXPECT_EQ(0, reap(pid));
	EXPECT_EQ(0, try_producer(self->name));
	close(ready[0]);
}

TEST_F(ring, exec_frees_the_role_of_a_cloexec_descriptor)
{
	role_across_exec(_metadata, self, true);
}

TEST_F(ring, exec_keeps_the_role_of_a_descriptor_without_cloexec)
{
	role_across_exec(_metadata, self, false);
}

/* Inboxes */

FIXTURE(inbox) {
	int fd;
};

FIXTURE_SETUP(inbox)
{
	umask(0);
	self->fd = inbox_open(O_RDWR, 0, 0600, 0);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(inbox)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* send(P) through a descriptor bound to nothing: 0 or -errno. */
static int send_to(pid_t pid, const char *msg)
{
	int fd = open("/dev/mbox", O_WRONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = mb_sendx(fd, msg, strlen(msg), MBOX_SEND_TO_PID, 0, pid, 0);
	close(fd);
	return ret;
}

TEST_F(inbox, child_receives_the_parents_messages)
{
	int sent[2], got[2];
	struct mbox_recv r;
	char buf[16];
	pid_t pid;

	ASSERT_EQ(0, pipe(sent));
	ASSERT_EQ(0, pipe(got));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int own;

		if (pipe_wait(sent[0]))
			_exit(1);
		/* The parent's message, through the inherited descriptor. */
		if (mb_recvx(self->fd, buf, sizeof(buf), 0, 0, 0, &r) != 9 ||
		    memcmp(buf, "to parent", 9) || r.pid != (uint32_t)getppid())
			_exit(2);
		/* Opting in here makes the child's own inbox, another one. */
		own = inbox_open(O_RDWR, 0, 0600, 0);
		if (own < 0 || send_to(getpid(), "to child"))
			_exit(3);
		if (mb_recv(self->fd, buf, sizeof(buf), MBOX_RECV_NONBLOCK, 0, NULL) != -EAGAIN ||
		    mb_recv(own, buf, sizeof(buf), 0, 0, NULL) != 8)
			_exit(4);
		_exit(pipe_post(got[1]) ? 5 : 0);
	}
	/* Sent to us, by pid: the child takes it. */
	ASSERT_EQ(0, send_to(getpid(), "to parent"));
	ASSERT_EQ(0, pipe_post(sent[1]));
	ASSERT_EQ(0, pipe_wait(got[0]));
	EXPECT_EQ(0, reap(pid));
	EXPECT_EQ(-EAGAIN, mb_recv(self->fd, buf, sizeof(buf), MBOX_RECV_NONBLOCK, 0, NULL));
}

TEST_F(inbox, inherited_descriptor_keeps_it_open)
{
	int go[2];
	char buf[16];
	pid_t pid;

	/* Our last descriptor closes, the child's copy keeps the inbox. */
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (pipe_wait(go[0]))
			_exit(1);
		_exit(mb_recv(self->fd, buf, sizeof(buf), 0, 0, NULL) == 4 ? 0 : 2);
	}
	close(self->fd);
	self->fd = -1;
	EXPECT_EQ(0, send_to(getpid(), "kept"));
	ASSERT_EQ(0, pipe_post(go[1]));
	EXPECT_EQ(0, reap(pid));
	/* With the child's copy gone, the inbox is gone. */
	EXPECT_EQ(-ESRCH, send_to(getpid(), "gone"));
}

/* A child execs with our inbox descriptor: does the new program read it? */
static void inbox_across_exec(struct __test_metadata *_metadata,
			      FIXTURE_DATA(inbox) *self, bool cloexec)
{
	int report[2], n;
	char buf[16];
	pid_t pid;

	ASSERT_EQ(0, pipe(report));
	ASSERT_EQ(0, send_to(getpid(), "for the parent"));
	if (!cloexec)
		ASSERT_EQ(0, keep_on_exec(self->fd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		exec_self("FORK_TEST_READ", self->fd, report[1]);
		_exit(127);
	}
	close(report[1]);
	EXPECT_EQ(0, reap(pid));
	n = read(report[0], buf, sizeof(buf) - 1);
	ASSERT_LT(0, n);
	buf[n] = '\0';
	if (cloexec) {
		char want[8];

		snprintf(want, sizeof(want), "E%d", EBADF);
		EXPECT_STREQ(want, buf);
		/* Still ours to receive. */
		EXPECT_EQ(14, mb_recv(self->fd, buf, sizeof(buf), 0, 0, NULL));
	} else {
		/* Only the owner's exec ends an inbox, not a holder's. */
		EXPECT_STREQ("for the parent", buf);
	}
	close(report[0]);
}

TEST_F(inbox, exec_closes_a_cloexec_inbox_descriptor)
{
	inbox_across_exec(_metadata, self, true);
}

TEST_F(inbox, exec_keeps_an_inbox_descriptor_without_cloexec)
{
	inbox_across_exec(_metadata, self, false);
}

TEST_HARNESS_MAIN
