// An IMAGE that is neither a directory nor a regular file (issue 10, item
// 5): a FIFO would block open(2) for ever, a device or socket can't be an
// image. Each is an error at once, naming the path and what it is.

import { describe, test, after } from "node:test";
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";

import { AS_BOTH, cleanupScratch, describeResult, quietStorage, scratchDir, skiff } from "../lib/harness.js";

after(cleanupScratch);

function special(kind: "fifo" | "socket"): string {
  const dir = scratchDir("root", kind);
  const p = `${dir}/image`;
  if (kind === "fifo") execFileSync("mkfifo", ["-m", "0666", p]);
  else execFileSync("python3", ["-c", "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", p]);
  return p;
}

const CASES: Array<[string, () => string, string]> = [
  ["a FIFO", () => special("fifo"), "a FIFO"],
  ["a socket", () => special("socket"), "a socket"],
  ["a character device", () => "/dev/null", "a character device"],
];

describe("an image that is neither a directory nor a regular file", () => {
  for (const as of AS_BOTH)
    for (const [what, make, named] of CASES)
      test(`${what} is refused at once (as ${as})`, () => {
        const p = make();
        const r = skiff(["run", p, "--", "true"], { as, timeoutMs: 10_000, env: { CH_IMAGE_STORAGE: quietStorage() } });
        assert.equal(r.signal, null, "skiff hung: " + describeResult(r));
        assert.equal(r.status, 31, describeResult(r));
        const lines = r.stderr.split("\n").filter((l) => l !== "");
        assert.equal(lines.length, 1, describeResult(r));
        assert.match(lines[0], /^skiff\[\d+\]: error: unknown image type: /);
        assert.ok(lines[0].includes(p + " (hint: it is " + named), describeResult(r));
      });
});
