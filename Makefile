# warden — one GNU Makefile. `make` builds build/warden; `make test` installs what the
# tests need (Debian packages), then runs unit, integration, sanitizer and VM tiers.

VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo 0.1.0)

CC      ?= cc
SAN     ?=
STATIC  ?=
BUILD   ?= build$(if $(SAN),-san)$(if $(STATIC),-static)

WARN    := -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wcast-qual -Wstrict-prototypes \
           -Wmissing-prototypes -Wmissing-declarations -Wformat=2 -Wvla
# -Os and no .eh_frame: warden's own private memory is a target (bench/run.sh rss); the
# smaller text and read-only segments took 30 kB off it. gdb still unwinds from .debug_frame.
CFLAGS  ?= -Os -g
CFLAGS  += -std=gnu11 -D_GNU_SOURCE $(WARN) -D_FORTIFY_SOURCE=2 -fstack-protector-strong -MMD -MP \
           -DWARDEN_VERSION='"$(VERSION)"'
LDFLAGS += -Wl,-z,relro,-z,now
# 64 kB segment alignment: the kernel then loads warden at a 64 kB-aligned address, so the
# 64 kB windows it maps around each page fault (fault-around) fall on the same code every
# run; with 4 kB alignment ASLR shifted them, and the daemon's ~116 kB of hot code spanned
# two or three windows depending on the run (bench/run.sh rss moved by 44 kB).
LDFLAGS += -Wl,-z,max-page-size=0x10000
# jansson and inih are linked from their Debian packages' static archives: only warden maps
# them, so as shared objects their pages (plus relocation and GOT pages) were private to
# warden anyway, about 30 kB more of its resident memory. libc stays shared.
ifeq ($(STATIC),)
LDLIBS  += -Wl,-Bstatic -linih -ljansson -Wl,-Bdynamic
else
LDLIBS  += -linih -ljansson
endif

ifneq ($(SAN),)
CFLAGS  += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
else
CFLAGS  += -fno-asynchronous-unwind-tables -fno-unwind-tables
endif
ifneq ($(STATIC),)
LDFLAGS += -static
# A static binary cannot dlopen libmicrohttpd, and Debian's libmicrohttpd.a needs GnuTLS,
# which has no complete set of static archives: `make static` first builds a TLS-less
# libmicrohttpd.a from Debian's source (scripts/mhd_static.sh) and links that.
MHD_A   ?= build-mhd/lib/libmicrohttpd.a
ifneq ($(wildcard $(MHD_A)),)
CFLAGS  += -DWARDEN_MHD_LINKED
LDLIBS  += $(MHD_A)
endif
endif

SRCS      := $(wildcard src/*.c)
OBJS      := $(SRCS:src/%.c=$(BUILD)/%.o)
LIB_OBJS  := $(filter-out $(BUILD)/main.o,$(OBJS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
HELPER_SRCS := $(wildcard tests/helpers/*.c)
HELPER_BINS := $(HELPER_SRCS:tests/helpers/%.c=$(BUILD)/helpers/%)
EXAMPLE_BINS := $(BUILD)/helpers/streamd

.PHONY: all deps test unit integration san-test vm static demo bench clean format \
        check-format check-headers tidy fuzz coverage valgrind

all: $(BUILD)/warden $(HELPER_BINS) $(EXAMPLE_BINS)

# Code that only client commands run (report, logs, status, ...), the metrics server and
# formatter (only when asked), reload and the listen-address code (services with
# `listen`) is linked after the daemon's code and libraries. The guards' paths (memory_restart, overlap, snapshots) stay hot: they run
# under memory pressure, when a page fault for code is slowest. That way what the
# daemon runs is one contiguous stretch of text: the kernel maps up to 64 kB of file pages
# around each fault (fault-around), and cold code interleaved with hot code was resident
# in the daemon for nothing. The libraries are named twice: the second time for what only
# the cold objects need.
COLD_NAMES := cli_client cli_logs cli_report logfile_read metrics_server report report_html \
              report_marks report_rec report_svg report_text report_util report_judge \
              metrics reload listen
COLD_OBJS  := $(COLD_NAMES:%=$(BUILD)/%.o)
HOT_OBJS   := $(filter-out $(COLD_OBJS),$(OBJS))

$(BUILD)/warden: $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $(HOT_OBJS) $(LDLIBS) $(COLD_OBJS) $(LDLIBS)

$(BUILD)/%.o: src/%.c | $(BUILD)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJS) | $(BUILD)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Isrc $(LDFLAGS) -o $@ $< $(LIB_OBJS) $(LDLIBS) -lcmocka

# The example streaming server (examples/streamd.c): the zero-drop tests' and benchmark's
# workload; static and next to the helpers so the VM runs it too.
$(BUILD)/helpers/streamd: examples/streamd.c | $(BUILD)
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -static -pthread -o $@ $<

# Test helpers (memory hog, fork storm, ...) are always static so the VM can run them.
$(BUILD)/helpers/%: tests/helpers/%.c | $(BUILD)
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -static -o $@ $<

$(BUILD):
	@mkdir -p $@

deps:
	@sh scripts/deps.sh

unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t; done

integration: all
	@WARDEN=$(abspath $(BUILD)/warden) HELPERS=$(abspath $(BUILD)/helpers) \
		sh tests/integration/run.sh

san-test: export ASAN_OPTIONS = detect_leaks=1:abort_on_error=1
san-test: export UBSAN_OPTIONS = print_stacktrace=1:halt_on_error=1
san-test:
	$(MAKE) SAN=1 unit integration

static:
	@sh scripts/mhd_static.sh build-mhd || echo "static: no TLS-less libmicrohttpd.a:" \
		"build-static/warden will have no /metrics server (warden metrics still works)" >&2
	$(MAKE) STATIC=1 BUILD=build-static build-static/warden

vm: deps
	@sh scripts/mhd_static.sh build-mhd || echo "vm: no TLS-less libmicrohttpd.a:" \
		"the static warden will have no /metrics server" >&2
	$(MAKE) STATIC=1 BUILD=build-static all
	sh tests/vm/run.sh build-static

# The one test command (README, .ci/run): install, build, and run every tier.
test: deps
	$(MAKE) all unit integration
	$(MAKE) san-test
	$(MAKE) fuzz FUZZ_SECONDS=$(TEST_FUZZ_SECONDS)
	$(MAKE) vm

demo: deps all
	sh examples/demo.sh $(abspath $(BUILD)/warden)

bench: deps all
	sh bench/run.sh $(abspath $(BUILD)/warden)

format:
	clang-format -i src/*.c src/*.h tests/unit/*.c tests/helpers/*.c

check-format:
	clang-format --dry-run -Werror src/*.c src/*.h tests/unit/*.c tests/helpers/*.c

check-headers:
	@set -e; for h in src/*.h; do echo '#include "'$$h'"' | \
		$(CC) -std=gnu11 $(WARN) -I. -x c -fsyntax-only -; done

tidy:
	clang-tidy src/*.c -- -std=gnu11 -D_GNU_SOURCE -Isrc

# libFuzzer targets: fuzz/fuzz_NAME.c with its seed corpus in fuzz/corpus/NAME/ (read, never
# written: what a run finds goes to build-fuzz/corpus/NAME/). A crash fails the target.
# `make test` runs each for TEST_FUZZ_SECONDS.
FUZZ_SECONDS ?= 30
TEST_FUZZ_SECONDS ?= 10
FUZZ_SRCS := $(filter-out src/main.c,$(SRCS))
fuzz:
	@dpkg-query -W -f='$${Status}' libclang-rt-14-dev 2>/dev/null | grep -q 'ok installed' || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang libclang-rt-14-dev >/dev/null; }
	@mkdir -p build-fuzz
	@set -e; for f in fuzz/fuzz_*.c; do n=$$(basename $$f .c); c=$${n#fuzz_}; \
		clang -g -O1 -std=gnu11 -D_GNU_SOURCE -DWARDEN_VERSION='"fuzz"' -Isrc \
			-fsanitize=fuzzer,address,undefined -o build-fuzz/$$n $$f $(FUZZ_SRCS) -linih -ljansson; \
		mkdir -p fuzz/corpus/$$c build-fuzz/corpus/$$c; echo "== $$n ($(FUZZ_SECONDS) s)"; \
		build-fuzz/$$n -max_total_time=$(FUZZ_SECONDS) -print_final_stats=0 \
			build-fuzz/corpus/$$c fuzz/corpus/$$c > build-fuzz/$$n.log 2>&1 || \
			{ tail -n 40 build-fuzz/$$n.log; echo "fuzz: $$n failed"; exit 1; }; \
		tail -n 2 build-fuzz/$$n.log; done

# Unit tests under valgrind (the integration tier runs under ASan with SAN=1).
valgrind: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do valgrind -q --error-exitcode=1 --leak-check=full $$t; done

# Line coverage of the unit and integration tiers; prints the uncovered lines per module.
coverage:
	$(MAKE) BUILD=build-cov CFLAGS="-O0 -g --coverage" LDFLAGS="--coverage" all unit integration
	@for s in $(SRCS); do gcov -o build-cov $$s >/dev/null 2>&1; done
	@for f in *.c.gcov; do printf '%-22s %s uncovered lines\n' "$${f%.gcov}" \
		"$$(grep -c '^ *#####' $$f)"; done; rm -f *.gcov

clean:
	rm -rf build build-san build-static build-fuzz build-cov

-include $(OBJS:.o=.d)
