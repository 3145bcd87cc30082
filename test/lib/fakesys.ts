/// <reference path="../../src/sys/native.d.ts" />
// FakeSys: a recording test double for the C binding (native/binding.c),
// so the planner and executor can be unit-tested without privileges, the
// way youki tests its rootfs code against a recording syscall double.
//
// It keeps an in-memory file system of inodes (directories with ordered
// entries, regular files, symlinks; owner and permission bits) and a simple
// mount model: a mount sits on a directory entry and covers what was there,
// so a bind mount makes later lookups under the target see the source's
// inode, a tmpfs shows a fresh empty directory, an overlay shows its
// lowerdir (writable; writes go to the lower, which is fine for tests), and
// umount2() uncovers the entry again. Read-only-ness and statvfs flags are
// properties of the mount a path is reached through, as in Linux; bind
// mounts copy them from the source's mount, and unshare(CLONE_NEWUSER)
// locks them as the kernel does for a less privileged mount namespace.
//
// Every method call is recorded in `calls` (name + copied arguments) before
// it runs. Failures throw the binding's error objects: an Error carrying
// syscall, path, path2, errno, code ("ENOENT", ...) and strerror.
//
// Test set-up helpers (addDir, addFile, addLink, readOnly, tree, ...) are
// not recorded and ignore permissions.

import { SysError } from "../../src/log/fail.ts";
import { Host, setHost } from "../../src/sys/host.ts";
import type { Sys } from "../../src/sys/sys.ts";
import { MACHINE_CONSTANTS } from "./constants.ts";
import { getenvOf } from "./environ.ts";
import { createHash } from "node:crypto";
import * as fs from "node:fs";


const C = MACHINE_CONSTANTS;
/** The same, looked up by a name made at run time. */
const C_BY_NAME = MACHINE_CONSTANTS as unknown as { [name: string]: number };

/** statvfs(3)'s ST_VALID: set by glibc on every result, never a mount flag. */
export const ST_VALID = 0x20;

/** errno name → [number, glibc strerror text]. */
export const ERRNOS: { [code: string]: [number, string] } = {
  EPERM: [1, "Operation not permitted"],
  ENOENT: [2, "No such file or directory"],
  ESRCH: [3, "No such process"],
  EBADF: [9, "Bad file descriptor"],
  ECHILD: [10, "No child processes"],
  EAGAIN: [11, "Resource temporarily unavailable"],
  EACCES: [13, "Permission denied"],
  EBUSY: [16, "Device or resource busy"],
  EEXIST: [17, "File exists"],
  EXDEV: [18, "Invalid cross-device link"],
  ENODEV: [19, "No such device"],
  ENOTDIR: [20, "Not a directory"],
  EISDIR: [21, "Is a directory"],
  EINVAL: [22, "Invalid argument"],
  ENOSPC: [28, "No space left on device"],
  ESPIPE: [29, "Illegal seek"],
  EROFS: [30, "Read-only file system"],
  ENAMETOOLONG: [36, "File name too long"],
  ENOSYS: [38, "Function not implemented"],
  ENOTEMPTY: [39, "Directory not empty"],
  ELOOP: [40, "Too many levels of symbolic links"],
  ETIMEDOUT: [110, "Connection timed out"],
};

/** The binding's error object (native/binding.c throw_errno()), as an Error. */
export type FakeSysError = Error & SysError;

/** An error as the binding throws it: message "CALL[: PATH[ -> PATH2]]: STRERROR". */
export function sysError(code: string, syscall: string, path?: string | null, path2?: string | null): FakeSysError {
  const known = ERRNOS[code];
  if (!known)
    throw new Error("FakeSys: unknown errno name " + code);
  const msg = syscall + (path ? ": " + path : "") + (path2 ? " -> " + path2 : "") + ": " + known[1];
  const e = new Error(msg) as FakeSysError;
  e.syscall = syscall;
  if (path)
    e.path = path;
  if (path2)
    e.path2 = path2;
  e.errno = known[0];
  e.code = code;
  e.strerror = known[1];
  return e;
}

/** Thrown by execvpe()/execve(): the process would have been replaced. */
export class ExecCalled {
  constructor(public file: string, public argv: string[], public env: string[]) {}
}

/** Run f, which must end in execvpe()/execve(): what it exec'd. */
export function execOf(f: () => unknown): ExecCalled {
  try {
    f();
  } catch (e) {
    if (e instanceof ExecCalled)
      return e;
    throw e;
  }
  throw new Error("expected an exec");
}

/** Thrown by exit(). */
export class ExitCalled {
  constructor(public status: number) {}
}

/** Names of the MS_* bits in flags (for readable assertions); unknown bits as hex. */
export function msFlagNames(flags: number): string[] {
  const names = ["MS_RDONLY", "MS_NOSUID", "MS_NODEV", "MS_NOEXEC", "MS_SYNCHRONOUS", "MS_REMOUNT",
    "MS_MANDLOCK", "MS_NOATIME", "MS_NODIRATIME", "MS_BIND", "MS_MOVE", "MS_REC", "MS_PRIVATE",
    "MS_SLAVE", "MS_RELATIME"];
  const out: string[] = [];
  let rest = flags;
  for (const n of names) {
    if (flags & C_BY_NAME[n]) {
      out.push(n);
      rest &= ~C_BY_NAME[n];
    }
  }
  if (rest)
    out.push("0x" + rest.toString(16));
  return out;
}

//// The file system model ////////////////////////////////////////////////

type InodeType = "dir" | "file" | "link";

interface Inode {
  ino: number;
  dev: number;
  type: InodeType;
  perm: number;
  uid: number;
  gid: number;
  children?: Map<string, Entry>; // dir
  content?: string; // file
  target?: string; // link
  /** FakeSys.changes at its last change: its ctime. */
  changed: number;
}

/** Per-mount flags that statvfs reports and a remount must keep. */
const MOUNT_FLAG_BITS = ["NOSUID", "NODEV", "NOEXEC", "SYNCHRONOUS", "MANDLOCK", "NOATIME", "NODIRATIME",
  "RELATIME"];

interface Mount {
  isMount: true;
  id: number;
  inode: Inode;
  ro: boolean;
  /** MS_* bits of MOUNT_FLAG_BITS. */
  flags: number;
  /** Extra raw statvfs bits reported (to simulate unknown flags). */
  extraStatvfs: number;
  /** Flags locked by a less privileged mount namespace (unshare). */
  locked: boolean;
  fstype: string | null;
  source: string | null;
  data: string | null;
  /** What this mount covers (null for the first root mount). */
  covered: Entry | null;
}

type Entry = Inode | Mount;

interface Loc {
  inode: Inode;
  mnt: Mount;
}

interface Frame {
  name: string;
  loc: Loc;
}

type Lookup =
  | { found: true; stack: Frame[] }
  | { found: false; stack: Frame[]; name: string };

function isMount(e: Entry): e is Mount {
  return (e as Mount).isMount === true;
}

function components(p: string): string[] {
  return p.split("/").filter((c) => c !== "" && c !== ".");
}

function pathOf(stack: Frame[]): string {
  return "/" + stack.slice(1).map((f) => f.name).join("/");
}

interface OpenFile {
  kind: "file";
  inode: Inode;
  pos: number;
  flags: number;
  path: string;
  /** Where it was found: what fchdir() makes the working directory. */
  frames?: Frame[];
}

interface PipeEnd {
  kind: "pipe";
  buf: { data: string };
  write: boolean;
  nonblock: boolean;
}

type Fd = OpenFile | PipeEnd;

export interface NodeOptions {
  /** Permission bits (default 0755 for directories, 0644 for files). */
  mode?: number;
  uid?: number;
  gid?: number;
}

export interface FakeSysOptions {
  /** IDs of the calling process (default 1000/1000). */
  uid?: number;
  gid?: number;
  umask?: number;
  /** The process environment (environ(), setenv()). */
  env?: string[];
  users?: NativePasswd[];
  groups?: NativeGroup[];
  argv?: string[];
  pid?: number;
}

export interface Injection {
  call: string;
  code: string;
  /** Only calls whose arguments satisfy this (default: all). */
  match?: (args: unknown[]) => boolean;
  /** Fail only once (default), or every time. */
  once?: boolean;
}

export interface MountInfo {
  fstype: string | null;
  source: string | null;
  data: string | null;
  ro: boolean;
  locked: boolean;
  flags: string[];
}

const MAX_SYMLINKS = 40;

function copyArg(a: unknown): unknown {
  return Array.isArray(a) ? a.slice() : a;
}

/** The units' entry modules by name, from the one list of them: the Units
    interface of src/unit/unit.ts, read as the Makefile reads it. */
export function unitEntries(): Map<string, string> {
  const text = fs.readFileSync("src/unit/unit.ts", "utf8");
  return new Map([...text.matchAll(/^ {2}([a-z0-9_]*): typeof import\("\.\.\/([a-z0-9_/-]*)"\);$/gm)]
    .map((m) => [m[1], m[2]]));
}

/** The tests' Host: units are the modules as node loads them (one copy,
    all there), and garbage collection is node's business. */
export const FAKE_HOST: Host = {
  argv: ["skiff"],
  linkage: "dynamic",
  gc() {},
  load_unit(name: string) {
    const entry = unitEntries().get(name);
    if (entry === undefined)
      throw new RangeError(`no unit named ${name} in src/unit/unit.ts`);
    // esbuild bundles every module this pattern can name
    const mod: unknown = require("../../src/" + entry + ".ts");
    return () => mod;
  },
};
setHost(FAKE_HOST);

export class FakeSys implements Sys {
  argv: string[];
  /** Every call, in order. */
  calls: Array<{ call: string; args: unknown[] }> = [];
  /** What was written to fds 1 and 2. */
  stdout = "";
  stderr = "";
  uid: number;
  gid: number;
  umask: number;
  env: string[];
  users: NativePasswd[];
  groups: NativeGroup[];
  pid: number;
  /** What fork() returns (0: act as the child). */
  forkResult = 0;
  clock = 1000;
  injections: Injection[] = [];

  private nextIno = 1;
  /** Ticks at each change of an inode, for its ctime. */
  private changes = 1;
  private nextDev = 1;
  private nextMountId = 1;
  private mounts: Mount[] = [];
  /** The namespace's root: a mount stack (MS_MOVE onto / pushes on it). */
  private top: Mount;
  /** The process root after chroot/pivot_root (null: the namespace root). */
  private procRoot: Loc | null = null;
  private cwd: Frame[];
  private fds = new Map<number, Fd>();
  /** Signals set to SIG_IGN (1) or back to SIG_DFL (0). */
  dispositions = new Map<number, 0 | 1>();

  constructor(opts: FakeSysOptions = {}) {
    this.uid = opts.uid !== undefined ? opts.uid : 1000;
    this.gid = opts.gid !== undefined ? opts.gid : 1000;
    this.umask = opts.umask !== undefined ? opts.umask : 0o022;
    this.env = (opts.env || []).slice();
    this.users = opts.users || [];
    this.groups = opts.groups || [];
    this.argv = opts.argv || ["skiff"];
    this.pid = opts.pid || 4242;
    const root = this.newInode("dir", 0o755, 0, 0, this.nextDev++);
    this.top = this.newMount(root, null, "rootfs", "/dev/root", null, false, 0, false);
    this.cwd = [this.rootFrame()];
  }

  //// Internals //////////////////////////////////////////////////////////

  private newInode(type: InodeType, perm: number, uid: number, gid: number, dev: number): Inode {
    const i: Inode = { ino: this.nextIno++, dev: dev, type: type, perm: perm, uid: uid, gid: gid,
                       changed: this.changes++ };
    if (type === "dir")
      i.children = new Map();
    else if (type === "file")
      i.content = "";
    return i;
  }

  private newMount(inode: Inode, covered: Entry | null, fstype: string | null, source: string | null,
                   data: string | null, ro: boolean, flags: number, locked: boolean): Mount {
    const m: Mount = { isMount: true, id: this.nextMountId++, inode: inode, ro: ro, flags: flags,
      extraStatvfs: 0, locked: locked, fstype: fstype, source: source, data: data, covered: covered };
    this.mounts.push(m);
    return m;
  }

  /** A bind mount's clone of mount `from`: same flags, lock and ro-ness. */
  private cloneMount(from: Mount, inode: Inode, covered: Entry | null, source: string | null): Mount {
    const m = this.newMount(inode, covered, from.fstype, source, null, from.ro, from.flags, from.locked);
    m.extraStatvfs = from.extraStatvfs;
    return m;
  }

  private rec<T>(call: string, args: unknown[], body: () => T): T {
    this.calls.push({ call: call, args: args.map(copyArg) });
    for (let i = 0; i < this.injections.length; i++) {
      const inj = this.injections[i];
      if (inj.call === call && (!inj.match || inj.match(args))) {
        if (inj.once !== false)
          this.injections.splice(i, 1);
        const p = typeof args[0] === "string" ? args[0] as string : null;
        throw sysError(inj.code, call, p);
      }
    }
    return body();
  }

  private rootFrame(): Frame {
    return { name: "", loc: this.procRoot || { inode: this.top.inode, mnt: this.top } };
  }

  private locOf(e: Entry, mnt: Mount): Loc {
    return isMount(e) ? { inode: e.inode, mnt: e } : { inode: e, mnt: mnt };
  }

  /** Walk path; the final component is followed if it is a symlink and
      follow is set. Throws ENOENT/ENOTDIR/ELOOP (as syscall on p). */
  private lookup(p: string, follow: boolean, syscall: string): Lookup {
    if (p === "")
      throw sysError("ENOENT", syscall, p);
    let stack: Frame[] = p.charAt(0) === "/" ? [this.rootFrame()] : this.cwd.slice();
    let todo = components(p);
    let links = 0;
    while (todo.length > 0) {
      const c = todo.shift() as string;
      const cur = stack[stack.length - 1].loc;
      if (cur.inode.type !== "dir")
        throw sysError("ENOTDIR", syscall, p);
      if (c === "..") {
        if (stack.length > 1)
          stack.pop();
        continue;
      }
      const e = (cur.inode.children as Map<string, Entry>).get(c);
      const last = todo.length === 0;
      if (e === undefined) {
        if (last)
          return { found: false, stack: stack, name: c };
        throw sysError("ENOENT", syscall, p);
      }
      const loc = this.locOf(e, cur.mnt);
      if (loc.inode.type === "link" && (!last || follow)) {
        if (++links > MAX_SYMLINKS)
          throw sysError("ELOOP", syscall, p);
        const t = loc.inode.target as string;
        if (t === "")
          throw sysError("ENOENT", syscall, p);
        if (t.charAt(0) === "/")
          stack = [this.rootFrame()];
        todo = components(t).concat(todo);
        continue;
      }
      stack.push({ name: c, loc: loc });
    }
    return { found: true, stack: stack };
  }

  /** Resolve an existing path; ENOENT if missing. */
  private resolve(p: string, follow: boolean, syscall: string): Frame[] {
    const r = this.lookup(p, follow, syscall);
    if (!r.found)
      throw sysError("ENOENT", syscall, p);
    return r.stack;
  }

  private loc(p: string, follow: boolean, syscall: string): Loc {
    const s = this.resolve(p, follow, syscall);
    return s[s.length - 1].loc;
  }

  private allows(i: Inode, bit: number): boolean {
    // bit: 4 read, 2 write, 1 search
    if (i.uid === this.uid)
      return (i.perm & (bit << 6)) !== 0;
    if (i.gid === this.gid)
      return (i.perm & (bit << 3)) !== 0;
    return (i.perm & bit) !== 0;
  }

  /** May we change the entries of directory loc? EROFS, then EACCES. */
  private checkDirWrite(loc: Loc, syscall: string, p: string): void {
    if (loc.mnt.ro)
      throw sysError("EROFS", syscall, p);
    if (!this.allows(loc.inode, 2))
      throw sysError("EACCES", syscall, p);
  }

  /** Parent frame stack and name for creating p (which must not exist). */
  private forCreate(p: string, syscall: string): { parent: Loc; name: string } {
    const r = this.lookup(p, false, syscall);
    if (r.found)
      throw sysError("EEXIST", syscall, p);
    const parent = r.stack[r.stack.length - 1].loc;
    this.checkDirWrite(parent, syscall, p);
    return { parent: parent, name: r.name };
  }

  /** Parent directory and name under which the object at stack lives. */
  private slotOf(stack: Frame[]): { dir: Inode; name: string } | null {
    if (stack.length < 2)
      return null;
    return { dir: stack[stack.length - 2].loc.inode, name: stack[stack.length - 1].name };
  }

  private entryAt(stack: Frame[]): Entry | null {
    const s = this.slotOf(stack);
    if (s === null)
      return null;
    return (s.dir.children as Map<string, Entry>).get(s.name) as Entry;
  }

  /** The mount whose root is the object at stack, or null. */
  private mountRootAt(stack: Frame[]): Mount | null {
    if (stack.length === 1 && this.procRoot === null)
      return this.top;
    const e = this.entryAt(stack);
    return e !== null && isMount(e) ? e : null;
  }

  /** Put a new mount on top of the entry for stack. */
  private cover(stack: Frame[], make: (covered: Entry | null) => Mount, syscall: string, p: string): Mount {
    if (stack.length === 1) {
      if (this.procRoot !== null)
        throw sysError("EINVAL", syscall, p); // not modelled: mount over a chroot root
      const m = make(this.top);
      this.top = m;
      return m;
    }
    const s = this.slotOf(stack) as { dir: Inode; name: string };
    const children = s.dir.children as Map<string, Entry>;
    const m = make(children.get(s.name) as Entry);
    children.set(s.name, m);
    return m;
  }

  private statOf(i: Inode): NativeStat {
    const type = i.type === "dir" ? C.S_IFDIR : i.type === "file" ? C.S_IFREG : C.S_IFLNK;
    let nlink = 1;
    let size = 0;
    if (i.type === "dir") {
      nlink = 2;
      (i.children as Map<string, Entry>).forEach((e) => {
        if ((isMount(e) ? e.inode : e).type === "dir")
          nlink++;
      });
      size = 4096;
    } else if (i.type === "file") {
      size = (i.content as string).length;
    } else {
      size = (i.target as string).length;
    }
    return { mode: type | i.perm, uid: i.uid, gid: i.gid, size: size, dev: i.dev, ino: i.ino, nlink: nlink,
             blocks: Math.ceil(size / 4096) * 8, mtime: 0, ctime: i.changed };
  }

  private allocFd(f: Fd): number {
    let fd = 3;
    while (this.fds.has(fd))
      fd++;
    this.fds.set(fd, f);
    return fd;
  }

  private fd(fd: number, syscall: string): Fd {
    const f = this.fds.get(fd);
    if (f === undefined)
      throw sysError("EBADF", syscall);
    return f;
  }

  private statvfsBits(m: Mount): number {
    let bits = ST_VALID | (m.ro ? C.ST_RDONLY : 0) | m.extraStatvfs;
    for (const n of MOUNT_FLAG_BITS)
      if (m.flags & C_BY_NAME["MS_" + n])
        bits |= C_BY_NAME["ST_" + n];
    return bits;
  }

  private mountFlagsOf(msFlags: number): number {
    let f = 0;
    for (const n of MOUNT_FLAG_BITS)
      f |= msFlags & C_BY_NAME["MS_" + n];
    return f;
  }

  //// Set-up and inspection helpers (not recorded, no permission checks) //

  /** mkdir -p path; the last directory gets opts. Returns nothing. */
  addDir(p: string, opts: NodeOptions = {}): void {
    const parts = components(p);
    let dir = this.rootFrame().loc.inode;
    for (let k = 0; k < parts.length; k++) {
      const last = k === parts.length - 1;
      const children = dir.children as Map<string, Entry>;
      let e = children.get(parts[k]);
      if (e === undefined) {
        const i = this.newInode("dir", 0o755, this.uid, this.gid, dir.dev);
        children.set(parts[k], i);
        e = i;
      }
      let i = isMount(e) ? e.inode : e;
      if (i.type === "link") {
        const l = this.lookup(pathOfParts(parts.slice(0, k + 1)), true, "addDir");
        if (!l.found)
          throw new Error("FakeSys.addDir: dangling symlink in " + p);
        i = l.stack[l.stack.length - 1].loc.inode;
      }
      if (i.type !== "dir")
        throw new Error("FakeSys.addDir: not a directory in " + p);
      if (last) {
        if (opts.mode !== undefined)
          i.perm = opts.mode;
        if (opts.uid !== undefined)
          i.uid = opts.uid;
        if (opts.gid !== undefined)
          i.gid = opts.gid;
      }
      dir = i;
    }
  }

  private addLeaf(p: string, make: (dev: number) => Inode): Inode {
    const parent = pathOfParts(components(p).slice(0, -1));
    this.addDir(parent);
    const dir = this.loc(parent, true, "add").inode;
    const i = make(dir.dev);
    (dir.children as Map<string, Entry>).set(components(p).slice(-1)[0], i);
    return i;
  }

  addFile(p: string, content: string, opts: NodeOptions = {}): void {
    this.addLeaf(p, (dev) => {
      const i = this.newInode("file", opts.mode !== undefined ? opts.mode : 0o644,
                              opts.uid !== undefined ? opts.uid : this.uid,
                              opts.gid !== undefined ? opts.gid : this.gid, dev);
      i.content = content;
      i.changed = this.changes++;
      return i;
    });
  }

  addLink(p: string, target: string): void {
    this.addLeaf(p, (dev) => {
      const i = this.newInode("link", 0o777, this.uid, this.gid, dev);
      i.target = target;
      return i;
    });
  }

  /** Make path a read-only mount (a read-only self-bind, as a SquashFUSE
      or ro NFS mount would look); an existing mount there turns ro. */
  readOnly(p: string): void {
    const s = this.resolve(p, true, "readOnly");
    const m = this.mountRootAt(s);
    if (m !== null) {
      m.ro = true;
      return;
    }
    const l = s[s.length - 1].loc;
    this.cover(s, (cov) => {
      const m = this.cloneMount(l.mnt, l.inode, cov, p);
      m.ro = true;
      return m;
    }, "readOnly", p);
  }

  /** Set the statvfs flag bits of the mount path is on (ST_* bits; ST_RDONLY
      sets ro; unknown bits are reported as they are). */
  setStatvfsFlags(p: string, bits: number): void {
    const m = this.loc(p, true, "setStatvfsFlags").mnt;
    m.ro = (bits & C.ST_RDONLY) !== 0;
    m.flags = 0;
    let rest = bits & ~C.ST_RDONLY & ~ST_VALID;
    for (const n of MOUNT_FLAG_BITS)
      if (bits & C_BY_NAME["ST_" + n]) {
        m.flags |= C_BY_NAME["MS_" + n];
        rest &= ~C_BY_NAME["ST_" + n];
      }
    m.extraStatvfs = rest;
  }

  /** Lock the flags of every mount, as unshare(CLONE_NEWUSER|CLONE_NEWNS) does. */
  lockMounts(): void {
    for (const m of this.mounts)
      m.locked = true;
  }

  /** Make a call fail with an errno. */
  inject(i: Injection): void {
    this.injections.push(i);
  }

  exists(p: string): boolean {
    try {
      return this.lookup(p, false, "exists").found;
    } catch (_e) {
      return false;
    }
  }

  /** lstat-like view of path: type, permission bits, owner, content/target. */
  info(p: string): { type: InodeType; mode: number; uid: number; gid: number; content?: string; target?: string;
    ino: number } {
    const i = this.loc(p, false, "info").inode;
    const out: { type: InodeType; mode: number; uid: number; gid: number; content?: string; target?: string;
      ino: number } = { type: i.type, mode: i.perm, uid: i.uid, gid: i.gid, ino: i.ino };
    if (i.type === "file")
      out.content = i.content;
    if (i.type === "link")
      out.target = i.target;
    return out;
  }

  /** Content of the file at path (symlinks followed). */
  readText(p: string): string {
    const i = this.loc(p, true, "readText").inode;
    if (i.type !== "file")
      throw new Error("FakeSys.readText: not a file: " + p);
    return i.content as string;
  }

  /** Entry names of the directory at path, in order. */
  entries(p: string): string[] {
    const i = this.loc(p, true, "entries").inode;
    return Array.from((i.children as Map<string, Entry>).keys());
  }

  /** The mount whose root is at path (symlinks followed), or null. */
  mountAt(p: string): MountInfo | null {
    const m = this.mountRootAt(this.resolve(p, true, "mountAt"));
    if (m === null)
      return null;
    return { fstype: m.fstype, source: m.source, data: m.data, ro: m.ro, locked: m.locked,
      flags: msFlagNames(m.flags) };
  }

  /** The tree below path, one line per entry in order, depth first:
      `d 755 a`, `f 600 a/b`, `l a/c -> target`. Mounted directories are
      shown with their mounted content; a directory is not entered twice on
      one branch. */
  tree(p: string): string[] {
    const out: string[] = [];
    const walk = (dir: Inode, prefix: string, seen: Inode[]): void => {
      (dir.children as Map<string, Entry>).forEach((e, name) => {
        const i = isMount(e) ? e.inode : e;
        const rel = prefix + name;
        if (i.type === "link") {
          out.push("l " + rel + " -> " + i.target);
        } else if (i.type === "file") {
          out.push("f " + i.perm.toString(8) + " " + rel);
        } else {
          out.push("d " + i.perm.toString(8) + " " + rel);
          if (seen.indexOf(i) < 0)
            walk(i, rel + "/", seen.concat([i]));
        }
      });
    };
    const root = this.loc(p, true, "tree").inode;
    walk(root, "", [root]);
    return out;
  }

  /** Arguments of each recorded call of one method. */
  callsOf(name: string): unknown[][] {
    return this.calls.filter((c) => c.call === name).map((c) => c.args);
  }

  /** Names of the recorded calls, in order. */
  callNames(): string[] {
    return this.calls.map((c) => c.call);
  }

  clearCalls(): void {
    this.calls = [];
  }

  /** The descriptors open now, lowest first. */
  openFds(): number[] {
    return Array.from(this.fds.keys()).sort((a, b) => a - b);
  }

  //// Identity ///////////////////////////////////////////////////////////

  getpid(): number {
    return this.rec("getpid", [], () => this.pid);
  }

  getppid(): number {
    return this.rec("getppid", [], () => 1);
  }

  getresuid(): number[] {
    return this.rec("getresuid", [], () => [this.uid, this.uid, this.uid]);
  }

  getresgid(): number[] {
    return this.rec("getresgid", [], () => [this.gid, this.gid, this.gid]);
  }

  getpwuid(uid: number): NativePasswd | null {
    return this.rec("getpwuid", [uid], () => {
      const p = this.users.filter((u) => u.uid === uid)[0];
      return p ? Object.assign({}, p) : null;
    });
  }

  getgrgid(gid: number): NativeGroup | null {
    return this.rec("getgrgid", [gid], () => {
      const g = this.groups.filter((x) => x.gid === gid)[0];
      return g ? Object.assign({}, g) : null;
    });
  }

  //// Namespaces and mounts //////////////////////////////////////////////

  unshare(flags: number): void {
    this.rec("unshare", [flags], () => {
      if ((flags & C.CLONE_NEWUSER) && (flags & C.CLONE_NEWNS))
        this.lockMounts();
    });
  }

  setns(fd: number, nstype: number): void {
    this.rec("setns", [fd, nstype], () => {
      this.fd(fd, "setns");
    });
  }

  mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null): void {
    this.rec("mount", [source, target, fstype, flags, data], () => {
      const errPath = source ? source : fstype ? fstype : "none";
      const fail = (code: string) => sysError(code, "mount", errPath, target);
      let tstack: Frame[];
      try {
        tstack = this.resolve(target, true, "mount");
      } catch (e) {
        throw fail((e as FakeSysError).code);
      }
      const tloc = tstack[tstack.length - 1].loc;
      if (flags & C.MS_REMOUNT) {
        const m = this.mountRootAt(tstack);
        if (m === null)
          throw fail("EINVAL");
        const newFlags = this.mountFlagsOf(flags);
        if (m.locked) {
          if ((m.flags & C.MS_NOSUID) && !(newFlags & C.MS_NOSUID))
            throw fail("EPERM");
          if ((m.flags & C.MS_NODEV) && !(newFlags & C.MS_NODEV))
            throw fail("EPERM");
          if ((m.flags & C.MS_NOEXEC) && !(newFlags & C.MS_NOEXEC))
            throw fail("EPERM");
          const atime = C.MS_NOATIME | C.MS_NODIRATIME | C.MS_RELATIME;
          if ((m.flags & atime) !== (newFlags & atime))
            throw fail("EPERM");
        }
        m.ro = (flags & C.MS_RDONLY) !== 0;
        m.flags = newFlags;
        return;
      }
      if (flags & C.MS_BIND) {
        if (source === null)
          throw fail("EINVAL");
        let sloc: Loc;
        try {
          sloc = this.loc(source, true, "mount");
        } catch (e) {
          throw fail((e as FakeSysError).code);
        }
        if ((sloc.inode.type === "dir") !== (tloc.inode.type === "dir"))
          throw fail("ENOTDIR");
        // the clone keeps the source mount's flags (MS_RDONLY is ignored here)
        this.cover(tstack, (cov) => this.cloneMount(sloc.mnt, sloc.inode, cov, source), "mount", target);
        return;
      }
      if (flags & (C.MS_PRIVATE | C.MS_SLAVE)) {
        if (this.mountRootAt(tstack) === null)
          throw fail("EINVAL");
        return;
      }
      if (flags & C.MS_MOVE) {
        if (source === null)
          throw fail("EINVAL");
        let sstack: Frame[];
        try {
          sstack = this.resolve(source, true, "mount");
        } catch (e) {
          throw fail((e as FakeSysError).code);
        }
        const m = this.mountRootAt(sstack);
        if (m === null || sstack.length < 2)
          throw fail("EINVAL");
        const slot = this.slotOf(sstack) as { dir: Inode; name: string };
        const children = slot.dir.children as Map<string, Entry>;
        if (m.covered === null)
          children.delete(slot.name);
        else
          children.set(slot.name, m.covered);
        // re-resolve the target: it may have been under the moved mount
        const ts = this.resolve(target, true, "mount");
        this.cover(ts, (cov) => { m.covered = cov; return m; }, "mount", target);
        return;
      }
      // a new file system
      if (tloc.inode.type !== "dir")
        throw fail("ENOTDIR");
      const ro = (flags & C.MS_RDONLY) !== 0;
      const mflags = this.mountFlagsOf(flags);
      if (fstype === "tmpfs") {
        let perm = 0o1777;
        const opts = (data || "").split(",");
        for (const o of opts) {
          if (o.indexOf("mode=") === 0)
            perm = parseInt(o.slice(5), 8);
          else if (o.indexOf("size=") === 0 && !/^[0-9]+[kmgKMG%]?$/.test(o.slice(5)))
            throw fail("EINVAL");
        }
        const root = this.newInode("dir", perm, this.uid, this.gid, this.nextDev++);
        this.cover(tstack, (cov) => this.newMount(root, cov, "tmpfs", source, data, ro, mflags, false),
                   "mount", target);
        return;
      }
      if (fstype === "overlay") {
        const opts: { [k: string]: string } = {};
        for (const o of (data || "").split(",")) {
          const eq = o.indexOf("=");
          opts[eq < 0 ? o : o.slice(0, eq)] = eq < 0 ? "" : o.slice(eq + 1);
        }
        if (!opts.lowerdir)
          throw fail("EINVAL");
        let lower: Loc;
        try {
          lower = this.loc(opts.lowerdir, true, "mount");
          if (opts.upperdir !== undefined)
            this.loc(opts.upperdir, true, "mount");
          if (opts.workdir !== undefined)
            this.loc(opts.workdir, true, "mount");
        } catch (e) {
          throw fail((e as FakeSysError).code);
        }
        const upperGiven = opts.upperdir !== undefined;
        this.cover(tstack, (cov) => this.newMount(lower.inode, cov, "overlay", source, data, ro || !upperGiven,
                                                  mflags, false), "mount", target);
        return;
      }
      throw fail("ENODEV");
    });
  }

  umount2(target: string, flags: number): void {
    this.rec("umount2", [target, flags], () => {
      const s = this.resolve(target, true, "umount2");
      const m = this.mountRootAt(s);
      if (m === null || m.covered === null)
        throw sysError("EINVAL", "umount2", target);
      if (s.length === 1) {
        if (this.procRoot !== null)
          throw sysError("EBUSY", "umount2", target);
        this.top = m.covered as Mount;
        return;
      }
      const slot = this.slotOf(s) as { dir: Inode; name: string };
      (slot.dir.children as Map<string, Entry>).set(slot.name, m.covered);
    });
  }

  pivot_root(newRoot: string, putOld: string): void {
    this.rec("pivot_root", [newRoot, putOld], () => {
      const ns = this.resolve(newRoot, true, "pivot_root");
      const os = this.resolve(putOld, true, "pivot_root");
      const nloc = ns[ns.length - 1].loc;
      if (nloc.inode.type !== "dir" || os[os.length - 1].loc.inode.type !== "dir")
        throw sysError("ENOTDIR", "pivot_root", newRoot, putOld);
      if (this.mountRootAt(ns) === null)
        throw sysError("EINVAL", "pivot_root", newRoot, putOld);
      const np = pathOf(ns);
      const op = pathOf(os);
      if (!(op === np || op.indexOf(np === "/" ? "/" : np + "/") === 0))
        throw sysError("EINVAL", "pivot_root", newRoot, putOld);
      const old = this.rootFrame().loc;
      if (old.inode === nloc.inode)
        throw sysError("EBUSY", "pivot_root", newRoot, putOld);
      this.cover(os, (cov) => this.cloneMount(old.mnt, old.inode, cov, old.mnt.source), "pivot_root", putOld);
      this.procRoot = nloc;
      const cwd = this.cwd[this.cwd.length - 1].loc;
      if (cwd.inode === nloc.inode || cwd.inode === old.inode)
        this.cwd = [{ name: "", loc: nloc }];
    });
  }

  chroot(p: string): void {
    this.rec("chroot", [p], () => {
      const l = this.loc(p, true, "chroot");
      if (l.inode.type !== "dir")
        throw sysError("ENOTDIR", "chroot", p);
      this.procRoot = l;
      if (this.cwd[this.cwd.length - 1].loc.inode === l.inode)
        this.cwd = [{ name: "", loc: l }];
    });
  }

  //// Files and directories //////////////////////////////////////////////

  chdir(p: string): void {
    this.rec("chdir", [p], () => {
      const s = this.resolve(p, true, "chdir");
      if (s[s.length - 1].loc.inode.type !== "dir")
        throw sysError("ENOTDIR", "chdir", p);
      this.cwd = s;
    });
  }

  fchdir(fd: number): void {
    this.rec("fchdir", [fd], () => {
      const f = this.fd(fd, "fchdir");
      if (f.kind === "pipe" || f.inode.type !== "dir")
        throw sysError("ENOTDIR", "fchdir");
      this.cwd = (f.frames as Frame[]).slice();
    });
  }

  getcwd(): string {
    return this.rec("getcwd", [], () => pathOf(this.cwd));
  }

  mkdir(p: string, mode: number): void {
    this.rec("mkdir", [p, mode], () => {
      const c = this.forCreate(p, "mkdir");
      const i = this.newInode("dir", mode & 0o7777 & ~this.umask, this.uid, this.gid, c.parent.inode.dev);
      (c.parent.inode.children as Map<string, Entry>).set(c.name, i);
    });
  }

  rmdir(p: string): void {
    this.rec("rmdir", [p], () => {
      const s = this.resolve(p, false, "rmdir");
      const i = s[s.length - 1].loc.inode;
      if (i.type !== "dir")
        throw sysError("ENOTDIR", "rmdir", p);
      if (s.length < 2 || this.mountRootAt(s) !== null)
        throw sysError("EBUSY", "rmdir", p);
      if ((i.children as Map<string, Entry>).size > 0)
        throw sysError("ENOTEMPTY", "rmdir", p);
      this.checkDirWrite(s[s.length - 2].loc, "rmdir", p);
      const slot = this.slotOf(s) as { dir: Inode; name: string };
      (slot.dir.children as Map<string, Entry>).delete(slot.name);
    });
  }

  unlink(p: string): void {
    this.rec("unlink", [p], () => {
      const s = this.resolve(p, false, "unlink");
      if (s[s.length - 1].loc.inode.type === "dir")
        throw sysError("EISDIR", "unlink", p);
      if (this.mountRootAt(s) !== null)
        throw sysError("EBUSY", "unlink", p);
      this.checkDirWrite(s[s.length - 2].loc, "unlink", p);
      const slot = this.slotOf(s) as { dir: Inode; name: string };
      (slot.dir.children as Map<string, Entry>).delete(slot.name);
    });
  }

  symlink(target: string, linkPath: string): void {
    this.rec("symlink", [target, linkPath], () => {
      let c: { parent: Loc; name: string };
      try {
        c = this.forCreate(linkPath, "symlink");
      } catch (e) {
        throw sysError((e as FakeSysError).code, "symlink", linkPath, target);
      }
      const i = this.newInode("link", 0o777, this.uid, this.gid, c.parent.inode.dev);
      i.target = target;
      (c.parent.inode.children as Map<string, Entry>).set(c.name, i);
    });
  }

  /** Not simulated (only --join uses it, tested end to end). */
  linkat(oldDirFd: number, oldPath: string, newDirFd: number, newPath: string, flags: number): void {
    this.rec("linkat", [oldDirFd, oldPath, newDirFd, newPath, flags], () => {
      throw sysError("ENOSYS", "linkat", oldPath, newPath);
    });
  }

  rename(oldPath: string, newPath: string): void {
    this.rec("rename", [oldPath, newPath], () => {
      const err = (code: string) => sysError(code, "rename", oldPath, newPath);
      let os: Frame[];
      let nl: Lookup;
      try {
        os = this.resolve(oldPath, false, "rename");
        nl = this.lookup(newPath, false, "rename");
      } catch (e) {
        throw err((e as FakeSysError).code);
      }
      if (os.length < 2 || this.mountRootAt(os) !== null || (nl.found && nl.stack.length < 2))
        throw err("EBUSY");
      const oparent = os[os.length - 2].loc;
      const nparent = nl.found ? nl.stack[nl.stack.length - 2].loc : nl.stack[nl.stack.length - 1].loc;
      for (const d of [oparent, nparent]) {
        if (d.mnt.ro)
          throw err("EROFS");
        if (!this.allows(d.inode, 2))
          throw err("EACCES");
      }
      if (oparent.mnt !== nparent.mnt)
        throw err("EXDEV");
      const moving = os[os.length - 1].loc.inode;
      let newName: string;
      if (nl.found) {
        if (nl.stack.length < 2 || this.mountRootAt(nl.stack) !== null)
          throw err("EBUSY");
        const existing = nl.stack[nl.stack.length - 1].loc.inode;
        if (existing === moving)
          return;
        if (moving.type === "dir" && existing.type !== "dir")
          throw err("ENOTDIR");
        if (moving.type !== "dir" && existing.type === "dir")
          throw err("EISDIR");
        if (existing.type === "dir" && (existing.children as Map<string, Entry>).size > 0)
          throw err("ENOTEMPTY");
        newName = nl.stack[nl.stack.length - 1].name;
      } else {
        newName = nl.name;
      }
      const oslot = this.slotOf(os) as { dir: Inode; name: string };
      (oslot.dir.children as Map<string, Entry>).delete(oslot.name);
      (nparent.inode.children as Map<string, Entry>).set(newName, moving);
    });
  }

  readlink(p: string): string {
    return this.rec("readlink", [p], () => {
      const i = this.loc(p, false, "readlink").inode;
      if (i.type !== "link")
        throw sysError("EINVAL", "readlink", p);
      return i.target as string;
    });
  }

  realpath(p: string): string {
    return this.rec("realpath", [p], () => pathOf(this.resolve(p, true, "realpath")));
  }

  access(p: string, mode: number): void {
    this.rec("access", [p, mode], () => {
      const l = this.loc(p, true, "access");
      if ((mode & C.W_OK) && l.mnt.ro)
        throw sysError("EROFS", "access", p);
      for (const bit of [C.R_OK, C.W_OK, C.X_OK])
        if ((mode & bit) && !this.allows(l.inode, bit))
          throw sysError("EACCES", "access", p);
    });
  }

  stat(p: string): NativeStat {
    return this.rec("stat", [p], () => this.statOf(this.loc(p, true, "stat").inode));
  }

  lstat(p: string): NativeStat {
    return this.rec("lstat", [p], () => this.statOf(this.loc(p, false, "lstat").inode));
  }

  stat_if_exists(p: string): NativeStat | null {
    return this.rec("stat_if_exists", [p], () => this.statOrNull(p, true, "stat"));
  }

  lstat_if_exists(p: string): NativeStat | null {
    return this.rec("lstat_if_exists", [p], () => this.statOrNull(p, false, "lstat"));
  }

  stat_mode_if_exists(p: string): number | null {
    return this.rec("stat_mode_if_exists", [p], () => {
      const st = this.statOrNull(p, true, "stat");
      return st === null ? null : st.mode;
    });
  }

  lstat_mode_if_exists(p: string): number | null {
    return this.rec("lstat_mode_if_exists", [p], () => {
      const st = this.statOrNull(p, false, "lstat");
      return st === null ? null : st.mode;
    });
  }

  private statOrNull(p: string, follow: boolean, syscall: string): NativeStat | null {
    try {
      return this.statOf(this.loc(p, follow, syscall).inode);
    } catch (e) {
      if ((e as { code?: string }).code === "ENOENT")
        return null;
      throw e;
    }
  }

  fstat(fd: number): NativeStat {
    return this.rec("fstat", [fd], () => {
      const f = this.fd(fd, "fstat");
      if (f.kind === "pipe")
        return { mode: C.S_IFIFO | 0o600, uid: this.uid, gid: this.gid, size: 0, dev: 0, ino: 0, nlink: 1,
                 blocks: 0, mtime: 0, ctime: 0 };
      return this.statOf(f.inode);
    });
  }

  statvfs(p: string): { flag: number; bsize: number; blocks: number } {
    return this.rec("statvfs", [p], () => {
      const l = this.loc(p, true, "statvfs");
      return { flag: this.statvfsBits(l.mnt), bsize: 4096, blocks: 1000 };
    });
  }

  listdir(p: string): string[] {
    return this.rec("listdir", [p], () => {
      const i = this.loc(p, true, "opendir").inode;
      if (i.type !== "dir")
        throw sysError("ENOTDIR", "opendir", p);
      return Array.from((i.children as Map<string, Entry>).keys());
    });
  }

  //// File descriptors ///////////////////////////////////////////////////

  open(p: string, flags: number, mode?: number): number {
    return this.rec("open", mode === undefined ? [p, flags] : [p, flags, mode], () => {
      const acc = flags & 3;
      const writing = acc !== C.O_RDONLY;
      const r = this.lookup(p, !((flags & C.O_EXCL) && (flags & C.O_CREAT)) && !(flags & C.O_NOFOLLOW), "open");
      let inode: Inode;
      if (!r.found) {
        if (!(flags & C.O_CREAT))
          throw sysError("ENOENT", "open", p);
        const parent = r.stack[r.stack.length - 1].loc;
        this.checkDirWrite(parent, "open", p);
        inode = this.newInode("file", (mode || 0) & 0o7777 & ~this.umask, this.uid, this.gid, parent.inode.dev);
        (parent.inode.children as Map<string, Entry>).set(r.name, inode);
      } else {
        if ((flags & C.O_CREAT) && (flags & C.O_EXCL))
          throw sysError("EEXIST", "open", p);
        const l = r.stack[r.stack.length - 1].loc;
        inode = l.inode;
        if (inode.type === "link")
          throw sysError("ELOOP", "open", p);
        if ((flags & C.O_DIRECTORY) && inode.type !== "dir")
          throw sysError("ENOTDIR", "open", p);
        if (inode.type === "dir" && writing)
          throw sysError("EISDIR", "open", p);
        if (writing && l.mnt.ro)
          throw sysError("EROFS", "open", p);
        if (writing && !this.allows(inode, 2))
          throw sysError("EACCES", "open", p);
        if ((acc === C.O_RDONLY || acc === C.O_RDWR) && !(flags & C.O_PATH) && !this.allows(inode, 4))
          throw sysError("EACCES", "open", p);
        if (writing && (flags & C.O_TRUNC)) {
          inode.content = "";
          inode.changed = this.changes++;
        }
      }
      return this.allocFd({ kind: "file", inode: inode, pos: 0, flags: flags, path: p,
                           frames: r.found ? r.stack.slice() : undefined });
    });
  }

  close(fd: number): void {
    this.rec("close", [fd], () => {
      this.fd(fd, "close");
      this.fds.delete(fd);
    });
  }

  read(fd: number, size: number): string {
    return this.rec("read", [fd, size], () => {
      const f = this.fd(fd, "read");
      if (f.kind === "pipe") {
        if (f.write)
          throw sysError("EBADF", "read");
        // an empty pipe with a writer would block: EAGAIN if O_NONBLOCK,
        // else "" (the double cannot block)
        if (f.buf.data === "" && f.nonblock && this.pipeHasWriter(f.buf))
          throw sysError("EAGAIN", "read");
        const s = f.buf.data.slice(0, size);
        f.buf.data = f.buf.data.slice(s.length);
        return s;
      }
      if ((f.flags & 3) === C.O_WRONLY)
        throw sysError("EBADF", "read");
      if (f.inode.type === "dir")
        throw sysError("EISDIR", "read");
      const s = (f.inode.content as string).slice(f.pos, f.pos + size);
      f.pos += s.length;
      return s;
    });
  }

  write(fd: number, data: string): number {
    return this.rec("write", [fd, data], () => {
      if (!this.fds.has(fd) && (fd === 1 || fd === 2)) {
        if (fd === 1)
          this.stdout += data;
        else
          this.stderr += data;
        return data.length;
      }
      const f = this.fd(fd, "write");
      if (f.kind === "pipe") {
        if (!f.write)
          throw sysError("EBADF", "write");
        f.buf.data += data;
        return data.length;
      }
      if ((f.flags & 3) === C.O_RDONLY)
        throw sysError("EBADF", "write");
      const c = f.inode.content as string;
      if (f.flags & C.O_APPEND)
        f.pos = c.length;
      const padded = c.length < f.pos ? c + "\0".repeat(f.pos - c.length) : c;
      f.inode.content = padded.slice(0, f.pos) + data + padded.slice(f.pos + data.length);
      f.inode.changed = this.changes++;
      f.pos += data.length;
      return data.length;
    });
  }

  pread(fd: number, size: number, offset: number): string {
    return this.rec("pread", [fd, size, offset], () => {
      const f = this.fd(fd, "pread");
      if (f.kind === "pipe")
        throw sysError("ESPIPE", "pread");
      if ((f.flags & 3) === C.O_WRONLY)
        throw sysError("EBADF", "pread");
      return (f.inode.content as string).slice(offset, offset + size);
    });
  }

  pwrite(fd: number, data: string, offset: number): number {
    return this.rec("pwrite", [fd, data, offset], () => {
      const f = this.fd(fd, "pwrite");
      if (f.kind === "pipe")
        throw sysError("ESPIPE", "pwrite");
      if ((f.flags & 3) === C.O_RDONLY)
        throw sysError("EBADF", "pwrite");
      const c = f.inode.content as string;
      const padded = c.length < offset ? c + "\0".repeat(offset - c.length) : c;
      f.inode.content = padded.slice(0, offset) + data + padded.slice(offset + data.length);
      f.inode.changed = this.changes++;
      return data.length;
    });
  }

  dup2(oldFd: number, newFd: number): void {
    this.rec("dup2", [oldFd, newFd], () => {
      const f = this.fd(oldFd, "dup2");
      this.fds.set(newFd, f);
    });
  }

  pipe(flags?: number): number[] {
    return this.rec("pipe", flags === undefined ? [] : [flags], () => {
      const buf = { data: "" };
      const nonblock = ((flags || 0) & C.O_NONBLOCK) !== 0;
      const r = this.allocFd({ kind: "pipe", buf: buf, write: false, nonblock: nonblock });
      const w = this.allocFd({ kind: "pipe", buf: buf, write: true, nonblock: nonblock });
      return [r, w];
    });
  }

  private pipeHasWriter(buf: { data: string }): boolean {
    let found = false;
    this.fds.forEach((f) => {
      if (f.kind === "pipe" && f.buf === buf && f.write)
        found = true;
    });
    return found;
  }

  /** Readiness without waiting: pipes by content and writers, files always
      ready; nothing ready advances the clock by the timeout. */
  poll(fds: number[], events: number[], timeoutMs: number): number[] {
    return this.rec("poll", [fds, events, timeoutMs], () => {
      const out = fds.map((fd, k) => {
        const f = this.fds.get(fd);
        if (f === undefined)
          return C.POLLNVAL;
        const want = events[k] || 0;
        if (f.kind === "file")
          return want & C.POLLIN;
        if (f.write)
          return 0;
        let r = f.buf.data !== "" ? want & C.POLLIN : 0;
        if (!this.pipeHasWriter(f.buf))
          r |= C.POLLHUP;
        return r;
      });
      if (out.every((r) => r === 0) && timeoutMs > 0)
        this.clock += timeoutMs;
      return out;
    });
  }

  fcntl(fd: number, cmd: number, arg: number): number {
    return this.rec("fcntl", [fd, cmd, arg], () => {
      this.fd(fd, "fcntl");
      return arg;
    });
  }

  ftruncate(fd: number, length: number): void {
    this.rec("ftruncate", [fd, length], () => {
      const f = this.fd(fd, "ftruncate");
      if (f.kind !== "file" || (f.flags & 3) === C.O_RDONLY)
        throw sysError("EINVAL", "ftruncate");
      const c = f.inode.content as string;
      f.inode.content = c.length >= length ? c.slice(0, length) : c + "\0".repeat(length - c.length);
      f.inode.changed = this.changes++;
    });
  }

  isatty(fd: number): boolean {
    return this.rec("isatty", [fd], () => false);
  }

  //// Processes //////////////////////////////////////////////////////////

  prctl(option: number, arg2?: number, arg3?: number, arg4?: number, arg5?: number): number {
    const args: unknown[] = [option];
    for (const a of [arg2, arg3, arg4, arg5])
      if (a !== undefined)
        args.push(a);
    return this.rec("prctl", args, () => 0);
  }

  seccomp_filter(program: number[]): void {
    this.rec("seccomp_filter", [program], () => undefined);
  }

  syscall(nr: number, a1?: number, a2?: number, a3?: number, a4?: number): number {
    const args: unknown[] = [nr];
    for (const a of [a1, a2, a3, a4])
      if (a !== undefined)
        args.push(a);
    return this.rec("syscall", args, () => 0);
  }

  fork(): number {
    return this.rec("fork", [], () => this.forkResult);
  }

  posix_spawn(p: string, argv: string[], envp: string[], fileActions: NativeSpawnAction[],
              attrs: NativeSpawnAttrs): number {
    return this.rec("posix_spawn", [p, argv, envp, fileActions, attrs], () => this.forkResult);
  }

  execve(p: string, argv: string[], envp: string[]): never {
    return this.rec("execve", [p, argv, envp], () => {
      throw new ExecCalled(p, argv.slice(), envp.slice());
    });
  }

  execvpe(file: string, argv: string[], envp: string[]): never {
    return this.rec("execvpe", [file, argv, envp], () => {
      throw new ExecCalled(file, argv.slice(), envp.slice());
    });
  }

  /** The wait status waitpid() reports for child forkResult; null: ECHILD. */
  childStatus: number | null = null;

  waitpid(pid: number, options?: number): [number, number] {
    return this.rec("waitpid", options === undefined ? [pid] : [pid, options], () => {
      if (this.childStatus === null || (pid !== this.forkResult && pid !== -1))
        throw sysError("ECHILD", "waitpid");
      return [this.forkResult, this.childStatus];
    });
  }

  setsid(): void {
    this.rec("setsid", [], () => undefined);
  }

  kill(pid: number, sig: number): void {
    this.rec("kill", [pid, sig], () => undefined);
  }

  exit(status: number): never {
    return this.rec("exit", [status], () => {
      throw new ExitCalled(status);
    });
  }

  //// Signals ////////////////////////////////////////////////////////////

  /** Every signal starts at SIG_DFL. */
  signal(sig: number, disposition: 0 | 1): 0 | 1 {
    return this.rec("signal", [sig, disposition], () => {
      var was = this.dispositions.get(sig) ?? 0;
      this.dispositions.set(sig, disposition);
      return was;
    });
  }

  sigprocmask(how: number, signals: number[]): void {
    this.rec("sigprocmask", [how, signals], () => undefined);
  }

  /** Signals that come, taken by sigtimedwait() in order (none: it times out). */
  signalsToCome: number[] = [];

  sigtimedwait(signals: number[], timeoutMs: number): NativeSigInfo | null {
    return this.rec("sigtimedwait", [signals, timeoutMs], () => {
      const k = this.signalsToCome.findIndex((s) => signals.includes(s));
      if (k < 0)
        return null;
      return { signo: this.signalsToCome.splice(k, 1)[0], pid: 0, code: 0, status: 0 };
    });
  }

  //// Environment ////////////////////////////////////////////////////////

  environ(): string[] {
    return this.rec("environ", [], () => this.env.slice());
  }

  getenv(name: string): string | undefined {
    return this.rec("getenv", [name], () => getenvOf(this.env)(name));
  }

  setenv(name: string, value: string): void {
    this.rec("setenv", [name, value], () => {
      if (name === "" || name.indexOf("=") >= 0)
        throw sysError("EINVAL", "setenv", name);
      const k = this.env.findIndex((e) => e.slice(0, e.indexOf("=")) === name);
      if (k >= 0)
        this.env[k] = name + "=" + value;
      else
        this.env.push(name + "=" + value);
    });
  }

  unsetenv(name: string): void {
    this.rec("unsetenv", [name], () => {
      if (name === "" || name.indexOf("=") >= 0)
        throw sysError("EINVAL", "unsetenv", name);
      this.env = this.env.filter((e) => e.slice(0, e.indexOf("=")) !== name);
    });
  }

  //// Shared memory ////////////////////////////////////////////////////////

  mmap(fd: number, length: number): ArrayBuffer {
    return this.rec("mmap", [fd, length], () => new ArrayBuffer(length));
  }

  munmap(buffer: ArrayBuffer): void {
    this.rec("munmap", [buffer], () => undefined);
  }

  atomic_add(buffer: ArrayBuffer, byteOffset: number, delta: number): number {
    return this.rec("atomic_add", [buffer, byteOffset, delta], () => {
      const w = new Int32Array(buffer, byteOffset, 1);
      const old = w[0];
      w[0] = old + delta;
      return old;
    });
  }

  atomic_cas(buffer: ArrayBuffer, byteOffset: number, expected: number, desired: number): number {
    return this.rec("atomic_cas", [buffer, byteOffset, expected, desired], () => {
      const w = new Int32Array(buffer, byteOffset, 1);
      const old = w[0];
      if (old === expected)
        w[0] = desired;
      return old;
    });
  }

  /** Single-threaded: nobody else can change the word, so a wait that would
      sleep times out at once. */
  futex_wait(buffer: ArrayBuffer, byteOffset: number, expected: number, timeoutMs: number): void {
    this.rec("futex_wait", [buffer, byteOffset, expected, timeoutMs], () => {
      throw sysError(new Int32Array(buffer, byteOffset, 1)[0] === expected ? "ETIMEDOUT" : "EAGAIN", "futex_wait");
    });
  }

  futex_wake(buffer: ArrayBuffer, byteOffset: number, count: number): number {
    return this.rec("futex_wake", [buffer, byteOffset, count], () => 0);
  }

  //// Miscellaneous //////////////////////////////////////////////////////

  syslog(priority: number, message: string): void {
    this.rec("syslog", [priority, message], () => undefined);
  }

  uname(): { sysname: string; release: string; machine: string } {
    return this.rec("uname", [], () => ({ sysname: "Linux", release: "6.18.0-fake", machine: "x86_64" }));
  }

  monotonic(): number {
    return this.rec("monotonic", [], () => this.clock);
  }

  nanosleep(ms: number): void {
    this.rec("nanosleep", [ms], () => {
      this.clock += ms;
    });
  }

  /** glibc lays the help out (test/lib/argp-oracle.ts checks it); here a
      stand-in names what was asked for. */
  argp_help(options: ArgpOptionRow[], argsDoc: string | null, doc: string, flags: number, name: string): [string, string] {
    return this.rec("argp_help", [options, argsDoc, doc, flags, name],
                    () => [`argp help of ${name}, flags ${flags}, ${options.length} options\n`, ""] as [string, string]);
  }

  //// Writing image trees: not simulated (src/archive/ is tested end to
  //// end, on real archives: test/e2e/import-*.test.ts)

  private notSimulated(call: string, args: unknown[], p?: string): never {
    return this.rec(call, args, () => { throw sysError("ENOSYS", call, p); });
  }

  openat(dirFd: number, p: string, flags: number, mode?: number): number {
    return this.notSimulated("openat", [dirFd, p, flags, mode], p);
  }
  mkdirat(dirFd: number, p: string, mode: number): void { this.notSimulated("mkdirat", [dirFd, p, mode], p); }
  mknodat(dirFd: number, p: string, mode: number): void { this.notSimulated("mknodat", [dirFd, p, mode], p); }
  unlinkat(dirFd: number, p: string, flags: number): void { this.notSimulated("unlinkat", [dirFd, p, flags], p); }
  symlinkat(target: string, dirFd: number, p: string): void {
    this.notSimulated("symlinkat", [target, dirFd, p], p);
  }
  fchmodat(dirFd: number, p: string, mode: number, flags: number): void {
    this.notSimulated("fchmodat", [dirFd, p, mode, flags], p);
  }
  fchmod(fd: number, mode: number): void { this.notSimulated("fchmod", [fd, mode]); }
  fstatat(dirFd: number, p: string, flags: number): NativeStat {
    return this.notSimulated("fstatat", [dirFd, p, flags], p);
  }
  utimensat(dirFd: number, p: string, atime: number, mtime: number, flags: number): void {
    this.notSimulated("utimensat", [dirFd, p, atime, mtime, flags], p);
  }
  archive_read_new(): ArchiveReader { return this.notSimulated("archive_read_new", []); }
  archive_read_support_filter_all(a: ArchiveReader): void { this.notSimulated("archive_read_support_filter_all", [a]); }
  archive_read_support_format_tar(a: ArchiveReader): void { this.notSimulated("archive_read_support_format_tar", [a]); }
  archive_read_open_fd(a: ArchiveReader, fd: number, blockSize: number): void {
    this.notSimulated("archive_read_open_fd", [a, fd, blockSize]);
  }
  archive_read_next_header(a: ArchiveReader): ArchiveEntry | null {
    return this.notSimulated("archive_read_next_header", [a]);
  }
  archive_read_data_into_fd(a: ArchiveReader, fd: number): void { this.notSimulated("archive_read_data_into_fd", [a, fd]); }
  archive_read_data_skip(a: ArchiveReader): void { this.notSimulated("archive_read_data_skip", [a]); }
  archive_filter_bytes(a: ArchiveReader): number { return this.notSimulated("archive_filter_bytes", [a]); }
  archive_read_free(a: ArchiveReader): void { this.notSimulated("archive_read_free", [a]); }

  //// Libraries opened on first use ////////////////////////////////////////

  /** Answers http_get(): a test's registry. */
  http: (url: string, request: HttpRequest) => { status: number; headers: string[]; body: string } =
    (url) => ({ status: 404, headers: [], body: "no server for " + url });

  http_get(url: string, request: HttpRequest): HttpResponse {
    return this.rec("http_get", [url, request], () => {
      const r = this.http(url, request);
      if (request.fd === undefined || request.fd < 0 || (request.fdStatus && request.fdStatus !== r.status))
        return { status: r.status, headers: r.headers, url: url, body: r.body };
      for (const fd of request.teeFd === undefined ? [request.fd] : [request.fd, request.teeFd])
        for (let data = r.body; data !== "";)
          data = data.slice(this.write(fd, data));
      const res: HttpResponse = { status: r.status, headers: r.headers, url: url };
      if (request.sha256)
        res.sha256 = createHash("sha256").update(r.body, "utf8").digest("hex");
      return res;
    });
  }

  sha256_fd(fd: number): string {
    return this.rec("sha256_fd", [fd], () => {
      const h = createHash("sha256");
      for (let s = this.read(fd, 65536); s !== ""; s = this.read(fd, 65536))
        h.update(s, "utf8");
      return h.digest("hex");
    });
  }

  sha256_bytes(data: string): string {
    return this.rec("sha256_bytes", [data], () => createHash("sha256").update(data, "utf8").digest("hex"));
  }
}

function pathOfParts(parts: string[]): string {
  return "/" + parts.join("/");
}
