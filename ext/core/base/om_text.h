/*
** om_text.h — the one rule for text that omen writes back to people: feature
** names, group labels, model names and error messages.
**
**   1. om_utf8_check(s, n) returns n when s[0,n) is valid UTF-8 (RFC 3629:
**      no overlong forms, no surrogates U+D800..U+DFFF, nothing above
**      U+10FFFF) and holds no NUL byte; otherwise the offset of the first
**      offending byte.  Names and labels that fail it are refused where they
**      enter (feature_vector, welch_ttest groups, model_save names, JSON
**      keys), with the offset and byte value in the message (om_utf8_problem).
**   2. om_text_sanitize(s, n, max, out, cap) copies s[0,n) into out so that
**      the copy is valid UTF-8 without NUL: every offending byte becomes
**      U+FFFD.  When that copy would be longer than max bytes, it keeps a
**      head of about 2/3 max and a tail of about 1/3 max output bytes, whole
**      characters only, with "[... N bytes ...]" (N input bytes left out)
**      between them.  It is what error messages are passed through before
**      they reach SQLite (ext/errors.c), so a message is always decodable
**      and never longer than max plus the marker.  Returns the length
**      written (out is NUL-terminated; cap must be at least
**      OM_TEXT_SANITIZED_MAX(max), else out is left empty).
*/
#ifndef OM_TEXT_H
#define OM_TEXT_H

#include <stddef.h>

/* Room om_text_sanitize needs for a text cut to max bytes: each kept byte may
** become U+FFFD (3 bytes), plus the elision marker and the NUL. */
#define OM_TEXT_SANITIZED_MAX(max) (3 * (size_t)(max) + 64)

size_t om_utf8_check(const char *s, size_t n);

/* A short description of why s[0,n) failed om_utf8_check at offset `at`,
** e.g. "byte 0xff at offset 3 is not valid UTF-8" or "contains a NUL byte at
** offset 2", written into buf (cap >= 64).  Returns buf. */
const char *om_utf8_problem(const char *s, size_t n, size_t at, char *buf, size_t cap);

size_t om_text_sanitize(const char *s, size_t n, size_t max, char *out, size_t cap);

#endif /* OM_TEXT_H */
