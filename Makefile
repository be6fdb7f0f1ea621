# SPDX-License-Identifier: GPL-2.0
#
# mbox: the one Makefile. "make help" lists the targets.
#
# Userspace builds into $(OUT) (default: build/); the module builds in place
# through the kernel's kbuild, against $(KDIR).

VERSION := $(shell sed -n 's/^\#define MBOX_VERSION[[:space:]]*"\(.*\)"$$/\1/p' kmod/mbox.h)
SOVERSION := 1

OUT ?= build
# Installation directories, as the GNU coding standards name them. LIBDIR
# is multiarch (lib/x86_64-linux-gnu) when the compiler knows its triplet:
# ld.so and pkg-config on Debian search there, under /usr and /usr/local.
PREFIX ?= /usr/local
MULTIARCH ?= $(shell $(CC) -print-multiarch 2>/dev/null)
LIBDIR ?= $(PREFIX)/lib$(if $(MULTIARCH),/$(MULTIARCH))
INCLUDEDIR ?= $(PREFIX)/include
BINDIR ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
DESTDIR ?=

# The kernel to build the module for: the running one when its build tree is
# installed, else the newest Debian amd64 headers on this machine.
KDIR ?= $(or $(wildcard /lib/modules/$(shell uname -r)/build),$(shell \
	ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | \
	grep -v -e -rt- -e -cloud- | sort -V | tail -n 1))

# The VM test bed (selftests/vm/run.sh).
KERNELS ?= 6.1 6.12 6.1-rt 6.12-rt debug debug-6.12
T ?=

CC ?= cc
CFLAGS ?= -O2 -g
MBOX_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE \
	-Iuapi -Ilib/include
LDLIBS_MBOX := -L$(OUT)/lib -lmbox -Wl,-rpath,'$$ORIGIN/../lib'

Q := $(if $(V),,@)

.PHONY: all
all: module lib tools examples selftests

include lib/lib.mk
include lib/mq/mq.mk
include tools/tools.mk
include examples/examples.mk
include man/man.mk
include dkms/dkms.mk
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

# Installs kmod/mbox.ko into /lib/modules/<KDIR's release>/extra and runs
# depmod for that release; KDIR=/lib/modules/<release>/build picks another
# installed kernel.
install-module: module
	+$(KBUILD) INSTALL_MOD_DIR=extra modules_install
	depmod -a $(notdir $(patsubst %/build,%,$(realpath $(KDIR))))

# ---------------------------------------------------------------------------
# Install, clean

.PHONY: install clean
install: install-lib install-tools install-man

clean:
	-$(KBUILD) clean 2>/dev/null
	rm -rf $(OUT)

# ---------------------------------------------------------------------------
# Dependencies and the VM test bed

.PHONY: deps check demo shell fuzz soak
deps:
	@selftests/vm/deps.sh

# deps first, then a fresh make: KDIR is only known once the headers exist.
# check runs the host tests (selftests/host/) first, then the VMs, and fails
# if either did.
check: deps
	@$(MAKE) -s --no-print-directory all
	@selftests/host/run.sh; host=$$?; selftests/vm/run.sh check $(KERNELS) && exit $$host

demo shell: deps
	@$(MAKE) -s --no-print-directory all
	@selftests/vm/run.sh $@ $(firstword $(KERNELS))

# Beside "make shell", in another terminal: the VM's live "mboxctl watch".
.PHONY: watch
watch:
	@test -f $(OUT)/vm/watch.port || { echo "no 'make shell' is running" >&2; exit 1; }
	@bash -c 'exec 3<>/dev/tcp/127.0.0.1/$$(cat $(OUT)/vm/watch.port) && exec cat <&3'

# A long fuzz (selftests/mbox/fuzz_test.c) on the first of KERNELS; make
# check runs a short one. FUZZ_CALLS calls in all, FUZZ_SEED to replay.
FUZZ_CALLS ?= 1000000
fuzz: deps
	@$(MAKE) -s --no-print-directory all
	@T=fuzz_test MBOX_FUZZ_CALLS=$(FUZZ_CALLS) $(if $(FUZZ_SEED),MBOX_FUZZ_SEED=$(FUZZ_SEED)) \
		MBOX_TEST_TIMEOUT=3600 VM_TIMEOUT=4000 \
		selftests/vm/run.sh check $(firstword $(KERNELS))

# A long soak (selftests/mbox/soak_test.c); make check runs a short one.
SOAK_MSGS ?= 20000
soak: deps
	@$(MAKE) -s --no-print-directory all
	@T=soak_test MBOX_SOAK_MSGS=$(SOAK_MSGS) MBOX_TEST_TIMEOUT=3600 VM_TIMEOUT=4000 \
		selftests/vm/run.sh check $(firstword $(KERNELS))

# mbox against pipes, POSIX mqueues and the rest, on Debian 6.12 in QEMU with
# 2 vCPUs (tools/bench/mbox-bench.c); BENCH_ARGS="-s 4 -r 7" runs longer.
# Then the kernel's mq_perf_tests on its mqueue and on libmbox-mq.
.PHONY: bench
bench: deps
	@$(MAKE) -s --no-print-directory all
	@selftests/vm/run.sh bench 6.12

export OUT T KVM VM_TIMEOUT MBOX_CACHE BENCH_ARGS

.PHONY: help
help:
	@echo 'Targets:'
	@echo '  all (default)  module, libmbox, tools, examples and selftests'
	@echo '  demo           run the demo in a QEMU VM (installs dependencies)'
	@echo '  check          run the selftests in QEMU on $(KERNELS)'
	@echo '                 (KERNELS="6.12" narrows the kernels, T=<test> the tests)'
	@echo '  shell          interactive shell in the VM with the module loaded'
	@echo '  watch          beside make shell: the live mboxctl watch of its VM'
	@echo '  fuzz           a long seeded fuzz in the VM (FUZZ_CALLS=$(FUZZ_CALLS), FUZZ_SEED=)'
	@echo '  soak           a long kill-heavy soak in the VM (SOAK_MSGS=$(SOAK_MSGS) per producer)'
	@echo '  bench          mbox-bench in a QEMU VM on 6.12: table, CSV and SVG chart'
	@echo '                 in $(OUT)/bench (BENCH_ARGS="-s 4" for a longer run), and'
	@echo '                 the kernel'"'"'s mq_perf_tests on its mqueue and on libmbox-mq'
	@echo '  deps           install the Debian packages the project needs'
	@echo '  module         build mbox.ko against KDIR=$(KDIR)'
	@echo '  module-debug   the same with -DDEBUG'
	@echo '  sparse         sparse (C=2) over the module'
	@echo '  style          checkpatch over the kernel and uapi sources'
	@echo '  install        install libmbox, its headers, pkg-config file, mboxctl,'
	@echo '                 its bash completion and the man pages (PREFIX, DESTDIR, LIBDIR)'
	@echo '  man-lint       check the man pages (mandoc -T lint, man -l, coverage)'
	@echo '  install-module install mbox.ko for KDIR and run depmod'
	@echo '  install-dkms   install the module sources for DKMS in $(DKMS_SRCDIR)'
	@echo '  dkms.conf      write $(DKMS_CONF) with the version filled in'
	@echo '  clean          remove build products'

# The version, for scripts.
.PHONY: print-version
print-version:
	@echo $(VERSION)
