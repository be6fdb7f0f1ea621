// SPDX-License-Identifier: (LGPL-2.1 OR MIT)
/*
 * mq_notify() in userspace.
 *
 * The kernel's mqueue keeps one registration per queue, in the queue; mbox
 * has no such slot, so the library keeps it in two places:
 *  - in the process, a list of registrations, each with a watcher thread;
 *  - across processes, an open file description lock (F_OFD_SETLK) on
 *    /dev/shm/.mbox-mq-notify-HASH, HASH being a hash of the queue's name,
 *    held while the registration lasts. A second registration for the queue,
 *    from any process, finds the lock taken: EBUSY. The kernel drops the
 *    lock when the process dies, as the kernel's mqueue drops the
 *    registration of a process that exits. mq_unlink removes the file, so
 *    that a new queue of the same name starts without registration.
 *
 * The watcher thread, with every signal blocked, polls a descriptor of the
 * queue for EPOLLIN (the registrant's, duplicated, or a read-only one of its
 * own when the registrant's is write-only) and an eventfd that cancels it.
 * The kernel notifies when a message enters an empty queue that no receiver
 * waits on; the watcher:
 *  - arms at once when the queue is empty at registration; otherwise it
 *    looks every 10 ms (MBOX_IOC_STAT) and arms once it sees the queue
 *    empty, or fires once as many messages were received since registration
 *    as were queued then (the queue has been drained and refilled between
 *    two looks);
 *  - once armed, fires when poll() reports EPOLLIN and the queue holds a
 *    message. A message handed straight to a blocked receiver never sits in
 *    the queue, so it notifies nobody, as with the kernel.
 * Firing removes the registration first (one-shot, as the kernel's), then
 * delivers: SIGEV_SIGNAL queues sigev_signo to the process with si_code
 * SI_MESGQ, si_value, and si_pid and si_uid of the message's sender (read
 * with a peek); SIGEV_THREAD calls sigev_notify_function in a new detached
 * thread; SIGEV_NONE only ends the registration.
 */
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

#define KERNEL_NSIG	64	/* valid_signal(): 0 to _NSIG */
#define UNARMED_POLL_MS	10

struct registration {
	struct registration *next;
	int mqd;		/* the descriptor it was made through */
	char name[MBOX_NAME_MAX + 1];	/* "" when unknown */
	int watch_fd;		/* a descriptor of the queue that may receive */
	int cancel_fd;		/* eventfd: written when the registration ends */
	int lock_fd;		/* holds the cross-process lock, or -1 */
	struct sigevent sev;
	size_t stacksize;	/* of sigev_notify_attributes, 0 for default */
	uint64_t queued0;	/* messages queued at registration */
	uint64_t received0;	/* the queue's received counter then */
};

/* Protects regs and each registration's lock_fd. */
static pthread_mutex_t regs_lock = PTHREAD_MUTEX_INITIALIZER;
static struct registration *regs;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void atfork_prepare(void)
{
	pthread_mutex_lock(&regs_lock);
}

static void atfork_parent(void)
{
	pthread_mutex_unlock(&regs_lock);
}

/*
 * The child is not the registrant (the kernel's owner is the parent's
 * tgid), and has no watcher threads: forget every registration without
 * releasing the parent's locks (they live while the parent holds them).
 */
static void atfork_child(void)
{
	struct registration *r, *next;

	for (r = regs; r; r = next) {
		next = r->next;
		if (r->lock_fd >= 0)
			close(r->lock_fd);
		close(r->watch_fd);
		close(r->cancel_fd);
		free(r);
	}
	regs = NULL;
	pthread_mutex_init(&regs_lock, NULL);
}

static void register_atfork(void)
{
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

static void lock_path(const char *name, char *path, size_t size)
{
	uint64_t h = 0xcbf29ce484222325ULL;	/* FNV-1a */

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 0x100000001b3ULL;
	snprintf(path, size, "/dev/shm/.mbox-mq-notify-%016llx", (unsigned long long)h);
}

/*
 * Take the cross-process lock of @name: the lock fd, -1 when there is no
 * place for it (the registration is then known to this process only), or
 * -EBUSY.
 *
 * Only EAGAIN is another holder: that is what F_OFD_SETLK gives on a
 * conflict. A kernel built without CONFIG_FILE_LOCKING answers every lock
 * request with EACCES (the stub in <linux/filelock.h>), and one older than
 * 3.15 has no OFD locks (EINVAL); there is then no lock to be had, which is
 * no reason to refuse the registration.
 */
static int take_lock(const char *name)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	char path[64];
	int fd;

	if (!name[0])
		return -1;
	lock_path(name, path, sizeof(path));
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666);
	if (fd < 0)
		return -1;
	fchmod(fd, 0666);	/* whatever the umask: every user registers */
	if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
		return fd;
	close(fd);
	return errno == EAGAIN ? -EBUSY : -1;
}

void mq__notify_unlink(const char *name)
{
	char path[64];

	lock_path(name, path, sizeof(path));
	unlink(path);
}

/* Unlist @r and release its lock; its watcher frees it. regs_lock held. */
static void end_registration(struct registration **link)
{
	struct registration *r = *link;
	uint64_t one = 1;

	*link = r->next;
	if (r->lock_fd >= 0)
		close(r->lock_fd);
	r->lock_fd = -1;
	if (write(r->cancel_fd, &one, sizeof(one)) < 0)
		abort();	/* an eventfd below its maximum never fails */
}

/* The registration of this process for @mqd's queue. regs_lock held. */
static struct registration **find(int mqd, const char *name)
{
	struct registration **link;

	for (link = &regs; *link; link = &(*link)->next)
		if ((*link)->mqd == mqd || (name[0] && !strcmp((*link)->name, name)))
			return link;
	return NULL;
}

void mq__notify_close(int mqd)
{
	struct registration **link;
	char name[MBOX_NAME_MAX + 1] = "";

	mq__fd_name(mqd, name, sizeof(name));
	pthread_mutex_lock(&regs_lock);
	link = find(mqd, name);
	if (link)
		end_registration(link);
	pthread_mutex_unlock(&regs_lock);
}

struct thread_call {
	void (*fn)(union sigval);
	union sigval value;
};

static void *call_notify_function(void *arg)
{
	struct thread_call call = *(struct thread_call *)arg;

	free(arg);
	call.fn(call.value);
	return NULL;
}

static void deliver(struct registration *r)
{
	struct mbox_recv peek = {
		.flags = MBOX_RECV_PEEK | MBOX_RECV_NONBLOCK | MBOX_RECV_TRUNC,
	};

	switch (r->sev.sigev_notify) {
	case SIGEV_SIGNAL: {
		siginfo_t si;

		if (!r->sev.sigev_signo)
			break;	/* accepted, and sends nothing, as the kernel */
		/* The sender of the message that arrived, if still there. */
		mq__ioctl(r->watch_fd, MBOX_IOC_RECV, &peek);
		memset(&si, 0, sizeof(si));
		si.si_signo = r->sev.sigev_signo;
		si.si_code = SI_MESGQ;
		si.si_value = r->sev.sigev_value;
		si.si_pid = (pid_t)peek.pid;
		si.si_uid = peek.uid;
		syscall(SYS_rt_sigqueueinfo, getpid(), r->sev.sigev_signo, &si);
		break;
	}
	case SIGEV_THREAD: {
		struct thread_call *call = malloc(sizeof(*call));
		pthread_attr_t attr;
		pthread_t t;

		if (!call)
			break;
		call->fn = r->sev.sigev_notify_function;
		call->value = r->sev.sigev_value;
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		if (r->stacksize)
			pthread_attr_setstacksize(&attr, r->stacksize);
		if (pthread_create(&t, &attr, call_notify_function, call))
			free(call);
		pthread_attr_destroy(&attr);
		break;
	}
	default:
		break;
	}
}

/* Wait until the registration fires or ends; returns 1 to fire. */
static int watch_queue(struct registration *r)
{
	struct pollfd p[2] = {
		{ .fd = r->cancel_fd, .events = POLLIN },
		{ .fd = r->watch_fd, .events = POLLIN },
	};
	struct mbox_stat st;
	uint64_t q0, r0;
	int armed, hung = 0, n;

	/* As the queue was when mq_notify() was called, not when we started. */
	armed = r->queued0 == 0;
	q0 = r->queued0;
	r0 = r->received0;
	for (;;) {
		n = poll(p, armed && !hung ? 2 : 1, armed ? -1 : UNARMED_POLL_MS);
		if (n < 0 && errno != EINTR)
			return 0;
		if (p[0].revents)
			return 0;	/* ended */
		if (mq__stat(r->watch_fd, &st))
			return 0;
		if (!armed) {
			if (st.queued == 0)
				armed = 1;
			else if (st.received - r0 >= q0)
				return 1;
			continue;
		}
		if (st.queued > 0)
			return 1;
		/* Unlinked with no sender left: nothing can come any more. */
		if (p[1].revents & (POLLHUP | POLLERR))
			hung = 1;
	}
}

static void *watcher(void *arg)
{
	struct registration *r = arg, **link;
	int fire = watch_queue(r);

	pthread_mutex_lock(&regs_lock);
	for (link = &regs; *link && *link != r; link = &(*link)->next)
		;
	if (*link) {
		/*
		 * One-shot: the registration ends before it is delivered (or
		 * when the queue cannot be watched any more).
		 */
		*link = r->next;
		if (r->lock_fd >= 0)
			close(r->lock_fd);
		r->lock_fd = -1;
	} else {
		fire = 0;	/* ended meanwhile */
	}
	pthread_mutex_unlock(&regs_lock);
	if (fire)
		deliver(r);
	close(r->watch_fd);
	close(r->cancel_fd);
	free(r);
	return NULL;
}

static int watch_descriptor(int mqd, const char *name)
{
	struct mbox_open op = { .name = (uintptr_t)name };
	int fl = fcntl(mqd, F_GETFL), fd, ret;

	if (fl < 0)
		return -errno;
	if ((fl & O_ACCMODE) != O_WRONLY) {
		fd = fcntl(mqd, F_DUPFD_CLOEXEC, 0);
		return fd < 0 ? -errno : fd;
	}
	/* Poll needs a descriptor that may receive: bind one of our own. */
	if (!name[0])
		return -EBADF;
	fd = open(MBOX_DEVICE_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = mq__ioctl(fd, MBOX_IOC_OPEN, &op);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

static int do_notify(mqd_t mqd, const struct sigevent *sev)
{
	struct registration **link, *r;
	char name[MBOX_NAME_MAX + 1] = "";
	struct mbox_stat st;
	sigset_t all, old;
	pthread_t t;
	int ret;

	if (sev) {
		if (sev->sigev_notify != SIGEV_NONE && sev->sigev_notify != SIGEV_SIGNAL &&
		    sev->sigev_notify != SIGEV_THREAD)
			return -EINVAL;
		if (sev->sigev_notify == SIGEV_SIGNAL &&
		    (unsigned int)sev->sigev_signo > KERNEL_NSIG)
			return -EINVAL;
	}
	ret = mq__stat(mqd, &st);
	if (ret)
		return ret;
	mq__fd_name(mqd, name, sizeof(name));
	pthread_once(&atfork_once, register_atfork);

	pthread_mutex_lock(&regs_lock);
	link = find(mqd, name);
	if (!sev) {
		/* Only the registrant may remove it; others succeed, as in the kernel. */
		if (link)
			end_registration(link);
		ret = 0;
		goto out;
	}
	ret = -EBUSY;
	if (link)
		goto out;
	ret = -ENOMEM;
	r = calloc(1, sizeof(*r));
	if (!r)
		goto out;
	r->mqd = mqd;
	r->queued0 = st.queued;
	r->received0 = st.received;
	strcpy(r->name, name);
	r->sev = *sev;
	if (sev->sigev_notify == SIGEV_THREAD && sev->sigev_notify_attributes)
		pthread_attr_getstacksize(sev->sigev_notify_attributes, &r->stacksize);
	r->lock_fd = take_lock(name);
	if (r->lock_fd == -EBUSY) {
		ret = -EBUSY;
		goto err_free;
	}
	ret = r->watch_fd = watch_descriptor(mqd, name);
	if (ret < 0)
		goto err_lock;
	r->cancel_fd = eventfd(0, EFD_CLOEXEC);
	if (r->cancel_fd < 0) {
		ret = -errno;
		goto err_watch;
	}
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = -pthread_create(&t, NULL, watcher, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret)
		goto err_cancel;
	pthread_detach(t);
	r->next = regs;
	regs = r;
	ret = 0;
	goto out;

err_cancel:
	close(r->cancel_fd);
err_watch:
	close(r->watch_fd);
err_lock:
	if (r->lock_fd >= 0)
		close(r->lock_fd);
err_free:
	free(r);
out:
	pthread_mutex_unlock(&regs_lock);
	return ret;
}

int mq_notify(mqd_t mqd, const struct sigevent *sev)
{
	int ret = do_notify(mqd, sev);

	if (ret) {
		errno = -ret;
		return -1;
	}
	return 0;
}

MQ_GLIBC_ALIASES(mq_notify)
