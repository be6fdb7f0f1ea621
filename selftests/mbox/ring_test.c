// SPDX-License-Identifier: GPL-2.0
/*
 * ring_test: the ring as an object. Creation and its attributes, the
 * layout, roles and their exclusivity, permissions and quotas, the mapping
 * rules, read() and write() framing, the wait and wake calls' arguments,
 * and lifetime: fork, unmap, close and unlink at any moment.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <stddef.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/mbox.h>

#include "kselftest_harness.h"
#include "common.h"

#define PAGE 4096

FIXTURE(ring) {
	char name[64];
	int prod, cons;
	struct mbox_ring_layout layout;
};

FIXTURE_SETUP(ring)
{
	struct mbox_ring_layout l;

	umask(0);
	snprintf(self->name, sizeof(self->name), "%s", mb_name("ring"));
	self->prod = ring_open(self->name, O_RDWR, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL,
			       0600, 8192, MBOX_RING_PRODUCER, &self->layout);
	ASSERT_LE(0, self->prod) TH_LOG("create: %s", strerror(-self->prod));
	self->cons = ring_open(self->name, O_RDWR, 0, 0, 0, MBOX_RING_CONSUMER, &l);
	ASSERT_LE(0, self->cons);
	ASSERT_EQ(0, memcmp(&l, &self->layout, sizeof(l)));
}

FIXTURE_TEARDOWN(ring)
{
	close(self->prod);
	close(self->cons);
	ring_unlink(self->name);
}

TEST_F(ring, layout)
{
	const struct mbox_ring_layout *l = &self->layout;
	struct mbox_info info = { 0 };

	EXPECT_EQ(8192, l->data_size);
	EXPECT_EQ(8192 - sizeof(struct mbox_ring_hdr), l->rec_max);
	EXPECT_EQ((2 + 2 * 2) * PAGE, l->mmap_size);
	EXPECT_EQ(0, l->cons_off % PAGE);
	EXPECT_EQ(0, l->prod_off % PAGE);
	EXPECT_EQ(0, l->data_off % PAGE);
	EXPECT_NE(l->cons_off, l->prod_off);
	/* The two positions on pages of their own, wakeups on lines of their own. */
	EXPECT_LE(l->data_off + 2 * l->data_size, l->mmap_size);
	EXPECT_LE(64, l->wakeup_off > l->pos_off ? l->wakeup_off - l->pos_off
						 : l->pos_off - l->wakeup_off);
	/* The pollers word: in the consumer page, on a line of its own. */
	EXPECT_LE(64, l->pollers_off > l->wakeup_off ? l->pollers_off - l->wakeup_off
						    : l->wakeup_off - l->pollers_off);
	EXPECT_LE(64, l->pollers_off > l->pos_off ? l->pollers_off - l->pos_off
						  : l->pos_off - l->pollers_off);
	EXPECT_GE(PAGE - 4, l->pollers_off);

	ASSERT_EQ(0, ioctl(self->prod, MBOX_IOC_INFO, &info));
	EXPECT_NE(0, info.features & MBOX_FEAT_RING);
	EXPECT_EQ(param_read("ring_size_max"), info.ring_size_max);
}

TEST_F(ring, sizes)
{
	struct mbox_ring_layout l;
	const char *n = mb_name("ring-size");
	long long max = param_read("ring_size_max");
	int fd;

	EXPECT_EQ(-EINVAL, ring_open(n, O_RDWR, MBOX_OPEN_CREATE, 0600, 12288,
				     MBOX_RING_PRODUCER, &l));
	EXPECT_EQ(-EINVAL, ring_open(n, O_RDWR, MBOX_OPEN_CREATE, 0600, 2048,
				     MBOX_RING_PRODUCER, &l));
	EXPECT_EQ(-EINVAL, ring_open(n, O_RDWR, MBOX_OPEN_CREATE, 0600, max * 2,
				     MBOX_RING_PRODUCER, &l));
	EXPECT_EQ(-ENOENT, ring_open(n, O_RDWR, 0, 0, 0, MBOX_RING_PRODUCER, &l));
	/* 0: the default. */
	fd = ring_open(n, O_RDWR, MBOX_OPEN_CREATE, 0600, 0, MBOX_RING_PRODUCER, &l);
	ASSERT_LE(0, fd);
	EXPECT_EQ(65536, l.data_size);
	close(fd);
	EXPECT_EQ(0, ring_unlink(n));
	fd = ring_open(n, O_RDWR, MBOX_OPEN_CREATE, 0600, PAGE, MBOX_RING_PRODUCER, &l);
	ASSERT_LE(0, fd);
	EXPECT_EQ(PAGE, l.data_size);
	close(fd);
	EXPECT_EQ(0, ring_unlink(n));
}

TEST_F(ring, open_arguments)
{
	struct mbox_ring_open args;
	int fd = open("/dev/mbox", O_RDWR | O_CLOEXEC);
	unsigned int bit;

	ASSERT_LE(0, fd);
	memset(&args, 0, sizeof(args));
	args.name = (uintptr_t)self->name;
	args.role = 0;
	EXPECT_EQ(-1, ioctl(fd, MBOX_IOC_RING_OPEN, &args));
	EXPECT_EQ(EINVAL, errno);
	args.role = 4;
	EXPECT_EQ(-1, ioctl(fd, MBOX_IOC_RING_OPEN, &args));
	EXPECT_EQ(EINVAL, errno);
	args.role = MBOX_RING_OBSERVER;
	for (bit = 2; bit < 32; bit++) {
		args.flags = 1U << bit;
		EXPECT_EQ(-1, ioctl(fd, MBOX_IOC_RING_OPEN, &args)) TH_LOG("bit %u", bit);
		EXPECT_EQ(EINVAL, errno);
	}
	args.flags = MBOX_OPEN_EXCL;
	EXPECT_EQ(-1, ioctl(fd, MBOX_IOC_RING_OPEN, &args));
	EXPECT_EQ(EINVAL, errno);
	args.flags = 0;
	args.reserved[1] = 1;
	EXPECT_EQ(-1, ioctl(fd, MBOX_IOC_RING_OPEN, &args));
	EXPECT_EQ(EINVAL, errno);
	args.reserved[1] = 0;
	/* The layout is an output: it must come in as zeroes. */
	args.layout.rec_max = 1;
	EXPECT_EQ(-1, ioctl(fd, MBOX_IOC_RING_OPEN, &args));
	EXPECT_EQ(EINVAL, errno);
	args.layout.rec_max = 0;
	EXPECT_EQ(-1, ioctl(fd, MBOX_IOC_RING_OPEN, NULL));
	EXPECT_EQ(EFAULT, errno);
	/* All of that left the descriptor unbound; this binds it. */
	ASSERT_EQ(0, ioctl(fd, MBOX_IOC_RING_OPEN, &args));
	memset(&args.layout, 0, sizeof(args.layout));
	EXPECT_EQ(-1, ioctl(fd, MBOX_IOC_RING_OPEN, &args));
	EXPECT_EQ(EISCONN, errno);
	close(fd);
}

TEST_F(ring, roles_are_exclusive)
{
	struct mbox_ring_layout l;
	int obs[3], fd, i;

	EXPECT_EQ(-EBUSY, ring_open(self->name, O_RDWR, 0, 0, 0, MBOX_RING_PRODUCER, &l));
	EXPECT_EQ(-EBUSY, ring_open(self->name, O_RDWR, 0, 0, 0, MBOX_RING_CONSUMER, &l));
	for (i = 0; i < 3; i++) {
		obs[i] = ring_open(self->name, O_RDONLY, 0, 0, 0, MBOX_RING_OBSERVER, &l);
		ASSERT_LE(0, obs[i]);
	}
	/* The role is free once its holder is gone. */
	close(self->prod);
	fd = ring_open(self->name, O_RDWR, 0, 0, 0, MBOX_RING_PRODUCER, &l);
	ASSERT_LE(0, fd);
	self->prod = fd;
	for (i = 0; i < 3; i++)
		close(obs[i]);
}

TEST_F(ring, role_freed_at_exit)
{
	struct mbox_ring_layout l;
	int got[2], hold[2];
	pid_t pid;
	int fd;

	/*
	 * The child takes the consumer role and says so through a pipe, then
	 * waits; only after that does the parent look for EBUSY, and only
	 * after reaping the child for the role to be free again.
	 */
	close(self->cons);
	self->cons = -1;
	ASSERT_EQ(0, pipe(got));
	ASSERT_EQ(0, pipe(hold));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(got[0]);
		close(hold[1]);
		fd = ring_open(self->name, O_RDWR, 0, 0, 0, MBOX_RING_CONSUMER, &l);
		if (fd < 0 || pipe_post(got[1]))
			_exit(1);
		pipe_wait(hold[0]);	/* until killed */
		_exit(2);
	}
	close(got[1]);
	close(hold[0]);
	ASSERT_EQ(0, pipe_wait(got[0])) TH_LOG("the child could not take the role");
	EXPECT_EQ(-EBUSY, ring_open(self->name, O_RDWR, 0, 0, 0, MBOX_RING_CONSUMER, &l));
	kill(pid, SIGKILL);
	EXPECT_EQ(-1, reap(pid));
	close(got[0]);
	close(hold[1]);
	self->cons = ring_open(self->name, O_RDWR, 0, 0, 0, MBOX_RING_CONSUMER, &l);
	EXPECT_LE(0, self->cons);
}

TEST_F(ring, access_modes_and_permissions)
{
	struct mbox_ring_layout l;
	char arg[128], buf[16];
	int status, fd;
	pid_t pid;

	/* The descriptor's access mode must allow the role. */
	close(self->prod);
	self->prod = -1;
	EXPECT_EQ(-EBADF, ring_open(self->name, O_RDONLY, 0, 0, 0, MBOX_RING_PRODUCER, &l));
	EXPECT_EQ(-EBADF, ring_open(self->name, O_WRONLY, 0, 0, 0, MBOX_RING_OBSERVER, &l));

	/* The ring's mode: 0600 keeps another user out of every role. */
	snprintf(arg, sizeof(arg), "%s", self->name);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (become_user(1001, 1001))
			_exit(99);
		_exit(ring_open(arg, O_RDONLY, 0, 0, 0, MBOX_RING_OBSERVER, &l) == -EACCES &&
		      ring_open(arg, O_RDWR, 0, 0, 0, MBOX_RING_PRODUCER, &l) == -EACCES ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));

	/* 0604: others may observe, not produce. */
	snprintf(arg, sizeof(arg), "%s", mb_name("ring-perm"));
	ASSERT_LE(0, status = ring_open(arg, O_RDWR, MBOX_OPEN_CREATE, 0604, 0,
					MBOX_RING_OBSERVER, &l));
	close(status);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd;

		if (become_user(1001, 1001))
			_exit(99);
		fd = ring_open(arg, O_RDONLY, 0, 0, 0, MBOX_RING_OBSERVER, &l);
		_exit(fd >= 0 &&
		      ring_open(arg, O_RDWR, 0, 0, 0, MBOX_RING_PRODUCER, &l) == -EACCES &&
		      ring_unlink(arg) == -EPERM ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(0, ring_unlink(arg));

	/*
	 * 0602: others may produce, but a mapping would show them the data:
	 * they produce with write(), and mmap() is refused.
	 */
	snprintf(arg, sizeof(arg), "%s", mb_name("ring-perm"));
	fd = ring_open(arg, O_RDWR | O_NONBLOCK, MBOX_OPEN_CREATE, 0602, 0,
		       MBOX_RING_CONSUMER, &l);
	ASSERT_LE(0, fd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int prod;

		if (become_user(1001, 1001))
			_exit(99);
		prod = ring_open(arg, O_RDWR, 0, 0, 0, MBOX_RING_PRODUCER, &l);
		if (prod < 0)
			_exit(1);
		if (mmap(NULL, 4096, PROT_READ, MAP_SHARED, prod, l.prod_off) != MAP_FAILED ||
		    errno != EACCES)
			_exit(2);
		if (mmap(NULL, l.data_size, PROT_READ, MAP_SHARED, prod, l.data_off) != MAP_FAILED ||
		    errno != EACCES)
			_exit(3);
		_exit(write(prod, "from 1001", 9) == 9 ? 0 : 4);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(9, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "from 1001", 9));
	close(fd);
	EXPECT_EQ(0, ring_unlink(arg));
}

TEST_F(ring, own_namespace)
{
	int mb;

	/* A mailbox may share the ring's name; unlink takes the right one. */
	mb = mb_create(self->name, 0, 0);
	ASSERT_LE(0, mb);
	EXPECT_EQ(0, mb_unlink(self->name));
	EXPECT_EQ(-ENOENT, mb_unlink(self->name));
	EXPECT_EQ(0, ring_unlink(self->name));
	EXPECT_EQ(-ENOENT, ring_unlink(self->name));
	close(mb);
}

TEST_F(ring, stat_fields)
{
	struct mbox_ring_stat st;
	int obs;

	obs = ring_open(self->name, O_RDONLY, 0, 0, 0, MBOX_RING_OBSERVER, NULL);
	ASSERT_LE(0, obs);
	ASSERT_EQ(5, write(self->prod, "hello", 5));
	ASSERT_EQ(0, ring_stat(obs, &st));
	EXPECT_EQ(8192, st.size);
	EXPECT_EQ(0600, st.mode);
	EXPECT_EQ(getuid(), st.uid);
	EXPECT_EQ(1, st.producer);
	EXPECT_EQ(1, st.consumer);
	EXPECT_EQ(1, st.observers);
	EXPECT_EQ(MBOX_RING_REC_SIZE(5), st.prod - st.cons);
	EXPECT_EQ(0, st.state);
	ASSERT_EQ(0, ring_unlink(self->name));
	ASSERT_EQ(0, ring_stat(obs, &st));
	EXPECT_EQ(MBOX_STATE_UNLINKED, st.state);
	st.flags = 1;
	EXPECT_EQ(-1, ioctl(obs, MBOX_IOC_RING_STAT, &st));
	EXPECT_EQ(EINVAL, errno);
	close(obs);
	/* Stat is for rings only; a mailbox command on a ring is not. */
	EXPECT_EQ(-ENOTTY, mb_stat(self->prod, (struct mbox_stat *)&st));
	EXPECT_EQ(-ENOTTY, mb_send(self->prod, "x", 1, 0, 0));
}

TEST_F(ring, read_write_framing)
{
	char buf[8192];
	struct pollfd pfd = { .fd = self->cons, .events = POLLIN };

	EXPECT_EQ(-1, write(self->prod, "", 0));
	EXPECT_EQ(EINVAL, errno);
	memset(buf, 'x', sizeof(buf));
	EXPECT_EQ(-1, write(self->prod, buf, self->layout.rec_max + 1));
	EXPECT_EQ(EMSGSIZE, errno);

	ASSERT_EQ(3, write(self->prod, "abc", 3));
	ASSERT_EQ(10, write(self->prod, "0123456789", 10));
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLIN, pfd.revents);
	/* One read, one whole record; a short buffer leaves it. */
	EXPECT_EQ(3, read(self->cons, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "abc", 3));
	EXPECT_EQ(-1, read(self->cons, buf, 9));
	EXPECT_EQ(EMSGSIZE, errno);
	EXPECT_EQ(10, read(self->cons, buf, 10));
	EXPECT_EQ(0, memcmp(buf, "0123456789", 10));

	/* The wrong way round for the role. */
	EXPECT_EQ(-1, write(self->cons, "x", 1));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, read(self->prod, buf, sizeof(buf)));
	EXPECT_EQ(EBADF, errno);

	/* A record as big as the ring, when it is empty. */
	ASSERT_EQ((ssize_t)self->layout.rec_max, write(self->prod, buf, self->layout.rec_max));
	EXPECT_EQ((ssize_t)self->layout.rec_max, read(self->cons, buf, sizeof(buf)));
}

TEST_F(ring, wait_and_wake_arguments)
{
	struct mbox_ring_wait w = { 0 };
	int obs;

	/* Unknown bits: bit 0 (NONBLOCK in other families), and above TIMEOUT. */
	w.flags = 1;
	EXPECT_EQ(-1, ioctl(self->cons, MBOX_IOC_RING_WAIT, &w));
	EXPECT_EQ(EINVAL, errno);
	w.flags = MBOX_RING_WAIT_TIMEOUT << 1;
	EXPECT_EQ(-1, ioctl(self->cons, MBOX_IOC_RING_WAIT, &w));
	EXPECT_EQ(EINVAL, errno);
	w.flags = 0;
	w.reserved[0] = 1;
	EXPECT_EQ(-1, ioctl(self->cons, MBOX_IOC_RING_WAIT, &w));
	EXPECT_EQ(EINVAL, errno);
	w.reserved[0] = 0;
	w.need = 8;
	EXPECT_EQ(-1, ioctl(self->cons, MBOX_IOC_RING_WAIT, &w));
	EXPECT_EQ(EINVAL, errno);
	w.need = 8192 + 8;
	EXPECT_EQ(-1, ioctl(self->prod, MBOX_IOC_RING_WAIT, &w));
	EXPECT_EQ(EINVAL, errno);
	/* Room enough: the producer need not wait. */
	w.need = 8192;
	EXPECT_EQ(0, ioctl(self->prod, MBOX_IOC_RING_WAIT, &w));
	/* Nothing there: a timed consumer wait times out. */
	w.need = 0;
	w.flags = MBOX_RING_WAIT_TIMEOUT;
	w.timeout_ns = 10000000;
	EXPECT_EQ(-1, ioctl(self->cons, MBOX_IOC_RING_WAIT, &w));
	EXPECT_EQ(ETIMEDOUT, errno);
	EXPECT_EQ(-1, ioctl(self->cons, MBOX_IOC_RING_WAIT, NULL));
	EXPECT_EQ(EFAULT, errno);

	EXPECT_EQ(-1, ioctl(self->prod, MBOX_IOC_RING_WAKE, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, ioctl(self->prod, MBOX_IOC_RING_WAKE, 0));
	EXPECT_EQ(0, ioctl(self->cons, MBOX_IOC_RING_WAKE, 0));
	obs = ring_open(self->name, O_RDONLY, 0, 0, 0, MBOX_RING_OBSERVER, NULL);
	ASSERT_LE(0, obs);
	EXPECT_EQ(-1, ioctl(obs, MBOX_IOC_RING_WAKE, 0));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, ioctl(obs, MBOX_IOC_RING_WAIT, &w));
	EXPECT_EQ(EBADF, errno);
	close(obs);
}

static void *map_at(int fd, size_t len, size_t off, int prot, int flags)
{
	return mmap(NULL, len, prot, flags, fd, off);
}

TEST_F(ring, mapping_rules)
{
	const struct mbox_ring_layout *l = &self->layout;
	int rw = PROT_READ | PROT_WRITE, obs, mb;
	size_t data_len = 2 * l->data_size;
	void *p;

	/* Each role writes its own page only; the producer the data too. */
	p = map_at(self->prod, PAGE, l->prod_off, rw, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, p);
	munmap(p, PAGE);
	p = map_at(self->prod, data_len, l->data_off, rw, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, p);
	munmap(p, data_len);
	EXPECT_EQ(MAP_FAILED, map_at(self->prod, PAGE, l->cons_off, rw, MAP_SHARED));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(MAP_FAILED, map_at(self->prod, l->mmap_size, 0, rw, MAP_SHARED));
	EXPECT_EQ(EACCES, errno);
	p = map_at(self->cons, PAGE, l->cons_off, rw, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, p);
	munmap(p, PAGE);
	EXPECT_EQ(MAP_FAILED, map_at(self->cons, PAGE, l->prod_off, rw, MAP_SHARED));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(MAP_FAILED, map_at(self->cons, data_len, l->data_off, rw, MAP_SHARED));
	EXPECT_EQ(EACCES, errno);

	/* Nothing in a ring is code. */
	EXPECT_EQ(MAP_FAILED, map_at(self->prod, data_len, l->data_off,
				     PROT_READ | PROT_EXEC, MAP_SHARED));
	EXPECT_EQ(EACCES, errno);

	/* Read-only for good: mprotect() cannot make it writable. */
	p = map_at(self->cons, data_len, l->data_off, PROT_READ, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, mprotect(p, data_len, rw));
	EXPECT_EQ(EACCES, errno);
	munmap(p, data_len);
	obs = ring_open(self->name, O_RDWR, 0, 0, 0, MBOX_RING_OBSERVER, NULL);
	ASSERT_LE(0, obs);
	p = map_at(obs, l->mmap_size, 0, PROT_READ, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, p);
	munmap(p, l->mmap_size);
	EXPECT_EQ(MAP_FAILED, map_at(obs, PAGE, l->cons_off, rw, MAP_SHARED));
	EXPECT_EQ(EACCES, errno);

	/* Offsets, lengths, sharing. */
	EXPECT_EQ(MAP_FAILED, map_at(obs, PAGE, l->mmap_size, PROT_READ, MAP_SHARED));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, map_at(obs, l->mmap_size + PAGE, 0, PROT_READ, MAP_SHARED));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, map_at(obs, 2 * PAGE, l->mmap_size - PAGE, PROT_READ,
				     MAP_SHARED));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, map_at(obs, PAGE, 0, PROT_READ, MAP_PRIVATE));
	EXPECT_EQ(EINVAL, errno);
	close(obs);

	/* Only rings map. */
	mb = mb_create(mb_name("ring-map"), 0, 0);
	ASSERT_LE(0, mb);
	EXPECT_EQ(MAP_FAILED, map_at(mb, PAGE, 0, PROT_READ, MAP_SHARED));
	EXPECT_EQ(ENODEV, errno);
	close(mb);
	mb = open("/dev/mbox", O_RDWR | O_CLOEXEC);
	EXPECT_EQ(MAP_FAILED, map_at(mb, PAGE, 0, PROT_READ, MAP_SHARED));
	EXPECT_EQ(ENODEV, errno);
	close(mb);
}

TEST_F(ring, data_mapped_twice)
{
	const struct mbox_ring_layout *l = &self->layout;
	size_t data_len = 2 * l->data_size;
	unsigned char *w, *r;
	size_t i;

	w = map_at(self->prod, data_len, l->data_off, PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, w);
	r = map_at(self->cons, data_len, l->data_off, PROT_READ, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, r);
	for (i = 0; i < l->data_size; i++)
		w[i] = i * 7 + 1;
	for (i = 0; i < l->data_size; i++)
		ASSERT_EQ(w[i], r[l->data_size + i]) TH_LOG("byte %zu", i);
	/* Writing the second copy writes the first. */
	w[l->data_size + 5] = 0xa5;
	EXPECT_EQ(0xa5, r[5]);
	munmap(w, data_len);
	munmap(r, data_len);
}

TEST_F(ring, mapping_outlives_close_and_unlink)
{
	const struct mbox_ring_layout *l = &self->layout;
	struct mbox_ring_layout l2;
	unsigned char *p;

	p = map_at(self->prod, 2 * l->data_size, l->data_off, PROT_READ | PROT_WRITE,
		   MAP_SHARED);
	ASSERT_NE(MAP_FAILED, p);
	close(self->prod);
	self->prod = -1;
	ASSERT_EQ(0, ring_unlink(self->name));
	memset(p, 0x5a, l->data_size);
	EXPECT_EQ(0x5a, p[l->data_size * 2 - 1]);
	/* The mapping holds the file: the name is free, the role is not. */
	EXPECT_EQ(-ENOENT, ring_open(self->name, O_RDWR, 0, 0, 0, MBOX_RING_PRODUCER, &l2));
	munmap(p, 2 * l->data_size);
}

TEST_F(ring, fork_with_mapping)
{
	const struct mbox_ring_layout *l = &self->layout;
	uint32_t *prod_pos;
	unsigned char *data;
	char buf[16];
	pid_t pid;

	prod_pos = map_at(self->prod, PAGE, l->prod_off, PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, prod_pos);
	data = map_at(self->prod, 2 * l->data_size, l->data_off, PROT_READ | PROT_WRITE,
		      MAP_SHARED);
	ASSERT_NE(MAP_FAILED, data);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* The child writes one record through the inherited mapping. */
		struct mbox_ring_hdr *hdr = (void *)data;
		uint32_t *pos = (uint32_t *)((char *)prod_pos + l->pos_off);

		hdr->len = 5;
		hdr->flags = 0;
		memcpy(hdr + 1, "child", 5);
		__atomic_store_n(pos, MBOX_RING_REC_SIZE(5), __ATOMIC_RELEASE);
		_exit(0);
	}
	EXPECT_EQ(0, reap(pid));
	EXPECT_EQ(5, read(self->cons, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "child", 5));
	munmap(prod_pos, PAGE);
	munmap(data, 2 * l->data_size);
}

TEST_F(ring, layout_unwritable_creates_nothing)
{
	struct mbox_ring_open *args;
	const char *n = mb_name("ring-efault");
	char *area;
	int fd;

	/* The layout, the struct's tail, falls on a read-only page. */
	area = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	ASSERT_NE(MAP_FAILED, area);
	args = (void *)(area + PAGE - offsetof(struct mbox_ring_open, layout));
	memset(args, 0, offsetof(struct mbox_ring_open, layout));
	args->name = (uintptr_t)n;
	args->flags = MBOX_OPEN_CREATE;
	args->mode = 0600;
	args->role = MBOX_RING_OBSERVER;
	ASSERT_EQ(0, mprotect(area + PAGE, PAGE, PROT_READ));
	fd = open("/dev/mbox", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, ioctl(fd, MBOX_IOC_RING_OPEN, args));
	EXPECT_EQ(EFAULT, errno);
	close(fd);
	EXPECT_EQ(-ENOENT, ring_open(n, O_RDWR, 0, 0, 0, MBOX_RING_OBSERVER, NULL));
	munmap(area, 2 * PAGE);
}

TEST_F(ring, misaligned_positions_are_broken)
{
	const struct mbox_ring_layout *l = &self->layout;
	struct pollfd pfd = { .fd = self->cons, .events = POLLIN };
	uint32_t *page;
	char buf[16];

	page = map_at(self->prod, PAGE, l->prod_off, PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, page);
	/* Within the ring, but off a record boundary. */
	page[l->pos_off / 4] = 4;
	EXPECT_EQ(-1, read(self->cons, buf, sizeof(buf)));
	EXPECT_EQ(EUCLEAN, errno);
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLERR, pfd.revents);
	/* Put right, the ring works again. */
	page[l->pos_off / 4] = 0;
	ASSERT_EQ(2, write(self->prod, "ok", 2));
	EXPECT_EQ(2, read(self->cons, buf, sizeof(buf)));
	munmap(page, PAGE);
}

TEST_F(ring, listed_with_its_type)
{
	struct mbox_list args = { 0 };
	struct mbox_list_entry *e;
	unsigned int i, found = 0;
	char *buf;

	ASSERT_EQ(2, write(self->prod, "hi", 2));
	ioctl(self->prod, MBOX_IOC_LIST, &args);
	buf = malloc(args.needed + 4096);
	ASSERT_NE(NULL, buf);
	args.buf = (uintptr_t)buf;
	args.len = args.needed + 4096;
	ASSERT_EQ(0, ioctl(self->prod, MBOX_IOC_LIST, &args));
	e = (void *)buf;
	for (i = 0; i < args.count; i++, e = (void *)((char *)e + e->size)) {
		if (strcmp((char *)e->name, self->name))
			continue;
		found++;
		EXPECT_EQ(MBOX_TYPE_RING, e->type);
		EXPECT_EQ(MBOX_RING_REC_SIZE(2), e->queued_bytes);
	}
	EXPECT_EQ(1, found);
	free(buf);
}

TEST_F(ring, quotas)
{
	long long bytes_max = param_read("user_bytes_max");
	static char buf[20000];
	char name[64], mbname[64];
	int status;
	pid_t pid;

	snprintf(name, sizeof(name), "%s", mb_name("ring-quota"));
	snprintf(mbname, sizeof(mbname), "%s", mb_name("ring-quota-mb"));
	/* Room for a 64 KiB ring's pages, not for a 128 KiB one's. */
	ASSERT_EQ(0, param_write("user_bytes_max", (2 + 16 + 4) * PAGE));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct mbox_ring_layout l;
		int fd;

		if (become_user(1001, 1001))
			_exit(99);
		if (ring_open(name, O_RDWR, MBOX_OPEN_CREATE, 0600, 131072,
			      MBOX_RING_PRODUCER, &l) != -EDQUOT)
			_exit(1);
		fd = ring_open(name, O_RDWR, MBOX_OPEN_CREATE, 0600, 65536,
			       MBOX_RING_PRODUCER, &l);
		if (fd < 0)
			_exit(2);
		/* Opening it again, even with O_CREAT, charges nothing. */
		close(fd);
		fd = ring_open(name, O_RDWR, MBOX_OPEN_CREATE, 0600, 65536,
			       MBOX_RING_PRODUCER, &l);
		if (fd < 0)
			_exit(4);
		/* The ring's memory is charged: 16 KiB of quota are left. */
		fd = mb_create(mbname, 1, 32768);
		if (fd < 0 || mb_send(fd, buf, 20000, 0, 0) != -EDQUOT ||
		    mb_send(fd, buf, 10000, 0, 0))
			_exit(3);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, param_write("user_bytes_max", bytes_max));
	EXPECT_EQ(0, ring_unlink(name));
	EXPECT_EQ(0, mb_unlink(mbname));
}

TEST_HARNESS_MAIN
