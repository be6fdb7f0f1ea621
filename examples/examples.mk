# SPDX-License-Identifier: GPL-2.0
#
# examples/: small programs of the OS-course models, each one file that
# builds with nothing but "pkg-config --cflags --libs libmbox". Here they
# build against the tree; selftests/host/install_test.sh builds them
# against an installed tree, and "make demo" runs them.

EXAMPLES := $(patsubst examples/%.c,$(OUT)/examples/%,$(wildcard examples/*.c))

.PHONY: examples
examples: $(EXAMPLES)

$(OUT)/examples/%: $(OUT)/examples/%.o $(LIB_SO) | lib
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(LDLIBS_MBOX)
