/*
** bench_gbt_single.c — latency of single predictions by registry name from
** C, for tools/bench_gbt.py (e): the statement
**
**   SELECT predict_duration('<model>', ?1)
**
** prepared once and executed once per feature vector (bind, step, reset),
** as an application holding a prepared statement does, on vectors read
** beforehand from a table.  Compiled and run by bench_gbt.py:
**
**   cc -O2 tools/bench_gbt_single.c -lsqlite3 -o bench_gbt_single
**   ./bench_gbt_single DB EXTENSION MODEL TABLE [REPS]
**
** TABLE has one column fv of feature-vector BLOBs.  After one untimed pass
** (warm-up) it makes REPS (default 3) timed passes and prints, for the
** pass with the smallest p99, one line:
**   n=<rows> p50=<µs> p90=<µs> p99=<µs> max=<µs> trivial_p50=<µs> trivial_p99=<µs>
** where trivial is SELECT length(?1) on the same vectors (the cost of a
** statement execution itself).  Exit status 1 with a message on any error.
*/
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Latencies of one pass of st over the n vectors, sorted; 0 on success. */
static int pass(sqlite3 *db, sqlite3_stmt *st, void **fv, int *len, int n, double *lat) {
  for (int i = 0; i < n; i++) {
    double t0 = now();
    sqlite3_bind_blob(st, 1, fv[i], len[i], SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW) {
      fprintf(stderr, "bench_gbt_single: %s\n", sqlite3_errmsg(db));
      return 1;
    }
    sqlite3_reset(st);
    lat[i] = now() - t0;
  }
  qsort(lat, (size_t)n, sizeof *lat, cmp_double);
  return 0;
}

int main(int argc, char **argv) {
  sqlite3 *db = NULL;
  sqlite3_stmt *src = NULL, *st = NULL, *triv = NULL;
  char *err = NULL, sql[512];
  void **fv = NULL;
  int *len = NULL, n = 0, cap = 0, reps = argc > 5 ? atoi(argv[5]) : 3, rc = 1;
  double *lat = NULL, best[4] = {0, 0, 0, 1e30}, tp50 = 0, tp99 = 1e30;
  if (argc < 5) {
    fprintf(stderr, "usage: bench_gbt_single DB EXTENSION MODEL TABLE [REPS]\n");
    return 1;
  }
  if (sqlite3_open(argv[1], &db) != SQLITE_OK) goto fail;
  sqlite3_enable_load_extension(db, 1);
  if (sqlite3_load_extension(db, argv[2], NULL, &err) != SQLITE_OK) {
    fprintf(stderr, "bench_gbt_single: %s\n", err ? err : "cannot load the extension");
    goto done;
  }
  snprintf(sql, sizeof sql, "SELECT fv FROM \"%s\"", argv[4]);
  if (sqlite3_prepare_v2(db, sql, -1, &src, NULL) != SQLITE_OK) goto fail;
  while (sqlite3_step(src) == SQLITE_ROW) {
    if (n == cap) {
      cap = cap ? 2 * cap : 1024;
      fv = realloc(fv, sizeof *fv * (size_t)cap);
      len = realloc(len, sizeof *len * (size_t)cap);
      if (!fv || !len) goto fail;
    }
    len[n] = sqlite3_column_bytes(src, 0);
    fv[n] = malloc(len[n] > 0 ? (size_t)len[n] : 1);
    if (!fv[n]) goto fail;
    memcpy(fv[n], sqlite3_column_blob(src, 0), (size_t)len[n]);
    n++;
  }
  if (n == 0) goto fail;
  lat = malloc(sizeof *lat * (size_t)n);
  snprintf(sql, sizeof sql, "SELECT predict_duration('%s', ?1)", argv[3]);
  if (!lat || sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(db, "SELECT length(?1)", -1, &triv, NULL) != SQLITE_OK)
    goto fail;
  for (int r = 0; r <= reps; r++) {
    if (pass(db, st, fv, len, n, lat)) goto done;
    if (r > 0 && lat[n * 99 / 100] < best[3]) {
      best[0] = lat[n / 2];
      best[1] = lat[n * 9 / 10];
      best[2] = lat[n - 1];
      best[3] = lat[n * 99 / 100];
    }
    if (pass(db, triv, fv, len, n, lat)) goto done;
    if (r > 0 && lat[n * 99 / 100] < tp99) {
      tp50 = lat[n / 2];
      tp99 = lat[n * 99 / 100];
    }
  }
  printf("n=%d p50=%.2f p90=%.2f p99=%.2f max=%.2f trivial_p50=%.2f trivial_p99=%.2f\n", n, best[0] * 1e6,
         best[1] * 1e6, best[3] * 1e6, best[2] * 1e6, tp50 * 1e6, tp99 * 1e6);
  rc = 0;
  goto done;
fail:
  fprintf(stderr, "bench_gbt_single: %s\n", db ? sqlite3_errmsg(db) : "cannot open the database");
done:
  sqlite3_free(err);
  sqlite3_finalize(src);
  sqlite3_finalize(st);
  sqlite3_finalize(triv);
  sqlite3_close(db);
  for (int i = 0; i < n; i++)
    free(fv[i]);
  free(fv);
  free(len);
  free(lat);
  return rc;
}
