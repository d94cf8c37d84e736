// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "nvme_pci_dma": the PRP and SGL builders of pci-dma.h over
 * synthetic [dma_addr, len] segments.
 *
 * The expected PRP layout is computed by a separate reference model written
 * from the NVMe Base Specification 2.0, 4.1.1: the data pages the command
 * must address, then how PRP1, PRP2 and the list pages (with a chain pointer
 * in the last slot only when more than one entry remains) describe them.
 * The test walks what the builder produced, following PRP2 and the chain
 * pointers through the list pages it handed out, and compares every entry.
 */
#include <kunit/test.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "pci-dma.h"

#define MAX_SEGS	2100
#define MAX_PAGES	8
#define FAKE_LIST_DMA	0xfeed00000000ULL	/* bus address of list page 0 */

/* blk_status_t is __bitwise: compare its value */
#define STS(x)		((__force u8)(x))

struct fake_dma {
	struct nvme_dma_seg segs[MAX_SEGS];
	int nr_segs, next_seg;
	void *page[MAX_PAGES];
	size_t size[MAX_PAGES];
	int nr_pages;
	int fail_alloc_at;	/* -1: never; n: the n-th allocation fails */
};

static blk_status_t fake_next(void *priv, struct nvme_dma_seg *seg)
{
	struct fake_dma *f = priv;

	if (f->next_seg >= f->nr_segs)
		return BLK_STS_IOERR;
	*seg = f->segs[f->next_seg++];
	return BLK_STS_OK;
}

static void *fake_alloc(void *priv, size_t size, dma_addr_t *dma)
{
	struct fake_dma *f = priv;

	if (f->nr_pages == f->fail_alloc_at || f->nr_pages == MAX_PAGES)
		return NULL;
	/* poison, so an entry the builder forgot to write shows up */
	memset(f->page[f->nr_pages], 0xa5, NVME_CTRL_PAGE_SIZE);
	f->size[f->nr_pages] = size;
	*dma = FAKE_LIST_DMA + f->nr_pages * NVME_CTRL_PAGE_SIZE;
	return f->page[f->nr_pages++];
}

static const struct nvme_dma_ops fake_ops = {
	.next = fake_next,
	.alloc = fake_alloc,
};

static struct fake_dma *fake_init(struct kunit *test)
{
	struct fake_dma *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, f);
	for (i = 0; i < MAX_PAGES; i++) {
		f->page[i] = kunit_kmalloc(test, NVME_CTRL_PAGE_SIZE, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, f->page[i]);
	}
	f->fail_alloc_at = -1;
	return f;
}

/* list page for a bus address the builder got from fake_alloc(), or NULL */
static __le64 *fake_page(struct fake_dma *f, u64 dma)
{
	u64 idx = (dma - FAKE_LIST_DMA) / NVME_CTRL_PAGE_SIZE;

	if (dma < FAKE_LIST_DMA || (dma & (NVME_CTRL_PAGE_SIZE - 1)) ||
	    idx >= f->nr_pages)
		return NULL;
	return f->page[idx];
}

/*
 * Split a buffer of @len bytes starting @offset into its first page into
 * segments of @chunk bytes (the first shortened by @offset), each at its own
 * bus address so nothing is accidentally contiguous.
 */
static void make_segs(struct fake_dma *f, u32 offset, u32 len, u32 chunk)
{
	u64 pos = 0;

	f->nr_segs = 0;
	f->next_seg = 0;
	while (pos < len) {
		u32 l = min_t(u64, chunk - (pos ? 0 : offset), len - pos);

		f->segs[f->nr_segs].addr = 0x100000000ULL * (f->nr_segs + 1) +
					   (pos ? 0 : offset);
		f->segs[f->nr_segs].len = l;
		f->nr_segs++;
		pos += l;
	}
}

/* reference model: page addresses (entry 0 = PRP1, with offset) */
static int model_entries(struct fake_dma *f, u32 len, u64 *ent, int max)
{
	int n = 0, s;

	for (s = 0; s < f->nr_segs && len; s++) {
		u64 a = f->segs[s].addr, end = a + min(f->segs[s].len, len);

		len -= min(f->segs[s].len, len);
		while (a < end) {
			if (n == max)
				return -1;
			ent[n++] = a;
			a = ALIGN_DOWN(a, NVME_CTRL_PAGE_SIZE) + NVME_CTRL_PAGE_SIZE;
		}
	}
	return n;
}

/* walk PRP2 / the list pages the way a controller does; check every entry */
static void check_prps(struct kunit *test, struct fake_dma *f, u32 len,
		       __le64 prp1, __le64 prp2)
{
	static u64 ent[MAX_SEGS + 8];
	int n, i, slot = 0, pages_used = 1;
	__le64 *list;

	n = model_entries(f, len, ent, ARRAY_SIZE(ent));
	KUNIT_ASSERT_GT(test, n, 0);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(prp1), ent[0]);
	if (n == 1) {
		KUNIT_EXPECT_EQ(test, le64_to_cpu(prp2), 0);
		KUNIT_EXPECT_EQ(test, f->nr_pages, 0);
		return;
	}
	if (n == 2) {
		KUNIT_EXPECT_EQ(test, le64_to_cpu(prp2), ent[1]);
		KUNIT_EXPECT_EQ(test, f->nr_pages, 0);
		return;
	}
	list = fake_page(f, le64_to_cpu(prp2));
	KUNIT_ASSERT_NOT_NULL_MSG(test, list, "PRP2 %llx is not a list page",
				  le64_to_cpu(prp2));
	for (i = 1; i < n; i++) {
		if (slot == NVME_PRPS_PER_PAGE - 1 && n - i > 1) {
			/* last slot, more than one entry left: chain pointer */
			u64 chain = le64_to_cpu(list[slot]);

			list = fake_page(f, chain);
			KUNIT_ASSERT_NOT_NULL_MSG(test, list,
						  "entry %d: chain %llx is not a list page",
						  i, chain);
			slot = 0;
			pages_used++;
		}
		KUNIT_ASSERT_EQ_MSG(test, le64_to_cpu(list[slot]), ent[i],
				    "entry %d of %d (slot %d)", i, n, slot);
		slot++;
	}
	KUNIT_EXPECT_EQ(test, f->nr_pages, pages_used);
	/* up to 32 entries come from the 256-byte pool */
	KUNIT_EXPECT_EQ(test, f->size[0], n - 1 <= NVME_SMALL_POOL_SIZE / 8 ?
			NVME_SMALL_POOL_SIZE : NVME_CTRL_PAGE_SIZE);
}

/* build from the fake's segments, the first passed in as the driver does */
static u8 run_prps(struct fake_dma *f, u32 len, __le64 *prp1, __le64 *prp2)
{
	f->next_seg = 1;
	return STS(nvme_build_prps(&fake_ops, f, len, f->segs[0], prp1, prp2));
}

static u8 run_sgls(struct fake_dma *f, u32 len, unsigned int max_segs,
		   struct nvme_sgl_desc *dptr)
{
	f->next_seg = 1;
	return STS(nvme_build_sgls(&fake_ops, f, len, max_segs, f->segs[0],
				   dptr));
}

struct prp_case {
	u32 offset;	/* into the first page, bytes */
	u32 len;	/* bytes */
	u32 chunk;	/* segment size, bytes */
	const char *what;
};

/* list entries = pages after the first; 512 fits one list page exactly */
#define LIST_ENTRIES_LEN(n)	(SZ_4K + (n) * SZ_4K)

static const struct prp_case prp_cases[] = {
	{ 0, SZ_4K, SZ_8M, "one page" },
	{ 512, SZ_4K - 512, SZ_8M, "one page, offset 512" },
	{ 4095, 1, SZ_8M, "one byte at 4095" },
	{ 4095, 2, SZ_8M, "two bytes across a page boundary" },
	{ 0, SZ_8K, SZ_8M, "two pages: PRP2 is data" },
	{ 512, SZ_8K - 512, SZ_8M, "offset 512, two pages" },
	{ 512, SZ_8K, SZ_8M, "offset 512, three pages: list" },
	{ 4095, SZ_4K + 1, SZ_8M, "offset 4095, two pages" },
	{ 0, SZ_8K + SZ_4K, SZ_8M, "three pages: smallest list" },
	{ 0, LIST_ENTRIES_LEN(32), SZ_8M, "32 entries: small pool" },
	{ 0, LIST_ENTRIES_LEN(33), SZ_8M, "33 entries: page pool" },
	{ 0, SZ_128K, SZ_8M, "128K" },
	{ 512, SZ_128K, SZ_8M, "128K offset 512" },
	{ 4095, SZ_128K, SZ_8M, "128K offset 4095" },
	{ 0, LIST_ENTRIES_LEN(511), SZ_8M, "511 list entries" },
	{ 0, LIST_ENTRIES_LEN(512), SZ_8M, "512 list entries: data in last slot" },
	{ 0, LIST_ENTRIES_LEN(513), SZ_8M, "513 list entries: chained" },
	{ 0, LIST_ENTRIES_LEN(1022), SZ_8M, "1022 entries: two full pages" },
	{ 0, LIST_ENTRIES_LEN(1023), SZ_8M, "1023 entries: chain, last slot data" },
	{ 0, LIST_ENTRIES_LEN(1024), SZ_8M, "1024 entries: three pages" },
	{ 512, LIST_ENTRIES_LEN(512), SZ_8M, "offset 512, 513 entries" },
	{ 0, SZ_2M, SZ_8M, "2M" },
	{ 0, SZ_8M, SZ_8M, "8M single segment" },
	{ 4095, SZ_8M - 4095, SZ_8M, "8M offset 4095" },
	{ 0, SZ_8M, SZ_4K, "8M in 4K segments" },
	{ 0, SZ_8M, SZ_64K, "8M in 64K segments" },
	{ 0, SZ_8M, SZ_2M, "8M in 2M folios" },
	{ 512, SZ_8M - 512, SZ_2M, "8M in 2M folios, offset 512" },
	{ 4095, SZ_1M, SZ_8K, "1M in 8K segments, offset 4095" },
	{ 0, SZ_128K, SZ_4K, "128K in 4K segments" },
	{ 512, LIST_ENTRIES_LEN(512), SZ_4K, "513 entries from 4K segments" },
};

static void prp_case_desc(const struct prp_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s (off %u len %u seg %u)",
		 c->what, c->offset, c->len, c->chunk);
}

KUNIT_ARRAY_PARAM(prp, prp_cases, prp_case_desc);

static void prp_layout(struct kunit *test)
{
	const struct prp_case *c = test->param_value;
	struct fake_dma *f = fake_init(test);
	__le64 prp1 = 0, prp2 = 0;

	make_segs(f, c->offset, c->len, c->chunk);
	KUNIT_ASSERT_EQ(test, run_prps(f, c->len, &prp1, &prp2), STS(BLK_STS_OK));
	check_prps(test, f, c->len, prp1, prp2);
	/* every segment consumed, none asked for beyond the last */
	KUNIT_EXPECT_EQ(test, f->next_seg, f->nr_segs);
}

/* segments that PRPs cannot describe, and allocation failure */
static void prp_errors(struct kunit *test)
{
	struct fake_dma *f = fake_init(test);
	__le64 prp1, prp2;

	/* second segment not page aligned */
	make_segs(f, 0, SZ_64K, SZ_16K);
	f->segs[1].addr += 512;
	KUNIT_EXPECT_EQ(test, run_prps(f, SZ_64K, &prp1, &prp2), STS(BLK_STS_IOERR));

	/* first segment ends inside a page but more data follows */
	f = fake_init(test);
	make_segs(f, 0, SZ_64K, SZ_16K);
	f->segs[0].len -= 512;
	f->segs[1].len += 512;
	KUNIT_EXPECT_EQ(test, run_prps(f, SZ_64K, &prp1, &prp2), STS(BLK_STS_IOERR));

	/* a middle segment ends inside a page */
	f = fake_init(test);
	make_segs(f, 0, SZ_64K, SZ_16K);
	f->segs[1].len -= 512;
	f->segs[2].len += 512;
	KUNIT_EXPECT_EQ(test, run_prps(f, SZ_64K, &prp1, &prp2), STS(BLK_STS_IOERR));

	/* two pages, the second made of two segments */
	f = fake_init(test);
	make_segs(f, 0, SZ_8K, SZ_4K);
	f->segs[1].len = SZ_2K;
	f->segs[2] = (struct nvme_dma_seg){ 0x900000000ULL, SZ_2K };
	f->nr_segs = 3;
	KUNIT_EXPECT_EQ(test, run_prps(f, SZ_8K, &prp1, &prp2), STS(BLK_STS_IOERR));

	/* segments run out before len */
	f = fake_init(test);
	make_segs(f, 0, SZ_64K, SZ_16K);
	f->nr_segs = 2;
	KUNIT_EXPECT_EQ(test, run_prps(f, SZ_64K, &prp1, &prp2), STS(BLK_STS_IOERR));

	/* list page allocation fails: first page, then the chained one */
	f = fake_init(test);
	make_segs(f, 0, SZ_128K, SZ_8M);
	f->fail_alloc_at = 0;
	KUNIT_EXPECT_EQ(test, run_prps(f, SZ_128K, &prp1, &prp2), STS(BLK_STS_RESOURCE));
	f = fake_init(test);
	make_segs(f, 0, LIST_ENTRIES_LEN(513), SZ_8M);
	f->fail_alloc_at = 1;
	KUNIT_EXPECT_EQ(test, run_prps(f, LIST_ENTRIES_LEN(513), &prp1, &prp2),
			STS(BLK_STS_RESOURCE));
	/* the page it did get is reported, so the caller can free it */
	KUNIT_EXPECT_EQ(test, f->nr_pages, 1);
}

/*
 * The fast path's nvme_prp_simple() against the reference model and the
 * builder, for every offset class and every length class up to two pages
 */
static void prp_simple(struct kunit *test)
{
	static const u32 offsets[] = { 0, 8, 512, 2048, 4088, 4095 };
	static const u32 lens[] = { 1, 512, 4096, 4097, 8192 };
	struct fake_dma *f = fake_init(test);
	unsigned int i, j, n = 0;

	for (i = 0; i < ARRAY_SIZE(offsets); i++) {
		for (j = 0; j < ARRAY_SIZE(lens); j++) {
			u32 off = offsets[i];
			u32 len = min(lens[j], 2 * NVME_CTRL_PAGE_SIZE - off);
			__le64 p1 = 0, p2 = 0, b1 = 0, b2 = 0;
			u64 ent[2] = { 0, 0 };
			int nent;

			make_segs(f, off, len, SZ_8M);
			nent = model_entries(f, len, ent, 2);
			KUNIT_ASSERT_GT(test, nent, 0);
			nvme_prp_simple(f->segs[0].addr, len, &p1, &p2);
			KUNIT_EXPECT_EQ_MSG(test, le64_to_cpu(p1), ent[0],
					    "off %u len %u", off, len);
			KUNIT_EXPECT_EQ_MSG(test, le64_to_cpu(p2),
					    nent == 2 ? ent[1] : 0,
					    "off %u len %u", off, len);
			KUNIT_ASSERT_EQ(test, run_prps(f, len, &b1, &b2),
					STS(BLK_STS_OK));
			KUNIT_EXPECT_EQ(test, p1, b1);
			KUNIT_EXPECT_EQ(test, p2, b2);
			n += nent == 2;
		}
	}
	/* both shapes were exercised */
	KUNIT_EXPECT_GT(test, n, 0);
	KUNIT_EXPECT_LT(test, n, ARRAY_SIZE(offsets) * ARRAY_SIZE(lens));
}

struct sgl_case {
	u32 offset, len, chunk;
	const char *what;
};

static const struct sgl_case sgl_cases[] = {
	{ 0, SZ_4K, SZ_8M, "one segment: inline" },
	{ 100, SZ_8M - 100, SZ_8M, "one 8M segment at offset 100: inline" },
	{ 0, SZ_64K, SZ_16K, "4 segments: small pool" },
	{ 512, SZ_64K, SZ_4K, "17 segments: page pool" },
	{ 0, SZ_1M, SZ_4K, "256 segments: one full page" },
	{ 0, SZ_8M, SZ_2M, "8M in 2M folios" },
};

static void sgl_case_desc(const struct sgl_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s", c->what);
}

KUNIT_ARRAY_PARAM(sgl, sgl_cases, sgl_case_desc);

static void sgl_layout(struct kunit *test)
{
	const struct sgl_case *c = test->param_value;
	struct fake_dma *f = fake_init(test);
	struct nvme_sgl_desc dptr, *list;
	int i;

	make_segs(f, c->offset, c->len, c->chunk);
	KUNIT_ASSERT_EQ(test, run_sgls(f, c->len, f->nr_segs, &dptr), STS(BLK_STS_OK));
	KUNIT_EXPECT_EQ(test, f->next_seg, f->nr_segs);
	if (f->nr_segs == 1) {
		KUNIT_EXPECT_EQ(test, dptr.type, NVME_SGL_FMT_DATA_DESC << 4);
		KUNIT_EXPECT_EQ(test, le64_to_cpu(dptr.addr), f->segs[0].addr);
		KUNIT_EXPECT_EQ(test, le32_to_cpu(dptr.length), c->len);
		KUNIT_EXPECT_EQ(test, f->nr_pages, 0);
		return;
	}
	KUNIT_EXPECT_EQ(test, dptr.type, NVME_SGL_FMT_LAST_SEG_DESC << 4);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(dptr.length),
			f->nr_segs * sizeof(struct nvme_sgl_desc));
	KUNIT_ASSERT_EQ(test, f->nr_pages, 1);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(dptr.addr), FAKE_LIST_DMA);
	KUNIT_EXPECT_EQ(test, f->size[0], f->nr_segs * 16 <= NVME_SMALL_POOL_SIZE ?
			NVME_SMALL_POOL_SIZE : NVME_CTRL_PAGE_SIZE);
	list = f->page[0];
	for (i = 0; i < f->nr_segs; i++) {
		KUNIT_EXPECT_EQ_MSG(test, list[i].type, NVME_SGL_FMT_DATA_DESC << 4,
				    "desc %d", i);
		KUNIT_EXPECT_EQ_MSG(test, le64_to_cpu(list[i].addr),
				    f->segs[i].addr, "desc %d", i);
		KUNIT_EXPECT_EQ_MSG(test, le32_to_cpu(list[i].length),
				    f->segs[i].len, "desc %d", i);
	}
}

static void sgl_errors(struct kunit *test)
{
	struct fake_dma *f = fake_init(test);
	struct nvme_sgl_desc dptr;

	/* 257 segments do not fit one list page */
	make_segs(f, 0, 257 * SZ_4K, SZ_4K);
	KUNIT_EXPECT_EQ(test, run_sgls(f, 257 * SZ_4K, 257, &dptr), STS(BLK_STS_IOERR));
	/* segments run out */
	f = fake_init(test);
	make_segs(f, 0, SZ_64K, SZ_16K);
	f->nr_segs = 3;
	KUNIT_EXPECT_EQ(test, run_sgls(f, SZ_64K, 4, &dptr), STS(BLK_STS_IOERR));
	/* list allocation fails */
	f = fake_init(test);
	make_segs(f, 0, SZ_64K, SZ_16K);
	f->fail_alloc_at = 0;
	KUNIT_EXPECT_EQ(test, run_sgls(f, SZ_64K, 4, &dptr), STS(BLK_STS_RESOURCE));
}

/*
 * Premapped buffers (struct nvme_prp_premap): PRP lists precomputed for the
 * whole buffer, reused by every request. The buffer has PM_ENTRIES pages,
 * page j at its own bus address; the list pages at PM_LIST_DMA + i * 4K.
 */
#define PM_ENTRIES	2600
#define PM_FIRST	7		/* buffer page of entry 0 */
#define PM_LIST_DMA	0xbeef00000000ULL

static dma_addr_t pm_page_dma(void *priv, u64 j)
{
	return 0x100000000ULL * (j + 1);
}

struct pm_fake {
	struct nvme_prp_premap p;
	__le64 *lists[8];
	dma_addr_t list_dma[8];
};

static struct pm_fake *pm_init(struct kunit *test)
{
	struct pm_fake *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, f);
	f->p.first = PM_FIRST;
	f->p.nr_entries = PM_ENTRIES;
	f->p.nr_lists = DIV_ROUND_UP(PM_ENTRIES, NVME_PREMAP_PRPS_PER_LIST);
	KUNIT_ASSERT_LE(test, f->p.nr_lists, ARRAY_SIZE(f->lists));
	for (i = 0; i < f->p.nr_lists; i++) {
		f->lists[i] = kunit_kmalloc(test, NVME_CTRL_PAGE_SIZE,
					    GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, f->lists[i]);
		memset(f->lists[i], 0xa5, NVME_CTRL_PAGE_SIZE);
		f->list_dma[i] = PM_LIST_DMA + i * NVME_CTRL_PAGE_SIZE;
	}
	f->p.lists = f->lists;
	f->p.list_dma = f->list_dma;
	nvme_premap_fill(&f->p, pm_page_dma, NULL);
	return f;
}

/*
 * Walk PRP2 the way a controller does (NVMe 2.0, 4.1.1; QEMU's
 * nvme_map_prp()): the list may start mid-page; in the last slot of a page,
 * with more than one entry left, follow the chain pointer. Return false if
 * the walk would read a chain pointer as data or leave the list pages.
 */
static bool pm_walk(struct kunit *test, struct pm_fake *f, u64 prp2, u64 j0,
		    u64 m, bool check)
{
	u64 idx = (prp2 - PM_LIST_DMA) / NVME_CTRL_PAGE_SIZE;
	unsigned int slot = (prp2 & (NVME_CTRL_PAGE_SIZE - 1)) / 8;
	u64 k;

	if (prp2 < PM_LIST_DMA || idx >= f->p.nr_lists || prp2 & 7)
		return false;
	for (k = 0; k < m; k++) {
		u64 e;

		if (slot == NVME_PRPS_PER_PAGE - 1) {
			if (m - k == 1)		/* the slot holds data */
				return le64_to_cpu(f->lists[idx][slot]) ==
					pm_page_dma(NULL, j0 + k);
			prp2 = le64_to_cpu(f->lists[idx][slot]);
			idx = (prp2 - PM_LIST_DMA) / NVME_CTRL_PAGE_SIZE;
			if (prp2 < PM_LIST_DMA || idx >= f->p.nr_lists ||
			    prp2 & (NVME_CTRL_PAGE_SIZE - 1))
				return false;
			slot = 0;
		}
		e = le64_to_cpu(f->lists[idx][slot++]);
		if (check)
			KUNIT_EXPECT_EQ_MSG(test, e, pm_page_dma(NULL, j0 + k),
					    "entry %llu of %llu", k, m);
		if (e != pm_page_dma(NULL, j0 + k))
			return false;
	}
	return true;
}

/*
 * Every start offset class (0, 512, 4095 into the first page), starts at
 * and around list-page boundaries, lengths from one page to 2048 pages: the
 * PRPs address exactly the request's pages, through the precomputed lists;
 * -EAGAIN exactly where the chain rule makes the lists unusable.
 */
static void premap_prps(struct kunit *test)
{
	static const u32 offs[] = { 0, 512, 4095 };
	static const u64 starts[] = { 0, 1, 2, 509, 510, 511, 512, 1020,
				      1021, 1022, 1533 };
	static const u64 pages[] = { 0, 1, 2, 3, 31, 32, 33, 509, 510, 511,
				     512, 513, 1021, 1022, 1023, 2048 };
	struct pm_fake *f = pm_init(test);
	unsigned int i, fallbacks = 0, n = 0;

	/* every (offset, start, pages) combination */
	for (i = 0; i < ARRAY_SIZE(offs) * ARRAY_SIZE(starts) *
			ARRAY_SIZE(pages); i++) {
		u32 off = offs[i % ARRAY_SIZE(offs)];
		u64 j = starts[i / ARRAY_SIZE(offs) % ARRAY_SIZE(starts)];
		u64 m = pages[i / ARRAY_SIZE(offs) / ARRAY_SIZE(starts)];
		u64 pos = (PM_FIRST + j) * NVME_CTRL_PAGE_SIZE + off;
		dma_addr_t dma = pm_page_dma(NULL, j) + off;
		/* m pages after the first, the last one partly */
		u32 len = m ? NVME_CTRL_PAGE_SIZE - off +
			      (m - 1) * NVME_CTRL_PAGE_SIZE + 100 :
			      NVME_CTRL_PAGE_SIZE - off;
		__le64 prp1, prp2;
		int ret;

		if (j + m >= PM_ENTRIES)
			continue;
		n++;
		ret = nvme_premap_prps(&f->p, pos, dma, len, &prp1, &prp2);
		if (m >= 2) {
			/* usable iff a controller walk of the list works */
			u64 entry = j + 1;
			bool ok = pm_walk(test, f, PM_LIST_DMA +
					  entry / NVME_PREMAP_PRPS_PER_LIST *
					  NVME_CTRL_PAGE_SIZE +
					  entry % NVME_PREMAP_PRPS_PER_LIST * 8,
					  entry, m, false);

			KUNIT_EXPECT_EQ_MSG(test, ret, ok ? 0 : -EAGAIN,
					    "off %u start %llu pages %llu",
					    off, j, m);
			if (ret) {
				fallbacks++;
				continue;
			}
		}
		KUNIT_ASSERT_EQ_MSG(test, ret, 0, "off %u start %llu pages %llu",
				    off, j, m);
		KUNIT_EXPECT_EQ(test, le64_to_cpu(prp1), dma);
		if (m == 0)
			KUNIT_EXPECT_EQ(test, le64_to_cpu(prp2), 0);
		else if (m == 1)
			KUNIT_EXPECT_EQ(test, le64_to_cpu(prp2),
					pm_page_dma(NULL, j + 1));
		else
			KUNIT_EXPECT_TRUE_MSG(test,
					      pm_walk(test, f, le64_to_cpu(prp2),
						      j + 1, m, true),
					      "off %u start %llu pages %llu",
					      off, j, m);
	}
	/* the boundary-heavy table does hit the chain rule */
	KUNIT_EXPECT_GT(test, fallbacks, 0);
	KUNIT_EXPECT_GT(test, n, fallbacks);
}

/*
 * 128K requests (33 entries) at every page of two list pages: the chain
 * rule bites for one start per list page, where the model says so.
 */
static void premap_prps_sweep(struct kunit *test)
{
	struct pm_fake *f = pm_init(test);
	unsigned int fallbacks = 0;
	u64 j;

	for (j = 0; j < 2 * NVME_PREMAP_PRPS_PER_LIST; j++) {
		u64 pos = (PM_FIRST + j) * NVME_CTRL_PAGE_SIZE + 512;
		__le64 prp1, prp2;
		int ret;

		ret = nvme_premap_prps(&f->p, pos, pm_page_dma(NULL, j) + 512,
				       SZ_128K, &prp1, &prp2);
		if (ret) {
			fallbacks++;
			KUNIT_EXPECT_EQ(test, ret, -EAGAIN);
			KUNIT_EXPECT_EQ_MSG(test, (j + 32) %
					    NVME_PREMAP_PRPS_PER_LIST, 0,
					    "start %llu", j);
			continue;
		}
		KUNIT_EXPECT_TRUE_MSG(test, pm_walk(test, f, le64_to_cpu(prp2),
						    j + 1, 32, true),
				      "start %llu", j);
	}
	KUNIT_EXPECT_EQ(test, fallbacks, 2);
}

/* the fill: entries in order, each page's last slot chains to the next */
static void premap_fill(struct kunit *test)
{
	struct pm_fake *f = pm_init(test);
	unsigned int i, last = f->p.nr_lists - 1;

	for (i = 0; i < f->p.nr_lists; i++)
		KUNIT_EXPECT_EQ(test,
				le64_to_cpu(f->lists[i][NVME_PRPS_PER_PAGE - 1]),
				i < last ? f->list_dma[i + 1] : 0);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(*nvme_premap_slot(&f->p, 0)),
			pm_page_dma(NULL, 0));
	KUNIT_EXPECT_EQ(test, le64_to_cpu(f->lists[1][0]),
			pm_page_dma(NULL, NVME_PREMAP_PRPS_PER_LIST));
	KUNIT_EXPECT_EQ(test,
			le64_to_cpu(*nvme_premap_slot(&f->p, PM_ENTRIES - 1)),
			pm_page_dma(NULL, PM_ENTRIES - 1));
}

static struct kunit_case nvme_pci_dma_cases[] = {
	KUNIT_CASE_PARAM(prp_layout, prp_gen_params),
	KUNIT_CASE(prp_errors),
	KUNIT_CASE(prp_simple),
	KUNIT_CASE_PARAM(sgl_layout, sgl_gen_params),
	KUNIT_CASE(sgl_errors),
	KUNIT_CASE(premap_fill),
	KUNIT_CASE(premap_prps),
	KUNIT_CASE(premap_prps_sweep),
	{}
};

static struct kunit_suite nvme_pci_dma_suite = {
	.name = "nvme_pci_dma",
	.test_cases = nvme_pci_dma_cases,
};

kunit_test_suite(nvme_pci_dma_suite);

MODULE_DESCRIPTION("KUnit tests for the nvme-pci PRP/SGL builders");
MODULE_LICENSE("GPL");
