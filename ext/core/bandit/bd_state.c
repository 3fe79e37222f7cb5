/*
** bd_state.c — bandit options, arm labels, and folding/merging reward logs
** (bd.h behaviours 1, 2, 4, 5 and 6).
**
** Options (the JSON object of bandit_update's third argument):
**   policy   'thompson' (bandit_update's default), 'ucb1', 'ucb_tuned',
**            'epsilon_greedy', 'discounted_ucb', 'linucb' (linucb_update's
**            only policy)
**   reward   'bernoulli' (default: rewards in [0, 1]) or 'gaussian' (any
**            finite reward within ±1e100)
**   epsilon  epsilon_greedy: a number in [0, 1] (default 0.1)
**   c, d     epsilon_greedy decay ε_t = min(1, c·K/(d²·t)): c > 0 (at most
**            1e6), d in (0, 1] (default 0.1); c and epsilon exclude each other
**   gamma    discounted_ucb: a number in (0, 1) (default 0.99)
**   xi       discounted_ucb: a number in (0, 100] (default 0.6)
**   scale    ucb1, ucb_tuned, discounted_ucb: the width of the reward range,
**            a number in (0, 1e100] (default 1)
**   alpha    linucb: the confidence width, a number in [0, 100] (default 1)
**   lambda   linucb: the ridge, a number in (0, 1e6] (default 1)
** A key the policy does not use is an error ('option gamma applies only to
** policy discounted_ucb'), so a typo never goes unnoticed.
*/
#include <math.h>
#include <string.h>

#include "../base/om_json.h"
#include "bd.h"

static const char *const policy_names[BD_N_POLICIES] = {"thompson",       "ucb1",           "ucb_tuned",
                                                         "epsilon_greedy", "discounted_ucb", "linucb"};

const char *bd_policy_name(bd_policy p) {
  return (unsigned)p < BD_N_POLICIES ? policy_names[p] : "unknown";
}

const char *bd_reward_name(bd_reward r) { return r == BD_GAUSSIAN ? "gaussian" : "bernoulli"; }

static void options_default(bd_options *o, bd_policy policy) {
  memset(o, 0, sizeof *o);
  o->policy = policy;
  o->reward = BD_BERNOULLI;
}

/* Fill the defaults of the keys the policy uses and zero the others. */
static void options_resolve(bd_options *o, int have_eps, int have_c, int have_d, int have_gamma, int have_xi,
                            int have_scale, int have_alpha, int have_lambda) {
  if (o->policy != BD_LINUCB) o->alpha = o->lambda = 0;
  else {
    if (!have_alpha) o->alpha = 1;
    if (!have_lambda) o->lambda = 1;
  }
  if (o->policy != BD_EPSILON_GREEDY) o->epsilon = o->c = o->d = 0;
  else if (have_c) {
    o->epsilon = 0;
    if (!have_d) o->d = 0.1;
  } else {
    if (!have_eps) o->epsilon = 0.1;
    o->c = o->d = 0;
  }
  if (o->policy != BD_DISCOUNTED_UCB) o->gamma = o->xi = 0;
  else {
    if (!have_gamma) o->gamma = 0.99;
    if (!have_xi) o->xi = 0.6;
  }
  if (o->policy != BD_UCB1 && o->policy != BD_UCB_TUNED && o->policy != BD_DISCOUNTED_UCB) o->scale = 0;
  else if (!have_scale) o->scale = 1;
}

om_status bd_options_check(const bd_options *o, om_err *err) {
  if ((unsigned)o->policy >= BD_N_POLICIES) return om_errf(err, OM_INVALID, "unknown policy %d", (int)o->policy);
  if (o->reward != BD_BERNOULLI && o->reward != BD_GAUSSIAN)
    return om_errf(err, OM_INVALID, "unknown reward kind %d", (int)o->reward);
  if (o->policy == BD_EPSILON_GREEDY) {
    if (o->c > 0) {
      if (!(o->c <= 1e6) || !(o->d > 0 && o->d <= 1) || o->epsilon != 0)
        return om_errf(err, OM_INVALID, "option c must be a number in (0, 1e6] and d a number in (0, 1]");
    } else if (o->c != 0 || o->d != 0 || !(o->epsilon >= 0 && o->epsilon <= 1))
      return om_errf(err, OM_INVALID, "option epsilon must be a number from 0 to 1");
  } else if (o->epsilon != 0 || o->c != 0 || o->d != 0)
    return om_errf(err, OM_INVALID, "options epsilon, c and d apply only to policy epsilon_greedy");
  if (o->policy == BD_DISCOUNTED_UCB) {
    if (!(o->gamma > 0 && o->gamma < 1)) return om_errf(err, OM_INVALID, "option gamma must be a number in (0, 1)");
    if (!(o->xi > 0 && o->xi <= 100)) return om_errf(err, OM_INVALID, "option xi must be a number in (0, 100]");
  } else if (o->gamma != 0 || o->xi != 0)
    return om_errf(err, OM_INVALID, "options gamma and xi apply only to policy discounted_ucb");
  if (o->policy == BD_UCB1 || o->policy == BD_UCB_TUNED || o->policy == BD_DISCOUNTED_UCB) {
    if (!(o->scale > 0 && o->scale <= 1e100)) return om_errf(err, OM_INVALID, "option scale must be a number in (0, 1e100]");
  } else if (o->scale != 0)
    return om_errf(err, OM_INVALID, "option scale applies only to policies ucb1, ucb_tuned and discounted_ucb");
  if (o->policy == BD_LINUCB) {
    if (!(o->alpha >= 0 && o->alpha <= 100)) return om_errf(err, OM_INVALID, "option alpha must be a number from 0 to 100");
    if (!(o->lambda > 0 && o->lambda <= 1e6)) return om_errf(err, OM_INVALID, "option lambda must be a number in (0, 1e6]");
  } else if (o->alpha != 0 || o->lambda != 0)
    return om_errf(err, OM_INVALID, "options alpha and lambda apply only to policy linucb");
  return OM_OK;
}

static const char bd_option_keys[] = "policy, reward, epsilon, c, d, gamma, xi, scale, alpha, lambda";
#define N_KEYS 10

om_status bd_options_parse(const char *text, size_t n, bd_policy policy, bd_options *o, om_err *err) {
  om_json_obj obj;
  om_status st = OM_OK;
  int have[N_KEYS] = {0};
  static const char *const keys[N_KEYS] = {"policy", "reward", "epsilon", "c", "d", "gamma", "xi", "scale",
                                           "alpha",  "lambda"};
  options_default(o, policy);
  if (!text) {
    options_resolve(o, 0, 0, 0, 0, 0, 0, 0, 0);
    return OM_OK;
  }
  st = om_json_parse_flat(text, n, &obj, err);
  if (st == OM_NOMEM) return st;
  if (st != OM_OK) {
    om_err inner = *err;
    return om_errf(err, OM_INVALID, "options are not a JSON object (%s); write them like '{\"policy\": \"ucb1\"}'",
                   inner.msg);
  }
  for (size_t i = 0; i < obj.count && st == OM_OK; i++) {
    const om_json_member *m = &obj.members[i];
    int k;
    for (k = 0; k < N_KEYS; k++)
      if (strcmp(m->key, keys[k]) == 0) break;
    if (k == N_KEYS) {
      st = om_errf(err, OM_INVALID, "unknown option \"%s\"; accepted: %s", m->key, bd_option_keys);
      break;
    }
    have[k] = 1;
    if (k == 0) {
      int p;
      for (p = 0; p < BD_N_POLICIES; p++)
        if (m->type == OM_JSON_STRING && strcmp(m->str, policy_names[p]) == 0) break;
      if (p == BD_N_POLICIES)
        st = om_errf(err, OM_INVALID, "option policy must be 'thompson', 'ucb1', 'ucb_tuned', 'epsilon_greedy', "
                                      "'discounted_ucb' or 'linucb'");
      else o->policy = (bd_policy)p;
    } else if (k == 1) {
      if (m->type == OM_JSON_STRING && strcmp(m->str, "bernoulli") == 0) o->reward = BD_BERNOULLI;
      else if (m->type == OM_JSON_STRING && strcmp(m->str, "gaussian") == 0) o->reward = BD_GAUSSIAN;
      else st = om_errf(err, OM_INVALID, "option reward must be 'bernoulli' or 'gaussian'");
    } else {
      double v;
      if (m->type != OM_JSON_NUMBER || m->is_bool || !isfinite(m->num)) {
        st = om_errf(err, OM_INVALID, "option %s must be a finite number", keys[k]);
        break;
      }
      v = m->num;
      switch (k) {
      case 2: o->epsilon = v; break;
      case 3: o->c = v; break;
      case 4: o->d = v; break;
      case 5: o->gamma = v; break;
      case 6: o->xi = v; break;
      case 7: o->scale = v; break;
      case 8: o->alpha = v; break;
      default: o->lambda = v; break;
      }
    }
  }
  om_json_obj_free(&obj);
  if (st != OM_OK) return st;
  /* keys that the policy does not use */
  if (o->policy != BD_EPSILON_GREEDY && (have[2] || have[3] || have[4]))
    return om_errf(err, OM_INVALID, "option %s applies only to policy epsilon_greedy",
                   have[2] ? "epsilon" : have[3] ? "c" : "d");
  if (o->policy != BD_DISCOUNTED_UCB && (have[5] || have[6]))
    return om_errf(err, OM_INVALID, "option %s applies only to policy discounted_ucb", have[5] ? "gamma" : "xi");
  if (have[7] && o->policy != BD_UCB1 && o->policy != BD_UCB_TUNED && o->policy != BD_DISCOUNTED_UCB)
    return om_errf(err, OM_INVALID, "option scale applies only to policies ucb1, ucb_tuned and discounted_ucb");
  if (o->policy == BD_EPSILON_GREEDY) {
    if (have[2] && have[3]) return om_errf(err, OM_INVALID, "options epsilon and c exclude each other (constant or decaying ε)");
    if (have[4] && !have[3]) return om_errf(err, OM_INVALID, "option d needs option c (the decaying ε)");
    if (have[3] && !(o->c > 0 && o->c <= 1e6)) return om_errf(err, OM_INVALID, "option c must be a number in (0, 1e6]");
    if (have[4] && !(o->d > 0 && o->d <= 1)) return om_errf(err, OM_INVALID, "option d must be a number in (0, 1]");
  }
  if (o->policy != BD_LINUCB && (have[8] || have[9]))
    return om_errf(err, OM_INVALID, "option %s applies only to policy linucb", have[8] ? "alpha" : "lambda");
  options_resolve(o, have[2], have[3], have[4], have[5], have[6], have[7], have[8], have[9]);
  return bd_options_check(o, err);
}

om_status bd_options_json(const bd_options *o, om_wbuf *w) {
  om_jw j;
  om_jw_init(&j, w);
  om_jw_begin_object(&j);
  om_jw_key(&j, "policy");
  om_jw_string(&j, bd_policy_name(o->policy));
  om_jw_key(&j, "reward");
  om_jw_string(&j, bd_reward_name(o->reward));
  if (o->policy == BD_EPSILON_GREEDY) {
    if (o->c > 0) {
      om_jw_key(&j, "c");
      om_jw_double(&j, o->c);
      om_jw_key(&j, "d");
      om_jw_double(&j, o->d);
    } else {
      om_jw_key(&j, "epsilon");
      om_jw_double(&j, o->epsilon);
    }
  }
  if (o->policy == BD_DISCOUNTED_UCB) {
    om_jw_key(&j, "gamma");
    om_jw_double(&j, o->gamma);
    om_jw_key(&j, "xi");
    om_jw_double(&j, o->xi);
  }
  if (o->scale > 0) {
    om_jw_key(&j, "scale");
    om_jw_double(&j, o->scale);
  }
  if (o->policy == BD_LINUCB) {
    om_jw_key(&j, "alpha");
    om_jw_double(&j, o->alpha);
    om_jw_key(&j, "lambda");
    om_jw_double(&j, o->lambda);
  }
  om_jw_end_object(&j);
  return om_wbuf_status(w);
}

int bd_real_is_int(double r, int64_t *as_int) {
  if (r == floor(r) && r >= -9223372036854775808.0 && r < 9223372036854775808.0) {
    *as_int = (int64_t)r;
    return 1;
  }
  return 0;
}

int bd_label_cmp(const bd_label *a, const bd_label *b) {
  int at = a->type == BD_LABEL_TEXT, bt = b->type == BD_LABEL_TEXT;
  if (at != bt) return at ? 1 : -1;
  if (at) {
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->text, b->text, n);
    return c ? c : (a->len > b->len) - (a->len < b->len);
  }
  if (a->type == BD_LABEL_INT && b->type == BD_LABEL_INT) return (a->i > b->i) - (a->i < b->i);
  if (a->type == BD_LABEL_REAL && b->type == BD_LABEL_REAL) return (a->r > b->r) - (a->r < b->r);
  {
    /* an INTEGER and a canonical REAL (never a whole number in range) */
    int flip = a->type == BD_LABEL_REAL;
    const bd_label *in = flip ? b : a, *re = flip ? a : b;
    double x = (double)in->i;
    int c = x < re->r ? -1 : x > re->r ? 1 : (re->r > 0 ? -1 : 1); /* equal only at ±2^63 */
    return flip ? -c : c;
  }
}

void bd_state_init(bd_state *s, const bd_options *o) {
  memset(s, 0, sizeof *s);
  s->opt = *o;
}

void bd_state_free(bd_state *s) {
  for (size_t i = 0; i < s->n_arms; i++) {
    bd_arm *a = &s->arms[i];
    om_free(a->label.text);
    om_free(a->A);
    om_free(a->b);
    om_free(a->L);
    om_free(a->theta);
  }
  om_free(s->arms);
  for (uint32_t i = 0; i < s->d; i++) om_free(s->feat[i].name);
  om_free(s->feat);
  memset(s, 0, sizeof *s);
}

/* Position of label in the sorted arms: *found = 1 when present. */
static size_t find_arm(const bd_state *s, const bd_label *l, int *found) {
  size_t lo = 0, hi = s->n_arms;
  if (s->hint < s->n_arms && bd_label_cmp(&s->arms[s->hint].label, l) == 0) {
    *found = 1;
    return s->hint;
  }
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = bd_label_cmp(&s->arms[mid].label, l);
    if (c == 0) {
      *found = 1;
      return mid;
    }
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  *found = 0;
  return lo;
}

/* Insert a zeroed arm with a copy of label at pos. */
static om_status insert_arm(bd_state *s, size_t pos, const bd_label *l, om_err *err) {
  bd_arm *a;
  char *text = NULL;
  double *A = NULL, *b = NULL;
  if (s->n_arms >= BD_MAX_ARMS)
    return om_errf(err, OM_INVALID, "more than %d distinct arms", BD_MAX_ARMS);
  if (s->n_arms == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 8;
    bd_arm *p;
    if (cap > BD_MAX_ARMS) cap = BD_MAX_ARMS;
    p = om_realloc(s->arms, cap * sizeof *p);
    if (!p) return om_errf(err, OM_NOMEM, "out of memory");
    s->arms = p;
    s->cap = cap;
  }
  if (l->type == BD_LABEL_TEXT) {
    text = om_malloc(l->len);
    if (!text) return om_errf(err, OM_NOMEM, "out of memory");
    memcpy(text, l->text, l->len);
  }
  if (s->d) {
    A = om_calloc((size_t)s->d * s->d, sizeof *A);
    b = om_calloc(s->d, sizeof *b);
    if (!A || !b) {
      om_free(text);
      om_free(A);
      om_free(b);
      return om_errf(err, OM_NOMEM, "out of memory");
    }
  }
  memmove(s->arms + pos + 1, s->arms + pos, (s->n_arms - pos) * sizeof *s->arms);
  a = &s->arms[pos];
  memset(a, 0, sizeof *a);
  a->label = *l;
  a->label.text = text;
  a->A = A;
  a->b = b;
  s->n_arms++;
  return OM_OK;
}

om_status bd_state_add(bd_state *s, const bd_label *label, int has_reward, double r, om_err *err) {
  if (s->opt.policy == BD_LINUCB) return om_errf(err, OM_INVALID, "policy linucb needs the context features of each row");
  return bd_state_add_ctx(s, label, has_reward, r, NULL, err);
}

om_status bd_state_add_ctx(bd_state *s, const bd_label *label, int has_reward, double r, const double *x,
                           om_err *err) {
  size_t pos;
  int found;
  bd_arm *a;
  om_status st;
  if (has_reward && s->opt.policy == BD_LINUCB) {
    if (!x) return om_errf(err, OM_INVALID, "policy linucb needs the context features of each row");
    for (uint32_t i = 0; i < s->d; i++)
      if (!isfinite(x[i]) || fabs(x[i]) > 1e100) return om_errf(err, OM_INVALID, "context feature %u is not a finite number within ±1e100", i + 1);
  }
  if (has_reward) {
    if (!isfinite(r)) return om_errf(err, OM_INVALID, "reward is not a finite number");
    if (fabs(r) > BD_MAX_REWARD || (s->opt.reward == BD_BERNOULLI && !(r >= 0 && r <= 1))) {
      char num[32];
      om_format_double(num, r);
      if (fabs(r) > BD_MAX_REWARD) return om_errf(err, OM_INVALID, "reward %s is beyond ±1e100", num);
      return om_errf(err, OM_INVALID, "reward %s is outside [0, 1]; 'bernoulli' rewards are 0/1 (or a fraction); use "
                                      "'{\"reward\": \"gaussian\"}' for other numbers", num);
    }
    if (s->pulls == UINT64_MAX) return om_errf(err, OM_INVALID, "too many rows");
  }
  pos = find_arm(s, label, &found);
  if (!found && (st = insert_arm(s, pos, label, err)) != OM_OK) return st;
  s->hint = pos;
  if (!has_reward) {
    s->skipped++;
    return OM_OK;
  }
  a = &s->arms[pos];
  a->n++;
  s->pulls++;
  bd_acc_add(&a->sum, r);
  bd_acc_add(&a->sumsq, r * r);
  if (s->opt.policy == BD_DISCOUNTED_UCB) {
    double g = a->n == 1 ? 0 : pow(s->opt.gamma, (double)(s->pulls - a->last));
    a->dn = a->dn * g + 1.0;
    a->ds = a->ds * g + r;
    a->last = s->pulls;
  }
  if (s->opt.policy == BD_LINUCB) { /* x was checked finite by the caller */
    uint32_t d = s->d;
    for (uint32_t j = 0; j < d; j++) {
      for (uint32_t i = j; i < d; i++) a->A[i + (size_t)j * d] += x[i] * x[j];
      a->b[j] += r * x[j];
    }
  }
  return OM_OK;
}

om_status bd_state_set_features(bd_state *s, const bd_feature *f, uint32_t d, om_err *err) {
  if (s->n_arms || s->d) return om_errf(err, OM_INTERNAL, "features are set once, before the first row");
  if (d < 1 || d > BD_MAX_FEATURES) return om_errf(err, OM_INVALID, "%u features; linucb takes 1 to %d", d, BD_MAX_FEATURES);
  s->feat = om_calloc(d, sizeof *s->feat);
  if (!s->feat) return om_errf(err, OM_NOMEM, "out of memory");
  s->d = d;
  for (uint32_t i = 0; i < d; i++) {
    s->feat[i].name = om_malloc(f[i].len ? f[i].len : 1);
    if (!s->feat[i].name) return om_errf(err, OM_NOMEM, "out of memory"); /* bd_state_free frees the rest */
    memcpy(s->feat[i].name, f[i].name, f[i].len);
    s->feat[i].len = f[i].len;
  }
  return OM_OK;
}

static int options_equal(const bd_options *a, const bd_options *b) {
  return a->policy == b->policy && a->reward == b->reward && a->epsilon == b->epsilon && a->c == b->c &&
         a->d == b->d && a->gamma == b->gamma && a->xi == b->xi && a->scale == b->scale && a->alpha == b->alpha &&
         a->lambda == b->lambda;
}

om_status bd_state_merge(bd_state *a, const bd_state *b, om_err *err) {
  if (a->opt.policy != b->opt.policy || a->opt.reward != b->opt.reward)
    return om_errf(err, OM_INVALID, "states differ: one is policy '%s' with '%s' rewards, the other '%s' with '%s'",
                   bd_policy_name(a->opt.policy), bd_reward_name(a->opt.reward), bd_policy_name(b->opt.policy),
                   bd_reward_name(b->opt.reward));
  if (!options_equal(&a->opt, &b->opt))
    return om_errf(err, OM_INVALID, "states of policy '%s' have different options", bd_policy_name(a->opt.policy));
  if (a->opt.policy == BD_DISCOUNTED_UCB)
    return om_errf(err, OM_INVALID, "discounted_ucb states cannot be merged: their discounted sums depend on how the "
                                    "two logs interleave in time; run bandit_update over the combined log ordered by "
                                    "time");
  if (b->pulls > UINT64_MAX - a->pulls || b->skipped > UINT64_MAX - a->skipped)
    return om_errf(err, OM_INVALID, "too many rows");
  if (a->d != b->d) return om_errf(err, OM_INVALID, "linucb states have different features");
  for (uint32_t i = 0; i < a->d; i++)
    if (a->feat[i].len != b->feat[i].len || memcmp(a->feat[i].name, b->feat[i].name, a->feat[i].len) != 0)
      return om_errf(err, OM_INVALID, "linucb states have different features");
  for (size_t i = 0; i < b->n_arms; i++) {
    const bd_arm *src = &b->arms[i];
    int found;
    size_t pos = find_arm(a, &src->label, &found);
    om_status st;
    if (!found && (st = insert_arm(a, pos, &src->label, err)) != OM_OK) return st;
    a->arms[pos].n += src->n;
    bd_acc_merge(&a->arms[pos].sum, &src->sum);
    bd_acc_merge(&a->arms[pos].sumsq, &src->sumsq);
    for (size_t k = 0; k < (size_t)a->d * a->d; k++) a->arms[pos].A[k] += src->A[k];
    for (uint32_t k = 0; k < a->d; k++) a->arms[pos].b[k] += src->b[k];
  }
  a->pulls += b->pulls;
  a->skipped += b->skipped;
  return OM_OK;
}
