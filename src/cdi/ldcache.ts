// CDI's update-ldcache hook: the image's own ldconfig writes an ld.so.cache
// of the image's libraries and the spec's folders, bound at
// /etc/ld.so.cache. ldconfig reads every library, so that is most of a CDI
// launch's time: what it wrote, and the soname links it made in the
// folders, are kept in the user's cache (cache.ts) under a key of all they
// depend on, and the next launch with that key binds the kept file instead
// of running ldconfig (doc/devices.md §7.3).

import { attempt, fail } from "../log/fail";
import { argvToString } from "../log/argv";
import * as log from "../log/log";
import * as path from "../path/path";
import { Image } from "../image/image";
import type { CdiLdCache, CdiLink } from "../plan/plan";
import { C } from "../sys/constants";
import { describeWaitStatus, isLink, MountFlag, readFile, statOrNull, Sys } from "../sys/sys";
import { makeLinks } from "../exec/merge";
import { createInRoot, mkdirs, mount, mountFlagsOf } from "../exec/mounts";
import { resolveInRoot } from "../exec/resolve";
import { State } from "../exec/state";
import { Cache, identity, maker, nameOf, readEntry, trustedFile, versionsOf, writeEntry, writeFile } from "./cache";

var LDCONFIGS = ["/sbin/ldconfig", "/usr/sbin/ldconfig"];

/** What of image ldconfig's output depends on: a SquashFS file whole; of
    a directory, ldconfig itself, its configuration, the image's own cache
    (rewritten whenever its packages change libraries) and the library
    directories, the folders' included. */
export function imageKey(sys: Sys, image: Image, folders: string[]): string {
  if (image.kind === "squash")
    return "SquashFS " + identity(sys.stat(image.path));
  var arch = "/" + sys.uname().machine + "-linux-gnu";
  var paths = LDCONFIGS.concat(["/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/ld.so.cache", "/lib", "/usr/lib",
                                "/lib64", "/usr/lib64", "/lib" + arch, "/usr/lib" + arch], folders);
  var conf = resolveInRoot(sys, image.path, "/etc/ld.so.conf.d");
  if (conf.missing.length === 0)
    paths = paths.concat(sys.listdir(conf.existing).map(function (n) { return "/etc/ld.so.conf.d/" + n; }));
  var stats = paths.map(function (p) {
    var r = resolveInRoot(sys, image.path, p);
    return r.missing.length === 0 ? statOrNull(sys, r.existing, false) : null;
  });
  return "directory " + identity(sys.stat(image.path)) + ": " + versionsOf(stats);
}

/** The update-ldcache plan for folders: from the cache if it has an entry
    for this key, else ldconfig, saved for the next launch if the cache is
    there. specs: the spec files used; hostFiles: what they bind;
    imageVersion: imageKey() of the image and folders. */
export function planLdCache(sys: Sys, cache: Cache | null, image: Image, folders: string[], specs: string[],
                            hostFiles: NativeStat[], imageVersion: string, scratch: string): CdiLdCache {
  var ld: CdiLdCache = { folders: folders, cache: path.join(scratch, "ld.so.cache") };
  if (cache === null) {
    log.verbose("CDI cache: none ($XDG_CACHE_HOME and $HOME unset): the image's ldconfig runs at every launch");
    return ld;
  }
  var specStats = specs.map(function (f) { return sys.stat(f); });
  // the entry is named for the spec files and the image; the key holds the rest
  var name = "ld.so.cache-" + nameOf(specs.join("\0") + "\0" + image.path);
  var key = maker(sys) + " CDI ld.so.cache 1; folders " + folders.join(":") + "; specs "
    + specs.map(function (f, i) { return f + " " + identity(specStats[i]); }).join(", ")
    + "; host " + versionsOf(hostFiles) + "; image " + image.path + " " + imageVersion;
  var saved = readEntry(sys, cache, name + ".json", key) as { links: CdiLink[] } | undefined;
  var file = saved !== undefined ? trustedFile(sys, cache, name) : null;
  if (saved !== undefined && file !== null) {
    log.verbose("CDI cache: ld.so.cache for " + folders.join(" ") + " from " + file);
    ld.saved = { file: file, version: identity(sys.lstat(file)), links: saved.links };
  } else {
    log.verbose("CDI cache: no ld.so.cache for this image and spec yet: the image's ldconfig runs, and is saved");
    ld.save = { dir: cache.dir, name: name, key: key };
  }
  return ld;
}

/** Bind src (a host file) read-only at the container's /etc/ld.so.cache,
    made in the -W layer if the image has none. */
function bindLdCache(st: State, src: string): void {
  var sys = st.sys;
  var r = resolveInRoot(sys, st.newroot, "/etc/ld.so.cache");
  var target = r.existing;
  if (r.missing.length > 0) {
    target = path.join(mkdirs(st, "/etc"), "ld.so.cache");
    var file = target;
    createInRoot(st, file, "create /etc/ld.so.cache", function () {
      sys.close(sys.open(file, C.O_CREAT | C.O_EXCL | C.O_WRONLY, 420)); // 0644
    });
  }
  attempt("can't bind " + src + " at /etc/ld.so.cache", function () {
    mount(sys, src, target, null, ["MS_BIND"], null);
  });
  // read-only: a kept cache is the user's own file, not the container's to change
  var flags = mountFlagsOf(sys, target).concat(["MS_REMOUNT", "MS_BIND", "MS_RDONLY"] as MountFlag[]);
  attempt("can't remount " + target + " read-only", function () { mount(sys, null, target, null, flags, null); });
}

/** Names in each guest folder (none if it is missing). */
function listFolders(st: State, folders: string[]): string[][] {
  return folders.map(function (f) {
    var r = resolveInRoot(st.sys, st.newroot, f);
    return r.missing.length === 0 ? st.sys.listdir(r.existing) : [];
  });
}

/** Run the image's ldconfig in the container's tree (chrooted, before
    pivot, so that we can still reach the user's cache). */
function runLdconfig(st: State, argv: string[]): void {
  var sys = st.sys;
  var ldconfig: string | null = null;
  for (var i = 0; i < LDCONFIGS.length && ldconfig === null; i++) {
    var r = resolveInRoot(sys, st.newroot, LDCONFIGS[i]);
    if (r.missing.length === 0)
      ldconfig = LDCONFIGS[i];
  }
  if (ldconfig === null)
    return fail("CDI: the image has no ldconfig (" + LDCONFIGS.join(" or ") + "), which update-ldcache needs",
                undefined, { hint: "install it in the image (Debian and Ubuntu: libc-bin; RHEL: glibc)" });
  log.verbose("CDI: running " + ldconfig + ": " + argvToString(argv));
  var exe = ldconfig;
  var pid = attempt("can't run " + exe, function () { return sys.fork(); });
  if (pid === 0) {
    try {
      sys.chroot(st.newroot);
      sys.chdir("/");
      sys.execve(exe, argv, []);
    } catch (e) {
      log.error("CDI: can't run " + exe + ": " + (e as { message?: string }).message);
    }
    sys.exit(127);
  }
  var status = sys.waitpid(pid)[1];
  if (status !== 0)
    fail("CDI: " + exe + " failed (" + describeWaitStatus(status) + ")", undefined, { hint: "its messages above say why; the image's libc may be too old for these libraries" });
}

/** Save the cache ldconfig wrote (host path file) and the links it made
    (the folders' new symlinks) as entry save.name. */
function save(st: State, s: NonNullable<CdiLdCache["save"]>, file: string, folders: string[],
              before: string[][]): void {
  var sys = st.sys;
  var after = listFolders(st, folders);
  var links: CdiLink[] = [];
  for (var i = 0; i < folders.length; i++)
    for (var j = 0; j < after[i].length; j++) {
      var guest = path.join(folders[i], after[i][j]);
      var host = path.join(resolveInRoot(sys, st.newroot, folders[i]).existing, after[i][j]);
      if (before[i].indexOf(after[i][j]) < 0 && isLink(sys.lstat(host).mode))
        links.push({ target: sys.readlink(host), link: guest });
    }
  // the entry last: a reader takes the file only with it
  writeFile(sys, s.dir, s.name, readFile(sys, file));
  writeEntry(sys, s.dir, s.name + ".json", s.key, { links: links });
}

/** update-ldcache, before pivot: the kept cache, or the image's ldconfig
    writing ld.cache (in the -W layer, whatever /etc's owner). */
export function updateLdCache(st: State, ld: CdiLdCache): void {
  if (ld.saved !== undefined) {
    var saved = ld.saved;
    log.verbose("CDI: ld.so.cache from the cache: " + saved.file + " (ldconfig not run)");
    makeLinks(st, saved.links);
    try {
      return bindLdCache(st, saved.file);
    } catch (e) {
      // removed since planning (e.g. the user cleaned the cache): ldconfig instead
      if (statOrNull(st.sys, saved.file, false) !== null)
        throw e;
    }
  }
  var before = ld.save !== undefined ? listFolders(st, ld.folders) : [];
  runLdconfig(st, ["ldconfig", "-C", ld.cache].concat(ld.folders));
  var fresh = path.join(st.newroot, ld.cache);
  bindLdCache(st, fresh);
  if (ld.save !== undefined)
    save(st, ld.save, fresh, ld.folders, before);
}
