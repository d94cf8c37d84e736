// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the PRP lists nvme-pci precomputes for premapped buffers.
 * Included by pci.c, whose static helpers they call.
 *
 * A fake premap describes a buffer of PT_PAGES controller pages (more than
 * five list pages of entries) in one of three layouts: 2 MiB folios and
 * pages each at a DMA address of its own (dma-direct), and one IOVA range.
 * The list pages are plain memory at made-up DMA addresses.  A request's
 * PRP1 and PRP2 are walked as a controller walks them, and every controller
 * page must come out at the premap's DMA address of its data.
 */
#include <kunit/test.h>

#define PT_PAGES	2600
/* made-up DMA addresses, below 4 GiB for a 32-bit dma_addr_t */
#define PT_LIST_DMA	0xbe000000U
#define PT_IOVA		0x40000000U

struct pt_fake {
	struct blk_premap_buf buf;
	struct blk_premap pm;
	struct nvme_premap_prps *prps;
	/* CPU addresses of the list pages, by list page */
	__le64 **lists;
};

static void pt_free_prps(void *prps)
{
	kvfree(prps);
}

/*
 * A buffer of @len bytes from byte @first_off of its first chunk of
 * 1 << @shift bytes; @shift 0 for one IOVA range (a bvec per page).
 */
static struct pt_fake *pt_init(struct kunit *test, unsigned int shift,
			       unsigned int first_off, u64 len)
{
	unsigned int cshift = shift ? shift : PAGE_SHIFT;
	u64 chunk = 1ULL << cshift;
	unsigned int nr_bvecs = (first_off + len + chunk - 1) >> cshift;
	struct pt_fake *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	struct bio_vec *bvec;
	dma_addr_t *bvec_dma;
	unsigned int i;
	u64 left = len;

	KUNIT_ASSERT_NOT_NULL(test, f);
	bvec = kunit_kcalloc(test, nr_bvecs, sizeof(*bvec), GFP_KERNEL);
	bvec_dma = kunit_kcalloc(test, nr_bvecs, sizeof(*bvec_dma), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, bvec && bvec_dma);
	for (i = 0; i < nr_bvecs; i++) {
		bvec[i].bv_offset = i ? 0 : first_off;
		bvec[i].bv_len = min_t(u64, left, chunk - bvec[i].bv_offset);
		left -= bvec[i].bv_len;
		/* chunks apart and out of order, each naturally aligned */
		bvec_dma[i] = ((u64)((i * 7) % nr_bvecs) + 16) << cshift;
		bvec_dma[i] += bvec[i].bv_offset;
	}
	f->buf.bvec = bvec;
	f->buf.nr_bvecs = nr_bvecs;
	f->buf.shift = cshift;
	f->buf.first_off = first_off;
	f->buf.len = len;
	f->pm.buf = &f->buf;
	f->pm.state = BLK_PREMAP_LIVE;
	if (shift) {
		f->pm.bvec_dma = bvec_dma;
	} else {
		/* what dma_iova_try_alloc() and dma_use_iova() go by */
		f->pm.iova.addr = PT_IOVA + (first_off & (PAGE_SIZE - 1));
		f->pm.iova.__size = len;
		/* as the premap's creation marks an IOVA range */
		f->pm.dma_base = f->pm.iova.addr;
		f->pm.dma_contig = true;
	}

	f->prps = nvme_premap_prps_alloc(&f->buf, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, f->prps);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, pt_free_prps,
							f->prps), 0);
	KUNIT_EXPECT_EQ(test, f->prps->nr_entries,
			DIV_ROUND_UP_ULL((first_off & (NVME_CTRL_PAGE_SIZE - 1)) +
					 len, NVME_CTRL_PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, f->prps->nr_lists,
			DIV_ROUND_UP(f->prps->nr_entries, PRPS_PER_PAGE));
	f->lists = kunit_kcalloc(test, f->prps->nr_lists, sizeof(*f->lists),
				 GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f->lists);
	for (i = 0; i < f->prps->nr_lists; i++) {
		f->lists[i] = kunit_kmalloc(test, NVME_CTRL_PAGE_SIZE,
					    GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, f->lists[i]);
		memset(f->lists[i], 0xa5, NVME_CTRL_PAGE_SIZE);
		f->prps->lists[i].prps = f->lists[i];
		f->prps->lists[i].dma = PT_LIST_DMA +
					(u64)i * NVME_CTRL_PAGE_SIZE;
	}
	nvme_premap_prps_fill(f->prps, &f->pm);
	f->pm.drv = f->prps;
	return f;
}

/* what a controller reads at DMA address @dma of the list pages */
static bool pt_read(struct kunit *test, struct pt_fake *f, u64 dma, u64 *val)
{
	u64 i = (dma - PT_LIST_DMA) / NVME_CTRL_PAGE_SIZE;

	if (dma < PT_LIST_DMA || i >= f->prps->nr_lists || dma % 8) {
		KUNIT_FAIL(test, "PRP list read at %llx", dma);
		return false;
	}
	*val = le64_to_cpu(f->lists[i][(dma % NVME_CTRL_PAGE_SIZE) / 8]);
	return true;
}

/*
 * The controller's view of @len bytes described by @prp1 and @prp2: the
 * DMA address of the data in each controller page, in @pages.  A list
 * page's last slot is the next list page's address while more than one
 * entry is left.  Returns the number of pages, or -1 for a list read
 * outside the list pages.
 */
static int pt_walk(struct kunit *test, struct pt_fake *f, u64 prp1, u64 prp2,
		   u64 len, u64 *pages, int max)
{
	u64 first = NVME_CTRL_PAGE_SIZE - (prp1 & (NVME_CTRL_PAGE_SIZE - 1));
	u64 left, p = prp2;
	int n = 0;

	pages[n++] = prp1;
	if (len <= first)
		return n;
	left = len - first;
	if (left <= NVME_CTRL_PAGE_SIZE) {
		pages[n++] = prp2;
		return n;
	}
	while (left) {
		u64 val;

		if (n >= max || !pt_read(test, f, p, &val))
			return -1;
		if (p % NVME_CTRL_PAGE_SIZE == NVME_CTRL_PAGE_SIZE - 8 &&
		    left > NVME_CTRL_PAGE_SIZE) {
			p = val;
			continue;
		}
		pages[n++] = val;
		left -= min_t(u64, left, NVME_CTRL_PAGE_SIZE);
		p += 8;
	}
	return n;
}

/*
 * Whether the controller's view of @len bytes from byte @off with @prp2
 * is the premap's: each controller page at the DMA address of its first
 * data byte.
 */
static bool pt_view_ok(struct kunit *test, struct pt_fake *f, u64 off,
		       u64 len, u64 prp2, u64 *pages, int max)
{
	u64 prp1 = blk_premap_dma_at(&f->pm, off);
	int i, n = pt_walk(test, f, prp1, prp2, len, pages, max);
	u64 o = off;

	if (n < 0)
		return false;
	for (i = 0; i < n; i++) {
		if (o >= off + len || pages[i] != blk_premap_dma_at(&f->pm, o))
			return false;
		o = (o + f->prps->head + NVME_CTRL_PAGE_SIZE) &
			~(u64)(NVME_CTRL_PAGE_SIZE - 1);
		o -= f->prps->head;
	}
	return o >= off + len;
}

struct pt_counts {
	unsigned int served;
	unsigned int refused;
};

#define PT_MAX_PAGES	1200

/*
 * One request of @len bytes from byte @off: nvme_premap_prp2() gives PRPs
 * the controller reads as the premap's addresses, or refuses, and then
 * PRP2 at the entry of the second page would have made the controller
 * read a chain slot as data.
 */
static void pt_one(struct kunit *test, struct pt_fake *f, u64 off, u64 len,
		   u64 *pages, struct pt_counts *c)
{
	dma_addr_t dma;
	__le64 prp2;

	bool ok;

	if (nvme_premap_prp2(f->prps, off, len, &prp2)) {
		c->served++;
		ok = pt_view_ok(test, f, off, len, le64_to_cpu(prp2), pages,
				PT_MAX_PAGES);
		KUNIT_EXPECT_TRUE_MSG(test, ok, "off %llu len %llu", off, len);
		return;
	}
	c->refused++;
	nvme_premap_prp_slot(f->prps, nvme_premap_prp_idx(f->prps, off) + 1,
			     &dma);
	ok = pt_view_ok(test, f, off, len, dma, pages, PT_MAX_PAGES);
	KUNIT_EXPECT_FALSE_MSG(test, ok,
			       "refused off %llu len %llu, which the lists serve",
			       off, len);
}

/* whether the sweep takes requests of @np whole controller pages and more */
static bool pt_np_wanted(unsigned int np)
{
	unsigned int r = np % PRPS_PER_PAGE;

	return np <= 40 || r <= 3 || r >= PRPS_PER_PAGE - 3;
}

/*
 * Requests from a set of positions (in-page offsets, around list page
 * boundaries) of a set of lengths (1 to 41 controller pages, and around
 * one and two list pages' worth) in the buffer of @f, each checked by
 * pt_one().  Both outcomes must occur: the sweep crosses list pages.
 */
static void pt_sweep(struct kunit *test, struct pt_fake *f)
{
	static const unsigned int entry[] = {
		0, 1, 2, 508, 509, 510, 511, 512, 1019, 1020, 1021, 1022,
		1533, 2043, 2044, 2045,
	};
	static const unsigned int in_page[] = { 0, 8, 512, 4095 };
	static const unsigned int tail[] = { 1, 512, 4096 };
	struct pt_counts c = {};
	unsigned int e, i, np, t;
	u64 *pages;

	pages = kunit_kcalloc(test, PT_MAX_PAGES, sizeof(*pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	for (e = 0; e < ARRAY_SIZE(entry); e++) {
		for (i = 0; i < ARRAY_SIZE(in_page); i++) {
			u64 pos = ((u64)entry[e] << NVME_CTRL_PAGE_SHIFT) +
				  in_page[i];

			if (pos < f->prps->head)
				continue;
			for (np = 0; np < 2 * PRPS_PER_PAGE + 4; np++) {
				if (!pt_np_wanted(np))
					continue;
				for (t = 0; t < ARRAY_SIZE(tail); t++) {
					u64 off = pos - f->prps->head;
					u64 len = ((u64)np <<
						   NVME_CTRL_PAGE_SHIFT) +
						  tail[t];

					if (off + len <= f->buf.len)
						pt_one(test, f, off, len, pages,
						       &c);
				}
			}
		}
	}
	KUNIT_EXPECT_GT(test, c.refused, 0);
	KUNIT_EXPECT_GT(test, c.served, c.refused);
}

/*
 * The filled lists: entry j of a page-aligned buffer is the DMA address of
 * its controller page j, each list page's last slot points to the next
 * list page and the last one's is 0.
 */
static void premap_prps_fill(struct kunit *test)
{
	struct pt_fake *f = pt_init(test, PAGE_SHIFT, 0,
				    PT_PAGES * NVME_CTRL_PAGE_SIZE);
	unsigned int i, n = f->prps->nr_lists;

	KUNIT_ASSERT_EQ(test, f->prps->nr_entries, PT_PAGES);
	KUNIT_ASSERT_GT(test, n, 5);
	for (i = 0; i < PT_PAGES; i++) {
		u64 entry = le64_to_cpu(f->lists[i / PRPS_PER_PAGE]
						[i % PRPS_PER_PAGE]);

		KUNIT_EXPECT_EQ_MSG(test, entry,
				    blk_premap_dma_at(&f->pm,
						      (u64)i * NVME_CTRL_PAGE_SIZE),
				    "entry %u", i);
	}
	for (i = 0; i + 1 < n; i++)
		KUNIT_EXPECT_EQ(test, le64_to_cpu(f->lists[i][PRPS_PER_PAGE]),
				f->prps->lists[i + 1].dma);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(f->lists[n - 1][PRPS_PER_PAGE]), 0);
}

/* 2 MiB folios, the buffer starting mid-page five pages before a folio end */
static void premap_prps_folios(struct kunit *test)
{
	pt_sweep(test, pt_init(test, 21, SZ_2M - 5 * SZ_4K - 700,
			       PT_PAGES * NVME_CTRL_PAGE_SIZE - 3000));
}

/* pages, each at a DMA address of its own, from an in-page offset */
static void premap_prps_pages(struct kunit *test)
{
	pt_sweep(test, pt_init(test, PAGE_SHIFT, 100,
			       PT_PAGES * NVME_CTRL_PAGE_SIZE - 100));
}

/* one IOVA range, page-aligned and from an in-page offset */
static void premap_prps_iova(struct kunit *test)
{
	pt_sweep(test, pt_init(test, 0, 0, PT_PAGES * NVME_CTRL_PAGE_SIZE));
	pt_sweep(test, pt_init(test, 0, 3000,
			       PT_PAGES * NVME_CTRL_PAGE_SIZE - 5000));
}

static struct kunit_case nvme_pci_premap_cases[] = {
	KUNIT_CASE(premap_prps_fill),
	KUNIT_CASE(premap_prps_folios),
	KUNIT_CASE(premap_prps_pages),
	KUNIT_CASE(premap_prps_iova),
	{}
};

static struct kunit_suite nvme_pci_premap_suite = {
	.name = "nvme_pci_premap",
	.test_cases = nvme_pci_premap_cases,
};

kunit_test_suite(nvme_pci_premap_suite);
