#!/usr/bin/python3
"""Write a tar archive from a JSON list of entries on stdin, for the
tests (test/lib/layouts.ts): any entry a hostile archive may hold.

Usage: tar.py OUT [pax|gnu|ustar]

An entry: {"name", "type": file|dir|symlink|hardlink|chr|blk|fifo|tree,
"data" (text), "mode", "link", "uid", "gid", "mtime", "src" (tree: a
host file or directory added whole, named "name"/..., owned by root)}."""
import io
import json
import sys
import tarfile

TYPES = {"file": tarfile.REGTYPE, "dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE,
         "hardlink": tarfile.LNKTYPE, "chr": tarfile.CHRTYPE, "blk": tarfile.BLKTYPE,
         "fifo": tarfile.FIFOTYPE}
FORMATS = {"pax": tarfile.PAX_FORMAT, "gnu": tarfile.GNU_FORMAT, "ustar": tarfile.USTAR_FORMAT}


def root_owned(ti):
    ti.uid = ti.gid = 0
    ti.uname = ti.gname = "root"
    return ti


def main():
    out = sys.argv[1]
    fmt = FORMATS[sys.argv[2] if len(sys.argv) > 2 else "pax"]
    with tarfile.open(out, "w", format=fmt) as t:
        for e in json.load(sys.stdin):
            if e["type"] == "tree":
                t.add(e["src"], arcname=e["name"], filter=root_owned)
                continue
            ti = tarfile.TarInfo(e["name"])
            ti.type = TYPES[e["type"]]
            ti.mode = e.get("mode", 0o755 if e["type"] == "dir" else 0o644)
            ti.linkname = e.get("link", "")
            ti.uid = e.get("uid", 0)
            ti.gid = e.get("gid", 0)
            ti.mtime = e.get("mtime", 1700000000)
            if ti.type in (tarfile.CHRTYPE, tarfile.BLKTYPE):
                ti.devmajor, ti.devminor = 1, 3
            data = e.get("data", "").encode("utf-8", "surrogateescape")
            ti.size = len(data) if ti.type == tarfile.REGTYPE else 0
            t.addfile(ti, io.BytesIO(data) if ti.size else None)


main()
