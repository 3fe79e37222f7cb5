/*
** st_metrics_kind.c — the metrics_state row of the model-kind table
** (mdl_kind.h): the mergeable states of interval_coverage,
** regression_metrics and classification_metrics (st_metrics_state.h).
**
** Behaviours:
**   1. open() decodes a payload of version ST_MSTATE_PAYLOAD_VERSION (a
**      newer one is OM_UNSUPPORTED_VERSION "metrics_state payload version 2
**      is not supported (this build reads 1)"; 0 is OM_CORRUPT) into an
**      om_malloc'd st_mstate that owns its arrays, and checks that the
**      envelope has no features and that its rows_used is the state's n.
**   2. info writes function, rows and the error bounds (st_mstate_info); no
**      scoring, importance or anomaly hooks.
*/
#include "st_metrics_state.h"

static om_status ms_kind_open(const mdl_view *v, void **model, om_err *err) {
  st_mstate *s;
  om_status st;
  *model = NULL;
  if (v->payload_version > ST_MSTATE_PAYLOAD_VERSION)
    return om_errf(err, OM_UNSUPPORTED_VERSION,
                   "metrics_state payload version %u is not supported (this build reads %d)", v->payload_version,
                   ST_MSTATE_PAYLOAD_VERSION);
  if (v->payload_version != ST_MSTATE_PAYLOAD_VERSION)
    return om_errf(err, OM_CORRUPT, "metrics_state payload version %u is not valid", v->payload_version);
  if (v->n_features != 0) return om_errf(err, OM_CORRUPT, "metrics_state has a feature schema");
  s = om_malloc(sizeof *s);
  if (!s) return om_errf(err, OM_NOMEM, "out of memory");
  st = st_mstate_decode(v->payload, v->payload_len, s, err);
  if (st != OM_OK) {
    om_free(s);
    return st;
  }
  if (v->meta.rows_used != (uint64_t)st_mstate_rows(s)) {
    st_mstate_free(s);
    om_free(s);
    return om_errf(err, OM_CORRUPT, "metrics_state's rows_used does not match its row count");
  }
  *model = s;
  return OM_OK;
}

static void ms_kind_close(void *model) {
  st_mstate_free(model);
  om_free(model);
}

static om_status ms_kind_info(const void *model, om_jw *j, om_err *err) { return st_mstate_info(model, j, err); }

const mdl_kind_def ms_kind = {
    .code = MDL_KIND_METRICS_STATE,
    .name = "metrics_state",
    .payload_version = ST_MSTATE_PAYLOAD_VERSION,
    .payload_oldest = ST_MSTATE_PAYLOAD_VERSION,
    .open = ms_kind_open,
    .close = ms_kind_close,
    .info = ms_kind_info,
};
