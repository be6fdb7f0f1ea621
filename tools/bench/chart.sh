#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# chart.sh BENCH.csv OUT.svg [TITLE]: draw mbox-bench's CSV with gnuplot:
# the streaming rate per transport and message size on the left, the 64 B
# median round-trip time per transport and CPU placement on the right.
set -eu
csv=$1
svg=$2
title=${3:-mbox-bench}
command -v gnuplot >/dev/null || { echo "chart.sh: gnuplot is missing (make deps)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# One row per transport, in the CSV's order; "-" where there is no figure.
awk -F, -v dir="$tmp" '
function get(a, t, k) { return ((t, k) in a) ? a[t, k] : "-" }
$1 == "stream" && $6 == "rate" {
	st[$2, $4] = $7
	if (!($2 in s_seen)) { s_seen[$2] = 1; s_order[ns++] = $2 }
}
$1 == "roundtrip" && $6 == "p50" && $4 == 64 {
	rt[$2, $3] = $7
	if (!($2 in r_seen)) { r_seen[$2] = 1; r_order[nr++] = $2 }
}
END {
	for (i = 0; i < ns; i++) {
		t = s_order[i]
		print t, get(st, t, 64), get(st, t, 4096), get(st, t, 65536) > (dir "/stream.dat")
	}
	for (i = 0; i < nr; i++) {
		t = r_order[i]
		print t, get(rt, t, "unpinned"), get(rt, t, "2cpu"), get(rt, t, "1cpu") > (dir "/rt.dat")
	}
}' "$csv"
[ -s "$tmp/stream.dat" ] && [ -s "$tmp/rt.dat" ] || { echo "chart.sh: no figures in $csv" >&2; exit 1; }

gnuplot <<GP
set terminal svg size 1280,560 dynamic enhanced font "sans,11" background "white"
set output "$svg"
set multiplot layout 1,2 title "$title"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set datafile missing "-"
set logscale y
set grid ytics
set xtics rotate by -45 scale 0 font ",10"
set key top left font ",10" opaque
set bmargin 7
set title "Streaming, 1 producer → 1 consumer (higher is better)"
set ylabel "messages/s (log)"
set format y "10^{%T}"
plot "$tmp/stream.dat" using 2:xtic(1) title "64 B", \
     "" using 3 title "4 KiB", "" using 4 title "64 KiB"
set title "Round trip, 64 B (lower is better)"
set ylabel "µs, p50 (log)"
set format y "%g"
plot "$tmp/rt.dat" using 2:xtic(1) title "unpinned", \
     "" using 3 title "pinned to 2 CPUs", "" using 4 title "pinned to 1 CPU"
unset multiplot
GP
