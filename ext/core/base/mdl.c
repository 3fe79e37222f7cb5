/*
** mdl.c — write, validate and describe model envelopes; the byte map and
** behaviours are in mdl.h.
*/
#include "mdl.h"

#include <stdio.h>
#include <string.h>
#include <xxhash.h>

#include "fv.h"
#include "mdl_kind.h"
#include "om_json.h"
#include "om_text.h"

static const uint8_t mdl_magic[4] = {'O', 'M', 'E', 'N'};

static void write_meta(om_wbuf *w, const mdl_meta *m) {
  const char *opt = m->options_json ? m->options_json : "{}";
  const char *met = m->metrics_json ? m->metrics_json : "{}";
  size_t ol = m->options_json ? m->options_len : 2, ml = m->metrics_json ? m->metrics_len : 2;
  om_wbuf_u64(w, m->rows_used);
  om_wbuf_u64(w, m->rows_skipped);
  om_wbuf_u64(w, m->seed);
  om_wbuf_i64(w, m->created_at);
  om_wbuf_u32(w, (uint32_t)ol);
  om_wbuf_bytes(w, opt, ol);
  om_wbuf_u32(w, (uint32_t)ml);
  om_wbuf_bytes(w, met, ml);
}

om_status mdl_write(om_wbuf *w, uint16_t kind, uint16_t payload_version, const mdl_feature *features,
                    uint32_t n_features, const mdl_meta *meta, const uint8_t *payload, size_t payload_len,
                    om_err *err) {
  return mdl_write_profiled(w, kind, payload_version, features, n_features, meta, NULL, payload, payload_len, err);
}

om_status mdl_write_profiled(om_wbuf *w, uint16_t kind, uint16_t payload_version, const mdl_feature *features,
                             uint32_t n_features, const mdl_meta *meta, const mdl_profile *profile,
                             const uint8_t *payload, size_t payload_len, om_err *err) {
  size_t start = w->len, schema_at, meta_at, profile_at, payload_at;
  uint32_t i;
  for (i = 0; i < n_features; i++) {
    if (features[i].name_len == 0 || features[i].name_len > FV_MAX_NAME)
      return om_errf(err, OM_INVALID, "feature name length %zu is out of range", features[i].name_len);
    if (om_utf8_check(features[i].name, features[i].name_len) != features[i].name_len)
      return om_errf(err, OM_INVALID, "feature %u's name is not valid UTF-8 without NUL", (unsigned)i + 1);
    if (features[i].type != FV_NUMERIC && features[i].type != FV_CATEGORICAL)
      return om_errf(err, OM_INTERNAL, "feature type %u is not numeric or categorical", features[i].type);
    if (i > 0 && fv_name_cmp(features[i - 1].name, features[i - 1].name_len, features[i].name, features[i].name_len) >= 0)
      return om_errf(err, OM_INTERNAL, "model schema is not sorted by name");
  }
  if (profile) {
    if (profile->n_features != n_features)
      return om_errf(err, OM_INTERNAL, "model profile has %u features; the schema has %u",
                     (unsigned)profile->n_features, (unsigned)n_features);
    for (i = 0; i < n_features; i++)
      if (profile->f[i].type != features[i].type)
        return om_errf(err, OM_INTERNAL, "model profile's feature %u has another type than the schema's",
                       (unsigned)i + 1);
  }
  if ((meta->options_json && meta->options_len > UINT32_MAX) || (meta->metrics_json && meta->metrics_len > UINT32_MAX))
    return om_errf(err, OM_INVALID, "model metadata is too large");
  om_wbuf_bytes(w, mdl_magic, 4);
  om_wbuf_u16(w, profile ? MDL_FORMAT_VERSION : 1); /* mdl.h behaviour 5 */
  om_wbuf_u16(w, kind);
  om_wbuf_u16(w, payload_version);
  om_wbuf_u16(w, 0);
  om_wbuf_u32(w, 0);
  om_wbuf_u64(w, 0); /* total length, patched below */
  om_wbuf_u32(w, 0); /* schema length */
  om_wbuf_u32(w, 0); /* meta length */
  om_wbuf_u64(w, (uint64_t)payload_len);
  om_wbuf_u32(w, 0); /* profile length */
  om_wbuf_u32(w, 0);
  schema_at = w->len;
  om_wbuf_u32(w, n_features);
  for (i = 0; i < n_features; i++) {
    om_wbuf_u8(w, features[i].type);
    om_wbuf_u8(w, 0);
    om_wbuf_u16(w, (uint16_t)features[i].name_len);
    om_wbuf_bytes(w, features[i].name, features[i].name_len);
  }
  meta_at = w->len;
  write_meta(w, meta);
  profile_at = w->len;
  if (profile) mdl_profile_encode(profile, w);
  payload_at = w->len;
  om_wbuf_bytes(w, payload, payload_len);
  if (om_wbuf_status(w) != OM_OK) return om_errf(err, OM_NOMEM, "out of memory");
  if (meta_at - schema_at > UINT32_MAX || profile_at - meta_at > UINT32_MAX || payload_at - profile_at > UINT32_MAX)
    return om_errf(err, OM_INVALID, "model schema or metadata is too large");
  om_wbuf_put_u64_at(w, start + 16, (uint64_t)(w->len - start + MDL_FOOTER_SIZE));
  om_wbuf_put_u32_at(w, start + 24, (uint32_t)(meta_at - schema_at));
  om_wbuf_put_u32_at(w, start + 28, (uint32_t)(profile_at - meta_at));
  om_wbuf_put_u32_at(w, start + 40, (uint32_t)(payload_at - profile_at));
  om_wbuf_u64(w, XXH3_64bits(w->data + start, w->len - start));
  return om_wbuf_status(w) == OM_OK ? OM_OK : om_errf(err, OM_NOMEM, "out of memory");
}

static om_status check_flat_json(const char *what, const char *s, size_t n, om_err *err) {
  om_json_obj o;
  om_err inner;
  om_status st;
  size_t bad = om_utf8_check(s, n);
  if (bad != n) /* model_info writes it back as it is: it must be text */
    return om_errf(err, OM_CORRUPT, "model %s are not valid UTF-8 (byte %zu)", what, bad);
  st = om_json_parse_flat(s, n, &o, &inner);
  if (st == OM_NOMEM) return om_errf(err, OM_NOMEM, "out of memory");
  if (st != OM_OK) return om_errf(err, OM_CORRUPT, "model %s are not a JSON object (%s)", what, inner.msg);
  om_json_obj_free(&o);
  return OM_OK;
}

om_status mdl_open(const uint8_t *blob, size_t n, mdl_view *out, om_err *err) {
  om_rbuf r, sec;
  uint64_t total, payload_len, sum;
  uint32_t schema_len, meta_len, profile_len = 0, i, opt_len, met_len;
  om_status st;
  memset(out, 0, sizeof *out);
  if (fv_has_magic(blob, n)) /* the usual mistake: (features, model) */
    return om_errf(err, OM_CORRUPT, "not an omen model: it is a feature vector (the model comes first, then the "
                                    "features)");
  if (!blob || n < 4 || memcmp(blob, mdl_magic, 4) != 0) return om_errf(err, OM_CORRUPT, "not an omen model");
  if (n < MDL_HEADER_SIZE + MDL_FOOTER_SIZE) return om_errf(err, OM_CORRUPT, "model is truncated (%zu bytes)", n);
  out->format_version = om_load_u16(blob + 4);
  if (out->format_version < MDL_FORMAT_OLDEST || out->format_version > MDL_FORMAT_VERSION)
    return om_errf(err, OM_UNSUPPORTED_VERSION,
                   "model format %u is not supported (this build reads formats %d to %d)", out->format_version,
                   MDL_FORMAT_OLDEST, MDL_FORMAT_VERSION);
  total = om_load_u64(blob + 16);
  if (total != (uint64_t)n)
    return om_errf(err, OM_CORRUPT, "model is truncated or has trailing bytes (%zu bytes; header says %llu)", n,
                   (unsigned long long)total);
  sum = XXH3_64bits(blob, n - MDL_FOOTER_SIZE);
  if (sum != om_load_u64(blob + n - MDL_FOOTER_SIZE)) return om_errf(err, OM_CORRUPT, "model checksum mismatch");
  out->checksum = sum;
  out->size = n;
  out->kind = om_load_u16(blob + 6);
  out->payload_version = om_load_u16(blob + 8);
  if (out->format_version >= 2) profile_len = om_load_u32(blob + 40); /* format 1: a reserved 0 */
  if (om_load_u16(blob + 10) != 0 || om_load_u32(blob + 12) != 0 || om_load_u32(blob + 44) != 0 ||
      (out->format_version < 2 && om_load_u32(blob + 40) != 0))
    return om_errf(err, OM_CORRUPT, "model has non-zero reserved bytes");
  schema_len = om_load_u32(blob + 24);
  meta_len = om_load_u32(blob + 28);
  payload_len = om_load_u64(blob + 32);
  if ((uint64_t)schema_len + meta_len + profile_len + payload_len !=
      (uint64_t)n - MDL_HEADER_SIZE - MDL_FOOTER_SIZE)
    return om_errf(err, OM_CORRUPT, "model section lengths do not add up");

  om_rbuf_init(&r, blob + MDL_HEADER_SIZE, n - MDL_HEADER_SIZE - MDL_FOOTER_SIZE);
  sec = om_rbuf_sub(&r, schema_len);
  out->n_features = om_rbuf_u32(&sec);
  if (!om_rbuf_ok(&sec) || out->n_features > sec.left / 4)
    return om_errf(err, OM_CORRUPT, "model schema is corrupt");
  if (out->n_features) {
    out->features = om_calloc(out->n_features, sizeof *out->features);
    if (!out->features) {
      out->n_features = 0;
      return om_errf(err, OM_NOMEM, "out of memory");
    }
  }
  for (i = 0; i < out->n_features; i++) {
    mdl_feature *f = &out->features[i];
    uint8_t reserved;
    f->type = om_rbuf_u8(&sec);
    reserved = om_rbuf_u8(&sec);
    f->name_len = om_rbuf_u16(&sec);
    f->name = (const char *)om_rbuf_bytes(&sec, f->name_len);
    if (!om_rbuf_ok(&sec) || reserved != 0 || (f->type != FV_NUMERIC && f->type != FV_CATEGORICAL) ||
        f->name_len == 0 || f->name_len > FV_MAX_NAME || om_utf8_check(f->name, f->name_len) != f->name_len ||
        (i > 0 && fv_name_cmp(out->features[i - 1].name, out->features[i - 1].name_len, f->name, f->name_len) >= 0)) {
      st = om_errf(err, OM_CORRUPT, "model schema is corrupt (feature %u)", i + 1);
      goto fail;
    }
  }
  if (sec.left != 0) {
    st = om_errf(err, OM_CORRUPT, "model schema has trailing bytes");
    goto fail;
  }

  sec = om_rbuf_sub(&r, meta_len);
  out->meta.rows_used = om_rbuf_u64(&sec);
  out->meta.rows_skipped = om_rbuf_u64(&sec);
  out->meta.seed = om_rbuf_u64(&sec);
  out->meta.created_at = om_rbuf_i64(&sec);
  opt_len = om_rbuf_u32(&sec);
  out->meta.options_json = (const char *)om_rbuf_bytes(&sec, opt_len);
  out->meta.options_len = opt_len;
  met_len = om_rbuf_u32(&sec);
  out->meta.metrics_json = (const char *)om_rbuf_bytes(&sec, met_len);
  out->meta.metrics_len = met_len;
  if (!om_rbuf_ok(&sec) || sec.left != 0) {
    st = om_errf(err, OM_CORRUPT, "model metadata is corrupt");
    goto fail;
  }
  if ((st = check_flat_json("options", out->meta.options_json, opt_len, err)) != OM_OK) goto fail;
  if ((st = check_flat_json("metrics", out->meta.metrics_json, met_len, err)) != OM_OK) goto fail;

  if (profile_len) {
    out->profile = om_rbuf_bytes(&r, profile_len);
    out->profile_len = profile_len;
    if (!out->profile) {
      st = om_errf(err, OM_CORRUPT, "model profile is truncated");
      goto fail;
    }
    st = mdl_profile_check(out->profile, profile_len, out->features, out->n_features, &out->profile_rows, err);
    if (st != OM_OK) goto fail;
  }

  out->payload_len = (size_t)payload_len;
  out->payload = om_rbuf_bytes(&r, out->payload_len);
  if (!out->payload && payload_len) {
    st = om_errf(err, OM_CORRUPT, "model payload is truncated");
    goto fail;
  }
  return OM_OK;
fail:
  mdl_view_free(out);
  return st;
}

void mdl_view_free(mdl_view *v) {
  om_free(v->features);
  memset(v, 0, sizeof *v);
}

om_status mdl_view_dup(const mdl_view *v, mdl_view *out, om_err *err) {
  *out = *v;
  out->features = NULL;
  if (v->n_features) {
    out->features = om_malloc_array(v->n_features, sizeof *out->features);
    if (!out->features) {
      memset(out, 0, sizeof *out);
      return om_errf(err, OM_NOMEM, "out of memory");
    }
    memcpy(out->features, v->features, v->n_features * sizeof *out->features);
  }
  return OM_OK;
}

om_status mdl_stamp_created_at(uint8_t *blob, size_t n, int64_t created_at, om_err *err) {
  mdl_view v;
  size_t at;
  om_status st = mdl_open(blob, n, &v, err);
  if (st != OM_OK) return st;
  at = MDL_HEADER_SIZE + om_load_u32(blob + 24) + 24; /* meta: 3 u64 before created_at */
  mdl_view_free(&v);
  om_store_u64(blob + at, (uint64_t)created_at);
  om_store_u64(blob + n - MDL_FOOTER_SIZE, XXH3_64bits(blob, n - MDL_FOOTER_SIZE));
  return OM_OK;
}

long mdl_find_feature(const mdl_view *v, const char *name, size_t n) {
  long lo = 0, hi = (long)v->n_features - 1;
  while (lo <= hi) {
    long mid = lo + (hi - lo) / 2;
    int c = fv_name_cmp(v->features[mid].name, v->features[mid].name_len, name, n);
    if (c == 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

int mdl_format_time(int64_t t, char out[20]) {
  char tmp[64];
  /* Civil date from days since 1970-01-01 (proleptic Gregorian), for
  ** 1970..9999 only, so any stored value is safe to format. */
  int64_t days, secs, z, era, doe, yoe, y, doy, mp, d, m;
  if (t <= 0 || t > 253402300799LL) return 0; /* 9999-12-31 23:59:59 */
  days = t / 86400;
  secs = t % 86400;
  z = days + 719468;
  era = z / 146097;
  doe = z - era * 146097;
  yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = yoe + era * 400;
  doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) y++;
  snprintf(tmp, sizeof tmp, "%04d-%02d-%02d %02d:%02d:%02d", (int)y, (int)m, (int)d, (int)(secs / 3600),
           (int)(secs / 60 % 60), (int)(secs % 60));
  memcpy(out, tmp, 20); /* 19 characters and the NUL: the year is <= 9999 */
  return 1;
}

om_status mdl_info_json(const mdl_view *v, const void *model, om_wbuf *w, om_err *err) {
  char when[20];
  om_jw j;
  const mdl_kind_def *kdef = mdl_kind_get(v->kind);
  const char *kind = kdef ? kdef->name : NULL;
  om_jw_init(&j, w);
  om_jw_begin_object(&j);
  om_jw_key(&j, "kind");
  if (kind) om_jw_string(&j, kind);
  else om_jw_int(&j, v->kind);
  om_jw_key(&j, "format_version");
  om_jw_int(&j, v->format_version);
  om_jw_key(&j, "payload_version");
  om_jw_int(&j, v->payload_version);
  om_jw_key(&j, "features");
  om_jw_begin_array(&j);
  for (uint32_t i = 0; i < v->n_features; i++) {
    om_jw_begin_object(&j);
    om_jw_key(&j, "name");
    om_jw_string_n(&j, v->features[i].name, v->features[i].name_len);
    om_jw_key(&j, "type");
    om_jw_string(&j, fv_type_name((fv_type)v->features[i].type));
    om_jw_end_object(&j);
  }
  om_jw_end_array(&j);
  om_jw_key(&j, "rows_used");
  om_jw_uint(&j, v->meta.rows_used);
  om_jw_key(&j, "rows_skipped");
  om_jw_uint(&j, v->meta.rows_skipped);
  om_jw_key(&j, "seed");
  om_jw_uint(&j, v->meta.seed);
  om_jw_key(&j, "created_at");
  if (mdl_format_time(v->meta.created_at, when)) om_jw_string(&j, when);
  else om_jw_null(&j);
  om_jw_key(&j, "options");
  om_jw_raw(&j, v->meta.options_json, v->meta.options_len);
  om_jw_key(&j, "metrics");
  om_jw_raw(&j, v->meta.metrics_json, v->meta.metrics_len);
  om_jw_key(&j, "size_bytes");
  om_jw_uint(&j, (uint64_t)v->size);
  om_jw_key(&j, "checksum");
  om_jw_hex64(&j, v->checksum);
  if (v->profile_len) { /* mdl.h behaviour 5: only when there is one */
    om_jw_key(&j, "profile");
    om_jw_begin_object(&j);
    om_jw_key(&j, "rows");
    om_jw_uint(&j, v->profile_rows);
    om_jw_key(&j, "features");
    om_jw_uint(&j, v->n_features);
    om_jw_end_object(&j);
  }
  if (model && kdef && kdef->info) {
    om_status st;
    om_jw_key(&j, "detail");
    om_jw_begin_object(&j);
    st = kdef->info(model, &j, err);
    if (st != OM_OK) return st;
    om_jw_end_object(&j);
  }
  om_jw_end_object(&j);
  return om_wbuf_status(w) == OM_OK ? OM_OK : om_errf(err, OM_NOMEM, "out of memory");
}
