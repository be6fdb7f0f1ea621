#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mboxctl_test.sh: mboxctl as a shell script would use it. Prints TAP; exits
# 1 if any check fails.

n=0
failed=0
tmp=$(mktemp -d)
q=ctl-$$

ok() {
	n=$((n + 1))
	echo "ok $n $1"
}

not_ok() {
	n=$((n + 1))
	echo "not ok $n $1"
	failed=1
}

# expect STATUS DESCRIPTION COMMAND...: COMMAND exits with STATUS.
expect() {
	want=$1 desc=$2
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" = "$want" ]; then
		ok "$desc"
	else
		not_ok "$desc (status $got, wanted $want)"
		sed 's/^/#   /' "$tmp/err"
	fi
}

# stderr_has PATTERN DESCRIPTION: the last command's stderr matches.
stderr_has() {
	if grep -q -- "$1" "$tmp/err"; then
		ok "$2"
	else
		not_ok "$2"
		sed 's/^/#   /' "$tmp/err"
	fi
}

# stdout_is TEXT DESCRIPTION: the last command printed exactly TEXT.
stdout_is() {
	if [ "$(cat "$tmp/out")" = "$1" ] && [ "$(wc -c <"$tmp/out")" = "${#1}" ]; then
		ok "$2"
	else
		not_ok "$2: got '$(cat "$tmp/out")'"
	fi
}

# until_ok PID COMMAND...: run COMMAND until it succeeds, as long as the
# background process PID lives. A poll on a state that PID is sure to reach
# and then hold, never a guess at how long it takes: there is no wall-clock
# limit (the test bed's per-test timeout reports a state that never comes).
until_ok() {
	pid=$1
	shift
	until "$@"; do
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.05
	done
}

# one_receiver_waits NAME: exactly one receiver is blocked on mailbox NAME.
one_receiver_waits() {
	mboxctl stat "$1" | grep -q "waiting: *0 senders, 1 receivers"
}

echo "TAP version 13"

expect 0 "create" mboxctl create "$q"
expect 1 "create -x of an existing mailbox fails" mboxctl create -x "$q"
stderr_has "EEXIST" "... and says EEXIST"
expect 0 "create without -x opens the existing one" mboxctl create "$q"

expect 0 "ls" mboxctl ls
if grep -q " $q\$" "$tmp/out"; then ok "ls lists it"; else not_ok "ls lists it"; fi

expect 0 "send from an argument" mboxctl send "$q" hello
printf 'from\nstdin' >"$tmp/in"
expect 0 "send from stdin" sh -c "mboxctl send $q < $tmp/in"
expect 0 "send an empty message" mboxctl send "$q" ""

expect 0 "stat" mboxctl stat "$q"
if grep -q "queued: *3 messages, 15 bytes" "$tmp/out"; then ok "stat counts 3 messages"; else not_ok "stat counts 3 messages"; sed 's/^/#   /' "$tmp/out"; fi

expect 0 "recv" mboxctl recv "$q"
stdout_is "hello" "recv prints the first message as it is"
expect 0 "recv the second" mboxctl recv "$q"
if cmp -s "$tmp/out" "$tmp/in"; then ok "multi-line message intact"; else not_ok "multi-line message intact"; fi
expect 0 "recv the empty one" mboxctl recv "$q"
stdout_is "" "the empty message prints nothing"

expect 4 "recv -n on an empty mailbox exits 4" mboxctl recv -n "$q"
stderr_has "EAGAIN" "... and says EAGAIN"
expect 3 "recv -t 0.2 on an empty mailbox exits 3" mboxctl recv -t 0.2 "$q"
stderr_has "ETIMEDOUT" "... and says ETIMEDOUT"

# A receiver waiting in the background gets a message sent later.
mboxctl recv "$q" >"$tmp/bg" 2>&1 &
bg=$!
if until_ok $bg one_receiver_waits "$q"; then ok "the receiver blocks"; else not_ok "the receiver blocks"; fi
expect 0 "send to a blocked receiver" mboxctl send "$q" wake-up
if wait $bg && [ "$(cat "$tmp/bg")" = "wake-up" ]; then
	ok "the blocked receiver got it"
else
	not_ok "the blocked receiver got it"
fi

s=small-$$
expect 0 "create -c 1 -s 8 -m 640" mboxctl create -x -c 1 -s 8 -m 640 "$s"
expect 0 "stat it" mboxctl stat "$s"
if grep -q "capacity: *1 messages" "$tmp/out" && grep -q "msg size: *8 bytes" "$tmp/out" &&
   grep -q "mode 0640" "$tmp/out"; then
	ok "attributes as asked"
else
	not_ok "attributes as asked"
	sed 's/^/#   /' "$tmp/out"
fi
# The mode given is the mode the object gets, whatever the umask.
u=umask-$$
expect 0 "create -m 0666 under umask 077" sh -c "umask 077; mboxctl create -x -m 0666 $u"
expect 0 "stat it" mboxctl stat "$u"
if grep -q "mode 0666" "$tmp/out"; then ok "mboxctl clears its umask"; else not_ok "mboxctl clears its umask"; sed 's/^/#   /' "$tmp/out"; fi
expect 0 "rm it" mboxctl rm "$u"
expect 1 "a message over the size fails" mboxctl send "$s" 123456789
stderr_has "EMSGSIZE" "... and says EMSGSIZE"
expect 0 "fill it" mboxctl send "$s" 12345678
expect 4 "send -n to a full mailbox exits 4" mboxctl send -n "$s" x
expect 3 "send -t 0.1 to a full mailbox exits 3" mboxctl send -t 0.1 "$s" x

b=binary-$$
head -c 4000 /dev/urandom >"$tmp/bin"
expect 0 "create for binary data" mboxctl create -x "$b"
expect 0 "send binary data from stdin" sh -c "mboxctl send $b < $tmp/bin"
expect 0 "recv binary data" sh -c "mboxctl recv $b > $tmp/bin2"
if cmp -s "$tmp/bin" "$tmp/bin2"; then ok "binary data intact"; else not_ok "binary data intact"; fi

expect 1 "open a missing mailbox" mboxctl recv -n "missing-$$"
stderr_has "ENOENT" "... says ENOENT"
expect 1 "a bad name" mboxctl create "a/b"
stderr_has "EINVAL" "... says EINVAL"
expect 2 "unknown command" mboxctl frobnicate
expect 2 "missing name" mboxctl recv
expect 2 "bad timeout" mboxctl recv -t soon "$q"
expect 2 "bad capacity" mboxctl create -c lots x
expect 0 "info" mboxctl info
if grep -q "abi_version: *1" "$tmp/out"; then ok "info shows the ABI"; else not_ok "info shows the ABI"; fi

# Priorities, peek, sender identity.
p=prio-$$
expect 0 "create for priorities" mboxctl create -x "$p"
expect 0 "send at priority 0" mboxctl send "$p" low
expect 0 "send at priority 9" mboxctl send -P 9 "$p" high
expect 2 "priority out of range" mboxctl send -P 32 "$p" x
expect 0 "peek" mboxctl recv -p "$p"
stdout_is "high" "peek shows the highest priority"
expect 0 "recv -i" mboxctl recv -i "$p"
stdout_is "high" "... which is still there"
if grep -q "^pid [0-9][0-9]* uid 0 gid 0 prio 9 len 4\$" "$tmp/err"; then
	ok "recv -i tells sender and priority"
else
	not_ok "recv -i tells sender and priority"
	sed 's/^/#   /' "$tmp/err"
fi

# receive(Q): only from one sender, whose pid we know from $!.
mboxctl send "$p" other-sender
mboxctl send "$p" from-bg &
bgsend=$!
wait $bgsend
expect 0 "recv -f PID" mboxctl recv -f "$bgsend" "$p"
stdout_is "from-bg" "recv -f takes that sender's message first"
expect 4 "recv -n -f of a pid with nothing queued" mboxctl recv -n -f 1 "$p"

# Batches: several messages in one call each way.
expect 0 "send a batch" mboxctl send "$p" one two three
expect 0 "recv a batch" mboxctl recv -b 10 -n "$p"
if [ "$(cat "$tmp/out")" = "$(printf 'low\nother-sender\none\ntwo\nthree')" ]; then
	ok "the batch holds every message, in order"
else
	not_ok "the batch holds every message, in order: '$(cat "$tmp/out")'"
fi

# Rendezvous and synchronous send.
r=rdv-$$
expect 0 "create -r" mboxctl create -x -r "$r"
expect 0 "stat it" mboxctl stat "$r"
if grep -q "capacity: *0 (rendezvous)" "$tmp/out"; then ok "stat says rendezvous"; else not_ok "stat says rendezvous"; fi
expect 4 "send -n with nobody to take it" mboxctl send -n "$r" x
expect 3 "send -t with nobody to take it" mboxctl send -t 0.1 "$r" x
mboxctl recv "$r" >"$tmp/bg" 2>&1 &
bg=$!
if until_ok $bg one_receiver_waits "$r"; then ok "the receiver blocks"; else not_ok "the receiver blocks"; fi
expect 0 "a rendezvous with a waiting receiver" mboxctl send -n "$r" met
if wait $bg && [ "$(cat "$tmp/bg")" = "met" ]; then ok "the receiver got it"; else not_ok "the receiver got it"; fi
expect 3 "send -S -t with nobody receiving times out" mboxctl send -S -t 0.1 "$p" withdrawn
expect 4 "... and the message was withdrawn" mboxctl recv -n "$p"

# send(P): a process's inbox, by pid.
# The first send is retried (ESRCH) until the background process has opened
# its inbox.
mboxctl inbox -c 2 >"$tmp/inbox" 2>&1 &
ib=$!
if until_ok $ib mboxctl send --to "$ib" first 2>/dev/null; then
	ok "send --to PID once the inbox is open"
else
	not_ok "send --to PID once the inbox is open"
fi
expect 0 "send --to PID" mboxctl send -P 3 --to "$ib" second
if wait $ib && grep -q "^\[pid [0-9]* uid 0 prio 0\] first\$" "$tmp/inbox" &&
   grep -q "^\[pid [0-9]* uid 0 prio 3\] second\$" "$tmp/inbox"; then
	ok "the inbox got both, with sender and priority"
else
	not_ok "the inbox got both, with sender and priority"
	sed 's/^/#   /' "$tmp/inbox"
fi
expect 1 "send --to a process without an inbox" mboxctl send --to $$ x
stderr_has "ESRCH" "... says ESRCH"
expect 2 "send --to 0" mboxctl send --to 0 x
expect 0 "rm" mboxctl rm "$p" "$r"

# Rings, through the kernel's read() and write().
g=ring-$$
expect 0 "ring create -m 0644 under umask 077" sh -c "umask 077; mboxctl ring create -x -m 0644 -s 8192 $g"
expect 1 "ring create -x again" mboxctl ring create -x "$g"
stderr_has "EEXIST" "... says EEXIST"
expect 1 "ring create with a bad size" mboxctl ring create -s 5000 "bad-$$"
stderr_has "EINVAL" "... says EINVAL"
expect 0 "ring push" mboxctl ring push "$g" first second
printf 'from stdin' >"$tmp/rin"
expect 0 "ring push from stdin" sh -c "mboxctl ring push $g < $tmp/rin"
expect 0 "ring stat" mboxctl ring stat "$g"
if grep -q "mode 0644" "$tmp/out"; then ok "ring create clears the umask too"; else not_ok "ring create clears the umask too"; fi
if grep -q "in use: *56 bytes" "$tmp/out" && grep -q "size: *8192 bytes" "$tmp/out"; then
	ok "ring stat counts three records"
else
	not_ok "ring stat counts three records"
	sed 's/^/#   /' "$tmp/out"
fi
expect 0 "ls shows the ring" mboxctl ls
if grep -q "^ring .* $g\$" "$tmp/out"; then ok "its type is ring"; else not_ok "its type is ring"; fi
expect 0 "ring pop" mboxctl ring pop "$g"
stdout_is "first" "ring pop prints one record as it is"
expect 0 "ring pop -c 2" mboxctl ring pop -c 2 "$g"
if [ "$(cat "$tmp/out")" = "$(printf 'second\nfrom stdin')" ]; then ok "records in order"; else not_ok "records in order"; fi
expect 4 "ring pop -n on an empty ring" mboxctl ring pop -n "$g"
expect 3 "ring pop -t on an empty ring" mboxctl ring pop -t 0.1 "$g"
expect 1 "ring push of an empty record" mboxctl ring push "$g" ""
stderr_has "EINVAL" "... says EINVAL"
head -c 9000 /dev/zero >"$tmp/big"
expect 1 "ring push of a record bigger than the ring" sh -c "mboxctl ring push $g < $tmp/big"
stderr_has "EMSGSIZE" "... says EMSGSIZE"
expect 0 "ring rm" mboxctl ring rm "$g"
expect 1 "ring rm again" mboxctl ring rm "$g"
stderr_has "ENOENT" "... says ENOENT"

# --help: every command the global usage lists, and every ring command.
expect 0 "--help" mboxctl --help
cmds=$(sed -nE 's/^(usage:)? +mboxctl ([a-z]+).*/\2/p' "$tmp/out" | uniq)
rcmds=$(sed -nE 's/^(usage:)? +mboxctl ring ([a-z]+).*/\2/p' "$tmp/out")
if [ "$(echo $cmds | wc -w)" -ge 10 ] && [ "$(echo $rcmds | wc -w)" -ge 5 ]; then
	ok "--help lists the commands: $(echo $cmds)"
else
	not_ok "--help lists the commands: '$(echo $cmds)' / '$(echo $rcmds)'"
fi
for c in $cmds; do
	expect 0 "$c --help" mboxctl "$c" --help
	if head -n 1 "$tmp/out" | grep -q "^usage: mboxctl $c "; then
		ok "... prints the usage of $c"
	else
		not_ok "... prints the usage of $c: '$(head -n 1 "$tmp/out")'"
	fi
done
for c in $rcmds; do
	expect 0 "ring $c --help" mboxctl ring "$c" --help
	if head -n 1 "$tmp/out" | grep -q "^usage: mboxctl ring $c "; then
		ok "... prints the usage of ring $c"
	else
		not_ok "... prints the usage of ring $c: '$(head -n 1 "$tmp/out")'"
	fi
done
expect 2 "ring with an unknown command and --help" mboxctl ring frobnicate --help

# --json, read by a real parser (jq) and checked against the text output
# and the values the kernel must report.
# jqt DESCRIPTION FILTER: jq -e FILTER holds on the last command's stdout.
jqt() {
	if jq -e "$2" "$tmp/out" >/dev/null 2>"$tmp/jqerr"; then
		ok "$1"
	else
		not_ok "$1: $2"
		sed 's/^/#   /' "$tmp/out" "$tmp/jqerr"
	fi
}
expect 0 "info" mboxctl info
cp "$tmp/out" "$tmp/info.txt"
expect 0 "info --json" mboxctl info --json
jqt "info --json has as many fields as info" "length == $(wc -l <"$tmp/info.txt")"
while read -r key val; do
	key=${key%:}
	jqt "info --json: $key is $val" ".$key == $((val))"
done <"$tmp/info.txt"

j=json-$$
expect 0 "create for --json" mboxctl create -x -c 5 -s 100 -m 640 "$j"
mboxctl send "$j" ab && mboxctl send -P 3 "$j" cde && mboxctl recv "$j" >/dev/null &&
	mboxctl send "$j" fghi
expect 0 "stat --json" mboxctl stat --json "$j"
jqt "stat --json: name, attributes" \
	".name == \"$j\" and .capacity == 5 and .msg_size == 100 and .mode == 416 and .unbounded == false and .rendezvous == false and .unlinked == false"
jqt "stat --json: queued 2 messages, 6 bytes" ".queued == 2 and .queued_bytes == 6"
jqt "stat --json: 3 sent, 1 received" ".sent == 3 and .received == 1"
# The receive took the priority-3 message, "cde".
jqt "stat --json: 9 bytes sent, 3 received" ".sent_bytes == 9 and .received_bytes == 3"
jqt "stat --json: nobody bound or waiting" \
	".readers == 0 and .writers == 0 and .waiting_senders == 0 and .waiting_receivers == 0"
expect 0 "stat" mboxctl stat "$j"
if grep -q "queued: *2 messages, 6 bytes" "$tmp/out" && grep -q "total: *3 sent, 1 received (9 and 3 bytes)" "$tmp/out"; then
	ok "stat says the same"
else
	not_ok "stat says the same"
	sed 's/^/#   /' "$tmp/out"
fi
mboxctl recv -n "$j" >/dev/null && mboxctl recv -n "$j" >/dev/null
mboxctl recv -t 60 "$j" >"$tmp/bg" 2>&1 &
bg=$!
for i in $(seq 1 200); do
	mboxctl stat --json "$j" | jq -e '.waiting_receivers == 1' >/dev/null && break
	sleep 0.05
done
expect 0 "stat --json with a blocked receiver" mboxctl stat --json "$j"
jqt "stat --json: 1 reader bound, 1 receiver waiting" \
	".readers == 1 and .waiting_receivers == 1 and .queued == 0"
mboxctl send "$j" bye
wait $bg

w='we"ird\name'
expect 0 "create a mailbox whose name has a quote and a backslash" mboxctl create -x "$w"
expect 0 "ls --json" mboxctl ls --json
jqt "ls --json is an array of objects" 'type == "array" and all(.[]; type == "object")'
jqt "ls --json: the mailbox, with its queue" \
	"[.[] | select(.name == \"$j\")] | length == 1 and .[0].type == \"mailbox\" and .[0].queued == 0 and .[0].mode == 416"
jqt "ls --json: the odd name, escaped" '[.[] | select(.name == "we\"ird\\name")] | length == 1'
expect 0 "rm it" mboxctl rm "$w"

g2=jring-$$
expect 0 "ring create for --json" mboxctl ring create -x -s 4096 "$g2"
expect 0 "ring push 3 records" mboxctl ring push "$g2" one two three
expect 0 "ring pop 1" mboxctl ring pop "$g2"
expect 0 "ring stat --json" mboxctl ring stat --json "$g2"
jqt "ring stat --json: size, positions" \
	".name == \"$g2\" and .size == 4096 and .prod == 48 and .cons == 16 and .used == 32"
jqt "ring stat --json: no roles bound, nobody asleep" \
	".producer == 0 and .consumer == 0 and .observers == 0 and .sleepers == 0"
expect 0 "ls --json shows the ring" mboxctl ls --json
jqt "... as a ring" "[.[] | select(.name == \"$g2\" and .type == \"ring\")] | length == 1"

# watch, bounded: two views, one after the other (stdout is no terminal).
expect 0 "watch -c 2 -i 0.1" mboxctl watch -c 2 -i 0.1 "$j" "$g2" "missing-$$"
if [ "$(grep -c '^mboxctl watch .* view [12],' "$tmp/out")" = 2 ]; then
	ok "watch drew two views"
else
	not_ok "watch drew two views"
	sed 's/^/#   /' "$tmp/out"
fi
if grep -q "$(printf '\033')" "$tmp/out"; then not_ok "no escape sequences off a terminal"; else ok "no escape sequences off a terminal"; fi
if grep -q "^mailbox $j\$" "$tmp/out" && grep -q "depth .*\] 0/5, 0 B" "$tmp/out" &&
   grep -q "^ring $g2 .*producer no, consumer no, 0 observers" "$tmp/out" &&
   grep -q "used .*\] 32 B of 4.0 KiB" "$tmp/out"; then
	ok "watch shows the depths"
else
	not_ok "watch shows the depths"
	sed 's/^/#   /' "$tmp/out"
fi
# The ring's 4096 bytes in 56 cells: out=16 and in=48 both fall in cell 0.
if grep -q '^  in       v 48$' "$tmp/out" && grep -q '^  out      ^ 16$' "$tmp/out" &&
   grep -q '^  buffer  |#\.\{55\}|$' "$tmp/out"; then
	ok "watch draws the ring with in and out"
else
	not_ok "watch draws the ring with in and out"
	sed 's/^/#   /' "$tmp/out"
fi
if grep -q "rate .*in - msg/s" "$tmp/out" && grep -q "rate .*in 0.0 msg/s" "$tmp/out" &&
   grep -q "^  *in -   out -\$" "$tmp/out" && grep -q "^  *in 0 B/s   out 0 B/s\$" "$tmp/out"; then
	ok "rates from the second view on"
else
	not_ok "rates from the second view on"
fi
if grep -q "^mailbox missing-$$: No such file or directory" "$tmp/out"; then
	ok "watch says a name is missing"
else
	not_ok "watch says a name is missing"
fi
expect 0 "ring rm" mboxctl ring rm "$g2"
expect 0 "rm" mboxctl rm "$j"

expect 0 "rm several" mboxctl rm "$q" "$s" "$b"
expect 1 "rm again fails" mboxctl rm "$q"
stderr_has "ENOENT" "... and says ENOENT"
expect 0 "ls" mboxctl ls
if grep -q -e " $q\$" -e " $s\$" "$tmp/out"; then not_ok "ls no longer lists them"; else ok "ls no longer lists them"; fi

rm -rf "$tmp"
echo "1..$n"
exit $failed
