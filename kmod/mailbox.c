// SPDX-License-Identifier: GPL-2.0
/*
 * Mailboxes: message queues with blocking, timed and non-blocking send and
 * receive, priorities, sender identity, receive-from filters, peek,
 * synchronous send, rendezvous and batches. Named mailboxes are set up
 * here; inboxes, the mailboxes of processes, in inbox.c.
 *
 * Locking: mb->lock, a spinlock, protects the queue, the waiter lists and
 * the counters. It is never held across a user copy or a free: a message is
 * copied in before the lock is taken and copied out after it is dropped,
 * and a message's payload never changes once sent, so a receiver (or a
 * peeker, holding its own reference) reads it without the lock. A receive
 * whose copy-out faults puts the message back where it arrived (each message
 * gets an arrival number as it enters), so a bad buffer never loses one and
 * the queue never changes order.
 *
 * Waiting: a blocked task puts a struct mbox_waiter (on its stack) at the
 * tail of one of three lists and sleeps: mb->receivers, mb->senders (no
 * room for its message, which the waiter holds) or mb->syncs (a synchronous
 * sender whose message is queued). Whoever unblocks a waiter does the whole
 * job under mb->lock: a send hands its message straight to the first
 * waiting receiver that wants it; a receive that frees a slot moves the
 * first blocked sender's message in; a receive that takes a synchronous
 * message releases its sender. It then takes the waiter off its list,
 * publishes the outcome in waiter->state with a release store, and wakes
 * that one task once the lock is dropped. So waiters are served in arrival
 * order, each message wakes one of them (no thundering herd), and a woken
 * waiter has nothing to retry. A waiter that gives up (timeout, signal)
 * takes itself off under the lock; if it finds it was settled meanwhile, the
 * outcome stands: a message handed over is received, a message taken is
 * reported as taken.
 */

#include <linux/cred.h>
#include <linux/hrtimer.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/sched/deadline.h>
#include <linux/sched/rt.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/user_namespace.h>

#include "mailbox.h"

struct mbox_waiter;

/*
 * A message: 64 bytes of header on x86-64, so that header and a 64-byte
 * payload fill a 128-byte slab object (the arrival number and the priority
 * share a word for it). The payload follows the header (@data) or has an
 * allocation of its own that @payload[0] points to, as mbox_msg_split()
 * says; mbox_msg_data() finds it.
 */
struct mbox_msg {
	struct list_head node;		/* in mb->msgs[prio] while queued */
	refcount_t ref;			/* its holder's, and one per peeker */
	u32 len;
	struct mbox_user *user;		/* charged for it */
	struct pid *pid;		/* the sender's thread group */
	kuid_t uid;			/* the sender's euid and egid */
	kgid_t gid;
	/* A synchronous sender waiting for it to be taken; under mb->lock. */
	struct mbox_waiter *sync;
	/*
	 * Arrival order, from mb->arrivals: 2^56 arrivals, more than a
	 * mailbox takes in centuries at a billion a second.
	 */
	u64 seq : 56;
	u64 prio : 8;			/* < MBOX_PRIO_MAX */
	union {
		DECLARE_FLEX_ARRAY(u8, data);		/* inline */
		DECLARE_FLEX_ARRAY(u8 *, payload);	/* split: one */
	};
};

static_assert(!IS_ENABLED(CONFIG_X86_64) || sizeof(struct mbox_msg) == 64);

/*
 * MBOX_IOC_STAT's counters, under mb->lock: @n is 1 for a message counted,
 * -1 for one uncounted again (taken back, or put back).
 */
static void mbox_count_sent(struct mbox_mailbox *mb, const struct mbox_msg *msg,
			    int n)
{
	mb->sent += n;
	mb->sent_bytes += (s64)n * msg->len;
}

static void mbox_count_received(struct mbox_mailbox *mb,
				const struct mbox_msg *msg, int n)
{
	mb->received += n;
	mb->received_bytes += (s64)n * msg->len;
}

/* What a receiver (or peeker) takes. */
struct mbox_want {
	u32 buf_len;
	u32 flags;			/* MBOX_RECV_TRUNC, MBOX_RECV_PEEK */
	pid_t from;			/* only from this sender (in @ns); 0: any */
	struct pid_namespace *ns;
};

enum mbox_wait_kind {
	MBOX_WAIT_RECV,			/* on mb->receivers */
	MBOX_WAIT_SEND,			/* on mb->senders, holding @msg */
	MBOX_WAIT_SYNC,			/* on mb->syncs, @msg queued */
};

/* waiter->state until someone settles the wait. */
#define MBOX_WAITING	1

struct mbox_waiter {
	struct list_head node;
	struct task_struct *task;
	enum mbox_wait_kind kind;	/* under mb->lock */
	struct mbox_msg *msg;		/* a sender's; the one handed over */
	bool sync;			/* a sender waiting for a receiver */
	const struct mbox_want *want;	/* a receiver's */
	u32 msg_len;			/* with -EMSGSIZE: the message's length */
	/*
	 * MBOX_WAITING, then the outcome: 0 or -errno. Written last, with a
	 * release store: after it the waiter may return, and this structure
	 * is gone.
	 */
	int state;
};

/* Tasks to wake and poll events to signal once mb->lock is dropped. */
struct mbox_wake {
	struct task_struct *tasks[4];
	unsigned int nr;
	__poll_t poll;
};

u32 mbox_msg_overhead(void)
{
	return sizeof(struct mbox_msg);
}

static struct kmem_cache *mbox_mailbox_cache;

/*
 * Give @mb its priority lists, before its first message is sent: every
 * message queued in a mailbox was sent to it, so a mailbox with none has
 * nothing to keep in them. Returns 0 or -ENOMEM.
 */
static int mbox_mailbox_lists(struct mbox_mailbox *mb)
{
	struct list_head *lists;
	unsigned int prio;

	/* Set once, under the lock: a stale NULL only costs an allocation. */
	if (data_race(READ_ONCE(mb->msgs)))
		return 0;
	lists = kmalloc_array(MBOX_PRIO_MAX, sizeof(*lists), GFP_KERNEL_ACCOUNT);
	if (!lists)
		return -ENOMEM;
	for (prio = 0; prio < MBOX_PRIO_MAX; prio++)
		INIT_LIST_HEAD(&lists[prio]);
	spin_lock(&mb->lock);
	if (!mb->msgs) {
		WRITE_ONCE(mb->msgs, lists);
		lists = NULL;
	}
	spin_unlock(&mb->lock);
	kfree(lists);
	return 0;
}

/* Messages */

/*
 * Where a message keeps its payload. The allocator rounds every allocation
 * up (mbox_kvalloc_cost()), and one layout can pin much less than the
 * other: a 4 KiB payload after its 64-byte header lands in the 8 KiB slab
 * class, while on its own it takes 4 KiB and the header (with the pointer
 * to it) 96 B; a 64-byte payload after its header fills a 128 B object,
 * while split it would take 96 + 64 B. So for each length take the layout
 * that pins less:
 *
 *  - inline: one allocation of header and payload;
 *  - split: the header and a pointer in one allocation, the payload in a
 *    second one of exactly @len bytes;
 *
 * inline on a tie, for one allocation fewer. The choice is a pure function
 * of the length, so no flag in the header records it: sending, receiving
 * and freeing all compute it again. Split wins wherever header and payload
 * together cross a size class (or a page, above the slab) that the payload
 * alone does not: on x86-64, 193-256, 449-512, 961-1024 and 1985-2048
 * bytes, and from 4 KiB on the last 64 lengths up to each whole number of
 * pages (4033-4096, 8129-8192, 12225-12288, ...). What the quota charges,
 * mbox_msg_cost(), is the cost of the layout chosen, so it is exactly what
 * the message pins.
 */
static size_t mbox_msg_inline_cost(u32 len)
{
	struct mbox_msg *msg;

	return mbox_kvalloc_cost(struct_size(msg, data, len));
}

static size_t mbox_msg_split_cost(u32 len)
{
	struct mbox_msg *msg;

	return mbox_kvalloc_cost(struct_size(msg, payload, 1)) +
	       mbox_kvalloc_cost(len);
}

/*
 * The shortest length whose payload is kept apart, every shorter one
 * following its header: found at load (0 until then, which only means
 * asking), so that short messages, most of the traffic, ask the allocator
 * for no size class on the way.
 */
static u32 mbox_msg_split_min __ro_after_init;

static bool mbox_msg_split(u32 len)
{
	if (len < mbox_msg_split_min)
		return false;
	return mbox_msg_split_cost(len) < mbox_msg_inline_cost(len);
}

static void __init mbox_msg_split_init(void)
{
	u32 len = 0;

	/* Found by then: header and payload together would take vmalloc. */
	while (len < KMALLOC_MAX_CACHE_SIZE && !mbox_msg_split(len))
		len++;
	mbox_msg_split_min = len;
}

/*
 * What a message of @len bytes counts against user_bytes_max: the memory
 * it pins, header included, in the layout mbox_msg_split() chooses.
 */
static size_t mbox_msg_cost(u32 len)
{
	if (len < mbox_msg_split_min)
		return mbox_msg_inline_cost(len);
	return min(mbox_msg_inline_cost(len), mbox_msg_split_cost(len));
}

/* The @msg->len bytes of @msg's payload, wherever they are kept. */
static u8 *mbox_msg_data(const struct mbox_msg *msg)
{
	if (mbox_msg_split(msg->len))
		return msg->payload[0];
	return (u8 *)msg->data;
}

static struct mbox_msg *mbox_msg_alloc(struct file *file, u32 len, u32 prio)
{
	struct mbox_file *mf = file->private_data;
	bool split = mbox_msg_split(len);
	struct mbox_msg *msg;
	int ret;

	ret = mbox_user_charge_bytes(mf->user, file, mbox_msg_cost(len));
	if (ret)
		return ERR_PTR(ret);
	if (split) {
		msg = mbox_kvalloc(struct_size(msg, payload, 1),
				   GFP_KERNEL_ACCOUNT);
		if (!msg)
			goto nomem;
		msg->payload[0] = mbox_kvalloc(len, GFP_KERNEL_ACCOUNT);
		if (!msg->payload[0]) {
			kvfree(msg);
			goto nomem;
		}
	} else {
		msg = mbox_kvalloc(struct_size(msg, data, len),
				   GFP_KERNEL_ACCOUNT);
		if (!msg)
			goto nomem;
	}
	refcount_set(&msg->ref, 1);
	/* The charge keeps the user (mbox_user_charge_bytes()). */
	msg->user = mf->user;
	msg->pid = get_pid(task_tgid(current));
	msg->uid = current_euid();
	msg->gid = current_egid();
	msg->sync = NULL;
	msg->prio = prio;
	msg->len = len;
	return msg;

nomem:
	mbox_user_uncharge_bytes(mf->user, mbox_msg_cost(len));
	return ERR_PTR(-ENOMEM);
}

/* Drop a reference; never under mb->lock (kvfree() may sleep). */
static void mbox_msg_put(struct mbox_msg *msg)
{
	if (!refcount_dec_and_test(&msg->ref))
		return;
	mbox_user_uncharge_bytes(msg->user, mbox_msg_cost(msg->len));
	put_pid(msg->pid);
	if (mbox_msg_split(msg->len))
		kvfree(msg->payload[0]);
	kvfree(msg);
}

/* The sender of @msg as the caller sees it. */
static void mbox_msg_sender(const struct mbox_msg *msg, __u32 *pid,
			    __u32 *uid, __u32 *gid)
{
	struct user_namespace *ns = current_user_ns();

	*pid = pid_nr_ns(msg->pid, task_active_pid_ns(current));
	*uid = from_kuid_munged(ns, msg->uid);
	*gid = from_kgid_munged(ns, msg->gid);
}

/* Waking */

/* Take @w off its waiters' list, and out of that list's count. */
static void mbox_unlist(struct mbox_mailbox *mb, struct mbox_waiter *w)
{
	lockdep_assert_held(&mb->lock);
	list_del(&w->node);
	switch (w->kind) {
	case MBOX_WAIT_RECV:
		mb->nr_receivers--;
		break;
	case MBOX_WAIT_SEND:
		mb->nr_senders--;
		break;
	case MBOX_WAIT_SYNC:
		mb->nr_syncs--;
		break;
	}
}

/* Settle @w with @state and arrange for its task to be woken. */
static void mbox_settle(struct mbox_mailbox *mb, struct mbox_wake *wake,
			struct mbox_waiter *w, int state)
{
	struct task_struct *task = get_task_struct(w->task);

	mbox_unlist(mb, w);
	/* Pairs with the smp_load_acquire()s in mbox_wait(). */
	smp_store_release(&w->state, state);
	if (wake->nr < ARRAY_SIZE(wake->tasks)) {
		wake->tasks[wake->nr++] = task;
		return;
	}
	/*
	 * Many at once (a hang-up, a crowd of peekers): wake this one now,
	 * under mb->lock. That is fine: wake_up_process() nests inside a
	 * spinlock, and on PREEMPT_RT mb->lock is a sleeping lock, so even a
	 * final put_task_struct() may run here.
	 */
	wake_up_process(task);
	put_task_struct(task);
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
	/*
	 * No barrier needed (as wq_has_sleeper() has): the events come from
	 * a change made under mb->lock, and a poller queues itself before
	 * it takes mb->lock to look (mbox_mailbox_poll()). So either it
	 * looked after the change, or its entry is seen here.
	 */
	if (wake->poll && waitqueue_active(&mb->poll_wait))
		wake_up_interruptible_poll(&mb->poll_wait, wake->poll);
	wake->poll = 0;
}

/* The queue */

static bool mbox_has_room(struct mbox_mailbox *mb)
{
	if (mb->open_flags & MBOX_OPEN_UNBOUNDED)
		return true;
	return mb->queued < mb->capacity;
}

/* No descriptor can bind any more and none left may receive. */
static bool mbox_no_receivers(struct mbox_mailbox *mb)
{
	return mb->dead || (mb->unlinked && !mb->readers);
}

/* No descriptor can bind any more and none left may send. */
static bool mbox_no_senders(struct mbox_mailbox *mb)
{
	return mb->dead || (mb->unlinked && !mb->writers);
}

/* @msg enters the mailbox now: it takes the next arrival number. */
static void mbox_arrival(struct mbox_mailbox *mb, struct mbox_msg *msg)
{
	lockdep_assert_held(&mb->lock);
	msg->seq = ++mb->arrivals;
	BUILD_BUG_ON(MBOX_PRIO_MAX > 256);
}

/*
 * Queue @msg at its arrival place: after every message that arrived before
 * it. A new arrival goes to the tail at once; a message coming back from a
 * receiver that could not store it goes before those that arrived after
 * it. So each queue is always in arrival order.
 */
static void mbox_queue(struct mbox_mailbox *mb, struct mbox_msg *msg,
		       struct mbox_wake *wake)
{
	struct list_head *list = &mb->msgs[msg->prio], *pos = list;
	struct mbox_msg *prev;

	lockdep_assert_held(&mb->lock);
	list_for_each_entry_reverse(prev, list, node) {
		if (prev->seq < msg->seq) {
			pos = &prev->node;
			break;
		}
	}
	/* After @pos: the last earlier arrival, or the list head. */
	list_add(&msg->node, pos);
	__set_bit(msg->prio, &mb->prio_map);
	mb->queued++;
	mb->queued_bytes += msg->len;
	wake->poll |= EPOLLIN | EPOLLRDNORM;
}

static void mbox_unqueue(struct mbox_mailbox *mb, struct mbox_msg *msg)
{
	list_del(&msg->node);
	if (list_empty(&mb->msgs[msg->prio]))
		__clear_bit(msg->prio, &mb->prio_map);
	mb->queued--;
	mb->queued_bytes -= msg->len;
}

/* Does @want take messages from @sender (a thread group)? */
static bool mbox_wants_from(const struct mbox_want *want, struct pid *sender)
{
	return !want->from || pid_nr_ns(sender, want->ns) == want->from;
}

static bool mbox_wants(const struct mbox_want *want, const struct mbox_msg *msg)
{
	return mbox_wants_from(want, msg->pid);
}

static bool mbox_fits_len(const struct mbox_want *want, u32 len)
{
	return len <= want->buf_len || (want->flags & MBOX_RECV_TRUNC);
}

static bool mbox_fits(const struct mbox_want *want, const struct mbox_msg *msg)
{
	return mbox_fits_len(want, msg->len);
}

/* The oldest queued message of the highest priority that @want wants. */
static struct mbox_msg *mbox_find_queued(struct mbox_mailbox *mb,
					 const struct mbox_want *want)
{
	unsigned long map = mb->prio_map;
	struct mbox_msg *msg;
	unsigned int prio;

	while (map) {
		prio = __fls(map);
		list_for_each_entry(msg, &mb->msgs[prio], node) {
			if (mbox_wants(want, msg))
				return msg;
		}
		__clear_bit(prio, &map);
	}
	return NULL;
}

/* The blocked sender with the message @want wants most, first come first. */
static struct mbox_waiter *mbox_find_sender(struct mbox_mailbox *mb,
					    const struct mbox_want *want)
{
	struct mbox_waiter *w, *best = NULL;

	list_for_each_entry(w, &mb->senders, node) {
		if (mbox_wants(want, w->msg) &&
		    (!best || w->msg->prio > best->msg->prio))
			best = w;
	}
	return best;
}

/*
 * Is a receiver (not a peeker) waiting that would take a message of @len
 * bytes from @sender now? Peekers take nothing, a receive-from filter
 * takes only its sender's messages, a short buffer only short messages.
 */
static bool mbox_has_taker(struct mbox_mailbox *mb, struct pid *sender,
			   u32 len)
{
	struct mbox_waiter *w;

	lockdep_assert_held(&mb->lock);
	list_for_each_entry(w, &mb->receivers, node) {
		if (!(w->want->flags & MBOX_RECV_PEEK) &&
		    mbox_wants_from(w->want, sender) &&
		    mbox_fits_len(w->want, len))
			return true;
	}
	return false;
}

/*
 * Would a send of @len bytes from @sender go now, without waiting? To a
 * waiting receiver, or into a free slot (unless @sync: a synchronous send
 * waits for a receiver in any case). The one rule behind a send's EAGAIN
 * and poll's EPOLLOUT; the caller checked for a dead or deserted mailbox.
 */
static bool mbox_send_ready(struct mbox_mailbox *mb, struct pid *sender,
			    u32 len, bool sync)
{
	return (mbox_has_room(mb) && !sync) || mbox_has_taker(mb, sender, len);
}

/*
 * Would a receive with @want find a message now: a queued one, or one a
 * blocked sender holds? The one rule behind a receive's EAGAIN and poll's
 * EPOLLIN.
 */
static bool mbox_recv_ready(struct mbox_mailbox *mb,
			    const struct mbox_want *want)
{
	lockdep_assert_held(&mb->lock);
	return mbox_find_queued(mb, want) || mbox_find_sender(mb, want);
}

/*
 * @msg enters the mailbox (only call this once it surely does): waiting
 * peekers that want it get a reference to it, waiting receivers that want
 * it but whose buffer is too small fail with EMSGSIZE (as they would have
 * had it been queued first), and the first waiting receiver that can take
 * it does. Returns whether one did; if not, the caller queues it.
 */
static bool mbox_arrive(struct mbox_mailbox *mb, struct mbox_msg *msg,
			struct mbox_wake *wake)
{
	struct mbox_waiter *w, *tmp;

	list_for_each_entry_safe(w, tmp, &mb->receivers, node) {
		if (!mbox_wants(w->want, msg))
			continue;
		if (!mbox_fits(w->want, msg)) {
			w->msg_len = msg->len;
			mbox_settle(mb, wake, w, -EMSGSIZE);
			continue;
		}
		w->msg = msg;
		if (w->want->flags & MBOX_RECV_PEEK) {
			refcount_inc(&msg->ref);
			mbox_settle(mb, wake, w, 0);
			continue;
		}
		mbox_count_received(mb, msg, 1);
		mbox_settle(mb, wake, w, 0);
		return true;
	}
	return false;
}

/*
 * A slot is free: the first blocked sender's message takes it. A synchronous
 * sender keeps waiting, now for its message to be taken.
 */
static void mbox_refill(struct mbox_mailbox *mb, struct mbox_wake *wake)
{
	struct mbox_waiter *w;

	if (!mbox_has_room(mb))
		return;
	w = list_first_entry_or_null(&mb->senders, struct mbox_waiter, node);
	if (!w) {
		wake->poll |= EPOLLOUT | EPOLLWRNORM;
		return;
	}
	/*
	 * Nobody waiting could take it (it would have, straight from the
	 * blocked sender), but peekers and short buffers learn of it now.
	 */
	mbox_arrival(mb, w->msg);
	mbox_arrive(mb, w->msg, wake);
	mbox_queue(mb, w->msg, wake);
	mbox_count_sent(mb, w->msg, 1);
	if (!w->sync) {
		mbox_settle(mb, wake, w, 0);
		return;
	}
	list_move_tail(&w->node, &mb->syncs);
	mb->nr_senders--;
	mb->nr_syncs++;
	w->kind = MBOX_WAIT_SYNC;
	w->msg->sync = w;
}

/* Take a synchronous sender's queued message back: it was never sent. */
static void mbox_unsend(struct mbox_mailbox *mb, struct mbox_waiter *w)
{
	mbox_unqueue(mb, w->msg);
	w->msg->sync = NULL;
	mbox_count_sent(mb, w->msg, -1);
}

/* Fail a blocked sender with @err; it keeps (and frees) its message. */
static void mbox_fail_sender(struct mbox_mailbox *mb, struct mbox_wake *wake,
			     struct mbox_waiter *w, int err)
{
	if (w->kind == MBOX_WAIT_SYNC)
		mbox_unsend(mb, w);
	mbox_settle(mb, wake, w, err);
}

/*
 * The next message for @want: the oldest of the highest priority queued,
 * else the best a blocked sender holds. A peek gets a new reference and
 * leaves it there; a receive takes it out, releases its synchronous sender
 * and refills its slot. Returns NULL when there is none, ERR_PTR(-EMSGSIZE)
 * (with *@msg_len set) when it does not fit.
 */
static struct mbox_msg *mbox_take(struct mbox_mailbox *mb,
				  const struct mbox_want *want, u32 *msg_len,
				  struct mbox_wake *wake)
{
	struct mbox_waiter *w = NULL, *sync;
	struct mbox_msg *msg;

	lockdep_assert_held(&mb->lock);
	msg = mbox_find_queued(mb, want);
	if (!msg) {
		w = mbox_find_sender(mb, want);
		if (!w)
			return NULL;
		msg = w->msg;
	}
	if (!mbox_fits(want, msg)) {
		*msg_len = msg->len;
		return ERR_PTR(-EMSGSIZE);
	}
	if (want->flags & MBOX_RECV_PEEK) {
		refcount_inc(&msg->ref);
		return msg;
	}

	if (w) {
		/* Straight from a blocked sender: a rendezvous. */
		mbox_arrival(mb, msg);
		mbox_count_sent(mb, msg, 1);
		mbox_settle(mb, wake, w, 0);
	} else {
		mbox_unqueue(mb, msg);
		sync = msg->sync;
		if (sync) {
			msg->sync = NULL;
			mbox_settle(mb, wake, sync, 0);
		}
		mbox_refill(mb, wake);
	}
	mbox_count_received(mb, msg, 1);
	return msg;
}

/*
 * A receiver could not store @msg: it goes back to its arrival place in its
 * queue (or to a receiver waiting for it), so a bad buffer never loses a
 * message and never reorders the queue. Only messages that arrived while
 * it was held can have been received ahead of it.
 * The mailbox may hold messages over its capacity for a while, when
 * blocked senders took the slots meanwhile: one per message a receiver
 * held at once, so at most a batch receive's chunk.
 */
static void mbox_requeue(struct mbox_mailbox *mb, struct mbox_msg *msg)
{
	struct mbox_wake wake = {};
	bool drop = false;

	spin_lock(&mb->lock);
	mbox_count_received(mb, msg, -1);
	if (mb->dead)
		drop = true;	/* its inbox died meanwhile, with its messages */
	else if (!mbox_arrive(mb, msg, &wake))
		mbox_queue(mb, msg, &wake);
	spin_unlock(&mb->lock);
	mbox_wake(mb, &wake);
	if (drop)
		mbox_msg_put(msg);
}

/* Fail the waiters that can no longer be served with EPIPE. */
static void mbox_hangup(struct mbox_mailbox *mb, struct mbox_wake *wake)
{
	struct mbox_waiter *w, *tmp;

	lockdep_assert_held(&mb->lock);
	if (mbox_no_receivers(mb)) {
		list_for_each_entry_safe(w, tmp, &mb->senders, node)
			mbox_fail_sender(mb, wake, w, -EPIPE);
		list_for_each_entry_safe(w, tmp, &mb->syncs, node)
			mbox_fail_sender(mb, wake, w, -EPIPE);
		wake->poll |= EPOLLERR;
	}
	if (mbox_no_senders(mb)) {
		list_for_each_entry_safe(w, tmp, &mb->receivers, node)
			mbox_settle(mb, wake, w, -EPIPE);
		wake->poll |= EPOLLHUP;
	}
}

/*
 * An inbox's process is gone: free what is queued, fail blocked senders
 * with ESRCH and blocked receivers (in a child that inherited the
 * descriptor) with EPIPE.
 */
void mbox_mailbox_kill(struct mbox_mailbox *mb)
{
	struct mbox_waiter *w, *tmp;
	struct mbox_wake wake = {};
	struct mbox_msg *msg, *next;
	LIST_HEAD(dropped);
	unsigned int prio;

	spin_lock(&mb->lock);
	if (mb->dead) {
		spin_unlock(&mb->lock);
		return;
	}
	mb->dead = true;
	mb->unlinked = true;
	list_for_each_entry_safe(w, tmp, &mb->senders, node)
		mbox_fail_sender(mb, &wake, w, -ESRCH);
	list_for_each_entry_safe(w, tmp, &mb->syncs, node)
		mbox_fail_sender(mb, &wake, w, -ESRCH);
	list_for_each_entry_safe(w, tmp, &mb->receivers, node)
		mbox_settle(mb, &wake, w, -EPIPE);
	for (prio = 0; mb->msgs && prio < MBOX_PRIO_MAX; prio++) {
		list_for_each_entry_safe(msg, next, &mb->msgs[prio], node) {
			mbox_unqueue(mb, msg);
			list_add_tail(&msg->node, &dropped);
		}
	}
	wake.poll |= EPOLLIN | EPOLLOUT | EPOLLHUP | EPOLLERR;
	spin_unlock(&mb->lock);
	mbox_wake(mb, &wake);
	list_for_each_entry_safe(msg, next, &dropped, node)
		mbox_msg_put(msg);
}

/* Waiting */

/* Take @w off its list: it gives up. */
static void mbox_withdraw(struct mbox_mailbox *mb, struct mbox_waiter *w,
			  struct mbox_wake *wake)
{
	mbox_unlist(mb, w);
	if (w->kind == MBOX_WAIT_SYNC) {
		mbox_unsend(mb, w);
		mbox_refill(mb, wake);
	}
}

static void mbox_wait_list(struct mbox_mailbox *mb, struct mbox_waiter *w,
			   enum mbox_wait_kind kind)
{
	w->task = current;
	w->kind = kind;
	w->state = MBOX_WAITING;
	switch (kind) {
	case MBOX_WAIT_RECV:
		list_add_tail(&w->node, &mb->receivers);
		mb->nr_receivers++;
		break;
	case MBOX_WAIT_SEND:
		list_add_tail(&w->node, &mb->senders);
		mb->nr_senders++;
		break;
	case MBOX_WAIT_SYNC:
		list_add_tail(&w->node, &mb->syncs);
		mb->nr_syncs++;
		break;
	}
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
static int mbox_wait(struct mbox_mailbox *mb, struct mbox_waiter *w,
		     ktime_t *expires, struct mbox_wake *wake)
	__releases(&mb->lock)
{
	u64 slack = rt_task(current) || dl_task(current) ? 0 :
		    current->timer_slack_ns;
	int state, left = 1;

	for (;;) {
		spin_unlock(&mb->lock);
		mbox_wake(mb, wake);

		/*
		 * set_current_state() orders the state change before the
		 * check: a settler that stores w->state after the check also
		 * wakes us after the change, so the wake-up is not lost.
		 */
		set_current_state(TASK_INTERRUPTIBLE);
		/* Pairs with smp_store_release() in mbox_settle(). */
		if (smp_load_acquire(&w->state) == MBOX_WAITING)
			left = schedule_hrtimeout_range(expires, slack,
							HRTIMER_MODE_ABS);
		__set_current_state(TASK_RUNNING);
		/* Likewise. */
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
	mbox_withdraw(mb, w, wake);
	spin_unlock(&mb->lock);
	mbox_wake(mb, wake);
	return state;
}

/* Sending and receiving */

/*
 * Send @msg. On success the mailbox owns it; on failure the caller still
 * does: ESRCH (a dead inbox), EPIPE (nobody can ever receive it), EAGAIN,
 * ETIMEDOUT, EINTR/ERESTARTSYS. With MBOX_SEND_SYNC, success means a
 * receiver took it.
 */
static int mbox_send(struct mbox_mailbox *mb, struct mbox_msg *msg,
		     bool nonblock, bool sync, ktime_t *expires)
{
	struct mbox_wake wake = {};
	struct mbox_waiter w;
	int ret = 0;

	spin_lock(&mb->lock);
	if (mb->dead) {
		ret = -ESRCH;
	} else if (mbox_no_receivers(mb)) {
		ret = -EPIPE;
	} else if (mbox_send_ready(mb, msg->pid, msg->len, sync)) {
		/* It goes now: to a receiver, or into the queue. */
		mbox_arrival(mb, msg);
		if (!mbox_arrive(mb, msg, &wake))
			mbox_queue(mb, msg, &wake);
		mbox_count_sent(mb, msg, 1);
	} else if (nonblock) {
		ret = -EAGAIN;
	} else {
		goto wait;
	}
	spin_unlock(&mb->lock);
	mbox_wake(mb, &wake);
	return ret;

wait:
	w.msg = msg;
	w.sync = sync;
	if (mbox_has_room(mb)) {
		/* Synchronous: queue it and wait until it is taken. */
		mbox_arrival(mb, msg);
		mbox_arrive(mb, msg, &wake);
		mbox_queue(mb, msg, &wake);
		mbox_count_sent(mb, msg, 1);
		msg->sync = &w;
		mbox_wait_list(mb, &w, MBOX_WAIT_SYNC);
	} else {
		/*
		 * No room: wait with the message in hand. A receive can take
		 * it from there (with no room at all, that is the only way),
		 * so waiting peekers see it, and short buffers learn of it, as
		 * they would if they came now; nobody can take it yet.
		 */
		mbox_arrive(mb, msg, &wake);
		mbox_wait_list(mb, &w, MBOX_WAIT_SEND);
		if (!mb->queued)
			wake.poll |= EPOLLIN | EPOLLRDNORM;
	}
	return mbox_wait(mb, &w, expires, &wake);
}

/*
 * Receive (or peek at) the next message @want wants. Returns it (the caller
 * holds a reference), or an ERR_PTR: EAGAIN, ETIMEDOUT, EINTR/ERESTARTSYS,
 * EPIPE when no message can come any more, EMSGSIZE with *@msg_len set.
 */
static struct mbox_msg *mbox_recv(struct mbox_mailbox *mb,
				  const struct mbox_want *want, bool nonblock,
				  ktime_t *expires, u32 *msg_len)
{
	struct mbox_wake wake = {};
	struct mbox_waiter w;
	struct mbox_msg *msg;
	int ret;

	spin_lock(&mb->lock);
	msg = mbox_take(mb, want, msg_len, &wake);
	if (!msg && mbox_no_senders(mb))
		msg = ERR_PTR(-EPIPE);
	else if (!msg && nonblock)
		msg = ERR_PTR(-EAGAIN);
	if (msg) {
		spin_unlock(&mb->lock);
		mbox_wake(mb, &wake);
		return msg;
	}

	w.msg = NULL;
	w.want = want;
	mbox_wait_list(mb, &w, MBOX_WAIT_RECV);
	/* With no room at all, a waiting receiver lets a send through. */
	if (!mbox_has_room(mb))
		wake.poll |= EPOLLOUT | EPOLLWRNORM;
	ret = mbox_wait(mb, &w, expires, &wake);
	if (!ret)
		return w.msg;
	if (ret == -EMSGSIZE)
		*msg_len = w.msg_len;
	return ERR_PTR(ret);
}

/* The receiver is done with @msg: stored (@ok) or not. */
static void mbox_recv_done(struct mbox_mailbox *mb,
			   const struct mbox_want *want, struct mbox_msg *msg,
			   bool ok)
{
	if (ok || (want->flags & MBOX_RECV_PEEK))
		mbox_msg_put(msg);
	else
		mbox_requeue(mb, msg);
}

/*
 * Fail early, before a message is built: a send that cannot go now and may
 * not wait gets EAGAIN even when the sender is short of quota, and no
 * buffer is allocated for it. mbox_send() checks again under the lock.
 * Called when mbox_send_fast() says a send may not skip it, and when a
 * message could not be built: its errors come before the builder's.
 */
static int mbox_send_precheck(struct mbox_mailbox *mb, u32 len, bool nonblock,
			      bool sync)
{
	int ret = 0;

	spin_lock(&mb->lock);
	if (mb->dead)
		ret = -ESRCH;
	else if (mbox_no_receivers(mb))
		ret = -EPIPE;
	else if (nonblock && !mbox_send_ready(mb, task_tgid(current), len, sync))
		ret = -EAGAIN;
	spin_unlock(&mb->lock);
	return ret;
}

/*
 * May a send build its message before mbox_send_precheck()? So that a send
 * takes mb->lock once, not twice. A blocking send may: the precheck fails
 * it only on a dead or deserted mailbox, which mbox_send() finds as well.
 * A non-blocking one may while a slot looks free (a hint, read without the
 * lock; mbox_send() decides). Either way, a send whose message cannot be
 * built (quota, memory, a bad buffer) asks mbox_send_precheck() then, so
 * its errors still come first: mbox_send_failed().
 */
static bool mbox_send_fast(struct mbox_mailbox *mb, bool nonblock, bool sync)
{
	if (!nonblock)
		return true;
	if (sync)
		return false;
	if (mb->open_flags & MBOX_OPEN_UNBOUNDED)
		return true;
	/* A hint only, without the lock: see above. */
	return data_race(READ_ONCE(mb->queued)) < mb->capacity;
}

/* The message for a send could not be built (@err): what the send returns. */
static int mbox_send_failed(struct mbox_mailbox *mb, u32 len, bool nonblock,
			    bool sync, int err)
{
	int ret = mbox_send_precheck(mb, len, nonblock, sync);

	return ret ? ret : err;
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

#define MBOX_SEND_FLAGS	(MBOX_SEND_NONBLOCK | MBOX_SEND_TIMEOUT | \
			 MBOX_SEND_SYNC | MBOX_SEND_TO_PID)

static int mbox_batch_check(const struct mbox_batch *b, u32 flags,
			    u32 pid_flag);

/*
 * Check a send's argument (MBOX_IOC_SEND or MBOX_IOC_SEND_BATCH, copied in
 * at @karg) and the descriptor's access: EINVAL, EBADF. Reports the flags
 * and pid through @flags and @pid.
 */
static int mbox_send_check(struct file *file, unsigned int cmd,
			   const void *karg, u32 *flags, u32 *pid)
{
	const struct mbox_send *args = karg;
	const struct mbox_batch *b = karg;
	int ret;

	if (cmd == MBOX_IOC_SEND) {
		BUILD_BUG_ON(ARRAY_SIZE(args->reserved) != 2);
		if (args->flags & ~MBOX_SEND_FLAGS ||
		    args->prio >= MBOX_PRIO_MAX ||
		    (args->reserved[0] | args->reserved[1]))
			return -EINVAL;
		*flags = args->flags;
		*pid = args->pid;
	} else {
		ret = mbox_batch_check(b, MBOX_SEND_FLAGS & ~MBOX_SEND_SYNC,
				       MBOX_SEND_TO_PID);
		if (ret)
			return ret;
		*flags = b->flags;
		*pid = b->pid;
	}
	if ((*flags & MBOX_SEND_TO_PID) ? !*pid || *pid > PID_MAX_LIMIT : *pid)
		return -EINVAL;
	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	return 0;
}

/*
 * Where a send goes, for main.c's dispatcher: with MBOX_SEND_TO_PID the
 * inbox of process pid, whatever @file is bound to (if anything); the
 * dispatcher then enters it through its operations, as it does the
 * object @file is bound to otherwise (NULL here). Returns the inbox with
 * a reference, NULL, or an ERR_PTR: EINVAL, EBADF, ESRCH, EACCES.
 */
struct mbox_obj *mbox_send_target(struct file *file, unsigned int cmd,
				  const void *karg)
{
	struct mbox_mailbox *mb;
	u32 flags, pid;
	int ret;

	ret = mbox_send_check(file, cmd, karg, &flags, &pid);
	if (ret)
		return ERR_PTR(ret);
	if (!(flags & MBOX_SEND_TO_PID))
		return NULL;
	mb = mbox_inbox_get(pid);
	if (IS_ERR(mb))
		return ERR_CAST(mb);
	ret = mbox_obj_permission(&mb->obj, FMODE_WRITE);
	if (ret) {
		mbox_obj_put(&mb->obj);
		return ERR_PTR(ret);
	}
	return &mb->obj;
}

/* Build one message from userspace and send it. */
static int mbox_send_one(struct mbox_mailbox *mb, struct file *file,
			 const void __user *buf, u32 len, u32 prio,
			 bool nonblock, bool sync, ktime_t *expires)
{
	struct mbox_msg *msg;
	int ret;

	if (len > mb->msg_size)
		return -EMSGSIZE;
	if (!mbox_send_fast(mb, nonblock, sync)) {
		ret = mbox_send_precheck(mb, len, nonblock, sync);
		if (ret)
			return ret;
	}
	ret = mbox_mailbox_lists(mb);
	if (ret)
		return mbox_send_failed(mb, len, nonblock, sync, ret);
	msg = mbox_msg_alloc(file, len, prio);
	if (IS_ERR(msg))
		return mbox_send_failed(mb, len, nonblock, sync, PTR_ERR(msg));
	if (copy_from_user(mbox_msg_data(msg), buf, len)) {
		mbox_msg_put(msg);
		return mbox_send_failed(mb, len, nonblock, sync, -EFAULT);
	}
	ret = mbox_send(mb, msg, nonblock, sync, expires);
	if (ret)
		mbox_msg_put(msg);
	return ret;
}

/*
 * MBOX_IOC_SEND to @mb, which mbox_send_target() chose: main.c's
 * dispatcher calls it for every MBOX_IOC_SEND, and so has checked @args
 * (mbox_send_check()) before the call comes here.
 */
static long mbox_ioctl_send(struct mbox_mailbox *mb, struct file *file,
			    const struct mbox_send *args)
{
	u32 flags = args->flags;
	ktime_t expires;

	return mbox_send_one(mb, file, u64_to_user_ptr(args->buf), args->len,
			     args->prio,
			     mbox_nonblock(file, flags, MBOX_SEND_NONBLOCK),
			     flags & MBOX_SEND_SYNC,
			     mbox_deadline(&expires, flags & MBOX_SEND_TIMEOUT,
					   args->timeout_ns));
}

/* Check MBOX_RECV_FROM and fill in what a receiver wants. */
static int mbox_want_init(struct mbox_want *want, u32 flags, u32 pid,
			  u32 buf_len)
{
	if (flags & MBOX_RECV_FROM) {
		if (!pid || pid > PID_MAX_LIMIT)
			return -EINVAL;
		want->from = pid;
	} else {
		want->from = 0;
	}
	want->flags = flags & (MBOX_RECV_TRUNC | MBOX_RECV_PEEK);
	want->buf_len = buf_len;
	want->ns = task_active_pid_ns(current);
	return 0;
}

#define MBOX_RECV_FLAGS	(MBOX_RECV_NONBLOCK | MBOX_RECV_TIMEOUT | \
			 MBOX_RECV_TRUNC | MBOX_RECV_PEEK | MBOX_RECV_FROM)

/*
 * Store MBOX_IOC_RECV's out fields, and only those: the in fields stay as
 * the caller wrote them. Returns 0 or -EFAULT.
 */
static int mbox_recv_results(struct mbox_recv __user *uargs,
			     const struct mbox_recv *args)
{
	if (!user_write_access_begin(uargs, sizeof(*uargs)))
		return -EFAULT;
	unsafe_put_user(args->len, &uargs->len, efault);
	unsafe_put_user(args->prio, &uargs->prio, efault);
	unsafe_put_user(args->pid, &uargs->pid, efault);
	unsafe_put_user(args->uid, &uargs->uid, efault);
	unsafe_put_user(args->gid, &uargs->gid, efault);
	user_write_access_end();
	return 0;
efault:
	user_write_access_end();
	return -EFAULT;
}

static long mbox_ioctl_recv(struct mbox_mailbox *mb, struct file *file,
			    const struct mbox_recv *kargs,
			    struct mbox_recv __user *uargs)
{
	struct mbox_recv args = *kargs;
	struct mbox_want want;
	struct mbox_msg *msg;
	ktime_t expires;
	u32 msg_len, n;
	int ret;

	BUILD_BUG_ON(ARRAY_SIZE(args.reserved) != 1);
	if (args.flags & ~MBOX_RECV_FLAGS || args.reserved[0])
		return -EINVAL;
	ret = mbox_want_init(&want, args.flags, args.pid, args.len);
	if (ret)
		return ret;
	if (!(file->f_mode & FMODE_READ))
		return -EBADF;

	msg = mbox_recv(mb, &want,
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
	args.len = msg->len;
	args.prio = msg->prio;
	mbox_msg_sender(msg, &args.pid, &args.uid, &args.gid);
	if (copy_to_user(u64_to_user_ptr(args.buf), mbox_msg_data(msg), n) ||
	    mbox_recv_results(uargs, &args))
		ret = -EFAULT;
	else
		ret = n;
	mbox_recv_done(mb, &want, msg, ret >= 0);
	return ret;
}

/* Batches */

/*
 * What a batch call reports: @done moved, stopped by @err (0: none). When
 * the report cannot be stored the call fails with EFAULT, and what moved
 * is lost to the caller, as with recvmmsg(2).
 */
static long mbox_batch_result(struct mbox_batch __user *uargs, u32 done,
			      int err)
{
	u32 error = err == -ERESTARTSYS ? EINTR : -err;

	if (put_user(done, &uargs->done) || put_user(error, &uargs->error))
		return -EFAULT;
	/* Once something moved, report it; never restart. */
	if (done)
		return done;
	return err;
}

static int mbox_batch_check(const struct mbox_batch *b, u32 flags,
			    u32 pid_flag)
{
	if (b->flags & ~(flags | MBOX_BATCH_WAITALL) || !b->count ||
	    b->count > MBOX_BATCH_MAX || b->__pad ||
	    memchr_inv(b->reserved, 0, sizeof(b->reserved)))
		return -EINVAL;
	if (!(b->flags & pid_flag) && b->pid)
		return -EINVAL;
	return 0;
}

/*
 * Batches go through their vector in chunks: a chunk's entries are copied
 * in with one copy, a send queues a chunk's messages under one mailbox
 * lock (mbox_send_many()) and a receive takes them under one
 * (mbox_take_many()). 8 entries of 32 bytes keep the stack small.
 */
#define MBOX_BATCH_CHUNK	8

/*
 * Copy in entries @i.. of a batch's vector, at most MBOX_BATCH_CHUNK and
 * @count - @i of them. Returns how many were copied whole: when the copy
 * faults part of the way, those before the fault (0: the first faults).
 */
static u32 mbox_batch_copy_in(struct mbox_msgvec *vec,
			      const struct mbox_msgvec __user *uvec, u32 i,
			      u32 count)
{
	u32 n = min_t(u32, count - i, MBOX_BATCH_CHUNK);
	size_t left = copy_from_user(vec, &uvec[i], n * sizeof(*vec));

	return n - DIV_ROUND_UP(left, sizeof(*vec));
}

/*
 * Build messages for entries @vec[0..@n) of a batch, as many in a row as
 * can be built at once: each fits the mailbox's message size, the mailbox
 * looks to have a slot for it (a hint, as in mbox_send_fast()), and its
 * quota, memory and payload copy succeed. Returns how many it built, into
 * @msgs; the first entry it could not build is left to mbox_send_one(),
 * which finds why. So a batch charges at most a chunk ahead of queuing it.
 */
static u32 mbox_build_many(struct mbox_mailbox *mb, struct file *file,
			   const struct mbox_msgvec *vec, u32 n,
			   struct mbox_msg **msgs)
{
	u32 room = n, k;

	if (!(mb->open_flags & MBOX_OPEN_UNBOUNDED)) {
		/* A hint only, without the lock: mbox_send_many() decides. */
		u32 queued = data_race(READ_ONCE(mb->queued));

		room = queued < mb->capacity ? mb->capacity - queued : 0;
	}
	if (mbox_mailbox_lists(mb))
		return 0;
	for (k = 0; k < min(n, room); k++) {
		struct mbox_msg *msg;

		if (vec[k].len > mb->msg_size)
			break;
		msg = mbox_msg_alloc(file, vec[k].len, vec[k].prio);
		if (IS_ERR(msg))
			break;
		if (copy_from_user(mbox_msg_data(msg), u64_to_user_ptr(vec[k].buf),
				   vec[k].len)) {
			mbox_msg_put(msg);
			break;
		}
		msgs[k] = msg;
	}
	return k;
}

/*
 * Send @msgs[0..@n) in order under one lock, none of them waiting, as @n
 * non-blocking mbox_send()s would. Returns how many went; the rest are
 * freed, and *@err says why the first of them did not go: ESRCH, EPIPE,
 * EAGAIN.
 */
static u32 mbox_send_many(struct mbox_mailbox *mb, struct mbox_msg **msgs,
			  u32 n, int *err)
{
	struct mbox_wake wake = {};
	struct mbox_msg *msg;
	u32 k;

	*err = 0;
	spin_lock(&mb->lock);
	for (k = 0; k < n; k++) {
		msg = msgs[k];
		if (mb->dead)
			*err = -ESRCH;
		else if (mbox_no_receivers(mb))
			*err = -EPIPE;
		else if (!mbox_send_ready(mb, msg->pid, msg->len, false))
			*err = -EAGAIN;
		if (*err)
			break;
		mbox_arrival(mb, msg);
		if (!mbox_arrive(mb, msg, &wake))
			mbox_queue(mb, msg, &wake);
		mbox_count_sent(mb, msg, 1);
	}
	spin_unlock(&mb->lock);
	mbox_wake(mb, &wake);
	for (n -= k; n; n--)
		mbox_msg_put(msgs[k + n - 1]);
	return k;
}

/* MBOX_IOC_SEND_BATCH to @mb, which mbox_send_target() chose. */
static long mbox_ioctl_send_batch(struct mbox_mailbox *mb, struct file *file,
				  const struct mbox_batch *kargs,
				  struct mbox_batch __user *uargs)
{
	struct mbox_msg *msgs[MBOX_BATCH_CHUNK];
	struct mbox_msgvec vec[MBOX_BATCH_CHUNK];
	struct mbox_msgvec __user *uvec;
	struct mbox_batch b = *kargs;
	ktime_t expires, *deadline;
	u32 i, j, n, k, flags, pid;
	bool nonblock, wait;
	int err, stop;

	err = mbox_send_check(file, MBOX_IOC_SEND_BATCH, &b, &flags, &pid);
	if (err)
		return err;

	uvec = u64_to_user_ptr(b.vec);
	nonblock = mbox_nonblock(file, b.flags, MBOX_SEND_NONBLOCK);
	deadline = mbox_deadline(&expires, b.flags & MBOX_SEND_TIMEOUT,
				 b.timeout_ns);
	for (i = 0; i < b.count && !err; i += n) {
		/* The entries to send now, and the error that ends them. */
		n = mbox_batch_copy_in(vec, uvec, i, b.count);
		stop = n ? 0 : -EFAULT;
		/* pid, uid and gid are receive results: ignored here. */
		for (j = 0; j < n; j++) {
			if (vec[j].prio >= MBOX_PRIO_MAX || vec[j].__pad) {
				stop = -EINVAL;
				break;
			}
		}
		n = j;
		for (j = 0; j < n && !err; j += k) {
			/* Only the first message may wait, unless WAITALL. */
			wait = !nonblock &&
			       (i + j == 0 || (b.flags & MBOX_BATCH_WAITALL));
			k = wait ? 0 : mbox_build_many(mb, file, &vec[j], n - j,
						       msgs);
			if (k) {
				k = mbox_send_many(mb, msgs, k, &err);
				continue;
			}
			/* One at a time: it may wait, or finds the error. */
			err = mbox_send_one(mb, file,
					    u64_to_user_ptr(vec[j].buf),
					    vec[j].len, vec[j].prio, !wait,
					    false, deadline);
			k = !err;
		}
		if (err) {
			i += j;
			break;
		}
		err = stop;
	}
	return mbox_batch_result(uargs, i, err);
}

/*
 * Take up to @n messages for @want under one lock, the one at @vec[j]
 * fitting @vec[j].len, as @n non-blocking mbox_recv()s would in turn.
 * Returns how many it took, into @msgs; when it took fewer, *@err says
 * why: EAGAIN, EPIPE, or EMSGSIZE with *@msg_len set.
 */
static u32 mbox_take_many(struct mbox_mailbox *mb, struct mbox_want *want,
			  const struct mbox_msgvec *vec, u32 n,
			  struct mbox_msg **msgs, int *err, u32 *msg_len)
{
	struct mbox_wake wake = {};
	struct mbox_msg *msg;
	u32 got;

	*err = 0;
	spin_lock(&mb->lock);
	for (got = 0; got < n; got++) {
		want->buf_len = vec[got].len;
		msg = mbox_take(mb, want, msg_len, &wake);
		if (!msg) {
			*err = mbox_no_senders(mb) ? -EPIPE : -EAGAIN;
			break;
		}
		if (IS_ERR(msg)) {
			*err = PTR_ERR(msg);
			break;
		}
		msgs[got] = msg;
	}
	spin_unlock(&mb->lock);
	mbox_wake(mb, &wake);
	return got;
}

/*
 * Store message @msg at entry @v (copied in at @uv): its payload, then the
 * entry's results. Returns 0 or -EFAULT.
 */
static int mbox_batch_store(struct mbox_msgvec *v, struct mbox_msgvec __user *uv,
			    const struct mbox_msg *msg)
{
	u32 n = min(v->len, msg->len);

	v->len = msg->len;
	v->prio = msg->prio;
	mbox_msg_sender(msg, &v->pid, &v->uid, &v->gid);
	if (copy_to_user(u64_to_user_ptr(v->buf), mbox_msg_data(msg), n) ||
	    copy_to_user(uv, v, sizeof(*v)))
		return -EFAULT;
	return 0;
}

static long mbox_ioctl_recv_batch(struct mbox_mailbox *mb, struct file *file,
				  const struct mbox_batch *kargs,
				  struct mbox_batch __user *uargs)
{
	struct mbox_msg *msgs[MBOX_BATCH_CHUNK];
	struct mbox_msgvec vec[MBOX_BATCH_CHUNK];
	struct mbox_msgvec __user *uvec;
	struct mbox_batch b = *kargs;
	struct mbox_want want;
	ktime_t expires, *deadline;
	u32 i, j, k, n, got, stored, msg_len;
	bool nonblock;
	int err, stop;

	err = mbox_batch_check(&b, MBOX_RECV_FLAGS & ~MBOX_RECV_PEEK,
			       MBOX_RECV_FROM);
	if (!err)
		err = mbox_want_init(&want, b.flags, b.pid, 0);
	if (err)
		return err;
	if (!(file->f_mode & FMODE_READ))
		return -EBADF;

	uvec = u64_to_user_ptr(b.vec);
	nonblock = mbox_nonblock(file, b.flags, MBOX_RECV_NONBLOCK);
	deadline = mbox_deadline(&expires, b.flags & MBOX_RECV_TIMEOUT,
				 b.timeout_ns);
	for (i = 0; i < b.count && !err; i += n) {
		/* The entries to serve now, and the error that ends them. */
		n = mbox_batch_copy_in(vec, uvec, i, b.count);
		stop = n ? 0 : -EFAULT;
		for (j = 0; j < n; j++) {
			if (vec[j].__pad) {
				stop = -EINVAL;
				break;
			}
		}
		n = j;
		for (j = 0; j < n && !err; j += got) {
			got = mbox_take_many(mb, &want, &vec[j], n - j, msgs,
					     &err, &msg_len);
			/* Only the first message may wait, unless WAITALL. */
			if (err == -EAGAIN && !nonblock &&
			    (i + j + got == 0 || (b.flags & MBOX_BATCH_WAITALL))) {
				err = 0;
				if (!got) {
					want.buf_len = vec[j].len;
					msgs[0] = mbox_recv(mb, &want, false,
							    deadline, &msg_len);
					err = PTR_ERR_OR_ZERO(msgs[0]);
					got = !err;
				}
			}
			/*
			 * Store what was taken, in order. From a store that
			 * fails on, each goes back to its arrival place.
			 */
			for (k = 0, stored = got; k < got; k++) {
				bool ok = k < stored;

				if (ok && mbox_batch_store(&vec[j + k],
							   &uvec[i + j + k],
							   msgs[k])) {
					err = -EFAULT;
					stored = k;
					ok = false;
				}
				mbox_recv_done(mb, &want, msgs[k], ok);
			}
			got = stored;
			if (err == -EMSGSIZE &&
			    put_user(msg_len, &uvec[i + j + got].len))
				err = -EFAULT;
		}
		if (err) {
			i += j;
			break;
		}
		err = stop;
	}
	return mbox_batch_result(uargs, i, err);
}

static long mbox_ioctl_stat(struct mbox_mailbox *mb,
			    const struct mbox_stat *kargs,
			    struct mbox_stat __user *uargs)
{
	struct user_namespace *ns = current_user_ns();
	struct mbox_stat st = *kargs;

	if (st.flags || memchr_inv(st.reserved, 0, sizeof(st.reserved)))
		return -EINVAL;

	memset(&st, 0, sizeof(st));
	st.open_flags = mb->open_flags;
	st.capacity = mb->capacity;
	st.msg_size = mb->msg_size;
	st.mode = mb->obj.mode;
	st.uid = from_kuid_munged(ns, mb->obj.uid);
	st.gid = from_kgid_munged(ns, mb->obj.gid);
	if (mb->owner) {
		st.pid = pid_nr_ns(mb->owner, task_active_pid_ns(current));
		st.state |= MBOX_STATE_INBOX;
	}

	spin_lock(&mb->lock);
	if (mb->unlinked && !mb->owner)
		st.state |= MBOX_STATE_UNLINKED;
	if (!mb->obj.name && !mb->owner)
		st.state |= MBOX_STATE_ANON;
	if (mb->dead)
		st.state |= MBOX_STATE_DEAD;
	st.queued = mb->queued;
	st.queued_bytes = mb->queued_bytes;
	st.readers = mb->readers;
	st.writers = mb->writers;
	st.waiting_senders = mb->nr_senders + mb->nr_syncs;
	st.waiting_receivers = mb->nr_receivers;
	st.sent = mb->sent;
	st.received = mb->received;
	st.sent_bytes = mb->sent_bytes;
	st.received_bytes = mb->received_bytes;
	spin_unlock(&mb->lock);

	if (copy_to_user(uargs, &st, sizeof(st)))
		return -EFAULT;
	return 0;
}

long mbox_mailbox_ioctl(struct mbox_obj *obj, struct file *file,
			unsigned int cmd, void *karg, void __user *uarg)
{
	struct mbox_mailbox *mb = to_mailbox(obj);

	switch (cmd) {
	case MBOX_IOC_SEND:
		return mbox_ioctl_send(mb, file, karg);
	case MBOX_IOC_SEND_BATCH:
		return mbox_ioctl_send_batch(mb, file, karg, uarg);
	case MBOX_IOC_RECV:
		return mbox_ioctl_recv(mb, file, karg, uarg);
	case MBOX_IOC_RECV_BATCH:
		return mbox_ioctl_recv_batch(mb, file, karg, uarg);
	case MBOX_IOC_STAT:
		return mbox_ioctl_stat(mb, karg, uarg);
	default:
		return -ENOTTY;
	}
}

static bool mbox_iocb_nonblock(struct kiocb *iocb)
{
	return (iocb->ki_filp->f_flags & O_NONBLOCK) ||
	       (iocb->ki_flags & IOCB_NOWAIT);
}

/*
 * read(): one whole message; EMSGSIZE, leaving it queued, if it won't fit.
 * A message may be empty, so 0 is a message, never end-of-file: the end is
 * EPIPE.
 */
ssize_t mbox_mailbox_read_iter(struct mbox_obj *obj, struct kiocb *iocb,
			       struct iov_iter *to)
{
	struct mbox_mailbox *mb = to_mailbox(obj);
	struct mbox_want want;
	struct mbox_msg *msg;
	u32 msg_len, n;
	bool ok;

	mbox_want_init(&want, 0, 0, min_t(size_t, iov_iter_count(to), U32_MAX));
	msg = mbox_recv(mb, &want, mbox_iocb_nonblock(iocb), NULL, &msg_len);
	if (IS_ERR(msg))
		return PTR_ERR(msg);
	n = msg->len;
	ok = copy_to_iter(mbox_msg_data(msg), n, to) == n;
	mbox_recv_done(mb, &want, msg, ok);
	if (!ok)
		return -EFAULT;
	return n;
}

/* write(): one message, at priority 0. */
ssize_t mbox_mailbox_write_iter(struct mbox_obj *obj, struct kiocb *iocb,
				struct iov_iter *from)
{
	struct mbox_mailbox *mb = to_mailbox(obj);
	size_t len = iov_iter_count(from);
	bool nonblock = mbox_iocb_nonblock(iocb);
	struct mbox_msg *msg;
	int ret;

	if (len > mb->msg_size)
		return -EMSGSIZE;
	if (!mbox_send_fast(mb, nonblock, false)) {
		ret = mbox_send_precheck(mb, len, nonblock, false);
		if (ret)
			return ret;
	}
	ret = mbox_mailbox_lists(mb);
	if (ret)
		return mbox_send_failed(mb, len, nonblock, false, ret);
	msg = mbox_msg_alloc(iocb->ki_filp, len, 0);
	if (IS_ERR(msg))
		return mbox_send_failed(mb, len, nonblock, false, PTR_ERR(msg));
	if (!copy_from_iter_full(mbox_msg_data(msg), len, from)) {
		mbox_msg_put(msg);
		return mbox_send_failed(mb, len, nonblock, false, -EFAULT);
	}
	ret = mbox_send(mb, msg, nonblock, false, NULL);
	if (ret) {
		mbox_msg_put(msg);
		return ret;
	}
	return len;
}

/*
 * poll: what a non-blocking call would do now, by the same rules
 * (mbox_recv_ready(), mbox_send_ready()). EPOLLIN: a receive with no
 * filter finds a message. EPOLLOUT: a send by the polling process of a
 * message of the mailbox's message size goes at once, into a free slot or
 * to a waiting receiver that takes it (not a peeker, not one filtering on
 * another sender, not one whose buffer is too short).
 */
__poll_t mbox_mailbox_poll(struct mbox_obj *obj, struct file *file,
			   poll_table *pt)
{
	struct mbox_mailbox *mb = to_mailbox(obj);
	struct mbox_want any = {};
	__poll_t mask = 0;

	poll_wait(file, &mb->poll_wait, pt);

	spin_lock(&mb->lock);
	if (mb->dead) {
		/* A dead inbox: nothing can come, nothing can go. */
		spin_unlock(&mb->lock);
		return EPOLLHUP | EPOLLERR;
	}
	/* As for a pipe: HUP (with IN while messages remain), ERR for writers. */
	if (file->f_mode & FMODE_READ) {
		if (mbox_recv_ready(mb, &any))
			mask |= EPOLLIN | EPOLLRDNORM;
		if (mbox_no_senders(mb))
			mask |= EPOLLHUP;
	}
	if (file->f_mode & FMODE_WRITE) {
		if (mbox_send_ready(mb, task_tgid(current), mb->msg_size,
				    false))
			mask |= EPOLLOUT | EPOLLWRNORM;
		if (mbox_no_receivers(mb))
			mask |= EPOLLERR;
	}
	spin_unlock(&mb->lock);
	return mask;
}

/* Count a descriptor with access @fmode as bound. */
void mbox_mailbox_attach(struct mbox_obj *obj, fmode_t fmode)
{
	struct mbox_mailbox *mb = to_mailbox(obj);

	spin_lock(&mb->lock);
	if (fmode & FMODE_READ)
		mb->readers++;
	if (fmode & FMODE_WRITE)
		mb->writers++;
	spin_unlock(&mb->lock);
}

static int mbox_mailbox_attach_file(struct mbox_obj *obj, struct file *file,
				    const struct mbox_open_req *req)
{
	mbox_mailbox_attach(obj, req->fmode);
	return 0;
}

static void mbox_mailbox_detach(struct mbox_obj *obj, struct file *file)
{
	struct mbox_mailbox *mb = to_mailbox(obj);
	fmode_t fmode = file->f_mode;
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

void mbox_mailbox_usage(struct mbox_obj *obj, u32 *queued, u64 *queued_bytes)
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
void mbox_mailbox_release(struct mbox_obj *obj)
{
	struct mbox_mailbox *mb = to_mailbox(obj);
	struct mbox_msg *msg, *tmp;
	unsigned int prio;

	WARN_ON(!list_empty(&mb->senders) || !list_empty(&mb->syncs) ||
		!list_empty(&mb->receivers));
	for (prio = 0; mb->msgs && prio < MBOX_PRIO_MAX; prio++) {
		list_for_each_entry_safe(msg, tmp, &mb->msgs[prio], node)
			mbox_msg_put(msg);
	}
	kfree(mb->msgs);
	put_pid(mb->owner);
	kmem_cache_free(mbox_mailbox_cache, mb);
}

/*
 * Mailboxes and inboxes come from a cache of their own, sized to the
 * structure (a kmalloc() would round it up to the next power of two).
 * Also finds mbox_msg_split_min, before any message can be sent.
 */
int __init mbox_mailbox_cache_init(void)
{
	mbox_msg_split_init();
	mbox_mailbox_cache = KMEM_CACHE(mbox_mailbox, SLAB_ACCOUNT);
	return mbox_mailbox_cache ? 0 : -ENOMEM;
}

void mbox_mailbox_cache_exit(void)
{
	kmem_cache_destroy(mbox_mailbox_cache);
}

struct mbox_mailbox *mbox_mailbox_alloc(const struct mbox_obj_ops *ops,
					u32 open_flags, u32 capacity,
					u32 msg_size)
{
	struct mbox_mailbox *mb;

	mb = kmem_cache_zalloc(mbox_mailbox_cache, GFP_KERNEL_ACCOUNT);
	if (!mb)
		return NULL;
	mbox_obj_init(&mb->obj, ops);
	mb->open_flags = open_flags & (MBOX_OPEN_UNBOUNDED | MBOX_OPEN_RENDEZVOUS);
	mb->capacity = capacity;
	mb->msg_size = msg_size;
	spin_lock_init(&mb->lock);
	INIT_LIST_HEAD(&mb->senders);
	INIT_LIST_HEAD(&mb->syncs);
	INIT_LIST_HEAD(&mb->receivers);
	init_waitqueue_head(&mb->poll_wait);
	return mb;
}

static const struct mbox_obj_ops mbox_mailbox_ops = {
	.type		= MBOX_TYPE_MAILBOX,
	.attach		= mbox_mailbox_attach_file,
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
 * Check the creation attributes of a mailbox or inbox and make them
 * effective in place: @capacity and @msg_size as asked (0 for the
 * defaults) become what the mailbox gets. Called only when a mailbox is
 * about to be created: an existing one is opened whatever the limits are
 * now (mq_open(3)). The limits are read once here, so a concurrent change
 * of a parameter cannot make a mailbox inconsistent.
 */
int mbox_mailbox_attrs(u32 flags, u32 mode, u32 *capacity, u32 *msg_size)
{
	u32 size_max = mbox_limit(MBOX_LIMIT_MSG_SIZE_MAX);
	u32 cap_max = mbox_limit(MBOX_LIMIT_CAPACITY_MAX);

	if (mode & ~0777)
		return -EINVAL;
	if (flags & (MBOX_OPEN_UNBOUNDED | MBOX_OPEN_RENDEZVOUS)) {
		if (*capacity)
			return -EINVAL;
	} else if (*capacity) {
		if (*capacity > cap_max)
			return -EINVAL;
	} else {
		*capacity = min(mbox_limit(MBOX_LIMIT_CAPACITY_DEFAULT), cap_max);
	}
	if (*msg_size > size_max)
		return -EINVAL;
	if (!*msg_size)
		*msg_size = min(mbox_limit(MBOX_LIMIT_MSG_SIZE_DEFAULT),
				size_max);
	return 0;
}

static struct mbox_obj *mbox_mailbox_create(const struct mbox_open_req *req)
{
	u32 capacity = req->capacity, msg_size = req->msg_size;
	struct mbox_mailbox *mb;
	int ret;

	ret = mbox_mailbox_attrs(req->flags, req->mode, &capacity, &msg_size);
	if (ret)
		return ERR_PTR(ret);
	mb = mbox_mailbox_alloc(&mbox_mailbox_ops, req->flags, capacity,
				msg_size);
	return mb ? &mb->obj : ERR_PTR(-ENOMEM);
}

/*
 * An anonymous mailbox (MBOX_IOC_PIPE), as @req asks: the flags (checked
 * by the caller) and the attributes, checked here as for a named one.
 */
struct mbox_obj *mbox_mailbox_create_anon(const struct mbox_open_req *req)
{
	return mbox_mailbox_create(req);
}

/*
 * Check MBOX_IOC_OPEN for a named mailbox and fill in @req. Only the flags
 * and reserved fields are checked here; the attributes are checked when
 * the mailbox is created (mbox_mailbox_create()).
 */
int mbox_mailbox_open_req(struct mbox_open_req *req,
			  const struct mbox_open *args)
{
	if (args->flags & ~(MBOX_OPEN_CREATE | MBOX_OPEN_EXCL |
			    MBOX_OPEN_UNBOUNDED | MBOX_OPEN_RENDEZVOUS) ||
	    memchr_inv(args->reserved, 0, sizeof(args->reserved)))
		return -EINVAL;
	if ((args->flags & MBOX_OPEN_EXCL) && !(args->flags & MBOX_OPEN_CREATE))
		return -EINVAL;
	if ((args->flags & MBOX_OPEN_UNBOUNDED) && (args->flags & MBOX_OPEN_RENDEZVOUS))
		return -EINVAL;

	req->type = MBOX_TYPE_MAILBOX;
	req->fmode = req->file->f_mode & (FMODE_READ | FMODE_WRITE);
	req->flags = args->flags;
	req->create = mbox_mailbox_create;
	req->mode = args->mode;
	req->capacity = args->capacity;
	req->msg_size = args->msg_size;
	return 0;
}
