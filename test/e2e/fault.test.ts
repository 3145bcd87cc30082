// Fault injection: skiff SIGKILLed at each point of a launch leaves nothing
// behind. SKIFF_FAULT_POINT=N makes the launching process stop itself at
// the Nth point (src/executor/executor.ts: before each step of the plan,
// and between the phases of --join); the test kills it there, then looks
// for leftovers: processes, mounts on the host, files in $TMPDIR, the
// user's storage directory, the group's segment in /dev/shm. N runs from 1
// until the launch ends without stopping, for a directory image, a
// SquashFS image (the stopped process alone, or every skiff process of the
// launch: after the fork the container's process and its supervisor), and
// --join (the winner killed, or a loser), as root and as the test user.

import { after, describe, test } from "node:test";
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";

import {
  AS_BOTH, As, IMG, SKIFF, SQFS, TEST_ROOT, TEST_USER, cleanupScratch, defaultEnv, devShmEntries, mountsUnder,
  quietStorage, scratchDir, testUser,
} from "../lib/harness.js";

after(cleanupScratch);

/** Marks every process of one case: skiff passes its environment on to
    the supervisor, the SquashFS server and the command. */
let caseCount = 0;
function newMarker(): string {
  return `skifffault-${process.pid}-${++caseCount}`;
}

interface Proc {
  pid: number;
  state: string;
  ppid: number;
  comm: string;
}

function procOf(pid: number): Proc | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "latin1");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { pid, state: f[0], ppid: Number(f[1]), comm: stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")) };
  } catch {
    return null; // gone
  }
}

/** Live processes whose environment holds marker. */
function marked(marker: string): Proc[] {
  const want = `SKIFF_FAULT_CASE=${marker}\0`;
  const out: Proc[] = [];
  for (const e of fs.readdirSync("/proc")) {
    if (!/^[0-9]+$/.test(e))
      continue;
    try {
      if (!fs.readFileSync(`/proc/${e}/environ`, "latin1").includes(want))
        continue;
    } catch {
      continue; // gone meanwhile
    }
    const p = procOf(Number(e));
    if (p !== null)
      out.push(p);
  }
  return out;
}

/** pid and its descendants (cheaper than marked(), for polling). */
function tree(pid: number): Proc[] {
  const p = procOf(pid);
  if (p === null)
    return [];
  let children: number[] = [];
  try {
    children = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, "latin1").split(" ").filter((c) => c !== "")
      .map(Number);
  } catch {
    // gone meanwhile
  }
  return [p, ...children.flatMap(tree)];
}

interface Launch {
  pid: number;
  exited: () => boolean;
  done: Promise<void>;
  stderr: () => string;
}

function launch(as: As, args: string[], env: Record<string, string>): Launch {
  const full = as === "user"
    ? ["/usr/bin/setpriv", `--reuid=${TEST_USER}`, `--regid=${TEST_USER}`, "--init-groups", "--", SKIFF, ...args]
    : [SKIFF, ...args];
  const child = spawn(full[0], full.slice(1), { cwd: TEST_ROOT, env: { ...defaultEnv(as), ...env },
                                                stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  let exited = false;
  child.stderr.setEncoding("utf8").on("data", (d: string) => { stderr += d; });
  const done = new Promise<void>((resolve) => child.on("close", () => { exited = true; resolve(); }));
  return { pid: child.pid as number, exited: () => exited, done, stderr: () => stderr };
}

/** Poll (letting the event loop run) until f() is true; false after ms. */
async function until(f: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() >= end)
      return false;
    await new Promise((r) => setTimeout(r, 5));
  }
  return true;
}

/** The process of launch l stopped at its fault point, or null once l
    has exited without one. */
async function stopped(l: Launch): Promise<Proc | null> {
  let hit: Proc | null = null;
  const ok = await until(() => {
    hit = tree(l.pid).find((p) => p.state === "T") ?? null;
    return hit !== null || l.exited();
  }, 20_000);
  assert.ok(ok, `no stop and no exit: ${l.stderr()}`);
  return hit;
}

function storageOf(as: As): string {
  return `/var/tmp/${as === "user" ? testUser().name : "root"}.ch`;
}

function listing(dir: string): string[] {
  try {
    return fs.readdirSync(dir).sort();
  } catch {
    return [];
  }
}

interface Before {
  mounts: string[];
  storage: string[];
}

function hostMountsOf(as: As, tmpdir: string): string[] {
  return [...mountsUnder(TEST_ROOT), ...mountsUnder(tmpdir), ...mountsUnder(storageOf(as))]
    .map((m) => `${m.mountPoint} (${m.fsType})`).sort();
}

/** What the case must leave as it found it. */
function snapshot(as: As, tmpdir: string): Before {
  return { mounts: hostMountsOf(as, tmpdir), storage: listing(storageOf(as)) };
}

/** Nothing of the case is left: no process (but zombies init will reap),
    no mount, no file in $TMPDIR, nothing new in the storage directory or
    under its mount point, no segment in /dev/shm. */
async function assertNothingLeft(as: As, marker: string, tmpdir: string, before: Before, what: string):
    Promise<void> {
  const alive = () => marked(marker).filter((p) => !(p.state === "Z" && p.ppid === 1));
  await until(() => alive().length === 0, 5_000);
  assert.deepEqual(alive(), [], `${what}: processes left`);
  assert.deepEqual(hostMountsOf(as, tmpdir), before.mounts, `${what}: mounts left on the host`);
  assert.deepEqual(listing(tmpdir), [], `${what}: files left in $TMPDIR`);
  const storage = listing(storageOf(as)).filter((e) => !before.storage.includes(e));
  assert.deepEqual(storage.filter((e) => e !== "mnt"), [], `${what}: new in ${storageOf(as)}`);
  assert.deepEqual(listing(`${storageOf(as)}/mnt`), [], `${what}: files under the mount point`);
  assert.deepEqual(devShmEntries(marker), [], `${what}: left in /dev/shm`);
}

type Kind = "directory" | "squash" | "squash-all" | "join-winner" | "join-loser";

/** One launch (two for --join) killed at fault point n; false once n is
    past the last point (the launch ran to its end). */
async function killAt(as: As, kind: Kind, n: number): Promise<boolean> {
  const marker = newMarker();
  const tmpdir = scratchDir(as, "tmpdir");
  const before = snapshot(as, tmpdir);
  const env = { SKIFF_FAULT_CASE: marker, TMPDIR: tmpdir, CH_IMAGE_STORAGE: quietStorage(),
                SKIFF_JOIN_TIMEOUT: "0.5" };
  const image = kind === "squash" || kind === "squash-all" ? SQFS : IMG;
  const join = kind === "join-winner" || kind === "join-loser" ? ["--join-ct=2", `--join-tag=${marker}`] : [];
  const args = ["run", ...join, image, "--", "/bin/true"];
  const segment = `/dev/shm/ch-run_shm-${marker}`;
  const launches: Launch[] = [];
  if (kind === "join-loser") {
    launches.push(launch(as, args, env));
    assert.ok(await until(() => fs.existsSync(segment), 10_000), "the winner never published its group");
  }
  const victim = launch(as, args, { ...env, SKIFF_FAULT_POINT: String(n) });
  launches.push(victim);
  if (kind === "join-winner") {
    // The winner publishes before its first fault point.
    assert.ok(await until(() => fs.existsSync(segment) || victim.exited(), 10_000), "no group published");
    launches.push(launch(as, args, env));
  }
  const hit = await stopped(victim);
  if (hit !== null) {
    const targets = kind === "squash-all" ? marked(marker).filter((p) => p.comm === "skiff") : [hit];
    for (const p of targets)
      process.kill(p.pid, "SIGKILL");
  }
  for (const l of launches)
    assert.ok(await until(l.exited, 20_000), `a launch did not end: ${l.stderr()}`);
  if (join.length > 0 && fs.existsSync(segment)) {
    // The victim was the last peer that would have removed the group: the
    // next run with the tag does, and works.
    const next = [launch(as, args, env), launch(as, args, env)];
    for (const l of next)
      assert.ok(await until(l.exited, 20_000), `a launch did not end: ${l.stderr()}`);
    assert.match(next.map((l) => l.stderr()).join(""), /warning: join: removed peer group /);
  }
  await assertNothingLeft(as, marker, tmpdir, before, `${kind} killed at point ${n}`);
  return hit !== null;
}

const KINDS: Kind[] = ["directory", "squash", "squash-all", "join-winner", "join-loser"];

for (const as of AS_BOTH) {
  describe(`SIGKILL at each point of a launch leaves nothing, as ${as}`, () => {
    for (const kind of KINDS) {
      test(kind, async (t) => {
        let n = 1;
        while (await killAt(as, kind, n))
          n++;
        // A launch has that many points to kill it at, or the hook is broken.
        assert.ok(n > (kind === "join-loser" ? 4 : 20), `only ${n - 1} fault points`);
        t.diagnostic(`${kind}: killed at each of ${n - 1} points, then ran to its end`);
      });
    }
  });
}
