/*
** compare.c — champion against challenger on the same runs:
** model_compare() (rows for people and BI tools) and
** model_promote_if_better() (the same comparison, acted on).
**
**   SELECT * FROM model_compare('runtime');
**   SELECT decision, n, mean_diff, t_p, wilcoxon_p FROM model_compare('runtime', '{"min_runs": 200}');
**   SELECT model_promote_if_better('runtime');   -- 'promoted', 'keep', 'discard' or 'continue'
**
** Behaviours (docs/model_compare.md, docs/model_promote_if_better.md):
**   1. The champion is the version the bare name resolves to (its
**      'production' alias, else the newest version); the challenger is the
**      version its 'challenger' alias points at, else its 'staging' alias —
**      the version predict_log shadow-scores (predlog.c behaviour 2).
**   2. Pairs: for each run_key whose champion row (role 'champion', that
**      version; the newest such row when a run was logged twice) was logged
**      together with a shadow row of the challenger (the same INSERT, so the
**      same inputs), and whose outcome is known in main.omen_outcomes
**      (run_key, actual; a number).  The loss of a prediction is
**      |actual − predicted|, or (actual − predicted)² for binary models (the
**      Brier score of that run).  d = champion loss − challenger loss, so
**      d > 0 favours the challenger.
**   3. Statistics over the n pairs: mean_diff with its 95% interval, the
**      paired t-test of d (scipy.stats.ttest_rel of the two losses) and the
**      Wilcoxon signed-rank test of d (scipy.stats.wilcoxon, zero_method
**      'wilcox', method 'auto' as scipy 1.10), both ONE-SIDED for "the
**      challenger's loss is lower" (st_paired.c, checked against scipy on
**      committed cases); the mean losses of both; the interval coverage of
**      both (fraction of pairs whose [lo, hi] holds the actual; null without
**      intervals).
**   4. decision, in this order: 'continue' while n < min_runs (reason says
**      how many more); 'promote' when both tests give p < alpha, mean_diff >
**      0, and the challenger's coverage is not below the champion's by more
**      than coverage_tolerance; 'discard' when either test, run the other
**      way, finds the challenger worse at p < alpha; else 'keep' (no
**      detectable difference after n runs).  Options (JSON object, all
**      optional): min_runs (default 100, an integer >= 2), alpha (0.05, in
**      (0, 0.5]), coverage_tolerance (0.02, in [0, 1]).
**   5. model_compare(name [, options]) is a table-valued function with one
**      row of plain columns (docs page); no challenger, or no log, is an
**      error naming the function.  It only reads (trusted schema rule, omen.c
**      behaviour 4).
**   6. model_promote_if_better(name [, options]) runs the same comparison;
**      on 'promote' it moves the 'production' alias to the challenger and
**      removes the 'challenger' alias (or 'staging', whichever was used), in
**      one savepoint, the events noted with the evidence
**      ("promote_if_better: n=…, mean_diff=…, t_p=…, wilcoxon_p=…"); it
**      returns the decision ('promoted' instead of 'promote').  Other
**      decisions change nothing.  It writes: DIRECTONLY and omen_write_guard.
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/base/om_json.h"
#include "core/stats/st_paired.h"
#include "omen_ext.h"

typedef struct cmp_options {
  sqlite3_int64 min_runs;
  double alpha, coverage_tolerance;
} cmp_options;

typedef struct cmp_result {
  sqlite3_int64 champion, challenger, n;
  const char *challenger_alias; /* "challenger" or "staging" (static) */
  double champion_loss, challenger_loss, mean_diff, ci_low, ci_high, t, t_p, w_stat, w_p, cov_champion, cov_challenger;
  int binary;
  const char *decision; /* static */
  char reason[200];
} cmp_result;

/* Options from argv text (may be NULL); 0 on success, else *msg is set. */
static int cmp_parse_options(const char *text, int n, cmp_options *o, char **msg) {
  om_json_obj obj;
  om_err err;
  om_status st;
  o->min_runs = 100;
  o->alpha = 0.05;
  o->coverage_tolerance = 0.02;
  *msg = NULL;
  if (!text) return 0;
  memset(&obj, 0, sizeof obj);
  st = om_json_parse_flat(text, (size_t)n, &obj, &err);
  if (st == OM_NOMEM) return SQLITE_NOMEM;
  if (st != OM_OK) {
    *msg = sqlite3_mprintf("options is not a JSON object of settings: %s", err.msg);
    return *msg ? SQLITE_ERROR : SQLITE_NOMEM;
  }
  for (size_t i = 0; i < obj.count && !*msg; i++) {
    const om_json_member *m = &obj.members[i];
    if (m->type != OM_JSON_NUMBER || m->is_bool) {
      *msg = sqlite3_mprintf("options: %s must be a number", m->key);
    } else if (strcmp(m->key, "min_runs") == 0) {
      if (!m->is_int || m->inum < 2) *msg = sqlite3_mprintf("options: min_runs must be an integer >= 2");
      else o->min_runs = m->inum;
    } else if (strcmp(m->key, "alpha") == 0) {
      if (!(m->num > 0 && m->num <= 0.5)) *msg = sqlite3_mprintf("options: alpha must be in (0, 0.5]");
      else o->alpha = m->num;
    } else if (strcmp(m->key, "coverage_tolerance") == 0) {
      if (!(m->num >= 0 && m->num <= 1)) *msg = sqlite3_mprintf("options: coverage_tolerance must be in [0, 1]");
      else o->coverage_tolerance = m->num;
    } else {
      *msg = sqlite3_mprintf("options: unknown key '%s'; expected min_runs, alpha or coverage_tolerance", m->key);
    }
  }
  om_json_obj_free(&obj);
  return *msg ? SQLITE_ERROR : SQLITE_OK;
}

/* Run the comparison (behaviours 1-4).  SQLITE_OK, SQLITE_NOMEM, or
** SQLITE_ERROR with *msg (sqlite3_malloc'd) saying why. */
static int cmp_run(sqlite3 *db, const char *name, const cmp_options *o, cmp_result *r, char **msg) {
  sqlite3_stmt *st = NULL;
  st_sums sums;
  st_moments mom;
  st_paired_t_result tr;
  st_wsr_result wr, wr_worse;
  double *d = NULL, *d2 = NULL, sum_c = 0, sum_s = 0;
  size_t cap = 0, n_cov = 0, cov_c = 0, cov_s = 0;
  int rc, name_len, has_out = 0, has_log = 0;
  om_err err;
  om_status sst;
  memset(r, 0, sizeof *r);
  memset(&sums, 0, sizeof sums);
  wr_worse.p = NAN;
  *msg = NULL;
  rc = omen_registry_version(db, name, &r->champion, &name_len, msg);
  if (rc != SQLITE_OK) return rc;
  if (name_len != (int)strlen(name)) {
    sqlite3_free(*msg);
    *msg = sqlite3_mprintf("'%s' is a reference; expected a model name (without '@')", name);
    return *msg ? SQLITE_ERROR : SQLITE_NOMEM;
  }
  rc = omen_registry_shadow(db, name, &r->challenger, &r->challenger_alias);
  if (rc != SQLITE_OK) return rc;
  if (r->challenger == 0 || r->challenger == r->champion) {
    *msg = sqlite3_mprintf("model '%s' has no challenger: point its 'challenger' (or 'staging') alias at the version to "
                           "compare, e.g. SELECT model_alias('%s', 'challenger', 2)",
                           name, name);
    return *msg ? SQLITE_ERROR : SQLITE_NOMEM;
  }
  rc = omen_main_has(db, "omen_predictions", &has_log);
  if (rc == SQLITE_OK && !has_log) {
    *msg = sqlite3_mprintf("no prediction log (omen_predictions): log predictions with predict_log() first");
    return *msg ? SQLITE_ERROR : SQLITE_NOMEM;
  }
  if (rc == SQLITE_OK) rc = omen_main_has(db, "omen_outcomes", &has_out);
  if (rc != SQLITE_OK) return rc;
  if (!has_out) {
    *msg = sqlite3_mprintf("no outcomes (main.omen_outcomes(run_key, actual) does not exist): record them with a "
                           "trigger or define the view (docs/predict_log.md)");
    return *msg ? SQLITE_ERROR : SQLITE_NOMEM;
  }
  {
    sqlite3_stmt *b = NULL;
    rc = sqlite3_prepare_v2(db, "SELECT json_extract(info, '$.options.objective') = 'binary' FROM main.omen_models "
                                "WHERE name = ?1 AND version = ?2", -1, &b, 0);
    if (rc != SQLITE_OK) return rc;
    sqlite3_bind_text(b, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(b, 2, r->champion);
    if (sqlite3_step(b) == SQLITE_ROW) r->binary = sqlite3_column_int(b, 0);
    sqlite3_finalize(b);
  }
  rc = sqlite3_prepare_v2(
      db,
      "SELECT c.predicted, c.lo, c.hi, s.predicted, s.lo, s.hi, "
      "(SELECT o.actual FROM main.omen_outcomes AS o WHERE o.run_key = c.run_key) AS a "
      "FROM main.omen_predictions AS c JOIN main.omen_predictions AS s ON s.id = c.id + 1 AND s.run_key = c.run_key "
      "AND s.name = c.name AND s.role = 'shadow' AND s.version = ?3 "
      "WHERE c.name = ?1 AND c.role = 'champion' AND c.version = ?2 AND c.id = (SELECT max(c2.id) FROM "
      "main.omen_predictions AS c2 WHERE c2.run_key = c.run_key AND c2.name = c.name AND c2.role = 'champion' AND "
      "c2.version = c.version) ORDER BY c.id",
      -1, &st, 0);
  if (rc != SQLITE_OK) {
    *msg = sqlite3_mprintf("cannot read the prediction log: %s", sqlite3_errmsg(db));
    return rc == SQLITE_NOMEM || !*msg ? SQLITE_NOMEM : SQLITE_ERROR;
  }
  sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, r->champion);
  sqlite3_bind_int64(st, 3, r->challenger);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    int ta = sqlite3_column_type(st, 6);
    double a = sqlite3_column_double(st, 6), pc = sqlite3_column_double(st, 0), ps = sqlite3_column_double(st, 3);
    double lc, ls;
    if ((ta != SQLITE_INTEGER && ta != SQLITE_FLOAT) || !isfinite(a) || sqlite3_column_type(st, 0) == SQLITE_NULL ||
        sqlite3_column_type(st, 3) == SQLITE_NULL)
      continue;
    lc = r->binary ? (a - pc) * (a - pc) : fabs(a - pc);
    ls = r->binary ? (a - ps) * (a - ps) : fabs(a - ps);
    if (!isfinite(lc) || !isfinite(ls)) continue;
    if ((size_t)r->n == cap) {
      size_t nc = cap ? 2 * cap : 256;
      double *p = sqlite3_realloc64(d, nc * sizeof *p);
      if (!p) {
        rc = SQLITE_NOMEM;
        break;
      }
      d = p;
      cap = nc;
    }
    d[r->n++] = lc - ls;
    sum_c += lc;
    sum_s += ls;
    if (st_sums_add(&sums, lc - ls, &err) != OM_OK) continue;
    if (sqlite3_column_type(st, 1) != SQLITE_NULL && sqlite3_column_type(st, 2) != SQLITE_NULL &&
        sqlite3_column_type(st, 4) != SQLITE_NULL && sqlite3_column_type(st, 5) != SQLITE_NULL) {
      n_cov++;
      cov_c += sqlite3_column_double(st, 1) <= a && a <= sqlite3_column_double(st, 2);
      cov_s += sqlite3_column_double(st, 4) <= a && a <= sqlite3_column_double(st, 5);
    }
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) {
    sqlite3_free(d);
    if (rc == SQLITE_NOMEM) return SQLITE_NOMEM;
    *msg = sqlite3_mprintf("cannot read the prediction log: %s", sqlite3_errmsg(db));
    return *msg ? SQLITE_ERROR : SQLITE_NOMEM;
  }
  r->champion_loss = r->n ? sum_c / (double)r->n : NAN;
  r->challenger_loss = r->n ? sum_s / (double)r->n : NAN;
  r->cov_champion = n_cov ? (double)cov_c / (double)n_cov : NAN;
  r->cov_challenger = n_cov ? (double)cov_s / (double)n_cov : NAN;
  r->mean_diff = r->ci_low = r->ci_high = r->t = r->t_p = r->w_stat = r->w_p = NAN;
  rc = SQLITE_OK;
  if (r->n >= 2) {
    st_sums_moments(&sums, &mom);
    sst = st_paired_ttest(&mom, ST_GREATER, 0.95, &tr, &err);
    if (sst == OM_OK) {
      st_paired_t_result two;
      r->mean_diff = tr.mean_diff;
      r->t = tr.t;
      r->t_p = tr.p;
      if (st_paired_ttest(&mom, ST_TWO_SIDED, 0.95, &two, &err) == OM_OK) {
        r->ci_low = two.ci_low;
        r->ci_high = two.ci_high;
      }
    }
    d2 = sqlite3_malloc64((sqlite3_uint64)r->n * sizeof *d2);
    if (!d2) rc = SQLITE_NOMEM;
    if (rc == SQLITE_OK) {
      memcpy(d2, d, (size_t)r->n * sizeof *d2);
      sst = st_wilcoxon(d, (size_t)r->n, ST_GREATER, 0.95, NULL, &wr, &err);
      if (sst == OM_NOMEM) rc = SQLITE_NOMEM;
      else if (sst == OM_OK) {
        r->w_stat = wr.statistic;
        r->w_p = wr.p;
      }
      sst = st_wilcoxon(d2, (size_t)r->n, ST_LESS, 0.95, NULL, &wr_worse, &err);
      if (sst == OM_NOMEM) rc = SQLITE_NOMEM;
      if (sst != OM_OK) wr_worse.p = NAN;
    }
  }
  sqlite3_free(d);
  sqlite3_free(d2);
  if (rc != SQLITE_OK) return rc;
  /* behaviour 4 */
  if (r->n < o->min_runs) {
    r->decision = "continue";
    sqlite3_snprintf(sizeof r->reason, r->reason, "%lld more runs with outcomes needed (min_runs %lld)",
                     o->min_runs - r->n, o->min_runs);
  } else if (r->t_p < o->alpha && r->w_p < o->alpha && r->mean_diff > 0 &&
             !(r->cov_challenger < r->cov_champion - o->coverage_tolerance)) {
    r->decision = "promote";
    sqlite3_snprintf(sizeof r->reason, r->reason, "the challenger's loss is lower (t p=%.3g, Wilcoxon p=%.3g)", r->t_p,
                     r->w_p);
  } else if (1 - r->t_p < o->alpha || wr_worse.p < o->alpha) {
    r->decision = "discard";
    sqlite3_snprintf(sizeof r->reason, r->reason, "the challenger's loss is higher (t p=%.3g, Wilcoxon p=%.3g)",
                     1 - r->t_p, wr_worse.p);
  } else if (r->t_p < o->alpha && r->w_p < o->alpha && r->mean_diff > 0) {
    r->decision = "keep";
    sqlite3_snprintf(sizeof r->reason, r->reason, "the challenger's loss is lower but its interval coverage %.3f is "
                     "below the champion's %.3f by more than %.3g", r->cov_challenger, r->cov_champion,
                     o->coverage_tolerance);
  } else {
    r->decision = "keep";
    sqlite3_snprintf(sizeof r->reason, r->reason, "no detectable difference after %lld runs (t p=%.3g, Wilcoxon p=%.3g)",
                     r->n, r->t_p, r->w_p);
  }
  return SQLITE_OK;
}

/* ---------------------------------------------------------------- model_compare() TVF */

enum {
  C_NAME = 0, C_CHAMPION, C_CHALLENGER, C_N, C_CHAMPION_LOSS, C_CHALLENGER_LOSS, C_MEAN_DIFF, C_CI_LOW, C_CI_HIGH,
  C_T, C_T_P, C_W_STAT, C_W_P, C_COV_CHAMPION, C_COV_CHALLENGER, C_LOSS, C_DECISION, C_REASON, C_ARG_NAME, C_ARG_OPTIONS
};

typedef struct cmp_vtab {
  sqlite3_vtab base;
  sqlite3 *db;
} cmp_vtab;

typedef struct cmp_cursor {
  sqlite3_vtab_cursor base;
  cmp_result r;
  char *name;
  int eof;
} cmp_cursor;

static int cmpConnect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **pp, char **err) {
  cmp_vtab *v;
  int rc = sqlite3_declare_vtab(
      db, "CREATE TABLE x(name TEXT, champion INTEGER, challenger INTEGER, n INTEGER, champion_loss REAL, "
          "challenger_loss REAL, mean_diff REAL, ci_low REAL, ci_high REAL, t REAL, t_p REAL, wilcoxon_statistic REAL, "
          "wilcoxon_p REAL, champion_coverage REAL, challenger_coverage REAL, loss TEXT, decision TEXT, reason TEXT, "
          "model_name HIDDEN, options HIDDEN)");
  if (rc != SQLITE_OK) return rc;
  v = sqlite3_malloc(sizeof *v);
  if (!v) return SQLITE_NOMEM;
  memset(v, 0, sizeof *v);
  v->db = db;
  /* it reads the registry and the log: neither DIRECTONLY nor INNOCUOUS (omen.c behaviour 4) */
  *pp = &v->base;
  return SQLITE_OK;
}

static int cmpDisconnect(sqlite3_vtab *v) {
  sqlite3_free(v);
  return SQLITE_OK;
}

static int cmpOpen(sqlite3_vtab *v, sqlite3_vtab_cursor **pp) {
  cmp_cursor *c = sqlite3_malloc(sizeof *c);
  if (!c) return SQLITE_NOMEM;
  memset(c, 0, sizeof *c);
  c->eof = 1;
  *pp = &c->base;
  return SQLITE_OK;
}

static int cmpClose(sqlite3_vtab_cursor *cur) {
  sqlite3_free(((cmp_cursor *)cur)->name);
  sqlite3_free(cur);
  return SQLITE_OK;
}

static int cmp_error(sqlite3_vtab_cursor *cur, const char *msg) {
  sqlite3_free(cur->pVtab->zErrMsg);
  cur->pVtab->zErrMsg = sqlite3_mprintf("model_compare(): %s", msg);
  return cur->pVtab->zErrMsg ? SQLITE_ERROR : SQLITE_NOMEM;
}

static int cmpFilter(sqlite3_vtab_cursor *cur, int idxNum, const char *idxStr, int argc, sqlite3_value **argv) {
  cmp_cursor *c = (cmp_cursor *)cur;
  cmp_options o;
  char *msg = NULL;
  const char *name, *opts = NULL;
  int rc;
  c->eof = 1;
  sqlite3_free(c->name);
  c->name = NULL;
  if (argc < 1 || sqlite3_value_type(argv[0]) == SQLITE_NULL) return SQLITE_OK;
  if (sqlite3_value_type(argv[0]) != SQLITE_TEXT) return cmp_error(cur, "name is not TEXT; expected a model name");
  if (argc > 1 && sqlite3_value_type(argv[1]) != SQLITE_NULL) {
    if (sqlite3_value_type(argv[1]) != SQLITE_TEXT) return cmp_error(cur, "options is not TEXT; expected a JSON object");
    opts = (const char *)sqlite3_value_text(argv[1]);
    if (!opts) return SQLITE_NOMEM;
  }
  name = (const char *)sqlite3_value_text(argv[0]);
  if (!name) return SQLITE_NOMEM;
  rc = cmp_parse_options(opts, opts ? sqlite3_value_bytes(argv[1]) : 0, &o, &msg);
  if (rc == SQLITE_OK) rc = cmp_run(((cmp_vtab *)cur->pVtab)->db, name, &o, &c->r, &msg);
  if (rc == SQLITE_NOMEM) {
    sqlite3_free(msg);
    return SQLITE_NOMEM;
  }
  if (rc != SQLITE_OK) {
    rc = cmp_error(cur, msg ? msg : "cannot compare");
    sqlite3_free(msg);
    return rc;
  }
  c->name = sqlite3_mprintf("%s", name);
  if (!c->name) return SQLITE_NOMEM;
  c->eof = 0;
  return SQLITE_OK;
}

static int cmpNext(sqlite3_vtab_cursor *cur) {
  ((cmp_cursor *)cur)->eof = 1;
  return SQLITE_OK;
}

static int cmpEof(sqlite3_vtab_cursor *cur) { return ((cmp_cursor *)cur)->eof; }

static void res_real(sqlite3_context *ctx, double v) {
  if (v == v) sqlite3_result_double(ctx, v);
}

static int cmpColumn(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int i) {
  const cmp_cursor *c = (const cmp_cursor *)cur;
  const cmp_result *r = &c->r;
  switch (i) {
  case C_NAME: sqlite3_result_text(ctx, c->name, -1, SQLITE_TRANSIENT); break;
  case C_CHAMPION: sqlite3_result_int64(ctx, r->champion); break;
  case C_CHALLENGER: sqlite3_result_int64(ctx, r->challenger); break;
  case C_N: sqlite3_result_int64(ctx, r->n); break;
  case C_CHAMPION_LOSS: res_real(ctx, r->champion_loss); break;
  case C_CHALLENGER_LOSS: res_real(ctx, r->challenger_loss); break;
  case C_MEAN_DIFF: res_real(ctx, r->mean_diff); break;
  case C_CI_LOW: res_real(ctx, r->ci_low); break;
  case C_CI_HIGH: res_real(ctx, r->ci_high); break;
  case C_T: res_real(ctx, r->t); break;
  case C_T_P: res_real(ctx, r->t_p); break;
  case C_W_STAT: res_real(ctx, r->w_stat); break;
  case C_W_P: res_real(ctx, r->w_p); break;
  case C_COV_CHAMPION: res_real(ctx, r->cov_champion); break;
  case C_COV_CHALLENGER: res_real(ctx, r->cov_challenger); break;
  case C_LOSS: sqlite3_result_text(ctx, r->binary ? "squared" : "absolute", -1, SQLITE_STATIC); break;
  case C_DECISION: sqlite3_result_text(ctx, r->decision, -1, SQLITE_STATIC); break;
  case C_REASON: sqlite3_result_text(ctx, r->reason, -1, SQLITE_TRANSIENT); break;
  default: break;
  }
  return SQLITE_OK;
}

static int cmpRowid(sqlite3_vtab_cursor *cur, sqlite_int64 *rowid) {
  *rowid = 1;
  return SQLITE_OK;
}

static int cmpBestIndex(sqlite3_vtab *v, sqlite3_index_info *info) {
  int arg[2] = {-1, -1};
  for (int i = 0; i < info->nConstraint; i++) {
    const struct sqlite3_index_constraint *k = &info->aConstraint[i];
    int which = k->iColumn == C_ARG_NAME ? 0 : k->iColumn == C_ARG_OPTIONS ? 1 : -1;
    if (which < 0) continue;
    if (!k->usable || k->op != SQLITE_INDEX_CONSTRAINT_EQ) return SQLITE_CONSTRAINT;
    arg[which] = i;
  }
  if (arg[0] < 0) return SQLITE_CONSTRAINT;
  info->aConstraintUsage[arg[0]].argvIndex = 1;
  info->aConstraintUsage[arg[0]].omit = 1;
  if (arg[1] >= 0) {
    info->aConstraintUsage[arg[1]].argvIndex = 2;
    info->aConstraintUsage[arg[1]].omit = 1;
  }
  info->estimatedCost = 1e5;
  info->estimatedRows = 1;
  return SQLITE_OK;
}

sqlite3_module omen_compare_module = {
    .iVersion = 0,
    .xCreate = 0, /* eponymous only */
    .xConnect = cmpConnect,
    .xBestIndex = cmpBestIndex,
    .xDisconnect = cmpDisconnect,
    .xDestroy = cmpDisconnect,
    .xOpen = cmpOpen,
    .xClose = cmpClose,
    .xFilter = cmpFilter,
    .xNext = cmpNext,
    .xEof = cmpEof,
    .xColumn = cmpColumn,
    .xRowid = cmpRowid,
};

/* ---------------------------------------------------------------- model_promote_if_better() */

void modelPromoteIfBetterFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  static const char fn[] = "model_promote_if_better";
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  cmp_options o;
  cmp_result r;
  char *msg = NULL, *note = NULL;
  const char *name, *opts = NULL;
  int rc;
  if (sqlite3_value_type(argv[0]) != SQLITE_TEXT) {
    omen_errorf(ctx, fn, "name (argument 1) is %s; expected TEXT", omen_type_name(argv[0]));
    return;
  }
  if (argc == 2 && sqlite3_value_type(argv[1]) != SQLITE_NULL) {
    if (sqlite3_value_type(argv[1]) != SQLITE_TEXT) {
      omen_errorf(ctx, fn, "options (argument 2) is %s; expected a JSON object (TEXT)", omen_type_name(argv[1]));
      return;
    }
    opts = (const char *)sqlite3_value_text(argv[1]);
    if (!opts) goto nomem;
  }
  name = (const char *)sqlite3_value_text(argv[0]);
  if (!name) goto nomem;
  if (!omen_write_guard(ctx, fn)) return;
  rc = cmp_parse_options(opts, opts ? sqlite3_value_bytes(argv[1]) : 0, &o, &msg);
  if (rc == SQLITE_OK) rc = omen_registry_begin(db);
  if (rc == SQLITE_OK) {
    rc = cmp_run(db, name, &o, &r, &msg);
    if (rc == SQLITE_OK && strcmp(r.decision, "promote") == 0) {
      note = sqlite3_mprintf("promote_if_better: n=%lld, mean_diff=%.6g, t_p=%.3g, wilcoxon_p=%.3g, coverage %.3f vs %.3f",
                             r.n, r.mean_diff, r.t_p, r.w_p, r.cov_challenger, r.cov_champion);
      rc = note ? SQLITE_OK : SQLITE_NOMEM;
      if (rc == SQLITE_OK) rc = omen_registry_prepare(db, &msg);
      if (rc == SQLITE_OK) rc = omen_registry_point_alias(db, name, "production", r.challenger, note);
      if (rc == SQLITE_OK) rc = omen_registry_point_alias(db, name, r.challenger_alias, 0, note);
      if (rc != SQLITE_OK && rc != SQLITE_NOMEM && !msg)
        msg = sqlite3_mprintf("cannot write the model registry: %s%s", sqlite3_errmsg(db), omen_busy_hint(db));
    }
    if (omen_registry_end(db, rc == SQLITE_OK) != SQLITE_OK && rc == SQLITE_OK) {
      rc = SQLITE_ERROR;
      msg = sqlite3_mprintf("cannot write the model registry: %s%s", sqlite3_errmsg(db), omen_busy_hint(db));
    }
  }
  sqlite3_free(note);
  if (rc == SQLITE_NOMEM) {
    sqlite3_free(msg);
    goto nomem;
  }
  if (rc != SQLITE_OK) {
    omen_errorf(ctx, fn, "%s", msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    return;
  }
  sqlite3_result_text(ctx, strcmp(r.decision, "promote") == 0 ? "promoted" : r.decision, -1, SQLITE_STATIC);
  return;
nomem:
  sqlite3_result_error_nomem(ctx);
}
