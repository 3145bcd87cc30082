// The SquashFS unit (src/unit/unit.ts): what the executor and --feature call.
export { mountSquash } from "./squash";
export { findServer } from "./server";
