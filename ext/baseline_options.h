/*
** baseline_options.h — baseline_train's options parser (baseline.c), shared
** with baseline_train_state (baseline_state.c) so both accept the same keys
** with the same messages.
**
** omen_bl_parse_options(text, n, o, err, nomem): defaults first, then the
** JSON object's keys threshold, constant_cv, max_values, seed; returns 0, or
** 1 with the message in err (no function-name prefix) and *nomem set for out
** of memory.  text NULL: the defaults.
*/
#ifndef BASELINE_OPTIONS_H
#define BASELINE_OPTIONS_H

#include "core/baseline/bl.h"

int omen_bl_parse_options(const char *text, size_t n, bl_options *o, om_err *err, int *nomem);

#endif /* BASELINE_OPTIONS_H */
