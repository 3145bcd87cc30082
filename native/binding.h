#ifndef SKIFF_BINDING_H
#define SKIFF_BINDING_H
#include <sys/stat.h>
#include "duktape.h"

/* Install the global object `native`: one function per libc call, plus
   `argv` and `linkage` ("static" or "dynamic": how the Makefile built this
   binary, -DSKIFF_STATIC; the static build also restricts glibc's NSS to
   its files backend). Declared for TypeScript in src/sys/native.d.ts; the
   numbers the calls take are the program's own (native/constants.def). */
void binding_install(duk_context *ctx, int argc, char **argv);

/* binding.c's conversions, shared by the bindings in other files
   (see "Strings" and "Errors" there). */
void push_bytes(duk_context *ctx, const char *s, size_t len);
const char *arg_bytes(duk_context *ctx, duk_idx_t idx);
const char *arg_lbytes(duk_context *ctx, duk_idx_t idx, duk_size_t *len);
duk_ret_t throw_errno(duk_context *ctx, int err, const char *call, const char *path, const char *path2);
/* A library's failure: its own code name and description, not errno's. */
duk_ret_t throw_error(duk_context *ctx, int number, const char *code, const char *call,
                      const char *path, const char *path2, const char *desc);
duk_ret_t push_stat(duk_context *ctx, const struct stat *st);

/* Further function lists binding_install() puts into `native` (the last
   three in the dynamic build only: they dlopen() their library). */
extern const duk_function_list_entry at_functions[];      // at.c
extern const duk_function_list_entry archive_functions[]; // archive.c
extern const duk_function_list_entry curl_functions[];   // curl.c
extern const duk_function_list_entry digest_functions[]; // digest.c

#endif
