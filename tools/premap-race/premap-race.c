// SPDX-License-Identifier: GPL-2.0
/*
 * premap-race - a buffer's premap torn down while its controller is removed
 *
 * Each round registers one large buffer of 4 KiB pages (anonymous memory,
 * MADV_NOHUGEPAGE: one DMA mapping per page without an IOMMU, so tearing
 * its premap down takes long), reads through it with fixed-buffer reads
 * until the controller has premapped it, stops the I/O, and then races
 * two threads:
 *  - one removes the controller's PCI device (sysfs remove: nvme-pci's
 *    removal destroys the device's premap context, then frees its PRP
 *    pools and releases the device);
 *  - one drops the buffer, which tears the buffer's premap down, in one of
 *    three ways taken in turn: io_uring_unregister_buffers(), a buffer
 *    update that empties the slot (IORING_REGISTER_BUFFERS_UPDATE), or
 *    closing the ring (the ring's exit work unregisters the buffer).
 * The second thread starts a delay after the first, swept over the rounds
 * from before the removal to after it returns, so the buffer's teardown
 * crosses the removal's premap teardown at every point. The removal must
 * not finish (device released, PRP pools freed) while a teardown of one of
 * the device's premaps still runs: the debug kernel's DMA-API checks
 * report "pending DMA allocations while released", KASAN a use of the
 * freed pools. Then the bus is rescanned for the next round.
 *
 * A round fails on a kernel report (as the kernel log has it since the
 * round started), premaps or registered buffers left over, page pins not
 * returned, or no premap created before the race. The run stops at the
 * first failed round. Output: "# ..." lines per round, one
 * "@@RACE-ROW key=value ..." line; exit status 0 only if every round passed.
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
#include <unistd.h>

#define DEVS_PATH	"/sys/kernel/debug/blk_premap_devs"
#define BLK		4096UL
#define QD		8
#define PREMAP_WAIT_S	120
#define GONE_WAIT_S	60

enum { C_UNREGISTER, C_UPDATE, C_EXIT, C_KINDS };
static const char * const claimer_name[C_KINDS] = {
	"unregister", "update", "exit",
};

static long nfail;

static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

#define fail(fmt, ...) do {						\
	nfail++;							\
	say("# FAIL: " fmt "\n", ##__VA_ARGS__);			\
} while (0)

static void sleep_until(uint64_t t_us)
{
	uint64_t t = mono_us();

	if (t < t_us)
		usleep(t_us - t);
}

/* premaps the controller at @bdf holds now (its debugfs file) */
static long long dev_live(const char *bdf)
{
	char path[160];

	snprintf(path, sizeof(path), DEVS_PATH "/%s", bdf);
	return keyed(path, "premaps_live");
}

static long long pins_held(const char *unused __attribute__((unused)))
{
	return pins();
}

/* wait up to @s seconds for @read(@name) to be @v */
static bool wait_eq(long long (*read)(const char *), const char *name,
		    long long v, int s)
{
	uint64_t end = mono_us() + s * 1000000ULL;

	while (read(name) != v) {
		if (mono_us() > end)
			return false;
		usleep(20000);
	}
	return true;
}

static void show_report(const char *line, long nr)
{
	if (nr <= 5)
		say("# kernel: %s\n", line);
}

/* one round's buffer, ring and the racing threads' times */
struct round {
	struct io_uring ring;
	bool ring_up;
	int fd;
	char *buf;
	size_t len;
	int claimer;
	char bdf[64];
	uint64_t t0;		/* when the removal starts, us */
	long delay_us;		/* claimer start - t0 */
	int remove_ret, claim_ret;
	int64_t remove_end, claim_start, claim_end;	/* us from t0 */
};

/* fixed-buffer reads spread over the buffer until the device premapped it */
static bool premap_buffer(struct round *r)
{
	uint64_t end = mono_us() + PREMAP_WAIT_S * 1000000ULL;
	size_t nblk = r->len / BLK;
	unsigned int i = 0;

	while (dev_live(r->bdf) < 1) {
		struct io_uring_sqe *sqe;
		struct io_uring_cqe *cqe;
		int k, ret;

		if (mono_us() > end) {
			fail("%s: no premap %d s after the first read", r->bdf,
			     PREMAP_WAIT_S);
			return false;
		}
		for (k = 0; k < QD; k++, i++) {
			size_t b = (i * 7919UL) % nblk;

			sqe = io_uring_get_sqe(&r->ring);
			io_uring_prep_read_fixed(sqe, r->fd, r->buf + b * BLK,
						 BLK, (b % 4096) * BLK, 0);
		}
		io_uring_submit(&r->ring);
		for (k = 0; k < QD; k++) {
			ret = io_uring_wait_cqe(&r->ring, &cqe);
			if (ret) {
				fail("wait_cqe: %s", strerror(-ret));
				return false;
			}
			if (cqe->res != (int)BLK) {
				fail("fixed read: %d", cqe->res);
				io_uring_cqe_seen(&r->ring, cqe);
				return false;
			}
			io_uring_cqe_seen(&r->ring, cqe);
		}
		usleep(10000);
	}
	return true;
}

static void *remove_fn(void *data)
{
	struct round *r = data;
	char path[128];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/remove", r->bdf);
	sleep_until(r->t0);
	r->remove_ret = write_file(path, "1");
	r->remove_end = (int64_t)(mono_us() - r->t0);
	return NULL;
}

static void *claim_fn(void *data)
{
	struct round *r = data;
	struct iovec empty = { NULL, 0 };
	int ret = 0;

	sleep_until(r->t0 + r->delay_us);
	r->claim_start = (int64_t)(mono_us() - r->t0);
	switch (r->claimer) {
	case C_UNREGISTER:
		ret = io_uring_unregister_buffers(&r->ring);
		break;
	case C_UPDATE:
		ret = io_uring_register_buffers_update_tag(&r->ring, 0, &empty,
							   NULL, 1);
		ret = ret == 1 ? 0 : ret < 0 ? ret : -EIO;
		break;
	case C_EXIT:
		io_uring_queue_exit(&r->ring);
		r->ring_up = false;
		break;
	}
	r->claim_end = (int64_t)(mono_us() - r->t0);
	r->claim_ret = ret;
	return NULL;
}

/*
 * One round: premap @buf for the controller at @bdf, race its teardown
 * against the controller's removal, rescan. Return: false if the run
 * cannot go on (no device after the rescan, or the round failed).
 */
static bool race_round(int n, char *buf, size_t len, char *dev, size_t devlen,
		       const char *bdf, long delay_us, long long pins0,
		       long long bufs0)
{
	struct round r = { .buf = buf, .len = len, .claimer = n % C_KINDS,
			   .delay_us = delay_us };
	struct iovec iov = { buf, len };
	pthread_t rem, cl;
	long rep, fails0 = nfail;
	int64_t t_unpin;
	uint64_t t_reg;
	int ret;

	snprintf(r.bdf, sizeof(r.bdf), "%s", bdf);
	/* what this round's reports are counted from */
	kernel_reports_in_log(true, NULL);
	r.fd = open(dev, O_RDWR | O_DIRECT);
	if (r.fd < 0) {
		fail("open %s: %s", dev, strerror(errno));
		return false;
	}
	ret = io_uring_queue_init(2 * QD, &r.ring, 0);
	if (ret) {
		fail("io_uring_queue_init: %s", strerror(-ret));
		close(r.fd);
		return false;
	}
	r.ring_up = true;
	t_reg = mono_us();
	ret = io_uring_register_buffers(&r.ring, &iov, 1);
	if (ret) {
		fail("register %zu MiB: %s", len >> 20, strerror(-ret));
		goto out;
	}
	t_reg = mono_us() - t_reg;
	if (!premap_buffer(&r))
		goto out;

	/* no request in flight: the race is between the two teardowns */
	r.t0 = mono_us() + 50000 + (delay_us < 0 ? -delay_us : 0);
	pthread_create(&rem, NULL, remove_fn, &r);
	pthread_create(&cl, NULL, claim_fn, &r);
	pthread_join(rem, NULL);
	pthread_join(cl, NULL);
	if (r.remove_ret)
		fail("remove %s: %s", bdf, strerror(-r.remove_ret));
	if (r.claim_ret)
		fail("%s: %s", claimer_name[r.claimer], strerror(-r.claim_ret));
	/* the ring's exit work and a replaced buffer's release are async */
	if (!wait_eq(pm_stat, "bufs_registered", bufs0, GONE_WAIT_S))
		fail("bufs_registered %lld %d s after the %s",
		     pm_stat("bufs_registered"), GONE_WAIT_S,
		     claimer_name[r.claimer]);
	if (!wait_eq(pm_stat, "premaps_live", 0, GONE_WAIT_S))
		fail("premaps_live %lld after the removal",
		     pm_stat("premaps_live"));
	/* the buffer leaves the registry before io_uring unpins it */
	if (!wait_eq(pins_held, NULL, pins0, GONE_WAIT_S))
		fail("%lld page pins not released %d s after the %s",
		     pins() - pins0, GONE_WAIT_S, claimer_name[r.claimer]);
	t_unpin = (int64_t)(mono_us() - r.t0);
	say("# round %d: %s at %+ld ms: registered in %llu ms; removal returned at %lld ms, %s call %lld..%lld ms, pins back by %lld ms\n",
	    n, claimer_name[r.claimer], delay_us / 1000,
	    (unsigned long long)t_reg / 1000,
	    (long long)r.remove_end / 1000, claimer_name[r.claimer],
	    (long long)r.claim_start / 1000, (long long)r.claim_end / 1000,
	    (long long)t_unpin / 1000);
out:
	if (r.ring_up)
		io_uring_queue_exit(&r.ring);
	close(r.fd);
	ret = write_file("/sys/bus/pci/rescan", "1");
	if (ret)
		fail("rescan: %s", strerror(-ret));
	if (!find_namespace(bdf, dev, devlen)) {
		fail("no namespace of %s 30 s after the rescan", bdf);
		return false;
	}
	rep = kernel_reports_in_log(true, show_report);
	if (rep)
		fail("round %d: %ld kernel reports", n, rep);
	return nfail == fails0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: premap-race [-d DEV] [-n ROUNDS] [-s SIZE_MB] [-m MODE]\n"
		"Races the teardown of a SIZE_MB buffer's premap (4 KiB pages) against\n"
		"the removal of DEV's controller, ROUNDS times, rescanning after each;\n"
		"MODE only labels the result row.\n");
}

int main(int argc, char **argv)
{
	/* claimer start relative to the removal's, swept over the rounds */
	const long d0_us = -40000, d1_us = 360000;
	char dev[64] = "/dev/nvme0n1", ctrl[32], bdf[64], mode[32] = "-";
	long long pins0, bufs0, created0;
	int rounds = 30, size_mb = 256, done = 0, opt, i, ret;
	uint64_t t_start = mono_us();
	size_t len;
	char *buf;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "d:n:s:m:h")) != -1) {
		switch (opt) {
		case 'd': snprintf(dev, sizeof(dev), "%s", optarg); break;
		case 'n': rounds = atoi(optarg); break;
		case 's': size_mb = atoi(optarg); break;
		case 'm': snprintf(mode, sizeof(mode), "%s", optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (rounds < 1 || size_mb < 1 ||
	    sscanf(strrchr(dev, '/') ? strrchr(dev, '/') + 1 : dev, "nvme%dn",
		   &i) != 1) {
		usage(stderr);
		return 2;
	}
	snprintf(ctrl, sizeof(ctrl), "nvme%d", i);
	ret = ctrl_bdf(ctrl, bdf, sizeof(bdf));
	if (ret) {
		fail("PCI device of %s: %s", ctrl, strerror(-ret));
		return 1;
	}
	len = (size_t)size_mb << 20;
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		fail("mmap %d MiB: %s", size_mb, strerror(errno));
		return 1;
	}
	madvise(buf, len, MADV_NOHUGEPAGE);
	memset(buf, 0x5a, len);
	pins0 = pins();
	bufs0 = pm_stat("bufs_registered");
	created0 = pm_stat("created");
	say("# %s (%s at %s): %d rounds, a %d MiB buffer of 4 KiB pages, claimer %+ld..%+ld ms after the removal\n",
	    dev, ctrl, bdf, rounds, size_mb, d0_us / 1000, d1_us / 1000);
	for (i = 0; i < rounds; i++) {
		long d = rounds > 1 ? d0_us + (d1_us - d0_us) * i / (rounds - 1)
				    : d0_us;

		if (!race_round(i, buf, len, dev, sizeof(dev), bdf, d, pins0,
				bufs0))
			break;
		done++;
	}
	say("race: rounds %d of %d, premaps created %lld\n", done, rounds,
	    pm_stat("created") - created0);
	say("@@RACE-ROW mode=%s rounds=%d of=%d size_mib=%d wall_s=%llu result=%s\n",
	    mode, done, rounds, size_mb,
	    (unsigned long long)(mono_us() - t_start) / 1000000,
	    nfail ? "FAIL" : "pass");
	return nfail ? 1 : 0;
}
