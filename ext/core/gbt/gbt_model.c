/*
** gbt_model.c — the model object: allocation, freeing, accessors, feature
** importance and the stored calibration residuals.
**
**   1. gbt_model_set_residuals keeps all n residuals when n ≤ GBT_RESID_MAX,
**      else the order statistics at 0-based ranks round(j·(n−1)/511),
**      j = 0..511 (both ends included).
**   2. gbt_residual_quantile(q): conformal rank k = ceil((n+1)q) for q ≥ 0.5
**      (+inf when k > n), floor((n+1)q) below 0.5 (−inf when k < 1); the
**      order statistic of rank k is read from the stored sample, linearly
**      interpolated between the two stored ranks around it when the sample
**      is thinned.  NaN without residuals or for q outside (0, 1).
**   3. Importance sums over the kept trees; splits are counted from nodes.
*/
#include "gbt.h"

#include <math.h>
#include <string.h>

gbt_model *gbt_model_alloc(uint32_t n_features) {
  gbt_model *m = om_calloc(1, sizeof *m);
  if (!m) return NULL;
  m->n_features = n_features;
  m->valid_metric = NAN;
  m->offset_feature = GBT_NO_OFFSET;
  m->is_cat = om_calloc(n_features, 1);
  m->imp_gain = om_calloc(n_features, sizeof(double));
  m->imp_cover = om_calloc(n_features, sizeof(double));
  if (!m->is_cat || !m->imp_gain || !m->imp_cover) {
    gbt_free(m);
    return NULL;
  }
  return m;
}

void gbt_free(gbt_model *m) {
  if (!m) return;
  om_free(m->is_cat);
  om_free(m->tree_off);
  om_free(m->tree_depth);
  om_free(m->nodes);
  om_free(m->cat_hashes);
  om_free(m->resid);
  om_free(m->imp_gain);
  om_free(m->imp_cover);
  om_free(m->cover);
  om_free(m->shap_imp);
  gbt_model_index_free(m);
  om_free(m);
}

om_status gbt_model_set_residuals(gbt_model *m, const double *sorted, size_t n) {
  uint32_t k = n > GBT_RESID_MAX ? GBT_RESID_MAX : (uint32_t)n;
  double *r;
  if (n == 0) return OM_OK;
  r = om_malloc_array(k, sizeof *r);
  if (!r) return OM_NOMEM;
  if (k == n)
    for (size_t i = 0; i < n; i++)
      r[i] = sorted[i];
  else
    for (uint32_t j = 0; j < k; j++)
      r[j] = sorted[(size_t)llround((double)j * (double)(n - 1) / (double)(k - 1))];
  om_free(m->resid);
  m->resid = r;
  m->n_resid = k;
  m->n_calib = n;
  return OM_OK;
}

double gbt_residual_quantile(const gbt_model *m, double q) {
  uint64_t n = m->n_calib;
  double kq, pos, frac;
  uint64_t k, t;
  size_t lo;
  if (n == 0 || m->n_resid == 0 || !(q > 0 && q < 1)) return NAN;
  kq = (double)(n + 1) * q;
  if (q >= 0.5) {
    kq = ceil(kq);
    if (kq > (double)n) return INFINITY;
  } else {
    kq = floor(kq);
    if (kq < 1) return -INFINITY;
  }
  k = (uint64_t)kq;
  t = k - 1;
  if (m->n_resid == n) return m->resid[t];
  pos = (double)t * (double)(m->n_resid - 1) / (double)(n - 1);
  lo = (size_t)floor(pos);
  if (lo >= m->n_resid - 1) return m->resid[m->n_resid - 1];
  frac = pos - (double)lo;
  return m->resid[lo] + frac * (m->resid[lo + 1] - m->resid[lo]);
}

om_status gbt_feature_importance(const gbt_model *m, gbt_importance *out) {
  if (!m || !out) return OM_INVALID;
  for (uint32_t f = 0; f < m->n_features; f++) {
    out[f].gain = m->imp_gain[f];
    out[f].cover = m->imp_cover[f];
    out[f].splits = 0;
  }
  for (uint32_t i = 0; i < m->n_nodes; i++)
    if (!(m->nodes[i].ff & GBT_NODE_LEAF)) out[GBT_NODE_FEATURE(&m->nodes[i])].splits++;
  return OM_OK;
}

uint32_t gbt_model_n_features(const gbt_model *m) { return m->n_features; }
int gbt_model_is_cat(const gbt_model *m, uint32_t f) {
  return f < m->n_features ? m->is_cat[f] : 0;
}
gbt_objective gbt_model_objective(const gbt_model *m) { return m->objective; }
gbt_loss gbt_model_loss(const gbt_model *m) { return m->loss; }
uint32_t gbt_model_offset_feature(const gbt_model *m) { return m->offset_feature; }
gbt_aft_dist gbt_model_aft_dist(const gbt_model *m) { return m->aft_dist; }
double gbt_model_aft_sigma(const gbt_model *m) { return m->aft_sigma; }
uint16_t gbt_payload_format(const gbt_model *m) {
  if (m->cover) return 4; /* gbt.h point 16 */
  if (m->objective == GBT_AFT) return 3;
  return (m->loss == GBT_LOSS_SQUARED && m->offset_feature == GBT_NO_OFFSET) ? 1 : 2;
}
uint32_t gbt_model_n_trees(const gbt_model *m) { return m->n_trees; }
uint32_t gbt_model_n_rounds(const gbt_model *m) { return m->n_rounds; }
uint32_t gbt_model_best_iteration(const gbt_model *m) { return m->best_iteration; }
uint32_t gbt_model_n_nodes(const gbt_model *m) { return m->n_nodes; }
double gbt_model_valid_metric(const gbt_model *m) { return m->valid_metric; }
double gbt_model_base_score(const gbt_model *m) { return m->base_score; }
double gbt_model_learning_rate(const gbt_model *m) { return m->learning_rate; }
double gbt_model_alpha(const gbt_model *m) { return m->alpha; }
double gbt_model_interval_coverage(const gbt_model *m) { return m->interval_coverage; }
uint64_t gbt_model_n_calibration(const gbt_model *m) { return m->n_calib; }
uint32_t gbt_model_n_residuals(const gbt_model *m) { return m->n_resid; }
