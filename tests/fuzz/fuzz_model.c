/*
** fuzz_model.c — libFuzzer target for the model envelope and the scaler
** payload (ext/core/base/mdl.h, scl.h).  How to build and run:
** tests/fuzz/README.md.
**
** Each input is opened twice:
**   1. as it is (the checksum stops almost every mutation: that is the
**      point of it, and is checked here too);
**   2. with the total-length field set to the input's length and the XXH3
**      footer recomputed, so mutations reach the structure checks behind
**      the checksum.
** A BLOB that opens must have valid UTF-8 feature names and a training
** profile (if any) that decodes, and is then:
** decoded through the kind table (mdl_decode, any kind) and described
** with its detail, described (mdl_info_json, whose JSON must be valid UTF-8), searched
** (mdl_find_feature for each schema name), stamped (mdl_stamp_created_at on
** a copy, which must still open), decoded as a scaler (scl_model_from_view)
** and, when that works, applied (scl_transform) to fixed feature vectors and
** to one built from the model's own schema; every output must validate.
** Any crash, sanitizer report or failed property aborts.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "fv.h"
#include "mdl_kind.h"
#include "om_json.h"
#include "om_text.h"
#include "scl.h"

#define FUZZ_ASSERT(c)                                                                                               \
  do {                                                                                                               \
    if (!(c)) {                                                                                                      \
      fprintf(stderr, "fuzz_model: property failed at line %d: %s\n", __LINE__, #c);                                 \
      abort();                                                                                                       \
    }                                                                                                                \
  } while (0)

/* feature_vector('cpu', 2.5, 'host', 'web-3', 'mem', NULL, 'zz', 1e300) */
static const uint8_t probe1[] = {'O', 'M', 'F', 'V', 1, 0, 4, 0,
                                 1, 0, 3, 0, 'c', 'p', 'u', 0, 0, 0, 0, 0, 0, 4, 0x40,
                                 2, 0, 4, 0, 'h', 'o', 's', 't', 0x2a, 0xf0, 0x23, 0xfd, 0x5b, 0x8a, 0xa0, 0x21,
                                 0, 0, 3, 0, 'm', 'e', 'm',
                                 1, 0, 2, 0, 'z', 'z', 0x9c, 0x75, 0x00, 0x88, 0x3c, 0xe4, 0x37, 0x7e};
static const uint8_t probe_empty[] = {'O', 'M', 'F', 'V', 1, 0, 0, 0};

static void transform_ok(const scl_model *m, const uint8_t *fv, size_t n) {
  om_wbuf w;
  om_err err;
  om_status st;
  om_wbuf_init(&w);
  st = scl_transform(m, fv, n, &w, &err);
  FUZZ_ASSERT(st == OM_OK || st == OM_INVALID || st == OM_CORRUPT);
  if (st == OM_OK) FUZZ_ASSERT(fv_validate(w.data, w.len, &err) == OM_OK);
  om_wbuf_free(&w);
}

/* A feature vector with every schema feature: numeric 1.5, categorical a
** hash, so the type checks of scl_transform pass and the arithmetic runs. */
static void transform_own_schema(const scl_model *m) {
  fv_entry *e;
  om_wbuf w;
  om_err err;
  uint32_t n = m->view.n_features;
  if (n == 0 || n > FV_MAX_COUNT) return;
  e = calloc(n, sizeof *e);
  if (!e) return;
  for (uint32_t i = 0; i < n; i++) {
    e[i].name = m->view.features[i].name;
    e[i].name_len = m->view.features[i].name_len;
    e[i].type = (fv_type)m->view.features[i].type;
    e[i].num = 1.5;
    e[i].cat = 42;
  }
  om_wbuf_init(&w);
  FUZZ_ASSERT(fv_encode(e, n, &w, &err) == OM_OK); /* a valid schema is a valid vector */
  transform_ok(m, w.data, w.len);
  om_wbuf_free(&w);
  free(e);
}

static void exercise(const uint8_t *blob, size_t n) {
  mdl_view v;
  om_err err;
  om_wbuf info;
  scl_model m;
  om_status st = mdl_open(blob, n, &v, &err);
  FUZZ_ASSERT(st == OM_OK || st == OM_CORRUPT || st == OM_UNSUPPORTED_VERSION);
  if (st != OM_OK) {
    FUZZ_ASSERT(v.features == NULL);
    return;
  }
  FUZZ_ASSERT(v.size == n && v.format_version >= MDL_FORMAT_OLDEST && v.format_version <= MDL_FORMAT_VERSION);
  if (v.profile_len) { /* checked by mdl_open: it must decode, and bins stay in range */
    mdl_profile p;
    om_status ps = mdl_profile_decode(v.profile, v.profile_len, &p, &err);
    FUZZ_ASSERT(ps == OM_OK || ps == OM_NOMEM);
    if (ps == OM_OK) {
      FUZZ_ASSERT(p.n_features == v.n_features && p.rows == v.profile_rows);
      for (uint32_t i = 0; i < p.n_features; i++) {
        if (p.f[i].type == FV_NUMERIC) FUZZ_ASSERT(mdl_prof_bin_num(&p.f[i], 0.5) <= p.f[i].count);
        else FUZZ_ASSERT(mdl_prof_bin_cat(&p.f[i], 42) <= p.f[i].count);
      }
      mdl_profile_free(&p);
    }
  }
  FUZZ_ASSERT(v.payload_len <= n && (v.payload_len == 0 || v.payload + v.payload_len == blob + n - MDL_FOOTER_SIZE));
  for (uint32_t i = 0; i < v.n_features; i++)
    FUZZ_ASSERT(mdl_find_feature(&v, v.features[i].name, v.features[i].name_len) == (long)i);
  for (uint32_t i = 0; i < v.n_features; i++) /* om_text.h rule 1 */
    FUZZ_ASSERT(om_utf8_check(v.features[i].name, v.features[i].name_len) == v.features[i].name_len);
  { /* the same BLOB through the kind table, whatever its kind (mdl_kind.h 4) */
    mdl_view kv;
    const mdl_kind_def *k;
    void *km;
    om_status ks = mdl_decode(blob, n, &kv, &k, &km, &err);
    FUZZ_ASSERT(ks == OM_OK || ks == OM_CORRUPT || ks == OM_UNSUPPORTED_VERSION || ks == OM_INVALID);
    if (ks == OM_OK) {
      om_wbuf kinfo;
      FUZZ_ASSERT(k && k->code == kv.kind);
      om_wbuf_init(&kinfo);
      FUZZ_ASSERT(mdl_info_json(&kv, km, &kinfo, &err) == OM_OK);
      FUZZ_ASSERT(om_utf8_check((const char *)kinfo.data, kinfo.len) == kinfo.len);
      om_wbuf_free(&kinfo);
      k->close(km);
      mdl_view_free(&kv);
    }
  }
  om_wbuf_init(&info);
  FUZZ_ASSERT(mdl_info_json(&v, NULL, &info, &err) == OM_OK);
  /* what model_info() returns is text any client decodes */
  FUZZ_ASSERT(om_utf8_check((const char *)info.data, info.len) == info.len);
  om_wbuf_free(&info);
  {
    uint8_t *copy = malloc(n);
    mdl_view v2;
    memcpy(copy, blob, n);
    FUZZ_ASSERT(mdl_stamp_created_at(copy, n, 1700000000, &err) == OM_OK);
    FUZZ_ASSERT(mdl_open(copy, n, &v2, &err) == OM_OK && v2.meta.created_at == 1700000000);
    mdl_view_free(&v2);
    free(copy);
  }
  st = scl_model_from_view(&v, &m, &err); /* takes the view */
  FUZZ_ASSERT(v.features == NULL);
  if (st != OM_OK) {
    FUZZ_ASSERT(st == OM_INVALID || st == OM_CORRUPT || st == OM_UNSUPPORTED_VERSION);
    return;
  }
  for (uint32_t i = 0; i < m.view.n_features; i++)
    FUZZ_ASSERT(isfinite(m.center[i]) && isfinite(m.scale[i]) && m.scale[i] > 0);
  transform_ok(&m, probe1, sizeof probe1);
  transform_ok(&m, probe_empty, sizeof probe_empty);
  transform_ok(&m, blob, n); /* not a feature vector */
  transform_own_schema(&m);
  scl_model_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int probes_checked;
  uint8_t *copy;
  if (!probes_checked) {
    om_err err;
    FUZZ_ASSERT(fv_validate(probe1, sizeof probe1, &err) == OM_OK);
    FUZZ_ASSERT(fv_validate(probe_empty, sizeof probe_empty, &err) == OM_OK);
    probes_checked = 1;
  }
  /* exact-size copy: libFuzzer's buffer is exact too, but be explicit */
  copy = malloc(size ? size : 1);
  if (size) memcpy(copy, data, size);
  exercise(size ? copy : NULL, size);
  if (size >= MDL_HEADER_SIZE + MDL_FOOTER_SIZE) {
    om_store_u64(copy + 16, (uint64_t)size);
    om_store_u64(copy + size - MDL_FOOTER_SIZE, XXH3_64bits(copy, size - MDL_FOOTER_SIZE));
    exercise(copy, size);
  }
  free(copy);
  return 0;
}
