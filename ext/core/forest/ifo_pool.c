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
**      SQLite): exactly once before each task is handed out, to whichever
**      thread.  A task needs a ticket, and the caller grants one ticket per
**      poll, at most (threads) tickets ahead of the finished tasks, running
**      tasks itself in between.  So the k-th poll always happens before
**      task k starts, whatever the scheduling: an interrupt seen at poll k
**      stops the run with exactly tasks 0..k-1 started (tested under
**      valgrind, where a worker may otherwise run every task before the
**      caller polls).  A stop is shared with the workers, which then take no
**      new task.  Every thread is joined before the function returns,
**      interrupted or not.
**   4. The thread ids come from om_malloc; workers never allocate.
*/
#include "ifo.h"

#include <pthread.h>
#include <unistd.h>

typedef struct ifo_run {
  pthread_mutex_t mu;
  pthread_cond_t cv;  /* a ticket was granted, a task finished, or a stop */
  size_t next;        /* the next task to hand out */
  size_t allowed;     /* tasks below this index have a ticket (behaviour 3) */
  size_t done;        /* tasks finished */
  size_t n_tasks;
  int stop;
  ifo_task_fn fn;
  void *ctx;
} ifo_run;

typedef struct ifo_worker {
  ifo_run *run;
  unsigned id;
} ifo_worker;

/* With r->mu held: the next task that has a ticket, or n_tasks (none now). */
static size_t take_locked(ifo_run *r) {
  if (r->stop || r->next >= r->allowed || r->next >= r->n_tasks) return r->n_tasks;
  return r->next++;
}

static void finish_locked(ifo_run *r) {
  r->done++;
  pthread_cond_broadcast(&r->cv);
}

static void *worker_main(void *arg) {
  ifo_worker *w = arg;
  ifo_run *r = w->run;
  pthread_mutex_lock(&r->mu);
  for (;;) {
    size_t t = take_locked(r);
    if (t < r->n_tasks) {
      pthread_mutex_unlock(&r->mu);
      r->fn(r->ctx, t, w->id);
      pthread_mutex_lock(&r->mu);
      finish_locked(r);
      continue;
    }
    if (r->stop || r->next >= r->n_tasks) break;
    pthread_cond_wait(&r->cv, &r->mu);
  }
  pthread_mutex_unlock(&r->mu);
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
  int interrupted = 0;
  if (n_threads < 1) n_threads = 1;
  if ((size_t)n_threads > n_tasks) n_threads = n_tasks ? (unsigned)n_tasks : 1;
  want = n_threads - 1;
  r.next = 0;
  r.allowed = 0;
  r.done = 0;
  r.n_tasks = n_tasks;
  r.stop = 0;
  r.fn = fn;
  r.ctx = ctx;
  if (pthread_mutex_init(&r.mu, NULL)) return OM_NOMEM;
  if (pthread_cond_init(&r.cv, NULL)) {
    pthread_mutex_destroy(&r.mu);
    return OM_NOMEM;
  }
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
  /* The caller grants one ticket per poll, at most started + 1 tickets ahead
  ** of the finished tasks, and runs tasks itself in between. */
  pthread_mutex_lock(&r.mu);
  while (r.done < n_tasks && !r.stop) {
    size_t t;
    if (r.allowed < n_tasks && r.allowed < r.done + started + 1) {
      int stop;
      pthread_mutex_unlock(&r.mu);
      stop = om_interrupted(intr);
      pthread_mutex_lock(&r.mu);
      if (stop) {
        r.stop = 1;
        interrupted = 1;
        pthread_cond_broadcast(&r.cv);
        break;
      }
      r.allowed++;
      pthread_cond_broadcast(&r.cv);
      continue;
    }
    t = take_locked(&r);
    if (t < n_tasks) {
      pthread_mutex_unlock(&r.mu);
      fn(ctx, t, 0);
      pthread_mutex_lock(&r.mu);
      finish_locked(&r);
      continue;
    }
    pthread_cond_wait(&r.cv, &r.mu);
  }
  pthread_mutex_unlock(&r.mu);
  for (unsigned i = 0; i < started; i++) pthread_join(tids[i], NULL);
  pthread_cond_destroy(&r.cv);
  pthread_mutex_destroy(&r.mu);
  om_free(tids);
  om_free(ws);
  if (used) *used = started + 1;
  return interrupted ? OM_INTERRUPTED : OM_OK;
}
