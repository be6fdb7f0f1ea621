/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Declarations shared by the files of the mbox module.
 *
 *   main.c      the misc device, module parameters, binding a descriptor to
 *               an object, and the ioctl/read/write/poll dispatch
 *   registry.c  what every object has: a name, an owner and mode, a
 *               reference count, and a per-user quota charge
 *   mailbox.c   mailboxes: message queues with blocking send and receive
 *   inbox.c     inboxes: the mailboxes of processes, for send(P)
 *   ring.c      rings: shared-memory bounded buffers
 */
#ifndef _MBOX_H
#define _MBOX_H

#include <linux/compiler.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/poll.h>
#include <linux/rhashtable-types.h>
#include <linux/types.h>
#include <linux/uidgid.h>

#define MBOX_VERSION		"0.1.0"

/*
 * Limits, one per module parameter (main.c). Root may change them at run
 * time through sysfs, so read them with mbox_limit() once per operation and
 * use that value throughout.
 */
enum mbox_limit_id {
	MBOX_LIMIT_MSG_SIZE_MAX,
	MBOX_LIMIT_MSG_SIZE_DEFAULT,
	MBOX_LIMIT_CAPACITY_MAX,
	MBOX_LIMIT_CAPACITY_DEFAULT,
	MBOX_LIMIT_USER_OBJECTS,
	MBOX_LIMIT_USER_BYTES,
	MBOX_LIMIT_RING_SIZE_MAX,
	MBOX_LIMIT_NR,
};

struct mbox_limit {
	unsigned int val;	/* first: param_get_uint() reads it */
	unsigned int min;
	unsigned int max;
};

extern struct mbox_limit mbox_limits[MBOX_LIMIT_NR];

static inline unsigned int mbox_limit(enum mbox_limit_id id)
{
	return READ_ONCE(mbox_limits[id].val);
}

/*
 * Per-user accounting (registry.c). One struct mbox_user per uid that owns
 * objects or has messages queued; objects hold a reference to the user
 * they are charged to, and a user's charged bytes hold one between them
 * (mbox_user_charge_bytes()), so a message needs none of its own.
 */
struct mbox_user;

struct mbox_user *mbox_user_get_current(void);
void mbox_user_hold(struct mbox_user *user);
void mbox_user_put(struct mbox_user *user);
int mbox_user_charge_bytes(struct mbox_user *user, struct file *file,
			   size_t bytes);
void mbox_user_uncharge_bytes(struct mbox_user *user, size_t bytes);

/* A wait on a bound object's poll queue that passes its events on. */
struct mbox_poll_relay {
	struct wait_queue_entry entry;
	wait_queue_head_t *head;	/* the object's queue it is on */
	wait_queue_head_t *to;		/* the descriptor's unbound_wait */
};

/*
 * Memory that counts against user_bytes_max is allocated with
 * mbox_kvalloc(), whose cost in pinned kernel memory mbox_kvalloc_cost()
 * gives; mbox_vmap_cost() is what a vmap() pins besides its pages.
 */
void *mbox_kvalloc(size_t size, gfp_t gfp);
size_t mbox_kvalloc_cost(size_t size);
size_t mbox_vmap_cost(void);

/*
 * What a /dev/mbox descriptor holds (file->private_data). It binds to one
 * object, once.
 */
struct mbox_file {
	struct mutex lock;		/* serializes binding */
	/* Set once under @lock; read it with smp_load_acquire(). */
	struct mbox_obj *obj;
	struct mbox_user *user;		/* the opener's: pays for what is sent */
	u32 role;			/* MBOX_RING_*, for a ring; set with @obj */
	bool may_map;			/* ring: the opener may read its data */
	/*
	 * Polls made while unbound wait on @unbound_wait (main.c). If there
	 * were any, binding puts relays on the object's poll queues that
	 * pass its events on, so they keep working. Under @lock.
	 */
	bool polled_unbound;
	u32 nr_relays;
	wait_queue_head_t unbound_wait;
	struct mbox_poll_relay relays[2];
};

/*
 * An object: what mailboxes (and later rings) have in common. Embedded in
 * the type's own structure; @ops says how to handle the rest.
 */
struct mbox_obj;
struct mbox_open_req;

struct mbox_obj_ops {
	int type;				/* MBOX_TYPE_* */
	/*
	 * A descriptor binds to the object as @req asks (under the registry
	 * lock, for a named object; -errno refuses it), or is released.
	 */
	int (*attach)(struct mbox_obj *obj, struct file *file,
		      const struct mbox_open_req *req);
	void (*detach)(struct mbox_obj *obj, struct file *file);
	/* The name is gone; no new descriptor can bind. */
	void (*unlinked)(struct mbox_obj *obj);
	/* The last reference is gone: free the object. */
	void (*release)(struct mbox_obj *obj);
	/* For MBOX_IOC_LIST. */
	void (*usage)(struct mbox_obj *obj, u32 *queued, u64 *queued_bytes);
	/* The file operations of a descriptor bound to the object. */
	ssize_t (*read_iter)(struct mbox_obj *obj, struct kiocb *iocb,
			     struct iov_iter *to);
	ssize_t (*write_iter)(struct mbox_obj *obj, struct kiocb *iocb,
			      struct iov_iter *from);
	__poll_t (*poll)(struct mbox_obj *obj, struct file *file,
			 poll_table *pt);
	/*
	 * The type's own commands, as main.c's command table routes them:
	 * only commands the table gives to this type come here. @karg is the
	 * argument, copied in once by the dispatcher (NULL for a command
	 * without one, whose value is then @uarg); read it, never @uarg,
	 * which is only where results go. The descriptor @file is usually
	 * bound to @obj, but a send by pid (MBOX_SEND_TO_PID) comes through
	 * any descriptor: use @file only for its access mode, flags and
	 * opener.
	 */
	long (*ioctl)(struct mbox_obj *obj, struct file *file,
		      unsigned int cmd, void *karg, void __user *uarg);
	/* mmap(); NULL when the type cannot be mapped. */
	int (*mmap)(struct mbox_obj *obj, struct file *file,
		    struct vm_area_struct *vma);
};

struct mbox_obj {
	struct kref ref;
	const struct mbox_obj_ops *ops;
	/* Under mbox_registry_lock (registry.c), while the object is named: */
	struct rhash_head node;		/* in the name table */
	struct list_head list;		/* in its namespace's objects */
	struct mbox_ns *ns;		/* its IPC namespace's; NULL: unnamed */
	/* Set at creation, never changed. */
	bool counted;			/* charged to @owner's object count */
	kuid_t uid;			/* owner, also the creator */
	kgid_t gid;
	umode_t mode;
	struct mbox_user *owner;
	u32 name_len;
	char *name;			/* NULL: an inbox, or anonymous */
};

/* What MBOX_IOC_OPEN or MBOX_IOC_RING_OPEN asks of the registry. */
struct mbox_open_req {
	int type;			/* MBOX_TYPE_* */
	struct file *file;		/* the descriptor that binds */
	const char *name;
	u32 name_len;
	u32 flags;			/* MBOX_OPEN_*, checked */
	fmode_t fmode;			/* the descriptor's access */
	/*
	 * Makes a new object of the type; no spinlock is held. It checks
	 * the creation attributes below (EINVAL), against the limits in
	 * force then: they matter only when something is created, as for
	 * mq_open(3), so opening an existing object never looks at them.
	 */
	struct mbox_obj *(*create)(const struct mbox_open_req *req);
	/* The creation attributes, as the caller gave them. */
	u32 mode;			/* permission bits */
	u32 capacity;			/* mailbox */
	u32 msg_size;			/* mailbox */
	u32 size;			/* ring */
	u32 role;			/* ring: MBOX_RING_*, checked */
};

int mbox_registry_init(void);
void mbox_registry_exit(void);
int mbox_name_from_user(char *buf, const char __user *uname, u32 *len);
struct mbox_obj *mbox_obj_open(const struct mbox_open_req *req);
int mbox_obj_unlink(int type, const char *name, u32 name_len);
int mbox_obj_list(void __user *ubuf, u32 len, u32 *count, u32 *needed);
void mbox_obj_init(struct mbox_obj *obj, const struct mbox_obj_ops *ops);
int mbox_obj_init_anon(struct mbox_obj *obj, umode_t mode);
void mbox_obj_destroy(struct mbox_obj *obj);
int mbox_obj_permission(struct mbox_obj *obj, fmode_t fmode);

static inline void mbox_obj_get(struct mbox_obj *obj)
{
	kref_get(&obj->ref);
}

void mbox_obj_put(struct mbox_obj *obj);

/* The object @file is bound to, or NULL. */
static inline struct mbox_obj *mbox_file_obj(struct file *file)
{
	struct mbox_file *mf = file->private_data;

	/* Pairs with smp_store_release() in mbox_bind_end(). */
	return smp_load_acquire(&mf->obj);
}

/* Mailboxes (mailbox.c) and inboxes (inbox.c). */
struct mbox_open;
struct mbox_send;
struct mbox_batch;

int mbox_mailbox_open_req(struct mbox_open_req *req,
			  const struct mbox_open *args);
struct mbox_obj *mbox_inbox_open(const struct mbox_open *args, fmode_t fmode);
struct mbox_obj *mbox_send_target(struct file *file, unsigned int cmd,
				  const void *karg);
struct mbox_obj *mbox_mailbox_create_anon(const struct mbox_open_req *req);

/* Bytes of header a queued message has besides its payload (mailbox.c). */
u32 mbox_msg_overhead(void);
/* The mailboxes' slab cache, made at load and destroyed at unload. */
int mbox_mailbox_cache_init(void);
void mbox_mailbox_cache_exit(void);

/* Rings (ring.c). */
struct mbox_ring_open;

int mbox_ring_open_req(struct mbox_open_req *req,
		       const struct mbox_ring_open *args);
struct mbox_obj *mbox_ring_create_anon(const struct mbox_open_req *req);
void mbox_ring_layout(struct mbox_obj *obj, struct mbox_ring_layout *layout);

#endif /* _MBOX_H */
