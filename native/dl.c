/* Opening a library on first use: see dl.h. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include "binding.h"
#include "dl.h"

/* dlerror()'s text carries the reason; errno says little, so the error's
   code is ELIBACC whatever dlopen's cause. */
static void throw_dl(duk_context *ctx, const char *call, const char *soname)
{
   const char *why = dlerror();
   throw_error(ctx, 0, "ELIBACC", call, soname, NULL, why ? why : "failed");
}

void dl_require(duk_context *ctx, void **handle, const char *soname, const struct dl_symbol *symbols)
{
   void *h;
   if (*handle != NULL)
      return;
   h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
   if (h == NULL)
      throw_dl(ctx, "dlopen", soname);
   for (const struct dl_symbol *s = symbols; s->name != NULL; s++) {
      dlerror();
      if ((*s->slot = dlsym(h, s->name)) == NULL) {
         dlclose(h);
         throw_dl(ctx, "dlsym", s->name);
      }
   }
   *handle = h;
}
