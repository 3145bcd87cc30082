// ch-run's warnings buffer: 4 KiB of shared anonymous memory, so warnings
// logged by a child after fork() are reprinted by the parent at exit.
// Layout: each warning followed by a NUL byte, an empty one marking the
// end; each UTF-16 code unit is stored in 1 to 3 bytes (UTF-8's scheme,
// with NUL as two bytes and surrogates kept as they are) so any message
// comes back unchanged.

import { WarningStore } from "./log";

export var WARNINGS_SIZE = 4096;

function encode(s: string): number[] {
  var out: number[] = [];
  for (var i = 0; i < s.length; i++) {
    var c = s.charCodeAt(i);
    if (c !== 0 && c < 0x80)
      out.push(c);
    else if (c < 0x800)
      out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else
      out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return out;
}

function decode(b: Uint8Array, from: number, to: number): string {
  var out = "";
  for (var i = from; i < to; i++) {
    var c = b[i];
    if (c >= 0xe0) {
      c = ((c & 0x0f) << 12) | ((b[i + 1] & 0x3f) << 6) | (b[i + 2] & 0x3f);
      i += 2;
    } else if (c >= 0xc0) {
      c = ((c & 0x1f) << 6) | (b[i + 1] & 0x3f);
      i += 1;
    }
    out += String.fromCharCode(c);
  }
  return out;
}

/** A store over memory: mmap gives shared anonymous memory (main), a test
    may pass any buffer of WARNINGS_SIZE bytes. */
export function sharedWarningStore(memory: ArrayBuffer): WarningStore {
  var b = new Uint8Array(memory);
  /** Offset of the terminating empty record. */
  function end(): number {
    var n = 0;
    while (n < WARNINGS_SIZE && b[n] !== 0) {
      while (b[n] !== 0)
        n++;
      n++;
    }
    return n;
  }
  return {
    add: function (line: string): void {
      var at = end();
      var bytes = encode(line);
      bytes.push(0);
      if (at + bytes.length >= WARNINGS_SIZE)
        return; // full: later warnings are dropped, as in ch-run
      for (var i = 0; i < bytes.length; i++)
        b[at + i] = bytes[i];
    },
    lines: function (): string[] {
      var out: string[] = [];
      for (var n = 0; n < WARNINGS_SIZE && b[n] !== 0; n++) {
        var start = n;
        while (b[n] !== 0)
          n++;
        out.push(decode(b, start, n));
      }
      return out;
    },
  };
}
