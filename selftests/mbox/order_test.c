// SPDX-License-Identifier: GPL-2.0
/*
 * order_test: a queue never changes order. A receive whose copy-out fails
 * puts its message back at its arrival place, so later receivers see the
 * messages in the order they were sent; only a message another receiver is
 * still holding can be overtaken. Receivers are stalled in their copy-out
 * on userfaultfd pages, then made to fail (the page is unmapped before the
 * fault is woken), so the interleaving is exact.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "common.h"

#define NR_STALL 2

struct stall {
	pthread_t thread;
	int fd;
	char *buf;
	int ret;
};

static void *stall_recv(void *arg)
{
	struct stall *s = arg;

	s->ret = mb_recvx(s->fd, s->buf, 16, 0, 0, 0, NULL);
	return NULL;
}

FIXTURE(order) {
	char name[64];
	int fd;
	int uffd;
	long page;
	char *area;		/* NR_STALL pages, registered, never filled */
	struct stall stall[NR_STALL];
};

FIXTURE_SETUP(order)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { 0 };

	self->uffd = -1;
	self->area = MAP_FAILED;
	self->page = sysconf(_SC_PAGESIZE);
	snprintf(self->name, sizeof(self->name), "%s", mb_name("order"));
	self->fd = mb_create(self->name, 8, 64);
	ASSERT_LE(0, self->fd);

	/* Faults in the kernel's copy-out must reach us: no user-mode-only. */
	self->uffd = syscall(SYS_userfaultfd, O_CLOEXEC);
	if (self->uffd < 0)
		SKIP(return, "userfaultfd: %s (CONFIG_USERFAULTFD?)",
		     strerror(errno));
	ASSERT_EQ(0, ioctl(self->uffd, UFFDIO_API, &api));
	self->area = mmap(NULL, NR_STALL * self->page, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->area);
	reg.range.start = (uintptr_t)self->area;
	reg.range.len = NR_STALL * self->page;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	ASSERT_EQ(0, ioctl(self->uffd, UFFDIO_REGISTER, &reg));
}

FIXTURE_TEARDOWN(order)
{
	mb_unlink(self->name);
	close(self->fd);
	if (self->uffd >= 0)
		close(self->uffd);
	if (self->area != MAP_FAILED)
		munmap(self->area, NR_STALL * self->page);
}

/*
 * Start receiver @i into its userfaultfd page and wait until it is stalled
 * there, holding the message it took.
 */
static void stall_start(struct __test_metadata *_metadata,
			FIXTURE_DATA(order) *self, int i)
{
	struct stall *s = &self->stall[i];
	struct uffd_msg msg;

	s->fd = self->fd;
	s->buf = self->area + i * self->page;
	s->ret = 1;
	ASSERT_EQ(0, pthread_create(&s->thread, NULL, stall_recv, s));
	ASSERT_EQ(sizeof(msg), read(self->uffd, &msg, sizeof(msg)));
	ASSERT_EQ(UFFD_EVENT_PAGEFAULT, msg.event);
	ASSERT_EQ((uintptr_t)s->buf,
		  msg.arg.pagefault.address & ~(uint64_t)(self->page - 1));
}

/*
 * Make stalled receiver @i fail: its page goes, then its fault is woken
 * and finds nothing there. Its receive fails with EFAULT and puts the
 * message back.
 */
static void stall_fail(struct __test_metadata *_metadata,
		       FIXTURE_DATA(order) *self, int i)
{
	struct stall *s = &self->stall[i];
	struct uffdio_range range = {
		.start = (uintptr_t)s->buf,
		.len = self->page,
	};

	ASSERT_EQ(0, munmap(s->buf, self->page));
	ASSERT_EQ(0, ioctl(self->uffd, UFFDIO_WAKE, &range));
	ASSERT_EQ(0, pthread_join(s->thread, NULL));
	EXPECT_EQ(-EFAULT, s->ret);
}

static void send_str(struct __test_metadata *_metadata, int fd, const char *s)
{
	ASSERT_EQ(0, mb_sendx(fd, s, strlen(s), MBOX_SEND_NONBLOCK, 0, 0, 0));
}

static void expect_recv(struct __test_metadata *_metadata, int fd,
			const char *s)
{
	char buf[16] = { 0 };

	EXPECT_EQ((int)strlen(s), mb_recvx(fd, buf, sizeof(buf) - 1,
					   MBOX_RECV_NONBLOCK, 0, 0, NULL));
	EXPECT_STREQ(s, buf);
}

/*
 * Sent X Y Z. Two receivers take X and Y and fail, X's first: each goes
 * back to its arrival place, and a later receiver gets X Y Z.
 */
TEST_F(order, failed_receives_keep_arrival_order)
{
	if (self->uffd < 0)
		SKIP(return, "no userfaultfd");
	send_str(_metadata, self->fd, "X");
	send_str(_metadata, self->fd, "Y");
	send_str(_metadata, self->fd, "Z");
	stall_start(_metadata, self, 0);
	stall_start(_metadata, self, 1);
	stall_fail(_metadata, self, 0);
	stall_fail(_metadata, self, 1);
	expect_recv(_metadata, self->fd, "X");
	expect_recv(_metadata, self->fd, "Y");
	expect_recv(_metadata, self->fd, "Z");
}

/* And Y's first: the same order. */
TEST_F(order, failed_receives_keep_arrival_order_reversed)
{
	if (self->uffd < 0)
		SKIP(return, "no userfaultfd");
	send_str(_metadata, self->fd, "X");
	send_str(_metadata, self->fd, "Y");
	send_str(_metadata, self->fd, "Z");
	stall_start(_metadata, self, 0);
	stall_start(_metadata, self, 1);
	stall_fail(_metadata, self, 1);
	stall_fail(_metadata, self, 0);
	expect_recv(_metadata, self->fd, "X");
	expect_recv(_metadata, self->fd, "Y");
	expect_recv(_metadata, self->fd, "Z");
}

/*
 * A message another receiver holds can be overtaken: while X is held, Y
 * is received. Back, X goes before what arrived after it (Z, and W sent
 * while it was held), and nothing else moves.
 */
TEST_F(order, only_a_held_message_is_overtaken)
{
	if (self->uffd < 0)
		SKIP(return, "no userfaultfd");
	send_str(_metadata, self->fd, "X");
	send_str(_metadata, self->fd, "Y");
	send_str(_metadata, self->fd, "Z");
	stall_start(_metadata, self, 0);
	expect_recv(_metadata, self->fd, "Y");
	send_str(_metadata, self->fd, "W");
	stall_fail(_metadata, self, 0);
	expect_recv(_metadata, self->fd, "X");
	expect_recv(_metadata, self->fd, "Z");
	expect_recv(_metadata, self->fd, "W");
}

TEST_HARNESS_MAIN
