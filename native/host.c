/* skiff's native host: creates a Duktape heap, installs the syscall binding
   (binding.c) as the global `native`, loads the TypeScript program from
   bytecode embedded in this binary and runs it. The program decides
   everything, including the exit status; this file only starts it.

   The process stays single-threaded: Duktape starts no threads, and the
   kernel refuses unshare(CLONE_NEWUSER) to a multithreaded process
   (https://man7.org/linux/man-pages/man2/unshare.2.html, EINVAL). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
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

/* The units (src/unit/unit.ts), likewise: units.h (made by
   scripts/bundle.mjs) lists them as UNIT(name), each compiled to
   UNIT_DIR/unit-name.bc. */
#define UNIT(name)                                                      \
   __asm__(".section .rodata\n"                                         \
           ".balign 16\n"                                               \
           "skiff_unit_" #name ":\n"                                    \
           ".incbin \"" UNIT_DIR "/unit-" #name ".bc\"\n"               \
           "skiff_unit_" #name "_end:\n"                                \
           ".previous\n");                                              \
   extern const char skiff_unit_##name[] __asm__("skiff_unit_" #name);  \
   extern const char skiff_unit_##name##_end[] __asm__("skiff_unit_" #name "_end");
#include "units.h"
#undef UNIT

static const struct unit {
   const char *name;
   const char *start, *end;
} units[] = {
#define UNIT(name) { #name, skiff_unit_##name, skiff_unit_##name##_end },
#include "units.h"
#undef UNIT
};

/* Duktape's memory comes from an arena whose blocks are never reused: skiff
   lives for milliseconds before it execs, so a bump pointer serves it better
   than malloc(). The arena asks for transparent huge pages: one page fault
   for the whole heap instead of one per 4 KiB page touched, which on virtual
   machines (where a fresh page can cost over 10 µs) was a large share of the
   launch. Blocks are 8-byte aligned, as Duktape needs (DUK_USE_ALIGN_BY),
   and carry no header: realloc copies up to the new size from the old block
   onwards, which stays inside the arena's used part. Once the arena is full
   (a long-running skiff, such as the SquashFS supervisor), blocks come from
   malloc and are freed normally. After a fork(2) (the SquashFS supervisor's)
   both processes go on from the next huge page: every page used so far is
   shared copy-on-write, and a block allocated in it would cost a page
   fault and a copy of 4 KiB each (20 of the container process's 100 page
   faults up to the exec); an untouched huge page costs one fault. */
#define HUGE_PAGE_SIZE (2u << 20)
#define ARENA_SIZE (4 * HUGE_PAGE_SIZE) // reserved; only what is used costs
static char *arena;
static size_t arena_used;
static char *arena_last; // the newest block can grow in place

static void arena_skip_to_huge_page(void)
{
   arena_used = (arena_used + HUGE_PAGE_SIZE - 1) & ~(size_t)(HUGE_PAGE_SIZE - 1);
   arena_last = NULL; // grows by a copy from now on
}

static void arena_init(void)
{
   char *m = mmap(NULL, ARENA_SIZE + HUGE_PAGE_SIZE, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
   if (m == MAP_FAILED)
      return; // malloc only
   arena = (char *)(((uintptr_t)m + HUGE_PAGE_SIZE - 1) & ~(uintptr_t)(HUGE_PAGE_SIZE - 1));
   (void)madvise(arena, ARENA_SIZE, MADV_HUGEPAGE); // a hint: 4 KiB pages work too
   (void)pthread_atfork(NULL, arena_skip_to_huge_page, arena_skip_to_huge_page);
}

/* Bytes a block of size bytes takes: at least 8, so that no two blocks
   share an address, even empty ones. */
static size_t block_bytes(size_t size)
{
   return size == 0 ? 8u : (size + 7u) & ~(size_t)7u;
}

static int in_arena(const void *p)
{
   return arena != NULL && (const char *)p >= arena && (const char *)p < arena + ARENA_SIZE;
}

static void *arena_alloc(void *udata, duk_size_t size)
{
   (void)udata;
   if (arena == NULL || block_bytes(size) > ARENA_SIZE - arena_used)
      return malloc(size);
   arena_last = arena + arena_used;
   arena_used += block_bytes(size);
   return arena_last;
}

static void *arena_realloc(void *udata, void *ptr, duk_size_t size)
{
   size_t start, tail;
   void *fresh;
   if (ptr == NULL)
      return arena_alloc(udata, size);
   if (!in_arena(ptr))
      return realloc(ptr, size);
   start = (size_t)((char *)ptr - arena);
   if (ptr == arena_last && block_bytes(size) <= ARENA_SIZE - start) {
      arena_used = start + block_bytes(size);
      return ptr;
   }
   tail = arena_used - start; // the old block and whatever follows it
   fresh = arena_alloc(udata, size);
   if (fresh != NULL)
      memcpy(fresh, ptr, size < tail ? size : tail);
   return fresh;
}

static void arena_free(void *udata, void *ptr)
{
   (void)udata;
   if (!in_arena(ptr))
      free(ptr);
}

/* Duktape calls this for errors it cannot throw (out of memory, uncaught
   error outside any protected call); there is no program left to ask. */
static void fatal_handler(void *udata, const char *msg)
{
   (void)udata;
   dprintf(2, "skiff: internal error: %s\n", msg ? msg : "(no message)");
   _exit(31);
}

/* Load bytecode as a function: the program's, or a unit's. The loader reads
   it in place (an external buffer) and copies what it keeps. */
static void load_bytecode(duk_context *ctx, const char *start, const char *end)
{
   duk_push_external_buffer(ctx);
   duk_config_buffer(ctx, -1, (void *)start, (duk_size_t)(end - start));
   duk_load_function(ctx);
}

/* native.load_unit(name): the unit's function (src/unit/unit.ts). */
static duk_ret_t load_unit(duk_context *ctx)
{
   const char *name = duk_require_string(ctx, 0);
   for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
      if (strcmp(units[i].name, name) == 0) {
         load_bytecode(ctx, units[i].start, units[i].end);
         return 1;
      }
   return duk_error(ctx, DUK_ERR_RANGE_ERROR, "no unit named %s in this binary", name);
}

/* An exception that escapes the program is a bug in skiff: report its
   stack so it can be fixed. */
static duk_ret_t run_program(duk_context *ctx, void *udata)
{
   (void)udata;
   load_bytecode(ctx, skiff_program, skiff_program_end);
   duk_call(ctx, 0);
   return 0;
}

int main(int argc, char **argv)
{
   duk_context *ctx;
   arena_init();
   ctx = duk_create_heap(arena_alloc, arena_realloc, arena_free, NULL, fatal_handler);
   if (ctx == NULL) {
      dprintf(2, "skiff: internal error: can't create JavaScript heap\n");
      return 31;
   }
   binding_install(ctx, argc, argv);
   duk_get_global_string(ctx, "native");
   duk_push_c_function(ctx, load_unit, 1);
   duk_put_prop_string(ctx, -2, "load_unit");
   duk_pop(ctx);
   if (duk_safe_call(ctx, run_program, NULL, 0, 1) != DUK_EXEC_SUCCESS) {
      duk_get_prop_string(ctx, -1, "stack");
      dprintf(2, "skiff: internal error: %s\n",
              duk_safe_to_string(ctx, duk_is_undefined(ctx, -1) ? -2 : -1));
      return 31;
   }
   return 0;
}
