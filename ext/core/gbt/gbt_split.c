/*
** gbt_split.c — the best split of one feature at one node, from its histogram.
**
**   1. Gain is xgboost's: ½[GL²/(HL+λ) + GR²/(HR+λ) − G²/(H+λ)]; a candidate
**      needs HL ≥ min_child_weight, HR ≥ min_child_weight, rows on both sides
**      and 0 < gain < +Inf.  A candidate replaces the best only when strictly
**      better, so ties keep the earliest (lowest feature, lowest bin, missing
**      right before missing left).
**   2. Numeric: the left side is codes 1..b for each non-empty bin b before
**      the last non-empty one; missing (code 0) is tried on the right, then on
**      the left (the default direction).  One more candidate puts only the
**      missing rows left (b = 0, threshold −inf).  When the node has no
**      missing rows the default direction is the child with more hessian.
**   3. Categorical (LightGBM's sorted split): the codes present at the node
**      are ordered by G/(H + GBT_CAT_SMOOTH) (ties: lower code); the left set
**      is the first j or the last j of them, j ≤ max_cat_set (the option
**      max_cat_threshold, default GBT_CAT_MAX_SET), and code 0
**      (missing, rare, unseen) always goes right, which makes both scans the
**      two missing directions.  The left side may not be heavier than the
**      right (HL ≤ H − HL), so code 0 always joins the heavier child: ids
**      unseen at training get the prediction of the bulk of the node rather
**      than of a few listed categories.  Under drift (a chronological split
**      of job logs, where most test ids are new) this and the small
**      max_cat_set (16) keep id splits from routing new ids to an
**      over-fitted minority; the left set may be every present code when
**      the node's code-0 rows are the heavier side.
*/
#include "gbt.h"

#include <math.h>

#include <string.h>

static void consider(gbt_split *best, double GL, double HL, double G, double H,
                     const gbt_split_params *p, uint32_t feature, uint32_t bin, int dl,
                     int is_cat) {
  double GR = G - GL, HR = H - HL, gain;
  if (HL < p->min_child_weight || HR < p->min_child_weight) return;
  gain = gbt_gain(GL, HL, GR, HR, p->lambda);
  /* +Inf (a side with H + λ = 0, e.g. λ = 0 and hessians lost to rounding)
  ** would give an infinite importance that no decoder accepts: not a split */
  if (!(gain > best->gain) || !(gain > 0) || gain == INFINITY) return;
  best->gain = gain;
  best->GL = GL;
  best->HL = HL;
  best->GR = GR;
  best->HR = HR;
  best->feature = feature;
  best->bin = bin;
  best->default_left = (uint8_t)dl;
  best->is_cat = (uint8_t)is_cat;
}

void gbt_split_numeric(const gbt_gh *h, uint32_t n_codes, double G, double H,
                       const gbt_split_params *p, uint32_t feature, gbt_split *best) {
  double Gm = h[0].g, Hm = h[0].h, GL = 0, HL = 0;
  int has_miss = Hm > 0;
  uint32_t last = 0;
  double old_gain = best->gain;
  for (uint32_t b = n_codes - 1; b >= 1; b--)
    if (h[b].h > 0) {
      last = b;
      break;
    }
  if (has_miss && last > 0) consider(best, Gm, Hm, G, H, p, feature, 0, 1, 0);
  for (uint32_t b = 1; b < last; b++) {
    if (!(h[b].h > 0)) continue;
    GL += h[b].g;
    HL += h[b].h;
    /* the bins skipped as empty add nothing */
    consider(best, GL, HL, G, H, p, feature, b, 0, 0);
    if (has_miss) consider(best, GL + Gm, HL + Hm, G, H, p, feature, b, 1, 0);
  }
  if (!has_miss && best->gain > old_gain && best->feature == feature && !best->is_cat)
    best->default_left = best->HL >= best->HR;
}

typedef struct cat_score {
  double score;
  uint32_t code;
} cat_score;

static int cat_before(const cat_score *a, const cat_score *b) {
  return a->score < b->score || (a->score == b->score && a->code < b->code);
}

/* Ascending by (score, code), a strict total order (scores are finite), so
** any correct sort gives the same order.  Insertion sort for short runs,
** then bottom-up merges: O(n log n) for the 255 categories a node may have
** (an insertion sort alone took 8% of a training profile). */
static void cat_sort(cat_score *s, uint32_t n) {
  cat_score tmp[256], *a = s, *b = tmp;
  const uint32_t run = 8;
  for (uint32_t r0 = 0; r0 < n; r0 += run) {
    uint32_t r1 = r0 + run < n ? r0 + run : n;
    for (uint32_t i = r0 + 1; i < r1; i++) {
      cat_score v = s[i];
      uint32_t k = i;
      while (k > r0 && cat_before(&v, &s[k - 1])) {
        s[k] = s[k - 1];
        k--;
      }
      s[k] = v;
    }
  }
  for (uint32_t w = run; w < n; w *= 2) {
    for (uint32_t lo = 0; lo < n; lo += 2 * w) {
      uint32_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
      uint32_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi)
        b[k++] = cat_before(&a[j], &a[i]) ? a[j++] : a[i++];
      while (i < mid)
        b[k++] = a[i++];
      while (j < hi)
        b[k++] = a[j++];
    }
    {
      cat_score *t = a;
      a = b;
      b = t;
    }
  }
  if (a != s) memcpy(s, a, (size_t)n * sizeof *s);
}

void gbt_split_categorical(const gbt_gh *h, uint32_t n_codes, double G, double H,
                           const gbt_split_params *p, uint32_t feature, gbt_split *best) {
  cat_score s[256];
  uint32_t n = 0, lim;
  int has_miss = h[0].h > 0, found = 0, from_back = 0;
  uint32_t best_j = 0;
  double GL, HL;
  for (uint32_t c = 1; c < n_codes; c++)
    if (h[c].h > 0) {
      s[n].score = h[c].g / (h[c].h + GBT_CAT_SMOOTH);
      s[n].code = c;
      n++;
    }
  if (n == 0) return;
  cat_sort(s, n);
  lim = has_miss ? n : n - 1;
  if (lim > p->max_cat_set) lim = p->max_cat_set;
  for (int dir = 0; dir < 2; dir++) {
    GL = 0;
    HL = 0;
    for (uint32_t j = 1; j <= lim; j++) {
      uint32_t c = dir == 0 ? s[j - 1].code : s[n - j].code;
      double before = best->gain;
      GL += h[c].g;
      HL += h[c].h;
      if (HL > H - HL) break; /* the listed side must be the lighter one */
      consider(best, GL, HL, G, H, p, feature, 0, 0, 1);
      if (best->gain != before) {
        found = 1;
        from_back = dir;
        best_j = j;
      }
      if (dir == 1 && j == n) break;
    }
  }
  if (found) {
    memset(best->cat_left, 0, sizeof best->cat_left);
    for (uint32_t j = 1; j <= best_j; j++) {
      uint32_t c = from_back ? s[n - j].code : s[j - 1].code;
      best->cat_left[c >> 3] |= (uint8_t)(1u << (c & 7));
    }
  }
}
