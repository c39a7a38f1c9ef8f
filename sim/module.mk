# sim/ — the guest-side pieces of the machine, assembled with the sparc64
# cross toolchain: the trap table and entry routines (also linked into the
# kernel image by hvtramp/), and the self-test image build/sim/selftest.elf.

GUEST_CC     ?= sparc64-linux-gnu-gcc
GUEST_LD     ?= sparc64-linux-gnu-ld
GUEST_AFLAGS := -fno-pic -m64 -mcpu=ultrasparc -Wa,--undeclared-regs -I.

SIM_GUEST_SRCS := $(filter-out sim/guest/selftest%.S,$(wildcard sim/guest/*.S))
SIM_SELFTEST_OBJS := $(patsubst %.S,$(BUILD)/sim/%.o,sim/guest/selftest.S $(SIM_GUEST_SRCS))

$(BUILD)/sim/%.o: %.S sim/guest/sim_traps.h | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(GUEST_CC) $(GUEST_AFLAGS) -c -o $@ $<

# -N: text and data in one segment, no page-aligned headers in the image.
$(BUILD)/sim/selftest.elf: $(SIM_SELFTEST_OBJS)
	$(GUEST_LD) -N -Ttext=0x400000 -e st_priv -o $@ $^

ALL_EXTRA += $(BUILD)/sim/selftest.elf

# The machine alone (`make check-sim`, part of `make check`): sim/ and the
# tests of the machine (tests/test_sim.c, tests/test_machine_alone.c,
# tests/test_eventq.c, with the tests' own helpers)
# compiled with only sim/, cache/ and util/ (the leaves below every module) on the
# include path and linked with nothing but those and Unicorn, so that an
# include of, or a call into, anything above the machine fails the build.
SIM_ALONE      := $(BUILD)/sim-alone
SIM_ALONE_SRCS := $(wildcard sim/*.c) $(wildcard cache/*.c) $(wildcard util/*.c) tests/test_sim.c \
                  tests/test_machine_alone.c tests/test_eventq.c tests/test_cache.c tests/test_memmodel.c tests/test_ram_image.c tests/util.c \
                  tests/selftest_once.c
SIM_ALONE_OBJS := $(SIM_ALONE_SRCS:%.c=$(SIM_ALONE)/obj/%.o)
SIM_ALONE_CFLAGS := $(filter-out -I. -I$(BUILD),$(CFLAGS)) -I$(SIM_ALONE)/root

$(SIM_ALONE)/root/sim $(SIM_ALONE)/root/cache $(SIM_ALONE)/root/util $(SIM_ALONE)/root/tests:
	@mkdir -p $(@D)
	ln -sfn $(CURDIR)/$(@F) $@

$(SIM_ALONE)/obj/%.o: %.c | $(SIM_ALONE)/root/sim $(SIM_ALONE)/root/cache $(SIM_ALONE)/root/util $(SIM_ALONE)/root/tests $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(SIM_ALONE_CFLAGS) -c -o $@ $<

$(SIM_ALONE)/sim-tests: $(SIM_ALONE_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ -lunicorn -lz -lm -lpthread -lcriterion

.PHONY: check-sim
check-sim: $(SIM_ALONE)/sim-tests $(BUILD)/sim/selftest.elf
	$(SIM_ALONE)/sim-tests $(CHECK_ARGS)
check: check-sim

-include $(shell find $(SIM_ALONE)/obj -name '*.d' 2>/dev/null)
