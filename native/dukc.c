/* Build-time tool: compile a JavaScript program with Duktape and write its
   bytecode (duk_dump_function), so the skiff binary loads bytecode at start
   instead of compiling source, which is several times slower.
   Usage: dukc PROGRAM.js OUTPUT.bc
          dukc --function UNIT.js OUTPUT.bc   (UNIT.js is one function
          expression: a unit, see src/unit/unit.ts) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "duktape.h"

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
   if ((out = fopen(argv[2], "wb")) == NULL
       || fwrite(bc, 1, bc_len, out) != bc_len || fclose(out)) {
      perror(argv[2]);
      return 1;
   }
   return 0;
}
