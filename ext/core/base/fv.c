/*
** fv.c — encode and decode feature-vector BLOBs; the byte map and the
** behaviours are in fv.h.
*/
#include "fv.h"

#include <math.h>
#include <string.h>
#include <xxhash.h>

#include "om_text.h"

static const uint8_t fv_magic[4] = {'O', 'M', 'F', 'V'};

int fv_has_magic(const uint8_t *blob, size_t n) { return blob && n >= 4 && memcmp(blob, fv_magic, 4) == 0; }

uint64_t fv_hash_category(const char *text, size_t n) { return XXH3_64bits(text, n); }

int fv_name_cmp(const char *a, size_t an, const char *b, size_t bn) {
  size_t m = an < bn ? an : bn;
  int c = m ? memcmp(a, b, m) : 0;
  if (c) return c;
  return an < bn ? -1 : (an > bn ? 1 : 0);
}

const char *fv_type_name(fv_type t) {
  switch (t) {
  case FV_MISSING: return "missing";
  case FV_NUMERIC: return "numeric";
  case FV_CATEGORICAL: return "categorical";
  }
  return "unknown";
}

/* Bytes an entry takes in the BLOB. */
static size_t fv_entry_size(const fv_entry *e) {
  return 4 + e->name_len + (e->type == FV_MISSING ? 0 : 8);
}

/* Store one entry at p (room checked by the caller); returns the end. */
static uint8_t *fv_store_entry(uint8_t *p, const fv_entry *e) {
  p[0] = (uint8_t)e->type;
  p[1] = 0;
  om_store_u16(p + 2, (uint16_t)e->name_len);
  memcpy(p + 4, e->name, e->name_len);
  p += 4 + e->name_len;
  if (e->type == FV_NUMERIC) {
    om_store_u64(p, om_f64_bits(e->num));
    p += 8;
  } else if (e->type == FV_CATEGORICAL) {
    om_store_u64(p, e->cat);
    p += 8;
  }
  return p;
}

om_status fv_check_name(const char *name, size_t n, const char *what, om_err *err) {
  size_t at = om_utf8_check(name, n);
  if (at == n) return OM_OK;
  if (name[at] == 0)
    return om_errf(err, OM_INVALID, "%s contains a NUL byte at offset %zu; names must be valid UTF-8 without NUL", what,
                   at);
  return om_errf(err, OM_INVALID, "%s has byte 0x%02x at offset %zu, which is not valid UTF-8; names must be valid UTF-8 without NUL",
                 what, (unsigned char)name[at], at);
}

static int entry_cmp(const fv_entry *a, const fv_entry *b, size_t *compares) {
  ++*compares;
  return fv_name_cmp(a->name, a->name_len, b->name, b->name_len);
}

/* Restore the max-heap property below node i of e[0..n). */
static void sift_down(fv_entry *e, size_t i, size_t n, size_t *compares) {
  for (;;) {
    size_t c = 2 * i + 1;
    fv_entry t;
    if (c >= n) return;
    if (c + 1 < n && entry_cmp(&e[c], &e[c + 1], compares) < 0) c++;
    if (entry_cmp(&e[i], &e[c], compares) >= 0) return;
    t = e[i];
    e[i] = e[c];
    e[c] = t;
    i = c;
  }
}

size_t fv_sort(fv_entry *entries, size_t n) {
  size_t i, j, compares = 0;
  for (i = 1; i < n; i++) /* already in order: the usual case, n - 1 comparisons */
    if (entry_cmp(&entries[i - 1], &entries[i], &compares) > 0) break;
  if (i >= n) return compares;
  if (n <= 16) { /* insertion sort: few moves for short vectors */
    for (i = 1; i < n; i++) {
      fv_entry e = entries[i];
      for (j = i; j > 0 && entry_cmp(&entries[j - 1], &e, &compares) > 0; j--) entries[j] = entries[j - 1];
      entries[j] = e;
    }
    return compares;
  }
  /* Heapsort: in place (no allocation per row), at most ~2 n log2 n
  ** comparisons whatever the input order. */
  for (i = n / 2; i-- > 0;) sift_down(entries, i, n, &compares);
  for (i = n - 1; i > 0; i--) {
    fv_entry t = entries[0];
    entries[0] = entries[i];
    entries[i] = t;
    sift_down(entries, 0, i, &compares);
  }
  return compares;
}

om_status fv_encode(fv_entry *entries, size_t n, om_wbuf *w, om_err *err) {
  size_t i;
  om_status st;
  if (n > FV_MAX_COUNT) return om_errf(err, OM_INVALID, "too many features (%zu); at most %d", n, FV_MAX_COUNT);
  fv_sort(entries, n);
  for (i = 0; i < n; i++) {
    if (entries[i].name_len == 0) return om_errf(err, OM_INVALID, "feature name is empty");
    if (entries[i].name_len > FV_MAX_NAME)
      return om_errf(err, OM_INVALID, "feature name \"%.40s...\" is %zu bytes; at most %d", entries[i].name,
                     entries[i].name_len, FV_MAX_NAME);
    if ((st = fv_check_name(entries[i].name, entries[i].name_len, "feature name", err)) != OM_OK) return st;
    if (i > 0 && fv_name_cmp(entries[i - 1].name, entries[i - 1].name_len, entries[i].name, entries[i].name_len) == 0)
      return om_errf(err, OM_INVALID, "duplicate feature name \"%.*s\"", (int)entries[i].name_len, entries[i].name);
    if (entries[i].type == FV_NUMERIC && !isfinite(entries[i].num))
      return om_errf(err, OM_INVALID, "value of \"%.*s\" is not a finite number", (int)entries[i].name_len,
                     entries[i].name);
    if (entries[i].type == FV_NUMERIC && entries[i].num == 0) entries[i].num = 0.0; /* -0 → +0 */
  }
  {
    size_t total = FV_HEADER_SIZE;
    uint8_t *p;
    for (i = 0; i < n; i++) total += fv_entry_size(&entries[i]);
    if (om_wbuf_reserve(w, total)) return om_errf(err, OM_NOMEM, "out of memory");
    fv_write_header(w, (uint16_t)n);
    p = w->data + w->len;
    for (i = 0; i < n; i++) p = fv_store_entry(p, &entries[i]);
    w->len = (size_t)(p - w->data);
  }
  return om_wbuf_status(w) == OM_OK ? OM_OK : om_errf(err, OM_NOMEM, "out of memory");
}

void fv_write_header(om_wbuf *w, uint16_t count) {
  uint8_t h[FV_HEADER_SIZE] = {'O', 'M', 'F', 'V', FV_VERSION, 0, 0, 0};
  om_store_u16(h + 6, count);
  om_wbuf_bytes(w, h, sizeof h);
}

void fv_write_entry(om_wbuf *w, const fv_entry *e) {
  size_t n = fv_entry_size(e);
  if (om_wbuf_reserve(w, n)) return;
  fv_store_entry(w->data + w->len, e);
  w->len += n;
}

om_status fv_open(fv_reader *it, const void *blob, size_t n, om_err *err) {
  const uint8_t *h;
  memset(it, 0, sizeof *it);
  om_rbuf_init(&it->r, blob, n);
  h = om_rbuf_bytes(&it->r, FV_HEADER_SIZE);
  if (!h || memcmp(h, fv_magic, 4) != 0) return om_errf(err, OM_CORRUPT, "not a feature vector");
  if (h[4] != FV_VERSION)
    return om_errf(err, OM_UNSUPPORTED_VERSION, "feature vector format %u is not supported (this build reads %d)",
                   h[4], FV_VERSION);
  if (h[5] != 0) return om_errf(err, OM_CORRUPT, "feature vector has non-zero reserved bits");
  it->count = om_load_u16(h + 6);
  return OM_OK;
}

int fv_next(fv_reader *it, fv_entry *e, om_status *st, om_err *err) {
  uint8_t type, reserved;
  uint16_t len;
  const uint8_t *name;
  *st = OM_OK;
  if (it->index >= it->count) {
    if (it->r.left != 0) *st = om_errf(err, OM_CORRUPT, "feature vector has trailing bytes");
    return 0;
  }
  type = om_rbuf_u8(&it->r);
  reserved = om_rbuf_u8(&it->r);
  len = om_rbuf_u16(&it->r);
  name = om_rbuf_bytes(&it->r, len);
  if (!om_rbuf_ok(&it->r)) goto corrupt;
  if (type > FV_CATEGORICAL || reserved != 0 || len == 0 || len > FV_MAX_NAME) goto corrupt;
  if (om_utf8_check((const char *)name, len) != len) goto corrupt; /* behaviour 1c */
  if (it->index > 0 && fv_name_cmp(it->prev, it->prev_len, (const char *)name, len) >= 0) goto corrupt;
  e->name = (const char *)name;
  e->name_len = len;
  e->type = (fv_type)type;
  e->num = 0;
  e->cat = 0;
  if (type == FV_NUMERIC) {
    e->num = om_rbuf_f64(&it->r);
    if (!om_rbuf_ok(&it->r) || !isfinite(e->num)) goto corrupt;
    if (e->num == 0 && signbit(e->num)) goto corrupt; /* the encoder never writes -0 */
  } else if (type == FV_CATEGORICAL) {
    e->cat = om_rbuf_u64(&it->r);
    if (!om_rbuf_ok(&it->r)) goto corrupt;
  }
  it->prev = e->name;
  it->prev_len = len;
  it->index++;
  return 1;
corrupt:
  *st = om_errf(err, OM_CORRUPT, "feature vector is corrupt (entry %u)", it->index + 1);
  return 0;
}

om_status fv_validate(const void *blob, size_t n, om_err *err) {
  fv_reader it;
  fv_entry e;
  om_status st = fv_open(&it, blob, n, err);
  if (st != OM_OK) return st;
  while (fv_next(&it, &e, &st, err)) {
  }
  return st;
}
