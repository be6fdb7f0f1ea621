// SPDX-License-Identifier: MIT
/*
 * The bounded buffer over shared memory: a producer and a consumer
 * process share a ring of 4 KiB, far less than the 200 records that pass
 * through it, so each side in turn finds it full or empty and sleeps until
 * the other moves. Records move with plain loads and stores; the kernel is
 * entered only to sleep and to wake a sleeper.
 *
 * End of stream: the consumer, which binds last, unlinks the name. From
 * then on nobody new can bind, so once the producer closes its end the
 * consumer's pop fails with -EPIPE after the last record, as a pipe's
 * reader sees end of file.
 *
 * Build: cc ring_bounded_buffer.c $(pkg-config --cflags --libs libmbox)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libmbox.h>

#define RECORDS 200

static void check(int ret, const char *what)
{
	if (ret < 0) {
		fprintf(stderr, "%s: %s\n", what, strerror(-ret));
		exit(1);
	}
}

static int consumer(const char *name)
{
	struct mbox_ring_counters c;
	struct mbox_ring *ring;
	char record[64], want[64];
	unsigned int count = 0;
	ssize_t n;

	check(mbox_ring_open(&ring, name, MBOX_RING_CONSUMER, 0, 0, 0, 0),
	      "consumer: open");
	check(mbox_ring_unlink(name), "consumer: unlink");
	/* Wait while the ring is empty; -EPIPE once the producer is gone. */
	while ((n = mbox_ring_pop(ring, record, sizeof(record), 0, 0)) >= 0) {
		snprintf(want, sizeof(want), "item %u", count);
		if ((size_t)n != strlen(want) || memcmp(record, want, n)) {
			fprintf(stderr, "consumer: got '%.*s', wanted '%s'\n",
				(int)n, record, want);
			return 1;
		}
		count++;
	}
	if (n != -EPIPE)
		check(n, "consumer: pop");
	mbox_ring_counters(ring, &c);
	printf("consumer: %u records in order, then end of stream (slept %s)\n",
	       count, c.waits ? "while the ring was empty" : "never");
	mbox_ring_close(ring);
	return count == RECORDS ? 0 : 1;
}

int main(void)
{
	struct mbox_ring *ring;
	char name[64], record[64];
	unsigned int i;
	void *slot;
	int status, len;
	pid_t pid;

	snprintf(name, sizeof(name), "example-ring-%d", (int)getpid());
	/* The producer creates the ring (4096 data bytes) and binds first. */
	check(mbox_ring_open(&ring, name, MBOX_RING_PRODUCER, O_CREAT | O_EXCL,
			     0600, 4096, 0), "producer: create");
	/* Or the child would print what we printed so far again. */
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		/* The child's copy of the producer's handle is not its own. */
		mbox_ring_close(ring);
		return consumer(name);
	}

	for (i = 0; i < RECORDS; i++) {
		len = snprintf(record, sizeof(record), "item %u", i);
		/* Zero-copy: room in the ring (waiting while it is full)... */
		check(mbox_ring_reserve(ring, len, &slot, 0, 0), "producer: reserve");
		memcpy(slot, record, len);
		/* ...then publish it; no system call unless the consumer sleeps. */
		check(mbox_ring_commit(ring), "producer: commit");
	}
	printf("producer: %u records through a 4096-byte ring\n", RECORDS);
	fflush(stdout);
	/* Closing our end is the end of the stream. */
	mbox_ring_close(ring);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return 1;
	return WEXITSTATUS(status);
}
