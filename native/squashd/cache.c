/* libsquashfuse's block cache API (squashfuse/cache.h), implemented as an
   LRU with a hash index, linked in place of the library's cache.c (whose
   round-robin eviction and linear search suit its 3-to-8-block caches, not
   thousands of blocks). Same contract: an entry's address stays valid until
   it is evicted or the cache destroyed. Not thread-safe, as the library's:
   each image handle has its own caches (main.c).

   The struct's fields are the library's; ours live behind `buf`, and
   `idxs` stays NULL. A miss is counted in `next` (the library's eviction
   cursor, unused here): the number of blocks read and decompressed. */
#include <stdlib.h>
#include <string.h>

#include <squashfuse/squashfuse.h>

struct slot {
   sqfs_cache_idx idx;           /* SQFS_CACHE_IDX_INVALID when free */
   struct slot *newer, *older;   /* LRU list, most recently used first */
   struct slot *chain;           /* next slot in the same hash bucket */
   unsigned char data[];         /* `size` bytes: the library's entry */
};

struct lru {
   struct slot **buckets;
   size_t nbuckets;              /* a power of two */
   struct slot *newest, *oldest;
   size_t used;
   unsigned char *slots;         /* `count` slots of slot_size bytes */
   size_t slot_size;
};

static struct slot *slot_at(struct lru *l, size_t i)
{
   return (struct slot *)(l->slots + i * l->slot_size);
}

static size_t bucket_of(struct lru *l, sqfs_cache_idx idx)
{
   return (size_t)((idx * 0x9E3779B97F4A7C15ull) >> 17) & (l->nbuckets - 1);
}

sqfs_err sqfs_cache_init(sqfs_cache *cache, size_t size, size_t count, sqfs_cache_dispose dispose)
{
   struct lru *l = calloc(1, sizeof(*l));
   memset(cache, 0, sizeof(*cache));
   if (l == NULL)
      return SQFS_ERR;
   if (count < 1)
      count = 1;
   l->slot_size = (sizeof(struct slot) + size + 15) & ~(size_t)15;
   for (l->nbuckets = 16; l->nbuckets < count * 2; l->nbuckets *= 2)
      ;
   l->buckets = calloc(l->nbuckets, sizeof(*l->buckets));
   l->slots = calloc(count, l->slot_size);
   if (l->buckets == NULL || l->slots == NULL) {
      free(l->buckets);
      free(l->slots);
      free(l);
      return SQFS_ERR;
   }
   cache->buf = (uint8_t *)l;
   cache->size = size;
   cache->count = count;
   cache->dispose = dispose;
   return SQFS_OK;
}

void sqfs_cache_destroy(sqfs_cache *cache)
{
   struct lru *l = (struct lru *)cache->buf;
   if (l == NULL)
      return;
   for (struct slot *s = l->newest; s != NULL; s = s->older)
      if (s->idx != SQFS_CACHE_IDX_INVALID)
         cache->dispose(s->data);
   free(l->buckets);
   free(l->slots);
   free(l);
   cache->buf = NULL;
}

static void unlink_lru(struct lru *l, struct slot *s)
{
   if (s->newer) s->newer->older = s->older; else l->newest = s->older;
   if (s->older) s->older->newer = s->newer; else l->oldest = s->newer;
}

static void push_newest(struct lru *l, struct slot *s)
{
   s->newer = NULL;
   s->older = l->newest;
   if (l->newest) l->newest->newer = s; else l->oldest = s;
   l->newest = s;
}

static struct slot **find(struct lru *l, sqfs_cache_idx idx)
{
   struct slot **p = &l->buckets[bucket_of(l, idx)];
   while (*p != NULL && (*p)->idx != idx)
      p = &(*p)->chain;
   return p;
}

void *sqfs_cache_get(sqfs_cache *cache, sqfs_cache_idx idx)
{
   struct lru *l = (struct lru *)cache->buf;
   struct slot *s = *find(l, idx);
   if (s == NULL)
      return NULL;
   if (l->newest != s) {
      unlink_lru(l, s);
      push_newest(l, s);
   }
   return s->data;
}

/* Take s out of the hash index. */
static void unindex(struct lru *l, struct slot *s)
{
   struct slot **p = find(l, s->idx);
   *p = s->chain;
   s->idx = SQFS_CACHE_IDX_INVALID;
}

void *sqfs_cache_add(sqfs_cache *cache, sqfs_cache_idx idx)
{
   struct lru *l = (struct lru *)cache->buf;
   struct slot *s;
   cache->next++;
   if (l->used < cache->count) {
      s = slot_at(l, l->used++);
   } else {
      s = l->oldest;
      unlink_lru(l, s);
      if (s->idx != SQFS_CACHE_IDX_INVALID) {
         cache->dispose(s->data);
         unindex(l, s);
      }
   }
   s->idx = idx;
   s->chain = l->buckets[bucket_of(l, idx)];
   l->buckets[bucket_of(l, idx)] = s;
   push_newest(l, s);
   return s->data;
}

/* The caller could not fill the entry it just added: forget it without
   dispose (as the library does), and make its slot the next one taken. */
void sqfs_cache_invalidate(sqfs_cache *cache, sqfs_cache_idx idx)
{
   struct lru *l = (struct lru *)cache->buf;
   struct slot *s = *find(l, idx);
   if (s == NULL)
      return;
   unindex(l, s);
   unlink_lru(l, s);
   s->newer = l->oldest;
   if (l->oldest) l->oldest->older = s; else l->newest = s;
   l->oldest = s;
   s->older = NULL;
}

static void block_dispose(void *data)
{
   sqfs_block_cache_entry *e = data;
   if (e->block != NULL)
      sqfs_block_dispose(e->block);
}

sqfs_err sqfs_block_cache_init(sqfs_cache *cache, size_t count)
{
   return sqfs_cache_init(cache, sizeof(sqfs_block_cache_entry), count, block_dispose);
}
