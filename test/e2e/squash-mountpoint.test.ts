// Another local user must not be able to make us run their tree (issue 10,
// item 3). /var/tmp is everyone's, and the default SquashFS mount point is
// /var/tmp/$USER.ch/mnt: an attacker who makes /var/tmp/VICTIM.ch/{mnt,fake}
// before the victim's first SquashFS run and swaps mnt and fake in a loop
// (renameat2(RENAME_EXCHANGE)) made skiff run the attacker's tree in 5 of
// 120 launches. skiff now refuses a mount point, or its storage directory,
// that someone else could change, saying who owns it.

import { describe, test, after } from "node:test";
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";

import {
  AS_BOTH, As, IMG, SKIFF, SQFS, SWAP, TEST_USER2, cleanupScratch, describeResult, quietStorage, run, RunResult,
  scratchDir, userInfo,
} from "../lib/harness.js";

after(cleanupScratch);

const LAUNCHES = 60;

function asAttacker(argv: string[]): string[] {
  return ["/usr/bin/setpriv", `--reuid=${TEST_USER2}`, `--regid=${TEST_USER2}`, "--init-groups", "--", ...argv];
}

function must(r: RunResult): void {
  assert.equal(r.status, 0, describeResult(r));
}

/** The victim's launch: which tree did /bin/sh come from? */
function launch(as: As, user: string, options: string[] = []): RunResult {
  return run([SKIFF, "run", ...options, SQFS, "--", "/bin/sh", "-c", "cat /ATTACKER 2>/dev/null || echo victim"],
             { as, env: { USER: user, CH_IMAGE_STORAGE: quietStorage() }, timeoutMs: 20_000 });
}

/** The victim's runs can't have gone well: each refused, naming the owner. */
function refusedAll(runs: RunResult[], re: RegExp): void {
  const attacked = runs.filter((r) => r.stdout.includes("attacker"));
  assert.equal(attacked.length, 0, `the attacker's tree ran in ${attacked.length} of ${runs.length} launches:\n`
               + attacked.map(describeResult).join("\n"));
  for (const r of runs) {
    assert.equal(r.status, 31, describeResult(r));
    assert.match(r.stderr, re, describeResult(r));
  }
}

describe("the default mount point, prepared by another user", () => {
  for (const as of AS_BOTH)
    test(`swapped in a loop while the victim launches: never their tree (as ${as})`, async () => {
      const victim = `skiff-victim-${process.pid}-${as}`;
      const base = `/var/tmp/${victim}.ch`;
      const attacker = userInfo(TEST_USER2);
      try {
        must(run(asAttacker(["/bin/sh", "-c", 'mkdir -m 0755 "$1" "$1/mnt" && cp -a "$2" "$1/fake" && '
                                               + 'echo attacker > "$1/fake/ATTACKER"', "sh", base, IMG])));
        const swapper = spawn(asAttacker([SWAP, `${base}/mnt`, `${base}/fake`, "300"])[0],
                              asAttacker([SWAP, `${base}/mnt`, `${base}/fake`, "300"]).slice(1), { stdio: "ignore" });
        const runs: RunResult[] = [];
        try {
          // Give the swapper its own event loop turn: spawnSync blocks ours.
          await new Promise((resolve) => setTimeout(resolve, 100));
          for (let i = 0; i < LAUNCHES; i++)
            runs.push(launch(as, victim));
        } finally {
          swapper.kill("SIGKILL");
        }
        refusedAll(runs, new RegExp(`error: unsafe mount point: ${base}/mnt: ${base} is owned by ${TEST_USER2} `
                                    + `\\(uid ${attacker.uid}\\)`));
      } finally {
        fs.rmSync(base, { recursive: true, force: true });
      }
    });
});

describe("mount points others can change are refused", () => {
  for (const as of AS_BOTH) {
    test(`-m DIR owned by another user (as ${as})`, () => {
      const dir = scratchDir("user", "mnt");
      fs.chownSync(dir, userInfo(TEST_USER2).uid, userInfo(TEST_USER2).gid);
      refusedAll([launch(as, "anyone", ["-m", dir])],
                 new RegExp(`unsafe mount point: ${dir}: ${dir} is owned by ${TEST_USER2} .*\\(hint: another user`));
    });

    test(`-m DIR of ours, but writable by others (as ${as})`, () => {
      const dir = scratchDir(as, "mnt");
      fs.chmodSync(dir, 0o777);
      refusedAll([launch(as, "anyone", ["-m", dir])], new RegExp(`unsafe mount point: ${dir}: ${dir} is writable by others`));
    });

    test(`-m DIR of ours in a directory others can write to (as ${as})`, () => {
      const parent = scratchDir(as, "parent");
      fs.chmodSync(parent, 0o775);
      fs.mkdirSync(`${parent}/mnt`);
      if (as === "user") run(["chown", "--reference", parent, `${parent}/mnt`]);
      refusedAll([launch(as, "anyone", ["-m", `${parent}/mnt`])],
                 new RegExp(`unsafe mount point: ${parent}/mnt: ${parent} is writable by its group`));
    });

    test(`a default storage directory of ours, but writable by others (as ${as})`, () => {
      const victim = `skiff-open-${process.pid}-${as}`;
      const base = `/var/tmp/${victim}.ch`;
      try {
        fs.mkdirSync(base);
        fs.chmodSync(base, 0o777);
        if (as === "user") run(["chown", "skifftest:skifftest", base]);
        refusedAll([launch(as, victim)], new RegExp(`unsafe mount point: ${base}/mnt: ${base} is writable by others`));
      } finally {
        fs.rmSync(base, { recursive: true, force: true });
      }
    });

    test(`a sticky world-writable parent, root's, is fine: /var/tmp (as ${as})`, () => {
      const victim = `skiff-fine-${process.pid}-${as}`;
      const base = `/var/tmp/${victim}.ch`;
      try {
        const r = launch(as, victim);
        assert.equal(r.status, 0, describeResult(r));
        assert.equal(r.stdout, "victim\n", describeResult(r));
      } finally {
        fs.rmSync(base, { recursive: true, force: true });
      }
    });
  }
});
