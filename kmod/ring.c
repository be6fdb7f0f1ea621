// SPDX-License-Identifier: GPL-2.0
/*
 * Rings: bounded buffers of records in memory shared by a producer, a
 * consumer and the kernel. The protocol is documented in uapi/linux/mbox.h;
 * in short, each side owns a page with its position and its wakeup word,
 * records are published with store-release and observed with load-acquire,
 * and a side sleeps in the kernel only when the ring is empty or full.
 *
 * Memory: the two pages and the data pages are allocated one by one and
 * vmap()ed as [consumer page][producer page][data][data again], so that a
 * record that wraps is contiguous, for userspace (remap_vmalloc_range())
 * and for the kernel alike.
 *
 * Trust: userspace may write anything to the shared pages at any time. The
 * kernel reads each shared word once (READ_ONCE(), or the acquire loads),
 * checks it, and keeps every access within the vmap: an offset is always
 * masked into [0, size), and a record is at most size bytes, which the
 * second mapping of the data covers.
 *
 * Locking: ring->lock protects the roles and the hang-up state; lockless
 * readers of those see them through READ_ONCE(). The kernel's own producer
 * and consumer work (write() and read()) is serialized per side by
 * prod_mutex and cons_mutex, which may be held across user copies and
 * sleeps; nothing else is held across them.
 */

#include <linux/atomic.h>
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sched/deadline.h>
#include <linux/sched/rt.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/user_namespace.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>

#include <linux/mbox.h>

#include "mbox.h"

/* Where the shared words sit in each side's page. */
#define MBOX_RING_POS_OFF	0
#define MBOX_RING_WAKEUP_OFF	128	/* away from pos, even with 128-byte lines */
#define MBOX_RING_POLLERS_OFF	256	/* the consumer page only: see below */
#define MBOX_RING_SIZE_DEFAULT	65536
/* The least room a producer's descriptor polls writable for: a small record. */
#define MBOX_RING_MIN_REC	(2 * MBOX_RING_ALIGN)

/*
 * A ring's sides. Each has its position and wakeup word in the shared pages,
 * and its own wait queue: the consumer's holds its sleepers and pollers (and
 * observers' pollers), the producer's its own.
 */
struct mbox_ring {
	struct mbox_obj obj;
	/* Set at creation. */
	u32 size;			/* data bytes, a power of two */
	u32 nr_data;			/* data pages */
	struct page **pages;		/* consumer, producer, then data pages */
	void *base;			/* the vmap */
	u32 *cons_pos, *cons_wakeup;	/* in the consumer page */
	u32 *cons_pollers;		/* likewise: mbox_ring_pollers_seen() */
	u32 *prod_pos, *prod_wakeup;	/* in the producer page */
	u8 *data;			/* size bytes, then the same again */
	struct mbox_user *charged;	/* pays for the memory */
	size_t charge;

	/*
	 * Protects the four fields below. The hang-up check reads producer,
	 * consumer and unlinked without it (READ_ONCE), as mbox_ring_check()
	 * explains.
	 */
	spinlock_t lock;
	struct file *producer;		/* the role holders, or NULL */
	struct file *consumer;
	u32 observers;
	bool unlinked;

	struct mutex prod_mutex;	/* serializes write(): the kernel producing */
	struct mutex cons_mutex;	/* serializes read(): the kernel consuming */
	wait_queue_head_t cons_wait;
	wait_queue_head_t prod_wait;
	atomic_t sleepers;
	atomic64_t sleeps;
	atomic64_t wakeups;
};

static const struct mbox_obj_ops mbox_ring_ops;

static struct mbox_ring *to_ring(struct mbox_obj *obj)
{
	return container_of(obj, struct mbox_ring, obj);
}

static u32 mbox_file_role(struct file *file)
{
	struct mbox_file *mf = file->private_data;

	return mf->role;
}

static u32 mbox_rec_max(const struct mbox_ring *ring)
{
	return ring->size - sizeof(struct mbox_ring_hdr);
}

static wait_queue_head_t *mbox_ring_queue(struct mbox_ring *ring, u32 role)
{
	return role == MBOX_RING_PRODUCER ? &ring->prod_wait : &ring->cons_wait;
}

/* The positions, as the shared pages say now. */
struct mbox_ring_pos {
	u32 prod;
	u32 cons;
	bool hung_up;		/* mbox_ring_check(): the peer is gone for good */
};

/*
 * Read both positions. The peer's with acquire: it pairs with the peer's
 * store-release of its position, so what the peer wrote before (a record,
 * or its reading of a record) is visible, or finished, before we use the
 * space. Our own side's we wrote ourselves, or the process playing our
 * side did; a plain load will do. Returns false when they are
 * inconsistent: more in use than the ring holds, or not on a record
 * boundary.
 */
static bool mbox_ring_read_pos(struct mbox_ring *ring, u32 role,
			       struct mbox_ring_pos *pos)
{
	if (role == MBOX_RING_PRODUCER) {
		pos->prod = READ_ONCE(*ring->prod_pos);
		/* Pairs with the consumer's store-release of cons. */
		pos->cons = smp_load_acquire(ring->cons_pos);
	} else {
		pos->cons = READ_ONCE(*ring->cons_pos);
		/* Pairs with the producer's store-release of prod. */
		pos->prod = smp_load_acquire(ring->prod_pos);
	}
	return pos->prod - pos->cons <= ring->size &&
	       !((pos->prod | pos->cons) & (MBOX_RING_ALIGN - 1));
}

/*
 * Nobody can ever play the peer of @role again: the ring is unlinked and
 * the peer's role is free.
 */
static bool mbox_ring_hung_up(struct mbox_ring *ring, u32 role)
{
	struct file *peer = role == MBOX_RING_PRODUCER ? READ_ONCE(ring->consumer)
						       : READ_ONCE(ring->producer);

	return READ_ONCE(ring->unlinked) && !peer;
}

enum mbox_ring_state {
	MBOX_RING_READY,	/* a record to read; @need bytes free */
	MBOX_RING_WAIT,		/* empty; full */
	MBOX_RING_HUNG_UP,	/* nothing can ever come (or go) */
	MBOX_RING_BROKEN,	/* the positions make no sense */
};

/* What a call that cannot wait returns for @state. */
static int mbox_ring_errno(enum mbox_ring_state state)
{
	switch (state) {
	case MBOX_RING_READY:
		return 0;
	case MBOX_RING_HUNG_UP:
		return -EPIPE;
	case MBOX_RING_BROKEN:
		return -EUCLEAN;
	default:
		return -EAGAIN;
	}
}

/*
 * What the side of @role finds, with @need bytes wanted by a producer. The
 * hang-up state is read first: the peer published its last record before it
 * let its role go, so once we see the role free (and smp_rmb() keeps that
 * load before the positions'), we see that record too. A consumer is thus
 * never told of a hang-up while a record is there.
 */
static enum mbox_ring_state mbox_ring_check(struct mbox_ring *ring, u32 role,
					    u32 need, struct mbox_ring_pos *pos)
{
	bool hung_up = mbox_ring_hung_up(ring, role);

	pos->hung_up = hung_up;
	/* The hang-up state before the positions, as argued above. */
	smp_rmb();
	if (!mbox_ring_read_pos(ring, role, pos))
		return MBOX_RING_BROKEN;
	if (role == MBOX_RING_PRODUCER) {
		/* As with a pipe: writing for nobody fails at once. */
		if (hung_up)
			return MBOX_RING_HUNG_UP;
		return ring->size - (pos->prod - pos->cons) >= need ?
		       MBOX_RING_READY : MBOX_RING_WAIT;
	}
	if (pos->prod != pos->cons)
		return MBOX_RING_READY;
	return hung_up ? MBOX_RING_HUNG_UP : MBOX_RING_WAIT;
}

/* Tries of the producer's word before mbox_ring_arm() gives up. */
#define MBOX_RING_ARM_TRIES	16

/*
 * Ask the peer of @role to wake its side: the consumer's word is a flag, the
 * producer's the smallest number of free bytes any of its waiters waits
 * for. Several waiters of the producer's side (threads sharing its
 * descriptor, a wait and a poll, the process through the mapping) keep the
 * smallest need: the word is only ever lowered, with a compare-and-swap, so
 * a larger need written meanwhile can never hide a smaller one. The one that
 * can go first is woken; the others check, and ask again.
 *
 * The word is shared with userspace, which may write it at any time, so
 * the loop is bounded. Returns false when it gave up (the word kept
 * changing under it): the caller must not sleep on the request, only look
 * again. The barrier orders the request before the caller's next look at
 * the ring; see mbox_ring_sleep().
 */
static bool mbox_ring_arm(struct mbox_ring *ring, u32 role, u32 need)
{
	bool armed = true;
	u32 cur, old;
	int tries;

	need = max(need, 1U);
	if (role == MBOX_RING_PRODUCER) {
		armed = false;
		cur = READ_ONCE(*ring->prod_wakeup);
		for (tries = 0; tries < MBOX_RING_ARM_TRIES; tries++) {
			if (cur && cur <= need) {
				armed = true;
				break;
			}
			old = cmpxchg(ring->prod_wakeup, cur, need);
			if (old == cur) {
				armed = true;
				break;
			}
			cur = old;
		}
	} else {
		WRITE_ONCE(*ring->cons_wakeup, MBOX_RING_NEED_WAKEUP);
	}
	/* The request before the positions are looked at again. */
	smp_mb();
	return armed;
}

/*
 * The consumer's pollers word says whether the consumer must set its
 * wakeup word when it finds the ring empty but does not wait itself (a
 * non-blocking call). Only a poll or epoll waiter needs that: it is woken
 * through the wakeup word, and an edge-triggered one only if the word is
 * set when it next finds the ring empty, by whoever finds it so. The kernel
 * sets the pollers word while such a waiter may be queued on the
 * consumer's side and clears it once the queue is found empty, so that a
 * consumer that polls the ring without blocking never makes its producer
 * call into the kernel. The kernel only writes it and never acts on it: a
 * consumer that scribbles on it can miss only its own wake-ups.
 *
 * Why no waiter is hidden: the consumer's two words are cleared only with
 * the queue's lock held and the queue empty (mbox_ring_cons_idle()), and
 * every waiter queues itself, under that lock, before it sets them. Called
 * by poll() after poll_wait() queued it: if a clear ran before that, the
 * lock orders it before our look at the word.
 */
static void mbox_ring_pollers_seen(struct mbox_ring *ring)
{
	wait_queue_head_t *q = &ring->cons_wait;
	unsigned long flags;

	if (READ_ONCE(*ring->cons_pollers))
		return;
	spin_lock_irqsave(&q->lock, flags);
	WRITE_ONCE(*ring->cons_pollers, 1);
	spin_unlock_irqrestore(&q->lock, flags);
}

/*
 * If nobody waits on the consumer's side any more, clear its wakeup and
 * pollers words: a consumer that is not asleep must not cost its producer
 * a wake call. See mbox_ring_pollers_seen().
 */
static void mbox_ring_cons_idle(struct mbox_ring *ring)
{
	wait_queue_head_t *q = &ring->cons_wait;
	unsigned long flags;

	spin_lock_irqsave(&q->lock, flags);
	if (list_empty(&q->head)) {
		WRITE_ONCE(*ring->cons_wakeup, 0);
		WRITE_ONCE(*ring->cons_pollers, 0);
	}
	spin_unlock_irqrestore(&q->lock, flags);
}

/*
 * Wake the sleepers and pollers of the side of @role. Its word is cleared
 * first: a sleeper that finds nothing to do sets it again before it sleeps
 * again (see mbox_ring_sleep()).
 */
static void mbox_ring_wake(struct mbox_ring *ring, u32 role)
{
	if (role == MBOX_RING_PRODUCER) {
		WRITE_ONCE(*ring->prod_wakeup, 0);
		wake_up_interruptible_poll(&ring->prod_wait, EPOLLOUT | EPOLLWRNORM);
	} else {
		WRITE_ONCE(*ring->cons_wakeup, 0);
		wake_up_interruptible_poll(&ring->cons_wait, EPOLLIN | EPOLLRDNORM);
		/* The sleepers woken left the queue; pollers stay. */
		mbox_ring_cons_idle(ring);
	}
	atomic64_inc(&ring->wakeups);
}

/* Wake everyone, exclusive pollers too: the ring hung up. */
static void mbox_ring_wake_all(struct mbox_ring *ring)
{
	__poll_t key = EPOLLIN | EPOLLOUT | EPOLLHUP | EPOLLERR;

	__wake_up(&ring->cons_wait, TASK_INTERRUPTIBLE, 0, poll_to_key(key));
	__wake_up(&ring->prod_wait, TASK_INTERRUPTIBLE, 0, poll_to_key(key));
}

/*
 * The side of @role just published (a record, or freed space): wake the
 * peer if it asked, and, a producer, if what it waits for is now free. The
 * barrier orders our position store before the load of the peer's word; it
 * pairs with the one in mbox_ring_arm().
 */
static void mbox_ring_kick(struct mbox_ring *ring, u32 role)
{
	u32 need, used;

	/* Our position store before the peer's wakeup word: see above. */
	smp_mb();
	if (role == MBOX_RING_PRODUCER) {
		if (READ_ONCE(*ring->cons_wakeup))
			mbox_ring_wake(ring, MBOX_RING_CONSUMER);
		return;
	}
	need = READ_ONCE(*ring->prod_wakeup);
	if (!need)
		return;
	used = READ_ONCE(*ring->prod_pos) - READ_ONCE(*ring->cons_pos);
	if (used > ring->size || ring->size - used >= need)
		mbox_ring_wake(ring, MBOX_RING_PRODUCER);
}

/*
 * Sleep, on behalf of the side of @role, until mbox_ring_check() finds it
 * need not wait, the absolute time *@expires (never, when NULL) passes or a
 * signal comes, or at once when the request could not be made (see
 * mbox_ring_arm()). Returns 0, -ETIMEDOUT, or -ERESTARTSYS (-EINTR when
 * timed).
 *
 * Why no wake-up is lost: we queue ourselves, set our wakeup word, issue a
 * full barrier, then check the ring. The peer stores its position, issues
 * a full barrier, then loads our word (mbox_ring_kick(), or the same steps
 * in userspace before MBOX_IOC_RING_WAKE). With a full barrier between
 * each side's store and load, at least one side sees the other's store:
 * either our check sees the new position and we do not sleep, or the peer
 * sees our word and wakes the queue, which we joined before setting it. A
 * wake-up clears the word; every sleeper it woke sets it again before it
 * sleeps again. A producer's word says how much room it waits for, and the
 * peer wakes it only once that much is free: the peer computes the room
 * after its own barrier, so the same argument holds.
 */
static int mbox_ring_sleep(struct mbox_ring *ring, u32 role, u32 need,
			   ktime_t *expires)
{
	u64 slack = rt_task(current) || dl_task(current) ? 0 :
		    current->timer_slack_ns;
	wait_queue_head_t *queue = mbox_ring_queue(ring, role);
	struct mbox_ring_pos pos;
	bool timed_out = false, armed;
	DEFINE_WAIT(wait);
	int ret = 0;

	for (;;) {
		prepare_to_wait(queue, &wait, TASK_INTERRUPTIBLE);
		armed = mbox_ring_arm(ring, role, need);
		if (mbox_ring_check(ring, role, need, &pos) != MBOX_RING_WAIT)
			break;
		if (signal_pending(current)) {
			ret = expires ? -EINTR : -ERESTARTSYS;
			break;
		}
		if (timed_out) {
			ret = -ETIMEDOUT;
			break;
		}
		/* Nobody may know we wait: the caller looks again. */
		if (!armed)
			break;
		atomic_inc(&ring->sleepers);
		atomic64_inc(&ring->sleeps);
		timed_out = !schedule_hrtimeout_range(expires, slack,
						      HRTIMER_MODE_ABS);
		atomic_dec(&ring->sleepers);
	}
	finish_wait(queue, &wait);
	/* Not woken (or woken, and now looking): its request is void. */
	if (role == MBOX_RING_CONSUMER)
		mbox_ring_cons_idle(ring);
	return ret;
}

/*
 * Wait, as the side of @role, until it may go on: a record to read, @need
 * bytes free. Returns 0 with *@pos filled in, or -EAGAIN (@nonblock),
 * -EPIPE, -EUCLEAN, -ETIMEDOUT, -EINTR/-ERESTARTSYS.
 */
static int mbox_ring_wait_for(struct mbox_ring *ring, u32 role, u32 need,
			      bool nonblock, ktime_t *expires,
			      struct mbox_ring_pos *pos)
{
	enum mbox_ring_state state;
	int ret;

	for (;;) {
		state = mbox_ring_check(ring, role, need, pos);
		if (state != MBOX_RING_WAIT)
			return mbox_ring_errno(state);
		if (nonblock) {
			/*
			 * Ask to be woken all the same, and look once more:
			 * edge-triggered epoll relies on EAGAIN meaning a
			 * wake-up will come. A producer's word also tells
			 * poll() the room it waits for, so a producer always
			 * asks.
			 */
			/*
			 * A consumer asks only for its pollers: with none
			 * queued, nobody would sleep on the request. No
			 * barrier: one queued before this call is seen, one
			 * queued meanwhile asks for itself
			 * (mbox_ring_pollers_seen()).
			 */
			if (role == MBOX_RING_CONSUMER &&
			    /* See above. */
			    !waitqueue_active(&ring->cons_wait))
				return mbox_ring_errno(state);
			mbox_ring_arm(ring, role, need);
			return mbox_ring_errno(mbox_ring_check(ring, role, need,
							       pos));
		}
		ret = mbox_ring_sleep(ring, role, need, expires);
		if (ret)
			return ret;
		/* A peer flipping its position must not keep us here. */
		if (signal_pending(current))
			return expires ? -EINTR : -ERESTARTSYS;
		if (expires && ktime_after(ktime_get(), *expires))
			return -ETIMEDOUT;
		cond_resched();
	}
}

static ktime_t *mbox_ring_deadline(ktime_t *expires, bool timed, u64 ns)
{
	if (!timed)
		return NULL;
	*expires = ktime_add_safe(ktime_get(),
				  ns_to_ktime(min_t(u64, ns, KTIME_MAX)));
	return expires;
}

static bool mbox_iocb_nonblock(struct kiocb *iocb)
{
	return (iocb->ki_filp->f_flags & O_NONBLOCK) ||
	       (iocb->ki_flags & IOCB_NOWAIT);
}

/*
 * write(): the kernel produces one record. It waits for room like a
 * producer would, and its record is a record like any other.
 */
static ssize_t mbox_ring_write_iter(struct mbox_obj *obj, struct kiocb *iocb,
				    struct iov_iter *from)
{
	struct mbox_ring *ring = to_ring(obj);
	size_t len = iov_iter_count(from);
	struct mbox_ring_pos pos;
	struct mbox_ring_hdr *hdr;
	u32 total;
	int ret;

	if (mbox_file_role(iocb->ki_filp) != MBOX_RING_PRODUCER)
		return -EBADF;
	if (!len)
		return -EINVAL;
	if (len > mbox_rec_max(ring))
		return -EMSGSIZE;
	total = MBOX_RING_REC_SIZE(len);

	if (mutex_lock_interruptible(&ring->prod_mutex))
		return -ERESTARTSYS;
	ret = mbox_ring_wait_for(ring, MBOX_RING_PRODUCER, total,
				 mbox_iocb_nonblock(iocb), NULL, &pos);
	if (ret)
		goto out;
	/* Offsets are masked and a record is at most size bytes: in bounds. */
	hdr = (void *)(ring->data + (pos.prod & (ring->size - 1)));
	if (!copy_from_iter_full(hdr + 1, len, from)) {
		ret = -EFAULT;
		goto out;
	}
	WRITE_ONCE(hdr->len, len);
	WRITE_ONCE(hdr->flags, 0);
	/* Pairs with the consumer's load-acquire of prod: the record first. */
	smp_store_release(ring->prod_pos, pos.prod + total);
	mbox_ring_kick(ring, MBOX_RING_PRODUCER);
	ret = len;
out:
	mutex_unlock(&ring->prod_mutex);
	return ret;
}

/*
 * read(): the kernel consumes one record, checking its header against the
 * positions; a record too long for the buffer stays (EMSGSIZE).
 */
static ssize_t mbox_ring_read_iter(struct mbox_obj *obj, struct kiocb *iocb,
				   struct iov_iter *to)
{
	struct mbox_ring *ring = to_ring(obj);
	struct mbox_ring_pos pos;
	struct mbox_ring_hdr *hdr;
	u32 len, flags;
	int ret;

	if (mbox_file_role(iocb->ki_filp) != MBOX_RING_CONSUMER)
		return -EBADF;

	if (mutex_lock_interruptible(&ring->cons_mutex))
		return -ERESTARTSYS;
	ret = mbox_ring_wait_for(ring, MBOX_RING_CONSUMER, 0,
				 mbox_iocb_nonblock(iocb), NULL, &pos);
	if (ret)
		goto out;
	hdr = (void *)(ring->data + (pos.cons & (ring->size - 1)));
	len = READ_ONCE(hdr->len);
	flags = READ_ONCE(hdr->flags);
	if (!len || len > mbox_rec_max(ring) || flags ||
	    MBOX_RING_REC_SIZE(len) > pos.prod - pos.cons) {
		ret = -EBADMSG;
		goto out;
	}
	if (iov_iter_count(to) < len) {
		ret = -EMSGSIZE;
		goto out;
	}
	/* The producer may scribble over it meanwhile; we stay in bounds. */
	if (copy_to_iter(hdr + 1, len, to) != len) {
		ret = -EFAULT;
		goto out;
	}
	/* Pairs with the producer's load-acquire of cons: done reading first. */
	smp_store_release(ring->cons_pos, pos.cons + MBOX_RING_REC_SIZE(len));
	mbox_ring_kick(ring, MBOX_RING_CONSUMER);
	ret = len;
out:
	mutex_unlock(&ring->cons_mutex);
	return ret;
}

/*
 * poll: what a non-blocking read() or write() would find, by the same check
 * (mbox_ring_check()). A consumer (or observer) is readable while a record
 * is there; a producer writable while the smallest room its side's waiters
 * asked for (the wakeup word; at least a small record) is free, so for a
 * write() of a record that size. A consumer or producer that is not ready
 * asks to be woken, as a sleeper does. An observer does not: it can neither consume nor set a
 * word, so it is woken only when the consumer is; observers are for
 * looking, not waiting.
 */
static __poll_t mbox_ring_poll(struct mbox_obj *obj, struct file *file,
			       poll_table *pt)
{
	struct mbox_ring *ring = to_ring(obj);
	u32 role = mbox_file_role(file), side, need = 0;
	enum mbox_ring_state state;
	struct mbox_ring_pos pos;
	__poll_t mask = 0;

	side = role == MBOX_RING_PRODUCER ? MBOX_RING_PRODUCER : MBOX_RING_CONSUMER;
	poll_wait(file, mbox_ring_queue(ring, side), pt);
	/* Queued now (and until poll() returns, or epoll lets go). */
	if (side == MBOX_RING_CONSUMER && !poll_does_not_wait(pt))
		mbox_ring_pollers_seen(ring);
	if (side == MBOX_RING_PRODUCER)
		need = max_t(u32, READ_ONCE(*ring->prod_wakeup), MBOX_RING_MIN_REC);

	/* The same check as a non-blocking read() or write() of @need. */
	state = mbox_ring_check(ring, side, need, &pos);
	if (state == MBOX_RING_WAIT && role != MBOX_RING_OBSERVER) {
		mbox_ring_arm(ring, side, need);
		state = mbox_ring_check(ring, side, need, &pos);
	}
	switch (state) {
	case MBOX_RING_READY:
		mask = side == MBOX_RING_PRODUCER ? EPOLLOUT | EPOLLWRNORM :
						    EPOLLIN | EPOLLRDNORM;
		/* As for a pipe: HUP, with IN while records remain. */
		if (side == MBOX_RING_CONSUMER && pos.hung_up)
			mask |= EPOLLHUP;
		break;
	case MBOX_RING_HUNG_UP:
		if (side == MBOX_RING_CONSUMER) {
			mask = EPOLLHUP;
			break;
		}
		/* As for a pipe: ERR, with OUT while there is room. */
		mask = EPOLLERR;
		if (ring->size - (pos.prod - pos.cons) >= need)
			mask |= EPOLLOUT | EPOLLWRNORM;
		break;
	case MBOX_RING_BROKEN:
		mask = EPOLLERR;
		break;
	case MBOX_RING_WAIT:
		break;
	}
	return mask;
}

static long mbox_ring_ioctl_wait(struct mbox_ring *ring, struct file *file,
				 const struct mbox_ring_wait *kargs)
{
	struct mbox_ring_wait args = *kargs;
	u32 role = mbox_file_role(file);
	struct mbox_ring_pos pos;
	ktime_t expires;

	if (args.flags & ~MBOX_RING_WAIT_TIMEOUT ||
	    memchr_inv(args.reserved, 0, sizeof(args.reserved)))
		return -EINVAL;
	if (role == MBOX_RING_OBSERVER)
		return -EBADF;
	if (role == MBOX_RING_PRODUCER ? args.need > ring->size : args.need)
		return -EINVAL;

	return mbox_ring_wait_for(ring, role, args.need, false,
				  mbox_ring_deadline(&expires,
						     args.flags & MBOX_RING_WAIT_TIMEOUT,
						     args.timeout_ns),
				  &pos);
}

/* MBOX_IOC_RING_WAKE: the caller published; wake its peer. */
static long mbox_ring_ioctl_wake(struct mbox_ring *ring, struct file *file,
				 unsigned long arg)
{
	u32 role = mbox_file_role(file);

	if (arg)
		return -EINVAL;
	if (role == MBOX_RING_PRODUCER)
		mbox_ring_wake(ring, MBOX_RING_CONSUMER);
	else if (role == MBOX_RING_CONSUMER)
		mbox_ring_wake(ring, MBOX_RING_PRODUCER);
	else
		return -EBADF;
	return 0;
}

static long mbox_ring_ioctl_stat(struct mbox_ring *ring,
				 const struct mbox_ring_stat *kargs,
				 struct mbox_ring_stat __user *uargs)
{
	struct user_namespace *ns = current_user_ns();
	struct mbox_ring_stat st = *kargs;

	if (st.flags || memchr_inv(st.reserved, 0, sizeof(st.reserved)))
		return -EINVAL;

	memset(&st, 0, sizeof(st));
	st.size = ring->size;
	st.mode = ring->obj.mode;
	st.uid = from_kuid_munged(ns, ring->obj.uid);
	st.gid = from_kgid_munged(ns, ring->obj.gid);
	st.prod = READ_ONCE(*ring->prod_pos);
	st.cons = READ_ONCE(*ring->cons_pos);
	spin_lock(&ring->lock);
	st.state = ring->unlinked ? MBOX_STATE_UNLINKED : 0;
	if (!ring->obj.name)
		st.state |= MBOX_STATE_ANON;
	st.producer = !!ring->producer;
	st.consumer = !!ring->consumer;
	st.observers = ring->observers;
	spin_unlock(&ring->lock);
	st.sleepers = atomic_read(&ring->sleepers);
	st.sleeps = atomic64_read(&ring->sleeps);
	st.wakeups = atomic64_read(&ring->wakeups);

	if (copy_to_user(uargs, &st, sizeof(st)))
		return -EFAULT;
	return 0;
}

static long mbox_ring_ioctl(struct mbox_obj *obj, struct file *file,
			    unsigned int cmd, void *karg, void __user *uarg)
{
	struct mbox_ring *ring = to_ring(obj);

	switch (cmd) {
	case MBOX_IOC_RING_WAIT:
		return mbox_ring_ioctl_wait(ring, file, karg);
	case MBOX_IOC_RING_WAKE:
		return mbox_ring_ioctl_wake(ring, file, (unsigned long)uarg);
	case MBOX_IOC_RING_STAT:
		return mbox_ring_ioctl_stat(ring, karg, uarg);
	default:
		return -ENOTTY;
	}
}

/*
 * mmap(): the pages of the vmap, from the offset asked for. A role may map
 * writable only the pages it writes: the consumer its page, the producer
 * its page and the data. Other mappings are read-only for good (no
 * VM_MAYWRITE, so mprotect() cannot change that).
 *
 * Who may map at all: the producer and the consumer each write a page of
 * their own and read the rest, so their descriptor must be open O_RDWR,
 * whatever protection this one mapping asks for: a side that cannot
 * publish its position through a mapping consumes or produces with read()
 * or write() instead. An observer only reads: O_RDONLY or O_RDWR. The
 * VFS already refuses a mapping of an O_WRONLY descriptor and a writable
 * shared one of an O_RDONLY descriptor; the O_RDONLY producer and
 * O_WRONLY observer never bind. What is left to refuse here is the
 * O_RDONLY consumer.
 */
static int mbox_ring_mmap(struct mbox_obj *obj, struct file *file,
			  struct vm_area_struct *vma)
{
	struct mbox_file *mf = file->private_data;
	struct mbox_ring *ring = to_ring(obj);
	unsigned long total = 2 + 2UL * ring->nr_data;
	unsigned long first = vma->vm_pgoff, pages = vma_pages(vma);
	unsigned long wfirst = 0, wend = 0;

	/* MAP_SHARED (a read-only file's shared mapping lacks VM_SHARED). */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (!mf->may_map)
		return -EACCES;
	if (mf->role != MBOX_RING_OBSERVER &&
	    (file->f_mode & (FMODE_READ | FMODE_WRITE)) !=
	    (FMODE_READ | FMODE_WRITE))
		return -EACCES;
	if (first >= total || pages > total - first)
		return -EINVAL;
	/* Nothing in a ring is code. */
	if (vma->vm_flags & VM_EXEC)
		return -EACCES;
	vm_flags_clear(vma, VM_MAYEXEC);
	switch (mbox_file_role(file)) {
	case MBOX_RING_CONSUMER:
		wfirst = 0;
		wend = 1;
		break;
	case MBOX_RING_PRODUCER:
		wfirst = 1;
		wend = total;
		break;
	}
	if (first < wfirst || first + pages > wend) {
		if (vma->vm_flags & VM_WRITE)
			return -EACCES;
		vm_flags_clear(vma, VM_MAYWRITE);
	}
	return remap_vmalloc_range(vma, ring->base, first);
}

/*
 * A descriptor binds in a role. The producer and consumer roles are held
 * by one file each; the file's role is recorded for its later calls. A
 * mapping shows the data, so only an opener with read permission may map
 * the ring: a producer without it produces through write(), as shmat(2)
 * asks for both permissions for a mapping that may write.
 */
static int mbox_ring_attach(struct mbox_obj *obj, struct file *file,
			    const struct mbox_open_req *req)
{
	struct mbox_file *mf = file->private_data;
	struct mbox_ring *ring = to_ring(obj);
	bool may_map = !mbox_obj_permission(obj, FMODE_READ);
	int ret = 0;

	spin_lock(&ring->lock);
	switch (req->role) {
	case MBOX_RING_PRODUCER:
		if (ring->producer)
			ret = -EBUSY;
		else
			WRITE_ONCE(ring->producer, file);
		break;
	case MBOX_RING_CONSUMER:
		if (ring->consumer)
			ret = -EBUSY;
		else
			WRITE_ONCE(ring->consumer, file);
		break;
	default:
		ring->observers++;
		break;
	}
	spin_unlock(&ring->lock);
	if (!ret) {
		mf->role = req->role;
		mf->may_map = may_map;
	}
	return ret;
}

static void mbox_ring_detach(struct mbox_obj *obj, struct file *file)
{
	struct mbox_ring *ring = to_ring(obj);
	bool hangup = false;

	spin_lock(&ring->lock);
	/*
	 * The role goes free with a store-release: a peer that sees it free
	 * sees the side's last position too (see mbox_ring_check()).
	 */
	switch (mbox_file_role(file)) {
	case MBOX_RING_PRODUCER:
		/* Pairs with smp_rmb() in mbox_ring_check(). */
		smp_store_release(&ring->producer, NULL);
		hangup = ring->unlinked;
		break;
	case MBOX_RING_CONSUMER:
		/* Pairs with smp_rmb() in mbox_ring_check(). */
		smp_store_release(&ring->consumer, NULL);
		hangup = ring->unlinked;
		break;
	default:
		ring->observers--;
		break;
	}
	spin_unlock(&ring->lock);
	/* Nobody can take the role again: its peer's sleepers must hear. */
	if (hangup)
		mbox_ring_wake_all(ring);
}

static void mbox_ring_unlinked(struct mbox_obj *obj)
{
	struct mbox_ring *ring = to_ring(obj);

	spin_lock(&ring->lock);
	WRITE_ONCE(ring->unlinked, true);
	spin_unlock(&ring->lock);
	mbox_ring_wake_all(ring);
}

/* For MBOX_IOC_LIST: no message count; the bytes in use, as shared now. */
static void mbox_ring_usage(struct mbox_obj *obj, u32 *queued,
			    u64 *queued_bytes)
{
	struct mbox_ring *ring = to_ring(obj);
	u32 used = READ_ONCE(*ring->prod_pos) - READ_ONCE(*ring->cons_pos);

	*queued = 0;
	*queued_bytes = min(used, ring->size);
}

static void mbox_ring_free_pages(struct mbox_ring *ring)
{
	u32 i;

	if (ring->base)
		vunmap(ring->base);
	for (i = 0; ring->pages && i < 2 + ring->nr_data; i++) {
		if (ring->pages[i])
			__free_page(ring->pages[i]);
	}
	kvfree(ring->pages);
}

static void mbox_ring_release(struct mbox_obj *obj)
{
	struct mbox_ring *ring = to_ring(obj);

	mbox_ring_free_pages(ring);
	if (ring->charged) {
		mbox_user_uncharge_bytes(ring->charged, ring->charge);
		mbox_user_put(ring->charged);
	}
	kfree(ring);
}

static const struct mbox_obj_ops mbox_ring_ops = {
	.type		= MBOX_TYPE_RING,
	.attach		= mbox_ring_attach,
	.detach		= mbox_ring_detach,
	.unlinked	= mbox_ring_unlinked,
	.release	= mbox_ring_release,
	.usage		= mbox_ring_usage,
	.read_iter	= mbox_ring_read_iter,
	.write_iter	= mbox_ring_write_iter,
	.poll		= mbox_ring_poll,
	.ioctl		= mbox_ring_ioctl,
	.mmap		= mbox_ring_mmap,
};

/* Allocate the pages one by one and map them as the layout says. */
static int mbox_ring_map(struct mbox_ring *ring)
{
	u32 nr = 2 + ring->nr_data, i;
	struct page **map;

	ring->pages = mbox_kvalloc(array_size(nr, sizeof(*ring->pages)),
				   GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!ring->pages)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		ring->pages[i] = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
		if (!ring->pages[i])
			return -ENOMEM;
	}
	map = kvcalloc(nr + ring->nr_data, sizeof(*map), GFP_KERNEL);
	if (!map)
		return -ENOMEM;
	memcpy(map, ring->pages, nr * sizeof(*map));
	memcpy(map + nr, ring->pages + 2, ring->nr_data * sizeof(*map));
	ring->base = vmap(map, nr + ring->nr_data, VM_MAP | VM_USERMAP,
			  PAGE_KERNEL);
	kvfree(map);
	if (!ring->base)
		return -ENOMEM;

	ring->cons_pos = ring->base + MBOX_RING_POS_OFF;
	ring->cons_wakeup = ring->base + MBOX_RING_WAKEUP_OFF;
	ring->cons_pollers = ring->base + MBOX_RING_POLLERS_OFF;
	ring->prod_pos = ring->base + PAGE_SIZE + MBOX_RING_POS_OFF;
	ring->prod_wakeup = ring->base + PAGE_SIZE + MBOX_RING_WAKEUP_OFF;
	ring->data = ring->base + 2 * PAGE_SIZE;
	return 0;
}

/*
 * Check a new ring's attributes, only when one is created (as mq_open(3)
 * does): @mode, and @size (0 for the default) made effective in place.
 * ring_size_max is read once.
 */
static int mbox_ring_attrs(u32 mode, u32 *size)
{
	u32 size_max = mbox_limit(MBOX_LIMIT_RING_SIZE_MAX);

	if (mode & ~0777)
		return -EINVAL;
	if (!*size) {
		*size = min_t(u32, MBOX_RING_SIZE_DEFAULT,
			      rounddown_pow_of_two(size_max));
		return 0;
	}
	if (!is_power_of_2(*size) || *size < PAGE_SIZE || *size > size_max)
		return -EINVAL;
	return 0;
}

static struct mbox_obj *mbox_ring_create(const struct mbox_open_req *req)
{
	struct mbox_ring *ring;
	u32 size = req->size;
	int ret;

	ret = mbox_ring_attrs(req->mode, &size);
	if (ret)
		return ERR_PTR(ret);
	ring = kzalloc(sizeof(*ring), GFP_KERNEL_ACCOUNT);
	if (!ring)
		return ERR_PTR(-ENOMEM);
	mbox_obj_init(&ring->obj, &mbox_ring_ops);
	ring->size = size;
	ring->nr_data = size >> PAGE_SHIFT;
	spin_lock_init(&ring->lock);
	mutex_init(&ring->prod_mutex);
	mutex_init(&ring->cons_mutex);
	init_waitqueue_head(&ring->cons_wait);
	init_waitqueue_head(&ring->prod_wait);

	/*
	 * Its memory counts against its creator's byte quota: the pages, the
	 * page array, the vmap of 2 + 2 * nr_data pages and this structure.
	 * (The temporary map array is freed before the call returns.)
	 */
	ret = -ENOMEM;
	ring->charged = mbox_user_get_current();
	if (!ring->charged)
		goto err;
	ring->charge = ((size_t)(2 + ring->nr_data) << PAGE_SHIFT) +
		mbox_kvalloc_cost((2 + ring->nr_data) * sizeof(*ring->pages)) +
		mbox_vmap_cost() + kmalloc_size_roundup(sizeof(*ring));
	ret = mbox_user_charge_bytes(ring->charged, req->file, ring->charge);
	if (ret) {
		mbox_user_put(ring->charged);
		ring->charged = NULL;
		goto err;
	}
	ret = mbox_ring_map(ring);
	if (ret)
		goto err;
	return &ring->obj;
err:
	mbox_ring_release(&ring->obj);
	return ERR_PTR(ret);
}

/* An anonymous ring (MBOX_IOC_PIPE), as @req asks; its memory charged as usual. */
struct mbox_obj *mbox_ring_create_anon(const struct mbox_open_req *req)
{
	return mbox_ring_create(req);
}

void mbox_ring_layout(struct mbox_obj *obj, struct mbox_ring_layout *layout)
{
	struct mbox_ring *ring = to_ring(obj);

	memset(layout, 0, sizeof(*layout));
	layout->mmap_size = (u64)(2 + 2 * ring->nr_data) << PAGE_SHIFT;
	layout->data_size = ring->size;
	layout->rec_max = mbox_rec_max(ring);
	layout->cons_off = 0;
	layout->prod_off = PAGE_SIZE;
	layout->data_off = 2 * PAGE_SIZE;
	layout->pos_off = MBOX_RING_POS_OFF;
	layout->wakeup_off = MBOX_RING_WAKEUP_OFF;
	layout->pollers_off = MBOX_RING_POLLERS_OFF;
}

/*
 * Check MBOX_IOC_RING_OPEN and fill in @req: the flags, reserved fields and
 * role here; the attributes when the ring is created (mbox_ring_create()).
 */
int mbox_ring_open_req(struct mbox_open_req *req,
		       const struct mbox_ring_open *args)
{
	fmode_t fmode = req->file->f_mode;

	if (args->flags & ~(MBOX_OPEN_CREATE | MBOX_OPEN_EXCL) ||
	    memchr_inv(args->reserved, 0, sizeof(args->reserved)) ||
	    memchr_inv(&args->layout, 0, sizeof(args->layout)))
		return -EINVAL;
	if ((args->flags & MBOX_OPEN_EXCL) && !(args->flags & MBOX_OPEN_CREATE))
		return -EINVAL;
	switch (args->role) {
	case MBOX_RING_PRODUCER:
		if (!(fmode & FMODE_WRITE))
			return -EBADF;
		req->fmode = FMODE_WRITE;
		break;
	case MBOX_RING_CONSUMER:
	case MBOX_RING_OBSERVER:
		if (!(fmode & FMODE_READ))
			return -EBADF;
		req->fmode = FMODE_READ;
		break;
	default:
		return -EINVAL;
	}

	req->type = MBOX_TYPE_RING;
	req->flags = args->flags;
	req->role = args->role;
	req->create = mbox_ring_create;
	req->mode = args->mode;
	req->size = args->size;
	return 0;
}
