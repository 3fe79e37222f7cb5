/*
** test_st_power.c — power, sample size and minimum detectable effect
** (st_power.h).  The grid against statsmodels is tests/sql/power_statsmodels.sql;
** here: a few statsmodels values (behaviours 2-3), round trips of the
** solvers (4-5), their refusals, and argument checks (6).
*/
#include "om_test.h"
#include "st_power.h"

static double pw(st_pow_test t, double d, double n, double r, double a, st_pow_alt alt) {
  double p = NAN;
  om_err e;
  CHECK(st_power_calc(t, d, n, r, a, alt, &p, &e) == OM_OK);
  return p;
}

int main(void) {
  om_err e;
  double n, d, p;
  int ti, ai;
  /* statsmodels 0.13.5 (TTestIndPower / NormalIndPower) */
  CHECK_CLOSE(pw(ST_POW_T, 0.5, 64, 1, 0.05, ST_POW_TWO_SIDED), 0.8014595579287103, 1e-9);
  CHECK_CLOSE(pw(ST_POW_T, 0.3, 150, 1, 0.05, ST_POW_TWO_SIDED), 0.7355674309303992, 1e-9);
  CHECK_CLOSE(pw(ST_POW_NORMAL, st_cohen_h(0.12, 0.10), 4000, 1, 0.05, ST_POW_TWO_SIDED),
              0.8163135759806979, 1e-12);
  CHECK(st_power_solve_n(ST_POW_T, 0.5, 1, 0.05, 0.8, ST_POW_LARGER, &n, &e) == OM_OK);
  CHECK_CLOSE(n, 50.150783386010616, 1e-7);
  CHECK(st_power_solve_n(ST_POW_NORMAL, st_cohen_h(0.12, 0.10), 3, 0.05, 0.8, ST_POW_TWO_SIDED,
                         &n, &e) == OM_OK);
  CHECK_CLOSE(n, 2556.397159987645, 1e-9);
  /* effect 0: power alpha; Cohen's h */
  CHECK_CLOSE(pw(ST_POW_T, 0, 30, 2, 0.07, ST_POW_TWO_SIDED), 0.07, 1e-14);
  CHECK_CLOSE(pw(ST_POW_NORMAL, 0, 30, 2, 0.07, ST_POW_LARGER), 0.07, 1e-14);
  CHECK_CLOSE(st_cohen_h(1, 0), M_PI, 1e-15);
  CHECK(isnan(st_cohen_h(1.5, 0)) && isnan(st_cohen_h(0.5, NAN)));
  /* round trips over both tests and all alternatives */
  for (ti = 0; ti < 2; ti++)
    for (ai = 0; ai < 3; ai++) {
      st_pow_test t = (st_pow_test)ti;
      st_pow_alt alt = (st_pow_alt)ai;
      double eff = alt == ST_POW_SMALLER ? -0.37 : 0.37;
      CHECK(st_power_solve_n(t, eff, 1.7, 0.02, 0.9, alt, &n, &e) == OM_OK);
      CHECK_CLOSE(pw(t, eff, n, 1.7, 0.02, alt), 0.9, 1e-13);
      CHECK(st_power_solve_d(t, n, 1.7, 0.02, 0.9, alt, &d, &e) == OM_OK);
      CHECK_CLOSE(d, 0.37, 1e-12);
      /* monotone in n */
      CHECK(pw(t, eff, 10, 1.7, 0.02, alt) < pw(t, eff, 11, 1.7, 0.02, alt));
    }
  /* tiny and huge effects */
  CHECK(st_power_solve_n(ST_POW_T, 1e-5, 1, 0.05, 0.8, ST_POW_LARGER, &n, &e) == OM_OK);
  /* the normal limit 2 (z_a + z_b)^2 / d^2 */
  CHECK_CLOSE(n, 2.0 * 6.182557232019764 / 1e-10, 1e-8);
  CHECK(st_power_solve_n(ST_POW_NORMAL, 3.0, 1, 0.05, 0.8, ST_POW_TWO_SIDED, &n, &e) == OM_OK);
  CHECK(n > 0 && n < 3);
  /* refusals */
  CHECK(st_power_solve_n(ST_POW_T, 0, 1, 0.05, 0.8, ST_POW_TWO_SIDED, &n, &e) == OM_INVALID);
  CHECK_STR(e.msg, "the effect is 0: no finite sample size detects it");
  CHECK(isnan(n));
  CHECK(st_power_solve_n(ST_POW_T, -0.5, 1, 0.05, 0.8, ST_POW_LARGER, &n, &e) == OM_INVALID);
  CHECK(st_power_solve_n(ST_POW_NORMAL, 0.5, 1, 0.05, 0.8, ST_POW_SMALLER, &n, &e) == OM_INVALID);
  CHECK(st_power_solve_n(ST_POW_T, 0.5, 1, 0.05, 0.05, ST_POW_TWO_SIDED, &n, &e) == OM_INVALID);
  CHECK(st_power_solve_n(ST_POW_T, 1e-160, 1, 0.05, 0.8, ST_POW_TWO_SIDED, &n, &e) == OM_INVALID);
  CHECK_STR(e.msg, "the sample size needed is beyond 1e300");
  CHECK(st_power_solve_d(ST_POW_T, 1, 1, 0.05, 0.8, ST_POW_TWO_SIDED, &d, &e) == OM_INVALID);
  CHECK(st_power_solve_d(ST_POW_NORMAL, 1e-3, 1, 0.05, 0.8, ST_POW_TWO_SIDED, &d, &e) == OM_OK);
  /* argument checks */
  CHECK(st_power_calc(ST_POW_T, 0.5, 10, 1, 0, ST_POW_TWO_SIDED, &p, &e) == OM_INVALID && isnan(p));
  CHECK(st_power_calc(ST_POW_T, 0.5, 10, 1, NAN, ST_POW_TWO_SIDED, &p, &e) == OM_INVALID);
  CHECK(st_power_calc(ST_POW_T, 0.5, 10, 0, 0.05, ST_POW_TWO_SIDED, &p, &e) == OM_INVALID);
  CHECK(st_power_calc(ST_POW_T, 0.5, 10, INFINITY, 0.05, ST_POW_TWO_SIDED, &p, &e) == OM_INVALID);
  CHECK(st_power_calc(ST_POW_T, NAN, 10, 1, 0.05, ST_POW_TWO_SIDED, &p, &e) == OM_INVALID);
  CHECK(st_power_calc(ST_POW_T, 0.5, -1, 1, 0.05, ST_POW_TWO_SIDED, &p, &e) == OM_INVALID);
  CHECK(st_power_calc(ST_POW_T, 0.5, 1, 1, 0.05, ST_POW_TWO_SIDED, &p, &e) == OM_INVALID);
  CHECK(st_power_calc(ST_POW_T, 0.5, 10, 1, 0.05, (st_pow_alt)7, &p, &e) == OM_INVALID);
  CHECK(st_power_solve_n(ST_POW_T, 0.5, 1, 0.05, 1.0, ST_POW_TWO_SIDED, &n, &e) == OM_INVALID);
  return om_test_finish();
}
