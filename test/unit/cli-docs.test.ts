// The man page and README.md's option reference come from the option table,
// as --help does: every option is in both, and the README's is up to date.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";

import { manPage, optionsMarkdown } from "../../scripts/manpage.ts";
import { RUN_OPTIONS } from "../../src/cli/options.ts";

const OPTIONS = RUN_OPTIONS;

test("README.md's option reference is what scripts/gen-docs.ts renders (make docs refreshes it)", () => {
  // scripts/test.sh runs in the repository
  const readme = fs.readFileSync("README.md", "utf8");
  const begin = "<!-- options:begin -->\n", end = "<!-- options:end -->";
  const block = readme.slice(readme.indexOf(begin) + begin.length, readme.indexOf(end));
  assert.equal(block, optionsMarkdown());
});

test("the man page and the README list every option with its description", () => {
  const man = manPage("9.9");
  const md = optionsMarkdown();
  for (const s of [...OPTIONS, { long: "help" }, { long: "usage" }]) {
    assert.ok(man.includes(`\\fB\\-\\-${s.long!.replace(/-/g, "\\-")}\\fR`), `man: --${s.long}`);
    assert.ok(md.includes(`\`--${s.long}`), `md: --${s.long}`);
  }
  for (const s of OPTIONS) if (s.doc) assert.ok(md.includes(s.doc.replace(/\|/g, "\\|")), `md doc: --${s.long}`);
  assert.match(man, /^\.TH SKIFF\\-RUN 1 "" "skiff 9\.9" "User Commands"\n/);
  assert.ok(!/^[.'](?!TH|SH|TP|PP|B |br|nf|fi)/m.test(man), "a text line starts with a control character");
});
