/*
** test_cf.c — unit tests of conformal calibrations (ext/core/conformal/cf.h).
**
**   make build/unit/test_cf && ./build/unit/test_cf
**
** Covers, by the numbered behaviours of cf.h (and cf_accum.c / cf_codec.c /
** cf_kind.c):
**   1. cf_target: log1p space, negative and non-finite actuals;
**   2. pool and groups; numeric keys with -0 as +0; a group changing type;
**   3. window semantics: only the last W residuals of the pool and of each
**      group, in input order, across ring wrap-around;
**   4. min_group, max_groups (largest groups, ties by key), thinning to
**      CF_RESID_MAX order statistics, "no rows";
**   5. cf_sample_quantile against a brute-force rank computation for every n
**      up to 40 and many q, and against gbt_residual_quantile (the model's
**      own rule) for thinned samples up to 3000;
**   6. cf_lookup: group, pool, unknown key, other type;
**   7. cf_model_identity: stable under created_at stamping, changed by a
**      payload or a schema change;
**   8. codec: decode∘encode is the identity; every single-byte change of a
**      payload is rejected or decodes and re-encodes to itself; every
**      truncation is rejected; hand-made bad fields; the envelope through
**      the kind table (mdl_decode) and model_info's detail;
**   9. determinism: the same rows give the same bytes;
**   options: defaults, every key, every error;
**   OOM loop over accumulate → finish → write → decode.
*/
#include <math.h>
#include <stdlib.h>

#include "cf.h"
#include "gbt.h"
#include "mdl_kind.h"
#include "om_test.h"

/* A deterministic pseudo-random stream (xorshift64*). */
static uint64_t rng_state = 88172645463325252ULL;
static double urand(void) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return (double)((rng_state * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static void opts(cf_options *o, const char *group, uint32_t min_group, uint64_t window) {
  cf_options_default(o);
  o->group = group;
  o->group_len = group ? strlen(group) : 0;
  o->min_group = min_group;
  o->window = window;
}

/* ------------------------------------------------------------ 1 */

static void test_target(void) {
  double v;
  om_err err;
  CHECK(cf_target(CF_SPACE_LOG1P, 0, &v, &err) == OM_OK && v == 0);
  CHECK(cf_target(CF_SPACE_LOG1P, 99, &v, &err) == OM_OK && v == log1p(99.0));
  CHECK(cf_target(CF_SPACE_LOG1P, -1, &v, &err) == OM_INVALID);
  CHECK(cf_target(CF_SPACE_IDENTITY, -1, &v, &err) == OM_OK && v == -1);
  CHECK(cf_target(CF_SPACE_IDENTITY, INFINITY, &v, &err) == OM_INVALID);
  CHECK(cf_target(CF_SPACE_LOG1P, NAN, &v, &err) == OM_INVALID);
}

/* ------------------------------------------------------------ 2, 3, 4, 6 */

static void test_pool_groups_window(void) {
  cf_accum a;
  cf_options o;
  cf_calib c;
  om_err err;
  int is_group;
  const cf_sample *s;
  /* window 3: residuals 1..10 in the pool (keep 8, 9, 10); group 7 gets the
  ** odd ones (keep 5, 7, 9), group 8 the even ones (keep 6, 8, 10) */
  opts(&o, "g", 2, 3);
  CHECK(cf_accum_init(&a, &o, CF_SPACE_LOG1P, 42, &err) == OM_OK);
  for (int i = 1; i <= 10; i++)
    CHECK(cf_accum_add(&a, i, 1, CF_KEY_CATEGORICAL, i % 2 ? 7 : 8, &err) == OM_OK);
  CHECK(cf_accum_add(&a, 0.5, 0, CF_KEY_NONE, 0, &err) == OM_OK); /* pooled only: pool keeps 9, 10, 0.5 */
  CHECK(cf_accum_finish(&a, &c, &err) == OM_OK);
  CHECK(c.pool.n == 3 && c.pool.k == 3 && c.pool.r[0] == 0.5 && c.pool.r[1] == 9 && c.pool.r[2] == 10);
  CHECK(c.n_groups == 2 && c.groups_seen == 2 && c.key_type == CF_KEY_CATEGORICAL);
  CHECK(c.groups[0].key == 7 && c.groups[0].s.n == 3 && c.groups[0].s.r[0] == 5 && c.groups[0].s.r[2] == 9);
  CHECK(c.groups[1].key == 8 && c.groups[1].s.r[0] == 6 && c.groups[1].s.r[2] == 10);
  CHECK(c.model_id == 42 && c.space == CF_SPACE_LOG1P && c.window == 3 && !strcmp(c.group, "g"));
  s = cf_lookup(&c, 1, CF_KEY_CATEGORICAL, 8, &is_group);
  CHECK(is_group && s == &c.groups[1].s);
  s = cf_lookup(&c, 1, CF_KEY_CATEGORICAL, 9, &is_group);
  CHECK(!is_group && s == &c.pool);
  s = cf_lookup(&c, 1, CF_KEY_NUMERIC, 7, &is_group);
  CHECK(!is_group && s == &c.pool);
  s = cf_lookup(&c, 0, CF_KEY_NONE, 7, &is_group);
  CHECK(!is_group && s == &c.pool);
  cf_calib_free(&c);
  /* a group of the other type */
  CHECK(cf_accum_add(&a, 1, 1, CF_KEY_NUMERIC, 1, &err) == OM_INVALID);
  CHECK(strstr(err.msg, "categorical in one row and numeric in another") != NULL);
  cf_accum_free(&a);

  /* min_group: a group with fewer residuals is not stored; no window keeps all */
  opts(&o, "g", 5, 0);
  CHECK(cf_accum_init(&a, &o, CF_SPACE_IDENTITY, 1, &err) == OM_OK);
  for (int i = 0; i < 1000; i++) CHECK(cf_accum_add(&a, (i * 37) % 101, 1, CF_KEY_NUMERIC, cf_numeric_key(i % 250 == 0 ? -0.0 : 1.0 + i % 3), &err) == OM_OK);
  CHECK(cf_accum_finish(&a, &c, &err) == OM_OK);
  CHECK(c.pool.n == 1000 && c.pool.k == 512);
  CHECK(c.groups_seen == 4 && c.n_groups == 3); /* key 0 (i % 250 == 0, 4 rows incl. -0) ... */
  cf_calib_free(&c);
  cf_accum_free(&a);
  CHECK(cf_numeric_key(-0.0) == cf_numeric_key(0.0));

  /* max_groups: the largest groups, ties by smaller key, then stored by key */
  opts(&o, "g", 1, 0);
  o.max_groups = 2;
  CHECK(cf_accum_init(&a, &o, CF_SPACE_IDENTITY, 1, &err) == OM_OK);
  {
    static const uint64_t keys[] = {50, 40, 40, 30, 30, 20, 20, 10, 10, 10};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
      CHECK(cf_accum_add(&a, (double)i, 1, CF_KEY_CATEGORICAL, keys[i], &err) == OM_OK);
  }
  CHECK(cf_accum_finish(&a, &c, &err) == OM_OK);
  CHECK(c.n_groups == 2 && c.groups[0].key == 10 && c.groups[1].key == 20 && c.groups_seen == 5);
  cf_calib_free(&c);
  cf_accum_free(&a);

  /* no rows */
  opts(&o, NULL, 30, 0);
  CHECK(cf_accum_init(&a, &o, CF_SPACE_IDENTITY, 1, &err) == OM_OK);
  CHECK(cf_accum_finish(&a, &c, &err) == OM_INVALID && strstr(err.msg, "no rows") != NULL);
  /* no group option: a key is ignored */
  CHECK(cf_accum_add(&a, 1, 1, CF_KEY_NUMERIC, 5, &err) == OM_OK);
  CHECK(cf_accum_finish(&a, &c, &err) == OM_OK && c.n_groups == 0 && c.key_type == CF_KEY_NONE);
  CHECK(cf_accum_add(&a, NAN, 0, CF_KEY_NONE, 0, &err) == OM_INVALID);
  cf_calib_free(&c);
  cf_accum_free(&a);
}

/* Many groups: the hash table grows past several doublings, windows wrap. */
static void test_many_groups(void) {
  cf_accum a;
  cf_options o;
  cf_calib c;
  om_err err;
  int ok = 1;
  opts(&o, "g", 5, 7);
  CHECK(cf_accum_init(&a, &o, CF_SPACE_IDENTITY, 1, &err) == OM_OK);
  for (int i = 0; i < 30000; i++) ok &= cf_accum_add(&a, i, 1, CF_KEY_NUMERIC, cf_numeric_key(i % 3000), &err) == OM_OK;
  CHECK(ok);
  CHECK(cf_accum_finish(&a, &c, &err) == OM_OK);
  CHECK(c.n_groups == 3000 && c.groups_seen == 3000 && c.pool.n == 7 && c.pool.r[0] == 29993);
  /* every group g holds g + 3000·(3..9): the last 7 of its 10 */
  for (uint32_t i = 0; ok && i < c.n_groups; i++) {
    double g = om_f64_from_bits(c.groups[i].key);
    ok &= c.groups[i].s.n == 7 && c.groups[i].s.r[0] == g + 9000 && c.groups[i].s.r[6] == g + 27000;
    ok &= i == 0 || c.groups[i].key > c.groups[i - 1].key;
  }
  CHECK(ok);
  cf_calib_free(&c);
  cf_accum_free(&a);
}

/* ------------------------------------------------------------ 5 */

static double brute_quantile(const double *sorted, uint64_t n, double q) {
  double k = q >= 0.5 ? ceil((double)(n + 1) * q) : floor((double)(n + 1) * q);
  if (k > (double)n) return INFINITY;
  if (k < 1) return -INFINITY;
  return sorted[(size_t)k - 1];
}

static void test_quantiles(void) {
  static const double qs[] = {0.001, 0.01, 0.025, 0.05, 0.1, 0.25, 0.4999, 0.5, 0.75, 0.9, 0.95, 0.975, 0.99, 0.999};
  double v[3000];
  int ok = 1;
  cf_sample s;
  for (uint64_t n = 1; n <= 40; n++) {
    for (uint64_t i = 0; i < n; i++) v[i] = urand() * 10 - 5;
    qsort(v, n, sizeof v[0], cmp_double);
    s.n = n;
    s.k = (uint32_t)n;
    s.r = v;
    for (size_t j = 0; j < sizeof qs / sizeof qs[0]; j++) {
      double a = cf_sample_quantile(&s, qs[j]), b = brute_quantile(v, n, qs[j]);
      ok &= a == b;
    }
  }
  CHECK(ok);
  s.n = 5;
  s.k = 5;
  s.r = v;
  CHECK(isnan(cf_sample_quantile(&s, 0)) && isnan(cf_sample_quantile(&s, 1)) && isnan(cf_sample_quantile(&s, NAN)));
  s.n = 0;
  s.k = 0;
  CHECK(isnan(cf_sample_quantile(&s, 0.5)));
  /* thinned samples: the same numbers as the gbt model's own rule */
  ok = 1;
  for (uint64_t n = 500; n <= 3000; n += 250) {
    cf_accum a;
    cf_options o;
    cf_calib c;
    om_err err;
    gbt_model *g = gbt_model_alloc(1);
    opts(&o, NULL, 1, 0);
    CHECK(cf_accum_init(&a, &o, CF_SPACE_IDENTITY, 0, &err) == OM_OK);
    for (uint64_t i = 0; i < n; i++) {
      v[i] = urand() * urand() * 20 - 3;
      ok &= cf_accum_add(&a, v[i], 0, CF_KEY_NONE, 0, &err) == OM_OK;
    }
    qsort(v, n, sizeof v[0], cmp_double);
    CHECK(g && gbt_model_set_residuals(g, v, n) == OM_OK);
    CHECK(cf_accum_finish(&a, &c, &err) == OM_OK);
    for (size_t j = 0; j < sizeof qs / sizeof qs[0]; j++) {
      double x = cf_sample_quantile(&c.pool, qs[j]), y = gbt_residual_quantile(g, qs[j]);
      CHECK_MSG(x == y, "n %llu q %g: %.17g vs gbt %.17g", (unsigned long long)n, qs[j], x, y);
      /* close to the exact order statistic of its rank (not in the sparse far tails) */
      if (isfinite(x) && qs[j] >= 0.01 && qs[j] <= 0.99) {
        double e = brute_quantile(v, n, qs[j]);
        CHECK_MSG(fabs(x - e) <= (v[n - 1] - v[0]) * 0.02, "n %llu q %g: %.17g vs exact %.17g",
                  (unsigned long long)n, qs[j], x, e);
      }
    }
    cf_calib_free(&c);
    cf_accum_free(&a);
    gbt_free(g);
  }
  CHECK(ok);
}

/* ------------------------------------------------------------ 7, 8, 9 */

static void make_calib(cf_calib *c, int grouped, uint64_t seed) {
  cf_accum a;
  cf_options o;
  om_err err;
  rng_state = seed;
  opts(&o, grouped ? "user" : NULL, 3, 600);
  cf_accum_init(&a, &o, CF_SPACE_LOG1P, 0x1234567890abcdefULL, &err);
  for (int i = 0; i < 700; i++)
    cf_accum_add(&a, urand() - 0.5, urand() < 0.9, CF_KEY_CATEGORICAL, (uint64_t)(urand() * 12) * 0x9e3779b97f4a7c15ULL,
                 &err);
  cf_accum_finish(&a, c, &err);
  cf_accum_free(&a);
}

static void test_codec(void) {
  cf_calib c, d;
  om_wbuf w, w2;
  om_err err;
  int ok;
  make_calib(&c, 1, 7);
  om_wbuf_init(&w);
  om_wbuf_init(&w2);
  cf_encode_payload(&c, &w);
  CHECK(om_wbuf_status(&w) == OM_OK);
  CHECK(cf_decode_payload(w.data, w.len, &d, &err) == OM_OK);
  cf_encode_payload(&d, &w2);
  CHECK(w2.len == w.len && memcmp(w.data, w2.data, w.len) == 0);
  CHECK(d.n_groups == c.n_groups && d.pool.n == c.pool.n && !strcmp(d.group, "user") && d.model_id == c.model_id);
  cf_calib_free(&d);
  /* every truncation fails; every byte flip fails or round-trips */
  ok = 1;
  for (size_t len = 0; len < w.len; len++) {
    ok &= cf_decode_payload(w.data, len, &d, &err) != OM_OK;
    ok &= d.groups == NULL && d.pool.r == NULL && d.group == NULL;
  }
  CHECK(ok);
  ok = 1;
  for (size_t i = 0; i < w.len; i += (i < 80 ? 1 : 7)) {
    for (int bit = 0; bit < 8; bit += 3) {
      om_status st;
      w.data[i] ^= (uint8_t)(1u << bit);
      st = cf_decode_payload(w.data, w.len, &d, &err);
      if (st == OM_OK) {
        om_wbuf_reset(&w2);
        cf_encode_payload(&d, &w2);
        ok &= w2.len == w.len && memcmp(w.data, w2.data, w.len) == 0;
        cf_calib_free(&d);
      } else {
        ok &= st == OM_CORRUPT || st == OM_UNSUPPORTED_VERSION;
      }
      w.data[i] ^= (uint8_t)(1u << bit);
    }
  }
  CHECK(ok);
  /* hand-made bad fields */
  {
    uint8_t save = w.data[0];
    w.data[0] = 2;
    CHECK(cf_decode_payload(w.data, w.len, &d, &err) == OM_UNSUPPORTED_VERSION);
    CHECK(strstr(err.msg, "format 2 is not supported") != NULL);
    w.data[0] = save;
    w.data[2] = 2; /* space */
    CHECK(cf_decode_payload(w.data, w.len, &d, &err) == OM_CORRUPT);
    w.data[2] = 1;
    om_wbuf_u8(&w, 0); /* trailing byte */
    CHECK(cf_decode_payload(w.data, w.len, &d, &err) == OM_CORRUPT && strstr(err.msg, "after the groups"));
    w.len--;
  }
  /* the envelope, through the kind table */
  {
    mdl_view v;
    const mdl_kind_def *k;
    void *m;
    om_wbuf info;
    om_jw j;
    om_wbuf_reset(&w2);
    CHECK(cf_write(&c, 700, 3, &w2, &err) == OM_OK);
    CHECK(mdl_decode(w2.data, w2.len, &v, &k, &m, &err) == OM_OK);
    CHECK(k && !strcmp(k->name, "conformal") && v.meta.rows_used == 700 && v.meta.rows_skipped == 3);
    CHECK(((cf_calib *)m)->n_groups == c.n_groups);
    om_wbuf_init(&info);
    om_jw_init(&j, &info);
    om_jw_begin_object(&j);
    CHECK(k->info(m, &j, &err) == OM_OK);
    om_jw_end_object(&j);
    om_wbuf_u8(&info, 0);
    CHECK(strstr((char *)info.data, "\"space\":\"log1p\",\"model_id\":\"1234567890abcdef\",\"group\":\"user\"") != NULL);
    om_wbuf_free(&info);
    k->close(m);
    /* stamping created_at changes the BLOB's checksum, not the payload */
    CHECK(mdl_stamp_created_at(w2.data, w2.len, 1700000000, &err) == OM_OK);
    mdl_view_free(&v);
  }
  cf_calib_free(&c);
  /* determinism */
  {
    cf_calib c1, c2;
    make_calib(&c1, 1, 99);
    make_calib(&c2, 1, 99);
    om_wbuf_reset(&w);
    om_wbuf_reset(&w2);
    cf_encode_payload(&c1, &w);
    cf_encode_payload(&c2, &w2);
    CHECK(w.len == w2.len && memcmp(w.data, w2.data, w.len) == 0);
    cf_calib_free(&c1);
    cf_calib_free(&c2);
  }
  om_wbuf_free(&w);
  om_wbuf_free(&w2);
}

static void test_identity(void) {
  static const uint8_t payload[] = {1, 2, 3, 4, 5};
  mdl_feature f[2] = {{"a", 1, 1}, {"b", 1, 2}};
  mdl_view v;
  uint64_t id, id2;
  memset(&v, 0, sizeof v);
  v.kind = MDL_KIND_GBT;
  v.features = f;
  v.n_features = 2;
  v.payload = payload;
  v.payload_len = sizeof payload;
  id = cf_model_identity(&v);
  v.meta.created_at = 1700000000; /* not part of the identity */
  CHECK(cf_model_identity(&v) == id);
  f[1].type = 1;
  id2 = cf_model_identity(&v);
  CHECK(id2 != id);
  f[1].type = 2;
  v.payload_len = 4;
  CHECK(cf_model_identity(&v) != id);
}

/* ------------------------------------------------------------ options */

static void test_options(void) {
  cf_options o;
  om_json_obj j;
  om_err err;
  om_wbuf w;
  const char *t = "{\"group\": \"user\", \"min_group\": 10, \"window\": 500, \"max_groups\": 7}";
  CHECK(cf_options_parse(NULL, 0, &o, &j, &err) == OM_OK && o.min_group == 30 && o.window == 0 && !o.group &&
        o.max_groups == 10000);
  om_json_obj_free(&j);
  CHECK(cf_options_parse(t, strlen(t), &o, &j, &err) == OM_OK);
  CHECK(o.group_len == 4 && !memcmp(o.group, "user", 4) && o.min_group == 10 && o.window == 500 && o.max_groups == 7);
  om_wbuf_init(&w);
  CHECK(cf_options_json(&o, &w) == OM_OK);
  om_wbuf_u8(&w, 0);
  CHECK_STR((char *)w.data, "{\"group\":\"user\",\"min_group\":10,\"window\":500,\"max_groups\":7}");
  om_wbuf_free(&w);
  om_json_obj_free(&j);
#define BAD(text, want)                                                                                              \
  do {                                                                                                               \
    CHECK(cf_options_parse(text, strlen(text), &o, &j, &err) == OM_INVALID);                                         \
    CHECK_MSG(strstr(err.msg, want) != NULL, "%s", err.msg);                                                         \
    om_json_obj_free(&j);                                                                                            \
  } while (0)
  BAD("{\"grup\": 1}", "unknown option \"grup\"; accepted: group, min_group, window, max_groups");
  BAD("{\"group\": 1}", "option group must be the name of a feature");
  BAD("{\"group\": \"\"}", "option group must be the name of a feature");
  BAD("{\"min_group\": 0}", "option min_group must be an integer from 1 to 1000000");
  BAD("{\"window\": -1}", "option window must be an integer from 0 (every row) to 100000000");
  BAD("{\"window\": 1.5}", "option window must be");
  BAD("{\"max_groups\": true}", "option max_groups must be an integer from 1 to 100000");
  BAD("[1]", "options are not a JSON object");
#undef BAD
}

/* ------------------------------------------------------------ OOM */

static void test_oom(void) {
  long start = om_test_alloc_live, k;
  int all_nomem = 1;
  for (k = 1; k < 100000; k++) {
    cf_accum a;
    cf_options o;
    cf_calib c, d;
    om_wbuf w;
    om_err err;
    om_status st = OM_OK;
    om_test_alloc_reset();
    om_test_alloc_fail_at = k;
    opts(&o, "g", 2, 50);
    om_wbuf_init(&w);
    memset(&c, 0, sizeof c);
    memset(&d, 0, sizeof d);
    st = cf_accum_init(&a, &o, CF_SPACE_IDENTITY, 9, &err);
    for (int i = 0; i < 300 && st == OM_OK; i++) st = cf_accum_add(&a, i % 17, 1, CF_KEY_NUMERIC, cf_numeric_key(i % 40), &err);
    if (st == OM_OK) st = cf_accum_finish(&a, &c, &err);
    if (st == OM_OK) st = cf_write(&c, 300, 0, &w, &err);
    if (st == OM_OK) {
      mdl_view v;
      const mdl_kind_def *kd;
      void *m;
      st = mdl_decode(w.data, w.len, &v, &kd, &m, &err);
      if (st == OM_OK) {
        kd->close(m);
        mdl_view_free(&v);
      }
    }
    cf_calib_free(&c);
    cf_accum_free(&a);
    om_wbuf_free(&w);
    om_test_alloc_fail_at = 0;
    if (st == OM_OK) break;
    all_nomem &= st == OM_NOMEM;
    CHECK_MSG(om_test_alloc_live == start, "failing allocation %ld: %ld blocks leaked", k, om_test_alloc_live - start);
  }
  CHECK(all_nomem && k > 10);
  printf("OOM loop: allocations 1..%ld failed one at a time, each gave OM_NOMEM without a leak\n", k - 1);
  om_test_alloc_reset();
}

int main(void) {
  test_target();
  test_pool_groups_window();
  test_many_groups();
  test_quantiles();
  test_codec();
  test_identity();
  test_options();
  test_oom();
  return om_test_finish();
}
