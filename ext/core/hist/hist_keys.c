/*
** hist_keys.c — hist_keymap: byte strings to dense indices (hist.h K1, K2).
*/
#include <string.h>
#include <xxhash.h>

#include "hist.h"

typedef struct hk_entry {
  uint64_t hash;
  size_t off;  /* into the arena */
  size_t len;
} hk_entry;

struct hist_keymap {
  hist_hash_fn hash;
  uint8_t *arena;     /* every key's bytes, back to back */
  size_t arena_n, arena_cap;
  hk_entry *ent;      /* [n] by index */
  uint32_t n, ent_cap;
  uint32_t *slot;     /* [mask + 1]: 0 = empty, else index + 1 */
  size_t mask;
};

static uint64_t hk_xxh3(const void *p, size_t n) { return XXH3_64bits(p, n); }

om_status hist_keymap_new(hist_hash_fn hash, hist_keymap **out) {
  hist_keymap *m = om_calloc(1, sizeof *m);
  *out = NULL;
  if (!m) return OM_NOMEM;
  m->hash = hash ? hash : hk_xxh3;
  m->mask = 63;
  m->slot = om_calloc(m->mask + 1, sizeof *m->slot);
  if (!m->slot) {
    om_free(m);
    return OM_NOMEM;
  }
  *out = m;
  return OM_OK;
}

void hist_keymap_free(hist_keymap *m) {
  if (!m) return;
  om_free(m->arena);
  om_free(m->ent);
  om_free(m->slot);
  om_free(m);
}

uint32_t hist_keymap_count(const hist_keymap *m) { return m->n; }

/* Double the slot table and re-insert every entry. */
static om_status hk_grow(hist_keymap *m) {
  size_t cap = (m->mask + 1) * 2;
  uint32_t *slot = om_calloc(cap, sizeof *slot);
  if (!slot) return OM_NOMEM;
  for (uint32_t i = 0; i < m->n; i++) {
    size_t h = (size_t)m->ent[i].hash & (cap - 1);
    while (slot[h]) h = (h + 1) & (cap - 1);
    slot[h] = i + 1;
  }
  om_free(m->slot);
  m->slot = slot;
  m->mask = cap - 1;
  return OM_OK;
}

om_status hist_keymap_intern(hist_keymap *m, const void *p, size_t n, uint32_t *idx) {
  uint64_t h = m->hash(p, n);
  size_t s = (size_t)h & m->mask;
  while (m->slot[s]) {
    const hk_entry *e = &m->ent[m->slot[s] - 1];
    if (e->hash == h && e->len == n && (n == 0 || memcmp(m->arena + e->off, p, n) == 0)) {
      *idx = m->slot[s] - 1;
      return OM_OK;
    }
    s = (s + 1) & m->mask;
  }
  if (m->n >= HIST_MAX_ROWS) return OM_INVALID;
  if (m->n == m->ent_cap) {
    uint32_t cap = m->ent_cap ? m->ent_cap * 2 : 64;
    hk_entry *e = om_realloc(m->ent, (size_t)cap * sizeof *e);
    if (!e) return OM_NOMEM;
    m->ent = e;
    m->ent_cap = cap;
  }
  if (m->arena_n + n > m->arena_cap) {
    size_t cap = m->arena_cap ? m->arena_cap : 1024;
    while (cap < m->arena_n + n) cap *= 2;
    uint8_t *a = om_realloc(m->arena, cap);
    if (!a) return OM_NOMEM;
    m->arena = a;
    m->arena_cap = cap;
  }
  if (n) memcpy(m->arena + m->arena_n, p, n);
  m->ent[m->n].hash = h;
  m->ent[m->n].off = m->arena_n;
  m->ent[m->n].len = n;
  m->arena_n += n;
  m->slot[s] = m->n + 1;
  *idx = m->n++;
  if ((size_t)m->n * 2 > m->mask + 1) {
    om_status st = hk_grow(m);
    if (st != OM_OK) {
      /* keep the table consistent: undo the insertion */
      m->n--;
      m->arena_n -= n;
      m->slot[s] = 0;
      return st;
    }
  }
  return OM_OK;
}
