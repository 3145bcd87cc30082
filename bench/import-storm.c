/* bench/import-storm.c: one rank of bench/import-storm, run inside the
   container (built statically into the benchmark image).

   Usage: import-storm NAME DIR

   Walks DIR as a Python start-up does with its site-packages: lists every
   directory, stats every entry, looks for the compiled-extension names
   Python's finder tries first before each module (they don't exist:
   negative lookups), then opens and reads every regular file to the end.
   Prints "NAME MICROSECONDS" on standard error, the time the walk took,
   and then runs /stamp (bench/join-timer.c) with the same standard input
   and output, so that the timer sees when this rank finished. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *const EXT_SUFFIXES[] = {
   ".cpython-311-x86_64-linux-gnu.so", ".abi3.so", ".so",
};

static void fail(const char *what, const char *path)
{
   fprintf(stderr, "import-storm: %s: %s: %s\n", what, path, strerror(errno));
   exit(1);
}

static void read_file(const char *path)
{
   static char buf[65536];
   ssize_t got;
   int fd = open(path, O_RDONLY | O_CLOEXEC);
   if (fd < 0)
      fail("open", path);
   while ((got = read(fd, buf, sizeof(buf))) > 0)
      ;
   if (got < 0)
      fail("read", path);
   close(fd);
}

static void walk(const char *dir)
{
   struct dirent *e;
   struct stat st;
   char path[4096];
   DIR *d = opendir(dir);
   if (d == NULL)
      fail("opendir", dir);
   while ((e = readdir(d)) != NULL) {
      if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
         continue;
      snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
      if (lstat(path, &st) != 0)
         fail("stat", path);
      if (S_ISDIR(st.st_mode)) {
         walk(path);
      } else if (S_ISREG(st.st_mode)) {
         size_t len = strlen(path);
         if (len > 3 && strcmp(path + len - 3, ".py") == 0)
            for (size_t i = 0; i < sizeof(EXT_SUFFIXES) / sizeof(*EXT_SUFFIXES); i++) {
               char miss[4096];
               snprintf(miss, sizeof(miss), "%.*s%s", (int)(len - 3), path, EXT_SUFFIXES[i]);
               if (stat(miss, &st) == 0 || errno != ENOENT)
                  fail("stat (expected ENOENT)", miss);
            }
         read_file(path);
      }
   }
   closedir(d);
}

int main(int argc, char **argv)
{
   struct timespec t0, t1;
   if (argc != 3) {
      fprintf(stderr, "usage: import-storm NAME DIR\n");
      return 64;
   }
   clock_gettime(CLOCK_MONOTONIC, &t0);
   walk(argv[2]);
   clock_gettime(CLOCK_MONOTONIC, &t1);
   fprintf(stderr, "%s %ld\n", argv[1],
           (long)((t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000));
   execl("/stamp", "stamp", (char *)NULL);
   fail("exec", "/stamp");
}
