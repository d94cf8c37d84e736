// SPDX-License-Identifier: GPL-2.0
/*
 * premap-stress - the premap cache (block/blk-premap.c) under load, buffer
 * churn, controller faults and injected allocation failures
 *
 * Four I/O threads, each with two io_uring rings, keep QD fixed-buffer reads
 * and writes per ring in flight on disjoint regions of the device. Every
 * write fills its buffer with a pattern of (device offset, per-write seed)
 * per 4 KiB block; every read is compared, byte for byte, with the last
 * write of each block. A churn thread meanwhile replaces, empties and
 * re-registers the rings' buffers (IORING_REGISTER_BUFFERS_UPDATE,
 * io_uring_register_buffers, io_uring_unregister_buffers) and clones the
 * first ring's table into the second (IORING_REGISTER_CLONE_BUFFERS), with
 * 4 KiB-page, 2 MiB-hugetlb and THP buffers, while
 *  - a reset thread resets the controller (reset_controller),
 *  - a switch thread flips /sys/module/nvme/parameters/premap,
 *  - a fault thread makes premap creations fail: the debugfs knob
 *    blk_premap_fail_map, failslab and fail_page_alloc confined by their
 *    stack-trace filter to the creation work (blk_premap_work), and a
 *    premap_max_mb too small for the buffers (refusals by the cap).
 * A quiet tail without flips, resets or faults starts with a retry probe:
 * with the tables held still, the next creations fail and every one of
 * those refused premaps must be retried; then premaps must be created and
 * hit again while the churn goes on. The run ends by removing the PCI
 * device under I/O, rescanning the bus and reading every block back from
 * the new device.
 *
 * Requests on a slot whose buffer the churn thread changed meanwhile may
 * fail with -EFAULT (counted as stale); around a reset or after removal the
 * device's -EIO (and removal's -ENODEV/-ENXIO, short transfers) are
 * accepted and the blocks of such a write are no longer checked. Any other
 * error, any data mismatch, a request not completing in HANG_S seconds,
 * premaps/bytes/PRP pages/registered buffers left over, hugetlb pages or
 * page pins not returned, a kmemleak report or a kernel report (BUG,
 * WARNING, KASAN, lockdep, DMA-API) fails the run.
 *
 * Output: "# ..." progress lines, "stress: <key> <value>" counters and one
 * "@@STRESS-ROW key=value ..." line; exit status 0 only if all checks
 * passed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include "premap-guest.h"
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define FAIL_MAP	"/sys/kernel/debug/blk_premap_fail_map"
#define KMEMLEAK	"/sys/kernel/debug/kmemleak"
#define PARAM_PREMAP	"/sys/module/nvme/parameters/premap"
#define PARAM_MAX_MB	"/sys/module/nvme/parameters/premap_max_mb"

#define NWORKERS	4
#define NRINGS		2
#define NSLOTS		4
#define QD		16
#define BLK		4096UL
#define IO_MAX		(256UL << 10)
#define STRIDE		(IO_MAX + (32UL << 10))	/* room for a 0..28K shift */
#define HUGE_SZ		(2UL << 20)
#define MEM_SZ		(10UL << 20)	/* >= NRINGS * QD * STRIDE */
#define REGION		(32ULL << 20)	/* device bytes per I/O thread */
#define HANG_S		60
#define FAULT_TIMES	1000000
#define POOL		6		/* buffers per I/O thread */
#define POISON		0x5a

enum { M_4K, M_HUGETLB, M_THP, M_TYPES };
static const char * const mtype_name[M_TYPES] = { "4k", "hugetlb", "thp" };

struct mem {
	char *base;		/* MEM_SZ bytes: what is registered */
	void *map;
	size_t maplen;
	int type;
	int refs;		/* slots holding it + requests using it */
};

struct req {
	bool used, wr;
	int slot;
	struct mem *m;
	char *p;
	uint64_t doff;		/* device offset, bytes */
	uint32_t len;		/* bytes */
	uint32_t seed;
	uint64_t gen;
	uint64_t t0;		/* submitted, ms */
};

struct worker {
	int id;
	pthread_t th;
	struct io_uring ring[NRINGS];
	pthread_mutex_t lock;	/* pub, gen, mem refs */
	struct mem *pub[NRINGS][NSLOTS];
	struct mem *pool[POOL];		/* what the churn thread registers */
	uint64_t gen[NRINGS][NSLOTS];
	struct req reqs[NRINGS][QD];
	int inflight[NRINGS];
	uint64_t off;		/* device offset of the region */
	uint32_t *seeds;	/* per block: last write's seed, 0 unknown */
	uint8_t *busy;
	size_t nblk;
	uint32_t next_seed;
	uint64_t rng;
	uint64_t progress;	/* last completion, ms */
	bool done;
	/* counters */
	uint64_t ops, reads, writes, bytes_verified, stale;
	uint64_t dev_errs, errors, mismatches;
	uint64_t qd_sum, qd_samples;	/* requests in flight after submitting */
};

static struct worker workers[NWORKERS];
static const char *dev_path = "/dev/nvme0n1";
static int dev_fd = -1;
static char ctrl[32] = "nvme0";
static uint64_t dev_off;
static bool expect_pm = true;
static int seconds = 60;
static long min_cycles, min_resets;
static uint64_t t_start;

/* shared state, read and written with __atomic builtins */
static int stop_io, stop_churn, stop_faults, removed, hung;
static int reset_active;
static uint64_t reset_end_ms;

static long nfail;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

#define LD(x)		__atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define ST(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELEASE)
#define ADD(x, v)	__atomic_add_fetch(&(x), (v), __ATOMIC_RELAXED)

static void say(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&out_lock);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
}

#define fail(fmt, ...) do {						\
	ADD(nfail, 1);							\
	say("# FAIL: " fmt "\n", ##__VA_ARGS__);			\
} while (0)

static uint64_t now_ms(void)
{
	return mono_us() / 1000;
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* ---- files and counters ---- */

static void set_file(const char *path, const char *val)
{
	int ret = write_file(path, val);

	if (ret)
		fail("write %s to %s: %s", val, path, strerror(-ret));
}

static long long read_ll(const char *path)
{
	char b[64];

	return read_file(path, b, sizeof(b)) ? -1 : atoll(b);
}

/* ---- buffers ---- */

static uint64_t mem_allocs[M_TYPES], thp_backed, hugetlb_short;

/* AnonHugePages of the mapping at @p, KiB */
static long thp_kb(const void *p)
{
	unsigned long lo, hi;
	char line[256];
	bool in = false;
	long kb = -1;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		/* "AnonHugePages:" does not parse as "%lx-%lx" */
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)
			in = (uintptr_t)p >= lo && (uintptr_t)p < hi;
		else if (in && sscanf(line, "AnonHugePages: %ld", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

static struct mem *mem_alloc(int type)
{
	struct mem *m = calloc(1, sizeof(*m));
	char *p;

	if (!m)
		return NULL;
	if (type == M_HUGETLB) {
		m->maplen = MEM_SZ;
		m->map = mmap(NULL, MEM_SZ, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB |
			      MAP_POPULATE, -1, 0);
		if (m->map != MAP_FAILED) {
			m->base = m->map;
			goto out;
		}
		/* the pool is finite: a 4 KiB-page buffer instead */
		hugetlb_short++;
		type = M_4K;
	}
	m->maplen = MEM_SZ + HUGE_SZ;
	m->map = mmap(NULL, m->maplen, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m->map == MAP_FAILED) {
		fail("mmap %zu bytes: %s", m->maplen, strerror(errno));
		free(m);
		return NULL;
	}
	p = (char *)(((uintptr_t)m->map + HUGE_SZ - 1) & ~(HUGE_SZ - 1));
	m->base = p;
	madvise(p, MEM_SZ, type == M_THP ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	memset(p, 0, MEM_SZ);
	if (type == M_THP && thp_kb(p) > 0)
		thp_backed++;
out:
	m->type = type;
	mem_allocs[type]++;
	return m;
}

/* under the owner's lock */
static void mem_put(struct mem *m)
{
	if (!m || --m->refs)
		return;
	munmap(m->map, m->maplen);
	free(m);
}

static void put_locked(struct worker *w, struct mem *m)
{
	pthread_mutex_lock(&w->lock);
	mem_put(m);
	pthread_mutex_unlock(&w->lock);
}

/* ---- I/O threads ---- */

static bool reset_window(void)
{
	return LD(reset_active) || now_ms() < LD(reset_end_ms) + 3000;
}

static bool submit_one(struct worker *w, int r)
{
	static const uint32_t lens[] = { 4, 8, 16, 32, 64, 128, 256 };
	struct io_uring_sqe *sqe;
	struct mem *m = NULL;
	struct req *q = NULL;
	uint64_t b, nb, j, gen = 0;
	int i, k = 0, tag;
	uint32_t len;

	for (tag = 0; tag < QD; tag++)
		if (!w->reqs[r][tag].used)
			break;
	if (tag == QD)
		return false;
	pthread_mutex_lock(&w->lock);
	for (i = 0; i < NSLOTS && !m; i++) {
		k = rnd(&w->rng) % NSLOTS;
		if (!(w->gen[r][k] & 1))
			m = w->pub[r][k];
	}
	if (m) {
		m->refs++;
		gen = w->gen[r][k];
	}
	pthread_mutex_unlock(&w->lock);
	if (!m)
		return false;
	len = lens[rnd(&w->rng) % 7] << 10;
	nb = len / BLK;
	for (i = 0; i < 8; i++) {
		b = rnd(&w->rng) % (w->nblk - nb + 1);
		for (j = 0; j < nb && !w->busy[b + j]; j++)
			;
		if (j == nb)
			break;
	}
	if (i == 8) {
		put_locked(w, m);
		return false;
	}
	q = &w->reqs[r][tag];
	q->used = true;
	q->wr = rnd(&w->rng) & 1;
	q->slot = k;
	q->m = m;
	q->p = m->base + (r * QD + tag) * STRIDE + (rnd(&w->rng) % 57) * 512;
	q->doff = w->off + b * BLK;
	q->len = len;
	q->gen = gen;
	q->t0 = now_ms();
	memset(w->busy + b, 1, nb);
	if (q->wr) {
		q->seed = w->next_seed++;
		if (!w->next_seed)
			w->next_seed = 1;
		for (i = 0; i < (int)nb; i++)
			fill(q->p + i * BLK, q->doff + i * BLK, BLK, q->seed);
	} else {
		/* a read that moves no data must not find the pattern */
		memset(q->p, POISON, len);
	}
	sqe = io_uring_get_sqe(&w->ring[r]);
	if (q->wr)
		io_uring_prep_write_fixed(sqe, dev_fd, q->p, len, q->doff, k);
	else
		io_uring_prep_read_fixed(sqe, dev_fd, q->p, len, q->doff, k);
	io_uring_sqe_set_data64(sqe, tag);
	w->inflight[r]++;
	return true;
}

static void complete(struct worker *w, int r, struct io_uring_cqe *cqe)
{
	struct req *q = &w->reqs[r][cqe->user_data];
	uint64_t b = (q->doff - w->off) / BLK, nb = q->len / BLK, i;
	int res = cqe->res;
	bool ok = res == (int)q->len, stale = false;
	long bad;

	if (!ok && res == -EFAULT) {
		pthread_mutex_lock(&w->lock);
		stale = w->gen[r][q->slot] != q->gen;
		pthread_mutex_unlock(&w->lock);
	}
	if (ok && !q->wr) {
		for (i = 0; i < nb; i++) {
			uint32_t s = w->seeds[b + i];

			if (!s)
				continue;
			bad = verify(q->p + i * BLK, q->doff + i * BLK, BLK, s);
			if (bad >= 0) {
				w->mismatches++;
				if (w->mismatches <= 3)
					fail("thread %d ring %d slot %d (%s): read %u at %llu: byte %llu differs (seed %u)",
					     w->id, r, q->slot,
					     mtype_name[q->m->type], q->len,
					     (unsigned long long)q->doff,
					     (unsigned long long)(i * BLK + bad), s);
			}
			w->bytes_verified += BLK;
		}
	} else if (ok) {
		for (i = 0; i < nb; i++)
			w->seeds[b + i] = q->seed;
	} else if (stale) {
		w->stale++;
	} else {
		bool dev = LD(removed) ||
			   (res == -EIO && reset_window());

		/* a failed write may have reached some blocks */
		if (q->wr)
			for (i = 0; i < nb; i++)
				w->seeds[b + i] = 0;
		if (dev) {
			w->dev_errs++;
		} else {
			w->errors++;
			if (w->errors <= 3)
				fail("thread %d ring %d slot %d: %s %u at %llu: %d (%s)",
				     w->id, r, q->slot, q->wr ? "write" : "read",
				     q->len, (unsigned long long)q->doff, res,
				     res < 0 ? strerror(-res) : "short");
		}
	}
	memset(w->busy + b, 0, nb);
	w->ops++;
	if (q->wr)
		w->writes++;
	else
		w->reads++;
	put_locked(w, q->m);
	q->used = false;
	w->inflight[r]--;
	w->progress = now_ms();
}

static int reap(struct worker *w)
{
	struct io_uring_cqe *cqe;
	int r, n = 0;

	for (r = 0; r < NRINGS; r++)
		while (!io_uring_peek_cqe(&w->ring[r], &cqe)) {
			complete(w, r, cqe);
			io_uring_cqe_seen(&w->ring[r], cqe);
			n++;
		}
	return n;
}

static bool hang_check(struct worker *w)
{
	int r, t;

	if (!w->inflight[0] && !w->inflight[1])
		return false;
	if (now_ms() - w->progress < HANG_S * 1000)
		return false;
	for (r = 0; r < NRINGS; r++)
		for (t = 0; t < QD; t++)
			if (w->reqs[r][t].used)
				say("# thread %d ring %d: %s %u at %llu pending for %llu ms\n",
				    w->id, r, w->reqs[r][t].wr ? "write" : "read",
				    w->reqs[r][t].len,
				    (unsigned long long)w->reqs[r][t].doff,
				    (unsigned long long)(now_ms() - w->reqs[r][t].t0));
	fail("thread %d: no completion in %d s with %d+%d requests in flight",
	     w->id, HANG_S, w->inflight[0], w->inflight[1]);
	ST(hung, 1);
	return true;
}

static void *worker_fn(void *arg)
{
	struct __kernel_timespec ts = { .tv_nsec = 20000000 };
	struct worker *w = arg;
	struct io_uring_cqe *cqe;
	int r, ret;

	/*
	 * Below the churn, reset and switch threads: on a small guest the
	 * pattern work of the I/O threads would otherwise starve them.
	 */
	setpriority(PRIO_PROCESS, gettid(), 10);
	w->progress = now_ms();
	while (!LD(stop_io) && !LD(removed)) {
		for (r = 0; r < NRINGS; r++) {
			while (w->inflight[r] < QD && submit_one(w, r))
				;
			ret = io_uring_submit(&w->ring[r]);
			if (ret < 0 && ret != -EAGAIN && ret != -EBUSY) {
				fail("thread %d: io_uring_submit: %s", w->id,
				     strerror(-ret));
				ST(hung, 1);
				return NULL;
			}
		}
		w->qd_sum += w->inflight[0] + w->inflight[1];
		w->qd_samples++;
		if (reap(w))
			continue;
		r = w->inflight[0] >= w->inflight[1] ? 0 : 1;
		if (w->inflight[r])
			io_uring_wait_cqe_timeout(&w->ring[r], &cqe, &ts);
		else
			usleep(1000);
		if (hang_check(w))
			return NULL;
	}
	/* drain: every request completes, also after removal */
	while (w->inflight[0] || w->inflight[1]) {
		for (r = 0; r < NRINGS; r++)
			io_uring_submit(&w->ring[r]);
		if (reap(w))
			continue;
		r = w->inflight[0] >= w->inflight[1] ? 0 : 1;
		io_uring_wait_cqe_timeout(&w->ring[r], &cqe, &ts);
		if (hang_check(w))
			return NULL;
	}
	ST(w->done, true);
	return NULL;
}

/* ---- churn ---- */

#define REGISTER_CLONE_BUFFERS	30	/* IORING_REGISTER_CLONE_BUFFERS */
struct clone_buffers {
	uint32_t src_fd;
	uint32_t flags;
	uint32_t pad[6];
};

static uint64_t cycles, c_update, c_empty, c_clone, c_rereg, c_errors;
static uint64_t c_realloc;
/* time spent in each kind of churn call, ms: update, empty, clone, rereg */
static uint64_t c_ms[4], c_max_ms[4];

static void churn_time(int op, uint64_t t0)
{
	uint64_t d = now_ms() - t0;

	c_ms[op] += d;
	if (d > c_max_ms[op])
		c_max_ms[op] = d;
}
static uint64_t churn_progress;	/* last cycle done, ms */
static int churn_done;
static int churn_pause, churn_paused;	/* the tables stay as they are */

/* has a churn call not returned in HANG_S? Then the run is over. */
static bool churn_hung(void)
{
	if (now_ms() <= LD(churn_progress) + HANG_S * 1000ULL)
		return false;
	fail("churn: no register/update/clone call returned in %d s", HANG_S);
	ST(hung, 1);
	return true;
}
static int next_type;

/*
 * A slot's generation is odd while the churn thread changes it: I/O
 * threads leave such a slot alone, and a request that fails with -EFAULT
 * is stale if its slot's generation moved since it was picked.
 */
static void slot_begin(struct worker *w, int r, int k)
{
	pthread_mutex_lock(&w->lock);
	w->gen[r][k]++;
	pthread_mutex_unlock(&w->lock);
}

/* the slot now holds @m in the kernel (%NULL: empty) */
static void slot_end(struct worker *w, int r, int k, struct mem *m)
{
	struct mem *old;

	pthread_mutex_lock(&w->lock);
	old = w->pub[r][k];
	w->pub[r][k] = m;
	if (m)
		m->refs++;
	w->gen[r][k]++;
	mem_put(old);
	pthread_mutex_unlock(&w->lock);
}

/*
 * A buffer of the worker's pool, with a reference for the caller; now and
 * then a new one in its place: the old one is unmapped by the process
 * while registrations still pin it and freed once the last of them is
 * gone.
 */
static struct mem *pool_pick(struct worker *w, uint64_t *rng)
{
	int i = rnd(rng) % POOL;
	struct mem *m;

	if (rnd(rng) % 8 == 0) {
		m = mem_alloc(next_type++ % M_TYPES);
		if (m) {
			m->refs = 1;
			put_locked(w, w->pool[i]);
			w->pool[i] = m;
			c_realloc++;
		}
	}
	m = w->pool[i];
	pthread_mutex_lock(&w->lock);
	m->refs++;
	pthread_mutex_unlock(&w->lock);
	return m;
}

/* slot @k of ring @r: a buffer of the pool, or empty (@empty) */
static void churn_update(struct worker *w, int r, int k, bool empty,
			 uint64_t *rng)
{
	struct iovec iov = { 0 };
	struct mem *m = NULL;
	uint64_t t0;
	int ret;

	if (!empty) {
		m = pool_pick(w, rng);
		iov.iov_base = m->base;
		iov.iov_len = MEM_SZ;
	}
	slot_begin(w, r, k);
	t0 = now_ms();
	ret = io_uring_register_buffers_update_tag(&w->ring[r], k, &iov, NULL,
						   1);
	churn_time(empty, t0);
	if (ret != 1) {
		c_errors++;
		fail("BUFFERS_UPDATE thread %d ring %d slot %d (%s): %d (%s)",
		     w->id, r, k, m ? mtype_name[m->type] : "empty", ret,
		     ret < 0 ? strerror(-ret) : "not updated");
		slot_end(w, r, k, w->pub[r][k]);
		put_locked(w, m);
		return;
	}
	slot_end(w, r, k, m);
	put_locked(w, m);
	if (empty)
		c_empty++;
	else
		c_update++;
}

/* ring 1's table becomes a clone of ring 0's */
static int churn_clone(struct worker *w)
{
	struct clone_buffers cb = { .src_fd = w->ring[0].ring_fd };
	uint64_t t0 = now_ms();
	int k, ret;

	for (k = 0; k < NSLOTS; k++)
		slot_begin(w, 1, k);
	ret = io_uring_unregister_buffers(&w->ring[1]);
	if (ret && ret != -ENXIO) {
		fail("unregister thread %d ring 1: %s", w->id, strerror(-ret));
	} else {
		ret = io_uring_register(w->ring[1].ring_fd,
					REGISTER_CLONE_BUFFERS, &cb, 1);
		if (ret)
			fail("CLONE_BUFFERS thread %d: %s", w->id,
			     strerror(-ret));
	}
	churn_time(2, t0);
	for (k = 0; k < NSLOTS; k++)
		slot_end(w, 1, k, ret ? NULL : w->pub[0][k]);
	if (ret)
		c_errors++;
	else
		c_clone++;
	return ret;
}

/* ring 0: unregister every buffer, register NSLOTS from the pool */
static int churn_reregister(struct worker *w, uint64_t *rng)
{
	struct iovec iov[NSLOTS];
	struct mem *m[NSLOTS];
	uint64_t t0;
	int k, ret;

	for (k = 0; k < NSLOTS; k++) {
		m[k] = pool_pick(w, rng);
		iov[k].iov_base = m[k]->base;
		iov[k].iov_len = MEM_SZ;
		slot_begin(w, 0, k);
	}
	t0 = now_ms();
	ret = io_uring_unregister_buffers(&w->ring[0]);
	if (ret && ret != -ENXIO) {
		fail("unregister thread %d ring 0: %s", w->id, strerror(-ret));
	} else {
		ret = io_uring_register_buffers(&w->ring[0], iov, NSLOTS);
		if (ret)
			fail("register thread %d ring 0: %s", w->id,
			     strerror(-ret));
	}
	churn_time(3, t0);
	for (k = 0; k < NSLOTS; k++) {
		slot_end(w, 0, k, ret ? NULL : m[k]);
		put_locked(w, m[k]);
	}
	if (ret)
		c_errors++;
	else
		c_rereg++;
	return ret;
}

static void *churn_fn(void *arg)
{
	uint64_t rng = 0x1234567;
	struct worker *w;
	int op;

	(void)arg;
	while (!LD(stop_churn)) {
		if (LD(churn_pause)) {
			ST(churn_paused, 1);
			ST(churn_progress, now_ms());
			usleep(10000);
			continue;
		}
		ST(churn_paused, 0);
		w = &workers[rnd(&rng) % NWORKERS];
		op = rnd(&rng) % 40;
		/*
		 * Mostly single-slot updates: an unregistration waits for
		 * the ring's requests in flight, 20 to 30 times an update's
		 * cost under a debug kernel.
		 */
		if (op < 30)		/* replace a buffer of the first ring */
			churn_update(w, 0, rnd(&rng) % NSLOTS, false, &rng);
		else if (op < 34)	/* ... or of the clone */
			churn_update(w, 1, rnd(&rng) % NSLOTS, false, &rng);
		else if (op < 37)	/* empty a slot */
			churn_update(w, rnd(&rng) % NRINGS,
				     rnd(&rng) % NSLOTS, true, &rng);
		else if (op < 39)
			churn_clone(w);
		else
			churn_reregister(w, &rng);
		ADD(cycles, 1);
		ST(churn_progress, now_ms());
	}
	ST(churn_done, 1);
	return NULL;
}

/* ---- controller resets, the premap switch, injected faults ---- */

static uint64_t resets, reset_fails, flips;

static bool wait_live(int ms)
{
	char path[96], state[32] = "";
	int t;

	snprintf(path, sizeof(path), "/sys/class/nvme/%s/state", ctrl);
	for (t = 0; t <= ms; t += 20) {
		if (!read_file(path, state, sizeof(state)) &&
		    !strcmp(state, "live"))
			return true;
		usleep(20000);
	}
	fail("%s is \"%s\", not live, %d ms after a reset", ctrl, state, ms);
	return false;
}

static void *reset_fn(void *arg)
{
	char path[96];
	int ret;

	(void)arg;
	snprintf(path, sizeof(path), "/sys/class/nvme/%s/reset_controller",
		 ctrl);
	while (!LD(stop_faults)) {
		ST(reset_active, 1);
		ret = write_file(path, "1");
		if (!ret && !wait_live(30000))
			ret = -EIO;
		ST(reset_end_ms, now_ms());
		ST(reset_active, 0);
		if (ret == -EBUSY) {	/* a reset already in progress */
			reset_fails++;
		} else if (ret) {
			fail("reset %s: %s", ctrl, strerror(-ret));
			break;
		} else {
			ADD(resets, 1);
		}
		usleep(20000);
	}
	return NULL;
}

static void *switch_fn(void *arg)
{
	(void)arg;
	while (!LD(stop_faults)) {
		set_file(PARAM_PREMAP, "N");
		usleep(150000);
		set_file(PARAM_PREMAP, "Y");
		ADD(flips, 1);
		usleep(300000);
	}
	return NULL;
}

/* failslab and fail_page_alloc, confined to the creation work's callees */
static const char * const fault_dirs[] = {
	"/sys/kernel/debug/failslab", "/sys/kernel/debug/fail_page_alloc",
};
static unsigned long work_start, work_end, dbg_start, dbg_end;
static uint64_t fail_map_written, fail_map_left;

/*
 * The text of blk_premap_work (the creation work, everything it inlined)
 * and of the DMA-API debug code (kernel/dma/debug.c: its bookkeeping
 * allocations must not fail, that turns DMA-API debugging off): from the
 * lowest address of its symbols to the symbol after them.
 */
static void find_ranges(void)
{
	unsigned long a, w = 0, lo = ~0UL, hi = 0, wn = ~0UL, hn = ~0UL;
	char t, name[256];
	FILE *f = fopen("/proc/kallsyms", "r");

	if (!f)
		return;
	while (fscanf(f, "%lx %c %255s%*[^\n]", &a, &t, name) == 3) {
		if (!strcmp(name, "blk_premap_work"))
			w = a;
		if (!strncmp(name, "debug_dma_", 10) && a) {
			lo = a < lo ? a : lo;
			hi = a > hi ? a : hi;
		}
	}
	rewind(f);
	while (fscanf(f, "%lx %c %255s%*[^\n]", &a, &t, name) == 3) {
		if (a > w && a < wn)
			wn = a;
		if (a > hi && a < hn)
			hn = a;
	}
	fclose(f);
	if (w && wn != ~0UL) {
		work_start = w;
		work_end = wn;
	}
	if (hi && hn != ~0UL) {
		dbg_start = lo;
		dbg_end = hn;
	}
}

static void fault_attr(const char *dir, const char *attr, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, attr);
	set_file(path, val);
}

static bool faults_setup(void)
{
	char v[32];
	unsigned int i;

	find_ranges();
	if (!work_start) {
		fail("blk_premap_work not in /proc/kallsyms (or no address)");
		return false;
	}
	say("# failslab/fail_page_alloc confined to blk_premap_work [%#lx, %#lx), not in debug_dma_* [%#lx, %#lx)\n",
	    work_start, work_end, dbg_start, dbg_end);
	for (i = 0; i < 2; i++) {
		const char *d = fault_dirs[i];

		if (access(d, F_OK)) {
			fail("no %s (CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC)", d);
			return false;
		}
		fault_attr(d, "probability", "0");
		fault_attr(d, "interval", "1");
		fault_attr(d, "verbose", "0");
		fault_attr(d, "task-filter", "N");
		fault_attr(d, "ignore-gfp-wait", "N");
		fault_attr(d, "stacktrace-depth", "32");
		snprintf(v, sizeof(v), "%#lx", work_start);
		fault_attr(d, "require-start", v);
		snprintf(v, sizeof(v), "%#lx", work_end);
		fault_attr(d, "require-end", v);
		snprintf(v, sizeof(v), "%#lx", dbg_start);
		fault_attr(d, "reject-start", v);
		snprintf(v, sizeof(v), "%#lx", dbg_end);
		fault_attr(d, "reject-end", v);
		snprintf(v, sizeof(v), "%d", FAULT_TIMES);
		fault_attr(d, "times", v);
	}
	fault_attr(fault_dirs[1], "ignore-gfp-highmem", "N");
	fault_attr(fault_dirs[1], "min-order", "0");
	return !nfail;
}

static void faults_prob(const char *p)
{
	fault_attr(fault_dirs[0], "probability", p);
	fault_attr(fault_dirs[1], "probability", p);
}

static long long fault_injected(int i)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/times", fault_dirs[i]);
	return FAULT_TIMES - read_ll(path);
}

static void fail_map_arm(unsigned int n)
{
	long long left = read_ll(FAIL_MAP);
	char v[16];

	snprintf(v, sizeof(v), "%u", n);
	if (left > 0)
		fail_map_left += left;
	set_file(FAIL_MAP, v);
	fail_map_written += n;
}

static void *fault_fn(void *arg)
{
	char max_mb[32];
	int phase = 0;

	(void)arg;
	if (read_file(PARAM_MAX_MB, max_mb, sizeof(max_mb)))
		strcpy(max_mb, "4096");
	while (!LD(stop_faults)) {
		switch (phase++ % 4) {
		case 0:		/* the next 4 creations fail mapping */
			fail_map_arm(4);
			break;
		case 1:		/* allocations in creations fail */
			faults_prob("25");
			break;
		case 2:		/* a cap of one buffer: the rest refused */
			faults_prob("0");
			set_file(PARAM_MAX_MB, "12");
			break;
		case 3:
			set_file(PARAM_MAX_MB, max_mb);
			break;
		}
		usleep(1500000);
	}
	faults_prob("0");
	set_file(PARAM_MAX_MB, max_mb);
	fail_map_arm(0);
	return NULL;
}

/* ---- removal, rescan, read-back ---- */

static int remove_device(char *bdf, size_t len)
{
	char path[128];
	int ret = ctrl_bdf(ctrl, bdf, len);

	if (ret) {
		fail("PCI device of %s: %s", ctrl, strerror(-ret));
		return -1;
	}
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/remove", bdf);
	say("# removing PCI device %s under I/O\n", bdf);
	ST(removed, 1);
	return write_file(path, "1");
}

static uint64_t rb_bytes, rb_unknown;

/* every block with a known last write, read back through a fixed buffer */
static void read_back(const char *dev)
{
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	struct iovec iov;
	struct mem *m;
	long long h0 = pm_stat("hits");
	uint64_t b, i;
	int fd, ret, wi;

	fd = open(dev, O_RDWR | O_DIRECT);
	if (fd < 0) {
		fail("open %s: %s", dev, strerror(errno));
		return;
	}
	m = mem_alloc(M_HUGETLB);
	if (!m || io_uring_queue_init(4, &ring, 0)) {
		fail("read-back setup");
		close(fd);
		return;
	}
	iov.iov_base = m->base;
	iov.iov_len = MEM_SZ;
	ret = io_uring_register_buffers(&ring, &iov, 1);
	if (ret)
		fail("read-back register: %s", strerror(-ret));
	for (wi = 0; wi < NWORKERS && !ret; wi++) {
		struct worker *w = &workers[wi];

		for (b = 0; b < w->nblk && !ret; b += IO_MAX / BLK) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
			uint64_t doff = w->off + b * BLK;

			io_uring_prep_read_fixed(sqe, fd, m->base, IO_MAX,
						 doff, 0);
			io_uring_submit(&ring);
			ret = io_uring_wait_cqe(&ring, &cqe);
			if (ret)
				break;
			ret = cqe->res == (int)IO_MAX ? 0 : cqe->res;
			io_uring_cqe_seen(&ring, cqe);
			if (ret) {
				fail("read-back at %llu: %d",
				     (unsigned long long)doff, ret);
				break;
			}
			for (i = 0; i < IO_MAX / BLK; i++) {
				uint32_t s = w->seeds[b + i];
				long bad;

				if (!s) {
					rb_unknown++;
					continue;
				}
				bad = verify(m->base + i * BLK,
					     doff + i * BLK, BLK, s);
				if (bad >= 0) {
					w->mismatches++;
					fail("read-back thread %d at %llu: byte %ld differs (seed %u)",
					     wi, (unsigned long long)(doff + i * BLK),
					     bad, s);
				}
				rb_bytes += BLK;
			}
		}
	}
	say("# read back %llu MiB from %s (%llu blocks unknown), premap hits %lld\n",
	    (unsigned long long)(rb_bytes >> 20), dev,
	    (unsigned long long)rb_unknown, pm_stat("hits") - h0);
	io_uring_queue_exit(&ring);
	m->refs = 1;
	mem_put(m);
	close(fd);
}

/* ---- kernel reports, kmemleak ---- */

static void show_report(const char *line, long nr)
{
	if (nr <= 5)
		say("# kernel: %s\n", line);
}

static long kernel_reports(void)
{
	return kernel_reports_in_log(false, show_report);
}

/* objects kmemleak reports after two scans, -1 if it is not running */
static long kmemleak_scan(void)
{
	char line[256];
	long n = 0;
	FILE *f;

	if (write_file(KMEMLEAK, "scan") || write_file(KMEMLEAK, "scan"))
		return -1;
	f = fopen(KMEMLEAK, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "unreferenced object"))
			n++;
		if (n && n <= 3)
			say("# kmemleak: %s", line);
	}
	fclose(f);
	return n;
}

/* ---- main ---- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: premap-stress [-d DEV] [-o OFFSET_MB] [-t SECONDS] [-C MIN_CYCLES]\n"
		"                     [-R MIN_RESETS] [-x premap|none] [-m MODE]\n"
		"Runs for SECONDS, longer (up to twice) until MIN_CYCLES churn cycles\n"
		"and MIN_RESETS controller resets are done; -x none: nothing may be\n"
		"premapped (swiotlb=force); MODE only labels the result row.\n");
}

static int setup_worker(struct worker *w, int id)
{
	uint64_t rng = id + 1;
	int k, r, ret;

	w->id = id;
	w->off = dev_off + id * REGION;
	w->nblk = REGION / BLK;
	w->seeds = calloc(w->nblk, sizeof(*w->seeds));
	w->busy = calloc(w->nblk, 1);
	w->next_seed = 1 + id * 0x10000000U;
	w->rng = 0x9e3779b97f4a7c15ULL * (id + 1);
	pthread_mutex_init(&w->lock, NULL);
	for (r = 0; r < NRINGS; r++) {
		ret = io_uring_queue_init(2 * QD, &w->ring[r], 0);
		if (ret) {
			fail("io_uring_queue_init: %s", strerror(-ret));
			return ret;
		}
	}
	for (k = 0; k < POOL; k++) {
		w->pool[k] = mem_alloc(next_type++ % M_TYPES);
		if (!w->pool[k])
			return -ENOMEM;
		w->pool[k]->refs = 1;
	}
	ret = churn_reregister(w, &rng);
	return ret ? ret : churn_clone(w);
}

static void teardown_worker(struct worker *w)
{
	int r, k;

	for (r = 0; r < NRINGS; r++) {
		io_uring_queue_exit(&w->ring[r]);
		for (k = 0; k < NSLOTS; k++)
			slot_end(w, r, k, NULL);
	}
	for (k = 0; k < POOL; k++)
		put_locked(w, w->pool[k]);
}

/*
 * Every refused premap whose buffer stays registered is retried: with the
 * tables held still, switch the cache off (which tears every premap down,
 * refused ones included) and on again with the next RETRY_PROBE creations
 * failing. Each refusal is a premap's first, so its retry is due after the
 * shortest back-off (1 s); the I/O threads' next request on the buffer
 * must queue it again, within RETRY_WAIT_S, or the run fails. Return:
 * false if the churn thread did not pause (hung: the run is over).
 */
#define RETRY_PROBE	4
#define RETRY_WAIT_S	10

static bool retry_probe(void)
{
	long long r0, f0, refused = 0, retried = 0;
	uint64_t t0;

	ST(churn_pause, 1);
	while (!LD(churn_paused) && !LD(churn_done)) {
		if (churn_hung())
			return false;
		usleep(10000);
	}
	set_file(PARAM_PREMAP, "N");
	r0 = pm_stat("create_retries");
	f0 = pm_stat("create_fail_map");
	fail_map_arm(RETRY_PROBE);
	set_file(PARAM_PREMAP, "Y");
	t0 = now_ms();
	while (now_ms() < t0 + RETRY_WAIT_S * 1000ULL) {
		refused = pm_stat("create_fail_map") - f0;
		retried = pm_stat("create_retries") - r0;
		if (refused == RETRY_PROBE && retried >= refused)
			break;
		usleep(100000);
	}
	ST(churn_pause, 0);
	say("# retry probe: %lld of %d creations refused, %lld retried in %llu ms\n",
	    refused, RETRY_PROBE, retried,
	    (unsigned long long)(now_ms() - t0));
	if (refused < RETRY_PROBE)
		fail("retry probe: %lld creations refused of %d armed",
		     refused, RETRY_PROBE);
	else if (retried < refused)
		fail("retry probe: %lld refused premaps, %lld retried in %d s",
		     refused, retried, RETRY_WAIT_S);
	return true;
}

int main(int argc, char **argv)
{
	long long hp0, hp_total0, pins0, mlock0, leaks = 0, rep, kml = 0;
	long long fslab, fpage, inj, c0, ret0, fb, cap0, cap1, map0, nomem0;
	long long tail_c0 = 0, tail_h0 = 0, h0;
	uint64_t ops = 0, verified = 0, stale = 0, dev_errs = 0, errors = 0;
	uint64_t mism = 0, reads = 0, writes = 0, t_end, tail_at;
	uint64_t qd_sum = 0, qd_samples = 0;
	pthread_t churn, reset, flip, fault;
	bool kmemleak, faults;
	char bdf[64], newdev[64], mode[32] = "-";
	int opt, i, ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "d:o:t:C:R:x:m:h")) != -1) {
		switch (opt) {
		case 'd': dev_path = optarg; break;
		case 'o': dev_off = strtoull(optarg, NULL, 0) << 20; break;
		case 't': seconds = atoi(optarg); break;
		case 'C': min_cycles = atol(optarg); break;
		case 'R': min_resets = atol(optarg); break;
		case 'x': expect_pm = strcmp(optarg, "none"); break;
		case 'm': snprintf(mode, sizeof(mode), "%s", optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (sscanf(strrchr(dev_path, '/') ? strrchr(dev_path, '/') + 1 :
		   dev_path, "nvme%dn", &i) != 1) {
		usage(stderr);
		return 2;
	}
	snprintf(ctrl, sizeof(ctrl), "nvme%d", i);
	if (seconds < 10)
		seconds = 10;

	t_start = now_ms();
	hp0 = keyed("/proc/meminfo", "HugePages_Free");
	hp_total0 = keyed("/proc/meminfo", "HugePages_Total");
	pins0 = pins();
	mlock0 = keyed("/proc/vmstat", "nr_mlock");
	kmemleak = !write_file(KMEMLEAK, "scan") && !write_file(KMEMLEAK, "clear");
	say("# %s (%s), %d s, kmemleak %s, HugePages_Free %lld, pins %lld\n",
	    dev_path, ctrl, seconds, kmemleak ? "on" : "off", hp0, pins0);
	if (!kmemleak)
		fail("kmemleak is not running (CONFIG_DEBUG_KMEMLEAK, boot with kmemleak=on)");
	faults = expect_pm;
	if (nfail || (faults && !faults_setup()))
		return 1;
	cap0 = pm_stat("create_fail_cap");
	map0 = pm_stat("create_fail_map");
	nomem0 = pm_stat("create_fail_nomem");
	c0 = pm_stat("created");
	ret0 = pm_stat("create_retries");
	fb = pm_stat("miss_failed");
	h0 = pm_stat("hits");

	dev_fd = open(dev_path, O_RDWR | O_DIRECT);
	if (dev_fd < 0) {
		fail("open %s: %s", dev_path, strerror(errno));
		return 1;
	}
	for (i = 0; i < NWORKERS; i++)
		if (setup_worker(&workers[i], i))
			return 1;
	for (i = 0; i < NWORKERS; i++)
		pthread_create(&workers[i].th, NULL, worker_fn, &workers[i]);
	pthread_create(&churn, NULL, churn_fn, NULL);
	pthread_create(&reset, NULL, reset_fn, NULL);
	pthread_create(&flip, NULL, switch_fn, NULL);
	if (faults)
		pthread_create(&fault, NULL, fault_fn, NULL);

	/* churn, resets, flips and faults; then a quiet tail of churn only */
	tail_at = t_start + seconds * 850ULL;
	t_end = t_start + seconds * 1000ULL;
	ST(churn_progress, now_ms());
	while (!LD(hung)) {
		uint64_t t = now_ms();

		if (churn_hung())
			break;
		if (t >= tail_at && !LD(stop_faults) &&
		    ((LD(resets) >= (uint64_t)min_resets &&
		      LD(cycles) >= (uint64_t)min_cycles) ||
		     t >= t_start + 2000ULL * seconds)) {
			ST(stop_faults, 1);
			pthread_join(reset, NULL);
			pthread_join(flip, NULL);
			if (faults)
				pthread_join(fault, NULL);
			if (faults) {
				if (!retry_probe())
					break;
			} else {
				set_file(PARAM_PREMAP, "Y");
			}
			/* the rest of the tail creates and hits on its own */
			tail_c0 = pm_stat("created");
			tail_h0 = pm_stat("hits");
			say("# quiet tail from %llu s: %llu cycles, %llu resets, %llu flips\n",
			    (unsigned long long)(now_ms() - t_start) / 1000,
			    (unsigned long long)cycles,
			    (unsigned long long)resets,
			    (unsigned long long)flips);
			t_end = now_ms() + seconds * 150ULL;
		}
		if (LD(stop_faults) && t >= t_end)
			break;
		sleep(1);
	}
	ST(stop_churn, 1);
	while (!LD(hung) && !LD(churn_done)) {
		churn_hung();
		usleep(100000);
	}
	if (LD(hung))
		goto report;
	pthread_join(churn, NULL);
	if (expect_pm) {
		if (pm_stat("created") <= tail_c0)
			fail("no premap created in the quiet tail");
		if (pm_stat("hits") <= tail_h0)
			fail("no premap hit in the quiet tail");
	}

	/* the device goes away under I/O, comes back, and keeps the data */
	ret = remove_device(bdf, sizeof(bdf));
	if (ret)
		fail("remove %s: %s", bdf, strerror(-ret));
	for (i = 0; i < NWORKERS; i++) {
		uint64_t t0 = now_ms();

		while (!LD(workers[i].done) && !LD(hung) &&
		       now_ms() - t0 < (HANG_S + 10) * 1000ULL)
			usleep(100000);
		if (!LD(workers[i].done)) {
			fail("thread %d did not finish after the removal", i);
			ST(hung, 1);
		}
	}
	if (LD(hung))
		goto report;
	ST(stop_io, 1);
	for (i = 0; i < NWORKERS; i++)
		pthread_join(workers[i].th, NULL);
	if (pm_stat("premaps_live"))
		fail("%lld premaps live after the removal, rings still up",
		     pm_stat("premaps_live"));
	for (i = 0; i < NWORKERS; i++)
		teardown_worker(&workers[i]);
	close(dev_fd);
	set_file("/sys/bus/pci/rescan", "1");
	if (find_namespace(bdf, newdev, sizeof(newdev)))
		read_back(newdev);
	else
		fail("no namespace of %s 30 s after the rescan", bdf);

report:
	for (i = 0; i < NWORKERS; i++) {
		struct worker *w = &workers[i];

		ops += w->ops;
		reads += w->reads;
		writes += w->writes;
		verified += w->bytes_verified;
		stale += w->stale;
		dev_errs += w->dev_errs;
		errors += w->errors;
		mism += w->mismatches;
		qd_sum += w->qd_sum;
		qd_samples += w->qd_samples;
	}
	verified += rb_bytes;
	if (faults)
		fail_map_arm(0);	/* collects what the tail left unused */
	fslab = faults ? fault_injected(0) : 0;
	fpage = faults ? fault_injected(1) : 0;
	cap1 = pm_stat("create_fail_cap") - cap0;
	inj = fail_map_written - fail_map_left + fslab + fpage + cap1;
	if (!LD(hung)) {
		/* what must be back where it started */
		static const char * const zero[] = {
			"premaps_live", "bytes_mapped", "prp_pages",
			"bufs_registered",
		};
		int t;

		/* rings are released asynchronously: give them 10 s */
		for (t = 0; t < 100 && (pm_stat("premaps_live") ||
					pm_stat("bufs_registered") ||
					pins() != pins0 ||
					keyed("/proc/meminfo", "HugePages_Free") != hp0);
		     t++)
			usleep(100000);
		for (i = 0; i < 4; i++)
			if (pm_stat(zero[i])) {
				fail("%s %lld after the run", zero[i],
				     pm_stat(zero[i]));
				leaks++;
			}
		if (keyed("/proc/meminfo", "HugePages_Free") != hp0 ||
		    keyed("/proc/meminfo", "HugePages_Total") != hp_total0) {
			fail("HugePages_Free %lld (was %lld)",
			     keyed("/proc/meminfo", "HugePages_Free"), hp0);
			leaks++;
		}
		if (pins() != pins0) {
			fail("%lld page pins not released", pins() - pins0);
			leaks++;
		}
		if (keyed("/proc/vmstat", "nr_mlock") != mlock0) {
			fail("nr_mlock %lld (was %lld)",
			     keyed("/proc/vmstat", "nr_mlock"), mlock0);
			leaks++;
		}
		if (kmemleak) {
			/* kmemleak reports objects at least 5 s old */
			sleep(6);
			kml = kmemleak_scan();
			if (kml) {
				fail("kmemleak: %lld unreferenced objects%s", kml,
				     kml < 0 ? " (kmemleak stopped)" : "");
				leaks += kml < 0 ? 1 : kml;
			}
		}
	}
	if (mism)
		fail("%llu data mismatches", (unsigned long long)mism);
	if (errors)
		fail("%llu I/O errors not caused by a reset or the removal",
		     (unsigned long long)errors);
	if (c_errors)
		fail("%llu registration calls failed", (unsigned long long)c_errors);
	if (cycles < (uint64_t)min_cycles)
		fail("%llu churn cycles, wanted %ld", (unsigned long long)cycles,
		     min_cycles);
	if (resets < (uint64_t)min_resets)
		fail("%llu controller resets, wanted %ld",
		     (unsigned long long)resets, min_resets);
	if (faults && !inj)
		fail("no fault was injected");
	if (faults && fslab + fpage == 0)
		fail("failslab/fail_page_alloc never fired in the creation work");
	if (!expect_pm && (pm_stat("created") != c0 || pm_stat("hits") != h0))
		fail("premaps made or hit where none may be (created %lld, hits %lld)",
		     pm_stat("created") - c0, pm_stat("hits") - h0);
	rep = kernel_reports();
	if (rep)
		fail("%lld kernel reports", rep);

	say("stress: ops %llu (reads %llu, writes %llu)\n",
	    (unsigned long long)ops, (unsigned long long)reads,
	    (unsigned long long)writes);
	say("stress: mean requests in flight per ring %.1f (of %d)\n",
	    qd_samples ? (double)qd_sum / qd_samples / NRINGS : 0.0, QD);
	say("stress: bytes_verified %llu (read-back %llu, blocks unknown %llu)\n",
	    (unsigned long long)verified, (unsigned long long)rb_bytes,
	    (unsigned long long)rb_unknown);
	say("stress: churn_cycles %llu (update %llu, empty %llu, clone %llu, reregister %llu)\n",
	    (unsigned long long)cycles, (unsigned long long)c_update,
	    (unsigned long long)c_empty, (unsigned long long)c_clone,
	    (unsigned long long)c_rereg);
	say("stress: churn ms total/max: update %llu/%llu empty %llu/%llu clone %llu/%llu reregister %llu/%llu\n",
	    (unsigned long long)c_ms[0], (unsigned long long)c_max_ms[0],
	    (unsigned long long)c_ms[1], (unsigned long long)c_max_ms[1],
	    (unsigned long long)c_ms[2], (unsigned long long)c_max_ms[2],
	    (unsigned long long)c_ms[3], (unsigned long long)c_max_ms[3]);
	say("stress: buffers 4k %llu hugetlb %llu thp %llu (thp-backed %llu, hugetlb fell back to 4k %llu, replaced in the pool %llu)\n",
	    (unsigned long long)mem_allocs[M_4K],
	    (unsigned long long)mem_allocs[M_HUGETLB],
	    (unsigned long long)mem_allocs[M_THP],
	    (unsigned long long)thp_backed, (unsigned long long)hugetlb_short,
	    (unsigned long long)c_realloc);
	say("stress: resets %llu (refused busy %llu) switch_flips %llu\n",
	    (unsigned long long)resets, (unsigned long long)reset_fails,
	    (unsigned long long)flips);
	say("stress: faults %lld (fail_map %llu failslab %lld fail_page_alloc %lld cap %lld)\n",
	    inj, (unsigned long long)(fail_map_written - fail_map_left), fslab,
	    fpage, cap1);
	say("stress: refusals map %lld nomem %lld cap %lld, retries %lld, fallbacks %lld, created %lld\n",
	    pm_stat("create_fail_map") - map0,
	    pm_stat("create_fail_nomem") - nomem0, cap1,
	    pm_stat("create_retries") - ret0, pm_stat("miss_failed") - fb,
	    pm_stat("created") - c0);
	say("stress: stale %llu device_errors %llu errors %llu mismatches %llu\n",
	    (unsigned long long)stale, (unsigned long long)dev_errs,
	    (unsigned long long)errors, (unsigned long long)mism);
	say("@@STRESS-ROW mode=%s ops=%llu verified_mib=%llu resets=%llu cycles=%llu "
	    "flips=%llu faults=%lld fallbacks=%lld dev_errors=%llu leaks=%lld "
	    "reports=%lld wall_s=%llu result=%s\n",
	    mode, (unsigned long long)ops,
	    (unsigned long long)(verified >> 20), (unsigned long long)resets,
	    (unsigned long long)cycles, (unsigned long long)flips, inj,
	    pm_stat("miss_failed") - fb, (unsigned long long)dev_errs, leaks,
	    rep, (unsigned long long)(now_ms() - t_start) / 1000,
	    nfail ? "FAIL" : "pass");
	if (LD(hung))
		_exit(1);	/* a ring with a request stuck cannot be closed */
	return nfail ? 1 : 0;
}
