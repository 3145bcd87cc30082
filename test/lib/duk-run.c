/* Test helper for test/unit/dukc.test.ts: load a bytecode file written by
   build/dukc into skiff's Duktape and call it, with print() to stdout.
   Usage: duk-run FILE.bc */
#include <stdio.h>
#include <string.h>
#include "duktape.h"

static duk_ret_t print(duk_context *ctx)
{
   printf("%s\n", duk_safe_to_string(ctx, 0));
   return 0;
}

int main(int argc, char **argv)
{
   static char bc[1 << 20];
   FILE *f;
   size_t n;
   duk_context *ctx;
   if (argc != 2 || (f = fopen(argv[1], "rb")) == NULL || (n = fread(bc, 1, sizeof bc, f)) == 0) {
      fprintf(stderr, "usage: duk-run FILE.bc\n");
      return 2;
   }
   fclose(f);
   ctx = duk_create_heap_default();
   duk_push_c_function(ctx, print, 1);
   duk_put_global_string(ctx, "print");
   memcpy(duk_push_fixed_buffer(ctx, n), bc, n);
   duk_load_function(ctx);
   if (duk_pcall(ctx, 0) != DUK_EXEC_SUCCESS) {
      printf("uncaught: %s\n", duk_safe_to_string(ctx, -1));
      return 1;
   }
   return 0;
}
