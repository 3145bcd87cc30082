#ifndef SKIFF_DL_H
#define SKIFF_DL_H
#include "duktape.h"

/* Libraries that only some commands need (libcurl, libcrypto, ...) are
   opened on first use, so that `skiff run` maps none of them. */
struct dl_symbol {
   const char *name;
   void **slot;
};

/* dlopen(soname) once and fill each slot with its symbol; throws (as
   throw_errno: syscall "dlopen" or "dlsym", the path the soname) when the
   library or a symbol is missing. */
void dl_require(duk_context *ctx, void **handle, const char *soname, const struct dl_symbol *symbols);

#endif
