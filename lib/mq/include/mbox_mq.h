/* SPDX-License-Identifier: (LGPL-2.1 OR MIT) */
/*
 * libmbox-mq: the POSIX message queue API (<mqueue.h>) on mbox mailboxes,
 * and what POSIX lacks, reached from an mqd_t.
 *
 * Link with -lmbox-mq ahead of -lrt (or preload libmbox-mq.so.1) and the
 * mq_*() calls of <mqueue.h> go to /dev/mbox instead of the kernel's
 * mqueue. An mqd_t is a /dev/mbox descriptor bound to a mailbox: poll(2),
 * select(2) and epoll(7) work on it as on the kernel's. libmbox-mq(3) lists
 * every difference from the kernel's mqueue.
 *
 * The functions below follow the mq_*() convention: -1 and errno on
 * failure.
 */
#ifndef MBOX_MQ_H
#define MBOX_MQ_H

#include <mqueue.h>
#include <sys/types.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Priorities mq_send() accepts: 0 to MBOX_MQ_PRIO_MAX - 1 (EINVAL above). */
#define MBOX_MQ_PRIO_MAX	32

/**
 * struct mbox_mq_sender - who sent a message, as the kernel recorded it
 * @pid:	the sending process (thread group id) in the receiver's pid
 *		namespace; 0 when it is not visible there.
 * @uid:	its effective uid at send time, in the receiver's user
 *		namespace (the overflow uid when unmapped).
 * @gid:	its effective gid, likewise.
 */
struct mbox_mq_sender {
	pid_t pid;
	uid_t uid;
	gid_t gid;
};

/**
 * mbox_mq_receive_from() - mq_timedreceive(3) that also says who sent
 * @mqd:	a descriptor open for reading
 * @buf:	where to store the message
 * @len:	size of @buf, at least the queue's mq_msgsize (EMSGSIZE)
 * @prio:	if not NULL, the message's priority
 * @abs_timeout: NULL to block, else an absolute CLOCK_REALTIME time
 * @sender:	if not NULL, the sender's identity
 *
 * Return: the message's length, or -1 with errno as for mq_timedreceive(3).
 */
ssize_t mbox_mq_receive_from(mqd_t mqd, char *buf, size_t len,
			     unsigned int *prio,
			     const struct timespec *abs_timeout,
			     struct mbox_mq_sender *sender);

/**
 * mbox_mq_peek() - a copy of the message mq_receive(3) would take, left
 * queued
 *
 * Arguments, blocking and errors as for mbox_mq_receive_from().
 */
ssize_t mbox_mq_peek(mqd_t mqd, char *buf, size_t len, unsigned int *prio,
		     const struct timespec *abs_timeout,
		     struct mbox_mq_sender *sender);

/**
 * mbox_mq_send_sync() - mq_timedsend(3) that returns once a receiver took
 * the message
 *
 * Return: 0 once a receiver took it; -1 with errno as for mq_timedsend(3)
 * otherwise (ETIMEDOUT, EINTR, EAGAIN), and the message is then withdrawn:
 * it is never delivered later.
 */
int mbox_mq_send_sync(mqd_t mqd, const char *buf, size_t len,
		      unsigned int prio, const struct timespec *abs_timeout);

#ifdef __cplusplus
}
#endif

#endif /* MBOX_MQ_H */
