# SPDX-License-Identifier: GPL-2.0
#
# Command-line tools, linked against the shared libmbox.

TOOLS := $(OUT)/bin/mboxctl $(OUT)/bin/mbox-demo $(OUT)/bin/mboxctl-session.sh \
	$(OUT)/bin/mbox-examples.sh $(OUT)/bin/mbox-bench $(OUT)/install/mboxctl

.PHONY: tools install-tools
tools: $(TOOLS)

$(OUT)/bin/mboxctl: $(OUT)/tools/mboxctl/mboxctl.o $(OUT)/tools/mboxctl/watch.o $(LIB_SO) | lib
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LDLIBS_MBOX) -lm

# What "make install" installs: the same program without the run path into
# the build tree, so that the installed one finds libmbox where the system
# looks for libraries, as any packaged program does.
$(OUT)/install/mboxctl: $(OUT)/tools/mboxctl/mboxctl.o $(OUT)/tools/mboxctl/watch.o $(LIB_SO) | lib
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) -L$(OUT)/lib -lmbox -lm

$(OUT)/bin/mbox-demo: $(OUT)/tools/demo/mbox-demo.o $(LIB_SO) | lib
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(LDLIBS_MBOX)

# The benchmark behind "make bench" (tools/bench/mbox-bench.c).
$(OUT)/bin/mbox-bench: $(OUT)/tools/bench/mbox-bench.o $(LIB_SO) | lib
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(LDLIBS_MBOX) -lrt

$(OUT)/bin/%.sh: tools/demo/%.sh
	@mkdir -p $(@D)
	$(Q)install -m 755 $< $@

install-tools: tools
	install -d $(DESTDIR)$(BINDIR)
	install -m 755 $(OUT)/install/mboxctl $(DESTDIR)$(BINDIR)/
	install -d $(DESTDIR)$(BASHCOMPDIR)
	install -m 644 tools/mboxctl/mboxctl.bash $(DESTDIR)$(BASHCOMPDIR)/mboxctl
