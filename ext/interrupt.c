/*
** interrupt.c — lets long core work (training) honour sqlite3_interrupt().
**
** SQLite 3.41 added sqlite3_is_interrupted(), but Debian bookworm ships 3.40.
** On every version, while a connection is interrupted (until its last active
** statement ends), sqlite3_prepare_v2() on it fails with SQLITE_INTERRUPT, so
** the poll prepares and finalizes "SELECT 1" (a few microseconds; the core
** polls once per tree level).  It must run on the thread that runs the
** statement: the core polls from the calling thread only.
*/
#include "omen_ext.h"

static int interrupt_poll(void *arg) {
  sqlite3 *db = arg;
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db, "SELECT 1", -1, &st, 0);
  sqlite3_finalize(st);
  return rc == SQLITE_INTERRUPT;
}

om_interrupt omen_interrupt_for(sqlite3_context *ctx) {
  om_interrupt it;
  it.fn = interrupt_poll;
  it.arg = sqlite3_context_db_handle(ctx);
  return it;
}

om_interrupt omen_interrupt_for_db(sqlite3 *db) {
  om_interrupt it;
  it.fn = interrupt_poll;
  it.arg = db;
  return it;
}
