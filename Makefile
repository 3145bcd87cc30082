# skiff: `make` builds build/skiff (and build/ch-run), `make demo` runs it on
# a demo image, `make test` runs the whole suite. See README.md.

PREFIX ?= /usr/local
DUKTAPE_DIR ?= /usr/share/duktape
CC ?= cc
CFLAGS ?= -O2 -g -Wall -Wextra -Wno-unused-parameter
HOST_CFLAGS = $(CFLAGS) -std=gnu11 -I$(DUKTAPE_DIR) -D_FORTIFY_SOURCE=2
# Duktape's own code does not need our warnings.
DUK_CFLAGS = -O2 -g -std=gnu11 -I$(DUKTAPE_DIR) -w

B = build
TS_SOURCES = $(shell find src -name '*.ts') tsconfig.json
NATIVE_SOURCES = native/host.c native/binding.c native/binding.h

.PHONY: all deps demo test install bench clean check

all: $(B)/skiff $(B)/ch-run

# Missing build dependencies are installed (as root) or named (otherwise).
$(B)/.deps: scripts/deps.sh package-lock.json
	bash scripts/deps.sh build
	@mkdir -p $(B) && touch $@

$(B)/duktape.o: $(DUKTAPE_DIR)/duktape.c | $(B)/.deps
	$(CC) $(DUK_CFLAGS) -c $< -o $@

$(B)/dukc: native/dukc.c $(B)/duktape.o
	$(CC) $(HOST_CFLAGS) $^ -o $@ -lm

# TypeScript → ES5 (tsc type-checks against ES5 + Duktape's extras and lowers
# classes, iteration, ...) → one IIFE bundle → Duktape bytecode.
$(B)/program.js: $(TS_SOURCES) | $(B)/.deps
	node_modules/.bin/tsc -p tsconfig.json
	node_modules/.bin/esbuild $(B)/tsc/main.js --bundle --format=iife --target=es5 \
	  --minify-syntax --minify-whitespace --log-level=warning --outfile=$@

$(B)/program.bc: $(B)/program.js $(B)/dukc
	$(B)/dukc $< $@

$(B)/skiff: $(NATIVE_SOURCES) $(B)/program.bc $(B)/duktape.o
	$(CC) $(HOST_CFLAGS) -DPROGRAM_BYTECODE='"$(B)/program.bc"' \
	  native/host.c native/binding.c $(B)/duktape.o -o $@ -lm

$(B)/ch-run: | $(B)/skiff
	ln -sf skiff $@

demo: all
	bash scripts/demo.sh

test: all
	bash scripts/test.sh

bench: all
	bash bench/launch

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 $(B)/skiff $(DESTDIR)$(PREFIX)/bin/skiff
	ln -sf skiff $(DESTDIR)$(PREFIX)/bin/ch-run

clean:
	rm -rf $(B)
