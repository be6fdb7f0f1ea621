# SPDX-License-Identifier: GPL-2.0
# bash completion for mboxctl(8): commands, options, and the names of the
# mailboxes and rings that exist (from "mboxctl ls").

# The names of the objects of type $1 (mailbox or ring).
_mboxctl_names()
{
	mboxctl ls 2>/dev/null | awk -v t="$1" 'NR > 1 && $1 == t { print $NF }'
}

_mboxctl()
{
	local cur prev words cword
	_init_completion 2>/dev/null || {
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD - 1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	}
	local cmd=${words[1]} sub= opts= type=mailbox

	if [ "$cword" -eq 1 ]; then
		COMPREPLY=($(compgen -W "create rm ls stat send recv inbox info watch ring --help" -- "$cur"))
		return
	fi
	if [ "$cmd" = ring ]; then
		if [ "$cword" -eq 2 ]; then
			COMPREPLY=($(compgen -W "create push pop stat rm --help" -- "$cur"))
			return
		fi
		sub=${words[2]}
		type=ring
	fi
	case "$cmd${sub:+ $sub}" in
	create) opts="-x -u -r -m -c -s --help" ;;
	rm | "ring rm") opts="--help" ;;
	ls | info) opts="--json --help" ;;
	stat | "ring stat") opts="--json --help" ;;
	send) opts="-n -t -P -S --to --nonblock --timeout --prio --sync --help" ;;
	recv) opts="-n -t -f -p -i -b --nonblock --timeout --from --peek --info --batch --help" ;;
	inbox) opts="-n -t -f -m -c --help" ;;
	watch) opts="-i -c --interval --count --help" ;;
	"ring create") opts="-x -m -s --help" ;;
	"ring push") opts="-n -t --help" ;;
	"ring pop") opts="-n -t -c --help" ;;
	*) return ;;
	esac
	# Options that take a value: nothing to offer but the value.
	case "$prev" in
	-m | -c | -s | -t | -P | -f | -b | -i | --to | --timeout | --prio | --from | --batch | --interval | --count)
		return ;;
	esac
	if [[ "$cur" == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
	elif [ "$cmd" = watch ]; then
		COMPREPLY=($(compgen -W "$(_mboxctl_names mailbox) $(_mboxctl_names ring)" -- "$cur"))
	elif [ "$cmd" != ls ] && [ "$cmd" != info ] && [ "$cmd" != inbox ]; then
		COMPREPLY=($(compgen -W "$(_mboxctl_names $type)" -- "$cur"))
	fi
}
complete -F _mboxctl mboxctl
