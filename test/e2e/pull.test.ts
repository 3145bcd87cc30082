// skiff pull against Debian's docker-registry on 127.0.0.1 (plain HTTP,
// HTTPS with the test's certificate, bearer tokens) and a fake registry
// that misbehaves (test/lib/registry.ts), as root and as the test user.

import { after, before, describe, test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";

import {
  AS_BOTH, As, cleanupScratch, describeResult, ok, run, RunOpts, scratchDir, skiff, startJob, status, testUser,
  waitFor,
} from "../lib/harness.js";
import {
  CA_FILE, ensureImages, MULTI_CONFIG, Server, startFakeRegistry, startRegistry, TOKEN_PASSWORD, TOKEN_USER,
} from "../lib/registry.js";

let http: Server, https: Server, token: Server, fake: Server;

before(() => {
  ensureImages();
  http = startRegistry("http");
  https = startRegistry("https");
  token = startRegistry("token");
  fake = startFakeRegistry();
});

after(() => {
  for (const s of [http, https, token, fake])
    s?.stop();
  cleanupScratch();
});

/** skiff pull ARGS into storage (a fresh one unless given). */
function pull(as: As, args: string[], storage: string, opts: RunOpts = {}) {
  return skiff(["pull", "-s", storage, ...args], { timeoutMs: 60_000, ...opts });
}

function imageDir(storage: string, name: string): string {
  return `${storage}/img/${name.replace(/\//g, "%").replace(/:/g, "+")}`;
}

function cacheEntries(storage: string): string[] {
  return fs.existsSync(`${storage}/dlcache`) ? fs.readdirSync(`${storage}/dlcache`).sort() : [];
}

/** The image spec's changesets, applied: what skiff/multi:1's four layers make. */
function checkMulti(img: string): void {
  const read = (p: string) => fs.readFileSync(`${img}/${p}`, "utf8");
  assert.equal(read("a/keep"), "keep\n");
  assert.ok(!fs.existsSync(`${img}/a/gone`), "whiteout .wh.gone removes a/gone");
  assert.ok(!fs.existsSync(`${img}/a/gonedir`), "whiteout removes a directory");
  assert.deepEqual(fs.readdirSync(`${img}/d`), ["new"], "opaque directory hides the lower layer's d/");
  assert.equal(fs.statSync(`${img}/h/file`).ino, fs.statSync(`${img}/h/link`).ino, "hard link");
  assert.equal(fs.statSync(`${img}/x/hl1`).ino, fs.statSync(`${img}/x/hl2`).ino, "hard link in a later layer");
  assert.equal(fs.statSync(`${img}/x/script`).mode & 0o777, 0o750);
  assert.equal(fs.readlinkSync(`${img}/x/to-keep`), "../a/keep");
  assert.equal(read("z/zfile"), "from a zstd layer\n");
  assert.equal(read("u/plain"), "from an uncompressed layer\n");
  assert.equal(read("ch/environment"), [...MULTI_CONFIG.Env].sort().join("\n") + "\n");
}

describe("skiff pull", () => {
  for (const as of AS_BOTH) {
    test(`plain HTTP with --tls-verify=false: every layer kind applied, /ch/environment, runnable (${as})`, () => {
      const storage = scratchDir(as, "storage");
      const ref = `${http.host}/skiff/multi:1`;
      const r = pull(as, ["--tls-verify=false", ref], storage, { as });
      assert.equal(r.status, 0, describeResult(r));
      assert.equal(r.stdout, "");
      checkMulti(imageDir(storage, ref));
      if (as === "user")
        assert.equal(fs.statSync(`${imageDir(storage, ref)}/a/keep`).uid, testUser().uid);
      assert.equal(ok(skiff(["run", "-s", storage, ref, "--", "/bin/cat", "/u/plain"], { as })),
                   "from an uncompressed layer\n");
      // The cache: the config, four layers; nothing partial.
      assert.equal(cacheEntries(storage).length, 5);
      assert.deepEqual(cacheEntries(storage).filter((n) => !/^sha256-[0-9a-f]{64}$/.test(n)), []);
      assert.deepEqual(fs.readdirSync(`${storage}/img`), [imageDir(storage, ref).split("/").pop()]);
    });
  }

  for (const as of AS_BOTH) {
    test(`--squash: a SquashFS file in the current directory, or at NAME.sqfs; runnable; nothing in storage (${as})`, () => {
      const storage = scratchDir(as, "storage");
      const cwd = scratchDir(as, "cwd");
      const ref = `${http.host}/skiff/multi:1`;
      ok(pull(as, ["--squash", "--tls-verify=false", ref], storage, { as, cwd }));
      const file = `${cwd}/${ref.replace(/\//g, "%").replace(/:/g, "+")}.sqfs`;
      assert.equal(fs.readFileSync(file).subarray(0, 4).toString(), "hsqs");
      assert.deepEqual(fs.readdirSync(`${storage}/img`), []);
      assert.equal(ok(skiff(["run", "-s", storage, file, "--", "/bin/cat", "/u/plain"], { as })),
                   "from an uncompressed layer\n");
      ok(pull(as, ["--squash", "--tls-verify=false", ref, `${cwd}/named.sqfs`], storage, { as }));
      assert.equal(fs.readFileSync(`${cwd}/named.sqfs`).subarray(0, 4).toString(), "hsqs");
      assert.deepEqual(fs.readdirSync(`${storage}/img`), []);
    });
  }

  test("without --tls-verify=false, a plain-HTTP registry is an error that says what to do", () => {
    const storage = scratchDir("root", "storage");
    const r = status(pull("root", [`${http.host}/skiff/multi:1`], storage), 31);
    assert.match(r.stderr, new RegExp(`error: can't reach registry ${http.host}: .*\\(hint: if the registry speaks plain HTTP, add --tls-verify=false\\)`));
    assert.ok(!fs.existsSync(`${storage}/img`) || fs.readdirSync(`${storage}/img`).length === 0);
  });

  for (const as of AS_BOTH) {
    test(`HTTPS: the test's certificate refused until given with --ca-file (${as})`, () => {
      const storage = scratchDir(as, "storage");
      const ref = `${https.host}/skiff/multi:1`;
      const r = status(pull(as, [ref], storage, { as }), 31);
      assert.match(r.stderr, /error: can't reach registry .*certificate.*\(hint: give the registry's CA certificate with --ca-file/);
      ok(pull(as, ["--ca-file", CA_FILE, ref, "viaca"], storage, { as }));
      checkMulti(imageDir(storage, "viaca"));
      ok(pull(as, ["--tls-no-verify", ref, "noverify"], storage, { as }));
      checkMulti(imageDir(storage, "noverify"));
    });
  }

  for (const as of AS_BOTH) {
    test(`bearer tokens: anonymous for a public repository; credentials from auth.json or config.json (${as})`, () => {
      const storage = scratchDir(as, "storage");
      ok(pull(as, ["--tls-verify=false", `${token.host}/skiff/multi:1`, "public"], storage, { as }));
      checkMulti(imageDir(storage, "public"));

      const priv = `${token.host}/private/multi:1`;
      let r = status(pull(as, ["--tls-verify=false", priv], storage, { as }), 31);
      assert.match(r.stderr, /error: not allowed to pull image .*private\/multi:1: HTTP 401.*\(hint: log in with podman login or docker login\)/);
      assert.ok(!fs.existsSync(imageDir(storage, priv)));

      const auth = Buffer.from(`${TOKEN_USER}:${TOKEN_PASSWORD}`).toString("base64");
      const runtime = scratchDir(as, "runtime");
      fs.mkdirSync(`${runtime}/containers`);
      fs.writeFileSync(`${runtime}/containers/auth.json`, JSON.stringify({ auths: { [token.host]: { auth } } }));
      fs.chmodSync(`${runtime}/containers/auth.json`, 0o644);
      ok(pull(as, ["--tls-verify=false", priv, "podman"], storage, { as, env: { XDG_RUNTIME_DIR: runtime } }));
      checkMulti(imageDir(storage, "podman"));

      const home = scratchDir(as, "home");
      fs.mkdirSync(`${home}/.docker`);
      fs.writeFileSync(`${home}/.docker/config.json`,
                       JSON.stringify({ auths: { [`https://${token.host}/v1/`]: { auth } } }));
      fs.chmodSync(`${home}/.docker/config.json`, 0o644);
      ok(pull(as, ["--tls-verify=false", priv, "docker"], storage, { as, env: { HOME: home } }));

      // Wrong credentials: the token server refuses them, and says so.
      const bad = Buffer.from(`${TOKEN_USER}:wrong`).toString("base64");
      fs.writeFileSync(`${runtime}/containers/auth.json`, JSON.stringify({ auths: { [token.host]: { auth: bad } } }));
      r = status(pull(as, ["--tls-verify=false", priv, "bad"], storage, { as, env: { XDG_RUNTIME_DIR: runtime } }), 31);
      assert.match(r.stderr, /can't get a token for private\/multi .*HTTP 401: bad credentials.*\(hint: the credentials from .*auth\.json were refused/);
    });
  }

  test("multi-platform index: this machine's platform, --arch and --platform choose, a missing one lists those there are", () => {
    const storage = scratchDir("root", "storage");
    const ref = `${http.host}/skiff/platforms:1`;
    ok(pull("root", ["--tls-verify=false", ref, "native"], storage));
    const machine = run(["uname", "-m"]).stdout.trim();
    const mine = machine === "aarch64" ? "arm64" : "amd64";
    assert.equal(fs.readFileSync(`${imageDir(storage, "native")}/arch`, "utf8"), mine + "\n");
    ok(pull("root", ["--tls-verify=false", "--arch", "arm64", ref, "arm"], storage));
    assert.equal(fs.readFileSync(`${imageDir(storage, "arm")}/arch`, "utf8"), "arm64\n");
    ok(pull("root", ["--tls-verify=false", "--platform", "linux/amd64", ref, "amd"], storage));
    assert.equal(fs.readFileSync(`${imageDir(storage, "amd")}/arch`, "utf8"), "amd64\n");
    const r = status(pull("root", ["--tls-verify=false", "--arch", "s390x", ref, "none"], storage), 31);
    assert.match(r.stderr, /error: image .*skiff\/platforms:1 has no linux\/s390x platform; it has: linux\/arm64\/v8, linux\/amd64 \(hint: choose one with --platform/);
    status(pull("root", ["--tls-verify=false", "--platform", "s390x", ref, "none"], storage), 64);
  });

  test("download cache: a sibling image downloads only the layer it does not share", () => {
    const storage = scratchDir("root", "storage");
    ok(pull("root", ["--tls-verify=false", `${http.host}/skiff/multi:1`], storage));
    const r = pull("root", ["-v", "--tls-verify=false", `${http.host}/skiff/sibling:1`], storage);
    assert.equal(r.status, 0, describeResult(r));
    assert.equal((r.stderr.match(/: in the download cache/g) || []).length, 2, r.stderr);
    assert.equal((r.stderr.match(/: downloaded/g) || []).length, 2, r.stderr); // its config and own layer
    assert.equal(fs.readFileSync(`${imageDir(storage, `${http.host}/skiff/sibling:1`)}/s/only`, "utf8"), "sib\n");
  });

  for (const as of AS_BOTH) {
    test(`a blob whose digest does not match: error naming it, nothing left in the cache or storage (${as})`, () => {
      const storage = scratchDir(as, "storage");
      const r = status(pull(as, ["--tls-verify=false", `${fake.host}/corrupt/small:1`], storage, { as }), 31);
      assert.match(r.stderr, /error: blob sha256:[0-9a-f]{64} failed verification: its content has digest sha256:[0-9a-f]{64} \(hint: /);
      assert.deepEqual(cacheEntries(storage).filter((n) => n.startsWith(".partial")), []);
      assert.equal(cacheEntries(storage).length, 1, "only the config, verified");
      assert.deepEqual(fs.readdirSync(`${storage}/img`), []);
    });
  }

  test("a connection dropped mid-layer: an error, no partial download, no image; then a good pull", () => {
    const storage = scratchDir("root", "storage");
    const r = status(pull("root", ["--tls-verify=false", `${fake.host}/drop/small:1`, "x"], storage), 31);
    assert.match(r.stderr, /error: can't reach registry .*drop\/small\/blobs\/sha256:[0-9a-f]+: transfer closed with [0-9]+ bytes remaining/);
    assert.deepEqual(cacheEntries(storage).filter((n) => n.startsWith(".partial")), []);
    assert.deepEqual(fs.readdirSync(`${storage}/img`), []);
    ok(pull("root", ["--tls-verify=false", `${fake.host}/ok/small:1`, "x"], storage));
    assert.equal(fs.statSync(`${imageDir(storage, "x")}/s/file`).size, 300000);
  });

  test("a truncated layer (its digest matching): an error, and no image under its name", () => {
    const storage = scratchDir("root", "storage");
    const r = status(pull("root", ["--tls-verify=false", `${fake.host}/ok/truncated:1`, "t"], storage), 31);
    assert.match(r.stderr, /error: .*(truncated|Truncated|unexpected end|EOF)/i);
    assert.deepEqual(fs.readdirSync(`${storage}/img`), []);
    assert.ok(!fs.existsSync(`${storage}/imgtmp`) || fs.readdirSync(`${storage}/imgtmp`).length === 0);
  });

  for (const as of AS_BOTH) {
    test(`Ctrl-C mid-download: exit 130, no partial download, no image directory, no process left (${as})`, async () => {
      const storage = scratchDir(as, "storage");
      const job = startJob(as, ["pull", "-s", storage, "--tls-verify=false", `${fake.host}/stall/small:1`, "x"]);
      const child = job.child;
      const partial = () => cacheEntries(storage).some((n) => n.startsWith(".partial."));
      assert.ok(waitFor(partial, 20_000), "the layer's download began: " + job.stderr());
      process.kill(-(child.pid as number), "SIGINT");
      assert.equal(await job.exited, 130, job.stderr());
      assert.match(job.stderr(), /error: pull stopped: skiff was interrupted \(signal 2\)\n$/);
      assert.ok(!partial(), "no partial download");
      assert.ok(!fs.existsSync(`${storage}/imgtmp`) || fs.readdirSync(`${storage}/imgtmp`).length === 0);
      assert.deepEqual(fs.readdirSync(`${storage}/img`), []);
      assert.throws(() => process.kill(-(child.pid as number), 0), /ESRCH/, "the downloading child is gone too");
    });
  }

  test("missing image: HTTP 404 named; malformed references: usage errors", () => {
    const storage = scratchDir("root", "storage");
    let r = status(pull("root", ["--tls-verify=false", `${http.host}/skiff/nope:1`], storage), 31);
    assert.match(r.stderr, new RegExp(`error: image ${http.host}/skiff/nope:1 not found: HTTP 404`));
    r = status(pull("root", ["Alpine"], storage), 64);
    assert.match(r.stderr, /error: invalid image reference: "Alpine": repository "Alpine" is not lowercase/);
    r = status(pull("root", ["alpine", "bad name"], storage), 64);
    assert.match(r.stderr, /invalid image reference: "bad name"/);
    status(pull("root", ["--tls-verify=maybe", "alpine"], storage), 64);
  });
});
