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
