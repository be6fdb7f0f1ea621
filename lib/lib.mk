# SPDX-License-Identifier: GPL-2.0
#
# libmbox: a shared library with a soname and a version script, a static
# archive, and a pkg-config file, all from the one VERSION.

LIB_SRCS := $(wildcard lib/src/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(OUT)/%.o)
LIB_SO := $(OUT)/lib/libmbox.so.$(VERSION)
LIB_A := $(OUT)/lib/libmbox.a
LIB_PC := $(OUT)/lib/libmbox.pc

.PHONY: lib install-lib
lib: $(LIB_SO) $(OUT)/lib/libmbox.so.$(SOVERSION) $(OUT)/lib/libmbox.so $(LIB_A) $(LIB_PC)

$(LIB_OBJS): CFLAGS += -fPIC
$(LIB_OBJS): CPPFLAGS += -Ilib/src

$(LIB_SO): $(LIB_OBJS) lib/libmbox.map
	$(Q)$(CC) -shared -o $@ $(LIB_OBJS) $(LDFLAGS) \
		-Wl,-soname,libmbox.so.$(SOVERSION) \
		-Wl,--version-script=lib/libmbox.map -Wl,-z,defs

$(OUT)/lib/libmbox.so.$(SOVERSION): $(LIB_SO)
	$(Q)ln -sf $(notdir $<) $@

$(OUT)/lib/libmbox.so: $(OUT)/lib/libmbox.so.$(SOVERSION)
	$(Q)ln -sf $(notdir $<) $@

$(LIB_A): $(LIB_OBJS)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

# Written again at install time, for the PREFIX and LIBDIR given then.
PC_SED := sed -e 's|@prefix@|$(PREFIX)|' -e 's|@libdir@|$(LIBDIR)|' \
	-e 's|@includedir@|$(INCLUDEDIR)|' -e 's|@version@|$(VERSION)|'
$(LIB_PC): lib/libmbox.pc.in kmod/mbox.h
	$(Q)$(PC_SED) $< > $@

install-lib: lib
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)/linux
	install -m 644 $(LIB_A) $(DESTDIR)$(LIBDIR)/
	install -m 755 $(LIB_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf $(notdir $(LIB_SO)) $(DESTDIR)$(LIBDIR)/libmbox.so.$(SOVERSION)
	ln -sf libmbox.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libmbox.so
	$(PC_SED) lib/libmbox.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/libmbox.pc
	install -m 644 lib/include/libmbox.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 644 uapi/linux/mbox.h $(DESTDIR)$(INCLUDEDIR)/linux/
	$(if $(DESTDIR),,-ldconfig)
