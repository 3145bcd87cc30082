// The container's file system tree: the image read-only by default, -w,
// -W/--write-fake, the default binds, /tmp (host or private), --home, and
// that nothing of the host outside the binds is reachable after pivot.

import { describe, test, before, after } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";

import {
  AS_BOTH,
  As,
  IMG,
  TEST_USER,
  cleanupScratch,
  describeResult,
  foreignDirsImage,
  scratchDir,
  skiff,
  skiffSh,
  testUser,
  userCopyOfImage,
  ok,
} from "../lib/harness.js";

/** Host files the optional default binds need; created if the host lacks
    them (and removed again), so no bind goes untested. */
const DEFAULT_FILE_BINDS = ["/etc/hosts", "/etc/machine-id", "/etc/resolv.conf"];
const createdOnHost: string[] = [];

before(() => {
  for (const f of DEFAULT_FILE_BINDS)
    if (!fs.existsSync(f)) {
      fs.writeFileSync(f, `# made by skiff's ${f} bind test\n`, { mode: 0o644 });
      createdOnHost.push(f);
    }
});

after(() => {
  for (const f of createdOnHost) fs.rmSync(f, { force: true });
  cleanupScratch();
});

let markerCount = 0;

/** A file in host directory DIR readable by everyone; removed by after(). */
function hostMarker(dir: string, as: As): { path: string; name: string; content: string } {
  const name = `skiff-e2e-marker-${process.pid}-${++markerCount}`;
  const p = `${dir}/${name}`;
  const content = `marker ${markerCount}\n`;
  fs.writeFileSync(p, content, { mode: 0o644 });
  if (as === "user") fs.chownSync(p, testUser().uid, testUser().gid);
  after(() => fs.rmSync(p, { force: true }));
  return { path: p, name, content };
}

const untouchedCopies: Partial<Record<As, string>> = {};

/** A writable copy of the image shared by the tests that must leave it as
    it is (copying an image is the slow part of these tests). */
function untouchedCopy(as: As): string {
  return (untouchedCopies[as] ??= userCopyOfImage(as));
}


describe("image writability", () => {
  for (const as of AS_BOTH) {
    test(`/ is read-only by default, as ${as}`, () => {
      const r = skiffSh(IMG, "touch /written", [], { as });
      assert.notEqual(r.status, 0, describeResult(r));
      assert.match(r.stderr, /\/written: Read-only file system/);
      assert.ok(!fs.existsSync(`${IMG}/written`));
    });

    test(`/ is read-only by default even on a writable copy, as ${as}`, () => {
      const img = untouchedCopy(as);
      const r = skiffSh(img, "touch /written", [], { as });
      assert.notEqual(r.status, 0, describeResult(r));
      assert.match(r.stderr, /Read-only file system/);
      assert.ok(!fs.existsSync(`${img}/written`));
    });

    test(`-w: writes go to the image and persist, as ${as}`, () => {
      const img = userCopyOfImage(as);
      ok(skiffSh(img, "echo persisted > /written && mkdir /newdir", ["-w"], { as }));
      assert.equal(fs.readFileSync(`${img}/written`, "utf8"), "persisted\n");
      assert.ok(fs.statSync(`${img}/newdir`).isDirectory());
      // and a second container sees them
      assert.equal(ok(skiffSh(img, "cat /written", [], { as })), "persisted\n");
    });

    for (const opt of ["-W", "--write-fake", "-W1m", "--write-fake=1m"]) {
      test(`${opt}: writes succeed and vanish, the image is untouched, as ${as}`, () => {
        const img = untouchedCopy(as);
        const before = fs.readdirSync(img).sort();
        const out = ok(skiffSh(img, "echo x > /written && cat /written && echo y >> /ch/environment"
                               + " && rm /fixtures/file && test ! -e /fixtures/file && echo done", [opt], { as }));
        assert.equal(out, "x\ndone\n");
        assert.deepEqual(fs.readdirSync(img).sort(), before);
        assert.equal(fs.readFileSync(`${img}/fixtures/file`, "utf8"), "fixture file\n");
        assert.equal(fs.readFileSync(`${img}/ch/environment`, "utf8"),
                     fs.readFileSync(`${IMG}/ch/environment`, "utf8"));
        // the next container starts from the image again
        assert.equal(ok(skiffSh(img, "test -e /written || echo gone; cat /fixtures/file", [opt], { as })),
                     "gone\nfixture file\n");
      });
    }

    test(`-W on the shared read-only image leaves it untouched, as ${as}`, () => {
      ok(skiffSh(IMG, "echo x > /written && mkdir -p /a/b/c", ["-W"], { as }));
      assert.ok(!fs.existsSync(`${IMG}/written`));
      assert.ok(!fs.existsSync(`${IMG}/a`));
    });

    test(`-W1m: df / shows the 1 MiB tmpfs, as ${as}`, () => {
      const out = ok(skiffSh(IMG, "df -k / | tail -n 1", ["-W1m"], { as }));
      assert.equal(out.trim().split(/\s+/)[1], "1024", out);
      // and the cap holds
      const r = skiffSh(IMG, "dd if=/dev/zero of=/big bs=1024 count=2048", ["-W1m"], { as });
      assert.notEqual(r.status, 0, describeResult(r));
      assert.match(r.stderr, /No space left on device/);
    });

    test(`-W: / is an overlay of the image, as ${as}`, () => {
      const out = ok(skiff(["run", "-W", IMG, "--", "/bin/cat", "/proc/self/mountinfo"], { as }));
      const root = out.split("\n").find((l) => l.split(" ")[4] === "/");
      assert.ok(root, out);
      assert.match(root!, / - overlay /);
      assert.match(root!, new RegExp(`lowerdir=${IMG}[,:]`));
    });
  }
});

describe("default binds", () => {
  for (const as of AS_BOTH) {
    for (const f of DEFAULT_FILE_BINDS) {
      test(`${f} is the host's, as ${as}`, () => {
        const inside = ok(skiffSh(IMG, `stat -c "%d %i" ${f}; cat ${f}`, [], { as }));
        const s = fs.statSync(f);
        assert.equal(inside, `${s.dev} ${s.ino}\n${fs.readFileSync(f, "utf8")}`);
      });
    }

    test(`/dev, /proc and /sys are the host's, as ${as}`, () => {
      // same file system and inode (procfs inode numbers are not stable: /proc itself only)
      const paths = ["/dev", "/dev/null", "/dev/zero", "/proc", "/sys", "/sys/kernel", "/sys/class"];
      const out = ok(skiff(["run", IMG, "--", "/bin/stat", "-c", "%d %i", ...paths], { as }));
      const want = paths.map((p) => {
        const s = fs.statSync(p);
        return `${s.dev} ${s.ino}\n`;
      });
      assert.equal(out, want.join(""));
      const os = ok(skiff(["run", IMG, "--", "/bin/cat", "/proc/sys/kernel/osrelease"], { as }));
      assert.equal(os, fs.readFileSync("/proc/sys/kernel/osrelease", "utf8"));
      const sys = ok(skiff(["run", IMG, "--", "/bin/ls", "/sys"], { as }));
      assert.deepEqual(sys.split("\n").filter((l) => l).sort(), fs.readdirSync("/sys").sort());
    });

    test(`/dev/null works, as ${as}`, () => {
      assert.equal(ok(skiffSh(IMG, "echo gone > /dev/null && echo ok", [], { as })), "ok\n");
    });

  }
});

describe("host paths are invisible after pivot", () => {
  for (const as of AS_BOTH) {
    test(`/ is the image root, as ${as}`, () => {
      const s = fs.statSync(IMG);
      assert.equal(ok(skiff(["run", IMG, "--", "/bin/stat", "-c", "%d %i", "/"], { as })), `${s.dev} ${s.ino}\n`);
    });

    test(`a host file outside the binds can't be reached, as ${as}`, () => {
      const dir = scratchDir(as, "hostonly");
      const m = hostMarker(dir, as);
      const r = skiffSh(IMG, `cat ${m.path} || echo no-file; ls ${dir} || echo no-dir; `
                        + "ls -d /var/tmp || echo no-var-tmp; echo -; ls -a /..", [], { as });
      const [probes, up] = ok(r).split("-\n");
      assert.equal(probes, "no-file\nno-dir\nno-var-tmp\n");
      assert.match(r.stderr, /No such file or directory/);
      // /.. is / itself: the image's top-level directories
      assert.deepEqual(up.split("\n").filter((l) => l && l !== "." && l !== "..").sort(),
                       fs.readdirSync(IMG).sort());
    });

    test(`host directories that exist in the image show the image's content, as ${as}`, () => {
      // host /home has the test user's home; the image's /home is empty
      assert.ok(fs.readdirSync("/home").length > 0);
      assert.equal(ok(skiffSh(IMG, "ls -A /home /root /srv /mnt/0", [], { as })),
                   "/home:\n\n/mnt/0:\n\n/root:\n\n/srv:\n");
    });

    test(`mountinfo lists only the image root and the binds, as ${as}`, () => {
      const out = ok(skiff(["run", IMG, "--", "/bin/cat", "/proc/self/mountinfo"], { as }));
      const allowed = ["/dev", "/proc", "/sys", "/tmp", ...DEFAULT_FILE_BINDS, "/etc/passwd", "/etc/group"];
      const lines = out.split("\n").filter((l) => l);
      for (const l of lines) {
        const f = l.split(" ");
        const mp = f[4];
        assert.ok(mp === "/" || allowed.some((a) => mp === a || mp.startsWith(a + "/")),
                  `unexpected mount point ${mp}:\n${out}`);
        if (mp === "/") assert.equal(f[3], IMG, `root mount is not the image:\n${l}`);
      }
      assert.equal(lines.filter((l) => l.split(" ")[4] === "/").length, 1, out);
      // each bind is there
      for (const a of allowed)
        assert.ok(lines.some((l) => l.split(" ")[4] === a), `no mount on ${a}:\n${out}`);
    });
  }
});

describe("/tmp", () => {
  for (const as of AS_BOTH) {
    test(`shared with the host's /tmp, both ways, as ${as}`, () => {
      const m = hostMarker("/tmp", as);
      const name = `skiff-e2e-from-inside-${process.pid}-${as}`;
      after(() => fs.rmSync(`/tmp/${name}`, { force: true }));
      assert.equal(ok(skiffSh(IMG, `cat /tmp/${m.name} && echo in > /tmp/${name}`, [], { as })), m.content);
      assert.equal(fs.readFileSync(`/tmp/${name}`, "utf8"), "in\n");
    });

    test(`TMPDIR=DIR: the container's /tmp is DIR, as ${as}`, () => {
      const dir = scratchDir(as, "tmpdir");
      const m = hostMarker(dir, as);
      const inTmp = hostMarker("/tmp", as);
      const r = skiffSh(IMG, `cat /tmp/${m.name}; test -e /tmp/${inTmp.name} || echo no-host-tmp; echo "[$TMPDIR]"`,
                        [], { as, env: { TMPDIR: dir } });
      assert.equal(ok(r), `${m.content}no-host-tmp\n[]\n`);
      // nothing else was made in DIR (the passwd and group files never are)
      assert.deepEqual(fs.readdirSync(dir), [m.name]);
    });

    for (const opt of ["-t", "--private-tmp"]) {
      test(`${opt}: an empty private tmpfs, as ${as}`, () => {
        const m = hostMarker("/tmp", as);
        const name = `skiff-e2e-private-${process.pid}-${as}`;
        const out = ok(skiffSh(IMG, `ls -A /tmp; test -e /tmp/${m.name} || echo hidden; echo x > /tmp/${name} && `
                               + "grep ' /tmp ' /proc/self/mountinfo | sed 's/.* - //' | cut -d' ' -f1",
                               [opt], { as }));
        assert.equal(out, "hidden\ntmpfs\n");
        assert.ok(!fs.existsSync(`/tmp/${name}`));
      });
    }
  }
});

describe("--home", () => {
  for (const as of AS_BOTH) {
    const user = as === "user" ? TEST_USER : "root";

    test(`binds host $HOME at /home/$USER and sets HOME there, as ${as}`, () => {
      const home = scratchDir(as, "home");
      const m = hostMarker(home, as);
      const out = ok(skiffSh(IMG, `echo "$HOME"; cat /home/${user}/${m.name}; echo back > "$HOME/from-inside"`,
                             ["--home"], { as, env: { HOME: home } }));
      assert.equal(out, `/home/${user}\n${m.content}`);
      assert.equal(fs.readFileSync(`${home}/from-inside`, "utf8"), "back\n");
    });

    test(`implies -W: writes to / succeed and vanish, as ${as}`, () => {
      const home = scratchDir(as, "home");
      const img = untouchedCopy(as);
      const before = fs.readdirSync(img).sort();
      assert.equal(ok(skiffSh(img, "echo x > /written && cat /written", ["--home"], { as, env: { HOME: home } })),
                   "x\n");
      assert.deepEqual(fs.readdirSync(img).sort(), before);
      assert.deepEqual(fs.readdirSync(`${img}/home`), []);
    });

    test(`/home shows .orig and the user's directory (symlink ranch), as ${as}`, () => {
      const home = scratchDir(as, "home");
      const img = foreignDirsImage(as);
      const out = ok(skiffSh(img, "ls -A /home", ["--home"], { as, env: { HOME: home } }));
      assert.deepEqual(out.split("\n").filter((l) => l).sort(), [".orig", user].sort());
    });
  }

  test("with a size given (-W1m --home) the size is kept", () => {
    const home = scratchDir("user", "home");
    const out = ok(skiffSh(IMG, "df -k / | tail -n 1", ["-W1m", "--home"], { as: "user", env: { HOME: home } }));
    assert.equal(out.trim().split(/\s+/)[1], "1024", out);
  });
});
