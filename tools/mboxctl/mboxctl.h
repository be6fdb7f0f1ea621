/* SPDX-License-Identifier: GPL-2.0 */
/* What the files of mboxctl share. */
#ifndef MBOXCTL_H
#define MBOXCTL_H

#include <stdbool.h>
#include <stdint.h>

#include <libmbox.h>

enum {
	EXIT_USAGE = 2,
	EXIT_TIMEOUT = 3,
	EXIT_WOULDBLOCK = 4,
};

/* Print the current command's usage on stderr; return EXIT_USAGE. */
int usage(void);
/* Report -@err for @what on @name; return the exit status it maps to. */
int fail(const char *what, const char *name, int err);
int parse_uint(const char *s, int base, unsigned int *out);
int parse_seconds(const char *s, uint64_t *ns);
/* @str as a JSON string, on stdout. */
void json_string(const char *str);
/*
 * A mailbox's or ring's state, through a descriptor of our own that is
 * counted in it: a reader (else a writer: *@reader false), an observer.
 */
int stat_mailbox(const char *name, struct mbox_stat *st, bool *reader);
int stat_ring(const char *name, struct mbox_ring_stat *st);

int cmd_watch(int argc, char **argv);

#endif /* MBOXCTL_H */
