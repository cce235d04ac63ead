#!/bin/bash
# Installs everything iopf needs on Debian 12, as root.  With --kernel, also
# what the kernel leg (patch, build, boot under QEMU) needs.
set -euo pipefail

packages=(build-essential autoconf automake libtool pkg-config
	  liburing-dev libsystemd-dev libjson-c-dev check valgrind)
kernel_packages=(linux-source-6.12 qemu-system-x86 busybox-static flex bison bc
		 libelf-dev libssl-dev cpio ccache xz-utils kmod)

case "${1:-}" in
"") ;;
--kernel) packages+=("${kernel_packages[@]}") ;;
*) echo "usage: $0 [--kernel]" >&2; exit 2 ;;
esac

if [ "$(id -u)" -ne 0 ]; then
	echo "$0: run as root (it installs packages with apt-get)" >&2
	exit 1
fi

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update
	apt-get install -y --no-install-recommends "${missing[@]}"
fi
