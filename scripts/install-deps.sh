#!/bin/bash
# Installs everything iopf needs on Debian 12, as root.  With --kernel, also
# what the kernel leg (patch, build, boot under QEMU) needs, as listed by
# kernel/scripts/install-deps.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential autoconf automake libtool pkg-config
	  mandoc  # tests/man-pages.sh lints the man pages
	  liburing-dev libsystemd-dev libjson-c-dev check valgrind
	  systemd  # systemd-analyze verifies the units
	  bash-completion  # tests/completion.sh loads iopfctl's completion
	  clang libclang-rt-dev)  # make fuzz: libFuzzer ships in the compiler-rt package

case "${1:-}" in
"") ;;
--kernel) ;;
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
if [ "${1:-}" = --kernel ]; then
	kernel/scripts/install-deps.sh
fi
