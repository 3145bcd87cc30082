/* skiff-squashd: a read-only FUSE server for SquashFS images, built on
   libsquashfuse's reading API and libfuse3's low-level API. skiff starts
   it on a FUSE connection it mounted itself, with every setting on the
   command line (src/squash/server.ts); it decides nothing of its own. */
#ifndef SQUASHD_H
#define SQUASHD_H

#define FUSE_USE_VERSION 312
#include <fuse3/fuse_lowlevel.h>
#include <linux/fuse.h>           /* the opcodes, for counting */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <squashfuse/squashfuse.h>

/* Settings, from the command line (main.c). */
struct settings {
   const char *image;
   int fuse_fd;
   unsigned threads;
   bool shared;                  /* one image handle under a lock, not one a thread */
   size_t md_bytes, frag_bytes, data_bytes;   /* cache budgets, for all handles */
   const char *stats;            /* file to write counters to at exit, or NULL */
};

/* An image handle: libsquashfuse's state for the image, caches included.
   The library's caches are not thread-safe (an entry is used after the
   call that returned it), so each worker thread has its own handle, or
   all share one under a lock (--shared; image.c). */
struct handle {
   sqfs fs;
};

/* The image: what all threads share. */
struct image {
   struct settings set;
   int fd;
   sqfs_inode_id root;
   uint32_t inodes;              /* the superblock's inode count */
   _Atomic uint64_t *ids;        /* FUSE inode number -> inode ID | KNOWN */
   size_t md_blocks, frag_blocks, data_blocks;   /* per handle */
   /* counters, for --stats */
   atomic_ulong requests[64];
   atomic_ulong md_reads, frag_reads, data_reads, handles;
   unsigned threads;             /* that served */
};

#define KNOWN (UINT64_C(1) << 63)

extern struct image img;

/* image.c */
int image_open(const struct settings *set);
void image_close(void);
struct handle *handle_acquire(void);
void handle_release(void);
void *thread_buffer(size_t size);
void write_stats(void);

/* ops.c */
extern const struct fuse_lowlevel_ops squashd_ops;

#endif
