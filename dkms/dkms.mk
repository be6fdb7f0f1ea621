# SPDX-License-Identifier: GPL-2.0
#
# DKMS: dkms.conf with the version filled in, and the module's sources where
# dkms looks for them (/usr/src/mbox-VERSION).

DKMS_CONF := $(OUT)/dkms/dkms.conf
DKMS_SRCDIR ?= /usr/src/mbox-$(VERSION)
# What kbuild needs to build the module out of tree, and nothing else.
DKMS_FILES := Kbuild kmod/Kbuild $(wildcard kmod/*.[ch]) $(wildcard uapi/linux/*.h)

.PHONY: dkms.conf install-dkms
dkms.conf: $(DKMS_CONF)

$(DKMS_CONF): dkms/dkms.conf.in kmod/mbox.h
	@mkdir -p $(@D)
	$(Q)sed 's|@version@|$(VERSION)|g' $< > $@

# Then: dkms install mbox/$(VERSION)
install-dkms: $(DKMS_CONF)
	install -d $(DESTDIR)$(DKMS_SRCDIR)
	for f in $(filter-out %.mod.c,$(DKMS_FILES)); do \
		install -D -m 644 $$f $(DESTDIR)$(DKMS_SRCDIR)/$$f || exit; done
	install -m 644 $(DKMS_CONF) $(DESTDIR)$(DKMS_SRCDIR)/dkms.conf
