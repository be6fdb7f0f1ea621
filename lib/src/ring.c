// SPDX-License-Identifier: (LGPL-2.1 OR MIT)
/*
 * Rings: the producer and consumer halves of the protocol in
 * <linux/mbox.h>, on memory mapped from the kernel. The fast path is plain
 * loads and stores; the kernel is entered only to sleep (the ring is full
 * or empty) and to wake a peer that asked for it.
 *
 * A handle plays one role and keeps its own position: one thread uses a
 * handle at a time. A producer and a consumer may of course run in
 * different threads or processes.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "libmbox.h"
#include "internal.h"
#include "ring_atomic.h"

struct mbox_ring {
	int fd;
	unsigned int role;
	bool mapped;
	struct mbox_ring_layout layout;
	/* The three mappings: consumer page, producer page, data (twice). */
	void *cons_map, *prod_map, *data_map;
	uint32_t *cons_pos, *cons_wakeup;
	uint32_t *cons_pollers;		/* NULL from a kernel without it */
	uint32_t *prod_pos, *prod_wakeup;
	uint8_t *data;
	uint32_t mask;
	/* Our side's position, as we last published it. */
	uint32_t local;
	/* Bytes of the record reserved (producer) or peeked (consumer). */
	uint32_t pending;
	/* Spinning before sleeping (spin_wait()), in nanoseconds. */
	uint32_t spin_max;		/* mbox_ring_set_spin(); 0: never */
	uint32_t spin_budget;		/* the next spin's, adapted */
	uint32_t spin_skip;		/* budget 0: waits until a probe */
	uint32_t spin_probe;		/* budget 0: waits between probes */
	struct mbox_ring_counters counters;
};

static void *map(int fd, size_t len, uint64_t off, bool writable)
{
	void *p = mmap(NULL, len, PROT_READ | (writable ? PROT_WRITE : 0),
		       MAP_SHARED, fd, off);

	return p == MAP_FAILED ? NULL : p;
}

static void unmap(struct mbox_ring *r)
{
	long page = sysconf(_SC_PAGESIZE);

	if (r->cons_map)
		munmap(r->cons_map, page);
	if (r->prod_map)
		munmap(r->prod_map, page);
	if (r->data_map)
		munmap(r->data_map, 2 * (size_t)r->layout.data_size);
}

/* Map each part where the layout says, writable where the role writes. */
static int map_ring(struct mbox_ring *r)
{
	const struct mbox_ring_layout *l = &r->layout;
	long page = sysconf(_SC_PAGESIZE);

	r->cons_map = map(r->fd, page, l->cons_off, r->role == MBOX_RING_CONSUMER);
	r->prod_map = map(r->fd, page, l->prod_off, r->role == MBOX_RING_PRODUCER);
	r->data_map = map(r->fd, 2 * (size_t)l->data_size, l->data_off,
			  r->role == MBOX_RING_PRODUCER);
	if (!r->cons_map || !r->prod_map || !r->data_map) {
		int err = -errno;

		unmap(r);
		return err;
	}
	r->cons_pos = (uint32_t *)((char *)r->cons_map + l->pos_off);
	r->cons_wakeup = (uint32_t *)((char *)r->cons_map + l->wakeup_off);
	r->cons_pollers = l->pollers_off ?
			  (uint32_t *)((char *)r->cons_map + l->pollers_off) : NULL;
	r->prod_pos = (uint32_t *)((char *)r->prod_map + l->pos_off);
	r->prod_wakeup = (uint32_t *)((char *)r->prod_map + l->wakeup_off);
	r->data = r->data_map;
	r->mask = l->data_size - 1;
	r->local = ring_load_relaxed(r->role == MBOX_RING_PRODUCER ?
				     r->prod_pos : r->cons_pos);
	r->mapped = true;
	mbox_ring_set_spin(r, MBOX_RING_SPIN_DEFAULT_NS);
	return 0;
}

int mbox_ring_open(struct mbox_ring **rp, const char *name, unsigned int role,
		   int oflag, mode_t mode, size_t size, unsigned int flags)
{
	struct mbox_ring_open args = {
		.name = (uintptr_t)name,
		.mode = mode,
		.size = size,
		.role = role,
	};
	int access, ret;
	struct mbox_ring *r;

	if (oflag & ~(O_CREAT | O_EXCL | O_NONBLOCK) || flags & ~MBOX_RING_OPEN_NOMAP ||
	    size > UINT32_MAX)
		return -EINVAL;
	if (oflag & O_CREAT)
		args.flags |= MBOX_OPEN_CREATE | (oflag & O_EXCL ? MBOX_OPEN_EXCL : 0);
	/* A consumer writes its page, so a mapped one needs both. */
	if (role == MBOX_RING_PRODUCER)
		access = flags & MBOX_RING_OPEN_NOMAP ? O_WRONLY : O_RDWR;
	else if (role == MBOX_RING_CONSUMER)
		access = flags & MBOX_RING_OPEN_NOMAP ? O_RDONLY : O_RDWR;
	else
		access = O_RDONLY;

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->role = role;
	/* Unmapped, blocking is done here with poll(): the kernel's I/O never waits. */
	r->fd = mbox__open_bound(access |
				 (flags & MBOX_RING_OPEN_NOMAP ? O_NONBLOCK : oflag & O_NONBLOCK),
				 MBOX_IOC_RING_OPEN, &args);
	if (r->fd < 0) {
		ret = r->fd;
		free(r);
		return ret;
	}
	r->layout = args.layout;
	ret = flags & MBOX_RING_OPEN_NOMAP ? 0 : map_ring(r);
	if (ret) {
		close(r->fd);
		free(r);
		return ret;
	}
	*rp = r;
	return 0;
}

int mbox_ring_pipe(struct mbox_ring *ends[2], size_t size, int flags)
{
	static const unsigned int roles[2] = { MBOX_RING_CONSUMER, MBOX_RING_PRODUCER };
	struct mbox_pipe args = {
		.type = MBOX_TYPE_RING,
		.fd_flags = flags,
		.mode = 0600,
		.size = size,
	};
	struct mbox_ring *r[2];
	int i, ret;

	if (flags & ~(O_CLOEXEC | O_NONBLOCK) || size > UINT32_MAX)
		return -EINVAL;
	r[0] = calloc(1, sizeof(*r[0]));
	r[1] = calloc(1, sizeof(*r[1]));
	if (!r[0] || !r[1]) {
		free(r[0]);
		free(r[1]);
		return -ENOMEM;
	}
	ret = mbox__device_ioctl(MBOX_IOC_PIPE, &args);
	if (ret) {
		free(r[0]);
		free(r[1]);
		return ret;
	}
	for (i = 0; i < 2; i++) {
		r[i]->fd = args.fds[i];
		r[i]->role = roles[i];
		r[i]->layout = args.layout;
	}
	for (i = 0; i < 2 && !ret; i++)
		ret = map_ring(r[i]);
	if (ret) {
		for (i = 0; i < 2; i++) {
			if (r[i]->mapped)
				unmap(r[i]);
			close(r[i]->fd);
			free(r[i]);
		}
		return ret;
	}
	ends[0] = r[0];
	ends[1] = r[1];
	return 0;
}

int mbox_ring_close(struct mbox_ring *r)
{
	int ret;

	if (!r)
		return 0;
	if (r->mapped)
		unmap(r);
	ret = close(r->fd) ? -errno : 0;
	free(r);
	return ret;
}

int mbox_ring_fd(const struct mbox_ring *r)
{
	return r->fd;
}

const struct mbox_ring_layout *mbox_ring_get_layout(const struct mbox_ring *r)
{
	return &r->layout;
}

int mbox_ring_unlink(const char *name)
{
	struct mbox_unlink args = {
		.name = (uintptr_t)name,
		.type = MBOX_TYPE_RING,
	};

	return mbox__device_ioctl(MBOX_IOC_UNLINK, &args);
}

int mbox_ring_stat(struct mbox_ring *r, struct mbox_ring_stat *st)
{
	memset(st, 0, sizeof(*st));
	return mbox__ioctl(r->fd, MBOX_IOC_RING_STAT, st);
}

void mbox_ring_counters(const struct mbox_ring *r,
			struct mbox_ring_counters *c)
{
	*c = r->counters;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The per-call flags: only the MBOX_RING_IO_* family. */
#define RING_IO_FLAGS	(MBOX_RING_IO_NONBLOCK | MBOX_RING_IO_TIMEOUT)

/* A call's deadline on CLOCK_MONOTONIC; 0 when it has none. */
static uint64_t deadline(unsigned int flags, uint64_t timeout_ns)
{
	uint64_t now;

	if (!(flags & MBOX_RING_IO_TIMEOUT))
		return 0;
	now = now_ns();
	return timeout_ns > UINT64_MAX - now ? UINT64_MAX : now + timeout_ns;
}

/*
 * Spinning before sleeping. A peer that runs on another CPU often moves
 * within a microsecond or two, much sooner than a sleep and a wake-up take
 * (two system calls and two context switches, for both sides). So before
 * it sleeps, a blocking call watches the peer's position word, in user
 * space, for at most a budget of time. While it spins, its wakeup word is
 * not set, so the peer makes no wake call either.
 *
 * The budget adapts, as an adaptive mutex's spinning does. It doubles (up
 * to spin_max) after a spin that saw the peer move, and halves after one
 * that did not. Below SPIN_MIN_NS it drops to 0: then only every
 * SPIN_PROBE-th wait spins, with the whole spin_max, to find out whether
 * the peer has become quick again, and each probe that saw nothing halves
 * how often (down to every SPIN_PROBE_MAX-th wait). A peer that cannot run
 * while we spin (both on one CPU) never moves during a spin, so its
 * waiters soon stop spinning. Nothing spins on a machine with one CPU online, or when the
 * peer sleeps on this ring: it has set its wakeup word, and will not move
 * until someone wakes it. The caller's own CPU affinity says nothing: a
 * process pinned to one CPU may well have its peer running on another.
 */
#define SPIN_MIN_NS	500
#define SPIN_PROBE	16		/* waits between probes, at first */
#define SPIN_PROBE_MAX	1024		/* and at most */

int mbox_ring_set_spin(struct mbox_ring *r, uint64_t max_ns)
{
	if (!r->mapped)
		return -EOPNOTSUPP;
	if (max_ns > MBOX_RING_SPIN_MAX_NS)
		return -EINVAL;
	/* With one CPU, the peer cannot move while we spin. */
	r->spin_max = sysconf(_SC_NPROCESSORS_ONLN) > 1 ? max_ns : 0;
	r->spin_budget = r->spin_max;
	r->spin_probe = SPIN_PROBE;
	r->spin_skip = SPIN_PROBE;
	return 0;
}

/* Spin in CPU-friendly steps: the pause hint, where there is one. */
static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#endif
}

/*
 * Before sleeping: watch @peer (the peer's position word) change from
 * @seen, while @asleep (the peer's wakeup word) stays 0, for at most the
 * budget and never past @until (0: no deadline). *@spin_end is the call's
 * end of spinning (0 before its first spin), so that all the spins of one
 * call, a producer's that sees the consumer free too little each time,
 * take one budget together. True if the peer moved.
 */
static bool spin_wait(struct mbox_ring *r, const uint32_t *peer, uint32_t seen,
		      const uint32_t *asleep, uint64_t until, uint64_t *spin_end)
{
	uint64_t budget = r->spin_budget, start, end;
	bool probe = false;
	unsigned int i;

	if (*spin_end) {
		end = *spin_end;
	} else {
		if (!budget) {
			if (!r->spin_max || --r->spin_skip)
				return false;
			r->spin_skip = r->spin_probe;
			probe = true;
			budget = r->spin_max;
		}
		start = now_ns();
		if (until && until <= start)
			return false;	/* the deadline's: no change */
		end = until && until - start < budget ? until : start + budget;
		*spin_end = end;
	}
	for (;;) {
		/* The clock every few pauses: a pause may take 100 cycles. */
		if (now_ns() >= end)
			break;
		for (i = 0; i < 8; i++) {
			if (ring_load_relaxed(peer) != seen) {
				budget = budget * 2 > SPIN_MIN_NS ? budget * 2 : SPIN_MIN_NS;
				r->spin_budget = budget < r->spin_max ? budget : r->spin_max;
				r->spin_probe = SPIN_PROBE;
				return true;
			}
			if (ring_load_relaxed(asleep))
				return false;	/* not the spin's fault: no change */
			cpu_relax();
		}
	}
	if (probe) {
		/* Still nothing to gain: probe half as often. */
		if (r->spin_probe < SPIN_PROBE_MAX)
			r->spin_probe *= 2;
		r->spin_skip = r->spin_probe;
		return false;
	}
	r->spin_budget = budget / 2 >= SPIN_MIN_NS ? budget / 2 : 0;
	if (!r->spin_budget)
		r->spin_skip = r->spin_probe;
	return false;
}

/* Sleep in the kernel until the peer moves (and @need bytes are free). */
static int ring_wait(struct mbox_ring *r, uint32_t need, uint64_t until)
{
	struct mbox_ring_wait args = { .need = need };
	uint64_t now;

	if (until) {
		now = now_ns();
		args.flags = MBOX_RING_WAIT_TIMEOUT;
		args.timeout_ns = until > now ? until - now : 0;
	}
	r->counters.waits++;
	return mbox__ioctl(r->fd, MBOX_IOC_RING_WAIT, &args);
}

/*
 * We published: wake the peer if it asked us to, and, a producer peer, once
 * the room it waits for is free.
 */
static int kick(struct mbox_ring *r)
{
	uint32_t want, used;

	/*
	 * Our position store must be visible before we read the peer's
	 * wakeup word; this pairs with the kernel's smp_mb() between setting
	 * that word and its last look at the ring.
	 */
	ring_fence();
	if (r->role == MBOX_RING_PRODUCER) {
		if (!ring_load_relaxed(r->cons_wakeup))
			return 0;
	} else {
		want = ring_load_relaxed(r->prod_wakeup);
		if (!want)
			return 0;
		used = ring_load_relaxed(r->prod_pos) - r->local;
		if (used <= r->layout.data_size && r->layout.data_size - used < want)
			return 0;
	}
	r->counters.wakeups++;
	return mbox__ioctl(r->fd, MBOX_IOC_RING_WAKE, NULL);
}

/*
 * A non-blocking call found nothing to do: ask the peer to wake whoever
 * waits on this ring next (poll, epoll), then look once more. A consumer's
 * word is a flag; a producer's says the fewest free bytes any of its
 * waiters waits for, so it is only ever lowered (ring_lower()).
 */
static void arm(uint32_t *wakeup, uint32_t value, bool producer)
{
	if (producer)
		ring_lower(wakeup, value);
	else
		ring_store_relaxed(wakeup, value);
	/* The request before the second look at the ring, as in the kernel. */
	ring_fence();
}

/* Positions that make no sense: too far apart, or off a record boundary. */
static bool broken(uint32_t prod, uint32_t cons, uint32_t size)
{
	return prod - cons > size || ((prod | cons) & (MBOX_RING_ALIGN - 1));
}

/* Unmapped rings: the kernel's read() and write(), blocking with poll(). */
static ssize_t kernel_io(struct mbox_ring *r, void *buf, size_t len,
			 unsigned int flags, uint64_t timeout_ns, bool out)
{
	uint64_t until = deadline(flags, timeout_ns), now;
	struct pollfd pfd = { .fd = r->fd, .events = out ? POLLOUT : POLLIN };
	ssize_t n;
	int ms;

	if (flags & ~RING_IO_FLAGS)
		return -EINVAL;
	for (;;) {
		n = out ? write(r->fd, buf, len) : read(r->fd, buf, len);
		if (n >= 0)
			return n;
		if (errno != EAGAIN || (flags & MBOX_RING_IO_NONBLOCK))
			return -errno;
		ms = -1;
		if (until) {
			now = now_ns();
			if (now >= until)
				return -ETIMEDOUT;
			ms = (until - now) / 1000000 + 1;
			if ((uint64_t)ms > INT32_MAX || ms < 0)
				ms = INT32_MAX;
		}
		if (poll(&pfd, 1, ms) < 0)
			return -errno;
	}
}

int mbox_ring_reserve(struct mbox_ring *r, size_t len, void **data,
		      unsigned int flags, uint64_t timeout_ns)
{
	uint64_t until = deadline(flags, timeout_ns), spin_end = 0;
	uint32_t total, cons, size = r->layout.data_size;
	struct mbox_ring_hdr *hdr;
	int ret;

	if (flags & ~RING_IO_FLAGS)
		return -EINVAL;
	if (!r->mapped)
		return -EOPNOTSUPP;
	if (r->role != MBOX_RING_PRODUCER)
		return -EBADF;
	if (r->pending)
		return -EBUSY;
	if (!len)
		return -EINVAL;
	if (len > r->layout.rec_max)
		return -EMSGSIZE;
	total = MBOX_RING_REC_SIZE(len);

	for (;;) {
		/* What the consumer freed, it has finished reading. */
		cons = ring_load_acquire(r->cons_pos);
		if (broken(r->local, cons, size))
			return -EUCLEAN;
		if (size - (r->local - cons) >= total)
			break;
		if (flags & MBOX_RING_IO_NONBLOCK) {
			arm(r->prod_wakeup, total, true);
			cons = ring_load_acquire(r->cons_pos);
			if (broken(r->local, cons, size))
				return -EUCLEAN;
			if (size - (r->local - cons) >= total)
				break;
			return -EAGAIN;
		}
		if (spin_wait(r, r->cons_pos, cons, r->cons_wakeup, until, &spin_end))
			continue;
		ret = ring_wait(r, total, until);
		if (ret)
			return ret;
	}

	hdr = (struct mbox_ring_hdr *)(r->data + (r->local & r->mask));
	hdr->len = len;
	hdr->flags = 0;
	*data = hdr + 1;
	r->pending = total;
	return 0;
}

int mbox_ring_commit(struct mbox_ring *r)
{
	if (r->role != MBOX_RING_PRODUCER || !r->pending)
		return -EINVAL;
	r->local += r->pending;
	r->pending = 0;
	/*
	 * The consumer must not see the new position before the record's
	 * header and payload: it reads them right after its load-acquire.
	 */
	ring_store_release(r->prod_pos, r->local);
	r->counters.records++;
	return kick(r);
}

int mbox_ring_push(struct mbox_ring *r, const void *buf, size_t len,
		   unsigned int flags, uint64_t timeout_ns)
{
	ssize_t n;
	void *p;
	int ret;

	if (!r->mapped) {
		n = kernel_io(r, (void *)buf, len, flags, timeout_ns, true);
		if (n >= 0)
			r->counters.records++;
		return n < 0 ? n : 0;
	}
	ret = mbox_ring_reserve(r, len, &p, flags, timeout_ns);
	if (ret)
		return ret;
	memcpy(p, buf, len);
	return mbox_ring_commit(r);
}

int mbox_ring_push_batch(struct mbox_ring *r, const struct iovec *iov,
			 unsigned int n, unsigned int flags, uint64_t timeout_ns)
{
	uint32_t cons, pos, len, total, size = r->layout.data_size;
	struct mbox_ring_hdr *hdr;
	unsigned int count;
	void *p;
	int ret;

	if (!r->mapped)
		return -EOPNOTSUPP;
	if (!n)
		return -EINVAL;
	/* The first record may wait, and its errors are the call's. */
	ret = mbox_ring_reserve(r, iov[0].iov_len, &p, flags, timeout_ns);
	if (ret)
		return ret;
	memcpy(p, iov[0].iov_base, iov[0].iov_len);
	pos = r->local + r->pending;
	/* The rest go in while they fit; a bad one waits for the next call. */
	cons = ring_load_acquire(r->cons_pos);
	for (count = 1; count < n && !broken(r->local, cons, size); count++) {
		if (!iov[count].iov_len || iov[count].iov_len > r->layout.rec_max)
			break;
		len = iov[count].iov_len;
		total = MBOX_RING_REC_SIZE(len);
		/* A consumer position gone back makes no room. */
		if (pos - cons > size || size - (pos - cons) < total)
			break;
		hdr = (struct mbox_ring_hdr *)(r->data + (pos & r->mask));
		hdr->len = len;
		hdr->flags = 0;
		memcpy(hdr + 1, iov[count].iov_base, len);
		pos += total;
	}
	/* All of them at once: one release store, one wake-up check. */
	r->local = pos;
	r->pending = 0;
	ring_store_release(r->prod_pos, r->local);
	r->counters.records += count;
	ret = kick(r);
	return ret ? ret : (int)count;
}

/*
 * The record at our position, @avail bytes before prod: check its header
 * (the producer may have written anything) and return its length, or
 * -EBADMSG.
 */
static ssize_t check_record(struct mbox_ring *r, uint32_t pos, uint32_t avail,
			    const void **data)
{
	const struct mbox_ring_hdr *hdr =
		(const void *)(r->data + (pos & r->mask));
	uint32_t len = ring_load_relaxed(&hdr->len);
	uint32_t flags = ring_load_relaxed(&hdr->flags);

	if (!len || len > r->layout.rec_max || flags ||
	    MBOX_RING_REC_SIZE(len) > avail)
		return -EBADMSG;
	*data = hdr + 1;
	return len;
}

ssize_t mbox_ring_peek(struct mbox_ring *r, const void **data,
		       unsigned int flags, uint64_t timeout_ns)
{
	uint64_t until = deadline(flags, timeout_ns), spin_end = 0;
	uint32_t prod, size = r->layout.data_size;
	ssize_t len;
	int ret;

	if (flags & ~RING_IO_FLAGS)
		return -EINVAL;
	if (!r->mapped)
		return -EOPNOTSUPP;
	if (r->role != MBOX_RING_CONSUMER)
		return -EBADF;

	for (;;) {
		/* What the producer published, it has finished writing. */
		prod = ring_load_acquire(r->prod_pos);
		if (broken(prod, r->local, size))
			return -EUCLEAN;
		if (prod != r->local)
			break;
		if (flags & MBOX_RING_IO_NONBLOCK) {
			/*
			 * Only a poll or epoll waiter needs the request; with
			 * none queued (the kernel's pollers word is 0), a
			 * consumer that polls the ring costs the producer no
			 * wake call. One queued later asks for itself.
			 */
			if (r->cons_pollers && !ring_load_relaxed(r->cons_pollers))
				return -EAGAIN;
			arm(r->cons_wakeup, MBOX_RING_NEED_WAKEUP, false);
			prod = ring_load_acquire(r->prod_pos);
			if (prod != r->local)
				continue;
			return -EAGAIN;
		}
		if (spin_wait(r, r->prod_pos, prod, r->prod_wakeup, until, &spin_end))
			continue;
		ret = ring_wait(r, 0, until);
		if (ret)
			return ret;
	}
	len = check_record(r, r->local, prod - r->local, data);
	if (len >= 0)
		r->pending = MBOX_RING_REC_SIZE(len);
	return len;
}

int mbox_ring_release(struct mbox_ring *r)
{
	if (r->role != MBOX_RING_CONSUMER || !r->pending)
		return -EINVAL;
	r->local += r->pending;
	r->pending = 0;
	/*
	 * The producer must not see the space given back before we are done
	 * reading the record in it: it writes there right after its
	 * load-acquire of cons.
	 */
	ring_store_release(r->cons_pos, r->local);
	r->counters.records++;
	return kick(r);
}

ssize_t mbox_ring_pop(struct mbox_ring *r, void *buf, size_t len,
		      unsigned int flags, uint64_t timeout_ns)
{
	const void *p;
	ssize_t n;
	int ret;

	if (!r->mapped) {
		n = kernel_io(r, buf, len, flags, timeout_ns, false);
		if (n >= 0)
			r->counters.records++;
		return n;
	}
	n = mbox_ring_peek(r, &p, flags, timeout_ns);
	if (n < 0)
		return n;
	if ((size_t)n > len)
		return -EMSGSIZE;	/* it stays: peeked, not released */
	memcpy(buf, p, n);
	ret = mbox_ring_release(r);
	return ret ? ret : n;
}

int mbox_ring_pop_batch(struct mbox_ring *r, void *buf, size_t len,
			size_t *lens, unsigned int max, unsigned int flags,
			uint64_t timeout_ns)
{
	uint32_t prod, pos, size = r->layout.data_size;
	unsigned int count = 0;
	size_t used = 0;
	const void *p;
	ssize_t n;

	if (!r->mapped)
		return -EOPNOTSUPP;
	if (!max)
		return -EINVAL;
	/* The first record may wait; the rest come only if already there. */
	n = mbox_ring_peek(r, &p, flags, timeout_ns);
	if (n < 0)
		return n;
	if ((size_t)n > len)
		return -EMSGSIZE;
	prod = ring_load_acquire(r->prod_pos);
	pos = r->local;
	while (count < max) {
		memcpy((char *)buf + used, p, n);
		lens[count++] = n;
		used += n;
		pos += MBOX_RING_REC_SIZE(n);
		if (pos == prod || count == max)
			break;
		if (broken(prod, pos, size))
			return -EUCLEAN;
		n = check_record(r, pos, prod - pos, &p);
		if (n < 0 || (size_t)n > len - used)
			break;	/* a bad or too big record waits for the next call */
	}
	/* All of them at once: one release store, one wake-up check. */
	r->local = pos;
	r->pending = 0;
	/* As in mbox_ring_release(): reads done before the space goes back. */
	ring_store_release(r->cons_pos, r->local);
	r->counters.records += count;
	n = kick(r);
	return n ? n : (int)count;
}
