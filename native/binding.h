#ifndef SKIFF_BINDING_H
#define SKIFF_BINDING_H
#include "duktape.h"

/* Install the global object `native`: one function per libc call, plus
   `argv` and `constants`. Declared for TypeScript in src/sys/native.d.ts. */
void binding_install(duk_context *ctx, int argc, char **argv);

#endif
