// SPDX-License-Identifier: GPL-2.0
/*
 * mailbox_io_test: what a message is. One send or write() is one message;
 * one receive or read() returns one whole message, in FIFO order; a short
 * buffer gives EMSGSIZE and leaves the message queued; a fault never loses
 * a message.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/mbox.h>

#include "kselftest_harness.h"
#include "common.h"

#define MSG_SIZE 256

FIXTURE(mb) {
	int fd;
	const char *name;
};

FIXTURE_SETUP(mb)
{
	self->name = mb_name("io");
	self->fd = mb_create(self->name, 8, MSG_SIZE);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(mb)
{
	close(self->fd);
	mb_unlink(self->name);
}

TEST_F(mb, fifo_whole_messages)
{
	char buf[MSG_SIZE], want[32];
	uint32_t len;
	int i;

	for (i = 0; i < 8; i++) {
		snprintf(want, sizeof(want), "message %d%.*s", i, i, "xxxxxxxx");
		ASSERT_EQ(0, mb_send(self->fd, want, strlen(want), 0, 0));
	}
	for (i = 0; i < 8; i++) {
		snprintf(want, sizeof(want), "message %d%.*s", i, i, "xxxxxxxx");
		memset(buf, 0, sizeof(buf));
		ASSERT_EQ((int)strlen(want), mb_recv(self->fd, buf, sizeof(buf), 0, 0, &len));
		EXPECT_EQ(strlen(want), len);
		EXPECT_STREQ(want, buf);
	}
	EXPECT_EQ(-EAGAIN, mb_recv(self->fd, buf, sizeof(buf), MBOX_RECV_NONBLOCK, 0, NULL));
}

TEST_F(mb, read_write)
{
	char buf[MSG_SIZE];

	/* Messages keep their boundaries whichever way they go. */
	ASSERT_EQ(3, write(self->fd, "abc", 3));
	ASSERT_EQ(0, mb_send(self->fd, "defgh", 5, 0, 0));
	ASSERT_EQ(2, write(self->fd, "ij", 2));
	EXPECT_EQ(3, mb_recv(self->fd, buf, sizeof(buf), 0, 0, NULL));
	EXPECT_EQ(0, memcmp(buf, "abc", 3));
	EXPECT_EQ(5, read(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "defgh", 5));
	EXPECT_EQ(2, read(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "ij", 2));
}

TEST_F(mb, vectors_are_one_message)
{
	struct iovec out[3] = {
		{ "one", 3 }, { "", 0 }, { "three", 5 },
	};
	char a[4], b[16];
	struct iovec in[2] = { { a, sizeof(a) }, { b, sizeof(b) } };

	ASSERT_EQ(8, writev(self->fd, out, 3));
	ASSERT_EQ(8, readv(self->fd, in, 2));
	EXPECT_EQ(0, memcmp(a, "onet", 4));
	EXPECT_EQ(0, memcmp(b, "hree", 4));
	EXPECT_EQ(-EAGAIN, mb_recv(self->fd, b, sizeof(b), MBOX_RECV_NONBLOCK, 0, NULL));
}

TEST_F(mb, zero_length)
{
	char buf[8];
	uint32_t len = 99;

	ASSERT_EQ(0, mb_send(self->fd, NULL, 0, 0, 0));
	ASSERT_EQ(0, write(self->fd, "", 0));
	EXPECT_EQ(0, mb_recv(self->fd, buf, sizeof(buf), 0, 0, &len));
	EXPECT_EQ(0, len);
	/* Even into no buffer at all. */
	EXPECT_EQ(0, read(self->fd, NULL, 0));
	EXPECT_EQ(-EAGAIN, mb_recv(self->fd, buf, sizeof(buf), MBOX_RECV_NONBLOCK, 0, NULL));
}

TEST_F(mb, too_long_to_send)
{
	char buf[MSG_SIZE + 1] = { 0 };
	struct mbox_stat st;

	EXPECT_EQ(0, mb_send(self->fd, buf, MSG_SIZE, 0, 0));
	EXPECT_EQ(-EMSGSIZE, mb_send(self->fd, buf, MSG_SIZE + 1, 0, 0));
	EXPECT_EQ(-1, write(self->fd, buf, MSG_SIZE + 1));
	EXPECT_EQ(EMSGSIZE, errno);
	ASSERT_EQ(0, mb_stat(self->fd, &st));
	EXPECT_EQ(1, st.queued);
	EXPECT_EQ(1, st.sent);
}

TEST_F(mb, short_buffer_leaves_message)
{
	char buf[MSG_SIZE];
	uint32_t len = 0;

	ASSERT_EQ(0, mb_send(self->fd, "0123456789", 10, 0, 0));
	ASSERT_EQ(0, mb_send(self->fd, "next", 4, 0, 0));

	EXPECT_EQ(-EMSGSIZE, mb_recv(self->fd, buf, 9, 0, 0, &len));
	EXPECT_EQ(10, len);
	EXPECT_EQ(-1, read(self->fd, buf, 9));
	EXPECT_EQ(EMSGSIZE, errno);
	/* Still first in line, intact. */
	EXPECT_EQ(10, mb_recv(self->fd, buf, 10, 0, 0, &len));
	EXPECT_EQ(0, memcmp(buf, "0123456789", 10));
	EXPECT_EQ(4, mb_recv(self->fd, buf, sizeof(buf), 0, 0, NULL));
}

TEST_F(mb, truncate_on_request)
{
	char buf[MSG_SIZE];
	uint32_t len = 0;

	ASSERT_EQ(0, mb_send(self->fd, "0123456789", 10, 0, 0));
	ASSERT_EQ(0, mb_send(self->fd, "next", 4, 0, 0));
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(4, mb_recv(self->fd, buf, 4, MBOX_RECV_TRUNC, 0, &len));
	EXPECT_EQ(10, len);
	EXPECT_EQ(0, memcmp(buf, "0123", 4));
	EXPECT_EQ(0, buf[4]);
	/* The rest of the message is gone with it. */
	EXPECT_EQ(4, mb_recv(self->fd, buf, sizeof(buf), 0, 0, &len));
	EXPECT_EQ(0, memcmp(buf, "next", 4));
}

TEST_F(mb, send_fault_queues_nothing)
{
	struct mbox_stat st;
	char *edge;

	edge = fault_area(10, 20);
	ASSERT_NE(NULL, edge);
	EXPECT_EQ(-EFAULT, mb_send(self->fd, edge, 20, 0, 0));
	EXPECT_EQ(-EFAULT, mb_send(self->fd, (void *)8, 4, 0, 0));
	EXPECT_EQ(-1, write(self->fd, edge, 20));
	EXPECT_EQ(EFAULT, errno);
	ASSERT_EQ(0, mb_stat(self->fd, &st));
	EXPECT_EQ(0, st.queued);
	EXPECT_EQ(0, st.sent);
	EXPECT_EQ(0, st.queued_bytes);
}

TEST_F(mb, recv_fault_loses_nothing)
{
	struct mbox_stat st;
	char buf[MSG_SIZE], *edge, *ro;
	uint32_t len;

	ASSERT_EQ(0, mb_send(self->fd, "precious", 8, 0, 0));
	ASSERT_EQ(0, mb_send(self->fd, "second", 6, 0, 0));

	/* Buffer big enough on paper, but its tail is PROT_NONE. */
	edge = fault_area(4, 64);
	ASSERT_NE(NULL, edge);
	EXPECT_EQ(-EFAULT, mb_recv(self->fd, edge, 64, 0, 0, NULL));
	EXPECT_EQ(-1, read(self->fd, edge, 64));
	EXPECT_EQ(EFAULT, errno);
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	EXPECT_EQ(-EFAULT, mb_recv(self->fd, ro, 64, 0, 0, NULL));

	/* The args struct itself is read-only: its len cannot be written. */
	{
		struct mbox_recv *args = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
					      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		ASSERT_NE(MAP_FAILED, args);
		args->buf = (uintptr_t)buf;
		args->len = sizeof(buf);
		ASSERT_EQ(0, mprotect(args, 4096, PROT_READ));
		EXPECT_EQ(-1, ioctl(self->fd, MBOX_IOC_RECV, args));
		EXPECT_EQ(EFAULT, errno);
	}

	ASSERT_EQ(0, mb_stat(self->fd, &st));
	EXPECT_EQ(2, st.queued);
	EXPECT_EQ(0, st.received);
	/* Both messages, still in order. */
	EXPECT_EQ(8, mb_recv(self->fd, buf, sizeof(buf), 0, 0, &len));
	EXPECT_EQ(0, memcmp(buf, "precious", 8));
	EXPECT_EQ(6, mb_recv(self->fd, buf, sizeof(buf), 0, 0, &len));
	EXPECT_EQ(0, memcmp(buf, "second", 6));
}

TEST_F(mb, args_checked)
{
	struct mbox_send s = { .buf = (uintptr_t)"x", .len = 1 };
	struct mbox_recv r = { 0 };
	char buf[8];
	unsigned int bit, i;

	for (bit = 4; bit < 32; bit++) {
		s.flags = 1U << bit;
		EXPECT_EQ(-1, ioctl(self->fd, MBOX_IOC_SEND, &s)) TH_LOG("bit %u", bit);
		EXPECT_EQ(EINVAL, errno);
	}
	s.flags = 0;
	for (i = 0; i < 2; i++) {
		s.reserved[i] = 1ULL << 63;
		EXPECT_EQ(-1, ioctl(self->fd, MBOX_IOC_SEND, &s));
		EXPECT_EQ(EINVAL, errno);
		s.reserved[i] = 0;
	}
	/* A priority out of range, a pid without MBOX_SEND_TO_PID. */
	s.prio = MBOX_PRIO_MAX;
	EXPECT_EQ(-1, ioctl(self->fd, MBOX_IOC_SEND, &s));
	EXPECT_EQ(EINVAL, errno);
	s.prio = 0;
	s.pid = getpid();
	EXPECT_EQ(-1, ioctl(self->fd, MBOX_IOC_SEND, &s));
	EXPECT_EQ(EINVAL, errno);
	s.pid = 0;

	r.buf = (uintptr_t)buf;
	r.len = sizeof(buf);
	for (bit = 5; bit < 32; bit++) {
		r.flags = 1U << bit;
		EXPECT_EQ(-1, ioctl(self->fd, MBOX_IOC_RECV, &r)) TH_LOG("bit %u", bit);
		EXPECT_EQ(EINVAL, errno);
	}
	r.flags = MBOX_RECV_NONBLOCK;
	r.reserved[0] = 2;
	EXPECT_EQ(-1, ioctl(self->fd, MBOX_IOC_RECV, &r));
	EXPECT_EQ(EINVAL, errno);
	r.reserved[0] = 0;
	/* MBOX_RECV_FROM needs a pid. */
	r.flags = MBOX_RECV_NONBLOCK | MBOX_RECV_FROM;
	r.pid = 0;
	EXPECT_EQ(-1, ioctl(self->fd, MBOX_IOC_RECV, &r));
	EXPECT_EQ(EINVAL, errno);
	/* Out fields hold anything on input without it. */
	r.flags = MBOX_RECV_NONBLOCK;
	r.pid = r.uid = r.gid = r.prio = 0xcccccccc;
	EXPECT_EQ(-1, ioctl(self->fd, MBOX_IOC_RECV, &r));
	EXPECT_EQ(EAGAIN, errno);

	EXPECT_EQ(-1, ioctl(self->fd, MBOX_IOC_SEND, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, MBOX_IOC_RECV, NULL));
	EXPECT_EQ(EFAULT, errno);
	/* Nothing was sent by any of that. */
	EXPECT_EQ(-EAGAIN, mb_recv(self->fd, buf, sizeof(buf), MBOX_RECV_NONBLOCK, 0, NULL));
}

TEST_F(mb, counters)
{
	struct mbox_stat st;
	char buf[MSG_SIZE];
	int i;

	for (i = 0; i < 5; i++)
		ASSERT_EQ(0, mb_send(self->fd, buf, 10 + i, 0, 0));
	ASSERT_EQ(0, mb_stat(self->fd, &st));
	EXPECT_EQ(5, st.queued);
	EXPECT_EQ(10 + 11 + 12 + 13 + 14, st.queued_bytes);
	EXPECT_EQ(5, st.sent);
	EXPECT_EQ(0, st.received);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(10 + i, mb_recv(self->fd, buf, sizeof(buf), 0, 0, NULL));
	ASSERT_EQ(0, mb_stat(self->fd, &st));
	EXPECT_EQ(3, st.queued);
	EXPECT_EQ(12 + 13 + 14, st.queued_bytes);
	EXPECT_EQ(5, st.sent);
	EXPECT_EQ(2, st.received);
}

TEST_F(mb, big_messages)
{
	const char *name = mb_name("io-big");
	struct mbox_info info = { 0 };
	uint32_t size, len;
	struct stamp s;
	char *buf;
	int fd;

	ASSERT_EQ(0, ioctl(self->fd, MBOX_IOC_INFO, &info));
	size = info.msg_size_max;
	buf = malloc(size);
	ASSERT_NE(NULL, buf);
	fd = mb_create(name, 2, size);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mb_unlink(name));
	stamp_fill(buf, size, 1, 1);
	ASSERT_EQ(0, mb_send(fd, buf, size, 0, 0));
	stamp_fill(buf, size / 2 + 3, 1, 2);
	ASSERT_EQ((ssize_t)(size / 2 + 3), write(fd, buf, size / 2 + 3));
	memset(buf, 0, size);
	ASSERT_EQ((int)size, mb_recv(fd, buf, size, 0, 0, &len));
	EXPECT_EQ(0, stamp_check(buf, size, &s));
	EXPECT_EQ(1, s.seq);
	memset(buf, 0, size);
	ASSERT_EQ((ssize_t)(size / 2 + 3), read(fd, buf, size));
	EXPECT_EQ(0, stamp_check(buf, size / 2 + 3, &s));
	EXPECT_EQ(2, s.seq);
	close(fd);
	free(buf);
}

TEST_HARNESS_MAIN
