// SPDX-License-Identifier: GPL-2.0
/*
 * soak_test: producers and consumers over named mailboxes, an inbox and a
 * ring, while a chaos loop SIGKILLs and respawns them, stops and continues
 * them, and signals them with and without SA_RESTART, and while some of
 * them send from and receive into buffers that fault midway.
 *
 * The accounting lives in memory shared with every process, so that a
 * process killed at any instruction is reconciled after waitpid():
 *  - a producer marks a sequence number ATTEMPT before it sends and SENT
 *    or FAILED after the call returns; one killed in between leaves it in
 *    doubt (delivered once or never);
 *  - a consumer receives straight into its shared in-flight buffer, under a
 *    receive id published beforehand, then logs (producer, seq) <- id. The
 *    log is idempotent per id, so the parent can replay the in-flight
 *    buffer of a killed consumer without counting a message twice.
 * What must hold at the end (uapi "Mailboxes" and "Rings"):
 *  - every message whose send returned 0 arrived exactly once, intact;
 *  - every message whose send failed (EINTR, ETIMEDOUT, EAGAIN, EFAULT, a
 *    synchronous send given up) never arrived;
 *  - one consumer of a mailbox without faulting receivers sees each
 *    producer's messages in order, and an inbox's owner too;
 *  - a ring delivers every published record, in order within one consumer,
 *    and again only the one record a killed consumer had logged but not
 *    released.
 *
 * Environment: MBOX_SOAK_MSGS (messages per producer, default 1500).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libmbox.h>
#include <linux/mbox.h>

#include "kselftest_harness.h"
#include "common.h"

#define MAX_SEQ		20000
#define BUF_SIZE	512
#define MSG_MAGIC	0x4b414f53u

/* Who is who. Producers 0..NPROD-1, consumers 0..NCONS-1. */
enum kind { K_PROD_A, K_PROD_B, K_PROD_INBOX, K_PROD_RING,
	    K_CONS_A, K_CONS_B, K_CONS_INBOX, K_CONS_RING };

#define PER_KIND	2		/* producers per mailbox, consumers too */
#define NPROD		(3 * PER_KIND + 1)	/* A, B, inbox, and the ring's */
#define RING_PROD	(3 * PER_KIND)
#define NCONS		(2 * PER_KIND + 2)	/* A, B, the inbox's, the ring's */
#define INBOX_CONS	(2 * PER_KIND)
#define RING_CONS	(2 * PER_KIND + 1)

enum { ST_NONE, ST_ATTEMPT, ST_SENT, ST_FAILED };

struct msg {
	uint32_t magic;
	uint16_t prod;
	uint16_t len;			/* body bytes */
	uint32_t seq;
	uint32_t __pad;
	uint64_t sum;
	uint8_t body[];
};

struct inflight {
	_Atomic uint64_t rid;		/* the receive this buffer is for */
	_Atomic int64_t holding;	/* ring: logged, not yet released */
	_Alignas(8) char buf[BUF_SIZE];
};

struct shared {
	_Atomic uint8_t state[NPROD][MAX_SEQ];
	_Atomic uint64_t got[NPROD][MAX_SEQ][2];	/* receive ids */
	_Atomic uint8_t may_repeat[MAX_SEQ];		/* ring */
	_Atomic uint32_t next_seq[NPROD];
	_Atomic int ring_last_logged;	/* the ring's last record is logged */
	struct inflight inflight[NCONS];
	_Atomic pid_t inbox_pid;
	atomic_ulong kills, stops, signals, faults, sends, recvs;
	atomic_ulong too_many, corrupt, misordered, unexpected;
	atomic_int first_taken;
	char first[256];
};

static struct shared *sh;
static uint32_t nmsgs;
static char name_a[64], name_b[64], name_ring[64];

static void report(atomic_ulong *counter, const char *fmt, long a, long b)
{
	atomic_fetch_add(counter, 1);
	if (!atomic_exchange(&sh->first_taken, 1))
		snprintf(sh->first, sizeof(sh->first), fmt, a, b);
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

static uint32_t rnd(void)
{
	static __thread uint64_t s;

	if (!s)
		s = mix((uint64_t)getpid() << 20 | (uint64_t)time(NULL));
	s = mix(s + 0x9e3779b97f4a7c15ULL);
	return (uint32_t)s;
}

/* Message (p, seq): a length and body derived from both, and a checksum. */
static size_t build(struct msg *m, unsigned int p, uint32_t seq)
{
	uint64_t h = mix((uint64_t)p << 32 | seq), sum = 0;
	unsigned int i;

	m->magic = MSG_MAGIC;
	m->prod = (uint16_t)p;
	m->seq = seq;
	m->__pad = 0;
	m->len = (uint16_t)(1 + h % (BUF_SIZE - sizeof(*m) - 1));
	for (i = 0; i < m->len; i++) {
		m->body[i] = (uint8_t)mix(h + i);
		sum = sum * 31 + m->body[i];
	}
	m->sum = sum;
	return sizeof(*m) + m->len;
}

/* Is @m, @len bytes received, a message we built? */
static int intact(const struct msg *m, size_t len)
{
	struct msg *want = alloca(BUF_SIZE);

	if (len < sizeof(*m) || m->magic != MSG_MAGIC || m->prod >= NPROD ||
	    m->seq >= nmsgs)
		return 0;
	return build(want, m->prod, m->seq) == len && !memcmp(want, m, len);
}

/* Log receive @rid of (p, seq); idempotent per id. */
static void logged(unsigned int p, uint32_t seq, uint64_t rid)
{
	int i;

	for (i = 0; i < 2; i++) {
		uint64_t old = 0;

		if (atomic_compare_exchange_strong(&sh->got[p][seq][i], &old, rid) ||
		    old == rid)
			return;
	}
	report(&sh->too_many, "producer %ld seq %ld delivered 3 times", p, seq);
}

static int deliveries(unsigned int p, uint32_t seq)
{
	return !!atomic_load(&sh->got[p][seq][0]) + !!atomic_load(&sh->got[p][seq][1]);
}

static void on_signal(int sig)
{
	(void)sig;
}

/* SIGUSR1 restarts (SA_RESTART), SIGUSR2 interrupts. */
static void install_handlers(void)
{
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };

	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_flags = 0;
	sigaction(SIGUSR2, &sa, NULL);
}

/* A producer of a mailbox or the inbox; returns only through _exit. */
static void producer(unsigned int p, enum kind kind)
{
	char *fault = fault_area(sizeof(struct msg) + 4, BUF_SIZE);
	_Alignas(8) char buf[BUF_SIZE];
	struct msg *m = (struct msg *)buf;
	uint32_t seq = atomic_load(&sh->next_seq[p]), flags;
	const char *name = kind == K_PROD_A ? name_a : name_b;
	int fd = -1, ret;
	uint64_t timeout = 0;
	size_t len;

	if (kind != K_PROD_INBOX) {
		fd = mb_open(name, O_WRONLY, 0, 0, 0, 0);
		if (fd < 0)
			_exit(10);
	} else {
		fd = open("/dev/mbox", O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			_exit(10);
	}
	for (;; seq++) {
		while (seq < nmsgs && atomic_load(&sh->state[p][seq]) != ST_NONE)
			seq++;
		if (seq >= nmsgs)
			_exit(0);
		atomic_store(&sh->state[p][seq], ST_ATTEMPT);
		len = build(m, p, seq);
		flags = 0;
		if (kind == K_PROD_B) {
			switch (rnd() % 8) {
			case 0:
				flags = MBOX_SEND_NONBLOCK;
				break;
			case 1:
				flags = MBOX_SEND_TIMEOUT;
				timeout = rnd() % 2000000;
				break;
			case 2:
				flags = MBOX_SEND_SYNC | MBOX_SEND_TIMEOUT;
				timeout = rnd() % 5000000;
				break;
			case 3:
				if (fault) {
					/* Only the header is readable. */
					memcpy(fault, m, sizeof(struct msg) + 4);
					atomic_fetch_add(&sh->faults, 1);
					ret = mb_send(fd, fault, (uint32_t)len, 0, 0);
					goto sent;
				}
				break;
			}
		}
		if (kind == K_PROD_INBOX) {
			struct mbox_send args = {
				.buf = (uintptr_t)m, .len = (uint32_t)len,
				.flags = MBOX_SEND_TO_PID,
				.pid = (uint32_t)atomic_load(&sh->inbox_pid),
			};
			ret = ioctl(fd, MBOX_IOC_SEND, &args) ? -errno : 0;
		} else {
			ret = mb_send(fd, m, (uint32_t)len, flags, timeout);
		}
sent:
		if (!ret) {
			atomic_store(&sh->state[p][seq], ST_SENT);
			atomic_fetch_add(&sh->sends, 1);
		} else if (ret == -EINTR || ret == -EAGAIN || ret == -ETIMEDOUT ||
			   ret == -EFAULT) {
			atomic_store(&sh->state[p][seq], ST_FAILED);
		} else {
			report(&sh->unexpected, "send: producer %ld, error %ld", p, -ret);
			atomic_store(&sh->state[p][seq], ST_FAILED);
		}
		atomic_store(&sh->next_seq[p], seq + 1);
	}
}

/* A consumer of mailbox A or B, or the inbox's owner; never returns. */
static void consumer(unsigned int c, enum kind kind, int ready_fd)
{
	char *fault = fault_area(16, BUF_SIZE);
	struct inflight *f = &sh->inflight[c];
	struct msg *m = (struct msg *)f->buf;
	int64_t last[NPROD];
	uint64_t n = 0, rid;
	uint32_t flags;
	int fd, ret, i;

	for (i = 0; i < NPROD; i++)
		last[i] = -1;
	if (kind == K_CONS_INBOX) {
		struct mbox_open args = { .flags = MBOX_OPEN_INBOX, .mode = 0600 };

		fd = open("/dev/mbox", O_RDONLY | O_CLOEXEC);
		if (fd < 0 || ioctl(fd, MBOX_IOC_OPEN, &args))
			_exit(10);
		atomic_store(&sh->inbox_pid, getpid());
	} else {
		fd = mb_open(kind == K_CONS_A ? name_a : name_b, O_RDONLY, 0, 0, 0, 0);
		if (fd < 0)
			_exit(10);
	}
	if (ready_fd >= 0) {
		if (write(ready_fd, "r", 1) != 1)
			_exit(10);
		close(ready_fd);
	}
	for (;;) {
		/* Clear the buffer before publishing the new id: see above. */
		__atomic_store_n(&m->magic, 0, __ATOMIC_SEQ_CST);
		rid = (uint64_t)(c + 1) << 48 | (uint64_t)getpid() << 24 | ++n;
		atomic_store(&f->rid, rid);
		flags = 0;
		if (kind == K_CONS_B && fault && rnd() % 8 == 0) {
			atomic_fetch_add(&sh->faults, 1);
			ret = mb_recv(fd, fault, BUF_SIZE, 0, 0, NULL);
			if (ret >= 0)
				report(&sh->unexpected, "receive into a fault: %ld (consumer %ld)",
				       ret, c);
			continue;
		}
		if (kind == K_CONS_B && rnd() % 4 == 0)
			flags = MBOX_RECV_TIMEOUT;
		ret = mb_recv(fd, f->buf, BUF_SIZE, flags, rnd() % 2000000, NULL);
		if (ret == -EINTR || ret == -ETIMEDOUT)
			continue;
		if (ret < 0) {
			report(&sh->unexpected, "receive: consumer %ld, error %ld", c, -ret);
			_exit(11);
		}
		if (kind == K_CONS_INBOX && ret == 3 && !memcmp(f->buf, "END", 3))
			_exit(0);
		if (!intact(m, (size_t)ret)) {
			report(&sh->corrupt, "consumer %ld: corrupt message of %ld bytes",
			       c, ret);
			continue;
		}
		atomic_fetch_add(&sh->recvs, 1);
		if (kind != K_CONS_B) {
			if ((int64_t)m->seq <= last[m->prod])
				report(&sh->misordered, "producer %ld seq %ld out of order",
				       m->prod, m->seq);
			last[m->prod] = m->seq;
		}
		logged(m->prod, m->seq, rid);
	}
}

/* The ring's producer: pushes every record, blocking; never killed. */
static void ring_producer(void)
{
	_Alignas(8) char buf[BUF_SIZE];
	struct mbox_ring *r;
	uint32_t seq;
	int ret;

	if (mbox_ring_open(&r, name_ring, MBOX_RING_PRODUCER, 0, 0, 0, 0))
		_exit(10);
	for (seq = 0; seq < nmsgs; ) {
		size_t len = build((struct msg *)buf, RING_PROD, seq);

		atomic_store(&sh->state[RING_PROD][seq], ST_ATTEMPT);
		ret = mbox_ring_push(r, buf, len, 0, 0);
		if (ret == -EINTR)
			continue;
		if (ret) {
			report(&sh->unexpected, "ring push: seq %ld, error %ld", seq, -ret);
			_exit(11);
		}
		atomic_store(&sh->state[RING_PROD][seq], ST_SENT);
		atomic_fetch_add(&sh->sends, 1);
		seq++;
	}
	mbox_ring_close(r);
	_exit(0);
}

/* The ring's consumer: peeks, logs, releases; killed and respawned. */
static void ring_consumer(void)
{
	struct inflight *f = &sh->inflight[RING_CONS];
	const struct msg *m;
	int64_t prev = -1;
	struct mbox_ring *r;
	uint64_t n = 0;
	ssize_t len;

	if (mbox_ring_open(&r, name_ring, MBOX_RING_CONSUMER, 0, 0, 0, 0))
		_exit(10);
	/*
	 * A consumer killed after it logged the last record, before it got
	 * to exit: nothing more will come, so a blocking peek would wait for
	 * ever. Give back what it may not have released, and end as it would.
	 */
	if (atomic_load(&sh->ring_last_logged)) {
		while (mbox_ring_peek(r, (const void **)&m, MBOX_RING_IO_NONBLOCK, 0) >= 0)
			if (mbox_ring_release(r))
				_exit(11);
		mbox_ring_close(r);
		_exit(0);
	}
	for (;;) {
		len = mbox_ring_peek(r, (const void **)&m, 0, 0);
		if (len == -EINTR)
			continue;
		if (len < 0) {
			report(&sh->unexpected, "ring peek: error %ld%ld", -len, 0);
			_exit(11);
		}
		if (!intact(m, (size_t)len) || m->prod != RING_PROD) {
			report(&sh->corrupt, "ring: corrupt record of %ld bytes%ld", len, 0);
			_exit(11);
		}
		if (prev >= 0 && m->seq != prev + 1)
			report(&sh->misordered, "ring: seq %ld after %ld", m->seq, prev);
		prev = m->seq;
		atomic_store(&f->holding, m->seq);
		logged(RING_PROD, m->seq, (uint64_t)getpid() << 24 | ++n);
		atomic_fetch_add(&sh->recvs, 1);
		if (m->seq == nmsgs - 1)
			atomic_store(&sh->ring_last_logged, 1);
		if (mbox_ring_release(r)) {
			report(&sh->unexpected, "ring release failed%ld%ld", 0, 0);
			_exit(11);
		}
		atomic_store(&f->holding, -1);
		if (prev == nmsgs - 1) {
			mbox_ring_close(r);
			_exit(0);
		}
	}
}

struct proc {
	enum kind kind;
	unsigned int index;		/* producer or consumer number */
	int killable;
	pid_t pid;
	int done;
};

static pid_t spawn(struct proc *pr, int ready_fd)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	switch (pr->kind) {
	case K_PROD_A:
	case K_PROD_B:
	case K_PROD_INBOX:
		producer(pr->index, pr->kind);
		break;
	case K_PROD_RING:
		ring_producer();
		break;
	case K_CONS_RING:
		ring_consumer();
		break;
	default:
		consumer(pr->index, pr->kind, ready_fd);
		break;
	}
	_exit(12);
}

/* A consumer is gone: count what its in-flight buffer holds. */
static void reconcile(struct proc *pr)
{
	struct inflight *f;
	struct msg *m;

	if (pr->kind == K_CONS_RING) {
		int64_t held = atomic_load(&sh->inflight[RING_CONS].holding);

		if (held >= 0)
			atomic_store(&sh->may_repeat[held], 1);
		atomic_store(&sh->inflight[RING_CONS].holding, -1);
		return;
	}
	if (pr->kind != K_CONS_A && pr->kind != K_CONS_B)
		return;
	f = &sh->inflight[pr->index];
	m = (struct msg *)f->buf;
	if (m->magic == MSG_MAGIC && intact(m, sizeof(*m) + m->len))
		logged(m->prod, m->seq, atomic_load(&f->rid));
	m->magic = 0;
}

/* The parent drains what is left in a mailbox, as one more consumer. */
static void drain(const char *name, unsigned int c)
{
	struct proc pr = { .kind = K_CONS_A, .index = c };
	struct inflight *f = &sh->inflight[c];
	int fd = mb_open(name, O_RDONLY, 0, 0, 0, 0);
	uint64_t n = 0;
	int ret;

	if (fd < 0) {
		report(&sh->unexpected, "drain: open error %ld%ld", -fd, 0);
		return;
	}
	for (;;) {
		atomic_store(&f->rid, (uint64_t)0xffff << 48 | ++n);
		ret = mb_recv(fd, f->buf, BUF_SIZE, MBOX_RECV_NONBLOCK, 0, NULL);
		if (ret < 0)
			break;
		atomic_fetch_add(&sh->recvs, 1);
		reconcile(&pr);
	}
	if (ret != -EAGAIN)
		report(&sh->unexpected, "drain: error %ld%ld", -ret, 0);
	close(fd);
}

TEST(soak)
{
	struct proc procs[NPROD + NCONS];
	unsigned int np = 0, i, alive, p;
	uint32_t seq;
	int fd_a, fd_b, ready[2], st, stopped = -1;
	struct mbox_ring *ring;
	pid_t pid;
	char c;
	unsigned long lost = 0, dups = 0, failed_ok = 0, doubt = 0;

	nmsgs = (uint32_t)strtoul(getenv("MBOX_SOAK_MSGS") ?: "1500", NULL, 0);
	ASSERT_LT(0, nmsgs);
	ASSERT_GE(MAX_SEQ, nmsgs);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	for (i = 0; i < NCONS; i++)
		atomic_store(&sh->inflight[i].holding, -1);
	snprintf(name_a, sizeof(name_a), "soak-a-%d", getpid());
	snprintf(name_b, sizeof(name_b), "soak-b-%d", getpid());
	snprintf(name_ring, sizeof(name_ring), "soak-ring-%d", getpid());
	fd_a = mb_open(name_a, O_RDWR, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL, 0600, 8, BUF_SIZE);
	ASSERT_LE(0, fd_a);
	fd_b = mb_open(name_b, O_RDWR, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL, 0600, 4, BUF_SIZE);
	ASSERT_LE(0, fd_b);
	ASSERT_EQ(0, mbox_ring_open(&ring, name_ring, MBOX_RING_OBSERVER,
				    O_CREAT | O_EXCL, 0600, 4096, 0));
	signal(SIGPIPE, SIG_IGN);
	/* Before any fork, so that no child runs a moment without them. */
	install_handlers();

	/* The inbox's owner first: its producers need its pid. */
	ASSERT_EQ(0, pipe(ready));
	procs[np] = (struct proc){ .kind = K_CONS_INBOX, .index = INBOX_CONS, .killable = 0 };
	procs[np].pid = spawn(&procs[np], ready[1]);
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	close(ready[0]);
	np++;
	for (i = 0; i < PER_KIND; i++) {
		procs[np++] = (struct proc){ .kind = K_PROD_A, .index = i, .killable = 1 };
		procs[np++] = (struct proc){ .kind = K_PROD_B, .index = PER_KIND + i, .killable = 1 };
		procs[np++] = (struct proc){ .kind = K_PROD_INBOX, .index = 2 * PER_KIND + i, .killable = 1 };
		procs[np++] = (struct proc){ .kind = K_CONS_A, .index = i, .killable = 1 };
		procs[np++] = (struct proc){ .kind = K_CONS_B, .index = PER_KIND + i, .killable = 1 };
	}
	procs[np++] = (struct proc){ .kind = K_PROD_RING, .index = RING_PROD, .killable = 0 };
	procs[np++] = (struct proc){ .kind = K_CONS_RING, .index = RING_CONS, .killable = 1 };
	for (i = 1; i < np; i++) {
		procs[i].pid = spawn(&procs[i], -1);
		ASSERT_LT(0, procs[i].pid);
	}

	/*
	 * The chaos loop, until every producer and the ring's consumer are
	 * done. Its 2 ms pause only paces it; nothing waits on time.
	 */
	for (;;) {
		alive = 0;
		while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
			for (i = 0; i < np && procs[i].pid != pid; i++)
				;
			if (i == np)
				continue;
			if (stopped == (int)i)
				stopped = -1;
			if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL && procs[i].killable) {
				reconcile(&procs[i]);
				procs[i].pid = spawn(&procs[i], -1);
			} else {
				EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0)
					TH_LOG("kind %d ended with 0x%x", procs[i].kind, st);
				procs[i].pid = 0;
				procs[i].done = 1;
			}
		}
		for (i = 0; i < np; i++)
			if (!procs[i].done && (procs[i].kind <= K_PROD_RING ||
					       procs[i].kind == K_CONS_RING))
				alive++;
		if (!alive)
			break;
		if (stopped >= 0) {
			kill(procs[stopped].pid, SIGCONT);
			stopped = -1;
		}
		i = rnd() % np;
		if (procs[i].pid <= 0)
			continue;
		switch (rnd() % 6) {
		case 0:
		case 1:
			if (procs[i].killable) {
				kill(procs[i].pid, SIGKILL);
				atomic_fetch_add(&sh->kills, 1);
			}
			break;
		case 2:
			kill(procs[i].pid, SIGSTOP);
			stopped = (int)i;
			atomic_fetch_add(&sh->stops, 1);
			break;
		case 3:
		case 4:
			kill(procs[i].pid, rnd() % 2 ? SIGUSR1 : SIGUSR2);
			atomic_fetch_add(&sh->signals, 1);
			break;
		}
		poll(NULL, 0, 2);
	}

	if (stopped >= 0)
		kill(procs[stopped].pid, SIGCONT);

	/* The inbox's owner stops at END, which comes after everything sent. */
	{
		struct mbox_send end = {
			.buf = (uintptr_t)"END", .len = 3, .flags = MBOX_SEND_TO_PID,
			.pid = (uint32_t)procs[0].pid,
		};
		ASSERT_EQ(0, ioctl(fd_a, MBOX_IOC_SEND, &end));
	}
	for (i = 0; i < np; i++) {
		if (procs[i].pid <= 0)
			continue;
		if (procs[i].kind == K_CONS_A || procs[i].kind == K_CONS_B)
			kill(procs[i].pid, SIGKILL);
		ASSERT_EQ(procs[i].pid, waitpid(procs[i].pid, &st, 0));
		if (procs[i].kind == K_CONS_A || procs[i].kind == K_CONS_B)
			reconcile(&procs[i]);
		else
			EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	drain(name_a, 0);
	drain(name_b, PER_KIND);

	for (p = 0; p < NPROD; p++) {
		for (seq = 0; seq < nmsgs; seq++) {
			int d = deliveries(p, seq);
			int s = atomic_load(&sh->state[p][seq]);

			if (p == RING_PROD) {
				if (d < 1 || d > 1 + atomic_load(&sh->may_repeat[seq]))
					report(&sh->too_many, "ring seq %ld delivered %ld times",
					       seq, d);
				dups += d - 1;
				continue;
			}
			if (s == ST_SENT && d != 1) {
				lost += d == 0;
				report(&sh->too_many, "sent message seq %ld delivered %ld times",
				       seq, d);
			} else if ((s == ST_FAILED || s == ST_NONE) && d) {
				report(&sh->too_many, "unsent message seq %ld delivered %ld times",
				       seq, d);
			}
			failed_ok += s == ST_FAILED;
			doubt += s == ST_ATTEMPT;
		}
	}
	printf("# soak: %lu sent, %lu received, %lu lost, %lu failed sends not delivered, "
	       "%lu in doubt, %lu ring records delivered again\n",
	       atomic_load(&sh->sends), atomic_load(&sh->recvs), lost, failed_ok,
	       doubt, dups);
	printf("# soak: %lu SIGKILLs, %lu SIGSTOPs, %lu other signals, %lu faulting buffers\n",
	       atomic_load(&sh->kills), atomic_load(&sh->stops),
	       atomic_load(&sh->signals), atomic_load(&sh->faults));
	EXPECT_EQ(0, atomic_load(&sh->too_many)) TH_LOG("%s", sh->first);
	EXPECT_EQ(0, atomic_load(&sh->corrupt)) TH_LOG("%s", sh->first);
	EXPECT_EQ(0, atomic_load(&sh->misordered)) TH_LOG("%s", sh->first);
	EXPECT_EQ(0, atomic_load(&sh->unexpected)) TH_LOG("%s", sh->first);
	EXPECT_EQ(0, lost);

	mbox_ring_close(ring);
	close(fd_a);
	close(fd_b);
	EXPECT_EQ(0, mb_unlink(name_a));
	EXPECT_EQ(0, mb_unlink(name_b));
	EXPECT_EQ(0, mbox_ring_unlink(name_ring));
}

TEST_HARNESS_MAIN
