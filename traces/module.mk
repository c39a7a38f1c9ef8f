# traces/ — MD reader/writer, machine shapes, trace format.
#
#   make fuzz                       libFuzzer harnesses build/fuzz/fuzz_NAME, one per
#                                   traces/fuzz/fuzz_NAME.c, linked against every
#                                   traces/*.c built with the same sanitizers
#   make fuzz-run [FUZZ_SECONDS=60] [FUZZ_SEED=N] [FUZZ_RUNS_md=N] [FUZZ_RUNS_trace=N]
#                                   run each harness for FUZZ_SECONDS over the
#                                   committed seeds traces/fuzz/corpus/NAME/ (new
#                                   inputs go to build/fuzz/corpus/NAME/, crashes to
#                                   build/fuzz/crash-NAME-*); fails on any finding
#
# Needs clang with libFuzzer (Debian: clang, which ships libclang_rt.fuzzer).

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
# A fixed seed and run count make a fuzz run reproducible (CI uses them, see
# the top Makefile); the defaults explore at random for FUZZ_SECONDS.
FUZZ_SEED    ?= 0
FUZZ_RUNS_md    ?= -1
FUZZ_RUNS_trace ?= -1
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_FLAGS   := -O1 -g -std=gnu11 -I. -fno-omit-frame-pointer \
                -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_LIBSRCS := $(wildcard traces/*.c ds/*.c util/*.c)
FUZZ_LIBOBJS := $(FUZZ_LIBSRCS:%.c=$(FUZZ_DIR)/obj/%.o)
FUZZ_SRCS    := $(wildcard traces/fuzz/fuzz_*.c)
FUZZ_BINS    := $(patsubst traces/fuzz/%.c,$(FUZZ_DIR)/%,$(FUZZ_SRCS))

.PHONY: fuzz fuzz-run
fuzz: $(FUZZ_BINS)

$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(FUZZ_DIR)/libtraces.a: $(FUZZ_LIBOBJS)
	rm -f $@
	ar rcs $@ $^

$(FUZZ_DIR)/fuzz_%: traces/fuzz/fuzz_%.c $(FUZZ_DIR)/libtraces.a
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -MMD -MP -o $@ $< $(FUZZ_DIR)/libtraces.a \
		-ljansson -lcrypto -lm

# One harness: $(1) = name. -seed=0 is libFuzzer's "random"; -runs=-1 unbounded.
define fuzz_one
	@mkdir -p $(FUZZ_DIR)/corpus/$(1) traces/fuzz/corpus/$(1)
	@echo "== fuzz_$(1): $(FUZZ_SECONDS) s, seed $(FUZZ_SEED), runs $(FUZZ_RUNS_$(1)) over traces/fuzz/corpus/$(1)"
	$(FUZZ_DIR)/fuzz_$(1) -max_total_time=$(FUZZ_SECONDS) -seed=$(FUZZ_SEED) \
		-runs=$(FUZZ_RUNS_$(1)) -print_final_stats=1 -artifact_prefix=$(FUZZ_DIR)/crash-$(1)- \
		$(FUZZ_DIR)/corpus/$(1) traces/fuzz/corpus/$(1)

endef

fuzz-run: fuzz
	$(foreach n,$(FUZZ_BINS:$(FUZZ_DIR)/fuzz_%=%),$(call fuzz_one,$(n)))

-include $(wildcard $(FUZZ_DIR)/obj/traces/*.d $(FUZZ_DIR)/obj/ds/*.d $(FUZZ_DIR)/obj/util/*.d $(FUZZ_DIR)/*.d)
