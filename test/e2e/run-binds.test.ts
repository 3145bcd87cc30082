// -b/--bind=SRC[:DST] in all its forms (ch_core.c's bind_mount()): DST
// defaulting to SRC, existing and created destinations, files, the symlink
// ranch under read-only parents, destinations through the image's symlinks
// (which must stay inside the image), and the refusals.

import { describe, test, after } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";

import {
  AS_BOTH,
  As,
  IMG,
  RunResult,
  cleanupScratch,
  describeResult,
  foreignDirsImage,
  scratchDir,
  skiff,
  skiffChRun,
  skiffSh,
  testUser,
  userCopyOfImage,
  ok,
} from "../lib/harness.js";

after(cleanupScratch);


/** A host directory holding file "f" ("hello") and subdirectory "sub". */
function srcDir(as: As): string {
  const d = scratchDir(as, "bindsrc");
  fs.writeFileSync(`${d}/f`, "hello\n", { mode: 0o644 });
  fs.mkdirSync(`${d}/sub`, { mode: 0o755 });
  return d;
}

/** A host regular file with known content. */
function srcFile(as: As): string {
  const d = scratchDir(as, "bindfile");
  const f = `${d}/file`;
  fs.writeFileSync(f, "file content\n", { mode: 0o644 });
  if (as === "user") fs.chownSync(f, testUser().uid, testUser().gid);
  return f;
}

function entries(ls: string): string[] {
  return ls.split("\n").filter((l) => l && l !== "." && l !== "..").sort();
}

describe("--bind", () => {
  for (const as of AS_BOTH) {
    test(`-b SRC: DST defaults to SRC (created with -W), as ${as}`, () => {
      const src = srcDir(as);
      assert.equal(ok(skiffSh(IMG, `cat ${src}/f; ls ${src}`, ["-W", "-b", src], { as })), "hello\nf\nsub\n");
    });

    test(`--bind=SRC:DST onto an existing directory (/mnt/0), read-only image, as ${as}`, () => {
      const src = srcDir(as);
      assert.equal(ok(skiffSh(IMG, "cat /mnt/0/f", [`--bind=${src}:/mnt/0`], { as })), "hello\n");
    });

    test(`the bind is read-write: writes reach the host, as ${as}`, () => {
      const src = srcDir(as);
      ok(skiffSh(IMG, "echo written > /mnt/0/new", ["-b", `${src}:/mnt/0`], { as }));
      assert.equal(fs.readFileSync(`${src}/new`, "utf8"), "written\n");
    });

    test(`several binds, same SRC at two DSTs, through the ch-run name, as ${as}`, () => {
      const a = srcDir(as);
      const b = srcDir(as);
      fs.writeFileSync(`${b}/f`, "other\n");
      const r = skiffChRun(["-b", `${a}:/mnt/0`, "-b", `${b}:/mnt/1`, "-b", `${a}:/mnt/2`, IMG, "--",
                            "/bin/cat", "/mnt/0/f", "/mnt/1/f", "/mnt/2/f"], { as });
      assert.equal(ok(r), "hello\nother\nhello\n");
    });

    test(`a later bind shadows an earlier one at the same DST, as ${as}`, () => {
      const a = srcDir(as);
      const b = srcDir(as);
      fs.writeFileSync(`${b}/f`, "later\n");
      assert.equal(ok(skiffSh(IMG, "cat /mnt/0/f", ["-b", `${a}:/mnt/0`, "-b", `${b}:/mnt/0`], { as })), "later\n");
    });

    test(`a relative SRC is relative to the caller's cwd, as ${as}`, () => {
      const src = srcDir(as);
      const r = skiffSh(IMG, "cat /mnt/0/f", ["-b", "sub/..:/mnt/0"], { as, cwd: src });
      assert.equal(ok(r), "hello\n");
    });

    test(`-W: a missing DST directory is created (mkdir -p), as ${as}`, () => {
      const src = srcDir(as);
      assert.equal(ok(skiffSh(IMG, "cat /new/deeper/dst/f", ["-W", "-b", `${src}:/new/deeper/dst`], { as })),
                   "hello\n");
      assert.ok(!fs.existsSync(`${IMG}/new`));
    });

    test(`-W: a file SRC onto a missing DST is created as a file, as ${as}`, () => {
      const f = srcFile(as);
      const out = ok(skiffSh(IMG, "test -f /newdir/newfile && echo is-file; cat /newdir/newfile",
                             ["-W", "-b", `${f}:/newdir/newfile`], { as }));
      assert.equal(out, "is-file\nfile content\n");
    });

    test(`-W: a file SRC onto an existing file DST, as ${as}`, () => {
      const f = srcFile(as);
      assert.equal(ok(skiffSh(IMG, "cat /fixtures/file", ["-b", `${f}:/fixtures/file`], { as })), "file content\n");
    });

    test(`-w: a created DST persists in the image, as ${as}`, () => {
      const src = srcDir(as);
      const img = userCopyOfImage(as);
      assert.equal(ok(skiffSh(img, "cat /made/here/f", ["-w", "-b", `${src}:/made/here`], { as })), "hello\n");
      assert.ok(fs.statSync(`${img}/made/here`).isDirectory());
      assert.deepEqual(fs.readdirSync(`${img}/made/here`), []); // the bind is gone, the mount point stays
    });

    test(`-W: DST under a read-only parent uses the symlink ranch, as ${as}`, () => {
      const src = srcDir(as);
      const img = foreignDirsImage(as);
      const out = ok(skiffSh(img, "ls -a /rootdir; echo -; "
                             + "readlink /rootdir/dir-in-rootdir; readlink /rootdir/file-in-rootdir; "
                             + "echo -; cat /rootdir/new/f /rootdir/file-in-rootdir; ls /rootdir/dir-in-rootdir",
                             ["-W", "-b", `${src}:/rootdir/new`], { as }));
      const [ls, links, content] = out.split("-\n");
      assert.deepEqual(entries(ls), [".orig", "dir-in-rootdir", "file-in-rootdir", "new"]);
      assert.equal(links, ".orig/dir-in-rootdir\n.orig/file-in-rootdir\n");
      assert.equal(content, "hello\nfile in rootdir\n");
      assert.deepEqual(fs.readdirSync(`${img}/rootdir`).sort(), ["dir-in-rootdir", "file-in-rootdir"]);
    });

    test(`-W: a file DST under a read-only parent uses the symlink ranch too, as ${as}`, () => {
      const f = srcFile(as);
      const img = foreignDirsImage(as);
      const out = ok(skiffSh(img, "ls -a /rootdir; echo -; test -f /rootdir/newfile && cat /rootdir/newfile",
                             ["-W", "-b", `${f}:/rootdir/newfile`], { as }));
      const [ls, content] = out.split("-\n");
      assert.deepEqual(entries(ls), [".orig", "dir-in-rootdir", "file-in-rootdir", "newfile"]);
      assert.equal(content, "file content\n");
    });

    test(`-W: the ranch works two levels down, as ${as}`, () => {
      const src = srcDir(as);
      const img = foreignDirsImage(as);
      assert.equal(ok(skiffSh(img, "cat /rootdir/a/b/f", ["-W", "-b", `${src}:/rootdir/a/b`], { as })), "hello\n");
    });

    test(`DST through the image's relative symlink (/fixtures/rel-link -> ../etc), as ${as}`, () => {
      const src = srcDir(as);
      const out = ok(skiffSh(IMG, "cat /etc/newdir/f; ls -d /fixtures/rel-link/newdir",
                             ["-W", "-b", `${src}:/fixtures/rel-link/newdir`], { as }));
      assert.equal(out, "hello\n/fixtures/rel-link/newdir\n");
    });

    test(`DST through the image's absolute symlink lands in the image, not the host's /etc, as ${as}`, () => {
      const src = srcDir(as);
      const name = `skiff-e2e-abs-${process.pid}-${as}`;
      after(() => fs.rmSync(`/etc/${name}`, { recursive: true, force: true }));
      const out = ok(skiffSh(IMG, `cat /etc/${name}/f`, ["-W", "-b", `${src}:/fixtures/abs-link/${name}`], { as }));
      assert.equal(out, "hello\n");
      assert.ok(!fs.existsSync(`/etc/${name}`), `created on the host: /etc/${name}`);
    });

    test(`an existing DST through the absolute symlink is the image's file, as ${as}`, () => {
      // /fixtures/abs-link/hosts must be the image's /etc/hosts (where the
      // default bind put the host's file), never the host's /etc/hosts itself
      const f = srcFile(as);
      const before = fs.readFileSync("/etc/hosts", "utf8");
      const out = ok(skiffSh(IMG, "cat /etc/hosts", ["-b", `${f}:/fixtures/abs-link/hosts`], { as }));
      assert.equal(out, "file content\n");
      assert.equal(fs.readFileSync("/etc/hosts", "utf8"), before);
    });

    test(`-W with a file SRC through the absolute symlink, as ${as}`, () => {
      const f = srcFile(as);
      const out = ok(skiffSh(IMG, "cat /etc/new-file-via-abs", ["-W", "-b", `${f}:/fixtures/abs-link/new-file-via-abs`],
                             { as }));
      assert.equal(out, "file content\n");
      assert.ok(!fs.existsSync("/etc/new-file-via-abs"));
    });
  }
});

describe("--bind refusals", () => {
  function refused(r: RunResult, code: number, ...needles: (string | RegExp)[]): void {
    assert.equal(r.status, code, describeResult(r));
    assert.equal(r.stdout, "");
    const errors = r.stderr.split("\n").filter((l) => / error: /.test(l));
    assert.equal(errors.length, 1, describeResult(r));
    for (const n of needles)
      if (typeof n === "string") assert.ok(errors[0].includes(n), `${JSON.stringify(n)} not in: ${errors[0]}`);
      else assert.match(errors[0], n);
  }

  for (const as of AS_BOTH) {
    test(`a missing DST directory without -W/-w: read-only, use -W, as ${as}`, () => {
      const src = srcDir(as);
      const r = skiffSh(IMG, "true", ["-b", `${src}:/nonexistent-dst`], { as });
      refused(r, 31, `${IMG}/nonexistent-dst`, "Read-only file system", "-W");
      assert.ok(!fs.existsSync(`${IMG}/nonexistent-dst`));
    });

    test(`a missing DST file without -W/-w: read-only, use -W, as ${as}`, () => {
      const f = srcFile(as);
      const r = skiffSh(IMG, "true", ["-b", `${f}:/nonexistent-file`], { as });
      refused(r, 31, `${IMG}/nonexistent-file`, "Read-only file system", "-W");
    });

    test(`a bind inside an earlier bind is refused, as ${as}`, () => {
      const a = srcDir(as);
      const b = srcDir(as);
      const r = skiffSh(IMG, "true", ["-W", "-b", `${a}:/mnt/0`, "-b", `${b}:/mnt/0/inner`], { as });
      refused(r, 31, "/mnt/0/inner", "under existing bind-mount");
      assert.ok(!fs.existsSync(`${a}/inner`), "created inside the earlier bind's source");
    });

    test(`a bind inside a default bind (/proc) is refused, as ${as}`, () => {
      const a = srcDir(as);
      const r = skiffSh(IMG, "true", ["-W", "-b", `${a}:/proc/skiff-nonexistent`], { as });
      refused(r, 31, "/proc/skiff-nonexistent", "under existing bind-mount");
    });

    test(`a bind inside host /tmp is refused, as ${as}`, () => {
      const a = srcDir(as);
      const name = `skiff-e2e-inside-tmp-${process.pid}`;
      const r = skiffSh(IMG, "true", ["-W", "-b", `${a}:/tmp/${name}`], { as });
      refused(r, 31, `/tmp/${name}`, "under existing bind-mount");
      assert.ok(!fs.existsSync(`/tmp/${name}`));
    });

    test(`DST escaping with .. is refused, as ${as}`, () => {
      const a = srcDir(as);
      for (const dst of ["/..", "/mnt/../../etc", "/../x"]) {
        const r = skiffSh(IMG, "true", ["-W", "-b", `${a}:${dst}`], { as });
        refused(r, 31, dst);
      }
    });

    test(`DST whose parent is a file is refused, as ${as}`, () => {
      const a = srcDir(as);
      const r = skiffSh(IMG, "true", ["-W", "-b", `${a}:/fixtures/file/sub`], { as });
      refused(r, 31, "/fixtures/file");
    });

    test(`a directory SRC onto an existing file DST is refused, as ${as}`, () => {
      const a = srcDir(as);
      const r = skiff(["run", "-b", `${a}:/fixtures/file`, IMG, "--", "true"], { as });
      refused(r, 31, a, "/fixtures/file");
    });
  }
});
