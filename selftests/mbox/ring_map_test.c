// SPDX-License-Identifier: GPL-2.0
/*
 * ring_map_test: who may map a ring, and how (uapi "Rings"), over every
 * role x access mode of the descriptor x region x protection:
 *  - binding: a producer needs a descriptor opened for writing, a consumer
 *    or observer one opened for reading (EBADF);
 *  - mapping: a producer or consumer needs an O_RDWR descriptor, whatever
 *    the protection (EACCES otherwise: it reads the ring and writes its
 *    own page); an observer O_RDONLY or O_RDWR, read-only;
 *  - writable: only the pages the role writes (the consumer its page, the
 *    producer its page and the data); EACCES for the rest.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/mbox.h>

#include "kselftest_harness.h"
#include "common.h"

enum region { ALL, CONS_PAGE, PROD_AND_DATA, NR_REGIONS };
enum prot { RO, RW, NR_PROTS };

static const char *const region_name[] = {
	[ALL] = "whole", [CONS_PAGE] = "consumer page",
	[PROD_AND_DATA] = "producer page and data",
};

#define E EACCES

static const struct {
	uint32_t role;
	int oflag;
	int bind;				/* errno of the binding */
	int map[NR_REGIONS][NR_PROTS];	/* errno of mmap: read-only, rw */
} cases[] = {
	{ MBOX_RING_PRODUCER, O_RDONLY, EBADF, { { 0 } } },
	{ MBOX_RING_PRODUCER, O_WRONLY, 0, { { E, E }, { E, E }, { E, E } } },
	{ MBOX_RING_PRODUCER, O_RDWR, 0, { { 0, E }, { 0, E }, { 0, 0 } } },
	{ MBOX_RING_CONSUMER, O_RDONLY, 0, { { E, E }, { E, E }, { E, E } } },
	{ MBOX_RING_CONSUMER, O_WRONLY, EBADF, { { 0 } } },
	{ MBOX_RING_CONSUMER, O_RDWR, 0, { { 0, E }, { 0, 0 }, { 0, E } } },
	{ MBOX_RING_OBSERVER, O_RDONLY, 0, { { 0, E }, { 0, E }, { 0, E } } },
	{ MBOX_RING_OBSERVER, O_WRONLY, EBADF, { { 0 } } },
	{ MBOX_RING_OBSERVER, O_RDWR, 0, { { 0, E }, { 0, E }, { 0, E } } },
};

static const char *oflag_name(int oflag)
{
	return oflag == O_RDONLY ? "O_RDONLY" :
	       oflag == O_WRONLY ? "O_WRONLY" : "O_RDWR";
}

TEST(every_role_access_mode_and_protection)
{
	const char *name = mb_name("ring-map");
	struct mbox_ring_layout l;
	unsigned int i, r, p;
	int keeper, fd;

	umask(0);
	/* Created by an observer, so that every role is free. */
	keeper = ring_open(name, O_RDONLY, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL,
			   0600, 0, MBOX_RING_OBSERVER, &l);
	ASSERT_LE(0, keeper);

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fd = ring_open(name, cases[i].oflag, 0, 0, 0, cases[i].role, &l);
		if (cases[i].bind) {
			EXPECT_EQ(-cases[i].bind, fd)
				TH_LOG("role %u, %s: binding", cases[i].role,
				       oflag_name(cases[i].oflag));
			if (fd >= 0)
				close(fd);
			continue;
		}
		ASSERT_LE(0, fd) TH_LOG("role %u, %s: %s", cases[i].role,
					oflag_name(cases[i].oflag), strerror(-fd));
		for (r = 0; r < NR_REGIONS; r++) {
			size_t off = r == PROD_AND_DATA ? l.prod_off : 0;
			size_t len = r == CONS_PAGE ? l.prod_off :
				     l.mmap_size - off;

			for (p = 0; p < NR_PROTS; p++) {
				int prot = p == RW ? PROT_READ | PROT_WRITE :
						     PROT_READ;
				void *m = mmap(NULL, len, prot, MAP_SHARED, fd,
					       off);
				int err = m == MAP_FAILED ? errno : 0;

				EXPECT_EQ(cases[i].map[r][p], err)
					TH_LOG("role %u, %s, %s, %s", cases[i].role,
					       oflag_name(cases[i].oflag),
					       region_name[r],
					       p == RW ? "read-write" : "read-only");
				if (m != MAP_FAILED)
					munmap(m, len);
			}
		}
		close(fd);
	}
	close(keeper);
	ring_unlink(name);
}

TEST_HARNESS_MAIN
