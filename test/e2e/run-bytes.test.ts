// Linux paths, arguments and environment are bytes: every entry point of a
// launch carries any byte sequence through unchanged (the binding's
// "Strings", native/binding.c), as ch-run does, and messages show the bytes
// that are not UTF-8 as \xNN on one line (src/log/readable.ts). Where ch-run
// 0.31 has the feature, it runs the same command and must see the same
// bytes.

import { after, describe, test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";

import {
  AS_BOTH,
  As,
  CH_RUN_SKIFF,
  IMG,
  ORACLE,
  RunResult,
  SKIFF,
  SQFS,
  cleanupScratch,
  describeResult,
  scratchDir,
  testUser,
} from "../lib/harness.js";
import { BytesOpts, PRINT_ARGS_HEX, bytes, fromHex, fsPath, hex, runBytes, utf8 } from "../lib/bytes.js";

after(cleanupScratch);

/** Latin-1 "é", stray bytes that would make a Duktape Symbol (0xff, 0x80),
    a surrogate encoded as UTF-8 (CESU-8: what the binding's escapes look
    like inside Duktape, so it must not be mistaken for one), valid UTF-8,
    and a control character. */
const ODD: string[] = [
  bytes("/data/Jos", [0xe9]),
  bytes([0xff], "abc"),
  bytes([0x80, 0x81, 0x82]),
  bytes("a", [0xed, 0xb3, 0xa9], "z"),
  utf8("Jos\u00e9 \u{1f600}"),
  bytes("two\nlines\x01"),
  bytes([0xc3]),
  bytes(""),
];

const E9 = bytes("d", [0xe9, 0xff]);

function ok(r: RunResult): string {
  assert.equal(r.status, 0, describeResult(r));
  return r.stdout;
}

function hexLines(bs: string[]): string {
  return bs.map((b) => hex(b) + "\n").join("");
}

/** skiff run ...ARGS, as AS. */
function skiff(as: As, args: string[], opts: BytesOpts = {}): RunResult {
  return runBytes([SKIFF, "run", ...args], { ...opts, as });
}

/** The same through ch-run's name, and through ch-run 0.31 itself. */
function chRuns(as: As, args: string[], opts: BytesOpts = {}): RunResult[] {
  return [runBytes([CH_RUN_SKIFF, ...args], { ...opts, as }), runBytes([ORACLE, ...args], { ...opts, as })];
}

/** mkdir PATH (bytes), owned by AS's user. */
function mkdirAs(as: As, p: string): string {
  fs.mkdirSync(fsPath(p), { mode: 0o755 });
  if (as === "user") fs.chownSync(fsPath(p), testUser().uid, testUser().gid);
  return p;
}

/** Write content (bytes) to PATH (bytes), owned by AS's user. */
function writeFileAs(as: As, p: string, content: string): string {
  fs.writeFileSync(fsPath(p), content, { mode: 0o644, encoding: "latin1" });
  if (as === "user") fs.chownSync(fsPath(p), testUser().uid, testUser().gid);
  return p;
}

/** A copy of IMG (or of the file SQFS) at a path with odd bytes in it. */
function copyAt(as: As, src: string, name: string): string {
  const dst = bytes(scratchDir(as, "bytes"), "/", name);
  const r = runBytes(["cp", "-a", "--", src, dst]);
  assert.equal(r.status, 0, describeResult(r));
  return dst;
}

/** Entries of the environment the container's command started with. */
function containerEnviron(out: string): string[] {
  return fromHex(out.replace(/\s/g, "")).split("\0");
}
// od's own: a shell would drop the variables whose names it can't use.
const PRINT_ENVIRON = ["/bin/od", "-An", "-tx1", "-v", "/proc/self/environ"];

for (const as of AS_BOTH) {
  describe(`bytes that are not UTF-8, as ${as}`, () => {
    test("the command's arguments arrive byte for byte (skiff, its ch-run name, ch-run 0.31)", () => {
      const want = hexLines(ODD);
      assert.equal(ok(skiff(as, [IMG, "--", ...PRINT_ARGS_HEX, ...ODD])), want);
      for (const r of chRuns(as, [IMG, "--", ...PRINT_ARGS_HEX, ...ODD]))
        assert.equal(ok(r), want);
    });

    test("an image directory and a SquashFS file (and its mount point) at such paths", () => {
      const dir = copyAt(as, IMG, bytes("img", [0xe9, 0xff]));
      const sqfs = copyAt(as, SQFS, bytes("b", [0xe9], ".sqfs"));
      const mnt = mkdirAs(as, bytes(scratchDir(as, "mnt"), "/m", [0xe9]));
      for (const img of [dir, sqfs]) {
        const args = [...(img === sqfs ? [bytes("--mount=", mnt)] : []), img, "--", "/bin/echo", "in"];
        assert.equal(ok(skiff(as, args)), "in\n");
        for (const r of chRuns(as, args))
          assert.equal(ok(r), "in\n");
      }
    });

    test("-b SRC:DST and --cd with such names, and a relative SRC from such a working directory", () => {
      const src = mkdirAs(as, bytes(scratchDir(as, "bind"), "/src", [0xe9]));
      mkdirAs(as, bytes(src, "/sub", [0xff]));
      writeFileAs(as, bytes(src, "/f", [0xe9]), "hello\n");
      const args = ["-b", bytes(src, ":/mnt/0"), bytes("--cd=/mnt/0/sub", [0xff]), IMG, "--",
                    "/bin/sh", "-c", "cat ../f*; pwd | od -An -tx1 | tr -d ' \\n'"];
      const want = "hello\n" + hex(bytes("/mnt/0/sub", [0xff, 0x0a]));
      assert.equal(ok(skiff(as, args)), want);
      for (const r of chRuns(as, args))
        assert.equal(ok(r), want);
      // A relative SRC, from a working directory named so.
      writeFileAs(as, bytes(src, "/sub", [0xff], "/g"), "deep\n");
      const rel = ["-b", bytes("sub", [0xff], ":/mnt/0"), IMG, "--", "/bin/cat", "/mnt/0/g"];
      assert.equal(ok(skiff(as, rel, { cwdBytes: src })), "deep\n");
      for (const r of chRuns(as, rel, { cwdBytes: src }))
        assert.equal(ok(r), "deep\n");
    });

    test("-W: a created bind destination, and such entries of a directory it overmounts", () => {
      const img = copyAt(as, IMG, bytes("img", [0xe9]));
      writeFileAs("root", bytes(img, "/home/u", [0xe9]), "");
      fs.chownSync(fsPath(bytes(img, "/home")), 65534, 65534); // not the container user's: -W overmounts it
      const src = mkdirAs(as, bytes(scratchDir(as, "bind"), "/s", [0xff]));
      writeFileAs(as, bytes(src, "/f"), "bound\n");
      const dst = bytes("/home/new", [0xe9]);
      const out = ok(skiff(as, ["-W", "-b", bytes(src, ":", dst), img, "--", "/bin/sh", "-c",
                                'cat "$1"/f; set -- /home/*; ' + PRINT_ARGS_HEX[2], "sh", dst]));
      assert.equal(out, "bound\n" + hexLines([bytes("/home/new", [0xe9]), bytes("/home/u", [0xe9])]));
    });

    test("--join-tag with such a tag", () => {
      const args = ["--join-ct=1", bytes("--join-tag=", [0xe9, 0x0a, 0xff]), IMG, "--", "/bin/echo", "joined"];
      assert.equal(ok(skiff(as, args)), "joined\n");
      for (const r of chRuns(as, args))
        assert.equal(ok(r), "joined\n");
    });

    test("the environment: the host's, --set-env, --set-env0 and --unset-env", () => {
      const d = scratchDir(as, "env");
      const file = writeFileAs(as, bytes(d, "/env", [0xe9]), bytes("A=", [0xe9], "b\nB=", utf8("Jos\u00e9"), "\n"));
      const file0 = writeFileAs(as, bytes(d, "/env0"), bytes("C=", [0xff], "\nx\0"));
      const host = [bytes("X", [0xe9], "=v", [0xff]), bytes("Y=", [0x80]), bytes("Z", [0xe9], "=gone")];
      const unset = bytes("--unset-env=Z", [0xe9], "*");
      const want = [bytes("X", [0xe9], "=v", [0xff]), bytes("Y=", [0x80]), bytes("A=", [0xe9], "b"),
                    bytes("B=", utf8("Jos\u00e9"))];
      const env = containerEnviron(ok(skiff(as, [bytes("--set-env=", file), bytes("--set-env0=", file0), unset,
                                                 IMG, "--", ...PRINT_ENVIRON], { envBytes: host })));
      for (const e of [...want, bytes("C=", [0xff], "\nx")])
        assert.ok(env.includes(e), `${JSON.stringify(e)} in ${JSON.stringify(env)}`);
      assert.ok(!env.some((e) => e.startsWith(bytes("Z", [0xe9]))));
      // ch-run 0.31 has no --set-env0.
      for (const r of chRuns(as, [bytes("--set-env=", file), unset, IMG, "--", ...PRINT_ENVIRON],
                             { envBytes: host })) {
        const theirs = containerEnviron(ok(r));
        for (const e of want)
          assert.ok(theirs.includes(e), `${JSON.stringify(e)} in ${JSON.stringify(theirs)}`);
      }
    });

    describe("errors: such a name is shown as \\xNN, on one line, as the same error for a plain name", () => {
      const NAME = bytes([0xe9, 0x0a, 0xff]);
      const SHOWN = "\\xe9\\x0a\\xff";
      const PLAIN = "zq";
      const cases: [string, (name: string) => string[]][] = [
        ["a missing image", (n) => [bytes(IMG, n), "--", "/bin/true"]],
        ["a missing bind source", (n) => ["-b", bytes("/nonexistent", n, ":/mnt/0"), IMG, "--", "/bin/true"]],
        ["a bind destination in a read-only image", (n) => ["-b", bytes("/tmp:/no", n, "/x"), IMG, "--", "/bin/true"]],
        ["a missing --cd", (n) => [bytes("--cd=/", n), IMG, "--", "/bin/true"]],
        ["a missing command", (n) => [IMG, "--", bytes("/bin/", n)]],
        ["a missing --set-env file", (n) => [bytes("--set-env=/nonexistent", n), IMG, "--", "/bin/true"]],
        ["a bad option", (n) => [bytes("--no-such-option", n), IMG, "--", "/bin/true"]],
      ];
      for (const [what, args] of cases) {
        test(what, () => {
          const plain = skiff(as, args(PLAIN));
          const odd = skiff(as, args(NAME));
          const norm = (s: string) => s.replace(/\[\d+\]/g, "[PID]");
          assert.notEqual(plain.status, 0, describeResult(plain));
          assert.equal(odd.status, plain.status, describeResult(odd));
          assert.equal(norm(odd.stderr), norm(plain.stderr).split(PLAIN).join(SHOWN));
          assert.ok(norm(plain.stderr).includes(PLAIN), describeResult(plain));
          assert.ok(odd.stderr.split("\n").filter((l) => / error: /.test(l)).length <= 1, describeResult(odd));
        });
      }
    });
  });
}
