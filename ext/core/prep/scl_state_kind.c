/*
** scl_state_kind.c — the scaler_state row of the model-kind table
** (mdl_kind.h): the mergeable state of scaler_train (scl_state.h).
**
** Behaviours:
**   1. open() decodes a payload of version SCL_STATE_PAYLOAD_VERSION (a
**      newer one is OM_UNSUPPORTED_VERSION "scaler_state payload version 2
**      is not supported (this build reads 1)"; 0 is OM_CORRUPT) into an
**      om_malloc'd scl_state that owns all its memory (scl_state_decode
**      checks it against the envelope's schema and rows).
**   2. info writes method and exact (scl_state_info); no scoring,
**      importance or anomaly hooks: a state is not a model to score with.
*/
#include "scl_state.h"

static om_status ss_kind_open(const mdl_view *v, void **model, om_err *err) {
  scl_state *s;
  om_status st;
  *model = NULL;
  if (v->payload_version > SCL_STATE_PAYLOAD_VERSION)
    return om_errf(err, OM_UNSUPPORTED_VERSION, "scaler_state payload version %u is not supported (this build reads %d)",
                   v->payload_version, SCL_STATE_PAYLOAD_VERSION);
  if (v->payload_version != SCL_STATE_PAYLOAD_VERSION)
    return om_errf(err, OM_CORRUPT, "scaler_state payload version %u is not valid", v->payload_version);
  s = om_malloc(sizeof *s);
  if (!s) return om_errf(err, OM_NOMEM, "out of memory");
  st = scl_state_decode(v, s, err);
  if (st != OM_OK) {
    om_free(s);
    return st;
  }
  *model = s;
  return OM_OK;
}

static void ss_kind_close(void *model) {
  if (!model) return;
  scl_state_free(model);
  om_free(model);
}

static om_status ss_kind_info(const void *model, om_jw *j, om_err *err) { return scl_state_info(model, j, err); }

const mdl_kind_def scl_state_kind = {
    .code = MDL_KIND_SCALER_STATE,
    .name = "scaler_state",
    .payload_version = SCL_STATE_PAYLOAD_VERSION,
    .payload_oldest = SCL_STATE_PAYLOAD_VERSION,
    .open = ss_kind_open,
    .close = ss_kind_close,
    .info = ss_kind_info,
};
