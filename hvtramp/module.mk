# hvtramp/ — the guest image: the real Linux sun4v bringup objects, built
# from the distribution's kernel source, linked with the kernel-model stubs.
# See hvtramp/README.md.
#
#   make guest                       build/guest/guest.elf + manifest.json
#   make guest KERNEL_SRC=path       another kernel tarball or unpacked tree
#   make guest KM_TABLE=f.def GUEST_DIR=build/t
#                                    link with another kernel-model table
#                                    into another directory (tests)

comma      := ,
KERNEL_SRC ?= /usr/src/linux-source-6.1.tar.xz
KM_TABLE   ?= kernel-model/entries.def
GUEST_DIR  ?= $(BUILD)/guest
# make guest GUEST=NAME [KERNEL_SRC=...]: a named guest in build/guests/NAME
# beside the default (ldomsim run --guest NAME); its kernel's layouts must
# equal those the simulator is built with (checked, differences named).
GUEST      ?=
ifneq ($(GUEST),)
GUEST_DIR  := $(BUILD)/guests/$(GUEST)
endif
HV_CROSS   ?= sparc64-linux-gnu-
HV_JOBS    ?= 2

# build/linux/<name>/{src,obj,ldomsim}: one directory per kernel source.
HV_ISTREE  := $(if $(wildcard $(KERNEL_SRC)/Makefile),1)
HV_NAME    := $(notdir $(patsubst %/,%,$(KERNEL_SRC)))
HV_NAME    := $(if $(HV_ISTREE),$(HV_NAME)-tree,$(firstword $(subst .tar, ,$(patsubst %.tgz,%,$(HV_NAME)))))
# PATCHES=p1.patch,... (with GUEST=NAME): applied to a copy of the tarball's
# tree in build/linux/<name>-<GUEST> (hvtramp/patches/: project what-ifs).
PATCHES    ?=
HV_PATCHES := $(abspath $(subst $(comma), ,$(PATCHES)))
ifneq ($(PATCHES),)
ifeq ($(GUEST),)
$(error PATCHES=$(PATCHES) needs GUEST=NAME: a patched kernel is a named guest)
endif
endif
HV_KDIR    := $(BUILD)/linux/$(HV_NAME)$(if $(PATCHES),-$(GUEST))
HV_OUT     := $(HV_KDIR)/ldomsim
HV_KOBJS   := $(addprefix $(HV_OUT)/,hvtramp.o smp_64.o mdesc.o ds.o irq_64.o traps_64.o hvcalls.o helpers.o \
		lib_string.o lib_find_bit.o lib_bitops.o lib_ffs.o)
HV_OFFSETS := $(BUILD)/guest/offsets.h
HV_SIM_SRCS:= $(filter-out sim/guest/selftest%.S,$(wildcard sim/guest/*.S))
HV_SIM_OBJS:= $(patsubst sim/guest/%.S,$(GUEST_DIR)/simguest_%.o,$(HV_SIM_SRCS))
# Guest-side glue of the kernel model (it calls real kernel functions
# around host entries); linked like the sim/guest objects.
HV_KM_SRCS := $(wildcard kernel-model/guest/*.S)
HV_SIM_OBJS+= $(patsubst kernel-model/guest/%.S,$(GUEST_DIR)/simguest_km_%.o,$(HV_KM_SRCS))
HV_ASFLAGS := -fno-pic -m64 -mcpu=ultrasparc -Wa,--undeclared-regs -Wa,--noexecstack -I. -I$(BUILD) -MMD -MP
HV_LD      := $(HV_CROSS)ld -m elf64_sparc -static -nostdlib --gc-sections \
              --orphan-handling=error --no-warn-rwx-segments -z noexecstack \
              -z max-page-size=8192 -z common-page-size=8192

GEN_HDRS  += $(HV_OFFSETS)
ALL_EXTRA += $(GUEST_DIR)/guest.elf $(GUEST_DIR)/manifest.json
# The top Makefile expands ALL_EXTRA in `all:` before including module.mk
# files, so name the prerequisites here too.
all: $(GUEST_DIR)/guest.elf $(GUEST_DIR)/manifest.json

.PHONY: guest
guest: $(GUEST_DIR)/guest.elf $(GUEST_DIR)/manifest.json

# --- the kernel part: each step once, behind a stamp -----------------------
# The default tarball comes from the linux-source-6.1 package that
# scripts/deps.sh installs: make must plan that install before it looks for
# the file (a plain prerequisite would stop a fresh machine with "No rule to
# make target"). Another Debian tarball, /usr/src/linux-source-X.Y.tar.xz, is
# installed on demand (scripts/deps.sh linux-source-X.Y), not for everyone.
# Any other missing KERNEL_SRC is refused by name.
HV_DEB_PKG := $(patsubst /usr/src/%.tar.xz,%,$(filter /usr/src/linux-source-%.tar.xz,$(KERNEL_SRC)))
ifeq ($(HV_ISTREE),)
$(KERNEL_SRC): | $(DEPS_STAMP)
	$(if $(HV_DEB_PKG),@test -f $@ || ./scripts/deps.sh $(HV_DEB_PKG))
	@test -f $@ || { echo "hvtramp: kernel source $@ not found (KERNEL_SRC: a linux-source tarball or an unpacked tree; the default comes from Debian's linux-source-6.1, which scripts/deps.sh installs)" >&2; exit 2; }
endif
# hvtramp/kernel.sh writes the stamps itself, under a lock (parallel makes).
$(HV_KDIR)/.extracted: $(if $(HV_ISTREE),,$(KERNEL_SRC)) $(HV_PATCHES) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	HV_PATCHES='$(HV_PATCHES)' hvtramp/kernel.sh extract $(KERNEL_SRC) $(HV_KDIR)

$(HV_KDIR)/.configured: $(HV_KDIR)/.extracted
	HV_JOBS=$(HV_JOBS) hvtramp/kernel.sh configure $(KERNEL_SRC) $(HV_KDIR)

$(HV_KDIR)/.objects: $(HV_KDIR)/.configured hvtramp/kernel.sh $(wildcard hvtramp/kbuild/*)
	HV_JOBS=$(HV_JOBS) hvtramp/kernel.sh objects $(KERNEL_SRC) $(HV_KDIR) $(HV_OUT)

# Which kernel (and which table) an output was made from: rewritten only when
# KERNEL_SRC / KM_TABLE name something else, so switching back and forth
# rebuilds what depends on them even when the other files are older.
$(sort $(if $(GUEST),,$(BUILD)/guest/kernel_src.path) $(GUEST_DIR)/kernel_src.path): HV_FORCE
	@mkdir -p $(@D)
	@echo '$(abspath $(KERNEL_SRC))' | cmp -s - $@ 2>/dev/null || echo '$(abspath $(KERNEL_SRC))' >$@

define hv_gen_offsets
	@mkdir -p $(@D)
	{ echo '/* Generated by hvtramp/module.mk from hvtramp/kbuild/offsets.c compiled'; \
	  echo ' * against $(KERNEL_SRC) ($(HV_NAME)). Do not edit. */'; \
	  echo '#ifndef LDOMSIM_GUEST_OFFSETS_H'; echo '#define LDOMSIM_GUEST_OFFSETS_H'; \
	  sed -n -f hvtramp/offsets.sed $(HV_OUT)/offsets.s; \
	  echo; echo '#endif'; } >$@.tmp && mv $@.tmp $@
endef

ifeq ($(GUEST),)
$(HV_OFFSETS): $(HV_KDIR)/.objects hvtramp/offsets.sed $(BUILD)/guest/kernel_src.path
	$(hv_gen_offsets)
HV_LAYOUT_OK :=
else
# The simulator's layouts stay the default kernel's.
$(HV_OFFSETS):
	@test -f $@ || { echo "make guest GUEST=$(GUEST): build the default guest first (make guest): the simulator is built against its layouts" >&2; exit 1; }
$(GUEST_DIR)/offsets.h: $(HV_KDIR)/.objects hvtramp/offsets.sed $(GUEST_DIR)/kernel_src.path
	$(hv_gen_offsets)
HV_LAYOUT_OK := $(GUEST_DIR)/layout.ok
$(HV_LAYOUT_OK): $(GUEST_DIR)/offsets.h $(HV_OFFSETS) hvtramp/guest.py
	python3 hvtramp/guest.py layout --name $(GUEST) $(HV_OFFSETS) $(GUEST_DIR)/offsets.h $@
endif

# --- the link ---------------------------------------------------------------
$(GUEST_DIR)/roots.ld: hvtramp/entries.txt hvtramp/guest.py $(HV_KDIR)/.objects $(GUEST_DIR)/kernel_src.path
	@mkdir -p $(@D)
	python3 hvtramp/guest.py roots hvtramp/entries.txt $@ $(HV_KOBJS)

$(GUEST_DIR)/guest.lds: hvtramp/guest.lds.S $(HV_OFFSETS)
	@mkdir -p $(@D)
	cpp -P -undef -I$(BUILD) -o $@ $<

$(GUEST_DIR)/simguest_%.o: sim/guest/%.S $(HV_OFFSETS) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(HV_CROSS)gcc $(HV_ASFLAGS) -c -o $@ $<

$(GUEST_DIR)/simguest_km_%.o: kernel-model/guest/%.S $(HV_OFFSETS) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(HV_CROSS)gcc $(HV_ASFLAGS) -c -o $@ $<

$(GUEST_DIR)/km_table.path: HV_FORCE
	@mkdir -p $(@D)
	@echo '$(abspath $(KM_TABLE))' | cmp -s - $@ 2>/dev/null || echo '$(abspath $(KM_TABLE))' >$@

$(GUEST_DIR)/km_stubs.o: hvtramp/km_stubs.S $(KM_TABLE) $(GUEST_DIR)/km_table.path $(HV_OFFSETS) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(HV_CROSS)gcc $(HV_ASFLAGS) -DKM_TABLE_FILE='"$(abspath $(KM_TABLE))"' -c -o $@ $<

$(GUEST_DIR)/guest.elf $(GUEST_DIR)/manifest.json &: $(HV_LAYOUT_OK) $(HV_KDIR)/.objects $(GUEST_DIR)/roots.ld \
		$(GUEST_DIR)/guest.lds $(GUEST_DIR)/km_stubs.o $(HV_SIM_OBJS) $(KM_TABLE) hvtramp/guest.py \
		$(GUEST_DIR)/kernel_src.path
	python3 hvtramp/guest.py link --table $(KM_TABLE) --ld '$(HV_LD)' \
		--lds $(GUEST_DIR)/guest.lds --libdir $(GUEST_DIR) --stubs $(GUEST_DIR)/km_stubs.o \
		--out $(GUEST_DIR)/guest.elf --manifest $(GUEST_DIR)/manifest.json \
		--release $(HV_OUT)/kernel.release --source $(KERNEL_SRC) --kdir $(HV_KDIR) \
		--entries hvtramp/entries.txt $(addprefix --sim ,$(HV_SIM_OBJS)) $(HV_KOBJS)

.PHONY: HV_FORCE
HV_FORCE:

-include $(wildcard $(GUEST_DIR)/*.d)
