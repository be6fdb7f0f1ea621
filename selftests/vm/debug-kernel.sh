#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# debug-kernel.sh [VERSION]: build a debug test kernel once, and print the
# directory of its tree.
#
# VERSION is the Debian linux-source-VERSION package to build from: 6.1 (the
# default; the "debug" kernel of run.sh) or 6.12 ("debug-6.12"). The tree is
# "make tinyconfig" plus base.config (booting), ../mbox/config (what the
# tests need) and debug.config (KASAN, UBSAN, lockdep, kmemleak, fault
# injection...), the same fragments for every version. It is kept under
# $MBOX_CACHE (default /var/tmp/mbox-cache), keyed by the source package
# version and a hash of the fragments and of this script, so a later run, or
# another clone, reuses it. Builds take turns (one lock per cache). About
# 6 minutes on 2 cores.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
ver=${1:-6.1}
case $ver in
6.1 | 6.12) ;;
*) echo "debug-kernel: unknown source version '$ver' (known: 6.1 6.12)" >&2; exit 2 ;;
esac
tarball=/usr/src/linux-source-$ver.tar.xz
frags=("$here/base.config" "$here/../mbox/config" "$here/debug.config")
cache=${MBOX_CACHE:-/var/tmp/mbox-cache}

[ -f "$tarball" ] || { echo "debug-kernel: $tarball is missing; run 'make deps'" >&2; exit 1; }
srcver=$(dpkg-query -W -f='${Version}' "linux-source-$ver")
key=$(cat "${frags[@]}" "$0" | sha256sum | cut -c1-16)
tree=$cache/linux-$srcver-debug-$key

if [ -f "$tree/.mbox-ready" ]; then
	echo "$tree"
	exit 0
fi

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
if [ -f "$tree/.mbox-ready" ]; then
	echo "$tree"
	exit 0
fi

log=$cache/build-$srcver-$key.log
echo "debug-kernel: building linux $srcver with the debug fragments (log: $log)" >&2
start=$SECONDS
tmp=$tree.tmp
rm -rf "$tmp"
mkdir -p "$tmp"
{
	tar -C "$tmp" --strip-components=1 -xJf "$tarball"
	cd "$tmp"
	make tinyconfig
	scripts/kconfig/merge_config.sh -m .config "${frags[@]}"
	make olddefconfig
} >"$log" 2>&1 || { tail -n 30 "$log" >&2; exit 1; }

# A dependency that is not met makes Kconfig drop an option without a word:
# check that every option we asked for made it, and that every option we
# turned off stayed off (an option this version lacks is off).
missing=$(grep -h -e '^CONFIG_' -e '^# CONFIG_.* is not set$' "${frags[@]}" |
	while IFS= read -r opt; do
		case $opt in
		'# '*)
			opt=${opt#\# }
			opt=${opt% is not set}
			! grep -q "^$opt=" "$tmp/.config" || echo "$opt(off)"
			;;
		*) grep -qx "$opt" "$tmp/.config" || echo "$opt" ;;
		esac
	done)
if [ -n "$missing" ]; then
	echo "debug-kernel: Kconfig dropped:" $missing >&2
	exit 1
fi

jobs=$(($(nproc) + 1))
(cd "$tmp" && make -j"$jobs" bzImage modules && make modules_prepare) >>"$log" 2>&1 ||
	{ tail -n 30 "$log" >&2; exit 1; }
# Keep what out-of-tree module builds need; drop the bulky objects.
find "$tmp" -name '*.o' ! -path '*/scripts/*' ! -path '*/tools/*' -delete
touch "$tmp/.mbox-ready"
rm -rf "$tree"
mv "$tmp" "$tree"
echo "debug-kernel: built linux $srcver in $((SECONDS - start)) s" >&2
echo "$tree"
