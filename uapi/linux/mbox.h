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
#define MBOX_FEAT_RING		(1ULL << 2)	/* shared-memory rings */
#define MBOX_FEAT_PIPE		(1ULL << 3)	/* anonymous objects: MBOX_IOC_PIPE */

/* Message priorities are 0 (lowest) to MBOX_PRIO_MAX - 1. */
#define MBOX_PRIO_MAX		32

/* Most messages one MBOX_IOC_SEND_BATCH or MBOX_IOC_RECV_BATCH moves. */
#define MBOX_BATCH_MAX		1024

/*
 * Object types. Each type has a namespace of its own, as POSIX message
 * queues and shared memory objects do.
 *
 * Names are scoped per IPC namespace, as POSIX message queues are: a name
 * made in one IPC namespace is not seen from another (open ENOENT, unlink
 * ENOENT, absent from MBOX_IOC_LIST), so each may use the same name for a
 * different object. CAP_IPC_OWNER counts in the user namespace that owns
 * the object's IPC namespace (as for SysV IPC), and uids and gids are
 * reported in the caller's user namespace. When an IPC namespace dies (its
 * last process and reference are gone) its names are removed, as if
 * unlinked: at the next MBOX_IOC_OPEN, MBOX_IOC_RING_OPEN, MBOX_IOC_UNLINK
 * or MBOX_IOC_LIST by anyone, and within 5 seconds otherwise. An object
 * still bound to a descriptor lives on, unnamed, until the last one is
 * released, and counts against its owner's quotas until then. Without
 * CONFIG_POSIX_MQUEUE in the kernel only the initial IPC namespace may
 * have names: creating one elsewhere fails with EOPNOTSUPP.
 */
#define MBOX_TYPE_MAILBOX	1
#define MBOX_TYPE_RING		2

/**
 * struct mbox_info - MBOX_IOC_INFO: ABI version and the limits in force
 * @flags:		in: must be 0.
 * @abi_version:	out: MBOX_ABI_VERSION of the running module.
 * @features:		out: MBOX_FEAT_* bits for what this module offers.
 * @name_max:		out: MBOX_NAME_MAX.
 * @msg_size_max:	out: largest per-message size a mailbox may be given.
 * @msg_size_default:	out: per-message size of a mailbox created with 0:
 *			the msg_size_default parameter, or msg_size_max when
 *			that is lower.
 * @capacity_max:	out: largest capacity (in messages) of a bounded
 *			mailbox.
 * @capacity_default:	out: capacity of a mailbox created with 0 and no
 *			capacity flag: the capacity_default parameter, or
 *			capacity_max when that is lower.
 * @user_objects_max:	out: objects (mailboxes, inboxes, rings) one user
 *			may own at a time.
 * @user_bytes_max:	out: bytes one user may have queued at a time,
 *			counting the memory of the rings it created.
 * @msg_overhead:	out: bytes of header the kernel stores with each
 *			queued message. A message counts against
 *			@user_bytes_max the memory it pins, in whichever of
 *			two layouts pins less (the first on a tie): header
 *			and payload in one allocation of payload plus
 *			@msg_overhead bytes; or the payload in an allocation
 *			of its own, and the header with a pointer to it in
 *			one of @msg_overhead plus pointer-size bytes. Each
 *			allocation counts its size rounded up to the slab
 *			size class it falls in (up to the slab's largest
 *			class, 8 KiB with 4 KiB pages), or above that to
 *			whole pages plus the page array and bookkeeping of a
 *			vmalloc area. On x86-64 a 64-byte message counts
 *			128 bytes, a 4096-byte one 96 + 4096.
 * @prio_max:		out: MBOX_PRIO_MAX.
 * @ring_size_max:	out: the largest ring data size.
 * @__pad:		out: 0.
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
	__u32 ring_size_max;
	__u32 __pad;
	__u64 reserved[2];
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
 * Order: a queue never changes order. Messages of one priority are taken
 * in the order they entered the mailbox. A receive whose copy-out fails
 * (EFAULT) puts its message back at its arrival place, before every
 * message that arrived after it. So a message another receiver is still
 * holding can be overtaken, and nothing else can.
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
 * the same inbox after that (ignoring the attributes then). Anyone with
 * write permission on it then sends to the process by pid with
 * MBOX_SEND_TO_PID, on any /dev/mbox descriptor with write access, bound
 * or not; pids are read in the sender's pid
 * namespace and name a process (thread group), not a thread. A pid with no
 * inbox, or whose process is gone, gives ESRCH. An inbox belongs to one
 * program run of its process: it dies when the process exits or execs, or
 * when the last descriptor bound to it is closed (one a child inherited
 * counts too). Its queued messages are then freed and its blocked senders
 * fail with ESRCH; a descriptor still bound to it (a child's) sees a
 * hang-up: receives fail with EPIPE, sends with ESRCH, poll shows EPOLLHUP
 * and EPOLLERR. An exec is noticed at the next send by pid, or the next
 * call of any kind (every command, read, write, poll) on a descriptor
 * bound to the inbox; so a send through an inherited descriptor fails with
 * ESRCH at once, and nothing is queued. It does not wake a poll or a call
 * already asleep: those end when the inbox is next looked at that way (or
 * at their timeout). An inbox is a mailbox in all
 * else: capacity, permissions (its mode applies to senders), quotas, stat.
 * An inbox belongs to its process's current IPC namespace, as a message
 * queue would: a sender in another IPC namespace gets ESRCH.
 *
 * Batches (MBOX_IOC_SEND_BATCH, MBOX_IOC_RECV_BATCH) move up to
 * MBOX_BATCH_MAX messages in one call, like sendmmsg(2)/recvmmsg(2). Only
 * the first message may block, unless MBOX_BATCH_WAITALL is given; the
 * rest go only if they can go at once. The call returns how many messages
 * moved (or -errno when none did) and says in batch.error why it stopped.
 * A signal after some moved ends the batch with EINTR in batch.error and is
 * never restarted.
 *
 * poll says exactly what the matching non-blocking call would do now; the
 * kernel decides both by the same rule. EPOLLIN: a receive without
 * MBOX_RECV_FROM finds a message (queued, or held by a blocked sender).
 * EPOLLOUT: a send by the polling process of a message of msg_size bytes
 * goes at once, into a free slot or to a blocked receiver that takes it. A
 * blocked receiver counts only if it would take that message: not a
 * peeker, not one whose buffer is shorter (without MBOX_RECV_TRUNC), and,
 * with MBOX_RECV_FROM, only for the process it filters on. So on a full or
 * rendezvous mailbox where the only receiver waits for pid P, P sees
 * EPOLLOUT and everyone else does not (their sends would fail with
 * EAGAIN). A shorter message may go where EPOLLOUT is clear (to a short
 * buffer); a synchronous send needs a receiver in any case. Once the
 * mailbox is unlinked nobody new can bind to it, so, as with a pipe: with
 * no descriptor left that may send, EPOLLHUP (with EPOLLIN while messages
 * remain; receive fails with EPIPE once the queue is empty); with none left
 * that may receive, EPOLLERR (send fails with EPIPE; a write() that does
 * also raises SIGPIPE, as on a pipe). Blocked calls fail with EPIPE when
 * that happens. A dead inbox shows EPOLLHUP and EPOLLERR.
 * An unbound descriptor polls as EPOLLERR (every call on it fails with
 * ENOTCONN), and a poll or epoll registration made then keeps working once
 * the descriptor binds: the bind wakes it and the object's events reach it
 * from then on.
 *
 * Limits: the per-user quotas of the module parameters apply to users
 * without CAP_SYS_RESOURCE. A user over user_objects_max cannot create a
 * mailbox or inbox (ENOSPC); a send that would take the user over
 * user_bytes_max fails with EDQUOT (each message counts the kernel memory
 * it pins, payload and header as the allocator hands them out, as struct
 * mbox_info says; it is charged to the user who opened
 * the descriptor it was sent through). Neither ever drops a message
 * silently.
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
 * mq_open(3) ignores its attributes), with MBOX_OPEN_CREATE or without:
 * they are checked (EINVAL) only when a mailbox is created, against the
 * limits in force then, so lowering a limit never stops an existing
 * mailbox from being opened. The flags and reserved fields are always
 * checked. Opening an existing mailbox checks its permissions against
 * the descriptor's access mode (EACCES); CAP_IPC_OWNER in the user
 * namespace owning the caller's IPC namespace overrides. A new mailbox
 * belongs to the caller's effective uid and gid, and its creator gets the
 * access it asked for whatever @mode says.
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
 * @type:	in: MBOX_TYPE_MAILBOX or MBOX_TYPE_RING.
 * @flags:	in: must be 0.
 * @reserved:	must be 0.
 *
 * Like unlink(2): descriptors already bound keep working, the object is
 * freed when the last one closes, and the name may be reused at once. Only
 * the owner or creator may unlink (EPERM), or whoever has CAP_IPC_OWNER in
 * the user namespace owning the IPC namespace, if that namespace maps the
 * owner's uid and gid (as CAP_FOWNER and inode_owner_or_capable() go). The
 * name is looked up in the caller's IPC namespace. Any /dev/mbox
 * descriptor will do, bound or not.
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
#define MBOX_STATE_ANON		(1U << 3)	/* made by MBOX_IOC_PIPE: no name ever */

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
 * @sent_bytes:		out: payload bytes of the messages counted in @sent.
 * @received_bytes:	out: payload bytes of the messages counted in
 *			@received (whole messages, also when a receive
 *			truncated one).
 * @reserved:		in: must be 0; out: 0.
 *
 * Whenever nobody is inside a call on the mailbox, @sent - @received is
 * @queued and @sent_bytes - @received_bytes is @queued_bytes: a message a
 * synchronous sender takes back, or a receiver could not store, is
 * uncounted again. (Not so for a dead inbox: the messages it drops stay
 * counted as sent.)
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
	__u64 sent_bytes;
	__u64 received_bytes;
	__u64 reserved[2];
};

/**
 * struct mbox_list_entry - one object in the MBOX_IOC_LIST buffer
 * @size:		bytes from this entry to the next, a multiple of 8.
 * @type:		MBOX_TYPE_*.
 * @uid:		owner, in the caller's user namespace.
 * @gid:		group, likewise.
 * @mode:		permission bits.
 * @queued:		messages queued; 0 unless the caller could open the
 *			object for reading (its mode, or CAP_IPC_OWNER).
 * @queued_bytes:	payload bytes queued (a ring: bytes in use); 0 unless
 *			the caller could open the object for reading.
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
 * It holds the names of the caller's IPC namespace only. Inboxes have no
 * name and are not listed.
 */
struct mbox_list {
	__u64 buf;
	__u32 len;
	__u32 flags;
	__u32 count;
	__u32 needed;
	__u64 reserved[2];
};

/*
 * Rings
 * =====
 *
 * A ring is a bounded buffer of variable-length records in memory that the
 * kernel shares with a producer and a consumer: in the fast path neither
 * makes a system call. It is a named object with the rules of a mailbox
 * (names, create/open/exclusive, unlink, permissions, quotas) in a
 * namespace of its own. A descriptor binds to it with MBOX_IOC_RING_OPEN in
 * one role:
 *  - MBOX_RING_PRODUCER (write permission, descriptor opened for writing):
 *    one at a time, EBUSY for a second;
 *  - MBOX_RING_CONSUMER (read permission, descriptor opened for reading):
 *    one at a time, EBUSY for a second;
 *  - MBOX_RING_OBSERVER (read permission): any number, read-only mappings.
 * A role is free again once its descriptor is released (closed, and
 * unmapped: a mapping holds the descriptor's file). Mapping takes more:
 * mmap() needs a descriptor opened O_RDWR for a producer or consumer (a
 * mapping reads, and each of them writes a page), even for a read-only
 * mapping (an O_RDONLY consumer consumes with read()), and O_RDONLY or
 * O_RDWR for an observer; and since a mapping shows the data, a producer may map only
 * if it had read permission too when it bound (as shmat(2) asks both for a
 * mapping that writes). A producer without it writes records with write().
 *
 * Memory: mmap() the descriptor (MAP_SHARED) at the offsets the kernel
 * returns in struct mbox_ring_layout; never assume them:
 *
 *   cons_off  +-----------------+  written by the consumer only: cons pos,
 *             | consumer page   |  cons wakeup (the kernel writes the
 *             |                 |  pollers word). The producer maps it
 *   prod_off  +-----------------+  read-only. Written by the producer only:
 *             | producer page   |  prod pos, prod wakeup; read-only for
 *   data_off  +-----------------+  the consumer.
 *             | data            |  data_size bytes, then the same pages
 *             | data (again)    |  mapped once more, so that a record that
 *             +-----------------+  wraps is contiguous.
 *
 * The producer maps [0, prod_off) read-only and [prod_off, mmap_size) read-
 * write; the consumer maps [0, prod_off) read-write and the rest read-only;
 * an observer maps all read-only. A writable mapping of a page the role may
 * not write gives EACCES, as do an executable mapping (PROT_EXEC, or a
 * process with READ_IMPLIES_EXEC), a producer without read permission and a
 * descriptor not opened as above; one that is not MAP_SHARED, or an offset
 * or length outside [0, mmap_size), gives EINVAL. mprotect() cannot widen a
 * mapping's protection afterwards.
 *
 * Positions: prod and cons are free-running __u32 byte counts, compared by
 * difference: prod - cons bytes are in use, data_size - (prod - cons) free.
 * The record at position p starts at data + (p & (data_size - 1)), with a
 * struct mbox_ring_hdr followed by len bytes of payload, padded to
 * MBOX_RING_ALIGN; it takes MBOX_RING_REC_SIZE(len) bytes of the ring.
 * Payloads are 1 to rec_max bytes (rec_max = data_size - header).
 *
 * Memory ordering: the producer fills the record, then publishes it with a
 * store-release of prod; the consumer reads prod with a load-acquire before
 * it reads the record. The consumer frees records with a store-release of
 * cons; the producer reads cons with a load-acquire before it reuses the
 * space. Each side reads its own position with a plain load.
 *
 * Sleeping and waking: a side sleeps only when it must, in
 * MBOX_IOC_RING_WAIT (or in poll(), read() or write()). The kernel first
 * queues the sleeper, then sets the side's wakeup word, issues a full
 * barrier, and checks the ring again; it sleeps only if that check still
 * fails. A consumer's word is MBOX_RING_NEED_WAKEUP; a producer's is the
 * number of free bytes it waits for. Several waiters may share a side
 * (threads on one descriptor, a wait and a poll, the kernel's read() or
 * write() and the process through its mapping): the producer's word then
 * holds the smallest need among them. Whoever sets it only lowers it, with
 * a compare-and-swap (0, no request, counts as larger than anything); the
 * kernel does so, and so does libmbox. A waker clears it; the waiters it
 * woke that still lack room set it again. The other side, after it
 * publishes (a store-release of its position), issues a full barrier
 * (atomic_thread_fence(memory_order_seq_cst)) and loads the wakeup word; if
 * it is set (and, for a producer's, that many bytes are now free), it calls
 * MBOX_IOC_RING_WAKE, which clears the word and wakes the sleepers. No
 * wake-up is lost: of "set wakeup; fence; load position" and "store
 * position; fence; load wakeup", whichever runs second sees the other's
 * store, so either the sleeper sees the new record (or space) and does not
 * sleep, or the publisher sees the request and wakes it. A sleeper is
 * queued before it sets the word, so a wake-up that clears the word also
 * reaches it; it sets the word again before it sleeps again. A side that
 * waits some other way (epoll, edge-triggered) must set its wakeup word
 * itself before it waits: a non-blocking read() or write() that fails with
 * EAGAIN does so, and so does libmbox whenever a non-blocking call finds
 * the ring empty (consumer) or full (producer).
 *
 * A consumer that is not asleep costs its producer no wake call: the
 * consumer page holds, at pollers_off, a word the kernel sets (nonzero)
 * while a poll or epoll waiter may be queued on the consumer's side, and
 * clears once none is. While it is 0, a consumer's non-blocking call that
 * finds the ring empty need not set its wakeup word (a non-blocking read()
 * does not, nor does libmbox): no waiter would sleep on the request, and
 * a waiter queued later sets the word itself. When the last sleeper or
 * poller of the consumer's side leaves, the kernel clears the consumer's
 * wakeup word too; it clears either word only while no waiter is queued,
 * and a waiter queues itself before it sets them, so no waiter loses its
 * wake-up. A producer always sets its word on EAGAIN: the word also tells
 * poll() how much room the producer waits for.
 *
 * read() and write() on a ring descriptor make the kernel play the role:
 * one write() of 1 to rec_max bytes is one record (0 bytes: EINVAL; more:
 * EMSGSIZE); one read() returns one whole record (a short buffer:
 * EMSGSIZE, the record stays). They block, honour O_NONBLOCK, and wake the
 * other side as above, so a process that maps the ring and one that only
 * reads or writes (mboxctl) work together.
 *
 * Trust: the kernel treats every byte of the shared pages as hostile. It
 * reads each position and header once, bounds every access, and never
 * follows a value out of the ring. When what it finds is inconsistent it
 * fails the call: EUCLEAN when the positions are (prod - cons beyond
 * data_size, or either not a multiple of MBOX_RING_ALIGN), EBADMSG when a
 * record header is (a length out of range, a record past prod, a flags
 * word not 0). A peer that scribbles can spoil the ring for its peers,
 * nothing else.
 *
 * poll: what a non-blocking read() or write() would find, by the same check.
 * A consumer (or observer) descriptor is EPOLLIN while a record is there, a
 * producer descriptor EPOLLOUT while the room its wakeup word asks for (the
 * smallest need of its side's waiters; at least MBOX_RING_ALIGN * 2 bytes)
 * is free: a write() of a record that size would go. An observer is woken
 * only when the consumer is: it can neither consume nor ask for wake-ups,
 * so it is for looking, not for waiting. Once the ring is unlinked, a
 * consumer with no producer left sees EPOLLHUP (with EPOLLIN while records
 * remain; read() or a wait fail with EPIPE once the ring is empty); a
 * producer with no consumer left sees EPOLLERR (EPIPE). Positions found
 * inconsistent show as EPOLLERR.
 *
 * Quotas: a ring counts against user_objects_max, and its memory against
 * its creator's user_bytes_max, until it is freed.
 */

/*
 * Descriptors across fork and exec
 * ================================
 *
 * A binding belongs to the open file, not to the descriptor or the
 * process: a descriptor that a child inherits with fork() (or that is
 * passed over a unix socket, or dup()ed) is the same bound file. So:
 *  - a mailbox descriptor in a child is the same reader or writer as in
 *    the parent (MBOX_IOC_STAT counts it once), and either process may
 *    use it. The file stays bound until every copy is closed, so an
 *    inherited copy holds off a hang-up, as an inherited write end of a
 *    pipe holds off EOF: once the mailbox is unlinked, readers see
 *    EPOLLHUP and EPIPE only when the last copy of the last writer is
 *    closed (and writers EPOLLERR when that of the last reader is). Close
 *    the copies a child does not need, or open with O_CLOEXEC.
 *  - a ring's role is held by the file, and a mapping holds the file: a
 *    child that inherits a descriptor or a mapping of a producer or
 *    consumer keeps the role held (EBUSY for anyone else) until it has
 *    closed the descriptor and unmapped every inherited mapping, or exits,
 *    or execs (with the descriptor O_CLOEXEC, below). Parent and child
 *    then share one position: only one of them may play the role at a
 *    time. MADV_DONTFORK on the mapping keeps it out of children.
 *  - the ends of an anonymous mailbox or ring (MBOX_IOC_PIPE) are
 *    mailbox and ring descriptors like the others, so all of the above
 *    holds for them, as for the ends of a pipe: a child that inherits
 *    the write end holds off EOF for the read end until it closes it (or
 *    exits, or execs with the end O_CLOEXEC), and one that inherits the
 *    read end holds off EPIPE for writers likewise. So after fork() each
 *    process closes the end it does not use, exactly as with pipe(2).
 *    Passing an end over a unix socket passes the same file.
 *  - an unbound descriptor is the same unbound file in both processes:
 *    whichever binds it first binds it for both (the other then gets
 *    EISCONN).
 *  - an observer's descriptor and mappings are inherited like any other
 *    and hold nothing exclusive; a child's read-only mapping shows the
 *    same pages.
 *  - an inbox descriptor in a child is still bound to the parent's inbox:
 *    the child receives the parent's messages through it, and keeps the
 *    inbox alive after the parent closes its own descriptors (see
 *    Inboxes). It does not make the child's pid an inbox: a child that
 *    opts in gets an inbox of its own.
 *  - exec closes O_CLOEXEC descriptors (libmbox opens every descriptor so)
 *    and drops all mappings, which frees what they held. A descriptor
 *    without O_CLOEXEC stays bound in the new program: a mailbox or ring
 *    descriptor keeps working, and holds what it held (an end of an
 *    anonymous object too: the new program can find it by its number,
 *    as with a pipe's). An inbox dies when
 *    its owner execs, whoever holds its descriptors; when a child that
 *    holds the descriptor execs, the inbox lives on and the child's new
 *    program can receive the owner's messages.
 */

/* Roles */
#define MBOX_RING_PRODUCER	1
#define MBOX_RING_CONSUMER	2
#define MBOX_RING_OBSERVER	3

/* A consumer's wakeup word when it asks to be woken. */
#define MBOX_RING_NEED_WAKEUP	1

/**
 * struct mbox_ring_hdr - the header of each record
 * @len:	payload bytes: 1 to rec_max.
 * @flags:	0.
 */
struct mbox_ring_hdr {
	__u32 len;
	__u32 flags;
};

#define MBOX_RING_ALIGN		8
/* Bytes of the ring a record with a @len-byte payload takes. */
#define MBOX_RING_REC_SIZE(len)	\
	(((len) + sizeof(struct mbox_ring_hdr) + MBOX_RING_ALIGN - 1) & \
	 ~(MBOX_RING_ALIGN - 1))

/**
 * struct mbox_ring_layout - where things are in a ring's mapping
 * @mmap_size:	bytes of the whole mapping, from offset 0.
 * @data_size:	bytes of data, a power of two.
 * @rec_max:	the largest record payload.
 * @cons_off:	offset of the consumer page.
 * @prod_off:	offset of the producer page.
 * @data_off:	offset of the data, which is mapped twice in a row.
 * @pos_off:	offset, in each page, of its side's position (__u32).
 * @wakeup_off:	offset, in each page, of its side's wakeup word (__u32),
 *		away from the position's cache line.
 * @pollers_off: offset, in the consumer page, of the consumer's pollers
 *		word (__u32; see "Sleeping and waking"). 0 from a kernel
 *		without it: then set the wakeup word on every EAGAIN.
 */
struct mbox_ring_layout {
	__u64 mmap_size;
	__u32 data_size;
	__u32 rec_max;
	__u32 cons_off;
	__u32 prod_off;
	__u32 data_off;
	__u32 pos_off;
	__u32 wakeup_off;
	__u32 pollers_off;
};

/**
 * struct mbox_ring_open - MBOX_IOC_RING_OPEN: bind this descriptor to a ring
 * @name:	in: the name, as for a mailbox.
 * @flags:	in: MBOX_OPEN_CREATE, MBOX_OPEN_EXCL.
 * @mode:	in, creation: permission bits (at most 0777), less the umask.
 * @size:	in, creation: data bytes, a power of two from the page size
 *		(4096 on x86) to ring_size_max; 0 for 65536, or for the
 *		largest power of two not above ring_size_max if that is less.
 * @role:	in: MBOX_RING_PRODUCER, _CONSUMER or _OBSERVER.
 * @layout:	out: where to find everything in the mapping. It must come in
 *		as zeroes (EINVAL otherwise), so that it may carry requests
 *		in a later version.
 * @reserved:	must be 0.
 *
 * As for a mailbox, @mode and @size are checked only when the ring is
 * created. Errors as for MBOX_IOC_OPEN, and EBUSY when the role is taken, EBADF when
 * the descriptor's access mode does not allow the role, EDQUOT when the new
 * ring's memory would take its creator over user_bytes_max.
 */
struct mbox_ring_open {
	__u64 name;
	__u32 flags;
	__u32 mode;
	__u32 size;
	__u32 role;
	struct mbox_ring_layout layout;
	__u64 reserved[2];
};

/*
 * MBOX_IOC_RING_WAIT flags. TIMEOUT is bit 1, as in MBOX_SEND_* and
 * MBOX_RECV_*; bit 0, NONBLOCK there, is not used (a wait that may not
 * block has nothing to do), so it gives EINVAL.
 */
#define MBOX_RING_WAIT_TIMEOUT	(1U << 1)	/* give up after timeout_ns */

/**
 * struct mbox_ring_wait - MBOX_IOC_RING_WAIT: sleep until the peer moves
 * @flags:	in: MBOX_RING_WAIT_*.
 * @need:	in: a producer waits for @need free bytes (a record's
 *		MBOX_RING_REC_SIZE), at most data_size; a consumer waits for a
 *		record, and must pass 0.
 * @timeout_ns:	in: with MBOX_RING_WAIT_TIMEOUT, how long at most
 *		(relative, CLOCK_MONOTONIC).
 * @reserved:	must be 0.
 *
 * Returns 0 once the ring has what the caller waits for, or ETIMEDOUT,
 * EINTR (also with SA_RESTART when timed), EPIPE (hang-up), EUCLEAN
 * (inconsistent positions), EBADF (an observer).
 */
struct mbox_ring_wait {
	__u32 flags;
	__u32 need;
	__u64 timeout_ns;
	__u64 reserved[2];
};

/**
 * struct mbox_ring_stat - MBOX_IOC_RING_STAT: a bound ring's state
 * @flags:	in: must be 0.
 * @state:	out: MBOX_STATE_UNLINKED, and MBOX_STATE_ANON for a ring
 *		made by MBOX_IOC_PIPE.
 * @size:	out: data bytes.
 * @mode:	out: permission bits.
 * @uid:	out: owner, in the caller's user namespace.
 * @gid:	out: group, likewise.
 * @prod:	out: the producer's position, as the shared page says now.
 * @cons:	out: the consumer's position, likewise.
 * @producer:	out: 1 if a producer is bound.
 * @consumer:	out: 1 if a consumer is bound.
 * @observers:	out: observers bound.
 * @sleepers:	out: tasks asleep on the ring in the kernel now.
 * @wakeups:	out: times the kernel woke the ring's sleepers (on
 *		MBOX_IOC_RING_WAKE, or after its own read() or write()).
 * @sleeps:	out: times a task went to sleep on the ring.
 * @reserved:	in: must be 0; out: 0.
 */
struct mbox_ring_stat {
	__u32 flags;
	__u32 state;
	__u32 size;
	__u32 mode;
	__u32 uid;
	__u32 gid;
	__u32 prod;
	__u32 cons;
	__u32 producer;
	__u32 consumer;
	__u32 observers;
	__u32 sleepers;
	__u64 wakeups;
	__u64 sleeps;
	__u64 reserved[4];
};

/*
 * Anonymous mailboxes and rings: pipes
 * ====================================
 *
 * MBOX_IOC_PIPE makes a mailbox or a ring that has no name, as pipe2(2)
 * makes a pipe, and returns two new descriptors bound to it: a read end
 * and a write end. Nothing can open it by name, MBOX_IOC_LIST does not
 * show it, and it belongs to no IPC namespace: it is shared only by
 * inheriting the descriptors (fork), dup(), or passing them over a unix
 * socket (SCM_RIGHTS), and it is freed when the last descriptor (and, for
 * a ring, the last mapping) is gone.
 *
 * Since no descriptor can ever bind to it later, it is "unlinked" from the
 * start and hangs up exactly as an unlinked named object does (see
 * Mailboxes and Rings above), which is what a pipe does:
 *  - once every copy of the write end is closed, the read end sees
 *    EPOLLHUP (with EPOLLIN while messages or records remain), and
 *    receive, read() and MBOX_IOC_RING_WAIT fail with EPIPE once the queue
 *    is empty: that is end-of-file. (A mailbox message may be empty, so
 *    read() returning 0 is a message, never the end.) Receivers blocked
 *    then fail with EPIPE at once;
 *  - once every copy of the read end is closed, the write end sees
 *    EPOLLERR, and sends fail with EPIPE, blocked senders too. A write()
 *    that fails with EPIPE also raises SIGPIPE, as write(2) on a pipe
 *    does (this holds for every mailbox and ring: the ioctls never raise
 *    a signal, as mq_send(3) does not);
 *  - MBOX_IOC_STAT and MBOX_IOC_RING_STAT report MBOX_STATE_UNLINKED and
 *    MBOX_STATE_ANON.
 *
 * Mailbox (type MBOX_TYPE_MAILBOX): fds[0] is opened O_RDONLY (it may
 * receive only), fds[1] O_WRONLY (send only); each works with
 * MBOX_IOC_SEND/RECV, the batches, read(), write() and poll() as any
 * mailbox descriptor, and send by pid (MBOX_SEND_TO_PID) through fds[1] as
 * through any descriptor with write access. Ring (MBOX_TYPE_RING): fds[0]
 * is the consumer, fds[1] the producer, both opened O_RDWR so that both
 * may map the ring (and each may only play its role: EBADF otherwise, as
 * for a named ring); the layout comes back in @layout. No observer can
 * bind to an anonymous ring.
 *
 * Permissions and quotas: the object belongs to the caller's effective
 * uid and gid, with @mode (less the umask) as its permission bits, which
 * MBOX_IOC_STAT reports; since nobody can ever open it by name, they are
 * never checked (as a pipe's are not): holding a descriptor is the right
 * to use it, with the access the descriptor has. It counts against the
 * caller's user_objects_max (ENOSPC) and, a ring, its memory against the
 * caller's user_bytes_max (EDQUOT), until it is freed; each message sent
 * is charged to the user who made the descriptor it was sent through,
 * that is, the caller of MBOX_IOC_PIPE, whoever sends.
 */

/**
 * struct mbox_pipe - MBOX_IOC_PIPE: make an anonymous mailbox or ring
 * @type:	in: MBOX_TYPE_MAILBOX or MBOX_TYPE_RING.
 * @flags:	in: a mailbox: 0, MBOX_OPEN_UNBOUNDED or MBOX_OPEN_RENDEZVOUS
 *		(not both); a ring: 0.
 * @fd_flags:	in: 0, O_CLOEXEC and/or O_NONBLOCK, for both new
 *		descriptors, as for pipe2(2).
 * @mode:	in: permission bits (at most 0777), less the umask.
 * @capacity:	in, mailbox: as for MBOX_IOC_OPEN; a ring: must be 0.
 * @msg_size:	in, mailbox: as for MBOX_IOC_OPEN; a ring: must be 0.
 * @size:	in, ring: as for MBOX_IOC_RING_OPEN; a mailbox: must be 0.
 * @fds:	out: fds[0] the read end (a mailbox's receiving descriptor, a
 *		ring's consumer), fds[1] the write end (sending descriptor,
 *		producer). Not read on input. On failure no descriptor is
 *		installed.
 * @layout:	out, ring: as from MBOX_IOC_RING_OPEN; a mailbox: zeroes. It
 *		must come in as zeroes (EINVAL otherwise).
 * @__pad:	must be 0.
 * @reserved:	must be 0.
 *
 * Any /dev/mbox descriptor may make the call, bound or not; it is not
 * changed by it. Returns 0 with both descriptors installed, or fails with
 * nothing made: EINVAL (a field above out of range), EFAULT (the argument
 * cannot be read or written), ENOSPC (over user_objects_max), EDQUOT (a
 * ring's memory over user_bytes_max), EMFILE or ENFILE (no descriptor for
 * the two ends), ENOMEM.
 */
struct mbox_pipe {
	__u32 type;
	__u32 flags;
	__u32 fd_flags;
	__u32 mode;
	__u32 capacity;
	__u32 msg_size;
	__u32 size;
	__s32 fds[2];
	__u32 __pad;
	struct mbox_ring_layout layout;
	__u64 reserved[2];
};

#define MBOX_IOC_INFO		_IOWR(MBOX_IOC_MAGIC, 0x00, struct mbox_info)
#define MBOX_IOC_OPEN		_IOW(MBOX_IOC_MAGIC, 0x01, struct mbox_open)
#define MBOX_IOC_UNLINK		_IOW(MBOX_IOC_MAGIC, 0x02, struct mbox_unlink)
#define MBOX_IOC_LIST		_IOWR(MBOX_IOC_MAGIC, 0x03, struct mbox_list)
#define MBOX_IOC_PIPE		_IOWR(MBOX_IOC_MAGIC, 0x04, struct mbox_pipe)
#define MBOX_IOC_SEND		_IOW(MBOX_IOC_MAGIC, 0x10, struct mbox_send)
#define MBOX_IOC_RECV		_IOWR(MBOX_IOC_MAGIC, 0x11, struct mbox_recv)
#define MBOX_IOC_STAT		_IOWR(MBOX_IOC_MAGIC, 0x12, struct mbox_stat)
#define MBOX_IOC_SEND_BATCH	_IOWR(MBOX_IOC_MAGIC, 0x13, struct mbox_batch)
#define MBOX_IOC_RECV_BATCH	_IOWR(MBOX_IOC_MAGIC, 0x14, struct mbox_batch)
#define MBOX_IOC_RING_OPEN	_IOWR(MBOX_IOC_MAGIC, 0x20, struct mbox_ring_open)
#define MBOX_IOC_RING_WAIT	_IOW(MBOX_IOC_MAGIC, 0x21, struct mbox_ring_wait)
#define MBOX_IOC_RING_WAKE	_IO(MBOX_IOC_MAGIC, 0x22)	/* arg must be 0 */
#define MBOX_IOC_RING_STAT	_IOWR(MBOX_IOC_MAGIC, 0x23, struct mbox_ring_stat)

#endif /* _UAPI_LINUX_MBOX_H */
