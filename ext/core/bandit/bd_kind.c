/*
** bd_kind.c — the bandit row of the model-kind table (mdl_kind.h).
**
** Behaviours:
**   1. open() decodes the payload with bd_decode_payload (payload version
**      BD_PAYLOAD_VERSION only; a newer one is OM_UNSUPPORTED_VERSION) into
**      a bd_state that owns its copies of the arm labels.
**   2. info writes policy, reward, arms, pulls and the options the policy
**      uses (bd_info_json); no row_prepare, importance or anomaly hooks.
*/
#include "bd.h"

static om_status bd_kind_open(const mdl_view *v, void **model, om_err *err) {
  bd_state *s;
  om_status st;
  *model = NULL;
  if (v->payload_version > BD_PAYLOAD_VERSION)
    return om_errf(err, OM_UNSUPPORTED_VERSION, "bandit payload version %u is not supported (this build reads %d)",
                   v->payload_version, BD_PAYLOAD_VERSION);
  if (v->payload_version != BD_PAYLOAD_VERSION)
    return om_errf(err, OM_CORRUPT, "bandit payload version %u is not valid", v->payload_version);
  s = om_malloc(sizeof *s);
  if (!s) return om_errf(err, OM_NOMEM, "out of memory");
  st = bd_decode_payload(v->payload, v->payload_len, v->meta.rows_skipped, v->features, v->n_features, s, err);
  if (st != OM_OK) {
    om_free(s);
    return st;
  }
  if (v->meta.rows_used != s->pulls) {
    bd_state_free(s);
    om_free(s);
    return om_errf(err, OM_CORRUPT, "bandit state's rows_used does not match its pulls");
  }
  *model = s;
  return OM_OK;
}

static void bd_kind_close(void *model) {
  if (!model) return;
  bd_state_free(model);
  om_free(model);
}

static om_status bd_kind_info(const void *model, om_jw *j, om_err *err) { return bd_info_json(model, j, err); }

const mdl_kind_def bd_kind = {
    .code = MDL_KIND_BANDIT,
    .name = "bandit",
    .payload_version = BD_PAYLOAD_VERSION,
    .payload_oldest = BD_PAYLOAD_VERSION,
    .open = bd_kind_open,
    .close = bd_kind_close,
    .info = bd_kind_info,
};
