#!/bin/bash
# Open MPI test program and container image for skiff's --join tests.
#
#   test/setup/mpi.sh          install Open MPI if missing, build (if stale):
#                                /var/tmp/skiff-test/mpi/cma      host binary
#                                /var/tmp/skiff-test/img/mpi/     image dir
#                              then self-check the image
#   test/setup/mpi.sh --force  rebuild even if the stamp matches
#   test/setup/mpi.sh --check  also self-check an up-to-date image (~1-2 s:
#                              a singleton MPI_Init starts an orted)
#
# Run as root (Debian 12) when something must be installed; once everything is
# built it also works unprivileged (it only checks then).
#
# The image is the shared-library closure (the loader's --list, i.e. ldd) of
# test/mpi/cma.c's program, of Open MPI's dlopened components (openmpi3/*.so,
# pmix2 plugins, hwloc_pci, ucx and libibverbs providers) and of orted/orterun
# (so singleton MPI_Init and an in-container mpirun work too), plus Open MPI
# and PMIx help and config files, busybox-static as /bin/sh and its applets,
# and the mount points ch-run needs (/dev /proc /sys /tmp /home /mnt, and
# /var/spool/slurmd for the PMIx dstore, see slurm.sh). Debian's merged /usr
# layout (bin, sbin, lib, lib64 are symlinks into usr). ~25 MB; builds in
# ~6 s on a quiet machine. The image's openmpi-mca-params.conf gets
# `plm_rsh_agent = false` (there is no ssh in it). Nothing else is tuned:
# BTL/PML/single-copy choices are left to the tests (OMPI_MCA_* variables).
#
# Cache: rebuilt only when the stamp changes: a hash of this script, cma.c
# and the versions of the Debian packages copied from, kept in
# $SKIFF_TEST_ROOT/mpi/img.stamp (not inside the image). Builds go to a
# temporary directory, are self-checked, then renamed into place under a
# lock, so a half-built image is never used. test/setup/setup.sh replaces
# all of $SKIFF_TEST_ROOT/img when its own stamp changes; this script then
# notices the missing image and rebuilds it, so run it after setup.sh.
#
# Inside the image: /mpi/cma, /bin/sh (busybox), /usr/bin/{orted,orterun,
# mpirun,mpiexec,ompi_info}.

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$HERE/../mpi/cma.c
BASE=${SKIFF_TEST_ROOT:-/var/tmp/skiff-test}
OUT=$BASE/mpi
IMG=$BASE/img/mpi
BIN=$OUT/cma
ARCH=x86_64-linux-gnu
PKGS=(openmpi-bin libopenmpi-dev)
# Packages whose files end up in the image (for the stamp).
STAMP_PKGS=(openmpi-bin openmpi-common libopenmpi3 libpmix2 libpmix-dev libhwloc15
            libhwloc-plugins libucx0 libibverbs1 ibverbs-providers libc6
            busybox-static libevent-core-2.1-7 libevent-pthreads-2.1-7)

log() { printf 'mpi.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

FORCE='' CHECK=''
for a in "$@"; do
    case $a in
        --force) FORCE=1 ;;
        --check) CHECK=1 ;;
        *) echo "usage: $0 [--force] [--check]" >&2; exit 2 ;;
    esac
done

[[ -r $SRC ]] || die "missing $SRC"

# One run at a time (apt, the build, the rename).
mkdir -p "$OUT" 2>/dev/null || true
if [[ -w $OUT ]]; then exec 9>>"$OUT/.lock"; else exec 9</dev/null; fi
flock -w 600 9 || die "timeout waiting for $OUT/.lock"

# ---------------------------------------------------------------- install

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

need=()
for p in "${PKGS[@]}" busybox-static; do installed "$p" || need+=("$p"); done
if (( ${#need[@]} )); then
    [[ $(id -u) == 0 ]] || die "need root to install ${need[*]}"
    log "installing ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${need[@]}" >/dev/null
fi

# ---------------------------------------------------------------- stamp

stamp=$( {
    sha256sum "${BASH_SOURCE[0]}" "$SRC" | cut -d' ' -f1
    dpkg-query -W -f='${Package} ${Version}\n' "${STAMP_PKGS[@]}" 2>/dev/null || true
} | sha256sum | cut -d' ' -f1)

up_to_date() {
    [[ -z $FORCE && -x $BIN && -x $IMG/mpi/cma && -f $OUT/img.stamp ]] \
        && [[ $(<"$OUT/img.stamp") == "$stamp" ]]
}

# ---------------------------------------------------------------- build

declare -A REALDIR=()
copy_file() {  # copy absolute host path $1 (and its symlink chain) into $ROOT
    local src=$1 d=${1%/*} dir dst tgt
    dir=${REALDIR[$d]:-}
    if [[ -z $dir ]]; then
        dir=$(realpath -e "${d:-/}") || return 0
        REALDIR[$d]=$dir
    fi
    dst=$ROOT$dir/${src##*/}
    [[ -e $dst || -L $dst ]] && return 0
    [[ -d $ROOT$dir ]] || mkdir -p "$ROOT$dir"
    if [[ -L $src ]]; then
        tgt=$(readlink "$src")
        ln -s "$tgt" "$dst"
        [[ $tgt == /* ]] || tgt=$dir/$tgt
        copy_file "$tgt"
    else
        cp --preserve=mode,timestamps "$src" "$dst"
    fi
}

copy_tree() {  # copy host directory $1 into $ROOT (no static libs, headers)
    local d; d=$(realpath -e "$1" 2>/dev/null) || return 0
    shift
    mkdir -p "$ROOT$d"
    tar -C "$d" -cf - --exclude='*.a' --exclude='*.la' --exclude=include "$@" . \
        | tar -C "$ROOT$d" -xf -
}

is_elf() {  # no fork: the magic has no NUL or newline
    local m=
    LC_ALL=C IFS= read -r -n 4 m < "$1" 2>/dev/null || true
    [[ $m == $'\x7fELF' ]]
}

LDSO=/lib64/ld-linux-x86-64.so.2
copy_deps() {  # shared-library closure of the ELF files given (host paths)
    # The loader's --list is ldd without ldd's per-file shell overhead (6x faster).
    local lib f
    while read -r lib; do
        copy_file "$lib"
    done < <(for f; do "$LDSO" --list "$f" 2>/dev/null || true; done \
             | sed -nE 's/.*=> (\/[^ ]+) \(0x.*/\1/p; s/^[[:space:]]*(\/[^ ]+) \(0x.*/\1/p' \
             | sort -u)
}

build() {
    local tmp
    [[ $(id -u) == 0 ]] || die "need root to build $IMG"
    mkdir -p "$OUT" "$BASE/img"
    chmod 0755 "$BASE" "$OUT" "$BASE/img"

    log "compiling $BIN"
    mpicc -O2 -Wall -Wextra -o "$BIN.tmp" "$SRC"
    mv -f "$BIN.tmp" "$BIN"
    chmod 0755 "$BIN"

    log "building $IMG"
    rm -rf "$BASE"/img/.mpi.??????   # leftovers of interrupted builds (we hold the lock)
    tmp=$(mktemp -d "$BASE/img/.mpi.XXXXXX")
    # shellcheck disable=SC2064
    trap "rm -rf '$tmp'" EXIT
    ROOT=$tmp
    mkdir -p "$ROOT"/usr/{bin,sbin,lib,lib64} "$ROOT/usr/lib/$ARCH"
    ln -s usr/bin "$ROOT/bin"; ln -s usr/sbin "$ROOT/sbin"
    ln -s usr/lib "$ROOT/lib"; ln -s usr/lib64 "$ROOT/lib64"
    # var/spool/slurmd: ch-run (HEAD) binds the host's there if both exist;
    # Slurm's PMIx dstore lives in it (see slurm.sh).
    mkdir -p "$ROOT"/{dev,proc,sys,tmp,run,home,mnt,root,etc,var/tmp,var/spool/slurmd,mpi}
    chmod 1777 "$ROOT/tmp" "$ROOT/var/tmp"
    chmod 0700 "$ROOT/root"

    # The program.
    cp "$BIN" "$ROOT/mpi/cma"

    # Shell and tools.
    cp /bin/busybox "$ROOT/usr/bin/busybox"
    local a
    for a in $(/bin/busybox --list); do
        [[ -e $ROOT/usr/bin/$a ]] || ln -s busybox "$ROOT/usr/bin/$a"
    done

    # Open MPI launch helpers, plugins, help and config files.
    local f
    for f in /usr/bin/orted /usr/bin/orterun /usr/bin/ompi_info; do copy_file "$f"; done
    ln -sf orterun "$ROOT/usr/bin/mpirun"; ln -sf orterun "$ROOT/usr/bin/mpiexec"
    copy_tree /usr/lib/$ARCH/openmpi
    copy_tree /usr/lib/$ARCH/pmix2
    copy_file /usr/lib/$ARCH/hwloc/hwloc_pci.so  # not gl/libxml: 35 MB of X11+ICU
    copy_tree /usr/lib/$ARCH/ucx
    copy_tree /usr/lib/$ARCH/libibverbs
    copy_tree /usr/share/openmpi
    copy_tree /usr/share/hwloc
    copy_tree /etc/openmpi
    copy_tree /etc/libibverbs.d

    # Shared libraries: ldd closure over every ELF file in the image, run on
    # the host copies (same paths; /mpi/cma is $BIN), until nothing is new.
    local -A seen=()
    local new
    while :; do
        new=()
        while IFS= read -r f; do
            [[ -z ${seen[$f]:-} ]] || continue
            seen[$f]=1
            if is_elf "$ROOT$f"; then
                if [[ $f == /mpi/cma ]]; then new+=("$BIN"); else new+=("$f"); fi
            fi
        done < <(cd "$ROOT" && find . -type f ! -path ./usr/bin/busybox | sed 's|^\.||')
        (( ${#new[@]} )) || break
        copy_deps "${new[@]}"
    done

    # No ssh in the image: without this a singleton MPI_Init (which starts an
    # orted) or an in-container mpirun dies with 'plm_rsh_agent: ssh : rsh'
    # not found. Ranks launched from outside never read it.
    printf '\n# skiff test image: no ssh/rsh; single node only\nplm_rsh_agent = false\n' \
        >> "$ROOT/etc/openmpi/openmpi-mca-params.conf"

    # /etc: minimal account and name files (ch-run overmounts passwd/group).
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' \
        > "$ROOT/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' > "$ROOT/etc/group"
    printf '127.0.0.1 localhost\n::1 localhost\n' > "$ROOT/etc/hosts"
    : > "$ROOT/etc/resolv.conf"
    chmod -R u+rwX,go+rX,go-w "$ROOT"
    chmod 1777 "$ROOT/tmp" "$ROOT/var/tmp"
    chmod 0755 "$ROOT"

    self_check "$tmp"
    rm -rf "$IMG"
    mv "$tmp" "$IMG"
    trap - EXIT
    echo "$stamp" > "$OUT/img.stamp"
    log "image $IMG: $(du -sh "$IMG" | cut -f1)"
}

# ---------------------------------------------------------------- check

self_check() {  # self_check IMAGE_DIR
    # Singleton run in a chroot-like root: new user+mount namespace, host
    # /proc, /sys and /dev bound in (as ch-run does), chroot. MPI_Init must
    # find every library and component; output must be exactly one line.
    local img=$1 out
    # shellcheck disable=SC2016  # $1 is expanded by the inner sh
    if ! out=$(cd / && unshare -r --mount sh -c '
                 for d in dev proc sys; do mount --rbind /$d "$1/$d"; done
                 exec /usr/sbin/chroot "$1" /mpi/cma' sh "$img" 2>&1); then
        printf '%s\n' "$out" >&2
        die "self-check failed: /mpi/cma in $img"
    fi
    [[ $out == 'rank 0 of 1 ok' ]] \
        || { printf '%s\n' "$out" >&2; die "self-check: unexpected output from /mpi/cma in $img"; }
}

if up_to_date; then
    [[ -z $CHECK ]] || self_check "$IMG"
    log "up to date: $BIN, $IMG"
else
    build
fi
