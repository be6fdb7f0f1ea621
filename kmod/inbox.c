// SPDX-License-Identifier: GPL-2.0
/*
 * Inboxes: direct communication between processes.
 *
 * A process opts in by binding a descriptor (with read access) to its
 * inbox, which is created the first time; from then on anyone with write
 * permission on the inbox can send(P) to it by pid (MBOX_SEND_TO_PID), with
 * no name in between. An inbox is a mailbox in every other respect.
 *
 * An inbox belongs to one program run of one process: it dies, dropping its
 * queued messages and failing its blocked senders with ESRCH, when
 *  - the process exits: the inbox waits on the exit notification of the
 *    process's struct pid (the one pidfds poll), whichever process holds
 *    its descriptors by then;
 *  - the process execs: a new program must not inherit messages meant for
 *    the old one, nor let a descriptor the old one passed on read its own.
 *    Exec sends no notification, so this is checked whenever the inbox is
 *    looked up (every send by pid), on every operation on a descriptor
 *    bound to it, and when the process opts in again;
 *  - the last descriptor bound to it is released (a descriptor a child
 *    inherited counts as much as the owner's own).
 * A descriptor still bound to a dead inbox sees a hang-up: receives fail
 * with EPIPE, sends with ESRCH. Opting in again makes a new inbox.
 *
 * mbox_inboxes maps each live inbox's owner (the struct pid of its thread
 * group) to it. mbox_inboxes_lock protects the table and serializes
 * binding (attach) and unbinding (detach) of inbox descriptors with a death,
 * so nothing binds to a dying inbox. An inbox in the table always has a
 * bound descriptor, hence a reference: a lookup may take another one.
 */

#include <linux/hashtable.h>
#include <linux/ipc_namespace.h>
#include <linux/nsproxy.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "mailbox.h"

static DEFINE_HASHTABLE(mbox_inboxes, 8);
static DEFINE_SPINLOCK(mbox_inboxes_lock);	/* protects mbox_inboxes */

/* Is @mb's owner still alive, and still running the program that opted in? */
static bool mbox_inbox_owner_alive(struct mbox_mailbox *mb)
{
	struct task_struct *task;
	bool alive;

	rcu_read_lock();
	task = pid_task(mb->owner, PIDTYPE_TGID);
	alive = task && !thread_group_exited(mb->owner) &&
		!(READ_ONCE(task->signal->flags) & SIGNAL_GROUP_EXIT) &&
		READ_ONCE(task->self_exec_id) == mb->exec_id;
	rcu_read_unlock();
	return alive;
}

static struct mbox_mailbox *mbox_inbox_find(struct pid *owner)
{
	struct mbox_mailbox *mb;

	lockdep_assert_held(&mbox_inboxes_lock);
	hash_for_each_possible(mbox_inboxes, mb, inbox_node,
			       (unsigned long)owner) {
		if (mb->owner == owner)
			return mb;
	}
	return NULL;
}

/* Take @mb out of the table; returns whether it was there (alive). */
static bool mbox_inbox_unhash(struct mbox_mailbox *mb)
{
	bool alive;

	lockdep_assert_held(&mbox_inboxes_lock);
	alive = hash_hashed(&mb->inbox_node);
	if (alive)
		hash_del(&mb->inbox_node);
	return alive;
}

/* The inbox dies, if it has not yet. */
static void mbox_inbox_die(struct mbox_mailbox *mb)
{
	bool dying;

	spin_lock(&mbox_inboxes_lock);
	dying = mbox_inbox_unhash(mb);
	spin_unlock(&mbox_inboxes_lock);
	if (dying)
		mbox_mailbox_kill(mb);
}

/*
 * Is process @pid in the caller's IPC namespace? An inbox belongs to its
 * process's IPC namespace, as a POSIX message queue does: a sender in
 * another one does not see it. RCU read side.
 */
static bool mbox_inbox_same_ipc_ns(struct pid *pid)
{
	struct task_struct *task = pid_task(pid, PIDTYPE_TGID);
	bool same = false;

	if (!task)
		return false;
	task_lock(task);
	/* NULL once the task has exited. */
	if (task->nsproxy)
		same = task->nsproxy->ipc_ns == current->nsproxy->ipc_ns;
	task_unlock(task);
	return same;
}

/*
 * The inbox of process @nr, a pid in the caller's pid namespace, with a
 * reference; ERR_PTR(-ESRCH) when there is none: no such process, it never
 * opted in, it exec'd since, its inbox died, or it is in another IPC
 * namespace than the caller.
 */
struct mbox_mailbox *mbox_inbox_get(pid_t nr)
{
	struct mbox_mailbox *mb = NULL;
	struct pid *pid;

	rcu_read_lock();
	pid = find_vpid(nr);
	if (pid && mbox_inbox_same_ipc_ns(pid)) {
		spin_lock(&mbox_inboxes_lock);
		mb = mbox_inbox_find(pid);
		if (mb)
			mbox_obj_get(&mb->obj);
		spin_unlock(&mbox_inboxes_lock);
	}
	rcu_read_unlock();
	if (!mb)
		return ERR_PTR(-ESRCH);
	if (!mbox_inbox_owner_alive(mb)) {
		mbox_inbox_die(mb);
		mbox_obj_put(&mb->obj);
		return ERR_PTR(-ESRCH);
	}
	return mb;
}

/*
 * The owner's struct pid was notified of an exit (wait_pidfd). We run under
 * that wait queue's lock, so the work is deferred; release cancels it.
 */
static int mbox_inbox_exit_wake(struct wait_queue_entry *wait,
				unsigned int mode, int sync, void *key)
{
	struct mbox_mailbox *mb = container_of(wait, struct mbox_mailbox,
					       exit_wait);

	schedule_work(&mb->exit_work);
	return 0;
}

static void mbox_inbox_exit_work(struct work_struct *work)
{
	struct mbox_mailbox *mb = container_of(work, struct mbox_mailbox,
					       exit_work);

	/* A ptraced leader notifies its tracer too: check the group is gone. */
	if (!mbox_inbox_owner_alive(mb))
		mbox_inbox_die(mb);
}

static void mbox_inbox_detach(struct mbox_obj *obj, struct file *file)
{
	struct mbox_mailbox *mb = to_mailbox(obj);
	fmode_t fmode = file->f_mode;
	bool last, dying = false;

	spin_lock(&mbox_inboxes_lock);
	spin_lock(&mb->lock);
	if (fmode & FMODE_READ)
		mb->readers--;
	if (fmode & FMODE_WRITE)
		mb->writers--;
	/*
	 * Every inbox descriptor may read, so this was the last one when no
	 * reader is left. No hang-up check is needed before that: the owner
	 * can always send to itself by pid.
	 */
	last = !mb->readers;
	spin_unlock(&mb->lock);
	if (last)
		dying = mbox_inbox_unhash(mb);
	spin_unlock(&mbox_inboxes_lock);
	if (dying)
		mbox_mailbox_kill(mb);
}

static void mbox_inbox_release(struct mbox_obj *obj)
{
	struct mbox_mailbox *mb = to_mailbox(obj);

	if (mb->exit_hooked) {
		remove_wait_queue(&mb->owner->wait_pidfd, &mb->exit_wait);
		cancel_work_sync(&mb->exit_work);
	}
	mbox_mailbox_release(obj);
}

/*
 * Exec sends no notification, so every operation on an inbox descriptor
 * first checks that its owner still runs the program that opted in: one
 * the old program left behind (with a child, or without O_CLOEXEC) sees the
 * hang-up from then on, whether or not anyone has sent since.
 */
static struct mbox_mailbox *mbox_inbox_checked(struct mbox_obj *obj)
{
	struct mbox_mailbox *mb = to_mailbox(obj);

	if (!mbox_inbox_owner_alive(mb))
		mbox_inbox_die(mb);
	return mb;
}

static ssize_t mbox_inbox_read_iter(struct mbox_obj *obj, struct kiocb *iocb,
				    struct iov_iter *to)
{
	return mbox_mailbox_read_iter(&mbox_inbox_checked(obj)->obj, iocb, to);
}

static ssize_t mbox_inbox_write_iter(struct mbox_obj *obj, struct kiocb *iocb,
				     struct iov_iter *from)
{
	return mbox_mailbox_write_iter(&mbox_inbox_checked(obj)->obj, iocb,
				       from);
}

static __poll_t mbox_inbox_poll(struct mbox_obj *obj, struct file *file,
				poll_table *pt)
{
	return mbox_mailbox_poll(&mbox_inbox_checked(obj)->obj, file, pt);
}

/*
 * Every command on an inbox comes here, whether through a descriptor bound
 * to it or as a send by pid through any descriptor (main.c's dispatcher).
 */
static long mbox_inbox_ioctl(struct mbox_obj *obj, struct file *file,
			     unsigned int cmd, void *karg, void __user *uarg)
{
	return mbox_mailbox_ioctl(&mbox_inbox_checked(obj)->obj, file, cmd,
				  karg, uarg);
}

/*
 * Inboxes bind through mbox_inbox_open(), never through the registry. An
 * inbox cannot be mapped: no .mmap, and mmap() fails with ENODEV as on a
 * mailbox.
 */
static const struct mbox_obj_ops mbox_inbox_ops = {
	.type		= MBOX_TYPE_MAILBOX,
	.detach		= mbox_inbox_detach,
	.release	= mbox_inbox_release,
	.usage		= mbox_mailbox_usage,
	.read_iter	= mbox_inbox_read_iter,
	.write_iter	= mbox_inbox_write_iter,
	.poll		= mbox_inbox_poll,
	.ioctl		= mbox_inbox_ioctl,
};

/*
 * Find the caller's live inbox and attach a descriptor to it. One left by
 * the program the process ran before its last exec dies instead.
 */
static struct mbox_mailbox *mbox_inbox_attach(struct pid *owner, fmode_t fmode)
{
	struct mbox_mailbox *mb, *stale = NULL;

	spin_lock(&mbox_inboxes_lock);
	mb = mbox_inbox_find(owner);
	if (mb && mb->exec_id != current->self_exec_id) {
		mbox_inbox_unhash(mb);
		stale = mb;
		mb = NULL;
	}
	if (mb) {
		mbox_obj_get(&mb->obj);
		mbox_mailbox_attach(&mb->obj, fmode);
	}
	spin_unlock(&mbox_inboxes_lock);
	if (stale)
		mbox_mailbox_kill(stale);
	return mb;
}

/*
 * MBOX_IOC_OPEN with MBOX_OPEN_INBOX: bind a descriptor with access @fmode
 * to the caller's inbox, creating it with @args' attributes the first time.
 * The attributes are checked only then: binding to the inbox that exists
 * ignores them, whatever the limits are now (mq_open(3)). Returns it with a
 * reference, or an ERR_PTR: EINVAL, ENOSPC, ENOMEM.
 */
struct mbox_obj *mbox_inbox_open(const struct mbox_open *args, fmode_t fmode)
{
	struct pid *owner = task_tgid(current);
	u32 capacity = args->capacity, msg_size = args->msg_size;
	struct mbox_mailbox *mb, *new;
	int ret;

	if (args->name ||
	    args->flags & ~(MBOX_OPEN_INBOX | MBOX_OPEN_UNBOUNDED |
			    MBOX_OPEN_RENDEZVOUS) ||
	    (args->flags & MBOX_OPEN_UNBOUNDED &&
	     args->flags & MBOX_OPEN_RENDEZVOUS) ||
	    memchr_inv(args->reserved, 0, sizeof(args->reserved)) ||
	    !(fmode & FMODE_READ))
		return ERR_PTR(-EINVAL);

	mb = mbox_inbox_attach(owner, fmode);
	if (mb)
		return &mb->obj;

	ret = mbox_mailbox_attrs(args->flags, args->mode, &capacity, &msg_size);
	if (ret)
		return ERR_PTR(ret);

	new = mbox_mailbox_alloc(&mbox_inbox_ops, args->flags, capacity,
				 msg_size);
	if (!new)
		return ERR_PTR(-ENOMEM);
	ret = mbox_obj_init_anon(&new->obj, args->mode);
	if (ret)
		return ERR_PTR(ret);
	new->owner = get_pid(owner);
	new->exec_id = current->self_exec_id;
	INIT_WORK(&new->exit_work, mbox_inbox_exit_work);
	init_waitqueue_func_entry(&new->exit_wait, mbox_inbox_exit_wake);
	add_wait_queue(&owner->wait_pidfd, &new->exit_wait);
	new->exit_hooked = true;

	/* Another thread of the process may have opted in meanwhile. */
	spin_lock(&mbox_inboxes_lock);
	mb = mbox_inbox_find(owner);
	if (mb) {
		mbox_obj_get(&mb->obj);
	} else {
		hash_add(mbox_inboxes, &new->inbox_node, (unsigned long)owner);
		mb = new;
		new = NULL;
	}
	mbox_mailbox_attach(&mb->obj, fmode);
	spin_unlock(&mbox_inboxes_lock);
	if (new)
		mbox_obj_put(&new->obj);
	return &mb->obj;
}
