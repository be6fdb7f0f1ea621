// SPDX-License-Identifier: GPL-2.0
/*
 * libmbox-mq against the kernel's mqueue: each scenario runs twice, in a
 * fresh process each time, once with glibc's mq_*() (the kernel's POSIX
 * message queues) and once with libmbox-mq's (loaded with dlopen, so that
 * neither interposes on the other). Every call's result and errno goes into
 * a trace; the two traces must be equal, step by step.
 *
 * The scenarios cover the name rules, the attribute checks and limits
 * (/proc/sys/fs/mqueue, RLIMIT_MSGQUEUE, RLIMIT_NOFILE, privileged and not),
 * permissions, send and receive with priorities, the blocking and
 * non-blocking paths, timeouts, signals, mq_notify and poll/epoll, and
 * with them EINVAL, EEXIST, ENOENT, EACCES, EPERM, EMSGSIZE, EAGAIN,
 * ETIMEDOUT, EBADF, EINTR, ENAMETOOLONG, EMFILE, ENOSPC and EBUSY.
 *
 * MQ_DIFF_TRACE=1 in the environment prints every step as it is made.
 *
 * Left out, because libmbox-mq differs there on purpose (libmbox-mq(3)):
 * priorities 32 to 32767, a timed call interrupted under SA_RESTART, and
 * names with bytes outside printable ASCII.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "common.h"

struct mq_ops {
	const char *name;
	mqd_t (*open)(const char *, int, ...);
	int (*close)(mqd_t);
	int (*unlink)(const char *);
	int (*send)(mqd_t, const char *, size_t, unsigned int);
	int (*timedsend)(mqd_t, const char *, size_t, unsigned int,
			 const struct timespec *);
	ssize_t (*receive)(mqd_t, char *, size_t, unsigned int *);
	ssize_t (*timedreceive)(mqd_t, char *, size_t, unsigned int *,
				const struct timespec *);
	int (*getattr)(mqd_t, struct mq_attr *);
	int (*setattr)(mqd_t, const struct mq_attr *, struct mq_attr *);
	int (*notify)(mqd_t, const struct sigevent *);
};

static const struct mq_ops kernel_ops = {
	"kernel", mq_open, mq_close, mq_unlink, mq_send, mq_timedsend,
	mq_receive, mq_timedreceive, mq_getattr, mq_setattr, mq_notify,
};

/* libmbox-mq's functions, or a reason why not. */
static const char *load_mbox(struct mq_ops *o)
{
	void *h;

	if (access("/dev/mbox", F_OK))
		return "no /dev/mbox";
	h = dlopen("libmbox-mq.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return dlerror();
	o->name = "libmbox-mq";
#define SYM(f) do { *(void **)&o->f = dlsym(h, "mq_" #f); if (!o->f) return #f; } while (0)
	SYM(open); SYM(close); SYM(unlink); SYM(send); SYM(timedsend);
	SYM(receive); SYM(timedreceive); SYM(getattr); SYM(setattr);
	SYM(notify);
#undef SYM
	return NULL;
}

/* The trace, in shared memory so that forked children add to it. */
struct step {
	char what[64];
	long ret;
	int err;
};

struct trace {
	int n;
	struct step s[512];
};

static struct trace *cur;

static long rec(const char *what, long ret)
{
	int e = errno;
	struct step *s;

	if (cur->n < (int)(sizeof(cur->s) / sizeof(cur->s[0]))) {
		s = &cur->s[cur->n++];
		snprintf(s->what, sizeof(s->what), "%s", what);
		s->ret = ret;
		s->err = ret == -1 ? e : 0;
		if (getenv("MQ_DIFF_TRACE"))
			fprintf(stderr, "# %d %s: %ld %d\n", cur->n - 1, what, ret, s->err);
	}
	errno = e;
	return ret;
}

/* A descriptor's number may differ; only success matters. */
static mqd_t rec_fd(const char *what, mqd_t q)
{
	rec(what, q < 0 ? -1 : 0);
	return q;
}

#define R(what, expr) rec(what, (long)(expr))
#define RFD(what, expr) rec_fd(what, (expr))

static struct timespec from_now(long ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	if (ts.tv_nsec < 0) {
		ts.tv_sec--;
		ts.tv_nsec += 1000000000L;
	}
	return ts;
}

static void write_sysctl(const char *name, long v)
{
	char path[96];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/fs/mqueue/%s", name);
	f = fopen(path, "w");
	if (f) {
		fprintf(f, "%ld", v);
		fclose(f);
	}
}

static long read_sysctl(const char *name)
{
	char path[96];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/fs/mqueue/%s", name);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static struct mq_attr attr(long maxmsg, long msgsize)
{
	struct mq_attr a = { .mq_maxmsg = maxmsg, .mq_msgsize = msgsize };

	return a;
}

static void rec_attr(const char *what, const struct mq_ops *o, mqd_t q)
{
	struct mq_attr a;
	char buf[64];

	memset(&a, 0xcc, sizeof(a));
	if (R(what, o->getattr(q, &a)))
		return;
	snprintf(buf, sizeof(buf), "%s.flags", what);
	R(buf, a.mq_flags);
	snprintf(buf, sizeof(buf), "%s.maxmsg", what);
	R(buf, a.mq_maxmsg);
	snprintf(buf, sizeof(buf), "%s.msgsize", what);
	R(buf, a.mq_msgsize);
	snprintf(buf, sizeof(buf), "%s.curmsgs", what);
	R(buf, a.mq_curmsgs);
}

/* Run @fn in a child process; waits for it. */
static void in_child(void (*fn)(const struct mq_ops *, void *),
		     const struct mq_ops *o, void *arg)
{
	pid_t pid = fork();

	if (pid == 0) {
		fn(o, arg);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
}

/* ---- names ---- */

static void sc_names(const struct mq_ops *o)
{
	struct mq_attr bad = attr(0, 0), ok = attr(2, 16);
	char lname[300];
	mqd_t q;

	RFD("open no slash", o->open("mqdiff", O_RDWR | O_CREAT, 0600, NULL));
	RFD("open /", o->open("/", O_RDWR | O_CREAT, 0600, NULL));
	RFD("open /a/b", o->open("/a/b", O_RDWR | O_CREAT, 0600, NULL));
	RFD("open /.", o->open("/.", O_RDWR | O_CREAT, 0600, NULL));
	RFD("open /..", o->open("/..", O_RDWR | O_CREAT, 0600, NULL));
	lname[0] = '/';
	memset(lname + 1, 'n', 256);
	lname[257] = 0;
	RFD("open 256 bytes", o->open(lname, O_RDWR | O_CREAT, 0600, NULL));
	R("unlink 256 bytes", o->unlink(lname));
	lname[256] = 0;
	q = RFD("open 255 bytes", o->open(lname, O_RDWR | O_CREAT, 0600, &ok));
	R("close", o->close(q));
	R("unlink 255 bytes", o->unlink(lname));

	RFD("open missing", o->open("/mqdiff-n", O_RDWR));
	q = RFD("create excl", o->open("/mqdiff-n", O_RDWR | O_CREAT | O_EXCL, 0600, &ok));
	RFD("create excl again", o->open("/mqdiff-n", O_RDWR | O_CREAT | O_EXCL, 0600, &ok));
	RFD("excl, bad attr, exists", o->open("/mqdiff-n", O_RDWR | O_CREAT | O_EXCL, 0600, &bad));
	mqd_t q2 = RFD("creat, bad attr, exists", o->open("/mqdiff-n", O_RDWR | O_CREAT, 0600, &bad));
	rec_attr("attr of existing", o, q2);
	R("close", o->close(q2));
	RFD("O_ACCMODE 3 existing", o->open("/mqdiff-n", O_RDWR | O_WRONLY));
	R("close", o->close(q));

	R("unlink no slash", o->unlink("mqdiff-n"));
	R("unlink /", o->unlink("/"));
	R("unlink /a/b", o->unlink("/a/b"));
	R("unlink", o->unlink("/mqdiff-n"));
	R("unlink again", o->unlink("/mqdiff-n"));
	R("close -1", o->close(-1));
}

/* ---- attributes and limits ---- */

static void as_nobody(const struct mq_ops *o, void *arg)
{
	struct mq_attr a;
	mqd_t q;

	(void)arg;
	if (become_user(65534, 65534)) {
		R("become nobody", -1);
		return;
	}
	a = attr(read_sysctl("msg_max") + 1, 16);
	RFD("nobody: maxmsg > msg_max", o->open("/mqdiff-u", O_RDWR | O_CREAT, 0600, &a));
	a = attr(1, read_sysctl("msgsize_max") + 1);
	RFD("nobody: msgsize > msgsize_max", o->open("/mqdiff-u", O_RDWR | O_CREAT, 0600, &a));
	a = attr(2, 16);
	q = RFD("nobody: create", o->open("/mqdiff-u", O_RDWR | O_CREAT, 0600, &a));
	R("nobody: close", o->close(q));
	R("nobody: unlink own", o->unlink("/mqdiff-u"));
	RFD("nobody: open 0600 root's", o->open("/mqdiff-r", O_RDONLY));
	RFD("nobody: open 0600 root's wr", o->open("/mqdiff-r", O_WRONLY));
	R("nobody: unlink root's", o->unlink("/mqdiff-r"));
	q = RFD("nobody: open 0644 root's rd", o->open("/mqdiff-p", O_RDONLY));
	R("nobody: close", o->close(q));
	RFD("nobody: open 0644 root's wr", o->open("/mqdiff-p", O_WRONLY));
}

static void nobody_queues_max(const struct mq_ops *o, void *arg)
{
	struct mq_attr a = attr(2, 16);

	(void)arg;
	if (become_user(65534, 65534))
		return;
	RFD("nobody: over queues_max", o->open("/mqdiff-u", O_RDWR | O_CREAT, 0600, &a));
}

static void sc_attrs(const struct mq_ops *o)
{
	long def_msgs = read_sysctl("msg_default"), def_size = read_sysctl("msgsize_default");
	long msg_max = read_sysctl("msg_max"), size_max = read_sysctl("msgsize_max");
	long qmax = read_sysctl("queues_max");
	struct rlimit rl, old;
	struct mq_attr a;
	mqd_t q, r, p;
	int lowest;

	a = attr(0, 16);
	RFD("maxmsg 0", o->open("/mqdiff-a", O_RDWR | O_CREAT, 0600, &a));
	a = attr(2, 0);
	RFD("msgsize 0", o->open("/mqdiff-a", O_RDWR | O_CREAT, 0600, &a));
	a = attr(-1, 16);
	RFD("maxmsg -1", o->open("/mqdiff-a", O_RDWR | O_CREAT, 0600, &a));
	a = attr(65537, 16);
	RFD("maxmsg > HARD_MSGMAX", o->open("/mqdiff-a", O_RDWR | O_CREAT, 0600, &a));
	a = attr(1, 16 * 1024 * 1024 + 1);
	RFD("msgsize > HARD_MSGSIZEMAX", o->open("/mqdiff-a", O_RDWR | O_CREAT, 0600, &a));
	a = attr(msg_max + 1, 16);
	q = RFD("root: maxmsg > msg_max", o->open("/mqdiff-a", O_RDWR | O_CREAT, 0600, &a));
	rec_attr("root: maxmsg > msg_max", o, q);
	R("close", o->close(q));
	R("unlink", o->unlink("/mqdiff-a"));

	/* Defaults: msg_default and msgsize_default, capped by the maxima. */
	write_sysctl("msg_default", 7);
	write_sysctl("msgsize_default", 300);
	q = RFD("default attr", o->open("/mqdiff-a", O_RDWR | O_CREAT | O_NONBLOCK, 0600, NULL));
	rec_attr("default attr", o, q);
	R("close", o->close(q));
	R("unlink", o->unlink("/mqdiff-a"));
	write_sysctl("msg_default", msg_max + 5);
	q = RFD("default > max", o->open("/mqdiff-a", O_RDWR | O_CREAT, 0600, NULL));
	rec_attr("default > max", o, q);
	R("close", o->close(q));
	R("unlink", o->unlink("/mqdiff-a"));
	write_sysctl("msg_default", def_msgs);
	write_sysctl("msgsize_default", def_size);

	/* RLIMIT_MSGQUEUE binds root too. */
	getrlimit(RLIMIT_MSGQUEUE, &old);
	rl.rlim_cur = rl.rlim_max = 4096;
	setrlimit(RLIMIT_MSGQUEUE, &rl);
	a = attr(10, 1024);
	RFD("over RLIMIT_MSGQUEUE", o->open("/mqdiff-a", O_RDWR | O_CREAT, 0600, &a));
	a = attr(2, 100);
	q = RFD("within RLIMIT_MSGQUEUE", o->open("/mqdiff-a", O_RDWR | O_CREAT, 0600, &a));
	R("close", o->close(q));
	R("unlink", o->unlink("/mqdiff-a"));
	setrlimit(RLIMIT_MSGQUEUE, &old);

	/* No descriptor left: EMFILE before anything else. */
	lowest = dup(0);
	close(lowest);
	getrlimit(RLIMIT_NOFILE, &old);
	rl.rlim_cur = lowest;
	rl.rlim_max = old.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	RFD("no descriptor left", o->open("/mqdiff-a", O_RDWR | O_CREAT, 0600, NULL));
	RFD("no descriptor left, bad name", o->open("/a/b", O_RDWR | O_CREAT, 0600, NULL));
	setrlimit(RLIMIT_NOFILE, &old);

	/* Unprivileged: the maxima apply, and the permissions. */
	a = attr(2, 16);
	r = RFD("root: create 0600", o->open("/mqdiff-r", O_RDWR | O_CREAT, 0600, &a));
	p = RFD("root: create 0644", o->open("/mqdiff-p", O_RDWR | O_CREAT, 0644, &a));
	in_child(as_nobody, o, NULL);
	write_sysctl("queues_max", 0);
	in_child(nobody_queues_max, o, NULL);
	q = RFD("root: over queues_max", o->open("/mqdiff-a", O_RDWR | O_CREAT, 0600, &a));
	write_sysctl("queues_max", qmax);
	R("close", o->close(q));
	R("unlink", o->unlink("/mqdiff-a"));
	R("close", o->close(r));
	R("close", o->close(p));
	R("unlink", o->unlink("/mqdiff-r"));
	R("unlink", o->unlink("/mqdiff-p"));
	(void)size_max;
}

/* ---- send and receive ---- */

static void sc_io(const struct mq_ops *o)
{
	static const unsigned int prios[] = { 3, 1, 3, 0, 31, 2, 31, 0 };
	struct mq_attr a = attr(8, 16), na;
	char buf[64], big[17] = { 0 };
	unsigned int prio, i;
	mqd_t q, rd, wr;
	int pfd[2];

	q = RFD("create", o->open("/mqdiff-io", O_RDWR | O_CREAT | O_NONBLOCK, 0600, &a));
	for (i = 0; i < 8; i++) {
		buf[0] = 'a' + i;
		R("send prio", o->send(q, buf, 1 + i, prios[i]));
	}
	rec_attr("full", o, q);
	R("send full", o->send(q, "x", 1, 0));
	R("send too long, full", o->send(q, big, 17, 0));
	R("receive short buffer", o->receive(q, buf, 15, &prio));
	for (i = 0; i < 8; i++) {
		prio = 99;
		buf[0] = 0;
		R("receive len", o->receive(q, buf, sizeof(buf), &prio));
		R("receive prio", prio);
		R("receive byte", buf[0]);
	}
	R("receive empty", o->receive(q, buf, sizeof(buf), NULL));
	R("receive empty short buffer", o->receive(q, buf, 15, NULL));
	R("send empty message", o->send(q, "", 0, 5));
	R("receive empty message", o->receive(q, buf, sizeof(buf), &prio));
	R("its prio", prio);
	R("send prio MQ_PRIO_MAX", o->send(q, "x", 1, 32768));
	R("send prio UINT_MAX", o->send(q, "x", 1, ~0U));
	R("send 16 bytes", o->send(q, big, 16, 0));
	R("send 17 bytes", o->send(q, big, 17, 0));
	R("receive", o->receive(q, buf, sizeof(buf), NULL));

	rd = RFD("open O_RDONLY", o->open("/mqdiff-io", O_RDONLY | O_NONBLOCK));
	wr = RFD("open O_WRONLY", o->open("/mqdiff-io", O_WRONLY | O_NONBLOCK));
	R("send on O_RDONLY", o->send(rd, "x", 1, 0));
	R("receive on O_WRONLY", o->receive(wr, buf, sizeof(buf), NULL));
	R("receive on O_WRONLY short buffer", o->receive(wr, buf, 1, NULL));
	R("send on O_WRONLY", o->send(wr, "w", 1, 0));
	R("receive on O_RDONLY", o->receive(rd, buf, sizeof(buf), NULL));
	rec_attr("O_WRONLY", o, wr);
	R("close", o->close(rd));
	R("close", o->close(wr));

	if (pipe(pfd) == 0) {
		R("send on a pipe", o->send(pfd[1], "x", 1, 0));
		R("receive on a pipe", o->receive(pfd[0], buf, sizeof(buf), NULL));
		R("getattr on a pipe", o->getattr(pfd[0], &na));
		R("setattr on a pipe", o->setattr(pfd[0], &a, NULL));
		close(pfd[0]);
		close(pfd[1]);
	}
	R("send on -1", o->send(-1, "x", 1, 0));
	R("receive on -1", o->receive(-1, buf, sizeof(buf), NULL));
	R("getattr on -1", o->getattr(-1, &na));

	na = attr(0, 0);
	na.mq_flags = O_NONBLOCK | O_RDWR;
	R("setattr other flags", o->setattr(q, &na, NULL));
	na.mq_flags = 0;
	memset(&a, 0xcc, sizeof(a));
	R("setattr blocking", o->setattr(q, &na, &a));
	R("old flags", a.mq_flags);
	R("old maxmsg", a.mq_maxmsg);
	rec_attr("after setattr", o, q);
	na.mq_flags = O_NONBLOCK;
	na.mq_maxmsg = 1000;	/* ignored */
	R("setattr nonblocking", o->setattr(q, &na, NULL));
	rec_attr("after setattr", o, q);
	R("close", o->close(q));
	R("unlink", o->unlink("/mqdiff-io"));
}

/* ---- timeouts and blocking ---- */

static void blocked_receiver(const struct mq_ops *o, void *arg)
{
	char buf[16];
	unsigned int prio;
	mqd_t q = *(mqd_t *)arg;

	R("child: blocking receive", o->receive(q, buf, sizeof(buf), &prio));
	R("child: prio", prio);
}

static void blocked_sender(const struct mq_ops *o, void *arg)
{
	mqd_t q = *(mqd_t *)arg;

	R("child: blocking send", o->send(q, "late", 4, 7));
}

static void sc_timeouts(const struct mq_ops *o)
{
	struct mq_attr a = attr(1, 8);
	struct timespec ts;
	char buf[16];
	mqd_t q;
	pid_t pid;
	long ret, ret2;

	q = RFD("create", o->open("/mqdiff-t", O_RDWR | O_CREAT, 0600, &a));
	ts = from_now(-1000);
	R("timedreceive past, empty", o->timedreceive(q, buf, sizeof(buf), NULL, &ts));
	ts = from_now(30);
	R("timedreceive 30 ms, empty", o->timedreceive(q, buf, sizeof(buf), NULL, &ts));
	ts = from_now(30);
	ts.tv_nsec = 1000000000L;
	R("timedreceive tv_nsec 1e9", o->timedreceive(q, buf, sizeof(buf), NULL, &ts));
	ts.tv_nsec = -1;
	R("timedreceive tv_nsec -1", o->timedreceive(q, buf, sizeof(buf), NULL, &ts));
	ts.tv_sec = -1;
	ts.tv_nsec = 0;
	R("timedreceive tv_sec -1", o->timedreceive(q, buf, sizeof(buf), NULL, &ts));

	ts = from_now(-1000);
	R("timedsend past, room", o->timedsend(q, "a", 1, 0, &ts));
	ts = from_now(-1000);
	R("timedsend past, full", o->timedsend(q, "b", 1, 0, &ts));
	ts = from_now(30);
	R("timedsend 30 ms, full", o->timedsend(q, "b", 1, 0, &ts));
	ts.tv_nsec = 1000000000L;
	R("timedsend tv_nsec 1e9, full", o->timedsend(q, "b", 1, 0, &ts));
	R("timedreceive tv_nsec 1e9, message", o->timedreceive(q, buf, sizeof(buf), NULL, &ts));
	R("timedreceive short buffer, bad time", o->timedreceive(q, buf, 4, NULL, &ts));
	ts = from_now(-1000);
	R("timedreceive past, message", o->timedreceive(q, buf, sizeof(buf), NULL, &ts));
	ts.tv_nsec = 1000000000L;
	R("timedsend tv_nsec 1e9, room", o->timedsend(q, "b", 1, 0, &ts));

	/* A receiver blocked in another process gets the message. */
	pid = fork();
	if (pid == 0) {
		blocked_receiver(o, &q);
		_exit(0);
	}
	ret = o->send(q, "hand", 4, 3);
	waitpid(pid, NULL, 0);
	R("send to a blocked receiver", ret);

	/* A sender blocked on a full queue gets in once there is room. */
	R("fill", o->send(q, "full", 4, 1));
	pid = fork();
	if (pid == 0) {
		blocked_sender(o, &q);
		_exit(0);
	}
	ret = o->receive(q, buf, sizeof(buf), NULL);
	ret2 = o->receive(q, buf, sizeof(buf), NULL);
	waitpid(pid, NULL, 0);
	R("receive the first", ret);
	R("receive the blocked sender's", ret2);
	R("close", o->close(q));
	R("unlink", o->unlink("/mqdiff-t"));
}

/* ---- signals ---- */

static void on_signal(int sig)
{
	(void)sig;
}

/*
 * A process that signals @target every 20 ms until killed, so that one
 * signal lands in the wait whatever the timing. (Not an interval timer:
 * the debug kernel has no CONFIG_POSIX_TIMERS, hence no setitimer().)
 */
static pid_t start_signaller(pid_t target)
{
	pid_t pid = fork();

	if (pid == 0) {
		for (;;) {
			kill(target, SIGUSR2);
			usleep(20000);
		}
	}
	return pid;
}

static void stop_signaller(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void sc_eintr(const struct mq_ops *o)
{
	struct sigaction sa = { .sa_handler = on_signal };	/* no SA_RESTART */
	struct mq_attr a = attr(1, 8);
	struct timespec ts;
	char buf[16];
	pid_t sig;
	mqd_t q;

	sigaction(SIGUSR2, &sa, NULL);
	q = RFD("create", o->open("/mqdiff-s", O_RDWR | O_CREAT, 0600, &a));
	sig = start_signaller(getpid());
	R("receive, signal", o->receive(q, buf, sizeof(buf), NULL));
	ts = from_now(600000);
	R("timedreceive, signal", o->timedreceive(q, buf, sizeof(buf), NULL, &ts));
	R("fill", o->send(q, "x", 1, 0));
	R("send, signal", o->send(q, "y", 1, 0));
	stop_signaller(sig);
	R("close", o->close(q));
	R("unlink", o->unlink("/mqdiff-s"));
}

/* ---- mq_notify ---- */

static int thread_pipe[2];

/*
 * libmbox-mq makes a registration visible to other processes with an OFD
 * lock on a file in /dev/shm (lib/mq/notify.c). A kernel built without
 * CONFIG_FILE_LOCKING (the debug kernels: tinyconfig) refuses every lock
 * with EACCES; the registration is then known to its own process only, and
 * another process's registration cannot be refused. Where that lock cannot
 * be taken, the scenario leaves out the other process's register and
 * unregister, on both implementations; everything else runs everywhere.
 */
static bool cross_process_notify;

static bool ofd_lock_works(void)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	char path[] = "/dev/shm/.mqdiff-lock-XXXXXX";
	int fd = mkstemp(path), ret;

	if (fd < 0)
		return false;
	unlink(path);
	ret = fcntl(fd, F_OFD_SETLK, &fl);
	close(fd);
	return ret == 0;
}

static void notified(union sigval v)
{
	int x = v.sival_int;

	if (write(thread_pipe[1], &x, sizeof(x)) != sizeof(x))
		abort();
}

/*
 * Another process: its registration is refused, its unregister does
 * nothing, and its message notifies. It stays alive until told, so that
 * its pid is still its own when the notification reads it.
 */
struct other_args {
	int result[2];	/* the send's result, to the parent */
	int gate[2];	/* the parent's "you may exit" */
};

static void other_process(const struct mq_ops *o, void *arg)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR2 };
	struct other_args *args = arg;
	mqd_t q = o->open("/mqdiff-n", O_WRONLY);
	long ret;
	char c;

	if (cross_process_notify) {
		R("other: register", o->notify(q, &sev));
		R("other: unregister (not the owner)", o->notify(q, NULL));
	}
	ret = o->send(q, "x", 1, 4);
	if (write(args->result[1], &ret, sizeof(ret)) != sizeof(ret) ||
	    read(args->gate[0], &c, 1) != 1)
		_exit(1);
	o->close(q);
}

static void wait_signal(int sig, pid_t sender)
{
	siginfo_t si;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, sig);
	memset(&si, 0, sizeof(si));
	R("sigwaitinfo", sigwaitinfo(&set, &si));
	R("si_code is SI_MESGQ", si.si_code == SI_MESGQ);
	R("si_value", si.si_value.sival_int);
	R("si_pid is the sender", si.si_pid == sender);
	R("si_uid", si.si_uid);
}

/*
 * A wait for a notification follows only a registration that was made, so
 * that a refused one fails the comparison at once instead of waiting for
 * a signal that nothing will send.
 */
static void sc_notify(const struct mq_ops *o)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
	struct mq_attr a = attr(4, 16);
	struct other_args other;
	char buf[16];
	sigset_t set;
	bool registered;
	mqd_t q, q2;
	pid_t pid;
	long ret;
	int x = 0;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	q = RFD("create", o->open("/mqdiff-n", O_RDWR | O_CREAT | O_NONBLOCK, 0600, &a));

	sev.sigev_notify = 99;
	R("sigev_notify 99", o->notify(q, &sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = 65;
	R("sigev_signo 65", o->notify(q, &sev));
	sev.sigev_signo = SIGUSR1;
	R("notify on -1", o->notify(-1, &sev));
	R("unregister on -1", o->notify(-1, NULL));
	R("unregister, none", o->notify(q, NULL));

	sev.sigev_value.sival_int = 42;
	R("register", o->notify(q, &sev));
	R("register again", o->notify(q, &sev));
	R("unregister", o->notify(q, NULL));
	registered = R("register after unregister", o->notify(q, &sev)) == 0;
	q2 = RFD("second descriptor", o->open("/mqdiff-n", O_RDWR | O_NONBLOCK));
	R("register through the second", o->notify(q2, &sev));

	/* Another process: EBUSY; its unregister does nothing; it sends. */
	if (pipe(other.result) || pipe(other.gate))
		return;
	pid = fork();
	if (pid == 0) {
		other_process(o, &other);
		_exit(0);
	}
	if (read(other.result[0], &ret, sizeof(ret)) != sizeof(ret))
		ret = -2;
	R("other: send", ret);
	if (registered)
		wait_signal(SIGUSR1, pid);
	if (write(other.gate[1], "x", 1) != 1)
		return;
	waitpid(pid, NULL, 0);
	/* One-shot: free again once delivered. */
	sev.sigev_value.sival_int = 43;
	registered = R("register, queue not empty", o->notify(q, &sev)) == 0;
	R("drain", o->receive(q, buf, sizeof(buf), NULL));
	R("send to the empty queue", o->send(q, "y", 1, 0));
	if (registered)
		wait_signal(SIGUSR1, getpid());
	R("drain", o->receive(q, buf, sizeof(buf), NULL));

	/* SIGEV_THREAD calls the function in a thread. */
	if (pipe(thread_pipe) == 0) {
		struct sigevent tev = { .sigev_notify = SIGEV_THREAD };

		tev.sigev_notify_function = notified;
		tev.sigev_value.sival_int = 77;
		registered = R("register SIGEV_THREAD", o->notify(q, &tev)) == 0;
		R("register again", o->notify(q, &sev));
		R("send", o->send(q, "z", 1, 0));
		if (registered) {
			R("thread called", read(thread_pipe[0], &x, sizeof(x)));
			R("with sigev_value", x);
		}
		R("drain", o->receive(q, buf, sizeof(buf), NULL));
	}

	/* SIGEV_NONE registers and delivers nothing. */
	sev.sigev_notify = SIGEV_NONE;
	R("register SIGEV_NONE", o->notify(q, &sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	R("register again", o->notify(q, &sev));
	R("unregister", o->notify(q, NULL));

	/* Closing the descriptor ends the registration. */
	R("register", o->notify(q2, &sev));
	R("close it", o->close(q2));
	R("register after close", o->notify(q, &sev));
	R("unregister", o->notify(q, NULL));
	R("close", o->close(q));
	R("unlink", o->unlink("/mqdiff-n"));
}

/* ---- poll and epoll ---- */

static void sc_polling(const struct mq_ops *o)
{
	struct mq_attr a = attr(2, 8);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT }, out;
	struct pollfd p;
	char buf[8];
	mqd_t q;
	int ep;

	q = RFD("create", o->open("/mqdiff-p", O_RDWR | O_CREAT | O_NONBLOCK, 0600, &a));
	p.fd = q;
	p.events = POLLIN | POLLOUT;
	R("poll empty", poll(&p, 1, 0));
	R("revents empty", p.revents);
	R("send", o->send(q, "a", 1, 0));
	R("poll one", poll(&p, 1, 0));
	R("revents one", p.revents);
	R("send", o->send(q, "b", 1, 0));
	R("poll full", poll(&p, 1, 0));
	R("revents full", p.revents);
	ep = epoll_create1(0);
	R("epoll_ctl", epoll_ctl(ep, EPOLL_CTL_ADD, q, &ev));
	R("epoll_wait full", epoll_wait(ep, &out, 1, 0));
	R("events full", out.events);
	R("receive", o->receive(q, buf, sizeof(buf), NULL));
	R("receive", o->receive(q, buf, sizeof(buf), NULL));
	R("epoll_wait empty", epoll_wait(ep, &out, 1, 0));
	R("events empty", out.events);
	close(ep);
	R("close", o->close(q));
	R("unlink", o->unlink("/mqdiff-p"));
}

/* ---- the comparison ---- */

static struct trace *run(void (*sc)(const struct mq_ops *), const struct mq_ops *o)
{
	struct trace *t = mmap(NULL, sizeof(*t), PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t pid;

	if (t == MAP_FAILED)
		return NULL;
	t->n = 0;
	pid = fork();
	if (pid == 0) {
		cur = t;
		sc(o);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	return t;
}

static int compare(struct __test_metadata *_metadata,
		   void (*sc)(const struct mq_ops *))
{
	struct mq_ops mbox_ops;
	const char *why = load_mbox(&mbox_ops);
	struct trace *k, *m;
	int i, diff = 0;

	if (why)
		return -1;
	k = run(sc, &kernel_ops);
	m = run(sc, &mbox_ops);
	if (!k || !m)
		return 1;
	if (k->n != m->n)
		TH_LOG("the kernel made %d steps, libmbox-mq %d", k->n, m->n);
	for (i = 0; i < k->n && i < m->n; i++) {
		struct step *a = &k->s[i], *b = &m->s[i];

		if (strcmp(a->what, b->what) || a->ret != b->ret || a->err != b->err) {
			TH_LOG("step %d %s: kernel %ld (%s), libmbox-mq %s %ld (%s)",
			       i, a->what, a->ret, a->err ? strerror(a->err) : "-",
			       strcmp(a->what, b->what) ? b->what : "", b->ret,
			       b->err ? strerror(b->err) : "-");
			diff++;
		}
	}
	/* A trace without a single error would prove little. */
	for (i = 0; i < k->n && !k->s[i].err; i++)
		;
	if (i == k->n)
		TH_LOG("the scenario made no call fail");
	ksft_print_msg("%d steps compared\n", k->n);
	return diff || k->n != m->n || k->n < 5;
}

#define DIFF_TEST(name)							\
	TEST(name)							\
	{								\
		int ret = compare(_metadata, sc_##name);		\
		if (ret < 0)						\
			SKIP(return, "libmbox-mq or /dev/mbox missing");\
		ASSERT_EQ(0, ret);					\
	}

DIFF_TEST(names)
DIFF_TEST(attrs)
DIFF_TEST(io)
DIFF_TEST(timeouts)
DIFF_TEST(eintr)
TEST(notify)
{
	int ret;

	cross_process_notify = ofd_lock_works();
	if (!cross_process_notify)
		ksft_print_msg("no OFD lock in /dev/shm (CONFIG_FILE_LOCKING?): "
			       "leaving out another process's registration\n");
	ret = compare(_metadata, sc_notify);
	if (ret < 0)
		SKIP(return, "libmbox-mq or /dev/mbox missing");
	ASSERT_EQ(0, ret);
}
DIFF_TEST(polling)

/* Not a comparison: libmbox-mq's documented priority limit. */
TEST(prio_limit)
{
	struct mq_ops o;
	struct mq_attr a = attr(2, 8);
	mqd_t q;

	if (load_mbox(&o))
		SKIP(return, "libmbox-mq or /dev/mbox missing");
	/* It says so through sysconf(), which it defines over glibc's. */
	long (*mbox_sysconf)(int) = NULL;
	void *h = dlopen("libmbox-mq.so.1", RTLD_NOW | RTLD_LOCAL);

	ASSERT_NE(NULL, h);
	*(void **)&mbox_sysconf = dlsym(h, "sysconf");
	ASSERT_NE(NULL, mbox_sysconf);
	EXPECT_EQ(32, mbox_sysconf(_SC_MQ_PRIO_MAX));
	EXPECT_EQ(sysconf(_SC_PAGESIZE), mbox_sysconf(_SC_PAGESIZE));
	EXPECT_EQ(32768, sysconf(_SC_MQ_PRIO_MAX));	/* glibc's */

	q = o.open("/mqdiff-prio", O_RDWR | O_CREAT | O_NONBLOCK, 0600, &a);
	ASSERT_LE(0, q);
	EXPECT_EQ(0, o.send(q, "a", 1, 31));
	EXPECT_EQ(-1, o.send(q, "a", 1, 32));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, o.send(q, "a", 1, 32767));
	EXPECT_EQ(EINVAL, errno);
	o.close(q);
	o.unlink("/mqdiff-prio");
}

/* Not a comparison: what libmbox-mq adds, reached from an mqd_t. */
struct mbox_mq_sender {
	pid_t pid;
	uid_t uid;
	gid_t gid;
};

TEST(extras)
{
	ssize_t (*receive_from)(mqd_t, char *, size_t, unsigned int *,
				const struct timespec *, struct mbox_mq_sender *);
	ssize_t (*peek)(mqd_t, char *, size_t, unsigned int *,
			const struct timespec *, struct mbox_mq_sender *);
	int (*send_sync)(mqd_t, const char *, size_t, unsigned int,
			 const struct timespec *);
	struct mbox_mq_sender who = { 0 };
	struct mq_attr a = attr(4, 8);
	struct timespec ts;
	unsigned int prio = 0;
	struct mq_ops o;
	char buf[8];
	pid_t pid;
	void *h;
	mqd_t q;

	if (load_mbox(&o))
		SKIP(return, "libmbox-mq or /dev/mbox missing");
	h = dlopen("libmbox-mq.so.1", RTLD_NOW | RTLD_LOCAL);
	ASSERT_NE(NULL, h);
	*(void **)&receive_from = dlsym(h, "mbox_mq_receive_from");
	*(void **)&peek = dlsym(h, "mbox_mq_peek");
	*(void **)&send_sync = dlsym(h, "mbox_mq_send_sync");
	ASSERT_NE(NULL, receive_from);
	ASSERT_NE(NULL, peek);
	ASSERT_NE(NULL, send_sync);

	q = o.open("/mqdiff-x", O_RDWR | O_CREAT, 0600, &a);
	ASSERT_LE(0, q);
	pid = fork();
	if (pid == 0) {
		become_user(65534, 65533);
		_exit(o.send(q, "from", 4, 9) ? 1 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, NULL, 0));
	/* Peek leaves it, and says who sent, as receive does. */
	EXPECT_EQ(4, peek(q, buf, sizeof(buf), &prio, NULL, &who));
	EXPECT_EQ(9, prio);
	EXPECT_EQ(65534, who.uid);
	EXPECT_EQ(65533, who.gid);
	memset(&who, 0, sizeof(who));
	EXPECT_EQ(4, receive_from(q, buf, sizeof(buf), &prio, NULL, &who));
	EXPECT_EQ(0, memcmp(buf, "from", 4));
	EXPECT_EQ(65534, who.uid);
	EXPECT_EQ(65533, who.gid);
	/* Reaped: the pid is no longer visible, and reads 0 or the pid. */
	EXPECT_TRUE(who.pid == pid || who.pid == 0);
	EXPECT_EQ(-1, receive_from(q, buf, 7, NULL, NULL, NULL));
	EXPECT_EQ(EMSGSIZE, errno);

	/* A synchronous send nobody takes times out and is withdrawn. */
	ts = from_now(20);
	EXPECT_EQ(-1, send_sync(q, "sync", 4, 0, &ts));
	EXPECT_EQ(ETIMEDOUT, errno);
	ts = from_now(-1000);
	EXPECT_EQ(-1, o.timedreceive(q, buf, sizeof(buf), NULL, &ts));
	EXPECT_EQ(ETIMEDOUT, errno);
	/* With a receiver blocked in another process, it returns 0. */
	pid = fork();
	if (pid == 0)
		_exit(o.receive(q, buf, sizeof(buf), NULL) == 4 ? 0 : 1);
	EXPECT_EQ(0, send_sync(q, "sync", 4, 0, NULL));
	int status = -1;

	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
	o.close(q);
	o.unlink("/mqdiff-x");
}

/*
 * LD_PRELOAD: this binary calls glibc's mq_open@GLIBC_2.34; run again with
 * libmbox-mq preloaded, it must create the queue in mbox, not in the
 * kernel's mqueue.
 */
__attribute__((constructor)) static void preload_probe(void)
{
	struct mq_attr a = attr(1, 8);
	mqd_t q;

	if (!getenv("MQ_DIFF_PRELOAD_PROBE"))
		return;
	q = mq_open("/mqdiff-preload", O_RDWR | O_CREAT, 0600, &a);
	_exit(q < 0 ? errno : 0);
}

TEST(preload)
{
	struct mq_ops o;
	int status = -1;
	pid_t pid;
	mqd_t q;

	if (load_mbox(&o))
		SKIP(return, "libmbox-mq or /dev/mbox missing");
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		setenv("LD_PRELOAD", "libmbox-mq.so.1", 1);
		setenv("MQ_DIFF_PRELOAD_PROBE", "1", 1);
		execl("/proc/self/exe", "mq_diff_test", (char *)NULL);
		_exit(127);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(-1, kernel_ops.open("/mqdiff-preload", O_RDONLY));
	EXPECT_EQ(ENOENT, errno);
	q = o.open("/mqdiff-preload", O_RDONLY);
	EXPECT_LE(0, q);
	o.close(q);
	EXPECT_EQ(0, o.unlink("/mqdiff-preload"));
}

TEST_HARNESS_MAIN
