# traces/ — MD reader/writer, machine shapes, trace format.
#
#   make fuzz                       libFuzzer harnesses build/fuzz/fuzz_NAME, one per
#                                   traces/fuzz/fuzz_NAME.c, linked against every
#                                   traces/*.c built with the same sanitizers
#   make fuzz-run [FUZZ_SECONDS=60] run each harness for FUZZ_SECONDS over the
#                                   committed seeds traces/fuzz/corpus/NAME/ (new
#                                   inputs go to build/fuzz/corpus/NAME/, crashes to
#                                   build/fuzz/crash-NAME-*); fails on any finding
#
# Needs clang with libFuzzer (Debian: clang, which ships libclang_rt.fuzzer).

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_FLAGS   := -O1 -g -std=gnu11 -I. -fno-omit-frame-pointer \
                -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_LIBSRCS := $(wildcard traces/*.c)
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
		-ljansson -lm

fuzz-run: fuzz
	@set -e; for b in $(FUZZ_BINS); do \
		n=$${b##*/fuzz_}; mkdir -p $(FUZZ_DIR)/corpus/$$n traces/fuzz/corpus/$$n; \
		echo "== fuzz_$$n: $(FUZZ_SECONDS) s over traces/fuzz/corpus/$$n"; \
		$$b -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-artifact_prefix=$(FUZZ_DIR)/crash-$$n- \
			$(FUZZ_DIR)/corpus/$$n traces/fuzz/corpus/$$n; \
	done

-include $(wildcard $(FUZZ_DIR)/obj/traces/*.d $(FUZZ_DIR)/*.d)
