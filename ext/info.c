/*
** info.c — omen_version() and omen_build_info().
**
**   SELECT omen_version();      -- '0.1.0', from the VERSION file
**   SELECT omen_build_info();   -- JSON: versions, LAPACK, flags, formats
**
** Behaviours:
**   1. omen_version() returns the text of VERSION, compiled in.
**   2. omen_build_info() returns one JSON object: omen version, SQLite version
**      compiled against and running, xxHash version, the LAPACK version and
**      the shared object it was loaded from, the compile flags, and the
**      format versions this build reads and writes (model envelope, feature
**      vector, and each model kind's payload, from the kind table).
*/
#include <dlfcn.h>
#include <lapacke.h>
#include <stdio.h>
#include <xxhash.h>

#include "core/base/fv.h"
#include "core/base/om_json.h"
#include "omen_ext.h"

#ifndef OMEN_VERSION
#define OMEN_VERSION "unknown"
#endif
#ifndef OMEN_CFLAGS
#define OMEN_CFLAGS "unknown"
#endif

void omenVersionFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  sqlite3_result_text(ctx, OMEN_VERSION, -1, SQLITE_STATIC);
}

/* The LAPACK version (ILAVER) and the shared object that provides the
** Fortran routines (reference LAPACK, OpenBLAS, ... as Debian's alternatives
** chose), found through a routine's address. */
static void lapack_info(char *version, size_t vn, const char **path) {
  lapack_int major = 0, minor = 0, patch = 0;
  Dl_info dl;
  void *sym;
  LAPACKE_ilaver(&major, &minor, &patch);
  snprintf(version, vn, "%d.%d.%d", (int)major, (int)minor, (int)patch);
  *path = NULL;
  sym = dlsym(RTLD_DEFAULT, "dpotrf_");
  if (!sym) sym = (void *)&LAPACKE_dpotrf_work;
  if (dladdr(sym, &dl) && dl.dli_fname) *path = dl.dli_fname;
}

void omenBuildInfoFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  om_wbuf w;
  om_jw j;
  char lapack_version[48], xxh[32];
  const char *lapack_path;
  unsigned xv = XXH_versionNumber();
  om_wbuf_init(&w);
  om_jw_init(&j, &w);
  lapack_info(lapack_version, sizeof lapack_version, &lapack_path);
  snprintf(xxh, sizeof xxh, "%u.%u.%u", xv / 10000, (xv / 100) % 100, xv % 100);
  om_jw_begin_object(&j);
  om_jw_key(&j, "omen_version");
  om_jw_string(&j, OMEN_VERSION);
  om_jw_key(&j, "sqlite_compiled");
  om_jw_string(&j, SQLITE_VERSION);
  om_jw_key(&j, "sqlite_running");
  om_jw_string(&j, sqlite3_libversion());
  om_jw_key(&j, "xxhash");
  om_jw_string(&j, xxh);
  om_jw_key(&j, "lapack_version");
  om_jw_string(&j, lapack_version);
  om_jw_key(&j, "lapack_library");
  if (lapack_path) om_jw_string(&j, lapack_path);
  else om_jw_null(&j);
  om_jw_key(&j, "compiler");
#if defined(__clang__)
  om_jw_string(&j, "clang " __clang_version__);
#elif defined(__GNUC__)
  om_jw_string(&j, "gcc " __VERSION__);
#else
  om_jw_string(&j, "unknown");
#endif
  om_jw_key(&j, "cflags");
  om_jw_string(&j, OMEN_CFLAGS);
  om_jw_key(&j, "formats");
  om_jw_begin_object(&j);
  om_jw_key(&j, "model_envelope");
  om_jw_begin_object(&j);
  om_jw_key(&j, "reads");
  om_jw_begin_array(&j);
  for (int v = MDL_FORMAT_OLDEST; v <= MDL_FORMAT_VERSION; v++) om_jw_int(&j, v);
  om_jw_end_array(&j);
  om_jw_key(&j, "writes");
  om_jw_int(&j, MDL_FORMAT_VERSION);
  om_jw_end_object(&j);
  om_jw_key(&j, "feature_vector");
  om_jw_begin_object(&j);
  om_jw_key(&j, "reads");
  om_jw_begin_array(&j);
  om_jw_int(&j, FV_VERSION);
  om_jw_end_array(&j);
  om_jw_key(&j, "writes");
  om_jw_int(&j, FV_VERSION);
  om_jw_end_object(&j);
  om_jw_key(&j, "payloads");
  om_jw_begin_object(&j);
  for (size_t i = 0; i < mdl_kind_count(); i++) {
    const mdl_kind_def *k = mdl_kind_at(i);
    om_jw_key(&j, k->name);
    om_jw_int(&j, k->payload_version);
  }
  om_jw_end_object(&j);
  om_jw_end_object(&j);
  om_jw_end_object(&j);
  if (om_wbuf_status(&w) != OM_OK) sqlite3_result_error_nomem(ctx);
  else sqlite3_result_text64(ctx, (const char *)w.data, w.len, SQLITE_TRANSIENT, SQLITE_UTF8);
  om_wbuf_free(&w);
}
