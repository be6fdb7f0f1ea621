// SPDX-License-Identifier: GPL-2.0
/*
 * mbox: kernel mailboxes and shared-memory rings behind /dev/mbox.
 *
 * This file holds the module's frame: the misc device, the module parameters
 * and the ioctl dispatch. The objects themselves live in their own files.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
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

struct mbox_limit mbox_limits[MBOX_LIMIT_NR] = {
	[MBOX_LIMIT_MSG_SIZE_MAX]     = { SZ_1M, 0, MBOX_MSG_SIZE_CEILING },
	[MBOX_LIMIT_MSG_SIZE_DEFAULT] = { 8192, 0, MBOX_MSG_SIZE_CEILING },
	[MBOX_LIMIT_CAPACITY_MAX]     = { 65536, 1, MBOX_CAPACITY_CEILING },
	[MBOX_LIMIT_CAPACITY_DEFAULT] = { 64, 1, MBOX_CAPACITY_CEILING },
	[MBOX_LIMIT_USER_MAILBOXES]   = { 1024, 0, INT_MAX },
	[MBOX_LIMIT_USER_BYTES]       = { SZ_64M, 0, UINT_MAX },
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

module_param_cb(user_mailboxes_max, &mbox_param_ops, &mbox_limits[MBOX_LIMIT_USER_MAILBOXES], 0644);
__MODULE_PARM_TYPE(user_mailboxes_max, "uint");
MODULE_PARM_DESC(user_mailboxes_max, "Mailboxes one user may own at a time (default 1024; CAP_SYS_RESOURCE is exempt)");

module_param_cb(user_bytes_max, &mbox_param_ops, &mbox_limits[MBOX_LIMIT_USER_BYTES], 0644);
__MODULE_PARM_TYPE(user_bytes_max, "uint");
MODULE_PARM_DESC(user_bytes_max, "Bytes one user may have queued at a time (default 64 MiB; CAP_SYS_RESOURCE is exempt)");

static int mbox_ioctl_info(struct mbox_info __user *uinfo)
{
	struct mbox_info info;

	if (copy_from_user(&info, uinfo, sizeof(info)))
		return -EFAULT;
	if (info.flags || memchr_inv(info.reserved, 0, sizeof(info.reserved)))
		return -EINVAL;

	memset(&info, 0, sizeof(info));
	info.abi_version = MBOX_ABI_VERSION;
	info.features = 0;
	info.name_max = MBOX_NAME_MAX;
	info.msg_size_max = mbox_limit(MBOX_LIMIT_MSG_SIZE_MAX);
	info.msg_size_default = mbox_limit(MBOX_LIMIT_MSG_SIZE_DEFAULT);
	info.capacity_max = mbox_limit(MBOX_LIMIT_CAPACITY_MAX);
	info.capacity_default = mbox_limit(MBOX_LIMIT_CAPACITY_DEFAULT);
	info.user_mailboxes_max = mbox_limit(MBOX_LIMIT_USER_MAILBOXES);
	info.user_bytes_max = mbox_limit(MBOX_LIMIT_USER_BYTES);

	if (copy_to_user(uinfo, &info, sizeof(info)))
		return -EFAULT;
	return 0;
}

static long mbox_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case MBOX_IOC_INFO:
		return mbox_ioctl_info(argp);
	default:
		return -ENOTTY;
	}
}

static int mbox_open(struct inode *inode, struct file *file)
{
	return stream_open(inode, file);
}

static const struct file_operations mbox_fops = {
	.owner		= THIS_MODULE,
	.open		= mbox_open,
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

	ret = misc_register(&mbox_misc);
	if (ret) {
		pr_err("cannot register /dev/mbox: %d\n", ret);
		return ret;
	}
	pr_info("version %s loaded\n", MBOX_VERSION);
	return 0;
}

static void __exit mbox_exit(void)
{
	misc_deregister(&mbox_misc);
}

module_init(mbox_init);
module_exit(mbox_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The mbox developers");
MODULE_DESCRIPTION("Kernel mailboxes and shared-memory rings for IPC");
MODULE_VERSION(MBOX_VERSION);
