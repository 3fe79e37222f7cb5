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
**      output buffer are per-statement scratch (auxdata).  The pair form
**      remembers up to 8 name sets per statement (at most 64 built) that
**      encoded once, so were valid and unique, with their order and a BLOB
**      template; a row whose names equal one byte for byte reads only its
**      values (same checks, messages and argument order) and fills in the
**      template.  A call site whose name arguments are all constants (proved
**      by auxdata markers that survive a row) skips reading the names too.
**      Any other row takes the full path, so output and errors never depend
**      on the cache (tests/sql/feature_vector_cache.sql).
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

/* A remembered name set (behaviour 5): the names of one pair-form call that
** encoded successfully, so they are known valid and unique, with their
** order.  One allocation: the struct, then len/noff/order, then tmpl. */
typedef struct fv_site {
  uint64_t id;     /* unique within its scratch, for fv_token */
  int argc;        /* arguments of the call: 2 * n */
  size_t n;        /* pairs */
  size_t fixed;    /* bytes of tmpl: the BLOB with no value bytes */
  uint32_t *len;   /* [n] name length, argument order */
  uint32_t *noff;  /* [n] offset of the name's bytes in tmpl, argument order */
  uint32_t *order; /* [n] pair index of the k-th entry in name order */
  uint8_t *tmpl;   /* header (count filled in), then per entry in name order:
                   ** type byte (rewritten per row), 0, u16 length, name */
} fv_site;

#define FV_SITES 8        /* name sets remembered per statement */
#define FV_SITE_BUILDS 64 /* sets built per statement before it stops adding */
#define FV_TOKENS 16      /* call-site tokens made per statement before it stops */

/* A call site's note (auxdata on its argument 0, behaviour 5): which
** remembered set its names were last, and whether every name argument is a
** constant.  SQLite keeps auxdata on an argument only while the argument
** keeps its value, so a marker set on each name argument that is still there
** a row later proves that argument constant, and constancy is fixed for the
** call site until the statement is reset, which drops the note too. */
typedef struct fv_token {
  const struct fv_scratch *scratch; /* the scratch that owns the set */
  int slot;                         /* its index in scratch->sites */
  uint64_t id;                      /* its id, so a replaced set is noticed */
  int constant;                     /* 0 unknown, 1 all names constant, -1 not */
} fv_token;

typedef struct fv_scratch {
  fv_entry *entries;
  size_t cap;
  om_wbuf out;
  fv_site *sites[FV_SITES]; /* remembered name sets, NULL when unused */
  int last;                 /* slot that matched last, tried first */
  int next;                 /* slot the next new set replaces */
  int builds;               /* sets built so far in this statement */
  int tokens;               /* fv_tokens made so far in this statement */
  uint64_t ids;             /* last fv_site id given */
} fv_scratch;

static void fv_scratch_free(void *p) {
  fv_scratch *s = p;
  for (int i = 0; i < FV_SITES; i++) sqlite3_free(s->sites[i]);
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
static int fv_result(sqlite3_context *ctx, fv_scratch *s, size_t n, int argc, sqlite3_value **argv) {
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
    return 0;
  }
  sqlite3_result_blob64(ctx, s->out.data, s->out.len, SQLITE_TRANSIENT);
  return 1;
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
  (void)fv_result(ctx, s, o.count, 0, NULL);
done:
  om_json_obj_free(&o);
}

/* Remember the names of a pair-form call that just encoded successfully
** (so they are TEXT, valid and unique); returns it, or NULL: failing to
** allocate only means not remembering. */
static fv_site *fv_site_add(fv_scratch *s, int argc, sqlite3_value **argv) {
  size_t n = (size_t)argc / 2, names = 0, k, head = (sizeof(fv_site) + 7) & ~(size_t)7;
  fv_site *site;
  uint8_t *p;
  for (k = 0; k < n; k++) {
    fv_entry *e = &s->entries[k];
    e->name = (const char *)sqlite3_value_text(argv[2 * k]);
    e->name_len = (size_t)sqlite3_value_bytes(argv[2 * k]);
    if (!e->name) return NULL;
    e->cat = k; /* the pair index rides along through the sort */
    names += e->name_len;
  }
  fv_sort(s->entries, n);
  site = sqlite3_malloc64(head + 3 * n * sizeof(uint32_t) + FV_HEADER_SIZE + 4 * n + names);
  if (!site) return NULL;
  s->builds++;
  site->id = ++s->ids;
  site->argc = argc;
  site->n = n;
  site->fixed = FV_HEADER_SIZE + 4 * n + names;
  site->len = (uint32_t *)((uint8_t *)site + head);
  site->noff = site->len + n;
  site->order = site->noff + n;
  site->tmpl = (uint8_t *)(site->order + n);
  p = site->tmpl;
  memcpy(p, "OMFV", 4); /* the header fv_write_header writes */
  p[4] = FV_VERSION;
  p[5] = 0;
  om_store_u16(p + 6, (uint16_t)n);
  p += FV_HEADER_SIZE;
  for (k = 0; k < n; k++) {
    const fv_entry *e = &s->entries[k];
    size_t a = (size_t)e->cat;
    site->order[k] = (uint32_t)a;
    site->len[a] = (uint32_t)e->name_len;
    p[0] = 0;
    p[1] = 0;
    om_store_u16(p + 2, (uint16_t)e->name_len);
    memcpy(p + 4, e->name, e->name_len);
    site->noff[a] = (uint32_t)(p + 4 - site->tmpl);
    p += 4 + e->name_len;
  }
  sqlite3_free(s->sites[s->next]);
  s->sites[s->next] = site;
  s->last = s->next;
  s->next = (s->next + 1) % FV_SITES;
  return site;
}

/* The remembered set whose names equal this call's, byte for byte, or NULL
** (also when a name is not TEXT: the full path reports that).  Fills
** s->entries[k].name/name_len in argument order. */
static fv_site *fv_site_find(fv_scratch *s, int argc, sqlite3_value **argv) {
  size_t n = (size_t)argc / 2, k;
  int j;
  if (!s->sites[s->last]) return NULL;
  for (k = 0; k < n; k++) {
    fv_entry *e = &s->entries[k];
    if (sqlite3_value_type(argv[2 * k]) != SQLITE_TEXT) return NULL;
    e->name = (const char *)sqlite3_value_text(argv[2 * k]);
    e->name_len = (size_t)sqlite3_value_bytes(argv[2 * k]);
    if (!e->name) return NULL;
  }
  for (j = 0; j < FV_SITES; j++) {
    int slot = (s->last + j) % FV_SITES;
    fv_site *site = s->sites[slot];
    if (!site || site->argc != argc) continue;
    for (k = 0; k < n; k++) {
      const fv_entry *e = &s->entries[k];
      if (e->name_len != site->len[k] || memcmp(e->name, site->tmpl + site->noff[k], e->name_len) != 0) break;
    }
    if (k == n) {
      s->last = slot;
      return site;
    }
  }
  return NULL;
}

/* One value argument into e (type and value; the name is the caller's):
** 0, or 1 after setting the error (a non-finite REAL, out of memory), or 2
** for a BLOB, whose message the caller gives (the full path checks the
** name first). */
static int fv_read_value(sqlite3_context *ctx, sqlite3_value *val, fv_entry *e, const char *name, size_t name_len,
                         int argno) {
  switch (sqlite3_value_type(val)) {
  case SQLITE_INTEGER:
    e->type = FV_NUMERIC;
    e->num = (double)sqlite3_value_int64(val);
    return 0;
  case SQLITE_FLOAT:
    e->type = FV_NUMERIC;
    e->num = sqlite3_value_double(val);
    if (!isfinite(e->num)) {
      omen_errorf(ctx, "feature_vector", "value of \"%.*s\" (argument %d) is not a finite number", (int)name_len,
                  name, argno);
      return 1;
    }
    return 0;
  case SQLITE_TEXT: {
    const char *v = (const char *)sqlite3_value_text(val);
    if (!v) {
      sqlite3_result_error_nomem(ctx);
      return 1;
    }
    e->type = FV_CATEGORICAL;
    e->cat = fv_hash_category(v, (size_t)sqlite3_value_bytes(val));
    return 0;
  }
  case SQLITE_NULL: e->type = FV_MISSING; return 0;
  default: return 2;
  }
}

static void fv_blob_value_error(sqlite3_context *ctx, const char *name, size_t name_len, int argno) {
  omen_errorf(ctx, "feature_vector", "value of \"%.*s\" (argument %d) is a BLOB; expected INTEGER, REAL, TEXT or NULL",
              (int)name_len, name, argno);
}

/* The pair form when the names are a remembered set (equal bytes, so the
** messages name them from the set): only the values are read, in argument order, with the same checks and messages as the full
** path (the names are valid and unique, so no name error can arise), and
** the BLOB is the template with the values filled in. */
static void fv_site_encode(sqlite3_context *ctx, fv_scratch *s, const fv_site *site, sqlite3_value **argv) {
  size_t n = site->n, k, total = site->fixed;
  const uint8_t *t;
  uint8_t *p;
  for (k = 0; k < n; k++) {
    fv_entry *e = &s->entries[k];
    const char *name = (const char *)site->tmpl + site->noff[k];
    int rc = fv_read_value(ctx, argv[2 * k + 1], e, name, site->len[k], (int)(2 * k + 2));
    if (rc == 2) fv_blob_value_error(ctx, name, site->len[k], (int)(2 * k + 2));
    if (rc) return;
    if (e->type != FV_MISSING) total += 8;
  }
  if (om_wbuf_reserve(&s->out, total)) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  p = s->out.data;
  memcpy(p, site->tmpl, FV_HEADER_SIZE);
  p += FV_HEADER_SIZE;
  t = site->tmpl + FV_HEADER_SIZE;
  for (k = 0; k < n; k++) {
    const fv_entry *e = &s->entries[site->order[k]];
    size_t head = 4 + ((size_t)t[2] | (size_t)t[3] << 8);
    memcpy(p, t, head);
    p[0] = (uint8_t)e->type;
    p += head;
    t += head;
    if (e->type == FV_NUMERIC) {
      double d = e->num == 0 ? 0.0 : e->num; /* -0 → +0 (fv.h behaviour 1b) */
      uint64_t bits;
      memcpy(&bits, &d, sizeof bits);
      om_store_u64(p, bits);
      p += 8;
    } else if (e->type == FV_CATEGORICAL) {
      om_store_u64(p, e->cat);
      p += 8;
    }
  }
  sqlite3_result_blob64(ctx, s->out.data, (sqlite3_uint64)(p - s->out.data), SQLITE_TRANSIENT);
}

/* Record that this call site's names are `site` (behaviour 5): update its
** note, or make one and mark every name argument, unless FV_TOKENS notes
** were made already (a non-constant argument 0 drops its note every row). */
static void fv_token_note(sqlite3_context *ctx, fv_scratch *s, fv_token *tok, const fv_site *site) {
  int k;
  if (!tok) {
    if (site->argc > 32 || s->tokens >= FV_TOKENS) return; /* auxdata keeps arguments 0..31 only */
    tok = sqlite3_malloc(sizeof *tok);
    if (!tok) return;
    s->tokens++;
    tok->scratch = s;
    tok->constant = 0;
    sqlite3_set_auxdata(ctx, 0, tok, sqlite3_free);
    if (sqlite3_get_auxdata(ctx, 0) != tok) return; /* not kept (and freed) */
    for (k = 2; k < site->argc; k += 2) sqlite3_set_auxdata(ctx, k, tok, NULL);
  }
  for (k = 0; k < FV_SITES; k++)
    if (s->sites[k] == site) tok->slot = k;
  tok->id = site->id;
}

/* Are the markers fv_token_note set on the name arguments all still there? */
static int fv_token_marked(sqlite3_context *ctx, const fv_token *tok, int argc) {
  for (int k = 2; k < argc; k += 2)
    if (sqlite3_get_auxdata(ctx, k) != tok) return 0;
  return 1;
}

void featureVectorFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  fv_scratch *s;
  fv_token *tok;
  int i, rc;
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
  tok = argc <= 32 ? sqlite3_get_auxdata(ctx, 0) : NULL;
  if (tok && tok->scratch != s) tok = NULL;
  {
    fv_site *site = NULL;
    if (tok) { /* this call site has been here: are its names constant? */
      fv_site *known = s->sites[tok->slot];
      if (tok->constant == 0) tok->constant = fv_token_marked(ctx, tok, argc) ? 1 : -1;
      if (tok->constant == 1 && known && known->id == tok->id) site = known; /* no name to read */
    }
    if (!site) {
      site = fv_site_find(s, argc, argv);
      if (site) fv_token_note(ctx, s, tok, site);
    }
    if (site) {
      fv_site_encode(ctx, s, site, argv);
      return;
    }
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
    rc = fv_read_value(ctx, val, e, e->name, e->name_len, i + 2);
    if (rc == 2) {
      if (om_utf8_check(e->name, e->name_len) != e->name_len) { /* the name's error comes first */
        char what[48];
        om_err err;
        sqlite3_snprintf(sizeof what, what, "feature name (argument %d)", i + 1);
        fv_check_name(e->name, e->name_len, what, &err);
        omen_errorf(ctx, "feature_vector", "%s", err.msg);
      } else
        fv_blob_value_error(ctx, e->name, e->name_len, i + 2);
    }
    if (rc) return;
  }
  if (fv_result(ctx, s, (size_t)argc / 2, argc, argv) && s->builds < FV_SITE_BUILDS) {
    fv_site *site = fv_site_add(s, argc, argv);
    if (site) fv_token_note(ctx, s, tok, site);
  }
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
