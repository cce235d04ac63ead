#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install what kernel/scripts/check-kernel.sh needs on Debian 12 (run as root).
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: run as root" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends \
	linux-source-6.12 build-essential gcc make git ca-certificates \
	flex bison bc libelf-dev libssl-dev cpio xz-utils file perl python3 \
	ccache qemu-system-x86 busybox-static coreutils util-linux \
	python3-ply python3-git rsync
