// src/log/readable.ts: messages show bytes that are not UTF-8 (decoded by the
// binding as U+DC80..U+DCFF) and control characters as \xNN, on one line.

import { test } from "node:test";
import assert from "node:assert/strict";

import * as log from "../../src/log/log.ts";
import { readable } from "../../src/log/readable.ts";

test("a byte that was not UTF-8 shows as \\xNN", () => {
  assert.equal(readable("/data/Jos\udce9"), "/data/Jos\\xe9");
  assert.equal(readable("\udc80\udcff"), "\\x80\\xff");
});

test("valid UTF-8, tab and printable ASCII stay as they are", () => {
  assert.equal(readable("José\t😀 ~!\\x41"), "José\t😀 ~!\\x41");
});

test("control characters show as \\xNN: a message stays one line", () => {
  assert.equal(readable("a\nb\rc\x1b[31m\x00\x7f"), "a\\x0ab\\x0dc\\x1b[31m\\x00\\x7f");
});

test("log lines are rendered, including the program name", () => {
  const lines: string[] = [];
  log.configure({ prog: "ch-run\udcff", pid: () => 1, write: (l) => { lines.push(l); }, color: false }, null);
  log.setVerbosity(0);
  log.error("can't stat: img\udce9\n");
  assert.deepEqual(lines, ["ch-run\\xff[1]: error: can't stat: img\\xe9\\x0a\n"]);
});
