/*
** bench_mah.c — timings of the Mahalanobis core against scikit-learn
** (tools/bench_mah.py writes the same data and times sklearn).
**
**   /usr/bin/python3 tools/bench_mah.py     (writes /tmp/mah_bench.bin, times sklearn)
**   cc -O2 -std=c11 -D_GNU_SOURCE -Iext/core/base -Iext/core/robust tools/bench_mah.c \
**      tests/fuzz/fuzz_alloc.c $(ls ext/core/{base,stats,prep,gbt,robust}/[a-z]*.c) \
**      -llapacke -llapack -lxxhash -lpthread -lm -o build/bench_mah && build/bench_mah /tmp/mah_bench.bin
**
** Input: n (u64), p (u64), then n·p doubles row-major (native endianness).
** Prints fit time per method (rows fed one at a time, as the aggregate
** does), then scoring time per row (complete rows, and with one missing).
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mah.h"

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

int main(int argc, char **argv) {
  FILE *f = fopen(argc > 1 ? argv[1] : "/tmp/mah_bench.bin", "rb");
  uint64_t n, p;
  double *X;
  uint8_t types[64];
  if (!f || fread(&n, 8, 1, f) != 1 || fread(&p, 8, 1, f) != 1 || p > 64) return 1;
  X = malloc(sizeof(double) * n * p);
  if (fread(X, sizeof(double), n * p, f) != n * p) return 1;
  fclose(f);
  memset(types, 1, sizeof types);
  for (int mi = 0; mi < 3; mi++) {
    mah_options o;
    mah_accum *a;
    om_wbuf pw, mw;
    om_err err;
    mah_model *m;
    double t0, t1, t2;
    mah_options_default(&o);
    o.method = (mah_method)mi;
    om_wbuf_init(&pw);
    om_wbuf_init(&mw);
    t0 = now();
    if (mah_accum_init(&o, (uint32_t)p, types, &a, &err) != OM_OK) return 2;
    for (uint64_t i = 0; i < n; i++) mah_accum_add(a, X + i * p, NULL, &err);
    t1 = now();
    if (mah_accum_finish(a, NULL, &pw, &mw, &err) != OM_OK) {
      fprintf(stderr, "%s\n", err.msg);
      return 3;
    }
    t2 = now();
    mah_accum_free(a);
    om_wbuf_u8(&mw, 0);
    printf("fit %-11s %8.3f s (add %.3f s, finish %.3f s)  %s\n", mah_method_name(o.method), t2 - t0, t1 - t0,
           t2 - t1, (const char *)mw.data);
    if (mah_decode(pw.data, pw.len, (uint32_t)p, types, &m, &err) != OM_OK) return 4;
    {
      double *scratch = malloc(sizeof(double) * mah_scratch_doubles(m)), sum = 0, x[64];
      mah_result r;
      mah_evidence ev[64];
      uint64_t anomalies = 0;
      t0 = now();
      for (uint64_t i = 0; i < n; i++) {
        mah_score(m, X + i * p, scratch, &r, &err);
        sum += r.d;
        anomalies += r.is_anomaly;
      }
      t1 = now();
      for (uint64_t i = 0; i < n; i++) {
        memcpy(x, X + i * p, sizeof(double) * p);
        x[i % p] = NAN;
        mah_score(m, x, scratch, &r, &err);
        sum += r.d;
      }
      t2 = now();
      printf("    score %.1f ns/row (d, p-value, is_anomaly; %llu anomalies), one missing %.1f ns/row", 1e9 * (t1 - t0) / n,
             (unsigned long long)anomalies, 1e9 * (t2 - t1) / n);
      t0 = now();
      for (uint64_t i = 0; i < n; i++) mah_explain(m, X + i * p, scratch, &r, ev, &err);
      t1 = now();
      printf(", explain %.1f ns/row  (checksum %.6g)\n", 1e9 * (t1 - t0) / n, sum);
      free(scratch);
    }
    mah_free(m);
    om_wbuf_free(&pw);
    om_wbuf_free(&mw);
  }
  free(X);
  return 0;
}
