/*
** ens.c — pack, open and score anomaly ensembles; the format and the
** behaviours are in ens.h.  The row of the kind table is ens_kind, at the
** end of this file.
*/
#include "ens.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/fv.h"

typedef struct ens_member {
  const mdl_kind_def *kind;
  mdl_view view;    /* into the ensemble's payload */
  void *model;
  double weight;
  uint32_t *map;    /* member feature j -> union feature index */
  double *num;      /* row scratch [view.n_features] */
  uint64_t *cat;
  uint8_t *missing;
  double *x;
  mdl_evidence *ev;
  double score;     /* last row */
  double threshold;
} ens_member;

struct ens_model {
  uint32_t n;
  double min_votes;
  uint32_t n_features; /* the union */
  ens_member *m;
  double *sev;         /* scratch [n] for the order statistic */
  uint32_t *order;     /* scratch [n] */
};

static int is_detector(const mdl_kind_def *k) {
  return k && k->code != MDL_KIND_ENSEMBLE && k->anomaly_score && k->anomaly_threshold && k->explain;
}

static double default_min_votes(const double *w, uint32_t n) {
  double total = 0;
  uint32_t i;
  int unit = 1;
  for (i = 0; i < n; i++) {
    total += w ? w[i] : 1;
    if (w && w[i] != 1) unit = 0;
  }
  if (unit) return (double)(n / 2 + 1);
  /* more than half the weight: the margin must exceed the 1e-12 tolerance of
  ** ens_score's running sum, or members weighing exactly half would flag */
  return total / 2 * (1 + 1e-9);
}

/* ---- packing ---- */

static int feat_cmp(const void *a, const void *b) {
  const mdl_feature *x = a, *y = b;
  return fv_name_cmp(x->name, x->name_len, y->name, y->name_len);
}

/* The union of the members' schemas into *out (om_malloc'd, sorted, unique);
** OM_INVALID when a name has two types. */
static om_status schema_union(const mdl_view *views, uint32_t n, mdl_feature **out, uint32_t *count, om_err *err) {
  size_t total = 0, k = 0, u = 0;
  mdl_feature *all;
  for (uint32_t i = 0; i < n; i++) total += views[i].n_features;
  all = om_malloc_array(total ? total : 1, sizeof *all);
  if (!all) return om_errf(err, OM_NOMEM, "out of memory");
  for (uint32_t i = 0; i < n; i++)
    for (uint32_t j = 0; j < views[i].n_features; j++) all[k++] = views[i].features[j];
  qsort(all, total, sizeof *all, feat_cmp);
  for (size_t i = 0; i < total; i++) {
    if (u > 0 && feat_cmp(&all[u - 1], &all[i]) == 0) {
      if (all[u - 1].type != all[i].type) {
        om_status st = om_errf(err, OM_INVALID,
                               "feature \"%.*s\" is %s in one model and %s in another; members must agree on types",
                               (int)all[i].name_len, all[i].name, fv_type_name((fv_type)all[u - 1].type),
                               fv_type_name((fv_type)all[i].type));
        om_free(all);
        return st;
      }
      continue;
    }
    all[u++] = all[i];
  }
  *out = all;
  *count = (uint32_t)u;
  return OM_OK;
}

om_status ens_pack(const uint8_t *const *blobs, const size_t *lens, uint32_t n, const double *weights,
                   double min_votes, om_wbuf *out, om_err *err) {
  mdl_view *views = NULL;
  const mdl_kind_def **kinds = NULL;
  void **models = NULL;
  mdl_feature *feats = NULL;
  uint32_t nf = 0, opened = 0;
  om_wbuf payload, opts;
  om_jw j;
  mdl_meta meta;
  double total = 0;
  om_status st = OM_OK;
  om_wbuf_init(&payload);
  om_wbuf_init(&opts);
  if (n < 2 || n > ENS_MAX_MEMBERS)
    return om_errf(err, OM_INVALID, "an ensemble needs 2 to %d models; got %u", ENS_MAX_MEMBERS, n);
  views = om_malloc_array(n, sizeof *views);
  kinds = om_malloc_array(n, sizeof *kinds);
  models = om_malloc_array(n, sizeof *models);
  if (!views || !kinds || !models) {
    st = om_errf(err, OM_NOMEM, "out of memory");
    goto done;
  }
  for (uint32_t i = 0; i < n; i++) {
    double w = weights ? weights[i] : 1;
    if (!(w > 0) || !isfinite(w)) {
      st = om_errf(err, OM_INVALID, "weight of model %u must be a positive finite number", i + 1);
      goto done;
    }
    total += w;
  }
  if (min_votes <= 0) min_votes = default_min_votes(weights, n);
  else if (!(min_votes <= total * (1 + 1e-12)) || !isfinite(min_votes)) {
    st = om_errf(err, OM_INVALID, "min_votes %g is more than the total weight %g of the models: no row could be flagged",
                 min_votes, total);
    goto done;
  }
  for (; opened < n; opened++) {
    om_err inner;
    uint32_t i = opened;
    st = mdl_decode(blobs[i], lens[i], &views[i], &kinds[i], &models[i], &inner);
    if (st != OM_OK) {
      st = om_errf(err, st, "model %u: %s", i + 1, inner.msg);
      goto done;
    }
    if (!is_detector(kinds[i])) {
      opened++;
      st = om_errf(err, OM_INVALID, "model %u is a%s %s model, which is not an anomaly detector%s", i + 1,
                   kinds[i]->code == MDL_KIND_ENSEMBLE ? "n" : "", kinds[i]->name,
                   kinds[i]->code == MDL_KIND_ENSEMBLE ? " member (ensembles do not nest)" : "");
      goto done;
    }
    {
      double t = kinds[i]->anomaly_threshold(models[i]);
      if (!(t > 0) || !isfinite(t)) { /* behaviour 1: it could never vote */
        opened++;
        st = om_errf(err, OM_INVALID,
                     "model %u is a %s model without an anomaly threshold (e.g. a baseline fleet prior, which "
                     "scores nothing); it could never vote",
                     i + 1, kinds[i]->name);
        goto done;
      }
    }
  }
  st = schema_union(views, n, &feats, &nf, err);
  if (st != OM_OK) goto done;
  om_wbuf_u32(&payload, n);
  om_wbuf_u32(&payload, 0);
  om_wbuf_f64(&payload, min_votes);
  for (uint32_t i = 0; i < n; i++) {
    om_wbuf_f64(&payload, weights ? weights[i] : 1);
    om_wbuf_u64(&payload, lens[i]);
    om_wbuf_bytes(&payload, blobs[i], lens[i]);
  }
  om_jw_init(&j, &opts);
  om_jw_begin_object(&j);
  om_jw_key(&j, "members");
  om_jw_int(&j, n);
  om_jw_key(&j, "min_votes");
  om_jw_double(&j, min_votes);
  for (uint32_t i = 0; i < n; i++) {
    char key[32];
    snprintf(key, sizeof key, "weight_%u", i + 1);
    om_jw_key(&j, key);
    om_jw_double(&j, weights ? weights[i] : 1);
  }
  om_jw_end_object(&j);
  if (om_wbuf_status(&payload) != OM_OK || om_wbuf_status(&opts) != OM_OK) {
    st = om_errf(err, OM_NOMEM, "out of memory");
    goto done;
  }
  memset(&meta, 0, sizeof meta);
  for (uint32_t i = 0; i < n; i++) meta.rows_used = views[i].meta.rows_used > meta.rows_used ? views[i].meta.rows_used
                                                                                           : meta.rows_used;
  meta.options_json = (const char *)opts.data;
  meta.options_len = opts.len;
  st = mdl_write(out, MDL_KIND_ENSEMBLE, ENS_FORMAT, feats, nf, &meta, payload.data, payload.len, err);
done:
  for (uint32_t i = 0; i < opened; i++) {
    kinds[i]->close(models[i]);
    mdl_view_free(&views[i]);
  }
  om_free(views);
  om_free(kinds);
  om_free(models);
  om_free(feats);
  om_wbuf_free(&payload);
  om_wbuf_free(&opts);
  return st;
}

/* ---- opening ---- */

static void ens_close(void *p) {
  ens_model *e = p;
  if (!e) return;
  for (uint32_t i = 0; i < e->n; i++) {
    ens_member *m = &e->m[i];
    if (m->model) m->kind->close(m->model);
    mdl_view_free(&m->view);
    om_free(m->map);
    om_free(m->num);
    om_free(m->cat);
    om_free(m->missing);
    om_free(m->x);
    om_free(m->ev);
  }
  om_free(e->m);
  om_free(e->sev);
  om_free(e->order);
  om_free(e);
}

static om_status ens_open(const mdl_view *v, void **out, om_err *err) {
  om_rbuf r;
  ens_model *e;
  uint32_t n;
  double total = 0;
  om_status st = OM_OK;
  *out = NULL;
  if (v->payload_version != ENS_FORMAT)
    return om_errf(err, OM_UNSUPPORTED_VERSION, "ensemble payload version %u is not supported (this build reads %d)",
                   v->payload_version, ENS_FORMAT);
  om_rbuf_init(&r, v->payload, v->payload_len);
  n = om_rbuf_u32(&r);
  if (om_rbuf_u32(&r) != 0 || !om_rbuf_ok(&r) || n < 2 || n > ENS_MAX_MEMBERS)
    return om_errf(err, OM_CORRUPT, "ensemble payload is corrupt (member count)");
  e = om_malloc(sizeof *e);
  if (!e) return om_errf(err, OM_NOMEM, "out of memory");
  memset(e, 0, sizeof *e);
  e->m = om_malloc_array(n, sizeof *e->m);
  e->sev = om_malloc_array(n, sizeof *e->sev);
  e->order = om_malloc_array(n, sizeof *e->order);
  if (!e->m || !e->sev || !e->order) {
    om_free(e->m);
    om_free(e->sev);
    om_free(e->order);
    om_free(e);
    return om_errf(err, OM_NOMEM, "out of memory");
  }
  memset(e->m, 0, n * sizeof *e->m);
  e->n_features = v->n_features;
  e->min_votes = om_rbuf_f64(&r);
  for (uint32_t i = 0; i < n; i++) {
    ens_member *m = &e->m[i];
    uint64_t len;
    const uint8_t *bytes;
    uint32_t nf, pos = 0;
    om_err inner;
    e->n = i + 1; /* members opened so far are freed by ens_close */
    m->weight = om_rbuf_f64(&r);
    len = om_rbuf_u64(&r);
    if (!om_rbuf_ok(&r) || len > r.left || !(m->weight > 0) || !isfinite(m->weight)) {
      st = om_errf(err, OM_CORRUPT, "ensemble payload is corrupt (member %u)", i + 1);
      goto fail;
    }
    total += m->weight;
    bytes = om_rbuf_bytes(&r, (size_t)len);
    st = mdl_decode(bytes, (size_t)len, &m->view, &m->kind, &m->model, &inner);
    if (st == OM_NOMEM) {
      st = om_errf(err, OM_NOMEM, "out of memory");
      goto fail;
    }
    if (st != OM_OK || !is_detector(m->kind)) {
      if (st == OM_OK) {
        m->kind->close(m->model);
        m->model = NULL;
      }
      st = om_errf(err, st == OM_UNSUPPORTED_VERSION ? st : OM_CORRUPT, "ensemble member %u: %s", i + 1,
                   st == OM_OK ? "not an anomaly detector" : inner.msg);
      goto fail;
    }
    nf = m->view.n_features ? m->view.n_features : 1;
    m->map = om_malloc_array(nf, sizeof *m->map);
    m->num = om_malloc_array(nf, sizeof *m->num);
    m->cat = om_malloc_array(nf, sizeof *m->cat);
    m->missing = om_malloc(nf);
    m->x = om_malloc_array(nf, sizeof *m->x);
    m->ev = om_malloc_array(nf, sizeof *m->ev);
    if (!m->map || !m->num || !m->cat || !m->missing || !m->x || !m->ev) {
      st = om_errf(err, OM_NOMEM, "out of memory");
      goto fail;
    }
    /* behaviour 2: every member feature is in the union with its type */
    for (uint32_t jf = 0; jf < m->view.n_features; jf++) {
      const mdl_feature *f = &m->view.features[jf];
      int c = 1;
      while (pos < v->n_features && (c = fv_name_cmp(v->features[pos].name, v->features[pos].name_len, f->name,
                                                     f->name_len)) < 0)
        pos++;
      if (pos == v->n_features || c != 0 || v->features[pos].type != f->type) {
        st = om_errf(err, OM_CORRUPT, "ensemble payload is corrupt (member %u's features are not in the schema)", i + 1);
        goto fail;
      }
      m->map[jf] = pos;
    }
    m->threshold = m->kind->anomaly_threshold(m->model);
    if (!(m->threshold > 0) || !isfinite(m->threshold)) {
      st = om_errf(err, OM_CORRUPT, "ensemble member %u: no anomaly threshold", i + 1);
      goto fail;
    }
  }
  if (r.left != 0 || !(e->min_votes > 0) || !(e->min_votes <= total * (1 + 1e-12))) {
    st = om_errf(err, OM_CORRUPT, "ensemble payload is corrupt (trailing bytes or min_votes)");
    goto fail;
  }
  *out = e;
  return OM_OK;
fail:
  ens_close(e);
  return st;
}

/* ---- scoring ---- */

static void ens_row_prepare(const void *p, const double *num, const uint64_t *cat, const uint8_t *missing,
                            double *x) {
  const ens_model *e = p;
  for (uint32_t i = 0; i < e->n_features; i++) x[i] = missing[i] ? (double)NAN : 0;
  for (uint32_t i = 0; i < e->n; i++) {
    ens_member *m = &e->m[i];
    uint32_t nf = m->view.n_features;
    for (uint32_t jf = 0; jf < nf; jf++) {
      uint32_t u = m->map[jf];
      m->missing[jf] = missing[u];
      m->num[jf] = num[u];
      m->cat[jf] = cat[u];
    }
    if (m->kind->row_prepare) m->kind->row_prepare(m->model, m->num, m->cat, m->missing, m->x);
    else
      for (uint32_t jf = 0; jf < nf; jf++)
        m->x[jf] = m->missing[jf] || m->view.features[jf].type != FV_NUMERIC ? (double)NAN : m->num[jf];
    m->score = m->kind->anomaly_score(m->model, m->x);
    /* x: numeric values; a category is 1 when some member knows it */
    for (uint32_t jf = 0; jf < nf; jf++) {
      uint32_t u = m->map[jf];
      if (missing[u]) continue;
      if (m->view.features[jf].type == FV_NUMERIC) x[u] = num[u];
      else if (m->x[jf] != 0) x[u] = 1;
    }
  }
}

static double ens_score(const void *p, const double *x) {
  const ens_model *e = p;
  double have = 0, best = NAN, acc = 0;
  uint32_t k = 0;
  for (uint32_t i = 0; i < e->n; i++) {
    const ens_member *m = &e->m[i];
    double s = m->score / m->threshold;
    if (isnan(s)) continue;
    e->sev[k] = s;
    e->order[k++] = i;
    have += m->weight;
    if (isnan(best) || s > best) best = s;
  }
  if (k == 0) return NAN;
  if (have < e->min_votes) {
    double capped = best * (have / e->min_votes);
    return capped > 1 ? 1 : capped;
  }
  /* sort the scored members by severity, descending (n <= 16: insertion) */
  for (uint32_t a = 1; a < k; a++) {
    double s = e->sev[a];
    uint32_t o = e->order[a], b = a;
    while (b > 0 && e->sev[b - 1] < s) {
      e->sev[b] = e->sev[b - 1];
      e->order[b] = e->order[b - 1];
      b--;
    }
    e->sev[b] = s;
    e->order[b] = o;
  }
  for (uint32_t a = 0; a < k; a++) {
    acc += e->m[e->order[a]].weight;
    if (acc >= e->min_votes * (1 - 1e-12)) return e->sev[a];
  }
  return e->sev[k - 1];
}

static double ens_threshold(const void *p) { return 1.0; }

static void ens_explain(const void *p, const double *x, mdl_evidence *out) {
  const ens_model *e = p;
  double total = 0;
  for (uint32_t u = 0; u < e->n_features; u++) {
    out[u].value = x[u];
    out[u].expected_lo = out[u].expected_hi = NAN;
    out[u].deviation = NAN; /* none until a member has one (a missing value: NaN, as the members say) */
    out[u].contribution = 0;
  }
  for (uint32_t i = 0; i < e->n; i++) {
    const ens_member *m = &e->m[i];
    double sev = m->score / m->threshold, msum = 0;
    uint32_t nf = m->view.n_features;
    if (isnan(sev)) continue;
    m->kind->explain(m->model, m->x, m->ev);
    for (uint32_t jf = 0; jf < nf; jf++)
      if (m->ev[jf].contribution > 0) msum += m->ev[jf].contribution;
    for (uint32_t jf = 0; jf < nf; jf++) {
      uint32_t u = m->map[jf];
      const mdl_evidence *ev = &m->ev[jf];
      if (!isnan(ev->deviation) && (isnan(out[u].deviation) || fabs(ev->deviation) > fabs(out[u].deviation))) {
        out[u].expected_lo = ev->expected_lo;
        out[u].expected_hi = ev->expected_hi;
        out[u].deviation = ev->deviation;
      }
      if (msum > 0 && ev->contribution > 0) out[u].contribution += m->weight * sev * ev->contribution / msum;
    }
  }
  for (uint32_t u = 0; u < e->n_features; u++) total += out[u].contribution;
  if (total > 0)
    for (uint32_t u = 0; u < e->n_features; u++) out[u].contribution /= total;
}

static om_status ens_info(const void *p, om_jw *j, om_err *err) {
  const ens_model *e = p;
  om_jw_key(j, "min_votes");
  om_jw_double(j, e->min_votes);
  om_jw_key(j, "members");
  om_jw_begin_array(j);
  for (uint32_t i = 0; i < e->n; i++) {
    om_jw_begin_object(j);
    om_jw_key(j, "kind");
    om_jw_string(j, e->m[i].kind->name);
    om_jw_key(j, "weight");
    om_jw_double(j, e->m[i].weight);
    om_jw_key(j, "threshold");
    om_jw_double(j, e->m[i].threshold);
    om_jw_key(j, "n_features");
    om_jw_int(j, e->m[i].view.n_features);
    om_jw_end_object(j);
  }
  om_jw_end_array(j);
  return OM_OK;
}

/* anomaly_report's members (mdl_kind.h 6): the last row's votes. */
static void ens_report(const void *p, om_jw *j) {
  const ens_model *e = p;
  om_jw_key(j, "min_votes");
  om_jw_double(j, e->min_votes);
  om_jw_key(j, "members");
  om_jw_begin_array(j);
  for (uint32_t i = 0; i < e->n; i++) {
    const ens_member *m = &e->m[i];
    om_jw_begin_object(j);
    om_jw_key(j, "kind");
    om_jw_string(j, m->kind->name);
    om_jw_key(j, "weight");
    om_jw_double(j, m->weight);
    om_jw_key(j, "score");
    om_jw_double(j, m->score);
    om_jw_key(j, "threshold");
    om_jw_double(j, m->threshold);
    om_jw_key(j, "vote");
    if (m->score == m->score) om_jw_bool(j, m->score > m->threshold);
    else om_jw_null(j);
    om_jw_end_object(j);
  }
  om_jw_end_array(j);
}

const mdl_kind_def ens_kind = {
    .code = MDL_KIND_ENSEMBLE,
    .name = "ensemble",
    .payload_version = ENS_FORMAT,
    .payload_oldest = ENS_FORMAT,
    .open = ens_open,
    .close = ens_close,
    .row_prepare = ens_row_prepare,
    .info = ens_info,
    .importance = NULL,
    .anomaly_score = ens_score,
    .anomaly_threshold = ens_threshold,
    .explain = ens_explain,
    .report = ens_report,
};
