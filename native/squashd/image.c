/* The image and its handles: one libsquashfuse state a worker thread, made
   on its first request and destroyed when the thread exits, or one shared
   by all under a mutex (--shared). The cache budgets are for all handles
   together, so each of N gets 1/N of them. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "squashd.h"

struct image img;

static pthread_key_t worker_key;
static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
static struct handle *shared;

/* What a worker thread owns: its handle (unless shared) and its reply
   buffer. */
struct worker {
   struct handle *handle;
   void *buf;
   size_t cap;
};

static size_t blocks(size_t bytes, size_t block, unsigned handles)
{
   size_t n = bytes / handles / block;
   return n < 1 ? 1 : n;
}

static sqfs_err resize(sqfs_cache *cache, size_t count)
{
   sqfs_cache_destroy(cache);
   return sqfs_block_cache_init(cache, count);
}

/* sqfs_destroy(), and the xattr table it forgets (libsquashfuse 0.1.105). */
static void destroy_fs(sqfs *fs)
{
   sqfs_destroy(fs);
   if (fs->sb.xattr_id_table_start != (uint64_t)SQUASHFS_INVALID_BLK)
      sqfs_table_destroy(&fs->xattr_table);
}

static void handle_free(struct handle *h)
{
   img.md_reads += h->fs.md_cache.next;
   img.frag_reads += h->fs.frag_cache.next;
   img.data_reads += h->fs.data_cache.next;
   destroy_fs(&h->fs);
   free(h);
}

static struct handle *handle_new(void)
{
   struct handle *h = calloc(1, sizeof(*h));
   if (h == NULL)
      return NULL;
   if (sqfs_init(&h->fs, img.fd, 0) != SQFS_OK) {
      free(h);
      return NULL;
   }
   if (resize(&h->fs.md_cache, img.md_blocks) || resize(&h->fs.frag_cache, img.frag_blocks)
       || resize(&h->fs.data_cache, img.data_blocks)) {
      handle_free(h);
      return NULL;
   }
   img.handles++;
   return h;
}

static void worker_free(void *p)
{
   struct worker *w = p;
   if (w->handle != NULL)
      handle_free(w->handle);
   free(w->buf);
   free(w);
}

static struct worker *worker(void)
{
   struct worker *w = pthread_getspecific(worker_key);
   if (w == NULL && (w = calloc(1, sizeof(*w))) != NULL)
      pthread_setspecific(worker_key, w);
   return w;
}

/* The calling thread's handle (or the shared one, locked), or NULL if it
   can't be made; handle_release() after use in any case. */
struct handle *handle_acquire(void)
{
   struct worker *w;
   if (img.set.shared) {
      pthread_mutex_lock(&shared_lock);
      return shared;
   }
   if ((w = worker()) == NULL)
      return NULL;
   if (w->handle == NULL)
      w->handle = handle_new();
   return w->handle;
}

void handle_release(void)
{
   if (img.set.shared)
      pthread_mutex_unlock(&shared_lock);
}

/* A buffer of the calling thread of at least size bytes, kept for its
   next request (a read's reply), or NULL. */
void *thread_buffer(size_t size)
{
   struct worker *w = worker();
   if (w == NULL)
      return NULL;
   if (w->cap < size) {
      void *b = realloc(w->buf, size);
      if (b == NULL)
         return NULL;
      w->buf = b;
      w->cap = size;
   }
   return w->buf;
}

/* Open the image and check it with a first handle (kept if shared);
   prints why not and returns -1 if it can't. */
int image_open(const struct settings *set)
{
   struct handle *h;
   sqfs_err err;
   unsigned handles = set->shared ? 1 : set->threads;

   img.set = *set;
   if ((img.fd = open(set->image, O_RDONLY | O_CLOEXEC)) < 0) {
      fprintf(stderr, "skiff-squashd: can't open %s: %s\n", set->image, strerror(errno));
      return -1;
   }
   if ((h = calloc(1, sizeof(*h))) == NULL || pthread_key_create(&worker_key, worker_free) != 0) {
      fprintf(stderr, "skiff-squashd: out of memory\n");
      return -1;
   }
   if ((err = sqfs_init(&h->fs, img.fd, 0)) != SQFS_OK) {
      fprintf(stderr, "skiff-squashd: %s: %s\n", set->image,
              err == SQFS_BADFORMAT ? "not a SquashFS image"
              : err == SQFS_BADVERSION ? "unsupported SquashFS version"
              : err == SQFS_BADCOMP ? "unsupported compression"
              : "can't read the image's tables");
      free(h);
      return -1;
   }
   img.root = sqfs_inode_root(&h->fs);
   img.inodes = h->fs.sb.inodes;
   img.md_blocks = blocks(set->md_bytes, SQUASHFS_METADATA_SIZE, handles);
   img.frag_blocks = blocks(set->frag_bytes, h->fs.sb.block_size, handles);
   img.data_blocks = blocks(set->data_bytes, h->fs.sb.block_size, handles);
   destroy_fs(&h->fs);
   free(h);
   if ((img.ids = calloc((size_t)img.inodes + 2, sizeof(*img.ids))) == NULL
       || (h = handle_new()) == NULL) {
      fprintf(stderr, "skiff-squashd: %s: can't set up the image's caches\n", set->image);
      return -1;
   }
   if (set->shared)
      shared = h;
   else
      handle_free(h);           /* the workers make their own */
   return 0;
}

/* After the loop: what the worker threads had is freed as they exited;
   the calling thread's (a single-threaded loop's) and the shared handle
   are freed here. */
void image_close(void)
{
   struct worker *w = pthread_getspecific(worker_key);
   if (w != NULL) {
      pthread_setspecific(worker_key, NULL);
      worker_free(w);
   }
   if (shared != NULL)
      handle_free(shared);
   shared = NULL;
   pthread_key_delete(worker_key);
   free((void *)img.ids);
   close(img.fd);
}

/* Counters, one "name value" a line, to --stats's file. */
void write_stats(void)
{
   static const char *const names[64] = {
      [FUSE_LOOKUP] = "lookup", [FUSE_FORGET] = "forget", [FUSE_GETATTR] = "getattr",
      [FUSE_READLINK] = "readlink", [FUSE_OPEN] = "open", [FUSE_OPENDIR] = "opendir", [FUSE_READ] = "read",
      [FUSE_STATFS] = "statfs", [FUSE_GETXATTR] = "getxattr", [FUSE_LISTXATTR] = "listxattr",
      [FUSE_READDIR] = "readdir", [FUSE_READDIRPLUS] = "readdirplus",
   };
   struct rusage ru;
   FILE *f;
   if (img.set.stats == NULL || (f = fopen(img.set.stats, "we")) == NULL)
      return;
   getrusage(RUSAGE_SELF, &ru);
   for (int i = 0; i < 64; i++)
      if (img.requests[i] != 0 && names[i] != NULL)
         fprintf(f, "request.%s %lu\n", names[i], (unsigned long)img.requests[i]);
      else if (img.requests[i] != 0)
         fprintf(f, "request.%d %lu\n", i, (unsigned long)img.requests[i]);
   fprintf(f, "blocks.md %lu\nblocks.frag %lu\nblocks.data %lu\nhandles %lu\nthreads %u\n",
           (unsigned long)img.md_reads, (unsigned long)img.frag_reads,
           (unsigned long)img.data_reads, (unsigned long)img.handles, img.threads);
   fprintf(f, "cpu.user_ms %ld\ncpu.sys_ms %ld\nmaxrss_kib %ld\nminflt %ld\n",
           ru.ru_utime.tv_sec * 1000 + ru.ru_utime.tv_usec / 1000,
           ru.ru_stime.tv_sec * 1000 + ru.ru_stime.tv_usec / 1000, ru.ru_maxrss, ru.ru_minflt);
   fclose(f);
}
