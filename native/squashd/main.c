/* skiff-squashd: serve a SquashFS image on an already mounted FUSE
   connection (squashd.h).

   Usage: skiff-squashd [OPTION...] IMAGE FD
     FD                the FUSE connection, mounted by the caller
     --threads=N       threads that serve requests, at most (default 1);
                       the second and later start once requests queue up
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
#include <poll.h>
#include <pthread.h>
#include <signal.h>
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

/* The request loop. The main thread serves from the start; another thread
   joins (up to --threads) each time a request arrives while another is
   already waiting, so only parallel callers pay for threads: a launch asks
   one thing at a time, and starting a thread on its path cost more than
   the server's own work (README, findings). Workers take no termination
   signals (the main thread does, and ends the loop), and can be cancelled
   only while they wait for a request. */
struct loop {
   struct fuse_session *se;
   struct pollfd queue;          /* the connection, polled for waiting requests */
   unsigned max;
   unsigned workers;             /* started, besides the main thread */
   pthread_t worker[63];
};

static void start_worker(struct loop *l);

/* Answer requests into buf until the connection ends or the session is
   told to exit; 0, or the error that ended it. */
static int answer(struct loop *l, struct fuse_buf *buf, bool main_thread)
{
   int res = 0;
   while (!fuse_session_exited(l->se)) {
      if (!main_thread)
         pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
      res = fuse_session_receive_buf(l->se, buf);
      if (!main_thread)
         pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
      if (res == -EINTR) {
         res = 0;
         continue;
      }
      if (res <= 0)
         break;                  /* 0: the connection is gone */
      if (main_thread && l->workers + 1 < l->max && poll(&l->queue, 1, 0) == 1)
         start_worker(l);
      fuse_session_process_buf(l->se, buf);
   }
   return res;
}

static void free_buf(void *p)
{
   free(((struct fuse_buf *)p)->mem);
}

static int serve_requests(struct loop *l, bool main_thread)
{
   struct fuse_buf buf = { .mem = NULL };
   int res;
   pthread_cleanup_push(free_buf, &buf);
   res = answer(l, &buf, main_thread);
   pthread_cleanup_pop(1);
   return res;
}

static void *worker_main(void *p)
{
   pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
   serve_requests(p, false);
   return NULL;
}

static void start_worker(struct loop *l)
{
   sigset_t block, old;
   sigemptyset(&block);
   sigaddset(&block, SIGTERM);
   sigaddset(&block, SIGINT);
   sigaddset(&block, SIGHUP);
   sigaddset(&block, SIGQUIT);
   pthread_sigmask(SIG_BLOCK, &block, &old);
   /* without a worker, the main thread serves alone */
   if (pthread_create(&l->worker[l->workers], NULL, worker_main, l) == 0)
      l->workers++;
   pthread_sigmask(SIG_SETMASK, &old, NULL);
   img.threads = l->workers + 1;
}

static int serve(struct settings *set)
{
   char *argv0[] = { "skiff-squashd", NULL };
   struct fuse_args args = FUSE_ARGS_INIT(1, argv0);
   char mountpoint[32];
   struct loop l = { .max = set->threads };
   int ret = 1;

   img.threads = 1;
   l.se = fuse_session_new(&args, &squashd_ops, sizeof(squashd_ops), NULL);
   fuse_opt_free_args(&args);
   if (l.se == NULL)
      return 1;
   snprintf(mountpoint, sizeof(mountpoint), "/dev/fd/%d", set->fuse_fd);
   if (fuse_set_signal_handlers(l.se) == 0) {
      if (fuse_session_mount(l.se, mountpoint) == 0) {
         l.queue = (struct pollfd){ .fd = fuse_session_fd(l.se), .events = POLLIN };
         ret = serve_requests(&l, true) < 0;
         /* the workers: cancelled if waiting for a request (a signal
            ended the loop; the connection lives on), else leaving too */
         for (unsigned i = 0; i < l.workers; i++) {
            pthread_cancel(l.worker[i]);
            pthread_join(l.worker[i], NULL);
         }
         fuse_session_unmount(l.se);
      }
      fuse_remove_signal_handlers(l.se);
   }
   fuse_session_destroy(l.se);
   return ret;
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
