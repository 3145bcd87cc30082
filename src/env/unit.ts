// The glob unit (src/unit/unit.ts): --unset-env's patterns.
export * from "./glob";
