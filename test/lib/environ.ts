// An environ list read as glibc's getenv(3) reads the process's: the first
// NAME=VALUE of a name wins.

import { Getenv } from "../../src/sys/sys.ts";

export function getenvOf(environ: string[]): Getenv {
  return (name) => {
    const entry = environ.find((e) => e.startsWith(name + "="));
    return entry === undefined ? undefined : entry.slice(name.length + 1);
  };
}
