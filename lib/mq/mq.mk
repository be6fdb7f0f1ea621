# SPDX-License-Identifier: GPL-2.0
#
# libmbox-mq: the POSIX message queue API on mbox mailboxes. A shared
# library with a soname and a version script, a static archive, and a
# pkg-config file, as libmbox (lib/lib.mk).

MQ_SRCS := $(wildcard lib/mq/*.c)
MQ_OBJS := $(MQ_SRCS:%.c=$(OUT)/%.o)
MQ_SO := $(OUT)/lib/libmbox-mq.so.$(VERSION)
MQ_A := $(OUT)/lib/libmbox-mq.a
MQ_PC := $(OUT)/lib/libmbox-mq.pc
MQ_LIBS := $(MQ_SO) $(OUT)/lib/libmbox-mq.so.$(SOVERSION) $(OUT)/lib/libmbox-mq.so \
	$(MQ_A) $(MQ_PC)
# Link a program with the library ahead of glibc's mq_*().
LDLIBS_MQ := -L$(OUT)/lib -lmbox-mq -Wl,-rpath,'$$ORIGIN/../lib'

.PHONY: install-mq
lib: $(MQ_LIBS)

# <mqueue.h> declares the timeouts nonnull; the kernel's calls take NULL.
$(MQ_OBJS): CFLAGS += -fPIC -fno-delete-null-pointer-checks
$(MQ_OBJS): CPPFLAGS += -Ilib/mq -Ilib/mq/include

$(MQ_SO): $(MQ_OBJS) lib/mq/libmbox-mq.map
	@mkdir -p $(@D)
	$(Q)$(CC) -shared -o $@ $(MQ_OBJS) $(LDFLAGS) \
		-Wl,-soname,libmbox-mq.so.$(SOVERSION) \
		-Wl,--version-script=lib/mq/libmbox-mq.map -Wl,-z,defs -lpthread

$(OUT)/lib/libmbox-mq.so.$(SOVERSION): $(MQ_SO)
	$(Q)ln -sf $(notdir $<) $@

$(OUT)/lib/libmbox-mq.so: $(OUT)/lib/libmbox-mq.so.$(SOVERSION)
	$(Q)ln -sf $(notdir $<) $@

$(MQ_A): $(MQ_OBJS)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(MQ_PC): lib/mq/libmbox-mq.pc.in kmod/mbox.h
	@mkdir -p $(@D)
	$(Q)sed -e 's|@prefix@|$(PREFIX)|' -e 's|@libdir@|$(LIBDIR)|' \
		-e 's|@includedir@|$(INCLUDEDIR)|' -e 's|@version@|$(VERSION)|' $< > $@

install-lib: install-mq
install-mq: lib
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR) \
		$(DESTDIR)$(PREFIX)/share/man/man3
	install -m 644 $(MQ_A) $(DESTDIR)$(LIBDIR)/
	install -m 755 $(MQ_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf $(notdir $(MQ_SO)) $(DESTDIR)$(LIBDIR)/libmbox-mq.so.$(SOVERSION)
	ln -sf libmbox-mq.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libmbox-mq.so
	install -m 644 $(MQ_PC) $(DESTDIR)$(LIBDIR)/pkgconfig/
	install -m 644 lib/mq/include/mbox_mq.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 644 lib/mq/libmbox-mq.3 $(DESTDIR)$(PREFIX)/share/man/man3/
