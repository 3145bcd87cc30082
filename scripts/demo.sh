#!/bin/bash
# `make demo`: make a busybox image, then show skiff running in it as the
# invoking user.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$repo/scripts/busybox-image.sh"

if [[ ! -x /bin/busybox ]]; then
    bash "$repo/scripts/deps.sh" test
fi
img=$repo/build/demo-img
if [[ ! -x $img/bin/sh ]]; then
    rm -rf "$img"
    make_busybox_image "$img"
    echo "demo: made image $img"
fi
export USER=${USER:-$(id -un)}
set -x
# shellcheck disable=SC2016  # expanded in the container
"$repo/build/skiff" run "$img" -- /bin/sh -c \
    'echo "in the container: $(id)"; echo "cwd: $(pwd)"; echo "/ is: $(grep " / " /proc/self/mounts)"; cat /etc/passwd; echo "CH_RUNNING=$CH_RUNNING"'
