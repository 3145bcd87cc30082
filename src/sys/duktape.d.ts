// What Duktape 2.7 provides beyond ES5 (lib.es5.d.ts already has typed
// arrays) and skiff uses, as measured on Duktape 2.7.0. Only declare what Duktape really has: anything
// missing here (Map, Set, Promise, Array.prototype.includes, ...) must stay
// a compile error.
interface String {
  startsWith(search: string, position?: number): boolean;
  endsWith(search: string, length?: number): boolean;
  includes(search: string, position?: number): boolean;
  repeat(count: number): string;
}

interface ObjectConstructor {
  assign<T extends object, U>(target: T, source: U): T & U;
}
