#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# bench_test.sh: mbox-bench in check mode, so that "make bench" cannot rot.
# Every workload runs on every transport with tiny counts; each case checks
# that exactly the messages sent arrived, in order, byte for byte. Nothing
# about time is asserted. Prints mbox-bench's TAP; exits 1 on a failure.
exec mbox-bench -c -L
