/* libarchive, for `skiff import` and `skiff pull` (src/archive/): reading
   tar archives, compressed or not, one library call a function. The
   library is dlopen()ed on first use, not linked: a plain `skiff run` maps
   none of it (README "Lean launch path"). libarchive only reads; every
   decision about an entry (where it goes, whether it is refused) is the
   program's, which writes data through fds it opened itself.

   A reader is a Duktape pointer value; the program frees it. A failure
   throws an error shaped as binding.c's (syscall, errno, code, strerror),
   with libarchive's message as its strerror. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <archive.h>
#include <archive_entry.h>
#include "binding.h"
#include "dl.h"

/* The functions bound, resolved together on first use (dl.h). */
static struct {
   void *lib;
   struct archive *(*read_new)(void);
   int (*read_support_filter_all)(struct archive *);
   int (*read_support_format_tar)(struct archive *);
   int (*read_open_fd)(struct archive *, int, size_t);
   int (*read_next_header)(struct archive *, struct archive_entry **);
   int (*read_data_into_fd)(struct archive *, int);
   int (*read_data_skip)(struct archive *);
   la_int64_t (*filter_bytes)(struct archive *, int);
   int (*read_free)(struct archive *);
   const char *(*error_string)(struct archive *);
   int (*errno_)(struct archive *);
   const char *(*entry_pathname)(struct archive_entry *);
   const char *(*entry_hardlink)(struct archive_entry *);
   const char *(*entry_symlink)(struct archive_entry *);
   __LA_MODE_T (*entry_filetype)(struct archive_entry *);
   __LA_MODE_T (*entry_perm)(struct archive_entry *);
   la_int64_t (*entry_size)(struct archive_entry *);
   la_int64_t (*entry_uid)(struct archive_entry *);
   la_int64_t (*entry_gid)(struct archive_entry *);
   time_t (*entry_mtime)(struct archive_entry *);
} la;

/* libarchive's failure: its errno's name if it set one (else EARCHIVE),
   its message as the description. */
static duk_ret_t throw_archive(duk_context *ctx, int err, const char *call, const char *message)
{
   const char *code = err > 0 ? strerrorname_np(err) : NULL;
   return throw_error(ctx, err, code ? code : "EARCHIVE", call, NULL, NULL, message);
}

/* The symbols bound, by name. */
static const struct dl_symbol symbols[] = {
#define SYM(field, name) { #name, (void **)&la.field }
   SYM(read_new, archive_read_new),
   SYM(read_support_filter_all, archive_read_support_filter_all),
   SYM(read_support_format_tar, archive_read_support_format_tar),
   SYM(read_open_fd, archive_read_open_fd),
   SYM(read_next_header, archive_read_next_header),
   SYM(read_data_into_fd, archive_read_data_into_fd),
   SYM(read_data_skip, archive_read_data_skip),
   SYM(filter_bytes, archive_filter_bytes),
   SYM(read_free, archive_read_free),
   SYM(error_string, archive_error_string),
   SYM(errno_, archive_errno),
   SYM(entry_pathname, archive_entry_pathname),
   SYM(entry_hardlink, archive_entry_hardlink),
   SYM(entry_symlink, archive_entry_symlink),
   SYM(entry_filetype, archive_entry_filetype),
   SYM(entry_perm, archive_entry_perm),
   SYM(entry_size, archive_entry_size),
   SYM(entry_uid, archive_entry_uid),
   SYM(entry_gid, archive_entry_gid),
   SYM(entry_mtime, archive_entry_mtime),
#undef SYM
   { NULL, NULL },
};

static struct archive *arg_archive(duk_context *ctx, duk_idx_t idx)
{
   struct archive *a = duk_require_pointer(ctx, idx);
   if (a == NULL)
      (void)duk_type_error(ctx, "not an archive reader");
   return a;
}

/* A libarchive status: ARCHIVE_OK and ARCHIVE_WARN go on (a warning is the
   caller's to fetch), anything worse throws libarchive's message. */
static void check(duk_context *ctx, struct archive *a, int status, const char *call)
{
   if (status < ARCHIVE_WARN) {
      const char *msg = la.error_string(a);
      (void)throw_archive(ctx, la.errno_(a), call, msg ? msg : "failed");
   }
}

static duk_ret_t b_archive_read_new(duk_context *ctx)
{
   struct archive *a;
   dl_require(ctx, &la.lib, "libarchive.so.13", symbols);
   if ((a = la.read_new()) == NULL)
      return throw_errno(ctx, ENOMEM, "archive_read_new", NULL, NULL);
   duk_push_pointer(ctx, a);
   return 1;
}

/* Every compression libarchive knows (gzip, zstd, xz, ... or none). */
static duk_ret_t b_archive_read_support_filter_all(duk_context *ctx)
{
   struct archive *a = arg_archive(ctx, 0);
   check(ctx, a, la.read_support_filter_all(a), "archive_read_support_filter_all");
   return 0;
}

/* Tar in its forms (ustar, pax, GNU): no other format is read. */
static duk_ret_t b_archive_read_support_format_tar(duk_context *ctx)
{
   struct archive *a = arg_archive(ctx, 0);
   check(ctx, a, la.read_support_format_tar(a), "archive_read_support_format_tar");
   return 0;
}

/* archive_read_open_fd(a, fd, block_size): the fd stays the caller's. */
static duk_ret_t b_archive_read_open_fd(duk_context *ctx)
{
   struct archive *a = arg_archive(ctx, 0);
   check(ctx, a, la.read_open_fd(a, duk_require_int(ctx, 1), (size_t)duk_require_uint(ctx, 2)),
         "archive_read_open_fd");
   return 0;
}

static void put_field(duk_context *ctx, const char *key, const char *bytes)
{
   if (bytes)
      push_bytes(ctx, bytes, strlen(bytes));
   else
      duk_push_null(ctx);
   duk_put_prop_string(ctx, -2, key);
}

/* The next entry's header, as a bare object of its fields (read off
   struct archive_entry as binding.c's stat reads struct stat), or null at
   the end. A warning (e.g. a name not in this locale's charset: the bytes
   come as they are) is the entry's `warning`. */
static duk_ret_t b_archive_read_next_header(duk_context *ctx)
{
   struct archive *a = arg_archive(ctx, 0);
   struct archive_entry *e;
   int status;
   do
      status = la.read_next_header(a, &e);
   while (status == ARCHIVE_RETRY);
   if (status == ARCHIVE_EOF) {
      duk_push_null(ctx);
      return 1;
   }
   check(ctx, a, status, "archive_read_next_header");
   duk_push_bare_object(ctx);
   put_field(ctx, "path", la.entry_pathname(e));
   put_field(ctx, "hardlink", la.entry_hardlink(e));
   put_field(ctx, "symlink", la.entry_symlink(e));
   duk_push_uint(ctx, la.entry_filetype(e));
   duk_put_prop_literal(ctx, -2, "type");
   duk_push_uint(ctx, la.entry_perm(e));
   duk_put_prop_literal(ctx, -2, "perm");
   duk_push_number(ctx, (double)la.entry_size(e));
   duk_put_prop_literal(ctx, -2, "size");
   duk_push_number(ctx, (double)la.entry_uid(e));
   duk_put_prop_literal(ctx, -2, "uid");
   duk_push_number(ctx, (double)la.entry_gid(e));
   duk_put_prop_literal(ctx, -2, "gid");
   duk_push_number(ctx, (double)la.entry_mtime(e));
   duk_put_prop_literal(ctx, -2, "mtime");
   if (status == ARCHIVE_WARN)
      put_field(ctx, "warning", la.error_string(a));
   return 1;
}

/* The current entry's data, written to fd (which the program opened). */
static duk_ret_t b_archive_read_data_into_fd(duk_context *ctx)
{
   struct archive *a = arg_archive(ctx, 0);
   check(ctx, a, la.read_data_into_fd(a, duk_require_int(ctx, 1)), "archive_read_data_into_fd");
   return 0;
}

static duk_ret_t b_archive_read_data_skip(duk_context *ctx)
{
   struct archive *a = arg_archive(ctx, 0);
   check(ctx, a, la.read_data_skip(a), "archive_read_data_skip");
   return 0;
}

/* Bytes read so far from the file (before decompression), for progress. */
static duk_ret_t b_archive_filter_bytes(duk_context *ctx)
{
   struct archive *a = arg_archive(ctx, 0);
   duk_push_number(ctx, (double)la.filter_bytes(a, -1));
   return 1;
}

static duk_ret_t b_archive_read_free(duk_context *ctx)
{
   struct archive *a = arg_archive(ctx, 0);
   // a is gone whatever the result: no error string to ask it for
   if (la.read_free(a) < ARCHIVE_WARN)
      return throw_archive(ctx, 0, "archive_read_free", "failed");
   return 0;
}

const duk_function_list_entry archive_functions[] = {
   { "archive_read_new", b_archive_read_new, 0 },
   { "archive_read_support_filter_all", b_archive_read_support_filter_all, 1 },
   { "archive_read_support_format_tar", b_archive_read_support_format_tar, 1 },
   { "archive_read_open_fd", b_archive_read_open_fd, 3 },
   { "archive_read_next_header", b_archive_read_next_header, 1 },
   { "archive_read_data_into_fd", b_archive_read_data_into_fd, 2 },
   { "archive_read_data_skip", b_archive_read_data_skip, 1 },
   { "archive_filter_bytes", b_archive_filter_bytes, 1 },
   { "archive_read_free", b_archive_read_free, 1 },
   { NULL, NULL, 0 }
};
