/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * mbox: kernel mailboxes and shared-memory rings, reached through /dev/mbox.
 *
 * This header is the whole ABI between the mbox module and userspace. It is
 * shared verbatim by the module, libmbox and any other user.
 *
 * Rules every structure here follows:
 *  - only fixed-width __u8/__u16/__u32/__u64 (and signed) fields;
 *  - user pointers travel as __u64 (use u64_to_user_ptr() in the kernel);
 *  - explicit padding, sizes a multiple of 8, so i386 and x86-64 agree and
 *    no compat translation is needed;
 *  - a @flags field in every argument structure; a flag bit the kernel does
 *    not know gives -EINVAL;
 *  - reserved and padding fields must be zero on input (-EINVAL otherwise)
 *    so that they can be given a meaning later.
 *
 * Every command uses the magic MBOX_IOC_MAGIC; an unknown command gives
 * -ENOTTY.
 */
#ifndef _UAPI_LINUX_MBOX_H
#define _UAPI_LINUX_MBOX_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Bumped only for incompatible changes; additions are announced in features. */
#define MBOX_ABI_VERSION	1

/* Not registered in ioctl-number.rst; unused there as of Linux 6.12. */
#define MBOX_IOC_MAGIC		0xBC

/* Longest object name, in bytes, not counting the terminating NUL. */
#define MBOX_NAME_MAX		255

/**
 * struct mbox_info - MBOX_IOC_INFO: ABI version and the limits in force
 * @flags:		in: must be 0.
 * @abi_version:	out: MBOX_ABI_VERSION of the running module.
 * @features:		out: MBOX_FEAT_* bits for what this module offers.
 * @name_max:		out: MBOX_NAME_MAX.
 * @msg_size_max:	out: largest per-message size a mailbox may be given.
 * @msg_size_default:	out: per-message size of a mailbox created with 0.
 * @capacity_max:	out: largest capacity (in messages) of a bounded
 *			mailbox.
 * @capacity_default:	out: capacity of a mailbox created with 0 and no
 *			capacity flag.
 * @user_mailboxes_max:	out: mailboxes one user may own at a time.
 * @user_bytes_max:	out: bytes one user may have queued at a time.
 * @reserved:		in: must be 0; out: 0.
 *
 * The limits are the module parameters of the same names; root may change
 * them at run time through /sys/module/mbox/parameters, so a value read here
 * is a snapshot.
 */
struct mbox_info {
	__u32 flags;
	__u32 abi_version;
	__u64 features;
	__u32 name_max;
	__u32 msg_size_max;
	__u32 msg_size_default;
	__u32 capacity_max;
	__u32 capacity_default;
	__u32 user_mailboxes_max;
	__u64 user_bytes_max;
	__u64 reserved[4];
};

#define MBOX_IOC_INFO		_IOWR(MBOX_IOC_MAGIC, 0x00, struct mbox_info)

#endif /* _UAPI_LINUX_MBOX_H */
