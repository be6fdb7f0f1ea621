/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Out-of-tree compatibility: force-included by kmod/Kbuild when the module is
 * built outside the kernel tree. Each shim is keyed on a MBOX_HAVE_* macro
 * that kmod/Kbuild sets by probing the tree's headers, so a distribution
 * kernel with a backport gets the right answer. Version numbers are used only
 * to refuse kernels outside the supported range.
 */
#ifndef _MBOX_COMPAT_H
#define _MBOX_COMPAT_H

#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0)
#error "mbox supports Linux 6.1 and later"
#endif
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#error "mbox has been tested up to Linux 6.12; newer kernels are not supported yet"
#endif

/* Gone from the API (and the exports) with pidfs, in 6.9. */
#ifndef MBOX_HAVE_THREAD_GROUP_EXITED
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>

/* Have all threads of the group @pid leads exited? */
static inline bool thread_group_exited(struct pid *pid)
{
	struct task_struct *task;
	bool exited;

	rcu_read_lock();
	task = pid_task(pid, PIDTYPE_PID);
	exited = !task || (READ_ONCE(task->exit_state) &&
			   thread_group_empty(task));
	rcu_read_unlock();
	return exited;
}
#endif

/* vma->vm_flags became read-only behind helpers in 6.3. */
#ifndef MBOX_HAVE_VM_FLAGS_SET
#include <linux/mm.h>

static inline void vm_flags_clear(struct vm_area_struct *vma,
				  vm_flags_t flags)
{
	vma->vm_flags &= ~flags;
}
#endif

#endif /* _MBOX_COMPAT_H */
