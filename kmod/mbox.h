/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Declarations shared by the files of the mbox module.
 */
#ifndef _MBOX_H
#define _MBOX_H

#include <linux/compiler.h>
#include <linux/types.h>

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
	MBOX_LIMIT_USER_MAILBOXES,
	MBOX_LIMIT_USER_BYTES,
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

#endif /* _MBOX_H */
