# shellcheck shell=bash disable=SC2034  # sourced; the names are for its callers
# Sourced (not executed) by the test scripts: where test images, the test copy
# of skiff and scratch space live, and who the unprivileged test user is.
# test/lib/harness.ts mirrors these names; keep the two in step.

# Root of all test state.  Must be traversable by everyone (0755, and so must
# every parent), because tests run skiff as $SKIFF_TEST_USER too.
SKIFF_TEST_ROOT=${SKIFF_TEST_ROOT:-/var/tmp/skiff-test}

# Unprivileged user the tests run as (via setpriv); created by setup.sh.
SKIFF_TEST_USER=skifftest
SKIFF_TEST_UID_WANTED=1500         # preferred uid/gid; setup picks another if taken
# Another unprivileged user: the other local user of attack tests.
SKIFF_TEST_USER2=skifftest2
SKIFF_TEST_UID2_WANTED=1510
# A user and group only an NSS module knows, not /etc/passwd and /etc/group
# (as SSSD's or LDAP's users are): libnss-extrausers's, from
# /var/lib/extrausers, with extrausers added to /etc/nsswitch.conf. Fixed
# IDs: setup.sh fails if /etc/passwd or /etc/group has them.
SKIFF_TEST_NSS_USER=skiffnss
SKIFF_TEST_NSS_ID=1601

# Copy of build/skiff (and a ch-run symlink to it), reachable by the test user
# wherever the checkout lives.
SKIFF_TEST_BIN=$SKIFF_TEST_ROOT/bin
SKIFF_TEST_SKIFF=$SKIFF_TEST_BIN/skiff
SKIFF_TEST_CH_RUN=$SKIFF_TEST_BIN/ch-run
# Swaps two directories in a loop (test/escape/swap.c), for attack tests.
SKIFF_TEST_SWAP=$SKIFF_TEST_BIN/swap

# Cached images (rebuilt by setup.sh when its recipe changes).
SKIFF_TEST_IMG=$SKIFF_TEST_ROOT/img
SKIFF_TEST_IMG_DIR=$SKIFF_TEST_IMG/busybox              # directory image
SKIFF_TEST_IMG_SQFS=$SKIFF_TEST_IMG/busybox.sqfs        # SquashFS, gzip
SKIFF_TEST_IMG_SQFS_ZSTD=$SKIFF_TEST_IMG/busybox-zstd.sqfs
SKIFF_TEST_IMG_SQFS_LZ4=$SKIFF_TEST_IMG/busybox-lz4.sqfs
SKIFF_TEST_IMG_BROKEN=$SKIFF_TEST_IMG/broken            # directory image without /proc
SKIFF_TEST_IMG_NOTSQUASH=$SKIFF_TEST_IMG/notsquash.img  # regular file, not SquashFS
SKIFF_TEST_IMG_TRUNCATED=$SKIFF_TEST_IMG/truncated.sqfs # first 4 KiB of busybox.sqfs
SKIFF_TEST_IMG_CDI=$SKIFF_TEST_IMG/cdi                  # busybox + Debian's libc, ldconfig, dlopen-test
SKIFF_TEST_IMG_CDI_SQFS=$SKIFF_TEST_IMG/cdi.sqfs        # the same as SquashFS
SKIFF_TEST_IMG_ESCAPE=$SKIFF_TEST_IMG/escape             # busybox + /escape (test/escape/escape.c)
SKIFF_TEST_IMG_STAMP=$SKIFF_TEST_IMG/.stamp

# Per-test writable copies of images (test/lib/harness.ts userCopyOfImage).
SKIFF_TEST_SCRATCH=$SKIFF_TEST_ROOT/scratch

# Debian's ch-run 0.31 (charliecloud-runtime), used as a behaviour oracle.
SKIFF_TEST_ORACLE=/usr/bin/ch-run
