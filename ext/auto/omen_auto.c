/*
** omen_auto.c — libomen_auto.so: omen in every connection of a process that
** preloads it (LD_PRELOAD), for programs that do not load extensions
** themselves: a dqlite node (docs/CLUSTER.md), an application that embeds
** the system's libsqlite3 (docs/EMBED.md, "Loading omen into a process you
** do not own").  The library is omen itself (the objects of omen.so) plus
** this file, which interposes the three ways to open a connection:
**
**   LD_PRELOAD=build/libomen_auto.so dqlite-demo ...
**   LD_PRELOAD=build/libomen_auto.so sqlite3 x.db 'SELECT omen_version()'
**
** Behaviours (tests/auto_load_test.sh):
**   1. Nothing touches SQLite before the host's first sqlite3_open,
**      sqlite3_open_v2 or sqlite3_open16: there is no constructor, so a host
**      that calls sqlite3_config() first (go-dqlite sets
**      SQLITE_CONFIG_SINGLETHREAD; sqlite3_config fails with SQLITE_MISUSE
**      once SQLite is initialised) gets SQLITE_OK.  A process that never
**      opens a database runs no code of omen's.
**   2. Each interposed open first calls sqlite3_auto_extension(
**      sqlite3_omen_init), then the real function (behaviour 3).  SQLite
**      initialises itself at that first call, as the real open would, and
**      then runs omen's entry point on the new connection with its own
**      routine table (SQLITE_EXTENSION_INIT2 gets it as the third argument,
**      as for any automatic extension).  Registering on every open, not
**      once: sqlite3_auto_extension ignores a function it already has, and
**      sqlite3_shutdown() empties SQLite's list, so a host that shuts SQLite
**      down, configures it again and reopens still gets omen.
**   3. The real function is the one the caller would have called without
**      this library: the next definition in the global search order
**      (dlsym(RTLD_NEXT): libsqlite3 linked by the program, as in the sqlite3
**      shell or dqlite-demo), looked up once per process (pthread_once), or
**      else the first in the caller's own dependencies (a module dlopen'ed
**      with RTLD_LOCAL, as Python's _sqlite3 is: its libsqlite3 is not in the
**      global scope; found through dladdr of the return address, per call).
**      sqlite3_auto_extension is taken from the same library as the real
**      open, so omen registers with the SQLite that opens the connection.
**      Threads that open their first connections at the same time are safe
**      (pthread_once; dladdr, dlopen and dlsym are thread-safe); the
**      registration itself is SQLite's (under its mutex when SQLite is
**      threadsafe; single-thread mode is the host's promise of one thread).
**   4. If omen refuses the connection (an SQLite older than 3.31.0, or one
**      without JSON functions: ext/omen.c behaviours 6 and 7), the open fails
**      as SQLite reports an automatic extension's failure:
**      "automatic extension loading failed: omen: needs ...".
**   5. If neither lookup finds a real function, the open returns
**      SQLITE_ERROR with *ppDb = NULL; it never calls a null pointer.  A
**      program with SQLite linked in statically calls its own copy: the
**      interposer never runs (nothing happens; link omen in with
**      sqlite3_auto_extension instead, docs/EMBED.md).
**   6. Exported: sqlite3_open, sqlite3_open_v2, sqlite3_open16 and omen's
**      entry point sqlite3_omen_init; every other name is local (the
**      Makefile links with ext/auto/omen_auto.map).  omen.so loaded on top
**      with .load registers the same functions again on that connection
**      (harmless, docs/EMBED.md "Twice is harmless").
**
** This file calls no SQLite function directly (only through the pointers
** dlsym returns), so the library does not link libsqlite3: preloaded into
** a program without SQLite (LD_PRELOAD is inherited by child processes), it
** pulls in no SQLite.
*/
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>

#include <sqlite3.h>

#define OMEN_AUTO_EXPORT __attribute__((visibility("default")))

/* ext/omen.c */
int sqlite3_omen_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi);

typedef int (*open_v2_fn)(const char *, sqlite3 **, int, const char *);
typedef int (*open_fn)(const char *, sqlite3 **);
typedef int (*open16_fn)(const void *, sqlite3 **);
typedef int (*auto_extension_fn)(void (*)(void));

enum { OPEN_V2, OPEN, OPEN16, N_OPEN };
static const char *const open_names[N_OPEN] = {"sqlite3_open_v2", "sqlite3_open", "sqlite3_open16"};

/* A real open and the sqlite3_auto_extension of the library that holds it. */
typedef struct real_fn {
  void *open;
  auto_extension_fn auto_extension;
} real_fn;

/* The global scope's, written once under pthread_once (behaviour 3). */
static real_fn global_real[N_OPEN];
static pthread_once_t global_once = PTHREAD_ONCE_INIT;

/* Whether addr lies in this library (a lookup that found our own wrapper). */
static int in_this_library(const void *addr) {
  Dl_info self, other;
  return dladdr((const void *)&global_once, &self) && dladdr(addr, &other) && self.dli_fbase == other.dli_fbase;
}

/* dlsym in the already-loaded object whose file is `file` (its own
** definitions first, then its dependencies'); NULL if it is not loaded. */
static void *symbol_in(const char *file, const char *name) {
  void *h, *sym = NULL;
  if (!file || !*file) return NULL;
  h = dlopen(file, RTLD_LAZY | RTLD_NOLOAD);
  if (h) {
    sym = dlsym(h, name);
    dlclose(h); /* only drops the reference RTLD_NOLOAD took */
  }
  return sym;
}

/* Completes r from r->open: the auto_extension of the same library, else
** the global scope's next one.  Refuses our own functions. */
static void finish_real(real_fn *r) {
  Dl_info lib;
  void *sym = NULL;
  if (r->open && in_this_library(r->open)) r->open = NULL;
  if (!r->open) return;
  if (dladdr(r->open, &lib)) sym = symbol_in(lib.dli_fname, "sqlite3_auto_extension");
  if (!sym || in_this_library(sym)) sym = dlsym(RTLD_NEXT, "sqlite3_auto_extension");
  if (sym && !in_this_library(sym)) memcpy(&r->auto_extension, &sym, sizeof sym);
}

static void resolve_global(void) {
  int i;
  for (i = 0; i < N_OPEN; i++) {
    global_real[i].open = dlsym(RTLD_NEXT, open_names[i]);
    finish_real(&global_real[i]);
  }
}

/* Behaviour 3: the real open `which` for a call from `caller`. */
static real_fn find_real(int which, const void *caller) {
  real_fn r = {NULL, NULL};
  Dl_info from;
  pthread_once(&global_once, resolve_global);
  if (global_real[which].open) return global_real[which];
  if (caller && dladdr(caller, &from)) {
    r.open = symbol_in(from.dli_fname, open_names[which]);
    finish_real(&r);
  }
  return r;
}

/* Behaviour 2: before each open.  A failure to register (out of memory)
** leaves the connection without omen, as SQLite would. */
static void register_omen(const real_fn *r) {
  if (r->auto_extension) r->auto_extension((void (*)(void))sqlite3_omen_init);
}

static int no_sqlite(sqlite3 **ppDb) { /* behaviour 5 */
  if (ppDb) *ppDb = NULL;
  return SQLITE_ERROR;
}

OMEN_AUTO_EXPORT int sqlite3_open_v2(const char *filename, sqlite3 **ppDb, int flags, const char *zVfs) {
  real_fn r = find_real(OPEN_V2, __builtin_return_address(0));
  open_v2_fn f;
  if (!r.open) return no_sqlite(ppDb);
  memcpy(&f, &r.open, sizeof f);
  register_omen(&r);
  return f(filename, ppDb, flags, zVfs);
}

OMEN_AUTO_EXPORT int sqlite3_open(const char *filename, sqlite3 **ppDb) {
  real_fn r = find_real(OPEN, __builtin_return_address(0));
  open_fn f;
  if (!r.open) return no_sqlite(ppDb);
  memcpy(&f, &r.open, sizeof f);
  register_omen(&r);
  return f(filename, ppDb);
}

OMEN_AUTO_EXPORT int sqlite3_open16(const void *filename, sqlite3 **ppDb) {
  real_fn r = find_real(OPEN16, __builtin_return_address(0));
  open16_fn f;
  if (!r.open) return no_sqlite(ppDb);
  memcpy(&f, &r.open, sizeof f);
  register_omen(&r);
  return f(filename, ppDb);
}
