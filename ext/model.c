/*
** model.c — turning a model argument into a decoded model, once per
** statement (and a registry reference once per connection while the registry
** holds the same bytes), and model_info().
**
**   SELECT model_info(model) FROM omen_models WHERE name = 'runtime';
**   SELECT model_info('runtime@staging');
**
** Behaviours:
**   1. A model argument is a BLOB (an envelope, mdl.h) or TEXT, a registry
**      reference resolved by registry.c ('name', 'name@3', 'name@staging').
**      Any other type is an error naming the function and argument.
**   2. Decoded models are kept in a small per-statement cache (auxdata at a
**      negative index, OMEN_CACHE_SLOTS entries, round-robin eviction), keyed
**      by the reference text, or by a BLOB's full bytes (memcmp against the
**      cached copy: a model from a subquery or a column is decoded once, and
**      a changed byte is never mistaken for the cached model).  A constant
**      argument (literal, bound parameter, TEXT reference) also gets a marker
**      at its own auxdata index, which SQLite keeps only for constants, so
**      later rows skip even the comparison.
**   3. The cache copies the BLOB, so cached views stay valid after the row.
**   4. A model of the wrong kind is an error naming both kinds.  A caller
**      that needs the payload gets it decoded once, through the kind table
**      (mdl_kind.h), together with the row buffers of model_row.c.
**   5. model_info(model) returns the envelope's metadata as JSON (mdl.h):
**      kind, format versions, features, rows used/skipped, seed, created_at,
**      options, metrics, size and checksum.  NULL gives NULL.
**   6. A registry reference is also cached per connection (omen_conn, the
**      user data of every function; OMEN_CONN_SLOTS models and
**      OMEN_CONN_BYTES of BLOBs, LRU), keyed by the BLOB's length and stored
**      checksum.  Each statement revalidates a reference the first time it
**      meets it, without reading the BLOB (conn_model), so a model is used
**      only while its registry row holds those very bytes.  BLOB arguments
**      are cached per statement only.  docs/ARCHITECTURE.md, "Caching".
*/
#include <string.h>

#include "core/base/mdl.h"
#include "core/base/om_json.h"
#include "omen_ext.h"

#define OMEN_CACHE_SLOTS 4             /* per statement */
#define OMEN_CONN_SLOTS 8              /* per connection */
#define OMEN_CONN_BYTES ((size_t)64 << 20) /* per connection: model BLOB bytes kept */

typedef struct stmt_slot {
  omen_model *m;      /* holds one reference, or NULL */
  char *ref;          /* the TEXT reference it was found by; NULL: a BLOB argument */
  int marker_offered; /* a marker was set once for it (see omen_model_arg) */
} stmt_slot;

typedef struct model_cache {
  stmt_slot slot[OMEN_CACHE_SLOTS];
  unsigned next; /* slot to evict next */
} model_cache;

/* The connection cache: registry models keyed by what their BLOB is (length
** and stored checksum), not by the reference, so 'm', 'm@3' and
** 'm@production' share one decoded model, and a row that now holds other
** bytes can never hit an entry made from the old ones.  See omen_model_arg. */
struct omen_conn {
  int refs;                          /* registered functions holding it */
  omen_model *slot[OMEN_CONN_SLOTS]; /* each holds one reference, or NULL */
  sqlite3_uint64 used[OMEN_CONN_SLOTS]; /* clock of its last use (LRU) */
  sqlite3_uint64 clock;
  size_t bytes; /* sum of slot[i]->n */
};

/* A positive-index auxdata marker: "argument i of this call site is this
** model".  SQLite keeps it across rows only when the argument is constant
** (a literal, a bound parameter, a TEXT reference), so finding it proves the
** argument has not changed and no comparison is needed. */
typedef struct model_marker {
  omen_model *m; /* holds one reference */
} model_marker;

static void model_release(omen_model *m) {
  if (!m || --m->refs > 0) return;
  if (m->model) m->kind->close(m->model);
  sqlite3_free(m->num);
  sqlite3_free(m->cat);
  sqlite3_free(m->missing);
  sqlite3_free(m->x);
  omen_row_shape_free(m->shape);
  mdl_view_free(&m->view);
  sqlite3_free(m->blob);
  sqlite3_free(m);
}

static void model_marker_free(void *p) {
  model_marker *k = p;
  model_release(k->m);
  sqlite3_free(k);
}

static void stmt_slot_clear(stmt_slot *s) {
  model_release(s->m);
  sqlite3_free(s->ref);
  memset(s, 0, sizeof *s);
}

static void model_cache_free(void *p) {
  model_cache *c = p;
  for (int i = 0; i < OMEN_CACHE_SLOTS; i++) stmt_slot_clear(&c->slot[i]);
  sqlite3_free(c);
}

static model_cache *model_cache_get(sqlite3_context *ctx) {
  model_cache *c = sqlite3_get_auxdata(ctx, OMEN_AUX_MODEL_CACHE);
  if (c) return c;
  c = sqlite3_malloc(sizeof *c);
  if (!c) return NULL;
  memset(c, 0, sizeof *c);
  sqlite3_set_auxdata(ctx, OMEN_AUX_MODEL_CACHE, c, model_cache_free);
  return sqlite3_get_auxdata(ctx, OMEN_AUX_MODEL_CACHE);
}

omen_conn *omen_conn_new(void) {
  omen_conn *c = sqlite3_malloc(sizeof *c);
  if (!c) return NULL;
  memset(c, 0, sizeof *c);
  c->refs = 1;
  return c;
}

void omen_conn_ref(omen_conn *c) { c->refs++; }

void omen_conn_unref(void *p) {
  omen_conn *c = p;
  if (!c || --c->refs > 0) return;
  for (int i = 0; i < OMEN_CONN_SLOTS; i++) model_release(c->slot[i]);
  sqlite3_free(c);
}

/* The cached model whose BLOB is n bytes ending in trailer (its checksum). */
static omen_model *conn_find(omen_conn *c, size_t n, const uint8_t trailer[8]) {
  for (int i = 0; i < OMEN_CONN_SLOTS; i++) {
    omen_model *m = c->slot[i];
    if (m && m->n == n && memcmp(m->blob + n - 8, trailer, 8) == 0) {
      c->used[i] = ++c->clock;
      return m;
    }
  }
  return NULL;
}

/* Keep m (a model just loaded from the registry) in the connection cache,
** evicting least recently used entries to stay within both bounds. */
static void conn_put(omen_conn *c, omen_model *m) {
  if (m->n < 8 || m->n > OMEN_CONN_BYTES) return;
  for (;;) {
    int free_i = -1, lru = -1;
    for (int i = 0; i < OMEN_CONN_SLOTS; i++) {
      if (!c->slot[i]) {
        if (free_i < 0) free_i = i;
      } else if (lru < 0 || c->used[i] < c->used[lru]) {
        lru = i;
      }
    }
    if (free_i >= 0 && c->bytes + m->n <= OMEN_CONN_BYTES) {
      c->slot[free_i] = m;
      c->used[free_i] = ++c->clock;
      c->bytes += m->n;
      m->refs++;
      return;
    }
    if (lru < 0) return; /* cannot happen: bytes > 0 means an entry */
    c->bytes -= c->slot[lru]->n;
    model_release(c->slot[lru]);
    c->slot[lru] = NULL;
  }
}

/* "a" or "an" before a kind's name ("an iforest model"). */
static const char *kind_article(const char *name) { return strchr("aeiou", name[0]) ? "an" : "a"; }

static const char *kind_label(uint16_t kind) {
  const char *k = mdl_kind_name(kind);
  return k ? k : "unknown";
}

/* The per-statement slot for this argument value: TEXT by reference, BLOB by
** its full bytes (a changed byte is a different, possibly corrupt, model);
** -1 if none. */
static int model_cache_find(model_cache *cache, const char *ref, const uint8_t *blob, size_t n) {
  for (int i = 0; i < OMEN_CACHE_SLOTS; i++) {
    const stmt_slot *s = &cache->slot[i];
    if (!s->m) continue;
    if (ref) {
      if (s->ref && strcmp(s->ref, ref) == 0) return i;
    } else if (!s->ref && s->m->n == n && (n == 0 || memcmp(s->m->blob, blob, n) == 0)) {
      return i;
    }
  }
  return -1;
}

/* A model (refs = 1) over buf (n bytes, sqlite3_malloc'd; taken in every
** case), validated by mdl_open, checksum included; NULL after setting the
** error result. */
static omen_model *model_from_bytes(sqlite3_context *ctx, const char *fname, uint8_t *buf, size_t n) {
  omen_model *m = sqlite3_malloc(sizeof *m);
  om_err err;
  om_status st;
  if (!m) {
    sqlite3_free(buf);
    sqlite3_result_error_nomem(ctx);
    return NULL;
  }
  memset(m, 0, sizeof *m);
  m->refs = 1;
  m->blob = buf;
  m->n = n;
  st = mdl_open(m->blob, m->n, &m->view, &err);
  if (st != OM_OK) {
    omen_result_status(ctx, fname, st, &err);
    model_release(m);
    return NULL;
  }
  return m;
}

/* Load a model from a BLOB argument or, through a full fetch, from the
** registry (refs = 1); NULL after setting the error result. */
static omen_model *model_load_new(sqlite3_context *ctx, const char *fname, const char *ref, const uint8_t *blob,
                                  size_t n) {
  uint8_t *buf = NULL;
  if (ref) {
    char *msg = NULL;
    int len = 0, rc = omen_registry_fetch(sqlite3_context_db_handle(ctx), ref, &buf, &len, &msg);
    if (rc == SQLITE_NOMEM) {
      sqlite3_result_error_nomem(ctx);
      return NULL;
    }
    if (rc != SQLITE_OK) {
      omen_errorf(ctx, fname, "%s", msg ? msg : "cannot read the model registry");
      sqlite3_free(msg);
      return NULL;
    }
    n = (size_t)len;
  } else {
    buf = sqlite3_malloc64(n ? n : 1);
    if (!buf) {
      sqlite3_result_error_nomem(ctx);
      return NULL;
    }
    if (n) memcpy(buf, blob, n);
  }
  return model_from_bytes(ctx, fname, buf, n);
}

/* The model for registry reference `ref` through the connection cache
** (one reference for the caller); NULL after setting the error result.
**
** Revalidation (once per statement and reference; later rows use the
** statement's cache): resolve `ref` to its row without reading the BLOB
** (omen_registry_open), then read only the BLOB's length and its last 8
** bytes -- the envelope's XXH3-64 checksum of everything before it.  A
** cached model is used only if its bytes have that same length and end in
** those same 8 bytes; since every cached BLOB passed mdl_open (checksum
** verified), equal length and checksum mean equal bytes, whichever row,
** version, table or database they now come from.  Anything the fast path
** does not handle falls back to the full fetch, uncached. */
static omen_model *conn_model(sqlite3_context *ctx, omen_conn *c, const char *fname, const char *ref) {
  sqlite3_blob *h = NULL;
  uint8_t trailer[8], *buf;
  omen_model *m;
  int rc, n;
  rc = omen_registry_open(sqlite3_context_db_handle(ctx), ref, &h);
  if (rc == SQLITE_NOMEM) goto nomem;
  if (rc != SQLITE_OK) return model_load_new(ctx, fname, ref, NULL, 0);
  n = sqlite3_blob_bytes(h);
  if (n >= 8) {
    rc = sqlite3_blob_read(h, trailer, 8, n - 8);
    if (rc != SQLITE_OK) goto read_failed;
    m = conn_find(c, (size_t)n, trailer);
    if (m) {
      sqlite3_blob_close(h);
      m->refs++;
      return m;
    }
  }
  buf = sqlite3_malloc(n > 0 ? n : 1);
  if (!buf) goto nomem;
  rc = n > 0 ? sqlite3_blob_read(h, buf, n, 0) : SQLITE_OK;
  if (rc != SQLITE_OK) {
    sqlite3_free(buf);
    goto read_failed;
  }
  sqlite3_blob_close(h);
  m = model_from_bytes(ctx, fname, buf, (size_t)n);
  if (m) conn_put(c, m);
  return m;
read_failed:
  sqlite3_blob_close(h);
  if (rc == SQLITE_NOMEM) {
    sqlite3_result_error_nomem(ctx);
    return NULL;
  }
  return model_load_new(ctx, fname, ref, NULL, 0);
nomem:
  sqlite3_blob_close(h);
  sqlite3_result_error_nomem(ctx);
  return NULL;
}

/* Decode m's payload through the kind table and give it row buffers.  On
** failure m stays envelope-only (the next caller tries again and gets the
** same error). */
static om_status model_decode(omen_model *m, om_err *err) {
  const mdl_kind_def *k = mdl_kind_get(m->view.kind);
  uint32_t nf = m->view.n_features ? m->view.n_features : 1;
  void *model = NULL;
  om_status st;
  if (!k) return om_errf(err, OM_UNSUPPORTED_VERSION, "model kind %u is not supported by this build", m->view.kind);
  if (!m->num) {
    m->num = sqlite3_malloc64((sqlite3_uint64)nf * sizeof *m->num);
    m->cat = sqlite3_malloc64((sqlite3_uint64)nf * sizeof *m->cat);
    m->missing = sqlite3_malloc64(nf);
    m->x = sqlite3_malloc64((sqlite3_uint64)nf * sizeof *m->x);
    if (!m->num || !m->cat || !m->missing || !m->x) return om_errf(err, OM_NOMEM, "out of memory");
    m->shape = omen_row_shape_new(); /* optional: NULL only slows rows down */
  }
  st = k->open(&m->view, &model, err);
  if (st != OM_OK) return st;
  m->kind = k;
  m->model = model;
  return OM_OK;
}

/* omen_model_arg and omen_model_ref: the model named by ref (TEXT) or blob
** (n bytes); argi >= 0 is the argument it came from (for the constant
** marker), -1 for a reference the caller built. */
static const omen_model *model_get(sqlite3_context *ctx, const char *fname, const char *ref, const uint8_t *blob,
                                   size_t n, int argi, uint16_t want_kind) {
  model_cache *cache;
  model_marker *marker;
  omen_model *m;
  om_err err;
  om_status st;

  marker = argi >= 0 ? sqlite3_get_auxdata(ctx, argi) : NULL;
  if (marker) {
    m = marker->m; /* constant argument, seen before at this call site */
  } else {
    stmt_slot *s;
    int i;
    cache = model_cache_get(ctx);
    if (!cache) {
      sqlite3_result_error_nomem(ctx);
      return NULL;
    }
    i = model_cache_find(cache, ref, blob, n);
    if (i < 0) {
      omen_conn *conn = sqlite3_user_data(ctx);
      char *key = NULL;
      if (ref && !(key = sqlite3_mprintf("%s", ref))) {
        sqlite3_result_error_nomem(ctx);
        return NULL;
      }
      m = ref && conn ? conn_model(ctx, conn, fname, ref) : model_load_new(ctx, fname, ref, blob, n);
      if (!m) {
        sqlite3_free(key);
        return NULL;
      }
      i = (int)(cache->next++ % OMEN_CACHE_SLOTS);
      stmt_slot_clear(&cache->slot[i]);
      cache->slot[i].m = m;
      cache->slot[i].ref = key;
    }
    s = &cache->slot[i];
    m = s->m;
    /* Offer a marker once per slot; if SQLite dropped it, the argument is
    ** not constant and later rows go through the comparison above. */
    if (!s->marker_offered && argi >= 0) {
      s->marker_offered = 1;
      marker = sqlite3_malloc(sizeof *marker);
      if (marker) {
        marker->m = m;
        m->refs++;
        sqlite3_set_auxdata(ctx, argi, marker, model_marker_free);
      }
    }
  }

  if (want_kind && want_kind != OMEN_KIND_ANY && m->view.kind != want_kind) {
    if (mdl_kind_name(m->view.kind))
      omen_errorf(ctx, fname, "model%s%s%s is %s %s model; expected %s %s model", ref ? " '" : "", ref ? ref : "",
                  ref ? "'" : "", kind_article(kind_label(m->view.kind)), kind_label(m->view.kind),
                  kind_article(kind_label(want_kind)), kind_label(want_kind));
    else
      omen_errorf(ctx, fname, "model%s%s%s has unknown kind %u; expected %s %s model", ref ? " '" : "", ref ? ref : "",
                  ref ? "'" : "", m->view.kind, kind_article(kind_label(want_kind)), kind_label(want_kind));
    return NULL;
  }
  /* The decoded model is shared by every statement of the connection that
  ** uses these bytes.  That is safe because a connection runs one function
  ** call at a time (its mutex, or one thread in multi-thread mode), decoded
  ** models are read-only, and the row buffers are filled and used within
  ** one call (omen_model_row, then the kind's scorer), so statements stepped
  ** in turn (A's row, B's row, ...) never see each other's rows. */
  if (want_kind && !m->model) {
    st = model_decode(m, &err);
    if (st != OM_OK) {
      omen_result_status(ctx, fname, st, &err);
      return NULL;
    }
  }
  return m;
}

const omen_model *omen_model_arg(sqlite3_context *ctx, const char *fname, sqlite3_value **argv, int argi,
                                 uint16_t want_kind) {
  sqlite3_value *arg = argv[argi];
  const char *ref;
  switch (sqlite3_value_type(arg)) {
  case SQLITE_BLOB:
    return model_get(ctx, fname, NULL, sqlite3_value_blob(arg), (size_t)sqlite3_value_bytes(arg), argi, want_kind);
  case SQLITE_TEXT:
    ref = (const char *)sqlite3_value_text(arg);
    if (!ref) {
      sqlite3_result_error_nomem(ctx);
      return NULL;
    }
    return model_get(ctx, fname, ref, NULL, 0, argi, want_kind);
  default:
    omen_errorf(ctx, fname, "model is %s; expected a model BLOB or a registry name (TEXT)", omen_type_name(arg));
    return NULL;
  }
}

const omen_model *omen_model_ref(sqlite3_context *ctx, const char *fname, const char *ref, uint16_t want_kind) {
  return model_get(ctx, fname, ref, NULL, 0, -1, want_kind);
}

void modelInfoFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  const omen_model *m;
  om_wbuf *w;
  om_err err;
  om_status st;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return;
  m = omen_model_arg(ctx, "model_info", argv, 0, 0);
  if (!m) return;
  /* A kind that describes its payload (an info hook) is decoded for it; the
  ** others are described from the envelope alone, so a payload this build
  ** cannot read still has its metadata shown. */
  if (!m->model) {
    const mdl_kind_def *k = mdl_kind_get(m->view.kind);
    if (k && k->info && !(m = omen_model_arg(ctx, "model_info", argv, 0, OMEN_KIND_ANY))) return;
  }
  w = omen_out_scratch(ctx);
  if (!w) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  st = mdl_info_json(&m->view, m->model, w, &err);
  if (st != OM_OK) {
    omen_result_status(ctx, "model_info", st, &err);
    return;
  }
  sqlite3_result_text64(ctx, (const char *)w->data, w->len, SQLITE_TRANSIENT, SQLITE_UTF8);
}
