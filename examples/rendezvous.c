// SPDX-License-Identifier: MIT
/*
 * Rendezvous and synchronous send: the sender learns that the receiver
 * has taken its message.
 *
 * 1. A rendezvous mailbox holds nothing (capacity 0): a send waits until
 *    a receiver takes the message from its hands. With nobody there, a
 *    non-blocking send fails with -EAGAIN.
 * 2. A synchronous send (MBOX_SEND_SYNC) into an ordinary mailbox returns
 *    0 only once a receiver has taken the message out. If it gives up first
 *    (here: a timeout), the message is withdrawn and never delivered.
 *
 * Build: cc rendezvous.c $(pkg-config --cflags --libs libmbox)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libmbox.h>

#define ROUNDS 3

static void check(int ret, const char *what)
{
	if (ret < 0) {
		fprintf(stderr, "%s: %s\n", what, strerror(-ret));
		exit(1);
	}
}

/* The receiver: takes @count messages from @name, then exits. */
static pid_t start_receiver(const char *name, int count)
{
	struct mbox *mb;
	char buf[64];
	pid_t pid;

	check(mbox_open(&mb, name, O_RDONLY, 0, NULL), "receiver: open");
	/* Or the child would print what we printed so far again. */
	fflush(stdout);
	pid = fork();
	if (pid != 0) {
		mbox_close(mb);
		return pid;
	}
	while (count--)
		check(mbox_recv(mb, buf, sizeof(buf), 0), "receiver: recv");
	_exit(0);
}

static int finish(pid_t pid)
{
	int status;

	return waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 0 ? 0 : 1;
}

int main(void)
{
	struct mbox_attr rdv = { .flags = MBOX_OPEN_RENDEZVOUS };
	struct mbox_sendopts sync = { .flags = MBOX_SEND_SYNC };
	struct mbox_sendopts timed = {
		.flags = MBOX_SEND_SYNC | MBOX_SEND_TIMEOUT,
		.timeout_ns = 100 * 1000 * 1000,
	};
	struct mbox *mb;
	char name[64], buf[64];
	int i, ret, failed = 0;
	pid_t pid;

	snprintf(name, sizeof(name), "example-rendezvous-%d", (int)getpid());
	check(mbox_open(&mb, name, O_WRONLY | O_CREAT | O_EXCL, 0600, &rdv),
	      "create a rendezvous");
	ret = mbox_send(mb, "knock", 5, MBOX_SEND_NONBLOCK);
	printf("rendezvous: nobody waiting, a non-blocking send gives %s\n",
	       ret == -EAGAIN ? "EAGAIN" : strerror(-ret));
	pid = start_receiver(name, ROUNDS);
	for (i = 1; i <= ROUNDS; i++) {
		/* Returns once the receiver holds the message. */
		check(mbox_send(mb, "meet", 4, 0), "rendezvous: send");
		printf("rendezvous %d: the receiver took the message\n", i);
	}
	failed |= finish(pid);
	mbox_close(mb);
	check(mbox_unlink(name), "unlink");

	/* An ordinary mailbox, read and written through one handle. */
	check(mbox_open(&mb, name, O_RDWR | O_CREAT | O_EXCL, 0600, NULL),
	      "create a mailbox");
	ret = mbox_sendmsg(mb, "anyone?", 7, &timed);
	printf("synchronous send, nobody receiving: %s\n",
	       ret == -ETIMEDOUT ? "ETIMEDOUT after 0.1 s" : strerror(-ret));
	ret = mbox_recv(mb, buf, sizeof(buf), MBOX_RECV_NONBLOCK);
	printf("... and the message was withdrawn: the mailbox is %s\n",
	       ret == -EAGAIN ? "empty" : "not empty");
	failed |= ret != -EAGAIN;
	pid = start_receiver(name, 1);
	check(mbox_sendmsg(mb, "taken?", 6, &sync), "synchronous send");
	printf("synchronous send with a receiver: returned once it was taken\n");
	failed |= finish(pid);
	mbox_close(mb);
	check(mbox_unlink(name), "unlink");
	return failed;
}
