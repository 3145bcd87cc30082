#!/bin/bash
# Run skiff's test suite (what `make test` runs once `make` has built
# build/skiff).  Must run as root: setup creates the unprivileged test user
# and the tests switch to it with setpriv.
#
# Usage: scripts/test.sh [FILTER]
#        scripts/test.sh --unit    (`make check`: the unit tests only, which
#                                  need neither root nor the test set-up)
#   FILTER: run only test files whose path (under test/) contains FILTER.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
filter=${1:-}
cd "$repo"

if [[ $filter == --unit ]]; then
    filter=test/unit/
else
    bash scripts/deps.sh test
    bash test/setup/setup.sh "$repo/build/skiff"
fi

mapfile -t srcs < <(find test -name '*.test.ts' -type f | sort)
if [[ -n $filter ]]; then
    keep=()
    for f in "${srcs[@]}"; do
        [[ $f == *"$filter"* ]] && keep+=("$f")
    done
    srcs=("${keep[@]}")
fi
if (( ${#srcs[@]} == 0 )); then
    echo "skiff-test: no test files match '${filter}'" >&2
    exit 1
fi

# esbuild only strips types: check them first, so a test that no longer
# matches the code it drives fails here rather than by accident.
node_modules/.bin/tsc -p test/tsconfig.json --noEmit

# Each entry point becomes its own bundle: OUT/<path under test/>.mjs, in a
# directory of this run's own so that concurrent runs don't collide.
mkdir -p build
out=$(mktemp -d build/test.XXXXXX)
trap 'rm -rf "$out"' EXIT
node_modules/.bin/esbuild "${srcs[@]}" --bundle --platform=node --format=esm \
    --target=node20 --outdir="$out" --outbase=test \
    --out-extension:.js=.mjs --log-level=warning

outs=()
for f in "${srcs[@]}"; do
    f=${f#test/}
    outs+=("$out/${f%.ts}.mjs")
done

# The Slurm tests start the single-node cluster (test/setup/slurm.sh) when
# they need it; stop it afterwards unless it was running before this run.
slurm_was_running=0
bash test/setup/slurm.sh status >/dev/null 2>&1 && slurm_was_running=1

# test/e2e/zz-nothing-left.test.ts judges leftovers made since this moment.
SKIFF_TEST_RUN_START=$(date +%s)
export SKIFF_TEST_RUN_START

# e2e tests share images, /dev/shm and mount points: one file at a time.
# Unit tests share nothing, and several mostly wait (for the programs they
# compare with, or the --join protocol's time-outs): two files a CPU.
concurrency=1
[[ $filter == test/unit/ ]] && concurrency=$(( $(nproc) * 2 ))
set +e
node --test --test-concurrency="$concurrency" "${outs[@]}"
rc=$?
set -e
if (( ! slurm_was_running )) && bash test/setup/slurm.sh status >/dev/null 2>&1; then
    bash test/setup/slurm.sh stop >/dev/null || echo "skiff-test: warning: could not stop Slurm" >&2
fi
exit "$rc"
