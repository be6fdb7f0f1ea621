// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the mbox selftests.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common.h"

static int param_path(char *buf, size_t len, const char *name)
{
	int n = snprintf(buf, len, "/sys/module/mbox/parameters/%s", name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

long long param_read(const char *name)
{
	char path[128], buf[32];
	ssize_t n;
	int fd;

	if (param_path(path, sizeof(path), name))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	buf[n] = '\0';
	return strtoll(buf, NULL, 0);
}

int param_write(const char *name, long long value)
{
	char path[128], buf[32];
	int fd, len, ret = 0;

	if (param_path(path, sizeof(path), name))
		return -ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%lld", value);
	if (write(fd, buf, len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

void *fault_area(size_t valid, size_t size)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t map_len = (valid + size + 2 * page) & ~(page - 1);
	size_t good = (valid + page - 1) & ~(page - 1);
	char *p;

	p = mmap(NULL, map_len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (mprotect(p + good, map_len - good, PROT_NONE))
		return NULL;
	return p + good - valid;
}

#include <grp.h>
#include <sys/ioctl.h>
#include <time.h>

const char *mb_name(const char *prefix)
{
	static char names[8][MBOX_NAME_MAX + 1];
	static unsigned int n;
	char *buf = names[n % 8];

	snprintf(buf, sizeof(names[0]), "%s-%d-%u", prefix, getpid(), n);
	n++;
	return buf;
}

/* A descriptor of /dev/mbox opened with @oflag, then bound by @cmd. */
static int open_bound(int oflag, unsigned long cmd, void *args)
{
	int fd, err;

	fd = open("/dev/mbox", oflag | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, cmd, args)) {
		err = errno;
		close(fd);
		return -err;
	}
	return fd;
}

/* An ioctl on a descriptor of /dev/mbox opened for the one call. */
static int device_ioctl(unsigned long cmd, void *args)
{
	int fd, ret;

	fd = open("/dev/mbox", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = ioctl(fd, cmd, args) ? -errno : 0;
	close(fd);
	return ret;
}

int mb_open(const char *name, int oflag, uint32_t flags, uint32_t mode,
	    uint32_t capacity, uint32_t msg_size)
{
	struct mbox_open args = {
		.name = (uintptr_t)name,
		.flags = flags,
		.mode = mode,
		.capacity = capacity,
		.msg_size = msg_size,
	};
	return open_bound(oflag, MBOX_IOC_OPEN, &args);
}

int mb_create(const char *name, uint32_t capacity, uint32_t msg_size)
{
	return mb_open(name, O_RDWR, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL, 0600,
		       capacity, msg_size);
}

int mb_unlink(const char *name)
{
	struct mbox_unlink args = {
		.name = (uintptr_t)name,
		.type = MBOX_TYPE_MAILBOX,
	};

	return device_ioctl(MBOX_IOC_UNLINK, &args);
}

int mb_send(int fd, const void *buf, uint32_t len, uint32_t flags,
	    uint64_t timeout_ns)
{
	struct mbox_send args = {
		.buf = (uintptr_t)buf,
		.len = len,
		.flags = flags,
		.timeout_ns = timeout_ns,
	};
	int ret = ioctl(fd, MBOX_IOC_SEND, &args);

	return ret < 0 ? -errno : ret;
}

int mb_recv(int fd, void *buf, uint32_t len, uint32_t flags,
	    uint64_t timeout_ns, uint32_t *msg_len)
{
	struct mbox_recv args = {
		.buf = (uintptr_t)buf,
		.len = len,
		.flags = flags,
		.timeout_ns = timeout_ns,
	};
	int ret = ioctl(fd, MBOX_IOC_RECV, &args);

	if (ret < 0)
		ret = -errno;
	if (msg_len)
		*msg_len = args.len;
	return ret;
}

int mb_stat(int fd, struct mbox_stat *st)
{
	memset(st, 0, sizeof(*st));
	return ioctl(fd, MBOX_IOC_STAT, st) ? -errno : 0;
}

bool mb_wait_waiters(int fd, int senders, int receivers)
{
	struct mbox_stat st;

	for (;;) {
		if (mb_stat(fd, &st))
			return false;
		if ((senders < 0 || st.waiting_senders == (uint32_t)senders) &&
		    (receivers < 0 || st.waiting_receivers == (uint32_t)receivers))
			return true;
		usleep(1000);
	}
}

long wait_asleep(pid_t tid)
{
	char path[64], buf[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)tid);
	for (;;) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n < 0)
			return -errno;
		buf[n] = '\0';
		/* "running" while it runs or is runnable; "-1 ..." outside a call. */
		if (buf[0] >= '0' && buf[0] <= '9')
			return strtol(buf, NULL, 10);
		usleep(1000);
	}
}

bool is_epoll_wait(long nr)
{
#ifdef SYS_epoll_wait
	if (nr == SYS_epoll_wait)
		return true;
#endif
#ifdef SYS_epoll_pwait2
	if (nr == SYS_epoll_pwait2)
		return true;
#endif
	return nr == SYS_epoll_pwait;
}

int pipe_post(int fd)
{
	return write(fd, "p", 1) == 1 ? 0 : -1;
}

int pipe_wait(int fd)
{
	char c;

	return read(fd, &c, 1) == 1 ? 0 : -1;
}

size_t slab_class(size_t size)
{
	size_t class = 8;

	if (size > 64 && size <= 96)
		return 96;
	if (size > 128 && size <= 192)
		return 192;
	while (class < size)
		class <<= 1;
	return class;
}

size_t msg_cost(size_t len, size_t overhead)
{
	size_t one = slab_class(len + overhead);
	size_t two = slab_class(overhead + 8) +	/* a kernel pointer */
		     (len ? slab_class(len) : 0);

	return two < one ? two : one;
}

int become_user(uid_t uid, gid_t gid)
{
	if (setgroups(0, NULL) || setresgid(gid, gid, gid) ||
	    setresuid(uid, uid, uid))
		return -errno;
	return 0;
}

static uint32_t checksum(const uint8_t *p, uint32_t len, uint32_t seed)
{
	uint32_t h = seed ^ 2166136261u;

	while (len--)
		h = (h ^ *p++) * 16777619u;
	return h;
}

void stamp_fill(void *buf, uint32_t len, uint32_t producer, uint32_t seq)
{
	struct stamp *s = buf;
	uint8_t *body = (uint8_t *)(s + 1);
	uint32_t i, n = len - sizeof(*s), x = producer * 7919 + seq;

	for (i = 0; i < n; i++) {
		x = x * 1103515245 + 12345;
		body[i] = x >> 16;
	}
	s->producer = producer;
	s->seq = seq;
	s->len = len;
	s->sum = checksum(body, n, producer ^ seq);
}

int stamp_check(const void *buf, uint32_t len, struct stamp *out)
{
	const struct stamp *s = buf;

	if (len < sizeof(*s))
		return -1;
	memcpy(out, s, sizeof(*s));
	if (s->len != len)
		return -1;
	if (s->sum != checksum((const uint8_t *)(s + 1), len - sizeof(*s),
			       s->producer ^ s->seq))
		return -1;
	return 0;
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

#include <sys/wait.h>

int reap(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int mb_sendx(int fd, const void *buf, uint32_t len, uint32_t flags,
	     uint32_t prio, uint32_t pid, uint64_t timeout_ns)
{
	struct mbox_send args = {
		.buf = (uintptr_t)buf,
		.len = len,
		.flags = flags,
		.timeout_ns = timeout_ns,
		.prio = prio,
		.pid = pid,
	};

	return ioctl(fd, MBOX_IOC_SEND, &args) ? -errno : 0;
}

int mb_recvx(int fd, void *buf, uint32_t len, uint32_t flags, uint32_t from,
	     uint64_t timeout_ns, struct mbox_recv *out)
{
	struct mbox_recv args = {
		.buf = (uintptr_t)buf,
		.len = len,
		.flags = flags,
		.timeout_ns = timeout_ns,
		.pid = from,
	};
	int ret = ioctl(fd, MBOX_IOC_RECV, &args);

	if (ret < 0)
		ret = -errno;
	if (out)
		*out = args;
	return ret;
}

int inbox_open(int oflag, uint32_t flags, uint32_t mode, uint32_t capacity)
{
	struct mbox_open args = {
		.flags = MBOX_OPEN_INBOX | flags,
		.mode = mode,
		.capacity = capacity,
	};
	return open_bound(oflag, MBOX_IOC_OPEN, &args);
}

int mb_batch(int fd, unsigned long cmd, struct mbox_msgvec *vec,
	     uint32_t count, uint32_t flags, uint32_t pid,
	     uint64_t timeout_ns, struct mbox_batch *out)
{
	struct mbox_batch args = {
		.vec = (uintptr_t)vec,
		.count = count,
		.flags = flags,
		.timeout_ns = timeout_ns,
		.pid = pid,
	};
	int ret = ioctl(fd, cmd, &args);

	if (ret < 0)
		ret = -errno;
	if (out)
		*out = args;
	return ret;
}

int ring_open(const char *name, int oflag, uint32_t flags, uint32_t mode,
	      uint32_t size, uint32_t role, struct mbox_ring_layout *layout)
{
	struct mbox_ring_open args = {
		.name = (uintptr_t)name,
		.flags = flags,
		.mode = mode,
		.size = size,
		.role = role,
	};
	int fd;

	fd = open_bound(oflag, MBOX_IOC_RING_OPEN, &args);
	if (fd < 0)
		return fd;
	if (layout)
		*layout = args.layout;
	return fd;
}

int ring_unlink(const char *name)
{
	struct mbox_unlink args = {
		.name = (uintptr_t)name,
		.type = MBOX_TYPE_RING,
	};

	return device_ioctl(MBOX_IOC_UNLINK, &args);
}

int ring_stat(int fd, struct mbox_ring_stat *st)
{
	memset(st, 0, sizeof(*st));
	return ioctl(fd, MBOX_IOC_RING_STAT, st) ? -errno : 0;
}

int mb_pipe(uint32_t type, int fds[2], uint32_t flags, uint32_t fd_flags,
	    uint32_t cap_or_size, uint32_t msg_size,
	    struct mbox_ring_layout *layout)
{
	struct mbox_pipe args = {
		.type = type,
		.flags = flags,
		.fd_flags = fd_flags,
		.mode = 0600,
	};
	int ret;

	if (type == MBOX_TYPE_RING) {
		args.size = cap_or_size;
	} else {
		args.capacity = cap_or_size;
		args.msg_size = msg_size;
	}
	ret = device_ioctl(MBOX_IOC_PIPE, &args);
	if (ret)
		return ret;
	fds[0] = args.fds[0];
	fds[1] = args.fds[1];
	if (layout)
		*layout = args.layout;
	return 0;
}

/*
 * Without sigtimedwait(), whose i386 call needs COMPAT_32BIT_TIME in some
 * libcs: look at the pending set, then discard the signal by ignoring it
 * for a moment (POSIX: setting SIG_IGN discards a pending signal).
 */
bool sigpipe_take(void)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	sigset_t pending;
	bool had;

	if (sigpending(&pending))
		return false;
	had = sigismember(&pending, SIGPIPE) == 1;
	sigaction(SIGPIPE, &ign, &old);
	sigaction(SIGPIPE, &old, NULL);
	return had;
}

void sigpipe_block(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &set, NULL);
}
