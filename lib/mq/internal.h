/* SPDX-License-Identifier: (LGPL-2.1 OR MIT) */
/* What the sources of libmbox-mq share. */
#ifndef MBOX_MQ_INTERNAL_H
#define MBOX_MQ_INTERNAL_H

#include <linux/mbox.h>
#include <stddef.h>

#define MBOX_DEVICE_PATH "/dev/mbox"

/* ioctl(2) returning 0 or -errno. */
int mq__ioctl(int fd, unsigned long cmd, void *arg);

/*
 * MBOX_IOC_STAT on @fd: 0 or -errno, with what the kernel's mqueue says
 * about a descriptor that is not a message queue (EBADF) in place of
 * /dev/mbox's ENOTTY, ENOTCONN and EINVAL.
 */
int mq__stat(int fd, struct mbox_stat *st);

/* The mbox name an open descriptor was opened with, copied to @buf. */
int mq__fd_name(int fd, char *buf, size_t size);

/* Forget the notification registered through @fd, if any. */
void mq__notify_close(int fd);

/* Forget the notification lock of queue @name (mq_unlink). */
void mq__notify_unlink(const char *name);

/*
 * A program linked against glibc asks for mq_open@GLIBC_2.34 (or
 * @GLIBC_2.3.4, through librt, when linked before glibc 2.34). The dynamic
 * linker binds a versioned reference only to a definition of that version,
 * so for LD_PRELOAD=libmbox-mq.so.1 to take those calls the library also
 * defines each function under glibc's versions (libmbox-mq.map).
 */
#define MQ_GLIBC_ALIASES(fn) \
	extern __typeof(fn) fn##__glibc_2_34 __attribute__((alias(#fn), copy(fn))); \
	extern __typeof(fn) fn##__glibc_2_3_4 __attribute__((alias(#fn), copy(fn))); \
	__asm__(".symver " #fn "__glibc_2_34, " #fn "@GLIBC_2.34"); \
	__asm__(".symver " #fn "__glibc_2_3_4, " #fn "@GLIBC_2.3.4"); \
	__asm__(".symver " #fn ", " #fn "@@@LIBMBOX_MQ_1");

#endif
