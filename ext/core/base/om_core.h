/*
** om_core.h — shared definitions of omen's numerical core (ext/core/).
**
** The core is plain C: it never includes sqlite3.h, so it can be unit-tested,
** fuzzed and benchmarked without SQLite.  Everything here is used by every
** core module:
**
**   1. Status codes.  Core functions return om_status and write results through
**      out-parameters.  Human-readable detail goes into a caller-supplied
**      om_err (never a global).
**   2. Memory.  The core allocates only through om_malloc/om_realloc/om_free.
**      These are *declared* here and *defined* by whoever links the core: the
**      SQL layer (ext/alloc.c) binds them to sqlite3_malloc64/sqlite3_free;
**      the unit tests bind them to a counting allocator that can fail the Nth
**      call.  Binding happens at link time, so there is no mutable global.
**   3. Interrupts.  Long-running core work polls an om_interrupt callback and
**      returns OM_INTERRUPTED when it says so.
*/
#ifndef OM_CORE_H
#define OM_CORE_H

#include <stddef.h>
#include <stdint.h>

typedef enum om_status {
  OM_OK = 0,
  OM_NOMEM,               /* an allocation failed */
  OM_INVALID,             /* bad input from the caller (arguments, options, data) */
  OM_CORRUPT,             /* an encoded BLOB failed a structural or checksum test */
  OM_UNSUPPORTED_VERSION, /* a BLOB written by a newer (or unknown) format version */
  OM_SINGULAR,            /* a matrix was singular / a fit did not converge */
  OM_INTERRUPTED,         /* the interrupt callback asked us to stop */
  OM_INTERNAL             /* a bug in omen: an invariant did not hold */
} om_status;

/* Human-readable detail for a non-OK status.  The SQL layer prefixes the
** SQL function name ("scale(): ") so core messages never name SQL functions. */
typedef struct om_err {
  char msg[512];
} om_err;

/* printf-style; safe with e == NULL.  Returns st so callers can write
** `return om_errf(e, OM_INVALID, "...")`. */
om_status om_errf(om_err *e, om_status st, const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 3, 4)))
#endif
  ;

/* A short English name for a status ("out of memory", "corrupt data"...). */
const char *om_status_name(om_status st);

/* Allocation hooks, bound at link time (see point 2 above).  om_malloc(0)
** may return NULL; callers never ask for 0 bytes. */
void *om_malloc(size_t n);
void *om_realloc(void *p, size_t n);
void om_free(void *p);

/* Overflow-checked helpers built on the hooks. */
void *om_calloc(size_t count, size_t size);      /* zeroed; NULL on overflow */
void *om_malloc_array(size_t count, size_t size); /* NULL on overflow */

/* Interrupt polling.  Returns non-zero when the caller wants the core to stop. */
typedef int (*om_interrupt_fn)(void *arg);
typedef struct om_interrupt {
  om_interrupt_fn fn; /* may be NULL: never interrupted */
  void *arg;
} om_interrupt;

static inline int om_interrupted(const om_interrupt *it) {
  return it && it->fn && it->fn(it->arg);
}

#endif /* OM_CORE_H */
