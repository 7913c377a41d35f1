# warden — one GNU Makefile. `make` builds build/warden; `make test` installs what the
# tests need (Debian packages), then runs unit, integration, sanitizer and VM tiers.

VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo 0.1.0)

CC      ?= cc
SAN     ?=
STATIC  ?=
BUILD   ?= build$(if $(SAN),-san)$(if $(STATIC),-static)

WARN    := -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wcast-qual -Wstrict-prototypes \
           -Wmissing-prototypes -Wmissing-declarations -Wformat=2 -Wvla

# CFLAGS, CPPFLAGS, LDFLAGS and LDLIBS are the user's: they default to the optimisation
# below, and whatever is given on make's command line (`make CFLAGS=-O0`, `make coverage`)
# replaces only them. What warden needs to build at all (the standard, the warnings, the
# version, hardening, the libraries) is in WARDEN_* and always used, before the user's
# flags, so that a user's flag wins where two conflict (-O0 after -Os, -U_FORTIFY_SOURCE).
# -Os and no .eh_frame: warden's own private memory is a target (bench/run.sh rss); the
# smaller text and read-only segments took 30 kB off it. gdb still unwinds from .debug_frame.
CFLAGS  ?= -Os -g
WARDEN_CPPFLAGS := -D_GNU_SOURCE -DWARDEN_VERSION='"$(VERSION)"'
# _FORTIFY_SOURCE only with optimisation: without it glibc says "#warning _FORTIFY_SOURCE
# requires compiling with optimization", which -Werror makes an error (make CFLAGS=-O0).
FORTIFY := $(if $(filter-out -O0,$(filter -O%,$(CFLAGS))),-D_FORTIFY_SOURCE=2)
WARDEN_CFLAGS   := -std=gnu11 $(WARDEN_CPPFLAGS) $(FORTIFY) $(WARN) -fstack-protector-strong \
                   -MMD -MP
WARDEN_LDFLAGS  := -Wl,-z,relro,-z,now
# 64 kB segment alignment: the kernel then loads warden at a 64 kB-aligned address, so the
# 64 kB windows it maps around each page fault (fault-around) fall on the same code every
# run; with 4 kB alignment ASLR shifted them, and the daemon's ~116 kB of hot code spanned
# two or three windows depending on the run (bench/run.sh rss moved by 44 kB).
WARDEN_LDFLAGS  += -Wl,-z,max-page-size=0x10000
# jansson and inih are linked from their Debian packages' static archives: only warden maps
# them, so as shared objects their pages (plus relocation and GOT pages) were private to
# warden anyway, about 30 kB more of its resident memory. libc stays shared.
ifeq ($(STATIC),)
WARDEN_LDLIBS   := -Wl,-Bstatic -linih -ljansson -Wl,-Bdynamic
else
WARDEN_LDLIBS   := -linih -ljansson
endif

ifneq ($(SAN),)
WARDEN_CFLAGS   += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
WARDEN_LDFLAGS  += -fsanitize=address,undefined
else
WARDEN_CFLAGS   += -fno-asynchronous-unwind-tables -fno-unwind-tables
endif
ifneq ($(STATIC),)
WARDEN_LDFLAGS  += -static
# A static binary cannot dlopen libmicrohttpd, and Debian's libmicrohttpd.a needs GnuTLS,
# which has no complete set of static archives: `make static` first builds a TLS-less
# libmicrohttpd.a from Debian's source (scripts/mhd_static.sh) and links that.
MHD_A   ?= build-mhd/lib/libmicrohttpd.a
ifneq ($(wildcard $(MHD_A)),)
WARDEN_CFLAGS   += -DWARDEN_MHD_LINKED
WARDEN_LDLIBS   += $(MHD_A)
endif
endif

ALL_CFLAGS  = $(WARDEN_CFLAGS) $(CPPFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(WARDEN_LDFLAGS) $(LDFLAGS)
ALL_LDLIBS  = $(WARDEN_LDLIBS) $(LDLIBS)

# src/ has one folder per layer, lowest first (ARCHITECTURE.md; make check-layers). Objects
# keep flat names in $(BUILD): every file name is unique across the folders.
SRC_DIRS  := base sys model store guard core report cli
SRCS      := $(foreach d,$(SRC_DIRS),$(wildcard src/$(d)/*.c))
HDRS      := $(foreach d,$(SRC_DIRS),$(wildcard src/$(d)/*.h))
SRC_INC   := $(SRC_DIRS:%=-Isrc/%)
OBJS      := $(patsubst %.c,$(BUILD)/%.o,$(notdir $(SRCS)))
vpath %.c $(SRC_DIRS:%=src/%)
LIB_OBJS  := $(filter-out $(BUILD)/main.o,$(OBJS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
HELPER_SRCS := $(wildcard tests/helpers/*.c)
HELPER_BINS := $(HELPER_SRCS:tests/helpers/%.c=$(BUILD)/helpers/%)
EXAMPLE_BINS := $(BUILD)/helpers/streamd

.PHONY: all deps test unit integration san-test vm static demo bench clean format \
        check-format check-headers check-layers tidy fuzz coverage coverage-report valgrind

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
	$(CC) $(ALL_LDFLAGS) -o $@ $(HOT_OBJS) $(ALL_LDLIBS) $(COLD_OBJS) $(ALL_LDLIBS)

# A build dir made before src/ had its layer folders: its NAME.d files name src/NAME.c
# (including them would stop make: "No rule to make target src/log.c"), so dependencies go
# to NAME.dep now, and the stamp, new in such a dir, makes every object older than it: all
# are rebuilt once, none is linked with stale struct layouts.
LAYOUT_STAMP := $(BUILD)/.src-layer-folders
$(LAYOUT_STAMP): | $(BUILD)
	@touch $@

$(BUILD)/%.o: %.c $(LAYOUT_STAMP) | $(BUILD)
	$(CC) $(ALL_CFLAGS) $(SRC_INC) -MF $(@:.o=.dep) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJS) | $(BUILD)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SRC_INC) $(ALL_LDFLAGS) -o $@ $< $(LIB_OBJS) $(ALL_LDLIBS) -lcmocka

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

# The one test command (README, .ci/run): install, build, and run every tier, then
# clang-tidy (last, so that its findings do not hide what the test tiers say).
test: deps
	$(MAKE) all unit integration
	$(MAKE) san-test
	$(MAKE) fuzz FUZZ_SECONDS=$(TEST_FUZZ_SECONDS)
	$(MAKE) vm
	$(MAKE) check-layers
	$(MAKE) tidy

demo: deps all
	sh examples/demo.sh $(abspath $(BUILD)/warden)

bench: deps all
	sh bench/run.sh $(abspath $(BUILD)/warden)

format:
	clang-format -i $(SRCS) $(HDRS) tests/unit/*.c tests/helpers/*.c

check-format:
	clang-format --dry-run -Werror $(SRCS) $(HDRS) tests/unit/*.c tests/helpers/*.c

check-headers:
	@set -e; for h in $(HDRS); do echo '#include "'$$h'"' | \
		$(CC) -std=gnu11 $(WARN) -I. $(SRC_INC) -x c -fsyntax-only -; done

# No #include up the layers of ARCHITECTURE.md but the ones scripts/layers.allow lists.
check-layers:
	@sh scripts/check_layers.sh

# clang-tidy with the repository's .clang-tidy (STYLE.md Appendix A) over every source,
# TIDY_JOBS at a time; any finding fails it (WarningsAsErrors), after all files were checked.
TIDY      ?= clang-tidy
TIDY_JOBS ?= $(shell nproc 2>/dev/null || echo 2)
tidy: | $(BUILD)
	@command -v $(TIDY) >/dev/null || { echo "tidy: no $(TIDY) (make deps installs it)"; exit 1; }
	@printf '%s\n' $(SRCS) | xargs -P $(TIDY_JOBS) -I{} $(TIDY) --quiet {} -- -std=gnu11 \
		$(WARDEN_CPPFLAGS) $(SRC_INC) >$(BUILD)/tidy.log 2>&1; rc=$$?; cat $(BUILD)/tidy.log; \
	if [ $$rc -ne 0 ]; then echo "tidy: $$(grep -c 'warnings-as-errors\]$$' $(BUILD)/tidy.log)" \
		"findings (exit $$rc; the log: $(BUILD)/tidy.log)"; exit 1; fi; echo "tidy: clean"

# libFuzzer targets: fuzz/fuzz_NAME.c with its seed corpus in fuzz/corpus/NAME/ (read, never
# written: what a run finds goes to build-fuzz/corpus/NAME/). A crash fails the target.
# `make test` runs each for TEST_FUZZ_SECONDS.
FUZZ_SECONDS ?= 30
TEST_FUZZ_SECONDS ?= 10
FUZZ_SRCS := $(filter-out src/cli/main.c,$(SRCS))
fuzz:
	@dpkg-query -W -f='$${Status}' libclang-rt-14-dev 2>/dev/null | grep -q 'ok installed' || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang libclang-rt-14-dev >/dev/null; }
	@mkdir -p build-fuzz
	@set -e; for f in fuzz/fuzz_*.c; do n=$$(basename $$f .c); c=$${n#fuzz_}; \
		clang -g -O1 -std=gnu11 -D_GNU_SOURCE -DWARDEN_VERSION='"fuzz"' $(SRC_INC) \
			-fsanitize=fuzzer,address,undefined -o build-fuzz/$$n $$f $(FUZZ_SRCS) -linih -ljansson; \
		mkdir -p fuzz/corpus/$$c build-fuzz/corpus/$$c; echo "== $$n ($(FUZZ_SECONDS) s)"; \
		build-fuzz/$$n -max_total_time=$(FUZZ_SECONDS) -print_final_stats=0 \
			build-fuzz/corpus/$$c fuzz/corpus/$$c > build-fuzz/$$n.log 2>&1 || \
			{ tail -n 40 build-fuzz/$$n.log; echo "fuzz: $$n failed"; exit 1; }; \
		tail -n 2 build-fuzz/$$n.log; done

# Unit tests under valgrind (the integration tier runs under ASan with SAN=1).
valgrind: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do valgrind -q --error-exitcode=1 --leak-check=full $$t; done

# Line coverage of the unit and integration tiers (built -O0 in build-cov); prints, per
# module, its covered lines and the numbers of the lines never run (ranges), then the total.
# The report is printed even when a test failed (then coverage fails after it); the
# annotated sources stay in build-cov/gcov/. `make coverage-report` prints it again from
# what build-cov holds (say, after running a single test against build-cov/warden).
coverage:
	@rm -rf build-cov/*.gcda build-cov/tests/*.gcda build-cov/gcov
	@$(MAKE) BUILD=build-cov CFLAGS="-O0 -g --coverage" LDFLAGS="--coverage" \
		all unit integration; rc=$$?; \
	$(MAKE) --no-print-directory coverage-report || rc=1; exit $$rc

coverage-report:
	@rm -rf build-cov/gcov; mkdir -p build-cov/gcov
	@for s in $(SRCS); do gcov -o build-cov $$s >/dev/null 2>&1; done; \
	mv -f *.gcov build-cov/gcov/ 2>/dev/null; \
	for f in build-cov/gcov/*.c.gcov; do awk -F: -v name="$$(basename $$f .gcov)" ' \
		function flush() { if (first) { r = r sep first (last > first ? "-" last : ""); sep = "," } } \
		$$1 ~ /#####/ { l = $$2 + 0; if (l != last + 1) { flush(); first = l } last = l; miss++ } \
		$$1 ~ /^ *[0-9]+\*?$$/ { hit++ } \
		END { flush(); printf "%-22s %5d/%-5d lines  uncovered: %s\n", name, hit, hit + miss, \
			miss ? r : "none" }' $$f; done | tee build-cov/gcov/summary.txt; \
	awk '{ split($$2, a, "/"); h += a[1]; t += a[2] } END { printf "%-22s %5d/%-5d lines" \
		"  (%.1f%%)\n", "total", h, t, t ? 100 * h / t : 0 }' build-cov/gcov/summary.txt

clean:
	rm -rf build build-san build-static build-fuzz build-cov

-include $(OBJS:.o=.dep)
