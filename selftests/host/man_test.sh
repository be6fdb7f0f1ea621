#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# man_test.sh: the man pages render with no warning under "mandoc -T lint"
# and "man -l" (groff), and they keep up with the code. (mandoc's STYLE
# level, below warnings, also reports the cross-references to pages not
# installed yet and ".Os Linux", which groff needs or it prints "BSD" in
# the footer; those are not checked.)
#  - every MBOX_IOC_* command of the uapi header is in mbox(4);
#  - every function libmbox exports (lib/libmbox.map) and every inline
#    function of <libmbox.h> is named by a section 3 page, and "man NAME"
#    finds it once installed;
#  - every MBOX_* name a page mentions exists in <linux/mbox.h> or
#    <libmbox.h>, so a renamed constant cannot linger in the pages;
#  - every mboxctl command and ring command has its place in mboxctl(8).
# Prints TAP; exits 1 if any check fails.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
out=$(cd "$top" && realpath -m "${OUT:-build}")
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n $1"; failed=1; }

echo "TAP version 13"
command -v mandoc >/dev/null || { echo "1..0 # SKIP mandoc is not installed"; exit 4; }
cd "$top" || exit 1
pages=$(ls man/*.[1-8])
uapi=uapi/linux/mbox.h
hdr=lib/include/libmbox.h

for p in $pages; do
	msg=$(mandoc -T lint -W warning "$p" 2>&1)
	if [ -z "$msg" ]; then ok "$p: mandoc -T lint"; else not_ok "$p: mandoc -T lint"; echo "$msg" | sed 's/^/#   /'; fi
	msg=$(MANWIDTH=80 man --warnings -l "$p" 2>&1 >/dev/null)
	if [ -z "$msg" ]; then ok "$p: man -l"; else not_ok "$p: man -l"; echo "$msg" | sed 's/^/#   /'; fi
done

nsec3=$(ls man/*.3 | grep -vc libmbox.3)
if [ "$nsec3" -ge 6 ]; then ok "$nsec3 function pages in section 3"; else not_ok "$nsec3 function pages in section 3 (want 6)"; fi

for ioc in $(sed -n 's/^#define \(MBOX_IOC_[A-Z_]*\)[[:space:]]*_IO.*/\1/p' "$uapi"); do
	if grep -q "Dv $ioc\b" man/mbox.4; then ok "mbox(4) documents $ioc"; else not_ok "mbox(4) documents $ioc"; fi
done

named=$(sed -n 's/^\.Nm \([a-z_]*\).*/\1/p' man/*.3 | sort -u)
funcs=$( (sed -n 's/^[[:space:]]*\(mbox_[a-z_]*\);$/\1/p' lib/libmbox.map
	  sed -n 's/^mbox_\([a-z_]*\)(.*/mbox_\1/p' "$hdr") | sort -u)
for f in $funcs; do
	if grep -qx "$f" <<<"$named"; then ok "a page names $f()"; else not_ok "a page names $f()"; fi
done

known=$(grep -ohE '\bMBOX_[A-Z0-9_]+' "$uapi" "$hdr" | sort -u)
for m in $(grep -hv '^\.Dt' $pages | grep -oE '\bMBOX_[A-Z0-9_]+' | sort -u); do
	# MBOX_FEAT_* and the like stand for a family.
	case $m in *_) grep -q "^$m" <<<"$known" && continue ;; esac
	if grep -qx "$m" <<<"$known"; then ok "$m exists"; else not_ok "$m, in a page, is in no header"; fi
done

mboxctl=$out/bin/mboxctl
if [ -x "$mboxctl" ]; then
	help=$("$mboxctl" --help)
	while read -r c; do
		case $c in ring\ *) ;; *) c=${c%% *} ;; esac
		if grep -q "^\.Cm $c\$" man/mboxctl.8; then ok "mboxctl(8) has $c"; else not_ok "mboxctl(8) has $c"; fi
	done < <(echo "$help" | sed -nE 's/^(usage:)? +mboxctl ([a-z]+( [a-z]+)?).*/\2/p' | sort -u)
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if make -s --no-print-directory install-man DESTDIR="$tmp" PREFIX=/usr >"$tmp/log" 2>&1; then
	ok "make install-man"
	for f in $funcs libmbox; do
		if [ -n "$(man -M "$tmp/usr/share/man" -w 3 "$f" 2>/dev/null)" ]; then
			ok "man 3 $f finds its page"
		else
			not_ok "man 3 $f finds its page"
		fi
	done
	for p in "4 mbox" "8 mboxctl"; do
		if [ -n "$(man -M "$tmp/usr/share/man" -w $p 2>/dev/null)" ]; then ok "man $p"; else not_ok "man $p"; fi
	done
else
	not_ok "make install-man"
	sed 's/^/#   /' "$tmp/log"
fi

echo "1..$n"
exit $failed
