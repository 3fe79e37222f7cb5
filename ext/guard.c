/*
** guard.c — the rule that keeps schema objects of an untrusted database from
** writing through omen (docs/SECURITY.md).
**
** A function that writes (model_save, and every later one) calls
** omen_write_guard() before it changes anything.  SQLITE_DIRECTONLY already
** keeps such functions out of views, triggers, DEFAULT clauses and generated
** columns -- but SQLite 3.40 (Debian bookworm) does not enforce it in CHECK
** constraints, so a table declared CHECK (model_save(...) > 0) in a database
** file an application opens or attaches plants a model on the application's
** first INSERT into that table, or its first PRAGMA integrity_check.
**
** Behaviours:
**   1. A write is allowed only while every statement running on the
**      connection (sqlite3_stmt_busy) is a query: read-only
**      (sqlite3_stmt_readonly) and starting, after spaces and comments, with
**      SELECT, WITH or VALUES.  So `SELECT model_save(...) FROM ...` works,
**      and anything evaluated inside INSERT, UPDATE, DELETE, REPLACE,
**      UPSERT, PRAGMA (integrity_check and quick_check evaluate CHECK
**      constraints, also when a SELECT reads pragma_integrity_check, which
**      runs a nested PRAGMA statement) or any other statement is refused.
**      Schema expressions that a query evaluates (views, generated columns)
**      are refused by SQLITE_DIRECTONLY and by the non-deterministic flag
**      on every SQLite version.
**   2. The error names the function, says what to do, and quotes the start
**      of the statement that was running (after its leading spaces and
**      comments): "model_save(): refused: the model registry is written
**      only from a SELECT of its own (run SELECT model_save(...), then use
**      what it returns), and a 'INSERT INTO log SELECT model_save(...'
**      statement is running on this connection; if you did not write that
**      statement, a CHECK constraint, trigger or PRAGMA is calling
**      model_save() (see docs/SECURITY.md)".
**   4. omen_busy_hint(db): what every writer appends to a "database is
**      locked" failure.  In WAL mode a write that starts inside a SELECT's
**      read transaction cannot wait for a lock once another connection has
**      committed (SQLITE_BUSY_SNAPSHOT: the busy timeout does not apply), so
**      the hint names the pattern that can: BEGIN IMMEDIATE first.
**   3. The check walks the connection's prepared statements
**      (sqlite3_next_stmt): it costs microseconds per write, and nothing on
**      read paths.
*/
#include <string.h>

#include "omen_ext.h"

/* sql past its leading spaces and SQL comments. */
static const char *skip_space(const char *sql) {
  const char *p = sql ? sql : "";
  for (;;) {
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == '\v') p++;
    if (p[0] == '-' && p[1] == '-') {
      while (*p && *p != '\n') p++;
    } else if (p[0] == '/' && p[1] == '*') {
      const char *end = strstr(p + 2, "*/");
      p = end ? end + 2 : p + strlen(p);
    } else {
      return p;
    }
  }
}

/* The statement's first keyword, into kw (upper-case, at most cap-1
** letters). */
static void first_keyword(const char *sql, char *kw, size_t cap) {
  const char *p = skip_space(sql);
  size_t n = 0;
  while (n + 1 < cap && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))) {
    kw[n++] = (char)(*p >= 'a' ? *p - 'a' + 'A' : *p);
    p++;
  }
  kw[n] = 0;
}

static int is_query(sqlite3_stmt *st) {
  char kw[8];
  if (!sqlite3_stmt_readonly(st)) return 0;
  first_keyword(sqlite3_sql(st), kw, sizeof kw);
  return strcmp(kw, "SELECT") == 0 || strcmp(kw, "WITH") == 0 || strcmp(kw, "VALUES") == 0;
}

int omen_write_guard(sqlite3_context *ctx, const char *fname) {
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  sqlite3_stmt *st;
  for (st = sqlite3_next_stmt(db, NULL); st; st = sqlite3_next_stmt(db, st)) {
    if (!sqlite3_stmt_busy(st) || is_query(st)) continue;
    const char *sql = skip_space(sqlite3_sql(st));
    omen_errorf(ctx, fname,
                "refused: the model registry is written only from a SELECT of its own (run SELECT %s(...), then use "
                "what it returns), and a '%.40s%s' statement is running on this connection; if you did not write "
                "that statement, a CHECK constraint, trigger or PRAGMA is calling %s() (see docs/SECURITY.md)",
                fname, sql, strlen(sql) > 40 ? "..." : "", fname);
    return 0;
  }
  return 1;
}

const char *omen_busy_hint(sqlite3 *db) {
  if ((sqlite3_extended_errcode(db) & 0xff) != SQLITE_BUSY) return "";
  return " (another connection wrote since this statement began reading, or holds the write lock; run the write "
         "inside BEGIN IMMEDIATE ... COMMIT with a busy timeout, so SQLite waits for the lock before reading)";
}
