// Duktape 2.7's bytecode dump (duk_api_bytecode.c, doc/bytecode.rst), as
// build/dukc writes it, and the flags each of its functions needs.
//
// Every function Duktape compiles from our ES5 is constructable and strict,
// and a closure costs for each: a constructable function gets a fresh
// `prototype` object (with `constructor`) when its template loads and again
// for every closure of it; a strict closure gets `caller` and `arguments`
// properties that throw. Together 14% of the instructions of a --join peer,
// for what almost no function needs:
// - Only class constructors are called with `new`, and each uses `this` or
//   is empty (a class whose constructor has nothing to do). `new` on any
//   other function is a TypeError, which would show at once in tests.
// - Strictness, once compiled, changes what a function does only through
//   `this` (not coerced), `arguments` (not mapped to the parameters) and
//   stores to properties (a failed one throws) or to undeclared variables
//   (TypeScript rejects those). A function with none of these behaves the
//   same without it; its nested functions keep their own flags.
//
// The dump is big endian: a marker byte, the string table (skiff's change to
// Duktape, native/duktape/strings.patch: a u32 count, then each string as its
// u32 hash, u32 byte length (top bit: a ROM string, romflag.patch) and
// bytes), then the top function, which refers
// to a string by its u32 index in the table; a function's instructions are
// in this machine's byte order (native/duktape/load.patch). The flag and
// opcode numbers are Duktape 2.7.0's (duktape.c's DUK_HOBJECT_FLAG_* and
// DUK_OP_*): scripts/fix-bytecode-flags.ts refuses any other version. A
// function's name, file name and line table are in the dump only when the
// Duktape that wrote it keeps them (`make DEBUG=1`, native/duktape/
// debug.yaml; see debugInfo()); a dump of any other layout is refused.

import * as os from "node:os";

export var DUKTAPE_VERSION = 20700;
export var FLAG_CONSTRUCTABLE = 1 << (7 + 1);
export var FLAG_STRICT = 1 << (7 + 9);
var FLAG_CREATEARGS = 1 << (7 + 13); // the function uses `arguments`
var DUMP_MARKER = 0xbf;
var OP_LDTHIS = 6;
var OP_PUTPROP_FIRST = 112; // DUK_OP_PUTPROP_RR ... DELPROP_CC_UNUSED
var OP_PUTPROP_LAST = 119;
var OP_INCDECP_FIRST = 128; // DUK_OP_PREINCP_RR ... POSTDECP_CC
var OP_INCDECP_LAST = 143;
var OP_RETUNDEF = 158; // all an empty function has
var CONST_STRING = 0;
var CONST_NUMBER = 1;
var NO_FORMALS = 0xffffffff;
// where an instruction's low byte, its opcode, is
var OPCODE_BYTE = os.endianness() === "LE" ? 0 : 3;

export interface DumpFunction {
  /** Offset of the function's flags word. */
  flagsAt: number;
  flags: number;
  /** Opcodes of its instructions, in order. */
  ops: number[];
  /** Its string constants. */
  strings: string[];
}

/** Whether the Duktape configured by this duk_config.h text dumps each
    function's name, file name and line table: all three or none. */
export function debugInfo(dukConfig: string): boolean {
  var kept = ["PC2LINE", "FUNC_NAME_PROPERTY", "FUNC_FILENAME_PROPERTY"]
    .map(function (o) { return new RegExp("^#define DUK_USE_" + o + "$", "m").test(dukConfig); });
  if (kept[0] !== kept[1] || kept[1] !== kept[2])
    throw new Error("duk_config.h keeps some of line tables, function names and file names, not all or none");
  return kept[0];
}

/** The functions of a dump, outer before inner; throws if the dump is not
    in the layout described above (withDebugInfo: see debugInfo()). */
export function functionsOf(dump: Buffer, withDebugInfo: boolean): DumpFunction[] {
  var out: DumpFunction[] = [];
  var p = 1;
  function take(n: number): number {
    if (p + n > dump.length)
      throw new Error("bytecode dump ends early, at byte " + p);
    p += n;
    return p - n;
  }
  function u32(): number {
    return dump.readUInt32BE(take(4));
  }
  function string(): string {
    var i = u32();
    if (i >= table.length)
      throw new Error("bytecode dump refers to string " + i + " of " + table.length + ", at byte " + (p - 4));
    return table[i];
  }
  function walk(): void {
    var nInstr = u32(), nConst = u32(), nFuncs = u32();
    take(2 + 2 + 8); // registers, arguments, lines
    var fn: DumpFunction = { flagsAt: p, flags: u32(), ops: [], strings: [] };
    out.push(fn);
    var code = take(4 * nInstr);
    for (var i = 0; i < nInstr; i++)
      fn.ops.push(dump[code + 4 * i + OPCODE_BYTE]);
    for (var c = 0; c < nConst; c++) {
      var type = dump[take(1)];
      if (type === CONST_STRING) {
        fn.strings.push(string());
      } else if (type === CONST_NUMBER) {
        take(8);
      } else {
        throw new Error("unknown constant type " + type + " at byte " + (p - 1));
      }
    }
    for (var f = 0; f < nFuncs; f++)
      walk();
    take(4); // length
    if (withDebugInfo) {
      string(); // name
      string(); // fileName
      take(u32()); // line table
    }
    for (var vars = u32(); vars > 0; vars--) { // _Varmap: name, register
      string();
      take(4);
    }
    var formals = u32();
    if (formals !== NO_FORMALS)
      for (var k = 0; k < formals; k++)
        string();
  }
  if (dump[0] !== DUMP_MARKER)
    throw new Error("not a Duktape bytecode dump");
  var table: string[] = [];
  for (var count = u32(); count > 0; count--) {
    take(4); // hash
    var len = u32() & 0x7fffffff;
    table.push(dump.toString("utf8", take(len), p));
  }
  walk();
  if (p !== dump.length)
    throw new Error("bytecode dump has " + (dump.length - p) + " bytes after its functions");
  return out;
}

/** The flags a function needs, from what its code does (see the top). */
export function neededFlags(flags: number, ops: number[]): number {
  var usesThis = false, stores = false, bare = true;
  for (var i = 0; i < ops.length; i++) {
    var op = ops[i];
    usesThis = usesThis || op === OP_LDTHIS;
    stores = stores || (op >= OP_PUTPROP_FIRST && op <= OP_PUTPROP_LAST)
      || (op >= OP_INCDECP_FIRST && op <= OP_INCDECP_LAST);
    bare = bare && op === OP_RETUNDEF;
  }
  if (!usesThis && !bare)
    flags &= ~FLAG_CONSTRUCTABLE;
  if (!usesThis && !stores && !(flags & FLAG_CREATEARGS))
    flags &= ~FLAG_STRICT;
  return flags >>> 0;
}

/** Rewrite each function's flags in dump to neededFlags(). */
export function fixFlags(dump: Buffer, withDebugInfo: boolean): void {
  var fns = functionsOf(dump, withDebugInfo);
  for (var i = 0; i < fns.length; i++)
    dump.writeUInt32BE(neededFlags(fns[i].flags, fns[i].ops), fns[i].flagsAt);
}
