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
**   4. gbt_model_index builds the compact scoring layout last
**      (gbt_score_build, from pnodes and the bitsets); freeing the index
**      frees it too.  Out of memory in either leaves neither.
*/
#include "gbt.h"

#include <math.h>
#include <string.h>

/* Position of h in the ascending a[0..n), + 1; 0 when absent.  The search
** steps are arithmetic, not branches: a row's categories are looked up once
** per row, and their order is random. */
uint32_t gbt_index_code(const uint64_t *a, uint32_t n, uint64_t h) {
  uint32_t lo = 0;
  if (n == 0) return 0;
  while (n > 1) { /* a[lo .. lo + n) holds h if a does */
    uint32_t half = n / 2;
    lo += half & (0u - (uint32_t)(a[lo + half - 1] < h));
    n -= half;
  }
  return a[lo] == h ? lo + 1 : 0;
}

void gbt_model_index_free(gbt_model *m) {
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
  gbt_score_free(m);
}

/* A small open-addressing table from hash to code (0 = empty slot), grown
** as it fills.  It only speeds up building the index: codes come from the
** sorted dictionary, so the table's layout (and its seed) never shows in
** the result.  The seed comes from the table's own address, so a crafted
** model cannot aim collisions at it; a probe run longer than
** CODE_TABLE_MAX_PROBE grows the table (and changes the seed) while it has
** fewer than 16 slots per entry, so memory stays bounded whatever the input. */
#define CODE_TABLE_MAX_PROBE 32
typedef struct code_table {
  uint64_t *key;
  uint32_t *code;
  uint32_t mask, n; /* capacity − 1 (a power of two minus one), entries */
  uint64_t seed;
} code_table;

static uint32_t code_table_slot(const code_table *t, uint64_t key) {
  uint64_t h = (key ^ t->seed) * 0x9E3779B97F4A7C15ull;
  return (uint32_t)(h >> 32) & t->mask;
}

static void code_table_free(code_table *t) {
  om_free(t->key);
  om_free(t->code);
  memset(t, 0, sizeof *t);
}

static int code_table_alloc(code_table *t, uint32_t cap) {
  code_table_free(t);
  t->key = om_malloc_array(cap, sizeof *t->key);
  t->code = om_calloc(cap, sizeof *t->code);
  if (!t->key || !t->code) return 1;
  t->mask = cap - 1;
  t->seed = (uint64_t)(uintptr_t)t->key * 0xD6E8FEB86659FD93ull ^ (uint64_t)cap;
  return 0;
}

static int code_table_put(code_table *t, uint64_t key, uint32_t code);

/* Doubles the table (a new seed comes with the new arrays). */
static int code_table_grow(code_table *t) {
  code_table old = *t;
  uint32_t cap = (t->mask + 1) * 2;
  memset(t, 0, sizeof *t);
  if (cap == 0 || code_table_alloc(t, cap)) {
    code_table_free(t);
    *t = old;
    return 1;
  }
  for (uint32_t i = 0; i <= old.mask; i++)
    if (old.code[i] && code_table_put(t, old.key[i], old.code[i])) {
      code_table_free(t);
      *t = old;
      return 1;
    }
  code_table_free(&old);
  return 0;
}

/* Inserts key with code (≥ 1) unless it is present.  1 on out of memory. */
static int code_table_put(code_table *t, uint64_t key, uint32_t code) {
  for (;;) {
    uint32_t i = code_table_slot(t, key), probes = 0;
    if ((uint64_t)(t->n + 1) * 2 > (uint64_t)t->mask + 1) {
      if (code_table_grow(t)) return 1;
      continue;
    }
    while (t->code[i] && t->key[i] != key && probes < CODE_TABLE_MAX_PROBE) {
      i = (i + 1) & t->mask;
      probes++;
    }
    /* a long run grows the table, up to 16 slots per entry (+ 1024) */
    if (probes == CODE_TABLE_MAX_PROBE && (uint64_t)t->mask + 1 < 16 * ((uint64_t)t->n + 64)) {
      if (code_table_grow(t)) return 1;
      continue;
    }
    while (t->code[i] && t->key[i] != key) /* a table that may not grow further */
      i = (i + 1) & t->mask;
    if (!t->code[i]) {
      t->key[i] = key;
      t->code[i] = code;
      t->n++;
    }
    return 0;
  }
}

static uint32_t code_table_get(const code_table *t, uint64_t key) {
  uint32_t i = code_table_slot(t, key);
  while (t->code[i]) {
    if (t->key[i] == key) return t->code[i];
    i = (i + 1) & t->mask;
  }
  return 0;
}

om_status gbt_model_index(gbt_model *m) {
  uint32_t F = m->n_features, *byf = NULL, *byf_off = NULL, n_cat_nodes = 0, n_dict = 0;
  uint64_t *tmp = NULL, n_words = 0, n_codes = 0, dict_cap = 0;
  code_table t;
  om_status st = OM_NOMEM;
  memset(&t, 0, sizeof t);
  gbt_model_index_free(m);
  m->pnodes = om_malloc_array(m->n_nodes ? m->n_nodes : 1, sizeof *m->pnodes);
  m->cat_dict_off = om_calloc((size_t)F + 1, sizeof *m->cat_dict_off);
  byf_off = om_calloc((size_t)F + 1, sizeof *byf_off);
  if (!m->pnodes || !m->cat_dict_off || !byf_off) goto done;

  /* 1. the categorical nodes grouped by feature (counting sort) */
  for (uint32_t i = 0; i < m->n_nodes; i++) {
    const gbt_node *nd = &m->nodes[i];
    m->pnodes[i] = *nd;
    if ((nd->ff & (GBT_NODE_LEAF | GBT_NODE_CAT)) == GBT_NODE_CAT) {
      byf_off[GBT_NODE_FEATURE(nd) + 1]++;
      n_cat_nodes++;
    }
  }
  if (n_cat_nodes == 0) {
    st = gbt_score_build(m);
    goto done;
  }
  for (uint32_t f = 0; f < F; f++)
    byf_off[f + 1] += byf_off[f];
  byf = om_malloc_array(n_cat_nodes, sizeof *byf);
  if (!byf) goto done;
  for (uint32_t i = 0; i < m->n_nodes; i++) {
    const gbt_node *nd = &m->nodes[i];
    if ((nd->ff & (GBT_NODE_LEAF | GBT_NODE_CAT)) == GBT_NODE_CAT)
      byf[byf_off[GBT_NODE_FEATURE(nd)]++] = i;
  }
  for (uint32_t f = F; f > 0; f--) /* back to starts */
    byf_off[f] = byf_off[f - 1];
  byf_off[0] = 0;

  /* 2. per feature, its distinct hashes (table) sorted: the dictionary */
  for (uint32_t f = 0; f < F; f++) {
    uint32_t d = 0;
    m->cat_dict_off[f] = n_dict;
    if (byf_off[f] == byf_off[f + 1]) continue;
    if (code_table_alloc(&t, 64)) goto done;
    for (uint32_t j = byf_off[f]; j < byf_off[f + 1]; j++) {
      const gbt_node *nd = &m->nodes[byf[j]];
      for (uint32_t k = 0; k < nd->u.cat.n; k++)
        if (code_table_put(&t, m->cat_hashes[nd->u.cat.off + k], 1)) goto done;
    }
    if (n_dict + (uint64_t)t.n > dict_cap) { /* grow the dictionaries (doubling) */
      uint64_t cap = dict_cap ? dict_cap : 256;
      uint64_t *p;
      while (cap < n_dict + (uint64_t)t.n)
        cap *= 2;
      p = om_realloc(m->cat_dict, (size_t)cap * sizeof *p);
      if (!p) goto done;
      m->cat_dict = p;
      dict_cap = cap;
    }
    for (uint32_t i = 0; i <= t.mask; i++)
      if (t.code[i]) m->cat_dict[n_dict + d++] = t.key[i];
    om_free(tmp);
    if (!(tmp = om_malloc_array(d, sizeof *tmp))) goto done;
    gbt_sort_u64(m->cat_dict + n_dict, tmp, d);
    n_dict += d;
  }
  m->cat_dict_off[F] = n_dict;

  /* 3. sizes of the bitsets and code lists */
  for (uint32_t j = 0; j < n_cat_nodes; j++) {
    const gbt_node *nd = &m->nodes[byf[j]];
    uint32_t f = GBT_NODE_FEATURE(nd);
    uint32_t w = (m->cat_dict_off[f + 1] - m->cat_dict_off[f]) / 64 + 1;
    if (w <= GBT_BITSET_MAX_WORDS)
      n_words += w;
    else
      n_codes += nd->u.cat.n;
  }
  if (n_words > UINT32_MAX || n_codes > UINT32_MAX) goto done;
  if (n_words && !(m->cat_bits = om_calloc((size_t)n_words, sizeof *m->cat_bits))) goto done;
  if (n_codes && !(m->cat_codes = om_malloc_array((size_t)n_codes, sizeof *m->cat_codes)))
    goto done;

  /* 4. the scoring nodes: each set's codes, through a table of the
  **    dictionary (code = 1 + position) */
  n_words = n_codes = 0;
  for (uint32_t f = 0; f < F; f++) {
    uint32_t lo = m->cat_dict_off[f], d = m->cat_dict_off[f + 1] - lo, w = d / 64 + 1;
    if (byf_off[f] == byf_off[f + 1]) continue;
    if (code_table_alloc(&t, 64)) goto done;
    for (uint32_t k = 0; k < d; k++)
      if (code_table_put(&t, m->cat_dict[lo + k], k + 1)) goto done;
    for (uint32_t j = byf_off[f]; j < byf_off[f + 1]; j++) {
      const gbt_node *nd = &m->nodes[byf[j]];
      gbt_node *pn = &m->pnodes[byf[j]];
      const uint64_t *set = m->cat_hashes + nd->u.cat.off;
      if (w <= GBT_BITSET_MAX_WORDS) {
        uint64_t *bits = m->cat_bits + n_words;
        for (uint32_t k = 0; k < nd->u.cat.n; k++) {
          uint32_t c = code_table_get(&t, set[k]); /* ≥ 1: the hash is in the dictionary */
          bits[c >> 6] |= (uint64_t)1 << (c & 63);
        }
        pn->u.cat.off = (uint32_t)n_words;
        pn->u.cat.n = 0;
        n_words += w;
      } else {
        uint32_t *codes = m->cat_codes + n_codes;
        for (uint32_t k = 0; k < nd->u.cat.n; k++)
          codes[k] = code_table_get(&t, set[k]); /* ascending, like set */
        pn->u.cat.off = (uint32_t)n_codes;
        n_codes += nd->u.cat.n;
      }
    }
  }
  st = gbt_score_build(m);
done:
  code_table_free(&t);
  om_free(byf);
  om_free(byf_off);
  om_free(tmp);
  if (st != OM_OK) gbt_model_index_free(m);
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
