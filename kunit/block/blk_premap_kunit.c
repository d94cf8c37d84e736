// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "blk_premap": the premap cache (block/blk-premap.c) against a
 * KUnit device (dma-direct, x86_64 under QEMU: bus address == physical).
 *
 * The buffer is laid out as io_uring lays out a coalesced fixed buffer: four
 * 16K "folios" (chunks of one order-4 block, in the order 2, 0, 3, 1 so no
 * two neighbours are physically contiguous), bvec 0 starting 4K into its
 * folio, the last bvec 8K long. Requests are single bios whose bi_io_vec
 * points into that array, marked BIO_REG_BVEC, as bio_iov_bvec_set() leaves
 * them for an io_uring fixed buffer.
 *
 * Cases check what a request gets (the premap, its buffer position, its
 * segments and that none is mapped per request), every miss path (a bio
 * not marked as on a registered buffer, not a registered buffer, beyond the
 * buffer, several bios, switched off, cap,
 * mapping failure, a device that needs syncs), and teardown: unregistering
 * and invalidating unmap (driver destroy hook included) before they return,
 * with no reference of a request to wait for (their callers guarantee that
 * none is in flight); a lookup hint never leads to a premap that was torn
 * down, nor to another device's. Two cases cover the request size of
 * premapped bios: the queue limit max_reg_sectors, and bio_split_rw()
 * splitting a marked bio there only while the cache is on.
 */
#include <kunit/device.h>
#include <kunit/test.h>
#include <kunit/visibility.h>
#include <linux/bio.h>
#include <linux/blk-mq.h>
#include <linux/blk-mq-dma.h>
#include <linux/blk-premap.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/kthread.h>
#include <linux/sizes.h>
#include <linux/swiotlb.h>

#include "blk.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

#define NR_FOLIOS	4
#define FOLIO_SHIFT	(PAGE_SHIFT + 2)
#define FOLIO_SIZE	BIT(FOLIO_SHIFT)
#define OFF0		SZ_4K
#define LAST_LEN	SZ_8K
#define BUF_LEN		(FOLIO_SIZE - OFF0 + 2 * FOLIO_SIZE + LAST_LEN)

static const int chunk_of[NR_FOLIOS] = { 2, 0, 3, 1 };

struct premap_fixture {
	struct device *dev;
	struct blk_premap_ctx ctx;
	unsigned int max_mb;
	struct page *block;		/* order 4: the four folios */
	struct bio_vec bvec[NR_FOLIOS];
	struct blk_premap_buf *buf;
	/* one request */
	struct request_queue *q;
	struct blk_mq_tag_set *set;
	struct request *rq;
	struct bio *bio, *bio2;
	struct bio_vec other[1];	/* a bvec array nobody registered */
	/* driver hook bookkeeping */
	int creates, destroys;
	/* if set, creations of f->bvec's premaps wait for it */
	struct completion *create_gate;
	struct completion create_entered;
	/* if set, the destroy hook of f->bvec's premaps waits for it */
	struct completion *destroy_gate;
	struct completion destroy_entered;
	bool destroy_done;
};

static int hook_create(struct blk_premap *pm, void *data)
{
	struct premap_fixture *f = data;

	if (f->create_gate && pm->buf == f->buf) {
		complete(&f->create_entered);
		wait_for_completion(f->create_gate);
	}
	f->creates++;
	pm->drv_pages = 1;
	return 0;
}

static void hook_destroy(struct blk_premap *pm, void *data)
{
	struct premap_fixture *f = data;

	if (f->destroy_gate && pm->buf == f->buf) {
		complete(&f->destroy_entered);
		wait_for_completion(f->destroy_gate);
		WRITE_ONCE(f->destroy_done, true);
	}
	f->destroys++;
}

static const struct blk_premap_ops hook_ops = {
	.create = hook_create,
	.destroy = hook_destroy,
};

static void premap_key_put(void *unused)
{
	blk_premap_disable();
}

static void free_block(void *page)
{
	__free_pages(page, 4);
}

static void unregister_action(void *data)
{
	struct premap_fixture *f = data;

	blk_premap_buf_unregister(f->buf);
	f->buf = NULL;
}

static void unregister_buf(void *buf)
{
	blk_premap_buf_unregister(buf);
}

static phys_addr_t folio_phys(struct premap_fixture *f, int i)
{
	return page_to_phys(f->block) + chunk_of[i] * FOLIO_SIZE;
}

static int premap_test_init(struct kunit *test)
{
	struct premap_fixture *f;
	int i;

	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
	test->priv = f;

	f->dev = kunit_device_register(test, "blk_premap_test");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, f->dev);
	f->dev->dma_mask = &f->dev->coherent_dma_mask;
	KUNIT_ASSERT_EQ(test, dma_set_mask_and_coherent(f->dev,
							DMA_BIT_MASK(64)), 0);
	f->max_mb = 64;
	/* the global switch a driver turns on (nvme-pci: its premap parameter) */
	blk_premap_enable();
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, premap_key_put,
							NULL), 0);
	blk_premap_ctx_init(&f->ctx, f->dev, &hook_ops, f, true,
			    &f->max_mb);

	f->block = alloc_pages(GFP_KERNEL | __GFP_ZERO, 4);
	KUNIT_ASSERT_NOT_NULL(test, f->block);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, free_block,
							f->block), 0);
	for (i = 0; i < NR_FOLIOS; i++) {
		u32 off = i ? 0 : OFF0;
		u32 len = i == NR_FOLIOS - 1 ? LAST_LEN : FOLIO_SIZE - off;

		bvec_set_page(&f->bvec[i], f->block + chunk_of[i] * 4, len,
			      off);
	}
	bvec_set_page(&f->other[0], f->block, SZ_4K, 0);
	f->buf = blk_premap_buf_register(f->bvec, NR_FOLIOS, FOLIO_SHIFT,
					 BUF_LEN);
	KUNIT_ASSERT_NOT_NULL(test, f->buf);
	/* runs after the ctx is destroyed (actions run in reverse) */
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, unregister_action,
							f), 0);

	f->q = kunit_kzalloc(test, sizeof(*f->q), GFP_KERNEL);
	f->set = kunit_kzalloc(test, sizeof(*f->set), GFP_KERNEL);
	f->rq = kunit_kzalloc(test, sizeof(*f->rq), GFP_KERNEL);
	f->bio = kunit_kzalloc(test, sizeof(*f->bio), GFP_KERNEL);
	f->bio2 = kunit_kzalloc(test, sizeof(*f->bio2), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, f->q && f->set && f->rq && f->bio && f->bio2);
	f->q->limits.max_segment_size = UINT_MAX;
	f->q->limits.seg_boundary_mask = BLK_SEG_BOUNDARY_MASK;
	f->q->limits.virt_boundary_mask = SZ_4K - 1;
	f->set->premap = &f->ctx;
	f->q->tag_set = f->set;
	f->rq->q = f->q;
	return 0;
}

static void premap_test_exit(struct kunit *test)
{
	struct premap_fixture *f = test->priv;

	blk_premap_ctx_destroy(&f->ctx);
}

/*
 * Make the request one bio of @len bytes starting @done bytes into bvec @idx
 * of @bvec (what io_import_fixed() + bio_iov_bvec_set() produce).
 */
static void set_rq(struct premap_fixture *f, struct bio_vec *bvec,
		   unsigned int nr, unsigned int idx, u32 done, u32 len)
{
	bio_init(f->bio, NULL, bvec + idx, 0, REQ_OP_READ);
	bio_set_flag(f->bio, BIO_REG_BVEC);
	f->bio->bi_vcnt = nr - idx;
	f->bio->bi_iter.bi_bvec_done = done;
	f->bio->bi_iter.bi_size = len;
	f->rq->cmd_flags = REQ_OP_READ;
	f->rq->rq_flags = 0;
	f->rq->bio = f->bio;
	f->rq->biotail = f->bio;
	f->rq->__data_len = len;
	f->rq->nr_phys_segments = 1;
}

/* the premap in the buffer's first device slot (tests run single-threaded) */
static struct blk_premap *slot0(struct premap_fixture *f)
{
	return rcu_dereference_raw(f->buf->pms[0]);
}

/* first request misses and queues the creation; let the worker run */
static struct blk_premap *get_after_create(struct kunit *test, u64 *pos)
{
	struct premap_fixture *f = test->priv;
	struct blk_premap *pm;

	KUNIT_EXPECT_NULL(test, blk_premap_get(&f->ctx, f->rq, pos, NULL));
	flush_work(&f->ctx.work);
	pm = blk_premap_get(&f->ctx, f->rq, pos, NULL);
	return pm;
}

/* a request inside the buffer gets the premap and its buffer position */
static void lookup_inside(struct kunit *test)
{
	struct premap_fixture *f = test->priv;
	struct blk_premap *pm;
	dma_addr_t dma;
	u64 pos;

	set_rq(f, f->bvec, NR_FOLIOS, 1, SZ_4K, SZ_8K);
	pm = get_after_create(test, &pos);
	KUNIT_ASSERT_NOT_NULL(test, pm);
	KUNIT_EXPECT_EQ(test, f->creates, 1);
	KUNIT_EXPECT_EQ(test, pos, (u64)FOLIO_SIZE + SZ_4K);
	KUNIT_EXPECT_EQ(test, blk_premap_seg(pm, pos, SZ_8K, &dma), SZ_8K);
	KUNIT_EXPECT_EQ(test, dma, folio_phys(f, 1) + SZ_4K);
	/* the first byte of the buffer */
	KUNIT_EXPECT_EQ(test, blk_premap_seg(pm, OFF0, 1, &dma), 1);
	KUNIT_EXPECT_EQ(test, dma, folio_phys(f, 0) + OFF0);
	/* every request after the first is a hit on the same premap */
	KUNIT_EXPECT_PTR_EQ(test, blk_premap_get(&f->ctx, f->rq, &pos, NULL), pm);
	KUNIT_EXPECT_EQ(test, f->creates, 1);
}

/* a bio that was split (bio_advance()) is found at its new position */
static void lookup_after_split(struct kunit *test)
{
	struct premap_fixture *f = test->priv;
	struct blk_premap *pm;
	dma_addr_t dma;
	u64 pos;

	/* bytes [OFF0 + 4K, +40K) of the buffer: starts in bvec 0 */
	set_rq(f, f->bvec, NR_FOLIOS, 0, SZ_4K, 40 * SZ_1K);
	pm = get_after_create(test, &pos);
	KUNIT_ASSERT_NOT_NULL(test, pm);
	KUNIT_EXPECT_EQ(test, pos, (u64)OFF0 + SZ_4K);

	/* the front 12K go to another request: now in bvec 1, 4K in */
	bio_advance(f->bio, 12 * SZ_1K);
	f->rq->__data_len = f->bio->bi_iter.bi_size;
	pm = blk_premap_get(&f->ctx, f->rq, &pos, NULL);
	KUNIT_ASSERT_NOT_NULL(test, pm);
	KUNIT_EXPECT_EQ(test, pos, (u64)FOLIO_SIZE + SZ_4K);
	KUNIT_EXPECT_EQ(test, blk_premap_seg(pm, pos, 28 * SZ_1K, &dma),
			FOLIO_SIZE - SZ_4K);
	KUNIT_EXPECT_EQ(test, dma, folio_phys(f, 1) + SZ_4K);
}

/* not a registered array: no lookup hit, nothing created */
static void lookup_outside(struct kunit *test)
{
	struct premap_fixture *f = test->priv;
	u64 pos;

	set_rq(f, f->other, 1, 0, 0, SZ_4K);
	KUNIT_EXPECT_NULL(test, blk_premap_get(&f->ctx, f->rq, &pos, NULL));
	flush_work(&f->ctx.work);
	KUNIT_EXPECT_EQ(test, f->creates, 0);
	KUNIT_EXPECT_TRUE(test, list_empty(&f->ctx.pms));
}

/*
 * A bio that is not marked BIO_REG_BVEC is not looked up, even where its
 * bvecs are a registered buffer's: no premap, nothing created, and the
 * iterator does not ask the cache.
 */
static void lookup_unmarked(struct kunit *test)
{
	struct premap_fixture *f = test->priv;
	u64 pos;

	set_rq(f, f->bvec, NR_FOLIOS, 1, 0, SZ_8K);
	bio_clear_flag(f->bio, BIO_REG_BVEC);
	KUNIT_EXPECT_FALSE(test, blk_rq_dma_want_premap(f->rq));
	KUNIT_EXPECT_NULL(test, blk_premap_get(&f->ctx, f->rq, &pos, NULL));
	flush_work(&f->ctx.work);
	KUNIT_EXPECT_EQ(test, f->creates, 0);
	KUNIT_EXPECT_TRUE(test, list_empty(&f->ctx.pms));
	KUNIT_EXPECT_NULL(test, slot0(f));
	/* the same request, marked, is looked up and queues the creation */
	bio_set_flag(f->bio, BIO_REG_BVEC);
	KUNIT_EXPECT_TRUE(test, blk_rq_dma_want_premap(f->rq));
	KUNIT_EXPECT_NULL(test, blk_premap_get(&f->ctx, f->rq, &pos, NULL));
	flush_work(&f->ctx.work);
	KUNIT_EXPECT_EQ(test, f->creates, 1);
}

/* a request running past the buffer's end falls back */
static void lookup_straddle(struct kunit *test)
{
	struct premap_fixture *f = test->priv;
	struct blk_premap *pm;
	u64 pos;

	set_rq(f, f->bvec, NR_FOLIOS, 3, SZ_4K, SZ_8K);
	pm = get_after_create(test, &pos);
	KUNIT_EXPECT_NULL(test, pm);
	KUNIT_EXPECT_EQ(test, f->creates, 1);
	/* the same start, inside the buffer, hits */
	f->bio->bi_iter.bi_size = SZ_4K;
	f->rq->__data_len = SZ_4K;
	pm = blk_premap_get(&f->ctx, f->rq, &pos, NULL);
	KUNIT_ASSERT_NOT_NULL(test, pm);
}

/* a request of two bios (plug merge) falls back, even in one buffer */
static void lookup_multi_bio(struct kunit *test)
{
	struct premap_fixture *f = test->priv;
	struct blk_premap *pm;
	u64 pos;

	set_rq(f, f->bvec, NR_FOLIOS, 1, 0, SZ_4K);
	pm = get_after_create(test, &pos);
	KUNIT_ASSERT_NOT_NULL(test, pm);
	bio_init(f->bio2, NULL, f->bvec + 1, 0, REQ_OP_READ);
	f->bio2->bi_iter.bi_bvec_done = SZ_4K;
	f->bio2->bi_iter.bi_size = SZ_4K;
	f->bio->bi_next = f->bio2;
	f->rq->biotail = f->bio2;
	f->rq->__data_len = SZ_8K;
	KUNIT_EXPECT_NULL(test, blk_premap_get(&f->ctx, f->rq, &pos, NULL));
	f->bio->bi_next = NULL;
}

/*
 * Through the iterator: segments come from the premap, one per physically
 * contiguous run (dma-direct), and nothing is left to unmap.
 */
static void iterator_segments(struct kunit *test)
{
	struct premap_fixture *f = test->priv;
	struct blk_dma_state state;
	struct blk_dma_iter iter;
	struct blk_premap *pm;
	u64 pos;

	/* 8K in bvec 0, all of bvec 1, 4K of bvec 2 */
	set_rq(f, f->bvec, NR_FOLIOS, 0, SZ_4K, SZ_8K + FOLIO_SIZE + SZ_4K);
	pm = get_after_create(test, &pos);
	KUNIT_ASSERT_NOT_NULL(test, pm);

	KUNIT_ASSERT_TRUE(test, blk_rq_dma_map_iter_start(f->rq, f->dev,
							  &state, &iter));
	KUNIT_ASSERT_NOT_NULL(test, blk_rq_dma_premap(&state, &pos));
	KUNIT_EXPECT_EQ(test, pos, (u64)OFF0 + SZ_4K);
	KUNIT_EXPECT_EQ(test, iter.addr, folio_phys(f, 0) + OFF0 + SZ_4K);
	KUNIT_EXPECT_EQ(test, iter.len, SZ_8K);
	KUNIT_ASSERT_TRUE(test, blk_rq_dma_map_iter_next(f->rq, f->dev, &state,
							 &iter));
	KUNIT_EXPECT_EQ(test, iter.addr, folio_phys(f, 1));
	KUNIT_EXPECT_EQ(test, iter.len, FOLIO_SIZE);
	KUNIT_ASSERT_TRUE(test, blk_rq_dma_map_iter_next(f->rq, f->dev, &state,
							 &iter));
	KUNIT_EXPECT_EQ(test, iter.addr, folio_phys(f, 2));
	KUNIT_EXPECT_EQ(test, iter.len, SZ_4K);
	KUNIT_EXPECT_FALSE(test, blk_rq_dma_map_iter_next(f->rq, f->dev,
							  &state, &iter));
	KUNIT_EXPECT_EQ(test, (__force u8)iter.status, (__force u8)BLK_STS_OK);
	/* a premapped request has nothing to unmap; the premap stays */
	KUNIT_EXPECT_TRUE(test, blk_rq_dma_unmap(f->rq, f->dev, &state, 0));
	KUNIT_EXPECT_PTR_EQ(test, slot0(f), pm);
	KUNIT_EXPECT_EQ(test, f->destroys, 0);
}

/*
 * blk_premap_seg() on synthetic layouts: the inline one-run case (a premap
 * under an IOMMU) and the search over several runs.
 */
static void seg_runs(struct kunit *test)
{
	struct blk_premap_run runs[3] = {
		{ .pos = 512, .dma = 0x10000200, .len = SZ_8K - 512 },
		{ .pos = SZ_8K, .dma = 0x50000000, .len = SZ_16K },
		{ .pos = SZ_8K + SZ_16K, .dma = 0x20000000, .len = SZ_4K },
	};
	struct blk_premap pm = { .runs = runs, .nr_runs = 1 };
	dma_addr_t dma;

	runs[0].len = SZ_1M;
	KUNIT_EXPECT_EQ(test, blk_premap_seg(&pm, 512, SZ_1M, &dma), SZ_1M);
	KUNIT_EXPECT_EQ(test, dma, 0x10000200ULL);
	KUNIT_EXPECT_EQ(test, blk_premap_seg(&pm, SZ_64K, SZ_1M, &dma),
			SZ_1M - SZ_64K + 512);
	KUNIT_EXPECT_EQ(test, dma, 0x10000000ULL + SZ_64K);

	runs[0].len = SZ_8K - 512;
	pm.nr_runs = 3;
	KUNIT_EXPECT_EQ(test, blk_premap_seg(&pm, 4096, SZ_64K, &dma), SZ_4K);
	KUNIT_EXPECT_EQ(test, dma, 0x10001000ULL);
	KUNIT_EXPECT_EQ(test, blk_premap_seg(&pm, SZ_8K, SZ_4K, &dma), SZ_4K);
	KUNIT_EXPECT_EQ(test, dma, 0x50000000ULL);
	KUNIT_EXPECT_EQ(test, blk_premap_seg(&pm, SZ_8K + SZ_16K - 1, SZ_4K,
					     &dma), 1);
	KUNIT_EXPECT_EQ(test, dma, 0x50000000ULL + SZ_16K - 1);
	KUNIT_EXPECT_EQ(test, blk_premap_seg(&pm, SZ_8K + SZ_16K + 8, SZ_64K,
					     &dma), SZ_4K - 8);
	KUNIT_EXPECT_EQ(test, dma, 0x20000008ULL);
}

/*
 * Lookup hints never outlive their buffer: after the buffer is unregistered
 * and the same bvec array registered again (io_uring reusing the memory),
 * requests find the new buffer, not the old one through a stale hint.
 */
static void hint_reregister(struct kunit *test)
{
	struct premap_fixture *f = test->priv;
	struct blk_premap_buf *other;
	struct blk_premap *pm;
	u64 pos;

	/* keeps the registry non-empty while f->buf is away */
	other = blk_premap_buf_register(f->other, 1, PAGE_SHIFT, SZ_4K);
	KUNIT_ASSERT_NOT_NULL(test, other);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, unregister_buf,
							other), 0);
	set_rq(f, f->bvec, NR_FOLIOS, 1, 0, SZ_8K);
	pm = get_after_create(test, &pos);
	KUNIT_ASSERT_NOT_NULL(test, pm);
	/* hit again: now from this CPU's hint */
	KUNIT_EXPECT_PTR_EQ(test, blk_premap_get(&f->ctx, f->rq, &pos, NULL), pm);
	KUNIT_EXPECT_EQ(test, f->creates, 1);

	blk_premap_buf_unregister(f->buf);
	f->buf = blk_premap_buf_register(f->bvec, NR_FOLIOS, FOLIO_SHIFT,
					 BUF_LEN);
	KUNIT_ASSERT_NOT_NULL(test, f->buf);
	/* the new buffer misses once and gets its own premap */
	pm = get_after_create(test, &pos);
	KUNIT_ASSERT_NOT_NULL(test, pm);
	KUNIT_EXPECT_EQ(test, f->creates, 2);
	KUNIT_EXPECT_PTR_EQ(test, pm->buf, f->buf);
	KUNIT_EXPECT_PTR_EQ(test, pm, slot0(f));
	kunit_release_action(test, unregister_buf, other);
	/* a request on the other, now unregistered, array finds nothing */
	set_rq(f, f->other, 1, 0, 0, SZ_4K);
	KUNIT_EXPECT_NULL(test, blk_premap_get(&f->ctx, f->rq, &pos, NULL));
	flush_work(&f->ctx.work);
	KUNIT_EXPECT_EQ(test, f->creates, 2);
}

/*
 * One buffer, two devices: the lookup hint is per CPU and bvec pointer, not
 * per device, so each device must still get its own premap.
 */
static void hint_two_devices(struct kunit *test)
{
	struct premap_fixture *f = test->priv;
	struct blk_premap *pm1, *pm2;
	struct blk_premap_ctx ctx2;
	u64 pos;

	blk_premap_ctx_init(&ctx2, f->dev, &hook_ops, f, true,
			    &f->max_mb);
	set_rq(f, f->bvec, NR_FOLIOS, 1, 0, SZ_4K);
	pm1 = get_after_create(test, &pos);	/* the hint now leads to pm1 */
	KUNIT_ASSERT_NOT_NULL(test, pm1);

	pm2 = blk_premap_get(&ctx2, f->rq, &pos, NULL);
	KUNIT_EXPECT_NULL(test, pm2);
	flush_work(&ctx2.work);
	pm2 = blk_premap_get(&ctx2, f->rq, &pos, NULL);
	KUNIT_EXPECT_NOT_NULL(test, pm2);
	if (pm2) {
		KUNIT_EXPECT_PTR_EQ(test, pm2->ctx, &ctx2);
		KUNIT_EXPECT_PTR_NE(test, pm2, pm1);
	}
	/* the hint now leads to pm2; the first device still gets pm1 */
	pm2 = blk_premap_get(&f->ctx, f->rq, &pos, NULL);
	KUNIT_EXPECT_PTR_EQ(test, pm2, pm1);
	KUNIT_EXPECT_EQ(test, f->creates, 2);
	blk_premap_ctx_destroy(&ctx2);
	KUNIT_EXPECT_EQ(test, f->destroys, 1);
}

/*
 * The device's switch: off tears its premaps down (the caller froze the
 * queues) and means no hit and no creation; on premaps the buffer again.
 */
static void switched_off(struct kunit *test)
{
	struct premap_fixture *f = test->priv;
	struct blk_premap *pm;
	u64 pos;

	set_rq(f, f->bvec, NR_FOLIOS, 1, 0, SZ_4K);
	pm = get_after_create(test, &pos);
	KUNIT_ASSERT_NOT_NULL(test, pm);
	blk_premap_ctx_set_enabled(&f->ctx, false);
	KUNIT_EXPECT_EQ(test, f->destroys, 1);
	KUNIT_EXPECT_EQ(test, f->ctx.bytes, 0);
	KUNIT_EXPECT_NULL(test, slot0(f));
	KUNIT_EXPECT_NULL(test, blk_premap_get(&f->ctx, f->rq, &pos, NULL));
	flush_work(&f->ctx.work);
	KUNIT_EXPECT_EQ(test, f->creates, 1);
	KUNIT_EXPECT_TRUE(test, list_empty(&f->ctx.pms));
	blk_premap_ctx_set_enabled(&f->ctx, true);
	KUNIT_EXPECT_NOT_NULL(test, get_after_create(test, &pos));
	KUNIT_EXPECT_EQ(test, f->creates, 2);
}

/*
 * Queue limits for premapped bios: max_reg_sectors follows the driver's
 * max_reg_hw_sectors within the user's max_sectors_kb, never below
 * max_sectors, and is max_sectors when the driver sets nothing larger.
 */
static void reg_limits(struct kunit *test)
{
	/* max_hw_sectors 256 (128 KiB) throughout */
	static const struct {
		unsigned int user, reg_hw, lbs;	/* sectors, bytes */
		unsigned int max, reg;		/* expected, sectors */
	} c[] = {
		{ 0, 1024, 0, 256, 1024 },	/* premapped: 512 KiB */
		{ 128, 1024, 0, 128, 128 },	/* max_sectors_kb=64 caps both */
		{ 768, 1024, 0, 256, 768 },	/* 384: only the premap limit */
		{ 4096, 1024, 0, 256, 1024 },
		/* no user value: the default cap binds a huge driver limit */
		{ 0, 1 << 20, 0, 256, BLK_DEF_MAX_SECTORS_CAP },
		{ 0, 1027, SZ_4K, 256, 1024 },	/* whole logical blocks */
		{ 0, 128, 0, 256, 256 },	/* below max_hw_sectors */
		{ 0, 0, 0, 256, 256 },		/* none */
	};
	struct queue_limits lim;
	struct request_queue *q;
	unsigned int i;

	q = kunit_kzalloc(test, sizeof(*q), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, q);
	mutex_init(&q->limits_lock);
	for (i = 0; i < ARRAY_SIZE(c); i++) {
		lim = (struct queue_limits) {
			.max_hw_sectors = 256,
			.max_user_sectors = c[i].user,
			.max_reg_hw_sectors = c[i].reg_hw,
			.logical_block_size = c[i].lbs,
		};
		KUNIT_ASSERT_EQ_MSG(test, queue_limits_set(q, &lim), 0,
				    "case %u", i);
		KUNIT_EXPECT_EQ_MSG(test, q->limits.max_sectors, c[i].max,
				    "case %u", i);
		KUNIT_EXPECT_EQ_MSG(test, q->limits.max_reg_sectors, c[i].reg,
				    "case %u", i);
	}
}

static void split_end_io(struct bio *bio)
{
	*(blk_status_t *)bio->bi_private = bio->bi_status;
}

/*
 * bio_split_rw() of a premapped-buffer bio: 28 KiB against max_sectors of
 * 4 KiB and max_reg_sectors of 32 KiB. The bio is REQ_NOWAIT, so a split
 * it would need ends it with BLK_STS_AGAIN instead of submitting the rest.
 */
static bool splits(struct kunit *test, bool marked)
{
	struct premap_fixture *f = test->priv;
	blk_status_t st = BLK_STS_OK;
	unsigned int nsegs;
	struct bio *ret;

	set_rq(f, f->bvec, NR_FOLIOS, 1, 0, 7 * SZ_4K);
	if (!marked)
		bio_clear_flag(f->bio, BIO_REG_BVEC);
	f->bio->bi_opf |= REQ_NOWAIT;
	f->bio->bi_bdev = kunit_kzalloc(test, sizeof(*f->bio->bi_bdev),
					GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f->bio->bi_bdev);
	f->bio->bi_bdev->bd_queue = f->q;
	f->bio->bi_end_io = split_end_io;
	f->bio->bi_private = &st;
	ret = bio_split_rw(f->bio, &f->q->limits, &nsegs);
	if (ret) {
		KUNIT_EXPECT_PTR_EQ(test, ret, f->bio);
		return false;
	}
	KUNIT_EXPECT_EQ(test, (__force u8)st, (__force u8)BLK_STS_AGAIN);
	return true;
}

/*
 * A bio on a registered buffer is split at max_reg_sectors while the
 * queue's premap cache is on; any other bio, and every bio while the cache
 * is off, at max_sectors.
 */
static void split_limit(struct kunit *test)
{
	struct premap_fixture *f = test->priv;
	struct queue_limits lim = {
		.max_hw_sectors = 8,
		.max_reg_hw_sectors = 64,
		.max_segments = 16,
	};

	mutex_init(&f->q->limits_lock);
	KUNIT_ASSERT_EQ(test, queue_limits_set(f->q, &lim), 0);
	KUNIT_ASSERT_EQ(test, f->q->limits.max_sectors, 8);
	KUNIT_ASSERT_EQ(test, f->q->limits.max_reg_sectors, 64);
	KUNIT_EXPECT_FALSE(test, splits(test, true));
	KUNIT_EXPECT_TRUE(test, splits(test, false));
	blk_premap_ctx_set_enabled(&f->ctx, false);
	KUNIT_EXPECT_TRUE(test, splits(test, true));
	blk_premap_ctx_set_enabled(&f->ctx, true);
	KUNIT_EXPECT_FALSE(test, splits(test, true));
	/* the user's max_sectors_kb binds premapped bios too */
	lim.max_user_sectors = 16;
	KUNIT_ASSERT_EQ(test, queue_limits_set(f->q, &lim), 0);
	KUNIT_EXPECT_TRUE(test, splits(test, true));
}

/*
 * The global switch (static key) off: no lookup, not even of a live
 * premap, and the iterator maps the request itself; on again, it hits.
 * The key counts every holder (this suite, and nvme-pci if built in with
 * its switch on): drop them all for the test, then take them back.
 */
static void key_off(struct kunit *test)
{
	struct premap_fixture *f = test->priv;
	struct blk_dma_state state;
	struct blk_dma_iter iter;
	struct blk_premap *pm;
	int held = 0;
	u64 pos;

	set_rq(f, f->bvec, NR_FOLIOS, 1, 0, SZ_4K);
	pm = get_after_create(test, &pos);
	KUNIT_ASSERT_NOT_NULL(test, pm);
	for (; static_key_enabled(&blk_premap_key); held++)
		blk_premap_disable();
	KUNIT_EXPECT_GT(test, held, 0);
	KUNIT_EXPECT_NULL(test, blk_premap_get(&f->ctx, f->rq, &pos, NULL));
	if (blk_rq_dma_map_iter_start(f->rq, f->dev, &state, &iter)) {
		KUNIT_EXPECT_NULL(test, blk_rq_dma_premap(&state, &pos));
		KUNIT_EXPECT_EQ(test, iter.addr, folio_phys(f, 1));
		KUNIT_EXPECT_EQ(test, iter.len, SZ_4K);
		/* mapped with dma_map_page(): the caller unmaps */
		if (!blk_rq_dma_unmap(f->rq, f->dev, &state, 0))
			dma_unmap_page(f->dev, iter.addr, iter.len,
				       DMA_FROM_DEVICE);
		else
			KUNIT_FAIL(test, "no dma_map_page() mapping to unmap");
	} else {
		KUNIT_FAIL(test, "the iterator did not map the request");
	}
	/* take the holds back before anything can return early */
	while (held--)
		blk_premap_enable();
	KUNIT_EXPECT_PTR_EQ(test, blk_premap_get(&f->ctx, f->rq, &pos, NULL),
			    pm);
	KUNIT_EXPECT_EQ(test, f->creates, 1);
}

/* beyond the cap: refused once, then every request falls back */
static void cap_fallback(struct kunit *test)
{
	struct premap_fixture *f = test->priv;
	struct blk_dma_state state;
	struct blk_dma_iter iter;
	u64 pos;

	f->max_mb = 0;
	set_rq(f, f->bvec, NR_FOLIOS, 1, 0, SZ_4K);
	KUNIT_EXPECT_NULL(test, get_after_create(test, &pos));
	KUNIT_EXPECT_EQ(test, f->creates, 0);
	KUNIT_EXPECT_EQ(test, f->ctx.bytes, 0);
	KUNIT_EXPECT_EQ(test, slot0(f)->state, BLK_PREMAP_FAILED);
	/* the request is still mapped, the normal way */
	KUNIT_ASSERT_TRUE(test, blk_rq_dma_map_iter_start(f->rq, f->dev,
							  &state, &iter));
	KUNIT_EXPECT_NULL(test, blk_rq_dma_premap(&state, &pos));
	/* mapped so that it may overlap a premap of the same memory */
	KUNIT_EXPECT_TRUE(test, state.pm_shared);
	KUNIT_EXPECT_EQ(test, iter.addr, folio_phys(f, 1));
	KUNIT_EXPECT_FALSE(test, blk_rq_dma_unmap(f->rq, f->dev, &state, 0));
	dma_unmap_page(f->dev, iter.addr, iter.len, DMA_FROM_DEVICE);
}

/*
 * A refusal that can go away (the cap, the IOMMU out of space) is retried
 * once its back-off passed, not before; the retry succeeds where the cause
 * is gone. A refusal that cannot go away (the device needs syncs) is not.
 */
static void refusal_retried(struct kunit *test)
{
	struct premap_fixture *f = test->priv;
	struct blk_premap *pm;
	u64 pos;

	f->max_mb = 0;
	set_rq(f, f->bvec, NR_FOLIOS, 1, 0, SZ_4K);
	KUNIT_EXPECT_NULL(test, get_after_create(test, &pos));
	KUNIT_ASSERT_NOT_NULL(test, slot0(f));
	KUNIT_EXPECT_EQ(test, slot0(f)->err, -ENOSPC);
	KUNIT_EXPECT_EQ(test, slot0(f)->refusals, 1);
	/* the cap raised: still nothing before the back-off passed */
	f->max_mb = 64;
	KUNIT_EXPECT_NULL(test, get_after_create(test, &pos));
	KUNIT_EXPECT_EQ(test, f->creates, 0);
	KUNIT_EXPECT_EQ(test, slot0(f)->state, BLK_PREMAP_FAILED);
	KUNIT_EXPECT_TRUE(test, time_after(slot0(f)->retry_at, jiffies));

	/* as if the back-off passed: the next request queues a retry */
	blk_premap_fail_map = 1;
	slot0(f)->retry_at = jiffies;
	KUNIT_EXPECT_NULL(test, get_after_create(test, &pos));
	KUNIT_EXPECT_EQ(test, blk_premap_fail_map, 0);
	KUNIT_EXPECT_EQ(test, slot0(f)->err, -EIO);
	KUNIT_EXPECT_EQ(test, slot0(f)->refusals, 2);
	/* the second refusal waits twice as long */
	KUNIT_EXPECT_TRUE(test, time_after(slot0(f)->retry_at,
					   jiffies + HZ / 2));

	slot0(f)->retry_at = jiffies;
	pm = get_after_create(test, &pos);
	KUNIT_ASSERT_NOT_NULL(test, pm);
	KUNIT_EXPECT_EQ(test, f->creates, 1);
	KUNIT_EXPECT_EQ(test, f->ctx.bytes, (u64)BUF_LEN);
}

/* the IOMMU out of space (injected): fallback, nothing held */
static void map_failure(struct kunit *test)
{
	struct premap_fixture *f = test->priv;
	u64 pos;

	blk_premap_fail_map = 1;
	set_rq(f, f->bvec, NR_FOLIOS, 1, 0, SZ_4K);
	KUNIT_EXPECT_NULL(test, get_after_create(test, &pos));
	KUNIT_EXPECT_EQ(test, blk_premap_fail_map, 0);
	KUNIT_EXPECT_EQ(test, f->creates, 0);
	KUNIT_EXPECT_EQ(test, slot0(f)->state, BLK_PREMAP_FAILED);
	KUNIT_EXPECT_EQ(test, f->ctx.bytes, 0);
}

/*
 * A device whose every mapping bounces (swiotlb=force) gets no long-term
 * mapping: it would hold swiotlb slots and need a sync per request.
 */
static void needs_sync(struct kunit *test)
{
#ifdef CONFIG_SWIOTLB
	struct premap_fixture *f = test->priv;
	struct io_tlb_mem *mem = f->dev->dma_io_tlb_mem;
	struct io_tlb_mem forced = { .force_bounce = true };
	u64 pos;

	f->dev->dma_io_tlb_mem = &forced;
	KUNIT_ASSERT_TRUE(test, is_swiotlb_force_bounce(f->dev));
	set_rq(f, f->bvec, NR_FOLIOS, 1, 0, SZ_4K);
	KUNIT_EXPECT_NULL(test, get_after_create(test, &pos));
	f->dev->dma_io_tlb_mem = mem;
	KUNIT_EXPECT_EQ(test, f->creates, 0);
	KUNIT_EXPECT_EQ(test, slot0(f)->state, BLK_PREMAP_FAILED);
	KUNIT_EXPECT_EQ(test, f->ctx.bytes, 0);
	/* not transient: never queued again, whatever the back-off says */
	slot0(f)->retry_at = jiffies;
	KUNIT_EXPECT_NULL(test, get_after_create(test, &pos));
	KUNIT_EXPECT_EQ(test, f->creates, 0);
	KUNIT_EXPECT_EQ(test, slot0(f)->refusals, 1);
#else
	kunit_skip(test, "no CONFIG_SWIOTLB");
#endif
}

/*
 * Teardown with no request in flight, as its callers guarantee: it unmaps
 * (destroy hook) before it returns, without waiting for anything, and no
 * later request finds the premap, not even through this CPU's lookup hint,
 * which the hit just before filled.
 */
static void teardown(struct kunit *test, bool invalidate)
{
	struct premap_fixture *f = test->priv;
	struct blk_premap *pm;
	u64 pos;

	set_rq(f, f->bvec, NR_FOLIOS, 2, 0, SZ_8K);
	pm = get_after_create(test, &pos);
	KUNIT_ASSERT_NOT_NULL(test, pm);
	KUNIT_EXPECT_PTR_EQ(test, blk_premap_get(&f->ctx, f->rq, &pos, NULL),
			    pm);
	/* what the device's debugfs file reports */
	KUNIT_EXPECT_EQ(test, f->ctx.nr_live, 1);
	KUNIT_EXPECT_EQ(test, f->ctx.drv_pages, 1);
	KUNIT_EXPECT_GE(test, f->ctx.meta_bytes, sizeof(*pm) +
			NR_FOLIOS * sizeof(struct scatterlist));
	if (invalidate) {
		blk_premap_ctx_invalidate(&f->ctx);
	} else {
		blk_premap_buf_unregister(f->buf);
		f->buf = NULL;
	}
	/* what the caller (io_uring: unpin) relies on from here */
	KUNIT_EXPECT_EQ(test, f->destroys, 1);
	KUNIT_EXPECT_EQ(test, f->ctx.nr_live, 0);
	KUNIT_EXPECT_EQ(test, f->ctx.drv_pages, 0);
	KUNIT_EXPECT_EQ(test, f->ctx.meta_bytes, 0);
	KUNIT_EXPECT_NULL(test, blk_premap_get(&f->ctx, f->rq, &pos, NULL));
	if (!invalidate) {
		KUNIT_EXPECT_EQ(test, f->ctx.bytes, 0);
		KUNIT_EXPECT_TRUE(test, list_empty(&f->ctx.pms));
		return;
	}
	/* the buffer stays registered: the miss above queued a new premap */
	flush_work(&f->ctx.work);
	KUNIT_EXPECT_EQ(test, f->creates, 2);
	KUNIT_EXPECT_EQ(test, f->ctx.bytes, BUF_LEN);
	KUNIT_EXPECT_TRUE(test, list_is_singular(&f->ctx.pms));
}

static void unregister_unmaps(struct kunit *test)
{
	teardown(test, false);
}

/* after invalidation the buffer is still registered: premapped again */
static void invalidate_unmaps(struct kunit *test)
{
	struct premap_fixture *f = test->priv;
	struct blk_premap *pm;
	u64 pos;

	teardown(test, true);
	pm = blk_premap_get(&f->ctx, f->rq, &pos, NULL);
	KUNIT_ASSERT_NOT_NULL(test, pm);
	KUNIT_EXPECT_EQ(test, f->creates, 2);
	KUNIT_EXPECT_PTR_EQ(test, pm, slot0(f));
}

struct teardown_thread {
	struct blk_premap_buf *buf;	/* unregister it */
	struct blk_premap_ctx *ctx;	/* then destroy it, if set */
	struct premap_fixture *f;	/* if set, record ... */
	bool hook_done;			/* ... its destroy_done at the end */
	struct completion done;
};

static int teardown_fn(void *data)
{
	struct teardown_thread *t = data;

	blk_premap_buf_unregister(t->buf);
	if (t->ctx)
		blk_premap_ctx_destroy(t->ctx);
	if (t->f)
		t->hook_done = READ_ONCE(t->f->destroy_done);
	kthread_complete_and_exit(&t->done, 0);
}

static bool start_teardown(struct kunit *test, struct teardown_thread *t)
{
	init_completion(&t->done);
	return !IS_ERR(kthread_run(teardown_fn, t, "premap-teardown"));
}

/*
 * A creation in progress (mapping a buffer can take long and allocates with
 * GFP_KERNEL) delays only the teardown of its own buffer: another buffer's
 * unregistration and another device's removal go ahead; the buffer's own
 * unregistration waits for it, then unmaps what it created.
 */
static void creation_blocks_own_buffer(struct kunit *test)
{
	struct premap_fixture *f = test->priv;
	struct teardown_thread other = {}, own = {};
	struct blk_premap_buf *buf2;
	struct blk_premap_ctx ctx2;
	struct completion gate;
	struct bio_vec b2[1];
	bool other_done, own_done = true;
	u64 pos;

	blk_premap_ctx_init(&ctx2, f->dev, &hook_ops, f, true,
			    &f->max_mb);
	/* a second buffer premapped for both devices */
	bvec_set_page(&b2[0], f->block, SZ_4K, 0);
	buf2 = blk_premap_buf_register(b2, 1, FOLIO_SHIFT, SZ_4K);
	KUNIT_ASSERT_NOT_NULL(test, buf2);
	set_rq(f, b2, 1, 0, 0, SZ_4K);
	KUNIT_ASSERT_NOT_NULL(test, get_after_create(test, &pos));
	KUNIT_EXPECT_NULL(test, blk_premap_get(&ctx2, f->rq, &pos, NULL));
	flush_work(&ctx2.work);
	KUNIT_ASSERT_NOT_NULL(test, blk_premap_get(&ctx2, f->rq, &pos, NULL));
	KUNIT_ASSERT_EQ(test, f->creates, 2);

	/* the first buffer's creation for the first device blocks */
	init_completion(&gate);
	init_completion(&f->create_entered);
	f->create_gate = &gate;
	set_rq(f, f->bvec, NR_FOLIOS, 1, 0, SZ_4K);
	KUNIT_EXPECT_NULL(test, blk_premap_get(&f->ctx, f->rq, &pos, NULL));
	KUNIT_ASSERT_TRUE(test,
			  wait_for_completion_timeout(&f->create_entered,
						      msecs_to_jiffies(5000)));

	other.buf = buf2;
	other.ctx = &ctx2;
	if (!start_teardown(test, &other)) {
		complete(&gate);
		KUNIT_FAIL(test, "no thread for the teardown");
		return;
	}
	other_done = wait_for_completion_timeout(&other.done,
						 msecs_to_jiffies(5000));
	KUNIT_EXPECT_TRUE_MSG(test, other_done,
			      "unregistering another buffer and removing another device wait for a creation");
	KUNIT_EXPECT_EQ(test, f->destroys, 2);

	own.buf = f->buf;
	f->buf = NULL;
	if (!start_teardown(test, &own)) {
		f->buf = own.buf;
		complete(&gate);
		KUNIT_FAIL(test, "no thread for the teardown");
		goto out;
	}
	own_done = wait_for_completion_timeout(&own.done,
					       msecs_to_jiffies(200));
	KUNIT_EXPECT_FALSE(test, own_done);
	complete(&gate);
	if (!own_done)
		own_done = wait_for_completion_timeout(&own.done,
						       msecs_to_jiffies(5000));
	KUNIT_EXPECT_TRUE(test, own_done);
	/* created while the unregistration waited, unmapped before it returned */
	KUNIT_EXPECT_EQ(test, f->creates, 3);
	KUNIT_EXPECT_EQ(test, f->destroys, 3);
	KUNIT_EXPECT_EQ(test, f->ctx.bytes, 0);
	KUNIT_EXPECT_TRUE(test, list_empty(&f->ctx.pms));
out:
	/* do not return while a thread still uses this stack frame */
	if (!other_done)
		wait_for_completion(&other.done);
	if (!own_done)
		wait_for_completion(&own.done);
	f->create_gate = NULL;
}

/*
 * The device goes away while another thread tears one of its premaps down:
 * here the buffer's unregistration, which took the premap out of its slot
 * first and is inside the driver's destroy hook. blk_premap_ctx_destroy()
 * must not return before that teardown has finished: the driver frees what
 * the hook uses (nvme-pci: its PRP pools) and releases the DMA device
 * right after it.
 */
static void destroy_waits_for_claimed_teardown(struct kunit *test)
{
	struct premap_fixture *f = test->priv;
	struct teardown_thread unreg = {}, removal = {};
	bool unreg_done = true, removal_done = true;
	struct completion gate;
	int i;
	u64 pos;

	set_rq(f, f->bvec, NR_FOLIOS, 1, 0, SZ_4K);
	KUNIT_ASSERT_NOT_NULL(test, get_after_create(test, &pos));

	init_completion(&gate);
	init_completion(&f->destroy_entered);
	f->destroy_gate = &gate;
	unreg.buf = f->buf;
	if (!start_teardown(test, &unreg)) {
		f->destroy_gate = NULL;
		KUNIT_FAIL(test, "no thread for the unregistration");
		return;
	}
	/* f->buf stays set: hook_destroy() compares it; no longer ours */
	unreg_done = false;
	if (!wait_for_completion_timeout(&f->destroy_entered,
					 msecs_to_jiffies(5000))) {
		KUNIT_FAIL(test, "the unregistration did not reach the destroy hook");
		goto out;
	}

	removal.ctx = &f->ctx;
	removal.f = f;
	if (!start_teardown(test, &removal)) {
		removal.f = NULL;
		KUNIT_FAIL(test, "no thread for the removal");
		goto out;
	}
	/*
	 * Until the removal returns or waits for the buffer (its reference
	 * while it sleeps on the buffer's mutex): which comes first does not
	 * depend on how long either thread waits for a CPU.
	 */
	for (i = 0; i < 2500 && !completion_done(&removal.done) &&
	     refcount_read(&f->buf->refs) < 2; i++)
		usleep_range(1000, 2000);
	removal_done = completion_done(&removal.done);
	KUNIT_EXPECT_FALSE_MSG(test, removal_done,
			       "blk_premap_ctx_destroy() returned while a teardown of the device's premap was in the driver's destroy hook");
out:
	complete(&gate);
	unreg_done = wait_for_completion_timeout(&unreg.done,
						 msecs_to_jiffies(5000));
	KUNIT_EXPECT_TRUE(test, unreg_done);
	if (!removal_done) {
		removal_done = wait_for_completion_timeout(&removal.done,
							   msecs_to_jiffies(5000));
		KUNIT_EXPECT_TRUE(test, removal_done);
	}
	/* what the removal saw when blk_premap_ctx_destroy() returned */
	KUNIT_EXPECT_TRUE_MSG(test, !removal.f || removal.hook_done,
			      "the device's removal returned before the destroy hook did");
	KUNIT_EXPECT_EQ(test, f->destroys, 1);
	KUNIT_EXPECT_TRUE(test, list_empty(&f->ctx.pms));
	/* do not return while a thread still uses this stack frame */
	if (!unreg_done)
		wait_for_completion(&unreg.done);
	if (!removal_done)
		wait_for_completion(&removal.done);
	f->buf = NULL;
	f->destroy_gate = NULL;
}

/* a dead context (device removed) creates nothing */
static void destroyed_ctx(struct kunit *test)
{
	struct premap_fixture *f = test->priv;
	struct blk_premap *pm;
	u64 pos;

	set_rq(f, f->bvec, NR_FOLIOS, 1, 0, SZ_4K);
	pm = get_after_create(test, &pos);
	KUNIT_ASSERT_NOT_NULL(test, pm);
	blk_premap_ctx_destroy(&f->ctx);
	KUNIT_EXPECT_EQ(test, f->destroys, 1);
	KUNIT_EXPECT_NULL(test, blk_premap_get(&f->ctx, f->rq, &pos, NULL));
	KUNIT_EXPECT_TRUE(test, list_empty(&f->ctx.pms));
	KUNIT_EXPECT_NULL(test, slot0(f));
}

/* io_uring's layout is checked, not trusted */
static void register_bad_layout(struct kunit *test)
{
	struct premap_fixture *f = test->priv;
	struct bio_vec bad[2];

	/* a gap: bvec 0 ends before the end of its folio */
	bvec_set_page(&bad[0], f->block, SZ_4K, 0);
	bvec_set_page(&bad[1], f->block + 4, SZ_4K, 0);
	KUNIT_EXPECT_NULL(test, blk_premap_buf_register(bad, 2, FOLIO_SHIFT,
							SZ_8K));
	/* a length that does not add up */
	KUNIT_EXPECT_NULL(test, blk_premap_buf_register(f->bvec, NR_FOLIOS,
							FOLIO_SHIFT,
							BUF_LEN + 1));
}

static struct kunit_case blk_premap_cases[] = {
	KUNIT_CASE(lookup_inside),
	KUNIT_CASE(lookup_after_split),
	KUNIT_CASE(lookup_outside),
	KUNIT_CASE(lookup_unmarked),
	KUNIT_CASE(lookup_straddle),
	KUNIT_CASE(lookup_multi_bio),
	KUNIT_CASE(iterator_segments),
	KUNIT_CASE(seg_runs),
	KUNIT_CASE(hint_reregister),
	KUNIT_CASE(hint_two_devices),
	KUNIT_CASE(switched_off),
	KUNIT_CASE(key_off),
	KUNIT_CASE(reg_limits),
	KUNIT_CASE(split_limit),
	KUNIT_CASE(cap_fallback),
	KUNIT_CASE(refusal_retried),
	KUNIT_CASE(map_failure),
	KUNIT_CASE(needs_sync),
	KUNIT_CASE(unregister_unmaps),
	KUNIT_CASE(invalidate_unmaps),
	KUNIT_CASE(creation_blocks_own_buffer),
	KUNIT_CASE(destroy_waits_for_claimed_teardown),
	KUNIT_CASE(destroyed_ctx),
	KUNIT_CASE(register_bad_layout),
	{}
};

static struct kunit_suite blk_premap_suite = {
	.name = "blk_premap",
	.init = premap_test_init,
	.exit = premap_test_exit,
	.test_cases = blk_premap_cases,
};

kunit_test_suite(blk_premap_suite);

MODULE_DESCRIPTION("KUnit tests for the block premap cache");
MODULE_LICENSE("GPL");
