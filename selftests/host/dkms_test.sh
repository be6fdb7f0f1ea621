#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dkms_test.sh: "make install-dkms" gives a source tree that DKMS adds and
# builds against the kernel headers installed on this machine, as it would
# after a kernel upgrade. Runs on the host, in a private DKMS tree and
# source tree (dkms --dkmstree, --sourcetree) that it removes afterwards;
# /var/lib/dkms and /usr/src are not touched, and module signing is off
# (sign_file points nowhere) so that dkms generates no key.
#
# DKMS_KERNELS: the kernel releases to build for; default every release
# with a /lib/modules/RELEASE/build tree, but the PREEMPT_RT ones.
# Prints TAP; exits 1 if any check fails.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n $1"; failed=1; }
show() { sed 's/^/#   /' "$1"; }

echo "TAP version 13"
command -v dkms >/dev/null || { echo "1..0 # SKIP dkms is not installed"; exit 4; }

tmp=$(mktemp -d /tmp/mbox-dkms.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
version=$(make -s -C "$top" --no-print-directory print-version)
src=$tmp/source tree=$tmp/tree
mkdir -p "$src" "$tree"
before=$(ls -A /var/lib/dkms 2>/dev/null; ls -d /usr/src/mbox-* 2>/dev/null)

dkms_() {
	sign_file=/nonexistent dkms "$@" --dkmstree "$tree" --sourcetree "$src"
}

if make -s -C "$top" --no-print-directory install-dkms DESTDIR= \
	DKMS_SRCDIR="$src/mbox-$version" >"$tmp/log" 2>&1; then
	ok "make install-dkms into a private source tree"
else
	not_ok "make install-dkms into a private source tree"
	show "$tmp/log"
fi
if grep -qx "PACKAGE_VERSION=\"$version\"" "$src/mbox-$version/dkms.conf" 2>/dev/null; then
	ok "dkms.conf says version $version"
else
	not_ok "dkms.conf says version $version"
fi

if dkms_ add -m mbox -v "$version" >"$tmp/log" 2>&1; then
	ok "dkms add mbox/$version"
else
	not_ok "dkms add mbox/$version"
	show "$tmp/log"
fi

kernels=${DKMS_KERNELS:-$(for b in /lib/modules/*/build; do
	[ -d "$b" ] && basename "$(dirname "$b")"; done | grep -v -- -rt-)}
[ -n "$kernels" ] || not_ok "no kernel headers found under /lib/modules"
for k in $kernels; do
	if dkms_ build -m mbox -v "$version" -k "$k" >"$tmp/log" 2>&1; then
		ok "dkms build for $k"
	else
		not_ok "dkms build for $k"
		show "$tmp/log"
		cat "$tree/mbox/$version/build/make.log" 2>/dev/null | tail -n 30 | sed 's/^/#   /'
		continue
	fi
	ko=$(find "$tree/mbox/$version/$k" -name 'mbox.ko*' | head -n 1)
	magic=$(modinfo -F vermagic "$ko" 2>/dev/null)
	if [ -n "$ko" ] && [ "${magic%% *}" = "$k" ]; then
		ok "... mbox.ko is built for $k (vermagic '${magic%% *}')"
	else
		not_ok "... mbox.ko is built for $k (found '$ko', vermagic '$magic')"
	fi
	status=$(dkms_ status -m mbox -v "$version" -k "$k" 2>/dev/null)
	if [[ "$status" == *": built"* ]]; then
		ok "... dkms status says built"
	else
		not_ok "... dkms status says built"
	fi
done

after=$(ls -A /var/lib/dkms 2>/dev/null; ls -d /usr/src/mbox-* 2>/dev/null)
if [ "$before" = "$after" ]; then
	ok "the system's DKMS tree and /usr/src are untouched"
else
	not_ok "the system's DKMS tree and /usr/src are untouched"
fi

echo "1..$n"
exit $failed
