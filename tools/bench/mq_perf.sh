#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mq_perf.sh table|csv RESULTS.log: the kernel's mq_perf_tests
# (tools/testing/selftests/mqueue/mq_perf_tests.c, built unmodified by
# selftests/selftests.mk) as make bench ran it in the VM, once linked
# against the kernel's mqueue (mq_perf_tests_kernel) and once against
# libmbox-mq (mq_perf_tests), one after the other.
#
# It reads the "N nsec/msg" figures the program prints after "Send msg:" and
# "Recv msg:" for each of its tests (#1: queue empty, 10^7 send/receive
# pairs; #2a-#2d: queue held at mq_maxmsg - 1 messages, 10^5 pairs, with
# constant, increasing, decreasing and random priorities). Those are the
# thread's CPU time per call (pthread_getcpuclockid), not wall time.
#
#   table   a table for bench.txt, with libmbox-mq / kernel ratios
#   csv     rows for bench.csv: workload mq_perf_TEST, transport posix-mq
#           or libmbox-mq, placement 1cpu, size 16, metric send or recv
#           (ns) and send_ratio_mq, recv_ratio_mq (x) for libmbox-mq
#
# Exits 1 when either run is missing a figure.
set -eu
mode=$1
log=$2

tr -d '\r' <"$log" | awk -v mode="$mode" '
/^# mbox-vm: begin mq_perf_tests_kernel$/ { impl = "posix-mq"; next }
/^# mbox-vm: begin mq_perf_tests$/ { impl = "libmbox-mq"; next }
/^# mbox-vm: end / { impl = ""; next }
impl != "" && /^# mq_perf_tests: / { took[impl] = $0; sub(/^# mq_perf_tests: [^ ]* /, "", took[impl]); next }
impl == "" { next }
/Max priorities:/ { prios[impl] = $NF; next }
/mq_maxmsg:/ { maxmsg[impl] = $NF; next }
/Test #[0-9]+[a-z]*:/ {
	match($0, /#[0-9]+[a-z]*/)
	test = substr($0, RSTART + 1, RLENGTH - 1)
	desc = $0
	sub(/.*Time send\/recv message, /, "", desc)
	if (!(test in seen)) { seen[test] = 1; order[n++] = test; what[test] = desc }
	next
}
/\(.* iterations\)/ { iters[test] = $0; gsub(/[^0-9]/, "", iters[test]); next }
/Send msg:/ { field = "send"; next }
/Recv msg:/ { field = "recv"; next }
/nsec\/msg/ && field != "" { ns[impl, test, field] = $1; field = ""; next }
function ratio(t, f) {
	if (!((("posix-mq", t, f) in ns) && (("libmbox-mq", t, f) in ns)) || ns["posix-mq", t, f] == 0)
		return ""
	return sprintf("%.2f", ns["libmbox-mq", t, f] / ns["posix-mq", t, f])
}
END {
	for (i = 0; i < n; i++)
		for (j = 0; j < 2; j++)
			for (k = 0; k < 2; k++)
				if (!(((j ? "libmbox-mq" : "posix-mq"), order[i], (k ? "recv" : "send")) in ns))
					missing++
	if (n == 0 || missing) {
		print "mq_perf.sh: " (n ? missing " figures missing" : "no mq_perf_tests output") > "/dev/stderr"
		exit 1
	}
	if (mode == "csv") {
		for (i = 0; i < n; i++) {
			t = order[i]
			for (j = 0; j < 2; j++) {
				im = j ? "libmbox-mq" : "posix-mq"
				printf "mq_perf_%s,%s,1cpu,16,1,send,%s,ns\n", t, im, ns[im, t, "send"]
				printf "mq_perf_%s,%s,1cpu,16,1,recv,%s,ns\n", t, im, ns[im, t, "recv"]
			}
			printf "mq_perf_%s,libmbox-mq,1cpu,16,1,send_ratio_mq,%s,x\n", t, ratio(t, "send")
			printf "mq_perf_%s,libmbox-mq,1cpu,16,1,recv_ratio_mq,%s,x\n", t, ratio(t, "recv")
		}
		exit 0
	}
	print ""
	print "== The kernel'"'"'s mq_perf_tests, 16 B messages: ns of thread CPU time per call =="
	print "built unmodified twice: against the kernel'"'"'s mqueue and against libmbox-mq;"
	print "ratios: libmbox-mq / kernel (lower is better)"
	printf "queue depth in #2 (mq_maxmsg - 1): %s on the kernel'"'"'s, %s on libmbox-mq\n", \
		maxmsg["posix-mq"] - 1, maxmsg["libmbox-mq"] - 1
	printf "priorities #2b-#2d cycle through (sysconf(_SC_MQ_PRIO_MAX)): %s on the kernel'"'"'s, %s on libmbox-mq\n", \
		prios["posix-mq"], prios["libmbox-mq"]
	printf "%-52s | %9s %9s | %9s %9s | %7s %7s\n", "test", "kern send", "kern recv", "mbox send", "mbox recv", "x send", "x recv"
	for (i = 0; i < n; i++) {
		t = order[i]
		printf "%-52s | %9s %9s | %9s %9s | %6sx %6sx\n", "#" t " " what[t] " (" iters[t] ")",
			ns["posix-mq", t, "send"], ns["posix-mq", t, "recv"],
			ns["libmbox-mq", t, "send"], ns["libmbox-mq", t, "recv"],
			ratio(t, "send"), ratio(t, "recv")
	}
	for (j = 0; j < 2; j++) {
		im = j ? "libmbox-mq" : "posix-mq"
		if (im in took)
			printf "%s run: %s\n", (j ? "libmbox-mq" : "kernel mqueue"), took[im]
	}
}'
