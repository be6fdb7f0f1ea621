// SPDX-License-Identifier: GPL-2.0
/*
 * poll_test: poll() says exactly what the matching non-blocking call would
 * do. Property checks over random states, seeded (the seed is printed;
 * MBOX_POLL_SEED=N replays one), of mailboxes (empty, full, rendezvous,
 * unbounded; blocked receivers, peekers, receivers filtering on us or on
 * someone else, short buffers, blocked senders; unlinked, hung up, dead
 * inbox, unbound) and rings (filled, drained, broken; a side asleep;
 * unlinked, hung up; producer, consumer and observer descriptors). In each
 * state EPOLLIN/EPOLLOUT/EPOLLHUP/EPOLLERR are compared with what a
 * non-blocking receive (a peek, which changes nothing) and a real
 * non-blocking send, or read() and write() on a ring, return.
 *
 * Blocked threads are synchronised through the objects' own waiting counts
 * (MBOX_IOC_STAT, MBOX_IOC_RING_STAT), and released with a signal.
 *
 * Also: an epoll registration made while a descriptor is unbound keeps
 * working after it binds.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "common.h"

#define MSG_SIZE	64
#define RING_SIZE	4096
#define ROUNDS		150
#define REC_MIN		(2 * MBOX_RING_ALIGN)

static unsigned int seed_get(void)
{
	const char *env = getenv("MBOX_POLL_SEED");

	if (env)
		return strtoul(env, NULL, 0);
	return (unsigned int)now_ns() ^ (unsigned int)getpid();
}

static void on_signal(int sig)
{
	(void)sig;
}

/* Blocked calls are released with SIGUSR1, which restarts nothing. */
static void signals_setup(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
}

static short poll_now(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLOUT };

	if (poll(&pfd, 1, 0) < 0)
		return -1;
	return pfd.revents;
}

/* One blocked call in a thread of ours: what it does, and its result. */
enum blocker_kind {
	B_RECV,			/* a receiver with a buffer of MSG_SIZE */
	B_SHORT,		/* ... of 8 bytes */
	B_TRUNC,		/* ... of 8 bytes, MBOX_RECV_TRUNC */
	B_PEEK,			/* a peeker */
	B_FROM_US,		/* a receiver filtering on our pid */
	B_FROM_OTHER,		/* ... on another pid (init's) */
	B_SEND,			/* a sender of MSG_SIZE bytes */
	B_RING_WAIT,		/* MBOX_IOC_RING_WAIT with @need */
	B_KINDS_RECV = B_SEND,	/* the receiving kinds come first */
};

struct blocker {
	pthread_t thread;
	int fd;
	enum blocker_kind kind;
	uint32_t need;
	int ret;
};

static void *blocker_run(void *arg)
{
	struct blocker *b = arg;
	char buf[MSG_SIZE] = { 0 };
	struct mbox_ring_wait rw = { 0 };

	switch (b->kind) {
	case B_RECV:
		b->ret = mb_recvx(b->fd, buf, MSG_SIZE, 0, 0, 0, NULL);
		break;
	case B_SHORT:
		b->ret = mb_recvx(b->fd, buf, 8, 0, 0, 0, NULL);
		break;
	case B_TRUNC:
		b->ret = mb_recvx(b->fd, buf, 8, MBOX_RECV_TRUNC, 0, 0, NULL);
		break;
	case B_PEEK:
		b->ret = mb_recvx(b->fd, buf, MSG_SIZE, MBOX_RECV_PEEK, 0, 0,
				  NULL);
		break;
	case B_FROM_US:
		b->ret = mb_recvx(b->fd, buf, MSG_SIZE, MBOX_RECV_FROM,
				  getpid(), 0, NULL);
		break;
	case B_FROM_OTHER:
		b->ret = mb_recvx(b->fd, buf, MSG_SIZE, MBOX_RECV_FROM, 1, 0,
				  NULL);
		break;
	case B_SEND:
		b->ret = mb_sendx(b->fd, buf, MSG_SIZE, 0, 0, 0, 0);
		break;
	case B_RING_WAIT:
		rw.need = b->need;
		b->ret = ioctl(b->fd, MBOX_IOC_RING_WAIT, &rw) ? -errno : 0;
		break;
	}
	return NULL;
}

static int blocker_start(struct blocker *b, int fd, enum blocker_kind kind,
			 uint32_t need)
{
	b->fd = fd;
	b->kind = kind;
	b->need = need;
	b->ret = 1;
	return pthread_create(&b->thread, NULL, blocker_run, b);
}

/* Release the ones still blocked (a signal: EINTR) and join them all. */
static void blockers_stop(struct blocker *b, int n)
{
	int i;

	for (i = 0; i < n; i++)
		pthread_kill(b[i].thread, SIGUSR1);
	for (i = 0; i < n; i++)
		pthread_join(b[i].thread, NULL);
}

/* Wait until @fd's ring has @sleepers asleep, @sleeps in all: a sync point. */
static bool ring_wait_sleepers(int fd, uint32_t sleepers, uint64_t sleeps)
{
	uint64_t end = now_ns() + 20000000000ULL;
	struct mbox_ring_stat st;

	while (now_ns() < end) {
		if (ring_stat(fd, &st))
			return false;
		if (st.sleepers == sleepers && st.sleeps >= sleeps)
			return true;
		usleep(1000);
	}
	return false;
}

/*
 * Mailboxes. What poll says of a descriptor that may receive, against a
 * non-blocking peek (which changes nothing): a message (EPOLLIN), nothing
 * yet (none of IN, HUP, ERR: EAGAIN), or never any more (HUP or ERR
 * without IN: EPIPE, ENOTCONN on an unbound descriptor).
 */
static void check_recv(struct __test_metadata *_metadata, int fd,
		       short revents, const char *state)
{
	char buf[MSG_SIZE];
	int r;

	r = mb_recvx(fd, buf, MSG_SIZE,
		     MBOX_RECV_PEEK | MBOX_RECV_NONBLOCK | MBOX_RECV_TRUNC, 0, 0,
		     NULL);
	if (r >= 0) {
		EXPECT_TRUE(revents & POLLIN)
			TH_LOG("%s: peek %d, poll %#x", state, r, revents);
	} else if (r == -EAGAIN) {
		EXPECT_FALSE(revents & (POLLIN | POLLHUP | POLLERR))
			TH_LOG("%s: peek EAGAIN, poll %#x", state, revents);
	} else {
		EXPECT_TRUE((revents & (POLLHUP | POLLERR)) && !(revents & POLLIN))
			TH_LOG("%s: peek %d, poll %#x", state, r, revents);
	}
}

/*
 * Of one that may send, against a real non-blocking send of MSG_SIZE
 * bytes: it goes (EPOLLOUT, no ERR), it would block (neither: EAGAIN), or
 * it fails for good (ERR: EPIPE, ESRCH, ENOTCONN).
 */
static void check_send(struct __test_metadata *_metadata, int fd,
		       short revents, const char *state)
{
	char buf[MSG_SIZE] = { 0 };
	int r;

	r = mb_sendx(fd, buf, MSG_SIZE, MBOX_SEND_NONBLOCK, 0, 0, 0);
	if (!r) {
		EXPECT_TRUE((revents & POLLOUT) && !(revents & POLLERR))
			TH_LOG("%s: send 0, poll %#x", state, revents);
	} else if (r == -EAGAIN) {
		EXPECT_FALSE(revents & (POLLOUT | POLLERR))
			TH_LOG("%s: send EAGAIN, poll %#x", state, revents);
	} else {
		EXPECT_TRUE(revents & POLLERR)
			TH_LOG("%s: send %d, poll %#x", state, r, revents);
	}
}

struct mb_state {
	int kind;		/* 0 capacity 2, 1 unbounded, 2 rendezvous */
	int queued;
	int nr_blockers;
	struct blocker blockers[4];
	bool unlinked, no_writers, no_readers;
	char desc[160];
};

/* Build one random mailbox state and check it. */
static void mailbox_round(struct __test_metadata *_metadata, unsigned int *rs)
{
	static const uint32_t kinds[] = { 0, MBOX_OPEN_UNBOUNDED,
					  MBOX_OPEN_RENDEZVOUS };
	char name[MBOX_NAME_MAX + 1], buf[MSG_SIZE] = { 0 };
	int rw, rd, wr, i, senders = 0, receivers = 0, n;
	struct mb_state s = { 0 };
	short ev_rw, ev_rd, ev_wr;
	bool room;

	snprintf(name, sizeof(name), "%s", mb_name("poll"));
	s.kind = rand_r(rs) % 3;
	rw = mb_open(name, O_RDWR, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL |
		     kinds[s.kind], 0600, s.kind ? 0 : 2, MSG_SIZE);
	ASSERT_LE(0, rw);
	rd = mb_open(name, O_RDONLY, 0, 0, 0, 0);
	wr = mb_open(name, O_WRONLY, 0, 0, 0, 0);
	ASSERT_LE(0, rd);
	ASSERT_LE(0, wr);

	if (s.kind != 2) {
		s.queued = rand_r(rs) % 3;
		for (i = 0; i < s.queued; i++)
			ASSERT_EQ(0, mb_sendx(wr, buf, MSG_SIZE, 0, 0, 0, 0));
	}
	room = s.kind == 1 || (s.kind == 0 && s.queued < 2);

	/*
	 * Blocked calls: with no room, maybe a sender; then only receivers
	 * that want none of what is there can block, as when messages are
	 * queued; on an empty mailbox, any receiver.
	 */
	if (!room && rand_r(rs) % 2) {
		ASSERT_EQ(0, blocker_start(&s.blockers[s.nr_blockers++], wr,
					   B_SEND, 0));
		senders++;
		ASSERT_TRUE(mb_wait_waiters(rw, senders, 0));
	}
	n = rand_r(rs) % 4;
	for (i = 0; i < n; i++) {
		enum blocker_kind k = rand_r(rs) % B_KINDS_RECV;

		if (s.queued || senders)
			k = B_FROM_OTHER;
		ASSERT_EQ(0, blocker_start(&s.blockers[s.nr_blockers++], rd, k, 0));
		receivers++;
		ASSERT_TRUE(mb_wait_waiters(rw, senders, receivers));
	}

	/* Unlinked; then maybe every writer gone, or every reader. */
	if (rand_r(rs) % 3 == 0) {
		ASSERT_EQ(0, mb_unlink(name));
		s.unlinked = true;
		if (!senders && rand_r(rs) % 2) {
			close(rw);
			close(wr);
			rw = wr = -1;
			s.no_writers = true;
			/* The receivers were told: EPIPE. */
			ASSERT_TRUE(mb_wait_waiters(rd, 0, 0));
		} else if (!receivers && rand_r(rs) % 2) {
			close(rw);
			close(rd);
			rw = rd = -1;
			s.no_readers = true;
			ASSERT_TRUE(mb_wait_waiters(wr, 0, 0));
		}
	}
	snprintf(s.desc, sizeof(s.desc),
		 "kind %d queued %d senders %d receivers %d (%d %d %d %d)%s%s%s",
		 s.kind, s.queued, senders, receivers,
		 s.nr_blockers > 0 ? (int)s.blockers[0].kind : -1,
		 s.nr_blockers > 1 ? (int)s.blockers[1].kind : -1,
		 s.nr_blockers > 2 ? (int)s.blockers[2].kind : -1,
		 s.nr_blockers > 3 ? (int)s.blockers[3].kind : -1,
		 s.unlinked ? " unlinked" : "", s.no_writers ? " no-writers" : "",
		 s.no_readers ? " no-readers" : "");

	/* Poll everything first: the send changes the state. */
	ev_rw = rw >= 0 ? poll_now(rw) : 0;
	ev_rd = rd >= 0 ? poll_now(rd) : 0;
	ev_wr = wr >= 0 ? poll_now(wr) : 0;
	if (rw >= 0 && wr >= 0)
		EXPECT_EQ(ev_wr & (POLLOUT | POLLERR), ev_rw & (POLLOUT | POLLERR))
			TH_LOG("%s", s.desc);
	if (rw >= 0 && rd >= 0)
		EXPECT_EQ(ev_rd & (POLLIN | POLLHUP), ev_rw & (POLLIN | POLLHUP))
			TH_LOG("%s", s.desc);
	if (rd >= 0)
		check_recv(_metadata, rd, ev_rd, s.desc);
	if (rw >= 0)
		check_recv(_metadata, rw, ev_rw, s.desc);
	if (wr >= 0)
		check_send(_metadata, wr, ev_wr, s.desc);
	else if (rw >= 0)
		check_send(_metadata, rw, ev_rw, s.desc);

	blockers_stop(s.blockers, s.nr_blockers);
	if (!s.unlinked)
		mb_unlink(name);
	if (rw >= 0)
		close(rw);
	if (rd >= 0)
		close(rd);
	if (wr >= 0)
		close(wr);
}

TEST(mailbox_poll_matches_calls)
{
	unsigned int seed = seed_get(), rs = seed;
	int round;

	signals_setup();
	TH_LOG("seed %u (MBOX_POLL_SEED=%u replays it)", seed, seed);
	for (round = 0; round < ROUNDS && _metadata->passed; round++)
		mailbox_round(_metadata, &rs);
}

/*
 * The two states of a mailbox that no random round reaches: a descriptor
 * bound to a dead inbox (its process exited) and an unbound one.
 */
TEST(mailbox_poll_dead_inbox_and_unbound)
{
	int to_parent[2], to_child[2], inbox, fd, pidfd, unbound;
	char c = 0;
	pid_t pid;

	unbound = open("/dev/mbox", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, unbound);
	EXPECT_EQ(POLLERR, poll_now(unbound));
	check_recv(_metadata, unbound, poll_now(unbound), "unbound");
	check_send(_metadata, unbound, poll_now(unbound), "unbound");
	close(unbound);

	/* The child's inbox, taken over with pidfd_getfd(), then it exits. */
	ASSERT_EQ(0, pipe(to_parent));
	ASSERT_EQ(0, pipe(to_child));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		inbox = inbox_open(O_RDWR, 0, 0622, 0);
		if (inbox < 0)
			_exit(1);
		if (write(to_parent[1], &inbox, sizeof(inbox)) != sizeof(inbox))
			_exit(1);
		/* Until the parent has its copy. */
		if (read(to_child[0], &c, 1) != 1)
			_exit(1);
		_exit(0);
	}
	ASSERT_EQ(sizeof(inbox), read(to_parent[0], &inbox, sizeof(inbox)));
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	ASSERT_LE(0, pidfd);
	fd = syscall(SYS_pidfd_getfd, pidfd, inbox, 0);
	if (fd < 0) {
		write(to_child[1], &c, 1);
		reap(pid);
		SKIP(return, "pidfd_getfd: %s", strerror(errno));
	}
	ASSERT_LE(0, poll_now(fd));
	EXPECT_FALSE(poll_now(fd) & (POLLHUP | POLLERR));
	ASSERT_EQ(1, write(to_child[1], &c, 1));
	ASSERT_EQ(0, reap(pid));
	EXPECT_EQ(POLLHUP | POLLERR, poll_now(fd));
	check_recv(_metadata, fd, poll_now(fd), "dead inbox");
	check_send(_metadata, fd, poll_now(fd), "dead inbox");
	close(fd);
	close(pidfd);
	close(to_parent[0]);
	close(to_parent[1]);
	close(to_child[0]);
	close(to_child[1]);
}

/*
 * The decision for filtered receivers: on a rendezvous mailbox, a receiver
 * filtering on pid P makes the mailbox writable for P only; a peeker makes
 * it writable for nobody.
 */
TEST(mailbox_pollout_follows_the_filter)
{
	char name[MBOX_NAME_MAX + 1];
	struct blocker b[2];
	int fd, status;
	pid_t pid;

	signals_setup();
	snprintf(name, sizeof(name), "%s", mb_name("pollflt"));
	fd = mb_open(name, O_RDWR, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL |
		     MBOX_OPEN_RENDEZVOUS, 0600, 0, MSG_SIZE);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, blocker_start(&b[0], fd, B_PEEK, 0));
	ASSERT_TRUE(mb_wait_waiters(fd, 0, 1));
	EXPECT_EQ(0, poll_now(fd) & POLLOUT);
	EXPECT_EQ(-EAGAIN, mb_sendx(fd, "x", 1, MBOX_SEND_NONBLOCK, 0, 0, 0));

	ASSERT_EQ(0, blocker_start(&b[1], fd, B_FROM_US, 0));
	ASSERT_TRUE(mb_wait_waiters(fd, 0, 2));
	/* A child is another sender: not writable for it, and it can't send. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (poll_now(fd) & POLLOUT)
			_exit(1);
		if (mb_sendx(fd, "x", 1, MBOX_SEND_NONBLOCK, 0, 0, 0) != -EAGAIN)
			_exit(2);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* For us it is writable, and the send goes to that receiver. */
	EXPECT_EQ(POLLOUT, poll_now(fd) & POLLOUT);
	EXPECT_EQ(0, mb_sendx(fd, "x", 1, MBOX_SEND_NONBLOCK, 0, 0, 0));
	pthread_join(b[1].thread, NULL);
	EXPECT_EQ(1, b[1].ret);
	blockers_stop(b, 1);
	EXPECT_EQ(1, b[0].ret);
	mb_unlink(name);
	close(fd);
}

/*
 * Rings. A producer's EPOLLOUT is for a record of the size its side asked
 * room for (the wakeup word, at least a small record), so the write()
 * compared has that size.
 */
struct ring_fds {
	int prod, cons, obs;
	struct mbox_ring_layout layout;
	uint8_t *map;		/* the observer's mapping */
};

static uint32_t ring_word(const struct ring_fds *r, uint32_t off)
{
	return __atomic_load_n((uint32_t *)(r->map + off + r->layout.wakeup_off),
			       __ATOMIC_SEQ_CST);
}

static void check_ring_write(struct __test_metadata *_metadata,
			     struct ring_fds *r, short revents, const char *state)
{
	static char buf[RING_SIZE];
	uint32_t need = ring_word(r, r->layout.prod_off);
	ssize_t n;

	if (need < REC_MIN)
		need = REC_MIN;
	n = write(r->prod, buf, need - sizeof(struct mbox_ring_hdr));
	if (n > 0) {
		EXPECT_TRUE((revents & POLLOUT) && !(revents & POLLERR))
			TH_LOG("%s: write(%u) %zd, poll %#x", state, need, n, revents);
	} else if (errno == EAGAIN) {
		EXPECT_FALSE(revents & (POLLOUT | POLLERR))
			TH_LOG("%s: write(%u) EAGAIN, poll %#x", state, need, revents);
	} else {
		int err = errno;

		EXPECT_TRUE(revents & POLLERR)
			TH_LOG("%s: write(%u) %d, poll %#x", state, need, err, revents);
		/* A write(2) that fails with EPIPE raises SIGPIPE, and only it. */
		EXPECT_EQ(err == EPIPE, sigpipe_take())
			TH_LOG("%s: write(%u) %d", state, need, err);
	}
}

static void check_ring_read(struct __test_metadata *_metadata,
			    struct ring_fds *r, short revents, const char *state)
{
	static char buf[RING_SIZE];
	ssize_t n;

	n = read(r->cons, buf, sizeof(buf));
	if (n > 0 || (n < 0 && errno == EBADMSG)) {
		EXPECT_TRUE(revents & POLLIN)
			TH_LOG("%s: read %zd, poll %#x", state, n, revents);
	} else if (errno == EAGAIN) {
		EXPECT_FALSE(revents & (POLLIN | POLLHUP | POLLERR))
			TH_LOG("%s: read EAGAIN, poll %#x", state, revents);
	} else if (errno == EUCLEAN) {
		EXPECT_EQ(POLLERR, revents)
			TH_LOG("%s: read EUCLEAN", state);
	} else {
		EXPECT_TRUE((revents & POLLHUP) && !(revents & POLLIN))
			TH_LOG("%s: read %d, poll %#x", state, errno, revents);
	}
}

static void ring_round(struct __test_metadata *_metadata, unsigned int *rs)
{
	char name[MBOX_NAME_MAX + 1], desc[160];
	static char buf[RING_SIZE];
	struct mbox_ring_stat st;
	struct blocker b;
	bool waiting = false, broken = false, unlinked = false;
	struct ring_fds r;
	short ev_prod = 0, ev_cons = 0, ev_obs;
	uint32_t used, target, len, need = 0;
	uint8_t *cmap = MAP_FAILED;
	int hang = 0;

	snprintf(name, sizeof(name), "%s", mb_name("pollring"));
	r.obs = ring_open(name, O_RDONLY, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL,
			  0600, RING_SIZE, MBOX_RING_OBSERVER, &r.layout);
	ASSERT_LE(0, r.obs);
	r.prod = ring_open(name, O_RDWR | O_NONBLOCK, 0, 0, 0,
			   MBOX_RING_PRODUCER, NULL);
	r.cons = ring_open(name, O_RDWR | O_NONBLOCK, 0, 0, 0,
			   MBOX_RING_CONSUMER, NULL);
	ASSERT_LE(0, r.prod);
	ASSERT_LE(0, r.cons);
	r.map = mmap(NULL, r.layout.mmap_size, PROT_READ, MAP_SHARED, r.obs, 0);
	ASSERT_NE(MAP_FAILED, r.map);

	/* Fill to a random level, sometimes to the brim, then drain some. */
	target = rand_r(rs) % 4 ? rand_r(rs) % (RING_SIZE + 1) : RING_SIZE;
	target &= ~(MBOX_RING_ALIGN - 1);
	for (;;) {
		len = 1 + rand_r(rs) % 600;
		if (ring_stat(r.obs, &st))
			break;
		used = st.prod - st.cons;
		if (used + MBOX_RING_REC_SIZE(len) > target) {
			len = target - used;
			if (len < REC_MIN)
				break;
			len -= sizeof(struct mbox_ring_hdr);
		}
		ASSERT_LT(0, write(r.prod, buf, len));
	}
	len = rand_r(rs) % 3;
	while (len--)
		read(r.cons, buf, sizeof(buf));
	ASSERT_EQ(0, ring_stat(r.obs, &st));
	used = st.prod - st.cons;

	switch (rand_r(rs) % 4) {
	case 0:
		/* The producer waits for more room than is free. */
		if (RING_SIZE - used >= RING_SIZE)
			break;
		need = RING_SIZE - used + 8 * (1 + rand_r(rs) % 8);
		if (need > RING_SIZE)
			need = RING_SIZE;
		ASSERT_EQ(0, blocker_start(&b, r.prod, B_RING_WAIT, need));
		waiting = true;
		break;
	case 1:
		if (used)
			break;
		ASSERT_EQ(0, blocker_start(&b, r.cons, B_RING_WAIT, 0));
		waiting = true;
		break;
	case 2:
		/* The consumer scribbles over its position. */
		if (rand_r(rs) % 2)
			break;
		cmap = mmap(NULL, r.layout.prod_off, PROT_READ | PROT_WRITE,
			    MAP_SHARED, r.cons, 0);
		ASSERT_NE(MAP_FAILED, cmap);
		__atomic_store_n((uint32_t *)(cmap + r.layout.pos_off),
				 st.cons + 4, __ATOMIC_RELEASE);
		broken = true;
		break;
	}
	if (waiting)
		ASSERT_TRUE(ring_wait_sleepers(r.obs, 1, 1));

	if (!waiting && !broken && rand_r(rs) % 2) {
		ASSERT_EQ(0, ring_unlink(name));
		unlinked = true;
		hang = rand_r(rs) % 3;
		if (hang == 1) {
			close(r.prod);
			r.prod = -1;
		} else if (hang == 2) {
			close(r.cons);
			r.cons = -1;
		}
	}
	snprintf(desc, sizeof(desc),
		 "used %u waiting %d need %u broken %d unlinked %d hang %d",
		 used, waiting, need, broken, unlinked, hang);

	if (r.prod >= 0)
		ev_prod = poll_now(r.prod);
	if (r.cons >= 0)
		ev_cons = poll_now(r.cons);
	ev_obs = poll_now(r.obs);
	/* An observer sees what the consumer's side sees. */
	if (r.cons >= 0)
		EXPECT_EQ(ev_cons, ev_obs) TH_LOG("%s", desc);
	/* One real call per round: each changes what the other side sees. */
	if (r.prod >= 0 && (r.cons < 0 || rand_r(rs) % 2))
		check_ring_write(_metadata, &r, ev_prod, desc);
	else if (r.cons >= 0)
		check_ring_read(_metadata, &r, ev_cons, desc);

	if (waiting)
		blockers_stop(&b, 1);
	if (cmap != MAP_FAILED)
		munmap(cmap, r.layout.prod_off);
	munmap(r.map, r.layout.mmap_size);
	if (!unlinked)
		ring_unlink(name);
	if (r.prod >= 0)
		close(r.prod);
	if (r.cons >= 0)
		close(r.cons);
	close(r.obs);
}

TEST(ring_poll_matches_calls)
{
	unsigned int seed = seed_get(), rs = seed;
	int round;

	signals_setup();
	sigpipe_block();
	TH_LOG("seed %u (MBOX_POLL_SEED=%u replays it)", seed, seed);
	for (round = 0; round < ROUNDS && _metadata->passed; round++)
		ring_round(_metadata, &rs);
}

/* Bind @fd, opened unbound, to mailbox @name. */
static int bind_mailbox(int fd, const char *name)
{
	struct mbox_open args = { .name = (uintptr_t)name };

	return ioctl(fd, MBOX_IOC_OPEN, &args) ? -errno : 0;
}

static int epoll_now(int ep, uint32_t *events)
{
	struct epoll_event ev = { 0 };
	int n = epoll_wait(ep, &ev, 1, 0);

	*events = n > 0 ? ev.events : 0;
	return n;
}

/*
 * An epoll registration made before the bind: EPOLLERR while unbound, then
 * the object's events, level- and edge-triggered.
 */
TEST(epoll_registered_before_bind)
{
	int fd, wr, ep, et, ring, prod;
	char name[MBOX_NAME_MAX + 1], rname[MBOX_NAME_MAX + 1];
	struct mbox_ring_open ro = { 0 };
	struct epoll_event ev = { 0 };
	uint32_t events;

	snprintf(name, sizeof(name), "%s", mb_name("pollbind"));
	wr = mb_open(name, O_RDWR, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL, 0600, 4,
		     MSG_SIZE);
	ASSERT_LE(0, wr);
	fd = open("/dev/mbox", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ep = epoll_create1(EPOLL_CLOEXEC);
	et = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_LE(0, et);
	ev.events = EPOLLIN;
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	ev.events = EPOLLIN | EPOLLET;
	ASSERT_EQ(0, epoll_ctl(et, EPOLL_CTL_ADD, fd, &ev));
	ASSERT_EQ(1, epoll_now(ep, &events));
	EXPECT_EQ(EPOLLERR, events);
	ASSERT_EQ(1, epoll_now(et, &events));
	EXPECT_EQ(EPOLLERR, events);

	ASSERT_EQ(0, bind_mailbox(fd, name));
	/* Bound and empty: nothing for either. */
	EXPECT_EQ(0, epoll_now(ep, &events));
	epoll_now(et, &events);
	EXPECT_EQ(0, epoll_now(et, &events));
	/* A message: both hear of it. */
	ASSERT_EQ(0, mb_sendx(wr, "x", 1, 0, 0, 0, 0));
	ASSERT_EQ(1, epoll_now(ep, &events));
	EXPECT_EQ(EPOLLIN, events);
	ASSERT_EQ(1, epoll_now(et, &events));
	EXPECT_EQ(EPOLLIN, events);
	EXPECT_EQ(1, mb_recvx(fd, (char[8]){ 0 }, 8, 0, 0, 0, NULL));
	EXPECT_EQ(0, epoll_now(ep, &events));
	ASSERT_EQ(0, mb_sendx(wr, "y", 1, 0, 0, 0, 0));
	ASSERT_EQ(1, epoll_now(et, &events));
	EXPECT_EQ(EPOLLIN, events);
	/* The hang-up too. */
	mb_unlink(name);
	close(wr);
	ASSERT_EQ(1, epoll_now(et, &events));
	EXPECT_EQ(EPOLLIN | EPOLLHUP, events);
	close(fd);

	/* A ring's consumer registered before it binds. */
	snprintf(rname, sizeof(rname), "%s", mb_name("pollbindring"));
	prod = ring_open(rname, O_RDWR, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL, 0600,
			 RING_SIZE, MBOX_RING_PRODUCER, NULL);
	ASSERT_LE(0, prod);
	ring = open("/dev/mbox", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, ring);
	ev.events = EPOLLIN | EPOLLET;
	ASSERT_EQ(0, epoll_ctl(et, EPOLL_CTL_ADD, ring, &ev));
	ASSERT_EQ(1, epoll_now(et, &events));
	EXPECT_EQ(EPOLLERR, events);
	ro.name = (uintptr_t)rname;
	ro.role = MBOX_RING_CONSUMER;
	ASSERT_EQ(0, ioctl(ring, MBOX_IOC_RING_OPEN, &ro));
	epoll_now(et, &events);
	EXPECT_EQ(0, epoll_now(et, &events));
	ASSERT_EQ(1, write(prod, "r", 1));
	ASSERT_EQ(1, epoll_now(et, &events));
	EXPECT_EQ(EPOLLIN, events);
	ring_unlink(rname);
	close(prod);
	close(ring);
	close(ep);
	close(et);
}

TEST_HARNESS_MAIN
