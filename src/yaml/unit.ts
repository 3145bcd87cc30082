// The yaml unit: js-yaml, which reads the CDI spec files written as YAML.
// A unit of its own, loaded only when such a file is parsed: it is most of
// CDI's code, and a spec read again comes from the cache (src/cdi/cache.ts).

import { CORE_SCHEMA, load } from "js-yaml";

/** text's one document, with YAML 1.2's core schema (plain data only). */
export function parseYaml(text: string, file: string): unknown {
  return load(text, { schema: CORE_SCHEMA, filename: file });
}
