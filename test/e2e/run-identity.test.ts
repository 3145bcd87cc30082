// Who the command runs as: UID/GID inside the container (default: the
// caller's; -u/-g), the single-ID maps of the inner user namespace, and the
// /etc/passwd and /etc/group ch_core.c's passwd_setup() synthesises.

import { describe, test, after } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";

import {
  AS_BOTH,
  As,
  IMG,
  cleanupScratch,
  describeResult,
  getent,
  NSS_ID,
  NSS_USER,
  run,
  scratchDir,
  SKIFF,
  skiff,
  skiffChRun,
  skiffSh,
  status,
  testUser,
} from "../lib/harness.js";

after(cleanupScratch);

function callerIds(as: As): { uid: number; gid: number } {
  return as === "user" ? { uid: testUser().uid, gid: testUser().gid } : { uid: 0, gid: 0 };
}

/** "uid gid" as id(1) prints them inside the container. */
function idsInside(as: As, options: string[]): string {
  const r = skiffSh(IMG, 'echo "$(id -u) $(id -g)"', options, { as });
  assert.equal(r.status, 0, describeResult(r));
  return r.stdout;
}

/** /proc/self/{uid,gid}_map as lists of whitespace-separated fields. */
function maps(as: As, options: string[]): { uid: string[][]; gid: string[][]; setgroups: string } {
  const r = skiffSh(IMG, "cat /proc/self/uid_map; echo -; cat /proc/self/gid_map; echo -; cat /proc/self/setgroups",
                    options, { as });
  assert.equal(r.status, 0, describeResult(r));
  const [u, g, s] = r.stdout.split("-\n");
  const rows = (t: string) => t.split("\n").filter((l) => l !== "").map((l) => l.trim().split(/\s+/));
  return { uid: rows(u), gid: rows(g), setgroups: s };
}

/** The passwd file ch_core.c writes for UID:GID, from the host's NSS. */
function expectedPasswd(uid: number, gid: number): string {
  const pw = getent("passwd", uid);
  let s = "";
  if (uid !== 0) s += "root:x:0:0:root:/root:/bin/sh\n";
  if (uid !== 65534) s += "nobody:x:65534:65534:nobody:/:/bin/false\n";
  return s + `${pw ? pw[0] : "charlie"}:x:${uid}:${gid}:${pw ? pw[4] : "Charlie"}:/:/bin/sh\n`;
}

function expectedGroup(gid: number): string {
  const gr = getent("group", gid);
  let s = "";
  if (gid !== 0) s += "root:x:0:\n";
  if (gid !== 65534) s += "nogroup:x:65534:\n";
  return s + `${gr ? gr[0] : "charliegroup"}:x:${gid}:\n`;
}

function passwdAndGroup(as: As, options: string[]): { passwd: string; group: string } {
  const r = skiffSh(IMG, "cat /etc/passwd; echo -; cat /etc/group", options, { as });
  assert.equal(r.status, 0, describeResult(r));
  const [passwd, group] = r.stdout.split("-\n");
  return { passwd, group };
}

describe("container UID and GID", () => {
  for (const as of AS_BOTH) {
    test(`default is the caller's, as ${as}`, () => {
      const { uid, gid } = callerIds(as);
      assert.equal(idsInside(as, []), `${uid} ${gid}\n`);
    });

    test(`-u 0 -g 0 as ${as}`, () => {
      assert.equal(idsInside(as, ["-u", "0", "-g", "0"]), "0 0\n");
    });

    test(`-u 1234 -g 5678 as ${as}`, () => {
      assert.equal(idsInside(as, ["-u", "1234", "-g", "5678"]), "1234 5678\n");
    });

    test(`--uid=1234 --gid=5678, through the ch-run name, as ${as}`, () => {
      const r = skiffChRun(["--uid=1234", "--gid=5678", IMG, "--", "/bin/sh", "-c", 'echo "$(id -u) $(id -g)"'],
                           { as });
      assert.equal(r.status, 0, describeResult(r));
      assert.equal(r.stdout, "1234 5678\n");
    });

    test(`-u alone keeps the caller's GID, as ${as}`, () => {
      assert.equal(idsInside(as, ["-u", "1234"]), `1234 ${callerIds(as).gid}\n`);
    });
  }
});

describe("ID maps of the container's user namespace", () => {
  for (const as of AS_BOTH) {
    test(`default: caller's IDs map onto the outer namespace's 0, as ${as}`, () => {
      const { uid, gid } = callerIds(as);
      const m = maps(as, []);
      assert.deepEqual(m.uid, [[String(uid), "0", "1"]]);
      assert.deepEqual(m.gid, [[String(gid), "0", "1"]]);
      assert.equal(m.setgroups, "deny\n");
    });

    test(`-u 1234 -g 5678: one ID each, as ${as}`, () => {
      const m = maps(as, ["-u", "1234", "-g", "5678"]);
      assert.deepEqual(m.uid, [["1234", "0", "1"]]);
      assert.deepEqual(m.gid, [["5678", "0", "1"]]);
    });
  }
});

describe("synthesised /etc/passwd and /etc/group", () => {
  test("fixtures: uid/gid 4242 are unknown to the host's NSS (else charlie can't be tested)", () => {
    assert.equal(getent("passwd", 4242), null);
    assert.equal(getent("group", 4242), null);
  });

  for (const as of AS_BOTH) {
    test(`default: root, nobody and the caller's host entry, as ${as}`, () => {
      const { uid, gid } = callerIds(as);
      const pg = passwdAndGroup(as, []);
      assert.equal(pg.passwd, expectedPasswd(uid, gid));
      assert.equal(pg.group, expectedGroup(gid));
      // the caller's entry really comes from the host, not the dummy
      assert.ok(getent("passwd", uid), `host has no passwd entry for ${uid}`);
      assert.doesNotMatch(pg.passwd, /charlie/);
    });

    test(`-u 0 -g 0: no duplicate root entry, as ${as}`, () => {
      const pg = passwdAndGroup(as, ["-u", "0", "-g", "0"]);
      assert.equal(pg.passwd, expectedPasswd(0, 0));
      assert.equal(pg.group, expectedGroup(0));
      assert.equal(pg.passwd.split("\n").filter((l) => l.startsWith("root:")).length, 1);
    });

    test(`-u 4242 -g 4242 (unknown): charlie / charliegroup, as ${as}`, () => {
      const pg = passwdAndGroup(as, ["-u", "4242", "-g", "4242"]);
      assert.equal(pg.passwd,
                   "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n"
                   + "charlie:x:4242:4242:Charlie:/:/bin/sh\n");
      assert.equal(pg.group, "root:x:0:\nnogroup:x:65534:\ncharliegroup:x:4242:\n");
    });

    test(`-u 4242: id(1) names the user charlie, as ${as}`, () => {
      const r = skiffSh(IMG, "id -un; id -gn", ["-u", "4242", "-g", "4242"], { as });
      assert.equal(r.status, 0, describeResult(r));
      assert.equal(r.stdout, "charlie\ncharliegroup\n");
    });

    test(`-u 65534 -g 65534: nobody is not listed twice, as ${as}`, () => {
      const pg = passwdAndGroup(as, ["-u", "65534", "-g", "65534"]);
      assert.equal(pg.passwd, expectedPasswd(65534, 65534));
      assert.equal(pg.group, expectedGroup(65534));
    });

    test(`--no-passwd shows the image's own files, as ${as}`, () => {
      const pg = passwdAndGroup(as, ["--no-passwd", "-u", "4242"]);
      assert.equal(pg.passwd, fs.readFileSync(`${IMG}/etc/passwd`, "utf8"));
      assert.equal(pg.group, fs.readFileSync(`${IMG}/etc/group`, "utf8"));
    });
  }

  test("the files are bound from a tmpfs of skiff's own: they never have a name on the host", () => {
    const r = skiff(["run", IMG, "--", "/bin/cat", "/proc/self/mountinfo"], { as: "user" });
    assert.equal(r.status, 0, describeResult(r));
    for (const f of ["passwd", "group"]) {
      const line = r.stdout.split("\n").find((l) => l.split(" ")[4] === `/etc/${f}`);
      assert.ok(line, `no mount on /etc/${f}:\n${r.stdout}`);
      assert.equal(line!.split(" ")[3], `/ch-run_${f}`, line);
      assert.equal(line!.split(" - ")[1].split(" ")[0], "tmpfs", line);
    }
  });
});

describe("a user only NSS's modules know (SSSD, LDAP, ...: here libnss-extrausers)", () => {
  /** cat /etc/passwd and /etc/group in the container, run by skiff at exe as NSS_USER. */
  function filesAsNssUser(exe: string, options: string[] = []): { passwd: string; group: string } {
    const r = run(["/usr/bin/setpriv", `--reuid=${NSS_ID}`, `--regid=${NSS_ID}`, "--clear-groups", "--",
                   exe, "run", ...options, IMG, "--", "/bin/sh", "-c", "cat /etc/passwd; echo -; cat /etc/group"],
                  { env: { USER: NSS_USER, HOME: "/", XDG_CACHE_HOME: undefined } });
    assert.equal(r.status, 0, describeResult(r));
    const [passwd, group] = r.stdout.split("-\n");
    return { passwd, group };
  }

  /** A copy of skiff in a directory of its own: no skiff-dynamic next to it. */
  function skiffAlone(): string {
    const copy = `${scratchDir("root", "alone")}/skiff`;
    fs.copyFileSync(SKIFF, copy);
    fs.chmodSync(copy, 0o755);
    return copy;
  }

  test("fixtures: NSS names the user and group, /etc/passwd and /etc/group don't", () => {
    assert.equal(getent("passwd", NSS_ID)?.[0], NSS_USER);
    assert.equal(getent("group", NSS_ID)?.[0], NSS_USER);
    for (const f of ["/etc/passwd", "/etc/group"])
      assert.doesNotMatch(fs.readFileSync(f, "utf8"), new RegExp(`^[^:]*:[^:]*:${NSS_ID}:`, "m"), f);
  });

  test("their launch names them as NSS does", () => {
    const pg = filesAsNssUser(SKIFF);
    assert.equal(pg.passwd, expectedPasswd(NSS_ID, NSS_ID));
    assert.equal(pg.group, expectedGroup(NSS_ID));
    assert.match(pg.passwd, new RegExp(`^${NSS_USER}:x:${NSS_ID}:${NSS_ID}:skiff NSS-only test user:`, "m"));
  });

  test("skiff hands their launch to skiff-dynamic, same arguments and environment; not a listed user's", () => {
    const dir = scratchDir("root", "stub");
    const copy = `${dir}/skiff`;
    fs.copyFileSync(SKIFF, copy);
    fs.chmodSync(copy, 0o755);
    const record = `${dir}/record`;
    fs.writeFileSync(`${dir}/skiff-dynamic`, `#!/bin/sh\nprintf '%s\\n' "$@" "MARK=$MARK" > ${record}\n`, { mode: 0o755 });
    fs.chmodSync(dir, 0o777);
    const args = ["run", IMG, "--", "/bin/true", "a b"];
    const r = run(["/usr/bin/setpriv", `--reuid=${NSS_ID}`, `--regid=${NSS_ID}`, "--clear-groups", "--", copy, ...args],
                  { env: { USER: NSS_USER, HOME: "/", MARK: "x y" } });
    assert.equal(r.status, 0, describeResult(r));
    assert.equal(fs.readFileSync(record, "utf8"), [...args, "MARK=x y"].join("\n") + "\n");
    fs.rmSync(record);
    status(run([copy, ...args], { as: "user" }), 0);
    assert.ok(!fs.existsSync(record), "skiff-dynamic ran for a user /etc/passwd lists");
  });

  test("without skiff-dynamic, skiff asks getent: the same files", () => {
    const pg = filesAsNssUser(skiffAlone());
    assert.equal(pg.passwd, expectedPasswd(NSS_ID, NSS_ID));
    assert.equal(pg.group, expectedGroup(NSS_ID));
  });

  for (const as of AS_BOTH) {
    test(`-u/-g naming them, as ${as}: getent's names`, () => {
      const pg = passwdAndGroup(as, ["-u", String(NSS_ID), "-g", String(NSS_ID)]);
      assert.equal(pg.passwd, expectedPasswd(NSS_ID, NSS_ID));
      assert.equal(pg.group, expectedGroup(NSS_ID));
      assert.match(pg.passwd, new RegExp(`^${NSS_USER}:`, "m"));
    });
  }
});
