/*
** run_history.c — run_history(source [, options]): causal per-entity history
** features of a table of runs, as a table-valued function.
**
**   SELECT * FROM run_history('runs');
**   SELECT * FROM run_history('runs', '{"id": "job_id", "key": ["user", "exe"],
**                   "end": "end_t", "duration": "run", "requested": "time_req"}');
**
** Behaviours (docs/run_history.md; tests/sql/run_history.sql cites them):
**   1. Eponymous-only virtual table with the hidden argument columns source
**      (required) and options.  Without an equality constraint on source
**      the plan is refused (SQLITE_CONSTRAINT: "no query solution"); source
**      NULL gives no rows; options NULL means the defaults.  idxNum bits:
**      1 = source is argv[0]; 2 = options is the next argv.
**   2. source is TEXT naming a table or view, 'name' or 'schema.name' (split
**      at the first '.'; a table whose name holds a dot is read through a
**      view).  It is read once per scan with one SELECT of the mapped
**      columns, every identifier quoted with %w (the text never becomes
**      SQL) and every column qualified, src."name", so that a name that is
**      not a column is an error, not SQLite's double-quoted string.
**   3. options is a JSON object: "id", "submit", "end", "duration" (column
**      names; defaults "id", "submit", "end", "duration"), "key" (a column
**      name or an array of 1 to 8 of them, a composite key; default "key"),
**      "requested" (a column name, or null: the default, no requested time)
**      and "k" (an integer from 1 to 16, default 3: the runs averaged in
**      mean_last_k and listed in last_k).  Another member, or one given
**      twice, is an error.  The columns last1..last3 are fixed whatever k
**      (an eponymous table's columns are declared before its arguments are
**      known): a larger k shows its runs in last_k and mean_last_k.
**   4. Values.  submit, end, duration and requested are INTEGER, REAL or
**      NULL; TEXT or BLOB, ±Inf, and a negative duration are errors naming
**      the row's id and the column.  Times are handled as doubles (exact
**      for integers below 2^53 in magnitude).  Key components may be any
**      values and compare as SQL's = does between columns without affinity:
**      INTEGER 1 and REAL 1.0 are one key, TEXT '1' another, TEXT and BLOB
**      bytewise.  A NULL component: the row has no key (n = running = 0,
**      not history for anyone; all_running still counts it).  ids may be
**      any values, NULL and duplicates included.
**   5. Causality (core/hist/hist.h H2): the history of row j is the rows i
**      with the same key, i != j, submit_i < submit_j, end_i and duration_i
**      not NULL and end_i <= submit_j.  Equal submits are never history of
**      each other.  History order (last1 = most recent): end, then submit,
**      then id (SQLite's order: NULL, numbers, TEXT, BLOB), then the row's
**      position in the scan of source.
**   6. Output: one row per source row whose submit is not NULL, in (submit,
**      id) order; ORDER BY submit, or submit then id, ascending, is
**      consumed (no sort).  Columns (NULL when undefined): id, submit, n,
**      last1, last2, last3 (durations of the 3 most recently finished),
**      mean_last2 (mean of last1 and last2; last1 when n = 1: Tsafrir,
**      Etsion & Feitelson 2007), mean_last_k (mean of the min(n, k) most
**      recent), mean (over the history), ratio_last (duration / requested
**      of last1, when that requested > 0), ratio_mean (mean of duration /
**      requested over history rows with requested > 0), running (rows of
**      the key submitted before and not finished by submit_j: end or
**      duration NULL, or end > submit_j), running_elapsed (sum of submit_j
**      - submit_i over those; 0 when none), since_last_end (submit_j - end
**      of last1), since_last_submit (submit_j - the latest earlier submit of
**      the key), all_running (as running, over every row: the load),
**      last_k (a JSON array of the min(n, k) most recent durations, last1
**      first; '[]' when n = 0); hidden source and options.
**   7. Types: id as stored; submit, last1..last3 and last_k's numbers keep
**      the source value's type; n, running, all_running INTEGER; the means
**      and ratios REAL; running_elapsed and since_last_submit are INTEGER
**      when every submit is an INTEGER, since_last_end when every submit
**      and end is, else REAL.
**   8. Cost: O(n log n) per scan (core/hist), about 150 bytes per source
**      row at the peak; the source is read by the first xFilter of a
**      cursor and kept while the arguments stay the same (a cursor lives
**      for one run of one statement), so an inner loop does not read it
**      again.  The plan's cost makes a full scan the outer loop of a join.
**      sqlite3_interrupt() stops the read and the sort.
**   9. Errors start with "run_history(): " (documented in
**      docs/run_history.md); out of memory is SQLITE_NOMEM.
**  10. Flags: neither SQLITE_VTAB_INNOCUOUS nor DIRECTONLY, like a function
**      that reads tables: a trusted schema's views and triggers may use
**      it, an untrusted one's (PRAGMA trusted_schema=OFF) may not.
**  11. An equality constraint on id (a join ON h.id = r.job_id) is a
**      look-up (idxNum bit 4; the value is the last argv; not omitted:
**      SQLite checks it, so the look-up may return a superset).  Ids are
**      hashed in a normal form in which any two values SQL's = may find
**      equal hash alike (numbers and numeric TEXT by their double value,
**      other TEXT and BLOBs by their bytes).  When every id is unique and
**      the look-ups come in output order (another run_history() scan of the
**      same source drives the join, or a table in submit order), each is
**      the sweep's next record and nothing more is stored; otherwise the
**      first look-up out of order stores every record (about 100 bytes a
**      row) and the rest are hash look-ups.  A look-up is ordered like the
**      source's rows, not by submit.
*/
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include <xxhash.h>

#include "core/base/om_json.h"
#include "core/base/om_text.h"
#include "core/hist/hist.h"
#include "omen_ext.h"

#define RH_MAX_KEYS 8
#define RH_ERR_MAX 1000 /* bytes of message text kept, as errors.c */

enum {
  RH_ID = 0, RH_SUBMIT, RH_N, RH_LAST1, RH_LAST2, RH_LAST3, RH_MEAN_LAST2, RH_MEAN_LAST_K, RH_MEAN, RH_RATIO_LAST,
  RH_RATIO_MEAN, RH_RUNNING, RH_RUNNING_ELAPSED, RH_SINCE_LAST_END, RH_SINCE_LAST_SUBMIT, RH_ALL_RUNNING, RH_LAST_K,
  RH_SOURCE, RH_OPTIONS
};

/* The roles a column plays, in the order of the SELECT (keys follow). */
enum { ROLE_ID = 0, ROLE_SUBMIT, ROLE_END, ROLE_DURATION, ROLE_REQUESTED, N_ROLES };
static const char *const role_name[N_ROLES] = {"id", "submit", "end", "duration", "requested"};

#define F_SUBMIT_INT 1 /* the row's submit is an INTEGER */
#define F_DUR_INT 2    /* its duration is an INTEGER */

typedef struct rh_id {
  union {
    int64_t i;      /* INTEGER */
    double r;       /* REAL */
    size_t off;     /* TEXT, BLOB: into the cursor's arena */
  } u;
  uint32_t len;     /* TEXT, BLOB: bytes */
  uint8_t type;     /* SQLITE_INTEGER ... SQLITE_NULL */
} rh_id;

typedef struct rh_opts {
  char *col[N_ROLES];          /* column names (col[ROLE_REQUESTED] may be NULL) */
  char *key[RH_MAX_KEYS];      /* key column names */
  int n_key;
  int k;
} rh_opts;

/* A record kept for id look-ups (behaviour 11): hist_out without the pointer. */
typedef struct rh_rec {
  double mean, mean_last2, mean_last_k, ratio_last, ratio_mean, since_last_end, running_elapsed, since_last_submit;
  uint32_t row, n, n_top, running, all_running;
} rh_rec;

typedef struct rh_cursor {
  sqlite3_vtab_cursor base;
  /* the source as read, kept while the arguments stay the same (11) */
  int loaded;            /* everything below up to sweep is valid */
  char *source;          /* the arguments: source text, options text or NULL */
  char *options;
  size_t n, cap;         /* rows read, capacity of the arrays */
  rh_id *id;             /* [n] */
  uint8_t *arena;        /* TEXT and BLOB ids */
  size_t arena_n, arena_cap;
  double *submit, *end, *dur, *req; /* [n]; NaN = NULL; req NULL without the option */
  uint8_t *flags;        /* [n] F_* */
  uint32_t *key;         /* [n] dense key or HIST_NO_KEY */
  int64_t *tie;          /* [n] rank of the id (or the id when all are INTEGER) */
  int k;
  int submit_int;        /* every submit is an INTEGER */
  int end_int;           /* every end is an INTEGER */
  hist_sweep *sweep;
  /* id look-ups (11): a hash table of the rows' ids, made on the first */
  uint64_t *row_hash;    /* [n] hash of the row's normalised id */
  uint32_t *id_head;     /* [id_mask + 1] first row + 1 of a bucket (rows with a submit) */
  uint32_t *id_next;     /* [n] next row + 1 in the bucket */
  size_t id_mask;
  int unique;            /* no two rows with a submit share an id hash */
  int stream;            /* look-ups follow the sweep (see rh_lookup) */
  int consumed;          /* the pending record was returned: advance first */
  int have;              /* pend holds a record */
  hist_out pend;         /* the sweep's next record, while streaming */
  /* every record, when look-ups do not come in output order */
  rh_rec *recs;          /* [n_recs] in output order */
  uint32_t *rec_top;     /* [n_recs * kt] */
  uint32_t *rec_of_row;  /* [n] record index, or UINT32_MAX: no submit */
  size_t n_recs;
  uint32_t kt;           /* top rows kept per record: max(k, 3) */
  /* the scan */
  int lookup;            /* this scan is an id look-up */
  int single;            /* ... that returns one row at most */
  uint64_t want;         /* its hash */
  uint32_t at;           /* its current row + 1 (table look-ups) */
  hist_out rec;          /* the current row */
  int eof;
  sqlite3_int64 rowid;
} rh_cursor;

typedef struct rh_vtab {
  sqlite3_vtab base;
  sqlite3 *db;
} rh_vtab;

/* ------------------------------------------------------------------ errors */

/* Set "run_history(): <formatted>" as the vtab's error, sanitised (valid
** UTF-8, at most RH_ERR_MAX bytes of text: errors.c behaviour 3) and kept
** below SQLITE_LIMIT_LENGTH, which SQLite would otherwise answer with a
** generic message. */
static int rh_errmsg(sqlite3_vtab *vt, const char *fmt, ...) {
  va_list ap;
  char *body, *msg, *clean = NULL;
  va_start(ap, fmt);
  body = sqlite3_vmprintf(fmt, ap);
  va_end(ap);
  msg = body ? sqlite3_mprintf("run_history(): %s", body) : NULL;
  sqlite3_free(body);
  if (msg) {
    clean = sqlite3_malloc64(OM_TEXT_SANITIZED_MAX(RH_ERR_MAX));
    if (clean) {
      int limit = sqlite3_limit(((struct rh_vtab *)vt)->db, SQLITE_LIMIT_LENGTH, -1);
      size_t w = om_text_sanitize(msg, strlen(msg), RH_ERR_MAX, clean, OM_TEXT_SANITIZED_MAX(RH_ERR_MAX));
      while (limit > 0 && w > (size_t)limit - 1 && w > 0) { /* cut whole characters */
        do w--; while (w > 0 && ((unsigned char)clean[w] & 0xC0) == 0x80);
        clean[w] = 0;
      }
    }
    sqlite3_free(msg);
  }
  sqlite3_free(vt->zErrMsg);
  vt->zErrMsg = clean;
  return clean ? SQLITE_ERROR : SQLITE_NOMEM;
}

/* A short text for the row's id in messages: 17, 2.5, 'job-17', NULL. */
static char *rh_id_text(sqlite3_value *v) {
  switch (sqlite3_value_type(v)) {
  case SQLITE_INTEGER: return sqlite3_mprintf("%lld", sqlite3_value_int64(v));
  case SQLITE_FLOAT: return sqlite3_mprintf("%!.15g", sqlite3_value_double(v));
  case SQLITE_TEXT: {
    const char *t = (const char *)sqlite3_value_text(v);
    int n = sqlite3_value_bytes(v);
    return t ? sqlite3_mprintf("'%.40q%s'", t, n > 40 ? "..." : "") : NULL;
  }
  case SQLITE_BLOB: return sqlite3_mprintf("(a BLOB of %d bytes)", sqlite3_value_bytes(v));
  default: return sqlite3_mprintf("NULL");
  }
}

/* ------------------------------------------------------------------ vtab */

static int rhConnect(sqlite3 *db, void *pAux, int argc, const char *const *argv, sqlite3_vtab **ppVtab,
                     char **pzErr) {
  rh_vtab *v;
  int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(id, submit, n INTEGER, last1, last2, last3, mean_last2 REAL, "
                                    "mean_last_k REAL, mean REAL, ratio_last REAL, ratio_mean REAL, running INTEGER, "
                                    "running_elapsed, since_last_end, since_last_submit, all_running INTEGER, "
                                    "last_k TEXT, source HIDDEN, options HIDDEN)");
  if (rc != SQLITE_OK) return rc;
  v = sqlite3_malloc(sizeof *v);
  if (!v) return SQLITE_NOMEM;
  memset(v, 0, sizeof *v);
  v->db = db;
  *ppVtab = &v->base;
  return SQLITE_OK; /* behaviour 10: no sqlite3_vtab_config */
}

static int rhDisconnect(sqlite3_vtab *vt) {
  sqlite3_free(vt);
  return SQLITE_OK;
}

static int rhOpen(sqlite3_vtab *vt, sqlite3_vtab_cursor **pp) {
  rh_cursor *c = sqlite3_malloc(sizeof *c);
  if (!c) return SQLITE_NOMEM;
  memset(c, 0, sizeof *c);
  c->eof = 1;
  *pp = &c->base;
  return SQLITE_OK;
}

/* Drop everything read from the source (a new source, or the cursor closes). */
static void rh_reset(rh_cursor *c) {
  hist_close(c->sweep);
  sqlite3_free(c->id);
  sqlite3_free(c->arena);
  sqlite3_free(c->submit);
  sqlite3_free(c->end);
  sqlite3_free(c->dur);
  sqlite3_free(c->req);
  sqlite3_free(c->flags);
  sqlite3_free(c->key);
  sqlite3_free(c->tie);
  sqlite3_free(c->source);
  sqlite3_free(c->options);
  sqlite3_free(c->row_hash);
  sqlite3_free(c->id_head);
  sqlite3_free(c->id_next);
  sqlite3_free(c->recs);
  sqlite3_free(c->rec_top);
  sqlite3_free(c->rec_of_row);
  memset((char *)c + sizeof c->base, 0, sizeof *c - sizeof c->base);
  c->eof = 1;
}

static int rhClose(sqlite3_vtab_cursor *cur) {
  rh_reset((rh_cursor *)cur);
  sqlite3_free(cur);
  return SQLITE_OK;
}

static void rh_opts_free(rh_opts *o) {
  for (int i = 0; i < N_ROLES; i++) sqlite3_free(o->col[i]);
  for (int i = 0; i < o->n_key; i++) sqlite3_free(o->key[i]);
  memset(o, 0, sizeof *o);
}

/* ------------------------------------------------------------------ options */

static int rh_set_name(char **slot, const char *text) {
  sqlite3_free(*slot);
  *slot = sqlite3_mprintf("%s", text);
  return *slot ? SQLITE_OK : SQLITE_NOMEM;
}

/* The "key" member: a string or an array of 1..RH_MAX_KEYS strings. */
static int rh_opts_key(sqlite3_vtab *vt, sqlite3 *db, rh_opts *o, const char *type, sqlite3_value *value) {
  sqlite3_stmt *st = NULL;
  int rc;
  for (int i = 0; i < o->n_key; i++) sqlite3_free(o->key[i]);
  o->n_key = 0;
  if (strcmp(type, "text") == 0) {
    o->n_key = 1;
    o->key[0] = NULL;
    return rh_set_name(&o->key[0], (const char *)sqlite3_value_text(value));
  }
  if (strcmp(type, "array") != 0) goto bad;
  rc = sqlite3_prepare_v2(db, "SELECT type, value FROM json_each(?1)", -1, &st, 0);
  if (rc != SQLITE_OK) return rc == SQLITE_NOMEM ? rc : rh_errmsg(vt, "cannot read options: %s", sqlite3_errmsg(db));
  sqlite3_bind_value(st, 1, value);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *t = (const char *)sqlite3_column_text(st, 0);
    if (!t || strcmp(t, "text") != 0 || o->n_key == RH_MAX_KEYS) {
      sqlite3_finalize(st);
      goto bad;
    }
    o->key[o->n_key] = NULL;
    if (rh_set_name(&o->key[o->n_key], (const char *)sqlite3_column_text(st, 1)) != SQLITE_OK) {
      sqlite3_finalize(st);
      return SQLITE_NOMEM;
    }
    o->n_key++;
  }
  sqlite3_finalize(st);
  if (rc == SQLITE_NOMEM) return rc;
  if (rc != SQLITE_DONE) return rh_errmsg(vt, "cannot read options: %s", sqlite3_errmsg(db));
  if (o->n_key == 0) goto bad;
  return SQLITE_OK;
bad:
  return rh_errmsg(vt, "option \"key\" must be a column name or an array of 1 to %d column names", RH_MAX_KEYS);
}

/* Read the options argument (NULL: the defaults) into o (behaviour 3). */
static int rh_opts_read(sqlite3_vtab *vt, sqlite3 *db, sqlite3_value *arg, rh_opts *o) {
  static const char *const defaults[N_ROLES] = {"id", "submit", "end", "duration", NULL};
  sqlite3_stmt *st = NULL;
  unsigned seen = 0;
  int rc;
  memset(o, 0, sizeof *o);
  o->k = 3;
  for (int i = 0; i < N_ROLES; i++)
    if (defaults[i] && rh_set_name(&o->col[i], defaults[i]) != SQLITE_OK) return SQLITE_NOMEM;
  o->n_key = 1;
  if (rh_set_name(&o->key[0], "key") != SQLITE_OK) return SQLITE_NOMEM;
  if (!arg || sqlite3_value_type(arg) == SQLITE_NULL) return SQLITE_OK;
  if (sqlite3_value_type(arg) != SQLITE_TEXT)
    return rh_errmsg(vt, "options is %s; expected a JSON object (TEXT)", omen_type_name(arg));
  /* json_type() first: a malformed text or a non-object is one clear error */
  rc = sqlite3_prepare_v2(db, "SELECT json_type(?1)", -1, &st, 0);
  if (rc == SQLITE_OK) {
    sqlite3_bind_value(st, 1, arg);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
      const char *t = (const char *)sqlite3_column_text(st, 0);
      rc = t && strcmp(t, "object") == 0 ? SQLITE_OK : SQLITE_MISMATCH;
    }
  }
  sqlite3_finalize(st);
  st = NULL;
  if (rc == SQLITE_NOMEM) return rc;
  if (rc == SQLITE_MISMATCH) return rh_errmsg(vt, "options must be a JSON object");
  if (rc != SQLITE_OK) return rh_errmsg(vt, "options is not valid JSON");
  rc = sqlite3_prepare_v2(db, "SELECT key, type, value FROM json_each(?1)", -1, &st, 0);
  if (rc != SQLITE_OK) return rc == SQLITE_NOMEM ? rc : rh_errmsg(vt, "cannot read options: %s", sqlite3_errmsg(db));
  sqlite3_bind_value(st, 1, arg);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *name = (const char *)sqlite3_column_text(st, 0);
    const char *type = (const char *)sqlite3_column_text(st, 1);
    sqlite3_value *value = sqlite3_column_value(st, 2);
    int role = -1, bit;
    if (!name || !type) {
      rc = SQLITE_NOMEM;
      break;
    }
    for (int i = 0; i < N_ROLES; i++)
      if (strcmp(name, role_name[i]) == 0) role = i;
    bit = role >= 0 ? role : strcmp(name, "key") == 0 ? N_ROLES : strcmp(name, "k") == 0 ? N_ROLES + 1 : -1;
    if (bit < 0) {
      rc = rh_errmsg(vt, "unknown option \"%s\"; expected id, key, submit, end, duration, requested or k", name);
      break;
    }
    if (seen & (1u << bit)) {
      rc = rh_errmsg(vt, "option \"%s\" is given twice", name);
      break;
    }
    seen |= 1u << bit;
    if (role == ROLE_REQUESTED && strcmp(type, "null") == 0) {
      sqlite3_free(o->col[ROLE_REQUESTED]);
      o->col[ROLE_REQUESTED] = NULL;
    } else if (role >= 0) {
      if (strcmp(type, "text") != 0) {
        rc = rh_errmsg(vt, "option \"%s\" must be a column name (a JSON string)%s", name,
                       role == ROLE_REQUESTED ? " or null" : "");
        break;
      }
      rc = rh_set_name(&o->col[role], (const char *)sqlite3_value_text(value));
      if (rc != SQLITE_OK) break;
    } else if (bit == N_ROLES) {
      rc = rh_opts_key(vt, db, o, type, value);
      if (rc != SQLITE_OK) break;
    } else {
      sqlite3_int64 k = sqlite3_value_int64(value);
      if (strcmp(type, "integer") != 0 || k < 1 || k > HIST_MAX_K) {
        const char *text = (const char *)sqlite3_value_text(value);
        rc = rh_errmsg(vt, "option \"k\" is %s; expected an integer from 1 to %d", text ? text : "null", HIST_MAX_K);
        break;
      }
      o->k = (int)k;
    }
  }
  sqlite3_finalize(st);
  if (rc == SQLITE_DONE) return SQLITE_OK;
  if (rc == SQLITE_ROW || rc == SQLITE_NOMEM) return SQLITE_NOMEM;
  if (rc == SQLITE_ERROR && vt->zErrMsg) return rc;
  return rh_errmsg(vt, "cannot read options: %s", sqlite3_errmsg(db));
}

/* ------------------------------------------------------------------ reading */

static int rh_grow(rh_cursor *c, int with_req) {
  size_t cap = c->cap ? c->cap * 2 : 1024;
#define RH_GROW(p)                                                                                                     \
  do {                                                                                                                 \
    void *q = sqlite3_realloc64(c->p, (sqlite3_uint64)cap * sizeof *c->p);                                             \
    if (!q) return SQLITE_NOMEM;                                                                                       \
    c->p = q;                                                                                                          \
  } while (0)
  RH_GROW(id);
  RH_GROW(submit);
  RH_GROW(end);
  RH_GROW(dur);
  if (with_req) RH_GROW(req);
  RH_GROW(flags);
  RH_GROW(key);
#undef RH_GROW
  c->cap = cap;
  return SQLITE_OK;
}

static int rh_arena_put(rh_cursor *c, const void *p, size_t n, size_t *off) {
  if (c->arena_n + n > c->arena_cap) {
    size_t cap = c->arena_cap ? c->arena_cap : 4096;
    uint8_t *a;
    while (cap < c->arena_n + n) cap *= 2;
    a = sqlite3_realloc64(c->arena, cap);
    if (!a) return SQLITE_NOMEM;
    c->arena = a;
    c->arena_cap = cap;
  }
  if (n) memcpy(c->arena + c->arena_n, p, n);
  *off = c->arena_n;
  c->arena_n += n;
  return SQLITE_OK;
}

/* A growable byte buffer for serialised keys. */
typedef struct rh_bytes {
  uint8_t *p;
  size_t n, cap;
} rh_bytes;

static int rh_bytes_put(rh_bytes *b, const void *p, size_t n) {
  if (b->n + n > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    uint8_t *q;
    while (cap < b->n + n) cap *= 2;
    q = sqlite3_realloc64(b->p, cap);
    if (!q) return SQLITE_NOMEM;
    b->p = q;
    b->cap = cap;
  }
  if (n) memcpy(b->p + b->n, p, n);
  b->n += n;
  return SQLITE_OK;
}

/* Serialise one key component (behaviour 4): a tag byte, then an int64, a
** double's bits, or a length and bytes.  An integral REAL in int64 range is
** written as the INTEGER it equals, so 1 and 1.0 are one key.  1 for a NULL
** component (the row has no key). */
static int rh_key_part(rh_bytes *b, sqlite3_value *v, int *is_null) {
  uint8_t tag;
  int64_t i;
  double r;
  uint32_t len;
  switch (sqlite3_value_type(v)) {
  case SQLITE_NULL: *is_null = 1; return SQLITE_OK;
  case SQLITE_INTEGER:
    i = sqlite3_value_int64(v);
  as_int:
    tag = 1;
    if (rh_bytes_put(b, &tag, 1) != SQLITE_OK || rh_bytes_put(b, &i, sizeof i) != SQLITE_OK) return SQLITE_NOMEM;
    return SQLITE_OK;
  case SQLITE_FLOAT:
    r = sqlite3_value_double(v);
    if (r >= -9223372036854775808.0 && r < 9223372036854775808.0 && r == (double)(int64_t)r) {
      i = (int64_t)r;
      goto as_int;
    }
    tag = 2;
    if (rh_bytes_put(b, &tag, 1) != SQLITE_OK || rh_bytes_put(b, &r, sizeof r) != SQLITE_OK) return SQLITE_NOMEM;
    return SQLITE_OK;
  default: {
    const void *p;
    int text = sqlite3_value_type(v) == SQLITE_TEXT;
    p = text ? (const void *)sqlite3_value_text(v) : sqlite3_value_blob(v);
    len = (uint32_t)sqlite3_value_bytes(v);
    if (!p && len) return SQLITE_NOMEM;
    tag = text ? 3 : 4;
    if (rh_bytes_put(b, &tag, 1) != SQLITE_OK || rh_bytes_put(b, &len, sizeof len) != SQLITE_OK ||
        rh_bytes_put(b, p, len) != SQLITE_OK)
      return SQLITE_NOMEM;
    return SQLITE_OK;
  }
  }
}

/* Read a time or duration value (behaviour 4) into *out: NaN for NULL.
** *is_int is cleared unless it is an INTEGER. */
static int rh_number(sqlite3_vtab *vt, sqlite3_stmt *st, int col, const rh_opts *o, int role, double *out,
                     int *is_int) {
  sqlite3_value *v = sqlite3_column_value(st, col);
  int type = sqlite3_value_type(v);
  char *id;
  int rc;
  if (type == SQLITE_INTEGER) {
    *out = (double)sqlite3_value_int64(v);
    return SQLITE_OK;
  }
  *is_int = 0;
  if (type == SQLITE_NULL) {
    *out = (double)NAN;
    return SQLITE_OK;
  }
  if (type == SQLITE_FLOAT) {
    *out = sqlite3_value_double(v);
    if (isfinite(*out)) return SQLITE_OK;
  }
  id = rh_id_text(sqlite3_column_value(st, 0));
  if (!id) return SQLITE_NOMEM;
  if (type == SQLITE_FLOAT)
    rc = rh_errmsg(vt, "row id %s: %s (column \"%s\") is %s; expected a finite number", id, role_name[role],
                   o->col[role], *out > 0 ? "Inf" : "-Inf");
  else
    rc = rh_errmsg(vt, "row id %s: %s (column \"%s\") is %s; expected a number or NULL", id, role_name[role],
                   o->col[role], omen_type_name(v));
  sqlite3_free(id);
  return rc;
}

/* The SELECT of the mapped columns from source (behaviour 2): schema and
** name split at the first '.', every identifier quoted with %w, and every
** column qualified by the alias src, so that a name that is not a column
** is an error rather than a string (SQLite reads an unknown unqualified
** "name" as the string 'name'). */
static char *rh_select_sql(const char *source, const rh_opts *o) {
  sqlite3_str *s = sqlite3_str_new(NULL);
  const char *dot = strchr(source, '.');
  int first = 1;
  sqlite3_str_appendall(s, "SELECT ");
  for (int i = 0; i < N_ROLES; i++) {
    if (!o->col[i]) continue;
    sqlite3_str_appendf(s, "%ssrc.\"%w\"", first ? "" : ", ", o->col[i]);
    first = 0;
  }
  for (int i = 0; i < o->n_key; i++) sqlite3_str_appendf(s, ", src.\"%w\"", o->key[i]);
  if (dot) {
    char *schema = sqlite3_mprintf("%.*s", (int)(dot - source), source);
    if (!schema) {
      sqlite3_free(sqlite3_str_finish(s));
      return NULL;
    }
    sqlite3_str_appendf(s, " FROM \"%w\".\"%w\" AS src", schema, dot + 1);
    sqlite3_free(schema);
  } else {
    sqlite3_str_appendf(s, " FROM \"%w\" AS src", source);
  }
  return sqlite3_str_finish(s);
}

/* The option that names column `name` (as SQLite reports it), or NULL. */
static const char *rh_option_of(const rh_opts *o, const char *name) {
  for (int i = 0; i < N_ROLES; i++)
    if (o->col[i] && sqlite3_stricmp(o->col[i], name) == 0) return role_name[i];
  for (int i = 0; i < o->n_key; i++)
    if (sqlite3_stricmp(o->key[i], name) == 0) return "key";
  return NULL;
}

/* Prepare the SELECT; a missing table or column is a clear error. */
static int rh_prepare(sqlite3_vtab *vt, sqlite3 *db, const char *source, const rh_opts *o, sqlite3_stmt **st) {
  static const char no_column[] = "no such column: src.";
  char *sql = rh_select_sql(source, o);
  const char *msg, *opt, *col;
  int rc;
  *st = NULL;
  if (!sql) return SQLITE_NOMEM;
  rc = sqlite3_prepare_v2(db, sql, -1, st, 0);
  sqlite3_free(sql);
  if (rc == SQLITE_OK) return SQLITE_OK;
  if (rc == SQLITE_NOMEM) return rc;
  msg = sqlite3_errmsg(db);
  col = msg + sizeof no_column - 1;
  if (strncmp(msg, no_column, sizeof no_column - 1) == 0 && (opt = rh_option_of(o, col)))
    return rh_errmsg(vt, "source \"%s\" has no column \"%s\" (option \"%s\")", source, col, opt);
  return rh_errmsg(vt, "cannot read source \"%s\": %s", source, msg);
}

/* Read every row of the prepared SELECT into the cursor's arrays. */
static int rh_read(sqlite3_vtab *vt, rh_cursor *c, sqlite3 *db, sqlite3_stmt *st, const rh_opts *o,
                   hist_keymap *keys) {
  rh_bytes kb = {0};
  int with_req = o->col[ROLE_REQUESTED] != NULL, first_key = with_req ? 5 : 4, rc;
  c->submit_int = c->end_int = 1;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    size_t i = c->n;
    sqlite3_value *id = sqlite3_column_value(st, 0);
    int submit_int = 1, end_int = 1, dur_int = 1, req_int = 1, is_null = 0;
    rh_id *d;
    if (i >= HIST_MAX_ROWS - 1) {
      rc = rh_errmsg(vt, "source \"%s\" has more than %u rows", c->source, HIST_MAX_ROWS - 2);
      goto done;
    }
    if (i == c->cap && (rc = rh_grow(c, with_req)) != SQLITE_OK) goto done;
    d = &c->id[i];
    d->type = (uint8_t)sqlite3_value_type(id);
    d->len = 0;
    switch (d->type) {
    case SQLITE_INTEGER: d->u.i = sqlite3_value_int64(id); break;
    case SQLITE_FLOAT: d->u.r = sqlite3_value_double(id); break;
    case SQLITE_TEXT:
    case SQLITE_BLOB: {
      const void *p = d->type == SQLITE_TEXT ? (const void *)sqlite3_value_text(id) : sqlite3_value_blob(id);
      size_t n = (size_t)sqlite3_value_bytes(id);
      if (!p && n) {
        rc = SQLITE_NOMEM;
        goto done;
      }
      if ((rc = rh_arena_put(c, p, n, &d->u.off)) != SQLITE_OK) goto done;
      d->len = (uint32_t)n;
      break;
    }
    default: d->u.i = 0; break;
    }
    if ((rc = rh_number(vt, st, 1, o, ROLE_SUBMIT, &c->submit[i], &submit_int)) != SQLITE_OK ||
        (rc = rh_number(vt, st, 2, o, ROLE_END, &c->end[i], &end_int)) != SQLITE_OK ||
        (rc = rh_number(vt, st, 3, o, ROLE_DURATION, &c->dur[i], &dur_int)) != SQLITE_OK ||
        (with_req && (rc = rh_number(vt, st, 4, o, ROLE_REQUESTED, &c->req[i], &req_int)) != SQLITE_OK))
      goto done;
    if (c->dur[i] < 0) {
      char *idt = rh_id_text(id), num[40];
      if (!idt) {
        rc = SQLITE_NOMEM;
        goto done;
      }
      om_format_double(num, c->dur[i]);
      rc = rh_errmsg(vt, "row id %s: duration (column \"%s\") is negative (%s)", idt, o->col[ROLE_DURATION], num);
      sqlite3_free(idt);
      goto done;
    }
    c->flags[i] = (uint8_t)((submit_int ? F_SUBMIT_INT : 0) | (dur_int ? F_DUR_INT : 0));
    if (!isnan(c->submit[i]) && !submit_int) c->submit_int = 0;
    if (!isnan(c->end[i]) && !end_int) c->end_int = 0;
    kb.n = 0;
    for (int j = 0; j < o->n_key && !is_null; j++)
      if ((rc = rh_key_part(&kb, sqlite3_column_value(st, first_key + j), &is_null)) != SQLITE_OK) goto done;
    if (is_null) c->key[i] = HIST_NO_KEY;
    else {
      om_status s = hist_keymap_intern(keys, kb.p, kb.n, &c->key[i]);
      if (s != OM_OK) {
        rc = SQLITE_NOMEM;
        goto done;
      }
    }
    c->n++;
  }
  if (rc == SQLITE_DONE) rc = SQLITE_OK;
  else if (rc != SQLITE_NOMEM && rc != SQLITE_INTERRUPT)
    rc = rh_errmsg(vt, "cannot read source \"%s\": %s", c->source, sqlite3_errmsg(db));
done:
  sqlite3_free(kb.p);
  return rc;
}

/* ------------------------------------------------------------------ ids */

/* SQLite's order of two values (behaviour 5): NULL, numbers, TEXT, BLOB. */
static int rh_class(uint8_t type) {
  switch (type) {
  case SQLITE_NULL: return 0;
  case SQLITE_INTEGER:
  case SQLITE_FLOAT: return 1;
  case SQLITE_TEXT: return 2;
  default: return 3;
  }
}

/* An INTEGER against a REAL, exactly. */
static int rh_int_real_cmp(int64_t i, double r) {
  int64_t y;
  double x;
  if (r < -9223372036854775808.0) return 1;
  if (r >= 9223372036854775808.0) return -1;
  y = (int64_t)r;
  if (i != y) return i < y ? -1 : 1;
  x = (double)i;
  return x < r ? -1 : x > r;
}

static int rh_id_cmp(const rh_cursor *c, uint32_t a, uint32_t b) {
  const rh_id *x = &c->id[a], *y = &c->id[b];
  int ca = rh_class(x->type), cb = rh_class(y->type);
  if (ca != cb) return ca < cb ? -1 : 1;
  switch (ca) {
  case 0: return 0;
  case 1:
    if (x->type == SQLITE_INTEGER && y->type == SQLITE_INTEGER) return x->u.i < y->u.i ? -1 : x->u.i > y->u.i;
    if (x->type == SQLITE_FLOAT && y->type == SQLITE_FLOAT) return x->u.r < y->u.r ? -1 : x->u.r > y->u.r;
    if (x->type == SQLITE_INTEGER) return rh_int_real_cmp(x->u.i, y->u.r);
    return -rh_int_real_cmp(y->u.i, x->u.r);
  default: {
    uint32_t n = x->len < y->len ? x->len : y->len;
    int d = n ? memcmp(c->arena + x->u.off, c->arena + y->u.off, n) : 0;
    if (d) return d < 0 ? -1 : 1;
    return x->len < y->len ? -1 : x->len > y->len;
  }
  }
}

/* c->tie: each row's id rank (equal ids equal ranks); the ids themselves
** when they are all INTEGER.  A merge sort of row indices through
** sqlite3_malloc (no allocation outside SQLite's). */
static int rh_ties(rh_cursor *c) {
  uint32_t *v, *buf, *src, *dst;
  int all_int = 1;
  c->tie = sqlite3_malloc64((sqlite3_uint64)(c->n ? c->n : 1) * sizeof *c->tie);
  if (!c->tie) return SQLITE_NOMEM;
  for (size_t i = 0; i < c->n && all_int; i++) all_int = c->id[i].type == SQLITE_INTEGER;
  if (all_int) {
    for (size_t i = 0; i < c->n; i++) c->tie[i] = c->id[i].u.i;
    return SQLITE_OK;
  }
  v = sqlite3_malloc64((sqlite3_uint64)c->n * 2 * sizeof *v);
  if (!v) return SQLITE_NOMEM;
  buf = v + c->n;
  for (size_t i = 0; i < c->n; i++) v[i] = (uint32_t)i;
  src = v;
  dst = buf;
  for (size_t w = 1; w < c->n; w *= 2) {
    for (size_t lo = 0; lo < c->n; lo += 2 * w) {
      size_t mid = lo + w < c->n ? lo + w : c->n, hi = lo + 2 * w < c->n ? lo + 2 * w : c->n;
      size_t i = lo, j = mid, o = lo;
      while (i < mid && j < hi) dst[o++] = rh_id_cmp(c, src[j], src[i]) < 0 ? src[j++] : src[i++];
      while (i < mid) dst[o++] = src[i++];
      while (j < hi) dst[o++] = src[j++];
    }
    uint32_t *t = src;
    src = dst;
    dst = t;
  }
  for (size_t i = 0, rank = 0; i < c->n; i++) {
    if (i > 0 && rh_id_cmp(c, src[i - 1], src[i]) != 0) rank++;
    c->tie[src[i]] = (int64_t)rank;
  }
  sqlite3_free(v);
  return SQLITE_OK;
}

/* ------------------------------------------------------------------ id look-ups */

/* Behaviour 11: ids are hashed in a normal form under which every two
** values SQL's = can find equal (whatever affinity the comparison applies)
** hash alike: numbers by their double value, TEXT that reads as a number
** likewise, other TEXT and BLOBs by their bytes.  So a bucket holds a
** superset of the matches, and SQLite checks the constraint itself. */
static uint64_t rh_hash_num(double d) {
  if (d == 0) d = 0; /* -0.0 */
  return XXH3_64bits_withSeed(&d, sizeof d, 1);
}

static uint64_t rh_hash_bytes(int type, const void *p, size_t n) {
  if (type == SQLITE_TEXT && n < 128) { /* a longer text is not taken for a number */
    char buf[128], *end;
    size_t lo = 0, hi = n;
    while (lo < hi && ((const char *)p)[lo] == ' ') lo++;
    while (hi > lo && ((const char *)p)[hi - 1] == ' ') hi--;
    if (hi > lo) {
      double d;
      memcpy(buf, (const char *)p + lo, hi - lo);
      buf[hi - lo] = 0;
      d = om_strtod(buf, &end);
      if (end == buf + (hi - lo)) return rh_hash_num(d);
    }
  }
  return XXH3_64bits_withSeed(p, n, type == SQLITE_TEXT ? 2 : 3);
}

static uint64_t rh_hash_id(const rh_cursor *c, const rh_id *d) {
  switch (d->type) {
  case SQLITE_INTEGER: return rh_hash_num((double)d->u.i);
  case SQLITE_FLOAT: return rh_hash_num(d->u.r);
  case SQLITE_TEXT:
  case SQLITE_BLOB: return rh_hash_bytes(d->type, c->arena + d->u.off, d->len);
  default: return 0;
  }
}

static uint64_t rh_hash_value(sqlite3_value *v) {
  switch (sqlite3_value_type(v)) {
  case SQLITE_INTEGER: return rh_hash_num((double)sqlite3_value_int64(v));
  case SQLITE_FLOAT: return rh_hash_num(sqlite3_value_double(v));
  case SQLITE_TEXT: return rh_hash_bytes(SQLITE_TEXT, sqlite3_value_text(v), (size_t)sqlite3_value_bytes(v));
  default: return rh_hash_bytes(SQLITE_BLOB, sqlite3_value_blob(v), (size_t)sqlite3_value_bytes(v));
  }
}

/* The hash table of ids over the rows with a submit (those with a record),
** and whether every such row's id hash is its own. */
static int rh_index_ids(rh_cursor *c) {
  size_t cap = 1;
  while (cap < 2 * c->n) cap *= 2;
  c->row_hash = sqlite3_malloc64((sqlite3_uint64)(c->n ? c->n : 1) * sizeof *c->row_hash);
  c->id_next = sqlite3_malloc64((sqlite3_uint64)(c->n ? c->n : 1) * sizeof *c->id_next);
  c->id_head = sqlite3_malloc64((sqlite3_uint64)cap * sizeof *c->id_head);
  if (!c->row_hash || !c->id_next || !c->id_head) return SQLITE_NOMEM;
  memset(c->id_head, 0, cap * sizeof *c->id_head);
  c->id_mask = cap - 1;
  c->unique = 1;
  for (size_t i = c->n; i-- > 0;) {
    size_t b;
    if (isnan(c->submit[i])) continue;
    c->row_hash[i] = rh_hash_id(c, &c->id[i]);
    b = (size_t)c->row_hash[i] & c->id_mask;
    for (uint32_t at = c->id_head[b]; at && c->unique; at = c->id_next[at - 1])
      if (c->row_hash[at - 1] == c->row_hash[i]) c->unique = 0;
    c->id_next[i] = c->id_head[b];
    c->id_head[b] = (uint32_t)i + 1;
  }
  return SQLITE_OK;
}

/* Run the whole sweep once into c->recs. */
static int rh_materialize(rh_cursor *c) {
  hist_out o;
  c->kt = c->k > 3 ? (uint32_t)c->k : 3;
  c->recs = sqlite3_malloc64((sqlite3_uint64)(c->n ? c->n : 1) * sizeof *c->recs);
  c->rec_top = sqlite3_malloc64((sqlite3_uint64)(c->n ? c->n : 1) * c->kt * sizeof *c->rec_top);
  c->rec_of_row = sqlite3_malloc64((sqlite3_uint64)(c->n ? c->n : 1) * sizeof *c->rec_of_row);
  if (!c->recs || !c->rec_top || !c->rec_of_row) return SQLITE_NOMEM;
  memset(c->rec_of_row, 0xFF, c->n * sizeof *c->rec_of_row);
  hist_rewind(c->sweep);
  c->n_recs = 0;
  while (hist_next(c->sweep, &o)) {
    size_t i = c->n_recs++;
    rh_rec *r = &c->recs[i];
    r->mean = o.mean;
    r->mean_last2 = o.mean_last2;
    r->mean_last_k = o.mean_last_k;
    r->ratio_last = o.ratio_last;
    r->ratio_mean = o.ratio_mean;
    r->since_last_end = o.since_last_end;
    r->running_elapsed = o.running_elapsed;
    r->since_last_submit = o.since_last_submit;
    r->row = (uint32_t)o.row;
    r->n = o.n;
    r->n_top = o.n_top;
    r->running = o.running;
    r->all_running = o.all_running;
    if (o.n_top) memcpy(c->rec_top + i * c->kt, o.top, o.n_top * sizeof *o.top);
    c->rec_of_row[o.row] = (uint32_t)i;
  }
  c->stream = 0;
  return SQLITE_OK;
}

/* Move a table look-up to the first row at or after c->at (1-based) with
** the wanted hash, and make its record the current row. */
static void rh_lookup_settle(rh_cursor *c) {
  while (c->at && c->row_hash[c->at - 1] != c->want) c->at = c->id_next[c->at - 1];
  c->eof = !c->at;
  if (!c->eof) {
    uint32_t i = c->rec_of_row[c->at - 1];
    const rh_rec *r = &c->recs[i];
    hist_out *o = &c->rec;
    o->row = r->row;
    o->n = r->n;
    o->n_top = r->n_top;
    o->top = c->rec_top + (size_t)i * c->kt;
    o->mean = r->mean;
    o->mean_last2 = r->mean_last2;
    o->mean_last_k = r->mean_last_k;
    o->ratio_last = r->ratio_last;
    o->ratio_mean = r->ratio_mean;
    o->since_last_end = r->since_last_end;
    o->running = r->running;
    o->running_elapsed = r->running_elapsed;
    o->since_last_submit = r->since_last_submit;
    o->all_running = r->all_running;
  }
}

/* An id look-up (behaviour 11).  While ids are unique and the look-ups ask
** for the records in output order (a join driven by another scan of the
** same source, or by a table in submit order), each is the sweep's next
** record: nothing is stored.  An id that no row has is simply not found.
** The first look-up out of order stores every record (rh_materialize) and
** later ones go through the hash table. */
static int rh_lookup(rh_cursor *c, sqlite3_value *idv) {
  int rc;
  c->lookup = 1;
  c->single = 0;
  if (!c->row_hash) {
    if ((rc = rh_index_ids(c)) != SQLITE_OK) return rc;
    c->stream = c->unique;
    c->consumed = 1;
    c->have = 0;
    hist_rewind(c->sweep);
  }
  if (sqlite3_value_type(idv) == SQLITE_NULL) return SQLITE_OK; /* = NULL: no rows */
  c->want = rh_hash_value(idv);
  c->at = c->id_head[(size_t)c->want & c->id_mask];
  if (c->stream) {
    if (c->consumed) {
      c->have = hist_next(c->sweep, &c->pend);
      c->consumed = 0;
    }
    if (c->have && c->row_hash[c->pend.row] == c->want) {
      c->rec = c->pend;
      c->consumed = 1;
      c->single = 1;
      c->eof = 0;
      return SQLITE_OK;
    }
    while (c->at && c->row_hash[c->at - 1] != c->want) c->at = c->id_next[c->at - 1];
    if (!c->at) return SQLITE_OK; /* no such id */
    if ((rc = rh_materialize(c)) != SQLITE_OK) return rc;
  } else if (!c->recs && (rc = rh_materialize(c)) != SQLITE_OK) {
    return rc;
  }
  rh_lookup_settle(c);
  c->single = c->unique;
  return SQLITE_OK;
}

/* ------------------------------------------------------------------ scan */

/* Read, check and sort the source (behaviours 2-5) into the cursor. */
static int rh_load(rh_cursor *c, sqlite3_vtab *vt, sqlite3 *db, sqlite3_value *opt) {
  sqlite3_stmt *st = NULL;
  hist_keymap *keys = NULL;
  rh_opts o;
  om_interrupt it;
  om_err err;
  om_status s;
  int rc;
  rc = rh_opts_read(vt, db, opt, &o);
  if (rc != SQLITE_OK) goto done;
  c->k = o.k;
  rc = rh_prepare(vt, db, c->source, &o, &st);
  if (rc != SQLITE_OK) goto done;
  if (hist_keymap_new(NULL, &keys) != OM_OK) {
    rc = SQLITE_NOMEM;
    goto done;
  }
  rc = rh_read(vt, c, db, st, &o, keys);
  if (rc != SQLITE_OK) goto done;
  sqlite3_finalize(st);
  st = NULL;
  rc = rh_ties(c);
  if (rc != SQLITE_OK) goto done;
  {
    hist_input in = {c->n, c->key, hist_keymap_count(keys), c->submit, c->end, c->dur,
                     o.col[ROLE_REQUESTED] ? c->req : NULL, c->tie, c->k};
    it = omen_interrupt_for_db(db);
    s = hist_open(&in, &it, &c->sweep, &err);
  }
  if (s == OM_NOMEM) rc = SQLITE_NOMEM;
  else if (s == OM_INTERRUPTED) rc = SQLITE_INTERRUPT;
  else if (s != OM_OK) rc = rh_errmsg(vt, "%s", err.msg);
done:
  sqlite3_finalize(st);
  hist_keymap_free(keys);
  rh_opts_free(&o);
  return rc;
}

/* Is argument v the text a kept from the previous filter (NULL: v is NULL
** or absent)?  Any other type is never the same, so its error is raised. */
static int rh_same_text(const char *a, sqlite3_value *v) {
  int type = v ? sqlite3_value_type(v) : SQLITE_NULL;
  const char *b = type == SQLITE_TEXT ? (const char *)sqlite3_value_text(v) : NULL;
  if (type != SQLITE_NULL && type != SQLITE_TEXT) return 0;
  return a && b ? strcmp(a, b) == 0 : !a && !b;
}

static int rhFilter(sqlite3_vtab_cursor *cur, int idxNum, const char *idxStr, int argc, sqlite3_value **argv) {
  rh_cursor *c = (rh_cursor *)cur;
  sqlite3_vtab *vt = cur->pVtab;
  sqlite3 *db = ((rh_vtab *)vt)->db;
  sqlite3_value *src = NULL, *opt = NULL, *idv = NULL;
  int rc, a = 0;
  c->eof = 1;
  c->lookup = 0;
  c->rowid = 0;
  if (idxNum & 1) src = a < argc ? argv[a++] : NULL;
  if (idxNum & 2) opt = a < argc ? argv[a++] : NULL;
  if (idxNum & 4) idv = a < argc ? argv[a++] : NULL;
  if (!src) return rh_errmsg(vt, "needs a source argument");
  if (sqlite3_value_type(src) == SQLITE_NULL) return SQLITE_OK; /* behaviour 1: no rows */
  if (sqlite3_value_type(src) != SQLITE_TEXT)
    return rh_errmsg(vt, "source is %s; expected a table or view name (TEXT)", omen_type_name(src));
  if (!(c->loaded && rh_same_text(c->source, src) && rh_same_text(c->options, opt))) {
    rh_reset(c);
    c->source = sqlite3_mprintf("%s", (const char *)sqlite3_value_text(src));
    if (!c->source) return SQLITE_NOMEM;
    if (opt && sqlite3_value_type(opt) == SQLITE_TEXT) {
      c->options = sqlite3_mprintf("%s", (const char *)sqlite3_value_text(opt));
      if (!c->options) return SQLITE_NOMEM;
    }
    rc = rh_load(c, vt, db, opt);
    if (rc != SQLITE_OK) {
      rh_reset(c);
      return rc;
    }
    c->loaded = 1;
  }
  if (idv) {
    rc = rh_lookup(c, idv);
    if (rc != SQLITE_OK) rh_reset(c);
    return rc;
  }
  c->stream = 0; /* the sweep is ours now: later look-ups use the table */
  if (c->row_hash && !c->recs && (rc = rh_materialize(c)) != SQLITE_OK) {
    rh_reset(c);
    return rc;
  }
  hist_rewind(c->sweep);
  c->eof = !hist_next(c->sweep, &c->rec);
  return SQLITE_OK;
}

static int rhNext(sqlite3_vtab_cursor *cur) {
  rh_cursor *c = (rh_cursor *)cur;
  if (c->lookup) {
    if (c->single) c->eof = 1;
    else {
      c->at = c->id_next[c->at - 1];
      rh_lookup_settle(c);
    }
  } else {
    c->eof = !hist_next(c->sweep, &c->rec);
  }
  c->rowid++;
  return SQLITE_OK;
}

static int rhEof(sqlite3_vtab_cursor *cur) { return ((rh_cursor *)cur)->eof; }

/* A REAL, or NULL for NaN. */
static void rh_real(sqlite3_context *ctx, double d) {
  if (d == d) sqlite3_result_double(ctx, d);
}

/* A time difference: INTEGER when its operands all were (behaviour 7). */
static void rh_time(sqlite3_context *ctx, double d, int as_int) {
  if (d != d) return;
  if (as_int && d >= -9223372036854775808.0 && d < 9223372036854775808.0) sqlite3_result_int64(ctx, (sqlite3_int64)d);
  else sqlite3_result_double(ctx, d);
}

static void rh_duration(sqlite3_context *ctx, const rh_cursor *c, uint32_t row) {
  rh_time(ctx, c->dur[row], c->flags[row] & F_DUR_INT);
}

/* last_k: a JSON array of the min(n, k) most recent durations. */
static int rh_last_k(sqlite3_context *ctx, const rh_cursor *c) {
  uint32_t nk = c->rec.n_top < (uint32_t)c->k ? c->rec.n_top : (uint32_t)c->k;
  sqlite3_str *s = sqlite3_str_new(sqlite3_context_db_handle(ctx));
  char *text;
  sqlite3_str_appendchar(s, 1, '[');
  for (uint32_t i = 0; i < nk; i++) {
    uint32_t r = c->rec.top[i];
    double d = c->dur[r];
    if (i) sqlite3_str_appendchar(s, 1, ',');
    if ((c->flags[r] & F_DUR_INT) && d < 9223372036854775808.0) sqlite3_str_appendf(s, "%lld", (sqlite3_int64)d);
    else {
      char num[40];
      om_format_double(num, d);
      sqlite3_str_appendall(s, num);
    }
  }
  sqlite3_str_appendchar(s, 1, ']');
  if (sqlite3_str_errcode(s) == SQLITE_NOMEM) {
    sqlite3_free(sqlite3_str_finish(s));
    sqlite3_result_error_nomem(ctx);
    return SQLITE_NOMEM;
  }
  text = sqlite3_str_finish(s);
  if (!text) {
    sqlite3_result_error_nomem(ctx);
    return SQLITE_NOMEM;
  }
  sqlite3_result_text(ctx, text, -1, sqlite3_free);
  return SQLITE_OK;
}

static int rhColumn(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int i) {
  const rh_cursor *c = (const rh_cursor *)cur;
  const hist_out *r = &c->rec;
  size_t j = r->row;
  switch (i) {
  case RH_ID: {
    const rh_id *d = &c->id[j];
    switch (d->type) {
    case SQLITE_INTEGER: sqlite3_result_int64(ctx, d->u.i); break;
    case SQLITE_FLOAT: sqlite3_result_double(ctx, d->u.r); break;
    case SQLITE_TEXT: sqlite3_result_text(ctx, (const char *)c->arena + d->u.off, (int)d->len, SQLITE_TRANSIENT); break;
    case SQLITE_BLOB: sqlite3_result_blob(ctx, c->arena + d->u.off, (int)d->len, SQLITE_TRANSIENT); break;
    default: break;
    }
    break;
  }
  case RH_SUBMIT: rh_time(ctx, c->submit[j], c->flags[j] & F_SUBMIT_INT); break;
  case RH_N: sqlite3_result_int64(ctx, r->n); break;
  case RH_LAST1:
  case RH_LAST2:
  case RH_LAST3:
    if ((uint32_t)(i - RH_LAST1) < r->n_top) rh_duration(ctx, c, r->top[i - RH_LAST1]);
    break;
  case RH_MEAN_LAST2: rh_real(ctx, r->mean_last2); break;
  case RH_MEAN_LAST_K: rh_real(ctx, r->mean_last_k); break;
  case RH_MEAN: rh_real(ctx, r->mean); break;
  case RH_RATIO_LAST: rh_real(ctx, r->ratio_last); break;
  case RH_RATIO_MEAN: rh_real(ctx, r->ratio_mean); break;
  case RH_RUNNING: sqlite3_result_int64(ctx, r->running); break;
  case RH_RUNNING_ELAPSED: rh_time(ctx, r->running_elapsed, c->submit_int); break;
  case RH_SINCE_LAST_END: rh_time(ctx, r->since_last_end, c->submit_int && c->end_int); break;
  case RH_SINCE_LAST_SUBMIT: rh_time(ctx, r->since_last_submit, c->submit_int); break;
  case RH_ALL_RUNNING: sqlite3_result_int64(ctx, r->all_running); break;
  case RH_LAST_K: return rh_last_k(ctx, c);
  case RH_SOURCE: sqlite3_result_text(ctx, c->source, -1, SQLITE_TRANSIENT); break;
  case RH_OPTIONS:
    if (c->options) sqlite3_result_text(ctx, c->options, -1, SQLITE_TRANSIENT);
    break;
  default: break;
  }
  return SQLITE_OK;
}

static int rhRowid(sqlite3_vtab_cursor *cur, sqlite_int64 *rowid) {
  *rowid = ((rh_cursor *)cur)->rowid + 1;
  return SQLITE_OK;
}

/* Behaviour 1: source must be an equality constraint; options may be.
** Behaviour 11: an equality on id is used for a look-up (idxNum 4; not
** omitted: SQLite checks it).  Behaviour 6: ORDER BY submit [, id]
** ascending is the order of a scan. */
static int rhBestIndex(sqlite3_vtab *vt, sqlite3_index_info *info) {
  int arg[2] = {-1, -1}; /* constraint index for source, options */
  int id = -1, argv = 1;
  for (int i = 0; i < info->nConstraint; i++) {
    const struct sqlite3_index_constraint *k = &info->aConstraint[i];
    if (k->iColumn == RH_ID && k->usable && k->op == SQLITE_INDEX_CONSTRAINT_EQ && id < 0) id = i;
    if (k->iColumn != RH_SOURCE && k->iColumn != RH_OPTIONS) continue;
    if (!k->usable || k->op != SQLITE_INDEX_CONSTRAINT_EQ) return SQLITE_CONSTRAINT;
    arg[k->iColumn - RH_SOURCE] = i;
  }
  if (arg[0] < 0) return SQLITE_CONSTRAINT;
  info->aConstraintUsage[arg[0]].argvIndex = argv++;
  info->aConstraintUsage[arg[0]].omit = 1;
  info->idxNum = 1;
  if (arg[1] >= 0) {
    info->aConstraintUsage[arg[1]].argvIndex = argv++;
    info->aConstraintUsage[arg[1]].omit = 1;
    info->idxNum |= 2;
  }
  if (id >= 0) {
    info->aConstraintUsage[id].argvIndex = argv++;
    info->idxNum |= 4;
    info->estimatedCost = 25;
    info->estimatedRows = 2;
    return SQLITE_OK;
  }
  if ((info->nOrderBy == 1 || info->nOrderBy == 2) && info->aOrderBy[0].iColumn == RH_SUBMIT &&
      !info->aOrderBy[0].desc &&
      (info->nOrderBy == 1 || (info->aOrderBy[1].iColumn == RH_ID && !info->aOrderBy[1].desc)))
    info->orderByConsumed = 1;
  /* a whole-table read and sort, done once per scan: the outer loop of a
  ** join, whose inner run_history() calls look ids up (behaviour 8) */
  info->estimatedCost = 4e6;
  info->estimatedRows = 1000000;
  return SQLITE_OK;
}

sqlite3_module omen_history_module = {
    .iVersion = 0,
    .xCreate = 0, /* eponymous only */
    .xConnect = rhConnect,
    .xBestIndex = rhBestIndex,
    .xDisconnect = rhDisconnect,
    .xOpen = rhOpen,
    .xClose = rhClose,
    .xFilter = rhFilter,
    .xNext = rhNext,
    .xEof = rhEof,
    .xColumn = rhColumn,
    .xRowid = rhRowid,
};
