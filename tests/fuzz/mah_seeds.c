/*
** mah_seeds.c — writes the seed corpus of fuzz_mah.c (tests/fuzz/corpus_mah/):
** schema prefix + payload of models fitted by the core with each method,
** with a constant feature, a collinear one, a categorical one and one row.
**
**   cc -std=c11 -D_GNU_SOURCE -Iext/core/base -Iext/core/robust tests/fuzz/mah_seeds.c \
**      tests/fuzz/fuzz_alloc.c ext/core/base/*.c ext/core/robust/*.c -llapacke -llapack -lxxhash -lm \
**      -o build-fuzz/mah_seeds && build-fuzz/mah_seeds tests/fuzz/corpus_mah
** Deterministic: the same build writes the same files.
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mah.h"

static void seed(const char *dir, const char *name, mah_method method, int variant, size_t rows) {
  uint8_t types[4] = {1, 1, 1, 1};
  uint32_t nf = variant == 3 ? 4 : 3;
  mah_options o;
  mah_accum *a = NULL;
  om_wbuf pw, mw;
  om_err err;
  uint64_t s = 12345;
  char path[512];
  FILE *f;
  if (variant == 3) types[1] = 2;
  mah_options_default(&o);
  o.method = method;
  om_wbuf_init(&pw);
  om_wbuf_init(&mw);
  if (mah_accum_init(&o, nf, types, &a, &err) != OM_OK) return;
  for (size_t i = 0; i < rows; i++) {
    double row[4];
    for (int j = 0; j < 4; j++) {
      s = s * 6364136223846793005ull + 1442695040888963407ull;
      row[j] = (double)(s >> 40) / 16777216.0 + (i % 11 == 0 ? 9 : 0);
    }
    if (variant == 1) row[2] = 7;                /* constant */
    if (variant == 2) row[2] = row[0] + row[1];  /* collinear */
    mah_accum_add(a, row, NULL, &err);
  }
  if (mah_accum_finish(a, NULL, &pw, &mw, &err) == OM_OK) {
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if ((f = fopen(path, "wb"))) {
      fputc((int)nf, f);
      for (uint32_t j = 0; j < nf; j++) fputc(types[j] == 2, f);
      fwrite(pw.data, 1, pw.len, f);
      fclose(f);
    }
  } else {
    fprintf(stderr, "%s: %s\n", name, err.msg);
  }
  mah_accum_free(a);
  om_wbuf_free(&pw);
  om_wbuf_free(&mw);
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "tests/fuzz/corpus_mah";
  seed(dir, "empirical", MAH_EMPIRICAL, 0, 200);
  seed(dir, "ledoit_wolf", MAH_LEDOIT_WOLF, 0, 200);
  seed(dir, "mcd", MAH_MCD, 0, 600);
  seed(dir, "empirical_constant", MAH_EMPIRICAL, 1, 100);
  seed(dir, "empirical_collinear", MAH_EMPIRICAL, 2, 100);
  seed(dir, "ledoit_wolf_categorical", MAH_LEDOIT_WOLF, 3, 50);
  seed(dir, "mcd_categorical", MAH_MCD, 3, 80);
  seed(dir, "empirical_one_row", MAH_EMPIRICAL, 0, 1);
  return 0;
}
