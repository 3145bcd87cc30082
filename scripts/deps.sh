#!/bin/bash
# Make sure skiff's build (MODE=build) or test (MODE=test) dependencies are
# installed.  Every dependency is checked by a file or command it provides,
# so a machine that already has everything costs no apt call at all.  When
# something is missing, root installs it from Debian's archive; anyone else
# is told what to install.  Finally, node_modules is populated with `npm ci`
# when it is missing or older than package-lock.json (a dependency added).
#
# Usage: scripts/deps.sh build|test
set -euo pipefail

mode=${1:-}
case $mode in
    build|test) ;;
    *) echo "usage: $0 build|test" >&2; exit 64 ;;
esac

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

missing=()
need () {   # need PACKAGE TEST...: add PACKAGE to $missing unless TEST succeeds
    local pkg=$1; shift
    if ! "$@" >/dev/null 2>&1; then
        missing+=("$pkg")
    fi
}
have () { command -v "$1"; }
# A dynamically linked `busybox` package also ships /bin/busybox; the test
# images need the static one, so also look for busybox-static's dpkg file list.
static_busybox () {
    [[ -x /bin/busybox ]] || return 1
    local f
    for f in /var/lib/dpkg/info/busybox-static.list \
             /var/lib/dpkg/info/busybox-static:*.list; do
        [[ -e $f ]] && return 0
    done
    return 1
}

static_libc () { compgen -G '/usr/lib/*/libc.a' || test -f /usr/lib/libc.a; }

# build dependencies
need gcc          have gcc
need make         have make
# Duktape is configured from its Debian source package (scripts/duktape-source.sh)
need dpkg-dev     have dpkg-source
need python3-yaml /usr/bin/python3 -c 'import yaml'
need shellcheck   have shellcheck   # make check's lint (scripts/lint.sh)
# skiff-squashd: libsquashfuse's reading API, libfuse3, and the
# compression libraries the static libsquashfuse needs
need libsquashfuse-dev  test -f /usr/include/squashfuse/squashfuse.h
need libfuse3-dev       test -f /usr/include/fuse3/fuse_lowlevel.h
need zlib1g-dev         test -f /usr/include/zlib.h
need liblzma-dev        test -f /usr/include/lzma.h
need liblzo2-dev        test -f /usr/include/lzo/lzo1x.h
need liblz4-dev         test -f /usr/include/lz4.h
need libzstd-dev        test -f /usr/include/zstd.h
# import/pull's tar reader: headers only; skiff dlopen()s libarchive.so.13
need libarchive-dev     test -f /usr/include/archive_entry.h
# pull: headers only (types, constants); libcurl and libcrypto are dlopen'd
need libcurl4-openssl-dev  compgen -G '/usr/include/*/curl/curl.h'
need libssl-dev            test -f /usr/include/openssl/evp.h
if ! have node >/dev/null 2>&1; then
    missing+=(nodejs npm)            # only when there is no node at all
elif ! have npm >/dev/null 2>&1; then
    missing+=(npm)
fi

# test dependencies
if [[ $mode == test ]]; then
    need busybox-static        static_busybox
    need squashfs-tools        have mksquashfs
    need squashfuse            have squashfuse_ll
    need fuse3                 have fusermount3
    need charliecloud-runtime  test -x /usr/bin/ch-run
    need bubblewrap            have bwrap
    need util-linux            have setpriv
    need python3-minimal       test -x /usr/bin/python3   # syslog listener (cli-diagnostics)
    need bsdutils              have script                # a terminal for --color=auto
    need procps                have pgrep
    need hyperfine             have hyperfine
    need passwd                test -x /usr/sbin/useradd
    need libnss-extrausers     test -e /usr/lib/libnss_extrausers.so.2  # the NSS-only test user
    need libc6-dev             static_libc                # gcc -static: the escape checks
    need gcc                   have gcc                   # the CDI tests' fake driver libraries
    need podman                have podman                # second opinion on CDI (cdi-podman.test.ts)
    need runc                  have runc                  # podman's runtime there (crun refuses hybrid cgroups)
    need uidmap                have newuidmap             # rootless podman
    need zstd                  have zstd                  # zstd layers for import/pull
    need charliecloud-builders test -x /usr/bin/ch-image   # ch-image: metadata layout, differential pull
    # pull: a local registry, images pushed into it
    need docker-registry       have docker-registry
    need skopeo                have skopeo
    need openssl               have openssl               # the HTTPS registry's certificate
    need curl                  have curl                  # is the registry up yet
fi

if (( ${#missing[@]} )); then
    if (( EUID == 0 )); then
        echo "skiff: installing: ${missing[*]}" >&2
        apt-get update
        DEBIAN_FRONTEND=noninteractive \
            apt-get install -y --no-install-recommends "${missing[@]}"
    else
        echo "skiff: missing build dependencies; run: sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
fi

# npm ci writes node_modules/.package-lock.json, so it is older than the
# lock file exactly when the lock file changed since.
if [[ ! -x $repo/node_modules/.bin/tsc || ! -x $repo/node_modules/.bin/esbuild
      || $repo/package-lock.json -nt $repo/node_modules/.package-lock.json ]]; then
    (cd "$repo" && npm ci --no-audit --no-fund)
fi
