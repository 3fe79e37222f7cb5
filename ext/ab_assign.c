/*
** ab_assign.c — ab_assign(unit, experiment [, weights [, salt]]): the variant
** of an experiment a unit (a user, a host, a job) is in, reproducibly; and
** ab_bucket(unit, experiment [, salt]): the unit's position in [0, 1), for
** layouts of one's own.
**
**   SELECT user_id, ab_assign(user_id, 'new-cache') FROM users;        -- 'A' / 'B'
**   SELECT ab_assign(host, 'gc-tuning', '{"control": 0.9, "g1": 0.1}') FROM hosts;
**   SELECT ab_bucket(user_id, 'new-cache') < 0.2 FROM users;            -- custom
**
** Behaviours (docs/ab_assign.md, docs/ab_bucket.md; hashing and layout in
** core/stats/st_assign.h):
**   1. unit → bytes by hash_uniform()'s rule (hash_uniform.c behaviour 2):
**      TEXT its UTF-8 bytes, BLOB its bytes, INTEGER 8 bytes little-endian,
**      REAL a whole number in the int64 range as that INTEGER (3 = 3.0), any
**      other REAL its 8 IEEE-754 bytes little-endian.  unit NULL → NULL.
**   2. experiment and salt must be TEXT (their bytes are hashed as they are;
**      '' is allowed); salt defaults to ''.  NULL or another type is an error
**      naming the argument: a NULL there is almost always a missing parameter.
**   3. ab_bucket = st_ab_position(experiment, salt, unit bytes): XXH3-64 of
**      u64le(len exp) ‖ exp ‖ u64le(len salt) ‖ salt ‖ unit, (h >> 11)·2^-53.
**   4. ab_assign picks the variant owning that position in the layout of
**      weights (st_assign.h 3–5: name order, running sums); without weights
**      the layout is {"A": 0.5, "B": 0.5}, i.e. 'A' iff ab_bucket < 0.5.
**      weights must be TEXT (NULL is an error, not the default: pass
**      '{"A": 0.5, "B": 0.5}' with a salt).  The parsed layout is cached with
**      sqlite3_set_auxdata on argument 3, so a constant weights string is
**      parsed once per statement and a row allocates nothing of ours (the
**      variant name is copied into the result, SQLITE_TRANSIENT, as the cached
**      layout may be freed before the result is used).
**   5. Arguments are checked in order (experiment, salt, weights) before the
**      unit's NULL test, so a bad argument is reported on every row.
**   6. Flags: pure (SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS): the result
**      depends on the arguments only, so it may be used in views, indexes,
**      generated columns and CHECK constraints, as hash_uniform.
*/
#include <math.h>
#include <string.h>

#include "core/base/om_json.h"
#include "core/stats/st_assign.h"
#include "omen_ext.h"

#define AB_WEIGHTS_ARG 2 /* argv index of weights (auxdata slot, behaviour 4) */

/* Behaviour 2: experiment (argv[1]) and salt (NULL: the default '') as
** bytes.  0, or -1 after setting an error result. */
static int ab_args(sqlite3_context *ctx, const char *fname, sqlite3_value *exp, sqlite3_value *salt, int salt_argno,
                   const char **e, size_t *en, const char **s, size_t *sn) {
  if (sqlite3_value_type(exp) != SQLITE_TEXT) {
    omen_errorf(ctx, fname, "experiment (argument 2) is %s; expected TEXT (the experiment's name)",
                omen_type_name(exp));
    return -1;
  }
  if (salt && sqlite3_value_type(salt) != SQLITE_TEXT) {
    omen_errorf(ctx, fname, "salt (argument %d) is %s; expected TEXT", salt_argno, omen_type_name(salt));
    return -1;
  }
  *e = (const char *)sqlite3_value_text(exp);
  *en = (size_t)sqlite3_value_bytes(exp);
  *s = salt ? (const char *)sqlite3_value_text(salt) : "";
  *sn = salt ? (size_t)sqlite3_value_bytes(salt) : 0;
  if (!*e || !*s) {
    sqlite3_result_error_nomem(ctx);
    return -1;
  }
  return 0;
}

/* Behaviours 1 and 3: the position of the unit.  1 with *u set, 0 for a NULL
** unit (the result stays NULL), -1 after setting an error result. */
static int ab_position(sqlite3_context *ctx, sqlite3_value *unit, const char *e, size_t en, const char *s, size_t sn,
                       double *u) {
  const void *up;
  size_t un;
  uint8_t buf[8];
  if (omen_value_bytes(unit, buf, &up, &un)) { /* hash_uniform's rule (behaviour 1) */
    sqlite3_result_error_nomem(ctx);
    return -1;
  }
  if (!up) return 0;
  *u = st_ab_position(e, en, s, sn, up, un);
  return 1;
}

void abBucketFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  const char *e, *s;
  size_t en, sn;
  double u;
  if (ab_args(ctx, "ab_bucket", argv[1], argc > 2 ? argv[2] : NULL, 3, &e, &en, &s, &sn)) return;
  if (ab_position(ctx, argv[0], e, en, s, sn, &u) == 1) sqlite3_result_double(ctx, u);
}

static void ab_layout_destroy(void *p) {
  st_ab_layout_free((st_ab_layout *)p);
  sqlite3_free(p);
}

void abAssignFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  st_ab_layout *l = NULL;
  int fresh = 0;
  double u = 0;
  const char *e, *s;
  size_t en, sn;
  /* Behaviour 5: experiment, salt, then weights, then the unit. */
  if (ab_args(ctx, "ab_assign", argv[1], argc > 3 ? argv[3] : NULL, 4, &e, &en, &s, &sn)) return;
  if (argc < 3) { /* the default layout: no weights to parse */
    if (ab_position(ctx, argv[0], e, en, s, sn, &u) == 1)
      sqlite3_result_text(ctx, u < 0.5 ? "A" : "B", 1, SQLITE_STATIC);
    return;
  }
  l = sqlite3_get_auxdata(ctx, AB_WEIGHTS_ARG);
  if (!l) {
    sqlite3_value *w = argv[AB_WEIGHTS_ARG];
    const char *text;
    om_err err;
    om_status st;
    if (sqlite3_value_type(w) != SQLITE_TEXT) {
      omen_errorf(ctx, "ab_assign",
                  "weights (argument 3) is %s; expected TEXT holding a JSON object such as '{\"A\": 0.5, \"B\": 0.5}'",
                  omen_type_name(w));
      return;
    }
    text = (const char *)sqlite3_value_text(w);
    l = sqlite3_malloc64(sizeof *l);
    if (!text || !l) {
      sqlite3_free(l);
      sqlite3_result_error_nomem(ctx);
      return;
    }
    st = st_ab_layout_parse(text, (size_t)sqlite3_value_bytes(w), l, &err);
    if (st != OM_OK) {
      sqlite3_free(l);
      if (st == OM_NOMEM) sqlite3_result_error_nomem(ctx);
      else omen_errorf(ctx, "ab_assign", "weights (argument 3): %s", err.msg);
      return;
    }
    fresh = 1;
  }
  if (ab_position(ctx, argv[0], e, en, s, sn, &u) == 1) {
    const st_ab_variant *v = &l->v[st_ab_pick(l, u)];
    sqlite3_result_text(ctx, v->name, (int)v->name_len, SQLITE_TRANSIENT);
  }
  /* Cache it for the next row (SQLite keeps it while argument 3 is constant;
  ** on failure it calls the destructor at once).  Set last: l is not used
  ** after this. */
  if (fresh) sqlite3_set_auxdata(ctx, AB_WEIGHTS_ARG, l, ab_layout_destroy);
}
