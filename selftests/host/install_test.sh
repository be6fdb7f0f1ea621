#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# install_test.sh: what a newcomer does after "make install". Installs into
# a DESTDIR with the default PREFIX (/usr/local, multiarch LIBDIR), checks
# the installed tree, then compiles every examples/*.c against it using
# only "pkg-config --cflags --libs libmbox" (PKG_CONFIG_PATH and
# PKG_CONFIG_SYSROOT_DIR pointing into the DESTDIR), once shared and once
# with --static. The programs go to $OUT/installed/{shared,static}/, with
# the installed libmbox.so in $OUT/installed/lib/, for the VM to run them
# (selftests/mbox/examples_test.sh).
# Prints TAP; exits 1 if any check fails.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
out=$(cd "$top" && realpath -m "${OUT:-build}")
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n $1"; failed=1; }
# has DESCRIPTION TEST...: the test command succeeds.
has() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }

echo "TAP version 13"
dest=$out/installed/destdir
rm -rf "$out/installed"
mkdir -p "$dest" "$out/installed/shared" "$out/installed/static" "$out/installed/lib"

if make -s -C "$top" --no-print-directory install DESTDIR="$dest" >"$out/installed/log" 2>&1; then
	ok "make install DESTDIR=..."
else
	not_ok "make install DESTDIR=..."
	sed 's/^/#   /' "$out/installed/log"
fi

multiarch=$(${CC:-cc} -print-multiarch)
prefix=$dest/usr/local
libdir=$prefix/lib/$multiarch
version=$(make -s -C "$top" --no-print-directory print-version)
has "libmbox.so.$version in the multiarch LIBDIR" test -f "$libdir/libmbox.so.$version"
has "libmbox.so.1 -> libmbox.so.$version" test "$(readlink "$libdir/libmbox.so.1")" = "libmbox.so.$version"
has "libmbox.so -> libmbox.so.1 (for -lmbox)" test "$(readlink "$libdir/libmbox.so")" = libmbox.so.1
has "the soname is libmbox.so.1" \
	bash -c "readelf -d '$libdir/libmbox.so.$version' | grep -q 'SONAME.*\[libmbox.so.1\]'"
# Every symbol exported, and only those, carries a LIBMBOX_ version.
syms=$(objdump -T "$libdir/libmbox.so.$version" 2>/dev/null | awk '$4 == ".text" { print $(NF-1), $NF }')
has "exported functions carry a LIBMBOX_ version" \
	test -n "$syms" -a -z "$(echo "$syms" | awk '$1 !~ /^LIBMBOX_/')"
has "every function of libmbox.map is exported" \
	test "$(sed -n 's/^[[:space:]]*\(mbox_[a-z_]*\);$/\1/p' "$top/lib/libmbox.map" | sort)" = \
	     "$(echo "$syms" | awk '{ print $2 }' | sort)"
has "libmbox.a" test -f "$libdir/libmbox.a"
has "libmbox.pc" test -f "$libdir/pkgconfig/libmbox.pc"
has "<libmbox.h>" test -f "$prefix/include/libmbox.h"
has "<linux/mbox.h>" cmp -s "$prefix/include/linux/mbox.h" "$top/uapi/linux/mbox.h"
has "mboxctl" test -x "$prefix/bin/mboxctl"
# Nothing installed may look for libraries in the build tree.
for elf in "$prefix"/bin/* "$libdir"/*.so.*; do
	[ -L "$elf" ] && continue
	has "${elf#"$prefix"/} has no run path" \
		bash -c "! readelf -d '$elf' | grep -qE '\((RPATH|RUNPATH)\)'"
done
has "the bash completion" test -f "$prefix/share/bash-completion/completions/mboxctl"
has "man pages in sections 3, 4 and 8" test -f "$prefix/share/man/man3/libmbox.3" \
	-a -f "$prefix/share/man/man4/mbox.4" -a -f "$prefix/share/man/man8/mboxctl.8"

export PKG_CONFIG_PATH=$libdir/pkgconfig PKG_CONFIG_SYSROOT_DIR=$dest PKG_CONFIG_LIBDIR=
has "pkg-config knows libmbox $version" test "$(pkg-config --modversion libmbox 2>&1)" = "$version"
shared=$(pkg-config --cflags --libs libmbox)
static=$(pkg-config --static --cflags --libs libmbox)
has "pkg-config points into the DESTDIR" test "${shared#*-I$prefix/include}" != "$shared"
echo "# shared: $shared"
echo "# static: $static"

for src in "$top"/examples/*.c; do
	name=$(basename "$src" .c)
	bin=$out/installed/shared/$name
	# shellcheck disable=SC2086
	if ${CC:-cc} -Wall -Werror -o "$bin" "$src" $shared 2>"$out/installed/cc.log"; then
		ok "$name builds against the installed tree, shared"
	else
		not_ok "$name builds against the installed tree, shared"
		sed 's/^/#   /' "$out/installed/cc.log"
	fi
	has "... and needs libmbox.so.1" bash -c "readelf -d '$bin' | grep -q 'NEEDED.*\[libmbox.so.1\]'"
	bin=$out/installed/static/$name
	# shellcheck disable=SC2086
	if ${CC:-cc} -Wall -Werror -static -o "$bin" "$src" $static 2>"$out/installed/cc.log"; then
		ok "$name builds against the installed tree, static"
	else
		not_ok "$name builds against the installed tree, static"
		sed 's/^/#   /' "$out/installed/cc.log"
	fi
	has "... and needs no shared library" bash -c "! readelf -d '$bin' 2>/dev/null | grep -q NEEDED"
done
cp -d "$libdir"/libmbox.so.* "$out/installed/lib/"

echo "1..$n"
exit $failed
