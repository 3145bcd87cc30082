// Render the man page (`man`) or the README's option list (`markdown`) from
// skiff's option table, on stdout. Used by the Makefile (build/skiff-run.1)
// and by `make docs` to refresh the option reference in README.md.
import { manPage, optionsMarkdown } from "./manpage";
import { VERSION } from "../src/version";

const what = process.argv[2];
if (what !== "man" && what !== "markdown") {
  process.stderr.write("usage: gen-docs man|markdown\n");
  process.exit(64);
}
process.stdout.write(what === "man" ? manPage(VERSION) : optionsMarkdown());
