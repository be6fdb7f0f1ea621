/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the mbox selftests.
 */
#ifndef MBOX_SELFTEST_COMMON_H
#define MBOX_SELFTEST_COMMON_H

#include <stddef.h>

/* A module parameter from /sys/module/mbox/parameters, or -errno. */
long long param_read(const char *name);

/* Write @value to a module parameter: 0 or -errno. */
int param_write(const char *name, long long value);

/*
 * An address range of @size bytes whose first @valid bytes are readable and
 * writable and whose rest is PROT_NONE, for EFAULT tests. Returns the start
 * of the range (so that start + valid is the first bad byte); NULL on error.
 */
void *fault_area(size_t valid, size_t size);

#endif /* MBOX_SELFTEST_COMMON_H */
