// Hostile archives for `skiff import` (doc/import.md §3): each way out of
// the image on its own, aimed at a directory outside it that the importing
// user may write (so only skiff's rules stand in the way). Each is refused
// (an error naming the entry, exit 31, no image under the name) or
// neutralised (the image holds it, harmless), and outside nothing changes.
// As root and as the test user.

import { after, describe, test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";

import {
  AS_BOTH, As, cleanupScratch, describeResult, RunResult, scratchDir, skiff, status,
} from "../lib/harness.js";
import { dockerSaveDir, Entry, layerTar, tarOf } from "../lib/layouts.js";

after(cleanupScratch);

interface Case {
  /** The directory outside the image, holding f ("keep\n"). */
  outside: string;
  storage: string;
  img: string;
  dir: string;
}

function setUp(as: As): Case {
  const outside = scratchDir(as, "outside");
  fs.writeFileSync(`${outside}/f`, "keep\n");
  const storage = `${scratchDir(as, "storage")}/storage`;
  return { outside, storage, img: `${storage}/img/hostile`, dir: scratchDir("root", "archives") };
}

/** Import src as "hostile"; the outside directory must be as it was. */
function importing(as: As, c: Case, src: string, code: number): RunResult {
  const r = status(skiff(["import", "-s", c.storage, src, "hostile"], { as }), code);
  assert.deepEqual(fs.readdirSync(c.outside), ["f"], "nothing new outside");
  assert.equal(fs.readFileSync(`${c.outside}/f`, "utf8"), "keep\n");
  assert.equal(fs.statSync(`${c.outside}/f`).nlink, 1, "no hard link to what is outside");
  if (code !== 0) {
    assert.ok(!fs.existsSync(c.img), "no image under the name");
    assert.ok(!fs.existsSync(`${c.storage}/imgtmp`), "no temporary directory left");
  }
  return r;
}

function refused(as: As, c: Case, src: string, why: RegExp): void {
  const r = importing(as, c, src, 31);
  assert.match(r.stderr, why, describeResult(r));
  assert.equal(r.stderr.split("\n").filter((l) => / error: /.test(l)).length, 1, "one error line");
}

function layer(c: Case, name: string, entries: Entry[]): string {
  return layerTar(`${c.dir}/${name}.tar`, entries);
}

var saves = 0;

/** A docker save archive of these layers. */
function layered(c: Case, layers: Entry[][]): string {
  const files = layers.map((l, i) => layer(c, `layer${i}`, l));
  const dir = dockerSaveDir(`${c.dir}/save${++saves}`, { architecture: "amd64", os: "linux" }, files);
  return tarOf(dir, `${dir}.tar`);
}

const UP = "../../../../../../../../../../../..";

describe("skiff import: hostile archives", () => {
  for (const as of AS_BOTH) {
    test(`an entry with .. in its path is refused, as ${as}`, () => {
      const c = setUp(as);
      refused(as, c, layer(c, "dotdot", [{ name: `${UP}${c.outside}/evil`, type: "file", data: "evil\n" }]),
              /error: layer .*: entry \.\.\/.*\/evil: refused: its path climbs out of the image with "\.\."\n/);
      refused(as, c, layer(c, "dotdot2", [{ name: `etc/${UP}${c.outside}/evil`, type: "file", data: "evil\n" }]),
              /refused: its path climbs out of the image/);
    });

    test(`an absolute path lands inside the image, as ${as}`, () => {
      const c = setUp(as);
      importing(as, c, layer(c, "abs", [{ name: `${c.outside}/evil`, type: "file", data: "evil\n" }]), 0);
      assert.equal(fs.readFileSync(`${c.img}${c.outside}/evil`, "utf8"), "evil\n");
    });

    test(`an entry below a symlink the same layer laid is refused, as ${as}`, () => {
      const c = setUp(as);
      refused(as, c, layer(c, "through", [
        { name: "l", type: "symlink", link: c.outside },
        { name: "l/evil", type: "file", data: "evil\n" },
      ]), /error: layer .*: entry l\/evil: refused: l is not a directory \(a symlink could lead outside the image\)\n/);
    });

    test(`a file named as a symlink laid before replaces the symlink, never writes through it, as ${as}`, () => {
      const c = setUp(as);
      importing(as, c, layer(c, "over", [
        { name: "l", type: "symlink", link: `${c.outside}/f` },
        { name: "l", type: "file", data: "over\n" },
        { name: "d", type: "symlink", link: c.outside },
        { name: "d", type: "dir" },
        { name: "d/evil", type: "file", data: "evil\n" },
      ]), 0);
      assert.ok(fs.lstatSync(`${c.img}/l`).isFile());
      assert.equal(fs.readFileSync(`${c.img}/l`, "utf8"), "over\n");
      assert.equal(fs.readFileSync(`${c.img}/d/evil`, "utf8"), "evil\n");
    });

    test(`hard links out (by .., by an absolute path, through a symlink) are refused, as ${as}`, () => {
      const c = setUp(as);
      refused(as, c, layer(c, "hard1", [{ name: "h", type: "hardlink", link: `${UP}${c.outside}/f` }]),
              /entry h: refused: a hard link to .*\/f, outside the image\n/);
      refused(as, c, layer(c, "hard2", [{ name: "h", type: "hardlink", link: `${c.outside}/f` }]),
              /entry h: hard link to .*\/f, which is not in the image\n/);
      refused(as, c, layer(c, "hard3", [
        { name: "l", type: "symlink", link: c.outside },
        { name: "h", type: "hardlink", link: "l/f" },
      ]), /entry h \(hard link to l\/f\): refused: l is not a directory/);
    });

    test(`a symlink a lower layer laid, replaced by a directory, holds what is written there, as ${as}`, () => {
      const c = setUp(as);
      importing(as, c, layered(c, [
        [{ name: "l", type: "symlink", link: c.outside }],
        [{ name: "l/", type: "dir" }, { name: "l/evil", type: "file", data: "evil\n" }],
      ]), 0);
      assert.ok(fs.lstatSync(`${c.img}/l`).isDirectory());
      assert.equal(fs.readFileSync(`${c.img}/l/evil`, "utf8"), "evil\n");
    });

    test(`an entry below a symlink a lower layer laid is refused, as ${as}`, () => {
      const c = setUp(as);
      refused(as, c, layered(c, [
        [{ name: "l", type: "symlink", link: c.outside }],
        [{ name: "l/evil", type: "file", data: "evil\n" }],
      ]), /entry l\/evil: refused: l is not a directory/);
    });

    test(`whiteouts below a symlink are refused, as ${as}`, () => {
      const c = setUp(as);
      for (const wh of [".wh.f", ".wh..wh..opq"])
        refused(as, c, layered(c, [
          [{ name: "l", type: "symlink", link: c.outside }],
          [{ name: `l/${wh}`, type: "file" }],
        ]), new RegExp(`entry l/${wh.replace(/\./g, "\\.")}: refused: l is not a directory`));
    });

    test(`symlinks pointing out mean, outside the container, nothing outside the image, as ${as}`, () => {
      const c = setUp(as);
      importing(as, c, layer(c, "links", [
        { name: "a/b/abs", type: "symlink", link: c.outside },
        { name: "a/b/up", type: "symlink", link: `${UP}${c.outside}` },
        { name: "a/b/fine", type: "symlink", link: "../../etc" },
      ]), 0);
      const depth = c.outside.split("/").length - 1;
      assert.equal(fs.readlinkSync(`${c.img}/a/b/abs`), `../..${c.outside}`);
      assert.equal(fs.readlinkSync(`${c.img}/a/b/up`), `../..${c.outside}`);
      assert.equal(fs.readlinkSync(`${c.img}/a/b/fine`), "../../etc");
      assert.ok(depth > 2);
      const r = status(skiff(["import", "-s", c.storage, "-v", `${c.dir}/links.tar`, "again"], { as }), 0);
      assert.match(r.stderr, /made link relative to the image: a\/b\/up -> \.\.\/.* now -> \.\.\/\.\.\//);
    });

    test(`a name in a docker save manifest pointing out is refused, as ${as}`, () => {
      const c = setUp(as);
      const dir = dockerSaveDir(`${c.dir}/save`, { architecture: "amd64" }, [layer(c, "ok", [])]);
      fs.writeFileSync(`${dir}/manifest.json`, JSON.stringify([{ Config: "0123abcd.json", Layers: [`${UP}${c.outside}/f`] }]));
      refused(as, c, tarOf(dir, `${c.dir}/save.tar`), /refused: .*\/f is not a path inside the archive\n/);
      refused(as, c, dir, /refused: .*\/f is not a path inside the archive\n/);
    });

    test(`what is not a tar at all is a one-line error, as ${as}`, () => {
      const c = setUp(as);
      fs.writeFileSync(`${c.dir}/junk.tar`, "junk\n".repeat(1000));
      refused(as, c, `${c.dir}/junk.tar`, /error: can't read layer: .*junk\.tar: Unrecognized archive format\n/);
    });
  }
});
