/*
** st_welch_state.c — the welch_state codec and merge; the spec (byte map,
** numbered behaviours) is the header comment of st_welch_state.h.
*/
#include "st_welch_state.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../base/om_text.h"
#include "st_chunks.h"

#define S1_BITS 2098 /* |x| * 2^1074 < 2^2098 for every finite double x */
#define S2_BITS 4196 /* x^2 * 2^2148 < 2^4196 */

/* ------------------------------------------------------------- labels */

static int is_text(const st_wlabel *l) { return l->type == ST_WLABEL_TEXT; }

int st_wlabel_cmp(const st_wlabel *x, const st_wlabel *y) {
  double a, b;
  if (is_text(x) != is_text(y)) return is_text(x) ? 1 : -1;
  if (is_text(x)) {
    uint32_t n = x->len < y->len ? x->len : y->len;
    int c = n ? memcmp(x->text, y->text, n) : 0;
    return c ? c : (x->len > y->len) - (x->len < y->len);
  }
  if (x->type == ST_WLABEL_INT && y->type == ST_WLABEL_INT) return (x->i > y->i) - (x->i < y->i);
  a = x->type == ST_WLABEL_INT ? (double)x->i : x->r;
  b = y->type == ST_WLABEL_INT ? (double)y->i : y->r;
  if (a != b) return a < b ? -1 : 1;
  /* equal as doubles: an integer beyond 2^53 may still differ */
  if (x->type == ST_WLABEL_INT && y->type == ST_WLABEL_REAL && y->r > -9.2e18 && y->r < 9.2e18)
    return (x->i > (int64_t)y->r) - (x->i < (int64_t)y->r);
  if (y->type == ST_WLABEL_INT && x->type == ST_WLABEL_REAL && x->r > -9.2e18 && x->r < 9.2e18)
    return ((int64_t)x->r > y->i) - ((int64_t)x->r < y->i);
  return 0;
}

/* ---------------------------------------------------------------- sums */

static void carry_all(st_sums *s) {
  st_chunk_carry(s->s1, ST_SUMS_C1, &s->lo1, &s->hi1);
  st_chunk_carry(s->s2, ST_SUMS_C2, &s->lo2, &s->hi2);
  s->pending = 0;
}

om_status st_sums_merge(st_sums *dst, const st_sums *src, om_err *err) {
  st_sums t;
  int k;
  if (src->n <= 0) return OM_OK;
  if (dst->n > INT64_MAX - src->n) return om_errf(err, OM_INVALID, "too many rows");
  t = *src;
  carry_all(&t); /* every chunk now below 2^40 in magnitude */
  carry_all(dst);
  if (t.hi1) {
    for (k = t.lo1; k < t.hi1; k++) dst->s1[k] += t.s1[k];
    st_chunk_touch(&dst->lo1, &dst->hi1, t.lo1, t.hi1 - t.lo1);
  }
  if (t.hi2) {
    for (k = t.lo2; k < t.hi2; k++) dst->s2[k] += t.s2[k];
    st_chunk_touch(&dst->lo2, &dst->hi2, t.lo2, t.hi2 - t.lo2);
  }
  dst->n += t.n;
  carry_all(dst);
  return OM_OK;
}

/* The value of chunks c[lo, hi) as a sign and 32-bit digits d[0, *nd) from
** chunk *dlo up, the first and last non-zero (*nd = 0 for zero).  The
** chunks must be carried (st_chunk_carry), so |c[k]| < 2^40; d has room for
** hi - lo + 2 digits. */
static int to_digits(const int64_t *c, int lo, int hi, uint32_t *d, int *dlo, int *nd) {
  int64_t t[ST_SUMS_C2 + 2];
  int n = hi - lo, i, neg = 0, pass;
  *dlo = *nd = 0;
  if (hi == 0 || n <= 0) return 0;
  for (pass = 0; pass < 2; pass++) {
    int64_t carry = 0;
    for (i = 0; i < n; i++) t[i] = neg ? -c[lo + i] : c[lo + i];
    t[n] = t[n + 1] = 0;
    for (i = 0; i < n + 2; i++) {
      int64_t v = t[i] + carry, dd = v & INT64_C(0xffffffff);
      t[i] = dd;
      carry = (v - dd) / INT64_C(4294967296);
    }
    if (carry == 0) break; /* non-negative */
    neg = 1;               /* negative: digits of the magnitude */
  }
  n += 2;
  while (n > 0 && t[n - 1] == 0) n--;
  for (i = 0; i < n && t[i] == 0; i++) {
  }
  *dlo = lo + i;
  *nd = n - i;
  for (int k = 0; k < *nd; k++) d[k] = (uint32_t)t[i + k];
  return neg;
}

/* Bits in the magnitude sum d[k] 2^(32 (lo + k)). */
static int bit_length(int lo, int nd, const uint32_t *d) {
  int b = 0;
  uint32_t top;
  if (nd == 0) return 0;
  top = d[nd - 1];
  while (top) {
    b++;
    top >>= 1;
  }
  return 32 * (lo + nd - 1) + b;
}

/* 1 if the magnitude sum d[k] 2^(32 (lo + k)) is below n 2^K (behaviour
** 4), i.e. floor(magnitude / 2^K) <= n - 1. */
static int below_n_times(int lo, int nd, const uint32_t *d, uint64_t n, int K) {
  uint64_t q = 0;
  if (bit_length(lo, nd, d) > K + 64) return 0;
  for (int k = 0; k < nd; k++) {
    int p = 32 * (lo + k) - K; /* this digit's shift relative to 2^K */
    if (p >= 64 || p <= -32) continue; /* p >= 64 cannot hold a bit here (bit length above) */
    q += p >= 0 ? (uint64_t)d[k] << p : (uint64_t)(d[k] >> -p);
  }
  return q <= n - 1;
}

static void write_sum(om_wbuf *w, const int64_t *c, int lo, int hi) {
  uint32_t d[ST_SUMS_C2 + 2];
  int dlo, nd, neg = to_digits(c, lo, hi, d, &dlo, &nd);
  om_wbuf_u8(w, (uint8_t)neg);
  om_wbuf_u8(w, 0);
  om_wbuf_u16(w, (uint16_t)dlo);
  om_wbuf_u16(w, (uint16_t)nd);
  om_wbuf_u16(w, 0);
  for (int k = 0; k < nd; k++) om_wbuf_u32(w, d[k]);
}

/* Read one sum into c[cap] (zeroed) with its range; 0 on success, else a
** short reason.  The magnitude must be below n 2^K (behaviour 4). */
static const char *read_sum(om_rbuf *r, int64_t *c, int cap, int *lo, int *hi, uint64_t n, int K, int want_nonneg) {
  uint8_t neg = om_rbuf_u8(r), res = om_rbuf_u8(r);
  uint16_t dlo = om_rbuf_u16(r), nd = om_rbuf_u16(r), res2 = om_rbuf_u16(r);
  uint32_t d[ST_SUMS_C2 + 2];
  *lo = *hi = 0;
  if (!om_rbuf_ok(r)) return "truncated";
  if (res || res2) return "non-zero reserved bytes";
  if (neg > 1 || (want_nonneg && neg)) return "bad sign";
  if (nd == 0) return neg || dlo ? "bad empty sum" : NULL;
  if ((int)dlo + nd > cap) return "sum out of range";
  for (int k = 0; k < nd; k++) d[k] = om_rbuf_u32(r);
  if (!om_rbuf_ok(r)) return "truncated";
  if (d[0] == 0 || d[nd - 1] == 0) return "sum not canonical";
  if (!below_n_times(dlo, nd, d, n, K)) return "sum out of range";
  for (int k = 0; k < nd; k++) c[dlo + k] = neg ? -(int64_t)d[k] : (int64_t)d[k];
  *lo = dlo;
  *hi = dlo + nd;
  return NULL;
}

/* ------------------------------------------------------------- payload */

static int settings_ok(const st_wstate *s) {
  return (s->alt == ST_TWO_SIDED || s->alt == ST_LESS || s->alt == ST_GREATER) && s->confidence > 0.0 &&
         s->confidence < 1.0;
}

om_status st_wstate_encode(const st_wstate *s, om_wbuf *w, om_err *err) {
  if (!settings_ok(s) || s->n_groups < 1 || s->n_groups > ST_WSTATE_MAX_GROUPS)
    return om_errf(err, OM_INTERNAL, "welch_state to encode has bad settings or %d groups", s->n_groups);
  for (int i = 0; i < s->n_groups; i++) {
    const st_wlabel *l = &s->g[i].label;
    if (s->g[i].sums.n < 1 || (l->type != ST_WLABEL_INT && l->type != ST_WLABEL_REAL && l->type != ST_WLABEL_TEXT) ||
        (l->type == ST_WLABEL_REAL && isnan(l->r)) || (i > 0 && st_wlabel_cmp(&s->g[i - 1].label, l) >= 0))
      return om_errf(err, OM_INTERNAL, "welch_state to encode has a bad group %d", i + 1);
  }
  om_wbuf_u8(w, (uint8_t)s->alt);
  om_wbuf_u8(w, (uint8_t)s->n_groups);
  om_wbuf_zeros(w, 6);
  om_wbuf_f64(w, s->confidence);
  for (int i = 0; i < s->n_groups; i++) {
    const st_wgroup *g = &s->g[i];
    st_sums t = g->sums;
    om_wbuf_u8(w, g->label.type);
    om_wbuf_u8(w, 0);
    om_wbuf_u16(w, 0);
    om_wbuf_u32(w, g->label.type == ST_WLABEL_TEXT ? g->label.len : 0);
    if (g->label.type == ST_WLABEL_INT) om_wbuf_i64(w, g->label.i);
    else if (g->label.type == ST_WLABEL_REAL) om_wbuf_f64(w, g->label.r);
    else om_wbuf_bytes(w, g->label.text, g->label.len);
    om_wbuf_u64(w, (uint64_t)t.n);
    carry_all(&t);
    write_sum(w, t.s1, t.lo1, t.hi1);
    write_sum(w, t.s2, t.lo2, t.hi2);
  }
  return om_wbuf_status(w) == OM_OK ? OM_OK : om_errf(err, OM_NOMEM, "out of memory");
}

#define CORRUPT(why) om_errf(err, OM_CORRUPT, "welch_state payload is corrupt (%s)", why)

om_status st_wstate_decode(const uint8_t *p, size_t n, st_wstate *out, om_err *err) {
  om_rbuf r;
  const uint8_t *z;
  uint8_t alt, ng;
  const char *why;
  char buf[48];
  memset(out, 0, sizeof *out);
  om_rbuf_init(&r, p, n);
  alt = om_rbuf_u8(&r);
  ng = om_rbuf_u8(&r);
  z = om_rbuf_bytes(&r, 6);
  out->confidence = om_rbuf_f64(&r);
  if (!om_rbuf_ok(&r)) return CORRUPT("truncated");
  for (int i = 0; i < 6; i++)
    if (z[i]) return CORRUPT("non-zero reserved bytes");
  if (alt > ST_GREATER) return CORRUPT("unknown alternative");
  out->alt = (st_alternative)alt;
  if (!(out->confidence > 0.0 && out->confidence < 1.0)) return CORRUPT("confidence out of range");
  if (ng < 1 || ng > ST_WSTATE_MAX_GROUPS) return CORRUPT("bad group count");
  for (int i = 0; i < ng; i++) {
    st_wgroup *g = &out->g[i];
    uint8_t type = om_rbuf_u8(&r), res = om_rbuf_u8(&r);
    uint16_t res2 = om_rbuf_u16(&r);
    uint32_t len = om_rbuf_u32(&r);
    uint64_t cnt;
    snprintf(buf, sizeof buf, "group %d", i + 1);
    if (!om_rbuf_ok(&r)) return CORRUPT("truncated");
    if (res || res2) return CORRUPT("non-zero reserved bytes");
    g->label.type = type;
    if (type == ST_WLABEL_INT || type == ST_WLABEL_REAL) {
      if (len != 0) return CORRUPT(buf);
      if (type == ST_WLABEL_INT) g->label.i = om_rbuf_i64(&r);
      else g->label.r = om_rbuf_f64(&r);
      if (type == ST_WLABEL_REAL && isnan(g->label.r)) return CORRUPT(buf);
    } else if (type == ST_WLABEL_TEXT) {
      const uint8_t *t = om_rbuf_bytes(&r, len);
      if (!t && len) return CORRUPT("truncated");
      if (len && om_utf8_check((const char *)t, len) != len) return CORRUPT("group label is not valid UTF-8");
      g->label.text = len ? (const char *)t : "";
      g->label.len = len;
    } else {
      return CORRUPT(buf);
    }
    if (!om_rbuf_ok(&r)) return CORRUPT("truncated");
    if (i > 0 && st_wlabel_cmp(&out->g[i - 1].label, &g->label) >= 0) return CORRUPT("groups out of order");
    cnt = om_rbuf_u64(&r);
    if (!om_rbuf_ok(&r)) return CORRUPT("truncated");
    if (cnt < 1 || cnt > (uint64_t)INT64_MAX) return CORRUPT("bad count");
    g->sums.n = (int64_t)cnt;
    why = read_sum(&r, g->sums.s1, ST_SUMS_C1, &g->sums.lo1, &g->sums.hi1, cnt, S1_BITS, 0);
    if (!why) why = read_sum(&r, g->sums.s2, ST_SUMS_C2, &g->sums.lo2, &g->sums.hi2, cnt, S2_BITS, 1);
    if (why) return CORRUPT(why);
    if (g->sums.hi2 == 0 && g->sums.hi1 != 0) return CORRUPT("sum of squares is zero, sum is not");
  }
  if (r.left) return CORRUPT("trailing bytes");
  out->n_groups = ng;
  return OM_OK;
}

/* ------------------------------------------------------------ envelope */

static const char *alt_name(st_alternative a) {
  return a == ST_LESS ? "less" : a == ST_GREATER ? "greater" : "two-sided";
}

om_status st_wstate_write(const st_wstate *s, om_wbuf *w, om_err *err) {
  om_wbuf pay, opt, met;
  om_jw j;
  mdl_meta meta;
  om_status st;
  uint64_t rows = 0;
  om_wbuf_init(&pay);
  om_wbuf_init(&opt);
  om_wbuf_init(&met);
  st = st_wstate_encode(s, &pay, err);
  if (st != OM_OK) goto done;
  for (int i = 0; i < s->n_groups; i++) rows += (uint64_t)s->g[i].sums.n;
  om_jw_init(&j, &opt);
  om_jw_begin_object(&j);
  om_jw_key(&j, "alternative");
  om_jw_string(&j, alt_name(s->alt));
  om_jw_key(&j, "confidence");
  om_jw_double(&j, s->confidence);
  om_jw_end_object(&j);
  om_jw_init(&j, &met);
  om_jw_begin_object(&j);
  om_jw_key(&j, "groups");
  om_jw_int(&j, s->n_groups);
  om_jw_key(&j, "rows");
  om_jw_uint(&j, rows);
  om_jw_end_object(&j);
  if (om_wbuf_status(&opt) != OM_OK || om_wbuf_status(&met) != OM_OK) {
    st = om_errf(err, OM_NOMEM, "out of memory");
    goto done;
  }
  memset(&meta, 0, sizeof meta);
  meta.rows_used = rows;
  meta.options_json = (const char *)opt.data;
  meta.options_len = opt.len;
  meta.metrics_json = (const char *)met.data;
  meta.metrics_len = met.len;
  st = mdl_write(w, MDL_KIND_WELCH_STATE, ST_WSTATE_PAYLOAD_VERSION, NULL, 0, &meta, pay.data, pay.len, err);
done:
  om_wbuf_free(&pay);
  om_wbuf_free(&opt);
  om_wbuf_free(&met);
  return st;
}

static void label_json(om_jw *j, const st_wlabel *l) {
  if (l->type == ST_WLABEL_INT) om_jw_int(j, l->i);
  else if (l->type == ST_WLABEL_REAL) om_jw_double(j, l->r);
  else om_jw_string_n(j, l->text, l->len);
}

om_status st_wstate_info(const st_wstate *s, om_jw *j, om_err *err) {
  (void)err;
  om_jw_key(j, "alternative");
  om_jw_string(j, alt_name(s->alt));
  om_jw_key(j, "confidence");
  om_jw_double(j, s->confidence);
  om_jw_key(j, "groups");
  om_jw_begin_array(j);
  for (int i = 0; i < s->n_groups; i++) {
    om_jw_begin_object(j);
    om_jw_key(j, "group");
    label_json(j, &s->g[i].label);
    om_jw_key(j, "n");
    om_jw_int(j, s->g[i].sums.n);
    om_jw_end_object(j);
  }
  om_jw_end_array(j);
  return OM_OK;
}
