/*
** mah_state.c — the mahalanobis_state accumulator, merge, codec and the
** model of merged states (mah_state.h behaviours 1-7).
*/
#include "mah_state.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/fv.h"
#include "../base/mdl_kind.h"

static om_status nomem(om_err *err) { return om_errf(err, OM_NOMEM, "out of memory"); }

void mah_state_init(mah_state *s, const mah_options *o) {
  memset(s, 0, sizeof *s);
  mah_options_default(&s->o);
  if (o) {
    s->o.method = o->method;
    s->o.contamination = o->contamination;
    s->o.seed = o->seed;
  }
}

void mah_state_free(mah_state *s) {
  if (!s) return;
  for (uint32_t i = 0; i < s->n_features; i++) om_free((void *)s->feats[i].name);
  om_free(s->feats);
  om_free(s->types);
  mah_accum_free(s->acc);
  memset(s, 0, sizeof *s);
}

om_status mah_state_set_schema(mah_state *s, const mdl_feature *feats, uint32_t n, om_err *err) {
  om_status st;
  if (s->feats) return om_errf(err, OM_INTERNAL, "mahalanobis_state schema set twice");
  if (n == 0) return om_errf(err, OM_INVALID, "no feature");
  s->feats = om_calloc(n, sizeof *s->feats);
  s->types = om_malloc(n);
  if (!s->feats || !s->types) goto oom;
  s->n_features = n;
  for (uint32_t i = 0; i < n; i++) {
    char *name = om_malloc(feats[i].name_len ? feats[i].name_len : 1);
    if (!name) goto oom;
    memcpy(name, feats[i].name, feats[i].name_len);
    s->feats[i].name = name;
    s->feats[i].name_len = feats[i].name_len;
    s->feats[i].type = feats[i].type;
    s->types[i] = feats[i].type;
  }
  st = mah_accum_init(&s->o, n, s->types, &s->acc, err);
  if (st != OM_OK) goto fail;
  return OM_OK;
oom:
  st = nomem(err);
fail:
  for (uint32_t i = 0; i < s->n_features; i++) om_free((void *)s->feats[i].name);
  om_free(s->feats);
  om_free(s->types);
  s->feats = NULL;
  s->types = NULL;
  s->n_features = 0;
  return st;
}

om_status mah_state_add(mah_state *s, const double *num, const uint8_t *missing, om_err *err) {
  if (!s->acc) return om_errf(err, OM_INTERNAL, "mahalanobis_state has no schema");
  return mah_accum_add(s->acc, num, missing, err);
}

void mah_state_skip(mah_state *s) { s->null_rows++; }

uint64_t mah_state_rows_used(const mah_state *s) { return s->acc ? mah_accum_rows_used(s->acc) : 0; }

uint64_t mah_state_rows_skipped(const mah_state *s) {
  return s->null_rows + (s->acc ? mah_accum_rows_skipped(s->acc) : 0);
}

/* ---------------------------------------------------------------- merge */

static const char *type_word(uint8_t t) { return t == FV_CATEGORICAL ? "categorical" : "numeric"; }

/* The shortest of %.15g / %.17g that reads back as x. */
static void shortest(double x, char *buf, size_t n) {
  snprintf(buf, n, "%.15g", x);
  if (strtod(buf, NULL) != x) snprintf(buf, n, "%.17g", x);
}

om_status mah_state_merge(mah_state *dst, mah_state *src, om_err *err) {
  mah_moments m;
  om_status st;
  if (dst->o.method != src->o.method || dst->o.contamination != src->o.contamination || dst->o.seed != src->o.seed) {
    char c1[32], c2[32];
    shortest(dst->o.contamination, c1, sizeof c1);
    shortest(src->o.contamination, c2, sizeof c2);
    return om_errf(err, OM_INVALID,
                   "states have different options: method '%s', contamination %s, seed %llu and method '%s', "
                   "contamination %s, seed %llu; merge states made with the same options",
                   mah_method_name(dst->o.method), c1, (unsigned long long)dst->o.seed, mah_method_name(src->o.method),
                   c2, (unsigned long long)src->o.seed);
  }
  if (dst->null_rows > UINT64_MAX - src->null_rows) return om_errf(err, OM_INVALID, "too many rows");
  if (dst->feats && src->feats) { /* the same names and types (behaviour 2) */
    uint32_t a = 0, b = 0;
    while (a < dst->n_features || b < src->n_features) {
      int c = a == dst->n_features   ? 1
              : b == src->n_features ? -1
                                     : fv_name_cmp(dst->feats[a].name, dst->feats[a].name_len, src->feats[b].name,
                                                   src->feats[b].name_len);
      if (c != 0) {
        const mdl_feature *f = c < 0 ? &dst->feats[a] : &src->feats[b];
        return om_errf(err, OM_INVALID, "states have different features: '%.*s' is in one and not the other",
                       (int)f->name_len, f->name);
      }
      if (dst->types[a] != src->types[b])
        return om_errf(err, OM_INVALID, "states have different features: '%.*s' is %s in one and %s in the other",
                       (int)dst->feats[a].name_len, dst->feats[a].name, type_word(dst->types[a]),
                       type_word(src->types[b]));
      a++, b++;
    }
  } else if (!dst->feats && src->feats) {
    if ((st = mah_state_set_schema(dst, src->feats, src->n_features, err)) != OM_OK) return st;
  }
  if (src->acc) {
    if ((st = mah_accum_moments(src->acc, &m, err)) != OM_OK) return st;
    if ((st = mah_accum_merge(dst->acc, &m, err)) != OM_OK) return st;
  }
  dst->null_rows += src->null_rows;
  return OM_OK;
}

/* ---------------------------------------------------------------- model */

static om_status options_json(const mah_state *s, om_wbuf *w, om_err *err) {
  uint32_t q = 0;
  for (uint32_t i = 0; i < s->n_features; i++) q += s->types[i] == FV_NUMERIC;
  mah_options_json(&s->o, q, w);
  return om_wbuf_status(w) == OM_OK ? OM_OK : nomem(err);
}

om_status mah_state_model(mah_state *s, const om_interrupt *it, om_wbuf *w, om_err *err) {
  om_wbuf payload, metrics, opts;
  mdl_meta meta;
  om_status st;
  if (!s->acc) return om_errf(err, OM_INVALID, "no rows to fit");
  om_wbuf_init(&payload);
  om_wbuf_init(&metrics);
  om_wbuf_init(&opts);
  st = mah_accum_finish(s->acc, it, &payload, &metrics, err);
  if (st != OM_OK) goto done;
  if ((st = options_json(s, &opts, err)) != OM_OK) goto done;
  memset(&meta, 0, sizeof meta);
  meta.rows_used = mah_state_rows_used(s);
  meta.rows_skipped = mah_state_rows_skipped(s);
  meta.seed = s->o.seed;
  meta.options_json = (const char *)opts.data;
  meta.options_len = opts.len;
  meta.metrics_json = (const char *)metrics.data;
  meta.metrics_len = metrics.len;
  st = mdl_write(w, MDL_KIND_MAHALANOBIS, MAH_FORMAT, s->feats, s->n_features, &meta, payload.data,
                 payload.len, err);
done:
  om_wbuf_free(&payload);
  om_wbuf_free(&metrics);
  om_wbuf_free(&opts);
  return st;
}

/* ---------------------------------------------------------------- codec */

om_status mah_state_encode(mah_state *s, om_wbuf *w, om_err *err) {
  mah_moments m;
  om_status st;
  uint32_t q = 0;
  memset(&m, 0, sizeof m);
  if (s->acc) {
    if ((st = mah_accum_moments(s->acc, &m, err)) != OM_OK) return st;
    q = m.q;
  }
  om_wbuf_u8(w, (uint8_t)s->o.method);
  om_wbuf_zeros(w, 7);
  om_wbuf_f64(w, s->o.contamination);
  om_wbuf_u64(w, s->o.seed);
  om_wbuf_u64(w, mah_state_rows_used(s));
  om_wbuf_u64(w, mah_state_rows_skipped(s));
  om_wbuf_u64(w, m.rows_skipped);
  om_wbuf_u32(w, s->n_features);
  om_wbuf_u32(w, q);
  if (m.rows_used) {
    for (uint32_t j = 0; j < q; j++) om_wbuf_f64(w, m.first[j]);
    for (uint32_t j = 0; j < q; j++) om_wbuf_f64(w, m.mean[j]);
    for (uint32_t i = 0; i < q; i++)
      for (uint32_t j = 0; j <= i; j++) om_wbuf_f64(w, m.M2[(size_t)i * q + j]);
    if (s->o.method == MAH_LEDOIT_WOLF) {
      om_wbuf_f64(w, m.M4);
      for (uint32_t j = 0; j < q; j++) om_wbuf_f64(w, m.T[j]);
    }
    for (uint32_t j = 0; j < q; j++) om_wbuf_u8(w, m.varies[j] ? 1 : 0);
  }
  return om_wbuf_status(w) == OM_OK ? OM_OK : nomem(err);
}

#define CORRUPT(why) om_errf(err, OM_CORRUPT, "mahalanobis_state payload is corrupt (%s)", why)

om_status mah_state_decode(const mdl_view *v, mah_state *out, om_err *err) {
  om_rbuf r;
  uint8_t method;
  const uint8_t *res;
  uint32_t nf, q, nq = 0;
  uint64_t rows_used, rows_skipped, incomplete;
  mah_options o;
  mah_moments m;
  double *buf = NULL;
  uint8_t *varies = NULL;
  om_status st = OM_OK;
  memset(out, 0, sizeof *out);
  memset(&m, 0, sizeof m);
  mah_options_default(&o);
  om_rbuf_init(&r, v->payload, v->payload_len);
  method = om_rbuf_u8(&r);
  res = om_rbuf_bytes(&r, 7);
  o.contamination = om_rbuf_f64(&r);
  o.seed = om_rbuf_u64(&r);
  rows_used = om_rbuf_u64(&r);
  rows_skipped = om_rbuf_u64(&r);
  incomplete = om_rbuf_u64(&r);
  nf = om_rbuf_u32(&r);
  q = om_rbuf_u32(&r);
  if (!om_rbuf_ok(&r) || !res) return CORRUPT("truncated");
  if (method > MAH_LEDOIT_WOLF) return CORRUPT("bad method");
  for (int i = 0; i < 7; i++)
    if (res[i]) return CORRUPT("non-zero reserved bytes");
  o.method = (mah_method)method;
  if (!(o.contamination > 0 && o.contamination <= 0.5) || o.seed > (UINT64_C(1) << 53))
    return CORRUPT("options out of range");
  if (nf != v->n_features) return CORRUPT("feature count differs from the schema");
  for (uint32_t i = 0; i < nf; i++) {
    if (v->features[i].type != FV_NUMERIC && v->features[i].type != FV_CATEGORICAL)
      return CORRUPT("bad feature type");
    nq += v->features[i].type == FV_NUMERIC;
  }
  if (q != nq || (nf && q == 0) || q > MAH_MAX_FEATURES) return CORRUPT("numeric feature count differs from the schema");
  if (rows_used != v->meta.rows_used || rows_skipped != v->meta.rows_skipped || rows_used > (uint64_t)INT64_MAX ||
      o.seed != v->meta.seed)
    return CORRUPT("row counts or seed differ from the envelope");
  if (incomplete > rows_skipped || (nf == 0 && (rows_used || incomplete))) return CORRUPT("bad row counts");
  mah_state_init(out, &o);
  if (nf == 0) {
    if (r.left) return CORRUPT("trailing bytes");
    out->null_rows = rows_skipped;
    return OM_OK;
  }
  if ((st = mah_state_set_schema(out, v->features, nf, err)) != OM_OK) {
    if (st != OM_NOMEM) st = CORRUPT(err->msg);
    goto fail;
  }
  m.q = q;
  m.rows_used = rows_used;
  m.rows_skipped = incomplete;
  out->null_rows = rows_skipped - incomplete;
  if (rows_used) {
    size_t tri = (size_t)q * (q + 1) / 2, nd = 2 * (size_t)q + (size_t)q * q;
    size_t want = 8 * (2 * (size_t)q + tri) + (o.method == MAH_LEDOIT_WOLF ? 8 * ((size_t)q + 1) : 0) + q;
    if (r.left != want) {
      st = CORRUPT(r.left < want ? "truncated" : "trailing bytes");
      goto fail;
    }
    if (o.method == MAH_LEDOIT_WOLF) nd += q;
    buf = om_calloc(nd, sizeof(double));
    varies = om_malloc(q);
    if (!buf || !varies) {
      st = nomem(err);
      goto fail;
    }
    m.first = buf;
    m.mean = buf + q;
    m.M2 = buf + 2 * (size_t)q;
    m.T = o.method == MAH_LEDOIT_WOLF ? buf + 2 * (size_t)q + (size_t)q * q : NULL;
    m.varies = varies;
    for (uint32_t j = 0; j < q; j++) m.first[j] = om_rbuf_f64(&r);
    for (uint32_t j = 0; j < q; j++) m.mean[j] = om_rbuf_f64(&r);
    for (uint32_t i = 0; i < q; i++)
      for (uint32_t j = 0; j <= i; j++) m.M2[(size_t)i * q + j] = om_rbuf_f64(&r);
    if (m.T) {
      m.M4 = om_rbuf_f64(&r);
      for (uint32_t j = 0; j < q; j++) m.T[j] = om_rbuf_f64(&r);
    }
    for (uint32_t j = 0; j < q; j++) varies[j] = om_rbuf_u8(&r);
    if (!om_rbuf_ok(&r) || r.left) {
      st = CORRUPT("truncated");
      goto fail;
    }
    for (uint32_t j = 0; j < q; j++) {
      double d = m.M2[(size_t)j * q + j];
      if (!isfinite(m.first[j]) || !isfinite(m.mean[j]) || (m.T && !isfinite(m.T[j]))) {
        st = CORRUPT("a number is not finite");
        goto fail;
      }
      if (!(d >= 0) || !isfinite(d)) {
        st = CORRUPT("a co-moment diagonal is negative or not finite");
        goto fail;
      }
      if (varies[j] > 1) {
        st = CORRUPT("bad constant flag");
        goto fail;
      }
      if (!varies[j] && (d != 0 || m.mean[j] != m.first[j])) {
        st = CORRUPT("a constant feature has a spread");
        goto fail;
      }
    }
    for (uint32_t i = 0; i < q; i++)
      for (uint32_t j = 0; j < i; j++) {
        double c = m.M2[(size_t)i * q + j], bound = sqrt(m.M2[(size_t)i * q + i]) * sqrt(m.M2[(size_t)j * q + j]);
        if (!isfinite(c) || !(fabs(c) <= bound * (1 + 1e-9) + 1e-300)) {
          st = CORRUPT("a co-moment exceeds its variances");
          goto fail;
        }
      }
    if (m.T && (!isfinite(m.M4) || !(m.M4 >= 0))) {
      st = CORRUPT("the fourth moment is negative or not finite");
      goto fail;
    }
  } else if (r.left) {
    st = CORRUPT("trailing bytes");
    goto fail;
  }
  if ((st = mah_accum_merge(out->acc, &m, err)) != OM_OK) {
    if (st != OM_NOMEM) st = CORRUPT(err->msg);
    goto fail;
  }
  om_free(buf);
  om_free(varies);
  return OM_OK;
fail:
  om_free(buf);
  om_free(varies);
  mah_state_free(out);
  return st;
}

om_status mah_state_write(mah_state *s, om_wbuf *w, om_err *err) {
  om_wbuf pay, opt;
  mdl_meta meta;
  om_status st;
  om_wbuf_init(&pay);
  om_wbuf_init(&opt);
  if ((st = mah_state_encode(s, &pay, err)) != OM_OK) goto done;
  if ((st = options_json(s, &opt, err)) != OM_OK) goto done;
  memset(&meta, 0, sizeof meta);
  meta.rows_used = mah_state_rows_used(s);
  meta.rows_skipped = mah_state_rows_skipped(s);
  meta.seed = s->o.seed;
  meta.options_json = (const char *)opt.data;
  meta.options_len = opt.len;
  st = mdl_write(w, MDL_KIND_MAHALANOBIS_STATE, MAH_STATE_PAYLOAD_VERSION, s->feats, s->n_features, &meta, pay.data,
                 pay.len, err);
done:
  om_wbuf_free(&pay);
  om_wbuf_free(&opt);
  return st;
}

om_status mah_state_info(mah_state *s, om_jw *j, om_err *err) {
  uint32_t q = 0;
  (void)err;
  for (uint32_t i = 0; i < s->n_features; i++) q += s->types[i] == FV_NUMERIC;
  om_jw_key(j, "method");
  om_jw_string(j, mah_method_name(s->o.method));
  om_jw_key(j, "contamination");
  om_jw_double(j, s->o.contamination);
  om_jw_key(j, "seed");
  om_jw_uint(j, s->o.seed);
  om_jw_key(j, "numeric_features");
  om_jw_uint(j, q);
  om_jw_key(j, "ignored_features");
  om_jw_uint(j, s->n_features - q);
  om_jw_key(j, "rows");
  om_jw_uint(j, mah_state_rows_used(s));
  return OM_OK;
}
