/*
** anomaly.c — the functions every anomaly detector shares, whatever its
** kind (isolation forest, baseline, Mahalanobis, ensemble): they dispatch
** through the anomaly hooks of the kind table (mdl_kind.h behaviour 6).
**
**   SELECT anomaly_score('runs_if', fv), is_anomaly('runs_if', fv) FROM runs;
**   SELECT anomaly_ensemble(m_if, m_maha, '{"min_votes": 2}');
**   SELECT anomaly_report('runs_guard', fv) FROM runs WHERE id = 42;
**   SELECT * FROM anomaly_explain('runs_if', fv) ORDER BY contribution DESC;  -- model_features.c
**
** Behaviours (docs/anomaly_score.md, is_anomaly.md, anomaly_ensemble.md,
** anomaly_report.md):
**   1. The model is a BLOB or a registry reference, decoded once per
**      statement (model.c); the feature vector is matched by name as the
**      predict_* functions do (model_row.c): missing features follow the
**      kind's documented rule, a wrong type is an error, a vector with none
**      of the model's features is an error.  NULL model or features → NULL.
**   2. A model whose kind is not an anomaly detector (gbt, scaler) is an
**      error "<f>(): model is a gbt model, which is not an anomaly detector".
**   3. anomaly_score(model, features) → the kind's own score, higher = more
**      anomalous (iforest in (0, 1]; baseline the largest |robust z|;
**      Mahalanobis the distance; ensemble the consensus severity of ens.h
**      behaviour 4).  NULL when the row gives the model nothing to score.
**   4. is_anomaly(model, features) → 1 when the score is strictly above the
**      model's stored threshold, else 0; NULL when the score is NULL.
**   5. anomaly_ensemble(model1, model2 [, ...] [, options]) → a model BLOB
**      of kind 'ensemble' packing 2..16 detector models (BLOBs or registry
**      references; the bytes are copied, so a later registry change does not
**      change the ensemble).  The last argument is options when it is TEXT
**      that starts with '{' (registry names cannot): a flat JSON object with
**      "min_votes" (a positive number, at most the total weight; default
**      more than half the total weight) and "weight_<i>" (a positive weight
**      for the i-th model, default 1).  Unknown keys are an error listing
**      the known ones.  A NULL model argument is an error (an ensemble with
**      a hole would silently vote less).
**   6. anomaly_report(model, features) → one JSON object: kind, score,
**      threshold, is_anomaly, the members of the kind's report hook (a
**      Mahalanobis model: distance, its chi-square p_value, df and outside,
**      mah_kind.c; an ensemble: min_votes and its members' kind, weight,
**      score, threshold and vote, ens.c), and "top_features": up to 5
**      features with the largest contribution (feature, value, expected_lo,
**      expected_hi, deviation, contribution), largest first.  The same
**      evidence, for every feature and as plain columns, is the table-valued
**      function anomaly_explain(model, features).
*/
#include <math.h>
#include <string.h>

#include "core/base/fv.h"
#include "core/base/om_json.h"
#include "core/ensemble/ens.h" /* ENS_MAX_MEMBERS, ens_pack */
#include "omen_ext.h"

#define REPORT_TOP 5

/* The detector model of argv[0] with the row of argv[1] prepared; NULL after
** setting the error result (or with no result for a NULL argument: *null). */
static const omen_model *detector_arg(sqlite3_context *ctx, const char *fname, sqlite3_value **argv,
                                      uint16_t want_kind) {
  const omen_model *m = omen_model_arg(ctx, fname, argv, 0, want_kind);
  if (!m) return NULL;
  if (!m->kind->anomaly_score || !m->kind->anomaly_threshold || !m->kind->explain) {
    omen_errorf(ctx, fname, "model is a %s model, which is not an anomaly detector", m->kind->name);
    return NULL;
  }
  if (omen_model_row(ctx, fname, m, argv[1], 2)) return NULL;
  return m;
}

static void result_real_or_null(sqlite3_context *ctx, double v) {
  if (v == v) sqlite3_result_double(ctx, v);
  else sqlite3_result_null(ctx);
}

void anomalyScoreFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  const omen_model *m;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) return;
  m = detector_arg(ctx, "anomaly_score", argv, OMEN_KIND_ANY);
  if (!m) return;
  result_real_or_null(ctx, m->kind->anomaly_score(m->model, m->x));
}

void isAnomalyFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  const omen_model *m;
  double s;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) return;
  m = detector_arg(ctx, "is_anomaly", argv, OMEN_KIND_ANY);
  if (!m) return;
  s = m->kind->anomaly_score(m->model, m->x);
  if (s == s) sqlite3_result_int(ctx, s > m->kind->anomaly_threshold(m->model));
}

/* ---- anomaly_ensemble ---- */

static const char ens_option_keys[] = "min_votes, weight_1 .. weight_16";

void anomalyEnsembleFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  const uint8_t *blobs[ENS_MAX_MEMBERS];
  size_t lens[ENS_MAX_MEMBERS];
  double weights[ENS_MAX_MEMBERS];
  double min_votes = 0;
  int n = argc, i;
  om_json_obj opts;
  om_wbuf out;
  om_err err;
  om_status st;
  memset(&opts, 0, sizeof opts);
  if (argc > 0 && sqlite3_value_type(argv[argc - 1]) == SQLITE_TEXT) {
    const char *t = (const char *)sqlite3_value_text(argv[argc - 1]);
    if (!t) {
      sqlite3_result_error_nomem(ctx);
      return;
    }
    while (*t == ' ' || *t == '\t' || *t == '\n' || *t == '\r') t++;
    if (*t == '{') n = argc - 1;
  }
  if (n < 2 || n > ENS_MAX_MEMBERS) {
    omen_errorf(ctx, "anomaly_ensemble", "needs 2 to %d models (and an optional options object last); got %d",
                ENS_MAX_MEMBERS, n);
    return;
  }
  for (i = 0; i < n; i++) weights[i] = 1;
  if (n < argc) {
    const char *t = (const char *)sqlite3_value_text(argv[n]);
    st = om_json_parse_flat(t, (size_t)sqlite3_value_bytes(argv[n]), &opts, &err);
    if (st != OM_OK) {
      if (st == OM_NOMEM) sqlite3_result_error_nomem(ctx);
      else omen_errorf(ctx, "anomaly_ensemble", "options (argument %d): %s", n + 1, err.msg);
      return;
    }
    for (size_t k = 0; k < opts.count; k++) {
      const om_json_member *mb = &opts.members[k];
      int idx = -1;
      if (strcmp(mb->key, "min_votes") != 0) {
        if (strncmp(mb->key, "weight_", 7) == 0 && mb->key[7] >= '1' && mb->key[7] <= '9') {
          idx = mb->key[7] - '0';
          if (mb->key[8] >= '0' && mb->key[8] <= '9' && mb->key[9] == 0) idx = idx * 10 + (mb->key[8] - '0');
          else if (mb->key[8] != 0) idx = -1;
        }
        if (idx < 1 || idx > ENS_MAX_MEMBERS) {
          omen_errorf(ctx, "anomaly_ensemble", "unknown option \"%s\"; known options: %s", mb->key, ens_option_keys);
          goto done;
        }
        if (idx > n) {
          omen_errorf(ctx, "anomaly_ensemble", "option \"%s\" names model %d, but there are %d models", mb->key, idx,
                      n);
          goto done;
        }
      }
      if (mb->type != OM_JSON_NUMBER || mb->is_bool || !(mb->num > 0) || !isfinite(mb->num)) {
        omen_errorf(ctx, "anomaly_ensemble", "option \"%s\" must be a positive number", mb->key);
        goto done;
      }
      if (idx < 0) min_votes = mb->num;
      else weights[idx - 1] = mb->num;
    }
  }
  for (i = 0; i < n; i++) {
    const omen_model *m;
    if (sqlite3_value_type(argv[i]) == SQLITE_NULL) {
      omen_errorf(ctx, "anomaly_ensemble", "model %d (argument %d) is NULL; expected a model BLOB or a registry name",
                  i + 1, i + 1);
      goto done;
    }
    m = omen_model_arg(ctx, "anomaly_ensemble", argv, i, 0);
    if (!m) goto done;
    blobs[i] = m->blob;
    lens[i] = m->n;
  }
  om_wbuf_init(&out);
  st = ens_pack(blobs, lens, (uint32_t)n, weights, min_votes, &out, &err);
  if (st != OM_OK) omen_result_status(ctx, "anomaly_ensemble", st, &err);
  else sqlite3_result_blob64(ctx, out.data, out.len, SQLITE_TRANSIENT);
  om_wbuf_free(&out);
done:
  om_json_obj_free(&opts);
}

/* ---- anomaly_report ---- */

static void jw_real(om_jw *j, double v) {
  if (v == v) om_jw_double(j, v);
  else om_jw_null(j);
}

/* A per-statement evidence buffer of at least n rows (auxdata
** OMEN_AUX_EV_SCRATCH), so a report allocates nothing per row. */
typedef struct ev_scratch {
  size_t cap;
  mdl_evidence ev[];
} ev_scratch;

static mdl_evidence *ev_scratch_get(sqlite3_context *ctx, uint32_t n) {
  ev_scratch *s = sqlite3_get_auxdata(ctx, OMEN_AUX_EV_SCRATCH);
  if (n == 0) n = 1;
  if (s && s->cap >= n) return s->ev;
  s = sqlite3_malloc64(sizeof *s + (sqlite3_uint64)n * sizeof(mdl_evidence));
  if (!s) return NULL;
  s->cap = n;
  sqlite3_set_auxdata(ctx, OMEN_AUX_EV_SCRATCH, s, sqlite3_free);
  s = sqlite3_get_auxdata(ctx, OMEN_AUX_EV_SCRATCH);
  return s ? s->ev : NULL;
}

void anomalyReportFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  const omen_model *m;
  mdl_evidence *ev;
  om_wbuf *w;
  om_jw j;
  double score, thr;
  uint32_t nf, top[REPORT_TOP], ntop = 0;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) return;
  m = detector_arg(ctx, "anomaly_report", argv, OMEN_KIND_ANY);
  if (!m) return;
  nf = m->view.n_features;
  score = m->kind->anomaly_score(m->model, m->x);
  thr = m->kind->anomaly_threshold(m->model);
  ev = ev_scratch_get(ctx, nf);
  if (!ev) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  m->kind->explain(m->model, m->x, ev);
  /* the REPORT_TOP largest contributions, largest first (ties: schema order) */
  for (uint32_t i = 0; i < nf; i++) {
    uint32_t k;
    if (!(ev[i].contribution > 0)) continue;
    if (ntop == REPORT_TOP && !(ev[i].contribution > ev[top[ntop - 1]].contribution)) continue;
    k = ntop < REPORT_TOP ? ntop++ : ntop - 1;
    while (k > 0 && ev[top[k - 1]].contribution < ev[i].contribution) {
      top[k] = top[k - 1];
      k--;
    }
    top[k] = i;
  }
  w = omen_out_scratch(ctx);
  if (!w) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  om_jw_init(&j, w);
  om_jw_begin_object(&j);
  om_jw_key(&j, "kind");
  om_jw_string(&j, m->kind->name);
  om_jw_key(&j, "score");
  jw_real(&j, score);
  om_jw_key(&j, "threshold");
  jw_real(&j, thr);
  om_jw_key(&j, "is_anomaly");
  if (score == score) om_jw_bool(&j, score > thr);
  else om_jw_null(&j);
  if (m->kind->report) m->kind->report(m->model, &j); /* mdl_kind.h behaviour 6 */
  om_jw_key(&j, "top_features");
  om_jw_begin_array(&j);
  for (uint32_t k = 0; k < ntop; k++) {
    const mdl_feature *f = &m->view.features[top[k]];
    const mdl_evidence *e = &ev[top[k]];
    om_jw_begin_object(&j);
    om_jw_key(&j, "feature");
    om_jw_string_n(&j, f->name, f->name_len);
    om_jw_key(&j, "value");
    if (f->type == FV_NUMERIC && !m->missing[top[k]]) om_jw_double(&j, m->num[top[k]]);
    else if (f->type == FV_NUMERIC || m->missing[top[k]]) om_jw_null(&j);
    else {
      char buf[40];
      sqlite3_snprintf(sizeof buf, buf, "xxh3:%016llx", (unsigned long long)m->cat[top[k]]);
      om_jw_string(&j, buf);
    }
    om_jw_key(&j, "expected_lo");
    jw_real(&j, e->expected_lo);
    om_jw_key(&j, "expected_hi");
    jw_real(&j, e->expected_hi);
    om_jw_key(&j, "deviation");
    jw_real(&j, e->deviation);
    om_jw_key(&j, "contribution");
    jw_real(&j, e->contribution);
    om_jw_end_object(&j);
  }
  om_jw_end_array(&j);
  om_jw_end_object(&j);
  if (om_wbuf_status(w) != OM_OK) sqlite3_result_error_nomem(ctx);
  else sqlite3_result_text64(ctx, (const char *)w->data, w->len, SQLITE_TRANSIENT, SQLITE_UTF8);
}
