/*
** bl_state_kind.c — the baseline_state row of the model-kind table
** (mdl_kind.h): the mergeable state of baseline_train (bl_state.h).
**
** Behaviours:
**   1. open() decodes a payload of version BL_STATE_PAYLOAD_VERSION (a
**      newer one is OM_UNSUPPORTED_VERSION "baseline_state payload version 2
**      is not supported (this build reads 1)"; 0 is OM_CORRUPT) into an
**      om_malloc'd bl_state that owns all its memory (bl_state_decode
**      checks it against the envelope's schema, rows and seed).
**   2. info writes the options, the sketch's accuracy and the features with
**      their counts (bl_state_info); no scoring, importance or anomaly
**      hooks: a state is not a model to score with (baseline_merge makes
**      one).
*/
#include "bl_state.h"

static om_status bls_kind_open(const mdl_view *v, void **model, om_err *err) {
  bl_state *s;
  om_status st;
  *model = NULL;
  if (v->payload_version > BL_STATE_PAYLOAD_VERSION)
    return om_errf(err, OM_UNSUPPORTED_VERSION,
                   "baseline_state payload version %u is not supported (this build reads %d)", v->payload_version,
                   BL_STATE_PAYLOAD_VERSION);
  if (v->payload_version != BL_STATE_PAYLOAD_VERSION)
    return om_errf(err, OM_CORRUPT, "baseline_state payload version %u is not valid", v->payload_version);
  s = om_malloc(sizeof *s);
  if (!s) return om_errf(err, OM_NOMEM, "out of memory");
  st = bl_state_decode(v, s, err);
  if (st != OM_OK) {
    om_free(s);
    return st;
  }
  *model = s;
  return OM_OK;
}

static void bls_kind_close(void *model) {
  if (!model) return;
  bl_state_free(model);
  om_free(model);
}

static om_status bls_kind_info(const void *model, om_jw *j, om_err *err) { return bl_state_info(model, j, err); }

const mdl_kind_def bl_state_kind = {
    .code = MDL_KIND_BASELINE_STATE,
    .name = "baseline_state",
    .payload_version = BL_STATE_PAYLOAD_VERSION,
    .payload_oldest = BL_STATE_PAYLOAD_VERSION,
    .open = bls_kind_open,
    .close = bls_kind_close,
    .info = bls_kind_info,
};
