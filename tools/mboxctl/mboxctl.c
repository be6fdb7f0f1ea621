// SPDX-License-Identifier: GPL-2.0
/*
 * mboxctl: mailboxes from the shell.
 *
 *   mboxctl create [-x] [-u] [-m MODE] [-c CAPACITY] [-s MSG_SIZE] NAME
 *   mboxctl rm NAME...
 *   mboxctl ls
 *   mboxctl stat NAME
 *   mboxctl send [-n] [-t SECONDS] NAME [MESSAGE]
 *   mboxctl recv [-n] [-t SECONDS] NAME
 *   mboxctl info
 *
 * send takes the message from its argument, or else all of standard input
 * (one message). recv writes the message to standard output as it is, with
 * no newline added.
 *
 * Exit status: 0 success; 1 failure (the message names the errno); 2 bad
 * usage; 3 timed out (ETIMEDOUT); 4 would block (EAGAIN, with -n).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libmbox.h>

enum {
	EXIT_USAGE = 2,
	EXIT_TIMEOUT = 3,
	EXIT_WOULDBLOCK = 4,
};

static const char usage_text[] =
	"usage: mboxctl create [-x] [-u] [-m MODE] [-c CAPACITY] [-s MSG_SIZE] NAME\n"
	"       mboxctl rm NAME...\n"
	"       mboxctl ls\n"
	"       mboxctl stat NAME\n"
	"       mboxctl send [-n] [-t SECONDS] NAME [MESSAGE]\n"
	"       mboxctl recv [-n] [-t SECONDS] NAME\n"
	"       mboxctl info\n"
	"\n"
	"  -x  create: fail if it exists      -u  create: unbounded capacity\n"
	"  -m  create: mode (octal, 0600)     -c  create: capacity in messages\n"
	"  -s  create: largest message size   -n  do not block (exit 4 instead)\n"
	"  -t  give up after SECONDS (may be fractional; exit 3)\n"
	"\n"
	"exit status: 0 ok, 1 error, 2 usage, 3 timed out, 4 would block\n";

static int usage(void)
{
	fputs(usage_text, stderr);
	return EXIT_USAGE;
}

/* Report -@err for @what on @name; return the exit status it maps to. */
static int fail(const char *what, const char *name, int err)
{
	const char *ename = strerrorname_np(err);

	fprintf(stderr, "mboxctl: %s%s%s: %s (%s)\n", what, name ? " " : "",
		name ? name : "", strerror(err), ename ? ename : "?");
	if (err == ETIMEDOUT)
		return EXIT_TIMEOUT;
	if (err == EAGAIN)
		return EXIT_WOULDBLOCK;
	return EXIT_FAILURE;
}

static int parse_uint(const char *s, int base, unsigned int *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, base);
	if (errno || !*s || *end || v > UINT_MAX || *s == '-')
		return -1;
	*out = v;
	return 0;
}

static int parse_seconds(const char *s, uint64_t *ns)
{
	double v;
	char *end;

	errno = 0;
	v = strtod(s, &end);
	if (errno || !*s || *end || !(v >= 0) || v > 1e9)
		return -1;
	*ns = (uint64_t)llround(v * 1e9);
	return 0;
}

static int cmd_create(int argc, char **argv)
{
	struct mbox_attr attr = { 0 };
	unsigned int mode = 0600;
	int oflag = O_RDONLY | O_CREAT, opt, ret;
	struct mbox *mb;

	while ((opt = getopt(argc, argv, "xum:c:s:")) != -1) {
		switch (opt) {
		case 'x':
			oflag |= O_EXCL;
			break;
		case 'u':
			attr.flags |= MBOX_OPEN_UNBOUNDED;
			break;
		case 'm':
			if (parse_uint(optarg, 8, &mode))
				return usage();
			break;
		case 'c':
			if (parse_uint(optarg, 10, &attr.capacity))
				return usage();
			break;
		case 's':
			if (parse_uint(optarg, 10, &attr.msg_size))
				return usage();
			break;
		default:
			return usage();
		}
	}
	if (optind != argc - 1)
		return usage();
	/* The mode given is the mode wanted. */
	umask(0);
	ret = mbox_open(&mb, argv[optind], oflag, mode, &attr);
	if (ret)
		return fail("create", argv[optind], -ret);
	mbox_close(mb);
	return 0;
}

static int cmd_rm(int argc, char **argv)
{
	int i, ret, status = 0;

	if (argc < 2)
		return usage();
	for (i = 1; i < argc; i++) {
		ret = mbox_unlink(argv[i]);
		if (ret)
			status = fail("rm", argv[i], -ret);
	}
	return status;
}

static int cmd_ls(int argc, char **argv)
{
	struct mbox_list_entry *entries, *e;
	unsigned int count, i;
	int ret;

	(void)argv;
	if (argc != 1)
		return usage();
	ret = mbox_list(&entries, &count);
	if (ret)
		return fail("ls", NULL, -ret);
	printf("%-8s %-5s %6s %6s %8s %10s  %s\n", "TYPE", "MODE", "UID", "GID",
	       "QUEUED", "BYTES", "NAME");
	for (i = 0, e = entries; i < count; i++, e = mbox_list_next(e)) {
		printf("%-8s %04o  %6u %6u %8u %10llu  %s\n",
		       e->type == MBOX_TYPE_MAILBOX ? "mailbox" : "?",
		       e->mode, e->uid, e->gid, e->queued,
		       (unsigned long long)e->queued_bytes, (char *)e->name);
	}
	free(entries);
	return 0;
}

/* Open @name for @oflag access; on failure report it for @what. */
static int open_existing(struct mbox **mb, const char *what, const char *name,
			 int oflag)
{
	int ret = mbox_open(mb, name, oflag, 0, NULL);

	return ret ? fail(what, name, -ret) : 0;
}

static int cmd_stat(int argc, char **argv)
{
	struct mbox_stat st;
	bool reader = true;
	struct mbox *mb;
	int ret;

	if (argc != 2)
		return usage();
	/* Either access will do; try to read first, then to write. */
	ret = mbox_open(&mb, argv[1], O_RDONLY, 0, NULL);
	if (ret == -EACCES) {
		reader = false;
		ret = mbox_open(&mb, argv[1], O_WRONLY, 0, NULL);
	}
	if (ret)
		return fail("stat", argv[1], -ret);
	ret = mbox_stat(mb, &st);
	mbox_close(mb);
	if (ret)
		return fail("stat", argv[1], -ret);

	printf("name:       %s%s\n", argv[1],
	       st.state & MBOX_STATE_UNLINKED ? " (unlinked)" : "");
	if (st.open_flags & MBOX_OPEN_UNBOUNDED)
		printf("capacity:   unbounded\n");
	else
		printf("capacity:   %u messages\n", st.capacity);
	printf("msg size:   %u bytes at most\n", st.msg_size);
	printf("owner:      uid %u gid %u mode %04o\n", st.uid, st.gid, st.mode);
	printf("queued:     %u messages, %llu bytes\n", st.queued,
	       (unsigned long long)st.queued_bytes);
	printf("waiting:    %u senders, %u receivers\n", st.waiting_senders,
	       st.waiting_receivers);
	/* Not counting this command's own descriptor. */
	printf("bound:      %u readers, %u writers\n", st.readers - reader,
	       st.writers - !reader);
	printf("total:      %llu sent, %llu received\n",
	       (unsigned long long)st.sent, (unsigned long long)st.received);
	return 0;
}

/* Options common to send and recv. */
struct io_opts {
	unsigned int flags;
	bool timed;
	uint64_t timeout_ns;
};

static int parse_io_opts(int argc, char **argv, struct io_opts *o,
			 unsigned int nonblock_flag)
{
	int opt;

	while ((opt = getopt(argc, argv, "nt:")) != -1) {
		switch (opt) {
		case 'n':
			o->flags |= nonblock_flag;
			break;
		case 't':
			if (parse_seconds(optarg, &o->timeout_ns))
				return -1;
			o->timed = true;
			break;
		default:
			return -1;
		}
	}
	return 0;
}

/* All of standard input, up to @max bytes; NULL (errno set) on failure. */
static char *read_stdin(size_t max, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap), *p;
	ssize_t r;

	while (buf) {
		if (n == cap) {
			if (cap > max) {
				errno = EMSGSIZE;
				break;
			}
			cap *= 2;
			p = realloc(buf, cap);
			if (!p)
				break;
			buf = p;
		}
		r = read(STDIN_FILENO, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		if (r == 0) {
			*len = n;
			return buf;
		}
		n += r;
	}
	free(buf);
	return NULL;
}

static int cmd_send(int argc, char **argv)
{
	struct io_opts o = { 0 };
	struct mbox_stat st;
	const char *name;
	struct mbox *mb;
	char *buf;
	size_t len;
	int ret;

	if (parse_io_opts(argc, argv, &o, MBOX_SEND_NONBLOCK) ||
	    argc - optind < 1 || argc - optind > 2)
		return usage();
	name = argv[optind];
	ret = open_existing(&mb, "send", name, O_WRONLY);
	if (ret)
		return ret;

	if (argc - optind == 2) {
		buf = strdup(argv[optind + 1]);
		len = strlen(argv[optind + 1]);
	} else {
		ret = mbox_stat(mb, &st);
		if (ret) {
			mbox_close(mb);
			return fail("send", name, -ret);
		}
		buf = read_stdin(st.msg_size, &len);
	}
	if (!buf) {
		ret = -errno;
		mbox_close(mb);
		return fail("send", name, -ret);
	}

	if (o.timed)
		ret = mbox_timedsend(mb, buf, len, o.flags, o.timeout_ns);
	else
		ret = mbox_send(mb, buf, len, o.flags);
	free(buf);
	mbox_close(mb);
	return ret ? fail("send", name, -ret) : 0;
}

static int write_all(const char *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(STDOUT_FILENO, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= n;
	}
	return 0;
}

static int cmd_recv(int argc, char **argv)
{
	struct io_opts o = { 0 };
	struct mbox_stat st;
	const char *name;
	struct mbox *mb;
	ssize_t n;
	char *buf;
	int ret;

	if (parse_io_opts(argc, argv, &o, MBOX_RECV_NONBLOCK) ||
	    argc - optind != 1)
		return usage();
	name = argv[optind];
	ret = open_existing(&mb, "recv", name, O_RDONLY);
	if (ret)
		return ret;
	ret = mbox_stat(mb, &st);
	buf = ret ? NULL : malloc(st.msg_size ? st.msg_size : 1);
	if (!buf) {
		mbox_close(mb);
		return fail("recv", name, ret ? -ret : ENOMEM);
	}

	if (o.timed)
		n = mbox_timedrecv(mb, buf, st.msg_size, o.flags, o.timeout_ns);
	else
		n = mbox_recv(mb, buf, st.msg_size, o.flags);
	mbox_close(mb);
	if (n < 0) {
		free(buf);
		return fail("recv", name, -n);
	}
	ret = write_all(buf, n);
	free(buf);
	return ret ? fail("recv: write", NULL, -ret) : 0;
}

static int cmd_info(int argc, char **argv)
{
	struct mbox_info info;
	int ret;

	(void)argv;
	if (argc != 1)
		return usage();
	ret = mbox_info(&info);
	if (ret)
		return fail("info", NULL, -ret);
	printf("abi_version:        %u\n", info.abi_version);
	printf("features:           %#llx\n", (unsigned long long)info.features);
	printf("name_max:           %u\n", info.name_max);
	printf("msg_size_max:       %u\n", info.msg_size_max);
	printf("msg_size_default:   %u\n", info.msg_size_default);
	printf("capacity_max:       %u\n", info.capacity_max);
	printf("capacity_default:   %u\n", info.capacity_default);
	printf("user_mailboxes_max: %u\n", info.user_mailboxes_max);
	printf("user_bytes_max:     %llu\n", (unsigned long long)info.user_bytes_max);
	printf("msg_overhead:       %u\n", info.msg_overhead);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "create", cmd_create },
	{ "rm", cmd_rm },
	{ "ls", cmd_ls },
	{ "stat", cmd_stat },
	{ "send", cmd_send },
	{ "recv", cmd_recv },
	{ "info", cmd_info },
};

int main(int argc, char **argv)
{
	unsigned int i;

	if (argc < 2)
		return usage();
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fputs(usage_text, stdout);
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "mboxctl: unknown command '%s'\n", argv[1]);
	return usage();
}
