// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_test: a seeded fuzzer over every entry point of /dev/mbox.
 *
 * Several processes, each with several threads, issue random sequences of
 * every MBOX_IOC_* command (taken from mbox_ioctls.h, which is made from the
 * uapi header, so a new command is fuzzed without touching this file: a
 * command with no argument builder below fails the test), random ioctl
 * numbers, read, write, poll, epoll, mmap, munmap, mremap, dup, close and
 * fork, with hostile arguments: bad, kernel-space and half-mapped pointers,
 * buffers that another thread unmaps midway, zero, huge and sign-flipped
 * sizes, unterminated, overlong and non-printable names, every flag bit and
 * reserved field, scribbles on mapped ring pages, run-time changes to the
 * module parameters, and children in fresh IPC and user namespaces. A
 * signal every few milliseconds interrupts calls that block.
 *
 * What must hold:
 *  - every call returns success or an errno from the documented set, never
 *    a kernel-internal one (ERESTARTSYS and friends) and never more bytes
 *    than asked for;
 *  - nothing hangs (the harness timeout, and hung_task_panic in the VM);
 *  - no splat and no leak (the test bed checks the kernel log and, on the
 *    debug kernel, kmemleak);
 *  - no accounting drift: once every object is closed and unlinked, every
 *    user the fuzzer ran as can again create exactly user_objects_max
 *    objects and queue exactly as many bytes as a user that never ran.
 *
 * Environment: MBOX_FUZZ_SEED (default: from the clock; always printed, so
 * a failure can be replayed), MBOX_FUZZ_CALLS (calls in all, default 20000;
 * "make fuzz" runs 10^6), MBOX_FUZZ_PROCS (default 3), MBOX_FUZZ_THREADS
 * (per process, default 3).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include <linux/mbox.h>

#include "kselftest_harness.h"
#include "common.h"
#include "mbox_ioctls.h"

#define NR_SLOTS	16
#define NR_MAPS		8
#define NR_NAMES	6
#define FD_BASE		100	/* fuzzed descriptors live at or above this */
#define BUF_SIZE	(128 * 1024)
#define CANARY		0xa5	/* fills the page past each buffer */
#define FIRST_UID	2000	/* worker w runs as FIRST_UID + w, 0 stays root */
#define FRESH_UID	3000	/* never fuzzed: the accounting reference */

/* A xorshift64* generator per thread; the seed makes a run replayable. */
struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545F4914F6CDD1DULL;
}

static uint32_t below(struct rng *r, uint32_t n)
{
	return n ? (uint32_t)(rnd(r) % n) : 0;
}

static int chance(struct rng *r, unsigned int one_in)
{
	return below(r, one_in) == 0;
}

/* What the whole run shares, in memory shared across fork(). */
struct shared {
	atomic_long calls;		/* calls made so far, all workers */
	atomic_long bad;		/* calls that broke the contract */
	atomic_long done;		/* workers finished */
	long limit;
	char first_bad[256];		/* the first contract break seen */
	atomic_int first_bad_taken;
	unsigned long by_op[64];	/* calls per operation, for the report */
};

static struct shared *sh;	/* between guard pages */
static uint64_t seed;
static long page_size;
static __thread int current_op = -1;	/* for the crash report */

static size_t shared_len(void)
{
	return (sizeof(struct shared) + page_size - 1) & ~(size_t)(page_size - 1);
}

/* Per process: the descriptor slots and mappings the threads share. */
static atomic_int slots[NR_SLOTS];
struct map {
	_Atomic(uintptr_t) addr;
	atomic_size_t len;
	atomic_int writable;
};
static struct map maps[NR_MAPS];
static pthread_mutex_t maps_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * Memory every thread may point the kernel at. A hostile pointer may only
 * reach memory whose contents do not matter and that ends in a PROT_NONE
 * page, so that a long transfer from it faults instead of running into the
 * fuzzer's own state (a ring of names written over the shared counters
 * once looked like a contract break).
 */
static char *victim;			/* replaced midway, guarded both sides */
static char *edge_page;		/* one good page, then PROT_NONE */
static char *none_page;		/* PROT_NONE */
static char *unterminated;		/* a name running into PROT_NONE */
static char names[NR_NAMES][32];

/* @len bytes (whole pages) between two PROT_NONE pages, or NULL. */
static char *guarded_map(size_t len, int flags)
{
	char *p = mmap(NULL, len + 2 * page_size, PROT_NONE,
		       flags | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (mprotect(p + page_size, len, PROT_READ | PROT_WRITE))
		return NULL;
	return p + page_size;
}

static void guarded_unmap(char *p, size_t len)
{
	munmap(p - page_size, len + 2 * page_size);
}

static void contract_broken(const char *what, long ret, int err)
{
	atomic_fetch_add(&sh->bad, 1);
	if (atomic_exchange(&sh->first_bad_taken, 1) == 0)
		snprintf(sh->first_bad, sizeof(sh->first_bad),
			 "%s returned %ld, errno %d (%s)", what, ret, err,
			 strerror(err));
}

/* Every errno a call on /dev/mbox may give, from the uapi and mmap(2). */
static int errno_allowed(int err)
{
	switch (err) {
	case EPERM: case ENOENT: case ESRCH: case EINTR: case ENXIO:
	case EBADF: case EAGAIN: case ENOMEM: case EACCES: case EFAULT:
	case EBUSY: case EEXIST: case ENODEV: case EINVAL: case ENFILE:
	case EMFILE: case ENOTTY: case ENOSPC: case EPIPE: case ERANGE:
	case ENAMETOOLONG: case EMSGSIZE: case EOVERFLOW: case EBADMSG:
	case ENOTCONN: case EISCONN: case ETIMEDOUT: case EDQUOT:
	case EUCLEAN:
		return 1;
	}
	return 0;
}

/* Check one call's result; @max is the most it may return (-1: any). */
static void check(const char *what, long ret, long max)
{
	int err = errno;

	if (ret < 0) {
		if (!errno_allowed(err))
			contract_broken(what, ret, err);
	} else if (max >= 0 && ret > max) {
		contract_broken(what, ret, 0);
	}
}

/* Hostile values */

/* Whether the kernel may write through @p without reaching our own state. */
static bool pointer_harmless(const char *p, const char *good)
{
	return !p || p == good || (uintptr_t)p >> 63 || p == none_page ||
	       (p >= edge_page && p <= edge_page + page_size) ||
	       (p >= victim && p < victim + page_size);
}

/*
 * A pointer for a call that asks for @want bytes at @good. Apart from @good
 * itself, whose callers size @want to fit it, every pick is refused by the
 * kernel or lands in a scratch page followed by PROT_NONE, so no transfer,
 * however long, runs into memory the fuzzer uses. (A pick up to @want bytes
 * below the edge page once let a LIST land on the shared counters and
 * receives on thread stacks.)
 */
static void *pick_ptr(struct rng *r, char *good, size_t want)
{
	size_t back = want < (size_t)page_size ? want : (size_t)page_size;
	char *p;

	switch (below(r, 12)) {
	case 0:
		p = NULL;
		break;
	case 1:
		p = (char *)0xffff888000000000ULL;	/* kernel space */
		break;
	case 2:	/* anywhere in the kernel's half */
		p = (char *)(uintptr_t)(rnd(r) | 1ULL << 63);
		break;
	case 3:
		p = none_page;
		break;
	case 4:	/* straddles into PROT_NONE */
		p = edge_page + page_size - (back > 1 ? below(r, (uint32_t)back) : 0);
		break;
	case 5:
		p = victim + below(r, (uint32_t)page_size);
		break;
	default:
		p = good;
		break;
	}
	if (!pointer_harmless(p, good))
		contract_broken("the fuzzer picked a pointer outside its scratch pages",
				(long)(uintptr_t)p, 0);
	return p;
}

static uint32_t pick_len(struct rng *r)
{
	switch (below(r, 10)) {
	case 0:
		return 0;
	case 1:
		return 1;
	case 2:
		return UINT32_MAX;
	case 3:
		return 0x80000000u;
	case 4:
		return (uint32_t)-(int32_t)below(r, 64);
	case 5:
		return below(r, BUF_SIZE);
	default:
		return below(r, 512);
	}
}

static uint32_t pick_flags(struct rng *r, uint32_t known)
{
	switch (below(r, 8)) {
	case 0:
		return (uint32_t)rnd(r);
	case 1:
		return ~0u;
	case 2:
		return 1u << below(r, 32);
	default:
		return (uint32_t)rnd(r) & known;
	}
}

static uint64_t pick_timeout(struct rng *r)
{
	switch (below(r, 6)) {
	case 0:
		return 0;
	case 1:
		return UINT64_MAX;
	case 2:
		return (uint64_t)INT64_MAX + below(r, 3);
	default:
		return below(r, 2000000);	/* up to 2 ms */
	}
}

static uint64_t pick_name(struct rng *r)
{
	static __thread char hostile[512];
	size_t n;

	switch (below(r, 16)) {
	case 0:
		return (uintptr_t)unterminated;
	case 1:	/* overlong */
		n = MBOX_NAME_MAX + below(r, 3);
		memset(hostile, 'a' + below(r, 26), n);
		hostile[n] = '\0';
		return (uintptr_t)hostile;
	case 2:	/* non-printable, or a '/' */
		for (n = 0; n < 8; n++)
			hostile[n] = (char)below(r, 256) ?: 1;
		hostile[8] = '\0';
		return (uintptr_t)hostile;
	case 3:
		return (uintptr_t)"";
	case 4:
		return (uintptr_t)pick_ptr(r, names[0], 8);
	default:
		return (uintptr_t)names[below(r, NR_NAMES)];
	}
}

static void maybe_reserved(struct rng *r, void *p, size_t len)
{
	if (chance(r, 16))
		((unsigned char *)p)[below(r, (uint32_t)len)] = (unsigned char)rnd(r) | 1;
}

/*
 * Argument builders, one per command. Each fills *@arg (a zeroed buffer big
 * enough for any argument) with a mostly plausible, sometimes hostile
 * request, and returns the ioctl argument to pass.
 */
struct ctx {
	struct rng r;
	char *buf;
	struct mbox_msgvec vec[8];
};

typedef unsigned long (*build_fn)(struct ctx *c, void *arg);

static unsigned long arg_ptr(struct ctx *c, void *arg, size_t len)
{
	struct rng *r = &c->r;

	if (chance(r, 12))
		return (unsigned long)pick_ptr(r, arg, len);
	return (unsigned long)arg;
}

static unsigned long build_info(struct ctx *c, void *arg)
{
	struct mbox_info *a = arg;

	maybe_reserved(&c->r, a, sizeof(*a));
	return arg_ptr(c, a, sizeof(*a));
}

static uint32_t pick_mode(struct rng *r)
{
	return chance(r, 10) ? (uint32_t)rnd(r) : 0600 | (below(r, 2) ? 066 : 0);
}

static unsigned long build_open(struct ctx *c, void *arg)
{
	struct mbox_open *a = arg;
	struct rng *r = &c->r;

	a->flags = pick_flags(r, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL |
			      MBOX_OPEN_UNBOUNDED | MBOX_OPEN_RENDEZVOUS |
			      MBOX_OPEN_INBOX);
	a->name = a->flags & MBOX_OPEN_INBOX && below(r, 4) ? 0 : pick_name(r);
	a->mode = pick_mode(r);
	a->capacity = below(r, 3) ? below(r, 8) : pick_len(r);
	a->msg_size = below(r, 3) ? below(r, 4096) : pick_len(r);
	maybe_reserved(r, a->reserved, sizeof(a->reserved));
	return arg_ptr(c, a, sizeof(*a));
}

static unsigned long build_unlink(struct ctx *c, void *arg)
{
	struct mbox_unlink *a = arg;
	struct rng *r = &c->r;

	a->name = pick_name(r);
	a->type = chance(r, 8) ? (uint32_t)rnd(r) : 1 + below(r, 2);
	a->flags = chance(r, 8) ? (uint32_t)rnd(r) : 0;
	maybe_reserved(r, a->reserved, sizeof(a->reserved));
	return arg_ptr(c, a, sizeof(*a));
}

static unsigned long build_list(struct ctx *c, void *arg)
{
	struct mbox_list *a = arg;
	struct rng *r = &c->r;

	a->len = below(r, 2) ? below(r, 4096) : pick_len(r);
	a->buf = (uintptr_t)pick_ptr(r, c->buf, a->len < BUF_SIZE ? a->len : 1);
	if (a->len > BUF_SIZE && a->buf == (uintptr_t)c->buf)
		a->len = BUF_SIZE;
	a->flags = chance(r, 8) ? (uint32_t)rnd(r) : 0;
	maybe_reserved(r, a->reserved, sizeof(a->reserved));
	return arg_ptr(c, a, sizeof(*a));
}

static unsigned long build_pipe(struct ctx *c, void *arg)
{
	struct mbox_pipe *a = arg;
	struct rng *r = &c->r;

	a->type = chance(r, 8) ? (uint32_t)rnd(r) : 1 + below(r, 2);
	a->flags = chance(r, 3) ? pick_flags(r, MBOX_OPEN_UNBOUNDED |
					     MBOX_OPEN_RENDEZVOUS) : 0;
	a->fd_flags = chance(r, 8) ? (uint32_t)rnd(r) :
		      (uint32_t)rnd(r) & (O_CLOEXEC | O_NONBLOCK);
	a->mode = pick_mode(r);
	if (a->type == MBOX_TYPE_RING) {
		a->size = below(r, 3) ? (uint32_t)page_size << below(r, 3) : pick_len(r);
		a->capacity = chance(r, 8) ? below(r, 8) : 0;
	} else {
		a->capacity = below(r, 3) ? below(r, 8) : pick_len(r);
		a->msg_size = below(r, 3) ? below(r, 4096) : pick_len(r);
		a->size = chance(r, 8) ? (uint32_t)page_size : 0;
	}
	a->fds[0] = a->fds[1] = -1;
	if (chance(r, 16))
		a->layout.data_size = 1;
	if (chance(r, 16))
		a->__pad = 1;
	maybe_reserved(r, a->reserved, sizeof(a->reserved));
	return arg_ptr(c, a, sizeof(*a));
}

static uint32_t good_len(struct rng *r, uint32_t len)
{
	return len > BUF_SIZE ? below(r, BUF_SIZE) : len;
}

static unsigned long build_send(struct ctx *c, void *arg)
{
	struct mbox_send *a = arg;
	struct rng *r = &c->r;

	a->len = pick_len(r);
	a->buf = (uintptr_t)pick_ptr(r, c->buf, a->len);
	if (a->buf == (uintptr_t)c->buf)
		a->len = good_len(r, a->len);
	a->flags = pick_flags(r, MBOX_SEND_NONBLOCK | MBOX_SEND_TIMEOUT |
			      MBOX_SEND_SYNC | MBOX_SEND_TO_PID);
	a->timeout_ns = pick_timeout(r);
	a->prio = chance(r, 8) ? (uint32_t)rnd(r) : below(r, MBOX_PRIO_MAX);
	a->pid = a->flags & MBOX_SEND_TO_PID || chance(r, 8) ?
		 (chance(r, 2) ? (uint32_t)getppid() : (uint32_t)getpid()) : 0;
	maybe_reserved(r, a->reserved, sizeof(a->reserved));
	return arg_ptr(c, a, sizeof(*a));
}

static unsigned long build_recv(struct ctx *c, void *arg)
{
	struct mbox_recv *a = arg;
	struct rng *r = &c->r;

	a->len = pick_len(r);
	a->buf = (uintptr_t)pick_ptr(r, c->buf, a->len);
	if (a->buf == (uintptr_t)c->buf)
		a->len = good_len(r, a->len);
	a->flags = pick_flags(r, MBOX_RECV_NONBLOCK | MBOX_RECV_TIMEOUT |
			      MBOX_RECV_TRUNC | MBOX_RECV_PEEK | MBOX_RECV_FROM);
	a->timeout_ns = pick_timeout(r);
	a->pid = a->flags & MBOX_RECV_FROM ? (uint32_t)getppid() : 0;
	maybe_reserved(r, a->reserved, sizeof(a->reserved));
	return arg_ptr(c, a, sizeof(*a));
}

static unsigned long build_stat(struct ctx *c, void *arg)
{
	struct mbox_stat *a = arg;

	a->flags = chance(&c->r, 8) ? (uint32_t)rnd(&c->r) : 0;
	maybe_reserved(&c->r, a->reserved, sizeof(a->reserved));
	return arg_ptr(c, a, sizeof(*a));
}

static unsigned long build_batch(struct ctx *c, void *arg, int send)
{
	struct mbox_batch *a = arg;
	struct rng *r = &c->r;
	unsigned int i, n = 1 + below(r, 8);

	for (i = 0; i < n; i++) {
		struct mbox_msgvec *v = &c->vec[i];

		memset(v, 0, sizeof(*v));
		v->len = below(r, 4) ? below(r, 256) : pick_len(r);
		v->buf = (uintptr_t)pick_ptr(r, c->buf + i * 4096, v->len);
		if (v->buf == (uintptr_t)(c->buf + i * 4096) && v->len > 4096)
			v->len = 4096;
		v->prio = chance(r, 8) ? (uint32_t)rnd(r) : below(r, MBOX_PRIO_MAX);
		if (chance(r, 16))
			v->__pad = 1;
	}
	a->vec = chance(r, 10) ? (uintptr_t)pick_ptr(r, (char *)c->vec, sizeof(c->vec))
			       : (uintptr_t)c->vec;
	a->count = chance(r, 10) ? pick_len(r) : n;
	/* The kernel writes results back into @vec: keep it in bounds. */
	if (a->vec == (uintptr_t)c->vec && a->count > 8)
		a->count = 8;
	a->flags = pick_flags(r, (send ? MBOX_SEND_NONBLOCK | MBOX_SEND_TIMEOUT |
				  MBOX_SEND_SYNC | MBOX_SEND_TO_PID :
				  MBOX_RECV_NONBLOCK | MBOX_RECV_TIMEOUT |
				  MBOX_RECV_TRUNC | MBOX_RECV_PEEK |
				  MBOX_RECV_FROM) | MBOX_BATCH_WAITALL);
	a->timeout_ns = pick_timeout(r);
	a->pid = chance(r, 3) ? (uint32_t)getppid() : 0;
	maybe_reserved(r, a->reserved, sizeof(a->reserved));
	return arg_ptr(c, a, sizeof(*a));
}

static unsigned long build_send_batch(struct ctx *c, void *arg)
{
	return build_batch(c, arg, 1);
}

static unsigned long build_recv_batch(struct ctx *c, void *arg)
{
	return build_batch(c, arg, 0);
}

static unsigned long build_ring_open(struct ctx *c, void *arg)
{
	struct mbox_ring_open *a = arg;
	struct rng *r = &c->r;

	a->name = pick_name(r);
	a->flags = pick_flags(r, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL);
	a->mode = pick_mode(r);
	a->size = below(r, 3) ? (uint32_t)page_size << below(r, 3) : pick_len(r);
	a->role = chance(r, 10) ? (uint32_t)rnd(r) : 1 + below(r, 3);
	if (chance(r, 16))
		a->layout.data_size = 1;
	maybe_reserved(r, a->reserved, sizeof(a->reserved));
	return arg_ptr(c, a, sizeof(*a));
}

static unsigned long build_ring_wait(struct ctx *c, void *arg)
{
	struct mbox_ring_wait *a = arg;
	struct rng *r = &c->r;

	a->flags = pick_flags(r, MBOX_RING_WAIT_TIMEOUT);
	a->need = below(r, 2) ? below(r, 64) : pick_len(r);
	a->timeout_ns = pick_timeout(r);
	maybe_reserved(r, a->reserved, sizeof(a->reserved));
	return arg_ptr(c, a, sizeof(*a));
}

static unsigned long build_ring_wake(struct ctx *c, void *arg)
{
	(void)arg;
	return chance(&c->r, 8) ? (unsigned long)rnd(&c->r) : 0;
}

static unsigned long build_ring_stat(struct ctx *c, void *arg)
{
	struct mbox_ring_stat *a = arg;

	a->flags = chance(&c->r, 8) ? (uint32_t)rnd(&c->r) : 0;
	maybe_reserved(&c->r, a->reserved, sizeof(a->reserved));
	return arg_ptr(c, a, sizeof(*a));
}

/*
 * The builders, by command. A command of the uapi header missing here is
 * caught at start-up: see missing_builders().
 */
static const struct {
	unsigned long cmd;
	build_fn build;
} builders[] = {
	{ MBOX_IOC_INFO, build_info },
	{ MBOX_IOC_OPEN, build_open },
	{ MBOX_IOC_UNLINK, build_unlink },
	{ MBOX_IOC_LIST, build_list },
	{ MBOX_IOC_PIPE, build_pipe },
	{ MBOX_IOC_SEND, build_send },
	{ MBOX_IOC_RECV, build_recv },
	{ MBOX_IOC_STAT, build_stat },
	{ MBOX_IOC_SEND_BATCH, build_send_batch },
	{ MBOX_IOC_RECV_BATCH, build_recv_batch },
	{ MBOX_IOC_RING_OPEN, build_ring_open },
	{ MBOX_IOC_RING_WAIT, build_ring_wait },
	{ MBOX_IOC_RING_WAKE, build_ring_wake },
	{ MBOX_IOC_RING_STAT, build_ring_stat },
};

#define X_CMD(cmd, name) { cmd, name },
static const struct {
	unsigned long cmd;
	const char *name;
} commands[] = { MBOX_IOCTLS(X_CMD) };
#undef X_CMD

#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static build_fn builder_of(unsigned long cmd)
{
	size_t i;

	for (i = 0; i < sizeof(builders) / sizeof(builders[0]); i++)
		if (builders[i].cmd == cmd)
			return builders[i].build;
	return NULL;
}

/* Descriptors */

static dev_t mbox_rdev;

static int is_mbox_fd(int fd)
{
	struct stat st;

	return !fstat(fd, &st) && S_ISCHR(st.st_mode) && st.st_rdev == mbox_rdev;
}

static int slot_fd(struct rng *r)
{
	return atomic_load(&slots[below(r, NR_SLOTS)]);
}

static void slot_put(struct rng *r, int fd)
{
	int old;

	if (fd < 0)
		return;
	old = atomic_exchange(&slots[below(r, NR_SLOTS)], fd);
	if (old >= 0)
		close(old);
}

/* Move @fd to FD_BASE or above, so that no slot ever names stdio. */
static int high_fd(int fd)
{
	int hi;

	if (fd < 0)
		return fd;
	hi = fcntl(fd, F_DUPFD, FD_BASE);
	close(fd);
	return hi;
}

static int open_dev(struct rng *r)
{
	static const int access[] = { O_RDONLY, O_WRONLY, O_RDWR, O_RDWR };
	int flags = access[below(r, 4)];

	if (chance(r, 3))
		flags |= O_NONBLOCK;
	if (chance(r, 3))
		flags |= O_CLOEXEC;
	return high_fd(open("/dev/mbox", flags));
}

/* Mappings */

static void map_add(void *addr, size_t len, int writable)
{
	int i;

	/* Trylock: a child forked while another thread held it must not hang. */
	if (pthread_mutex_trylock(&maps_lock)) {
		munmap(addr, len);
		return;
	}
	for (i = 0; i < NR_MAPS; i++) {
		if (!atomic_load(&maps[i].addr)) {
			atomic_store(&maps[i].len, len);
			atomic_store(&maps[i].writable, writable);
			atomic_store(&maps[i].addr, (uintptr_t)addr);
			pthread_mutex_unlock(&maps_lock);
			return;
		}
	}
	pthread_mutex_unlock(&maps_lock);
	munmap(addr, len);
}

/* Scribble on a writable mapping: the kernel must not trust any of it. */
static void scribble(struct rng *r)
{
	int i = below(r, NR_MAPS), n;
	uint32_t *p;
	size_t len;

	if (pthread_mutex_trylock(&maps_lock))
		return;
	p = (uint32_t *)atomic_load(&maps[i].addr);
	len = atomic_load(&maps[i].len);
	if (p && atomic_load(&maps[i].writable)) {
		for (n = 0; n < 8; n++) {
			size_t off = below(r, (uint32_t)(len / 4));

			p[off] = below(r, 2) ? (uint32_t)rnd(r) : p[off] + 8 * below(r, 64);
		}
	}
	pthread_mutex_unlock(&maps_lock);
}

static void unmap_one(struct rng *r, int remap)
{
	int i = below(r, NR_MAPS);
	void *p, *q;
	size_t len, nlen;

	if (pthread_mutex_trylock(&maps_lock))
		return;
	p = (void *)atomic_load(&maps[i].addr);
	len = atomic_load(&maps[i].len);
	if (!p) {
		pthread_mutex_unlock(&maps_lock);
		return;
	}
	if (!remap) {
		atomic_store(&maps[i].addr, 0);
		check("munmap", munmap(p, len), 0);
	} else {
		nlen = below(r, 2) ? len / 2 : len * 2;
		nlen = (nlen + page_size - 1) & ~(size_t)(page_size - 1);
		if (!nlen)
			nlen = page_size;
		q = mremap(p, len, nlen, MREMAP_MAYMOVE);
		check("mremap", q == MAP_FAILED ? -1 : 0, 0);
		if (q != MAP_FAILED) {
			atomic_store(&maps[i].addr, (uintptr_t)q);
			atomic_store(&maps[i].len, nlen);
		}
	}
	pthread_mutex_unlock(&maps_lock);
}

static void do_mmap(struct rng *r, int fd)
{
	static const int prots[] = {
		PROT_READ, PROT_READ | PROT_WRITE, PROT_WRITE, PROT_NONE,
		PROT_READ | PROT_EXEC,
	};
	int prot = prots[below(r, 5)];
	int flags = chance(r, 6) ? MAP_PRIVATE : MAP_SHARED;
	size_t len = (size_t)page_size * (below(r, 4) ? 1 + below(r, 40) : below(r, 1 << 16));
	off_t off = chance(r, 4) ? (off_t)page_size * below(r, 64) : 0;
	void *p;

	if (!len)
		len = page_size;
	p = mmap(NULL, len, prot, flags, fd, off);
	check("mmap", p == MAP_FAILED ? -1 : 0, 0);
	if (p != MAP_FAILED)
		map_add(p, len, !!(prot & PROT_WRITE));
}

/*
 * A call that blocks is ended by a signal (SIGRTMIN, whose handler has no
 * SA_RESTART): an interrupter sends one to every fuzzing thread, and a
 * thread to the child it forked, every few milliseconds. Plain signals and
 * nanosleep() rather than POSIX timers, which the debug kernels lack.
 */
static void on_signal(int sig)
{
	(void)sig;
}

static void pause_ms(long ms)
{
	struct timespec ts = { 0, ms * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

/*
 * A worker that dies of a signal says where: the operation its thread was
 * in and the faulting address, so that a replay of the seed can be aimed.
 */
static void on_crash(int sig, siginfo_t *si, void *uc)
{
	unsigned long ip = 0;
	char msg[160];
	int len;

#if defined(__x86_64__)
	ip = ((ucontext_t *)uc)->uc_mcontext.gregs[REG_RIP];
#else
	(void)uc;
#endif
	len = snprintf(msg, sizeof(msg),
		       "# fuzz: pid %d died of signal %d in operation %d, address %p, ip %#lx (on_crash at %p)\n",
		       (int)getpid(), sig, current_op, si->si_addr, ip, (void *)on_crash);
	if (len > 0 && write(STDOUT_FILENO, msg, (size_t)len) < 0)
		len = 0;
	signal(sig, SIG_DFL);
	raise(sig);
}

/* An alternate signal stack for the calling thread, for on_crash(). */
static void crash_stack(void)
{
	stack_t ss = { .ss_size = 65536 };

	ss.ss_sp = mmap(NULL, ss.ss_size, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ss.ss_sp != MAP_FAILED)
		sigaltstack(&ss, NULL);
}

static void report_crashes(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGABRT, SIGILL, SIGFPE };
	struct sigaction sa = { .sa_sigaction = on_crash, .sa_flags = SA_SIGINFO | SA_ONSTACK };
	size_t i;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

struct interrupter {
	pthread_t *tids;
	int n;
	atomic_int stop;
};

static void *interrupt_thread(void *p)
{
	struct interrupter *in = p;
	int i;

	crash_stack();
	while (!atomic_load(&in->stop)) {
		pause_ms(5);
		for (i = 0; i < in->n; i++)
			pthread_kill(in->tids[i], SIGRTMIN);
	}
	return NULL;
}

enum op {
	OP_IOCTL, OP_RAW_IOCTL, OP_READ, OP_WRITE, OP_READV, OP_POLL,
	OP_EPOLL, OP_MMAP, OP_MUNMAP, OP_MREMAP, OP_SCRIBBLE, OP_OPEN,
	OP_CLOSE, OP_DUP, OP_FORK, OP_VICTIM, OP_NR,
};

/* How often each operation comes up, out of the sum. */
static const unsigned int op_weight[OP_NR] = {
	[OP_IOCTL] = 40, [OP_RAW_IOCTL] = 3, [OP_READ] = 6, [OP_WRITE] = 6,
	[OP_READV] = 2, [OP_POLL] = 4, [OP_EPOLL] = 2, [OP_MMAP] = 4,
	[OP_MUNMAP] = 2, [OP_MREMAP] = 1, [OP_SCRIBBLE] = 4, [OP_OPEN] = 8,
	[OP_CLOSE] = 4, [OP_DUP] = 2, [OP_FORK] = 1, [OP_VICTIM] = 1,
};

static enum op pick_op(struct rng *r, int in_child)
{
	unsigned int total = 0, i, x;

	for (i = 0; i < OP_NR; i++)
		total += op_weight[i];
	for (;;) {
		x = below(r, total);
		for (i = 0; i < OP_NR; i++) {
			if (x < op_weight[i])
				break;
			x -= op_weight[i];
		}
		if (!(in_child && i == OP_FORK))
			return i;
	}
}

static void one_call(struct ctx *c, int in_child);

/* A child: maybe in fresh namespaces, a few calls on what it inherited. */
static void fork_child(struct ctx *c)
{
	pid_t pid;
	int i, status;

	pid = fork();
	if (pid < 0)
		return;
	if (pid == 0) {
		c->r.s ^= (uint64_t)getpid() << 32;
		if (chance(&c->r, 3))
			unshare(CLONE_NEWIPC);
		else if (chance(&c->r, 3))
			unshare(CLONE_NEWUSER | CLONE_NEWIPC);
		for (i = 0; i < 20; i++)
			one_call(c, 1);
		_exit(0);
	}
	/* Pacing only: interrupt the child's blocking calls until it ends. */
	while (waitpid(pid, &status, WNOHANG) == 0) {
		kill(pid, SIGRTMIN);
		pause_ms(5);
	}
}

static void one_call(struct ctx *c, int in_child)
{
	struct rng *r = &c->r;
	enum op op = pick_op(r, in_child);
	union {
		struct mbox_info info;
		struct mbox_open open;
		struct mbox_send send;
		struct mbox_recv recv;
		struct mbox_batch batch;
		struct mbox_stat stat;
		struct mbox_ring_open ring_open;
		struct mbox_ring_stat ring_stat;
		struct mbox_pipe pipe;
		char bytes[256];
	} arg;
	struct pollfd pfd;
	struct iovec iov[2];
	int fd = slot_fd(r), nfd;
	unsigned long a, cmd;
	uint32_t len;
	void *p;
	long ret;

	current_op = op;
	if (!in_child)
		sh->by_op[op]++;	/* racy, only a rough report */
	memset(&arg, 0, sizeof(arg));
	switch (op) {
	case OP_IOCTL:
		cmd = commands[below(r, NR_COMMANDS)].cmd;
		a = builder_of(cmd)(c, &arg);
		if (cmd == MBOX_IOC_OPEN || cmd == MBOX_IOC_RING_OPEN) {
			/* Often on a fresh descriptor, so that binds happen. */
			if (chance(r, 2)) {
				nfd = open_dev(r);
				ret = ioctl(nfd, cmd, a);
				check("ioctl open", ret, 0);
				slot_put(r, nfd);
				break;
			}
		}
		ret = ioctl(fd, cmd, a);
		check("ioctl", ret, cmd == MBOX_IOC_SEND_BATCH ||
		      cmd == MBOX_IOC_RECV_BATCH ? 8 : (cmd == MBOX_IOC_RECV ? BUF_SIZE : 0x7fffffff));
		/* A pipe's two new ends join the slots (the process's exit closes
		 * any whose numbers went to a hostile pointer). */
		if (cmd == MBOX_IOC_PIPE && ret == 0 && a == (unsigned long)&arg) {
			slot_put(r, high_fd(arg.pipe.fds[0]));
			slot_put(r, high_fd(arg.pipe.fds[1]));
		}
		break;
	case OP_RAW_IOCTL:
		if (below(r, 2))
			cmd = _IOC(below(r, 4), MBOX_IOC_MAGIC, below(r, 256), below(r, 512));
		else
			cmd = (uint32_t)rnd(r);
		/* Never a command that exists, with a random argument. */
		if (_IOC_TYPE(cmd) == MBOX_IOC_MAGIC && builder_of(cmd))
			break;
		/*
		 * On a duplicate of its own: another thread may close the
		 * slot's descriptor and reuse the number for another kind of
		 * file (an epoll one answers unknown commands with EINVAL)
		 * between the call and the check of what it was made on.
		 */
		fd = fd < 0 ? fd : fcntl(fd, F_DUPFD_CLOEXEC, FD_BASE);
		ret = ioctl(fd, cmd, pick_ptr(r, arg.bytes, sizeof(arg)));
		/*
		 * Our magic with a command that does not exist, on a /dev/mbox
		 * descriptor: ENOTTY. Other numbers may reach the VFS's own
		 * commands (FIONBIO, FIOCLEX...), and other descriptors (an
		 * epoll one) have their own; those only must not misbehave.
		 */
		{
			int err = errno, mbox = fd >= 0 && is_mbox_fd(fd);

			if (fd >= 0)
				close(fd);
			errno = err;
			if (_IOC_TYPE(cmd) != MBOX_IOC_MAGIC || !mbox) {
				check("random ioctl", ret, 0x7fffffff);
			} else if (ret >= 0 || (err != ENOTTY && err != EBADF)) {
				char what[64];

				snprintf(what, sizeof(what), "unknown mbox ioctl %#lx", cmd);
				contract_broken(what, ret, err);
			}
		}
		break;
	case OP_READ:
		len = pick_len(r);
		p = pick_ptr(r, c->buf, len);
		if (p == c->buf)
			len = good_len(r, len);
		ret = read(fd, p, len);
		check("read", ret, len);
		break;
	case OP_WRITE:
		len = pick_len(r);
		p = pick_ptr(r, c->buf, len);
		if (p == c->buf)
			len = good_len(r, len);
		ret = write(fd, p, len);
		check("write", ret, len);
		break;
	case OP_READV:
		iov[0].iov_base = pick_ptr(r, c->buf, 64);
		iov[0].iov_len = below(r, 64);
		iov[1].iov_base = c->buf + 4096;
		iov[1].iov_len = below(r, 4096);
		ret = below(r, 2) ? readv(fd, iov, 2) : writev(fd, iov, 2);
		check("readv/writev", ret, (long)(iov[0].iov_len + iov[1].iov_len));
		break;
	case OP_POLL:
		pfd.fd = fd;
		pfd.events = (short)(POLLIN | POLLOUT | (below(r, 2) ? POLLPRI : 0));
		ret = poll(&pfd, 1, 0);
		check("poll", ret, 1);
		break;
	case OP_EPOLL: {
		struct epoll_event ev = {
			.events = EPOLLIN | EPOLLOUT | (below(r, 2) ? EPOLLET : 0),
		};
		int ep = epoll_create1(EPOLL_CLOEXEC);

		if (ep < 0)
			break;
		if (!epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
			check("epoll_wait", epoll_wait(ep, &ev, 1, 0), 1);
		if (chance(r, 4))
			slot_put(r, high_fd(ep));	/* an epoll fd in a slot */
		else
			close(ep);
		break;
	}
	case OP_MMAP:
		do_mmap(r, fd);
		break;
	case OP_MUNMAP:
		unmap_one(r, 0);
		break;
	case OP_MREMAP:
		unmap_one(r, 1);
		break;
	case OP_SCRIBBLE:
		scribble(r);
		break;
	case OP_OPEN:
		slot_put(r, open_dev(r));
		break;
	case OP_CLOSE:
		fd = atomic_exchange(&slots[below(r, NR_SLOTS)], -1);
		if (fd >= 0)
			close(fd);
		break;
	case OP_DUP:
		if (fd >= 0)
			slot_put(r, high_fd(dup(fd)));
		break;
	case OP_FORK:
		fork_child(c);
		break;
	case OP_VICTIM:
		/*
		 * Pull the victim page from under whoever points at it: an
		 * inaccessible page, then a fresh one, each replacing the last
		 * in one step. Never a hole, which another thread's mmap()
		 * could fill and this MAP_FIXED would then destroy.
		 */
		mmap(victim, page_size, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		mmap(victim, page_size, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		break;
	case OP_NR:
		break;
	}
}

struct thread_arg {
	uint64_t seed;
	long calls;
};

/* The worker's threads and its main thread meet here before any ends. */
static pthread_barrier_t all_done;

static void run_calls(struct thread_arg *ta)
{
	struct ctx c = { .r = { ta->seed | 1 } };
	long i;

	crash_stack();

	/*
	 * The buffer, then a canary page no call is given a length that
	 * reaches: a transfer that writes past the length it was given
	 * shows there, a hostile pointer's run stops at the guard.
	 */
	c.buf = guarded_map(BUF_SIZE + page_size, MAP_PRIVATE);
	if (!c.buf)
		return;
	memset(c.buf + BUF_SIZE, CANARY, page_size);
	for (i = 0; i < ta->calls; i++) {
		one_call(&c, 0);
		atomic_fetch_add(&sh->calls, 1);
	}
	for (i = 0; i < page_size; i++) {
		if ((unsigned char)c.buf[BUF_SIZE + i] != CANARY) {
			contract_broken("canary byte overwritten (a write past a length)", i, 0);
			break;
		}
	}
	guarded_unmap(c.buf, BUF_SIZE + page_size);
}

static void *worker_thread(void *p)
{
	run_calls(p);
	/*
	 * Stay alive until every thread is done: the interrupter signals
	 * threads by pthread_t, which must not name a thread that has been
	 * joined (pthread_kill(3): undefined behaviour).
	 */
	pthread_barrier_wait(&all_done);
	return NULL;
}

static void worker(int w, int nthreads, long calls)
{
	struct interrupter in = { 0 };
	struct thread_arg ta[16];
	pthread_t tids[16], it;
	int i;

	if (w > 0 && setresgid(FIRST_UID + w, FIRST_UID + w, FIRST_UID + w))
		_exit(2);
	if (w > 0 && setresuid(FIRST_UID + w, FIRST_UID + w, FIRST_UID + w))
		_exit(2);
	for (i = 0; i < NR_SLOTS; i++)
		atomic_store(&slots[i], -1);
	if (pthread_barrier_init(&all_done, NULL, nthreads + 1))
		_exit(2);
	report_crashes();
	crash_stack();
	for (i = 0; i < nthreads; i++) {
		ta[i].seed = seed ^ ((uint64_t)(w + 1) << 40) ^ ((uint64_t)(i + 1) << 20);
		ta[i].calls = calls / nthreads;
		if (pthread_create(&tids[i], NULL, worker_thread, &ta[i]))
			_exit(2);
	}
	in.tids = tids;
	in.n = nthreads;
	if (pthread_create(&it, NULL, interrupt_thread, &in))
		_exit(2);
	pthread_barrier_wait(&all_done);
	atomic_store(&in.stop, 1);
	pthread_join(it, NULL);
	for (i = 0; i < nthreads; i++)
		pthread_join(tids[i], NULL);
	for (i = 0; i < NR_SLOTS; i++)
		if (atomic_load(&slots[i]) >= 0)
			close(atomic_load(&slots[i]));
	_exit(0);
}

/* Run-time parameter changes, while the workers run (the parent, as root). */
static const char *const params[] = {
	"msg_size_max", "msg_size_default", "capacity_max",
	"capacity_default", "user_objects_max", "user_bytes_max",
	"ring_size_max",
};
#define NR_PARAMS (sizeof(params) / sizeof(params[0]))

static void twiddle_params(struct rng *r)
{
	static const long long values[] = {
		0, 1, 2, 16, 4096, 65536, 1 << 20, 16 << 20, -1, 1LL << 32,
	};

	param_write(params[below(r, NR_PARAMS)], values[below(r, 10)]);
}

static long env_long(const char *name, long def)
{
	const char *v = getenv(name);

	return v && *v ? strtol(v, NULL, 0) : def;
}

static int setup_memory(void)
{
	long pg = page_size;
	char *p;

	victim = guarded_map(pg, MAP_PRIVATE);
	if (!victim)
		return -1;
	none_page = victim + pg;	/* its guard */
	edge_page = fault_area(pg, pg);
	p = fault_area(16, pg);
	if (!edge_page || !p)
		return -1;
	memset(p, 'u', 16);		/* no NUL before PROT_NONE */
	unterminated = p;
	return 0;
}

/*
 * Unlink, as root, every pool name and every object a fuzzing user owns:
 * a random name can be valid, so the fuzzer's objects are found by LIST.
 */
static void unlink_all(void)
{
	int i, fd = open("/dev/mbox", O_RDONLY | O_CLOEXEC);
	struct mbox_list l = { 0 };
	uint32_t type, off;
	char *buf = NULL;

	for (i = 0; i < NR_NAMES; i++)
		for (type = MBOX_TYPE_MAILBOX; type <= MBOX_TYPE_RING; type++) {
			struct mbox_unlink u = {
				.name = (uintptr_t)names[i], .type = type,
			};

			ioctl(fd, MBOX_IOC_UNLINK, &u);
		}
	for (;;) {
		free(buf);
		l.len = l.needed + 4096;
		buf = malloc(l.len);
		if (!buf)
			break;
		l.buf = (uintptr_t)buf;
		if (!ioctl(fd, MBOX_IOC_LIST, &l))
			break;
		if (errno != ERANGE) {
			l.count = 0;
			break;
		}
	}
	for (off = 0, i = 0; buf && i < (int)l.count; i++) {
		struct mbox_list_entry *e = (struct mbox_list_entry *)(buf + off);
		struct mbox_unlink u = { .name = (uintptr_t)e->name, .type = e->type };

		if (e->uid >= FIRST_UID && e->uid < FIRST_UID + 32)
			ioctl(fd, MBOX_IOC_UNLINK, &u);
		off += e->size;
	}
	free(buf);
	close(fd);
}

/*
 * How many mailboxes @uid can create, and how many 1-byte messages it can
 * queue, under the limits in force. Run in a child; 0xff on setup failure.
 */
static int quota_probe(uid_t uid, int *objects, int *msgs)
{
	int pfd[2], st, n;
	pid_t pid;

	if (pipe(pfd))
		return -1;
	pid = fork();
	if (pid == 0) {
		int fds[64], no = 0, nm = 0, i, fd;
		char name[64];

		close(pfd[0]);
		if (setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
			_exit(0xff);
		for (i = 0; i < 64; i++) {
			snprintf(name, sizeof(name), "fzq-%d-%d", (int)uid, i);
			fds[i] = mb_open(name, O_RDWR, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL |
					 MBOX_OPEN_UNBOUNDED, 0600, 0, 16);
			if (fds[i] < 0)
				break;
			no++;
		}
		fd = no ? fds[0] : -1;
		while (fd >= 0 && nm < 1 << 20 &&
		       mb_send(fd, "x", 1, MBOX_SEND_NONBLOCK, 0) == 0)
			nm++;
		for (i = 0; i < no; i++) {
			snprintf(name, sizeof(name), "fzq-%d-%d", (int)uid, i);
			mb_unlink(name);
			close(fds[i]);
		}
		n = write(pfd[1], &no, sizeof(no));
		n += write(pfd[1], &nm, sizeof(nm));
		_exit(n == 2 * sizeof(int) ? 0 : 0xff);
	}
	close(pfd[1]);
	if (pid < 0 || read(pfd[0], objects, sizeof(*objects)) != sizeof(*objects) ||
	    read(pfd[0], msgs, sizeof(*msgs)) != sizeof(*msgs)) {
		close(pfd[0]);
		waitpid(pid, &st, 0);
		return -1;
	}
	close(pfd[0]);
	waitpid(pid, &st, 0);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

FIXTURE(fuzz) {
	long long saved[NR_PARAMS];
};

FIXTURE_SETUP(fuzz)
{
	size_t i;

	for (i = 0; i < NR_PARAMS; i++) {
		self->saved[i] = param_read(params[i]);
		ASSERT_LE(0, self->saved[i]) TH_LOG("cannot read %s", params[i]);
	}
}

FIXTURE_TEARDOWN(fuzz)
{
	size_t i;

	for (i = 0; i < NR_PARAMS; i++)
		param_write(params[i], self->saved[i]);
}

/* Every command of the uapi header has an argument builder here. */
TEST(builders_cover_every_command)
{
	size_t i;

	for (i = 0; i < NR_COMMANDS; i++) {
		const char *name = commands[i].name;

		EXPECT_NE(NULL, builder_of(commands[i].cmd))
			TH_LOG("%s has no argument builder in fuzz_test.c",
			       name ? name : "?");
	}
}

TEST_F_TIMEOUT(fuzz, every_entry_point, 3600)
{
	long calls = env_long("MBOX_FUZZ_CALLS", 20000);
	int procs = (int)env_long("MBOX_FUZZ_PROCS", 3);
	int threads = (int)env_long("MBOX_FUZZ_THREADS", 3);
	struct sigaction sa = { .sa_handler = on_signal };
	struct rng r;
	int pfd[2], w, st, objects, msgs, ref_objects, ref_msgs;
	struct timespec now;
	struct pollfd pw;
	pid_t pids[32];
	size_t i;

	ASSERT_LT(0, procs);
	ASSERT_GE(32, procs);
	ASSERT_LT(0, threads);
	ASSERT_GE(16, threads);
	for (i = 0; i < NR_COMMANDS; i++)
		ASSERT_NE(NULL, builder_of(commands[i].cmd));

	clock_gettime(CLOCK_MONOTONIC, &now);
	seed = (uint64_t)env_long("MBOX_FUZZ_SEED",
				  (now.tv_nsec ^ (now.tv_sec << 20)) & 0x7fffffff);
	printf("# fuzz: seed %llu, %ld calls, %d processes x %d threads (replay: MBOX_FUZZ_SEED=%llu)\n",
	       (unsigned long long)seed, calls, procs, threads,
	       (unsigned long long)seed);
	fflush(stdout);
	r.s = seed | 1;
	page_size = sysconf(_SC_PAGESIZE);
	ASSERT_EQ(0, setup_memory());
	{
		struct stat st;

		ASSERT_EQ(0, stat("/dev/mbox", &st));
		mbox_rdev = st.st_rdev;
	}
	for (i = 0; i < NR_NAMES; i++)
		snprintf(names[i], sizeof(names[i]), "fz-%llu-%zu",
			 (unsigned long long)(seed % 100000), i);
	sh = (struct shared *)guarded_map(shared_len(), MAP_SHARED);
	ASSERT_NE(NULL, sh);
	memset(sh, 0, sizeof(*sh));
	ASSERT_EQ(0, sigaction(SIGRTMIN, &sa, NULL));	/* no SA_RESTART */
	signal(SIGPIPE, SIG_IGN);

	/* The workers hold the pipe's write end: EOF once all are gone. */
	ASSERT_EQ(0, pipe(pfd));
	for (w = 0; w < procs; w++) {
		pids[w] = fork();
		ASSERT_LE(0, pids[w]);
		if (pids[w] == 0) {
			close(pfd[0]);
			worker(w, threads, calls / procs);
		}
	}
	close(pfd[1]);
	pw.fd = pfd[0];
	pw.events = POLLIN;
	/*
	 * Pacing only: the parameters change about every 10 ms until EOF,
	 * with a progress line now and then for the test bed's watchdog.
	 */
	for (i = 1; poll(&pw, 1, 10) == 0; i++) {
		twiddle_params(&r);
		if (i % 2000 == 0) {
			printf("# fuzz: %ld calls so far\n", atomic_load(&sh->calls));
			fflush(stdout);
		}
	}
	close(pfd[0]);
	for (w = 0; w < procs; w++) {
		ASSERT_EQ(pids[w], waitpid(pids[w], &st, 0));
		EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0)
			TH_LOG("worker %d ended with status 0x%x", w, st);
	}
	printf("# fuzz: %ld calls made, %ld broke the contract\n",
	       atomic_load(&sh->calls), atomic_load(&sh->bad));
	for (i = 0; i < OP_NR; i++)
		printf("#   op %zu: %lu\n", i, sh->by_op[i]);
	EXPECT_EQ(0, atomic_load(&sh->bad)) TH_LOG("first: %s", sh->first_bad);

	/*
	 * Accounting: with every object gone, each user the fuzzer ran as
	 * has its whole quota back, exactly as a user who never ran.
	 */
	for (i = 0; i < NR_PARAMS; i++)
		param_write(params[i], self->saved[i]);
	unlink_all();
	ASSERT_EQ(0, param_write("user_objects_max", 8));
	ASSERT_EQ(0, param_write("user_bytes_max", 65536));
	ASSERT_EQ(0, quota_probe(FRESH_UID, &ref_objects, &ref_msgs));
	EXPECT_EQ(8, ref_objects);
	EXPECT_LT(0, ref_msgs);
	for (w = 1; w < procs; w++) {
		ASSERT_EQ(0, quota_probe(FIRST_UID + w, &objects, &msgs));
		EXPECT_EQ(ref_objects, objects) TH_LOG("uid %d", FIRST_UID + w);
		EXPECT_EQ(ref_msgs, msgs) TH_LOG("uid %d", FIRST_UID + w);
	}
}

TEST_HARNESS_MAIN
