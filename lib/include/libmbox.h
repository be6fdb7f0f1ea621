/* SPDX-License-Identifier: (LGPL-2.1 OR MIT) */
/*
 * libmbox: the userspace library for /dev/mbox.
 *
 * Conventions, for every function here:
 *  - the return value is 0 (or a byte count, where documented) on success and
 *    a negative errno on failure; errno itself is left untouched;
 *  - the functions are thread-safe: they keep no hidden global state.
 *
 * The kernel ABI is <linux/mbox.h>, included as is.
 */
#ifndef LIBMBOX_H
#define LIBMBOX_H

#include <linux/mbox.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The device node the module creates. */
#define MBOX_DEVICE_PATH	"/dev/mbox"

/**
 * mbox_info() - ask the running module for its ABI version and limits
 * @info: filled in on success; see struct mbox_info in <linux/mbox.h>
 *
 * Return: 0, or -ENOENT when /dev/mbox does not exist (the module is not
 * loaded), or another -errno from open(2) or ioctl(2).
 */
int mbox_info(struct mbox_info *info);

#ifdef __cplusplus
}
#endif

#endif /* LIBMBOX_H */
