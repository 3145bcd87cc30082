// Environment files parsed as they are read (src/env/parse.ts): input that
// never ends stops at its first bad record, or at ENV_FILE_MAX; a record
// may be split across reads anywhere.

import { test } from "node:test";
import assert from "node:assert/strict";

import { ENV_FILE_MAX, parseEnvRecords, ReadChunks, readEnvFile } from "../../src/env/parse.ts";
import { failureOf } from "../lib/failure.ts";

const CHUNK = 65536;

/** A reader that repeats chunk for ever (or until well past the cap, so
    that a parser that doesn't stop fails instead of hanging); counts the
    bytes it gave. */
function endless(chunk: string): ReadChunks & { given: number } {
  const r = Object.assign((_path: string, each: (c: string) => void): void => {
    for (;;) {
      if (r.given > 2 * ENV_FILE_MAX) throw new Error("the parser did not stop");
      r.given += chunk.length;
      each(chunk);
    }
  }, { given: 0 });
  return r;
}

test("endless NULs (/dev/zero): stops at the cap with can't read and a hint, either delimiter", () => {
  for (const delim of ["\n", "\0"] as const) {
    const r = endless("\0".repeat(CHUNK));
    const f = failureOf(() => readEnvFile(r, "/dev/zero", delim));
    assert.equal(f.message, "can't read: /dev/zero");
    assert.match(f.hint!, /6 MiB/);
    assert.equal(f.exitCode, 31);
    assert.ok(r.given <= ENV_FILE_MAX + CHUNK, String(r.given));
  }
});

test("endless valid records stop at the cap too", () => {
  const r = endless("A=1\n".repeat(CHUNK / 4));
  assert.equal(failureOf(() => readEnvFile(r, "/p", "\n")).message, "can't read: /p");
});

test("the first bad record stops the read at once", () => {
  const r = endless("A=1\nB=2\nJUNK\n" + "C=3\n".repeat(1000));
  assert.equal(failureOf(() => readEnvFile(r, "/p", "\n")).message, "can't parse variable: no delimiter: /p:3");
  assert.ok(r.given < 2 * CHUNK);
});

test("a record ended by a NUL is judged at the NUL, not at its newline that never comes", () => {
  const r = endless("\0".repeat(CHUNK));
  const first = "JUNK\0";
  let started = false;
  const f = failureOf(() => readEnvFile((p, each) => {
    if (!started) { started = true; each(first); }
    r(p, each);
  }, "/dev/x", "\n"));
  assert.equal(f.message, "can't parse variable: no delimiter: /dev/x:1");
  assert.equal(r.given, 0);
});

test("records split across reads anywhere parse as in one piece, line numbers too", () => {
  const texts = [
    "A=1\nB='2'\n\n\nC=x\0junk\nD=$A:e",
    "A=x\n\0B=y\n\n\0C=z\0\0\0E=''''\0",
    "\n\n\nA=1\r\n#B=2\nC=\n",
  ];
  for (const text of texts)
    for (const delim of ["\n", "\0"] as const) {
      let whole: string[] | string;
      try { whole = parseEnvRecords(text, delim, "f"); } catch (e) { whole = failureOf(() => { throw e; }).message; }
      for (let size = 1; size <= text.length; size++) {
        const chunked: ReadChunks = (_p, each) => {
          for (let i = 0; i < text.length; i += size) each(text.slice(i, i + size));
        };
        let got: string[] | string;
        try { got = readEnvFile(chunked, "f", delim); } catch (e) { got = failureOf(() => { throw e; }).message; }
        assert.deepEqual(got, whole, `${JSON.stringify(text)} delim ${JSON.stringify(delim)} in pieces of ${size}`);
      }
    }
  assert.equal(failureOf(() => parseEnvRecords("A=1\n\n\nBAD", "\n", "f")).message,
               "can't parse variable: no delimiter: f:4");
});

test("open and read errors: can't open / can't read, with strerror", () => {
  const err = (syscall: string) => ({ message: syscall, syscall, code: "EIO", errno: 5, strerror: "Input/output error" });
  let f = failureOf(() => readEnvFile(() => { throw err("open"); }, "/p", "\n"));
  assert.equal(f.message, "can't open: /p");
  assert.equal(f.strerror, "Input/output error");
  f = failureOf(() => readEnvFile((_p, each) => { each("A=1\n"); throw err("read"); }, "/p", "\n"));
  assert.equal(f.message, "can't read: /p");
  assert.equal(f.strerror, "Input/output error");
});
