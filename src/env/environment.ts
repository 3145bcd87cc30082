// The container's environment (doc/environment.md §2.2): an ordered set of NAME=VALUE
// entries, kept apart from skiff's own process environment so it can be
// built up in command-line order and handed whole to execve.
//
// Entries are kept whole, keyed by "NAME=": a job's environment has hundreds
// of variables, and in Duktape every string made costs (each is interned),
// so taking a list in and handing it out again makes one key per entry and
// nothing else. The key's "=" keeps names such as `__proto__` from meeting
// Object.prototype's properties, so a plain lookup tells whether a variable
// is set; property order is insertion order (ES2015), the variables' order.

export class Environment {
  private entries: { [key: string]: string } = {};

  /** From a host environ list of `NAME=VALUE` strings, split at the first
      `=`. As with glibc getenv(), the first of duplicate names wins and an
      entry with no `=` is not a variable at all, so both are dropped. */
  static fromList(list: string[]): Environment {
    var env = new Environment();
    var entries = env.entries;
    for (var i = 0; i < list.length; i++) {
      var e = list[i];
      var key = e.slice(0, e.indexOf("=") + 1);
      if (key !== "" && entries[key] === undefined)
        entries[key] = e;
    }
    return env;
  }

  get(name: string): string | undefined {
    var e = this.entries[name + "="];
    return e === undefined ? undefined : e.slice(name.length + 1);
  }

  /** Like setenv(name, value, 1): an existing variable keeps its place, a
      new one goes last. */
  set(name: string, value: string): void {
    this.entries[name + "="] = name + "=" + value;
  }

  /** set() of a `NAME=VALUE` entry, split at its first `=`, kept whole. */
  setEntry(entry: string): void {
    this.entries[entry.slice(0, entry.indexOf("=") + 1)] = entry;
  }

  unset(name: string): void {
    delete this.entries[name + "="];
  }

  names(): string[] {
    var out: string[] = [];
    for (var key in this.entries)
      out.push(key.slice(0, -1));
    return out;
  }

  /** The environ list for execve, in order. */
  toList(): string[] {
    var out: string[] = [];
    for (var key in this.entries)
      out.push(this.entries[key]);
    return out;
  }

  copy(): Environment {
    var env = new Environment();
    for (var key in this.entries)
      env.entries[key] = this.entries[key];
    return env;
  }
}
