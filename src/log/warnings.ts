// ch-run's warnings buffer: 4 KiB of shared anonymous memory, so warnings
// logged by a child after fork() are reprinted by the parent at exit.
// Layout: lines separated by "\n", terminated by a NUL byte.

import { WarningStore } from "./log";

var SIZE = 4096;

export function sharedWarningStore(mmap: (fd: number, length: number) => ArrayBuffer): WarningStore {
  // Mapped now, not on first use: it must exist before any fork().
  var b = new Uint8Array(mmap(-1, SIZE));
  function used(): number {
    var n = 0;
    while (n < SIZE && b[n] !== 0)
      n++;
    return n;
  }
  return {
    add: function (line: string): void {
      var at = used();
      var s = line + "\n";
      if (at + s.length >= SIZE)
        return; // full: later warnings are dropped, as in ch-run
      for (var i = 0; i < s.length; i++)
        b[at + i] = s.charCodeAt(i) & 0xff;
    },
    lines: function (): string[] {
      var s = "";
      for (var i = 0, n = used(); i < n; i++)
        s += String.fromCharCode(b[i]);
      return s === "" ? [] : s.slice(0, -1).split("\n");
    },
  };
}
