#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make deps: install every Debian package mbox needs to build, test and demo.
# Idempotent, and silent when everything is already there.
set -euo pipefail

# The test kernels: Debian 6.1 and the PREEMPT_RT kernels pinned by their
# meta packages, and Debian 6.12, whose ABI name the linux-headers-6.12-amd64
# meta package tells; the sources of the two debug kernels. libpopt-dev
# builds the kernel's mq_perf_tests for make bench.
pkgs=(
	build-essential gcc-multilib pkg-config libkmod-dev kmod sparse
	linux-headers-amd64 linux-image-amd64 linux-headers-6.12-amd64
	linux-headers-rt-amd64 linux-image-rt-amd64
	linux-headers-6.12-rt-amd64 linux-image-6.12-rt-amd64
	linux-source-6.1 linux-source-6.12 bc flex bison libelf-dev libssl-dev dwarves
	qemu-system-x86 busybox-static cpio dkms mandoc man-db jq gnuplot-nox
	libpopt-dev
)

installed() {
	[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}

# linux-headers-6.12-amd64 depends on linux-headers-<abi>; the image we boot
# is the matching linux-image-<abi>-unsigned.
image612() {
	local hdr
	hdr=$(apt-cache depends linux-headers-6.12-amd64 2>/dev/null |
	      sed -n 's/^ *Depends: \(linux-headers-6\.12\.[^ ]*-amd64\)$/\1/p' | head -n 1)
	[ -n "$hdr" ] && echo "linux-image-${hdr#linux-headers-}-unsigned"
}

missing() {
	local p img
	for p in "${pkgs[@]}"; do
		installed "$p" || echo "$p"
	done
	if installed linux-headers-6.12-amd64; then
		img=$(image612) && { installed "$img" || echo "$img"; }
	fi
}

todo=$(missing)
[ -z "$todo" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages:" $todo >&2
	echo "deps: run 'make deps' as root (or with sudo)" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt_install() {
	apt-get install -y -q --no-install-recommends "$@" >/tmp/mbox-deps.log 2>&1
}

# The package lists may be missing or stale on a fresh machine.
if ! apt-cache show $todo >/dev/null 2>&1 || [ -z "$(image612)" ]; then
	echo "deps: apt-get update"
	apt-get update -q >/tmp/mbox-deps.log 2>&1 || { cat /tmp/mbox-deps.log >&2; exit 1; }
fi

echo "deps: installing" $todo
apt_install $todo || { tail -n 30 /tmp/mbox-deps.log >&2; exit 1; }

# Now that the 6.12 meta package is in, fetch its unsigned image.
todo=$(missing)
if [ -n "$todo" ]; then
	echo "deps: installing" $todo
	apt_install $todo || { tail -n 30 /tmp/mbox-deps.log >&2; exit 1; }
fi
todo=$(missing)
if [ -n "$todo" ]; then
	echo "deps: still missing:" $todo >&2
	exit 1
fi
