// Every string crosses the C binding through one pair of helpers
// (native/binding.c, "Strings"): push_bytes() decodes what libc gives,
// arg_bytes() encodes what goes to libc, so that any byte sequence
// round-trips (test/e2e/run-bytes.test.ts runs them). A binding that called
// Duktape's own string functions would let bytes that are not UTF-8 reach
// the engine raw (its regexps throw on them; a leading 0xFF makes a Symbol)
// or send escapes to libc instead of the bytes they stand for.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";

const RAW = /\bduk_(?:push_l?string|push_v?sprintf|push_literal|(?:require|get|opt|to|safe_to)_l?string|get_l?string_default|buffer_to_string)\b/;

/** Lines of C source outside the Strings section that use RAW. */
function rawStringCalls(source: string): string[] {
  const start = source.indexOf("/** Strings");
  const end = source.indexOf("/** ", start + 1);
  assert.ok(start >= 0 && end > start, "binding.c has a /** Strings ... **/ section followed by another");
  const outside = source.slice(0, start) + source.slice(end);
  return outside.split("\n").filter((l) => RAW.test(l));
}

test("binding.c converts strings only in its Strings section", () => {
  assert.deepEqual(rawStringCalls(fs.readFileSync("native/binding.c", "utf8")), []);
});

test("the check sees a raw conversion", () => {
  const src = "/** Strings **/\nduk_push_lstring(ctx, s, n);\n/** Errors **/\n"
    + "static duk_ret_t b_getcwd(duk_context *ctx) { duk_push_string(ctx, cwd); }\n"
    + "const char *p = duk_require_string(ctx, 0);\n";
  assert.equal(rawStringCalls(src).length, 2);
});
