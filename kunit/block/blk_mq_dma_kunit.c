// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "blk_mq_dma": blk_rq_dma_map_iter_start/next() and
 * blk_rq_dma_unmap() on synthetic requests against a KUnit device
 * (dma-direct, no IOMMU: x86_64 under QEMU).
 *
 * Each case builds a request from real pages (bios with bvecs, a queue with
 * the limits under test), runs the iterator to the end and compares the
 * segments with what the case expects, in bus addresses (dma-direct on x86
 * maps 1:1), then unmaps every segment as a driver would.
 */
#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/bio.h>
#include <linux/blk-mq.h>
#include <linux/blk-mq-dma.h>
#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/sizes.h>
#include <linux/swiotlb.h>

#define MAX_BVECS	8
#define MAX_BIOS	4

/* blk_status_t is __bitwise: compare its value */
#define STS(x)		((__force u8)(x))

struct fake_rq {
	struct request_queue *q;
	struct request *rq;
	struct bio *bio[MAX_BIOS];
	struct bio_vec bvec[MAX_BIOS][MAX_BVECS];
	struct device *dev;
	struct page *pages;	/* order-4 block the cases carve bvecs from */
};

struct exp_seg {
	u32 page;	/* page index into fake_rq::pages */
	u32 offset;	/* bytes */
	u32 len;	/* bytes */
};

static void free_block(void *pages)
{
	__free_pages(pages, 4);
}

static struct fake_rq *fake_rq_init(struct kunit *test)
{
	struct fake_rq *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, f);
	f->q = kunit_kzalloc(test, sizeof(*f->q), GFP_KERNEL);
	f->rq = kunit_kzalloc(test, sizeof(*f->rq), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f->q);
	KUNIT_ASSERT_NOT_NULL(test, f->rq);
	/* what nvme-pci gets: no segment size limit, 4G boundary */
	f->q->limits.max_segment_size = UINT_MAX;
	f->q->limits.seg_boundary_mask = BLK_SEG_BOUNDARY_MASK;
	f->q->limits.virt_boundary_mask = SZ_4K - 1;
	f->rq->q = f->q;
	f->rq->cmd_flags = REQ_OP_READ;

	f->dev = kunit_device_register(test, "blk_mq_dma_test");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, f->dev);
	f->dev->dma_mask = &f->dev->coherent_dma_mask;
	KUNIT_ASSERT_EQ(test, dma_set_mask_and_coherent(f->dev, DMA_BIT_MASK(64)), 0);

	for (i = 0; i < MAX_BIOS; i++) {
		f->bio[i] = kunit_kzalloc(test, sizeof(*f->bio[i]), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, f->bio[i]);
	}
	f->pages = alloc_pages(GFP_KERNEL, 4);
	KUNIT_ASSERT_NOT_NULL(test, f->pages);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, free_block,
							f->pages), 0);
	return f;
}

/* bvec @i of bio @b: @len bytes at @offset into page @page of the block */
static void add_bvec(struct fake_rq *f, int b, u32 page, u32 offset, u32 len)
{
	struct bio *bio = f->bio[b];

	if (!bio->bi_io_vec) {
		bio_init(bio, NULL, f->bvec[b], MAX_BVECS, REQ_OP_READ);
		if (b)
			f->bio[b - 1]->bi_next = bio;
		else
			f->rq->bio = bio;
		f->rq->biotail = bio;
	}
	bvec_set_page(&f->bvec[b][bio->bi_vcnt++], f->pages + page, len, offset);
	bio->bi_iter.bi_size += len;
	f->rq->__data_len += len;
	f->rq->nr_phys_segments++;
}

static phys_addr_t exp_addr(struct fake_rq *f, const struct exp_seg *e)
{
	return page_to_phys(f->pages + e->page) + e->offset;
}

/* run the iterator over the request and compare with @exp */
static void expect_segs(struct kunit *test, struct fake_rq *f,
			const struct exp_seg *exp, int nr_exp)
{
	struct blk_dma_state state;
	struct blk_dma_iter iter;
	struct { dma_addr_t addr; u32 len; } got[MAX_BIOS * MAX_BVECS];
	int n = 0, i;
	bool more;

	more = blk_rq_dma_map_iter_start(f->rq, f->dev, &state, &iter);
	while (more) {
		KUNIT_ASSERT_LT(test, n, ARRAY_SIZE(got));
		got[n].addr = iter.addr;
		got[n].len = iter.len;
		n++;
		more = blk_rq_dma_map_iter_next(f->rq, f->dev, &state, &iter);
	}
	KUNIT_EXPECT_EQ(test, STS(iter.status), STS(BLK_STS_OK));
	/* no IOMMU: every segment was mapped on its own */
	KUNIT_EXPECT_FALSE(test, blk_rq_dma_unmap(f->rq, f->dev, &state,
						  blk_rq_payload_bytes(f->rq)));
	for (i = 0; i < n; i++)
		dma_unmap_page(f->dev, got[i].addr, got[i].len, DMA_FROM_DEVICE);

	KUNIT_ASSERT_EQ(test, n, nr_exp);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ_MSG(test, got[i].addr, exp_addr(f, &exp[i]),
				    "segment %d", i);
		KUNIT_EXPECT_EQ_MSG(test, got[i].len, exp[i].len, "segment %d", i);
	}
}

/* contiguous bvecs of one bio become one segment */
static void merge_contiguous(struct kunit *test)
{
	struct fake_rq *f = fake_rq_init(test);
	static const struct exp_seg exp[] = { { 0, 0, 4 * SZ_4K } };

	add_bvec(f, 0, 0, 0, SZ_4K);
	add_bvec(f, 0, 1, 0, SZ_4K);
	add_bvec(f, 0, 2, 0, 2 * SZ_4K);
	expect_segs(test, f, exp, ARRAY_SIZE(exp));
}

/* contiguity is also found across bios (plug merging) */
static void merge_across_bios(struct kunit *test)
{
	struct fake_rq *f = fake_rq_init(test);
	static const struct exp_seg exp[] = { { 0, 512, 3 * SZ_4K - 512 } };

	add_bvec(f, 0, 0, 512, SZ_4K - 512);
	add_bvec(f, 1, 1, 0, SZ_4K);
	add_bvec(f, 2, 2, 0, SZ_4K);
	expect_segs(test, f, exp, ARRAY_SIZE(exp));
}

/* a gap splits; the pieces keep their offsets (virt_boundary-shaped) */
static void split_at_gaps(struct kunit *test)
{
	struct fake_rq *f = fake_rq_init(test);
	static const struct exp_seg exp[] = {
		{ 0, 512, SZ_4K - 512 },
		{ 2, 0, 2 * SZ_4K },
		{ 5, 0, 100 },
	};

	add_bvec(f, 0, 0, 512, SZ_4K - 512);
	add_bvec(f, 0, 2, 0, SZ_4K);
	add_bvec(f, 1, 3, 0, SZ_4K);
	add_bvec(f, 1, 5, 0, 100);
	expect_segs(test, f, exp, ARRAY_SIZE(exp));
}

/* max_segment_size splits a bvec and stops merging */
static void split_max_segment_size(struct kunit *test)
{
	struct fake_rq *f = fake_rq_init(test);
	/* greedy: 8K, the bvec's 4K tail (4K + 8K would exceed), then 8K */
	static const struct exp_seg exp[] = {
		{ 0, 0, SZ_8K }, { 2, 0, SZ_4K }, { 3, 0, SZ_8K },
	};

	f->q->limits.max_segment_size = SZ_8K;
	add_bvec(f, 0, 0, 0, 3 * SZ_4K);	/* one 12K bvec */
	add_bvec(f, 0, 3, 0, 2 * SZ_4K);
	expect_segs(test, f, exp, ARRAY_SIZE(exp));
}

/* a segment never crosses seg_boundary_mask */
static void split_seg_boundary(struct kunit *test)
{
	struct fake_rq *f = fake_rq_init(test);
	static const struct exp_seg exp[] = {
		{ 0, 0, SZ_16K }, { 4, 0, SZ_16K },
	};

	/* the order-4 block is 64K aligned, so 16K boundaries fall at pages 4k */
	f->q->limits.seg_boundary_mask = SZ_16K - 1;
	add_bvec(f, 0, 0, 0, SZ_16K);
	add_bvec(f, 0, 4, 0, SZ_16K);
	expect_segs(test, f, exp, ARRAY_SIZE(exp));
}

/* the largest single bvec the block carries: 64K, one segment */
static void whole_block(struct kunit *test)
{
	struct fake_rq *f = fake_rq_init(test);
	static const struct exp_seg exp[] = { { 0, 0, SZ_64K } };

	add_bvec(f, 0, 0, 0, SZ_64K);
	expect_segs(test, f, exp, ARRAY_SIZE(exp));
}

/* no payload: no segment, status OK */
static void zero_length(struct kunit *test)
{
	struct fake_rq *f = fake_rq_init(test);
	struct blk_dma_state state;
	struct blk_dma_iter iter;

	KUNIT_EXPECT_FALSE(test, blk_rq_dma_map_iter_start(f->rq, f->dev,
							   &state, &iter));
	KUNIT_EXPECT_EQ(test, STS(iter.status), STS(BLK_STS_OK));
	KUNIT_EXPECT_FALSE(test, blk_rq_dma_unmap(f->rq, f->dev, &state, 0));
}

/* a device that cannot reach the pages: start fails with RESOURCE */
static void mapping_error(struct kunit *test)
{
	struct fake_rq *f = fake_rq_init(test);
	struct blk_dma_state state;
	struct blk_dma_iter iter;

	if (is_swiotlb_active(f->dev))
		kunit_skip(test, "swiotlb would bounce instead of failing");
	/* set directly: dma_set_mask() refuses masks this small */
	f->dev->coherent_dma_mask = DMA_BIT_MASK(12);
	add_bvec(f, 0, 0, 0, SZ_4K);
	KUNIT_EXPECT_FALSE(test, blk_rq_dma_map_iter_start(f->rq, f->dev,
							   &state, &iter));
	KUNIT_EXPECT_EQ(test, STS(iter.status), STS(BLK_STS_RESOURCE));
}

static struct kunit_case blk_mq_dma_cases[] = {
	KUNIT_CASE(merge_contiguous),
	KUNIT_CASE(merge_across_bios),
	KUNIT_CASE(split_at_gaps),
	KUNIT_CASE(split_max_segment_size),
	KUNIT_CASE(split_seg_boundary),
	KUNIT_CASE(whole_block),
	KUNIT_CASE(zero_length),
	KUNIT_CASE(mapping_error),
	{}
};

static struct kunit_suite blk_mq_dma_suite = {
	.name = "blk_mq_dma",
	.test_cases = blk_mq_dma_cases,
};

kunit_test_suite(blk_mq_dma_suite);

MODULE_DESCRIPTION("KUnit tests for the block layer DMA mapping iterator");
MODULE_LICENSE("GPL");
