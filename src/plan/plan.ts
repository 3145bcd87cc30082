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

export type Step =
  /** unshare(CLONE_NEWNS|CLONE_NEWUSER) and write the ID maps. */
  | { op: "userns"; map: IdMap }
  /** Mount a SquashFS image with squashfuse_ll and supervise it. */
  | { op: "squash-mount"; image: string; mountpoint: string; createMountpoint: boolean }
  /** Bind the new root and its parent onto themselves (pivot_root needs). */
  | { op: "claim-root" }
  /** Remount the new root read-only, keeping its locked flags. */
  | { op: "remount-ro" }
  /** tmpfs at /srv and overlayfs at /srv/merged; the new root moves there. */
  | { op: "write-fake"; size: string }
  | { op: "bind"; src: string; dst: string; flags: BindFlag[]; mountFlags: MountFlag[]; why: string }
  /** Write the file as tmpName on a tmpfs of our own, bind it at dst, and
      detach the tmpfs. */
  | { op: "file"; dst: string; content: GeneratedFile; tmpName: string }
  | { op: "tmpfs"; dst: string }
  | { op: "hooks"; list: "host" | "guest" | "all" }
  | { op: "pivot" };

export type HookAction =
  /** HOME, PATH (+/bin), TMPDIR unset. */
  | { op: "env-defaults-first"; home: string[] }
  | { op: "env-delta"; delta: EnvDelta; expand: boolean }
  /** CH_RUNNING. */
  | { op: "env-defaults-last" }
  | { op: "seccomp" };

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

