/*
** gbt_pool.c — a fork-join thread pool for gbt_train().
**
**   1. gbt_pool_create(n) starts n−1 worker threads; the calling thread is
**      worker 0 and takes tasks too.  A thread that fails to start is not an
**      error: the pool just has fewer workers.
**   2. gbt_pool_run(fn, n_tasks) hands out task indices in increasing order
**      to whichever thread asks first and returns after every task finished.
**      Which thread ran a task is nondeterministic, so tasks must write only
**      to outputs owned by the task index (results never depend on it).
**      It waits for the tasks, not for the workers: a worker that is not
**      scheduled in time (another process holds its core) takes no task and
**      delays nothing; the caller runs them all.
**   3. gbt_pool_destroy() stops and joins every worker; nothing outlives the
**      gbt_train() call that created the pool.
**   4. Memory comes from om_malloc (the pool struct and thread ids); workers
**      themselves never allocate.
**   5. Waiting spins before it sleeps: a worker with no task polls for the
**      next run, and the caller for its run's last tasks, for up to
**      GBT_SPIN_NS (pause instructions, the clock read every 256 polls)
**      before blocking on the condition variable.  Runs follow each other
**      after serial steps of microseconds to milliseconds; a worker that
**      slept there had to be woken and rescheduled each time, and on a busy
**      machine it often lost its core meanwhile (2-thread training was no
**      faster than 1-thread with a background job running; OpenMP, as
**      xgboost uses it, spins the same way).  Waiting never changes which
**      tasks run or what they write, so results stay identical.
*/
#include "gbt.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#define GBT_SPIN_NS 5000000u /* point 5: 5 ms */

struct gbt_pool {
  pthread_mutex_t mu;
  pthread_cond_t cv_work; /* tasks to take, or stop */
  pthread_cond_t cv_done; /* the last task of a run finished */
  pthread_t *tids;
  unsigned n_workers; /* started threads (excluding the caller) */
  int stop;
  gbt_task_fn fn;
  void *ctx;
  size_t n_tasks, next; /* the current run: tasks, next to hand out */
  atomic_size_t done;   /* its tasks finished (changed under mu) */
  atomic_uint gen;      /* runs posted, plus one at stop (changed under mu) */
};

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

static uint64_t mono_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Point 5: one poll of a busy wait that started at poll 1; 0 once GBT_SPIN_NS
** have passed since its 256th poll (*end is 0 before then). */
static int spin_on(unsigned poll, uint64_t *end) {
  cpu_relax();
  if ((poll & 255) == 0) {
    uint64_t t = mono_ns();
    if (*end == 0) *end = t + GBT_SPIN_NS;
    else if (t >= *end) return 0;
  }
  return 1;
}

/* Point 5: polls until *gen differs from seen, or the spin times out. */
static void spin_while_gen(atomic_uint *gen, unsigned seen) {
  uint64_t end = 0;
  for (unsigned i = 1; atomic_load_explicit(gen, memory_order_acquire) == seen && spin_on(i, &end); i++) {
  }
}

/* Point 5: polls until *done reaches n, or the spin times out. */
static void spin_while_below(atomic_size_t *done, size_t n) {
  uint64_t end = 0;
  for (unsigned i = 1; atomic_load_explicit(done, memory_order_acquire) < n && spin_on(i, &end); i++) {
  }
}

typedef struct worker_arg {
  gbt_pool *pool;
  unsigned id;
} worker_arg;

/* Takes and runs tasks of the current run until none is left (called and
** returning with mu held). */
static void run_tasks_locked(gbt_pool *p, unsigned id) {
  while (p->next < p->n_tasks) {
    size_t t = p->next++;
    gbt_task_fn fn = p->fn;
    void *ctx = p->ctx;
    pthread_mutex_unlock(&p->mu);
    fn(ctx, t, id);
    pthread_mutex_lock(&p->mu);
    if (atomic_fetch_add(&p->done, 1) + 1 == p->n_tasks) pthread_cond_signal(&p->cv_done);
  }
}

static void *worker_main(void *arg) {
  gbt_pool *p = ((worker_arg *)arg)->pool;
  unsigned id = ((worker_arg *)arg)->id;
  pthread_mutex_lock(&p->mu);
  for (;;) {
    unsigned seen;
    if (p->stop) break;
    if (p->next < p->n_tasks) {
      run_tasks_locked(p, id);
      continue;
    }
    seen = atomic_load_explicit(&p->gen, memory_order_relaxed);
    pthread_mutex_unlock(&p->mu);
    spin_while_gen(&p->gen, seen);
    pthread_mutex_lock(&p->mu);
    /* nothing posted while spinning: sleep (a post needs mu, so none is lost) */
    if (!p->stop && p->next >= p->n_tasks && atomic_load_explicit(&p->gen, memory_order_relaxed) == seen)
      pthread_cond_wait(&p->cv_work, &p->mu);
  }
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

/* The worker ids live right after the thread ids in the same block. */
om_status gbt_pool_create(unsigned n_threads, gbt_pool **out) {
  gbt_pool *p;
  worker_arg *args;
  unsigned want = n_threads > 1 ? n_threads - 1 : 0;
  *out = NULL;
  p = om_calloc(1, sizeof *p);
  if (!p) return OM_NOMEM;
  if (want) {
    p->tids = om_malloc_array(want, sizeof(pthread_t) + sizeof(worker_arg));
    if (!p->tids) {
      om_free(p);
      return OM_NOMEM;
    }
  }
  if (pthread_mutex_init(&p->mu, NULL)) goto fail_mu;
  if (pthread_cond_init(&p->cv_work, NULL)) goto fail_work;
  if (pthread_cond_init(&p->cv_done, NULL)) goto fail_done;
  args = want ? (worker_arg *)(void *)(p->tids + want) : NULL; /* NULL + 0 is UB */
  for (unsigned i = 0; i < want; i++) {
    args[p->n_workers].pool = p;
    args[p->n_workers].id = p->n_workers + 1;
    if (pthread_create(&p->tids[p->n_workers], NULL, worker_main, &args[p->n_workers])) break;
    p->n_workers++;
  }
  *out = p;
  return OM_OK;
fail_done:
  pthread_cond_destroy(&p->cv_work);
fail_work:
  pthread_mutex_destroy(&p->mu);
fail_mu:
  om_free(p->tids);
  om_free(p);
  return OM_NOMEM;
}

unsigned gbt_pool_size(const gbt_pool *p) { return p ? p->n_workers + 1 : 1; }

void gbt_pool_run(gbt_pool *p, size_t n_tasks, gbt_task_fn fn, void *ctx) {
  if (!p || p->n_workers == 0 || n_tasks <= 1) {
    for (size_t t = 0; t < n_tasks; t++)
      fn(ctx, t, 0);
    return;
  }
  pthread_mutex_lock(&p->mu);
  p->fn = fn;
  p->ctx = ctx;
  p->n_tasks = n_tasks;
  p->next = 0;
  atomic_store(&p->done, 0);
  atomic_fetch_add(&p->gen, 1);
  pthread_cond_broadcast(&p->cv_work);
  run_tasks_locked(p, 0);
  while (atomic_load(&p->done) < n_tasks) {
    pthread_mutex_unlock(&p->mu);
    spin_while_below(&p->done, n_tasks);
    pthread_mutex_lock(&p->mu);
    if (atomic_load(&p->done) < n_tasks) pthread_cond_wait(&p->cv_done, &p->mu);
  }
  pthread_mutex_unlock(&p->mu);
}

void gbt_pool_destroy(gbt_pool *p) {
  if (!p) return;
  pthread_mutex_lock(&p->mu);
  p->stop = 1;
  atomic_fetch_add(&p->gen, 1);
  pthread_cond_broadcast(&p->cv_work);
  pthread_mutex_unlock(&p->mu);
  for (unsigned i = 0; i < p->n_workers; i++)
    pthread_join(p->tids[i], NULL);
  pthread_cond_destroy(&p->cv_done);
  pthread_cond_destroy(&p->cv_work);
  pthread_mutex_destroy(&p->mu);
  om_free(p->tids);
  om_free(p);
}
