// SPDX-License-Identifier: GPL-2.0
/*
 * Loading and unloading mbox.ko through libkmod.
 */
#include <errno.h>
#include <libkmod.h>
#include <stddef.h>

#include "modload.h"

/* Run @fn on module @name in a fresh libkmod context. */
static int with_module(const char *name, int (*fn)(struct kmod_module *mod))
{
	struct kmod_module *mod;
	struct kmod_ctx *ctx;
	int ret;

	ctx = kmod_new(NULL, NULL);
	if (!ctx)
		return -ENOMEM;
	ret = kmod_module_new_from_name(ctx, name, &mod);
	if (!ret) {
		ret = fn(mod);
		kmod_module_unref(mod);
	}
	kmod_unref(ctx);
	return ret;
}

int modload_insert(const char *path, const char *options)
{
	struct kmod_module *mod;
	struct kmod_ctx *ctx;
	int ret;

	ctx = kmod_new(NULL, NULL);
	if (!ctx)
		return -ENOMEM;
	ret = kmod_module_new_from_path(ctx, path, &mod);
	if (!ret) {
		ret = kmod_module_insert_module(mod, 0, options);
		kmod_module_unref(mod);
	}
	kmod_unref(ctx);
	return ret;
}

static int get_refcnt(struct kmod_module *mod)
{
	if (kmod_module_get_initstate(mod) < 0)
		return -ENOENT;
	return kmod_module_get_refcnt(mod);
}

int modload_refcnt(const char *name)
{
	return with_module(name, get_refcnt);
}

static int remove_module(struct kmod_module *mod)
{
	int ret;

	ret = get_refcnt(mod);
	if (ret < 0)
		return ret;
	if (ret > 0)
		return -EBUSY;
	ret = kmod_module_remove_module(mod, KMOD_REMOVE_NOWAIT);
	/* A reference taken since the check: the kernel says EWOULDBLOCK. */
	return ret == -EWOULDBLOCK ? -EBUSY : ret;
}

int modload_remove(const char *name)
{
	return with_module(name, remove_module);
}
