// SPDX-License-Identifier: GPL-2.0
/*
 * dead_inbox_test: every way into the module against an inbox that died.
 *
 * An inbox dies when its process exits or execs, or when the last
 * descriptor bound to it is closed (uapi "Inboxes"). A descriptor still
 * bound to it then sees a hang-up, and a send by pid finds no inbox. The
 * test runs every command of the uapi header (MBOX_IOCTLS from the
 * generated mbox_ioctls.h), plus read, write, poll and mmap, each against a
 * fresh dead inbox, so that every entry point must notice the death on its
 * own, and checks each result against the uapi:
 *   send, write:		ESRCH, nothing accepted (the inbox's sent count
 *				stays at the one message sent while it lived)
 *   synchronous send:		ESRCH at once, not a timeout
 *   receive, read:		EPIPE (the queued message is gone)
 *   stat:			0, MBOX_STATE_DEAD, nothing queued
 *   poll:			EPOLLHUP | EPOLLERR, nothing else
 *   mmap:			ENODEV (a mailbox cannot be mapped)
 *   device commands:		as on any descriptor (INFO, LIST, UNLINK,
 *				PIPE: a new pipe that works)
 *   binding again:		EISCONN; ring commands: ENOTTY
 * A command with no entry in the table below fails the test: a new command
 * must say what it does on a dead inbox.
 *
 * The deaths:
 *   exit:	the owner exits; a child holds the descriptor.
 *   exec:	the owner execs this program again, which uses the inherited
 *		descriptor (the descriptor without close-on-exec).
 *   exec_child: the owner execs; a child it forked before holds the
 *		descriptor (the new program leaves it alone).
 *   last_close: the owner dup()s its descriptor, hands it to a child,
 *		closes its own copies, and the child exits. No descriptor is
 *		left bound, so only a send by pid can reach the dead inbox.
 * Sends by pid are tried in every death, from a descriptor of the tester's
 * own.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/mbox.h>

#include "kselftest_harness.h"
#include "common.h"
#include "mbox_ioctls.h"

/* Say why a case failed, as a TAP comment; returns -1. */
static int __attribute__((format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

/* A synchronous send's timeout: long enough that waiting it out shows. */
#define SYNC_TIMEOUT_NS	(10ULL * 1000 * 1000 * 1000)

static int expect_ret(const char *what, long got, long want)
{
	if (got == want)
		return 0;
	return fail("%s: got %ld (%s), want %ld (%s)", what, got,
		    got < 0 ? strerror(-got) : "-", want,
		    want < 0 ? strerror(-want) : "-");
}

static long xioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

/*
 * The inbox behind @fd is dead and accepted nothing since it died: one
 * message was sent to it while it lived, and nothing is queued now.
 */
static int expect_dead(int fd)
{
	struct mbox_stat st;
	int ret = mb_stat(fd, &st);

	if (ret)
		return fail("stat: %s", strerror(-ret));
	if (st.state != (MBOX_STATE_INBOX | MBOX_STATE_DEAD))
		return fail("state %#x, want INBOX|DEAD", st.state);
	if (st.queued || st.queued_bytes)
		return fail("%u messages still queued", st.queued);
	if (st.sent != 1)
		return fail("%llu messages accepted, want 1 (before the death)",
			    (unsigned long long)st.sent);
	return 0;
}

/* The commands, on the dead inbox's descriptor. */

static int op_pipe(int fd, pid_t owner __attribute__((unused)))
{
	struct mbox_pipe args = { .type = MBOX_TYPE_MAILBOX, .mode = 0600 };
	char buf[8];
	long ret = xioctl(fd, MBOX_IOC_PIPE, &args);

	if (ret)
		return expect_ret("pipe", ret, 0);
	ret = mb_send(args.fds[1], "new", 3, 0, 0) ?:
	      mb_recv(args.fds[0], buf, sizeof(buf), MBOX_RECV_NONBLOCK, 0, NULL);
	close(args.fds[0]);
	close(args.fds[1]);
	return expect_ret("a message through the new pipe", ret, 3);
}

static int op_info(int fd, pid_t owner __attribute__((unused)))
{
	struct mbox_info info = {};

	return expect_ret("info", xioctl(fd, MBOX_IOC_INFO, &info), 0);
}

static int op_open(int fd, pid_t owner __attribute__((unused)))
{
	struct mbox_open args = { .flags = MBOX_OPEN_INBOX };

	return expect_ret("open", xioctl(fd, MBOX_IOC_OPEN, &args), -EISCONN);
}

static int op_unlink(int fd, pid_t owner __attribute__((unused)))
{
	struct mbox_unlink args = {
		.name = (uintptr_t)"dead-inbox-no-such-name",
		.type = MBOX_TYPE_MAILBOX,
	};

	return expect_ret("unlink", xioctl(fd, MBOX_IOC_UNLINK, &args), -ENOENT);
}

static int op_list(int fd, pid_t owner __attribute__((unused)))
{
	struct mbox_list args = {};

	/* With no buffer: ERANGE if anything is named, else 0. */
	long ret = xioctl(fd, MBOX_IOC_LIST, &args);

	return ret == -ERANGE ? 0 : expect_ret("list", ret, 0);
}

static int op_send(int fd, pid_t owner __attribute__((unused)))
{
	return expect_ret("send", mb_sendx(fd, "new", 3, MBOX_SEND_NONBLOCK,
					   0, 0, 0), -ESRCH) ?: expect_dead(fd);
}

static int op_send_blocking(int fd, pid_t owner __attribute__((unused)))
{
	return expect_ret("blocking send", mb_sendx(fd, "new", 3, 0, 0, 0, 0),
			  -ESRCH) ?: expect_dead(fd);
}

static int op_send_sync(int fd, pid_t owner __attribute__((unused)))
{
	return expect_ret("synchronous send",
			  mb_sendx(fd, "new", 3,
				   MBOX_SEND_SYNC | MBOX_SEND_TIMEOUT, 0, 0,
				   SYNC_TIMEOUT_NS), -ESRCH) ?: expect_dead(fd);
}

static int op_recv(int fd, pid_t owner __attribute__((unused)))
{
	char buf[16];

	return expect_ret("recv", mb_recv(fd, buf, sizeof(buf),
					  MBOX_RECV_NONBLOCK, 0, NULL), -EPIPE);
}

static int op_peek(int fd, pid_t owner __attribute__((unused)))
{
	char buf[16];

	return expect_ret("peek", mb_recv(fd, buf, sizeof(buf),
					  MBOX_RECV_NONBLOCK | MBOX_RECV_PEEK,
					  0, NULL), -EPIPE);
}

static int op_stat(int fd, pid_t owner __attribute__((unused)))
{
	return expect_dead(fd);
}

static int batch(int fd, unsigned long cmd, uint32_t flags, long want)
{
	char buf[2][16] = { "new", "new" };
	struct mbox_msgvec vec[2] = {
		{ .buf = (uintptr_t)buf[0], .len = 3 },
		{ .buf = (uintptr_t)buf[1], .len = 3 },
	};
	struct mbox_batch out;
	long ret = mb_batch(fd, cmd, vec, 2, flags, 0, 0, &out);

	if (expect_ret("batch", ret, want))
		return -1;
	if (out.done || out.error != -want)
		return fail("batch: done %u, error %u", out.done, out.error);
	return 0;
}

static int op_send_batch(int fd, pid_t owner __attribute__((unused)))
{
	return batch(fd, MBOX_IOC_SEND_BATCH, MBOX_SEND_NONBLOCK, -ESRCH) ?:
	       expect_dead(fd);
}

static int op_recv_batch(int fd, pid_t owner __attribute__((unused)))
{
	return batch(fd, MBOX_IOC_RECV_BATCH, MBOX_RECV_NONBLOCK, -EPIPE);
}

static int op_ring_open(int fd, pid_t owner __attribute__((unused)))
{
	struct mbox_ring_open args = {
		.name = (uintptr_t)"dead-inbox-ring",
		.flags = MBOX_OPEN_CREATE,
		.role = MBOX_RING_CONSUMER,
	};

	return expect_ret("ring open", xioctl(fd, MBOX_IOC_RING_OPEN, &args),
			  -EISCONN);
}

static int op_ring_wait(int fd, pid_t owner __attribute__((unused)))
{
	struct mbox_ring_wait args = {};

	return expect_ret("ring wait", xioctl(fd, MBOX_IOC_RING_WAIT, &args),
			  -ENOTTY);
}

static int op_ring_wake(int fd, pid_t owner __attribute__((unused)))
{
	return expect_ret("ring wake", xioctl(fd, MBOX_IOC_RING_WAKE, NULL),
			  -ENOTTY);
}

static int op_ring_stat(int fd, pid_t owner __attribute__((unused)))
{
	struct mbox_ring_stat args = {};

	return expect_ret("ring stat", xioctl(fd, MBOX_IOC_RING_STAT, &args),
			  -ENOTTY);
}

/* The file operations. */

static int op_read(int fd, pid_t owner __attribute__((unused)))
{
	char buf[16];
	long ret = read(fd, buf, sizeof(buf));

	return expect_ret("read", ret < 0 ? -errno : ret, -EPIPE);
}

static int op_write(int fd, pid_t owner __attribute__((unused)))
{
	long ret = write(fd, "new", 3);

	return expect_ret("write", ret < 0 ? -errno : ret, -ESRCH) ?:
	       expect_dead(fd);
}

static int op_poll(int fd, pid_t owner __attribute__((unused)))
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };

	if (poll(&p, 1, 0) != 1)
		return fail("poll: not ready");
	if (p.revents != (POLLHUP | POLLERR))
		return fail("poll: revents %#x, want POLLHUP|POLLERR",
			    p.revents);
	return 0;
}

static int op_mmap(int fd, pid_t owner __attribute__((unused)))
{
	void *p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);

	if (p != MAP_FAILED) {
		munmap(p, 4096);
		return fail("mmap: mapped");
	}
	return expect_ret("mmap", -errno, -ENODEV);
}

/* Sends by pid, from a descriptor of the tester's own (@fd, unbound). */

static int op_send_pid(int fd, pid_t owner)
{
	return expect_ret("send by pid",
			  mb_sendx(fd, "new", 3, MBOX_SEND_TO_PID, 0, owner, 0),
			  -ESRCH);
}

static int op_send_pid_sync(int fd, pid_t owner)
{
	return expect_ret("synchronous send by pid",
			  mb_sendx(fd, "new", 3,
				   MBOX_SEND_TO_PID | MBOX_SEND_SYNC |
				   MBOX_SEND_TIMEOUT, 0, owner,
				   SYNC_TIMEOUT_NS), -ESRCH);
}

static int op_send_batch_pid(int fd, pid_t owner)
{
	struct mbox_msgvec vec = { .buf = (uintptr_t)"new", .len = 3 };
	struct mbox_batch out;

	return expect_ret("batch send by pid",
			  mb_batch(fd, MBOX_IOC_SEND_BATCH, &vec, 1,
				   MBOX_SEND_TO_PID, owner, 0, &out), -ESRCH);
}

struct op {
	const char *name;
	unsigned long cmd;		/* 0: a file operation */
	int (*run)(int fd, pid_t owner);
	bool by_pid;			/* run by the tester, by pid */
};

/* Every command has at least one entry that runs on the bound descriptor. */
static const struct op ops[] = {
	{ "INFO", MBOX_IOC_INFO, op_info, false },
	{ "OPEN", MBOX_IOC_OPEN, op_open, false },
	{ "UNLINK", MBOX_IOC_UNLINK, op_unlink, false },
	{ "LIST", MBOX_IOC_LIST, op_list, false },
	{ "PIPE", MBOX_IOC_PIPE, op_pipe, false },
	{ "SEND", MBOX_IOC_SEND, op_send, false },
	{ "SEND blocking", MBOX_IOC_SEND, op_send_blocking, false },
	{ "SEND sync", MBOX_IOC_SEND, op_send_sync, false },
	{ "SEND by pid", MBOX_IOC_SEND, op_send_pid, true },
	{ "SEND sync by pid", MBOX_IOC_SEND, op_send_pid_sync, true },
	{ "RECV", MBOX_IOC_RECV, op_recv, false },
	{ "RECV peek", MBOX_IOC_RECV, op_peek, false },
	{ "STAT", MBOX_IOC_STAT, op_stat, false },
	{ "SEND_BATCH", MBOX_IOC_SEND_BATCH, op_send_batch, false },
	{ "SEND_BATCH by pid", MBOX_IOC_SEND_BATCH, op_send_batch_pid, true },
	{ "RECV_BATCH", MBOX_IOC_RECV_BATCH, op_recv_batch, false },
	{ "RING_OPEN", MBOX_IOC_RING_OPEN, op_ring_open, false },
	{ "RING_WAIT", MBOX_IOC_RING_WAIT, op_ring_wait, false },
	{ "RING_WAKE", MBOX_IOC_RING_WAKE, op_ring_wake, false },
	{ "RING_STAT", MBOX_IOC_RING_STAT, op_ring_stat, false },
	{ "read", 0, op_read, false },
	{ "write", 0, op_write, false },
	{ "poll", 0, op_poll, false },
	{ "mmap", 0, op_mmap, false },
};

#define NR_OPS (sizeof(ops) / sizeof(ops[0]))

static const struct {
	unsigned long cmd;
	const char *name;
} ioctls[] = {
#define X(cmd, name) { cmd, name },
	MBOX_IOCTLS(X)
#undef X
};

TEST(every_command_has_a_case)
{
	unsigned int i, j;

	for (i = 0; i < sizeof(ioctls) / sizeof(ioctls[0]); i++) {
		bool bound = false;

		for (j = 0; j < NR_OPS; j++)
			bound |= ops[j].cmd == ioctls[i].cmd && !ops[j].by_pid;
		EXPECT_TRUE(bound) TH_LOG("%s: no case on a dead inbox",
					  ioctls[i].name);
	}
}

/* The owner's side: bind the inbox and send it one message. */
static int owner_open(void)
{
	int fd = inbox_open(O_RDWR, 0, 0600, 4);

	if (fd < 0 || mb_send(fd, "old", 3, 0, 0))
		_exit(90);
	return fd;
}

static void report(int fd, int result)
{
	char c = result ? 'n' : 'y';

	if (write(fd, &c, 1) != 1)
		_exit(91);
}

/* A byte from @fd: the result (0 for 'y'), -1 on anything else. */
static int result_of(int fd)
{
	char c;

	return read(fd, &c, 1) == 1 && c == 'y' ? 0 : -1;
}

static char *self_exe;

static void exec_self(const char *mode, int a, int b, int c)
{
	char sa[16], sb[16], sc[16];

	snprintf(sa, sizeof(sa), "%d", a);
	snprintf(sb, sizeof(sb), "%d", b);
	snprintf(sc, sizeof(sc), "%d", c);
	execl(self_exe, self_exe, mode, sa, sb, sc, (char *)NULL);
	_exit(92);
}

/* Run @op as the tester: by pid, from a descriptor bound to nothing. */
static int run_by_pid(const struct op *op, pid_t owner)
{
	int fd = open("/dev/mbox", O_RDWR | O_CLOEXEC), ret;

	if (fd < 0)
		return fail("open /dev/mbox: %s", strerror(errno));
	ret = op->run(fd, owner);
	close(fd);
	return ret;
}

enum death { BY_EXIT, BY_EXEC, BY_EXEC_CHILD, BY_LAST_CLOSE };

/*
 * Make an inbox die by @how and run @op against it: on a descriptor still
 * bound to it, or by pid. Returns 0 if @op saw what the uapi says.
 */
static int run_case(enum death how, const struct op *op)
{
	int rep[2], go[2], ready[2], hold[2], ret = -1;
	pid_t owner, child;
	siginfo_t si;
	int fd;

	if (pipe2(rep, O_CLOEXEC) || pipe2(go, O_CLOEXEC) ||
	    pipe2(ready, O_CLOEXEC) || pipe2(hold, O_CLOEXEC))
		return fail("pipe: %s", strerror(errno));
	owner = fork();
	if (owner < 0)
		return fail("fork: %s", strerror(errno));
	if (owner == 0) {
		close(rep[0]);
		close(go[1]);
		close(ready[0]);
		close(hold[1]);
		fd = owner_open();
		if (how == BY_LAST_CLOSE) {
			int dup_fd = dup(fd), probe, let_go[2];

			/* dup'd, then handed to a child: both keep it alive. */
			if (dup_fd < 0 || close(fd) || pipe(let_go))
				_exit(93);
			child = fork();
			if (child == 0) {
				char c;

				close(let_go[1]);
				_exit(read(let_go[0], &c, 1) != 0);
			}
			close(dup_fd);
			close(let_go[0]);
			/* Still alive: a descriptor is left (the child's). */
			probe = open("/dev/mbox", O_WRONLY);
			if (child < 0 ||
			    mb_sendx(probe, "alive", 5,
				     MBOX_SEND_TO_PID | MBOX_SEND_NONBLOCK, 0,
				     getpid(), 0))
				_exit(94);
			close(probe);
			close(let_go[1]);
			if (waitpid(child, NULL, 0) != child)
				_exit(95);
			report(ready[1], 0);
			_exit(result_of(hold[0]) == -1 ? 0 : 96);
		}
		if (how == BY_EXIT || how == BY_EXEC_CHILD) {
			child = fork();
			if (child == 0) {
				char c;

				close(ready[1]);
				/* The owner is gone, or runs a new program. */
				if (read(go[0], &c, 1) != 1)
					_exit(0);
				report(rep[1], op->run(fd, 0));
				_exit(0);
			}
		}
		if (how == BY_EXIT)
			_exit(0);
		if (how == BY_EXEC && !op->by_pid) {
			/* The new program runs @op on the inherited descriptor. */
			fcntl(rep[1], F_SETFD, 0);
			fcntl(fd, F_SETFD, 0);
			exec_self("--run", (int)(op - ops), fd, rep[1]);
		}
		/* The new program says it runs, then waits to be let go. */
		fcntl(ready[1], F_SETFD, 0);
		fcntl(hold[0], F_SETFD, 0);
		exec_self("--hold", ready[1], hold[0], -1);
	}
	close(rep[1]);
	close(go[0]);
	close(ready[1]);
	close(hold[0]);

	switch (how) {
	case BY_EXIT:
		/* Exited, not yet reaped: its pid still names it. */
		if (waitid(P_PID, owner, &si, WEXITED | WNOWAIT)) {
			fail("waitid: %s", strerror(errno));
			break;
		}
		if (op->by_pid) {
			ret = run_by_pid(op, owner);
			break;
		}
		if (write(go[1], "g", 1) == 1)
			ret = result_of(rep[0]);
		break;
	case BY_EXEC:
		if (!op->by_pid) {
			ret = result_of(rep[0]);
			break;
		}
		/* fall through */
	case BY_EXEC_CHILD:
	case BY_LAST_CLOSE:
		if (result_of(ready[0])) {
			fail("the owner did not get ready");
			break;
		}
		if (op->by_pid)
			ret = run_by_pid(op, owner);
		else if (write(go[1], "g", 1) == 1)
			ret = result_of(rep[0]);
		break;
	}
	close(go[1]);
	close(hold[1]);
	close(rep[0]);
	close(ready[0]);
	if (reap(owner) != 0)
		ret = fail("the owner failed");
	return ret;
}

static const char *const death_name[] = {
	[BY_EXIT] = "exit",
	[BY_EXEC] = "exec",
	[BY_EXEC_CHILD] = "exec (a child holds it)",
	[BY_LAST_CLOSE] = "last close",
};

static void run_all(struct __test_metadata *_metadata, enum death how)
{
	unsigned int i;

	for (i = 0; i < NR_OPS; i++) {
		/* Nothing stays bound past the last close. */
		if (how == BY_LAST_CLOSE && !ops[i].by_pid)
			continue;
		EXPECT_EQ(0, run_case(how, &ops[i]))
			TH_LOG("%s on an inbox dead by %s", ops[i].name,
			       death_name[how]);
	}
}

TEST(dead_by_exit)
{
	run_all(_metadata, BY_EXIT);
}

TEST(dead_by_exec)
{
	run_all(_metadata, BY_EXEC);
}

TEST(dead_by_exec_child_holds_it)
{
	run_all(_metadata, BY_EXEC_CHILD);
}

TEST(dead_by_last_close)
{
	run_all(_metadata, BY_LAST_CLOSE);
}

/* The program the owner execs: run one op, or hold until let go. */
static int exec_mode(char **argv)
{
	int a = atoi(argv[2]), b = atoi(argv[3]), c = atoi(argv[4]);
	char byte;

	if (!strcmp(argv[1], "--run")) {
		if (a < 0 || a >= (int)NR_OPS)
			return 97;
		report(c, ops[a].run(b, getpid()));
		return 0;
	}
	report(a, 0);
	return read(b, &byte, 1) == 0 ? 0 : 98;
}

static void __attribute__((constructor)) __constructor_order_last(void)
{
	if (!__constructor_order)
		__constructor_order = _CONSTRUCTOR_ORDER_BACKWARD;
}

int main(int argc, char **argv)
{
	static char exe[4096];
	ssize_t n;

	if (argc == 5 && (!strcmp(argv[1], "--run") ||
			  !strcmp(argv[1], "--hold")))
		return exec_mode(argv);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return 1;
	exe[n] = '\0';
	self_exe = exe;
	return test_harness_run(argc, argv);
}
