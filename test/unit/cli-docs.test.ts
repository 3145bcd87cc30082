// The man page and README.md's option reference come from the option table,
// as --help does: every option is in both, and the README's is up to date.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";

import { commandPage, manPage, optionsMarkdown, skiffPage } from "../../scripts/manpage.ts";
import { ARGP_OPTIONS } from "../../src/cli/argp.ts";
import { commands } from "../../src/cli/commands.ts";
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

test("skiff(1) lists every command; each command's page lists its options with their descriptions", () => {
  const top = skiffPage("9.9");
  assert.match(top, /^\.TH SKIFF 1 "" "skiff 9\.9" "User Commands"\n/);
  for (const c of commands()) {
    assert.ok(top.includes(`\\fBskiff ${c.name.replace(/-/g, "\\-")}\\fR`), `skiff(1): ${c.name}`);
    if (c.name === "run" || c.name === "help")
      continue;
    const page = commandPage(c, "9.9");
    assert.ok(page.startsWith(`.TH SKIFF\\-${c.name.toUpperCase()} 1 `), c.name);
    for (const o of c.options) {
      assert.ok(page.includes(`\\fB\\-\\-${o.long!.replace(/-/g, "\\-")}\\fR`), `${c.name}: --${o.long}`);
      assert.ok(page.includes(o.doc!.replace(/\\/g, "\\e").replace(/-/g, "\\-").slice(0, 40)), `${c.name}: --${o.long} doc`);
    }
    assert.ok(!/^[.'](?!TH|SH|TP|PP|B |br|nf|fi)/m.test(page), `${c.name}: a text line starts with a control character`);
  }
});

test("no command's table names an option twice", () => {
  for (const c of commands()) {
    const names = c.options.flatMap((o) => [o.long && "--" + o.long, o.short && "-" + o.short]).filter(Boolean);
    assert.deepEqual(names.filter((n, i) => names.indexOf(n) !== i), [], c.name);
  }
});

test("the core program leaves its options' help lines and argument names to the help unit (scripts/bundle.mjs)", () => {
  const program = fs.readFileSync("build/program.js", "utf8"), help = fs.readFileSync("build/unit-help.js", "utf8");
  for (const s of [...RUN_OPTIONS, ...ARGP_OPTIONS]) {
    assert.ok(!program.includes(JSON.stringify(s.help)), `--${s.long}'s help in the core`);
    assert.ok(help.includes(JSON.stringify(s.help)), `--${s.long}'s help not in the help unit`);
    if (s.argName !== undefined)
      assert.ok(!program.includes(`argName:${JSON.stringify(s.argName)}`), `--${s.long}'s argName in the core`);
  }
});

test("the program's bundles leave the options' long descriptions out (scripts/bundle.mjs), their help lines in", () => {
  const built = fs.readdirSync("build").filter((f) => f === "program.js" || /^unit-.*\.js$/.test(f));
  const text = built.map((f) => fs.readFileSync(`build/${f}`, "utf8")).join("\n");
  let docs = 0;
  for (const c of commands()) {
    for (const s of c.options) {
      assert.ok(text.includes(s.help), `${c.name} --${s.long}'s help`);
      if (s.doc !== undefined && ++docs)
        assert.ok(!text.includes(s.doc.slice(0, 40)), `${c.name} --${s.long}'s doc: ${s.doc.slice(0, 40)}`);
    }
  }
  assert.ok(docs > 40, `only ${docs} docs checked`);
});
