/*
** welch_state.c — mergeable states of Welch's t-test:
** welch_ttest_state(value, group [, alternative [, confidence]]) and
** welch_ttest_state(state) (aggregates returning a state BLOB), and
** welch_ttest_merge(state) (an aggregate returning welch_ttest's JSON).
**
**   -- one state per database file, merged in one query through ATTACH:
**   SELECT welch_ttest_merge(s) FROM (
**     SELECT welch_ttest_state(duration_s, variant) AS s FROM f1.runs
**     UNION ALL SELECT welch_ttest_state(duration_s, variant) FROM f2.runs);
**   -- roll-ups in levels: hosts -> regions -> all
**   SELECT region, welch_ttest_state(state) FROM host_states GROUP BY region;
**
** Behaviours (docs/welch_ttest_state.md, docs/welch_ttest_merge.md; the
** payload and its checks in core/stats/st_welch_state.h):
**   1. welch_ttest_state(value, group [, alternative [, confidence]]) takes
**      its rows exactly as welch_ttest does (welch.c behaviours 1-3, 5: the
**      same checks and messages, named welch_ttest_state) and returns a
**      state BLOB: the model envelope, kind 'welch_state', holding per
**      group (at most 2) the label, the count and the exact sums of x and
**      x^2, plus alternative and confidence.  No rows → NULL.  A third
**      group → welch_ttest's error, named welch_ttest_state.
**   2. welch_ttest_state(state) and welch_ttest_merge(state) take state
**      BLOBs (NULL skipped; no state → NULL).  Groups are matched by label
**      as welch_ttest matches rows (omen_key_cmp: SQLite's comparison, 1
**      and 1.0 are one group; the label kept is the first seen, as
**      welch_ttest reports the first row's); counts and exact sums are
**      added.  welch_ttest_state(state) returns the merged state;
**      welch_ttest_merge(state) the JSON welch_ttest gives over the union
**      of the rows, rendered by welch_ttest's own code (welch_agg.h), so
**      the text is equal, whatever the split and the order of the states.
**   3. Bad input, each an error starting with the function's name: a state
**      that is not a BLOB; a BLOB that is not an omen envelope or is
**      damaged (mdl_open's messages: "not an omen model", "model checksum
**      mismatch", ...); a model of another kind ("the state is a bandit
**      state; expected a welch_state, from welch_ttest_state()"); a newer
**      payload version (both versions named); a corrupt payload; states
**      with other alternative or confidence (both named); more than two
**      distinct groups in all (welch_ttest's message).
**   4. They are plain aggregates, not window functions (a state is made
**      once per file or host; SQLite refuses OVER).  Flags: pure
**      (DETERMINISTIC, INNOCUOUS): they read only their arguments.
*/
#include <string.h>

#include "core/base/mdl_kind.h"
#include "core/stats/st_welch_state.h"
#include "omen_ext.h"
#include "welch_agg.h"

static const char *alt_name(st_alternative a) {
  return a == ST_LESS ? "less" : a == ST_GREATER ? "greater" : "two-sided";
}

/* Fold one state BLOB into the aggregate (behaviour 2). */
static void state_step(sqlite3_context *ctx, const char *fname, sqlite3_value *arg) {
  welch_agg *a = sqlite3_aggregate_context(ctx, sizeof *a);
  const st_wstate *s;
  omen_state os;
  if (!a) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (omen_state_open(ctx, fname, arg, MDL_KIND_WELCH_STATE, "welch_ttest_state", &os) || !os.model) return;
  s = os.model;
  if (!a->configured) {
    a->alt = s->alt;
    a->confidence = s->confidence;
    a->configured = 1;
  } else if (a->alt != s->alt || a->confidence != s->confidence) {
    omen_errorf(ctx, fname,
                "states differ: one has alternative '%s' and confidence %!.15g, another '%s' and confidence "
                "%!.15g; merge states made with the same settings",
                alt_name(a->alt), a->confidence, alt_name(s->alt), s->confidence);
    goto done;
  }
  for (int i = 0; i < s->n_groups; i++) {
    const st_wlabel *l = &s->g[i].label;
    omen_key k;
    memset(&k, 0, sizeof k);
    if (l->type == ST_WLABEL_INT) {
      k.type = SQLITE_INTEGER;
      k.i = l->i;
    } else if (l->type == ST_WLABEL_REAL) {
      k.type = SQLITE_FLOAT;
      k.d = l->r;
    } else {
      k.type = SQLITE_TEXT;
      k.text = (char *)l->text; /* borrowed; copied if the group is new */
      k.len = (int)l->len;      /* < the BLOB's size, below 2^31 */
    }
    if (welch_agg_add_group(ctx, fname, a, &k, &s->g[i].sums)) break;
  }
done:
  omen_state_close(&os);
}

/* The aggregate as a state BLOB (behaviour 1), or NULL for no rows. */
static void state_result(sqlite3_context *ctx, const char *fname, welch_agg *a) {
  st_wstate *s;
  om_wbuf w;
  om_err err;
  om_status st;
  int present = welch_agg_groups(ctx, fname, a), n = 0;
  if (present <= 0) return;
  s = sqlite3_malloc(sizeof *s);
  if (!s) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  memset(s, 0, sizeof *s);
  s->alt = a->alt;
  s->confidence = a->confidence;
  for (int i = 0; i < a->cap; i++) {
    const omen_key *k = &a->g[i].key;
    st_wgroup *g;
    if (!k->type) continue;
    g = &s->g[n++];
    g->label.type = k->type == SQLITE_INTEGER ? ST_WLABEL_INT : k->type == SQLITE_FLOAT ? ST_WLABEL_REAL : ST_WLABEL_TEXT;
    g->label.i = k->i;
    g->label.r = k->d;
    g->label.text = k->text;
    g->label.len = (uint32_t)k->len;
    g->sums = a->s[i];
  }
  s->n_groups = n;
  if (n == 2 /* sorted (st_welch_state.h) */ && st_wlabel_cmp(&s->g[0].label, &s->g[1].label) > 0) {
    st_wgroup t = s->g[0];
    s->g[0] = s->g[1];
    s->g[1] = t;
  }
  om_wbuf_init(&w);
  st = st_wstate_write(s, &w, &err);
  if (st != OM_OK) omen_result_status(ctx, fname, st, &err);
  else sqlite3_result_blob64(ctx, w.data, w.len, SQLITE_TRANSIENT);
  om_wbuf_free(&w);
  sqlite3_free(s);
}

void welchStateStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  if (argc == 1) state_step(ctx, "welch_ttest_state", argv[0]);
  else welch_agg_step(ctx, "welch_ttest_state", argc, argv);
}

void welchStateFinal(sqlite3_context *ctx) {
  welch_agg *a = sqlite3_aggregate_context(ctx, 0);
  if (!a) return;
  state_result(ctx, "welch_ttest_state", a);
  welch_agg_free(a);
}

void welchMergeStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  state_step(ctx, "welch_ttest_merge", argv[0]);
}

void welchMergeFinal(sqlite3_context *ctx) {
  welch_agg *a = sqlite3_aggregate_context(ctx, 0);
  if (!a) return;
  welch_agg_result(ctx, "welch_ttest_merge", a);
  welch_agg_free(a);
}
