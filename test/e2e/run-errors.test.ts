// Every bad input of issue 2: each gives the exact exit code, one error line
// on stderr that names the offending value, and leaves nothing behind (no
// passwd/group temporaries in $TMPDIR, no mounts on the host).

import { describe, test, after } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";

import {
  AS_BOTH,
  As,
  BROKEN,
  IMG,
  NOTSQUASH,
  RunResult,
  RunOpts,
  SCRATCH,
  SKIFF,
  TEST_ROOT,
  TEST_USER,
  cleanupScratch,
  describeResult,
  mountsUnder,
  run,
  scratchDir,
  skiff,
  skiffChRun,
} from "../lib/harness.js";

after(cleanupScratch);

//// Nothing left behind ////////////////////////////////////////////////////

/** Host mounts where a leaking skiff would leave them. */
function suspectMounts(): string[] {
  return [...mountsUnder(TEST_ROOT), ...mountsUnder("/srv"), ...mountsUnder("/tmp")]
    .map((m) => `${m.mountPoint} (${m.fsType} ${m.source})`)
    .sort();
}

/** Call f with a fresh $TMPDIR (where skiff makes the passwd and group
    temporaries) and check that it stays empty and no mount was left.  Not
    the host's /tmp: other suites running skiff at the same time make their
    temporaries there, and some live for seconds (SquashFS under load). */
function leavesNothing(as: As, f: (tmpdir: string) => void): void {
  const tmpdir = scratchDir(as, "tmpdir");
  const mountsBefore = suspectMounts();
  f(tmpdir);
  assert.deepEqual(fs.readdirSync(tmpdir), [], "temporaries left in $TMPDIR");
  assert.deepEqual(suspectMounts(), mountsBefore, "mounts left on the host");
}

//// The error itself ///////////////////////////////////////////////////////

interface Expect {
  code: number;
  /** What the error line must name: a string literally, or a RegExp match. */
  names: (string | RegExp)[];
  /** getopt's two-line usage error instead of PROG[PID]: error: ... */
  usage?: boolean;
  stdout?: string;
}

function checkError(r: RunResult, e: Expect): void {
  assert.equal(r.status, e.code, describeResult(r));
  assert.equal(r.signal, null);
  assert.equal(r.stdout, e.stdout ?? "", describeResult(r));
  // warnings (e.g. a missing storage directory) may accompany the error
  const lines = r.stderr.split("\n").filter((l) => l !== "" && !/^\S+\[\d+\]: warning: /.test(l));
  let line: string;
  if (e.usage) {
    assert.equal(lines.length, 2, describeResult(r));
    assert.match(lines[1], /^Try `.*--help' or `.*--usage' for more information\.$/);
    line = lines[0];
  } else {
    assert.equal(lines.length, 1, `not a single error line:\n${describeResult(r)}`);
    assert.match(lines[0], /^(skiff|ch-run)\[\d+\]: error: /);
    line = lines[0];
  }
  for (const n of e.names)
    if (typeof n === "string") assert.ok(line.includes(n), `${JSON.stringify(n)} not named in: ${line}`);
    else assert.match(line, n);
}

/** VALUE as a word of its own (so "x" is not found in "extra"). */
function word(value: string): RegExp {
  return new RegExp(`(^|[^\\w])${value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}($|[^\\w])`);
}

function bad(as: As, args: string[], e: Expect, opts: RunOpts = {}, chRun = false): void {
  leavesNothing(as, (tmpdir) => {
    const o = { ...opts, as, env: { TMPDIR: tmpdir, ...opts.env } };
    checkError(chRun ? skiffChRun(args, o) : skiff(["run", ...args], o), e);
  });
}

//// Cases //////////////////////////////////////////////////////////////////

/** A minimal image: what skiff binds onto, except MISSING.  The run fails
    before exec, so it needs no programs (and is quicker to make than a copy). */
function skeletonImage(as: As, missing: string): string {
  const img = scratchDir(as, "skeleton");
  for (const d of ["/dev", "/proc", "/sys", "/tmp", "/etc"])
    if (d !== missing) fs.mkdirSync(`${img}${d}`);
  for (const f of ["/etc/passwd", "/etc/group"])
    if (f !== missing) fs.writeFileSync(`${img}${f}`, "");
  return img;
}

/** A host directory that exists (a bind source). */
const SRC = `${TEST_ROOT}/img`;

describe("bad input", () => {
  for (const as of AS_BOTH) {
    describe(`as ${as}`, () => {
      test("image path missing", () => {
        const p = `${SCRATCH}/no-such-image`;
        bad(as, [p, "--", "true"], { code: 31, names: ["can't stat", p] });
      });

      test("image is a regular file, not an image", () => {
        bad(as, [NOTSQUASH, "--", "true"], { code: 31, names: [`unknown image type: ${NOTSQUASH}`] });
      });

      test("image lacking /proc", () => {
        bad(as, [BROKEN, "--", "true"], { code: 31, names: [`can't bind: destination not found: ${BROKEN}/proc`] });
      });

      for (const missing of ["/dev", "/proc", "/sys", "/etc/passwd", "/etc/group", "/tmp"]) {
        test(`image lacking ${missing}`, () => {
          const img = skeletonImage(as, missing);
          bad(as, [img, "--", "true"], { code: 31, names: [`can't bind: destination not found: ${img}${missing}`] });
        });
      }

      test("no command", () => {
        for (const args of [[IMG], [IMG, "--"]])
          bad(as, args, { code: 31, names: ["IMAGE and/or COMMAND not specified"],
                          stdout: "usage: skiff run [OPTION...] IMAGE -- COMMAND [ARG...]\n" });
      });

      test("no -- before a command starting with - (ch-run IMG ls -la)", () => {
        // getopt's message starts with argv[0] as typed
        bad(as, [IMG, "ls", "-la"], { code: 64, usage: true, names: [/^(\S*\/)?ch-run: invalid option -- 'l'$/] },
            {}, true);
      });

      test("unknown option", () => {
        bad(as, ["--bogus", IMG, "--", "true"], { code: 64, usage: true, names: ["unrecognized option '--bogus'"] });
      });

      test("option missing its argument", () => {
        bad(as, [IMG, "-b"], { code: 64, usage: true, names: ["option requires an argument -- 'b'"] });
      });

      for (const [opt, value] of [["-u", "x"], ["-u", "-1"], ["-g", "12x"], ["--gid", "1 2"]]) {
        test(`${opt} ${JSON.stringify(value)}: not a valid ID`, () => {
          const long = opt === "-u" ? "--uid" : "--gid";
          bad(as, [opt, value, IMG, "--", "true"], { code: 31, names: [long, word(value)] });
        });
      }

      test("--bind ''", () => {
        bad(as, ["--bind", "", IMG, "--", "true"], { code: 31, names: ["--bind: no source provided"] });
      });

      test("--bind :DST (empty SRC)", () => {
        bad(as, ["--bind", ":/mnt/0", IMG, "--", "true"], { code: 31, names: ["--bind: no source provided"] });
      });

      test("--bind SRC: (empty DST)", () => {
        bad(as, ["--bind", `${SRC}:`, IMG, "--", "true"], { code: 31, names: ["--bind: no destination provided"] });
      });

      test("-b SRC:rel (relative DST)", () => {
        bad(as, ["-b", `${SRC}:rel/dst`, IMG, "--", "true"], { code: 31, names: ["--bind", "absolute", "rel/dst"] });
      });

      test("-b SRC:/ (DST is the root)", () => {
        bad(as, ["-b", `${SRC}:/`, IMG, "--", "true"], { code: 31, names: ["--bind: destination can't be /"] });
      });

      test("missing SRC", () => {
        const p = `${SCRATCH}/no-such-src`;
        bad(as, ["-b", `${p}:/mnt/0`, IMG, "--", "true"], { code: 31, names: [`can't bind: source not found: ${p}`] });
      });

      for (const dst of ["/..", "/mnt/../../etc"]) {
        test(`-b SRC:${dst} (DST escaping the image)`, () => {
          bad(as, ["-W", "-b", `${SRC}:${dst}`, IMG, "--", "true"], { code: 31, names: ["not subdirectory of", dst] });
        });
      }

      test("missing DST on the read-only image", () => {
        bad(as, ["-b", `${SRC}:/no-such-dst`, IMG, "--", "true"],
            { code: 31, names: [`${IMG}/no-such-dst`, "Read-only file system", "-W"] });
      });

      test("bind inside an earlier bind", () => {
        bad(as, ["-W", "-b", `${SRC}:/mnt/0`, "-b", `${SRC}:/mnt/0/x`, IMG, "--", "true"],
            { code: 31, names: ["/mnt/0/x", "under existing bind-mount"] });
      });

      for (const opt of ["-Wbogus", "--write-fake=12q", "-W-1", "--write-fake="]) {
        const size = opt.replace(/^(-W|--write-fake=)/, "");
        test(`${opt}: a size tmpfs refuses`, () => {
          bad(as, [opt, IMG, "--", "true"], { code: 31, names: ["cannot mount tmpfs for overlay", `(hint: size=${size};`] });
        });
      }

      test("--cd to a missing directory", () => {
        bad(as, ["--cd", "/no/such/dir", IMG, "--", "true"], { code: 31, names: ["can't cd to /no/such/dir"] });
      });

      test("--cd to a file", () => {
        bad(as, ["--cd", "/fixtures/file", IMG, "--", "true"], { code: 31, names: ["can't cd to /fixtures/file"] });
      });

      test("--home with $HOME unset", () => {
        bad(as, ["--home", IMG, "--", "true"], { code: 31, names: ["--home", "$HOME not set"] },
            { env: { HOME: undefined } });
      });

      test("$USER unset", () => {
        bad(as, [IMG, "--", "true"], { code: 31, names: ["$USER not set"] }, { env: { USER: undefined } });
      });

      test("--dry-run=bogus", () => {
        bad(as, ["--dry-run=bogus", IMG, "--", "true"], { code: 31, names: ["--dry-run", "bogus"] });
      });

      test("a missing command (49)", () => {
        bad(as, [IMG, "--", "skiff-no-such-command"], { code: 49, names: ["can't execvpe(3): skiff-no-such-command"] });
      });
    });
  }
});

describe("setuid/setgid copies are refused", () => {
  // A copy of the binary, owned by someone other than the test user, with
  // the set-ID bit: run by the test user it gains that identity.
  function setIdCopy(mode: number, owner: number, group: number): string {
    const dir = scratchDir("root", "setid");
    const copy = `${dir}/skiff`;
    fs.copyFileSync(SKIFF, copy);
    fs.chownSync(copy, owner, group);
    fs.chmodSync(copy, mode);
    assert.equal(fs.statSync(copy).mode & 0o7777, mode, "set-ID bits didn't stick");
    return copy;
  }

  const nobody = 65534;
  for (const [what, mode, owner, group] of [
    ["setuid", 0o4755, nobody, 0],
    ["setgid", 0o2755, 0, nobody],
    ["setuid root", 0o4755, 0, 0],
  ] as const) {
    test(`${what} copy run by ${TEST_USER}`, () => {
      const copy = setIdCopy(mode, owner, group);
      for (const args of [["run", IMG, "--", "true"], ["--version"]])
        leavesNothing("user", (tmpdir) => {
          const r = run([copy, ...args], { as: "user", env: { TMPDIR: tmpdir } });
          checkError(r, { code: 31, names: ["setuid/setgid"] });
        });
    });
  }
});
