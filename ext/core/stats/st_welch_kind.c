/*
** st_welch_kind.c — the welch_state row of the model-kind table
** (mdl_kind.h): the mergeable state of welch_ttest (st_welch_state.h).
**
** Behaviours:
**   1. open() decodes a payload of version ST_WSTATE_PAYLOAD_VERSION (a
**      newer one is OM_UNSUPPORTED_VERSION "welch_state payload version 2
**      is not supported (this build reads 1)"; 0 is OM_CORRUPT) into an
**      om_malloc'd st_wstate whose text labels point into the BLOB, and
**      checks that the envelope has no features and that its rows_used is
**      the sum of the groups' counts.
**   2. info writes alternative, confidence and the groups with their counts
**      (st_wstate_info); no scoring, importance or anomaly hooks.
*/
#include "st_welch_state.h"

static om_status ws_kind_open(const mdl_view *v, void **model, om_err *err) {
  st_wstate *s;
  om_status st;
  uint64_t rows = 0;
  *model = NULL;
  if (v->payload_version > ST_WSTATE_PAYLOAD_VERSION)
    return om_errf(err, OM_UNSUPPORTED_VERSION, "welch_state payload version %u is not supported (this build reads %d)",
                   v->payload_version, ST_WSTATE_PAYLOAD_VERSION);
  if (v->payload_version != ST_WSTATE_PAYLOAD_VERSION)
    return om_errf(err, OM_CORRUPT, "welch_state payload version %u is not valid", v->payload_version);
  if (v->n_features != 0) return om_errf(err, OM_CORRUPT, "welch_state has a feature schema");
  s = om_malloc(sizeof *s);
  if (!s) return om_errf(err, OM_NOMEM, "out of memory");
  st = st_wstate_decode(v->payload, v->payload_len, s, err);
  if (st != OM_OK) {
    om_free(s);
    return st;
  }
  for (int i = 0; i < s->n_groups; i++) rows += (uint64_t)s->g[i].sums.n;
  if (v->meta.rows_used != rows) {
    om_free(s);
    return om_errf(err, OM_CORRUPT, "welch_state's rows_used does not match its groups' counts");
  }
  *model = s;
  return OM_OK;
}

static void ws_kind_close(void *model) { om_free(model); }

static om_status ws_kind_info(const void *model, om_jw *j, om_err *err) { return st_wstate_info(model, j, err); }

const mdl_kind_def ws_kind = {
    .code = MDL_KIND_WELCH_STATE,
    .name = "welch_state",
    .payload_version = ST_WSTATE_PAYLOAD_VERSION,
    .payload_oldest = ST_WSTATE_PAYLOAD_VERSION,
    .open = ws_kind_open,
    .close = ws_kind_close,
    .info = ws_kind_info,
};
