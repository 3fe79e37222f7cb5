/*
** om_core.c — status names, error formatting and the overflow-checked
** allocation helpers declared in om_core.h.  The raw hooks (om_malloc,
** om_realloc, om_free) are defined by whoever links the core.
*/
#include "om_core.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

om_status om_errf(om_err *e, om_status st, const char *fmt, ...) {
  if (e) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
  }
  return st;
}

const char *om_status_name(om_status st) {
  switch (st) {
  case OM_OK: return "ok";
  case OM_NOMEM: return "out of memory";
  case OM_INVALID: return "invalid input";
  case OM_CORRUPT: return "corrupt data";
  case OM_UNSUPPORTED_VERSION: return "unsupported format version";
  case OM_SINGULAR: return "singular matrix";
  case OM_INTERRUPTED: return "interrupted";
  case OM_INTERNAL: return "internal error";
  }
  return "unknown status";
}

void *om_calloc(size_t count, size_t size) {
  void *p;
  if (size && count > SIZE_MAX / size) return NULL;
  if (count * size == 0) return NULL;
  p = om_malloc(count * size);
  if (p) memset(p, 0, count * size);
  return p;
}

void *om_malloc_array(size_t count, size_t size) {
  if (size && count > SIZE_MAX / size) return NULL;
  if (count * size == 0) return NULL;
  return om_malloc(count * size);
}
