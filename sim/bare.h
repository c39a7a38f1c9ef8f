/*
 * sim/bare.h — a bare Unicorn engine on a guest image, nothing of the
 * machine around it: the yardstick the simulator's own speed is measured
 * against (bench/speed.c). Host time is what it reports.
 */
#ifndef LDOMSIM_SIM_BARE_H
#define LDOMSIM_SIM_BARE_H

#include <stddef.h>
#include <stdint.h>

struct sim_bare;

/* The image loaded into ram_size bytes of RAM at address 0; it must link
 * sim_return (sim/guest/entry.S). SIM_E_* on failure, err says why. */
int sim_bare_open(const char *elf, uint64_t ram_size, struct sim_bare **out, char *err,
                  size_t errlen);
void sim_bare_free(struct sim_bare *b);

/* Call fn(arg0) with stack top sp (unbiased) on a fresh engine until it
 * returns to sim_return: raw (only the trap that ends the run is hooked, it
 * fires once) or, with count_blocks, with a block counter hook. *secs: host
 * wall-clock seconds inside the engine. */
int sim_bare_call(struct sim_bare *b, uint64_t fn, uint64_t arg0, uint64_t sp, int count_blocks,
                  double *secs, char *err, size_t errlen);

#endif
