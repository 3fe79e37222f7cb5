/*
** mdl_kinds.c — the table of model kinds (mdl_kind.h): one row per kind, in
** code order.  The rows are defined by the families (a *_kind.c file in each family folder);
** this is the one file of base/ that names them, and only by their row.
** Adding a kind: its files, then one line here.
*/
#include "mdl_kind.h"

#include <string.h>

extern const mdl_kind_def scl_kind; /* core/prep/scl_kind.c */
extern const mdl_kind_def gbt_kind; /* core/gbt/gbt_kind.c */
extern const mdl_kind_def ifo_kind; /* core/forest/ifo_kind.c */
extern const mdl_kind_def ens_kind; /* core/ensemble/ens.c */
extern const mdl_kind_def mah_kind; /* core/robust/mah_kind.c */
extern const mdl_kind_def bl_kind;  /* core/baseline/bl_kind.c */
extern const mdl_kind_def cf_kind;  /* core/conformal/cf_kind.c */
extern const mdl_kind_def ts_kind;  /* core/ts/ts_kind.c */
extern const mdl_kind_def bd_kind;  /* core/bandit/bd_kind.c */
extern const mdl_kind_def ws_kind;  /* core/stats/st_welch_kind.c */
extern const mdl_kind_def ms_kind;  /* core/stats/st_metrics_kind.c */
extern const mdl_kind_def scl_state_kind; /* core/prep/scl_state_kind.c */
extern const mdl_kind_def bl_state_kind; /* core/baseline/bl_state_kind.c */
extern const mdl_kind_def mah_state_kind; /* core/robust/mah_state_kind.c */

static const mdl_kind_def *const mdl_kind_table[] = {
    &scl_kind,
    &gbt_kind,
    &ifo_kind,
    &bl_kind,
    &mah_kind,
    &ens_kind,
    &cf_kind,
    &ts_kind,
    &bd_kind,
    &ws_kind,
    &ms_kind,
    &scl_state_kind,
    &bl_state_kind,
    &mah_state_kind,
};

#define MDL_N_KINDS (sizeof mdl_kind_table / sizeof mdl_kind_table[0])

const mdl_kind_def *mdl_kind_get(uint16_t code) {
  for (size_t i = 0; i < MDL_N_KINDS; i++)
    if (mdl_kind_table[i]->code == code) return mdl_kind_table[i];
  return NULL;
}

const char *mdl_kind_name(uint16_t code) {
  const mdl_kind_def *k = mdl_kind_get(code);
  return k ? k->name : NULL;
}

size_t mdl_kind_count(void) { return MDL_N_KINDS; }

const mdl_kind_def *mdl_kind_at(size_t i) { return i < MDL_N_KINDS ? mdl_kind_table[i] : NULL; }

om_status mdl_decode(const uint8_t *blob, size_t n, mdl_view *view, const mdl_kind_def **kind, void **model,
                     om_err *err) {
  const mdl_kind_def *k;
  om_status st;
  *kind = NULL;
  *model = NULL;
  st = mdl_open(blob, n, view, err);
  if (st != OM_OK) return st;
  k = mdl_kind_get(view->kind);
  if (!k) {
    st = om_errf(err, OM_UNSUPPORTED_VERSION, "model kind %u is not supported by this build", view->kind);
    mdl_view_free(view);
    return st;
  }
  st = k->open(view, model, err);
  if (st != OM_OK) {
    *model = NULL;
    mdl_view_free(view);
    return st;
  }
  *kind = k;
  return OM_OK;
}

om_status mdl_kind_mismatch(uint16_t have, uint16_t want, om_err *err) {
  const char *h = mdl_kind_name(have), *w = mdl_kind_name(want);
  if (h) return om_errf(err, OM_INVALID, "model is a %s model; expected a %s model", h, w ? w : "different");
  return om_errf(err, OM_INVALID, "model has unknown kind %u; expected a %s model", have, w ? w : "different");
}

om_status mdl_state_mismatch(uint16_t have, uint16_t want, const char *maker, om_err *err) {
  const char *h = mdl_kind_name(have), *w = mdl_kind_name(want);
  if (!w) w = "different state";
  if (h) return om_errf(err, OM_INVALID, "the state is a %s state; expected a %s, from %s()", h, w, maker);
  return om_errf(err, OM_INVALID, "the state has unknown kind %u; expected a %s, from %s()", have, w, maker);
}
