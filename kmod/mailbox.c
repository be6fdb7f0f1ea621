// SPDX-License-Identifier: GPL-2.0
/*
 * Mailboxes: named message queues with blocking send and receive.
 *
 * Locking: mb->lock, a spinlock, protects the queue, the waiter lists and
 * the counters. It is never held across a user copy: a message is copied in
 * before the lock is taken and copied out after it is dropped. A receive
 * whose copy-out faults puts the message back at the head of the queue, so
 * a bad buffer never loses a message.
 *
 * Waiting: a blocked sender or receiver puts a struct mbox_waiter (on its
 * stack) at the tail of mb->senders or mb->receivers and sleeps. Whoever
 * unblocks it does the whole job under mb->lock: a send hands its message
 * straight to the first waiting receiver; a receive that frees a slot moves
 * the first waiting sender's message into the queue. It then takes the
 * waiter off its list, publishes the outcome in waiter->state with a release
 * store, and wakes that one task once the lock is dropped. So waiters are
 * served in arrival order, each message wakes exactly one of them (no
 * thundering herd), and a woken waiter has nothing to retry.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hrtimer.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/user_namespace.h>
#include <linux/wait.h>

#include <linux/mbox.h>

#include "mbox.h"

struct mbox_msg {
	struct list_head node;		/* in mb->msgs, when queued */
	struct mbox_user *user;		/* charged for it */
	u32 len;
	u8 data[];
};

struct mbox_mailbox {
	struct mbox_obj obj;
	/* Set at creation. */
	u32 capacity;			/* in messages; 0 when unbounded */
	u32 msg_size;
	bool unbounded;

	spinlock_t lock;		/* protects everything below */
	struct list_head msgs;		/* queued messages, oldest first */
	u32 queued;
	u64 queued_bytes;
	struct list_head senders;	/* blocked senders, in arrival order */
	struct list_head receivers;	/* blocked receivers, likewise */
	u32 nr_senders;
	u32 nr_receivers;
	u32 readers;			/* bound descriptors that may receive */
	u32 writers;			/* ... that may send */
	bool unlinked;
	u64 sent;
	u64 received;

	wait_queue_head_t poll_wait;
};

/* waiter->state while nobody has settled the wait yet. */
#define MBOX_WAITING	1

struct mbox_waiter {
	struct list_head node;		/* in mb->senders or mb->receivers */
	struct task_struct *task;
	/* A sender's message; the message handed to a receiver. */
	struct mbox_msg *msg;
	/* A receiver's buffer size, and whether it takes longer messages. */
	u32 buf_len;
	bool trunc;
	u32 msg_len;			/* with -EMSGSIZE: the message's length */
	/*
	 * MBOX_WAITING, then the outcome: 0 or -errno. Written last, with a
	 * release store, by whoever settles the wait: after that store the
	 * waiter may return and this structure is gone.
	 */
	int state;
};

/* Tasks to wake and poll events to signal once mb->lock is dropped. */
struct mbox_wake {
	struct task_struct *tasks[4];
	unsigned int nr;
	__poll_t poll;
};

static const struct mbox_obj_ops mbox_mailbox_ops;

static struct mbox_mailbox *to_mailbox(struct mbox_obj *obj)
{
	return container_of(obj, struct mbox_mailbox, obj);
}

u32 mbox_msg_overhead(void)
{
	return sizeof(struct mbox_msg);
}

/* Settle @w with @state and arrange for its task to be woken. */
static void mbox_settle(struct mbox_wake *wake, struct mbox_waiter *w,
			int state)
{
	struct task_struct *task = get_task_struct(w->task);

	list_del(&w->node);
	/* Pairs with smp_load_acquire() in mbox_wait(). */
	smp_store_release(&w->state, state);
	if (wake->nr < ARRAY_SIZE(wake->tasks)) {
		wake->tasks[wake->nr++] = task;
		return;
	}
	wake_up_process(task);
	put_task_struct(task);
}

static void mbox_settle_sender(struct mbox_mailbox *mb, struct mbox_wake *wake,
			       struct mbox_waiter *w, int state)
{
	lockdep_assert_held(&mb->lock);
	mb->nr_senders--;
	mbox_settle(wake, w, state);
}

static void mbox_settle_receiver(struct mbox_mailbox *mb,
				 struct mbox_wake *wake, struct mbox_waiter *w,
				 int state)
{
	lockdep_assert_held(&mb->lock);
	mb->nr_receivers--;
	mbox_settle(wake, w, state);
}

/* Wake what mbox_settle() and the poll events collected. No lock held. */
static void mbox_wake(struct mbox_mailbox *mb, struct mbox_wake *wake)
{
	unsigned int i;

	for (i = 0; i < wake->nr; i++) {
		wake_up_process(wake->tasks[i]);
		put_task_struct(wake->tasks[i]);
	}
	wake->nr = 0;
	if (wake->poll && wq_has_sleeper(&mb->poll_wait))
		wake_up_interruptible_poll(&mb->poll_wait, wake->poll);
	wake->poll = 0;
}

static bool mbox_has_room(struct mbox_mailbox *mb)
{
	return mb->unbounded || mb->queued < mb->capacity;
}

/* Unlinked, and nobody left who may receive: sending is pointless. */
static bool mbox_no_receivers(struct mbox_mailbox *mb)
{
	return mb->unlinked && !mb->readers;
}

/* Unlinked, and nobody left who may send: no new message can come. */
static bool mbox_no_senders(struct mbox_mailbox *mb)
{
	return mb->unlinked && !mb->writers;
}

/* Fail the waiters that can no longer be served with EPIPE. */
static void mbox_hangup(struct mbox_mailbox *mb, struct mbox_wake *wake)
{
	struct mbox_waiter *w, *tmp;

	lockdep_assert_held(&mb->lock);
	if (mbox_no_receivers(mb)) {
		list_for_each_entry_safe(w, tmp, &mb->senders, node)
			mbox_settle_sender(mb, wake, w, -EPIPE);
		wake->poll |= EPOLLERR;
	}
	if (mbox_no_senders(mb)) {
		list_for_each_entry_safe(w, tmp, &mb->receivers, node)
			mbox_settle_receiver(mb, wake, w, -EPIPE);
		wake->poll |= EPOLLHUP;
	}
}

static void mbox_queue(struct mbox_mailbox *mb, struct mbox_msg *msg,
		       bool head, struct mbox_wake *wake)
{
	if (head)
		list_add(&msg->node, &mb->msgs);
	else
		list_add_tail(&msg->node, &mb->msgs);
	mb->queued++;
	mb->queued_bytes += msg->len;
	wake->poll |= EPOLLIN | EPOLLRDNORM;
}

static void mbox_unqueue(struct mbox_mailbox *mb, struct mbox_msg *msg)
{
	list_del(&msg->node);
	mb->queued--;
	mb->queued_bytes -= msg->len;
}

static bool mbox_fits(struct mbox_msg *msg, u32 buf_len, bool trunc)
{
	return msg->len <= buf_len || trunc;
}

/*
 * Hand @msg to the first waiting receiver that can take it. Receivers whose
 * buffer is too small fail with EMSGSIZE on the way, as they would have had
 * the message been queued when they asked. Returns whether it was taken.
 */
static bool mbox_handoff(struct mbox_mailbox *mb, struct mbox_msg *msg,
			 struct mbox_wake *wake)
{
	struct mbox_waiter *w, *tmp;

	list_for_each_entry_safe(w, tmp, &mb->receivers, node) {
		if (!mbox_fits(msg, w->buf_len, w->trunc)) {
			w->msg_len = msg->len;
			mbox_settle_receiver(mb, wake, w, -EMSGSIZE);
			continue;
		}
		w->msg = msg;
		mb->received++;
		mbox_settle_receiver(mb, wake, w, 0);
		return true;
	}
	return false;
}

/* Accept @msg if it can go anywhere now: to a receiver or into the queue. */
static bool mbox_deliver(struct mbox_mailbox *mb, struct mbox_msg *msg,
			 struct mbox_wake *wake)
{
	lockdep_assert_held(&mb->lock);
	if (mbox_handoff(mb, msg, wake)) {
		mb->sent++;
		return true;
	}
	if (mbox_has_room(mb)) {
		mbox_queue(mb, msg, false, wake);
		mb->sent++;
		return true;
	}
	return false;
}

/*
 * Take the next message for a receiver with a @buf_len buffer: the head of
 * the queue, else a blocked sender's message (a mailbox with no room at
 * all). Returns NULL when there is none, ERR_PTR(-EMSGSIZE) with *@msg_len
 * set when the next one does not fit.
 */
static struct mbox_msg *mbox_take(struct mbox_mailbox *mb, u32 buf_len,
				  bool trunc, u32 *msg_len,
				  struct mbox_wake *wake)
{
	struct mbox_waiter *w;
	struct mbox_msg *msg;

	lockdep_assert_held(&mb->lock);
	msg = list_first_entry_or_null(&mb->msgs, struct mbox_msg, node);
	w = list_first_entry_or_null(&mb->senders, struct mbox_waiter, node);
	if (!msg && !w)
		return NULL;
	if (!msg)
		msg = w->msg;
	if (!mbox_fits(msg, buf_len, trunc)) {
		*msg_len = msg->len;
		return ERR_PTR(-EMSGSIZE);
	}

	if (w && msg == w->msg) {
		mb->sent++;
		mbox_settle_sender(mb, wake, w, 0);
	} else {
		mbox_unqueue(mb, msg);
		/* The slot this frees goes to the first blocked sender. */
		if (w) {
			mbox_queue(mb, w->msg, false, wake);
			mb->sent++;
			mbox_settle_sender(mb, wake, w, 0);
		} else {
			wake->poll |= EPOLLOUT | EPOLLWRNORM;
		}
	}
	mb->received++;
	return msg;
}

/* A receiver could not store @msg: it goes back to the head of the queue. */
static void mbox_requeue(struct mbox_mailbox *mb, struct mbox_msg *msg)
{
	struct mbox_wake wake = {};

	spin_lock(&mb->lock);
	mb->received--;
	if (!mbox_handoff(mb, msg, &wake))
		mbox_queue(mb, msg, true, &wake);
	spin_unlock(&mb->lock);
	mbox_wake(mb, &wake);
}

/*
 * Sleep until someone settles @w, the absolute CLOCK_MONOTONIC time
 * *@expires passes (never, when NULL) or a signal comes. Called with
 * mb->lock held and @w on its list; returns with the lock dropped and @w
 * off its list. @wake is flushed once the lock is dropped.
 *
 * Returns @w's outcome, or -ETIMEDOUT, or on a signal -ERESTARTSYS (-EINTR
 * for a timed wait, whose full timeout a restart would begin again).
 */
static int mbox_wait(struct mbox_mailbox *mb, struct mbox_waiter *w, u32 *nr,
		     ktime_t *expires, struct mbox_wake *wake)
	__releases(&mb->lock)
{
	int state, left;

	for (;;) {
		__set_current_state(TASK_INTERRUPTIBLE);
		spin_unlock(&mb->lock);
		mbox_wake(mb, wake);
		left = schedule_hrtimeout_range(expires, current->timer_slack_ns,
						HRTIMER_MODE_ABS);
		/* Pairs with smp_store_release() in mbox_settle(). */
		state = smp_load_acquire(&w->state);
		if (state != MBOX_WAITING)
			return state;

		spin_lock(&mb->lock);
		state = w->state;
		if (state != MBOX_WAITING) {
			spin_unlock(&mb->lock);
			return state;
		}
		if (signal_pending(current)) {
			state = expires ? -EINTR : -ERESTARTSYS;
			break;
		}
		if (!left) {
			state = -ETIMEDOUT;
			break;
		}
	}
	list_del(&w->node);
	(*nr)--;
	spin_unlock(&mb->lock);
	return state;
}

/*
 * Send @msg: on success the mailbox owns it; on failure the caller still
 * does. EPIPE when nobody can ever receive it.
 */
static int mbox_send(struct mbox_mailbox *mb, struct mbox_msg *msg,
		     bool nonblock, ktime_t *expires)
{
	struct mbox_wake wake = {};
	struct mbox_waiter w;
	int ret = 0;

	spin_lock(&mb->lock);
	if (mbox_no_receivers(mb))
		ret = -EPIPE;
	else if (mbox_deliver(mb, msg, &wake))
		ret = 0;
	else if (nonblock)
		ret = -EAGAIN;
	else
		goto wait;
	spin_unlock(&mb->lock);
	mbox_wake(mb, &wake);
	return ret;

wait:
	w.task = current;
	w.msg = msg;
	w.state = MBOX_WAITING;
	list_add_tail(&w.node, &mb->senders);
	mb->nr_senders++;
	/* With no room at all, a blocked sender is something to receive. */
	if (!mb->queued)
		wake.poll |= EPOLLIN | EPOLLRDNORM;
	return mbox_wait(mb, &w, &mb->nr_senders, expires, &wake);
}

/*
 * Receive the next message into a @buf_len buffer. Returns it (the caller
 * owns it), or an ERR_PTR: EAGAIN, ETIMEDOUT, EINTR/ERESTARTSYS, EPIPE when
 * no message can come any more, EMSGSIZE with *@msg_len set.
 */
static struct mbox_msg *mbox_recv(struct mbox_mailbox *mb, u32 buf_len,
				  bool trunc, bool nonblock, ktime_t *expires,
				  u32 *msg_len)
{
	struct mbox_wake wake = {};
	struct mbox_waiter w;
	struct mbox_msg *msg;
	int ret;

	spin_lock(&mb->lock);
	msg = mbox_take(mb, buf_len, trunc, msg_len, &wake);
	if (!msg && mbox_no_senders(mb))
		msg = ERR_PTR(-EPIPE);
	else if (!msg && nonblock)
		msg = ERR_PTR(-EAGAIN);
	if (msg) {
		spin_unlock(&mb->lock);
		mbox_wake(mb, &wake);
		return msg;
	}

	w.task = current;
	w.msg = NULL;
	w.buf_len = buf_len;
	w.trunc = trunc;
	w.state = MBOX_WAITING;
	list_add_tail(&w.node, &mb->receivers);
	mb->nr_receivers++;
	/* A waiting receiver makes a mailbox with no room writable. */
	if (!mbox_has_room(mb))
		wake.poll |= EPOLLOUT | EPOLLWRNORM;
	ret = mbox_wait(mb, &w, &mb->nr_receivers, expires, &wake);
	if (!ret)
		return w.msg;
	if (ret == -EMSGSIZE)
		*msg_len = w.msg_len;
	return ERR_PTR(ret);
}

static struct mbox_msg *mbox_msg_alloc(struct file *file, u32 len)
{
	struct mbox_file *mf = file->private_data;
	struct mbox_msg *msg;
	int ret;

	ret = mbox_user_charge_bytes(mf->user, file, sizeof(*msg) + len);
	if (ret)
		return ERR_PTR(ret);
	msg = kvmalloc(struct_size(msg, data, len), GFP_KERNEL_ACCOUNT);
	if (!msg) {
		mbox_user_uncharge_bytes(mf->user, sizeof(*msg) + len);
		return ERR_PTR(-ENOMEM);
	}
	mbox_user_hold(mf->user);
	msg->user = mf->user;
	msg->len = len;
	return msg;
}

static void mbox_msg_free(struct mbox_msg *msg)
{
	mbox_user_uncharge_bytes(msg->user, sizeof(*msg) + msg->len);
	mbox_user_put(msg->user);
	kvfree(msg);
}

static ktime_t *mbox_deadline(ktime_t *expires, bool timed, u64 timeout_ns)
{
	if (!timed)
		return NULL;
	*expires = ktime_add_safe(ktime_get(),
				  ns_to_ktime(min_t(u64, timeout_ns, KTIME_MAX)));
	return expires;
}

static bool mbox_nonblock(struct file *file, u32 flags, u32 nonblock_flag)
{
	return (file->f_flags & O_NONBLOCK) || (flags & nonblock_flag);
}

static long mbox_ioctl_send(struct mbox_mailbox *mb, struct file *file,
			    struct mbox_send __user *uargs)
{
	struct mbox_send args;
	struct mbox_msg *msg;
	ktime_t expires;
	int ret;

	if (copy_from_user(&args, uargs, sizeof(args)))
		return -EFAULT;
	if (args.flags & ~(MBOX_SEND_NONBLOCK | MBOX_SEND_TIMEOUT) ||
	    memchr_inv(args.reserved, 0, sizeof(args.reserved)))
		return -EINVAL;
	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	if (args.len > mb->msg_size)
		return -EMSGSIZE;

	msg = mbox_msg_alloc(file, args.len);
	if (IS_ERR(msg))
		return PTR_ERR(msg);
	if (copy_from_user(msg->data, u64_to_user_ptr(args.buf), args.len)) {
		mbox_msg_free(msg);
		return -EFAULT;
	}
	ret = mbox_send(mb, msg,
			mbox_nonblock(file, args.flags, MBOX_SEND_NONBLOCK),
			mbox_deadline(&expires, args.flags & MBOX_SEND_TIMEOUT,
				      args.timeout_ns));
	if (ret)
		mbox_msg_free(msg);
	return ret;
}

static long mbox_ioctl_recv(struct mbox_mailbox *mb, struct file *file,
			    struct mbox_recv __user *uargs)
{
	struct mbox_recv args;
	struct mbox_msg *msg;
	ktime_t expires;
	u32 msg_len, n;

	if (copy_from_user(&args, uargs, sizeof(args)))
		return -EFAULT;
	if (args.flags & ~(MBOX_RECV_NONBLOCK | MBOX_RECV_TIMEOUT |
			   MBOX_RECV_TRUNC) ||
	    memchr_inv(args.reserved, 0, sizeof(args.reserved)))
		return -EINVAL;
	if (!(file->f_mode & FMODE_READ))
		return -EBADF;

	msg = mbox_recv(mb, args.len, args.flags & MBOX_RECV_TRUNC,
			mbox_nonblock(file, args.flags, MBOX_RECV_NONBLOCK),
			mbox_deadline(&expires, args.flags & MBOX_RECV_TIMEOUT,
				      args.timeout_ns),
			&msg_len);
	if (IS_ERR(msg)) {
		if (PTR_ERR(msg) == -EMSGSIZE && put_user(msg_len, &uargs->len))
			return -EFAULT;
		return PTR_ERR(msg);
	}

	n = min(args.len, msg->len);
	if (put_user(msg->len, &uargs->len) ||
	    copy_to_user(u64_to_user_ptr(args.buf), msg->data, n)) {
		mbox_requeue(mb, msg);
		return -EFAULT;
	}
	mbox_msg_free(msg);
	return n;
}

static long mbox_ioctl_stat(struct mbox_mailbox *mb,
			    struct mbox_stat __user *uargs)
{
	struct user_namespace *ns = current_user_ns();
	struct mbox_stat st;

	if (copy_from_user(&st, uargs, sizeof(st)))
		return -EFAULT;
	if (st.flags || memchr_inv(st.reserved, 0, sizeof(st.reserved)))
		return -EINVAL;

	memset(&st, 0, sizeof(st));
	st.open_flags = mb->unbounded ? MBOX_OPEN_UNBOUNDED : 0;
	st.capacity = mb->capacity;
	st.msg_size = mb->msg_size;
	st.mode = mb->obj.mode;
	st.uid = from_kuid_munged(ns, mb->obj.uid);
	st.gid = from_kgid_munged(ns, mb->obj.gid);

	spin_lock(&mb->lock);
	st.state = mb->unlinked ? MBOX_STATE_UNLINKED : 0;
	st.queued = mb->queued;
	st.queued_bytes = mb->queued_bytes;
	st.readers = mb->readers;
	st.writers = mb->writers;
	st.waiting_senders = mb->nr_senders;
	st.waiting_receivers = mb->nr_receivers;
	st.sent = mb->sent;
	st.received = mb->received;
	spin_unlock(&mb->lock);

	if (copy_to_user(uargs, &st, sizeof(st)))
		return -EFAULT;
	return 0;
}

static long mbox_mailbox_ioctl(struct mbox_obj *obj, struct file *file,
			       unsigned int cmd, void __user *argp)
{
	struct mbox_mailbox *mb = to_mailbox(obj);

	switch (cmd) {
	case MBOX_IOC_SEND:
		return mbox_ioctl_send(mb, file, argp);
	case MBOX_IOC_RECV:
		return mbox_ioctl_recv(mb, file, argp);
	case MBOX_IOC_STAT:
		return mbox_ioctl_stat(mb, argp);
	default:
		return -ENOTTY;
	}
}

static bool mbox_iocb_nonblock(struct kiocb *iocb)
{
	return (iocb->ki_filp->f_flags & O_NONBLOCK) ||
	       (iocb->ki_flags & IOCB_NOWAIT);
}

/* read(): one whole message; EMSGSIZE, leaving it queued, if it won't fit. */
static ssize_t mbox_mailbox_read_iter(struct mbox_obj *obj, struct kiocb *iocb,
				      struct iov_iter *to)
{
	struct mbox_mailbox *mb = to_mailbox(obj);
	size_t len = min_t(size_t, iov_iter_count(to), U32_MAX);
	struct mbox_msg *msg;
	u32 msg_len, n;

	msg = mbox_recv(mb, len, false, mbox_iocb_nonblock(iocb), NULL,
			&msg_len);
	if (IS_ERR(msg))
		return PTR_ERR(msg);
	n = msg->len;
	if (copy_to_iter(msg->data, n, to) != n) {
		mbox_requeue(mb, msg);
		return -EFAULT;
	}
	mbox_msg_free(msg);
	return n;
}

/* write(): one message. */
static ssize_t mbox_mailbox_write_iter(struct mbox_obj *obj,
				       struct kiocb *iocb,
				       struct iov_iter *from)
{
	struct mbox_mailbox *mb = to_mailbox(obj);
	size_t len = iov_iter_count(from);
	struct mbox_msg *msg;
	int ret;

	if (len > mb->msg_size)
		return -EMSGSIZE;
	msg = mbox_msg_alloc(iocb->ki_filp, len);
	if (IS_ERR(msg))
		return PTR_ERR(msg);
	if (!copy_from_iter_full(msg->data, len, from)) {
		mbox_msg_free(msg);
		return -EFAULT;
	}
	ret = mbox_send(mb, msg, mbox_iocb_nonblock(iocb), NULL);
	if (ret) {
		mbox_msg_free(msg);
		return ret;
	}
	return len;
}

static __poll_t mbox_mailbox_poll(struct mbox_obj *obj, struct file *file,
				  poll_table *pt)
{
	struct mbox_mailbox *mb = to_mailbox(obj);
	__poll_t mask = 0;

	poll_wait(file, &mb->poll_wait, pt);

	spin_lock(&mb->lock);
	/* As for a pipe: HUP (with IN while messages remain), ERR for writers. */
	if (file->f_mode & FMODE_READ) {
		if (mb->queued || mb->nr_senders)
			mask |= EPOLLIN | EPOLLRDNORM;
		if (mbox_no_senders(mb))
			mask |= EPOLLHUP;
	}
	if (file->f_mode & FMODE_WRITE) {
		if (mbox_has_room(mb) || mb->nr_receivers)
			mask |= EPOLLOUT | EPOLLWRNORM;
		if (mbox_no_receivers(mb))
			mask |= EPOLLERR;
	}
	spin_unlock(&mb->lock);
	return mask;
}

static void mbox_mailbox_attach(struct mbox_obj *obj, fmode_t fmode)
{
	struct mbox_mailbox *mb = to_mailbox(obj);

	spin_lock(&mb->lock);
	if (fmode & FMODE_READ)
		mb->readers++;
	if (fmode & FMODE_WRITE)
		mb->writers++;
	spin_unlock(&mb->lock);
}

static void mbox_mailbox_detach(struct mbox_obj *obj, fmode_t fmode)
{
	struct mbox_mailbox *mb = to_mailbox(obj);
	struct mbox_wake wake = {};

	spin_lock(&mb->lock);
	if (fmode & FMODE_READ)
		mb->readers--;
	if (fmode & FMODE_WRITE)
		mb->writers--;
	mbox_hangup(mb, &wake);
	spin_unlock(&mb->lock);
	mbox_wake(mb, &wake);
}

static void mbox_mailbox_unlinked(struct mbox_obj *obj)
{
	struct mbox_mailbox *mb = to_mailbox(obj);
	struct mbox_wake wake = {};

	spin_lock(&mb->lock);
	mb->unlinked = true;
	mbox_hangup(mb, &wake);
	spin_unlock(&mb->lock);
	mbox_wake(mb, &wake);
}

static void mbox_mailbox_usage(struct mbox_obj *obj, u32 *queued,
			       u64 *queued_bytes)
{
	struct mbox_mailbox *mb = to_mailbox(obj);

	spin_lock(&mb->lock);
	*queued = mb->queued;
	*queued_bytes = mb->queued_bytes;
	spin_unlock(&mb->lock);
}

/*
 * The last reference is gone. Waiters hold a reference through their file,
 * so there are none; the messages still queued go with the mailbox.
 */
static void mbox_mailbox_release(struct mbox_obj *obj)
{
	struct mbox_mailbox *mb = to_mailbox(obj);
	struct mbox_msg *msg, *tmp;

	WARN_ON(!list_empty(&mb->senders) || !list_empty(&mb->receivers));
	list_for_each_entry_safe(msg, tmp, &mb->msgs, node)
		mbox_msg_free(msg);
	kfree_rcu(mb, obj.rcu);
}

static struct mbox_obj *mbox_mailbox_create(const struct mbox_open_req *req)
{
	struct mbox_mailbox *mb;

	mb = kzalloc(sizeof(*mb), GFP_KERNEL_ACCOUNT);
	if (!mb)
		return ERR_PTR(-ENOMEM);
	mbox_obj_init(&mb->obj, &mbox_mailbox_ops);
	mb->unbounded = req->flags & MBOX_OPEN_UNBOUNDED;
	mb->capacity = req->capacity;
	mb->msg_size = req->msg_size;
	spin_lock_init(&mb->lock);
	INIT_LIST_HEAD(&mb->msgs);
	INIT_LIST_HEAD(&mb->senders);
	INIT_LIST_HEAD(&mb->receivers);
	init_waitqueue_head(&mb->poll_wait);
	return &mb->obj;
}

static const struct mbox_obj_ops mbox_mailbox_ops = {
	.type		= MBOX_TYPE_MAILBOX,
	.attach		= mbox_mailbox_attach,
	.detach		= mbox_mailbox_detach,
	.unlinked	= mbox_mailbox_unlinked,
	.release	= mbox_mailbox_release,
	.usage		= mbox_mailbox_usage,
	.read_iter	= mbox_mailbox_read_iter,
	.write_iter	= mbox_mailbox_write_iter,
	.poll		= mbox_mailbox_poll,
	.ioctl		= mbox_mailbox_ioctl,
};

/*
 * Check MBOX_IOC_OPEN's mailbox attributes and fill in @req. The limits are
 * read once here, so a concurrent change of a parameter cannot make the
 * mailbox inconsistent.
 */
int mbox_mailbox_open_req(struct mbox_open_req *req,
			  const struct mbox_open *args)
{
	u32 size_max = mbox_limit(MBOX_LIMIT_MSG_SIZE_MAX);
	u32 cap_max = mbox_limit(MBOX_LIMIT_CAPACITY_MAX);

	if (args->flags & ~(MBOX_OPEN_CREATE | MBOX_OPEN_EXCL |
			    MBOX_OPEN_UNBOUNDED) ||
	    memchr_inv(args->reserved, 0, sizeof(args->reserved)))
		return -EINVAL;
	if ((args->flags & MBOX_OPEN_EXCL) && !(args->flags & MBOX_OPEN_CREATE))
		return -EINVAL;

	req->type = MBOX_TYPE_MAILBOX;
	req->flags = args->flags;
	req->create = mbox_mailbox_create;
	if (!(args->flags & MBOX_OPEN_CREATE))
		return 0;

	if (args->mode & ~0777)
		return -EINVAL;
	if (args->flags & MBOX_OPEN_UNBOUNDED) {
		if (args->capacity)
			return -EINVAL;
		req->capacity = 0;
	} else if (args->capacity) {
		if (args->capacity > cap_max)
			return -EINVAL;
		req->capacity = args->capacity;
	} else {
		req->capacity = min(mbox_limit(MBOX_LIMIT_CAPACITY_DEFAULT), cap_max);
	}
	if (args->msg_size > size_max)
		return -EINVAL;
	req->msg_size = args->msg_size ?:
		min(mbox_limit(MBOX_LIMIT_MSG_SIZE_DEFAULT), size_max);
	req->mode = args->mode;
	return 0;
}
