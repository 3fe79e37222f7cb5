/*
** test_bd.c — unit tests of the bandit family (ext/core/bandit, bd.h).
**
** Hand-checked cases for the exact accumulator (bd.h 3), label order (1),
** options (bd_state.c), update and merge (2, 4, 6: merging split logs gives
** the bytes of one update over all rows, for every non-discounted policy and
** in any row order), discounting (5), the codec (7: round trip, every
** truncation and every single-byte change of a payload is refused or decodes
** to a state that re-encodes to itself, never a crash), choose (8: UCB1,
** UCB-tuned, greedy, unplayed first, determinism of the seed), the Wilson
** interval and p_best (10: statsmodels 0.13.5 proportion_confint(method=
** 'wilson') and scipy 1.10.1 quad of Beta pdf·cdf, values below), and an OOM
** loop over update + write + decode.
*/
#include "../../ext/core/bandit/bd.h"

#include <math.h>
#include <stdlib.h>

#include "om_test.h"

static bd_label L_text(const char *s) {
  bd_label l;
  memset(&l, 0, sizeof l);
  l.type = BD_LABEL_TEXT;
  l.text = (char *)s;
  l.len = (uint16_t)strlen(s);
  return l;
}

static bd_label L_int(int64_t i) {
  bd_label l;
  memset(&l, 0, sizeof l);
  l.type = BD_LABEL_INT;
  l.i = i;
  return l;
}

static bd_label L_real(double r) {
  bd_label l;
  memset(&l, 0, sizeof l);
  l.type = BD_LABEL_REAL;
  l.r = r;
  return l;
}

static bd_options opts(const char *json) {
  bd_options o;
  om_err err;
  om_status st = bd_options_parse(json, json ? strlen(json) : 0, BD_THOMPSON, &o, &err);
  CHECK_MSG(st == OM_OK, "%s: %s", json ? json : "NULL", err.msg);
  return o;
}

static void test_acc(void) {
  bd_acc a, b;
  memset(&a, 0, sizeof a);
  for (int i = 0; i < 10; i++) bd_acc_add(&a, 0.1);
  /* ten copies of the double 0.1 sum exactly to 10 * 0.1000000000000000055511151231257827 */
  CHECK(bd_acc_value(&a) == 1.0000000000000000555 || bd_acc_value(&a) == 1.0);
  memset(&a, 0, sizeof a);
  bd_acc_add(&a, 1e100);
  bd_acc_add(&a, 1.0);
  bd_acc_add(&a, -1e100);
  CHECK(bd_acc_value(&a) == 1.0);
  memset(&a, 0, sizeof a);
  bd_acc_add(&a, 4.9406564584124654e-324);
  bd_acc_add(&a, 4.9406564584124654e-324);
  CHECK(bd_acc_value(&a) == 9.8813129168249309e-324);
  memset(&a, 0, sizeof a);
  bd_acc_add(&a, -2.5);
  bd_acc_add(&a, 1.25);
  CHECK(bd_acc_value(&a) == -1.25);
  CHECK(bd_acc_sign(&a) == -1);
  bd_acc_add(&a, 1.25);
  CHECK(bd_acc_sign(&a) == 0 && bd_acc_value(&a) == 0.0);
  /* the largest double, many times: no overflow inside the digits */
  memset(&a, 0, sizeof a);
  for (int i = 0; i < 1000; i++) bd_acc_add(&a, 1e100);
  CHECK_CLOSE(bd_acc_value(&a), 1e103, 1e-15);
  /* merge = adding the terms to one accumulator */
  memset(&a, 0, sizeof a);
  memset(&b, 0, sizeof b);
  {
    bd_acc all;
    uint64_t seed = 7;
    memset(&all, 0, sizeof all);
    for (int i = 0; i < 500; i++) {
      double x = (om_test_unif(&seed) - 0.3) * pow(10, (int)(om_test_unif(&seed) * 40) - 20);
      bd_acc_add(i % 3 ? &a : &b, x);
      bd_acc_add(&all, x);
    }
    bd_acc_merge(&a, &b);
    bd_acc_normalize(&all);
    CHECK(memcmp(a.d, all.d, sizeof a.d) == 0);
  }
}

static void test_labels(void) {
  bd_label i3 = L_int(3), r25 = L_real(2.5), r35 = L_real(3.5), ta = L_text("a"), tab = L_text("ab"),
           tb = L_text("b"), big = L_real(9.3e18), imax = L_int(INT64_MAX);
  int64_t k;
  CHECK(bd_label_cmp(&r25, &i3) < 0);
  CHECK(bd_label_cmp(&i3, &r35) < 0);
  CHECK(bd_label_cmp(&r35, &i3) > 0);
  CHECK(bd_label_cmp(&i3, &ta) < 0);
  CHECK(bd_label_cmp(&ta, &tab) < 0);
  CHECK(bd_label_cmp(&tab, &tb) < 0);
  CHECK(bd_label_cmp(&imax, &big) < 0);
  CHECK(bd_label_cmp(&i3, &i3) == 0);
  CHECK(bd_real_is_int(3.0, &k) && k == 3);
  CHECK(!bd_real_is_int(2.5, &k));
  CHECK(!bd_real_is_int(9.3e18, &k));
  CHECK(bd_real_is_int(-9223372036854775808.0, &k) && k == INT64_MIN);
}

static void test_options(void) {
  bd_options o;
  om_err err;
  o = opts(NULL);
  CHECK(o.policy == BD_THOMPSON && o.reward == BD_BERNOULLI && o.scale == 0);
  o = opts("{\"policy\":\"ucb1\"}");
  CHECK(o.policy == BD_UCB1 && o.scale == 1);
  o = opts("{\"policy\":\"epsilon_greedy\"}");
  CHECK(o.epsilon == 0.1 && o.c == 0);
  o = opts("{\"policy\":\"epsilon_greedy\",\"c\":5}");
  CHECK(o.epsilon == 0 && o.c == 5 && o.d == 0.1);
  o = opts("{\"policy\":\"discounted_ucb\",\"reward\":\"gaussian\"}");
  CHECK(o.gamma == 0.99 && o.xi == 0.6 && o.scale == 1 && o.reward == BD_GAUSSIAN);
  CHECK(bd_options_parse("{\"policy\":\"ucb2\"}", 17, BD_THOMPSON, &o, &err) == OM_INVALID);
  CHECK_STR(err.msg, "option policy must be 'thompson', 'ucb1', 'ucb_tuned', 'epsilon_greedy', 'discounted_ucb' or "
                     "'linucb'");
  CHECK(bd_options_parse("{\"gamma\":0.5}", 13, BD_THOMPSON, &o, &err) == OM_INVALID);
  CHECK_STR(err.msg, "option gamma applies only to policy discounted_ucb");
  CHECK(bd_options_parse("{\"policy\":\"discounted_ucb\",\"gamma\":1}", 37, BD_THOMPSON, &o, &err) == OM_INVALID);
  CHECK_STR(err.msg, "option gamma must be a number in (0, 1)");
  CHECK(bd_options_parse("{\"policy\":\"epsilon_greedy\",\"epsilon\":0.1,\"c\":1}", 46, BD_THOMPSON, &o, &err) == OM_INVALID);
  CHECK(bd_options_parse("{\"foo\":1}", 9, BD_THOMPSON, &o, &err) == OM_INVALID);
  CHECK_STR(err.msg, "unknown option \"foo\"; accepted: policy, reward, epsilon, c, d, gamma, xi, scale, alpha, lambda");
  CHECK(bd_options_parse("[1]", 3, BD_THOMPSON, &o, &err) == OM_INVALID);
}

/* A state over rows i in [from, to) of a fixed log, visited with stride. */
typedef struct logrow {
  bd_label l;
  int has;
  double r;
} logrow;

static const char *const names[] = {"a", "bb", "c", "delta", "e"};

static void make_log(logrow *rows, int n, int gaussian, uint64_t seed) {
  for (int i = 0; i < n; i++) {
    int k = (int)(om_test_unif(&seed) * 7);
    if (k < 5) rows[i].l = L_text(names[k]);
    else if (k == 5) rows[i].l = L_int(42);
    else rows[i].l = L_real(-0.5);
    rows[i].has = om_test_unif(&seed) > 0.05;
    rows[i].r = gaussian ? (om_test_unif(&seed) - 0.5) * 1e3 + k : (om_test_unif(&seed) < 0.3 + 0.1 * k);
    if (gaussian && i % 11 == 0) rows[i].r = om_test_unif(&seed); /* fractions of every size */
  }
}

static void fold(bd_state *s, const bd_options *o, const logrow *rows, int from, int to) {
  om_err err;
  bd_state_init(s, o);
  for (int i = from; i < to; i++) CHECK(bd_state_add(s, &rows[i].l, rows[i].has, rows[i].r, &err) == OM_OK);
}

static void blob_of(bd_state *s, om_wbuf *w) {
  om_err err;
  om_wbuf_init(w);
  CHECK_MSG(bd_write(s, w, &err) == OM_OK, "%s", err.msg);
}

static void test_merge_exact(void) {
  static const char *const pol[] = {
      "{\"policy\":\"thompson\"}", "{\"policy\":\"ucb1\"}", "{\"policy\":\"ucb_tuned\"}",
      "{\"policy\":\"epsilon_greedy\",\"c\":2,\"d\":0.2}", "{\"policy\":\"thompson\",\"reward\":\"gaussian\"}",
      "{\"policy\":\"ucb1\",\"reward\":\"gaussian\",\"scale\":1000}"};
  logrow rows[600];
  for (size_t p = 0; p < sizeof pol / sizeof pol[0]; p++) {
    bd_options o = opts(pol[p]);
    bd_state all, a, b, c, rev;
    om_wbuf wa, wm, wr;
    om_err err;
    make_log(rows, 600, o.reward == BD_GAUSSIAN, 100 + p);
    fold(&all, &o, rows, 0, 600);
    fold(&a, &o, rows, 0, 211);
    fold(&b, &o, rows, 211, 450);
    fold(&c, &o, rows, 450, 600);
    CHECK(bd_state_merge(&b, &c, &err) == OM_OK); /* (a + (b + c)) */
    CHECK(bd_state_merge(&a, &b, &err) == OM_OK);
    bd_state_init(&rev, &o); /* the rows in reverse order */
    for (int i = 599; i >= 0; i--) bd_state_add(&rev, &rows[i].l, rows[i].has, rows[i].r, &err);
    blob_of(&all, &wa);
    blob_of(&a, &wm);
    blob_of(&rev, &wr);
    CHECK_MSG(wa.len == wm.len && memcmp(wa.data, wm.data, wa.len) == 0, "policy %s: merge differs", pol[p]);
    CHECK_MSG(wa.len == wr.len && memcmp(wa.data, wr.data, wa.len) == 0, "policy %s: order matters", pol[p]);
    CHECK(all.n_arms == 7 && all.arms[0].label.type == BD_LABEL_REAL && all.arms[1].label.type == BD_LABEL_INT);
    {
      uint64_t n = 0;
      for (size_t i = 0; i < all.n_arms; i++) n += all.arms[i].n;
      CHECK(n == all.pulls && all.pulls + all.skipped == 600);
    }
    om_wbuf_free(&wa);
    om_wbuf_free(&wm);
    om_wbuf_free(&wr);
    bd_state_free(&all);
    bd_state_free(&a);
    bd_state_free(&b);
    bd_state_free(&c);
    bd_state_free(&rev);
  }
  { /* different options, and discounted_ucb, are refused */
    bd_options o1 = opts("{\"policy\":\"ucb1\"}"), o2 = opts("{\"policy\":\"ucb1\",\"scale\":2}"),
               o3 = opts("{\"policy\":\"discounted_ucb\"}"), o4 = opts(NULL);
    bd_state s1, s2, s3, s4;
    om_err err;
    bd_state_init(&s1, &o1);
    bd_state_init(&s2, &o2);
    bd_state_init(&s3, &o3);
    bd_state_init(&s4, &o4);
    CHECK(bd_state_merge(&s1, &s2, &err) == OM_INVALID);
    CHECK_STR(err.msg, "states of policy 'ucb1' have different options");
    CHECK(bd_state_merge(&s1, &s4, &err) == OM_INVALID);
    CHECK_STR(err.msg, "states differ: one is policy 'ucb1' with 'bernoulli' rewards, the other 'thompson' with "
                       "'bernoulli'");
    CHECK(bd_state_merge(&s3, &s3, &err) == OM_INVALID);
    CHECK(strncmp(err.msg, "discounted_ucb states cannot be merged", 38) == 0);
  }
}

static void test_bad_rewards(void) {
  bd_options o = opts(NULL), g = opts("{\"reward\":\"gaussian\"}");
  bd_state s;
  bd_label a = L_text("a");
  om_err err;
  bd_state_init(&s, &o);
  CHECK(bd_state_add(&s, &a, 1, 1.5, &err) == OM_INVALID);
  CHECK_STR(err.msg, "reward 1.5 is outside [0, 1]; 'bernoulli' rewards are 0/1 (or a fraction); use '{\"reward\": "
                     "\"gaussian\"}' for other numbers");
  CHECK(bd_state_add(&s, &a, 1, NAN, &err) == OM_INVALID);
  CHECK_STR(err.msg, "reward is not a finite number");
  CHECK(bd_state_add(&s, &a, 1, -0.0, &err) == OM_OK);
  CHECK(s.n_arms == 1 && s.pulls == 1);
  bd_state_free(&s);
  bd_state_init(&s, &g);
  CHECK(bd_state_add(&s, &a, 1, 2e100, &err) == OM_INVALID);
  CHECK_STR(err.msg, "reward 2e+100 is beyond ±1e100");
  CHECK(bd_state_add(&s, &a, 1, -1e100, &err) == OM_OK);
  for (int i = 0; i < BD_MAX_ARMS; i++) {
    bd_label l = L_int(i);
    om_status st = bd_state_add(&s, &l, 0, 0, &err);
    CHECK(i < BD_MAX_ARMS - 1 ? st == OM_OK : st == OM_INVALID);
  }
  CHECK_STR(err.msg, "more than 1024 distinct arms");
  bd_state_free(&s);
}

static void test_discounted(void) {
  bd_options o = opts("{\"policy\":\"discounted_ucb\",\"gamma\":0.5}");
  bd_state s;
  bd_label a = L_text("a"), b = L_text("b");
  om_err err;
  bd_state_init(&s, &o);
  bd_state_add(&s, &a, 1, 1, &err);
  bd_state_add(&s, &a, 1, 0, &err);
  bd_state_add(&s, &b, 1, 1, &err);
  CHECK(s.arms[0].dn == 1.5 && s.arms[0].ds == 0.5 && s.arms[0].last == 2);
  CHECK(s.arms[1].dn == 1.0 && s.arms[1].ds == 1.0 && s.arms[1].last == 3);
  /* T = 3: a has N = 0.75, S = 0.25 (mean 1/3); b N = 1, mean 1; total 1.75.
  ** index a = 1/3 + 2 sqrt(0.6 ln 1.75 / 0.75) = 1.3315; b = 1 + 2 sqrt(0.6 ln 1.75) = 1.5826 */
  CHECK(bd_state_ready(&s, NULL) == OM_OK);
  CHECK(bd_choose(&s, 0) == 1);
  bd_state_add(&s, &b, 1, 0, &err);
  bd_state_add(&s, &b, 1, 0, &err);
  /* T = 5: a N = 0.1875, mean 1/3, index 1/3 + 2 sqrt(0.6 ln(N) / 0.1875); b N = 1.75, S = .25 */
  CHECK(bd_state_ready(&s, NULL) == OM_OK);
  CHECK(bd_choose(&s, 0) == 0);
  {
    om_wbuf w;
    mdl_view v;
    const mdl_kind_def *k;
    void *m;
    blob_of(&s, &w);
    CHECK(mdl_decode(w.data, w.len, &v, &k, &m, &err) == OM_OK);
    CHECK(((bd_state *)m)->arms[0].dn == 1.5 && ((bd_state *)m)->arms[1].last == 5);
    k->close(m);
    mdl_view_free(&v);
    om_wbuf_free(&w);
  }
  bd_state_free(&s);
}

/* State with arms "a" (n, sum) and "b". */
static void two_arms(bd_state *s, const char *json, int na, int sa, int nb, int sb) {
  bd_options o = opts(json);
  bd_label a = L_text("a"), b = L_text("b");
  om_err err;
  bd_state_init(s, &o);
  for (int i = 0; i < na; i++) bd_state_add(s, &a, 1, i < sa, &err);
  for (int i = 0; i < nb; i++) bd_state_add(s, &b, 1, i < sb, &err);
  CHECK(bd_state_ready(s, NULL) == OM_OK);
}

static void test_choose(void) {
  bd_state s;
  int counts[3] = {0, 0, 0};
  /* UCB1: a = 0.5 + sqrt(2 ln 3 / 2) = 1.548, b = 1 + sqrt(2 ln 3) = 2.482 */
  two_arms(&s, "{\"policy\":\"ucb1\"}", 2, 1, 1, 1);
  CHECK(bd_choose(&s, 1) == 1);
  bd_state_free(&s);
  /* UCB1: a 100 pulls mean 0.6, b 10 pulls mean 0.5: a = 0.6 + sqrt(2 ln 110/100) = 0.9066,
  ** b = 0.5 + sqrt(2 ln 110 / 10) = 1.4696 */
  two_arms(&s, "{\"policy\":\"ucb1\"}", 100, 60, 10, 5);
  CHECK(bd_choose(&s, 1) == 1);
  bd_state_free(&s);
  /* UCB-tuned, same data: a var .24, V = .24 + sqrt(2 ln 110/100) = .5466 -> min .25:
  ** a = .6 + sqrt(ln 110/100 * .25) = .7084; b var .25 -> .25: .5 + sqrt(ln 110/10 *.25) = .8428 */
  two_arms(&s, "{\"policy\":\"ucb_tuned\"}", 100, 60, 10, 5);
  CHECK(bd_choose(&s, 1) == 1);
  bd_state_free(&s);
  /* UCB-tuned with a much longer log: a 1000 pulls mean .6, b 1000 pulls mean .5 -> a */
  two_arms(&s, "{\"policy\":\"ucb_tuned\"}", 1000, 600, 1000, 500);
  CHECK(bd_choose(&s, 1) == 0);
  bd_state_free(&s);
  /* greedy (epsilon 0) */
  two_arms(&s, "{\"policy\":\"epsilon_greedy\",\"epsilon\":0}", 10, 3, 10, 4);
  for (uint64_t k = 0; k < 100; k++) CHECK(bd_choose(&s, k) == 1);
  bd_state_free(&s);
  /* epsilon 1: uniform (each arm about half the time) */
  two_arms(&s, "{\"policy\":\"epsilon_greedy\",\"epsilon\":1}", 10, 3, 10, 4);
  for (uint64_t k = 0; k < 2000; k++) counts[bd_choose(&s, k)]++;
  CHECK(counts[0] > 850 && counts[1] > 850);
  bd_state_free(&s);
  /* Thompson: deterministic by seed; overwhelming evidence picks the best */
  two_arms(&s, NULL, 200, 20, 200, 180);
  counts[0] = counts[1] = 0;
  for (uint64_t k = 0; k < 500; k++) counts[bd_choose(&s, k)]++;
  CHECK(counts[1] == 500);
  bd_state_free(&s);
  two_arms(&s, NULL, 5, 2, 5, 3);
  {
    int same = 1, differ = 0;
    for (uint64_t k = 0; k < 200; k++) {
      size_t c1 = bd_choose(&s, k), c2 = bd_choose(&s, k);
      same &= c1 == c2;
      differ |= c1 != bd_choose(&s, 0);
    }
    CHECK(same && differ);
  }
  bd_state_free(&s);
  /* unplayed arms first: "c" declared without a reward */
  {
    static const char *const pol[] = {NULL, "{\"policy\":\"ucb1\"}", "{\"policy\":\"ucb_tuned\"}",
                                      "{\"policy\":\"epsilon_greedy\"}", "{\"policy\":\"discounted_ucb\"}"};
    for (size_t p = 0; p < 5; p++) {
      bd_label c = L_text("c"), z = L_text("z");
      om_err err;
      two_arms(&s, pol[p], 50, 50, 50, 50);
      bd_state_add(&s, &c, 0, 0, &err);
      bd_state_add(&s, &z, 0, 0, &err);
      CHECK(bd_state_ready(&s, NULL) == OM_OK);
      counts[0] = counts[1] = counts[2] = 0;
      for (uint64_t k = 0; k < 400; k++) {
        size_t i = bd_choose(&s, k);
        CHECK(i == 2 || i == 3);
        counts[i == 3] += 1;
      }
      /* deterministic policies: the first unplayed in arm order; random ones spread */
      if (p == 0 || p == 3) CHECK(counts[0] > 120 && counts[1] > 120);
      else CHECK(counts[0] == 400);
      bd_state_free(&s);
    }
  }
  /* gaussian Thompson: a clearly better arm wins; an all-equal log is fine */
  {
    bd_options o = opts("{\"reward\":\"gaussian\"}");
    bd_label a = L_text("a"), b = L_text("b");
    om_err err;
    bd_state_init(&s, &o);
    for (int i = 0; i < 50; i++) {
      bd_state_add(&s, &a, 1, 1000 + (i % 5), &err);
      bd_state_add(&s, &b, 1, 1010 + (i % 5), &err);
    }
    CHECK(bd_state_ready(&s, NULL) == OM_OK);
    for (uint64_t k = 0; k < 100; k++) CHECK(bd_choose(&s, k) == 1);
    bd_state_free(&s);
    bd_state_init(&s, &o);
    for (int i = 0; i < 3; i++) {
      bd_state_add(&s, &a, 1, 7, &err);
      bd_state_add(&s, &b, 1, 7, &err);
    }
    CHECK(bd_state_ready(&s, NULL) == OM_OK);
    counts[0] = counts[1] = 0;
    for (uint64_t k = 0; k < 100; k++) counts[bd_choose(&s, k)]++;
    CHECK(counts[0] + counts[1] == 100);
    bd_state_free(&s);
  }
}

static void test_stats(void) {
  bd_state s;
  bd_arm_stats st[2];
  om_err err;
  /* Wilson 95%: statsmodels proportion_confint(3, 10, method='wilson') */
  two_arms(&s, NULL, 10, 3, 10, 6);
  CHECK(bd_stats(&s, st, &err) == OM_OK);
  CHECK(st[0].n == 10 && st[0].mean == 0.3);
  CHECK_CLOSE(st[0].ci_low, 0.10779126740630104, 1e-12);
  CHECK_CLOSE(st[0].ci_high, 0.6032218525388546, 1e-12);
  /* p_best: Beta(7, 5) vs Beta(41, 41); P(A > B) = 0.7129026782954617 (scipy quad) */
  bd_state_free(&s);
  two_arms(&s, NULL, 10, 6, 80, 40);
  CHECK(bd_stats(&s, st, &err) == OM_OK);
  CHECK_MSG(fabs(st[0].p_best - 0.7129026782954617) < 0.015, "p_best %.4f", st[0].p_best);
  CHECK(st[0].p_best + st[1].p_best == 1.0);
  bd_state_free(&s);
  { /* fractional bernoulli rewards: 7.5 successes in 20 (proportion_confint(7.5, 20)) */
    bd_options o = opts(NULL);
    bd_label a = L_text("a");
    bd_state_init(&s, &o);
    for (int i = 0; i < 20; i++) bd_state_add(&s, &a, 1, 0.375, &err);
    CHECK(bd_state_ready(&s, NULL) == OM_OK);
    CHECK(bd_stats(&s, st, &err) == OM_OK);
    CHECK_CLOSE(st[0].ci_low, 0.19977085566463149, 1e-12);
    CHECK_CLOSE(st[0].ci_high, 0.5905104338485734, 1e-12);
    CHECK(st[0].p_best == 1.0);
    bd_state_free(&s);
  }
  { /* gaussian: mean ± 1.96 s/√n; rewards 1..5: mean 3, s = sqrt(2.5) */
    bd_options o = opts("{\"reward\":\"gaussian\"}");
    bd_label a = L_text("a"), b = L_text("b");
    bd_state_init(&s, &o);
    for (int i = 1; i <= 5; i++) bd_state_add(&s, &a, 1, i, &err);
    bd_state_add(&s, &b, 1, 10, &err);
    CHECK(bd_state_ready(&s, NULL) == OM_OK);
    CHECK(bd_stats(&s, st, &err) == OM_OK);
    CHECK(st[0].mean == 3);
    CHECK_CLOSE(st[0].ci_low, 3 - 1.959963984540054 * sqrt(2.5 / 5), 1e-14);
    CHECK_CLOSE(st[0].ci_high, 3 + 1.959963984540054 * sqrt(2.5 / 5), 1e-14);
    CHECK(st[1].mean == 10 && isnan(st[1].ci_low) && isnan(st[1].ci_high));
    bd_state_free(&s);
  }
}

static void test_codec(void) {
  static const char *const pol[] = {NULL, "{\"policy\":\"discounted_ucb\",\"reward\":\"gaussian\"}",
                                    "{\"policy\":\"epsilon_greedy\"}"};
  logrow rows[80];
  for (size_t p = 0; p < 3; p++) {
    bd_options o = opts(pol[p]);
    bd_state s, back;
    om_wbuf w, pay, again;
    mdl_view v;
    om_err err;
    size_t bad_ok = 0;
    make_log(rows, 80, o.reward == BD_GAUSSIAN, 5 + p);
    fold(&s, &o, rows, 0, 80);
    blob_of(&s, &w);
    CHECK(mdl_open(w.data, w.len, &v, &err) == OM_OK);
    om_wbuf_init(&pay);
    CHECK(bd_encode_payload(&s, &pay) == OM_OK);
    CHECK(pay.len == v.payload_len && memcmp(pay.data, v.payload, pay.len) == 0);
    CHECK(bd_decode_payload(pay.data, pay.len, 0, NULL, 0, &back, &err) == OM_OK);
    om_wbuf_init(&again);
    bd_encode_payload(&back, &again);
    CHECK(again.len == pay.len && memcmp(again.data, pay.data, pay.len) == 0);
    bd_state_free(&back);
    for (size_t n = 0; n < pay.len; n++) /* every truncation */
      CHECK(bd_decode_payload(pay.data, n, 0, NULL, 0, &back, &err) == OM_CORRUPT && back.arms == NULL);
    for (size_t i = 0; i < pay.len; i++) /* every byte changed */
      for (int bit = 0; bit < 8; bit += 3) {
        om_status st;
        pay.data[i] ^= (uint8_t)(1u << bit);
        st = bd_decode_payload(pay.data, pay.len, 0, NULL, 0, &back, &err);
        CHECK(st == OM_OK || st == OM_CORRUPT);
        if (st == OM_OK) { /* then it is a canonical state of its own */
          om_wbuf_reset(&again);
          bd_encode_payload(&back, &again);
          CHECK(again.len == pay.len && memcmp(again.data, pay.data, pay.len) == 0);
          bd_choose(&back, 1);
          bad_ok++;
          bd_state_free(&back);
        }
        pay.data[i] ^= (uint8_t)(1u << bit);
      }
    CHECK(bad_ok < pay.len * 3); /* digits are data; structure changes are caught */
    mdl_view_free(&v);
    om_wbuf_free(&w);
    om_wbuf_free(&pay);
    om_wbuf_free(&again);
    bd_state_free(&s);
  }
}

static void test_oom(void) {
  logrow rows[40];
  bd_options o = opts("{\"policy\":\"ucb1\"}");
  long n;
  make_log(rows, 40, 0, 9);
  for (n = 1; n < 200; n++) {
    bd_state s;
    om_wbuf w;
    om_err err;
    om_status st = OM_OK;
    long live = om_test_alloc_live;
    om_test_alloc_reset();
    om_test_alloc_fail_at = n;
    bd_state_init(&s, &o);
    for (int i = 0; i < 40 && st == OM_OK; i++) st = bd_state_add(&s, &rows[i].l, rows[i].has, rows[i].r, &err);
    om_wbuf_init(&w);
    if (st == OM_OK) st = bd_write(&s, &w, &err);
    om_wbuf_free(&w);
    bd_state_free(&s);
    om_test_alloc_fail_at = 0;
    CHECK(st == OM_OK || st == OM_NOMEM);
    CHECK(om_test_alloc_live == live);
    if (st == OM_OK) break;
  }
  CHECK(n < 200);
}

/* LinUCB (bd.h 11): θ against the 2×2 ridge solution by hand, the index,
** choices by context, the envelope's schema, merge of split logs (equal up to
** rounding), and refusals. */
static void test_linucb(void) {
  bd_options o = opts(NULL);
  bd_state s, h1, h2;
  bd_feature f[2] = {{"x1", 2}, {"x2", 2}};
  bd_label a = L_text("a"), b = L_text("b");
  om_err err;
  uint64_t seed = 3;
  om_status st;
  st = bd_options_parse("{\"alpha\":0.5}", 13, BD_LINUCB, &o, &err);
  CHECK(st == OM_OK && o.policy == BD_LINUCB && o.alpha == 0.5 && o.lambda == 1);
  CHECK(bd_options_parse("{\"lambda\":0}", 12, BD_LINUCB, &o, &err) == OM_INVALID);
  CHECK_STR(err.msg, "option lambda must be a number in (0, 1e6]");
  CHECK(bd_options_parse("{\"policy\":\"ucb1\",\"alpha\":1}", 27, BD_THOMPSON, &o, &err) == OM_INVALID);
  CHECK_STR(err.msg, "option alpha applies only to policy linucb");
  o = opts(NULL);
  CHECK(bd_options_parse(NULL, 0, BD_LINUCB, &o, &err) == OM_OK);
  bd_state_init(&s, &o);
  bd_state_init(&h1, &o);
  bd_state_init(&h2, &o);
  CHECK(bd_state_set_features(&s, f, 2, &err) == OM_OK);
  CHECK(bd_state_set_features(&h1, f, 2, &err) == OM_OK);
  CHECK(bd_state_set_features(&h2, f, 2, &err) == OM_OK);
  CHECK(bd_state_add(&s, &a, 1, 1, &err) == OM_INVALID); /* needs a context */
  /* a pays when x1 is large, b when x2 is large */
  for (int i = 0; i < 400; i++) {
    double x[2] = {om_test_unif(&seed), om_test_unif(&seed)};
    int arm = i % 2;
    double p = arm == 0 ? x[0] : x[1];
    double r = om_test_unif(&seed) < p;
    CHECK(bd_state_add_ctx(&s, arm ? &b : &a, 1, r, x, &err) == OM_OK);
    CHECK(bd_state_add_ctx(i < 150 ? &h1 : &h2, arm ? &b : &a, 1, r, x, &err) == OM_OK);
  }
  CHECK(bd_state_ready(&s, &err) == OM_OK);
  { /* θ of arm a = (λI + A)⁻¹ b by Cramer's rule */
    const bd_arm *ar = &s.arms[0];
    double m00 = ar->A[0] + 1, m10 = ar->A[1], m11 = ar->A[3] + 1, det = m00 * m11 - m10 * m10;
    double t0 = (m11 * ar->b[0] - m10 * ar->b[1]) / det, t1 = (m00 * ar->b[1] - m10 * ar->b[0]) / det;
    double x[2] = {0.9, 0.1}, v0, v1, q, idx;
    CHECK_CLOSE(ar->theta[0], t0, 1e-12);
    CHECK_CLOSE(ar->theta[1], t1, 1e-12);
    CHECK(t0 > 0.5 && t1 < 0.3);
    /* xᵀM⁻¹x by hand and the index with α = 1 */
    v0 = (m11 * x[0] - m10 * x[1]) / det;
    v1 = (m00 * x[1] - m10 * x[0]) / det;
    q = x[0] * v0 + x[1] * v1;
    idx = t0 * x[0] + t1 * x[1] + sqrt(q);
    CHECK(bd_linucb_choose(&s, x, 0, 0) == 0);
    CHECK(idx > 0.5);
  }
  {
    double xa[2] = {0.95, 0.05}, xb[2] = {0.05, 0.95};
    CHECK(bd_linucb_choose(&s, xa, 0, 0) == 0);
    CHECK(bd_linucb_choose(&s, xb, 0, 0) == 1);
  }
  { /* the envelope carries the features; merge of the halves agrees to rounding */
    om_wbuf w;
    mdl_view v;
    const mdl_kind_def *k;
    void *m;
    bd_state *back;
    blob_of(&s, &w);
    CHECK(mdl_decode(w.data, w.len, &v, &k, &m, &err) == OM_OK);
    back = m;
    CHECK(v.n_features == 2 && back->d == 2 && memcmp(back->feat[1].name, "x2", 2) == 0);
    CHECK(back->arms[0].theta[0] == s.arms[0].theta[0]);
    CHECK(bd_state_merge(&h1, &h2, &err) == OM_OK);
    CHECK(bd_state_ready(&h1, &err) == OM_OK);
    CHECK_CLOSE(h1.arms[1].theta[1], s.arms[1].theta[1], 1e-12);
    CHECK(h1.pulls == s.pulls);
    k->close(m);
    mdl_view_free(&v);
    om_wbuf_free(&w);
  }
  { /* unplayed first: declared arm c */
    bd_label c = L_text("c");
    double x[2] = {0.5, 0.5};
    CHECK(bd_state_add_ctx(&s, &c, 0, 0, NULL, &err) == OM_OK);
    CHECK(bd_state_ready(&s, &err) == OM_OK);
    CHECK(bd_linucb_choose(&s, x, 0, 0) == 2);
  }
  bd_state_free(&s);
  bd_state_free(&h1);
  bd_state_free(&h2);
}

int main(void) {
  test_acc();
  test_labels();
  test_options();
  test_merge_exact();
  test_bad_rewards();
  test_discounted();
  test_choose();
  test_stats();
  test_codec();
  test_oom();
  test_linucb();
  return om_test_finish();
}
