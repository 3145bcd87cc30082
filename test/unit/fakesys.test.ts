// Tests of the FakeSys double itself: if it lies, the executor tests lie.

import { describe, test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as nodePath from "node:path";

import { MACHINE_CONSTANTS } from "../lib/constants.js";
import { ExecCalled, FakeSys, FakeSysError, msFlagNames, ST_VALID } from "../lib/fakesys.js";
import { isSysError } from "../../src/log/fail.js";
import { readFile, writeAll } from "../../src/sys/sys.js";

const C = MACHINE_CONSTANTS;

/** Run f, which must throw; return what it threw. */
function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  assert.fail("expected an exception");
}

function errCode(f: () => unknown): string {
  const e = thrown(f) as FakeSysError;
  assert.ok(isSysError(e), "not a SysError: " + String(e));
  return e.code;
}

function findUp(rel: string): string {
  let dir = process.cwd();
  for (;;) {
    const p = nodePath.join(dir, rel);
    if (fs.existsSync(p))
      return p;
    const up = nodePath.dirname(dir);
    if (up === dir)
      assert.fail("can't find " + rel + " above " + process.cwd());
    dir = up;
  }
}

describe("FakeSys constants", () => {
  test("values agree with node's os/fs constants where node has them", () => {
    const sig = os.constants.signals as unknown as { [k: string]: number };
    const fsc = fs.constants as unknown as { [k: string]: number };
    let checked = 0;
    for (const name of Object.keys(MACHINE_CONSTANTS)) {
      const v = sig[name] !== undefined ? sig[name] : fsc[name];
      if (v !== undefined) {
        assert.equal((MACHINE_CONSTANTS as unknown as { [k: string]: number })[name], v, name);
        checked++;
      }
    }
    assert.ok(checked >= 30, "only " + checked + " constants cross-checked");
    // kernel-header values node doesn't export
    assert.equal(C.MS_BIND | C.MS_REC | C.MS_PRIVATE, 0x45000);
    assert.equal(C.MS_RELATIME, 0x200000);
    assert.equal(C.CLONE_NEWNS | C.CLONE_NEWUSER, 0x10020000);
    assert.equal(C.ST_RELATIME, 0x1000);
    assert.equal(C.PR_SET_NO_NEW_PRIVS, 38);
  });

  test("errno numbers agree with node", () => {
    const fsys = new FakeSys();
    fsys.addFile("/f", "");
    const cases: Array<[string, () => void]> = [
      ["ENOENT", () => fsys.stat("/nope")], ["ENOTDIR", () => fsys.listdir("/f")],
      ["EEXIST", () => fsys.mkdir("/", 0o755)], ["EINVAL", () => fsys.readlink("/")],
      ["EACCES", () => fsys.mkdir("/x", 0o755)], ["EISDIR", () => fsys.unlink("/")],
    ];
    for (const [code, f] of cases) {
      const e = thrown(f) as FakeSysError;
      assert.equal(e.code, code);
      assert.equal(e.errno, (os.constants.errno as { [k: string]: number })[code], code);
    }
  });
});

describe("FakeSys errors", () => {
  test("shaped like the binding's", () => {
    const fsys = new FakeSys();
    const e = thrown(() => fsys.stat("/no/such")) as FakeSysError;
    assert.ok(e instanceof Error);
    assert.equal(e.message, "stat: /no/such: No such file or directory");
    assert.equal(e.syscall, "stat");
    assert.equal(e.path, "/no/such");
    assert.equal(e.errno, 2);
    assert.equal(e.code, "ENOENT");
    assert.equal(e.strerror, "No such file or directory");
    assert.ok(isSysError(e));
  });

  test("stat_if_exists and lstat_if_exists: null where the path is missing, else as stat and lstat", () => {
    const fsys = new FakeSys();
    fsys.addDir("/d");
    fsys.addFile("/f", "");
    assert.equal(fsys.stat_if_exists("/no/such"), null);
    assert.equal(fsys.lstat_if_exists("/d/nope"), null);
    assert.deepEqual(fsys.stat_if_exists("/d"), fsys.stat("/d"));
    assert.equal((thrown(() => fsys.lstat_if_exists("/f/x")) as FakeSysError).code, "ENOTDIR");
  });

  test("mount errors name source and target; listdir fails as opendir", () => {
    const fsys = new FakeSys();
    fsys.addDir("/t");
    const e = thrown(() => fsys.mount("/nope", "/t", null, C.MS_BIND, null)) as FakeSysError;
    assert.equal(e.message, "mount: /nope -> /t: No such file or directory");
    assert.equal(e.path2, "/t");
    const d = thrown(() => fsys.listdir("/nope")) as FakeSysError;
    assert.equal(d.syscall, "opendir");
  });
});

describe("FakeSys file system", () => {
  test("relative and absolute symlinks, realpath, loops", () => {
    const fsys = new FakeSys();
    fsys.addDir("/a/b/c");
    fsys.addLink("/a/rel", "b/c");
    fsys.addLink("/a/b/up", "../../a/b");
    fsys.addLink("/abs", "/a/b");
    fsys.addLink("/loop1", "loop2");
    fsys.addLink("/loop2", "/loop1");
    assert.equal(fsys.realpath("/a/rel"), "/a/b/c");
    assert.equal(fsys.realpath("/a/b/up/c"), "/a/b/c");
    assert.equal(fsys.realpath("/abs/c/.."), "/a/b");
    assert.equal(fsys.readlink("/abs"), "/a/b");
    assert.equal(fsys.lstat("/abs").mode & C.S_IFMT, C.S_IFLNK);
    assert.equal(fsys.stat("/abs").mode & C.S_IFMT, C.S_IFDIR);
    assert.equal(errCode(() => fsys.stat("/loop1")), "ELOOP");
    assert.equal(fsys.lstat("/loop1").mode & C.S_IFMT, C.S_IFLNK);
    assert.equal(errCode(() => fsys.readlink("/a")), "EINVAL");
  });

  test("mkdir: EEXIST, ENOENT, ENOTDIR, EACCES, EROFS, umask", () => {
    const fsys = new FakeSys({ uid: 1000, umask: 0o022 });
    fsys.addDir("/mine");
    fsys.addDir("/roots", { uid: 0, gid: 0, mode: 0o755 });
    fsys.addFile("/file", "x");
    fsys.addDir("/ro/sub");
    fsys.readOnly("/ro");
    fsys.mkdir("/mine/new", 0o777);
    assert.equal(fsys.info("/mine/new").mode, 0o755);
    assert.equal(fsys.info("/mine/new").uid, 1000);
    assert.equal(errCode(() => fsys.mkdir("/mine/new", 0o755)), "EEXIST");
    assert.equal(errCode(() => fsys.mkdir("/mine/x/y", 0o755)), "ENOENT");
    assert.equal(errCode(() => fsys.mkdir("/file/y", 0o755)), "ENOTDIR");
    assert.equal(errCode(() => fsys.mkdir("/roots/y", 0o755)), "EACCES");
    assert.equal(errCode(() => fsys.mkdir("/ro/sub/y", 0o755)), "EROFS");
    assert.equal(errCode(() => fsys.access("/ro/sub", C.W_OK)), "EROFS");
    assert.equal(errCode(() => fsys.access("/roots", C.W_OK)), "EACCES");
    fsys.access("/mine", C.W_OK);
    assert.deepEqual(fsys.entries("/mine"), ["new"]);
  });

  test("open/write/read/close, O_EXCL, unlink", () => {
    const fsys = new FakeSys();
    fsys.addDir("/tmp");
    const fd = fsys.open("/tmp/f", C.O_CREAT | C.O_EXCL | C.O_WRONLY, 0o600);
    writeAll(fsys, fd, "hello\n");
    fsys.close(fd);
    assert.equal(fsys.info("/tmp/f").mode, 0o600);
    assert.equal(readFile(fsys, "/tmp/f"), "hello\n");
    assert.equal(errCode(() => fsys.open("/tmp/f", C.O_CREAT | C.O_EXCL | C.O_WRONLY, 0o600)), "EEXIST");
    assert.equal(errCode(() => fsys.close(fd)), "EBADF");
    assert.equal(errCode(() => fsys.unlink("/tmp")), "EISDIR");
  });

  test("symlink, rename and listdir order", () => {
    const fsys = new FakeSys();
    fsys.addDir("/d");
    fsys.addFile("/d/b", "");
    fsys.addFile("/d/a", "");
    fsys.symlink("b", "/d/c");
    assert.deepEqual(fsys.listdir("/d"), ["b", "a", "c"]);
    assert.equal(errCode(() => fsys.symlink("x", "/d/c")), "EEXIST");
    fsys.rename("/d/b", "/d/b.orig");
    assert.deepEqual(fsys.listdir("/d"), ["a", "c", "b.orig"]);
    assert.equal(errCode(() => fsys.stat("/d/c")), "ENOENT"); // now dangling
    assert.deepEqual(fsys.tree("/d"), ["f 644 a", "l c -> b", "f 644 b.orig"]);
  });
});

describe("FakeSys mounts", () => {
  test("bind shows the source, umount2 uncovers", () => {
    const fsys = new FakeSys();
    fsys.addFile("/src/inner", "S");
    fsys.addFile("/dst/old", "D");
    fsys.mount("/src", "/dst", null, C.MS_BIND | C.MS_REC, null);
    assert.deepEqual(fsys.listdir("/dst"), ["inner"]);
    assert.equal(fsys.readText("/dst/inner"), "S");
    assert.equal(fsys.mountAt("/dst")?.source, "/src");
    assert.equal(errCode(() => fsys.rmdir("/dst")), "EBUSY");
    fsys.umount2("/dst", C.MNT_DETACH);
    assert.deepEqual(fsys.listdir("/dst"), ["old"]);
    assert.equal(fsys.mountAt("/dst"), null);
    assert.equal(errCode(() => fsys.umount2("/dst", 0)), "EINVAL");
  });

  test("bind of a file onto a directory is ENOTDIR; missing target ENOENT", () => {
    const fsys = new FakeSys();
    fsys.addFile("/f", "x");
    fsys.addDir("/d");
    assert.equal(errCode(() => fsys.mount("/f", "/d", null, C.MS_BIND, null)), "ENOTDIR");
    assert.equal(errCode(() => fsys.mount("/d", "/f", null, C.MS_BIND, null)), "ENOTDIR");
    assert.equal(errCode(() => fsys.mount("/d", "/nope", null, C.MS_BIND, null)), "ENOENT");
  });

  test("remount read-only: needs a mount point, keeps locked flags, then EROFS", () => {
    const fsys = new FakeSys();
    fsys.addDir("/img/etc");
    fsys.setStatvfsFlags("/", C.ST_NOSUID | C.ST_NODEV);
    assert.equal(fsys.statvfs("/img").flag, ST_VALID | C.ST_NOSUID | C.ST_NODEV);
    fsys.unshare(C.CLONE_NEWNS | C.CLONE_NEWUSER); // locks the flags
    const ro = C.MS_REMOUNT | C.MS_BIND | C.MS_RDONLY;
    assert.equal(errCode(() => fsys.mount(null, "/img", null, ro, null)), "EINVAL"); // not a mount point
    fsys.mount("/img", "/img", null, C.MS_BIND | C.MS_REC | C.MS_PRIVATE, null);
    assert.equal(fsys.mountAt("/img")?.locked, true);
    assert.equal(errCode(() => fsys.mount(null, "/img", null, ro, null)), "EPERM"); // drops nosuid, nodev
    fsys.mount(null, "/img", null, ro | C.MS_NOSUID | C.MS_NODEV, null);
    assert.equal(fsys.statvfs("/img").flag, ST_VALID | C.ST_RDONLY | C.ST_NOSUID | C.ST_NODEV);
    assert.equal(errCode(() => fsys.mkdir("/img/etc/x", 0o755)), "EROFS");
    assert.equal(errCode(() => fsys.access("/img", C.W_OK)), "EROFS");
  });

  test("tmpfs is fresh, empty and writable over a read-only directory", () => {
    const fsys = new FakeSys();
    fsys.addFile("/img/tmp/junk", "");
    fsys.readOnly("/img");
    fsys.mount(null, "/img/tmp", "tmpfs", 0, null);
    assert.deepEqual(fsys.listdir("/img/tmp"), []);
    fsys.mkdir("/img/tmp/x", 0o700);
    assert.equal(fsys.mountAt("/img/tmp")?.fstype, "tmpfs");
    assert.equal(errCode(() => fsys.mount(null, "/img/tmp", "tmpfs", 0, "size=lots")), "EINVAL");
  });

  test("overlay shows lowerdir, writable although the lower is read-only", () => {
    const fsys = new FakeSys();
    fsys.addFile("/img/etc/hosts", "h");
    fsys.readOnly("/img");
    fsys.addDir("/srv");
    fsys.mount(null, "/srv", "tmpfs", 0, "size=12%");
    for (const d of ["upper", "work", "merged"])
      fsys.mkdir("/srv/" + d, 0o700);
    fsys.mount("weirdal", "/srv/merged", "overlay", 0,
               "lowerdir=/img,upperdir=/srv/upper,workdir=/srv/work,index=on,userxattr,volatile");
    assert.equal(fsys.readText("/srv/merged/etc/hosts"), "h");
    fsys.mkdir("/srv/merged/new", 0o755);
    assert.equal(fsys.exists("/srv/merged/new"), true);
    assert.equal(errCode(() => fsys.mkdir("/img/other", 0o755)), "EROFS");
    assert.equal(errCode(() => fsys.mount("weirdal", "/srv/merged", "overlay", 0, "lowerdir=/gone")), "ENOENT");
  });

  test("the pivot dance ends inside the image with the /dev bind revealed", () => {
    const fsys = new FakeSys();
    fsys.addFile("/dev/null", "");
    fsys.addFile("/base/img/bin/sh", "#!");
    fsys.addDir("/base/img/dev");
    fsys.mount("/base/img", "/base/img", null, C.MS_BIND | C.MS_REC, null);
    fsys.mount("/base", "/base", null, C.MS_BIND | C.MS_REC, null);
    fsys.mount("/dev", "/base/img/dev", null, C.MS_BIND | C.MS_REC, null);
    fsys.chdir("/base");
    fsys.mount("/base", "/", null, C.MS_MOVE, null);
    fsys.chroot(".");
    fsys.chdir("/img");
    fsys.pivot_root("/img", "/img/dev");
    assert.deepEqual(fsys.listdir("/dev"), ["img"]); // old root (/base, after chroot) parked on /dev
    fsys.chroot(".");
    fsys.umount2("/dev", C.MNT_DETACH);
    assert.deepEqual(fsys.listdir("/"), ["bin", "dev"]);
    assert.deepEqual(fsys.listdir("/dev"), ["null"]);
    assert.equal(fsys.getcwd(), "/");
    assert.equal(fsys.readText("/bin/sh"), "#!");
  });

  test("pivot_root refuses a new root that is not a mount point", () => {
    const fsys = new FakeSys();
    fsys.addDir("/img/dev");
    assert.equal(errCode(() => fsys.pivot_root("/img", "/img/dev")), "EINVAL");
  });
});

describe("FakeSys recording", () => {
  test("every call in order with copied arguments, failures included; helpers unrecorded", () => {
    const fsys = new FakeSys();
    fsys.addDir("/a");
    const argv = ["x"];
    assert.throws(() => fsys.stat("/missing"));
    fsys.unshare(C.CLONE_NEWUSER);
    fsys.prctl(C.PR_SET_NO_NEW_PRIVS, 1);
    const ex = thrown(() => fsys.execvpe("true", argv, ["A=1"])) as ExecCalled;
    argv.push("mutated");
    assert.ok(ex instanceof ExecCalled);
    assert.deepEqual([ex.file, ex.argv, ex.env], ["true", ["x"], ["A=1"]]);
    assert.deepEqual(fsys.calls, [
      { call: "stat", args: ["/missing"] },
      { call: "unshare", args: [C.CLONE_NEWUSER] },
      { call: "prctl", args: [38, 1] },
      { call: "execvpe", args: ["true", ["x"], ["A=1"]] },
    ]);
  });

  test("inject makes a call fail once", () => {
    const fsys = new FakeSys();
    fsys.addDir("/a");
    fsys.inject({ call: "mkdir", code: "ENOSPC", match: (args) => args[0] === "/a/x" });
    assert.equal(errCode(() => fsys.mkdir("/a/x", 0o755)), "ENOSPC");
    fsys.mkdir("/a/x", 0o755);
    assert.deepEqual(fsys.callNames(), ["mkdir", "mkdir"]);
  });

  test("pipes: read what was written, POLLHUP once the writer is closed", () => {
    const fsys = new FakeSys();
    const [r, w] = fsys.pipe(C.O_NONBLOCK);
    assert.deepEqual(fsys.poll([r], [C.POLLIN], 0), [0]);
    assert.equal(errCode(() => fsys.read(r, 10)), "EAGAIN");
    fsys.write(w, "ab");
    assert.deepEqual(fsys.poll([r, 99], [C.POLLIN, C.POLLIN], 0), [C.POLLIN, C.POLLNVAL]);
    assert.equal(fsys.read(r, 1), "a");
    fsys.close(w);
    assert.deepEqual(fsys.poll([r], [C.POLLIN], 0), [C.POLLIN | C.POLLHUP]);
    assert.equal(fsys.read(r, 10), "b");
    assert.equal(fsys.read(r, 10), "");
  });

  test("msFlagNames", () => {
    assert.deepEqual(msFlagNames(C.MS_BIND | C.MS_REC | C.MS_RDONLY | 0x40000000),
                     ["MS_RDONLY", "MS_BIND", "MS_REC", "0x40000000"]);
  });
});
