/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loading and unloading mbox.ko through libkmod, for the VM's loader and for
 * module_test.
 */
#ifndef MBOX_MODLOAD_H
#define MBOX_MODLOAD_H

/* Insert the module at @path with @options (may be NULL). 0 or -errno. */
int modload_insert(const char *path, const char *options);

/*
 * Remove module @name as rmmod does: -ENOENT when it is not loaded, -EBUSY
 * when something holds a reference. 0 or -errno.
 */
int modload_remove(const char *name);

/* The module's reference count, or -errno (-ENOENT when not loaded). */
int modload_refcnt(const char *name);

#endif /* MBOX_MODLOAD_H */
