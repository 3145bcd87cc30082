/* Duktape's math functions without linking libm (native/duk_custom.h points
   Duktape's DUK_FMOD, DUK_SIN, ... here).

   Linking libm cost every launch its loading: a file to open and map, its
   relocations, and the page faults of touching it (on a VM, each a trip to
   the hypervisor), for functions skiff's program never calls: it uses
   Math.floor, max and min, which Duktape computes without libm. A --join
   peer's CPU time fell 5% without it (bench/join, N = 32).

   fmod is the exception: Duktape calls it for every % and every ToInt32 /
   ToUint32 of a double (`x | 0`, `x >>> 0`), so it is computed here, exactly.
   The others (Math.sin, Math.pow, **, ...) load libm the first time one is
   called, and behave as libm's own. */
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "duktape.h"

/* fmod(3), exactly: the remainder of |x| by |y| with x's sign, by long
   division. Each step subtracts the largest t = |y|·2^k not above r, and
   t <= r < 2t makes r - t exact (Sterbenz), so the result is too. */
double skiff_fmod(double x, double y)
{
   double r = fabs(x), m = fabs(y);
   if (isnan(x) || isnan(y) || isinf(x) || m == 0)
      return NAN;
   while (r >= m) { // never true for an infinite y: r is finite
      int er, em;
      double t;
      (void)frexp(r, &er);
      (void)frexp(m, &em);
      t = ldexp(m, er - em); // r's binary exponent; k >= 0, so exact
      if (t > r)
         t = ldexp(m, er - em - 1);
      r -= t;
   }
   return copysign(r, x);
}

/* libm, opened on first use. Duktape gives a math function no way to fail,
   so failing to load libm (after pivot_root it is not there, but skiff's
   program has no call to any of these) ends the process with a message. */
static void *libm_symbol(const char *name)
{
   static void *libm;
   void *f;
   if (libm == NULL && (libm = dlopen("libm.so.6", RTLD_NOW | RTLD_LOCAL)) == NULL) {
      fprintf(stderr, "skiff: can't load libm for %s(): %s\n", name, dlerror());
      abort();
   }
   if ((f = dlsym(libm, name)) == NULL) {
      fprintf(stderr, "skiff: can't find %s() in libm: %s\n", name, dlerror());
      abort();
   }
   return f;
}

#define LAZY_LIBM_1(name)                                                                \
   double skiff_##name(double x)                                                         \
   {                                                                                     \
      static double (*f)(double);                                                        \
      if (f == NULL)                                                                     \
         f = (double (*)(double))libm_symbol(#name);                                     \
      return f(x);                                                                       \
   }
#define LAZY_LIBM_2(name)                                                                \
   double skiff_##name(double x, double y)                                               \
   {                                                                                     \
      static double (*f)(double, double);                                                \
      if (f == NULL)                                                                     \
         f = (double (*)(double, double))libm_symbol(#name);                             \
      return f(x, y);                                                                    \
   }

LAZY_LIBM_1(acos)
LAZY_LIBM_1(asin)
LAZY_LIBM_1(atan)
LAZY_LIBM_1(cbrt)
LAZY_LIBM_1(cos)
LAZY_LIBM_1(exp)
LAZY_LIBM_1(log)
LAZY_LIBM_1(log10)
LAZY_LIBM_1(log2)
LAZY_LIBM_1(sin)
LAZY_LIBM_1(sqrt)
LAZY_LIBM_1(tan)
LAZY_LIBM_2(atan2)
LAZY_LIBM_2(pow)
