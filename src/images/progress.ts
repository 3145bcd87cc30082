// Progress of pull and import on a terminal: one line a step (a layer),
// updated in place with the bytes read and the rate. Nothing when standard
// error is not a terminal, or with -q (which leaves only errors).

import { CommandIO } from "../cli/commands";
import * as log from "../log/log";
import { Sys } from "../sys/sys";

function megabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(1) + " MB";
}

export class Progress {
  private on: boolean;
  private shown = false;

  constructor(private sys: Sys, private io: CommandIO) {
    this.on = sys.isatty(2) && log.enabled(log.LL_INFO);
  }

  /** A step named label begins: the function to call with its bytes so
      far, or undefined when progress is not shown. */
  start(label: string): ((bytes: number) => void) | undefined {
    if (!this.on)
      return undefined;
    var self = this;
    var t0 = this.sys.monotonic();
    return function (bytes) {
      var s = (self.sys.monotonic() - t0) / 1000;
      self.io.stderr("\r\x1b[K" + label + ": " + megabytes(bytes) + (s >= 0.5 ? ", " + megabytes(bytes / s) + "/s" : ""));
      self.shown = true;
    };
  }

  /** The step is over: its line stays as it last was. */
  done(): void {
    if (this.shown)
      this.io.stderr("\n");
    this.shown = false;
  }
}
