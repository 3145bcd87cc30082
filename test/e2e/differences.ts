// Every known difference between skiff and Debian's ch-run 0.31, the
// oracle of the differential suite (diff-*.test.ts), in one place: what
// differs, why skiff differs, and the normalisation the suite applies for
// it. Anything not listed here must be identical. Most differences are
// where 0.31 predates ch-run HEAD or ch_core.c, which skiff follows
// (doc/differences.md); a few are skiff's own, each justified.

export interface Difference {
  what: string;
  why: string;
}

export const DIFFERENCES = {
  exitStatus: {
    what: "0.31 exits 1 for each of its own errors; skiff exits 31, or 49 when the command can't be executed",
    why: "HEAD's EXIT_MISC_ERR and EXIT_CMD (doc/diagnostics.md §6.1), so callers can tell ch-run's failures from the command's",
  },
  home: {
    what: "0.31 passes the host's $HOME through (or leaves it unset); skiff sets HOME=/root, or / if the image has no /root",
    why: "HEAD since 0.35 (doc/environment.md §2.2 step 1, issue #1687: builds broke without HOME)",
  },
  pwd: {
    what: "0.31 passes the host's $PWD through (or leaves it unset) while the cwd is /; skiff sets PWD to the real "
      + "working directory after --cd, also after --unset-env='*'",
    why: "ch_core.c (doc/environment.md §2.6): a $PWD naming a host directory misleads shells and build tools",
  },
  usageLine: {
    what: "IMAGE without COMMAND: skiff prints `usage: ch-run [OPTION...] IMAGE -- COMMAND [ARG...]` on stdout before "
      + "the error; 0.31 prints nothing there",
    why: "HEAD (doc/command-line.md §1.1)",
  },
  sourcePositions: {
    what: "0.31 ends each message with its C source position `(FILE:LINE[ ERRNO])`; skiff ends some with "
      + "`(hint: WHAT TO DO)` instead",
    why: "source positions of C code skiff doesn't have mean nothing; the project requires a hint for every bad input",
  },
  messageWording: {
    what: "a few messages use HEAD's or ch_core.c's words: `IMAGE and/or CMD not specified` → `IMAGE and/or COMMAND "
      + "not specified`, `can't execve(2)` → `can't execvpe(3)`, `can't join` → `can’t join` (ch_core.c's apostrophe)",
    why: "HEAD renamed CMD to COMMAND (issue #1695); ch_core.c execs with execvpe(3) so the container's PATH is used",
  },
  messageDetail: {
    what: "some skiff messages go on after ch-run's words with `: DETAIL` naming the offending value, e.g. "
      + "`--bind: destination must be absolute: DST`",
    why: "the project requires every error to name the offending value",
  },
  staleErrno: {
    what: "0.31 appends a stale errno's text to some messages (`--write invalid when running by name: Invalid "
      + "argument`); skiff doesn't",
    why: "a bug of 0.31's Tf macro (doc/diagnostics.md §6.3): that errno has nothing to do with the error",
  },
  dumpLines: {
    what: "-v: skiff's dump adds `seccomp: N` and `unsafe: N` after `private /tmp: N`",
    why: "HEAD's dump (doc/command-line.md §1.2); 0.31 predates both options",
  },
  verboseDetail: {
    what: "-v and up log different progress lines besides ch-run's dump (verbosity ... private /tmp) and "
      + "`executing: ARGV`; -vvv's raw `setup_namespaces 435: uids=...` lines are skiff `namespaces: ...` lines",
    why: "they narrate each implementation's own steps; the dump and `executing:` are the lines ch-run's users "
      + "and tests rely on, and they are compared",
  },
  homeMount: {
    what: "--home: 0.31 mounts a 4 MiB tmpfs on /home to create /home/$USER; skiff implies --write-fake and "
      + "creates /home/$USER in its overlay (the overmount shows at /home and /home/.orig)",
    why: "HEAD and ch_core.c (doc/command-line.md §1.2 --home: implies -W)",
  },
  passwdFiles: {
    what: "/etc/passwd and /etc/group are bound from files on a tmpfs skiff mounts for the moment (mount type "
      + "tmpfs); 0.31 binds temporary files from $TMPDIR (that file system's type)",
    why: "files that never have a name on the host can't be left there when skiff is killed (doc/container.md §4.6)",
  },
  squashFuseType: {
    what: "a SquashFS image's root is of type fuse in 0.31 (libsquashfuse linked in) and fuse.skiff-squashd in "
      + "skiff (its own server run as a child; fuse.squashfuse_ll where it falls back to Debian's)",
    why: "skiff links no C library for SquashFS: the C host only binds libc calls (doc/images.md §3.5)",
  },
  fileBindDestination: {
    what: "-b FILE:DST with DST missing from a writable image: 0.31 creates a directory there and fails "
      + "(`Not a directory`); skiff creates an empty file and binds FILE onto it",
    why: "ch_core.c's file mount points (doc/container.md §4.9; ch-run issues #96, #993)",
  },
  options: {
    what: "0.31 lacks --quiet, --seccomp, --set-env0, --test, --warnings, --write-fake, --color, --dry-run and "
      + "`--feature` values other than extglob (usage error 64, or `unknown feature` 1); 0.31 accepts --ch-ssh "
      + "and --no-home, which HEAD removed and skiff rejects (64)",
    why: "skiff implements HEAD's command line (doc/command-line.md §1.1) plus --color (nvidia-cdi branch) and --dry-run",
  },
  version: {
    what: "-V/--version prints each program's own version (0.31, skiff's 0.1.0)",
    why: "they are different programs; both print it alone on stderr and exit 0, which is compared",
  },
  helpText: {
    what: "--help and --usage list each version's own options (0.31 also says CMD where HEAD says COMMAND, and "
      + "uses opt-doc-col=25)",
    why: "HEAD's help (doc/command-line.md §1.1); skiff's layout is checked against glibc's argp itself in "
      + "test/unit/cli-argp.test.ts",
  },
} satisfies Record<string, Difference>;

export type DifferenceId = keyof typeof DIFFERENCES;

//// Normalisations, each for the difference it names ///////////////////////

/** squashFuseType: mount lines of skiff's SquashFS root as 0.31's. */
/** passwdFiles: a mount line of /etc/passwd or /etc/group, whatever its type. */
export function passwdFileType(mount: string): string {
  return mount.replace(/^(mount: \/etc\/(passwd|group) )\S+$/, "$1FILE");
}

export function squashType(mounts: string): string {
  return mounts.replace(/^(mount: \/ )fuse\.(skiff-squashd|squashfuse_ll)$/m, "$1fuse");
}

/** exitStatus: the status skiff must give where 0.31 gave status. */
export function expectedStatus(status: number | null, oracleStderr: string): number | null {
  if (status !== 1 || !/^ch-run\[\d+\]: error: /m.test(oracleStderr))
    return status;
  return /error: can't execve\(2\)/.test(oracleStderr) ? 49 : 31;
}

/** messageWording and staleErrno: 0.31's words in HEAD's. */
const REWRITES: Array<[RegExp, string]> = [
  [/IMAGE and\/or CMD not specified/, "IMAGE and/or COMMAND not specified"],
  [/can't execve\(2\): /, "can't execvpe(3): "],
  [/can't join (\w+) namespace/, "can\u2019t join $1 namespace"],
  [/(--write invalid when running by name): Invalid argument$/, "$1"],
];

/** A log line without what identifies the process or the implementation:
    the PID, 0.31's source positions (sourcePositions), skiff's hints
    (sourcePositions), 0.31's words (messageWording, staleErrno). */
export function normaliseLogLine(line: string, oracle: boolean): string {
  let l = line.replace(/^([\w.-]+)\[\d+\]: /, "$1[PID]: ");
  if (oracle) {
    l = l.replace(/ \([\w.-]+\.c:\d+( \d+)?\)$/, "");
    for (const [re, to] of REWRITES) l = l.replace(re, to);
  }
  return l.replace(/ \(hint: .*\)$/, "");
}

/** verboseDetail and dumpLines: the -v lines both print. */
export function comparableLogLines(stderr: string, oracle: boolean): string[] {
  const keep = /^ch-run\[PID\]: (error: |warning: |verbosity: |image: |storage: |newroot: |container uid: |container gid: |join: |private \/tmp: |executing: )/;
  return stderr.split("\n").filter((l) => l !== "")
    .map((l) => normaliseLogLine(l, oracle))
    .filter((l) => !/^ch-run\[PID\]: /.test(l) || keep.test(l))
    // 0.31's -vvv prints raw ID lines, e.g. "setup_namespaces 435: uids=..."
    .filter((l) => !(oracle && /^\w+ \d+: uids=/.test(l)));
}

/** messageDetail: skiff's line says what 0.31's does, maybe followed by
    ": DETAIL". */
export function sameMessage(ours: string, theirs: string): boolean {
  return ours === theirs || ours.startsWith(theirs + ": ");
}

/** usageLine: skiff's stdout as 0.31 would print it. */
export function withoutUsageLine(stdout: string): string {
  return stdout.replace(/^usage: ch-run \[OPTION\.\.\.\] IMAGE -- COMMAND \[ARG\.\.\.\]\n/, "");
}

/** home and pwd: the container environment 0.31 shows, as skiff must show
    it: HOME as skiff sets it, PWD the real working directory. */
export function expectedEnvironment(theirs: Record<string, string>, home: string | undefined,
                                    cwd: string): Record<string, string | undefined> {
  return { ...theirs, HOME: home, PWD: cwd };
}

//// Podman, the second opinion on CDI (cdi-podman.test.ts) ///////////////////

/** What a container made from one CDI spec looks like in Debian 12's Podman
    (4.3, rootless, --rootfs) and in skiff: every difference, and why. */
export const PODMAN_CDI_DIFFERENCES = {
  fileMounts: {
    what: "a spec's file mount is a bind of that file in Podman, a symlink into its host directory bound once under "
      + "/ch/cdi in skiff",
    why: "ch_core.c's bind_merge (doc/devices.md §7.2): a driver's 60 files cost skiff two or three mounts, not 60",
  },
  devWhole: {
    what: "Podman's /dev is a tmpfs holding the standard nodes and the devices asked for; skiff's is the host's /dev",
    why: "ch-run binds the host's /dev whole (doc/devices.md): every node is there and permissions decide; so skiff "
      + "can't give one GPU of several (KIND=NAME is an error), the batch system chooses",
  },
  hostPath: {
    what: "a device node the spec renames (deviceNodes[].hostPath, CDI 0.5.0) fails in Podman 4.3 (it looks for "
      + "the container path on the host); skiff binds hostPath at path",
    why: "Podman 4.3 vendors a CDI library older than hostPath; the spec says hostPath is the node on the host",
  },
  hooks: {
    what: "Podman runs a spec's hook programs (nvidia-cdi-hook ...), which fail where they are not installed; skiff "
      + "runs none and does what NVIDIA's hooks ask (the image's ldconfig, the links)",
    why: "the hooks need the host's root or privilege; ch-run's CDI design interprets them (doc/devices.md §7.2)",
  },
  containerUser: {
    what: "rootless Podman runs the command as root of its user namespace; skiff as the invoking user",
    why: "ch-run's model: the container user is you (doc/container.md §4.1)",
  },
  rootfsChanged: {
    what: "Podman --rootfs creates mount points (and /etc/mtab) in the image directory and leaves them there; skiff "
      + "changes nothing in the image (mount points are made in the -W layer)",
    why: "images are shared and often read-only on HPC file systems; -d/--device imply -W",
  },
  specDirs: {
    what: "Podman 4.3 reads specs only from /etc/cdi and /var/run/cdi and wants KIND=NAME; skiff also takes "
      + "--cdi-dirs, a spec file and a bare KIND",
    why: "ch-run's CDI options (doc/devices.md)",
  },
} satisfies Record<string, Difference>;

/** fileMounts: skiff's answer to "is the library a symlink?" as Podman's. */
export function asPodmanView(view: string): string {
  return view.replace(/^lib-is: symlink to \/ch\/cdi\/\S+$/m, "lib-is: file");
}

//// ch-image pull, the oracle of skiff pull (diff-pull.test.ts) //////////////

/** The same image pulled by Debian's ch-image 0.31 and by skiff: every
    difference in the image directories, and why. Names, types, modes,
    contents, hard links and /ch/environment are otherwise the same. */
export const CH_IMAGE_PULL_DIFFERENCES = {
  metadataCommand: {
    what: "skiff's /ch/metadata.json also holds the image config's `entrypoint` and `cmd`; 0.31's leaves them out",
    why: "issue 14 asks for them, so a user (or a tool) can see what the image runs; ch-image and ch-run read "
      + "metadata.json by key and ignore keys they don't know",
  },
  mtimes: {
    what: "directories made to hold a layer's entries, and the /ch files, carry the time of the pull, which differs",
    why: "two pulls at different times; the layers' own entries keep their tar times in both",
  },
} satisfies Record<string, { what: string; why: string }>;

/** metadata.json without what CH_IMAGE_PULL_DIFFERENCES.metadataCommand lists. */
export function comparableMetadata(text: string): Record<string, unknown> {
  const m = JSON.parse(text);
  delete m.entrypoint;
  delete m.cmd;
  return m;
}
