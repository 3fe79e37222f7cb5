/*
** st_order.c — order statistics of a multiset of doubles: a flat array
** while collecting, sorted blocks once a window needs them, introselect at
** the end of a plain aggregate.  The spec (numbered behaviours) is the
** header comment of st_order.h.
*/
#include "st_order.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#define ORD_FIRST_FLAT 64                  /* first capacity of the flat array */
#define ORD_FIRST_BLOCK 16                 /* first capacity of a lone block */
#define ORD_SMALL 16                       /* ranges this small: insertion sort */
#define ORD_POLL_WORK ((size_t)1 << 22)    /* element steps between interrupt polls (12) */

/* ------------------------------------------------------------ helpers */

static om_status ord_nomem(om_err *err) { return om_errf(err, OM_NOMEM, "out of memory"); }

typedef struct ord_poll {
  const om_interrupt *it; /* may be NULL */
  size_t work;            /* element steps since the last poll */
  int stop;               /* the interrupt fired */
} ord_poll;

static int ord_tick(ord_poll *p, size_t w) {
  p->work += w;
  if (p->work >= ORD_POLL_WORK) {
    p->work = 0;
    if (om_interrupted(p->it)) p->stop = 1;
  }
  return p->stop;
}

static int ord_log2(size_t n) {
  int k = 0;
  while (n > 1) {
    n >>= 1;
    k++;
  }
  return k;
}

static void ord_swap(double *a, double *b) {
  double t = *a;
  *a = *b;
  *b = t;
}

static void ord_insertion(double *v, size_t n) {
  for (size_t i = 1; i < n; i++) {
    double x = v[i];
    size_t j = i;
    while (j > 0 && v[j - 1] > x) {
      v[j] = v[j - 1];
      j--;
    }
    v[j] = x;
  }
}

static void ord_sift(double *v, size_t root, size_t n) {
  double x = v[root];
  for (;;) {
    size_t c = 2 * root + 1;
    if (c >= n) break;
    if (c + 1 < n && v[c + 1] > v[c]) c++;
    if (v[c] <= x) break;
    v[root] = v[c];
    root = c;
  }
  v[root] = x;
}

static void ord_heapsort(double *v, size_t n) {
  if (n < 2) return;
  for (size_t i = n / 2; i-- > 0;) ord_sift(v, i, n);
  for (size_t end = n - 1; end > 0; end--) {
    ord_swap(&v[0], &v[end]);
    ord_sift(v, 0, end);
  }
}

/* Hoare partition of v[0, n), n >= 3, around the median of v[0], v[n/2] and
** v[n-1]: returns j, 0 <= j < n - 1, with v[0..j] <= pivot <= v[j+1..n). */
static size_t ord_partition(double *v, size_t n) {
  size_t mid = n / 2;
  ptrdiff_t i = -1, j = (ptrdiff_t)n;
  double pv;
  if (v[mid] < v[0]) ord_swap(&v[mid], &v[0]);
  if (v[n - 1] < v[0]) ord_swap(&v[n - 1], &v[0]);
  if (v[n - 1] < v[mid]) ord_swap(&v[n - 1], &v[mid]);
  ord_swap(&v[0], &v[mid]); /* the pivot value first: the scans stop on it */
  pv = v[0];
  for (;;) {
    do i++;
    while (v[i] < pv);
    do j--;
    while (v[j] > pv);
    if (i >= j) return (size_t)j;
    ord_swap(&v[i], &v[j]);
  }
}

static void ord_sort_rec(double *v, size_t n, int depth, ord_poll *p) {
  while (n > ORD_SMALL) {
    size_t j;
    if (ord_tick(p, n)) return;
    if (depth-- == 0) {
      ord_heapsort(v, n);
      return;
    }
    j = ord_partition(v, n);
    if (j + 1 < n - j - 1) { /* recurse into the smaller side, loop on the larger */
      ord_sort_rec(v, j + 1, depth, p);
      v += j + 1;
      n -= j + 1;
    } else {
      ord_sort_rec(v + j + 1, n - j - 1, depth, p);
      n = j + 1;
    }
  }
  ord_insertion(v, n);
}

/* Introsort (behaviour 2); on OM_INTERRUPTED v is some permutation. */
static om_status ord_sort(double *v, size_t n, ord_poll *p, om_err *err) {
  ord_sort_rec(v, n, 2 * ord_log2(n), p);
  return p->stop ? om_errf(err, OM_INTERRUPTED, "interrupted") : OM_OK;
}

/* Introselect (behaviour 4): v[k] becomes the k-th smallest of v[0, n),
** with v[0, k) <= v[k] <= v[k+1, n).  Returns 1 if interrupted. */
static int ord_select(double *v, size_t n, size_t k, ord_poll *p) {
  int depth = 2 * ord_log2(n);
  while (n > ORD_SMALL) {
    size_t j;
    if (ord_tick(p, n)) return 1;
    if (depth-- == 0) {
      ord_heapsort(v, n);
      return 0;
    }
    j = ord_partition(v, n);
    if (k <= j) {
      n = j + 1;
    } else {
      v += j + 1;
      n -= j + 1;
      k -= j + 1;
    }
  }
  ord_insertion(v, n);
  return 0;
}

om_status st_select_kth(double *v, size_t n, size_t k, double *out, const om_interrupt *it, om_err *err) {
  ord_poll p = {it, 0, 0};
  if (k >= n) return om_errf(err, OM_INTERNAL, "selection rank %zu of %zu values", k, n);
  if (ord_select(v, n, k, &p)) return om_errf(err, OM_INTERRUPTED, "interrupted");
  *out = v[k];
  return OM_OK;
}

static double ord_min(const double *v, size_t n) {
  double m = v[0];
  for (size_t i = 1; i < n; i++)
    if (v[i] < m) m = v[i];
  return m;
}

/* Behaviour 5: numpy's mean of two values, without its overflow. */
static double ord_mid(double a, double b) {
  double s = a + b;
  return isfinite(s) ? s / 2.0 : a / 2.0 + b / 2.0;
}

/* Behaviour 6: numpy's _lerp, halved when b - a overflows. */
static double ord_lerp(double a, double b, double g) {
  double d = b - a;
  if (!isfinite(d)) return 2.0 * ord_lerp(a * 0.5, b * 0.5, g);
  return g >= 0.5 ? b - d * (1.0 - g) : a + d * g;
}

/* numpy's virtual index for percentile p of n values: *top when it is at or
** past the last value, else the index i below it and the fraction g. */
static void ord_pct_index(size_t n, double p, size_t *i, double *g, int *top) {
  double q = p / 100.0, v = (double)(n - 1) * q, f;
  *top = v >= (double)(n - 1);
  *i = 0;
  *g = 0.0;
  if (*top) return;
  f = floor(v);
  *i = (size_t)f;
  *g = v - f;
}

static om_status ord_too_big(om_err *err, const char *what) {
  return om_errf(err, OM_INVALID,
                 "the %s is beyond the range of a double (over 1.8e308); divide the values by a constant first",
                 what);
}

/* ------------------------------------------------------------ collecting */

static om_status ord_push(st_order *o, double x, om_err *err) {
  if (o->n == o->cap_flat) {
    size_t cap = o->cap_flat ? o->cap_flat * 2 : ORD_FIRST_FLAT;
    double *p;
    if (o->cap_flat > SIZE_MAX / 2 / sizeof(double)) return ord_nomem(err);
    p = om_realloc(o->flat, cap * sizeof(double));
    if (!p) return ord_nomem(err);
    o->flat = p;
    o->cap_flat = cap;
  }
  o->flat[o->n++] = x;
  return OM_OK;
}

/* --------------------------------------------------------- sorted blocks */

/* Room for `need` blocks (and need + 1 prefix counts); nothing changes on
** failure but spare capacity. */
static om_status ord_reserve_blocks(st_order *o, size_t need, om_err *err) {
  size_t cap;
  st_oblock *b;
  size_t *c;
  if (need <= o->cap_blk) return OM_OK;
  cap = o->cap_blk ? o->cap_blk * 2 : 4;
  while (cap < need) cap *= 2;
  if (cap > SIZE_MAX / 2 / sizeof(st_oblock)) return ord_nomem(err);
  b = om_realloc(o->blk, cap * sizeof *b);
  if (!b) return ord_nomem(err);
  o->blk = b;
  c = om_realloc(o->cum, (cap + 1) * sizeof *c);
  if (!c) return ord_nomem(err);
  o->cum = c;
  o->cap_blk = cap;
  return OM_OK;
}

/* Collecting -> sorted (behaviour 2).  On failure still collecting. */
static om_status ord_to_sorted(st_order *o, const om_interrupt *it, om_err *err) {
  ord_poll p = {it, 0, 0};
  size_t nb, i, at, half = ST_ORDER_BLOCK_MAX / 2;
  om_status st;
  if (o->sorted) return OM_OK;
  st = ord_sort(o->flat, o->n, &p, err);
  if (st != OM_OK) return st;
  nb = o->n <= half ? 1 : (o->n + half - 1) / half;
  st = ord_reserve_blocks(o, nb, err);
  if (st != OM_OK) return st;
  if (nb == 1) { /* the flat array becomes the lone block (n <= 512 <= its capacity) */
    if (!o->flat) {
      double *v = om_malloc(ORD_FIRST_BLOCK * sizeof(double));
      if (!v) return ord_nomem(err);
      o->flat = v;
      o->cap_flat = ORD_FIRST_BLOCK;
    }
    o->blk[0].v = o->flat;
    o->blk[0].n = o->n;
    o->blk[0].cap = o->cap_flat;
  } else {
    for (i = 0; i < nb; i++) {
      o->blk[i].v = om_malloc(ST_ORDER_BLOCK_MAX * sizeof(double));
      if (!o->blk[i].v) {
        while (i-- > 0) om_free(o->blk[i].v);
        return ord_nomem(err);
      }
      o->blk[i].cap = ST_ORDER_BLOCK_MAX;
    }
    for (i = 0, at = 0; i < nb; i++) { /* even shares: each > n / nb - 1 >= 256 */
      size_t take = o->n / nb + (i < o->n % nb);
      memcpy(o->blk[i].v, o->flat + at, take * sizeof(double));
      o->blk[i].n = take;
      at += take;
    }
    om_free(o->flat);
  }
  o->flat = NULL;
  o->cap_flat = 0;
  o->nblk = nb;
  o->sorted = 1;
  o->cum_ok = 0;
  return OM_OK;
}

static size_t ord_lower(const double *v, size_t n, double x) { /* first i with v[i] >= x */
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (v[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

static size_t ord_upper(const double *v, size_t n, double x) { /* first i with v[i] > x */
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (v[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/* The first block whose last value is >= x (the last block if none).  If x
** is held, it is held there. */
static size_t ord_find_block(const st_order *o, double x) {
  size_t lo = 0, hi = o->nblk - 1;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    const st_oblock *b = &o->blk[mid];
    if (b->v[b->n - 1] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

static void ord_cum(st_order *o) {
  size_t b, s = 0;
  if (o->cum_ok) return;
  for (b = 0; b < o->nblk; b++) {
    o->cum[b] = s;
    s += o->blk[b].n;
  }
  o->cum[o->nblk] = s;
  o->cum_ok = 1;
}

double st_order_get(st_order *o, size_t k) {
  size_t lo = 0, hi;
  if (!o->sorted) return o->flat[k];
  if (o->nblk == 1) return o->blk[0].v[k];
  ord_cum(o);
  hi = o->nblk - 1; /* the last b with cum[b] <= k (blocks are non-empty here) */
  while (lo < hi) {
    size_t mid = lo + (hi - lo + 1) / 2;
    if (o->cum[mid] <= k) lo = mid;
    else hi = mid - 1;
  }
  return o->blk[lo].v[k - o->cum[lo]];
}

static om_status ord_insert(st_order *o, double x, om_err *err) {
  size_t b, pos;
  st_oblock *k;
  om_status st;
  if (o->nblk == 0) {
    double *v;
    st = ord_reserve_blocks(o, 1, err);
    if (st != OM_OK) return st;
    v = om_malloc(ORD_FIRST_BLOCK * sizeof(double));
    if (!v) return ord_nomem(err);
    o->blk[0].v = v;
    o->blk[0].n = 0;
    o->blk[0].cap = ORD_FIRST_BLOCK;
    o->nblk = 1;
  }
  b = o->blk[0].n ? ord_find_block(o, x) : 0;
  k = &o->blk[b];
  if (k->n == k->cap) {
    if (k->cap < ST_ORDER_BLOCK_MAX) { /* a lone block grows */
      size_t cap = k->cap * 2 > ST_ORDER_BLOCK_MAX ? ST_ORDER_BLOCK_MAX : k->cap * 2;
      double *v = om_realloc(k->v, cap * sizeof(double));
      if (!v) return ord_nomem(err);
      k->v = v;
      k->cap = cap;
    } else { /* a full block splits in two halves */
      size_t half = k->n / 2;
      double *v;
      st = ord_reserve_blocks(o, o->nblk + 1, err);
      if (st != OM_OK) return st;
      k = &o->blk[b];
      v = om_malloc(ST_ORDER_BLOCK_MAX * sizeof(double));
      if (!v) return ord_nomem(err);
      memcpy(v, k->v + half, (k->n - half) * sizeof(double));
      memmove(o->blk + b + 2, o->blk + b + 1, (o->nblk - b - 1) * sizeof *o->blk);
      o->blk[b + 1].v = v;
      o->blk[b + 1].n = k->n - half;
      o->blk[b + 1].cap = ST_ORDER_BLOCK_MAX;
      k->n = half;
      o->nblk++;
      if (x >= v[0]) k = &o->blk[b + 1];
    }
  }
  pos = ord_upper(k->v, k->n, x);
  memmove(k->v + pos + 1, k->v + pos, (k->n - pos) * sizeof(double));
  k->v[pos] = x;
  k->n++;
  o->n++;
  o->cum_ok = 0;
  return OM_OK;
}

/* Block b fell below ST_ORDER_BLOCK_MIN: merge it with a neighbour, or even
** the two out.  Never allocates (several blocks: every capacity is MAX). */
static void ord_rebalance(st_order *o, size_t b) {
  size_t left = b + 1 < o->nblk ? b : b - 1, total, want;
  st_oblock *l = &o->blk[left], *r = &o->blk[left + 1];
  total = l->n + r->n;
  if (total <= ST_ORDER_BLOCK_MAX * 3 / 4) {
    memcpy(l->v + l->n, r->v, r->n * sizeof(double));
    l->n = total;
    om_free(r->v);
    memmove(o->blk + left + 1, o->blk + left + 2, (o->nblk - left - 2) * sizeof *o->blk);
    o->nblk--;
    return;
  }
  want = total / 2; /* both end with >= total / 2 > 384 values */
  if (l->n > want) {
    size_t d = l->n - want;
    memmove(r->v + d, r->v, r->n * sizeof(double));
    memcpy(r->v, l->v + want, d * sizeof(double));
    l->n = want;
    r->n += d;
  } else {
    size_t d = want - l->n;
    memcpy(l->v + l->n, r->v, d * sizeof(double));
    memmove(r->v, r->v + d, (r->n - d) * sizeof(double));
    l->n = want;
    r->n -= d;
  }
}

static om_status ord_delete(st_order *o, double x, om_err *err) {
  size_t b, pos;
  st_oblock *k;
  if (o->n == 0) return om_errf(err, OM_INVALID, "value to remove is not held");
  b = ord_find_block(o, x);
  k = &o->blk[b];
  pos = ord_lower(k->v, k->n, x);
  if (pos == k->n || k->v[pos] != x) return om_errf(err, OM_INVALID, "value to remove is not held");
  memmove(k->v + pos, k->v + pos + 1, (k->n - pos - 1) * sizeof(double));
  k->n--;
  o->n--;
  o->cum_ok = 0;
  if (k->n < ST_ORDER_BLOCK_MIN && o->nblk > 1) ord_rebalance(o, b);
  return OM_OK;
}

/* ------------------------------------------------------------ public */

om_status st_order_add(st_order *o, double x, om_err *err) {
  if (!isfinite(x)) return om_errf(err, OM_INVALID, "value is not a finite number");
  return o->sorted ? ord_insert(o, x, err) : ord_push(o, x, err);
}

om_status st_order_remove(st_order *o, double x, const om_interrupt *it, om_err *err) {
  om_status st = ord_to_sorted(o, it, err);
  if (st != OM_OK) return st;
  return ord_delete(o, x, err);
}

void st_order_free(st_order *o) {
  size_t b;
  for (b = 0; b < o->nblk; b++) om_free(o->blk[b].v);
  om_free(o->blk);
  om_free(o->cum);
  om_free(o->flat);
  memset(o, 0, sizeof *o);
}

/* Prepare a query: NaN for no values; collecting with final = 0 sorts. */
static om_status ord_query_start(st_order *o, int final, double *out, const om_interrupt *it, om_err *err) {
  *out = NAN;
  if (!final) return ord_to_sorted(o, it, err);
  return OM_OK;
}

/* k-th and (k+1)-th smallest (b only when k + 1 < n) of a collecting state,
** by selection (behaviour 4). */
static om_status ord_flat_pair(st_order *o, size_t k, double *a, double *b, ord_poll *p, om_err *err) {
  if (ord_select(o->flat, o->n, k, p)) return om_errf(err, OM_INTERRUPTED, "interrupted");
  *a = o->flat[k];
  *b = k + 1 < o->n ? ord_min(o->flat + k + 1, o->n - k - 1) : *a;
  return OM_OK;
}

static om_status ord_median_of(st_order *o, double *out, ord_poll *p, om_err *err) {
  size_t n = o->n;
  double a, b;
  if (o->sorted) {
    if (n % 2) *out = st_order_get(o, n / 2);
    else *out = ord_mid(st_order_get(o, n / 2 - 1), st_order_get(o, n / 2));
    return OM_OK;
  }
  if (n % 2) {
    om_status st = ord_flat_pair(o, n / 2, &a, &b, p, err);
    if (st == OM_OK) *out = a;
    return st;
  } else {
    om_status st = ord_flat_pair(o, n / 2 - 1, &a, &b, p, err);
    if (st == OM_OK) *out = ord_mid(a, b);
    return st;
  }
}

om_status st_order_median(st_order *o, int final, double *out, const om_interrupt *it, om_err *err) {
  ord_poll p = {it, 0, 0};
  om_status st = ord_query_start(o, final, out, it, err);
  if (st != OM_OK || o->n == 0) return st;
  return ord_median_of(o, out, &p, err);
}

/* Percentile p of the values (behaviour 6); on a collecting state the
** values from index `from` on are searched (the lower ones are known to be
** at most these: st_order_iqr). */
static om_status ord_percentile_of(st_order *o, double p, size_t from, double *out, ord_poll *pp, om_err *err) {
  size_t n = o->n, i;
  double g, a, b;
  int top;
  ord_pct_index(n, p, &i, &g, &top);
  if (o->sorted) {
    if (top) {
      *out = st_order_get(o, n - 1);
      return OM_OK;
    }
    a = st_order_get(o, i);
    b = st_order_get(o, i + 1);
  } else {
    double *v = o->flat + from;
    if (top) {
      *out = v[0];
      for (size_t k = 1; k < n - from; k++)
        if (v[k] > *out) *out = v[k];
      return OM_OK;
    }
    if (ord_select(v, n - from, i - from, pp)) return om_errf(err, OM_INTERRUPTED, "interrupted");
    a = o->flat[i];
    b = ord_min(o->flat + i + 1, n - i - 1);
  }
  *out = ord_lerp(a, b, g);
  return OM_OK;
}

om_status st_order_percentile(st_order *o, double p, int final, double *out, const om_interrupt *it,
                              om_err *err) {
  ord_poll pp = {it, 0, 0};
  om_status st;
  if (!(p >= 0.0 && p <= 100.0)) {
    *out = NAN;
    return om_errf(err, OM_INVALID, "p must be a number between 0 and 100");
  }
  st = ord_query_start(o, final, out, it, err);
  if (st != OM_OK || o->n == 0) return st;
  return ord_percentile_of(o, p, 0, out, &pp, err);
}

om_status st_order_iqr(st_order *o, int final, double *out, const om_interrupt *it, om_err *err) {
  ord_poll pp = {it, 0, 0};
  double lo, hi, g;
  size_t i;
  int top;
  om_status st = ord_query_start(o, final, out, it, err);
  if (st != OM_OK || o->n == 0) return st;
  st = ord_percentile_of(o, 25.0, 0, &lo, &pp, err);
  if (st != OM_OK) return st;
  /* collecting: once index i of p25 is selected, the values from i on are
  ** exactly those of rank >= i, and p75's index is >= i: search there */
  ord_pct_index(o->n, 25.0, &i, &g, &top);
  st = ord_percentile_of(o, 75.0, o->sorted || top ? 0 : i, &hi, &pp, err);
  if (st != OM_OK) return st;
  *out = hi - lo;
  if (!isfinite(*out)) {
    *out = NAN;
    return ord_too_big(err, "interquartile range");
  }
  return OM_OK;
}

/* MAD on a sorted state (behaviour 7): the k-th smallest deviation of the
** two monotone sequences L(t) = dev(x_(j-1-t)), R(t) = dev(x_(j+t)). */
typedef struct ord_dev {
  st_order *o;
  double m; /* the median */
  size_t j; /* first index with x >= m */
} ord_dev;

static double ord_dev_l(const ord_dev *d, size_t t) { return fabs(st_order_get(d->o, d->j - 1 - t) - d->m); }

static double ord_dev_r(const ord_dev *d, size_t t) { return fabs(st_order_get(d->o, d->j + t) - d->m); }

/* k-th smallest deviation (0-based) and the next one (when k + 1 < n). */
static void ord_dev_kth(const ord_dev *d, size_t k, double *kth, double *next) {
  size_t p = d->j, q = d->o->n - d->j;
  size_t lo = k + 1 > q ? k + 1 - q : 0, hi = k + 1 < p ? k + 1 : p, i, r;
  double a = -INFINITY, b = INFINITY;
  while (lo < hi) { /* the smallest i with L(i) >= R(k - i) */
    i = lo + (hi - lo) / 2;
    if (ord_dev_l(d, i) < ord_dev_r(d, k - i)) lo = i + 1;
    else hi = i;
  }
  i = lo;
  r = k + 1 - i; /* taken from R */
  if (i > 0) a = ord_dev_l(d, i - 1);
  if (r > 0 && ord_dev_r(d, r - 1) > a) a = ord_dev_r(d, r - 1);
  if (i < p) b = ord_dev_l(d, i);
  if (r < q && ord_dev_r(d, r) < b) b = ord_dev_r(d, r);
  *kth = a;
  *next = b;
}

om_status st_order_mad(st_order *o, int final, double *out, const om_interrupt *it, om_err *err) {
  ord_poll pp = {it, 0, 0};
  size_t n = o->n, i;
  double m, r, a, b;
  om_status st = ord_query_start(o, final, out, it, err);
  if (st != OM_OK || n == 0) return st;
  st = ord_median_of(o, &m, &pp, err);
  if (st != OM_OK) return st;
  if (o->sorted) {
    ord_dev d;
    size_t lo = 0, hi = n;
    while (lo < hi) { /* j = the first index with x >= m */
      size_t mid = lo + (hi - lo) / 2;
      if (st_order_get(o, mid) < m) lo = mid + 1;
      else hi = mid;
    }
    d.o = o;
    d.m = m;
    d.j = lo;
    if (n % 2) {
      ord_dev_kth(&d, n / 2, &r, &b);
    } else {
      ord_dev_kth(&d, n / 2 - 1, &a, &b);
      r = ord_mid(a, b);
    }
  } else {
    double *v = o->flat;
    for (i = 0; i < n; i++) v[i] = fabs(v[i] - m);
    st = ord_median_of(o, &r, &pp, err);
    o->n = 0; /* the values are gone (behaviour 4) */
    if (st != OM_OK) return st;
  }
  if (!isfinite(r)) return om_errf(err, OM_INTERNAL, "median absolute deviation out of range"); /* (7) */
  *out = r;
  return OM_OK;
}
