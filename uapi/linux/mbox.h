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
 * @user_mailboxes_max:	out: mailboxes one user may own at a time.
 * @user_bytes_max:	out: bytes one user may have queued at a time.
 * @msg_overhead:	out: bytes a queued message counts against
 *			@user_bytes_max on top of its payload.
 * @__pad:		must be 0.
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
	__u32 user_mailboxes_max;
	__u64 user_bytes_max;
	__u32 msg_overhead;
	__u32 __pad;
	__u64 reserved[3];
};

/*
 * Mailboxes
 * =========
 *
 * A mailbox is a named kernel queue of messages that any number of processes
 * share. Open /dev/mbox, then bind the descriptor to a mailbox with
 * MBOX_IOC_OPEN; the descriptor's access mode (O_RDONLY, O_WRONLY, O_RDWR)
 * says whether it may receive, send, or both, as with mq_open(3). A
 * descriptor binds once (again: EISCONN); the calls below on an unbound one
 * give ENOTCONN, and send on a descriptor without write access (receive
 * without read access) gives EBADF.
 *
 * Messages: one write() or MBOX_IOC_SEND is one message, of 0 to msg_size
 * bytes (larger: EMSGSIZE). One read() or MBOX_IOC_RECV returns one whole
 * message, in FIFO order. A buffer smaller than the message fails with
 * EMSGSIZE and leaves the message queued, unless MBOX_RECV_TRUNC is given.
 * readv()/writev() move one message too.
 *
 * Blocking: a full mailbox blocks senders and an empty one receivers, in
 * arrival order, one message per waiter. O_NONBLOCK on the descriptor or the
 * per-call NONBLOCK flag gives EAGAIN instead. A per-call TIMEOUT gives
 * ETIMEDOUT after timeout_ns nanoseconds (relative, CLOCK_MONOTONIC; 0 times
 * out at once when the call would block). A signal interrupts a wait with
 * EINTR; without a timeout the call restarts instead when the handler has
 * SA_RESTART (a timed call never restarts: its full timeout would start
 * again). A send that finds a receiver waiting hands the message straight
 * to it.
 *
 * poll: EPOLLIN when a message can be received, EPOLLOUT when a message can
 * be sent without blocking. Once the mailbox is unlinked nobody new can bind
 * to it, so, as with a pipe: with no descriptor left that may send,
 * EPOLLHUP (with EPOLLIN while messages remain; receive fails with EPIPE
 * once the queue is empty); with none left that may receive, EPOLLERR (send
 * fails with EPIPE). Blocked calls fail with EPIPE when that happens. An
 * unbound descriptor polls as EPOLLERR.
 *
 * Limits: the per-user quotas of the module parameters apply to users
 * without CAP_SYS_RESOURCE. A user over user_mailboxes_max cannot create a
 * mailbox (ENOSPC); a send that would take the sender over user_bytes_max
 * fails with EDQUOT (each message counts its payload plus msg_overhead).
 * Neither ever drops a message silently.
 */

/* MBOX_IOC_OPEN flags */
#define MBOX_OPEN_CREATE	(1U << 0)	/* create it if it does not exist */
#define MBOX_OPEN_EXCL		(1U << 1)	/* with CREATE: EEXIST if it exists */
#define MBOX_OPEN_UNBOUNDED	(1U << 2)	/* creation: no capacity limit */

/**
 * struct mbox_open - MBOX_IOC_OPEN: bind this descriptor to a mailbox
 * @name:	in: pointer to the NUL-terminated name: 1 to MBOX_NAME_MAX
 *		printable ASCII bytes, no '/' (EINVAL; ENAMETOOLONG if longer).
 * @flags:	in: MBOX_OPEN_*. EXCL without CREATE is EINVAL.
 * @mode:	in, creation: permission bits (at most 0777), less the umask.
 * @capacity:	in, creation: messages the mailbox holds, 1 to capacity_max;
 *		0 for capacity_default. Must be 0 with MBOX_OPEN_UNBOUNDED.
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

/**
 * struct mbox_send - MBOX_IOC_SEND: send one message
 * @buf:	in: pointer to the message.
 * @len:	in: its length in bytes.
 * @flags:	in: MBOX_SEND_*.
 * @timeout_ns:	in: with MBOX_SEND_TIMEOUT, how long to wait at most.
 * @reserved:	must be 0.
 *
 * Returns 0 once the message is queued or handed to a receiver.
 */
struct mbox_send {
	__u64 buf;
	__u32 len;
	__u32 flags;
	__u64 timeout_ns;
	__u64 reserved[3];
};

/* MBOX_IOC_RECV flags */
#define MBOX_RECV_NONBLOCK	(1U << 0)	/* EAGAIN instead of blocking */
#define MBOX_RECV_TIMEOUT	(1U << 1)	/* give up after timeout_ns */
#define MBOX_RECV_TRUNC		(1U << 2)	/* take a message too long for buf */

/**
 * struct mbox_recv - MBOX_IOC_RECV: receive one message
 * @buf:	in: where to put the message.
 * @len:	in: the size of @buf; out: the length of the message, also
 *		when the call fails with EMSGSIZE.
 * @flags:	in: MBOX_RECV_*.
 * @timeout_ns:	in: with MBOX_RECV_TIMEOUT, how long to wait at most.
 * @reserved:	must be 0.
 *
 * Returns the number of bytes stored in @buf: the message's length, or less
 * with MBOX_RECV_TRUNC when it did not fit (the rest is discarded). If
 * storing the message faults (EFAULT), it goes back to the head of the
 * queue: nothing is lost.
 */
struct mbox_recv {
	__u64 buf;
	__u32 len;
	__u32 flags;
	__u64 timeout_ns;
	__u64 reserved[3];
};

/* struct mbox_stat.state */
#define MBOX_STATE_UNLINKED	(1U << 0)	/* the name is gone */

/**
 * struct mbox_stat - MBOX_IOC_STAT: a bound mailbox's attributes and counters
 * @flags:		in: must be 0.
 * @open_flags:		out: the creation flags kept (MBOX_OPEN_UNBOUNDED).
 * @capacity:		out: in messages; 0 when unbounded.
 * @msg_size:		out: largest message, in bytes.
 * @mode:		out: permission bits.
 * @uid:		out: owner, in the caller's user namespace.
 * @gid:		out: group, likewise.
 * @state:		out: MBOX_STATE_* bits.
 * @queued:		out: messages queued.
 * @readers:		out: bound descriptors that may receive.
 * @queued_bytes:	out: payload bytes queued.
 * @writers:		out: bound descriptors that may send.
 * @waiting_senders:	out: senders blocked now.
 * @waiting_receivers:	out: receivers blocked now.
 * @__pad:		out: 0.
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
	__u32 __pad;
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

#endif /* _UAPI_LINUX_MBOX_H */
