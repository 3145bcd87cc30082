// glibc's argp_parse() over skiff's option table, as ch-run calls it: a
// small C program, compiled from the table, that prints the options it
// parsed ("opt NAME ARG") and the arguments left ("arg ARG"). Asked to
// (ORACLE_HELP_FLAGS), it prints argp's help for those flags instead, as the
// parse state it has then would: glibc's text for the TypeScript parser's
// help requests.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { HelpDoc, OptionSpec } from "../../src/cli/argp.ts";

export function optName(s: OptionSpec): string {
  return s.long ?? s.short!;
}

function cString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch === '"' || ch === "\\") out += "\\" + ch;
    else if (c >= 0x20 && c < 0x7f) out += ch;
    else out += "\\" + c.toString(8).padStart(3, "0");
  }
  return out + '"';
}

function cProgram(doc: HelpDoc): string {
  const rows = doc.options.map((s, i) => {
    const key = s.short ? `'${s.short === "'" ? "\\'" : s.short}'` : String(-100 - i);
    const arg = s.argName === undefined ? "0" : cString(s.argName);
    const flags = [s.arg === "optional" ? "OPTION_ARG_OPTIONAL" : "", s.hidden ? "OPTION_HIDDEN" : ""]
      .filter((f) => f).join("|") || "0";
    return `  { ${cString(s.long!)}, ${key}, ${arg}, ${flags}, ${cString(s.help)}, ${s.group ?? 0} },`;
  });
  const names = doc.options.map((s, i) => `    case ${s.short ? `'${s.short}'` : -100 - i}: name = ${cString(optName(s))}; break;`);
  return `#define _GNU_SOURCE
#include <argp.h>
#include <stdio.h>
#include <stdlib.h>
static const struct argp_option options[] = {
${rows.join("\n")}
  { 0 }
};
static error_t parse_opt(int key, char *arg, struct argp_state *state) {
  const char *name;
  switch (key) {
${names.join("\n")}
    case ARGP_KEY_NO_ARGS:
      if (getenv("ORACLE_HELP_FLAGS")) {
        argp_state_help(state, stdout, atoi(getenv("ORACLE_HELP_FLAGS")));
        exit(0);
      }
      argp_state_help(state, stderr, ARGP_HELP_SHORT_USAGE | ARGP_HELP_PRE_DOC | ARGP_HELP_LONG | ARGP_HELP_POST_DOC);
      exit(EXIT_FAILURE);
    default:
      return ARGP_ERR_UNKNOWN;
  }
  printf("opt %s %s\\n", name, arg ? arg : "(null)");
  return 0;
}
static const struct argp argp = { options, parse_opt, ${cString(doc.argsDoc)}, ${cString(doc.doc)} };
int main(int argc, char **argv) {
  int next;
  if (!getenv("ARGP_HELP_FMT"))
    setenv("ARGP_HELP_FMT", "opt-doc-col=27,no-dup-args-note", 0);
  argp_parse(&argp, argc, argv, 0, &next, NULL);
  for (int i = next; i < argc; i++)
    printf("arg %s\\n", argv[i]);
  return 0;
}
`;
}

export interface ArgpOracle {
  /** The program, named ch-run so that glibc's short program name is ch-run. */
  path: string;
  /** argp's help text for flags (argp.ts's HELP_*) under the program name. */
  help(name: string, flags: number): string;
}

/** Compiles the oracle for doc (removed when the process exits). */
export function argpOracle(doc: HelpDoc): ArgpOracle {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "skiff-argp-"));
  process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
  const oracle = path.join(dir, "ch-run");
  fs.writeFileSync(`${oracle}.c`, cProgram(doc));
  const cc = spawnSync("gcc", ["-o", oracle, `${oracle}.c`], { encoding: "utf8" });
  assert.equal(cc.status, 0, cc.stderr);
  return {
    path: oracle,
    help: (name, flags) => {
      const r = spawnSync(oracle, ["--program-name=" + name],
                          { encoding: "utf8", env: { PATH: "/usr/bin:/bin", ORACLE_HELP_FLAGS: String(flags) } });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    },
  };
}
