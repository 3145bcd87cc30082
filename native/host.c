/* skiff's native host: creates a Duktape heap, installs the syscall binding
   (binding.c) as the global `native`, loads the TypeScript program from
   bytecode embedded in this binary and runs it. The program decides
   everything, including the exit status; this file only starts it.

   The process stays single-threaded: Duktape starts no threads, and the
   kernel refuses unshare(CLONE_NEWUSER) to a multithreaded process
   (https://man7.org/linux/man-pages/man2/unshare.2.html, EINVAL). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "duktape.h"
#include "binding.h"

/* The program's bytecode, placed in .rodata by the assembler so no build
   step has to turn it into a C array. PROGRAM_BYTECODE is set by the
   Makefile. */
__asm__(".section .rodata\n"
        ".balign 16\n"
        ".global skiff_program\n"
        "skiff_program:\n"
        ".incbin \"" PROGRAM_BYTECODE "\"\n"
        ".global skiff_program_end\n"
        "skiff_program_end:\n"
        ".previous\n");
extern const char skiff_program[], skiff_program_end[];

/* Duktape calls this for errors it cannot throw (out of memory, uncaught
   error outside any protected call); there is no program left to ask. */
static void fatal_handler(void *udata, const char *msg)
{
   (void)udata;
   dprintf(2, "skiff: internal error: %s\n", msg ? msg : "(no message)");
   _exit(31);
}

/* An exception that escapes the program is a bug in skiff: report its
   stack so it can be fixed. */
static duk_ret_t run_program(duk_context *ctx, void *udata)
{
   size_t size = (size_t)(skiff_program_end - skiff_program);
   void *buf = duk_push_fixed_buffer(ctx, size);
   (void)udata;
   memcpy(buf, skiff_program, size);
   duk_load_function(ctx);
   duk_call(ctx, 0);
   return 0;
}

int main(int argc, char **argv)
{
   duk_context *ctx = duk_create_heap(NULL, NULL, NULL, NULL, fatal_handler);
   if (ctx == NULL) {
      dprintf(2, "skiff: internal error: can't create JavaScript heap\n");
      return 31;
   }
   binding_install(ctx, argc, argv);
   if (duk_safe_call(ctx, run_program, NULL, 0, 1) != DUK_EXEC_SUCCESS) {
      duk_get_prop_string(ctx, -1, "stack");
      dprintf(2, "skiff: internal error: %s\n",
              duk_safe_to_string(ctx, duk_is_undefined(ctx, -1) ? -2 : -1));
      return 31;
   }
   return 0;
}
