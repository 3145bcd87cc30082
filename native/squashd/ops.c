/* The FUSE operations. The image never changes while mounted, so the
   kernel is told it may cache everything for good: entries (negative ones
   too), attributes, symlinks, directory listings and file data. Open and
   opendir are "not implemented": the kernel then stops sending OPEN,
   OPENDIR, RELEASE and RELEASEDIR, and keeps file data cached across
   opens, so a warm open() costs no request at all.

   FUSE inode numbers: the root is 1 (FUSE_ROOT_ID); any other inode is its
   SquashFS inode number + 1 (those start at 1). Hard links share theirs. A
   lookup or readdirplus records the inode's ID under its number (img.ids),
   so that later requests find it without the export table. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>

#include "squashd.h"

/* "For good": libfuse caps a timeout at what the kernel can hold. */
static const double FOREVER = 1e12;

#define COUNT(op) (img.requests[op]++)

static fuse_ino_t fuse_ino(sqfs_inode_num n)
{
   return (fuse_ino_t)n + 1;
}

static void remember(fuse_ino_t ino, sqfs_inode_id id)
{
   atomic_store_explicit(&img.ids[ino], id | KNOWN, memory_order_relaxed);
}

/* The inode behind a FUSE inode number: 0, or an errno. */
static int get_inode(struct handle *h, fuse_ino_t ino, sqfs_inode *inode)
{
   sqfs_inode_id id;
   if (ino == FUSE_ROOT_ID) {
      id = img.root;
   } else {
      uint64_t v = ino <= (fuse_ino_t)img.inodes + 1
         ? atomic_load_explicit(&img.ids[ino], memory_order_relaxed) : 0;
      if (!(v & KNOWN))
         return ESTALE;
      id = v & ~KNOWN;
   }
   return sqfs_inode_get(&h->fs, inode, id) == SQFS_OK ? 0 : EIO;
}

/* stat(2) of an inode, as libsquashfuse's own servers give it. */
static int stat_inode(struct handle *h, sqfs_inode *inode, fuse_ino_t ino, struct stat *st)
{
   sqfs_id_t uid, gid;
   memset(st, 0, sizeof(*st));
   if (sqfs_id_get(&h->fs, inode->base.uid, &uid) || sqfs_id_get(&h->fs, inode->base.guid, &gid))
      return EIO;
   st->st_ino = ino;
   st->st_mode = inode->base.mode;
   st->st_nlink = inode->nlink;
   st->st_uid = uid;
   st->st_gid = gid;
   st->st_mtime = st->st_ctime = st->st_atime = inode->base.mtime;
   st->st_blksize = h->fs.sb.block_size;
   if (S_ISREG(st->st_mode)) {
      st->st_size = inode->xtra.reg.file_size;
      st->st_blocks = st->st_size / 512;
   } else if (S_ISBLK(st->st_mode) || S_ISCHR(st->st_mode)) {
      st->st_rdev = makedev(inode->xtra.dev.major, inode->xtra.dev.minor);
   } else if (S_ISLNK(st->st_mode)) {
      st->st_size = inode->xtra.symlink_size;
   }
   return 0;
}

/* The entry for a directory entry e: its inode read, its attributes and
   number in *out. 0 or an errno. */
static int entry_of(struct handle *h, sqfs_dir_entry *e, struct fuse_entry_param *out)
{
   sqfs_inode inode;
   fuse_ino_t ino = fuse_ino(sqfs_dentry_inode_num(e));
   memset(out, 0, sizeof(*out));
   if (ino > (fuse_ino_t)img.inodes + 1 || sqfs_inode_get(&h->fs, &inode, sqfs_dentry_inode(e)))
      return EIO;
   if (stat_inode(h, &inode, ino, &out->attr))
      return EIO;
   out->ino = ino;
   out->attr_timeout = out->entry_timeout = FOREVER;
   remember(ino, sqfs_dentry_inode(e));
   return 0;
}

static void op_init(void *data, struct fuse_conn_info *conn)
{
   conn->want |= (FUSE_CAP_CACHE_SYMLINKS | FUSE_CAP_READDIRPLUS | FUSE_CAP_PARALLEL_DIROPS) & conn->capable;
   /* Always readdirplus: a walk stats what it lists. */
   conn->want &= ~(FUSE_CAP_READDIRPLUS_AUTO | FUSE_CAP_AUTO_INVAL_DATA);
}

/* ENOSYS to the first OPEN (OPENDIR) tells the kernel (3.14 and later;
   5.1 for directories) to send none again, nor RELEASE, and to keep the
   page cache across opens; libfuse would answer a missing open with a
   plain success. Writes never get here: the mount is read-only. */
static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
   COUNT(FUSE_OPEN);
   fuse_reply_err(req, ENOSYS);
}

static void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
   COUNT(FUSE_OPENDIR);
   fuse_reply_err(req, ENOSYS);
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
   struct fuse_entry_param ep;
   sqfs_name namebuf;
   sqfs_dir_entry e;
   sqfs_inode dir;
   bool found = false;
   int err;
   struct handle *h = handle_acquire();

   COUNT(FUSE_LOOKUP);
   if (h == NULL)
      err = EIO;
   else if ((err = get_inode(h, parent, &dir)) == 0 && !S_ISDIR(dir.base.mode))
      err = ENOTDIR;
   if (err == 0) {
      sqfs_dentry_init(&e, namebuf);
      if (sqfs_dir_lookup(&h->fs, &dir, name, strlen(name), &e, &found))
         err = EIO;
      else if (found)
         err = entry_of(h, &e, &ep);
   }
   handle_release();
   if (err != 0) {
      fuse_reply_err(req, err);
   } else if (!found) {
      /* ino 0: "no such entry", cached for entry_timeout */
      memset(&ep, 0, sizeof(ep));
      ep.entry_timeout = FOREVER;
      fuse_reply_entry(req, &ep);
   } else {
      fuse_reply_entry(req, &ep);
   }
}

static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
   /* img.ids keeps what it learnt: an inode's ID never changes. */
   fuse_reply_none(req);
}

static void op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
   fuse_reply_none(req);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
   struct stat st;
   sqfs_inode inode;
   int err;
   struct handle *h = handle_acquire();

   COUNT(FUSE_GETATTR);
   err = h == NULL ? EIO : get_inode(h, ino, &inode);
   if (err == 0)
      err = stat_inode(h, &inode, ino, &st);
   handle_release();
   if (err != 0)
      fuse_reply_err(req, err);
   else
      fuse_reply_attr(req, &st, FOREVER);
}

static void op_readlink(fuse_req_t req, fuse_ino_t ino)
{
   sqfs_inode inode;
   size_t size = 0;
   char *target = NULL;
   int err;
   struct handle *h = handle_acquire();

   COUNT(FUSE_READLINK);
   err = h == NULL ? EIO : get_inode(h, ino, &inode);
   if (err == 0 && !S_ISLNK(inode.base.mode))
      err = EINVAL;
   if (err == 0 && sqfs_readlink(&h->fs, &inode, NULL, &size))
      err = EIO;
   if (err == 0 && (target = malloc(size + 1)) == NULL)
      err = ENOMEM;
   if (err == 0 && sqfs_readlink(&h->fs, &inode, target, &size))
      err = EIO;
   handle_release();
   if (err != 0)
      fuse_reply_err(req, err);
   else
      fuse_reply_readlink(req, target);
   free(target);
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
   sqfs_inode inode;
   sqfs_off_t got = size;
   char *buf = thread_buffer(size);
   int err;
   struct handle *h = handle_acquire();

   COUNT(FUSE_READ);
   err = h == NULL || buf == NULL ? EIO : get_inode(h, ino, &inode);
   if (err == 0 && !S_ISREG(inode.base.mode))
      err = EISDIR;
   if (err == 0 && sqfs_read_range(&h->fs, &inode, off, &got, buf))
      err = EIO;
   handle_release();
   if (err != 0)
      fuse_reply_err(req, err);
   else
      fuse_reply_buf(req, buf, got);
}

/* READDIR and READDIRPLUS: entries from offset off, as many as fit in
   size bytes. No "." or "..", as libsquashfuse's own servers. */
static void readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, bool plus)
{
   sqfs_inode inode;
   sqfs_dir dir;
   sqfs_name namebuf;
   sqfs_dir_entry e;
   sqfs_err sqerr = SQFS_OK;
   size_t used = 0;
   char *buf = thread_buffer(size);
   int err;
   struct handle *h = handle_acquire();

   COUNT(plus ? FUSE_READDIRPLUS : FUSE_READDIR);
   err = h == NULL || buf == NULL ? EIO : get_inode(h, ino, &inode);
   if (err == 0 && !S_ISDIR(inode.base.mode))
      err = ENOTDIR;
   if (err == 0 && sqfs_dir_open(&h->fs, &inode, &dir, off))
      err = EINVAL;
   if (err == 0) {
      sqfs_dentry_init(&e, namebuf);
      while (sqfs_dir_next(&h->fs, &dir, &e, &sqerr)) {
         size_t n;
         if (plus) {
            struct fuse_entry_param ep;
            if ((err = entry_of(h, &e, &ep)) != 0)
               break;
            n = fuse_add_direntry_plus(req, buf + used, size - used, sqfs_dentry_name(&e), &ep,
                                       sqfs_dentry_next_offset(&e));
         } else {
            struct stat st = { .st_ino = fuse_ino(sqfs_dentry_inode_num(&e)), .st_mode = sqfs_dentry_mode(&e) };
            n = fuse_add_direntry(req, buf + used, size - used, sqfs_dentry_name(&e), &st,
                                  sqfs_dentry_next_offset(&e));
         }
         if (n > size - used)
            break;
         used += n;
      }
      if (sqerr != SQFS_OK)
         err = EIO;
   }
   handle_release();
   if (err != 0)
      fuse_reply_err(req, err);
   else
      fuse_reply_buf(req, buf, used);
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
   readdir(req, ino, size, off, false);
}

static void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
   readdir(req, ino, size, off, true);
}

static void op_statfs(fuse_req_t req, fuse_ino_t ino)
{
   struct statvfs st = { 0 };
   struct handle *h = handle_acquire();

   COUNT(FUSE_STATFS);
   if (h != NULL) {
      st.f_bsize = st.f_frsize = h->fs.sb.block_size;
      st.f_blocks = (h->fs.sb.bytes_used + h->fs.sb.block_size - 1) / h->fs.sb.block_size;
      st.f_files = h->fs.sb.inodes;
      st.f_namemax = SQUASHFS_NAME_LEN;
   }
   handle_release();
   if (h == NULL)
      fuse_reply_err(req, EIO);
   else
      fuse_reply_statfs(req, &st);
}

static void op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
   sqfs_inode inode;
   size_t real = size;
   char *buf = thread_buffer(size ? size : 1);
   int err;
   struct handle *h = handle_acquire();

   COUNT(FUSE_GETXATTR);
   err = h == NULL || buf == NULL ? EIO : get_inode(h, ino, &inode);
   if (err == 0 && sqfs_xattr_lookup(&h->fs, &inode, name, buf, &real))
      err = EIO;
   handle_release();
   if (err != 0)
      fuse_reply_err(req, err);
   else if (real == 0)
      fuse_reply_err(req, ENODATA);
   else if (size == 0)
      fuse_reply_xattr(req, real);
   else if (size < real)
      fuse_reply_err(req, ERANGE);
   else
      fuse_reply_buf(req, buf, real);
}

/* The names of an inode's extended attributes, each NUL-terminated, into
   buf (NULL: just count them); their total size in *size. */
static int list_xattrs(struct handle *h, sqfs_inode *inode, char *buf, size_t *size)
{
   sqfs_xattr x;
   size_t count = 0;
   if (sqfs_xattr_open(&h->fs, inode, &x))
      return EIO;
   while (x.remain) {
      size_t n;
      if (sqfs_xattr_read(&x))
         return EIO;
      n = sqfs_xattr_name_size(&x);
      if (buf != NULL) {
         if (count + n + 1 > *size)
            return ERANGE;
         if (sqfs_xattr_name(&x, buf + count, true))
            return EIO;
         buf[count + n] = '\0';
      }
      count += n + 1;
   }
   *size = count;
   return 0;
}

static void op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
   sqfs_inode inode;
   char *buf = size ? thread_buffer(size) : NULL;
   int err;
   struct handle *h = handle_acquire();

   COUNT(FUSE_LISTXATTR);
   err = h == NULL || (size && buf == NULL) ? EIO : get_inode(h, ino, &inode);
   if (err == 0)
      err = list_xattrs(h, &inode, buf, &size);
   handle_release();
   if (err != 0)
      fuse_reply_err(req, err);
   else if (buf == NULL)
      fuse_reply_xattr(req, size);
   else
      fuse_reply_buf(req, buf, size);
}

const struct fuse_lowlevel_ops squashd_ops = {
   .init = op_init,
   .lookup = op_lookup,
   .open = op_open,
   .opendir = op_opendir,
   .forget = op_forget,
   .forget_multi = op_forget_multi,
   .getattr = op_getattr,
   .readlink = op_readlink,
   .read = op_read,
   .readdir = op_readdir,
   .readdirplus = op_readdirplus,
   .statfs = op_statfs,
   .getxattr = op_getxattr,
   .listxattr = op_listxattr,
};
