/*
** feature_vector.c — feature_vector() and feature_vector_json().
**
**   SELECT feature_vector('threads', 8, 'host', 'web-3', 'mem_gb', NULL);
**   SELECT feature_vector(json_object('threads', 8, 'host', 'web-3'));
**   SELECT feature_vector_json(feature_vector('a', 1.5, 'h', 'x'));
**      -- {"a":1.5,"h":"xxh3:…"}
**
** Behaviours (docs/feature_vector.md):
**   1. Arguments are name/value pairs; names are TEXT, unique, 1..255 bytes,
**      valid UTF-8 without NUL (fv_check_name; they are written back as JSON
**      keys by feature_vector_json and model_info).
**   2. INTEGER and REAL values are numeric; TEXT values are categorical and
**      stored only as their XXH3-64 hash (seed 0), so any bytes are fine in
**      a value; NULL is a missing value.  A BLOB value, a non-finite REAL, a
**      non-TEXT or non-UTF-8 name, a duplicate name or an odd number of
**      arguments is an error naming the argument.
**   3. One TEXT argument holding a JSON object builds the same vector from its
**      members (number → numeric, string → categorical, null → missing,
**      true/false → 1/0); nested values, keys that are not valid UTF-8 and
**      numbers that overflow a double (1e999) are errors.  One NULL argument
**      gives NULL.
**   4. The result's entries are sorted by name (fv.h), so the same features
**      in any order give the same BLOB.  Every step is O(n log n) in the
**      number of features: the JSON reader sorts an index of the keys (and
**      finds duplicates there), the entries are filled in that order, so
**      fv_encode's sort sees sorted input (n - 1 comparisons).  65,535 keys
**      take milliseconds; nothing long is left to interrupt.
**   5. Per row, nothing is allocated after the first row: the entry array and
**      output buffer are per-statement scratch (auxdata).
**   6. feature_vector_json(fv) renders a vector as a JSON object in name
**      order; categoricals appear as "xxh3:<16 hex digits>"; NULL gives NULL;
**      a non-BLOB or corrupt BLOB is an error.
*/
#include <math.h>
#include <string.h>

#include "core/base/fv.h"
#include "core/base/om_json.h"
#include "core/base/om_text.h"
#include "omen_ext.h"

typedef struct fv_scratch {
  fv_entry *entries;
  size_t cap;
  om_wbuf out;
} fv_scratch;

static void fv_scratch_free(void *p) {
  fv_scratch *s = p;
  sqlite3_free(s->entries);
  om_wbuf_free(&s->out);
  sqlite3_free(s);
}

static fv_scratch *fv_scratch_get(sqlite3_context *ctx, size_t need) {
  fv_scratch *s = sqlite3_get_auxdata(ctx, OMEN_AUX_FV_SCRATCH);
  if (!s) {
    s = sqlite3_malloc(sizeof *s);
    if (!s) return NULL;
    memset(s, 0, sizeof *s);
    sqlite3_set_auxdata(ctx, OMEN_AUX_FV_SCRATCH, s, fv_scratch_free);
    s = sqlite3_get_auxdata(ctx, OMEN_AUX_FV_SCRATCH);
    if (!s) return NULL;
  }
  if (need > s->cap) {
    size_t cap = need < 16 ? 16 : need;
    fv_entry *e = sqlite3_realloc64(s->entries, cap * sizeof *e);
    if (!e) return NULL;
    s->entries = e;
    s->cap = cap;
  }
  om_wbuf_reset(&s->out);
  return s;
}

/* Encode; fv_encode checks every name once (fv_check_name).  For the pair
** form (argv != NULL), a name it refuses is reported with its argument
** number, found again only then. */
static void fv_result(sqlite3_context *ctx, fv_scratch *s, size_t n, int argc, sqlite3_value **argv) {
  om_err err;
  om_status st = fv_encode(s->entries, n, &s->out, &err);
  if (st == OM_INVALID && argv) {
    for (int i = 0; i + 1 < argc; i += 2) {
      const char *name = (const char *)sqlite3_value_text(argv[i]);
      size_t len = (size_t)sqlite3_value_bytes(argv[i]);
      if (name && om_utf8_check(name, len) != len) {
        char what[48];
        sqlite3_snprintf(sizeof what, what, "feature name (argument %d)", i + 1);
        fv_check_name(name, len, what, &err);
        break;
      }
    }
  }
  if (st != OM_OK) {
    omen_result_status(ctx, "feature_vector", st, &err);
    return;
  }
  sqlite3_result_blob64(ctx, s->out.data, s->out.len, SQLITE_TRANSIENT);
}

static void fv_from_json(sqlite3_context *ctx, sqlite3_value *arg) {
  om_json_obj o;
  om_err err;
  om_status st;
  fv_scratch *s;
  const char *text = (const char *)sqlite3_value_text(arg);
  int n = sqlite3_value_bytes(arg);
  if (!text) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  st = om_json_parse_flat(text, (size_t)n, &o, &err);
  if (st != OM_OK) {
    if (st == OM_NOMEM) sqlite3_result_error_nomem(ctx);
    else omen_errorf(ctx, "feature_vector", "argument 1 is not a flat JSON object: %s", err.msg);
    return;
  }
  s = fv_scratch_get(ctx, o.count);
  if (!s) {
    sqlite3_result_error_nomem(ctx);
    goto done;
  }
  for (size_t i = 0; i < o.count; i++) {
    const om_json_member *m = &o.members[o.order[i]]; /* in key order (behaviour 4) */
    fv_entry *e = &s->entries[i];
    e->name = m->key;
    e->name_len = m->key_len;
    e->num = 0;
    e->cat = 0;
    switch (m->type) {
    case OM_JSON_NULL: e->type = FV_MISSING; break;
    case OM_JSON_NUMBER:
      e->type = FV_NUMERIC;
      e->num = m->is_int ? (double)m->inum : m->num;
      if (!isfinite(e->num)) { /* 1e999 reads as Inf (om_json.h behaviour 7) */
        omen_errorf(ctx, "feature_vector", "value of \"%s\" in the JSON object is not a finite number", m->key);
        goto done;
      }
      break;
    case OM_JSON_STRING:
      e->type = FV_CATEGORICAL;
      e->cat = fv_hash_category(m->str, m->str_len);
      break;
    }
  }
  fv_result(ctx, s, o.count, 0, NULL);
done:
  om_json_obj_free(&o);
}

void featureVectorFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  fv_scratch *s;
  int i;
  if (argc == 1) {
    switch (sqlite3_value_type(argv[0])) {
    case SQLITE_NULL: return; /* NULL in, NULL out */
    case SQLITE_TEXT: fv_from_json(ctx, argv[0]); return;
    default:
      omen_errorf(ctx, "feature_vector", "argument 1 is %s; expected a JSON object as TEXT, or name/value pairs",
                  omen_type_name(argv[0]));
      return;
    }
  }
  if (argc == 0 || argc % 2 != 0) {
    omen_errorf(ctx, "feature_vector",
                "got %d arguments; expected name/value pairs (an even number) or one JSON object", argc);
    return;
  }
  s = fv_scratch_get(ctx, (size_t)argc / 2);
  if (!s) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  for (i = 0; i < argc; i += 2) {
    fv_entry *e = &s->entries[i / 2];
    sqlite3_value *name = argv[i], *val = argv[i + 1];
    if (sqlite3_value_type(name) != SQLITE_TEXT) {
      omen_errorf(ctx, "feature_vector", "argument %d (a feature name) is %s; expected TEXT", i + 1,
                  omen_type_name(name));
      return;
    }
    e->name = (const char *)sqlite3_value_text(name);
    e->name_len = (size_t)sqlite3_value_bytes(name);
    if (!e->name) {
      sqlite3_result_error_nomem(ctx);
      return;
    }
    e->num = 0;
    e->cat = 0;
    switch (sqlite3_value_type(val)) {
    case SQLITE_INTEGER:
      e->type = FV_NUMERIC;
      e->num = (double)sqlite3_value_int64(val);
      break;
    case SQLITE_FLOAT:
      e->type = FV_NUMERIC;
      e->num = sqlite3_value_double(val);
      if (!isfinite(e->num)) {
        omen_errorf(ctx, "feature_vector", "value of \"%.*s\" (argument %d) is not a finite number",
                    (int)e->name_len, e->name, i + 2);
        return;
      }
      break;
    case SQLITE_TEXT: {
      const char *t = (const char *)sqlite3_value_text(val);
      if (!t) {
        sqlite3_result_error_nomem(ctx);
        return;
      }
      e->type = FV_CATEGORICAL;
      e->cat = fv_hash_category(t, (size_t)sqlite3_value_bytes(val));
      break;
    }
    case SQLITE_NULL: e->type = FV_MISSING; break;
    default:
      if (om_utf8_check(e->name, e->name_len) != e->name_len) { /* the name's error comes first */
        char what[48];
        om_err err;
        sqlite3_snprintf(sizeof what, what, "feature name (argument %d)", i + 1);
        fv_check_name(e->name, e->name_len, what, &err);
        omen_errorf(ctx, "feature_vector", "%s", err.msg);
        return;
      }
      omen_errorf(ctx, "feature_vector", "value of \"%.*s\" (argument %d) is a BLOB; expected INTEGER, REAL, TEXT or NULL",
                  (int)e->name_len, e->name, i + 2);
      return;
    }
  }
  fv_result(ctx, s, (size_t)argc / 2, argc, argv);
}

void featureVectorJsonFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  fv_reader it;
  fv_entry e;
  om_err err;
  om_status st;
  om_wbuf *w;
  om_jw j;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return;
  if (sqlite3_value_type(argv[0]) != SQLITE_BLOB) {
    omen_errorf(ctx, "feature_vector_json", "argument 1 is %s; expected a feature vector (a BLOB made by feature_vector())",
                omen_type_name(argv[0]));
    return;
  }
  w = omen_out_scratch(ctx);
  if (!w) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  st = fv_open(&it, sqlite3_value_blob(argv[0]), (size_t)sqlite3_value_bytes(argv[0]), &err);
  if (st != OM_OK) {
    omen_result_status(ctx, "feature_vector_json", st, &err);
    return;
  }
  om_jw_init(&j, w);
  om_jw_begin_object(&j);
  while (fv_next(&it, &e, &st, &err)) {
    om_jw_key_n(&j, e.name, e.name_len);
    if (e.type == FV_NUMERIC) om_jw_double(&j, e.num);
    else if (e.type == FV_CATEGORICAL) {
      char buf[24];
      sqlite3_snprintf(sizeof buf, buf, "xxh3:%016llx", (unsigned long long)e.cat);
      om_jw_string(&j, buf);
    } else om_jw_null(&j);
  }
  om_jw_end_object(&j);
  if (st != OM_OK) {
    omen_result_status(ctx, "feature_vector_json", st, &err);
    return;
  }
  if (om_wbuf_status(w) != OM_OK) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  sqlite3_result_text64(ctx, (const char *)w->data, w->len, SQLITE_TRANSIENT, SQLITE_UTF8);
}
