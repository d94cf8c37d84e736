// SPDX-License-Identifier: GPL-2.0
/*
 * premap-test - guest-side checks of the premap cache (block/blk-premap.c)
 *
 * A buffer registered with io_uring and used with READ_FIXED/WRITE_FIXED on
 * an NVMe device gets DMA-mapped long-term for that device (asynchronously,
 * after the first request misses). Every test moves data through registered
 * 2M-hugetlb buffers and checks every byte read back against a pattern of
 * (device offset, per-write seed), plus a guard page either side of the
 * buffer range, so stale, misplaced or missing DMA is caught. Counters come
 * from /sys/kernel/debug/blk_premap. With -x premap the cache must be active
 * (IOMMU off/strict), with -x none it must stay unused (no hits, no premaps).
 *
 *  basic          I/O at page/odd-page/folio-crossing buffer offsets and
 *                 4K..2M+4K lengths is correct through premaps; they are
 *                 created and hit, and unregistering tears them all down.
 *  update         replacing a registered buffer (BUFFERS_UPDATE) destroys
 *                 its premap, and the new buffer in the same slot is not
 *                 served from the old mapping.
 *  exit-inflight  a ring exiting with 64 reads in flight releases every
 *                 premap only after they finish, and the data is intact.
 *  reset          a controller reset keeps the device's premaps (none
 *                 destroyed or created); I/O on the buffers keeps working,
 *                 byte-exact, and hits the same premaps.
 *  remove         hot-removal of the PCI device invalidates its premaps
 *                 while a ring still holds the buffer; later fixed I/O fails
 *                 (or reads EOF) instead of hanging or transferring data.
 *                 Destructive: must be the last test.
 *  needsync       under swiotlb=force no premap is made (create_fail_need_sync)
 *                 and bounced I/O stays correct.
 *  off            with nvme.premap=N nothing is premapped (miss_disabled).
 *  switch         nvme.premap switched off and on 4 times while another
 *                 process keeps 32 fixed-buffer reads in flight: each off
 *                 returns with no premap left (invalidated counted), every
 *                 read is byte-exact, and each on premaps and hits anew.
 *  cap            a creation refused by the cap (premap_max_mb 0) is
 *                 retried once the cap is restored and its back-off passed,
 *                 and then hit, byte-exact.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include "premap-guest.h"
#include <libgen.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define STATS_PATH	"/sys/kernel/debug/blk_premap"
#define PARAM_PREMAP	"/sys/module/nvme/parameters/premap"
#define PARAM_MAX_MB	"/sys/module/nvme/parameters/premap_max_mb"
#define NR_HUGEPAGES	"/proc/sys/vm/nr_hugepages"
#define HUGE_SZ		(2UL << 20)
#define BUF_SZ		(8UL << 20)	/* per buffer: four 2M folios */
#define SLOT_SZ		(4UL << 20)	/* device space per I/O case */
#define QD		64
#define POLL_MS		5000
#define MAX_STATS	64
#define POISON		0x5a

static const char *dev_path = "/dev/nvme0n1";
static unsigned long long reg_off, reg_size = 64ULL << 20;
static bool expect_pm = true;
static uint64_t seed, gen;
static int dev_fd = -1;
static char ctrl[64];

static int nfail;		/* failures in the running test */
static char detail[256];	/* the first one */

static void fail(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("# FAIL: %s\n", msg);
	if (!nfail++)
		snprintf(detail, sizeof(detail), "%s", msg);
}

static const char *errstr(int ret)
{
	static char b[64];

	if (ret < 0)
		return strerror(-ret);
	snprintf(b, sizeof(b), "short transfer of %d bytes", ret);
	return b;
}

/* ---- files and counters ---- */

/* write_file(), a failure of the test if it fails */
static int set_file(const char *path, const char *val)
{
	int ret = write_file(path, val);

	if (ret)
		fail("write %s to %s: %s", val, path, strerror(-ret));
	return ret;
}

struct stats {
	int n;
	char name[MAX_STATS][40];
	long long val[MAX_STATS];
};

static void snap(struct stats *st)
{
	static bool mounted, warned;
	char line[128];
	FILE *f;

	st->n = 0;
	f = fopen(STATS_PATH, "r");
	if (!f && errno == ENOENT && !mounted) {
		mounted = true;
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
		f = fopen(STATS_PATH, "r");
	}
	if (!f) {
		if (!warned)
			fail("cannot read %s: %s", STATS_PATH, strerror(errno));
		warned = true;
		return;
	}
	while (st->n < MAX_STATS && fgets(line, sizeof(line), f))
		if (sscanf(line, "%39s %lld", st->name[st->n],
			   &st->val[st->n]) == 2)
			st->n++;
	fclose(f);
}

/* counter @name of @st; a missing one is 0, with a warning (once) */
static long long sv(const struct stats *st, const char *name)
{
	static char warned[1024] = " ";
	char key[48];
	int i;

	for (i = 0; i < st->n; i++)
		if (!strcmp(st->name[i], name))
			return st->val[i];
	snprintf(key, sizeof(key), "%s ", name);
	if (st->n && !strstr(warned, key) &&
	    strlen(warned) + strlen(key) < sizeof(warned)) {
		printf("# warning: counter %s missing, taken as 0\n", name);
		strcat(warned, key);
	}
	return 0;
}

/* change of counter @name from @a to @b */
static long long dv(const struct stats *a, const struct stats *b,
		    const char *name)
{
	return sv(b, name) - sv(a, name);
}

/* poll until counter @name is >= (op 'g'), > ('>') or == ('=') @v */
static bool wait_ctr(const char *name, char op, long long v, int ms,
		     long long *out)
{
	struct stats st;
	long long x;
	bool ok;
	int t;

	for (t = 0;; t += 50) {
		snap(&st);
		x = sv(&st, name);
		ok = op == '=' ? x == v : op == '>' ? x > v : x >= v;
		if (ok || t >= ms)
			break;
		usleep(50000);
	}
	if (out)
		*out = x;
	return ok;
}

static void want_ctr(const char *name, char op, long long v, int ms)
{
	long long x;

	if (!wait_ctr(name, op, v, ms, &x))
		fail("%s is %lld, expected %s %lld (waited %d ms)", name, x,
		     op == '=' ? "==" : op == '>' ? ">" : ">=", v, ms);
}

/* premaps, their bytes and the registered buffers back to @b */
static void want_baseline(const struct stats *b, int ms)
{
	static const char * const names[] = {
		"premaps_live", "bytes_mapped", "bufs_registered",
	};
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		want_ctr(names[i], '=', sv(b, names[i]), ms);
}

/* @pm: hits rose from @s1 to @s2; else no hits and no premaps since @b */
static void want_hits(const struct stats *b, const struct stats *s1,
		      const struct stats *s2, bool pm)
{
	if (pm && dv(s1, s2, "hits") <= 0)
		fail("hits did not increase (%lld) once premapped",
		     sv(s2, "hits"));
	if (!pm && dv(b, s2, "hits"))
		fail("hits changed by %lld", dv(b, s2, "hits"));
	if (!pm && dv(b, s2, "premaps_live"))
		fail("premaps_live changed by %lld",
		     dv(b, s2, "premaps_live"));
}

static void print_delta(const struct stats *b, const struct stats *e)
{
	int i;

	for (i = 0; i < e->n; i++)
		if (e->val[i] != sv(b, e->name[i]))
			printf("# %s %lld -> %lld\n", e->name[i],
			       sv(b, e->name[i]), e->val[i]);
}

/* ---- buffers, rings, I/O ---- */

struct t {
	struct io_uring ring;
	bool up, reg, hung;
	char *b[3];		/* the buffers of slots 0..2 */
};

static char *buf_alloc(void)
{
	static bool raised;
	char cur[32], want[32];
	void *p;
	long n;

	for (;;) {
		p = mmap(NULL, BUF_SZ, PROT_READ | PROT_WRITE, MAP_PRIVATE |
			 MAP_ANONYMOUS | MAP_HUGETLB | MAP_POPULATE, -1, 0);
		if (p != MAP_FAILED)
			return p;
		if (raised)
			break;
		raised = true;
		n = read_file(NR_HUGEPAGES, cur, sizeof(cur)) ? 0 : atol(cur);
		snprintf(want, sizeof(want), "%ld", n < 64 ? 64 : n + 16);
		printf("# hugetlb mmap failed (%s), nr_hugepages %ld -> %s\n",
		       strerror(errno), n, want);
		write_file(NR_HUGEPAGES, want);
	}
	fail("cannot mmap %lu MiB of 2M hugetlb pages: %s (raise %s)",
	     BUF_SZ >> 20, strerror(errno), NR_HUGEPAGES);
	return NULL;
}

static void buf_free(char **p)
{
	if (*p)
		munmap(*p, BUF_SZ);
	*p = NULL;
}

/* @n buffers registered as slots 0..n-1 of a new ring */
static int setup(struct t *t, int n)
{
	struct iovec iov[3];
	int i, ret;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < n; i++) {
		t->b[i] = iov[i].iov_base = buf_alloc();
		iov[i].iov_len = BUF_SZ;
		if (!t->b[i])
			return -1;
	}
	ret = io_uring_queue_init(QD, &t->ring, 0);
	t->up = !ret;
	if (!ret)
		ret = io_uring_register_buffers(&t->ring, iov, n);
	t->reg = !ret;
	if (ret)
		fail("io_uring setup: %s", strerror(-ret));
	return ret;
}

static void teardown(struct t *t)
{
	int i, ret;

	if (t->hung)	/* a request never completed: do not wait on it */
		return;
	if (t->reg) {
		ret = io_uring_unregister_buffers(&t->ring);
		if (ret)
			fail("io_uring_unregister_buffers: %s",
			     strerror(-ret));
	}
	if (t->up)
		io_uring_queue_exit(&t->ring);
	t->reg = t->up = false;
	for (i = 0; i < 3; i++)
		buf_free(&t->b[i]);
}

/*
 * One fixed-buffer request, waited for @tmo s: cqe->res, or -ETIME. With
 * @retry (right after a reset) -EIO and -EAGAIN are retried 3 times.
 */
static int io1(struct t *t, bool wr, int slot, char *p, size_t len,
	       uint64_t doff, int tmo, bool retry)
{
	struct __kernel_timespec ts = { .tv_sec = tmo };
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	int i, ret;

	for (i = 0;; i++) {
		sqe = io_uring_get_sqe(&t->ring);
		if (!sqe)
			return -EBUSY;
		if (wr)
			io_uring_prep_write_fixed(sqe, dev_fd, p, len, doff,
						  slot);
		else
			io_uring_prep_read_fixed(sqe, dev_fd, p, len, doff,
						 slot);
		ret = io_uring_submit(&t->ring);
		if (ret < 0)
			return ret;
		ret = io_uring_wait_cqe_timeout(&t->ring, &cqe, &ts);
		if (ret) {
			t->hung = ret == -ETIME;
			return ret;
		}
		ret = cqe->res;
		io_uring_cqe_seen(&t->ring, cqe);
		if (!retry || i == 3 || (ret != -EIO && ret != -EAGAIN))
			return ret;
		printf("# %s at %llu: %s, retrying\n", wr ? "write" : "read",
		       (unsigned long long)doff, strerror(-ret));
		usleep(100000);
	}
}

/*
 * Write a fresh pattern from @boff of slot @slot, poison the range and a
 * guard page either side, read it back: the data must match, the guard
 * pages must be untouched.
 */
static int wv(struct t *t, int slot, size_t boff, size_t len, uint64_t doff,
	      bool retry)
{
	char *b = t->b[slot], *p = b + boff;
	size_t lo = boff >= 4096 ? boff - 4096 : 0;
	size_t hi = boff + len + 4096 <= BUF_SZ ? boff + len + 4096 : BUF_SZ;
	uint64_t s = seed + ++gen;
	long bad;
	size_t o;
	int ret;

	fill(p, doff, len, s);
	ret = io1(t, true, slot, p, len, doff, 30, retry);
	if (ret == (int)len) {
		memset(b + lo, POISON, hi - lo);
		ret = io1(t, false, slot, p, len, doff, 30, retry);
	}
	if (ret != (int)len) {
		fail("fixed I/O slot %d boff %zu len %zu dev %llu: %s", slot,
		     boff, len, (unsigned long long)doff, errstr(ret));
		return -1;
	}
	bad = verify(p, doff, len, s);
	for (o = lo; bad < 0 && o < hi; o++)
		if ((o < boff || o >= boff + len) && b[o] != POISON)
			break;
	if (bad < 0 && o == hi)
		return 0;
	if (bad >= 0)
		fail("mismatch: slot %d boff %zu len %zu dev %llu: first bad byte at dev offset %llu",
		     slot, boff, len, (unsigned long long)doff,
		     (unsigned long long)doff + bad);
	else
		fail("read slot %d boff %zu len %zu dev %llu wrote buf offset %zu outside it",
		     slot, boff, len, (unsigned long long)doff, o);
	return -1;
}

/* buffer offset and length of each I/O: pages, odd pages, folio crossings */
static const struct { size_t boff, len; } cases[] = {
	{ 0, 4096 },
	{ 4096, 8192 },
	{ 513 * 4096, 128 << 10 },		/* odd page in folio 1 */
	{ HUGE_SZ - 4096, 8192 },		/* crosses folio 0/1 */
	{ 2 * HUGE_SZ - (64 << 10), 128 << 10 },	/* crosses 1/2 */
	{ 3 * HUGE_SZ - (512 << 10), 1 << 20 },	/* crosses 2/3 */
	{ 7 * 4096, HUGE_SZ + 4096 },		/* crosses 0/1 */
	{ HUGE_SZ - 4096, HUGE_SZ + 4096 },	/* crosses 0/1, ends on 2 */
	{ 3 * HUGE_SZ - 3 * 4096, HUGE_SZ + 4096 },	/* crosses 2/3 */
	{ BUF_SZ - 4096, 4096 },		/* last page */
};
#define NR_CASES (sizeof(cases) / sizeof(cases[0]))

/* every case through slots 0..@nslots-1: 2 I/Os each */
static int io_round(struct t *t, int nslots, bool retry)
{
	static unsigned int k;
	unsigned int nr_dev = reg_size / SLOT_SZ, s, c;
	uint64_t doff;

	for (s = 0; s < (unsigned int)nslots; s++)
		for (c = 0; c < NR_CASES; c++, k++) {
			doff = reg_off + (k % nr_dev) * SLOT_SZ +
			       (k % 7) * 4096;
			if (wv(t, s, cases[c].boff, cases[c].len, doff, retry))
				return -1;
		}
	return 0;
}

/* with -x premap: wait for @n premaps more than in @b */
static void wait_premaps(const struct stats *b, int n)
{
	if (expect_pm)
		want_ctr("premaps_live", 'g', sv(b, "premaps_live") + n,
			 POLL_MS);
}

/*
 * A round that creates premaps for @n slots (misses), then one that must hit
 * them; with -x none neither may hit.
 */
static int prove(struct t *t, const struct stats *b, int n, bool retry)
{
	struct stats s1, s2;

	if (io_round(t, n, retry))
		return -1;
	wait_premaps(b, n);
	snap(&s1);
	if (io_round(t, n, false))
		return -1;
	snap(&s2);
	want_hits(b, &s1, &s2, expect_pm);
	return 0;
}

/* the whole buffer of slot 0 to/from reg_off, in 2M requests */
static int io_whole(struct t *t, bool wr)
{
	size_t i;
	int ret;

	for (i = 0; i < BUF_SZ; i += HUGE_SZ) {
		ret = io1(t, wr, 0, t->b[0] + i, HUGE_SZ, reg_off + i, 30,
			  false);
		if (ret != (int)HUGE_SZ) {
			fail("%s of 2M at %llu: %s", wr ? "write" : "read",
			     reg_off + i, errstr(ret));
			return -1;
		}
	}
	return 0;
}

/* ---- tests ---- */

/*
 * Print what the controller's premaps hold (debugfs blk_premap_devs/<pci
 * device>): bytes mapped, descriptor pages, other kernel memory, per 4 KiB.
 */
static void print_footprint(void)
{
	char path[160], link[256], line[128];
	FILE *f;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/class/nvme/%s/device", ctrl);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return;
	link[n] = 0;
	snprintf(path, sizeof(path), "/sys/kernel/debug/blk_premap_devs/%s",
		 basename(link));
	f = fopen(path, "r");
	if (!f) {
		fail("%s: %s", path, strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f))
		printf("# footprint %s", line);
	fclose(f);
}

static void t_basic(const struct stats *b)
{
	struct t t;

	if (setup(&t, 2) || prove(&t, b, 2, false))
		goto out;
	print_footprint();
	teardown(&t);
	want_baseline(b, POLL_MS);
	if (expect_pm)
		want_ctr("destroyed", 'g', sv(b, "destroyed") + 2, 0);
out:
	teardown(&t);
}

static void t_update(const struct stats *b)
{
	struct stats s1;
	struct iovec iov;
	struct t t;
	int ret;

	if (setup(&t, 2) || io_round(&t, 2, false))
		goto out;
	wait_premaps(b, 2);
	snap(&s1);
	t.b[2] = iov.iov_base = buf_alloc();
	iov.iov_len = BUF_SZ;
	if (!t.b[2])
		goto out;
	ret = io_uring_register_buffers_update_tag(&t.ring, 0, &iov, NULL, 1);
	if (ret != 1) {
		fail("io_uring_register_buffers_update_tag: %s", errstr(ret));
		goto out;
	}
	buf_free(&t.b[0]);
	t.b[0] = t.b[2];
	t.b[2] = NULL;
	if (expect_pm) {
		want_ctr("destroyed", '>', sv(&s1, "destroyed"), POLL_MS);
		want_ctr("premaps_live", '=', sv(b, "premaps_live") + 1,
			 POLL_MS);
	}
	want_ctr("bufs_registered", '=', sv(b, "bufs_registered") + 2,
		 POLL_MS);
	if (prove(&t, b, 2, false))
		goto out;
	teardown(&t);
	want_baseline(b, POLL_MS);
out:
	teardown(&t);
}

static void t_exit_inflight(const struct stats *b)
{
	const size_t rlen = 128 << 10;
	struct io_uring_sqe *sqe;
	uint64_t s = seed + ++gen;
	struct t t;
	long bad;
	int i, ret;

	if (setup(&t, 1))
		goto out;
	fill(t.b[0], reg_off, BUF_SZ, s);
	if (io_whole(&t, true))
		goto out;
	wait_premaps(b, 1);
	for (i = 0; i < QD && (sqe = io_uring_get_sqe(&t.ring)); i++)
		io_uring_prep_read_fixed(sqe, dev_fd, t.b[0] + i * rlen, rlen,
					 reg_off + i * rlen, 0);
	ret = io_uring_submit(&t.ring);
	printf("# submitted %d reads of %zu bytes, exiting the ring\n", ret,
	       rlen);
	if (ret != QD)
		fail("io_uring_submit of %d reads: %s", QD, errstr(ret));
	io_uring_queue_exit(&t.ring);
	t.up = t.reg = false;
	buf_free(&t.b[0]);
	want_baseline(b, 4 * POLL_MS);
	if (expect_pm)
		want_ctr("destroyed", '>', sv(b, "destroyed"), 0);

	if (setup(&t, 1))
		goto out;
	memset(t.b[0], POISON, BUF_SZ);
	if (io_whole(&t, false))
		goto out;
	bad = verify(t.b[0], reg_off, BUF_SZ, s);
	if (bad >= 0)
		fail("mismatch after ring exit: first bad byte at dev offset %llu",
		     reg_off + bad);
	teardown(&t);
	want_baseline(b, POLL_MS);
out:
	teardown(&t);
}

static void t_reset(const struct stats *b)
{
	char path[128], state[32] = "";
	struct stats s1;
	struct t t;
	int ms;

	if (setup(&t, 2) || io_round(&t, 2, false))
		goto out;
	wait_premaps(b, 2);
	snap(&s1);
	snprintf(path, sizeof(path), "/sys/class/nvme/%s/reset_controller",
		 ctrl);
	if (set_file(path, "1"))
		goto out;
	snprintf(path, sizeof(path), "/sys/class/nvme/%s/state", ctrl);
	for (ms = 0; ms <= 30000; ms += 50) {
		if (!read_file(path, state, sizeof(state)) &&
		    !strcmp(state, "live"))
			break;
		usleep(50000);
	}
	printf("# %s: \"%s\" after %d ms\n", path, state, ms);
	if (strcmp(state, "live")) {
		fail("%s not live 30 s after reset: %s", ctrl, state);
		goto out;
	}
	/*
	 * A reset changes neither the mappings nor the PRP lists: both
	 * premaps survive it, and the reads after it hit them, byte-exact,
	 * without a new creation.
	 */
	if (expect_pm) {
		want_ctr("invalidated", '=', sv(&s1, "invalidated"), 0);
		want_ctr("destroyed", '=', sv(&s1, "destroyed"), 0);
		want_ctr("premaps_live", '=', sv(&s1, "premaps_live"), 0);
	}
	if (prove(&t, b, 2, true))
		goto out;
	if (expect_pm)
		want_ctr("created", '=', sv(&s1, "created"), 0);
	teardown(&t);
	want_baseline(b, POLL_MS);
out:
	teardown(&t);
}

static void t_remove(const struct stats *b)
{
	char path[128], link[256], *bdf;
	struct stats s1;
	struct t t;
	ssize_t n;
	int i, ret;

	if (setup(&t, 1) || io_round(&t, 1, false))
		goto out;
	wait_premaps(b, 1);
	snap(&s1);
	snprintf(path, sizeof(path), "/sys/class/nvme/%s/device", ctrl);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0) {
		fail("readlink %s: %s", path, strerror(errno));
		goto out;
	}
	link[n] = 0;
	bdf = basename(link);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/remove", bdf);
	printf("# removing PCI device %s with the buffer registered\n", bdf);
	if (set_file(path, "1"))
		goto out;
	want_ctr("premaps_live", '=', sv(b, "premaps_live"), POLL_MS);
	if (expect_pm)
		want_ctr("invalidated", '>', sv(&s1, "invalidated"), 0);
	/* capacity is 0 once removed: a read may see EOF, a write ENOSPC */
	for (i = 0; i < 2; i++) {
		ret = io1(&t, i, 0, t.b[0], 128 << 10, reg_off, 10, false);
		printf("# fixed %s after removal: %d (%s)\n",
		       i ? "write" : "read", ret,
		       ret < 0 ? strerror(-ret) : "bytes");
		if (ret == -ETIME) {
			fail("fixed %s after removal did not complete in 10 s",
			     i ? "write" : "read");
			goto out;
		}
		if (ret > 0)
			fail("fixed %s after removal transferred %d bytes",
			     i ? "write" : "read", ret);
	}
	teardown(&t);
	want_baseline(b, POLL_MS);
out:
	teardown(&t);
}

static void t_needsync(const struct stats *b)
{
	struct stats s;
	struct t t;

	if (setup(&t, 2) || io_round(&t, 2, false))
		goto out;
	wait_ctr("create_fail_need_sync", '>',
		 sv(b, "create_fail_need_sync"), POLL_MS, NULL);
	if (io_round(&t, 2, false))
		goto out;
	snap(&s);
	want_hits(b, b, &s, false);
	if (dv(b, &s, "create_fail_need_sync") <= 0)
		fail("create_fail_need_sync did not increase: miss_new %+lld created %+lld miss_failed %+lld miss_disabled %+lld create_fail_map %+lld",
		     dv(b, &s, "miss_new"), dv(b, &s, "created"),
		     dv(b, &s, "miss_failed"), dv(b, &s, "miss_disabled"),
		     dv(b, &s, "create_fail_map"));
	teardown(&t);
	want_baseline(b, POLL_MS);
out:
	teardown(&t);
}

static void t_off(const struct stats *b)
{
	char old[16];
	struct stats s;
	struct t t;

	if (read_file(PARAM_PREMAP, old, sizeof(old)) ||
	    set_file(PARAM_PREMAP, "N")) {
		fail("cannot switch %s off", PARAM_PREMAP);
		return;
	}
	if (setup(&t, 2) || io_round(&t, 2, false) || io_round(&t, 2, false))
		goto out;
	snap(&s);
	want_hits(b, b, &s, false);
	if (dv(b, &s, "miss_disabled") <= 0)
		fail("miss_disabled did not increase");
	teardown(&t);
	want_baseline(b, POLL_MS);
out:
	teardown(&t);
	set_file(PARAM_PREMAP, old);
}

/*
 * The reader of t_switch(), in a child process with its own ring and
 * buffer: rounds of fixed-buffer reads of 128K over the pattern @s until
 * @stop_fd is readable, each round checked byte for byte. A round reads
 * every other 128K chunk (the even ones, then the odd ones), so that no
 * two reads are merged into one request: merged requests are not premapped.
 * Exit status 0 if every read was complete and correct; prints what went
 * wrong.
 */
static int switch_reader(uint64_t s, int stop_fd)
{
	const size_t rlen = 128 << 10;
	const int nr = BUF_SZ / rlen / 2;
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	unsigned long rounds = 0;
	struct t t;
	size_t o;
	long bad;
	int i, ret;
	char c;

	if (setup(&t, 1))
		return 1;
	while (read(stop_fd, &c, 1) < 0 && errno == EAGAIN) {
		memset(t.b[0], POISON, BUF_SZ);
		for (i = 0; i < nr && (sqe = io_uring_get_sqe(&t.ring)); i++) {
			o = (2 * i + (rounds & 1)) * rlen;
			io_uring_prep_read_fixed(sqe, dev_fd, t.b[0] + o, rlen,
						 reg_off + o, 0);
		}
		ret = io_uring_submit(&t.ring);
		if (ret != nr) {
			printf("# reader: submit: %s\n", errstr(ret));
			return 1;
		}
		for (i = 0; i < nr; i++) {
			ret = io_uring_wait_cqe(&t.ring, &cqe);
			if (ret || cqe->res != (int)rlen) {
				printf("# reader: read: %s\n",
				       errstr(ret ?: cqe->res));
				return 1;
			}
			io_uring_cqe_seen(&t.ring, cqe);
		}
		for (i = 0; i < nr; i++) {
			o = (2 * i + (rounds & 1)) * rlen;
			bad = verify(t.b[0] + o, reg_off + o, rlen, s);
			if (bad >= 0) {
				printf("# reader: round %lu: first bad byte at dev offset %llu\n",
				       rounds, reg_off + o + bad);
				return 1;
			}
		}
		rounds++;
	}
	teardown(&t);
	printf("# reader: %lu rounds of %d reads, all byte-exact\n", rounds,
	       nr);
	return rounds ? 0 : 1;
}

/*
 * Switch the cache off and on 4 times while another process keeps 32
 * fixed-buffer reads in flight on a premapped buffer. Each switch off
 * returns only once every premap is gone (it waits for the reads that
 * used one); every read completes byte-exact across the switches, and the
 * reader's buffer is premapped and hit again after each switch on.
 */
static void t_switch(const struct stats *b)
{
	uint64_t s = seed + ++gen;
	char old[16] = "Y";
	int pfd[2], status, k;
	struct stats s1, s2;
	pid_t pid;
	struct t t;

	if (read_file(PARAM_PREMAP, old, sizeof(old))) {
		fail("cannot read %s", PARAM_PREMAP);
		return;
	}
	if (setup(&t, 1))
		goto out;
	fill(t.b[0], reg_off, BUF_SZ, s);
	if (io_whole(&t, true))
		goto out;
	teardown(&t);
	if (pipe2(pfd, O_NONBLOCK)) {
		fail("pipe2: %s", strerror(errno));
		goto out;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		fail("fork: %s", strerror(errno));
		goto out;
	}
	if (!pid) {
		close(pfd[1]);
		_exit(switch_reader(s, pfd[0]));
	}
	close(pfd[0]);
	for (k = 0; k < 4 && !nfail; k++) {
		/* premapped and hit while on */
		wait_premaps(b, 1);
		snap(&s1);
		usleep(200000);
		snap(&s2);
		want_hits(b, &s1, &s2, expect_pm);
		if (set_file(PARAM_PREMAP, "N"))
			break;
		/* returned: nothing is premapped any more, reads go on */
		want_ctr("premaps_live", '=', sv(b, "premaps_live"), 0);
		usleep(200000);
		if (set_file(PARAM_PREMAP, "Y"))
			break;
	}
	snap(&s2);
	printf("# %d switches off and on; invalidated +%lld, miss_disabled +%lld\n",
	       k, dv(b, &s2, "invalidated"), dv(b, &s2, "miss_disabled"));
	if (expect_pm && dv(b, &s2, "invalidated") < k)
		fail("invalidated +%lld after %d switches off",
		     dv(b, &s2, "invalidated"), k);
	close(pfd[1]);		/* stop the reader */
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		fail("the reader failed (status %#x)", status);
	want_baseline(b, POLL_MS);
out:
	teardown(&t);
	set_file(PARAM_PREMAP, old);
}

/*
 * A creation the cap refused is retried once the cap has room: with
 * premap_max_mb 0 the first reads are refused (create_fail_cap) and fall
 * back; with the cap restored, reads after the back-off (1 s) queue the
 * creation again, it succeeds and the byte-checked reads after it hit.
 */
static void t_cap(const struct stats *b)
{
	char old[16];
	struct stats s1;
	struct t t;
	int ms;

	if (read_file(PARAM_MAX_MB, old, sizeof(old)) ||
	    set_file(PARAM_MAX_MB, "0")) {
		fail("cannot set %s to 0", PARAM_MAX_MB);
		return;
	}
	if (setup(&t, 1) || io_round(&t, 1, false))
		goto out;
	want_ctr("create_fail_cap", '>', sv(b, "create_fail_cap"), POLL_MS);
	snap(&s1);
	want_hits(b, b, &s1, false);
	if (set_file(PARAM_MAX_MB, old))
		goto out;
	for (ms = 0; ms < 4 * POLL_MS; ms += 200) {
		if (io_round(&t, 1, false))
			goto out;
		if (wait_ctr("premaps_live", '>', sv(b, "premaps_live"), 200,
			     NULL))
			break;
	}
	printf("# premapped %d ms after the cap was restored\n", ms);
	want_ctr("create_retries", '>', sv(&s1, "create_retries"), 0);
	if (prove(&t, b, 1, false))
		goto out;
	teardown(&t);
	want_baseline(b, POLL_MS);
out:
	teardown(&t);
	set_file(PARAM_MAX_MB, old);
}

static const struct {
	const char *name;
	void (*fn)(const struct stats *b);
} tests[] = {
	{ "basic", t_basic },
	{ "update", t_update },
	{ "exit-inflight", t_exit_inflight },
	{ "reset", t_reset },
	{ "remove", t_remove },
	{ "needsync", t_needsync },
	{ "off", t_off },
	{ "switch", t_switch },
	{ "cap", t_cap },
};
#define NR_TESTS (int)(sizeof(tests) / sizeof(tests[0]))

static int find_test(const char *name)
{
	int i;

	for (i = 0; i < NR_TESTS && strcmp(name, tests[i].name); i++)
		;
	return i < NR_TESTS ? i : -1;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: premap-test [-d dev] [-o offset] [-s size] [-x premap|none] test...\n"
"  -d dev     NVMe namespace, opened O_RDWR|O_DIRECT (default /dev/nvme0n1)\n"
"  -o offset  start of the region the tests overwrite (default 0)\n"
"  -s size    its size, >= 8M (default 64M); K/M/G suffixes allowed\n"
"  -x expect  premap: the cache must be used (IOMMU off/strict, default)\n"
"             none: it must not be (no hits, no premaps)\n"
"tests, run in the order given:\n"
"  basic update exit-inflight reset needsync off cap\n"
"  remove     destructive (removes the PCI device): must be the last\n"
"Each test prints \"@@PREMAP-TEST <name> PASS|FAIL <detail>\" and \"#\"\n"
"diagnostics; the exit status is 0 only if all tests passed.\n");
}

static bool parse_size(const char *s, unsigned long long *v)
{
	char *end;

	*v = strtoull(s, &end, 0);
	switch (*end) {
	case 'G': case 'g': *v <<= 10; /* fallthrough */
	case 'M': case 'm': *v <<= 10; /* fallthrough */
	case 'K': case 'k': *v <<= 10; end++; break;
	}
	return end != s && !*end && !(*v % 4096);
}

/* nvme0n1 -> nvme0 */
static void find_ctrl(void)
{
	const char *dev = strrchr(dev_path, '/');
	int c;

	dev = dev ? dev + 1 : dev_path;
	if (sscanf(dev, "nvme%dn", &c) != 1) {
		printf("# warning: no controller in the name %s, using nvme0\n",
		       dev);
		c = 0;
	}
	snprintf(ctrl, sizeof(ctrl), "nvme%d", c);
}

int main(int argc, char **argv)
{
	struct stats b, e;
	char pm[16] = "?", cap[16] = "?";
	int opt, i, j, rc = 0;
	off_t end;

	while ((opt = getopt(argc, argv, "d:o:s:x:h")) != -1) {
		switch (opt) {
		case 'd':
			dev_path = optarg;
			break;
		case 'o':
			if (!parse_size(optarg, &reg_off))
				goto bad;
			break;
		case 's':
			if (!parse_size(optarg, &reg_size) || reg_size < BUF_SZ)
				goto bad;
			break;
		case 'x':
			if (strcmp(optarg, "premap") && strcmp(optarg, "none"))
				goto bad;
			expect_pm = !strcmp(optarg, "premap");
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			goto bad;
		}
	}
	if (optind == argc)
		goto bad;
	for (i = optind; i < argc; i++) {
		if (find_test(argv[i]) < 0 ||
		    (!strcmp(argv[i], "remove") && i != argc - 1)) {
			fprintf(stderr, "unknown test %s, or remove not last\n",
				argv[i]);
			goto bad;
		}
	}

	setvbuf(stdout, NULL, _IOLBF, 0);
	seed = mix(time(NULL) ^ ((uint64_t)getpid() << 32));
	find_ctrl();
	read_file(PARAM_PREMAP, pm, sizeof(pm));
	read_file(PARAM_MAX_MB, cap, sizeof(cap));
	printf("# premap-test dev %s ctrl %s region %llu+%llu expect %s seed %016llx premap=%s premap_max_mb=%s\n",
	       dev_path, ctrl, reg_off, reg_size, expect_pm ? "premap" : "none",
	       (unsigned long long)seed, pm, cap);
	dev_fd = open(dev_path, O_RDWR | O_DIRECT);
	end = dev_fd < 0 ? -1 : lseek(dev_fd, 0, SEEK_END);
	if (dev_fd < 0 || end < (off_t)(reg_off + reg_size)) {
		for (i = optind; i < argc; i++)
			printf("@@PREMAP-TEST %s FAIL %s: %s\n", argv[i],
			       dev_path, dev_fd < 0 ? strerror(errno) :
			       "region beyond the end of the device");
		return 1;
	}

	for (i = optind; i < argc; i++) {
		j = find_test(argv[i]);
		nfail = 0;
		printf("# ---- %s\n", tests[j].name);
		snap(&b);
		tests[j].fn(&b);
		snap(&e);
		print_delta(&b, &e);
		if (!nfail)
			snprintf(detail, sizeof(detail),
				 "hits %+lld created %+lld destroyed %+lld invalidated %+lld",
				 dv(&b, &e, "hits"), dv(&b, &e, "created"),
				 dv(&b, &e, "destroyed"),
				 dv(&b, &e, "invalidated"));
		printf("@@PREMAP-TEST %s %s %s\n", tests[j].name,
		       nfail ? "FAIL" : "PASS", detail);
		if (nfail)
			rc = 1;
	}
	close(dev_fd);
	return rc;
bad:
	usage(stderr);
	return 2;
}
