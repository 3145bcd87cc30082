// The format unit (src/unit/unit.ts): --dry-run's text and JSON.
export * from "./format";
