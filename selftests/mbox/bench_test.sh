#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# bench_test.sh: mbox-bench in check mode, so that "make bench" cannot rot.
# Every workload runs on every transport with tiny counts; each case checks
# that exactly the messages sent arrived, in order, byte for byte. Nothing
# about time is asserted. Prints mbox-bench's TAP; exits 1 on a failure.
#
# -L raises the POSIX mqueue limits in /proc/sys/fs/mqueue; they are put
# back afterwards, so that later tests (the kernel's mq_open_tests) start
# from the system's own.
saved=
for f in /proc/sys/fs/mqueue/*; do
	[ -w "$f" ] && saved="$saved $f=$(cat "$f")"
done
mbox-bench -c -L
rc=$?
for kv in $saved; do
	echo "${kv#*=}" > "${kv%%=*}"
done
exit $rc
