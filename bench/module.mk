# bench/ — `make bench`: the simulator's own speed, and wall time / peak RSS
# of the scenario benchmarks. Figures, not tests: nothing here asserts
# wall-clock time.
BENCH_TRACES ?= traces/default/trace.json traces/m7-16/trace.json
# The simulator's own speed on a whole sweep: M7-16 at 9 present-strand
# points up to 4032 (+64), two at a time (target: 60 s on 2 cores).
BENCH_SWEEP_PRESENT ?= 8,512,1024,1536,2048,2560,3072,3584,4032
bench: all
	$(BUILD)/ldomsim bench speed
	@mkdir -p $(BUILD)/bench
	@for t in $(BENCH_TRACES); do \
		/usr/bin/time -f "$$t: wall %e s, peak RSS %M KiB" \
			$(BUILD)/ldomsim run $$t --json $(BUILD)/bench/$$(basename $$(dirname $$t)).json \
			>/dev/null || exit 1; \
		python3 -c "import json,sys; r=json.load(open(sys.argv[1])); d=r['simulator']; \
print('  guest instructions %d, %.2e per host second' % (d['guest_insns'], d['guest_insns_per_second'])); \
print('  host seconds: boot %.2f, ' % d['host_seconds_boot'] + ', '.join('%s %.2f' % (o['op'], h) \
for o, h in zip(r['operations'], d['host_seconds_per_operation'])))" \
			$(BUILD)/bench/$$(basename $$(dirname $$t)).json; \
	done
	/usr/bin/time -f "traces/m7-16/trace.json --no-profile: wall %e s, peak RSS %M KiB" \
		$(BUILD)/ldomsim run traces/m7-16/trace.json --no-profile \
		--json $(BUILD)/bench/m7-16-no-profile.json >/dev/null
	@python3 -c "import json,sys; h=[json.load(open(f))['simulator']['host_seconds'] for f in sys.argv[1:]]; \
print('  profile cost: profiled / --no-profile host seconds %.2f / %.2f = %.3f (target <= 1.10)' % (h[0], h[1], h[0] / h[1]))" \
		$(BUILD)/bench/m7-16.json $(BUILD)/bench/m7-16-no-profile.json
	$(BUILD)/ldomsim bench snapshot traces/m7-16/trace.json
	scripts/bench-snapshot.sh $(BUILD)/ldomsim traces/m7-16/trace.json m7-16 2048,4032 \
		$(BUILD)/bench/snapshot.json
	scripts/bench-memory.sh $(BUILD)/ldomsim traces/default/trace.json traces/t4-4/trace.json \
		traces/m7-16/trace.json
	rm -rf $(BUILD)/bench/sweep-m7-16
	/usr/bin/time -f "sweep m7-16 x 9 points (--jobs 2): wall %e s, peak RSS %M KiB" \
		$(BUILD)/ldomsim sweep --shape m7-16 --present $(BENCH_SWEEP_PRESENT) --add 64 \
		--jobs 2 --no-plots -o $(BUILD)/bench/sweep-m7-16 >/dev/null

# `make results`: the committed baseline sweeps in results/<shape>/ (summary,
# point results and logs, plots). The generated traces are not kept (their
# sha256 are in each summary.json; `ldomsim trace gen` makes them again,
# byte-identical). About 30 s on 2 cores. --force: each folder holds the last
# baseline, which the sweep replaces (it refuses a folder holding other files).
# results/index.html: the one-page report of the three (report --html).
RESULTS_JOBS ?= 2
RESULTS_SWEEPS := t2:16,32,48,56:8 t4-4:64,128,192:8,64 m7-16:256,512,1024,2048,3072,4032:64
.PHONY: results
results: all
	@set -e; for s in $(RESULTS_SWEEPS); do \
		shape=$${s%%:*}; rest=$${s#*:}; \
		$(BUILD)/ldomsim sweep --shape $$shape --present $${rest%%:*} --add $${rest#*:} \
			--jobs $(RESULTS_JOBS) --force -o results/$$shape; \
		rm -rf results/$$shape/traces; \
	done
	$(BUILD)/ldomsim report results --html results/index.html

# `make results-memory`: the T4-4 and M7-16 baselines again with the memory
# model on (bench/TIMING.md "Memory"), in results/memory/<shape>/; about
# 2 min on 2 cores (the M7-16 point at 4032 strands alone ~100 s).
RESULTS_MEMORY_SWEEPS := t4-4:64,128,192:8,64 m7-16:256,512,1024,2048,3072,4032:64
.PHONY: results-memory
results-memory: all
	@set -e; for s in $(RESULTS_MEMORY_SWEEPS); do \
		shape=$${s%%:*}; rest=$${s#*:}; \
		$(BUILD)/ldomsim sweep --shape $$shape --present $${rest%%:*} --add $${rest#*:} \
			--memory-model on --jobs $(RESULTS_JOBS) --force -o results/memory/$$shape; \
		rm -rf results/memory/$$shape/traces; \
	done
	$(BUILD)/ldomsim report results/memory --html results/memory/index.html

# `make whatif`: the what-if study of hvtramp/patches/incremental-topology.patch
# (scripts/whatif.sh): the base and the patched guest swept over M7-16
# 256..4032 present +64, compared, plotted, into results/whatif-incremental-topology/.
WHATIF_GUEST := whatif-incremental-topology
.PHONY: whatif
whatif: all
	scripts/whatif.sh $(BUILD)/ldomsim $(WHATIF_GUEST) hvtramp/patches/incremental-topology.patch \
		results/$(WHATIF_GUEST) $(RESULTS_JOBS)

# `make whatif-memory`: the same study with the memory model on (caches from
# the MDs, bench/TIMING.md "Memory"), into results/whatif-incremental-topology-memory/.
.PHONY: whatif-memory
whatif-memory: all
	scripts/whatif.sh $(BUILD)/ldomsim $(WHATIF_GUEST) hvtramp/patches/incremental-topology.patch \
		results/$(WHATIF_GUEST)-memory $(RESULTS_JOBS) --memory-model on

# `make kernels`: the kernel-version study (scripts/kernels.sh): Debian's
# Linux 6.12 built as the guest linux-6.12 (its source package installed on
# demand) and swept over results/'s T4-4 and M7-16 points, compared with the
# committed 6.1 baselines there, per metric and per function, plotted, into
# results/kernels/. About 1 min on 2 cores once the guest is built.
KERNELS_GUEST ?= linux-6.12
KERNELS_SRC   ?= /usr/src/linux-source-6.12.tar.xz
.PHONY: kernels
kernels: all
	scripts/kernels.sh $(BUILD)/ldomsim $(KERNELS_GUEST) $(KERNELS_SRC) results/kernels $(RESULTS_JOBS)

# The version of this build that sweep summaries record (bench/sweep_ident.c):
# git describe, rewritten only when it changes so that nothing else rebuilds.
BENCH_VERSION_H := $(BUILD)/ldomsim_version.h
GEN_HDRS += $(BENCH_VERSION_H)
.PHONY: bench-version-force
$(BENCH_VERSION_H): bench-version-force
	@mkdir -p $(@D)
	@v=$$(git describe --always --dirty --tags 2>/dev/null || echo unknown); \
	printf '/* generated by bench/module.mk */\n#define LDOMSIM_VERSION "%s"\n' "$$v" >$@.new; \
	if cmp -s $@.new $@; then rm -f $@.new; else mv $@.new $@; fi

# `make fuzz-ds`: the DS-message harness (bench/fuzz/fuzz_ds.c) against the
# whole simulator built with clang's sanitizers; `make fuzz-ds-run
# FUZZ_SECONDS=60` runs it over the committed seeds.
FUZZDS_DIR  := $(BUILD)/fuzz-ds
FUZZ_RUNS_ds ?= -1
FUZZDS_OBJS := $(LIB_SRCS:%.c=$(FUZZDS_DIR)/obj/%.o)
$(FUZZDS_DIR)/obj/%.o: %.c | $(DEPS_STAMP) $(GEN_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -I$(BUILD) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<
$(FUZZDS_DIR)/fuzz_ds: bench/fuzz/fuzz_ds.c $(FUZZDS_OBJS)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)
.PHONY: fuzz-ds fuzz-ds-run
fuzz-ds: all $(FUZZDS_DIR)/fuzz_ds
fuzz-ds-run: fuzz-ds
	@mkdir -p $(FUZZDS_DIR)/corpus
	ASAN_OPTIONS=detect_leaks=0 $(FUZZDS_DIR)/fuzz_ds -max_total_time=$(FUZZ_SECONDS) \
		-seed=$(FUZZ_SEED) -runs=$(FUZZ_RUNS_ds) -print_final_stats=1 \
		-max_len=4096 -artifact_prefix=$(FUZZDS_DIR)/crash- $(FUZZDS_DIR)/corpus bench/fuzz/corpus/ds

