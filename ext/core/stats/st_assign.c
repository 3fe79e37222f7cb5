/*
** st_assign.c — reproducible experiment assignment: the hashed position of a
** unit and the layout of weighted variants on [0, 1).  The spec is
** st_assign.h (behaviours 1–6).
*/
#define XXH_STATIC_LINKING_ONLY /* XXH3_state_t on the stack (behaviour 1) */
#include "st_assign.h"

#include <math.h>
#include <string.h>
#include <xxhash.h>

#include "../base/om_buf.h"

/* Behaviour 1. */
uint64_t st_ab_hash(const void *experiment, size_t exp_len, const void *salt, size_t salt_len, const void *unit,
                    size_t unit_len) {
  uint8_t len[8];
  if (exp_len <= ST_AB_STACK_MSG && salt_len <= ST_AB_STACK_MSG && unit_len <= ST_AB_STACK_MSG &&
      16 + exp_len + salt_len + unit_len <= ST_AB_STACK_MSG) {
    uint8_t msg[ST_AB_STACK_MSG];
    size_t k = 0;
    om_store_u64(msg, (uint64_t)exp_len);
    k = 8;
    if (exp_len) memcpy(msg + k, experiment, exp_len);
    k += exp_len;
    om_store_u64(msg + k, (uint64_t)salt_len);
    k += 8;
    if (salt_len) memcpy(msg + k, salt, salt_len);
    k += salt_len;
    if (unit_len) memcpy(msg + k, unit, unit_len);
    k += unit_len;
    return XXH3_64bits(msg, k);
  } else {
    XXH3_state_t st;
    XXH3_64bits_reset(&st);
    om_store_u64(len, (uint64_t)exp_len);
    XXH3_64bits_update(&st, len, 8);
    if (exp_len) XXH3_64bits_update(&st, experiment, exp_len);
    om_store_u64(len, (uint64_t)salt_len);
    XXH3_64bits_update(&st, len, 8);
    if (salt_len) XXH3_64bits_update(&st, salt, salt_len);
    if (unit_len) XXH3_64bits_update(&st, unit, unit_len);
    return XXH3_64bits_digest(&st);
  }
}

/* Behaviour 2. */
double st_ab_position(const void *experiment, size_t exp_len, const void *salt, size_t salt_len, const void *unit,
                      size_t unit_len) {
  return (double)(st_ab_hash(experiment, exp_len, salt, salt_len, unit, unit_len) >> 11) * 0x1.0p-53;
}

void st_ab_layout_free(st_ab_layout *l) {
  if (!l) return;
  om_free(l->v);
  om_json_obj_free(&l->obj);
  memset(l, 0, sizeof *l);
}

/* Behaviours 3 and 4. */
om_status st_ab_layout_parse(const char *json, size_t n, st_ab_layout *out, om_err *err) {
  om_status st;
  double sum = 0.0;
  size_t i;
  int any_positive = 0;
  memset(out, 0, sizeof *out);
  st = om_json_parse_flat(json, n, &out->obj, err);
  if (st != OM_OK) {
    memset(out, 0, sizeof *out);
    return st;
  }
  if (out->obj.count == 0) {
    st = om_errf(err, OM_INVALID, "the object is empty; expected at least one variant, e.g. {\"A\": 0.5, \"B\": 0.5}");
    goto fail;
  }
  out->v = om_malloc_array(out->obj.count, sizeof *out->v);
  if (!out->v) {
    st = om_errf(err, OM_NOMEM, "out of memory");
    goto fail;
  }
  out->count = out->obj.count;
  for (i = 0; i < out->count; i++) {
    const om_json_member *m = &out->obj.members[out->obj.order[i]]; /* name order (behaviour 4) */
    st_ab_variant *v = &out->v[i];
    double w;
    if (m->key_len == 0) {
      st = om_errf(err, OM_INVALID, "a variant name is empty");
      goto fail;
    }
    if (m->type != OM_JSON_NUMBER || m->is_bool) {
      const char *what = m->type == OM_JSON_STRING ? "a string" : m->type == OM_JSON_NULL ? "null"
                         : m->num != 0                          ? "true"
                                                                : "false";
      st = om_errf(err, OM_INVALID, "weight of \"%s\" is %s; expected a number >= 0", m->key, what);
      goto fail;
    }
    w = m->is_int ? (double)m->inum : m->num;
    if (!isfinite(w)) {
      st = om_errf(err, OM_INVALID, "weight of \"%s\" is not a finite number", m->key);
      goto fail;
    }
    if (w < 0) {
      st = om_errf(err, OM_INVALID, "weight of \"%s\" is %.15g; expected a number >= 0", m->key, w);
      goto fail;
    }
    if (w == 0) w = 0.0; /* -0 */
    sum += w;
    v->name = m->key;
    v->name_len = m->key_len;
    v->weight = w;
    v->upper = sum;
    if (w > 0) {
      out->last = i;
      any_positive = 1;
    }
  }
  if (!(fabs(sum - 1.0) <= ST_AB_SUM_TOL) || !any_positive) {
    st = om_errf(err, OM_INVALID, "the sum is %.15g; expected 1 (within 1e-9)%s", sum,
                 fabs(sum - 100.0) <= 1e-7 ? "; weights are fractions, not percentages" : "");
    goto fail;
  }
  return OM_OK;
fail:
  st_ab_layout_free(out);
  return st;
}

/* Behaviour 5. */
size_t st_ab_pick(const st_ab_layout *l, double u) {
  size_t lo = 0, hi = l->count; /* the answer is in [lo, hi]; hi = count: none */
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (u < l->v[mid].upper) hi = mid;
    else lo = mid + 1;
  }
  return lo < l->count ? lo : l->last;
}
