// The C binding (native/binding.c), installed as the global `native`. One
// function per libc call; failures throw a SysError (src/log/fail.ts).
// Strings carry bytes: valid UTF-8 as it is, each other byte as the lone
// surrogate U+DC00+byte, turned back into that byte on the way out (see
// "Strings" in binding.c), so any byte sequence round-trips; only messages
// render them, as \xNN (src/log/readable.ts).

interface NativeStat {
  mode: number;
  uid: number;
  gid: number;
  size: number;
  dev: number;
  ino: number;
  nlink: number;
  /** Allocated, in 512-byte units. */
  blocks: number;
  /** Last modified, in seconds since the epoch. */
  mtime: number;
  /** Last change of the inode (content, owner, mode, name), in seconds
      since the epoch, to a quarter of a microsecond. */
  ctime: number;
}

interface NativePasswd {
  name: string;
  uid: number;
  gid: number;
  gecos: string;
  dir: string;
  shell: string;
}

interface NativeGroup {
  name: string;
  gid: number;
}

interface NativeSigInfo {
  signo: number;
  pid: number;
  code: number;
  status: number;
}

/** struct argp_option's fields, for argp_help(). */
interface ArgpOptionRow {
  name: string | null;
  key: number;
  arg: string | null;
  flags: number;
  doc: string;
  group: number;
}

type NativeSpawnAction =
  | ["dup2", number, number]
  | ["open", number, string, number, number]
  | ["close", number];

interface NativeSpawnAttrs {
  setsid?: boolean;
  /** Process group to join; 0: a new one. */
  setpgroup?: number;
  setsigmask?: number[];
  setsigdef?: number[];
}

/** One HTTP GET as http_get() makes it (native/curl.c): every choice is
    the caller's. */
interface HttpRequest {
  /** Request header lines, "Name: value". */
  headers?: string[];
  /** Where the body goes; -1 or absent: returned as `body`, up to maxBody
      bytes (default 1 MiB; longer is an EFBIG error). */
  fd?: number;
  maxBody?: number;
  /** Only a response of this status has its body go to fd; another's is
      returned as `body` (default 0: every response's goes to fd). */
  fdStatus?: number;
  /** A second fd (a pipe) the same bytes go to, after fd. */
  teeFd?: number;
  /** Bytes gathered before each write to fd (default 0: each piece as
      libcurl hands it over). */
  writeSize?: number;
  /** Return the SHA-256 of what went to fd as `sha256`. */
  sha256?: boolean;
  /** 1: speak HTTP/1.1 (default 0: HTTP/2 where the server offers it). */
  http11?: number;
  /** 0: don't check the server's certificate (default 1: check). */
  verify?: number;
  /** PEM file of CA certificates to check it against. */
  caFile?: string;
  /** Redirects to follow (default 0: none). */
  maxRedirects?: number;
  /** Schemes allowed, also on redirects: "http,https". */
  protocols?: string;
  userAgent?: string;
  /** libcurl's receive buffer (default: its own, 16 KiB). */
  bufferSize?: number;
  connectTimeoutMs?: number;
  /** Give up when slower than lowSpeedBytes/s for lowSpeedSeconds. */
  lowSpeedBytes?: number;
  lowSpeedSeconds?: number;
  /** Called with (bytes received, bytes expected or 0) at most every
      progressSeconds (default 0.1); what it throws ends the transfer. */
  progress?: (received: number, total: number) => void;
  progressSeconds?: number;
}

interface HttpResponse {
  status: number;
  /** The last response's header lines (a redirect's are dropped). */
  headers: string[];
  /** Where the last request went, after redirects. */
  url: string;
  body?: string;
  /** As lowercase hex, when the request asked for it. */
  sha256?: string;
}

/** The system calls skiff acts through (their numbers: C, src/sys/constants.ts):
    the real binding, or the tests' FakeSys (test/lib/fakesys.ts). */
interface NativeSys {
  getpid(): number;
  getppid(): number;
  getresuid(): number[];
  getresgid(): number[];
  getpwuid(uid: number): NativePasswd | null;
  getgrgid(gid: number): NativeGroup | null;

  unshare(flags: number): void;
  setns(fd: number, nstype: number): void;
  mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null): void;
  umount2(target: string, flags: number): void;
  pivot_root(newRoot: string, putOld: string): void;
  chroot(path: string): void;

  chdir(path: string): void;
  fchdir(fd: number): void;
  getcwd(): string;
  mkdir(path: string, mode: number): void;
  rmdir(path: string): void;
  unlink(path: string): void;
  symlink(target: string, linkPath: string): void;
  rename(oldPath: string, newPath: string): void;
  linkat(oldDirFd: number, oldPath: string, newDirFd: number, newPath: string, flags: number): void;
  readlink(path: string): string;
  realpath(path: string): string;
  access(path: string, mode: number): void;
  stat(path: string): NativeStat;
  lstat(path: string): NativeStat;
  /** stat() and lstat(), but null where path does not exist (ENOENT). */
  stat_if_exists(path: string): NativeStat | null;
  lstat_if_exists(path: string): NativeStat | null;
  /** Their st_mode alone (the file type is all most probes need; an
      object costs Duktape far more to build than the call). */
  stat_mode_if_exists(path: string): number | null;
  lstat_mode_if_exists(path: string): number | null;
  fstat(fd: number): NativeStat;
  statvfs(path: string): { flag: number; bsize: number; blocks: number };
  listdir(path: string): string[];

  open(path: string, flags: number, mode?: number): number;
  close(fd: number): void;
  read(fd: number, size: number): string;
  write(fd: number, data: string): number;
  pread(fd: number, size: number, offset: number): string;
  pwrite(fd: number, data: string, offset: number): number;
  dup2(oldFd: number, newFd: number): void;
  /** flags: 0 or O_NONBLOCK (O_CLOEXEC is always added). */
  pipe(flags?: number): number[];
  /** For the commands whose argument is an int (F_SETPIPE_SZ, ...). */
  fcntl(fd: number, cmd: number, arg: number): number;
  ftruncate(fd: number, length: number): void;
  /** revents per fd (all 0 on timeout); timeoutMs < 0 waits forever. */
  poll(fds: number[], events: number[], timeoutMs: number): number[];
  isatty(fd: number): boolean;

  prctl(option: number, arg2?: number, arg3?: number, arg4?: number, arg5?: number): number;
  seccomp_filter(program: number[]): void;
  syscall(nr: number, a1?: number, a2?: number, a3?: number, a4?: number): number;
  fork(): number;
  execve(path: string, argv: string[], envp: string[]): never;
  execvpe(file: string, argv: string[], envp: string[]): never;
  /** As Python's os.posix_spawn; returns the child's PID. */
  posix_spawn(path: string, argv: string[], envp: string[], fileActions: NativeSpawnAction[],
              attrs: NativeSpawnAttrs): number;
  waitpid(pid: number, options?: number): [number, number];
  kill(pid: number, sig: number): void;
  exit(status: number): never;

  /** Returns the previous disposition (1: it was SIG_IGN, else 0). */
  signal(sig: number, disposition: 0 | 1): 0 | 1;
  sigprocmask(how: number, signals: number[]): void;
  sigtimedwait(signals: number[], timeoutMs: number): NativeSigInfo | null;

  environ(): string[];
  /** The first NAME=VALUE's value (as glibc), undefined if none. */
  getenv(name: string): string | undefined;
  setenv(name: string, value: string): void;
  unsetenv(name: string): void;

  mmap(fd: number, length: number): ArrayBuffer;
  munmap(buffer: ArrayBuffer): void;
  /** Atomic (sequentially consistent) operations on the int32 at a byte
      offset of a mapping shared between processes; both return the old value. */
  atomic_add(buffer: ArrayBuffer, byteOffset: number, delta: number): number;
  atomic_cas(buffer: ArrayBuffer, byteOffset: number, expected: number, desired: number): number;
  /** Sleep while that int32 is expected, up to timeoutMs (throws EAGAIN if
      it was not, ETIMEDOUT on time-out); wake up to count sleepers. */
  futex_wait(buffer: ArrayBuffer, byteOffset: number, expected: number, timeoutMs: number): void;
  futex_wake(buffer: ArrayBuffer, byteOffset: number, count: number): number;

  syslog(priority: number, message: string): void;
  uname(): { sysname: string; release: string; machine: string };
  monotonic(): number;
  nanosleep(ms: number): void;
  /** argp_state_help(3) for an argp with these options, args_doc and doc,
      under the program name (argsDoc null: no operands): [the help, argp's
      complaints about ARGP_HELP_FMT]. */
  argp_help(options: ArgpOptionRow[], argsDoc: string | null, doc: string, flags: number,
            name: string): [string, string];

  // The libraries' bindings (these two, and archive_* below) are in
  // skiff-dynamic only (`linkage`, src/linkage/linkage.ts).

  /** libcurl (opened on first use): one GET. Errors: "curl_easy_perform"
      (code ECURL, errno the CURLcode), "write", or "dlopen". */
  http_get(url: string, request: HttpRequest): HttpResponse;
  /** libcrypto (opened on first use): SHA-256 as lowercase hex of the rest
      of fd, or of a string's bytes. */
  sha256_fd(fd: number): string;
  sha256_bytes(data: string): string;
}

/** What the engine that runs the program offers besides (src/sys/host.ts). */
interface NativeHost {
  argv: string[];
  /** How this binary was linked (native/binding.c): "static" (skiff: NSS's
      files backend only, no library bindings) or "dynamic" (skiff-dynamic). */
  linkage: "static" | "dynamic";
  /** Collect garbage now (Duktape's mark-and-sweep). */
  gc(): void;
  /** The unit's bytecode, loaded (src/unit/unit.ts). Throws if this binary
      has no unit of that name. */
  load_unit(name: string): (core: (path: string) => { [name: string]: unknown }) => unknown;
}

/** What native/host.c installs as the global `native`. */
interface NativeBinding extends NativeSys, NativeHost {}

declare var native: NativeBinding;

/** A libarchive reader (native/archive.c): an opaque pointer. */
interface ArchiveReader {
  readonly __archiveReader: never;
}

/** An archive entry's header fields (struct archive_entry's). */
interface ArchiveEntry {
  path: string | null;
  /** Target of a hard link (a path in the archive), else null. */
  hardlink: string | null;
  symlink: string | null;
  /** S_IFMT bits (S_IFREG, S_IFDIR, ...). */
  type: number;
  /** Permission bits, 07777. */
  perm: number;
  size: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch. */
  mtime: number;
  /** libarchive's warning about this header, if it had one. */
  warning?: string | null;
}

/** The *at calls (native/at.c) and libarchive (native/archive.c, loaded
    on first use), for writing image trees. */
interface NativeSys {
  openat(dirFd: number, path: string, flags: number, mode?: number): number;
  mkdirat(dirFd: number, path: string, mode: number): void;
  /** FIFOs and regular files only (no device numbers). */
  mknodat(dirFd: number, path: string, mode: number): void;
  unlinkat(dirFd: number, path: string, flags: number): void;
  symlinkat(target: string, dirFd: number, linkPath: string): void;
  fchmodat(dirFd: number, path: string, mode: number, flags: number): void;
  fchmod(fd: number, mode: number): void;
  fstatat(dirFd: number, path: string, flags: number): NativeStat;
  /** Times in whole seconds. */
  utimensat(dirFd: number, path: string, atime: number, mtime: number, flags: number): void;

  /** libarchive (opened on first use; skiff-dynamic only). */
  archive_read_new(): ArchiveReader;
  archive_read_support_filter_all(a: ArchiveReader): void;
  archive_read_support_format_tar(a: ArchiveReader): void;
  archive_read_open_fd(a: ArchiveReader, fd: number, blockSize: number): void;
  /** null at the end of the archive. */
  archive_read_next_header(a: ArchiveReader): ArchiveEntry | null;
  archive_read_data_into_fd(a: ArchiveReader, fd: number): void;
  archive_read_data_skip(a: ArchiveReader): void;
  /** Bytes read from the file so far (compressed). */
  archive_filter_bytes(a: ArchiveReader): number;
  archive_read_free(a: ArchiveReader): void;
}
