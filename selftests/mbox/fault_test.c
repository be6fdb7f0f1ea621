// SPDX-License-Identifier: GPL-2.0
/*
 * fault_test: make every allocation on each entry point fail, one at a time.
 *
 * For each entry point of the table below (open, close, every ioctl in
 * every open flavour, read, write, poll, epoll_ctl, mmap and munmap), the
 * walk sets up fresh objects, makes the n-th fault-injection site of the
 * call fail through /proc/thread-self/fail-nth (failslab and
 * fail_page_alloc, see Documentation/fault-injection/fault-injection.rst),
 * for n = 1, 2, ... until the call runs out of sites and succeeds. A call
 * that the injected failure made fail must have failed with ENOMEM (or the
 * errno the entry says the call documents for it) and left everything as
 * it was: the same call then succeeds, and every message or record queued
 * before it is still there, intact and in order. A call that absorbed the
 * failure must have done its job. The sites include those of the VFS and
 * mm around the module, so a new allocation anywhere on the path is
 * covered without touching the test. Leaks are for the kmemleak scan the
 * VM runs after the tests, splats for the runner's kernel log check.
 *
 * Runs only where the kernel has fault injection (the debug kernels);
 * elsewhere it exits with the kselftest skip status, 4.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/mbox.h>

#include "kselftest.h"
#include "common.h"
#include "mbox_ioctls.h"

#define DEV		"/dev/mbox"
#define DEBUGFS		"/sys/kernel/debug"
#define MSG		64		/* bytes of each test message */
#define RING_SIZE	4096
#define NONBLOCK	O_NONBLOCK
#define WALK_MAX	5000		/* no entry point has this many sites */

/* What one walk step has set up; -1 (or NULL) for what it has not. */
struct ctx {
	char name[MBOX_NAME_MAX + 1];	/* the mailbox or ring of the setup */
	char name2[MBOX_NAME_MAX + 1];	/* one the call creates */
	int a, b, c, ep;
	void *map;
	struct mbox_ring_layout layout;
	uint32_t sent;		/* messages or records 0..sent-1 were queued */
	uint32_t taken;		/* and 0..taken-1 received, in order */
	uint32_t want;		/* batches: send up to this sequence number */
};

/* An entry point, with what its walk step sets up and checks. */
struct entry {
	const char *name;
	unsigned long cmd;	/* the ioctl it covers, 0 for none */
	int (*setup)(struct ctx *x);
	/* The call under test: 0 or -errno. */
	int (*call)(struct ctx *x);
	/* After the call failed: nothing of it may have happened. */
	void (*undone)(struct ctx *x);
	/* After the call succeeded: what it did is there, nothing is lost. */
	void (*verify)(struct ctx *x);
	int errno2;		/* another errno the call documents here */
	bool once;		/* close: never fails, and cannot be retried */
};

static int nth_fd = -1;
static const char *cur_name;
static unsigned int cur_n;
static bool cur_ok;
static unsigned int sites_failed, sites_absorbed;

#define CHECK(cond, fmt, ...) do {					\
	if (!(cond)) {							\
		ksft_print_msg("%s, n=%u: " fmt "\n", cur_name, cur_n,	\
			       ##__VA_ARGS__);				\
		cur_ok = false;						\
	}								\
} while (0)

/* fail-nth: the n-th site from now fails; 0 read back means it did. */
static void arm(unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	if (pwrite(nth_fd, buf, len, 0) != len)
		ksft_exit_fail_msg("fail-nth: %s\n", strerror(errno));
}

static bool fired(void)
{
	char buf[16] = "";

	if (pread(nth_fd, buf, sizeof(buf) - 1, 0) <= 0)
		ksft_exit_fail_msg("fail-nth: %s\n", strerror(errno));
	return atoi(buf) == 0;
}

static void disarm(void)
{
	if (pwrite(nth_fd, "0", 1, 0) != 1)
		ksft_exit_fail_msg("fail-nth: %s\n", strerror(errno));
}

/* ---- debugfs settings, restored at exit ---- */

/*
 * Only fail-nth injects: it comes before every other setting (see
 * should_fail_ex()), so probability stays 0 and no other task in the VM
 * ever sees a failure, not even while the settings are being changed.
 */
static const struct {
	const char *file, *value;
} fi_settings[] = {
	{ "failslab/task-filter", "Y" },
	{ "failslab/verbose", "0" },
	/* GFP_KERNEL allocations too, which is what the module makes. */
	{ "failslab/ignore-gfp-wait", "N" },
	{ "fail_page_alloc/task-filter", "Y" },
	{ "fail_page_alloc/verbose", "0" },
	{ "fail_page_alloc/ignore-gfp-wait", "N" },
	/* Single pages too (the ring's, page tables); the default is 1. */
	{ "fail_page_alloc/min-order", "0" },
};

#define NR_SETTINGS (sizeof(fi_settings) / sizeof(fi_settings[0]))
static char fi_saved[NR_SETTINGS][32];

static int fi_write(const char *file, const char *value)
{
	char path[128];
	int fd, ret = 0;

	snprintf(path, sizeof(path), DEBUGFS "/%s", file);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, value, strlen(value)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static int fi_read(const char *file, char *buf, size_t size)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), DEBUGFS "/%s", file);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

static void fi_restore(void)
{
	size_t i;

	for (i = NR_SETTINGS; i-- > 0;)
		if (fi_saved[i][0])
			fi_write(fi_settings[i].file, fi_saved[i]);
}

static void fi_setup(void)
{
	size_t i;
	int ret;

	for (i = 0; i < NR_SETTINGS; i++) {
		ret = fi_read(fi_settings[i].file, fi_saved[i], sizeof(fi_saved[i]));
		if (!ret)
			ret = fi_write(fi_settings[i].file, fi_settings[i].value);
		if (ret)
			ksft_exit_fail_msg("%s: %s\n", fi_settings[i].file, strerror(-ret));
	}
	atexit(fi_restore);
}

/* ---- messages and records ---- */

static int send_msg(struct ctx *x, int fd, uint32_t flags, uint32_t pid)
{
	char buf[MSG];
	int ret;

	stamp_fill(buf, MSG, 0, x->sent);
	ret = mb_sendx(fd, buf, MSG, MBOX_SEND_NONBLOCK | flags, 0, pid, 0);
	if (!ret)
		x->sent++;
	return ret;
}

static int write_msg(struct ctx *x, int fd)
{
	char buf[MSG];

	stamp_fill(buf, MSG, 0, x->sent);
	if (write(fd, buf, MSG) != MSG)
		return -errno;
	x->sent++;
	return 0;
}

/* A received message or record must be the next one, intact. */
static void take(struct ctx *x, const void *buf, ssize_t len)
{
	struct stamp st = { 0 };

	CHECK(len == MSG && stamp_check(buf, MSG, &st) == 0 && st.seq == x->taken,
	      "message %u: %zd bytes, seq %u", x->taken, len, st.seq);
	x->taken++;
}

/* Receive (read() for a ring) everything left: exactly what was queued. */
static void drain(struct ctx *x, int fd, bool ring)
{
	char buf[2 * MSG];
	ssize_t n;

	while (x->taken <= x->sent) {
		if (ring) {
			n = read(fd, buf, sizeof(buf));
			if (n < 0)
				n = -errno;
		} else {
			n = mb_recv(fd, buf, sizeof(buf), MBOX_RECV_NONBLOCK, 0, NULL);
		}
		if (n == -EAGAIN)
			break;
		CHECK(n >= 0, "receive: %s", strerror(-n));
		if (n < 0)
			break;
		take(x, buf, n);
	}
	CHECK(x->taken == x->sent, "%u of %u messages received", x->taken, x->sent);
}

/* ---- setups ---- */

static int setup_mailbox(struct ctx *x)
{
	int ret;

	snprintf(x->name, sizeof(x->name), "%s", mb_name("fault"));
	x->a = mb_open(x->name, O_RDWR | NONBLOCK, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL,
		       0600, 0, 0);
	if (x->a < 0)
		return x->a;
	ret = send_msg(x, x->a, 0, 0);
	if (!ret)
		ret = send_msg(x, x->a, 0, 0);
	x->want = x->sent + 3;
	return ret;
}

static int setup_mailbox_full(struct ctx *x)
{
	int ret = setup_mailbox(x);

	while (!ret && x->sent < 5)
		ret = send_msg(x, x->a, 0, 0);
	return ret;
}

static int setup_mailbox_unbound(struct ctx *x)
{
	int ret = setup_mailbox(x);

	snprintf(x->name2, sizeof(x->name2), "%s", mb_name("fault-new"));
	x->c = open(DEV, O_RDWR | NONBLOCK);
	return ret ?: x->c < 0 ? -errno : 0;
}

static int setup_mailbox_reader(struct ctx *x)
{
	int ret = setup_mailbox(x);

	x->c = mb_open(x->name, O_RDONLY | NONBLOCK, 0, 0, 0, 0);
	return ret ?: x->c < 0 ? x->c : 0;
}

/* Our inbox on b with two messages, sent through a (unbound). */
static int setup_inbox(struct ctx *x)
{
	int ret;

	x->b = inbox_open(O_RDONLY | NONBLOCK, 0, 0600, 0);
	if (x->b < 0)
		return x->b;
	x->a = open(DEV, O_WRONLY | NONBLOCK);
	if (x->a < 0)
		return -errno;
	ret = send_msg(x, x->a, MBOX_SEND_TO_PID, getpid());
	if (!ret)
		ret = send_msg(x, x->a, MBOX_SEND_TO_PID, getpid());
	return ret;
}

static int setup_inbox_unbound(struct ctx *x)
{
	int ret = setup_inbox(x);

	x->c = open(DEV, O_RDONLY | NONBLOCK);
	return ret ?: x->c < 0 ? -errno : 0;
}

/* Only an unbound reader c and a writer a: no inbox yet. */
static int setup_no_inbox(struct ctx *x)
{
	x->a = open(DEV, O_WRONLY | NONBLOCK);
	x->c = open(DEV, O_RDONLY | NONBLOCK);
	return x->a < 0 || x->c < 0 ? -errno : 0;
}

/* A ring with producer a, consumer b (both O_RDWR) and two records. */
static int setup_ring(struct ctx *x)
{
	int ret;

	snprintf(x->name, sizeof(x->name), "%s", mb_name("fault-ring"));
	x->a = ring_open(x->name, O_RDWR | NONBLOCK, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL,
			 0600, RING_SIZE, MBOX_RING_PRODUCER, &x->layout);
	if (x->a < 0)
		return x->a;
	x->b = ring_open(x->name, O_RDWR | NONBLOCK, 0, 0, 0, MBOX_RING_CONSUMER, NULL);
	if (x->b < 0)
		return x->b;
	ret = write_msg(x, x->a);
	return ret ?: write_msg(x, x->a);
}

static int setup_ring_unbound(struct ctx *x)
{
	int ret = setup_ring(x);

	snprintf(x->name2, sizeof(x->name2), "%s", mb_name("fault-ring-new"));
	x->c = open(DEV, O_RDWR | NONBLOCK);
	return ret ?: x->c < 0 ? -errno : 0;
}

/* The ring of setup_ring with the producer's (consumer's) role free again. */
static int setup_ring_no_producer(struct ctx *x)
{
	int ret = setup_ring_unbound(x);

	close(x->a);
	x->a = -1;
	return ret;
}

static int setup_ring_no_consumer(struct ctx *x)
{
	int ret = setup_ring_unbound(x);

	close(x->b);
	x->b = -1;
	return ret;
}

static int setup_ring_observer(struct ctx *x)
{
	int ret = setup_ring(x);

	x->c = ring_open(x->name, O_RDONLY | NONBLOCK, 0, 0, 0, MBOX_RING_OBSERVER, NULL);
	return ret ?: x->c < 0 ? x->c : 0;
}

static int setup_ring_mapped(struct ctx *x)
{
	int ret = setup_ring(x);

	if (ret)
		return ret;
	x->map = mmap(NULL, x->layout.mmap_size, PROT_READ, MAP_SHARED, x->b, 0);
	if (x->map == MAP_FAILED) {
		x->map = NULL;
		return -errno;
	}
	return 0;
}

/*
 * Only an unbound descriptor c for MBOX_IOC_PIPE; @want is the lowest free
 * descriptor number, where a leaked end would show.
 */
static int setup_pipe(struct ctx *x)
{
	x->c = open(DEV, O_RDWR | NONBLOCK);
	if (x->c < 0)
		return -errno;
	x->want = dup(0);
	if ((int)x->want < 0)
		return -errno;
	close(x->want);
	return 0;
}

static int setup_epoll(struct ctx *x, bool ring)
{
	int ret = ring ? setup_ring(x) : setup_mailbox(x);

	x->ep = epoll_create1(0);
	return ret ?: x->ep < 0 ? -errno : 0;
}

static int setup_epoll_mailbox(struct ctx *x)
{
	return setup_epoll(x, false);
}

static int setup_epoll_ring(struct ctx *x)
{
	return setup_epoll(x, true);
}

static void teardown(struct ctx *x)
{
	if (x->map)
		munmap(x->map, x->layout.mmap_size);
	if (x->ep >= 0)
		close(x->ep);
	if (x->a >= 0)
		close(x->a);
	if (x->b >= 0)
		close(x->b);
	if (x->c >= 0)
		close(x->c);
	if (x->name[0]) {
		mb_unlink(x->name);
		ring_unlink(x->name);
	}
	if (x->name2[0]) {
		mb_unlink(x->name2);
		ring_unlink(x->name2);
	}
}

/* ---- checks shared by several entries ---- */

static void verify_mailbox(struct ctx *x)
{
	struct mbox_stat st = { 0 };

	CHECK(mb_stat(x->a, &st) == 0 && st.queued == x->sent - x->taken,
	      "%u queued, %u expected", st.queued, x->sent - x->taken);
	drain(x, x->a, false);
}

static void verify_inbox(struct ctx *x)
{
	drain(x, x->b, false);
}

static void verify_ring(struct ctx *x)
{
	drain(x, x->b, true);
}

/* The consumer role is free again: bind a new consumer and drain with it. */
static void verify_ring_consumer_free(struct ctx *x)
{
	if (x->map) {
		munmap(x->map, x->layout.mmap_size);
		x->map = NULL;
	}
	if (x->b >= 0)
		close(x->b);
	x->b = ring_open(x->name, O_RDWR | NONBLOCK, 0, 0, 0, MBOX_RING_CONSUMER, NULL);
	CHECK(x->b >= 0, "the consumer role is not free: %s", strerror(-x->b));
	if (x->b >= 0)
		drain(x, x->b, true);
}

/* The name the call was to create does not exist. */
static void undone_create(struct ctx *x)
{
	int fd = mb_open(x->name2, O_RDONLY, 0, 0, 0, 0);

	CHECK(fd == -ENOENT, "the mailbox exists after a failed creation (%d)", fd);
	if (fd >= 0)
		close(fd);
}

static void undone_ring_create(struct ctx *x)
{
	int fd = ring_open(x->name2, O_RDONLY, 0, 0, 0, MBOX_RING_OBSERVER, NULL);

	CHECK(fd == -ENOENT, "the ring exists after a failed creation (%d)", fd);
	if (fd >= 0)
		close(fd);
}

static void undone_mailbox(struct ctx *x)
{
	struct mbox_stat st = { 0 };

	CHECK(mb_stat(x->a, &st) == 0 && st.readers == 1 && st.writers == 1 &&
	      st.queued == x->sent - x->taken,
	      "after the failure: %u readers, %u writers, %u queued",
	      st.readers, st.writers, st.queued);
}

static void undone_no_inbox(struct ctx *x)
{
	int ret = send_msg(x, x->a, MBOX_SEND_TO_PID, getpid());

	CHECK(ret == -ESRCH, "an inbox exists after a failed creation (%d)", ret);
}

/* ---- the calls ---- */

static int call_open(struct ctx *x)
{
	x->c = open(DEV, O_RDWR | NONBLOCK);
	return x->c < 0 ? -errno : 0;
}

static void verify_open(struct ctx *x)
{
	struct mbox_info info = { 0 };

	CHECK(ioctl(x->c, MBOX_IOC_INFO, &info) == 0, "INFO: %s", strerror(errno));
	verify_mailbox(x);
}

static int call_close_c(struct ctx *x)
{
	int ret = close(x->c);

	x->c = -1;
	return ret ? -errno : 0;
}

static int call_close_a(struct ctx *x)
{
	int ret = close(x->a);

	x->a = -1;
	return ret ? -errno : 0;
}

static int call_close_b(struct ctx *x)
{
	int ret = close(x->b);

	x->b = -1;
	return ret ? -errno : 0;
}

static void verify_close_reader(struct ctx *x)
{
	undone_mailbox(x);
	verify_mailbox(x);
}

static void verify_close_inbox(struct ctx *x)
{
	int ret = send_msg(x, x->a, MBOX_SEND_TO_PID, getpid());

	CHECK(ret == -ESRCH, "the inbox lives on after its last close (%d)", ret);
	x->b = inbox_open(O_RDONLY | NONBLOCK, 0, 0600, 0);
	CHECK(x->b >= 0, "a new inbox: %s", strerror(-x->b));
}

static void verify_close_producer(struct ctx *x)
{
	x->a = ring_open(x->name, O_RDWR | NONBLOCK, 0, 0, 0, MBOX_RING_PRODUCER, NULL);
	CHECK(x->a >= 0, "the producer role is not free: %s", strerror(-x->a));
	verify_ring(x);
}

static int call_info(struct ctx *x)
{
	struct mbox_info info = { 0 };

	return ioctl(x->a, MBOX_IOC_INFO, &info) ? -errno : 0;
}

static int bind_c(struct ctx *x, const char *name, uint32_t flags)
{
	struct mbox_open args = {
		.name = (uintptr_t)name,
		.flags = flags,
		.mode = 0600,
	};

	return ioctl(x->c, MBOX_IOC_OPEN, &args) ? -errno : 0;
}

static int call_open_create(struct ctx *x)
{
	return bind_c(x, x->name2, MBOX_OPEN_CREATE);
}

static int call_open_excl(struct ctx *x)
{
	return bind_c(x, x->name2, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL);
}

static int call_open_existing(struct ctx *x)
{
	return bind_c(x, x->name, 0);
}

static int call_open_inbox(struct ctx *x)
{
	return bind_c(x, NULL, MBOX_OPEN_INBOX);
}

static void verify_created(struct ctx *x)
{
	struct mbox_stat st = { 0 };

	CHECK(mb_stat(x->c, &st) == 0 && st.readers == 1 && st.writers == 1,
	      "the new mailbox: %u readers, %u writers", st.readers, st.writers);
	verify_mailbox(x);
}

static void verify_open_existing(struct ctx *x)
{
	struct mbox_stat st = { 0 };

	CHECK(mb_stat(x->a, &st) == 0 && st.readers == 2 && st.writers == 2,
	      "%u readers, %u writers", st.readers, st.writers);
	verify_mailbox(x);
}

static void verify_new_inbox(struct ctx *x)
{
	int ret = send_msg(x, x->a, MBOX_SEND_TO_PID, getpid());

	CHECK(ret == 0, "send to the new inbox: %s", strerror(-ret));
	drain(x, x->c, false);
}

static void verify_inbox_c(struct ctx *x)
{
	drain(x, x->c, false);
}

static int call_unlink(struct ctx *x)
{
	return mb_unlink(x->name);
}

static void undone_unlink(struct ctx *x)
{
	int fd = mb_open(x->name, O_RDONLY, 0, 0, 0, 0);

	CHECK(fd >= 0, "the name is gone after a failed unlink: %s", strerror(-fd));
	if (fd >= 0)
		close(fd);
}

static void verify_unlink(struct ctx *x)
{
	int fd = mb_open(x->name, O_RDONLY, 0, 0, 0, 0);

	CHECK(fd == -ENOENT, "the name is still there (%d)", fd);
	if (fd >= 0)
		close(fd);
	verify_mailbox(x);
}

static int call_ring_unlink(struct ctx *x)
{
	return ring_unlink(x->name);
}

static char list_buf[1 << 16];

static int call_list(struct ctx *x)
{
	struct mbox_list args = {
		.buf = (uintptr_t)list_buf,
		.len = sizeof(list_buf),
	};
	const struct mbox_list_entry *e;
	uint32_t i, off = 0;
	bool found = false;

	if (ioctl(x->a, MBOX_IOC_LIST, &args))
		return -errno;
	for (i = 0; i < args.count && off < sizeof(list_buf); i++) {
		e = (const void *)(list_buf + off);
		found |= e->type == MBOX_TYPE_MAILBOX && !strcmp((const char *)e->name, x->name);
		off += e->size;
	}
	CHECK(found, "the list of %u entries lacks %s", args.count, x->name);
	return 0;
}

static int call_send(struct ctx *x)
{
	return send_msg(x, x->a, 0, 0);
}

static int call_send_pid(struct ctx *x)
{
	return send_msg(x, x->a, MBOX_SEND_TO_PID, getpid());
}

static int call_recv(struct ctx *x)
{
	char buf[2 * MSG];
	int ret = mb_recv(x->a, buf, sizeof(buf), MBOX_RECV_NONBLOCK, 0, NULL);

	if (ret < 0)
		return ret;
	take(x, buf, ret);
	return 0;
}

static int call_stat(struct ctx *x)
{
	struct mbox_stat st = { 0 };

	return mb_stat(x->a, &st);
}

static char batch_bufs[8][2 * MSG];

/* The rest of the batch (to x->want); a partial batch returns its error. */
static int call_send_batch(struct ctx *x)
{
	struct mbox_msgvec vec[8] = { 0 };
	struct mbox_batch out = { 0 };
	uint32_t i, count = x->want - x->sent;
	int ret;

	for (i = 0; i < count; i++) {
		stamp_fill(batch_bufs[i], MSG, 0, x->sent + i);
		vec[i].buf = (uintptr_t)batch_bufs[i];
		vec[i].len = MSG;
	}
	ret = mb_batch(x->a, MBOX_IOC_SEND_BATCH, vec, count, MBOX_SEND_NONBLOCK,
		       0, 0, &out);
	if (ret < 0)
		return ret;
	CHECK((uint32_t)ret == out.done, "returned %d, done %u", ret, out.done);
	x->sent += out.done;
	return out.done == count ? 0 : -(int)out.error;
}

static int call_recv_batch(struct ctx *x)
{
	struct mbox_msgvec vec[8] = { 0 };
	struct mbox_batch out = { 0 };
	uint32_t i, count = x->sent - x->taken;
	int ret;

	for (i = 0; i < count; i++) {
		vec[i].buf = (uintptr_t)batch_bufs[i];
		vec[i].len = sizeof(batch_bufs[i]);
	}
	ret = mb_batch(x->a, MBOX_IOC_RECV_BATCH, vec, count, MBOX_RECV_NONBLOCK,
		       0, 0, &out);
	if (ret < 0)
		return ret;
	for (i = 0; i < out.done; i++)
		take(x, batch_bufs[i], vec[i].len);
	return out.done == count ? 0 : -(int)out.error;
}

static int ring_bind_c(struct ctx *x, const char *name, uint32_t flags, uint32_t role)
{
	struct mbox_ring_open args = {
		.name = (uintptr_t)name,
		.flags = flags,
		.mode = 0600,
		.size = RING_SIZE,
		.role = role,
	};

	return ioctl(x->c, MBOX_IOC_RING_OPEN, &args) ? -errno : 0;
}

static int call_ring_create_producer(struct ctx *x)
{
	return ring_bind_c(x, x->name2, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL,
			   MBOX_RING_PRODUCER);
}

static int call_ring_create_consumer(struct ctx *x)
{
	return ring_bind_c(x, x->name2, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL,
			   MBOX_RING_CONSUMER);
}

static int call_ring_create_observer(struct ctx *x)
{
	return ring_bind_c(x, x->name2, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL,
			   MBOX_RING_OBSERVER);
}

static int call_ring_open_producer(struct ctx *x)
{
	return ring_bind_c(x, x->name, 0, MBOX_RING_PRODUCER);
}

static int call_ring_open_consumer(struct ctx *x)
{
	return ring_bind_c(x, x->name, 0, MBOX_RING_CONSUMER);
}

static int call_ring_open_observer(struct ctx *x)
{
	return ring_bind_c(x, x->name, 0, MBOX_RING_OBSERVER);
}

/* An anonymous mailbox (@ring: ring) in b (read end) and a (write end). */
static int pipe_c(struct ctx *x, uint32_t type)
{
	struct mbox_pipe args = {
		.type = type,
		.fd_flags = O_CLOEXEC | O_NONBLOCK,
		.mode = 0600,
	};

	if (type == MBOX_TYPE_RING)
		args.size = RING_SIZE;
	else
		args.capacity = 4;
	if (ioctl(x->c, MBOX_IOC_PIPE, &args))
		return -errno;
	x->b = args.fds[0];
	x->a = args.fds[1];
	x->layout = args.layout;
	return 0;
}

static int call_pipe_mailbox(struct ctx *x)
{
	return pipe_c(x, MBOX_TYPE_MAILBOX);
}

static int call_pipe_ring(struct ctx *x)
{
	return pipe_c(x, MBOX_TYPE_RING);
}

/* A failed MBOX_IOC_PIPE left no descriptor behind. */
static void undone_pipe(struct ctx *x)
{
	CHECK(x->a < 0 && x->b < 0 && fcntl(x->want, F_GETFD) < 0 &&
	      fcntl(x->want + 1, F_GETFD) < 0,
	      "a failed MBOX_IOC_PIPE left descriptor %u or %u open",
	      x->want, x->want + 1);
}

/* Both ends work, and the read end sees EOF once the write end is gone. */
static void verify_pipe(struct ctx *x, bool ring)
{
	char buf[2 * MSG];

	CHECK(write_msg(x, x->a) == 0 && write_msg(x, x->a) == 0,
	      "write to the new pipe: %s", strerror(errno));
	drain(x, x->b, ring);
	close(x->a);
	x->a = -1;
	CHECK(read(x->b, buf, sizeof(buf)) < 0 && errno == EPIPE,
	      "no EOF (EPIPE) after the write end closed: %s", strerror(errno));
}

static void verify_pipe_mailbox(struct ctx *x)
{
	verify_pipe(x, false);
}

static void verify_pipe_ring(struct ctx *x)
{
	verify_pipe(x, true);
}

static void verify_ring_created(struct ctx *x)
{
	struct mbox_ring_stat st = { 0 };

	CHECK(ring_stat(x->c, &st) == 0 && st.size == RING_SIZE &&
	      st.producer + st.consumer + st.observers == 1,
	      "the new ring: size %u, %u+%u+%u bound", st.size, st.producer,
	      st.consumer, st.observers);
	verify_ring(x);
}

static void verify_ring_producer_c(struct ctx *x)
{
	struct mbox_ring_stat st = { 0 };

	CHECK(ring_stat(x->c, &st) == 0 && st.producer == 1 && st.consumer == 1,
	      "%u producers, %u consumers", st.producer, st.consumer);
	CHECK(write_msg(x, x->c) == 0, "write as the new producer: %s", strerror(errno));
	verify_ring(x);
}

static void verify_ring_consumer_c(struct ctx *x)
{
	struct mbox_ring_stat st = { 0 };

	CHECK(ring_stat(x->c, &st) == 0 && st.producer == 1 && st.consumer == 1,
	      "%u producers, %u consumers", st.producer, st.consumer);
	drain(x, x->c, true);
}

static void verify_ring_observer_c(struct ctx *x)
{
	struct mbox_ring_stat st = { 0 };

	CHECK(ring_stat(x->c, &st) == 0 && st.observers == 1,
	      "%u observers", st.observers);
	verify_ring(x);
}

static int call_ring_wait(struct ctx *x)
{
	struct mbox_ring_wait w = { .flags = MBOX_RING_WAIT_TIMEOUT };

	return ioctl(x->b, MBOX_IOC_RING_WAIT, &w) ? -errno : 0;
}

static int call_ring_wake(struct ctx *x)
{
	return ioctl(x->a, MBOX_IOC_RING_WAKE, 0) ? -errno : 0;
}

static int call_ring_stat(struct ctx *x)
{
	struct mbox_ring_stat st = { 0 };

	return ring_stat(x->a, &st);
}

static int call_read(struct ctx *x)
{
	char buf[2 * MSG];
	ssize_t n = read(x->a, buf, sizeof(buf));

	if (n < 0)
		return -errno;
	take(x, buf, n);
	return 0;
}

static int call_write(struct ctx *x)
{
	return write_msg(x, x->a);
}

static int call_ring_read(struct ctx *x)
{
	char buf[2 * MSG];
	ssize_t n = read(x->b, buf, sizeof(buf));

	if (n < 0)
		return -errno;
	take(x, buf, n);
	return 0;
}

static int poll_one(int fd, short events, short want)
{
	struct pollfd p = { .fd = fd, .events = events };
	int ret = poll(&p, 1, 0);

	if (ret < 0)
		return -errno;
	CHECK(ret == 1 && p.revents == want, "poll: %d, revents %#x", ret, p.revents);
	return 0;
}

static int call_poll(struct ctx *x)
{
	return poll_one(x->a, POLLIN | POLLOUT, POLLIN | POLLOUT);
}

static int call_ring_poll(struct ctx *x)
{
	return poll_one(x->b, POLLIN, POLLIN);
}

static int epoll_add(struct ctx *x, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN };

	return epoll_ctl(x->ep, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

static int call_epoll_mailbox(struct ctx *x)
{
	return epoll_add(x, x->a);
}

static int call_epoll_ring(struct ctx *x)
{
	return epoll_add(x, x->b);
}

static void verify_epoll(struct ctx *x, bool ring)
{
	struct epoll_event ev = { 0 };
	int ret = epoll_wait(x->ep, &ev, 1, 0);

	CHECK(ret == 1 && (ev.events & EPOLLIN), "epoll_wait: %d, events %#x",
	      ret, ev.events);
	drain(x, ring ? x->b : x->a, ring);
}

static void verify_epoll_mailbox(struct ctx *x)
{
	verify_epoll(x, false);
}

static void verify_epoll_ring(struct ctx *x)
{
	verify_epoll(x, true);
}

static int map_fd(struct ctx *x, int fd)
{
	void *p = mmap(NULL, x->layout.mmap_size, PROT_READ, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		return -errno;
	x->map = p;
	return 0;
}

static int call_mmap_consumer(struct ctx *x)
{
	return map_fd(x, x->b);
}

static int call_mmap_observer(struct ctx *x)
{
	return map_fd(x, x->c);
}

/* The mapping shows the two records the setup wrote. */
static void check_map(struct ctx *x)
{
	const char *m = x->map;
	const struct mbox_ring_hdr *h;
	uint32_t prod;
	struct stamp st = { 0 };

	prod = *(const volatile uint32_t *)(m + x->layout.prod_off + x->layout.pos_off);
	h = (const void *)(m + x->layout.data_off);
	CHECK(prod == 2 * MBOX_RING_REC_SIZE(MSG) && h->len == MSG &&
	      stamp_check(h + 1, MSG, &st) == 0 && st.seq == 0,
	      "the mapping: prod %u, first record of %u bytes", prod, h->len);
}

static void verify_mmap_consumer(struct ctx *x)
{
	check_map(x);
	verify_ring_consumer_free(x);
}

static void verify_mmap_observer(struct ctx *x)
{
	struct mbox_ring_stat st = { 0 };

	check_map(x);
	munmap(x->map, x->layout.mmap_size);
	x->map = NULL;
	close(x->c);
	x->c = -1;
	CHECK(ring_stat(x->a, &st) == 0 && st.observers == 0,
	      "%u observers after close and munmap", st.observers);
	verify_ring(x);
}

static void undone_mmap(struct ctx *x)
{
	CHECK(!x->map, "mmap failed but left a mapping");
}

static int call_munmap(struct ctx *x)
{
	if (munmap(x->map, x->layout.mmap_size))
		return -errno;
	x->map = NULL;
	return 0;
}

/* Unmapping one data page splits the mapping in two. */
static int call_munmap_split(struct ctx *x)
{
	return munmap((char *)x->map + x->layout.data_off, 4096) ? -errno : 0;
}

static void undone_munmap(struct ctx *x)
{
	check_map(x);
}

static void verify_munmap_split(struct ctx *x)
{
	const char *m = x->map;
	uint32_t prod = *(const volatile uint32_t *)(m + x->layout.prod_off +
						      x->layout.pos_off);

	CHECK(prod == 2 * MBOX_RING_REC_SIZE(MSG), "the rest of the mapping: prod %u", prod);
	verify_ring_consumer_free(x);
}

/*
 * Every entry point. Every MBOX_IOC_* command must have at least one entry
 * (checked at start), so a new command fails this test until it is here.
 */
#define ENTRY(n, c, s, f, u, v, ...) {				\
	.name = n, .cmd = c, .setup = s, .call = f, .undone = u,	\
	.verify = v, __VA_ARGS__					\
}

static const struct entry entries[] = {
	ENTRY("open", 0, setup_mailbox, call_open, NULL, verify_open),
	ENTRY("close mailbox reader", 0, setup_mailbox_reader, call_close_c, NULL,
	      verify_close_reader, .once = true),
	ENTRY("close inbox", 0, setup_inbox, call_close_b, NULL, verify_close_inbox,
	      .once = true),
	ENTRY("close ring producer", 0, setup_ring, call_close_a, NULL,
	      verify_close_producer, .once = true),
	ENTRY("close ring consumer", 0, setup_ring, call_close_b, NULL,
	      verify_ring_consumer_free, .once = true),
	ENTRY("MBOX_IOC_INFO", MBOX_IOC_INFO, setup_mailbox, call_info, NULL,
	      verify_mailbox),
	ENTRY("MBOX_IOC_OPEN create", MBOX_IOC_OPEN, setup_mailbox_unbound,
	      call_open_create, undone_create, verify_created),
	ENTRY("MBOX_IOC_OPEN exclusive", MBOX_IOC_OPEN, setup_mailbox_unbound,
	      call_open_excl, undone_create, verify_created),
	ENTRY("MBOX_IOC_OPEN existing", MBOX_IOC_OPEN, setup_mailbox_unbound,
	      call_open_existing, undone_mailbox, verify_open_existing),
	ENTRY("MBOX_IOC_OPEN inbox (new)", MBOX_IOC_OPEN, setup_no_inbox,
	      call_open_inbox, undone_no_inbox, verify_new_inbox),
	ENTRY("MBOX_IOC_OPEN inbox (existing)", MBOX_IOC_OPEN, setup_inbox_unbound,
	      call_open_inbox, NULL, verify_inbox_c),
	ENTRY("MBOX_IOC_UNLINK mailbox", MBOX_IOC_UNLINK, setup_mailbox, call_unlink,
	      undone_unlink, verify_unlink),
	ENTRY("MBOX_IOC_UNLINK ring", MBOX_IOC_UNLINK, setup_ring, call_ring_unlink,
	      NULL, verify_ring),
	ENTRY("MBOX_IOC_LIST", MBOX_IOC_LIST, setup_mailbox, call_list, NULL,
	      verify_mailbox),
	ENTRY("MBOX_IOC_PIPE mailbox", MBOX_IOC_PIPE, setup_pipe, call_pipe_mailbox,
	      undone_pipe, verify_pipe_mailbox),
	ENTRY("MBOX_IOC_PIPE ring", MBOX_IOC_PIPE, setup_pipe, call_pipe_ring,
	      undone_pipe, verify_pipe_ring),
	ENTRY("MBOX_IOC_SEND", MBOX_IOC_SEND, setup_mailbox, call_send, undone_mailbox,
	      verify_mailbox),
	ENTRY("MBOX_IOC_SEND to a pid", MBOX_IOC_SEND, setup_inbox, call_send_pid, NULL,
	      verify_inbox),
	ENTRY("MBOX_IOC_RECV", MBOX_IOC_RECV, setup_mailbox, call_recv, undone_mailbox,
	      verify_mailbox),
	ENTRY("MBOX_IOC_STAT", MBOX_IOC_STAT, setup_mailbox, call_stat, NULL,
	      verify_mailbox),
	ENTRY("MBOX_IOC_SEND_BATCH", MBOX_IOC_SEND_BATCH, setup_mailbox,
	      call_send_batch, undone_mailbox, verify_mailbox),
	ENTRY("MBOX_IOC_RECV_BATCH", MBOX_IOC_RECV_BATCH, setup_mailbox_full,
	      call_recv_batch, undone_mailbox, verify_mailbox),
	ENTRY("MBOX_IOC_RING_OPEN create producer", MBOX_IOC_RING_OPEN,
	      setup_ring_unbound, call_ring_create_producer, undone_ring_create,
	      verify_ring_created),
	ENTRY("MBOX_IOC_RING_OPEN create consumer", MBOX_IOC_RING_OPEN,
	      setup_ring_unbound, call_ring_create_consumer, undone_ring_create,
	      verify_ring_created),
	ENTRY("MBOX_IOC_RING_OPEN create observer", MBOX_IOC_RING_OPEN,
	      setup_ring_unbound, call_ring_create_observer, undone_ring_create,
	      verify_ring_created),
	ENTRY("MBOX_IOC_RING_OPEN producer", MBOX_IOC_RING_OPEN,
	      setup_ring_no_producer, call_ring_open_producer, NULL,
	      verify_ring_producer_c),
	ENTRY("MBOX_IOC_RING_OPEN consumer", MBOX_IOC_RING_OPEN,
	      setup_ring_no_consumer, call_ring_open_consumer, NULL,
	      verify_ring_consumer_c),
	ENTRY("MBOX_IOC_RING_OPEN observer", MBOX_IOC_RING_OPEN,
	      setup_ring_unbound, call_ring_open_observer, NULL,
	      verify_ring_observer_c),
	ENTRY("MBOX_IOC_RING_WAIT", MBOX_IOC_RING_WAIT, setup_ring, call_ring_wait,
	      NULL, verify_ring),
	ENTRY("MBOX_IOC_RING_WAKE", MBOX_IOC_RING_WAKE, setup_ring, call_ring_wake,
	      NULL, verify_ring),
	ENTRY("MBOX_IOC_RING_STAT", MBOX_IOC_RING_STAT, setup_ring, call_ring_stat,
	      NULL, verify_ring),
	ENTRY("read mailbox", 0, setup_mailbox, call_read, undone_mailbox,
	      verify_mailbox),
	ENTRY("write mailbox", 0, setup_mailbox, call_write, undone_mailbox,
	      verify_mailbox),
	ENTRY("read ring", 0, setup_ring, call_ring_read, NULL, verify_ring),
	ENTRY("write ring", 0, setup_ring, call_write, NULL, verify_ring),
	ENTRY("poll mailbox", 0, setup_mailbox, call_poll, NULL, verify_mailbox),
	ENTRY("poll ring", 0, setup_ring, call_ring_poll, NULL, verify_ring),
	ENTRY("epoll_ctl mailbox", 0, setup_epoll_mailbox, call_epoll_mailbox, NULL,
	      verify_epoll_mailbox),
	ENTRY("epoll_ctl ring", 0, setup_epoll_ring, call_epoll_ring, NULL,
	      verify_epoll_ring),
	ENTRY("mmap consumer", 0, setup_ring, call_mmap_consumer, undone_mmap,
	      verify_mmap_consumer),
	ENTRY("mmap observer", 0, setup_ring_observer, call_mmap_observer,
	      undone_mmap, verify_mmap_observer),
	ENTRY("munmap", 0, setup_ring_mapped, call_munmap, undone_munmap,
	      verify_ring_consumer_free),
	ENTRY("munmap part", 0, setup_ring_mapped, call_munmap_split, undone_munmap,
	      verify_munmap_split),
};

#define NR_ENTRIES (sizeof(entries) / sizeof(entries[0]))

static void ctx_init(struct ctx *x)
{
	memset(x, 0, sizeof(*x));
	x->a = x->b = x->c = x->ep = -1;
}

/* Walk one entry point's sites; true if every step held. */
static bool walk(const struct entry *e)
{
	unsigned int failed = 0, absorbed = 0;
	struct ctx x;
	bool injected;
	int ret, again;

	cur_name = e->name;
	cur_ok = true;
	for (cur_n = 1; cur_n <= WALK_MAX; cur_n++) {
		ctx_init(&x);
		ret = e->setup(&x);
		if (ret) {
			CHECK(0, "setup: %s", strerror(-ret));
			teardown(&x);
			return false;
		}

		arm(cur_n);
		ret = e->call(&x);
		injected = fired();
		disarm();

		if (!injected) {
			/* Past the last site: the call must simply work. */
			CHECK(ret == 0, "fails with no failure injected: %s", strerror(-ret));
		} else if (ret == 0) {
			absorbed++;
		} else {
			failed++;
			CHECK(!e->once, "returned %s", strerror(-ret));
			CHECK(ret == -ENOMEM || (e->errno2 && ret == -e->errno2),
			      "returned %s, not ENOMEM", strerror(-ret));
			if (e->undone)
				e->undone(&x);
			if (!e->once) {
				again = e->call(&x);
				CHECK(again == 0, "the same call then fails: %s",
				      strerror(-again));
			}
		}
		if (e->verify)
			e->verify(&x);
		teardown(&x);
		if (!injected || !cur_ok)
			break;
	}
	CHECK(cur_n <= WALK_MAX, "still failing after %u sites", WALK_MAX);
	ksft_print_msg("%s: %u sites, %u failed the call, %u absorbed\n",
		       e->name, failed + absorbed, failed, absorbed);
	sites_failed += failed;
	sites_absorbed += absorbed;
	return cur_ok;
}

/* Every MBOX_IOC_* command has an entry. */
static bool every_command_covered(void)
{
	bool ok = true;
	size_t i;

#define COVERED(c_, s_) do {						\
	for (i = 0; i < NR_ENTRIES && entries[i].cmd != (c_); i++)	\
		;							\
	if (i == NR_ENTRIES) {						\
		ksft_print_msg("%s has no fault-injection entry\n", s_); \
		ok = false;						\
	}								\
} while (0);
	MBOX_IOCTLS(COVERED)
#undef COVERED
	return ok;
}

/* Map the stack this test will use, so that mlockall() keeps it. */
static void prefault_stack(void)
{
	volatile char buf[256 * 1024];
	size_t i;

	for (i = 0; i < sizeof(buf); i += 4096)
		buf[i] = 0;
}

int main(void)
{
	char path[64];
	size_t i;

	ksft_print_header();
	snprintf(path, sizeof(path), "/proc/thread-self/fail-nth");
	if (access(path, W_OK) || access(DEBUGFS "/failslab", F_OK) ||
	    access(DEBUGFS "/fail_page_alloc", F_OK))
		ksft_exit_skip("no fail-nth, failslab and fail_page_alloc in this kernel\n");
	if (access(DEV, F_OK))
		ksft_exit_fail_msg(DEV ": %s\n", strerror(errno));

	ksft_set_plan(NR_ENTRIES + 1);
	ksft_test_result(every_command_covered(), "every command has an entry\n");

	fi_setup();
	prefault_stack();
	/* No page fault (and its allocations) in the middle of a walked call. */
	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		ksft_exit_fail_msg("mlockall: %s\n", strerror(errno));
	nth_fd = open(path, O_RDWR);
	if (nth_fd < 0)
		ksft_exit_fail_msg("%s: %s\n", path, strerror(errno));

	for (i = 0; i < NR_ENTRIES; i++)
		ksft_test_result(walk(&entries[i]), "%s\n", entries[i].name);

	ksft_print_msg("fault sites covered: %u (%u failed the call, %u absorbed)\n",
		       sites_failed + sites_absorbed, sites_failed, sites_absorbed);
	ksft_finished();
}
