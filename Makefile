# ldomsim — plain GNU Make; everything built lands under build/.
#
#   make            build build/ldomsim (and the guest image it runs)
#   make run        the main job on the bundled default scenario
#   make check      the Criterion test suite (the fast one)
#   make check-slow the tests that build guest images (CI runs both)
#   make bench      the simulator's own speed benchmarks (figures, not tests)
#   make format     clang-format every C source and header
#
# Each module folder may carry a module.mk that adds rules and variables;
# this file only knows the layout.

BUILD    := build
CC       ?= cc
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 -Wall -Wextra -Wno-unused-parameter -MMD -MP -I. -I$(BUILD)
LDLIBS   += -lunicorn -ljansson -lcrypto -lz -lm -lpthread

MODULES  := util cache snap ds sim hv lx kernel-model board traces bench
LIB_SRCS := $(foreach m,$(MODULES),$(wildcard $(m)/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
CLI_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard cli/*.c))
# The commands without main(): the tests call them as functions.
CMD_OBJS := $(filter-out $(BUILD)/obj/cli/main.o,$(CLI_OBJS))
TEST_OBJS:= $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard tests/*.c))
# tests/slow/: tests that run `make guest` (a second image, a patched
# kernel); their own binary, sharing tests/util.c.
SLOW_TEST_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard tests/slow/*.c)) $(BUILD)/obj/tests/util.o $(BUILD)/obj/tests/util_run.o $(BUILD)/obj/tests/util_snap.o
LIB      := $(BUILD)/libldomsim.a

# Headers of this build the host sources include (module.mk files append):
# the version (bench/module.mk). Never a guest's: each guest's layouts are
# read at run time (lx/lx.h).
GEN_HDRS :=
# Things `make` builds besides the binary (module.mk files append).
ALL_EXTRA :=

DEPS_STAMP := $(BUILD)/.deps-ok

.PHONY: all run check check-slow bench format clean deps guest
.DEFAULT_GOAL := all

# Module rules first, so that ALL_EXTRA and GEN_HDRS are complete below
# (make expands a rule's prerequisites when it reads the rule). No host
# source includes a guest's generated header: the simulator compiles
# without any guest built.
-include hvtramp/module.mk $(filter-out hvtramp/module.mk,$(wildcard */module.mk))

all: $(BUILD)/ldomsim $(ALL_EXTRA)

deps: $(DEPS_STAMP)
$(DEPS_STAMP): scripts/deps.sh
	@mkdir -p $(@D)
	./scripts/deps.sh
	@touch $@

$(BUILD)/obj/%.o: %.c | $(DEPS_STAMP) $(GEN_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/ldomsim: $(CLI_OBJS) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/ldomsim-tests: $(TEST_OBJS) $(CMD_OBJS) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcriterion

# libpng: tests/slow/test_html_chromium.c decodes the browser's screenshot.
$(BUILD)/ldomsim-tests-slow: $(SLOW_TEST_OBJS) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcriterion -lpng

# The main job: the bundled default scenario (8 strands added to a 56-strand
# T2 domain), its kernel log and result JSON.
RUN_TRACE ?= traces/default/trace.json
run: all
	$(BUILD)/ldomsim selftest
	@mkdir -p $(BUILD)/results
	$(BUILD)/ldomsim run $(RUN_TRACE) --log -o $(BUILD)/results/default.json

# Tests run from the project root so they find build/ and traces/. Under
# CI (CI=true) the fuzzers also run, reproducibly: a fixed seed and a fixed
# number of inputs per harness (about 30-40 s each on this 2-core machine),
# with CI_FUZZ_SECONDS as a safety bound only, so a red CI is never the luck
# of the draw. Open-ended exploration is `make fuzz-run` / `make fuzz-ds-run`.
CI_FUZZ_SECONDS ?= 120
CI_FUZZ_ARGS    ?= FUZZ_SEED=1 FUZZ_RUNS_md=1000000 FUZZ_RUNS_trace=100000 FUZZ_RUNS_ds=50000
# The fuzzers run first so that the Criterion summary is the last word.
check: all $(BUILD)/ldomsim-tests
	@if [ -n "$$CI" ]; then \
		echo "fuzz: seed 1, fixed inputs per harness (log: $(BUILD)/fuzz-ci.log)"; \
		$(MAKE) --no-print-directory fuzz-run fuzz-ds-run FUZZ_SECONDS=$(CI_FUZZ_SECONDS) \
			$(CI_FUZZ_ARGS) >$(BUILD)/fuzz-ci.log 2>&1 || { tail -40 $(BUILD)/fuzz-ci.log; exit 1; }; \
		grep -E "^Done" $(BUILD)/fuzz-ci.log; \
	fi
	$(BUILD)/ldomsim-tests $(CHECK_ARGS)
	@scripts/check-tmp.sh $(BUILD)/ldomsim-tests

# The tests that build guest images from inside the run (make guest with
# another table, a second guest, the patched what-if kernel): minutes on a
# fresh machine, seconds once build/linux/ holds the kernels. .ci/run runs
# this after `make check`.
check-slow: all $(BUILD)/ldomsim-tests-slow
	$(BUILD)/ldomsim-tests-slow $(CHECK_ARGS)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj $(BUILD)/asan/obj $(BUILD)/fuzz $(BUILD)/fuzz-ds -name '*.d' 2>/dev/null)

# Sanitizers: the whole suite under AddressSanitizer + UBSan (`make asan`),
# and the default scenario under valgrind's memcheck (`make valgrind`).
ASAN_DIR   := $(BUILD)/asan
ASAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
ASAN_LIB_OBJS  := $(LIB_SRCS:%.c=$(ASAN_DIR)/obj/%.o)
ASAN_TEST_OBJS := $(patsubst %.c,$(ASAN_DIR)/obj/%.o,$(wildcard tests/*.c))
ASAN_CLI_OBJS  := $(patsubst %.c,$(ASAN_DIR)/obj/%.o,$(wildcard cli/*.c))
ASAN_CMD_OBJS  := $(filter-out $(ASAN_DIR)/obj/cli/main.o,$(ASAN_CLI_OBJS))

$(ASAN_DIR)/obj/%.o: %.c | $(DEPS_STAMP) $(GEN_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(ASAN_FLAGS) -c -o $@ $<

$(ASAN_DIR)/ldomsim-tests: $(ASAN_TEST_OBJS) $(ASAN_CMD_OBJS) $(ASAN_LIB_OBJS)
	$(CC) $(ASAN_FLAGS) -o $@ $^ $(LDLIBS) -lcriterion

$(ASAN_DIR)/ldomsim: $(ASAN_CLI_OBJS) $(ASAN_LIB_OBJS)
	$(CC) $(ASAN_FLAGS) -o $@ $^ $(LDLIBS)

.PHONY: asan valgrind
# Unicorn's JIT and the engines' 1 GiB reservations make leak checking at
# exit noisy and slow: leaks are checked, the process does not re-scan.
asan: all $(ASAN_DIR)/ldomsim-tests
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
		UBSAN_OPTIONS=print_stacktrace=1 \
		$(ASAN_DIR)/ldomsim-tests -j2 $(CHECK_ARGS)

valgrind: all
	valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
		--suppressions=tests/valgrind.supp \
		$(BUILD)/ldomsim run $(RUN_TRACE) --json $(BUILD)/results/valgrind.json
