#ifndef SKIFF_DIGEST_H
#define SKIFF_DIGEST_H
#include <stddef.h>
#include "duktape.h"

/* SHA-256 for another binding that hashes the bytes it passes on
   (curl.c: a blob as it is written), so they need not be read back.
   sha256_begin opens libcrypto if need be and throws on failure;
   sha256_push_hex pushes the digest as lowercase hex and frees md. */
void *sha256_begin(duk_context *ctx);
int sha256_update(void *md, const void *data, size_t len);
duk_ret_t sha256_push_hex(duk_context *ctx, void *md);
void sha256_free(void *md);

#endif
