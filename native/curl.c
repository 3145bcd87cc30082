/* HTTP GET through libcurl, opened on first use (dl.h): `skiff run` never
   maps it. One call, http_get(url, request), makes one request as the
   program describes it (headers, TLS verification, CA file, redirects,
   time-outs) and writes the body into the file descriptor the program
   opened (and a second, a pipe, if asked: the same bytes go to both,
   hashed on the way if asked), or returns it as a string when that is -1.
   src/registry/ decides what to ask for and what a response means. */
#define _GNU_SOURCE
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "binding.h"
#include "digest.h"
#include "dl.h"

static void *lib;
static CURLcode (*p_global_init)(long);
static CURL *(*p_easy_init)(void);
static void (*p_easy_reset)(CURL *);
static CURLcode (*p_easy_setopt)(CURL *, CURLoption, ...);
static CURLcode (*p_easy_perform)(CURL *);
static CURLcode (*p_easy_getinfo)(CURL *, CURLINFO, ...);
static const char *(*p_easy_strerror)(CURLcode);
static struct curl_slist *(*p_slist_append)(struct curl_slist *, const char *);
static void (*p_slist_free_all)(struct curl_slist *);

static const struct dl_symbol symbols[] = {
   { "curl_global_init", (void **)&p_global_init },
   { "curl_easy_init", (void **)&p_easy_init },
   { "curl_easy_reset", (void **)&p_easy_reset },
   { "curl_easy_setopt", (void **)&p_easy_setopt },
   { "curl_easy_perform", (void **)&p_easy_perform },
   { "curl_easy_getinfo", (void **)&p_easy_getinfo },
   { "curl_easy_strerror", (void **)&p_easy_strerror },
   { "curl_slist_append", (void **)&p_slist_append },
   { "curl_slist_free_all", (void **)&p_slist_free_all },
   { NULL, NULL },
};

/* One handle for the whole run, reset between requests: its connection
   cache lets a pull's requests to one registry share a connection. */
static CURL *handle;

struct transfer {
   duk_context *ctx;
   const char *url;
   int fd;                  /* -1: body kept in buf */
   int tee;                 /* -1, or a second fd the body goes to */
   long fd_status;          /* only this status's body goes to fd (0: any) */
   char *out;               /* bytes gathered for fd (and tee) ... */
   size_t out_len, out_cap; /* ... written when out_cap are there */
   void *md;                /* SHA-256 of what goes to fd, or NULL */
   char *buf;
   size_t len, cap, max;    /* buf's bytes; max: refuse a longer body */
   int write_errno;         /* write(2) failed with this */
   int too_long;
   int hash_failed;
   duk_idx_t headers;       /* array of the last response's header lines */
   duk_uarridx_t nheaders;
   duk_idx_t progress;      /* function, or -1 */
   double interval, last;   /* seconds between progress calls; last call */
   int progress_threw;      /* its error is on the stack top */
};

static double now_seconds(void)
{
   struct timespec t;
   clock_gettime(CLOCK_MONOTONIC, &t);
   return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* data written whole to fd. */
static int write_all(struct transfer *t, int fd, const char *data, size_t len)
{
   while (len > 0) {
      ssize_t w = write(fd, data, len);
      if (w < 0 && errno == EINTR)
         continue;
      if (w < 0) {
         t->write_errno = errno;
         return 0;
      }
      data += w;
      len -= (size_t)w;
   }
   return 1;
}

static int put(struct transfer *t, const char *data, size_t len)
{
   return write_all(t, t->fd, data, len) && (t->tee < 0 || write_all(t, t->tee, data, len));
}

static int flush(struct transfer *t)
{
   size_t len = t->out_len;
   t->out_len = 0;
   return put(t, t->out, len);
}

/* Does this response's body go to fd? The status is known once its
   headers are in, before any of its body. */
static int to_fd(struct transfer *t)
{
   long status = 0;
   if (t->fd < 0)
      return 0;
   if (t->fd_status == 0)
      return 1;
   p_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
   return status == t->fd_status;
}

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
   struct transfer *t = arg;
   size_t len = size * n;
   if (to_fd(t)) {
      if (t->md != NULL && !sha256_update(t->md, data, len)) {
         t->hash_failed = 1;
         return 0;
      }
      if (t->out_len + len > t->out_cap && t->out_len > 0 && !flush(t))
         return 0;
      if (len >= t->out_cap)
         return put(t, data, len) ? len : 0;
      memcpy(t->out + t->out_len, data, len);
      t->out_len += len;
      return len;
   }
   if (t->len + len > t->max) {
      t->too_long = 1;
      return 0;
   }
   if (t->len + len > t->cap) {
      size_t cap = 2 * (t->len + len);
      char *b = realloc(t->buf, cap);
      if (b == NULL) {
         t->write_errno = ENOMEM;
         return 0;
      }
      t->buf = b;
      t->cap = cap;
   }
   memcpy(t->buf + t->len, data, len);
   t->len += len;
   return len;
}

/* Header lines of the last response only: a redirect's or a 100
   Continue's start over at their status line. */
static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
   struct transfer *t = arg;
   size_t len = size * n, trimmed = len;
   while (trimmed > 0 && (data[trimmed - 1] == '\n' || data[trimmed - 1] == '\r'))
      trimmed--;
   if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
      duk_push_array(t->ctx);
      duk_replace(t->ctx, t->headers);
      t->nheaders = 0;
   } else if (trimmed > 0) {
      push_bytes(t->ctx, data, trimmed);
      duk_put_prop_index(t->ctx, t->headers, t->nheaders++);
   }
   return len;
}

/* The program's progress function, called at most every interval
   seconds with (bytes received, bytes expected or 0); an error it throws
   ends the transfer and is thrown again once the handle is clean. */
static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
   struct transfer *t = arg;
   double now = now_seconds();
   if (now - t->last < t->interval && !(dltotal > 0 && dlnow == dltotal))
      return 0;
   t->last = now;
   duk_dup(t->ctx, t->progress);
   duk_push_number(t->ctx, (double)dlnow);
   duk_push_number(t->ctx, (double)dltotal);
   if (duk_pcall(t->ctx, 2) != DUK_EXEC_SUCCESS) {
      t->progress_threw = 1;
      return 1;
   }
   duk_pop(t->ctx);
   return 0;
}

static void release(struct transfer *t)
{
   free(t->buf);
   free(t->out);
   if (t->md != NULL)
      sha256_free(t->md);
}

static const char *opt_string(duk_context *ctx, duk_idx_t obj, const char *key)
{
   const char *s = NULL;
   if (duk_get_prop_string(ctx, obj, key) && !duk_is_null_or_undefined(ctx, -1))
      s = arg_bytes(ctx, -1);
   else
      duk_pop(ctx);
   return s; /* the value stays on the stack while s is used */
}

static double opt_number(duk_context *ctx, duk_idx_t obj, const char *key, double dflt)
{
   double v;
   duk_get_prop_string(ctx, obj, key);
   v = duk_is_number(ctx, -1) ? duk_get_number(ctx, -1) : dflt;
   duk_pop(ctx);
   return v;
}

/* http_get(url, request) → { status, headers, url, body? }; request
   (src/sys/native.d.ts, HttpRequest) holds every choice. */
static duk_ret_t b_http_get(duk_context *ctx)
{
   const char *url = arg_bytes(ctx, 0);
   struct transfer t = { .ctx = ctx, .url = url, .progress = -1 };
   struct curl_slist *headers = NULL;
   char errbuf[CURL_ERROR_SIZE] = "";
   const char *s;
   CURLcode rc;
   long status = 0;
   char *effective = NULL;

   duk_require_object(ctx, 1);
   dl_require(ctx, &lib, "libcurl.so.4", symbols);
   if (handle == NULL) {
      if ((rc = p_global_init(CURL_GLOBAL_DEFAULT)) != CURLE_OK)
         return throw_error(ctx, rc, "ECURL", "curl_global_init", NULL, NULL, p_easy_strerror(rc));
      if ((handle = p_easy_init()) == NULL)
         return throw_errno(ctx, ENOMEM, "curl_easy_init", NULL, NULL);
   }
   p_easy_reset(handle);

   t.fd = (int)opt_number(ctx, 1, "fd", -1);
   t.tee = (int)opt_number(ctx, 1, "teeFd", -1);
   t.fd_status = (long)opt_number(ctx, 1, "fdStatus", 0);
   t.max = (size_t)opt_number(ctx, 1, "maxBody", 1 << 20);
   t.interval = opt_number(ctx, 1, "progressSeconds", 0.1);
   if (duk_get_prop_string(ctx, 1, "progress") && duk_is_function(ctx, -1))
      t.progress = duk_get_top_index(ctx);
   duk_push_array(ctx);
   t.headers = duk_get_top_index(ctx);

   duk_get_prop_string(ctx, 1, "sha256");
   if (t.fd >= 0 && duk_to_boolean(ctx, -1))
      t.md = sha256_begin(ctx);
   duk_pop(ctx);
   t.out_cap = t.fd >= 0 ? (size_t)opt_number(ctx, 1, "writeSize", 0) : 0;
   if (t.out_cap > 0 && (t.out = malloc(t.out_cap)) == NULL) {
      release(&t);
      return throw_errno(ctx, ENOMEM, "malloc", url, NULL);
   }

   if (duk_get_prop_string(ctx, 1, "headers") && duk_is_array(ctx, -1)) {
      duk_size_t n = duk_get_length(ctx, -1);
      for (duk_size_t i = 0; i < n; i++) {
         duk_get_prop_index(ctx, -1, (duk_uarridx_t)i);
         struct curl_slist *h = p_slist_append(headers, arg_bytes(ctx, -1));
         duk_pop(ctx);
         if (h == NULL) {
            p_slist_free_all(headers);
            release(&t);
            return throw_errno(ctx, ENOMEM, "curl_slist_append", url, NULL);
         }
         headers = h;
      }
   }

   p_easy_setopt(handle, CURLOPT_URL, url);
   p_easy_setopt(handle, CURLOPT_HTTPHEADER, headers);
   p_easy_setopt(handle, CURLOPT_ERRORBUFFER, errbuf);
   p_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
   if (opt_number(ctx, 1, "http11", 0) != 0)
      p_easy_setopt(handle, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
   p_easy_setopt(handle, CURLOPT_BUFFERSIZE, (long)opt_number(ctx, 1, "bufferSize", 0));
   p_easy_setopt(handle, CURLOPT_WRITEFUNCTION, on_body);
   p_easy_setopt(handle, CURLOPT_WRITEDATA, &t);
   p_easy_setopt(handle, CURLOPT_HEADERFUNCTION, on_header);
   p_easy_setopt(handle, CURLOPT_HEADERDATA, &t);
   if ((s = opt_string(ctx, 1, "protocols")) != NULL) {
      p_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, s);
      p_easy_setopt(handle, CURLOPT_REDIR_PROTOCOLS_STR, s);
   }
   if ((s = opt_string(ctx, 1, "userAgent")) != NULL)
      p_easy_setopt(handle, CURLOPT_USERAGENT, s);
   if ((s = opt_string(ctx, 1, "caFile")) != NULL)
      p_easy_setopt(handle, CURLOPT_CAINFO, s);
   if (opt_number(ctx, 1, "verify", 1) == 0) {
      p_easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, 0L);
      p_easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, 0L);
   }
   long redirects = (long)opt_number(ctx, 1, "maxRedirects", 0);
   p_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, redirects > 0 ? 1L : 0L);
   p_easy_setopt(handle, CURLOPT_MAXREDIRS, redirects);
   p_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, (long)opt_number(ctx, 1, "connectTimeoutMs", 0));
   p_easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT, (long)opt_number(ctx, 1, "lowSpeedBytes", 0));
   p_easy_setopt(handle, CURLOPT_LOW_SPEED_TIME, (long)opt_number(ctx, 1, "lowSpeedSeconds", 0));
   if (t.progress >= 0) {
      p_easy_setopt(handle, CURLOPT_NOPROGRESS, 0L);
      p_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, on_progress);
      p_easy_setopt(handle, CURLOPT_XFERINFODATA, &t);
   }

   rc = p_easy_perform(handle);
   p_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
   p_easy_getinfo(handle, CURLINFO_EFFECTIVE_URL, &effective);
   p_easy_setopt(handle, CURLOPT_HTTPHEADER, NULL);
   p_easy_setopt(handle, CURLOPT_ERRORBUFFER, NULL);
   p_slist_free_all(headers);
   if (rc == CURLE_OK && t.out_len > 0 && !flush(&t))
      rc = CURLE_WRITE_ERROR;
   if (t.progress_threw) {
      release(&t);
      return duk_throw(ctx);
   }
   if (rc != CURLE_OK) {
      release(&t);
      if (t.write_errno)
         return throw_errno(ctx, t.write_errno, "write", url, NULL);
      if (t.hash_failed)
         return throw_error(ctx, 0, "EEVP", "EVP_DigestUpdate", url, NULL, "failed");
      if (t.too_long)
         return throw_error(ctx, EFBIG, "EFBIG", "curl_easy_perform", url, NULL, "response body too long");
      return throw_error(ctx, rc, "ECURL", "curl_easy_perform", url, NULL,
                         errbuf[0] ? errbuf : p_easy_strerror(rc));
   }

   duk_push_bare_object(ctx);
   duk_push_int(ctx, (duk_int_t)status);
   duk_put_prop_literal(ctx, -2, "status");
   duk_dup(ctx, t.headers);
   duk_put_prop_literal(ctx, -2, "headers");
   if (effective != NULL) {
      push_bytes(ctx, effective, strlen(effective));
      duk_put_prop_literal(ctx, -2, "url");
   }
   if (t.fd < 0 || t.len > 0) {
      push_bytes(ctx, t.buf ? t.buf : "", t.len);
      duk_put_prop_literal(ctx, -2, "body");
   }
   free(t.buf);
   free(t.out);
   if (t.md != NULL) {
      sha256_push_hex(ctx, t.md); /* frees it, throws if that failed */
      duk_put_prop_literal(ctx, -2, "sha256");
   }
   return 1;
}

const duk_function_list_entry curl_functions[] = {
   { "http_get", b_http_get, 2 },
   { NULL, NULL, 0 }
};
