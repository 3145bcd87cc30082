#!/bin/bash
# The lint of `make check`, beside tsc's strict type-check (tsconfig.json:
# strict, no unused names, no implicit returns or fallthrough): what the
# compilers don't look at.
# - Shell: shellcheck on every script (by extension or shebang); much of the
#   build, the tests' set-up and the benchmarks are bash.
# - C: the native code, benchmark and test helpers compiled with warnings as
#   errors (the build itself only warns).
# - Makefile: every .PHONY name has a rule.
# Usage: scripts/lint.sh   (after make: the C needs build/duktape)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

fail=0

mapfile -t shells < <(find . \( -path ./node_modules -o -path ./build -o -path ./.git \) -prune -o -type f \
                           \( -name '*.sh' -o -perm -u+x \) -print | sort |
                      while read -r f; do
                          [[ $f == *.sh ]] || head -1 "$f" | grep -q '^#!.*bash' && echo "$f"
                      done)
shellcheck -x -P SCRIPTDIR "${shells[@]}" || fail=1

for c in native/*.c bench/*.c test/lib/*.c test/escape/*.c static:native/binding.c; do
    # static:FILE: FILE as the static build compiles it (Makefile)
    defines=(); [[ $c == static:* ]] && { c=${c#static:}; defines=(-DSKIFF_STATIC); }
    cc -fsyntax-only -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Werror -Inative -Ibuild/duktape \
       -Ibuild -DPROGRAM_BYTECODE='""' -DUNIT_DIR='""' "${defines[@]}" "$c" || fail=1
done

phony=$(sed -n 's/^\.PHONY:\s*//p' Makefile)
for name in $phony; do
    grep -q "^$name:" Makefile || { echo "lint: Makefile: .PHONY name '$name' has no rule" >&2; fail=1; }
done

exit "$fail"
