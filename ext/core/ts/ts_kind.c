/*
** ts_kind.c — the 'forecast' row of the model-kind table (mdl_kind.h): a
** model made by forecast_train() (ts_fc.h), and the envelope it is written
** in.
**
** Behaviours:
**   1. open() reads payload versions 1 (ETS, mstl with ETS, naive,
**      snaive) and 2 (TS_FC_FORMAT: every method), refuses others (newer:
**      OM_UNSUPPORTED_VERSION "forecast payload version N is not supported
**      (this build reads 1 to 2)") and an envelope with features (a
**      forecast model has an empty schema: it scores no feature vectors),
**      then ts_fc_decode_version (ts_fc.h 3).
**   2. No row_prepare, importance or anomaly hooks: forecast() and the
**      other time-series functions read the decoded model directly.
**   3. info writes ts_fc_info's members under model_info's "detail".
**   4. ts_fc_write: the envelope with meta rows_used / rows_skipped from the
**      caller, the options text (a flat JSON object, "{}" when none),
**      metrics {points, sigma[, aicc, mse]}.
**   5. ts_fc_write decodes the payload it wrote and refuses (OM_INVALID
**      "the fitted model is not usable (...)") one the decoder would
**      refuse: a series whose differences overflow, a fit that went
**      non-finite.  No BLOB leaves forecast_train that forecast() rejects.
*/
#include <string.h>

#include "../base/mdl_kind.h"
#include "ts_fc.h"

static om_status ts_kind_open(const mdl_view *v, void **model, om_err *err) {
  ts_fc *m;
  om_status st;
  *model = NULL;
  if (v->payload_version < 1 || v->payload_version > TS_FC_FORMAT)
    return om_errf(err, v->payload_version > TS_FC_FORMAT ? OM_UNSUPPORTED_VERSION : OM_CORRUPT,
                   "forecast payload version %u is not supported (this build reads 1 to %d)", v->payload_version,
                   TS_FC_FORMAT);
  if (v->n_features) return om_errf(err, OM_CORRUPT, "forecast model has a feature schema");
  m = om_calloc(1, sizeof *m);
  if (!m) return om_errf(err, OM_NOMEM, "out of memory");
  st = ts_fc_decode_version(v->payload, v->payload_len, v->payload_version, m, err);
  if (st != OM_OK) {
    om_free(m);
    return st;
  }
  *model = m;
  return OM_OK;
}

static void ts_kind_close(void *model) {
  if (!model) return;
  ts_fc_free(model);
  om_free(model);
}

static om_status ts_kind_info(const void *model, om_jw *j, om_err *err) {
  (void)err;
  ts_fc_info(model, j);
  return OM_OK;
}

om_status ts_fc_write(const ts_fc *m, const char *options, size_t options_len, uint64_t rows_used,
                      uint64_t rows_skipped, om_wbuf *w, om_err *err) {
  om_wbuf payload, metrics;
  om_jw j;
  mdl_meta meta;
  om_status st;
  om_wbuf_init(&payload);
  om_wbuf_init(&metrics);
  ts_fc_encode(m, &payload);
  if (om_wbuf_status(&payload) == OM_OK) { /* behaviour 5: write only what reads back */
    ts_fc chk;
    om_err e2;
    st = ts_fc_decode(payload.data, payload.len, &chk, &e2);
    ts_fc_free(&chk);
    if (st == OM_NOMEM) goto done;
    if (st != OM_OK) {
      st = om_errf(err, OM_INVALID, "the fitted model is not usable (%s): values too large or too close together", e2.msg);
      goto done;
    }
  }
  om_jw_init(&j, &metrics);
  ts_fc_metrics(m, &j);
  if (om_wbuf_status(&payload) != OM_OK || om_wbuf_status(&metrics) != OM_OK) {
    st = om_errf(err, OM_NOMEM, "out of memory");
    goto done;
  }
  memset(&meta, 0, sizeof meta);
  meta.rows_used = rows_used;
  meta.rows_skipped = rows_skipped;
  meta.options_json = options ? options : "{}";
  meta.options_len = options ? options_len : 2;
  meta.metrics_json = (const char *)metrics.data;
  meta.metrics_len = metrics.len;
  st = mdl_write(w, MDL_KIND_FORECAST, TS_FC_FORMAT, NULL, 0, &meta, payload.data, payload.len, err);
done:
  om_wbuf_free(&payload);
  om_wbuf_free(&metrics);
  return st;
}

const mdl_kind_def ts_kind = {
    .code = MDL_KIND_FORECAST,
    .name = "forecast",
    .payload_version = TS_FC_FORMAT,
    .payload_oldest = 1,
    .open = ts_kind_open,
    .close = ts_kind_close,
    .info = ts_kind_info,
};
