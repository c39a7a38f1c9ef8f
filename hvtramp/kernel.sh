#!/bin/sh
# Kernel half of the guest image build: extract, configure, build the
# objects ldomsim runs. Called by hvtramp/module.mk, one step per stamp.
#
#   kernel.sh extract   SRC KDIR   tarball -> KDIR/src (a tree is used in place)
#   kernel.sh configure SRC KDIR   sparc64_defconfig + checks + prepare in KDIR/obj
#   kernel.sh objects   SRC KDIR OUTDIR
#                                  build the objects and the offsets .s, copy
#                                  them to OUTDIR (only those that changed)
#
# Each step writes its stamp (KDIR/.extracted, .configured, .objects) itself, under a lock (KDIR/.lock):
# several makes may run in this working tree at once, and the second one
# must wait for the first and then find the step done.
#
# SRC is the KERNEL_SRC make variable: a tarball or an unpacked tree. The
# kernel is always built out of tree (O=KDIR/obj), so a tree given as SRC is
# never written to. Jobs: HV_JOBS (default 2).
set -eu

die() { echo "hvtramp: $*" >&2; exit 1; }

HERE=$(cd "$(dirname "$0")" && pwd)
cmd=${1:-}; src=${2:-}; kdir=${3:-}
[ -n "$cmd" ] && [ -n "$src" ] && [ -n "$kdir" ] || die "usage: kernel.sh extract|configure|objects SRC KDIR [OUTDIR]"

case $kdir in /*) ;; *) kdir=$(pwd)/$kdir ;; esac
if [ -d "$src" ]; then tree=$(cd "$src" && pwd); else tree=$kdir/src; fi
obj=$kdir/obj

# The outer make's command-line variables (CC=, CFLAGS=, KM_TABLE=...) must
# not leak into kbuild through MAKEFLAGS.
unset MAKEFLAGS MFLAGS MAKEOVERRIDES MAKELEVEL GNUMAKEFLAGS || true
KFLAGS="-ffunction-sections -fdata-sections"
kmake() {
	make -C "$tree" O="$obj" ARCH=sparc64 CROSS_COMPILE=sparc64-linux-gnu- \
		KCFLAGS="$KFLAGS" -j"${HV_JOBS:-2}" "$@"
}

mkdir -p "$kdir"
exec 9>"$kdir/.lock"
flock 9
case $cmd in
extract) stamp=$kdir/.extracted ;;
configure) stamp=$kdir/.configured ;;
*) stamp=$kdir/.$cmd ;;
esac
# uptodate DEP...: the stamp exists and is newer than every DEP.
uptodate() {
	[ -e "$stamp" ] || return 1
	for d in "$@"; do [ -d "$d" ] || [ "$stamp" -nt "$d" ] || return 1; done
}
case $cmd in
extract) uptodate "$src" ${HV_PATCHES:-} && exit 0 ;;
configure) uptodate "$kdir/.extracted" && exit 0 ;;
objects) uptodate "$kdir/.configured" "$HERE"/kbuild/* "$HERE/kernel.sh" && exit 0 ;;
esac
rm -f "$stamp"
t0=$(date +%s.%N)

case $cmd in
extract)
	if [ -d "$src" ]; then
		[ -f "$src/Makefile" ] && [ -d "$src/arch/sparc" ] ||
			die "KERNEL_SRC=$src is a directory but not a Linux source tree"
		[ -z "${HV_PATCHES:-}" ] || die "PATCHES= needs a tarball KERNEL_SRC (a tree is used in place, not copied)"
		touch "$stamp"
		exit 0
	fi
	[ -f "$src" ] || die "KERNEL_SRC=$src: no such tarball or tree (install linux-source-6.1: scripts/deps.sh)"
	rm -rf "$kdir/src" "$kdir/src.tmp"
	mkdir -p "$kdir/src.tmp"
	echo "hvtramp: extracting $src" >&2
	tar -xf "$src" --strip-components=1 -C "$kdir/src.tmp"
	[ -d "$kdir/src.tmp/arch/sparc" ] || die "$src does not hold a Linux source tree with arch/sparc"
	for p in ${HV_PATCHES:-}; do
		echo "hvtramp: applying $p" >&2
		patch -p1 --batch --forward --quiet -d "$kdir/src.tmp" <"$p" >"$kdir/patch.log" 2>&1 ||
			{ cat "$kdir/patch.log" >&2; die "$p does not apply to $src (log: $kdir/patch.log)"; }
	done
	mv "$kdir/src.tmp" "$kdir/src"
	;;
configure)
	mkdir -p "$obj"
	kmake sparc64_defconfig >"$kdir/configure.log" 2>&1 || { tail -20 "$kdir/configure.log" >&2; die "sparc64_defconfig failed (log: $kdir/configure.log)"; }
	bad=""
	for want in CONFIG_SMP=y CONFIG_HOTPLUG_CPU=y CONFIG_SUN_LDOMS=y CONFIG_NR_CPUS=4096; do
		grep -qx "$want" "$obj/.config" || bad="$bad $want"
	done
	[ -z "$bad" ] || die "sparc64_defconfig of $src lacks:$bad (found: $(grep -E '^(# )?CONFIG_(SMP|HOTPLUG_CPU|SUN_LDOMS|SUN_LDOMVIO|NR_CPUS)[= ]' "$obj/.config" | tr '\n' ' '))"
	kmake prepare >>"$kdir/configure.log" 2>&1 || { tail -40 "$kdir/configure.log" >&2; die "make prepare failed (log: $kdir/configure.log)"; }
	;;
objects)
	out=${4:?objects needs OUTDIR}
	kdst="$obj/arch/sparc/kernel"
	mkdir -p "$kdst" "$out"
	# Our wrappers/offsets source go into the OBJECT tree: kbuild finds a
	# source there before it looks in the source tree (VPATH), and
	# `#include "hvcalls.S"` still resolves through -I$(srctree)/$(src).
	for f in "$HERE"/kbuild/*; do
		b=ldomsim_$(basename "$f")
		cmp -s "$f" "$kdst/$b" || cp "$f" "$kdst/$b"
	done
	# Names only (values come from the compiler): every HV_FAST_*, HV_E*,
	# HV_MMU_* macro of hypervisor.h and every ASI_* the trampoline and
	# helpers use.
	{
		sed -n 's/^#define[[:space:]]\+\(HV_FAST_[A-Z0-9_]\+\|HV_E[A-Z0-9_]\+\|HV_MMU_[A-Z0-9_]\+\)[[:space:]].*/LXC(\1);/p' \
			"$tree/arch/sparc/include/asm/hypervisor.h"
		cat "$tree/arch/sparc/kernel/hvtramp.S" "$tree/arch/sparc/kernel/helpers.S" |
			grep -o 'ASI_[A-Z0-9_]\+' | sort -u | sed 's/.*/LXC(&);/'
	} >"$kdst/ldomsim_names.h.tmp"
	cmp -s "$kdst/ldomsim_names.h.tmp" "$kdst/ldomsim_names.h" ||
		mv "$kdst/ldomsim_names.h.tmp" "$kdst/ldomsim_names.h"
	rm -f "$kdst/ldomsim_names.h.tmp"
	objs="hvtramp smp_64 mdesc ds irq_64 traps_64 ldomsim_hvcalls ldomsim_helpers"
	# Library code the objects call in their inner loops, built real rather
	# than modelled: a kernel-model call costs a trap to the host, and the
	# topology code makes millions (strcmp per MD property, find_next_bit
	# per cpumask step, set_bit per sibling).
	libobjs="lib/string lib/find_bit arch/sparc/lib/bitops arch/sparc/lib/ffs"
	targets="arch/sparc/kernel/ldomsim_offsets.s"
	for o in $objs; do targets="$targets arch/sparc/kernel/$o.o"; done
	for o in $libobjs; do targets="$targets $o.o"; done
	# shellcheck disable=SC2086
	kmake $targets >"$out/kbuild.log" 2>&1 || { tail -40 "$out/kbuild.log" >&2; die "kernel object build failed (log: $out/kbuild.log)"; }
	for o in $objs; do
		n=${o#ldomsim_}
		cmp -s "$kdst/$o.o" "$out/$n.o" || cp "$kdst/$o.o" "$out/$n.o"
	done
	for o in $libobjs; do
		n=lib_$(basename "$o")
		cmp -s "$obj/$o.o" "$out/$n.o" || cp "$obj/$o.o" "$out/$n.o"
	done
	cmp -s "$kdst/ldomsim_offsets.s" "$out/offsets.s" || cp "$kdst/ldomsim_offsets.s" "$out/offsets.s"
	cp "$obj/include/config/kernel.release" "$out/kernel.release.tmp"
	cmp -s "$out/kernel.release.tmp" "$out/kernel.release" || mv "$out/kernel.release.tmp" "$out/kernel.release"
	rm -f "$out/kernel.release.tmp"
	;;
*) die "unknown step '$cmd'" ;;
esac
touch "$stamp"
echo "hvtramp: $cmd: $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s" >&2
