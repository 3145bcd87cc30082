// The --join unit (src/unit/unit.ts): what the executor calls.
export { joinBegin } from "./begin";
export { joinProcess } from "./pid";
