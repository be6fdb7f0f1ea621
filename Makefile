# SPDX-License-Identifier: GPL-2.0
#
# mbox: the one Makefile. "make help" lists the targets.
#
# Userspace builds into $(OUT) (default: build/); the module builds in place
# through the kernel's kbuild, against $(KDIR).

VERSION := $(shell sed -n 's/^\#define MBOX_VERSION[[:space:]]*"\(.*\)"$$/\1/p' kmod/mbox.h)
SOVERSION := 1

OUT ?= build
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR ?= $(PREFIX)/bin
DESTDIR ?=

# The kernel to build the module for: the running one when its build tree is
# installed, else the newest Debian amd64 headers on this machine.
KDIR ?= $(or $(wildcard /lib/modules/$(shell uname -r)/build),$(shell \
	ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | \
	grep -v -e -rt- -e -cloud- | sort -V | tail -n 1))

# The VM test bed (selftests/vm/run.sh).
KERNELS ?= 6.1 6.12 debug
T ?=

CC ?= cc
CFLAGS ?= -O2 -g
MBOX_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE \
	-Iuapi -Ilib/include
LDLIBS_MBOX := -L$(OUT)/lib -lmbox -Wl,-rpath,'$$ORIGIN/../lib'

Q := $(if $(V),,@)

.PHONY: all
all: module lib tools selftests

include lib/lib.mk
include lib/mq/mq.mk
include tools/tools.mk
include selftests/selftests.mk

$(OUT)/%.o: %.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(MBOX_CFLAGS) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

-include $(shell find $(OUT) -name '*.d' 2>/dev/null)

# ---------------------------------------------------------------------------
# The module

KBUILD := $(MAKE) -C $(KDIR) M=$(CURDIR)

.PHONY: module module-debug sparse style install-module
module:
	@test -d "$(KDIR)" || { echo "no kernel build tree (KDIR=$(KDIR)); run 'make deps'" >&2; exit 1; }
	+$(KBUILD) W=1 modules

# pr_debug() output and extra assertions.
module-debug:
	+$(KBUILD) W=1 ccflags-y=-DDEBUG modules

# Static analysis: sparse on every file of the module.
sparse:
	+$(KBUILD) C=2 W=1 modules

# checkpatch from Debian's linux-source package, on the kernel-side files.
STYLE_DIR := $(OUT)/style
style:
	@test -f $(STYLE_DIR)/scripts/checkpatch.pl || { mkdir -p $(STYLE_DIR) && \
		tar -C $(STYLE_DIR) --strip-components=1 -xJf /usr/src/linux-source-6.1.tar.xz \
		linux-source-6.1/scripts/checkpatch.pl linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch; }
	perl $(STYLE_DIR)/scripts/checkpatch.pl --no-tree --strict --terse \
		--ignore FILE_PATH_CHANGES,LINUX_VERSION_CODE,CONSTANT_COMPARISON \
		-f $(filter-out %.mod.c,$(wildcard kmod/*.[ch]))
	@# uapi headers cannot use BIT().
	perl $(STYLE_DIR)/scripts/checkpatch.pl --no-tree --strict --terse \
		--ignore FILE_PATH_CHANGES,BIT_MACRO -f uapi/linux/*.h

install-module: module
	+$(KBUILD) INSTALL_MOD_DIR=extra modules_install
	depmod -a $(notdir $(patsubst %/build,%,$(realpath $(KDIR))))

# ---------------------------------------------------------------------------
# Install, clean

.PHONY: install clean
install: install-lib install-tools

clean:
	-$(KBUILD) clean 2>/dev/null
	rm -rf $(OUT)

# ---------------------------------------------------------------------------
# Dependencies and the VM test bed

.PHONY: deps check demo shell
deps:
	@selftests/vm/deps.sh

# deps first, then a fresh make: KDIR is only known once the headers exist.
check demo shell: deps
	@$(MAKE) -s --no-print-directory all
	@selftests/vm/run.sh $@ $(if $(filter check,$@),$(KERNELS),$(firstword $(KERNELS)))

export OUT T KVM VM_TIMEOUT MBOX_CACHE

.PHONY: help
help:
	@echo 'Targets:'
	@echo '  all (default)  module, libmbox, tools and selftests'
	@echo '  demo           run the demo in a QEMU VM (installs dependencies)'
	@echo '  check          run the selftests in QEMU on $(KERNELS)'
	@echo '                 (KERNELS="6.12" narrows the kernels, T=<test> the tests)'
	@echo '  shell          interactive shell in the VM with the module loaded'
	@echo '  deps           install the Debian packages the project needs'
	@echo '  module         build mbox.ko against KDIR=$(KDIR)'
	@echo '  module-debug   the same with -DDEBUG'
	@echo '  sparse         sparse (C=2) over the module'
	@echo '  style          checkpatch over the kernel and uapi sources'
	@echo '  install        install libmbox, its headers, pkg-config file and tools'
	@echo '  install-module install mbox.ko for KDIR and run depmod'
	@echo '  clean          remove build products'
