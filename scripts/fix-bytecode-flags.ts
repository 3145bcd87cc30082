// Give each function of build/dukc's bytecode only the flags its code needs
// (scripts/bytecode.ts), in place. Used by the Makefile after each dukc run:
//   node build/fix-bytecode-flags.cjs DUKTAPE.H FILE.bc...
// DUKTAPE.H is the duktape.h dukc was built with (its duk_config.h beside
// it tells the dump's layout): any version but the one whose opcode numbers
// scripts/bytecode.ts knows is refused.
import * as fs from "node:fs";
import * as path from "node:path";
import { DUKTAPE_VERSION, debugInfo, fixFlags } from "./bytecode";

const [header, ...files] = process.argv.slice(2);
const version = /#define DUK_VERSION\s+(\d+)L/.exec(fs.readFileSync(header, "utf8"));
if (version === null || Number(version[1]) !== DUKTAPE_VERSION) {
  process.stderr.write(`fix-bytecode-flags: ${header} is Duktape ${version ? version[1] : "(unknown)"}; `
                       + `scripts/bytecode.ts knows the opcode and flag numbers of ${DUKTAPE_VERSION} only: `
                       + "check them against duktape.c's DUK_OP_* and DUK_HOBJECT_FLAG_*\n");
  process.exit(1);
}
const withDebugInfo = debugInfo(fs.readFileSync(path.join(path.dirname(header), "duk_config.h"), "utf8"));
for (const file of files) {
  const dump = fs.readFileSync(file);
  try {
    fixFlags(dump, withDebugInfo);
  } catch (e) {
    process.stderr.write(`fix-bytecode-flags: ${file}: ${(e as Error).message}\n`);
    process.exit(1);
  }
  fs.writeFileSync(file, new Uint8Array(dump));
}
