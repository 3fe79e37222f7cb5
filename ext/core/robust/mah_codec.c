/*
** mah_codec.c — the Mahalanobis payload (mah.h behaviour 13): encoder,
** validating decoder, the derived scoring state, info.
**
** Payload, version MAH_FORMAT = 1 (integers and doubles little-endian,
** doubles as IEEE-754 bit patterns; p = numeric features):
**
**   offset  size        field
**   0       1           u8 method: 0 empirical, 1 ledoit_wolf, 2 mcd
**   1       7           reserved, 0
**   8       4           u32 n_features: the envelope schema's count
**   12      4           u32 p: the schema's numeric features, 1..MAH_MAX_FEATURES
**   16      8           f64 contamination, 0 < c ≤ 0.5
**   24      8           f64 shrinkage: ledoit_wolf in [0, 1], otherwise 0
**   32      8           u64 n_rows ≥ 1: rows behind μ and Σ (mcd: the reweighted support)
**   40      8           u64 raw_support: mcd 1..sample_rows, otherwise 0
**   48      8           u64 sample_rows: mcd ≥ max(n_rows, raw_support), otherwise 0
**   56      8p          f64 μ[p], numeric features in schema order, finite
**   56+8p   4p(p+1)     f64 Σ's lower triangle row by row (Σ00, Σ10, Σ11, Σ20, ...)
**   total   56 + 8p + 4p(p+1), exactly
**
** Behaviours:
**   1. mah_decode checks, in order: the length against p, the method, the
**      reserved bytes, n_features and p against the schema, the scalars'
**      ranges, the counts, finite μ, then mah_factor_compute on Σ
**      (finite, non-negative diagonal, correlations within ±1, positive
**      semi-definite).  Any failure is OM_CORRUPT "mahalanobis payload is
**      corrupt (<what>)"; only OM_NOMEM and OM_INTERNAL are other results.
**   2. The factor's workspace is released after decoding: a decoded model
**      keeps μ, Σ, σ, the factor (L or the eigenvectors) and P.
**   3. mah_encode writes the fields back: encode(decode(b)) == b.
*/
#include <math.h>
#include <string.h>

#include "../base/fv.h"
#include "mah_impl.h"

#define MAH_HEADER 56

static om_status nomem(om_err *err) { return om_errf(err, OM_NOMEM, "out of memory"); }

void mah_free(mah_model *m) {
  if (!m) return;
  mah_factor_free(&m->f);
  om_free(m->num_idx);
  om_free(m->feat_num);
  om_free(m->mu);
  om_free(m->cov);
  om_free(m);
}

om_status mah_model_alloc(uint32_t n_features, const uint8_t *types, mah_model **out, om_err *err) {
  mah_model *m;
  uint32_t q = 0;
  *out = NULL;
  for (uint32_t i = 0; i < n_features; i++) q += types[i] == FV_NUMERIC;
  m = om_calloc(1, sizeof *m);
  if (!m) return nomem(err);
  m->n_features = n_features;
  m->q = q;
  m->feat_num = om_malloc_array(n_features ? n_features : 1, sizeof(int32_t));
  m->num_idx = om_malloc_array(q ? q : 1, sizeof(uint32_t));
  m->mu = om_calloc(q ? q : 1, sizeof(double));
  m->cov = om_calloc(q ? (size_t)q * q : 1, sizeof(double));
  if (!m->feat_num || !m->num_idx || !m->mu || !m->cov) {
    mah_free(m);
    return nomem(err);
  }
  q = 0;
  for (uint32_t i = 0; i < n_features; i++) {
    m->feat_num[i] = types[i] == FV_NUMERIC ? (int32_t)q : -1;
    if (types[i] == FV_NUMERIC) m->num_idx[q++] = i;
  }
  *out = m;
  return OM_OK;
}

/* Release what scoring does not use (behaviour 2). */
static void factor_trim(mah_factor *f) {
  om_free(f->R);
  om_free(f->work);
  om_free(f->iwork);
  f->R = NULL;
  f->work = NULL;
  f->iwork = NULL;
  if (f->chol) {
    om_free(f->V);
    om_free(f->lam);
    f->V = f->lam = NULL;
  } else {
    om_free(f->L);
    f->L = NULL;
  }
}

om_status mah_model_derive(mah_model *m, om_err *err) {
  om_status st = mah_factor_alloc(&m->f, m->q, 1, err);
  if (st != OM_OK) return st;
  st = mah_factor_compute(&m->f, m->cov, err);
  if (st != OM_OK) {
    mah_factor_free(&m->f);
    return st;
  }
  factor_trim(&m->f);
  m->thr_d2 = m->f.k ? mah_chi2_isf(m->contamination, m->f.k) : INFINITY;
  m->range_c = sqrt(mah_chi2_isf(m->contamination, 1));
  return OM_OK;
}

om_status mah_encode(const mah_model *m, om_wbuf *w) {
  uint32_t q = m->q;
  om_wbuf_u8(w, (uint8_t)m->method);
  om_wbuf_zeros(w, 7);
  om_wbuf_u32(w, m->n_features);
  om_wbuf_u32(w, q);
  om_wbuf_f64(w, m->contamination);
  om_wbuf_f64(w, m->shrinkage);
  om_wbuf_u64(w, m->n_rows);
  om_wbuf_u64(w, m->raw_support);
  om_wbuf_u64(w, m->sample_rows);
  for (uint32_t j = 0; j < q; j++) om_wbuf_f64(w, m->mu[j]);
  for (uint32_t i = 0; i < q; i++)
    for (uint32_t j = 0; j <= i; j++) om_wbuf_f64(w, m->cov[(size_t)i * q + j]);
  return om_wbuf_status(w);
}

static om_status corrupt(om_err *err, const char *what) {
  return om_errf(err, OM_CORRUPT, "mahalanobis payload is corrupt (%s)", what);
}

om_status mah_decode(const uint8_t *payload, size_t n, uint32_t n_features, const uint8_t *types, mah_model **out,
                     om_err *err) {
  om_rbuf r;
  mah_model *m = NULL;
  uint8_t method;
  const uint8_t *reserved;
  uint32_t nf, q, sq = 0;
  om_status st;
  *out = NULL;
  for (uint32_t i = 0; i < n_features; i++) {
    if (types[i] != FV_NUMERIC && types[i] != FV_CATEGORICAL) return corrupt(err, "schema type");
    sq += types[i] == FV_NUMERIC;
  }
  if (n < MAH_HEADER) return corrupt(err, "too short");
  q = om_load_u32(payload + 12);
  if (q == 0 || q > MAH_MAX_FEATURES) return corrupt(err, "numeric feature count");
  if (n != MAH_HEADER + 8 * (size_t)q + 4 * (size_t)q * (q + 1)) return corrupt(err, "length");
  om_rbuf_init(&r, payload, n);
  method = om_rbuf_u8(&r);
  reserved = om_rbuf_bytes(&r, 7);
  if (method > MAH_MCD) return corrupt(err, "method");
  if (!reserved || memcmp(reserved, "\0\0\0\0\0\0\0", 7) != 0) return corrupt(err, "reserved bytes");
  nf = om_rbuf_u32(&r);
  (void)om_rbuf_u32(&r);
  if (nf != n_features || q != sq) return corrupt(err, "feature counts differ from the schema");
  if ((st = mah_model_alloc(n_features, types, &m, err)) != OM_OK) return st;
  m->method = (mah_method)method;
  m->contamination = om_rbuf_f64(&r);
  m->shrinkage = om_rbuf_f64(&r);
  m->n_rows = om_rbuf_u64(&r);
  m->raw_support = om_rbuf_u64(&r);
  m->sample_rows = om_rbuf_u64(&r);
  if (!(m->contamination > 0 && m->contamination <= 0.5)) {
    st = corrupt(err, "contamination");
    goto fail;
  }
  if (method == MAH_LEDOIT_WOLF ? !(m->shrinkage >= 0 && m->shrinkage <= 1) : om_f64_bits(m->shrinkage) != 0) {
    st = corrupt(err, "shrinkage");
    goto fail;
  }
  if (m->n_rows == 0 ||
      (method == MAH_MCD ? (m->raw_support == 0 || m->sample_rows < m->n_rows || m->sample_rows < m->raw_support)
                         : (m->raw_support != 0 || m->sample_rows != 0))) {
    st = corrupt(err, "row counts");
    goto fail;
  }
  for (uint32_t j = 0; j < q; j++) {
    m->mu[j] = om_rbuf_f64(&r);
    if (!isfinite(m->mu[j])) {
      st = corrupt(err, "location");
      goto fail;
    }
  }
  for (uint32_t i = 0; i < q; i++)
    for (uint32_t j = 0; j <= i; j++) {
      double c = om_rbuf_f64(&r);
      m->cov[(size_t)i * q + j] = c;
      m->cov[(size_t)j * q + i] = c;
    }
  if (!om_rbuf_ok(&r) || r.left != 0) {
    st = corrupt(err, "length");
    goto fail;
  }
  st = mah_model_derive(m, err);
  if (st == OM_CORRUPT) {
    om_err inner = *err;
    st = corrupt(err, inner.msg);
  }
  if (st != OM_OK) goto fail;
  *out = m;
  return OM_OK;
fail:
  mah_free(m);
  return st;
}

void mah_get_info(const mah_model *m, mah_info *o) {
  memset(o, 0, sizeof *o);
  o->method = m->method;
  o->n_features = m->n_features;
  o->n_numeric = m->q;
  o->n_constant = m->q - m->f.nv;
  o->rank = m->f.k;
  o->cholesky = m->f.chol;
  o->contamination = m->contamination;
  o->threshold = sqrt(m->thr_d2);
  o->shrinkage = m->shrinkage;
  o->n_rows = m->n_rows;
  o->raw_support = m->raw_support;
  o->sample_rows = m->sample_rows;
}

const double *mah_location(const mah_model *m) { return m->mu; }
const double *mah_covariance(const mah_model *m) { return m->cov; }
uint32_t mah_numeric_feature(const mah_model *m, uint32_t j) { return j < m->q ? m->num_idx[j] : UINT32_MAX; }

void mah_info_json(const mah_model *m, om_jw *j) {
  mah_info in;
  mah_get_info(m, &in);
  om_jw_key(j, "method");
  om_jw_string(j, mah_method_name(in.method));
  om_jw_key(j, "numeric_features");
  om_jw_uint(j, in.n_numeric);
  om_jw_key(j, "constant_features");
  om_jw_uint(j, in.n_constant);
  om_jw_key(j, "rank");
  om_jw_uint(j, in.rank);
  om_jw_key(j, "cholesky");
  om_jw_bool(j, in.cholesky);
  om_jw_key(j, "contamination");
  om_jw_double(j, in.contamination);
  om_jw_key(j, "threshold");
  if (isfinite(in.threshold)) om_jw_double(j, in.threshold);
  else om_jw_null(j);
  om_jw_key(j, "rows");
  om_jw_uint(j, in.n_rows);
  if (in.method == MAH_LEDOIT_WOLF) {
    om_jw_key(j, "shrinkage");
    om_jw_double(j, in.shrinkage);
  }
  if (in.method == MAH_MCD) {
    om_jw_key(j, "raw_support");
    om_jw_uint(j, in.raw_support);
    om_jw_key(j, "sample_rows");
    om_jw_uint(j, in.sample_rows);
  }
}
