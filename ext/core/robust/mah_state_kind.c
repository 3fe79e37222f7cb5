/*
** mah_state_kind.c — the mahalanobis_state row of the model-kind table
** (mdl_kind.h): the mergeable state of mahalanobis_train (mah_state.h).
**
** Behaviours:
**   1. open() decodes a payload of version MAH_STATE_PAYLOAD_VERSION (a
**      newer one is OM_UNSUPPORTED_VERSION "mahalanobis_state payload
**      version 2 is not supported (this build reads 1)"; 0 is OM_CORRUPT)
**      into an om_malloc'd mah_state that owns all its memory
**      (mah_state_decode checks it against the envelope's schema, rows and
**      seed).
**   2. info writes the options and counts (mah_state_info); no scoring,
**      importance or anomaly hooks: a state is not a model to score with
**      (mahalanobis_merge makes one).
*/
#include "../base/mdl_kind.h"
#include "mah_state.h"

static om_status mhs_kind_open(const mdl_view *v, void **model, om_err *err) {
  mah_state *s;
  om_status st;
  *model = NULL;
  if (v->payload_version > MAH_STATE_PAYLOAD_VERSION)
    return om_errf(err, OM_UNSUPPORTED_VERSION,
                   "mahalanobis_state payload version %u is not supported (this build reads %d)", v->payload_version,
                   MAH_STATE_PAYLOAD_VERSION);
  if (v->payload_version != MAH_STATE_PAYLOAD_VERSION)
    return om_errf(err, OM_CORRUPT, "mahalanobis_state payload version %u is not valid", v->payload_version);
  s = om_malloc(sizeof *s);
  if (!s) return om_errf(err, OM_NOMEM, "out of memory");
  st = mah_state_decode(v, s, err);
  if (st != OM_OK) {
    om_free(s);
    return st;
  }
  *model = s;
  return OM_OK;
}

static void mhs_kind_close(void *model) {
  if (!model) return;
  mah_state_free(model);
  om_free(model);
}

static om_status mhs_kind_info(const void *model, om_jw *j, om_err *err) {
  return mah_state_info((mah_state *)model, j, err);
}

const mdl_kind_def mah_state_kind = {
    .code = MDL_KIND_MAHALANOBIS_STATE,
    .name = "mahalanobis_state",
    .payload_version = MAH_STATE_PAYLOAD_VERSION,
    .payload_oldest = MAH_STATE_PAYLOAD_VERSION,
    .open = mhs_kind_open,
    .close = mhs_kind_close,
    .info = mhs_kind_info,
};
