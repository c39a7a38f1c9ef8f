# bench/ — `make bench` runs the simulator's own speed benchmarks. Figures,
# not tests: nothing here asserts wall-clock time.
bench: all
	$(BUILD)/ldomsim bench speed
