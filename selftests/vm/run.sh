#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The QEMU test bed behind "make check", "make demo" and "make shell".
#
#   run.sh check KERNEL...   the selftests on each kernel: TAP per test, then
#                            a last line "N passed, N failed[, N skipped]"
#   run.sh demo KERNEL       the demo program
#   run.sh shell KERNEL      an interactive shell with the module loaded
#   run.sh bench KERNEL      mbox-bench (BENCH_ARGS: its options), then the
#                            kernel's mq_perf_tests on its mqueue and on
#                            libmbox-mq; the table, CSV and SVG chart go to
#                            $OUT/bench
#
# KERNEL is one of
#   6.1, 6.12         Debian's packaged kernels
#   6.1-rt, 6.12-rt   Debian's PREEMPT_RT kernels (spinlocks become sleeping
#                     locks)
#   debug             Debian's 6.1 source built with KASAN, UBSAN, lockdep,
#                     kmemleak and fault injection (see debug-kernel.sh)
#   debug-6.12        the same build from Debian's 6.12 source
#
# For each kernel: build mbox.ko against it, pack an initramfs (busybox, the
# test binaries, libmbox and the libraries they need), boot it under TCG, and
# read the results from the VM's second serial port. The run fails when a
# test fails, when the VM stops early or hangs, or when the kernel log shows
# a splat (see SPLATS below).
#
# Environment: OUT (build directory, default build), T (tests to run, comma-
# or space-separated names from selftests/selftests.mk), KVM=1 (KVM instead
# of TCG; nested KVM hangs on our machines), VM_TIMEOUT (seconds one VM may
# take in all, default 2400), MBOX_CACHE (see debug-kernel.sh), and numeric
# MBOX_FUZZ_*, MBOX_SOAK_* and MBOX_TEST_TIMEOUT (seconds per test), which
# reach the tests' environment in the VM.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
vmdir=$top/selftests/vm
out=$(cd "$top" && realpath -m "${OUT:-build}")
mode=${1:?usage: run.sh check|demo|shell|bench KERNEL...}
shift
[ $# -gt 0 ] || { echo "run.sh: no kernel given" >&2; exit 2; }

# Kernel messages that fail a run. The taint and signature messages Debian
# kernels print for an out-of-tree module are expected and not listed.
SPLATS='BUG:|WARNING:|Oops|general protection fault|Kernel panic|KASAN|UBSAN'
SPLATS+='|possible circular locking|inconsistent lock state|suspicious RCU usage'
SPLATS+='|possible recursive locking|lock held when returning to user space'
SPLATS+='|sleeping function called from invalid context|blocked for more than'
SPLATS+='|soft lockup|hard LOCKUP|kmemleak:.*new suspected memory leaks'

die() {
	echo "run.sh: $*" >&2
	exit 2
}

# The package a Debian meta package depends on, e.g. linux-headers-amd64 ->
# linux-headers-6.1.0-56-amd64.
meta_dep() {
	dpkg-query -W -f='${Depends}' "$1" 2>/dev/null | sed 's/[ ,(].*//'
}

# Sets KVER, VMLINUZ and KDIR for kernel $1.
resolve_kernel() {
	local hdr
	case $1 in
	6.1) hdr=$(meta_dep linux-headers-amd64) ;;
	6.12) hdr=$(meta_dep linux-headers-6.12-amd64) ;;
	6.1-rt) hdr=$(meta_dep linux-headers-rt-amd64) ;;
	6.12-rt) hdr=$(meta_dep linux-headers-6.12-rt-amd64) ;;
	debug | debug-6.12)
		local src=6.1
		[ "$1" = debug ] || src=${1#debug-}
		KDIR=$("$vmdir/debug-kernel.sh" "$src") || die "cannot build the $1 kernel"
		KVER=$(cat "$KDIR/include/config/kernel.release")
		VMLINUZ=$KDIR/arch/x86/boot/bzImage
		return
		;;
	*) die "unknown kernel '$1' (known: 6.1 6.12 6.1-rt 6.12-rt debug debug-6.12)" ;;
	esac
	[ -n "$hdr" ] || die "kernel $1 is not installed; run 'make deps'"
	KVER=${hdr#linux-headers-}
	KDIR=/usr/src/$hdr
	VMLINUZ=/boot/vmlinuz-$KVER
	[ -d "$KDIR" ] && [ -f "$VMLINUZ" ] || die "kernel $1 ($KVER) is incomplete; run 'make deps'"
}

# Build mbox.ko for $KDIR in a copy of the sources, so that builds for
# different kernels never share objects. Warnings fail the build.
build_module() {
	local src=$work/module
	rm -rf "$src"
	mkdir -p "$src"
	(cd "$top" && cp --parents Kbuild kmod/Kbuild kmod/*.[ch] uapi/linux/*.h "$src/")
	if ! make -C "$KDIR" M="$src" W=1 KCFLAGS=-Werror modules >"$work/module.log" 2>&1; then
		cat "$work/module.log" >&2
		die "mbox.ko does not build for $KVER"
	fi
	MODULE=$src/kmod/mbox.ko
}

# Copy ELF files $@ into the initramfs with the shared libraries they need.
copy_with_libs() {
	local f lib
	for f in "$@"; do
		for lib in $(ldd "$f" 2>/dev/null | grep -o '/[^ ]*' | grep -v "^$out/"); do
			[ -e "$root$lib" ] || cp -L --parents "$lib" "$root/"
		done
	done
}

build_initramfs() {
	local bin
	root=$work/root
	rm -rf "$root"
	mkdir -p "$root"/{bin,dev,proc,sys,tmp,root,etc,usr/bin,usr/lib,mbox/tests}
	cp /bin/busybox "$root/bin/busybox"
	install -m 755 "$vmdir/init.sh" "$root/init"
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
	cp "$MODULE" "$root/mbox/mbox.ko"
	cp "$top/selftests/mbox/settings" "$out/selftests/mbox/tests.list" "$root/mbox/"
	while read -r bin; do
		cp "$out/selftests/mbox/$bin" "$root/mbox/tests/"
	done <"$out/selftests/mbox/tests.list"
	# Files the tests need beside them (the kernel's mq_open_tests).
	[ ! -f "$out/selftests/mbox/tests.data" ] ||
		while read -r bin; do
			cp "$out/selftests/mbox/$bin" "$root/mbox/tests/"
		done <"$out/selftests/mbox/tests.data"
	cp "$out"/bin/* "$out/selftests/vm/mbox-modload" "$root/usr/bin/"
	# make bench: the kernel's mq_perf_tests, on its mqueue and on libmbox-mq.
	if [ "$mode" = bench ]; then
		mkdir -p "$root/mbox/mqperf"
		cp "$out/selftests/mqueue/mq_perf_tests" "$out/selftests/mqueue/mq_perf_tests_kernel" \
			"$root/mbox/mqperf/" || die "mq_perf_tests is not built (libpopt-dev); run 'make deps'"
	fi
	# A JSON parser, for the tests of mboxctl --json.
	cp "$(command -v jq)" "$root/usr/bin/"
	cp -d "$out"/lib/libmbox*.so.* "$root/usr/lib/"
	# The examples: built in the tree (make demo), and built against an
	# installed tree by selftests/host/install_test.sh, when it ran.
	mkdir -p "$root/mbox/examples/tree"
	find "$out/examples" -maxdepth 1 -type f -perm -u+x -exec cp {} "$root/mbox/examples/tree/" \;
	[ -d "$out/installed/shared" ] && cp -r "$out"/installed/{shared,static,lib} "$root/mbox/examples/"
	local mqperf=()
	[ -d "$root/mbox/mqperf" ] && mqperf=("$root"/mbox/mqperf/*)
	copy_with_libs "$root"/usr/bin/* "$root"/mbox/tests/* "$root"/mbox/examples/tree/* "${mqperf[@]}"
	(cd "$root" && find . | cpio -o -H newc -R 0:0 --quiet) >"$work/initramfs.cpio"
}

# A local TCP port nobody listens on, from 5556 up.
free_port() {
	local p
	for p in $(seq 5556 5656); do
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
	die "no free TCP port for the live view"
}

# Boot the VM in $mode; results go to $work/results.log, the kernel log to
# $work/console.log. Returns when QEMU has exited.
boot() {
	local accel=(-accel tcg -cpu max) tests=${T:-} append serial
	[ "${KVM:-0}" = 1 ] && accel=(-accel kvm -cpu host)
	append="console=ttyS0 loglevel=7 panic=-1 oops=panic hung_task_panic=1 softlockup_panic=1"
	# A loaded host slows TCG enough that the IO-APIC timer check can fail
	# and panic at boot; skip it, as virtual machines usually do.
	append+=" no_timer_check"
	append+=" mboxvm.mode=$mode"
	[ -n "$tests" ] && append+=" mboxvm.tests=$(echo "$tests" | tr ' ' ',')"
	# Test settings from the environment, e.g. "make fuzz" (see init.sh).
	local env
	env=$(env | grep -E '^MBOX_(FUZZ|SOAK|TEST)_[A-Z_]+=[0-9]+$' | tr '\n' ',' | sed 's/,$//' || true)
	[ -n "$env" ] && append+=" mboxvm.env=$env"
	if [ "$mode" = shell ]; then
		# The second port carries a live "mboxctl watch" to "make watch".
		watch_port=$(free_port)
		echo "$watch_port" >"$out/vm/watch.port"
		echo "# a live view of the mailboxes and rings: run 'make watch' in another terminal"
		serial=(-serial mon:stdio -serial "tcp:127.0.0.1:$watch_port,server=on,wait=off")
	else
		serial=(-serial "file:$work/console.log" -serial "file:$work/results.log")
	fi
	[ "$mode" = bench ] && bench_boot_args
	: >"$work/console.log"
	: >"$work/results.log"
	qemu=(qemu-system-x86_64 -nodefaults -display none -no-reboot "${accel[@]}"
	      -smp 2 -m 1G -kernel "$VMLINUZ" -initrd "$work/initramfs.cpio"
	      -append "$append" "${serial[@]}")
	if [ "$mode" = shell ]; then
		"${qemu[@]}"
		rm -f "$out/vm/watch.port"
		return
	fi
	"${qemu[@]}" </dev/null >"$work/qemu.log" 2>&1 &
	watch $!
}

# Stream the results while QEMU $1 runs; stop it when it hangs.
watch() {
	local qpid=$1 tpid start=$SECONDS size last=0 idle=$SECONDS done_at=
	local test_timeout vm_timeout=${VM_TIMEOUT:-2400}
	test_timeout=${MBOX_TEST_TIMEOUT:-$(sed -n 's/^timeout=//p' "$top/selftests/mbox/settings")}
	# Nothing for this long means the guest's own per-test timeout failed.
	local idle_limit=$((test_timeout + 120))
	# make bench: mq_perf_tests' 10^7 calls of test #1 print nothing for
	# minutes (200 s with libmbox-mq on a quiet host).
	[ "$mode" = bench ] && idle_limit=$((idle_limit > 1800 ? idle_limit : 1800))

	# The demo shows only what the program prints.
	local hide='^# mbox-vm: done'
	[ "$mode" = demo ] && hide='^# mbox-vm: '
	tail -n +1 -f --pid="$qpid" "$work/results.log" | tr -d '\r' |
		grep --line-buffered -v -E "$hide" &
	tpid=$!
	HUNG=
	while kill -0 "$qpid" 2>/dev/null; do
		sleep 1
		size=$(stat -c %s "$work/results.log")
		if [ "$size" != "$last" ]; then
			last=$size
			idle=$SECONDS
		fi
		if [ -z "$done_at" ] && grep -q '^# mbox-vm: done' "$work/results.log"; then
			done_at=$SECONDS
		fi
		if [ -n "$done_at" ] && [ $((SECONDS - done_at)) -gt 30 ]; then
			: # finished, but did not power off
		elif [ $((SECONDS - idle)) -gt "$idle_limit" ]; then
			HUNG="no output for ${idle_limit}s"
		elif [ $((SECONDS - start)) -gt "$vm_timeout" ]; then
			HUNG="VM_TIMEOUT of ${vm_timeout}s reached"
		else
			continue
		fi
		kill "$qpid" 2>/dev/null || true
		break
	done
	wait "$qpid" || true
	wait "$tpid" || true
}

# Count the results of one VM; print a TAP line for every failure that the
# tests could not print themselves. Sets PASS FAIL SKIP.
tally() {
	local counts
	counts=$(tr -d '\r' <"$work/results.log" | awk -v hung="$HUNG" '
		function fail(msg) { f++; print "not ok - " msg }
		/^# mbox-vm: begin / { cur = $4; nf = 0; n = 0; next }
		/^# mbox-vm: end / {
			rc = $5
			if (rc == 137)
				fail(cur ": killed by the per-test timeout")
			else if (rc != 0 && rc != 4 && nf == 0)
				fail(cur ": exited with status " rc)
			else if (n == 0 && rc == 4)
				s++
			else if (n == 0 && rc == 0)
				p++
			cur = ""; next
		}
		/^# mbox-vm: result / {
			if ($5 == "ok")
				p++
			else
				fail($4 ": " substr($0, index($0, $5) + length($5) + 1))
			next
		}
		/^# mbox-vm: done/ { finished = 1; next }
		cur != "" && /^ok [0-9]+ / { n++; if (/# SKIP/) s++; else p++; next }
		cur != "" && /^not ok [0-9]+ / { n++; nf++; f++; next }
		END {
			why = hung != "" ? hung : "the VM stopped early"
			if (cur != "")
				fail(cur ": did not finish (" why ")")
			else if (!finished)
				fail("the VM did not finish (" why ")")
			printf "%d %d %d\n", p + 0, f + 0, s + 0
		}')
	echo "$counts" | sed '$d'
	read -r PASS FAIL SKIP <<<"$(echo "$counts" | tail -n 1)"
}

# Check the kernel log for splats. Counts as one test.
check_kernel_log() {
	local hits
	hits=$(tr -d '\r' <"$work/console.log" | grep -n -E "$SPLATS" || true)
	if [ -z "$hits" ]; then
		echo "ok - kernel log clean"
		PASS=$((PASS + 1))
		return
	fi
	echo "not ok - kernel log shows a splat"
	FAIL=$((FAIL + 1))
	local first
	first=$(echo "$hits" | head -n 1 | cut -d: -f1)
	tr -d '\r' <"$work/console.log" | sed -n "$((first > 20 ? first - 20 : 1)),$((first + 60))p" |
		sed 's/^/# /'
	echo "# (full log: $work/console.log)"
}

# Build the module and the initramfs for kernel $1, in $work.
prepare_vm() {
	resolve_kernel "$1"
	work=$out/vm/$1
	mkdir -p "$work"
	echo "# ===== kernel $1 ($KVER) ====="
	build_module
	build_initramfs
}

# Did the kernel splat while it booted, before /init (so before any mbox
# code ran)? Seen once in many boots of the debug 6.1 kernel under TCG: a
# KASAN report from an interrupt during CPU identification.
boot_splat() {
	tr -d '\r' <"$work/console.log" |
		awk -v re="$SPLATS" '/Run \/init as init process/ { exit }
				     $0 ~ re { found = 1; exit }
				     END { exit !found }'
}

run_kernel() {
	local name=$1
	prepare_vm "$name"
	boot
	# A kernel broken before our code ran says nothing of it: show the
	# splat, and boot once more. Twice, and the run fails as usual.
	if boot_splat; then
		echo "# ===== $name splatted while booting, before /init; booting again ====="
		tr -d '\r' <"$work/console.log" | grep -m 1 -A 30 -E "$SPLATS" | sed 's/^/# /'
		boot
	fi
	tally
	check_kernel_log
	echo "# $name: $PASS passed, $FAIL failed, $SKIP skipped"
}

# make bench, in boot(): mbox-bench's options on the kernel command line
# (a comma of their own as %2c, then commas for spaces, so that "-t a,b"
# survives), and a third serial port for its CSV.
bench_boot_args() {
	append+=" mboxvm.bench=$(echo "${BENCH_ARGS:-}" | sed 's/,/%2c/g' | tr ' ' ',')"
	: >"$work/bench.csv"
	serial+=(-serial "file:$work/bench.csv")
}

# make bench: run mbox-bench on kernel $1 (its table streams by), then keep
# the table, the CSV and a chart of them in $out/bench.
run_bench() {
	local dir=$out/bench start=$SECONDS load
	prepare_vm "$1"
	load=$(cut -d' ' -f1-3 /proc/loadavg)
	boot
	tally
	check_kernel_log
	mkdir -p "$dir"
	tr -d '\r' <"$work/bench.csv" >"$dir/bench.csv"
	{
		echo "# Debian $KVER, QEMU TCG -smp 2; host load average $load before, $(cut -d' ' -f1-3 /proc/loadavg) after"
		tr -d '\r' <"$work/results.log" | sed -n '/^mbox-bench: [0-9]* cases/,/^mbox-bench: .* in all/p'
		"$top/tools/bench/mq_perf.sh" table "$work/results.log" || FAIL=$((FAIL + 1))
	} >"$dir/bench.txt"
	"$top/tools/bench/mq_perf.sh" csv "$work/results.log" >>"$dir/bench.csv" || true
	sed -n '/^== The kernel.s mq_perf_tests/,$p' "$dir/bench.txt"
	head -n 1 "$dir/bench.txt"
	if [ "$FAIL" -eq 0 ] && "$top/tools/bench/chart.sh" "$dir/bench.csv" "$dir/bench.svg" \
		"mbox-bench on Debian $KVER, QEMU TCG, 2 vCPUs"; then
		echo "# $dir: bench.txt, bench.csv, bench.svg ($((SECONDS - start)) s)"
	fi
	[ "$FAIL" -eq 0 ]
}

command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 is missing; run 'make deps'"
[ -x "$out/selftests/vm/mbox-modload" ] || die "nothing built in $out; run 'make'"

case $mode in
check)
	# Host tests (selftests/host/) in T ran before the VMs; keep the rest.
	if [ -n "${T:-}" ]; then
		vm_tests=
		for t in $(echo "$T" | tr ',' ' '); do
			[ -e "$top/selftests/host/${t%.sh}.sh" ] && continue
			grep -qx "$t" "$out/selftests/mbox/tests.list" || die "no test named '$t'"
			vm_tests+=" $t"
		done
		[ -n "$vm_tests" ] || exit 0
		T=$vm_tests
	fi
	total_p=0 total_f=0 total_s=0
	for k in "$@"; do
		run_kernel "$k"
		total_p=$((total_p + PASS)) total_f=$((total_f + FAIL)) total_s=$((total_s + SKIP))
	done
	summary="$total_p passed, $total_f failed"
	[ "$total_s" -gt 0 ] && summary+=", $total_s skipped"
	echo "$summary"
	[ "$total_f" -eq 0 ]
	;;
demo)
	[ $# -eq 1 ] || die "demo takes one kernel"
	prepare_vm "$1"
	echo "# booting Debian $KVER under QEMU; the demo's output follows"
	boot
	tally
	check_kernel_log
	[ "$FAIL" -eq 0 ]
	;;
bench)
	[ $# -eq 1 ] || die "bench takes one kernel"
	run_bench "$1"
	;;
shell)
	[ $# -eq 1 ] || die "shell takes one kernel"
	prepare_vm "$1"
	boot
	;;
*)
	die "unknown mode '$mode'"
	;;
esac
