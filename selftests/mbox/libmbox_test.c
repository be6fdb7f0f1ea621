// SPDX-License-Identifier: GPL-2.0
/*
 * libmbox_test: the library's own conventions on top of the ioctls the
 * other tests cover: batches of struct mbox_msg (an iovec with what a
 * message carries) in both directions and through both of the library's
 * paths (vector on the stack, and on the heap past 32 messages), and the
 * send family's NULL handle: accepted wherever a pid says where to send
 * (mbox_sendto(), mbox_sendmsg(), mbox_send_batch()), -EINVAL elsewhere.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libmbox.h>

#include "kselftest_harness.h"
#include "common.h"

FIXTURE(lib) {
	const char *name;
	struct mbox *mb;
};

FIXTURE_SETUP(lib)
{
	self->name = mb_name("lib");
	ASSERT_EQ(0, mbox_open(&self->mb, self->name, O_RDWR | O_CREAT | O_EXCL,
			       0600, NULL));
}

FIXTURE_TEARDOWN(lib)
{
	mbox_close(self->mb);
	mbox_unlink(self->name);
}

/* Priorities order the batch; lengths (0 too) and the sender come back. */
TEST_F(lib, batch_roundtrip)
{
	struct mbox_msg out[3] = {
		{ .buf = "low", .len = 3, .prio = 0 },
		{ .buf = "high", .len = 4, .prio = 5 },
		{ .buf = "", .len = 0, .prio = 2 },
	};
	struct mbox_recvopts nb = { .flags = MBOX_RECV_NONBLOCK };
	char bufs[4][16];
	struct mbox_msg in[4];
	int i, err = -1;

	for (i = 0; i < 4; i++)
		in[i] = (struct mbox_msg){ .buf = bufs[i], .len = sizeof(bufs[i]) };
	ASSERT_EQ(3, mbox_send_batch(self->mb, out, 3, NULL, &err));
	EXPECT_EQ(0, err);
	ASSERT_EQ(3, mbox_recv_batch(self->mb, in, 4, &nb, &err));
	EXPECT_EQ(EAGAIN, err);
	EXPECT_EQ(4, in[0].len);
	EXPECT_EQ(5, in[0].prio);
	EXPECT_EQ(0, memcmp(bufs[0], "high", 4));
	EXPECT_EQ(0, in[1].len);
	EXPECT_EQ(2, in[1].prio);
	EXPECT_EQ(3, in[2].len);
	EXPECT_EQ(0, memcmp(bufs[2], "low", 3));
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(getpid(), in[i].pid);
		EXPECT_EQ(geteuid(), in[i].uid);
		EXPECT_EQ(getegid(), in[i].gid);
	}
	/* Not received: left as it was. */
	EXPECT_EQ(sizeof(bufs[3]), in[3].len);
	EXPECT_EQ(-EAGAIN, mbox_recv_batch(self->mb, in, 4, &nb, &err));
	EXPECT_EQ(EAGAIN, err);
}

/* Past the 32 entries kept on the stack, and at the limits. */
TEST_F(lib, batch_large)
{
	static struct mbox_msg msgs[MBOX_BATCH_MAX + 1];
	static unsigned int vals[40];
	struct mbox_recvopts nb = { .flags = MBOX_RECV_NONBLOCK };
	int i, err;

	for (i = 0; i < 40; i++) {
		vals[i] = i;
		msgs[i] = (struct mbox_msg){ .buf = &vals[i], .len = sizeof(vals[i]) };
	}
	ASSERT_EQ(40, mbox_send_batch(self->mb, msgs, 40, NULL, &err));
	memset(vals, 0xff, sizeof(vals));
	ASSERT_EQ(40, mbox_recv_batch(self->mb, msgs, 40, &nb, &err));
	for (i = 0; i < 40; i++) {
		EXPECT_EQ(i, vals[i]);
		EXPECT_EQ(sizeof(vals[i]), msgs[i].len);
	}
	EXPECT_EQ(-EINVAL, mbox_send_batch(self->mb, msgs, MBOX_BATCH_MAX + 1, NULL, &err));
	EXPECT_EQ(EINVAL, err);
	EXPECT_EQ(-EINVAL, mbox_recv_batch(self->mb, msgs, 0, NULL, &err));
}

/* A NULL handle goes wherever a pid names the receiver, and nowhere else. */
TEST_F(lib, null_handle)
{
	struct mbox_sendopts to_me = { .to = getpid(), .prio = 4 };
	struct mbox_msg two[2] = {
		{ .buf = "b1", .len = 2 }, { .buf = "b2", .len = 2 },
	};
	struct mbox_msginfo info;
	struct mbox *inbox;
	char buf[16];
	int err;

	EXPECT_EQ(-EINVAL, mbox_sendmsg(NULL, "x", 1, NULL));
	EXPECT_EQ(-EINVAL, mbox_send_batch(NULL, two, 2, NULL, &err));
	EXPECT_EQ(-EINVAL, mbox_recv_batch(NULL, two, 2, NULL, &err));
	EXPECT_EQ(-EINVAL, mbox_sendto(NULL, 0, "x", 1, 0));

	ASSERT_EQ(0, mbox_inbox_open(&inbox, 0, 0600, NULL));
	EXPECT_EQ(0, mbox_sendto(NULL, getpid(), "to", 2, 0));
	EXPECT_EQ(0, mbox_sendmsg(NULL, "msg", 3, &to_me));
	EXPECT_EQ(2, mbox_send_batch(NULL, two, 2, &to_me, &err));

	/* The priority of sendmsg goes first, then the batch (its own 0). */
	EXPECT_EQ(3, mbox_recvfrom(inbox, getpid(), buf, sizeof(buf),
				   MBOX_RECV_NONBLOCK, &info));
	EXPECT_EQ(4, info.prio);
	EXPECT_EQ(2, mbox_recvfrom(inbox, 0, buf, sizeof(buf), MBOX_RECV_NONBLOCK, &info));
	EXPECT_EQ(0, memcmp(buf, "to", 2));
	EXPECT_EQ(2, mbox_recvfrom(inbox, 0, buf, sizeof(buf), MBOX_RECV_NONBLOCK, &info));
	EXPECT_EQ(0, memcmp(buf, "b1", 2));
	EXPECT_EQ(2, mbox_recvfrom(inbox, 0, buf, sizeof(buf), MBOX_RECV_NONBLOCK, &info));
	EXPECT_EQ(0, memcmp(buf, "b2", 2));
	EXPECT_EQ(-EAGAIN, mbox_recvfrom(inbox, 0, buf, sizeof(buf),
					 MBOX_RECV_NONBLOCK, &info));
	mbox_close(inbox);
}

/* mbox_pipe(): pipe2(2)'s shape, one message each way of sending, then EOF. */
TEST(pipe_roundtrip_and_eof)
{
	struct mbox_attr attr = { .capacity = 2, .msg_size = 16 };
	struct mbox *ends[2];
	struct mbox_stat st;
	char buf[16];
	pid_t pid;

	EXPECT_EQ(-EINVAL, mbox_pipe(ends, NULL, O_RDWR));
	EXPECT_EQ(-EINVAL, mbox_pipe(ends, NULL, O_APPEND));
	ASSERT_EQ(0, mbox_pipe(ends, &attr, O_CLOEXEC));
	EXPECT_EQ(FD_CLOEXEC, fcntl(mbox_fd(ends[0]), F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(O_RDONLY, fcntl(mbox_fd(ends[0]), F_GETFL) & O_ACCMODE);
	EXPECT_EQ(O_WRONLY, fcntl(mbox_fd(ends[1]), F_GETFL) & O_ACCMODE);
	ASSERT_EQ(0, mbox_stat(ends[1], &st));
	EXPECT_EQ(2, st.capacity);
	EXPECT_EQ(MBOX_STATE_UNLINKED | MBOX_STATE_ANON, st.state);

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		mbox_close(ends[0]);
		_exit(mbox_send(ends[1], "child", 5, 0) ? 1 : 0);
	}
	mbox_close(ends[1]);
	EXPECT_EQ(5, mbox_recv(ends[0], buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "child", 5));
	EXPECT_EQ(-EPIPE, mbox_recv(ends[0], buf, sizeof(buf), 0));
	EXPECT_EQ(0, reap(pid));
	mbox_close(ends[0]);

	ASSERT_EQ(0, mbox_pipe(ends, NULL, 0));
	EXPECT_EQ(0, fcntl(mbox_fd(ends[1]), F_GETFD) & FD_CLOEXEC);
	mbox_close(ends[0]);
	EXPECT_EQ(-EPIPE, mbox_send(ends[1], "x", 1, 0));
	mbox_close(ends[1]);
}

/* mbox_ring_pipe(): mapped consumer and producer, then EOF each way. */
TEST(ring_pipe_roundtrip_and_eof)
{
	struct mbox_ring *ends[2];
	char buf[64];
	pid_t pid;
	int i;

	EXPECT_EQ(-EINVAL, mbox_ring_pipe(ends, 4096, O_RDWR));
	EXPECT_EQ(-EINVAL, mbox_ring_pipe(ends, 4097, 0));
	ASSERT_EQ(0, mbox_ring_pipe(ends, 4096, O_CLOEXEC));
	EXPECT_EQ(4096, mbox_ring_get_layout(ends[0])->data_size);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		mbox_ring_close(ends[0]);
		/* Many more than fit: the producer waits for the consumer. */
		for (i = 0; i < 1000; i++)
			if (mbox_ring_push(ends[1], &i, sizeof(i), 0, 0))
				_exit(1);
		_exit(0);
	}
	mbox_ring_close(ends[1]);
	for (i = 0; i < 1000; i++) {
		int v = -1;

		ASSERT_EQ(sizeof(v), mbox_ring_pop(ends[0], &v, sizeof(v), 0, 0));
		ASSERT_EQ(i, v);
	}
	EXPECT_EQ(-EPIPE, mbox_ring_pop(ends[0], buf, sizeof(buf), 0, 0));
	EXPECT_EQ(0, reap(pid));
	mbox_ring_close(ends[0]);

	/*
	 * A mapped producer pushes without entering the kernel while there
	 * is room, so it learns of the hang-up when it would wait: when the
	 * ring is full, at the latest.
	 */
	ASSERT_EQ(0, mbox_ring_pipe(ends, 4096, O_NONBLOCK));
	mbox_ring_close(ends[0]);
	for (i = 0; i < (int)(4096 / MBOX_RING_REC_SIZE(1)) + 1; i++)
		if (mbox_ring_push(ends[1], "x", 1, 0, 0))
			break;
	EXPECT_GE((int)(4096 / MBOX_RING_REC_SIZE(1)), i);
	EXPECT_EQ(-EPIPE, mbox_ring_push(ends[1], "x", 1, 0, 0));
	mbox_ring_close(ends[1]);
}

TEST_HARNESS_MAIN
