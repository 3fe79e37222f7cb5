/*
** test_text.c — om_text.h: the UTF-8 rule (behaviour 1) and the sanitising
** copy every error message goes through (behaviour 2).
*/
#include "om_test.h"
#include "om_text.h"

static int valid(const char *s, size_t n) { return om_utf8_check(s, n) == n; }

int main(void) {
  char out[OM_TEXT_SANITIZED_MAX(40)], big[5000], buf[80];
  size_t n, i;

  /* 1. valid forms */
  CHECK(valid("", 0));
  CHECK(valid("threads", 7));
  CHECK(valid("h\xC3\xA9", 3));                 /* é */
  CHECK(valid("\xE2\x82\xAC", 3));              /* € */
  CHECK(valid("\xF0\x9F\x98\x80", 4));          /* U+1F600 */
  CHECK(valid("\xF4\x8F\xBF\xBF", 4));          /* U+10FFFF */
  CHECK(valid("\xED\x9F\xBF", 3));              /* U+D7FF */
  /* 1. invalid forms, with the offset of the first bad byte */
  CHECK(om_utf8_check("ab\xFF", 3) == 2);
  CHECK(om_utf8_check("a\0b", 3) == 1);         /* NUL */
  CHECK(om_utf8_check("\xC0\xAF", 2) == 0);     /* overlong '/' */
  CHECK(om_utf8_check("\xE0\x80\xAF", 3) == 0); /* overlong */
  CHECK(om_utf8_check("\xED\xA0\x80", 3) == 0); /* surrogate U+D800 */
  CHECK(om_utf8_check("\xF4\x90\x80\x80", 4) == 0); /* above U+10FFFF */
  CHECK(om_utf8_check("x\xE2\x82", 3) == 1);    /* truncated */
  CHECK(om_utf8_check("\x80", 1) == 0);         /* lone continuation */
  CHECK(om_utf8_check("\xF5\x80\x80\x80", 4) == 0);
  CHECK_STR(om_utf8_problem("ab\xFF", 3, 2, buf, sizeof buf), "byte 0xff at offset 2 is not valid UTF-8");
  CHECK_STR(om_utf8_problem("a\0b", 3, 1, buf, sizeof buf), "contains a NUL byte at offset 1");

  /* 2. sanitising: offending bytes become U+FFFD, valid text is unchanged */
  n = om_text_sanitize("ok \xFF!", 5, 40, out, sizeof out);
  CHECK_STR(out, "ok \xEF\xBF\xBD!");
  CHECK(n == 7);
  n = om_text_sanitize("h\xC3\xA9", 3, 40, out, sizeof out);
  CHECK_STR(out, "h\xC3\xA9");
  n = om_text_sanitize("a\0b", 3, 40, out, sizeof out);
  CHECK(n == 5 && valid(out, n));
  /* 2. long text keeps head and tail, never splits a character, stays valid */
  for (i = 0; i + 2 <= sizeof big; i += 2) big[i] = '\xC3', big[i + 1] = '\xA9';
  n = om_text_sanitize(big, sizeof big, 40, out, sizeof out);
  CHECK(valid(out, n));
  CHECK_MSG(n <= 40 + 24, "n = %zu", n);
  CHECK(strstr(out, "[... ") != NULL && strstr(out, " bytes ...]") != NULL);
  CHECK(strncmp(out, "\xC3\xA9\xC3\xA9", 4) == 0);
  CHECK(memcmp(out + n - 2, "\xC3\xA9", 2) == 0);
  /* every length and every cut of a mixed string stays valid UTF-8 */
  {
    const char *mix = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z\xFF\xC3";
    size_t m = strlen(mix), len, max, bad = 0;
    for (len = 0; len <= m; len++)
      for (max = 3; max < 20; max++) {
        char o[OM_TEXT_SANITIZED_MAX(20)];
        size_t k = om_text_sanitize(mix, len, max, o, sizeof o);
        if (!valid(o, k) || strlen(o) != k) bad++;
      }
    CHECK(bad == 0);
  }
  /* the limit counts output bytes: 2000 offending bytes (3 bytes each once
  ** replaced) still give at most max + the marker */
  memset(big, 0xFF, 2000);
  n = om_text_sanitize(big, 2000, 40, out, sizeof out);
  CHECK(valid(out, n));
  CHECK_MSG(n <= 40 + 24, "n = %zu", n);
  CHECK(strstr(out, "[... ") != NULL);
  /* text that fits is copied whole, without a marker */
  n = om_text_sanitize("exactly forty bytes of text, not more!!!", 40, 40, out, sizeof out);
  CHECK(n == 40 && strstr(out, "[...") == NULL);
  /* too small an output buffer gives an empty string, never an overrun */
  n = om_text_sanitize("abc", 3, 40, out, 10);
  CHECK(n == 0 && out[0] == 0);
  return om_test_finish();
}
