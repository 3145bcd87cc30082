// build/bytecode-test/skiff-cases: prints runCases()'s text (cases.ts), as
// skiff's own program would run it.

import { setHost } from "../../src/sys/host";
import { linuxSys } from "../../src/sys/sys";
import { runCases } from "./cases";

setHost(native);
var sys = linuxSys();
var text = runCases() + "\n";
while (text !== "")
  text = text.slice(sys.write(1, text));
