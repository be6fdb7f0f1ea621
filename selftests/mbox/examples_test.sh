#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# examples_test.sh: every program of examples/ runs to success, as built in
# the tree and as built against an installed tree with pkg-config, shared
# (with the installed libmbox.so) and static (selftests/host/
# install_test.sh builds those before the VM boots). Each example checks
# its own results and exits non-zero on any surprise. Prints TAP; exits 1
# if any check fails.

dir=/mbox/examples
n=0
failed=0

ok() {
	n=$((n + 1))
	echo "ok $n $1"
}

not_ok() {
	n=$((n + 1))
	echo "not ok $n $1"
	failed=1
}

# run DESCRIPTION PROGRAM: it exits 0 and prints no line twice (as a
# child would that inherits unflushed output); its output goes to the log
# as comments.
run() {
	out=$("$2" 2>&1)
	status=$?
	echo "$out" | sed 's/^/# /'
	if [ $status = 0 ]; then ok "$1"; else not_ok "$1 (status $status)"; fi
	twice=$(echo "$out" | sort | uniq -d)
	if [ -z "$twice" ]; then ok "... prints each line once"; else not_ok "... prints '$twice' twice"; fi
}

echo "TAP version 13"
names=$(ls $dir/tree)
if [ -z "$names" ]; then
	not_ok "no examples in $dir/tree"
fi
for name in $names; do
	run "$name (built in the tree)" "$dir/tree/$name"
	if [ -x "$dir/shared/$name" ]; then
		LD_LIBRARY_PATH=$dir/lib run "$name (installed tree, shared)" "$dir/shared/$name"
	else
		not_ok "$name (installed tree, shared): not built; run selftests/host/install_test.sh"
	fi
	if [ -x "$dir/static/$name" ]; then
		run "$name (installed tree, static)" "$dir/static/$name"
	else
		not_ok "$name (installed tree, static): not built; run selftests/host/install_test.sh"
	fi
done

echo "1..$n"
exit $failed
