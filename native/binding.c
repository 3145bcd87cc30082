/* The binding: one JavaScript function per libc call, in the manner of
   Python's os module. Each function converts its arguments, makes exactly
   one call (retrying EINTR where the call blocks, as Python does since PEP
   475) and converts the result. A failure throws an Error carrying the call
   name, the errno, its name and the path(s) involved. No decisions are made
   here: what to call, when, and what a failure means is the program's
   business (src/).

   File descriptors are always opened close-on-exec so none can leak into
   the container; the program has to dup2() one explicitly to pass it on. */
#define _GNU_SOURCE
#include <argp.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <nss.h>
#include <pwd.h>
#include <sched.h>
#include <spawn.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/futex.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include "binding.h"


extern char **environ;

/** Strings: bytes in, bytes out **/

/* Linux paths, arguments, environment variables and file contents are
   bytes, not necessarily UTF-8, but Duktape strings must be UTF-8: on
   anything else its regexps, case conversion and URI functions throw, and a
   leading 0x80-0x82 or 0xFF byte makes the string a Symbol. So bytes are
   decoded as Python's "surrogateescape" does (PEP 383): each byte that is
   not part of valid UTF-8 becomes the lone surrogate U+DC00+byte, which
   valid UTF-8 can't hold; encoding turns those back into their bytes. Every
   string from libc enters through push_bytes() and every string to libc
   leaves through arg_bytes(), so any byte sequence round-trips unchanged.
   Duktape keeps U+DC80..U+DCFF as the three bytes ED B2|B3 80..BF. */

/* Length of the valid UTF-8 sequence (RFC 3629: shortest form, no
   surrogates, nothing above U+10FFFF) at p, or 0 if there is none. */
static size_t utf8_sequence(const unsigned char *p, const unsigned char *end)
{
   size_t n = p[0] < 0x80 ? 1 : p[0] < 0xc2 ? 0 : p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : p[0] < 0xf5 ? 4 : 0;
   if (n == 0 || (size_t)(end - p) < n)
      return 0;
   for (size_t i = 1; i < n; i++)
      if ((p[i] & 0xc0) != 0x80)
         return 0;
   if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0)
       || (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90))
      return 0;
   return n;
}

/* The first byte from p on that is not ASCII, or end; eight bytes a step,
   as nearly everything is ASCII. */
static const unsigned char *skip_ascii(const unsigned char *p, const unsigned char *end)
{
   uint64_t w;
   for (; end - p >= 8; p += 8) {
      memcpy(&w, p, 8);
      if (w & 0x8080808080808080u)
         break;
   }
   while (p < end && *p < 0x80)
      p++;
   return p;
}

/* Push the len bytes at s as a string. Valid UTF-8 (nearly always plain
   ASCII) is pushed as it is; otherwise each stray byte is escaped. */
void push_bytes(duk_context *ctx, const char *s, size_t len)
{
   const unsigned char *p = (const unsigned char *)s, *end = p + len;
   size_t n;
   unsigned char *buf, *out;
   while ((p = skip_ascii(p, end)) < end && (n = utf8_sequence(p, end)) != 0)
      p += n;
   if (p == end) {
      duk_push_lstring(ctx, s, len);
      return;
   }
   buf = duk_push_fixed_buffer(ctx, 3 * len); // each byte at most 3
   memcpy(buf, s, (size_t)(p - (const unsigned char *)s));
   out = buf + (p - (const unsigned char *)s);
   while (p < end) {
      if ((n = utf8_sequence(p, end)) != 0) {
         memcpy(out, p, n);
         out += n;
         p += n;
      } else {
         *out++ = 0xed;
         *out++ = 0xb0 | (*p >> 6);
         *out++ = 0x80 | (*p++ & 0x3f);
      }
   }
   duk_push_lstring(ctx, (const char *)buf, (duk_size_t)(out - buf));
   duk_remove(ctx, -2);
}

static void push_str(duk_context *ctx, const char *s)
{
   push_bytes(ctx, s, strlen(s));
}

/* The bytes the string at idx stands for, NUL-terminated, and their number
   in *len if len is not NULL. Valid while the value at idx is: if escapes
   had to be undone, a buffer of the bytes replaces the string there. */
const char *arg_lbytes(duk_context *ctx, duk_idx_t idx, duk_size_t *len)
{
   duk_size_t n;
   const char *s = duk_require_lstring(ctx, idx, &n);
   const unsigned char *p = memchr(s, 0xed, n), *end = (const unsigned char *)s + n;
   unsigned char *buf, *out;
   if (p == NULL) {
      if (len)
         *len = n;
      return s;
   }
   idx = duk_normalize_index(ctx, idx);
   buf = duk_push_fixed_buffer(ctx, n + 1);
   memcpy(buf, s, (size_t)(p - (const unsigned char *)s));
   out = buf + (p - (const unsigned char *)s);
   while (p < end) {
      if (end - p >= 3 && p[0] == 0xed && (p[1] & 0xfe) == 0xb2 && (p[2] & 0xc0) == 0x80) {
         *out++ = 0x80 | ((p[1] & 1) << 6) | (p[2] & 0x3f);
         p += 3;
      } else {
         *out++ = *p++;
      }
   }
   *out = '\0';
   if (len)
      *len = (duk_size_t)(out - buf);
   duk_replace(ctx, idx);
   return (const char *)buf;
}

const char *arg_bytes(duk_context *ctx, duk_idx_t idx)
{
   return arg_lbytes(ctx, idx, NULL);
}

/* A string argument that may be null or undefined (then NULL). */
static const char *opt_bytes(duk_context *ctx, duk_idx_t idx)
{
   return duk_is_null_or_undefined(ctx, idx) ? NULL : arg_bytes(ctx, idx);
}

/** Errors **/

/* Throw Error("CALL: PATH[ -> PATH2]: DESC") with properties syscall,
   path, path2, errno (number), code (e.g. "ENOENT") and strerror (desc). */
duk_ret_t throw_error(duk_context *ctx, int number, const char *code, const char *call,
                      const char *path, const char *path2, const char *desc)
{
   duk_idx_t e = duk_push_error_object(ctx, DUK_ERR_ERROR, "%s", call);
   push_str(ctx, call);
   duk_dup_top(ctx);
   duk_put_prop_literal(ctx, e, "syscall");
   if (path) {
      push_str(ctx, ": ");
      push_str(ctx, path);
      duk_dup_top(ctx);
      duk_put_prop_literal(ctx, e, "path");
   }
   if (path2) {
      push_str(ctx, " -> ");
      push_str(ctx, path2);
      duk_dup_top(ctx);
      duk_put_prop_literal(ctx, e, "path2");
   }
   push_str(ctx, ": ");
   push_str(ctx, desc);
   duk_dup_top(ctx);
   duk_put_prop_literal(ctx, e, "strerror");
   duk_concat(ctx, duk_get_top(ctx) - e - 1);
   duk_put_prop_literal(ctx, e, "message");
   duk_push_int(ctx, number);
   duk_put_prop_literal(ctx, e, "errno");
   push_str(ctx, code);
   duk_put_prop_literal(ctx, e, "code");
   return duk_throw(ctx);
}

duk_ret_t throw_errno(duk_context *ctx, int err, const char *call,
                      const char *path, const char *path2)
{
   const char *code = strerrorname_np(err);
   return throw_error(ctx, err, code ? code : "EUNKNOWN", call, path, path2, strerror(err));
}

#define FAIL(call, path, path2) return throw_errno(ctx, errno, call, path, path2)

/** Argument helpers **/

/* NULL-terminated char* array from a JavaScript array of strings, whose
   bytes stay on the value stack until the binding returns; the caller
   frees only the array. */
static char **string_array(duk_context *ctx, duk_idx_t idx)
{
   duk_size_t n = duk_get_length(ctx, idx);
   char **a = malloc((n + 1) * sizeof(char *));
   if (a == NULL)
      (void)duk_error(ctx, DUK_ERR_ERROR, "out of memory");
   duk_require_stack(ctx, (duk_idx_t)n);
   for (duk_size_t i = 0; i < n; i++) {
      duk_get_prop_index(ctx, idx, (duk_uarridx_t)i);
      a[i] = (char *)arg_bytes(ctx, -1);
   }
   a[n] = NULL;
   return a;
}

/* Signal set from a JavaScript array of signal numbers. */
static void signal_set(duk_context *ctx, duk_idx_t idx, sigset_t *set)
{
   duk_size_t n = duk_get_length(ctx, idx);
   sigemptyset(set);
   for (duk_size_t i = 0; i < n; i++) {
      duk_get_prop_index(ctx, idx, (duk_uarridx_t)i);
      sigaddset(set, duk_require_int(ctx, -1));
      duk_pop(ctx);
   }
}

/* Property keys are string literals, put through Duktape's literal cache:
   a key is interned once per run, not at every stat. */
static void put_number_key(duk_context *ctx, const char *key, duk_size_t key_len, double v)
{
   duk_push_number(ctx, v);
   duk_put_prop_literal_raw(ctx, -2, key, key_len);
}
#define put_number(ctx, key, v) put_number_key((ctx), "" key, sizeof(key) - 1, (v))

static void put_string_key(duk_context *ctx, const char *key, duk_size_t key_len, const char *v)
{
   push_str(ctx, v);
   duk_put_prop_literal_raw(ctx, -2, key, key_len);
}
#define put_string(ctx, key, v) put_string_key((ctx), "" key, sizeof(key) - 1, (v))

static struct timespec deadline_after_ms(clockid_t clock, double ms)
{
   struct timespec t;
   clock_gettime(clock, &t);
   long long ns = t.tv_nsec + (long long)(ms * 1e6);
   t.tv_sec += ns / 1000000000LL;
   t.tv_nsec = ns % 1000000000LL;
   return t;
}

/** Identity **/

static duk_ret_t b_getpid(duk_context *ctx)
{
   duk_push_int(ctx, getpid());
   return 1;
}

static duk_ret_t b_getppid(duk_context *ctx)
{
   duk_push_int(ctx, getppid());
   return 1;
}

/* [real, effective, saved] */
static duk_ret_t b_getresuid(duk_context *ctx)
{
   uid_t r, e, s;
   if (getresuid(&r, &e, &s))
      FAIL("getresuid", NULL, NULL);
   duk_push_array(ctx);
   duk_push_uint(ctx, r); duk_put_prop_index(ctx, -2, 0);
   duk_push_uint(ctx, e); duk_put_prop_index(ctx, -2, 1);
   duk_push_uint(ctx, s); duk_put_prop_index(ctx, -2, 2);
   return 1;
}

static duk_ret_t b_getresgid(duk_context *ctx)
{
   gid_t r, e, s;
   if (getresgid(&r, &e, &s))
      FAIL("getresgid", NULL, NULL);
   duk_push_array(ctx);
   duk_push_uint(ctx, r); duk_put_prop_index(ctx, -2, 0);
   duk_push_uint(ctx, e); duk_put_prop_index(ctx, -2, 1);
   duk_push_uint(ctx, s); duk_put_prop_index(ctx, -2, 2);
   return 1;
}

/* Passwd entry through NSS (so LDAP/SSSD users resolve; in the static
   build its files backend only, see binding_install()), or null if there
   is none. errno is cleared first: getpwuid(3) leaves it 0 for "not
   found" and sets it for lookup failures. */
static duk_ret_t b_getpwuid(duk_context *ctx)
{
   uid_t uid = (uid_t)duk_require_uint(ctx, 0);
   struct passwd *p;
   errno = 0;
   p = getpwuid(uid);
   if (p == NULL) {
      if (errno)
         FAIL("getpwuid", NULL, NULL);
      duk_push_null(ctx);
      return 1;
   }
   duk_push_object(ctx);
   put_string(ctx, "name", p->pw_name);
   put_number(ctx, "uid", p->pw_uid);
   put_number(ctx, "gid", p->pw_gid);
   put_string(ctx, "gecos", p->pw_gecos ? p->pw_gecos : "");
   put_string(ctx, "dir", p->pw_dir ? p->pw_dir : "");
   put_string(ctx, "shell", p->pw_shell ? p->pw_shell : "");
   return 1;
}

static duk_ret_t b_getgrgid(duk_context *ctx)
{
   gid_t gid = (gid_t)duk_require_uint(ctx, 0);
   struct group *g;
   errno = 0;
   g = getgrgid(gid);
   if (g == NULL) {
      if (errno)
         FAIL("getgrgid", NULL, NULL);
      duk_push_null(ctx);
      return 1;
   }
   duk_push_object(ctx);
   put_string(ctx, "name", g->gr_name);
   put_number(ctx, "gid", g->gr_gid);
   return 1;
}

/** Namespaces and mounts **/

static duk_ret_t b_unshare(duk_context *ctx)
{
   if (unshare(duk_require_int(ctx, 0)))
      FAIL("unshare", NULL, NULL);
   return 0;
}

static duk_ret_t b_setns(duk_context *ctx)
{
   if (setns(duk_require_int(ctx, 0), duk_require_int(ctx, 1)))
      FAIL("setns", NULL, NULL);
   return 0;
}

/* mount(source, target, fstype, flags, data); source, fstype and data may
   be null. */
static duk_ret_t b_mount(duk_context *ctx)
{
   const char *src = opt_bytes(ctx, 0);
   const char *dst = arg_bytes(ctx, 1);
   const char *type = opt_bytes(ctx, 2);
   unsigned long flags = (unsigned long)duk_require_number(ctx, 3);
   const char *data = opt_bytes(ctx, 4);
   if (mount(src, dst, type, flags, data))
      FAIL("mount", src ? src : (type ? type : "none"), dst);
   return 0;
}

static duk_ret_t b_umount2(duk_context *ctx)
{
   const char *path = arg_bytes(ctx, 0);
   if (umount2(path, duk_require_int(ctx, 1)))
      FAIL("umount2", path, NULL);
   return 0;
}

static duk_ret_t b_pivot_root(duk_context *ctx)
{
   const char *new_root = arg_bytes(ctx, 0);
   const char *put_old = arg_bytes(ctx, 1);
   if (syscall(SYS_pivot_root, new_root, put_old))
      FAIL("pivot_root", new_root, put_old);
   return 0;
}

static duk_ret_t b_chroot(duk_context *ctx)
{
   const char *path = arg_bytes(ctx, 0);
   if (chroot(path))
      FAIL("chroot", path, NULL);
   return 0;
}

/** Files and directories **/

static duk_ret_t b_chdir(duk_context *ctx)
{
   const char *path = arg_bytes(ctx, 0);
   if (chdir(path))
      FAIL("chdir", path, NULL);
   return 0;
}

static duk_ret_t b_fchdir(duk_context *ctx)
{
   if (fchdir(duk_require_int(ctx, 0)))
      FAIL("fchdir", NULL, NULL);
   return 0;
}

static duk_ret_t b_getcwd(duk_context *ctx)
{
   char *cwd = getcwd(NULL, 0);
   if (cwd == NULL)
      FAIL("getcwd", NULL, NULL);
   push_str(ctx, cwd);
   free(cwd);
   return 1;
}

static duk_ret_t b_mkdir(duk_context *ctx)
{
   const char *path = arg_bytes(ctx, 0);
   if (mkdir(path, (mode_t)duk_require_uint(ctx, 1)))
      FAIL("mkdir", path, NULL);
   return 0;
}

static duk_ret_t b_rmdir(duk_context *ctx)
{
   const char *path = arg_bytes(ctx, 0);
   if (rmdir(path))
      FAIL("rmdir", path, NULL);
   return 0;
}

static duk_ret_t b_unlink(duk_context *ctx)
{
   const char *path = arg_bytes(ctx, 0);
   if (unlink(path))
      FAIL("unlink", path, NULL);
   return 0;
}

/* symlink(target, linkpath) */
static duk_ret_t b_symlink(duk_context *ctx)
{
   const char *target = arg_bytes(ctx, 0);
   const char *link = arg_bytes(ctx, 1);
   if (symlink(target, link))
      FAIL("symlink", link, target);
   return 0;
}

static duk_ret_t b_rename(duk_context *ctx)
{
   const char *old = arg_bytes(ctx, 0);
   const char *new = arg_bytes(ctx, 1);
   if (rename(old, new))
      FAIL("rename", old, new);
   return 0;
}

/* linkat(olddirfd, oldpath, newdirfd, newpath, flags). */
static duk_ret_t b_linkat(duk_context *ctx)
{
   const char *old = arg_bytes(ctx, 1);
   const char *new = arg_bytes(ctx, 3);
   if (linkat(duk_require_int(ctx, 0), old, duk_require_int(ctx, 2), new,
              duk_require_int(ctx, 4)))
      FAIL("linkat", old, new);
   return 0;
}

static duk_ret_t b_readlink(duk_context *ctx)
{
   const char *path = arg_bytes(ctx, 0);
   char buf[4096];
   ssize_t n = readlink(path, buf, sizeof(buf));
   if (n < 0)
      FAIL("readlink", path, NULL);
   push_bytes(ctx, buf, (size_t)n);
   return 1;
}

static duk_ret_t b_realpath(duk_context *ctx)
{
   const char *path = arg_bytes(ctx, 0);
   char *r = realpath(path, NULL);
   if (r == NULL)
      FAIL("realpath", path, NULL);
   push_str(ctx, r);
   free(r);
   return 1;
}

static duk_ret_t b_access(duk_context *ctx)
{
   const char *path = arg_bytes(ctx, 0);
   if (access(path, duk_require_int(ctx, 1)))
      FAIL("access", path, NULL);
   return 0;
}

/* A stat result is plain data read by field: it inherits nothing, so each
   put finds no prototype chain to search first. */
duk_ret_t push_stat(duk_context *ctx, const struct stat *st)
{
   duk_push_bare_object(ctx);
   put_number(ctx, "mode", st->st_mode);
   put_number(ctx, "uid", st->st_uid);
   put_number(ctx, "gid", st->st_gid);
   put_number(ctx, "size", (double)st->st_size);
   put_number(ctx, "dev", (double)st->st_dev);
   put_number(ctx, "ino", (double)st->st_ino);
   put_number(ctx, "nlink", (double)st->st_nlink);
   put_number(ctx, "blocks", (double)st->st_blocks);
   put_number(ctx, "mtime", (double)st->st_mtim.tv_sec);
   /* to a quarter of a microsecond: a cache's key tells any change by it */
   put_number(ctx, "ctime", (double)st->st_ctim.tv_sec + st->st_ctim.tv_nsec / 1e9);
   return 1;
}

static duk_ret_t b_stat(duk_context *ctx)
{
   const char *path = arg_bytes(ctx, 0);
   struct stat st;
   if (stat(path, &st))
      FAIL("stat", path, NULL);
   return push_stat(ctx, &st);
}

static duk_ret_t b_lstat(duk_context *ctx)
{
   const char *path = arg_bytes(ctx, 0);
   struct stat st;
   if (lstat(path, &st))
      FAIL("lstat", path, NULL);
   return push_stat(ctx, &st);
}

/* A probe of path with stat or lstat: null where the path does not exist
   (ENOENT), which a launch meets for most of ch-run's optional binds (an
   error object built to be caught cost ten times the call); else the stat
   object, or st_mode alone where that is all the program asks for (the
   file type of most paths a launch checks, without an object of ten
   properties: push_stat costs ~4K instructions, a launch makes ~25
   probes). */
static duk_ret_t probe_if_exists(duk_context *ctx, int (*probe)(const char *, struct stat *), const char *call,
                                 int mode_only)
{
   const char *path = arg_bytes(ctx, 0);
   struct stat st;
   if (probe(path, &st) == 0) {
      if (!mode_only)
         return push_stat(ctx, &st);
      duk_push_uint(ctx, st.st_mode);
      return 1;
   }
   if (errno != ENOENT)
      FAIL(call, path, NULL);
   duk_push_null(ctx);
   return 1;
}

static duk_ret_t b_stat_if_exists(duk_context *ctx)
{
   return probe_if_exists(ctx, stat, "stat", 0);
}

static duk_ret_t b_lstat_if_exists(duk_context *ctx)
{
   return probe_if_exists(ctx, lstat, "lstat", 0);
}

static duk_ret_t b_stat_mode_if_exists(duk_context *ctx)
{
   return probe_if_exists(ctx, stat, "stat", 1);
}

static duk_ret_t b_lstat_mode_if_exists(duk_context *ctx)
{
   return probe_if_exists(ctx, lstat, "lstat", 1);
}

static duk_ret_t b_fstat(duk_context *ctx)
{
   struct stat st;
   if (fstat(duk_require_int(ctx, 0), &st))
      FAIL("fstat", NULL, NULL);
   return push_stat(ctx, &st);
}

static duk_ret_t b_statvfs(duk_context *ctx)
{
   const char *path = arg_bytes(ctx, 0);
   struct statvfs sv;
   if (statvfs(path, &sv))
      FAIL("statvfs", path, NULL);
   duk_push_object(ctx);
   put_number(ctx, "flag", (double)sv.f_flag);
   put_number(ctx, "bsize", (double)sv.f_bsize);
   put_number(ctx, "blocks", (double)sv.f_blocks);
   return 1;
}

/* Entry names of a directory, without "." and "..". */
static duk_ret_t b_listdir(duk_context *ctx)
{
   const char *path = arg_bytes(ctx, 0);
   DIR *d = opendir(path); // glibc opens with O_CLOEXEC
   struct dirent *e;
   duk_uarridx_t i = 0;
   if (d == NULL)
      FAIL("opendir", path, NULL);
   duk_push_array(ctx);
   errno = 0;
   while ((e = readdir(d)) != NULL) {
      if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
         push_str(ctx, e->d_name);
         duk_put_prop_index(ctx, -2, i++);
      }
   }
   if (errno) {
      int err = errno;
      closedir(d);
      return throw_errno(ctx, err, "readdir", path, NULL);
   }
   closedir(d);
   return 1;
}

/** File descriptors **/

static duk_ret_t b_open(duk_context *ctx)
{
   const char *path = arg_bytes(ctx, 0);
   int flags = duk_require_int(ctx, 1) | O_CLOEXEC;
   int fd = open(path, flags, (mode_t)duk_opt_uint(ctx, 2, 0));
   if (fd < 0)
      FAIL("open", path, NULL);
   duk_push_int(ctx, fd);
   return 1;
}

static duk_ret_t b_close(duk_context *ctx)
{
   if (close(duk_require_int(ctx, 0)))
      FAIL("close", NULL, NULL);
   return 0;
}

/* Up to n bytes as a string ("" at end of file). Strings hold arbitrary
   bytes, NULs included. */
static duk_ret_t b_read(duk_context *ctx)
{
   int fd = duk_require_int(ctx, 0);
   duk_size_t n = (duk_size_t)duk_require_uint(ctx, 1);
   char *buf = duk_push_fixed_buffer(ctx, n);
   ssize_t got;
   do
      got = read(fd, buf, n);
   while (got < 0 && errno == EINTR);
   if (got < 0)
      FAIL("read", NULL, NULL);
   push_bytes(ctx, buf, (size_t)got);
   return 1;
}

/* Number of bytes of the string written. */
static duk_ret_t b_write(duk_context *ctx)
{
   int fd = duk_require_int(ctx, 0);
   duk_size_t len;
   const char *data = arg_lbytes(ctx, 1, &len);
   ssize_t put;
   do
      put = write(fd, data, len);
   while (put < 0 && errno == EINTR);
   if (put < 0)
      FAIL("write", NULL, NULL);
   duk_push_number(ctx, (double)put);
   return 1;
}

/* pread(fd, n, offset): up to n bytes from offset, as read(). */
static duk_ret_t b_pread(duk_context *ctx)
{
   int fd = duk_require_int(ctx, 0);
   duk_size_t n = (duk_size_t)duk_require_uint(ctx, 1);
   off_t off = (off_t)duk_require_number(ctx, 2);
   char *buf = duk_push_fixed_buffer(ctx, n);
   ssize_t got;
   do
      got = pread(fd, buf, n, off);
   while (got < 0 && errno == EINTR);
   if (got < 0)
      FAIL("pread", NULL, NULL);
   push_bytes(ctx, buf, (size_t)got);
   return 1;
}

/* pwrite(fd, data, offset): number of bytes written, as write(). */
static duk_ret_t b_pwrite(duk_context *ctx)
{
   int fd = duk_require_int(ctx, 0);
   duk_size_t len;
   const char *data = arg_lbytes(ctx, 1, &len);
   off_t off = (off_t)duk_require_number(ctx, 2);
   ssize_t put;
   do
      put = pwrite(fd, data, len, off);
   while (put < 0 && errno == EINTR);
   if (put < 0)
      FAIL("pwrite", NULL, NULL);
   duk_push_number(ctx, (double)put);
   return 1;
}

static duk_ret_t b_dup2(duk_context *ctx)
{
   if (dup2(duk_require_int(ctx, 0), duk_require_int(ctx, 1)) < 0)
      FAIL("dup2", NULL, NULL);
   return 0;
}

/* pipe([flags]): [read end, write end], both close-on-exec; flags may add
   O_NONBLOCK. */
static duk_ret_t b_pipe(duk_context *ctx)
{
   int fds[2];
   if (pipe2(fds, O_CLOEXEC | duk_opt_int(ctx, 0, 0)))
      FAIL("pipe2", NULL, NULL);
   duk_push_array(ctx);
   duk_push_int(ctx, fds[0]); duk_put_prop_index(ctx, -2, 0);
   duk_push_int(ctx, fds[1]); duk_put_prop_index(ctx, -2, 1);
   return 1;
}

/* fcntl(fd, cmd, arg): its result, for the commands that take an int. */
static duk_ret_t b_fcntl(duk_context *ctx)
{
   int r = fcntl(duk_require_int(ctx, 0), duk_require_int(ctx, 1), duk_require_int(ctx, 2));
   if (r < 0)
      FAIL("fcntl", NULL, NULL);
   duk_push_int(ctx, r);
   return 1;
}

static duk_ret_t b_ftruncate(duk_context *ctx)
{
   if (ftruncate(duk_require_int(ctx, 0), (off_t)duk_require_number(ctx, 1)))
      FAIL("ftruncate", NULL, NULL);
   return 0;
}

/* poll(fds, events, timeout_ms): the revents of each fd, all 0 on timeout.
   A negative timeout waits forever; EINTR resumes with the time left. */
static duk_ret_t b_poll(duk_context *ctx)
{
   duk_size_t n = duk_get_length(ctx, 0);
   double ms = duk_require_number(ctx, 2);
   struct pollfd *p = calloc(n ? n : 1, sizeof(*p));
   struct timespec end = deadline_after_ms(CLOCK_MONOTONIC, ms < 0 ? 0 : ms);
   int r;
   if (p == NULL)
      (void)duk_error(ctx, DUK_ERR_ERROR, "out of memory");
   for (duk_size_t i = 0; i < n; i++) {
      duk_get_prop_index(ctx, 0, (duk_uarridx_t)i);
      p[i].fd = duk_require_int(ctx, -1);
      duk_pop(ctx);
      duk_get_prop_index(ctx, 1, (duk_uarridx_t)i);
      p[i].events = (short)duk_require_int(ctx, -1);
      duk_pop(ctx);
   }
   for (;;) {
      int wait = -1;
      if (ms >= 0) {
         struct timespec t;
         clock_gettime(CLOCK_MONOTONIC, &t);
         double left = (end.tv_sec - t.tv_sec) * 1e3 + (end.tv_nsec - t.tv_nsec) / 1e6;
         wait = left > 0 ? (int)(left + 0.999) : 0;
      }
      r = poll(p, (nfds_t)n, wait);
      if (r >= 0 || errno != EINTR)
         break;
   }
   if (r < 0) {
      int err = errno;
      free(p);
      return throw_errno(ctx, err, "poll", NULL, NULL);
   }
   duk_push_array(ctx);
   for (duk_size_t i = 0; i < n; i++) {
      duk_push_int(ctx, p[i].revents);
      duk_put_prop_index(ctx, -2, (duk_uarridx_t)i);
   }
   free(p);
   return 1;
}

static duk_ret_t b_isatty(duk_context *ctx)
{
   duk_push_boolean(ctx, isatty(duk_require_int(ctx, 0)));
   return 1;
}

/** Processes **/

static duk_ret_t b_prctl(duk_context *ctx)
{
   int r = prctl(duk_require_int(ctx, 0), (unsigned long)duk_opt_number(ctx, 1, 0),
                 (unsigned long)duk_opt_number(ctx, 2, 0),
                 (unsigned long)duk_opt_number(ctx, 3, 0),
                 (unsigned long)duk_opt_number(ctx, 4, 0));
   if (r < 0)
      FAIL("prctl", NULL, NULL);
   duk_push_int(ctx, r);
   return 1;
}

/* Install a classic BPF seccomp filter given as a flat array of
   [code, jt, jf, k] quadruples. */
static duk_ret_t b_seccomp_filter(duk_context *ctx)
{
   duk_size_t n = duk_get_length(ctx, 0) / 4;
   struct sock_filter *f = calloc(n ? n : 1, sizeof(*f));
   struct sock_fprog prog = { (unsigned short)n, f };
   if (f == NULL)
      (void)duk_error(ctx, DUK_ERR_ERROR, "out of memory");
   for (duk_size_t i = 0; i < n * 4; i++) {
      duk_get_prop_index(ctx, 0, (duk_uarridx_t)i);
      double v = duk_require_number(ctx, -1);
      duk_pop(ctx);
      switch (i % 4) {
      case 0: f[i / 4].code = (unsigned short)v; break;
      case 1: f[i / 4].jt = (unsigned char)v; break;
      case 2: f[i / 4].jf = (unsigned char)v; break;
      case 3: f[i / 4].k = (unsigned int)v; break;
      }
   }
   if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
      int err = errno;
      free(f);
      return throw_errno(ctx, err, "prctl(PR_SET_SECCOMP)", NULL, NULL);
   }
   free(f);
   return 0;
}

/* syscall(2) with integer arguments; returns the raw result. */
static duk_ret_t b_syscall(duk_context *ctx)
{
   long r = syscall((long)duk_require_number(ctx, 0),
                    (long)duk_opt_number(ctx, 1, 0), (long)duk_opt_number(ctx, 2, 0),
                    (long)duk_opt_number(ctx, 3, 0), (long)duk_opt_number(ctx, 4, 0));
   if (r < 0)
      FAIL("syscall", NULL, NULL);
   duk_push_number(ctx, (double)r);
   return 1;
}

static duk_ret_t b_fork(duk_context *ctx)
{
   pid_t pid = fork();
   if (pid < 0)
      FAIL("fork", NULL, NULL);
   duk_push_int(ctx, pid);
   return 1;
}

static duk_ret_t b_execve(duk_context *ctx)
{
   const char *path = arg_bytes(ctx, 0);
   char **argv = string_array(ctx, 1);
   char **envp = string_array(ctx, 2);
   int err;
   execve(path, argv, envp);
   err = errno;
   free(argv);
   free(envp);
   return throw_errno(ctx, err, "execve", path, NULL);
}

/* execvpe(3): searches the PATH of this process's own environment. */
static duk_ret_t b_execvpe(duk_context *ctx)
{
   const char *file = arg_bytes(ctx, 0);
   char **argv = string_array(ctx, 1);
   char **envp = string_array(ctx, 2);
   int err;
   execvpe(file, argv, envp);
   err = errno;
   free(argv);
   free(envp);
   return throw_errno(ctx, err, "execvpe", file, NULL);
}

/* posix_spawn(path, argv, envp, file_actions, attrs): the child's PID, as
   Python's os.posix_spawn. file_actions is a list of ["dup2", fd, newfd],
   ["open", fd, path, flags, mode] or ["close", fd], applied in order;
   attrs may hold setsid (boolean), setpgroup (a process group ID, 0 for a
   new group), setsigmask and setsigdef (lists of signal numbers). glibc
   creates the child with CLONE_VM|CLONE_VFORK: nothing of this process is
   copied. */
static duk_ret_t b_posix_spawn(duk_context *ctx)
{
   const char *path = arg_bytes(ctx, 0);
   posix_spawn_file_actions_t fa;
   posix_spawnattr_t attr;
   short flags = 0;
   sigset_t set;
   pid_t pid;
   int err = 0;
   char **argv, **envp;
   posix_spawn_file_actions_init(&fa);
   posix_spawnattr_init(&attr);
   for (duk_size_t i = 0, n = duk_get_length(ctx, 3); i < n && !err; i++) {
      duk_get_prop_index(ctx, 3, (duk_uarridx_t)i);
      duk_get_prop_index(ctx, -1, 0);
      const char *op = arg_bytes(ctx, -1);
      duk_get_prop_index(ctx, -2, 1);
      duk_get_prop_index(ctx, -3, 2);
      duk_get_prop_index(ctx, -4, 3);
      duk_get_prop_index(ctx, -5, 4);
      if (!strcmp(op, "dup2"))
         err = posix_spawn_file_actions_adddup2(&fa, duk_require_int(ctx, -4), duk_require_int(ctx, -3));
      else if (!strcmp(op, "open"))
         err = posix_spawn_file_actions_addopen(&fa, duk_require_int(ctx, -4), arg_bytes(ctx, -3),
                                                duk_require_int(ctx, -2), (mode_t)duk_require_uint(ctx, -1));
      else if (!strcmp(op, "close"))
         err = posix_spawn_file_actions_addclose(&fa, duk_require_int(ctx, -4));
      else
         err = EINVAL;
      duk_pop_n(ctx, 6); // glibc copies the path of an "open"
   }
   duk_get_prop_string(ctx, 4, "setsid");
   if (duk_to_boolean(ctx, -1))
      flags |= POSIX_SPAWN_SETSID;
   duk_get_prop_string(ctx, 4, "setpgroup");
   if (!err && !duk_is_undefined(ctx, -1)) {
      err = posix_spawnattr_setpgroup(&attr, (pid_t)duk_require_int(ctx, -1));
      flags |= POSIX_SPAWN_SETPGROUP;
   }
   duk_get_prop_string(ctx, 4, "setsigmask");
   if (!err && !duk_is_undefined(ctx, -1)) {
      signal_set(ctx, duk_normalize_index(ctx, -1), &set);
      err = posix_spawnattr_setsigmask(&attr, &set);
      flags |= POSIX_SPAWN_SETSIGMASK;
   }
   duk_get_prop_string(ctx, 4, "setsigdef");
   if (!err && !duk_is_undefined(ctx, -1)) {
      signal_set(ctx, duk_normalize_index(ctx, -1), &set);
      err = posix_spawnattr_setsigdefault(&attr, &set);
      flags |= POSIX_SPAWN_SETSIGDEF;
   }
   duk_pop_n(ctx, 4);
   if (!err)
      err = posix_spawnattr_setflags(&attr, flags);
   if (!err) {
      argv = string_array(ctx, 1);
      envp = string_array(ctx, 2);
      err = posix_spawn(&pid, path, &fa, &attr, argv, envp);
      free(argv);
      free(envp);
   }
   posix_spawn_file_actions_destroy(&fa);
   posix_spawnattr_destroy(&attr);
   if (err)
      return throw_errno(ctx, err, "posix_spawn", path, NULL);
   duk_push_int(ctx, pid);
   return 1;
}

/* [pid, status]; pid 0 with WNOHANG when no child has changed state. */
static duk_ret_t b_waitpid(duk_context *ctx)
{
   int status = 0;
   pid_t pid;
   do
      pid = waitpid(duk_require_int(ctx, 0), &status, duk_opt_int(ctx, 1, 0));
   while (pid < 0 && errno == EINTR);
   if (pid < 0)
      FAIL("waitpid", NULL, NULL);
   duk_push_array(ctx);
   duk_push_int(ctx, pid); duk_put_prop_index(ctx, -2, 0);
   duk_push_int(ctx, status); duk_put_prop_index(ctx, -2, 1);
   return 1;
}

static duk_ret_t b_kill(duk_context *ctx)
{
   if (kill(duk_require_int(ctx, 0), duk_require_int(ctx, 1)))
      FAIL("kill", NULL, NULL);
   return 0;
}

static duk_ret_t b_exit(duk_context *ctx)
{
   exit(duk_require_int(ctx, 0));
   return 0;
}

/** Signals **/

/* signal(sig, 0 = SIG_DFL | 1 = SIG_IGN), as Python's signal module: the
   previous disposition, 1 if it was SIG_IGN, else 0. */
static duk_ret_t b_signal(duk_context *ctx)
{
   int sig = duk_require_int(ctx, 0);
   void (*was)(int) = signal(sig, duk_require_int(ctx, 1) ? SIG_IGN : SIG_DFL);
   if (was == SIG_ERR)
      FAIL("signal", NULL, NULL);
   duk_push_int(ctx, was == SIG_IGN);
   return 1;
}

/* sigprocmask(how, [signals]) */
static duk_ret_t b_sigprocmask(duk_context *ctx)
{
   sigset_t set;
   signal_set(ctx, 1, &set);
   if (sigprocmask(duk_require_int(ctx, 0), &set, NULL))
      FAIL("sigprocmask", NULL, NULL);
   return 0;
}

/* Wait for one of [signals] (which must be blocked) for up to timeout_ms
   (negative: forever). Returns {signo, pid, code, status} or null on
   timeout. */
static duk_ret_t b_sigtimedwait(duk_context *ctx)
{
   sigset_t set;
   siginfo_t info;
   double ms = duk_require_number(ctx, 1);
   int sig;
   signal_set(ctx, 0, &set);
   do {
      if (ms < 0) {
         sig = sigwaitinfo(&set, &info);
      } else {
         struct timespec t = { (time_t)(ms / 1000),
                               (long)((ms - 1000 * (long long)(ms / 1000)) * 1e6) };
         sig = sigtimedwait(&set, &info, &t);
      }
   } while (sig < 0 && errno == EINTR);
   if (sig < 0 && errno == EAGAIN) {
      duk_push_null(ctx);
      return 1;
   }
   if (sig < 0)
      FAIL("sigtimedwait", NULL, NULL);
   duk_push_object(ctx);
   put_number(ctx, "signo", sig);
   put_number(ctx, "pid", info.si_pid);
   put_number(ctx, "code", info.si_code);
   put_number(ctx, "status", info.si_status);
   return 1;
}

/** Environment **/

static duk_ret_t b_environ(duk_context *ctx)
{
   duk_push_array(ctx);
   for (duk_uarridx_t i = 0; environ[i] != NULL; i++) {
      push_str(ctx, environ[i]);
      duk_put_prop_index(ctx, -2, i);
   }
   return 1;
}

/* getenv(3): the value, or undefined if NAME is not set. */
static duk_ret_t b_getenv(duk_context *ctx)
{
   const char *value = getenv(arg_bytes(ctx, 0));
   if (value == NULL)
      return 0;
   push_str(ctx, value);
   return 1;
}

static duk_ret_t b_setenv(duk_context *ctx)
{
   const char *name = arg_bytes(ctx, 0);
   if (setenv(name, arg_bytes(ctx, 1), 1))
      FAIL("setenv", name, NULL);
   return 0;
}

static duk_ret_t b_unsetenv(duk_context *ctx)
{
   const char *name = arg_bytes(ctx, 0);
   if (unsetenv(name))
      FAIL("unsetenv", name, NULL);
   return 0;
}

/* mmap(fd, length): a shared read-write mapping of fd (or anonymous when fd
   is -1) as an ArrayBuffer. Shared anonymous memory survives fork(2), which
   is what the warnings buffer needs. */
static duk_ret_t b_mmap(duk_context *ctx)
{
   int fd = duk_require_int(ctx, 0);
   size_t len = (size_t)duk_require_uint(ctx, 1);
   void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                  MAP_SHARED | (fd < 0 ? MAP_ANONYMOUS : 0), fd, 0);
   if (p == MAP_FAILED)
      FAIL("mmap", NULL, NULL);
   duk_push_external_buffer(ctx);
   duk_config_buffer(ctx, -1, p, len);
   duk_push_buffer_object(ctx, -1, 0, len, DUK_BUFOBJ_ARRAYBUFFER);
   return 1;
}

static duk_ret_t b_munmap(duk_context *ctx)
{
   duk_size_t len;
   void *p = duk_require_buffer_data(ctx, 0, &len);
   if (munmap(p, len))
      FAIL("munmap", NULL, NULL);
   return 0;
}

/* The aligned int32 at byte offset idx of a (shared) buffer, for the
   atomics below; a bad offset is a RangeError. */
static int32_t *atomic_word(duk_context *ctx, duk_idx_t buf, duk_idx_t idx)
{
   duk_size_t len;
   char *p = duk_require_buffer_data(ctx, buf, &len);
   duk_uint_t off = duk_require_uint(ctx, idx);
   if (off % 4 != 0 || (duk_size_t)off + 4 > len)
      (void)duk_range_error(ctx, "bad atomic offset: %u", (unsigned)off);
   return (int32_t *)(p + off);
}

/* atomic_add(buffer, offset, delta): __atomic_fetch_add(), sequentially
   consistent, across processes sharing the mapping; the old value. */
static duk_ret_t b_atomic_add(duk_context *ctx)
{
   int32_t *w = atomic_word(ctx, 0, 1);
   duk_push_int(ctx, __atomic_fetch_add(w, (int32_t)duk_require_int(ctx, 2),
                                        __ATOMIC_SEQ_CST));
   return 1;
}

/* atomic_cas(buffer, offset, expected, desired): compare-and-swap,
   sequentially consistent; the old value (== expected iff swapped). */
static duk_ret_t b_atomic_cas(duk_context *ctx)
{
   int32_t *w = atomic_word(ctx, 0, 1);
   int32_t old = (int32_t)duk_require_int(ctx, 2);
   __atomic_compare_exchange_n(w, &old, (int32_t)duk_require_int(ctx, 3), 0,
                               __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
   duk_push_int(ctx, old);
   return 1;
}

/* futex_wait(buffer, offset, expected, timeout_ms): sleep while the shared
   int32 at offset is expected, up to timeout_ms; throws EAGAIN if it was
   not, ETIMEDOUT when the time is up. A process-shared futex: the mapping
   is the segment's. */
static duk_ret_t b_futex_wait(duk_context *ctx)
{
   int32_t *w = atomic_word(ctx, 0, 1);
   int32_t expected = (int32_t)duk_require_int(ctx, 2);
   double ms = duk_require_number(ctx, 3);
   struct timespec t = { (time_t)(ms / 1000),
                         (long)((ms - 1000 * (long long)(ms / 1000)) * 1e6) };
   long r;
   do
      r = syscall(SYS_futex, w, FUTEX_WAIT, expected, &t, NULL, 0);
   while (r < 0 && errno == EINTR);
   if (r < 0)
      FAIL("futex_wait", NULL, NULL);
   return 0;
}

/* futex_wake(buffer, offset, count): wake up to count waiters; how many. */
static duk_ret_t b_futex_wake(duk_context *ctx)
{
   int32_t *w = atomic_word(ctx, 0, 1);
   long r = syscall(SYS_futex, w, FUTEX_WAKE, duk_require_int(ctx, 2), NULL, NULL, 0);
   if (r < 0)
      FAIL("futex_wake", NULL, NULL);
   duk_push_int(ctx, (duk_int_t)r);
   return 1;
}

/** Miscellaneous **/

static duk_ret_t b_syslog(duk_context *ctx)
{
   syslog(duk_require_int(ctx, 0), "%s", arg_bytes(ctx, 1));
   return 0;
}

static duk_ret_t b_uname(duk_context *ctx)
{
   struct utsname u;
   if (uname(&u))
      FAIL("uname", NULL, NULL);
   duk_push_object(ctx);
   put_string(ctx, "sysname", u.sysname);
   put_string(ctx, "release", u.release);
   put_string(ctx, "machine", u.machine);
   return 1;
}

/* Milliseconds on CLOCK_MONOTONIC. */
static duk_ret_t b_monotonic(duk_context *ctx)
{
   struct timespec t;
   clock_gettime(CLOCK_MONOTONIC, &t);
   duk_push_number(ctx, t.tv_sec * 1e3 + t.tv_nsec / 1e6);
   return 1;
}

/* duk_gc(): the program decides when (see native/duktape/config.yaml). */
static duk_ret_t b_gc(duk_context *ctx)
{
   duk_gc(ctx, 0);
   return 0;
}

static duk_ret_t b_nanosleep(duk_context *ctx)
{
   double ms = duk_require_number(ctx, 0);
   struct timespec t = { (time_t)(ms / 1000),
                         (long)((ms - 1000 * (long long)(ms / 1000)) * 1e6) };
   while (nanosleep(&t, &t) && errno == EINTR)
      ;
   return 0;
}

/** Help **/

/* A field of the object at obj: a string or NULL, whose bytes stay on the
   value stack until the binding returns, or an int. */
static const char *field_string(duk_context *ctx, duk_idx_t obj, const char *key)
{
   duk_require_stack(ctx, 1);
   duk_get_prop_string(ctx, obj, key);
   return opt_bytes(ctx, -1);
}

static int field_int(duk_context *ctx, duk_idx_t obj, const char *key)
{
   duk_get_prop_string(ctx, obj, key);
   int v = duk_require_int(ctx, -1);
   duk_pop(ctx);
   return v;
}

/* argp_state_help(3) for the option table of the program's argp, as argp
   would call it while parsing: rows of {name, key, arg, flags, doc, group}
   (struct argp_option's fields), args_doc, doc, the ARGP_HELP_* flags and
   the program name. The help text and argp's complaints about
   ARGP_HELP_FMT (which it prints to the state's err_stream) are returned
   as [help, complaints] for the program to write. The options array is a
   Duktape buffer (zeroed, so the last row ends the table): a row with a
   field of the wrong type throws midway, and leaks nothing. */
static duk_ret_t b_argp_help(duk_context *ctx)
{
   duk_size_t n = duk_get_length(ctx, 0);
   struct argp_option *options = duk_push_fixed_buffer(ctx, (n + 1) * sizeof(*options));
   for (duk_size_t i = 0; i < n; i++) {
      duk_require_stack(ctx, 1);
      duk_get_prop_index(ctx, 0, (duk_uarridx_t)i);
      duk_idx_t row = duk_get_top_index(ctx);
      options[i].name = field_string(ctx, row, "name");
      options[i].key = field_int(ctx, row, "key");
      options[i].arg = field_string(ctx, row, "arg");
      options[i].flags = field_int(ctx, row, "flags");
      options[i].doc = field_string(ctx, row, "doc");
      options[i].group = field_int(ctx, row, "group");
   }
   struct argp argp = { .options = options, .args_doc = opt_bytes(ctx, 1), .doc = arg_bytes(ctx, 2) };
   char *help = NULL, *complaints = NULL;
   size_t help_len = 0, complaints_len = 0;
   FILE *out = open_memstream(&help, &help_len);
   FILE *err = open_memstream(&complaints, &complaints_len);
   if (out == NULL || err == NULL) {
      int e = errno;
      if (out)
         fclose(out);
      free(help);
      return throw_errno(ctx, e, "open_memstream", NULL, NULL);
   }
   struct argp_state state = { .root_argp = &argp, .name = (char *)arg_bytes(ctx, 4),
                               .out_stream = out, .err_stream = err };
   argp_state_help(&state, out, (unsigned)duk_require_int(ctx, 3));
   fclose(out);
   fclose(err);
   duk_push_array(ctx);
   push_bytes(ctx, help, help_len);
   duk_put_prop_index(ctx, -2, 0);
   push_bytes(ctx, complaints, complaints_len);
   duk_put_prop_index(ctx, -2, 1);
   free(help);
   free(complaints);
   return 1;
}

/** Installation **/

static const duk_function_list_entry functions[] = {
   { "getpid", b_getpid, 0 },
   { "getppid", b_getppid, 0 },
   { "getresuid", b_getresuid, 0 },
   { "getresgid", b_getresgid, 0 },
   { "getpwuid", b_getpwuid, 1 },
   { "getgrgid", b_getgrgid, 1 },
   { "unshare", b_unshare, 1 },
   { "setns", b_setns, 2 },
   { "mount", b_mount, 5 },
   { "umount2", b_umount2, 2 },
   { "pivot_root", b_pivot_root, 2 },
   { "chroot", b_chroot, 1 },
   { "chdir", b_chdir, 1 },
   { "fchdir", b_fchdir, 1 },
   { "getcwd", b_getcwd, 0 },
   { "mkdir", b_mkdir, 2 },
   { "rmdir", b_rmdir, 1 },
   { "unlink", b_unlink, 1 },
   { "symlink", b_symlink, 2 },
   { "rename", b_rename, 2 },
   { "linkat", b_linkat, 5 },
   { "readlink", b_readlink, 1 },
   { "realpath", b_realpath, 1 },
   { "access", b_access, 2 },
   { "stat", b_stat, 1 },
   { "lstat", b_lstat, 1 },
   { "stat_if_exists", b_stat_if_exists, 1 },
   { "lstat_if_exists", b_lstat_if_exists, 1 },
   { "stat_mode_if_exists", b_stat_mode_if_exists, 1 },
   { "lstat_mode_if_exists", b_lstat_mode_if_exists, 1 },
   { "fstat", b_fstat, 1 },
   { "statvfs", b_statvfs, 1 },
   { "listdir", b_listdir, 1 },
   { "open", b_open, DUK_VARARGS },
   { "close", b_close, 1 },
   { "read", b_read, 2 },
   { "write", b_write, 2 },
   { "pread", b_pread, 3 },
   { "pwrite", b_pwrite, 3 },
   { "dup2", b_dup2, 2 },
   { "pipe", b_pipe, DUK_VARARGS },
   { "fcntl", b_fcntl, 3 },
   { "ftruncate", b_ftruncate, 2 },
   { "poll", b_poll, 3 },
   { "isatty", b_isatty, 1 },
   { "prctl", b_prctl, DUK_VARARGS },
   { "seccomp_filter", b_seccomp_filter, 1 },
   { "syscall", b_syscall, DUK_VARARGS },
   { "fork", b_fork, 0 },
   { "execve", b_execve, 3 },
   { "execvpe", b_execvpe, 3 },
   { "posix_spawn", b_posix_spawn, 5 },
   { "waitpid", b_waitpid, DUK_VARARGS },
   { "kill", b_kill, 2 },
   { "exit", b_exit, 1 },
   { "signal", b_signal, 2 },
   { "sigprocmask", b_sigprocmask, 2 },
   { "sigtimedwait", b_sigtimedwait, 2 },
   { "environ", b_environ, 0 },
   { "getenv", b_getenv, 1 },
   { "setenv", b_setenv, 2 },
   { "unsetenv", b_unsetenv, 1 },
   { "mmap", b_mmap, 2 },
   { "munmap", b_munmap, 1 },
   { "atomic_add", b_atomic_add, 3 },
   { "atomic_cas", b_atomic_cas, 4 },
   { "futex_wait", b_futex_wait, 4 },
   { "futex_wake", b_futex_wake, 3 },
   { "syslog", b_syslog, 2 },
   { "uname", b_uname, 0 },
   { "monotonic", b_monotonic, 0 },
   { "gc", b_gc, 0 },
   { "nanosleep", b_nanosleep, 1 },
   { "argp_help", b_argp_help, 5 },
   { NULL, NULL, 0 }
};

/* `native` is a table read by name: it inherits nothing, so filling it
   searches no prototype chain. */
void binding_install(duk_context *ctx, int argc, char **argv)
{
   duk_push_global_object(ctx);
   duk_push_bare_object(ctx);
   duk_put_function_list(ctx, -1, functions);
   duk_put_function_list(ctx, -1, at_functions);
#ifdef SKIFF_STATIC
   /* Static glibc loads any NSS module but its built-in files backend with
      dlopen(), and crashes in it (libnss_systemd, as soon as a user is not
      in /etc/passwd). So files only: for the rest the program execs
      skiff-dynamic or asks getent(1) (src/names/). The libraries'
      bindings are in skiff-dynamic only. */
   for (const char *const *db = (const char *const[]){ "passwd", "group", NULL }; *db; db++)
      if (__nss_configure_lookup(*db, "files")) { // only out of memory
         dprintf(2, "skiff: internal error: __nss_configure_lookup(%s): %s\n", *db, strerror(errno));
         exit(31);
      }
   push_str(ctx, "static");
#else
   duk_put_function_list(ctx, -1, archive_functions);
   duk_put_function_list(ctx, -1, curl_functions);
   duk_put_function_list(ctx, -1, digest_functions);
   push_str(ctx, "dynamic");
#endif
   duk_put_prop_string(ctx, -2, "linkage");
   duk_push_array(ctx);
   for (int i = 0; i < argc; i++) {
      push_str(ctx, argv[i]);
      duk_put_prop_index(ctx, -2, (duk_uarridx_t)i);
   }
   duk_put_prop_string(ctx, -2, "argv");
   duk_put_prop_string(ctx, -2, "native");
   duk_pop(ctx);
}
