/* SPDX-License-Identifier: GPL-2.0 */
/*
 * premap-guest.h - helpers shared by the guest-side premap programs
 * (tools/premap-test, tools/premap-stress): sysfs/debugfs files and the
 * data pattern every write carries and every read is checked against.
 */
#ifndef PREMAP_GUEST_H
#define PREMAP_GUEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
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
