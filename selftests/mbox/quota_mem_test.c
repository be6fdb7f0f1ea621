// SPDX-License-Identifier: GPL-2.0
/*
 * quota_mem_test: user_bytes_max bounds the kernel memory a user pins, not
 * just the bytes it asked for. A user held to N bytes fills the quota with
 * messages of sizes on either side of an allocator's size class and of the
 * line between keeping a payload after its header and keeping it apart
 * (1 MiB + 1, 4032, 4096, 8192, 3 pages, 64 B, ...), and the memory the
 * kernel lost, read from MemFree in /proc/meminfo, must be at most N * 1.1
 * plus a fixed slack. It must also be at least N * 0.9 minus that slack,
 * so that the measurement is known to see the memory, and come back once
 * the messages are freed.
 *
 * That only shows that the charge matches what is pinned, which the old
 * layout (a 4 KiB payload after its header, in the 8 KiB class, charged
 * 8 KiB) did as well. So the number of messages that fit also gives what
 * each was charged, which must be what the cheaper layout pins (struct
 * mbox_info's @msg_overhead): exactly msg_cost() up to 8 KiB, and within
 * VMAP_SLACK of the pages, page array and (when apart) header above.
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
 * the bound is not checked there (the charges are); a small quota keeps
 * the fill quick.
 */
#define QUOTA_DEBUG	(4 * MiB)
#define MSG_SIZE_MAX	(2 * MiB)
#define UID		4321
#define SLACK		(2 * MiB)
/* At most what a vmalloc area's descriptor and address range record take. */
#define VMAP_SLACK	512

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

/*
 * @pages: 0 if the payload comes from the slab, with or without the header;
 * else the vmalloc pages its allocation takes, @apart saying whether the
 * header has an allocation of its own.
 */
struct size_case {
	uint32_t len;
	uint32_t pages;
	bool apart;
	const char *what;
};

static const struct size_case sizes[] = {
	{ 1024 * 1024 + 1, 257, false,
	  "1 MiB + 1: 257 vmalloc pages with the header; a kmalloc would take 2 MiB" },
	{ 4096, 0, false,
	  "4 KiB: apart, 96 B + 4 KiB; together it would take the 8 KiB class" },
	{ 4032, 0, false,
	  "4032 B: together, filling 4 KiB; apart would take 96 B + 4 KiB" },
	{ 8192, 0, false,
	  "8 KiB: apart, 96 B + 8 KiB; together it would take 3 vmalloc pages" },
	{ 8192 - 63, 0, false,
	  "just past the largest slab class with the header: apart, 96 B + 8 KiB" },
	{ 3 * 4096, 3, true,
	  "12 KiB: apart, 96 B + 3 vmalloc pages; together it would take 4" },
	{ 100000, 25, false,
	  "100000 B: 25 vmalloc pages with the header; a kmalloc would take 32" },
	{ 2048, 0, false,
	  "2 KiB: apart, 96 B + 2 KiB; together it would take the 4 KiB class" },
	{ 3000, 0, false, "3000 B: together, in the 4 KiB class" },
	{ 193, 0, false,
	  "193 B, the shortest apart: 96 + 256 B; together it would take 512 B" },
	{ 192, 0, false,
	  "192 B: together, in the 256 B class; apart would take 96 + 192 B" },
	{ 64, 0, false, "64 B: together, filling the 128 B class" },
};

/* The least and the most a message of case @c may be charged. */
static void charge_range(const struct size_case *c, uint32_t overhead,
			 long long *min, long long *max)
{
	if (!c->pages) {
		*min = *max = msg_cost(c->len, overhead);
		return;
	}
	*min = c->pages * 4096LL + slab_class(c->pages * 8) +
	       (c->apart ? slab_class(overhead + 8) : 0);
	*max = *min + VMAP_SLACK;
}

TEST(pinned_memory_within_quota)
{
	long long bytes_max = param_read("user_bytes_max");
	long long size_max = param_read("msg_size_max");
	long long slack = SLACK;
	bool debug = access("/sys/kernel/debug/kmemleak", F_OK) == 0;
	long long quota = debug ? QUOTA_DEBUG : QUOTA;
	struct mbox_info info = { 0 };
	int dev = open("/dev/mbox", O_RDONLY | O_CLOEXEC);
	size_t i;

	ASSERT_LE(0, dev);
	ASSERT_EQ(0, ioctl(dev, MBOX_IOC_INFO, &info));
	close(dev);
	ASSERT_LE(0, bytes_max);
	ASSERT_LE(0, size_max);
	ASSERT_EQ(0, param_write("msg_size_max", MSG_SIZE_MAX));
	ASSERT_EQ(0, param_write("user_bytes_max", quota));
	TH_LOG("quota %lld MiB, slack %lld KiB", quota / MiB, slack / 1024);

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		const char *name = mb_name("quota-mem");
		long long before, full, after, pinned, min, max;
		struct mbox_stat st;
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
		ASSERT_EQ(0, mb_stat(fd, &st));

		/* Freeing the mailbox frees the messages and their charge. */
		EXPECT_EQ(0, mb_unlink(name));
		close(fd);
		after = settled_free();

		TH_LOG("%7u B: %u messages, %lld B each; pinned %lld KiB of a %lld KiB quota; %lld KiB not back after freeing",
		       sizes[i].len, st.queued, quota / st.queued,
		       pinned / 1024, quota / 1024, (before - after) / 1024);
		/*
		 * Each send charges its message's cost until the next would
		 * pass the quota: floor(quota / cost) of them fit.
		 */
		charge_range(&sizes[i], info.msg_overhead, &min, &max);
		EXPECT_LE(quota / max, st.queued)
			TH_LOG("%s: charged over %lld B", sizes[i].what, max);
		EXPECT_GE(quota / min, st.queued)
			TH_LOG("%s: charged under %lld B", sizes[i].what, min);
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
	/* Not SKIP: that would hide a charge checked above and wrong. */
	if (debug)
		TH_LOG("memory debugging inflates allocations: only the charges checked, not the pinned bound");
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
