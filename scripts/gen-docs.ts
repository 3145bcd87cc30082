// Render, from skiff's command and option tables: the man pages into a
// directory (`man DIR`: skiff.1, skiff-run.1, skiff-COMMAND.1), the README's
// option list (`markdown`) or the bash completion script (`completion`),
// on stdout. Used by the Makefile (build/man/, build/skiff.bash) and by
// `make docs` to refresh the option reference in README.md.
import * as fs from "node:fs";

import { completionScript } from "./completion";
import { commandPage, manPage, optionsMarkdown, skiffPage } from "./manpage";
import { commands } from "../src/cli/commands";
import { VERSION } from "../src/version";

const what = process.argv[2];
if (what === "man" && process.argv[3]) {
  const dir = process.argv[3];
  fs.writeFileSync(`${dir}/skiff.1`, skiffPage(VERSION));
  fs.writeFileSync(`${dir}/skiff-run.1`, manPage(VERSION));
  for (const c of commands())
    if (c.name !== "run" && c.name !== "help")
      fs.writeFileSync(`${dir}/skiff-${c.name}.1`, commandPage(c, VERSION));
} else if (what === "markdown") {
  process.stdout.write(optionsMarkdown());
} else if (what === "completion") {
  process.stdout.write(completionScript());
} else {
  process.stderr.write("usage: gen-docs man DIR | markdown | completion\n");
  process.exit(64);
}
