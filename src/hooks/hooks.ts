// ch_core.c's hook lists (hook_add/hooks_run): named actions run at fixed
// points of container set-up. A hook here is plain data (its action is
// interpreted by the executor), so plans stay printable and testable.
//   host:  after the mounts, before pivot (host paths still visible)
//   guest: after pivot, by the process that built the container
//   all:   by every process, join peers included, just before exec

import { fail } from "../log/fail";

export type HookDup = "ok" | "skip" | "fail";

export interface Hook<A> {
  name: string;
  action: A;
}

export interface HookLists<A> {
  host: Array<Hook<A>>;
  guest: Array<Hook<A>>;
  all: Array<Hook<A>>;
}

/** Append a hook; dup says what to do if one of that name is there already:
    add anyway ("ok"), silently don't ("skip") or fail ("fail"). */
export function hookAdd<A>(list: Array<Hook<A>>, dup: HookDup, name: string, action: A): void {
  if (dup !== "ok") {
    for (var i = 0; i < list.length; i++) {
      if (list[i].name === name) {
        if (dup === "fail")
          fail("invalid duplicate hook: " + name);
        return;
      }
    }
  }
  list.push({ name: name, action: action });
}
