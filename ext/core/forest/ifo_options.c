/*
** ifo_options.c — the isolation forest's training options: defaults,
** checks, the JSON form the SQL layer passes (isolation_forest_train's
** optional argument) and the canonical JSON stored in the model's meta.
**
**   SELECT isolation_forest_train(fv, '{"n_trees": 200, "contamination": 0.01}') FROM runs;
**
** Behaviours:
**   1. Defaults: n_trees 100, sample_size 256, max_depth automatic
**      (ceil(log2(max(ψ, 2))), ψ = min(sample_size, rows), as scikit-learn),
**      contamination 'auto', seed 0, threads automatic.
**   2. Accepted (the text names the key and the range, like gbt_train):
**        n_trees        an integer from 1 to 10000
**        sample_size    an integer from 1 to 1048576
**        max_depth      an integer from 1 to 64 (0 or absent: automatic)
**        contamination  'auto' or a number in (0, 0.5]
**        seed           an integer from 0 to 2^53
**        threads        an integer from 0 (automatic) to 64
**      Anything else is OM_INVALID: 'unknown option "k"; accepted: ...',
**      'option n_trees must be an integer from 1 to 10000', 'options are
**      not a JSON object (...)'.  true/false are not numbers here.
**   3. ifo_options_json writes every resolved option but threads (which
**      does not change the model): {"n_trees":100,"sample_size":256,
**      "max_depth":"auto","contamination":"auto","seed":0}.
*/
#include "ifo.h"

#include <math.h>
#include <string.h>

#include "../base/om_json.h"

void ifo_options_default(ifo_options *o) {
  o->n_trees = 100;
  o->sample_size = 256;
  o->max_depth = 0;
  o->contamination = 0;
  o->seed = 0;
  o->threads = 0;
}

om_status ifo_options_check(const ifo_options *o, om_err *err) {
  if (o->n_trees < 1 || o->n_trees > IFO_MAX_TREES)
    return om_errf(err, OM_INVALID, "option n_trees must be an integer from 1 to %u", IFO_MAX_TREES);
  if (o->sample_size < 1 || o->sample_size > IFO_MAX_SAMPLE)
    return om_errf(err, OM_INVALID, "option sample_size must be an integer from 1 to %u", IFO_MAX_SAMPLE);
  if (o->max_depth > IFO_MAX_DEPTH)
    return om_errf(err, OM_INVALID, "option max_depth must be an integer from 1 to %u", IFO_MAX_DEPTH);
  if (!(o->contamination == 0 || (o->contamination > 0 && o->contamination <= 0.5)))
    return om_errf(err, OM_INVALID, "option contamination must be 'auto' or a number in (0, 0.5]");
  if (o->threads > 64) return om_errf(err, OM_INVALID, "option threads must be an integer from 0 (automatic) to 64");
  return OM_OK;
}

static const char ifo_option_keys[] = "n_trees, sample_size, max_depth, contamination, seed, threads";

typedef struct opt_int {
  const char *key;
  double lo, hi;
  const char *range;
} opt_int;

static const opt_int ifo_int_opts[] = {
    {"n_trees", 1, IFO_MAX_TREES, "an integer from 1 to 10000"},
    {"sample_size", 1, IFO_MAX_SAMPLE, "an integer from 1 to 1048576"},
    {"max_depth", 0, IFO_MAX_DEPTH, "an integer from 1 to 64"},
    {"seed", 0, 9007199254740992.0, "an integer from 0 to 2^53"},
    {"threads", 0, 64, "an integer from 0 (automatic) to 64"},
};

om_status ifo_options_parse(const char *text, size_t n, ifo_options *o, om_err *err) {
  om_json_obj obj;
  om_status st;
  ifo_options_default(o);
  if (!text) return OM_OK;
  st = om_json_parse_flat(text, n, &obj, err);
  if (st == OM_NOMEM) return st;
  if (st != OM_OK) {
    om_err inner = *err;
    return om_errf(err, OM_INVALID, "options are not a JSON object (%s); write them like '{\"n_trees\": 200}'",
                   inner.msg);
  }
  st = OM_OK;
  for (size_t i = 0; i < obj.count && st == OM_OK; i++) {
    const om_json_member *m = &obj.members[i];
    size_t k;
    if (!strcmp(m->key, "contamination")) {
      if (m->type == OM_JSON_STRING && !strcmp(m->str, "auto")) o->contamination = 0;
      else if (m->type == OM_JSON_NUMBER && !m->is_bool && m->num > 0 && m->num <= 0.5) o->contamination = m->num;
      else st = om_errf(err, OM_INVALID, "option contamination must be 'auto' or a number in (0, 0.5]");
      continue;
    }
    for (k = 0; k < sizeof ifo_int_opts / sizeof ifo_int_opts[0]; k++)
      if (!strcmp(m->key, ifo_int_opts[k].key)) break;
    if (k == sizeof ifo_int_opts / sizeof ifo_int_opts[0]) {
      st = om_errf(err, OM_INVALID, "unknown option \"%.60s\"; accepted: %s", m->key, ifo_option_keys);
      continue;
    }
    {
      const opt_int *d = &ifo_int_opts[k];
      double v = m->num;
      if (m->type != OM_JSON_NUMBER || m->is_bool || !isfinite(v) || v != floor(v) || v < d->lo || v > d->hi) {
        st = om_errf(err, OM_INVALID, "option %s must be %s", d->key, d->range);
        continue;
      }
      if (!strcmp(d->key, "n_trees")) o->n_trees = (uint32_t)v;
      else if (!strcmp(d->key, "sample_size")) o->sample_size = (uint32_t)v;
      else if (!strcmp(d->key, "max_depth")) o->max_depth = (uint32_t)v;
      else if (!strcmp(d->key, "seed")) o->seed = (uint64_t)v;
      else o->threads = (uint32_t)v;
    }
  }
  om_json_obj_free(&obj);
  return st;
}

om_status ifo_options_json(const ifo_options *o, om_wbuf *w) {
  om_jw j;
  om_jw_init(&j, w);
  om_jw_begin_object(&j);
  om_jw_key(&j, "n_trees");
  om_jw_uint(&j, o->n_trees);
  om_jw_key(&j, "sample_size");
  om_jw_uint(&j, o->sample_size);
  om_jw_key(&j, "max_depth");
  if (o->max_depth) om_jw_uint(&j, o->max_depth);
  else om_jw_string(&j, "auto");
  om_jw_key(&j, "contamination");
  if (o->contamination > 0) om_jw_double(&j, o->contamination);
  else om_jw_string(&j, "auto");
  om_jw_key(&j, "seed");
  om_jw_uint(&j, o->seed);
  om_jw_end_object(&j);
  return om_wbuf_status(w);
}
