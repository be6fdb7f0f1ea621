#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ab.sh REV_A [REV_B]: compare the mbox.ko of two git revisions (REV_B: the
# working tree when not given) in one QEMU VM on Debian 6.12. The VM loads
# A, runs mbox-bench, unloads it, loads B, runs it again, and so on for
# ROUNDS rounds (default 1), so both see the same host; then it prints the
# 64-byte streaming rates, their ratios to pipe and POSIX mq within each
# run, and the medians.
#
# By default QEMU runs with -icount shift=0,sleep=off: the guest's clock
# counts the instructions it executes (and skips idle time), so a loaded
# host changes how long the run takes but not what it measures. The
# figures are then "messages per second of a 1 GHz machine that executes
# one instruction per nanosecond": fit to compare two builds (differences
# of 1% show), not to compare with a real machine. ICOUNT=0 uses plain TCG
# instead, as make bench does; on a shared host its runs differ by 20% and
# more.
#
# Environment: T (mbox-bench -t, default
# pipe,posix-mq,mbox-rw,mbox-ioctl,mbox-batch64), ROUNDS, ICOUNT, OUT
# (build directory, default build; make must have run), PERF=1 (B only,
# once: perf record -e cpu-clock -a -g around the first transport of T,
# and the top of perf report; under icount its samples count
# instructions).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
out=$(cd "$top" && realpath -m "${OUT:-build}")
rev_a=${1:?usage: ab.sh REV_A [REV_B]}
rev_b=${2:-}
rounds=${ROUNDS:-1}
transports=${T:-pipe,posix-mq,mbox-rw,mbox-ioctl,mbox-batch64}
hdr=$(dpkg-query -W -f='${Depends}' linux-headers-6.12-amd64 | sed 's/[ ,(].*//')
kver=${hdr#linux-headers-}
kdir=/usr/src/$hdr
work=$out/vm/ab

die() {
	echo "ab.sh: $*" >&2
	exit 2
}

[ -x "$out/bin/mbox-bench" ] || die "nothing built in $out; run 'make'"
if [ ! -d "$kdir" ] || [ ! -f "/boot/vmlinuz-$kver" ]; then
	die "Debian 6.12 is not installed; run 'make deps'"
fi

# The module sources of revision $1 (the working tree if empty) into $2.
sources() {
	mkdir -p "$2"
	if [ -n "$1" ]; then
		(cd "$top" && git archive "$1" Kbuild kmod uapi) | tar -x -C "$2"
	else
		(cd "$top" && cp --parents Kbuild kmod/Kbuild kmod/*.[ch] uapi/linux/*.h "$2/")
	fi
}

rm -rf "$work"
mkdir -p "$work"
for side in a b; do
	rev=$rev_a
	[ $side = b ] && rev=$rev_b
	sources "$rev" "$work/$side"
	make -C "$kdir" M="$work/$side" modules >"$work/$side.log" 2>&1 ||
		{ cat "$work/$side.log" >&2; die "mbox.ko ($side) does not build"; }
done

root=$work/root
mkdir -p "$root"/{bin,dev,proc,sys,tmp,etc,usr/bin,usr/lib,mbox}
cp /bin/busybox "$root/bin/"
cp "$work/a/kmod/mbox.ko" "$root/mbox/a.ko"
cp "$work/b/kmod/mbox.ko" "$root/mbox/b.ko"
cp "$out/bin/mbox-bench" "$out/selftests/vm/mbox-modload" "$root/usr/bin/"
cp -d "$out"/lib/libmbox*.so.* "$root/usr/lib/"
[ "${PERF:-0}" = 1 ] && cp "$(command -v perf)" "$root/usr/bin/"
for f in "$root"/usr/bin/*; do
	for lib in $(ldd "$f" 2>/dev/null | grep -o '/[^ ]*' | grep -v "^$out/"); do
		[ -e "$root$lib" ] || cp -L --parents "$lib" "$root/"
	done
done
cat >"$root/init" <<EOF
#!/bin/busybox sh
/bin/busybox --install -s
export PATH=/usr/bin:/bin HOME=/ PAGER=cat
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/shm /dev/mqueue
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp
mount -t mqueue mqueue /dev/mqueue
exec 3>/dev/ttyS1
stty -F /dev/ttyS1 raw -echo 2>/dev/null
for r in \$(seq $rounds); do
	for side in a b; do
		mbox-modload load /mbox/\$side.ko >&3 2>&1
		echo "# ab: round \$r \$side" >&3
		mbox-bench -L -t $transports -r 1 >&3 2>&1
		if [ "${PERF:-0}" = 1 ] && [ \$side = b ] && [ \$r = 1 ]; then
			echo -1 >/proc/sys/kernel/perf_event_paranoid
			echo 0 >/proc/sys/kernel/kptr_restrict
			echo "# ab: perf" >&3
			perf record -q -e cpu-clock -a -g -o /tmp/perf.data -- \
				mbox-bench -t ${transports%%,*} -r 1 >/dev/null 2>&1
			perf report -i /tmp/perf.data --stdio --no-children --sort sym \
				--percent-limit 0.3 -g none 2>/dev/null | grep '%' >&3
			echo "# ab: perf end" >&3
		fi
		mbox-modload unload mbox >&3 2>&1
	done
done
echo "# ab: done" >&3
poweroff -f
EOF
chmod 755 "$root/init"
(cd "$root" && find . | cpio -o -H newc -R 0:0 --quiet) >"$work/initramfs.cpio"

# shellcheck disable=SC2054 # QEMU's option values have commas
accel=(-accel tcg,thread=single -cpu max -icount shift=0,sleep=off)
[ "${ICOUNT:-1}" = 1 ] || accel=(-accel tcg -cpu max)
echo "# ab.sh: A=$rev_a B=${rev_b:-working tree}, $rounds rounds of mbox-bench -t $transports on $kver"
timeout 3600 qemu-system-x86_64 -nodefaults -display none -no-reboot "${accel[@]}" \
	-smp 2 -m 1G -kernel "/boot/vmlinuz-$kver" -initrd "$work/initramfs.cpio" \
	-append "console=ttyS0 loglevel=4 panic=-1 no_timer_check" \
	-serial "file:$work/console.log" -serial "file:$work/results.log" \
	</dev/null >"$work/qemu.log" 2>&1 || true
tr -d '\r' <"$work/results.log" >"$work/ab.txt"
grep -q '^# ab: done' "$work/ab.txt" || die "the VM did not finish; see $work/ab.txt"
sed -n '/^# ab: perf$/,/^# ab: perf end/p' "$work/ab.txt"

# The first rate of each transport's row in the streaming table is 64 B.
awk -v list="$transports" '
	/^# ab: round / { side = $5; run[side]++; next }
	/^== Streaming/ { on = 1; next }
	/^== / { on = 0 }
	on && $2 == "|" && $3 != "n/a" {
		v = $3
		if (v ~ /k$/) v *= 1e3
		else if (v ~ /M$/) v *= 1e6
		rate[side, run[side], $1] = v + 0
	}
	function median(a, n,   i, j, t) {
		for (i = 1; i <= n; i++)
			for (j = i + 1; j <= n; j++)
				if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	END {
		n = split(list, tr, ",")
		printf "64 B streaming, medians of %d runs each (A / B):\n", run["a"]
		printf "%-14s %12s %12s %7s %15s %15s\n", "transport", "A msg/s", "B msg/s", "B/A", "x pipe A / B", "x mq A / B"
		for (i = 1; i <= n; i++) {
			t = tr[i]
			for (s = 1; s <= 2; s++) {
				side = s == 1 ? "a" : "b"
				for (r = 1; r <= run[side]; r++) {
					x[r] = rate[side, r, t]
					p[r] = rate[side, r, "pipe"] ? x[r] / rate[side, r, "pipe"] : 0
					q[r] = rate[side, r, "posix-mq"] ? x[r] / rate[side, r, "posix-mq"] : 0
				}
				m[side] = median(x, run[side])
				mp[side] = median(p, run[side])
				mq[side] = median(q, run[side])
			}
			printf "%-14s %12.0f %12.0f %7.3f %7.2f / %5.2f %7.2f / %5.2f\n", t, m["a"], m["b"],
			       m["a"] ? m["b"] / m["a"] : 0, mp["a"], mp["b"], mq["a"], mq["b"]
		}
	}' "$work/ab.txt"
echo "# ab.sh: the full output is in $work/ab.txt"
