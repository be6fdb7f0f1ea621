#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the mbox test VM (busybox). The host's run.sh picks the mode on the
# kernel command line:
#   mboxvm.mode=check   load the module, run the selftests, unload, scan for
#                       leaks (debug kernel), power off
#   mboxvm.mode=demo    load the module, run the demo, unload, power off
#   mboxvm.mode=shell   load the module and give a shell on the console
#   mboxvm.mode=bench   load the module, run mbox-bench with the arguments of
#                       mboxvm.bench (commas for spaces, %2c for a comma): its table to ttyS1,
#                       its CSV to ttyS2; then the kernel's mq_perf_tests,
#                       on the kernel's mqueue and on libmbox-mq, to ttyS1
# mboxvm.tests=a,b limits check to those tests.
#
# Results go to the second serial port (ttyS1), the kernel log to the first.
# Lines starting "# mbox-vm: " are for run.sh:
#   begin NAME / end NAME STATUS    around each test binary
#   result WHAT ok|fail [WHY]       a check made here (load, unload, leaks)
#   done                            everything ran

/bin/busybox mkdir -p /usr/bin /usr/sbin /sbin
/bin/busybox --install -s
export PATH=/usr/bin:/usr/sbin:/bin:/sbin HOME=/root

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm /dev/mqueue
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp
mount -t mqueue mqueue /dev/mqueue 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
hostname mbox-vm

# A task stuck in D state for a minute panics the VM, which ends the run.
echo 60 > /proc/sys/kernel/hung_task_timeout_secs 2>/dev/null

arg() {
	sed -n "s/.*mboxvm\.$1=\([^ ]*\).*/\1/p" /proc/cmdline
}

MODE=$(arg mode)
# mboxvm.env=NAME=VALUE,...: settings for the tests (MBOX_FUZZ_CALLS...).
for kv in $(arg env | tr ',' ' '); do
	export "$kv"
done
KMEMLEAK=/sys/kernel/debug/kmemleak
export MBOX_MODULE=/mbox/mbox.ko

exec 3>/dev/ttyS1
stty -F /dev/ttyS1 raw -echo 2>/dev/null

say() {
	echo "$*" >&3
}

result() {
	say "# mbox-vm: result $*"
}

finish() {
	say "# mbox-vm: done"
	sync
	poweroff -f
	sleep 60
}

kmsg() {
	echo "mbox-vm: $*" > /dev/kmsg
}

load() {
	if out=$(mbox-modload load "$MBOX_MODULE" 2>&1); then
		result load ok
	else
		result load fail "$out"
		finish
	fi
}

unload() {
	if out=$(mbox-modload unload mbox 2>&1); then
		result unload ok
	else
		result unload fail "$out"
	fi
}

# Report what kmemleak finds, after dropping what it knew before the tests.
leaks_forget() {
	[ -w $KMEMLEAK ] || return 0
	echo scan > $KMEMLEAK
	echo clear > $KMEMLEAK
}

leaks_report() {
	[ -w $KMEMLEAK ] || return 0
	# Objects younger than 5 s are never reported; scan twice past that.
	sleep 6
	echo scan > $KMEMLEAK
	sleep 1
	echo scan > $KMEMLEAK
	n=$(grep -c '^unreferenced object' $KMEMLEAK)
	if [ "$n" = 0 ]; then
		result kmemleak ok
	else
		sed 's/^/# /' $KMEMLEAK >&3
		result kmemleak fail "$n unreferenced objects"
	fi
}

run_tests() {
	timeout=${MBOX_TEST_TIMEOUT:-$(sed -n 's/^timeout=//p' /mbox/settings)}
	want=$(arg tests | tr ',' ' ')
	for t in $(cat /mbox/tests.list); do
		if [ -n "$want" ]; then
			case " $want " in *" $t "*) ;; *) continue ;; esac
		fi
		say "# mbox-vm: begin $t"
		kmsg "begin $t"
		(cd /mbox/tests && exec timeout -s KILL "${timeout:-300}" ./"$t") >&3 2>&1 </dev/null
		rc=$?
		kmsg "end $t $rc"
		say "# mbox-vm: end $t $rc"
	done
}

# make bench: the table goes with the results, the CSV to its own port.
run_bench() {
	stty -F /dev/ttyS2 raw -echo 2>/dev/null
	mbox-bench -L $(arg bench | tr ',' ' ' | sed 's/%2c/,/g') -o /tmp/bench.csv >&3 2>&1
	rc=$?
	cat /tmp/bench.csv > /dev/ttyS2
	result bench "$([ $rc = 0 ] && echo ok || echo "fail exit status $rc")"
}

# make bench: the kernel's mq_perf_tests (selftests.mk), linked against the
# kernel's mqueue and then against libmbox-mq, one after the other, each
# between begin and end lines as a test; the host's tools/bench/mq_perf.sh
# reads their figures. Each run raises the /proc/sys/fs/mqueue limits and
# puts them back when it ends.
run_mq_perf() {
	for t in mq_perf_tests_kernel mq_perf_tests; do
		say "# mbox-vm: begin $t"
		start=$(date +%s)
		(cd /mbox/mqperf && exec ./"$t") >&3 2>&1 </dev/null
		rc=$?
		say "# mq_perf_tests: $t $(($(date +%s) - start)) s in the VM, exit status $rc"
		say "# mbox-vm: end $t $rc"
	done
}

case "$MODE" in
check)
	load
	leaks_forget
	run_tests
	unload
	leaks_report
	;;
demo)
	load
	{ mbox-demo && mboxctl-session.sh && mbox-examples.sh; } >&3 2>&1
	result demo "$([ $? = 0 ] && echo ok || echo fail)"
	unload
	;;
bench)
	load
	run_bench
	run_mq_perf
	unload
	;;
shell)
	load
	# The second serial port shows a live view, for "make watch" on the
	# host; a terminal there wants CR LF.
	stty -F /dev/ttyS1 sane 2>/dev/null
	(while :; do mboxctl watch >/dev/ttyS1 2>&1 </dev/null; sleep 1; done) &
	echo "mbox VM: module loaded, /dev/mbox ready; tests in /mbox/tests. 'exit' powers off."
	echo "Try: mbox-examples.sh, or mbox-demo, while 'make watch' on the host shows"
	echo "the mailboxes and rings live; or here: mbox-demo >/tmp/demo.log & mboxctl watch"
	setsid cttyhack sh -l
	unload
	;;
*)
	result mode fail "unknown mode '$MODE'"
	;;
esac
finish
