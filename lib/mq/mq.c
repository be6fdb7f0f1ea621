// SPDX-License-Identifier: (LGPL-2.1 OR MIT)
/*
 * The POSIX message queue calls on /dev/mbox mailboxes.
 *
 * Each call mirrors the checks of the kernel's ipc/mqueue.c (and of glibc's
 * wrappers around it) in the same order, so that a bad argument gives the
 * errno the kernel gives. What cannot be mirrored is listed in
 * libmbox-mq(3) and README.md.
 *
 * Names: the queue "/NAME" is the mbox mailbox "NAME". Mailboxes and queues
 * share one namespace, so mboxctl sees, feeds and drains queues.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mqueue.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>

#include "mbox_mq.h"
#include "internal.h"

/* ipc/mqueue.c and include/linux/ipc_namespace.h, Linux 6.1 to 6.12. */
#define MQ_HARD_MSGMAX		65536
#define MQ_HARD_MSGSIZEMAX	(16 * 1024 * 1024)
#define MQ_DFLT_QUEUESMAX	256
#define MQ_DFLT_MSGMAX		10
#define MQ_DFLT_MSGSIZEMAX	8192
/* What the kernel charges to RLIMIT_MSGQUEUE per message slot (x86-64):
 * sizeof(struct msg_msg) and sizeof(struct posix_msg_tree_node). */
#define MQ_MSG_MSG_SIZE		48
#define MQ_TREE_NODE_SIZE	48
#define MQ_KERNEL_PRIO_MAX	32768	/* MQ_PRIO_MAX of the kernel */

int mq__ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

static int not_a_queue(int err)
{
	/* An fd that is no bound mailbox is "not a message queue". */
	if (err == -ENOTTY || err == -ENOTCONN || err == -EINVAL)
		return -EBADF;
	return err;
}

int mq__stat(int fd, struct mbox_stat *st)
{
	memset(st, 0, sizeof(*st));
	return not_a_queue(mq__ioctl(fd, MBOX_IOC_STAT, st));
}

static int fail(int err)
{
	errno = -err;
	return -1;
}

/*
 * Per-descriptor memory: the message size (mq_receive checks the buffer
 * against it before anything else, as the kernel does) and the name (for
 * mq_notify). Filled by mq_open, cleared by mq_close; a descriptor the
 * library did not open is looked up with MBOX_IOC_STAT each time.
 */
#define FD_CACHE_MAX	4096
static _Atomic uint32_t fd_msg_size[FD_CACHE_MAX];	/* msg_size + 1; 0: unknown */
static char *fd_names[FD_CACHE_MAX];
static pthread_mutex_t fd_names_lock = PTHREAD_MUTEX_INITIALIZER;

static void fd_remember(int fd, const char *name, uint32_t msg_size)
{
	char *copy;

	if (fd < 0 || fd >= FD_CACHE_MAX)
		return;
	atomic_store_explicit(&fd_msg_size[fd], msg_size + 1, memory_order_relaxed);
	copy = strdup(name);
	pthread_mutex_lock(&fd_names_lock);
	free(fd_names[fd]);
	fd_names[fd] = copy;
	pthread_mutex_unlock(&fd_names_lock);
}

static void fd_forget(int fd)
{
	if (fd < 0 || fd >= FD_CACHE_MAX)
		return;
	atomic_store_explicit(&fd_msg_size[fd], 0, memory_order_relaxed);
	pthread_mutex_lock(&fd_names_lock);
	free(fd_names[fd]);
	fd_names[fd] = NULL;
	pthread_mutex_unlock(&fd_names_lock);
}

int mq__fd_name(int fd, char *buf, size_t size)
{
	int ret = -ENOENT;

	if (fd < 0 || fd >= FD_CACHE_MAX)
		return ret;
	pthread_mutex_lock(&fd_names_lock);
	if (fd_names[fd] && strlen(fd_names[fd]) < size) {
		strcpy(buf, fd_names[fd]);
		ret = 0;
	}
	pthread_mutex_unlock(&fd_names_lock);
	return ret;
}

/* The queue's message size, from the cache or the kernel. */
static int msg_size_of(int fd, uint32_t *msg_size)
{
	struct mbox_stat st;
	uint32_t v = 0;
	int ret;

	if (fd >= 0 && fd < FD_CACHE_MAX)
		v = atomic_load_explicit(&fd_msg_size[fd], memory_order_relaxed);
	if (v) {
		*msg_size = v - 1;
		return 0;
	}
	ret = mq__stat(fd, &st);
	if (ret)
		return ret;
	*msg_size = st.msg_size;
	return 0;
}

/* The kernel's name rules (lookup_one_len(), simple_lookup()), then mbox's. */
static int check_name(const char *name, const char **mbox_name)
{
	size_t len, i;

	if (name[0] != '/')
		return -EINVAL;			/* glibc */
	name++;
	len = strnlen(name, PATH_MAX);
	if (len >= PATH_MAX)
		return -ENAMETOOLONG;		/* getname() */
	if (len == 0)
		return -ENOENT;			/* getname("") */
	if (name[0] == '.' && (len == 1 || (len == 2 && name[1] == '.')))
		return -EACCES;
	if (strchr(name, '/'))
		return -EACCES;
	if (len > NAME_MAX)
		return -ENAMETOOLONG;
	for (i = 0; i < len; i++)
		if ((unsigned char)name[i] < 0x20 || (unsigned char)name[i] > 0x7e)
			return -EINVAL;		/* mbox names are printable ASCII */
	*mbox_name = name;
	return 0;
}

static int open_device(int oflags)
{
	int fd = open(MBOX_DEVICE_PATH, oflags | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	/* No module: as a kernel without CONFIG_POSIX_MQUEUE. */
	return errno == ENOENT || errno == ENXIO || errno == ENODEV ? -ENOSYS : -errno;
}

static long read_sysctl(const char *name, long dflt)
{
	char path[64], buf[32];
	long v = dflt;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/fs/mqueue/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return dflt;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0) {
		buf[n] = 0;
		v = strtol(buf, NULL, 10);
	}
	return v;
}

/* capable(CAP_SYS_RESOURCE), as the kernel sees the calling thread. */
static int has_sys_resource(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
		.pid = 0,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return 0;
	return !!(data[CAP_TO_INDEX(CAP_SYS_RESOURCE)].effective &
		  CAP_TO_MASK(CAP_SYS_RESOURCE));
}

/* Mailboxes that exist now, for the queues_max check. */
static long count_queues(int fd)
{
	struct mbox_list list = { 0 };
	struct mbox_list_entry *e;
	char *buf = NULL;
	uint32_t off, i, len;
	long n = 0;
	int ret = 0, tries;

	for (tries = 0; tries < 8; tries++) {
		len = list.needed ? list.needed + 4096 : 0;
		free(buf);
		buf = len ? malloc(len) : NULL;
		if (len && !buf)
			return 0;
		memset(&list, 0, sizeof(list));
		list.buf = (uintptr_t)buf;
		list.len = len;
		ret = mq__ioctl(fd, MBOX_IOC_LIST, &list);
		if (ret != -ERANGE)
			break;
	}
	for (i = 0, off = 0; ret == 0 && i < list.count; i++) {
		e = (struct mbox_list_entry *)(buf + off);
		if (e->type == MBOX_TYPE_MAILBOX)
			n++;
		off += e->size;
	}
	free(buf);
	return n;
}

/*
 * The checks mqueue_create_attr() and mqueue_get_inode() make before a
 * queue is created, in their order; fills @capacity and @msg_size.
 */
static int check_create(int fd, const struct mq_attr *attr,
			uint32_t *capacity, uint32_t *msg_size)
{
	long msg_max = read_sysctl("msg_max", MQ_DFLT_MSGMAX);
	long msgsize_max = read_sysctl("msgsize_max", MQ_DFLT_MSGSIZEMAX);
	long maxmsg, msgsize;
	unsigned long bytes, tree;
	struct rlimit rl;
	int cap = has_sys_resource();

	if (!cap && count_queues(fd) >= read_sysctl("queues_max", MQ_DFLT_QUEUESMAX))
		return -ENOSPC;
	if (attr) {
		maxmsg = attr->mq_maxmsg;
		msgsize = attr->mq_msgsize;
	} else {
		maxmsg = read_sysctl("msg_default", MQ_DFLT_MSGMAX);
		msgsize = read_sysctl("msgsize_default", MQ_DFLT_MSGSIZEMAX);
		if (maxmsg > msg_max)
			maxmsg = msg_max;
		if (msgsize > msgsize_max)
			msgsize = msgsize_max;
	}
	if (maxmsg <= 0 || msgsize <= 0)
		return -EINVAL;
	if (cap) {
		if (maxmsg > MQ_HARD_MSGMAX || msgsize > MQ_HARD_MSGSIZEMAX)
			return -EINVAL;
	} else if (maxmsg > msg_max || msgsize > msgsize_max) {
		return -EINVAL;
	}
	/* RLIMIT_MSGQUEUE, charged as the kernel charges it; for root too. */
	tree = (unsigned long)maxmsg * MQ_MSG_MSG_SIZE +
	       (unsigned long)(maxmsg < MQ_KERNEL_PRIO_MAX ? maxmsg : MQ_KERNEL_PRIO_MAX) *
	       MQ_TREE_NODE_SIZE;
	bytes = (unsigned long)maxmsg * (unsigned long)msgsize + tree;
	if (getrlimit(RLIMIT_MSGQUEUE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    bytes > rl.rlim_cur)
		return -EMFILE;
	*capacity = (uint32_t)maxmsg;
	*msg_size = (uint32_t)msgsize;
	return 0;
}

static int bind_fd(int fd, const char *name, uint32_t flags, mode_t mode,
		   uint32_t capacity, uint32_t msg_size)
{
	struct mbox_open op = {
		.name = (uintptr_t)name,
		.flags = flags,
		.mode = mode & 0777,
		.capacity = capacity,
		.msg_size = msg_size,
	};

	return mq__ioctl(fd, MBOX_IOC_OPEN, &op);
}

/* Does mailbox @name exist? A throwaway descriptor binds to find out. */
static int exists(const char *name)
{
	int fd = open_device(O_RDONLY), ret;

	if (fd < 0)
		return 0;
	ret = bind_fd(fd, name, 0, 0, 0, 0);
	close(fd);
	return ret != -ENOENT;
}

static int do_open(const char *qname, int oflag, mode_t mode,
		   const struct mq_attr *attr)
{
	int acc = oflag & O_ACCMODE, fd, ret;
	uint32_t capacity = 0, msg_size = 0;
	const char *name;
	struct mbox_stat st;

	if (qname[0] != '/')
		return -EINVAL;
	/* The kernel takes a descriptor before it looks at the name. */
	fd = open_device((acc == O_ACCMODE ? O_RDONLY : acc) | (oflag & O_NONBLOCK));
	if (fd < 0)
		return fd;
	ret = check_name(qname, &name);
	if (ret)
		goto err;

	if (acc == O_ACCMODE) {
		/*
		 * The kernel refuses O_RDWR | O_WRONLY on an existing queue
		 * (EINVAL) but creates a new one and returns a descriptor
		 * that can neither send nor receive; /dev/mbox has no such
		 * descriptor, so that is EINVAL too, and nothing is created.
		 */
		if (exists(name))
			ret = (oflag & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL) ? -EEXIST : -EINVAL;
		else
			ret = oflag & O_CREAT ? -EINVAL : -ENOENT;
		goto err;
	}
	if ((oflag & (O_CREAT | O_EXCL)) != (O_CREAT | O_EXCL)) {
		/* Open an existing queue; its attributes stay as they are. */
		ret = bind_fd(fd, name, 0, 0, 0, 0);
		if (ret != -ENOENT || !(oflag & O_CREAT))
			goto done;
	}
	for (;;) {
		ret = check_create(fd, attr, &capacity, &msg_size);
		if (ret) {
			/* An existing queue fails with EEXIST first. */
			if ((oflag & O_EXCL) && exists(name))
				ret = -EEXIST;
			goto err;
		}
		ret = bind_fd(fd, name, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL, mode,
			      capacity, msg_size);
		if (ret != -EEXIST || (oflag & O_EXCL))
			break;
		/* Created by someone else meanwhile: open theirs. */
		ret = bind_fd(fd, name, 0, 0, 0, 0);
		if (ret != -ENOENT)
			break;
	}
done:
	if (ret)
		goto err;
	if (mq__stat(fd, &st) == 0)
		fd_remember(fd, name, st.msg_size);
	return fd;
err:
	close(fd);
	return ret;
}

mqd_t mq_open(const char *name, int oflag, ...)
{
	struct mq_attr *attr = NULL;
	mode_t mode = 0;
	int ret;

	if (oflag & O_CREAT) {
		va_list ap;

		va_start(ap, oflag);
		mode = va_arg(ap, mode_t);
		attr = va_arg(ap, struct mq_attr *);
		va_end(ap);
	}
	ret = do_open(name, oflag, mode, attr);
	return ret < 0 ? fail(ret) : ret;
}

/* What glibc's fortified mq_open calls when given O_CREAT and no mode. */
mqd_t __mq_open_2(const char *name, int oflag)
{
	if (oflag & O_CREAT)
		abort();
	return mq_open(name, oflag);
}

int mq_close(mqd_t mqd)
{
	mq__notify_close(mqd);
	fd_forget(mqd);
	return close(mqd);
}

int mq_unlink(const char *qname)
{
	struct mbox_unlink ul = { .type = MBOX_TYPE_MAILBOX };
	const char *name;
	int fd, ret;

	ret = check_name(qname, &name);
	if (ret)
		return fail(ret);
	fd = open_device(O_RDONLY);
	if (fd < 0)
		return fail(fd);
	ul.name = (uintptr_t)name;
	ret = mq__ioctl(fd, MBOX_IOC_UNLINK, &ul);
	close(fd);
	if (ret == -EPERM)
		ret = -EACCES;	/* what the kernel's mq_unlink gives a non-owner */
	if (ret)
		return fail(ret);
	mq__notify_unlink(name);
	return 0;
}

/* prepare_timeout(): a bad time fails even when the call need not wait. */
static int check_timeout(const struct timespec *ts)
{
	if (ts && (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000L))
		return -EINVAL;
	return 0;
}

/* Absolute CLOCK_REALTIME to relative nanoseconds, 0 when past. */
static uint64_t relative_ns(const struct timespec *ts)
{
	struct timespec now;
	int64_t s, ns;

	clock_gettime(CLOCK_REALTIME, &now);
	s = (int64_t)ts->tv_sec - now.tv_sec;
	ns = (int64_t)ts->tv_nsec - now.tv_nsec;
	if (s < 0 || (s == 0 && ns <= 0))
		return 0;
	if (s > 4000000000LL)
		s = 4000000000LL;	/* 126 years: as good as forever, no overflow */
	return (uint64_t)(s * 1000000000LL + ns);
}

static int do_send(mqd_t mqd, const char *buf, size_t len, unsigned int prio,
		   const struct timespec *abs_timeout, uint32_t flags)
{
	struct mbox_send s = { .buf = (uintptr_t)buf, .prio = prio };
	int ret;

	ret = check_timeout(abs_timeout);
	if (ret)
		return ret;
	if (prio >= MQ_KERNEL_PRIO_MAX || prio >= MBOX_MQ_PRIO_MAX)
		return -EINVAL;
	if (len > UINT32_MAX)
		len = UINT32_MAX;	/* above any msg_size: EMSGSIZE */
	s.len = (uint32_t)len;
	s.flags = flags;
	if (abs_timeout) {
		s.flags |= MBOX_SEND_TIMEOUT;
		s.timeout_ns = relative_ns(abs_timeout);
	}
	ret = mq__ioctl(mqd, MBOX_IOC_SEND, &s);
	return ret == -ENOTTY || ret == -ENOTCONN ? -EBADF : ret;
}

int mq_timedsend(mqd_t mqd, const char *buf, size_t len, unsigned int prio,
		 const struct timespec *abs_timeout)
{
	int ret = do_send(mqd, buf, len, prio, abs_timeout, 0);

	return ret ? fail(ret) : 0;
}

int mq_send(mqd_t mqd, const char *buf, size_t len, unsigned int prio)
{
	int ret = do_send(mqd, buf, len, prio, NULL, 0);

	return ret ? fail(ret) : 0;
}

int mbox_mq_send_sync(mqd_t mqd, const char *buf, size_t len,
		      unsigned int prio, const struct timespec *abs_timeout)
{
	int ret = do_send(mqd, buf, len, prio, abs_timeout, MBOX_SEND_SYNC);

	return ret ? fail(ret) : 0;
}

static ssize_t do_receive(mqd_t mqd, char *buf, size_t len, unsigned int *prio,
			  const struct timespec *abs_timeout,
			  struct mbox_mq_sender *sender, uint32_t flags)
{
	struct mbox_recv r = { .buf = (uintptr_t)buf };
	uint32_t msg_size;
	int ret;

	ret = check_timeout(abs_timeout);
	if (ret)
		return ret;
	ret = msg_size_of(mqd, &msg_size);
	if (ret)
		return ret;
	if (len < msg_size) {
		/* The kernel refuses a write-only descriptor first. */
		int fl = fcntl(mqd, F_GETFL);

		return fl >= 0 && (fl & O_ACCMODE) == O_WRONLY ? -EBADF : -EMSGSIZE;
	}
	r.len = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
	r.flags = flags;
	if (abs_timeout) {
		r.flags |= MBOX_RECV_TIMEOUT;
		r.timeout_ns = relative_ns(abs_timeout);
	}
	ret = mq__ioctl(mqd, MBOX_IOC_RECV, &r);
	if (ret < 0)
		return ret == -ENOTTY || ret == -ENOTCONN ? -EBADF : ret;
	if (prio)
		*prio = r.prio;
	if (sender) {
		sender->pid = (pid_t)r.pid;
		sender->uid = r.uid;
		sender->gid = r.gid;
	}
	return r.len;
}

static ssize_t receive_result(ssize_t ret)
{
	return ret < 0 ? fail((int)ret) : ret;
}

ssize_t mq_timedreceive(mqd_t mqd, char *buf, size_t len, unsigned int *prio,
			const struct timespec *abs_timeout)
{
	return receive_result(do_receive(mqd, buf, len, prio, abs_timeout, NULL, 0));
}

ssize_t mq_receive(mqd_t mqd, char *buf, size_t len, unsigned int *prio)
{
	return receive_result(do_receive(mqd, buf, len, prio, NULL, NULL, 0));
}

ssize_t mbox_mq_receive_from(mqd_t mqd, char *buf, size_t len,
			     unsigned int *prio,
			     const struct timespec *abs_timeout,
			     struct mbox_mq_sender *sender)
{
	return receive_result(do_receive(mqd, buf, len, prio, abs_timeout, sender, 0));
}

ssize_t mbox_mq_peek(mqd_t mqd, char *buf, size_t len, unsigned int *prio,
		     const struct timespec *abs_timeout,
		     struct mbox_mq_sender *sender)
{
	return receive_result(do_receive(mqd, buf, len, prio, abs_timeout, sender,
					 MBOX_RECV_PEEK));
}

static int getattr(mqd_t mqd, struct mq_attr *attr)
{
	struct mbox_stat st;
	int fl, ret;

	ret = mq__stat(mqd, &st);
	if (ret)
		return ret;
	fl = fcntl(mqd, F_GETFL);
	if (fl < 0)
		return -errno;
	memset(attr, 0, sizeof(*attr));
	attr->mq_flags = fl & O_NONBLOCK;
	attr->mq_maxmsg = st.capacity;
	attr->mq_msgsize = st.msg_size;
	attr->mq_curmsgs = st.queued;
	return 0;
}

int mq_getattr(mqd_t mqd, struct mq_attr *attr)
{
	int ret = getattr(mqd, attr);

	return ret ? fail(ret) : 0;
}

/* <mqueue.h> says @attr is nonnull; the kernel's call takes NULL (get only). */
static int setattr(mqd_t mqd, const struct mq_attr *attr, struct mq_attr *old)
{
	struct mq_attr cur;
	int fl, ret;

	if (attr && (attr->mq_flags & ~(long)O_NONBLOCK))
		return fail(-EINVAL);
	ret = getattr(mqd, &cur);
	if (ret)
		return fail(ret);
	if (!attr) {
		/* As mq_getsetattr(2) with no new attributes. */
		if (old)
			*old = cur;
		return 0;
	}
	fl = fcntl(mqd, F_GETFL);
	if (fl < 0)
		return -1;
	fl = (fl & ~O_NONBLOCK) | (attr->mq_flags & O_NONBLOCK);
	if (fcntl(mqd, F_SETFL, fl) < 0)
		return -1;
	if (old)
		*old = cur;
	return 0;
}

int mq_setattr(mqd_t mqd, const struct mq_attr *attr, struct mq_attr *old)
{
	return setattr(mqd, attr, old);
}

/*
 * sysconf(_SC_MQ_PRIO_MAX) says how many priorities mq_send() takes; glibc
 * answers the kernel's 32768. libmbox-mq takes 32, the least POSIX allows
 * (_POSIX_MQ_PRIO_MAX), and says so here, so that a program that asks (the
 * kernel's mq_perf_tests does) stays within it. Every other name goes to
 * glibc.
 */
extern long __sysconf(int name);

long sysconf(int name)
{
	if (name == _SC_MQ_PRIO_MAX)
		return MBOX_MQ_PRIO_MAX;
	return __sysconf(name);
}

extern __typeof(sysconf) sysconf__glibc __attribute__((alias("sysconf"), copy(sysconf)));
__asm__(".symver sysconf__glibc, sysconf@GLIBC_2.2.5");
__asm__(".symver sysconf, sysconf@@@LIBMBOX_MQ_1");

MQ_GLIBC_ALIASES(mq_open)
MQ_GLIBC_ALIASES(mq_close)
MQ_GLIBC_ALIASES(mq_unlink)
MQ_GLIBC_ALIASES(mq_send)
MQ_GLIBC_ALIASES(mq_timedsend)
MQ_GLIBC_ALIASES(mq_receive)
MQ_GLIBC_ALIASES(mq_timedreceive)
MQ_GLIBC_ALIASES(mq_getattr)
MQ_GLIBC_ALIASES(mq_setattr)
