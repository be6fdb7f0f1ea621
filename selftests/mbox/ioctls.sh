#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Print mbox_ioctls.h: every MBOX_IOC_* command the uapi header defines, as
# an X-macro, so that tests (and the fuzzer) that walk "every command" pick
# up a new command without being touched.
#
#   MBOX_IOCTLS(X) expands to X(MBOX_IOC_INFO, "MBOX_IOC_INFO") ...
#
# Usage: ioctls.sh uapi/linux/mbox.h > mbox_ioctls.h
set -eu
hdr=${1:?usage: ioctls.sh uapi/linux/mbox.h}

cmds=$(sed -n 's/^#define[[:space:]]\{1,\}\(MBOX_IOC_[A-Z0-9_]\{1,\}\)[[:space:]]\{1,\}_IO[RW]*(MBOX_IOC_MAGIC,.*/\1/p' "$hdr")
[ -n "$cmds" ] || { echo "ioctls.sh: no MBOX_IOC_* command in $hdr" >&2; exit 1; }

echo '/* Generated from uapi/linux/mbox.h by selftests/mbox/ioctls.sh. */'
echo '#ifndef MBOX_IOCTLS_H'
echo '#define MBOX_IOCTLS_H'
echo '#define MBOX_IOCTLS(X) \'
for c in $cmds; do
	printf '\tX(%s, "%s") \\\n' "$c" "$c"
done
echo
echo "#define MBOX_NR_IOCTLS $(echo "$cmds" | wc -l)"
echo '#endif'
