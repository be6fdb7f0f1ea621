// SPDX-License-Identifier: GPL-2.0
/*
 * direct_test: direct communication. Opting in to an inbox, send(P) by pid,
 * receive(Q) and receive(ANY), pids read in the caller's pid namespace, the
 * inbox dying with its process, and who may send to it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/mbox.h>

#include "kselftest_harness.h"
#include "common.h"

/* A descriptor bound to nothing, for sending by pid. */
static int unbound(void)
{
	return open("/dev/mbox", O_RDWR | O_CLOEXEC);
}

static int send_to(pid_t pid, const char *msg)
{
	int fd = unbound(), ret;

	if (fd < 0)
		return -errno;
	ret = mb_sendx(fd, msg, strlen(msg), MBOX_SEND_TO_PID, 0, pid, 0);
	close(fd);
	return ret;
}

/* Wait until a byte comes down @fd (a child saying it is ready). */
static int wait_ready(int fd)
{
	char c;

	return read(fd, &c, 1) == 1 ? 0 : -1;
}

FIXTURE(direct) {
	int inbox;
};

FIXTURE_SETUP(direct)
{
	umask(0);
	self->inbox = inbox_open(O_RDWR, 0, 0622, 4);
	ASSERT_LE(0, self->inbox) TH_LOG("inbox: %s", strerror(-self->inbox));
}

FIXTURE_TEARDOWN(direct)
{
	close(self->inbox);
}

TEST_F(direct, opt_in_once)
{
	struct mbox_stat st;
	char buf[16];
	int fd2;

	ASSERT_EQ(0, mb_stat(self->inbox, &st));
	EXPECT_EQ(MBOX_STATE_INBOX, st.state);
	EXPECT_EQ(getpid(), st.pid);
	EXPECT_EQ(4, st.capacity);
	EXPECT_EQ(0622, st.mode);
	EXPECT_EQ(getuid(), st.uid);

	/* Asking again binds to the same inbox; new attributes are ignored. */
	fd2 = inbox_open(O_RDONLY, 0, 0600, 9);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, send_to(getpid(), "to myself"));
	EXPECT_EQ(9, mb_recv(fd2, buf, sizeof(buf), MBOX_RECV_NONBLOCK, 0, NULL));
	ASSERT_EQ(0, mb_stat(fd2, &st));
	EXPECT_EQ(4, st.capacity);
	EXPECT_EQ(2, st.readers);
	close(fd2);
}

TEST_F(direct, opt_in_rules)
{
	struct mbox_open args = { .flags = MBOX_OPEN_INBOX };
	int fd;

	EXPECT_EQ(-EINVAL, inbox_open(O_WRONLY, 0, 0600, 0));
	EXPECT_EQ(-EINVAL, inbox_open(O_RDWR, MBOX_OPEN_CREATE, 0600, 0));
	EXPECT_EQ(-EINVAL, inbox_open(O_RDWR, MBOX_OPEN_EXCL, 0600, 0));
	EXPECT_EQ(-EINVAL, inbox_open(O_RDWR, MBOX_OPEN_UNBOUNDED | MBOX_OPEN_RENDEZVOUS, 0600, 0));
	/* Attributes count only when the inbox is created (mq_open(3))... */
	fd = inbox_open(O_RDWR, 0, 01000, 0);
	EXPECT_LE(0, fd);
	close(fd);
	/* ... as for a process that has none yet. */
	fd = fork();
	ASSERT_LE(0, fd);
	if (fd == 0)
		_exit(inbox_open(O_RDWR, 0, 01000, 0) != -EINVAL);
	EXPECT_EQ(0, reap(fd));
	fd = unbound();
	ASSERT_LE(0, fd);
	args.name = (uintptr_t)"named";
	EXPECT_EQ(-1, ioctl(fd, MBOX_IOC_OPEN, &args));
	EXPECT_EQ(EINVAL, errno);
	args.name = 0;
	args.reserved[0] = 1;
	EXPECT_EQ(-1, ioctl(fd, MBOX_IOC_OPEN, &args));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
	/* A bound descriptor stays bound. */
	args.reserved[0] = 0;
	EXPECT_EQ(-1, ioctl(self->inbox, MBOX_IOC_OPEN, &args));
	EXPECT_EQ(EISCONN, errno);
}

TEST_F(direct, send_by_pid)
{
	const char *name = mb_name("direct-named");
	struct mbox_recv r;
	char buf[32];
	pid_t child;
	int named;

	child = fork();
	ASSERT_LE(0, child);
	if (child == 0)
		_exit(send_to(getppid(), "hello parent") ? 1 : 0);
	EXPECT_EQ(0, reap(child));
	ASSERT_EQ(12, mb_recvx(self->inbox, buf, sizeof(buf), 0, 0, 0, &r));
	EXPECT_EQ(0, memcmp(buf, "hello parent", 12));
	EXPECT_EQ(child, r.pid);
	EXPECT_EQ(getuid(), r.uid);

	/* A descriptor bound to a mailbox sends by pid past it. */
	named = mb_create(name, 0, 0);
	ASSERT_LE(0, named);
	ASSERT_EQ(0, mb_unlink(name));
	ASSERT_EQ(0, mb_sendx(named, "via", 3, MBOX_SEND_TO_PID, 7, getpid(), 0));
	ASSERT_EQ(3, mb_recvx(self->inbox, buf, sizeof(buf), MBOX_RECV_NONBLOCK, 0, 0, &r));
	EXPECT_EQ(7, r.prio);
	EXPECT_EQ(-EAGAIN, mb_recv(named, buf, sizeof(buf), MBOX_RECV_NONBLOCK, 0, NULL));
	close(named);

	/* write() on an inbox descriptor sends to the inbox itself. */
	ASSERT_EQ(4, write(self->inbox, "self", 4));
	EXPECT_EQ(4, read(self->inbox, buf, sizeof(buf)));
}

static pid_t thread_tid;

static void *get_tid(void *arg)
{
	(void)arg;
	thread_tid = syscall(SYS_gettid);
	return NULL;
}

TEST_F(direct, no_such_inbox)
{
	pthread_t th;
	int pipefd[2], fd, rd;
	pid_t child;
	char c;

	/* A process that never opted in. */
	ASSERT_EQ(0, pipe(pipefd));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		close(pipefd[1]);
		_exit(read(pipefd[0], &c, 1) < 0);
	}
	close(pipefd[0]);
	EXPECT_EQ(-ESRCH, send_to(child, "anyone?"));
	close(pipefd[1]);
	EXPECT_EQ(0, reap(child));
	/* A process that is gone. */
	EXPECT_EQ(-ESRCH, send_to(child, "anyone?"));

	/* A thread's id is not a process id. */
	ASSERT_EQ(0, pthread_create(&th, NULL, get_tid, NULL));
	ASSERT_EQ(0, pthread_join(th, NULL));
	ASSERT_NE(getpid(), thread_tid);
	EXPECT_EQ(-ESRCH, send_to(thread_tid, "thread"));

	fd = unbound();
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, mb_sendx(fd, "x", 1, MBOX_SEND_TO_PID, 0, 0, 0));
	EXPECT_EQ(-EINVAL, mb_sendx(fd, "x", 1, MBOX_SEND_TO_PID, 0, 0x7fffffff, 0));
	/* Without TO_PID an unbound descriptor has nowhere to send. */
	EXPECT_EQ(-ENOTCONN, mb_sendx(fd, "x", 1, 0, 0, 0, 0));
	close(fd);
	rd = open("/dev/mbox", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, rd);
	EXPECT_EQ(-EBADF, mb_sendx(rd, "x", 1, MBOX_SEND_TO_PID, 0, getpid(), 0));
	close(rd);
}

TEST_F(direct, receive_from)
{
	struct mbox_stat st;
	struct mbox_recv r;
	char buf[8];
	pid_t a, b, c, d;
	int sent[2];

	a = fork();
	ASSERT_LE(0, a);
	if (a == 0)
		_exit(send_to(getppid(), "a1") || send_to(getppid(), "a2"));
	ASSERT_EQ(0, reap(a));
	b = fork();
	ASSERT_LE(0, b);
	if (b == 0)
		_exit(send_to(getppid(), "b1") || send_to(getppid(), "b2"));
	ASSERT_EQ(0, reap(b));

	/* receive(Q) skips the others; receive(ANY) reports who sent. */
	ASSERT_EQ(2, mb_recvx(self->inbox, buf, 8, MBOX_RECV_FROM, b, 0, &r));
	EXPECT_EQ(0, memcmp(buf, "b1", 2));
	EXPECT_EQ(b, r.pid);
	ASSERT_EQ(2, mb_recvx(self->inbox, buf, 8, 0, 0, 0, &r));
	EXPECT_EQ(0, memcmp(buf, "a1", 2));
	EXPECT_EQ(a, r.pid);
	ASSERT_EQ(2, mb_recvx(self->inbox, buf, 8, MBOX_RECV_FROM, a, 0, &r));
	EXPECT_EQ(0, memcmp(buf, "a2", 2));
	EXPECT_EQ(-EAGAIN, mb_recvx(self->inbox, buf, 8,
				    MBOX_RECV_FROM | MBOX_RECV_NONBLOCK, a, 0, NULL));
	EXPECT_EQ(-ETIMEDOUT, mb_recvx(self->inbox, buf, 8,
				       MBOX_RECV_FROM | MBOX_RECV_TIMEOUT, a, 10000000, NULL));
	ASSERT_EQ(2, mb_recvx(self->inbox, buf, 8, 0, 0, 0, &r));
	EXPECT_EQ(0, memcmp(buf, "b2", 2));

	/*
	 * A blocked receive(Q) lets other senders' messages pass it by: d
	 * sends once we are blocked waiting for c (the inherited inbox
	 * descriptor shows it), then tells c, which sends only then.
	 */
	ASSERT_EQ(0, pipe(sent));
	c = fork();
	ASSERT_LE(0, c);
	if (c == 0) {
		close(sent[1]);
		if (pipe_wait(sent[0]))
			_exit(1);
		_exit(send_to(getppid(), "from c"));
	}
	d = fork();
	ASSERT_LE(0, d);
	if (d == 0) {
		close(sent[0]);
		if (!mb_wait_waiters(self->inbox, 0, 1) || send_to(getppid(), "from d"))
			_exit(1);
		/* Still blocked: d's message did not wake a receive(Q) of c's. */
		if (mb_stat(self->inbox, &st) || st.waiting_receivers != 1 ||
		    st.queued != 1)
			_exit(2);
		_exit(pipe_post(sent[1]) ? 3 : 0);
	}
	close(sent[0]);
	close(sent[1]);
	ASSERT_EQ(6, mb_recvx(self->inbox, buf, 8, MBOX_RECV_FROM, c, 0, &r));
	EXPECT_EQ(0, memcmp(buf, "from c", 6));
	EXPECT_EQ(0, reap(c));
	EXPECT_EQ(0, reap(d));
	ASSERT_EQ(6, mb_recvx(self->inbox, buf, 8, MBOX_RECV_NONBLOCK, 0, 0, &r));
	EXPECT_EQ(d, r.pid);
}

TEST_F(direct, dies_with_process)
{
	int ready[2], owner_inbox;
	struct mbox_stat st;
	pid_t owner, sender;

	/*
	 * The owner opts in (capacity 1), says so, then says when a sender is
	 * blocked on its full inbox, and waits to be killed.
	 */
	ASSERT_EQ(0, pipe(ready));
	owner = fork();
	ASSERT_LE(0, owner);
	if (owner == 0) {
		owner_inbox = inbox_open(O_RDWR, 0, 0622, 1);
		if (owner_inbox < 0 || write(ready[1], "r", 1) != 1)
			_exit(1);
		if (!mb_wait_waiters(owner_inbox, 1, 0) ||
		    write(ready[1], "b", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	ASSERT_EQ(0, wait_ready(ready[0]));
	ASSERT_EQ(0, send_to(owner, "fills it"));
	/* A sender blocks on the full inbox... */
	sender = fork();
	ASSERT_LE(0, sender);
	if (sender == 0)
		_exit(-send_to(owner, "blocked"));
	ASSERT_EQ(0, wait_ready(ready[0]));
	/* ...and learns of the owner's death. */
	kill(owner, SIGKILL);
	EXPECT_EQ(ESRCH, reap(sender));
	EXPECT_EQ(-1, reap(owner));
	EXPECT_EQ(-ESRCH, send_to(owner, "late"));

	/* Our own inbox is untouched. */
	ASSERT_EQ(0, mb_stat(self->inbox, &st));
	EXPECT_EQ(0, st.state & MBOX_STATE_DEAD);
}

TEST_F(direct, inherited_descriptor_outlives_owner)
{
	int report[2], ready[2], reaped[2];
	pid_t owner;
	char result;

	/*
	 * The owner opts in, forks a child that inherits the inbox descriptor,
	 * and exits. The inbox dies even though the child holds the file. The
	 * child looks only once we have reaped the owner: then its exit is
	 * complete.
	 */
	ASSERT_EQ(0, pipe(report));
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(reaped));
	owner = fork();
	ASSERT_LE(0, owner);
	if (owner == 0) {
		int fd = inbox_open(O_RDWR, 0, 0622, 0);
		pid_t me = getpid();

		if (fd < 0 || send_to(me, "queued") || write(ready[1], "r", 1) != 1)
			_exit(1);
		if (fork() == 0) {
			struct pollfd pfd = { .fd = fd, .events = POLLIN };
			struct mbox_stat st;
			char buf[8];
			int ok = 1;

			close(ready[1]);
			close(reaped[1]);
			if (pipe_wait(reaped[0]))
				_exit(1);
			ok &= mb_recv(fd, buf, sizeof(buf), 0, 0, NULL) == -EPIPE;
			ok &= poll(&pfd, 1, 0) == 1 &&
			      pfd.revents == (POLLHUP | POLLERR);
			ok &= !mb_stat(fd, &st) &&
			      st.state == (MBOX_STATE_INBOX | MBOX_STATE_DEAD) &&
			      st.queued == 0;
			ok &= send_to(me, "to the dead") == -ESRCH;
			result = ok ? 'y' : 'n';
			_exit(write(report[1], &result, 1) != 1);
		}
		_exit(0);
	}
	ASSERT_EQ(0, wait_ready(ready[0]));
	EXPECT_EQ(0, reap(owner));
	ASSERT_EQ(0, pipe_post(reaped[1]));
	close(report[1]);
	ASSERT_EQ(1, read(report[0], &result, 1));
	EXPECT_EQ('y', result);
}

TEST_F(direct, closing_last_descriptor_opts_out)
{
	struct mbox_stat st;
	char buf[8];
	pid_t sender;

	ASSERT_EQ(0, send_to(getpid(), "1"));
	ASSERT_EQ(0, send_to(getpid(), "2"));
	ASSERT_EQ(0, send_to(getpid(), "3"));
	ASSERT_EQ(0, send_to(getpid(), "4"));
	sender = fork();
	ASSERT_LE(0, sender);
	if (sender == 0) {
		close(self->inbox);	/* ours must be the last */
		_exit(-send_to(getppid(), "5"));
	}
	ASSERT_TRUE(mb_wait_waiters(self->inbox, 1, 0));
	close(self->inbox);
	EXPECT_EQ(ESRCH, reap(sender));
	EXPECT_EQ(-ESRCH, send_to(getpid(), "gone"));

	/* Opting in again gives a new, empty inbox. */
	self->inbox = inbox_open(O_RDWR, 0, 0622, 0);
	ASSERT_LE(0, self->inbox);
	ASSERT_EQ(0, mb_stat(self->inbox, &st));
	EXPECT_EQ(0, st.queued);
	EXPECT_EQ(0, st.sent);
	ASSERT_EQ(0, send_to(getpid(), "new"));
	EXPECT_EQ(3, mb_recv(self->inbox, buf, sizeof(buf), 0, 0, NULL));
}

TEST_F(direct, dies_on_exec)
{
	int ready[2], go[2], report[2], hold[2];
	pid_t owner, holder;
	char c, cmd[64];

	/*
	 * The owner opts in, queues a message to itself, leaves its inbox
	 * descriptor with a child, and execs a shell. The inbox dies with the
	 * old program: the child sees the hang-up, not the message, before
	 * anyone sends again, and a send by pid finds no inbox.
	 */
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(report));
	ASSERT_EQ(0, pipe(hold));
	owner = fork();
	ASSERT_LE(0, owner);
	if (owner == 0) {
		int fd = inbox_open(O_RDWR, 0, 0622, 0);

		if (fd < 0 || send_to(getpid(), "old") != 0)
			_exit(1);
		holder = fork();
		if (holder == 0) {
			char buf[8];

			close(ready[1]);
			if (read(go[0], &c, 1) != 1)
				_exit(1);
			c = mb_recv(fd, buf, sizeof(buf), MBOX_RECV_NONBLOCK, 0, NULL) == -EPIPE ?
			    'y' : 'n';
			_exit(write(report[1], &c, 1) != 1);
		}
		close(ready[0]);
		close(hold[1]);
		/* Once the shell runs, the exec is complete; then it waits. */
		snprintf(cmd, sizeof(cmd), "echo >&%d; exec cat <&%d", ready[1],
			 hold[0]);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(2);
	}
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	ASSERT_EQ(1, write(go[1], "g", 1));
	ASSERT_EQ(1, read(report[0], &c, 1));
	EXPECT_EQ('y', c);
	EXPECT_EQ(-ESRCH, send_to(owner, "to the new program"));
	kill(owner, SIGKILL);
	EXPECT_EQ(-1, reap(owner));
	close(hold[0]);
	close(hold[1]);
}

static void *unshare_and_exit(void *arg)
{
	(void)arg;
	/* A thread with a file table of its own, which it drops as it exits. */
	return (void *)(long)unshare(CLONE_FILES);
}

TEST_F(direct, survives_a_thread_exit)
{
	pthread_t th;
	void *ret;
	char buf[8];

	ASSERT_EQ(0, pthread_create(&th, NULL, unshare_and_exit, NULL));
	ASSERT_EQ(0, pthread_join(th, &ret));
	ASSERT_EQ(NULL, ret);
	EXPECT_EQ(0, send_to(getpid(), "alive"));
	EXPECT_EQ(5, mb_recv(self->inbox, buf, sizeof(buf), MBOX_RECV_NONBLOCK, 0, NULL));
}

static int send_to_parent_as(uid_t uid, pid_t parent)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		if (become_user(uid, uid))
			_exit(99);
		_exit(-send_to(parent, "from a user"));
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

TEST_F(direct, who_may_send)
{
	struct mbox_recv r;
	char buf[16];
	int fd;

	/* 0622: anyone may send. */
	EXPECT_EQ(0, send_to_parent_as(1001, getpid()));
	ASSERT_EQ(11, mb_recvx(self->inbox, buf, sizeof(buf), 0, 0, 0, &r));
	EXPECT_EQ(1001, r.uid);
	EXPECT_EQ(1001, r.gid);

	/* 0600: only the owner, and CAP_IPC_OWNER. */
	close(self->inbox);
	self->inbox = -1;
	fd = inbox_open(O_RDWR, 0, 0600, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(EACCES, send_to_parent_as(1001, getpid()));
	EXPECT_EQ(0, send_to(getpid(), "root may"));
	self->inbox = fd;
}

TEST_F(direct, pid_namespaces)
{
	pid_t child, outer = getpid();
	int status;

	/*
	 * In a new pid namespace the child is pid 1. It cannot name us (we
	 * are not visible there), but it names its own child, pid 2.
	 */
	if (unshare(CLONE_NEWPID))
		SKIP(return, "no pid namespaces: %s", strerror(errno));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		struct mbox_recv r;
		char buf[8];
		pid_t grandchild;
		int fd, ok = 1;

		if (getpid() != 1)
			_exit(10);
		fd = inbox_open(O_RDWR, 0, 0622, 0);
		if (fd < 0)
			_exit(11);
		grandchild = fork();
		if (grandchild == 0)
			_exit(send_to(1, "to one"));
		ok &= grandchild == 2;
		ok &= reap(grandchild) == 0;
		ok &= mb_recvx(fd, buf, sizeof(buf), MBOX_RECV_FROM, 2, 0, &r) == 6;
		ok &= r.pid == 2;
		/* Our parent's pid means nothing here. */
		ok &= send_to(outer, "x") == -ESRCH;
		_exit(ok ? 0 : 12);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
