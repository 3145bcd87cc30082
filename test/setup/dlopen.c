/* dlopen-test LIB SYMBOL: dlopen LIB (a soname: found only through the ld
   cache when its directory is not a default one), call SYMBOL (int (void))
   and print its value. For the CDI tests' image (test/setup/setup.sh). */
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv)
{
   void *lib;
   int (*f)(void);

   if (argc != 3) {
      fprintf(stderr, "usage: dlopen-test LIB SYMBOL\n");
      return 2;
   }
   lib = dlopen(argv[1], RTLD_NOW);
   if (lib == NULL) {
      fprintf(stderr, "dlopen-test: %s\n", dlerror());
      return 1;
   }
   f = (int (*)(void))dlsym(lib, argv[2]);
   if (f == NULL) {
      fprintf(stderr, "dlopen-test: %s\n", dlerror());
      return 1;
   }
   printf("%s: %d\n", argv[2], f());
   return 0;
}
