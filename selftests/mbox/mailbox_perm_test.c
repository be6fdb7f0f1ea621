// SPDX-License-Identifier: GPL-2.0
/*
 * mailbox_perm_test: owner, group and mode, checked when a descriptor binds;
 * CAP_IPC_OWNER; who may unlink; the per-user quotas and the exemption of
 * CAP_SYS_RESOURCE. Each case runs in a child that has become an
 * unprivileged uid and gid.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/mbox.h>

#include "kselftest_harness.h"
#include "common.h"

#define ALICE 1001
#define BOB 1002	/* in ALICE's group */
#define CAROL 1003	/* in no group of theirs */
#define STAFF 1000

/* Run @fn(@arg) in a child as @uid/@gid; the child's exit status. */
static int as_user(uid_t uid, gid_t gid, int (*fn)(const char *), const char *arg)
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		umask(0);
		if (become_user(uid, gid))
			_exit(99);
		_exit(fn(arg));
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* Exit statuses: an errno, or 0 for success. */
static int open_rd(const char *name)
{
	int fd = mb_open(name, O_RDONLY, 0, 0, 0, 0);

	return fd < 0 ? -fd : 0;
}

static int open_wr(const char *name)
{
	int fd = mb_open(name, O_WRONLY, 0, 0, 0, 0);

	return fd < 0 ? -fd : 0;
}

static int open_rdwr(const char *name)
{
	int fd = mb_open(name, O_RDWR, 0, 0, 0, 0);

	return fd < 0 ? -fd : 0;
}

static int do_unlink(const char *name)
{
	return -mb_unlink(name);
}

/* "NAME MODE": create NAME with MODE (octal). */
static int create_mode(const char *arg)
{
	char name[MBOX_NAME_MAX + 1];
	unsigned int mode;
	int fd;

	if (sscanf(arg, "%255s %o", name, &mode) != 2)
		return 98;
	fd = mb_open(name, O_RDWR, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL, mode, 0, 0);
	return fd < 0 ? -fd : 0;
}

FIXTURE(perm) {
	char name[MBOX_NAME_MAX + 1];
	char arg[MBOX_NAME_MAX + 16];
};

FIXTURE_SETUP(perm)
{
	strcpy(self->name, mb_name("perm"));
}

FIXTURE_TEARDOWN(perm)
{
	mb_unlink(self->name);
}

/* Create self->name as ALICE:STAFF with @mode. */
static int alice_creates(struct _test_data_perm *self, unsigned int mode)
{
	snprintf(self->arg, sizeof(self->arg), "%s %o", self->name, mode);
	return as_user(ALICE, STAFF, create_mode, self->arg);
}

TEST_F(perm, owner_group_other)
{
	struct mbox_stat st;
	int fd;

	ASSERT_EQ(0, alice_creates(self, 0640));
	fd = mb_open(self->name, O_RDONLY, 0, 0, 0, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mb_stat(fd, &st));
	EXPECT_EQ(ALICE, st.uid);
	EXPECT_EQ(STAFF, st.gid);
	EXPECT_EQ(0640, st.mode);
	close(fd);

	EXPECT_EQ(0, as_user(ALICE, STAFF, open_rdwr, self->name));
	EXPECT_EQ(0, as_user(BOB, STAFF, open_rd, self->name));
	EXPECT_EQ(EACCES, as_user(BOB, STAFF, open_wr, self->name));
	EXPECT_EQ(EACCES, as_user(BOB, STAFF, open_rdwr, self->name));
	EXPECT_EQ(EACCES, as_user(CAROL, CAROL, open_rd, self->name));
	EXPECT_EQ(EACCES, as_user(CAROL, CAROL, open_wr, self->name));
}

TEST_F(perm, each_bit_counts)
{
	ASSERT_EQ(0, alice_creates(self, 0426));
	/* Owner: r-- only, even for the owner. */
	EXPECT_EQ(0, as_user(ALICE, STAFF, open_rd, self->name));
	EXPECT_EQ(EACCES, as_user(ALICE, STAFF, open_wr, self->name));
	/* Group: -w- */
	EXPECT_EQ(EACCES, as_user(BOB, STAFF, open_rd, self->name));
	EXPECT_EQ(0, as_user(BOB, STAFF, open_wr, self->name));
	/* Other: rw- */
	EXPECT_EQ(0, as_user(CAROL, CAROL, open_rdwr, self->name));
}

TEST_F(perm, creator_gets_what_it_asked_for)
{
	/* Mode 0 keeps everyone out, except the call that creates it. */
	ASSERT_EQ(0, alice_creates(self, 0));
	EXPECT_EQ(EACCES, as_user(ALICE, STAFF, open_rd, self->name));
	EXPECT_EQ(EACCES, as_user(BOB, STAFF, open_rd, self->name));
}

TEST_F(perm, supplementary_groups)
{
	gid_t staff = STAFF;
	int status;
	pid_t pid;

	ASSERT_EQ(0, alice_creates(self, 0640));
	EXPECT_EQ(EACCES, as_user(CAROL, CAROL, open_rd, self->name));
	/* CAROL again, with STAFF as a supplementary group: group access. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (setgroups(1, &staff) || setresgid(CAROL, CAROL, CAROL) ||
		    setresuid(CAROL, CAROL, CAROL))
			_exit(99);
		_exit(open_rd(self->name));
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* Still not the write access only the owner has. */
	EXPECT_EQ(EACCES, as_user(CAROL, CAROL, open_wr, self->name));
}

/* Keep only CAP_IPC_OWNER across the switch to CAROL. */
static int open_with_ipc_owner(const char *name)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = { 0 };

	if (prctl(PR_SET_KEEPCAPS, 1) || setgroups(0, NULL) ||
	    setresgid(CAROL, CAROL, CAROL) || setresuid(CAROL, CAROL, CAROL))
		return 97;
	data[0].effective = data[0].permitted = 1U << CAP_IPC_OWNER;
	if (syscall(SYS_capset, &hdr, data))
		return 96;
	return open_rdwr(name);
}

TEST_F(perm, cap_ipc_owner_overrides)
{
	int status;
	pid_t pid;

	ASSERT_EQ(0, alice_creates(self, 0600));
	EXPECT_EQ(EACCES, as_user(CAROL, CAROL, open_rdwr, self->name));
	/* Root has it. */
	EXPECT_EQ(0, open_rdwr(self->name));
	/* So does CAROL, given just that capability. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(open_with_ipc_owner(self->name));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(perm, who_may_unlink)
{
	ASSERT_EQ(0, alice_creates(self, 0666));
	/* Full access to the mailbox is not ownership. */
	EXPECT_EQ(EPERM, as_user(BOB, STAFF, do_unlink, self->name));
	EXPECT_EQ(EPERM, as_user(CAROL, CAROL, do_unlink, self->name));
	EXPECT_EQ(0, as_user(ALICE, STAFF, do_unlink, self->name));
	EXPECT_EQ(ENOENT, as_user(ALICE, STAFF, do_unlink, self->name));

	/* Root unlinks anything (CAP_IPC_OWNER). */
	ASSERT_EQ(0, alice_creates(self, 0600));
	EXPECT_EQ(0, mb_unlink(self->name));
}

/* The quotas: module parameters lowered for the test, restored after. */
FIXTURE(quota) {
	long long mailboxes_max, bytes_max;
	char prefix[64];
};

FIXTURE_SETUP(quota)
{
	self->mailboxes_max = param_read("user_objects_max");
	self->bytes_max = param_read("user_bytes_max");
	ASSERT_LT(0, self->mailboxes_max);
	ASSERT_LT(0, self->bytes_max);
	snprintf(self->prefix, sizeof(self->prefix), "quota-%d", getpid());
}

FIXTURE_TEARDOWN(quota)
{
	char name[MBOX_NAME_MAX + 1];
	int i;

	param_write("user_objects_max", self->mailboxes_max);
	param_write("user_bytes_max", self->bytes_max);
	for (i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "%s-%d", self->prefix, i);
		mb_unlink(name);
	}
}

/* As ALICE: the mailbox-count quota of 3. */
static int mailbox_quota(const char *prefix)
{
	char name[MBOX_NAME_MAX + 1];
	int fds[4], i, fd;

	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "%s-%d", prefix, i);
		fds[i] = mb_create(name, 0, 0);
		if (fds[i] < 0)
			return 10 + i;
	}
	snprintf(name, sizeof(name), "%s-%d", prefix, 3);
	fd = mb_create(name, 0, 0);
	if (fd != -ENOSPC)
		return 20;
	/* Unlinked but still open: it still counts. */
	snprintf(name, sizeof(name), "%s-%d", prefix, 0);
	if (mb_unlink(name))
		return 21;
	snprintf(name, sizeof(name), "%s-%d", prefix, 3);
	if (mb_create(name, 0, 0) != -ENOSPC)
		return 22;
	/* Closed as well: the slot is free. */
	close(fds[0]);
	fd = mb_create(name, 0, 0);
	if (fd < 0)
		return 23;
	/* Opening someone's existing mailbox costs nothing. */
	snprintf(name, sizeof(name), "%s-%d", prefix, 1);
	fd = mb_open(name, O_RDWR, MBOX_OPEN_CREATE, 0600, 0, 0);
	if (fd < 0)
		return 24;
	return 0;
}

TEST_F(quota, mailboxes)
{
	char name[MBOX_NAME_MAX + 1];
	int fds[5], i;

	ASSERT_EQ(0, param_write("user_objects_max", 3));
	EXPECT_EQ(0, as_user(ALICE, STAFF, mailbox_quota, self->prefix));

	/* Another user has a quota of their own. */
	snprintf(name, sizeof(name), "%s-%d", self->prefix, 4);
	EXPECT_EQ(0, as_user(BOB, STAFF, create_mode, strcat(name, " 600")));

	/* CAP_SYS_RESOURCE is exempt: root goes past 3. */
	for (i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "%s-root-%d", self->prefix, i);
		fds[i] = mb_create(name, 0, 0);
		EXPECT_LE(0, fds[i]) TH_LOG("root mailbox %d", i);
		mb_unlink(name);
		close(fds[i]);
	}
}

static uint32_t overhead(void)
{
	struct mbox_info info = { 0 };
	int fd = open("/dev/mbox", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || ioctl(fd, MBOX_IOC_INFO, &info))
		return 0;
	close(fd);
	return info.msg_overhead;
}

/* As ALICE: a byte quota of exactly four 100-byte messages. */
static int byte_quota(const char *prefix)
{
	char name[MBOX_NAME_MAX + 1], buf[100] = { 0 };
	int fd, fd2, i, n;

	snprintf(name, sizeof(name), "%s-%d", prefix, 5);
	fd = mb_create(name, 16, 100);
	if (fd < 0)
		return 10;
	for (i = 0; i < 4; i++)
		if (mb_send(fd, buf, 100, 0, 0))
			return 11 + i;
	/* Over quota is an error of its own, not EAGAIN; nothing is queued. */
	if (mb_send(fd, buf, 100, 0, 0) != -EDQUOT)
		return 20;
	if (write(fd, buf, 100) != -1 || errno != EDQUOT)
		return 21;
	/* A smaller message does not fit either: the overhead counts. */
	if (mb_send(fd, buf, 0, 0, 0) != -EDQUOT)
		return 22;
	/* Receiving gives the bytes back. */
	if (mb_recv(fd, buf, sizeof(buf), 0, 0, NULL) != 100)
		return 23;
	if (mb_send(fd, buf, 100, 0, 0))
		return 24;

	/* The quota is per user across mailboxes; unbounded is bounded by it. */
	snprintf(name, sizeof(name), "%s-%d", prefix, 6);
	fd2 = mb_open(name, O_RDWR, MBOX_OPEN_CREATE | MBOX_OPEN_UNBOUNDED, 0600, 0, 0);
	if (fd2 < 0)
		return 25;
	if (mb_send(fd2, buf, 1, 0, 0) != -EDQUOT)
		return 26;
	/* Freeing a mailbox frees what was queued in it. */
	snprintf(name, sizeof(name), "%s-%d", prefix, 5);
	if (mb_unlink(name))
		return 27;
	close(fd);
	for (n = 0; mb_send(fd2, buf, 100, 0, 0) == 0; n++)
		if (n > 100)
			return 28;
	if (n != 4)
		return 29;
	return 0;
}

/*
 * As ALICE, with a byte quota of one 100-byte message: the mailbox's own
 * errors come before the quota's, and before a bad buffer's, whichever
 * path a send takes (a blocking or a non-blocking one; ioctl or write()).
 */
static int quota_comes_last(const char *prefix)
{
	char name[MBOX_NAME_MAX + 1], buf[100] = { 0 };
	char *bad = fault_area(0, 100);
	int full, other, deserted;

	snprintf(name, sizeof(name), "%s-%d", prefix, 8);
	full = mb_create(name, 1, 100);
	snprintf(name, sizeof(name), "%s-%d", prefix, 9);
	other = mb_create(name, 16, 100);
	deserted = mb_open(name, O_WRONLY, 0, 0, 0, 0);
	if (!bad || full < 0 || other < 0 || deserted < 0)
		return 10;
	/* The errors are what is checked here, not write(2)'s SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	if (mb_send(full, buf, 100, 0, 0))
		return 11;
	/* The quota is spent. */
	if (mb_send(other, buf, 100, MBOX_SEND_NONBLOCK, 0) != -EDQUOT ||
	    mb_send(other, buf, 100, 0, 0) != -EDQUOT)
		return 12;
	/* Full, and the send may not wait: EAGAIN, not EDQUOT. */
	if (mb_send(full, buf, 100, MBOX_SEND_NONBLOCK, 0) != -EAGAIN)
		return 13;
	if (fcntl(full, F_SETFL, O_NONBLOCK) ||
	    write(full, buf, 100) != -1 || errno != EAGAIN)
		return 14;
	/* Nobody can ever receive: EPIPE, not EDQUOT, not EFAULT. */
	if (mb_unlink(name))
		return 15;
	close(other);
	if (mb_send(deserted, buf, 100, 0, 0) != -EPIPE ||
	    mb_send(deserted, buf, 100, MBOX_SEND_NONBLOCK, 0) != -EPIPE ||
	    write(deserted, buf, 100) != -1 || errno != EPIPE)
		return 16;
	if (mb_recv(full, buf, sizeof(buf), 0, 0, NULL) != 100)
		return 17;
	if (mb_send(deserted, bad, 100, 0, 0) != -EPIPE ||
	    write(deserted, bad, 100) != -1 || errno != EPIPE)
		return 18;
	close(deserted);
	snprintf(name, sizeof(name), "%s-%d", prefix, 8);
	mb_unlink(name);
	close(full);
	return 0;
}

TEST_F(quota, mailbox_errors_before_quota)
{
	uint32_t per_msg = msg_cost(100, overhead());

	ASSERT_LT(0, overhead());
	ASSERT_EQ(0, param_write("user_bytes_max",
				 per_msg + slab_class(overhead()) / 2));
	EXPECT_EQ(0, as_user(ALICE, STAFF, quota_comes_last, self->prefix));
}

TEST_F(quota, bytes)
{
	/* A message counts its header and what the allocator rounds up. */
	uint32_t per_msg = msg_cost(100, overhead());
	char name[MBOX_NAME_MAX + 1], buf[100] = { 0 };
	int fd;

	ASSERT_LT(0, overhead());
	/* Room for four messages, and less than an empty one's cost. */
	ASSERT_EQ(0, param_write("user_bytes_max",
				 4 * per_msg + slab_class(overhead()) / 2));
	EXPECT_EQ(0, as_user(ALICE, STAFF, byte_quota, self->prefix));

	/* Root (CAP_SYS_RESOURCE) is exempt. */
	snprintf(name, sizeof(name), "%s-%d", self->prefix, 7);
	fd = mb_create(name, 16, 100);
	ASSERT_LE(0, fd);
	for (int i = 0; i < 10; i++)
		EXPECT_EQ(0, mb_send(fd, buf, 100, 0, 0));
	close(fd);
}

TEST_HARNESS_MAIN
