// skiff-squashd (native/squashd/), run as its sanitizer build (AddressSanitizer
// and UBSan, installed with a copy of skiff in BIN_DIR/asan by the test
// set-up), as the unprivileged test user: every compression Debian's
// squashfs-tools makes, hard links, sparse and huge files, xattrs, many
// readers, readers killed mid-read, the server killed mid-read, corrupt
// images. After every test: no sanitizer report, no server left, no mount.

import { describe, test, before, after, afterEach } from "node:test";
import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";

import {
  BIN_DIR, IMG, RunResult, TEST_ROOT, TEST_USER, cleanupScratch, defaultEnv, describeResult, fuseMounts,
  processesNamed, run, scratchDir, waitFor,
} from "../lib/harness.js";

const SKIFF_ASAN = `${BIN_DIR}/asan/skiff`;
const SERVER = "skiff-squashd";
const COMPRESSIONS = ["gzip", "lzo", "lz4", "xz", "zstd"];
const MARK_VAR = "SKIFF_SQUASHD_TEST";

after(cleanupScratch);

let tree = "";
let reports = "";
let mnt = "";
let stats = "";
const images: Record<string, string> = {};
const sums: Record<string, string> = {};

/** sh -c SCRIPT as root, with $1... = ARGS; its output. */
function bash(script: string, ...args: string[]): string {
  const r = run(["/bin/bash", "-euc", script, "bash", ...args], { timeoutMs: 120_000 });
  assert.equal(r.status, 0, describeResult(r));
  return r.stdout;
}

before(() => {
  const dir = scratchDir("root", "squashd");
  tree = `${dir}/tree`;
  const cc = spawnSync("cc", ["-O2", "-static", "-o", `${dir}/xattrs`, "test/lib/xattrs.c"], { encoding: "utf8" });
  assert.equal(cc.status, 0, cc.stderr);
  // huge: 40 MiB, half compressible text, half random (stored as is);
  // sparse: a 256 MiB hole, then a line; 300 small modules; a hard link;
  // a file with two user xattrs
  bash(`cp -a -- "$2" "$1" && cp "$3" "$1/xattrs" && cd "$1" && mkdir -p t/many
        yes "import numpy as np  # a line of a module" | head -c 20971520 > t/huge
        head -c 20971520 /dev/urandom >> t/huge
        truncate -s 268435456 t/sparse && echo "end of the hole" >> t/sparse
        echo "one file, two names" > t/hard1 && ln t/hard1 t/hard2
        for i in $(seq 0 299); do { echo "# module $i"; yes "x = 1" | head -n $((i * 7)); } > t/many/m$i.py; done
        echo "has xattrs" > t/x
        python3 -c 'import os, sys; os.setxattr(sys.argv[1], "user.skiff", b"hello"); \\
                    os.setxattr(sys.argv[1], "user.empty-ish", b"-")' t/x`, tree, IMG, `${dir}/xattrs`);
  const [huge, sparse, many] = bash(`cd "$1"; sha256sum t/huge t/sparse | cut -d' ' -f1
        cat t/many/m$(seq -s '.py t/many/m' 0 299).py | sha256sum | cut -d' ' -f1`, tree).trim().split("\n");
  Object.assign(sums, { huge, sparse, many });
  sums.sortedMany = bash(`cd "$1"; LC_ALL=C; cat t/many/*.py t/huge | sha256sum | cut -d' ' -f1`, tree).trim();
  for (const comp of COMPRESSIONS) {
    images[comp] = `${dir}/img-${comp}.sqfs`;
    bash(`mksquashfs "$1" "$2" -noappend -quiet -comp "$3" >/dev/null`, tree, images[comp], comp);
  }
  // Corrupt copies: metadata (the inode and directory tables) and data
  // (the superblock says where the inode and directory tables start).
  images.badMeta = `${dir}/bad-meta.sqfs`;
  images.badData = `${dir}/bad-data.sqfs`;
  bash(`scribble () { head -c "$3" /dev/zero | tr '\\0' '\\245' | dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }
        read -r inodes dirs < <(od -An -t u8 -j 64 -N 16 "$1")
        cp "$1" "$2" && scribble "$2" $((inodes + 2000)) 3000 && scribble "$2" $((dirs + 10)) 200
        cp "$1" "$3" && for i in 1 2 3 4 5 6 7; do scribble "$3" $((inodes * i / 8)) 512; done
        chmod 0644 "$2" "$3" ${dir}/*.sqfs`, images.gzip, images.badMeta, images.badData);
  reports = scratchDir("user", "sanitizer-reports");
  mnt = scratchDir("user", "mnt");
  stats = scratchDir("user", "stats");
});

function env(): Record<string, string> {
  return {
    ...defaultEnv("user"), SKIFF_SQUASH_SERVER: SERVER, [MARK_VAR]: String(process.pid),
    ASAN_OPTIONS: `log_path=${reports}/asan:detect_leaks=1`,
    UBSAN_OPTIONS: `log_path=${reports}/ubsan:print_stacktrace=1:halt_on_error=1`,
  };
}

function marked(pid: number | "self"): boolean {
  if (pid === "self") return true;
  try {
    return fs.readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").includes(`${MARK_VAR}=${process.pid}`);
  } catch {
    return false;
  }
}

function leftovers(): string[] {
  return processesNamed(SERVER).filter((p) => marked(p.pid)).map((p) => `process ${p.pid}`)
    .concat(fuseMounts(true).filter((m) => m.fsType === `fuse.${SERVER}` && marked(m.pid))
      .map((m) => `mount ${m.mountPoint}`));
}

afterEach(() => {
  waitFor(() => leftovers().length === 0, 10_000);
  assert.deepEqual(leftovers(), [], "left behind after the test");
  const found = fs.readdirSync(reports);
  const text = found.map((f) => fs.readFileSync(`${reports}/${f}`, "utf8")).join("\n");
  for (const f of found) fs.rmSync(`${reports}/${f}`);
  assert.deepEqual(found, [], `sanitizer reports:\n${text}`);
});

/** skiff (beside the sanitizer build of the server) run -t -m MNT IMAGE -- sh -c SCRIPT */
function sh(image: string, script: string, timeoutMs = 60_000): RunResult {
  return run([SKIFF_ASAN, "run", "-t", "-m", mnt, image, "--", "/bin/sh", "-c", script],
             { as: "user", env: env(), timeoutMs });
}

/** The server's counters (--stats) after skiff run -m MNT IMAGE -- ARGV. */
function statsOf(image: string, argv: string[]): Record<string, number> {
  const file = `${stats}/stats`;
  fs.rmSync(file, { force: true });
  run([SKIFF_ASAN, "run", "-m", mnt, image, "--", ...argv],
      { as: "user", env: { ...env(), SKIFF_SQUASHD_STATS: file }, timeoutMs: 60_000 });
  const out: Record<string, number> = {};
  for (const line of fs.readFileSync(file, "utf8").trim().split("\n")) {
    const [name, value] = line.split(" ");
    out[name] = Number(value);
  }
  return out;
}

function ok(r: RunResult): string {
  assert.equal(r.status, 0, describeResult(r));
  return r.stdout;
}

describe("skiff-squashd under ASan and UBSan", () => {
  for (const comp of COMPRESSIONS)
    test(`${comp}: contents, hard links, sparse and huge files, xattrs`, () => {
      const lines = ok(sh(images[comp], [
        "sha256sum /t/huge /t/sparse | cut -d' ' -f1",
        "cat /t/many/m$(seq -s '.py /t/many/m' 0 299).py | sha256sum | cut -d' ' -f1",
        "stat -c '%s %b' /t/sparse /t/huge",
        "[ \"$(stat -c '%i %h' /t/hard1)\" = \"$(stat -c '%i %h' /t/hard2)\" ] && stat -c %h /t/hard1",
        "/xattrs /t/x /t/hard1",
        "ls /t/many | wc -l",
      ].join("; "))).trim().split("\n");
      const sparse = (256 << 20) + 16, huge = 40 << 20;
      assert.deepEqual(lines.slice(0, 6), [sums.huge, sums.sparse, sums.many, `${sparse} ${Math.floor(sparse / 512)}`,
                                           `${huge} ${huge / 512}`, "2"]);
      assert.deepEqual(lines.slice(6, 8).sort(), ["/t/x user.empty-ish=-", "/t/x user.skiff=hello"]);
      assert.deepEqual(lines.slice(8), ["300"]);
    });

  test("16 readers at once read the same bytes", () => {
    const out = ok(sh(images.zstd, "for i in $(seq 16); do (cat /t/many/*.py /t/huge | sha256sum >/tmp/r$i) & done; "
                      + "wait; cat /tmp/r* | sort | uniq -c"));
    assert.equal(out.trim(), `16 ${sums.sortedMany}  -`);
  });

  test("requests one at a time are served by the main thread alone; parallel readers start the second", () => {
    // the command is not in the image: no exec, whose readahead can send
    // READs in parallel; the container's set-up looks paths up one by one
    const alone = statsOf(images.zstd, ["/nonexistent"]);
    assert.equal(alone.threads, 1, JSON.stringify(alone));
    assert.ok(alone["request.lookup"] > 5, JSON.stringify(alone));
    const parallel = statsOf(images.zstd, ["/bin/sh", "-c", "for i in $(seq 16); do cat /t/many/*.py >/dev/null & done; wait"]);
    assert.equal(parallel.threads, 2, JSON.stringify(parallel));
  });

  test("SIGTERM ends the server while its second thread waits for a request: exit 0, no hang", () => {
    // as root, on a mount of our own, handed over as skiff does
    const r = run(["unshare", "-m", "/bin/bash", "-euc", `exec 3<>/dev/fuse
        mount -i -t fuse.${SERVER} -o ro,nosuid,nodev,fd=3,rootmode=40000,user_id=0,group_id=0 ${SERVER} "$1"
        "$2" --threads=2 --shared --stats="$4/stats" "$3" 3 & server=$!
        exec 3<&-
        readers=(); for i in $(seq 8); do cat "$1"/t/huge >/dev/null & readers+=($!); done; wait "\${readers[@]}"
        kill -TERM $server; status=0; wait $server || status=$?
        echo "exit $status"; grep threads "$4/stats"`, "bash", mnt, `${BIN_DIR}/asan/${SERVER}`, images.zstd, stats],
      { env: env(), timeoutMs: 60_000 });
    assert.equal(r.stdout, "exit 0\nthreads 2\n", describeResult(r));
  });

  test("readers killed mid-read: the others finish, nothing hangs", () => {
    const out = ok(sh(images.xz, "for i in $(seq 8); do (while cat /t/huge /t/sparse >/dev/null; do :; done) & done; "
                      + "sleep 1; kill -9 $(jobs -p); wait; sha256sum /t/huge | cut -d' ' -f1"));
    assert.equal(out.trim(), sums.huge);
  });

  test("the server killed mid-read: the container sees EIO or ENOTCONN or is stopped, exit 84, no hang", async () => {
    const args = [SKIFF_ASAN, "run", "-t", "-m", mnt, images.lz4, "--", "/bin/sh", "-c",
                  "while cat /t/huge /t/sparse /t/many/* >/dev/null; do :; done; echo reader: $? >&2; sleep 5"];
    const child = spawn("/usr/bin/setpriv", [`--reuid=${TEST_USER}`, `--regid=${TEST_USER}`, "--init-groups", "--",
                                             ...args], { cwd: TEST_ROOT, env: env(), stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (d) => { stderr += d; });
    const done = new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      child.on("exit", (status) => { clearTimeout(timer); resolve(status); });
    });
    let server: number | undefined;
    assert.ok(waitFor(() => (server = processesNamed(SERVER).find((p) => marked(p.pid))?.pid) !== undefined, 10_000));
    waitFor(() => false, 1000);
    process.kill(server!, "SIGKILL");
    const status = await done;
    assert.equal(status, 84, stderr);
    assert.match(stderr, /error: skiff-squashd terminated by signal 9 while the container was running: /);
    assert.doesNotMatch(stderr, /reader: 0/);
  });

  for (const bad of ["badMeta", "badData"])
    test(`a corrupt image (${bad === "badMeta" ? "metadata" : "data"}): errors, no crash`, () => {
      const r = sh(images[bad], "ls -lR /bin /t >/dev/null; sha256sum /t/huge | cut -d' ' -f1", 120_000);
      // Where the damage is decides what fails: the start (the root's
      // inode), the shell's exec, or reads (EIO, or different bytes where
      // a block was stored uncompressed); never the server.
      assert.notEqual(r.status, null, describeResult(r));
      assert.ok(r.status !== 0 || r.stdout !== `${sums.huge}\n`, describeResult(r));
      assert.notEqual(r.status, 84, describeResult(r));
      assert.doesNotMatch(r.stderr, /skiff-squashd terminated/, describeResult(r));
    });
});
