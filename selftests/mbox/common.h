/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the mbox selftests.
 */
#ifndef MBOX_SELFTEST_COMMON_H
#define MBOX_SELFTEST_COMMON_H

#include <stddef.h>

/* A module parameter from /sys/module/mbox/parameters, or -errno. */
long long param_read(const char *name);

/* Write @value to a module parameter: 0 or -errno. */
int param_write(const char *name, long long value);

/*
 * An address range of @size bytes whose first @valid bytes are readable and
 * writable and whose rest is PROT_NONE, for EFAULT tests. Returns the start
 * of the range (so that start + valid is the first bad byte); NULL on error.
 */
void *fault_area(size_t valid, size_t size);

#endif /* MBOX_SELFTEST_COMMON_H */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/mbox.h>

/*
 * Raw mailbox calls: the tests talk to the kernel ABI directly (libmbox has
 * tests of its own). Each returns what the ioctl returns, or -errno.
 */

/* A name no other test uses: "PREFIX-PID-N". */
const char *mb_name(const char *prefix);

/* open /dev/mbox with @oflag and bind it; the fd or -errno. */
int mb_open(const char *name, int oflag, uint32_t flags, uint32_t mode,
	    uint32_t capacity, uint32_t msg_size);

/* Create @name exclusively (mode 0600), opened O_RDWR; the fd or -errno. */
int mb_create(const char *name, uint32_t capacity, uint32_t msg_size);

int mb_unlink(const char *name);
int mb_send(int fd, const void *buf, uint32_t len, uint32_t flags,
	    uint64_t timeout_ns);
/* Returns bytes stored or -errno; *msg_len (may be NULL) gets args.len. */
int mb_recv(int fd, void *buf, uint32_t len, uint32_t flags,
	    uint64_t timeout_ns, uint32_t *msg_len);
int mb_stat(int fd, struct mbox_stat *st);

/*
 * Wait until @fd's mailbox has @senders waiting senders and @receivers
 * waiting receivers (-1: any), polling MBOX_IOC_STAT: a synchronization
 * point between processes, not a timing check. A waiter is counted from
 * the moment it is queued (under the mailbox lock), so use it only for a
 * state that the other side is sure to reach and then hold until this side
 * acts. There is no wall-clock limit: a state that never comes is a failure
 * the harness's per-test timeout reports. Returns false only if STAT fails.
 */
bool mb_wait_waiters(int fd, int senders, int receivers);

/*
 * The slab size class a kmalloc() of @size (at most 8 KiB) bytes takes on
 * x86-64: 8 to 8192 in powers of two, plus 96 and 192.
 */
size_t slab_class(size_t size);

/*
 * What a queued message of @len bytes (at most 8 KiB) costs of the byte
 * quota on x86-64, as struct mbox_info's @msg_overhead says: the cheaper of
 * slab_class(len + overhead) (header and payload in one allocation) and
 * slab_class(overhead + 8) + slab_class(len) (the payload apart), the first
 * on a tie. @overhead is msg_overhead.
 */
size_t msg_cost(size_t len, size_t overhead);

/*
 * Wait until task @tid (a thread or process id) sleeps in a system call,
 * polling /proc/TID/syscall, which names the call only while the task is
 * blocked in it. Returns that call's number, or -errno. Use it to know that
 * a thread is asleep in epoll_wait() or poll(), where the kernel has no
 * counter to read; like mb_wait_waiters(), it has no wall-clock limit.
 */
long wait_asleep(pid_t tid);

/* Is @nr (from wait_asleep()) one of the epoll_wait() system calls? */
bool is_epoll_wait(long nr);

/* One byte through a pipe, to order two processes: 0 or -1. */
int pipe_post(int fd);
int pipe_wait(int fd);

/* Become @uid/@gid with no supplementary groups and no capabilities. */
int become_user(uid_t uid, gid_t gid);

/* A payload that proves its integrity: sequence numbers and a checksum. */
struct stamp {
	uint32_t producer;
	uint32_t seq;
	uint32_t len;		/* of the whole message */
	uint32_t sum;		/* over the bytes after the stamp */
};

/* Fill @buf (@len >= sizeof(struct stamp)) with a stamped payload. */
void stamp_fill(void *buf, uint32_t len, uint32_t producer, uint32_t seq);

/* Check a received message; returns 0 if intact. */
int stamp_check(const void *buf, uint32_t len, struct stamp *out);

/* Nanoseconds on CLOCK_MONOTONIC. */
uint64_t now_ns(void);

/* Reap child @pid: its exit status, or -1 if it died of a signal. */
int reap(pid_t pid);

/* MBOX_IOC_SEND with every field: 0 or -errno. */
int mb_sendx(int fd, const void *buf, uint32_t len, uint32_t flags,
	     uint32_t prio, uint32_t pid, uint64_t timeout_ns);

/*
 * MBOX_IOC_RECV with every field: bytes stored or -errno; *@out (may be
 * NULL) gets the arguments as the kernel left them.
 */
int mb_recvx(int fd, void *buf, uint32_t len, uint32_t flags, uint32_t from,
	     uint64_t timeout_ns, struct mbox_recv *out);

/* Open /dev/mbox with @oflag and bind it to our inbox: the fd or -errno. */
int inbox_open(int oflag, uint32_t flags, uint32_t mode, uint32_t capacity);

/* A batch ioctl (@cmd): what it returns, or -errno; *@out gets the args. */
int mb_batch(int fd, unsigned long cmd, struct mbox_msgvec *vec,
	     uint32_t count, uint32_t flags, uint32_t pid,
	     uint64_t timeout_ns, struct mbox_batch *out);

/*
 * Rings, raw. Open /dev/mbox with @oflag and bind it in @role: the fd or
 * -errno; *@layout (may be NULL) gets the layout.
 */
int ring_open(const char *name, int oflag, uint32_t flags, uint32_t mode,
	      uint32_t size, uint32_t role, struct mbox_ring_layout *layout);
int ring_unlink(const char *name);
int ring_stat(int fd, struct mbox_ring_stat *st);

/*
 * MBOX_IOC_PIPE: an anonymous mailbox (@type MBOX_TYPE_MAILBOX; @attr is
 * capacity then msg_size) or ring (MBOX_TYPE_RING; @attr[0] is the size).
 * fds[0] is the read end, fds[1] the write end. 0 or -errno; *@layout
 * (may be NULL) gets a ring's layout.
 */
int mb_pipe(uint32_t type, int fds[2], uint32_t flags, uint32_t fd_flags,
	    uint32_t cap_or_size, uint32_t msg_size,
	    struct mbox_ring_layout *layout);

/* Block SIGPIPE in the calling thread, so that sigpipe_take() sees it. */
void sigpipe_block(void);

/*
 * Take a pending SIGPIPE of the calling thread, which must have it
 * blocked: true if there was one. Never waits.
 */
bool sigpipe_take(void);
