// SPDX-License-Identifier: GPL-2.0
/*
 * mailbox_stress_test: many processes, many mailboxes, many waiters.
 *
 *  - N sender and M receiver processes share a small mailbox; every message
 *    carries its sender, a sequence number and a checksum, and must arrive
 *    exactly once, intact, and in its sender's order;
 *  - 10,000 mailboxes at once, each reachable by name;
 *  - 1,000 receivers blocked on one mailbox at once, each served once.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/mbox.h>

#include "kselftest_harness.h"
#include "common.h"

/* The harness has per-test timeouts only for fixtures: an empty one. */
FIXTURE(stress) {
};

FIXTURE_SETUP(stress)
{
}

FIXTURE_TEARDOWN(stress)
{
}

#define SENDERS 4
#define RECEIVERS 3
#define PER_SENDER 3000
#define MAX_LEN 512

/* Shared between the processes: who received what. */
struct tally {
	uint32_t seen[SENDERS][PER_SENDER];	/* times each message arrived */
	uint32_t corrupt;
	uint32_t out_of_order;
	uint32_t received[RECEIVERS];
};

static int sender(int fd, uint32_t id)
{
	char buf[MAX_LEN];
	uint32_t seq, len, x = id * 2654435761u;

	for (seq = 0; seq < PER_SENDER; seq++) {
		x = x * 1664525 + 1013904223;
		len = sizeof(struct stamp) + (x >> 8) % (MAX_LEN - sizeof(struct stamp) + 1);
		stamp_fill(buf, len, id, seq);
		/* Every other message through write(), the rest by ioctl. */
		if (seq & 1) {
			if (write(fd, buf, len) != (ssize_t)len)
				return 1;
		} else if (mb_send(fd, buf, len, 0, 0)) {
			return 1;
		}
	}
	return 0;
}

static int receiver(int fd, uint32_t id, struct tally *t)
{
	int32_t last[SENDERS];
	char buf[MAX_LEN];
	struct stamp s;
	int n, i;

	for (i = 0; i < SENDERS; i++)
		last[i] = -1;
	for (;;) {
		n = (id & 1) ? read(fd, buf, sizeof(buf))
			     : mb_recv(fd, buf, sizeof(buf), 0, 0, NULL);
		if (n < 0)
			return 1;
		if (n == 0)		/* the end marker */
			return 0;
		if (stamp_check(buf, n, &s) || s.producer >= SENDERS ||
		    s.seq >= PER_SENDER) {
			__atomic_add_fetch(&t->corrupt, 1, __ATOMIC_RELAXED);
			continue;
		}
		/* One receiver sees each sender's messages in order. */
		if ((int32_t)s.seq <= last[s.producer])
			__atomic_add_fetch(&t->out_of_order, 1, __ATOMIC_RELAXED);
		last[s.producer] = s.seq;
		__atomic_add_fetch(&t->seen[s.producer][s.seq], 1, __ATOMIC_RELAXED);
		t->received[id]++;
	}
}

TEST_F_TIMEOUT(stress, senders_and_receivers, 600)
{
	const char *name = mb_name("stress");
	pid_t pids[SENDERS + RECEIVERS];
	uint32_t i, j, missing = 0, dup = 0, total = 0;
	struct tally *t;
	int fd, status;

	t = mmap(NULL, sizeof(*t), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, t);
	/* Small, so that both sides block often. */
	fd = mb_create(name, 8, MAX_LEN);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mb_unlink(name));

	for (i = 0; i < RECEIVERS; i++) {
		pids[SENDERS + i] = fork();
		ASSERT_LE(0, pids[SENDERS + i]);
		if (pids[SENDERS + i] == 0)
			_exit(receiver(fd, i, t));
	}
	for (i = 0; i < SENDERS; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0)
			_exit(sender(fd, i));
	}
	for (i = 0; i < SENDERS; i++) {
		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		EXPECT_EQ(0, status) TH_LOG("sender %u", i);
	}
	/* One empty message tells each receiver to stop. */
	for (i = 0; i < RECEIVERS; i++)
		ASSERT_EQ(0, mb_send(fd, NULL, 0, 0, 0));
	for (i = 0; i < RECEIVERS; i++) {
		ASSERT_EQ(pids[SENDERS + i], waitpid(pids[SENDERS + i], &status, 0));
		EXPECT_EQ(0, status) TH_LOG("receiver %u", i);
	}

	for (i = 0; i < SENDERS; i++) {
		for (j = 0; j < PER_SENDER; j++) {
			missing += t->seen[i][j] == 0;
			dup += t->seen[i][j] > 1;
		}
	}
	for (i = 0; i < RECEIVERS; i++)
		total += t->received[i];
	EXPECT_EQ(0, missing);
	EXPECT_EQ(0, dup);
	EXPECT_EQ(0, t->corrupt);
	EXPECT_EQ(0, t->out_of_order);
	EXPECT_EQ(SENDERS * PER_SENDER, total);
	close(fd);
}

#define MANY 10000

TEST_F_TIMEOUT(stress, ten_thousand_mailboxes, 600)
{
	struct mbox_list args = { 0 };
	struct rlimit rl = { MANY + 64, MANY + 64 };
	char name[64], buf[16];
	unsigned int i, found = 0;
	struct mbox_list_entry *e;
	int *fds, fd;

	/* Root is exempt from user_objects_max. */
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	fds = calloc(MANY, sizeof(*fds));
	ASSERT_NE(NULL, fds);
	for (i = 0; i < MANY; i++) {
		snprintf(name, sizeof(name), "many-%d-%u", getpid(), i);
		fds[i] = mb_create(name, 1, 16);
		ASSERT_LE(0, fds[i]) TH_LOG("mailbox %u: %d", i, fds[i]);
		ASSERT_EQ(0, mb_send(fds[i], &i, sizeof(i), 0, 0));
	}
	/* Each name leads to its own mailbox. */
	for (i = 0; i < MANY; i += 7) {
		unsigned int v = ~0U;

		snprintf(name, sizeof(name), "many-%d-%u", getpid(), i);
		fd = mb_open(name, O_RDONLY, 0, 0, 0, 0);
		ASSERT_LE(0, fd);
		ASSERT_EQ(sizeof(v), mb_recv(fd, &v, sizeof(v), MBOX_RECV_NONBLOCK, 0, NULL));
		EXPECT_EQ(i, v);
		close(fd);
	}
	/* All of them are listed. */
	ioctl(fds[0], MBOX_IOC_LIST, &args);
	args.len = args.needed;
	args.buf = (uintptr_t)malloc(args.len);
	ASSERT_NE(0, args.buf);
	ASSERT_EQ(0, ioctl(fds[0], MBOX_IOC_LIST, &args));
	snprintf(buf, sizeof(buf), "many-%d-", getpid());
	e = (void *)(uintptr_t)args.buf;
	for (i = 0; i < args.count; i++, e = (void *)((char *)e + e->size))
		found += !strncmp((char *)e->name, buf, strlen(buf));
	EXPECT_EQ(MANY, found);

	for (i = 0; i < MANY; i++) {
		snprintf(name, sizeof(name), "many-%d-%u", getpid(), i);
		ASSERT_EQ(0, mb_unlink(name));
		close(fds[i]);
	}
	free((void *)(uintptr_t)args.buf);
	free(fds);
}

#define WAITERS 1000

struct waiter_arg {
	int fd;
	int value;
};

static void *waiter_thread(void *p)
{
	struct waiter_arg *w = p;
	int v;

	w->value = mb_recv(w->fd, &v, sizeof(v), 0, 0, NULL) == sizeof(v) ? v : -1;
	return NULL;
}

TEST_F_TIMEOUT(stress, thousand_blocked_waiters, 600)
{
	static struct waiter_arg args[WAITERS];
	static pthread_t th[WAITERS];
	static int seen[WAITERS];
	const char *name = mb_name("waiters");
	pthread_attr_t attr;
	int fd, i;

	fd = mb_create(name, 4, 16);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mb_unlink(name));
	ASSERT_EQ(0, pthread_attr_init(&attr));
	ASSERT_EQ(0, pthread_attr_setstacksize(&attr, 64 * 1024));
	for (i = 0; i < WAITERS; i++) {
		args[i].fd = fd;
		ASSERT_EQ(0, pthread_create(&th[i], &attr, waiter_thread, &args[i]));
	}
	ASSERT_TRUE(mb_wait_waiters(fd, 0, WAITERS));
	for (i = 0; i < WAITERS; i++)
		ASSERT_EQ(0, mb_send(fd, &i, sizeof(i), 0, 0));
	for (i = 0; i < WAITERS; i++) {
		ASSERT_EQ(0, pthread_join(th[i], NULL));
		ASSERT_LE(0, args[i].value);
		ASSERT_GT(WAITERS, args[i].value);
		seen[args[i].value]++;
	}
	for (i = 0; i < WAITERS; i++)
		EXPECT_EQ(1, seen[i]) TH_LOG("message %d", i);
	close(fd);
}

TEST_HARNESS_MAIN
