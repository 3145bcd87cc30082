// `skiff import SRC NAME` (doc/import.md) on archives the test makes: a
// `docker save` archive and an OCI image layout (directory and tar, with a
// multi-platform index) of three layers (whiteouts, an opaque directory,
// hard links, long names, a gzip and a zstd layer), root file system tars
// and a directory; each image then run by `skiff run NAME` and by
// Debian's ch-run, as root and as the test user.

import { after, describe, test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";

import {
  AS_BOTH, As, IMG, SKIFF, chrun, cleanupScratch, describeResult, interruptedMidArchive, run, scratchDir, skiff,
  status, testUser,
} from "../lib/harness.js";
import { ARCH, dockerSaveDir, Entry, layerTar, ociLayoutDir, tarOf } from "../lib/layouts.js";

after(cleanupScratch);

const LONG = "d".repeat(120) + "/" + "f".repeat(160);

const CONFIG = {
  architecture: ARCH,
  os: "linux",
  config: {
    Env: ["PATH=/usr/bin:/bin", "GREETING=hello world", "EMPTY="],
    WorkingDir: "/work",
    Entrypoint: ["/bin/sh"],
    Cmd: ["-c", "echo hi"],
    Labels: { "org.example.café": "yes" },
  },
  history: [{ created_by: "test" }],
};

/** Three layers over busybox: what the spec's rules and ch-image's fixes act on. */
function layers(dir: string): string[] {
  const base = layerTar(`${dir}/base.tar`, [{ name: ".", type: "tree", src: IMG }]);
  const second: Entry[] = [
    { name: "work/", type: "dir", mode: 0o555 },
    { name: "etc/motd", type: "file", data: "lower motd\n" },
    { name: "gone", type: "file", data: "whited out\n" },
    { name: "gonedir/sub/f", type: "file", data: "whited out\n" },
    { name: "opaque/", type: "dir" },
    { name: "opaque/lower", type: "file", data: "hidden\n" },
    { name: "opaque/sub/lower", type: "file", data: "hidden\n" },
    { name: "hard/a", type: "file", data: "linked\n" },
    { name: "hard/b", type: "hardlink", link: "hard/a" },
    { name: "lib64", type: "symlink", link: "/lib" },
    { name: "was-link", type: "symlink", link: "/etc" },
    { name: "bin/su", type: "file", data: "#!/bin/sh\n", mode: 0o4755 },
    { name: "bin/sg", type: "file", data: "#!/bin/sh\n", mode: 0o2755, uid: 1234, gid: 1234 },
    { name: "private", type: "file", data: "unreadable\n", mode: 0o000 },
    { name: "locked/", type: "dir", mode: 0o000 },
    { name: "locked/inside", type: "file", data: "x\n" },
    { name: "null", type: "chr" },
    { name: "fifo", type: "fifo" },
    { name: LONG, type: "file", data: "long\n" },
    { name: "caf\u00e9", type: "file", data: "utf-8 name\n" },
  ];
  const third: Entry[] = [
    { name: ".wh.gone", type: "file" },
    { name: ".wh.gonedir", type: "file" },
    { name: "opaque/upper", type: "file", data: "kept\n" },
    { name: "opaque/.wh..wh..opq", type: "file" },
    { name: "etc/motd", type: "file", data: "upper motd\n" },
    { name: "was-link/", type: "dir" },
    { name: "was-link/file", type: "file", data: "in a directory now\n" },
    { name: "hard/c", type: "hardlink", link: "/hard/a" },
  ];
  return [base, layerTar(`${dir}/second.tar`, second, "gz", "gnu"), layerTar(`${dir}/third.tar`, third, "zst")];
}

/** A storage directory not made yet (skiff import makes it). */
function storageOf(as: As): string {
  return `${scratchDir(as, "storage")}/storage`;
}

/** stderr but the line a new storage directory gets (ch-image's). */
function said(stderr: string): string {
  return stderr.replace(/^skiff\[\d+\]: initializing storage directory: .*\n/m, "");
}

function imageDir(storage: string, name: string): string {
  return `${storage}/img/${name.replace(/\//g, "%").replace(/:/g, "+")}`;
}

/** img holds IMG's tree, its absolute symlink made relative. */
function sameAsBusybox(img: string): void {
  const diff = run(["diff", "-r", "--no-dereference", "-x", "ch", "-x", "abs-link", IMG, img]);
  assert.equal(diff.status, 0, describeResult(diff));
  assert.equal(fs.readlinkSync(`${IMG}/fixtures/abs-link`), "/etc");
  assert.equal(fs.readlinkSync(`${img}/fixtures/abs-link`), "../etc");
}

/** The layered image as the rules say it must be. */
function checkLayered(as: As, storage: string, name: string): void {
  const img = imageDir(storage, name);
  const read = (p: string) => fs.readFileSync(`${img}/${p}`, "utf8");
  const exists = (p: string) => { try { fs.lstatSync(`${img}/${p}`); return true; } catch { return false; } };
  assert.equal(read("etc/motd"), "upper motd\n");
  assert.ok(!exists("gone") && !exists("gonedir"), "whiteouts remove");
  assert.deepEqual(fs.readdirSync(`${img}/opaque`), ["upper"], "an opaque directory keeps only its layer's");
  const a = fs.statSync(`${img}/hard/a`);
  assert.equal(fs.statSync(`${img}/hard/b`).ino, a.ino);
  assert.equal(fs.statSync(`${img}/hard/c`).ino, a.ino);
  assert.equal(a.nlink, 3);
  assert.equal(fs.readlinkSync(`${img}/lib64`), "lib", "absolute symlinks made relative");
  assert.ok(fs.lstatSync(`${img}/was-link`).isDirectory());
  assert.equal(read("was-link/file"), "in a directory now\n");
  assert.equal(fs.statSync(`${img}/bin/su`).mode & 0o7777, 0o755, "setuid dropped");
  assert.equal(fs.statSync(`${img}/bin/sg`).mode & 0o7777, 0o755, "setgid dropped");
  assert.equal(fs.statSync(`${img}/private`).mode & 0o777, 0o600, "files u+rw");
  assert.equal(fs.statSync(`${img}/locked`).mode & 0o777, 0o700, "directories u+rwx");
  assert.equal(fs.statSync(`${img}/work`).mode & 0o777, 0o755);
  assert.ok(!exists("null") && !exists("fifo"), "no device nodes, no FIFOs");
  assert.equal(read(LONG), "long\n");
  assert.equal(read("caf\u00e9"), "utf-8 name\n");
  assert.equal(fs.statSync(`${img}/etc/motd`).mtimeMs, 1700000000 * 1000, "mtimes kept");
  const uid = as === "user" ? testUser().uid : 0;
  for (const p of ["bin/sg", "etc/motd", "locked", "ch/metadata.json"])
    assert.equal(fs.statSync(`${img}/${p}`).uid, uid, `${p} is the importer's`);
  assert.equal(read("ch/environment"), "EMPTY=\nGREETING=hello world\nPATH=/usr/bin:/bin\n");
  const meta = JSON.parse(read("ch/metadata.json"));
  assert.equal(meta.cwd, "/work");
  assert.equal(meta.arch, ARCH);
  assert.deepEqual(meta.entrypoint, ["/bin/sh"]);
  assert.deepEqual(meta.cmd, ["-c", "echo hi"]);
  assert.deepEqual(meta.labels, { "org.example.café": "yes" });
  assert.match(read("ch/metadata.json"), /"org\.example\.caf\\u00e9": "yes"/, "ASCII as Python writes it");
  const pulled = JSON.parse(read("ch/config.pulled.json"));
  delete pulled.rootfs;
  assert.deepEqual(pulled, CONFIG);
  for (const d of ["proc", "sys", "tmp", "usr", "mnt/9"])
    assert.ok(fs.statSync(`${img}/${d}`).isDirectory(), d);
}

/** The image runs under skiff and Debian's ch-run, by name. */
function runsByName(as: As, storage: string, name: string): void {
  const s = status(skiff(["run", "-s", storage, name, "--", "/bin/cat", "/etc/motd"], { as }), 0);
  assert.equal(s.stdout, "upper motd\n");
  const c = chrun(["-s", storage, name, "--", "/bin/cat", "/was-link/file"], { as });
  assert.equal(c.status, 0, describeResult(c));
  assert.equal(c.stdout, "in a directory now\n");
  const e = status(skiff(["run", "-s", storage, "--set-env", name, "--", "/bin/sh", "-c", "echo $GREETING"], { as }), 0);
  assert.equal(e.stdout, "hello world\n");
}

const SUMMARY = "dropped what an unprivileged user can't have: 2 device nodes or FIFOs, the setuid/setgid bits "
  + "of 2 files, the owners of 1 file not owned by root (-v lists them)";

describe("skiff import", () => {
  for (const as of AS_BOTH) {
    test(`a docker save archive of three layers (plain, gzip, zstd), as ${as}`, () => {
      const dir = scratchDir("root", "layers");
      const archive = tarOf(dockerSaveDir(`${dir}/save`, CONFIG, layers(dir)), `${dir}/save.tar`);
      const storage = storageOf(as);
      const r = status(skiff(["import", "-s", storage, archive, "example.com/test:1"], { as }), 0);
      assert.match(said(r.stderr), new RegExp(`^skiff\\[\\d+\\]: ${SUMMARY.replace(/[()/]/g, "\\$&")}\\n$`));
      checkLayered(as, storage, "example.com/test:1");
      runsByName(as, storage, "example.com/test:1");
      assert.deepEqual(fs.readdirSync(storage).sort(), ["bucache", "bularge", "dlcache", "img", "ulcache", "version"],
                       "nothing of the import's left in storage");
    });

    test(`an OCI layout, directory and tar, this machine's image from a multi-platform index, as ${as}`, () => {
      const dir = scratchDir("root", "layers");
      const layout = ociLayoutDir(`${dir}/oci`, CONFIG, layers(dir));
      const storage = storageOf(as);
      status(skiff(["import", "-s", storage, "-q", layout, "oci-dir"], { as }), 0);
      checkLayered(as, storage, "oci-dir");
      const r = status(skiff(["import", "-s", storage, tarOf(layout, `${dir}/oci.tar`), "oci-tar"], { as }), 0);
      assert.match(r.stderr, /dropped what/);
      checkLayered(as, storage, "oci-tar");
      runsByName(as, storage, "oci-tar");
    });

    test(`a root file system: tar, tar.gz, tar.zst and a directory, as ${as}`, () => {
      const dir = scratchDir("root", "rootfs");
      const storage = storageOf(as);
      const tars = [tarOf(IMG, `${dir}/fs.tar`)];
      tars.push(layerTar(`${dir}/fsgz.tar`, [{ name: ".", type: "tree", src: IMG }], "gz"));
      tars.push(layerTar(`${dir}/fszst.tar`, [{ name: ".", type: "tree", src: IMG }], "zst"));
      for (const [i, src] of [...tars, IMG].entries()) {
        const r = status(skiff(["import", "-s", storage, src, `fs${i}`], { as }), 0);
        assert.equal(said(r.stderr), "", "nothing but errors when not a terminal");
        const out = status(skiff(["run", "-s", storage, `fs${i}`, "--", "/bin/sh", "-c", "echo ok"], { as }), 0);
        assert.equal(out.stdout, "ok\n");
        sameAsBusybox(imageDir(storage, `fs${i}`));
        assert.equal(fs.readFileSync(`${imageDir(storage, `fs${i}`)}/ch/environment`, "utf8"), "\n");
      }
    });

    test(`a corrupt layer (which gzip alone does not notice) fails its digest: no image, as ${as}`, () => {
      const dir = scratchDir("root", "corrupt");
      const storage = storageOf(as);
      const corrupt = (file: string) => {
        const b = new Uint8Array(fs.readFileSync(file));
        b[Math.floor(b.length / 2)] ^= 0x55;
        fs.writeFileSync(file, b);
      };
      const layout = ociLayoutDir(`${dir}/oci`, CONFIG, layers(dir));
      const manifest = JSON.parse(fs.readFileSync(`${layout}/blobs/sha256/${
        JSON.parse(fs.readFileSync(`${layout}/blobs/sha256/${
          JSON.parse(fs.readFileSync(`${layout}/index.json`, "utf8")).manifests[0].digest.slice(7)}`, "utf8"))
          .manifests[1].digest.slice(7)}`, "utf8"));
      const gz = manifest.layers[1].digest.slice(7);
      corrupt(`${layout}/blobs/sha256/${gz}`);
      const save = dockerSaveDir(`${dir}/save`, CONFIG, [tarOf(IMG, `${dir}/base.tar`)]);
      corrupt(`${save}/layer0/layer.tar`);
      for (const [src, blob] of [[layout, `blobs/sha256/${gz}`], [save, "layer0/layer.tar"]]) {
        const r = status(skiff(["import", "-s", storage, src, "corrupt"], { as }), 31);
        assert.match(said(r.stderr), new RegExp(`^skiff\\[\\d+\\]: error: .*: ${blob}: failed verification: its content has `
                                          + "digest sha256:[0-9a-f]{64}, not sha256:[0-9a-f]{64} \\(hint: the archive is corrupt\\)\\n$"),
                     describeResult(r));
      }
      assert.deepEqual(fs.readdirSync(`${storage}/img`), []);
      assert.ok(!fs.existsSync(`${storage}/imgtmp`));
    });

    test(`--squash: a SquashFS file in the current directory, or at NAME.sqfs; nothing stored, as ${as}`, () => {
      const dir = scratchDir("root", "layers");
      const archive = tarOf(dockerSaveDir(`${dir}/save`, CONFIG, layers(dir)), `${dir}/save.tar`);
      const storage = storageOf(as);
      const cwd = scratchDir(as, "cwd");
      status(skiff(["import", "-s", storage, "-q", "--squash", archive, "example.com/app:1"], { as, cwd }), 0);
      status(skiff(["import", "-s", storage, "-q", "--squash", archive, `${cwd}/named.sqfs`], { as }), 0);
      assert.deepEqual(fs.readdirSync(cwd).sort(), ["example.com%app+1.sqfs", "named.sqfs"]);
      for (const f of fs.readdirSync(cwd)) {
        const r = status(skiff(["run", "-s", storage, `${cwd}/${f}`, "--", "/bin/cat", "/etc/motd", "/was-link/file"], { as }), 0);
        assert.equal(r.stdout, "upper motd\nin a directory now\n");
      }
      assert.deepEqual(fs.readdirSync(`${storage}/img`), []);
      assert.ok(!fs.existsSync(`${storage}/imgtmp`));
    });

    test(`progress on a terminal: a line a layer, updated in place; nothing with -q, as ${as}`, () => {
      const dir = scratchDir("root", "layers");
      const archive = tarOf(dockerSaveDir(`${dir}/save`, CONFIG, layers(dir)), `${dir}/save.tar`);
      const storage = storageOf(as);
      const onTerminal = (args: string) => run(["script", "-qec", `${SKIFF} import -s ${storage} ${args}`, "/dev/null"], { as });
      const shown = onTerminal(`${archive} shown`);
      assert.equal(shown.status, 0, describeResult(shown));
      for (const n of [1, 2, 3])
        assert.match(shown.stdout, new RegExp(`\r\x1b\[Klayer ${n}/3: [0-9.]+ MB[^\r]*\r\n`), `layer ${n}`);
      const quiet = onTerminal(`-q ${archive} quiet`);
      assert.equal(quiet.status, 0, describeResult(quiet));
      assert.equal(quiet.stdout, "");
    });

    test(`a layer cut short: a one-line error, no image under the name, the old one kept, as ${as}`, () => {
      const dir = scratchDir("root", "cut");
      const storage = storageOf(as);
      const good = tarOf(IMG, `${dir}/good.tar`);
      status(skiff(["import", "-s", storage, good, "img"], { as }), 0);
      const big = layerTar(`${dir}/big.tar`, [{ name: ".", type: "tree", src: IMG }], "gz");
      const cut = `${dir}/cut.tar.gz`;
      fs.writeFileSync(cut, new Uint8Array(fs.readFileSync(big)).subarray(0, 200000));
      for (const [src, name] of [[cut, "img"], [cut, "new"],
        [tarOf(dockerSaveDir(`${dir}/save`, CONFIG, [good, cut]), `${dir}/save.tar`), "new"]]) {
        const r = status(skiff(["import", "-s", storage, src, name], { as }), 31);
        assert.match(r.stderr, /^skiff\[\d+\]: error: can't import: layer .*: truncated gzip input\n$/, describeResult(r));
      }
      assert.deepEqual(fs.readdirSync(`${storage}/img`), ["img"]);
      sameAsBusybox(imageDir(storage, "img"));
      assert.ok(!fs.existsSync(`${storage}/imgtmp`), "no temporary directory left");
    });

    for (const rest of [true, false]) {
      test(`Ctrl-C mid-import, ${rest ? "the rest of the archive coming" : "its writer stopped too"}: exit 130, `
           + `no image, nothing left in imgtmp, as ${as}`, async () => {
        const archive = new Uint8Array(fs.readFileSync(tarOf(IMG, `${scratchDir("root", "stop")}/img.tar`)));
        const storage = storageOf(as);
        const r = await interruptedMidArchive(as, (fifo) => ["import", "-s", storage, fifo, "img"], archive, storage, rest);
        assert.equal(r.status, 130, r.stderr);
        assert.match(r.stderr, /^skiff\[\d+\]: error: import stopped: skiff was interrupted \(signal 2\)\n$/m);
        assert.equal(r.stderr.split("\n").filter((l) => l.includes("error")).length, 1, r.stderr);
        assert.ok(!fs.existsSync(`${storage}/imgtmp`), "no temporary directory left");
        assert.deepEqual(fs.readdirSync(`${storage}/img`), []);
      });
    }
  }
});
