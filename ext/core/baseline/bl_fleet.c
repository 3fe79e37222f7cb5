/*
** bl_fleet.c — the fleet prior: job baselines in, per feature the mean and
** between-job variance of the jobs' log relative dispersion out (bl.h 9).
**
** Behaviours:
**   1. bl_fleet_add opens the BLOB (envelope and payload, every check of
**      bl.h 8); another kind is OM_INVALID "model is a <kind> model;
**      expected a baseline model", a fleet prior OM_INVALID "model is a
**      fleet prior; baseline_fleet() summarises job baselines".  A shrunk job
**      model counts with its raw statistics.
**   2. Per feature name (the union over the jobs): jobs = job models with at
**      least one value of it; jobs_used = those with a usable u
**      (bl_feat_log_dispersion); Welford's mean and M2 of u and the sum of
**      V_n.  Memory is O(features), whatever the number of jobs.
**   3. finish: mu = mean(u), var_u = M2/(jobs_used - 1), mean_v = sum/jobs_used,
**      tau2 = max(0, var_u - mean_v), when jobs_used >= BL_MIN_FLEET_JOBS;
**      otherwise the feature has no prior (all zeros) and shrinking leaves
**      it as it is.  rows_used counts the job models, rows_skipped the NULLs
**      (counted by the caller).  The envelope is decoded before it is
**      returned.
*/
#include <math.h>
#include <string.h>

#include "../base/fv.h"
#include "../base/om_json.h"
#include "bl.h"

void bl_fleet_init(bl_fleet_accum *a) { memset(a, 0, sizeof *a); }

void bl_fleet_free(bl_fleet_accum *a) {
  for (size_t i = 0; i < a->n_cols; i++) om_free(a->cols[i].name);
  om_free(a->cols);
  memset(a, 0, sizeof *a);
}

static om_status fcol_insert(bl_fleet_accum *a, size_t pos, const char *name, size_t len, om_err *err) {
  char *copy;
  if (a->n_cols >= FV_MAX_COUNT) return om_errf(err, OM_INVALID, "more than %d distinct features", FV_MAX_COUNT);
  if (a->n_cols == a->cap) {
    size_t cap = a->cap ? a->cap * 2 : 8;
    bl_fleet_col *p = om_realloc(a->cols, cap * sizeof *p);
    if (!p) return om_errf(err, OM_NOMEM, "out of memory");
    a->cols = p;
    a->cap = cap;
  }
  copy = om_malloc(len ? len : 1);
  if (!copy) return om_errf(err, OM_NOMEM, "out of memory");
  memcpy(copy, name, len);
  memmove(a->cols + pos + 1, a->cols + pos, (a->n_cols - pos) * sizeof *a->cols);
  memset(&a->cols[pos], 0, sizeof a->cols[pos]);
  a->cols[pos].name = copy;
  a->cols[pos].name_len = len;
  a->n_cols++;
  return OM_OK;
}

om_status bl_fleet_add(bl_fleet_accum *a, const uint8_t *blob, size_t n, om_err *err) {
  mdl_view v;
  bl_model *m = NULL;
  om_status st = mdl_open(blob, n, &v, err);
  size_t pos = 0;
  if (st != OM_OK) return st;
  if ((st = bl_decode(&v, &m, err)) != OM_OK) goto done;
  if (m->role != BL_ROLE_JOB) {
    st = om_errf(err, OM_INVALID, "model is a fleet prior; baseline_fleet() summarises job baselines");
    goto done;
  }
  /* names first (a failure leaves no job half-counted) */
  for (uint32_t i = 0; i < m->n_features; i++) {
    int c = 1;
    if (m->feats[i].n == 0) continue;
    while (pos < a->n_cols &&
           (c = fv_name_cmp(a->cols[pos].name, a->cols[pos].name_len, m->names[i].name, m->names[i].name_len)) < 0)
      pos++;
    if (pos == a->n_cols || c != 0)
      if ((st = fcol_insert(a, pos, m->names[i].name, m->names[i].name_len, err)) != OM_OK) goto done;
    pos++;
  }
  pos = 0;
  for (uint32_t i = 0; i < m->n_features; i++) {
    bl_fleet_col *c;
    double u, vn;
    if (m->feats[i].n == 0) continue;
    while (fv_name_cmp(a->cols[pos].name, a->cols[pos].name_len, m->names[i].name, m->names[i].name_len) < 0) pos++;
    c = &a->cols[pos++];
    c->jobs++;
    if (bl_feat_log_dispersion(&m->feats[i], &u, &vn)) {
      double d = u - c->mean_u;
      c->jobs_used++;
      c->mean_u += d / (double)c->jobs_used;
      c->m2_u += d * (u - c->mean_u);
      c->sum_v += vn;
    }
  }
  a->rows_used++;
done:
  bl_model_free(m);
  mdl_view_free(&v);
  return st;
}

om_status bl_fleet_finish(bl_fleet_accum *a, om_wbuf *w, om_err *err) {
  bl_model m;
  mdl_meta meta;
  om_status st = OM_OK;
  memset(&m, 0, sizeof m);
  m.role = BL_ROLE_FLEET;
  m.n_features = (uint32_t)a->n_cols;
  if (a->n_cols) {
    m.names = om_calloc(a->n_cols, sizeof *m.names);
    m.priors = om_calloc(a->n_cols, sizeof *m.priors);
    if (!m.names || !m.priors) {
      st = om_errf(err, OM_NOMEM, "out of memory");
      goto done;
    }
  }
  for (size_t i = 0; i < a->n_cols; i++) {
    const bl_fleet_col *c = &a->cols[i];
    bl_prior *p = &m.priors[i];
    m.names[i].name = c->name;
    m.names[i].name_len = c->name_len;
    m.names[i].type = FV_NUMERIC;
    p->jobs = c->jobs;
    p->jobs_used = c->jobs_used;
    if (c->jobs_used >= BL_MIN_FLEET_JOBS) {
      double t;
      p->has_prior = 1;
      p->mu = c->mean_u;
      p->var_u = c->m2_u / (double)(c->jobs_used - 1);
      p->mean_v = c->sum_v / (double)c->jobs_used;
      if (!isfinite(p->mu) || !isfinite(p->var_u) || !isfinite(p->mean_v)) {
        st = om_errf(err, OM_INVALID, "feature \"%.*s\": the jobs' dispersions are not finite", (int)c->name_len,
                     c->name);
        goto done;
      }
      t = p->var_u - p->mean_v;
      p->tau2 = t > 0 ? t : 0;
    }
  }
  memset(&meta, 0, sizeof meta);
  meta.rows_used = a->rows_used;
  meta.rows_skipped = a->rows_skipped;
  st = bl_write(&m, &meta, w, err);
  if (st == OM_OK) {
    mdl_view v;
    bl_model *check = NULL;
    om_err inner;
    st = bl_open(w->data, w->len, &v, &check, &inner);
    if (st == OM_NOMEM) st = om_errf(err, OM_NOMEM, "out of memory");
    else if (st != OM_OK) st = om_errf(err, OM_INVALID, "the fleet prior would not load (%s)", inner.msg);
    else {
      bl_model_free(check);
      mdl_view_free(&v);
    }
  }
done:
  om_free(m.names);
  om_free(m.priors);
  return st;
}
