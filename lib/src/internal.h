/* SPDX-License-Identifier: (LGPL-2.1 OR MIT) */
/*
 * Helpers shared by the library's source files; not part of the ABI.
 */
#ifndef LIBMBOX_INTERNAL_H
#define LIBMBOX_INTERNAL_H

/* open(2) /dev/mbox with O_CLOEXEC added; returns the fd or -errno. */
int mbox__open_device(int oflags);

/* ioctl(2) returning its result (>= 0) or -errno. */
int mbox__ioctl(int fd, unsigned long cmd, void *arg);

/*
 * A descriptor of /dev/mbox opened with @oflags and bound by the ioctl @cmd;
 * returns the fd, or -errno with nothing left open.
 */
int mbox__open_bound(int oflags, unsigned long cmd, void *arg);

/* mbox__ioctl() on a descriptor of /dev/mbox opened for the one call. */
int mbox__device_ioctl(unsigned long cmd, void *arg);

#endif /* LIBMBOX_INTERNAL_H */
