/*
** gbt_bench.c — training and prediction speed of the gbt learner (not part of
** `make`; build by hand from the repo root):
**
**   cc -std=c11 -O2 -D_GNU_SOURCE -Iext/core/base -Iext/core/gbt bench/gbt_bench.c \
**      ext/core/base/om_*.c ext/core/gbt/gbt_*.c tests/unit/test_alloc.c \
**      -o build/gbt_bench -lpthread -lm
**   build/gbt_bench [n_rows=1000000] [threads=2] [data=/tmp/gbt_bench.bin]
**   /usr/bin/python3 bench/gbt_ref.py [data=/tmp/gbt_bench.bin] [threads=2]
**
** 1. Makes n synthetic rows × 10 numeric features (x0 and x7 with 10% / 3%
**    missing) and a skewed duration target, deterministically (no pure XOR
**    interaction such as x5·x6: whether greedy trees find one within 100
**    rounds is luck, for xgboost and omen alike), and writes them
**    (float64, row-major, y last; header u64 n, u64 F) for gbt_ref.py.
** 2. Trains DURATION with the default hyperparameters (100 trees, depth 6,
**    eta 0.1, 256 bins) on the first 90% (calibration_fraction 0), `threads`
**    threads; prints the wall time.
** 3. Predicts the last 10% one row at a time (gbt_predict), prints µs/row and
**    the test MAE in seconds, then the same with threads=1 for the scaling,
**    and checks both models encode to the same bytes.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "gbt.h"

#define F 10

static uint64_t sm_state = 42;
static double unif(void) {
  uint64_t z = (sm_state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  return (double)(z >> 11) * 0x1.0p-53;
}
static double gauss(void) {
  double u = unif(), v = unif();
  return sqrt(-2 * log(u + 1e-300)) * cos(6.283185307179586 * v);
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double cpu_total; /* process CPU seconds after the last train() */

static gbt_model *train(size_t n_train, double **cols, const double *y, unsigned threads,
                        double *secs) {
  gbt_column c[F];
  gbt_data d;
  gbt_options o;
  gbt_model *m = NULL;
  om_err e = {{0}};
  double t0;
  for (int f = 0; f < F; f++) {
    memset(&c[f], 0, sizeof c[f]);
    c[f].num = cols[f];
  }
  d.n_rows = n_train;
  d.n_features = F;
  d.cols = c;
  d.y = y;
  d.y_upper = NULL;
  gbt_options_default(&o);
  o.calibration_fraction = 0;
  o.threads = threads;
  t0 = now();
  if (gbt_train(&d, &o, NULL, &m, &e) != OM_OK) {
    fprintf(stderr, "train failed: %s\n", e.msg);
    exit(1);
  }
  *secs = now() - t0;
  {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    cpu_total = (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
                (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
  }
  return m;
}

static void eval(gbt_model *m, size_t n_train, size_t n, double **cols, const double *y) {
  double num[F], t0, mae = 0, dt, se = 0;
  uint64_t cat[F] = {0};
  t0 = now();
  for (size_t i = n_train; i < n; i++) {
    for (int f = 0; f < F; f++)
      num[f] = cols[f][i];
    mae += fabs(gbt_predict(m, num, cat, NULL) - y[i]);
  }
  dt = now() - t0;
  for (size_t i = n_train; i < n; i++) {
    double r;
    for (int f = 0; f < F; f++)
      num[f] = cols[f][i];
    r = gbt_predict_raw(m, num, cat, NULL) - log1p(y[i]);
    se += r * r;
  }
  printf("  predict: %.3f us/row over %zu rows (incl. row gather), test MAE %.4f s, "
         "RMSE of log1p %.5f\n",
         1e6 * dt / (double)(n - n_train), n - n_train, mae / (double)(n - n_train),
         sqrt(se / (double)(n - n_train)));
}

int main(int argc, char **argv) {
  size_t n = argc > 1 ? (size_t)atol(argv[1]) : 1000000, n_train = n - n / 10;
  unsigned threads = argc > 2 ? (unsigned)atoi(argv[2]) : 2;
  const char *path = argc > 3 ? argv[3] : "/tmp/gbt_bench.bin";
  double *cols[F], *y = malloc(n * sizeof *y), secs;
  FILE *fp;
  om_wbuf w1, w2;
  gbt_model *m, *m1;
  for (int f = 0; f < F; f++)
    cols[f] = malloc(n * sizeof(double));
  for (size_t i = 0; i < n; i++) {
    double x[F], mu;
    for (int f = 0; f < F; f++)
      x[f] = f < 5 ? unif() * 10 : gauss();
    mu = 1 + 0.3 * x[0] + sin(x[1]) + 0.5 * log1p(x[2]) + (x[3] > 5 ? 0.7 : 0) +
         0.5 * tanh(x[5] + x[6]) + 0.3 * x[5] * (x[6] > 0) + 0.2 * x[7];
    y[i] = expm1(fmax(mu + 0.3 * gauss(), 0));
    if (unif() < 0.10) x[0] = NAN;
    if (unif() < 0.03) x[7] = NAN;
    for (int f = 0; f < F; f++)
      cols[f][i] = x[f];
  }
  if ((fp = fopen(path, "wb"))) {
    uint64_t hdr[2] = {n, F};
    fwrite(hdr, sizeof hdr, 1, fp);
    for (size_t i = 0; i < n; i++) {
      double r[F + 1];
      for (int f = 0; f < F; f++)
        r[f] = cols[f][i];
      r[F] = y[i];
      fwrite(r, sizeof r, 1, fp);
    }
    fclose(fp);
  }
  printf("gbt_bench: %zu rows x %d features, train %zu, test %zu\n", n, F, n_train, n - n_train);
  {
    double cpu0;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    cpu0 = (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
           (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
    m = train(n_train, cols, y, threads, &secs);
    printf("threads=%u: train %.3f s wall, %.3f s CPU, %u trees, %u nodes\n", threads, secs,
           cpu_total - cpu0, gbt_model_n_trees(m), gbt_model_n_nodes(m));
  }
  eval(m, n_train, n, cols, y);
  m1 = train(n_train, cols, y, 1, &secs);
  printf("threads=1: train %.3f s\n", secs);
  om_wbuf_init(&w1);
  om_wbuf_init(&w2);
  gbt_encode(m, &w1);
  gbt_encode(m1, &w2);
  printf("model bytes %zu, identical across thread counts: %s\n", w1.len,
         (w1.len == w2.len && memcmp(w1.data, w2.data, w1.len) == 0) ? "yes" : "NO");
  om_wbuf_free(&w1);
  om_wbuf_free(&w2);
  gbt_free(m);
  gbt_free(m1);
  for (int f = 0; f < F; f++)
    free(cols[f]);
  free(y);
  return 0;
}
