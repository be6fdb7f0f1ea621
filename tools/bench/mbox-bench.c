// SPDX-License-Identifier: GPL-2.0
/*
 * mbox-bench: mbox mailboxes and rings against pipes, POSIX message queues,
 * AF_UNIX SOCK_SEQPACKET sockets and an eventfd-signalled shared-memory
 * ring, with one set of timing code for all of them.
 *
 * Every transport is a one-way channel with the same five operations
 * (create before fork, open one end after it, send, receive, destroy).
 * Each workload drives any transport through them:
 *  - round trip: a client sends a message, a server echoes it back; per
 *    round-trip latencies, with the two processes unpinned, pinned to two
 *    CPUs, or pinned to one;
 *  - streaming: one producer, one consumer, as fast as they go;
 *  - fan-in: N producers into one consumer; the aggregate rate, and
 *    fairness: the smallest share of one producer in the timed window
 *    divided by the largest; and the context switches per message
 *    (getrusage()): the producers' sleeps and preemptions over their run,
 *    the consumer's sleeps in the timed window;
 *  - scale: create, open, send and receive with 1, 100 or 10,000 other
 *    mailboxes in existence;
 *  - memory: /proc/meminfo Slab + VmallocUsed before and after creating
 *    many empty mailboxes (POSIX queues), or queueing many messages;
 *  - floors: a null system call, memcpy, and a spin hand-off through
 *    shared memory.
 *
 * Round-trip ratios compare p50s: on a shared host, the means and p99s
 * follow the host's own preemption of the VM's CPUs.
 *
 * Timing: CLOCK_MONOTONIC. Every run starts with an untimed warm-up, then
 * is timed for a fixed time (STREAM_SECS, RT_SECS). The repetitions run
 * interleaved (repetition 1 of every case, then repetition 2...), so that a
 * slow phase of a shared machine spreads over all transports. Rates are the
 * median over repetitions; round trips report the median of the
 * repetitions' means, and the p50 and p99 of all round trips.
 *
 * Every received message is checked: its length, its producer and sequence
 * number (so nothing is lost, duplicated or reordered), and with -c every
 * byte; the producers' counts must match what arrived. -c (check) runs
 * tiny counts once and prints TAP: "make check" runs it so that this
 * program cannot rot. It asserts nothing about time.
 *
 * Usage: mbox-bench [-c] [-L] [-s SCALE] [-r REPS] [-q CAP] [-o FILE.csv] [-t LIST]
 *   -c  check mode (TAP, tiny counts instead of times, every byte checked)
 *   -L  raise the POSIX mqueue limits (/proc/sys/fs/mqueue) and
 *       RLIMIT_MSGQUEUE first (root, in a VM)
 *   -s  multiply every run's duration by SCALE (default 1)
 *   -r  repetitions (default 3)
 *   -q  capacity of mailboxes and POSIX queues, in messages (default 64;
 *       a pipe holds 64 KiB, 1024 messages of 64 B)
 *   -o  also write every figure to FILE.csv
 *   -t  only these transports (names as in the tables); scale and memory
 *       run only with mbox-ioctl
 */
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libmbox.h>

#define MAX_PROD	8
#define BATCH		64		/* messages per batch call */
#define RING_SIZE	(256 * 1024)	/* mbox ring data bytes: fits 64 KiB */
#define QUEUE_CAP	64		/* mailbox and mq capacity, shm slots */

/* -q: the capacity of mailboxes and POSIX queues, in messages. */
static long queue_cap = QUEUE_CAP;

static bool check_mode;
static double scale = 1;
static int reps = 3;
static int ncpus;
static FILE *csv;
static int failures, tap_n;
static const char *only;	/* -t: comma-separated transports */

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "mbox-bench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static long count(long base)
{
	long n;

	if (check_mode)
		return base / 100 > 20 ? base / 100 : 20;
	n = (long)(base * scale);
	return n > 10 ? n : 10;
}

/* ------------------------------------------------------------------------
 * Message contents: a producer id and a sequence number, then a pattern.
 */

static void fill(unsigned char *buf, size_t len, uint32_t prod, uint32_t seq,
		 bool all)
{
	size_t i;

	if (len < 8) {
		for (i = 0; i < len; i++)
			buf[i] = (unsigned char)(seq + prod + i);
		return;
	}
	memcpy(buf, &prod, 4);
	memcpy(buf + 4, &seq, 4);
	if (all)
		for (i = 8; i < len; i++)
			buf[i] = (unsigned char)(seq * 7 + i);
	else
		buf[len - 1] = (unsigned char)(seq * 7 + len - 1);
}

/* The producer of a message, or -1 if its contents are wrong. */
static int verify(const unsigned char *buf, size_t got, size_t len,
		  int nprod, const uint32_t *next)
{
	uint32_t prod, seq;
	size_t i;

	if (got != len)
		return -1;
	if (len < 8) {
		for (i = 0; i < len; i++)
			if (buf[i] != (unsigned char)(next[0] + i))
				return -1;
		return 0;
	}
	memcpy(&prod, buf, 4);
	memcpy(&seq, buf + 4, 4);
	if ((int)prod >= nprod || seq != next[prod])
		return -1;
	if (buf[len - 1] != (unsigned char)(seq * 7 + len - 1))
		return -1;
	if (check_mode)
		for (i = 8; i < len; i++)
			if (buf[i] != (unsigned char)(seq * 7 + i))
				return -1;
	return (int)prod;
}

/* ------------------------------------------------------------------------
 * Shared memory between the processes of one run.
 */

struct shared {
	/* What the producer side counted (rings and the eventfd ring). */
	uint64_t prod_wakes, prod_waits, prod_records;
	uint64_t cons_wakes, cons_waits;
	/* Stopping: the consumer sets stop, each producer says how many it
	 * sent before its sentinel; the client of a round trip names its last
	 * request. */
	_Atomic int stop;
	uint64_t sent[MAX_PROD];
	_Atomic uint64_t last_rt;
	/* Each producer's context switches while it ran (getrusage()):
	 * voluntary ones are sleeps in a blocking send, involuntary ones
	 * preemptions. */
	uint64_t prod_vcsw[MAX_PROD], prod_ivcsw[MAX_PROD];
	double prod_cpu[MAX_PROD];	/* CPU seconds, user and system */
};

static struct shared *shm;

static void *map_shared(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap %zu: %s", size, strerror(errno));
	return p;
}

/* ------------------------------------------------------------------------
 * Transports: one-way channels.
 */

enum side { SEND, RECV };

/* A ring of fixed slots in shared memory, for the eventfd and spin floors. */
struct shmring {
	_Alignas(64) _Atomic uint32_t head;
	_Atomic uint32_t cons_wait;
	_Alignas(64) _Atomic uint32_t tail;
	_Atomic uint32_t prod_wait;
	_Alignas(64) unsigned char data[];
};

struct chan {
	const struct transport *t;
	size_t len;
	int fd[2];
	mqd_t mq;
	char name[64];
	struct mbox *mb;
	struct mbox_ring *ring, *observer;
	struct shmring *sr;
	size_t slot, srsize;
	int efd_data, efd_space;
	/* counters of this end */
	uint64_t wakes, waits, recv_calls;
	/* batch state */
	struct mbox_msg vec[BATCH];
	size_t lens[BATCH];
};

struct transport {
	const char *name;
	unsigned int kinds;
	int (*create)(struct chan *c);
	int (*open)(struct chan *c, enum side s);
	int (*send)(struct chan *c, const void *buf, size_t len);
	ssize_t (*recv)(struct chan *c, void *buf, size_t len);
	/* Optional: up to n messages at once; returns how many moved. */
	int (*sendv)(struct chan *c, unsigned char *bufs, size_t len, int n);
	int (*recvv)(struct chan *c, unsigned char *bufs, size_t len,
		     size_t *lens, int n);
	void (*close)(struct chan *c, enum side s);
	void (*destroy)(struct chan *c);
};

#define K_RT		(1U << 0)	/* round trips */
#define K_STREAM	(1U << 1)
#define K_FANIN		(1U << 2)	/* several producers allowed */
#define K_SPIN		(1U << 3)	/* busy-waits: not on one CPU */
#define K_RING		(1U << 4)	/* report wake-ups and waits */

static int uniq;

static int read_full(int fd, void *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = read(fd, (char *)buf + done, len - done);
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		done += n;
	}
	return 0;
}

static int write_full(int fd, const void *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = write(fd, (const char *)buf + done, len - done);
		if (n < 0)
			return -errno;
		done += n;
	}
	return 0;
}

/* pipe: fixed-size messages, so the byte stream needs no framing. */
static int pipe_create(struct chan *c)
{
	return pipe(c->fd) ? -errno : 0;
}

static int fd_open(struct chan *c, enum side s)
{
	/* Keep both ends: the other process may still need its own. */
	(void)c;
	(void)s;
	return 0;
}

static int pipe_send(struct chan *c, const void *buf, size_t len)
{
	return write_full(c->fd[1], buf, len);
}

static ssize_t pipe_recv(struct chan *c, void *buf, size_t len)
{
	int ret = read_full(c->fd[0], buf, len);

	return ret ? ret : (ssize_t)len;
}

static void fd_close(struct chan *c, enum side s)
{
	(void)c;
	(void)s;
}

static void fd_destroy(struct chan *c)
{
	close(c->fd[0]);
	close(c->fd[1]);
}

/* POSIX message queue */
static long mq_cap = QUEUE_CAP;		/* queue_cap, or msg_max if lower */

static int mq_create(struct chan *c)
{
	struct mq_attr attr = { .mq_maxmsg = mq_cap, .mq_msgsize = c->len };

	snprintf(c->name, sizeof(c->name), "/mbox-bench-%d-%d", getpid(), uniq++);
	c->mq = mq_open(c->name, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
	return c->mq == (mqd_t)-1 ? -errno : 0;
}

static int mq_send1(struct chan *c, const void *buf, size_t len)
{
	return mq_send(c->mq, buf, len, 0) ? -errno : 0;
}

static ssize_t mq_recv1(struct chan *c, void *buf, size_t len)
{
	ssize_t n = mq_receive(c->mq, buf, len, NULL);

	return n < 0 ? -errno : n;
}

static void mq_destroy(struct chan *c)
{
	mq_close(c->mq);
	mq_unlink(c->name);
}

/* AF_UNIX SOCK_SEQPACKET: fd[0] sends, fd[1] receives. */
static int seq_create(struct chan *c)
{
	int sz = 4 * 65536 + 4096;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, c->fd))
		return -errno;
	setsockopt(c->fd[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	setsockopt(c->fd[1], SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	return 0;
}

static int seq_send(struct chan *c, const void *buf, size_t len)
{
	return send(c->fd[0], buf, len, 0) == (ssize_t)len ? 0 : -errno;
}

static ssize_t seq_recv(struct chan *c, void *buf, size_t len)
{
	ssize_t n = recv(c->fd[1], buf, len, 0);

	return n < 0 ? -errno : n;
}

/* mbox mailbox: one bound descriptor, shared by the processes. */
static int mbox_create(struct chan *c)
{
	struct mbox_attr attr = { .capacity = queue_cap, .msg_size = c->len };

	snprintf(c->name, sizeof(c->name), "bench-%d-%d", getpid(), uniq++);
	return mbox_open(&c->mb, c->name, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
}

static int mbox_send1(struct chan *c, const void *buf, size_t len)
{
	return mbox_send(c->mb, buf, len, 0);
}

static ssize_t mbox_recv1(struct chan *c, void *buf, size_t len)
{
	return mbox_recv(c->mb, buf, len, 0);
}

static int mbox_write1(struct chan *c, const void *buf, size_t len)
{
	return write(mbox_fd(c->mb), buf, len) == (ssize_t)len ? 0 : -errno;
}

static ssize_t mbox_read1(struct chan *c, void *buf, size_t len)
{
	ssize_t n = read(mbox_fd(c->mb), buf, len);

	return n < 0 ? -errno : n;
}

static int mbox_sendv(struct chan *c, unsigned char *bufs, size_t len, int n)
{
	int i, err;

	for (i = 0; i < n; i++)
		c->vec[i] = (struct mbox_msg){ .buf = bufs + i * len, .len = len };
	return mbox_send_batch(c->mb, c->vec, n, NULL, &err);
}

static int mbox_recvv(struct chan *c, unsigned char *bufs, size_t len,
		      size_t *lens, int n)
{
	int i, ret, err;

	for (i = 0; i < n; i++)
		c->vec[i] = (struct mbox_msg){ .buf = bufs + i * len, .len = len };
	ret = mbox_recv_batch(c->mb, c->vec, n, NULL, &err);
	for (i = 0; i < ret; i++)
		lens[i] = c->vec[i].len;
	return ret;
}

static void mbox_destroy(struct chan *c)
{
	mbox_close(c->mb);
	mbox_unlink(c->name);
}

/*
 * mbox ring through libmbox. The parent creates it with an observer handle
 * (kept for MBOX_IOC_RING_STAT); each process binds its role after fork.
 */
static int ring_create(struct chan *c)
{
	snprintf(c->name, sizeof(c->name), "bench-%d-%d", getpid(), uniq++);
	return mbox_ring_open(&c->observer, c->name, MBOX_RING_OBSERVER,
			      O_CREAT | O_EXCL, 0600, RING_SIZE, 0);
}

static int ring_open(struct chan *c, enum side s)
{
	return mbox_ring_open(&c->ring, c->name,
			      s == SEND ? MBOX_RING_PRODUCER : MBOX_RING_CONSUMER,
			      0, 0, 0, 0);
}

/* A ring whose waits sleep at once: no spin first (mbox_ring_set_spin()). */
static int ring_open_sleep(struct chan *c, enum side s)
{
	int ret = ring_open(c, s);

	if (!ret)
		ret = mbox_ring_set_spin(c->ring, 0);
	return ret;
}

static int ring_send(struct chan *c, const void *buf, size_t len)
{
	return mbox_ring_push(c->ring, buf, len, 0, 0);
}

/* A producer that calls MBOX_IOC_RING_WAKE after every record. */
static int ring_send_wake(struct chan *c, const void *buf, size_t len)
{
	int ret = mbox_ring_push(c->ring, buf, len, 0, 0);

	if (ret)
		return ret;
	c->wakes++;
	return ioctl(mbox_ring_fd(c->ring), MBOX_IOC_RING_WAKE, 0) ? -errno : 0;
}

static int ring_sendv(struct chan *c, unsigned char *bufs, size_t len, int n)
{
	struct iovec iov[BATCH];
	int i;

	for (i = 0; i < n; i++)
		iov[i] = (struct iovec){ bufs + i * len, len };
	return mbox_ring_push_batch(c->ring, iov, n, 0, 0);
}

static ssize_t ring_recv(struct chan *c, void *buf, size_t len)
{
	return mbox_ring_pop(c->ring, buf, len, 0, 0);
}

/* A consumer that never blocks: it polls the ring. */
static ssize_t ring_recv_poll(struct chan *c, void *buf, size_t len)
{
	ssize_t n;

	while ((n = mbox_ring_pop(c->ring, buf, len, MBOX_RING_IO_NONBLOCK, 0)) == -EAGAIN)
		;
	return n;
}

static int ring_recvv(struct chan *c, unsigned char *bufs, size_t len,
		      size_t *lens, int n)
{
	return mbox_ring_pop_batch(c->ring, bufs, len * n, lens, n, 0, 0);
}

static void ring_close(struct chan *c, enum side s)
{
	struct mbox_ring_counters k;

	mbox_ring_counters(c->ring, &k);
	if (s == SEND) {
		shm->prod_wakes = k.wakeups + c->wakes;
		shm->prod_waits = k.waits;
		shm->prod_records = k.records;
	} else {
		shm->cons_wakes = k.wakeups;
		shm->cons_waits = k.waits;
	}
	mbox_ring_close(c->ring);
}

static void ring_destroy(struct chan *c)
{
	mbox_ring_close(c->observer);
	mbox_ring_unlink(c->name);
}

/*
 * The floors: a single-producer ring of fixed slots in shared memory.
 * eventfd-shm sleeps on eventfds with the same protocol as mbox rings
 * (set my wait word, full fence, check again; the peer publishes, full
 * fence, and signals only if the word is set); spin-shm busy-waits.
 */
static int sr_create(struct chan *c)
{
	c->slot = (c->len + sizeof(uint32_t) + 63) & ~(size_t)63;
	c->srsize = sizeof(struct shmring) + c->slot * QUEUE_CAP;
	c->sr = map_shared(c->srsize);
	c->efd_data = eventfd(0, 0);
	c->efd_space = eventfd(0, 0);
	return c->efd_data < 0 || c->efd_space < 0 ? -errno : 0;
}

static void sr_wait(struct chan *c, _Atomic uint32_t *word, int efd,
		    bool (*ready)(struct shmring *))
{
	uint64_t v;
	unsigned int spins = 0;

	while (!ready(c->sr)) {
		if (efd < 0) {
			if (++spins > 2000)
				sched_yield();
			continue;
		}
		atomic_store_explicit(word, 1, memory_order_relaxed);
		atomic_thread_fence(memory_order_seq_cst);
		if (ready(c->sr)) {
			atomic_store_explicit(word, 0, memory_order_relaxed);
			break;
		}
		c->waits++;
		if (read(efd, &v, sizeof(v)) < 0)
			die("eventfd read: %s", strerror(errno));
		atomic_store_explicit(word, 0, memory_order_relaxed);
	}
}

static void sr_signal(struct chan *c, _Atomic uint32_t *word, int efd)
{
	uint64_t one = 1;

	if (efd < 0)
		return;
	atomic_thread_fence(memory_order_seq_cst);
	if (!atomic_load_explicit(word, memory_order_relaxed))
		return;
	c->wakes++;
	if (write(efd, &one, sizeof(one)) < 0)
		die("eventfd write: %s", strerror(errno));
}

static bool sr_has_space(struct shmring *r)
{
	return atomic_load_explicit(&r->head, memory_order_relaxed) -
	       atomic_load_explicit(&r->tail, memory_order_acquire) < QUEUE_CAP;
}

static bool sr_has_data(struct shmring *r)
{
	return atomic_load_explicit(&r->head, memory_order_acquire) !=
	       atomic_load_explicit(&r->tail, memory_order_relaxed);
}

static int sr_send_common(struct chan *c, const void *buf, size_t len, bool ev)
{
	struct shmring *r = c->sr;
	uint32_t h;
	unsigned char *slot;

	sr_wait(c, &r->prod_wait, ev ? c->efd_space : -1, sr_has_space);
	h = atomic_load_explicit(&r->head, memory_order_relaxed);
	slot = r->data + (h % QUEUE_CAP) * c->slot;
	memcpy(slot, &(uint32_t){ len }, sizeof(uint32_t));
	memcpy(slot + sizeof(uint32_t), buf, len);
	atomic_store_explicit(&r->head, h + 1, memory_order_release);
	sr_signal(c, &r->cons_wait, ev ? c->efd_data : -1);
	return 0;
}

static ssize_t sr_recv_common(struct chan *c, void *buf, size_t len, bool ev)
{
	struct shmring *r = c->sr;
	uint32_t t, n;
	unsigned char *slot;

	sr_wait(c, &r->cons_wait, ev ? c->efd_data : -1, sr_has_data);
	t = atomic_load_explicit(&r->tail, memory_order_relaxed);
	slot = r->data + (t % QUEUE_CAP) * c->slot;
	memcpy(&n, slot, sizeof(n));
	if (n > len)
		return -EMSGSIZE;
	memcpy(buf, slot + sizeof(uint32_t), n);
	atomic_store_explicit(&r->tail, t + 1, memory_order_release);
	sr_signal(c, &r->prod_wait, ev ? c->efd_space : -1);
	return n;
}

static int ev_send(struct chan *c, const void *b, size_t l) { return sr_send_common(c, b, l, true); }
static ssize_t ev_recv(struct chan *c, void *b, size_t l) { return sr_recv_common(c, b, l, true); }
static int spin_send(struct chan *c, const void *b, size_t l) { return sr_send_common(c, b, l, false); }
static ssize_t spin_recv(struct chan *c, void *b, size_t l) { return sr_recv_common(c, b, l, false); }

static void sr_close(struct chan *c, enum side s)
{
	if (s == SEND) {
		shm->prod_wakes = c->wakes;
		shm->prod_waits = c->waits;
	} else {
		shm->cons_wakes = c->wakes;
		shm->cons_waits = c->waits;
	}
}

static void sr_destroy(struct chan *c)
{
	munmap(c->sr, c->srsize);
	close(c->efd_data);
	close(c->efd_space);
}

static const struct transport transports[] = {
	{ "pipe", K_RT | K_STREAM | K_FANIN,
	  pipe_create, fd_open, pipe_send, pipe_recv, NULL, NULL, fd_close, fd_destroy },
	{ "posix-mq", K_RT | K_STREAM | K_FANIN,
	  mq_create, fd_open, mq_send1, mq_recv1, NULL, NULL, fd_close, mq_destroy },
	{ "unix-seqpacket", K_RT | K_STREAM | K_FANIN,
	  seq_create, fd_open, seq_send, seq_recv, NULL, NULL, fd_close, fd_destroy },
	{ "mbox-ioctl", K_RT | K_STREAM | K_FANIN,
	  mbox_create, fd_open, mbox_send1, mbox_recv1, NULL, NULL, fd_close, mbox_destroy },
	{ "mbox-rw", K_RT | K_STREAM | K_FANIN,
	  mbox_create, fd_open, mbox_write1, mbox_read1, NULL, NULL, fd_close, mbox_destroy },
	{ "mbox-batch64", K_STREAM | K_FANIN,
	  mbox_create, fd_open, mbox_send1, mbox_recv1, mbox_sendv, mbox_recvv, fd_close, mbox_destroy },
	{ "ring", K_RT | K_STREAM | K_RING,
	  ring_create, ring_open, ring_send, ring_recv, NULL, NULL, ring_close, ring_destroy },
	{ "ring-sleep", K_RT | K_STREAM | K_RING,
	  ring_create, ring_open_sleep, ring_send, ring_recv, NULL, NULL, ring_close, ring_destroy },
	{ "ring-poll", K_RT | K_STREAM | K_RING | K_SPIN,
	  ring_create, ring_open, ring_send, ring_recv_poll, NULL, NULL, ring_close, ring_destroy },
	{ "ring-wakeall", K_STREAM | K_RING,
	  ring_create, ring_open, ring_send_wake, ring_recv, NULL, NULL, ring_close, ring_destroy },
	{ "ring-popbatch", K_STREAM | K_RING,
	  ring_create, ring_open, ring_send, ring_recv, NULL, ring_recvv, ring_close, ring_destroy },
	{ "ring-batch", K_STREAM | K_RING,
	  ring_create, ring_open, ring_send, ring_recv, ring_sendv, ring_recvv, ring_close, ring_destroy },
	{ "eventfd-shm", K_RT | K_STREAM | K_RING,
	  sr_create, fd_open, ev_send, ev_recv, NULL, NULL, sr_close, sr_destroy },
	{ "spin-shm", K_RT | K_STREAM | K_SPIN,
	  sr_create, fd_open, spin_send, spin_recv, NULL, NULL, sr_close, sr_destroy },
};
#define NT (int)(sizeof(transports) / sizeof(transports[0]))

static int tindex(const char *name)
{
	int i;

	for (i = 0; i < NT; i++)
		if (!strcmp(transports[i].name, name))
			return i;
	die("no transport %s", name);
	return -1;
}

/* ------------------------------------------------------------------------
 * Processes
 */

enum placement { UNPINNED, PIN2, PIN1, NPLACE };
static const char *const place_name[] = { "unpinned", "2cpu", "1cpu" };

static void pin(int cpu)
{
	cpu_set_t set;
	int i;

	CPU_ZERO(&set);
	if (cpu < 0)
		for (i = 0; i < CPU_SETSIZE && i < 1024; i++)
			CPU_SET(i, &set);
	else
		CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

struct procs {
	int ready[2], go[2];
	pid_t pid[MAX_PROD];
	int n;
};

/* The children of the current run, for on_alarm(). */
static struct procs *cur_procs;

static void procs_init(struct procs *p)
{
	cur_procs = p;
	if (pipe(p->ready) || pipe(p->go))
		die("pipe: %s", strerror(errno));
	p->n = 0;
}

/* In a child: say ready, wait for the start. */
static void child_sync(struct procs *p)
{
	char b = 'r';

	if (write(p->ready[1], &b, 1) != 1 || read(p->go[0], &b, 1) != 1)
		_exit(3);
}

/* In the parent: wait until every child is ready. */
static void parent_wait_ready(struct procs *p)
{
	char b;
	int i;

	for (i = 0; i < p->n; i++)
		if (read(p->ready[0], &b, 1) != 1)
			die("a child died before it started");
}

static void parent_go(struct procs *p)
{
	char b[MAX_PROD] = { 0 };

	if (write(p->go[1], b, p->n) != p->n)
		die("go: %s", strerror(errno));
}

/* Reap the children; with @kill_them, kill them first. Returns 0 if all
 * exited with status 0 (or were killed when asked). */
static int procs_end(struct procs *p, bool kill_them)
{
	int i, st, bad = 0;

	for (i = 0; i < p->n; i++) {
		if (kill_them)
			kill(p->pid[i], SIGKILL);
		if (waitpid(p->pid[i], &st, 0) < 0)
			bad = 1;
		else if (kill_them ? !(WIFSIGNALED(st) || (WIFEXITED(st) && !WEXITSTATUS(st)))
				   : !(WIFEXITED(st) && !WEXITSTATUS(st)))
			bad = 1;
	}
	close(p->ready[0]);
	close(p->ready[1]);
	close(p->go[0]);
	close(p->go[1]);
	cur_procs = NULL;
	return bad;
}

static const char *current_case = "";

static void on_alarm(int sig)
{
	int i;

	(void)sig;
	dprintf(2, "mbox-bench: %s: no progress in %d s\n", current_case,
		check_mode ? 30 : 120);
	for (i = 0; cur_procs && i < cur_procs->n; i++)
		kill(cur_procs->pid[i], SIGKILL);
	_exit(1);
}

/* ------------------------------------------------------------------------
 * Workloads. Each returns 0, or -1 when a message was wrong or lost.
 */

struct result {
	double secs;
	uint64_t msgs, recv_calls;
	double *lat;			/* round trips: per-trip seconds */
	uint64_t per_prod[MAX_PROD];
	struct shared ctr;
	uint64_t k_sleeps, k_wakeups;	/* MBOX_IOC_RING_STAT */
	uint64_t cons_vcsw, cons_ivcsw;	/* the consumer's, in the timed window */
};

/*
 * This process's voluntary and involuntary context switches so far, and
 * (with @cpu) its CPU time in seconds.
 */
static void csw(uint64_t *vol, uint64_t *invol, double *cpu)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	*vol = ru.ru_nvcsw;
	*invol = ru.ru_nivcsw;
	if (cpu)
		*cpu = ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
		       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

static unsigned char *bufs_alloc(size_t len, int n)
{
	unsigned char *b = aligned_alloc(64, ((len * n) + 63) & ~(size_t)63);

	if (!b)
		die("out of memory");
	memset(b, 0xa5, len * n);
	return b;
}

/*
 * How long runs last, in seconds (times -s): streaming and fan-in runs are
 * timed for STREAM_SECS after a warm-up of WARM_SECS; round trips for
 * RT_SECS (at most the case's count) after the same warm-up. A fixed time
 * gives every transport the same exposure to a noisy host, where a fixed
 * count would give fast transports a few milliseconds only.
 */
#define STREAM_SECS	0.3
#define RT_SECS		0.2
#define WARM_SECS	0.03

/* The message a producer sends last, once told to stop. */
#define SENTINEL	0xffffffffU

static bool is_sentinel(const unsigned char *buf, size_t len)
{
	uint32_t prod;

	if (len < 8)
		return false;
	memcpy(&prod, buf, 4);
	return prod == SENTINEL;
}

/*
 * Producer @id: send until the consumer sets shm->stop, then a sentinel;
 * publish how many messages went before it.
 */
static int produce(struct chan *c, int id)
{
	const struct transport *t = c->t;
	int per = t->sendv ? BATCH : 1, k, i;
	unsigned char *b = bufs_alloc(c->len, per);
	uint64_t v0, i0, v1, i1;
	double cpu0, cpu1;
	uint32_t seq = 0;

	csw(&v0, &i0, &cpu0);
	while (!atomic_load_explicit(&shm->stop, memory_order_relaxed)) {
		for (i = 0; i < per; i++)
			fill(b + i * c->len, c->len, id, seq + i, check_mode);
		if (t->sendv) {
			for (i = 0; i < per; i += k) {
				k = t->sendv(c, b + i * c->len, c->len, per - i);
				if (k <= 0)
					return -1;
			}
		} else if (t->send(c, b, c->len)) {
			return -1;
		}
		seq += per;
	}
	csw(&v1, &i1, &cpu1);
	shm->sent[id] = seq;
	shm->prod_cpu[id] = cpu1 - cpu0;
	shm->prod_vcsw[id] = v1 - v0;
	shm->prod_ivcsw[id] = i1 - i0;
	fill(b, c->len, SENTINEL, 0, false);
	if (t->send(c, b, c->len))
		return -1;
	free(b);
	return 0;
}

/*
 * Consumer of @nprod producers: a warm-up, then a timed window (in check
 * mode: the first @n messages), then it tells the producers to stop and
 * drains until every sentinel came. Every message is verified, and in the
 * end the total must equal what the producers say they sent.
 */
static int consume(struct chan *c, int nprod, long n, struct result *res)
{
	const struct transport *t = c->t;
	int per = t->recvv ? BATCH : 1, k, i, p, phase = check_mode ? 1 : 0;
	int sentinels = 0;
	size_t lens[BATCH];
	unsigned char *b = bufs_alloc(c->len, per), *m;
	uint32_t next[MAX_PROD] = { 0 };
	uint64_t total = 0, counted = 0, sent = 0;
	double tn, t0 = now(), t1 = 0, warm_end = t0 + WARM_SECS * scale;
	double end = 0;
	uint64_t v0 = 0, i0 = 0, v1, i1;
	ssize_t r;

	while (sentinels < nprod) {
		if (t->recvv) {
			k = t->recvv(c, b, c->len, lens, per);
			if (k <= 0) {
				fprintf(stderr, "recv: %s\n", strerror(-k));
				return -1;
			}
		} else {
			r = t->recv(c, b, c->len);
			if (r < 0) {
				fprintf(stderr, "recv: %s\n", strerror(-r));
				return -1;
			}
			lens[0] = r;
			k = 1;
		}
		if (phase == 1)
			res->recv_calls++;
		m = b;
		for (i = 0; i < k; i++) {
			if (lens[i] == c->len && is_sentinel(m, c->len)) {
				sentinels++;
			} else {
				p = verify(m, lens[i], c->len, nprod, next);
				if (p < 0) {
					fprintf(stderr, "%s: message %llu is wrong\n",
						t->name, (unsigned long long)total);
					return -1;
				}
				next[p]++;
				total++;
				if (phase == 1) {
					res->per_prod[p]++;
					counted++;
				}
			}
			/* pop_batch packs the payloads one after the other */
			m += t->recvv == ring_recvv ? lens[i] : c->len;
		}
		if (phase == 2)
			continue;
		tn = now();
		if (phase == 0 && tn >= warm_end) {
			phase = 1;
			t0 = tn;
			end = tn + STREAM_SECS * scale;
			csw(&v0, &i0, NULL);
		} else if (phase == 1 && (check_mode ? counted >= (uint64_t)n : tn >= end)) {
			phase = 2;
			t1 = tn;
			csw(&v1, &i1, NULL);
			res->cons_vcsw = v1 - v0;
			res->cons_ivcsw = i1 - i0;
			atomic_store_explicit(&shm->stop, 1, memory_order_relaxed);
		}
	}
	for (i = 0; i < nprod; i++)
		sent += shm->sent[i];
	free(b);
	if (sent != total) {
		fprintf(stderr, "%s: %llu messages sent, %llu received\n", t->name,
			(unsigned long long)sent, (unsigned long long)total);
		return -1;
	}
	res->msgs = counted;
	res->secs = t1 - t0;
	return 0;
}

/* Returns 0, or 1 when this transport cannot carry @len-byte messages here
 * (e.g. the POSIX mqueue limits were not raised). */
static int chan_setup(struct chan *c, const struct transport *t, size_t len)
{
	int ret;

	memset(c, 0, sizeof(*c));
	c->t = t;
	c->len = len;
	ret = t->create(c);
	if (ret)
		fprintf(stderr, "# %s: cannot create a channel for %zu B: %s\n",
			t->name, len, strerror(-ret));
	return ret ? 1 : 0;
}

static void ring_kstat(struct chan *c, struct result *res)
{
	struct mbox_ring_stat st;

	if (c->observer && !mbox_ring_stat(c->observer, &st)) {
		res->k_sleeps = st.sleeps;
		res->k_wakeups = st.wakeups;
	}
}

/* Streaming (nprod == 1) and fan-in (nprod > 1). */
static int run_stream(const struct transport *t, size_t len, int nprod,
		      long n, struct result *res)
{
	struct chan c;
	struct procs p;
	int i, ret, bad;

	memset(res, 0, sizeof(*res));
	memset(shm, 0, sizeof(*shm));
	if (chan_setup(&c, t, len))
		return 1;
	procs_init(&p);
	for (i = 0; i < nprod; i++) {
		pid_t pid = fork();

		if (pid < 0)
			die("fork: %s", strerror(errno));
		if (!pid) {
			if (t->open(&c, SEND))
				_exit(2);
			child_sync(&p);
			ret = produce(&c, i);
			t->close(&c, SEND);
			_exit(ret ? 1 : 0);
		}
		p.pid[p.n++] = pid;
	}
	ret = t->open(&c, RECV);
	if (ret)
		die("%s: open: %s", t->name, strerror(-ret));
	parent_wait_ready(&p);
	parent_go(&p);
	ret = consume(&c, nprod, n, res);
	bad = procs_end(&p, ret != 0);
	t->close(&c, RECV);
	res->ctr = *shm;
	ring_kstat(&c, res);
	t->destroy(&c);
	return ret || bad ? -1 : 0;
}

/*
 * Round trips: the client sends, the server echoes. The client announces
 * the number of its last request in shm->last_rt before sending it; the
 * server leaves after echoing that one.
 */
static int run_rt(const struct transport *t, size_t len, enum placement pl,
		  long n, struct result *res)
{
	struct chan req, rep;
	struct procs p;
	unsigned char *b = bufs_alloc(len, 1), *back = bufs_alloc(len, 1);
	long i, timed = 0;
	int ret = 0, bad, phase = check_mode ? 1 : 0;
	uint32_t next = 0;
	double t0, t1, warm_end, end = 0;
	bool last = false;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	memset(shm, 0, sizeof(*shm));
	shm->last_rt = UINT64_MAX;
	res->lat = calloc(n, sizeof(double));
	if (chan_setup(&req, t, len)) {
		free(b);
		free(back);
		return 1;
	}
	if (chan_setup(&rep, t, len)) {
		t->destroy(&req);
		free(b);
		free(back);
		return 1;
	}
	procs_init(&p);
	if (pl != UNPINNED)
		pin(0);
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (!pid) {
		if (pl == PIN2)
			pin(1);
		if (t->open(&req, RECV) || t->open(&rep, SEND))
			_exit(2);
		child_sync(&p);
		for (i = 0;; i++) {
			ssize_t r = t->recv(&req, b, len);

			if (r != (ssize_t)len || t->send(&rep, b, len))
				_exit(1);
			if (atomic_load_explicit(&shm->last_rt, memory_order_acquire) ==
			    (uint64_t)i)
				break;
		}
		t->close(&req, RECV);
		t->close(&rep, SEND);
		_exit(0);
	}
	p.pid[p.n++] = pid;
	if (t->open(&req, SEND) || t->open(&rep, RECV))
		die("%s: open", t->name);
	parent_wait_ready(&p);
	parent_go(&p);
	warm_end = now() + WARM_SECS * scale;
	for (i = 0; !last; i++) {
		ssize_t r;

		if (phase == 1 && (timed == n - 1 || (!check_mode && now() >= end))) {
			last = true;
			atomic_store_explicit(&shm->last_rt, i, memory_order_release);
		}
		fill(b, len, 0, next, check_mode);
		t0 = now();
		if (t->send(&req, b, len)) {
			ret = -1;
			break;
		}
		r = t->recv(&rep, back, len);
		t1 = now();
		if (r < 0 || verify(back, r, len, 1, &next) != 0) {
			fprintf(stderr, "%s: round trip %ld is wrong\n", t->name, i);
			ret = -1;
			break;
		}
		next++;
		if (phase == 1) {
			res->lat[timed++] = t1 - t0;
		} else if (t1 >= warm_end) {
			phase = 1;
			end = t1 + RT_SECS * scale;
		}
	}
	bad = procs_end(&p, ret != 0);
	/* The server has exited: what is left in shm is the client's, i.e.
	 * the wake calls of the producer whose consumer is the server. */
	t->close(&req, SEND);
	t->close(&rep, RECV);
	res->ctr = *shm;
	t->destroy(&req);
	t->destroy(&rep);
	if (pl != UNPINNED)
		pin(-1);
	res->msgs = ret ? 0 : timed;
	res->recv_calls = i;	/* requests sent in all */
	for (i = 0; i < timed; i++)
		res->secs += res->lat[i];
	free(b);
	free(back);
	return ret || bad ? -1 : 0;
}

/* ------------------------------------------------------------------------
 * Cases, repetitions and statistics
 */

enum kind { RT, STREAM, FANIN };

struct bcase {
	enum kind kind;
	int t;
	size_t len;
	enum placement pl;
	int nprod;
	long n;
	/* per repetition */
	double val[64];		/* rate (msg/s) or mean round trip (s) */
	double fair[64], per_call[64];
	double sys_rec[64], wake_rec[64], ksleep_rec[64], kwake_rec[64];
	/* fan-in: context switches per message (producers: over their run) */
	double pvcsw[64], pivcsw[64], cvcsw[64];
	/* fan-in over the producers' whole run: min/max of messages sent,
	 * and of CPU time */
	double runfair[64], cpufair[64];
	double *lat;		/* all round trips, all repetitions */
	long nlat;
	int nrep;
	bool failed;
};

static struct bcase *cases;
static int ncases;

static void add_case(enum kind k, int t, size_t len, enum placement pl,
		     int nprod, long n)
{
	struct bcase *c;

	cases = realloc(cases, (ncases + 1) * sizeof(*cases));
	c = &cases[ncases++];
	memset(c, 0, sizeof(*c));
	c->kind = k;
	c->t = t;
	c->len = len;
	c->pl = pl;
	c->nprod = nprod;
	c->n = n;
}

static const size_t rt_sizes[] = { 1, 64, 4096 };
static const size_t st_sizes[] = { 64, 4096, 65536 };
static const int fanins[] = { 1, 2, 4, 8 };

static bool selected(int i)
{
	const char *p = only;
	size_t n = strlen(transports[i].name);

	while (p && *p) {
		if (!strncmp(p, transports[i].name, n) && (p[n] == ',' || !p[n]))
			return true;
		p = strchr(p, ',');
		p = p ? p + 1 : NULL;
	}
	return !only;
}

static void build_cases(void)
{
	int i, s, pl, f;

	for (s = 0; s < 3; s++)
		for (pl = 0; pl < NPLACE; pl++)
			for (i = 0; i < NT; i++) {
				const struct transport *t = &transports[i];

				if (!(t->kinds & K_RT) || !selected(i))
					continue;
				if (pl == PIN2 && ncpus < 2)
					continue;
				if ((t->kinds & K_SPIN) && (pl == PIN1 || ncpus < 2))
					continue;
				add_case(RT, i, rt_sizes[s], pl, 1,
					 check_mode ? 20 : count(20000));
			}
	for (s = 0; s < 3; s++)
		for (i = 0; i < NT; i++) {
			const struct transport *t = &transports[i];

			if (!selected(i) || ((t->kinds & K_SPIN) && ncpus < 2))
				continue;
			add_case(STREAM, i, st_sizes[s], UNPINNED, 1,
				 count(st_sizes[s] == 64 ? 5000 :
				       st_sizes[s] == 4096 ? 1000 : 60));
		}
	for (f = 0; f < 4; f++)
		for (i = 0; i < NT; i++)
			if ((transports[i].kinds & K_FANIN) && selected(i))
				add_case(FANIN, i, 64, UNPINNED, fanins[f],
					 count(4000));
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
	double tmp[64];

	if (n <= 0)
		return 0;
	memcpy(tmp, v, n * sizeof(double));
	qsort(tmp, n, sizeof(double), cmp_double);
	return n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
}

static double pct(double *v, long n, double q)
{
	long i;

	if (n <= 0)
		return 0;
	qsort(v, n, sizeof(double), cmp_double);
	i = (long)(q * (n - 1) + 0.5);
	return v[i];
}

static const char *case_name(const struct bcase *c, char *buf, size_t sz)
{
	static const char *const kn[] = { "roundtrip", "stream", "fanin" };

	snprintf(buf, sz, "%s %s %zuB %s %dp", kn[c->kind],
		 transports[c->t].name, c->len, place_name[c->pl], c->nprod);
	return buf;
}

static void tap(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d ", ok ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		failures++;
}

/* The smallest of @v[0..n) divided by the largest; 0 if all are 0. */
static double minmax_dbl(const double *v, int n)
{
	double mn = v[0], mx = v[0];
	int i;

	for (i = 1; i < n; i++) {
		mn = v[i] < mn ? v[i] : mn;
		mx = v[i] > mx ? v[i] : mx;
	}
	return mx > 0 ? mn / mx : 0;
}

static double minmax_u64(const uint64_t *v, int n)
{
	double d[MAX_PROD];
	int i;

	for (i = 0; i < n; i++)
		d[i] = v[i];
	return minmax_dbl(d, n);
}

static void run_case(struct bcase *c, bool record, long n)
{
	const struct transport *t = &transports[c->t];
	struct result res;
	char name[128];
	int ret, r, i;
	double mn = 1e30, mx = 0;

	current_case = case_name(c, name, sizeof(name));
	alarm(check_mode ? 30 : 120);
	if (c->kind == RT)
		ret = run_rt(t, c->len, c->pl, n, &res);
	else
		ret = run_stream(t, c->len, c->kind == FANIN ? c->nprod : 1,
				 n, &res);
	alarm(0);
	if (ret == 1) {
		if (check_mode) {
			printf("ok %d %s # SKIP not available here\n", ++tap_n, name);
			fflush(stdout);
		}
		free(res.lat);
		return;
	}
	if (check_mode) {
		bool ok = !ret && (c->kind == RT ? res.msgs == (uint64_t)n
						 : res.msgs >= (uint64_t)n);

		if (ok && c->kind == FANIN) {
			uint64_t sum = 0;

			for (i = 0; i < c->nprod; i++)
				sum += res.per_prod[i];
			ok = sum == res.msgs;
		}
		tap(ok, "%s: %llu messages, each checked, none lost", name,
		    (unsigned long long)res.msgs);
	} else if (ret) {
		die("%s: failed", name);
	}
	if (ret)
		c->failed = true;
	if (!record || ret) {
		free(res.lat);
		return;
	}
	r = c->nrep++;
	if (c->kind == RT) {
		c->val[r] = res.secs / res.msgs;
		c->lat = realloc(c->lat, (c->nlat + res.msgs) * sizeof(double));
		memcpy(c->lat + c->nlat, res.lat, res.msgs * sizeof(double));
		c->nlat += res.msgs;
		c->wake_rec[r] = (double)res.ctr.prod_wakes / res.recv_calls;
	} else {
		c->val[r] = res.msgs / res.secs;
		c->per_call[r] = (double)res.msgs / res.recv_calls;
		for (i = 0; i < c->nprod; i++) {
			if (res.per_prod[i] < mn)
				mn = res.per_prod[i];
			if (res.per_prod[i] > mx)
				mx = res.per_prod[i];
		}
		c->fair[r] = mx > 0 ? mn / mx : 0;
		{
			uint64_t sent = 0, v = 0, iv = 0;

			for (i = 0; i < c->nprod; i++) {
				sent += res.ctr.sent[i];
				v += res.ctr.prod_vcsw[i];
				iv += res.ctr.prod_ivcsw[i];
			}
			c->pvcsw[r] = sent ? (double)v / sent : 0;
			c->pivcsw[r] = sent ? (double)iv / sent : 0;
			c->cvcsw[r] = (double)res.cons_vcsw / res.msgs;
			c->runfair[r] = minmax_u64(res.ctr.sent, c->nprod);
			c->cpufair[r] = minmax_dbl(res.ctr.prod_cpu, c->nprod);
		}
		c->wake_rec[r] = (double)res.ctr.prod_wakes / res.msgs;
		c->sys_rec[r] = (double)(res.ctr.prod_wakes + res.ctr.prod_waits +
					 res.ctr.cons_wakes + res.ctr.cons_waits) / res.msgs;
		c->ksleep_rec[r] = (double)res.k_sleeps / res.msgs;
		c->kwake_rec[r] = (double)res.k_wakeups / res.msgs;
	}
	free(res.lat);
}

/* ------------------------------------------------------------------------
 * Scale and memory (mbox against POSIX mq), floors
 */

static int mbox_make(const char *name, int oflag, const struct mbox_attr *a,
		     struct mbox **mb)
{
	return mbox_open(mb, name, O_RDWR | oflag, 0600, a);
}

static double scale_res[3][4];	/* [E index][create, open, sendrecv, total] */
static const int scale_e[] = { 1, 100, 10000 };

static void run_scale(void)
{
	int e, i, k, ret, iters = check_mode ? 5 : (int)(200 * (scale < 1 ? 1 : scale));
	double *v[4];
	char name[64];
	unsigned char msg[64] = { 1 }, in[64];
	int existing = 0;

	for (k = 0; k < 4; k++)
		v[k] = calloc(iters, sizeof(double));
	for (e = 0; e < 3; e++) {
		int target = check_mode ? scale_e[e] / 100 + 1 : scale_e[e];

		for (; existing < target; existing++) {
			struct mbox *mb;

			snprintf(name, sizeof(name), "scale-%d-%d", getpid(), existing);
			ret = mbox_make(name, O_CREAT | O_EXCL, NULL, &mb);
			if (ret)
				die("create %s: %s", name, strerror(-ret));
			mbox_close(mb);
		}
		for (i = 0; i < iters; i++) {
			struct mbox *a, *b;
			double t0, t1, t2, t3;

			snprintf(name, sizeof(name), "scale-new-%d-%d", getpid(), i);
			t0 = now();
			ret = mbox_make(name, O_CREAT | O_EXCL, NULL, &a);
			t1 = now();
			ret = ret ? ret : mbox_make(name, 0, NULL, &b);
			t2 = now();
			ret = ret ? ret : mbox_send(a, msg, sizeof(msg), 0);
			ret = ret ? ret : (mbox_recv(b, in, sizeof(in), 0) == sizeof(in) &&
					   !memcmp(in, msg, sizeof(msg)) ? 0 : -EBADMSG);
			t3 = now();
			if (ret)
				die("scale: %s", strerror(-ret));
			v[0][i] = t1 - t0;
			v[1][i] = t2 - t1;
			v[2][i] = t3 - t2;
			v[3][i] = t3 - t0;
			mbox_close(a);
			mbox_close(b);
			mbox_unlink(name);
		}
		for (k = 0; k < 4; k++)
			scale_res[e][k] = pct(v[k], iters, 0.5);
		if (check_mode)
			tap(true, "scale: create, open, send, receive with %d others", target);
	}
	for (i = 0; i < existing; i++) {
		snprintf(name, sizeof(name), "scale-%d-%d", getpid(), i);
		if (mbox_unlink(name))
			die("unlink %s", name);
	}
	for (k = 0; k < 4; k++)
		free(v[k]);
}

/* Slab + VmallocUsed from /proc/meminfo, in bytes. */
static long kmem(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	long v, sum = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Slab: %ld kB", &v) == 1 ||
		    sscanf(line, "VmallocUsed: %ld kB", &v) == 1)
			sum += v * 1024;
	fclose(f);
	return sum;
}

/* Let RCU-freed objects go before reading the counters. */
static long kmem_settled(void)
{
	usleep(check_mode ? 1000 : 300000);
	return kmem();
}

enum { MEM_MBOX_EMPTY, MEM_MBOX_64, MEM_MBOX_4K, MEM_MQ_EMPTY, MEM_MQ_64,
       MEM_MQ_4K, NMEM };
static const char *const mem_name[] = {
	"mbox empty mailbox", "mbox queued 64 B message", "mbox queued 4 KiB message",
	"posix-mq empty queue", "posix-mq queued 64 B message",
	"posix-mq queued 4 KiB message",
};
static double mem_res[NMEM];

static double mem_mbox_empty(int n)
{
	char name[64];
	long m0, m1;
	int i;

	m0 = kmem_settled();
	for (i = 0; i < n; i++) {
		struct mbox *mb;

		snprintf(name, sizeof(name), "mem-%d-%d", getpid(), i);
		if (mbox_make(name, O_CREAT | O_EXCL, NULL, &mb))
			die("create %s", name);
		mbox_close(mb);
	}
	m1 = kmem_settled();
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "mem-%d-%d", getpid(), i);
		mbox_unlink(name);
	}
	return (double)(m1 - m0) / n;
}

static double mem_mbox_msgs(int n, size_t len)
{
	struct mbox_attr a = { .msg_size = len, .flags = MBOX_OPEN_UNBOUNDED };
	unsigned char *buf = bufs_alloc(len, 1), *in = bufs_alloc(len, 1);
	struct mbox *mb;
	char name[64];
	long m0, m1;
	uint32_t next = 0;
	int i, ret;

	snprintf(name, sizeof(name), "mem-%d", getpid());
	ret = mbox_make(name, O_CREAT | O_EXCL, &a, &mb);
	if (ret)
		die("create %s: %s", name, strerror(-ret));
	m0 = kmem_settled();
	for (i = 0; i < n; i++) {
		fill(buf, len, 0, i, check_mode);
		ret = mbox_send(mb, buf, len, 0);
		if (ret)
			die("memory: send %d: %s", i, strerror(-ret));
	}
	m1 = kmem_settled();
	for (i = 0; i < n; i++, next++)
		if (mbox_recv(mb, in, len, 0) != (ssize_t)len ||
		    verify(in, len, len, 1, &next))
			die("memory: message %d is wrong", i);
	mbox_close(mb);
	mbox_unlink(name);
	free(buf);
	free(in);
	return (double)(m1 - m0) / n;
}

static double mem_mq_empty(int n)
{
	struct mq_attr attr = { .mq_maxmsg = 1, .mq_msgsize = 64 };
	char name[64];
	long m0, m1;
	int i;

	m0 = kmem_settled();
	for (i = 0; i < n; i++) {
		mqd_t q;

		snprintf(name, sizeof(name), "/mem-%d-%d", getpid(), i);
		q = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
		if (q == (mqd_t)-1)
			return -errno;
		mq_close(q);
	}
	m1 = kmem_settled();
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "/mem-%d-%d", getpid(), i);
		mq_unlink(name);
	}
	return (double)(m1 - m0) / n;
}

static double mem_mq_msgs(int n, size_t len)
{
	struct mq_attr attr = { .mq_maxmsg = n, .mq_msgsize = len };
	unsigned char *buf = bufs_alloc(len, 1), *in = bufs_alloc(len, 1);
	char name[64];
	long m0, m1;
	uint32_t next = 0;
	int i;
	mqd_t q;

	snprintf(name, sizeof(name), "/mem-%d", getpid());
	q = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
	if (q == (mqd_t)-1)
		return -errno;
	m0 = kmem_settled();
	for (i = 0; i < n; i++) {
		fill(buf, len, 0, i, check_mode);
		if (mq_send(q, (char *)buf, len, 0))
			die("memory: mq_send: %s", strerror(errno));
	}
	m1 = kmem_settled();
	for (i = 0; i < n; i++, next++)
		if (mq_receive(q, (char *)in, len, NULL) != (ssize_t)len ||
		    verify(in, len, len, 1, &next))
			die("memory: mq message %d is wrong", i);
	mq_close(q);
	mq_unlink(name);
	free(buf);
	free(in);
	return (double)(m1 - m0) / n;
}

static void run_memory(void)
{
	int n = check_mode ? 50 : 10000, n4k = check_mode ? 20 : 2000;
	long mqmax = n;

	if (kmem() < 0)
		return;
	mem_res[MEM_MBOX_EMPTY] = mem_mbox_empty(n);
	mem_res[MEM_MBOX_64] = mem_mbox_msgs(n, 64);
	mem_res[MEM_MBOX_4K] = mem_mbox_msgs(n4k, 4096);
	mem_res[MEM_MQ_EMPTY] = mem_mq_empty(n);
	{
		FILE *f = fopen("/proc/sys/fs/mqueue/msg_max", "r");

		if (f) {
			if (fscanf(f, "%ld", &mqmax) != 1)
				mqmax = 10;
			fclose(f);
		}
	}
	mem_res[MEM_MQ_64] = mem_mq_msgs(mqmax < n ? mqmax : n, 64);
	mem_res[MEM_MQ_4K] = mem_mq_msgs(mqmax < n4k ? mqmax : n4k, 4096);
	if (check_mode)
		tap(true, "memory: %d mailboxes and messages created, queued, checked", n);
}

static double floor_syscall, floor_memcpy[3];

static void run_floors(void)
{
	long n = count(200000), i, k;
	double t0;
	int s;

	t0 = now();
	for (i = 0; i < n; i++)
		syscall(SYS_getppid);
	floor_syscall = (now() - t0) / n;
	for (s = 0; s < 3; s++) {
		size_t len = st_sizes[s];
		unsigned char *a = bufs_alloc(len, 16), *b = bufs_alloc(len, 16);
		long m = count(len <= 64 ? 200000 : len <= 4096 ? 20000 : 2000);

		t0 = now();
		for (i = 0; i < m; i++) {
			k = i & 15;
			memcpy(b + k * len, a + k * len, len);
			__asm__ volatile("" : : "r"(b) : "memory");
		}
		floor_memcpy[s] = m / (now() - t0);
		free(a);
		free(b);
	}
}

/* ------------------------------------------------------------------------
 * Output
 */

static struct bcase *find(enum kind k, int t, size_t len, enum placement pl,
			  int nprod)
{
	int i;

	for (i = 0; i < ncases; i++)
		if (cases[i].kind == k && cases[i].t == t && cases[i].len == len &&
		    cases[i].pl == pl && cases[i].nprod == nprod && cases[i].nrep)
			return &cases[i];
	return NULL;
}

static double med(struct bcase *c, const double *v)
{
	return c ? median(v, c->nrep) : 0;
}

static void csv_row(const char *work, const char *t, const char *pl, size_t len,
		    int nprod, const char *metric, double v, const char *unit)
{
	if (csv)
		fprintf(csv, "%s,%s,%s,%zu,%d,%s,%.6g,%s\n", work, t, pl, len,
			nprod, metric, v, unit);
}

static void fmt_rate(char *b, size_t n, double v)
{
	if (v >= 1e6)
		snprintf(b, n, "%.2fM", v / 1e6);
	else if (v >= 1e3)
		snprintf(b, n, "%.1fk", v / 1e3);
	else
		snprintf(b, n, "%.0f", v);
}

static void fmt_ratio(char *b, size_t n, double v, double base)
{
	if (v > 0 && base > 0)
		snprintf(b, n, "%.2fx", v / base);
	else
		snprintf(b, n, "-");
}

static double stream_rate(const char *t, size_t len)
{
	struct bcase *c = find(STREAM, tindex(t), len, UNPINNED, 1);

	return med(c, c ? c->val : NULL);
}

/* The median round trip of all repetitions, in seconds. */
static double rt_p50(int t, size_t len, enum placement pl)
{
	struct bcase *c = find(RT, t, len, pl, 1);

	return c ? pct(c->lat, c->nlat, 0.5) : 0;
}

static double ratio(double a, double b)
{
	return a > 0 && b > 0 ? a / b : 0;
}

static void target(const char *what, const char *goal, bool met, const char *fmt, ...)
{
	char fig[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fig, sizeof(fig), fmt, ap);
	va_end(ap);
	printf("%-44s %-26s %-40s %s\n", what, goal, fig, met ? "met" : "MISSED");
	if (csv)
		fprintf(csv, "target,\"%s\",-,0,0,met,%d,bool\n", what, met);
}

/* The targets of the performance issue, from this run's figures. */
static void report_targets(void)
{
	double pipe64 = stream_rate("pipe", 64), mq64 = stream_rate("posix-mq", 64);
	double rw = stream_rate("mbox-rw", 64), io = stream_rate("mbox-ioctl", 64);
	double bat = stream_rate("mbox-batch64", 64), ring = stream_rate("ring", 64);
	double ringb = stream_rate("ring-batch", 64);
	double rt = rt_p50(tindex("mbox-ioctl"), 64, PIN1);
	double rtp = rt_p50(tindex("pipe"), 64, PIN1);
	double rtm = rt_p50(tindex("posix-mq"), 64, PIN1);
	double rrt = rt_p50(tindex("ring"), 64, PIN2), rrtp = rt_p50(tindex("pipe"), 64, PIN2);
	struct bcase *f = find(FANIN, tindex("mbox-ioctl"), 64, UNPINNED, 4);
	struct bcase *fp = find(FANIN, tindex("pipe"), 64, UNPINNED, 4);
	struct bcase *rp = find(STREAM, tindex("ring-poll"), 64, UNPINNED, 1);
	struct bcase *rpr = find(RT, tindex("ring-poll"), 64, UNPINNED, 1);
	double fv = med(f, f ? f->val : NULL), fpv = med(fp, fp ? fp->val : NULL);
	double fair = med(f, f ? f->fair : NULL), wakes = med(rp, rp ? rp->wake_rec : NULL);
	double sc = ratio(scale_res[2][3], scale_res[0][3]);

	printf("\n== Targets (issue 9), from this run ==\n");
	target("64 B streaming, read/write", ">=1.0x pipe, >=1.5x mq",
	       ratio(rw, pipe64) >= 1.0 && ratio(rw, mq64) >= 1.5,
	       "%.2fx pipe, %.2fx mq", ratio(rw, pipe64), ratio(rw, mq64));
	target("64 B streaming, ioctl", ">=1.2x mq", ratio(io, mq64) >= 1.2,
	       "%.2fx mq (%.2fx pipe)", ratio(io, mq64), ratio(io, pipe64));
	target("64 B streaming, batch of 64", ">=3x mq", ratio(bat, mq64) >= 3,
	       "%.2fx mq (%.2fx pipe)", ratio(bat, mq64), ratio(bat, pipe64));
	target("64 B round trip, ioctl, 1 CPU", "<=0.9x pipe, <=0.9x mq",
	       rt > 0 && ratio(rt, rtp) <= 0.9 && ratio(rt, rtm) <= 0.9,
	       "p50 %.1f us: %.2fx pipe, %.2fx mq", rt * 1e6, ratio(rt, rtp), ratio(rt, rtm));
	target("4->1 fan-in, 64 B, ioctl", ">=1.0x pipe, fairness>=0.8",
	       ratio(fv, fpv) >= 1.0 && fair >= 0.8,
	       "%.2fx pipe, fairness %.2f", ratio(fv, fpv), fair);
	target("ring 64 B streaming", ">=10x pipe", ratio(ring, pipe64) >= 10,
	       "%.2fx pipe", ratio(ring, pipe64));
	target("ring 64 B streaming, batched", ">=20x pipe", ratio(ringb, pipe64) >= 20,
	       "%.2fx pipe (batched push and pop)", ratio(ringb, pipe64));
	target("ring producer wake calls, polling consumer", "<0.01 per record",
	       rp && rpr && wakes < 0.01 && med(rpr, rpr->wake_rec) < 0.01,
	       "%.3f streaming, %.3f round trip", wakes, med(rpr, rpr ? rpr->wake_rec : NULL));
	target("ring 64 B round trip, 2 CPUs", "<=0.25x pipe",
	       rrt > 0 && ratio(rrt, rrtp) <= 0.25,
	       "p50 %.1f us: %.2fx pipe", rrt * 1e6, ratio(rrt, rrtp));
	target("memory: empty mailbox", "<=512 B",
	       mem_res[MEM_MBOX_EMPTY] > 0 && mem_res[MEM_MBOX_EMPTY] <= 512,
	       "%.0f B (mq %.0f B)", mem_res[MEM_MBOX_EMPTY], mem_res[MEM_MQ_EMPTY]);
	target("memory: queued 64 B message", "<=128 B",
	       mem_res[MEM_MBOX_64] > 0 && mem_res[MEM_MBOX_64] <= 128,
	       "%.0f B (mq %.0f B)", mem_res[MEM_MBOX_64], mem_res[MEM_MQ_64]);
	target("memory: queued 4 KiB message", "<=4352 B",
	       mem_res[MEM_MBOX_4K] > 0 && mem_res[MEM_MBOX_4K] <= 4352,
	       "%.0f B (mq %.0f B)", mem_res[MEM_MBOX_4K], mem_res[MEM_MQ_4K]);
	target("create+open+send+recv, 10,000 mailboxes", "<=1.5x the cost at 1",
	       sc > 0 && sc <= 1.5, "%.2fx", sc);
}

static void report(void)
{
	int pipe_i = tindex("pipe"), mq_i = tindex("posix-mq");
	int i, s, pl, f, k;
	char r[32], a[16], b[16];

	printf("\n== Streaming, one producer, one consumer: messages/s (median of %d) ==\n", reps);
	printf("ratios: rate / pipe's rate, rate / POSIX mq's rate (higher is better)\n");
	printf("%-15s", "transport");
	for (s = 0; s < 3; s++)
		printf(" | %9zu B %7s %7s", st_sizes[s], "xpipe", "xmq");
	printf(" | per recv call (64 B)\n");
	for (i = 0; i < NT; i++) {
		printf("%-15s", transports[i].name);
		for (s = 0; s < 3; s++) {
			struct bcase *c = find(STREAM, i, st_sizes[s], UNPINNED, 1);
			double v = med(c, c ? c->val : NULL);
			double vp = med(find(STREAM, pipe_i, st_sizes[s], UNPINNED, 1),
					find(STREAM, pipe_i, st_sizes[s], UNPINNED, 1) ?
					find(STREAM, pipe_i, st_sizes[s], UNPINNED, 1)->val : NULL);
			struct bcase *cm = find(STREAM, mq_i, st_sizes[s], UNPINNED, 1);
			double vm = med(cm, cm ? cm->val : NULL);

			if (!c) {
				printf(" | %11s %7s %7s", "n/a", "", "");
				continue;
			}
			fmt_rate(r, sizeof(r), v);
			fmt_ratio(a, sizeof(a), v, vp);
			fmt_ratio(b, sizeof(b), v, vm);
			printf(" | %11s %7s %7s", r, a, b);
			csv_row("stream", transports[i].name, "unpinned", st_sizes[s], 1,
				"rate", v, "msg/s");
			csv_row("stream", transports[i].name, "unpinned", st_sizes[s], 1,
				"ratio_pipe", vp > 0 ? v / vp : 0, "x");
			csv_row("stream", transports[i].name, "unpinned", st_sizes[s], 1,
				"ratio_mq", vm > 0 ? v / vm : 0, "x");
			csv_row("stream", transports[i].name, "unpinned", st_sizes[s], 1,
				"msgs_per_recv_call", med(c, c->per_call), "msgs");
			{
				double lo = 1e30, hi = 0;
				int k2;

				for (k2 = 0; k2 < c->nrep; k2++) {
					lo = c->val[k2] < lo ? c->val[k2] : lo;
					hi = c->val[k2] > hi ? c->val[k2] : hi;
				}
				csv_row("stream", transports[i].name, "unpinned",
					st_sizes[s], 1, "rate_min", lo, "msg/s");
				csv_row("stream", transports[i].name, "unpinned",
					st_sizes[s], 1, "rate_max", hi, "msg/s");
			}
		}
		{
			struct bcase *c = find(STREAM, i, 64, UNPINNED, 1);

			printf(" | %.1f\n", c ? med(c, c->per_call) : 0);
		}
	}

	printf("\n== Rings, 64 B streaming: system calls per record (median) ==\n");
	printf("%-15s %12s %12s %14s %14s\n", "transport", "wake calls", "all calls",
	       "kernel sleeps", "kernel wakeups");
	for (i = 0; i < NT; i++) {
		struct bcase *c = find(STREAM, i, 64, UNPINNED, 1);

		if (!c || !(transports[i].kinds & K_RING))
			continue;
		printf("%-15s %12.4f %12.4f %14.4f %14.4f\n", transports[i].name,
		       med(c, c->wake_rec), med(c, c->sys_rec),
		       med(c, c->ksleep_rec), med(c, c->kwake_rec));
		csv_row("ring_calls", transports[i].name, "unpinned", 64, 1,
			"producer_wake_calls_per_record", med(c, c->wake_rec), "calls");
		csv_row("ring_calls", transports[i].name, "unpinned", 64, 1,
			"syscalls_per_record", med(c, c->sys_rec), "calls");
		csv_row("ring_calls", transports[i].name, "unpinned", 64, 1,
			"kernel_sleeps_per_record", med(c, c->ksleep_rec), "sleeps");
		csv_row("ring_calls", transports[i].name, "unpinned", 64, 1,
			"kernel_wakeups_per_record", med(c, c->kwake_rec), "wakeups");
	}

	printf("\n== Rings, 64 B round trip: the client's wake calls per request (median) ==\n");
	printf("(the server waits for every request: polling in ring-poll, spinning then\n"
	       "asleep in ring, asleep at once in ring-sleep)\n");
	printf("%-15s", "transport");
	for (pl = 0; pl < NPLACE; pl++)
		printf(" %10s", place_name[pl]);
	printf("\n");
	for (i = 0; i < NT; i++) {
		if (!(transports[i].kinds & K_RING) || !(transports[i].kinds & K_RT))
			continue;
		printf("%-15s", transports[i].name);
		for (pl = 0; pl < NPLACE; pl++) {
			struct bcase *c = find(RT, i, 64, pl, 1);

			if (!c) {
				printf(" %10s", "n/a");
				continue;
			}
			printf(" %10.4f", med(c, c->wake_rec));
			csv_row("ring_calls_rt", transports[i].name, place_name[pl], 64, 1,
				"producer_wake_calls_per_record", med(c, c->wake_rec), "calls");
		}
		printf("\n");
	}

	printf("\n== Round trip, client and echo server: microseconds ==\n");
	printf("mean: median of the repetitions' means; p50, p99: of all round trips;\n");
	printf("ratios: p50 / pipe's p50, p50 / POSIX mq's p50 (lower is better; the p50,\n");
	printf("because on a shared host the mean follows the host's preemptions)\n");
	for (s = 0; s < 3; s++) {
		printf("-- %zu B --\n%-15s", rt_sizes[s], "transport");
		for (pl = 0; pl < NPLACE; pl++)
			printf(" | %-8s %7s %7s %7s %6s %6s", place_name[pl], "mean",
			       "p50", "p99", "xpipe", "xmq");
		printf("\n");
		for (i = 0; i < NT; i++) {
			if (!(transports[i].kinds & K_RT))
				continue;
			printf("%-15s", transports[i].name);
			for (pl = 0; pl < NPLACE; pl++) {
				struct bcase *c = find(RT, i, rt_sizes[s], pl, 1);
				double v, vp, vm, p50, p99;

				if (!c) {
					printf(" | %-8s %7s %7s %7s %6s %6s", "", "n/a", "", "", "", "");
					continue;
				}
				v = med(c, c->val) * 1e6;
				vp = rt_p50(pipe_i, rt_sizes[s], pl) * 1e6;
				vm = rt_p50(mq_i, rt_sizes[s], pl) * 1e6;
				p50 = pct(c->lat, c->nlat, 0.5) * 1e6;
				p99 = pct(c->lat, c->nlat, 0.99) * 1e6;
				fmt_ratio(a, sizeof(a), p50, vp);
				fmt_ratio(b, sizeof(b), p50, vm);
				printf(" | %-8s %7.1f %7.1f %7.1f %6s %6s", "", v, p50, p99, a, b);
				csv_row("roundtrip", transports[i].name, place_name[pl],
					rt_sizes[s], 1, "mean", v, "us");
				csv_row("roundtrip", transports[i].name, place_name[pl],
					rt_sizes[s], 1, "p50", p50, "us");
				csv_row("roundtrip", transports[i].name, place_name[pl],
					rt_sizes[s], 1, "p99", p99, "us");
				csv_row("roundtrip", transports[i].name, place_name[pl],
					rt_sizes[s], 1, "ratio_pipe", vp > 0 ? p50 / vp : 0, "x");
				csv_row("roundtrip", transports[i].name, place_name[pl],
					rt_sizes[s], 1, "ratio_mq", vm > 0 ? p50 / vm : 0, "x");
			}
			printf("\n");
		}
	}

	printf("\n== Fan-in: N producers into one consumer, 64 B: aggregate messages/s ==\n");
	printf("fairness: the smallest producer's share / the largest's (1 is fair)\n");
	printf("%-15s", "transport");
	for (f = 0; f < 4; f++)
		printf(" | %d prod %6s %6s %5s", fanins[f], "xpipe", "xmq", "fair");
	printf("\n");
	for (i = 0; i < NT; i++) {
		if (!(transports[i].kinds & K_FANIN))
			continue;
		printf("%-15s", transports[i].name);
		for (f = 0; f < 4; f++) {
			struct bcase *c = find(FANIN, i, 64, UNPINNED, fanins[f]);
			struct bcase *cp = find(FANIN, pipe_i, 64, UNPINNED, fanins[f]);
			struct bcase *cm = find(FANIN, mq_i, 64, UNPINNED, fanins[f]);
			double v = med(c, c ? c->val : NULL);
			double vp = med(cp, cp ? cp->val : NULL);
			double vm = med(cm, cm ? cm->val : NULL);

			if (!c) {
				printf(" | %6s %6s %6s %5s", "n/a", "", "", "");
				continue;
			}
			fmt_rate(r, sizeof(r), v);
			fmt_ratio(a, sizeof(a), v, vp);
			fmt_ratio(b, sizeof(b), v, vm);
			printf(" | %6s %6s %6s %5.2f", r, a, b, med(c, c->fair));
			csv_row("fanin", transports[i].name, "unpinned", 64, fanins[f],
				"rate", v, "msg/s");
			csv_row("fanin", transports[i].name, "unpinned", 64, fanins[f],
				"ratio_pipe", vp > 0 ? v / vp : 0, "x");
			csv_row("fanin", transports[i].name, "unpinned", 64, fanins[f],
				"ratio_mq", vm > 0 ? v / vm : 0, "x");
			csv_row("fanin", transports[i].name, "unpinned", 64, fanins[f],
				"fairness", med(c, c->fair), "min/max");
		}
		printf("\n");
	}

	printf("\n== Fan-in: context switches per message, and what decides the shares (median) ==\n");
	printf("psleep: the producers' sleeps (voluntary switches) per message sent;\n");
	printf("ppre: their preemptions per message; csleep: the consumer's sleeps per\n");
	printf("message received in the timed window; over the producers' whole run,\n");
	printf("msgs: smallest producer's messages / largest's, cpu: likewise for CPU time\n");
	printf("%-15s", "transport");
	for (f = 1; f < 4; f++)
		printf(" | %d prod %6s %6s %6s %5s %5s", fanins[f], "psleep", "ppre",
		       "csleep", "msgs", "cpu");
	printf("\n");
	for (i = 0; i < NT; i++) {
		if (!(transports[i].kinds & K_FANIN))
			continue;
		printf("%-15s", transports[i].name);
		for (f = 1; f < 4; f++) {
			struct bcase *c = find(FANIN, i, 64, UNPINNED, fanins[f]);

			if (!c) {
				printf(" | %6s %6s %6s %6s %5s %5s", "n/a", "", "", "", "", "");
				continue;
			}
			printf(" | %6s %6.3f %6.3f %6.3f %5.2f %5.2f", "", med(c, c->pvcsw),
			       med(c, c->pivcsw), med(c, c->cvcsw), med(c, c->runfair),
			       med(c, c->cpufair));
			csv_row("fanin", transports[i].name, "unpinned", 64, fanins[f],
				"fairness_run", med(c, c->runfair), "min/max");
			csv_row("fanin", transports[i].name, "unpinned", 64, fanins[f],
				"fairness_cpu", med(c, c->cpufair), "min/max");
			csv_row("fanin", transports[i].name, "unpinned", 64, fanins[f],
				"producer_sleeps", med(c, c->pvcsw), "per msg");
			csv_row("fanin", transports[i].name, "unpinned", 64, fanins[f],
				"producer_preemptions", med(c, c->pivcsw), "per msg");
			csv_row("fanin", transports[i].name, "unpinned", 64, fanins[f],
				"consumer_sleeps", med(c, c->cvcsw), "per msg");
		}
		printf("\n");
	}

	printf("\n== Scale: mbox operations with E other mailboxes: microseconds (median) ==\n");
	printf("%8s %9s %9s %11s %9s %8s\n", "E", "create", "open", "send+recv",
	       "total", "x(E=1)");
	for (k = 0; k < 3; k++) {
		printf("%8d %9.1f %9.1f %11.1f %9.1f %7.2fx\n", scale_e[k],
		       scale_res[k][0] * 1e6, scale_res[k][1] * 1e6,
		       scale_res[k][2] * 1e6, scale_res[k][3] * 1e6,
		       scale_res[0][3] > 0 ? scale_res[k][3] / scale_res[0][3] : 0);
		csv_row("scale", "mbox", "unpinned", 64, scale_e[k], "create",
			scale_res[k][0] * 1e6, "us");
		csv_row("scale", "mbox", "unpinned", 64, scale_e[k], "open",
			scale_res[k][1] * 1e6, "us");
		csv_row("scale", "mbox", "unpinned", 64, scale_e[k], "sendrecv",
			scale_res[k][2] * 1e6, "us");
		csv_row("scale", "mbox", "unpinned", 64, scale_e[k], "total",
			scale_res[k][3] * 1e6, "us");
		csv_row("scale", "mbox", "unpinned", 64, scale_e[k], "ratio_e1",
			scale_res[0][3] > 0 ? scale_res[k][3] / scale_res[0][3] : 0, "x");
	}

	printf("\n== Memory: kernel bytes per object (/proc/meminfo Slab + VmallocUsed deltas) ==\n");
	for (k = 0; k < NMEM; k++) {
		printf("%-32s %10.0f B\n", mem_name[k], mem_res[k]);
		csv_row("memory", k < MEM_MQ_EMPTY ? "mbox" : "posix-mq", "-",
			k % 3 == 0 ? 0 : k % 3 == 1 ? 64 : 4096, 1,
			k % 3 == 0 ? "empty" : "queued_message", mem_res[k], "B");
	}

	report_targets();

	printf("\n== Floors ==\n");
	printf("null system call (getppid)        %8.3f us\n", floor_syscall * 1e6);
	csv_row("floor", "null-syscall", "-", 0, 1, "time", floor_syscall * 1e6, "us");
	for (s = 0; s < 3; s++) {
		fmt_rate(r, sizeof(r), floor_memcpy[s]);
		printf("memcpy %6zu B                     %8s copies/s\n", st_sizes[s], r);
		csv_row("floor", "memcpy", "-", st_sizes[s], 1, "rate",
			floor_memcpy[s], "copies/s");
	}
	printf("spin hand-off: see spin-shm above\n");
}

/* ------------------------------------------------------------------------ */

static void write_sysctl(const char *path, long v)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return;
	fprintf(f, "%ld\n", v);
	fclose(f);
}

static void raise_limits(void)
{
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };

	write_sysctl("/proc/sys/fs/mqueue/msg_max", 65536);
	write_sysctl("/proc/sys/fs/mqueue/msgsize_max", 1 << 20);
	write_sysctl("/proc/sys/fs/mqueue/queues_max", 65536);
	setrlimit(RLIMIT_MSGQUEUE, &rl);
}

int main(int argc, char **argv)
{
	const char *csv_path = NULL;
	bool limits = false;
	double t_start = now();
	int opt, i, r;
	cpu_set_t set;

	while ((opt = getopt(argc, argv, "cLs:r:q:o:t:")) != -1) {
		switch (opt) {
		case 'c':
			check_mode = true;
			break;
		case 'L':
			limits = true;
			break;
		case 's':
			scale = atof(optarg);
			break;
		case 'r':
			reps = atoi(optarg);
			break;
		case 'q':
			queue_cap = atol(optarg);
			break;
		case 'o':
			csv_path = optarg;
			break;
		case 't':
			only = optarg;
			break;
		default:
			fprintf(stderr, "usage: mbox-bench [-c] [-L] [-s SCALE] [-r REPS] [-q CAP] [-o FILE.csv] [-t T1,T2..]\n");
			return 2;
		}
	}
	if (reps < 1 || reps > 64 || scale <= 0 || queue_cap < 1)
		die("-r takes 1 to 64, -s and -q a positive number");
	mq_cap = queue_cap;
	if (check_mode)
		reps = 1;
	if (limits)
		raise_limits();
	{
		FILE *f = fopen("/proc/sys/fs/mqueue/msg_max", "r");
		long m;

		if (f && fscanf(f, "%ld", &m) == 1 && m < mq_cap)
			mq_cap = m;
		if (f)
			fclose(f);
	}
	signal(SIGALRM, on_alarm);
	signal(SIGPIPE, SIG_IGN);
	shm = map_shared(sizeof(*shm));
	sched_getaffinity(0, sizeof(set), &set);
	ncpus = CPU_COUNT(&set);
	if (csv_path) {
		csv = fopen(csv_path, "w");
		if (!csv)
			die("%s: %s", csv_path, strerror(errno));
		fprintf(csv, "workload,transport,placement,size,producers,metric,value,unit\n");
	}
	build_cases();
	if (check_mode)
		printf("TAP version 13\n1..%d\n", ncases + 5);
	else
		printf("mbox-bench: %d cases, %d repetitions, scale %g, %d CPUs, "
		       "mailbox capacity %ld, mq capacity %ld\n", ncases, reps,
		       scale, ncpus, queue_cap, mq_cap);
	fflush(stdout);

	for (r = 0; r < reps; r++) {
		for (i = 0; i < ncases; i++)
			run_case(&cases[i], true, cases[i].n);
		if (!check_mode) {
			printf("repetition %d done at %.0f s\n", r + 1, now() - t_start);
			fflush(stdout);
		}
	}
	if (selected(tindex("mbox-ioctl"))) {
		run_scale();
		run_memory();
	} else if (check_mode) {
		tap_n += 4;	/* keep the plan: they were skipped */
	}
	run_floors();
	if (check_mode)
		tap(floor_syscall > 0, "floors: null system call and memcpy ran");
	if (check_mode) {
		printf("# %d failed\n", failures);
		if (csv)
			fclose(csv);
		return failures ? 1 : 0;
	}
	report();
	printf("\nmbox-bench: %.0f s in all\n", now() - t_start);
	if (csv)
		fclose(csv);
	return 0;
}
