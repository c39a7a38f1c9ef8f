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
