// SPDX-License-Identifier: MIT
#include "cpsig.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <tss2/tss2_mu.h>

#include "record.h"
#include "tpmkey.h"

struct job {
	uint64_t tag;
	uint8_t msg[CHECKPOINT_MSG_BYTES];
	const uint8_t *sig;
	size_t n;
	bool ok;
	atomic_bool done; /* set, after ok, under the lock; read without it to skip the lock */
};

struct worker {
	struct cpsig *pool;
	EVP_PKEY *key; /* its own: nothing is shared between threads but the queue */
	pthread_t thread;
};

/* The queue is a ring of counters that only grow: jobs head..tail-1 are
 * queued, and next is the oldest no thread has claimed (head <= next <= tail),
 * so jobs are claimed in the order they were queued. */
struct cpsig {
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	bool stop;
	struct job ring[CPSIG_MAX_PENDING];
	size_t head, next, tail;
	EVP_PKEY *key; /* the caller's, for the checks it runs itself */
	struct worker w[CPSIG_MAX_WORKERS];
	unsigned nworkers, want;
	TPM2B_PUBLIC ak;
	size_t submitted;
};

/* Threads start with the few-th checkpoint: a short run's checks cost less
 * than starting them. */
#define START_AFTER 3u

/* The checkpoint's signature: a TPMT_SIGNATURE that decodes exactly, by
 * the AK over the message. */
static bool check(EVP_PKEY *key, const struct job *j)
{
	TPMT_SIGNATURE sig = { 0 };
	size_t off = 0;

	return Tss2_MU_TPMT_SIGNATURE_Unmarshal(j->sig, j->n, &off, &sig) == 0 && off == j->n &&
	       tpmkey_verify(key, j->msg, sizeof(j->msg), &sig) == 0;
}

/* Called with the lock held, which it drops while checking. */
static void run_next(struct cpsig *p, EVP_PKEY *key)
{
	struct job *j = &p->ring[p->next++ % CPSIG_MAX_PENDING];
	bool ok;

	pthread_mutex_unlock(&p->mu);
	ok = check(key, j);
	pthread_mutex_lock(&p->mu);
	j->ok = ok;
	atomic_store_explicit(&j->done, true, memory_order_release);
	pthread_cond_broadcast(&p->done);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct cpsig *p = w->pool;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->stop && p->next == p->tail)
			pthread_cond_wait(&p->work, &p->mu);
		if (p->stop)
			break;
		run_next(p, w->key);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

unsigned cpsig_default_workers(void)
{
	cpu_set_t set;
	int n;

	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return 1;
	n = CPU_COUNT(&set);
	return n < 1 ? 1 : (unsigned)n > CPSIG_MAX_WORKERS ? CPSIG_MAX_WORKERS : (unsigned)n;
}

/* Workers block every signal: the program's handlers stay with its own
 * threads. A worker that cannot be started leaves a smaller pool. */
static void start_workers(struct cpsig *p, const TPM2B_PUBLIC *ak, unsigned want)
{
	sigset_t all, old;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	while (p->nworkers < want) {
		struct worker *w = &p->w[p->nworkers];

		w->pool = p;
		if (!(w->key = tpmkey_ecc_p256(ak)))
			break;
		if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
			EVP_PKEY_free(w->key);
			break;
		}
		p->nworkers++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

int cpsig_open(const TPM2B_PUBLIC *ak, unsigned workers, struct cpsig **ret)
{
	struct cpsig *p = calloc(1, sizeof(*p));

	if (!p)
		return MB_E_NOMEM;
	if (!(p->key = tpmkey_ecc_p256(ak))) {
		free(p);
		return MB_E_CRYPTO;
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	p->ak = *ak;
	p->want = workers > CPSIG_MAX_WORKERS ? CPSIG_MAX_WORKERS : workers;
	*ret = p;
	return 0;
}

void cpsig_close(struct cpsig *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (unsigned i = 0; i < p->nworkers; i++) {
		pthread_join(p->w[i].thread, NULL);
		EVP_PKEY_free(p->w[i].key);
	}
	EVP_PKEY_free(p->key);
	pthread_cond_destroy(&p->done);
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

/* Only the caller's thread moves head and tail, so it reads them unlocked. */
bool cpsig_can_submit(const struct cpsig *p)
{
	return p->tail - p->head < CPSIG_MAX_PENDING;
}

size_t cpsig_pending(const struct cpsig *p)
{
	return p->tail - p->head;
}

int cpsig_submit(struct cpsig *p, uint64_t tag, const uint8_t head[static 32], const uint8_t *sig, size_t n)
{
	struct job *j;

	if (!cpsig_can_submit(p))
		return MB_E_LIMIT;
	if (++p->submitted == START_AFTER + 1)
		start_workers(p, &p->ak, p->want);
	pthread_mutex_lock(&p->mu);
	j = &p->ring[p->tail % CPSIG_MAX_PENDING];
	j->tag = tag;
	j->sig = sig;
	j->n = n;
	j->ok = false;
	atomic_store_explicit(&j->done, false, memory_order_relaxed);
	record_checkpoint_message(head, j->msg);
	p->tail++;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->mu);
	return 0;
}

int cpsig_take(struct cpsig *p, bool wait, uint64_t *ret_tag, bool *ret_ok)
{
	struct job *j = &p->ring[p->head % CPSIG_MAX_PENDING];
	int got = 0;

	/* the record pass asks after every record: not done is the answer
	 * nearly every time, and needs no lock (only this thread moves head) */
	if (p->head == p->tail ||
	    (!wait && p->nworkers > 0 && !atomic_load_explicit(&j->done, memory_order_acquire)))
		return 0;
	pthread_mutex_lock(&p->mu);
	/* unclaimed: check it here rather than wait (and always without workers) */
	if (p->next == p->head && (wait || p->nworkers == 0))
		run_next(p, p->key);
	while (wait && !atomic_load_explicit(&j->done, memory_order_acquire))
		pthread_cond_wait(&p->done, &p->mu);
	if (!atomic_load_explicit(&j->done, memory_order_acquire))
		goto out;
	*ret_tag = j->tag;
	*ret_ok = j->ok;
	p->head++;
	got = 1;
out:
	pthread_mutex_unlock(&p->mu);
	return got;
}
