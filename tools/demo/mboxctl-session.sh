#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The mboxctl part of "make demo": a mailbox driven from the shell.

# Show a command line, then run it.
run() {
	echo "\$ $1"
	eval "$1"
	status=$?
	[ "$status" = 0 ] || echo "(exit status $status)"
}

echo
echo "== mboxctl: a mailbox from the shell =="
run 'mboxctl create -c 4 -m 0644 greetings'
run 'mboxctl send greetings "hello from an argument"'
run "echo 'hello from a pipe' | mboxctl send greetings"
run 'mboxctl ls'
run 'mboxctl stat greetings'
run 'mboxctl recv greetings; echo'
run 'mboxctl recv greetings'
run 'mboxctl recv -n greetings'
run 'mboxctl recv -t 0.5 greetings'
run 'mboxctl rm greetings'
run 'mboxctl ls'

echo
echo "== mboxctl: priorities, peek, and send(P) to a process's inbox =="
run 'mboxctl create jobs'
run 'mboxctl send jobs routine'
run 'mboxctl send -P 9 jobs urgent'
run 'mboxctl recv -p jobs; echo "   (peeked: still queued)"'
run 'mboxctl recv -i jobs; echo'
run 'mboxctl recv -i jobs; echo'
run 'mboxctl rm jobs'
run 'mboxctl inbox -c 1 &'
ib=$!
echo "\$ mboxctl send --to $ib \"hello, inbox\""
# Retried (ESRCH) until the background process has opened its inbox, for as
# long as it runs: no guess at how long that takes.
until mboxctl send --to $ib "hello, inbox" 2>/dev/null; do
	kill -0 $ib 2>/dev/null || break
	sleep 0.05
done
wait

echo
echo "== mboxctl: a ring through the kernel's read() and write() =="
run 'mboxctl ring create -s 4096 log'
run 'mboxctl ring push log "first record" "second record"'
run 'mboxctl ring stat log'
run 'mboxctl ring pop -c 2 log'
run 'mboxctl ring pop -n log'
run 'mboxctl ring rm log'
