/* skiff's Duktape configuration: spliced by the Makefile into a copy of
   Debian's duk_config.h at its override point. Each option below makes the
   launch cheaper (measured with callgrind on `skiff run IMG -- /bin/true`,
   see bench/launch) without changing what the program can do. */

/* Function objects carry no pc-to-line tables (the bundle is one line, so
   they said nothing), no fileName (there is one file) and no name (nothing
   reads it; stack traces of internal errors lose the names). All three were
   loaded from the bytecode for every function (name: -4% instructions). */
#undef DUK_USE_PC2LINE
#undef DUK_USE_FUNC_FILENAME_PROPERTY
#undef DUK_USE_FUNC_NAME_PROPERTY

/* Built-in functions (Array.prototype.push, ...) are light values instead of
   full objects, so creating the heap allocates far fewer objects. They still
   behave as functions; they just have no own properties. */
#define DUK_USE_LIGHTFUNC_BUILTINS

/* No reference counting: garbage is left for mark-and-sweep, which runs only
   when the program asks (native.gc()) or an allocation fails. A launch is
   short and its garbage small, and the arena never reuses freed blocks
   anyway, so counting references was pure cost: every push, pop and property
   access wrote the counted object's header. Those writes also made the
   container process, forked from the supervisor, copy on write most heap
   pages it read (bench/squash-launch: CPU -10%). The long-running loops
   (the SquashFS supervisor) collect their own garbage with native.gc(). */
#undef DUK_USE_REFERENCE_COUNTING
#undef DUK_USE_DOUBLE_LINKED_HEAP
#undef DUK_USE_VOLUNTARY_GC

/* A string table big enough for everything a run interns (about 2000 strings), so
   it never grows: growing reallocates and rehashes the whole table, and when
   that happened in the container process, right after fork, every page it
   touched was a copy-on-write fault (bench/squash-launch: 1.09 -> 0.98 of
   ch-run's time; the directory launch: 1.15 -> 1.07). */
#undef DUK_USE_STRTAB_MINSIZE
#define DUK_USE_STRTAB_MINSIZE 8192

/* Math without libm (native/duk_math.c): loading libm cost every launch
   more than anything in it is worth to skiff's program. */
double skiff_fmod(double x, double y);
double skiff_pow(double x, double y);
double skiff_atan2(double x, double y);
double skiff_acos(double x);
double skiff_asin(double x);
double skiff_atan(double x);
double skiff_cbrt(double x);
double skiff_cos(double x);
double skiff_exp(double x);
double skiff_log(double x);
double skiff_log10(double x);
double skiff_log2(double x);
double skiff_sin(double x);
double skiff_sqrt(double x);
double skiff_tan(double x);
#undef DUK_FMOD
#define DUK_FMOD skiff_fmod
#undef DUK_POW
#define DUK_POW skiff_pow
#undef DUK_ATAN2
#define DUK_ATAN2 skiff_atan2
#undef DUK_ACOS
#define DUK_ACOS skiff_acos
#undef DUK_ASIN
#define DUK_ASIN skiff_asin
#undef DUK_ATAN
#define DUK_ATAN skiff_atan
#undef DUK_CBRT
#define DUK_CBRT skiff_cbrt
#undef DUK_COS
#define DUK_COS skiff_cos
#undef DUK_EXP
#define DUK_EXP skiff_exp
#undef DUK_LOG
#define DUK_LOG skiff_log
#undef DUK_LOG10
#define DUK_LOG10 skiff_log10
#undef DUK_LOG2
#define DUK_LOG2 skiff_log2
#undef DUK_SIN
#define DUK_SIN skiff_sin
#undef DUK_SQRT
#define DUK_SQRT skiff_sqrt
#undef DUK_TAN
#define DUK_TAN skiff_tan
