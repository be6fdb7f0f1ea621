# SPDX-License-Identifier: GPL-2.0
#
# Command-line tools, linked against the shared libmbox.

TOOLS := $(OUT)/tools/mbox-demo

.PHONY: tools install-tools
tools: $(TOOLS)

$(OUT)/tools/mbox-demo: $(OUT)/tools/demo/mbox-demo.o $(LIB_SO) | lib
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(LDLIBS_MBOX)

install-tools: tools
	install -d $(DESTDIR)$(BINDIR)
	install -m 755 $(TOOLS) $(DESTDIR)$(BINDIR)/
