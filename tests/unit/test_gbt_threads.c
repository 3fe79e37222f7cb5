/*
** test_gbt_threads.c — gbt_train's model bytes do not depend on the thread
** count (gbt.h point 3) and are the bytes training gave before the parallel
** work was restructured.
**
**   1. Seven option sets (the default duration model; row and feature
**      sampling with early stopping at depth 8; a quantile refit; binary;
**      AFT with censored rows; absolute loss with few bins; depth 10, whose
**      trees are too large for the walk table) are trained on 30,000 rows
**      whose features have what makes histograms slow: a time-ordered
**      feature whose consecutive rows share a bin, a bin holding 70% of the
**      rows, missing values, and 400 Zipf-like categories (most of them
**      rare, sharing code 0).
**   2. Each is trained with threads 1, 2, 3 and 4: the payloads must be
**      byte-identical.
**   3. gbt_hist_build_sum with the bins' statistics (run features in their
**      own pass, gbt_hist.c point 6) gives the bits of the plain build, for
**      any mix of run features (all of them: the sums alone), node sizes 0,
**      1 and scattered subsets.
**   4. Labels are checked by row blocks on the pool: a refused label far into
**      the data is reported by its row, the first of two bad ones.
**   5. The payload's FNV-1a 64 must equal the one recorded below
**      (payload format 4, recorded when node covers and the SHAP importance
**      were added, gbt.h point 16).  Without the covers and the SHAP
**      importance the model encodes in its format 1-3 form, whose hash must
**      still be the one written by the build of main at 3450c41 (before the
**      work on 2-thread scaling): the trees did not change.  A change that
**      is meant to change the models (a new split rule, say) updates these
**      values in the same commit and says so; any other change must keep
**      them.  GBT_PRINT_HASHES=1 prints the current ones.
*/
#include <stdlib.h>
#include <string.h>

#include "gbt.h"
#include "om_test.h"

enum { N = 30000, NF = 6 };
static double f_hour[N], f_heavy[N], f_num[N], f_uni[N], y[N], yu[N];
static uint64_t f_user[N], f_kind[N];
static uint8_t user_miss[N];

static uint64_t state = 2026;
static double unif(void) { return om_test_unif(&state); }

static void make_data(void) {
  for (int i = 0; i < N; i++) {
    double u = unif(), hour = (double)((i / 120) % 24), heavy, kind = (double)(int)(6 * unif());
    uint64_t user = (uint64_t)(400 * unif() * unif() * unif());
    heavy = u < 0.70 ? 0 : u < 0.82 ? 1 : u < 0.85 ? 2 : u < 0.86 ? 3 : NAN;
    f_hour[i] = hour;
    f_heavy[i] = heavy;
    f_num[i] = unif() < 0.08 ? NAN : exp(4 * unif() - 2);
    f_uni[i] = unif();
    f_user[i] = 0x5bd1e995ull * (user + 1);
    user_miss[i] = unif() < 0.03;
    f_kind[i] = 0x1000 + (uint64_t)kind;
    y[i] = exp(1 + 0.4 * kind + 0.5 * log(1 + (isnan(f_num[i]) ? 1 : f_num[i])) +
               (hour >= 9 && hour <= 17 ? 0.3 : 0) + (isnan(heavy) ? 0.2 : 0.25 * heavy) +
               0.3 * (double)(user % 7 == 3) + 0.2 * f_uni[i] + 0.3 * (unif() - 0.5));
    yu[i] = i % 5 == 0 ? INFINITY : y[i]; /* AFT: every 5th run right-censored */
  }
}

static uint64_t fnv1a(const uint8_t *p, size_t n) {
  uint64_t h = 14695981039346656037ull;
  for (size_t i = 0; i < n; i++)
    h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

typedef struct config {
  const char *name;
  uint64_t want;    /* FNV-1a 64 of the payload (point 5) */
  uint64_t want_v3; /* ... of the payload without covers and SHAP importance */
} config;

static void set_options(int k, gbt_options *o, int *aft) {
  gbt_options_default(o);
  o->n_trees = 20;
  *aft = 0;
  switch (k) {
  case 0: break;
  case 1:
    o->max_depth = 8;
    o->subsample = 0.7;
    o->colsample = 0.67;
    o->seed = 7;
    o->validation_fraction = 0.2;
    o->early_stopping_rounds = 3;
    o->n_trees = 40;
    break;
  case 2:
    o->objective = GBT_QUANTILE;
    o->alpha = 0.8;
    o->max_depth = 5;
    break;
  case 3: o->objective = GBT_BINARY; break;
  case 4:
    o->objective = GBT_AFT;
    o->aft_dist = GBT_AFT_LOGISTIC;
    *aft = 1;
    break;
  case 5:
    o->loss = GBT_LOSS_ABSOLUTE;
    o->max_bins = 16;
    o->min_child_weight = 5;
    break;
  case 6:
    o->max_depth = 10;
    o->n_trees = 8;
    break;
  }
}

/* Point 3, on the data's codes (binned by gbt_bin_build). */
static void test_hist_runs(void) {
  gbt_column cols[NF] = {{0, f_hour, NULL, NULL}, {0, f_heavy, NULL, NULL},
                         {0, f_num, NULL, NULL},  {1, NULL, f_user, user_miss},
                         {1, NULL, f_kind, NULL}, {0, f_uni, NULL, NULL}};
  gbt_data d = {N, NF, cols, y, NULL};
  gbt_bins bins[NF];
  uint64_t *scratch[1];
  uint8_t *codes = om_malloc((size_t)N * NF), *codes_col = om_malloc((size_t)N * NF);
  uint32_t off[NF + 1], sel[NF], *rows = om_malloc(N * sizeof(uint32_t));
  gbt_gh *gh = om_malloc(N * sizeof(gbt_gh)), *a = NULL, *b = NULL;
  om_err e;
  scratch[0] = om_malloc(2 * (size_t)N * sizeof(uint64_t));
  if (!codes || !codes_col || !rows || !gh || !scratch[0]) goto done;
  CHECK(gbt_bin_build(&d, N, 256, NULL, scratch, bins, codes, codes_col, &e) == OM_OK);
  CHECK(bins[0].runs && !bins[1].runs && bins[1].hot_share > 0.6); /* hour; 70% bin */
  off[0] = 0;
  for (int f = 0; f < NF; f++) {
    off[f + 1] = off[f] + bins[f].n_codes;
    sel[f] = (uint32_t)f;
  }
  a = om_malloc(off[NF] * sizeof(gbt_gh));
  b = om_malloc(off[NF] * sizeof(gbt_gh));
  if (!a || !b) goto done;
  for (int i = 0; i < N; i++) {
    gh[i].g = log1p(y[i]) - 2.5 + 1e-3 * unif();
    gh[i].h = 0.5 + unif();
  }
  for (unsigned mask = 0; mask < (1u << NF); mask++) { /* which features are run features */
    for (int keep = 0; keep < 4; keep++) {
      size_t n = 0;
      gbt_gh sa = {0, 0}, sb = {0, 0};
      int same;
      for (int i = 0; i < N; i++) /* all rows, every 3rd, a few, one or none */
        if (keep == 0 || (keep == 1 && i % 3 == 0) || (keep == 2 && i % 997 == 1) ||
            (keep == 3 && i == 5 && mask % 2))
          rows[n++] = (uint32_t)i;
      for (int f = 0; f < NF; f++)
        bins[f].runs = (mask >> f) & 1;
      gbt_hist_build_sum(a, off, codes, NF, sel, 0, NF, rows, n, gh, &sa, NULL, NULL, 0);
      gbt_hist_build_sum(b, off, codes, NF, sel, 0, NF, rows, n, gh, &sb, bins, codes_col, N);
      same = memcmp(a, b, off[NF] * sizeof(gbt_gh)) == 0 && memcmp(&sa, &sb, sizeof sa) == 0;
      CHECK_MSG(same, "run features 0x%x, %zu rows", mask, n);
    }
  }
done:
  om_free(codes);
  om_free(codes_col);
  om_free(rows);
  om_free(gh);
  om_free(scratch[0]);
  om_free(a);
  om_free(b);
}

/* Point 4. */
static void test_bad_labels(void) {
  gbt_column cols[1] = {{0, f_uni, NULL, NULL}};
  gbt_data d = {N, 1, cols, y, NULL};
  gbt_options o;
  gbt_model *m = NULL;
  om_err e;
  double keep[2] = {y[25000], y[20000]};
  gbt_options_default(&o);
  o.n_trees = 2;
  o.threads = 2;
  y[25000] = -1;
  y[20000] = NAN;
  CHECK(gbt_train(&d, &o, NULL, &m, &e) == OM_INVALID && m == NULL);
  CHECK_STR(e.msg, "label of row 20001 is not finite");
  y[20000] = keep[1];
  d.y_upper = yu;
  o.objective = GBT_AFT;
  yu[25000] = 5; /* the label is -1 */
  CHECK(gbt_train(&d, &o, NULL, &m, &e) == OM_INVALID && m == NULL);
  CHECK_STR(e.msg, "label of row 25001 is negative (-1); durations must be >= 0");
  y[25000] = keep[0];
  yu[25000] = 25000 % 5 == 0 ? INFINITY : y[25000];
}

int main(void) {
  static const config cfg[] = {
      {"default", 0x8eecf0c59b84de56ull, 0x8c7cb09ef18526e5ull},
      {"sampled depth 8", 0x3ced85593d79eaebull, 0xf2ff8fba32bf1f49ull},
      {"quantile", 0xda23c1eca4f4fffeull, 0xa7adee22a6699e81ull},
      {"binary", 0x2d4e62a4144089acull, 0x2f0fce4fa15d313bull},
      {"aft", 0xab18644887d58c25ull, 0xbdfb23cb29fc9abcull},
      {"absolute", 0xe0521ebf5dc95a30ull, 0x68bf8d8d15789a8dull},
      {"depth 10", 0x207cef40a4b24e7cull, 0xbfd191d72d2366a1ull},
  };
  gbt_column cols[NF] = {{0, f_hour, NULL, NULL}, {0, f_heavy, NULL, NULL},
                         {0, f_num, NULL, NULL},  {1, NULL, f_user, user_miss},
                         {1, NULL, f_kind, NULL}, {0, f_uni, NULL, NULL}};
  double ybin[N];
  int print = getenv("GBT_PRINT_HASHES") != NULL;
  make_data();
  test_hist_runs();
  test_bad_labels();
  for (int i = 0; i < N; i++)
    ybin[i] = y[i] > 20;
  for (int k = 0; k < (int)(sizeof cfg / sizeof cfg[0]); k++) {
    uint8_t *first = NULL;
    size_t first_len = 0;
    for (unsigned threads = 1; threads <= 4; threads++) {
      gbt_options o;
      gbt_data d = {N, NF, cols, y, NULL};
      gbt_model *m = NULL;
      om_err e;
      om_wbuf w;
      int aft;
      set_options(k, &o, &aft);
      o.threads = threads;
      if (o.objective == GBT_BINARY) d.y = ybin;
      if (aft) d.y_upper = yu;
      if (gbt_train(&d, &o, NULL, &m, &e) != OM_OK) {
        CHECK_MSG(0, "%s, threads %u: %s", cfg[k].name, threads, e.msg);
        break;
      }
      om_wbuf_init(&w);
      CHECK(gbt_encode(m, &w) == OM_OK);
      if (threads == 1) {
        uint64_t h = fnv1a(w.data, w.len);
        if (print) printf("%s: 0x%016llxull\n", cfg[k].name, (unsigned long long)h);
        CHECK_MSG(h == cfg[k].want, "%s: payload hash 0x%016llx, recorded 0x%016llx", cfg[k].name,
                  (unsigned long long)h, (unsigned long long)cfg[k].want);
        first = om_wbuf_take(&w, &first_len);
        om_free(m->cover); /* the format 1-3 form of the same model */
        om_free(m->shap_imp);
        m->cover = m->shap_imp = NULL;
        m->shap_rows = 0;
        om_wbuf_init(&w);
        CHECK(gbt_encode(m, &w) == OM_OK && w.len > 0 && w.data[0] < 4);
        h = fnv1a(w.data, w.len);
        if (print) printf("%s without covers: 0x%016llxull\n", cfg[k].name, (unsigned long long)h);
        CHECK_MSG(h == cfg[k].want_v3, "%s: format 1-3 payload hash 0x%016llx, recorded 0x%016llx",
                  cfg[k].name, (unsigned long long)h, (unsigned long long)cfg[k].want_v3);
      } else {
        CHECK_MSG(w.len == first_len && memcmp(w.data, first, first_len) == 0,
                  "%s: threads %u gives other bytes than threads 1", cfg[k].name, threads);
      }
      om_wbuf_free(&w);
      gbt_free(m);
    }
    om_free(first);
  }
  return om_test_finish();
}
