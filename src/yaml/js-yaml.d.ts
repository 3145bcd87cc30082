// The part of js-yaml 4 (which ships no types) that the yaml unit uses.
declare module "js-yaml" {
  export var CORE_SCHEMA: unknown;
  export function load(text: string, options?: { schema?: unknown; filename?: string }): unknown;
}
