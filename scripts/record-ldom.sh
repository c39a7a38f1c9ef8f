#!/bin/sh
# record-ldom.sh — record one CPU DR operation on a Linux sun4v (LDoms) guest
# for `ldomsim trace import` (format: traces/FORMAT.md, "Captures").
#
# Run as root ON THE GUEST. It saves /dev/mdesc, arms ftrace (function_graph
# on the DS / bring-up path, kprobes on the hypercall wrappers), then waits
# while the operator runs the operation on the control domain, e.g.
#     ldm add-vcpu 8 <this-domain>        (or ldm remove-vcpu ...)
# and finally saves the new MD, the kernel log lines of the operation and the
# trace into the capture directory:
#     manifest.txt  mdesc-before.bin  mdesc-after.bin  dmesg.txt  ftrace.txt
# and, when the operation published more than one MD (several md-updates),
# each intermediate one as mdesc-gen2.bin, mdesc-gen3.bin, ... (polled once
# a second while armed; mdesc-after.bin is always the last).
#
# usage: record-ldom.sh -o DIR [--op add|remove] [--wait enter|poll]
#                       [--timeout SEC] [--settle SEC] [--depth N] [--buffer-kb KB]
#                       [--shape NAME --sockets S --cores-per-socket C
#                        --strands-per-core T --cpi X]
#   --wait enter  wait for Enter on the terminal after the operation (default)
#   --wait poll   wait until /dev/mdesc changes, then --settle seconds (5)
#                 for the dr-cpu request to finish; give up after --timeout (600)
# Exit: 0 captured, 1 nothing changed / capture failed, 2 usage or environment.
set -eu

out="" op="add" wait_mode="enter" timeout=600 settle=5 depth=8 buffer_kb=65536
shape="" sockets="" cores="" strands="" cpi=""

die() { echo "record-ldom.sh: $*" >&2; exit 2; }
usage() { sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
	case "$1" in
	-o|--output) out=${2:?}; shift 2 ;;
	--op) op=${2:?}; shift 2 ;;
	--wait) wait_mode=${2:?}; shift 2 ;;
	--timeout) timeout=${2:?}; shift 2 ;;
	--settle) settle=${2:?}; shift 2 ;;
	--depth) depth=${2:?}; shift 2 ;;
	--buffer-kb) buffer_kb=${2:?}; shift 2 ;;
	--shape) shape=${2:?}; shift 2 ;;
	--sockets) sockets=${2:?}; shift 2 ;;
	--cores-per-socket) cores=${2:?}; shift 2 ;;
	--strands-per-core) strands=${2:?}; shift 2 ;;
	--cpi) cpi=${2:?}; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
[ -n "$out" ] || { usage >&2; exit 2; }
case "$op" in add|remove) ;; *) die "--op must be add or remove" ;; esac
case "$wait_mode" in enter|poll) ;; *) die "--wait must be enter or poll" ;; esac
[ "$(id -u)" -eq 0 ] || die "must run as root"
[ "$(uname -m)" = sparc64 ] || die "not a sparc64 guest ($(uname -m))"
[ -r /dev/mdesc ] || die "/dev/mdesc is missing (CONFIG_SUN_LDOMS, the mdesc driver)"

T=/sys/kernel/tracing
if [ ! -e "$T/trace" ]; then
	if [ -e /sys/kernel/debug/tracing/trace ]; then T=/sys/kernel/debug/tracing
	else mount -t tracefs nodev "$T" 2>/dev/null || die "cannot mount tracefs on $T"; fi
fi
grep -qw function_graph "$T/available_tracers" || die "no function_graph tracer (CONFIG_FUNCTION_GRAPH_TRACER)"
[ "$(cat "$T/current_tracer")" = nop ] || die "ftrace is in use (current_tracer is $(cat "$T/current_tracer"))"

mkdir -p "$out" || die "cannot create $out"

# Hypercall wrappers (hvcalls.S) and their argument registers.
WRAPPERS="cpu_start:4 cpu_stop:1 cpu_qconf:3 cpu_state:1 cpu_yield:0 mach_desc:2 \
mmu_map_perm_addr:4 mmu_demap_all:3 cpu_mondo_send:3"
# Roots of the function_graph capture: the DS handlers and the bring-up path.
GRAPH_ROOTS="dr_cpu_data dr_cpu_configure dr_cpu_unconfigure md_update_data mdesc_update \
mdesc_populate_present_mask mdesc_fill_in_cpu_data add_cpu remove_cpu __cpu_up \
smp_boot_one_cpu ldom_startcpu_cpuid smp_callin sun4v_register_mondo_queues \
register_one_mondo fixup_irqs __cpu_disable __cpu_die cpu_play_dead"

kprobes_used=0
watcher=""
cleanup() {
	set +e
	[ -n "$watcher" ] && kill "$watcher" 2>/dev/null
	echo 0 > "$T/tracing_on"
	echo nop > "$T/current_tracer"
	[ -d "$T/events/kprobes" ] && echo 0 > "$T/events/kprobes/enable" 2>/dev/null
	for w in $WRAPPERS; do
		n=${w%%:*}
		echo "-:hv_${n}_ret" >> "$T/kprobe_events" 2>/dev/null
		echo "-:hv_${n}" >> "$T/kprobe_events" 2>/dev/null
	done
	: > "$T/set_graph_function"
	: > "$T/set_ftrace_filter"
	echo 1 > "$T/options/funcgraph-overhead" 2>/dev/null
}
trap cleanup EXIT INT TERM

# --- arm ftrace ---
echo 0 > "$T/tracing_on"
: > "$T/trace"
echo local > "$T/trace_clock" 2>/dev/null || true # the printk clock: dmesg and ftrace agree
echo "$buffer_kb" > "$T/buffer_size_kb" 2>/dev/null || true
: > "$T/set_graph_function"
for f in $GRAPH_ROOTS; do
	if grep -qx "$f" "$T/available_filter_functions" 2>/dev/null; then
		echo "$f" >> "$T/set_graph_function" 2>/dev/null || true
	fi
done
# Wrappers are usually not traceable (assembler without mcount); when they
# are, trace them too.
for w in $WRAPPERS; do
	n=${w%%:*}
	if grep -qx "sun4v_$n" "$T/available_filter_functions" 2>/dev/null; then
		echo "sun4v_$n" >> "$T/set_graph_function" 2>/dev/null || true
	fi
done
echo "$depth" > "$T/max_graph_depth" 2>/dev/null || true
for o in funcgraph-abstime funcgraph-proc funcgraph-duration funcgraph-cpu funcgraph-tail \
	funcgraph-overhead; do
	echo 1 > "$T/options/$o" 2>/dev/null || echo "record-ldom.sh: option $o not available" >&2
done
# kprobes on the wrappers: arguments %o0.., status on return.
if [ -w "$T/kprobe_events" ]; then
	for w in $WRAPPERS; do
		n=${w%%:*} na=${w##*:}
		grep -q " sun4v_$n\$" /proc/kallsyms || continue
		args="" i=0
		while [ "$i" -lt "$na" ]; do args="$args a$i=%o$i"; i=$((i + 1)); done
		if ! echo "p:hv_$n sun4v_$n$args" >> "$T/kprobe_events" 2>/dev/null; then
			echo "p:hv_$n sun4v_$n" >> "$T/kprobe_events" 2>/dev/null || continue
		fi
		echo "r:hv_${n}_ret sun4v_$n st=\$retval" >> "$T/kprobe_events" 2>/dev/null || true
		kprobes_used=1
	done
	[ "$kprobes_used" = 1 ] && echo 1 > "$T/events/kprobes/enable"
fi
[ "$kprobes_used" = 1 ] || echo "record-ldom.sh: no kprobes; hcalls only if the wrappers are traceable" >&2

cat /dev/mdesc > "$out/mdesc-before.bin"
nonce="ldomsim-record-$$-$(date +%s)"
echo "$nonce start" > /dev/kmsg
echo function_graph > "$T/current_tracer"
echo 1 > "$T/tracing_on"
# Every MD the hypervisor publishes while armed, in order.
(
	g=1 last="$out/mdesc-before.bin"
	while :; do
		if ! cmp -s /dev/mdesc "$last"; then
			g=$((g + 1))
			cat /dev/mdesc > "$out/mdesc-gen$g.bin"
			last="$out/mdesc-gen$g.bin"
		fi
		sleep 1
	done
) &
watcher=$!

# --- wait for the operation ---
if [ "$wait_mode" = enter ]; then
	echo "Armed. On the control domain run the operation (e.g. ldm ${op}-vcpu N $(hostname))," >&2
	echo "wait for it to finish, then press Enter here." >&2
	read -r _ || true
else
	echo "Armed; waiting up to ${timeout}s for /dev/mdesc to change..." >&2
	t=0
	while cmp -s /dev/mdesc "$out/mdesc-before.bin"; do
		sleep 1
		t=$((t + 1))
		if [ "$t" -ge "$timeout" ]; then
			echo "record-ldom.sh: /dev/mdesc did not change in ${timeout}s" >&2
			exit 1
		fi
	done
	sleep "$settle"
fi

# --- collect ---
echo 0 > "$T/tracing_on"
kill "$watcher" 2>/dev/null; wait "$watcher" 2>/dev/null; watcher=""
cat /dev/mdesc > "$out/mdesc-after.bin"
# The last generation the watcher saved is mdesc-after.bin itself.
last=$(ls "$out"/mdesc-gen*.bin 2>/dev/null | sed 's/.*mdesc-gen\([0-9]*\)\.bin/\1/' | sort -n | tail -1)
if [ -n "$last" ] && cmp -s "$out/mdesc-gen$last.bin" "$out/mdesc-after.bin"; then
	rm -f "$out/mdesc-gen$last.bin"
fi
echo "$nonce end" > /dev/kmsg
cat "$T/trace" > "$out/ftrace.txt"
dmesg | sed -n "/$nonce start/,/$nonce end/p" | grep -v "$nonce" > "$out/dmesg.txt" || true
{
	echo "format=ldomsim-capture-1"
	echo "host=$(hostname)"
	echo "kernel=$(uname -r)"
	echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "op=$op"
	echo "hcall_source=$([ "$kprobes_used" = 1 ] && echo kprobes || echo function_graph)"
	echo "trace_clock=$(sed 's/.*\[\(.*\)\].*/\1/' "$T/trace_clock")"
	echo "nr_cpus_online=$(grep -c '^processor' /proc/cpuinfo 2>/dev/null || echo 0)"
	[ -n "$shape" ] && echo "shape=$shape"
	[ -n "$sockets" ] && echo "sockets=$sockets"
	[ -n "$cores" ] && echo "cores_per_socket=$cores"
	[ -n "$strands" ] && echo "strands_per_core=$strands"
	[ -n "$cpi" ] && echo "cpi=$cpi"
	true
} > "$out/manifest.txt"

if cmp -s "$out/mdesc-before.bin" "$out/mdesc-after.bin"; then
	echo "record-ldom.sh: warning: the MD did not change" >&2
fi
grep -q "ds-" "$out/dmesg.txt" || echo "record-ldom.sh: warning: no ds.c log lines captured" >&2
if grep -q '^CPU:[0-9]* \[LOST' "$out/ftrace.txt"; then
	echo "record-ldom.sh: warning: ftrace lost events ($(grep -c '^CPU:[0-9]* \[LOST' "$out/ftrace.txt") overrun markers); the capture is incomplete, try a larger --buffer-kb" >&2
fi
lines=$(wc -l < "$out/ftrace.txt")
echo "record-ldom.sh: captured $out ($lines trace lines); import with:" >&2
echo "  ldomsim trace import $out -o DIR" >&2
