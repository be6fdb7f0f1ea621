// SPDX-License-Identifier: GPL-2.0
/*
 * mbox: kernel mailboxes and shared-memory rings behind /dev/mbox.
 *
 * This file holds the module's frame: the misc device, the module parameters
 * and the dispatch of every file operation and command to the object a
 * descriptor is bound to. The objects themselves live in their own files.
 */

#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/nospec.h>
#include <linux/slab.h>
#include <linux/moduleparam.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <linux/mbox.h>

#include "mbox.h"

/*
 * Hard ceilings for the parameters. They keep every size the module computes
 * well inside int, so byte counts fit a read() or ioctl() return value.
 */
#define MBOX_MSG_SIZE_CEILING	SZ_16M
#define MBOX_CAPACITY_CEILING	(1024 * 1024)
#define MBOX_RING_SIZE_CEILING	SZ_256M

struct mbox_limit mbox_limits[MBOX_LIMIT_NR] = {
	[MBOX_LIMIT_MSG_SIZE_MAX]     = { SZ_1M, 0, MBOX_MSG_SIZE_CEILING },
	[MBOX_LIMIT_MSG_SIZE_DEFAULT] = { 8192, 0, MBOX_MSG_SIZE_CEILING },
	[MBOX_LIMIT_CAPACITY_MAX]     = { 65536, 1, MBOX_CAPACITY_CEILING },
	[MBOX_LIMIT_CAPACITY_DEFAULT] = { 64, 1, MBOX_CAPACITY_CEILING },
	[MBOX_LIMIT_USER_OBJECTS]   = { 1024, 0, INT_MAX },
	[MBOX_LIMIT_USER_BYTES]       = { SZ_64M, 0, UINT_MAX },
	[MBOX_LIMIT_RING_SIZE_MAX]    = { SZ_16M, PAGE_SIZE, MBOX_RING_SIZE_CEILING },
};

static int mbox_param_set(const char *val, const struct kernel_param *kp)
{
	struct mbox_limit *limit = kp->arg;
	unsigned int v;
	int ret;

	ret = kstrtouint(val, 0, &v);
	if (ret)
		return ret;
	if (v < limit->min || v > limit->max)
		return -EINVAL;
	WRITE_ONCE(limit->val, v);
	return 0;
}

static const struct kernel_param_ops mbox_param_ops = {
	.set = mbox_param_set,
	.get = param_get_uint,
};

module_param_cb(msg_size_max, &mbox_param_ops, &mbox_limits[MBOX_LIMIT_MSG_SIZE_MAX], 0644);
__MODULE_PARM_TYPE(msg_size_max, "uint");
MODULE_PARM_DESC(msg_size_max, "Largest message size a mailbox may be created with, in bytes (default 1 MiB, at most 16 MiB)");

module_param_cb(msg_size_default, &mbox_param_ops, &mbox_limits[MBOX_LIMIT_MSG_SIZE_DEFAULT], 0644);
__MODULE_PARM_TYPE(msg_size_default, "uint");
MODULE_PARM_DESC(msg_size_default, "Message size of a mailbox created without one, in bytes (default 8192; clamped to msg_size_max)");

module_param_cb(capacity_max, &mbox_param_ops, &mbox_limits[MBOX_LIMIT_CAPACITY_MAX], 0644);
__MODULE_PARM_TYPE(capacity_max, "uint");
MODULE_PARM_DESC(capacity_max, "Largest capacity of a bounded mailbox, in messages (default 65536, at most 1048576)");

module_param_cb(capacity_default, &mbox_param_ops, &mbox_limits[MBOX_LIMIT_CAPACITY_DEFAULT], 0644);
__MODULE_PARM_TYPE(capacity_default, "uint");
MODULE_PARM_DESC(capacity_default, "Capacity of a mailbox created without one, in messages (default 64; clamped to capacity_max)");

module_param_cb(user_objects_max, &mbox_param_ops, &mbox_limits[MBOX_LIMIT_USER_OBJECTS], 0644);
__MODULE_PARM_TYPE(user_objects_max, "uint");
MODULE_PARM_DESC(user_objects_max, "Objects (mailboxes, inboxes, rings) one user may own at a time (default 1024; CAP_SYS_RESOURCE is exempt)");

module_param_cb(user_bytes_max, &mbox_param_ops, &mbox_limits[MBOX_LIMIT_USER_BYTES], 0644);
__MODULE_PARM_TYPE(user_bytes_max, "uint");
MODULE_PARM_DESC(user_bytes_max, "Bytes one user may have queued at a time (default 64 MiB; CAP_SYS_RESOURCE is exempt)");

module_param_cb(ring_size_max, &mbox_param_ops, &mbox_limits[MBOX_LIMIT_RING_SIZE_MAX], 0644);
__MODULE_PARM_TYPE(ring_size_max, "uint");
MODULE_PARM_DESC(ring_size_max, "Largest ring data size, in bytes (default 16 MiB, at most 256 MiB)");

/*
 * Device commands: they act on the device, not on the object a descriptor
 * is bound to. Each gets its argument copied in (@karg) and writes results
 * to @uarg.
 */

static long mbox_ioctl_info(struct file *file, void *karg, void __user *uarg)
{
	struct mbox_info __user *uinfo = uarg;
	struct mbox_info info = *(struct mbox_info *)karg;
	u32 max;

	if (info.flags || info.__pad ||
	    memchr_inv(info.reserved, 0, sizeof(info.reserved)))
		return -EINVAL;

	memset(&info, 0, sizeof(info));
	info.abi_version = MBOX_ABI_VERSION;
	info.features = MBOX_FEAT_MAILBOX | MBOX_FEAT_DIRECT | MBOX_FEAT_RING |
			MBOX_FEAT_PIPE;
	info.name_max = MBOX_NAME_MAX;
	/*
	 * A default above its maximum is clamped to it at creation
	 * (mbox_mailbox_attrs()): report what a mailbox created with 0 gets.
	 */
	max = mbox_limit(MBOX_LIMIT_MSG_SIZE_MAX);
	info.msg_size_max = max;
	info.msg_size_default = min(mbox_limit(MBOX_LIMIT_MSG_SIZE_DEFAULT), max);
	max = mbox_limit(MBOX_LIMIT_CAPACITY_MAX);
	info.capacity_max = max;
	info.capacity_default = min(mbox_limit(MBOX_LIMIT_CAPACITY_DEFAULT), max);
	info.user_objects_max = mbox_limit(MBOX_LIMIT_USER_OBJECTS);
	info.user_bytes_max = mbox_limit(MBOX_LIMIT_USER_BYTES);
	info.msg_overhead = mbox_msg_overhead();
	info.prio_max = MBOX_PRIO_MAX;
	info.ring_size_max = mbox_limit(MBOX_LIMIT_RING_SIZE_MAX);

	if (copy_to_user(uinfo, &info, sizeof(info)))
		return -EFAULT;
	return 0;
}

/*
 * Binding happens once per descriptor, under mf->lock: take it, or fail
 * with EISCONN when the descriptor is bound already.
 */
static int mbox_bind_begin(struct mbox_file *mf)
{
	if (mutex_lock_killable(&mf->lock))
		return -EINTR;
	if (mf->obj) {
		mutex_unlock(&mf->lock);
		return -EISCONN;
	}
	return 0;
}

/* Pass an event of the bound object's poll queue on to the unbound ones. */
static int mbox_relay_wake(struct wait_queue_entry *entry, unsigned int mode,
			   int sync, void *key)
{
	struct mbox_poll_relay *relay =
		container_of(entry, struct mbox_poll_relay, entry);

	__wake_up(relay->to, mode, 1, key);
	return 0;
}

/* A poll_table that puts a relay on each queue the object polls on. */
static void mbox_relay_queue(struct file *file, wait_queue_head_t *head,
			     poll_table *pt)
{
	struct mbox_file *mf = file->private_data;
	struct mbox_poll_relay *relay;

	if (WARN_ON_ONCE(mf->nr_relays == ARRAY_SIZE(mf->relays)))
		return;
	relay = &mf->relays[mf->nr_relays++];
	init_waitqueue_func_entry(&relay->entry, mbox_relay_wake);
	relay->head = head;
	relay->to = &mf->unbound_wait;
	add_wait_queue(head, &relay->entry);
}

/*
 * Publish the binding to @obj (NULL: none after all) and let go. If the
 * descriptor was polled while unbound, relays first connect those polls to
 * @obj's events, and they are woken to look again.
 */
static void mbox_bind_end(struct mbox_file *mf, struct mbox_obj *obj,
			  struct file *file)
{
	bool relay = obj && mf->polled_unbound;
	poll_table pt;

	if (relay) {
		init_poll_funcptr(&pt, mbox_relay_queue);
		obj->ops->poll(obj, file, &pt);
	}
	if (obj)
		/* Pairs with smp_load_acquire() in mbox_file_obj(). */
		smp_store_release(&mf->obj, obj);
	mutex_unlock(&mf->lock);
	if (relay)
		wake_up_poll(&mf->unbound_wait, EPOLLIN | EPOLLOUT | EPOLLRDNORM |
			     EPOLLWRNORM | EPOLLERR | EPOLLHUP);
}

/* Take the relays off the bound object's queues. */
static void mbox_relays_remove(struct mbox_file *mf)
{
	while (mf->nr_relays) {
		struct mbox_poll_relay *relay = &mf->relays[--mf->nr_relays];

		remove_wait_queue(relay->head, &relay->entry);
	}
}

static long mbox_ioctl_open(struct file *file, void *karg, void __user *uarg)
{
	struct mbox_file *mf = file->private_data;
	char name[MBOX_NAME_MAX + 1];
	struct mbox_open_req req = { .name = name, .file = file };
	struct mbox_open args = *(struct mbox_open *)karg;
	struct mbox_obj *obj;
	int ret;

	if (!(args.flags & MBOX_OPEN_INBOX)) {
		ret = mbox_mailbox_open_req(&req, &args);
		if (ret)
			return ret;
		ret = mbox_name_from_user(name, u64_to_user_ptr(args.name),
					  &req.name_len);
		if (ret)
			return ret;
	}

	ret = mbox_bind_begin(mf);
	if (ret)
		return ret;
	/* Both attach the descriptor to what they return. */
	if (args.flags & MBOX_OPEN_INBOX)
		obj = mbox_inbox_open(&args, file->f_mode & (FMODE_READ | FMODE_WRITE));
	else
		obj = mbox_obj_open(&req);
	mbox_bind_end(mf, IS_ERR(obj) ? NULL : obj, file);
	return PTR_ERR_OR_ZERO(obj);
}

static long mbox_ioctl_ring_open(struct file *file, void *karg,
				 void __user *uarg)
{
	struct mbox_file *mf = file->private_data;
	struct mbox_ring_open __user *uargs = uarg;
	char name[MBOX_NAME_MAX + 1];
	struct mbox_open_req req = { .name = name, .file = file };
	struct mbox_ring_open args = *(struct mbox_ring_open *)karg;
	struct mbox_obj *obj;
	int ret;

	ret = mbox_ring_open_req(&req, &args);
	if (ret)
		return ret;
	/* Fail before creating anything if the layout cannot be returned. */
	if (clear_user(&uargs->layout, sizeof(uargs->layout)))
		return -EFAULT;
	ret = mbox_name_from_user(name, u64_to_user_ptr(args.name), &req.name_len);
	if (ret)
		return ret;

	ret = mbox_bind_begin(mf);
	if (ret)
		return ret;
	obj = mbox_obj_open(&req);
	if (IS_ERR(obj)) {
		mbox_bind_end(mf, NULL, file);
		return PTR_ERR(obj);
	}
	/* The caller needs the layout; without it the binding is no use. */
	mbox_ring_layout(obj, &args.layout);
	if (copy_to_user(&uargs->layout, &args.layout, sizeof(args.layout))) {
		obj->ops->detach(obj, file);
		mbox_obj_put(obj);
		mf->role = 0;
		mbox_bind_end(mf, NULL, file);
		return -EFAULT;
	}
	mbox_bind_end(mf, obj, file);
	return 0;
}

/*
 * Check MBOX_IOC_PIPE and fill in @req with what the type's create()
 * needs: the flags and reserved fields here, the attributes at creation.
 */
static int mbox_pipe_req(struct mbox_open_req *req, const struct mbox_pipe *args)
{
	if (args->fd_flags & ~(O_CLOEXEC | O_NONBLOCK) || args->__pad ||
	    memchr_inv(args->reserved, 0, sizeof(args->reserved)) ||
	    memchr_inv(&args->layout, 0, sizeof(args->layout)))
		return -EINVAL;
	switch (args->type) {
	case MBOX_TYPE_MAILBOX:
		if (args->flags & ~(MBOX_OPEN_UNBOUNDED | MBOX_OPEN_RENDEZVOUS) ||
		    args->flags == (MBOX_OPEN_UNBOUNDED | MBOX_OPEN_RENDEZVOUS) ||
		    args->size)
			return -EINVAL;
		req->create = mbox_mailbox_create_anon;
		break;
	case MBOX_TYPE_RING:
		if (args->flags || args->capacity || args->msg_size)
			return -EINVAL;
		req->create = mbox_ring_create_anon;
		break;
	default:
		return -EINVAL;
	}
	req->type = args->type;
	req->flags = args->flags;
	req->mode = args->mode;
	req->capacity = args->capacity;
	req->msg_size = args->msg_size;
	req->size = args->size;
	return 0;
}

/*
 * Bind @file, a descriptor just opened that nobody else has yet, to @obj
 * as @req says; it takes a reference of its own.
 */
static int mbox_bind_new(struct file *file, struct mbox_obj *obj,
			 struct mbox_open_req *req)
{
	struct mbox_file *mf = file->private_data;
	int ret;

	req->file = file;
	req->fmode = file->f_mode & (FMODE_READ | FMODE_WRITE);
	mutex_lock(&mf->lock);
	ret = obj->ops->attach(obj, file, req);
	if (!ret) {
		/* Both ends are the creator's, whatever the mode says. */
		mf->may_map = true;
		mbox_obj_get(obj);
	}
	mbox_bind_end(mf, ret ? NULL : obj, file);
	return ret;
}

/*
 * MBOX_IOC_PIPE: an anonymous object and two new descriptors bound to it,
 * opened on the same device node as @file. It is unlinked before anyone
 * can see it, so that it hangs up as an unlinked named object does.
 */
static long mbox_ioctl_pipe(struct file *file, void *karg, void __user *uarg)
{
	static const int access[2] = { O_RDONLY, O_WRONLY };
	static const u32 roles[2] = { MBOX_RING_CONSUMER, MBOX_RING_PRODUCER };
	struct mbox_pipe args = *(struct mbox_pipe *)karg;
	struct mbox_pipe __user *uargs = uarg;
	struct mbox_open_req req = {};
	struct file *ends[2] = {};
	int fds[2] = { -1, -1 };
	struct mbox_obj *obj;
	int i, ret;

	ret = mbox_pipe_req(&req, &args);
	if (ret)
		return ret;
	/*
	 * Fail before making anything if the results cannot be returned:
	 * write back what came in, so that a failed call changes nothing.
	 */
	if (copy_to_user(&uargs->fds, args.fds, sizeof(args.fds)) ||
	    copy_to_user(&uargs->layout, &args.layout, sizeof(args.layout)))
		return -EFAULT;

	req.file = file;
	obj = req.create(&req);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	/* Owned by the caller and charged to it; on failure, destroyed. */
	ret = mbox_obj_init_anon(obj, args.mode);
	if (ret)
		return ret;

	for (i = 0; i < 2; i++) {
		int flags = args.type == MBOX_TYPE_RING ? O_RDWR : access[i];

		ends[i] = dentry_open(&file->f_path,
				      flags | (args.fd_flags & O_NONBLOCK),
				      current_cred());
		if (IS_ERR(ends[i])) {
			ret = PTR_ERR(ends[i]);
			ends[i] = NULL;
			goto out;
		}
		req.role = roles[i];
		ret = mbox_bind_new(ends[i], obj, &req);
		if (WARN_ON_ONCE(ret))
			goto out;
	}
	/* Nobody can ever bind again: hung up from the start. */
	obj->ops->unlinked(obj);

	for (i = 0; i < 2; i++) {
		fds[i] = get_unused_fd_flags(args.fd_flags & O_CLOEXEC);
		if (fds[i] < 0) {
			ret = fds[i];
			goto out;
		}
	}
	if (args.type == MBOX_TYPE_RING)
		mbox_ring_layout(obj, &args.layout);
	if (copy_to_user(&uargs->fds, fds, sizeof(fds)) ||
	    copy_to_user(&uargs->layout, &args.layout, sizeof(args.layout))) {
		ret = -EFAULT;
		goto out;
	}
	for (i = 0; i < 2; i++)
		fd_install(fds[i], ends[i]);
	/* The ends hold their own references. */
	mbox_obj_put(obj);
	return 0;

out:
	for (i = 0; i < 2; i++) {
		if (fds[i] >= 0)
			put_unused_fd(fds[i]);
		/* Releasing an end unbinds it. */
		if (ends[i])
			fput(ends[i]);
	}
	mbox_obj_put(obj);
	return ret;
}

static long mbox_ioctl_unlink(struct file *file, void *karg,
			      void __user *uarg)
{
	const struct mbox_unlink *args = karg;
	char name[MBOX_NAME_MAX + 1];
	u32 len;
	int ret;

	if (args->flags ||
	    (args->type != MBOX_TYPE_MAILBOX && args->type != MBOX_TYPE_RING) ||
	    memchr_inv(args->reserved, 0, sizeof(args->reserved)))
		return -EINVAL;
	ret = mbox_name_from_user(name, u64_to_user_ptr(args->name), &len);
	if (ret)
		return ret;
	return mbox_obj_unlink(args->type, name, len);
}

static long mbox_ioctl_list(struct file *file, void *karg, void __user *uarg)
{
	struct mbox_list args = *(struct mbox_list *)karg;
	struct mbox_list __user *uargs = uarg;
	int ret;

	if (args.flags || memchr_inv(args.reserved, 0, sizeof(args.reserved)))
		return -EINVAL;
	ret = mbox_obj_list(u64_to_user_ptr(args.buf), args.len, &args.count,
			    &args.needed);
	if (ret && ret != -ERANGE)
		return ret;
	if (put_user(args.count, &uargs->count) ||
	    put_user(args.needed, &uargs->needed))
		return -EFAULT;
	return ret;
}

/*
 * The command table. Every command has one entry, indexed by its number,
 * that says how big its argument is, which descriptors take it and who
 * handles it; mbox_ioctl() is the only way in, so no command can reach an
 * object without the checks of the object's type. Two kinds:
 *  - device commands (@dev): act on the device, on the descriptors @on
 *    allows;
 *  - object commands: go to the operations of the object @on names, the
 *    one the descriptor is bound to, or the one @target picks from the
 *    argument (a send by pid, on any descriptor, enters the inbox's
 *    operations just as a send through a descriptor bound to it does).
 * The argument is copied in once, here, before any handler looks at it, so
 * that what routed a call is what the handler sees (no double fetch).
 */
#define MBOX_ON_UNBOUND	BIT(0)			/* an unbound descriptor */
#define MBOX_ON_MAILBOX	BIT(MBOX_TYPE_MAILBOX)	/* bound to a mailbox or inbox */
#define MBOX_ON_RING	BIT(MBOX_TYPE_RING)	/* bound to a ring */
#define MBOX_ON_BOUND	(MBOX_ON_MAILBOX | MBOX_ON_RING)
#define MBOX_ON_ANY	(MBOX_ON_UNBOUND | MBOX_ON_BOUND)

union mbox_ioctl_arg {
	struct mbox_info info;
	struct mbox_open open;
	struct mbox_unlink unlink;
	struct mbox_list list;
	struct mbox_pipe pipe;
	struct mbox_send send;
	struct mbox_recv recv;
	struct mbox_stat stat;
	struct mbox_batch batch;
	struct mbox_ring_open ring_open;
	struct mbox_ring_wait ring_wait;
	struct mbox_ring_stat ring_stat;
};

struct mbox_ioctl_desc {
	unsigned int cmd;
	u16 size;		/* bytes of the argument copied in; 0: none */
	u16 on;			/* MBOX_ON_*: the descriptors that take it */
	long (*dev)(struct file *file, void *karg, void __user *uarg);
	/*
	 * An object command's object when the argument names one: returned
	 * with a reference, NULL for the bound object, or an ERR_PTR.
	 */
	struct mbox_obj *(*target)(struct file *file, unsigned int cmd,
				   const void *karg);
};

/*
 * The argument is copied in when userspace writes it (_IOC_WRITE); every
 * such argument fits the union. A command without one (_IO) passes a
 * value, which its handler reads from @uarg.
 */
#define MBOX_IOCTL(name, states, fn, tgt)				\
	[_IOC_NR(MBOX_IOC_##name)] = {					\
		.cmd = MBOX_IOC_##name,					\
		.size = (_IOC_DIR(MBOX_IOC_##name) & _IOC_WRITE ?	\
			 _IOC_SIZE(MBOX_IOC_##name) : 0) +		\
			BUILD_BUG_ON_ZERO(_IOC_SIZE(MBOX_IOC_##name) >	\
					  sizeof(union mbox_ioctl_arg)),	\
		.on = (states), .dev = (fn), .target = (tgt),		\
	}

static const struct mbox_ioctl_desc mbox_ioctls[] = {
	/* Device commands. */
	MBOX_IOCTL(INFO, MBOX_ON_ANY, mbox_ioctl_info, NULL),
	MBOX_IOCTL(OPEN, MBOX_ON_UNBOUND, mbox_ioctl_open, NULL),
	MBOX_IOCTL(UNLINK, MBOX_ON_ANY, mbox_ioctl_unlink, NULL),
	MBOX_IOCTL(LIST, MBOX_ON_ANY, mbox_ioctl_list, NULL),
	MBOX_IOCTL(PIPE, MBOX_ON_ANY, mbox_ioctl_pipe, NULL),
	MBOX_IOCTL(RING_OPEN, MBOX_ON_UNBOUND, mbox_ioctl_ring_open, NULL),
	/* Object commands. */
	MBOX_IOCTL(SEND, MBOX_ON_MAILBOX, NULL, mbox_send_target),
	MBOX_IOCTL(RECV, MBOX_ON_MAILBOX, NULL, NULL),
	MBOX_IOCTL(STAT, MBOX_ON_MAILBOX, NULL, NULL),
	MBOX_IOCTL(SEND_BATCH, MBOX_ON_MAILBOX, NULL, mbox_send_target),
	MBOX_IOCTL(RECV_BATCH, MBOX_ON_MAILBOX, NULL, NULL),
	MBOX_IOCTL(RING_WAIT, MBOX_ON_RING, NULL, NULL),
	MBOX_IOCTL(RING_WAKE, MBOX_ON_RING, NULL, NULL),
	MBOX_IOCTL(RING_STAT, MBOX_ON_RING, NULL, NULL),
};

/*
 * Whether a descriptor in state @obj (NULL: unbound) may issue a command
 * that @on allows: 0, ENOTCONN (it must be bound), EISCONN (it must not
 * be), ENOTTY (bound to a type the command is not for).
 */
static int mbox_ioctl_allowed(const struct mbox_obj *obj, u16 on)
{
	if (!obj)
		return on & MBOX_ON_UNBOUND ? 0 : -ENOTCONN;
	if (on & BIT(obj->ops->type))
		return 0;
	return on == MBOX_ON_UNBOUND ? -EISCONN : -ENOTTY;
}

/*
 * Copy in @size bytes of argument. The per-message commands copy a size
 * known at compile time, which spares them the run-time object check of
 * hardened usercopy (it is for copies whose size is not known then).
 */
static int mbox_ioctl_copy_in(union mbox_ioctl_arg *karg, void __user *uarg,
			      unsigned int cmd, u16 size)
{
	switch (cmd) {
	case MBOX_IOC_SEND:
		return copy_from_user(&karg->send, uarg, sizeof(karg->send));
	case MBOX_IOC_RECV:
		return copy_from_user(&karg->recv, uarg, sizeof(karg->recv));
	default:
		return copy_from_user(karg, uarg, size);
	}
}

static long mbox_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	const struct mbox_ioctl_desc *desc;
	union mbox_ioctl_arg karg;
	struct mbox_obj *obj, *target = NULL;
	unsigned int nr = _IOC_NR(cmd);
	long ret;

	if (_IOC_TYPE(cmd) != MBOX_IOC_MAGIC || nr >= ARRAY_SIZE(mbox_ioctls))
		return -ENOTTY;
	nr = array_index_nospec(nr, ARRAY_SIZE(mbox_ioctls));
	desc = &mbox_ioctls[nr];
	if (!desc->cmd || desc->cmd != cmd)
		return -ENOTTY;
	if (desc->size && mbox_ioctl_copy_in(&karg, uarg, cmd, desc->size))
		return -EFAULT;

	if (desc->target) {
		target = desc->target(file, cmd, &karg);
		if (IS_ERR(target))
			return PTR_ERR(target);
	}
	obj = target ?: mbox_file_obj(file);
	ret = mbox_ioctl_allowed(obj, desc->on);
	if (!ret) {
		if (desc->dev)
			ret = desc->dev(file, desc->size ? &karg : NULL, uarg);
		else
			ret = obj->ops->ioctl(obj, file, cmd,
					      desc->size ? &karg : NULL, uarg);
	}
	if (target)
		mbox_obj_put(target);
	return ret;
}

static ssize_t mbox_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct mbox_obj *obj = mbox_file_obj(iocb->ki_filp);

	if (!obj)
		return -ENOTCONN;
	return obj->ops->read_iter(obj, iocb, to);
}

static ssize_t mbox_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct mbox_obj *obj = mbox_file_obj(iocb->ki_filp);
	ssize_t ret;

	if (!obj)
		return -ENOTCONN;
	ret = obj->ops->write_iter(obj, iocb, from);
	/* Nobody can ever read it: as write(2) on a pipe, SIGPIPE too. */
	if (ret == -EPIPE)
		send_sig(SIGPIPE, current, 0);
	return ret;
}

static int mbox_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct mbox_obj *obj = mbox_file_obj(file);

	if (!obj || !obj->ops->mmap)
		return -ENODEV;
	return obj->ops->mmap(obj, file, vma);
}

/*
 * An unbound descriptor polls as EPOLLERR: every call on it fails with
 * ENOTCONN. The poll still waits on the descriptor's own queue, under the
 * binding lock so that a bind cannot slip in between, and a later bind
 * relays the object's events to that queue (mbox_bind_end()): a poll or
 * epoll registration made before the bind works after it. Only such
 * descriptors pay for the relay.
 */
static __poll_t mbox_poll_unbound(struct file *file, poll_table *pt)
{
	struct mbox_file *mf = file->private_data;
	struct mbox_obj *obj;

	mutex_lock(&mf->lock);
	obj = mf->obj;
	if (!obj) {
		poll_wait(file, &mf->unbound_wait, pt);
		mf->polled_unbound = true;
	}
	mutex_unlock(&mf->lock);
	if (obj)
		return obj->ops->poll(obj, file, pt);
	return EPOLLERR;
}

static __poll_t mbox_poll(struct file *file, poll_table *pt)
{
	struct mbox_obj *obj = mbox_file_obj(file);

	if (!obj)
		return mbox_poll_unbound(file, pt);
	return obj->ops->poll(obj, file, pt);
}

static int mbox_open(struct inode *inode, struct file *file)
{
	struct mbox_file *mf;

	mf = kzalloc(sizeof(*mf), GFP_KERNEL_ACCOUNT);
	if (!mf)
		return -ENOMEM;
	mf->user = mbox_user_get_current();
	if (!mf->user) {
		kfree(mf);
		return -ENOMEM;
	}
	mutex_init(&mf->lock);
	init_waitqueue_head(&mf->unbound_wait);
	file->private_data = mf;
	return stream_open(inode, file);
}

static int mbox_release(struct inode *inode, struct file *file)
{
	struct mbox_file *mf = file->private_data;

	if (mf->obj) {
		mbox_relays_remove(mf);
		mf->obj->ops->detach(mf->obj, file);
		mbox_obj_put(mf->obj);
	}
	mbox_user_put(mf->user);
	mutex_destroy(&mf->lock);
	kfree(mf);
	return 0;
}

static const struct file_operations mbox_fops = {
	.owner		= THIS_MODULE,
	.open		= mbox_open,
	.release	= mbox_release,
	.read_iter	= mbox_read_iter,
	.write_iter	= mbox_write_iter,
	.poll		= mbox_poll,
	.mmap		= mbox_mmap,
	.unlocked_ioctl	= mbox_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static struct miscdevice mbox_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "mbox",
	.fops	= &mbox_fops,
	.mode	= 0666,
};

static int __init mbox_init(void)
{
	int ret;

	ret = mbox_mailbox_cache_init();
	if (ret)
		goto err;
	ret = mbox_registry_init();
	if (ret)
		goto err_cache;
	ret = misc_register(&mbox_misc);
	if (ret)
		goto err_registry;
	return 0;

err_registry:
	mbox_registry_exit();
err_cache:
	mbox_mailbox_cache_exit();
err:
	pr_err("cannot load: %d\n", ret);
	return ret;
}

static void __exit mbox_exit(void)
{
	misc_deregister(&mbox_misc);
	mbox_registry_exit();
	mbox_mailbox_cache_exit();
}

module_init(mbox_init);
module_exit(mbox_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The mbox developers");
MODULE_DESCRIPTION("Kernel mailboxes and shared-memory rings for IPC");
MODULE_VERSION(MBOX_VERSION);
