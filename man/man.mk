# SPDX-License-Identifier: GPL-2.0
#
# Man pages (mdoc): mbox(4), libmbox(3) and a page per function family,
# mboxctl(8). Each function gets a link to its family's page, so that
# "man mbox_recv" finds mbox_send(3).

MAN_PAGES := $(wildcard man/*.[1-8])

.PHONY: install-man man-lint
install-man:
	for p in $(MAN_PAGES); do \
		install -D -m 644 $$p $(DESTDIR)$(MANDIR)/man$${p##*.}/$${p##*/} || exit; done
	for p in $(filter %.3,$(MAN_PAGES)); do \
		for n in $$(sed -n 's/^\.Nm \([a-z_]*\).*/\1/p' $$p | sort -u); do \
			[ $$n.3 = $${p##*/} ] || ln -sf $${p##*/} $(DESTDIR)$(MANDIR)/man3/$$n.3 || exit; \
		done; done

# The pages render clean and cover the uapi and libmbox (man_test.sh).
man-lint:
	@selftests/host/man_test.sh
