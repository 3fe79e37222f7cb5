/*
** test_fv.c — unit tests of the feature-vector BLOB (ext/core/base/fv.h).
**
**   make build/unit/test_fv && ./build/unit/test_fv
**
** Covers, by the numbered behaviours of fv.h:
**   1. encode sorts (bytewise, shorter first), rejects duplicates, empty and
**      over-long names, non-finite numbers and too many entries, and writes
**      nothing when it rejects; fv_sort stays within its comparison bound
**      for 65,535 entries in sorted, reversed and shuffled order (counted);
**   1c. names must be valid UTF-8 without NUL: fv_encode refuses others with
**      the exact message, and a hand-built BLOB holding one is corrupt;
**   2. the category hash is XXH3-64, seed 0 (literals cross-checked with
**      python3-xxhash 3.2.0: xxhash.xxh3_64_hexdigest(b'web-3'));
**   3. the decoder allocates nothing, reports each kind of damage, and — on
**      EVERY truncation and EVERY single-bit flip of several vectors, plus
**      random multi-byte damage — never crashes and returns OM_OK only for
**      bytes that re-encode to exactly themselves and whose names are all
**      valid UTF-8;
**   and the exact byte map of small vectors, and an OOM loop over fv_encode.
*/
#include <stdlib.h>

#include "fv.h"
#include "om_test.h"
#include "om_text.h"

/* ------------------------------------------------------------ helpers */

/* Encode into a fresh malloc'd buffer of exactly the right size (so ASan
** catches any overread by later decoding).  Returns NULL on an error. */
static uint8_t *encode(fv_entry *e, size_t n, size_t *len, om_status *st, om_err *err) {
  om_wbuf w;
  uint8_t *out = NULL;
  om_wbuf_init(&w);
  *st = fv_encode(e, n, &w, err);
  *len = w.len;
  if (*st == OM_OK) {
    out = malloc(w.len ? w.len : 1);
    memcpy(out, w.data, w.len);
  }
  om_wbuf_free(&w);
  return out;
}

/* If the BLOB validates, decode it and re-encode it: it must come back
** byte for byte.  Returns the validation status. */
static om_status validate_and_roundtrip(const uint8_t *blob, size_t n, const char *what, size_t where) {
  static fv_entry entries[FV_MAX_COUNT];
  om_err err;
  long allocs = om_test_alloc_count;
  om_status st = fv_validate(blob, n, &err);
  CHECK_MSG(om_test_alloc_count == allocs, "%s %zu: the decoder allocated", what, where);
  CHECK_MSG(st == OM_OK || st == OM_CORRUPT || st == OM_UNSUPPORTED_VERSION, "%s %zu: status %d", what, where, st);
  if (st == OM_OK) {
    fv_reader it;
    fv_entry e;
    om_status st2;
    size_t k = 0, len = 0;
    uint8_t *again;
    CHECK(fv_open(&it, blob, n, &err) == OM_OK);
    while (fv_next(&it, &e, &st2, &err)) {
      CHECK_MSG(om_utf8_check(e.name, e.name_len) == e.name_len, "%s %zu: a decoded name is not valid UTF-8", what,
                where);
      entries[k++] = e;
    }
    CHECK(st2 == OM_OK && k == it.count);
    again = encode(entries, k, &len, &st2, &err);
    CHECK_MSG(st2 == OM_OK && len == n && again && memcmp(again, blob, n) == 0,
              "%s %zu: accepted bytes do not re-encode to themselves (%s)", what, where, st2 ? err.msg : "ok");
    free(again);
  }
  return st;
}

/* Every truncation and every single-bit flip of blob. */
static void sweep(const uint8_t *blob, size_t n, const char *name) {
  size_t accepted = 0, cut;
  for (cut = 0; cut < n; cut++) {
    uint8_t *t = malloc(cut ? cut : 1);
    memcpy(t, blob, cut);
    CHECK_MSG(validate_and_roundtrip(cut ? t : NULL, cut, "truncation", cut) != OM_OK, "%s: truncated to %zu accepted",
              name, cut);
    /* also a non-NULL pointer with length 0 */
    if (cut == 0) CHECK(validate_and_roundtrip(t, 0, "truncation", 0) != OM_OK);
    free(t);
  }
  for (size_t bit = 0; bit < n * 8; bit++) {
    uint8_t *t = malloc(n);
    memcpy(t, blob, n);
    t[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    if (validate_and_roundtrip(t, n, "bit flip", bit) == OM_OK) accepted++;
    free(t);
  }
  /* Untouched, it is valid. */
  CHECK(validate_and_roundtrip(blob, n, "original", 0) == OM_OK);
  printf("%s: %zu bytes, %zu truncations rejected, %zu of %zu bit flips still well formed (re-encode checked)\n", name,
         n, n, accepted, n * 8);
}

static fv_entry num(const char *name, double v) {
  fv_entry e;
  memset(&e, 0, sizeof e);
  e.name = name;
  e.name_len = strlen(name);
  e.type = FV_NUMERIC;
  e.num = v;
  return e;
}

static fv_entry cat(const char *name, const char *text) {
  fv_entry e;
  memset(&e, 0, sizeof e);
  e.name = name;
  e.name_len = strlen(name);
  e.type = FV_CATEGORICAL;
  e.cat = fv_hash_category(text, strlen(text));
  return e;
}

static fv_entry missing(const char *name) {
  fv_entry e;
  memset(&e, 0, sizeof e);
  e.name = name;
  e.name_len = strlen(name);
  e.type = FV_MISSING;
  return e;
}

static void expect_encode_error(fv_entry *e, size_t n, const char *msg, int line) {
  om_wbuf w;
  om_err err;
  om_status st;
  long live = om_test_alloc_live;
  om_wbuf_init(&w);
  err.msg[0] = 0;
  st = fv_encode(e, n, &w, &err);
  CHECK_MSG(st == OM_INVALID, "line %d: status %d", line, st);
  CHECK_MSG(strcmp(err.msg, msg) == 0, "line %d: message \"%s\" want \"%s\"", line, err.msg, msg);
  CHECK_MSG(w.len == 0, "line %d: %zu bytes written before the error", line, w.len);
  om_wbuf_free(&w);
  CHECK(om_test_alloc_live == live);
}

static void expect_decode_error(const uint8_t *blob, size_t n, om_status want, const char *msg, int line) {
  om_err err;
  uint8_t *copy = malloc(n ? n : 1);
  om_status st;
  if (n) memcpy(copy, blob, n);
  err.msg[0] = 0;
  st = fv_validate(copy, n, &err);
  CHECK_MSG(st == want, "line %d: status %d want %d (%s)", line, st, want, err.msg);
  CHECK_MSG(strcmp(err.msg, msg) == 0, "line %d: message \"%s\" want \"%s\"", line, err.msg, msg);
  free(copy);
}

/* ------------------------------------------------------------ tests */

static void test_hash(void) {
  /* python3 -c "import xxhash; print(xxhash.xxh3_64_hexdigest(b'web-3'))" */
  CHECK(fv_hash_category("web-3", 5) == 0x21a08a5bfd23f02aull);
  CHECK(fv_hash_category("", 0) == 0x2d06800538d394c2ull);
  CHECK(fv_hash_category("x", 1) == 0xeaf06c6480b2cd11ull);
  /* Only the given bytes count. */
  CHECK(fv_hash_category("web-3 and more", 5) == 0x21a08a5bfd23f02aull);
}

static void test_name_cmp(void) {
  CHECK(fv_name_cmp("a", 1, "b", 1) < 0);
  CHECK(fv_name_cmp("b", 1, "a", 1) > 0);
  CHECK(fv_name_cmp("a", 1, "a", 1) == 0);
  CHECK(fv_name_cmp("a", 1, "ab", 2) < 0);
  CHECK(fv_name_cmp("ab", 2, "a", 1) > 0);
  CHECK(fv_name_cmp("ab", 1, "a", 1) == 0); /* lengths, not NULs, delimit */
  CHECK(fv_name_cmp("Z", 1, "a", 1) < 0);
  CHECK(fv_name_cmp("z", 1, "\xc3\xa9", 2) < 0); /* bytes compare unsigned */
  CHECK(fv_name_cmp("a\0b", 3, "a\0c", 3) < 0);
  CHECK(fv_name_cmp(NULL, 0, NULL, 0) == 0);
  CHECK(fv_name_cmp(NULL, 0, "a", 1) < 0);
  CHECK_STR(fv_type_name(FV_MISSING), "missing");
  CHECK_STR(fv_type_name(FV_NUMERIC), "numeric");
  CHECK_STR(fv_type_name(FV_CATEGORICAL), "categorical");
  CHECK_STR(fv_type_name((fv_type)7), "unknown");
}

static void test_bytes(void) {
  /* feature_vector('h', 'web-3') */
  static const uint8_t want1[] = {'O', 'M', 'F', 'V', 1, 0, 1, 0, 2, 0, 1, 0, 'h',
                                  0x2a, 0xf0, 0x23, 0xfd, 0x5b, 0x8a, 0xa0, 0x21};
  /* feature_vector('b', 1.5, 'a', NULL) */
  static const uint8_t want2[] = {'O', 'M', 'F', 'V', 1, 0, 2, 0, 0, 0, 1, 0, 'a', 1, 0, 1, 0, 'b',
                                  0, 0, 0, 0, 0, 0, 0xf8, 0x3f};
  static const uint8_t want0[] = {'O', 'M', 'F', 'V', 1, 0, 0, 0};
  fv_entry e[2];
  size_t len;
  om_status st;
  om_err err;
  uint8_t *b;

  e[0] = cat("h", "web-3");
  b = encode(e, 1, &len, &st, &err);
  CHECK(st == OM_OK && len == sizeof want1 && memcmp(b, want1, len) == 0);
  free(b);

  e[0] = num("b", 1.5);
  e[1] = missing("a");
  b = encode(e, 2, &len, &st, &err);
  CHECK(st == OM_OK && len == sizeof want2 && memcmp(b, want2, len) == 0);
  free(b);

  b = encode(e, 0, &len, &st, &err);
  CHECK(st == OM_OK && len == sizeof want0 && memcmp(b, want0, len) == 0);
  CHECK(fv_validate(b, len, &err) == OM_OK);
  free(b);

  /* The streaming writer gives the same bytes as fv_encode. */
  {
    om_wbuf w;
    fv_entry a = missing("a"), bb = num("b", 1.5);
    om_wbuf_init(&w);
    fv_write_header(&w, 2);
    fv_write_entry(&w, &a);
    fv_write_entry(&w, &bb);
    CHECK(w.len == sizeof want2 && memcmp(w.data, want2, w.len) == 0);
    om_wbuf_free(&w);
  }
}

static void test_roundtrip_and_sort(void) {
  char long_name[FV_MAX_NAME + 1];
  fv_entry e[8], got[8];
  size_t len, k = 0;
  om_status st;
  om_err err;
  uint8_t *b;
  fv_reader it;
  fv_entry x;
  static const char *const order[] = {"A", "a", "aa", "ab", "b", "\xc3\xa9", NULL};

  memset(long_name, 'n', FV_MAX_NAME);
  long_name[FV_MAX_NAME] = 0;
  e[0] = num("b", -0.0);
  e[1] = cat("\xc3\xa9", "caf\xc3\xa9");
  e[2] = num("ab", 5e-324);
  e[3] = missing("aa");
  e[4] = num("a", -1.7976931348623157e308);
  e[5] = cat("A", "");
  b = encode(e, 6, &len, &st, &err);
  CHECK(st == OM_OK && b);
  /* fv_encode sorted the caller's array in place */
  for (int i = 0; order[i]; i++) CHECK_MSG(e[i].name_len == strlen(order[i]) && memcmp(e[i].name, order[i], e[i].name_len) == 0, "%d", i);
  CHECK(fv_open(&it, b, len, &err) == OM_OK && it.count == 6);
  while (fv_next(&it, &x, &st, &err)) got[k++] = x;
  CHECK(st == OM_OK && k == 6);
  /* fv_next after the end keeps returning 0 with OM_OK */
  CHECK(fv_next(&it, &x, &st, &err) == 0 && st == OM_OK);
  for (size_t i = 0; i < k && i < 6; i++) {
    CHECK(got[i].name_len == e[i].name_len && memcmp(got[i].name, e[i].name, e[i].name_len) == 0);
    CHECK(got[i].type == e[i].type);
    CHECK(got[i].cat == e[i].cat);
    CHECK(got[i].num == e[i].num); /* exact (-0 is stored as +0, which compares equal) */
  }
  CHECK(got[5].cat == fv_hash_category("caf\xc3\xa9", 5));
  CHECK(got[1].num == -1.7976931348623157e308);
  CHECK(!signbit(got[4].num) && got[4].num == 0); /* -0 normalised to +0 */
  free(b);

  /* Name lengths 1 and FV_MAX_NAME are fine; a name may hold any valid
  ** UTF-8 except NUL, control characters included. */
  e[0] = num(long_name, 1);
  e[1] = num("\x01", 2);
  e[2] = cat("\xc3\xa9\xf0\x9f\x98\x80", "x");
  b = encode(e, 3, &len, &st, &err);
  CHECK(st == OM_OK && b && fv_validate(b, len, &err) == OM_OK);
  CHECK(len == FV_HEADER_SIZE + (4 + FV_MAX_NAME + 8) + (4 + 1 + 8) + (4 + 6 + 8));
  free(b);

  /* The same features in any order give the same BLOB. */
  {
    fv_entry p[3], q[3];
    size_t lp, lq;
    uint8_t *bp, *bq;
    p[0] = num("x", 1);
    p[1] = cat("y", "v");
    p[2] = missing("z");
    q[0] = p[2];
    q[1] = p[0];
    q[2] = p[1];
    bp = encode(p, 3, &lp, &st, &err);
    bq = encode(q, 3, &lq, &st, &err);
    CHECK(bp && bq && lp == lq && memcmp(bp, bq, lp) == 0);
    free(bp);
    free(bq);
  }
}

static void test_encode_errors(void) {
  char long_name[FV_MAX_NAME + 2];
  fv_entry e[4];
  memset(long_name, 'a', sizeof long_name - 1);
  long_name[FV_MAX_NAME + 1] = 0;

  e[0] = num("x", 1);
  e[1] = num("y", 2);
  e[2] = cat("x", "dup");
  expect_encode_error(e, 3, "duplicate feature name \"x\"", __LINE__);
  e[0] = num("b", 1);
  e[1] = missing("b");
  expect_encode_error(e, 2, "duplicate feature name \"b\"", __LINE__);
  e[0] = num("", 1);
  expect_encode_error(e, 1, "feature name is empty", __LINE__);
  e[0] = num("ok", 1);
  e[1] = num("", 1);
  expect_encode_error(e, 2, "feature name is empty", __LINE__);
  e[0] = num(long_name, 1); /* 256 bytes */
  expect_encode_error(e, 1,
                      "feature name \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\" is 256 bytes; at most 255", __LINE__);
  e[0] = num("x", NAN);
  expect_encode_error(e, 1, "value of \"x\" is not a finite number", __LINE__);
  e[0] = num("x", INFINITY);
  expect_encode_error(e, 1, "value of \"x\" is not a finite number", __LINE__);
  e[0] = num("a", 0);
  e[1] = num("x", -INFINITY);
  expect_encode_error(e, 2, "value of \"x\" is not a finite number", __LINE__);
  /* 1c: names are valid UTF-8 without NUL */
  e[0] = num("ok", 1);
  e[1] = cat("a\0b", "x");
  e[1].name_len = 3;
  expect_encode_error(e, 2, "feature name contains a NUL byte at offset 1; names must be valid UTF-8 without NUL",
                      __LINE__);
  e[0] = num("ok", 1); /* fv_encode sorted the array: set both */
  e[1] = num("ab\xff", 1);
  expect_encode_error(e, 2,
                      "feature name has byte 0xff at offset 2, which is not valid UTF-8; names must be valid UTF-8 without NUL",
                      __LINE__);
  e[0] = num("ok", 1); /* fv_encode sorted the array: set both */
  e[1] = missing("\xc0\xaf"); /* overlong '/' */
  expect_encode_error(e, 2,
                      "feature name has byte 0xc0 at offset 0, which is not valid UTF-8; names must be valid UTF-8 without NUL",
                      __LINE__);
  e[0] = num("ok", 1); /* fv_encode sorted the array: set both */
  e[1] = missing("x\xed\xa0\x80"); /* an encoded surrogate */
  expect_encode_error(e, 2,
                      "feature name has byte 0xed at offset 1, which is not valid UTF-8; names must be valid UTF-8 without NUL",
                      __LINE__);
  e[0] = num("ok", 1); /* fv_encode sorted the array: set both */
  e[1] = missing("\xe2\x82"); /* truncated sequence */
  expect_encode_error(e, 2,
                      "feature name has byte 0xe2 at offset 0, which is not valid UTF-8; names must be valid UTF-8 without NUL",
                      __LINE__);
  {
    om_err err;
    CHECK(fv_check_name("caf\xc3\xa9", 5, "feature name (argument 3)", &err) == OM_OK);
    CHECK(fv_check_name("a\0", 2, "feature name (argument 3)", &err) == OM_INVALID);
    CHECK_STR(err.msg, "feature name (argument 3) contains a NUL byte at offset 1; names must be valid UTF-8 without NUL");
  }
  /* num is ignored for non-numeric entries */
  {
    om_wbuf w;
    om_err err;
    e[0] = missing("m");
    e[0].num = NAN;
    e[1] = cat("c", "v");
    e[1].num = INFINITY;
    om_wbuf_init(&w);
    CHECK(fv_encode(e, 2, &w, &err) == OM_OK);
    om_wbuf_free(&w);
  }
}

/* fv_sort's bound (behaviour 1), by counting: n - 1 comparisons for sorted
** input, at most 2 n log2 n + n for any other order (heapsort).  The old
** insertion sort made ~n^2/2 = 2.1e9 for 65,535 reversed names. */
static void test_sort_bound(void) {
  static fv_entry e[FV_MAX_COUNT];
  static char names[FV_MAX_COUNT][8];
  const size_t n = FV_MAX_COUNT, lg = 16;
  uint64_t rng = 0x9E3779B97F4A7C15ull;
  size_t i, c, bad;
  for (int pass = 0; pass < 4; pass++) {
    for (i = 0; i < n; i++) {
      size_t k = pass == 1 ? n - 1 - i : i;
      snprintf(names[i], sizeof names[i], "%05zu", k);
      e[i] = num(names[i], (double)k);
    }
    if (pass == 2)
      for (i = n - 1; i > 0; i--) {
        size_t r;
        fv_entry t;
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        r = (size_t)(rng % (i + 1));
        t = e[i];
        e[i] = e[r];
        e[r] = t;
      }
    if (pass == 3) { /* sorted but for the last two */
      fv_entry t = e[n - 1];
      e[n - 1] = e[n - 2];
      e[n - 2] = t;
    }
    c = fv_sort(e, n);
    if (pass == 0) CHECK_MSG(c == n - 1, "sorted: %zu comparisons", c);
    else CHECK_MSG(c <= 2 * n * lg + n, "pass %d: %zu comparisons > %zu", pass, c, 2 * n * lg + n);
    for (i = 0, bad = 0; i < n; i++)
      if (e[i].num != (double)i || strtol(e[i].name, NULL, 10) != (long)i) bad++;
    CHECK_MSG(bad == 0, "pass %d: %zu entries out of place", pass, bad);
  }
  /* short vectors: insertion sort, every permutation of 5 names */
  {
    const char *five[] = {"a", "ab", "b", "ba", "c"};
    int perm[5] = {0, 1, 2, 3, 4}, count = 0, ok = 0;
    for (int a = 0; a < 5; a++)
      for (int b = 0; b < 5; b++)
        for (int d = 0; d < 5; d++)
          for (int f = 0; f < 5; f++)
            for (int g = 0; g < 5; g++) {
              int p[5] = {a, b, d, f, g}, seen = 0, good = 1;
              for (int k = 0; k < 5; k++) seen |= 1 << p[k];
              if (seen != 31) continue;
              for (int k = 0; k < 5; k++) e[k] = num(five[p[k]], p[k]);
              fv_sort(e, 5);
              for (int k = 0; k < 5; k++)
                if (e[k].num != perm[k]) good = 0;
              count++;
              ok += good;
            }
    CHECK(count == 120 && ok == 120);
  }
}

static void test_count_limits(void) {
  static fv_entry e[FV_MAX_COUNT + 1];
  static char names[FV_MAX_COUNT + 1][12];
  om_wbuf w;
  om_err err;
  om_status st;
  fv_reader it;
  for (int i = 0; i <= FV_MAX_COUNT; i++) {
    snprintf(names[i], sizeof names[i], "%05d", i);
    e[i] = num(names[i], i);
  }
  expect_encode_error(e, FV_MAX_COUNT + 1, "too many features (65536); at most 65535", __LINE__);
  om_wbuf_init(&w);
  st = fv_encode(e, FV_MAX_COUNT, &w, &err);
  CHECK(st == OM_OK);
  CHECK(w.len == FV_HEADER_SIZE + (size_t)FV_MAX_COUNT * (4 + 5 + 8));
  CHECK(fv_open(&it, w.data, w.len, &err) == OM_OK && it.count == FV_MAX_COUNT);
  CHECK(fv_validate(w.data, w.len, &err) == OM_OK);
  om_wbuf_free(&w);
}

static void test_decode_errors(void) {
  /* a good two-entry vector: a missing, b = 1.5 */
  static const uint8_t good[] = {'O', 'M', 'F', 'V', 1, 0, 2, 0, 0, 0, 1, 0, 'a', 1, 0, 1, 0, 'b',
                                 0, 0, 0, 0, 0, 0, 0xf8, 0x3f};
  uint8_t b[64];
  const size_t n = sizeof good;
  om_err err;

  CHECK(fv_validate(good, n, &err) == OM_OK);
  expect_decode_error(good, 0, OM_CORRUPT, "not a feature vector", __LINE__);
  expect_decode_error(good, 7, OM_CORRUPT, "not a feature vector", __LINE__);
  CHECK(fv_validate(NULL, 0, &err) == OM_CORRUPT);
  CHECK(fv_validate(NULL, 100, &err) == OM_CORRUPT);
  memcpy(b, good, n);
  b[3] = 'X';
  expect_decode_error(b, n, OM_CORRUPT, "not a feature vector", __LINE__);
  memcpy(b, "OMEN", 4); /* a model is not a feature vector */
  expect_decode_error(b, n, OM_CORRUPT, "not a feature vector", __LINE__);
  memcpy(b, good, n);
  b[4] = 2;
  expect_decode_error(b, n, OM_UNSUPPORTED_VERSION, "feature vector format 2 is not supported (this build reads 1)",
                      __LINE__);
  b[4] = 0;
  expect_decode_error(b, n, OM_UNSUPPORTED_VERSION, "feature vector format 0 is not supported (this build reads 1)",
                      __LINE__);
  memcpy(b, good, n);
  b[5] = 1;
  expect_decode_error(b, n, OM_CORRUPT, "feature vector has non-zero reserved bits", __LINE__);
  /* count says more or fewer entries than there are */
  memcpy(b, good, n);
  b[6] = 3;
  expect_decode_error(b, n, OM_CORRUPT, "feature vector is corrupt (entry 3)", __LINE__);
  b[6] = 1;
  expect_decode_error(b, n, OM_CORRUPT, "feature vector has trailing bytes", __LINE__);
  b[6] = 0;
  expect_decode_error(b, n, OM_CORRUPT, "feature vector has trailing bytes", __LINE__);
  memcpy(b, good, n);
  b[n] = 0;
  expect_decode_error(b, n + 1, OM_CORRUPT, "feature vector has trailing bytes", __LINE__);
  /* entry fields */
  memcpy(b, good, n);
  b[8] = 3; /* type */
  expect_decode_error(b, n, OM_CORRUPT, "feature vector is corrupt (entry 1)", __LINE__);
  memcpy(b, good, n);
  b[9] = 1; /* reserved */
  expect_decode_error(b, n, OM_CORRUPT, "feature vector is corrupt (entry 1)", __LINE__);
  memcpy(b, good, n);
  b[14] = 0x80; /* entry 2 reserved */
  expect_decode_error(b, n, OM_CORRUPT, "feature vector is corrupt (entry 2)", __LINE__);
  memcpy(b, good, n);
  b[17] = 'a'; /* duplicate name */
  expect_decode_error(b, n, OM_CORRUPT, "feature vector is corrupt (entry 2)", __LINE__);
  b[12] = 'c'; /* out of order */
  expect_decode_error(b, n, OM_CORRUPT, "feature vector is corrupt (entry 2)", __LINE__);
  memcpy(b, good, n);
  b[24] = 0xf0;
  b[25] = 0x7f; /* +Inf */
  expect_decode_error(b, n, OM_CORRUPT, "feature vector is corrupt (entry 2)", __LINE__);
  b[24] = 0xf8; /* NaN */
  expect_decode_error(b, n, OM_CORRUPT, "feature vector is corrupt (entry 2)", __LINE__);
  memcpy(b, good, n);
  b[10] = 0; /* name length 0 */
  expect_decode_error(b, n, OM_CORRUPT, "feature vector is corrupt (entry 1)", __LINE__);
  /* name length 256 with enough bytes after it */
  {
    uint8_t big[8 + 4 + 256];
    memcpy(big, "OMFV\1\0\1\0", 8);
    big[8] = 0;
    big[9] = 0;
    big[10] = 0;
    big[11] = 1;
    memset(big + 12, 'x', 256);
    expect_decode_error(big, sizeof big, OM_CORRUPT, "feature vector is corrupt (entry 1)", __LINE__);
    big[10] = 255;
    big[11] = 0; /* 255 is fine, one byte left over */
    expect_decode_error(big, sizeof big, OM_CORRUPT, "feature vector has trailing bytes", __LINE__);
    CHECK(fv_validate(big, sizeof big - 1, &err) == OM_OK);
  }
  /* 1c: a hand-built BLOB whose name is not valid UTF-8 or holds a NUL is
  ** corrupt, wherever the bad byte is */
  memcpy(b, good, n);
  b[12] = 0xff; /* name "\xff" */
  expect_decode_error(b, n, OM_CORRUPT, "feature vector is corrupt (entry 1)", __LINE__);
  b[12] = 0x00; /* name "\0": sorts first, so only the byte rule refuses it */
  expect_decode_error(b, n, OM_CORRUPT, "feature vector is corrupt (entry 1)", __LINE__);
  memcpy(b, good, n);
  b[17] = 0xc3; /* entry 2's name "\xc3": a truncated sequence */
  expect_decode_error(b, n, OM_CORRUPT, "feature vector is corrupt (entry 2)", __LINE__);
  {
    /* one entry "a\0" / "\xed\xa0\x80" (a surrogate) / "\xc3\xa9" (fine) */
    uint8_t v[8 + 4 + 3] = {'O', 'M', 'F', 'V', 1, 0, 1, 0, 0, 0, 2, 0, 'a', 0};
    expect_decode_error(v, sizeof v - 1, OM_CORRUPT, "feature vector is corrupt (entry 1)", __LINE__);
    v[10] = 3;
    memcpy(v + 12, "\xed\xa0\x80", 3);
    expect_decode_error(v, sizeof v, OM_CORRUPT, "feature vector is corrupt (entry 1)", __LINE__);
    v[10] = 2;
    memcpy(v + 12, "\xc3\xa9", 2);
    CHECK(fv_validate(v, sizeof v - 1, &err) == OM_OK);
  }
  /* a name running past the end */
  memcpy(b, good, n);
  b[16] = 200;
  expect_decode_error(b, n, OM_CORRUPT, "feature vector is corrupt (entry 2)", __LINE__);
}

static void test_sweeps(void) {
  char long_name[FV_MAX_NAME + 1];
  fv_entry e[6];
  size_t len;
  om_status st;
  om_err err;
  uint8_t *b;

  e[0] = num("threads", 8);
  e[1] = cat("host", "web-3");
  e[2] = missing("mem_gb");
  e[3] = num("cpu", -0.25);
  e[4] = num("a", 0);
  b = encode(e, 5, &len, &st, &err);
  sweep(b, len, "mixed vector");
  free(b);

  b = encode(e, 0, &len, &st, &err);
  sweep(b, len, "empty vector");
  free(b);

  e[0] = num("x", 1e300);
  b = encode(e, 1, &len, &st, &err);
  sweep(b, len, "one numeric");
  free(b);

  memset(long_name, 'q', FV_MAX_NAME);
  long_name[FV_MAX_NAME] = 0;
  e[0] = missing("m");
  e[1] = cat("c", "category");
  e[2] = num("n", 5e-324);
  e[3] = cat("zz", "");
  e[4] = missing("zzz");
  e[5] = num(long_name, 42);
  e[5].name_len = FV_MAX_NAME;
  b = encode(e, 6, &len, &st, &err);
  sweep(b, len, "long name, missings");
  free(b);
}

/* Random multi-byte damage (fixed seed): never a crash, OK only when it
** re-encodes to itself. */
static void test_random_damage(void) {
  fv_entry e[4];
  size_t len, accepted = 0;
  om_status st;
  om_err err;
  uint8_t *b;
  uint64_t s = 0x9e3779b97f4a7c15ull;
  e[0] = num("a", 1);
  e[1] = num("b", 2);
  e[2] = cat("c", "x");
  e[3] = missing("d");
  b = encode(e, 4, &len, &st, &err);
  for (int iter = 0; iter < 20000; iter++) {
    size_t n = len;
    uint8_t *t;
    int edits;
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    edits = 1 + (int)((s >> 33) % 6);
    if ((s >> 20) % 4 == 0) n = (size_t)((s >> 40) % (len + 16));
    t = malloc(n ? n : 1);
    for (size_t i = 0; i < n; i++) t[i] = i < len ? b[i] : (uint8_t)(s >> (i % 56));
    for (int k = 0; k < edits && n > 0; k++) {
      s = s * 6364136223846793005ull + 1442695040888963407ull;
      t[(s >> 33) % n] = (uint8_t)(s >> 17);
    }
    if (validate_and_roundtrip(t, n, "random damage", (size_t)iter) == OM_OK) accepted++;
    free(t);
  }
  printf("random damage: 20000 variants, %zu still well formed (re-encode checked)\n", accepted);
  free(b);
}

static void test_oom(void) {
  long start = om_test_alloc_live;
  int succeeded = 0;
  for (long k = 1; k < 50 && !succeeded; k++) {
    fv_entry e[3];
    om_wbuf w;
    om_err err;
    om_status st;
    e[0] = num("b", 1);
    e[1] = cat("a", "x");
    e[2] = missing("c");
    om_test_alloc_reset();
    om_wbuf_init(&w);
    om_test_alloc_fail_at = k;
    st = fv_encode(e, 3, &w, &err);
    om_test_alloc_fail_at = 0;
    if (st == OM_OK) succeeded = 1;
    else {
      CHECK_MSG(st == OM_NOMEM, "failing allocation %ld: status %d", k, st);
      CHECK_STR(err.msg, "out of memory");
    }
    om_wbuf_free(&w);
    CHECK_MSG(om_test_alloc_live == start, "failing allocation %ld: leak", k);
  }
  CHECK(succeeded);
  om_test_alloc_reset();
}

int main(void) {
  test_hash();
  test_name_cmp();
  test_bytes();
  test_roundtrip_and_sort();
  test_encode_errors();
  test_sort_bound();
  test_count_limits();
  test_decode_errors();
  test_sweeps();
  test_random_damage();
  test_oom();
  return om_test_finish();
}
