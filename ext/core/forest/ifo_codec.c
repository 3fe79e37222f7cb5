/*
** ifo_codec.c — the isolation-forest payload (inside omen's model envelope,
** which adds magic, kind and the checksum), the model's memory layout, and
** the constructor from scikit-learn-style arrays.  Little-endian, field by
** field, through om_wbuf / om_rbuf.
**
** Format 1 (IFO_FORMAT):
**   u16 format (= 1)   u16 reserved 0   u32 n_features F
**   u8  kind[F]        0 numeric, 1 categorical (must match the schema)
**   u32 n_trees T   u32 sample_size ψ   u32 max_depth   u32 reserved 0
**   f64 contamination (0 = 'auto')   f64 threshold
**   f64 gain[F]        the importance measure (ifo.h, ifo_importance)
**   f64 expected_lo[F]  f64 expected_hi[F]   the range each feature's values
**                      took in training (both NaN: no value), for evidence
**   per categorical feature, in feature order:
**     u32 k, then k × (u64 hash, f64 frequency), hashes strictly ascending
**   u32 n_nodes (all trees)
**   T × { u32 n; n nodes in preorder }, node =
**     u8 tag: 0 leaf, 1 split (missing values go right), 2 split (missing left)
**     leaf:  u32 size (training samples in the leaf)
**     split: u32 feature, u32 threshold (float32 bits; x <= t goes left)
**   Nothing follows the last tree.
**
** Preorder makes the structure implicit: a split's left child is the next
** node and its right child follows the left subtree, so every child index
** is greater than its parent's, each node has one parent, and no cycle can
** be written.  Internal node sizes are the sums of their children's.
**
** Decoding validates everything before the model is used (OM_CORRUPT with a
** message naming the field; OM_UNSUPPORTED_VERSION for a newer format):
**   1. every read is bounds-checked; counts (categories, nodes) are checked
**      against the bytes left before anything is allocated;
**   2. format ≥ 1 and ≤ IFO_FORMAT; reserved fields 0;
**   3. F and every kind match the caller's schema;
**   4. 1 ≤ T ≤ IFO_MAX_TREES, 1 ≤ ψ ≤ IFO_MAX_SAMPLE,
**      1 ≤ max_depth ≤ IFO_MAX_DEPTH;
**   5. contamination 0 with threshold exactly 0.5, or contamination in
**      (0, 0.5] with a threshold in (0, 1]; gains finite and ≥ 0; each
**      expected range both NaN, or finite with lo ≤ hi;
**   6. category tables: hashes strictly ascending, frequencies finite in
**      (0, 1] summing to at most 1 (+1e-9);
**   7. trees: 1 ≤ n ≤ 2ψ − 1 nodes that form exactly one complete binary
**      tree in preorder (no node left over, none missing), tags 0..2,
**      features < F, thresholds finite, no split below depth max_depth (so
**      no leaf is deeper), leaf sizes in [1, ψ], and the root holds exactly
**      ψ samples (every tree was grown on the same sample size);
**   8. the node total matches the trees; no trailing bytes.
** A decoded model therefore never walks out of its arrays, and scoring
** visits at most max_depth + 1 nodes per tree.
**
** ifo_model_from_arrays builds the same model from sklearn's arrays
** (ifo.h), checking the same things (OM_INVALID), so every model it returns
** encodes to a payload that decodes.
*/
#include "ifo.h"

#include <float.h>
#include <math.h>
#include <string.h>

ifo_model *ifo_model_alloc(uint32_t n_features, uint32_t n_trees) {
  ifo_model *m = om_calloc(1, sizeof *m);
  if (!m) return NULL;
  m->n_features = n_features;
  m->n_trees = n_trees;
  m->is_cat = om_calloc(n_features ? n_features : 1, 1);
  m->gain = om_calloc(n_features ? n_features : 1, sizeof(double));
  m->exp_lo = om_malloc_array(n_features ? n_features : 1, sizeof(double));
  m->exp_hi = om_malloc_array(n_features ? n_features : 1, sizeof(double));
  m->cat_off = om_calloc((size_t)n_features + 1, sizeof(uint32_t));
  m->tree_off = om_calloc((size_t)n_trees + 1, sizeof(uint32_t));
  if (m->exp_lo && m->exp_hi)
    for (uint32_t f = 0; f < n_features; f++) m->exp_lo[f] = m->exp_hi[f] = NAN;
  if (!m->is_cat || !m->gain || !m->exp_lo || !m->exp_hi || !m->cat_off || !m->tree_off) {
    ifo_free(m);
    return NULL;
  }
  return m;
}

void ifo_free(ifo_model *m) {
  if (!m) return;
  om_free(m->is_cat);
  om_free(m->gain);
  om_free(m->exp_lo);
  om_free(m->exp_hi);
  om_free(m->cat_off);
  om_free(m->cat_hash);
  om_free(m->cat_freq);
  om_free(m->tree_off);
  om_free(m->nodes);
  om_free(m);
}

int ifo_model_index(ifo_model *m) {
  struct {
    uint32_t i, d;
  } stack[IFO_MAX_DEPTH + 2];
  int deepest = 0;
  m->c_psi = ifo_c((double)m->sample_size);
  for (uint32_t t = 0; t < m->n_trees; t++) {
    ifo_node *nodes = m->nodes + m->tree_off[t];
    uint32_t n = m->tree_off[t + 1] - m->tree_off[t], seen = 0;
    int sp = 0;
    stack[sp].i = 0;
    stack[sp++].d = 0;
    while (sp > 0) {
      uint32_t i = stack[--sp].i, d = stack[sp].d;
      ifo_node *nd;
      if (i >= n || d > m->max_depth) return -1;
      nd = &nodes[i];
      seen++;
      if (nd->ff & IFO_NODE_LEAF) {
        /* scikit-learn: decision_path length (depth + 1) + c(size) − 1 */
        nd->u.h = ((double)d + 1.0 + ifo_c((double)nd->size)) - 1.0;
        if ((int)d > deepest) deepest = (int)d;
        continue;
      }
      if (sp + 2 > (int)(sizeof stack / sizeof stack[0]) || nd->u.s.right <= i + 1) return -1;
      stack[sp].i = nd->u.s.right;
      stack[sp++].d = d + 1;
      stack[sp].i = i + 1;
      stack[sp++].d = d + 1;
    }
    if (seen != n) return -1;
  }
  m->deepest = (uint32_t)deepest;
  return deepest;
}

om_status ifo_encode(const ifo_model *m, om_wbuf *w) {
  om_wbuf_u16(w, IFO_FORMAT);
  om_wbuf_u16(w, 0);
  om_wbuf_u32(w, m->n_features);
  for (uint32_t f = 0; f < m->n_features; f++) om_wbuf_u8(w, m->is_cat[f] ? 1 : 0);
  om_wbuf_u32(w, m->n_trees);
  om_wbuf_u32(w, m->sample_size);
  om_wbuf_u32(w, m->max_depth);
  om_wbuf_u32(w, 0);
  om_wbuf_f64(w, m->contamination);
  om_wbuf_f64(w, m->threshold);
  for (uint32_t f = 0; f < m->n_features; f++) om_wbuf_f64(w, m->gain[f]);
  for (uint32_t f = 0; f < m->n_features; f++) om_wbuf_f64(w, m->exp_lo[f]);
  for (uint32_t f = 0; f < m->n_features; f++) om_wbuf_f64(w, m->exp_hi[f]);
  for (uint32_t f = 0; f < m->n_features; f++) {
    if (!m->is_cat[f]) continue;
    om_wbuf_u32(w, m->cat_off[f + 1] - m->cat_off[f]);
    for (uint32_t k = m->cat_off[f]; k < m->cat_off[f + 1]; k++) {
      om_wbuf_u64(w, m->cat_hash[k]);
      om_wbuf_f64(w, m->cat_freq[k]);
    }
  }
  om_wbuf_u32(w, m->n_nodes);
  for (uint32_t t = 0; t < m->n_trees; t++) {
    uint32_t b = m->tree_off[t], e = m->tree_off[t + 1];
    om_wbuf_u32(w, e - b);
    for (uint32_t i = b; i < e; i++) {
      const ifo_node *nd = &m->nodes[i];
      if (nd->ff & IFO_NODE_LEAF) {
        om_wbuf_u8(w, 0);
        om_wbuf_u32(w, nd->size);
      } else {
        uint32_t bits;
        memcpy(&bits, &nd->u.s.thr, 4);
        om_wbuf_u8(w, (nd->ff & IFO_NODE_MISSING_LEFT) ? 2 : 1);
        om_wbuf_u32(w, IFO_NODE_FEATURE(nd));
        om_wbuf_u32(w, bits);
      }
    }
  }
  return om_wbuf_status(w);
}

/* ---------------------------------------------------------------- shared checks */

/* Behaviours 4-6 on fields already in m (st is the status to report). */
static om_status check_scalars(const ifo_model *m, om_status st, om_err *err) {
  if (m->n_trees < 1 || m->n_trees > IFO_MAX_TREES)
    return om_errf(err, st, "isolation forest tree count %u is out of range", m->n_trees);
  if (m->sample_size < 1 || m->sample_size > IFO_MAX_SAMPLE)
    return om_errf(err, st, "isolation forest sample size %u is out of range", m->sample_size);
  if (m->max_depth < 1 || m->max_depth > IFO_MAX_DEPTH)
    return om_errf(err, st, "isolation forest max depth %u is out of range", m->max_depth);
  if (m->contamination == 0) {
    if (m->threshold != 0.5)
      return om_errf(err, st, "isolation forest threshold must be 0.5 with contamination 'auto'");
  } else if (!(m->contamination > 0 && m->contamination <= 0.5))
    return om_errf(err, st, "isolation forest contamination is out of range");
  else if (!(m->threshold > 0 && m->threshold <= 1))
    return om_errf(err, st, "isolation forest threshold is out of range");
  for (uint32_t f = 0; f < m->n_features; f++) {
    double lo = m->exp_lo[f], hi = m->exp_hi[f];
    if (!(m->gain[f] >= 0 && isfinite(m->gain[f])))
      return om_errf(err, st, "isolation forest importance of feature %u is out of range", f);
    if (!(isnan(lo) && isnan(hi)) && !(isfinite(lo) && isfinite(hi) && lo <= hi))
      return om_errf(err, st, "isolation forest expected range of feature %u is out of range", f);
  }
  return OM_OK;
}

static om_status check_cat_table(const ifo_model *m, uint32_t f, om_status st, om_err *err) {
  double sum = 0;
  for (uint32_t k = m->cat_off[f]; k < m->cat_off[f + 1]; k++) {
    double q = m->cat_freq[k];
    if (k > m->cat_off[f] && m->cat_hash[k] <= m->cat_hash[k - 1])
      return om_errf(err, st, "isolation forest categories of feature %u are not sorted", f);
    if (!(q > 0 && q <= 1)) return om_errf(err, st, "isolation forest category frequency out of range (feature %u)", f);
    sum += q;
  }
  if (sum > 1 + 1e-9) return om_errf(err, st, "isolation forest category frequencies of feature %u exceed 1", f);
  return OM_OK;
}

/* ---------------------------------------------------------------- decode */

#define CORRUPT(...)                                                                                                   \
  do {                                                                                                                 \
    st = om_errf(err, OM_CORRUPT, __VA_ARGS__);                                                                        \
    goto fail;                                                                                                         \
  } while (0)

/* Behaviour 7 for tree t, whose n nodes go to m->nodes[base..). */
static om_status decode_tree(om_rbuf *r, ifo_model *m, uint32_t t, uint32_t base, uint32_t n, om_err *err) {
  struct {
    uint32_t i, depth;
    uint8_t right_next; /* its left child has been read */
  } stack[IFO_MAX_DEPTH + 1];
  int sp = 0;
  om_status st = OM_OK;
  ifo_node *nodes = m->nodes + base;
  for (uint32_t i = 0; i < n; i++) {
    ifo_node *nd = &nodes[i];
    uint32_t depth = 0;
    uint8_t tag = om_rbuf_u8(r);
    memset(nd, 0, sizeof *nd);
    if (i > 0) {
      if (sp == 0) CORRUPT("tree %u is complete before its node %u", t, i);
      depth = stack[sp - 1].depth + 1;
      if (!stack[sp - 1].right_next) stack[sp - 1].right_next = 1; /* i is the left child (parent + 1) */
      else nodes[stack[--sp].i].u.s.right = i;
    }
    if (tag == 0) {
      nd->ff = IFO_NODE_LEAF;
      nd->size = om_rbuf_u32(r);
      if (!om_rbuf_ok(r)) CORRUPT("isolation forest payload truncated in tree %u", t);
      if (nd->size < 1 || nd->size > m->sample_size) CORRUPT("tree %u: leaf %u has size %u", t, i, nd->size);
    } else if (tag <= 2) {
      uint32_t feature = om_rbuf_u32(r), bits = om_rbuf_u32(r);
      if (!om_rbuf_ok(r)) CORRUPT("isolation forest payload truncated in tree %u", t);
      if (feature >= m->n_features) CORRUPT("tree %u: node %u splits on feature %u of %u", t, i, feature, m->n_features);
      memcpy(&nd->u.s.thr, &bits, 4);
      if (!isfinite(nd->u.s.thr)) CORRUPT("tree %u: node %u has a threshold that is not finite", t, i);
      if (depth >= m->max_depth) CORRUPT("tree %u is deeper than max_depth %u", t, m->max_depth);
      nd->ff = feature << 2 | (tag == 2 ? IFO_NODE_MISSING_LEFT : 0);
      stack[sp].i = i;
      stack[sp].depth = depth;
      stack[sp++].right_next = 0;
    } else
      CORRUPT("tree %u: node %u has an unknown tag %u", t, i, tag);
  }
  if (sp != 0) CORRUPT("tree %u is incomplete", t);
  /* internal sizes, children first */
  for (uint32_t i = n; i-- > 0;) {
    ifo_node *nd = &nodes[i];
    uint64_t s;
    if (nd->ff & IFO_NODE_LEAF) continue;
    s = (uint64_t)nodes[i + 1].size + nodes[nd->u.s.right].size;
    if (s > m->sample_size) CORRUPT("tree %u holds more than %u samples", t, m->sample_size);
    nd->size = (uint32_t)s;
  }
  if (nodes[0].size != m->sample_size)
    CORRUPT("tree %u holds %u samples, not the sample size %u", t, nodes[0].size, m->sample_size);
fail:
  return st;
}

om_status ifo_decode(const uint8_t *p, size_t n, uint32_t n_features, const uint8_t *is_cat, ifo_model **out,
                     om_err *err) {
  om_rbuf r;
  om_status st = OM_OK;
  ifo_model *m = NULL;
  uint16_t format, reserved;
  uint32_t nf, n_trees, n_cat = 0, node_at = 0;
  *out = NULL;
  om_rbuf_init(&r, p, n);
  format = om_rbuf_u16(&r);
  reserved = om_rbuf_u16(&r);
  nf = om_rbuf_u32(&r);
  if (!om_rbuf_ok(&r)) return om_errf(err, OM_CORRUPT, "isolation forest payload truncated (%zu bytes)", n);
  if (format > IFO_FORMAT)
    return om_errf(err, OM_UNSUPPORTED_VERSION, "isolation forest payload format %u is newer than this build (reads up to %d)",
                   format, IFO_FORMAT);
  if (format == 0) return om_errf(err, OM_CORRUPT, "isolation forest payload format 0");
  if (reserved) return om_errf(err, OM_CORRUPT, "isolation forest payload reserved field is not 0");
  if (nf != n_features)
    return om_errf(err, OM_CORRUPT, "isolation forest payload has %u features, the model has %u", nf, n_features);
  if (nf > IFO_MAX_FEATURES || nf > r.left)
    return om_errf(err, OM_CORRUPT, "isolation forest payload feature count %u does not fit", nf);
  /* the tree count is needed to allocate: peek it after the kinds */
  {
    om_rbuf peek = r;
    (void)om_rbuf_bytes(&peek, nf);
    n_trees = om_rbuf_u32(&peek);
    if (!om_rbuf_ok(&peek)) return om_errf(err, OM_CORRUPT, "isolation forest payload truncated in the header");
    if (n_trees < 1 || n_trees > IFO_MAX_TREES)
      return om_errf(err, OM_CORRUPT, "isolation forest tree count %u is out of range", n_trees);
  }
  m = ifo_model_alloc(nf, n_trees);
  if (!m) return om_errf(err, OM_NOMEM, "out of memory");
  for (uint32_t f = 0; f < nf; f++) {
    uint8_t c = om_rbuf_u8(&r);
    if (c > 1 || c != (is_cat && is_cat[f] ? 1 : 0)) CORRUPT("isolation forest payload: feature %u kind does not match the model", f);
    m->is_cat[f] = c;
    n_cat += c;
  }
  (void)om_rbuf_u32(&r); /* n_trees, read above */
  m->sample_size = om_rbuf_u32(&r);
  m->max_depth = om_rbuf_u32(&r);
  if (om_rbuf_u32(&r) != 0 && om_rbuf_ok(&r)) CORRUPT("isolation forest payload reserved field is not 0");
  m->contamination = om_rbuf_f64(&r);
  m->threshold = om_rbuf_f64(&r);
  for (uint32_t f = 0; f < nf; f++) m->gain[f] = om_rbuf_f64(&r);
  for (uint32_t f = 0; f < nf; f++) m->exp_lo[f] = om_rbuf_f64(&r);
  for (uint32_t f = 0; f < nf; f++) m->exp_hi[f] = om_rbuf_f64(&r);
  if (!om_rbuf_ok(&r)) CORRUPT("isolation forest payload truncated in the header");
  if ((st = check_scalars(m, OM_CORRUPT, err)) != OM_OK) goto fail;
  /* category tables: count them first (a sub-reader), then allocate once */
  if (n_cat) {
    om_rbuf scan = r;
    uint64_t total = 0;
    for (uint32_t f = 0; f < nf; f++) {
      uint32_t k;
      m->cat_off[f] = (uint32_t)total;
      if (!m->is_cat[f]) continue;
      k = om_rbuf_u32(&scan);
      if (!om_rbuf_ok(&scan) || (uint64_t)k * 16 > scan.left)
        CORRUPT("isolation forest category table of feature %u does not fit", f);
      (void)om_rbuf_bytes(&scan, (size_t)k * 16);
      total += k;
    }
    m->cat_off[nf] = (uint32_t)total; /* ≤ n / 16 */
    m->n_cat = (uint32_t)total;
    if (total) {
      m->cat_hash = om_malloc_array(total, sizeof(uint64_t));
      m->cat_freq = om_malloc_array(total, sizeof(double));
      if (!m->cat_hash || !m->cat_freq) goto nomem;
    }
    for (uint32_t f = 0; f < nf; f++) {
      if (!m->is_cat[f]) continue;
      (void)om_rbuf_u32(&r);
      for (uint32_t k = m->cat_off[f]; k < m->cat_off[f + 1]; k++) {
        m->cat_hash[k] = om_rbuf_u64(&r);
        m->cat_freq[k] = om_rbuf_f64(&r);
      }
      if ((st = check_cat_table(m, f, OM_CORRUPT, err)) != OM_OK) goto fail;
    }
  }
  m->n_nodes = om_rbuf_u32(&r);
  if (!om_rbuf_ok(&r)) CORRUPT("isolation forest payload truncated before the trees");
  /* a leaf takes 5 bytes, a tree header 4 */
  if (m->n_nodes < n_trees || (uint64_t)m->n_nodes * 5 + (uint64_t)n_trees * 4 > r.left ||
      (uint64_t)m->n_nodes > (uint64_t)n_trees * (2ull * m->sample_size - 1))
    CORRUPT("isolation forest node count %u does not fit", m->n_nodes);
  m->nodes = om_malloc_array(m->n_nodes, sizeof(ifo_node));
  if (!m->nodes) goto nomem;
  for (uint32_t t = 0; t < n_trees; t++) {
    uint32_t k = om_rbuf_u32(&r);
    if (!om_rbuf_ok(&r)) CORRUPT("isolation forest payload truncated in tree %u", t);
    if (k < 1 || k > m->n_nodes - node_at || k > 2 * m->sample_size - 1) CORRUPT("tree %u has a bad node count %u", t, k);
    m->tree_off[t] = node_at;
    if ((st = decode_tree(&r, m, t, node_at, k, err)) != OM_OK) goto fail;
    node_at += k;
  }
  m->tree_off[n_trees] = node_at;
  if (node_at != m->n_nodes) CORRUPT("isolation forest node count %u, trees hold %u", m->n_nodes, node_at);
  if (r.left != 0) CORRUPT("isolation forest payload has %zu trailing bytes", r.left);
  if (ifo_model_index(m) < 0) CORRUPT("isolation forest trees are malformed"); /* not reached: checked above */
  *out = m;
  return OM_OK;
nomem:
  st = om_errf(err, OM_NOMEM, "out of memory");
fail:
  ifo_free(m);
  return st;
}

#undef CORRUPT

/* ---------------------------------------------------------------- from arrays */

#define INVALID(...)                                                                                                   \
  do {                                                                                                                 \
    st = om_errf(err, OM_INVALID, __VA_ARGS__);                                                                        \
    goto fail;                                                                                                         \
  } while (0)

/* Tree t of a into m->nodes[base..) in preorder; parents[] is scratch [n]. */
static om_status tree_from_arrays(const ifo_tree_arrays *ta, ifo_model *m, uint32_t t, uint32_t base, uint32_t *parents,
                                  om_err *err) {
  struct {
    uint32_t old, depth, patch; /* patch: new index whose right child this is, or UINT32_MAX */
  } stack[IFO_MAX_DEPTH + 2];
  om_status st = OM_OK;
  uint32_t n = ta->n_nodes, at = 0;
  int sp = 0;
  for (uint32_t i = 0; i < n; i++) parents[i] = 0;
  for (uint32_t i = 0; i < n; i++) {
    int64_t l = ta->left[i], r = ta->right[i];
    if (l == -1 && r == -1) {
      if (ta->n_samples[i] < 1 || ta->n_samples[i] > m->sample_size)
        INVALID("tree %u: leaf %u has %lld samples", t, i, (long long)ta->n_samples[i]);
      continue;
    }
    if (l <= (int64_t)i || r <= (int64_t)i || l >= (int64_t)n || r >= (int64_t)n || l == r)
      INVALID("tree %u: node %u has bad children", t, i);
    if (parents[l]++ || parents[r]++) INVALID("tree %u: node %u shares a child", t, i);
    if (ta->feature[i] < 0 || ta->feature[i] >= (int64_t)m->n_features)
      INVALID("tree %u: node %u splits on feature %lld of %u", t, i, (long long)ta->feature[i], m->n_features);
    if (!isfinite(ta->threshold[i]) || !isfinite(ifo_f32_down(ta->threshold[i])))
      INVALID("tree %u: node %u has a threshold out of the float32 range", t, i);
    if (ta->n_samples[i] != ta->n_samples[l] + ta->n_samples[r])
      INVALID("tree %u: node %u's sample count is not its children's sum", t, i);
  }
  if (ta->n_samples[0] != (int64_t)m->sample_size)
    INVALID("tree %u holds %lld samples, not the sample size %u", t, (long long)ta->n_samples[0], m->sample_size);
  /* every node but the root has exactly one parent, which precedes it: one tree */
  for (uint32_t i = 1; i < n; i++)
    if (parents[i] != 1) INVALID("tree %u: node %u is not reachable", t, i);
  stack[sp].old = 0;
  stack[sp].depth = 0;
  stack[sp++].patch = UINT32_MAX;
  while (sp > 0) {
    uint32_t old = stack[--sp].old, depth = stack[sp].depth, patch = stack[sp].patch;
    ifo_node *nd = &m->nodes[base + at];
    memset(nd, 0, sizeof *nd);
    if (patch != UINT32_MAX) m->nodes[base + patch].u.s.right = at;
    nd->size = (uint32_t)ta->n_samples[old];
    if (ta->left[old] == -1) nd->ff = IFO_NODE_LEAF;
    else {
      if (depth >= m->max_depth) INVALID("tree %u is deeper than max_depth %u", t, m->max_depth);
      nd->ff = (uint32_t)ta->feature[old] << 2 | (ta->missing_left && ta->missing_left[old] ? IFO_NODE_MISSING_LEFT : 0);
      nd->u.s.thr = ifo_f32_down(ta->threshold[old]);
      stack[sp].old = (uint32_t)ta->right[old];
      stack[sp].depth = depth + 1;
      stack[sp++].patch = at;
      stack[sp].old = (uint32_t)ta->left[old];
      stack[sp].depth = depth + 1;
      stack[sp++].patch = UINT32_MAX;
    }
    at++;
  }
fail:
  return st;
}

om_status ifo_model_from_arrays(const ifo_forest_arrays *a, ifo_model **out, om_err *err) {
  om_status st = OM_OK;
  ifo_model *m = NULL;
  uint32_t *parents = NULL, max_n = 0;
  uint64_t total = 0, n_cat = 0;
  *out = NULL;
  if (a->n_features > IFO_MAX_FEATURES) return om_errf(err, OM_INVALID, "too many features (%u)", a->n_features);
  if (a->n_trees < 1 || a->n_trees > IFO_MAX_TREES)
    return om_errf(err, OM_INVALID, "isolation forest tree count %u is out of range", a->n_trees);
  m = ifo_model_alloc(a->n_features, a->n_trees);
  if (!m) return om_errf(err, OM_NOMEM, "out of memory");
  m->sample_size = a->sample_size;
  m->max_depth = a->max_depth;
  m->contamination = a->contamination;
  m->threshold = a->threshold;
  for (uint32_t f = 0; f < a->n_features; f++) {
    m->is_cat[f] = a->is_cat && a->is_cat[f] ? 1 : 0;
    m->gain[f] = a->gain ? a->gain[f] : 0;
    m->exp_lo[f] = a->expected_lo ? a->expected_lo[f] : NAN;
    m->exp_hi[f] = a->expected_hi ? a->expected_hi[f] : NAN;
  }
  if ((st = check_scalars(m, OM_INVALID, err)) != OM_OK) goto fail;
  for (uint32_t f = 0; f < a->n_features; f++) {
    m->cat_off[f] = (uint32_t)n_cat;
    if (a->cat_count && a->cat_count[f]) {
      if (!m->is_cat[f]) INVALID("feature %u is numeric but has a category table", f);
      n_cat += a->cat_count[f];
      if (n_cat > UINT32_MAX / 16) INVALID("too many categories");
    }
  }
  m->cat_off[a->n_features] = (uint32_t)n_cat;
  m->n_cat = (uint32_t)n_cat;
  if (n_cat) {
    m->cat_hash = om_malloc_array(n_cat, sizeof(uint64_t));
    m->cat_freq = om_malloc_array(n_cat, sizeof(double));
    if (!m->cat_hash || !m->cat_freq) goto nomem;
    memcpy(m->cat_hash, a->cat_hash, n_cat * sizeof(uint64_t));
    memcpy(m->cat_freq, a->cat_freq, n_cat * sizeof(double));
    for (uint32_t f = 0; f < a->n_features; f++)
      if ((st = check_cat_table(m, f, OM_INVALID, err)) != OM_OK) goto fail;
  }
  for (uint32_t t = 0; t < a->n_trees; t++) {
    uint32_t k = a->trees[t].n_nodes;
    if (k < 1 || k > 2 * m->sample_size - 1) INVALID("tree %u has a bad node count %u", t, k);
    total += k;
    if (k > max_n) max_n = k;
  }
  if (total > UINT32_MAX) INVALID("too many nodes");
  m->n_nodes = (uint32_t)total;
  m->nodes = om_malloc_array(total, sizeof(ifo_node));
  parents = om_malloc_array(max_n, sizeof(uint32_t));
  if (!m->nodes || !parents) goto nomem;
  total = 0;
  for (uint32_t t = 0; t < a->n_trees; t++) {
    m->tree_off[t] = (uint32_t)total;
    if ((st = tree_from_arrays(&a->trees[t], m, t, (uint32_t)total, parents, err)) != OM_OK) goto fail;
    total += a->trees[t].n_nodes;
  }
  m->tree_off[a->n_trees] = (uint32_t)total;
  if (ifo_model_index(m) < 0) INVALID("isolation forest trees are malformed");
  om_free(parents);
  *out = m;
  return OM_OK;
nomem:
  st = om_errf(err, OM_NOMEM, "out of memory");
fail:
  om_free(parents);
  ifo_free(m);
  return st;
}
