// SPDX-License-Identifier: MIT
/*
 * The parent-child pipe, through an anonymous mailbox.
 *
 * mbox_pipe() makes a mailbox with no name and returns its two ends, as
 * pipe(2) does: ends[0] receives, ends[1] sends. The parent forks; the
 * child keeps the read end and the parent the write end, and each closes
 * the other, exactly as with a pipe. The parent sends a few lines of text,
 * one message each, and closes its end; the child receives until
 * mbox_recv() returns -EPIPE, which is end-of-file: the queue is empty
 * and no write end is left. Nobody had to agree on a name, or on when to
 * unlink one.
 *
 * The mailbox holds 2 messages, so the parent waits whenever the child
 * falls behind: a bounded buffer between parent and child.
 *
 * Build: cc pipe.c $(pkg-config --cflags --libs libmbox)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libmbox.h>

static const char *const lines[] = {
	"a pipe has two ends,",
	"and so has this mailbox:",
	"no name, no unlink,",
	"and end-of-file when the last writer closes.",
};

#define NR_LINES (sizeof(lines) / sizeof(lines[0]))

static void check(int ret, const char *what)
{
	if (ret < 0) {
		fprintf(stderr, "%s: %s\n", what, strerror(-ret));
		exit(1);
	}
}

/* The child: receive until end-of-file, and check what came. */
static int child(struct mbox *rd)
{
	char buf[128];
	unsigned int n = 0;
	ssize_t len;

	while ((len = mbox_recv(rd, buf, sizeof(buf) - 1, 0)) >= 0) {
		buf[len] = '\0';
		printf("child:  got \"%s\"\n", buf);
		if (n >= NR_LINES || strcmp(buf, lines[n]))
			return 1;
		n++;
	}
	printf("child:  end-of-file (%s) after %u messages\n",
	       len == -EPIPE ? "EPIPE" : strerror((int)-len), n);
	return len == -EPIPE && n == NR_LINES ? 0 : 1;
}

int main(void)
{
	struct mbox_attr attr = { .capacity = 2, .msg_size = 128 };
	struct mbox *ends[2];
	unsigned int i;
	int status;
	pid_t pid;

	check(mbox_pipe(ends, &attr, O_CLOEXEC), "mbox_pipe");
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		mbox_close(ends[1]);	/* or the child would never see EOF */
		status = child(ends[0]);
		mbox_close(ends[0]);
		fflush(stdout);
		_exit(status);
	}
	mbox_close(ends[0]);
	for (i = 0; i < NR_LINES; i++)
		check(mbox_send(ends[1], lines[i], strlen(lines[i]), 0), "send");
	printf("parent: sent %zu messages; closing the write end\n", NR_LINES);
	fflush(stdout);
	mbox_close(ends[1]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		fprintf(stderr, "the child failed\n");
		return 1;
	}
	printf("parent: the child read everything and saw end-of-file\n");
	return 0;
}
