/*
** test_mdl.c — unit tests of the model envelope (ext/core/base/mdl.h).
**
**   make build/unit/test_mdl && ./build/unit/test_mdl
**
** Covers:
**   - mdl_write → mdl_open round trip, the header byte map, mdl_info_json's
**     exact text, mdl_write's argument checks;
**   - behaviour 1, on a scaler model BLOB: EVERY truncation and EVERY
**     single-bit flip is an error (the checksum catches flips; a flip in the
**     version field is OM_UNSUPPORTED_VERSION); the same flips and
**     truncations with the checksum (and total length) RECOMPUTED reach the
**     structure checks: never a crash, and either an error or a view whose
**     every field lies inside the BLOB and obeys the byte map — such views
**     then go through scl_model_from_view and scl_transform;
**   - each structural error message; a newer format version names both
**     numbers;
**   - behaviour 2: mdl_stamp_created_at;
**   - mdl_find_feature; an OOM loop over mdl_write and mdl_open.
*/
#include <stdlib.h>
#include <xxhash.h>

#include "fv.h"
#include "mdl_kind.h"
#include "om_json.h"
#include "om_test.h"
#include "scl.h"

/* ------------------------------------------------------------ helpers */

static void fix_checksum(uint8_t *b, size_t n) {
  om_store_u64(b + n - MDL_FOOTER_SIZE, XXH3_64bits(b, n - MDL_FOOTER_SIZE));
}

static uint8_t *dup_bytes(const uint8_t *b, size_t n) {
  uint8_t *p = malloc(n ? n : 1);
  if (n) memcpy(p, b, n);
  return p;
}

static mdl_feature feat(const char *name, uint8_t type) {
  mdl_feature f;
  f.name = name;
  f.name_len = strlen(name);
  f.type = type;
  return f;
}

/* A fixed envelope: 3 features, options, metrics, a 7-byte payload. */
static uint8_t *make_envelope(size_t *n, uint16_t kind) {
  mdl_feature f[3];
  mdl_meta m;
  om_wbuf w;
  om_err err;
  uint8_t *out;
  f[0] = feat("a", FV_NUMERIC);
  f[1] = feat("bb", FV_CATEGORICAL);
  f[2] = feat("c", FV_NUMERIC);
  memset(&m, 0, sizeof m);
  m.rows_used = 10;
  m.rows_skipped = 2;
  m.seed = 42;
  m.options_json = "{\"method\":\"robust\"}";
  m.options_len = strlen(m.options_json);
  m.metrics_json = "{\"r2\":0.5}";
  m.metrics_len = strlen(m.metrics_json);
  om_wbuf_init(&w);
  CHECK(mdl_write(&w, kind, 3, f, 3, &m, (const uint8_t *)"PAYLOAD", 7, &err) == OM_OK);
  out = dup_bytes(w.data, w.len);
  *n = w.len;
  om_wbuf_free(&w);
  return out;
}

static uint8_t *fv_make(size_t *n) {
  fv_entry e[4];
  om_wbuf w;
  om_err err;
  uint8_t *out;
  memset(e, 0, sizeof e);
  e[0].name = "cpu";
  e[0].name_len = 3;
  e[0].type = FV_NUMERIC;
  e[0].num = 2.5;
  e[1].name = "host";
  e[1].name_len = 4;
  e[1].type = FV_CATEGORICAL;
  e[1].cat = fv_hash_category("web-3", 5);
  e[2].name = "mem";
  e[2].name_len = 3;
  e[2].type = FV_MISSING;
  e[3].name = "other";
  e[3].name_len = 5;
  e[3].type = FV_NUMERIC;
  e[3].num = 7;
  om_wbuf_init(&w);
  CHECK(fv_encode(e, 4, &w, &err) == OM_OK);
  out = dup_bytes(w.data, w.len);
  *n = w.len;
  om_wbuf_free(&w);
  return out;
}

/* A scaler model trained on three fixed rows (robust method). */
static uint8_t *make_scaler(size_t *n) {
  scl_accum a;
  om_wbuf w;
  om_err err;
  uint8_t *out;
  static const double cpu[3] = {1.0, 4.0, 2.5};
  scl_accum_init(&a, SCL_ROBUST);
  for (int r = 0; r < 3; r++) {
    fv_entry e[3];
    om_wbuf row;
    memset(e, 0, sizeof e);
    e[0].name = "cpu";
    e[0].name_len = 3;
    e[0].type = FV_NUMERIC;
    e[0].num = cpu[r];
    e[1].name = "host";
    e[1].name_len = 4;
    e[1].type = FV_CATEGORICAL;
    e[1].cat = fv_hash_category(r ? "web-3" : "db-1", r ? 5 : 4);
    e[2].name = "mem";
    e[2].name_len = 3;
    e[2].type = r == 1 ? FV_MISSING : FV_NUMERIC;
    e[2].num = 8.0 * (r + 1);
    om_wbuf_init(&row);
    CHECK(fv_encode(e, 3, &row, &err) == OM_OK);
    CHECK(scl_accum_add(&a, row.data, row.len, &err) == OM_OK);
    om_wbuf_free(&row);
  }
  om_wbuf_init(&w);
  CHECK(scl_accum_finish(&a, &w, &err) == OM_OK);
  scl_accum_free(&a);
  out = dup_bytes(w.data, w.len);
  *n = w.len;
  om_wbuf_free(&w);
  return out;
}

static int inside(const uint8_t *blob, size_t n, const void *p, size_t len) {
  const uint8_t *q = p;
  if (len == 0) return 1;
  return q && q >= blob && q <= blob + n && len <= (size_t)(blob + n - q);
}

/* Every field of an accepted view obeys the byte map and lies inside the
** BLOB.  Then the scaler decoder and transform run on it (any status). */
static void check_view_sane(const uint8_t *blob, size_t n, mdl_view *v, const uint8_t *fv, size_t fv_n, size_t where,
                            size_t *scaler_ok) {
  om_json_obj o;
  om_err err;
  om_wbuf w;
  scl_model m;
  CHECK_MSG(v->format_version == MDL_FORMAT_VERSION && v->size == n, "at %zu", where);
  CHECK_MSG(v->checksum == om_load_u64(blob + n - MDL_FOOTER_SIZE), "at %zu", where);
  CHECK_MSG(v->n_features == 0 || v->features != NULL, "at %zu", where);
  CHECK_MSG((uint64_t)v->n_features * 5 <= n, "at %zu: %u features", where, v->n_features);
  for (uint32_t i = 0; i < v->n_features; i++) {
    const mdl_feature *f = &v->features[i];
    CHECK_MSG(inside(blob, n - MDL_FOOTER_SIZE, f->name, f->name_len), "at %zu: feature %u name outside", where, i);
    CHECK_MSG(f->name_len >= 1 && f->name_len <= FV_MAX_NAME, "at %zu", where);
    CHECK_MSG(f->type == FV_NUMERIC || f->type == FV_CATEGORICAL, "at %zu", where);
    if (i > 0)
      CHECK_MSG(fv_name_cmp(v->features[i - 1].name, v->features[i - 1].name_len, f->name, f->name_len) < 0,
                "at %zu: schema not sorted", where);
    CHECK_MSG(mdl_find_feature(v, f->name, f->name_len) == (long)i, "at %zu", where);
  }
  CHECK_MSG(inside(blob, n - MDL_FOOTER_SIZE, v->meta.options_json, v->meta.options_len), "at %zu", where);
  CHECK_MSG(inside(blob, n - MDL_FOOTER_SIZE, v->meta.metrics_json, v->meta.metrics_len), "at %zu", where);
  CHECK_MSG(om_json_parse_flat(v->meta.options_json, v->meta.options_len, &o, &err) == OM_OK, "at %zu", where);
  om_json_obj_free(&o);
  CHECK_MSG(om_json_parse_flat(v->meta.metrics_json, v->meta.metrics_len, &o, &err) == OM_OK, "at %zu", where);
  om_json_obj_free(&o);
  CHECK_MSG(inside(blob, n - MDL_FOOTER_SIZE, v->payload, v->payload_len), "at %zu", where);
  CHECK_MSG(v->payload_len == 0 || v->payload + v->payload_len == blob + n - MDL_FOOTER_SIZE, "at %zu", where);
  om_wbuf_init(&w);
  CHECK_MSG(mdl_info_json(v, NULL, &w, &err) == OM_OK && w.len > 2, "at %zu", where);
  om_wbuf_free(&w);
  /* The scaler decoder takes the view. */
  if (scl_model_from_view(v, &m, &err) == OM_OK) {
    om_status st;
    (*scaler_ok)++;
    for (uint32_t i = 0; i < m.view.n_features; i++)
      CHECK_MSG(isfinite(m.center[i]) && isfinite(m.scale[i]) && m.scale[i] > 0, "at %zu", where);
    om_wbuf_init(&w);
    st = scl_transform(&m, fv, fv_n, &w, &err);
    CHECK_MSG(st == OM_OK || st == OM_INVALID, "at %zu: transform status %d", where, st);
    if (st == OM_OK) CHECK_MSG(fv_validate(w.data, w.len, &err) == OM_OK, "at %zu: transform output invalid", where);
    om_wbuf_free(&w);
    scl_model_free(&m);
  }
  CHECK(v->features == NULL && v->n_features == 0); /* taken by scl_model_from_view */
}

static void expect_open_error(const uint8_t *b, size_t n, om_status want, const char *msg, int line) {
  mdl_view v;
  om_err err;
  uint8_t *copy = dup_bytes(b, n);
  long live = om_test_alloc_live;
  om_status st;
  err.msg[0] = 0;
  st = mdl_open(copy, n, &v, &err);
  CHECK_MSG(st == want, "line %d: status %d want %d (%s)", line, st, want, err.msg);
  CHECK_MSG(strcmp(err.msg, msg) == 0, "line %d: message \"%s\" want \"%s\"", line, err.msg, msg);
  if (st == OM_OK) mdl_view_free(&v);
  /* (mdl_open leaves n_features set when the count itself is implausible;
  ** only the pointer matters to mdl_view_free) */
  CHECK_MSG(v.features == NULL, "line %d: view not cleared", line);
  CHECK_MSG(om_test_alloc_live == live, "line %d: leak", line);
  free(copy);
}

/* ------------------------------------------------------------ tests */

static void test_roundtrip(void) {
  size_t n;
  uint8_t *b = make_envelope(&n, MDL_KIND_GBT);
  const size_t S = 4 + 5 + 6 + 5;
  const size_t M = 32 + 4 + 19 + 4 + 10;
  mdl_view v;
  om_err err;
  om_wbuf w;
  char want[1024];

  CHECK(n == MDL_HEADER_SIZE + S + M + 7 + MDL_FOOTER_SIZE);
  CHECK(memcmp(b, "OMEN", 4) == 0);
  CHECK(om_load_u16(b + 4) == 1); /* no profile: format 1 (mdl.h behaviour 5) */
  CHECK(om_load_u16(b + 6) == MDL_KIND_GBT);
  CHECK(om_load_u16(b + 8) == 3);
  CHECK(om_load_u16(b + 10) == 0 && om_load_u32(b + 12) == 0 && om_load_u64(b + 40) == 0);
  CHECK(om_load_u64(b + 16) == n);
  CHECK(om_load_u32(b + 24) == S);
  CHECK(om_load_u32(b + 28) == M);
  CHECK(om_load_u64(b + 32) == 7);
  CHECK(om_load_u64(b + n - 8) == XXH3_64bits(b, n - 8));
  CHECK(memcmp(b + n - 8 - 7, "PAYLOAD", 7) == 0);

  CHECK(mdl_open(b, n, &v, &err) == OM_OK);
  CHECK(v.format_version == 1 && v.kind == MDL_KIND_GBT && v.payload_version == 3);
  CHECK(v.n_features == 3);
  CHECK(v.features[0].name_len == 1 && memcmp(v.features[0].name, "a", 1) == 0 && v.features[0].type == FV_NUMERIC);
  CHECK(v.features[1].name_len == 2 && memcmp(v.features[1].name, "bb", 2) == 0 &&
        v.features[1].type == FV_CATEGORICAL);
  CHECK(v.features[2].name_len == 1 && memcmp(v.features[2].name, "c", 1) == 0);
  CHECK(v.meta.rows_used == 10 && v.meta.rows_skipped == 2 && v.meta.seed == 42 && v.meta.created_at == 0);
  CHECK(v.meta.options_len == 19 && memcmp(v.meta.options_json, "{\"method\":\"robust\"}", 19) == 0);
  CHECK(v.meta.metrics_len == 10 && memcmp(v.meta.metrics_json, "{\"r2\":0.5}", 10) == 0);
  CHECK(v.payload_len == 7 && memcmp(v.payload, "PAYLOAD", 7) == 0);
  CHECK(v.checksum == XXH3_64bits(b, n - 8) && v.size == n);

  om_wbuf_init(&w);
  CHECK(mdl_info_json(&v, NULL, &w, &err) == OM_OK);
  snprintf(want, sizeof want,
           "{\"kind\":\"gbt\",\"format_version\":1,\"payload_version\":3,\"features\":[{\"name\":\"a\",\"type\":"
           "\"numeric\"},{\"name\":\"bb\",\"type\":\"categorical\"},{\"name\":\"c\",\"type\":\"numeric\"}],"
           "\"rows_used\":10,\"rows_skipped\":2,\"seed\":42,\"created_at\":null,\"options\":{\"method\":\"robust\"},"
           "\"metrics\":{\"r2\":0.5},\"size_bytes\":%zu,\"checksum\":\"%016llx\"}",
           n, (unsigned long long)v.checksum);
  CHECK_MSG(w.len == strlen(want) && memcmp(w.data, want, w.len) == 0, "got %.*s", (int)w.len, (const char *)w.data);
  om_wbuf_free(&w);
  mdl_view_free(&v);
  free(b);

  /* An unknown kind is reported by number; no features, no payload, no JSON. */
  {
    mdl_meta m;
    memset(&m, 0, sizeof m);
    om_wbuf_init(&w);
    CHECK(mdl_write(&w, 77, 1, NULL, 0, &m, NULL, 0, &err) == OM_OK);
    CHECK(w.len == MDL_HEADER_SIZE + 4 + 32 + 4 + 2 + 4 + 2 + MDL_FOOTER_SIZE);
    CHECK(mdl_open(w.data, w.len, &v, &err) == OM_OK);
    CHECK(v.n_features == 0 && v.features == NULL && v.payload_len == 0 && v.kind == 77);
    CHECK(v.meta.options_len == 2 && memcmp(v.meta.options_json, "{}", 2) == 0);
    CHECK(mdl_find_feature(&v, "a", 1) == -1);
    {
      om_wbuf info;
      om_wbuf_init(&info);
      CHECK(mdl_info_json(&v, NULL, &info, &err) == OM_OK);
      CHECK(info.len > 12 && memcmp(info.data, "{\"kind\":77,", 11) == 0);
      om_wbuf_free(&info);
    }
    mdl_view_free(&v);
    om_wbuf_free(&w);
  }
  CHECK_STR(mdl_kind_name(MDL_KIND_SCALER), "scaler");
  CHECK_STR(mdl_kind_name(MDL_KIND_GBT), "gbt");
  CHECK(mdl_kind_name(0) == NULL && mdl_kind_name(999) == NULL);

  /* Appending to a non-empty buffer: lengths and checksum cover only the model. */
  {
    mdl_feature f = feat("x", FV_NUMERIC);
    mdl_meta m;
    memset(&m, 0, sizeof m);
    om_wbuf_init(&w);
    om_wbuf_bytes(&w, "prefix", 6);
    CHECK(mdl_write(&w, MDL_KIND_SCALER, 1, &f, 1, &m, (const uint8_t *)"p", 1, &err) == OM_OK);
    CHECK(mdl_open(w.data + 6, w.len - 6, &v, &err) == OM_OK);
    mdl_view_free(&v);
    om_wbuf_free(&w);
  }
}

static void test_write_errors(void) {
  mdl_feature f[2];
  mdl_meta m;
  om_wbuf w;
  om_err err;
  char long_name[FV_MAX_NAME + 1];
  memset(&m, 0, sizeof m);
  memset(long_name, 'x', sizeof long_name);
  om_wbuf_init(&w);
  f[0] = feat("b", FV_NUMERIC);
  f[1] = feat("a", FV_NUMERIC);
  CHECK(mdl_write(&w, 1, 1, f, 2, &m, NULL, 0, &err) == OM_INTERNAL);
  CHECK_STR(err.msg, "model schema is not sorted by name");
  f[1] = feat("b", FV_CATEGORICAL);
  CHECK(mdl_write(&w, 1, 1, f, 2, &m, NULL, 0, &err) == OM_INTERNAL);
  CHECK_STR(err.msg, "model schema is not sorted by name");
  f[0] = feat("a", FV_MISSING);
  CHECK(mdl_write(&w, 1, 1, f, 1, &m, NULL, 0, &err) == OM_INTERNAL);
  CHECK_STR(err.msg, "feature type 0 is not numeric or categorical");
  f[0] = feat("", FV_NUMERIC);
  CHECK(mdl_write(&w, 1, 1, f, 1, &m, NULL, 0, &err) == OM_INVALID);
  CHECK_STR(err.msg, "feature name length 0 is out of range");
  f[0].name = long_name;
  f[0].name_len = FV_MAX_NAME + 1;
  CHECK(mdl_write(&w, 1, 1, f, 1, &m, NULL, 0, &err) == OM_INVALID);
  CHECK_STR(err.msg, "feature name length 256 is out of range");
  CHECK(w.len == 0); /* nothing written on argument errors */
  f[0].name_len = FV_MAX_NAME;
  CHECK(mdl_write(&w, 1, 1, f, 1, &m, NULL, 0, &err) == OM_OK);
  om_wbuf_free(&w);
}

static void test_open_errors(void) {
  size_t n;
  uint8_t *good = make_envelope(&n, MDL_KIND_SCALER);
  uint8_t *b = malloc(n + 16);
  char msg[200];
  const size_t S = om_load_u32(good + 24), M = om_load_u32(good + 28);
  const size_t meta_at = MDL_HEADER_SIZE + S;

  expect_open_error(good, n, OM_OK, "", __LINE__);
  /* a schema name that is not valid UTF-8 (or holds a NUL) is corrupt
  ** (mdl.h behaviour 3): "bb" is feature 2 */
  {
    uint8_t *bb = memmem(good + MDL_HEADER_SIZE, S, "bb", 2);
    CHECK(bb != NULL);
    if (bb) {
      const uint8_t subs[][2] = {{0xFF, 'b'}, {'b', 0}, {0xC3, 0x28}, {0xED, 0xA0}};
      for (size_t k = 0; k < sizeof subs / sizeof subs[0]; k++) {
        memcpy(b, good, n);
        memcpy(b + (bb - good), subs[k], 2);
        fix_checksum(b, n);
        expect_open_error(b, n, OM_CORRUPT, "model schema is corrupt (feature 2)", __LINE__);
      }
    }
  }
  /* options/metrics JSON must be valid UTF-8 too: model_info copies it */
  {
    uint8_t *ro = memmem(good + MDL_HEADER_SIZE, n - MDL_HEADER_SIZE, "robust", 6);
    CHECK(ro != NULL);
    if (ro) {
      memcpy(b, good, n);
      b[ro - good + 1] = 0xFF;
      fix_checksum(b, n);
      expect_open_error(b, n, OM_CORRUPT, "model options are not valid UTF-8 (byte 12)", __LINE__);
    }
  }
  {
    mdl_feature f[1];
    mdl_meta m;
    om_wbuf w;
    om_err err;
    f[0] = feat("a\xFF", FV_NUMERIC);
    memset(&m, 0, sizeof m);
    m.options_json = m.metrics_json = "{}";
    m.options_len = m.metrics_len = 2;
    om_wbuf_init(&w);
    CHECK(mdl_write(&w, MDL_KIND_SCALER, 1, f, 1, &m, (const uint8_t *)"P", 1, &err) == OM_INVALID);
    CHECK_STR(err.msg, "feature 1's name is not valid UTF-8 without NUL");
    om_wbuf_free(&w);
  }
  expect_open_error(good, 0, OM_CORRUPT, "not an omen model", __LINE__);
  expect_open_error(good, 3, OM_CORRUPT, "not an omen model", __LINE__);
  expect_open_error((const uint8_t *)"\x00\x11\x22\x33", 4, OM_CORRUPT, "not an omen model", __LINE__);
  expect_open_error((const uint8_t *)"OMFV\1\0\0\0", 8, OM_CORRUPT, "not an omen model: it is a feature vector (the model comes first, then the features)", __LINE__);
  expect_open_error(good, 4, OM_CORRUPT, "model is truncated (4 bytes)", __LINE__);
  expect_open_error(good, 55, OM_CORRUPT, "model is truncated (55 bytes)", __LINE__);
  snprintf(msg, sizeof msg, "model is truncated or has trailing bytes (%zu bytes; header says %zu)", n - 1, n);
  expect_open_error(good, n - 1, OM_CORRUPT, msg, __LINE__);
  memcpy(b, good, n);
  b[n] = 0;
  snprintf(msg, sizeof msg, "model is truncated or has trailing bytes (%zu bytes; header says %zu)", n + 1, n);
  expect_open_error(b, n + 1, OM_CORRUPT, msg, __LINE__);
  memcpy(b, good, n);
  b[n - 1] ^= 1;
  expect_open_error(b, n, OM_CORRUPT, "model checksum mismatch", __LINE__);
  memcpy(b, good, n);
  b[60] ^= 0x40;
  expect_open_error(b, n, OM_CORRUPT, "model checksum mismatch", __LINE__);

  /* Newer (and unknown) versions, checksum fixed or not: both numbers named. */
  memcpy(b, good, n);
  om_store_u16(b + 4, 3);
  expect_open_error(b, n, OM_UNSUPPORTED_VERSION, "model format 3 is not supported (this build reads formats 1 to 2)",
                    __LINE__);
  fix_checksum(b, n);
  expect_open_error(b, n, OM_UNSUPPORTED_VERSION, "model format 3 is not supported (this build reads formats 1 to 2)",
                    __LINE__);
  om_store_u16(b + 4, 65535);
  expect_open_error(b, n, OM_UNSUPPORTED_VERSION,
                    "model format 65535 is not supported (this build reads formats 1 to 2)", __LINE__);
  om_store_u16(b + 4, 0);
  expect_open_error(b, n, OM_UNSUPPORTED_VERSION, "model format 0 is not supported (this build reads formats 1 to 2)",
                    __LINE__);
  /* a BLOB shorter than a header is "truncated" before its version is read */
  expect_open_error((const uint8_t *)"OMEN\2\0", 6, OM_CORRUPT, "model is truncated (6 bytes)", __LINE__);

  /* Structure checks, each behind a valid checksum. */
#define PATCHED(stmt, st, text)                                                                                     \
  do {                                                                                                              \
    memcpy(b, good, n);                                                                                             \
    stmt;                                                                                                           \
    fix_checksum(b, n);                                                                                             \
    expect_open_error(b, n, st, text, __LINE__);                                                                    \
  } while (0)
  PATCHED(b[10] = 1, OM_CORRUPT, "model has non-zero reserved bytes");
  PATCHED(b[11] = 0x80, OM_CORRUPT, "model has non-zero reserved bytes");
  PATCHED(b[15] = 1, OM_CORRUPT, "model has non-zero reserved bytes");
  PATCHED(b[47] = 1, OM_CORRUPT, "model has non-zero reserved bytes");
  PATCHED(om_store_u32(b + 24, (uint32_t)S + 1), OM_CORRUPT, "model section lengths do not add up");
  PATCHED(om_store_u64(b + 32, 8), OM_CORRUPT, "model section lengths do not add up");
  PATCHED(om_store_u64(b + 32, UINT64_MAX), OM_CORRUPT, "model section lengths do not add up");
  /* lengths that add up (mod 2^64) but point outside the BLOB */
  PATCHED((om_store_u32(b + 24, 0xffffffffu), om_store_u32(b + 28, 0xffffffffu),
           om_store_u64(b + 32, (uint64_t)(n - 56) - 2 * (uint64_t)0xffffffffu)),
          OM_CORRUPT, "model schema is corrupt");
  PATCHED((om_store_u32(b + 24, (uint32_t)S), om_store_u32(b + 28, 0xffffffffu),
           om_store_u64(b + 32, (uint64_t)(n - 56) - S - (uint64_t)0xffffffffu)),
          OM_CORRUPT, "model metadata is corrupt");
  PATCHED((om_store_u32(b + 24, (uint32_t)S + 1), om_store_u32(b + 28, (uint32_t)M - 1)), OM_CORRUPT,
          "model schema has trailing bytes");
  PATCHED((om_store_u32(b + 24, (uint32_t)S - 1), om_store_u32(b + 28, (uint32_t)M + 1)), OM_CORRUPT,
          "model schema is corrupt (feature 3)");
  PATCHED((om_store_u32(b + 28, (uint32_t)M - 1), om_store_u64(b + 32, 8)), OM_CORRUPT, "model metadata is corrupt");
  PATCHED((om_store_u32(b + 28, (uint32_t)M + 1), om_store_u64(b + 32, 6)), OM_CORRUPT, "model metadata is corrupt");
  PATCHED(om_store_u32(b + 48, 4), OM_CORRUPT, "model schema is corrupt (feature 4)");
  PATCHED(om_store_u32(b + 48, 5), OM_CORRUPT, "model schema is corrupt");
  PATCHED(om_store_u32(b + 48, 0xffffffffu), OM_CORRUPT, "model schema is corrupt");
  PATCHED(om_store_u32(b + 48, 2), OM_CORRUPT, "model schema has trailing bytes");
  PATCHED(b[52] = 0, OM_CORRUPT, "model schema is corrupt (feature 1)");   /* type missing */
  PATCHED(b[52] = 3, OM_CORRUPT, "model schema is corrupt (feature 1)");   /* type 3 */
  PATCHED(b[53] = 1, OM_CORRUPT, "model schema is corrupt (feature 1)");   /* reserved */
  PATCHED(b[54] = 0, OM_CORRUPT, "model schema is corrupt (feature 1)");   /* name length 0 */
  PATCHED(b[56] = 'b', OM_OK, "");                                        /* "b" < "bb": still sorted */
  PATCHED(b[56] = 'c', OM_CORRUPT, "model schema is corrupt (feature 2)"); /* "c" > "bb" */
  PATCHED(b[67] = 'a', OM_CORRUPT, "model schema is corrupt (feature 3)"); /* "a" after "bb" */
  PATCHED(b[67] = 'b', OM_CORRUPT, "model schema is corrupt (feature 3)"); /* "b" after "bb" */
  PATCHED(om_store_u32(b + meta_at + 32, 200), OM_CORRUPT, "model metadata is corrupt");
  PATCHED(om_store_u32(b + meta_at + 32, 18), OM_CORRUPT, "model metadata is corrupt");
  PATCHED(b[meta_at + 36] = '[', OM_CORRUPT, "model options are not a JSON object (expected a JSON object)");
  PATCHED(b[meta_at + 37] = 'x', OM_CORRUPT, "model options are not a JSON object (expected a string at byte 1)");
  PATCHED(b[meta_at + 36 + 19 + 4 + 9] = ']', OM_CORRUPT,
          "model metrics are not a JSON object (expected ',' or '}' at byte 9)");
  PATCHED(b[meta_at + 46] = 'N', OM_CORRUPT, "model options are not a JSON object (invalid number at byte 10)");
#undef PATCHED
  free(b);
  free(good);
}

/* Every truncation and bit flip of a real scaler model. */
static void test_sweeps(void) {
  size_t n, fv_n;
  uint8_t *good = make_scaler(&n);
  uint8_t *fv = fv_make(&fv_n);
  size_t version_flips = 0, corrupt_flips = 0, fixed_ok = 0, fixed_err = 0, scaler_ok = 0, trunc_ok = 0;
  mdl_view v;
  om_err err;
  long live = om_test_alloc_live;

  CHECK(mdl_open(good, n, &v, &err) == OM_OK && v.kind == MDL_KIND_SCALER && v.n_features == 3);
  mdl_view_free(&v);

  for (size_t cut = 0; cut < n; cut++) {
    uint8_t *t = dup_bytes(good, cut);
    om_status st = mdl_open(cut ? t : NULL, cut, &v, &err);
    CHECK_MSG(st == OM_CORRUPT, "truncated to %zu: status %d", cut, st);
    CHECK(v.features == NULL);
    if (cut == 0) CHECK(mdl_open(t, 0, &v, &err) == OM_CORRUPT);
    free(t);
  }
  for (size_t bit = 0; bit < n * 8; bit++) {
    uint8_t *t = dup_bytes(good, n);
    om_status st;
    t[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    st = mdl_open(t, n, &v, &err);
    if (bit / 8 == 4 || bit / 8 == 5) {
      CHECK_MSG(st == OM_UNSUPPORTED_VERSION, "bit %zu: status %d", bit, st);
      version_flips++;
    } else {
      CHECK_MSG(st == OM_CORRUPT, "bit %zu: status %d (%s)", bit, st, st ? err.msg : "accepted");
      corrupt_flips++;
    }
    if (st == OM_OK) mdl_view_free(&v);
    free(t);
  }
  CHECK(om_test_alloc_live == live);

  /* Checksum recomputed: the structure checks alone must hold the line. */
  for (size_t bit = 0; bit < (n - MDL_FOOTER_SIZE) * 8; bit++) {
    uint8_t *t = dup_bytes(good, n);
    om_status st;
    t[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    fix_checksum(t, n);
    st = mdl_open(t, n, &v, &err);
    if (st == OM_OK) {
      fixed_ok++;
      check_view_sane(t, n, &v, fv, fv_n, bit, &scaler_ok);
      mdl_view_free(&v);
    } else {
      fixed_err++;
      CHECK_MSG(st == OM_CORRUPT || st == OM_UNSUPPORTED_VERSION, "bit %zu: status %d", bit, st);
      CHECK(v.features == NULL);
    }
    free(t);
  }
  /* Truncated, with the total length and the checksum made consistent. */
  for (size_t cut = MDL_HEADER_SIZE + MDL_FOOTER_SIZE; cut < n; cut++) {
    uint8_t *t = dup_bytes(good, cut);
    om_store_u64(t + 16, cut);
    fix_checksum(t, cut);
    if (mdl_open(t, cut, &v, &err) == OM_OK) {
      trunc_ok++;
      check_view_sane(t, cut, &v, fv, fv_n, cut, &scaler_ok);
      mdl_view_free(&v);
    }
    free(t);
  }
  CHECK(om_test_alloc_live == live);
  printf("scaler model: %zu bytes; %zu truncations and %zu+%zu bit flips all rejected; with the checksum recomputed "
         "%zu flips rejected, %zu accepted (views in bounds; %zu of those decode as scalers), %zu fixed-up "
         "truncations accepted\n",
         n, n, corrupt_flips, version_flips, fixed_err, fixed_ok, scaler_ok, trunc_ok);
  free(good);
  free(fv);
}

static void test_stamp(void) {
  size_t n;
  uint8_t *b = make_scaler(&n);
  uint8_t *orig = dup_bytes(b, n);
  mdl_view v;
  om_err err;
  size_t at = MDL_HEADER_SIZE + om_load_u32(b + 24) + 24;
  om_wbuf w;

  CHECK(mdl_stamp_created_at(b, n, 1700000000, &err) == OM_OK);
  CHECK(mdl_open(b, n, &v, &err) == OM_OK);
  CHECK(v.meta.created_at == 1700000000);
  CHECK(v.checksum == XXH3_64bits(b, n - 8) && v.checksum != om_load_u64(orig + n - 8));
  CHECK(om_load_u64(b + at) == 1700000000u);
  for (size_t i = 0; i < n - 8; i++)
    if (i < at || i >= at + 8) CHECK_MSG(b[i] == orig[i], "byte %zu changed", i);
  om_wbuf_init(&w);
  CHECK(mdl_info_json(&v, NULL, &w, &err) == OM_OK);
  om_wbuf_u8(&w, 0);
  CHECK(strstr((const char *)w.data, "\"created_at\":\"2023-11-14 22:13:20\",") != NULL);
  om_wbuf_free(&w);
  /* mdl_format_time: the registry's text form, against Python's datetime
  ** (utcfromtimestamp) for days around leap years and the range ends. */
  {
    static const struct { int64_t t; const char *want; } times[] = {
        {1, "1970-01-01 00:00:01"},           {951782400, "2000-02-29 00:00:00"},
        {951868799, "2000-02-29 23:59:59"},   {4107542400, "2100-03-01 00:00:00"},
        {1709164800, "2024-02-29 00:00:00"},  {253402300799LL, "9999-12-31 23:59:59"},
    };
    char when[20];
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
      CHECK(mdl_format_time(times[i].t, when) == 1);
      CHECK_STR(when, times[i].want);
    }
    CHECK(mdl_format_time(0, when) == 0);
    CHECK(mdl_format_time(-1, when) == 0);
    CHECK(mdl_format_time(253402300800LL, when) == 0);
    CHECK(mdl_format_time(INT64_MAX, when) == 0);
  }
  mdl_view_free(&v);

  CHECK(mdl_stamp_created_at(b, n, -1, &err) == OM_OK);
  CHECK(mdl_open(b, n, &v, &err) == OM_OK && v.meta.created_at == -1);
  mdl_view_free(&v);
  /* Stamping 0 again gives back the trained bytes exactly. */
  CHECK(mdl_stamp_created_at(b, n, 0, &err) == OM_OK);
  CHECK(memcmp(b, orig, n) == 0);

  /* A damaged BLOB is refused and left alone. */
  b[70] ^= 1;
  memcpy(orig, b, n);
  CHECK(mdl_stamp_created_at(b, n, 5, &err) == OM_CORRUPT);
  CHECK_STR(err.msg, "model checksum mismatch");
  CHECK(memcmp(b, orig, n) == 0);
  CHECK(mdl_stamp_created_at(b, 10, 5, &err) == OM_CORRUPT);
  free(b);
  free(orig);
}

static void test_find_feature(void) {
  static const char *const names[] = {"A", "a", "aa", "ab", "b", "cpu", "zz", "\xc3\xa9"};
  const uint32_t k = sizeof names / sizeof names[0];
  mdl_feature f[8];
  mdl_meta m;
  om_wbuf w;
  om_err err;
  mdl_view v;
  for (uint32_t i = 0; i < k; i++) f[i] = feat(names[i], FV_NUMERIC);
  memset(&m, 0, sizeof m);
  for (uint32_t count = 0; count <= k; count++) {
    om_wbuf_init(&w);
    CHECK(mdl_write(&w, MDL_KIND_SCALER, 1, f, count, &m, NULL, 0, &err) == OM_OK);
    CHECK(mdl_open(w.data, w.len, &v, &err) == OM_OK);
    for (uint32_t i = 0; i < k; i++)
      CHECK_MSG(mdl_find_feature(&v, names[i], strlen(names[i])) == (i < count ? (long)i : -1L), "count %u name %u",
                count, i);
    CHECK(mdl_find_feature(&v, "", 0) == -1);
    CHECK(mdl_find_feature(&v, "0", 1) == -1);
    CHECK(mdl_find_feature(&v, "aaa", 3) == -1);
    CHECK(mdl_find_feature(&v, "c", 1) == -1);
    CHECK(mdl_find_feature(&v, "cpux", 4) == -1);
    CHECK(mdl_find_feature(&v, "\xff", 1) == -1);
    CHECK(mdl_find_feature(&v, "cpu", 2) == -1); /* "cp" */
    mdl_view_free(&v);
    om_wbuf_free(&w);
  }
}

static void test_oom(void) {
  long start = om_test_alloc_live;
  int write_ok = 0, open_ok = 0;
  size_t n;
  uint8_t *b = make_envelope(&n, MDL_KIND_SCALER);
  for (long k = 1; k < 100 && !write_ok; k++) {
    mdl_feature f[2];
    mdl_meta m;
    om_wbuf w;
    om_err err;
    om_status st;
    f[0] = feat("a", FV_NUMERIC);
    f[1] = feat("b", FV_CATEGORICAL);
    memset(&m, 0, sizeof m);
    om_test_alloc_reset();
    om_wbuf_init(&w);
    om_test_alloc_fail_at = k;
    st = mdl_write(&w, MDL_KIND_SCALER, 1, f, 2, &m, (const uint8_t *)"x", 1, &err);
    om_test_alloc_fail_at = 0;
    if (st == OM_OK) write_ok = 1;
    else CHECK_MSG(st == OM_NOMEM && strcmp(err.msg, "out of memory") == 0, "mdl_write, allocation %ld: %d", k, st);
    om_wbuf_free(&w);
    CHECK_MSG(om_test_alloc_live == start, "mdl_write, allocation %ld: leak", k);
  }
  for (long k = 1; k < 100 && !open_ok; k++) {
    mdl_view v;
    om_err err;
    om_status st;
    om_test_alloc_reset();
    om_test_alloc_fail_at = k;
    st = mdl_open(b, n, &v, &err);
    om_test_alloc_fail_at = 0;
    if (st == OM_OK) {
      open_ok = 1;
      mdl_view_free(&v);
    } else {
      CHECK_MSG(st == OM_NOMEM && strcmp(err.msg, "out of memory") == 0, "mdl_open, allocation %ld: %d %s", k, st,
                err.msg);
      CHECK(v.features == NULL);
    }
    CHECK_MSG(om_test_alloc_live == start, "mdl_open, allocation %ld: leak", k);
  }
  CHECK(write_ok && open_ok);
  om_test_alloc_reset();
  free(b);
}

/* mdl_view_dup: an independent view with the same fields and its own features
** array; freeing one leaves the other usable; OOM gives OM_NOMEM, no leak. */
static void test_view_dup(void) {
  size_t n;
  uint8_t *b = make_scaler(&n);
  mdl_view v, d;
  om_err err;
  long live;
  CHECK(b && mdl_open(b, n, &v, &err) == OM_OK);
  CHECK(mdl_view_dup(&v, &d, &err) == OM_OK);
  CHECK(d.n_features == v.n_features && d.kind == v.kind && d.payload == v.payload && d.payload_len == v.payload_len);
  CHECK(d.checksum == v.checksum && d.size == v.size && d.meta.rows_used == v.meta.rows_used);
  CHECK(d.features != v.features && v.n_features > 0);
  CHECK(memcmp(d.features, v.features, v.n_features * sizeof *v.features) == 0);
  mdl_view_free(&v);
  CHECK(mdl_find_feature(&d, d.features[0].name, d.features[0].name_len) == 0);
  CHECK(mdl_open(b, n, &v, &err) == OM_OK);
  live = om_test_alloc_live;
  om_test_alloc_reset();
  om_test_alloc_fail_at = 1;
  mdl_view_free(&d);
  CHECK(mdl_view_dup(&v, &d, &err) == OM_NOMEM && d.features == NULL && d.n_features == 0);
  om_test_alloc_reset();
  CHECK(om_test_alloc_live == live - 1);
  mdl_view_free(&v);
  free(b);
}

int main(void) {
  test_roundtrip();
  test_view_dup();
  test_write_errors();
  test_open_errors();
  test_sweeps();
  test_stamp();
  test_find_feature();
  test_oom();
  return om_test_finish();
}
