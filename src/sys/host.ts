// The engine's services that are not system calls: argv as the host read
// it, garbage collection, loading a unit's bytecode. Kept apart from Sys so
// that Sys is exactly the system-call surface the executor acts through.
// main.ts installs the real one; tests install their own.

export type Host = NativeHost;

var current: Host | undefined;

export function setHost(h: Host): void {
  current = h;
}

export function host(): Host {
  if (current === undefined)
    throw new Error("skiff: no Host installed (main.ts or the test's set-up calls setHost)");
  return current;
}
