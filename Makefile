# skiff: `make` builds build/skiff (and build/ch-run), `make demo` runs it on
# a demo image, `make test` runs the whole suite. See README.md.

PREFIX ?= /usr/local
CC ?= cc
CFLAGS ?= -O2 -g -Wall -Wextra -Wno-unused-parameter
HOST_CFLAGS = $(CFLAGS) -std=gnu11 -I$(B)/duktape -D_FORTIFY_SOURCE=2
# skiff is a position-independent executable (ASLR), so every pointer in
# its read-only data (mostly Duktape's ROM objects) is relocated, its page
# written, at every start. Relative relocations packed as DT_RELR (glibc
# 2.36): ~1 KB to read instead of 58 KB, for ld.so or the static PIE's own
# start.
HOST_LDFLAGS = -Wl,-z,pack-relative-relocs
# Duktape's own code does not need our warnings. Its data aligned as the ABI
# asks, not to 32 bytes (GCC's default on x86 for objects of 32 bytes or
# more): the ROM objects, each padded to 32 bytes, took two more pages to
# relocate. Only where the compiler has the option (x86).
DUK_CFLAGS = -O2 -g -std=gnu11 -w \
             $(shell $(CC) -malign-data=abi -E -x c /dev/null >/dev/null 2>&1 && echo -malign-data=abi)

# `make DEBUG=1` builds, in build/debug, a skiff whose internal errors show
# a stack with function names and lines (Duktape keeps them: debug.yaml; the
# bundles keep short lines): slower to start, for finding a bug.
B = build$(if $(DEBUG),/debug)
TS_SOURCES = $(shell find src -name '*.ts') tsconfig.json
# The bindings of libraries skiff dlopen()s (libarchive, libcurl, libcrypto:
# the image commands'): in skiff-dynamic only.
LIBRARY_SOURCES = native/archive.c native/dl.h native/dl.c native/curl.c native/digest.h native/digest.c
NATIVE_SOURCES = native/host.c native/binding.c native/binding.h native/duk_math.c native/at.c $(LIBRARY_SOURCES)

.PHONY: all debug demo test check install bench clean docs
# A recipe that fails leaves no half-made target for the next make to trust.
.DELETE_ON_ERROR:

all: $(B)/skiff $(B)/skiff-dynamic $(B)/ch-run $(B)/man/.made $(B)/skiff.bash build/skiff-squashd build/skiff-squashd-asan

# Missing build dependencies are installed (as root) or named (otherwise).
build/.deps: scripts/deps.sh package-lock.json
	bash scripts/deps.sh build
	@mkdir -p $(B) && touch $@

# Duktape, configured by its own tool from Debian's source package
# (scripts/duktape-source.sh, fetched once into build/duktape-src) with
# skiff's options (native/duktape/: config.yaml, and debug.yaml for
# `make DEBUG=1`) and built-ins in read-only data.
PYTHON ?= /usr/bin/python3
DUKTAPE_SRC = build/duktape-src
DUKTAPE_OPTIONS = native/duktape/config.yaml $(if $(DEBUG),native/duktape/debug.yaml)

$(DUKTAPE_SRC)/tools/configure.py: scripts/duktape-source.sh $(wildcard native/duktape/*.patch) | build/.deps
	bash scripts/duktape-source.sh $(DUKTAPE_SRC)

$(B)/duktape/duktape.c: $(DUKTAPE_SRC)/tools/configure.py $(DUKTAPE_OPTIONS) native/duktape/math.h Makefile
	rm -rf $(B)/duktape && mkdir -p $(B)
	$(PYTHON) $< --quiet --duk-dist-meta $(DUKTAPE_SRC)/duk_dist_meta.json --output-directory $(B)/duktape \
	  --rom-support --rom-auto-lightfunc \
	  $(DUKTAPE_OPTIONS:%=--option-file %) --fixup-file native/duktape/math.h

$(B)/duktape.o: $(B)/duktape/duktape.c
	$(CC) $(DUK_CFLAGS) -c $< -o $@

$(B)/dukc: native/dukc.c native/duk_math.c $(B)/duktape.o
	$(CC) $(HOST_CFLAGS) $^ -o $@

# TypeScript → ES5 (tsc type-checks against ES5 + Duktape's extras and lowers
# classes, iteration, ...) → bundles → Duktape bytecode. tsc emits ES
# modules, which esbuild merges into one scope: no per-module wrapper and
# exports object to create and look names up in at every start. Rarely used
# code is bundled apart, as units the program loads only when it needs them
# (src/unit/unit.ts, whose Units interface lists them, one a line:
# NAME: typeof import("../FOLDER/unit")): UNITS has NAME=FOLDER/unit for each.
UNITS := $(shell sed -n 's|^  \([a-z0-9_]*\): typeof import("\.\./\([a-z0-9_/-]*\)");$$|\1=\2|p' src/unit/unit.ts)
$(if $(UNITS),,$(error no units found in src/unit/unit.ts's Units interface))
UNIT_NAMES = $(foreach u,$(UNITS),$(firstword $(subst =, ,$(u))))
UNIT_BYTECODE = $(UNIT_NAMES:%=$(B)/unit-%.bc)

# The numbers the program passes to the binding, as a const enum whose values
# tsc writes into the program, and the same values for the tests: this
# machine's, from one table (native/constants.def).
build/constants-dump: native/constants_dump.c native/constants.h native/constants.def | build/.deps
	$(CC) $(CFLAGS) $< -o $@

src/sys/constants.ts test/lib/constants.ts &: build/constants-dump scripts/gen-constants.mjs
	node scripts/gen-constants.mjs native/constants.def build/constants-dump

# tsc's output, build/tsc, serves the release and the debug bundles alike;
# tsc compiles incrementally (tsconfig.json: build/tsc/.tsbuildinfo).
build/tsc/.stamp: $(TS_SOURCES) src/sys/constants.ts scripts/check-layers.mjs | build/.deps
	node scripts/check-layers.mjs src
	node_modules/.bin/tsc -p tsconfig.json
	touch $@

$(B)/program.js: build/tsc/.stamp scripts/bundle.mjs Makefile
	node scripts/bundle.mjs --out=$(B) $(if $(DEBUG),--debug) $(UNITS)

$(B)/units.h: $(B)/program.js
	@test -f $@

$(B)/unit-%.js: $(B)/program.js
	@test -f $@
# Kept for reading: make would delete them as intermediate files.
.SECONDARY: $(UNIT_NAMES:%=$(B)/unit-%.js)

# dukc's bytecode, each function's flags then cut to what its code needs
# (scripts/bytecode.ts).
$(B)/fix-bytecode-flags.cjs: scripts/fix-bytecode-flags.ts scripts/bytecode.ts | build/.deps
	node_modules/.bin/esbuild scripts/fix-bytecode-flags.ts --bundle --platform=node --log-level=warning \
	  --outfile=$@

$(B)/program.bc: $(B)/program.js $(B)/dukc $(B)/fix-bytecode-flags.cjs
	$(B)/dukc $< $@
	node $(B)/fix-bytecode-flags.cjs $(B)/duktape/duktape.h $@

$(B)/unit-%.bc: $(B)/unit-%.js $(B)/dukc $(B)/fix-bytecode-flags.cjs
	$(B)/dukc --function $< $@
	node $(B)/fix-bytecode-flags.cjs $(B)/duktape/duktape.h $@

# skiff is a static PIE: no dynamic loader to map and relocate libc at
# every start, 13–15% of a launch (README, findings). Static glibc
# can't load libraries or NSS modules, so skiff execs skiff-dynamic, the
# same program linked dynamically, for the commands that need libraries
# and for a caller /etc/passwd or /etc/group does not list, and asks
# getent(1) for other such names (src/linkage/, src/names/). The linker's
# warning that getpwuid() and getgrgid() need glibc's shared libraries
# does not apply: the binding restricts them to glibc's files backend.
STATIC_SOURCES = $(filter-out $(LIBRARY_SOURCES),$(NATIVE_SOURCES))
STATIC = -DSKIFF_STATIC -static-pie
# The host with the program and units (and units.h, if it has one) of
# bytecode directory $(1), linked with $(2): skiff, skiff-dynamic, the
# unflagged skiff and the bytecode cases differ in nothing else.
link_host = $(CC) $(HOST_CFLAGS) $(2) -DPROGRAM_BYTECODE='"$(1)/program.bc"' -DUNIT_DIR='"$(1)"' -I$(1) -I$(B) \
              $(filter %.c,$^) $(B)/duktape.o $(HOST_LDFLAGS) -o $@

$(B)/skiff: $(STATIC_SOURCES) $(B)/program.bc $(UNIT_BYTECODE) $(B)/units.h $(B)/duktape.o
	$(call link_host,$(B),$(STATIC))

$(B)/skiff-dynamic: $(NATIVE_SOURCES) $(B)/program.bc $(UNIT_BYTECODE) $(B)/units.h $(B)/duktape.o
	$(call link_host,$(B))

# For the tests only: skiff with dukc's bytecode as it comes, every function
# constructable and strict, linked as skiff is, against which
# test/unit/bytecode-flags.test.ts checks that cutting the flags changed
# nothing the program does.
$(B)/unflagged/program.bc: $(B)/program.js $(B)/dukc
	mkdir -p $(@D)
	$(B)/dukc $< $@

$(B)/unflagged/unit-%.bc: $(B)/unit-%.js $(B)/dukc
	mkdir -p $(@D)
	$(B)/dukc --function $< $@

$(B)/unflagged/skiff: $(STATIC_SOURCES) $(B)/unflagged/program.bc $(UNIT_NAMES:%=$(B)/unflagged/unit-%.bc) \
                      $(B)/units.h $(B)/duktape.o
	$(call link_host,$(B)/unflagged,$(STATIC))

# For the tests only: test/bytecode/'s cases as a program of their own,
# made the way skiff is (tsc to ES5, scripts/bundle.mjs with the same
# units, dukc, the flags cut, native/host.c), for
# test/unit/bytecode-cases.test.ts to compare with Node's results. Release
# builds carry none of it.
BT = $(B)/bytecode-test
$(BT)/tsc/.stamp: $(TS_SOURCES) src/sys/constants.ts $(wildcard test/bytecode/*.ts) test/bytecode/tsconfig.json \
                  | build/.deps
	node_modules/.bin/tsc -p test/bytecode/tsconfig.json
	touch $@

$(BT)/program.js: $(BT)/tsc/.stamp scripts/bundle.mjs
	node scripts/bundle.mjs --out=$(BT) --tsc=$(BT)/tsc/src --main=$(BT)/tsc/test/bytecode/main.js $(UNITS)

$(BT)/program.bc: $(BT)/program.js $(B)/dukc $(B)/fix-bytecode-flags.cjs
	$(B)/dukc $< $@
	node $(B)/fix-bytecode-flags.cjs $(B)/duktape/duktape.h $@

$(BT)/unit-%.bc: $(BT)/program.js $(B)/dukc $(B)/fix-bytecode-flags.cjs
	$(B)/dukc --function $(BT)/unit-$*.js $@
	node $(B)/fix-bytecode-flags.cjs $(B)/duktape/duktape.h $@

$(BT)/skiff-cases: $(NATIVE_SOURCES) $(BT)/program.bc $(UNIT_NAMES:%=$(BT)/unit-%.bc) $(B)/duktape.o
	$(call link_host,$(BT))

# skiff-squashd, skiff's FUSE server for SquashFS images (native/squashd/):
# a program of its own, so skiff itself maps no new library. It is linked
# statically, as a static PIE (ASLR kept): no dynamic loader, and no
# libfuse3, libc and five compression libraries to map and relocate at
# every start, which took a quarter of its CPU time and half its page
# faults at a launch (README, findings); only the pages of the one
# decompressor an image uses are ever touched. native/squashd/cache.c
# replaces libsquashfuse's cache.c. The -asan build (dynamic: the
# sanitizers need it) runs under AddressSanitizer and UBSan in the tests.
# No Duktape in it, so DEBUG=1 builds it in build/ too.
SQUASHD_SOURCES = $(filter-out native/squashd/nodl.c,$(wildcard native/squashd/*.c)) native/squashd/squashd.h
SQUASHD_LIBS = -lsquashfuse -lfuse3 -lpthread -lz -llzma -llzo2 -llz4 -lzstd

build/skiff-squashd: $(SQUASHD_SOURCES) native/squashd/nodl.c | build/.deps
	$(CC) $(CFLAGS) -std=gnu11 -D_FORTIFY_SOURCE=2 -static-pie -Wl,--wrap=dlopen \
	  $(filter %.c,$^) $(SQUASHD_LIBS) -o $@

build/skiff-squashd-asan: $(SQUASHD_SOURCES) | build/.deps
	$(CC) $(CFLAGS) -std=gnu11 -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	  -fno-sanitize-recover=undefined $(filter %.c,$^) -Wl,-Bstatic -lsquashfuse -Wl,-Bdynamic \
	  $(filter-out -lsquashfuse,$(SQUASHD_LIBS)) -o $@

$(B)/ch-run: | $(B)/skiff
	ln -sf skiff $@

# The man pages (skiff(1), skiff-run(1), one for each other command) and
# bash completion, rendered from the command and option tables --help shows.
$(B)/gen-docs.cjs: $(TS_SOURCES) scripts/gen-docs.ts scripts/manpage.ts scripts/completion.ts | build/.deps
	node_modules/.bin/esbuild scripts/gen-docs.ts --bundle --platform=node --log-level=warning --outfile=$@

$(B)/man/.made: $(B)/gen-docs.cjs
	rm -rf $(B)/man && mkdir -p $(B)/man
	node $(B)/gen-docs.cjs man $(B)/man
	touch $@

$(B)/skiff.bash: $(B)/gen-docs.cjs
	node $(B)/gen-docs.cjs completion > $@

# README.md's option reference, between its options:begin/end markers.
docs: $(B)/gen-docs.cjs
	node $(B)/gen-docs.cjs markdown > $(B)/options.md
	sed -i -e '/<!-- options:begin -->/,/<!-- options:end -->/{//!d}' \
	  -e '/<!-- options:begin -->/r $(B)/options.md' README.md

demo: all
	bash scripts/demo.sh

# The unit tests also check `make DEBUG=1`'s bytecode. What both builds
# share is made first, so that under make -j the two makes never make the
# same file at once.
debug: build/.deps $(DUKTAPE_SRC)/tools/configure.py build/tsc/.stamp build/skiff-squashd build/skiff-squashd-asan
	$(MAKE) DEBUG=1 all

test: all debug $(B)/unflagged/skiff $(BT)/skiff-cases
	bash scripts/test.sh

# The fast loop, for anyone (no root; no network once the first make has
# fetched Duktape's source and node_modules): what is out of date built
# with a job a CPU, lint (scripts/lint.sh), then the unit tests,
# type-checked first (make has type-checked src/).
check:
	$(MAKE) -j$$(nproc) all debug $(B)/unflagged/skiff $(BT)/skiff-cases
	bash scripts/lint.sh
	bash scripts/test.sh --unit

bench: all
	bash bench/launch

# `skiff` is the static build, or a link to skiff-dynamic where this
# machine's NSS takes users from more than files (scripts/install-link.sh):
# their launches would each exec skiff-dynamic (README, How it is built).
# LINK=static or LINK=dynamic chooses, as it must where the machine that
# installs is not the one that runs (DESTDIR, a PREFIX other nodes share).
LINK =

install: all
	link='$(LINK)'; link=$${link:-$$(bash scripts/install-link.sh)}; \
	case $$link in static|dynamic) ;; *) echo "make install: LINK=$$link: static or dynamic" >&2; exit 2 ;; esac; \
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	  $(DESTDIR)$(PREFIX)/share/bash-completion/completions && \
	install -m 0755 $(B)/skiff-dynamic $(DESTDIR)$(PREFIX)/bin/skiff-dynamic && \
	rm -f $(DESTDIR)$(PREFIX)/bin/skiff && \
	if [ "$$link" = dynamic ]; then ln -s skiff-dynamic $(DESTDIR)$(PREFIX)/bin/skiff; \
	else install -m 0755 $(B)/skiff $(DESTDIR)$(PREFIX)/bin/skiff; fi
	install -m 0755 build/skiff-squashd $(DESTDIR)$(PREFIX)/bin/skiff-squashd
	ln -sf skiff $(DESTDIR)$(PREFIX)/bin/ch-run
	install -m 0644 $(B)/man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 $(B)/skiff.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/skiff
	ln -sf skiff $(DESTDIR)$(PREFIX)/share/bash-completion/completions/ch-run

clean:
	rm -rf $(B) src/sys/constants.ts test/lib/constants.ts
