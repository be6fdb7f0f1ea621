#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The host side of "make check", run before the VMs boot: every
# selftests/host/*_test.sh (DKMS build, installed tree, man pages). Each
# prints TAP; this prints one line per test, "ok - host: NAME" or
# "not ok - host: NAME", then "# host: N passed, N failed", and exits 1 if
# any failed (exit status 4 of a test is a skip).
#
# Environment: T, as for the VM runner; host tests named in it run (and
# install_test for the VM's examples_test.sh), and the rest of T is left
# for the VM. With T unset every host test runs.
set -uo pipefail

hostdir=$(cd "$(dirname "$0")" && pwd)
out=$(realpath -m "${OUT:-build}")
all=$(cd "$hostdir" && ls *_test.sh | sed 's/\.sh$//')
want=$all
if [ -n "${T:-}" ]; then
	want=
	for t in $(echo "$T" | tr ',' ' '); do
		t=${t%.sh}
		grep -qx "$t" <<<"$all" && want+=" $t"
		# The VM's examples_test runs what install_test builds.
		[ "$t" = examples_test ] && want+=" install_test"
	done
fi
[ -n "$want" ] || exit 0

mkdir -p "$out/host"
pass=0 fail=0 skip=0
for t in $want; do
	log=$out/host/$t.log
	"$hostdir/$t.sh" >"$log" 2>&1
	rc=$?
	if [ $rc = 0 ]; then
		echo "ok - host: $t ($(grep -c '^ok ' "$log") checks)"
		pass=$((pass + 1))
	elif [ $rc = 4 ]; then
		echo "ok - host: $t # SKIP $(sed -n 's/.*# SKIP //p' "$log" | head -n 1)"
		skip=$((skip + 1))
	else
		echo "not ok - host: $t"
		grep -v '^ok ' "$log" | sed 's/^/# /'
		echo "# (full log: $log)"
		fail=$((fail + 1))
	fi
done
echo "# host: $pass passed, $fail failed$([ $skip = 0 ] || echo ", $skip skipped")"
[ $fail = 0 ]
