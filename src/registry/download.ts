// An image's layers downloaded by a child process while this one applies
// them (src/images/pull.ts). A pull's CPU time is about half downloading
// (TLS, SHA-256) and half unpacking (inflate, file writes); two processes
// put the halves on two CPUs. skiff stays single-threaded (a pull never
// enters a container, so forking is free of the namespace rules): the
// child downloads each layer not in the cache as fetchBlob() does, into
// the cache, and the same bytes into a pipe of that layer's, which this
// process unpacks as they come. Every digest is still checked, by the
// child, which reports the first failure through another pipe and exits:
// the caller renames the image into place only after finish().

import { attempt, EXIT_MISC_ERR, Failure, isFailure, isSysError } from "../log/fail";
import * as log from "../log/log";
import { C } from "../sys/constants";
import { describeWaitStatus, Sys, writeAll } from "../sys/sys";
import { fetchBlob, isCached, openCache } from "./cache";
import { Client } from "./client";
import { Descriptor } from "./manifest";

/** Reads while draining a pipe. */
var CHUNK = 1 << 16;
/** A layer's pipe holds this much (Linux's default 64 KiB, the most an
    unprivileged process may ask for, /proc/sys/fs/pipe-max-size, is 1 MiB
    by default): the processes hand over a MiB at a time, not 64 KiB, so a
    loaded machine's scheduling delays them 16 times less often. */
var PIPE_SIZE = 1 << 20;

export class Downloads {
  /** Read end of each layer's pipe; -1: the layer is read from the cache. */
  private pipes: number[] = [];
  private pid = -1;
  /** Read end of the child's report: its failure as JSON, or nothing. */
  private report = -1;
  /** Layer whose pipe is being read, or -1. */
  private reading = -1;

  /** Start downloading, in a child process, each of layers not in storage's
      download cache (the first of several with one digest); labels name
      them in messages. */
  constructor(private sys: Sys, client: Client, private storage: string, layers: Descriptor[], labels: string[]) {
    var wanted: { [digest: string]: true } = {};
    var writeEnds: number[] = [];
    var report = [-1, -1];
    try {
      for (var i = 0; i < layers.length; i++) {
        var cached = isCached(sys, storage, layers[i]);
        var get = !cached && !wanted.hasOwnProperty(layers[i].digest);
        var p = get ? sys.pipe() : [-1, -1];
        this.pipes.push(p[0]);
        writeEnds.push(p[1]);
        if (get) {
          wanted[layers[i].digest] = true;
          try {
            sys.fcntl(p[0], C.F_SETPIPE_SZ, PIPE_SIZE);
          } catch (e) {
            if (!isSysError(e)) // EPERM: a lower pipe-max-size; the default does
              throw e;
          }
        }
        else
          log.verbose(labels[i] + (cached ? ": in the download cache" : ": the same blob as an earlier layer"));
      }
      if (!Object.keys(wanted).length)
        return;
      report = sys.pipe();
      var parent = sys.getpid();
      this.pid = attempt("can't start downloading", function () { return sys.fork(); });
    } catch (e) {
      // No caller will stop() what failed to start: its pipes go now.
      this.closeAll(this.pipes.concat(writeEnds, report));
      throw e;
    }
    if (this.pid === 0)
      download(sys, parent, client, storage, layers, labels, writeEnds, report[1], this.pipes.concat([report[0]]));
    this.closeAll(writeEnds.concat([report[1]]));
    this.report = report[0];
  }

  /** The pipe to read layer i from, or -1 if it is in the cache (once the
      earlier layers are done). */
  pipe(i: number): number {
    this.reading = this.pipes[i];
    return this.pipes[i];
  }

  /** Layer i is applied: what is left in its pipe (the archive's padding)
      is read, so that the child writes on. */
  done(i: number): void {
    if (this.pipes[i] < 0)
      return;
    this.drain(this.pipes[i]);
    this.sys.close(this.pipes[i]);
    this.pipes[i] = -1;
    this.reading = -1;
  }

  /** Wait for the child: throws its failure (a digest that did not match,
      a dropped connection, ...). */
  finish(): void {
    if (this.pid <= 0)
      return;
    var f = this.readReport();
    var status = this.sys.waitpid(this.pid)[1];
    this.pid = -1;
    if (f === null && status !== 0)
      f = { failure: true, message: "download process ended (" + describeWaitStatus(status) + ") without saying why",
            hint: "it was killed (out of memory? see dmesg); pull again: the layers it finished are in the download cache",
            exitCode: EXIT_MISC_ERR };
    if (f !== null)
      throw f;
  }

  /** This process failed: stop the child and return its failure if it had
      one, which is then the cause (a layer cut short by a dropped
      connection fails to unpack). The layer being read is first read to
      its end if drain (not when interrupted), so that one whose digest
      does not match is reported as that, rather than as what its content
      made the unpacking do. */
  stop(drain: boolean): Failure | null {
    if (this.pid <= 0)
      return null;
    var sys = this.sys;
    try {
      if (drain && this.reading >= 0)
        this.drain(this.reading);
    } catch (e) {
      if (!isSysError(e))
        throw e;
    }
    var f: Failure | null = null;
    if (sys.poll([this.report], [C.POLLIN], 0)[0] !== 0)
      f = this.readReport();
    else
      sys.kill(this.pid, C.SIGKILL);
    sys.waitpid(this.pid);
    this.pid = -1;
    this.closeAll(this.pipes.concat([this.report]));
    this.report = -1;
    openCache(sys, this.storage); // removes what the child left partial
    return f;
  }

  private drain(fd: number): void {
    while (this.sys.read(fd, CHUNK) !== "")
      continue;
  }

  /** The child's failure, once it has exited or reported. */
  private readReport(): Failure | null {
    var text = "";
    for (var s = this.sys.read(this.report, CHUNK); s !== ""; s = this.sys.read(this.report, CHUNK))
      text += s;
    this.sys.close(this.report);
    this.report = -1;
    return text === "" ? null : JSON.parse(text) as Failure;
  }

  private closeAll(fds: number[]): void {
    for (var i = 0; i < fds.length; i++)
      if (fds[i] >= 0)
        this.sys.close(fds[i]);
  }
}

/** The child: each layer with a pipe downloaded into the cache and its
    pipe, which is then closed; the first failure is reported as JSON on
    fd report; the parent's ends of the pipes (parentFds) closed first.
    Never returns, not even by throwing: the caller's clean-up (removing
    the image being made) is the parent's. */
function download(sys: Sys, parent: number, client: Client, storage: string, layers: Descriptor[],
                  labels: string[], pipes: number[], report: number, parentFds: number[]): never {
  try {
    for (var p = 0; p < parentFds.length; p++)
      if (parentFds[p] >= 0)
        sys.close(parentFds[p]);
    // Nothing to download for once the parent is gone.
    sys.prctl(C.PR_SET_PDEATHSIG, C.SIGKILL);
  } catch (e) {
    return sys.exit(EXIT_MISC_ERR);
  }
  if (sys.getppid() !== parent)
    sys.exit(EXIT_MISC_ERR);
  var code = 0;
  try {
    for (var i = 0; i < layers.length; i++) {
      if (pipes[i] < 0)
        continue;
      fetchBlob(sys, client, storage, layers[i], undefined, pipes[i]);
      sys.close(pipes[i]);
      log.verbose(labels[i] + ": downloaded");
    }
  } catch (e) {
    var f: Failure = isFailure(e) ? e
      : { failure: true, message: isSysError(e) ? e.message : "download failed: " + String(e), exitCode: EXIT_MISC_ERR };
    code = f.exitCode;
    try {
      writeAll(sys, report, JSON.stringify(f));
    } catch (e2) {
      // the parent is gone: nobody to tell
    }
  }
  return sys.exit(code);
}
