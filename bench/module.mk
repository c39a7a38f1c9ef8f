# bench/ — `make bench`: the simulator's own speed, and wall time / peak RSS
# of the scenario benchmarks. Figures, not tests: nothing here asserts
# wall-clock time.
BENCH_TRACES ?= traces/default/trace.json traces/m7-16/trace.json
bench: all
	$(BUILD)/ldomsim bench speed
	@mkdir -p $(BUILD)/bench
	@for t in $(BENCH_TRACES); do \
		/usr/bin/time -f "$$t: wall %e s, peak RSS %M KiB" \
			$(BUILD)/ldomsim run $$t --json $(BUILD)/bench/$$(basename $$(dirname $$t)).json \
			>/dev/null || exit 1; \
		python3 -c "import json,sys; d=json.load(open(sys.argv[1]))['simulator']; \
print('  guest instructions %d, %.2e per host second' % (d['guest_insns'], d['guest_insns_per_second']))" \
			$(BUILD)/bench/$$(basename $$(dirname $$t)).json; \
	done
