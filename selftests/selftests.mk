# SPDX-License-Identifier: GPL-2.0
#
# Selftests: kselftest_harness.h binaries (selftests/mbox/) and the helpers
# the VM needs (selftests/vm/). The harness headers come from Debian's
# linux-source-6.1 package at build time; they are never kept in this tree.

LINUX_SOURCE_TAR ?= /usr/src/linux-source-6.1.tar.xz
KSFT_DIR := $(OUT)/kselftest
KSFT_HDRS := $(KSFT_DIR)/kselftest_harness.h $(KSFT_DIR)/kselftest.h

# In the order they run. module_test comes first: it unloads and reloads
# the module, which is only safe while nothing else holds it.
SELFTESTS := module_test device_test mailbox_open_test mailbox_io_test \
	mailbox_block_test mailbox_perm_test mailbox_stress_test \
	direct_test identity_test delivery_test ring_test ring_proto_test \
	ring_block_test ring_hostile_test libmbox_test dead_inbox_test \
	limits_test ring_map_test poll_test order_test quota_mem_test \
	ns_test fork_test pipe_test fault_test fuzz_test soak_test
# Also built as static i386 binaries (NAME_32) to run the compat ioctl path.
SELFTESTS_32 := device_test mailbox_io_test delivery_test ring_test pipe_test
SELFTEST_SCRIPTS := mboxctl_test.sh examples_test.sh bench_test.sh
SELFTEST_BINS := $(SELFTESTS:%=$(OUT)/selftests/mbox/%) \
	$(SELFTESTS_32:%=$(OUT)/selftests/mbox/%_32) \
	$(SELFTEST_SCRIPTS:%=$(OUT)/selftests/mbox/%)
VM_BINS := $(OUT)/selftests/vm/mbox-modload

.PHONY: selftests
selftests: $(SELFTEST_BINS) $(VM_BINS) $(OUT)/selftests/mbox/tests.list

$(KSFT_HDRS) &:
	@test -f $(LINUX_SOURCE_TAR) || { echo "$(LINUX_SOURCE_TAR) is missing; run 'make deps'" >&2; exit 1; }
	@mkdir -p $(KSFT_DIR)
	$(Q)tar -C $(KSFT_DIR) --strip-components=4 -xJf $(LINUX_SOURCE_TAR) \
		$(patsubst $(KSFT_DIR)/%,linux-source-6.1/tools/testing/selftests/%,$(KSFT_HDRS))
	$(Q)touch $(KSFT_HDRS)

# Every MBOX_IOC_* command of the uapi header, as an X-macro (ioctls.sh).
IOCTLS_HDR := $(OUT)/selftests/mbox/mbox_ioctls.h
$(IOCTLS_HDR): uapi/linux/mbox.h selftests/mbox/ioctls.sh
	@mkdir -p $(@D)
	$(Q)sh selftests/mbox/ioctls.sh $< > $@.tmp && mv $@.tmp $@

SELFTEST_OBJS := $(SELFTESTS:%=$(OUT)/selftests/mbox/%.o) $(OUT)/selftests/mbox/common.o
$(SELFTEST_OBJS): $(KSFT_HDRS) $(IOCTLS_HDR)
$(SELFTEST_OBJS): CPPFLAGS += -isystem $(KSFT_DIR) -Iselftests/vm -I$(OUT)/selftests/mbox

$(OUT)/selftests/mbox/module_test: $(OUT)/selftests/vm/modload.o
$(OUT)/selftests/mbox/module_test: LDLIBS += -lkmod

$(OUT)/selftests/mbox/%: $(OUT)/selftests/mbox/%.o $(OUT)/selftests/mbox/common.o $(LIB_SO) | lib
	$(Q)$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LDLIBS_MBOX) $(LDLIBS) -lpthread

$(OUT)/selftests/mbox/%_32: selftests/mbox/%.c selftests/mbox/common.c $(KSFT_HDRS) $(IOCTLS_HDR)
	@mkdir -p $(@D)
	$(Q)$(CC) -m32 -static $(MBOX_CFLAGS) $(CPPFLAGS) -isystem $(KSFT_DIR) \
		-I$(OUT)/selftests/mbox $(CFLAGS) \
		-o $@ $(filter %.c,$^) -lpthread

$(OUT)/selftests/mbox/%.sh: selftests/mbox/%.sh
	@mkdir -p $(@D)
	$(Q)install -m 755 $< $@

$(OUT)/selftests/mbox/tests.list: selftests/selftests.mk
	@mkdir -p $(@D)
	$(Q)printf '%s\n' $(SELFTESTS) $(SELFTESTS_32:%=%_32) $(SELFTEST_SCRIPTS) > $@

$(OUT)/selftests/vm/mbox-modload: $(OUT)/selftests/vm/mbox-modload.o $(OUT)/selftests/vm/modload.o
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -lkmod

# ---------------------------------------------------------------------------
# libmbox-mq: our differential test (mq_diff_test), and the kernel's own
# mqueue selftests from the linux-source tarball, built unmodified against
# libmbox-mq. mq_open_tests runs in make check through mq_open_test.sh
# (it prints PASS or FAIL per check and exits 0 either way); mq_perf_tests
# is built here, and beside it the same source linked against the kernel's
# mqueue, for a benchmark.
SELFTESTS += mq_diff_test
SELFTEST_SCRIPTS += mq_open_test.sh
# Files the VM needs beside the tests (tests.data), not run by themselves.
SELFTEST_DATA := mq_open_tests
MQ_KSFT_SRC := $(OUT)/kselftest-src
MQ_KSFT_FILES := $(MQ_KSFT_SRC)/kselftest.h $(MQ_KSFT_SRC)/mqueue/mq_open_tests.c \
	$(MQ_KSFT_SRC)/mqueue/mq_perf_tests.c
MQ_PERF := $(if $(wildcard /usr/include/popt.h),$(OUT)/selftests/mqueue/mq_perf_tests \
	$(OUT)/selftests/mqueue/mq_perf_tests_kernel)

selftests: $(OUT)/selftests/mbox/mq_diff_test $(OUT)/selftests/mbox/mq_open_test.sh \
	$(OUT)/selftests/mbox/mq_open_tests $(OUT)/selftests/mbox/tests.data $(MQ_PERF)

$(OUT)/selftests/mbox/mq_diff_test.o: $(KSFT_HDRS) $(IOCTLS_HDR)
$(OUT)/selftests/mbox/mq_diff_test.o: CPPFLAGS += -isystem $(KSFT_DIR) -Iselftests/vm -I$(OUT)/selftests/mbox
# It loads libmbox-mq with dlopen(), so that glibc's mq_*() stay the kernel's.
$(OUT)/selftests/mbox/mq_diff_test: $(MQ_SO)

$(MQ_KSFT_FILES) &:
	@test -f $(LINUX_SOURCE_TAR) || { echo "$(LINUX_SOURCE_TAR) is missing; run 'make deps'" >&2; exit 1; }
	@mkdir -p $(MQ_KSFT_SRC)
	$(Q)tar -C $(MQ_KSFT_SRC) --strip-components=4 -xJf $(LINUX_SOURCE_TAR) \
		$(patsubst $(MQ_KSFT_SRC)/%,linux-source-6.1/tools/testing/selftests/%,$(MQ_KSFT_FILES))
	$(Q)touch $(MQ_KSFT_FILES)

# As tools/testing/selftests/mqueue/Makefile builds them, with libmbox-mq
# ahead of librt.
$(OUT)/selftests/mbox/mq_open_tests: $(MQ_KSFT_SRC)/mqueue/mq_open_tests.c $(MQ_KSFT_FILES) | lib
	$(Q)$(CC) -O2 -o $@ $< $(LDLIBS_MQ) -lrt -lpthread

$(OUT)/selftests/mqueue/mq_perf_tests: $(MQ_KSFT_SRC)/mqueue/mq_perf_tests.c $(MQ_KSFT_FILES) | lib
	@mkdir -p $(@D)
	$(Q)$(CC) -O2 -o $@ $< $(LDLIBS_MQ) -lrt -lpthread -lpopt

$(OUT)/selftests/mqueue/mq_perf_tests_kernel: $(MQ_KSFT_SRC)/mqueue/mq_perf_tests.c $(MQ_KSFT_FILES)
	@mkdir -p $(@D)
	$(Q)$(CC) -O2 -o $@ $< -lrt -lpthread -lpopt

$(OUT)/selftests/mbox/tests.data: selftests/selftests.mk
	@mkdir -p $(@D)
	$(Q)printf '%s\n' $(SELFTEST_DATA) > $@
