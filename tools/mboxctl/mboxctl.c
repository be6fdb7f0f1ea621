// SPDX-License-Identifier: GPL-2.0
/*
 * mboxctl: mailboxes from the shell. See usages below, or run
 * "mboxctl --help" and "mboxctl CMD --help"; man page mboxctl(8).
 *
 * send takes the message from its argument, or else all of standard input
 * (one message); several arguments go as one batch. recv writes the message
 * to standard output as it is, with no newline added (with -b, each message
 * of the batch is followed by a newline).
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

#include "mboxctl.h"

/*
 * The usage of each command, as "mboxctl CMD --help" prints it; "mboxctl
 * --help" prints them all, then the notes below.
 */
static const char *const usages[][2] = {
	{ "create", "create [-x] [-u | -r] [-m MODE] [-c CAPACITY] [-s MSG_SIZE] NAME\n"
	  "  -x fail if it exists      -u unbounded     -r rendezvous (capacity 0)\n"
	  "  -m mode (octal, 0600)     -c capacity      -s largest message size\n" },
	{ "rm", "rm NAME...\n" },
	{ "ls", "ls [--json]\n" },
	{ "stat", "stat [--json] NAME\n" },
	{ "send", "send [-n] [-t SECONDS] [-P PRIO] [-S] NAME [MESSAGE...]\n"
	  "send [-n] [-t SECONDS] [-P PRIO] [-S] --to PID [MESSAGE...]\n"
	  "  -P priority (0-31)        -S synchronous: return once received\n"
	  "  --to PID: to that process's inbox (send(P)) instead of a mailbox\n"
	  "  the message is MESSAGE, or else all of standard input;\n"
	  "  several MESSAGEs go as one batch\n" },
	{ "recv", "recv [-n] [-t SECONDS] [-f PID] [-p] [-i] [-b COUNT] NAME\n"
	  "  -f PID only from it       -p peek: leave it queued\n"
	  "  -i sender and priority on stderr\n"
	  "  -b COUNT: up to COUNT messages in one batch, a newline after each\n" },
	{ "inbox", "inbox [-n] [-t SECONDS] [-f PID] [-m MODE] [-c COUNT]\n"
	  "  open this process's inbox (mode 0622: anyone may send) and print\n"
	  "  COUNT messages (default 1) as \"[pid P uid U prio N] message\"\n" },
	{ "info", "info [--json]\n" },
	{ "watch", "watch [-i SECONDS] [-c COUNT] [NAME...]\n"
	  "  a live view of the named mailboxes and rings (default: all), redrawn\n"
	  "  every SECONDS (default 1) in place; -c COUNT: stop after COUNT views.\n"
	  "  When standard output is not a terminal, views follow each other.\n" },
	{ "ring", "ring create [-x] [-m MODE] [-s SIZE] NAME\n"
	  "ring push [-n] [-t SECONDS] NAME [RECORD...]\n"
	  "ring pop [-n] [-t SECONDS] [-c COUNT] NAME\n"
	  "ring stat [--json] NAME\n"
	  "ring rm NAME...\n"
	  "  push and pop play the producer and consumer through the kernel,\n"
	  "  opposite a process that maps the ring; -s data bytes (a power of\n"
	  "  two); pop -c COUNT takes COUNT records, a newline after each\n" },
};

static const char usage_notes[] =
	"\n"
	"all:     -n do not block (exit 4)  -t give up after SECONDS (exit 3)\n"
	"         --json: one JSON object (ls: an array) on standard output\n"
	"         CMD --help: that command's usage\n"
	"\n"
	"exit status: 0 ok, 1 error, 2 usage, 3 timed out, 4 would block\n";

/*
 * Print the usage of @cmd (NULL: all) to @f, each line after "mboxctl ";
 * with @sub, only the lines of "ring @sub". Return how many usage lines.
 */
static int print_usage(FILE *f, const char *cmd, const char *sub)
{
	size_t sublen = sub ? strlen(sub) : 0;
	const char *p, *nl;
	unsigned int i;
	int lines = 0;

	for (i = 0; i < sizeof(usages) / sizeof(usages[0]); i++) {
		if (cmd && strcmp(cmd, usages[i][0]))
			continue;
		for (p = usages[i][1]; *p; p = nl + 1) {
			nl = strchr(p, '\n');
			if (p[0] == ' ') {
				/* Option notes only in a command's own help. */
				if (cmd && lines)
					fprintf(f, "%.*s\n", (int)(nl - p), p);
				continue;
			}
			if (sub && (strncmp(p + strlen(cmd) + 1, sub, sublen) ||
				    p[strlen(cmd) + 1 + sublen] != ' '))
				continue;
			fprintf(f, "%s mboxctl %.*s\n", lines ? "      " : "usage:",
				(int)(nl - p), p);
			lines++;
		}
	}
	if (!cmd)
		fputs(usage_notes, f);
	return lines;
}

/* The command being run, for usage(). */
static const char *current_cmd;

int usage(void)
{
	print_usage(stderr, current_cmd, NULL);
	return EXIT_USAGE;
}

/* Report -@err for @what on @name; return the exit status it maps to. */
int fail(const char *what, const char *name, int err)
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

int parse_uint(const char *s, int base, unsigned int *out)
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

static int parse_pid(const char *s, pid_t *pid)
{
	unsigned int v;

	if (parse_uint(s, 10, &v) || !v || v > INT_MAX)
		return -1;
	*pid = v;
	return 0;
}

int parse_seconds(const char *s, uint64_t *ns)
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

void json_string(const char *str)
{
	const unsigned char *p;

	putchar('"');
	for (p = (const unsigned char *)str; *p; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

/* Parse the only option of ls, stat, ring stat and info: --json (-j). */
static int parse_json_opt(int argc, char **argv, bool *json)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "+j", opts, NULL)) != -1) {
		if (opt != 'j')
			return -1;
		*json = true;
	}
	return 0;
}

static int cmd_create(int argc, char **argv)
{
	struct mbox_attr attr = { 0 };
	unsigned int mode = 0600;
	int oflag = O_RDONLY | O_CREAT, opt, ret;
	struct mbox *mb;

	while ((opt = getopt(argc, argv, "xurm:c:s:")) != -1) {
		switch (opt) {
		case 'x':
			oflag |= O_EXCL;
			break;
		case 'u':
			attr.flags |= MBOX_OPEN_UNBOUNDED;
			break;
		case 'r':
			attr.flags |= MBOX_OPEN_RENDEZVOUS;
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

/* Unlink each name with @unlink_fn, reporting each failure as @what. */
static int unlink_each(int argc, char **argv, const char *what,
		       int (*unlink_fn)(const char *name))
{
	int i, ret, status = 0;

	if (argc < 2)
		return usage();
	for (i = 1; i < argc; i++) {
		ret = unlink_fn(argv[i]);
		if (ret)
			status = fail(what, argv[i], -ret);
	}
	return status;
}

static int cmd_rm(int argc, char **argv)
{
	return unlink_each(argc, argv, "rm", mbox_unlink);
}

static int cmd_ls(int argc, char **argv)
{
	struct mbox_list_entry *entries, *e;
	unsigned int count, i;
	bool json = false;
	int ret;

	if (parse_json_opt(argc, argv, &json) || optind != argc)
		return usage();
	ret = mbox_list(&entries, &count);
	if (ret)
		return fail("ls", NULL, -ret);
	if (json) {
		putchar('[');
		for (i = 0, e = entries; i < count; i++, e = mbox_list_next(e)) {
			printf("%s\n  {\"type\": \"%s\", \"name\": ", i ? "," : "",
			       e->type == MBOX_TYPE_MAILBOX ? "mailbox" :
			       e->type == MBOX_TYPE_RING ? "ring" : "unknown");
			json_string((char *)e->name);
			printf(", \"mode\": %u, \"uid\": %u, \"gid\": %u, "
			       "\"queued\": %u, \"queued_bytes\": %llu}",
			       e->mode, e->uid, e->gid, e->queued,
			       (unsigned long long)e->queued_bytes);
		}
		printf("%s]\n", count ? "\n" : "");
		free(entries);
		return 0;
	}
	printf("%-8s %-5s %6s %6s %8s %10s  %s\n", "TYPE", "MODE", "UID", "GID",
	       "QUEUED", "BYTES", "NAME");
	for (i = 0, e = entries; i < count; i++, e = mbox_list_next(e)) {
		printf("%-8s %04o  %6u %6u %8u %10llu  %s\n",
		       e->type == MBOX_TYPE_MAILBOX ? "mailbox" :
		       e->type == MBOX_TYPE_RING ? "ring" : "?",
		       e->mode, e->uid, e->gid, e->queued,
		       (unsigned long long)e->queued_bytes, (char *)e->name);
	}
	free(entries);
	return 0;
}

int stat_mailbox(const char *name, struct mbox_stat *st, bool *reader)
{
	struct mbox *mb;
	int ret;

	/* Either access will do; try to read first, then to write. */
	*reader = true;
	ret = mbox_open(&mb, name, O_RDONLY | O_NONBLOCK, 0, NULL);
	if (ret == -EACCES) {
		*reader = false;
		ret = mbox_open(&mb, name, O_WRONLY | O_NONBLOCK, 0, NULL);
	}
	if (ret)
		return ret;
	ret = mbox_stat(mb, st);
	mbox_close(mb);
	return ret;
}

static int cmd_stat(int argc, char **argv)
{
	struct mbox_stat st;
	bool reader, json = false;
	const char *name;
	int ret;

	if (parse_json_opt(argc, argv, &json) || optind != argc - 1)
		return usage();
	name = argv[optind];
	ret = stat_mailbox(name, &st, &reader);
	if (ret)
		return fail("stat", name, -ret);
	if (json) {
		/* The fields of struct mbox_stat, less our own descriptor. */
		printf("{\"name\": ");
		json_string(name);
		printf(", \"unlinked\": %s, \"open_flags\": %u, \"capacity\": %u, "
		       "\"unbounded\": %s, \"rendezvous\": %s, "
		       "\"msg_size\": %u, \"mode\": %u, \"uid\": %u, \"gid\": %u, "
		       "\"state\": %u, \"queued\": %u, \"queued_bytes\": %llu, "
		       "\"readers\": %u, \"writers\": %u, "
		       "\"waiting_senders\": %u, \"waiting_receivers\": %u, "
		       "\"pid\": %u, \"sent\": %llu, \"received\": %llu, "
		       "\"sent_bytes\": %llu, \"received_bytes\": %llu}\n",
		       st.state & MBOX_STATE_UNLINKED ? "true" : "false",
		       st.open_flags, st.capacity,
		       st.open_flags & MBOX_OPEN_UNBOUNDED ? "true" : "false",
		       st.open_flags & MBOX_OPEN_RENDEZVOUS ? "true" : "false",
		       st.msg_size, st.mode, st.uid, st.gid, st.state, st.queued,
		       (unsigned long long)st.queued_bytes, st.readers - reader,
		       st.writers - !reader, st.waiting_senders,
		       st.waiting_receivers, st.pid, (unsigned long long)st.sent,
		       (unsigned long long)st.received,
		       (unsigned long long)st.sent_bytes,
		       (unsigned long long)st.received_bytes);
		return 0;
	}

	printf("name:       %s%s\n", name,
	       st.state & MBOX_STATE_UNLINKED ? " (unlinked)" : "");
	if (st.open_flags & MBOX_OPEN_UNBOUNDED)
		printf("capacity:   unbounded\n");
	else if (st.open_flags & MBOX_OPEN_RENDEZVOUS)
		printf("capacity:   0 (rendezvous)\n");
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
	printf("total:      %llu sent, %llu received (%llu and %llu bytes)\n",
	       (unsigned long long)st.sent, (unsigned long long)st.received,
	       (unsigned long long)st.sent_bytes,
	       (unsigned long long)st.received_bytes);
	return 0;
}

/* The options of send, recv and inbox. */
struct io_opts {
	unsigned int flags;
	bool timed;
	uint64_t timeout_ns;
	unsigned int prio;
	pid_t pid;		/* send --to, recv/inbox -f */
	unsigned int count;	/* recv -b, inbox -c */
	unsigned int mode;	/* inbox -m */
	bool info;		/* recv -i */
};

enum { OPT_TO = 256 };

static const struct option io_long_options[] = {
	{ "nonblock", no_argument, NULL, 'n' },
	{ "timeout", required_argument, NULL, 't' },
	{ "prio", required_argument, NULL, 'P' },
	{ "sync", no_argument, NULL, 'S' },
	{ "to", required_argument, NULL, OPT_TO },
	{ "from", required_argument, NULL, 'f' },
	{ "peek", no_argument, NULL, 'p' },
	{ "info", no_argument, NULL, 'i' },
	{ "batch", required_argument, NULL, 'b' },
	{ "count", required_argument, NULL, 'c' },
	{ "mode", required_argument, NULL, 'm' },
	{ NULL, 0, NULL, 0 },
};

/* Parse the options @allowed (getopt letters) of a send, recv or inbox. */
static int parse_io_opts(int argc, char **argv, struct io_opts *o,
			 const char *allowed, bool send)
{
	int opt;

	o->count = 1;
	o->mode = 0622;
	while ((opt = getopt_long(argc, argv, allowed, io_long_options, NULL)) != -1) {
		/* A long option stands for its letter: is that one allowed? */
		if (opt != OPT_TO && !strchr(allowed, opt))
			return -1;
		switch (opt) {
		case 'n':
			o->flags |= send ? MBOX_SEND_NONBLOCK : MBOX_RECV_NONBLOCK;
			break;
		case 't':
			if (parse_seconds(optarg, &o->timeout_ns))
				return -1;
			o->timed = true;
			o->flags |= send ? MBOX_SEND_TIMEOUT : MBOX_RECV_TIMEOUT;
			break;
		case 'P':
			if (parse_uint(optarg, 10, &o->prio) || o->prio >= MBOX_PRIO_MAX)
				return -1;
			break;
		case 'S':
			o->flags |= MBOX_SEND_SYNC;
			break;
		case OPT_TO:
			if (!send || parse_pid(optarg, &o->pid))
				return -1;
			break;
		case 'f':
			if (send || parse_pid(optarg, &o->pid))
				return -1;
			break;
		case 'p':
			o->flags |= MBOX_RECV_PEEK;
			break;
		case 'i':
			o->info = true;
			break;
		case 'b':
		case 'c':
			if (parse_uint(optarg, 10, &o->count) || !o->count ||
			    o->count > MBOX_BATCH_MAX)
				return -1;
			break;
		case 'm':
			if (parse_uint(optarg, 8, &o->mode))
				return -1;
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

/* Several messages from the command line: one batch. */
static int send_batch(struct mbox *mb, const struct mbox_sendopts *opts,
		      char **msgs, int n, const char *what)
{
	struct mbox_msg *vec = calloc(n, sizeof(*vec));
	int i, ret, err;

	if (!vec)
		return fail("send", what, ENOMEM);
	for (i = 0; i < n; i++) {
		vec[i].buf = msgs[i];
		vec[i].len = strlen(msgs[i]);
		vec[i].prio = opts->prio;
	}
	ret = mbox_send_batch(mb, vec, n, opts, &err);
	free(vec);
	if (ret < 0)
		return fail("send", what, -ret);
	if (ret < n) {
		fprintf(stderr, "mboxctl: send %s: %d of %d messages sent\n",
			what, ret, n);
		return fail("send", what, err);
	}
	return 0;
}

static int cmd_send(int argc, char **argv)
{
	struct io_opts o = { 0 };
	struct mbox_sendopts opts;
	struct mbox_stat st;
	const char *what;
	struct mbox *mb;
	char *buf, pidbuf[16];
	int nmsgs, ret;
	size_t len;

	if (parse_io_opts(argc, argv, &o, "+nt:P:S", true))
		return usage();
	opts = (struct mbox_sendopts){
		.flags = o.flags, .timeout_ns = o.timeout_ns,
		.prio = o.prio, .to = o.pid,
	};
	if (o.pid) {
		/* send(P): no mailbox name, any descriptor will do. */
		snprintf(pidbuf, sizeof(pidbuf), "--to %d", (int)o.pid);
		what = pidbuf;
		ret = mbox_device_open(&mb);
		if (ret)
			return fail("send", what, -ret);
	} else {
		if (optind >= argc)
			return usage();
		what = argv[optind++];
		ret = mbox_open(&mb, what, O_WRONLY, 0, NULL);
		if (ret)
			return fail("send", what, -ret);
	}
	nmsgs = argc - optind;
	if (nmsgs > 1) {
		if (o.flags & MBOX_SEND_SYNC) {
			mbox_close(mb);
			return usage();
		}
		ret = send_batch(mb, &opts, argv + optind, nmsgs, what);
		mbox_close(mb);
		return ret;
	}

	if (nmsgs == 1) {
		buf = strdup(argv[optind]);
		len = strlen(argv[optind]);
	} else {
		/* A mailbox says how big a message may be; an inbox may not. */
		ret = o.pid ? 0 : mbox_stat(mb, &st);
		if (ret) {
			mbox_close(mb);
			return fail("send", what, -ret);
		}
		buf = read_stdin(o.pid ? 16 << 20 : st.msg_size, &len);
	}
	if (!buf) {
		ret = errno;
		mbox_close(mb);
		return fail("send", what, ret);
	}
	ret = mbox_sendmsg(mb, buf, len, &opts);
	free(buf);
	mbox_close(mb);
	return ret ? fail("send", what, -ret) : 0;
}

static int write_all(const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = write(STDOUT_FILENO, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= n;
	}
	return 0;
}

/* recv -b: up to o->count messages in one call, a newline after each. */
static int recv_batch(struct mbox *mb, const struct io_opts *o,
		      uint32_t msg_size, const char *name)
{
	struct mbox_recvopts opts = {
		.flags = o->flags, .timeout_ns = o->timeout_ns, .from = o->pid,
	};
	struct mbox_msg *vec = calloc(o->count, sizeof(*vec));
	char *bufs = malloc((size_t)o->count * (msg_size ? msg_size : 1));
	int i, n, err, ret = 0;

	if (!vec || !bufs) {
		free(vec);
		free(bufs);
		return fail("recv", name, ENOMEM);
	}
	for (i = 0; i < (int)o->count; i++) {
		vec[i].buf = bufs + (size_t)i * msg_size;
		vec[i].len = msg_size;
	}
	n = mbox_recv_batch(mb, vec, o->count, &opts, &err);
	for (i = 0; i < n && !ret; i++) {
		if (o->info)
			fprintf(stderr, "pid %d uid %u gid %u prio %u len %zu\n",
				(int)vec[i].pid, (unsigned int)vec[i].uid,
				(unsigned int)vec[i].gid, vec[i].prio, vec[i].len);
		ret = write_all(vec[i].buf, vec[i].len);
		if (!ret)
			ret = write_all("\n", 1);
	}
	free(vec);
	free(bufs);
	if (n < 0)
		return fail("recv", name, -n);
	if (ret)
		return fail("recv: write", NULL, -ret);
	/* Fewer than asked for is fine: a batch takes what there is. */
	return 0;
}

static int cmd_recv(int argc, char **argv)
{
	struct io_opts o = { 0 };
	struct mbox_recvopts opts;
	struct mbox_msginfo info;
	struct mbox_stat st;
	const char *name;
	struct mbox *mb;
	ssize_t n;
	char *buf;
	int ret;

	if (parse_io_opts(argc, argv, &o, "+nt:f:pib:", false) ||
	    argc - optind != 1)
		return usage();
	if ((o.flags & MBOX_RECV_PEEK) && o.count > 1)
		return usage();
	name = argv[optind];
	ret = mbox_open(&mb, name, O_RDONLY, 0, NULL);
	if (ret)
		return fail("recv", name, -ret);
	ret = mbox_stat(mb, &st);
	if (ret) {
		mbox_close(mb);
		return fail("recv", name, -ret);
	}
	if (o.count > 1) {
		ret = recv_batch(mb, &o, st.msg_size, name);
		mbox_close(mb);
		return ret;
	}

	buf = malloc(st.msg_size ? st.msg_size : 1);
	if (!buf) {
		mbox_close(mb);
		return fail("recv", name, ENOMEM);
	}
	opts = (struct mbox_recvopts){
		.flags = o.flags, .timeout_ns = o.timeout_ns, .from = o.pid,
	};
	n = mbox_recvmsg(mb, buf, st.msg_size, &opts, &info);
	mbox_close(mb);
	if (n < 0) {
		free(buf);
		return fail("recv", name, -n);
	}
	if (o.info)
		fprintf(stderr, "pid %d uid %u gid %u prio %u len %zu\n",
			(int)info.pid, (unsigned int)info.uid,
			(unsigned int)info.gid, info.prio, info.len);
	ret = write_all(buf, n);
	free(buf);
	return ret ? fail("recv: write", NULL, -ret) : 0;
}

static int cmd_inbox(int argc, char **argv)
{
	struct io_opts o = { 0 };
	struct mbox_recvopts opts;
	struct mbox_msginfo info;
	struct mbox_stat st;
	unsigned int i;
	struct mbox *mb;
	char *buf;
	ssize_t n;
	int ret;

	if (parse_io_opts(argc, argv, &o, "+nt:f:m:c:", false) || optind != argc)
		return usage();
	/* The mode given is the mode wanted. */
	umask(0);
	ret = mbox_inbox_open(&mb, 0, o.mode, NULL);
	if (ret)
		return fail("inbox", NULL, -ret);
	ret = mbox_stat(mb, &st);
	buf = ret ? NULL : malloc(st.msg_size ? st.msg_size : 1);
	if (!buf) {
		mbox_close(mb);
		return fail("inbox", NULL, ret ? -ret : ENOMEM);
	}
	opts = (struct mbox_recvopts){
		.flags = o.flags, .timeout_ns = o.timeout_ns, .from = o.pid,
	};
	for (i = 0, ret = 0; i < o.count && !ret; i++) {
		n = mbox_recvmsg(mb, buf, st.msg_size, &opts, &info);
		if (n < 0) {
			ret = fail("inbox", NULL, -n);
			break;
		}
		printf("[pid %d uid %u prio %u] %.*s\n", (int)info.pid,
		       (unsigned int)info.uid, info.prio, (int)n, buf);
		fflush(stdout);
	}
	free(buf);
	mbox_close(mb);
	return ret;
}

static int cmd_info(int argc, char **argv)
{
	struct mbox_info info;
	bool json = false;
	int ret;

	if (parse_json_opt(argc, argv, &json) || optind != argc)
		return usage();
	ret = mbox_info(&info);
	if (ret)
		return fail("info", NULL, -ret);
	if (json) {
		printf("{\"abi_version\": %u, \"features\": %llu, "
		       "\"name_max\": %u, \"msg_size_max\": %u, "
		       "\"msg_size_default\": %u, \"capacity_max\": %u, "
		       "\"capacity_default\": %u, \"user_objects_max\": %u, "
		       "\"user_bytes_max\": %llu, \"msg_overhead\": %u, "
		       "\"prio_max\": %u, \"ring_size_max\": %u}\n",
		       info.abi_version, (unsigned long long)info.features,
		       info.name_max, info.msg_size_max, info.msg_size_default,
		       info.capacity_max, info.capacity_default,
		       info.user_objects_max,
		       (unsigned long long)info.user_bytes_max, info.msg_overhead,
		       info.prio_max, info.ring_size_max);
		return 0;
	}
	printf("abi_version:        %u\n", info.abi_version);
	printf("features:           %#llx\n", (unsigned long long)info.features);
	printf("name_max:           %u\n", info.name_max);
	printf("msg_size_max:       %u\n", info.msg_size_max);
	printf("msg_size_default:   %u\n", info.msg_size_default);
	printf("capacity_max:       %u\n", info.capacity_max);
	printf("capacity_default:   %u\n", info.capacity_default);
	printf("user_objects_max:   %u\n", info.user_objects_max);
	printf("user_bytes_max:     %llu\n", (unsigned long long)info.user_bytes_max);
	printf("msg_overhead:       %u\n", info.msg_overhead);
	printf("prio_max:           %u\n", info.prio_max);
	printf("ring_size_max:      %u\n", info.ring_size_max);
	return 0;
}

static int cmd_ring_create(int argc, char **argv)
{
	unsigned int mode = 0600, size = 0;
	int oflag = O_CREAT, opt, ret;
	struct mbox_ring *r;

	while ((opt = getopt(argc, argv, "xm:s:")) != -1) {
		switch (opt) {
		case 'x':
			oflag |= O_EXCL;
			break;
		case 'm':
			if (parse_uint(optarg, 8, &mode))
				return usage();
			break;
		case 's':
			if (parse_uint(optarg, 10, &size))
				return usage();
			break;
		default:
			return usage();
		}
	}
	if (optind != argc - 1)
		return usage();
	umask(0);
	ret = mbox_ring_open(&r, argv[optind], MBOX_RING_OBSERVER, oflag, mode,
			     size, MBOX_RING_OPEN_NOMAP);
	if (ret)
		return fail("ring create", argv[optind], -ret);
	mbox_ring_close(r);
	return 0;
}

static int cmd_ring_rm(int argc, char **argv)
{
	return unlink_each(argc, argv, "ring rm", mbox_ring_unlink);
}

/* A ring's state, through an observer of our own (counted in it). */
int stat_ring(const char *name, struct mbox_ring_stat *st)
{
	struct mbox_ring *r;
	int ret;

	ret = mbox_ring_open(&r, name, MBOX_RING_OBSERVER, 0, 0, 0,
			     MBOX_RING_OPEN_NOMAP);
	if (ret)
		return ret;
	ret = mbox_ring_stat(r, st);
	mbox_ring_close(r);
	return ret;
}

static int cmd_ring_stat(int argc, char **argv)
{
	struct mbox_ring_stat st;
	const char *name;
	bool json = false;
	int ret;

	if (parse_json_opt(argc, argv, &json) || optind != argc - 1)
		return usage();
	name = argv[optind];
	ret = stat_ring(name, &st);
	if (ret)
		return fail("ring stat", name, -ret);
	if (json) {
		/* The fields of struct mbox_ring_stat, less our own observer. */
		printf("{\"name\": ");
		json_string(name);
		printf(", \"unlinked\": %s, \"state\": %u, \"size\": %u, "
		       "\"mode\": %u, \"uid\": %u, \"gid\": %u, \"prod\": %u, "
		       "\"cons\": %u, \"used\": %u, \"producer\": %u, "
		       "\"consumer\": %u, \"observers\": %u, \"sleepers\": %u, "
		       "\"sleeps\": %llu, \"wakeups\": %llu}\n",
		       st.state & MBOX_STATE_UNLINKED ? "true" : "false",
		       st.state, st.size, st.mode, st.uid, st.gid, st.prod,
		       st.cons, st.prod - st.cons, st.producer, st.consumer,
		       st.observers - 1, st.sleepers,
		       (unsigned long long)st.sleeps,
		       (unsigned long long)st.wakeups);
		return 0;
	}
	printf("name:       %s%s\n", name,
	       st.state & MBOX_STATE_UNLINKED ? " (unlinked)" : "");
	printf("size:       %u bytes\n", st.size);
	printf("owner:      uid %u gid %u mode %04o\n", st.uid, st.gid, st.mode);
	printf("in use:     %u bytes (prod %u, cons %u)\n", st.prod - st.cons,
	       st.prod, st.cons);
	/* Not counting this command's own observer. */
	printf("bound:      %s, %s, %u observers\n",
	       st.producer ? "producer" : "no producer",
	       st.consumer ? "consumer" : "no consumer", st.observers - 1);
	printf("sleeping:   %u now, %llu sleeps, %llu wake-ups\n", st.sleepers,
	       (unsigned long long)st.sleeps, (unsigned long long)st.wakeups);
	return 0;
}

static int ring_io_opts(int argc, char **argv, unsigned int *flags,
			uint64_t *timeout_ns, unsigned int *count)
{
	int opt;

	while ((opt = getopt(argc, argv, count ? "nt:c:" : "nt:")) != -1) {
		switch (opt) {
		case 'n':
			*flags |= MBOX_RING_IO_NONBLOCK;
			break;
		case 't':
			if (parse_seconds(optarg, timeout_ns))
				return -1;
			*flags |= MBOX_RING_IO_TIMEOUT;
			break;
		case 'c':
			if (parse_uint(optarg, 10, count) || !*count)
				return -1;
			break;
		default:
			return -1;
		}
	}
	return 0;
}

static int cmd_ring_push(int argc, char **argv)
{
	unsigned int flags = 0;
	uint64_t timeout_ns = 0;
	struct mbox_ring *r;
	const char *name;
	size_t len;
	char *buf;
	int i, ret;

	if (ring_io_opts(argc, argv, &flags, &timeout_ns, NULL) || optind >= argc)
		return usage();
	name = argv[optind++];
	ret = mbox_ring_open(&r, name, MBOX_RING_PRODUCER, 0, 0, 0, MBOX_RING_OPEN_NOMAP);
	if (ret)
		return fail("ring push", name, -ret);
	if (optind == argc) {
		/* All of standard input: one record. */
		buf = read_stdin(mbox_ring_get_layout(r)->rec_max, &len);
		ret = buf ? mbox_ring_push(r, buf, len, flags, timeout_ns) : -errno;
		free(buf);
	}
	for (i = optind; i < argc && !ret; i++)
		ret = mbox_ring_push(r, argv[i], strlen(argv[i]), flags, timeout_ns);
	mbox_ring_close(r);
	return ret ? fail("ring push", name, -ret) : 0;
}

static int cmd_ring_pop(int argc, char **argv)
{
	unsigned int flags = 0, count = 1, i;
	uint64_t timeout_ns = 0;
	struct mbox_ring *r;
	const char *name;
	ssize_t n = 0;
	char *buf;
	int ret;

	if (ring_io_opts(argc, argv, &flags, &timeout_ns, &count) ||
	    optind != argc - 1)
		return usage();
	name = argv[optind];
	ret = mbox_ring_open(&r, name, MBOX_RING_CONSUMER, 0, 0, 0, MBOX_RING_OPEN_NOMAP);
	if (ret)
		return fail("ring pop", name, -ret);
	buf = malloc(mbox_ring_get_layout(r)->rec_max);
	for (i = 0, ret = buf ? 0 : -ENOMEM; i < count && !ret; i++) {
		n = mbox_ring_pop(r, buf, mbox_ring_get_layout(r)->rec_max, flags,
				  timeout_ns);
		if (n < 0) {
			ret = n;
			break;
		}
		ret = write_all(buf, n);
		if (!ret && count > 1)
			ret = write_all("\n", 1);
	}
	free(buf);
	mbox_ring_close(r);
	return ret ? fail("ring pop", name, -ret) : 0;
}

static int cmd_ring(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} sub[] = {
		{ "create", cmd_ring_create },
		{ "rm", cmd_ring_rm },
		{ "stat", cmd_ring_stat },
		{ "push", cmd_ring_push },
		{ "pop", cmd_ring_pop },
	};
	unsigned int i;

	if (argc < 2)
		return usage();
	for (i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		if (!strcmp(argv[1], sub[i].name))
			return sub[i].fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "mboxctl: unknown ring command '%s'\n", argv[1]);
	return usage();
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
	{ "inbox", cmd_inbox },
	{ "info", cmd_info },
	{ "watch", cmd_watch },
	{ "ring", cmd_ring },
};

static bool is_help(const char *arg)
{
	return arg && (!strcmp(arg, "-h") || !strcmp(arg, "--help"));
}

int main(int argc, char **argv)
{
	unsigned int i;

	if (argc < 2)
		return usage();
	if (is_help(argv[1])) {
		print_usage(stdout, NULL, NULL);
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name))
			continue;
		current_cmd = commands[i].name;
		/* CMD --help, and ring SUBCMD --help. */
		if (is_help(argv[2])) {
			print_usage(stdout, current_cmd, NULL);
			return 0;
		}
		if (!strcmp(argv[1], "ring") && argc > 3 && is_help(argv[3]) &&
		    print_usage(stdout, current_cmd, argv[2]))
			return 0;
		return commands[i].fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "mboxctl: unknown command '%s'\n", argv[1]);
	return usage();
}
