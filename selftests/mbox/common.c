// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the mbox selftests.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common.h"

static int param_path(char *buf, size_t len, const char *name)
{
	int n = snprintf(buf, len, "/sys/module/mbox/parameters/%s", name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

long long param_read(const char *name)
{
	char path[128], buf[32];
	ssize_t n;
	int fd;

	if (param_path(path, sizeof(path), name))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	buf[n] = '\0';
	return strtoll(buf, NULL, 0);
}

int param_write(const char *name, long long value)
{
	char path[128], buf[32];
	int fd, len, ret = 0;

	if (param_path(path, sizeof(path), name))
		return -ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%lld", value);
	if (write(fd, buf, len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

void *fault_area(size_t valid, size_t size)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t map_len = (valid + size + 2 * page) & ~(page - 1);
	size_t good = (valid + page - 1) & ~(page - 1);
	char *p;

	p = mmap(NULL, map_len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (mprotect(p + good, map_len - good, PROT_NONE))
		return NULL;
	return p + good - valid;
}
