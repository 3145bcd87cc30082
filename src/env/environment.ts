// The container's environment (reference §2.2): an ordered set of NAME=VALUE
// entries, kept apart from skiff's own process environment so it can be
// built up in command-line order and handed whole to execve.

var hasOwn = Object.prototype.hasOwnProperty;

/** Index key for a name; the prefix keeps names such as `__proto__` or
    `hasOwnProperty` from meeting Object.prototype. */
function key(name: string): string {
  return "%" + name;
}

export class Environment {
  private order: string[] = [];
  private values: { [key: string]: string } = {};

  /** From a host environ list of `NAME=VALUE` strings, split at the first
      `=`. As with glibc getenv(), the first of duplicate names wins and an
      entry with no `=` is not a variable at all, so both are dropped. */
  static fromList(entries: string[]): Environment {
    var env = new Environment();
    for (var i = 0; i < entries.length; i++) {
      var eq = entries[i].indexOf("=");
      if (eq < 0)
        continue;
      var name = entries[i].slice(0, eq);
      if (env.get(name) === undefined)
        env.set(name, entries[i].slice(eq + 1));
    }
    return env;
  }

  get(name: string): string | undefined {
    return hasOwn.call(this.values, key(name)) ? this.values[key(name)] : undefined;
  }

  /** Like setenv(name, value, 1): an existing variable keeps its place, a
      new one goes last. */
  set(name: string, value: string): void {
    if (!hasOwn.call(this.values, key(name)))
      this.order.push(name);
    this.values[key(name)] = value;
  }

  unset(name: string): void {
    if (!hasOwn.call(this.values, key(name)))
      return;
    delete this.values[key(name)];
    this.order.splice(this.order.indexOf(name), 1);
  }

  names(): string[] {
    return this.order.slice();
  }

  /** The environ list for execve, in order. */
  toList(): string[] {
    var out: string[] = [];
    for (var i = 0; i < this.order.length; i++)
      out.push(this.order[i] + "=" + this.values[key(this.order[i])]);
    return out;
  }

  copy(): Environment {
    var env = new Environment();
    env.order = this.order.slice();
    for (var i = 0; i < this.order.length; i++)
      env.values[key(this.order[i])] = this.values[key(this.order[i])];
    return env;
  }
}
