/*
** bandit.c — multi-armed bandits: bandit_update() and bandit_merge()
** (aggregates), bandit_choose() (scalar) and bandit_stats() (table-valued);
** contextual bandits: linucb_update() (aggregate) and linucb_choose().
**
**   SELECT bandit_update(variant, converted, '{"policy": "thompson"}')
**     FROM (SELECT * FROM trials ORDER BY t);
**   SELECT bandit_choose(state, :visitor_id) FROM bandit_states WHERE name = 'cta';
**   SELECT * FROM bandit_stats((SELECT state FROM bandit_states WHERE name = 'cta'));
**   SELECT bandit_merge(state) FROM (SELECT state FROM a.s UNION ALL SELECT state FROM b.s);
**
** Behaviours (docs/bandit_update.md, bandit_choose.md, bandit_stats.md,
** bandit_merge.md; numerics and the state's byte layout in core/bandit/bd.h):
**   1. bandit_update(arm, reward [, options]): arm INTEGER, REAL or TEXT
**      (core bd.h 1: a whole REAL is the INTEGER arm; NaN/±Inf, an empty or
**      longer than 256 bytes TEXT, invalid UTF-8 and BLOBs are errors);
**      reward INTEGER or REAL, finite, within ±1e100, and in [0, 1] for
**      'bernoulli' rewards.  A NULL arm skips the row; a NULL reward declares
**      the arm without a pull (it is then chosen first, bd.h 8); both count
**      in rows_skipped.  options (a JSON object as TEXT, or NULL) is read on
**      the first row and must be the same on every row.  No arm at all →
**      NULL.  The result is a bandit state: a model BLOB (kind 'bandit')
**      that model_save, model_info and model_catalog accept.
**   2. Row order matters only to discounted_ucb (bd.h 5): feed it rows
**      ordered by time, e.g. FROM (SELECT ... ORDER BY t); SQLite does not
**      promise any order otherwise.
**   3. bandit_choose(state [, key]) returns the arm to play next, as the
**      value it was given (INTEGER, REAL or TEXT).  state is a BLOB or a
**      registry reference, decoded once per statement (model.c).  The
**      randomness of thompson and epsilon_greedy comes from
**      XXH3-64(key) (key bytes as hash_uniform encodes them), so a key
**      always gives the same arm for the same state; without a key (or a
**      NULL key) it comes from sqlite3_randomness() and is not
**      reproducible.  state NULL → NULL.  No allocation per row.
**   4. bandit_merge(state): an aggregate over state BLOBs (NULL skipped)
**      that gives the state bandit_update would have given on all their
**      rows together, byte for byte (bd.h 2, 6); states of different
**      policies or options, and discounted_ucb states, are errors.  No
**      state → NULL.
**   5. bandit_stats(state): rows (arm, n, mean, ci_low, ci_high, p_best), one
**      per arm in arm order (bd.h 10); hidden column state (a BLOB or a
**      registry reference; NULL gives no rows).  Without an equality
**      constraint on state the plan is refused (SQLITE_CONSTRAINT).  idxNum
**      1: the state constraint is argv[0].
**   6. Flags: bandit_update, bandit_merge and linucb_update are pure
**      (DETERMINISTIC, INNOCUOUS); bandit_choose and linucb_choose may read
**      the registry and bandit_choose, without a key, is random, so they are
**      neither INNOCUOUS nor DETERMINISTIC (trusted schema only, omen.c
**      behaviour 4); bandit_stats may read the registry, so likewise.
**   7. linucb_update(arm, features, reward [, options]) (docs/linucb_update.md,
**      core bd.h 11): the numeric features of the first row with a reward
**      are the state's context features (1..64, the envelope's schema);
**      later rows must hold exactly those (another feature, a missing,
**      NULL or categorical one is an error naming it).  A NULL reward
**      declares the arm; NULL features with a reward skip the row.  Only
**      policy 'linucb'; bandit_update refuses it, and bandit_choose refuses
**      a linucb state.
**   8. linucb_choose(state, features [, key]): the state's features are read
**      from the vector by name (others ignored), into a stack buffer: no
**      allocation per row; the key only picks among never-played arms.
*/
#include <math.h>
#include <string.h>
#include <xxhash.h>

#include "core/bandit/bd.h"
#include "core/base/fv.h"
#include "core/base/om_text.h"
#include "omen_ext.h"

/* ---- arms ---------------------------------------------------------------- */

/* Read an arm argument into l (text borrowed).  0: ok; 1: NULL; -1: error set. */
static int arm_arg(sqlite3_context *ctx, const char *fname, sqlite3_value *v, bd_label *l) {
  memset(l, 0, sizeof *l);
  switch (sqlite3_value_type(v)) {
  case SQLITE_NULL: return 1;
  case SQLITE_INTEGER:
    l->type = BD_LABEL_INT;
    l->i = sqlite3_value_int64(v);
    return 0;
  case SQLITE_FLOAT: {
    double r = sqlite3_value_double(v);
    if (!isfinite(r)) {
      omen_errorf(ctx, fname, "arm (argument 1) is not a finite number");
      return -1;
    }
    if (bd_real_is_int(r, &l->i)) l->type = BD_LABEL_INT;
    else {
      l->type = BD_LABEL_REAL;
      l->r = r;
    }
    return 0;
  }
  case SQLITE_TEXT: {
    const char *s = (const char *)sqlite3_value_text(v);
    size_t n = (size_t)sqlite3_value_bytes(v), at;
    if (!s) {
      sqlite3_result_error_nomem(ctx);
      return -1;
    }
    if (n == 0 || n > BD_MAX_LABEL) {
      omen_errorf(ctx, fname, "arm (argument 1) is %lld bytes of text; expected 1 to %d bytes", (long long)n, BD_MAX_LABEL);
      return -1;
    }
    at = om_utf8_check(s, n);
    if (at != n) {
      char why[96];
      om_utf8_problem(s, n, at, why, sizeof why);
      omen_errorf(ctx, fname, "arm (argument 1)%s%s; arms must be valid UTF-8 without NUL", why[0] == 'b' ? ": " : " ",
                  why);
      return -1;
    }
    l->type = BD_LABEL_TEXT;
    l->text = (char *)s;
    l->len = (uint16_t)n;
    return 0;
  }
  default:
    omen_errorf(ctx, fname, "arm (argument 1) is a BLOB; expected INTEGER, REAL or TEXT");
    return -1;
  }
}

static void result_label(sqlite3_context *ctx, const bd_label *l) {
  if (l->type == BD_LABEL_INT) sqlite3_result_int64(ctx, l->i);
  else if (l->type == BD_LABEL_REAL) sqlite3_result_double(ctx, l->r);
  else sqlite3_result_text(ctx, l->text, (int)l->len, SQLITE_TRANSIENT);
}

/* ---- bandit_update --------------------------------------------------------- */

typedef struct bandit_agg {
  int started;  /* st is initialised */
  char *opts;   /* the first row's options text (sqlite3_malloc), or NULL */
  bd_state st;
} bandit_agg;

void banditUpdateStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  bandit_agg *a = sqlite3_aggregate_context(ctx, sizeof *a);
  bd_label l;
  om_err err;
  om_status st;
  int rc, has_reward = 0;
  double r = 0;
  if (!a) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (!a->started) {
    const char *text;
    int n;
    bd_options o;
    if (omen_agg_options_text(ctx, "bandit_update", argc == 3 ? argv[2] : NULL, 3, &text, &n)) return;
    st = bd_options_parse(text, (size_t)n, BD_THOMPSON, &o, &err);
    if (st != OM_OK) {
      omen_result_status(ctx, "bandit_update", st, &err);
      return;
    }
    if (o.policy == BD_LINUCB) {
      omen_errorf(ctx, "bandit_update", "policy linucb needs context features; use linucb_update(arm, features, "
                                        "reward)");
      return;
    }
    if (omen_agg_options_keep(ctx, text, n, &a->opts)) return;
    bd_state_init(&a->st, &o);
    a->started = 1;
  } else if (argc == 3 && omen_agg_options_changed(ctx, "bandit_update", argv[2], a->opts)) {
    return;
  }
  rc = arm_arg(ctx, "bandit_update", argv[0], &l);
  if (rc < 0) return;
  if (rc > 0) {
    a->st.skipped++;
    return;
  }
  switch (sqlite3_value_type(argv[1])) {
  case SQLITE_NULL: break;
  case SQLITE_INTEGER:
  case SQLITE_FLOAT:
    r = sqlite3_value_double(argv[1]);
    has_reward = 1;
    break;
  default:
    omen_errorf(ctx, "bandit_update", "reward (argument 2) is %s; expected INTEGER or REAL", omen_type_name(argv[1]));
    return;
  }
  st = bd_state_add(&a->st, &l, has_reward, r, &err);
  if (st != OM_OK) omen_result_status(ctx, "bandit_update", st, &err);
}

void banditUpdateFinal(sqlite3_context *ctx) {
  bandit_agg *a = sqlite3_aggregate_context(ctx, 0);
  om_wbuf w;
  om_err err;
  om_status st;
  if (!a) return;
  sqlite3_free(a->opts);
  if (!a->started) return;
  if (a->st.n_arms > 0) {
    om_wbuf_init(&w);
    st = bd_write(&a->st, &w, &err);
    if (st != OM_OK) omen_result_status(ctx, "bandit_update", st, &err);
    else sqlite3_result_blob64(ctx, w.data, w.len, SQLITE_TRANSIENT);
    om_wbuf_free(&w);
  }
  bd_state_free(&a->st);
}

/* ---- bandit_merge ---------------------------------------------------------- */

typedef struct merge_agg {
  int started;
  bd_state st;
} merge_agg;

void banditMergeStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  merge_agg *a = sqlite3_aggregate_context(ctx, sizeof *a);
  mdl_view v;
  const mdl_kind_def *kind;
  void *model;
  om_err err;
  om_status st;
  if (!a) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return;
  if (sqlite3_value_type(argv[0]) != SQLITE_BLOB) {
    omen_errorf(ctx, "bandit_merge", "state (argument 1) is %s; expected a bandit state BLOB (from bandit_update)",
                omen_type_name(argv[0]));
    return;
  }
  st = mdl_decode(sqlite3_value_blob(argv[0]), (size_t)sqlite3_value_bytes(argv[0]), &v, &kind, &model, &err);
  if (st != OM_OK) {
    omen_result_status(ctx, "bandit_merge", st, &err);
    return;
  }
  if (v.kind != MDL_KIND_BANDIT) {
    st = mdl_kind_mismatch(v.kind, MDL_KIND_BANDIT, &err);
    kind->close(model);
    mdl_view_free(&v);
    omen_result_status(ctx, "bandit_merge", st, &err);
    return;
  }
  mdl_view_free(&v);
  if (!a->started) { /* take the decoded state as it is */
    a->st = *(bd_state *)model;
    om_free(model);
    a->started = 1;
    if (a->st.opt.policy == BD_DISCOUNTED_UCB) {
      omen_errorf(ctx, "bandit_merge", "discounted_ucb states cannot be merged: their discounted sums depend on how "
                                       "the two logs interleave in time; run bandit_update over the combined log "
                                       "ordered by time");
    }
    return;
  }
  st = bd_state_merge(&a->st, model, &err);
  kind->close(model);
  if (st != OM_OK) omen_result_status(ctx, "bandit_merge", st, &err);
}

void banditMergeFinal(sqlite3_context *ctx) {
  merge_agg *a = sqlite3_aggregate_context(ctx, 0);
  om_wbuf w;
  om_err err;
  om_status st;
  if (!a || !a->started) return;
  om_wbuf_init(&w);
  st = bd_write(&a->st, &w, &err);
  if (st != OM_OK) omen_result_status(ctx, "bandit_merge", st, &err);
  else sqlite3_result_blob64(ctx, w.data, w.len, SQLITE_TRANSIENT);
  om_wbuf_free(&w);
  bd_state_free(&a->st);
}

/* ---- bandit_choose --------------------------------------------------------- */

/* The seed of a key: XXH3-64 of its bytes as hash_uniform encodes them. */
static int key_seed(sqlite3_context *ctx, sqlite3_value *k, uint64_t *seed) {
  uint8_t buf[8];
  const void *p;
  size_t n;
  if (omen_value_bytes(k, buf, &p, &n)) {
    sqlite3_result_error_nomem(ctx);
    return 1;
  }
  *seed = XXH3_64bits(p, n);
  return 0;
}

void banditChooseFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  const omen_model *m;
  const bd_state *s;
  uint64_t seed = 0;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return;
  m = omen_model_arg(ctx, "bandit_choose", argv, 0, MDL_KIND_BANDIT);
  if (!m) return;
  s = m->model;
  if (s->opt.policy == BD_LINUCB) {
    omen_errorf(ctx, "bandit_choose", "state is a linucb state; use linucb_choose(state, features)");
    return;
  }
  if (s->opt.policy == BD_THOMPSON || s->opt.policy == BD_EPSILON_GREEDY) {
    if (argc == 2 && sqlite3_value_type(argv[1]) != SQLITE_NULL) {
      if (key_seed(ctx, argv[1], &seed)) return;
    } else sqlite3_randomness(sizeof seed, &seed);
  }
  result_label(ctx, &s->arms[bd_choose(s, seed)].label);
}

/* ---- linucb_update / linucb_choose ---------------------------------------- */

/* Read the feature vector v (argument argno) into x[s->d] by the state's
** feature names.  define: the first row, whose numeric features become the
** state's.  extra: a feature the state does not have is an error (update)
** or ignored (choose).  0 on success; 1 after setting the error. */
static int ctx_features(sqlite3_context *ctx, const char *fname, sqlite3_value *v, int argno, bd_state *s,
                        int define, int extra, double *x) {
  fv_reader it;
  fv_entry e;
  om_err err;
  om_status st = OM_OK;
  bd_feature f[BD_MAX_FEATURES];
  uint32_t n = 0, j = 0;
  if (sqlite3_value_type(v) != SQLITE_BLOB) {
    omen_errorf(ctx, fname, "features (argument %d) is %s; expected a feature vector (a BLOB made by "
                            "feature_vector())", argno, omen_type_name(v));
    return 1;
  }
  if ((st = fv_open(&it, sqlite3_value_blob(v), (size_t)sqlite3_value_bytes(v), &err)) != OM_OK) {
    omen_result_status(ctx, fname, st, &err);
    return 1;
  }
  while (fv_next(&it, &e, &st, &err)) {
    int c = 1;
    if (!define) { /* merge pass: both are sorted by name */
      while (j < s->d && (c = fv_name_cmp(s->feat[j].name, s->feat[j].len, e.name, e.name_len)) < 0) {
        omen_errorf(ctx, fname, "feature \"%.*s\" is missing from the feature vector", (int)s->feat[j].len,
                    s->feat[j].name);
        return 1;
      }
      if (c != 0) {
        if (!extra) continue;
        omen_errorf(ctx, fname, "feature \"%.*s\" is not one of the first row's features", (int)e.name_len, e.name);
        return 1;
      }
    }
    if (e.type != FV_NUMERIC) {
      omen_errorf(ctx, fname, "feature \"%.*s\" is %s; linucb takes numeric features", (int)e.name_len, e.name,
                  e.type == FV_MISSING ? "NULL" : "categorical");
      return 1;
    }
    if (define) {
      if (n == BD_MAX_FEATURES) {
        omen_errorf(ctx, fname, "more than %d features; linucb takes 1 to %d", BD_MAX_FEATURES, BD_MAX_FEATURES);
        return 1;
      }
      f[n].name = (char *)e.name;
      f[n].len = e.name_len;
      x[n++] = e.num;
    } else x[j++] = e.num;
  }
  if (st != OM_OK) {
    omen_result_status(ctx, fname, st, &err);
    return 1;
  }
  if (define) {
    if (n == 0) {
      omen_errorf(ctx, fname, "features (argument %d) holds no feature; linucb takes 1 to %d numeric features",
                  argno, BD_MAX_FEATURES);
      return 1;
    }
    if ((st = bd_state_set_features(s, f, n, &err)) != OM_OK) {
      omen_result_status(ctx, fname, st, &err);
      return 1;
    }
  } else if (j < s->d) {
    omen_errorf(ctx, fname, "feature \"%.*s\" is missing from the feature vector", (int)s->feat[j].len,
                s->feat[j].name);
    return 1;
  }
  return 0;
}

void linucbUpdateStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  bandit_agg *a = sqlite3_aggregate_context(ctx, sizeof *a);
  bd_label l;
  om_err err;
  om_status st;
  int rc, has_reward = 0;
  double r = 0, x[BD_MAX_FEATURES];
  if (!a) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (!a->started) {
    const char *text;
    int n;
    bd_options o;
    if (omen_agg_options_text(ctx, "linucb_update", argc == 4 ? argv[3] : NULL, 4, &text, &n)) return;
    st = bd_options_parse(text, (size_t)n, BD_LINUCB, &o, &err);
    if (st != OM_OK) {
      omen_result_status(ctx, "linucb_update", st, &err);
      return;
    }
    if (o.policy != BD_LINUCB) {
      omen_errorf(ctx, "linucb_update", "option policy must be 'linucb' (or absent); use bandit_update for '%s'",
                  bd_policy_name(o.policy));
      return;
    }
    if (omen_agg_options_keep(ctx, text, n, &a->opts)) return;
    bd_state_init(&a->st, &o);
    a->started = 1;
  } else if (argc == 4 && omen_agg_options_changed(ctx, "linucb_update", argv[3], a->opts)) {
    return;
  }
  rc = arm_arg(ctx, "linucb_update", argv[0], &l);
  if (rc < 0) return;
  if (rc > 0) {
    a->st.skipped++;
    return;
  }
  switch (sqlite3_value_type(argv[2])) {
  case SQLITE_NULL: break;
  case SQLITE_INTEGER:
  case SQLITE_FLOAT:
    r = sqlite3_value_double(argv[2]);
    has_reward = 1;
    break;
  default:
    omen_errorf(ctx, "linucb_update", "reward (argument 3) is %s; expected INTEGER or REAL", omen_type_name(argv[2]));
    return;
  }
  if (has_reward) {
    if (sqlite3_value_type(argv[1]) == SQLITE_NULL) { /* no context: the row is skipped */
      a->st.skipped++;
      return;
    }
    if (ctx_features(ctx, "linucb_update", argv[1], 2, &a->st, a->st.d == 0, 1, x)) return;
  }
  st = bd_state_add_ctx(&a->st, &l, has_reward, r, x, &err);
  if (st != OM_OK) omen_result_status(ctx, "linucb_update", st, &err);
}

void linucbUpdateFinal(sqlite3_context *ctx) {
  bandit_agg *a = sqlite3_aggregate_context(ctx, 0);
  om_wbuf w;
  om_err err;
  om_status st;
  if (!a) return;
  sqlite3_free(a->opts);
  if (!a->started) return;
  if (a->st.n_arms > 0 && a->st.d == 0)
    omen_errorf(ctx, "linucb_update", "no row has both a reward and a feature vector; the features are unknown");
  else if (a->st.n_arms > 0) {
    om_wbuf_init(&w);
    st = bd_write(&a->st, &w, &err);
    if (st != OM_OK) omen_result_status(ctx, "linucb_update", st, &err);
    else sqlite3_result_blob64(ctx, w.data, w.len, SQLITE_TRANSIENT);
    om_wbuf_free(&w);
  }
  bd_state_free(&a->st);
}

void linucbChooseFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  const omen_model *m;
  bd_state *s;
  uint64_t seed = 0;
  int random = 0;
  double x[BD_MAX_FEATURES];
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) return;
  m = omen_model_arg(ctx, "linucb_choose", argv, 0, MDL_KIND_BANDIT);
  if (!m) return;
  s = m->model;
  if (s->opt.policy != BD_LINUCB) {
    omen_errorf(ctx, "linucb_choose", "state is a %s state; use bandit_choose(state [, key])",
                bd_policy_name(s->opt.policy));
    return;
  }
  if (ctx_features(ctx, "linucb_choose", argv[1], 2, s, 0, 0, x)) return;
  if (argc == 3 && sqlite3_value_type(argv[2]) != SQLITE_NULL) {
    if (key_seed(ctx, argv[2], &seed)) return;
    random = 1;
  }
  result_label(ctx, &s->arms[bd_linucb_choose(s, x, random, seed)].label);
}

/* ---- bandit_stats ---------------------------------------------------------- */

enum { BS_ARM = 0, BS_N, BS_MEAN, BS_CI_LOW, BS_CI_HIGH, BS_P_BEST, BS_STATE };

typedef struct bs_vtab {
  sqlite3_vtab base;
  sqlite3 *db; /* for registry references */
} bs_vtab;

typedef struct bs_cursor {
  sqlite3_vtab_cursor base;
  uint8_t *blob;        /* owned copy (registry) or NULL */
  bd_state *st;         /* decoded state (bd_kind's close), or NULL */
  bd_arm_stats *stats;  /* [st->n_arms] */
  sqlite3_int64 row;
} bs_cursor;

static int bsConnect(sqlite3 *db, void *pAux, int argc, const char *const *argv, sqlite3_vtab **ppVtab,
                     char **pzErr) {
  bs_vtab *v;
  int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(arm, n INTEGER, mean REAL, ci_low REAL, ci_high REAL, "
                                    "p_best REAL, state HIDDEN)");
  if (rc != SQLITE_OK) return rc;
  v = sqlite3_malloc(sizeof *v);
  if (!v) return SQLITE_NOMEM;
  memset(v, 0, sizeof *v);
  v->db = db;
  /* it reads models: neither DIRECTONLY nor INNOCUOUS (trusted schema only; omen.c behaviour 4) */
  *ppVtab = &v->base;
  return SQLITE_OK;
}

static int bsDisconnect(sqlite3_vtab *v) {
  sqlite3_free(v);
  return SQLITE_OK;
}

static int bsOpen(sqlite3_vtab *v, sqlite3_vtab_cursor **pp) {
  bs_cursor *c = sqlite3_malloc(sizeof *c);
  if (!c) return SQLITE_NOMEM;
  memset(c, 0, sizeof *c);
  *pp = &c->base;
  return SQLITE_OK;
}

static void bs_reset(bs_cursor *c) {
  if (c->st) {
    bd_state_free(c->st);
    om_free(c->st);
  }
  sqlite3_free(c->blob);
  sqlite3_free(c->stats);
  c->st = NULL;
  c->blob = NULL;
  c->stats = NULL;
  c->row = 0;
}

static int bsClose(sqlite3_vtab_cursor *cur) {
  bs_cursor *c = (bs_cursor *)cur;
  bs_reset(c);
  sqlite3_free(c);
  return SQLITE_OK;
}

static int bs_error(sqlite3_vtab_cursor *cur, const char *msg) {
  sqlite3_free(cur->pVtab->zErrMsg);
  cur->pVtab->zErrMsg = sqlite3_mprintf("bandit_stats(): %s", msg);
  return cur->pVtab->zErrMsg ? SQLITE_ERROR : SQLITE_NOMEM;
}

static int bsFilter(sqlite3_vtab_cursor *cur, int idxNum, const char *idxStr, int argc, sqlite3_value **argv) {
  bs_cursor *c = (bs_cursor *)cur;
  const mdl_kind_def *kind = NULL;
  const uint8_t *bytes;
  void *model = NULL;
  mdl_view v;
  om_err err;
  om_status st;
  int n = 0, rc;
  bs_reset(c);
  if (idxNum != 1 || argc < 1) return bs_error(cur, "needs a state argument");
  switch (sqlite3_value_type(argv[0])) {
  case SQLITE_NULL: return SQLITE_OK; /* no rows */
  case SQLITE_BLOB:
    n = sqlite3_value_bytes(argv[0]);
    bytes = sqlite3_value_blob(argv[0]);
    break;
  case SQLITE_TEXT: {
    char *msg = NULL;
    const char *ref = (const char *)sqlite3_value_text(argv[0]);
    if (!ref) return SQLITE_NOMEM;
    rc = omen_registry_fetch(((bs_vtab *)cur->pVtab)->db, ref, &c->blob, &n, &msg);
    if (rc == SQLITE_NOMEM) return SQLITE_NOMEM;
    if (rc != SQLITE_OK) {
      rc = bs_error(cur, msg ? msg : "cannot read the model registry");
      sqlite3_free(msg);
      return rc;
    }
    bytes = c->blob;
    break;
  }
  default: {
    char *msg = sqlite3_mprintf("state is %s; expected a bandit state BLOB or a registry name (TEXT)",
                                omen_type_name(argv[0]));
    if (!msg) return SQLITE_NOMEM;
    rc = bs_error(cur, msg);
    sqlite3_free(msg);
    return rc;
  }
  }
  st = mdl_decode(bytes, (size_t)n, &v, &kind, &model, &err);
  if (st == OM_NOMEM) return SQLITE_NOMEM;
  if (st != OM_OK) return bs_error(cur, err.msg);
  if (v.kind != MDL_KIND_BANDIT) {
    mdl_kind_mismatch(v.kind, MDL_KIND_BANDIT, &err);
    kind->close(model);
    mdl_view_free(&v);
    return bs_error(cur, err.msg);
  }
  mdl_view_free(&v); /* the state owns its labels: nothing points into the BLOB */
  c->st = model;
  c->stats = sqlite3_malloc64((sqlite3_uint64)c->st->n_arms * sizeof *c->stats);
  if (!c->stats) return SQLITE_NOMEM;
  st = bd_stats(c->st, c->stats, &err);
  if (st == OM_NOMEM) return SQLITE_NOMEM;
  if (st != OM_OK) return bs_error(cur, err.msg);
  return SQLITE_OK;
}

static int bsNext(sqlite3_vtab_cursor *cur) {
  ((bs_cursor *)cur)->row++;
  return SQLITE_OK;
}

static int bsEof(sqlite3_vtab_cursor *cur) {
  bs_cursor *c = (bs_cursor *)cur;
  return !c->stats || c->row >= (sqlite3_int64)c->st->n_arms;
}

static void result_num(sqlite3_context *ctx, double x) {
  if (isnan(x)) sqlite3_result_null(ctx);
  else sqlite3_result_double(ctx, x);
}

static int bsColumn(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int i) {
  bs_cursor *c = (bs_cursor *)cur;
  const bd_arm_stats *s = &c->stats[c->row];
  switch (i) {
  case BS_ARM: result_label(ctx, &c->st->arms[c->row].label); break;
  case BS_N: sqlite3_result_int64(ctx, (sqlite3_int64)s->n); break;
  case BS_MEAN: result_num(ctx, s->mean); break;
  case BS_CI_LOW: result_num(ctx, s->ci_low); break;
  case BS_CI_HIGH: result_num(ctx, s->ci_high); break;
  case BS_P_BEST: result_num(ctx, s->p_best); break;
  default: break; /* hidden state column: NULL */
  }
  return SQLITE_OK;
}

static int bsRowid(sqlite3_vtab_cursor *cur, sqlite_int64 *rowid) {
  *rowid = ((bs_cursor *)cur)->row + 1;
  return SQLITE_OK;
}

static int bsBestIndex(sqlite3_vtab *v, sqlite3_index_info *info) {
  int arg = -1;
  for (int i = 0; i < info->nConstraint; i++) {
    const struct sqlite3_index_constraint *k = &info->aConstraint[i];
    if (k->iColumn != BS_STATE) continue;
    if (!k->usable || k->op != SQLITE_INDEX_CONSTRAINT_EQ) return SQLITE_CONSTRAINT;
    arg = i;
  }
  if (arg < 0) return SQLITE_CONSTRAINT;
  info->aConstraintUsage[arg].argvIndex = 1;
  info->aConstraintUsage[arg].omit = 1;
  info->idxNum = 1;
  info->estimatedCost = 10;
  info->estimatedRows = 10;
  return SQLITE_OK;
}

sqlite3_module omen_bandit_stats_module = {
    .iVersion = 0,
    .xCreate = 0, /* eponymous only */
    .xConnect = bsConnect,
    .xBestIndex = bsBestIndex,
    .xDisconnect = bsDisconnect,
    .xOpen = bsOpen,
    .xClose = bsClose,
    .xFilter = bsFilter,
    .xNext = bsNext,
    .xEof = bsEof,
    .xColumn = bsColumn,
    .xRowid = bsRowid,
};
