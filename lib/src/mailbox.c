// SPDX-License-Identifier: (LGPL-2.1 OR MIT)
/*
 * Mailboxes: a handle is one /dev/mbox descriptor bound to a mailbox. The
 * handle never changes after mbox_open(), so using it from several threads
 * at once is safe.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libmbox.h"
#include "internal.h"

struct mbox {
	int fd;
};

int mbox_open(struct mbox **mbp, const char *name, int oflag, mode_t mode,
	      const struct mbox_attr *attr)
{
	struct mbox_open args = {
		.name = (uintptr_t)name,
		.mode = mode,
	};
	struct mbox *mb;
	int fd, ret;

	if (oflag & ~(O_ACCMODE | O_CREAT | O_EXCL | O_NONBLOCK))
		return -EINVAL;
	if (oflag & O_CREAT) {
		args.flags |= MBOX_OPEN_CREATE;
		if (oflag & O_EXCL)
			args.flags |= MBOX_OPEN_EXCL;
		if (attr) {
			args.capacity = attr->capacity;
			args.msg_size = attr->msg_size;
			args.flags |= attr->flags;
		}
	}

	mb = malloc(sizeof(*mb));
	if (!mb)
		return -ENOMEM;
	fd = mbox__open_device(oflag & (O_ACCMODE | O_NONBLOCK));
	if (fd < 0) {
		free(mb);
		return fd;
	}
	ret = mbox__ioctl(fd, MBOX_IOC_OPEN, &args);
	if (ret) {
		close(fd);
		free(mb);
		return ret;
	}
	mb->fd = fd;
	*mbp = mb;
	return 0;
}

int mbox_close(struct mbox *mb)
{
	int ret;

	if (!mb)
		return 0;
	ret = close(mb->fd) ? -errno : 0;
	free(mb);
	return ret;
}

int mbox_fd(const struct mbox *mb)
{
	return mb->fd;
}

int mbox_unlink(const char *name)
{
	struct mbox_unlink args = {
		.name = (uintptr_t)name,
		.type = MBOX_TYPE_MAILBOX,
	};
	int fd, ret;

	fd = mbox__open_device(O_RDONLY);
	if (fd < 0)
		return fd;
	ret = mbox__ioctl(fd, MBOX_IOC_UNLINK, &args);
	close(fd);
	return ret;
}

int mbox_send_args(struct mbox *mb, struct mbox_send *args)
{
	return mbox__ioctl(mb->fd, MBOX_IOC_SEND, args);
}

ssize_t mbox_recv_args(struct mbox *mb, struct mbox_recv *args)
{
	return mbox__ioctl(mb->fd, MBOX_IOC_RECV, args);
}

static int send_common(struct mbox *mb, const void *buf, size_t len,
		       unsigned int flags, uint64_t timeout_ns)
{
	struct mbox_send args = {
		.buf = (uintptr_t)buf,
		.len = len,
		.flags = flags,
		.timeout_ns = timeout_ns,
	};

	if (len > UINT32_MAX)
		return -EMSGSIZE;
	return mbox_send_args(mb, &args);
}

int mbox_send(struct mbox *mb, const void *buf, size_t len, unsigned int flags)
{
	return send_common(mb, buf, len, flags & ~MBOX_SEND_TIMEOUT, 0);
}

int mbox_timedsend(struct mbox *mb, const void *buf, size_t len,
		   unsigned int flags, uint64_t timeout_ns)
{
	return send_common(mb, buf, len, flags | MBOX_SEND_TIMEOUT, timeout_ns);
}

static ssize_t recv_common(struct mbox *mb, void *buf, size_t len,
			   unsigned int flags, uint64_t timeout_ns)
{
	struct mbox_recv args = {
		.buf = (uintptr_t)buf,
		.len = len > UINT32_MAX ? UINT32_MAX : len,
		.flags = flags,
		.timeout_ns = timeout_ns,
	};

	return mbox_recv_args(mb, &args);
}

ssize_t mbox_recv(struct mbox *mb, void *buf, size_t len, unsigned int flags)
{
	return recv_common(mb, buf, len, flags & ~MBOX_RECV_TIMEOUT, 0);
}

ssize_t mbox_timedrecv(struct mbox *mb, void *buf, size_t len,
		       unsigned int flags, uint64_t timeout_ns)
{
	return recv_common(mb, buf, len, flags | MBOX_RECV_TIMEOUT, timeout_ns);
}

int mbox_stat(struct mbox *mb, struct mbox_stat *st)
{
	memset(st, 0, sizeof(*st));
	return mbox__ioctl(mb->fd, MBOX_IOC_STAT, st);
}

int mbox_list(struct mbox_list_entry **entries, unsigned int *count)
{
	struct mbox_list args = { 0 };
	void *buf = NULL, *bigger;
	int fd, ret;

	fd = mbox__open_device(O_RDONLY);
	if (fd < 0)
		return fd;
	/* Objects may come between two calls: grow until the snapshot fits. */
	for (;;) {
		args.buf = (uintptr_t)buf;
		ret = mbox__ioctl(fd, MBOX_IOC_LIST, &args);
		if (ret != -ERANGE)
			break;
		args.len = args.needed + args.needed / 4 + 64;
		bigger = realloc(buf, args.len);
		if (!bigger) {
			ret = -ENOMEM;
			break;
		}
		buf = bigger;
	}
	close(fd);
	if (ret) {
		free(buf);
		return ret;
	}
	*entries = buf;
	*count = args.count;
	return 0;
}
