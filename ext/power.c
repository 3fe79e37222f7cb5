/*
** power.c — power and sample size of two-sample tests, as SQL scalars:
**
**   sample_size_means(effect, sd [, alpha [, power [, ratio [, alternative]]]])
**   power_means(effect, sd, n [, alpha [, ratio [, alternative]]])
**   mde_means(n, sd [, alpha [, power [, ratio [, alternative]]]])
**   sample_size_proportions(p1, p2 [, alpha [, power [, ratio [, alternative]]]])
**   power_proportions(p1, p2, n [, alpha [, ratio [, alternative]]])
**
**   SELECT ceil(sample_size_means(0.5, 2.0));          -- per group, 5% / 80%
**   SELECT power_proportions(0.12, 0.10, 4000);         -- power of an A/B test
**
** Behaviours (docs/<function>.md; numerics in core/stats/st_power.h):
**   1. Means use the two-sample pooled t-test with Cohen's d = effect / sd
**      (statsmodels TTestIndPower); proportions the z-test on Cohen's
**      h = 2 asin(sqrt(p1)) - 2 asin(sqrt(p2)) (NormalIndPower).  n is the
**      size of group 1, group 2 has ratio * n; sample sizes are REAL, not
**      rounded (take ceil()).  mde_means returns the minimum detectable
**      difference |effect| in the units of sd (positive).
**   2. Defaults: alpha 0.05, power 0.8, ratio 1, alternative 'two-sided';
**      'larger' tests effect > 0 (p1 > p2), 'smaller' effect < 0.  NULL in
**      an optional argument means its default; NULL in a required argument
**      (effect, sd, n, p1, p2) gives NULL.
**   3. Numbers must be INTEGER or REAL and finite; sd > 0, n > 0, ratio > 0,
**      0 < alpha < 1, 0 < power < 1, 0 <= p1, p2 <= 1; alternative is TEXT
**      'two-sided', 'larger' or 'smaller'.  Else an error naming the
**      argument and what was expected; the solver's own refusals (effect 0,
**      effect against a one-sided alternative, power <= alpha, too few
**      observations for the t-test) are errors too (st_power.h 4-5).
**   4. Flags: deterministic and innocuous (pure functions of their
**      arguments), like hash_uniform.
*/
#include <math.h>
#include <string.h>

#include "core/stats/st_power.h"
#include "omen_ext.h"

/* What an argument slot holds. */
typedef enum pw_role { R_EFFECT, R_SD, R_N, R_P1, R_P2, R_ALPHA, R_POWER, R_RATIO, R_ALT } pw_role;

typedef enum pw_kind { K_SS_MEANS, K_POWER_MEANS, K_MDE_MEANS, K_SS_PROP, K_POWER_PROP } pw_kind;

typedef struct pw_spec {
  const char *name; /* for reading the table only; messages take a literal */
  int required;     /* arguments without a default */
  pw_role role[6];  /* role of argument i */
} pw_spec;

static const pw_spec pw_specs[] = {
  {"sample_size_means", 2, {R_EFFECT, R_SD, R_ALPHA, R_POWER, R_RATIO, R_ALT}},
  {"power_means", 3, {R_EFFECT, R_SD, R_N, R_ALPHA, R_RATIO, R_ALT}},
  {"mde_means", 2, {R_N, R_SD, R_ALPHA, R_POWER, R_RATIO, R_ALT}},
  {"sample_size_proportions", 2, {R_P1, R_P2, R_ALPHA, R_POWER, R_RATIO, R_ALT}},
  {"power_proportions", 3, {R_P1, R_P2, R_N, R_ALPHA, R_RATIO, R_ALT}},
};

static const char *const pw_role_name[] = {"effect", "sd", "n", "p1", "p2", "alpha", "power",
                                           "ratio", "alternative"};

/* The arguments, defaults filled in. */
typedef struct pw_args {
  double v[R_ALT]; /* indexed by role */
  st_pow_alt alt;
} pw_args;

/* Reads argv into a; returns 0 to go on, 1 when the result is set (NULL or an error). */
static int pw_read(sqlite3_context *ctx, const char *fname, const pw_spec *sp, int argc,
                   sqlite3_value **argv, pw_args *a) {
  int i;
  a->v[R_ALPHA] = 0.05;
  a->v[R_POWER] = 0.8;
  a->v[R_RATIO] = 1.0;
  a->alt = ST_POW_TWO_SIDED;
  for (i = 0; i < argc; i++) {
    pw_role r = sp->role[i];
    const char *nm = pw_role_name[r];
    int vt = sqlite3_value_type(argv[i]);
    double x;
    if (vt == SQLITE_NULL) {
      if (i < sp->required) return 1; /* NULL result */
      continue;                       /* the default */
    }
    if (r == R_ALT) {
      const char *s = (const char *)sqlite3_value_text(argv[i]);
      if (vt != SQLITE_TEXT) {
        omen_errorf(ctx, fname,
                    "alternative (argument %d) is %s; expected 'two-sided', 'larger' or 'smaller'",
                    i + 1, omen_type_name(argv[i]));
        return 1;
      }
      if (!s) {
        sqlite3_result_error_nomem(ctx);
        return 1;
      }
      if (strcmp(s, "two-sided") == 0) a->alt = ST_POW_TWO_SIDED;
      else if (strcmp(s, "larger") == 0) a->alt = ST_POW_LARGER;
      else if (strcmp(s, "smaller") == 0) a->alt = ST_POW_SMALLER;
      else {
        omen_errorf(ctx, fname,
                    "alternative (argument %d) is '%.40s'; expected 'two-sided', 'larger' or "
                    "'smaller'",
                    i + 1, s);
        return 1;
      }
      continue;
    }
    if (vt != SQLITE_INTEGER && vt != SQLITE_FLOAT) {
      omen_errorf(ctx, fname, "%s (argument %d) is %s; expected INTEGER or REAL", nm, i + 1,
                  omen_type_name(argv[i]));
      return 1;
    }
    x = sqlite3_value_double(argv[i]);
    if (!isfinite(x)) {
      omen_errorf(ctx, fname, "%s (argument %d) is not a finite number", nm, i + 1);
      return 1;
    }
    if ((r == R_SD || r == R_N || r == R_RATIO) && !(x > 0.0)) {
      omen_errorf(ctx, fname, "%s (argument %d) is %g; expected a number > 0", nm, i + 1, x);
      return 1;
    }
    if ((r == R_ALPHA || r == R_POWER) && !(x > 0.0 && x < 1.0)) {
      omen_errorf(ctx, fname,
                  "%s (argument %d) is %g; expected a number between 0 and 1 (exclusive)", nm,
                  i + 1, x);
      return 1;
    }
    a->v[r] = x;
  }
  return 0;
}

/* p1 and p2 (arguments 1 and 2) are proportions; returns 1 when an error is set. */
static int pw_read_props(sqlite3_context *ctx, const char *fname, const pw_args *a) {
  int k;
  for (k = 0; k < 2; k++) {
    double x = a->v[k == 0 ? R_P1 : R_P2];
    if (!(x >= 0.0 && x <= 1.0)) {
      omen_errorf(ctx, fname, "p%d (argument %d) is %g; expected a proportion between 0 and 1",
                  k + 1, k + 1, x);
      return 1;
    }
  }
  return 0;
}

static void pw_result(sqlite3_context *ctx, const char *fname, om_status st, const om_err *err,
                      double out) {
  if (st != OM_OK) omen_result_status(ctx, fname, st, err);
  else sqlite3_result_double(ctx, out);
}

void sampleSizeMeansFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  static const char fname[] = "sample_size_means";
  pw_args a;
  om_err err;
  double out = NAN;
  om_status st;
  if (pw_read(ctx, fname, &pw_specs[K_SS_MEANS], argc, argv, &a)) return;
  st = st_power_solve_n(ST_POW_T, a.v[R_EFFECT] / a.v[R_SD], a.v[R_RATIO], a.v[R_ALPHA],
                        a.v[R_POWER], a.alt, &out, &err);
  pw_result(ctx, fname, st, &err, out);
}

void powerMeansFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  static const char fname[] = "power_means";
  pw_args a;
  om_err err;
  double out = NAN;
  om_status st;
  if (pw_read(ctx, fname, &pw_specs[K_POWER_MEANS], argc, argv, &a)) return;
  st = st_power_calc(ST_POW_T, a.v[R_EFFECT] / a.v[R_SD], a.v[R_N], a.v[R_RATIO], a.v[R_ALPHA],
                     a.alt, &out, &err);
  pw_result(ctx, fname, st, &err, out);
}

void mdeMeansFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  static const char fname[] = "mde_means";
  pw_args a;
  om_err err;
  double out = NAN;
  om_status st;
  if (pw_read(ctx, fname, &pw_specs[K_MDE_MEANS], argc, argv, &a)) return;
  st = st_power_solve_d(ST_POW_T, a.v[R_N], a.v[R_RATIO], a.v[R_ALPHA], a.v[R_POWER], a.alt,
                        &out, &err);
  if (st == OM_OK && isinf(out * a.v[R_SD])) {
    omen_errorf(ctx, fname, "the difference is %g standard deviations of %g: beyond the range of "
                "a double", out, a.v[R_SD]);
    return;
  }
  pw_result(ctx, fname, st, &err, out * a.v[R_SD]);
}

void sampleSizeProportionsFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  static const char fname[] = "sample_size_proportions";
  pw_args a;
  om_err err;
  double out = NAN, h;
  om_status st;
  if (pw_read(ctx, fname, &pw_specs[K_SS_PROP], argc, argv, &a)) return;
  if (pw_read_props(ctx, fname, &a)) return;
  h = st_cohen_h(a.v[R_P1], a.v[R_P2]);
  if (h == 0.0) {
    omen_errorf(ctx, fname,
                "p1 and p2 are equal (%g): no finite sample size detects a zero difference",
                a.v[R_P1]);
    return;
  }
  st = st_power_solve_n(ST_POW_NORMAL, h, a.v[R_RATIO], a.v[R_ALPHA], a.v[R_POWER], a.alt, &out,
                        &err);
  pw_result(ctx, fname, st, &err, out);
}

void powerProportionsFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  static const char fname[] = "power_proportions";
  pw_args a;
  om_err err;
  double out = NAN;
  om_status st;
  if (pw_read(ctx, fname, &pw_specs[K_POWER_PROP], argc, argv, &a)) return;
  if (pw_read_props(ctx, fname, &a)) return;
  st = st_power_calc(ST_POW_NORMAL, st_cohen_h(a.v[R_P1], a.v[R_P2]), a.v[R_N], a.v[R_RATIO],
                     a.v[R_ALPHA], a.alt, &out, &err);
  pw_result(ctx, fname, st, &err, out);
}
