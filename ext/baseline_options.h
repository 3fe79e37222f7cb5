/*
** baseline_options.h — baseline_train's readers of its arguments (baseline.c):
** the options parser and the value argument, shared with
** baseline_train_state (baseline_state.c) so both accept the same input with
** the same messages.
**
** omen_bl_parse_options(text, n, o, err, nomem): defaults first, then the
** JSON object's keys threshold, constant_cv, max_values, seed; returns 0, or
** 1 with the message in err (no function-name prefix) and *nomem set for out
** of memory.  text NULL: the defaults.
*/
#ifndef BASELINE_OPTIONS_H
#define BASELINE_OPTIONS_H

#include "core/baseline/bl.h"
#include "omen_ext.h"

int omen_bl_parse_options(const char *text, size_t n, bl_options *o, om_err *err, int *nomem);

/* Argument 1 (value) of both, not NULL: TEXT, a number where an earlier row
** gave a vector (or the reverse: *mode remembers, MODE_UNKNOWN at first) and
** ±Inf are errors named fname (-1); else MODE_NUMBER with *x, or
** MODE_VECTOR (the BLOB is checked when it is read). */
enum { MODE_UNKNOWN = 0, MODE_NUMBER = 1, MODE_VECTOR = 2 };
int omen_bl_value_arg(sqlite3_context *ctx, const char *fname, sqlite3_value *v, int *mode, double *x);

#endif /* BASELINE_OPTIONS_H */
