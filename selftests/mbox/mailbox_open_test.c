// SPDX-License-Identifier: GPL-2.0
/*
 * mailbox_open_test: binding a descriptor to a mailbox. Names, create, open
 * and exclusive create, the attributes fixed at creation, unlink, stat and
 * list, and the errors of each.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/mbox.h>

#include "kselftest_harness.h"
#include "common.h"

static int open_args(int fd, struct mbox_open *args)
{
	return ioctl(fd, MBOX_IOC_OPEN, args) ? -errno : 0;
}

FIXTURE(dev) {
	int fd;
	char name[MBOX_NAME_MAX + 1];
};

FIXTURE_SETUP(dev)
{
	self->fd = open("/dev/mbox", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	strcpy(self->name, mb_name("open"));
	umask(0);
}

FIXTURE_TEARDOWN(dev)
{
	close(self->fd);
	mb_unlink(self->name);
}

TEST_F(dev, create_open_excl)
{
	int fd2, fd3;

	/* Neither there nor asked to create. */
	EXPECT_EQ(-ENOENT, mb_open(self->name, O_RDWR, 0, 0, 0, 0));

	fd2 = mb_open(self->name, O_RDWR, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL,
		      0600, 0, 0);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(-EEXIST, mb_open(self->name, O_RDWR,
				   MBOX_OPEN_CREATE | MBOX_OPEN_EXCL, 0600, 0, 0));
	/* CREATE without EXCL opens what is there, ignoring the attributes. */
	fd3 = mb_open(self->name, O_RDWR, MBOX_OPEN_CREATE, 0644, 3, 17);
	ASSERT_LE(0, fd3);
	close(fd3);
	fd3 = mb_open(self->name, O_RDWR, 0, 0, 0, 0);
	ASSERT_LE(0, fd3);

	/* Both descriptors reach the same mailbox. */
	ASSERT_EQ(0, mb_send(fd2, "x", 1, 0, 0));
	EXPECT_EQ(1, mb_recv(fd3, (char[8]){ 0 }, 8, 0, 0, NULL));
	close(fd2);
	close(fd3);
}

TEST_F(dev, attributes)
{
	struct mbox_info info = { 0 };
	struct mbox_stat st;
	int fd;

	ASSERT_EQ(0, ioctl(self->fd, MBOX_IOC_INFO, &info));
	EXPECT_NE(0, info.features & MBOX_FEAT_MAILBOX);

	fd = mb_open(self->name, O_RDWR, MBOX_OPEN_CREATE, 0640, 5, 100);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mb_stat(fd, &st));
	EXPECT_EQ(5, st.capacity);
	EXPECT_EQ(100, st.msg_size);
	EXPECT_EQ(0640, st.mode);
	EXPECT_EQ(getuid(), st.uid);
	EXPECT_EQ(getgid(), st.gid);
	EXPECT_EQ(0, st.open_flags);
	EXPECT_EQ(0, st.state);
	EXPECT_EQ(1, st.readers);
	EXPECT_EQ(1, st.writers);
	close(fd);
	ASSERT_EQ(0, mb_unlink(self->name));

	/* Zeroes take the module defaults. */
	fd = mb_create(self->name, 0, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mb_stat(fd, &st));
	EXPECT_EQ(info.capacity_default, st.capacity);
	EXPECT_EQ(info.msg_size_default, st.msg_size);
	close(fd);
	ASSERT_EQ(0, mb_unlink(self->name));

	/* The limits themselves are allowed. */
	fd = mb_create(self->name, info.capacity_max, info.msg_size_max);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mb_stat(fd, &st));
	EXPECT_EQ(info.capacity_max, st.capacity);
	EXPECT_EQ(info.msg_size_max, st.msg_size);
	close(fd);
	ASSERT_EQ(0, mb_unlink(self->name));

	fd = mb_open(self->name, O_RDWR, MBOX_OPEN_CREATE | MBOX_OPEN_UNBOUNDED,
		     0600, 0, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mb_stat(fd, &st));
	EXPECT_EQ(MBOX_OPEN_UNBOUNDED, st.open_flags);
	EXPECT_EQ(0, st.capacity);
	close(fd);
}

TEST_F(dev, umask_applies)
{
	struct mbox_stat st;
	int fd;

	umask(027);
	fd = mb_open(self->name, O_RDWR, MBOX_OPEN_CREATE, 0777, 0, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mb_stat(fd, &st));
	EXPECT_EQ(0750, st.mode);
	close(fd);
}

TEST_F(dev, bad_attributes)
{
	struct mbox_info info = { 0 };
	const char *n = self->name;

	ASSERT_EQ(0, ioctl(self->fd, MBOX_IOC_INFO, &info));
	EXPECT_EQ(-EINVAL, mb_open(n, O_RDWR, MBOX_OPEN_CREATE, 01000, 0, 0));
	EXPECT_EQ(-EINVAL, mb_open(n, O_RDWR, MBOX_OPEN_CREATE, 0600,
				   info.capacity_max + 1, 0));
	EXPECT_EQ(-EINVAL, mb_open(n, O_RDWR, MBOX_OPEN_CREATE, 0600, 0,
				   info.msg_size_max + 1));
	EXPECT_EQ(-EINVAL, mb_open(n, O_RDWR,
				   MBOX_OPEN_CREATE | MBOX_OPEN_UNBOUNDED, 0600, 4, 0));
	/* EXCL means nothing without CREATE. */
	EXPECT_EQ(-EINVAL, mb_open(n, O_RDWR, MBOX_OPEN_EXCL, 0600, 0, 0));
	/* Nothing got created on the way. */
	EXPECT_EQ(-ENOENT, mb_open(n, O_RDWR, 0, 0, 0, 0));
}

TEST_F(dev, unknown_flags_and_reserved)
{
	struct mbox_open args;
	unsigned int bit, i;

	for (bit = 5; bit < 32; bit++) {
		memset(&args, 0, sizeof(args));
		args.name = (uintptr_t)self->name;
		args.flags = MBOX_OPEN_CREATE | (1U << bit);
		EXPECT_EQ(-EINVAL, open_args(self->fd, &args)) TH_LOG("bit %u", bit);
	}
	for (i = 0; i < 2; i++) {
		memset(&args, 0, sizeof(args));
		args.name = (uintptr_t)self->name;
		args.flags = MBOX_OPEN_CREATE;
		args.reserved[i] = 1;
		EXPECT_EQ(-EINVAL, open_args(self->fd, &args)) TH_LOG("reserved[%u]", i);
	}
	EXPECT_EQ(-ENOENT, mb_open(self->name, O_RDWR, 0, 0, 0, 0));
}

TEST_F(dev, names)
{
	char longest[MBOX_NAME_MAX + 2];
	const char *bad[] = { "", "a/b", "/", "tab\there", "nl\n", "del\x7f",
			      "high\xc3\xa9" };
	struct mbox_open args = { .flags = MBOX_OPEN_CREATE };
	unsigned int i;
	int fd;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		args.name = (uintptr_t)bad[i];
		EXPECT_EQ(-EINVAL, open_args(self->fd, &args)) TH_LOG("name %u", i);
	}

	memset(longest, 'n', MBOX_NAME_MAX + 1);
	longest[MBOX_NAME_MAX + 1] = '\0';
	args.name = (uintptr_t)longest;
	EXPECT_EQ(-ENAMETOOLONG, open_args(self->fd, &args));
	EXPECT_EQ(-ENAMETOOLONG, mb_unlink(longest));

	/* MBOX_NAME_MAX bytes, spaces and punctuation are fine. */
	longest[MBOX_NAME_MAX] = '\0';
	longest[0] = ' ';
	longest[1] = '~';
	fd = mb_create(longest, 0, 0);
	ASSERT_LE(0, fd);
	close(fd);
	EXPECT_EQ(0, mb_unlink(longest));

	/* The name is the whole string, not a prefix of it. */
	fd = mb_create("prefix-test", 0, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-ENOENT, mb_open("prefix-tes", O_RDWR, 0, 0, 0, 0));
	EXPECT_EQ(-ENOENT, mb_open("prefix-test2", O_RDWR, 0, 0, 0, 0));
	close(fd);
	EXPECT_EQ(0, mb_unlink("prefix-test"));
}

TEST_F(dev, name_efault)
{
	struct mbox_open args = { .flags = MBOX_OPEN_CREATE };
	char *edge;

	args.name = 0;
	EXPECT_EQ(-EFAULT, open_args(self->fd, &args));
	args.name = 1;
	EXPECT_EQ(-EFAULT, open_args(self->fd, &args));
	/* The name runs into a PROT_NONE page before its NUL. */
	edge = fault_area(3, 8);
	ASSERT_NE(NULL, edge);
	memcpy(edge, "abc", 3);
	args.name = (uintptr_t)edge;
	EXPECT_EQ(-EFAULT, open_args(self->fd, &args));
	EXPECT_EQ(-EFAULT, ioctl(self->fd, MBOX_IOC_OPEN, NULL) ? -errno : 0);
	EXPECT_EQ(-ENOENT, mb_open("abc", O_RDWR, 0, 0, 0, 0));
}

TEST_F(dev, bind_once)
{
	struct mbox_open args = {
		.name = (uintptr_t)self->name,
		.flags = MBOX_OPEN_CREATE,
		.mode = 0600,
	};

	ASSERT_EQ(0, open_args(self->fd, &args));
	EXPECT_EQ(-EISCONN, open_args(self->fd, &args));
	args.flags = 0;
	EXPECT_EQ(-EISCONN, open_args(self->fd, &args));
}

TEST_F(dev, unbound_descriptor)
{
	struct mbox_stat st;
	char buf[4];

	EXPECT_EQ(-ENOTCONN, mb_send(self->fd, "x", 1, 0, 0));
	EXPECT_EQ(-ENOTCONN, mb_recv(self->fd, buf, sizeof(buf), 0, 0, NULL));
	EXPECT_EQ(-ENOTCONN, mb_stat(self->fd, &st));
	EXPECT_EQ(-1, write(self->fd, "x", 1));
	EXPECT_EQ(ENOTCONN, errno);
	EXPECT_EQ(-1, read(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(ENOTCONN, errno);
}

TEST_F(dev, access_mode)
{
	int rd, wr, rw;
	char buf[4];

	rw = mb_create(self->name, 0, 0);
	ASSERT_LE(0, rw);
	rd = mb_open(self->name, O_RDONLY, 0, 0, 0, 0);
	ASSERT_LE(0, rd);
	wr = mb_open(self->name, O_WRONLY, 0, 0, 0, 0);
	ASSERT_LE(0, wr);

	EXPECT_EQ(-EBADF, mb_send(rd, "x", 1, 0, 0));
	EXPECT_EQ(-1, write(rd, "x", 1));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-EBADF, mb_recv(wr, buf, sizeof(buf), MBOX_RECV_NONBLOCK, 0, NULL));
	EXPECT_EQ(-1, read(wr, buf, sizeof(buf)));
	EXPECT_EQ(EBADF, errno);

	EXPECT_EQ(0, mb_send(wr, "y", 1, 0, 0));
	EXPECT_EQ(1, mb_recv(rd, buf, sizeof(buf), 0, 0, NULL));
	close(rd);
	close(wr);
	close(rw);
}

TEST_F(dev, unlink_semantics)
{
	struct mbox_stat st;
	int fd, fd2;
	char buf[8];

	fd = mb_create(self->name, 0, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mb_send(fd, "old", 3, 0, 0));
	ASSERT_EQ(0, mb_unlink(self->name));
	EXPECT_EQ(-ENOENT, mb_unlink(self->name));
	EXPECT_EQ(-ENOENT, mb_open(self->name, O_RDWR, 0, 0, 0, 0));

	/* The bound descriptor keeps working. */
	ASSERT_EQ(0, mb_stat(fd, &st));
	EXPECT_EQ(MBOX_STATE_UNLINKED, st.state);
	EXPECT_EQ(0, mb_send(fd, "more", 4, 0, 0));

	/* The name is free at once, for a different mailbox. */
	fd2 = mb_create(self->name, 0, 0);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(-EAGAIN, mb_recv(fd2, buf, sizeof(buf), MBOX_RECV_NONBLOCK, 0, NULL));
	EXPECT_EQ(3, mb_recv(fd, buf, sizeof(buf), 0, 0, NULL));
	EXPECT_EQ(0, memcmp(buf, "old", 3));
	EXPECT_EQ(4, mb_recv(fd, buf, sizeof(buf), 0, 0, NULL));
	close(fd);
	close(fd2);
}

TEST_F(dev, unlink_bad_args)
{
	struct mbox_unlink args = { .name = (uintptr_t)"x", .type = MBOX_TYPE_MAILBOX };

	args.flags = 1;
	EXPECT_EQ(-1, ioctl(self->fd, MBOX_IOC_UNLINK, &args));
	EXPECT_EQ(EINVAL, errno);
	args.flags = 0;
	args.type = 0;
	EXPECT_EQ(-1, ioctl(self->fd, MBOX_IOC_UNLINK, &args));
	EXPECT_EQ(EINVAL, errno);
	args.type = MBOX_TYPE_MAILBOX;
	args.reserved[1] = 1;
	EXPECT_EQ(-1, ioctl(self->fd, MBOX_IOC_UNLINK, &args));
	EXPECT_EQ(EINVAL, errno);
	args.reserved[1] = 0;
	args.name = 0;
	EXPECT_EQ(-1, ioctl(self->fd, MBOX_IOC_UNLINK, &args));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-EINVAL, mb_unlink(""));
}

TEST_F(dev, persists_without_descriptors)
{
	int fd;
	char buf[8];

	fd = mb_create(self->name, 0, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mb_send(fd, "kept", 4, 0, 0));
	close(fd);
	/* Like a POSIX message queue, it lives on until unlinked. */
	fd = mb_open(self->name, O_RDONLY, 0, 0, 0, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(4, mb_recv(fd, buf, sizeof(buf), MBOX_RECV_NONBLOCK, 0, NULL));
	close(fd);
}

TEST_F(dev, stat_args)
{
	struct mbox_stat st;
	int fd;

	fd = mb_create(self->name, 0, 0);
	ASSERT_LE(0, fd);
	memset(&st, 0, sizeof(st));
	st.flags = 1;
	EXPECT_EQ(-1, ioctl(fd, MBOX_IOC_STAT, &st));
	EXPECT_EQ(EINVAL, errno);
	memset(&st, 0, sizeof(st));
	st.reserved[1] = 1;
	EXPECT_EQ(-1, ioctl(fd, MBOX_IOC_STAT, &st));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(fd, MBOX_IOC_STAT, NULL));
	EXPECT_EQ(EFAULT, errno);
	close(fd);
}

/* Find @name in a MBOX_IOC_LIST buffer. */
static const struct mbox_list_entry *list_find(const void *buf, unsigned int count,
					       const char *name)
{
	const struct mbox_list_entry *e = buf;

	while (count--) {
		if (!strcmp((const char *)e->name, name))
			return e;
		e = (const void *)((const char *)e + e->size);
	}
	return NULL;
}

TEST_F(dev, list)
{
	struct mbox_list args = { 0 };
	const struct mbox_list_entry *e;
	char *buf;
	int fd;

	fd = mb_open(self->name, O_RDWR, MBOX_OPEN_CREATE, 0604, 0, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mb_send(fd, "hello", 5, 0, 0));

	/* Too small: ERANGE and the size needed. */
	EXPECT_EQ(-1, ioctl(self->fd, MBOX_IOC_LIST, &args));
	EXPECT_EQ(ERANGE, errno);
	ASSERT_LT(sizeof(struct mbox_list_entry), args.needed);
	EXPECT_EQ(0, args.needed % 8);

	buf = malloc(args.needed + 1024);
	ASSERT_NE(NULL, buf);
	args.buf = (uintptr_t)buf;
	args.len = args.needed + 1024;
	ASSERT_EQ(0, ioctl(self->fd, MBOX_IOC_LIST, &args));
	e = list_find(buf, args.count, self->name);
	ASSERT_NE(NULL, e);
	EXPECT_EQ(MBOX_TYPE_MAILBOX, e->type);
	EXPECT_EQ(0604, e->mode);
	EXPECT_EQ(getuid(), e->uid);
	EXPECT_EQ(1, e->queued);
	EXPECT_EQ(5, e->queued_bytes);
	EXPECT_EQ(0, e->size % 8);

	/* Gone from the list once unlinked, though still open. */
	ASSERT_EQ(0, mb_unlink(self->name));
	ASSERT_EQ(0, ioctl(self->fd, MBOX_IOC_LIST, &args));
	EXPECT_EQ(NULL, list_find(buf, args.count, self->name));

	args.flags = 1;
	EXPECT_EQ(-1, ioctl(self->fd, MBOX_IOC_LIST, &args));
	EXPECT_EQ(EINVAL, errno);
	args.flags = 0;
	args.buf = 1;
	ASSERT_EQ(0, mb_send(fd, "x", 1, 0, 0));
	fd = mb_create(self->name, 0, 0);	/* something to list */
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, ioctl(self->fd, MBOX_IOC_LIST, &args));
	EXPECT_EQ(EFAULT, errno);
	close(fd);
	free(buf);
}

TEST_HARNESS_MAIN
