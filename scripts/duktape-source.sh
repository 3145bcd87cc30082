#!/bin/bash
# Fetch Debian's duktape source package, which carries Duktape's own
# distribution (tools/configure.py, src-input/), through apt as the machine
# is set up, make its configure tool run on Python 3
# (native/duktape/python3.patch: the tools are Python 2, which Debian no
# longer ships), and apply skiff's changes to the engine
# (native/duktape/*.patch).
#
# apt fetches source packages only from `deb-src` entries. When there is
# none for duktape, root adds `deb-src` to the entry that serves the
# duktape binary package (the same archive, suite and component) and runs
# `apt-get update`; anyone else is told which line to add.
#
# Usage: scripts/duktape-source.sh DIR   (DIR: where the source tree goes)
set -euo pipefail

dir=$1
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
version=2.7.0 # the upstream version native/duktape/python3.patch applies to
apt_get=(apt-get -o DPkg::Lock::Timeout=600)

die () { echo "skiff: $*" >&2; exit 1; }

has_source () { [[ -n $(apt-cache showsrc duktape 2>/dev/null) ]]; }

# The archive that serves the duktape binary package, from apt's policy,
# e.g. "http://deb.debian.org/debian bookworm main".
archive () {
    apt-cache policy duktape | awk '
        / [0-9]+ [a-z]+:\/\/[^ ]+ [^ ]+ [^ ]+ Packages$/ {
            n = split($3, sc, "/"); comp = sc[n]; suite = substr($3, 1, length($3) - length(comp) - 1)
            print $2, suite, comp; exit
        }'
}

# The file under /etc/apt that holds the entry for URI SUITE.
entry_file () {
    local uri=$1 suite=$2 f
    for f in /etc/apt/sources.list.d/*.sources; do
        [[ -f $f ]] && awk -v uri="$uri" -v suite="$suite" -v RS= '
            $0 ~ "(^|\n)URIs:[^\n]*" uri "/?([ \n]|$)" && $0 ~ "(^|\n)Suites:[^\n]* " suite "([ \n]|$)" { found = 1 }
            END { exit !found }' "$f" && { echo "$f"; return 0; }
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -f $f ]] && grep -Eq "^deb +(\[[^]]*\] +)?${uri%/}/? +$suite( |$)" "$f" && { echo "$f"; return 0; }
    done
    return 1
}

# Add deb-src to the entry for URI SUITE in FILE: in a deb822 .sources
# file, to the stanza's Types; in a one-line .list file, as a deb-src copy
# of the line (both keep the entry's options, such as Signed-By, which apt
# requires to agree).
add_deb_src () {
    local uri=$1 suite=$2 f=$3
    echo "skiff: adding deb-src for $uri $suite to $f" >&2
    if [[ $f == *.sources ]]; then
        awk -v uri="$uri" -v suite="$suite" -v RS= -v ORS='\n\n' '
            $0 ~ "(^|\n)URIs:[^\n]*" uri "/?([ \n]|$)" && $0 ~ "(^|\n)Suites:[^\n]* " suite "([ \n]|$)" \
                { sub(/Types:[ \t]*deb[ \t]*\n/, "Types: deb deb-src\n") }
            { print }' "$f" > "$f.skiff-new"
        mv "$f.skiff-new" "$f"
    else
        sed -E -i "s|^deb( +(\[[^]]*\] +)?${uri%/}/? +$suite( .*)?)$|&\ndeb-src\1|" "$f"
    fi
}

if ! has_source; then
    read -r uri suite comp < <(archive) || die "apt knows no archive for the duktape package: run apt-get update"
    file=$(entry_file "$uri" "$suite") \
        || die "the duktape source package needs a deb-src entry for $uri $suite $comp, and no file under" \
               "/etc/apt has an entry for $uri $suite to add it to"
    if (( EUID != 0 )); then
        if [[ $file == *.sources ]]; then how="make its entry for $uri $suite read 'Types: deb deb-src'"
        else how="add a deb-src copy of its line 'deb ... $uri $suite $comp'"; fi
        die "building skiff's Duktape needs the duktape source package, and apt has no deb-src entry for it:" \
            "in $file, $how; then run apt-get update and make again (as root, make does this itself)"
    fi
    add_deb_src "$uri" "$suite" "$file"
    "${apt_get[@]}" update >&2
    has_source || die "apt-get update gave no duktape source package from the deb-src entry for $uri $suite in $file"
fi

rm -rf "$dir" "$dir.tmp"
mkdir -p "$dir.tmp"
(cd "$dir.tmp" && "${apt_get[@]}" source duktape >&2)
[[ -d $dir.tmp/duktape-$version ]] \
    || die "apt-get source duktape gave no duktape-$version: native/duktape/python3.patch is for Duktape $version"
patch -s -d "$dir.tmp/duktape-$version" -p1 < "$repo/native/duktape/python3.patch"
# and skiff's changes to the engine's bytecode dump and load
# (native/duktape/varmap.patch: a function without _Varmap loads without
# one; strings.patch: a dump carries each string once, with its hash;
# templates.patch: inner functions load as the templates the compiler makes;
# closures.patch: a closure's properties are made in one go, without
# ES5's throwing "caller" and "arguments" on strict ones; load.patch: a
# function's instructions copied as they are, its _Varmap made to size;
# romflag.patch: the string table marks ROM strings, the others are looked
# for in RAM only; romtable.patch: ROM strings found through a sorted table,
# not chained by pointers, so they are read-only data needing no relocation)
for p in varmap strings templates closures load romflag romtable; do
    patch -s -d "$dir.tmp/duktape-$version" -p1 < "$repo/native/duktape/$p.patch"
done
mv "$dir.tmp/duktape-$version" "$dir"
rm -rf "$dir.tmp"
