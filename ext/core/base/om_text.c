/*
** om_text.c — UTF-8 validation and the sanitising copy used for every text
** omen writes back (om_text.h gives the numbered rules).
*/
#include "om_text.h"

#include <stdio.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s[i] (1..4), or 0 when the bytes
** there are not one (or are a NUL). */
static size_t utf8_seq(const unsigned char *s, size_t n, size_t i) {
  unsigned c = s[i];
  size_t len, k;
  unsigned lo = 0x80, hi = 0xBF;
  if (c == 0) return 0;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) len = 2;
  else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;      /* overlong */
    else if (c == 0xED) hi = 0x9F; /* surrogates */
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;      /* overlong */
    else if (c == 0xF4) hi = 0x8F; /* above U+10FFFF */
  } else return 0;
  if (n - i < len) return 0;
  if (s[i + 1] < lo || s[i + 1] > hi) return 0;
  for (k = 2; k < len; k++)
    if (s[i + k] < 0x80 || s[i + k] > 0xBF) return 0;
  return len;
}

size_t om_utf8_check(const char *s, size_t n) {
  const unsigned char *u = (const unsigned char *)s;
  size_t i = 0, len;
  for (;;) {
    /* ASCII without NUL, one compare a byte (c - 1 wraps for 0): names are */
    while (i < n && (unsigned)(u[i] - 1u) < 0x7fu) i++;
    if (i >= n) return n;
    len = utf8_seq(u, n, i);
    if (!len) return i;
    i += len;
  }
}

const char *om_utf8_problem(const char *s, size_t n, size_t at, char *buf, size_t cap) {
  if (at < n && s[at] == 0) snprintf(buf, cap, "contains a NUL byte at offset %zu", at);
  else if (at < n) snprintf(buf, cap, "byte 0x%02x at offset %zu is not valid UTF-8", (unsigned char)s[at], at);
  else snprintf(buf, cap, "is valid UTF-8");
  return buf;
}

/* Copy s[from,to) into out at *w (out may be NULL: only count), replacing
** offending bytes with U+FFFD, and stop before the output would pass
** `budget` bytes.  Returns the input position where the copy stopped. */
static size_t copy_clean(const unsigned char *s, size_t from, size_t to, char *out, size_t *w, size_t budget) {
  size_t i = from, len, add;
  while (i < to) {
    len = utf8_seq(s, to, i);
    add = len ? len : 3;
    if (*w + add > budget) break;
    if (out) memcpy(out + *w, len ? (const char *)s + i : "\xEF\xBF\xBD", add);
    *w += add;
    i += len ? len : 1;
  }
  return i;
}

/* Skip continuation bytes (at most 3) so a scan starting at s[at] does not
** begin inside a character. */
static size_t char_next(const unsigned char *s, size_t n, size_t at) {
  size_t k;
  for (k = 0; k < 3 && at < n && (s[at] & 0xC0) == 0x80; k++) at++;
  return at;
}

size_t om_text_sanitize(const char *s, size_t n, size_t max, char *out, size_t cap) {
  const unsigned char *u = (const unsigned char *)s;
  size_t w = 0, head_end, tail, count;
  if (cap < OM_TEXT_SANITIZED_MAX(max)) {
    if (cap) out[0] = 0;
    return 0;
  }
  if (copy_clean(u, 0, n, NULL, &w, max) == n) { /* fits: copy it all */
    w = 0;
    copy_clean(u, 0, n, out, &w, max);
  } else {
    size_t head_budget = max * 2 / 3, tail_budget = max - head_budget;
    char mark[48];
    int m;
    w = 0;
    head_end = copy_clean(u, 0, n, out, &w, head_budget);
    /* The longest suffix whose clean copy fits tail_budget. */
    tail = n > tail_budget ? n - tail_budget : 0;
    if (tail < head_end) tail = head_end;
    for (tail = char_next(u, n, tail);; tail = char_next(u, n, tail + 1)) {
      count = 0;
      if (tail >= n || copy_clean(u, tail, n, NULL, &count, tail_budget) == n) break;
    }
    m = snprintf(mark, sizeof mark, "[... %zu bytes ...]", tail - head_end);
    memcpy(out + w, mark, (size_t)m);
    w += (size_t)m;
    copy_clean(u, tail, n, out, &w, (size_t)-1);
  }
  out[w] = 0;
  return w;
}
