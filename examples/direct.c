// SPDX-License-Identifier: MIT
/*
 * Direct communication: processes name each other.
 *
 *   send(P, message)     mbox_sendto(): to process P's inbox, by pid
 *   receive(Q, message)  mbox_recvfrom(): only a message from process Q
 *   receive(ANY, ...)    mbox_recvfrom() with pid 0; it tells the sender
 *
 * The parent opens its inbox and starts two children. Each child opens
 * its own inbox, sends a greeting to its parent and waits for a reply from
 * the parent only. The parent receives from the second child first, then
 * from the first, whatever order their greetings arrived in, and replies to
 * each by pid.
 *
 * Build: cc direct.c $(pkg-config --cflags --libs libmbox)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libmbox.h>

static void check(int ret, const char *what)
{
	if (ret < 0) {
		fprintf(stderr, "%s: %s\n", what, strerror(-ret));
		exit(1);
	}
}

static int child(int number)
{
	struct mbox_msginfo info;
	struct mbox *inbox;
	char msg[64];
	ssize_t n;

	/* Our inbox first, so that the reply has somewhere to go. */
	check(mbox_inbox_open(&inbox, 0, 0600, NULL), "child: inbox");
	n = snprintf(msg, sizeof(msg), "hello from child %d", number);
	check(mbox_sendto(NULL, getppid(), msg, n, 0), "child: send(parent)");
	/* receive(parent): a message from anyone else would wait. */
	n = mbox_recvfrom(inbox, getppid(), msg, sizeof(msg), 0, &info);
	check(n, "child: receive(parent)");
	if (info.pid != getppid())
		return 1;
	printf("child %d: the parent replied '%.*s'\n", number, (int)n, msg);
	mbox_close(inbox);
	return 0;
}

int main(void)
{
	struct mbox_msginfo info;
	struct mbox *inbox;
	pid_t pid[2];
	int i, status, failed = 0;
	char msg[64];
	ssize_t n;

	/* Mode 0600: only our own user may send to us. */
	check(mbox_inbox_open(&inbox, 0, 0600, NULL), "parent: inbox");
	for (i = 0; i < 2; i++) {
		/* Or the child would print what we printed so far again. */
		fflush(stdout);
		pid[i] = fork();
		if (pid[i] < 0)
			return 1;
		if (pid[i] == 0) {
			/* The parent's inbox is the parent's: let go of it. */
			mbox_close(inbox);
			return child(i + 1);
		}
	}
	for (i = 1; i >= 0; i--) {
		/* receive(Q): only from child i + 1. */
		n = mbox_recvfrom(inbox, pid[i], msg, sizeof(msg), 0, &info);
		check(n, "parent: receive(child)");
		printf("parent: receive(child %d) got '%.*s'\n", i + 1, (int)n, msg);
		fflush(stdout);
		n = snprintf(msg, sizeof(msg), "hello, child %d", i + 1);
		/* send(P), by pid; any waiting reply goes to the right child. */
		check(mbox_sendto(NULL, info.pid, msg, n, 0), "parent: send(child)");
		/* Let this child finish first, for a tidy output. */
		if (waitpid(pid[i], &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			failed = 1;
	}
	mbox_close(inbox);
	return failed;
}
