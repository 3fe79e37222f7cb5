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
**   4b. bins: edges at the raw scores' ranks floor(j·n/K), every bin's sample
**      against a brute-force binning, windows, min_group, lookup by raw,
**      format 2 round trips (flips, truncations, envelope version), format
**      1 still written without bins;
**  10. the distribution: F against a brute-force interpolation of the
**      conformal ranks (ties, thinned samples), F at cf_sample_quantile's
**      value = its rank/(n + 1), tails, log S and its inverse, the
**      conditional form against (F(t) − F(e))/(1 − F(e)), t ≤ e, elapsed
**      beyond every residual (the memoryless closed forms), remaining time
**      inverting the conditional CDF, NaN only for bad arguments, and
**      agreement with the gbt model's own distribution (gbt_dist_*) over
**      the same residuals;
**   4c. shrink: the blend's weight and interval quantiles against hand-made
**      samples (exact values), min_group / unstored groups / unknown keys
**      use the pool alone, bins with shrink, infinite group quantiles;
**      format 3 round trips (flips, truncations, envelope version 3, info
**      and options JSON), hand-made bad shrink fields, and formats 1 and 2
**      still written without shrink;
**  11. the blended distribution (Vincentization): F at hand-computed points
**      of every region (both lower tails, a lower tail against a line, the
**      lines, both upper tails), equal to the averaged sample when the two
**      samples share n (thinned too), ties (the top of the jump), w = 1
**      identical to behaviour 10, the conditional form, remaining inverting
**      it, extreme arguments never NaN, and the blended interval lying
**      outside the blend's quantiles (F(lo) ≤ (1 − c)/2, F(hi) ≥ (1 + c)/2);
**   options: defaults, every key, every error;
**   OOM loop over accumulate → finish → write → decode (plain, bins, and
**   group with shrink).
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
    w.data[0] = 4;
    CHECK(cf_decode_payload(w.data, w.len, &d, &err) == OM_UNSUPPORTED_VERSION);
    CHECK(strstr(err.msg, "format 4 is not supported (this build reads 1 to 3)") != NULL);
    w.data[0] = 2; /* format 2 must have bins */
    CHECK(cf_decode_payload(w.data, w.len, &d, &err) == OM_CORRUPT && strstr(err.msg, "format 2 without bins"));
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
  BAD("{\"bins\": 1}", "option bins must be an integer from 2 to 1000 (the number of prediction-level bins)");
  BAD("{\"bins\": 1001}", "option bins must be an integer from 2 to 1000");
  BAD("{\"bins\": 4, \"group\": \"user\"}", "options group and bins cannot be combined; calibrate by one of them");
  BAD("{\"grup\": 1}", "accepted: group, min_group, window, max_groups, bins, shrink");
  BAD("{\"group\": \"u\", \"shrink\": 0}", "option shrink must be a number > 0 (the residual count at which a group "
                                         "weighs as much as the pool), e.g. 100");
  BAD("{\"group\": \"u\", \"shrink\": -5}", "option shrink must be a number > 0");
  BAD("{\"group\": \"u\", \"shrink\": \"100\"}", "option shrink must be a number > 0");
  BAD("{\"group\": \"u\", \"shrink\": true}", "option shrink must be a number > 0");
  BAD("{\"group\": \"u\", \"shrink\": null}", "option shrink must be a number > 0");
  BAD("{\"group\": \"u\", \"shrink\": 1e999}", "option shrink must be a number > 0");
  BAD("{\"shrink\": 100}", "option shrink needs group or bins; it pulls each group's quantiles towards the pool's");
  BAD("{\"shrink\": 100, \"window\": 5}", "option shrink needs group or bins");
#undef BAD
  t = "{\"group\": \"user\", \"shrink\": 100}";
  CHECK(cf_options_parse(t, strlen(t), &o, &j, &err) == OM_OK && o.shrink == 100 && o.group_len == 4 && !o.bins);
  om_wbuf_init(&w);
  CHECK(cf_options_json(&o, &w) == OM_OK);
  om_wbuf_u8(&w, 0);
  CHECK_STR((char *)w.data, "{\"group\":\"user\",\"min_group\":30,\"window\":0,\"max_groups\":10000,\"shrink\":100}");
  om_wbuf_free(&w);
  om_json_obj_free(&j);
  t = "{\"bins\": 4, \"shrink\": 2.5e-3}";
  CHECK(cf_options_parse(t, strlen(t), &o, &j, &err) == OM_OK && o.shrink == 2.5e-3 && o.bins == 4);
  om_wbuf_init(&w);
  CHECK(cf_options_json(&o, &w) == OM_OK);
  om_wbuf_u8(&w, 0);
  CHECK_STR((char *)w.data, "{\"group\":null,\"min_group\":30,\"window\":0,\"max_groups\":10000,\"bins\":4,\"shrink\":0.0025}");
  om_wbuf_free(&w);
  om_json_obj_free(&j);
  t = "{\"bins\": 12, \"window\": 9}";
  CHECK(cf_options_parse(t, strlen(t), &o, &j, &err) == OM_OK && o.bins == 12 && o.window == 9 && !o.group);
  om_wbuf_init(&w);
  CHECK(cf_options_json(&o, &w) == OM_OK);
  om_wbuf_u8(&w, 0);
  CHECK_STR((char *)w.data, "{\"group\":null,\"min_group\":30,\"window\":9,\"max_groups\":10000,\"bins\":12}");
  om_wbuf_free(&w);
  om_json_obj_free(&j);
}


/* ------------------------------------------------------------ 4b */

static uint32_t brute_bin(const double *edges, uint32_t K, double x) {
  uint32_t b = 0;
  for (uint32_t j = 0; j + 1 < K; j++) b += edges[j] <= x;
  return b;
}

static void test_bins(void) {
  enum { N = 2000, W = 1500, K = 7 };
  static double raw[N], res[N], tmp[N], mine[N];
  cf_accum a;
  cf_options o;
  cf_calib c;
  om_err err;
  int ok = 1, is_group;
  opts(&o, NULL, 30, W);
  o.bins = K;
  CHECK(cf_accum_init(&a, &o, CF_SPACE_LOG1P, 5, &err) == OM_OK);
  for (int i = 0; i < N; i++) {
    raw[i] = floor(urand() * 40) / 4; /* ties on purpose */
    res[i] = (urand() - 0.5) * (1 + raw[i]);
    ok &= cf_accum_add_scored(&a, res[i], raw[i], 0, CF_KEY_NONE, 0, &err) == OM_OK;
  }
  CHECK(ok);
  CHECK(cf_accum_add(&a, 1, 0, CF_KEY_NONE, 0, &err) == OM_INVALID && strstr(err.msg, "raw score is not finite"));
  CHECK(cf_accum_add_scored(&a, 1, INFINITY, 0, CF_KEY_NONE, 0, &err) == OM_INVALID);
  CHECK(cf_accum_finish(&a, &c, &err) == OM_OK);
  CHECK(c.format == 2 && c.bins == K && c.key_type == CF_KEY_BIN && c.pool.n == W && !c.group);
  /* edges: the kept rows' raw scores (the last W) at ranks floor(j·W/K) */
  memcpy(tmp, raw + N - W, W * sizeof(double));
  qsort(tmp, W, sizeof tmp[0], cmp_double);
  for (uint32_t j = 1; j < K; j++) ok &= c.edges[j - 1] == tmp[(size_t)j * W / K];
  CHECK(ok);
  /* every bin's sample against a brute-force binning of the kept rows */
  {
    uint32_t seen = 0, stored = 0;
    for (uint32_t b = 0; b < K; b++) {
      size_t m = 0;
      const cf_sample *s;
      for (int i = N - W; i < N; i++)
        if (brute_bin(c.edges, K, raw[i]) == b) mine[m++] = res[i];
      seen += m > 0;
      qsort(mine, m, sizeof mine[0], cmp_double);
      s = cf_lookup(&c, 1, CF_KEY_BIN, b, &is_group);
      if (m >= 30) {
        stored++;
        ok &= is_group && s->n == m && s->r[0] == mine[0] && s->r[s->k - 1] == mine[m - 1];
      } else {
        ok &= !is_group && s == &c.pool;
      }
      ok &= cf_bin_of(&c, c.edges[b < K - 1 ? b : K - 2]) == (b < K - 1 ? b + 1 : K - 1) || b == K - 1;
    }
    CHECK(ok && seen == c.groups_seen && stored == c.n_groups);
  }
  /* lookup by raw score: the bin of the row's raw, a NaN raw the pool; a group key is ignored */
  for (int i = 0; i < 200; i++) {
    double x = urand() * 12 - 1;
    const cf_sample *s = cf_lookup_row(&c, 1, CF_KEY_CATEGORICAL, 77, x, &is_group), *t;
    t = cf_lookup(&c, 1, CF_KEY_BIN, brute_bin(c.edges, K, x), &is_group);
    ok &= s == t;
  }
  CHECK(ok);
  CHECK(cf_lookup_row(&c, 0, CF_KEY_NONE, 0, NAN, &is_group) == &c.pool && !is_group);
  CHECK(cf_bin_of(&c, -1e300) == 0 && cf_bin_of(&c, 1e300) == K - 1);
  cf_calib_free(&c);
  cf_accum_free(&a);
  /* fewer rows than bins: equal edges leave empty bins; max_groups keeps the largest */
  opts(&o, NULL, 1, 0);
  o.bins = 10;
  o.max_groups = 2;
  CHECK(cf_accum_init(&a, &o, CF_SPACE_LOG1P, 5, &err) == OM_OK);
  for (int i = 0; i < 4; i++) CHECK(cf_accum_add_scored(&a, i, i < 3 ? 1.0 : 2.0, 0, CF_KEY_NONE, 0, &err) == OM_OK);
  CHECK(cf_accum_finish(&a, &c, &err) == OM_OK);
  CHECK(c.edges[0] == 1.0 && c.edges[8] == 2.0 && c.groups_seen == 2 && c.n_groups == 2);
  CHECK(c.groups[0].s.n == 3 && c.groups[1].s.n == 1 && c.groups[1].key == 9);
  cf_calib_free(&c);
  cf_accum_free(&a);
}

static void make_bins_calib(cf_calib *c, uint64_t seed) {
  cf_accum a;
  cf_options o;
  om_err err;
  rng_state = seed;
  opts(&o, NULL, 20, 0);
  o.bins = 6;
  cf_accum_init(&a, &o, CF_SPACE_LOG1P, 0x42ULL, &err);
  for (int i = 0; i < 400; i++) cf_accum_add_scored(&a, urand() - 0.5, urand() * 8, 0, CF_KEY_NONE, 0, &err);
  cf_accum_finish(&a, c, &err);
  cf_accum_free(&a);
}

static void test_bins_codec(void) {
  cf_calib c, d;
  om_wbuf w, w2;
  om_err err;
  int ok = 1;
  make_bins_calib(&c, 3);
  om_wbuf_init(&w);
  om_wbuf_init(&w2);
  cf_encode_payload(&c, &w);
  CHECK(w.data[0] == 2 && w.data[1] == 0 && w.data[3] == CF_KEY_BIN);
  CHECK(cf_decode_payload(w.data, w.len, &d, &err) == OM_OK);
  CHECK(d.format == 2 && d.bins == 6 && d.edges[4] == c.edges[4] && d.n_groups == c.n_groups);
  cf_encode_payload(&d, &w2);
  CHECK(w2.len == w.len && memcmp(w.data, w2.data, w.len) == 0);
  cf_calib_free(&d);
  for (size_t len = 0; len < w.len; len++) {
    ok &= cf_decode_payload(w.data, len, &d, &err) != OM_OK;
    ok &= d.groups == NULL && d.pool.r == NULL && d.edges == NULL;
  }
  CHECK(ok);
  for (size_t i = 0; i < w.len; i += (i < 120 ? 1 : 5)) {
    for (int bit = 0; bit < 8; bit += 2) {
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
  /* hand-made: a format-1 payload with bins' key type; edges out of order; a bin key ≥ K */
  w.data[0] = 1;
  CHECK(cf_decode_payload(w.data, w.len, &d, &err) == OM_CORRUPT && strstr(err.msg, "unknown group key type 3"));
  w.data[0] = 2;
  {
    size_t e0 = 2 + 1 + 1 + 4 + 8 + 8 + 4 + 4 + 2 + 2; /* the first edge */
    double save, big = 1e9;
    memcpy(&save, w.data + e0, 8);
    memcpy(w.data + e0, &big, 8);
    CHECK(cf_decode_payload(w.data, w.len, &d, &err) == OM_CORRUPT && strstr(err.msg, "non-decreasing (edge 2)"));
    memcpy(w.data + e0, &save, 8);
    w.data[e0 - 2] = 1; /* K = 1 */
    CHECK(cf_decode_payload(w.data, w.len, &d, &err) == OM_CORRUPT && strstr(err.msg, "has 1 bins"));
    w.data[e0 - 2] = 6;
  }
  /* the envelope says version 2; a mismatch with the payload is corrupt */
  {
    mdl_view v;
    const mdl_kind_def *k;
    void *m;
    om_wbuf info;
    om_jw j;
    om_wbuf_reset(&w2);
    CHECK(cf_write(&c, 400, 0, &w2, &err) == OM_OK);
    CHECK(mdl_decode(w2.data, w2.len, &v, &k, &m, &err) == OM_OK && v.payload_version == 2);
    om_wbuf_init(&info);
    om_jw_init(&j, &info);
    om_jw_begin_object(&j);
    CHECK(k->info(m, &j, &err) == OM_OK);
    om_jw_end_object(&j);
    om_wbuf_u8(&info, 0);
    CHECK(strstr((char *)info.data, "\"group_type\":\"bin\"") && strstr((char *)info.data, "\"bins\":6,\"edges\":["));
    om_wbuf_free(&info);
    k->close(m);
    mdl_view_free(&v);
    {
      cf_calib plain;
      make_calib(&plain, 0, 5);
      om_wbuf_reset(&w2);
      CHECK(cf_write(&plain, 700, 0, &w2, &err) == OM_OK);
      CHECK(mdl_decode(w2.data, w2.len, &v, &k, &m, &err) == OM_OK && v.payload_version == 1);
      k->close(m);
      mdl_view_free(&v);
      cf_calib_free(&plain);
    }
  }
  cf_calib_free(&c);
  om_wbuf_free(&w);
  om_wbuf_free(&w2);
}

/* ------------------------------------------------------------ 10 */

/* F by brute force on an unthinned sorted sample: i = #(r ≤ u), linear
** between the order statistics of ranks i and i + 1. */
static double brute_cdf(const double *r, uint64_t n, double u) {
  uint64_t i = 0;
  while (i < n && r[i] <= u) i++;
  if (i == 0 || i == n) return NAN; /* the tails: checked separately */
  return ((double)i + (u - r[i - 1]) / (r[i] - r[i - 1])) / (double)(n + 1);
}

static double tail_hi(const double *r, uint32_t k) { /* β_hi by its definition */
  uint32_t m = (uint32_t)ceil(sqrt((double)k));
  double sum = 0;
  if (m > k - 1) m = k - 1;
  if (m == 0) return CF_TAIL_MIN;
  for (uint32_t i = 0; i < m; i++) sum += r[k - 1 - i] - r[k - 1 - m];
  return sum / m > CF_TAIL_MIN ? sum / m : CF_TAIL_MIN;
}

static void test_dist(void) {
  static const double qs[] = {0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99};
  double v[64];
  cf_sample s;
  int ok = 1;
  for (uint64_t n = 1; n <= 60; n++) {
    for (uint64_t i = 0; i < n; i++) v[i] = n % 3 == 0 ? floor(urand() * 6) / 2 : urand() * 4 - 2; /* ties: n % 3 */
    qsort(v, n, sizeof v[0], cmp_double);
    s.n = n;
    s.k = (uint32_t)n;
    s.r = v;
    /* inside: the brute-force interpolation; at every knot the top of its tie */
    for (int j = 0; j < 50; j++) {
      double u = v[0] + (v[n - 1] - v[0]) * urand(), b = brute_cdf(v, n, u);
      if (b == b) ok &= fabs(cf_sample_cdf(&s, u) - b) < 1e-12;
    }
    for (uint64_t i = 0; i + 1 < n; i++) {
      uint64_t top = i;
      while (top + 1 < n && v[top + 1] == v[i]) top++;
      ok &= fabs(cf_sample_cdf(&s, v[i]) - (double)(top + 1) / (double)(n + 1)) < 1e-12;
    }
    /* at the conformal quantile F is its rank over n + 1 (no ties) */
    if (n % 3)
      for (size_t j = 0; j < sizeof qs / sizeof qs[0]; j++) {
        double x = cf_sample_quantile(&s, qs[j]), kq = qs[j] >= 0.5 ? ceil((n + 1) * qs[j]) : floor((n + 1) * qs[j]);
        if (isfinite(x)) ok &= fabs(cf_sample_cdf(&s, x) - kq / (double)(n + 1)) < 1e-12;
      }
    /* tails: below r_0 in [0, P_0], above r_(n−1) in [P_(n−1), 1] (0 and 1 only by
    ** underflow), monotone, log S exactly the line */
    {
      double bh = tail_hi(v, (uint32_t)n), P = (double)n / (double)(n + 1), prev = 0;
      for (int j = -40; j <= 40; j++) {
        double u = j < 0 ? v[0] + j * 0.5 : v[n - 1] + j * 0.5, F = cf_sample_cdf(&s, u);
        ok &= F >= prev && F >= 0 && F <= 1 && (j < -2 || F > 0);
        if (j < 0) ok &= F <= 1.0 / (double)(n + 1);
        else ok &= F >= P - 1e-15 && fabs(cf_sample_logsf(&s, u) - (log1p(-P) - j * 0.5 / bh)) < 1e-9;
        prev = F;
      }
      ok &= fabs(cf_sample_logsf(&s, v[n - 1] + 2000) - (log1p(-P) - 2000 / bh)) < 1e-12 * (2000 / bh);
    }
    /* log S inverts (F is strictly increasing: no ties) */
    for (int j = 0; j < 30 && n % 3; j++) {
      double L = log(urand() + 1e-9) * (j % 3 == 0 ? 20 : 1), u = cf_sample_logsf_inv(&s, L);
      ok &= fabs(cf_sample_logsf(&s, u) - L) < 1e-9 * (1 + fabs(L));
    }
  }
  CHECK(ok);
  /* the duration forms (raw = log1p(100)) */
  {
    double raw = log1p(100.0), r[200];
    for (int i = 0; i < 200; i++) r[i] = (urand() - 0.5) * 2;
    qsort(r, 200, sizeof r[0], cmp_double);
    s.n = 200;
    s.k = 200;
    s.r = r;
    ok = 1;
    for (int j = 0; j < 200; j++) {
      double t = 300 * urand() + 0.01, e = 150 * urand(), Ft = cf_sample_cdf(&s, log1p(t) - raw),
             Fe = cf_sample_cdf(&s, log1p(e) - raw), p = cf_dist_cdf(&s, raw, t, e);
      ok &= cf_dist_cdf(&s, raw, t, 0) == Ft;                      /* elapsed 0: no condition */
      if (t <= e) ok &= p == 0;
      else ok &= fabs(p - (Ft - Fe) / (1 - Fe)) < 1e-12 && p >= 0 && p <= 1;
    }
    CHECK(ok);
    /* remaining inverts the conditional CDF; elapsed 0 is the plain quantile */
    ok = 1;
    for (int j = 0; j < 200; j++) {
      double e = j % 4 == 0 ? 0 : 300 * urand(), q = 0.01 + 0.98 * urand(), rem = cf_dist_remaining(&s, raw, e, q);
      ok &= rem >= 0;
      if (rem > 0) ok &= fabs(cf_dist_cdf(&s, raw, e + rem, e) - q) < 1e-9;
    }
    CHECK(ok);
    /* elapsed beyond every residual: memoryless in log1p space */
    {
      double bh = tail_hi(r, 200), e = expm1(raw + r[199] + 1), t = 3 * e;
      CHECK_CLOSE(cf_dist_cdf(&s, raw, t, e), 1 - pow((1 + t) / (1 + e), -1 / bh), 1e-10);
      CHECK_CLOSE(cf_dist_remaining(&s, raw, e, 0.5), (1 + e) * (pow(0.5, -bh) - 1), 1e-10);
      e = 1e300; /* far beyond: still a probability and a time, never NaN */
      CHECK(cf_dist_cdf(&s, raw, 1.5e300, e) > 0 && cf_dist_cdf(&s, raw, 1.5e300, e) < 1);
      CHECK_CLOSE(cf_dist_remaining(&s, raw, e, 0.5), (1 + e) * (pow(0.5, -bh) - 1), 1e-10);
      CHECK(cf_dist_remaining(&s, raw, 1e308, 1 - 1e-15) == INFINITY); /* beyond a double: +Inf */
      CHECK(cf_dist_cdf(&s, raw, 1e300, 0) <= 1 && cf_dist_cdf(&s, raw, 1e-300, 0) > 0);
    }
    /* t below every residual (a tiny deadline), above every one */
    CHECK(cf_dist_cdf(&s, raw, 1, 0) < 1.0 / 201 && cf_dist_cdf(&s, raw, 1e6, 0) > 200.0 / 201);
    /* a clamped quantile: remaining at elapsed 0 is 0 when the q-quantile is below 0 s */
    CHECK(cf_dist_remaining(&s, -5, 0, 0.5) == 0);
    /* bad arguments give NaN (the SQL layer never lets them through) */
    CHECK(isnan(cf_dist_cdf(&s, raw, 0, 0)) && isnan(cf_dist_cdf(&s, raw, -1, 0)) && isnan(cf_dist_cdf(&s, raw, 5, -1)));
    CHECK(isnan(cf_dist_cdf(&s, raw, NAN, 0)) && isnan(cf_dist_cdf(&s, NAN, 5, 0)) && isnan(cf_dist_cdf(&s, raw, INFINITY, 0)));
    CHECK(isnan(cf_dist_remaining(&s, raw, 5, 0)) && isnan(cf_dist_remaining(&s, raw, 5, 1)) &&
          isnan(cf_dist_remaining(&s, raw, -1, 0.5)) && isnan(cf_dist_remaining(&s, raw, NAN, 0.5)));
    CHECK(isnan(cf_sample_logsf_inv(&s, 0.5)) && isnan(cf_sample_cdf(&s, NAN)));
    s.n = 0;
    s.k = 0;
    CHECK(isnan(cf_dist_cdf(&s, raw, 5, 0)) && isnan(cf_dist_remaining(&s, raw, 5, 0.5)) && isnan(cf_sample_cdf(&s, 0)));
    /* one residual: both tails CF_TAIL_MIN, F = 1/2 there */
    s.n = 1;
    s.k = 1;
    CHECK(cf_sample_cdf(&s, r[0]) == 0.5 && fabs(cf_sample_cdf(&s, r[0] + CF_TAIL_MIN) - (1 - 0.5 * exp(-1))) < 1e-12);
    /* the inverse just above the upper tail's start, where −expm1(L) rounds to P_(k−1): never past r_(k−1)
    ** (fuzz_conformal found the read past the end; run under asan by make test) */
    for (uint32_t k = 1; k <= 4; k++) {
      double top, L;
      s.n = k;
      s.k = k;
      top = log1p(-(double)k / (k + 1));
      L = top;
      for (int j = 0; j < 64; j++) {
        L = nextafter(L, 0);
        CHECK(isfinite(cf_sample_logsf_inv(&s, L)) && cf_sample_logsf_inv(&s, L) <= r[k - 1]);
      }
    }
  }
}

/* The same residuals in a gbt 'duration' model: its own distribution
** (gbt_dist_*, point 14) and this one agree, thinned samples included
** (elapsed > 0; at elapsed 0 the model's form conditions on T > 0). */
static void test_dist_vs_gbt(void) {
  static double v[5000];
  int ok = 1;
  for (uint64_t n = 50; n <= 5000; n = n * 3 + 7) {
    cf_accum a;
    cf_options o;
    cf_calib c;
    om_err err;
    gbt_model *g = gbt_model_alloc(1);
    opts(&o, NULL, 1, 0);
    CHECK(cf_accum_init(&a, &o, CF_SPACE_LOG1P, 0, &err) == OM_OK);
    for (uint64_t i = 0; i < n; i++) {
      v[i] = (urand() - 0.3) * urand() * 3;
      ok &= cf_accum_add(&a, v[i], 0, CF_KEY_NONE, 0, &err) == OM_OK;
    }
    qsort(v, n, sizeof v[0], cmp_double);
    CHECK(g && gbt_model_set_residuals(g, v, n) == OM_OK);
    g->objective = GBT_DURATION;
    CHECK(cf_accum_finish(&a, &c, &err) == OM_OK);
    for (int j = 0; j < 100; j++) {
      double raw = urand() * 8, t = expm1(urand() * 10) + 0.001, e = expm1(urand() * 9) + 0.001, q = 0.01 + 0.98 * urand();
      ok &= fabs(cf_dist_cdf(&c.pool, raw, t, 0) - gbt_dist_cdf(g, raw, t)) < 1e-12;
      ok &= fabs(cf_dist_cdf(&c.pool, raw, t, e) - gbt_dist_cond_cdf(g, raw, t, e)) < 1e-12;
      ok &= fabs(cf_dist_remaining(&c.pool, raw, e, q) - gbt_dist_remaining(g, raw, e, q)) <=
            1e-9 * (1 + gbt_dist_remaining(g, raw, e, q));
    }
    cf_calib_free(&c);
    cf_accum_free(&a);
    gbt_free(g);
  }
  CHECK(ok);
}

/* ------------------------------------------------------------ 4c */

static void test_shrink(void) {
  cf_accum a;
  cf_options o;
  cf_calib c;
  cf_mix m;
  om_err err;
  int is_group, ok = 1;
  /* group 7: residuals 1..20; group 8: 21..25 (5 < min_group 20, not stored);
  ** pooled only: 26..40.  The pool is 1..40. */
  opts(&o, "g", 20, 0);
  o.shrink = 10;
  CHECK(cf_accum_init(&a, &o, CF_SPACE_LOG1P, 3, &err) == OM_OK);
  for (int i = 1; i <= 40; i++)
    CHECK(cf_accum_add(&a, i, i <= 25, CF_KEY_CATEGORICAL, i <= 20 ? 7 : 8, &err) == OM_OK);
  CHECK(cf_accum_finish(&a, &c, &err) == OM_OK);
  cf_accum_free(&a);
  CHECK(c.format == 3 && c.shrink == 10 && c.n_groups == 1 && c.groups_seen == 2 && c.pool.n == 40);
  cf_lookup_mix(&c, 1, CF_KEY_CATEGORICAL, 7, NAN, &m, &is_group);
  CHECK(is_group && m.s == &c.groups[0].s && m.pool == &c.pool && m.w == 20.0 / 30.0);
  /* w = 2/3: q95 = 2/3·20 (rank ceil(21·0.95) = 20) + 1/3·39 (rank ceil(41·0.95) = 39) = 79/3;
  ** q05 = 2/3·1 (rank floor(1.05)) + 1/3·2 (rank floor(2.05)) = 4/3; the median 2/3·11 + 1/3·21 = 43/3 */
  CHECK_CLOSE(cf_mix_quantile(&m, 0.95), 79.0 / 3, 1e-15);
  CHECK_CLOSE(cf_mix_quantile(&m, 0.05), 4.0 / 3, 1e-15);
  CHECK_CLOSE(cf_mix_quantile(&m, 0.5), 43.0 / 3, 1e-15);
  /* the group's conformal rank beyond its n: infinite, and so is the blend */
  CHECK(cf_mix_quantile(&m, 0.99) == INFINITY && cf_mix_quantile(&m, 0.01) == -INFINITY);
  CHECK(isnan(cf_mix_quantile(&m, 0)) && isnan(cf_mix_quantile(&m, 1)));
  /* a group below min_group, an unknown key, no key, the other type: the pool alone */
  cf_lookup_mix(&c, 1, CF_KEY_CATEGORICAL, 8, NAN, &m, &is_group);
  CHECK(!is_group && m.s == &c.pool && !m.pool && m.w == 1 && cf_mix_quantile(&m, 0.95) == 39);
  cf_lookup_mix(&c, 1, CF_KEY_CATEGORICAL, 9, NAN, &m, &is_group);
  CHECK(!is_group && m.s == &c.pool && !m.pool);
  cf_lookup_mix(&c, 0, CF_KEY_NONE, 0, NAN, &m, &is_group);
  CHECK(!is_group && m.s == &c.pool && !m.pool);
  cf_lookup_mix(&c, 1, CF_KEY_NUMERIC, 7, NAN, &m, &is_group);
  CHECK(!is_group && m.s == &c.pool && !m.pool);
  /* K → 0: the group alone (w rounds to 1); K huge: the pool */
  c.shrink = 1e-300;
  cf_lookup_mix(&c, 1, CF_KEY_CATEGORICAL, 7, NAN, &m, &is_group);
  CHECK(m.w == 1 && cf_mix_quantile(&m, 0.95) == 20 && cf_mix_quantile(&m, 0.05) == 1);
  c.shrink = 1e300;
  cf_lookup_mix(&c, 1, CF_KEY_CATEGORICAL, 7, NAN, &m, &is_group);
  CHECK(m.w > 0 && m.w < 1e-298);
  CHECK_CLOSE(cf_mix_quantile(&m, 0.95), 39, 1e-15);
  m.w = 0; /* never made so, but a weight of 0 is the pool (no 0·Inf) */
  CHECK(cf_mix_quantile(&m, 0.99) == INFINITY && cf_mix_quantile(&m, 0.95) == 39);
  cf_calib_free(&c);
  /* without shrink, the same rows: format 1, w = 1 */
  opts(&o, "g", 20, 0);
  CHECK(cf_accum_init(&a, &o, CF_SPACE_LOG1P, 3, &err) == OM_OK);
  for (int i = 1; i <= 40; i++) cf_accum_add(&a, i, i <= 25, CF_KEY_CATEGORICAL, i <= 20 ? 7 : 8, &err);
  CHECK(cf_accum_finish(&a, &c, &err) == OM_OK && c.format == 1 && c.shrink == 0);
  cf_lookup_mix(&c, 1, CF_KEY_CATEGORICAL, 7, NAN, &m, &is_group);
  CHECK(is_group && !m.pool && m.w == 1 && cf_mix_quantile(&m, 0.95) == 20);
  cf_calib_free(&c);
  cf_accum_free(&a);
  /* bins with shrink: every stored bin blends with the pool, w = n_bin/(n_bin + 50) */
  opts(&o, NULL, 5, 0);
  o.bins = 4;
  o.shrink = 50;
  CHECK(cf_accum_init(&a, &o, CF_SPACE_LOG1P, 3, &err) == OM_OK);
  for (int i = 0; i < 200; i++) ok &= cf_accum_add_scored(&a, urand() - 0.5, urand() * 4, 0, CF_KEY_NONE, 0, &err) == OM_OK;
  CHECK(ok && cf_accum_finish(&a, &c, &err) == OM_OK);
  CHECK(c.format == 3 && c.bins == 4 && c.key_type == CF_KEY_BIN && c.shrink == 50 && c.n_groups == 4);
  for (int i = 0; i < 50; i++) {
    double x = urand() * 5 - 0.5;
    uint32_t b = cf_bin_of(&c, x);
    const cf_sample *s = &c.groups[b].s;
    double w = (double)s->n / ((double)s->n + 50);
    cf_lookup_mix(&c, 0, CF_KEY_NONE, 0, x, &m, &is_group);
    ok &= is_group && m.s == s && m.pool == &c.pool && m.w == w;
    ok &= cf_mix_quantile(&m, 0.9) == w * cf_sample_quantile(s, 0.9) + (1 - w) * cf_sample_quantile(&c.pool, 0.9);
  }
  CHECK(ok);
  cf_lookup_mix(&c, 0, CF_KEY_NONE, 0, NAN, &m, &is_group); /* a NaN raw score: the pool */
  CHECK(!is_group && m.s == &c.pool && !m.pool);
  cf_calib_free(&c);
  cf_accum_free(&a);
}

static void make_shrink_calib(cf_calib *c, int bins, uint64_t seed) {
  cf_accum a;
  cf_options o;
  om_err err;
  rng_state = seed;
  opts(&o, bins ? NULL : "user", 3, 600);
  o.bins = bins ? 5 : 0;
  o.shrink = 100;
  cf_accum_init(&a, &o, CF_SPACE_LOG1P, 0x1234567890abcdefULL, &err);
  for (int i = 0; i < 700; i++)
    cf_accum_add_scored(&a, urand() - 0.5, urand() * 6, urand() < 0.9, CF_KEY_CATEGORICAL,
                        (uint64_t)(urand() * 12) * 0x9e3779b97f4a7c15ULL, &err);
  cf_accum_finish(&a, c, &err);
  cf_accum_free(&a);
}

static void test_shrink_codec(void) {
  for (int bins = 0; bins <= 1; bins++) {
    cf_calib c, d;
    om_wbuf w, w2;
    om_err err;
    int ok = 1;
    size_t at = 2 + 1 + 1 + 4 + 8 + 8 + 4 + 4 + 2 + (bins ? 2 + 4 * 8 : 4); /* the shrink field */
    double save, bad[] = {0, -1, NAN, INFINITY, -0.0};
    make_shrink_calib(&c, bins, 11);
    om_wbuf_init(&w);
    om_wbuf_init(&w2);
    cf_encode_payload(&c, &w);
    CHECK(w.data[0] == 3 && w.data[1] == 0 && w.data[3] == (bins ? CF_KEY_BIN : CF_KEY_CATEGORICAL));
    CHECK(om_f64_from_bits(om_load_u64(w.data + at)) == 100);
    CHECK(cf_decode_payload(w.data, w.len, &d, &err) == OM_OK);
    CHECK(d.format == 3 && d.shrink == 100 && d.bins == (bins ? 5u : 0u) && d.n_groups == c.n_groups);
    cf_encode_payload(&d, &w2);
    CHECK(w2.len == w.len && memcmp(w.data, w2.data, w.len) == 0);
    cf_calib_free(&d);
    for (size_t len = 0; len < w.len; len++) {
      ok &= cf_decode_payload(w.data, len, &d, &err) != OM_OK;
      ok &= d.groups == NULL && d.pool.r == NULL && d.edges == NULL && d.group == NULL;
    }
    CHECK(ok);
    for (size_t i = 0; i < w.len; i += (i < 120 ? 1 : 5)) {
      for (int bit = 0; bit < 8; bit += 2) {
        om_status st;
        w.data[i] ^= (uint8_t)(1u << bit);
        st = cf_decode_payload(w.data, w.len, &d, &err);
        if (st == OM_OK) {
          om_wbuf_reset(&w2);
          cf_encode_payload(&d, &w2);
          ok &= w2.len == w.len && memcmp(w.data, w2.data, w.len) == 0 && d.shrink > 0 && isfinite(d.shrink);
          cf_calib_free(&d);
        } else {
          ok &= st == OM_CORRUPT || st == OM_UNSUPPORTED_VERSION;
        }
        w.data[i] ^= (uint8_t)(1u << bit);
      }
    }
    CHECK(ok);
    /* hand-made: a shrink of 0, < 0, NaN, +Inf, −0 */
    memcpy(&save, w.data + at, 8);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
      om_store_u64(w.data + at, om_f64_bits(bad[i]));
      CHECK(cf_decode_payload(w.data, w.len, &d, &err) == OM_CORRUPT && strstr(err.msg, "(expected a finite number > 0)"));
    }
    memcpy(w.data + at, &save, 8);
    /* the envelope says version 3; model_info's detail and options end with shrink */
    {
      mdl_view v;
      const mdl_kind_def *k;
      void *m;
      om_wbuf info;
      om_jw j;
      om_wbuf_reset(&w2);
      CHECK(cf_write(&c, 700, 0, &w2, &err) == OM_OK);
      CHECK(mdl_decode(w2.data, w2.len, &v, &k, &m, &err) == OM_OK && v.payload_version == 3);
      CHECK(((cf_calib *)m)->shrink == 100);
      CHECK(v.meta.options_len > 14 && !memcmp(v.meta.options_json + v.meta.options_len - 14, ",\"shrink\":100}", 14));
      om_wbuf_init(&info);
      om_jw_init(&j, &info);
      om_jw_begin_object(&j);
      CHECK(k->info(m, &j, &err) == OM_OK);
      om_jw_end_object(&j);
      om_wbuf_u8(&info, 0);
      CHECK(strstr((char *)info.data, "],\"shrink\":100}") || (!bins && strstr((char *)info.data, ",\"shrink\":100}")));
      om_wbuf_free(&info);
      k->close(m);
      mdl_view_free(&v);
    }
    cf_calib_free(&c);
    om_wbuf_free(&w);
    om_wbuf_free(&w2);
  }
  /* format 3 needs a group feature or bins */
  {
    cf_calib c, d;
    om_wbuf w;
    om_err err;
    make_calib(&c, 0, 5);
    c.shrink = 7;
    om_wbuf_init(&w);
    cf_encode_payload(&c, &w);
    CHECK(w.data[0] == 3);
    CHECK(cf_decode_payload(w.data, w.len, &d, &err) == OM_CORRUPT && strstr(err.msg, "neither a group feature nor bins"));
    /* and a format-1 payload relabelled 3 reads the group count as the shrink: refused */
    c.shrink = 0;
    om_wbuf_reset(&w);
    cf_calib_free(&c);
    make_calib(&c, 1, 5);
    cf_encode_payload(&c, &w);
    CHECK(w.data[0] == 1);
    w.data[0] = 3;
    CHECK(cf_decode_payload(w.data, w.len, &d, &err) == OM_CORRUPT);
    cf_calib_free(&c);
    om_wbuf_free(&w);
  }
}

/* ------------------------------------------------------------ 11 */

/* log S of the blend at u, as F. */
static double mix_F(const cf_mix *m, double u) { return -expm1(cf_mix_logsf(m, u)); }

static void test_mix_dist(void) {
  static const double g2[] = {0, 1}, p3[] = {0, 1, 2};
  cf_sample g = {2, 2, (double *)g2}, p = {3, 3, (double *)p3};
  cf_mix m = {&g, &p, 0.5};
  int ok = 1;
  /* Hand-made: g = {0, 1} (knots at F 1/3, 2/3; β 1 both ends), p = {0, 1, 2}
  ** (knots at 1/4, 1/2, 3/4; β 1.5), w = 1/2.  Q_g: log(3F) below 1/3, 3F − 1
  ** to 2/3, 1 − log(3(1 − F)) above; Q_p: 1.5 log(4F) below 1/4, 4F − 1 to
  ** 3/4, 2 − 1.5 log(4(1 − F)) above.  Every region of the blend: */
  {
    const double F[] = {0.1, 0.3, 0.5, 0.7, 0.9, 1e-30, 1 - 1e-12};
    for (size_t i = 0; i < sizeof F / sizeof F[0]; i++) {
      double f = F[i], qg, qp, q;
      qg = f < 1.0 / 3 ? log(3 * f) : f <= 2.0 / 3 ? 3 * f - 1 : 1 - log(3 * (1 - f));
      qp = f < 0.25 ? 1.5 * log(4 * f) : f <= 0.75 ? 4 * f - 1 : 2 - 1.5 * log(4 * (1 - f));
      q = 0.5 * qg + 0.5 * qp;
      CHECK_MSG(om_close(mix_F(&m, q), f, 1e-13, 0), "F %g: got %.17g", f, mix_F(&m, q));
      CHECK_MSG(om_close(cf_mix_logsf(&m, q), log1p(-f), 1e-12, 1e-15), "F %g: log S %.17g", f, cf_mix_logsf(&m, q));
      CHECK_MSG(om_close(cf_mix_logsf_inv(&m, log1p(-f)), q, 1e-12, 1e-15), "F %g: Q %.17g want %.17g", f,
                cf_mix_logsf_inv(&m, log1p(-f)), q);
    }
    CHECK(mix_F(&m, 0.75) == 0.5 || fabs(mix_F(&m, 0.75) - 0.5) < 1e-15);
    /* beyond both last knots: memoryless with β = (1 + 1.5)/2 (raw 0: u = log1p(t)) */
    {
      double e = expm1(5.0), t = expm1(7.0);
      CHECK_CLOSE(cf_mix_cdf(&m, 0, t, e), -expm1(-2 / 1.25), 1e-12);
      CHECK_CLOSE(cf_mix_remaining(&m, 0, e, 0.5), (1 + e) * (pow(0.5, -1.25) - 1), 1e-12);
    }
  }
  /* Two samples of the same n share their knots: the blend is the sample of
  ** the weighted order statistics (its tails' β are the weighted β), thinned
  ** samples too. */
  {
    static double a[3000], b[3000], h[3000];
    const uint64_t ns[] = {1, 2, 3, 5, 8, 19, 40, 60, 3000};
    for (size_t t = 0; t < sizeof ns / sizeof ns[0]; t++) {
      uint64_t n = ns[t];
      uint32_t k = n > CF_RESID_MAX ? CF_RESID_MAX : (uint32_t)n;
      double w = 0.05 + 0.9 * urand();
      cf_sample sa = {n, k, a}, sb = {n, k, b}, sh = {n, k, h};
      cf_mix mm = {&sa, &sb, w};
      for (uint32_t i = 0; i < k; i++) { /* gaps ≥ 0.05: no tail at its floor CF_TAIL_MIN */
        a[i] = (i ? a[i - 1] : -2) + 0.05 + urand() * 0.1;
        b[i] = (i ? b[i - 1] : -1) + 0.05 + urand() * 0.3;
        h[i] = w * a[i] + (1 - w) * b[i];
      }
      for (int j = 0; j < 200; j++) {
        double u = h[0] - 3 + (h[k - 1] - h[0] + 6) * urand();
        double want = cf_sample_logsf(&sh, u);
        ok &= om_close(cf_mix_logsf(&mm, u), want, 1e-9, 1e-12);
        ok &= om_close(cf_mix_logsf_inv(&mm, want), cf_sample_logsf_inv(&sh, want), 1e-9, 1e-12);
      }
      ok &= om_close(cf_mix_logsf(&mm, h[k - 1] + 500), cf_sample_logsf(&sh, h[k - 1] + 500), 1e-9, 0);
      ok &= om_close(cf_mix_logsf(&mm, h[0] - 500), cf_sample_logsf(&sh, h[0] - 500), 1e-9, 0);
    }
    CHECK(ok);
  }
  /* ties: both samples {1, 1, 2}: the blend is that sample, and F at the tie
  ** is the top of its jump, 2/4 */
  {
    static const double tv[] = {1, 1, 2};
    cf_sample st = {3, 3, (double *)tv};
    cf_mix mt = {&st, &st, 0.3};
    CHECK(fabs(mix_F(&mt, 1) - 0.5) < 1e-15 && mix_F(&mt, nextafter(1, 0)) < 0.26);
  }
  /* w = 1, no pool: exactly behaviour 10 (the same bits); w = 0: the pool */
  {
    cf_mix m1 = {&g, &p, 1}, m0 = {&g, NULL, 0.5}, mz = {&g, &p, 0};
    for (int j = 0; j < 100; j++) {
      double raw = urand() * 6 - 1, t = expm1(urand() * 8) + 1e-3, e = j % 3 ? expm1(urand() * 7) : 0, q = 0.01 + 0.98 * urand();
      ok &= cf_mix_cdf(&m1, raw, t, e) == cf_dist_cdf(&g, raw, t, e) && cf_mix_cdf(&m0, raw, t, e) == cf_dist_cdf(&g, raw, t, e);
      ok &= cf_mix_remaining(&m1, raw, e, q) == cf_dist_remaining(&g, raw, e, q);
      ok &= cf_mix_cdf(&mz, raw, t, e) == cf_dist_cdf(&p, raw, t, e);
    }
    CHECK(ok);
  }
  /* random blends of thinned and small samples: F in [0, 1] and monotone,
  ** the conditional form is Bayes' rule, remaining inverts it, and the
  ** blended interval lies outside the blend's quantiles */
  {
    static double gv[2000], pv[6000];
    for (int rep = 0; rep < 12; rep++) {
      uint64_t ng = 1 + (uint64_t)(urand() * (rep < 6 ? 60 : 2000)), np = ng + (uint64_t)(urand() * (rep < 6 ? 100 : 4000));
      cf_accum ag, ap;
      cf_options o;
      cf_calib cg, cp;
      om_err err;
      double prev = 0, w = (double)ng / ((double)ng + 1 + urand() * 300), raw = log1p(50.0);
      cf_mix mm;
      opts(&o, NULL, 1, 0);
      cf_accum_init(&ag, &o, CF_SPACE_LOG1P, 0, &err);
      cf_accum_init(&ap, &o, CF_SPACE_LOG1P, 0, &err);
      for (uint64_t i = 0; i < ng; i++) cf_accum_add(&ag, gv[i] = (urand() - 0.5) * 0.6 + (rep % 3 == 0 ? floor(urand() * 3) : 0), 0, CF_KEY_NONE, 0, &err);
      for (uint64_t i = 0; i < np; i++) cf_accum_add(&ap, pv[i] = (urand() - 0.4) * 2 * urand(), 0, CF_KEY_NONE, 0, &err);
      CHECK(cf_accum_finish(&ag, &cg, &err) == OM_OK && cf_accum_finish(&ap, &cp, &err) == OM_OK);
      mm.s = &cg.pool;
      mm.pool = &cp.pool;
      mm.w = w;
      for (int j = -200; j <= 200; j++) {
        double u = j * 0.02, F = mix_F(&mm, u);
        ok &= F >= prev && F >= 0 && F <= 1;
        prev = F;
      }
      for (int j = 0; j < 100; j++) {
        double t = expm1(raw + (urand() - 0.5) * 3), e = j % 4 ? expm1(raw + (urand() - 0.6) * 3) : 0, q = 0.02 + 0.96 * urand();
        double Ft = cf_mix_cdf(&mm, raw, t, 0), Fe = cf_mix_cdf(&mm, raw, e > 0 ? e : 1, 0), pc = cf_mix_cdf(&mm, raw, t, e), r;
        if (e > 0 && t > e && 1 - Fe > 1e-3) ok &= fabs(pc - (Ft - Fe) / (1 - Fe)) < 1e-9; /* (Bayes cancels beyond) */
        if (e > 0 && t <= e) ok &= pc == 0;
        r = cf_mix_remaining(&mm, raw, e, q);
        ok &= r >= 0;
        if (r > 0) ok &= fabs(cf_mix_cdf(&mm, raw, e + r, e) - q) < 1e-9;
      }
      {
        static const double cov[] = {0.5, 0.8, 0.9, 0.95};
        for (size_t j = 0; j < 4; j++) {
          double lo = cf_mix_quantile(&mm, (1 - cov[j]) / 2), hi = cf_mix_quantile(&mm, (1 + cov[j]) / 2);
          if (isfinite(lo)) ok &= mix_F(&mm, lo) <= (1 - cov[j]) / 2 + 1e-12;
          if (isfinite(hi)) ok &= mix_F(&mm, hi) >= (1 + cov[j]) / 2 - 1e-12;
        }
      }
      /* extreme arguments: never NaN */
      ok &= cf_mix_cdf(&mm, raw, 1e300, 0) <= 1 && cf_mix_cdf(&mm, raw, 1e-300, 0) >= 0;
      ok &= cf_mix_cdf(&mm, raw, 1.5e300, 1e300) > 0 && cf_mix_cdf(&mm, raw, 1.5e300, 1e300) < 1;
      ok &= cf_mix_remaining(&mm, raw, 1e300, 0.5) > 0 && cf_mix_remaining(&mm, raw, 1e308, 1 - 1e-15) == INFINITY;
      ok &= cf_mix_cdf(&mm, -700, 1, 0) >= 0 && cf_mix_cdf(&mm, 700, 1, 0) >= 0;
      cf_calib_free(&cg);
      cf_calib_free(&cp);
      cf_accum_free(&ag);
      cf_accum_free(&ap);
    }
    CHECK(ok);
  }
  /* bad arguments: NaN, as behaviour 10 */
  CHECK(isnan(cf_mix_cdf(&m, 0, 0, 0)) && isnan(cf_mix_cdf(&m, 0, 5, -1)) && isnan(cf_mix_cdf(&m, NAN, 5, 0)));
  CHECK(isnan(cf_mix_remaining(&m, 0, 5, 1)) && isnan(cf_mix_logsf(&m, NAN)) && isnan(cf_mix_logsf_inv(&m, 0.1)));
}

/* ------------------------------------------------------------ OOM */

static void test_oom(int mode) { /* 0 group, 1 bins, 2 group with shrink */
  int bins = mode == 1;
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
    opts(&o, bins ? NULL : "g", 2, 50);
    o.bins = bins ? 5 : 0;
    o.shrink = mode == 2 ? 30 : 0;
    om_wbuf_init(&w);
    memset(&c, 0, sizeof c);
    memset(&d, 0, sizeof d);
    st = cf_accum_init(&a, &o, CF_SPACE_IDENTITY, 9, &err);
    for (int i = 0; i < 300 && st == OM_OK; i++)
      st = cf_accum_add_scored(&a, i % 17, i % 23, 1, CF_KEY_NUMERIC, cf_numeric_key(i % 40), &err);
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
  printf("OOM loop%s: allocations 1..%ld failed one at a time, each gave OM_NOMEM without a leak\n",
         bins ? " (bins)" : mode == 2 ? " (shrink)" : "", k - 1);
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
  test_bins();
  test_bins_codec();
  test_dist();
  test_dist_vs_gbt();
  test_shrink();
  test_shrink_codec();
  test_mix_dist();
  test_oom(0);
  test_oom(1);
  test_oom(2);
  return om_test_finish();
}
