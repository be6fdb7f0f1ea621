/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What mailbox.c and inbox.c share. An inbox is a mailbox without a name
 * that belongs to a process; everything else about the two is the same.
 */
#ifndef _MBOX_MAILBOX_H
#define _MBOX_MAILBOX_H

#include <linux/list.h>
#include <linux/pid.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <linux/mbox.h>

#include "mbox.h"

struct mbox_mailbox {
	struct mbox_obj obj;
	/* Set at creation. */
	u32 capacity;			/* in messages; 0 if unbounded/rendezvous */
	u32 msg_size;
	u32 open_flags;			/* MBOX_OPEN_UNBOUNDED, _RENDEZVOUS */
	/* An inbox's (inbox.c); owner is NULL for a named mailbox. */
	struct pid *owner;		/* its thread group */
	u64 exec_id;			/* its self_exec_id when it opted in */
	struct wait_queue_entry exit_wait;	/* on owner->wait_pidfd */
	struct work_struct exit_work;
	bool exit_hooked;		/* exit_wait is queued */
	/* In mbox_inboxes while the inbox lives, under mbox_inboxes_lock. */
	struct hlist_node inbox_node;

	spinlock_t lock;		/* protects everything below */
	/*
	 * Queued messages, oldest first, one list per priority: an array of
	 * MBOX_PRIO_MAX heads, allocated by the first send (so that an empty
	 * mailbox stays small); NULL until then, when nothing can be queued.
	 */
	struct list_head *msgs;
	unsigned long prio_map;		/* bit p set: msgs[p] not empty */
	u32 queued;
	u64 queued_bytes;
	struct list_head senders;	/* blocked for room, in arrival order */
	/* Synchronous senders whose message is queued, waiting for it to go. */
	struct list_head syncs;
	struct list_head receivers;	/* blocked receivers and peekers */
	u32 nr_senders;
	u32 nr_syncs;
	u32 nr_receivers;
	u32 readers;			/* bound descriptors that may receive */
	u32 writers;			/* ... that may send */
	/*
	 * No new descriptor can bind: set when a named mailbox's name goes,
	 * and when an inbox dies (an inbox also sets @dead).
	 */
	bool unlinked;
	bool dead;
	u64 sent;
	u64 received;
	u64 sent_bytes;
	u64 received_bytes;
	u64 arrivals;			/* messages that entered, for their order */

	wait_queue_head_t poll_wait;
};

static inline struct mbox_mailbox *to_mailbox(struct mbox_obj *obj)
{
	return container_of(obj, struct mbox_mailbox, obj);
}

/* mailbox.c */
struct mbox_mailbox *mbox_mailbox_alloc(const struct mbox_obj_ops *ops,
					u32 open_flags, u32 capacity,
					u32 msg_size);
int mbox_mailbox_attrs(u32 flags, u32 mode, u32 *capacity, u32 *msg_size);
void mbox_mailbox_kill(struct mbox_mailbox *mb);

ssize_t mbox_mailbox_read_iter(struct mbox_obj *obj, struct kiocb *iocb,
			       struct iov_iter *to);
ssize_t mbox_mailbox_write_iter(struct mbox_obj *obj, struct kiocb *iocb,
				struct iov_iter *from);
__poll_t mbox_mailbox_poll(struct mbox_obj *obj, struct file *file,
			   poll_table *pt);
long mbox_mailbox_ioctl(struct mbox_obj *obj, struct file *file,
			unsigned int cmd, void *karg, void __user *uarg);
void mbox_mailbox_usage(struct mbox_obj *obj, u32 *queued, u64 *queued_bytes);
void mbox_mailbox_attach(struct mbox_obj *obj, fmode_t fmode);
void mbox_mailbox_release(struct mbox_obj *obj);

/* inbox.c */
struct mbox_mailbox *mbox_inbox_get(pid_t nr);

#endif /* _MBOX_MAILBOX_H */
