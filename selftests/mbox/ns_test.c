// SPDX-License-Identifier: GPL-2.0
/*
 * ns_test: names are scoped per IPC namespace, as POSIX message queues are.
 * Isolation both ways, the same name in two namespaces, LIST showing only
 * the caller's namespace, CAP_IPC_OWNER counted in the user namespace that
 * owns the object's IPC namespace, uids and gids mapped into the caller's
 * user namespace, counters hidden from those who may not read, inboxes not
 * reachable across IPC namespaces, and a namespace's objects (and their
 * quota charges) freed once the namespace is gone.
 *
 * Processes synchronise through pipes only.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
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

#define MAP_BASE	100000	/* a user namespace's uid/gid 0 on the host */
#define INNER_UID	1000	/* a second user inside */
#define OTHER_UID	2000	/* a third, with no access */
#define HOST_UID	1234

/* One entry of LIST for @name and @type, in the caller's view. */
struct seen {
	int count;
	uint32_t uid, gid, queued;
	uint64_t queued_bytes;
};

static struct seen list_find(const char *name, uint32_t type)
{
	static char buf[1 << 16];
	struct mbox_list args = { .buf = (uintptr_t)buf, .len = sizeof(buf) };
	struct seen seen = { 0 };
	struct mbox_list_entry *e;
	uint32_t i, off = 0;
	int fd = open("/dev/mbox", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || ioctl(fd, MBOX_IOC_LIST, &args)) {
		seen.count = -1;
		if (fd >= 0)
			close(fd);
		return seen;
	}
	close(fd);
	for (i = 0; i < args.count; i++) {
		e = (void *)(buf + off);
		if (e->type == type && !strcmp((char *)e->name, name)) {
			seen.count++;
			seen.uid = e->uid;
			seen.gid = e->gid;
			seen.queued = e->queued;
			seen.queued_bytes = e->queued_bytes;
		}
		off += e->size;
	}
	return seen;
}

/* A pipe pair for two processes: wait for and post single bytes. */
struct chan {
	int to_child[2];
	int to_parent[2];
};

static int chan_init(struct chan *c)
{
	return pipe2(c->to_child, O_CLOEXEC) || pipe2(c->to_parent, O_CLOEXEC);
}

static int post(int fd)
{
	return write(fd, "x", 1) == 1 ? 0 : -1;
}

static int await(int fd)
{
	char c;

	return read(fd, &c, 1) == 1 ? 0 : -1;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* Give child @pid (in a new user namespace) 65536 ids from MAP_BASE. */
static int map_ids(pid_t pid)
{
	char path[64], map[64];

	snprintf(map, sizeof(map), "0 %d 65536\n", MAP_BASE);
	snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
	if (write_file(path, map))
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/gid_map", pid);
	return write_file(path, map);
}

/* As a fork of the caller, become @uid/@gid and run @fn: its result. */
static int as_user(uid_t uid, gid_t gid, int (*fn)(const char *),
		   const char *arg)
{
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		umask(0);
		if (become_user(uid, gid))
			_exit(99);
		_exit(fn(arg));
	}
	return reap(pid);
}

/* A host name, and the same name taken in a new IPC namespace. */
TEST(names_are_per_ipc_namespace)
{
	const char *name = mb_name("ns-iso");
	const char *ring = mb_name("ns-iso-ring");
	struct chan c;
	struct seen s;
	char buf[16];
	int fd, rfd;
	pid_t pid;

	ASSERT_EQ(0, chan_init(&c));
	fd = mb_open(name, O_RDWR, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL, 0666, 0, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mb_send(fd, "host", 4, 0, 0));
	rfd = ring_open(ring, O_RDWR, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL, 0666,
			4096, MBOX_RING_PRODUCER, NULL);
	ASSERT_LE(0, rfd);

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int cfd;

		if (unshare(CLONE_NEWIPC))
			_exit(4);
		/* The host's objects are not there. */
		if (mb_open(name, O_RDWR, 0, 0, 0, 0) != -ENOENT)
			_exit(10);
		if (ring_open(ring, O_RDWR, 0, 0, 0, MBOX_RING_CONSUMER,
			      NULL) != -ENOENT)
			_exit(11);
		if (mb_unlink(name) != -ENOENT || ring_unlink(ring) != -ENOENT)
			_exit(12);
		if (list_find(name, MBOX_TYPE_MAILBOX).count != 0 ||
		    list_find(ring, MBOX_TYPE_RING).count != 0)
			_exit(13);
		/* The same names are free here, and these are new objects. */
		cfd = mb_open(name, O_RDWR, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL,
			      0666, 0, 0);
		if (cfd < 0)
			_exit(14);
		if (ring_open(ring, O_RDWR, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL,
			      0666, 4096, MBOX_RING_PRODUCER, NULL) < 0)
			_exit(15);
		if (mb_recv(cfd, buf, sizeof(buf), MBOX_RECV_NONBLOCK, 0,
			    NULL) != -EAGAIN)
			_exit(16);
		if (mb_send(cfd, "guest", 5, 0, 0))
			_exit(17);
		if (list_find(name, MBOX_TYPE_MAILBOX).count != 1 ||
		    list_find(ring, MBOX_TYPE_RING).count != 1)
			_exit(18);
		/* Let the host look, then check ours is intact. */
		if (post(c.to_parent[1]) || await(c.to_child[0]))
			_exit(19);
		if (mb_recv(cfd, buf, sizeof(buf), MBOX_RECV_NONBLOCK, 0,
			    NULL) != 5 || memcmp(buf, "guest", 5))
			_exit(20);
		if (mb_unlink(name) || ring_unlink(ring))
			_exit(21);
		_exit(0);
	}
	ASSERT_EQ(0, await(c.to_parent[0]));
	/* Each namespace sees one of each, its own. */
	s = list_find(name, MBOX_TYPE_MAILBOX);
	EXPECT_EQ(1, s.count);
	EXPECT_EQ(1, s.queued);
	EXPECT_EQ(1, list_find(ring, MBOX_TYPE_RING).count);
	EXPECT_EQ(4, mb_recv(fd, buf, sizeof(buf), MBOX_RECV_NONBLOCK, 0, NULL));
	EXPECT_EQ(0, memcmp(buf, "host", 4));
	EXPECT_EQ(-EAGAIN, mb_recv(fd, buf, sizeof(buf), MBOX_RECV_NONBLOCK, 0,
				   NULL));
	ASSERT_EQ(0, post(c.to_child[1]));
	EXPECT_EQ(0, reap(pid));
	/* The guest's unlink took its own names, not ours. */
	EXPECT_EQ(1, list_find(name, MBOX_TYPE_MAILBOX).count);
	EXPECT_EQ(0, mb_unlink(name));
	EXPECT_EQ(0, ring_unlink(ring));
	close(fd);
	close(rfd);
}

static int inner_create(const char *name)
{
	int fd = mb_open(name, O_RDWR, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL,
			 0600, 0, 0);

	if (fd < 0)
		return 1;
	return mb_send(fd, "secret", 6, 0, 0) ? 2 : 0;
}

/* Another user of the namespace: sees the entry, not what is queued. */
static int inner_other(const char *name)
{
	struct seen s = list_find(name, MBOX_TYPE_MAILBOX);

	if (s.count != 1 || s.uid != INNER_UID)
		return 1;
	if (s.queued || s.queued_bytes)
		return 2;
	if (mb_open(name, O_RDONLY, 0, 0, 0, 0) != -EACCES)
		return 3;
	if (mb_unlink(name) != -EPERM)
		return 4;
	return 0;
}

/*
 * unshare -U -i with a full id map: root there has CAP_IPC_OWNER over its
 * namespace's objects, with their ids shown as the namespace knows them,
 * and the host sees the same objects with host ids.
 */
TEST(cap_ipc_owner_in_the_owning_user_namespace)
{
	const char *name = mb_name("ns-owner");
	struct chan c;
	pid_t pid, helper;
	struct seen s;

	ASSERT_EQ(0, chan_init(&c));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct mbox_stat st;
		int fd;

		if (unshare(CLONE_NEWUSER | CLONE_NEWIPC))
			_exit(4);
		if (post(c.to_parent[1]) || await(c.to_child[0]))
			_exit(10);
		if (setresgid(0, 0, 0) || setresuid(0, 0, 0))
			_exit(11);
		if (as_user(INNER_UID, INNER_UID, inner_create, name))
			_exit(12);
		if (as_user(OTHER_UID, OTHER_UID, inner_other, name))
			_exit(13);
		/* Root of the owning user namespace: ids inside, counters. */
		s = list_find(name, MBOX_TYPE_MAILBOX);
		if (s.count != 1 || s.uid != INNER_UID ||
		    s.gid != INNER_UID || s.queued != 1)
			_exit(14);
		fd = mb_open(name, O_RDWR, 0, 0, 0, 0);
		if (fd < 0)
			_exit(15);
		if (mb_stat(fd, &st) || st.uid != INNER_UID ||
		    st.gid != INNER_UID)
			_exit(16);
		/* The host looks from inside our IPC namespace. */
		if (post(c.to_parent[1]) || await(c.to_child[0]))
			_exit(17);
		if (mb_unlink(name))
			_exit(18);
		close(fd);
		_exit(0);
	}
	ASSERT_EQ(0, await(c.to_parent[0]));
	ASSERT_EQ(0, map_ids(pid));
	ASSERT_EQ(0, post(c.to_child[1]));
	ASSERT_EQ(0, await(c.to_parent[0]));

	/* Not in the host's namespace... */
	EXPECT_EQ(0, list_find(name, MBOX_TYPE_MAILBOX).count);
	/* ...but in the child's, with host ids. */
	helper = fork();
	ASSERT_LE(0, helper);
	if (helper == 0) {
		struct mbox_stat st;
		char path[64];
		int nsfd, fd;

		snprintf(path, sizeof(path), "/proc/%d/ns/ipc", pid);
		nsfd = open(path, O_RDONLY | O_CLOEXEC);
		if (nsfd < 0 || setns(nsfd, CLONE_NEWIPC))
			_exit(1);
		s = list_find(name, MBOX_TYPE_MAILBOX);
		if (s.count != 1 || s.uid != MAP_BASE + INNER_UID ||
		    s.gid != MAP_BASE + INNER_UID)
			_exit(2);
		fd = mb_open(name, O_RDONLY, 0, 0, 0, 0);
		if (fd < 0 || mb_stat(fd, &st) ||
		    st.uid != MAP_BASE + INNER_UID)
			_exit(3);
		_exit(0);
	}
	EXPECT_EQ(0, reap(helper));
	ASSERT_EQ(0, post(c.to_child[1]));
	EXPECT_EQ(0, reap(pid));
}

/*
 * unshare -U alone (the host's IPC namespace): root of a user namespace has
 * no CAP_IPC_OWNER over the host's objects. unshare -U -r -i: they are not
 * even there.
 */
TEST(user_namespace_root_cannot_reach_host_objects)
{
	const char *name = mb_name("ns-host");
	int fd, i;

	umask(0);
	fd = mb_open(name, O_RDWR, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL, 0600, 0, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mb_send(fd, "host", 4, 0, 0));

	for (i = 0; i < 2; i++) {
		int flags = CLONE_NEWUSER | (i ? CLONE_NEWIPC : 0);
		struct chan c;
		pid_t pid;

		ASSERT_EQ(0, chan_init(&c));
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			struct seen s;

			if (unshare(flags))
				_exit(4);
			if (post(c.to_parent[1]) || await(c.to_child[0]))
				_exit(10);
			if (setresgid(0, 0, 0) || setresuid(0, 0, 0))
				_exit(11);
			s = list_find(name, MBOX_TYPE_MAILBOX);
			if (flags & CLONE_NEWIPC) {
				if (s.count != 0)
					_exit(12);
				if (mb_open(name, O_RDONLY, 0, 0, 0, 0) != -ENOENT ||
				    mb_unlink(name) != -ENOENT)
					_exit(13);
				_exit(0);
			}
			/* Seen, unmapped, with its counters hidden. */
			if (s.count != 1 || s.uid != 65534 ||
			    s.queued || s.queued_bytes)
				_exit(14);
			if (mb_open(name, O_RDONLY, 0, 0, 0, 0) != -EACCES)
				_exit(15);
			if (mb_unlink(name) != -EPERM)
				_exit(16);
			_exit(0);
		}
		ASSERT_EQ(0, await(c.to_parent[0]));
		ASSERT_EQ(0, map_ids(pid));
		ASSERT_EQ(0, post(c.to_child[1]));
		EXPECT_EQ(0, reap(pid)) TH_LOG("unshare flags %#x", flags);
	}
	EXPECT_EQ(1, list_find(name, MBOX_TYPE_MAILBOX).count);
	EXPECT_EQ(0, mb_unlink(name));
	close(fd);
}

/* Queued counters are for those who may read; the rest of LIST is not. */
static int host_other(const char *name)
{
	struct seen s = list_find(name, MBOX_TYPE_MAILBOX);

	if (s.count != 1 || s.uid != 0)
		return 1;
	return s.queued || s.queued_bytes ? 2 : 0;
}

TEST(list_hides_counters_from_non_readers)
{
	const char *name = mb_name("ns-count");
	struct seen s;
	int fd;

	umask(0);
	fd = mb_open(name, O_RDWR, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL, 0622, 0, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mb_send(fd, "count", 5, 0, 0));
	s = list_find(name, MBOX_TYPE_MAILBOX);
	EXPECT_EQ(1, s.count);
	EXPECT_EQ(1, s.queued);
	EXPECT_EQ(5, s.queued_bytes);
	EXPECT_EQ(0, as_user(HOST_UID, HOST_UID, host_other, name));
	EXPECT_EQ(0, mb_unlink(name));
	close(fd);
}

/* An inbox belongs to its process's IPC namespace: ESRCH from another. */
TEST(inbox_not_reachable_across_ipc_namespaces)
{
	struct chan c;
	pid_t pid;
	char buf[8];
	int in, fd;

	in = inbox_open(O_RDWR, 0, 0666, 0);
	ASSERT_LE(0, in);
	fd = open("/dev/mbox", O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, chan_init(&c));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int cin;

		/* Same namespace: reachable. */
		if (mb_sendx(fd, "a", 1, MBOX_SEND_TO_PID, 0, getppid(), 0))
			_exit(10);
		if (unshare(CLONE_NEWIPC))
			_exit(4);
		if (mb_sendx(fd, "b", 1, MBOX_SEND_TO_PID, 0, getppid(),
			     0) != -ESRCH)
			_exit(11);
		cin = inbox_open(O_RDWR, 0, 0666, 0);
		if (cin < 0)
			_exit(12);
		if (post(c.to_parent[1]) || await(c.to_child[0]))
			_exit(13);
		if (mb_recv(cin, buf, sizeof(buf), MBOX_RECV_NONBLOCK, 0,
			    NULL) != -EAGAIN)
			_exit(14);
		_exit(0);
	}
	ASSERT_EQ(0, await(c.to_parent[0]));
	EXPECT_EQ(-ESRCH, mb_sendx(fd, "c", 1, MBOX_SEND_TO_PID, 0, pid, 0));
	ASSERT_EQ(0, post(c.to_child[1]));
	EXPECT_EQ(0, reap(pid));
	EXPECT_EQ(1, mb_recv(in, buf, sizeof(buf), MBOX_RECV_NONBLOCK, 0, NULL));
	EXPECT_EQ('a', buf[0]);
	EXPECT_EQ(-EAGAIN, mb_recv(in, buf, sizeof(buf), MBOX_RECV_NONBLOCK, 0,
				   NULL));
	close(fd);
	close(in);
}

#define QUOTA_OBJECTS	4
#define QUOTA_MSG	1000

/*
 * As HOST_UID: take the whole object quota (mailboxes and a ring) and the
 * byte quota, until a message does not fit. Returns 100 + the number of
 * messages that did (1 to 4 on errors), so that rounds can be compared.
 */
static int fill_quota(const char *prefix)
{
	char name[MBOX_NAME_MAX + 1], buf[QUOTA_MSG] = { 0 };
	int i, fd = -1, n = 0;

	for (i = 0; i < QUOTA_OBJECTS - 1; i++) {
		snprintf(name, sizeof(name), "%s-%d", prefix, i);
		fd = mb_open(name, O_RDWR, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL |
			     MBOX_OPEN_UNBOUNDED, 0600, 0, QUOTA_MSG);
		if (fd < 0)
			return 1;
	}
	snprintf(name, sizeof(name), "%s-ring", prefix);
	if (ring_open(name, O_RDWR, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL, 0600,
		      4096, MBOX_RING_PRODUCER, NULL) < 0)
		return 2;
	snprintf(name, sizeof(name), "%s-over", prefix);
	if (mb_open(name, O_RDWR, MBOX_OPEN_CREATE, 0600, 0, 0) != -ENOSPC)
		return 3;
	while (mb_send(fd, buf, QUOTA_MSG, 0, 0) == 0)
		n++;
	return n > 0 && n < 100 ? 100 + n : 4;
}

/* A namespace's objects and their charges go with it. */
TEST(objects_freed_with_their_namespace)
{
	long long objects_max = param_read("user_objects_max");
	long long bytes_max = param_read("user_bytes_max");
	const char *prefix = mb_name("ns-gone");
	char name[MBOX_NAME_MAX + 1];
	int round, first = 0, ret;

	ASSERT_EQ(0, param_write("user_objects_max", QUOTA_OBJECTS));
	ASSERT_EQ(0, param_write("user_bytes_max", 64 * 1024));
	/*
	 * Each round fills the quota in a new IPC namespace whose last
	 * process then exits, leaving its objects named there; the next
	 * round can fill it again, as far, only if they were freed.
	 */
	for (round = 0; round < 3; round++) {
		pid_t pid = fork();

		ASSERT_LE(0, pid);
		if (pid == 0) {
			if (unshare(CLONE_NEWIPC))
				_exit(4);
			umask(0);
			if (become_user(HOST_UID, HOST_UID))
				_exit(99);
			_exit(fill_quota(prefix));
		}
		ret = reap(pid);
		EXPECT_LT(100, ret) TH_LOG("round %d: %d", round, ret);
		if (!first)
			first = ret;
		EXPECT_EQ(first, ret) TH_LOG("round %d", round);
	}
	/* And in the host's namespace too, once the last one is gone. */
	EXPECT_EQ(first, as_user(HOST_UID, HOST_UID, fill_quota, prefix));
	for (round = 0; round < QUOTA_OBJECTS - 1; round++) {
		snprintf(name, sizeof(name), "%s-%d", prefix, round);
		EXPECT_EQ(0, mb_unlink(name));
	}
	snprintf(name, sizeof(name), "%s-ring", prefix);
	EXPECT_EQ(0, ring_unlink(name));
	ASSERT_EQ(0, param_write("user_objects_max", objects_max));
	ASSERT_EQ(0, param_write("user_bytes_max", bytes_max));
}

TEST_HARNESS_MAIN
