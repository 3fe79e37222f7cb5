/*
** ts_decomp.h — seasonal indices by classical decomposition, for one or
** several season lengths (the mstl method of ts_fc.h).
**
** Behaviours:
**   1. ts_decomp(y, n, periods, k, idx): for each period p (ascending
**      order is best), idx[p] are the additive seasonal indices: the
**      centred moving average of length p (2 x p for even p) is the trend,
**      index j is the mean of y - trend over the points t = j (mod p) where
**      the average exists, less the mean of the p indices (they sum to 0).
**      With several periods each is estimated from y less the others'
**      current indices, and the whole is repeated twice (MSTL's iteration).
**   3. ts_centred_ma (below).
**   2. Needs n >= 2 p for every period (OM_INVALID otherwise); work is
**      O(k n) and memory one copy of y.
*/
#ifndef TS_DECOMP_H
#define TS_DECOMP_H

#include <stddef.h>

#include "../base/om_core.h"

om_status ts_decomp(const double *y, size_t n, const int *periods, int k, double **idx, om_err *err);

/* Behaviour 3: the centred moving average of period m at t, summed
** directly (no running sums, so no drift): h <= t < n - h, h = m / 2; the
** 2 x m average (end weights 1/2m) for even m.  For the classical
** decompositions of ts_theta and ts_unitroot (statsmodels'
** seasonal_decompose). */
double ts_centred_ma(const double *x, size_t t, int m);

#endif /* TS_DECOMP_H */
