/*
** om_buf.c — the little-endian writer and bounds-checked reader of om_buf.h.
*/
#include "om_buf.h"

#include <string.h>

void om_wbuf_init(om_wbuf *w) { memset(w, 0, sizeof *w); }

void om_wbuf_free(om_wbuf *w) {
  om_free(w->data);
  memset(w, 0, sizeof *w);
}

void om_wbuf_reset(om_wbuf *w) {
  w->len = 0;
  w->failed = 0;
}

int om_wbuf_reserve(om_wbuf *w, size_t extra) {
  size_t need, cap;
  uint8_t *p;
  if (w->failed) return 1;
  if (extra > SIZE_MAX - w->len) goto fail;
  need = w->len + extra;
  if (need <= w->cap) return 0;
  cap = w->cap ? w->cap : 64;
  while (cap < need) {
    if (cap > SIZE_MAX / 2) {
      cap = need;
      break;
    }
    cap *= 2;
  }
  p = om_realloc(w->data, cap);
  if (!p) goto fail;
  w->data = p;
  w->cap = cap;
  return 0;
fail:
  w->failed = 1;
  return 1;
}

void om_wbuf_bytes(om_wbuf *w, const void *p, size_t n) {
  if (n == 0 || om_wbuf_reserve(w, n)) return;
  memcpy(w->data + w->len, p, n);
  w->len += n;
}

void om_wbuf_zeros(om_wbuf *w, size_t n) {
  if (n == 0 || om_wbuf_reserve(w, n)) return;
  memset(w->data + w->len, 0, n);
  w->len += n;
}

void om_wbuf_u8(om_wbuf *w, uint8_t v) { om_wbuf_bytes(w, &v, 1); }

void om_wbuf_u16(om_wbuf *w, uint16_t v) {
  uint8_t b[2];
  om_store_u16(b, v);
  om_wbuf_bytes(w, b, 2);
}

void om_wbuf_u32(om_wbuf *w, uint32_t v) {
  uint8_t b[4];
  om_store_u32(b, v);
  om_wbuf_bytes(w, b, 4);
}

void om_wbuf_u64(om_wbuf *w, uint64_t v) {
  uint8_t b[8];
  om_store_u64(b, v);
  om_wbuf_bytes(w, b, 8);
}

void om_wbuf_i64(om_wbuf *w, int64_t v) { om_wbuf_u64(w, (uint64_t)v); }

void om_wbuf_f64(om_wbuf *w, double v) { om_wbuf_u64(w, om_f64_bits(v)); }

void om_wbuf_put_u32_at(om_wbuf *w, size_t at, uint32_t v) {
  if (!w->failed && at <= w->len && w->len - at >= 4) om_store_u32(w->data + at, v);
}

void om_wbuf_put_u64_at(om_wbuf *w, size_t at, uint64_t v) {
  if (!w->failed && at <= w->len && w->len - at >= 8) om_store_u64(w->data + at, v);
}

uint8_t *om_wbuf_take(om_wbuf *w, size_t *len) {
  uint8_t *p = w->data;
  *len = w->len;
  memset(w, 0, sizeof *w);
  return p;
}

const uint8_t *om_rbuf_bytes(om_rbuf *r, size_t n) {
  const uint8_t *p;
  if (r->bad || n > r->left) {
    r->bad = 1;
    return NULL;
  }
  p = r->p;
  r->p += n;
  r->left -= n;
  return p;
}

uint8_t om_rbuf_u8(om_rbuf *r) {
  const uint8_t *p = om_rbuf_bytes(r, 1);
  return p ? p[0] : 0;
}

uint16_t om_rbuf_u16(om_rbuf *r) {
  const uint8_t *p = om_rbuf_bytes(r, 2);
  return p ? om_load_u16(p) : 0;
}

uint32_t om_rbuf_u32(om_rbuf *r) {
  const uint8_t *p = om_rbuf_bytes(r, 4);
  return p ? om_load_u32(p) : 0;
}

uint64_t om_rbuf_u64(om_rbuf *r) {
  const uint8_t *p = om_rbuf_bytes(r, 8);
  return p ? om_load_u64(p) : 0;
}

int64_t om_rbuf_i64(om_rbuf *r) { return (int64_t)om_rbuf_u64(r); }

double om_rbuf_f64(om_rbuf *r) { return om_f64_from_bits(om_rbuf_u64(r)); }

om_rbuf om_rbuf_sub(om_rbuf *r, size_t n) {
  om_rbuf s;
  const uint8_t *p = om_rbuf_bytes(r, n);
  om_rbuf_init(&s, p, p ? n : 0);
  if (!p) s.bad = 1;
  return s;
}

double om_f64_from_bits(uint64_t u) {
  double d;
  memcpy(&d, &u, sizeof d);
  return d;
}

uint64_t om_f64_bits(double d) {
  uint64_t u;
  memcpy(&u, &d, sizeof u);
  return u;
}
