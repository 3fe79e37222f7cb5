/*
** fuzz_fv.c — libFuzzer target for the feature-vector BLOB decoder and the
** flat-JSON reader (ext/core/base/fv.h, om_json.h).  How to build and run:
** tests/fuzz/README.md.
**
** Each input is used two ways:
**   1. As a feature-vector BLOB: fv_validate, then the fv_open/fv_next walk
**      and the JSON rendering feature_vector_json() does.  Every name the
**      decoder yields is valid UTF-8 without NUL (om_utf8_check; fv.h 1c),
**      even from a BLOB that later turns out corrupt.  When the BLOB is
**      valid: it re-encodes to exactly the same bytes, the rendered JSON is
**      valid UTF-8 and reads back (om_json_parse_flat) with the same names,
**      in order, and the same values.
**   2. As JSON text for feature_vector('{...}'): om_json_parse_flat; when it
**      parses, every key is valid UTF-8 without NUL, the sorted index
**      (obj.order) is a permutation in strictly increasing key order (so no
**      duplicates), om_json_obj_get finds each member, the comparisons stay
**      within n*ceil(log2 n) + n, and the members encoded as feature_vector()
**      does (in key order) validate, or are refused by fv_encode with
**      OM_INVALID.
** Any crash, sanitizer report or failed property aborts.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fv.h"
#include "om_json.h"
#include "om_text.h"

#define FUZZ_ASSERT(c)                                                                                               \
  do {                                                                                                               \
    if (!(c)) {                                                                                                      \
      fprintf(stderr, "fuzz_fv: property failed at line %d: %s\n", __LINE__, #c);                                    \
      abort();                                                                                                       \
    }                                                                                                                \
  } while (0)

static fv_entry entries[FV_MAX_COUNT];

static void render(const uint8_t *data, size_t size, om_wbuf *w, size_t *count) {
  fv_reader it;
  fv_entry e;
  om_err err;
  om_status st;
  om_jw j;
  *count = 0;
  if (fv_open(&it, data, size, &err) != OM_OK) return;
  om_jw_init(&j, w);
  om_jw_begin_object(&j);
  while (fv_next(&it, &e, &st, &err)) {
    entries[(*count)++] = e;
    FUZZ_ASSERT(om_utf8_check(e.name, e.name_len) == e.name_len);
    om_jw_key_n(&j, e.name, e.name_len);
    if (e.type == FV_NUMERIC) om_jw_double(&j, e.num);
    else if (e.type == FV_CATEGORICAL) {
      char buf[24];
      snprintf(buf, sizeof buf, "xxh3:%016llx", (unsigned long long)e.cat);
      om_jw_string(&j, buf);
    } else om_jw_null(&j);
  }
  om_jw_end_object(&j);
}

static void as_blob(const uint8_t *data, size_t size) {
  om_err err;
  om_wbuf w, again;
  size_t count;
  om_status st = fv_validate(data, size, &err);
  FUZZ_ASSERT(st == OM_OK || st == OM_CORRUPT || st == OM_UNSUPPORTED_VERSION);
  om_wbuf_init(&w);
  render(data, size, &w, &count);
  if (st == OM_OK) {
    om_json_obj o;
    FUZZ_ASSERT(om_wbuf_status(&w) == OM_OK);
    om_wbuf_init(&again);
    FUZZ_ASSERT(fv_encode(entries, count, &again, &err) == OM_OK);
    FUZZ_ASSERT(again.len == size && memcmp(again.data, data, size) == 0);
    om_wbuf_free(&again);
    FUZZ_ASSERT(om_utf8_check((const char *)w.data, w.len) == w.len);
    FUZZ_ASSERT(om_json_parse_flat((const char *)w.data, w.len, &o, &err) == OM_OK);
    FUZZ_ASSERT(o.count == count);
    for (size_t i = 0; i < count; i++) {
      const om_json_member *m = &o.members[i];
      FUZZ_ASSERT(m->key_len == entries[i].name_len && memcmp(m->key, entries[i].name, m->key_len) == 0);
      FUZZ_ASSERT(o.order[i] == i); /* the BLOB was in name order already */
      if (entries[i].type == FV_NUMERIC) FUZZ_ASSERT(m->type == OM_JSON_NUMBER && m->num == entries[i].num);
      else if (entries[i].type == FV_CATEGORICAL) FUZZ_ASSERT(m->type == OM_JSON_STRING && m->str_len == 21);
      else FUZZ_ASSERT(m->type == OM_JSON_NULL);
    }
    om_json_obj_free(&o);
  }
  om_wbuf_free(&w);
}

static void as_json(const uint8_t *data, size_t size) {
  om_json_obj o;
  om_err err;
  om_wbuf w;
  om_status st = om_json_parse_flat((const char *)data, size, &o, &err);
  FUZZ_ASSERT(st == OM_OK || st == OM_INVALID);
  if (st != OM_OK) return;
  FUZZ_ASSERT(o.count <= size);
  {
    size_t lg = 0;
    while (((size_t)1 << lg) < o.count) lg++;
    FUZZ_ASSERT(o.key_compares <= o.count * lg + o.count);
    FUZZ_ASSERT(o.count == 0 || o.order);
  }
  for (size_t i = 0; i < o.count; i++) {
    const om_json_member *m = &o.members[i], *s = &o.members[o.order[i]];
    FUZZ_ASSERT(o.order[i] < o.count);
    FUZZ_ASSERT(m->key[m->key_len] == 0);
    FUZZ_ASSERT(om_utf8_check(m->key, m->key_len) == m->key_len);
    if (i > 0) {
      const om_json_member *p = &o.members[o.order[i - 1]];
      FUZZ_ASSERT(fv_name_cmp(p->key, p->key_len, s->key, s->key_len) < 0);
    }
    FUZZ_ASSERT(om_json_obj_get(&o, m->key) == m);
  }
  for (size_t i = 0; i < o.count && i < FV_MAX_COUNT; i++) {
    const om_json_member *m = &o.members[o.order[i]]; /* key order, as feature_vector() */
    fv_entry *e = &entries[i];
    e->name = m->key;
    e->name_len = m->key_len;
    e->num = 0;
    e->cat = 0;
    if (m->type == OM_JSON_NULL) e->type = FV_MISSING;
    else if (m->type == OM_JSON_NUMBER) {
      e->type = FV_NUMERIC;
      e->num = m->is_int ? (double)m->inum : m->num;
    } else {
      FUZZ_ASSERT(m->str[m->str_len] == 0);
      e->type = FV_CATEGORICAL;
      e->cat = fv_hash_category(m->str, m->str_len);
    }
  }
  om_wbuf_init(&w);
  if (o.count <= FV_MAX_COUNT) {
    st = fv_encode(entries, o.count, &w, &err);
    FUZZ_ASSERT(st == OM_OK || st == OM_INVALID);
    if (st == OM_OK) FUZZ_ASSERT(fv_validate(w.data, w.len, &err) == OM_OK);
  }
  om_wbuf_free(&w);
  om_json_obj_free(&o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  as_blob(data, size);
  as_json(data, size);
  return 0;
}
