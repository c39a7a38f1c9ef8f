/*
 * sim/errf.h — the machine's name for util_errf (util/errf.h), the one way
 * library code fills a caller's error buffer.
 */
#ifndef LDOMSIM_SIM_ERRF_H
#define LDOMSIM_SIM_ERRF_H

#include "util/errf.h"

#define sim_errf util_errf

#endif
