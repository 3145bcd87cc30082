// skiff's commands through the real binary (doc/commands.md): `skiff help`,
// -h, -? and --help; each command's --help, --usage and `skiff help
// COMMAND`, all from src/cli/commands.ts's table; an unknown command is a
// usage error (exit 64) that lists the commands; -V. `skiff run` and ch-run
// are tested by their own suites (cli-parse, diff-run).

import { after, describe, test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";

import { commands } from "../../src/cli/commands.ts";
import { AS_BOTH, cleanupScratch, describeResult, IMG, run, scratchDir, SKIFF, skiff, status } from "../lib/harness.js";

after(cleanupScratch);

describe("skiff's help and commands", () => {
  for (const as of AS_BOTH) {
    test(`skiff help, -h, -?, --help: the same help on stdout, every command in it, exit 0, as ${as}`, () => {
      const help = status(skiff(["help"], { as }), 0);
      assert.equal(help.stderr, "");
      assert.match(help.stdout, /^Usage: skiff \[OPTION\.\.\.\] COMMAND \[ARG\.\.\.\]\n/);
      for (const c of commands())
        assert.match(help.stdout, new RegExp(`\\n  ${c.name} +${c.summary.replace(/[()'.*+?]/g, "\\$&")}\\n`), c.name);
      for (const opt of ["-h", "-?", "--help", "--he"]) {
        const r = status(skiff([opt], { as }), 0);
        assert.deepEqual([r.stdout, r.stderr], [help.stdout, ""], opt);
      }
    });

    test(`no command: the help on stderr, exit 1, as ${as}`, () => {
      const r = status(skiff([], { as }), 1);
      assert.equal(r.stdout, "");
      assert.equal(r.stderr, status(skiff(["--help"], { as }), 0).stdout);
    });

    test(`skiff help COMMAND is skiff COMMAND --help; --usage, as ${as}`, () => {
      for (const c of commands()) {
        const help = status(skiff(["help", c.name], { as }), 0);
        assert.equal(help.stderr, "");
        assert.ok(help.stdout.startsWith(`Usage: skiff ${c.name} [OPTION...] ${c.argsDoc}`.trimEnd() + "\n"),
                  describeResult(help));
        for (const o of c.options)
          if (!o.hidden)
            assert.ok(help.stdout.includes(`--${o.long}`), `${c.name} --${o.long}`);
        assert.equal(status(skiff([c.name, "--help"], { as }), 0).stdout, help.stdout, c.name);
        const usage = status(skiff([c.name, "--usage"], { as }), 0);
        assert.match(usage.stdout, new RegExp(`^Usage: skiff ${c.name} `), c.name);
      }
    });

    test(`an unknown command: exit 64, the commands listed, nothing on stdout, as ${as}`, () => {
      for (const args of [["bogus"], ["help", "bogus"], ["pul", "alpine"]]) {
        const r = status(skiff(args, { as }), 64);
        assert.equal(r.stdout, "");
        const bad = args[args.length - 1 - (args[0] === "pul" ? 1 : 0)];
        assert.match(r.stderr, new RegExp(`^skiff\\[\\d+\\]: error: unknown command: ${bad} \\(hint: COMMAND is one of: `
                                          + commands().map((c) => c.name).join(", ") + "; see skiff help\\)\n$"));
      }
    });

    test(`an unknown option before the command: getopt's words, exit 64, as ${as}`, () => {
      const r = status(skiff(["-x", "images"], { as }), 64);
      assert.match(r.stderr, /: invalid option -- 'x'\nTry `skiff --help' or `skiff --usage' for more information\.\n$/);
    });

    test(`-V and --version: the version on stderr, exit 0, as ${as}`, () => {
      for (const opt of ["-V", "--version"]) {
        const r = status(skiff([opt], { as }), 0);
        assert.equal(r.stdout, "");
        assert.match(r.stderr, /^\d+\.\d+\.\d+\S*\n$/);
      }
    });
  }
});

describe("the image commands run in skiff-dynamic (src/linkage/linkage.ts)", () => {
  for (const as of AS_BOTH) {
    test(`skiff without skiff-dynamic next to it: pull, import and convert fail naming it, exit 31, nothing made, as ${as}`, () => {
      const dir = scratchDir(as, "alone");
      const copy = `${dir}/skiff`;
      fs.copyFileSync(SKIFF, copy);
      fs.chmodSync(copy, 0o755);
      const storage = `${dir}/storage`;
      for (const args of [["pull", "localhost:1/x"], ["import", IMG, "x"], ["convert", IMG, `${dir}/x.tar`]]) {
        const r = status(run([copy, ...args, "-s", storage], { as }), 31);
        assert.equal(r.stderr.replace(/^skiff\[\d+\]/, "skiff[PID]"),
                     `skiff[PID]: error: can't find ${dir}/skiff-dynamic (hint: skiff ${args[0]} runs in `
                     + "skiff-dynamic, which make install puts next to skiff)\n");
        assert.deepEqual(fs.readdirSync(dir), ["skiff"], args[0]);
      }
      // with it: the same binary does them (the suites of each command)
      fs.copyFileSync(`${SKIFF}-dynamic`, `${dir}/skiff-dynamic`);
      status(run([copy, "import", IMG, "x", "-s", storage], { as }), 0);
      assert.ok(fs.existsSync(`${storage}/img/x/bin/busybox`));
    });
  }
});

