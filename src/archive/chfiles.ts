// An OCI image config → the files skiff and ch-run read in an image, laid
// out as Charliecloud's ch-image 0.31 writes them (doc/import.md, "The
// image's config"): /ch/metadata.json, /ch/environment (NAME=VALUE lines
// from Env, sorted), /ch/config.pulled.json (the config as it came), and
// the directories and files ch-run binds onto (ch-image's unpack_init).
// `skiff run` gains nothing implicit from them: ch-run's rules stay.

import { fail } from "../log/fail";
import * as log from "../log/log";
import { C } from "../sys/constants";
import { isDir, Sys, writeAll } from "../sys/sys";
import { openDir, removeAt, statAt } from "./beneath";
import { hostPlatform } from "./platform";
import { pythonJson } from "./pyjson";

/** ARGs ch-image saves with every image (its ARG_DEFAULTS). */
var ARG_DEFAULTS = {
  FAKEROOTDONTTRYCHOWN: "1",
  PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  TAR_OPTIONS: "--no-same-owner",
};

/** Directories ch-image makes if missing: ch-run mounts onto them. */
export var STANDARD_DIRS = ["bin", "dev", "etc", "mnt", "proc", "sys", "tmp", "usr",
  "mnt/0", "mnt/1", "mnt/2", "mnt/3", "mnt/4", "mnt/5", "mnt/6", "mnt/7", "mnt/8", "mnt/9"];
export var STANDARD_FILES = ["etc/hosts", "etc/resolv.conf"];

interface Config {
  architecture?: string;
  config?: {
    WorkingDir?: string;
    Env?: string[];
    Labels?: { [k: string]: string } | null;
    Shell?: string[];
    Volumes?: { [k: string]: unknown } | null;
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
  };
  history?: unknown[];
}

export interface Metadata {
  arch: string;
  arg: { [k: string]: string };
  cwd: string;
  env: { [k: string]: string };
  history: unknown[];
  labels: { [k: string]: string };
  shell: string[];
  volumes: string[];
  entrypoint?: string[];
  cmd?: string[];
}

/** ch-image's metadata for config (its metadata_init, then
    metadata_merge_from_config), plus the entrypoint and cmd. */
export function metadataOf(sys: Sys, config: Config | null): Metadata {
  var m: Metadata = {
    arch: hostPlatform(sys).architecture, arg: ARG_DEFAULTS, cwd: "/", env: {}, history: [], labels: {},
    shell: ["/bin/sh", "-c"], volumes: [],
  };
  if (config === null)
    return m;
  var c = config.config || {};
  if (config.architecture)
    m.arch = config.architecture;
  if (c.WorkingDir)
    m.cwd = c.WorkingDir;
  var env = c.Env || [];
  for (var i = 0; i < env.length; i++) {
    var eq = env[i].indexOf("=");
    if (eq < 0)
      log.warning("image config: Env entry without \"=\", ignored: " + env[i]);
    else
      m.env[env[i].slice(0, eq)] = env[i].slice(eq + 1);
  }
  if (config.history)
    m.history = config.history;
  if (c.Labels)
    m.labels = c.Labels;
  if (c.Shell && c.Shell.length)
    m.shell = c.Shell;
  if (c.Volumes)
    m.volumes = Object.keys(c.Volumes);
  if (c.Entrypoint)
    m.entrypoint = c.Entrypoint;
  if (c.Cmd)
    m.cmd = c.Cmd;
  return m;
}

/** /ch/environment's text: NAME=VALUE lines, sorted by name. */
export function environmentFile(m: Metadata): string {
  var names = Object.keys(m.env).sort();
  var lines: string[] = [];
  for (var i = 0; i < names.length; i++)
    lines.push(names[i] + "=" + m.env[names[i]]);
  return lines.join("\n") + "\n";
}

/** Replace name in dirFd by a new file holding data. */
function writeFileAt(sys: Sys, dirFd: number, name: string, data: string): void {
  var st = statAt(sys, dirFd, name);
  if (st !== null)
    removeAt(sys, dirFd, name, st);
  var fd = sys.openat(dirFd, name, C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, 0o666);
  try {
    writeAll(sys, fd, data);
  } finally {
    sys.close(fd);
  }
}

/** Make p unless something (even a symlink, which ch-run resolves in the
    image) is there or on the way to it. */
function ensure(sys: Sys, rootFd: number, p: string, dir: boolean): void {
  var comps = p.split("/");
  var fd = sys.openat(rootFd, ".", C.O_PATH | C.O_DIRECTORY);
  try {
    for (var i = 0; i < comps.length; i++) {
      var st = statAt(sys, fd, comps[i]);
      var last = i === comps.length - 1;
      if (st !== null && (last || !isDir(st.mode)))
        return;
      if (st === null && last && !dir) {
        sys.close(sys.openat(fd, comps[i], C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, 0o666));
        return;
      }
      if (st === null)
        sys.mkdirat(fd, comps[i], 0o777);
      var next = sys.openat(fd, comps[i], C.O_PATH | C.O_DIRECTORY | C.O_NOFOLLOW);
      sys.close(fd);
      fd = next;
    }
  } finally {
    sys.close(fd);
  }
}

/** Make the STANDARD_DIRS and STANDARD_FILES missing in the image whose
    root is open as rootFd. */
export function ensureMountPoints(sys: Sys, rootFd: number): void {
  for (var i = 0; i < STANDARD_DIRS.length; i++)
    ensure(sys, rootFd, STANDARD_DIRS[i], true);
  for (var j = 0; j < STANDARD_FILES.length; j++)
    ensure(sys, rootFd, STANDARD_FILES[j], false);
}

/** Write the /ch files for configText (the image config's JSON as it came;
    null if the image has none) into the image at rootDir. */
export function writeChFiles(sys: Sys, rootDir: string, configText: string | null): void {
  var config: Config | null = null;
  if (configText !== null) {
    try {
      config = JSON.parse(configText) as Config;
    } catch (e) {
      fail("image config is not JSON: " + (e as Error).message);
    }
    if (typeof config !== "object" || config === null || config instanceof Array)
      fail("image config is not a JSON object");
  }
  var m = metadataOf(sys, config);
  var rootFd = sys.open(rootDir, C.O_PATH | C.O_DIRECTORY);
  try {
    ensureMountPoints(sys, rootFd);
    var chFd = openDir(sys, rootFd, ["ch"], true, "/ch") as number;
    try {
      writeFileAt(sys, chFd, "metadata.json", pythonJson(m) + "\n");
      writeFileAt(sys, chFd, "environment", environmentFile(m));
      if (configText !== null)
        writeFileAt(sys, chFd, "config.pulled.json", configText);
    } finally {
      sys.close(chFd);
    }
  } finally {
    sys.close(rootFd);
  }
}
