/*
** test_st_assign.c — experiment assignment: hashing, layout, pick (st_assign.h).
**
** 1. st_ab_hash against python3-xxhash values (computed with the message rule
**    of fixtures/ab/make_ab.py), and against XXH3_64bits of the message built
**    by hand for every field length around the 512-byte stack buffer (the
**    one-call and streamed paths must give the message's hash).
** 2. st_ab_position is (hash >> 11) * 2^-53.
** 3. Layout parsing: name order, running sums, last positive variant, -0;
**    every error message; an OOM loop (NOMEM, no leak).
** 4. st_ab_pick: exact boundaries, zero weights, a running total short of 1,
**    and the binary search against a linear scan on random layouts.
*/
#include <stdlib.h>
#include <xxhash.h>

#include "om_test.h"
#include "st_assign.h"

static void test_hash_reference(void) {
  /* /usr/bin/python3 with xxhash 3.0.0 (libxxhash 0.8.1). */
  const uint8_t u42[8] = {42, 0, 0, 0, 0, 0, 0, 0};
  char *u = malloc(600), *e = malloc(300), *s = malloc(200);
  CHECK(st_ab_hash("checkout-v2", 11, "", 0, "user-17", 7) == 0xf4550b0a146319a6ull);
  CHECK(st_ab_position("checkout-v2", 11, "", 0, "user-17", 7) == 0.9544226550682534);
  CHECK(st_ab_hash(NULL, 0, NULL, 0, NULL, 0) == 0xd0a66a65c7528968ull);
  CHECK(st_ab_position("", 0, "", 0, "", 0) == 0.8150393007738989);
  CHECK(st_ab_hash("exp", 3, "salt", 4, u42, 8) == 0x818c384934b3ca01ull);
  CHECK(st_ab_position("exp", 3, "salt", 4, u42, 8) == 0.5060458353734268);
  memset(u, 'u', 600);
  memset(e, 'e', 300);
  memset(s, 's', 200);
  CHECK(st_ab_hash(e, 300, s, 200, u, 600) == 0x14106512e7723f8cull); /* streamed */
  CHECK(st_ab_position(e, 300, s, 200, u, 600) == 0.07837516509557296);
  free(u);
  free(e);
  free(s);
}

/* The message of st_assign.h behaviour 1, built by hand. */
static uint64_t hash_by_hand(const uint8_t *e, size_t en, const uint8_t *s, size_t sn, const uint8_t *u, size_t un) {
  uint8_t *m = malloc(16 + en + sn + un);
  size_t k = 0;
  uint64_t h;
  for (int b = 0; b < 8; b++) m[k++] = (uint8_t)((uint64_t)en >> (8 * b));
  memcpy(m + k, e, en);
  k += en;
  for (int b = 0; b < 8; b++) m[k++] = (uint8_t)((uint64_t)sn >> (8 * b));
  memcpy(m + k, s, sn);
  k += sn;
  memcpy(m + k, u, un);
  k += un;
  h = XXH3_64bits(m, k);
  free(m);
  return h;
}

static void test_hash_paths(void) {
  uint8_t buf[1400];
  uint64_t st = 7;
  int bad = 0, n = 0;
  for (size_t i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)(om_test_unif(&st) * 256);
  /* Total lengths 16 + en + sn + un from 16 to ~1100, densely around 512. */
  for (size_t en = 0; en <= 520; en += 13)
    for (size_t sn = 0; sn <= 40; sn += 20)
      for (size_t un = 0; un <= 560; un += (un > 440 && un < 520) ? 1 : 37) {
        uint64_t want = hash_by_hand(buf, en, buf + 600, sn, buf + 650, un);
        uint64_t got = st_ab_hash(buf, en, buf + 600, sn, buf + 650, un);
        n++;
        if (got != want) bad++;
        if (st_ab_position(buf, en, buf + 600, sn, buf + 650, un) != (double)(want >> 11) * 0x1.0p-53) bad++;
      }
  CHECK_MSG(bad == 0 && n > 1000, "%d of %d lengths disagree", bad, n);
  /* Unambiguous fields. */
  CHECK(st_ab_hash("ab", 2, "c", 1, "d", 1) != st_ab_hash("a", 1, "bc", 2, "d", 1));
  CHECK(st_ab_hash("a", 1, "b", 1, "cd", 2) != st_ab_hash("a", 1, "bc", 2, "d", 1));
}

static om_status parse(const char *json, st_ab_layout *l, om_err *e) {
  return st_ab_layout_parse(json, strlen(json), l, e);
}

static void test_layout(void) {
  st_ab_layout l;
  om_err e;
  long live = om_test_alloc_live;
  CHECK(parse("{\"c\": 0.2, \"a\": 0.5, \"B\": 0.3}", &l, &e) == OM_OK);
  CHECK(l.count == 3);
  CHECK_STR(l.v[0].name, "B");
  CHECK_STR(l.v[1].name, "a");
  CHECK_STR(l.v[2].name, "c");
  CHECK(l.v[0].upper == 0.3 && l.v[1].upper == 0.3 + 0.5 && l.v[2].upper == 0.3 + 0.5 + 0.2);
  CHECK(l.v[1].weight == 0.5 && l.v[1].name_len == 1);
  CHECK(l.last == 2);
  st_ab_layout_free(&l);

  CHECK(parse("{\"A\": 1, \"B\": -0.0, \"C\": 0}", &l, &e) == OM_OK);
  CHECK(l.last == 0 && l.v[1].weight == 0 && !signbit(l.v[1].weight) && l.v[2].upper == 1);
  st_ab_layout_free(&l);

  CHECK(parse("{\"caf\\u00e9\": 1}", &l, &e) == OM_OK);
  CHECK(l.count == 1 && l.v[0].name_len == 5 && memcmp(l.v[0].name, "caf\xc3\xa9", 5) == 0);
  st_ab_layout_free(&l);
  CHECK(om_test_alloc_live == live);

  {
    static const struct {
      const char *json, *msg;
    } bad[] = {
      {"[1]", "expected a JSON object"},
      {"", "expected a JSON object"},
      {"{}", "the object is empty; expected at least one variant, e.g. {\"A\": 0.5, \"B\": 0.5}"},
      {"{\"\": 1}", "a variant name is empty"},
      {"{\"A\": \"1\"}", "weight of \"A\" is a string; expected a number >= 0"},
      {"{\"A\": null, \"B\": 1}", "weight of \"A\" is null; expected a number >= 0"},
      {"{\"A\": true}", "weight of \"A\" is true; expected a number >= 0"},
      {"{\"A\": false, \"B\": 1}", "weight of \"A\" is false; expected a number >= 0"},
      {"{\"A\": -1e-300, \"B\": 1}", "weight of \"A\" is -1e-300; expected a number >= 0"},
      {"{\"A\": 1e999}", "weight of \"A\" is not a finite number"},
      {"{\"A\": -1e999, \"B\": 1}", "weight of \"A\" is not a finite number"},
      {"{\"A\": 0.5, \"A\": 0.5}", "duplicate key \"A\""},
      {"{\"A\": 0.5}", "the sum is 0.5; expected 1 (within 1e-9)"},
      {"{\"A\": 0.5, \"B\": 0.500000001001}", "the sum is 1.000000001001; expected 1 (within 1e-9)"},
      {"{\"A\": 60, \"B\": 40}", "the sum is 100; expected 1 (within 1e-9); weights are fractions, not percentages"},
      {"{\"A\": 1.7e308, \"B\": 1.7e308}", "the sum is inf; expected 1 (within 1e-9)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
      memset(&l, 0x5a, sizeof l);
      CHECK_MSG(parse(bad[i].json, &l, &e) == OM_INVALID, "%s", bad[i].json);
      CHECK_STR(e.msg, bad[i].msg);
      CHECK(l.v == NULL && l.count == 0); /* zeroed on failure */
      CHECK(om_test_alloc_live == live);
    }
  }
  /* Within the tolerance: accepted, with the running sums as they are. */
  CHECK(parse("{\"A\": 0.5, \"B\": 0.4999999991}", &l, &e) == OM_OK);
  st_ab_layout_free(&l);
  CHECK(parse("{\"A\": 0.5, \"B\": 0.5000000009}", &l, &e) == OM_OK);
  st_ab_layout_free(&l);
  st_ab_layout_free(NULL);
}

static void test_oom(void) {
  const char *json = "{\"t2\": 0.25, \"control\": 0.5, \"t1\": 0.25}";
  long start = om_test_alloc_live;
  int ok = 0;
  for (long k = 1; k < 50 && !ok; k++) {
    st_ab_layout l;
    om_err e;
    om_status st;
    om_test_alloc_reset();
    om_test_alloc_fail_at = k;
    st = parse(json, &l, &e);
    om_test_alloc_fail_at = 0;
    if (st == OM_OK) {
      ok = 1;
      CHECK(l.count == 3 && strcmp(l.v[0].name, "control") == 0);
      st_ab_layout_free(&l);
    } else {
      CHECK_MSG(st == OM_NOMEM, "allocation %ld: status %d (%s)", k, st, e.msg);
    }
    CHECK_MSG(om_test_alloc_live == start, "allocation %ld: %ld blocks leaked", k, om_test_alloc_live - start);
  }
  CHECK(ok);
}

static size_t pick_linear(const st_ab_layout *l, double u) {
  for (size_t i = 0; i < l->count; i++)
    if (u < l->v[i].upper) return i;
  return l->last;
}

static void test_pick(void) {
  st_ab_layout l;
  om_err e;
  CHECK(parse("{\"A\": 0.25, \"B\": 0, \"C\": 0.25, \"D\": 0.5}", &l, &e) == OM_OK);
  CHECK(st_ab_pick(&l, 0.0) == 0);
  CHECK(st_ab_pick(&l, nextafter(0.25, 0)) == 0);
  CHECK(st_ab_pick(&l, 0.25) == 2); /* B is empty: [0.25, 0.25) */
  CHECK(st_ab_pick(&l, nextafter(0.5, 0)) == 2);
  CHECK(st_ab_pick(&l, 0.5) == 3);
  CHECK(st_ab_pick(&l, 1.0 - 0x1.0p-53) == 3);
  st_ab_layout_free(&l);

  /* The total falls short of 1 and the last variant has weight 0: positions
  ** past the total go to the last variant with a positive weight. */
  CHECK(parse("{\"A\": 0.5, \"B\": 0.4999999995, \"C\": 0}", &l, &e) == OM_OK);
  CHECK(l.last == 1);
  CHECK(st_ab_pick(&l, 0.9999999996) == 1);
  CHECK(st_ab_pick(&l, 1.0 - 0x1.0p-53) == 1);
  CHECK(st_ab_pick(&l, 0.49) == 0);
  st_ab_layout_free(&l);

  /* Zero-weight first and last variants are never picked. */
  CHECK(parse("{\"A\": 0, \"B\": 1, \"C\": 0}", &l, &e) == OM_OK);
  CHECK(st_ab_pick(&l, 0.0) == 1 && st_ab_pick(&l, 0.999) == 1 && st_ab_pick(&l, 1.0 - 0x1.0p-53) == 1);
  st_ab_layout_free(&l);

  /* Binary search = linear scan on random layouts (some zero weights). */
  {
    uint64_t rs = 99;
    int bad = 0;
    for (int t = 0; t < 300; t++) {
      int k = 1 + (int)(om_test_unif(&rs) * 40);
      char json[4096];
      double w[64], sum = 0;
      size_t n = 0;
      for (int i = 0; i < k; i++) {
        w[i] = om_test_unif(&rs) < 0.2 ? 0 : om_test_unif(&rs);
        sum += w[i];
      }
      if (sum == 0) continue;
      n += (size_t)snprintf(json + n, sizeof json - n, "{");
      for (int i = 0; i < k; i++)
        n += (size_t)snprintf(json + n, sizeof json - n, "%s\"v%02d\": %.17g", i ? ", " : "", (k * 7 + i * 13) % 100,
                              w[i] / sum);
      snprintf(json + n, sizeof json - n, "}");
      if (parse(json, &l, &e) != OM_OK) { /* duplicate names from the modulus: skip */
        continue;
      }
      for (int j = 0; j < 200; j++) {
        double u = (double)(uint64_t)(om_test_unif(&rs) * 0x1.0p53) * 0x1.0p-53;
        size_t p = st_ab_pick(&l, u);
        if (p != pick_linear(&l, u) || l.v[p].weight <= 0) bad++;
        for (size_t i = 0; i < l.count; i++) { /* exact boundaries too */
          double b = l.v[i].upper;
          if (b < 1 && (st_ab_pick(&l, b) != pick_linear(&l, b) || l.v[st_ab_pick(&l, b)].weight <= 0)) bad++;
        }
      }
      st_ab_layout_free(&l);
    }
    CHECK_MSG(bad == 0, "%d picks differ", bad);
  }
}

int main(void) {
  test_hash_reference();
  test_hash_paths();
  test_layout();
  test_oom();
  test_pick();
  CHECK(om_test_alloc_live == 0);
  return om_test_finish();
}
