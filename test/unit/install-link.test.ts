// Which skiff `make install` installs (scripts/install-link.sh): the static
// build where NSS takes users and groups from files (and systemd's
// services), skiff-dynamic where it names any other source.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

function choice(nsswitch: string | null): { link: string; said: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "install-link."));
  try {
    const conf = path.join(dir, "nsswitch.conf");
    if (nsswitch !== null)
      fs.writeFileSync(conf, nsswitch);
    const r = spawnSync("bash", ["scripts/install-link.sh", conf], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    return { link: r.stdout, said: r.stderr };
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
}

test("files and systemd only, or no nsswitch.conf: static, silently", () => {
  for (const conf of ["passwd: files\ngroup: files\n", "passwd:         files systemd\ngroup:  files systemd\n"
                      + "hosts: files dns mdns4\nnetgroup: nis\n", null])
    assert.deepEqual(choice(conf), { link: "static\n", said: "" }, String(conf));
});

test("another source of users or groups: dynamic, naming it", () => {
  const c = choice("passwd: files [NOTFOUND=return] sss\ngroup: files sss ldap\nshadow: files sss\n");
  assert.equal(c.link, "dynamic\n");
  assert.match(c.said, /takes users or groups from sss ldap too \(LINK=static to install the static one\)\n$/);
  assert.equal(choice("passwd: compat\ngroup: files\n").link, "dynamic\n");
});

test("read as glibc reads it: comments dropped, leading blanks allowed", () => {
  assert.deepEqual(choice("# passwd: sss\npasswd: files # sss later\n").link, "static\n");
  const c = choice("passwd: files\n  group:\tfiles sss\n");
  assert.equal(c.link, "dynamic\n");
  assert.match(c.said, /from sss too/);
});
