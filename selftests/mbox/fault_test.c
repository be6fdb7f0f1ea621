// SPDX-License-Identifier: GPL-2.0
/*
 * fault_test: make every allocation on each entry point fail, one at a time.
 *
 * For each entry point of the table below (open, close, every ioctl in
 * every open flavour, synchronous send, read, write, poll, epoll_ctl, mmap
 * and munmap in each ring role, and an inbox owner's exit and exec), the
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
 * An exit or an exec runs in the process that exits or execs, so for
 * those the walked task is a child that owns an inbox (see "an inbox's
 * owner exits or execs" below); an exec may also fail with E2BIG, or kill
 * the process past its point of no return, as execve(2) says. A failed
 * page fault in the program it execs is retried ("Huh VM_FAULT_OOM leaked
 * out to the #PF handler" in the kernel log).
 *
 * Runs only where the kernel has fault injection (the debug kernels);
 * elsewhere it exits with the kselftest skip status, 4.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/mbox.h>

#include "kselftest.h"
#include "common.h"
#include "mbox_ioctls.h"

#define DEV		"/dev/mbox"
#define DEBUGFS		"/sys/kernel/debug"
#define MSG		64		/* bytes of each test message */
/*
 * Bytes of each message in the second walk of the entries that send or
 * receive mailbox messages: a length whose payload the kernel keeps in an
 * allocation of its own (struct mbox_info's @msg_overhead), while a MSG-byte
 * one follows its header, so that both layouts' allocations are walked.
 */
#define MSG_APART	4096
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
	/* Entries that run in a child (inbox exit and exec, sync send): */
	pid_t pid;		/* the child: an inbox's owner, or a receiver */
	pid_t owner;		/* the owner's pid, still known once reaped */
	bool exec;		/* the owner execs */
	pid_t spid;		/* a sender blocked in a synchronous send */
	int go, rdy;		/* pipes to and from the owner */
	int nth;		/* the owner's fail-nth */
	int stage;		/* calls made so far */
	bool fired;		/* the site armed in the child failed */
	bool killed;		/* the owner died in exec, past its point of no return */
	bool dead_checked;	/* check_dead() ran */
	uint32_t charged;	/* messages queued that quota_fd pays for */
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
	/*
	 * The sites walked are a child's, not the caller's: the call arms the
	 * child's fail-nth with cur_n itself and sets ctx.fired.
	 */
	bool child;
	/* Walked again with MSG_APART-byte messages. */
	bool msgs;
};

static int nth_fd = -1;
static const char *cur_name;
static unsigned int cur_n;
static bool cur_ok;
static unsigned int sites_failed, sites_absorbed;
static uint32_t msg_len = MSG;	/* of the messages send_msg() and write_msg() send */

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
	char buf[MSG_APART];
	int ret;

	stamp_fill(buf, msg_len, 0, x->sent);
	ret = mb_sendx(fd, buf, msg_len, MBOX_SEND_NONBLOCK | flags, 0, pid, 0);
	if (!ret)
		x->sent++;
	return ret;
}

static int write_msg(struct ctx *x, int fd)
{
	char buf[MSG_APART];

	stamp_fill(buf, msg_len, 0, x->sent);
	if (write(fd, buf, msg_len) != msg_len)
		return -errno;
	x->sent++;
	return 0;
}

/* A received message or record must be the next one, intact. */
static void take(struct ctx *x, const void *buf, ssize_t len)
{
	struct stamp st = { 0 };

	CHECK(len == msg_len && stamp_check(buf, msg_len, &st) == 0 &&
	      st.seq == x->taken,
	      "message %u: %zd bytes, seq %u", x->taken, len, st.seq);
	x->taken++;
}

/* Receive (read() for a ring) everything left: exactly what was queued. */
static void drain(struct ctx *x, int fd, bool ring)
{
	char buf[2 * MSG_APART];
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

static void kill_reap(pid_t *pid);

static void teardown(struct ctx *x)
{
	kill_reap(&x->pid);
	kill_reap(&x->spid);
	if (x->go >= 0)
		close(x->go);
	if (x->rdy >= 0)
		close(x->rdy);
	if (x->nth >= 0)
		close(x->nth);
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
	char buf[2 * MSG_APART];
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

static char batch_bufs[8][2 * MSG_APART];

/* The rest of the batch (to x->want); a partial batch returns its error. */
static int call_send_batch(struct ctx *x)
{
	struct mbox_msgvec vec[8] = { 0 };
	struct mbox_batch out = { 0 };
	uint32_t i, count = x->want - x->sent;
	int ret;

	for (i = 0; i < count; i++) {
		stamp_fill(batch_bufs[i], msg_len, 0, x->sent + i);
		vec[i].buf = (uintptr_t)batch_bufs[i];
		vec[i].len = msg_len;
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
	char buf[2 * MSG_APART];

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
	char buf[2 * MSG_APART];
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
	char buf[2 * MSG_APART];
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

static int setup_ring_producer_mapped(struct ctx *x)
{
	int ret = setup_ring(x);

	return ret ?: map_fd(x, x->a);
}

static int setup_ring_observer_mapped(struct ctx *x)
{
	int ret = setup_ring_observer(x);

	return ret ?: map_fd(x, x->c);
}

static int call_mmap_producer(struct ctx *x)
{
	return map_fd(x, x->a);
}

/* The producer keeps its role while it holds the descriptor or a mapping. */
static void verify_producer_unmapped(struct ctx *x)
{
	if (x->map) {
		munmap(x->map, x->layout.mmap_size);
		x->map = NULL;
	}
	close(x->a);
	x->a = -1;
	verify_close_producer(x);
}

static void verify_mmap_producer(struct ctx *x)
{
	check_map(x);
	verify_producer_unmapped(x);
}

static void verify_munmap_producer(struct ctx *x)
{
	CHECK(write_msg(x, x->a) == 0, "write as the producer: %s", strerror(errno));
	verify_producer_unmapped(x);
}

static void verify_munmap_observer(struct ctx *x)
{
	struct mbox_ring_stat st = { 0 };

	CHECK(ring_stat(x->c, &st) == 0 && st.observers == 1, "%u observers", st.observers);
	close(x->c);
	x->c = -1;
	CHECK(ring_stat(x->a, &st) == 0 && st.observers == 0,
	      "%u observers after close and munmap", st.observers);
	verify_ring(x);
}

static void verify_close_observer(struct ctx *x)
{
	struct mbox_ring_stat st = { 0 };

	CHECK(ring_stat(x->a, &st) == 0 && st.observers == 0 && st.producer == 1 &&
	      st.consumer == 1, "%u+%u+%u bound after the observer's close",
	      st.producer, st.consumer, st.observers);
	verify_ring(x);
}

/* The only descriptor of an unlinked mailbox with messages queued. */
static int setup_mailbox_unlinked(struct ctx *x)
{
	int ret = setup_mailbox(x);

	return ret ?: mb_unlink(x->name);
}

static void verify_close_last(struct ctx *x)
{
	int fd = mb_open(x->name, O_RDONLY, 0, 0, 0, 0);

	CHECK(fd == -ENOENT, "the unlinked mailbox is back (%d)", fd);
	if (fd >= 0)
		close(fd);
}

static int call_create_unbounded(struct ctx *x)
{
	return bind_c(x, x->name2, MBOX_OPEN_CREATE | MBOX_OPEN_UNBOUNDED);
}

static int call_create_rendezvous(struct ctx *x)
{
	return bind_c(x, x->name2, MBOX_OPEN_CREATE | MBOX_OPEN_RENDEZVOUS);
}

static int call_read_inbox(struct ctx *x)
{
	char buf[2 * MSG_APART];
	ssize_t n = read(x->b, buf, sizeof(buf));

	if (n < 0)
		return -errno;
	take(x, buf, n);
	return 0;
}

static void undone_inbox(struct ctx *x)
{
	struct mbox_stat st = { 0 };

	CHECK(mb_stat(x->b, &st) == 0 && st.queued == x->sent - x->taken &&
	      !(st.state & MBOX_STATE_DEAD), "after the failure: state %#x, %u queued",
	      st.state, st.queued);
}

static int call_poll_inbox(struct ctx *x)
{
	return poll_one(x->b, POLLIN, POLLIN);
}

static int call_poll_producer(struct ctx *x)
{
	return poll_one(x->a, POLLOUT, POLLOUT);
}

/* ---- children ---- */

static void kill_reap(pid_t *pid)
{
	if (*pid > 0) {
		kill(*pid, SIGKILL);
		waitpid(*pid, NULL, 0);
	}
	*pid = 0;
}

/* Reap @pid: its exit status, or 1000 + the signal that killed it. */
static int reap_status(pid_t *pid)
{
	int st;
	pid_t p = waitpid(*pid, &st, 0);

	*pid = 0;
	if (p < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1000 + WTERMSIG(st);
}

/*
 * A synchronous send (MBOX_SEND_SYNC) goes only to a receiver that takes
 * it. One waits in a child: setup_sync_receiver forks it on an empty
 * mailbox, and it checks that it received message 0, intact, once.
 */
static int setup_sync_receiver(struct ctx *x)
{
	char buf[2 * MSG_APART];
	struct stamp st = { 0 };
	int fd, n;

	snprintf(x->name, sizeof(x->name), "%s", mb_name("fault-sync"));
	x->a = mb_open(x->name, O_RDWR | NONBLOCK, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL,
		       0600, 0, 0);
	if (x->a < 0)
		return x->a;
	x->pid = fork();
	if (x->pid < 0)
		return -errno;
	if (x->pid == 0) {
		fd = mb_open(x->name, O_RDONLY, 0, 0, 0, 0);
		n = fd < 0 ? fd : mb_recv(fd, buf, sizeof(buf), 0, 0, NULL);
		_exit(n == (int)msg_len && !stamp_check(buf, msg_len, &st) &&
		      st.seq == 0 ? 0 : 1);
	}
	return mb_wait_waiters(x->a, -1, 1) ? 0 : -EIO;
}

static int call_send_sync(struct ctx *x)
{
	return send_msg(x, x->a, MBOX_SEND_SYNC, 0);
}

static void undone_sync(struct ctx *x)
{
	struct mbox_stat st = { 0 };

	CHECK(mb_stat(x->a, &st) == 0 && st.queued == 0 && st.sent == 0 &&
	      st.waiting_receivers == 1,
	      "after the failure: %u queued, %llu sent, %u receivers waiting",
	      st.queued, (unsigned long long)st.sent, st.waiting_receivers);
}

static void verify_sync(struct ctx *x)
{
	struct mbox_stat st = { 0 };
	int status = reap_status(&x->pid);

	CHECK(status == 0, "the receiver did not get message 0 intact (%d)", status);
	CHECK(mb_stat(x->a, &st) == 0 && st.queued == 0 && st.sent == 1 &&
	      st.received == 1, "%u queued, %llu sent, %llu received", st.queued,
	      (unsigned long long)st.sent, (unsigned long long)st.received);
}

/*
 * ---- an inbox's owner exits or execs ----
 *
 * fail-nth counts the allocations of the task that set it, and an exit or
 * an exec runs in the context of the process that exits or execs. So the
 * inbox's owner is a child, which arms its own fail-nth (with the n the
 * walk is at) right before it calls _exit() or execve(), and the test
 * checks afterwards, from here, what the uapi says of a dead inbox
 * ("Inboxes"): a send by pid fails with ESRCH, a descriptor still bound to
 * it sees the hang-up (MBOX_STATE_DEAD, nothing queued, EPIPE), a sender
 * blocked in a synchronous send fails with ESRCH, and the messages queued
 * to it are freed, which the byte quota shows: they were sent through
 * quota_fd, whose opener is held to user_bytes_max, and that user can
 * queue exactly as many messages as before. Whether the n-th site failed
 * is read from the owner's fail-nth once it is a zombie; an exec that
 * failed said so through the pipe.
 *
 * The owner execs a program of a few instructions (tiny_path), so that
 * the sites walked are those of the exec, not of a dynamic loader: it
 * writes one byte to TINY_READY, waits for one on TINY_GO and exits with
 * what its read returned (1). It writes into a pipe and reads from one, so
 * those sites count too, and so does its exit.
 */
#define QUOTA_UID	4242
#define TINY_READY	100
#define TINY_GO		101
#define EXEC_FAILED	0x80	/* | errno: the owner's exec failed */

static int quota_fd = -1;	/* unbound writer opened as QUOTA_UID */
static int quota_mb = -1;	/* a writer of QUOTA_UID's on a mailbox */
static int quota_rd = -1;	/* and a reader of it */
static int quota_room;		/* MSG-byte messages QUOTA_UID may queue */
static long long bytes_max_saved = -1;
static char tiny_path[64];

enum death { BY_EXIT, BY_EXEC };

struct owner {
	enum death how;
	bool cloexec;		/* the owner's inbox descriptor is close-on-exec */
	bool held;		/* a copy of it is here, in ctx.b */
	bool sync;		/* a synchronous sender waits on the inbox */
};

/*
 * How many messages QUOTA_UID can queue now: quota_room when nothing leaked.
 * They go to a mailbox of the test's own and are received at once, so the
 * probe depends on no inbox.
 */
static int quota_probe(void)
{
	char buf[MSG];
	int n = 0, ret = 0, got;

	memset(buf, 0, sizeof(buf));
	while (n < 64 && !(ret = mb_send(quota_mb, buf, MSG, MBOX_SEND_NONBLOCK, 0)))
		n++;
	for (got = 0; mb_recv(quota_rd, buf, sizeof(buf), MBOX_RECV_NONBLOCK, 0,
			      NULL) == MSG; got++)
		;
	if (got != n)
		return -EIO;
	return ret == -EDQUOT ? n : ret ? ret : -ENOSPC;
}

static void quota_restore(void)
{
	if (bytes_max_saved >= 0)
		param_write("user_bytes_max", bytes_max_saved);
	if (tiny_path[0])
		unlink(tiny_path);
}

/* A descriptor of QUOTA_UID's, bound to @name if not NULL. */
static int quota_open(const char *name)
{
	struct mbox_open args = { .name = (uintptr_t)name };
	int fd;

	if (seteuid(QUOTA_UID))
		ksft_exit_fail_msg("seteuid: %s\n", strerror(errno));
	fd = open(DEV, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (seteuid(0) || fd < 0)
		ksft_exit_fail_msg("the quota user's descriptor: %s\n", strerror(errno));
	if (name && ioctl(fd, MBOX_IOC_OPEN, &args))
		ksft_exit_fail_msg("binding the quota user's descriptor: %s\n",
				   strerror(errno));
	return fd;
}

/* Room for a few messages of QUOTA_UID, measured. */
static void quota_setup(void)
{
	const char *name = mb_name("fault-quota");

	bytes_max_saved = param_read("user_bytes_max");
	if (bytes_max_saved < 0)
		ksft_exit_fail_msg("user_bytes_max: %s\n", strerror(-bytes_max_saved));
	if (param_write("user_bytes_max", 8 * 256))
		ksft_exit_fail_msg("cannot set user_bytes_max\n");
	quota_fd = quota_open(NULL);
	quota_rd = mb_open(name, O_RDONLY | O_NONBLOCK | O_CLOEXEC,
			   MBOX_OPEN_CREATE | MBOX_OPEN_EXCL, 0600, 0, 0);
	if (quota_rd < 0)
		ksft_exit_fail_msg("%s: %s\n", name, strerror(-quota_rd));
	quota_mb = quota_open(name);
	mb_unlink(name);
	quota_room = quota_probe();
	if (quota_room < 3)
		ksft_exit_fail_msg("the quota user may queue %d messages\n", quota_room);
}

/* The program the owner execs: x86-64 machine code, see above. */
static void tiny_setup(void)
{
	static const unsigned char code[] = {
		0xb8, 0x01, 0, 0, 0,		/* mov eax, 1 (write) */
		0xbf, TINY_READY, 0, 0, 0,	/* mov edi, TINY_READY */
		0x48, 0x89, 0xe6,		/* mov rsi, rsp (argc: 1) */
		0xba, 0x01, 0, 0, 0,		/* mov edx, 1 */
		0x0f, 0x05,			/* syscall */
		0x48, 0x83, 0xf8, 0x01,		/* cmp rax, 1 */
		0x75, 0x11,			/* jne exit */
		0x31, 0xc0,			/* xor eax, eax (read) */
		0xbf, TINY_GO, 0, 0, 0,		/* mov edi, TINY_GO */
		0x48, 0x89, 0xe6,		/* mov rsi, rsp */
		0xba, 0x01, 0, 0, 0,		/* mov edx, 1 */
		0x0f, 0x05,			/* syscall */
		0x89, 0xc7,			/* exit: mov edi, eax */
		0xb8, 0xe7, 0, 0, 0,		/* mov eax, 231 (exit_group) */
		0x0f, 0x05,			/* syscall */
	};
	struct {
		Elf64_Ehdr eh;
		Elf64_Phdr ph;
		unsigned char code[sizeof(code)];
	} __attribute__((packed)) img = {
		.eh = {
			.e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64,
				     ELFDATA2LSB, EV_CURRENT, ELFOSABI_SYSV },
			.e_type = ET_EXEC,
			.e_machine = EM_X86_64,
			.e_version = EV_CURRENT,
			.e_entry = 0x400000 + offsetof(typeof(img), code),
			.e_phoff = offsetof(typeof(img), ph),
			.e_ehsize = sizeof(Elf64_Ehdr),
			.e_phentsize = sizeof(Elf64_Phdr),
			.e_phnum = 1,
		},
		.ph = {
			.p_type = PT_LOAD,
			.p_flags = PF_R | PF_X,
			.p_vaddr = 0x400000,
			.p_paddr = 0x400000,
			.p_filesz = sizeof(img),
			.p_memsz = sizeof(img),
			.p_align = 4096,
		},
	};
	int fd;

	memcpy(img.code, code, sizeof(code));
	snprintf(tiny_path, sizeof(tiny_path), "/tmp/fault_test-%d", (int)getpid());
	fd = open(tiny_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0700);
	if (fd < 0 || write(fd, &img, sizeof(img)) != sizeof(img) || close(fd))
		ksft_exit_fail_msg("%s: %s\n", tiny_path, strerror(errno));
}

/* The owner: opt in, report the descriptor, then die as the parent says. */
static __attribute__((noreturn)) void owner_main(const struct owner *o, int go, int rdy)
{
	char *argv[] = { tiny_path, NULL }, *envp[] = { NULL };
	char buf[16];
	uint32_t n;
	int fd, nth, len;
	uint8_t c;

	/* Copy every page now: no copy-on-write fault after arming. */
	mlockall(MCL_CURRENT);
	close(nth_fd);
	fd = inbox_open(O_RDONLY | O_NONBLOCK | (o->cloexec ? O_CLOEXEC : 0), 0, 0600, 0);
	nth = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (nth < 0 && fd >= 0)
		fd = -EIO;
	if (o->how == BY_EXEC &&
	    (dup2(rdy, TINY_READY) != TINY_READY || dup2(go, TINY_GO) != TINY_GO))
		fd = -EIO;
	if (write(rdy, &fd, sizeof(fd)) != sizeof(fd) || fd < 0)
		_exit(2);
	for (;;) {
		if (read(go, &n, sizeof(n)) != sizeof(n))
			_exit(2);
		len = snprintf(buf, sizeof(buf), "%u", n);
		if (pwrite(nth, buf, len, 0) != len)
			_exit(2);
		if (o->how == BY_EXIT)
			_exit(0);
		execve(tiny_path, argv, envp);
		c = EXEC_FAILED | errno;
		if (pwrite(nth, "0", 1, 0) != 1 || write(rdy, &c, 1) != 1)
			_exit(2);
		/* The parent looks, then says go again, unarmed. */
	}
}

static int setup_owner(struct ctx *x, const struct owner *o)
{
	int go[2], rdy[2], fd, pidfd, i, ret;
	char path[64];

	x->exec = o->how == BY_EXEC;
	if (pipe2(go, O_CLOEXEC))
		return -errno;
	x->go = go[1];
	if (pipe2(rdy, O_CLOEXEC)) {
		close(go[0]);
		return -errno;
	}
	x->rdy = rdy[0];
	x->pid = fork();
	if (x->pid == 0) {
		close(x->go);
		close(x->rdy);
		owner_main(o, go[0], rdy[1]);
	}
	close(go[0]);
	close(rdy[1]);
	if (x->pid < 0)
		return -errno;
	x->owner = x->pid;
	x->a = open(DEV, O_WRONLY | NONBLOCK | O_CLOEXEC);
	if (x->a < 0)
		return -errno;
	if (read(x->rdy, &fd, sizeof(fd)) != sizeof(fd))
		return -EPIPE;
	if (fd < 0)
		return fd;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/fail-nth", (int)x->pid, (int)x->pid);
	x->nth = open(path, O_RDONLY | O_CLOEXEC);
	if (x->nth < 0)
		return -errno;
	if (o->held) {
		pidfd = syscall(SYS_pidfd_open, x->pid, 0);
		if (pidfd < 0)
			return -errno;
		x->b = syscall(SYS_pidfd_getfd, pidfd, fd, 0);
		close(pidfd);
		if (x->b < 0)
			return -errno;
	}
	for (i = 0; i < 2; i++) {
		ret = send_msg(x, quota_fd, MBOX_SEND_TO_PID, x->pid);
		if (ret)
			return ret;
		x->charged++;
	}
	if (!o->sync)
		return 0;
	x->spid = fork();
	if (x->spid < 0)
		return -errno;
	if (x->spid == 0) {
		char buf[MSG];

		fd = open(DEV, O_WRONLY | O_CLOEXEC);
		stamp_fill(buf, MSG, 1, 0);
		ret = mb_sendx(fd, buf, MSG, MBOX_SEND_SYNC | MBOX_SEND_TO_PID, 0, x->pid, 0);
		_exit(ret == -ESRCH ? 0 : 1);
	}
	return mb_wait_waiters(x->b, 1, -1) ? 0 : -EIO;
}

static const struct owner exits_alone = { .how = BY_EXIT };
static const struct owner exits_held = { .how = BY_EXIT, .held = true, .sync = true };
static const struct owner execs_cloexec = { .how = BY_EXEC, .cloexec = true };
static const struct owner execs_held = { .how = BY_EXEC, .held = true, .sync = true };

static int setup_exit_alone(struct ctx *x)
{
	return setup_owner(x, &exits_alone);
}

static int setup_exit_held(struct ctx *x)
{
	return setup_owner(x, &exits_held);
}

static int setup_exec_cloexec(struct ctx *x)
{
	return setup_owner(x, &execs_cloexec);
}

static int setup_exec_held(struct ctx *x)
{
	return setup_owner(x, &execs_held);
}

/* The inbox is dead, and what was queued to it is gone with it. */
static void check_dead(struct ctx *x)
{
	struct mbox_stat st = { 0 };
	bool woken = false;
	char buf[MSG];
	int ret, room;

	x->dead_checked = true;
	memset(buf, 0, sizeof(buf));
	ret = mb_sendx(x->a, buf, MSG, MBOX_SEND_NONBLOCK | MBOX_SEND_TO_PID, 0, x->owner, 0);
	CHECK(ret == -ESRCH, "a send by pid to the dead inbox: %d", ret);
	if (x->b >= 0) {
		CHECK(mb_stat(x->b, &st) == 0 &&
		      st.state == (MBOX_STATE_INBOX | MBOX_STATE_DEAD) &&
		      !st.queued && !st.queued_bytes && !st.waiting_senders,
		      "the dead inbox: state %#x, %u queued, %u senders waiting",
		      st.state, st.queued, st.waiting_senders);
		woken = st.state & MBOX_STATE_DEAD && !st.waiting_senders;
		ret = read(x->b, buf, sizeof(buf)) < 0 ? -errno : 0;
		CHECK(ret == -EPIPE, "a read on the dead inbox: %d", ret);
	}
	if (x->spid > 0 && woken) {
		ret = reap_status(&x->spid);
		CHECK(ret == 0, "the synchronous sender did not fail with ESRCH (%d)", ret);
	} else if (x->spid > 0) {
		/* Still blocked (checked above): do not wait for it. */
		kill_reap(&x->spid);
	}
	room = quota_probe();
	CHECK(room == quota_room, "the quota user may queue %d messages, not %d: "
	      "the dead inbox's are still charged", room, quota_room);
}

/* After a failed exec the inbox lives on, with every message queued. */
static void undone_exec(struct ctx *x)
{
	struct mbox_stat st = { 0 };
	int room = quota_probe();

	CHECK(room == quota_room - (int)x->charged, "the quota user may queue %d "
	      "messages, not %d", room, quota_room - (int)x->charged);
	if (x->b >= 0)
		CHECK(mb_stat(x->b, &st) == 0 && st.state == MBOX_STATE_INBOX &&
		      st.queued == x->sent - x->taken + (x->spid > 0) &&
		      st.waiting_senders == (x->spid > 0),
		      "after a failed exec: state %#x, %u queued, %u senders waiting",
		      st.state, st.queued, st.waiting_senders);
	CHECK(send_msg(x, x->a, MBOX_SEND_TO_PID, x->owner) == 0,
	      "a send by pid after a failed exec: %s", strerror(errno));
}

/*
 * Tell the owner to die with its n-th site armed (on a retry after a failed
 * exec: unarmed), and wait for the outcome.
 */
static int call_death(struct ctx *x)
{
	uint32_t n = x->stage++ ? 0 : cur_n;
	siginfo_t si = { 0 };
	char buf[16] = "";
	uint8_t c;
	ssize_t r;
	int status;

	if (write(x->go, &n, sizeof(n)) != sizeof(n))
		return -EPIPE;
	r = read(x->rdy, &c, 1);
	if (r == 1 && (c & EXEC_FAILED)) {
		/* The exec failed and returned: the owner lives, unarmed. */
		x->fired = true;
		return -(c & ~EXEC_FAILED);
	}
	if (r == 1) {
		/* The new program runs: the inbox died with the exec. */
		CHECK(c == 1, "the new program says %u", c);
		check_dead(x);
		CHECK(write(x->go, &c, 1) == 1, "go: %s", strerror(errno));
	}
	/* EOF: it exited, or died in an exec past the point of no return. */
	if (waitid(P_PID, x->pid, &si, WEXITED | WNOWAIT))
		return -errno;
	if (n) {
		CHECK(pread(x->nth, buf, sizeof(buf) - 1, 0) > 0, "the owner's fail-nth: %s",
		      strerror(errno));
		x->fired = atoi(buf) == 0;
	}
	status = reap_status(&x->pid);
	if (r == 1)
		CHECK(status == 1, "the new program ended with %d", status);
	else if (status >= 1000 || (x->exec && status == (uint8_t)-ENOMEM))
		/* Killed past exec's point of no return, or its write failed. */
		x->killed = true;
	else
		CHECK(status == 0, "the owner ended with %d", status);
	return 0;
}

static void verify_death(struct ctx *x)
{
	if (!x->dead_checked)
		check_dead(x);
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
	ENTRY("close ring observer", 0, setup_ring_observer, call_close_c, NULL,
	      verify_close_observer, .once = true),
	ENTRY("close mailbox, unlinked, last descriptor", 0, setup_mailbox_unlinked,
	      call_close_a, NULL, verify_close_last, .once = true),
	ENTRY("MBOX_IOC_INFO", MBOX_IOC_INFO, setup_mailbox, call_info, NULL,
	      verify_mailbox),
	ENTRY("MBOX_IOC_OPEN create", MBOX_IOC_OPEN, setup_mailbox_unbound,
	      call_open_create, undone_create, verify_created),
	ENTRY("MBOX_IOC_OPEN exclusive", MBOX_IOC_OPEN, setup_mailbox_unbound,
	      call_open_excl, undone_create, verify_created),
	ENTRY("MBOX_IOC_OPEN create unbounded", MBOX_IOC_OPEN, setup_mailbox_unbound,
	      call_create_unbounded, undone_create, verify_created),
	ENTRY("MBOX_IOC_OPEN create rendezvous", MBOX_IOC_OPEN, setup_mailbox_unbound,
	      call_create_rendezvous, undone_create, verify_created),
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
	      verify_mailbox, .msgs = true),
	ENTRY("MBOX_IOC_SEND to a pid", MBOX_IOC_SEND, setup_inbox, call_send_pid, NULL,
	      verify_inbox, .msgs = true),
	ENTRY("MBOX_IOC_SEND synchronous", MBOX_IOC_SEND, setup_sync_receiver,
	      call_send_sync, undone_sync, verify_sync, .msgs = true),
	ENTRY("MBOX_IOC_RECV", MBOX_IOC_RECV, setup_mailbox, call_recv, undone_mailbox,
	      verify_mailbox, .msgs = true),
	ENTRY("MBOX_IOC_STAT", MBOX_IOC_STAT, setup_mailbox, call_stat, NULL,
	      verify_mailbox),
	ENTRY("MBOX_IOC_SEND_BATCH", MBOX_IOC_SEND_BATCH, setup_mailbox,
	      call_send_batch, undone_mailbox, verify_mailbox, .msgs = true),
	ENTRY("MBOX_IOC_RECV_BATCH", MBOX_IOC_RECV_BATCH, setup_mailbox_full,
	      call_recv_batch, undone_mailbox, verify_mailbox, .msgs = true),
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
	      verify_mailbox, .msgs = true),
	ENTRY("write mailbox", 0, setup_mailbox, call_write, undone_mailbox,
	      verify_mailbox, .msgs = true),
	ENTRY("read inbox", 0, setup_inbox, call_read_inbox, undone_inbox, verify_inbox,
	      .msgs = true),
	ENTRY("read ring", 0, setup_ring, call_ring_read, NULL, verify_ring),
	ENTRY("write ring", 0, setup_ring, call_write, NULL, verify_ring),
	ENTRY("poll mailbox", 0, setup_mailbox, call_poll, NULL, verify_mailbox),
	ENTRY("poll inbox", 0, setup_inbox, call_poll_inbox, NULL, verify_inbox),
	ENTRY("poll ring consumer", 0, setup_ring, call_ring_poll, NULL, verify_ring),
	ENTRY("poll ring producer", 0, setup_ring, call_poll_producer, NULL, verify_ring),
	ENTRY("epoll_ctl mailbox", 0, setup_epoll_mailbox, call_epoll_mailbox, NULL,
	      verify_epoll_mailbox),
	ENTRY("epoll_ctl ring", 0, setup_epoll_ring, call_epoll_ring, NULL,
	      verify_epoll_ring),
	ENTRY("mmap producer", 0, setup_ring, call_mmap_producer, undone_mmap,
	      verify_mmap_producer),
	ENTRY("mmap consumer", 0, setup_ring, call_mmap_consumer, undone_mmap,
	      verify_mmap_consumer),
	ENTRY("mmap observer", 0, setup_ring_observer, call_mmap_observer,
	      undone_mmap, verify_mmap_observer),
	ENTRY("munmap producer", 0, setup_ring_producer_mapped, call_munmap,
	      undone_munmap, verify_munmap_producer),
	ENTRY("munmap consumer", 0, setup_ring_mapped, call_munmap, undone_munmap,
	      verify_ring_consumer_free),
	ENTRY("munmap observer", 0, setup_ring_observer_mapped, call_munmap,
	      undone_munmap, verify_munmap_observer),
	ENTRY("munmap part", 0, setup_ring_mapped, call_munmap_split, undone_munmap,
	      verify_munmap_split),
	ENTRY("inbox owner exits", 0, setup_exit_alone, call_death, NULL,
	      verify_death, .child = true),
	ENTRY("inbox owner exits, its inbox held here, a synchronous sender waiting", 0,
	      setup_exit_held, call_death, NULL, verify_death, .child = true),
	/* copy_strings() gives E2BIG when it cannot get a page of the new stack. */
	ENTRY("inbox owner execs, descriptor close-on-exec", 0, setup_exec_cloexec,
	      call_death, undone_exec, verify_death, .errno2 = E2BIG, .child = true),
	ENTRY("inbox owner execs, descriptor kept, inbox held here, a synchronous "
	      "sender waiting", 0, setup_exec_held, call_death, undone_exec,
	      verify_death, .errno2 = E2BIG, .child = true),
};

#define NR_ENTRIES (sizeof(entries) / sizeof(entries[0]))

static void ctx_init(struct ctx *x)
{
	memset(x, 0, sizeof(*x));
	x->a = x->b = x->c = x->ep = -1;
	x->go = x->rdy = x->nth = -1;
}

/* Walk one entry point's sites; true if every step held. */
static bool walk(const struct entry *e)
{
	unsigned int failed = 0, absorbed = 0, killed = 0;
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

		if (e->child) {
			ret = e->call(&x);
			injected = x.fired;
			killed += x.killed;
		} else {
			arm(cur_n);
			ret = e->call(&x);
			injected = fired();
			disarm();
		}

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
	ksft_print_msg("%s, %u-byte messages: %u sites, %u failed the call, %u absorbed\n",
		       e->name, msg_len, failed + absorbed, failed, absorbed);
	if (killed)
		ksft_print_msg("%s: %u of the absorbed killed the process in exec\n",
			       e->name, killed);
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

/*
 * The two walks of the message entries cover both layouts of a message:
 * MSG bytes after the header, MSG_APART in an allocation of their own (the
 * rule of struct mbox_info's @msg_overhead, as msg_cost() has it).
 */
static bool layouts_covered(void)
{
	struct mbox_info info = { 0 };
	int fd = open(DEV, O_RDONLY | O_CLOEXEC);
	bool ok;

	if (fd < 0 || ioctl(fd, MBOX_IOC_INFO, &info)) {
		ksft_print_msg("MBOX_IOC_INFO: %s\n", strerror(errno));
		return false;
	}
	close(fd);
	ok = msg_cost(MSG, info.msg_overhead) ==
	     slab_class(MSG + info.msg_overhead) &&
	     msg_cost(MSG_APART, info.msg_overhead) <
	     slab_class(MSG_APART + info.msg_overhead);
	if (!ok)
		ksft_print_msg("with a %u-byte header, a message of %u or %u bytes has another layout\n",
			       info.msg_overhead, MSG, MSG_APART);
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
	unsigned int nr_msgs = 0;
	char path[64];
	size_t i;

	ksft_print_header();
	snprintf(path, sizeof(path), "/proc/thread-self/fail-nth");
	if (access(path, W_OK) || access(DEBUGFS "/failslab", F_OK) ||
	    access(DEBUGFS "/fail_page_alloc", F_OK))
		ksft_exit_skip("no fail-nth, failslab and fail_page_alloc in this kernel\n");
	if (access(DEV, F_OK))
		ksft_exit_fail_msg(DEV ": %s\n", strerror(errno));

	for (i = 0; i < NR_ENTRIES; i++)
		nr_msgs += entries[i].msgs;
	ksft_set_plan(NR_ENTRIES + nr_msgs + 2);
	ksft_test_result(every_command_covered(), "every command has an entry\n");
	ksft_test_result(layouts_covered(),
			 "%u-byte messages follow their header, %u-byte ones are apart\n",
			 MSG, MSG_APART);

	fi_setup();
	atexit(quota_restore);
	quota_setup();
	tiny_setup();
	prefault_stack();
	/* No page fault (and its allocations) in the middle of a walked call. */
	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		ksft_exit_fail_msg("mlockall: %s\n", strerror(errno));
	nth_fd = open(path, O_RDWR);
	if (nth_fd < 0)
		ksft_exit_fail_msg("%s: %s\n", path, strerror(errno));

	for (i = 0; i < NR_ENTRIES; i++)
		ksft_test_result(walk(&entries[i]), "%s\n", entries[i].name);
	msg_len = MSG_APART;
	for (i = 0; i < NR_ENTRIES; i++)
		if (entries[i].msgs)
			ksft_test_result(walk(&entries[i]), "%s, %u-byte messages\n",
					 entries[i].name, msg_len);

	ksft_print_msg("fault sites covered: %u (%u failed the call, %u absorbed)\n",
		       sites_failed + sites_absorbed, sites_failed, sites_absorbed);
	ksft_finished();
}
