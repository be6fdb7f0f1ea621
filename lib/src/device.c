// SPDX-License-Identifier: (LGPL-2.1 OR MIT)
/*
 * Device-wide calls: opening /dev/mbox and asking it what it supports.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "libmbox.h"
#include "internal.h"

int mbox__open_device(int oflags)
{
	int fd = open(MBOX_DEVICE_PATH, oflags | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int mbox__ioctl(int fd, unsigned long cmd, void *arg)
{
	int ret = ioctl(fd, cmd, arg);

	return ret < 0 ? -errno : ret;
}

int mbox__open_bound(int oflags, unsigned long cmd, void *arg)
{
	int fd, ret;

	fd = mbox__open_device(oflags);
	if (fd < 0)
		return fd;
	ret = mbox__ioctl(fd, cmd, arg);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

int mbox__device_ioctl(unsigned long cmd, void *arg)
{
	int fd, ret;

	fd = mbox__open_device(O_RDONLY);
	if (fd < 0)
		return fd;
	ret = mbox__ioctl(fd, cmd, arg);
	close(fd);
	return ret;
}

int mbox_info(struct mbox_info *info)
{
	memset(info, 0, sizeof(*info));
	return mbox__device_ioctl(MBOX_IOC_INFO, info);
}
