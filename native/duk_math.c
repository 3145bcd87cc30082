/* Duktape's math functions without linking libm (native/duktape/math.h points
   Duktape's DUK_FMOD, DUK_SIN, ... here).

   Linking libm cost every launch its loading: a file to open and map, its
   relocations, and the page faults of touching it (on a VM, each a trip to
   the hypervisor), for functions skiff's program never calls: it uses
   Math.floor, max and min, which Duktape computes without libm. A --join
   peer's CPU time fell 5% without it (bench/join, N = 32).

   fmod is the exception: Duktape calls it for every % and every ToInt32 /
   ToUint32 of a double (`x | 0`, `x >>> 0`), so it is computed here, exactly.
   The others serve only Math.sin, Math.pow, ** and the like, which skiff's
   program does without. */
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

/* The rest of Math is not there: skiff's program does not call it (test/unit/
   duk-math.test.ts checks the build's bundles), and loading libm on demand
   could, after pivot_root, load the image's copy into this process, which
   still holds the host's file descriptors. Duktape gives a math function no
   way to fail, so a call ends the process, saying which. */
static double missing(const char *name)
{
   fprintf(stderr, "skiff: internal error: Math uses %s(), and skiff links no libm (native/duk_math.c)\n", name);
   abort();
}

#define MISSING_1(name)                                                                  \
   double skiff_##name(double x)                                                         \
   {                                                                                     \
      (void)x;                                                                           \
      return missing(#name);                                                             \
   }
#define MISSING_2(name)                                                                  \
   double skiff_##name(double x, double y)                                               \
   {                                                                                     \
      (void)x, (void)y;                                                                  \
      return missing(#name);                                                             \
   }

MISSING_1(acos)
MISSING_1(asin)
MISSING_1(atan)
MISSING_1(cbrt)
MISSING_1(cos)
MISSING_1(exp)
MISSING_1(log)
MISSING_1(log10)
MISSING_1(log2)
MISSING_1(sin)
MISSING_1(sqrt)
MISSING_1(tan)
MISSING_2(atan2)
MISSING_2(pow)
