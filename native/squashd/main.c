/* skiff-squashd: serve a SquashFS image on an already mounted FUSE
   connection (squashd.h).

   Usage: skiff-squashd [OPTION...] IMAGE FD
     FD                the FUSE connection, mounted by the caller
     --threads=N       worker threads (default 1)
     --shared          one image handle for all threads, under a lock
                       (default: one handle a thread)
     --md-cache=BYTES, --frag-cache=BYTES, --data-cache=BYTES
                       cache budgets for metadata, fragment and data blocks,
                       for all handles together
     --stats=FILE      write request and block counters, CPU time and peak
                       RSS to FILE at exit

   Exits 0 when the connection ends (the mount is gone) or on SIGTERM,
   SIGINT or SIGHUP; 64 for a wrong command line; 1 if the image can't be
   served, saying why on standard error. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "squashd.h"

static int usage(const char *why)
{
   fprintf(stderr, "skiff-squashd: %s\nusage: skiff-squashd [--threads=N] [--shared] [--md-cache=BYTES] "
           "[--frag-cache=BYTES] [--data-cache=BYTES] [--stats=FILE] IMAGE FD\n", why);
   return 64;
}

/* A decimal number in [min, max], or -1. */
static long long number(const char *s, long long min, long long max)
{
   char *end;
   long long n;
   errno = 0;
   n = strtoll(s, &end, 10);
   return errno || end == s || *end || n < min || n > max ? -1 : n;
}

static int serve(struct settings *set)
{
   char *argv0[] = { "skiff-squashd", NULL };
   struct fuse_args args = FUSE_ARGS_INIT(1, argv0);
   char mountpoint[32];
   struct fuse_session *se;
   int ret = 1;

   se = fuse_session_new(&args, &squashd_ops, sizeof(squashd_ops), NULL);
   fuse_opt_free_args(&args);
   if (se == NULL)
      return 1;
   snprintf(mountpoint, sizeof(mountpoint), "/dev/fd/%d", set->fuse_fd);
   if (fuse_set_signal_handlers(se) == 0) {
      if (fuse_session_mount(se, mountpoint) == 0) {
         if (set->threads == 1) {
            ret = fuse_session_loop(se);
         } else {
            struct fuse_loop_config *cfg = fuse_loop_cfg_create();
            if (cfg != NULL) {
               fuse_loop_cfg_set_max_threads(cfg, set->threads);
               fuse_loop_cfg_set_idle_threads(cfg, set->threads);
               ret = fuse_session_loop_mt(se, cfg);
               fuse_loop_cfg_destroy(cfg);
            }
         }
         fuse_session_unmount(se);
      }
      fuse_remove_signal_handlers(se);
   }
   fuse_session_destroy(se);
   /* the loop's own result is that of the last read: the end of the
      connection is how a mount ends */
   return ret < 0 && ret != -ENODEV ? 1 : 0;
}

int main(int argc, char **argv)
{
   static const struct option opts[] = {
      { "threads", required_argument, NULL, 't' },
      { "shared", no_argument, NULL, 's' },
      { "md-cache", required_argument, NULL, 'm' },
      { "frag-cache", required_argument, NULL, 'f' },
      { "data-cache", required_argument, NULL, 'd' },
      { "stats", required_argument, NULL, 'S' },
      { NULL, 0, NULL, 0 },
   };
   struct settings set = {
      .threads = 1, .md_bytes = 8 << 20, .frag_bytes = 32 << 20, .data_bytes = 16 << 20,
   };
   long long n;
   int c, ret;

   while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
      switch (c) {
      case 't':
         if ((n = number(optarg, 1, 64)) < 0)
            return usage("--threads takes a number from 1 to 64");
         set.threads = n;
         break;
      case 's':
         set.shared = true;
         break;
      case 'm': case 'f': case 'd':
         if ((n = number(optarg, 0, LLONG_MAX)) < 0)
            return usage("a cache size is a number of bytes");
         *(c == 'm' ? &set.md_bytes : c == 'f' ? &set.frag_bytes : &set.data_bytes) = n;
         break;
      case 'S':
         set.stats = optarg;
         break;
      default:
         return usage("unknown option");
      }
   }
   if (argc - optind != 2)
      return usage("takes IMAGE and FD");
   set.image = argv[optind];
   if ((n = number(argv[optind + 1], 0, INT_MAX)) < 0)
      return usage("FD is a file descriptor number");
   set.fuse_fd = n;

   if (image_open(&set) != 0)
      return 1;
   ret = serve(&set);
   image_close();
   write_stats();
   return ret;
}
