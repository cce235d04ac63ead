#!/bin/bash
# Description: what "make install" puts down is enough to build a VMM against
# libiopf: the installed libiopf.h compiles on its own, as C and as C++;
# pkg-config's flags from the installed libiopf.pc link a program that calls
# every function, and it runs; the library exports exactly lib/libiopf.sym;
# "man FUNCTION" finds libiopf(3) for each of them.
set -eu
srcdir=$(cd "$(dirname "$0")/.." && pwd)

for tool in pkg-config gcc g++ nm; do
	command -v "$tool" >/dev/null || { echo "$tool is required for this test" >&2; exit 99; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root

# MAKEFLAGS=: a make of its own, not a job of the one running the tests
MAKEFLAGS= make -s -C "$top_builddir" install DESTDIR="$root" >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log" >&2; echo "make install failed" >&2; exit 1; }
pc=$(find "$root" -name libiopf.pc)
[ -n "$pc" ] || { echo "make install put no libiopf.pc down" >&2; exit 1; }
export PKG_CONFIG_PATH=${pc%/*} PKG_CONFIG_SYSROOT_DIR=$root
cflags=$(pkg-config --cflags libiopf)
libs=$(pkg-config --libs libiopf)
libdir=$(pkg-config --variable=libdir libiopf)
echo "pkg-config --cflags --libs libiopf: $cflags $libs"

echo '#include <libiopf.h>' > "$tmp/header.c"
gcc -std=c99 -Wall -Wextra -Wpedantic -Werror -fsyntax-only $cflags "$tmp/header.c"
# C++ without -Wpedantic: the kernel's uapi headers have flexible array members.
g++ -x c++ -std=c++11 -Wall -Wextra -Werror -fsyntax-only $cflags "$tmp/header.c"

cat > "$tmp/vmm.c" <<'PROG'
#include <errno.h>
#include <stddef.h>
#include <libiopf.h>

/* Every function the header declares, for the linker to find. */
static const void *const functions[] = {
	(const void *)iopf_enable, (const void *)iopf_register, (const void *)iopf_vm_id,
	(const void *)iopf_vm_name, (const void *)iopf_vm_fd, (const void *)iopf_unregister,
};

int main(int argc, char **argv)
{
	struct iopf_refusal refusal;
	struct iopf_vm *vm;
	int iopf_fd;

	(void)argc;
	for (unsigned i = 0; i < sizeof(functions) / sizeof(functions[0]); i++)
		if (!functions[i])
			return 1;
	/* stdin is /dev/null: not a container; no socket at argv[1]: no iopfd */
	if (iopf_enable(0, NULL, &iopf_fd) != -ENOTTY ||
	    iopf_register(argv[1], 0, "vm", 100, &vm, &refusal) != -ENOENT)
		return 1;
	return iopf_unregister(NULL) ? 1 : 0;
}
PROG
gcc -Wall -Werror -o "$tmp/vmm" "$tmp/vmm.c" $cflags $libs
LD_LIBRARY_PATH=$libdir "$tmp/vmm" "$tmp/no-iopfd" </dev/null ||
	{ echo "a program built with pkg-config's flags did not run against the installed library" >&2; exit 1; }

exported=$(nm -D --defined-only "$libdir/libiopf.so" | awk '$2 == "T" { print $3 }' | sort)
listed=$(sed -n 's/^\t\(iopf_[a-z_]*\);$/\1@@LIBIOPF_0.1/p' "$srcdir/lib/libiopf.sym" | sort)
if [ "$exported" != "$listed" ]; then
	echo "libiopf.so exports:" $exported >&2
	echo "lib/libiopf.sym lists:" $listed >&2
	exit 1
fi
man3=$(dirname "$(find "$root" -name libiopf.3)")
for f in $listed; do
	f=${f%@@*}
	[ "$(readlink "$man3/$f.3")" = libiopf.3 ] ||
		{ echo "no $f.3 linking to libiopf.3 in $man3" >&2; exit 1; }
done
echo "ok: the installed header compiles alone and libiopf links through pkg-config"
