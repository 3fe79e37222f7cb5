/*
** main.c — a program with omen linked in statically (docs/EMBED.md): omen's
** amalgamation compiled with -DOMEN_STATIC, SQLite from libsqlite3.a, and
** omen registered for every connection with sqlite3_auto_extension().
**
**   cc -DOMEN_STATIC -c omen.c
**   cc -I<dir of omen.h> main.c omen.o /usr/lib/x86_64-linux-gnu/libsqlite3.a \
**      -llapacke -llapack -lxxhash -lm -lpthread -ldl -o embed
**   ./embed DBFILE
**
** Behaviours (tests/static_embed_test.sh checks the printed lines):
**   1. Registers omen with sqlite3_auto_extension() twice (the second is a
**      no-op, as SQLite documents), then opens TWO connections to DBFILE.
**   2. On each connection: trains a boosted-trees model on 300 synthetic runs
**      (duration = 10 + 2 x + 30 if job is 'b'), saves it in the registry as
**      'runtime', and predicts by registry name with predict_duration().
**      Prints `version <omen_version()>`, `header <OMEN_VERSION>`,
**      `conn<k> saved <version>`, `conn<k> predict <value>`.
**   3. Registers omen a second time on connection 1 by calling
**      sqlite3_omen_init() directly (loading twice), and predicts again:
**      `twice rc <rc>`, `twice predict <value>` (the same value).
**   4. Connection 2 predicts with connection 1's model ('runtime@1'):
**      `cross predict <value>`.
**   5. Any SQLite error prints `error <where>: <message>` and exits 1;
**      the last line is `done` on success.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "omen.h"

/* Run sql on db; copy the first column of the first row (as text) to out. */
static int query(sqlite3 *db, const char *where, const char *sql, char *out, size_t n) {
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
      const unsigned char *v = sqlite3_column_text(st, 0);
      snprintf(out, n, "%s", v ? (const char *)v : "NULL");
      rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
      snprintf(out, n, "(no row)");
      rc = SQLITE_OK;
    }
  }
  if (rc != SQLITE_OK) printf("error %s: %s\n", where, sqlite3_errmsg(db));
  sqlite3_finalize(st);
  return rc;
}

static const char *const TRAIN_SQL =
    "SELECT model_save('runtime', gbt_train(feature_vector('x', x, 'job', job), duration,"
    " '{\"n_trees\": 50}'), 'production')"
    "  FROM (SELECT * FROM runs ORDER BY id)";
static const char *const PREDICT_SQL =
    "SELECT predict_duration('%s', feature_vector('x', 20, 'job', 'b'))";

int main(int argc, char **argv) {
  sqlite3 *db[2] = {NULL, NULL};
  char buf[256], sql[256];
  char *err = NULL;
  int k, rc;
  if (argc != 2) {
    fprintf(stderr, "usage: %s DBFILE\n", argv[0]);
    return 2;
  }
  /* Behaviour 1: every connection opened from now on gets omen. */
  if (sqlite3_auto_extension((void (*)(void))sqlite3_omen_init) != SQLITE_OK ||
      sqlite3_auto_extension((void (*)(void))sqlite3_omen_init) != SQLITE_OK) {
    printf("error auto_extension\n");
    return 1;
  }
  printf("header %s\n", OMEN_VERSION);
  for (k = 0; k < 2; k++) {
    if (sqlite3_open(argv[1], &db[k]) != SQLITE_OK) {
      printf("error open: %s\n", db[k] ? sqlite3_errmsg(db[k]) : "out of memory");
      return 1;
    }
    sqlite3_busy_timeout(db[k], 5000);
  }
  if (query(db[0], "version", "SELECT omen_version()", buf, sizeof buf)) return 1;
  printf("version %s\n", buf);
  /* 300 runs of two jobs; WITH RECURSIVE keeps the program free of loops. */
  rc = sqlite3_exec(db[0],
                    "CREATE TABLE runs(id INTEGER PRIMARY KEY, job TEXT, x REAL, duration REAL);"
                    "WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n < 299)"
                    " INSERT INTO runs(job, x, duration)"
                    " SELECT CASE n % 3 WHEN 0 THEN 'b' ELSE 'a' END, n % 50,"
                    "        10 + 2 * (n % 50) + CASE n % 3 WHEN 0 THEN 30 ELSE 0 END FROM i;",
                    NULL, NULL, &err);
  if (rc != SQLITE_OK) {
    printf("error setup: %s\n", err ? err : "?");
    sqlite3_free(err);
    return 1;
  }
  /* Behaviour 2: train, save and predict on each connection. */
  for (k = 0; k < 2; k++) {
    snprintf(sql, sizeof sql, "conn%d train", k + 1);
    if (query(db[k], sql, TRAIN_SQL, buf, sizeof buf)) return 1;
    printf("conn%d saved %s\n", k + 1, buf);
    snprintf(sql, sizeof sql, PREDICT_SQL, "runtime");
    if (query(db[k], "predict", sql, buf, sizeof buf)) return 1;
    printf("conn%d predict %s\n", k + 1, buf);
  }
  /* Behaviour 3: registering again on a connection that has omen. */
  rc = sqlite3_omen_init(db[0], &err, NULL);
  printf("twice rc %d%s%s\n", rc, err ? " " : "", err ? err : "");
  sqlite3_free(err);
  err = NULL;
  snprintf(sql, sizeof sql, PREDICT_SQL, "runtime");
  if (query(db[0], "predict twice", sql, buf, sizeof buf)) return 1;
  printf("twice predict %s\n", buf);
  /* Behaviour 4: the other connection reads the first one's version. */
  snprintf(sql, sizeof sql, PREDICT_SQL, "runtime@1");
  if (query(db[1], "cross predict", sql, buf, sizeof buf)) return 1;
  printf("cross predict %s\n", buf);
  for (k = 0; k < 2; k++) sqlite3_close(db[k]);
  printf("done\n");
  return 0;
}
