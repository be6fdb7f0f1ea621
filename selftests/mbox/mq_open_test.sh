#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's tools/testing/selftests/mqueue/mq_open_tests, built unmodified
# from Debian's linux-source-6.1 against libmbox-mq. It prints a line
# ending in PASS or FAIL for each check and exits 0 either way (non-zero
# only when it cannot go on), so this turns its lines into TAP: every PASS
# and FAIL is a test, and its exit status one more.
cd "$(dirname "$0")" || exit 1
bin=./mq_open_tests

echo "TAP version 13"
# Linked against libmbox-mq, or it would test the kernel's mqueue.
if ! grep -q 'libmbox-mq\.so\.1' "$bin"; then
	echo "1..1"
	echo "not ok 1 - $bin is not linked against libmbox-mq"
	exit 1
fi
out=$("$bin" /mbox_mq_open_test 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
results=$(echo "$out" | tr -d '\t' | grep -E '(PASS|FAIL)$')
n=$(echo "$results" | grep -c -E '(PASS|FAIL)$')
echo "1..$((n + 1))"
i=0
fails=0
echo "$results" | {
	while read -r line; do
		i=$((i + 1))
		case $line in
		*PASS) echo "ok $i - $line" ;;
		*) echo "not ok $i - $line" ;;
		esac
	done
}
fails=$(echo "$results" | grep -c 'FAIL$')
if [ "$rc" = 0 ] && [ "$n" -gt 0 ]; then
	echo "ok $((n + 1)) - mq_open_tests exited 0 after $n checks"
else
	echo "not ok $((n + 1)) - mq_open_tests exited $rc after $n checks"
	fails=$((fails + 1))
fi
[ "$fails" = 0 ]
