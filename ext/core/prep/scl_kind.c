/*
** scl_kind.c — the scaler row of the model-kind table (mdl_kind.h).
**
** Behaviours:
**   1. open() decodes with scl_model_from_view (on its own copy of the view,
**      so the caller's stays open): payload version SCL_PAYLOAD_VERSION
**      only, a bad payload is OM_CORRUPT.
**   2. No row_prepare, info or importance: a scaler does not score rows.
*/
#include <string.h>

#include "scl.h"

static om_status scl_kind_open(const mdl_view *v, void **model, om_err *err) {
  scl_model *m;
  mdl_view copy;
  om_status st;
  *model = NULL;
  m = om_malloc(sizeof *m);
  if (!m) return om_errf(err, OM_NOMEM, "out of memory");
  st = mdl_view_dup(v, &copy, err);
  if (st == OM_OK) st = scl_model_from_view(&copy, m, err); /* takes the copy */
  if (st != OM_OK) {
    om_free(m);
    return st;
  }
  *model = m;
  return OM_OK;
}

static void scl_kind_close(void *model) {
  if (!model) return;
  scl_model_free(model);
  om_free(model);
}

const mdl_kind_def scl_kind = {
    .code = MDL_KIND_SCALER,
    .name = "scaler",
    .payload_version = SCL_PAYLOAD_VERSION,
    .payload_oldest = SCL_PAYLOAD_VERSION,
    .open = scl_kind_open,
    .close = scl_kind_close,
};
