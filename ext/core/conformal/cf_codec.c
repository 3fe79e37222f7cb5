/*
** cf_codec.c — the calibration payload (cf.h behaviour 8), the envelope
** around it, and the model identity (cf.h behaviour 7).
**
** Behaviours (besides cf.h's):
**   1. cf_decode_payload validates in byte order and stops at the first
**      problem, naming it ("conformal payload truncated in group 3",
**      "conformal residuals of the pool are not ascending", ...); on failure
**      *out is empty and nothing is leaked.
**   2. cf_write's meta: rows_used / rows_skipped from the caller, seed 0,
**      created_at 0 (model_save stamps it), options = cf_options_json of the
**      calibration's options, metrics = {"residuals": n of the pool,
**      "groups": stored groups, "groups_seen": distinct groups}.
*/
#include "cf.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <xxhash.h>

#include "../base/mdl_kind.h"
#include "../base/om_text.h"

uint64_t cf_model_identity(const mdl_view *v) {
  uint64_t h = XXH3_64bits_withSeed("omen-conformal-identity", 23, v->kind);
  for (uint32_t i = 0; i < v->n_features; i++) {
    h = XXH3_64bits_withSeed(v->features[i].name, v->features[i].name_len, h ^ v->features[i].type);
  }
  return XXH3_64bits_withSeed(v->payload, v->payload_len, h);
}

static void encode_sample(const cf_sample *s, om_wbuf *w) {
  om_wbuf_u64(w, s->n);
  om_wbuf_u32(w, s->k);
  for (uint32_t i = 0; i < s->k; i++) om_wbuf_f64(w, s->r[i]);
}

void cf_encode_payload(const cf_calib *c, om_wbuf *w) {
  om_wbuf_u16(w, cf_payload_format(c));
  om_wbuf_u8(w, (uint8_t)c->space);
  om_wbuf_u8(w, (uint8_t)c->key_type);
  om_wbuf_u32(w, c->min_group);
  om_wbuf_u64(w, c->window);
  om_wbuf_u64(w, c->model_id);
  om_wbuf_u32(w, c->max_groups);
  om_wbuf_u32(w, 0);
  om_wbuf_u16(w, (uint16_t)(c->group ? c->group_len : 0));
  if (c->group) om_wbuf_bytes(w, c->group, c->group_len);
  if (c->bins) {
    om_wbuf_u16(w, (uint16_t)c->bins);
    for (uint32_t i = 0; i + 1 < c->bins; i++) om_wbuf_f64(w, c->edges[i]);
  }
  if (c->shrink > 0) om_wbuf_f64(w, c->shrink);
  om_wbuf_u64(w, c->groups_seen);
  encode_sample(&c->pool, w);
  om_wbuf_u32(w, c->n_groups);
  for (uint32_t i = 0; i < c->n_groups; i++) {
    om_wbuf_u64(w, c->groups[i].key);
    encode_sample(&c->groups[i].s, w);
  }
}

/* One sample; what names it in messages ("the pool", "group 3"). */
static om_status decode_sample(om_rbuf *r, cf_sample *s, uint64_t min_n, const char *what, uint32_t gi,
                               om_err *err) {
  uint64_t n = om_rbuf_u64(r);
  uint32_t k = om_rbuf_u32(r);
  char label[32];
  if (gi) snprintf(label, sizeof label, "group %u", gi);
  else snprintf(label, sizeof label, "%s", what);
  if (!om_rbuf_ok(r)) return om_errf(err, OM_CORRUPT, "conformal payload truncated in %s", label);
  if (n < min_n) return om_errf(err, OM_CORRUPT, "conformal %s has %llu residuals, fewer than %llu", label,
                                (unsigned long long)n, (unsigned long long)min_n);
  if ((uint64_t)k != (n > CF_RESID_MAX ? CF_RESID_MAX : n))
    return om_errf(err, OM_CORRUPT, "conformal %s stores %u order statistics of %llu residuals", label, k,
                   (unsigned long long)n);
  if ((size_t)k * 8 > r->left) return om_errf(err, OM_CORRUPT, "conformal payload truncated in %s", label);
  s->n = n;
  s->k = k;
  s->r = NULL;
  if (k == 0) return OM_OK;
  s->r = om_malloc_array(k, sizeof(double));
  if (!s->r) return om_errf(err, OM_NOMEM, "out of memory");
  for (uint32_t i = 0; i < k; i++) {
    double v = om_rbuf_f64(r);
    if (!isfinite(v)) return om_errf(err, OM_CORRUPT, "conformal residual %u of %s is not finite", i + 1, label);
    if (i > 0 && !(v >= s->r[i - 1]))
      return om_errf(err, OM_CORRUPT, "conformal residuals of %s are not ascending", label);
    s->r[i] = v;
  }
  return OM_OK;
}

om_status cf_decode_payload(const uint8_t *p, size_t n, cf_calib *out, om_err *err) {
  om_rbuf r;
  uint16_t format, glen;
  uint8_t space, key_type;
  uint32_t reserved, n_groups;
  om_status st;
  memset(out, 0, sizeof *out);
  om_rbuf_init(&r, p, n);
  format = om_rbuf_u16(&r);
  if (!om_rbuf_ok(&r)) return om_errf(err, OM_CORRUPT, "conformal payload truncated in the header");
  if (format < CF_FORMAT_OLDEST || format > CF_FORMAT)
    return om_errf(err, format > CF_FORMAT ? OM_UNSUPPORTED_VERSION : OM_CORRUPT,
                   "conformal payload format %u is not supported (this build reads %d to %d)", format,
                   CF_FORMAT_OLDEST, CF_FORMAT);
  out->format = format;
  space = om_rbuf_u8(&r);
  key_type = om_rbuf_u8(&r);
  out->min_group = om_rbuf_u32(&r);
  out->window = om_rbuf_u64(&r);
  out->model_id = om_rbuf_u64(&r);
  out->max_groups = om_rbuf_u32(&r);
  reserved = om_rbuf_u32(&r);
  glen = om_rbuf_u16(&r);
  if (!om_rbuf_ok(&r)) return om_errf(err, OM_CORRUPT, "conformal payload truncated in the header");
  if (space > CF_SPACE_LOG1P) return om_errf(err, OM_CORRUPT, "conformal payload has unknown space %u", space);
  if (key_type > (format >= 2 ? CF_KEY_BIN : CF_KEY_CATEGORICAL))
    return om_errf(err, OM_CORRUPT, "conformal payload has unknown group key type %u", key_type);
  if (format == 2 && key_type != CF_KEY_BIN)
    return om_errf(err, OM_CORRUPT, "conformal payload format 2 without bins");
  if (key_type == CF_KEY_BIN && glen)
    return om_errf(err, OM_CORRUPT, "conformal payload has both bins and a group feature");
  if (format == 3 && !glen && key_type != CF_KEY_BIN)
    return om_errf(err, OM_CORRUPT, "conformal payload format 3 (shrink) has neither a group feature nor bins");
  if (out->min_group < 1 || out->min_group > 1000000)
    return om_errf(err, OM_CORRUPT, "conformal payload has min_group %u", out->min_group);
  if (out->window > CF_MAX_WINDOW) return om_errf(err, OM_CORRUPT, "conformal payload has an invalid window");
  if (out->max_groups < 1 || out->max_groups > CF_MAX_GROUPS)
    return om_errf(err, OM_CORRUPT, "conformal payload has max_groups %u", out->max_groups);
  if (reserved) return om_errf(err, OM_CORRUPT, "conformal payload has non-zero reserved bytes");
  if (glen == 0 && key_type != CF_KEY_NONE && key_type != CF_KEY_BIN)
    return om_errf(err, OM_CORRUPT, "conformal payload has a group key type but no group feature");
  out->space = (cf_space)space;
  out->key_type = (cf_key_type)key_type;
  if (glen) {
    const uint8_t *g = om_rbuf_bytes(&r, glen);
    if (!g) return om_errf(err, OM_CORRUPT, "conformal payload truncated in the group name");
    if (glen > 255 || om_utf8_check((const char *)g, glen) != glen)
      return om_errf(err, OM_CORRUPT, "conformal group name is not valid UTF-8 without NUL (or too long)");
    out->group = om_malloc((size_t)glen + 1);
    if (!out->group) return om_errf(err, OM_NOMEM, "out of memory");
    memcpy(out->group, g, glen);
    out->group[glen] = 0;
    out->group_len = glen;
  }
  if (key_type == CF_KEY_BIN) {
    uint16_t K = om_rbuf_u16(&r);
    if (!om_rbuf_ok(&r)) {
      st = om_errf(err, OM_CORRUPT, "conformal payload truncated in the bins");
      goto fail;
    }
    if (K < 2 || K > CF_MAX_BINS) {
      st = om_errf(err, OM_CORRUPT, "conformal payload has %u bins (expected 2 to %d)", K, CF_MAX_BINS);
      goto fail;
    }
    if ((size_t)(K - 1) * 8 > r.left) {
      st = om_errf(err, OM_CORRUPT, "conformal payload truncated in the bin edges");
      goto fail;
    }
    out->edges = om_malloc_array((size_t)K - 1, sizeof(double));
    if (!out->edges) {
      st = om_errf(err, OM_NOMEM, "out of memory");
      goto fail;
    }
    out->bins = K;
    for (uint32_t i = 0; i + 1 < K; i++) {
      double e = om_rbuf_f64(&r);
      if (!isfinite(e) || (i > 0 && !(e >= out->edges[i - 1]))) {
        st = om_errf(err, OM_CORRUPT, "conformal bin edges are not finite and non-decreasing (edge %u)", i + 1);
        goto fail;
      }
      out->edges[i] = e;
    }
  }
  if (format == 3) {
    double k = om_rbuf_f64(&r);
    if (!om_rbuf_ok(&r)) {
      st = om_errf(err, OM_CORRUPT, "conformal payload truncated in the shrink");
      goto fail;
    }
    if (!isfinite(k) || !(k > 0)) {
      st = om_errf(err, OM_CORRUPT, "conformal payload has shrink %g (expected a finite number > 0)", k);
      goto fail;
    }
    out->shrink = k;
  }
  out->groups_seen = om_rbuf_u64(&r);
  if (!om_rbuf_ok(&r)) {
    st = om_errf(err, OM_CORRUPT, "conformal payload truncated in the header");
    goto fail;
  }
  if (out->bins && out->groups_seen > out->bins) {
    st = om_errf(err, OM_CORRUPT, "conformal payload has seen %llu bins of %u", (unsigned long long)out->groups_seen,
                 out->bins);
    goto fail;
  }
  st = decode_sample(&r, &out->pool, 1, "pool", 0, err);
  if (st != OM_OK) goto fail;
  if (!glen && !out->bins && out->groups_seen) {
    st = om_errf(err, OM_CORRUPT, "conformal payload counts groups but has no group feature");
    goto fail;
  }
  n_groups = om_rbuf_u32(&r);
  if (!om_rbuf_ok(&r)) {
    st = om_errf(err, OM_CORRUPT, "conformal payload truncated before the groups");
    goto fail;
  }
  if (n_groups > out->max_groups || n_groups > out->groups_seen || (n_groups && key_type == CF_KEY_NONE)) {
    st = om_errf(err, OM_CORRUPT, "conformal payload has %u groups (max_groups %u, groups seen %llu)", n_groups,
                 out->max_groups, (unsigned long long)out->groups_seen);
    goto fail;
  }
  /* each group takes at least 20 bytes: check before allocating */
  if ((uint64_t)n_groups * 20 > r.left) {
    st = om_errf(err, OM_CORRUPT, "conformal payload truncated in the groups");
    goto fail;
  }
  if (n_groups) {
    out->groups = om_calloc(n_groups, sizeof *out->groups);
    if (!out->groups) {
      st = om_errf(err, OM_NOMEM, "out of memory");
      goto fail;
    }
  }
  for (uint32_t i = 0; i < n_groups; i++) {
    cf_group *g = &out->groups[i];
    g->key = om_rbuf_u64(&r);
    out->n_groups = i + 1;
    if (!om_rbuf_ok(&r)) {
      st = om_errf(err, OM_CORRUPT, "conformal payload truncated in group %u", i + 1);
      goto fail;
    }
    if (i > 0 && g->key <= out->groups[i - 1].key) {
      st = om_errf(err, OM_CORRUPT, "conformal group keys are not strictly ascending (group %u)", i + 1);
      goto fail;
    }
    if (out->bins && g->key >= out->bins) {
      st = om_errf(err, OM_CORRUPT, "conformal group %u is bin %llu of %u", i + 1, (unsigned long long)g->key,
                   out->bins);
      goto fail;
    }
    st = decode_sample(&r, &g->s, out->min_group, NULL, i + 1, err);
    if (st != OM_OK) goto fail;
    if (out->window && g->s.n > out->window) {
      st = om_errf(err, OM_CORRUPT, "conformal group %u has more residuals than the window", i + 1);
      goto fail;
    }
  }
  if (out->window && out->pool.n > out->window) {
    st = om_errf(err, OM_CORRUPT, "conformal pool has more residuals than the window");
    goto fail;
  }
  if (r.left) {
    st = om_errf(err, OM_CORRUPT, "conformal payload has %zu bytes after the groups", r.left);
    goto fail;
  }
  return OM_OK;
fail:
  cf_calib_free(out);
  return st;
}

om_status cf_write(const cf_calib *c, uint64_t rows_used, uint64_t rows_skipped, om_wbuf *w, om_err *err) {
  om_wbuf payload, opts, metrics;
  cf_options o;
  mdl_meta meta;
  om_jw j;
  om_status st;
  om_wbuf_init(&payload);
  om_wbuf_init(&opts);
  om_wbuf_init(&metrics);
  cf_encode_payload(c, &payload);
  cf_options_default(&o);
  o.group = c->group;
  o.group_len = c->group_len;
  o.min_group = c->min_group;
  o.window = c->window;
  o.max_groups = c->max_groups;
  o.bins = c->bins;
  o.shrink = c->shrink;
  cf_options_json(&o, &opts);
  om_jw_init(&j, &metrics);
  om_jw_begin_object(&j);
  om_jw_key(&j, "residuals");
  om_jw_uint(&j, c->pool.n);
  om_jw_key(&j, "groups");
  om_jw_uint(&j, c->n_groups);
  om_jw_key(&j, "groups_seen");
  om_jw_uint(&j, c->groups_seen);
  om_jw_end_object(&j);
  if (om_wbuf_status(&payload) != OM_OK || om_wbuf_status(&opts) != OM_OK || om_wbuf_status(&metrics) != OM_OK) {
    st = om_errf(err, OM_NOMEM, "out of memory");
    goto done;
  }
  memset(&meta, 0, sizeof meta);
  meta.rows_used = rows_used;
  meta.rows_skipped = rows_skipped;
  meta.options_json = (const char *)opts.data;
  meta.options_len = opts.len;
  meta.metrics_json = (const char *)metrics.data;
  meta.metrics_len = metrics.len;
  st = mdl_write(w, MDL_KIND_CONFORMAL, cf_payload_format(c), NULL, 0, &meta, payload.data, payload.len, err);
done:
  om_wbuf_free(&payload);
  om_wbuf_free(&opts);
  om_wbuf_free(&metrics);
  return st;
}
