/* skiff-squashd is linked statically (Makefile). libfuse3.a's low-level
   code drags in its high-level API (fuse_lowlevel.o -> cuse_lowlevel.o ->
   helper.o -> fuse.o), whose module loader calls dlopen(3), and the linker
   warns at every build that a static program's dlopen needs the shared
   libraries of the glibc it was built with. Nothing here loads a module:
   the link sends that call here (-Wl,--wrap=dlopen), and it fails. The
   sanitizer build (dynamic) does not link this. */
#include <stddef.h>

void *__wrap_dlopen(const char *file, int mode);

void *__wrap_dlopen(const char *file, int mode)
{
   return NULL;
}
