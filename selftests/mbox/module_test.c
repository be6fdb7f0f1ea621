// SPDX-License-Identifier: GPL-2.0
/*
 * module_test: loading and unloading mbox.ko, and the reference that an open
 * descriptor holds on the module.
 *
 * The VM's init loads the module before the tests start and expects it to be
 * loaded afterwards, so every test here puts it back. MBOX_MODULE names the
 * mbox.ko to insert.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/mbox.h>

#include "kselftest_harness.h"
#include "common.h"
#include "modload.h"

static int info_ok(void)
{
	struct mbox_info info = { 0 };
	int fd, ret;

	fd = open("/dev/mbox", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = ioctl(fd, MBOX_IOC_INFO, &info) ? -errno : 0;
	close(fd);
	if (!ret && info.abi_version != MBOX_ABI_VERSION)
		ret = -EPROTO;
	return ret;
}

FIXTURE(module) {
	const char *path;
};

FIXTURE_SETUP(module)
{
	self->path = getenv("MBOX_MODULE");
	ASSERT_NE(NULL, self->path) TH_LOG("MBOX_MODULE must name mbox.ko");
	ASSERT_EQ(0, modload_refcnt("mbox")) TH_LOG("mbox must be loaded and unused");
}

FIXTURE_TEARDOWN(module)
{
	if (modload_refcnt("mbox") == -ENOENT)
		EXPECT_EQ(0, modload_insert(self->path, NULL));
}

TEST_F_TIMEOUT(module, load_unload_50_times, 900)
{
	int i;

	for (i = 0; i < 50; i++) {
		ASSERT_EQ(0, modload_remove("mbox")) TH_LOG("unload #%d", i);
		ASSERT_EQ(-1, access("/dev/mbox", F_OK));
		ASSERT_EQ(ENOENT, errno);
		ASSERT_EQ(0, modload_insert(self->path, NULL)) TH_LOG("load #%d", i);
		ASSERT_EQ(0, info_ok()) TH_LOG("device after load #%d", i);
	}
}

TEST_F(module, second_load_is_eexist)
{
	ASSERT_EQ(-EEXIST, modload_insert(self->path, NULL));
}

TEST_F(module, unload_refused_while_open)
{
	int fd, fd2;

	fd = open("/dev/mbox", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(1, modload_refcnt("mbox"));
	EXPECT_EQ(-EBUSY, modload_remove("mbox"));
	/* The kernel itself refuses, not only libkmod's refcount check. */
	EXPECT_EQ(-1, syscall(SYS_delete_module, "mbox", O_NONBLOCK));
	EXPECT_EQ(EWOULDBLOCK, errno);

	/* A dup shares the open file: one reference, still refused. */
	fd2 = dup(fd);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(1, modload_refcnt("mbox"));
	ASSERT_EQ(0, close(fd));
	EXPECT_EQ(-EBUSY, modload_remove("mbox"));
	ASSERT_EQ(0, close(fd2));

	EXPECT_EQ(0, modload_refcnt("mbox"));
	ASSERT_EQ(0, modload_remove("mbox"));
	EXPECT_EQ(-ENOENT, modload_refcnt("mbox"));
	EXPECT_EQ(-ENOENT, modload_remove("mbox"));
}

TEST_F(module, reference_follows_fork)
{
	int fd, status, closed[2];
	pid_t pid;

	ASSERT_EQ(0, pipe(closed));
	fd = open("/dev/mbox", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/*
		 * Once the parent has closed its copy, the child's copy of the
		 * descriptor is the one that keeps the module pinned.
		 */
		close(closed[1]);
		if (pipe_wait(closed[0]))
			_exit(2);
		_exit(modload_refcnt("mbox") == 1 ? 0 : 1);
	}
	close(closed[0]);
	ASSERT_EQ(0, close(fd));
	EXPECT_EQ(-EBUSY, modload_remove("mbox"));
	ASSERT_EQ(0, pipe_post(closed[1]));
	close(closed[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
	EXPECT_EQ(0, modload_refcnt("mbox"));
}

TEST_F(module, parameters_at_load)
{
	struct mbox_info info = { 0 };
	int fd;

	ASSERT_EQ(0, modload_remove("mbox"));
	/* Out of range: the kernel refuses the whole load. */
	EXPECT_EQ(-EINVAL, modload_insert(self->path, "capacity_max=0"));
	EXPECT_EQ(-EINVAL, modload_insert(self->path, "msg_size_max=4294967295"));
	EXPECT_EQ(-ENOENT, modload_refcnt("mbox"));

	ASSERT_EQ(0, modload_insert(self->path, "capacity_default=7 msg_size_max=4096"));
	fd = open("/dev/mbox", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, MBOX_IOC_INFO, &info));
	close(fd);
	EXPECT_EQ(7, info.capacity_default);
	EXPECT_EQ(4096, info.msg_size_max);

	/* Reload with the defaults for the tests that follow. */
	ASSERT_EQ(0, modload_remove("mbox"));
	ASSERT_EQ(0, modload_insert(self->path, NULL));
}

TEST_HARNESS_MAIN
