// What --unset-env's documentation (help, man page, README: one option
// table) says '*' leaves is what the command really gets: every variable
// left is named there.

import { test } from "node:test";
import * as assert from "node:assert/strict";

import { RUN_OPTIONS } from "../../src/cli/options.ts";
import { IMG, describeResult, skiff } from "../lib/harness.js";


test("--unset-env='*': each variable the command still has is named in the option's text", () => {
  const spec = RUN_OPTIONS.filter((s) => s.long === "unset-env")[0];
  const r = skiff(["run", "--unset-env=*", IMG, "--", "/bin/env"]);
  assert.equal(r.status, 0, describeResult(r));
  const names = r.stdout.split("\n").filter((l) => l !== "").map((l) => l.slice(0, l.indexOf("=")));
  assert.ok(names.length > 0, describeResult(r));
  for (const name of names)
    assert.ok(spec.doc!.includes("$" + name), `$${name} is left but not named: ${spec.doc}`);
});
