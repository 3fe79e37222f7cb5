/*
** test_hist.c — unit tests of the causal history sweep (ext/core/hist/hist.h).
**
**   make build/unit/test_hist && ./build/unit/test_hist
**
** Covers, by the numbered behaviours of hist.h:
**   H1  rows without a submit give no record and are nobody's history;
**   H2  strict submit order (equal submits are not history of each other),
**       a run ending exactly at the submit is history, a running one is not;
**   H3  history order by end, then submit, then tie, then row; also for rows
**       that end before their submit (the third sort);
**   H4  every field against hand values; mean_last2 with one run;
**       ratio_last / ratio_mean with requested <= 0 and NaN;
**   H5  running, running_elapsed, since_last_submit; keyless rows;
**   H6  all_running counts every key, keyless rows included;
**   H7  mean and ratio_mean bit-identical to sums in history order;
**   H2-H6 on random data against an O(n^2) brute force written here from
**       the definitions (integer times with many ties, NaN ends and
**       durations, requested <= 0, keyless rows, and data where some runs
**       end before their submit), for k = 1, 3, 16;
**   H8  the interrupt stops the sort;
**   H9  every validation error; an OOM loop over keymap + open + sweep: each
**       failure is OM_NOMEM and leaves no block allocated;
**   K1  keys whose hashes all collide stay distinct (a constant hash);
**   K2  growth to 100,000 keys.
*/
#include <math.h>
#include <stdlib.h>

#include "hist.h"
#include "om_test.h"

#define NANV ((double)NAN)

/* ------------------------------------------------------------ brute force */

typedef struct ref_rec {
  size_t row;
  uint32_t n, n_top, top[HIST_MAX_K];
  double mean, mean_last2, mean_last_k, ratio_last, ratio_mean, since_last_end;
  uint32_t running;
  double running_elapsed, since_last_submit;
  uint32_t all_running;
} ref_rec;

static const hist_input *cmp_in;

static int64_t tie_of(const hist_input *in, size_t i) { return in->tie ? in->tie[i] : 0; }

/* history order (H3): -1, 0, 1 */
static int hist_cmp(size_t a, size_t b) {
  const hist_input *in = cmp_in;
  if (in->end[a] != in->end[b]) return in->end[a] < in->end[b] ? -1 : 1;
  if (in->submit[a] != in->submit[b]) return in->submit[a] < in->submit[b] ? -1 : 1;
  if (tie_of(in, a) != tie_of(in, b)) return tie_of(in, a) < tie_of(in, b) ? -1 : 1;
  return a < b ? -1 : a > b;
}

static int hist_qsort_cmp(const void *x, const void *y) { return hist_cmp(*(const size_t *)x, *(const size_t *)y); }

static int out_cmp(const void *x, const void *y) {
  const hist_input *in = cmp_in;
  size_t a = *(const size_t *)x, b = *(const size_t *)y;
  if (in->submit[a] != in->submit[b]) return in->submit[a] < in->submit[b] ? -1 : 1;
  if (tie_of(in, a) != tie_of(in, b)) return tie_of(in, a) < tie_of(in, b) ? -1 : 1;
  return a < b ? -1 : a > b;
}

static int finished(const hist_input *in, size_t i, double t) {
  return !isnan(in->end[i]) && !isnan(in->dur[i]) && in->end[i] <= t;
}

/* The record of row j straight from the definitions (H2..H6). */
static void brute(const hist_input *in, size_t j, ref_rec *r) {
  double t = in->submit[j];
  size_t *h = malloc((in->n + 1) * sizeof *h), nh = 0;
  double sum = 0, sum_ratio = 0, elapsed = 0, last_sub = -INFINITY;
  uint32_t n_ratio = 0, prior = 0, all = 0;
  memset(r, 0, sizeof *r);
  r->row = j;
  for (size_t i = 0; i < in->n; i++) {
    if (i == j || isnan(in->submit[i]) || !(in->submit[i] < t)) continue;
    if (!finished(in, i, t)) all++;
    if (in->key[j] == HIST_NO_KEY || in->key[i] != in->key[j]) continue;
    prior++;
    if (in->submit[i] > last_sub) last_sub = in->submit[i];
    if (finished(in, i, t)) h[nh++] = i;
    else elapsed += t - in->submit[i];
  }
  cmp_in = in;
  qsort(h, nh, sizeof *h, hist_qsort_cmp); /* ascending: last1 is h[nh - 1] */
  for (size_t i = 0; i < nh; i++) {
    sum += in->dur[h[i]];
    if (in->req && in->req[h[i]] > 0) {
      sum_ratio += in->dur[h[i]] / in->req[h[i]];
      n_ratio++;
    }
  }
  r->n = (uint32_t)nh;
  size_t kt = in->k > 3 ? (size_t)in->k : 3, nk = nh < (size_t)in->k ? nh : (size_t)in->k;
  r->n_top = nh < kt ? (uint32_t)nh : (uint32_t)kt;
  for (uint32_t i = 0; i < r->n_top; i++) r->top[i] = (uint32_t)h[nh - 1 - i];
  r->mean = r->mean_last2 = r->mean_last_k = r->ratio_last = r->ratio_mean = r->since_last_end = NANV;
  if (nh) {
    double d1 = in->dur[r->top[0]], s = 0;
    r->mean = sum / (double)nh;
    r->mean_last2 = nh == 1 ? d1 : (d1 + in->dur[r->top[1]]) / 2.0;
    for (size_t i = 0; i < nk; i++) s += in->dur[r->top[i]];
    r->mean_last_k = s / (double)nk;
    if (in->req && in->req[r->top[0]] > 0) r->ratio_last = d1 / in->req[r->top[0]];
    r->since_last_end = t - in->end[r->top[0]];
  }
  if (n_ratio) r->ratio_mean = sum_ratio / n_ratio;
  r->running = prior - (uint32_t)nh;
  r->running_elapsed = elapsed;
  r->since_last_submit = prior ? t - last_sub : NANV;
  r->all_running = all;
  free(h);
}

static int same(double a, double b, double rel) {
  if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
  if (rel == 0) return a == b;
  return fabs(a - b) <= rel * fabs(b) + rel;
}

/* Run the sweep over in and compare every record with the brute force;
** rel = 0 asks for bit-identical doubles. */
static void check_against_brute(const hist_input *in, double rel, const char *what) {
  hist_sweep *s = NULL;
  om_err err;
  hist_out o;
  size_t *order = malloc((in->n + 1) * sizeof *order), m = 0, bad = 0, recs = 0;
  om_status st = hist_open(in, NULL, &s, &err);
  CHECK_MSG(st == OM_OK, "%s: %s", what, err.msg);
  if (st != OM_OK) {
    free(order);
    return;
  }
  for (size_t i = 0; i < in->n; i++)
    if (!isnan(in->submit[i])) order[m++] = i;
  cmp_in = in;
  qsort(order, m, sizeof *order, out_cmp);
  while (hist_next(s, &o)) {
    ref_rec r;
    int ok;
    if (recs >= m) {
      recs++;
      continue;
    }
    brute(in, order[recs], &r);
    ok = o.row == r.row && o.n == r.n && o.n_top == r.n_top && o.running == r.running &&
         o.all_running == r.all_running && same(o.mean, r.mean, rel) && same(o.mean_last2, r.mean_last2, rel) &&
         same(o.mean_last_k, r.mean_last_k, rel) && same(o.ratio_last, r.ratio_last, 0) &&
         same(o.ratio_mean, r.ratio_mean, rel) && same(o.since_last_end, r.since_last_end, 0) &&
         same(o.running_elapsed, r.running_elapsed, rel) && same(o.since_last_submit, r.since_last_submit, 0);
    for (uint32_t i = 0; ok && i < r.n_top; i++) ok = o.top[i] == r.top[i];
    if (!ok && bad++ < 3)
      fprintf(stderr, "%s: record %zu (row %zu): n %u/%u running %u/%u all %u/%u mean %.17g/%.17g elapsed %g/%g\n",
              what, recs, r.row, o.n, r.n, o.running, r.running, o.all_running, r.all_running, o.mean, r.mean,
              o.running_elapsed, r.running_elapsed);
    recs++;
  }
  CHECK_MSG(bad == 0, "%s: %zu of %zu records differ", what, bad, recs);
  CHECK_MSG(recs == m, "%s: %zu records, want %zu (H1)", what, recs, m);
  /* hist_rewind: the same records again */
  {
    size_t again = 0, diff = 0;
    hist_rewind(s);
    while (hist_next(s, &o)) {
      ref_rec r;
      if (again < m) {
        brute(in, order[again], &r);
        if (o.row != r.row || o.n != r.n || o.running != r.running || o.all_running != r.all_running ||
            !same(o.mean, r.mean, rel))
          diff++;
      }
      again++;
    }
    CHECK_MSG(again == m && diff == 0, "%s: after hist_rewind %zu records, %zu differ", what, again, diff);
  }
  hist_close(s);
  free(order);
}

/* ------------------------------------------------------------ fixtures */

typedef struct rows {
  size_t n;
  uint32_t key[64];
  double submit[64], end[64], dur[64], req[64];
  int64_t tie[64];
} rows;

static void add(rows *r, uint32_t key, double submit, double end, double dur, double req) {
  size_t i = r->n++;
  r->key[i] = key;
  r->submit[i] = submit;
  r->end[i] = end;
  r->dur[i] = dur;
  r->req[i] = req;
  r->tie[i] = (int64_t)i;
}

static hist_input input_of(rows *r, uint32_t n_keys, int k) {
  hist_input in = {r->n, r->key, n_keys, r->submit, r->end, r->dur, r->req, r->tie, k};
  return in;
}

/* All records of a sweep, indexed by source row; 1 on success. */
static int sweep_all(const hist_input *in, hist_out *by_row, uint32_t tops[][HIST_MAX_K]) {
  hist_sweep *s;
  om_err err;
  hist_out o;
  if (hist_open(in, NULL, &s, &err) != OM_OK) {
    fprintf(stderr, "hist_open: %s\n", err.msg);
    return 0;
  }
  while (hist_next(s, &o)) {
    by_row[o.row] = o;
    for (uint32_t i = 0; i < o.n_top; i++) tops[o.row][i] = o.top[i];
    by_row[o.row].top = tops[o.row];
  }
  hist_close(s);
  return 1;
}

/* ------------------------------------------------------------ hand cases */

static void test_hand(void) {
  rows r = {0};
  hist_out o[64];
  uint32_t tops[64][HIST_MAX_K];
  hist_input in;
  /* key 0 */
  add(&r, 0, 0, 10, 8, 10);       /* 0: ends 10 */
  add(&r, 0, 2, 12, 9, 0);        /* 1: ends 12, requested 0 */
  add(&r, 0, 5, NANV, NANV, 20);  /* 2: never ends: running */
  add(&r, 0, 12, 12, 0, 4);       /* 3: submitted 12, ends 12 (zero duration) */
  add(&r, 0, 12, 20, 7, 14);      /* 4: equal submit to 3 */
  add(&r, 0, 20, 25, 5, -1);      /* 5: submitted when 4 ends */
  add(&r, HIST_NO_KEY, 1, NANV, NANV, 1); /* 6: keyless, never ends */
  add(&r, 0, NANV, 1, 1, 1);      /* 7: no submit: no record, nobody's history (H1) */
  add(&r, 1, 11, 11.5, 0.5, NANV);/* 8: another key, ends 11.5 */
  memset(o, 0, sizeof o);
  in = input_of(&r, 2, 3);
  CHECK(sweep_all(&in, o, tops));
  /* row 0: nothing before it */
  CHECK(o[0].n == 0 && isnan(o[0].mean) && isnan(o[0].since_last_submit) && o[0].running == 0);
  CHECK(o[0].running_elapsed == 0 && o[0].all_running == 0);
  /* row 1 at 2: row 0 submitted (running, elapsed 2); keyless 6 running too (H6) */
  CHECK(o[1].n == 0 && o[1].running == 1 && o[1].running_elapsed == 2 && o[1].since_last_submit == 2);
  CHECK(o[1].all_running == 2);
  /* row 3 at 12: rows 0 (end 10) and 1 (end 12 = submit: history, H2) finished; 2 running */
  CHECK(o[3].n == 2 && o[3].n_top == 2 && o[3].top[0] == 1 && o[3].top[1] == 0);
  CHECK(o[3].mean == 8.5 && o[3].mean_last2 == 8.5 && o[3].mean_last_k == 8.5);
  CHECK(isnan(o[3].ratio_last));       /* requested 0 (H4) */
  CHECK(o[3].ratio_mean == 0.8);       /* only row 0's 8 / 10 */
  CHECK(o[3].since_last_end == 0);
  CHECK(o[3].running == 1 && o[3].running_elapsed == 7 && o[3].since_last_submit == 7);
  CHECK(o[3].all_running == 2);        /* 2 and keyless 6; row 8 ended at 11.5 */
  /* row 4: same submit as 3; 3 is not its history nor prior (H2) */
  CHECK(o[4].n == 2 && o[4].running == 1 && o[4].since_last_submit == 7);
  /* row 5 at 20: 0, 1, 3 (end 12), 4 (end 20) finished; order by end: 4, 3|1 by submit: 3 (12) after 1 (2) */
  CHECK(o[5].n == 4 && o[5].n_top == 3 && o[5].top[0] == 4 && o[5].top[1] == 3 && o[5].top[2] == 1);
  CHECK(o[5].mean == 6 && o[5].mean_last2 == 3.5 && o[5].mean_last_k == 16.0 / 3);
  CHECK(o[5].ratio_last == 0.5 && same(o[5].ratio_mean, (0.8 + 0 + 0.5) / 3, 0));
  CHECK(o[5].running == 1 && o[5].running_elapsed == 15 && o[5].since_last_submit == 8);
  CHECK(o[5].since_last_end == 0);
  /* row 8: another key: row 0's history is not its history */
  CHECK(o[8].n == 0 && o[8].running == 0 && isnan(o[8].since_last_submit));
  CHECK(o[8].all_running == 3);        /* 1, 2 and 6 at t = 11 (0 ended at 10) */
  /* keyless row 6: no history, no running (H5), but all_running counts (H6) */
  CHECK(o[6].n == 0 && o[6].running == 0 && o[6].running_elapsed == 0 && o[6].all_running == 1);
  /* mean_last2 with one run (H4) */
  {
    rows q = {0};
    add(&q, 0, 0, 3, 3, NANV);
    add(&q, 0, 5, 9, 4, NANV);
    memset(o, 0, sizeof o);
    in = input_of(&q, 1, 1);
    in.req = NULL;
    CHECK(sweep_all(&in, o, tops));
    CHECK(o[1].n == 1 && o[1].mean_last2 == 3 && o[1].n_top == 1 && isnan(o[1].ratio_last) &&
          isnan(o[1].ratio_mean));
  }
}

/* H3: ties in end broken by submit, then tie, then row; and rows that end
** before their submit (the third sort) still in end order. */
static void test_order(void) {
  rows r = {0};
  hist_out o[64];
  uint32_t tops[64][HIST_MAX_K];
  hist_input in;
  add(&r, 0, 3, 10, 1, 1);  /* 0 */
  add(&r, 0, 1, 10, 2, 1);  /* 1: same end, earlier submit */
  add(&r, 0, 3, 10, 3, 1);  /* 2: same end and submit as 0 */
  add(&r, 0, 50, 60, 4, 1); /* 3: query */
  r.tie[2] = -5;            /* 2's id sorts before 0's */
  in = input_of(&r, 1, 3);
  CHECK(sweep_all(&in, o, tops));
  CHECK(o[3].n == 3 && o[3].top[0] == 0 && o[3].top[1] == 2 && o[3].top[2] == 1);
  /* equal ties: row index decides */
  r.tie[2] = r.tie[0];
  CHECK(sweep_all(&in, o, tops));
  CHECK(o[3].top[0] == 2 && o[3].top[1] == 0);
  /* end before submit: row 4 submitted at 40 but "ended" at 5 — history
  ** only from t > 40 (H2), and the least recent by end (H3) */
  add(&r, 0, 40, 5, 1, 1);  /* 4 */
  add(&r, 0, 40, 41, 1, 1); /* 5: ends at 41 */
  in = input_of(&r, 1, 16);
  CHECK(sweep_all(&in, o, tops));
  CHECK(o[3].n == 5 && o[3].top[0] == 5 && o[3].top[4] == 4);
  CHECK(o[4].n == 3 && o[5].n == 3); /* equal submits: 4 is not 5's history */
  check_against_brute(&in, 0, "order");
}

/* ------------------------------------------------------------ random data */

static uint64_t rng_state;
static uint64_t rnd(void) {
  rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
  return rng_state >> 33;
}

typedef struct big {
  size_t n;
  uint32_t *key;
  double *submit, *end, *dur, *req;
  int64_t *tie;
} big;

static void big_free(big *b) {
  free(b->key);
  free(b->submit);
  free(b->end);
  free(b->dur);
  free(b->req);
  free(b->tie);
}

/* n rows over n_keys keys; backwards: some runs end before their submit. */
static big make_big(size_t n, uint32_t n_keys, int backwards, uint64_t seed) {
  big b;
  rng_state = seed;
  b.n = n;
  b.key = malloc(n * sizeof *b.key);
  b.submit = malloc(n * sizeof(double));
  b.end = malloc(n * sizeof(double));
  b.dur = malloc(n * sizeof(double));
  b.req = malloc(n * sizeof(double));
  b.tie = malloc(n * sizeof(int64_t));
  for (size_t i = 0; i < n; i++) {
    double s = (double)(rnd() % (n / 2 + 1)), wait = (double)(rnd() % 4), d = (double)(rnd() % 7);
    b.key[i] = rnd() % 10 == 0 ? HIST_NO_KEY : (uint32_t)(rnd() % n_keys);
    b.submit[i] = rnd() % 50 == 0 ? NANV : s;
    b.end[i] = s + wait + d;
    b.dur[i] = d;
    if (rnd() % 8 == 0) b.end[i] = NANV;
    if (rnd() % 13 == 0) b.dur[i] = NANV;
    if (backwards && rnd() % 6 == 0 && !isnan(b.end[i])) b.end[i] = s - (double)(rnd() % 5);
    b.req[i] = rnd() % 5 == 0 ? NANV : (double)((int)(rnd() % 12) - 2); /* some <= 0 */
    b.tie[i] = (int64_t)(rnd() % (n / 3 + 1)) - 7;                      /* duplicate ties */
  }
  return b;
}

static void test_random(void) {
  static const int ks[] = {1, 3, 16};
  for (int backwards = 0; backwards <= 1; backwards++)
    for (int t = 0; t < 3; t++) {
      char what[64];
      big b = make_big(400 + 97 * (size_t)t, 9, backwards, 1000 + 17 * (uint64_t)t + (uint64_t)backwards);
      hist_input in = {b.n, b.key, 9, b.submit, b.end, b.dur, b.req, b.tie, ks[t]};
      snprintf(what, sizeof what, "random k=%d%s", ks[t], backwards ? " backwards" : "");
      /* H7: integer data in history order: bit-identical when not backwards */
      check_against_brute(&in, backwards ? 1e-12 : 0, what);
      in.req = NULL;
      in.tie = NULL;
      snprintf(what, sizeof what, "random k=%d%s no req, no tie", ks[t], backwards ? " backwards" : "");
      check_against_brute(&in, backwards ? 1e-12 : 0, what);
      big_free(&b);
    }
  /* rows already in submit order (the sort's early return), ends in order too */
  {
    big b = make_big(600, 7, 0, 31);
    for (size_t i = 0; i < b.n; i++) {
      b.submit[i] = (double)(i / 3);
      if (!isnan(b.end[i])) b.end[i] = b.submit[i] + 2;
      b.tie[i] = (int64_t)i;
    }
    hist_input in = {b.n, b.key, 7, b.submit, b.end, b.dur, b.req, b.tie, 3};
    check_against_brute(&in, 0, "presorted");
    big_free(&b);
  }
  /* fractional times and durations */
  {
    big b = make_big(500, 4, 1, 77);
    for (size_t i = 0; i < b.n; i++) {
      b.submit[i] *= 0.37;
      if (!isnan(b.end[i])) b.end[i] = b.end[i] * 0.37 + 0.013;
      if (!isnan(b.dur[i])) b.dur[i] *= 1.0 / 3;
    }
    hist_input in = {b.n, b.key, 4, b.submit, b.end, b.dur, b.req, b.tie, 3};
    check_against_brute(&in, 1e-9, "random fractional");
    big_free(&b);
  }
}

/* ------------------------------------------------------------ errors, H8, H9 */

static int stop_now(void *arg) {
  (void)arg;
  return 1;
}

static void test_errors(void) {
  rows r = {0};
  hist_sweep *s = NULL;
  om_err err;
  hist_input in;
  add(&r, 0, 1, 2, 1, 1);
  add(&r, 0, 2, 3, 1, 1);
  in = input_of(&r, 1, 0);
  CHECK(hist_open(&in, NULL, &s, &err) == OM_INVALID && s == NULL);
  CHECK_STR(err.msg, "k is 0; expected 1 to 16");
  in.k = 17;
  CHECK(hist_open(&in, NULL, &s, &err) == OM_INVALID);
  in.k = 3;
  r.dur[1] = -1;
  CHECK(hist_open(&in, NULL, &s, &err) == OM_INVALID);
  CHECK_STR(err.msg, "row 1: negative duration");
  r.dur[1] = 1;
  r.end[0] = INFINITY;
  CHECK(hist_open(&in, NULL, &s, &err) == OM_INVALID);
  CHECK_STR(err.msg, "row 0: a time is not finite");
  r.end[0] = 2;
  r.key[1] = 1;
  CHECK(hist_open(&in, NULL, &s, &err) == OM_INVALID);
  CHECK_STR(err.msg, "row 1: key 1 out of range (1 keys)");
  r.key[1] = 0;
  CHECK(hist_open(&in, NULL, &s, &err) == OM_OK);
  hist_close(s);
  /* empty input: no records */
  in.n = 0;
  CHECK(hist_open(&in, NULL, &s, &err) == OM_OK);
  {
    hist_out o;
    CHECK(hist_next(s, &o) == 0);
  }
  hist_close(s);
  /* H8: the interrupt is polled by the sort */
  {
    big b = make_big(5000, 10, 0, 5);
    hist_input bi = {b.n, b.key, 10, b.submit, b.end, b.dur, b.req, b.tie, 3};
    om_interrupt it = {stop_now, NULL};
    long live = om_test_alloc_live;
    s = NULL;
    CHECK(hist_open(&bi, &it, &s, &err) == OM_INTERRUPTED && s == NULL);
    CHECK(om_test_alloc_live == live);
    big_free(&b);
  }
}

/* ------------------------------------------------------------ keymap */

static uint64_t same_hash(const void *p, size_t n) {
  (void)p;
  (void)n;
  return 42;
}

static void test_keymap(void) {
  hist_keymap *m;
  uint32_t a, b, c, d, e;
  CHECK(hist_keymap_new(same_hash, &m) == OM_OK);
  CHECK(hist_keymap_intern(m, "abc", 3, &a) == OM_OK && a == 0);
  CHECK(hist_keymap_intern(m, "abd", 3, &b) == OM_OK && b == 1);   /* K1: same hash, other bytes */
  CHECK(hist_keymap_intern(m, "ab", 2, &c) == OM_OK && c == 2);    /* a prefix */
  CHECK(hist_keymap_intern(m, "", 0, &d) == OM_OK && d == 3);
  CHECK(hist_keymap_intern(m, "abd", 3, &e) == OM_OK && e == 1);
  CHECK(hist_keymap_intern(m, "", 0, &e) == OM_OK && e == 3);
  for (int i = 0; i < 200; i++) { /* forces growth with every hash equal */
    char buf[16];
    int n = snprintf(buf, sizeof buf, "k%d", i);
    CHECK(hist_keymap_intern(m, buf, (size_t)n, &e) == OM_OK && e == 4 + (uint32_t)i);
  }
  CHECK(hist_keymap_intern(m, "k17", 3, &e) == OM_OK && e == 21);
  CHECK(hist_keymap_count(m) == 204);
  hist_keymap_free(m);
  /* K2: 100,000 keys through XXH3 */
  CHECK(hist_keymap_new(NULL, &m) == OM_OK);
  {
    int ok = 1;
    for (uint32_t i = 0; i < 100000 && ok; i++) ok = hist_keymap_intern(m, &i, sizeof i, &e) == OM_OK && e == i;
    for (uint32_t i = 0; i < 100000 && ok; i += 7) ok = hist_keymap_intern(m, &i, sizeof i, &e) == OM_OK && e == i;
    CHECK(ok && hist_keymap_count(m) == 100000);
  }
  hist_keymap_free(m);
}

/* ------------------------------------------------------------ OOM */

/* keymap over the rows' keys, then open and sweep (with the third sort). */
static om_status run_all(big *b, uint32_t *dense, size_t *records) {
  hist_keymap *m = NULL;
  hist_sweep *s = NULL;
  om_err err;
  om_status st = hist_keymap_new(NULL, &m);
  for (size_t i = 0; i < b->n && st == OM_OK; i++) {
    if (b->key[i] == HIST_NO_KEY) dense[i] = HIST_NO_KEY;
    else st = hist_keymap_intern(m, &b->key[i], sizeof b->key[i], &dense[i]);
  }
  if (st == OM_OK) {
    hist_input in = {b->n, dense, hist_keymap_count(m), b->submit, b->end, b->dur, b->req, b->tie, 3};
    st = hist_open(&in, NULL, &s, &err);
  }
  if (st == OM_OK) {
    hist_out o;
    *records = 0;
    while (hist_next(s, &o)) (*records)++;
  }
  hist_close(s);
  hist_keymap_free(m);
  return st;
}

static void test_oom(void) {
  big b = make_big(300, 200, 1, 9);
  uint32_t *dense = malloc(b.n * sizeof *dense);
  long start = om_test_alloc_live, k;
  size_t records = 0;
  int done = 0;
  for (k = 1; k < 1000 && !done; k++) {
    om_status st;
    om_test_alloc_reset();
    om_test_alloc_fail_at = k;
    st = run_all(&b, dense, &records);
    om_test_alloc_fail_at = 0;
    if (st == OM_OK) done = 1;
    else CHECK_MSG(st == OM_NOMEM, "failing allocation %ld: status %d", k, st);
    CHECK_MSG(om_test_alloc_live == start, "failing allocation %ld: %ld blocks leaked", k, om_test_alloc_live - start);
  }
  CHECK(done && records > 0);
  printf("OOM loop: allocations 1..%ld failed one at a time, each gave OM_NOMEM without a leak\n", k - 2);
  om_test_alloc_reset();
  free(dense);
  big_free(&b);
}

int main(void) {
  test_hand();
  test_order();
  test_random();
  test_errors();
  test_keymap();
  test_oom();
  return om_test_finish();
}
