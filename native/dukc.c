/* Build-time tool: compile a JavaScript program with Duktape and write its
   bytecode (duk_dump_function), so the skiff binary loads bytecode at start
   instead of compiling source, which is several times slower. Each
   function's flags are first cut to what its code needs (needed_flags()).
   Usage: dukc PROGRAM.js OUTPUT.bc
          dukc --function UNIT.js OUTPUT.bc   (UNIT.js is one function
          expression: a unit, see src/unit/unit.ts) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "duktape.h"

/* Duktape 2's bytecode dump (duk_api_bytecode.c, doc/bytecode.rst): big
   endian, a marker byte, then the top function; these are the values of
   this Duktape, which also loads the dump (it is built from the same
   duktape.o, with the same configuration: native/duk_custom.h leaves out
   function names, file names and line tables, so the dump has none). A
   dump of any other layout fails the build. */
#if DUK_VERSION != 20700L
#error "the flag and opcode numbers below are Duktape 2.7.0's: check them against duktape.c's DUK_OP_* and DUK_HOBJECT_FLAG_*"
#endif
#define DUMP_MARKER 0xbf
#define FLAG_CONSTRUCTABLE (1u << (7 + 1)) // DUK_HOBJECT_FLAG_CONSTRUCTABLE
#define FLAG_STRICT (1u << (7 + 9))        // DUK_HOBJECT_FLAG_STRICT
#define FLAG_CREATEARGS (1u << (7 + 13))   // DUK_HOBJECT_FLAG_CREATEARGS: uses `arguments`
#define OP_LDTHIS 6                        // DUK_OP_LDTHIS
#define OP_PUTPROP_FIRST 112               // DUK_OP_PUTPROP_RR ... DELPROP_CC_UNUSED
#define OP_PUTPROP_LAST 119
#define OP_INCDECP_FIRST 128               // DUK_OP_PREINCP_RR ... POSTDECP_CC
#define OP_INCDECP_LAST 143
#define OP_RETUNDEF 158                    // DUK_OP_RETUNDEF: all an empty function has
#define CONST_STRING 0x00
#define CONST_NUMBER 0x01
#define NO_FORMALS 0xffffffffu

struct dump {
   uint8_t *p, *end;
};

static int take(struct dump *d, size_t n, uint8_t **at)
{
   if ((size_t)(d->end - d->p) < n)
      return -1;
   *at = d->p;
   d->p += n;
   return 0;
}

static int u32(struct dump *d, uint32_t *v)
{
   uint8_t *b;
   if (take(d, 4, &b))
      return -1;
   *v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
   return 0;
}

static int skip_string(struct dump *d)
{
   uint32_t len;
   uint8_t *b;
   return u32(d, &len) || take(d, len, &b);
}

/* The flags a function needs, from what its code does. Every function
   Duktape compiles from our ES5 is constructable and strict, and a closure
   costs for each: a constructable function gets a fresh `prototype` object
   (with `constructor`) when its template loads and again for every closure
   of it; a strict closure gets `caller` and `arguments` properties that
   throw. Together 14% of the instructions of a --join peer, for what almost no
   function needs:
   - Only class constructors are called with `new`, and each uses `this`
     or is empty (a class whose constructor has nothing to do). `new` on any
     other function is a TypeError, which would show at once in tests.
   - Strictness, once compiled, changes what a function does only through
     `this` (not coerced), `arguments` (not mapped to the parameters) and
     stores to properties (a failed one throws) or to undeclared variables
     (TypeScript rejects those). A function with none of these behaves the
     same without it; its nested functions keep their own flags. */
static uint32_t needed_flags(uint32_t flags, const uint8_t *code, uint32_t n_instr)
{
   int uses_this = 0, stores = 0, bare = 1;
   for (uint32_t i = 0; i < n_instr; i++) {
      uint8_t op = code[4 * i + 3]; // the opcode is an instruction's low byte
      uses_this |= op == OP_LDTHIS;
      stores |= (op >= OP_PUTPROP_FIRST && op <= OP_PUTPROP_LAST) || (op >= OP_INCDECP_FIRST && op <= OP_INCDECP_LAST);
      bare &= op == OP_RETUNDEF;
   }
   if (!uses_this && !bare)
      flags &= ~FLAG_CONSTRUCTABLE;
   if (!uses_this && !stores && !(flags & FLAG_CREATEARGS))
      flags &= ~FLAG_STRICT;
   return flags;
}

/* Walk one function of the dump (and its inner ones), rewriting its flags
   to needed_flags(). */
static int rewrite_function(struct dump *d)
{
   uint32_t n_instr, n_const, n_funcs, flags, n, len;
   uint8_t *header, *flags_at, *code, *b;
   if (u32(d, &n_instr) || u32(d, &n_const) || u32(d, &n_funcs) || take(d, 2 + 2 + 8, &header)
       || (flags_at = d->p, u32(d, &flags)) || take(d, 4 * (size_t)n_instr, &code))
      return -1;
   flags = needed_flags(flags, code, n_instr);
   flags_at[0] = (uint8_t)(flags >> 24);
   flags_at[1] = (uint8_t)(flags >> 16);
   flags_at[2] = (uint8_t)(flags >> 8);
   flags_at[3] = (uint8_t)flags;
   for (n = 0; n < n_const; n++) {
      if (take(d, 1, &b))
         return -1;
      if (*b == CONST_STRING ? skip_string(d) : *b == CONST_NUMBER ? take(d, 8, &b) : -1)
         return -1;
   }
   for (n = 0; n < n_funcs; n++)
      if (rewrite_function(d))
         return -1;
   if (take(d, 4, &b)) // length
      return -1;
   for (;;) { // _Varmap: name, register; an empty name ends it
      if (u32(d, &len))
         return -1;
      if (len == 0)
         break;
      if (take(d, len + 4, &b))
         return -1;
   }
   if (u32(d, &n)) // _Formals
      return -1;
   if (n != NO_FORMALS)
      while (n-- > 0)
         if (skip_string(d))
            return -1;
   return 0;
}

static duk_ret_t compile(duk_context *ctx, void *udata)
{
   // program source at -2, file name at -1; udata: the compile flags
   duk_compile(ctx, *(duk_uint_t *)udata);
   duk_dump_function(ctx);
   return 1;
}

int main(int argc, char **argv)
{
   FILE *in, *out;
   char *src;
   long len;
   duk_context *ctx;
   duk_size_t bc_len;
   void *bc;

   duk_uint_t flags = 0;
   if (argc == 4 && strcmp(argv[1], "--function") == 0) {
      flags = DUK_COMPILE_FUNCTION;
      argv++;
      argc--;
   }
   if (argc != 3) {
      fprintf(stderr, "usage: dukc [--function] PROGRAM.js OUTPUT.bc\n");
      return 2;
   }
   if ((in = fopen(argv[1], "rb")) == NULL
       || fseek(in, 0, SEEK_END) || (len = ftell(in)) < 0
       || fseek(in, 0, SEEK_SET) || (src = malloc((size_t)len)) == NULL
       || fread(src, 1, (size_t)len, in) != (size_t)len) {
      perror(argv[1]);
      return 1;
   }
   fclose(in);
   ctx = duk_create_heap_default();
   duk_push_lstring(ctx, src, (duk_size_t)len);
   duk_push_string(ctx, argv[1]);
   if (duk_safe_call(ctx, compile, &flags, 2, 1) != DUK_EXEC_SUCCESS) {
      fprintf(stderr, "%s: %s\n", argv[1], duk_safe_to_string(ctx, -1));
      return 1;
   }
   bc = duk_get_buffer_data(ctx, -1, &bc_len);
   struct dump d = { bc, (uint8_t *)bc + bc_len };
   if (bc_len == 0 || *d.p++ != DUMP_MARKER || rewrite_function(&d) || d.p != d.end) {
      fprintf(stderr, "%s: bytecode not in the layout dukc knows (Duktape %ld)\n", argv[1], (long)DUK_VERSION);
      return 1;
   }
   if ((out = fopen(argv[2], "wb")) == NULL
       || fwrite(bc, 1, bc_len, out) != bc_len || fclose(out)) {
      perror(argv[2]);
      return 1;
   }
   return 0;
}
