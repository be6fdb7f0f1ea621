// SPDX-License-Identifier: GPL-2.0
/*
 * limits_test: root may change every module parameter at run time, and
 * objects that exist stay usable. Attributes are checked only when
 * something is created (mq_open(3)): reopening a mailbox, an inbox or a
 * ring, with or without MBOX_OPEN_CREATE and with the very attributes it
 * was created with, works after any limit is lowered below them, and the
 * object keeps its attributes. A new object gets the new limits.
 *
 * The test walks /sys/module/mbox/parameters; a parameter with no case in
 * the table below fails it. Every parameter is restored afterwards.
 *
 * The objects belong to an unprivileged user (the quotas exempt
 * CAP_SYS_RESOURCE); the test switches its effective uid back to root
 * only to write the parameters.
 *
 * Also: MBOX_IOC_INFO reports the defaults a mailbox created with 0
 * actually gets, clamped to their maxima.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/mbox.h>

#include "kselftest_harness.h"
#include "common.h"

#define PARAMS_DIR	"/sys/module/mbox/parameters"
#define NOBODY		65534

/* The live objects' attributes: above every lowered limit. */
#define LIVE_CAPACITY	300
#define LIVE_MSG_SIZE	100000
#define LIVE_RING_SIZE	65536

struct param_case {
	const char *name;
	long long lowered;	/* set while the objects live */
	int new_mailbox;	/* a new mailbox with the live attributes */
	int new_ring;		/* a new ring with the live size */
};

static const struct param_case params[] = {
	{ "msg_size_max", 16, -EINVAL, 0 },
	{ "msg_size_default", 16, 0, 0 },
	{ "capacity_max", 2, -EINVAL, 0 },
	{ "capacity_default", 1, 0, 0 },
	{ "user_objects_max", 0, -ENOSPC, -ENOSPC },
	{ "user_bytes_max", 0, 0, -EDQUOT },
	{ "ring_size_max", 4096, 0, -EINVAL },
};

#define NR_PARAMS (sizeof(params) / sizeof(params[0]))

static int as_root(void)
{
	return seteuid(0) ? -errno : 0;
}

static int as_nobody(void)
{
	return seteuid(NOBODY) ? -errno : 0;
}

/* Write a parameter as root, then become the unprivileged user again. */
static int set_param(const char *name, long long value)
{
	int ret = as_root();

	if (!ret)
		ret = param_write(name, value);
	as_nobody();
	return ret;
}

static int inbox_bind(uint32_t capacity, uint32_t msg_size)
{
	struct mbox_open args = {
		.flags = MBOX_OPEN_INBOX,
		.mode = 0600,
		.capacity = capacity,
		.msg_size = msg_size,
	};
	int fd = open("/dev/mbox", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (ioctl(fd, MBOX_IOC_OPEN, &args)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

FIXTURE(limits) {
	long long saved[NR_PARAMS];
	char mailbox[MBOX_NAME_MAX + 1];
	char ring[MBOX_NAME_MAX + 1];
	int fds[3];			/* keep the mailbox, ring, inbox alive */
};

FIXTURE_SETUP(limits)
{
	unsigned int i;

	for (i = 0; i < NR_PARAMS; i++) {
		self->saved[i] = param_read(params[i].name);
		ASSERT_LE(0, self->saved[i]) TH_LOG("%s", params[i].name);
	}
	umask(0);
	snprintf(self->mailbox, sizeof(self->mailbox), "%s", mb_name("limits-mb"));
	snprintf(self->ring, sizeof(self->ring), "%s", mb_name("limits-ring"));
	ASSERT_EQ(0, setegid(NOBODY));
	ASSERT_EQ(0, as_nobody());

	self->fds[0] = mb_open(self->mailbox, O_RDWR,
			       MBOX_OPEN_CREATE | MBOX_OPEN_EXCL, 0600,
			       LIVE_CAPACITY, LIVE_MSG_SIZE);
	ASSERT_LE(0, self->fds[0]) TH_LOG("mailbox: %s", strerror(-self->fds[0]));
	self->fds[1] = ring_open(self->ring, O_RDWR,
				 MBOX_OPEN_CREATE | MBOX_OPEN_EXCL, 0600,
				 LIVE_RING_SIZE, MBOX_RING_OBSERVER, NULL);
	ASSERT_LE(0, self->fds[1]) TH_LOG("ring: %s", strerror(-self->fds[1]));
	self->fds[2] = inbox_bind(LIVE_CAPACITY, LIVE_MSG_SIZE);
	ASSERT_LE(0, self->fds[2]) TH_LOG("inbox: %s", strerror(-self->fds[2]));
}

FIXTURE_TEARDOWN(limits)
{
	unsigned int i;

	as_root();
	for (i = 0; i < NR_PARAMS; i++) {
		if (self->saved[i] >= 0)
			EXPECT_EQ(0, param_write(params[i].name, self->saved[i]))
				TH_LOG("restoring %s", params[i].name);
	}
	mb_unlink(self->mailbox);
	ring_unlink(self->ring);
}

/* Each existing object opens again, as it was, with and without CREATE. */
static void reopen_all(struct __test_metadata *_metadata,
		       FIXTURE_DATA(limits) *self, const char *param)
{
	static const uint32_t flags[] = { 0, MBOX_OPEN_CREATE };
	struct mbox_ring_stat rst;
	struct mbox_stat st;
	unsigned int i;
	int fd;

	for (i = 0; i < 2; i++) {
		fd = mb_open(self->mailbox, O_RDWR, flags[i], 0600,
			     LIVE_CAPACITY, LIVE_MSG_SIZE);
		EXPECT_LE(0, fd) TH_LOG("%s lowered: mailbox, flags %#x: %s",
					param, flags[i], strerror(-fd));
		if (fd >= 0) {
			EXPECT_EQ(0, mb_stat(fd, &st));
			EXPECT_EQ(LIVE_CAPACITY, st.capacity);
			EXPECT_EQ(LIVE_MSG_SIZE, st.msg_size);
			close(fd);
		}

		fd = ring_open(self->ring, O_RDONLY, flags[i], 0600,
			       LIVE_RING_SIZE, MBOX_RING_OBSERVER, NULL);
		EXPECT_LE(0, fd) TH_LOG("%s lowered: ring, flags %#x: %s",
					param, flags[i], strerror(-fd));
		if (fd >= 0) {
			EXPECT_EQ(0, ring_stat(fd, &rst));
			EXPECT_EQ(LIVE_RING_SIZE, rst.size);
			close(fd);
		}
	}

	/* An inbox has no CREATE: binding again finds the one there. */
	fd = inbox_bind(LIVE_CAPACITY, LIVE_MSG_SIZE);
	EXPECT_LE(0, fd) TH_LOG("%s lowered: inbox: %s", param, strerror(-fd));
	if (fd >= 0) {
		EXPECT_EQ(0, mb_stat(fd, &st));
		EXPECT_EQ(LIVE_CAPACITY, st.capacity);
		EXPECT_EQ(LIVE_MSG_SIZE, st.msg_size);
		EXPECT_EQ(getpid(), st.pid);
		close(fd);
	}
}

/* A new object does get the lowered limit. */
static void create_new(struct __test_metadata *_metadata,
		       const struct param_case *p)
{
	const char *name = mb_name("limits-new");
	int fd;

	fd = mb_open(name, O_RDWR, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL, 0600,
		     LIVE_CAPACITY, LIVE_MSG_SIZE);
	EXPECT_EQ(p->new_mailbox, fd < 0 ? fd : 0)
		TH_LOG("%s lowered: new mailbox: %d", p->name, fd);
	if (fd >= 0) {
		close(fd);
		mb_unlink(name);
	}
	fd = ring_open(name, O_RDONLY, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL,
		       0600, LIVE_RING_SIZE, MBOX_RING_OBSERVER, NULL);
	EXPECT_EQ(p->new_ring, fd < 0 ? fd : 0)
		TH_LOG("%s lowered: new ring: %d", p->name, fd);
	if (fd >= 0) {
		close(fd);
		ring_unlink(name);
	}
}

TEST_F(limits, every_parameter_lowered_under_live_objects)
{
	unsigned int i, seen = 0;
	struct dirent *d;
	DIR *dir;

	/* Every parameter the module has must have a case. */
	ASSERT_EQ(0, as_root());
	dir = opendir(PARAMS_DIR);
	ASSERT_NE(NULL, dir);
	while ((d = readdir(dir))) {
		bool known = false;

		if (d->d_name[0] == '.')
			continue;
		for (i = 0; i < NR_PARAMS; i++)
			known |= !strcmp(d->d_name, params[i].name);
		EXPECT_TRUE(known) TH_LOG("%s: no case in the table", d->d_name);
		seen++;
	}
	closedir(dir);
	EXPECT_EQ(NR_PARAMS, seen);
	ASSERT_EQ(0, as_nobody());

	for (i = 0; i < NR_PARAMS; i++) {
		ASSERT_EQ(0, set_param(params[i].name, params[i].lowered))
			TH_LOG("lowering %s", params[i].name);
		reopen_all(_metadata, self, params[i].name);
		create_new(_metadata, &params[i]);
		ASSERT_EQ(0, set_param(params[i].name, self->saved[i]));
	}

	/* All at once. */
	for (i = 0; i < NR_PARAMS; i++)
		ASSERT_EQ(0, set_param(params[i].name, params[i].lowered));
	reopen_all(_metadata, self, "every parameter");
}

static int info(struct mbox_info *out)
{
	int fd = open("/dev/mbox", O_RDONLY | O_CLOEXEC), ret = 0;

	memset(out, 0, sizeof(*out));
	if (fd < 0)
		return -errno;
	if (ioctl(fd, MBOX_IOC_INFO, out))
		ret = -errno;
	close(fd);
	return ret;
}

/* What a mailbox created with capacity 0 and msg_size 0 gets. */
static void defaults_of_new(struct __test_metadata *_metadata,
			    uint32_t *capacity, uint32_t *msg_size)
{
	const char *name = mb_name("limits-default");
	struct mbox_stat st;
	int fd;

	fd = mb_open(name, O_RDWR, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL, 0600, 0, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mb_stat(fd, &st));
	close(fd);
	mb_unlink(name);
	*capacity = st.capacity;
	*msg_size = st.msg_size;
}

TEST_F(limits, info_reports_the_defaults_in_effect)
{
	static const struct {
		long long capacity_max, capacity_default;
		long long msg_size_max, msg_size_default;
		uint32_t capacity, msg_size;	/* what a new mailbox gets */
	} cases[] = {
		{ 65536, 64, 1 << 20, 8192, 64, 8192 },	/* the defaults */
		{ 2, 64, 16, 8192, 2, 16 },		/* defaults above max */
		{ 64, 64, 8192, 8192, 64, 8192 },	/* equal */
		{ 1, 1000, 0, 8192, 1, 0 },		/* msg_size_max 0 */
	};
	uint32_t capacity, msg_size;
	struct mbox_info in;
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ASSERT_EQ(0, set_param("capacity_max", cases[i].capacity_max));
		ASSERT_EQ(0, set_param("capacity_default", cases[i].capacity_default));
		ASSERT_EQ(0, set_param("msg_size_max", cases[i].msg_size_max));
		ASSERT_EQ(0, set_param("msg_size_default", cases[i].msg_size_default));
		ASSERT_EQ(0, info(&in));
		defaults_of_new(_metadata, &capacity, &msg_size);
		EXPECT_EQ(cases[i].capacity, in.capacity_default) TH_LOG("case %u", i);
		EXPECT_EQ(cases[i].msg_size, in.msg_size_default) TH_LOG("case %u", i);
		EXPECT_EQ(in.capacity_default, capacity) TH_LOG("case %u", i);
		EXPECT_EQ(in.msg_size_default, msg_size) TH_LOG("case %u", i);
		EXPECT_EQ(cases[i].capacity_max, in.capacity_max);
		EXPECT_EQ(cases[i].msg_size_max, in.msg_size_max);
	}
}

TEST_HARNESS_MAIN
