/* test/lib/xattrs.c: print each PATH's extended attributes, one
   "PATH NAME=VALUE" a line, in listxattr(2)'s order; built statically into
   test images (test/e2e/squashd.test.ts), whose busybox has no getfattr.
   Exits 1 if a call fails, naming it. */
#include <stdio.h>
#include <string.h>
#include <sys/xattr.h>

int main(int argc, char **argv)
{
   for (int i = 1; i < argc; i++) {
      char names[4096], value[4096];
      ssize_t n = listxattr(argv[i], names, sizeof(names));
      if (n < 0) {
         perror("listxattr");
         return 1;
      }
      for (char *p = names; p < names + n; p += strlen(p) + 1) {
         ssize_t v = getxattr(argv[i], p, value, sizeof(value));
         if (v < 0) {
            perror("getxattr");
            return 1;
         }
         printf("%s %s=%.*s\n", argv[i], p, (int)v, value);
      }
   }
   return 0;
}
