#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# completion_test.sh: the bash completion of mboxctl offers every command
# and ring command that "mboxctl --help" lists, and every option that each
# one's "--help" names, so that a new command or option cannot be left out.
# Runs on the host: --help needs no /dev/mbox. Prints TAP; exits 1 if any
# check fails.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
out=$(cd "$top" && realpath -m "${OUT:-build}")
mboxctl=$out/bin/mboxctl
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n $1"; failed=1; }

echo "TAP version 13"
[ -x "$mboxctl" ] || { echo "1..0 # SKIP $mboxctl is not built"; exit 4; }
# shellcheck source=../../tools/mboxctl/mboxctl.bash
source "$top/tools/mboxctl/mboxctl.bash"

# complete WORD...: what completing the last word offers.
complete_() {
	COMP_WORDS=(mboxctl "$@")
	COMP_CWORD=$#
	COMPREPLY=()
	_mboxctl
	echo "${COMPREPLY[*]}"
}

help=$("$mboxctl" --help)
cmds=$(echo "$help" | sed -nE 's/^(usage:)? +mboxctl ([a-z]+).*/\2/p' | uniq)
rcmds=$(echo "$help" | sed -nE 's/^(usage:)? +mboxctl ring ([a-z]+).*/\2/p')
[ -n "$cmds" ] && [ -n "$rcmds" ] || not_ok "mboxctl --help lists commands"
offered=" $(complete_ "") "
for c in $cmds; do
	if [[ "$offered" == *" $c "* ]]; then ok "offers $c"; else not_ok "offers $c"; fi
done
offered=" $(complete_ ring "") "
for c in $rcmds; do
	if [[ "$offered" == *" $c "* ]]; then ok "offers ring $c"; else not_ok "offers ring $c"; fi
done

# Every option in a command's usage lines.
check_opts() {
	local usage opt offered
	usage=$("$mboxctl" "$@" --help | grep -E '^(usage:)? +mboxctl ')
	offered=" $(complete_ "$@" -) $(complete_ "$@" --) "
	for opt in $(echo "$usage" | grep -oE -- '(^|[[ ])--?[a-zA-Z][a-z]*' | tr -d '[ ' | sort -u); do
		if [[ "$offered" == *" $opt "* ]]; then
			ok "$* offers $opt"
		else
			not_ok "$* offers $opt (offered:$offered)"
		fi
	done
}
for c in $cmds; do
	[ "$c" = ring ] || check_opts "$c"
done
for c in $rcmds; do
	check_opts ring "$c"
done

echo "1..$n"
exit $failed
