/*
** test_mdl_profile.c — unit tests of training profiles
** (ext/core/base/mdl_profile.h) and their place in the envelope (mdl.h 5).
**
**   make build/unit/test_mdl_profile && ./build/unit/test_mdl_profile
**
** Covers:
**   - behaviour 2: exact decile edges and bin fractions by hand (values
**     0..10 give edges 1..9), merged edges for repeated values, missing and
**     absent values, a feature added after some rows, a feature with no
**     values; the reservoir beyond MDL_PROF_EXACT_MAX (flag, edges within
**     0.01 of the true deciles of a uniform sample) and determinism (same
**     values, same bytes);
**   - behaviour 3: top-K by count with ties by hash, the other fraction;
**     space-saving beyond MDL_PROF_SS_CAP categories keeps the heavy hitter
**     and an over-estimate of its count;
**   - behaviour 4: encode → check → decode round trip; every truncation and
**     each field's corruption is OM_CORRUPT (a newer profile version
**     OM_UNSUPPORTED_VERSION) with its message;
**   - behaviour 5: PSI against hand-computed values (Python's math.log),
**     the floor for empty slots, bin assignment at and around edges;
**   - the envelope: format 2 with a profile, format 1 without, model_info's
**     "profile" key, a corrupt profile makes mdl_open fail, every bit flip
**     with the checksum recomputed is an error or a valid view;
**   - an OOM loop over build, finish, encode, open and decode.
*/
#include <stdlib.h>
#include <xxhash.h>

#include "fv.h"
#include "mdl.h"
#include "mdl_kind.h"
#include "om_test.h"

static mdl_feature feat(const char *name, uint8_t type) {
  mdl_feature f;
  f.name = name;
  f.name_len = strlen(name);
  f.type = type;
  return f;
}

static void fix_checksum(uint8_t *b, size_t n) {
  om_store_u64(b + n - MDL_FOOTER_SIZE, XXH3_64bits(b, n - MDL_FOOTER_SIZE));
}

/* 21 rows of two features: "n" numeric 10, 9, ..., 0 in rows 0..10 and
** absent from rows 11..20; "c" categorical, hash 1 ×5, 2 ×3, 3..12 once
** each in rows 0..17, absent from rows 18..20. */
static om_status build_small(mdl_profile *p, om_err *err) {
  mdl_pbuild *b = NULL;
  mdl_feature fs[2];
  uint32_t slots[2];
  om_status st = mdl_pb_new(&b, err);
  uint64_t cats[21];
  int k = 0;
  if (st != OM_OK) return st;
  fs[0] = feat("c", FV_CATEGORICAL);
  fs[1] = feat("n", FV_NUMERIC);
  for (int i = 0; i < 5; i++) cats[k++] = 1;
  for (int i = 0; i < 3; i++) cats[k++] = 2;
  for (int i = 3; i <= 12; i++) cats[k++] = (uint64_t)i;
  /* rows 18..20: c missing */
  if ((st = mdl_pb_feature(b, FV_NUMERIC, &slots[1], err)) != OM_OK) goto done;
  if ((st = mdl_pb_feature(b, FV_CATEGORICAL, &slots[0], err)) != OM_OK) goto done;
  for (int r = 0; r < 21; r++) {
    if (r <= 10 && (st = mdl_pb_num(b, slots[1], (double)(10 - r), err)) != OM_OK) goto done;
    if (r < 18 && (st = mdl_pb_cat(b, slots[0], cats[r], err)) != OM_OK) goto done;
    mdl_pb_rows(b, 1);
  }
  st = mdl_pb_finish(b, fs, slots, 2, p, err);
done:
  mdl_pb_free(b);
  return st;
}

static void test_small(void) {
  mdl_profile p;
  om_err err;
  CHECK(build_small(&p, &err) == OM_OK);
  CHECK(p.rows == 21 && p.n_features == 2);
  { /* numeric: 11 values 0..10 (in reverse order), 10 rows missing */
    const mdl_prof_feature *f = &p.f[1];
    CHECK(f->type == FV_NUMERIC && f->flags == 0 && f->count == 9 && f->missing == 10);
    CHECK(f->min == 0 && f->max == 10);
    for (uint32_t k = 0; k < 9; k++) CHECK_MSG(f->edges[k] == k + 1, "edge %u = %.17g", k, f->edges[k]);
    CHECK(f->frac[0] == 2.0 / 21); /* 0 and 1 */
    for (uint32_t k = 1; k <= 9; k++) CHECK(f->frac[k] == 1.0 / 21);
    CHECK(mdl_prof_expected(f, p.rows, mdl_prof_slot_missing(f)) == 10.0 / 21);
    /* bins: x <= 1 → 0; (1, 2] → 1; above 9 → 9 */
    CHECK(mdl_prof_bin_num(f, -5) == 0 && mdl_prof_bin_num(f, 1) == 0 && mdl_prof_bin_num(f, 1.5) == 1);
    CHECK(mdl_prof_bin_num(f, 2) == 1 && mdl_prof_bin_num(f, 9) == 8 && mdl_prof_bin_num(f, 9.01) == 9);
    CHECK(mdl_prof_bin_num(f, 1e300) == 9);
  }
  { /* categorical: top 10 = 1, 2, then 3..10 (ties: smaller hash first) */
    const mdl_prof_feature *f = &p.f[0];
    CHECK(f->type == FV_CATEGORICAL && f->flags == 0 && f->count == MDL_PROF_TOP_K && f->missing == 3);
    CHECK(f->cat[0] == 1 && f->frac[0] == 5.0 / 21);
    CHECK(f->cat[1] == 2 && f->frac[1] == 3.0 / 21);
    for (uint32_t k = 2; k < 10; k++) CHECK(f->cat[k] == k + 1 && f->frac[k] == 1.0 / 21);
    CHECK(f->other == 2.0 / 21); /* 11 and 12 */
    CHECK(mdl_prof_bin_cat(f, 1) == 0 && mdl_prof_bin_cat(f, 10) == 9 && mdl_prof_bin_cat(f, 12) == 10);
    CHECK(mdl_prof_slots(f) == 12 && mdl_prof_expected(f, p.rows, 10) == 2.0 / 21);
  }
  mdl_profile_free(&p);
}

/* Repeated values merge edges; a feature never seen is all missing. */
static void test_repeats_and_empty(void) {
  mdl_pbuild *b = NULL;
  mdl_feature fs[3];
  uint32_t slots[3];
  mdl_profile p;
  om_err err;
  fs[0] = feat("a", FV_NUMERIC);
  fs[1] = feat("b", FV_NUMERIC);
  fs[2] = feat("c", FV_CATEGORICAL);
  CHECK(mdl_pb_new(&b, &err) == OM_OK);
  CHECK(mdl_pb_feature(b, FV_NUMERIC, &slots[0], &err) == OM_OK && slots[0] == 0);
  for (int i = 0; i < 10; i++) {
    CHECK(mdl_pb_num(b, slots[0], i < 8 ? 7 : 9, &err) == OM_OK);
    mdl_pb_rows(b, 1);
  }
  slots[1] = MDL_PB_NONE;
  CHECK(mdl_pb_feature(b, FV_CATEGORICAL, &slots[2], &err) == OM_OK && slots[2] == 1);
  CHECK(mdl_pb_finish(b, fs, slots, 3, &p, &err) == OM_OK);
  /* 7 ×8, 9 ×2: deciles 7 (k = 1..7), 7.4 (k = 8: index 9*0.8 = 7.2, so 7 + 0.2*2), 9 (k = 9) */
  CHECK(p.f[0].count == 3);
  CHECK(p.f[0].edges[0] == 7 && p.f[0].edges[2] == 9);
  CHECK_CLOSE(p.f[0].edges[1], 7.4, 1e-15);
  CHECK(p.f[0].frac[0] == 0.8 && p.f[0].frac[1] == 0 && p.f[0].frac[2] == 0.2 && p.f[0].frac[3] == 0);
  CHECK(p.f[1].count == 0 && p.f[1].missing == 10 && p.f[1].frac[0] == 0 && p.f[1].min == 0);
  CHECK(p.f[2].count == 0 && p.f[2].missing == 10 && p.f[2].other == 0);
  /* a slot whose type is not the schema's */
  {
    mdl_profile q;
    fs[0] = feat("a", FV_CATEGORICAL);
    CHECK(mdl_pb_finish(b, fs, slots, 3, &q, &err) == OM_INTERNAL);
  }
  mdl_profile_free(&p);
  mdl_pb_free(b);
}

/* Beyond MDL_PROF_EXACT_MAX values: a reservoir, deterministic. */
static void test_reservoir(void) {
  mdl_feature f = feat("u", FV_NUMERIC);
  om_wbuf w[2];
  om_err err;
  for (int run = 0; run < 2; run++) {
    mdl_pbuild *b = NULL;
    uint32_t slot;
    uint64_t s = 12345;
    mdl_profile p;
    CHECK(mdl_pb_new(&b, &err) == OM_OK && mdl_pb_feature(b, FV_NUMERIC, &slot, &err) == OM_OK);
    for (int i = 0; i < 300000; i++) {
      CHECK(mdl_pb_num(b, slot, om_test_unif(&s), &err) == OM_OK || (om_test_failed++, 0));
      mdl_pb_rows(b, 1);
    }
    CHECK(mdl_pb_finish(b, &f, &slot, 1, &p, &err) == OM_OK);
    CHECK(p.f[0].flags == MDL_PROF_APPROX && p.f[0].count == 9 && p.f[0].missing == 0);
    for (uint32_t k = 0; k < 9; k++)
      CHECK_MSG(fabs(p.f[0].edges[k] - (k + 1) / 10.0) < 0.01, "edge %.6f", p.f[0].edges[k]);
    for (uint32_t k = 0; k < 10; k++) CHECK(fabs(p.f[0].frac[k] - 0.1) < 0.002);
    om_wbuf_init(&w[run]);
    mdl_profile_encode(&p, &w[run]);
    mdl_profile_free(&p);
    mdl_pb_free(b);
  }
  CHECK(w[0].len == w[1].len && memcmp(w[0].data, w[1].data, w[0].len) == 0);
  om_wbuf_free(&w[0]);
  om_wbuf_free(&w[1]);
}

/* Space-saving beyond MDL_PROF_SS_CAP categories. */
static void test_space_saving(void) {
  mdl_pbuild *b = NULL;
  mdl_feature f = feat("h", FV_CATEGORICAL);
  uint32_t slot;
  mdl_profile p;
  om_err err;
  uint64_t s = 99;
  CHECK(mdl_pb_new(&b, &err) == OM_OK && mdl_pb_feature(b, FV_CATEGORICAL, &slot, &err) == OM_OK);
  for (int i = 0; i < 50000; i++) { /* 30% hash 7, 10% hash 8, the rest one of 20000 others */
    double u = om_test_unif(&s);
    uint64_t h = u < 0.3 ? 7 : u < 0.4 ? 8 : 1000 + (uint64_t)(om_test_unif(&s) * 20000);
    CHECK(mdl_pb_cat(b, slot, h, &err) == OM_OK || (om_test_failed++, 0));
    mdl_pb_rows(b, 1);
  }
  CHECK(mdl_pb_finish(b, &f, &slot, 1, &p, &err) == OM_OK);
  CHECK(p.f[0].flags == MDL_PROF_APPROX && p.f[0].count == MDL_PROF_TOP_K);
  CHECK(p.f[0].cat[0] == 7 && fabs(p.f[0].frac[0] - 0.3) < 0.01 + 1.0 / MDL_PROF_SS_CAP);
  CHECK(p.f[0].cat[1] == 8 && fabs(p.f[0].frac[1] - 0.1) < 0.01 + 1.0 / MDL_PROF_SS_CAP);
  {
    double sum = p.f[0].other;
    for (uint32_t k = 0; k < p.f[0].count; k++) sum += p.f[0].frac[k];
    CHECK_CLOSE(sum, 1.0, 1e-12);
  }
  mdl_profile_free(&p);
  mdl_pb_free(b);
}

/* PSI by hand (expected values from Python's math.log). */
static void test_psi(void) {
  double edges[1] = {5}, frac[2] = {0.5, 0.5}, cfrac[2] = {0.5, 0.3};
  uint64_t cat[2] = {11, 22};
  mdl_prof_feature f;
  uint64_t counts[4];
  memset(&f, 0, sizeof f);
  f.type = FV_NUMERIC;
  f.count = 1;
  f.edges = edges;
  f.frac = frac;
  counts[0] = 30, counts[1] = 70, counts[2] = 0;
  /* 0.2 ln(5/3) + 0.2 ln(1.4); the missing slot is empty on both sides: 0 */
  CHECK_CLOSE(mdl_prof_psi(&f, 100, counts, 100), 0.16945957207744072, 1e-14);
  counts[0] = 50, counts[1] = 50;
  CHECK(mdl_prof_psi(&f, 100, counts, 100) == 0);
  counts[0] = 0, counts[1] = 100; /* empty slot floored at 1e-4 */
  CHECK_CLOSE(mdl_prof_psi(&f, 100, counts, 100), 4.60431846666895, 1e-14);
  CHECK(isnan(mdl_prof_psi(&f, 100, counts, 0)));
  /* categorical: expected 0.5, 0.3, other 0.2, missing 0 (floored) */
  memset(&f, 0, sizeof f);
  f.type = FV_CATEGORICAL;
  f.count = 2;
  f.cat = cat;
  f.frac = cfrac;
  f.other = 0.2;
  counts[0] = 10, counts[1] = 10, counts[2] = 60, counts[3] = 20;
  CHECK_CLOSE(mdl_prof_psi(&f, 100, counts, 100), 2.8223629398369683, 1e-14);
}

/* Codec: round trip, truncations, each field's corruption. */
static void expect_check(const uint8_t *b, size_t n, const mdl_feature *fs, om_status want, const char *msg, int line) {
  uint64_t rows;
  om_err err;
  om_status st = mdl_profile_check(b, n, fs, 2, &rows, &err);
  CHECK_MSG(st == want, "line %d: status %d want %d (%s)", line, st, want, st ? err.msg : "");
  if (msg && st != OM_OK) CHECK_MSG(strcmp(err.msg, msg) == 0, "line %d: \"%s\" want \"%s\"", line, err.msg, msg);
}

static void test_codec(void) {
  mdl_profile p, q;
  mdl_feature fs[2];
  om_wbuf w;
  om_err err;
  uint64_t rows = 0;
  uint8_t *b;
  size_t n, num_at;
  fs[0] = feat("c", FV_CATEGORICAL);
  fs[1] = feat("n", FV_NUMERIC);
  CHECK(build_small(&p, &err) == OM_OK);
  om_wbuf_init(&w);
  mdl_profile_encode(&p, &w);
  b = w.data;
  n = w.len;
  /* 16 head; each record 16, then cat: 10*16 + 8; num: 16 + 9*8 + 10*8 */
  CHECK(n == 16 + (16 + 160 + 8) + (16 + 16 + 72 + 80));
  CHECK(mdl_profile_check(b, n, fs, 2, &rows, &err) == OM_OK && rows == 21);
  CHECK(mdl_profile_decode(b, n, &q, &err) == OM_OK);
  CHECK(q.rows == p.rows && q.n_features == 2 && q.f[0].count == 10 && q.f[1].count == 9);
  for (uint32_t k = 0; k < 10; k++) CHECK(q.f[0].cat[k] == p.f[0].cat[k] && q.f[0].frac[k] == p.f[0].frac[k]);
  for (uint32_t k = 0; k < 9; k++) CHECK(q.f[1].edges[k] == p.f[1].edges[k]);
  for (uint32_t k = 0; k < 10; k++) CHECK(q.f[1].frac[k] == p.f[1].frac[k]);
  CHECK(q.f[0].other == p.f[0].other && q.f[1].missing == 10 && q.f[1].max == 10);
  mdl_profile_free(&q);
  for (size_t cut = 0; cut < n; cut++) expect_check(b, cut, fs, OM_CORRUPT, NULL, __LINE__);
  /* trailing byte */
  {
    uint8_t *t = malloc(n + 1);
    memcpy(t, b, n);
    t[n] = 0;
    expect_check(t, n + 1, fs, OM_CORRUPT, "model profile has trailing bytes", __LINE__);
    free(t);
  }
  num_at = 16 + 16 + 160 + 8;
#define PATCH(stmt, st, msg)                                                                                         \
  do {                                                                                                               \
    uint8_t *t = malloc(n);                                                                                          \
    memcpy(t, b, n);                                                                                                 \
    stmt;                                                                                                            \
    expect_check(t, n, fs, st, msg, __LINE__);                                                                       \
    free(t);                                                                                                         \
  } while (0)
  PATCH(om_store_u16(t, 2), OM_UNSUPPORTED_VERSION,
        "model profile version 2 is not supported (this build reads version 1)");
  PATCH(om_store_u16(t, 0), OM_CORRUPT, "model profile version 0 is not supported (this build reads version 1)");
  PATCH(t[2] = 1, OM_CORRUPT, "model profile has non-zero reserved bytes");
  PATCH(om_store_u32(t + 4, 3), OM_CORRUPT, "model profile has 3 features; the schema has 2");
  PATCH(t[16] = FV_NUMERIC, OM_CORRUPT, "model profile is corrupt (feature 1)");            /* type ≠ schema */
  PATCH(t[17] = 2, OM_CORRUPT, "model profile is corrupt (feature 1)");                     /* unknown flag */
  PATCH(t[20] = 1, OM_CORRUPT, "model profile is corrupt (feature 1)");                     /* reserved */
  PATCH(om_store_u64(t + 24, 22), OM_CORRUPT, "model profile is corrupt (feature 1)");      /* missing > rows */
  PATCH(om_store_u16(t + 18, 65), OM_CORRUPT, "model profile is corrupt (feature 1)");      /* too many cats */
  PATCH(om_store_u64(t + 32 + 16, 1), OM_CORRUPT, "model profile repeats a category (feature 1)");
  /* rising fractions */
  PATCH(om_store_u64(t + 40, om_f64_bits(0.1)), OM_CORRUPT, "model profile has a bad fraction (feature 1)");
  PATCH(om_store_u64(t + 40, om_f64_bits(NAN)), OM_CORRUPT, "model profile has a bad fraction (feature 1)");
  PATCH(om_store_u64(t + 40, om_f64_bits(0.3)), OM_CORRUPT,
        "model profile fractions do not add up to 1 (feature 1)");
  /* min above the first edge */
  PATCH(om_store_u64(t + num_at + 16, om_f64_bits(5)), OM_CORRUPT, "model profile has bad bin edges (feature 2)");
  PATCH(om_store_u64(t + num_at + 24, om_f64_bits(INFINITY)), OM_CORRUPT, "model profile is corrupt (feature 2)");
  PATCH(om_store_u64(t + num_at + 40, om_f64_bits(1)), OM_CORRUPT, "model profile has bad bin edges (feature 2)");
  PATCH(om_store_u64(t + num_at + 104, om_f64_bits(-0.1)), OM_CORRUPT,
        "model profile has a bad fraction (feature 2)");
  PATCH(om_store_u64(t + num_at + 104, om_f64_bits(0.5)), OM_CORRUPT,
        "model profile fractions do not add up to 1 (feature 2)");
  PATCH(om_store_u16(t + num_at + 2, 64), OM_CORRUPT, "model profile is corrupt (feature 2)"); /* > 63 edges */
  {
    mdl_feature one = feat("c", FV_CATEGORICAL);
    CHECK(mdl_profile_check(b, n, &one, 1, &rows, &err) == OM_CORRUPT);
  }
#undef PATCH
  om_wbuf_free(&w);
  mdl_profile_free(&p);
}

/* The envelope with a profile (format 2) and without (format 1). */
static void test_envelope(void) {
  mdl_profile p;
  mdl_feature fs[2];
  mdl_meta m;
  om_wbuf w, info;
  om_err err;
  mdl_view v;
  fs[0] = feat("c", FV_CATEGORICAL);
  fs[1] = feat("n", FV_NUMERIC);
  memset(&m, 0, sizeof m);
  m.rows_used = 21;
  CHECK(build_small(&p, &err) == OM_OK);
  om_wbuf_init(&w);
  CHECK(mdl_write_profiled(&w, MDL_KIND_SCALER, 1, fs, 2, &m, &p, (const uint8_t *)"P", 1, &err) == OM_OK);
  CHECK(om_load_u16(w.data + 4) == 2 && om_load_u32(w.data + 40) == 384 && om_load_u32(w.data + 44) == 0);
  CHECK(mdl_open(w.data, w.len, &v, &err) == OM_OK);
  CHECK(v.format_version == 2 && v.profile_len == 384 && v.profile_rows == 21 && v.payload_len == 1);
  CHECK(v.profile + v.profile_len == v.payload && v.payload[0] == 'P');
  om_wbuf_init(&info);
  CHECK(mdl_info_json(&v, NULL, &info, &err) == OM_OK);
  om_wbuf_u8(&info, 0);
  CHECK_MSG(strstr((const char *)info.data, ",\"profile\":{\"rows\":21,\"features\":2}}") != NULL, "%s", info.data);
  om_wbuf_free(&info);
  mdl_view_free(&v);
  /* a profile byte changed, checksum recomputed: corrupt, named */
  {
    size_t at = w.len - MDL_FOOTER_SIZE - 1 - 384 + 17; /* flags of feature 1 */
    w.data[at] = 4;
    fix_checksum(w.data, w.len);
    CHECK(mdl_open(w.data, w.len, &v, &err) == OM_CORRUPT);
    CHECK_STR(err.msg, "model profile is corrupt (feature 1)");
    w.data[at] = 0;
    fix_checksum(w.data, w.len);
  }
  /* R disagreeing with the sections */
  om_store_u32(w.data + 40, 383);
  fix_checksum(w.data, w.len);
  CHECK(mdl_open(w.data, w.len, &v, &err) == OM_CORRUPT);
  CHECK_STR(err.msg, "model section lengths do not add up");
  om_store_u32(w.data + 40, 384);
  /* format 1 with a non-zero u32 at 40: reserved bytes */
  om_store_u16(w.data + 4, 1);
  fix_checksum(w.data, w.len);
  CHECK(mdl_open(w.data, w.len, &v, &err) == OM_CORRUPT);
  CHECK_STR(err.msg, "model has non-zero reserved bytes");
  om_store_u16(w.data + 4, 2);
  fix_checksum(w.data, w.len);
  /* every bit flip with the checksum recomputed: an error or a valid view */
  for (size_t i = 0; i < w.len - MDL_FOOTER_SIZE; i++)
    for (int bit = 0; bit < 8; bit++) {
      om_status st;
      w.data[i] ^= (uint8_t)(1u << bit);
      fix_checksum(w.data, w.len);
      st = mdl_open(w.data, w.len, &v, &err);
      if (st == OM_OK) {
        mdl_profile q;
        CHECK(v.profile_len == 0 || mdl_profile_decode(v.profile, v.profile_len, &q, &err) == OM_OK);
        if (v.profile_len) mdl_profile_free(&q);
        mdl_view_free(&v);
      } else {
        CHECK(st == OM_CORRUPT || st == OM_UNSUPPORTED_VERSION);
      }
      w.data[i] ^= (uint8_t)(1u << bit);
    }
  /* a profile that does not match the schema is the writer's bug */
  om_wbuf_reset(&w);
  CHECK(mdl_write_profiled(&w, MDL_KIND_SCALER, 1, fs, 1, &m, &p, NULL, 0, &err) == OM_INTERNAL);
  fs[1].type = FV_CATEGORICAL;
  CHECK(mdl_write_profiled(&w, MDL_KIND_SCALER, 1, fs, 2, &m, &p, NULL, 0, &err) == OM_INTERNAL);
  fs[1].type = FV_NUMERIC;
  /* no profile: format 1, exactly as before */
  om_wbuf_reset(&w);
  CHECK(mdl_write(&w, MDL_KIND_SCALER, 1, fs, 2, &m, (const uint8_t *)"P", 1, &err) == OM_OK);
  CHECK(om_load_u16(w.data + 4) == 1 && om_load_u64(w.data + 40) == 0);
  CHECK(mdl_open(w.data, w.len, &v, &err) == OM_OK && v.profile == NULL && v.profile_len == 0);
  om_wbuf_init(&info);
  CHECK(mdl_info_json(&v, NULL, &info, &err) == OM_OK);
  om_wbuf_u8(&info, 0);
  CHECK(strstr((const char *)info.data, "profile") == NULL);
  om_wbuf_free(&info);
  mdl_view_free(&v);
  /* format 2 with R = 0 is valid */
  om_store_u16(w.data + 4, 2);
  fix_checksum(w.data, w.len);
  CHECK(mdl_open(w.data, w.len, &v, &err) == OM_OK && v.format_version == 2 && v.profile_len == 0);
  mdl_view_free(&v);
  om_wbuf_free(&w);
  mdl_profile_free(&p);
}

/* Fail the k-th allocation for k = 1, 2, ...: NOMEM, no leak. */
static void test_oom(void) {
  mdl_feature fs[2];
  fs[0] = feat("c", FV_CATEGORICAL);
  fs[1] = feat("n", FV_NUMERIC);
  for (long k = 1; k < 100; k++) {
    mdl_profile p, q;
    mdl_meta m;
    om_wbuf w;
    mdl_view v;
    om_err err;
    om_status st;
    long start;
    om_test_alloc_reset();
    start = om_test_alloc_live;
    om_test_alloc_fail_at = k;
    memset(&m, 0, sizeof m);
    om_wbuf_init(&w);
    st = build_small(&p, &err);
    if (st == OM_OK) {
      st = mdl_write_profiled(&w, MDL_KIND_SCALER, 1, fs, 2, &m, &p, NULL, 0, &err);
      mdl_profile_free(&p);
    }
    if (st == OM_OK && (st = mdl_open(w.data, w.len, &v, &err)) == OM_OK) {
      st = mdl_profile_decode(v.profile, v.profile_len, &q, &err);
      if (st == OM_OK) mdl_profile_free(&q);
      mdl_view_free(&v);
    }
    om_wbuf_free(&w);
    om_test_alloc_fail_at = 0;
    CHECK_MSG(st == OM_OK || st == OM_NOMEM, "allocation %ld: %d", k, st);
    CHECK_MSG(om_test_alloc_live == start, "allocation %ld: leak", k);
    if (st == OM_OK) break;
  }
}

int main(void) {
  test_small();
  test_repeats_and_empty();
  test_reservoir();
  test_space_saving();
  test_psi();
  test_codec();
  test_envelope();
  test_oom();
  return om_test_finish();
}
