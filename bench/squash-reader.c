/* bench/squash-reader: the load of bench/squash-read, run inside the
   container (built statically into the benchmark image).

   Usage: squash-reader READERS PASSES LIST

   LIST names one file per line. READERS processes each read every file of
   the list PASSES times, in list order, each time with open + read to EOF
   + close: a Python-import-storm-like load (many processes opening the
   same thousands of small files). The first pass is cold (the server reads
   and decompresses), later ones are warm (the page cache has the data, but
   every open still asks the FUSE server).

   Output, one line: FILES SECONDS FILES_PER_SECOND, where FILES counts
   every open of every reader and SECONDS runs from the readers' start to
   the last one's exit. Exits non-zero if any open or read fails. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
   struct timespec t;
   clock_gettime(CLOCK_MONOTONIC, &t);
   return t.tv_sec + t.tv_nsec / 1e9;
}

static int read_all(char **paths, int n, int passes)
{
   static char buf[65536];
   for (int p = 0; p < passes; p++)
      for (int i = 0; i < n; i++) {
         int fd = open(paths[i], O_RDONLY | O_CLOEXEC);
         ssize_t got;
         if (fd < 0) {
            fprintf(stderr, "squash-reader: %s: %s\n", paths[i], strerror(errno));
            return 1;
         }
         while ((got = read(fd, buf, sizeof(buf))) > 0)
            ;
         if (got < 0) {
            fprintf(stderr, "squash-reader: %s: %s\n", paths[i], strerror(errno));
            return 1;
         }
         close(fd);
      }
   return 0;
}

int main(int argc, char **argv)
{
   int readers, passes, n = 0, cap = 1024, failed = 0, status;
   char **paths, line[4096];
   FILE *list;
   double t0;

   if (argc != 4 || (readers = atoi(argv[1])) < 1 || (passes = atoi(argv[2])) < 1) {
      fprintf(stderr, "usage: squash-reader READERS PASSES LIST\n");
      return 64;
   }
   if ((list = fopen(argv[3], "r")) == NULL || (paths = malloc(cap * sizeof(*paths))) == NULL) {
      fprintf(stderr, "squash-reader: %s: %s\n", argv[3], strerror(errno));
      return 1;
   }
   while (fgets(line, sizeof(line), list)) {
      line[strcspn(line, "\n")] = '\0';
      if (n == cap && (paths = realloc(paths, (cap *= 2) * sizeof(*paths))) == NULL)
         return 1;
      if ((paths[n++] = strdup(line)) == NULL)
         return 1;
   }
   fclose(list);

   t0 = now();
   for (int r = 0; r < readers; r++) {
      pid_t pid = fork();
      if (pid < 0) {
         perror("squash-reader: fork");
         return 1;
      }
      if (pid == 0)
         _exit(read_all(paths, n, passes));
   }
   while (wait(&status) > 0)
      failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
   if (failed)
      return 1;
   double s = now() - t0;
   printf("%ld %.4f %.0f\n", (long)readers * passes * n, s, readers * passes * n / s);
   return 0;
}
