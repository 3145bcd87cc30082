import { Environment } from "../env/environment";
import { Sys } from "../sys/sys";

/** What the executor knows while it builds the container. */
export interface State {
  sys: Sys;
  /** Host path of the container root (changes with -W, then "/" after pivot). */
  newroot: string;
  /** Scratch directory for overmounts (with -W), else null. */
  scratch: string | null;
  /** Canonical host paths bound so far: mkdirs() won't create under them. */
  bindPaths: string[];
  /** The SquashFS mount point's directory, as checked (squash/mountpoint.ts). */
  mountpoint: { dev: number; ino: number } | null;
  /** The container's environment, separate from skiff's own. */
  env: Environment;
}
