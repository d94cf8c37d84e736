// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the block layer DMA mapping iterator:
 * blk_rq_dma_map_iter_start(), blk_rq_dma_map_iter_next() and
 * blk_rq_dma_unmap().
 *
 * Every case builds a request from real pages (bios with bvecs chained from
 * rq->bio, or a special payload), maps it for a KUnit device that uses
 * dma-direct, and compares each DMA segment with the expected bus address
 * (phys_to_dma() of the expected physical address) and length.  The segments
 * are then unmapped the way a driver such as nvme-pci does: whole request
 * through blk_rq_dma_unmap(), falling back to one dma_unmap_phys() per segment
 * when the DMA layer needs it (e.g. with CONFIG_DMA_API_DEBUG, which then
 * also checks every unmap against its map).
 */
#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/bio.h>
#include <linux/blk-mq-dma.h>
#include <linux/dma-direct.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/swiotlb.h>
#include <xen/xen.h>

#define MAX_BIOS	4
#define MAX_BVECS	4
#define MAX_SEGS	(MAX_BIOS * MAX_BVECS)
#define BLOCK_ORDER	4	/* 64K of physically contiguous pages */

/* blk_status_t is __bitwise, compare its value */
#define STS(x)		((__force u8)(x))

struct dma_test_rq {
	struct request_queue *q;
	struct request *rq;
	struct device *dev;
	struct page *block;
	struct bio bio[MAX_BIOS];
	struct bio_vec bvec[MAX_BIOS][MAX_BVECS];
};

/* a segment as the test expects it, by physical address */
struct dma_test_exp {
	phys_addr_t phys;
	u32 len;
};

/* a segment as the iterator mapped it */
struct dma_test_seg {
	dma_addr_t addr;
	u32 len;
};

static void dma_test_free_block(void *block)
{
	__free_pages(block, BLOCK_ORDER);
}

static void dma_test_free_page(void *page)
{
	__free_page((struct page *)page);
}

KUNIT_DEFINE_ACTION_WRAPPER(dma_test_folio_put, folio_put, struct folio *);

static struct dma_test_rq *dma_test_rq_alloc(struct kunit *test)
{
	struct dma_test_rq *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, t);
	/* the expected segments are laid out in 4 KiB pages */
	if (PAGE_SIZE != SZ_4K)
		kunit_skip(test, "needs 4 KiB pages");
	t->q = kunit_kzalloc(test, sizeof(*t->q), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->q);
	t->rq = kunit_kzalloc(test, sizeof(*t->rq), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->rq);

	/* the limits of a PCIe NVMe controller: only the 4G boundary */
	t->q->limits.max_segment_size = UINT_MAX;
	t->q->limits.seg_boundary_mask = BLK_SEG_BOUNDARY_MASK;
	t->rq->q = t->q;
	t->rq->cmd_flags = REQ_OP_READ;

	t->dev = kunit_device_register(test, "blk_mq_dma_test");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t->dev);
	t->dev->dma_mask = &t->dev->coherent_dma_mask;
	ret = dma_set_mask_and_coherent(t->dev, DMA_BIT_MASK(64));
	KUNIT_ASSERT_EQ(test, ret, 0);
	/* the cases expect dma-direct's 1:1 mapping of every segment */
	if (get_dma_ops(t->dev) || is_swiotlb_force_bounce(t->dev))
		kunit_skip(test, "DMA is not plain dma-direct here");

	t->block = alloc_pages(GFP_KERNEL | __GFP_NOWARN, BLOCK_ORDER);
	if (!t->block)
		kunit_skip(test, "no order-%d block available", BLOCK_ORDER);
	ret = kunit_add_action_or_reset(test, dma_test_free_block, t->block);
	KUNIT_ASSERT_EQ(test, ret, 0);
	return t;
}

static struct folio *dma_test_folio_alloc(struct kunit *test)
{
	struct folio *folio;
	int ret;

	folio = folio_alloc(GFP_KERNEL | __GFP_NOWARN, get_order(SZ_2M));
	if (!folio)
		kunit_skip(test, "no 2M folio available");
	ret = kunit_add_action_or_reset(test, dma_test_folio_put, folio);
	KUNIT_ASSERT_EQ(test, ret, 0);
	return folio;
}

/* Physical address of byte @off of page @pg of the test block */
static phys_addr_t blk_phys(struct dma_test_rq *t, unsigned int pg, u32 off)
{
	return page_to_phys(t->block + pg) + off;
}

/*
 * Append a bvec to bio @b, which is added to the end of the request on first
 * use, like blk_rq_bio_prep() and bio merging would.  @off may exceed
 * PAGE_SIZE (multi-page bvec).
 */
static void add_bvec(struct dma_test_rq *t, unsigned int b, struct page *page,
		     u32 off, u32 len)
{
	struct bio *bio = &t->bio[b];

	if (!bio->bi_io_vec) {
		bio_init(bio, NULL, t->bvec[b], MAX_BVECS, t->rq->cmd_flags);
		if (b)
			t->bio[b - 1].bi_next = bio;
		else
			t->rq->bio = bio;
		t->rq->biotail = bio;
	}
	bvec_set_page(&t->bvec[b][bio->bi_vcnt++], page, len, off);
	bio->bi_iter.bi_size += len;
	t->rq->__data_len += len;
	t->rq->nr_phys_segments++;
}

static void add_blk_bvec(struct dma_test_rq *t, unsigned int b,
			 unsigned int pg, u32 off, u32 len)
{
	add_bvec(t, b, t->block + pg, off, len);
}

/* Complete the first @bytes of bio @b, leaving its iterator inside a bvec */
static void advance_bio(struct dma_test_rq *t, unsigned int b, u32 bytes)
{
	bio_advance(&t->bio[b], bytes);
	t->rq->__data_len -= bytes;
}

/*
 * Map the whole request as a driver does.  @state and @iter are poisoned
 * first: the iterator documents that they need no initialisation.  Returns
 * the number of segments mapped into @segs, and the final iterator in @iter.
 */
static unsigned int map_rq(struct kunit *test, struct dma_test_rq *t,
			   struct dma_iova_state *state,
			   struct blk_dma_iter *iter, struct dma_test_seg *segs)
{
	unsigned int n = 0;

	memset(state, 0x5a, sizeof(*state));
	memset(iter, 0x5a, sizeof(*iter));
	if (!blk_rq_dma_map_iter_start(t->rq, t->dev, state, iter))
		return 0;
	do {
		KUNIT_ASSERT_LT(test, n, MAX_SEGS);
		segs[n].addr = iter->addr;
		segs[n].len = iter->len;
		n++;
	} while (blk_rq_dma_map_iter_next(t->rq, t->dev, iter));
	return n;
}

/*
 * Unmap @n segments.  dma-direct never coalesces, so blk_rq_dma_unmap() is
 * done exactly when the DMA layer says no unmap is needed, and otherwise every
 * segment must be unmapped with the direction the request was mapped with.
 */
static void unmap_rq(struct kunit *test, struct dma_test_rq *t,
		     struct dma_iova_state *state, struct blk_dma_iter *iter,
		     struct dma_test_seg *segs, unsigned int n)
{
	size_t mapped_len = 0;
	unsigned int i;
	bool done;

	if (!n)
		return;
	for (i = 0; i < n; i++)
		mapped_len += segs[i].len;
	KUNIT_EXPECT_FALSE(test, blk_rq_dma_map_coalesce(state));
	KUNIT_EXPECT_EQ(test, iter->p2pdma.map, PCI_P2PDMA_MAP_NONE);
	/* with neither an IOVA nor bus addresses, it does only what is free */
	done = blk_rq_dma_unmap(t->rq, t->dev, state, mapped_len,
				iter->p2pdma.map);
	if (done)
		return;
	for (i = 0; i < n; i++)
		dma_unmap_phys(t->dev, segs[i].addr, segs[i].len,
			       rq_dma_dir(t->rq), 0);
}

/* Map the request, check it against @exp and unmap it */
static void check_segs(struct kunit *test, struct dma_test_rq *t,
		       const struct dma_test_exp *exp, unsigned int nr_exp)
{
	struct dma_test_seg segs[MAX_SEGS];
	struct dma_iova_state state;
	struct blk_dma_iter iter;
	size_t total = 0;
	unsigned int n, i;

	n = map_rq(test, t, &state, &iter, segs);
	KUNIT_EXPECT_EQ(test, STS(iter.status), STS(BLK_STS_OK));
	unmap_rq(test, t, &state, &iter, segs, n);

	KUNIT_ASSERT_EQ(test, n, nr_exp);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ_MSG(test, segs[i].addr,
				    phys_to_dma(t->dev, exp[i].phys),
				    "segment %u address", i);
		KUNIT_EXPECT_EQ_MSG(test, segs[i].len, exp[i].len,
				    "segment %u length", i);
		total += segs[i].len;
	}
	KUNIT_EXPECT_EQ(test, total, blk_rq_payload_bytes(t->rq));
}

/* Merging of physically contiguous bvecs is off under KMSAN and on Xen */
static void require_merging(struct kunit *test)
{
	if (IS_ENABLED(CONFIG_KMSAN) || xen_domain())
		kunit_skip(test, "physical merging disabled");
}

static void single_bvec(struct kunit *test)
{
	struct dma_test_rq *t = dma_test_rq_alloc(test);
	const struct dma_test_exp exp[] = { { blk_phys(t, 1, 0), SZ_4K } };

	add_blk_bvec(t, 0, 1, 0, SZ_4K);
	check_segs(test, t, exp, ARRAY_SIZE(exp));
}

/* adjacent bvecs are merged into one segment once each one is consumed */
static void contiguous_bvecs(struct kunit *test)
{
	struct dma_test_rq *t = dma_test_rq_alloc(test);
	const struct dma_test_exp exp[] = { { blk_phys(t, 0, 0), 4 * SZ_4K } };

	require_merging(test);
	t->rq->cmd_flags = REQ_OP_WRITE;
	add_blk_bvec(t, 0, 0, 0, SZ_4K);
	add_blk_bvec(t, 0, 1, 0, SZ_4K);
	add_blk_bvec(t, 0, 2, 0, SZ_8K);
	check_segs(test, t, exp, ARRAY_SIZE(exp));
}

static void discontiguous_bvecs(struct kunit *test)
{
	struct dma_test_rq *t = dma_test_rq_alloc(test);
	const struct dma_test_exp exp[] = {
		{ blk_phys(t, 4, 0), SZ_4K },
		{ blk_phys(t, 0, 0), SZ_4K },
		{ blk_phys(t, 2, 0), SZ_8K },
	};

	/* page 4 is followed by page 0: adjacent in the bio, not in memory */
	add_blk_bvec(t, 0, 4, 0, SZ_4K);
	add_blk_bvec(t, 0, 0, 0, SZ_4K);
	add_blk_bvec(t, 0, 2, 0, SZ_8K);
	check_segs(test, t, exp, ARRAY_SIZE(exp));
}

/* one bvec covering a whole 2M folio is one segment */
static void folio_bvec(struct kunit *test)
{
	struct dma_test_rq *t = dma_test_rq_alloc(test);
	struct folio *folio = dma_test_folio_alloc(test);
	const struct dma_test_exp exp[] = {
		{ page_to_phys(folio_page(folio, 0)), SZ_2M },
	};

	add_bvec(t, 0, folio_page(folio, 0), 0, SZ_2M);
	check_segs(test, t, exp, ARRAY_SIZE(exp));
}

/* offsets into the first page, bvecs ending mid-page and on page boundaries */
static void bvec_offsets(struct kunit *test)
{
	struct dma_test_rq *t = dma_test_rq_alloc(test);
	const struct dma_test_exp exp[] = {
		{ blk_phys(t, 0, 512), SZ_4K - 512 + SZ_1K },
		{ blk_phys(t, 3, 1536), SZ_1K },
		{ blk_phys(t, 5, 3584), 512 + SZ_4K },
	};

	require_merging(test);
	/* ends on the page boundary, continued by the start of the next page */
	add_blk_bvec(t, 0, 0, 512, SZ_4K - 512);
	add_blk_bvec(t, 0, 1, 0, SZ_1K);
	add_blk_bvec(t, 0, 3, 1536, SZ_1K);
	/* multi-page bvec, from the last sector of page 5 to the end of page 6 */
	add_blk_bvec(t, 0, 5, 3584, 512 + SZ_4K);
	check_segs(test, t, exp, ARRAY_SIZE(exp));
}

/* bv_offset beyond the first page of a large folio, and up to its end */
static void folio_offsets(struct kunit *test)
{
	struct dma_test_rq *t = dma_test_rq_alloc(test);
	struct folio *folio = dma_test_folio_alloc(test);
	struct page *head = folio_page(folio, 0);
	const struct dma_test_exp exp[] = {
		{ page_to_phys(head) + 5 * SZ_4K + 512, 3 * SZ_4K },
		{ page_to_phys(head) + SZ_2M - SZ_4K - 512, SZ_4K + 512 },
	};

	add_bvec(t, 0, head, 5 * SZ_4K + 512, 3 * SZ_4K);
	add_bvec(t, 0, head, SZ_2M - SZ_4K - 512, SZ_4K + 512);
	check_segs(test, t, exp, ARRAY_SIZE(exp));
}

/* a request with several merged bios is walked through bi_next */
static void multi_bio(struct kunit *test)
{
	struct dma_test_rq *t = dma_test_rq_alloc(test);
	const struct dma_test_exp exp[] = {
		{ blk_phys(t, 0, 512), 3 * SZ_4K - 512 },
		{ blk_phys(t, 6, 0), SZ_4K },
		{ blk_phys(t, 9, 0), SZ_2K },
	};

	require_merging(test);
	add_blk_bvec(t, 0, 0, 512, SZ_4K - 512);
	add_blk_bvec(t, 1, 1, 0, SZ_4K);
	add_blk_bvec(t, 2, 2, 0, SZ_4K);
	add_blk_bvec(t, 2, 6, 0, SZ_4K);
	add_blk_bvec(t, 3, 9, 0, SZ_2K);
	check_segs(test, t, exp, ARRAY_SIZE(exp));
}

/* bios whose iterator starts inside a bvec (bi_idx/bi_offset != 0) */
static void advanced_bio(struct kunit *test)
{
	struct dma_test_rq *t = dma_test_rq_alloc(test);
	const struct dma_test_exp exp[] = {
		{ blk_phys(t, 2, 1536), SZ_4K - 1536 },
		{ blk_phys(t, 5, 1536), SZ_4K - 1536 + SZ_4K },
	};

	require_merging(test);
	add_blk_bvec(t, 0, 0, 0, SZ_4K);
	add_blk_bvec(t, 0, 2, 0, SZ_4K);
	advance_bio(t, 0, SZ_4K + 1536);
	add_blk_bvec(t, 1, 5, 512, SZ_4K - 512);
	add_blk_bvec(t, 1, 6, 0, SZ_4K);
	advance_bio(t, 1, SZ_1K);
	check_segs(test, t, exp, ARRAY_SIZE(exp));
}

/* a bvec larger than max_segment_size is split, and the rest not merged */
static void max_segment_size(struct kunit *test)
{
	struct dma_test_rq *t = dma_test_rq_alloc(test);
	const struct dma_test_exp exp[] = {
		{ blk_phys(t, 0, 0), SZ_8K },
		{ blk_phys(t, 2, 0), SZ_4K },
		{ blk_phys(t, 3, 0), SZ_8K },
	};

	t->q->limits.max_segment_size = SZ_8K;
	add_blk_bvec(t, 0, 0, 0, 3 * SZ_4K);
	add_blk_bvec(t, 0, 3, 0, SZ_8K);
	check_segs(test, t, exp, ARRAY_SIZE(exp));
}

/* no segment crosses seg_boundary_mask: the test block is 64K aligned */
static void seg_boundary(struct kunit *test)
{
	struct dma_test_rq *t = dma_test_rq_alloc(test);
	const struct dma_test_exp exp[] = {
		{ blk_phys(t, 2, 0), SZ_8K },
		{ blk_phys(t, 4, 0), SZ_16K },
		{ blk_phys(t, 8, 0), SZ_4K },
	};

	t->q->limits.seg_boundary_mask = SZ_16K - 1;
	add_blk_bvec(t, 0, 2, 0, SZ_8K);
	add_blk_bvec(t, 0, 4, 0, SZ_16K + SZ_4K);
	check_segs(test, t, exp, ARRAY_SIZE(exp));
}

/* a discard-style request maps its special_vec, not its bio */
static void special_payload(struct kunit *test)
{
	struct dma_test_rq *t = dma_test_rq_alloc(test);
	const struct dma_test_exp exp[] = { { blk_phys(t, 3, 256), SZ_1K } };

	t->rq->cmd_flags = REQ_OP_DISCARD;
	bio_init(&t->bio[0], NULL, NULL, 0, REQ_OP_DISCARD);
	t->bio[0].bi_iter.bi_size = SZ_1M;
	t->rq->bio = &t->bio[0];
	t->rq->biotail = &t->bio[0];
	t->rq->__data_len = SZ_1M;
	t->rq->nr_phys_segments = 1;
	bvec_set_page(&t->rq->special_vec, t->block + 3, SZ_1K, 256);
	t->rq->rq_flags |= RQF_SPECIAL_PAYLOAD;
	check_segs(test, t, exp, ARRAY_SIZE(exp));
}

/* a request without a bio (e.g. a flush) maps nothing and is not an error */
static void no_data(struct kunit *test)
{
	struct dma_test_rq *t = dma_test_rq_alloc(test);
	struct dma_iova_state state;
	struct blk_dma_iter iter;

	t->rq->cmd_flags = REQ_OP_FLUSH;
	memset(&iter, 0x5a, sizeof(iter));
	KUNIT_EXPECT_FALSE(test, blk_rq_dma_map_iter_start(t->rq, t->dev,
							   &state, &iter));
	KUNIT_EXPECT_EQ(test, STS(iter.status), STS(BLK_STS_OK));
}

/*
 * A segment the device cannot address fails with BLK_STS_RESOURCE in
 * blk_rq_dma_map_iter_next(), after the first segment was mapped: the driver
 * unwinds what was mapped so far.
 */
static void map_error(struct kunit *test)
{
	struct dma_test_rq *t = dma_test_rq_alloc(test);
	struct dma_test_seg segs[MAX_SEGS];
	struct dma_iova_state state;
	struct blk_dma_iter iter;
	struct page *low;
	unsigned int n;
	int ret;

	if (!IS_ENABLED(CONFIG_ZONE_DMA))
		kunit_skip(test, "needs ZONE_DMA");
	if (is_swiotlb_active(t->dev))
		kunit_skip(test, "swiotlb bounces instead of failing");
	/* a device limited to ZONE_DMA, as ISA-era DMA engines are */
	if (dma_set_mask_and_coherent(t->dev, DMA_BIT_MASK(24)))
		kunit_skip(test, "a 24-bit DMA mask is not supported here");
	low = alloc_page(GFP_KERNEL | GFP_DMA | __GFP_NOWARN);
	if (!low)
		kunit_skip(test, "no ZONE_DMA page");
	ret = kunit_add_action_or_reset(test, dma_test_free_page, low);
	KUNIT_ASSERT_EQ(test, ret, 0);
	if (page_to_phys(low) + PAGE_SIZE - 1 > DMA_BIT_MASK(24))
		kunit_skip(test, "ZONE_DMA is not addressable with 24 bits");
	if (blk_phys(t, 0, 0) <= DMA_BIT_MASK(24))
		kunit_skip(test, "test block is addressable with 24 bits");

	add_bvec(t, 0, low, 0, SZ_4K);
	add_blk_bvec(t, 0, 0, 0, SZ_4K);
	/*
	 * dma-direct warns about the address it cannot map, once per boot
	 * (so this case uses that warning up): nothing else may warn.
	 */
	kunit_warning_suppress(test) {
		n = map_rq(test, t, &state, &iter, segs);
		KUNIT_EXPECT_LE(test, KUNIT_SUPPRESSED_WARNING_COUNT(), 1);
	}
	/* unwind what was mapped before checking how much that was */
	unmap_rq(test, t, &state, &iter, segs, n);
	KUNIT_EXPECT_EQ(test, STS(iter.status), STS(BLK_STS_RESOURCE));
	KUNIT_ASSERT_EQ(test, n, 1);
	KUNIT_EXPECT_EQ(test, segs[0].addr,
			phys_to_dma(t->dev, page_to_phys(low)));
}

static struct kunit_case blk_mq_dma_cases[] = {
	KUNIT_CASE(single_bvec),
	KUNIT_CASE(contiguous_bvecs),
	KUNIT_CASE(discontiguous_bvecs),
	KUNIT_CASE(folio_bvec),
	KUNIT_CASE(bvec_offsets),
	KUNIT_CASE(folio_offsets),
	KUNIT_CASE(multi_bio),
	KUNIT_CASE(advanced_bio),
	KUNIT_CASE(max_segment_size),
	KUNIT_CASE(seg_boundary),
	KUNIT_CASE(special_payload),
	KUNIT_CASE(no_data),
	KUNIT_CASE(map_error),
	{}
};

static struct kunit_suite blk_mq_dma_suite = {
	.name = "blk_mq_dma",
	.test_cases = blk_mq_dma_cases,
};

kunit_test_suite(blk_mq_dma_suite);

MODULE_DESCRIPTION("KUnit tests for the block layer DMA mapping iterator");
MODULE_LICENSE("GPL");
