// SPDX-License-Identifier: MIT
/*
 * Indirect communication: processes pass messages through a named mailbox,
 * not to each other.
 *
 * 1. Non-blocking: with MBOX_SEND_NONBLOCK and MBOX_RECV_NONBLOCK a full or
 *    empty mailbox gives -EAGAIN instead of waiting.
 * 2. Blocking: a sender process and a receiver process share a mailbox of
 *    capacity 4; the sender waits while it is full, the receiver while it
 *    is empty. The sender, which binds last, unlinks the name; when it
 *    exits, the receiver's next receive fails with -EPIPE once the queue
 *    is drained: the end of the stream.
 *
 * Build: cc mailbox_indirect.c $(pkg-config --cflags --libs libmbox)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libmbox.h>

#define MESSAGES 20

static void check(int ret, const char *what)
{
	if (ret < 0) {
		fprintf(stderr, "%s: %s\n", what, strerror(-ret));
		exit(1);
	}
}

static void nonblocking(const char *name)
{
	struct mbox_attr attr = { .capacity = 4 };
	struct mbox *mb;
	char buf[32];
	int n = 0, ret;

	check(mbox_open(&mb, name, O_RDWR | O_CREAT | O_EXCL, 0600, &attr),
	      "open");
	while ((ret = mbox_send(mb, "x", 1, MBOX_SEND_NONBLOCK)) == 0)
		n++;
	printf("non-blocking: sent %d, then the mailbox was full (%s)\n", n,
	       ret == -EAGAIN ? "EAGAIN" : strerror(-ret));
	n = 0;
	while ((ret = mbox_recv(mb, buf, sizeof(buf), MBOX_RECV_NONBLOCK)) >= 0)
		n++;
	printf("non-blocking: received %d, then it was empty (%s)\n", n,
	       ret == -EAGAIN ? "EAGAIN" : strerror(-ret));
	mbox_close(mb);
	check(mbox_unlink(name), "unlink");
}

static int sender(const char *name)
{
	struct mbox *mb;
	char msg[32];
	int i;

	check(mbox_open(&mb, name, O_WRONLY, 0, NULL), "sender: open");
	check(mbox_unlink(name), "sender: unlink");
	for (i = 0; i < MESSAGES; i++) {
		snprintf(msg, sizeof(msg), "message %d", i);
		/* Blocks while the mailbox holds 4 messages. */
		check(mbox_send(mb, msg, strlen(msg), 0), "sender: send");
	}
	mbox_close(mb);
	return 0;
}

int main(void)
{
	struct mbox_attr attr = { .capacity = 4 };
	char name[64], buf[64], want[32];
	struct mbox *mb;
	int i = 0, status;
	ssize_t n;
	pid_t pid;

	snprintf(name, sizeof(name), "example-mailbox-%d", (int)getpid());
	nonblocking(name);

	/* The receiver creates the mailbox; the sender opens it by name. */
	check(mbox_open(&mb, name, O_RDONLY | O_CREAT | O_EXCL, 0600, &attr),
	      "receiver: create");
	/* Or the child would print what we printed so far again. */
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		mbox_close(mb);
		return sender(name);
	}
	while ((n = mbox_recv(mb, buf, sizeof(buf), 0)) >= 0) {
		snprintf(want, sizeof(want), "message %d", i++);
		if ((size_t)n != strlen(want) || memcmp(buf, want, n)) {
			fprintf(stderr, "receiver: got '%.*s'\n", (int)n, buf);
			return 1;
		}
	}
	if (n != -EPIPE)
		check(n, "receiver: recv");
	printf("blocking: received %d messages in order through a mailbox of 4,"
	       " then end of stream (EPIPE)\n", i);
	mbox_close(mb);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return 1;
	return i == MESSAGES ? 0 : 1;
}
