/* SPDX-License-Identifier: GPL-2.0 */
/*
 * premap-guest.h - helpers shared by the guest-side premap programs
 * (tools/premap-test, tools/premap-stress, tools/premap-race): sysfs and
 * debugfs files, kernel reports, the controller's PCI device and the data
 * pattern every write carries and every read is checked against.
 */
#ifndef PREMAP_GUEST_H
#define PREMAP_GUEST_H

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <time.h>
#include <unistd.h>

/* write @val to @path: 0 or -errno */
static inline int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* first line of @path, without its newline: 0, or -1 */
static inline int read_file(const char *path, char *buf, int len)
{
	FILE *f = fopen(path, "r");
	bool ok = f && fgets(buf, len, f);

	if (f)
		fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = 0;
	return ok ? 0 : -1;
}

/* "name value" or "name: value" line @name of @path, -1 if missing */
static inline long long keyed(const char *path, const char *name)
{
	char line[256], k[128];
	long long v, ret = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%127[^: ]%*[: ]%lld", k, &v) == 2 &&
		    !strcmp(k, name)) {
			ret = v;
			break;
		}
	fclose(f);
	return ret;
}

/* CLOCK_MONOTONIC in microseconds */
static inline uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000;
}

#define PREMAP_STATS_PATH	"/sys/kernel/debug/blk_premap"

/* premap counter @name (/sys/kernel/debug/blk_premap), 0 if missing */
static inline long long pm_stat(const char *name)
{
	long long v = keyed(PREMAP_STATS_PATH, name);

	return v < 0 ? 0 : v;
}

/* page pins held now (FOLL_PIN: acquired - released) */
static inline long long pins(void)
{
	return keyed("/proc/vmstat", "nr_foll_pin_acquired") -
	       keyed("/proc/vmstat", "nr_foll_pin_released");
}

/*
 * Is this kernel log line a report the premap programs fail on (panic,
 * BUG, WARN, KASAN, lockdep, DMA-API debug error, NVMe timeout)?
 */
static inline bool kernel_report(const char *line)
{
	static const char * const pat[] = {
		"Kernel panic", "BUG:", "Oops", "WARNING:", "KASAN:",
		"possible circular locking", "possible recursive locking",
		"deadlock", "timeout, aborting", "timeout, reset controller",
	};
	unsigned int i;

	if (strstr(line, "DMA-API:"))
		return !strstr(line, "preallocated") &&
		       !strstr(line, "debugging enabled");
	for (i = 0; i < sizeof(pat) / sizeof(pat[0]); i++)
		if (strstr(line, pat[i]))
			return true;
	return false;
}

/*
 * Count the reports (kernel_report()) in the kernel log: all of it, or with
 * @clear what came since the last clearing call, which this one then is.
 * @show, if set, gets each report line and its number (from 1).
 * Return: the number of reports, or -1 if the log cannot be read.
 */
static inline long kernel_reports_in_log(bool clear,
					 void (*show)(const char *line, long nr))
{
	int n = klogctl(10, NULL, 0), len;	/* SYSLOG_ACTION_SIZE_BUFFER */
	char *buf, *line, *save;
	long reports = 0;

	if (n <= 0 || !(buf = malloc(n + 1)))
		return -1;
	/* SYSLOG_ACTION_READ_CLEAR or SYSLOG_ACTION_READ_ALL */
	len = klogctl(clear ? 4 : 3, buf, n);
	if (len < 0) {
		free(buf);
		return -1;
	}
	buf[len] = 0;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!kernel_report(line))
			continue;
		reports++;
		if (show)
			show(line, reports);
	}
	free(buf);
	return reports;
}

/* PCI address of controller @ctrl (nvme0) into @bdf: 0, or -errno */
static inline int ctrl_bdf(const char *ctrl, char *bdf, size_t len)
{
	char path[128], link[256];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/class/nvme/%s/device", ctrl);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -errno;
	link[n] = 0;
	snprintf(bdf, len, "%s", basename(link));
	return 0;
}

/*
 * After a rescan: the namespace of the controller at PCI address @bdf into
 * @dev (/dev/nvmeXn1), waiting up to 30 s for it. Return: whether found.
 */
static inline bool find_namespace(const char *bdf, char *dev, size_t len)
{
	char pat[160];
	glob_t g;
	int t;

	snprintf(pat, sizeof(pat), "/sys/bus/pci/devices/%s/nvme/nvme*/nvme*n1",
		 bdf);
	for (t = 0; t < 300; t++) {
		if (!glob(pat, 0, NULL, &g) && g.gl_pathc) {
			snprintf(dev, len, "/dev/%s", basename(g.gl_pathv[0]));
			globfree(&g);
			if (!access(dev, F_OK))
				return true;
		} else {
			globfree(&g);
		}
		usleep(100000);
	}
	return false;
}

static inline uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* @len bytes (a multiple of 8) for device offset @doff, written with seed @s */
static inline void fill(char *p, uint64_t doff, size_t len, uint64_t s)
{
	uint64_t *w = (uint64_t *)p, k = mix(s);
	size_t i;

	for (i = 0; i < len / 8; i++)
		w[i] = mix((doff + i * 8) ^ k);
}

/* index of the first byte that differs from fill()'s pattern, or -1 */
static inline long verify(const char *p, uint64_t doff, size_t len,
			  uint64_t s)
{
	const uint64_t *w = (const uint64_t *)p;
	uint64_t k = mix(s), e;
	size_t i, j;

	for (i = 0; i < len / 8; i++) {
		e = mix((doff + i * 8) ^ k);
		if (w[i] == e)
			continue;
		for (j = 0; j < 7 && p[i * 8 + j] == ((char *)&e)[j]; j++)
			;
		return i * 8 + j;
	}
	return -1;
}

#endif
