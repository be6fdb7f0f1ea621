// SPDX-License-Identifier: GPL-2.0
/*
 * device_test: the /dev/mbox node, MBOX_IOC_INFO, and the rules every ioctl
 * follows: unknown commands give ENOTTY, bad pointers EFAULT, unknown flags
 * and non-zero reserved fields EINVAL.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/mbox.h>

#include "kselftest_harness.h"
#include "common.h"

#define MISC_MAJOR 10

FIXTURE(dev) {
	int fd;
};

FIXTURE_SETUP(dev)
{
	self->fd = open("/dev/mbox", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd) TH_LOG("open /dev/mbox: %s", strerror(errno));
}

FIXTURE_TEARDOWN(dev)
{
	close(self->fd);
}

TEST(node)
{
	unsigned int major, minor;
	struct stat st;
	char buf[32];
	FILE *f;

	ASSERT_EQ(0, stat("/dev/mbox", &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0666, st.st_mode & 07777);
	EXPECT_EQ(MISC_MAJOR, major(st.st_rdev));

	f = fopen("/sys/class/misc/mbox/dev", "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(buf, sizeof(buf), f));
	fclose(f);
	ASSERT_EQ(2, sscanf(buf, "%u:%u", &major, &minor));
	EXPECT_EQ(major, major(st.st_rdev));
	EXPECT_EQ(minor, minor(st.st_rdev));
}

TEST(open_modes)
{
	int modes[] = { O_RDONLY, O_WRONLY, O_RDWR, O_RDWR | O_NONBLOCK };
	unsigned int i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		int fd = open("/dev/mbox", modes[i] | O_CLOEXEC);

		ASSERT_LE(0, fd) TH_LOG("mode %#x", modes[i]);
		/* A stream: no file position. */
		EXPECT_EQ(-1, lseek(fd, 0, SEEK_SET));
		EXPECT_EQ(ESPIPE, errno);
		close(fd);
	}
}

TEST_F(dev, info)
{
	struct mbox_info info;
	unsigned int i;

	memset(&info, 0, sizeof(info));
	ASSERT_EQ(0, ioctl(self->fd, MBOX_IOC_INFO, &info));
	EXPECT_EQ(0, info.flags);
	EXPECT_EQ(MBOX_ABI_VERSION, info.abi_version);
	EXPECT_EQ(MBOX_NAME_MAX, info.name_max);
	EXPECT_EQ(MBOX_PRIO_MAX, info.prio_max);
	EXPECT_EQ(MBOX_FEAT_MAILBOX | MBOX_FEAT_DIRECT | MBOX_FEAT_RING |
		  MBOX_FEAT_PIPE, info.features);
	EXPECT_EQ(0, info.__pad);
	for (i = 0; i < sizeof(info.reserved) / sizeof(info.reserved[0]); i++)
		EXPECT_EQ(0, info.reserved[i]);

	/* The limits are the module parameters, as sysfs shows them. */
	EXPECT_EQ(param_read("msg_size_max"), info.msg_size_max);
	EXPECT_EQ(param_read("msg_size_default"), info.msg_size_default);
	EXPECT_EQ(param_read("capacity_max"), info.capacity_max);
	EXPECT_EQ(param_read("capacity_default"), info.capacity_default);
	EXPECT_EQ(param_read("user_objects_max"), info.user_objects_max);
	EXPECT_EQ(param_read("user_bytes_max"), info.user_bytes_max);
	EXPECT_EQ(param_read("ring_size_max"), info.ring_size_max);

	/* The documented defaults, which the module was loaded with. */
	EXPECT_EQ(1 << 20, info.msg_size_max);
	EXPECT_EQ(8192, info.msg_size_default);
	EXPECT_EQ(65536, info.capacity_max);
	EXPECT_EQ(64, info.capacity_default);
	EXPECT_EQ(1024, info.user_objects_max);
	EXPECT_EQ(64 << 20, info.user_bytes_max);
	EXPECT_EQ(16 << 20, info.ring_size_max);
}

TEST_F(dev, info_follows_parameters)
{
	long long old = param_read("capacity_default");
	struct mbox_info info = { 0 };

	ASSERT_LT(0, old);
	ASSERT_EQ(0, param_write("capacity_default", old + 1));
	ASSERT_EQ(0, ioctl(self->fd, MBOX_IOC_INFO, &info));
	EXPECT_EQ(old + 1, info.capacity_default);

	/* Out of range: refused, the old value stays. */
	EXPECT_EQ(-EINVAL, param_write("capacity_default", 0));
	EXPECT_EQ(-ERANGE, param_write("msg_size_max", 1LL << 32));
	EXPECT_EQ(old + 1, param_read("capacity_default"));

	ASSERT_EQ(0, param_write("capacity_default", old));
	ASSERT_EQ(0, ioctl(self->fd, MBOX_IOC_INFO, &info));
	EXPECT_EQ(old, info.capacity_default);
}

TEST_F(dev, unknown_ioctl)
{
	const unsigned long cmds[] = {
		_IOWR(MBOX_IOC_MAGIC, 0x7f, struct mbox_info),	/* unused number */
		_IOWR(MBOX_IOC_MAGIC, 0xff, __u64),
		_IOWR(MBOX_IOC_MAGIC, 0x00, __u64),		/* wrong size */
		_IOR(MBOX_IOC_MAGIC, 0x00, struct mbox_info),	/* wrong direction */
		_IOW(MBOX_IOC_MAGIC, 0x00, struct mbox_info),
		_IO(MBOX_IOC_MAGIC, 0x00),
		_IOWR(MBOX_IOC_MAGIC + 1, 0x00, struct mbox_info), /* wrong magic */
		0,
		0xffffffffUL,
	};
	struct mbox_info info;
	unsigned int i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		memset(&info, 0, sizeof(info));
		EXPECT_EQ(-1, ioctl(self->fd, cmds[i], &info)) TH_LOG("cmd %#lx", cmds[i]);
		EXPECT_EQ(ENOTTY, errno) TH_LOG("cmd %#lx", cmds[i]);
	}
}

TEST_F(dev, info_efault)
{
	size_t len = sizeof(struct mbox_info);
	struct mbox_info *ro, *partial;

	EXPECT_EQ(-1, ioctl(self->fd, MBOX_IOC_INFO, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, MBOX_IOC_INFO, (void *)1));
	EXPECT_EQ(EFAULT, errno);
	/* A kernel address. */
	EXPECT_EQ(-1, ioctl(self->fd, MBOX_IOC_INFO, (void *)0xffffffff81000000UL));
	EXPECT_EQ(EFAULT, errno);

	/* The last 8 bytes of the struct fall on a PROT_NONE page. */
	partial = fault_area(len - 8, len);
	ASSERT_NE(NULL, partial);
	memset(partial, 0, len - 8);
	EXPECT_EQ(-1, ioctl(self->fd, MBOX_IOC_INFO, partial));
	EXPECT_EQ(EFAULT, errno);

	/* Readable but not writable: the copy-out fails. */
	ro = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	ASSERT_EQ(0, mprotect(ro, len, PROT_READ));
	EXPECT_EQ(-1, ioctl(self->fd, MBOX_IOC_INFO, ro));
	EXPECT_EQ(EFAULT, errno);
	munmap(ro, len);
}

TEST_F(dev, info_unknown_flags)
{
	struct mbox_info info;
	unsigned int bit;

	for (bit = 0; bit < 32; bit++) {
		memset(&info, 0, sizeof(info));
		info.flags = 1U << bit;
		EXPECT_EQ(-1, ioctl(self->fd, MBOX_IOC_INFO, &info)) TH_LOG("bit %u", bit);
		EXPECT_EQ(EINVAL, errno) TH_LOG("bit %u", bit);
	}
}

TEST_F(dev, info_reserved)
{
	struct mbox_info info;
	unsigned int i;

	for (i = 0; i < sizeof(info.reserved) / sizeof(info.reserved[0]); i++) {
		memset(&info, 0, sizeof(info));
		info.reserved[i] = 1ULL << (i * 17 % 64);
		EXPECT_EQ(-1, ioctl(self->fd, MBOX_IOC_INFO, &info)) TH_LOG("reserved[%u]", i);
		EXPECT_EQ(EINVAL, errno) TH_LOG("reserved[%u]", i);
	}

	memset(&info, 0, sizeof(info));
	info.__pad = 1;
	EXPECT_EQ(-1, ioctl(self->fd, MBOX_IOC_INFO, &info));
	EXPECT_EQ(EINVAL, errno);

	/* Output-only fields may hold anything on input. */
	memset(&info, 0xcc, sizeof(info));
	info.flags = 0;
	info.__pad = 0;
	memset(info.reserved, 0, sizeof(info.reserved));
	EXPECT_EQ(0, ioctl(self->fd, MBOX_IOC_INFO, &info));
	EXPECT_EQ(MBOX_ABI_VERSION, info.abi_version);
}

TEST_HARNESS_MAIN
