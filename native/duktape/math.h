/* Math without libm (native/duk_math.c): loading libm cost every launch
   more than anything in it is worth to skiff's program. Not configuration
   options but the platform's math functions, which duk_config.h defines
   earlier: the Makefile appends this to it (configure.py --fixup-file). */
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
