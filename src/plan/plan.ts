// A plan: everything skiff will do to build the container, as plain data,
// computed before anything is touched. The executor (exec/) applies it;
// --dry-run prints it; unit tests check it.

import { EnvDelta } from "../env/container";
import { HookLists } from "../hooks/hooks";
import { GeneratedFile } from "./files";
import { MountFlag } from "../sys/sys";

/** One user namespace level: map uidOut→uidIn and gidOut→gidIn. */
export interface IdMap {
  uidOut: number;
  uidIn: number;
  gidOut: number;
  gidIn: number;
}

/** How bind() treats a missing source or destination (ch_core.c's BD_*). */
export type BindFlag = "src-optional" | "dst-optional" | "dst-create";

/** A file skiff makes for the container, and where it is bound. */
export interface FileBind {
  dst: string;
  content: GeneratedFile;
  tmpName: string;
}

export type Step =
  /** unshare(CLONE_NEWUSER), with CLONE_NEWNS if mountns, and write the
      ID maps. */
  | { op: "userns"; map: IdMap; mountns: boolean }
  /** The SquashFS mount point, made (the default) and checked while we
      still see the host's owners: a directory no other user can change. */
  | { op: "mountpoint"; path: string; create: boolean }
  /** Mount a SquashFS image with squashfuse_ll on the checked mount point
      and supervise it. */
  | { op: "squash-mount"; image: string; mountpoint: string }
  /** Bind the new root and its parent onto themselves (pivot_root needs). */
  | { op: "claim-root" }
  /** Remount the new root read-only, keeping its locked flags. */
  | { op: "remount-ro" }
  /** tmpfs at /srv and overlayfs at /srv/merged; the new root moves there. */
  | { op: "write-fake"; size: string }
  | { op: "bind"; src: string; dst: string; flags: BindFlag[]; mountFlags: MountFlag[]; why: string }
  /** Write each file as its tmpName on one tmpfs of our own, bind it at its
      dst, and detach the tmpfs. */
  | { op: "files"; files: FileBind[] }
  | { op: "tmpfs"; dst: string }
  /** mkdir -p of guest dst (created in the -W layer). */
  | { op: "mkdir"; dst: string; why: string }
  /** ch_core.c's bind_merge(), once per host directory: bind host directory
      src at guest dst, under the CDI scratch directory... */
  | { op: "merge-dir"; src: string; dst: string; mountFlags: MountFlag[]; why: string }
  /** ...then per file: guest dst becomes a symlink to target, inside that
      bind; an existing dst is renamed dst.orig. One step for a run of them
      (a spec's dozens of files), in their order. */
  | { op: "merge-links"; links: MergeLink[] }
  /** Bind host device node src at guest dst (host /dev is bound whole, so
      only a node whose container path differs needs this). */
  | { op: "device"; src: string; dst: string; why: string }
  | { op: "hooks"; list: "host" | "guest" | "all" }
  | { op: "pivot" };

export type HookAction =
  /** HOME, PATH (+/bin), TMPDIR unset. */
  | { op: "env-defaults-first"; home: string[] }
  | { op: "env-delta"; delta: EnvDelta; expand: boolean }
  /** CH_RUNNING. */
  | { op: "env-defaults-last" }
  | { op: "seccomp" }
  /** CDI create-symlinks: each link made in the -W layer (before pivot). */
  | { op: "cdi-links"; links: CdiLink[] }
  /** CDI update-ldcache (before pivot): see CdiLdCache. */
  | { op: "cdi-ldcache"; ld: CdiLdCache };

/** One file of a merge-links step. */
export interface MergeLink {
  dst: string;
  target: string;
  why: string;
}

export interface CdiLink {
  /** What the link points to, as written (may be relative). */
  target: string;
  /** Guest path of the link. */
  link: string;
}

/** What CDI devices add to a plan (made by src/cdiplan/ from the spec files, or kept by src/cdi/). */
export interface CdiPlan {
  /** Mount steps, run after the --bind ones. */
  steps: Step[];
  /** Each spec's environment, applied after the first `at` --set-env and
      --unset-env deltas (command-line order). */
  env: Array<{ at: number; delta: EnvDelta }>;
  links: CdiLink[];
  ldcache?: CdiLdCache;
}

/** CDI update-ldcache: the image's ldconfig over the image's directories
    and folders, its cache written to cache (a guest path) and bound at
    /etc/ld.so.cache; or what an earlier launch's ldconfig wrote for the
    same key, kept in the user's cache (src/cdi/cache.ts). */
export interface CdiLdCache {
  folders: string[];
  cache: string;
  /** Kept: the file (a host path), its version (src/cdi/cache.ts
      identity()) and the soname links ldconfig made. */
  saved?: { file: string; version: string; links: CdiLink[] };
  /** Not kept yet: where to keep what ldconfig makes, for key. */
  save?: { dir: string; name: string; key: string };
}

export interface JoinPlan {
  tag: string;
  count: number;
  /** How long each wait for peers may take (SKIFF_JOIN_TIMEOUT). */
  timeoutMs: number;
}

export interface Plan {
  /** Where the image's root is when set-up starts (a directory). */
  newroot: string;
  /** Join an existing container: by PID (no set-up at all) ... */
  joinPid?: number;
  /** ... or as a peer group, where only the winner runs the steps. */
  join?: JoinPlan;
  steps: Step[];
  hooks: HookLists<HookAction>;
  command: {
    argv: string[];
    cwd?: string;
    /** SIGPIPE's disposition for the command: as skiff inherited it (skiff
        itself ignores SIGPIPE while it sets up). */
    sigpipe: "default" | "ignore";
  };
  /** The environment the container starts from (the host's). */
  environ: string[];
}

