/*
** state_arg.c — reading a mergeable state argument: what every
** *_state(state) and *_merge(state) aggregate does with its BLOB before it
** folds the decoded state into its own accumulator (welch_state.c, ...).
**
**   if (omen_state_open(ctx, "welch_ttest_merge", argv[0], MDL_KIND_WELCH_STATE,
**                       "welch_ttest_state", &st)) return;   -- error reported
**   if (!st.model) return;                                     -- SQL NULL: skip
**   ... fold st.model ...
**   omen_state_close(&st);
**
** Behaviours:
**   1. SQL NULL → 0 with st->model NULL: the caller skips the row (a NULL
**      state is no rows, as NULL values are for the aggregates).
**   2. Anything but a BLOB → "<fname>(): state (argument 1) is TEXT;
**      expected a <kind> BLOB (from <maker>())".
**   3. The BLOB goes through mdl_open (the envelope's own messages: "not an
**      omen model", "model checksum mismatch", ...), then the kind check
**      (mdl_state_mismatch: "the state is a bandit state; expected a
**      welch_state, from welch_ttest_state()"), then the kind's open (a
**      newer payload version names both versions; a corrupt payload says
**      so).  Every failure is reported on ctx, named fname, returns 1 and
**      leaves nothing to free; out of memory is SQLITE_NOMEM.
**   4. On success st->view (its features, meta and options) and st->model
**      (the kind's decoded state, which may point into the argument's BLOB:
**      use it within the same step call) are open until omen_state_close.
*/
#include <string.h>

#include "omen_ext.h"

int omen_state_open(sqlite3_context *ctx, const char *fname, sqlite3_value *arg, uint16_t want, const char *maker,
                    omen_state *st) {
  om_err err;
  om_status rc;
  memset(st, 0, sizeof *st);
  if (sqlite3_value_type(arg) == SQLITE_NULL) return 0;
  if (sqlite3_value_type(arg) != SQLITE_BLOB) {
    const char *name = mdl_kind_name(want);
    omen_errorf(ctx, fname, "state (argument 1) is %s; expected a %s BLOB (from %s())", omen_type_name(arg),
                name ? name : "state", maker);
    return 1;
  }
  rc = mdl_open(sqlite3_value_blob(arg), (size_t)sqlite3_value_bytes(arg), &st->view, &err);
  if (rc != OM_OK) {
    omen_result_status(ctx, fname, rc, &err);
    return 1;
  }
  if (st->view.kind != want) {
    rc = mdl_state_mismatch(st->view.kind, want, maker, &err);
    mdl_view_free(&st->view);
    omen_result_status(ctx, fname, rc, &err);
    return 1;
  }
  st->kind = mdl_kind_get(want);
  rc = st->kind->open(&st->view, &st->model, &err);
  if (rc != OM_OK) {
    mdl_view_free(&st->view);
    st->model = NULL;
    omen_result_status(ctx, fname, rc, &err);
    return 1;
  }
  return 0;
}

void omen_state_close(omen_state *st) {
  if (!st->model) return;
  st->kind->close(st->model);
  mdl_view_free(&st->view);
  st->model = NULL;
}
