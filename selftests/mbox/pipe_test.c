// SPDX-License-Identifier: GPL-2.0
/*
 * pipe_test: anonymous mailboxes and rings (MBOX_IOC_PIPE), the pipe's model.
 *
 * What the uapi ("Anonymous mailboxes and rings: pipes") promises, checked
 * here:
 *  - the call: every bad field gives EINVAL and makes nothing, fd_flags
 *    give O_CLOEXEC and O_NONBLOCK as pipe2(2) does, and the ends have
 *    the documented access modes (a mailbox's read end O_RDONLY, write end
 *    O_WRONLY; a ring's consumer and producer O_RDWR, both mappable);
 *  - no name: MBOX_IOC_LIST never shows one, stat says UNLINKED | ANON;
 *  - the classic bounded buffer from parent to child, with end-of-file
 *    (EPIPE once the queue is empty and every write end is closed);
 *  - both ends closed in every order, with a copy of the first end held
 *    open for a while, on a mailbox and a ring, with and without a message
 *    queued: the peer hangs up only at the last copy, and closing the
 *    second end frees the object (run as a user whose user_objects_max is
 *    1, so that the next pipe can only be made if the last one is gone);
 *  - exec with and without close-on-exec: the test execs itself with the
 *    write end's number, and the new program reports whether it has it;
 *  - many children writing through one write end, with write(2),
 *    MBOX_IOC_SEND and MBOX_IOC_SEND_BATCH, and the parent receiving with
 *    read(2) and MBOX_IOC_RECV_BATCH: nothing lost, nothing duplicated,
 *    each child's messages in order;
 *  - passing an end over a unix socket (SCM_RIGHTS) to a process that
 *    existed before the pipe did;
 *  - the quotas: user_objects_max (ENOSPC) and, a ring, user_bytes_max
 *    (EDQUOT) of the caller, released when the last end goes;
 *  - poll: POLLIN, POLLOUT, POLLHUP and POLLERR in every state above, and
 *    SIGPIPE from write(2) (never from the ioctls) once no reader is left.
 * Every wait is on the pipe itself or on a child's exit: no sleeps.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/mbox.h>

#include "kselftest_harness.h"
#include "common.h"

#define RING_SIZE	4096
#define QUOTA_UID	4321	/* a user that owns nothing else */

static char *self_exe;

static int pipe_args(struct mbox_pipe *args)
{
	int fd = open("/dev/mbox", O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = ioctl(fd, MBOX_IOC_PIPE, args) ? -errno : 0;
	close(fd);
	return ret;
}

static short poll_now(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };

	if (poll(&p, 1, 0) < 0)
		return -1;
	return p.revents;
}

/* Bytes the LIST of our IPC namespace needs now. */
static uint32_t list_needed(void)
{
	struct mbox_list args = { 0 };
	int fd = open("/dev/mbox", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return UINT32_MAX;
	if (ioctl(fd, MBOX_IOC_LIST, &args) && errno != ERANGE)
		args.needed = UINT32_MAX;
	close(fd);
	return args.needed;
}

TEST(bad_arguments_make_nothing)
{
	static const struct {
		const char *what;
		struct mbox_pipe args;
	} bad[] = {
		{ "type 0", { .type = 0 } },
		{ "type 3", { .type = 3 } },
		{ "unknown flag", { .type = MBOX_TYPE_MAILBOX, .flags = MBOX_OPEN_CREATE } },
		{ "UNBOUNDED and RENDEZVOUS", { .type = MBOX_TYPE_MAILBOX,
		  .flags = MBOX_OPEN_UNBOUNDED | MBOX_OPEN_RENDEZVOUS } },
		{ "ring flag", { .type = MBOX_TYPE_RING, .flags = MBOX_OPEN_UNBOUNDED } },
		{ "fd_flags O_RDWR", { .type = MBOX_TYPE_MAILBOX, .fd_flags = O_RDWR } },
		{ "fd_flags O_APPEND", { .type = MBOX_TYPE_MAILBOX, .fd_flags = O_APPEND } },
		{ "mode 01000", { .type = MBOX_TYPE_MAILBOX, .mode = 01000 } },
		{ "ring mode 01000", { .type = MBOX_TYPE_RING, .mode = 01000 } },
		{ "mailbox size", { .type = MBOX_TYPE_MAILBOX, .size = RING_SIZE } },
		{ "ring capacity", { .type = MBOX_TYPE_RING, .capacity = 4 } },
		{ "ring msg_size", { .type = MBOX_TYPE_RING, .msg_size = 64 } },
		{ "ring size not a power of two", { .type = MBOX_TYPE_RING, .size = 5000 } },
		{ "capacity with UNBOUNDED", { .type = MBOX_TYPE_MAILBOX,
		  .flags = MBOX_OPEN_UNBOUNDED, .capacity = 4 } },
		{ "__pad", { .type = MBOX_TYPE_MAILBOX, .__pad = 1 } },
		{ "layout", { .type = MBOX_TYPE_RING, .layout.rec_max = 1 } },
		{ "reserved", { .type = MBOX_TYPE_MAILBOX, .reserved[1] = 1 } },
	};
	uint32_t needed = list_needed();
	unsigned int i;
	int probe;

	probe = dup(0);
	ASSERT_LE(0, probe);
	close(probe);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct mbox_pipe args = bad[i].args;

		args.fds[0] = args.fds[1] = -7;
		EXPECT_EQ(-EINVAL, pipe_args(&args)) TH_LOG("%s", bad[i].what);
		/* Nothing was made: no descriptor, no name. */
		EXPECT_EQ(-1, fcntl(probe, F_GETFD)) TH_LOG("%s", bad[i].what);
		EXPECT_EQ(-7, args.fds[0]) TH_LOG("%s", bad[i].what);
	}
	EXPECT_EQ(needed, list_needed());
}

TEST(bad_address_makes_nothing)
{
	int fd = open("/dev/mbox", O_RDONLY | O_CLOEXEC), probe;
	char *area = fault_area(8, 4096);

	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, area);
	probe = dup(0);
	ASSERT_LE(0, probe);
	close(probe);
	EXPECT_EQ(-1, ioctl(fd, MBOX_IOC_PIPE, NULL));
	EXPECT_EQ(EFAULT, errno);
	/* The type can be read, the rest cannot. */
	*(uint32_t *)area = MBOX_TYPE_MAILBOX;
	EXPECT_EQ(-1, ioctl(fd, MBOX_IOC_PIPE, area));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, fcntl(probe, F_GETFD));
	close(fd);
}

/* fd_flags as pipe2(2), and the access of each end. */
TEST(ends_have_their_access_and_flags)
{
	static const int fd_flags[] = { 0, O_CLOEXEC, O_NONBLOCK, O_CLOEXEC | O_NONBLOCK };
	unsigned int i, t;

	for (t = MBOX_TYPE_MAILBOX; t <= MBOX_TYPE_RING; t++) {
		for (i = 0; i < 4; i++) {
			int fds[2], e, fl, fdfl;

			ASSERT_EQ(0, mb_pipe(t, fds, 0, fd_flags[i],
					     t == MBOX_TYPE_RING ? RING_SIZE : 0, 0, NULL));
			for (e = 0; e < 2; e++) {
				int acc = t == MBOX_TYPE_RING ? O_RDWR :
					  e ? O_WRONLY : O_RDONLY;

				fl = fcntl(fds[e], F_GETFL);
				fdfl = fcntl(fds[e], F_GETFD);
				EXPECT_EQ(acc, fl & O_ACCMODE) TH_LOG("type %u end %d", t, e);
				EXPECT_EQ(!!(fd_flags[i] & O_NONBLOCK), !!(fl & O_NONBLOCK));
				EXPECT_EQ(!!(fd_flags[i] & O_CLOEXEC), !!(fdfl & FD_CLOEXEC));
			}
			close(fds[0]);
			close(fds[1]);
		}
	}
}

TEST(mailbox_ends_work_and_are_not_named)
{
	struct mbox_msgvec vec[2] = {
		{ .buf = (uintptr_t)"b1", .len = 2 },
		{ .buf = (uintptr_t)"b2", .len = 2 },
	};
	uint32_t needed = list_needed();
	struct mbox_stat st = { 0 };
	char buf[16];
	int fds[2];

	ASSERT_EQ(0, mb_pipe(MBOX_TYPE_MAILBOX, fds, 0, O_CLOEXEC, 8, 32, NULL));
	EXPECT_EQ(needed, list_needed());

	ASSERT_EQ(0, mb_stat(fds[0], &st));
	EXPECT_EQ(MBOX_STATE_UNLINKED | MBOX_STATE_ANON, st.state);
	EXPECT_EQ(8, st.capacity);
	EXPECT_EQ(32, st.msg_size);
	EXPECT_EQ(1, st.readers);
	EXPECT_EQ(1, st.writers);
	EXPECT_EQ(geteuid(), st.uid);
	EXPECT_EQ(0600, st.mode);

	/* Each end does its half only. */
	EXPECT_EQ(-EBADF, mb_send(fds[0], "x", 1, 0, 0));
	EXPECT_EQ(-EBADF, mb_recv(fds[1], buf, sizeof(buf), MBOX_RECV_NONBLOCK, 0, NULL));
	EXPECT_EQ(-EMSGSIZE, mb_send(fds[1], buf, 33, 0, 0));

	/* write(2), the ioctl and a batch in; read(2), the ioctl and a batch out. */
	ASSERT_EQ(1, write(fds[1], "w", 1));
	ASSERT_EQ(0, mb_send(fds[1], "s", 1, 0, 0));
	ASSERT_EQ(2, mb_batch(fds[1], MBOX_IOC_SEND_BATCH, vec, 2, 0, 0, 0, NULL));
	ASSERT_EQ(1, read(fds[0], buf, sizeof(buf)));
	EXPECT_EQ('w', buf[0]);
	ASSERT_EQ(1, mb_recv(fds[0], buf, sizeof(buf), 0, 0, NULL));
	EXPECT_EQ('s', buf[0]);
	memset(vec, 0, sizeof(vec));
	vec[0].buf = (uintptr_t)buf;
	vec[0].len = 4;
	vec[1].buf = (uintptr_t)(buf + 4);
	vec[1].len = 4;
	ASSERT_EQ(2, mb_batch(fds[0], MBOX_IOC_RECV_BATCH, vec, 2, 0, 0, 0, NULL));
	EXPECT_EQ(0, memcmp(buf, "b1", 2));
	EXPECT_EQ(0, memcmp(buf + 4, "b2", 2));
	EXPECT_EQ(getpid(), (pid_t)vec[0].pid);

	/* A descriptor cannot be bound to it by any other way: it has no name. */
	EXPECT_EQ(-1, ioctl(fds[0], MBOX_IOC_OPEN, &(struct mbox_open){ 0 }));
	EXPECT_EQ(EISCONN, errno);
	close(fds[0]);
	close(fds[1]);
	EXPECT_EQ(needed, list_needed());
}

TEST(ring_ends_work_and_are_not_named)
{
	struct mbox_ring_layout layout;
	struct mbox_ring_stat st = { 0 };
	uint32_t needed = list_needed();
	char buf[64];
	void *cmap, *pmap;
	int fds[2];

	ASSERT_EQ(0, mb_pipe(MBOX_TYPE_RING, fds, 0, O_CLOEXEC, RING_SIZE, 0, &layout));
	EXPECT_EQ(needed, list_needed());
	EXPECT_EQ(RING_SIZE, layout.data_size);
	EXPECT_NE(0, layout.mmap_size);

	ASSERT_EQ(0, ring_stat(fds[0], &st));
	EXPECT_EQ(MBOX_STATE_UNLINKED | MBOX_STATE_ANON, st.state);
	EXPECT_EQ(1, st.producer);
	EXPECT_EQ(1, st.consumer);
	EXPECT_EQ(0, st.observers);
	EXPECT_EQ(RING_SIZE, st.size);

	/* Both ends may map, each writing only its own page. */
	cmap = mmap(NULL, layout.prod_off, PROT_READ | PROT_WRITE, MAP_SHARED, fds[0], 0);
	EXPECT_NE(MAP_FAILED, cmap);
	pmap = mmap(NULL, layout.mmap_size - layout.prod_off, PROT_READ | PROT_WRITE,
		    MAP_SHARED, fds[1], layout.prod_off);
	EXPECT_NE(MAP_FAILED, pmap);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, layout.prod_off, PROT_READ | PROT_WRITE,
				   MAP_SHARED, fds[1], 0));

	/* Each end plays its role only. */
	EXPECT_EQ(-1, write(fds[0], "x", 1));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, read(fds[1], buf, sizeof(buf)));
	EXPECT_EQ(EBADF, errno);
	ASSERT_EQ(5, write(fds[1], "hello", 5));
	ASSERT_EQ(5, read(fds[0], buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "hello", 5));

	if (cmap != MAP_FAILED)
		munmap(cmap, layout.prod_off);
	if (pmap != MAP_FAILED)
		munmap(pmap, layout.mmap_size - layout.prod_off);
	close(fds[0]);
	close(fds[1]);
}

/*
 * The textbook bounded buffer: the parent produces, the child consumes
 * until end-of-file. Capacity 4 (a one-page ring) makes both sides block.
 */
static void bounded_buffer(struct __test_metadata *_metadata, uint32_t type)
{
	const uint32_t n = 2000;
	int fds[2], status;
	uint32_t i;
	pid_t pid;

	ASSERT_EQ(0, mb_pipe(type, fds, 0, O_CLOEXEC,
			     type == MBOX_TYPE_RING ? RING_SIZE : 4, 0, NULL));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		uint32_t got = 0, v;
		ssize_t r;

		close(fds[1]);
		while ((r = read(fds[0], &v, sizeof(v))) == sizeof(v)) {
			if (v != got)
				_exit(2);
			got++;
		}
		/* End-of-file is EPIPE, after every message. */
		_exit(r < 0 && errno == EPIPE && got == n ? 0 : 1);
	}
	close(fds[0]);
	for (i = 0; i < n; i++)
		ASSERT_EQ(sizeof(i), write(fds[1], &i, sizeof(i)));
	close(fds[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("consumer status %#x", status);
}

TEST(mailbox_bounded_buffer_to_eof)
{
	bounded_buffer(_metadata, MBOX_TYPE_MAILBOX);
}

TEST(ring_bounded_buffer_to_eof)
{
	bounded_buffer(_metadata, MBOX_TYPE_RING);
}

/* A receiver asleep when the last writer goes is woken with EPIPE. */
TEST(blocked_receiver_sees_eof)
{
	char buf[8];
	int fds[2];
	pid_t pid;

	ASSERT_EQ(0, mb_pipe(MBOX_TYPE_MAILBOX, fds, 0, O_CLOEXEC, 2, 8, NULL));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(fds[1]);
		_exit(-mb_recv(fds[0], buf, sizeof(buf), 0, 0, NULL));
	}
	ASSERT_TRUE(mb_wait_waiters(fds[0], 0, 1));
	close(fds[1]);
	EXPECT_EQ(EPIPE, reap(pid));
	close(fds[0]);
}

/* A sender asleep on a full pipe when the last reader goes: EPIPE. */
TEST(blocked_sender_sees_epipe)
{
	int fds[2];
	pid_t pid;

	ASSERT_EQ(0, mb_pipe(MBOX_TYPE_MAILBOX, fds, 0, O_CLOEXEC, 1, 8, NULL));
	ASSERT_EQ(0, mb_send(fds[1], "a", 1, 0, 0));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(fds[0]);
		_exit(-mb_send(fds[1], "b", 1, 0, 0));
	}
	ASSERT_TRUE(mb_wait_waiters(fds[1], 1, 0));
	close(fds[0]);
	EXPECT_EQ(EPIPE, reap(pid));
	close(fds[1]);
}

/*
 * Both ends closed in every order. Run by a user whose user_objects_max is
 * 1: each case's pipe can be made only if the previous case's was freed
 * when its second end closed.
 */
struct close_case {
	uint32_t type;
	int first;		/* end closed first: 0 read, 1 write */
	int queued;		/* a message queued before */
	int copy;		/* a dup() of the first end outlives it, for a while */
};

/* 0 if the case went as documented; else a line number, for the report. */
static int close_order(const struct close_case *c)
{
	int fds[2], other, copy = -1;
	short ev, want;
	char buf[16];

	if (mb_pipe(c->type, fds, 0, O_CLOEXEC | O_NONBLOCK,
		    c->type == MBOX_TYPE_RING ? RING_SIZE : 2, 16, NULL))
		return __LINE__;
	if (c->queued && write(fds[1], "q", 1) != 1)
		return __LINE__;
	other = fds[!c->first];
	if (c->copy) {
		copy = dup(fds[c->first]);
		close(fds[c->first]);
		/* The copy holds off the hang-up: a pipe's rule. */
		ev = poll_now(other);
		if (ev & (POLLHUP | POLLERR))
			return __LINE__;
		close(copy);
	} else {
		close(fds[c->first]);
	}

	ev = poll_now(other);
	if (c->first == 1) {
		/* The writer is gone: HUP, with IN while a message remains. */
		want = POLLHUP | (c->queued ? POLLIN : 0);
		if (ev != want)
			return __LINE__;
		if (c->queued && read(other, buf, sizeof(buf)) != 1)
			return __LINE__;
		if (poll_now(other) != POLLHUP)
			return __LINE__;
		if (read(other, buf, sizeof(buf)) != -1 || errno != EPIPE)
			return __LINE__;
		if (c->type == MBOX_TYPE_MAILBOX &&
		    mb_recv(other, buf, sizeof(buf), 0, 0, NULL) != -EPIPE)
			return __LINE__;
	} else {
		/* The reader is gone: ERR (with OUT while there is room). */
		if (!(ev & POLLERR) || (ev & (POLLHUP | POLLIN)))
			return __LINE__;
		if (c->type == MBOX_TYPE_MAILBOX &&
		    mb_send(other, "x", 1, 0, 0) != -EPIPE)
			return __LINE__;
		if (sigpipe_take())
			return __LINE__;	/* the ioctl raises none */
		if (write(other, "x", 1) != -1 || errno != EPIPE)
			return __LINE__;
		if (!sigpipe_take())
			return __LINE__;
	}
	close(other);
	return 0;
}

TEST(both_ends_closed_in_every_order)
{
	long long saved = param_read("user_objects_max");
	struct close_case cases[16];
	unsigned int n = 0, i;
	int t, first, queued, copy, status;
	pid_t pid;

	for (t = MBOX_TYPE_MAILBOX; t <= MBOX_TYPE_RING; t++)
		for (first = 0; first < 2; first++)
			for (queued = 0; queued < 2; queued++)
				for (copy = 0; copy < 2; copy++)
					cases[n++] = (struct close_case){ t, first, queued, copy };

	ASSERT_LE(1, saved);
	ASSERT_EQ(0, param_write("user_objects_max", 1));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int line;

		sigpipe_block();
		if (become_user(QUOTA_UID, QUOTA_UID))
			_exit(255);
		for (i = 0; i < n; i++) {
			line = close_order(&cases[i]);
			if (line) {
				fprintf(stderr, "# case %u (type %u, first %d, queued %d, copy %d): line %d\n",
					i, cases[i].type, cases[i].first,
					cases[i].queued, cases[i].copy, line);
				_exit(1 + i);
			}
		}
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, param_write("user_objects_max", saved));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("status %#x (exit 1 + the failing case)", status);
}

/*
 * The quotas of the creator: user_objects_max for every pipe, and a ring's
 * memory against user_bytes_max, each released when the last end goes.
 */
TEST(quota_charged_and_released)
{
	long long objs = param_read("user_objects_max");
	long long bytes = param_read("user_bytes_max");
	int status;
	pid_t pid;

	ASSERT_LE(0, objs);
	ASSERT_LE(0, bytes);
	/* Room for two objects, and for one one-page ring but not two. */
	ASSERT_EQ(0, param_write("user_objects_max", 2));
	ASSERT_EQ(0, param_write("user_bytes_max", 5 * RING_SIZE));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int a[2], b[2], c[2], d[2];

		if (become_user(QUOTA_UID + 1, QUOTA_UID + 1))
			_exit(255);
		if (mb_pipe(MBOX_TYPE_MAILBOX, a, 0, 0, 2, 8, NULL) ||
		    mb_pipe(MBOX_TYPE_MAILBOX, b, 0, 0, 2, 8, NULL))
			_exit(1);
		/* Two objects owned: a third is refused. */
		if (mb_pipe(MBOX_TYPE_MAILBOX, c, 0, 0, 2, 8, NULL) != -ENOSPC)
			_exit(2);
		/* One end closed: the object lives on, still charged. */
		close(a[0]);
		if (mb_pipe(MBOX_TYPE_MAILBOX, c, 0, 0, 2, 8, NULL) != -ENOSPC)
			_exit(3);
		/* Both closed: released. */
		close(a[1]);
		if (mb_pipe(MBOX_TYPE_RING, c, 0, 0, RING_SIZE, 0, NULL))
			_exit(4);
		close(b[0]);
		close(b[1]);
		/* An object is free, but a second ring's memory is over quota. */
		if (mb_pipe(MBOX_TYPE_RING, d, 0, 0, RING_SIZE, 0, NULL) != -EDQUOT)
			_exit(5);
		close(c[1]);
		if (mb_pipe(MBOX_TYPE_RING, d, 0, 0, RING_SIZE, 0, NULL) != -EDQUOT)
			_exit(6);
		/* The first ring's last end goes: its memory is released. */
		close(c[0]);
		if (mb_pipe(MBOX_TYPE_RING, d, 0, 0, RING_SIZE, 0, NULL))
			_exit(7);
		close(d[0]);
		close(d[1]);
		/* Nothing is left charged: two objects again. */
		if (mb_pipe(MBOX_TYPE_MAILBOX, a, 0, 0, 2, 8, NULL) ||
		    mb_pipe(MBOX_TYPE_MAILBOX, b, 0, 0, 2, 8, NULL))
			_exit(8);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, param_write("user_objects_max", objs));
	EXPECT_EQ(0, param_write("user_bytes_max", bytes));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("status %#x", status);
}

/* poll in each state of a mailbox pipe and a ring pipe. */
TEST(poll_states)
{
	struct mbox_ring_layout layout;
	char buf[16];
	int fds[2];

	sigpipe_block();
	ASSERT_EQ(0, mb_pipe(MBOX_TYPE_MAILBOX, fds, 0, O_CLOEXEC | O_NONBLOCK, 2, 8, NULL));
	EXPECT_EQ(0, poll_now(fds[0]));
	EXPECT_EQ(POLLOUT, poll_now(fds[1]));
	ASSERT_EQ(0, mb_send(fds[1], "1", 1, 0, 0));
	EXPECT_EQ(POLLIN, poll_now(fds[0]));
	EXPECT_EQ(POLLOUT, poll_now(fds[1]));
	ASSERT_EQ(0, mb_send(fds[1], "2", 1, 0, 0));
	EXPECT_EQ(0, poll_now(fds[1]));
	EXPECT_EQ(-EAGAIN, mb_send(fds[1], "3", 1, 0, 0));
	close(fds[1]);
	EXPECT_EQ(POLLIN | POLLHUP, poll_now(fds[0]));
	EXPECT_EQ(1, mb_recv(fds[0], buf, sizeof(buf), 0, 0, NULL));
	EXPECT_EQ(1, read(fds[0], buf, sizeof(buf)));
	EXPECT_EQ(POLLHUP, poll_now(fds[0]));
	EXPECT_EQ(-EPIPE, mb_recv(fds[0], buf, sizeof(buf), 0, 0, NULL));
	close(fds[0]);

	ASSERT_EQ(0, mb_pipe(MBOX_TYPE_MAILBOX, fds, 0, O_CLOEXEC | O_NONBLOCK, 1, 8, NULL));
	ASSERT_EQ(0, mb_send(fds[1], "1", 1, 0, 0));
	close(fds[0]);
	EXPECT_EQ(POLLERR, poll_now(fds[1]));
	close(fds[1]);

	ASSERT_EQ(0, mb_pipe(MBOX_TYPE_RING, fds, 0, O_CLOEXEC | O_NONBLOCK, RING_SIZE, 0,
			     &layout));
	EXPECT_EQ(0, poll_now(fds[0]));
	EXPECT_EQ(POLLOUT, poll_now(fds[1]));
	ASSERT_EQ(3, write(fds[1], "rec", 3));
	EXPECT_EQ(POLLIN, poll_now(fds[0]));
	close(fds[1]);
	EXPECT_EQ(POLLIN | POLLHUP, poll_now(fds[0]));
	EXPECT_EQ(3, read(fds[0], buf, sizeof(buf)));
	EXPECT_EQ(POLLHUP, poll_now(fds[0]));
	EXPECT_EQ(-1, read(fds[0], buf, sizeof(buf)));
	EXPECT_EQ(EPIPE, errno);
	close(fds[0]);

	ASSERT_EQ(0, mb_pipe(MBOX_TYPE_RING, fds, 0, O_CLOEXEC | O_NONBLOCK, RING_SIZE, 0,
			     &layout));
	close(fds[0]);
	EXPECT_EQ(POLLOUT | POLLERR, poll_now(fds[1]));
	EXPECT_EQ(-1, write(fds[1], "rec", 3));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_TRUE(sigpipe_take());
	close(fds[1]);
}

/* Without SIGPIPE blocked or ignored, write(2) to a deserted pipe kills. */
TEST(sigpipe_kills_by_default)
{
	int fds[2], status;
	pid_t pid;

	ASSERT_EQ(0, mb_pipe(MBOX_TYPE_MAILBOX, fds, 0, O_CLOEXEC, 2, 8, NULL));
	close(fds[0]);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		_exit(write(fds[1], "x", 1) == -1 ? 1 : 2);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE)
		TH_LOG("status %#x", status);
	close(fds[1]);
}

/*
 * exec: the child execs this program with the write end's number; the new
 * program writes through it if it has it. With O_CLOEXEC the end is gone
 * at exec, so the parent's read sees EOF with nothing sent.
 */
static void exec_case(struct __test_metadata *_metadata, int fd_flags)
{
	char buf[16], num[16];
	int fds[2];
	pid_t pid;
	ssize_t n;

	ASSERT_EQ(0, mb_pipe(MBOX_TYPE_MAILBOX, fds, 0, fd_flags, 4, 16, NULL));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(fds[0]);
		snprintf(num, sizeof(num), "%d", fds[1]);
		execl(self_exe, self_exe, "--pipe-exec", num, (char *)NULL);
		_exit(99);
	}
	close(fds[1]);
	n = read(fds[0], buf, sizeof(buf));
	if (fd_flags & O_CLOEXEC) {
		EXPECT_EQ(-1, n);
		EXPECT_EQ(EPIPE, errno);
		EXPECT_EQ(10, reap(pid));	/* it had no such descriptor */
	} else {
		EXPECT_EQ(4, n);
		EXPECT_EQ(0, memcmp(buf, "exec", 4));
		EXPECT_EQ(-1, read(fds[0], buf, sizeof(buf)));
		EXPECT_EQ(EPIPE, errno);
		EXPECT_EQ(0, reap(pid));
	}
	close(fds[0]);
}

TEST(exec_keeps_the_end_without_cloexec)
{
	exec_case(_metadata, 0);
}

TEST(exec_closes_the_end_with_cloexec)
{
	exec_case(_metadata, O_CLOEXEC);
}

/* The exec'd program: report on descriptor @arg. */
static int exec_mode(const char *arg)
{
	int fd = atoi(arg);

	if (fcntl(fd, F_GETFD) < 0)
		return 10;
	if ((fcntl(fd, F_GETFL) & O_ACCMODE) != O_WRONLY)
		return 11;
	return write(fd, "exec", 4) == 4 ? 0 : 12;
}

/*
 * Many children write through one inherited write end, each with another
 * call; the parent reads with read(2) and MBOX_IOC_RECV_BATCH until EOF.
 * Each message is (child, seq): every one must come exactly once, and each
 * child's in order (one sender's messages are never reordered).
 */
#define WRITERS		8
#define PER_WRITER	300

struct rec {
	uint32_t child;
	uint32_t seq;
};

static int writer(int fd, uint32_t child)
{
	struct rec r[4];
	struct mbox_msgvec vec[4];
	uint32_t seq = 0, i, k;

	while (seq < PER_WRITER) {
		switch ((child + seq) % 3) {
		case 0:
			r[0] = (struct rec){ child, seq };
			if (write(fd, &r[0], sizeof(r[0])) != sizeof(r[0]))
				return 1;
			seq++;
			break;
		case 1:
			r[0] = (struct rec){ child, seq };
			if (mb_send(fd, &r[0], sizeof(r[0]), 0, 0))
				return 2;
			seq++;
			break;
		default:
			k = PER_WRITER - seq < 4 ? PER_WRITER - seq : 4;
			for (i = 0; i < k; i++) {
				r[i] = (struct rec){ child, seq + i };
				vec[i] = (struct mbox_msgvec){
					.buf = (uintptr_t)&r[i], .len = sizeof(r[i]),
				};
			}
			if (mb_batch(fd, MBOX_IOC_SEND_BATCH, vec, k,
				     MBOX_BATCH_WAITALL, 0, 0, NULL) != (int)k)
				return 3;
			seq += k;
			break;
		}
	}
	return 0;
}

TEST(many_children_write_one_pipe)
{
	uint32_t next[WRITERS] = { 0 }, total = 0, i;
	struct rec recs[8];
	struct mbox_msgvec vec[8];
	pid_t pids[WRITERS];
	int fds[2], n, w, round = 0;

	ASSERT_EQ(0, mb_pipe(MBOX_TYPE_MAILBOX, fds, 0, O_CLOEXEC, 16, sizeof(struct rec),
			     NULL));
	for (w = 0; w < WRITERS; w++) {
		pids[w] = fork();
		ASSERT_LE(0, pids[w]);
		if (pids[w] == 0) {
			close(fds[0]);
			_exit(writer(fds[1], w));
		}
	}
	close(fds[1]);
	for (;;) {
		if (round++ % 2) {
			n = read(fds[0], &recs[0], sizeof(recs[0]));
			if (n < 0) {
				n = -errno;
			} else {
				ASSERT_EQ(sizeof(recs[0]), n);
				n = 1;
			}
		} else {
			for (i = 0; i < 8; i++)
				vec[i] = (struct mbox_msgvec){
					.buf = (uintptr_t)&recs[i], .len = sizeof(recs[i]),
				};
			n = mb_batch(fds[0], MBOX_IOC_RECV_BATCH, vec, 8, 0, 0, 0, NULL);
		}
		if (n == -EPIPE)
			break;
		ASSERT_LT(0, n) TH_LOG("receive: %s", strerror(-n));
		for (i = 0; i < (uint32_t)n; i++) {
			ASSERT_GT(WRITERS, recs[i].child);
			ASSERT_EQ(next[recs[i].child], recs[i].seq)
				TH_LOG("child %u", recs[i].child);
			next[recs[i].child]++;
			total++;
		}
	}
	for (w = 0; w < WRITERS; w++) {
		EXPECT_EQ(0, reap(pids[w])) TH_LOG("writer %d", w);
		EXPECT_EQ(PER_WRITER, next[w]);
	}
	EXPECT_EQ(WRITERS * PER_WRITER, total);
	close(fds[0]);
}

/* Passed over a unix socket to a process that existed before the pipe. */
TEST(end_passed_over_a_unix_socket)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, c = 0, buf[16];
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int sv[2], fds[2];
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd;

		close(sv[0]);
		if (recvmsg(sv[1], &msg, 0) != 1)
			_exit(1);
		cm = CMSG_FIRSTHDR(&msg);
		if (!cm || cm->cmsg_type != SCM_RIGHTS)
			_exit(2);
		memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
		_exit(write(fd, "passed", 6) == 6 ? 0 : 3);
	}
	close(sv[1]);
	ASSERT_EQ(0, mb_pipe(MBOX_TYPE_MAILBOX, fds, 0, O_CLOEXEC, 4, 16, NULL));
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fds[1], sizeof(int));
	ASSERT_EQ(1, sendmsg(sv[0], &msg, 0));
	close(fds[1]);
	close(sv[0]);
	EXPECT_EQ(6, read(fds[0], buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "passed", 6));
	/* The child's copy went with it: EOF. */
	EXPECT_EQ(0, reap(pid));
	EXPECT_EQ(-1, read(fds[0], buf, sizeof(buf)));
	EXPECT_EQ(EPIPE, errno);
	close(fds[0]);
}

static void __attribute__((constructor)) __constructor_order_last(void)
{
	if (!__constructor_order)
		__constructor_order = _CONSTRUCTOR_ORDER_BACKWARD;
}

int main(int argc, char **argv)
{
	static char exe[4096];
	ssize_t n;

	if (argc == 3 && !strcmp(argv[1], "--pipe-exec"))
		return exec_mode(argv[2]);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return 1;
	exe[n] = '\0';
	self_exe = exe;
	return test_harness_run(argc, argv);
}
