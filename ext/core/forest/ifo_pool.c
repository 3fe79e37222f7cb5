/*
** ifo_pool.c — run the forest's independent tasks (one tree each) on a few
** threads, joined before returning.
**
**   1. ifo_run_tasks(n_threads, n_tasks) starts n_threads − 1 threads; the
**      caller is worker 0 and takes tasks too.  Tasks are handed out in
**      increasing order to whichever thread asks first; a thread that
**      cannot be started is not an error (fewer workers).
**   2. Which worker ran a task is nondeterministic, so a task writes only
**      outputs owned by its index (and scratch owned by its worker id):
**      results never depend on the thread count.
**   3. Only the calling thread polls the interrupt (it may call back into
**      SQLite), once before every task it takes; a stop is shared with the
**      workers, which then take no new task.  Every thread is joined before
**      the function returns, interrupted or not.
**   4. The thread ids come from om_malloc; workers never allocate.
*/
#include "ifo.h"

#include <pthread.h>
#include <unistd.h>

typedef struct ifo_run {
  pthread_mutex_t mu;
  size_t next, n_tasks;
  int stop;
  ifo_task_fn fn;
  void *ctx;
} ifo_run;

typedef struct ifo_worker {
  ifo_run *run;
  unsigned id;
} ifo_worker;

/* Next task index, or n_tasks when there is none (or a stop). */
static size_t take(ifo_run *r) {
  size_t t;
  pthread_mutex_lock(&r->mu);
  t = r->stop ? r->n_tasks : r->next;
  if (t < r->n_tasks) r->next++;
  pthread_mutex_unlock(&r->mu);
  return t;
}

static void *worker_main(void *arg) {
  ifo_worker *w = arg;
  size_t t;
  while ((t = take(w->run)) < w->run->n_tasks) w->run->fn(w->run->ctx, t, w->id);
  return NULL;
}

unsigned ifo_auto_threads(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  if (n < 1) n = 1;
  if (n > 4) n = 4;
  return (unsigned)n;
}

om_status ifo_run_tasks(unsigned n_threads, size_t n_tasks, ifo_task_fn fn, void *ctx, const om_interrupt *intr,
                        unsigned *used) {
  ifo_run r;
  pthread_t *tids = NULL;
  ifo_worker *ws = NULL;
  unsigned started = 0, want;
  size_t t;
  int interrupted = 0;
  if (n_threads < 1) n_threads = 1;
  if ((size_t)n_threads > n_tasks) n_threads = n_tasks ? (unsigned)n_tasks : 1;
  want = n_threads - 1;
  r.next = 0;
  r.n_tasks = n_tasks;
  r.stop = 0;
  r.fn = fn;
  r.ctx = ctx;
  if (pthread_mutex_init(&r.mu, NULL)) return OM_NOMEM;
  if (want) {
    tids = om_malloc_array(want, sizeof *tids);
    ws = om_malloc_array(want, sizeof *ws);
    if (!tids || !ws) want = 0; /* run on the caller alone */
  }
  for (unsigned i = 0; i < want; i++) {
    ws[started].run = &r;
    ws[started].id = started + 1;
    if (pthread_create(&tids[started], NULL, worker_main, &ws[started])) break;
    started++;
  }
  for (;;) {
    if (om_interrupted(intr)) {
      pthread_mutex_lock(&r.mu);
      r.stop = 1;
      pthread_mutex_unlock(&r.mu);
      interrupted = 1;
      break;
    }
    if ((t = take(&r)) >= n_tasks) break;
    fn(ctx, t, 0);
  }
  for (unsigned i = 0; i < started; i++) pthread_join(tids[i], NULL);
  pthread_mutex_destroy(&r.mu);
  om_free(tids);
  om_free(ws);
  if (used) *used = started + 1;
  return interrupted ? OM_INTERRUPTED : OM_OK;
}
