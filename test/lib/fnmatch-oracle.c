/* glibc's fnmatch(3) with FNM_EXTMATCH, as ch-run's --unset-env calls it, for
   checking src/env/glob.ts: reads NUL-terminated (pattern, name) pairs from
   stdin and prints one character per pair, 1 for a match and 0 for none. */
#define _GNU_SOURCE
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
   char *pattern = NULL, *name = NULL;
   size_t pn = 0, nn = 0;
   while (getdelim(&pattern, &pn, '\0', stdin) > 0 && getdelim(&name, &nn, '\0', stdin) > 0)
      putchar(fnmatch(pattern, name, FNM_EXTMATCH) == 0 ? '1' : '0');
   return ferror(stdin) || fflush(stdout) != 0;
}
