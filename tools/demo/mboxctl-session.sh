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
