/* Prints native/constants.def as NAME VALUE lines, with this machine's
   headers, for scripts/gen-constants.mjs. A build tool, not part of skiff. */
#define _GNU_SOURCE
#include <stdio.h>
#include "constants.h"

/* Each stringifies its own argument, unexpanded. */
#define NAMED(name, value) { #name, (double)(value) },
#define CONSTANT(name) { #name, (double)(name) },
#define OPTIONAL(name) { #name, (double)(name) },
static const struct { const char *name; double value; } constants[] = {
#include "constants.def"
};

int main(void)
{
   for (size_t i = 0; i < sizeof constants / sizeof constants[0]; i++)
      printf("%s %.0f\n", constants[i].name, constants[i].value);
   return 0;
}
