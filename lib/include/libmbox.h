/* SPDX-License-Identifier: (LGPL-2.1 OR MIT) */
/*
 * libmbox: the userspace library for /dev/mbox.
 *
 * Conventions, for every function here:
 *  - the return value is 0 (or a byte count, where documented) on success and
 *    a negative errno on failure; errno itself is left untouched;
 *  - the functions are thread-safe: they keep no hidden global state.
 *
 * The kernel ABI is <linux/mbox.h>, included as is.
 */
#ifndef LIBMBOX_H
#define LIBMBOX_H

#include <linux/mbox.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The device node the module creates. */
#define MBOX_DEVICE_PATH	"/dev/mbox"

/**
 * mbox_info() - ask the running module for its ABI version and limits
 * @info: filled in on success; see struct mbox_info in <linux/mbox.h>
 *
 * Return: 0, or -ENOENT when /dev/mbox does not exist (the module is not
 * loaded), or another -errno from open(2) or ioctl(2).
 */
int mbox_info(struct mbox_info *info);

/*
 * Mailboxes
 *
 * The semantics (blocking, timeouts, EMSGSIZE, poll, quotas...) are those of
 * the kernel, described in <linux/mbox.h>; these functions are thin.
 */

/* An open mailbox: one /dev/mbox descriptor bound to it. */
struct mbox;

/* Creation attributes for mbox_open(); a 0 field takes the module default. */
struct mbox_attr {
	unsigned int capacity;	/* in messages */
	unsigned int msg_size;	/* largest message, in bytes */
	unsigned int flags;	/* MBOX_OPEN_UNBOUNDED or MBOX_OPEN_RENDEZVOUS */
};

/**
 * mbox_open() - open a mailbox, creating it if asked, as mq_open(3) does
 * @mbp:	on success, the new handle
 * @name:	1 to MBOX_NAME_MAX printable ASCII bytes, no '/'
 * @oflag:	O_RDONLY (receive), O_WRONLY (send) or O_RDWR; may add
 *		O_CREAT, O_EXCL and O_NONBLOCK (every call on the handle then
 *		fails with -EAGAIN instead of blocking)
 * @mode:	with O_CREAT: permission bits, less the umask
 * @attr:	with O_CREAT: attributes, or NULL for the defaults
 *
 * Return: 0, or -ENOENT, -EEXIST, -EACCES, -EINVAL, -ENAMETOOLONG, -ENOSPC
 * (over the user_objects_max quota), -ENOMEM, or an error of open(2).
 */
int mbox_open(struct mbox **mbp, const char *name, int oflag, mode_t mode,
	      const struct mbox_attr *attr);

/**
 * mbox_close() - close the handle and free it
 * @mb:	the handle; NULL is allowed
 *
 * Return: 0, or -errno from close(2). The handle is freed either way.
 */
int mbox_close(struct mbox *mb);

/**
 * mbox_fd() - the handle's descriptor, for poll(2), epoll(7), read(2) and
 * write(2)
 * @mb:	the handle
 *
 * Return: the descriptor; it stays the handle's (do not close it).
 */
int mbox_fd(const struct mbox *mb);

/**
 * mbox_unlink() - remove a mailbox's name, as mq_unlink(3) does
 * @name:	the name
 *
 * Open handles keep working; the mailbox goes when the last one closes.
 * Return: 0, or -ENOENT, -EPERM (not the owner), -EINVAL, -ENAMETOOLONG.
 */
int mbox_unlink(const char *name);

/**
 * mbox_send() - send one message
 * @mb:		the handle (opened for writing)
 * @buf:	the message
 * @len:	its length; 0 is a valid message
 * @flags:	0 or MBOX_SEND_NONBLOCK
 *
 * Blocks while the mailbox is full unless @flags or the handle says not to.
 * Return: 0, or -EAGAIN, -EMSGSIZE (longer than the mailbox's msg_size),
 * -EDQUOT (over the user_bytes_max quota), -EPIPE (unlinked and nobody can
 * receive any more), -EINTR, -EBADF, -EFAULT, -ENOMEM.
 */
int mbox_send(struct mbox *mb, const void *buf, size_t len, unsigned int flags);

/**
 * mbox_timedsend() - mbox_send(), giving up after @timeout_ns
 * @mb:		the handle
 * @buf:	the message
 * @len:	its length
 * @flags:	0 or MBOX_SEND_NONBLOCK
 * @timeout_ns:	relative, on CLOCK_MONOTONIC; 0 gives up at once
 *
 * Return: as mbox_send(), and -ETIMEDOUT. A signal gives -EINTR, even with
 * SA_RESTART.
 */
int mbox_timedsend(struct mbox *mb, const void *buf, size_t len,
		   unsigned int flags, uint64_t timeout_ns);

/**
 * mbox_recv() - receive one message
 * @mb:		the handle (opened for reading)
 * @buf:	where to store it
 * @len:	the size of @buf
 * @flags:	0, or MBOX_RECV_NONBLOCK and/or MBOX_RECV_TRUNC
 *
 * Blocks while the mailbox is empty unless @flags or the handle says not to.
 * Return: the message's length (with MBOX_RECV_TRUNC, at most @len), or
 * -EMSGSIZE (the message is longer than @len and stays queued), -EAGAIN,
 * -EPIPE (unlinked, empty, and nobody can send any more), -EINTR, -EBADF,
 * -EFAULT.
 */
ssize_t mbox_recv(struct mbox *mb, void *buf, size_t len, unsigned int flags);

/**
 * mbox_timedrecv() - mbox_recv(), giving up after @timeout_ns
 * @mb:		the handle
 * @buf:	where to store the message
 * @len:	the size of @buf
 * @flags:	as for mbox_recv()
 * @timeout_ns:	relative, on CLOCK_MONOTONIC; 0 gives up at once
 *
 * Return: as mbox_recv(), and -ETIMEDOUT.
 */
ssize_t mbox_timedrecv(struct mbox *mb, void *buf, size_t len,
		       unsigned int flags, uint64_t timeout_ns);

/**
 * mbox_send_args() - MBOX_IOC_SEND with every field under the caller's control
 * @mb:		the handle
 * @args:	see struct mbox_send in <linux/mbox.h>
 *
 * Return: 0 or -errno, as mbox_send().
 */
int mbox_send_args(struct mbox *mb, struct mbox_send *args);

/**
 * mbox_recv_args() - MBOX_IOC_RECV with every field under the caller's control
 * @mb:		the handle
 * @args:	see struct mbox_recv; args->len comes back as the message's
 *		length, also with -EMSGSIZE
 *
 * Return: bytes stored, or -errno, as mbox_recv().
 */
ssize_t mbox_recv_args(struct mbox *mb, struct mbox_recv *args);

/*
 * Every option of one message
 */

/* Options for mbox_sendmsg(); zero-initialize, then set what you need. */
struct mbox_sendopts {
	unsigned int flags;	/* MBOX_SEND_NONBLOCK, _TIMEOUT, _SYNC */
	uint64_t timeout_ns;	/* with MBOX_SEND_TIMEOUT */
	unsigned int prio;	/* 0 to MBOX_PRIO_MAX - 1; higher goes first */
	pid_t to;		/* > 0: to this process's inbox: send(P) */
};

/* Options for mbox_recvmsg(); zero-initialize, then set what you need. */
struct mbox_recvopts {
	unsigned int flags;	/* MBOX_RECV_NONBLOCK, _TIMEOUT, _TRUNC, _PEEK */
	uint64_t timeout_ns;	/* with MBOX_RECV_TIMEOUT */
	pid_t from;		/* > 0: only messages from this process */
};

/* What mbox_recvmsg() tells about the message it returns. */
struct mbox_msginfo {
	size_t len;		/* its length; also set with -EMSGSIZE */
	unsigned int prio;
	pid_t pid;		/* the sender, in our pid namespace; 0 if not
				 * visible from it */
	uid_t uid;		/* the sender's effective uid and gid */
	gid_t gid;
};

/**
 * mbox_sendmsg() - send one message with any option
 * @mb:		the handle; with @opts->to, any handle opened for writing,
 *		bound or not (see mbox_device_open()), or NULL to use a
 *		temporary one (-EINVAL: NULL without @opts->to)
 * @buf:	the message
 * @len:	its length
 * @opts:	NULL for a plain blocking send at priority 0
 *
 * With MBOX_SEND_SYNC, returns 0 only once a receiver has taken the message;
 * if the call gives up first (-ETIMEDOUT, -EINTR, -EAGAIN) the message was
 * withdrawn and will never be delivered.
 * Return: as mbox_send(), and -ESRCH when @opts->to has no inbox (or its
 * process is gone), -EACCES when its inbox's mode refuses us, -EINVAL.
 */
int mbox_sendmsg(struct mbox *mb, const void *buf, size_t len,
		 const struct mbox_sendopts *opts);

/**
 * mbox_recvmsg() - receive (or peek at) one message with any option
 * @mb:		the handle (opened for reading)
 * @buf:	where to store the message
 * @len:	the size of @buf
 * @opts:	NULL for a plain blocking receive from anyone
 * @info:	NULL, or filled in with the length, priority and sender
 *
 * Return: as mbox_recv().
 */
ssize_t mbox_recvmsg(struct mbox *mb, void *buf, size_t len,
		     const struct mbox_recvopts *opts,
		     struct mbox_msginfo *info);

/*
 * Anonymous mailboxes: pipes (see "Anonymous mailboxes and rings" in
 * <linux/mbox.h>)
 */

/**
 * mbox_pipe() - a mailbox with no name and two handles on it, as pipe2(2)
 * @ends:	on success, ends[0] the read end (it may only receive) and
 *		ends[1] the write end (it may only send)
 * @attr:	attributes, or NULL for the defaults: capacity in messages,
 *		msg_size in bytes, flags MBOX_OPEN_UNBOUNDED or
 *		MBOX_OPEN_RENDEZVOUS
 * @flags:	0, or O_CLOEXEC and/or O_NONBLOCK for both descriptors, as
 *		for pipe2(2). Unlike every other libmbox call, the descriptors
 *		are close-on-exec only if asked: an inherited end is the point
 *		of a pipe.
 *
 * Share the ends by fork(), or pass mbox_fd() over a unix socket; after
 * fork() each process closes (mbox_close()) the end it does not use, as
 * with pipe(2). A child's copy of an end is the same end (mbox_stat()
 * counts it once) and holds off the hang-up until it is closed, or the
 * child exits, or it execs with O_CLOEXEC. End of stream: once every copy
 * of the write end is closed, mbox_recv() returns the messages left, then
 * -EPIPE (a message may be empty, so a length of 0 is a message, not the
 * end); once every copy of the read end is closed, mbox_send() fails with
 * -EPIPE, and write(2) on mbox_fd() with EPIPE and SIGPIPE.
 * The mailbox counts against the caller's user_objects_max, and messages
 * sent through either end against its user_bytes_max, until it is freed
 * with its last end.
 * Return: 0, or -EINVAL (a flag other than O_CLOEXEC and O_NONBLOCK, or an
 * attribute out of range), -ENOSPC (over user_objects_max), -EMFILE,
 * -ENFILE, -ENOMEM, -ENOENT (no /dev/mbox: the module is not loaded).
 */
int mbox_pipe(struct mbox *ends[2], const struct mbox_attr *attr, int flags);

/*
 * Direct communication: send(P) and receive(Q)
 */

/**
 * mbox_inbox_open() - opt in to direct communication: open the calling
 * process's inbox, creating it the first time
 * @mbp:	on success, a handle bound to the inbox (it may also send)
 * @oflag:	0 or O_NONBLOCK
 * @mode:	when created: who may send to us (write bits), less the umask
 *		(under umask 022, 0622 becomes 0600 and only we may send:
 *		clear the umask around the call to let others send)
 * @attr:	when created: attributes, or NULL for the defaults
 *
 * The inbox lives until the process exits or closes its last handle to it;
 * then its queued messages are dropped and blocked senders get -ESRCH.
 * Return: 0, or -EINVAL, -ENOSPC (over user_objects_max), -ENOMEM.
 */
int mbox_inbox_open(struct mbox **mbp, int oflag, mode_t mode,
		    const struct mbox_attr *attr);

/**
 * mbox_device_open() - a handle bound to nothing, for mbox_sendto()
 * @mbp:	on success, the handle
 *
 * Return: 0, or an error of open(2).
 */
int mbox_device_open(struct mbox **mbp);

/**
 * mbox_sendto() - send(P): send a message to process @pid's inbox
 * @mb:		a handle opened for writing, or NULL to use a temporary one
 * @pid:	the receiving process, in the caller's pid namespace
 * @buf:	the message
 * @len:	its length
 * @flags:	0, or MBOX_SEND_NONBLOCK and/or MBOX_SEND_SYNC
 *
 * The short form of mbox_sendmsg() with @opts->to = @pid, at priority 0
 * and without a timeout; mbox_sendmsg() takes those too.
 * Return: as mbox_sendmsg().
 */
int mbox_sendto(struct mbox *mb, pid_t pid, const void *buf, size_t len,
		unsigned int flags);

/**
 * mbox_recvfrom() - receive(Q), or receive(ANY) reporting the sender
 * @mb:		the handle (an inbox, or any mailbox opened for reading)
 * @pid:	only messages from this process; 0 for any sender
 * @buf:	where to store the message
 * @len:	the size of @buf
 * @flags:	as for mbox_recv(), and MBOX_RECV_PEEK
 * @info:	NULL, or filled in; info->pid says who sent it
 *
 * Return: as mbox_recv().
 */
ssize_t mbox_recvfrom(struct mbox *mb, pid_t pid, void *buf, size_t len,
		      unsigned int flags, struct mbox_msginfo *info);

/*
 * Batches, like sendmmsg(2) and recvmmsg(2)
 */

/*
 * One message of a batch: an iovec, with what a message carries. libmbox
 * turns an array of them into the kernel's struct mbox_msgvec.
 */
struct mbox_msg {
	void *buf;		/* the message (send), or where to put it */
	size_t len;		/* its length (send), or the size of buf; on
				 * receive, set to the message's length */
	unsigned int prio;	/* send: its priority; receive: set */
	pid_t pid;		/* receive: the sender, as in mbox_msginfo */
	uid_t uid;		/* receive: its effective uid and gid */
	gid_t gid;
};

/**
 * mbox_send_batch() - send up to @count messages in one call
 * @mb:		the handle; NULL with @opts->to, as for mbox_sendmsg()
 * @msgs:	the messages: buf, len and prio of each
 * @count:	1 to MBOX_BATCH_MAX
 * @opts:	NULL, or flags (not MBOX_SEND_SYNC; MBOX_BATCH_WAITALL to let
 *		every message block, not only the first), timeout for the
 *		whole batch, and @to for send(P); @opts->prio is unused
 * @error:	NULL, or set to 0 if all went, else to the errno that stopped
 *		the batch (EAGAIN: no room for more at once)
 *
 * Return: how many messages were sent, in order, or -errno if none was.
 */
int mbox_send_batch(struct mbox *mb, struct mbox_msg *msgs,
		    unsigned int count, const struct mbox_sendopts *opts,
		    int *error);

/**
 * mbox_recv_batch() - receive up to @count messages in one call
 * @mb:		the handle
 * @msgs:	buf and len (the buffer size) of each; for each message
 *		received, len is set to its length, and prio, pid, uid and
 *		gid are filled in
 * @count:	1 to MBOX_BATCH_MAX
 * @opts:	NULL, or flags (not MBOX_RECV_PEEK; MBOX_BATCH_WAITALL to let
 *		every message block, not only the first), timeout for the
 *		whole batch, and @from for receive(Q)
 * @error:	NULL, or set to 0 if @count came, else to the errno that
 *		stopped the batch (EAGAIN: nothing more at once)
 *
 * Return: how many messages were received, or -errno if none was.
 */
int mbox_recv_batch(struct mbox *mb, struct mbox_msg *msgs,
		    unsigned int count, const struct mbox_recvopts *opts,
		    int *error);

/**
 * mbox_stat() - a mailbox's attributes and counters
 * @mb:	the handle
 * @st:	filled in; see struct mbox_stat in <linux/mbox.h>
 *
 * Return: 0 or -errno.
 */
int mbox_stat(struct mbox *mb, struct mbox_stat *st);

/**
 * mbox_list() - every named object, as a snapshot
 * @entries:	on success, a malloc()ed array of records; free() it
 * @count:	on success, how many records; walk them with mbox_list_next()
 *
 * Return: 0, or -ENOMEM, or an error of open(2) or ioctl(2).
 */
int mbox_list(struct mbox_list_entry **entries, unsigned int *count);

/*
 * Rings: shared-memory bounded buffers (see "Rings" in <linux/mbox.h>)
 *
 * A ring handle plays one role, producer, consumer or observer, and is
 * used by one thread at a time (it keeps its role's position); a producer
 * and a consumer may run in different threads or processes. Mapped (the
 * default), pushing and popping cost no system call unless the ring is
 * full or empty and the caller may wait, or the peer sleeps and must be
 * woken.
 */
struct mbox_ring;

/*
 * The ring functions' flags, in two families of libmbox's own (the kernel
 * never sees them). Each has a prefix of its own and bits of its own, and
 * each function refuses a bit outside its family with -EINVAL, so a flag
 * passed to the wrong call is caught. As in every family of <linux/mbox.h>,
 * NONBLOCK is bit 0 and TIMEOUT bit 1: MBOX_RING_IO_TIMEOUT has the value
 * of MBOX_RING_WAIT_TIMEOUT, MBOX_SEND_TIMEOUT and MBOX_RECV_TIMEOUT.
 */

/* mbox_ring_open() flags */
#define MBOX_RING_OPEN_NOMAP	(1U << 8)	/* use read() and write() */

/* Per-call flags of reserve, push, peek, pop and pop_batch */
#define MBOX_RING_IO_NONBLOCK	(1U << 0)	/* -EAGAIN instead of waiting */
#define MBOX_RING_IO_TIMEOUT	(1U << 1)	/* wait at most timeout_ns */

/* What one handle did, for reporting. */
struct mbox_ring_counters {
	uint64_t records;	/* records pushed or popped */
	uint64_t wakeups;	/* MBOX_IOC_RING_WAKE calls: the peer was asleep */
	uint64_t waits;		/* MBOX_IOC_RING_WAIT calls: we had to sleep */
};

/**
 * mbox_ring_open() - open (and maybe create) a ring in a role
 * @rp:		on success, the handle
 * @name:	the ring's name
 * @role:	MBOX_RING_PRODUCER, MBOX_RING_CONSUMER or MBOX_RING_OBSERVER
 * @oflag:	0, or O_CREAT (with O_EXCL) to create it, and O_NONBLOCK
 * @mode:	with O_CREAT: permission bits, less the umask
 * @size:	with O_CREAT: data bytes, a power of two (0: 65536)
 * @flags:	0, or MBOX_RING_OPEN_NOMAP: do not map the ring; push and pop go
 *		through the kernel (read() and write()), reserve and peek
 *		are not available
 *
 * Return: 0, or -EBUSY (the role is taken), and the errors of mbox_open().
 */
int mbox_ring_open(struct mbox_ring **rp, const char *name, unsigned int role,
		   int oflag, mode_t mode, size_t size, unsigned int flags);

/**
 * mbox_ring_pipe() - a ring with no name, and its consumer and producer
 * @ends:	on success, ends[0] the consumer and ends[1] the producer, both
 *		mapped
 * @size:	data bytes, a power of two from the page size to
 *		ring_size_max (0: 65536)
 * @flags:	0, or O_CLOEXEC and/or O_NONBLOCK for both descriptors, as
 *		for pipe2(2) (close-on-exec only if asked, as for mbox_pipe())
 *
 * Share it by fork(): each process then closes (mbox_ring_close()) the
 * handle it does not use. A child inherits the handles and their mappings;
 * a handle keeps its role's position in the process's memory, so only one
 * process may use a given role after fork(), and the role is held until
 * every copy of its descriptor and mapping is gone (closed, unmapped,
 * exit, or exec). Handles cannot be passed to another process's memory;
 * a program that gets the descriptor by exec or over a unix socket uses
 * it with read(2) and write(2), or maps it itself. End of stream: once the
 * producer is gone, mbox_ring_pop() and mbox_ring_peek() return what is
 * left, then -EPIPE; once the consumer is gone, mbox_ring_push() and
 * mbox_ring_reserve() fail with -EPIPE when they would wait for room (a
 * mapped producer does not enter the kernel while there is room, so it
 * may fill the ring first; poll(2) on mbox_ring_fd() shows POLLERR at
 * once).
 * The ring counts against the caller's user_objects_max, and its memory
 * against its user_bytes_max, until it is freed.
 * Return: 0, or -EINVAL (a flag, or @size), -ENOSPC, -EDQUOT, -EMFILE,
 * -ENFILE, -ENOMEM, -ENOENT (no /dev/mbox).
 */
int mbox_ring_pipe(struct mbox_ring *ends[2], size_t size, int flags);

/**
 * mbox_ring_close() - unmap, close and free the handle (NULL is fine)
 * @r:	the handle
 *
 * Return: 0, or -errno from close(2); the handle is freed either way.
 */
int mbox_ring_close(struct mbox_ring *r);

/**
 * mbox_ring_fd() - the handle's descriptor, for poll(2) and epoll(7)
 * @r:	the handle
 *
 * Return: the descriptor.
 */
int mbox_ring_fd(const struct mbox_ring *r);

/**
 * mbox_ring_get_layout() - the layout the kernel reported at open
 * @r:	the handle
 *
 * Return: the layout (data_size, rec_max, offsets).
 */
const struct mbox_ring_layout *mbox_ring_get_layout(const struct mbox_ring *r);

/**
 * mbox_ring_unlink() - remove a ring's name
 * @name:	the name
 *
 * Return: 0, or -ENOENT, -EPERM (not the owner), -EINVAL.
 */
int mbox_ring_unlink(const char *name);

/**
 * mbox_ring_reserve() - producer: room for a record of @len bytes
 * @r:		a mapped producer handle
 * @len:	the payload's length, 1 to rec_max
 * @data:	on success, where to write the payload, in the ring
 * @flags:	0, MBOX_RING_IO_NONBLOCK, MBOX_RING_IO_TIMEOUT
 * @timeout_ns:	with MBOX_RING_IO_TIMEOUT, the longest wait
 *
 * Nothing is visible to the consumer until mbox_ring_commit().
 * Return: 0, or -EAGAIN (full), -ETIMEDOUT, -EINTR, -EPIPE (no consumer
 * will come), -EMSGSIZE, -EINVAL (@len is 0, or a flag not of the
 * MBOX_RING_IO_* family), -EBUSY (a record is already
 * reserved), -EUCLEAN (the positions are inconsistent), -EBADF (not the
 * producer), -EOPNOTSUPP (not mapped).
 */
int mbox_ring_reserve(struct mbox_ring *r, size_t len, void **data,
		      unsigned int flags, uint64_t timeout_ns);

/**
 * mbox_ring_commit() - producer: publish the reserved record
 * @r:	the handle
 *
 * Return: 0, or -EINVAL (nothing reserved), or an error of waking the
 * consumer.
 */
int mbox_ring_commit(struct mbox_ring *r);

/**
 * mbox_ring_push() - producer: copy a record in (reserve, copy, commit)
 * @r:		a producer handle, mapped or not
 * @buf:	the payload
 * @len:	its length, 1 to rec_max
 * @flags:	0, MBOX_RING_IO_NONBLOCK, MBOX_RING_IO_TIMEOUT
 * @timeout_ns:	with MBOX_RING_IO_TIMEOUT, the longest wait
 *
 * An unmapped producer pushes with write(2), which raises SIGPIPE as well
 * as -EPIPE once no consumer is left; a mapped one never raises it.
 * Return: 0, or as mbox_ring_reserve().
 */
int mbox_ring_push(struct mbox_ring *r, const void *buf, size_t len,
		   unsigned int flags, uint64_t timeout_ns);

/**
 * mbox_ring_push_batch() - producer: copy in up to @n records at once
 * @r:		a mapped producer handle
 * @iov:	@n records, one per entry (a payload of 1 to rec_max bytes)
 * @n:		how many
 * @flags:	0, MBOX_RING_IO_NONBLOCK, MBOX_RING_IO_TIMEOUT (for the first)
 * @timeout_ns:	with MBOX_RING_IO_TIMEOUT, the longest wait
 *
 * The counterpart of mbox_ring_pop_batch(), as writev(2) is of readv(2)
 * but with a record per entry. Only the first record may wait; the others
 * go in while there is room for them. A record that does not fit, or whose
 * length is invalid, ends the batch without error: the next call starts
 * with it (and reports its error). The batch is published with one store
 * and at most one wake-up, so the consumer sees all of it or none.
 * Return: how many records went in (at least 1), or as mbox_ring_push()
 * when none did; -EINVAL for @n of 0; -EOPNOTSUPP unmapped.
 */
int mbox_ring_push_batch(struct mbox_ring *r, const struct iovec *iov,
			 unsigned int n, unsigned int flags, uint64_t timeout_ns);

/**
 * mbox_ring_peek() - consumer: the next record, in place
 * @r:		a mapped consumer handle
 * @data:	on success, the payload, in the (read-only) ring
 * @flags:	0, MBOX_RING_IO_NONBLOCK, MBOX_RING_IO_TIMEOUT
 * @timeout_ns:	with MBOX_RING_IO_TIMEOUT, the longest wait
 *
 * The record stays until mbox_ring_release(); peeking again returns it
 * again. A non-blocking peek that finds the ring empty asks the producer
 * to wake the next waiter, so that poll and epoll (edge-triggered too)
 * report the next record; it asks only while a poll or epoll waiter is
 * queued on the descriptor (the kernel says so in the ring), so a consumer
 * that polls the ring without blocking costs the producer no wake call.
 * Return: the payload's length, or -EAGAIN, -ETIMEDOUT, -EINTR, -EPIPE (no
 * producer will come, and the ring is empty), -EBADMSG (the record's
 * header is inconsistent), -EUCLEAN, -EBADF, -EOPNOTSUPP, -EINVAL (a flag
 * not of the MBOX_RING_IO_* family).
 */
ssize_t mbox_ring_peek(struct mbox_ring *r, const void **data,
		       unsigned int flags, uint64_t timeout_ns);

/**
 * mbox_ring_release() - consumer: done with the peeked record
 * @r:	the handle
 *
 * Return: 0, or -EINVAL (nothing peeked), or an error of waking the
 * producer.
 */
int mbox_ring_release(struct mbox_ring *r);

/**
 * mbox_ring_pop() - consumer: copy the next record out
 * @r:		a consumer handle, mapped or not
 * @buf:	where to store the payload
 * @len:	the size of @buf
 * @flags:	0, MBOX_RING_IO_NONBLOCK, MBOX_RING_IO_TIMEOUT
 * @timeout_ns:	with MBOX_RING_IO_TIMEOUT, the longest wait
 *
 * Return: the payload's length, or -EMSGSIZE (@buf is too small; the
 * record stays), or as mbox_ring_peek().
 */
ssize_t mbox_ring_pop(struct mbox_ring *r, void *buf, size_t len,
		      unsigned int flags, uint64_t timeout_ns);

/**
 * mbox_ring_pop_batch() - consumer: copy out up to @max records at once
 * @r:		a mapped consumer handle
 * @buf:	where to store the payloads, one after the other
 * @len:	the size of @buf
 * @lens:	@max entries: each record's length
 * @max:	the most records to take
 * @flags:	0, MBOX_RING_IO_NONBLOCK, MBOX_RING_IO_TIMEOUT (for the first)
 * @timeout_ns:	with MBOX_RING_IO_TIMEOUT, the longest wait
 *
 * Only the first record may wait; the others are taken if they are there
 * and fit. The batch gives its space back with one store and at most one
 * wake-up.
 * Return: how many records, or as mbox_ring_pop() when there is none.
 */
int mbox_ring_pop_batch(struct mbox_ring *r, void *buf, size_t len,
			size_t *lens, unsigned int max, unsigned int flags,
			uint64_t timeout_ns);

/**
 * mbox_ring_stat() - the ring's state, as the kernel sees it
 * @r:	the handle
 * @st:	filled in; see struct mbox_ring_stat in <linux/mbox.h>
 *
 * Return: 0 or -errno.
 */
int mbox_ring_stat(struct mbox_ring *r, struct mbox_ring_stat *st);

/**
 * mbox_ring_counters() - what this handle did
 * @r:	the handle
 * @c:	filled in
 */
void mbox_ring_counters(const struct mbox_ring *r,
			struct mbox_ring_counters *c);

/* mbox_ring_set_spin(): the default and the largest spin, in nanoseconds */
#define MBOX_RING_SPIN_DEFAULT_NS	20000ULL
#define MBOX_RING_SPIN_MAX_NS		1000000000ULL

/**
 * mbox_ring_set_spin() - how long a blocking call spins before it sleeps
 * @r:		a mapped handle
 * @max_ns:	the longest spin, in nanoseconds of CLOCK_MONOTONIC; 0 never
 *		spins (every wait sleeps in the kernel at once)
 *
 * When mbox_ring_reserve(), mbox_ring_push(), mbox_ring_peek(),
 * mbox_ring_pop() or mbox_ring_pop_batch() must wait and may (no
 * MBOX_RING_IO_NONBLOCK), they first watch the peer's position in the
 * shared memory, with the CPU's pause hint, for up to a budget, and sleep
 * in the kernel only if the peer did not move. A peer on another CPU that
 * answers within the budget then costs no system call on either side: the
 * waiter never sleeps, so the peer makes no wake call.
 *
 * The budget adapts, as the spinning of an adaptive mutex does: it starts
 * at @max_ns, doubles (up to @max_ns) after a spin that saw the peer move,
 * halves after one that did not, and below 500 ns stops; then every 16th
 * wait spins once more to see whether the peer has become quick (half as
 * often after each such probe that saw nothing, down to every 1024th wait;
 * as often again after one that saw the peer move), so a peer on the same
 * CPU as the waiter (which cannot move while it spins) soon costs next to
 * no spin. Nothing spins on a machine with one CPU online, or while the
 * peer sleeps on this ring. A call spins for one budget in all, however
 * often the peer moves without making it ready, and never past its timeout
 * (to within a few pause instructions). A handle starts with
 * MBOX_RING_SPIN_DEFAULT_NS (20 us); the right figure is about what one
 * sleep and wake-up cost on the machine.
 *
 * Return: 0, -EINVAL (@max_ns above MBOX_RING_SPIN_MAX_NS, 1 s), or
 * -EOPNOTSUPP (an unmapped handle: its waits are the kernel's).
 */
int mbox_ring_set_spin(struct mbox_ring *r, uint64_t max_ns);

/* The record after @entry in the array mbox_list() returns. */
static inline struct mbox_list_entry *
mbox_list_next(struct mbox_list_entry *entry)
{
	return (struct mbox_list_entry *)((char *)entry + entry->size);
}

#ifdef __cplusplus
}
#endif

#endif /* LIBMBOX_H */
