// SPDX-License-Identifier: (LGPL-2.1 OR MIT)
/*
 * Mailboxes: a handle is one /dev/mbox descriptor bound to a mailbox. The
 * handle never changes after mbox_open(), so using it from several threads
 * at once is safe.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libmbox.h"
#include "internal.h"

struct mbox {
	int fd;
};

/* A handle on a descriptor opened with @oflags, bound by @args if given. */
static int mbox_new(struct mbox **mbp, int oflags, struct mbox_open *args)
{
	struct mbox *mb = malloc(sizeof(*mb));
	int fd;

	if (!mb)
		return -ENOMEM;
	fd = args ? mbox__open_bound(oflags, MBOX_IOC_OPEN, args)
		  : mbox__open_device(oflags);
	if (fd < 0) {
		free(mb);
		return fd;
	}
	mb->fd = fd;
	*mbp = mb;
	return 0;
}

int mbox_open(struct mbox **mbp, const char *name, int oflag, mode_t mode,
	      const struct mbox_attr *attr)
{
	struct mbox_open args = {
		.name = (uintptr_t)name,
		.mode = mode,
	};

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

	return mbox_new(mbp, oflag & (O_ACCMODE | O_NONBLOCK), &args);
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

	return mbox__device_ioctl(MBOX_IOC_UNLINK, &args);
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

/*
 * The ioctl @cmd on @mb; with no handle (send(P) only: @to > 0), on a
 * descriptor opened for writing for the one call, as mbox_sendto() does.
 */
static int send_ioctl(struct mbox *mb, pid_t to, unsigned long cmd, void *args)
{
	struct mbox *tmp = NULL;
	int ret;

	if (mb)
		return mbox__ioctl(mb->fd, cmd, args);
	if (to <= 0)
		return -EINVAL;
	ret = mbox_device_open(&tmp);
	if (ret)
		return ret;
	ret = mbox__ioctl(tmp->fd, cmd, args);
	mbox_close(tmp);
	return ret;
}

int mbox_sendmsg(struct mbox *mb, const void *buf, size_t len,
		 const struct mbox_sendopts *opts)
{
	struct mbox_send args = {
		.buf = (uintptr_t)buf,
		.len = len,
	};

	if (len > UINT32_MAX)
		return -EMSGSIZE;
	if (opts) {
		args.flags = opts->flags;
		args.timeout_ns = opts->timeout_ns;
		args.prio = opts->prio;
		if (opts->to > 0) {
			args.flags |= MBOX_SEND_TO_PID;
			args.pid = opts->to;
		} else if (opts->to < 0) {
			return -EINVAL;
		}
	}
	return send_ioctl(mb, args.pid, MBOX_IOC_SEND, &args);
}

static void fill_info(struct mbox_msginfo *info, uint32_t len, uint32_t prio,
		      uint32_t pid, uint32_t uid, uint32_t gid)
{
	info->len = len;
	info->prio = prio;
	info->pid = pid;
	info->uid = uid;
	info->gid = gid;
}

ssize_t mbox_recvmsg(struct mbox *mb, void *buf, size_t len,
		     const struct mbox_recvopts *opts,
		     struct mbox_msginfo *info)
{
	struct mbox_recv args = {
		.buf = (uintptr_t)buf,
		.len = len > UINT32_MAX ? UINT32_MAX : len,
	};
	ssize_t ret;

	if (opts) {
		args.flags = opts->flags;
		args.timeout_ns = opts->timeout_ns;
		if (opts->from > 0) {
			args.flags |= MBOX_RECV_FROM;
			args.pid = opts->from;
		} else if (opts->from < 0) {
			return -EINVAL;
		}
	}
	ret = mbox_recv_args(mb, &args);
	if (info && ret >= 0)
		fill_info(info, args.len, args.prio, args.pid, args.uid, args.gid);
	else if (info && ret == -EMSGSIZE)
		info->len = args.len;
	return ret;
}

int mbox_inbox_open(struct mbox **mbp, int oflag, mode_t mode,
		    const struct mbox_attr *attr)
{
	struct mbox_open args = {
		.flags = MBOX_OPEN_INBOX,
		.mode = mode,
	};

	if (oflag & ~O_NONBLOCK)
		return -EINVAL;
	if (attr) {
		args.capacity = attr->capacity;
		args.msg_size = attr->msg_size;
		args.flags |= attr->flags;
	}
	return mbox_new(mbp, O_RDWR | oflag, &args);
}

int mbox_pipe(struct mbox *ends[2], const struct mbox_attr *attr, int flags)
{
	struct mbox_pipe args = {
		.type = MBOX_TYPE_MAILBOX,
		.fd_flags = flags,
		.mode = 0600,
	};
	struct mbox *rd, *wr;
	int ret;

	if (flags & ~(O_CLOEXEC | O_NONBLOCK))
		return -EINVAL;
	if (attr) {
		args.capacity = attr->capacity;
		args.msg_size = attr->msg_size;
		args.flags = attr->flags;
	}
	rd = malloc(sizeof(*rd));
	wr = malloc(sizeof(*wr));
	if (!rd || !wr) {
		free(rd);
		free(wr);
		return -ENOMEM;
	}
	ret = mbox__device_ioctl(MBOX_IOC_PIPE, &args);
	if (ret) {
		free(rd);
		free(wr);
		return ret;
	}
	rd->fd = args.fds[0];
	wr->fd = args.fds[1];
	ends[0] = rd;
	ends[1] = wr;
	return 0;
}

int mbox_device_open(struct mbox **mbp)
{
	return mbox_new(mbp, O_RDWR, NULL);
}

int mbox_sendto(struct mbox *mb, pid_t pid, const void *buf, size_t len,
		unsigned int flags)
{
	struct mbox_sendopts opts = { .flags = flags, .to = pid };

	if (pid <= 0)
		return -EINVAL;
	return mbox_sendmsg(mb, buf, len, &opts);
}

ssize_t mbox_recvfrom(struct mbox *mb, pid_t pid, void *buf, size_t len,
		      unsigned int flags, struct mbox_msginfo *info)
{
	struct mbox_recvopts opts = { .flags = flags, .from = pid };

	if (pid < 0)
		return -EINVAL;
	return mbox_recvmsg(mb, buf, len, &opts, info);
}

/* Most struct mbox_msgvec a batch keeps on the stack. */
#define BATCH_STACK	32

/*
 * MBOX_IOC_SEND_BATCH or MBOX_IOC_RECV_BATCH on @msgs, through the uapi's
 * struct mbox_msgvec (a __u64 buffer, __u32 lengths, padding to zero).
 */
static int batch(struct mbox *mb, unsigned long cmd, struct mbox_msg *msgs,
		 unsigned int count, unsigned int flags, uint64_t timeout_ns,
		 pid_t pid, int *error)
{
	struct mbox_msgvec stack[BATCH_STACK], *vec = stack;
	struct mbox_batch args = {
		.count = count,
		.flags = flags,
		.timeout_ns = timeout_ns,
		.pid = pid,
	};
	bool send = cmd == MBOX_IOC_SEND_BATCH;
	unsigned int i;
	int ret;

	if (count > MBOX_BATCH_MAX) {
		ret = -EINVAL;
		goto out;
	}
	if (count > BATCH_STACK) {
		vec = calloc(count, sizeof(*vec));
		if (!vec) {
			ret = -ENOMEM;
			goto out;
		}
	} else {
		memset(stack, 0, sizeof(stack));
	}
	for (i = 0; i < count; i++) {
		vec[i].buf = (uintptr_t)msgs[i].buf;
		if (msgs[i].len > UINT32_MAX && send) {
			ret = -EMSGSIZE;
			goto out;
		}
		vec[i].len = msgs[i].len > UINT32_MAX ? UINT32_MAX : msgs[i].len;
		vec[i].prio = send ? msgs[i].prio : 0;
	}
	args.vec = (uintptr_t)vec;
	ret = send ? send_ioctl(mb, pid, cmd, &args)
		   : mbox__ioctl(mb->fd, cmd, &args);
	if (!send) {
		for (i = 0; i < args.done; i++) {
			msgs[i].len = vec[i].len;
			msgs[i].prio = vec[i].prio;
			msgs[i].pid = vec[i].pid;
			msgs[i].uid = vec[i].uid;
			msgs[i].gid = vec[i].gid;
		}
	}
out:
	if (vec != stack)
		free(vec);
	if (error)
		*error = ret < 0 ? -ret : (int)args.error;
	return ret;
}

int mbox_send_batch(struct mbox *mb, struct mbox_msg *msgs,
		    unsigned int count, const struct mbox_sendopts *opts,
		    int *error)
{
	unsigned int flags = opts ? opts->flags : 0;
	pid_t pid = 0;

	if (opts && opts->to > 0) {
		flags |= MBOX_SEND_TO_PID;
		pid = opts->to;
	} else if (opts && opts->to < 0) {
		return -EINVAL;
	}
	return batch(mb, MBOX_IOC_SEND_BATCH, msgs, count, flags,
		     opts ? opts->timeout_ns : 0, pid, error);
}

int mbox_recv_batch(struct mbox *mb, struct mbox_msg *msgs,
		    unsigned int count, const struct mbox_recvopts *opts,
		    int *error)
{
	unsigned int flags = opts ? opts->flags : 0;
	pid_t pid = 0;

	if (!mb)
		return -EINVAL;
	if (opts && opts->from > 0) {
		flags |= MBOX_RECV_FROM;
		pid = opts->from;
	} else if (opts && opts->from < 0) {
		return -EINVAL;
	}
	return batch(mb, MBOX_IOC_RECV_BATCH, msgs, count, flags,
		     opts ? opts->timeout_ns : 0, pid, error);
}
