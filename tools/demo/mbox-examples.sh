#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The examples/ part of "make demo": each program of examples/, in turn.
dir=${1:-/mbox/examples/tree}
status=0
for prog in "$dir"/*; do
	echo
	echo "== examples/$(basename "$prog").c =="
	"$prog" || { echo "(exit status $?)"; status=1; }
done
exit $status
