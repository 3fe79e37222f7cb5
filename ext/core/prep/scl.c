/*
** scl.c — training and applying scaler models; the spec is in scl.h.
*/
#include "scl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../base/fv.h"
#include "../base/om_json.h"

const char *scl_method_name(scl_method m) {
  switch (m) {
  case SCL_STANDARD: return "standard";
  case SCL_ROBUST: return "robust";
  case SCL_MINMAX: return "minmax";
  }
  return "unknown";
}

int scl_method_parse(const char *s, size_t n, scl_method *out) {
  for (int m = SCL_STANDARD; m <= SCL_MINMAX; m++) {
    const char *name = scl_method_name((scl_method)m);
    if (strlen(name) == n && memcmp(name, s, n) == 0) {
      *out = (scl_method)m;
      return 0;
    }
  }
  return 1;
}

void scl_accum_init(scl_accum *a, scl_method method) {
  memset(a, 0, sizeof *a);
  a->method = method;
}

void scl_accum_free(scl_accum *a) {
  for (size_t i = 0; i < a->n_feats; i++) {
    om_free(a->feats[i].name);
    om_free(a->feats[i].vals);
    om_free(a->feats[i].sums);
  }
  om_free(a->feats);
  mdl_pb_free(a->prof);
  memset(a, 0, sizeof *a);
}

/* Insert a new feature at position pos of the sorted array. */
static om_status feat_insert(scl_accum *a, size_t pos, const fv_entry *e, om_err *err) {
  scl_feat *f;
  if (a->n_feats == a->cap) {
    size_t cap = a->cap ? a->cap * 2 : 16;
    scl_feat *p = om_realloc(a->feats, cap * sizeof *p);
    if (!p) return om_errf(err, OM_NOMEM, "out of memory");
    a->feats = p;
    a->cap = cap;
  }
  memmove(a->feats + pos + 1, a->feats + pos, (a->n_feats - pos) * sizeof *a->feats);
  f = &a->feats[pos];
  memset(f, 0, sizeof *f);
  a->n_feats++;
  f->name = om_malloc(e->name_len);
  if (!f->name) {
    memmove(a->feats + pos, a->feats + pos + 1, (a->n_feats - pos - 1) * sizeof *a->feats);
    a->n_feats--;
    return om_errf(err, OM_NOMEM, "out of memory");
  }
  memcpy(f->name, e->name, e->name_len);
  f->name_len = e->name_len;
  f->min = INFINITY;
  f->max = -INFINITY;
  f->prof = MDL_PB_NONE;
  return OM_OK;
}

static om_status feat_add(scl_accum *a, scl_feat *f, const fv_entry *e, om_err *err) {
  om_status st;
  if (e->type == FV_MISSING) return OM_OK;
  if (f->type == 0) {
    if ((st = mdl_pb_feature(a->prof, (uint8_t)e->type, &f->prof, err)) != OM_OK) return st;
    f->type = (uint8_t)e->type;
  } else if (f->type != e->type)
    return om_errf(err, OM_INVALID, "feature \"%.*s\" is %s in one row and %s in another", (int)f->name_len, f->name,
                   fv_type_name((fv_type)f->type), fv_type_name(e->type));
  if (e->type != FV_NUMERIC) return mdl_pb_cat(a->prof, f->prof, e->cat, err); /* point 7 */
  if ((st = mdl_pb_num(a->prof, f->prof, e->num, err)) != OM_OK) return st;
  if (a->method == SCL_STANDARD) { /* point 2: exact sums */
    if (!f->sums && !(f->sums = om_calloc(1, sizeof *f->sums))) return om_errf(err, OM_NOMEM, "out of memory");
    if ((st = om_xsum_add(f->sums, e->num, err)) != OM_OK) return st;
  }
  f->n++;
  if (e->num < f->min) f->min = e->num;
  if (e->num > f->max) f->max = e->num;
  if (a->method == SCL_ROBUST) {
    if (f->n > f->cap) {
      size_t cap = f->cap ? f->cap * 2 : 64;
      double *p = om_realloc(f->vals, cap * sizeof *p);
      if (!p) {
        f->n--;
        return om_errf(err, OM_NOMEM, "out of memory");
      }
      f->vals = p;
      f->cap = cap;
    }
    f->vals[f->n - 1] = e->num;
  }
  return OM_OK;
}

om_status scl_accum_add(scl_accum *a, const void *blob, size_t n, om_err *err) {
  fv_reader it;
  fv_entry e;
  om_status st;
  size_t pos = 0;
  if ((st = fv_open(&it, blob, n, err)) != OM_OK) return st;
  /* Validate the whole vector first so a corrupt row changes nothing. */
  if ((st = fv_validate(blob, n, err)) != OM_OK) return st;
  if (!a->prof && (st = mdl_pb_new(&a->prof, err)) != OM_OK) return st;
  while (fv_next(&it, &e, &st, err)) {
    int c = 1;
    while (pos < a->n_feats && (c = fv_name_cmp(a->feats[pos].name, a->feats[pos].name_len, e.name, e.name_len)) < 0)
      pos++;
    if (pos == a->n_feats || c != 0) {
      if (a->n_feats >= FV_MAX_COUNT)
        return om_errf(err, OM_INVALID, "more than %d distinct features", FV_MAX_COUNT);
      if ((st = feat_insert(a, pos, &e, err)) != OM_OK) return st;
    }
    if ((st = feat_add(a, &a->feats[pos], &e, err)) != OM_OK) return st;
    pos++;
  }
  if (st != OM_OK) return st;
  mdl_pb_rows(a->prof, 1);
  a->rows_used++;
  return OM_OK;
}

static int cmp_double(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return (a > b) - (a < b);
}

/* numpy.percentile(..., method='linear') on sorted v[0..n-1], 0 <= q <= 1. */
static double percentile_sorted(const double *v, uint64_t n, double q) {
  double pos = q * (double)(n - 1), frac;
  uint64_t lo = (uint64_t)pos;
  if (lo >= n - 1) return v[n - 1];
  frac = pos - (double)lo;
  {
    double r = v[lo] + frac * (v[lo + 1] - v[lo]);
    /* v[lo + 1] − v[lo] overflows only for neighbours of opposite signs */
    return isfinite(r) ? r : (1 - frac) * v[lo] + frac * v[lo + 1];
  }
}

om_status scl_feature_fit(scl_method method, om_xsum *sums, double min, double max, const double *sorted, uint64_t n,
                          const char *name, size_t len, double *center, double *scale, om_err *err) {
  *center = 0;
  *scale = 1;
  if (n == 0) return OM_OK;
  switch (method) {
  case SCL_STANDARD:
    if (!sums || sums->n != (int64_t)n) return om_errf(err, OM_INTERNAL, "scaler sums do not match the count");
    om_xsum_mean_sd(sums, 0, center, scale); /* point 2 */
    break;
  case SCL_ROBUST:
    *center = percentile_sorted(sorted, n, 0.5);
    *scale = percentile_sorted(sorted, n, 0.75) - percentile_sorted(sorted, n, 0.25);
    break;
  case SCL_MINMAX:
    *center = min;
    *scale = max - min;
    break;
  }
  if (!isfinite(*center) || !isfinite(*scale))
    return om_errf(err, OM_INVALID,
                   "feature \"%.*s\" has values too large to scale (its %s is beyond ±1.8e308; rescale the feature)",
                   (int)len, name, !isfinite(*center) ? "center" : "scale");
  if (!(*scale > 0)) *scale = 1;
  return OM_OK;
}

om_status scl_write_model(om_wbuf *w, scl_method method, const mdl_feature *feats, uint32_t nf, const double *center,
                          const double *scale, uint64_t rows_used, uint64_t rows_skipped, const mdl_profile *prof,
                          om_err *err) {
  om_wbuf payload, opts;
  om_jw j;
  mdl_meta meta;
  om_status st;
  om_wbuf_init(&payload);
  om_wbuf_init(&opts);
  om_wbuf_u8(&payload, (uint8_t)method);
  om_wbuf_zeros(&payload, 7);
  for (uint32_t i = 0; i < nf; i++) {
    om_wbuf_f64(&payload, center[i]);
    om_wbuf_f64(&payload, scale[i]);
  }
  om_jw_init(&j, &opts);
  om_jw_begin_object(&j);
  om_jw_key(&j, "method");
  om_jw_string(&j, scl_method_name(method));
  om_jw_end_object(&j);
  if (om_wbuf_status(&payload) != OM_OK || om_wbuf_status(&opts) != OM_OK) {
    st = om_errf(err, OM_NOMEM, "out of memory");
    goto done;
  }
  memset(&meta, 0, sizeof meta);
  meta.rows_used = rows_used;
  meta.rows_skipped = rows_skipped;
  meta.options_json = (const char *)opts.data;
  meta.options_len = opts.len;
  st = mdl_write_profiled(w, MDL_KIND_SCALER, SCL_PAYLOAD_VERSION, feats, nf, &meta, prof, payload.data, payload.len,
                          err);
  if (st == OM_OK) { /* point 6 */
    scl_model m;
    om_err inner;
    st = scl_model_open(w->data, w->len, &m, &inner);
    if (st == OM_NOMEM) st = om_errf(err, OM_NOMEM, "out of memory");
    else if (st != OM_OK) st = om_errf(err, OM_INVALID, "the trained scaler would not load (%s)", inner.msg);
    else scl_model_free(&m);
  }
done:
  om_wbuf_free(&payload);
  om_wbuf_free(&opts);
  return st;
}

om_status scl_accum_finish(scl_accum *a, om_wbuf *w, om_err *err) {
  mdl_feature *feats = NULL;
  uint32_t *slots = NULL;
  double *center = NULL, *scale = NULL;
  mdl_profile prof;
  om_status st = OM_OK;
  size_t i;
  memset(&prof, 0, sizeof prof);
  if (a->n_feats) {
    feats = om_calloc(a->n_feats, sizeof *feats);
    slots = om_calloc(a->n_feats, sizeof *slots);
    center = om_malloc_array(a->n_feats, 2 * sizeof *center);
    if (!feats || !slots || !center) {
      st = om_errf(err, OM_NOMEM, "out of memory");
      goto done;
    }
    scale = center + a->n_feats;
  }
  for (i = 0; i < a->n_feats; i++) {
    scl_feat *f = &a->feats[i];
    if (f->type == 0) f->type = FV_NUMERIC;
    feats[i].name = f->name;
    feats[i].name_len = f->name_len;
    feats[i].type = f->type;
    slots[i] = f->prof;
    center[i] = 0;
    scale[i] = 1;
    if (f->type == FV_NUMERIC && f->n > 0) {
      if (a->method == SCL_ROBUST) qsort(f->vals, (size_t)f->n, sizeof *f->vals, cmp_double);
      st = scl_feature_fit(a->method, f->sums, f->min, f->max, f->vals, f->n, f->name, f->name_len, &center[i],
                           &scale[i], err);
      if (st != OM_OK) goto done;
    }
  }
  if (a->prof) st = mdl_pb_finish(a->prof, feats, slots, (uint32_t)a->n_feats, &prof, err);
  if (st == OM_OK)
    st = scl_write_model(w, a->method, feats, (uint32_t)a->n_feats, center, scale, a->rows_used, a->rows_skipped,
                         a->prof ? &prof : NULL, err);
done:
  mdl_profile_free(&prof);
  om_free(feats);
  om_free(slots);
  om_free(center);
  return st;
}

om_status scl_model_from_view(mdl_view *v, scl_model *m, om_err *err) {
  om_rbuf r;
  uint8_t method;
  const uint8_t *reserved;
  om_status st;
  memset(m, 0, sizeof *m);
  m->view = *v;
  memset(v, 0, sizeof *v);
  if (m->view.kind != MDL_KIND_SCALER) {
    if (mdl_kind_name(m->view.kind))
      st = om_errf(err, OM_INVALID, "model is a %s model; expected a scaler model", mdl_kind_name(m->view.kind));
    else
      st = om_errf(err, OM_INVALID, "model has unknown kind %u; expected a scaler model", m->view.kind);
    goto fail;
  }
  if (m->view.payload_version != SCL_PAYLOAD_VERSION) {
    st = om_errf(err, OM_UNSUPPORTED_VERSION, "scaler payload version %u is not supported (this build reads %d)",
                 m->view.payload_version, SCL_PAYLOAD_VERSION);
    goto fail;
  }
  om_rbuf_init(&r, m->view.payload, m->view.payload_len);
  method = om_rbuf_u8(&r);
  reserved = om_rbuf_bytes(&r, 7);
  if (!reserved || method > SCL_MINMAX || memcmp(reserved, "\0\0\0\0\0\0\0", 7) != 0 ||
      r.left != (size_t)m->view.n_features * 16) {
    st = om_errf(err, OM_CORRUPT, "scaler payload is corrupt");
    goto fail;
  }
  m->method = (scl_method)method;
  if (m->view.n_features) {
    m->center = om_malloc_array(m->view.n_features, 2 * sizeof(double));
    if (!m->center) {
      st = om_errf(err, OM_NOMEM, "out of memory");
      goto fail;
    }
    m->scale = m->center + m->view.n_features;
  }
  for (uint32_t i = 0; i < m->view.n_features; i++) {
    m->center[i] = om_rbuf_f64(&r);
    m->scale[i] = om_rbuf_f64(&r);
    if (!isfinite(m->center[i]) || !isfinite(m->scale[i]) || !(m->scale[i] > 0)) {
      st = om_errf(err, OM_CORRUPT, "scaler payload is corrupt (feature %u)", i + 1);
      goto fail;
    }
  }
  return OM_OK;
fail:
  scl_model_free(m);
  return st;
}

om_status scl_model_open(const uint8_t *blob, size_t n, scl_model *m, om_err *err) {
  mdl_view v;
  om_status st = mdl_open(blob, n, &v, err);
  if (st != OM_OK) {
    memset(m, 0, sizeof *m);
    return st;
  }
  return scl_model_from_view(&v, m, err);
}

void scl_model_free(scl_model *m) {
  om_free(m->center);
  mdl_view_free(&m->view);
  memset(m, 0, sizeof *m);
}

om_status scl_transform(const scl_model *m, const void *blob, size_t n, om_wbuf *w, om_err *err) {
  fv_reader it;
  fv_entry e;
  om_status st;
  uint32_t pos = 0;
  const mdl_view *v = &m->view;
  if ((st = fv_open(&it, blob, n, err)) != OM_OK) return st;
  fv_write_header(w, (uint16_t)it.count);
  while (fv_next(&it, &e, &st, err)) {
    int c = 1;
    while (pos < v->n_features &&
           (c = fv_name_cmp(v->features[pos].name, v->features[pos].name_len, e.name, e.name_len)) < 0)
      pos++;
    if (pos < v->n_features && c == 0 && e.type != FV_MISSING) {
      if (e.type != v->features[pos].type)
        return om_errf(err, OM_INVALID, "feature \"%.*s\" is %s but the model has it %s", (int)e.name_len, e.name,
                       fv_type_name(e.type), fv_type_name((fv_type)v->features[pos].type));
      if (e.type == FV_NUMERIC) {
        double x = e.num;
        e.num = (x - m->center[pos]) / m->scale[pos];
        /* x − center overflows only for huge values of opposite signs */
        if (!isfinite(e.num)) e.num = x / m->scale[pos] - m->center[pos] / m->scale[pos];
        if (!isfinite(e.num))
          return om_errf(err, OM_INVALID, "scaled value of \"%.*s\" is not finite", (int)e.name_len, e.name);
      }
    }
    fv_write_entry(w, &e);
  }
  if (st != OM_OK) return st;
  return om_wbuf_status(w) == OM_OK ? OM_OK : om_errf(err, OM_NOMEM, "out of memory");
}
