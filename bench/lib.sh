# shellcheck shell=bash
# Sourced by the bench/* scripts: the shared set-up, timing and report.
#
#   bench_setup            prepare everything below and print the machine
#                          (CPU model, kernel, date, load); call once, first
#   bench_as_user CMD...   run CMD as $BENCH_USER with a minimal environment
#   bench_time ROUNDS WARMUP @NAME CMD [ARG...] [@NAME CMD...]...
#                          time the commands interleaved (bench/timer.c) as
#                          $BENCH_USER; results go to $BENCH_DIR/results
#   bench_report [A/B]...  print each command's wall-clock median, p10 and
#                          p90 and its median CPU time (user + system of all
#                          its processes, bench/cpu.h), and the ratios of
#                          the wall and of the CPU medians of each pair A/B
#
# After bench_setup:
#   BENCH_DIR      scratch directory (0755, removed on exit)
#   BENCH_USER     who the commands run as: the unprivileged test user
#                  (skifftest) when invoked as root, else the invoking user
#   BENCH_SKIFF    a copy of build/skiff (or $SKIFF) that BENCH_USER can run,
#                  with copies of skiff-squashd and skiff-dynamic next to
#                  it, if they are next to the original
#   BENCH_IMG      the busybox directory image (/var/tmp/skiff-test/img/busybox,
#                  built by test/setup/setup.sh as root, or into BENCH_DIR)
#   BENCH_STORAGE  an existing, empty storage directory to pass as `-s` to
#                  skiff and ch-run, so neither warns that its default one is
#                  missing (a warning is extra work the other launchers skip)
#   BENCH_IMG_SQFS ($BENCH_IMG.sqfs when it exists; else empty)
#   $BENCH_DIR/cache  BENCH_USER's $XDG_CACHE_HOME (skiff's CDI cache)
#
# Example (bench/launch does this):
#   . "$(dirname "$0")/lib.sh"
#   bench_setup
#   bench_time 300 30 @true /bin/true @skiff "$BENCH_SKIFF" run "$BENCH_IMG" -- /bin/true
#   bench_report skiff/true
#
# The caller runs under `set -euo pipefail`; bench_setup sets an EXIT trap.

bench_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

bench_die () { echo "bench: error: $*" >&2; exit 1; }

bench_setup () {
    command -v cc >/dev/null || bench_die "no C compiler (cc) to build bench/timer.c; install gcc"
    # What a figure needs to be told apart from another machine's.
    echo "bench: $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1) ($(nproc) CPUs)," \
         "Linux $(uname -r), $(date -u '+%F %H:%M') UTC, load average $(cut -d' ' -f1-3 /proc/loadavg)"
    BENCH_DIR=$(mktemp -d /var/tmp/skiff-bench.XXXXXX)
    # shellcheck disable=SC2064  # expand now: the trap must remove this dir
    trap "rm -rf --one-file-system '$BENCH_DIR'" EXIT
    chmod 0755 "$BENCH_DIR"

    if (( EUID == 0 )); then
        # shellcheck source=SCRIPTDIR/../test/setup/env.sh
        . "$bench_repo/test/setup/env.sh"
        BENCH_USER=$SKIFF_TEST_USER
        BENCH_IMG=$SKIFF_TEST_IMG_DIR
        if ! getent passwd "$BENCH_USER" >/dev/null || [[ ! -d $BENCH_IMG ]]; then
            bash "$bench_repo/test/setup/setup.sh" >&2
        fi
    else
        BENCH_USER=$(id -un)
        BENCH_IMG=/var/tmp/skiff-test/img/busybox
        if [[ ! -d $BENCH_IMG ]]; then
            # shellcheck source=SCRIPTDIR/../scripts/busybox-image.sh
            . "$bench_repo/scripts/busybox-image.sh"
            BENCH_IMG=$BENCH_DIR/busybox
            make_busybox_image "$BENCH_IMG" >&2
        fi
    fi
    # shellcheck disable=SC2034  # for the scripts that source this
    if [[ -f $BENCH_IMG.sqfs ]]; then BENCH_IMG_SQFS=$BENCH_IMG.sqfs; else BENCH_IMG_SQFS=; fi
    BENCH_HOME=$(getent passwd "$BENCH_USER" | cut -d: -f6)

    local skiff=${SKIFF:-$bench_repo/build/skiff}
    [[ -x $skiff ]] || bench_die "$skiff not found; run make first (or set SKIFF)"
    BENCH_SKIFF=$BENCH_DIR/skiff
    cp -L "$skiff" "$BENCH_SKIFF"
    # its FUSE server, where skiff looks for it first, and skiff-dynamic,
    # which it execs for pull, import and convert and for users only NSS's
    # modules know
    local next
    for next in skiff-squashd skiff-dynamic; do
        if [[ -x $(dirname "$skiff")/$next ]]; then
            cp -L "$(dirname "$skiff")/$next" "$BENCH_DIR/$next"
        fi
    done
    chmod 0755 "$BENCH_SKIFF"

    cc -O2 -Wall -o "$BENCH_DIR/timer" "$bench_repo/bench/timer.c"

    BENCH_STORAGE=$BENCH_DIR/storage
    mkdir -m 0755 "$BENCH_STORAGE"
    mkdir -m 0700 "$BENCH_DIR/cache"
    if (( EUID == 0 )); then chown "$BENCH_USER" "$BENCH_DIR/cache"; fi
}

bench_as_user () {
    # skiff's cache (CDI) in the scratch directory, not the user's home
    local env=(env -i "USER=$BENCH_USER" "LOGNAME=$BENCH_USER" "HOME=$BENCH_HOME"
               "PATH=/usr/local/bin:/usr/bin:/bin" "XDG_CACHE_HOME=$BENCH_DIR/cache")
    if (( EUID == 0 )); then
        setpriv --reuid="$BENCH_USER" --regid="$BENCH_USER" --init-groups -- "${env[@]}" "$@"
    else
        "${env[@]}" "$@"
    fi
}

bench_time () {
    (cd "$BENCH_DIR" && bench_as_user "$BENCH_DIR/timer" "$@") > "$BENCH_DIR/results"
}

bench_report () {
    awk -v pairs="$*" '
        { med[$1] = $3; cpu[$1] = $8; n = $2
          rows[NR] = sprintf("%-10s %8.3f %8.3f %8.3f   %8.3f", $1, $3 / 1000, $4 / 1000, $5 / 1000, $8 / 1000) }
        END {
            printf "%d interleaved rounds; times in ms\n", n
            printf "%-10s %8s %8s %8s   %8s\n", "", "median", "p10", "p90", "cpu"
            for (i = 1; i <= NR; i++) print rows[i]
            k = split(pairs, p, " ")
            for (i = 1; i <= k; i++) {
                split(p[i], ab, "/")
                if (!(ab[1] in med) || !(ab[2] in med)) { print "bench: no such command in " p[i] > "/dev/stderr"; exit 1 }
                printf "ratio %s: %.2f (cpu %.2f)\n", p[i], med[ab[1]] / med[ab[2]], cpu[ab[1]] / cpu[ab[2]]
            }
        }' "$BENCH_DIR/results"
}
