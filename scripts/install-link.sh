#!/bin/bash
# Which skiff `make install` installs as `skiff` when LINK is not given:
# "static" (build/skiff) where NSS takes users and groups from files only,
# "dynamic" (build/skiff-dynamic) where /etc/nsswitch.conf names another
# source for them (sss, ldap, winbind, nis, compat, ...), whose users the
# static skiff hands to skiff-dynamic at every launch, an exec more than
# skiff-dynamic itself (README, How it is built). systemd's module counts as
# files: it serves services' dynamic users, not people. Says why on stderr.
set -euo pipefail

conf=${1:-/etc/nsswitch.conf}
others=()
if [[ -r $conf ]]; then
    # the sources of passwd and group, as glibc reads the file: comments
    # dropped, leading blanks allowed; [STATUS=action] items left out
    while read -r -a sources; do
        for s in "${sources[@]}"; do
            case $s in
                files|systemd) ;;
                *) [[ " ${others[*]} " == *" $s "* ]] || others+=("$s") ;;
            esac
        done
    done < <(sed -E 's/#.*//' "$conf" | sed -n -E 's/^[[:space:]]*(passwd|group):[[:space:]]*//p' \
             | sed -E 's/\[[^]]*\]//g')
fi
if (( ${#others[@]} )); then
    echo "install: skiff linked dynamically: $conf takes users or groups from ${others[*]} too" \
         "(LINK=static to install the static one)" >&2
    echo dynamic
else
    echo static
fi
