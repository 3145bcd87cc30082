// Progress of downloads on a terminal: one line per blob, redrawn in place
// with bytes and rate; nothing at all when standard error is not a
// terminal or the user asked for quiet.

import { Sys } from "../sys/sys";

export interface Progress {
  start(label: string): (received: number, total: number) => void;
  done(label: string, note: string): void;
}

function size(n: number): string {
  var units = ["B", "KiB", "MiB", "GiB"];
  var u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  return (u === 0 ? String(n) : n.toFixed(1)) + " " + units[u];
}

export function silentProgress(): Progress {
  return { start: function () { return function () {}; }, done: function () {} };
}

export function terminalProgress(sys: Sys, write: (text: string) => void): Progress {
  var started = 0;
  return {
    start: function (label) {
      started = sys.monotonic();
      return function (received, total) {
        var seconds = (sys.monotonic() - started) / 1000;
        write("\r" + label + ": " + size(received) + (total > 0 ? " / " + size(total) : "")
              + (seconds > 0 ? ", " + size(received / seconds) + "/s" : "") + "\x1b[K");
      };
    },
    done: function (label, note) {
      write("\r" + label + ": " + note + "\x1b[K\n");
    },
  };
}
