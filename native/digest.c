/* SHA-256 through libcrypto's EVP interface, opened on first use (dl.h):
   OpenSSL's code uses the CPU's SHA extensions where there are some. */
#define _GNU_SOURCE
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "binding.h"
#include "digest.h"
#include "dl.h"

static void *lib;
static EVP_MD_CTX *(*p_ctx_new)(void);
static void (*p_ctx_free)(EVP_MD_CTX *);
static const EVP_MD *(*p_sha256)(void);
static int (*p_init)(EVP_MD_CTX *, const EVP_MD *, ENGINE *);
static int (*p_update)(EVP_MD_CTX *, const void *, size_t);
static int (*p_final)(EVP_MD_CTX *, unsigned char *, unsigned int *);

static const struct dl_symbol symbols[] = {
   { "EVP_MD_CTX_new", (void **)&p_ctx_new },
   { "EVP_MD_CTX_free", (void **)&p_ctx_free },
   { "EVP_sha256", (void **)&p_sha256 },
   { "EVP_DigestInit_ex", (void **)&p_init },
   { "EVP_DigestUpdate", (void **)&p_update },
   { "EVP_DigestFinal_ex", (void **)&p_final },
   { NULL, NULL },
};

/* Large reads: a layer is hashed at memory speed, not syscall speed. */
#define CHUNK (4 << 20)

void *sha256_begin(duk_context *ctx)
{
   EVP_MD_CTX *md;
   dl_require(ctx, &lib, "libcrypto.so.3", symbols);
   if ((md = p_ctx_new()) == NULL)
      (void)throw_errno(ctx, ENOMEM, "EVP_MD_CTX_new", NULL, NULL);
   if (!p_init(md, p_sha256(), NULL)) {
      p_ctx_free(md);
      (void)throw_error(ctx, 0, "EEVP", "EVP_DigestInit_ex", "sha256", NULL, "failed");
   }
   return md;
}

/* The digest as lowercase hex, pushed; md freed. */
duk_ret_t sha256_push_hex(duk_context *ctx, void *md)
{
   unsigned char sum[EVP_MAX_MD_SIZE];
   unsigned int n = 0;
   char hex[2 * EVP_MAX_MD_SIZE + 1];
   int ok = p_final(md, sum, &n);
   p_ctx_free(md);
   if (!ok)
      return throw_error(ctx, 0, "EEVP", "EVP_DigestFinal_ex", "sha256", NULL, "failed");
   for (unsigned int i = 0; i < n; i++)
      snprintf(hex + 2 * i, 3, "%02x", sum[i]);
   duk_push_lstring(ctx, hex, 2 * n);
   return 1;
}

int sha256_update(void *md, const void *data, size_t len)
{
   return p_update(md, data, len);
}

void sha256_free(void *md)
{
   p_ctx_free(md);
}

/* sha256_fd(fd): the SHA-256 of what is left to read from fd, as hex. */
static duk_ret_t b_sha256_fd(duk_context *ctx)
{
   int fd = duk_require_int(ctx, 0);
   EVP_MD_CTX *md = sha256_begin(ctx);
   char *buf = malloc(CHUNK);
   ssize_t got;
   if (buf == NULL) {
      p_ctx_free(md);
      return throw_errno(ctx, ENOMEM, "malloc", NULL, NULL);
   }
   for (;;) {
      got = read(fd, buf, CHUNK);
      if (got < 0 && errno == EINTR)
         continue;
      if (got <= 0)
         break;
      if (!p_update(md, buf, (size_t)got)) {
         got = -2;
         break;
      }
   }
   if (got < 0) {
      int err = errno;
      free(buf);
      p_ctx_free(md);
      if (got == -2)
         return throw_error(ctx, 0, "EEVP", "EVP_DigestUpdate", "sha256", NULL, "failed");
      return throw_errno(ctx, err, "read", NULL, NULL);
   }
   free(buf);
   return sha256_push_hex(ctx, md);
}

/* sha256_bytes(s): the SHA-256 of the bytes s stands for, as hex. */
static duk_ret_t b_sha256_bytes(duk_context *ctx)
{
   duk_size_t len;
   const char *s = arg_lbytes(ctx, 0, &len);
   EVP_MD_CTX *md = sha256_begin(ctx);
   if (!p_update(md, s, len)) {
      p_ctx_free(md);
      return throw_error(ctx, 0, "EEVP", "EVP_DigestUpdate", "sha256", NULL, "failed");
   }
   return sha256_push_hex(ctx, md);
}

const duk_function_list_entry digest_functions[] = {
   { "sha256_fd", b_sha256_fd, 1 },
   { "sha256_bytes", b_sha256_bytes, 1 },
   { NULL, NULL, 0 }
};
