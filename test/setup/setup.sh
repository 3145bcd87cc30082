#!/bin/bash
# Prepare a machine for skiff's test suite.  Run as root (`make test` does,
# via scripts/test.sh) before the tests.  Idempotent; under a second when
# everything is already in place.
#
#   1. create the unprivileged test users (test/setup/env.sh: SKIFF_TEST_USER
#      and SKIFF_TEST_USER2 in /etc/passwd, SKIFF_TEST_NSS_USER through
#      libnss-extrausers);
#   2. make /dev/fuse usable by ordinary users;
#   3. build the cached test images under $SKIFF_TEST_IMG, only when the image
#      recipe (the build_* functions below) or its inputs changed;
#   4. copy the skiff binary somewhere the test user can reach.
#
# Usage: test/setup/setup.sh [PATH-TO-SKIFF]     (default: REPO/build/skiff)
set -euo pipefail
umask 022

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=SCRIPTDIR/env.sh
. "$here/env.sh"
skiff_src=${1:-$repo/build/skiff}

say () { echo "skiff-test: $*"; }
die () { echo "skiff-test: error: $*" >&2; exit 1; }

(( EUID == 0 )) || die "setup must run as root (it creates a user and chmods /dev/fuse)"

mkdir -p "$SKIFF_TEST_ROOT"
chmod 0755 "$SKIFF_TEST_ROOT"

## 1. Unprivileged test user ################################################

make_user () {   # make_user NAME PREFERRED-ID
    local name=$1 id_=$2
    if ! getent passwd "$name" >/dev/null; then
        # First id >= the preferred one that is free both as a uid and a gid, so
        # the user's primary group can have the same number.
        while getent passwd "$id_" >/dev/null || getent group "$id_" >/dev/null; do
            id_=$((id_ + 1))
        done
        if ! getent group "$name" >/dev/null; then
            groupadd -g "$id_" "$name"
        fi
        useradd -m -u "$id_" -g "$name" -s /bin/sh -c "skiff test user" "$name"
        say "created user $name (uid $id_)"
    fi
    local home
    home=$(getent passwd "$name" | cut -d: -f6)
    if [[ ! -d $home ]]; then   # user existed without a home directory
        mkdir -p "$home"
        chown "$name:" "$home"
        chmod 0755 "$home"
        say "created home directory $home"
    fi
}
# The NSS-only user (env.sh): a line of its own in libnss-extrausers's
# files (others' lines kept), and extrausers the last source of passwd and
# group in /etc/nsswitch.conf. First, so that make_user's search for a free
# ID (NSS's) passes it by.
awk -F: -v id="$SKIFF_TEST_NSS_ID" '$3 == id { exit 1 }' /etc/passwd /etc/group \
    || die "uid or gid $SKIFF_TEST_NSS_ID is in /etc/passwd or /etc/group; the NSS-only test user needs it free"
extrausers_entry () {   # extrausers_entry FILE LINE: LINE in place of FILE's line for the user
    local f=/var/lib/extrausers/$1
    { grep -v "^$SKIFF_TEST_NSS_USER:" "$f" 2>/dev/null || true; echo "$2"; } > "$f.new.$$"
    mv -f "$f.new.$$" "$f"
}
mkdir -p /var/lib/extrausers
extrausers_entry passwd \
    "$SKIFF_TEST_NSS_USER:x:$SKIFF_TEST_NSS_ID:$SKIFF_TEST_NSS_ID:skiff NSS-only test user:/nonexistent:/bin/sh"
extrausers_entry group "$SKIFF_TEST_NSS_USER:x:$SKIFF_TEST_NSS_ID:"
for db in passwd group; do
    if ! grep -Eq "^[[:space:]]*$db:([^#]*[[:space:]])?extrausers([[:space:]#]|\$)" /etc/nsswitch.conf; then
        sed -i --follow-symlinks -E "/^[[:space:]]*$db:/ s/^([^#]*[^#[:space:]])/\1 extrausers/" /etc/nsswitch.conf
        say "added extrausers to $db in /etc/nsswitch.conf"
    fi
done
[[ $(getent passwd "$SKIFF_TEST_NSS_ID" | cut -d: -f1) == "$SKIFF_TEST_NSS_USER" \
   && $(getent group "$SKIFF_TEST_NSS_ID" | cut -d: -f1) == "$SKIFF_TEST_NSS_USER" ]] \
    || die "NSS does not know uid or gid $SKIFF_TEST_NSS_ID after setting up libnss-extrausers"

make_user "$SKIFF_TEST_USER" "$SKIFF_TEST_UID_WANTED"
# A second user, the other local user of the attacks tests stage.
make_user "$SKIFF_TEST_USER2" "$SKIFF_TEST_UID2_WANTED"

as_user () { setpriv --reuid="$SKIFF_TEST_USER" --regid="$SKIFF_TEST_USER" --init-groups -- "$@"; }
# shellcheck disable=SC2016  # $1 is for that sh
as_user /bin/sh -c 'cd "$1"' sh "$SKIFF_TEST_ROOT" \
    || die "user $SKIFF_TEST_USER cannot enter $SKIFF_TEST_ROOT; is every parent directory world-traversable?"

## 2. /dev/fuse ##############################################################

# On a normal Debian host, udev's rule for the fuse device (fuse3's
# /lib/udev/rules.d) makes /dev/fuse 0666 so that unprivileged users can
# mount FUSE file systems; in containers and minimal VMs without udev it is
# often left 0600 root, and unprivileged SquashFS mounts would fail for a
# reason that has nothing to do with skiff.  Do what udev would have done.
if [[ -c /dev/fuse ]]; then
    mode=$(stat -c %a /dev/fuse)
    if (( (8#$mode & 8#006) != 8#006 )); then
        chmod 0666 /dev/fuse
        say "chmod 0666 /dev/fuse (was $mode)"
    fi
fi

## 3. Images ################################################################

# Bump to force a rebuild for reasons the stamp cannot see.
IMG_RECIPE_VERSION=1

# shellcheck source=../../scripts/busybox-image.sh
. "$repo/scripts/busybox-image.sh"

build_busybox_dir () {   # build_busybox_dir DIR
    local d=$1
    make_busybox_image "$d" || die "can't build busybox image in $d"

    # Fixtures for path and bind tests.
    mkdir "$d/fixtures"
    ln -s ../etc "$d/fixtures/rel-link"     # relative: resolves inside the image
    ln -s /etc "$d/fixtures/abs-link"       # absolute: must resolve inside, too
    echo 'fixture file' > "$d/fixtures/file"
    # shellcheck disable=SC2016  # a script's text
    printf '#!/bin/sh\nexit "$1"\n' > "$d/fixtures/exit-with"
    chmod 0755 "$d/fixtures/exit-with"
    mkdir -m 0755 "$d/rootdir" "$d/rootdir/dir-in-rootdir"   # root-owned, for -W ranch tests
    echo 'file in rootdir' > "$d/rootdir/file-in-rootdir"

    chown -hR 0:0 "$d"      # -h: never follow abs-link to the host's /etc
    chmod -R a+rX "$d"      # (chmod -R ignores symlinks)
}

build_cdi_dir () {   # build_cdi_dir DIR: busybox plus Debian's libc and ldconfig
    local d=$1 lib=lib/x86_64-linux-gnu
    make_busybox_image "$d" || die "can't build busybox image in $d"
    mkdir -p "$d/$lib" "$d/lib64" "$d/etc/ld.so.conf.d"
    cp -L /$lib/libc.so.6 /$lib/ld-linux-x86-64.so.2 "$d/$lib/"
    ln -s ../$lib/ld-linux-x86-64.so.2 "$d/lib64/ld-linux-x86-64.so.2"
    cp -L /sbin/ldconfig "$d/sbin/ldconfig"
    echo 'include /etc/ld.so.conf.d/*.conf' > "$d/etc/ld.so.conf"
    echo "/$lib" > "$d/etc/ld.so.conf.d/x86_64-linux-gnu.conf"
    gcc -O2 -o "$d/usr/bin/dlopen-test" "$here/dlopen.c" || die "can't build dlopen-test"
    ldconfig -r "$d"       # the image's own cache, as a Debian image has
    chown -hR 0:0 "$d"
    chmod -R a+rX "$d"
}

build_images () {   # build_images DIR: all cached images into the new DIR
    local d=$1
    mkdir -p "$d"
    build_busybox_dir "$d/busybox"
    say "built $SKIFF_TEST_IMG_DIR"
    build_cdi_dir "$d/cdi"
    say "built $SKIFF_TEST_IMG_CDI"
    mksquashfs "$d/cdi" "$d/cdi.sqfs" -noappend -all-root -quiet >/dev/null
    say "built $SKIFF_TEST_IMG_CDI_SQFS"
    mksquashfs "$d/busybox" "$d/busybox.sqfs" -noappend -all-root -quiet >/dev/null
    say "built $SKIFF_TEST_IMG_SQFS"
    mksquashfs "$d/busybox" "$d/busybox-zstd.sqfs" -noappend -all-root -quiet -comp zstd >/dev/null
    say "built $SKIFF_TEST_IMG_SQFS_ZSTD"
    mksquashfs "$d/busybox" "$d/busybox-lz4.sqfs" -noappend -all-root -quiet -comp lz4 >/dev/null
    say "built $SKIFF_TEST_IMG_SQFS_LZ4"
    cp -a "$d/busybox" "$d/broken"
    rmdir "$d/broken/proc"
    say "built $SKIFF_TEST_IMG_BROKEN (no /proc)"
    # Starts with "You " so the magic shows as 596f 7520 in verbose output.
    echo "You can't run this: it is not a SquashFS image." > "$d/notsquash.img"
    say "built $SKIFF_TEST_IMG_NOTSQUASH"
    head -c 4096 "$d/busybox.sqfs" > "$d/truncated.sqfs"
    say "built $SKIFF_TEST_IMG_TRUNCATED"
    cp -a "$d/busybox" "$d/escape"
    gcc -static -O2 -Wall -o "$d/escape/escape" "$repo/test/escape/escape.c"
    say "built $SKIFF_TEST_IMG_ESCAPE (escape checks, test/escape/escape.c)"
    chmod 0644 "$d"/*.sqfs "$d/notsquash.img"
    chmod 0755 "$d"
}

stamp=$( { echo "recipe $IMG_RECIPE_VERSION"
           declare -f build_images build_busybox_dir build_cdi_dir make_busybox_image
           sha256sum /bin/busybox /sbin/ldconfig /lib/x86_64-linux-gnu/libc.so.6 "$here/dlopen.c" \
                     "$repo/test/escape/escape.c"
           mksquashfs -version 2>&1 | head -1; } | sha256sum | cut -d' ' -f1 )
if [[ -f $SKIFF_TEST_IMG_STAMP && $(cat "$SKIFF_TEST_IMG_STAMP") == "$stamp" ]]; then
    say "images up to date in $SKIFF_TEST_IMG"
else
    new=$SKIFF_TEST_IMG.new.$$
    old=$SKIFF_TEST_IMG.old.$$
    trap 'rm -rf --one-file-system "$new" "$old"' EXIT
    build_images "$new"
    echo "$stamp" > "$new/.stamp"
    [[ ! -e $SKIFF_TEST_IMG ]] || mv "$SKIFF_TEST_IMG" "$old"
    mv "$new" "$SKIFF_TEST_IMG"
    rm -rf --one-file-system "$old"
    trap - EXIT
fi

# Writable per-test image copies (named AS-PID-N-IMAGE) left by earlier runs
# whose test process is gone; those of a run still going are kept.
# shellcheck disable=SC2174  # the mode is for the scratch dir itself
mkdir -p -m 0755 "$SKIFF_TEST_SCRATCH"
for d in "$SKIFF_TEST_SCRATCH"/*; do
    [[ -e $d ]] || continue
    pid=$(basename "$d" | cut -d- -f2)
    [[ $pid =~ ^[0-9]+$ && -d /proc/$pid ]] || rm -rf --one-file-system "$d"
done

## 4. skiff binary ##########################################################

# The checkout may live where the test user cannot look (e.g. under /root),
# so tests run a copy.  Always re-copied: it is cheap.
mkdir -p "$SKIFF_TEST_BIN"
chmod 0755 "$SKIFF_TEST_BIN"
if [[ -f $skiff_src ]]; then
    cp -L "$skiff_src" "$SKIFF_TEST_SKIFF.new.$$"
    chmod 0755 "$SKIFF_TEST_SKIFF.new.$$"
    mv -f "$SKIFF_TEST_SKIFF.new.$$" "$SKIFF_TEST_SKIFF"
    ln -sfn skiff "$SKIFF_TEST_CH_RUN"
    say "installed $skiff_src as $SKIFF_TEST_SKIFF (+ ch-run symlink)"
    # skiff-squashd next to it, where skiff looks first; and a copy of
    # skiff next to the sanitizer build of the server, for the tests that
    # run that one (test/e2e/squashd.test.ts)
    install -m 0755 "$(dirname "$skiff_src")/skiff-squashd" "$SKIFF_TEST_BIN/skiff-squashd"
    # skiff-dynamic, which skiff execs for the image commands and for
    # users only NSS's modules know (src/linkage/linkage.ts)
    install -m 0755 "$(dirname "$skiff_src")/skiff-dynamic" "$SKIFF_TEST_BIN/skiff-dynamic"
    # shellcheck disable=SC2174  # the mode is for asan/ itself
    mkdir -p -m 0755 "$SKIFF_TEST_BIN/asan"
    install -m 0755 "$SKIFF_TEST_SKIFF" "$SKIFF_TEST_BIN/asan/skiff"
    install -m 0755 "$(dirname "$skiff_src")/skiff-squashd-asan" "$SKIFF_TEST_BIN/asan/skiff-squashd"
else
    rm -f "$SKIFF_TEST_SKIFF" "$SKIFF_TEST_CH_RUN" "$SKIFF_TEST_BIN/skiff-squashd" "$SKIFF_TEST_BIN/skiff-dynamic"
    echo "skiff-test: warning: $skiff_src not found; skiff tests will fail" >&2
fi

## 5. Host-side test programs #############################################

# The attacker of test/e2e/squash-mountpoint.test.ts.  Rebuilt every time:
# it is cheap.
gcc -O2 -Wall -o "$SKIFF_TEST_SWAP.new.$$" "$repo/test/escape/swap.c"
mv -f "$SKIFF_TEST_SWAP.new.$$" "$SKIFF_TEST_SWAP"

## Sanity: can the test user read what it needs? ###########################

# shellcheck disable=SC2016  # $1 and $2 are for that sh
as_user /bin/sh -c 'test -x "$1" && test -r "$2"' sh \
        "$SKIFF_TEST_IMG_DIR/bin/busybox" "$SKIFF_TEST_IMG_SQFS" \
    || die "user $SKIFF_TEST_USER cannot read the images in $SKIFF_TEST_IMG"
