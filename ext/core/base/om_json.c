/*
** om_json.c — JSON writer and flat-object reader; the spec is in om_json.h.
*/
#include "om_json.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "om_text.h"

/* Numbers are always written and read in the "C" locale, whatever locale the
** host program set (a decimal comma would otherwise corrupt JSON).  The
** locale object is created once and never changes: a cache that is safe to
** share across threads and connections. */
static locale_t om_c_locale_obj;
static pthread_once_t om_c_locale_once = PTHREAD_ONCE_INIT;

static void om_c_locale_init(void) { om_c_locale_obj = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0); }

static locale_t om_c_locale(void) {
  pthread_once(&om_c_locale_once, om_c_locale_init);
  return om_c_locale_obj;
}

double om_strtod(const char *s, char **end) {
  locale_t c = om_c_locale();
  return c ? strtod_l(s, end, c) : strtod(s, end);
}

/* snprintf of one double in the C locale. */
static int snprintf_double_c(char *buf, size_t n, int prec, double v) {
  locale_t c = om_c_locale(), old = (locale_t)0;
  int k;
  if (c) old = uselocale(c);
  k = snprintf(buf, n, "%.*g", prec, v);
  if (c) uselocale(old);
  return k;
}

/* ---------------------------------------------------------------- writer */

void om_jw_init(om_jw *j, om_wbuf *out) {
  memset(j, 0, sizeof *j);
  j->out = out;
  j->first[0] = 1;
}

static void jw_sep(om_jw *j) {
  if (j->after_key) {
    j->after_key = 0;
    return;
  }
  if (!j->first[j->depth]) om_wbuf_u8(j->out, ',');
  j->first[j->depth] = 0;
}

static void jw_open(om_jw *j, char c) {
  jw_sep(j);
  om_wbuf_u8(j->out, (uint8_t)c);
  if (j->depth + 1 < OM_JW_MAXDEPTH) j->depth++;
  j->first[j->depth] = 1;
}

static void jw_close(om_jw *j, char c) {
  om_wbuf_u8(j->out, (uint8_t)c);
  if (j->depth > 0) j->depth--;
}

void om_jw_begin_object(om_jw *j) { jw_open(j, '{'); }
void om_jw_end_object(om_jw *j) { jw_close(j, '}'); }
void om_jw_begin_array(om_jw *j) { jw_open(j, '['); }
void om_jw_end_array(om_jw *j) { jw_close(j, ']'); }

static void jw_escaped(om_wbuf *w, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  size_t i, run = 0;
  om_wbuf_u8(w, '"');
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    om_wbuf_bytes(w, s + run, i - run);
    run = i + 1;
    switch (c) {
    case '"': om_wbuf_bytes(w, "\\\"", 2); break;
    case '\\': om_wbuf_bytes(w, "\\\\", 2); break;
    case '\n': om_wbuf_bytes(w, "\\n", 2); break;
    case '\t': om_wbuf_bytes(w, "\\t", 2); break;
    case '\r': om_wbuf_bytes(w, "\\r", 2); break;
    default: {
      char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
      om_wbuf_bytes(w, u, 6);
    }
    }
  }
  om_wbuf_bytes(w, s + run, n - run);
  om_wbuf_u8(w, '"');
}

void om_jw_key_n(om_jw *j, const char *key, size_t n) {
  jw_sep(j);
  jw_escaped(j->out, key, n);
  om_wbuf_u8(j->out, ':');
  j->after_key = 1;
}

void om_jw_key(om_jw *j, const char *key) { om_jw_key_n(j, key, strlen(key)); }

void om_jw_string_n(om_jw *j, const char *s, size_t n) {
  jw_sep(j);
  jw_escaped(j->out, s, n);
}

void om_jw_string(om_jw *j, const char *s) { om_jw_string_n(j, s, strlen(s)); }

int om_format_double(char *buf, double v) {
  int prec, n = 0;
  if (v == 0) { /* keep -0 readable as 0; JSON allows "-0" but it surprises */
    buf[0] = '0';
    buf[1] = 0;
    return 1;
  }
  for (prec = 15; prec <= 17; prec++) {
    n = snprintf_double_c(buf, 32, prec, v);
    if (om_strtod(buf, NULL) == v) break;
  }
  return n;
}

void om_jw_double(om_jw *j, double v) {
  char buf[32];
  int n;
  if (isnan(v)) {
    om_jw_null(j);
    return;
  }
  if (isinf(v)) { /* behaviour 2: reads back as ±Infinity everywhere */
    om_jw_raw(j, v > 0 ? "9e999" : "-9e999", v > 0 ? 5 : 6);
    return;
  }
  jw_sep(j);
  n = om_format_double(buf, v);
  om_wbuf_bytes(j->out, buf, (size_t)n);
}

void om_jw_int(om_jw *j, int64_t v) {
  char buf[32];
  int n = snprintf(buf, sizeof buf, "%lld", (long long)v);
  jw_sep(j);
  om_wbuf_bytes(j->out, buf, (size_t)n);
}

void om_jw_uint(om_jw *j, uint64_t v) {
  char buf[32];
  int n = snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
  jw_sep(j);
  om_wbuf_bytes(j->out, buf, (size_t)n);
}

void om_jw_bool(om_jw *j, int v) {
  jw_sep(j);
  if (v) om_wbuf_bytes(j->out, "true", 4);
  else om_wbuf_bytes(j->out, "false", 5);
}

void om_jw_null(om_jw *j) {
  jw_sep(j);
  om_wbuf_bytes(j->out, "null", 4);
}

void om_jw_raw(om_jw *j, const char *json, size_t n) {
  jw_sep(j);
  om_wbuf_bytes(j->out, json, n);
}

void om_jw_hex64(om_jw *j, uint64_t v) {
  char buf[17];
  snprintf(buf, sizeof buf, "%016llx", (unsigned long long)v);
  om_jw_string_n(j, buf, 16);
}

/* ---------------------------------------------------------------- reader */

typedef struct jr {
  const char *s;
  size_t n, i;
  char *arena;     /* unescaped strings are appended here */
  size_t arena_len;
  om_err *err;
} jr;

static void jr_ws(jr *r) {
  while (r->i < r->n && (r->s[r->i] == ' ' || r->s[r->i] == '\t' || r->s[r->i] == '\n' || r->s[r->i] == '\r'))
    r->i++;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static int jr_hex4(jr *r, unsigned *out) {
  unsigned v = 0;
  if (r->n - r->i < 4) return 0;
  for (int k = 0; k < 4; k++) {
    int h = hexval(r->s[r->i + (size_t)k]);
    if (h < 0) return 0;
    v = v * 16 + (unsigned)h;
  }
  r->i += 4;
  *out = v;
  return 1;
}

static void arena_put(jr *r, unsigned char c) { r->arena[r->arena_len++] = (char)c; }

static void arena_utf8(jr *r, unsigned cp) {
  if (cp < 0x80) arena_put(r, (unsigned char)cp);
  else if (cp < 0x800) {
    arena_put(r, (unsigned char)(0xC0 | (cp >> 6)));
    arena_put(r, (unsigned char)(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    arena_put(r, (unsigned char)(0xE0 | (cp >> 12)));
    arena_put(r, (unsigned char)(0x80 | ((cp >> 6) & 0x3F)));
    arena_put(r, (unsigned char)(0x80 | (cp & 0x3F)));
  } else {
    arena_put(r, (unsigned char)(0xF0 | (cp >> 18)));
    arena_put(r, (unsigned char)(0x80 | ((cp >> 12) & 0x3F)));
    arena_put(r, (unsigned char)(0x80 | ((cp >> 6) & 0x3F)));
    arena_put(r, (unsigned char)(0x80 | (cp & 0x3F)));
  }
}

/* Reads a string starting at the opening quote; appends it NUL-terminated to
** the arena.  The arena holds n+1 bytes per input byte at most, never less
** than needed: an escape never produces more bytes than it consumes. */
static om_status jr_string(jr *r, const char **out, size_t *out_len) {
  size_t start;
  if (r->i >= r->n || r->s[r->i] != '"')
    return om_errf(r->err, OM_INVALID, "expected a string at byte %zu", r->i);
  r->i++;
  start = r->arena_len;
  for (;;) {
    unsigned char c;
    if (r->i >= r->n) return om_errf(r->err, OM_INVALID, "unterminated string at byte %zu", r->i);
    c = (unsigned char)r->s[r->i++];
    if (c == '"') break;
    if (c < 0x20) return om_errf(r->err, OM_INVALID, "control character in string at byte %zu", r->i - 1);
    if (c != '\\') {
      arena_put(r, c);
      continue;
    }
    if (r->i >= r->n) return om_errf(r->err, OM_INVALID, "unterminated string at byte %zu", r->i);
    c = (unsigned char)r->s[r->i++];
    switch (c) {
    case '"': arena_put(r, '"'); break;
    case '\\': arena_put(r, '\\'); break;
    case '/': arena_put(r, '/'); break;
    case 'b': arena_put(r, '\b'); break;
    case 'f': arena_put(r, '\f'); break;
    case 'n': arena_put(r, '\n'); break;
    case 'r': arena_put(r, '\r'); break;
    case 't': arena_put(r, '\t'); break;
    case 'u': {
      unsigned cp, lo;
      if (!jr_hex4(r, &cp)) return om_errf(r->err, OM_INVALID, "bad \\u escape at byte %zu", r->i);
      if (cp >= 0xD800 && cp < 0xDC00) {
        if (r->n - r->i < 6 || r->s[r->i] != '\\' || r->s[r->i + 1] != 'u')
          return om_errf(r->err, OM_INVALID, "unpaired surrogate at byte %zu", r->i);
        r->i += 2;
        if (!jr_hex4(r, &lo) || lo < 0xDC00 || lo > 0xDFFF)
          return om_errf(r->err, OM_INVALID, "unpaired surrogate at byte %zu", r->i);
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
      } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
        return om_errf(r->err, OM_INVALID, "unpaired surrogate at byte %zu", r->i);
      }
      if (cp == 0) return om_errf(r->err, OM_INVALID, "NUL character in string at byte %zu", r->i);
      arena_utf8(r, cp);
      break;
    }
    default: return om_errf(r->err, OM_INVALID, "bad escape at byte %zu", r->i - 1);
    }
  }
  *out = r->arena + start;
  *out_len = r->arena_len - start;
  arena_put(r, 0);
  return OM_OK;
}

static om_status jr_number(jr *r, om_json_member *m) {
  size_t start = r->i, len;
  int is_int = 1;
  char small[64], *buf = small;
  if (r->i < r->n && r->s[r->i] == '-') r->i++;
  if (r->i >= r->n || r->s[r->i] < '0' || r->s[r->i] > '9') goto bad;
  if (r->s[r->i] == '0') r->i++;
  else
    while (r->i < r->n && r->s[r->i] >= '0' && r->s[r->i] <= '9') r->i++;
  if (r->i < r->n && r->s[r->i] == '.') {
    is_int = 0;
    r->i++;
    if (r->i >= r->n || r->s[r->i] < '0' || r->s[r->i] > '9') goto bad;
    while (r->i < r->n && r->s[r->i] >= '0' && r->s[r->i] <= '9') r->i++;
  }
  if (r->i < r->n && (r->s[r->i] == 'e' || r->s[r->i] == 'E')) {
    is_int = 0;
    r->i++;
    if (r->i < r->n && (r->s[r->i] == '+' || r->s[r->i] == '-')) r->i++;
    if (r->i >= r->n || r->s[r->i] < '0' || r->s[r->i] > '9') goto bad;
    while (r->i < r->n && r->s[r->i] >= '0' && r->s[r->i] <= '9') r->i++;
  }
  len = r->i - start;
  if (len >= sizeof small) { /* a long literal: read all of it */
    buf = om_malloc(len + 1);
    if (!buf) return om_errf(r->err, OM_NOMEM, "out of memory");
  }
  memcpy(buf, r->s + start, len);
  buf[len] = 0;
  m->type = OM_JSON_NUMBER;
  m->num = om_strtod(buf, NULL);
  if (is_int) {
    char *end;
    long long v;
    errno = 0;
    v = strtoll(buf, &end, 10);
    if (errno == 0 && *end == 0) {
      m->is_int = 1;
      m->inum = v;
    }
  }
  if (buf != small) om_free(buf);
  return OM_OK; /* an overflow is ±Inf (behaviour 7) */
bad:
  return om_errf(r->err, OM_INVALID, "invalid number at byte %zu", start);
}

static int jr_word(jr *r, const char *w) {
  size_t n = strlen(w);
  if (r->n - r->i >= n && memcmp(r->s + r->i, w, n) == 0) {
    r->i += n;
    return 1;
  }
  return 0;
}

/* Key order: bytewise, shorter first on a common prefix (as fv_name_cmp). */
static int key_cmp(const om_json_member *a, const om_json_member *b) {
  size_t m = a->key_len < b->key_len ? a->key_len : b->key_len;
  int c = m ? memcmp(a->key, b->key, m) : 0;
  if (c) return c;
  return a->key_len < b->key_len ? -1 : (a->key_len > b->key_len ? 1 : 0);
}

/* Behaviour 9: sort the member indices by key with a bottom-up merge sort
** (stable, so equal keys stay in input order; at most count*ceil(log2 count)
** comparisons), then find duplicates among neighbours. */
static om_status jr_index(om_json_obj *o, om_err *err) {
  size_t n = o->count, width, i, run, *a, *b, *t, dup = SIZE_MAX;
  if (n == 0) return OM_OK;
  a = om_calloc(n, sizeof *a);
  b = n > 1 ? om_calloc(n, sizeof *b) : NULL;
  if (!a || (n > 1 && !b)) {
    om_free(a);
    om_free(b);
    return om_errf(err, OM_NOMEM, "out of memory");
  }
  for (i = 0; i < n; i++) a[i] = i;
  for (width = 1; width < n; width *= 2) {
    for (i = 0; i < n; i += 2 * width) {
      size_t lo = i, mid = i + width < n ? i + width : n, hi = i + 2 * width < n ? i + 2 * width : n;
      size_t p = lo, q = mid, k = lo;
      while (p < mid && q < hi) {
        o->key_compares++;
        b[k++] = key_cmp(&o->members[a[q]], &o->members[a[p]]) < 0 ? a[q++] : a[p++];
      }
      while (p < mid) b[k++] = a[p++];
      while (q < hi) b[k++] = a[q++];
    }
    t = a;
    a = b;
    b = t;
  }
  om_free(b);
  o->order = a;
  /* Stable: within a run of equal keys the indices ascend, so the run's
  ** second index is that key's first repetition in the text. */
  for (i = 1, run = 0; i < n; i++) {
    o->key_compares++;
    if (key_cmp(&o->members[a[i - 1]], &o->members[a[i]]) != 0) run = i;
    else if (i == run + 1 && a[i] < dup) dup = a[i];
  }
  if (dup != SIZE_MAX) return om_errf(err, OM_INVALID, "duplicate key \"%s\"", o->members[dup].key);
  return OM_OK;
}

om_status om_json_parse_flat(const char *text, size_t n, om_json_obj *out, om_err *err) {
  jr r;
  size_t cap = 0, i, key_at, bad;
  om_status st = OM_OK;
  memset(out, 0, sizeof *out);
  memset(&r, 0, sizeof r);
  r.s = text;
  r.n = text ? n : 0;
  r.err = err;
  /* Members: at most one per ':' in the text. */
  for (i = 0; i < r.n; i++)
    if (text[i] == ':') cap++;
  r.arena = om_malloc(r.n + 1);
  if (!r.arena) return om_errf(err, OM_NOMEM, "out of memory");
  cap++; /* one spare, so a malformed member is diagnosed by the parser below */
  {
    out->members = om_calloc(cap, sizeof *out->members);
    if (!out->members) {
      st = om_errf(err, OM_NOMEM, "out of memory");
      goto done;
    }
  }
  out->arena = r.arena;
  jr_ws(&r);
  if (r.i >= r.n || r.s[r.i] != '{') {
    st = om_errf(err, OM_INVALID, "expected a JSON object");
    goto done;
  }
  r.i++;
  jr_ws(&r);
  if (r.i < r.n && r.s[r.i] == '}') {
    r.i++;
  } else {
    for (;;) {
      om_json_member *m;
      if (out->count >= cap) { /* cannot happen: every member has a ':' */
        st = om_errf(err, OM_INVALID, "expected ':' at byte %zu", r.i);
        goto done;
      }
      m = &out->members[out->count];
      jr_ws(&r);
      key_at = r.i;
      if ((st = jr_string(&r, &m->key, &m->key_len)) != OM_OK) goto done;
      bad = om_utf8_check(m->key, m->key_len);
      if (bad != m->key_len) { /* behaviour 8; NUL cannot get here (control character, \u0000) */
        st = om_errf(err, OM_INVALID, "key at byte %zu is not valid UTF-8 (byte 0x%02x at offset %zu of the key)",
                     key_at, (unsigned char)m->key[bad], bad);
        goto done;
      }
      jr_ws(&r);
      if (r.i >= r.n || r.s[r.i] != ':') {
        st = om_errf(err, OM_INVALID, "expected ':' at byte %zu", r.i);
        goto done;
      }
      r.i++;
      jr_ws(&r);
      if (r.i >= r.n) {
        st = om_errf(err, OM_INVALID, "missing value at byte %zu", r.i);
        goto done;
      }
      switch (r.s[r.i]) {
      case '"':
        m->type = OM_JSON_STRING;
        if ((st = jr_string(&r, &m->str, &m->str_len)) != OM_OK) goto done;
        break;
      case '{':
      case '[':
        st = om_errf(err, OM_INVALID, "value of \"%s\" is an %s; expected a number, string, true, false or null",
                     m->key, r.s[r.i] == '{' ? "object" : "array");
        goto done;
      default:
        if (jr_word(&r, "null")) m->type = OM_JSON_NULL;
        else if (jr_word(&r, "true")) {
          m->type = OM_JSON_NUMBER;
          m->num = 1;
          m->inum = 1;
          m->is_int = m->is_bool = 1;
        } else if (jr_word(&r, "false")) {
          m->type = OM_JSON_NUMBER;
          m->is_int = m->is_bool = 1;
        } else if ((st = jr_number(&r, m)) != OM_OK)
          goto done;
      }
      out->count++;
      jr_ws(&r);
      if (r.i < r.n && r.s[r.i] == ',') {
        r.i++;
        continue;
      }
      if (r.i < r.n && r.s[r.i] == '}') {
        r.i++;
        break;
      }
      st = om_errf(err, OM_INVALID, "expected ',' or '}' at byte %zu", r.i);
      goto done;
    }
  }
  jr_ws(&r);
  if (r.i != r.n) {
    st = om_errf(err, OM_INVALID, "unexpected text after the object at byte %zu", r.i);
    goto done;
  }
  st = jr_index(out, err);
done:
  if (st != OM_OK) {
    if (!out->arena) om_free(r.arena);
    om_json_obj_free(out);
  }
  return st;
}

void om_json_obj_free(om_json_obj *o) {
  om_free(o->members);
  om_free(o->arena);
  om_free(o->order);
  memset(o, 0, sizeof *o);
}

const om_json_member *om_json_obj_get(const om_json_obj *o, const char *key) {
  om_json_member want;
  size_t lo = 0, hi = o->order ? o->count : 0;
  want.key = key;
  want.key_len = strlen(key);
  while (lo < hi) { /* binary search over the sorted index (behaviour 9) */
    size_t mid = lo + (hi - lo) / 2;
    const om_json_member *m = &o->members[o->order[mid]];
    int c = key_cmp(m, &want);
    if (c == 0) return m;
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return NULL;
}
