// The bash completion the build generates (build/skiff.bash, from
// src/cli/commands.ts by scripts/completion.ts), loaded into a real bash:
// registered for skiff and ch-run (complete -p), and what it offers for
// command names, each command's options, an option's argument, stored
// image names (with -s or $CH_IMAGE_STORAGE), and run's COMMAND.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { commands } from "../../src/cli/commands.ts";

const SCRIPT = path.resolve("build/skiff.bash");

/** What the completion function offers for the words of a command line,
    the last being the one completed; env for the shell. */
function complete(words: string[], env: Record<string, string> = {}): string[] {
  const fn = words[0] === "ch-run" ? "_skiff_ch_run" : "_skiff";
  const script = `source "$SCRIPT"; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); ${fn}; `
    + `printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = spawnSync("bash", ["--norc", "-c", script, "bash", ...words], {
    encoding: "utf8", env: { PATH: "/usr/bin:/bin", USER: "nobody", SCRIPT, ...env },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, "");
  return r.stdout.split("\n").filter((l) => l !== "").sort();
}

test("the script registers itself for skiff and ch-run (complete -p)", () => {
  const r = spawnSync("bash", ["--norc", "-c", `source "${SCRIPT}" && complete -p skiff ch-run`], { encoding: "utf8" });
  assert.equal(r.stdout, "complete -F _skiff skiff\ncomplete -F _skiff_ch_run ch-run\n", r.stderr);
});

test("command names, and skiff's own options, first", () => {
  assert.deepEqual(complete(["skiff", ""]).filter((w) => !w.startsWith("-")),
                   commands().map((c) => c.name).sort());
  assert.deepEqual(complete(["skiff", "im"]), ["images", "import"]);
  assert.deepEqual(complete(["skiff", "--v"]), ["--version"]);
  assert.deepEqual(complete(["skiff", "help", "co"]), ["convert"]);
  assert.deepEqual(complete(["skiff", "nosuch", ""]), []);
});

test("each command's options, from its table; an argument's = kept", () => {
  for (const c of commands()) {
    const offered = complete(["skiff", c.name, "--"]);
    for (const o of c.options)
      if (!o.hidden && o.long)
        assert.ok(offered.includes(o.arg === "required" ? `--${o.long}=` : `--${o.long}`), `${c.name} --${o.long}`);
    assert.ok(offered.includes("--help"), c.name);
  }
  assert.deepEqual(complete(["ch-run", "--write"]), ["--write", "--write-fake", "--write-fake="]);
  assert.deepEqual(complete(["skiff", "convert", "--comp"]), ["--compression="]);
});

test("stored images by name, from -s or $CH_IMAGE_STORAGE; files where a path goes", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "skiff-completion-"));
  try {
    for (const d of ["s1/img/alpine+3.19", "s1/img/example.com+5000%team%app+1", "s2/img/other", "work/afile"])
      fs.mkdirSync(path.join(dir, d), { recursive: true });
    const s1 = path.join(dir, "s1");
    assert.deepEqual(complete(["skiff", "rm", ""], { CH_IMAGE_STORAGE: s1 }),
                     ["alpine:3.19", "example.com:5000/team/app:1"]);
    assert.deepEqual(complete(["skiff", "rm", "-s", path.join(dir, "s2"), "o"], { CH_IMAGE_STORAGE: s1 }), ["other"]);
    assert.deepEqual(complete(["skiff", "run", "al"], { CH_IMAGE_STORAGE: s1 }), ["alpine:3.19"]);
    const work = path.join(dir, "work");
    assert.deepEqual(complete(["skiff", "convert", "alpine:3.19", `${work}/a`], { CH_IMAGE_STORAGE: s1 }),
                     [`${work}/afile`]);
    assert.deepEqual(complete(["skiff", "images", "-s", `${work}/a`]), [`${work}/afile`]);
    assert.deepEqual(complete(["ch-run", "-b", `${work}/a`]), [`${work}/afile`]);
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});

test("after run's --, COMMAND is a program", () => {
  assert.ok(complete(["skiff", "run", "img", "--", "ech"]).includes("echo"));
  assert.ok(complete(["ch-run", "img", "--", "ech"]).includes("echo"));
});
