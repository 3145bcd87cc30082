/* The *at calls: paths relative to a directory file descriptor, so that
   code writing inside an image (src/archive/) can walk it one component at
   a time from the image's root fd and never follow a symlink it laid
   itself. One libc call each, as in binding.c; fds close-on-exec. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "binding.h"

#define FAIL(call, path, path2) return throw_errno(ctx, errno, call, path, path2)

/* openat(dirfd, path, flags[, mode]) */
static duk_ret_t b_openat(duk_context *ctx)
{
   const char *path = arg_bytes(ctx, 1);
   int fd = openat(duk_require_int(ctx, 0), path, duk_require_int(ctx, 2) | O_CLOEXEC,
                   (mode_t)duk_opt_uint(ctx, 3, 0));
   if (fd < 0)
      FAIL("openat", path, NULL);
   duk_push_int(ctx, fd);
   return 1;
}

static duk_ret_t b_mkdirat(duk_context *ctx)
{
   const char *path = arg_bytes(ctx, 1);
   if (mkdirat(duk_require_int(ctx, 0), path, (mode_t)duk_require_uint(ctx, 2)))
      FAIL("mkdirat", path, NULL);
   return 0;
}

/* mknodat(dirfd, path, mode, 0): FIFOs and regular files only, as an
   unprivileged user may make (no device numbers). */
static duk_ret_t b_mknodat(duk_context *ctx)
{
   const char *path = arg_bytes(ctx, 1);
   if (mknodat(duk_require_int(ctx, 0), path, (mode_t)duk_require_uint(ctx, 2), 0))
      FAIL("mknodat", path, NULL);
   return 0;
}

static duk_ret_t b_unlinkat(duk_context *ctx)
{
   const char *path = arg_bytes(ctx, 1);
   if (unlinkat(duk_require_int(ctx, 0), path, duk_require_int(ctx, 2)))
      FAIL("unlinkat", path, NULL);
   return 0;
}

/* symlinkat(target, dirfd, linkpath) */
static duk_ret_t b_symlinkat(duk_context *ctx)
{
   const char *target = arg_bytes(ctx, 0);
   const char *link = arg_bytes(ctx, 2);
   if (symlinkat(target, duk_require_int(ctx, 1), link))
      FAIL("symlinkat", link, target);
   return 0;
}

static duk_ret_t b_fchmodat(duk_context *ctx)
{
   const char *path = arg_bytes(ctx, 1);
   if (fchmodat(duk_require_int(ctx, 0), path, (mode_t)duk_require_uint(ctx, 2), duk_require_int(ctx, 3)))
      FAIL("fchmodat", path, NULL);
   return 0;
}

static duk_ret_t b_fchmod(duk_context *ctx)
{
   if (fchmod(duk_require_int(ctx, 0), (mode_t)duk_require_uint(ctx, 1)))
      FAIL("fchmod", NULL, NULL);
   return 0;
}

static duk_ret_t b_fstatat(duk_context *ctx)
{
   const char *path = arg_bytes(ctx, 1);
   struct stat st;
   if (fstatat(duk_require_int(ctx, 0), path, &st, duk_require_int(ctx, 2)))
      FAIL("fstatat", path, NULL);
   return push_stat(ctx, &st);
}

/* utimensat(dirfd, path, atime, mtime, flags), times in whole seconds. */
static duk_ret_t b_utimensat(duk_context *ctx)
{
   const char *path = arg_bytes(ctx, 1);
   struct timespec t[2] = { { (time_t)duk_require_number(ctx, 2), 0 },
                            { (time_t)duk_require_number(ctx, 3), 0 } };
   if (utimensat(duk_require_int(ctx, 0), path, t, duk_require_int(ctx, 4)))
      FAIL("utimensat", path, NULL);
   return 0;
}

const duk_function_list_entry at_functions[] = {
   { "openat", b_openat, DUK_VARARGS },
   { "mkdirat", b_mkdirat, 3 },
   { "mknodat", b_mknodat, 3 },
   { "unlinkat", b_unlinkat, 3 },
   { "symlinkat", b_symlinkat, 3 },
   { "fchmodat", b_fchmodat, 4 },
   { "fchmod", b_fchmod, 2 },
   { "fstatat", b_fstatat, 3 },
   { "utimensat", b_utimensat, 5 },
   { NULL, NULL, 0 }
};
