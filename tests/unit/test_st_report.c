/*
** test_st_report.c — experiment_report's numbers (st_report.h).
**
** 1. A three-variant example against scipy 1.10 / statsmodels 0.13.5 (the
**    numbers below were printed by those libraries; the lift interval by
**    the delta-method formula in Python): p, p_holm, the lift interval to
**    1e-12 relative, needed to 1e-6, the decisions and `more`.
** 2. Holm's adjustment (behaviour 3) on five comparisons: sorted, scaled,
**    monotone and capped, checked against its definition.
** 3. Edge cases: a variant with one run (NaN test, left out of Holm's
**    family), a control mean of 0 (NaN lift), two constant groups, one
**    variant only, lower-is-better flipping winner and loser.
** 4. Argument validation (behaviour 6): each invalid option is OM_INVALID
**    with a message naming it, and the rows are left untouched.
** 5. st_report_alpha (behaviour 8): 0.95 gives exactly 0.05.
*/
#include <stdlib.h>

#include "om_test.h"
#include "st_report.h"

static st_moments moments_of(const double *x, int n) {
  st_sums s;
  st_moments m;
  memset(&s, 0, sizeof s);
  for (int i = 0; i < n; i++) st_sums_add(&s, x[i], NULL);
  st_sums_moments(&s, &m);
  return m;
}

static void check_example(void) {
  static const double a[] = {10, 12, 11, 13}, b[] = {14, 15, 16, 13.5}, c[] = {11, 10.5, 12.5};
  st_moments m[3];
  st_report_row rows[3];
  st_report_options o;
  om_err err;
  m[0] = moments_of(a, 4);
  m[1] = moments_of(b, 4);
  m[2] = moments_of(c, 3);
  st_report_defaults(&o);
  CHECK(st_report(m, 3, 0, &o, rows, &err) == OM_OK);
  CHECK(rows[0].decision == ST_DECIDE_NONE && isnan(rows[0].p) && isnan(rows[0].diff) && rows[0].n == 4);
  CHECK_CLOSE(rows[0].mean, 11.5, 1e-15);
  CHECK_CLOSE(rows[0].mean_low, 9.445739743239121, 1e-12); /* scipy t.ppf (df 3) is ~4e-14 off here */
  CHECK_CLOSE(rows[1].diff, 3.125, 1e-15);
  CHECK_CLOSE(rows[1].p, 0.01084558764404017, 1e-12);
  CHECK_CLOSE(rows[2].p, 0.8576614311810095, 1e-12);
  CHECK_CLOSE(rows[1].p_holm, 2 * 0.01084558764404017, 1e-12);
  CHECK_CLOSE(rows[2].p_holm, 0.8576614311810095, 1e-12);
  CHECK_CLOSE(rows[1].lift, 3.125 / 11.5, 1e-15);
  CHECK_CLOSE(rows[1].lift_low, 0.10291927422948347, 1e-12);
  CHECK_CLOSE(rows[1].lift_high, 0.44055898664008175, 1e-12);
  CHECK_CLOSE(rows[2].lift_low, -0.16363632171787482, 1e-12);
  CHECK_CLOSE(rows[2].lift_high, 0.1346508144714981, 1e-12);
  CHECK_CLOSE(rows[1].needed, 84.52030123288404, 1e-6); /* TTestIndPower().solve_power */
  CHECK_CLOSE(rows[2].needed, 80.32846238786802, 1e-6);
  CHECK(rows[1].decision == ST_DECIDE_WINNER && rows[1].more == 0);
  CHECK(rows[2].decision == ST_DECIDE_KEEP_RUNNING && rows[2].more == 81 - 3);
  CHECK_STR(st_decision_name(rows[2].decision), "keep running");
  o.lower_is_better = 1;
  CHECK(st_report(m, 3, 0, &o, rows, &err) == OM_OK);
  CHECK(rows[1].decision == ST_DECIDE_LOSER);
  /* B as the control: A and C are both lower, both significant */
  CHECK(st_report(m, 3, 1, &o, rows, &err) == OM_OK);
  CHECK(rows[0].decision == ST_DECIDE_WINNER && rows[2].decision == ST_DECIDE_WINNER && rows[1].decision == ST_DECIDE_NONE);
  CHECK_CLOSE(rows[0].diff, -3.125, 1e-15);
}

/* Five variants with spread means against a control: p_holm is Holm's. */
static void check_holm(void) {
  st_moments m[6];
  st_report_row rows[6];
  st_report_options o;
  om_err err;
  double x[40];
  int idx[5];
  uint64_t seed = 12;
  for (int k = 0; k < 6; k++) {
    for (int i = 0; i < 40; i++) x[i] = 10 + 0.15 * k + om_test_unif(&seed);
    m[k] = moments_of(x, 40);
  }
  st_report_defaults(&o);
  CHECK(st_report(m, 6, 0, &o, rows, &err) == OM_OK);
  for (int i = 0; i < 5; i++) idx[i] = i + 1;
  for (int i = 1; i < 5; i++) /* sort by p */
    for (int j = i; j > 0 && rows[idx[j - 1]].p > rows[idx[j]].p; j--) {
      int t = idx[j];
      idx[j] = idx[j - 1];
      idx[j - 1] = t;
    }
  {
    double run = 0;
    for (int i = 0; i < 5; i++) {
      double adj = rows[idx[i]].p * (5 - i);
      if (adj < run) adj = run;
      run = adj;
      CHECK_CLOSE(rows[idx[i]].p_holm, adj > 1 ? 1 : adj, 1e-15);
      CHECK(rows[idx[i]].p_holm >= rows[idx[i]].p);
    }
  }
}

static void check_edges(void) {
  static const double a[] = {1, 2, 3, 4}, one[] = {7}, z[] = {-1, 0, 1}, k5[] = {5, 5, 5}, k6[] = {6, 6};
  st_moments m[3];
  st_report_row rows[3];
  st_report_options o;
  om_err err;
  st_report_defaults(&o);
  m[0] = moments_of(a, 4);
  m[1] = moments_of(one, 1);
  m[2] = moments_of(a, 4);
  CHECK(st_report(m, 3, 0, &o, rows, &err) == OM_OK);
  CHECK(isnan(rows[1].p) && isnan(rows[1].p_holm) && isnan(rows[1].mean_low) && isnan(rows[1].needed));
  CHECK(rows[1].diff == 4.5 && rows[1].decision == ST_DECIDE_KEEP_RUNNING && rows[1].more == 0);
  CHECK(rows[2].p_holm == rows[2].p); /* the one-run variant is out of the family */
  m[0] = moments_of(z, 3);
  CHECK(st_report(m, 3, 0, &o, rows, &err) == OM_OK);
  CHECK(isnan(rows[2].lift) && isnan(rows[2].lift_low) && isnan(rows[2].needed)); /* mean_c 0, min_effect 0 */
  CHECK(st_report_min_effect(&m[0], &o) == 0);
  m[0] = moments_of(k5, 3);
  m[1] = moments_of(k6, 2);
  m[2] = moments_of(k5, 3);
  CHECK(st_report(m, 3, 0, &o, rows, &err) == OM_OK);
  CHECK(rows[1].p == 0 && rows[1].decision == ST_DECIDE_WINNER && rows[1].diff_low == 1 && rows[1].diff_high == 1);
  CHECK(isnan(rows[2].p) && rows[2].decision == ST_DECIDE_KEEP_RUNNING && isnan(rows[2].needed));
  CHECK(st_report(m, 1, 0, &o, rows, &err) == OM_OK);
  CHECK(rows[0].decision == ST_DECIDE_NONE && rows[0].n == 3);
  CHECK_STR(st_decision_name(ST_DECIDE_NONE), "control");
  CHECK_STR(st_decision_name(ST_DECIDE_NO_DIFFERENCE), "no detectable difference");
}

static void check_invalid(void) {
  static const double a[] = {1, 2, 3, 4};
  st_moments m[2];
  st_report_row rows[2];
  st_report_options o;
  om_err err;
  m[0] = m[1] = moments_of(a, 4);
  memset(rows, 0x5a, sizeof rows);
  st_report_defaults(&o);
  o.confidence = 1;
  CHECK(st_report(m, 2, 0, &o, rows, &err) == OM_INVALID && strstr(err.msg, "confidence is 1"));
  st_report_defaults(&o);
  o.alpha = NAN;
  o.confidence = NAN;
  CHECK(st_report(m, 2, 0, &o, rows, &err) == OM_INVALID && strstr(err.msg, "confidence"));
  st_report_defaults(&o);
  o.alpha = 1.5;
  CHECK(st_report(m, 2, 0, &o, rows, &err) == OM_INVALID && strstr(err.msg, "alpha is 1.5"));
  st_report_defaults(&o);
  o.power = 0.01;
  CHECK(st_report(m, 2, 0, &o, rows, &err) == OM_INVALID && strstr(err.msg, "power is 0.01"));
  st_report_defaults(&o);
  o.min_effect = 0;
  CHECK(st_report(m, 2, 0, &o, rows, &err) == OM_INVALID && strstr(err.msg, "min_effect is 0"));
  o.min_effect = INFINITY;
  CHECK(st_report(m, 2, 0, &o, rows, &err) == OM_INVALID && strstr(err.msg, "min_effect"));
  st_report_defaults(&o);
  CHECK(st_report(m, 2, 2, &o, rows, &err) == OM_INVALID && strstr(err.msg, "control 2 out of range"));
  CHECK(st_report(m, 0, 0, &o, rows, &err) == OM_INVALID && strstr(err.msg, "0 variants"));
  CHECK(st_report(m, 65, 0, &o, rows, &err) == OM_INVALID && strstr(err.msg, "expected 1 to 64"));
  CHECK(st_report(NULL, 2, 0, &o, rows, &err) == OM_INVALID);
  {
    unsigned char *p = (unsigned char *)rows;
    int untouched = 1;
    for (size_t i = 0; i < sizeof rows; i++) untouched &= p[i] == 0x5a;
    CHECK(untouched);
  }
}

static void check_alpha(void) {
  st_report_options o;
  st_report_defaults(&o);
  CHECK(st_report_alpha(&o) == 0.05);
  o.confidence = 0.9;
  CHECK(st_report_alpha(&o) == 0.1);
  o.confidence = 0.99;
  CHECK(st_report_alpha(&o) == 0.01);
  o.alpha = 0.2;
  CHECK(st_report_alpha(&o) == 0.2);
}

int main(void) {
  check_example();
  check_holm();
  check_edges();
  check_invalid();
  check_alpha();
  return om_test_finish();
}
