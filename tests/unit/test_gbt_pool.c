/*
** test_gbt_pool.c — the gbt fork-join pool (ext/core/gbt/gbt_pool.c) runs
** every task of every run exactly once, whichever way its threads wait.
**
**   1. Pools of 1, 2 and 4 threads (gbt_pool_size says so) run 3,000 runs of
**      0 to 63 tasks each, back to back: the workers find the next run while
**      spinning (point 5).  Each task adds its run's number to its own slot;
**      after every run each of its slots holds exactly that number (no task
**      skipped, none run twice, none leaking into the next run), and
**      gbt_pool_run returns only after the last of them (point 2).
**   2. The same with a pause of 8 ms (longer than GBT_SPIN_NS, 5 ms) before
**      every 25th run: the workers have gone to sleep on the condition
**      variable and must be woken (point 5, the blocking path).
**   3. Tasks of uneven length (a few spin for ~0.2 ms): the caller finishes
**      its share first and waits for the workers' last tasks.
**   4. A run's worker ids are below gbt_pool_size (tasks may index per-thread
**      scratch by them).
**   5. gbt_pool_destroy joins the workers right after a run and after a long
**      idle time (point 3); a NULL pool runs tasks inline.
*/
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gbt.h"
#include "om_test.h"

enum { MAX_TASKS = 64, RUNS = 3000 };

typedef struct run_ctx {
  atomic_long slot[MAX_TASKS];
  atomic_int bad_worker;
  unsigned size;
  long run;
  int uneven;
} run_ctx;

static void sleep_ms(long ms) {
  struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&t, NULL);
}

static void busy_us(long us) {
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  do clock_gettime(CLOCK_MONOTONIC, &b);
  while ((b.tv_sec - a.tv_sec) * 1000000L + (b.tv_nsec - a.tv_nsec) / 1000 < us);
}

static void task(void *p, size_t t, unsigned worker) {
  run_ctx *c = p;
  if (worker >= c->size) atomic_store(&c->bad_worker, 1);
  if (c->uneven && t % 7 == 3) busy_us(200);
  atomic_fetch_add(&c->slot[t], c->run);
}

/* Behaviours 1-4 on one pool: returns the number of runs that went wrong. */
static long exercise(gbt_pool *pool, int pause_every, int uneven) {
  static run_ctx c;
  long wrong = 0;
  uint64_t st = 77;
  c.size = gbt_pool_size(pool);
  c.uneven = uneven;
  atomic_store(&c.bad_worker, 0);
  for (long r = 1; r <= RUNS; r++) {
    size_t n = (size_t)(om_test_unif(&st) * MAX_TASKS);
    if (pause_every && r % pause_every == 0) sleep_ms(8);
    for (int t = 0; t < MAX_TASKS; t++) atomic_store(&c.slot[t], 0);
    c.run = r;
    gbt_pool_run(pool, n, task, &c);
    for (size_t t = 0; t < MAX_TASKS; t++) {
      long want = t < n ? r : 0;
      if (atomic_load(&c.slot[t]) != want) {
        wrong++;
        break;
      }
    }
    if (uneven && r >= 300) break; /* the slow tasks make long runs: fewer suffice */
  }
  if (atomic_load(&c.bad_worker)) wrong++;
  return wrong;
}

int main(void) {
  static const unsigned sizes[] = {1, 2, 4};
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
    gbt_pool *pool = NULL;
    CHECK(gbt_pool_create(sizes[i], &pool) == OM_OK && pool != NULL);
    if (!pool) continue;
    CHECK_MSG(gbt_pool_size(pool) == sizes[i], "size %u for %u threads", gbt_pool_size(pool), sizes[i]);
    CHECK_MSG(exercise(pool, 0, 0) == 0, "back-to-back runs, %u threads", sizes[i]);
    CHECK_MSG(exercise(pool, 25, 0) == 0, "runs after the workers slept, %u threads", sizes[i]);
    CHECK_MSG(exercise(pool, 0, 1) == 0, "uneven tasks, %u threads", sizes[i]);
    gbt_pool_destroy(pool); /* right after a run */
    CHECK(1);
  }
  {
    gbt_pool *pool = NULL;
    CHECK(gbt_pool_create(2, &pool) == OM_OK && pool != NULL);
    sleep_ms(20); /* the worker has given up spinning */
    gbt_pool_destroy(pool);
    CHECK(1);
  }
  {
    static run_ctx c;
    c.size = 1;
    c.run = 5;
    for (int t = 0; t < MAX_TASKS; t++) atomic_store(&c.slot[t], 0);
    gbt_pool_run(NULL, 3, task, &c);
    CHECK(atomic_load(&c.slot[0]) == 5 && atomic_load(&c.slot[2]) == 5 && atomic_load(&c.slot[3]) == 0);
    CHECK(gbt_pool_size(NULL) == 1);
  }
  return om_test_finish();
}
