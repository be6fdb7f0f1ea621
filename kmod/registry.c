// SPDX-License-Identifier: GPL-2.0
/*
 * The registry: what every mbox object has in common. A name in a namespace
 * of its type, an owner and a mode checked when a descriptor binds, a
 * reference count, and a charge against its owner's per-user quota.
 *
 * Names are scoped per IPC namespace, as POSIX message queues are: each
 * IPC namespace that has named objects has a struct mbox_ns, and names live
 * in one rhashtable keyed by (namespace, type, name), so lookups stay O(1)
 * however many objects exist. mbox_registry_lock serializes every lookup
 * and every change to the table and to the namespaces' lists: opening and
 * unlinking are slow paths, and a mutex lets them allocate and sleep. The
 * table holds one reference to each named object. Objects without a name
 * (inboxes, and the anonymous objects of MBOX_IOC_PIPE) get their owner
 * and quota charge here too.
 */

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/ipc_namespace.h>
#include <linux/jhash.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mount.h>
#include <linux/mutex.h>
#include <linux/nsproxy.h>
#include <linux/proc_ns.h>
#include <linux/rhashtable.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include <linux/mbox.h>

#include "mbox.h"

/*
 * Per-user accounting. @objects counts the objects a user owns (charged at
 * creation, released when the object is freed, so an unlinked object still
 * held open still counts); @bytes counts what the user has queued.
 */
struct mbox_user {
	struct hlist_node node;		/* in mbox_users, under mbox_users_lock */
	refcount_t ref;
	kuid_t uid;
	atomic_t objects;
	atomic64_t bytes;
};

static DEFINE_HASHTABLE(mbox_users, 6);
static DEFINE_SPINLOCK(mbox_users_lock);	/* protects mbox_users */

static struct mbox_user *mbox_user_lookup(kuid_t uid)
{
	struct mbox_user *user;

	lockdep_assert_held(&mbox_users_lock);
	hash_for_each_possible(mbox_users, user, node, __kuid_val(uid)) {
		if (uid_eq(user->uid, uid)) {
			refcount_inc(&user->ref);
			return user;
		}
	}
	return NULL;
}

static struct mbox_user *mbox_user_find(kuid_t uid)
{
	struct mbox_user *user, *new;

	spin_lock(&mbox_users_lock);
	user = mbox_user_lookup(uid);
	spin_unlock(&mbox_users_lock);
	if (user)
		return user;

	new = kzalloc(sizeof(*new), GFP_KERNEL_ACCOUNT);
	if (!new)
		return NULL;
	refcount_set(&new->ref, 1);
	new->uid = uid;

	spin_lock(&mbox_users_lock);
	user = mbox_user_lookup(uid);
	if (!user) {
		hash_add(mbox_users, &new->node, __kuid_val(uid));
		user = new;
		new = NULL;
	}
	spin_unlock(&mbox_users_lock);
	kfree(new);
	return user;
}

/* The user of the caller's effective uid, with a reference; NULL on ENOMEM. */
struct mbox_user *mbox_user_get_current(void)
{
	return mbox_user_find(current_euid());
}

void mbox_user_hold(struct mbox_user *user)
{
	refcount_inc(&user->ref);
}

void mbox_user_put(struct mbox_user *user)
{
	/* refcount_dec_and_lock(), spelled out so that sparse follows it. */
	if (refcount_dec_not_one(&user->ref))
		return;
	spin_lock(&mbox_users_lock);
	if (refcount_dec_and_test(&user->ref))
		hash_del(&user->node);
	else
		user = NULL;
	spin_unlock(&mbox_users_lock);
	if (user) {
		WARN_ON_ONCE(atomic_read(&user->objects) ||
			     atomic64_read(&user->bytes));
		kfree(user);
	}
}

/*
 * Charge @bytes queued to @user: -EDQUOT past user_bytes_max, unless the
 * opener of @file, whom the bytes are charged to, has CAP_SYS_RESOURCE.
 * Never overshoots, so two senders near the limit cannot fail each other.
 *
 * While any bytes are charged, the charge holds one reference to @user,
 * taken as the count leaves 0 and dropped as it comes back to 0: so what
 * was charged can always be uncharged, and a message need not hold a
 * reference of its own (two atomic operations per message fewer). The
 * caller holds a reference while it charges, so @user cannot go away
 * between the charge and the hold, and bytes it charged cannot be
 * uncharged before it returns.
 */
int mbox_user_charge_bytes(struct mbox_user *user, struct file *file,
			   size_t bytes)
{
	u64 limit = mbox_limit(MBOX_LIMIT_USER_BYTES);
	s64 old = atomic64_read(&user->bytes);

	if (!bytes)
		return 0;
	do {
		if ((u64)old + bytes > limit &&
		    !file_ns_capable(file, &init_user_ns, CAP_SYS_RESOURCE))
			return -EDQUOT;
	} while (!atomic64_try_cmpxchg(&user->bytes, &old, old + bytes));
	if (!old)
		mbox_user_hold(user);
	return 0;
}

/* Uncharge what mbox_user_charge_bytes() charged; may drop @user. */
void mbox_user_uncharge_bytes(struct mbox_user *user, size_t bytes)
{
	if (bytes && !atomic64_sub_return(bytes, &user->bytes))
		mbox_user_put(user);
}

/*
 * What the byte quota charges is the kernel memory an allocation pins, not
 * the size asked for: a slab object is as big as its size class, and a
 * vmalloc area is whole pages plus its page array and bookkeeping. Below,
 * mbox_kvalloc() picks the allocator from the size alone, so that
 * mbox_kvalloc_cost() knows in advance what the allocation will cost
 * (kvmalloc() may or may not fall back to vmalloc, and a kmalloc of more
 * than a slab's largest size class takes a power of two of pages: up to
 * twice the size asked for).
 */

/*
 * What a vmap() or vmalloc() area pins besides its pages (and the page
 * array vmalloc() keeps): the area descriptor and the address range record.
 */
size_t mbox_vmap_cost(void)
{
	return kmalloc_size_roundup(sizeof(struct vm_struct)) +
	       kmalloc_size_roundup(sizeof(struct vmap_area));
}

/* Bytes of kernel memory that mbox_kvalloc(@size) pins. */
size_t mbox_kvalloc_cost(size_t size)
{
	size_t pages;

	if (size <= KMALLOC_MAX_CACHE_SIZE)
		return kmalloc_size_roundup(size);
	/* vmalloc() allocates its page array as mbox_kvalloc() would. */
	pages = PAGE_ALIGN(size) >> PAGE_SHIFT;
	return PAGE_ALIGN(size) +
	       mbox_kvalloc_cost(pages * sizeof(struct page *)) +
	       mbox_vmap_cost();
}

/*
 * Allocate @size bytes (@gfp: GFP_KERNEL_ACCOUNT, maybe with __GFP_ZERO):
 * from the slab up to its largest size class, from vmalloc above, and so
 * never more than mbox_kvalloc_cost() says. Free with kvfree().
 */
void *mbox_kvalloc(size_t size, gfp_t gfp)
{
	if (size <= KMALLOC_MAX_CACHE_SIZE)
		return kmalloc(size, gfp);
	return __vmalloc(size, gfp);
}

/*
 * One more object for @user: -ENOSPC past user_objects_max, unless the
 * caller, who creates it, has CAP_SYS_RESOURCE.
 */
static int mbox_user_charge_object(struct mbox_user *user)
{
	int limit = mbox_limit(MBOX_LIMIT_USER_OBJECTS);
	int old = atomic_read(&user->objects);

	do {
		if (old >= limit && !capable(CAP_SYS_RESOURCE))
			return -ENOSPC;
	} while (!atomic_try_cmpxchg(&user->objects, &old, old + 1));
	return 0;
}

/* The names. */

/* Protects the three below, and orders binding by name against unlink. */
static DEFINE_MUTEX(mbox_registry_lock);
static struct rhashtable mbox_names;	/* under mbox_registry_lock */
static LIST_HEAD(mbox_namespaces);	/* likewise: every struct mbox_ns */
static bool mbox_registry_closed;	/* likewise: module exit has begun */

/*
 * The named objects of one IPC namespace. The module cannot hold a counted
 * reference to an ipc_namespace (put_ipc_ns() is not exported by every
 * kernel we support), so it holds the namespace's internal mqueue mount
 * instead: that mount outlives the namespace while we hold it, so its
 * address identifies the namespace for as long as the entry exists, and
 * put_ipc_ns() clears its superblock's s_fs_info (mq_clear_sbinfo()) when
 * the last reference goes, which tells us the namespace is dead. Dead
 * namespaces are reaped: their names unlinked, as if by MBOX_IOC_UNLINK
 * (objects still bound to a descriptor live on, unnamed, until released).
 * That happens on every registry operation and at least every
 * MBOX_NS_REAP_PERIOD from a delayed work, so a namespace's objects
 * outlive it by a bounded time.
 *
 * Without CONFIG_POSIX_MQUEUE there is no such mount: only the initial IPC
 * namespace (which never dies) may have named objects, and callers in
 * other namespaces get EOPNOTSUPP.
 */
struct mbox_ns {
	struct list_head node;		/* in mbox_namespaces */
	struct vfsmount *anchor;	/* the mqueue mount; NULL: initial ns */
	struct user_namespace *user_ns;	/* owns the IPC namespace; held */
	struct list_head objects;	/* its named objects, by obj->list */
};

#define MBOX_NS_REAP_PERIOD	(5 * HZ)

static void mbox_ns_reap_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(mbox_ns_reap_work, mbox_ns_reap_fn);

static bool mbox_ns_is_initial(struct ipc_namespace *ipc_ns)
{
	return ipc_ns->ns.inum == PROC_IPC_INIT_INO;
}

#if IS_ENABLED(CONFIG_POSIX_MQUEUE)
static struct vfsmount *mbox_ns_anchor(struct ipc_namespace *ipc_ns)
{
	return mbox_ns_is_initial(ipc_ns) ? NULL : ipc_ns->mq_mnt;
}

static bool mbox_ns_dead(const struct mbox_ns *ns)
{
	/* Cleared by mq_clear_sbinfo() from put_ipc_ns(). */
	return ns->anchor && !READ_ONCE(ns->anchor->mnt_sb->s_fs_info);
}
#else
static struct vfsmount *mbox_ns_anchor(struct ipc_namespace *ipc_ns)
{
	return mbox_ns_is_initial(ipc_ns) ? NULL : ERR_PTR(-EOPNOTSUPP);
}

static bool mbox_ns_dead(const struct mbox_ns *ns)
{
	return false;
}
#endif

/*
 * The registry of the caller's IPC namespace; with @create, made if
 * missing. NULL when there is none, or an ERR_PTR: ENOMEM, EOPNOTSUPP.
 */
static struct mbox_ns *mbox_ns_current(bool create)
{
	struct ipc_namespace *ipc_ns = current->nsproxy->ipc_ns;
	struct vfsmount *anchor = mbox_ns_anchor(ipc_ns);
	struct mbox_ns *ns;

	lockdep_assert_held(&mbox_registry_lock);
	if (IS_ERR(anchor))
		return create ? ERR_CAST(anchor) : NULL;
	/* A dead namespace's anchor is held, so no live one can share it. */
	list_for_each_entry(ns, &mbox_namespaces, node) {
		if (ns->anchor == anchor)
			return ns;
	}
	if (!create)
		return NULL;
	ns = kzalloc(sizeof(*ns), GFP_KERNEL_ACCOUNT);
	if (!ns)
		return ERR_PTR(-ENOMEM);
	ns->anchor = anchor ? mntget(anchor) : NULL;
	ns->user_ns = get_user_ns(ipc_ns->user_ns);
	INIT_LIST_HEAD(&ns->objects);
	list_add_tail(&ns->node, &mbox_namespaces);
	if (anchor && !mbox_registry_closed)
		schedule_delayed_work(&mbox_ns_reap_work, MBOX_NS_REAP_PERIOD);
	return ns;
}

static void mbox_ns_free(struct mbox_ns *ns)
{
	lockdep_assert_held(&mbox_registry_lock);
	WARN_ON_ONCE(!list_empty(&ns->objects));
	list_del(&ns->node);
	if (ns->anchor)
		mntput(ns->anchor);
	put_user_ns(ns->user_ns);
	kfree(ns);
}

/* The user namespace whose capabilities count for @obj. */
static struct user_namespace *mbox_obj_user_ns(const struct mbox_obj *obj)
{
	/*
	 * A named object's namespace is stable under the registry lock. An
	 * inbox is reached only from its owner's IPC namespace (inbox.c),
	 * so the caller's is the one.
	 */
	if (obj->ns)
		return obj->ns->user_ns;
	return current->nsproxy->ipc_ns->user_ns;
}

struct mbox_key {
	const struct mbox_ns *ns;
	const char *name;
	u32 len;
	int type;
};

static u32 mbox_key_seed(const struct mbox_ns *ns, int type, u32 seed)
{
	return seed ^ type ^ hash_ptr(ns, 32);
}

static u32 mbox_key_hash(const void *data, u32 len, u32 seed)
{
	const struct mbox_key *key = data;

	return jhash(key->name, key->len,
		     mbox_key_seed(key->ns, key->type, seed));
}

static u32 mbox_obj_hash(const void *data, u32 len, u32 seed)
{
	const struct mbox_obj *obj = data;

	return jhash(obj->name, obj->name_len,
		     mbox_key_seed(obj->ns, obj->ops->type, seed));
}

static int mbox_obj_cmp(struct rhashtable_compare_arg *arg, const void *data)
{
	const struct mbox_key *key = arg->key;
	const struct mbox_obj *obj = data;

	return obj->ns != key->ns || obj->ops->type != key->type ||
	       obj->name_len != key->len ||
	       memcmp(obj->name, key->name, key->len);
}

static const struct rhashtable_params mbox_names_params = {
	.head_offset		= offsetof(struct mbox_obj, node),
	.hashfn			= mbox_key_hash,
	.obj_hashfn		= mbox_obj_hash,
	.obj_cmpfn		= mbox_obj_cmp,
	.automatic_shrinking	= true,
};

/*
 * Copy a name from userspace into @buf (MBOX_NAME_MAX + 1 bytes) and check
 * it: 1 to MBOX_NAME_MAX printable ASCII bytes without '/'.
 */
int mbox_name_from_user(char *buf, const char __user *uname, u32 *lenp)
{
	long len, i;

	len = strncpy_from_user(buf, uname, MBOX_NAME_MAX + 1);
	if (len < 0)
		return len;
	if (len > MBOX_NAME_MAX)
		return -ENAMETOOLONG;
	if (!len)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (buf[i] == '/' || buf[i] < 0x20 || buf[i] > 0x7e)
			return -EINVAL;
	}
	*lenp = len;
	return 0;
}

void mbox_obj_init(struct mbox_obj *obj, const struct mbox_obj_ops *ops)
{
	kref_init(&obj->ref);
	obj->ops = ops;
	obj->ns = NULL;
	INIT_LIST_HEAD(&obj->list);
}

/*
 * Give a new object its owner (the caller's effective ids), its mode (less
 * the umask) and, unless @name is NULL, its name.
 */
static int mbox_obj_set_identity(struct mbox_obj *obj, const char *name,
				 u32 name_len, umode_t mode)
{
	if (name) {
		obj->name = kmemdup_nul(name, name_len, GFP_KERNEL_ACCOUNT);
		if (!obj->name)
			return -ENOMEM;
		obj->name_len = name_len;
	}
	obj->owner = mbox_user_get_current();
	if (!obj->owner)
		return -ENOMEM;
	obj->uid = current_euid();
	obj->gid = current_egid();
	obj->mode = mode & ~current_umask() & 0777;
	return 0;
}

/*
 * Make @obj an object without a name (an inbox, or an anonymous mailbox or
 * ring): owned by the caller and charged to its user_objects_max quota.
 * On failure, destroy it.
 */
int mbox_obj_init_anon(struct mbox_obj *obj, umode_t mode)
{
	int ret;

	ret = mbox_obj_set_identity(obj, NULL, 0, mode);
	if (!ret)
		ret = mbox_user_charge_object(obj->owner);
	if (ret) {
		mbox_obj_destroy(obj);
		return ret;
	}
	obj->counted = true;
	return 0;
}

/* Free an object that never got linked (or whose last reference went). */
void mbox_obj_destroy(struct mbox_obj *obj)
{
	if (obj->owner) {
		if (obj->counted)
			atomic_dec(&obj->owner->objects);
		mbox_user_put(obj->owner);
	}
	kfree(obj->name);
	obj->ops->release(obj);
}

static void mbox_obj_release(struct kref *ref)
{
	mbox_obj_destroy(container_of(ref, struct mbox_obj, ref));
}

void mbox_obj_put(struct mbox_obj *obj)
{
	kref_put(&obj->ref, mbox_obj_release);
}

/*
 * May the caller use @obj with access @fmode? SysV IPC rules (ipcperms()):
 * CAP_IPC_OWNER counts in the user namespace that owns the object's IPC
 * namespace. Without @audit, a mere look (LIST) that logs no denial.
 */
static int mbox_obj_access(struct mbox_obj *obj, fmode_t fmode, bool audit)
{
	struct user_namespace *ns = mbox_obj_user_ns(obj);
	int want = 0, granted = obj->mode;

	if (fmode & FMODE_READ)
		want |= MAY_READ;
	if (fmode & FMODE_WRITE)
		want |= MAY_WRITE;

	if (uid_eq(current_euid(), obj->uid))
		granted >>= 6;
	else if (in_group_p(obj->gid))
		granted >>= 3;
	if (!(want & ~granted & 0007))
		return 0;
	if (audit ? ns_capable(ns, CAP_IPC_OWNER) :
		    ns_capable_noaudit(ns, CAP_IPC_OWNER))
		return 0;
	return -EACCES;
}

int mbox_obj_permission(struct mbox_obj *obj, fmode_t fmode)
{
	return mbox_obj_access(obj, fmode, true);
}

/*
 * Take the registry lock, first unlinking the names of dead namespaces:
 * their objects go on @reaped, for mbox_registry_unlock().
 */
static void mbox_registry_lock_reap(struct list_head *reaped)
{
	struct mbox_ns *ns, *tmp;
	struct mbox_obj *obj;

	mutex_lock(&mbox_registry_lock);
	list_for_each_entry_safe(ns, tmp, &mbox_namespaces, node) {
		if (!mbox_ns_dead(ns))
			continue;
		list_for_each_entry(obj, &ns->objects, list) {
			rhashtable_remove_fast(&mbox_names, &obj->node,
					       mbox_names_params);
			obj->ns = NULL;
		}
		list_splice_tail_init(&ns->objects, reaped);
		mbox_ns_free(ns);
	}
}

/* Drop the lock, then tell each reaped object and drop the table's reference. */
static void mbox_registry_unlock(struct list_head *reaped)
{
	struct mbox_obj *obj, *tmp;

	mutex_unlock(&mbox_registry_lock);
	list_for_each_entry_safe(obj, tmp, reaped, list) {
		list_del_init(&obj->list);
		obj->ops->unlinked(obj);
		mbox_obj_put(obj);
	}
}

static void mbox_ns_reap_fn(struct work_struct *work)
{
	LIST_HEAD(reaped);
	struct mbox_ns *ns;
	bool again = false;

	mbox_registry_lock_reap(&reaped);
	list_for_each_entry(ns, &mbox_namespaces, node)
		again |= !!ns->anchor;
	again &= !mbox_registry_closed;
	mbox_registry_unlock(&reaped);
	if (again)
		schedule_delayed_work(&mbox_ns_reap_work, MBOX_NS_REAP_PERIOD);
}

/* Look @key up in the caller's IPC namespace; @key->ns is set. */
static struct mbox_obj *mbox_lookup(struct mbox_key *key, bool create,
				    struct mbox_ns **nsp)
{
	struct mbox_ns *ns = mbox_ns_current(create);

	if (nsp)
		*nsp = ns;
	if (IS_ERR_OR_NULL(ns))
		return NULL;
	key->ns = ns;
	return rhashtable_lookup_fast(&mbox_names, key, mbox_names_params);
}

/*
 * Find the object @req names in the caller's IPC namespace, or create it
 * as @req asks, and attach it to a descriptor with access @req->fmode, all
 * under mbox_registry_lock: so no descriptor can bind once the name is gone,
 * and the object sees every attach before it learns it was unlinked.
 * Returns it with a reference for the caller, or an ERR_PTR: ENOENT,
 * EEXIST, EACCES, ENOSPC (over user_objects_max), ENOMEM, EOPNOTSUPP
 * (creating outside the initial IPC namespace without CONFIG_POSIX_MQUEUE).
 */
struct mbox_obj *mbox_obj_open(const struct mbox_open_req *req)
{
	struct mbox_key key = {
		.name = req->name, .len = req->name_len, .type = req->type,
	};
	struct mbox_obj *obj, *new = NULL;
	int ret, create_err = 0;
	LIST_HEAD(reaped);
	struct mbox_ns *ns;

retry:
	/*
	 * Build a new object only when none is there (most opens find one),
	 * and without the lock held; a racing creator may still win, and then
	 * the new one is dropped. A creation that failed (ENOMEM, EDQUOT)
	 * fails the open only if no racing creator made the object meanwhile.
	 */
	if (req->flags & MBOX_OPEN_CREATE) {
		mbox_registry_lock_reap(&reaped);
		obj = mbox_lookup(&key, false, NULL);
		mbox_registry_unlock(&reaped);
		if (!obj) {
			new = req->create(req);
			if (!IS_ERR(new)) {
				ret = mbox_obj_set_identity(new, req->name,
							    req->name_len,
							    req->mode);
				if (ret) {
					mbox_obj_destroy(new);
					new = ERR_PTR(ret);
				}
			}
			if (IS_ERR(new)) {
				if (req->flags & MBOX_OPEN_EXCL)
					return new;
				create_err = PTR_ERR(new);
				new = NULL;
			}
		}
	}

	mbox_registry_lock_reap(&reaped);
	obj = mbox_lookup(&key, !!new, &ns);
	if (obj) {
		if (req->flags & MBOX_OPEN_EXCL) {
			obj = ERR_PTR(-EEXIST);
			goto unlock;
		}
		ret = mbox_obj_permission(obj, req->fmode);
		if (ret) {
			obj = ERR_PTR(ret);
			goto unlock;
		}
		ret = obj->ops->attach(obj, req->file, req);
		if (ret) {
			obj = ERR_PTR(ret);
			goto unlock;
		}
		mbox_obj_get(obj);
		goto unlock;
	}
	if (IS_ERR(ns)) {
		obj = ERR_CAST(ns);
		goto unlock;
	}
	if (!new) {
		if (create_err) {
			obj = ERR_PTR(create_err);
			goto unlock;
		}
		/* Gone since the first look: look again. */
		if (req->flags & MBOX_OPEN_CREATE) {
			mbox_registry_unlock(&reaped);
			goto retry;
		}
		obj = ERR_PTR(-ENOENT);
		goto unlock;
	}

	ret = mbox_user_charge_object(new->owner);
	if (ret) {
		obj = ERR_PTR(ret);
		goto unlock;
	}
	new->counted = true;
	new->ns = ns;
	ret = rhashtable_insert_fast(&mbox_names, &new->node, mbox_names_params);
	if (ret) {
		/* The table could not grow (-EBUSY, -E2BIG, -ENOMEM). */
		new->ns = NULL;
		obj = ERR_PTR(-ENOMEM);
		goto unlock;
	}
	/* Nothing can refuse the first descriptor of a new object. */
	ret = new->ops->attach(new, req->file, req);
	if (WARN_ON(ret)) {
		rhashtable_remove_fast(&mbox_names, &new->node, mbox_names_params);
		new->ns = NULL;
		obj = ERR_PTR(ret);
		goto unlock;
	}
	list_add_tail(&new->list, &ns->objects);
	/* One reference for the table (from kref_init), one for the caller. */
	mbox_obj_get(new);
	obj = new;
	new = NULL;
unlock:
	mbox_registry_unlock(&reaped);
	if (new)
		mbox_obj_destroy(new);
	return obj;
}

static void mbox_obj_unlink_locked(struct mbox_obj *obj)
{
	lockdep_assert_held(&mbox_registry_lock);
	rhashtable_remove_fast(&mbox_names, &obj->node, mbox_names_params);
	list_del_init(&obj->list);
	obj->ns = NULL;
}

/*
 * May the caller unlink @obj? Its owner may, and so may whoever has
 * CAP_IPC_OWNER in the user namespace owning the object's IPC namespace,
 * provided that namespace maps the owner (as inode_owner_or_capable() asks
 * of CAP_FOWNER).
 */
static bool mbox_may_unlink(const struct mbox_obj *obj)
{
	struct user_namespace *ns = obj->ns->user_ns;

	if (uid_eq(current_euid(), obj->uid))
		return true;
	return ns_capable(ns, CAP_IPC_OWNER) &&
	       kuid_has_mapping(ns, obj->uid) && kgid_has_mapping(ns, obj->gid);
}

/*
 * Remove a name from the caller's IPC namespace: ENOENT, or EPERM for
 * anyone but the owner (mbox_may_unlink()).
 */
int mbox_obj_unlink(int type, const char *name, u32 name_len)
{
	struct mbox_key key = { .name = name, .len = name_len, .type = type };
	struct mbox_obj *obj;
	LIST_HEAD(reaped);
	int ret = 0;

	mbox_registry_lock_reap(&reaped);
	obj = mbox_lookup(&key, false, NULL);
	if (!obj)
		ret = -ENOENT;
	else if (!mbox_may_unlink(obj))
		ret = -EPERM;
	else
		mbox_obj_unlink_locked(obj);
	mbox_registry_unlock(&reaped);
	if (ret)
		return ret;

	obj->ops->unlinked(obj);
	mbox_obj_put(obj);	/* the table's reference */
	return 0;
}

static u32 mbox_list_entry_size(const struct mbox_obj *obj)
{
	return ALIGN(sizeof(struct mbox_list_entry) + obj->name_len + 1, 8);
}

static size_t mbox_list_size(const struct mbox_ns *ns)
{
	struct mbox_obj *obj;
	size_t size = 0;

	lockdep_assert_held(&mbox_registry_lock);
	if (IS_ERR_OR_NULL(ns))
		return 0;
	list_for_each_entry(obj, &ns->objects, list)
		size += mbox_list_entry_size(obj);
	return size;
}

/* Fill @buf with an entry for each of @ns's objects; returns how many. */
static u32 mbox_list_fill(struct mbox_ns *ns, void *buf)
{
	struct user_namespace *user_ns = current_user_ns();
	struct mbox_list_entry *entry = buf;
	struct mbox_obj *obj;
	u32 count = 0;

	lockdep_assert_held(&mbox_registry_lock);
	list_for_each_entry(obj, &ns->objects, list) {
		entry->size = mbox_list_entry_size(obj);
		entry->type = obj->ops->type;
		entry->uid = from_kuid_munged(user_ns, obj->uid);
		entry->gid = from_kgid_munged(user_ns, obj->gid);
		entry->mode = obj->mode;
		/* What is queued is for those who may read it. */
		if (!mbox_obj_access(obj, FMODE_READ, false))
			obj->ops->usage(obj, &entry->queued,
					&entry->queued_bytes);
		memcpy(entry->name, obj->name, obj->name_len);
		entry = (void *)entry + entry->size;
		count++;
	}
	return count;
}

/*
 * Store a snapshot of every named object of the caller's IPC namespace in
 * @ubuf, as struct mbox_list_entry records; the queue counters only of
 * objects the caller could open for reading (0 for the others). -ERANGE,
 * with *@needed set, when @len is short. The buffer is allocated without
 * the registry lock held, so a large list never stalls every open and
 * unlink behind reclaim.
 */
int mbox_obj_list(void __user *ubuf, u32 len, u32 *count, u32 *needed)
{
	size_t size, alloc = 0;
	LIST_HEAD(reaped);
	struct mbox_ns *ns;
	void *buf = NULL;
	int ret;

	*count = 0;
	for (;;) {
		mbox_registry_lock_reap(&reaped);
		ns = mbox_ns_current(false);
		size = mbox_list_size(ns);
		if (size > len || size <= alloc)
			break;
		mbox_registry_unlock(&reaped);
		kvfree(buf);
		alloc = size + size / 8;
		buf = kvzalloc(alloc, GFP_KERNEL_ACCOUNT);
		if (!buf)
			return -ENOMEM;
	}
	*needed = min_t(size_t, size, U32_MAX);
	if (size > len) {
		mbox_registry_unlock(&reaped);
		kvfree(buf);
		return -ERANGE;
	}

	if (size)
		*count = mbox_list_fill(ns, buf);
	mbox_registry_unlock(&reaped);

	ret = copy_to_user(ubuf, buf, size) ? -EFAULT : 0;
	kvfree(buf);
	return ret;
}

int mbox_registry_init(void)
{
	return rhashtable_init(&mbox_names, &mbox_names_params);
}

/*
 * At module exit no descriptor is open, so the table holds the last
 * reference to every object left: named objects persist until unlinked, as
 * POSIX message queues do, or until their IPC namespace dies, and go with
 * the module.
 */
void mbox_registry_exit(void)
{
	struct mbox_obj *obj, *tmp;
	struct mbox_ns *ns, *next;

	mutex_lock(&mbox_registry_lock);
	mbox_registry_closed = true;
	mutex_unlock(&mbox_registry_lock);
	cancel_delayed_work_sync(&mbox_ns_reap_work);

	mutex_lock(&mbox_registry_lock);
	list_for_each_entry_safe(ns, next, &mbox_namespaces, node) {
		list_for_each_entry_safe(obj, tmp, &ns->objects, list) {
			mbox_obj_unlink_locked(obj);
			WARN_ON(kref_read(&obj->ref) != 1);
			mbox_obj_put(obj);
		}
		mbox_ns_free(ns);
	}
	mutex_unlock(&mbox_registry_lock);
	rhashtable_destroy(&mbox_names);
	WARN_ON(!hash_empty(mbox_users));
}
