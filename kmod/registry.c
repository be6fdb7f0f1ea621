// SPDX-License-Identifier: GPL-2.0
/*
 * The registry: what every mbox object has in common. A name in a namespace
 * of its type, an owner and a mode checked when a descriptor binds, a
 * reference count, and a charge against its owner's per-user quota.
 *
 * Names live in an rhashtable keyed by (type, name), so lookups stay O(1)
 * however many objects exist. mbox_registry_lock serializes every lookup
 * and every change to the table and to mbox_objects: opening and unlinking
 * are slow paths, and a mutex lets them allocate and sleep. The table holds
 * one reference to each named object. Objects without a name (inboxes) get
 * their owner and quota charge here too.
 */

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/jhash.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/rhashtable.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>
#include <linux/vmalloc.h>

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
 */
int mbox_user_charge_bytes(struct mbox_user *user, struct file *file,
			   size_t bytes)
{
	u64 limit = mbox_limit(MBOX_LIMIT_USER_BYTES);
	s64 old = atomic64_read(&user->bytes);

	do {
		if ((u64)old + bytes > limit &&
		    !file_ns_capable(file, &init_user_ns, CAP_SYS_RESOURCE))
			return -EDQUOT;
	} while (!atomic64_try_cmpxchg(&user->bytes, &old, old + bytes));
	return 0;
}

void mbox_user_uncharge_bytes(struct mbox_user *user, size_t bytes)
{
	atomic64_sub(bytes, &user->bytes);
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

/* Protects the two below, and orders binding by name against unlink. */
static DEFINE_MUTEX(mbox_registry_lock);
static struct rhashtable mbox_names;	/* under mbox_registry_lock */
static LIST_HEAD(mbox_objects);		/* likewise: every named object */

struct mbox_key {
	const char *name;
	u32 len;
	int type;
};

static u32 mbox_key_hash(const void *data, u32 len, u32 seed)
{
	const struct mbox_key *key = data;

	return jhash(key->name, key->len, seed ^ key->type);
}

static u32 mbox_obj_hash(const void *data, u32 len, u32 seed)
{
	const struct mbox_obj *obj = data;

	return jhash(obj->name, obj->name_len, seed ^ obj->ops->type);
}

static int mbox_obj_cmp(struct rhashtable_compare_arg *arg, const void *data)
{
	const struct mbox_key *key = arg->key;
	const struct mbox_obj *obj = data;

	return obj->ops->type != key->type || obj->name_len != key->len ||
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
 * Make @obj an object without a name (an inbox): owned by the caller and
 * charged to its user_objects_max quota. On failure, destroy it.
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

/* May the caller use @obj with access @fmode? SysV IPC rules. */
int mbox_obj_permission(struct mbox_obj *obj, fmode_t fmode)
{
	int want = 0, granted = obj->mode;

	if (fmode & FMODE_READ)
		want |= MAY_READ;
	if (fmode & FMODE_WRITE)
		want |= MAY_WRITE;

	if (uid_eq(current_euid(), obj->uid))
		granted >>= 6;
	else if (in_group_p(obj->gid))
		granted >>= 3;
	if (!(want & ~granted & 0007) || capable(CAP_IPC_OWNER))
		return 0;
	return -EACCES;
}

/*
 * Find the object @req names, or create it as @req asks, and attach it to a
 * descriptor with access @req->fmode, all under mbox_registry_lock: so no
 * descriptor can bind once the name is gone, and the object sees every
 * attach before it learns it was unlinked. Returns it with a reference for
 * the caller, or an ERR_PTR: ENOENT, EEXIST, EACCES, ENOSPC (over
 * user_objects_max), ENOMEM.
 */
struct mbox_obj *mbox_obj_open(const struct mbox_open_req *req)
{
	struct mbox_key key = {
		.name = req->name, .len = req->name_len, .type = req->type,
	};
	struct mbox_obj *obj, *new = NULL;
	int ret, create_err = 0;

retry:
	/*
	 * Build a new object only when none is there (most opens find one),
	 * and without the lock held; a racing creator may still win, and then
	 * the new one is dropped. A creation that failed (ENOMEM, EDQUOT)
	 * fails the open only if no racing creator made the object meanwhile.
	 */
	if (req->flags & MBOX_OPEN_CREATE) {
		mutex_lock(&mbox_registry_lock);
		obj = rhashtable_lookup_fast(&mbox_names, &key, mbox_names_params);
		mutex_unlock(&mbox_registry_lock);
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

	mutex_lock(&mbox_registry_lock);
	obj = rhashtable_lookup_fast(&mbox_names, &key, mbox_names_params);
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
	if (!new) {
		if (create_err) {
			obj = ERR_PTR(create_err);
			goto unlock;
		}
		/* Gone since the first look: look again. */
		if (req->flags & MBOX_OPEN_CREATE) {
			mutex_unlock(&mbox_registry_lock);
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
	ret = rhashtable_insert_fast(&mbox_names, &new->node, mbox_names_params);
	if (ret) {
		/* The table could not grow (-EBUSY, -E2BIG, -ENOMEM). */
		obj = ERR_PTR(-ENOMEM);
		goto unlock;
	}
	/* Nothing can refuse the first descriptor of a new object. */
	ret = new->ops->attach(new, req->file, req);
	if (WARN_ON(ret)) {
		rhashtable_remove_fast(&mbox_names, &new->node, mbox_names_params);
		obj = ERR_PTR(ret);
		goto unlock;
	}
	list_add_tail(&new->list, &mbox_objects);
	/* One reference for the table (from kref_init), one for the caller. */
	mbox_obj_get(new);
	obj = new;
	new = NULL;
unlock:
	mutex_unlock(&mbox_registry_lock);
	if (new)
		mbox_obj_destroy(new);
	return obj;
}

static void mbox_obj_unlink_locked(struct mbox_obj *obj)
{
	lockdep_assert_held(&mbox_registry_lock);
	rhashtable_remove_fast(&mbox_names, &obj->node, mbox_names_params);
	list_del_init(&obj->list);
}

/* Remove a name: ENOENT, or EPERM for anyone but the owner. */
int mbox_obj_unlink(int type, const char *name, u32 name_len)
{
	struct mbox_key key = { .name = name, .len = name_len, .type = type };
	struct mbox_obj *obj;

	mutex_lock(&mbox_registry_lock);
	obj = rhashtable_lookup_fast(&mbox_names, &key, mbox_names_params);
	if (!obj) {
		mutex_unlock(&mbox_registry_lock);
		return -ENOENT;
	}
	if (!uid_eq(current_euid(), obj->uid) && !capable(CAP_IPC_OWNER)) {
		mutex_unlock(&mbox_registry_lock);
		return -EPERM;
	}
	mbox_obj_unlink_locked(obj);
	mutex_unlock(&mbox_registry_lock);

	obj->ops->unlinked(obj);
	mbox_obj_put(obj);	/* the table's reference */
	return 0;
}

static u32 mbox_list_entry_size(const struct mbox_obj *obj)
{
	return ALIGN(sizeof(struct mbox_list_entry) + obj->name_len + 1, 8);
}

static size_t mbox_list_size(void)
{
	struct mbox_obj *obj;
	size_t size = 0;

	lockdep_assert_held(&mbox_registry_lock);
	list_for_each_entry(obj, &mbox_objects, list)
		size += mbox_list_entry_size(obj);
	return size;
}

/*
 * Store a snapshot of every named object in @ubuf, as struct
 * mbox_list_entry records. -ERANGE, with *@needed set, when @len is short.
 * The buffer is allocated without the registry lock held, so a large list
 * never stalls every open and unlink behind reclaim.
 */
int mbox_obj_list(void __user *ubuf, u32 len, u32 *count, u32 *needed)
{
	struct user_namespace *ns = current_user_ns();
	struct mbox_list_entry *entry;
	size_t size, alloc = 0;
	struct mbox_obj *obj;
	void *buf = NULL;
	int ret;

	*count = 0;
	for (;;) {
		mutex_lock(&mbox_registry_lock);
		size = mbox_list_size();
		if (size > len || size <= alloc)
			break;
		mutex_unlock(&mbox_registry_lock);
		kvfree(buf);
		alloc = size + size / 8;
		buf = kvzalloc(alloc, GFP_KERNEL_ACCOUNT);
		if (!buf)
			return -ENOMEM;
	}
	*needed = min_t(size_t, size, U32_MAX);
	if (size > len) {
		mutex_unlock(&mbox_registry_lock);
		kvfree(buf);
		return -ERANGE;
	}

	entry = buf;
	list_for_each_entry(obj, &mbox_objects, list) {
		entry->size = mbox_list_entry_size(obj);
		entry->type = obj->ops->type;
		entry->uid = from_kuid_munged(ns, obj->uid);
		entry->gid = from_kgid_munged(ns, obj->gid);
		entry->mode = obj->mode;
		obj->ops->usage(obj, &entry->queued, &entry->queued_bytes);
		memcpy(entry->name, obj->name, obj->name_len);
		entry = (void *)entry + entry->size;
		(*count)++;
	}
	mutex_unlock(&mbox_registry_lock);

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
 * POSIX message queues do, and go with the module.
 */
void mbox_registry_exit(void)
{
	struct mbox_obj *obj, *tmp;

	mutex_lock(&mbox_registry_lock);
	list_for_each_entry_safe(obj, tmp, &mbox_objects, list) {
		mbox_obj_unlink_locked(obj);
		WARN_ON(kref_read(&obj->ref) != 1);
		mbox_obj_put(obj);
	}
	mutex_unlock(&mbox_registry_lock);
	rhashtable_destroy(&mbox_names);
	WARN_ON(!hash_empty(mbox_users));
}
