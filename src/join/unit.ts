// The --join unit (src/unit/unit.ts): what the executor calls.
export { joinBegin } from "./group";
export { joinProcess } from "./pid";
