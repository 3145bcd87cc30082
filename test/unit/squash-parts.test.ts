// Unit tests for the pure parts of SquashFS support (src/squash) and image
// detection (src/image): wait statuses, /proc children lists, the server's
// command line and output, storage names, and image classification against
// a small stub of the binding.

import { test } from "node:test";
import assert from "node:assert/strict";

import { describeStatus, exitCodeOf, parseChildren, signalOf } from "../../src/squash/status.ts";
import {
  findServer, serverArgv, serverEnviron, serverFuseFd, ServerOutput, SERVER_TUNABLES, spawnServer, SQUASHD_SETTINGS,
} from "../../src/squash/server.ts";
import { FakeSys } from "../lib/fakesys.ts";
import { imageKind, nameToPath, resolveImage } from "../../src/image/image.ts";
import { failureOf } from "../lib/failure.ts";


test("exit code of a wait status: code, or 128+signal", () => {
  assert.equal(exitCodeOf(0), 0);
  assert.equal(exitCodeOf(7 << 8), 7);
  assert.equal(exitCodeOf(255 << 8), 255);
  assert.equal(exitCodeOf(15), 143);        // SIGTERM
  assert.equal(exitCodeOf(9), 137);         // SIGKILL
  assert.equal(exitCodeOf(6 | 0x80), 134);  // SIGABRT with core dump
  assert.equal(signalOf(103 << 8), 0);
  assert.equal(signalOf(9), 9);
});

test("wait status described in ch-run's words", () => {
  assert.equal(describeStatus(7 << 8), "terminated normally with exit code 7");
  assert.equal(describeStatus(9), "terminated by signal 9");
});

test("/proc children list parsed", () => {
  assert.deepEqual(parseChildren(""), []);
  assert.deepEqual(parseChildren("12 "), [12]);
  assert.deepEqual(parseChildren("12 3456 7\n"), [12, 3456, 7]);
});

test("server command line: each one argument; squashfuse_ll in the foreground, skiff-squashd with its settings", () => {
  assert.deepEqual(serverArgv("squashfuse_ll", "/i.sqfs", 3), ["squashfuse_ll", "-f", "/i.sqfs", "/dev/fd/3"]);
  assert.deepEqual(serverArgv("squashfuse_ll", "/a b,c;$(x).sqfs", 4),
                   ["squashfuse_ll", "-f", "/a b,c;$(x).sqfs", "/dev/fd/4"]);
  assert.deepEqual(serverArgv("skiff-squashd", "/a b.sqfs", 5),
                   ["skiff-squashd"].concat(SQUASHD_SETTINGS, ["/a b.sqfs", "5"]));
  assert.deepEqual(serverArgv("skiff-squashd", "/i", 5, "/tmp/st"),
                   ["skiff-squashd"].concat(SQUASHD_SETTINGS, ["--stats=/tmp/st", "/i", "5"]));
  assert.deepEqual(serverArgv("squashfuse_ll", "/i", 3, "/tmp/st"), ["squashfuse_ll", "-f", "/i", "/dev/fd/3"]);
  assert.ok(SQUASHD_SETTINGS.indexOf("--threads=2") >= 0);
});

/** A host with skiff at /opt/sk/bin/skiff and the given executables. */
function hostWith(exes: string[]): FakeSys {
  const fsys = new FakeSys();
  fsys.addFile("/opt/sk/bin/skiff", "", { mode: 0o755 });
  fsys.addLink("/proc/self/exe", "/opt/sk/bin/skiff");
  fsys.addDir("/usr/bin");
  for (const e of exes)
    fsys.addFile(e, "", { mode: 0o755 });
  return fsys;
}

test("server found: skiff-squashd next to skiff, then on $PATH, else squashfuse_ll", () => {
  const both = hostWith(["/opt/sk/bin/skiff-squashd", "/u/bin/skiff-squashd", "/usr/bin/squashfuse_ll"]);
  assert.deepEqual(findServer(both, "/u/bin"), { name: "skiff-squashd", exe: "/opt/sk/bin/skiff-squashd" });
  const onPath = hostWith(["/u/bin/skiff-squashd", "/usr/bin/squashfuse_ll"]);
  assert.deepEqual(findServer(onPath, "/u/bin"), { name: "skiff-squashd", exe: "/u/bin/skiff-squashd" });
  const llOnly = hostWith(["/usr/bin/squashfuse_ll"]);
  assert.deepEqual(findServer(llOnly, "rel:/u/bin"), { name: "squashfuse_ll", exe: "/usr/bin/squashfuse_ll" });
  const notExecutable = hostWith(["/usr/bin/squashfuse_ll"]);
  notExecutable.addFile("/opt/sk/bin/skiff-squashd", "", { mode: 0o644 });
  assert.equal(findServer(notExecutable, "").name, "squashfuse_ll");
  assert.match(failureOf(() => findServer(hostWith([]), "/u/bin")).message,
               /^can't find squashfuse_ll on \$PATH or in \/usr\/bin$/);
});

test("server chosen by $SKIFF_SQUASH_SERVER", () => {
  const both = hostWith(["/opt/sk/bin/skiff-squashd", "/usr/bin/squashfuse_ll"]);
  assert.equal(findServer(both, "", "squashfuse_ll").exe, "/usr/bin/squashfuse_ll");
  assert.equal(findServer(both, "", "skiff-squashd").exe, "/opt/sk/bin/skiff-squashd");
  assert.equal(findServer(both, "", "").exe, "/opt/sk/bin/skiff-squashd");
  assert.match(failureOf(() => findServer(hostWith(["/usr/bin/squashfuse_ll"]), "", "skiff-squashd")).message,
               /^can't find skiff-squashd next to skiff, on \$PATH or in \/usr\/bin$/);
  assert.match(failureOf(() => findServer(both, "", "squashfuse")).message,
               /^unknown SquashFS server: \$SKIFF_SQUASH_SERVER=squashfuse$/);
});

test("server environment: ours plus malloc tunables, the user's tunables last", () => {
  assert.deepEqual(serverEnviron(["PATH=/bin", "HOME=/h"]),
                   ["PATH=/bin", "HOME=/h", "GLIBC_TUNABLES=" + SERVER_TUNABLES]);
  assert.deepEqual(serverEnviron(["GLIBC_TUNABLES=glibc.malloc.arena_max=1", "A=b"]),
                   ["A=b", "GLIBC_TUNABLES=" + SERVER_TUNABLES + ":glibc.malloc.arena_max=1"]);
  assert.match(SERVER_TUNABLES, /^glibc\.malloc\.hugetlb=1:glibc\.malloc\.mmap_threshold=\d+:glibc\.malloc\.top_pad=\d+$/);
});

test("server spawned in a process group of its own, no signal blocked, every disposition its default", () => {
  const fsys = new FakeSys();
  fsys.forkResult = 4321;
  assert.equal(spawnServer(fsys, { name: "skiff-squashd", exe: "/x/skiff-squashd" }, "/i.sqfs", 7, 9, undefined), 4321);
  const attrs = fsys.callsOf("posix_spawn")[0][4] as NativeSpawnAttrs;
  // glibc 2.36 otherwise queries and resets each signal in the child: twice
  // the system calls while we wait for the exec
  assert.deepEqual(attrs, { setpgroup: 0, setsigmask: [], setsigdef: Array.from({ length: 64 }, (_, i) => i + 1) });
});

test("server's fd is neither the one we hold nor the output pipe", () => {
  assert.equal(serverFuseFd(5, 6), 3);
  assert.equal(serverFuseFd(3, 6), 4);
  assert.equal(serverFuseFd(4, 3), 5);
  assert.equal(serverFuseFd(3, 4), 5);
});

/** A pipe read end that yields chunks, then EAGAIN or EOF. */
function pipeSys(chunks: string[], eof: boolean): NativeBinding {
  return {
    read: () => {
      if (chunks.length > 0)
        return chunks.shift() as string;
      if (eof)
        return "";
      throw Object.assign(new Error("read: EAGAIN"), { syscall: "read", code: "EAGAIN", errno: 11,
                                                       strerror: "Resource temporarily unavailable" });
    },
  } as unknown as NativeBinding;
}

test("server output: drained without blocking, EOF seen, message on one line", () => {
  const open = new ServerOutput(pipeSys(["Something went wrong\n"], false), 9);
  assert.equal(open.drain(), true);
  const out = new ServerOutput(pipeSys(["Something went wrong trying to read\n", "  the image.\n\n"], true), 9);
  assert.equal(out.drain(), false);
  assert.equal(out.drain(), false);
  assert.equal(out.message(), "Something went wrong trying to read the image.");
  const long = new ServerOutput(pipeSys(["x".repeat(2000)], true), 9);
  long.drain();
  assert.equal(long.message().length, 503);
});

test("storage names: / becomes %, : becomes +, nothing else changes", () => {
  assert.equal(nameToPath("alpine:3.17", "/s"), "/s/img/alpine+3.17");
  assert.equal(nameToPath("example.com:5050/foo:1.0", "/s/"), "/s/img/example.com+5050%foo+1.0");
  assert.equal(nameToPath("busybox", "/var/tmp/u.ch"), "/var/tmp/u.ch/img/busybox");
});

//// imageKind / resolveImage against a stub file system ////////////////////

const S_IFDIR = 0o040000, S_IFREG = 0o100000, S_IFIFO = 0o010000;

interface Node { mode: number; content?: string; link?: string }

function sysError(code: string, call: string, p: string) {
  const text: { [c: string]: string } = {
    ENOENT: "No such file or directory", EACCES: "Permission denied", ENOTDIR: "Not a directory",
  };
  return Object.assign(new Error(call + ": " + p + ": " + text[code]),
                       { syscall: call, code: code, errno: 1, strerror: text[code], path: p });
}

/** f(), null where it fails with ENOENT (the _if_exists calls). */
function orNull<T>(f: () => T): T | null {
  try {
    return f();
  } catch (e) {
    if ((e as { code?: string }).code === "ENOENT")
      return null;
    throw e;
  }
}

/** lstat/stat (and their _if_exists forms)/open/read/close/realpath over a map of paths; paths under a
    key listed in `locked` fail with EACCES. */
function stubSys(files: { [p: string]: Node }, locked: string[] = [], opened: string[] = []): NativeBinding {
  const fds: { [fd: number]: string } = {};
  let next = 3;
  function look(call: string, p: string): Node {
    for (const l of locked)
      if (p.startsWith(l + "/"))
        throw sysError("EACCES", call, p);
    let n = files[p];
    if (n && n.link && call !== "lstat")
      n = files[n.link];
    if (!n)
      throw sysError("ENOENT", call, p);
    return n;
  }
  return {
    getresuid: () => [1000, 1000, 1000],
    getpwuid: () => null,
    lstat: (p: string) => ({ mode: look("lstat", p).mode, uid: 0 }),
    stat: (p: string) => ({ mode: look("stat", p).mode }),
    lstat_if_exists: (p: string) => orNull(() => ({ mode: look("lstat", p).mode, uid: 0 })),
    stat_if_exists: (p: string) => orNull(() => ({ mode: look("stat", p).mode })),
    open: (p: string) => { opened.push(p); look("open", p); fds[next] = p; return next++; },
    fstat: (fd: number) => ({ mode: files[fds[fd]].mode }),
    read: (fd: number, n: number) => (files[fds[fd]].content || "").slice(0, n),
    close: () => {},
    realpath: (p: string) => { look("realpath", p); return files[p].link || p; },
  } as unknown as NativeBinding;
}

const FILES: { [p: string]: Node } = {
  "/": { mode: S_IFDIR },
  "/images": { mode: S_IFDIR },
  "/st": { mode: S_IFDIR },
  "/st/img": { mode: S_IFDIR },
  "/st/img/busybox": { mode: S_IFDIR },
  "/st/img/linked": { mode: 0o120000, link: "/images/busybox" },
  "/images/busybox": { mode: S_IFDIR },
  "/images/b.sqfs": { mode: S_IFREG, content: "hsqs\u0000\u0000" },
  "/images/note": { mode: S_IFREG, content: "You can't run this" },
  "/images/fifo": { mode: S_IFIFO },
};

test("image kind: name first, then directory, then SquashFS magic", () => {
  const sys = stubSys(FILES);
  assert.equal(imageKind(sys, "busybox", "/st"), "name");
  assert.equal(imageKind(sys, "/images/busybox", "/st"), "directory");
  assert.equal(imageKind(sys, "/images/b.sqfs", "/st"), "squash");
  const f = failureOf(() => imageKind(sys, "/images/note", "/st"));
  assert.equal(f.message, "unknown image type: /images/note");
});

test("image kind: a FIFO is no image, and is never opened (the open would block)", () => {
  const opened: string[] = [];
  const f = failureOf(() => imageKind(stubSys(FILES, [], opened), "/images/fifo", "/st"));
  assert.equal(f.message, "unknown image type: /images/fifo");
  assert.match(f.hint || "", /^it is a FIFO; /);
  assert.deepEqual(opened, []);
});

test("image kind: a name not in storage says can't stat, and where it looked", () => {
  const f = failureOf(() => imageKind(stubSys(FILES), "nosuch", "/st"));
  assert.equal(f.message, "can't stat: nosuch");
  assert.equal(f.strerror, "No such file or directory");
  assert.match(f.hint || "", /\/st\/img/);
});

test("image kind: unreadable storage is named as the cause", () => {
  const f = failureOf(() => imageKind(stubSys(FILES, ["/st"]), "busybox", "/st"));
  assert.equal(f.message, "can't read storage directory: /st/img");
  assert.equal(f.strerror, "Permission denied");
  assert.match(f.hint || "", /-s\/--storage/);
  // ... but a path still works, as in ch-run
  assert.equal(imageKind(stubSys(FILES, ["/st"]), "/images/busybox", "/st"), "directory");
});

test("resolve: names run in place (canonical), -w refused by name without --unsafe", () => {
  const sys = stubSys(FILES);
  const o = { storage: "/st", unsafe: false, writable: false };
  assert.deepEqual(resolveImage(sys, "busybox", o), { kind: "name", ref: "busybox", path: "/st/img/busybox" });
  assert.equal(resolveImage(sys, "linked", o).path, "/images/busybox");
  const f = failureOf(() => resolveImage(sys, "busybox", { storage: "/st", unsafe: false, writable: true }));
  assert.equal(f.message, "--write invalid when running by name");
  assert.equal(resolveImage(sys, "busybox", { storage: "/st", unsafe: true, writable: true }).kind, "name");
});

test("resolve: directory images inside storage refused without --unsafe, with the name to use", () => {
  const sys = stubSys(FILES);
  const f = failureOf(() => resolveImage(sys, "/st/img/busybox", { storage: "/st", unsafe: false, writable: false }));
  assert.equal(f.message, "can't run directory images from storage");
  assert.match(f.hint || "", /^run by name \(busybox\), or pass --unsafe; \/st\/img\/busybox is in /);
  assert.equal(resolveImage(sys, "/st/img/busybox", { storage: "/st", unsafe: true, writable: false }).kind,
               "directory");
  assert.equal(resolveImage(sys, "/images/b.sqfs", { storage: "/st", unsafe: false, writable: false }).kind,
               "squash");
});
