// A directory copied onto an image as if it were one layer: each file,
// directory and symlink becomes an entry for layer.ts's writer, so the
// same rules apply (what is dropped, modes, symlinks made relative) and
// nothing is written outside the image. Symlinks in the source are copied,
// never followed; files linked more than once stay hard links.

import { attempt } from "../log/fail";
import { C } from "../sys/constants";
import { Sys, writeAll } from "../sys/sys";
import { openRoot, Writer, writeEntry } from "./layer";
import { Report } from "./report";

var CHUNK = 1 << 20;

function copyData(sys: Sys, from: number, to: number): void {
  for (var s = sys.read(from, CHUNK); s !== ""; s = sys.read(from, CHUNK))
    writeAll(sys, to, s);
}

/** Copy the tree at src onto the image at rootDir; check, if given,
    before each entry (what it throws stops the work). */
export function copyDirectory(sys: Sys, src: string, rootDir: string, report: Report, check?: () => void): void {
  var srcFd = attempt("can't open directory: " + src, function () {
    return sys.open(src, C.O_RDONLY | C.O_DIRECTORY);
  });
  var rootFd = -1;
  try {
    rootFd = openRoot(sys, rootDir);
    var current = -1;
    var w: Writer = {
      sys: sys, label: src, rootFd: rootFd, report: report, written: {},
      data: function (out) { copyData(sys, current, out); },
      skip: function () {},
    };
    /** First path of each file seen with more than one link, by dev:ino. */
    var firstLink: { [devIno: string]: string } = {};
    var walk = function (dirFd: number, prefix: string): void {
      var here = "/proc/self/fd/" + dirFd;
      var names = attempt("can't read directory: " + src + "/" + prefix, function () { return sys.listdir(here); });
      names.sort();
      for (var i = 0; i < names.length; i++) {
        if (check)
          check();
        var name = names[i];
        var p = prefix + name;
        var st = sys.fstatat(dirFd, name, C.AT_SYMLINK_NOFOLLOW);
        var type = st.mode & C.S_IFMT;
        var e: ArchiveEntry = { path: p, hardlink: null, symlink: null, type: type, perm: st.mode & 0o7777,
                                size: st.size, uid: st.uid, gid: st.gid, mtime: st.mtime };
        var key = st.dev + ":" + st.ino;
        if (type !== C.S_IFDIR && st.nlink > 1) {
          if (firstLink.hasOwnProperty(key))
            e.hardlink = firstLink[key];
          else
            firstLink[key] = p;
        }
        if (type === C.S_IFLNK)
          e.symlink = sys.readlink(here + "/" + name);
        if (type === C.S_IFREG && e.hardlink === null) {
          current = attempt("can't open: " + src + "/" + p, function () {
            return sys.openat(dirFd, name, C.O_RDONLY | C.O_NOFOLLOW);
          });
          try {
            writeEntry(w, e);
          } finally {
            sys.close(current);
          }
        } else {
          writeEntry(w, e);
        }
        if (type === C.S_IFDIR) {
          var sub = attempt("can't open directory: " + src + "/" + p, function () {
            return sys.openat(dirFd, name, C.O_RDONLY | C.O_DIRECTORY | C.O_NOFOLLOW);
          });
          try {
            walk(sub, p + "/");
          } finally {
            sys.close(sub);
          }
        }
      }
    };
    walk(srcFd, "");
  } finally {
    if (rootFd >= 0)
      sys.close(rootFd);
    sys.close(srcFd);
  }
}
