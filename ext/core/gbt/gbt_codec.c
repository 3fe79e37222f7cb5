/*
** gbt_codec.c — the gbt model payload (inside omen's model envelope, which
** adds magic, kind and the checksum).  Little-endian, written field by field.
**
** Format 1:
**   u16 format (= GBT_FORMAT)     u16 objective (gbt_objective)
**   u32 n_features                u8  is_cat[n_features] (0/1)
**   f64 base_score  f64 learning_rate  f64 alpha  f64 interval_coverage
**   (format ≥ 2: u16 loss (gbt_loss)  u32 offset_feature (0xFFFFFFFF: none))
**   (format 3 only: u16 aft_distribution (gbt_aft_dist)  u16 reserved 0  f64 aft_sigma)
**   u32 n_trees (kept)  u32 n_rounds (trained)  u32 best_iteration
**   f64 valid_metric (NaN: none)
**   u64 n_calib   u32 n_resid (= min(n_calib, 512))   f64 resid[n_resid] ascending
**   f64 importance_gain[n_features]   f64 importance_cover[n_features]
**   u32 n_nodes (all trees)   u32 n_cat_hashes (all trees)
**   n_trees × { u32 n; n × node }, node =
**     u8 kind (0 leaf, 1 numeric, 2 categorical), u8 default_left, then
**     leaf:        f64 value
**     numeric:     u32 feature, u32 left, u32 right, f64 threshold (x < t: left)
**     categorical: u32 feature, u32 left, u32 right, u32 k, u64 hash[k] ascending
**   Child indices are tree-local, right = left + 1.  Nothing follows the last tree.
**
** Format 4 (gbt.h point 16; every model gbt_train makes) is format 2 with
** the AFT fields of format 3 when the objective is AFT, and:
**   after importance_cover:  u32 shap_rows, then (when shap_rows > 0)
**                            f64 shap_importance[n_features]
**   after every node:        f64 cover (the hessian sum of its rows)
**
** Format 2 is format 1 plus the two fields above (gbt.h points 11, 12);
** gbt_encode writes format 1 when loss is 'squared' and there is no offset,
** so such models stay byte-identical to what earlier versions wrote.
** Format 3 is format 2 plus the AFT fields (gbt.h point 13), written for
** AFT models only (and every AFT model of format ≤ 3 is format 3); formats
** 1 and 2 are unchanged.  A model decoded from format 1, 2 or 3 has no
** covers and re-encodes to the same format and bytes.
**
** Decoding validates everything before the model is used (OM_CORRUPT with a
** message naming the field; OM_UNSUPPORTED_VERSION for a newer format):
**   1. every read is bounds-checked; counts are checked against the bytes
**      left before anything is allocated;
**   2. n_features and is_cat must match the caller's schema;
**   3. scalars in range: objective known, base finite, learning rate > 0,
**      alpha and coverage in (0, 1), n_trees ≥ 1, n_trees and best_iteration
**      ≤ n_rounds, metric NaN or ≥ 0, residuals finite and ascending,
**      importance finite and ≥ 0; format 2: loss known and allowed for the
**      objective (gbt_train's rules), offset none or a numeric feature of a
**      non-BINARY model; format 3 if and only if the objective is AFT, then
**      distribution known, reserved 0, sigma in (0, GBT_AFT_SIGMA_MAX], no
**      calibration residuals, and the metric may be negative (a
**      log-likelihood);
**   4. trees: children point forward inside the tree and are adjacent
**      (right = left + 1), every node but the root is the child of exactly
**      one node (so each tree is a tree), depth
**      ≤ GBT_MAX_DEPTH, feature < n_features, numeric splits only on numeric
**      features (threshold not NaN), categorical splits only on categorical
**      features (default_left 0, k ≥ 1, hashes strictly ascending), leaf
**      values finite, flags 0/1;
**   5. node and hash totals match the header; no trailing bytes;
**   6. format 4: covers finite and ≥ 0; shap_rows ≤ GBT_SHAP_ROWS and the
**      SHAP importances finite and ≥ 0.
** A decoded model therefore never walks out of its arrays.
*/
#include "gbt.h"

#include <math.h>
#include <string.h>

om_status gbt_encode(const gbt_model *m, om_wbuf *w) {
  uint16_t format = gbt_payload_format(m);
  om_wbuf_u16(w, format);
  om_wbuf_u16(w, (uint16_t)m->objective);
  om_wbuf_u32(w, m->n_features);
  om_wbuf_bytes(w, m->is_cat, m->n_features);
  om_wbuf_f64(w, m->base_score);
  om_wbuf_f64(w, m->learning_rate);
  om_wbuf_f64(w, m->alpha);
  om_wbuf_f64(w, m->interval_coverage);
  if (format >= 2) {
    om_wbuf_u16(w, (uint16_t)m->loss);
    om_wbuf_u32(w, m->offset_feature);
  }
  if (format == 3 || (format >= 4 && m->objective == GBT_AFT)) {
    om_wbuf_u16(w, (uint16_t)m->aft_dist);
    om_wbuf_u16(w, 0);
    om_wbuf_f64(w, m->aft_sigma);
  }
  om_wbuf_u32(w, m->n_trees);
  om_wbuf_u32(w, m->n_rounds);
  om_wbuf_u32(w, m->best_iteration);
  om_wbuf_f64(w, m->valid_metric);
  om_wbuf_u64(w, m->n_calib);
  om_wbuf_u32(w, m->n_resid);
  for (uint32_t i = 0; i < m->n_resid; i++)
    om_wbuf_f64(w, m->resid[i]);
  for (uint32_t f = 0; f < m->n_features; f++)
    om_wbuf_f64(w, m->imp_gain[f]);
  for (uint32_t f = 0; f < m->n_features; f++)
    om_wbuf_f64(w, m->imp_cover[f]);
  if (format >= 4) {
    om_wbuf_u32(w, m->shap_imp ? m->shap_rows : 0);
    if (m->shap_imp && m->shap_rows)
      for (uint32_t f = 0; f < m->n_features; f++)
        om_wbuf_f64(w, m->shap_imp[f]);
  }
  om_wbuf_u32(w, m->n_nodes);
  om_wbuf_u32(w, m->n_cat_hashes);
  for (uint32_t t = 0; t < m->n_trees; t++) {
    uint32_t b = m->tree_off[t], e = m->tree_off[t + 1];
    om_wbuf_u32(w, e - b);
    for (uint32_t i = b; i < e; i++) {
      const gbt_node *nd = &m->nodes[i];
      if (nd->ff & GBT_NODE_LEAF) {
        om_wbuf_u8(w, 0);
        om_wbuf_u8(w, 0);
        om_wbuf_f64(w, nd->u.leaf);
        if (format >= 4) om_wbuf_f64(w, m->cover[i]);
        continue;
      }
      om_wbuf_u8(w, (nd->ff & GBT_NODE_CAT) ? 2 : 1);
      om_wbuf_u8(w, (nd->ff & GBT_NODE_DEFAULT_LEFT) ? 1 : 0);
      om_wbuf_u32(w, GBT_NODE_FEATURE(nd));
      om_wbuf_u32(w, nd->left);
      om_wbuf_u32(w, nd->left + 1);
      if (nd->ff & GBT_NODE_CAT) {
        om_wbuf_u32(w, nd->u.cat.n);
        for (uint32_t k = 0; k < nd->u.cat.n; k++)
          om_wbuf_u64(w, m->cat_hashes[nd->u.cat.off + k]);
      } else
        om_wbuf_f64(w, nd->u.thr);
      if (format >= 4) om_wbuf_f64(w, m->cover[i]);
    }
  }
  return om_wbuf_status(w);
}

#define CORRUPT(...)                                                                               \
  do {                                                                                             \
    st = om_errf(err, OM_CORRUPT, __VA_ARGS__);                                                    \
    goto fail;                                                                                     \
  } while (0)

/* Format 4: the cover after node i of tree t. */
static om_status decode_cover(om_rbuf *r, gbt_model *m, uint32_t at, uint32_t t, uint32_t i,
                              om_err *err) {
  double c;
  if (!m->cover) return OM_OK;
  c = om_rbuf_f64(r);
  if (!om_rbuf_ok(r)) return om_errf(err, OM_CORRUPT, "gbt payload truncated in tree %u", t);
  if (!(isfinite(c) && c >= 0))
    return om_errf(err, OM_CORRUPT, "tree %u: node %u has a bad cover", t, i);
  m->cover[at] = c;
  return OM_OK;
}

static om_status decode_trees(om_rbuf *r, gbt_model *m, uint8_t *depth, om_err *err) {
  om_status st = OM_OK;
  uint32_t node_at = 0, hash_at = 0;
  for (uint32_t t = 0; t < m->n_trees; t++) {
    uint32_t n = om_rbuf_u32(r), tree_depth = 0;
    if (!om_rbuf_ok(r)) CORRUPT("gbt payload truncated in tree %u", t);
    if (n < 1 || n > m->n_nodes - node_at) CORRUPT("tree %u has a bad node count %u", t, n);
    m->tree_off[t] = node_at;
    memset(depth, 0, n);
    depth[0] = 1; /* depth + 1; 0 = not referenced yet */
    for (uint32_t i = 0; i < n; i++) {
      gbt_node *nd = &m->nodes[node_at + i];
      uint32_t feature, left, right;
      uint8_t kind = om_rbuf_u8(r), dl = om_rbuf_u8(r);
      memset(nd, 0, sizeof *nd);
      if (!om_rbuf_ok(r)) CORRUPT("gbt payload truncated in tree %u", t);
      if (depth[i] == 0) CORRUPT("tree %u: node %u is not reachable", t, i);
      if (kind > 2 || dl > 1) CORRUPT("tree %u: node %u has a bad kind or flag", t, i);
      if (kind == 0) {
        nd->ff = GBT_NODE_LEAF;
        nd->u.leaf = om_rbuf_f64(r);
        if (!om_rbuf_ok(r)) CORRUPT("gbt payload truncated in tree %u", t);
        if (dl || !isfinite(nd->u.leaf)) CORRUPT("tree %u: leaf %u is not finite", t, i);
        if ((st = decode_cover(r, m, node_at + i, t, i, err)) != OM_OK) goto fail;
        continue;
      }
      feature = om_rbuf_u32(r);
      left = om_rbuf_u32(r);
      right = om_rbuf_u32(r);
      if (!om_rbuf_ok(r)) CORRUPT("gbt payload truncated in tree %u", t);
      if (feature >= m->n_features)
        CORRUPT("tree %u: node %u splits on feature %u of %u", t, i, feature, m->n_features);
      if (left <= i || left >= n - 1 || right != left + 1)
        CORRUPT("tree %u: node %u has bad child indices", t, i);
      if (depth[left] || depth[right]) CORRUPT("tree %u: node %u shares a child", t, i);
      if (depth[i] > GBT_MAX_DEPTH) CORRUPT("tree %u is deeper than %d", t, GBT_MAX_DEPTH);
      depth[left] = depth[right] = (uint8_t)(depth[i] + 1);
      if (depth[left] - 1u > tree_depth) tree_depth = depth[left] - 1u;
      nd->left = left;
      if (kind == 1) {
        if (m->is_cat[feature])
          CORRUPT("tree %u: numeric split on categorical feature %u", t, feature);
        nd->ff = feature << 3 | (dl ? GBT_NODE_DEFAULT_LEFT : 0);
        nd->u.thr = om_rbuf_f64(r);
        if (!om_rbuf_ok(r)) CORRUPT("gbt payload truncated in tree %u", t);
        if (isnan(nd->u.thr)) CORRUPT("tree %u: node %u has a NaN threshold", t, i);
      } else {
        uint32_t k;
        const uint8_t *hp;
        if (!m->is_cat[feature])
          CORRUPT("tree %u: categorical split on numeric feature %u", t, feature);
        if (dl) CORRUPT("tree %u: categorical node %u has default_left set", t, i);
        nd->ff = feature << 3 | GBT_NODE_CAT;
        k = om_rbuf_u32(r);
        if (!om_rbuf_ok(r)) CORRUPT("gbt payload truncated in tree %u", t);
        if (k < 1 || k > m->n_cat_hashes - hash_at)
          CORRUPT("tree %u: node %u has a bad category count %u", t, i, k);
        nd->u.cat.off = hash_at;
        nd->u.cat.n = k;
        hp = om_rbuf_bytes(r, (size_t)k * 8); /* k ≤ n_cat_hashes: no overflow */
        if (!hp) CORRUPT("gbt payload truncated in tree %u", t);
        for (uint32_t j = 0; j < k; j++) {
          uint64_t h = om_load_u64(hp + (size_t)j * 8);
          if (j > 0 && h <= m->cat_hashes[hash_at + j - 1])
            CORRUPT("tree %u: node %u has unsorted categories", t, i);
          m->cat_hashes[hash_at + j] = h;
        }
        hash_at += k;
      }
      if ((st = decode_cover(r, m, node_at + i, t, i, err)) != OM_OK) goto fail;
    }
    m->tree_depth[t] = (uint8_t)tree_depth;
    node_at += n;
  }
  if (node_at != m->n_nodes)
    CORRUPT("gbt payload node count %u, trees hold %u", m->n_nodes, node_at);
  if (hash_at != m->n_cat_hashes)
    CORRUPT("gbt payload category count %u, trees hold %u", m->n_cat_hashes, hash_at);
  m->tree_off[m->n_trees] = node_at;
fail:
  return st;
}

om_status gbt_decode(const uint8_t *p, size_t n, uint32_t n_features, const uint8_t *is_cat,
                     gbt_model **out, om_err *err) {
  om_rbuf r;
  om_status st = OM_OK;
  gbt_model *m = NULL;
  uint8_t *depth = NULL;
  uint16_t format, objective;
  uint32_t nf;
  *out = NULL;
  om_rbuf_init(&r, p, n);
  format = om_rbuf_u16(&r);
  objective = om_rbuf_u16(&r);
  nf = om_rbuf_u32(&r);
  if (!om_rbuf_ok(&r)) return om_errf(err, OM_CORRUPT, "gbt payload truncated (%zu bytes)", n);
  if (format > GBT_FORMAT)
    return om_errf(err, OM_UNSUPPORTED_VERSION,
                   "gbt payload format %u is newer than this build (reads up to %d)", format,
                   GBT_FORMAT);
  if (format == 0) return om_errf(err, OM_CORRUPT, "gbt payload format 0");
  if (objective > GBT_AFT) return om_errf(err, OM_CORRUPT, "gbt payload objective %u", objective);
  if (format <= 3 && (objective == GBT_AFT) != (format == 3))
    return om_errf(err, OM_CORRUPT, "gbt payload format %u with objective %u", format, objective);
  if (nf != n_features)
    return om_errf(err, OM_CORRUPT, "gbt payload has %u features, the model has %u", nf,
                   n_features);
  if (nf < 1 || nf > GBT_MAX_FEATURES || nf > r.left)
    return om_errf(err, OM_CORRUPT, "gbt payload feature count %u", nf);
  m = gbt_model_alloc(nf);
  if (!m) return om_errf(err, OM_NOMEM, "out of memory");
  m->objective = (gbt_objective)objective;
  for (uint32_t f = 0; f < nf; f++) {
    uint8_t c = om_rbuf_u8(&r);
    if (c > 1 || c != (is_cat && is_cat[f] ? 1 : 0))
      CORRUPT("gbt payload: feature %u kind does not match the model", f);
    m->is_cat[f] = c;
  }
  m->base_score = om_rbuf_f64(&r);
  m->learning_rate = om_rbuf_f64(&r);
  m->alpha = om_rbuf_f64(&r);
  m->interval_coverage = om_rbuf_f64(&r);
  if (format >= 2) {
    uint16_t loss = om_rbuf_u16(&r);
    m->offset_feature = om_rbuf_u32(&r);
    if (!om_rbuf_ok(&r)) CORRUPT("gbt payload truncated in the header");
    if (loss > GBT_LOSS_RATIO) CORRUPT("gbt payload loss %u", loss);
    if (loss != GBT_LOSS_SQUARED && m->objective != GBT_SQUARED && m->objective != GBT_DURATION)
      CORRUPT("gbt payload loss %u with objective %u", loss, objective);
    if (loss == GBT_LOSS_RATIO && m->objective != GBT_DURATION)
      CORRUPT("gbt payload loss %u with objective %u", loss, objective);
    m->loss = (gbt_loss)loss;
    if (m->offset_feature != GBT_NO_OFFSET &&
        (m->offset_feature >= nf || m->is_cat[m->offset_feature] || m->objective == GBT_BINARY))
      CORRUPT("gbt payload offset feature %u is not a numeric feature", m->offset_feature);
  }
  if (format == 3 || (format >= 4 && objective == GBT_AFT)) {
    uint16_t dist = om_rbuf_u16(&r), reserved = om_rbuf_u16(&r);
    m->aft_sigma = om_rbuf_f64(&r);
    if (!om_rbuf_ok(&r)) CORRUPT("gbt payload truncated in the header");
    if (dist > GBT_AFT_EXTREME || reserved != 0) CORRUPT("gbt payload aft distribution %u", dist);
    if (!(m->aft_sigma > 0 && m->aft_sigma <= GBT_AFT_SIGMA_MAX))
      CORRUPT("gbt payload aft sigma out of range");
    m->aft_dist = (gbt_aft_dist)dist;
  }
  m->n_trees = om_rbuf_u32(&r);
  m->n_rounds = om_rbuf_u32(&r);
  m->best_iteration = om_rbuf_u32(&r);
  m->valid_metric = om_rbuf_f64(&r);
  m->n_calib = om_rbuf_u64(&r);
  m->n_resid = om_rbuf_u32(&r);
  if (!om_rbuf_ok(&r)) CORRUPT("gbt payload truncated in the header");
  if (!isfinite(m->base_score)) CORRUPT("gbt payload base score is not finite");
  if (!(isfinite(m->learning_rate) && m->learning_rate > 0))
    CORRUPT("gbt payload learning rate out of range");
  if (!(m->alpha > 0 && m->alpha < 1)) CORRUPT("gbt payload alpha out of range");
  if (!(m->interval_coverage > 0 && m->interval_coverage < 1))
    CORRUPT("gbt payload interval coverage out of range");
  if (m->n_trees < 1 || m->n_trees > m->n_rounds || m->best_iteration > m->n_rounds)
    CORRUPT("gbt payload tree counts are inconsistent");
  if (!isnan(m->valid_metric) &&
      !(isfinite(m->valid_metric) && (m->valid_metric >= 0 || m->objective == GBT_AFT)))
    CORRUPT("gbt payload validation metric out of range");
  if (m->objective == GBT_AFT && m->n_calib != 0)
    CORRUPT("gbt payload: an aft model has no calibration residuals");
  if (m->n_resid != (m->n_calib > GBT_RESID_MAX ? GBT_RESID_MAX : m->n_calib))
    CORRUPT("gbt payload residual count %u for %llu calibration rows", m->n_resid,
            (unsigned long long)m->n_calib);
  if ((uint64_t)m->n_resid * 8 > r.left) CORRUPT("gbt payload truncated in the residuals");
  if (m->n_resid) {
    m->resid = om_malloc_array(m->n_resid, sizeof(double));
    if (!m->resid) goto nomem;
  }
  for (uint32_t i = 0; i < m->n_resid; i++) {
    m->resid[i] = om_rbuf_f64(&r);
    if (!isfinite(m->resid[i]) || (i > 0 && m->resid[i] < m->resid[i - 1]))
      CORRUPT("gbt payload residuals are not finite and ascending");
  }
  for (uint32_t f = 0; f < nf; f++)
    m->imp_gain[f] = om_rbuf_f64(&r);
  for (uint32_t f = 0; f < nf; f++)
    m->imp_cover[f] = om_rbuf_f64(&r);
  if (!om_rbuf_ok(&r)) CORRUPT("gbt payload truncated in the importance");
  for (uint32_t f = 0; f < nf; f++)
    if (!(m->imp_gain[f] >= 0 && isfinite(m->imp_gain[f]) && m->imp_cover[f] >= 0 &&
          isfinite(m->imp_cover[f])))
      CORRUPT("gbt payload importance of feature %u out of range", f);
  if (format >= 4) {
    m->shap_rows = om_rbuf_u32(&r);
    if (!om_rbuf_ok(&r)) CORRUPT("gbt payload truncated in the importance");
    if (m->shap_rows > GBT_SHAP_ROWS) CORRUPT("gbt payload SHAP row count %u", m->shap_rows);
    if (m->shap_rows) {
      if ((uint64_t)nf * 8 > r.left) CORRUPT("gbt payload truncated in the importance");
      if (!(m->shap_imp = om_malloc_array(nf, sizeof(double)))) goto nomem;
      for (uint32_t f = 0; f < nf; f++) {
        m->shap_imp[f] = om_rbuf_f64(&r);
        if (!(isfinite(m->shap_imp[f]) && m->shap_imp[f] >= 0))
          CORRUPT("gbt payload SHAP importance of feature %u out of range", f);
      }
    }
  }
  m->n_nodes = om_rbuf_u32(&r);
  m->n_cat_hashes = om_rbuf_u32(&r);
  if (!om_rbuf_ok(&r)) CORRUPT("gbt payload truncated before the trees");
  /* a leaf takes 10 bytes, a tree header 4, a hash 8 */
  if (m->n_nodes < m->n_trees || (uint64_t)m->n_nodes * 10 + (uint64_t)m->n_trees * 4 > r.left)
    CORRUPT("gbt payload node count %u does not fit", m->n_nodes);
  if ((uint64_t)m->n_cat_hashes * 8 > r.left)
    CORRUPT("gbt payload category count %u does not fit", m->n_cat_hashes);
  m->tree_off = om_malloc_array((size_t)m->n_trees + 1, sizeof(uint32_t));
  m->tree_depth = om_malloc_array(m->n_trees, 1);
  m->nodes = om_malloc_array(m->n_nodes, sizeof(gbt_node));
  depth = om_malloc_array(m->n_nodes, 1);
  if (!m->tree_off || !m->tree_depth || !m->nodes || !depth) goto nomem;
  if (format >= 4 && !(m->cover = om_malloc_array(m->n_nodes, sizeof(double)))) goto nomem;
  if (m->n_cat_hashes && !(m->cat_hashes = om_malloc_array(m->n_cat_hashes, sizeof(uint64_t))))
    goto nomem;
  if ((st = decode_trees(&r, m, depth, err)) != OM_OK) goto fail;
  if (r.left != 0) CORRUPT("gbt payload has %zu trailing bytes", r.left);
  if (gbt_model_index(m) != OM_OK) goto nomem;
  om_free(depth);
  *out = m;
  return OM_OK;
nomem:
  st = om_errf(err, OM_NOMEM, "out of memory");
fail:
  om_free(depth);
  gbt_free(m);
  return st;
}
