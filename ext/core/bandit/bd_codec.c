/*
** bd_codec.c — the bandit payload (bd.h behaviour 7) and its envelope.
**
**   1. bd_encode_payload writes the canonical form: accumulators normalised
**      to sign and magnitude digits, only the non-zero span stored; equal
**      states give equal bytes.
**   2. bd_decode_payload validates before use (bd.h 7) and never reads past
**      the payload; a failure is OM_CORRUPT (OM_NOMEM when out of memory)
**      and leaves nothing allocated.
**   3. bd_write: the envelope has no features; meta rows_used = pulls,
**      rows_skipped = skipped, seed 0, created_at 0, options = the canonical
**      options JSON, metrics {"arms":K,"pulls":N}.  The written BLOB is
**      decoded again through mdl_decode before bd_write returns OM_OK.
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../base/om_text.h"
#include "bd.h"

static void write_acc(om_wbuf *w, const bd_acc *a) {
  bd_acc t = *a;
  int neg, lo, hi;
  bd_acc_normalize(&t);
  neg = t.d[BD_ACC_DIGITS - 1] < 0;
  if (neg) {
    for (int k = 0; k < BD_ACC_DIGITS; k++) t.d[k] = -t.d[k];
    bd_acc_normalize(&t);
  }
  for (hi = BD_ACC_DIGITS - 1; hi >= 0 && t.d[hi] == 0; hi--) {
  }
  if (hi < 0) {
    om_wbuf_u8(w, 0);
    om_wbuf_u8(w, 0);
    om_wbuf_u16(w, 0);
    return;
  }
  for (lo = 0; t.d[lo] == 0; lo++) {
  }
  om_wbuf_u8(w, (uint8_t)neg);
  om_wbuf_u8(w, (uint8_t)(hi - lo + 1));
  om_wbuf_u16(w, (uint16_t)lo);
  for (int k = lo; k <= hi; k++) om_wbuf_u32(w, (uint32_t)t.d[k]);
}

om_status bd_encode_payload(const bd_state *s, om_wbuf *w) {
  om_wbuf_u8(w, (uint8_t)s->opt.policy);
  om_wbuf_u8(w, (uint8_t)s->opt.reward);
  om_wbuf_zeros(w, 6);
  om_wbuf_f64(w, s->opt.epsilon);
  om_wbuf_f64(w, s->opt.c);
  om_wbuf_f64(w, s->opt.d);
  om_wbuf_f64(w, s->opt.gamma);
  om_wbuf_f64(w, s->opt.xi);
  om_wbuf_f64(w, s->opt.scale);
  om_wbuf_f64(w, s->opt.alpha);
  om_wbuf_f64(w, s->opt.lambda);
  om_wbuf_u64(w, s->pulls);
  om_wbuf_u32(w, (uint32_t)s->n_arms);
  om_wbuf_u32(w, s->d);
  for (size_t i = 0; i < s->n_arms; i++) {
    const bd_arm *a = &s->arms[i];
    om_wbuf_u8(w, a->label.type);
    om_wbuf_u8(w, 0);
    om_wbuf_u16(w, a->label.type == BD_LABEL_TEXT ? a->label.len : 0);
    if (a->label.type == BD_LABEL_INT) om_wbuf_i64(w, a->label.i);
    else if (a->label.type == BD_LABEL_REAL) om_wbuf_f64(w, a->label.r);
    else om_wbuf_bytes(w, a->label.text, a->label.len);
    om_wbuf_u64(w, a->n);
    write_acc(w, &a->sum);
    write_acc(w, &a->sumsq);
    if (s->opt.policy == BD_DISCOUNTED_UCB) {
      om_wbuf_f64(w, a->dn);
      om_wbuf_f64(w, a->ds);
      om_wbuf_u64(w, a->last);
    }
    for (uint32_t c = 0; c < s->d; c++)
      for (uint32_t r = c; r < s->d; r++) om_wbuf_f64(w, a->A[r + (size_t)c * s->d]);
    for (uint32_t c = 0; c < s->d; c++) om_wbuf_f64(w, a->b[c]);
  }
  return om_wbuf_status(w);
}

/* 0 on success. */
static int read_acc(om_rbuf *r, bd_acc *a) {
  uint8_t neg = om_rbuf_u8(r), count = om_rbuf_u8(r);
  uint16_t lo = om_rbuf_u16(r);
  memset(a, 0, sizeof *a);
  if (!om_rbuf_ok(r) || neg > 1 || count > BD_ACC_DIGITS || (unsigned)lo + count > BD_ACC_DIGITS) return 1;
  if (count == 0) return neg != 0 || lo != 0;
  for (unsigned k = 0; k < count; k++) {
    uint32_t dig = om_rbuf_u32(r);
    if ((k == 0 || k + 1 == count) && dig == 0) return 1;
    a->d[lo + k] = neg ? -(int64_t)dig : (int64_t)dig;
  }
  a->pending = 1;
  return !om_rbuf_ok(r);
}

om_status bd_decode_payload(const uint8_t *p, size_t n, uint64_t rows_skipped, const mdl_feature *features,
                            uint32_t n_features, bd_state *s, om_err *err) {
  om_rbuf r;
  bd_options o;
  uint32_t k, d;
  uint64_t pulls, total = 0;
  om_status st;
  uint8_t pol, rew;
  om_err inner;
  memset(s, 0, sizeof *s);
  om_rbuf_init(&r, p, n);
  pol = om_rbuf_u8(&r);
  rew = om_rbuf_u8(&r);
  {
    const uint8_t *z = om_rbuf_bytes(&r, 6);
    if (!z) return om_errf(err, OM_CORRUPT, "bandit state is truncated");
    for (int i = 0; i < 6; i++)
      if (z[i]) return om_errf(err, OM_CORRUPT, "bandit state has non-zero reserved bytes");
  }
  memset(&o, 0, sizeof o);
  if (pol >= BD_N_POLICIES || rew > BD_GAUSSIAN)
    return om_errf(err, OM_CORRUPT, "bandit state has unknown policy %u or reward kind %u", pol, rew);
  o.policy = (bd_policy)pol;
  o.reward = (bd_reward)rew;
  o.epsilon = om_rbuf_f64(&r);
  o.c = om_rbuf_f64(&r);
  o.d = om_rbuf_f64(&r);
  o.gamma = om_rbuf_f64(&r);
  o.xi = om_rbuf_f64(&r);
  o.scale = om_rbuf_f64(&r);
  o.alpha = om_rbuf_f64(&r);
  o.lambda = om_rbuf_f64(&r);
  pulls = om_rbuf_u64(&r);
  k = om_rbuf_u32(&r);
  d = om_rbuf_u32(&r);
  if (!om_rbuf_ok(&r)) return om_errf(err, OM_CORRUPT, "bandit state is truncated");
  if (bd_options_check(&o, &inner) != OM_OK)
    return om_errf(err, OM_CORRUPT, "bandit state has invalid options (%s)", inner.msg);
  if (k == 0 || k > BD_MAX_ARMS)
    return om_errf(err, OM_CORRUPT, "bandit state has %u arms; expected 1 to %d", k, BD_MAX_ARMS);
  if ((o.policy == BD_LINUCB) != (d > 0) || d > BD_MAX_FEATURES || d != n_features)
    return om_errf(err, OM_CORRUPT, "bandit state has %u context features and a schema of %u", d, n_features);
  for (uint32_t i = 0; i < n_features; i++)
    if (features[i].type != 1 /* FV_NUMERIC */)
      return om_errf(err, OM_CORRUPT, "bandit state's feature %u is not numeric", i + 1);
  bd_state_init(s, &o);
  if (d) {
    bd_feature f[BD_MAX_FEATURES];
    for (uint32_t i = 0; i < d; i++) {
      f[i].name = (char *)features[i].name;
      f[i].len = features[i].name_len;
    }
    if ((st = bd_state_set_features(s, f, d, err)) != OM_OK) {
      bd_state_free(s);
      return st == OM_NOMEM ? st : om_errf(err, OM_CORRUPT, "bandit state has a bad schema");
    }
  }
  s->arms = om_calloc(k, sizeof *s->arms);
  if (!s->arms) {
    bd_state_free(s);
    return om_errf(err, OM_NOMEM, "out of memory");
  }
  s->cap = k;
  for (uint32_t i = 0; i < k; i++) {
    bd_arm *a = &s->arms[i];
    uint8_t type = om_rbuf_u8(&r), res = om_rbuf_u8(&r);
    uint16_t len = om_rbuf_u16(&r);
    int64_t as_int;
    if (!om_rbuf_ok(&r) || res != 0) goto corrupt;
    a->label.type = type;
    if (type == BD_LABEL_INT) {
      if (len != 0) goto corrupt;
      a->label.i = om_rbuf_i64(&r);
    } else if (type == BD_LABEL_REAL) {
      if (len != 0) goto corrupt;
      a->label.r = om_rbuf_f64(&r);
      if (!isfinite(a->label.r) || bd_real_is_int(a->label.r, &as_int)) goto corrupt;
    } else if (type == BD_LABEL_TEXT) {
      const uint8_t *t;
      if (len == 0 || len > BD_MAX_LABEL) goto corrupt;
      t = om_rbuf_bytes(&r, len);
      if (!t || om_utf8_check((const char *)t, len) != len) goto corrupt;
      a->label.text = om_malloc(len);
      if (!a->label.text) {
        st = om_errf(err, OM_NOMEM, "out of memory");
        goto fail;
      }
      memcpy(a->label.text, t, len);
      a->label.len = len;
    } else goto corrupt;
    s->n_arms = i + 1; /* the label is now owned by s */
    if (i > 0 && bd_label_cmp(&s->arms[i - 1].label, &a->label) >= 0) goto corrupt;
    a->n = om_rbuf_u64(&r);
    if (read_acc(&r, &a->sum) || read_acc(&r, &a->sumsq)) goto corrupt;
    if (a->n > UINT64_MAX - total) goto corrupt;
    total += a->n;
    if (a->n == 0 && (bd_acc_sign(&a->sum) != 0 || bd_acc_sign(&a->sumsq) != 0)) goto corrupt;
    if (bd_acc_sign(&a->sumsq) < 0) goto corrupt;
    if (o.policy == BD_DISCOUNTED_UCB) {
      a->dn = om_rbuf_f64(&r);
      a->ds = om_rbuf_f64(&r);
      a->last = om_rbuf_u64(&r);
      if (!isfinite(a->dn) || !isfinite(a->ds) || !(a->dn >= 0) || a->last > pulls || (a->n == 0) != (a->dn == 0) ||
          (a->n == 0 && (a->ds != 0 || a->last != 0)))
        goto corrupt;
    }
    if (d) {
      a->A = om_malloc_array((size_t)d * d, sizeof *a->A);
      a->b = om_malloc_array(d, sizeof *a->b);
      if (!a->A || !a->b) {
        st = om_errf(err, OM_NOMEM, "out of memory");
        goto fail;
      }
      memset(a->A, 0, (size_t)d * d * sizeof *a->A);
      for (uint32_t c = 0; c < d; c++)
        for (uint32_t rr = c; rr < d; rr++) {
          double v = om_rbuf_f64(&r);
          if (!isfinite(v) || (rr == c && v < 0) || (a->n == 0 && v != 0)) goto corrupt;
          a->A[rr + (size_t)c * d] = v;
        }
      for (uint32_t c = 0; c < d; c++) {
        a->b[c] = om_rbuf_f64(&r);
        if (!isfinite(a->b[c]) || (a->n == 0 && a->b[c] != 0)) goto corrupt;
      }
    }
    if (!om_rbuf_ok(&r)) goto corrupt;
  }
  if (r.left != 0) {
    st = om_errf(err, OM_CORRUPT, "bandit state has trailing bytes");
    goto fail;
  }
  if (total != pulls) {
    st = om_errf(err, OM_CORRUPT, "bandit state's pulls (%llu) are not the sum of its arms' (%llu)",
                 (unsigned long long)pulls, (unsigned long long)total);
    goto fail;
  }
  s->pulls = pulls;
  s->skipped = rows_skipped;
  if ((st = bd_state_ready(s, err)) != OM_OK) goto fail;
  for (uint32_t i = 0; i < k; i++) { /* sums that no log of valid rewards gives */
    const bd_arm *a = &s->arms[i];
    double n1 = (double)a->n * (1 + 1e-12);
    if (!isfinite(a->s) || !isfinite(a->q) || fabs(a->s) > n1 * BD_MAX_REWARD ||
        a->q > n1 * BD_MAX_REWARD * BD_MAX_REWARD || (o.reward == BD_BERNOULLI && (a->s < 0 || a->s > n1))) {
      st = om_errf(err, OM_CORRUPT, "bandit state is corrupt (arm %u's sums)", (unsigned)i + 1);
      goto fail;
    }
  }
  return OM_OK;
corrupt:
  st = om_errf(err, OM_CORRUPT, "bandit state is corrupt (arm %u)", (unsigned)(s->n_arms ? s->n_arms : 1));
fail:
  bd_state_free(s);
  return st;
}

om_status bd_write(bd_state *s, om_wbuf *w, om_err *err) {
  om_wbuf pay, opt;
  mdl_meta meta;
  mdl_feature feats[BD_MAX_FEATURES];
  char metrics[96];
  om_status st;
  size_t start = w->len;
  om_wbuf_init(&pay);
  om_wbuf_init(&opt);
  if (bd_encode_payload(s, &pay) != OM_OK || bd_options_json(&s->opt, &opt) != OM_OK) {
    st = om_errf(err, OM_NOMEM, "out of memory");
    goto done;
  }
  snprintf(metrics, sizeof metrics, "{\"arms\":%zu,\"pulls\":%llu}", s->n_arms, (unsigned long long)s->pulls);
  memset(&meta, 0, sizeof meta);
  meta.rows_used = s->pulls;
  meta.rows_skipped = s->skipped;
  meta.options_json = (const char *)opt.data;
  meta.options_len = opt.len;
  meta.metrics_json = metrics;
  meta.metrics_len = strlen(metrics);
  for (uint32_t i = 0; i < s->d; i++) {
    feats[i].name = s->feat[i].name;
    feats[i].name_len = s->feat[i].len;
    feats[i].type = 1; /* FV_NUMERIC */
  }
  st = mdl_write(w, MDL_KIND_BANDIT, BD_PAYLOAD_VERSION, s->d ? feats : NULL, s->d, &meta, pay.data, pay.len, err);
  if (st == OM_OK) { /* it must load (behaviour 3) */
    mdl_view v;
    bd_state back;
    st = mdl_open(w->data + start, w->len - start, &v, err);
    if (st == OM_OK) {
      st = bd_decode_payload(v.payload, v.payload_len, v.meta.rows_skipped, v.features, v.n_features, &back, err);
      if (st == OM_OK) bd_state_free(&back);
      mdl_view_free(&v);
    }
    if (st == OM_CORRUPT) st = om_errf(err, OM_INTERNAL, "the bandit state written does not load (%s)", err->msg);
  }
done:
  om_wbuf_free(&pay);
  om_wbuf_free(&opt);
  return st;
}
