// --join without a launcher (issue 5): peers started side by side share one
// user and one mount namespace, losers get the winner's container
// environment (keeping their own per-rank variables), a
// failing, killed or stuck peer fails the group at once (not after the
// timeout), stale groups are replaced, --join-pid joins one process, every
// bad input is a clear error; and /dev/shm is clean after each case.
// Tests with real Slurm and Open MPI are in join-slurm.test.ts.

import { after, describe, test } from "node:test";
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";

import {
  AS_BOTH,
  As,
  IMG,
  RunResult,
  SKIFF,
  SQFS,
  TEST_ROOT,
  TEST_USER,
  cleanupScratch,
  defaultEnv,
  describeResult,
  devShmEntries,
  quietStorage,
  run,
  scratchDir,
  skiff,
  testUser,
  userCopyOfImage,
  waitFor,
} from "../lib/harness.js";

after(cleanupScratch);
after(() => {
  assert.deepEqual(devShmEntries(`skiffjt-${process.pid}-`), [], "IPC objects of this file's groups left behind");
});

//// Helpers ////////////////////////////////////////////////////////////////

let tagCount = 0;

/** A tag of this test process's own, so leftovers are ours to find. */
function newTag(): string {
  return `skiffjt-${process.pid}-${++tagCount}`;
}

/** The IPC objects of tag in /dev/shm (glibc: sem.NAME for semaphores). */
function ipcOf(tag: string): string[] {
  return devShmEntries(new RegExp(`^(sem\\.)?ch-run_(sem|shm)-${tag}$`));
}

interface Timed extends RunResult {
  ms: number;
}

interface Started {
  pid: number;
  done: Promise<Timed>;
}

/** Start skiff ARGS as AS without waiting for it. */
function start(args: string[], as: As, env: Record<string, string> = {}): Started {
  const full = as === "user"
    ? ["/usr/bin/setpriv", `--reuid=${TEST_USER}`, `--regid=${TEST_USER}`, "--init-groups", "--", SKIFF, ...args]
    : [SKIFF, ...args];
  const t0 = Date.now();
  const child = spawn(full[0], full.slice(1), {
    cwd: TEST_ROOT,
    env: { ...defaultEnv(as), CH_IMAGE_STORAGE: quietStorage(), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => { stdout += d; });
  child.stderr.setEncoding("utf8").on("data", (d: string) => { stderr += d; });
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const done = new Promise<Timed>((resolve) => {
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr, ms: Date.now() - t0 });
    });
  });
  return { pid: child.pid as number, done };
}

/** skiff run OPTIONS IMG -- /bin/sh -c SCRIPT, in the background. */
function startSh(as: As, options: string[], script: string, env: Record<string, string> = {},
                 image = IMG): Started {
  return start(["run", ...options, image, "--", "/bin/sh", "-c", script], as, env);
}

/** "user:[N] mnt:[M]" of the command's own namespaces. */
const NS_SCRIPT = "echo $(readlink /proc/self/ns/user) $(readlink /proc/self/ns/mnt)";

function hostNs(pid: number | "self"): string {
  return `${fs.readlinkSync(`/proc/${pid}/ns/user`)} ${fs.readlinkSync(`/proc/${pid}/ns/mnt`)}`;
}

/** A writable copy of the image whose /ch/environment is a FIFO: a winner
    run with a bare --set-env blocks reading it, after pivot, before its
    container is complete, until the test writes to it (gate()). */
function gatedImage(as: As): { image: string; fifo: string } {
  const image = userCopyOfImage(as);
  const fifo = `${image}/ch/environment`;
  fs.mkdirSync(`${image}/ch`, { recursive: true });
  fs.rmSync(fifo, { force: true });
  const r = run(["mkfifo", "-m", "0644", fifo]);
  assert.equal(r.status, 0, describeResult(r));
  if (as === "user")
    fs.chownSync(fifo, testUser().uid, testUser().gid);
  return { image, fifo };
}

/** Write text to the FIFO, whose reader must be waiting already. */
function gate(fifo: string, text: string): void {
  const fd = fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
  fs.writeSync(fd, text);
  fs.closeSync(fd);
}

/** Wait until pid is blocked opening a FIFO (a gated winner, mid-setup). */
function waitGated(pid: number): void {
  assert.ok(waitFor(() => {
    try {
      return fs.readFileSync(`/proc/${pid}/wchan`, "utf8") === "wait_for_partner";
    } catch {
      return false;
    }
  }, 10_000), `pid ${pid} never blocked on the gate`);
}

/** Wait until tag's segment exists: its winner has published it. */
function waitPublished(tag: string): void {
  assert.ok(waitFor(() => fs.existsSync(`/dev/shm/ch-run_shm-${tag}`), 10_000), `no segment for ${tag}`);
}

function assertClean(tag: string): void {
  assert.deepEqual(ipcOf(tag), [], `IPC objects of ${tag} left in /dev/shm`);
}

/** The one error line of a failed run. */
function errorLine(r: RunResult): string {
  const lines = r.stderr.split("\n").filter((l) => / error: /.test(l));
  assert.equal(lines.length, 1, describeResult(r));
  return lines[0];
}

function joinOpts(count: number, tag: string): string[] {
  return [`--join-ct=${count}`, `--join-tag=${tag}`];
}

/** The winner of a group of count on a gated image, held mid-setup. */
function heldWinner(as: As, tag: string, count: number,
                    env: Record<string, string> = {}): { image: string; fifo: string; winner: Started } {
  const g = gatedImage(as);
  const winner = startSh(as, [...joinOpts(count, tag), "--set-env"], "true", env, g.image);
  waitPublished(tag);
  waitGated(winner.pid);
  return { image: g.image, fifo: g.fifo, winner };
}

/** A group of 3 whose winner is held mid-setup, one loser waiting for it;
    and a late third peer (waiting 1 s for peers), run to the end once
    called. */
async function heldGroup(as: As, tag: string): Promise<{ fifo: string; winner: Started; loser: Started;
                                                          late: () => RunResult }> {
  const env = { SKIFF_JOIN_TIMEOUT: "20" };
  const { image, fifo, winner } = heldWinner(as, tag, 3, env);
  const loser = startSh(as, joinOpts(3, tag), "true", env, image);
  await new Promise((r) => setTimeout(r, 300)); // the loser waits for the winner
  return { fifo, winner, loser,
           late: () => skiff(["run", ...joinOpts(3, tag), image, "--", "/bin/true"],
                             { as, env: { SKIFF_JOIN_TIMEOUT: "1" } }) };
}

//// Peer groups ////////////////////////////////////////////////////////////

for (const as of AS_BOTH) {
  describe(`--join peer groups as ${as}`, () => {
    test("4 peers share one user and one mount namespace, not the host's; IPC objects gone", async () => {
      const tag = newTag();
      const peers = [0, 1, 2, 3].map(() => startSh(as, joinOpts(4, tag), NS_SCRIPT));
      const rs = await Promise.all(peers.map((p) => p.done));
      for (const r of rs)
        assert.equal(r.status, 0, describeResult(r));
      const ns = rs.map((r) => r.stdout.trim());
      assert.match(ns[0], /^user:\[\d+\] mnt:\[\d+\]$/);
      assert.deepEqual(ns, [ns[0], ns[0], ns[0], ns[0]]);
      assert.notEqual(ns[0], hostNs("self"));
      assertClean(tag);
    });

    test("without --join, each run has namespaces of its own", async () => {
      const peers = [0, 1].map(() => startSh(as, [], NS_SCRIPT + "; sleep 0.5"));
      const rs = await Promise.all(peers.map((p) => p.done));
      for (const r of rs)
        assert.equal(r.status, 0, describeResult(r));
      const users = rs.map((r) => r.stdout.split(" ")[0]);
      const mnts = rs.map((r) => r.stdout.trim().split(" ")[1]);
      assert.notEqual(users[0], users[1]);
      assert.notEqual(mnts[0], mnts[1]);
    });

    test("protocol messages (-v): one winner, losers join its PID, the last cleans up", async () => {
      const tag = newTag();
      const peers = [0, 1, 2].map(() => startSh(as, ["-v", ...joinOpts(3, tag)], "true"));
      const rs = await Promise.all(peers.map((p) => p.done));
      const all = rs.map((r) => r.stderr).join("");
      for (const r of rs) {
        assert.equal(r.status, 0, describeResult(r));
        assert.match(r.stderr, new RegExp(`: join: 1 3 ${tag} 0\n`));
        assert.match(r.stderr, /: join: \d peers left excluding myself\n/);
        assert.match(r.stderr, /: join: done\n/);
      }
      const won = rs.filter((r) => /: join: I won\n/.test(r.stderr));
      assert.equal(won.length, 1, all);
      assert.equal(rs.filter((r) => /: join: I lost\n/.test(r.stderr)).length, 2, all);
      assert.match(won[0].stderr, /: join: winner initializing shared data\n/);
      const winnerPid = (/\[(\d+)\]: join: I won/.exec(won[0].stderr) as RegExpExecArray)[1];
      assert.equal((all.match(new RegExp(`: joining namespaces of pid ${winnerPid}\n`, "g")) || []).length, 2);
      assert.equal((all.match(/: join: cleaning up IPC resources\n/g) || []).length, 1, all);
      assertClean(tag);
    });

    test("SquashFS: the post-fork child is the winner peers join; IPC objects gone", async () => {
      const tag = newTag();
      const mnt = scratchDir(as, "mnt");
      const options = ["-v", `--mount=${mnt}`, ...joinOpts(3, tag)];
      const peers = [0, 1, 2].map(() => startSh(as, options, NS_SCRIPT, {}, SQFS));
      const rs = await Promise.all(peers.map((p) => p.done));
      for (const r of rs)
        assert.equal(r.status, 0, describeResult(r));
      const ns = rs.map((r) => r.stdout.trim());
      assert.deepEqual(ns, [ns[0], ns[0], ns[0]]);
      const all = rs.map((r) => r.stderr).join("");
      const publisher = (/\[(\d+)\]: join: I won\n/.exec(all) as RegExpExecArray)[1];
      const builder = (/\[(\d+)\]: join: winner initializing shared data\n/.exec(all) as RegExpExecArray)[1];
      assert.notEqual(builder, publisher, "the container was not built after a fork");
      assert.equal((all.match(new RegExp(`: joining namespaces of pid ${builder}\n`, "g")) || []).length, 2, all);
      assertClean(tag);
    });

    test("losers get the winner's container environment, yet keep their own per-rank variables", async () => {
      const tag = newTag();
      const script = "echo $WHO $RANK ${DROPME-unset} ${ONLY_LOSER-none} $HOME $PATH $CH_RUNNING";
      const env = { PATH: "/usr/bin:/bin", DROPME: "x" };
      const winner = startSh(as, [...joinOpts(2, tag), "--set-env=WHO=winner", "--unset-env=DROPME"], script,
                             { ...env, RANK: "0" });
      waitPublished(tag);
      const loser = startSh(as, [...joinOpts(2, tag), "--set-env=WHO=loser"], script,
                            { ...env, RANK: "1", ONLY_LOSER: "x" });
      const [w, l] = await Promise.all([winner.done, loser.done]);
      assert.equal(w.status, 0, describeResult(w));
      assert.equal(l.status, 0, describeResult(l));
      assert.equal(w.stdout, "winner 0 unset none /root /usr/bin:/bin Weird Al Yankovic\n");
      assert.equal(l.stdout, "winner 1 unset x /root /usr/bin:/bin Weird Al Yankovic\n");
      assertClean(tag);
    });

    test("a group of 1 is just a container: it never looks at /dev/shm", () => {
      const tag = newTag();
      // What ch-run leaves when a peer crashes: a group of 2 would refuse it.
      const shm = `/dev/shm/ch-run_shm-${tag}`;
      fs.writeFileSync(shm, new Uint8Array(8), { mode: 0o600 });
      try {
        const r = skiff(["run", "-v", ...joinOpts(1, tag), IMG, "--", "/bin/true"], { as });
        assert.equal(r.status, 0, describeResult(r));
        assert.match(r.stderr, /: join: I won\n/);
        assert.doesNotMatch(r.stderr, /cleaning up IPC resources/);
      } finally {
        fs.rmSync(shm);
      }
      assertClean(tag);
    });

    test("a winner that fails before its container is complete fails the group at once", async () => {
      const tag = newTag();
      const { fifo, winner, loser, late } = await heldGroup(as, tag);
      gate(fifo, "=bar\n"); // not a valid variable: the winner fails
      const [w, l] = await Promise.all([winner.done, loser.done]);
      assert.equal(w.status, 31, describeResult(w));
      assert.match(errorLine(w), /error: can't parse variable: empty name: \/ch\/environment:1$/);
      assert.equal(l.status, 31, describeResult(l));
      assert.match(errorLine(l), new RegExp(`error: join: winner pid ${winner.pid} failed: can't parse variable: `
                                            + "empty name: /ch/environment:1$"));
      assert.ok(l.ms < 10_000, `the loser took ${l.ms} ms`);
      // The last one out removed the group: a late peer founds a new one.
      assertClean(tag);
      const third = late();
      assert.equal(third.status, 31, describeResult(third));
      assert.match(errorLine(third), /error: join: timed out after 1 s waiting for peers: 1 of 3 joined/);
      assertClean(tag);
    });

    test("a winner killed mid-setup fails the group at once; nothing left behind", async () => {
      const tag = newTag();
      const { winner, loser, late } = await heldGroup(as, tag);
      process.kill(winner.pid, "SIGKILL"); // setpriv has exec'd skiff: same PID
      const l = await loser.done;
      assert.equal(l.status, 31, describeResult(l));
      assert.match(errorLine(l), new RegExp(`error: join: winner pid ${winner.pid} died before its container was `
                                            + "complete$"));
      assert.ok(l.ms < 10_000, `the loser took ${l.ms} ms`);
      assertClean(tag);
      const third = late();
      assert.equal(third.status, 31, describeResult(third));
      assert.match(errorLine(third), /error: join: timed out after 1 s waiting for peers: 1 of 3 joined/);
      assertClean(tag);
      await winner.done;
    });

    test("a count too high: the winner times out saying how many came; nothing left behind", async () => {
      const tag = newTag();
      const env = { SKIFF_JOIN_TIMEOUT: "1" };
      const peers = [0, 1].map(() => startSh(as, ["-v", ...joinOpts(3, tag)], "true", env));
      const rs = await Promise.all(peers.map((p) => p.done));
      // Losers run their command once in; the winner waits for all.
      const winner = rs.filter((r) => /: join: I won\n/.test(r.stderr));
      const loser = rs.filter((r) => /: join: I lost\n/.test(r.stderr));
      assert.equal(winner.length, 1, rs.map(describeResult).join("\n"));
      assert.equal(loser.length, 1, rs.map(describeResult).join("\n"));
      assert.equal(loser[0].status, 0, describeResult(loser[0]));
      assert.equal(winner[0].status, 31, describeResult(winner[0]));
      assert.match(errorLine(winner[0]),
                   /error: join: timed out after 1 s waiting for peers: 2 of 3 joined \(hint: the peer group size /);
      assert.ok(winner[0].ms < 10_000, `took ${winner[0].ms} ms`);
      assertClean(tag);
    });

    test("a stuck winner: losers time out naming it; the winner then fails too", async () => {
      const tag = newTag();
      const { image, fifo, winner } = heldWinner(as, tag, 2);
      const l = await startSh(as, joinOpts(2, tag), "true", { SKIFF_JOIN_TIMEOUT: "1" }, image).done;
      assert.equal(l.status, 31, describeResult(l));
      assert.match(errorLine(l), new RegExp("error: timeout waiting for join lock \\(hint: waited 1 s for winner pid "
                                            + `${winner.pid} to build the container: `));
      gate(fifo, "A=1\n");
      const w = await winner.done;
      assert.equal(w.status, 31, describeResult(w));
      assert.match(errorLine(w), /error: timeout waiting for join lock \(hint: waited 1 s for winner pid \d+ to build the /);
      assertClean(tag);
    });

    /** A group of 2 run once tag's group was left with no one in it: both
        peers run, and one says it removed the old group, whose winner was
        pid. */
    async function replacedBy2(tag: string, pid: number): Promise<void> {
      const peers = [0, 1].map(() => startSh(as, joinOpts(2, tag), NS_SCRIPT));
      const rs = await Promise.all(peers.map((p) => p.done));
      for (const r of rs)
        assert.equal(r.status, 0, describeResult(r));
      assert.equal(rs[0].stdout, rs[1].stdout);
      const warned = rs.filter((r) => new RegExp(`warning: join: removed peer group ${tag} left by peers that died `
                                                 + `\\(winner pid ${pid}\\)\n`).test(r.stderr));
      assert.equal(warned.length, 1, rs.map(describeResult).join("\n"));
      assertClean(tag);
    }

    test("a group whose lone winner was killed is removed by the next run with its tag, which works", async () => {
      const tag = newTag();
      const { winner } = heldWinner(as, tag, 3);
      process.kill(winner.pid, "SIGKILL");
      await winner.done;
      assert.deepEqual(ipcOf(tag), [`ch-run_shm-${tag}`], "the killed group left nothing to replace");
      await replacedBy2(tag, winner.pid);
    });

    test("a recycled winner PID (alive, but another process) counts as gone", async () => {
      const tag = newTag();
      const { winner } = heldWinner(as, tag, 2);
      process.kill(winner.pid, "SIGKILL");
      await winner.done;
      // Make the segment name a live process that is not its winner: this
      // test's own PID (the winner's PID word: src/join/segment.ts).
      const fd = fs.openSync(`/dev/shm/ch-run_shm-${tag}`, "r+");
      const word = new Uint8Array(4);
      new DataView(word.buffer).setInt32(0, process.pid, true);
      fs.writeSync(fd, word, 0, 4, 6 * 4);
      fs.closeSync(fd);
      await replacedBy2(tag, process.pid);
    });

    test("a segment ch-run made is refused, naming it", () => {
      const tag = newTag();
      const shm = `/dev/shm/ch-run_shm-${tag}`;
      fs.writeFileSync(shm, new Uint8Array(8), { mode: 0o600 });
      if (as === "user")
        fs.chownSync(shm, testUser().uid, testUser().gid);
      try {
        const r = skiff(["run", ...joinOpts(2, tag), IMG, "--", "/bin/true"], { as });
        assert.equal(r.status, 31, describeResult(r));
        assert.match(errorLine(r), new RegExp(`error: join: ${shm} is not a skiff peer group: not made by skiff `
                                              + "\\(8 bytes\\) \\(hint: ch-run and skiff can't share"));
      } finally {
        fs.rmSync(shm);
      }
      assertClean(tag);
    });
  });

  //// --join-pid ///////////////////////////////////////////////////////////

  describe(`--join-pid as ${as}`, () => {
    test("joins the namespaces of a running container; its environment is its own unless asked", async () => {
      const target = startSh(as, ["--set-env=WHO=target"], "exec sleep 30");
      assert.ok(waitFor(() => {
        try {
          return fs.readlinkSync(`/proc/${target.pid}/exe`).endsWith("/busybox");
        } catch {
          return false;
        }
      }, 10_000), "the target never started its command");
      try {
        const script = NS_SCRIPT + "; echo $WHO $CH_RUNNING";
        const r = skiff(["run", `--join-pid=${target.pid}`, "--set-env=WHO=joiner", IMG, "--", "/bin/sh", "-c", script],
                        { as });
        assert.equal(r.status, 0, describeResult(r));
        assert.equal(r.stdout, hostNs(target.pid) + "\njoiner Weird Al Yankovic\n");
        assert.notEqual(hostNs(target.pid), hostNs("self"));
        // The documented way to take the target's environment instead.
        const t = skiff(["run", `--join-pid=${target.pid}`, "--env-no-expand", `--set-env0=/proc/${target.pid}/environ`,
                         IMG, "--", "/bin/sh", "-c", script], { as });
        assert.equal(t.status, 0, describeResult(t));
        assert.equal(t.stdout, hostNs(target.pid) + "\ntarget Weird Al Yankovic\n");
      } finally {
        process.kill(target.pid, "SIGKILL");
        await target.done;
      }
    });

    test("a PID that does not exist", () => {
      let pid = 4194000;
      while (fs.existsSync(`/proc/${pid}`))
        pid++;
      const r = skiff(["run", `--join-pid=${pid}`, IMG, "--", "/bin/true"], { as });
      assert.equal(r.status, 31, describeResult(r));
      assert.match(errorLine(r), new RegExp(`error: join: no PID ${pid}: /proc/${pid}/ns/user not found \\(hint: `));
    });

    test("a process not in a container", async () => {
      const plain = as === "user"
        ? spawn("/usr/bin/setpriv", [`--reuid=${TEST_USER}`, `--regid=${TEST_USER}`, "--init-groups", "--",
                                     "/bin/sleep", "30"])
        : spawn("/bin/sleep", ["30"]);
      try {
        assert.ok(waitFor(() => {
          try {
            return fs.readlinkSync(`/proc/${plain.pid}/exe`) === "/usr/bin/sleep";
          } catch {
            return false;
          }
        }, 5000), "sleep never started");
        const r = skiff(["run", `--join-pid=${plain.pid}`, IMG, "--", "/bin/true"], { as });
        assert.equal(r.status, 31, describeResult(r));
        assert.match(errorLine(r), new RegExp(`error: join: pid ${plain.pid} is not in a container: its user `
                                              + "namespace is ours \\(hint: "));
      } finally {
        plain.kill("SIGKILL");
      }
    });

    test("PID 1 (not ours to join)", () => {
      const r = skiff(["run", "--join-pid=1", IMG, "--", "/bin/true"], { as });
      assert.equal(r.status, 31, describeResult(r));
      // Root may open PID 1's namespaces (then it is no container), users may not.
      assert.match(errorLine(r), new RegExp("error: join: (can't open /proc/1/ns/user: Permission denied "
                                            + "\\(hint: you can only join|pid 1 is not in a container)"));
    });
  });

  //// Bad input ////////////////////////////////////////////////////////////

  describe(`--join bad input as ${as}`, () => {
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [["--join-ct=0"], {}, /error: join: no valid peer group size found \(hint: --join-ct is '0', less than 1; /],
      [["--join-ct=-1"], {}, /error: join: no valid peer group size found \(hint: --join-ct is '-1', less than 1; /],
      [["--join-ct=a"], {}, /error: --join-ct: no digits found \(hint: --join-ct is 'a'; /],
      [["--join-ct=1a"], {}, /error: --join-ct: extra characters after digits \(hint: --join-ct is '1a'; /],
      [["--join-ct="], {}, /error: --join-ct: no digits found \(hint: --join-ct is ''; /],
      [["--join-ct=99999999999"], {}, /error: --join-ct: out of range \(hint: --join-ct is '99999999999'; /],
      [["--join-ct=65537"], {}, /error: join: no valid peer group size found \(hint: --join-ct is '65537', more than 65536; /],
      [["--join-tag="], {}, /error: join: peer group tag cannot be empty string \(hint: --join-tag is empty; /],
      [["--join-tag=a/b", "--join-ct=2"], {},
       /error: --join-tag: invalid peer group tag 'a\/b': it can't contain '\/'/],
      [["--join-ct=2"], { SLURM_STEP_ID: "" },
       /error: join: peer group tag cannot be empty string \(hint: SLURM_STEP_ID is empty; /],
      [["--join"], { SLURM_CPUS_ON_NODE: "a" },
       /error: SLURM_CPUS_ON_NODE: no digits found \(hint: SLURM_CPUS_ON_NODE is 'a'; /],
      [["--join"], { SLURM_CPUS_ON_NODE: "-1" },
       /error: join: no valid peer group size found \(hint: SLURM_CPUS_ON_NODE is '-1', less than 1; /],
      [["--join"], { SLURM_STEP_TASKS_PER_NODE: "2(x3),1" },
       /error: join: SLURM_STEP_TASKS_PER_NODE=2\(x3\),1 differs between nodes but SLURM_NODEID is not set/],
      [["--join"], {}, /error: join: no valid peer group size found \(hint: none of --join-ct, /],
      [["--join-ct=2"], { SKIFF_JOIN_TIMEOUT: "soon" }, /error: SKIFF_JOIN_TIMEOUT: invalid timeout: 'soon' \(hint: /],
      [["--join-pid=0"], {}, /error: --join-pid: invalid PID: '0' \(hint: /],
      [["--join-pid=x"], {}, /error: --join-pid: no digits found \(hint: --join-pid is 'x'; /],
    ];
    for (const [options, env, re] of cases) {
      test(`${options.join(" ")} ${JSON.stringify(env)}`, () => {
        const r = skiff(["run", ...options, IMG, "--", "/bin/true"],
                        { as, env: { SLURM_STEP_ID: undefined, SLURM_JOB_ID: undefined, ...env } });
        assert.equal(r.status, 31, describeResult(r));
        assert.match(errorLine(r), re);
        assert.equal(r.stdout, "");
        // No group made: the default tag is our PID, skiff's parent's.
        assert.deepEqual(devShmEntries(new RegExp(`^(sem\\.)?ch-run_(sem|shm)-${process.pid}$`)), []);
      });
    }
  });
}
