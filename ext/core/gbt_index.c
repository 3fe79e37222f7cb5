/*
** gbt_index.c — the scoring index of a model: categorical splits turned into
** small integer codes and bitsets, built once when a model is trained or
** decoded (gbt_model_index), so that scoring a categorical node costs one
** bit test instead of a binary search over that node's 8-byte hashes.
**
**   1. Per categorical feature f, the dictionary is the ascending set of the
**      distinct hashes that f's splits list (D_f of them).  A value's code is
**      1 + its position there, or 0 when it is missing, rare at training or
**      unseen (those go right at every categorical split, as in gbt.h).
**   2. pnodes[] is nodes[] as scored: numeric nodes and leaves are copied;
**      a categorical node's u.cat becomes {off, 0} — its left set as a bitset
**      of W_f = ⌈(D_f + 1)/64⌉ words at cat_bits + off — when W_f ≤
**      GBT_BITSET_MAX_WORDS, else {off, k} — its k codes ascending at
**      cat_codes + off (binary search).  The bitset is the normal case:
**      training keeps at most 255 categories per feature (W_f ≤ 4); the
**      code lists bound memory for decoded models with huge dictionaries
**      (bitset memory ≤ 64 bytes per node, code lists 4 bytes per hash).
**   3. The index is derived data: it is never encoded, and a model decoded
**      from its own encoding gets the same index.
*/
#include "gbt.h"

#include <math.h>
#include <string.h>

/* Position of h in the ascending a[0..n), + 1; 0 when absent. */
uint32_t gbt_index_code(const uint64_t *a, uint32_t n, uint64_t h) {
  uint32_t lo = 0, len = n;
  while (len > 0) {
    uint32_t half = len / 2;
    if (a[lo + half] < h) {
      lo += half + 1;
      len -= half + 1;
    } else
      len = half;
  }
  return (lo < n && a[lo] == h) ? lo + 1 : 0;
}

static void index_free(gbt_model *m) {
  om_free(m->pnodes);
  om_free(m->cat_dict);
  om_free(m->cat_dict_off);
  om_free(m->cat_bits);
  om_free(m->cat_codes);
  m->pnodes = NULL;
  m->cat_dict = NULL;
  m->cat_dict_off = NULL;
  m->cat_bits = NULL;
  m->cat_codes = NULL;
}

void gbt_model_index_free(gbt_model *m) { index_free(m); }

om_status gbt_model_index(gbt_model *m) {
  uint32_t F = m->n_features, *fill = NULL;
  uint64_t *tmp = NULL, n_words = 0, n_codes = 0;
  om_status st = OM_NOMEM;
  index_free(m);
  m->pnodes = om_malloc_array(m->n_nodes ? m->n_nodes : 1, sizeof *m->pnodes);
  m->cat_dict_off = om_calloc((size_t)F + 1, sizeof *m->cat_dict_off);
  fill = om_calloc((size_t)F + 1, sizeof *fill);
  if (!m->pnodes || !m->cat_dict_off || !fill) goto done;

  /* 1. every categorical split's hashes, grouped by feature, then sorted and
  **    made unique in place: the dictionaries */
  for (uint32_t i = 0; i < m->n_nodes; i++) {
    const gbt_node *nd = &m->nodes[i];
    if ((nd->ff & (GBT_NODE_LEAF | GBT_NODE_CAT)) == GBT_NODE_CAT)
      fill[GBT_NODE_FEATURE(nd) + 1] += nd->u.cat.n;
  }
  for (uint32_t f = 0; f < F; f++)
    fill[f + 1] += fill[f];
  if (fill[F]) {
    m->cat_dict = om_malloc_array(fill[F], sizeof *m->cat_dict);
    tmp = om_malloc_array(fill[F], sizeof *tmp);
    if (!m->cat_dict || !tmp) goto done;
  }
  for (uint32_t i = 0; i < m->n_nodes; i++) {
    const gbt_node *nd = &m->nodes[i];
    if ((nd->ff & (GBT_NODE_LEAF | GBT_NODE_CAT)) != GBT_NODE_CAT) continue;
    memcpy(m->cat_dict + fill[GBT_NODE_FEATURE(nd)], m->cat_hashes + nd->u.cat.off,
           (size_t)nd->u.cat.n * sizeof(uint64_t));
    fill[GBT_NODE_FEATURE(nd)] += nd->u.cat.n;
  }
  /* fill[f] is now the end of f's group; its start is fill[f−1] (0 for f = 0) */
  {
    uint32_t out = 0, begin = 0;
    for (uint32_t f = 0; f < F; f++) {
      uint32_t end = fill[f], n = end - begin;
      m->cat_dict_off[f] = out;
      if (n) {
        gbt_sort_u64(m->cat_dict + begin, tmp, n);
        for (uint32_t j = begin; j < end; j++)
          if (j == begin || m->cat_dict[j] != m->cat_dict[j - 1]) m->cat_dict[out++] = m->cat_dict[j];
      }
      begin = end;
    }
    m->cat_dict_off[F] = out;
  }

  /* 2. sizes of the bitsets and code lists */
  for (uint32_t i = 0; i < m->n_nodes; i++) {
    const gbt_node *nd = &m->nodes[i];
    uint32_t f, w;
    if ((nd->ff & (GBT_NODE_LEAF | GBT_NODE_CAT)) != GBT_NODE_CAT) continue;
    f = GBT_NODE_FEATURE(nd);
    w = (m->cat_dict_off[f + 1] - m->cat_dict_off[f]) / 64 + 1;
    if (w <= GBT_BITSET_MAX_WORDS)
      n_words += w;
    else
      n_codes += nd->u.cat.n;
  }
  if (n_words > UINT32_MAX || n_codes > UINT32_MAX) goto done;
  if (n_words && !(m->cat_bits = om_calloc((size_t)n_words, sizeof *m->cat_bits))) goto done;
  if (n_codes && !(m->cat_codes = om_malloc_array((size_t)n_codes, sizeof *m->cat_codes)))
    goto done;

  /* 3. the scoring nodes */
  n_words = n_codes = 0;
  for (uint32_t i = 0; i < m->n_nodes; i++) {
    const gbt_node *nd = &m->nodes[i];
    gbt_node *pn = &m->pnodes[i];
    const uint64_t *dict, *set;
    uint32_t f, d, w;
    *pn = *nd;
    if ((nd->ff & (GBT_NODE_LEAF | GBT_NODE_CAT)) != GBT_NODE_CAT) continue;
    f = GBT_NODE_FEATURE(nd);
    dict = m->cat_dict + m->cat_dict_off[f];
    d = m->cat_dict_off[f + 1] - m->cat_dict_off[f];
    set = m->cat_hashes + nd->u.cat.off;
    w = d / 64 + 1;
    if (w <= GBT_BITSET_MAX_WORDS) {
      uint64_t *bits = m->cat_bits + n_words;
      for (uint32_t k = 0; k < nd->u.cat.n; k++) {
        uint32_t c = gbt_index_code(dict, d, set[k]); /* ≥ 1: the hash is in dict */
        bits[c >> 6] |= (uint64_t)1 << (c & 63);
      }
      pn->u.cat.off = (uint32_t)n_words;
      pn->u.cat.n = 0;
      n_words += w;
    } else {
      uint32_t *codes = m->cat_codes + n_codes;
      for (uint32_t k = 0; k < nd->u.cat.n; k++)
        codes[k] = gbt_index_code(dict, d, set[k]); /* ascending, like set */
      pn->u.cat.off = (uint32_t)n_codes;
      n_codes += nd->u.cat.n;
    }
  }
  st = OM_OK;
done:
  om_free(fill);
  om_free(tmp);
  if (st != OM_OK) index_free(m);
  return st;
}

void gbt_row_prepare(const gbt_model *m, const double *num, const uint64_t *cat,
                     const uint8_t *missing, double *x) {
  for (uint32_t f = 0; f < m->n_features; f++) {
    int miss = missing && missing[f];
    if (m->is_cat[f]) {
      uint32_t lo = m->cat_dict_off[f], d = m->cat_dict_off[f + 1] - lo;
      x[f] = (miss || d == 0) ? 0.0 : (double)gbt_index_code(m->cat_dict + lo, d, cat[f]);
    } else
      x[f] = miss ? (double)NAN : num[f];
  }
}
