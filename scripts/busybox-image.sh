# shellcheck shell=bash
# Sourced: make_busybox_image DIR — a minimal directory image from Debian's
# busybox-static: the directories ch-run expects (doc/images.md §3.3),
# busybox and its applet links, /etc/passwd, /etc/group and the files the
# default binds land on, and /ch/environment. Used by the demo and by the
# test setup (which adds its fixtures).
make_busybox_image () {
    local d=$1 a i
    mkdir "$d"
    mkdir -p "$d"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,etc,root,home,srv,ch,var/spool}
    for i in 0 1 2 3 4 5 6 7 8 9; do mkdir -p "$d/mnt/$i"; done
    chmod 1777 "$d/tmp"
    cp /bin/busybox "$d/bin/busybox"
    chmod 0755 "$d/bin/busybox"
    for a in $(/bin/busybox --list); do
        [[ $a == busybox || -e $d/bin/$a ]] || ln -s busybox "$d/bin/$a"
    done
    [[ -x $d/bin/sh && -x $d/bin/true && -x $d/bin/echo ]] \
        || { echo "busybox lacks sh, true or echo" >&2; return 1; }
    printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' \
                  'nobody:x:65534:65534:nobody:/:/bin/false' > "$d/etc/passwd"
    printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' > "$d/etc/group"
    : > "$d/etc/hosts"
    : > "$d/etc/resolv.conf"
    : > "$d/etc/machine-id"
    printf '%s\n' 'CH_TEST_IMG_VAR=from-image' \
                  'CH_TEST_IMG_SPACES=a b  c' \
                  'PATH=/usr/sbin:/usr/bin:/sbin:/bin' > "$d/ch/environment"
}
