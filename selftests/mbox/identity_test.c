// SPDX-License-Identifier: GPL-2.0
/*
 * identity_test: every message carries its sender's pid, effective uid and
 * effective gid, recorded by the kernel and seen in the receiver's
 * namespaces; a sender cannot forge them.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/mbox.h>

#include "kselftest_harness.h"
#include "common.h"

#define OVERFLOW_ID 65534

FIXTURE(id) {
	int fd;
	const char *name;
};

FIXTURE_SETUP(id)
{
	self->name = mb_name("identity");
	umask(0);
	self->fd = mb_open(self->name, O_RDWR, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL,
			   0666, 0, 0);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(id)
{
	close(self->fd);
	mb_unlink(self->name);
}

TEST_F(id, every_message_says_who_sent_it)
{
	struct mbox_recv r;
	char buf[8];
	pid_t child;

	ASSERT_EQ(0, mb_send(self->fd, "me", 2, 0, 0));
	ASSERT_EQ(2, mb_recvx(self->fd, buf, sizeof(buf), 0, 0, 0, &r));
	EXPECT_EQ(getpid(), r.pid);
	EXPECT_EQ(geteuid(), r.uid);
	EXPECT_EQ(getegid(), r.gid);

	/* Another user, opening the mailbox itself. */
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		int fd;

		if (become_user(1001, 1002))
			_exit(99);
		fd = mb_open(self->name, O_WRONLY, 0, 0, 0, 0);
		_exit(fd < 0 || mb_send(fd, "them", 4, 0, 0));
	}
	EXPECT_EQ(0, reap(child));
	ASSERT_EQ(4, mb_recvx(self->fd, buf, sizeof(buf), 0, 0, 0, &r));
	EXPECT_EQ(child, r.pid);
	EXPECT_EQ(1001, r.uid);
	EXPECT_EQ(1002, r.gid);
}

TEST_F(id, effective_ids_at_send_time)
{
	struct mbox_recv r;
	char buf[8];
	pid_t child;

	/*
	 * The descriptor was opened by root and inherited; what counts is who
	 * sends through it, with which effective ids, at that moment.
	 */
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		if (setgroups(0, NULL) || setresgid(2001, 2002, 2001) ||
		    setresuid(1001, 1002, 1001))
			_exit(99);
		if (mb_send(self->fd, "eff", 3, 0, 0))
			_exit(1);
		/* Switch the effective uid back to the real one, and send again. */
		if (setresuid(-1, 1001, -1))
			_exit(98);
		_exit(mb_send(self->fd, "real", 4, 0, 0) ? 2 : 0);
	}
	EXPECT_EQ(0, reap(child));
	ASSERT_EQ(3, mb_recvx(self->fd, buf, sizeof(buf), 0, 0, 0, &r));
	EXPECT_EQ(1002, r.uid);
	EXPECT_EQ(2002, r.gid);
	EXPECT_EQ(child, r.pid);
	ASSERT_EQ(4, mb_recvx(self->fd, buf, sizeof(buf), 0, 0, 0, &r));
	EXPECT_EQ(1001, r.uid);
}

TEST_F(id, cannot_be_forged)
{
	struct mbox_send s = { .buf = (uintptr_t)"x", .len = 1 };
	struct mbox_recv r;
	char buf[8];

	/* There is nowhere to put an identity: pid is only a destination... */
	s.pid = 1;
	EXPECT_EQ(-1, ioctl(self->fd, MBOX_IOC_SEND, &s));
	EXPECT_EQ(EINVAL, errno);
	s.pid = 0;
	/* ...and the reserved fields must stay 0. */
	s.reserved[0] = 0x1000;
	EXPECT_EQ(-1, ioctl(self->fd, MBOX_IOC_SEND, &s));
	EXPECT_EQ(EINVAL, errno);
	s.reserved[0] = 0;
	ASSERT_EQ(0, ioctl(self->fd, MBOX_IOC_SEND, &s));

	/* A receiver's input in the out fields changes nothing. */
	memset(&r, 0, sizeof(r));
	r.buf = (uintptr_t)buf;
	r.len = sizeof(buf);
	r.uid = r.gid = 4242;
	ASSERT_EQ(1, ioctl(self->fd, MBOX_IOC_RECV, &r));
	EXPECT_EQ(getpid(), r.pid);
	EXPECT_EQ(0, r.uid);
	EXPECT_EQ(0, r.gid);
}

TEST_F(id, pid_namespaces)
{
	pid_t child, outer = getpid();
	struct mbox_recv r;
	char buf[8];
	int status;

	if (unshare(CLONE_NEWPID))
		SKIP(return, "no pid namespaces: %s", strerror(errno));
	ASSERT_EQ(0, mb_send(self->fd, "outside", 7, 0, 0));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		/* From inside, our sender is not visible: pid 0. */
		if (mb_recvx(self->fd, buf, sizeof(buf), 0, 0, 0, &r) != 7 ||
		    r.pid != 0)
			_exit(1);
		/* receive(Q) with the outer pid matches nothing in here. */
		if (mb_send(self->fd, "inside", 6, 0, 0) ||
		    mb_recvx(self->fd, buf, sizeof(buf),
			     MBOX_RECV_FROM | MBOX_RECV_NONBLOCK, outer, 0,
			     NULL) != -EAGAIN)
			_exit(2);
		_exit(0);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* From outside, the child has its outer pid. */
	ASSERT_EQ(6, mb_recvx(self->fd, buf, sizeof(buf), MBOX_RECV_FROM, child, 0, &r));
	EXPECT_EQ(child, r.pid);
}

TEST_F(id, user_namespaces)
{
	pid_t child;
	int status;

	ASSERT_EQ(0, mb_send(self->fd, "root", 4, 0, 0));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		struct mbox_recv r;
		char buf[8];

		/* A new user namespace with no mapping: uid 0 is not in it. */
		if (unshare(CLONE_NEWUSER))
			_exit(4);
		if (mb_recvx(self->fd, buf, sizeof(buf), 0, 0, 0, &r) != 4)
			_exit(1);
		_exit(r.uid == OVERFLOW_ID && r.gid == OVERFLOW_ID ? 0 : 2);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	if (WEXITSTATUS(status) == 4)
		SKIP(return, "no user namespaces");
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
