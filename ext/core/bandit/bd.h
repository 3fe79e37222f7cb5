/*
** bd.h — the bandit model kind (MDL_KIND_BANDIT): a multi-armed bandit's
** state (per-arm sufficient statistics of a reward log), folded by
** bandit_update(), merged by bandit_merge(), read by bandit_choose() and
** bandit_stats().  Plain C; uses base/ only.
**
** Policies (choose, behaviour 8):
**   thompson        Thompson sampling (Chapelle & Li 2011; Agrawal & Goyal
**                   2012): 'bernoulli' rewards draw θ ~ Beta(1 + S, 1 + n − S);
**                   'gaussian' rewards draw μ from a Normal–Gamma posterior
**                   (behaviour 9).  The arm with the largest draw is chosen.
**   ucb1            mean + scale·sqrt(2 ln N / n) (Auer, Cesa-Bianchi &
**                   Fischer 2002, "UCB1"); N = pulls of all arms.
**   ucb_tuned       mean + sqrt(ln N / n · min(scale²/4, V)), V = var +
**                   scale²·sqrt(2 ln N / n), var the arm's population
**                   variance (Auer et al. 2002, "UCB1-Tuned").
**   epsilon_greedy  with probability ε_t a uniformly random arm, else the
**                   arm with the largest mean; ε_t = epsilon (constant), or
**                   with option c > 0 ε_t = min(1, c·K / (d²·t)), t = N + 1
**                   (Auer et al. 2002, "ε_n-greedy").
**   discounted_ucb  Garivier & Moulines 2011: N_i = Σ_s γ^(T−s)·1{arm_s = i},
**                   S_i the same sum of rewards, index S_i/N_i +
**                   2·scale·sqrt(ξ·ln(Σ_j N_j) / N_i) (ln clamped at 0).
**   linucb          Li, Chu, Langford & Schapire 2010 (disjoint LinUCB): per
**                   arm ridge regression of the reward on d context
**                   features, A = λI + Σ x·xᵀ, b = Σ r·x, θ = A⁻¹b (LAPACK
**                   dposv); index θ·x + α·sqrt(xᵀA⁻¹x) for the context x
**                   (bd_linucb_choose, behaviour 11).
**
** Behaviours:
**   1. Arms are SQL values: INTEGER, REAL or TEXT.  A REAL holding a whole
**      number in the int64 range is the INTEGER arm (3 and 3.0 are one arm,
**      as they compare equal in SQL); NaN/±Inf are refused; TEXT is valid
**      UTF-8 without NUL, 1 to BD_MAX_LABEL bytes.  Arms are kept sorted in
**      SQLite's order (numbers before text, numbers numerically, text
**      bytewise): the state never depends on the order of the rows (except
**      discounted_ucb's discounted sums, behaviour 5).  At most BD_MAX_ARMS
**      arms.  The labels are stored as they are: see docs/bandit_update.md
**      for why a bandit state holds its arm labels.
**   2. Per arm: n (rows with a reward), the exact sum of the rewards and
**      the exact sum of their squares (each square rounded once to a
**      double), kept in bd_acc, a fixed-point accumulator covering every
**      double (behaviour 3).  So folding rows in any order, or merging
**      states built from parts of a log, gives the same bytes.
**   3. bd_acc: 68 signed 32-bit-aligned digits of weight 2^(32k − 1074).
**      bd_acc_add is exact for any finite double; bd_acc_value rounds the
**      exact sum to a double from its top 96 bits (within 2 ulps; the same
**      digits always give the same double).  Rewards are limited to
**      |r| ≤ BD_MAX_REWARD so that sums of squares stay finite.
**   4. bd_state_add: reward NaN/±Inf or beyond ±1e100 is OM_INVALID;
**      'bernoulli' rewards must lie in [0, 1] (fractions allowed: they add
**      r successes and 1 − r failures).  has_reward == 0 declares the arm
**      without a pull (n stays 0): it is then "unplayed" (behaviour 8).
**   5. discounted_ucb also keeps per arm the discounted count and sum as of
**      the arm's last pull (dn, ds, last) and is folded lazily: pull t of
**      arm i sets dn = dn·γ^(t − last) + 1.  The discount follows the order
**      the rows arrive in: the SQL layer documents that rows must come
**      ordered by time.
**   6. bd_state_merge adds b into a exactly (arms united, n, sums and
**      counts added).  Policies and options must be equal (OM_INVALID
**      naming both).  discounted_ucb states are refused (OM_INVALID): the
**      discounted sums of two logs cannot be combined without knowing how
**      their rows interleave in time.
**   7. Payload (version 1, little-endian):
**        u8 policy, u8 reward, 6 reserved zero bytes,
**        f64 epsilon, c, d, gamma, xi, scale, alpha, lambda (those the
**          policy does not use are 0), u64 pulls (= Σ n), u32 arm count K
**          (1..BD_MAX_ARMS), u32 d (linucb's features, else 0),
**        then K arms in strictly increasing order (behaviour 1):
**          u8 label type (1 INTEGER, 2 REAL, 3 TEXT), u8 reserved 0,
**          u16 text length (0 for numbers), i64 | f64 | text bytes,
**          u64 n, accumulator sum, accumulator sum of squares
**            (accumulator: u8 sign (0 +, 1 −), u8 digit count c (0..68),
**             u16 lowest digit index lo, c × u32 magnitude digits from lo
**             up; zero is c = 0, sign 0; otherwise the first and last
**             digits are non-zero and lo + c ≤ 68),
**          discounted_ucb only: f64 dn, f64 ds, u64 last.
**      bd_decode checks all of it (ranges, order, canonical accumulators,
**      n = 0 ⇒ zero sums, sum of squares ≥ 0, |sum| ≤ n·1e100 and sum of
**      squares ≤ n·1e200 (0 ≤ sum ≤ n for 'bernoulli'), Σ n = pulls,
**      last ≤ pulls, dn, ds finite, dn ≥ 0, options valid) and reports
**      OM_CORRUPT.
**   8. bd_choose: arms never pulled come first.  ucb1, ucb_tuned and
**      discounted_ucb take the first unplayed arm in arm order; thompson and
**      epsilon_greedy take a uniformly random unplayed arm (from the seed).
**      Otherwise the policy's index; ties go to the first arm in arm order.
**      All randomness comes from the caller's 64-bit seed (bd_rng:
**      xoshiro256** seeded by splitmix64), so a seed gives one answer.
**   9. Gaussian posterior (thompson 'gaussian', and p_best): Normal–Gamma
**      with an empirical prior taken from all the state's rewards: μ0 =
**      their mean (0 when there are none), κ0 = 1, α0 = 1, β0 = their
**      population variance (1 when that is 0 or undefined).  Posterior:
**      κ = 1 + n, μ = (μ0 + n·x̄)/κ, α = 1 + n/2, β = β0 + M2/2 +
**      n·(x̄ − μ0)²/(2κ); a draw is τ ~ Gamma(α, rate β), μ ~ N(μ, 1/(κτ)).
**      Gamma draws: Marsaglia & Tsang (2000), with the u^(1/a) boost for
**      a < 1; normal draws: Box–Muller.
**  10. bd_stats: per arm n, mean (NaN when n = 0), a 95% interval (NaN when
**      undefined): 'bernoulli' the Wilson score interval; 'gaussian' mean ±
**      1.959963984540054·s/√n with s the sample standard deviation (n ≥ 2);
**      p_best = the share of BD_PBEST_DRAWS joint posterior draws (Beta or
**      Normal–Gamma as above, seed BD_PBEST_SEED) in which the arm is the
**      largest (standard error ≤ 0.005).  The statistics describe the whole
**      log, for every policy (discounted_ucb's discounted counts are not
**      shown).
**  11. linucb: the state also holds d context features (the envelope's
**      schema: numeric features, sorted by name) and per arm A = Σ x·xᵀ
**      (without the ridge) and b = Σ r·x, added in the order the rows come
**      (floating point: merging split logs equals one update up to rounding,
**      not byte for byte).  Payload: the u32 after the arm count is d (0 for
**      the other policies); after each arm's other fields, the lower triangle
**      of A column by column (d(d+1)/2 f64, diagonal ≥ 0) and b (d f64), all
**      finite.  Options alpha and lambda.
*/
#ifndef BD_H
#define BD_H

#include "../base/mdl_kind.h"

#define BD_PAYLOAD_VERSION 1
#define BD_MAX_ARMS 1024
#define BD_MAX_LABEL 256
#define BD_MAX_REWARD 1e100
#define BD_ACC_DIGITS 68
#define BD_PBEST_DRAWS 10000
#define BD_PBEST_SEED 0x62616e646974ull /* "bandit" */
#define BD_MAX_FEATURES 64

typedef enum bd_policy {
  BD_THOMPSON = 0,
  BD_UCB1 = 1,
  BD_UCB_TUNED = 2,
  BD_EPSILON_GREEDY = 3,
  BD_DISCOUNTED_UCB = 4,
  BD_LINUCB = 5
} bd_policy;
#define BD_N_POLICIES 6

typedef enum bd_reward { BD_BERNOULLI = 0, BD_GAUSSIAN = 1 } bd_reward;

typedef enum bd_label_type { BD_LABEL_INT = 1, BD_LABEL_REAL = 2, BD_LABEL_TEXT = 3 } bd_label_type;

/* Behaviour 3: an exact sum of doubles. */
typedef struct bd_acc {
  int64_t d[BD_ACC_DIGITS]; /* digit k weighs 2^(32k - 1074); not normalised between adds */
  uint32_t pending;         /* adds since the last normalisation */
} bd_acc;

void bd_acc_add(bd_acc *a, double x);        /* x finite */
void bd_acc_merge(bd_acc *a, const bd_acc *b); /* a += b, exact */
void bd_acc_normalize(bd_acc *a);
double bd_acc_value(const bd_acc *a);        /* the sum rounded (behaviour 3) */
int bd_acc_sign(const bd_acc *a);            /* -1, 0 or 1 */

typedef struct bd_label {
  uint8_t type;  /* bd_label_type */
  int64_t i;     /* BD_LABEL_INT */
  double r;      /* BD_LABEL_REAL: finite, not a whole number in the int64 range */
  char *text;    /* BD_LABEL_TEXT: owned (om_malloc), not NUL-terminated */
  uint16_t len;  /* BD_LABEL_TEXT: 1..BD_MAX_LABEL bytes */
} bd_label;

/* SQLite's order of two labels: <0, 0, >0. */
int bd_label_cmp(const bd_label *a, const bd_label *b);
/* A REAL label in canonical form (behaviour 1): 1 when r is a whole number in
** the int64 range (then *as_int holds it), else 0. */
int bd_real_is_int(double r, int64_t *as_int);

typedef struct bd_options {
  bd_policy policy;
  bd_reward reward;
  double epsilon; /* epsilon_greedy without c: the constant ε in [0, 1] (default 0.1) */
  double c, d;    /* epsilon_greedy decay: c > 0, d in (0, 1] (default 0.1); c = 0: constant */
  double gamma;   /* discounted_ucb: in (0, 1) (default 0.99) */
  double xi;      /* discounted_ucb: > 0 (default 0.6) */
  double scale;   /* ucb1, ucb_tuned, discounted_ucb: the reward range, > 0 (default 1) */
  double alpha;   /* linucb: the width of the confidence bound, in [0, 100] (default 1) */
  double lambda;  /* linucb: the ridge, in (0, 1e6] (default 1) */
} bd_options;

const char *bd_policy_name(bd_policy p);
const char *bd_reward_name(bd_reward r);
/* Parse the options JSON (NULL: defaults, policy `policy` -- thompson for
** bandit_update, linucb for linucb_update -- with bernoulli rewards).
** OM_INVALID with a message naming the key and what it accepts. */
om_status bd_options_parse(const char *text, size_t n, bd_policy policy, bd_options *o, om_err *err);
om_status bd_options_check(const bd_options *o, om_err *err);
/* The canonical options JSON stored in the envelope's meta (policy, reward
** and the keys the policy uses), e.g. {"policy":"ucb1","reward":"bernoulli","scale":1}. */
om_status bd_options_json(const bd_options *o, om_wbuf *w);

typedef struct bd_arm {
  bd_label label;
  uint64_t n;        /* rows with a reward */
  bd_acc sum, sumsq; /* behaviour 2 */
  double dn, ds;     /* discounted_ucb: count and sum as of pull `last` */
  uint64_t last;
  double s, q;       /* bd_acc_value of sum, sumsq: set by bd_state_ready */
  double *A, *b;     /* linucb: Σ x·xᵀ (d×d, lower triangle used, column-major) and Σ r·x; owned */
  double *L, *theta; /* linucb, set by bd_state_ready: Cholesky factor of λI + A and θ; owned */
} bd_arm;

typedef struct bd_feature {
  char *name;        /* owned, not NUL-terminated */
  size_t len;
} bd_feature;

typedef struct bd_state {
  bd_options opt;
  bd_arm *arms;      /* sorted by label (behaviour 1) */
  size_t n_arms, cap;
  uint64_t pulls;    /* Σ n */
  uint64_t skipped;  /* rows skipped or only declaring an arm (meta rows_skipped) */
  size_t hint;       /* the arm of the last row (lookup shortcut) */
  uint32_t d;        /* linucb: number of context features (0 otherwise) */
  bd_feature *feat;  /* linucb: [d], sorted as feature vectors sort names (the envelope's schema) */
} bd_state;

void bd_state_init(bd_state *s, const bd_options *o);
void bd_state_free(bd_state *s);
/* Fold one row (behaviour 4).  label is borrowed (copied when the arm is
** new).  OM_INVALID for a bad reward or too many arms; OM_NOMEM. */
om_status bd_state_add(bd_state *s, const bd_label *label, int has_reward, double reward, om_err *err);
/* linucb (behaviour 11): set the d context features (names copied; sorted
** and unique, 1..BD_MAX_FEATURES) before the first row. */
om_status bd_state_set_features(bd_state *s, const bd_feature *f, uint32_t d, om_err *err);
/* linucb: fold one row with its context x[d] (finite; ignored without a
** reward).  bd_state_add refuses linucb states. */
om_status bd_state_add_ctx(bd_state *s, const bd_label *label, int has_reward, double reward, const double *x,
                           om_err *err);
/* Behaviour 6. */
om_status bd_state_merge(bd_state *a, const bd_state *b, om_err *err);
/* Fill each arm's s, q from its accumulators (after adds or merges), and
** for linucb factor λI + A and solve for θ (LAPACKE_dposv_work).  OM_NOMEM;
** OM_CORRUPT when λI + A is not positive definite (a damaged state). */
om_status bd_state_ready(bd_state *s, om_err *err);

/* The complete envelope (mdl.h) for s into w; the BLOB is decoded again
** before this returns OM_OK (a state that would not load is never written). */
om_status bd_write(bd_state *s, om_wbuf *w, om_err *err);
/* Encode only the payload. */
om_status bd_encode_payload(const bd_state *s, om_wbuf *w);
/* Decode a payload (behaviour 7) into *s (bd_state_free); features: the
** envelope's schema (linucb: exactly d numeric features; others: none).  On
** failure *s is left empty. */
om_status bd_decode_payload(const uint8_t *p, size_t n, uint64_t rows_skipped, const mdl_feature *features,
                            uint32_t n_features, bd_state *s, om_err *err);

/* Behaviour 8: the index of the arm to play next (linucb: the largest mean,
** as it has no context here; the SQL layer sends linucb to bd_linucb_choose). */
size_t bd_choose(const bd_state *s, uint64_t seed);
/* Behaviour 11: the arm for context x[d] of a ready linucb state.  Arms
** never played first (the first in arm order, or a uniformly random one
** when random is set), then the largest index; allocates nothing. */
size_t bd_linucb_choose(const bd_state *s, const double *x, int random, uint64_t seed);

typedef struct bd_arm_stats {
  uint64_t n;
  double mean, ci_low, ci_high, p_best;
} bd_arm_stats;
/* Behaviour 10; out has n_arms entries.  Allocates a little scratch: OM_NOMEM. */
om_status bd_stats(const bd_state *s, bd_arm_stats *out, om_err *err);

/* model_info's detail members. */
om_status bd_info_json(const bd_state *s, om_jw *j, om_err *err);

/* Random numbers (behaviour 8). */
typedef struct bd_rng {
  uint64_t s[4];
} bd_rng;
void bd_rng_seed(bd_rng *r, uint64_t seed);
uint64_t bd_rng_next(bd_rng *r);
double bd_rng_open01(bd_rng *r);           /* (0, 1) */
uint64_t bd_rng_below(bd_rng *r, uint64_t n); /* n > 0; unbiased */
double bd_rng_normal(bd_rng *r);
double bd_rng_gamma(bd_rng *r, double shape); /* shape > 0, scale 1 */
double bd_rng_beta(bd_rng *r, double a, double b);

/* One posterior draw of arm i's mean (behaviour 9; bernoulli: Beta).  prior
** is from bd_gauss_prior. */
typedef struct bd_gauss_prior {
  double mu0, beta0;
} bd_gauss_prior;
void bd_gauss_prior_of(const bd_state *s, bd_gauss_prior *p);
double bd_posterior_draw(const bd_state *s, const bd_gauss_prior *p, const bd_arm *a, bd_rng *r);

#endif /* BD_H */
