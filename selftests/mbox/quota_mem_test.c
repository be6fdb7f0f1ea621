// SPDX-License-Identifier: GPL-2.0
/*
 * quota_mem_test: user_bytes_max bounds the kernel memory a user pins, not
 * just the bytes it asked for. A user held to N bytes fills the quota with
 * messages of sizes that sit just past an allocator's size class (1 MiB + 1,
 * 4 KiB, 8 KiB - 63, 64 B, ...), and the memory the kernel lost, read from
 * MemFree in /proc/meminfo, must be at most N * 1.1 plus a fixed slack. It
 * must also be at least N * 0.9 minus that slack, so that the measurement
 * is known to see the memory, and come back once the messages are freed.
 *
 * Free memory is MemFree plus the pages on the per-CPU page lists (which
 * MemFree leaves out and which hold tens of MiB on 6.12), after dropping
 * the caches. The slack (SLACK, 2 MiB) covers what neither counts: pages
 * that slabs keep on their per-CPU partial lists and the kernel's own
 * activity between two readings (a few hundred KiB in practice).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/mbox.h>

#include "kselftest_harness.h"
#include "common.h"

#define MiB		(1024LL * 1024)
#define QUOTA		(64 * MiB)
/*
 * With kmemleak and KASAN every allocation is bigger than its class, so
 * the bound is not checked there; a small quota keeps the fill quick.
 */
#define QUOTA_DEBUG	(4 * MiB)
#define MSG_SIZE_MAX	(2 * MiB)
#define UID		4321
#define SLACK		(2 * MiB)

/* Bytes: MemFree from /proc/meminfo. */
static long long mem_free(void)
{
	char line[256];
	long long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemFree: %lld kB", &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

/*
 * Bytes in the per-CPU page lists now: free pages that MemFree does not
 * count (the "count" of every CPU's pageset in /proc/zoneinfo).
 */
static long long pcp_free(void)
{
	char line[256];
	long long sum = 0, count;
	FILE *f = fopen("/proc/zoneinfo", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " count: %lld", &count) == 1)
			sum += count;
	fclose(f);
	return sum * sysconf(_SC_PAGESIZE);
}

/*
 * Free memory with the caches dropped: MemFree plus the per-CPU page lists,
 * as the largest of three readings, which differ only by what the slabs'
 * per-CPU caches and the kernel's own work hold at that moment.
 */
static long long settled_free(void)
{
	long long best = -1, v;
	int fd, i;

	for (i = 0; i < 3; i++) {
		sync();
		fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
		if (fd >= 0) {
			if (write(fd, "3", 1) != 1)
				best = -1;
			close(fd);
		}
		v = mem_free() + pcp_free();
		if (v > best)
			best = v;
	}
	return best;
}

/*
 * As an unprivileged user (no CAP_SYS_RESOURCE): send @len-byte messages
 * on @name until the quota says no. Exits 0 once it has, with at least one
 * message queued.
 */
static int fill(const char *name, uint32_t len)
{
	static struct mbox_msgvec vec[MBOX_BATCH_MAX];
	unsigned long long n = 0;
	struct mbox_batch out;
	char *buf;
	int fd, ret, i;

	if (become_user(UID, UID))
		return 10;
	buf = calloc(1, len);
	if (!buf)
		return 11;
	for (i = 0; i < MBOX_BATCH_MAX; i++) {
		vec[i].buf = (uintptr_t)buf;
		vec[i].len = len;
	}
	fd = mb_open(name, O_WRONLY, 0, 0, 0, 0);
	if (fd < 0)
		return 12;
	for (;;) {
		ret = mb_batch(fd, MBOX_IOC_SEND_BATCH, vec, MBOX_BATCH_MAX,
			       MBOX_SEND_NONBLOCK, 0, 0, &out);
		if (ret > 0)
			n += ret;
		if (ret == -EDQUOT || (ret >= 0 && out.error == EDQUOT))
			break;
		if (ret < 0 || out.error)
			return 13;
	}
	return n ? 0 : 14;
}

struct size_case {
	uint32_t len;
	const char *what;
};

static const struct size_case sizes[] = {
	{ 1024 * 1024 + 1, "1 MiB + 1: a kmalloc would take 2 MiB" },
	{ 4096, "4 KiB: header and payload land in the 8 KiB class" },
	{ 8192 - 63, "just past the largest slab class" },
	{ 100000, "100000 B: 25 pages by vmalloc, 32 by kmalloc" },
	{ 3000, "3000 B: the 4 KiB class" },
	{ 64, "64 B: the 128 B class, with the header" },
};

TEST(pinned_memory_within_quota)
{
	long long bytes_max = param_read("user_bytes_max");
	long long size_max = param_read("msg_size_max");
	long long slack = SLACK;
	bool debug = access("/sys/kernel/debug/kmemleak", F_OK) == 0;
	long long quota = debug ? QUOTA_DEBUG : QUOTA;
	size_t i;

	ASSERT_LE(0, bytes_max);
	ASSERT_LE(0, size_max);
	ASSERT_EQ(0, param_write("msg_size_max", MSG_SIZE_MAX));
	ASSERT_EQ(0, param_write("user_bytes_max", quota));
	TH_LOG("quota %lld MiB, slack %lld KiB", quota / MiB, slack / 1024);

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		const char *name = mb_name("quota-mem");
		long long before, full, after, pinned;
		int fd, status;
		pid_t pid;

		umask(0);
		fd = mb_open(name, O_RDONLY, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL |
			     MBOX_OPEN_UNBOUNDED, 0666, 0, sizes[i].len);
		ASSERT_LE(0, fd);

		before = settled_free();
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0)
			_exit(fill(name, sizes[i].len));
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_EQ(0, WEXITSTATUS(status)) TH_LOG("%s", sizes[i].what);
		/* The sender is gone; only its messages hold memory now. */
		full = settled_free();
		pinned = before - full;

		/* Freeing the mailbox frees the messages and their charge. */
		EXPECT_EQ(0, mb_unlink(name));
		close(fd);
		after = settled_free();

		TH_LOG("%7u B: pinned %lld KiB of a %lld KiB quota; %lld KiB not back after freeing",
		       sizes[i].len, pinned / 1024, quota / 1024,
		       (before - after) / 1024);
		if (debug) {
			/* kmemleak and KASAN add to every allocation. */
			continue;
		}
		EXPECT_GE(quota + quota / 10 + slack, pinned)
			TH_LOG("%s", sizes[i].what);
		EXPECT_LE(quota - quota / 10 - slack, pinned)
			TH_LOG("%s", sizes[i].what);
		EXPECT_GE(slack, before - after) TH_LOG("%s", sizes[i].what);
	}

	ASSERT_EQ(0, param_write("user_bytes_max", bytes_max));
	ASSERT_EQ(0, param_write("msg_size_max", size_max));
	if (debug)
		SKIP(return, "memory debugging inflates allocations: bound not checked");
}

/* As an unprivileged user: create 64 KiB rings until the quota says no. */
static int fill_rings(const char *prefix)
{
	char name[MBOX_NAME_MAX + 1];
	int i, fd;

	if (become_user(UID, UID))
		return 10;
	for (i = 0;; i++) {
		snprintf(name, sizeof(name), "%s-%d", prefix, i);
		fd = ring_open(name, O_RDWR, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL,
			       0600, 65536, MBOX_RING_PRODUCER, NULL);
		if (fd == -EDQUOT)
			return i ? 0 : 11;
		if (fd < 0)
			return 12;
		close(fd);
	}
}

/* Rings count their pages, page array and bookkeeping. */
TEST(ring_memory_within_quota)
{
	long long bytes_max = param_read("user_bytes_max");
	long long objects_max = param_read("user_objects_max");
	const char *prefix = mb_name("quota-ring");
	bool debug = access("/sys/kernel/debug/kmemleak", F_OK) == 0;
	long long quota = debug ? QUOTA_DEBUG : QUOTA;
	long long before, full, after, pinned;
	char name[MBOX_NAME_MAX + 1];
	int status, i;
	pid_t pid;

	ASSERT_EQ(0, param_write("user_bytes_max", quota));
	ASSERT_EQ(0, param_write("user_objects_max", 100000));
	before = settled_free();
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(fill_rings(prefix));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
	full = settled_free();
	pinned = before - full;
	for (i = 0;; i++) {
		snprintf(name, sizeof(name), "%s-%d", prefix, i);
		if (ring_unlink(name))
			break;
	}
	after = settled_free();
	TH_LOG("%d rings of 64 KiB: pinned %lld KiB of a %lld KiB quota; %lld KiB not back after freeing",
	       i, pinned / 1024, quota / 1024, (before - after) / 1024);
	ASSERT_EQ(0, param_write("user_bytes_max", bytes_max));
	ASSERT_EQ(0, param_write("user_objects_max", objects_max));
	if (debug)
		SKIP(return, "memory debugging inflates allocations: bound not checked");
	EXPECT_GE(quota + quota / 10 + SLACK, pinned);
	EXPECT_LE(quota - quota / 10 - SLACK, pinned);
	EXPECT_GE(SLACK, before - after);
}

TEST_HARNESS_MAIN
