/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * mbox: kernel mailboxes and shared-memory rings, reached through /dev/mbox.
 *
 * This header is the whole ABI between the mbox module and userspace. It is
 * shared verbatim by the module, libmbox and any other user.
 *
 * Rules every structure here follows:
 *  - only fixed-width __u8/__u16/__u32/__u64 (and signed) fields;
 *  - user pointers travel as __u64 (use u64_to_user_ptr() in the kernel);
 *  - explicit padding, sizes a multiple of 8, so i386 and x86-64 agree and
 *    no compat translation is needed;
 *  - a @flags field in every argument structure; a flag bit the kernel does
 *    not know gives -EINVAL;
 *  - reserved and padding fields must be zero on input (-EINVAL otherwise)
 *    so that they can be given a meaning later.
 *
 * Every command uses the magic MBOX_IOC_MAGIC; an unknown command gives
 * -ENOTTY.
 */
#ifndef _UAPI_LINUX_MBOX_H
#define _UAPI_LINUX_MBOX_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Bumped only for incompatible changes; additions are announced in features. */
#define MBOX_ABI_VERSION	1

/* Not registered in ioctl-number.rst; unused there as of Linux 6.12. */
#define MBOX_IOC_MAGIC		0xBC

/* Longest object name, in bytes, not counting the terminating NUL. */
#define MBOX_NAME_MAX		255

/* MBOX_IOC_INFO features */
#define MBOX_FEAT_MAILBOX	(1ULL << 0)	/* named mailboxes */
/*
 * Inboxes and send(P), receive(Q), sender identity, rendezvous, synchronous
 * send, priorities, peek and batches.
 */
#define MBOX_FEAT_DIRECT	(1ULL << 1)

/* Message priorities are 0 (lowest) to MBOX_PRIO_MAX - 1. */
#define MBOX_PRIO_MAX		32

/* Most messages one MBOX_IOC_SEND_BATCH or MBOX_IOC_RECV_BATCH moves. */
#define MBOX_BATCH_MAX		1024

/*
 * Object types. Each type has a namespace of its own, as POSIX message
 * queues and shared memory objects do.
 */
#define MBOX_TYPE_MAILBOX	1

/**
 * struct mbox_info - MBOX_IOC_INFO: ABI version and the limits in force
 * @flags:		in: must be 0.
 * @abi_version:	out: MBOX_ABI_VERSION of the running module.
 * @features:		out: MBOX_FEAT_* bits for what this module offers.
 * @name_max:		out: MBOX_NAME_MAX.
 * @msg_size_max:	out: largest per-message size a mailbox may be given.
 * @msg_size_default:	out: per-message size of a mailbox created with 0.
 * @capacity_max:	out: largest capacity (in messages) of a bounded
 *			mailbox.
 * @capacity_default:	out: capacity of a mailbox created with 0 and no
 *			capacity flag.
 * @user_objects_max:	out: objects (mailboxes, inboxes) one user may own.
 * @user_bytes_max:	out: bytes one user may have queued at a time.
 * @msg_overhead:	out: bytes a queued message counts against
 *			@user_bytes_max on top of its payload.
 * @prio_max:		out: MBOX_PRIO_MAX.
 * @reserved:		in: must be 0; out: 0.
 *
 * The limits are the module parameters of the same names; root may change
 * them at run time through /sys/module/mbox/parameters, so a value read here
 * is a snapshot.
 */
struct mbox_info {
	__u32 flags;
	__u32 abi_version;
	__u64 features;
	__u32 name_max;
	__u32 msg_size_max;
	__u32 msg_size_default;
	__u32 capacity_max;
	__u32 capacity_default;
	__u32 user_objects_max;
	__u64 user_bytes_max;
	__u32 msg_overhead;
	__u32 prio_max;
	__u64 reserved[3];
};

/*
 * Mailboxes
 * =========
 *
 * A mailbox is a kernel queue of messages that any number of processes
 * share. Open /dev/mbox, then bind the descriptor with MBOX_IOC_OPEN to a
 * named mailbox, or to the calling process's own inbox (below). The
 * descriptor's access mode (O_RDONLY, O_WRONLY, O_RDWR) says whether it may
 * receive, send, or both, as with mq_open(3). A descriptor binds once
 * (again: EISCONN); the calls below on an unbound one give ENOTCONN, and
 * send on a descriptor without write access (receive without read access)
 * gives EBADF.
 *
 * Messages: one write() or MBOX_IOC_SEND is one message, of 0 to msg_size
 * bytes (larger: EMSGSIZE), with a priority from 0 to MBOX_PRIO_MAX - 1
 * (write() sends at 0). One read() or MBOX_IOC_RECV returns one whole
 * message: the oldest of the highest priority queued. A buffer smaller than
 * the message fails with EMSGSIZE and leaves the message queued, unless
 * MBOX_RECV_TRUNC is given. readv()/writev() move one message too.
 *
 * Sender identity: every message carries the sending process's pid (its
 * thread group id), effective uid and effective gid as they were when it
 * sent, recorded by the kernel; a sender cannot set them. MBOX_IOC_RECV
 * reports them in the receiver's pid and user namespaces (pid 0 when the
 * sender is not visible there, the overflow ids for unmapped ids).
 *
 * Capacity: bounded (capacity_default messages unless given), unbounded
 * (MBOX_OPEN_UNBOUNDED: only the sender's byte quota limits it), or zero
 * (MBOX_OPEN_RENDEZVOUS: the mailbox holds nothing, and a send waits until
 * a receiver takes its message directly).
 *
 * Blocking: a full mailbox blocks senders and an empty one receivers, in
 * arrival order, one message per waiter. O_NONBLOCK on the descriptor or the
 * per-call NONBLOCK flag gives EAGAIN instead. A per-call TIMEOUT gives
 * ETIMEDOUT after timeout_ns nanoseconds (relative, CLOCK_MONOTONIC; 0 times
 * out at once when the call would block). A signal interrupts a wait with
 * EINTR; without a timeout the call restarts instead when the handler has
 * SA_RESTART (a timed call never restarts: its full timeout would start
 * again). A send that finds a receiver waiting hands the message straight
 * to it. Blocked senders enter a full mailbox in arrival order, whatever
 * their messages' priorities; a receiver of a rendezvous mailbox takes the
 * highest-priority message among the blocked senders.
 *
 * Synchronous send (MBOX_SEND_SYNC): the call returns 0 only once a receiver
 * has taken the message out of the mailbox. If the sender gives up first
 * (timeout, signal, or NONBLOCK with no receiver waiting), the call fails
 * with ETIMEDOUT, EINTR or EAGAIN and the message is withdrawn: it is never
 * delivered afterwards. So 0 means taken, an error means not sent.
 *
 * Peek (MBOX_RECV_PEEK): a copy of the message a receive would take, left
 * where it is (a blocked sender's message counts, since a receive could
 * take it). It blocks, times out and filters like a receive.
 *
 * Receive(Q): MBOX_RECV_FROM takes only messages whose sender's pid, in the
 * receiver's pid namespace, is recv.pid: the oldest of the highest priority
 * among those.
 *
 * Inboxes, send(P): a process opts in to direct communication by binding a
 * descriptor (with read access) to its inbox: MBOX_IOC_OPEN with
 * MBOX_OPEN_INBOX and no name creates the inbox the first time and binds to
 * the same inbox after that. Anyone with write permission on it then sends
 * to the process by pid with MBOX_SEND_TO_PID, on any /dev/mbox descriptor
 * with write access, bound or not; pids are read in the sender's pid
 * namespace and name a process (thread group), not a thread. A pid with no
 * inbox, or whose process is gone, gives ESRCH. An inbox belongs to one
 * program run of its process: it dies when the process exits or execs, or
 * when the last descriptor bound to it is closed (one a child inherited
 * counts too). Its queued messages are then freed and its blocked senders
 * fail with ESRCH; a descriptor still bound to it (a child's) sees a
 * hang-up: receives fail with EPIPE, sends with ESRCH. An inbox is a
 * mailbox in all else: capacity, permissions (its mode applies to
 * senders), quotas, stat.
 *
 * Batches (MBOX_IOC_SEND_BATCH, MBOX_IOC_RECV_BATCH) move up to
 * MBOX_BATCH_MAX messages in one call, like sendmmsg(2)/recvmmsg(2). Only
 * the first message may block, unless MBOX_BATCH_WAITALL is given; the
 * rest go only if they can go at once. The call returns how many messages
 * moved (or -errno when none did) and says in batch.error why it stopped.
 * A signal after some moved ends the batch with EINTR in batch.error and is
 * never restarted.
 *
 * poll: EPOLLIN when a message can be received, EPOLLOUT when a message can
 * be sent without blocking. Once the mailbox is unlinked nobody new can bind
 * to it, so, as with a pipe: with no descriptor left that may send,
 * EPOLLHUP (with EPOLLIN while messages remain; receive fails with EPIPE
 * once the queue is empty); with none left that may receive, EPOLLERR (send
 * fails with EPIPE). Blocked calls fail with EPIPE when that happens. A dead
 * inbox shows EPOLLHUP and EPOLLERR. An unbound descriptor polls as EPOLLERR.
 *
 * Limits: the per-user quotas of the module parameters apply to users
 * without CAP_SYS_RESOURCE. A user over user_objects_max cannot create a
 * mailbox or inbox (ENOSPC); a send that would take the user over
 * user_bytes_max fails with EDQUOT (each message counts its payload plus
 * msg_overhead, and is charged to the user who opened the descriptor it was
 * sent through). Neither ever drops a message silently.
 */

/* MBOX_IOC_OPEN flags */
#define MBOX_OPEN_CREATE	(1U << 0)	/* create it if it does not exist */
#define MBOX_OPEN_EXCL		(1U << 1)	/* with CREATE: EEXIST if it exists */
#define MBOX_OPEN_UNBOUNDED	(1U << 2)	/* creation: no capacity limit */
#define MBOX_OPEN_RENDEZVOUS	(1U << 3)	/* creation: capacity 0 */
#define MBOX_OPEN_INBOX		(1U << 4)	/* the caller's own inbox */

/**
 * struct mbox_open - MBOX_IOC_OPEN: bind this descriptor to a mailbox
 * @name:	in: pointer to the NUL-terminated name: 1 to MBOX_NAME_MAX
 *		printable ASCII bytes, no '/' (EINVAL; ENAMETOOLONG if longer).
 *		Must be 0 with MBOX_OPEN_INBOX.
 * @flags:	in: MBOX_OPEN_*. EXCL without CREATE is EINVAL; so are
 *		UNBOUNDED with RENDEZVOUS, and INBOX with CREATE or EXCL (an
 *		inbox is created the first time) or on a descriptor without
 *		read access.
 * @mode:	in, creation: permission bits (at most 0777), less the umask.
 * @capacity:	in, creation: messages the mailbox holds, 1 to capacity_max;
 *		0 for capacity_default. Must be 0 with MBOX_OPEN_UNBOUNDED
 *		or MBOX_OPEN_RENDEZVOUS.
 * @msg_size:	in, creation: largest message in bytes, up to msg_size_max;
 *		0 for msg_size_default.
 * @reserved:	must be 0.
 *
 * Opening an existing mailbox ignores @mode, @capacity and @msg_size (as
 * mq_open(3) ignores its attributes) and checks the mailbox's permissions
 * against the descriptor's access mode (EACCES); CAP_IPC_OWNER overrides.
 * A new mailbox belongs to the caller's effective uid and gid, and its
 * creator gets the access it asked for whatever @mode says.
 */
struct mbox_open {
	__u64 name;
	__u32 flags;
	__u32 mode;
	__u32 capacity;
	__u32 msg_size;
	__u64 reserved[2];
};

/**
 * struct mbox_unlink - MBOX_IOC_UNLINK: remove a name
 * @name:	in: pointer to the NUL-terminated name.
 * @type:	in: MBOX_TYPE_MAILBOX.
 * @flags:	in: must be 0.
 * @reserved:	must be 0.
 *
 * Like unlink(2): descriptors already bound keep working, the object is
 * freed when the last one closes, and the name may be reused at once. Only
 * the owner or creator may unlink (EPERM); CAP_IPC_OWNER overrides. Any
 * /dev/mbox descriptor will do, bound or not.
 */
struct mbox_unlink {
	__u64 name;
	__u32 type;
	__u32 flags;
	__u64 reserved[2];
};

/* MBOX_IOC_SEND flags */
#define MBOX_SEND_NONBLOCK	(1U << 0)	/* EAGAIN instead of blocking */
#define MBOX_SEND_TIMEOUT	(1U << 1)	/* give up after timeout_ns */
#define MBOX_SEND_SYNC		(1U << 2)	/* return once a receiver took it */
#define MBOX_SEND_TO_PID	(1U << 3)	/* to the inbox of process pid */

/**
 * struct mbox_send - MBOX_IOC_SEND: send one message
 * @buf:	in: pointer to the message.
 * @len:	in: its length in bytes.
 * @flags:	in: MBOX_SEND_*.
 * @timeout_ns:	in: with MBOX_SEND_TIMEOUT, how long to wait at most.
 * @prio:	in: priority, below MBOX_PRIO_MAX.
 * @pid:	in: with MBOX_SEND_TO_PID, the receiving process, in the
 *		caller's pid namespace; otherwise must be 0.
 * @reserved:	must be 0.
 *
 * Returns 0 once the message is queued or handed to a receiver (with
 * MBOX_SEND_SYNC: once a receiver took it).
 */
struct mbox_send {
	__u64 buf;
	__u32 len;
	__u32 flags;
	__u64 timeout_ns;
	__u32 prio;
	__u32 pid;
	__u64 reserved[2];
};

/* MBOX_IOC_RECV flags */
#define MBOX_RECV_NONBLOCK	(1U << 0)	/* EAGAIN instead of blocking */
#define MBOX_RECV_TIMEOUT	(1U << 1)	/* give up after timeout_ns */
#define MBOX_RECV_TRUNC		(1U << 2)	/* take a message too long for buf */
#define MBOX_RECV_PEEK		(1U << 3)	/* copy it, leave it queued */
#define MBOX_RECV_FROM		(1U << 4)	/* only from process pid */

/**
 * struct mbox_recv - MBOX_IOC_RECV: receive one message
 * @buf:	in: where to put the message.
 * @len:	in: the size of @buf; out: the length of the message, also
 *		when the call fails with EMSGSIZE.
 * @flags:	in: MBOX_RECV_*.
 * @timeout_ns:	in: with MBOX_RECV_TIMEOUT, how long to wait at most.
 * @prio:	out: the message's priority.
 * @pid:	in: with MBOX_RECV_FROM, the sender wanted (its pid in the
 *		caller's namespace, above 0); out: the sender's pid in the
 *		caller's pid namespace, 0 if it is not visible there.
 * @uid:	out: the sender's effective uid, in the caller's user namespace.
 * @gid:	out: the sender's effective gid, likewise.
 * @reserved:	must be 0.
 *
 * Returns the number of bytes stored in @buf: the message's length, or less
 * with MBOX_RECV_TRUNC when it did not fit (the rest is discarded). If
 * storing the message faults (EFAULT), it goes back to the head of the
 * queue: nothing is lost. The out fields other than @len are written only on
 * success; on input only @pid (with MBOX_RECV_FROM) is read.
 */
struct mbox_recv {
	__u64 buf;
	__u32 len;
	__u32 flags;
	__u64 timeout_ns;
	__u32 prio;
	__u32 pid;
	__u32 uid;
	__u32 gid;
	__u64 reserved[1];
};

/* Batch flag, with the MBOX_SEND_* or MBOX_RECV_* flags of one message. */
#define MBOX_BATCH_WAITALL	(1U << 16)	/* every message may block */

/**
 * struct mbox_msgvec - one message of a batch
 * @buf:	in: the message (send) or where to put it (receive).
 * @len:	in: its length (send) or the size of @buf (receive); out,
 *		receive: the message's length.
 * @prio:	in, send: the priority; out, receive: the priority.
 * @pid:	out, receive: the sender, as in struct mbox_recv.
 * @uid:	out, receive: likewise.
 * @gid:	out, receive: likewise.
 * @__pad:	must be 0.
 */
struct mbox_msgvec {
	__u64 buf;
	__u32 len;
	__u32 prio;
	__u32 pid;
	__u32 uid;
	__u32 gid;
	__u32 __pad;
};

/**
 * struct mbox_batch - MBOX_IOC_SEND_BATCH, MBOX_IOC_RECV_BATCH
 * @vec:	in: pointer to @count struct mbox_msgvec.
 * @count:	in: 1 to MBOX_BATCH_MAX.
 * @flags:	in: MBOX_SEND_* (not SYNC) or MBOX_RECV_* (not PEEK), and
 *		MBOX_BATCH_WAITALL.
 * @timeout_ns:	in: with the TIMEOUT flag, for the whole batch.
 * @pid:	in: with MBOX_SEND_TO_PID or MBOX_RECV_FROM, as for one message;
 *		otherwise must be 0.
 * @done:	out: messages moved, in @vec order.
 * @error:	out: 0 if all @count moved, else the errno that stopped the
 *		batch at entry @done (EAGAIN: nothing more to move at once).
 * @reserved:	must be 0.
 *
 * Returns @done, or -@error when no message moved.
 */
struct mbox_batch {
	__u64 vec;
	__u32 count;
	__u32 flags;
	__u64 timeout_ns;
	__u32 pid;
	__u32 done;
	__u32 error;
	__u32 __pad;
	__u64 reserved[2];
};

/* struct mbox_stat.state */
#define MBOX_STATE_UNLINKED	(1U << 0)	/* the name is gone */
#define MBOX_STATE_INBOX	(1U << 1)	/* a process's inbox */
#define MBOX_STATE_DEAD		(1U << 2)	/* an inbox whose process is gone */

/**
 * struct mbox_stat - MBOX_IOC_STAT: a bound mailbox's attributes and counters
 * @flags:		in: must be 0.
 * @open_flags:		out: the creation flags kept (UNBOUNDED, RENDEZVOUS).
 * @capacity:		out: in messages; 0 when unbounded or rendezvous.
 * @msg_size:		out: largest message, in bytes.
 * @mode:		out: permission bits.
 * @uid:		out: owner, in the caller's user namespace.
 * @gid:		out: group, likewise.
 * @state:		out: MBOX_STATE_* bits.
 * @queued:		out: messages queued.
 * @readers:		out: bound descriptors that may receive.
 * @queued_bytes:	out: payload bytes queued.
 * @writers:		out: bound descriptors that may send.
 * @waiting_senders:	out: senders blocked now (for room, or in a
 *			synchronous send for their message to be taken).
 * @waiting_receivers:	out: receivers (and peekers) blocked now.
 * @pid:		out: an inbox's process, in the caller's pid namespace.
 * @sent:		out: messages accepted since creation.
 * @received:		out: messages received since creation.
 * @reserved:		in: must be 0; out: 0.
 */
struct mbox_stat {
	__u32 flags;
	__u32 open_flags;
	__u32 capacity;
	__u32 msg_size;
	__u32 mode;
	__u32 uid;
	__u32 gid;
	__u32 state;
	__u32 queued;
	__u32 readers;
	__u64 queued_bytes;
	__u32 writers;
	__u32 waiting_senders;
	__u32 waiting_receivers;
	__u32 pid;
	__u64 sent;
	__u64 received;
	__u64 reserved[4];
};

/**
 * struct mbox_list_entry - one object in the MBOX_IOC_LIST buffer
 * @size:		bytes from this entry to the next, a multiple of 8.
 * @type:		MBOX_TYPE_*.
 * @uid:		owner, in the caller's user namespace.
 * @gid:		group, likewise.
 * @mode:		permission bits.
 * @queued:		messages queued.
 * @queued_bytes:	payload bytes queued.
 * @name:		the name, NUL-terminated.
 */
struct mbox_list_entry {
	__u32 size;
	__u32 type;
	__u32 uid;
	__u32 gid;
	__u32 mode;
	__u32 queued;
	__u64 queued_bytes;
	__u8 name[];
};

/**
 * struct mbox_list - MBOX_IOC_LIST: every named object, like ls /dev/mqueue
 * @buf:	in: where to store the entries (struct mbox_list_entry).
 * @len:	in: the size of @buf in bytes.
 * @flags:	in: must be 0.
 * @count:	out: entries stored.
 * @needed:	out: bytes all entries need. When that is more than @len the
 *		call stores nothing and fails with ERANGE (as listxattr(2)
 *		does); call again with a larger buffer.
 * @reserved:	must be 0.
 *
 * The list is a snapshot; names may come and go right after it is taken.
 * Inboxes have no name and are not listed.
 */
struct mbox_list {
	__u64 buf;
	__u32 len;
	__u32 flags;
	__u32 count;
	__u32 needed;
	__u64 reserved[2];
};

#define MBOX_IOC_INFO		_IOWR(MBOX_IOC_MAGIC, 0x00, struct mbox_info)
#define MBOX_IOC_OPEN		_IOW(MBOX_IOC_MAGIC, 0x01, struct mbox_open)
#define MBOX_IOC_UNLINK		_IOW(MBOX_IOC_MAGIC, 0x02, struct mbox_unlink)
#define MBOX_IOC_LIST		_IOWR(MBOX_IOC_MAGIC, 0x03, struct mbox_list)
#define MBOX_IOC_SEND		_IOW(MBOX_IOC_MAGIC, 0x10, struct mbox_send)
#define MBOX_IOC_RECV		_IOWR(MBOX_IOC_MAGIC, 0x11, struct mbox_recv)
#define MBOX_IOC_STAT		_IOWR(MBOX_IOC_MAGIC, 0x12, struct mbox_stat)
#define MBOX_IOC_SEND_BATCH	_IOWR(MBOX_IOC_MAGIC, 0x13, struct mbox_batch)
#define MBOX_IOC_RECV_BATCH	_IOWR(MBOX_IOC_MAGIC, 0x14, struct mbox_batch)

#endif /* _UAPI_LINUX_MBOX_H */
