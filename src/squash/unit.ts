// The SquashFS unit (src/unit/unit.ts): what the executor and --feature call.
export { mountSquash } from "./squash";
export { prepareMountpoint } from "./mountpoint";
export { findServer } from "./server";
