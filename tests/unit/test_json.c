/*
** test_json.c — unit tests of om_json (ext/core/base/om_json.h).
**
**   make build/unit/test_json && ./build/unit/test_json
**
** Covers, by the numbered behaviours of om_json.h:
**   1. writer commas and nesting (including deeper than OM_JW_MAXDEPTH);
**   2. number text: shortest of %.15g/%.16g/%.17g that reads back, -0 → 0,
**      NaN → null, ±Inf → 9e999/-9e999 (and back), int64/uint64 extremes;
**      also under a locale whose decimal point is ',' (when such a locale is
**      installed);
**   3. string escaping of quotes, backslashes and every control character;
**   4. every parser error, with its exact message;
**   5. true/false;
**   6. \u escapes (incl. surrogate pairs) to UTF-8;
**   7. overflowing numbers read as ±Inf;
**   8. keys must be valid UTF-8 (raw invalid bytes, overlong forms, encoded
**      surrogates are errors); values keep any bytes;
**   9. O(n log n): 100,000 keys in sorted, reversed and shuffled order parse
**      with at most n*ceil(log2 n) + n key comparisons (counted, not timed),
**      om_json_obj_get finds every key, duplicates are found and the one named
**      is the first repetition in the text;
**   and an OOM loop over the parser and the writer.
*/
#include <locale.h>
#include <stdlib.h>

#include "om_json.h"
#include "om_test.h"

/* ------------------------------------------------------------ helpers */

/* The writer's output as a NUL-terminated string in a static buffer. */
static const char *jw_text(om_wbuf *w) {
  static char buf[4096];
  size_t n = w->len < sizeof buf - 1 ? w->len : sizeof buf - 1;
  if (n) memcpy(buf, w->data, n);
  buf[n] = 0;
  return buf;
}

static const char *double_text(double v) {
  static char buf[64];
  om_wbuf w;
  om_jw j;
  om_wbuf_init(&w);
  om_jw_init(&j, &w);
  om_jw_double(&j, v);
  snprintf(buf, sizeof buf, "%s", jw_text(&w));
  om_wbuf_free(&w);
  return buf;
}

#define CHECK_DOUBLE_TEXT(v, want) CHECK_STR(double_text(v), want)

/* Parse text (not NUL-terminated: the parser must honour n); expect an error
** with status st and exactly message msg.  Nothing may leak. */
static void expect_error_n(const char *text, size_t n, om_status st, const char *msg, int line) {
  om_json_obj o;
  om_err e;
  long live = om_test_alloc_live;
  char *copy = malloc(n ? n : 1); /* exact-size copy so ASan sees overreads */
  om_status got;
  if (n) memcpy(copy, text, n);
  e.msg[0] = 0;
  got = om_json_parse_flat(copy, n, &o, &e);
  CHECK_MSG(got == st, "line %d: %.*s: status %d want %d (%s)", line, (int)n, text, got, st, e.msg);
  CHECK_MSG(strcmp(e.msg, msg) == 0, "line %d: %.*s: message \"%s\" want \"%s\"", line, (int)n, text, e.msg, msg);
  if (got == OM_OK) om_json_obj_free(&o);
  CHECK_MSG(o.members == NULL && o.arena == NULL && o.count == 0, "line %d: output not cleared", line);
  CHECK_MSG(om_test_alloc_live == live, "line %d: leak", line);
  free(copy);
}
#define EXPECT_ERROR(text, msg) expect_error_n((text), strlen(text), OM_INVALID, (msg), __LINE__)

/* Parse text, which must succeed; the caller frees o. */
static int parse_ok(const char *text, om_json_obj *o, int line) {
  om_err e;
  om_status st;
  e.msg[0] = 0;
  st = om_json_parse_flat(text, strlen(text), o, &e);
  CHECK_MSG(st == OM_OK, "line %d: %s: %s", line, text, e.msg);
  return st == OM_OK;
}
#define PARSE_OK(text, o) parse_ok((text), (o), __LINE__)

/* The single member of a one-member object must be a number equal to want. */
static void expect_number(const char *text, double want, int is_int, int line) {
  om_json_obj o;
  if (!parse_ok(text, &o, line)) return;
  CHECK_MSG(o.count == 1 && o.members[0].type == OM_JSON_NUMBER, "line %d: %s", line, text);
  if (o.count == 1) {
    CHECK_MSG(o.members[0].num == want && signbit(o.members[0].num) == signbit(want), "line %d: %s: got %.17g want %.17g",
              line, text, o.members[0].num, want);
    CHECK_MSG(o.members[0].is_int == is_int, "line %d: %s: is_int %d", line, text, o.members[0].is_int);
    CHECK_MSG(!o.members[0].is_bool, "line %d: %s: is_bool", line, text);
  }
  om_json_obj_free(&o);
}
#define EXPECT_NUMBER(text, want, is_int) expect_number((text), (want), (is_int), __LINE__)

/* The single member must be a string whose unescaped bytes are want[0..n). */
static void expect_string(const char *text, const char *want, size_t n, int line) {
  om_json_obj o;
  if (!parse_ok(text, &o, line)) return;
  CHECK_MSG(o.count == 1 && o.members[0].type == OM_JSON_STRING, "line %d: %s", line, text);
  if (o.count == 1) {
    CHECK_MSG(o.members[0].str_len == n && memcmp(o.members[0].str, want, n) == 0 && o.members[0].str[n] == 0,
              "line %d: %s: got %zu bytes \"%s\"", line, text, o.members[0].str_len, o.members[0].str);
  }
  om_json_obj_free(&o);
}
#define EXPECT_STRING(text, want) expect_string((text), (want), sizeof(want) - 1, __LINE__)

/* ------------------------------------------------------------ writer */

static void test_writer_structure(void) {
  om_wbuf w;
  om_jw j;
  om_wbuf_init(&w);
  om_jw_init(&j, &w);
  om_jw_begin_object(&j);
  om_jw_key(&j, "a");
  om_jw_begin_array(&j);
  om_jw_int(&j, 1);
  om_jw_double(&j, 2.5);
  om_jw_begin_object(&j);
  om_jw_key(&j, "b");
  om_jw_null(&j);
  om_jw_key(&j, "c");
  om_jw_bool(&j, 1);
  om_jw_key(&j, "d");
  om_jw_bool(&j, 0);
  om_jw_end_object(&j);
  om_jw_begin_array(&j);
  om_jw_end_array(&j);
  om_jw_end_array(&j);
  om_jw_key(&j, "e");
  om_jw_begin_object(&j);
  om_jw_end_object(&j);
  om_jw_key_n(&j, "fgh", 1);
  om_jw_string_n(&j, "xyz", 2);
  om_jw_key(&j, "raw");
  om_jw_raw(&j, "{\"k\":[1]}", 9);
  om_jw_key(&j, "hex");
  om_jw_hex64(&j, 0x0123456789abcdefull);
  om_jw_key(&j, "hex0");
  om_jw_hex64(&j, 0);
  om_jw_end_object(&j);
  CHECK(om_wbuf_status(&w) == OM_OK);
  CHECK_STR(jw_text(&w), "{\"a\":[1,2.5,{\"b\":null,\"c\":true,\"d\":false},[]],\"e\":{},\"f\":\"xy\","
                         "\"raw\":{\"k\":[1]},\"hex\":\"0123456789abcdef\",\"hex0\":\"0000000000000000\"}");
  om_wbuf_free(&w);

  /* A top-level array of scalars. */
  om_wbuf_init(&w);
  om_jw_init(&j, &w);
  om_jw_begin_array(&j);
  om_jw_string(&j, "");
  om_jw_uint(&j, 0);
  om_jw_null(&j);
  om_jw_end_array(&j);
  CHECK_STR(jw_text(&w), "[\"\",0,null]");
  om_wbuf_free(&w);

  /* Nesting deeper than OM_JW_MAXDEPTH still gives correct commas. */
  for (int depth = OM_JW_MAXDEPTH - 2; depth <= OM_JW_MAXDEPTH + 3; depth++) {
    char want[1024];
    size_t k = 0;
    om_wbuf_init(&w);
    om_jw_init(&j, &w);
    om_jw_begin_array(&j);
    for (int i = 1; i < depth; i++) {
      om_jw_int(&j, i);
      om_jw_begin_array(&j);
    }
    om_jw_int(&j, depth);
    for (int i = 1; i < depth; i++) {
      om_jw_end_array(&j);
      om_jw_int(&j, 100 + i);
    }
    om_jw_end_array(&j);
    want[k++] = '[';
    for (int i = 1; i < depth; i++) k += (size_t)snprintf(want + k, sizeof want - k, "%d,[", i);
    k += (size_t)snprintf(want + k, sizeof want - k, "%d", depth);
    for (int i = 1; i < depth; i++) k += (size_t)snprintf(want + k, sizeof want - k, "],%d", 100 + i);
    snprintf(want + k, sizeof want - k, "]");
    CHECK_MSG(strcmp(jw_text(&w), want) == 0, "depth %d: got %s", depth, jw_text(&w));
    om_wbuf_free(&w);
  }
}

static void test_writer_numbers(void) {
  CHECK_DOUBLE_TEXT(0.1, "0.1");
  CHECK_DOUBLE_TEXT(1.5, "1.5");
  CHECK_DOUBLE_TEXT(-2.5, "-2.5");
  CHECK_DOUBLE_TEXT(1.0, "1");
  CHECK_DOUBLE_TEXT(100.0, "100");
  CHECK_DOUBLE_TEXT(1e300, "1e+300");
  CHECK_DOUBLE_TEXT(-1e300, "-1e+300");
  CHECK_DOUBLE_TEXT(1e21, "1e+21");
  CHECK_DOUBLE_TEXT(1e-7, "1e-07");
  /* The smallest subnormal: 15 significant digits already read back. */
  CHECK_DOUBLE_TEXT(5e-324, "4.94065645841247e-324");
  CHECK_DOUBLE_TEXT(2.2250738585072014e-308, "2.2250738585072014e-308"); /* DBL_MIN needs 17 */
  CHECK_DOUBLE_TEXT(1.0 / 3.0, "0.3333333333333333");     /* needs 16 */
  CHECK_DOUBLE_TEXT(0.1 + 0.2, "0.30000000000000004");    /* needs 17 */
  CHECK_DOUBLE_TEXT(1.7976931348623157e308, "1.7976931348623157e+308"); /* 15 and 16 overflow */
  CHECK_DOUBLE_TEXT(9007199254740993.0, "9007199254740992");
  CHECK_DOUBLE_TEXT(0.0, "0");
  CHECK_DOUBLE_TEXT(-0.0, "0");
  CHECK_DOUBLE_TEXT(NAN, "null");
  CHECK_DOUBLE_TEXT(-NAN, "null");
  CHECK_DOUBLE_TEXT(INFINITY, "9e999");
  CHECK_DOUBLE_TEXT(-INFINITY, "-9e999");
  CHECK_DOUBLE_TEXT(HUGE_VAL, "9e999");
  /* ±Inf inside a container gets its commas like any value, and reads back. */
  {
    om_wbuf w;
    om_jw j;
    om_json_obj o;
    om_wbuf_init(&w);
    om_jw_init(&j, &w);
    om_jw_begin_object(&j);
    om_jw_key(&j, "lo");
    om_jw_double(&j, -INFINITY);
    om_jw_key(&j, "hi");
    om_jw_double(&j, INFINITY);
    om_jw_key(&j, "nan");
    om_jw_double(&j, NAN);
    om_jw_key(&j, "x");
    om_jw_double(&j, 1.5);
    om_jw_end_object(&j);
    CHECK_STR(jw_text(&w), "{\"lo\":-9e999,\"hi\":9e999,\"nan\":null,\"x\":1.5}");
    if (PARSE_OK(jw_text(&w), &o)) {
      const om_json_member *m = om_json_obj_get(&o, "lo");
      CHECK(m && m->type == OM_JSON_NUMBER && m->num == -INFINITY && !m->is_int);
      m = om_json_obj_get(&o, "hi");
      CHECK(m && m->type == OM_JSON_NUMBER && m->num == INFINITY && !m->is_int);
      m = om_json_obj_get(&o, "nan");
      CHECK(m && m->type == OM_JSON_NULL);
      om_json_obj_free(&o);
    }
    om_wbuf_free(&w);
  }
  /* Every rendered finite value reads back exactly. */
  {
    double vals[] = {0.1, 1e300, 5e-324, 1.0 / 3.0, 0.1 + 0.2, 1.7976931348623157e308, -123.456e-200, 4.35, 2.675};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
      char buf[32];
      int n = om_format_double(buf, vals[i]);
      CHECK_MSG(n > 0 && (size_t)n == strlen(buf) && strtod(buf, NULL) == vals[i], "%.17g -> %s", vals[i], buf);
    }
  }

  {
    om_wbuf w;
    om_jw j;
    om_wbuf_init(&w);
    om_jw_init(&j, &w);
    om_jw_begin_array(&j);
    om_jw_int(&j, INT64_MIN);
    om_jw_int(&j, INT64_MAX);
    om_jw_int(&j, 0);
    om_jw_int(&j, -1);
    om_jw_uint(&j, UINT64_MAX);
    om_jw_end_array(&j);
    CHECK_STR(jw_text(&w), "[-9223372036854775808,9223372036854775807,0,-1,18446744073709551615]");
    om_wbuf_free(&w);
  }
}

/* JSON text must not depend on the host's LC_NUMERIC: an application that
** loads the extension may have called setlocale(LC_ALL, "") in a locale whose
** decimal separator is ','.  Skipped when no such locale is installed. */
static void test_locale_independence(void) {
  static const char *const comma_locales[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8", "nl_NL.UTF-8"};
  const char *used = NULL;
  for (size_t i = 0; i < sizeof comma_locales / sizeof comma_locales[0] && !used; i++)
    if (setlocale(LC_NUMERIC, comma_locales[i])) used = comma_locales[i];
  if (!used) {
    printf("note: no locale with a ',' decimal point is installed; locale test skipped\n");
    return;
  }
  {
    om_json_obj o;
    CHECK_DOUBLE_TEXT(1.5, "1.5");
    CHECK_DOUBLE_TEXT(0.1, "0.1");
    if (PARSE_OK("{\"a\":1.5,\"b\":2.5e3}", &o)) {
      CHECK_MSG(o.count == 2 && o.members[0].num == 1.5 && o.members[1].num == 2500, "under %s: %.17g %.17g", used,
                o.members[0].num, o.members[1].num);
      om_json_obj_free(&o);
    }
  }
  setlocale(LC_NUMERIC, "C");
}

static void test_writer_strings(void) {
  om_wbuf w;
  om_jw j;
  char all_ctl[32];
  om_wbuf_init(&w);
  om_jw_init(&j, &w);
  om_jw_begin_array(&j);
  om_jw_string(&j, "say \"hi\" \\ there");
  om_jw_string(&j, "a\nb\tc\rd\be\ff");
  om_jw_string_n(&j, "nul\0x", 5);
  om_jw_string(&j, "\x7f caf\xc3\xa9 \xe2\x82\xac /");
  om_jw_end_array(&j);
  CHECK_STR(jw_text(&w), "[\"say \\\"hi\\\" \\\\ there\",\"a\\nb\\tc\\rd\\u0008e\\u000cf\",\"nul\\u0000x\","
                         "\"\x7f caf\xc3\xa9 \xe2\x82\xac /\"]");
  om_wbuf_free(&w);

  /* Every control character 0x00..0x1f, as a key. */
  for (int c = 0; c < 32; c++) all_ctl[c] = (char)c;
  om_wbuf_init(&w);
  om_jw_init(&j, &w);
  om_jw_begin_object(&j);
  om_jw_key_n(&j, all_ctl, 32);
  om_jw_int(&j, 1);
  om_jw_end_object(&j);
  CHECK_STR(jw_text(&w), "{\"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\u0008\\t\\n\\u000b\\u000c\\r"
                         "\\u000e\\u000f\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001a"
                         "\\u001b\\u001c\\u001d\\u001e\\u001f\":1}");
  om_wbuf_free(&w);

  /* What the writer escapes, the parser reads back to the same bytes. */
  {
    char text[512];
    om_json_obj o;
    om_wbuf_init(&w);
    om_jw_init(&j, &w);
    om_jw_begin_object(&j);
    om_jw_key(&j, "k\"\\");
    om_jw_string_n(&j, all_ctl + 1, 31);
    om_jw_end_object(&j);
    snprintf(text, sizeof text, "%s", jw_text(&w));
    om_wbuf_free(&w);
    if (PARSE_OK(text, &o)) {
      CHECK(o.count == 1 && o.members[0].key_len == 3 && memcmp(o.members[0].key, "k\"\\", 3) == 0);
      CHECK(o.members[0].type == OM_JSON_STRING && o.members[0].str_len == 31 &&
            memcmp(o.members[0].str, all_ctl + 1, 31) == 0);
      om_json_obj_free(&o);
    }
  }
}

/* ------------------------------------------------------------ parser */

static void test_parser_valid(void) {
  om_json_obj o;
  const om_json_member *m;

  if (PARSE_OK("{}", &o)) {
    CHECK(o.count == 0);
    CHECK(om_json_obj_get(&o, "a") == NULL);
    om_json_obj_free(&o);
  }
  if (PARSE_OK(" \t\r\n{ \n } \r\n\t", &o)) {
    CHECK(o.count == 0);
    om_json_obj_free(&o);
  }
  if (PARSE_OK("{\"n\":1.5,\"i\":-42,\"s\":\"x y\",\"z\":null,\"t\":true,\"f\":false,\"e\":\"\"}", &o)) {
    CHECK(o.count == 7);
    /* input order */
    CHECK(o.count == 7 && strcmp(o.members[0].key, "n") == 0 && strcmp(o.members[6].key, "e") == 0);
    m = om_json_obj_get(&o, "n");
    CHECK(m && m->type == OM_JSON_NUMBER && m->num == 1.5 && !m->is_int && !m->is_bool);
    m = om_json_obj_get(&o, "i");
    CHECK(m && m->type == OM_JSON_NUMBER && m->num == -42 && m->is_int && m->inum == -42 && !m->is_bool);
    m = om_json_obj_get(&o, "s");
    CHECK(m && m->type == OM_JSON_STRING && m->str_len == 3 && strcmp(m->str, "x y") == 0);
    m = om_json_obj_get(&o, "z");
    CHECK(m && m->type == OM_JSON_NULL);
    m = om_json_obj_get(&o, "t");
    CHECK(m && m->type == OM_JSON_NUMBER && m->num == 1 && m->is_bool && m->is_int && m->inum == 1);
    m = om_json_obj_get(&o, "f");
    CHECK(m && m->type == OM_JSON_NUMBER && m->num == 0 && m->is_bool && m->is_int && m->inum == 0);
    m = om_json_obj_get(&o, "e");
    CHECK(m && m->type == OM_JSON_STRING && m->str_len == 0 && m->str[0] == 0);
    CHECK(om_json_obj_get(&o, "") == NULL);
    CHECK(om_json_obj_get(&o, "nn") == NULL);
    om_json_obj_free(&o);
  }
  /* Whitespace around every token; a ':' inside a string. */
  if (PARSE_OK(" { \"a:b\" : 1 , \"c\"\t:\n\"d:e\" } ", &o)) {
    CHECK(o.count == 2);
    m = om_json_obj_get(&o, "a:b");
    CHECK(m && m->num == 1);
    m = om_json_obj_get(&o, "c");
    CHECK(m && m->type == OM_JSON_STRING && strcmp(m->str, "d:e") == 0);
    om_json_obj_free(&o);
  }
  /* The parser stops at n, not at a NUL. */
  {
    const char text[] = "{\"a\":1}garbage";
    om_err e;
    CHECK(om_json_parse_flat(text, 7, &o, &e) == OM_OK && o.count == 1);
    om_json_obj_free(&o);
  }
  /* Empty keys are allowed by JSON. */
  if (PARSE_OK("{\"\":3}", &o)) {
    m = om_json_obj_get(&o, "");
    CHECK(m && m->key_len == 0 && m->num == 3);
    om_json_obj_free(&o);
  }
}

static void test_parser_numbers(void) {
  char big[600];
  EXPECT_NUMBER("{\"a\":0}", 0.0, 1);
  EXPECT_NUMBER("{\"a\":-0}", -0.0, 1);
  EXPECT_NUMBER("{\"a\":-0.0}", -0.0, 0);
  EXPECT_NUMBER("{\"a\":12}", 12.0, 1);
  EXPECT_NUMBER("{\"a\":0.1}", 0.1, 0);
  EXPECT_NUMBER("{\"a\":1e2}", 100.0, 0);
  EXPECT_NUMBER("{\"a\":1E+2}", 100.0, 0);
  EXPECT_NUMBER("{\"a\":25e-1}", 2.5, 0);
  EXPECT_NUMBER("{\"a\":-1.5e-3}", -0.0015, 0);
  EXPECT_NUMBER("{\"a\":1e308}", 1e308, 0);
  EXPECT_NUMBER("{\"a\":4.9406564584124654e-324}", 5e-324, 0);
  EXPECT_NUMBER("{\"a\":1e-400}", 0.0, 0); /* underflow reads as 0, like strtod */
  EXPECT_NUMBER("{\"a\":9223372036854775807}", 9223372036854775807.0, 1);
  EXPECT_NUMBER("{\"a\":-9223372036854775808}", -9223372036854775808.0, 1);
  EXPECT_NUMBER("{\"a\":9223372036854775808}", 9223372036854775808.0, 0); /* beyond int64 */
  {
    om_json_obj o;
    if (PARSE_OK("{\"a\":9223372036854775807,\"b\":-9223372036854775808,\"c\":9007199254740993}", &o)) {
      CHECK(o.members[0].inum == INT64_MAX);
      CHECK(o.members[1].inum == INT64_MIN);
      CHECK(o.members[2].is_int && o.members[2].inum == 9007199254740993LL);
      om_json_obj_free(&o);
    }
  }
  /* Long literals keep their value (the parser copies numbers to a 64-byte
  ** buffer; a literal longer than that must not lose digits or exponent). */
  snprintf(big, sizeof big, "{\"a\":0.%0*d1e75}", 70, 0); /* 0.(70 zeros)1e75 = 1e4 */
  EXPECT_NUMBER(big, 1e4, 0);
  snprintf(big, sizeof big, "{\"a\":1.%0*d}", 100, 0); /* 1.000...0 = 1 */
  EXPECT_NUMBER(big, 1.0, 0);
  snprintf(big, sizeof big, "{\"a\":1%0*d}", 80, 0); /* 1e80 written out in digits */
  EXPECT_NUMBER(big, 1e80, 0);
  /* A huge number reads as ±Inf, however it is written (behaviour 7). */
  EXPECT_NUMBER("{\"a\":1e400}", INFINITY, 0);
  EXPECT_NUMBER("{\"a\":9e999}", INFINITY, 0);
  EXPECT_NUMBER("{\"a\":-9e999}", -INFINITY, 0);
  EXPECT_NUMBER("{\"a\":-1e309}", -INFINITY, 0);
  EXPECT_NUMBER("{\"a\":1.8e308}", INFINITY, 0);
  snprintf(big, sizeof big, "{\"a\":1%0*d}", 400, 0); /* 1e400 written out in digits: not an int64 */
  EXPECT_NUMBER(big, INFINITY, 0);
}

static void test_parser_strings(void) {
  EXPECT_STRING("{\"a\":\"plain\"}", "plain");
  EXPECT_STRING("{\"a\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}", "\"\\/\b\f\n\r\t");
  EXPECT_STRING("{\"a\":\"\\u0041\\u00e9\\u00E9\"}", "A\xc3\xa9\xc3\xa9");
  EXPECT_STRING("{\"a\":\"\\u0001\\u007f\\u0080\\u07ff\\u0800\\uffff\"}",
                "\x01\x7f\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf");
  EXPECT_STRING("{\"a\":\"\\u20ac\"}", "\xe2\x82\xac");
  EXPECT_STRING("{\"a\":\"\\ud83d\\ude00\"}", "\xf0\x9f\x98\x80");            /* U+1F600 */
  EXPECT_STRING("{\"a\":\"\\uD800\\uDC00\"}", "\xf0\x90\x80\x80");            /* U+10000 */
  EXPECT_STRING("{\"a\":\"\\udbff\\udfff\"}", "\xf4\x8f\xbf\xbf");            /* U+10FFFF */
  EXPECT_STRING("{\"a\":\"x\\ud83d\\ude00y\\u00e9\"}", "x\xf0\x9f\x98\x80y\xc3\xa9");
  EXPECT_STRING("{\"a\":\"caf\xc3\xa9 \xe2\x82\xac\"}", "caf\xc3\xa9 \xe2\x82\xac"); /* raw UTF-8 copied */
  /* Keys are unescaped too. */
  {
    om_json_obj o;
    if (PARSE_OK("{\"\\u00e9t\\u00e9\":1,\"a\\nb\":2}", &o)) {
      CHECK(o.count == 2 && o.members[0].key_len == 5 && strcmp(o.members[0].key, "\xc3\xa9t\xc3\xa9") == 0);
      CHECK(om_json_obj_get(&o, "\xc3\xa9t\xc3\xa9") != NULL);
      CHECK(om_json_obj_get(&o, "a\nb") != NULL);
      om_json_obj_free(&o);
    }
  }
  /* Worst case for the arena: every byte of the input is string content. */
  {
    char text[300];
    om_json_obj o;
    size_t k = 0;
    text[k++] = '{';
    text[k++] = '"';
    for (int i = 0; i < 100; i++) text[k++] = 'k';
    text[k++] = '"';
    text[k++] = ':';
    text[k++] = '"';
    for (int i = 0; i < 100; i++) text[k++] = 'v';
    text[k++] = '"';
    text[k++] = '}';
    text[k] = 0;
    if (PARSE_OK(text, &o)) {
      CHECK(o.members[0].key_len == 100 && o.members[0].str_len == 100);
      om_json_obj_free(&o);
    }
  }
}

static void test_parser_errors(void) {
  /* not an object */
  expect_error_n("", 0, OM_INVALID, "expected a JSON object", __LINE__);
  expect_error_n(NULL, 0, OM_INVALID, "expected a JSON object", __LINE__);
  EXPECT_ERROR("   ", "expected a JSON object");
  EXPECT_ERROR("[]", "expected a JSON object");
  EXPECT_ERROR("1", "expected a JSON object");
  EXPECT_ERROR("\"a\"", "expected a JSON object");
  EXPECT_ERROR("null", "expected a JSON object");
  EXPECT_ERROR("{", "expected a string at byte 1");
  /* nesting */
  EXPECT_ERROR("{\"a\":{}}", "value of \"a\" is an object; expected a number, string, true, false or null");
  EXPECT_ERROR("{\"a\":1,\"b\":[1,2]}", "value of \"b\" is an array; expected a number, string, true, false or null");
  /* trailing text */
  EXPECT_ERROR("{\"a\":1} x", "unexpected text after the object at byte 8");
  EXPECT_ERROR("{\"a\":1}{}", "unexpected text after the object at byte 7");
  EXPECT_ERROR("{}}", "unexpected text after the object at byte 2");
  expect_error_n("{}\0", 3, OM_INVALID, "unexpected text after the object at byte 2", __LINE__);
  /* structure */
  EXPECT_ERROR("{\"a\":1", "expected ',' or '}' at byte 6");
  EXPECT_ERROR("{\"a\":1 \"b\":2}", "expected ',' or '}' at byte 7");
  EXPECT_ERROR("{\"a\" 1}", "expected ':' at byte 5");
  EXPECT_ERROR("{\"a\":", "missing value at byte 5");
  EXPECT_ERROR("{\"a\":   ", "missing value at byte 8");
  EXPECT_ERROR("{1:2}", "expected a string at byte 1");
  EXPECT_ERROR("{a:2}", "expected a string at byte 1");
  EXPECT_ERROR("{'a':2}", "expected a string at byte 1");
  EXPECT_ERROR("{\"a\":1,\"b\"}", "expected ':' at byte 10");
  /* trailing comma: "expected ':' at byte 7" would be the message as written
  ** (the member array is sized by ':' count); a string is what is expected. */
  EXPECT_ERROR("{\"a\":1,}", "expected a string at byte 7");
  EXPECT_ERROR("{\"a\"}", "expected ':' at byte 4");
  /* words */
  EXPECT_ERROR("{\"a\":tru}", "invalid number at byte 5");
  EXPECT_ERROR("{\"a\":True}", "invalid number at byte 5");
  EXPECT_ERROR("{\"a\":nul}", "invalid number at byte 5");
  EXPECT_ERROR("{\"a\":truex}", "expected ',' or '}' at byte 9");
  EXPECT_ERROR("{\"a\":NaN}", "invalid number at byte 5");
  EXPECT_ERROR("{\"a\":Infinity}", "invalid number at byte 5");
  EXPECT_ERROR("{\"a\":-Infinity}", "invalid number at byte 5");
  /* bad numbers */
  EXPECT_ERROR("{\"a\":-}", "invalid number at byte 5");
  EXPECT_ERROR("{\"a\":+1}", "invalid number at byte 5");
  EXPECT_ERROR("{\"a\":.5}", "invalid number at byte 5");
  EXPECT_ERROR("{\"a\":1.}", "invalid number at byte 5");
  EXPECT_ERROR("{\"a\":1.e5}", "invalid number at byte 5");
  EXPECT_ERROR("{\"a\":1e}", "invalid number at byte 5");
  EXPECT_ERROR("{\"a\":1e+}", "invalid number at byte 5");
  EXPECT_ERROR("{\"a\":-x}", "invalid number at byte 5");
  EXPECT_ERROR("{\"a\":}", "invalid number at byte 5");
  EXPECT_ERROR("{\"a\":01}", "expected ',' or '}' at byte 6");
  EXPECT_ERROR("{\"a\":-01}", "expected ',' or '}' at byte 7");
  EXPECT_ERROR("{\"a\":0x10}", "expected ',' or '}' at byte 6");
  EXPECT_ERROR("{\"a\":1_000}", "expected ',' or '}' at byte 6");
  expect_error_n("{\"a\":1", 5, OM_INVALID, "missing value at byte 5", __LINE__);
  expect_error_n("{\"a\":-", 6, OM_INVALID, "invalid number at byte 5", __LINE__);
  expect_error_n("{\"a\":1.", 7, OM_INVALID, "invalid number at byte 5", __LINE__);
  expect_error_n("{\"a\":1e", 7, OM_INVALID, "invalid number at byte 5", __LINE__);
  /* strings */
  EXPECT_ERROR("{\"a", "unterminated string at byte 3");
  EXPECT_ERROR("{\"a\":\"b", "unterminated string at byte 7");
  EXPECT_ERROR("{\"a\":\"b\\", "unterminated string at byte 8");
  EXPECT_ERROR("{\"a\":\"b\nc\"}", "control character in string at byte 7");
  EXPECT_ERROR("{\"a\":\"\t\"}", "control character in string at byte 6");
  EXPECT_ERROR("{\"a\x01\":1}", "control character in string at byte 3");
  expect_error_n("{\"a\":\"\0\"}", 9, OM_INVALID, "control character in string at byte 6", __LINE__);
  /* bad escapes */
  EXPECT_ERROR("{\"a\":\"\\x\"}", "bad escape at byte 7");
  EXPECT_ERROR("{\"a\":\"\\a\"}", "bad escape at byte 7");
  EXPECT_ERROR("{\"a\":\"\\U0041\"}", "bad escape at byte 7");
  EXPECT_ERROR("{\"a\":\"\\'\"}", "bad escape at byte 7");
  EXPECT_ERROR("{\"a\":\"\\u12\"}", "bad \\u escape at byte 8");
  EXPECT_ERROR("{\"a\":\"\\u12g4\"}", "bad \\u escape at byte 8");
  EXPECT_ERROR("{\"a\":\"\\u", "bad \\u escape at byte 8");
  EXPECT_ERROR("{\"a\":\"\\u0000\"}", "NUL character in string at byte 12");
  /* lone surrogates */
  EXPECT_ERROR("{\"a\":\"\\ud800\"}", "unpaired surrogate at byte 12");
  EXPECT_ERROR("{\"a\":\"\\ud800x\"}", "unpaired surrogate at byte 12");
  EXPECT_ERROR("{\"a\":\"\\ud800\\n\"}", "unpaired surrogate at byte 12");
  EXPECT_ERROR("{\"a\":\"\\ud800\\u0041\"}", "unpaired surrogate at byte 18");
  EXPECT_ERROR("{\"a\":\"\\ud800\\ud800\"}", "unpaired surrogate at byte 18");
  EXPECT_ERROR("{\"a\":\"\\ud800\\uzzzz\"}", "unpaired surrogate at byte 14");
  EXPECT_ERROR("{\"a\":\"\\udc00\"}", "unpaired surrogate at byte 12");
  EXPECT_ERROR("{\"a\":\"\\udfff\\ud800\"}", "unpaired surrogate at byte 12");
  EXPECT_ERROR("{\"\\ud800\":1}", "unpaired surrogate at byte 8");
  /* duplicate keys, compared after unescaping */
  EXPECT_ERROR("{\"a\":1,\"a\":2}", "duplicate key \"a\"");
  EXPECT_ERROR("{\"a\":1,\"b\":null,\"a\":\"x\"}", "duplicate key \"a\"");
  EXPECT_ERROR("{\"a\":1,\"\\u0061\":2}", "duplicate key \"a\"");
  EXPECT_ERROR("{\"\":1,\"\":2}", "duplicate key \"\"");
  /* several duplicates: the first repetition in the text is named */
  EXPECT_ERROR("{\"b\":1,\"a\":1,\"a\":2,\"b\":3}", "duplicate key \"a\"");
  EXPECT_ERROR("{\"b\":1,\"a\":1,\"b\":2,\"a\":3}", "duplicate key \"b\"");
  EXPECT_ERROR("{\"z\":1,\"z\":2,\"z\":3,\"a\":4,\"a\":5}", "duplicate key \"z\"");
  EXPECT_ERROR("{\"a\":1,\"ab\":2,\"abc\":3,\"ab\":4}", "duplicate key \"ab\"");
  /* a syntax error later in the text is reported even after a duplicate */
  EXPECT_ERROR("{\"a\":1,\"a\":2,}", "expected a string at byte 13");
  /* keys must be valid UTF-8 (behaviour 8): raw bytes are checked after
  ** unescaping, the offset is within the key */
  EXPECT_ERROR("{\"\xff\":1}", "key at byte 1 is not valid UTF-8 (byte 0xff at offset 0 of the key)");
  EXPECT_ERROR("{\"ok\":1,\"ab\xc3\":2}", "key at byte 8 is not valid UTF-8 (byte 0xc3 at offset 2 of the key)");
  EXPECT_ERROR("{\"\\u00e9\xc0\xaf\":1}", "key at byte 1 is not valid UTF-8 (byte 0xc0 at offset 2 of the key)"); /* overlong '/' */
  EXPECT_ERROR("{\"\xed\xa0\x80\":1}", "key at byte 1 is not valid UTF-8 (byte 0xed at offset 0 of the key)");  /* encoded U+D800 */
  EXPECT_ERROR("{\"\xf4\x90\x80\x80\":1}", "key at byte 1 is not valid UTF-8 (byte 0xf4 at offset 0 of the key)"); /* > U+10FFFF */
  EXPECT_ERROR("{\"\\u0000\":1}", "NUL character in string at byte 8");
  expect_error_n("{\"a\0\":1}", 8, OM_INVALID, "control character in string at byte 3", __LINE__);
  /* ... while string values keep their bytes (they are hashed, never written back) */
  {
    om_json_obj o;
    if (PARSE_OK("{\"k\":\"\xff\xc0\xaf\xed\xa0\x80\"}", &o)) {
      CHECK(o.members[0].str_len == 6 && memcmp(o.members[0].str, "\xff\xc0\xaf\xed\xa0\x80", 6) == 0);
      om_json_obj_free(&o);
    }
    if (PARSE_OK("{\"\xc3\xa9\xf0\x9f\x98\x80\":1}", &o)) { /* valid raw UTF-8 keys are fine */
      CHECK(o.members[0].key_len == 6);
      om_json_obj_free(&o);
    }
  }
}

/* ------------------------------------------------------------ many keys */

/* Behaviour 9.  Builds {"k<perm[0]>":0,"k<perm[1]>":1,...} for n keys and
** checks the parse by counting key comparisons: a merge sort makes at most
** n*ceil(log2 n), the duplicate scan n - 1.  The old pairwise check made
** n(n-1)/2 = 5e9 for 100,000 keys. */
static void many_keys(size_t n, const char *how, size_t dup_at) {
  size_t *perm = malloc(n * sizeof *perm), cap = n * 24 + 16, k = 0, lg = 0, i;
  char *text = malloc(cap);
  om_json_obj o;
  om_err e;
  om_status st;
  uint64_t rng = 88172645463325252ull;
  if (!perm || !text) {
    CHECK(!"malloc");
    free(perm);
    free(text);
    return;
  }
  for (i = 0; i < n; i++) perm[i] = strcmp(how, "reversed") == 0 ? n - 1 - i : i;
  if (strcmp(how, "shuffled") == 0)
    for (i = n - 1; i > 0; i--) {
      size_t r, t;
      rng ^= rng << 13;
      rng ^= rng >> 7;
      rng ^= rng << 17;
      r = (size_t)(rng % (i + 1));
      t = perm[i];
      perm[i] = perm[r];
      perm[r] = t;
    }
  if (dup_at < n) perm[dup_at] = perm[0]; /* plant a duplicate of the first key */
  text[k++] = '{';
  for (i = 0; i < n; i++) k += (size_t)snprintf(text + k, cap - k, "%s\"k%zu\":%zu", i ? "," : "", perm[i], i);
  text[k++] = '}';
  while (((size_t)1 << lg) < n) lg++;
  st = om_json_parse_flat(text, k, &o, &e);
  if (dup_at < n) {
    char want[64];
    snprintf(want, sizeof want, "duplicate key \"k%zu\"", perm[0]);
    CHECK_MSG(st == OM_INVALID && strcmp(e.msg, want) == 0, "%zu %s keys, duplicate at %zu: %d %s", n, how, dup_at, st,
              e.msg);
  } else {
    CHECK_MSG(st == OM_OK && o.count == n, "%zu %s keys: %d %s", n, how, st, e.msg);
    if (st == OM_OK) {
      size_t bad_order = 0, bad_get = 0;
      char key[32];
      CHECK_MSG(o.key_compares <= n * lg + n, "%zu %s keys: %zu comparisons > %zu", n, how, o.key_compares, n * lg + n);
      for (i = 1; i < n; i++)
        if (strcmp(o.members[o.order[i - 1]].key, o.members[o.order[i]].key) >= 0) bad_order++;
      for (i = 0; i < n; i++) {
        const om_json_member *m;
        snprintf(key, sizeof key, "k%zu", perm[i]);
        m = om_json_obj_get(&o, key);
        if (!m || m != &o.members[i] || m->inum != (int64_t)i) bad_get++;
      }
      CHECK_MSG(bad_order == 0, "%zu %s keys: %zu out of order", n, how, bad_order);
      CHECK_MSG(bad_get == 0, "%zu %s keys: %zu look-ups wrong", n, how, bad_get);
      CHECK(om_json_obj_get(&o, "k") == NULL && om_json_obj_get(&o, "k00") == NULL && om_json_obj_get(&o, "") == NULL);
      snprintf(key, sizeof key, "k%zu", n);
      CHECK(om_json_obj_get(&o, key) == NULL);
      om_json_obj_free(&o);
    }
  }
  free(perm);
  free(text);
}

static void test_many_keys(void) {
  om_test_alloc_reset();
  many_keys(100000, "sorted", SIZE_MAX);
  many_keys(100000, "reversed", SIZE_MAX);
  many_keys(100000, "shuffled", SIZE_MAX);
  many_keys(100000, "shuffled", 99999); /* the duplicate is the very last key */
  many_keys(100000, "reversed", 50000);
  many_keys(1, "sorted", SIZE_MAX);
  many_keys(2, "reversed", SIZE_MAX);
  many_keys(3, "shuffled", SIZE_MAX);
  many_keys(2, "sorted", 1);
  CHECK(om_test_alloc_live == 0);
}

/* ------------------------------------------------------------ OOM */

static void test_oom(void) {
  const char *text = "{\"k\\u00e9y\":\"v\\ud83d\\ude00\",\"n\":-1.5e3,\"t\":true,\"z\":null}";
  long start = om_test_alloc_live;
  int succeeded = 0;
  for (long k = 1; k < 100 && !succeeded; k++) {
    om_json_obj o;
    om_err e;
    om_status st;
    om_test_alloc_reset();
    om_test_alloc_fail_at = k;
    st = om_json_parse_flat(text, strlen(text), &o, &e);
    om_test_alloc_fail_at = 0;
    if (st == OM_OK) {
      succeeded = 1;
      CHECK(o.count == 4);
      om_json_obj_free(&o);
    } else {
      CHECK_MSG(st == OM_NOMEM, "parser, failing allocation %ld: status %d (%s)", k, st, e.msg);
      CHECK_STR(e.msg, "out of memory");
    }
    CHECK_MSG(om_test_alloc_live == start, "parser, failing allocation %ld: %ld blocks leaked", k,
              om_test_alloc_live - start);
  }
  CHECK(succeeded);

  /* Writer: a failed allocation sticks; nothing leaks. */
  succeeded = 0;
  for (long k = 1; k < 100 && !succeeded; k++) {
    om_wbuf w;
    om_jw j;
    om_test_alloc_reset();
    om_wbuf_init(&w);
    om_test_alloc_fail_at = k;
    om_jw_init(&j, &w);
    om_jw_begin_object(&j);
    for (int i = 0; i < 40; i++) {
      om_jw_key(&j, "a fairly long key to force growth");
      om_jw_double(&j, 0.1 * i);
    }
    om_jw_end_object(&j);
    om_test_alloc_fail_at = 0;
    if (om_wbuf_status(&w) == OM_OK) {
      succeeded = 1;
      CHECK(w.len > 1000 && w.data[0] == '{' && w.data[w.len - 1] == '}');
    }
    om_wbuf_free(&w);
    CHECK_MSG(om_test_alloc_live == start, "writer, failing allocation %ld: leak", k);
  }
  CHECK(succeeded);
  om_test_alloc_reset();
}

int main(void) {
  test_writer_structure();
  test_writer_numbers();
  test_writer_strings();
  test_locale_independence();
  test_parser_valid();
  test_parser_numbers();
  test_parser_strings();
  test_parser_errors();
  test_many_keys();
  test_oom();
  return om_test_finish();
}
