/*
** om_buf.h — little-endian byte writer and bounds-checked byte reader.
**
** Every encoded format in omen (feature vectors, the model envelope, model
** payloads) is written with om_wbuf and read with om_rbuf.  Fields are written
** one by one in explicit little-endian order — never by memcpy of a struct —
** so the bytes are the same on every host.
**
**   1. om_wbuf grows through om_realloc.  After the first failed allocation
**      the buffer is "failed": later writes do nothing and om_wbuf_status()
**      returns OM_NOMEM, so a writer can check once at the end.
**   2. om_rbuf never reads past its end.  A read that would overrun sets the
**      reader's `bad` flag, returns zero/NULL, and every later read fails too;
**      decoders check om_rbuf_ok() (or the return values) and report
**      OM_CORRUPT.
**   3. Doubles travel as their IEEE-754 bit patterns (uint64 LE).
*/
#ifndef OM_BUF_H
#define OM_BUF_H

#include "om_core.h"

typedef struct om_wbuf {
  uint8_t *data; /* owned; om_free() through om_wbuf_free() */
  size_t len;    /* bytes written */
  size_t cap;    /* bytes allocated */
  int failed;    /* non-zero after an allocation failure */
} om_wbuf;

void om_wbuf_init(om_wbuf *w);
void om_wbuf_free(om_wbuf *w);
void om_wbuf_reset(om_wbuf *w);                 /* len = 0, keep the memory */
int om_wbuf_reserve(om_wbuf *w, size_t extra);  /* 0 on success */
void om_wbuf_bytes(om_wbuf *w, const void *p, size_t n);
void om_wbuf_u8(om_wbuf *w, uint8_t v);
void om_wbuf_u16(om_wbuf *w, uint16_t v);
void om_wbuf_u32(om_wbuf *w, uint32_t v);
void om_wbuf_u64(om_wbuf *w, uint64_t v);
void om_wbuf_i64(om_wbuf *w, int64_t v);
void om_wbuf_f64(om_wbuf *w, double v);
void om_wbuf_zeros(om_wbuf *w, size_t n);
/* Overwrite already-written bytes (for lengths known only later). */
void om_wbuf_put_u32_at(om_wbuf *w, size_t at, uint32_t v);
void om_wbuf_put_u64_at(om_wbuf *w, size_t at, uint64_t v);
static inline om_status om_wbuf_status(const om_wbuf *w) {
  return w->failed ? OM_NOMEM : OM_OK;
}
/* Hand the bytes to the caller (who om_free()s them); the buffer is emptied. */
uint8_t *om_wbuf_take(om_wbuf *w, size_t *len);

typedef struct om_rbuf {
  const uint8_t *p; /* next byte */
  size_t left;      /* bytes remaining */
  int bad;          /* non-zero after an overrun */
} om_rbuf;

static inline void om_rbuf_init(om_rbuf *r, const void *p, size_t n) {
  r->p = (const uint8_t *)p;
  r->left = p ? n : 0;
  r->bad = 0;
}
static inline int om_rbuf_ok(const om_rbuf *r) { return !r->bad; }
const uint8_t *om_rbuf_bytes(om_rbuf *r, size_t n); /* NULL on overrun */
uint8_t om_rbuf_u8(om_rbuf *r);
uint16_t om_rbuf_u16(om_rbuf *r);
uint32_t om_rbuf_u32(om_rbuf *r);
uint64_t om_rbuf_u64(om_rbuf *r);
int64_t om_rbuf_i64(om_rbuf *r);
double om_rbuf_f64(om_rbuf *r);
/* A sub-reader over the next n bytes (marks r bad on overrun). */
om_rbuf om_rbuf_sub(om_rbuf *r, size_t n);

/* Raw little-endian loads/stores for hot loops that did their own bounds check. */
static inline uint64_t om_load_u64(const uint8_t *p) {
  return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
         (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}
static inline uint32_t om_load_u32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint16_t om_load_u16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
/* Written out byte by byte (not as a loop): compilers merge these into one
** store, which they did not do for the loop in hot paths (feature_vector). */
static inline void om_store_u64(uint8_t *p, uint64_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
  p[4] = (uint8_t)(v >> 32);
  p[5] = (uint8_t)(v >> 40);
  p[6] = (uint8_t)(v >> 48);
  p[7] = (uint8_t)(v >> 56);
}
static inline void om_store_u32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}
static inline void om_store_u16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}
double om_f64_from_bits(uint64_t u);
uint64_t om_f64_bits(double d);

#endif /* OM_BUF_H */
