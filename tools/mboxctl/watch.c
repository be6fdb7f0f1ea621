// SPDX-License-Identifier: GPL-2.0
/*
 * mboxctl watch: a live view of mailboxes and rings, redrawn in place.
 *
 * Every interval it takes a snapshot of each object (MBOX_IOC_STAT or
 * MBOX_IOC_RING_STAT, through a descriptor opened for the purpose and
 * closed again, so the watcher never holds an object open between views)
 * and draws it; rates are the difference from the previous snapshot over
 * the time between them. On a terminal each view overwrites the last with
 * ANSI cursor movements (no curses); otherwise views follow each other,
 * separated by a blank line, with no escape sequences.
 *
 * The kernel counts messages and payload bytes for a mailbox (sent,
 * received and their bytes) and bytes for a ring (its positions), so a
 * mailbox's rates are in messages/s and bytes/s, and a ring's in bytes/s.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mboxctl.h"

#define BAR_WIDTH	40
#define RING_WIDTH	56

/* One object's snapshot. */
struct sample {
	unsigned int type;	/* MBOX_TYPE_* */
	char *name;
	int err;		/* the stat failed with -err */
	bool reader;		/* a mailbox's stat came through a reader */
	union {
		struct mbox_stat mb;
		struct mbox_ring_stat ring;
	};
};

struct view {
	struct sample *s;
	unsigned int n;
	double t;		/* CLOCK_MONOTONIC, seconds */
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void free_view(struct view *v)
{
	unsigned int i;

	for (i = 0; i < v->n; i++)
		free(v->s[i].name);
	free(v->s);
	v->s = NULL;
	v->n = 0;
}

static int add(struct view *v, unsigned int type, const char *name)
{
	struct sample *s = realloc(v->s, (v->n + 1) * sizeof(*s));

	if (!s)
		return -ENOMEM;
	v->s = s;
	s = &v->s[v->n];
	memset(s, 0, sizeof(*s));
	s->type = type;
	s->name = strdup(name);
	if (!s->name)
		return -ENOMEM;
	v->n++;
	if (type == MBOX_TYPE_MAILBOX)
		s->err = -stat_mailbox(name, &s->mb, &s->reader);
	else
		s->err = -stat_ring(name, &s->ring);
	return 0;
}

/*
 * Snapshot the objects named in @names (@count of them; each may be a
 * mailbox, a ring or both), or every listed object when @count is 0.
 */
static int take(struct view *v, char **names, int count)
{
	struct mbox_list_entry *list, *e;
	unsigned int n, i;
	int j, ret;

	v->t = now();
	if (count) {
		for (j = 0; j < count; j++) {
			ret = add(v, MBOX_TYPE_MAILBOX, names[j]);
			if (!ret)
				ret = add(v, MBOX_TYPE_RING, names[j]);
			if (ret)
				return ret;
			/* Show a name that is neither once, as missing. */
			if (v->s[v->n - 2].err == ENOENT && v->s[v->n - 1].err == ENOENT) {
				free(v->s[--v->n].name);
			} else if (v->s[v->n - 1].err == ENOENT) {
				free(v->s[--v->n].name);
			} else if (v->s[v->n - 2].err == ENOENT) {
				free(v->s[v->n - 2].name);
				v->s[v->n - 2] = v->s[v->n - 1];
				v->n--;
			}
		}
		return 0;
	}
	ret = mbox_list(&list, &n);
	if (ret)
		return ret;
	for (i = 0, e = list; i < n && !ret; i++, e = mbox_list_next(e)) {
		/* Gone since the list was taken: not worth a line. */
		ret = add(v, e->type, (char *)e->name);
		if (!ret && v->s[v->n - 1].err == ENOENT)
			free(v->s[--v->n].name);
	}
	free(list);
	return ret;
}

static const struct sample *find(const struct view *v, const struct sample *s)
{
	unsigned int i;

	for (i = 0; i < v->n; i++) {
		if (v->s[i].type == s->type && !v->s[i].err &&
		    !strcmp(v->s[i].name, s->name))
			return &v->s[i];
	}
	return NULL;
}

static void bar(FILE *f, double fill)
{
	int i, full;

	if (fill < 0)
		fill = 0;
	if (fill > 1)
		fill = 1;
	full = (int)(fill * BAR_WIDTH + 0.5);
	/* Anything at all shows as one mark. */
	if (fill > 0 && !full)
		full = 1;
	fputc('[', f);
	for (i = 0; i < BAR_WIDTH; i++)
		fputc(i < full ? '#' : '.', f);
	fputc(']', f);
}

/* @v bytes (or bytes/s) in binary units. */
static const char *human(double v, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	unsigned int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", v, units[u]);
	return buf;
}

/* Per second, as "12.5", or "-" without a previous snapshot. */
static const char *rate(bool have, double delta, double dt, char *buf, size_t len)
{
	if (!have || dt <= 0)
		return "-";
	snprintf(buf, len, "%.1f", delta / dt);
	return buf;
}

static void draw_mailbox(FILE *f, const struct sample *s,
			 const struct sample *prev, double dt)
{
	const struct mbox_stat *st = &s->mb;
	char b1[32], b2[32], b3[32], b4[32], b5[32];

	fprintf(f, "mailbox %s%s\n", s->name,
		st->state & MBOX_STATE_UNLINKED ? " (unlinked)" : "");
	if (st->open_flags & MBOX_OPEN_UNBOUNDED) {
		fprintf(f, "  depth    %u messages, %s (unbounded)\n", st->queued,
			human(st->queued_bytes, b1, sizeof(b1)));
	} else if (st->open_flags & MBOX_OPEN_RENDEZVOUS) {
		fprintf(f, "  depth    rendezvous (capacity 0): holds nothing\n");
	} else {
		fprintf(f, "  depth    ");
		bar(f, st->capacity ? (double)st->queued / st->capacity : 0);
		fprintf(f, " %u/%u, %s\n", st->queued, st->capacity,
			human(st->queued_bytes, b1, sizeof(b1)));
	}
	fprintf(f, "  rate     in %s msg/s   out %s msg/s   (%llu sent, %llu received)\n",
		rate(prev, prev ? st->sent - prev->mb.sent : 0, dt, b2, sizeof(b2)),
		rate(prev, prev ? st->received - prev->mb.received : 0, dt, b3,
		     sizeof(b3)),
		(unsigned long long)st->sent, (unsigned long long)st->received);
	if (prev && dt > 0)
		fprintf(f, "           in %s/s   out %s/s\n",
			human((st->sent_bytes - prev->mb.sent_bytes) / dt, b4, sizeof(b4)),
			human((st->received_bytes - prev->mb.received_bytes) / dt, b5,
			      sizeof(b5)));
	else
		fprintf(f, "           in -   out -\n");
	/* Not counting the watcher's own descriptor. */
	fprintf(f, "  blocked  %u senders, %u receivers   bound %u readers, %u writers\n",
		st->waiting_senders, st->waiting_receivers,
		st->readers - s->reader, st->writers - !s->reader);
}

/*
 * The ring as the textbook's circular buffer: the cells in use between out
 * (the consumer's position, where the next record is taken) and in (the
 * producer's, where the next one goes), modulo the size.
 */
static void draw_ring_buffer(FILE *f, const struct mbox_ring_stat *st)
{
	uint32_t size = st->size ? st->size : 1;
	uint32_t in = st->prod & (size - 1), out = st->cons & (size - 1);
	uint32_t used = st->prod - st->cons;
	int i, in_cell = (int)((uint64_t)in * RING_WIDTH / size);
	int out_cell = (int)((uint64_t)out * RING_WIDTH / size);

	fprintf(f, "  in       %*sv %u\n", in_cell, "", in);
	fprintf(f, "  buffer  |");
	for (i = 0; i < RING_WIDTH; i++) {
		/* Bytes [lo, hi) of the data; in use if any is in [out, in). */
		uint64_t lo = (uint64_t)i * size / RING_WIDTH;
		uint64_t hi = (uint64_t)(i + 1) * size / RING_WIDTH;
		uint64_t from = (lo - out + size) % size;
		bool busy = used >= size ||
			(used && (from < used || (hi - lo > size - from)));

		fputc(busy ? '#' : '.', f);
	}
	fprintf(f, "|\n");
	fprintf(f, "  out      %*s^ %u\n", out_cell, "", out);
}

static void draw_ring(FILE *f, const struct sample *s,
		      const struct sample *prev, double dt)
{
	const struct mbox_ring_stat *st = &s->ring;
	uint32_t used = st->prod - st->cons;
	char b1[32], b2[32], b3[32], b4[32], b5[32], b6[32];

	fprintf(f, "ring %s%s   producer %s, consumer %s, %u observers\n", s->name,
		st->state & MBOX_STATE_UNLINKED ? " (unlinked)" : "",
		st->producer ? "yes" : "no", st->consumer ? "yes" : "no",
		st->observers - 1);
	fprintf(f, "  used     ");
	bar(f, st->size ? (double)used / st->size : 0);
	fprintf(f, " %s of %s\n", human(used, b1, sizeof(b1)),
		human(st->size, b2, sizeof(b2)));
	if (prev && dt > 0) {
		fprintf(f, "  rate     in %s/s   out %s/s\n",
			human((uint32_t)(st->prod - prev->ring.prod) / dt, b3, sizeof(b3)),
			human((uint32_t)(st->cons - prev->ring.cons) / dt, b4, sizeof(b4)));
	} else {
		fprintf(f, "  rate     in -   out -\n");
	}
	fprintf(f, "  sleep    %u asleep now, %llu sleeps (%s/s), %llu wake-ups (%s/s)\n",
		st->sleepers, (unsigned long long)st->sleeps,
		rate(prev, prev ? st->sleeps - prev->ring.sleeps : 0, dt, b5, sizeof(b5)),
		(unsigned long long)st->wakeups,
		rate(prev, prev ? st->wakeups - prev->ring.wakeups : 0, dt, b6,
		     sizeof(b6)));
	draw_ring_buffer(f, st);
}

static void draw(FILE *f, const struct view *v, const struct view *prev,
		 unsigned int number, uint64_t interval_ns)
{
	const struct sample *p;
	char clock[16];
	time_t t = time(NULL);
	unsigned int i;

	strftime(clock, sizeof(clock), "%H:%M:%S", localtime(&t));
	fprintf(f, "mboxctl watch   %s   view %u, every %.1f s   (Ctrl-C to stop)\n",
		clock, number, interval_ns / 1e9);
	if (!v->n)
		fprintf(f, "\n(no mailboxes or rings)\n");
	for (i = 0; i < v->n; i++) {
		const struct sample *s = &v->s[i];

		fputc('\n', f);
		if (s->err) {
			fprintf(f, "%s %s: %s\n",
				s->type == MBOX_TYPE_RING ? "ring" : "mailbox",
				s->name, strerror(s->err));
			continue;
		}
		p = prev->n ? find(prev, s) : NULL;
		if (s->type == MBOX_TYPE_MAILBOX)
			draw_mailbox(f, s, p, v->t - prev->t);
		else
			draw_ring(f, s, p, v->t - prev->t);
	}
}

/* Write @text to the terminal over the previous view, line by line. */
static void show(const char *text, size_t len, bool tty, bool first)
{
	const char *p = text, *end = text + len, *nl;

	if (!tty) {
		if (!first)
			putchar('\n');
		fwrite(text, 1, len, stdout);
		fflush(stdout);
		return;
	}
	/* Home; each line then clears what the last view left after it. */
	fputs(first ? "\033[H\033[2J" : "\033[H", stdout);
	while (p < end) {
		nl = memchr(p, '\n', end - p);
		if (!nl)
			nl = end;
		fwrite(p, 1, nl - p, stdout);
		fputs("\033[K\n", stdout);
		p = nl + 1;
	}
	fputs("\033[J", stdout);
	fflush(stdout);
}

int cmd_watch(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	struct view cur = { 0 }, prev = { 0 };
	uint64_t interval_ns = 1000000000;
	unsigned int count = 0, number;
	bool tty = isatty(STDOUT_FILENO);
	struct timespec ts;
	char *text = NULL;
	size_t len;
	FILE *f;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "+i:c:", opts, NULL)) != -1) {
		switch (opt) {
		case 'i':
			if (parse_seconds(optarg, &interval_ns) || !interval_ns)
				return usage();
			break;
		case 'c':
			if (parse_uint(optarg, 10, &count) || !count)
				return usage();
			break;
		default:
			return usage();
		}
	}
	for (number = 1; !count || number <= count; number++) {
		ret = take(&cur, argv + optind, argc - optind);
		if (ret) {
			free_view(&cur);
			free_view(&prev);
			return fail("watch", NULL, -ret);
		}
		f = open_memstream(&text, &len);
		if (!f)
			return fail("watch", NULL, errno);
		draw(f, &cur, &prev, number, interval_ns);
		fclose(f);
		show(text, len, tty, number == 1);
		free(text);
		text = NULL;
		free_view(&prev);
		prev = cur;
		cur = (struct view){ 0 };
		if (count && number == count)
			break;
		ts.tv_sec = interval_ns / 1000000000;
		ts.tv_nsec = interval_ns % 1000000000;
		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
	}
	free_view(&prev);
	return 0;
}
