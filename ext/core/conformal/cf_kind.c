/*
** cf_kind.c — the 'conformal' row of the model-kind table (mdl_kind.h): a
** calibration made by interval_calibrate() (cf.h).
**
** Behaviours:
**   1. open() refuses a payload version outside 1..CF_FORMAT (newer:
**      OM_UNSUPPORTED_VERSION "conformal payload version N is not supported
**      (this build reads 1 to 3)"), and an envelope with features (a
**      calibration has an empty schema) as OM_CORRUPT; then
**      cf_decode_payload (cf.h 8), whose format must equal the envelope's
**      payload version (OM_CORRUPT otherwise).
**   2. No row_prepare, importance or anomaly hooks: a calibration scores
**      nothing by itself; predict_interval(model, fv, c, calib) uses it.
**   3. info writes, under model_info's "detail": space ("log1p" |
**      "identity"), model_id (16 hex digits), group (name or null),
**      group_type ("numeric" | "categorical" | "bin" | null), min_group, window,
**      max_groups, residuals (n of the pool), groups (stored), groups_seen,
**      and the pool's 5% and 95% residual quantiles q05, q95 (the 90%
**      interval's offsets in the model's raw space); with bins (format 2)
**      also bins (K) and edges (the K − 1 raw-score edges), members that a
**      calibration without bins does not have; with shrink (format 3), last,
**      shrink (K), a member that a calibration without shrink does not
**      have.
*/
#include "../base/mdl_kind.h"
#include "cf.h"

static om_status cf_kind_open(const mdl_view *v, void **model, om_err *err) {
  cf_calib *c;
  om_status st;
  *model = NULL;
  if (v->payload_version < CF_FORMAT_OLDEST || v->payload_version > CF_FORMAT)
    return om_errf(err, v->payload_version > CF_FORMAT ? OM_UNSUPPORTED_VERSION : OM_CORRUPT,
                   "conformal payload version %u is not supported (this build reads %d to %d)", v->payload_version,
                   CF_FORMAT_OLDEST, CF_FORMAT);
  if (v->n_features) return om_errf(err, OM_CORRUPT, "conformal calibration has a feature schema");
  c = om_calloc(1, sizeof *c);
  if (!c) return om_errf(err, OM_NOMEM, "out of memory");
  st = cf_decode_payload(v->payload, v->payload_len, c, err);
  if (st == OM_OK && c->format != v->payload_version) {
    st = om_errf(err, OM_CORRUPT, "conformal payload format %u does not match the envelope's payload version %u",
                 c->format, v->payload_version);
    cf_calib_free(c);
  }
  if (st != OM_OK) {
    om_free(c);
    return st;
  }
  *model = c;
  return OM_OK;
}

static void cf_kind_close(void *model) {
  cf_calib_free(model);
  om_free(model);
}

om_status cf_info_json(const cf_calib *c, om_jw *j, om_err *err) {
  om_jw_key(j, "space");
  om_jw_string(j, c->space == CF_SPACE_LOG1P ? "log1p" : "identity");
  om_jw_key(j, "model_id");
  om_jw_hex64(j, c->model_id);
  om_jw_key(j, "group");
  if (c->group) om_jw_string_n(j, c->group, c->group_len);
  else om_jw_null(j);
  om_jw_key(j, "group_type");
  if (c->key_type == CF_KEY_NUMERIC) om_jw_string(j, "numeric");
  else if (c->key_type == CF_KEY_BIN) om_jw_string(j, "bin");
  else if (c->key_type == CF_KEY_CATEGORICAL) om_jw_string(j, "categorical");
  else om_jw_null(j);
  om_jw_key(j, "min_group");
  om_jw_uint(j, c->min_group);
  om_jw_key(j, "window");
  om_jw_uint(j, c->window);
  om_jw_key(j, "max_groups");
  om_jw_uint(j, c->max_groups);
  om_jw_key(j, "residuals");
  om_jw_uint(j, c->pool.n);
  om_jw_key(j, "groups");
  om_jw_uint(j, c->n_groups);
  om_jw_key(j, "groups_seen");
  om_jw_uint(j, c->groups_seen);
  om_jw_key(j, "q05");
  om_jw_double(j, cf_sample_quantile(&c->pool, 0.05));
  om_jw_key(j, "q95");
  om_jw_double(j, cf_sample_quantile(&c->pool, 0.95));
  if (c->bins) {
    om_jw_key(j, "bins");
    om_jw_uint(j, c->bins);
    om_jw_key(j, "edges");
    om_jw_begin_array(j);
    for (uint32_t i = 0; i + 1 < c->bins; i++) om_jw_double(j, c->edges[i]);
    om_jw_end_array(j);
  }
  if (c->shrink > 0) {
    om_jw_key(j, "shrink");
    om_jw_double(j, c->shrink);
  }
  (void)err;
  return OM_OK;
}

static om_status cf_kind_info(const void *model, om_jw *j, om_err *err) { return cf_info_json(model, j, err); }

const mdl_kind_def cf_kind = {
    .code = MDL_KIND_CONFORMAL,
    .name = "conformal",
    .payload_version = CF_FORMAT,
    .payload_oldest = CF_FORMAT_OLDEST,
    .open = cf_kind_open,
    .close = cf_kind_close,
    .info = cf_kind_info,
};
