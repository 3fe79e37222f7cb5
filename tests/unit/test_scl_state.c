/*
** test_scl_state.c — the scaler_state core (ext/core/prep/scl_state.h):
** states of split rows merge into the state of all rows (behaviours 2, 4),
** the model they finish into is scaler_train's BLOB (3), the codec round
** trips and refuses damage without crashing (5), merge errors (2), and the
** sampled regime beyond SCL_STATE_KEEP values.
*/
#include <stdlib.h>

#include "../../ext/core/base/fv.h"
#include "../../ext/core/prep/scl_state.h"
#include "om_test.h"

/* Row i of the test history: cpu (missing every 17th), mem (spikes), host. */
static void row(int i, om_wbuf *w, int with_mem) {
  fv_entry e[3];
  size_t n = 0;
  char host[8];
  om_err err;
  uint64_t r = (uint64_t)i * 7919u;
  e[n].name = "cpu", e[n].name_len = 3;
  if (i % 17 == 0) e[n].type = FV_MISSING;
  else e[n].type = FV_NUMERIC, e[n].num = 1e6 + 100 * om_test_unif(&r);
  n++;
  if (with_mem) {
    e[n].name = "mem", e[n].name_len = 3, e[n].type = FV_NUMERIC;
    e[n].num = i % 97 == 0 ? 1e300 * (om_test_unif(&r) - 0.5) : exp(3 * om_test_unif(&r));
    n++;
  }
  snprintf(host, sizeof host, "h%d", i % 7);
  e[n].name = "host", e[n].name_len = 4, e[n].type = FV_CATEGORICAL;
  e[n].cat = fv_hash_category(host, strlen(host));
  n++;
  om_wbuf_reset(w);
  fv_encode(e, n, w, &err);
}

static int eq(const om_wbuf *a, const om_wbuf *b) { return a->len == b->len && memcmp(a->data, b->data, a->len) == 0; }

/* Write s, reopen the envelope and decode it into *out (behaviours 5, 6). */
static om_status reopen(scl_state *s, om_wbuf *w, scl_state *out) {
  mdl_view v;
  om_err err;
  om_status st;
  om_wbuf_reset(w);
  if ((st = scl_state_write(s, w, &err)) != OM_OK) return st;
  if ((st = mdl_open(w->data, w->len, &v, &err)) != OM_OK) return st;
  st = scl_state_decode(&v, out, &err);
  mdl_view_free(&v);
  return st;
}

static void test_split(scl_method method, int nrows, int parts) {
  scl_accum acc;
  scl_state all, merged;
  om_wbuf fv, direct, model, tmp, b1, b2;
  om_err err;
  om_wbuf_init(&fv), om_wbuf_init(&direct), om_wbuf_init(&model), om_wbuf_init(&tmp);
  om_wbuf_init(&b1), om_wbuf_init(&b2);
  scl_accum_init(&acc, method);
  scl_state_init(&all, method);
  scl_state_init(&merged, method);
  for (int i = 1; i <= nrows; i++) {
    row(i, &fv, 1);
    CHECK(scl_accum_add(&acc, fv.data, fv.len, &err) == OM_OK);
    CHECK(scl_state_add(&all, fv.data, fv.len, &err) == OM_OK);
  }
  acc.rows_skipped = all.rows_skipped = 3;
  CHECK(scl_accum_finish(&acc, &direct, &err) == OM_OK);
  for (int p = 0; p < parts; p++) {
    scl_state part, back;
    scl_state_init(&part, method);
    for (int i = 1; i <= nrows; i++)
      if (i % parts == p) {
        row(i, &fv, 1);
        scl_state_add(&part, fv.data, fv.len, &err);
      }
    if (p == 0) part.rows_skipped = 3;
    CHECK(reopen(&part, &tmp, &back) == OM_OK);
    CHECK_MSG(scl_state_merge(&merged, &back, &err) == OM_OK, "%s", err.msg);
    scl_state_free(&back);
    scl_state_free(&part);
  }
  /* behaviour 3: the merged model is scaler_train's BLOB */
  CHECK_MSG(scl_state_model(&merged, &model, &err) == OM_OK, "%s", err.msg);
  if (nrows <= SCL_STATE_KEEP) CHECK(eq(&model, &direct));
  else { /* beyond: center and scale are still equal for standard and minmax (the payload is the last bytes) */
    size_t pl = 8 + 16 * 3;
    int same = model.len > pl + 8 && direct.len > pl + 8 &&
               memcmp(model.data + model.len - 8 - pl, direct.data + direct.len - 8 - pl, pl) == 0;
    CHECK(method == SCL_ROBUST ? !same : same);
    CHECK(merged.feats[0].flags == SCL_SF_SAMPLED);
  }
  /* behaviour 4: the merged state is the state of all rows, as bytes */
  {
    scl_state x;
    om_wbuf_reset(&b1);
    om_wbuf_reset(&b2);
    CHECK(scl_state_write(&all, &b1, &err) == OM_OK && scl_state_write(&merged, &b2, &err) == OM_OK);
    if (nrows <= SCL_STATE_KEEP) CHECK(eq(&b1, &b2));
    CHECK(reopen(&all, &tmp, &x) == OM_OK);
    om_wbuf_reset(&b2);
    CHECK(scl_state_write(&x, &b2, &err) == OM_OK && eq(&b1, &b2)); /* round trip */
    scl_state_free(&x);
  }
  scl_accum_free(&acc);
  scl_state_free(&all);
  scl_state_free(&merged);
  om_wbuf_free(&fv), om_wbuf_free(&direct), om_wbuf_free(&model), om_wbuf_free(&tmp);
  om_wbuf_free(&b1), om_wbuf_free(&b2);
}

static void test_errors(void) {
  scl_state a, b, c;
  om_wbuf fv;
  om_err err;
  om_wbuf_init(&fv);
  scl_state_init(&a, SCL_STANDARD);
  scl_state_init(&b, SCL_ROBUST);
  scl_state_init(&c, SCL_STANDARD);
  row(1, &fv, 1);
  scl_state_add(&a, fv.data, fv.len, &err);
  scl_state_add(&b, fv.data, fv.len, &err);
  CHECK(scl_state_merge(&a, &b, &err) == OM_INVALID);
  CHECK_STR(err.msg, "states have different methods: 'standard' and 'robust'");
  row(2, &fv, 0);
  scl_state_add(&c, fv.data, fv.len, &err);
  CHECK(scl_state_merge(&a, &c, &err) == OM_INVALID);
  CHECK_STR(err.msg, "states have different features: 'mem' is in one and not the other");
  CHECK(scl_state_add(&a, "OMFVxx", 6, &err) != OM_OK && a.rows_used == 1); /* a corrupt row changes nothing */
  scl_state_free(&a);
  scl_state_free(&b);
  scl_state_free(&c);
  om_wbuf_free(&fv);
}

/* Behaviour 5: every truncation and single-byte change of the payload is
** refused as OM_CORRUPT or decodes into a state that finishes cleanly. */
static void test_corruption(void) {
  scl_state s, d;
  om_wbuf fv, w, out;
  mdl_view v;
  om_err err;
  int refused = 0, ok = 0;
  om_wbuf_init(&fv), om_wbuf_init(&w), om_wbuf_init(&out);
  scl_state_init(&s, SCL_STANDARD);
  for (int i = 1; i <= 40; i++) {
    row(i, &fv, 1);
    scl_state_add(&s, fv.data, fv.len, &err);
  }
  CHECK(scl_state_write(&s, &w, &err) == OM_OK);
  CHECK(mdl_open(w.data, w.len, &v, &err) == OM_OK);
  {
    const uint8_t *orig = v.payload;
    size_t n = v.payload_len;
    uint8_t *p = malloc(n);
    for (size_t len = 0; len < n; len++) {
      v.payload = orig, v.payload_len = len;
      CHECK(scl_state_decode(&v, &d, &err) == OM_CORRUPT);
    }
    for (size_t k = 0; k < n; k++)
      for (int bit = 0; bit < 8; bit += 3) {
        om_status st;
        memcpy(p, orig, n);
        p[k] ^= (uint8_t)(1u << bit);
        v.payload = p, v.payload_len = n;
        st = scl_state_decode(&v, &d, &err);
        if (st == OM_OK) {
          ok++;
          om_wbuf_reset(&out);
          st = scl_state_model(&d, &out, &err);
          CHECK(st == OM_OK || st == OM_INVALID);
          scl_state_free(&d);
        } else {
          CHECK(st == OM_CORRUPT);
          refused++;
        }
      }
    v.payload = orig, v.payload_len = n;
    free(p);
  }
  CHECK(refused > 0 && ok > 0);
  mdl_view_free(&v);
  scl_state_free(&s);
  om_wbuf_free(&fv), om_wbuf_free(&w), om_wbuf_free(&out);
}

int main(void) {
  test_split(SCL_STANDARD, 500, 3);
  test_split(SCL_MINMAX, 500, 4);
  test_split(SCL_ROBUST, 500, 2);
  test_split(SCL_STANDARD, SCL_STATE_KEEP + 5000, 2);
  test_split(SCL_MINMAX, SCL_STATE_KEEP + 5000, 3);
  test_split(SCL_ROBUST, SCL_STATE_KEEP + 5000, 2);
  test_errors();
  test_corruption();
  return om_test_finish();
}
