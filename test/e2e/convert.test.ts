// `skiff convert` (doc/commands.md) through the real binary, as root and as
// the test user: directory → storage → SquashFS → directory → tar → storage
// keeps the tree; each output runs; ch-image lists what skiff stores; the
// compression is chosen; what a user can't have is dropped from a SquashFS
// file; bad input is refused with nothing made; a Ctrl-C (while
// mksquashfs runs, or mid-way through a tar) or a failing mksquashfs leaves
// no half output and nothing in storage.

import { describe, test, after } from "node:test";
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";

import {
  AS_BOTH, As, IMG, SKIFF, cleanupScratch, defaultEnv, describeResult, interruptedMidArchive, run, scratchDir, skiff,
  status, testUser, waitFor,
} from "../lib/harness.js";
import { tarOf } from "../lib/layouts.js";

after(cleanupScratch);

/** Names, types, modes and link targets of the tree at root, sorted. */
function tree(root: string): string {
  return run(["find", root, "-printf", "%P %y %m %l\n"]).stdout.split("\n").sort().join("\n");
}

/** IMG's tree as a conversion gives it back: its absolute symlink made
    relative, so that it means in the image what it meant (as import does). */
function convertedTree(): string {
  const t = tree(IMG);
  assert.ok(t.includes("\nfixtures/abs-link l 777 /etc\n"));
  return t.replace("\nfixtures/abs-link l 777 /etc\n", "\nfixtures/abs-link l 777 ../etc\n");
}

function leftovers(dir: string): string[] {
  return fs.readdirSync(dir).filter((n) => n.includes(".part"));
}

/** A scratch directory with a storage directory S and files to convert. */
function place(as: As): { dir: string; storage: string } {
  const dir = scratchDir(as, "convert");
  return { dir, storage: `${dir}/storage` };
}

function asOwner(as: As, p: string): void {
  if (as === "user")
    assert.equal(run(["chown", "-hR", `${testUser().uid}:${testUser().gid}`, "--", p]).status, 0);
}

describe("skiff convert", () => {
  for (const as of AS_BOTH) {
    test(`dir → storage → SquashFS → dir → tar → storage keeps the tree, and each runs, as ${as}`, () => {
      const { dir, storage } = place(as);
      const s = ["-s", storage];
      const opts = { as, cwd: dir };
      status(skiff(["convert", ...s, IMG, "bb"], opts), 0);
      assert.deepEqual(fs.readdirSync(storage).sort(), ["bucache", "bularge", "dlcache", "img", "ulcache", "version"]);
      assert.equal(status(skiff(["convert", ...s, "bb", "bb.sqfs"], opts), 0).stderr, "");
      assert.equal(fs.readFileSync(`${dir}/bb.sqfs`).subarray(0, 4).toString(), "hsqs");
      status(skiff(["convert", ...s, "bb.sqfs", "./bbdir"], opts), 0);
      assert.equal(tree(`${dir}/bbdir`), convertedTree());
      const diff = run(["diff", "-r", "--no-dereference", "--exclude=abs-link", IMG, `${dir}/bbdir`]);
      assert.equal(diff.status, 0, describeResult(diff));
      status(skiff(["convert", ...s, "./bbdir", "bb.tar.gz"], opts), 0);
      const listing = run(["tar", "--list", "--verbose", "--numeric-owner", "--gzip", "--file", `${dir}/bb.tar.gz`]);
      assert.match(listing.stdout, /^-rwxr-xr-x 0\/0 +\d+ .* \.\/bin\/busybox$/m, describeResult(listing));
      status(skiff(["convert", ...s, "bb.tar.gz", "bb2"], opts), 0);
      assert.equal(tree(`${storage}/img/bb2`), convertedTree());
      for (const image of ["bb", "bb2"])
        assert.equal(status(skiff(["run", ...s, image, "--", "/bin/echo", "hi"], opts), 0).stdout, "hi\n");
      assert.equal(status(skiff(["run", "bb.sqfs", "--", "/bin/echo", "sq"], opts), 0).stdout, "sq\n");
      // ch-image (Debian's, run with Debian's Python) takes the storage skiff made
      const ch = run(["ch-image", "--no-cache", "-s", storage, "list"], { as, cwd: dir, env: { PATH: "/usr/bin:/bin" } });
      assert.equal(ch.stdout, "bb\nbb2\n", describeResult(ch));
      assert.deepEqual(leftovers(dir), []);
      assert.ok(!fs.existsSync(`${storage}/imgtmp`));
    });

    test(`--compression: zstd by default, else as asked, as ${as}`, () => {
      const { dir, storage } = place(as);
      for (const [args, want] of [[[], "zstd"], [["--compression=gzip"], "gzip"], [["--compression", "xz"], "xz"]]) {
        status(skiff(["convert", "-s", storage, ...args, IMG, `${dir}/x.sqfs`], { as }), 0);
        const info = run(["unsquashfs", "-s", `${dir}/x.sqfs`]);
        assert.match(info.stdout, new RegExp(`^Compression ${want}$`, "m"), `${args}: ${info.stdout}`);
      }
      const bad = status(skiff(["convert", "-s", storage, "--compression=nope", IMG, `${dir}/y.sqfs`], { as }), 31);
      assert.match(bad.stderr, /error: mksquashfs failed \(exit 1\)/);
      assert.deepEqual([fs.existsSync(`${dir}/y.sqfs`), leftovers(dir)], [false, []]);
    });

    test(`a SquashFS file's device nodes and owners are dropped, with one line saying so, as ${as}`, () => {
      const { dir, storage } = place(as);
      const src = scratchDir("root", "special");
      fs.mkdirSync(`${src}/d`);
      fs.writeFileSync(`${src}/d/f`, "f\n");
      const made = run(["mksquashfs", src, `${dir}/special.sqfs`, "-quiet", "-no-progress", "-comp", "gzip",
                        "-p", "dev d 755 0 0", "-p", "dev/null c 666 0 0 1 3", "-p", "d/mine f 644 1000 1000 true"]);
      assert.equal(made.status, 0, describeResult(made));
      asOwner(as, dir);
      const r = status(skiff(["convert", "-s", storage, `${dir}/special.sqfs`, `${dir}/out`], { as }), 0);
      assert.match(r.stderr, /: dropped what an unprivileged user can't have: 1 device node or FIFO, the owners of 1 file not owned by root \(-v lists them\)\n$/);
      assert.deepEqual(fs.readdirSync(`${dir}/out/dev`), []);
      assert.equal(fs.readFileSync(`${dir}/out/d/f`, "utf8"), "f\n");
      const uid = as === "user" ? testUser().uid : 0;
      assert.equal(fs.statSync(`${dir}/out/d/mine`).uid, uid);
    });

    test(`bad input: a one-line error, nothing made, as ${as}`, () => {
      const { dir, storage } = place(as);
      fs.mkdirSync(`${dir}/exists`);
      asOwner(as, dir);
      const cases: Array<[string[], number, RegExp]> = [
        [["nothere", "x"], 31, /error: image not found: nothere \(hint: skiff images lists the images in .*; a directory is \.\/nothere\)$/],
        [[IMG, `${dir}/exists`], 31, /error: can't convert: exists: .*\/exists \(hint: remove it first, or choose a new directory\)$/],
        [[IMG, `${dir}/no/such/x.sqfs`], 31, /error: can't convert: not a directory: .*\/no\/such \(hint: make it first\)$/],
        [["-i", "docker", IMG, "x"], 64, /error: --in-fmt: unknown format: docker \(hint: FMT is one of: ch-image, dir, squash, tar\)$/],
        [["-i", "squash", IMG, `${dir}/x.tar`], 31, /error: can't convert: .* is a directory, not squash \(hint: give its format with -i\)$/],
        [[IMG], 64, / convert: DST not specified$/m],
      ];
      for (const [args, code, message] of cases) {
        const r = status(skiff(["convert", "-s", storage, ...args], { as, cwd: dir }), code);
        assert.match(r.stderr.split("\n")[0], message, describeResult(r));
      }
      assert.deepEqual(fs.readdirSync(dir).sort(), ["exists"]);
      assert.deepEqual(fs.readdirSync(`${dir}/exists`), []);
    });

    test(`Ctrl-C while mksquashfs runs: it is stopped, nothing is left, exit 130, as ${as}`, async () => {
      const { dir, storage } = place(as);
      const bin = `${dir}/bin`;
      fs.mkdirSync(bin);
      // A mksquashfs that starts writing its output, then takes its time.
      fs.writeFileSync(`${bin}/mksquashfs`, `#!/bin/sh\necho partial > "$2"\necho $$ > ${dir}/pid\nexec sleep 30\n`,
                       { mode: 0o755 });
      asOwner(as, dir);
      const env = { ...defaultEnv(as), PATH: `${bin}:/usr/bin:/bin` };
      const argv = ["convert", "-s", storage, IMG, `${dir}/x.sqfs`];
      const full = as === "user" ? ["/usr/bin/setpriv", `--reuid=${testUser().name}`, `--regid=${testUser().name}`,
                                    "--init-groups", "--", SKIFF, ...argv]
        : [SKIFF, ...argv];
      const child = spawn(full[0], full.slice(1), { cwd: dir, env, stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (d) => { stderr += d; });
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      assert.ok(waitFor(() => fs.existsSync(`${dir}/pid`) && fs.readFileSync(`${dir}/pid`, "utf8").endsWith("\n"), 10_000));
      const fake = Number(fs.readFileSync(`${dir}/pid`, "utf8"));
      child.kill("SIGINT");
      assert.equal(await exited, 130, stderr);
      assert.match(stderr, /error: mksquashfs stopped: skiff was interrupted \(signal 2\)\n$/);
      assert.throws(() => process.kill(fake, 0), /ESRCH/);
      assert.deepEqual(fs.readdirSync(dir).sort(), ["bin", "pid"]);
    });

    for (const rest of [true, false]) {
      test(`Ctrl-C mid-way through a tar, ${rest ? "the rest of it coming" : "its writer stopped too"}: exit 130, `
           + `nothing left in storage, as ${as}`, async () => {
        const { dir, storage } = place(as);
        const archive = new Uint8Array(fs.readFileSync(tarOf(IMG, `${scratchDir("root", "tar")}/img.tar`)));
        const r = await interruptedMidArchive(as, (fifo) => ["convert", "-s", storage, "-i", "tar", fifo, "x"],
                                              archive, storage, rest);
        assert.equal(r.status, 130, r.stderr);
        assert.match(r.stderr, /^skiff\[\d+\]: error: convert stopped: skiff was interrupted \(signal 2\)\n$/m);
        assert.equal(r.stderr.split("\n").filter((l) => l.includes("error")).length, 1, r.stderr);
        assert.ok(!fs.existsSync(`${storage}/imgtmp`), "no temporary directory left");
        assert.deepEqual(fs.readdirSync(`${storage}/img`), []);
        assert.deepEqual(fs.readdirSync(dir), ["storage"]);
      });
    }
  }
});
