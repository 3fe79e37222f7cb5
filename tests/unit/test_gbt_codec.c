/*
** test_gbt_codec.c — the gbt payload codec: round trip, every truncation,
** every single-bit flip, hand-made corruptions, version handling, the OOM
** loop of the decoder, and the committed format-1 payload
** (fixtures/gbt/gbt_model_v1.bin and its predictions gbt_model_v1_pred.txt;
** `GBT_WRITE_FIXTURE=1 build/unit/test_gbt_codec` from the repo root
** wrote them from a trained format-1 model; trained models are format 4
** now, so it refuses: the v1 fixture stays as committed).  The trained
** model tested here is payload format 4 (node covers, SHAP importance).
*/
#include <stdlib.h>

#include "gbt.h"
#include "om_test.h"

enum { N = 400, F = 4 };
static double x0[N], x1[N], y[N];
static uint64_t c[N];
static uint8_t cm[N];
static const uint8_t IS_CAT[F] = {0, 0, 1, 0};
static double x3[N];

static uint64_t seed_state = 77;
static double unif(void) {
  uint64_t z = (seed_state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  return (double)(z >> 11) * 0x1.0p-53;
}

static void make_data(void) {
  for (int i = 0; i < N; i++) {
    int k = (int)(unif() * 5);
    x0[i] = unif() < 0.15 ? NAN : unif() * 4;
    x1[i] = unif();
    c[i] = 0xabc0 + (uint64_t)k * 0x1111;
    cm[i] = unif() < 0.05;
    x3[i] = (double)(i % 3);
    y[i] = exp((isnan(x0[i]) ? 1.5 : x0[i] / 2) + (k % 2 && !cm[i] ? 1 : 0) + x1[i] * 0.3);
  }
}

/* the row's arrays in model order */
static void row(int i, double *num, uint64_t *cat, uint8_t *miss) {
  num[0] = x0[i];
  num[1] = x1[i];
  num[2] = 0;
  num[3] = x3[i];
  memset(cat, 0, F * sizeof *cat);
  cat[2] = i % 7 == 0 ? 0x5eed : c[i]; /* some unseen categories */
  memset(miss, 0, F);
  miss[2] = cm[i];
}

static gbt_model *train_small(void) {
  gbt_column cols[F] = {
      {0, x0, NULL, NULL}, {0, x1, NULL, NULL}, {1, NULL, c, cm}, {0, x3, NULL, NULL}};
  gbt_data d = {N, F, cols, y, NULL};
  gbt_options o;
  gbt_model *m = NULL;
  om_err e;
  gbt_options_default(&o);
  o.n_trees = 6;
  o.max_depth = 3;
  o.learning_rate = 0.3;
  o.validation_fraction = 0.1;
  o.early_stopping_rounds = 3;
  if (gbt_train(&d, &o, NULL, &m, &e) != OM_OK) {
    CHECK_MSG(0, "train: %s", e.msg);
    return NULL;
  }
  return m;
}

static int predicts_same(const gbt_model *a, const gbt_model *b) {
  double num[F];
  uint64_t cat[F];
  uint8_t miss[F];
  for (int i = 0; i < N; i++) {
    row(i, num, cat, miss);
    if (om_f64_bits(gbt_predict_raw(a, num, cat, miss)) !=
        om_f64_bits(gbt_predict_raw(b, num, cat, miss)))
      return 0;
    if (om_f64_bits(gbt_predict_quantile(a, num, cat, miss, 0.9)) !=
        om_f64_bits(gbt_predict_quantile(b, num, cat, miss, 0.9)))
      return 0;
  }
  return 1;
}

static const char *fixture_path(const char *name, char *buf, size_t cap, int must_exist) {
  const char *dirs[] = {"fixtures/gbt/", "../fixtures/gbt/", "../../fixtures/gbt/"};
  for (int i = 0; i < 3; i++) {
    FILE *f;
    snprintf(buf, cap, "%s%s", dirs[i], name);
    if (!must_exist) {
      snprintf(buf, cap, "%s%s", dirs[0], name);
      return buf;
    }
    if ((f = fopen(buf, "rb"))) {
      fclose(f);
      return buf;
    }
  }
  return NULL;
}

static void write_fixture(const uint8_t *p, size_t n, const gbt_model *m) {
  char path[256];
  FILE *f;
  double num[F];
  uint64_t cat[F];
  uint8_t miss[F];
  if ((f = fopen(fixture_path("gbt_model_v1.bin", path, sizeof path, 0), "wb"))) {
    fwrite(p, 1, n, f);
    fclose(f);
  }
  if ((f = fopen(fixture_path("gbt_model_v1_pred.txt", path, sizeof path, 0), "w"))) {
    fprintf(f, "# raw and q=0.9 predictions of rows 0..39 of test_gbt_codec.c's data\n");
    for (int i = 0; i < 40; i++) {
      row(i, num, cat, miss);
      fprintf(f, "%a %a\n", gbt_predict_raw(m, num, cat, miss),
              gbt_predict_quantile(m, num, cat, miss, 0.9));
    }
    fclose(f);
  }
  printf("wrote fixtures/gbt/gbt_model_v1.bin (%zu bytes) and gbt_model_v1_pred.txt\n", n);
}

/* The committed format-1 payload still decodes, predicts the same and
** re-encodes to the same bytes. */
static void test_committed_fixture(void) {
  char path[256], line[256];
  FILE *f;
  static uint8_t buf[1 << 20];
  size_t n;
  gbt_model *m = NULL;
  om_err e;
  int rows = 0, ok = 1;
  if (!fixture_path("gbt_model_v1.bin", path, sizeof path, 1) || !(f = fopen(path, "rb"))) {
    CHECK_MSG(0, "fixtures/gbt/gbt_model_v1.bin not found (run from the repo root)");
    return;
  }
  n = fread(buf, 1, sizeof buf, f);
  fclose(f);
  CHECK(gbt_decode(buf, n, F, IS_CAT, &m, &e) == OM_OK);
  if (!m) return;
  {
    om_wbuf w;
    om_wbuf_init(&w);
    CHECK(gbt_encode(m, &w) == OM_OK);
    CHECK(w.len == n && memcmp(w.data, buf, n) == 0);
    om_wbuf_free(&w);
  }
  if (fixture_path("gbt_model_v1_pred.txt", path, sizeof path, 1) && (f = fopen(path, "r"))) {
    while (fgets(line, sizeof line, f)) {
      double raw, q;
      double num[F];
      uint64_t cat[F];
      uint8_t miss[F];
      if (line[0] == '#' || sscanf(line, "%la %la", &raw, &q) != 2) continue;
      row(rows, num, cat, miss);
      ok &= gbt_predict_raw(m, num, cat, miss) == raw;
      ok &= gbt_predict_quantile(m, num, cat, miss, 0.9) == q;
      rows++;
    }
    fclose(f);
  }
  CHECK(rows == 40 && ok);
  gbt_free(m);
}

int main(void) {
  gbt_model *m, *m2 = NULL;
  om_wbuf w, w2;
  om_err e;
  uint8_t *p;
  size_t n;
  long start = om_test_alloc_live;

  make_data();
  m = train_small();
  if (!m) return om_test_finish();
  om_wbuf_init(&w);
  CHECK(gbt_encode(m, &w) == OM_OK);
  p = w.data;
  n = w.len;
  CHECK(n > 100 && p[0] == 4 && p[1] == 0); /* every trained model: format 4 (gbt_codec.c) */
  CHECK(m->n_cat_hashes > 0); /* the model has categorical splits */
  if (getenv("GBT_WRITE_FIXTURE")) {
    if (p[0] == 1)
      write_fixture(p, n, m);
    else
      CHECK_MSG(0, "a trained model is format %u: not rewriting the format-1 fixture", p[0]);
  }

  /* 1. round trip */
  CHECK(gbt_decode(p, n, F, IS_CAT, &m2, &e) == OM_OK);
  if (m2) {
    om_wbuf_init(&w2);
    CHECK(gbt_encode(m2, &w2) == OM_OK);
    CHECK(w2.len == n && memcmp(w2.data, p, n) == 0);
    om_wbuf_free(&w2);
    CHECK(predicts_same(m, m2));
    CHECK(gbt_model_n_trees(m2) == gbt_model_n_trees(m));
    CHECK(gbt_model_best_iteration(m2) == gbt_model_best_iteration(m));
    CHECK(gbt_model_valid_metric(m2) == gbt_model_valid_metric(m));
    {
      gbt_importance a[F], b[F];
      int same = 1;
      gbt_feature_importance(m, a);
      gbt_feature_importance(m2, b);
      for (int f = 0; f < F; f++)
        same &= a[f].gain == b[f].gain && a[f].cover == b[f].cover && a[f].splits == b[f].splits;
      CHECK(same);
    }
    gbt_free(m2);
  }

  /* 2. schema and version */
  {
    uint8_t other[F] = {0, 1, 1, 0};
    CHECK(gbt_decode(p, n, F + 1, NULL, &m2, &e) == OM_CORRUPT && m2 == NULL);
    CHECK_STR(e.msg, "gbt payload has 4 features, the model has 5");
    CHECK(gbt_decode(p, n, F, other, &m2, &e) == OM_CORRUPT);
    CHECK_STR(e.msg, "gbt payload: feature 1 kind does not match the model");
    p[0] = GBT_FORMAT + 1;
    CHECK(gbt_decode(p, n, F, IS_CAT, &m2, &e) == OM_UNSUPPORTED_VERSION);
    CHECK_STR(e.msg, "gbt payload format 5 is newer than this build (reads up to 4)");
    p[0] = 0;
    CHECK(gbt_decode(p, n, F, IS_CAT, &m2, &e) == OM_CORRUPT);
    p[0] = 4;
    CHECK(gbt_decode(NULL, 0, F, IS_CAT, &m2, &e) == OM_CORRUPT);
  }

  /* 3. every truncation is an error */
  {
    int all_corrupt = 1;
    for (size_t k = 0; k < n; k++) {
      m2 = NULL;
      if (gbt_decode(p, k, F, IS_CAT, &m2, &e) != OM_CORRUPT || m2) {
        all_corrupt = 0;
        gbt_free(m2);
      }
    }
    CHECK(all_corrupt);
    /* and a trailing byte too */
    {
      uint8_t *q = malloc(n + 1);
      memcpy(q, p, n);
      q[n] = 0;
      CHECK(gbt_decode(q, n + 1, F, IS_CAT, &m2, &e) == OM_CORRUPT);
      CHECK_STR(e.msg, "gbt payload has 1 trailing bytes");
      free(q);
    }
  }

  /* 4. every single-bit flip: an error, or a model that still predicts */
  {
    long ok = 0, bad = 0, other = 0;
    double num[F];
    uint64_t cat[F];
    uint8_t miss[F];
    for (size_t bit = 0; bit < n * 8; bit++) {
      om_status st;
      p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
      m2 = NULL;
      st = gbt_decode(p, n, F, IS_CAT, &m2, &e);
      if (st == OM_OK) {
        volatile double s = 0;
        ok++;
        for (int i = 0; i < 50; i++) {
          row(i, num, cat, miss);
          s += gbt_predict(m2, num, cat, miss) + gbt_predict_quantile(m2, num, cat, miss, 0.1);
        }
        gbt_free(m2);
      } else if (st == OM_CORRUPT || st == OM_UNSUPPORTED_VERSION) {
        bad++;
        if (m2) other++;
      } else
        other++;
      p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    printf("bit flips: %ld decoded, %ld rejected, %ld other\n", ok, bad, other);
    CHECK(other == 0 && ok > 0 && bad > 0);
  }

  /* 5. hand-made corruptions of the first tree's root */
  {
    /* header size up to the trees (format 4: loss and offset, then SHAP
    ** importance after the gain and cover importance; a cover follows
    ** each node, after the root's first 16 bytes) */
    size_t at = 2 + 2 + 4 + F + 4 * 8 + 2 + 4 + 3 * 4 + 8 + 8 + 4 + (size_t)m->n_resid * 8 +
                2 * F * 8 + 4 + (m->shap_rows ? 8 * F : 0) + 4 + 4;
    size_t root = at + 4; /* after the first tree's node count */
    uint8_t save[16];
    CHECK(p[root] == 1 || p[root] == 2); /* the root is a split */
    memcpy(save, p + root, 16);
    om_store_u32(p + root + 2 + 4, 0); /* left child = itself */
    CHECK(gbt_decode(p, n, F, IS_CAT, &m2, &e) == OM_CORRUPT);
    CHECK_STR(e.msg, "tree 0: node 0 has bad child indices");
    memcpy(p + root, save, 16);
    om_store_u32(p + root + 2 + 8, om_load_u32(p + root + 2 + 4) + 2); /* right ≠ left+1 */
    CHECK(gbt_decode(p, n, F, IS_CAT, &m2, &e) == OM_CORRUPT);
    memcpy(p + root, save, 16);
    om_store_u32(p + root + 2, F); /* feature out of range */
    CHECK(gbt_decode(p, n, F, IS_CAT, &m2, &e) == OM_CORRUPT);
    CHECK_STR(e.msg, "tree 0: node 0 splits on feature 4 of 4");
    memcpy(p + root, save, 16);
    p[root] = 3; /* unknown kind */
    CHECK(gbt_decode(p, n, F, IS_CAT, &m2, &e) == OM_CORRUPT);
    memcpy(p + root, save, 16);
    om_store_u32(p + at - 8, 0xffffffffu); /* absurd node total */
    CHECK(gbt_decode(p, n, F, IS_CAT, &m2, &e) == OM_CORRUPT);
    CHECK_STR(e.msg, "gbt payload node count 4294967295 does not fit");
    om_store_u32(p + at - 8, m->n_nodes);
    CHECK(gbt_decode(p, n, F, IS_CAT, &m2, &e) == OM_OK);
    gbt_free(m2);
  }

  /* 6. decoder OOM loop */
  {
    long k;
    int fine = 1;
    for (k = 1; k < 1000; k++) {
      om_status st;
      m2 = NULL;
      om_test_alloc_reset();
      om_test_alloc_fail_at = k;
      st = gbt_decode(p, n, F, IS_CAT, &m2, &e);
      om_test_alloc_reset();
      if (st == OM_OK) {
        gbt_free(m2);
        break;
      }
      if (st != OM_NOMEM || m2) fine = 0;
    }
    CHECK(fine && k > 3 && k < 1000);
  }

  test_committed_fixture();
  om_wbuf_free(&w);
  gbt_free(m);
  CHECK(om_test_alloc_live == start);
  return om_test_finish();
}
