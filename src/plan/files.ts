// The files skiff makes for the container, /etc/passwd and /etc/group: the
// plan says which (plain data), the executor renders them when it runs the
// step, so that a --join peer that enters its group's container, as all but
// one per node do, never asks NSS (LDAP, SSSD, ...) for anything (a static
// skiff reads /etc/passwd and /etc/group for its caller at start, though:
// src/names/names.ts).

import * as log from "../log/log";
import type { NameLookups } from "../names/names";

export type GeneratedFile =
  /** root, nobody and the container user (uid, with gid as its group) */
  | { kind: "passwd"; uid: number; gid: number }
  /** root, nogroup and the container group */
  | { kind: "group"; gid: number };

/** /etc/passwd for the container: root, nobody and the container user,
    copied from the host's NSS entry or the dummy "charlie" (#649). */
function passwdContent(uid: number, gid: number, pw: NativePasswd | null): string {
  var s = "";
  if (uid !== 0)
    s += "root:x:0:0:root:/root:/bin/sh\n";
  if (uid !== 65534)
    s += "nobody:x:65534:65534:nobody:/:/bin/false\n";
  return s + (pw ? pw.name : "charlie") + ":x:" + uid + ":" + gid + ":" + (pw ? pw.gecos : "Charlie") + ":/:/bin/sh\n";
}

function groupContent(gid: number, gr: NativeGroup | null): string {
  var s = "";
  if (gid !== 0)
    s += "root:x:0:\n";
  if (gid !== 65534)
    s += "nogroup:x:65534:\n";
  return s + (gr ? gr.name : "charliegroup") + ":x:" + gid + ":\n";
}

/** The file's text, from the host's NSS entry for its ID, or dummy info
    (said at -v, in ch-run's words, as ch_core.c's passwd_setup()). */
export function renderFile(f: GeneratedFile, names: NameLookups): string {
  if (f.kind === "passwd") {
    var pw = names.getpwuid(f.uid);
    if (pw === null)
      log.verbose("UID " + f.uid + " not found; using dummy info");
    return passwdContent(f.uid, f.gid, pw);
  }
  var gr = names.getgrgid(f.gid);
  if (gr === null)
    log.verbose("GID " + f.gid + " not found; using dummy info");
  return groupContent(f.gid, gr);
}
