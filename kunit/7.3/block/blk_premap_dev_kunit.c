// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for per-device premaps.
 *
 * A registered buffer (user pages pinned as io_uring pins them, one bvec
 * per page, the first starting inside its page) is premapped for devices
 * that stand for a driver's DMA device: a KUnit device on dma-direct (or a
 * PCI device behind an IOMMU, when the test machine has one), with hooks
 * that count their calls and check, when a premap is torn down, that its
 * mapping still exists and its pages are still pinned.  The cases check
 * what the lookup queues and when, the mapping of each bvec, and that
 * releasing the buffer, destroying or invalidating a device, or a refused
 * creation leave nothing mapped and nothing queued, and which bios may
 * make requests as large as max_premap_sectors.  The last cases map requests of one
 * or more bios on the buffer through the DMA mapping iterator and compare
 * its segments with the premap's addresses of every piece of the bios.
 */
#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/bio.h>
#include <linux/blk-mq.h>
#include <linux/blk-mq-dma.h>
#include <linux/blk-premap.h>
#include <linux/dma-direct.h>
#include <linux/dma-mapping.h>
#include <linux/iommu.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/pci.h>
#include <linux/swiotlb.h>
#include "blk.h"
#include "blk-premap.h"

#define NR_PAGES	8
#define HEAD_OFF	512
#define BUF_LEN		(NR_PAGES * PAGE_SIZE - HEAD_OFF - 1024)
static_assert(NR_PAGES % 3);
/* one device more than a buffer has slots for */
#define NR_CTX		(BLK_PREMAP_MAX_DEVS + 1)

struct dev_test {
	struct device *dev;
	struct page *pages[NR_PAGES];
	struct bio_vec bvec[NR_PAGES];
	struct blk_premap_buf *buf;
	struct blk_premap_ctx ctx[NR_CTX];
	bool ctx_live[NR_CTX];
	/* the IOMMU domain of the PCI device under test, if any */
	struct iommu_domain *dom;
	int create_ret;
	int creates;
	int destroys;
	/* what the destroy hook saw wrong */
	int destroy_unpinned;
	int destroy_unmapped;
};

static int dev_test_create(struct blk_premap *pm, void *drvdata)
{
	struct dev_test *t = drvdata;

	t->creates++;
	if (!t->create_ret)
		pm->drv = t;
	return t->create_ret;
}

/* does the device still reach the buffer's first byte through @pm? */
static bool dev_test_mapped(struct dev_test *t, struct blk_premap *pm)
{
	phys_addr_t phys = bvec_phys(&t->bvec[0]);

	if (dma_use_iova(&pm->iova))
		return t->dom && iommu_iova_to_phys(t->dom, pm->iova.addr) == phys;
	return pm->bvec_dma &&
	       pm->bvec_dma[0] == phys_to_dma(pm->ctx->dma_dev, phys);
}

static void dev_test_destroy(struct blk_premap *pm, void *drvdata)
{
	struct dev_test *t = drvdata;
	int i;

	t->destroys++;
	if (pm->drv != t || !dev_test_mapped(t, pm))
		t->destroy_unmapped++;
	for (i = 0; i < NR_PAGES; i++)
		if (!folio_maybe_dma_pinned(page_folio(t->pages[i])))
			t->destroy_unpinned++;
}

static const struct blk_premap_ops dev_test_ops = {
	.create = dev_test_create,
	.destroy = dev_test_destroy,
};

static void dev_test_unpin(void *data)
{
	struct dev_test *t = data;

	unpin_user_pages(t->pages, NR_PAGES);
}

static int dev_test_init(struct kunit *test)
{
	struct dev_test *t;
	unsigned long addr;
	int i, ret;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	test->priv = t;

	t->dev = kunit_device_register(test, "blk_premap_dev_test");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t->dev);
	t->dev->dma_mask = &t->dev->coherent_dma_mask;
	ret = dma_set_mask_and_coherent(t->dev, DMA_BIT_MASK(64));
	KUNIT_ASSERT_EQ(test, ret, 0);
	if (get_dma_ops(t->dev) || is_swiotlb_force_bounce(t->dev))
		kunit_skip(test, "DMA is not plain dma-direct here");

	addr = kunit_vm_mmap(test, NULL, 0, NR_PAGES * PAGE_SIZE,
			     PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(addr));
	KUNIT_ASSERT_NE(test, addr, 0);
	ret = pin_user_pages_fast(addr, NR_PAGES, FOLL_WRITE | FOLL_LONGTERM,
				  t->pages);
	if (ret > 0 && ret < NR_PAGES)
		unpin_user_pages(t->pages, ret);
	KUNIT_ASSERT_EQ(test, ret, NR_PAGES);
	/* after the suite's exit, which releases the buffer */
	ret = kunit_add_action_or_reset(test, dev_test_unpin, t);
	KUNIT_ASSERT_EQ(test, ret, 0);

	/*
	 * As io_uring lays out a buffer of small folios, the pages taken
	 * three apart (a permutation: NR_PAGES is not a multiple of 3), so
	 * that neighbouring bvecs are not physically contiguous even where
	 * the pages came in one large folio.
	 */
	for (i = 0; i < NR_PAGES; i++)
		bvec_set_page(&t->bvec[i], t->pages[i * 3 % NR_PAGES],
			      PAGE_SIZE, 0);
	t->bvec[0].bv_offset = HEAD_OFF;
	t->bvec[0].bv_len = PAGE_SIZE - HEAD_OFF;
	t->bvec[NR_PAGES - 1].bv_len = PAGE_SIZE - 1024;
	t->buf = blk_premap_buf_create(t->bvec, NR_PAGES, PAGE_SHIFT, BUF_LEN);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t->buf);
	return 0;
}

static void dev_test_exit(struct kunit *test)
{
	struct dev_test *t = test->priv;
	int i;

	if (!t)
		return;
	for (i = 0; i < NR_CTX; i++)
		if (t->ctx_live[i])
			blk_premap_ctx_destroy(&t->ctx[i]);
	if (!IS_ERR_OR_NULL(t->buf))
		blk_premap_buf_release(t->buf);
}

static struct blk_premap_ctx *dev_test_ctx_on(struct dev_test *t, int i,
					      struct device *dev)
{
	blk_premap_ctx_init(&t->ctx[i], dev, &dev_test_ops, t);
	t->ctx_live[i] = true;
	return &t->ctx[i];
}

static struct blk_premap_ctx *dev_test_ctx(struct dev_test *t, int i)
{
	return dev_test_ctx_on(t, i, t->dev);
}

/* @ctx's premap of the buffer, whatever its state */
static struct blk_premap *dev_test_slot(struct dev_test *t,
					struct blk_premap_ctx *ctx)
{
	int i;

	for (i = 0; i < BLK_PREMAP_MAX_DEVS; i++)
		if (t->buf->slot[i].ctx == ctx)
			return t->buf->slot[i].pm;
	return NULL;
}

/* as a request through the device that finds no premap of the buffer */
static void dev_test_queue(struct dev_test *t, struct blk_premap_ctx *ctx)
{
	blk_premap_queue_create(ctx, t->buf);
}

/* @ctx's premap of the buffer once the worker has run, if live */
static struct blk_premap *dev_test_get(struct dev_test *t,
				       struct blk_premap_ctx *ctx)
{
	struct blk_premap *pm;

	flush_work(&ctx->work);
	pm = dev_test_slot(t, ctx);
	return pm && pm->state == BLK_PREMAP_LIVE ? pm : NULL;
}

static void dev_test_expect_mapped(struct kunit *test, struct dev_test *t,
				   struct blk_premap *pm)
{
	int i;

	KUNIT_ASSERT_NOT_NULL(test, pm);
	KUNIT_EXPECT_EQ(test, pm->state, BLK_PREMAP_LIVE);
	KUNIT_EXPECT_PTR_EQ(test, pm->drv, (void *)t);
	/* dma-direct: no IOVA range, each bvec where dma-direct puts it */
	KUNIT_EXPECT_FALSE(test, dma_use_iova(&pm->iova));
	KUNIT_ASSERT_NOT_NULL(test, pm->bvec_dma);
	for (i = 0; i < NR_PAGES; i++)
		KUNIT_EXPECT_EQ_MSG(test, pm->bvec_dma[i],
				    phys_to_dma(t->dev, bvec_phys(&t->bvec[i])),
				    "bvec %d", i);
	/* one range of DMA addresses only if the bvecs are back to back */
	for (i = 1; i < NR_PAGES; i++)
		if (pm->bvec_dma[i] !=
		    pm->bvec_dma[i - 1] + t->bvec[i - 1].bv_len)
			break;
	KUNIT_EXPECT_EQ(test, pm->dma_contig, i == NR_PAGES);
}

/*
 * Once the worker ran, the queued premap is live, mapped bvec by bvec;
 * queueing it again creates nothing.  Releasing the buffer tears it down
 * while its mapping exists, and leaves the device's list.
 */
static void premap_dev_create(struct kunit *test)
{
	struct dev_test *t = test->priv;
	struct blk_premap_ctx *ctx = dev_test_ctx(t, 0);
	struct blk_premap *pm;

	dev_test_queue(t, ctx);
	pm = dev_test_get(t, ctx);
	dev_test_expect_mapped(test, t, pm);
	KUNIT_EXPECT_PTR_EQ(test, pm->ctx, ctx);
	KUNIT_EXPECT_PTR_EQ(test, pm->buf, t->buf);
	dev_test_queue(t, ctx);
	KUNIT_EXPECT_PTR_EQ(test, dev_test_get(t, ctx), pm);
	KUNIT_EXPECT_EQ(test, t->creates, 1);
	KUNIT_EXPECT_TRUE(test, list_empty(&ctx->pending));

	blk_premap_buf_release(t->buf);
	t->buf = NULL;
	KUNIT_EXPECT_EQ(test, t->destroys, 1);
	KUNIT_EXPECT_EQ(test, t->destroy_unmapped, 0);
	KUNIT_EXPECT_EQ(test, t->destroy_unpinned, 0);
	KUNIT_EXPECT_TRUE(test, list_empty(&ctx->pms));
}

/* a destroyed device tears its premaps down and queues nothing new */
static void premap_dev_ctx_destroy(struct kunit *test)
{
	struct dev_test *t = test->priv;
	struct blk_premap_ctx *ctx = dev_test_ctx(t, 0);

	dev_test_queue(t, ctx);
	KUNIT_ASSERT_NOT_NULL(test, dev_test_get(t, ctx));
	blk_premap_ctx_destroy(ctx);
	t->ctx_live[0] = false;
	KUNIT_EXPECT_EQ(test, t->destroys, 1);
	KUNIT_EXPECT_TRUE(test, list_empty(&ctx->pms));

	dev_test_queue(t, ctx);
	KUNIT_EXPECT_NULL(test, dev_test_slot(t, ctx));
	KUNIT_EXPECT_TRUE(test, list_empty(&ctx->pms));
	KUNIT_EXPECT_TRUE(test, list_empty(&ctx->pending));
	KUNIT_EXPECT_EQ(test, t->creates, 1);
}

/*
 * Invalidating a device tears down its premaps, live and queued, while
 * their mappings exist, and leaves the other devices' alone; the device
 * premaps the buffer again on its next request.
 */
static void premap_dev_invalidate(struct kunit *test)
{
	struct dev_test *t = test->priv;
	struct blk_premap_ctx *ctx = dev_test_ctx(t, 0);
	struct blk_premap_ctx *other = dev_test_ctx(t, 1);
	struct blk_premap *pm, *other_pm;

	dev_test_queue(t, ctx);
	dev_test_queue(t, other);
	KUNIT_ASSERT_NOT_NULL(test, dev_test_get(t, ctx));
	other_pm = dev_test_get(t, other);
	KUNIT_ASSERT_NOT_NULL(test, other_pm);
	KUNIT_EXPECT_TRUE(test, blk_premap_live(ctx, t->buf));

	blk_premap_ctx_invalidate(ctx);
	KUNIT_EXPECT_EQ(test, t->destroys, 1);
	KUNIT_EXPECT_EQ(test, t->destroy_unmapped, 0);
	KUNIT_EXPECT_EQ(test, t->destroy_unpinned, 0);
	KUNIT_EXPECT_NULL(test, dev_test_slot(t, ctx));
	KUNIT_EXPECT_TRUE(test, list_empty(&ctx->pms));
	KUNIT_EXPECT_FALSE(test, blk_premap_live(ctx, t->buf));
	KUNIT_EXPECT_PTR_EQ(test, dev_test_get(t, other), other_pm);

	/* queued, not created yet: taken off the lists, never created */
	disable_work_sync(&ctx->work);
	dev_test_queue(t, ctx);
	KUNIT_EXPECT_FALSE(test, list_empty(&ctx->pending));
	blk_premap_ctx_invalidate(ctx);
	KUNIT_EXPECT_TRUE(test, list_empty(&ctx->pending));
	KUNIT_EXPECT_TRUE(test, list_empty(&ctx->pms));
	KUNIT_EXPECT_NULL(test, dev_test_slot(t, ctx));
	enable_work(&ctx->work);
	queue_work(system_dfl_long_wq, &ctx->work);
	flush_work(&ctx->work);
	/* the first creations of both devices, none since */
	KUNIT_EXPECT_EQ(test, t->creates, 2);

	/* the device still premaps */
	dev_test_queue(t, ctx);
	pm = dev_test_get(t, ctx);
	dev_test_expect_mapped(test, t, pm);
	KUNIT_EXPECT_EQ(test, t->creates, 3);
	KUNIT_EXPECT_EQ(test, t->destroys, 1);

	/* a failed creation's marker goes too: the next request retries */
	t->create_ret = -ENOMEM;
	blk_premap_ctx_invalidate(ctx);
	dev_test_queue(t, ctx);
	KUNIT_EXPECT_NULL(test, dev_test_get(t, ctx));
	pm = dev_test_slot(t, ctx);
	KUNIT_ASSERT_NOT_NULL(test, pm);
	KUNIT_EXPECT_EQ(test, pm->state, BLK_PREMAP_FAILED);
	blk_premap_ctx_invalidate(ctx);
	KUNIT_EXPECT_NULL(test, dev_test_slot(t, ctx));
	t->create_ret = 0;
	dev_test_queue(t, ctx);
	dev_test_expect_mapped(test, t, dev_test_get(t, ctx));
	KUNIT_EXPECT_EQ(test, t->creates, 5);
	/* one teardown for each live premap; a second call finds none */
	blk_premap_ctx_invalidate(ctx);
	blk_premap_ctx_invalidate(ctx);
	KUNIT_EXPECT_EQ(test, t->destroys, 3);
	KUNIT_EXPECT_EQ(test, t->destroy_unmapped, 0);
	KUNIT_EXPECT_TRUE(test, list_empty(&ctx->pms));
	KUNIT_EXPECT_PTR_EQ(test, dev_test_get(t, other), other_pm);
}

/*
 * A buffer is premapped for up to BLK_PREMAP_MAX_DEVS devices at a time,
 * each with its own mapping; one device's removal leaves the others live
 * and frees a slot for a further device.
 */
static void premap_dev_devices(struct kunit *test)
{
	struct dev_test *t = test->priv;
	struct blk_premap *pm[NR_CTX];
	int i;

	for (i = 0; i < NR_CTX; i++)
		dev_test_queue(t, dev_test_ctx(t, i));
	for (i = 0; i < BLK_PREMAP_MAX_DEVS; i++) {
		pm[i] = dev_test_get(t, &t->ctx[i]);
		dev_test_expect_mapped(test, t, pm[i]);
		KUNIT_EXPECT_PTR_EQ(test, pm[i]->ctx, &t->ctx[i]);
	}
	/* no slot left: nothing queued for the last device */
	KUNIT_EXPECT_TRUE(test, list_empty(&t->ctx[NR_CTX - 1].pms));
	KUNIT_EXPECT_EQ(test, t->creates, BLK_PREMAP_MAX_DEVS);

	blk_premap_ctx_destroy(&t->ctx[1]);
	t->ctx_live[1] = false;
	KUNIT_EXPECT_EQ(test, t->destroys, 1);
	for (i = 0; i < BLK_PREMAP_MAX_DEVS; i++)
		if (i != 1)
			KUNIT_EXPECT_PTR_EQ(test, dev_test_get(t, &t->ctx[i]),
					    pm[i]);
	dev_test_queue(t, &t->ctx[NR_CTX - 1]);
	dev_test_expect_mapped(test, t,
			       dev_test_get(t, &t->ctx[NR_CTX - 1]));
}

/*
 * A refused creation leaves a failed premap in the slot: lookups miss
 * without queueing it again, and nothing of it is torn down later.
 */
static void premap_dev_create_fails(struct kunit *test)
{
	struct dev_test *t = test->priv;
	struct blk_premap_ctx *ctx = dev_test_ctx(t, 0);
	struct blk_premap *pm;

	t->create_ret = -ENOMEM;
	dev_test_queue(t, ctx);
	KUNIT_EXPECT_NULL(test, dev_test_get(t, ctx));
	pm = dev_test_slot(t, ctx);
	KUNIT_ASSERT_NOT_NULL(test, pm);
	KUNIT_EXPECT_EQ(test, pm->state, BLK_PREMAP_FAILED);
	KUNIT_EXPECT_EQ(test, pm->err, -ENOMEM);
	/* the mapping made before the hook failed is gone */
	KUNIT_EXPECT_NULL(test, pm->bvec_dma);
	KUNIT_EXPECT_TRUE(test, list_empty(&ctx->pending));
	KUNIT_EXPECT_EQ(test, t->creates, 1);

	blk_premap_buf_release(t->buf);
	t->buf = NULL;
	KUNIT_EXPECT_EQ(test, t->destroys, 0);
	KUNIT_EXPECT_TRUE(test, list_empty(&ctx->pms));
}

/* the premap left after a creation the device refused */
static struct blk_premap *dev_test_refused(struct kunit *test,
					   struct dev_test *t)
{
	struct blk_premap_ctx *ctx = dev_test_ctx(t, 0);
	struct blk_premap *pm;

	dev_test_queue(t, ctx);
	KUNIT_EXPECT_NULL(test, dev_test_get(t, ctx));
	pm = dev_test_slot(t, ctx);
	KUNIT_EXPECT_NOT_NULL(test, pm);
	KUNIT_EXPECT_EQ(test, t->creates, 0);
	return pm;
}

/*
 * A device whose mappings bounce through swiotlb gets no premap: it would
 * hold swiotlb slots and need a sync per request.
 */
static void premap_dev_bounce(struct kunit *test)
{
#ifdef CONFIG_SWIOTLB
	struct dev_test *t = test->priv;
	struct io_tlb_mem *mem = t->dev->dma_io_tlb_mem;
	struct io_tlb_mem forced = { .force_bounce = true };
	struct blk_premap *pm;

	t->dev->dma_io_tlb_mem = &forced;
	KUNIT_ASSERT_TRUE(test, is_swiotlb_force_bounce(t->dev));
	pm = dev_test_refused(test, t);
	t->dev->dma_io_tlb_mem = mem;
	KUNIT_ASSERT_NOT_NULL(test, pm);
	KUNIT_EXPECT_EQ(test, pm->state, BLK_PREMAP_FAILED);
	KUNIT_EXPECT_EQ(test, pm->err, -EOPNOTSUPP);
	KUNIT_EXPECT_NULL(test, pm->bvec_dma);
#else
	kunit_skip(test, "no CONFIG_SWIOTLB");
#endif
}

/*
 * Nor does a device that cannot reach all memory: some of its mappings
 * would have to bounce.
 */
static void premap_dev_limited(struct kunit *test)
{
	struct dev_test *t = test->priv;
	struct blk_premap *pm;

	if (dma_set_mask_and_coherent(t->dev, DMA_BIT_MASK(24)) ||
	    !dma_addressing_limited(t->dev))
		kunit_skip(test, "a 24-bit mask does not limit DMA here");
	pm = dev_test_refused(test, t);
	KUNIT_ASSERT_NOT_NULL(test, pm);
	KUNIT_EXPECT_EQ(test, pm->state, BLK_PREMAP_FAILED);
	KUNIT_EXPECT_EQ(test, pm->err, -EOPNOTSUPP);
}

/*
 * A buffer released while its premap is queued for creation: the release
 * takes it off the device's lists, and the worker, once it runs, finds
 * nothing to create.
 */
static void premap_dev_release_pending(struct kunit *test)
{
	struct dev_test *t = test->priv;
	struct blk_premap_ctx *ctx = dev_test_ctx(t, 0);

	/* the worker must not run before the release */
	disable_work_sync(&ctx->work);
	dev_test_queue(t, ctx);
	KUNIT_EXPECT_FALSE(test, list_empty(&ctx->pending));
	blk_premap_buf_release(t->buf);
	t->buf = NULL;
	KUNIT_EXPECT_TRUE(test, list_empty(&ctx->pms));
	KUNIT_EXPECT_TRUE(test, list_empty(&ctx->pending));
	enable_work(&ctx->work);
	queue_work(system_dfl_long_wq, &ctx->work);
	flush_work(&ctx->work);
	KUNIT_EXPECT_EQ(test, t->creates, 0);
	KUNIT_EXPECT_EQ(test, t->destroys, 0);
}

KUNIT_DEFINE_ACTION_WRAPPER(dev_test_pci_put, pci_dev_put, struct pci_dev *);

/*
 * A PCI device behind dma-iommu, held until the test ends (after the
 * suite's exit destroyed the contexts), or skip.  One without a driver if
 * there is one: no I/O of its own reuses the IOVA ranges freed here.
 */
static struct pci_dev *dev_test_iommu_pdev(struct kunit *test)
{
	struct dev_test *t = test->priv;
	struct pci_dev *pdev = NULL, *found = NULL;

	while ((pdev = pci_get_device(PCI_ANY_ID, PCI_ANY_ID, pdev))) {
		if (!dma_get_merge_boundary(&pdev->dev))
			continue;
		if (!found || (found->dev.driver && !pdev->dev.driver)) {
			pci_dev_put(found);
			found = pci_dev_get(pdev);
		}
	}
	if (!found)
		kunit_skip(test, "no PCI device behind an IOMMU");
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, dev_test_pci_put,
							found), 0);
	t->dom = iommu_get_domain_for_dev(&found->dev);
	KUNIT_ASSERT_NOT_NULL(test, t->dom);
	return found;
}

/* byte offset in the buffer of bvec @i's first byte */
static size_t dev_test_bvec_off(int i)
{
	return i ? PAGE_SIZE - HEAD_OFF + (i - 1) * PAGE_SIZE : 0;
}

/* whether bvecs @i and @i + 1 are physically apart (the page order) */
static bool dev_test_apart(struct dev_test *t, int i)
{
	return bvec_phys(&t->bvec[i]) + t->bvec[i].bv_len !=
	       bvec_phys(&t->bvec[i + 1]);
}

/*
 * Behind an IOMMU the buffer gets one IOVA range: byte b at iova.addr + b,
 * from the first byte of the first bvec, which starts inside its page, to
 * the last of the last, and nothing of it stays mapped once the buffer is
 * released.  Any PCI device behind dma-iommu serves: the premap maps the
 * buffer for it, nothing tells the device.
 */
static void premap_dev_iova(struct kunit *test)
{
	struct dev_test *t = test->priv;
	struct blk_premap_ctx *ctx;
	struct iommu_domain *dom;
	struct pci_dev *pdev;
	struct blk_premap *pm;
	dma_addr_t iova;
	int i;

	pdev = dev_test_iommu_pdev(test);
	dom = t->dom;

	ctx = dev_test_ctx_on(t, 0, &pdev->dev);
	dev_test_queue(t, ctx);
	pm = dev_test_get(t, ctx);
	KUNIT_ASSERT_NOT_NULL(test, pm);
	KUNIT_ASSERT_TRUE(test, dma_use_iova(&pm->iova));
	KUNIT_EXPECT_NULL(test, pm->bvec_dma);
	iova = pm->iova.addr;
	KUNIT_EXPECT_TRUE(test, pm->dma_contig);
	KUNIT_EXPECT_EQ(test, pm->dma_base, iova);
	for (i = 0; i < NR_PAGES; i++) {
		const struct bio_vec *bv = &t->bvec[i];
		size_t off = dev_test_bvec_off(i);

		KUNIT_EXPECT_EQ_MSG(test, iommu_iova_to_phys(dom, iova + off),
				    bvec_phys(bv), "bvec %d", i);
		KUNIT_EXPECT_EQ_MSG(test,
				    iommu_iova_to_phys(dom, iova + off +
						       bv->bv_len - 1),
				    bvec_phys(bv) + bv->bv_len - 1,
				    "bvec %d", i);
	}

	blk_premap_buf_release(t->buf);
	t->buf = NULL;
	KUNIT_EXPECT_EQ(test, t->destroys, 1);
	KUNIT_EXPECT_EQ(test, t->destroy_unmapped, 0);
	for (i = 0; i < NR_PAGES; i++)
		KUNIT_EXPECT_EQ_MSG(test,
				    iommu_iova_to_phys(dom, iova +
						       dev_test_bvec_off(i)),
				    0, "bvec %d still mapped", i);
}

struct dev_test_seg {
	dma_addr_t addr;
	u32 len;
};

#define MAX_SEGS	(3 * NR_PAGES)

/* a request of @n bios on [off[i], off[i] + len[i]) of the buffer */
static struct request *dev_test_rq(struct kunit *test,
				   struct blk_premap_buf *h,
				   const size_t *off, const size_t *len, int n)
{
	struct dev_test *t = test->priv;
	struct request_queue *q;
	struct request *rq;
	struct bio *bio, **next;
	int i;

	q = kunit_kzalloc(test, sizeof(*q), GFP_KERNEL);
	rq = kunit_kzalloc(test, sizeof(*rq), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, q && rq);
	/* the limits of a PCIe NVMe controller: only the 4G boundary */
	q->limits.max_segment_size = UINT_MAX;
	q->limits.seg_boundary_mask = BLK_SEG_BOUNDARY_MASK;
	rq->q = q;
	rq->cmd_flags = REQ_OP_READ;
	next = &rq->bio;
	for (i = 0; i < n; i++) {
		struct iov_iter iter;

		bio = kunit_kzalloc(test, sizeof(*bio), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, bio);
		bio_init(bio, NULL, NULL, 0, REQ_OP_READ);
		iov_iter_bvec(&iter, ITER_DEST, t->bvec, NR_PAGES, BUF_LEN);
		if (h)
			iov_iter_set_premap(&iter, h);
		iov_iter_advance(&iter, off[i]);
		iov_iter_truncate(&iter, len[i]);
		KUNIT_ASSERT_EQ(test, bio_iov_iter_get_pages(bio, &iter, 0, 0),
				0);
		KUNIT_ASSERT_EQ(test, bio->bi_iter.bi_size, len[i]);
		/* the physical gap the block layer counts at a merge */
		if (i)
			rq->phys_gap_bit = bio_seg_gap(q, rq->biotail, bio,
						       rq->phys_gap_bit);
		*next = bio;
		next = &bio->bi_next;
		rq->biotail = bio;
		rq->__data_len += len[i];
	}
	return rq;
}

/*
 * The iterator's segments of @rq, or -1 if it is not premapped.  A request
 * of one bio must be found by blk_rq_dma_premap_bio() too, with the same
 * premap, offset and first segment address; that segment ends where the
 * iterator's does, or at the end of a bvec, and is all of the data
 * exactly where blk_rq_dma_premap_prepare() found it without a walk.  Any
 * other request must not be found.
 */
static int dev_test_segs(struct kunit *test, struct request *rq,
			 struct blk_premap_ctx *ctx, struct dev_test_seg *segs)
{
	bool one_bio = rq->bio && !rq->bio->bi_next;
	struct blk_premap_seg seg = {};
	struct blk_dma_iter iter;
	struct blk_premap *pm;
	u32 found;
	u64 off;
	int n = 0;

	if (!blk_rq_dma_premap_prepare(rq, ctx, &iter)) {
		/* unless the worker made the premap live in between */
		if (blk_rq_dma_premap_bio(rq, ctx, &seg)) {
			KUNIT_EXPECT_TRUE(test, one_bio);
			KUNIT_EXPECT_TRUE(test, blk_rq_dma_premap_prepare(rq, ctx,
									  &iter));
		}
		return -1;
	}
	KUNIT_EXPECT_EQ(test, blk_rq_dma_premap_bio(rq, ctx, &seg), one_bio);
	/* a segment found without a walk is all of the data */
	found = iter.len;
	if (found)
		KUNIT_EXPECT_EQ(test, found, blk_rq_payload_bytes(rq));
	pm = blk_rq_dma_premap_range(rq, &iter, &off);
	blk_rq_dma_premap_start(rq, &iter);
	if (one_bio) {
		KUNIT_EXPECT_PTR_EQ(test, seg.pm, pm);
		KUNIT_EXPECT_EQ(test, seg.off, off);
		KUNIT_EXPECT_EQ(test, seg.addr, iter.addr);
		KUNIT_EXPECT_LE(test, seg.len, iter.len);
		/* shorter only where the walk went on into the next bvec */
		if (seg.len < iter.len)
			KUNIT_EXPECT_EQ(test, (seg.off + seg.len +
					       pm->buf->first_off) &
					((1ULL << pm->buf->shift) - 1), 0);
		KUNIT_EXPECT_EQ(test, seg.len == blk_rq_payload_bytes(rq),
				found != 0);
	}
	do {
		KUNIT_ASSERT_LT(test, n, MAX_SEGS);
		segs[n].addr = iter.addr;
		segs[n++].len = iter.len;
	} while (blk_rq_dma_map_iter_next(rq, ctx->dma_dev, &iter));
	KUNIT_EXPECT_EQ(test, iter.status, BLK_STS_OK);
	return n;
}

/*
 * The segment blk_rq_dma_premap_prepare() found for @rq without walking
 * its bvecs: its length, 0 if none; @rq must be premapped.
 */
static u32 dev_test_found(struct kunit *test, struct request *rq,
			  struct blk_premap_ctx *ctx)
{
	struct blk_dma_iter iter;

	KUNIT_ASSERT_TRUE(test, blk_rq_dma_premap_prepare(rq, ctx, &iter));
	return iter.len;
}

/*
 * What the segments must be: every piece of every bio (a bio's bytes in
 * one bvec) at its premapped address, pieces that are DMA-contiguous
 * merged, across bios too.
 */
static int dev_test_ref_segs(struct dev_test *t, struct blk_premap *pm,
			     const size_t *off, const size_t *len, int n,
			     struct dev_test_seg *segs)
{
	int i, nr = 0;

	for (i = 0; i < n; i++) {
		size_t o = off[i], end = off[i] + len[i];

		while (o < end) {
			/* bvec of byte o, and o's offset in its data */
			size_t first = PAGE_SIZE - HEAD_OFF;
			int b = o < first ? 0 : 1 + (o - first) / PAGE_SIZE;
			size_t in = b ? (o - first) % PAGE_SIZE : o;
			size_t piece = min(end - o, t->bvec[b].bv_len - in);
			dma_addr_t addr;

			if (dma_use_iova(&pm->iova))
				addr = pm->iova.addr + o;
			else
				addr = phys_to_dma(t->dev,
						   bvec_phys(&t->bvec[b]) + in);
			if (nr && segs[nr - 1].addr + segs[nr - 1].len == addr) {
				segs[nr - 1].len += piece;
			} else {
				segs[nr].addr = addr;
				segs[nr++].len = piece;
			}
			o += piece;
		}
	}
	return nr;
}

/* the @n segments of @rq must be those in @want */
static void dev_test_expect_these(struct kunit *test, struct request *rq,
				  struct blk_premap_ctx *ctx,
				  const struct dev_test_seg *want, int n)
{
	struct dev_test_seg segs[MAX_SEGS];
	int i;

	KUNIT_ASSERT_EQ(test, dev_test_segs(test, rq, ctx, segs), n);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ_MSG(test, segs[i].addr, want[i].addr, "seg %d",
				    i);
		KUNIT_EXPECT_EQ_MSG(test, segs[i].len, want[i].len, "seg %d", i);
	}
}

static void dev_test_expect_segs(struct kunit *test, struct request *rq,
				 struct blk_premap_ctx *ctx,
				 struct blk_premap *pm, const size_t *off,
				 const size_t *len, int n)
{
	struct dev_test_seg want[MAX_SEGS];
	int nr_want;

	nr_want = dev_test_ref_segs(test->priv, pm, off, len, n, want);
	dev_test_expect_these(test, rq, ctx, want, nr_want);
}

/*
 * The lookup: a buffer's first request through a device queues the
 * premap's creation and misses, as do requests while it is pending; a
 * live premap is returned and nothing queued; a failed one misses without
 * being queued again; a device with no slot left gets nothing.
 */
static void premap_dev_lookup(struct kunit *test)
{
	struct dev_test *t = test->priv;
	struct blk_premap_ctx *ctx = dev_test_ctx(t, 0);
	struct blk_premap *pm;
	int i;

	disable_work_sync(&ctx->work);
	KUNIT_EXPECT_NULL(test, blk_premap_get(ctx, t->buf));
	KUNIT_EXPECT_NOT_NULL(test, dev_test_slot(t, ctx));
	KUNIT_EXPECT_NULL(test, blk_premap_get(ctx, t->buf));
	enable_work(&ctx->work);
	queue_work(system_dfl_long_wq, &ctx->work);
	pm = dev_test_get(t, ctx);
	KUNIT_ASSERT_NOT_NULL(test, pm);
	KUNIT_EXPECT_PTR_EQ(test, blk_premap_get(ctx, t->buf), pm);
	KUNIT_EXPECT_TRUE(test, list_empty(&ctx->pending));

	t->create_ret = -ENOMEM;
	ctx = dev_test_ctx(t, 1);
	KUNIT_EXPECT_NULL(test, blk_premap_get(ctx, t->buf));
	flush_work(&ctx->work);
	KUNIT_EXPECT_NULL(test, blk_premap_get(ctx, t->buf));
	KUNIT_EXPECT_TRUE(test, list_empty(&ctx->pending));
	flush_work(&ctx->work);
	KUNIT_EXPECT_EQ(test, t->creates, 2);

	for (i = 2; i < NR_CTX; i++)
		KUNIT_EXPECT_NULL(test, blk_premap_get(dev_test_ctx(t, i),
						       t->buf));
	KUNIT_EXPECT_FALSE(test, list_empty(&t->ctx[NR_CTX - 2].pms));
	KUNIT_EXPECT_TRUE(test, list_empty(&t->ctx[NR_CTX - 1].pms));
}

/* three bios: two back to back in the buffer, then one further on */
static const size_t iter_off[] = { 100, 100 + 5000, 20000 };
static const size_t iter_len[] = { 5000, 3000, 6000 };

/*
 * Without an IOMMU: a bio's segments are its pieces in each bvec (merged
 * where pages are contiguous, which the suite's page order avoids), and a
 * request of several bios merges across them where their data is.
 */
static void premap_dev_iter_direct(struct kunit *test)
{
	struct dev_test_seg segs[MAX_SEGS];
	struct dev_test *t = test->priv;
	struct blk_premap_ctx *ctx = dev_test_ctx(t, 0);
	struct blk_premap *pm;
	struct request *rq;

	rq = dev_test_rq(test, t->buf, iter_off, iter_len, 1);
	KUNIT_EXPECT_EQ(test, dev_test_segs(test, rq, ctx, segs), -1);
	pm = dev_test_get(t, ctx);
	KUNIT_ASSERT_NOT_NULL(test, pm);
	dev_test_expect_segs(test, rq, ctx, pm, iter_off, iter_len, 1);
	rq = dev_test_rq(test, t->buf, iter_off, iter_len, 3);
	dev_test_expect_segs(test, rq, ctx, pm, iter_off, iter_len, 3);
}

/*
 * Behind an IOMMU a bio is one segment, and bios whose data is contiguous
 * in the buffer are one: the three bios map as two.
 */
static void premap_dev_iter_iova(struct kunit *test)
{
	struct dev_test_seg segs[MAX_SEGS];
	struct dev_test *t = test->priv;
	struct blk_premap_ctx *ctx;
	struct pci_dev *pdev;
	struct blk_premap *pm;
	struct request *rq;

	pdev = dev_test_iommu_pdev(test);
	ctx = dev_test_ctx_on(t, 0, &pdev->dev);
	dev_test_queue(t, ctx);
	pm = dev_test_get(t, ctx);
	KUNIT_ASSERT_NOT_NULL(test, pm);
	KUNIT_ASSERT_TRUE(test, dma_use_iova(&pm->iova));
	rq = dev_test_rq(test, t->buf, iter_off, iter_len, 3);
	KUNIT_ASSERT_EQ(test, dev_test_segs(test, rq, ctx, segs), 2);
	KUNIT_EXPECT_EQ(test, segs[0].addr, pm->iova.addr + iter_off[0]);
	KUNIT_EXPECT_EQ(test, segs[0].len, iter_len[0] + iter_len[1]);
	KUNIT_EXPECT_EQ(test, segs[1].addr, pm->iova.addr + iter_off[2]);
	KUNIT_EXPECT_EQ(test, segs[1].len, iter_len[2]);
	dev_test_expect_segs(test, rq, ctx, pm, iter_off, iter_len, 3);
}

KUNIT_DEFINE_ACTION_WRAPPER(dev_test_release, blk_premap_buf_release,
			    struct blk_premap_buf *);

/* as dev_test_get(), for any handle: @ctx's live premap of @buf */
static struct blk_premap *dev_test_get_buf(struct blk_premap_ctx *ctx,
					   struct blk_premap_buf *buf)
{
	blk_premap_queue_create(ctx, buf);
	flush_work(&ctx->work);
	return blk_premap_get(ctx, buf);
}

/*
 * A request is premapped only if all its bios are: one bio without a
 * handle, or with a handle its bvecs do not belong to, or on a buffer not
 * premapped for the device yet, and the whole request is mapped the
 * usual way.  Only the last queues a creation.
 */
static void premap_dev_iter_miss(struct kunit *test)
{
	struct dev_test_seg segs[MAX_SEGS];
	struct dev_test *t = test->priv;
	struct blk_premap_ctx *ctx = dev_test_ctx(t, 0);
	struct blk_premap_buf *other;
	struct request *rq;

	/* a handle of the same layout over another bvec array */
	other = blk_premap_buf_create(t->bvec + 1, NR_PAGES - 1, PAGE_SHIFT,
				      BUF_LEN - t->bvec[0].bv_len);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, other);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, dev_test_release,
							other), 0);

	rq = dev_test_rq(test, NULL, iter_off, iter_len, 2);
	KUNIT_EXPECT_EQ(test, dev_test_segs(test, rq, ctx, segs), -1);
	rq = dev_test_rq(test, other, iter_off, iter_len, 2);
	KUNIT_EXPECT_EQ(test, dev_test_segs(test, rq, ctx, segs), -1);
	flush_work(&ctx->work);
	KUNIT_EXPECT_TRUE(test, list_empty(&ctx->pms));

	rq = dev_test_rq(test, t->buf, iter_off, iter_len, 2);
	KUNIT_EXPECT_EQ(test, dev_test_segs(test, rq, ctx, segs), -1);
	KUNIT_ASSERT_NOT_NULL(test, dev_test_get(t, ctx));
	/* the second bio without a handle */
	bio_set_premap(rq->bio->bi_next, NULL);
	KUNIT_EXPECT_EQ(test, dev_test_segs(test, rq, ctx, segs), -1);
	bio_set_premap(rq->bio->bi_next, t->buf);
	KUNIT_EXPECT_GT(test, dev_test_segs(test, rq, ctx, segs), 0);
}

/*
 * Put @rq's queue behind a tag set (returned, without a premap context)
 * and give its bio a block device on that queue, as bio submission sees
 * them.
 */
static struct blk_mq_tag_set *dev_test_tag_set(struct kunit *test,
					       struct request *rq)
{
	struct blk_mq_tag_set *set;
	struct block_device *bdev;

	set = kunit_kzalloc(test, sizeof(*set), GFP_KERNEL);
	bdev = kunit_kzalloc(test, sizeof(*bdev), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, set && bdev);
	bdev->bd_queue = rq->q;
	rq->q->tag_set = set;
	rq->bio->bi_bdev = bdev;
	return set;
}

/*
 * How large a request a bio larger than max_sectors may make: up to
 * max_premap_sectors only once its buffer's premap for the device of its
 * queue's tag set is live; looking does not queue a creation.  A bio of a
 * queue without a tag set or whose tag set has no premap context, one on
 * another device's premap, a failed premap, or a handle the bio's bvecs
 * do not belong to, keeps max_sectors.
 */
static void premap_dev_max_sectors(struct kunit *test)
{
	static const size_t off[] = { 100 }, len[] = { 6 * PAGE_SIZE };
	struct dev_test *t = test->priv;
	struct blk_premap_ctx *ctx = dev_test_ctx(t, 0);
	struct blk_premap_ctx *failed = dev_test_ctx(t, 1);
	struct blk_mq_tag_set *set;
	struct blk_premap_buf *other;
	struct request_queue *q;
	struct request *rq;
	struct bio *bio;

	rq = dev_test_rq(test, t->buf, off, len, 1);
	bio = rq->bio;
	q = rq->q;
	q->limits.max_sectors = 8;
	q->limits.max_premap_sectors = 64;
	set = dev_test_tag_set(test, rq);

	/* no premap context, then a bio-based queue */
	KUNIT_EXPECT_EQ(test, blk_premap_max_sectors(bio, &q->limits), 8);
	q->tag_set = NULL;
	KUNIT_EXPECT_EQ(test, blk_premap_max_sectors(bio, &q->limits), 8);
	q->tag_set = set;

	/* not premapped yet: nothing queued */
	set->premap = ctx;
	KUNIT_EXPECT_EQ(test, blk_premap_max_sectors(bio, &q->limits), 8);
	flush_work(&ctx->work);
	KUNIT_EXPECT_TRUE(test, list_empty(&ctx->pms));
	KUNIT_EXPECT_EQ(test, t->creates, 0);

	/* live: up to max_premap_sectors, through the tag set only */
	KUNIT_ASSERT_NOT_NULL(test, dev_test_get_buf(ctx, t->buf));
	KUNIT_EXPECT_EQ(test, blk_premap_max_sectors(bio, &q->limits), 64);
	set->premap = NULL;
	KUNIT_EXPECT_EQ(test, blk_premap_max_sectors(bio, &q->limits), 8);
	q->tag_set = NULL;
	KUNIT_EXPECT_EQ(test, blk_premap_max_sectors(bio, &q->limits), 8);
	q->tag_set = set;
	set->premap = ctx;

	/* pending, then failed, for another device */
	set->premap = failed;
	disable_work_sync(&failed->work);
	blk_premap_queue_create(failed, t->buf);
	KUNIT_ASSERT_NOT_NULL(test, dev_test_slot(t, failed));
	KUNIT_EXPECT_EQ(test, blk_premap_max_sectors(bio, &q->limits), 8);
	t->create_ret = -ENOMEM;
	enable_work(&failed->work);
	queue_work(system_dfl_long_wq, &failed->work);
	flush_work(&failed->work);
	KUNIT_EXPECT_EQ(test, dev_test_slot(t, failed)->state,
			BLK_PREMAP_FAILED);
	KUNIT_EXPECT_EQ(test, blk_premap_max_sectors(bio, &q->limits), 8);

	/* a live handle whose bvec array the bio's data is not in */
	t->create_ret = 0;
	set->premap = ctx;
	other = blk_premap_buf_create(t->bvec + 1, NR_PAGES - 1, PAGE_SHIFT,
				      BUF_LEN - t->bvec[0].bv_len);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, other);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, dev_test_release,
							other), 0);
	KUNIT_ASSERT_NOT_NULL(test, dev_test_get_buf(ctx, other));
	bio_set_premap(bio, other);
	KUNIT_EXPECT_EQ(test, blk_premap_max_sectors(bio, &q->limits), 8);
	bio_set_premap(bio, t->buf);
	KUNIT_EXPECT_EQ(test, blk_premap_max_sectors(bio, &q->limits), 64);
}

/*
 * Whether bio_split_rw() leaves REQ_NOWAIT @bio whole: else a split it
 * would need ends it with BLK_STS_AGAIN instead of submitting the rest.
 */
static bool dev_test_whole(struct kunit *test, struct bio *bio,
			   struct request_queue *q, unsigned int *nsegs)
{
	struct bio *ret;

	bio->bi_status = BLK_STS_OK;
	ret = bio_split_rw(bio, &q->limits, nsegs);
	if (ret) {
		KUNIT_EXPECT_PTR_EQ(test, ret, bio);
		return true;
	}
	KUNIT_EXPECT_EQ(test, (__force u8)bio->bi_status,
			(__force u8)BLK_STS_AGAIN);
	return false;
}

/*
 * Whether bio_split_rw() splits a bio of six pages on the premapped buffer
 * against max_sectors of 8: not while its premap is live and
 * max_premap_sectors covers it; at a max_premap_sectors of 16, or for a
 * device the buffer is not premapped for, it does.  Then where:
 * bio_split_rw_at() at the limit blk_premap_max_sectors() gives.
 */
static void premap_dev_split(struct kunit *test)
{
	static const size_t off[] = { 100 }, len[] = { 6 * PAGE_SIZE };
	struct dev_test *t = test->priv;
	struct blk_premap_ctx *ctx = dev_test_ctx(t, 0);
	struct blk_premap_ctx *other = dev_test_ctx(t, 1);
	unsigned int nsegs, sectors, max;
	struct blk_mq_tag_set *set;
	struct request_queue *q;
	struct request *rq;
	struct bio *bio;

	rq = dev_test_rq(test, t->buf, off, len, 1);
	bio = rq->bio;
	sectors = bio_sectors(bio);
	q = rq->q;
	q->limits.logical_block_size = SECTOR_SIZE;
	q->limits.physical_block_size = SECTOR_SIZE;
	q->limits.max_segments = 64;
	q->limits.dma_alignment = 3;
	q->limits.max_sectors = 8;
	set = dev_test_tag_set(test, rq);
	set->premap = ctx;
	bio->bi_opf |= REQ_NOWAIT;
	KUNIT_ASSERT_NOT_NULL(test, dev_test_get_buf(ctx, t->buf));

	q->limits.max_premap_sectors = sectors + 16;
	KUNIT_EXPECT_TRUE(test, dev_test_whole(test, bio, q, &nsegs));
	/* a segment per bvec: the bio spans seven */
	KUNIT_EXPECT_EQ(test, nsegs, 7);
	q->limits.max_premap_sectors = sectors;
	KUNIT_EXPECT_TRUE(test, dev_test_whole(test, bio, q, &nsegs));
	q->limits.max_premap_sectors = 16;
	KUNIT_EXPECT_FALSE(test, dev_test_whole(test, bio, q, &nsegs));
	q->limits.max_premap_sectors = sectors + 16;
	set->premap = other;
	KUNIT_EXPECT_FALSE(test, dev_test_whole(test, bio, q, &nsegs));

	/* where: at 16 sectors, or at 8 for the other device */
	bio->bi_opf &= ~REQ_NOWAIT;
	q->limits.max_premap_sectors = 16;
	set->premap = ctx;
	max = blk_premap_max_sectors(bio, &q->limits);
	KUNIT_EXPECT_EQ(test, max, 16);
	KUNIT_EXPECT_EQ(test, bio_split_rw_at(bio, &q->limits, &nsegs,
					      max << SECTOR_SHIFT), 16);
	set->premap = other;
	max = blk_premap_max_sectors(bio, &q->limits);
	KUNIT_EXPECT_EQ(test, max, 8);
	KUNIT_EXPECT_EQ(test, bio_split_rw_at(bio, &q->limits, &nsegs,
					      max << SECTOR_SHIFT), 8);
}

/*
 * Without an IOMMU, a buffer of one bvec (a whole page here; a hugepage
 * buffer of one folio in use) is one range of DMA addresses: a byte's
 * address follows from its offset, and any bytes of it are one segment,
 * as in an IOVA range.
 */
static void premap_dev_contig(struct kunit *test)
{
	struct dev_test *t = test->priv;
	struct blk_premap_ctx *ctx = dev_test_ctx(t, 0);
	struct blk_premap_buf *one;
	struct blk_premap *pm;
	dma_addr_t base;
	u32 len;

	/* bvec 3: a whole page at offset 0 */
	one = blk_premap_buf_create(t->bvec + 3, 1, PAGE_SHIFT, PAGE_SIZE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, one);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, dev_test_release,
							one), 0);
	pm = dev_test_get_buf(ctx, one);
	KUNIT_ASSERT_NOT_NULL(test, pm);
	base = phys_to_dma(t->dev, bvec_phys(&t->bvec[3]));
	KUNIT_EXPECT_TRUE(test, pm->dma_contig);
	KUNIT_EXPECT_EQ(test, pm->dma_base, base);
	KUNIT_EXPECT_EQ(test, blk_premap_dma_off(pm, 100, 1000, &len),
			base + 100);
	KUNIT_EXPECT_EQ(test, len, 1000);
	KUNIT_EXPECT_EQ(test, blk_premap_dma_at(pm, PAGE_SIZE - 1),
			base + PAGE_SIZE - 1);
}

/*
 * blk_premap_dma_off() of a premap over the suite's buffer of NR_PAGES
 * bvecs, faked with a table of bvecs back to back from @base: marked
 * dma_contig, any bytes are one segment from the base (not from the
 * table, made wrong on purpose); not marked, a segment ends with its bvec.
 */
static void premap_dev_contig_off(struct kunit *test)
{
	const dma_addr_t base = 0x10000000;
	struct dev_test *t = test->priv;
	size_t off = dev_test_bvec_off(2) + 300;
	dma_addr_t bvec_dma[NR_PAGES];
	struct blk_premap pm = {
		.buf = t->buf,
		.bvec_dma = bvec_dma,
		.dma_base = base,
	};
	dma_addr_t next = base;
	u32 len;
	int i;

	for (i = 0; i < NR_PAGES; i++) {
		bvec_dma[i] = next;
		next += t->bvec[i].bv_len;
	}
	KUNIT_EXPECT_EQ(test, blk_premap_dma_off(&pm, off, 3 * PAGE_SIZE, &len),
			base + off);
	KUNIT_EXPECT_EQ(test, len, PAGE_SIZE - 300);

	pm.dma_contig = true;
	for (i = 0; i < NR_PAGES; i++)
		bvec_dma[i] = 0;
	KUNIT_EXPECT_EQ(test, blk_premap_dma_off(&pm, off, 3 * PAGE_SIZE, &len),
			base + off);
	KUNIT_EXPECT_EQ(test, len, 3 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, blk_premap_dma_at(&pm, BUF_LEN - 1),
			base + BUF_LEN - 1);
}

/* blk_rq_dma_premap_gap_mask() of @rq's premapped segments, if any */
static bool dev_test_gaps(struct request *rq, struct blk_premap_ctx *ctx,
			  unsigned long *mask)
{
	struct blk_dma_iter iter;

	if (!blk_rq_dma_premap_prepare(rq, ctx, &iter))
		return false;
	*mask = blk_rq_dma_premap_gap_mask(&iter);
	return true;
}

/*
 * Without an IOMMU, two bios that end and start mid-page in pages of the
 * buffer apart: a gap at the lowest bit their DMA addresses set, which a
 * 4 KiB virt boundary refuses; the gaps the request already has (here an
 * 8 KiB-aligned one) count, and a lower one at a junction wins.
 */
static void premap_dev_iter_gaps(struct kunit *test)
{
	const size_t edge_off[] = { dev_test_bvec_off(3) + 100,
				    dev_test_bvec_off(4) };
	const size_t edge_len[] = { PAGE_SIZE - 100, 1000 };
	const size_t off[] = { 100, dev_test_bvec_off(5) + 300 };
	const size_t len[] = { dev_test_bvec_off(2) + 1000 - 100, 2000 };
	struct dev_test *t = test->priv;
	struct blk_premap_ctx *ctx = dev_test_ctx(t, 0);
	dma_addr_t end, start;
	struct blk_premap *pm;
	struct request *rq;
	unsigned long mask;

	if (!dev_test_apart(t, 3))
		kunit_skip(test, "bvecs 3 and 4 are physically contiguous");
	pm = dev_test_get_buf(ctx, t->buf);
	KUNIT_ASSERT_NOT_NULL(test, pm);
	/* bvec 2 at 1000 bytes in, bvec 5 at 300 */
	end = phys_to_dma(t->dev, bvec_phys(&t->bvec[2]) + 1000);
	start = phys_to_dma(t->dev, bvec_phys(&t->bvec[5]) + 300);
	rq = dev_test_rq(test, t->buf, off, len, 2);
	dev_test_expect_segs(test, rq, ctx, pm, off, len, 2);
	KUNIT_ASSERT_TRUE(test, dev_test_gaps(rq, ctx, &mask));
	KUNIT_EXPECT_EQ(test, mask, ~((1UL << __ffs64(end | start)) - 1));
	KUNIT_EXPECT_NE(test, mask & (SZ_4K - 1), 0);

	rq->phys_gap_bit = 14;
	KUNIT_ASSERT_TRUE(test, dev_test_gaps(rq, ctx, &mask));
	KUNIT_EXPECT_EQ(test, mask, ~((1UL << __ffs64(end | start)) - 1));
	rq->q->limits.virt_boundary_mask = SZ_4K - 1;
	KUNIT_EXPECT_FALSE(test, dev_test_gaps(rq, ctx, &mask));

	rq = dev_test_rq(test, t->buf, iter_off, iter_len, 2);
	KUNIT_ASSERT_TRUE(test, dev_test_gaps(rq, ctx, &mask));
	KUNIT_EXPECT_EQ(test, mask, 0);
	rq->phys_gap_bit = 14;
	KUNIT_ASSERT_TRUE(test, dev_test_gaps(rq, ctx, &mask));
	KUNIT_EXPECT_EQ(test, mask, ~(SZ_8K - 1UL));

	/*
	 * A bio carrying on where the one before ended, at a bvec boundary
	 * between pages apart: the gap is the page-aligned physical one the
	 * block layer counted at the merge.
	 */
	rq = dev_test_rq(test, t->buf, edge_off, edge_len, 2);
	KUNIT_ASSERT_NE(test, rq->phys_gap_bit, 0);
	KUNIT_ASSERT_TRUE(test, dev_test_gaps(rq, ctx, &mask));
	KUNIT_EXPECT_EQ(test, mask, ~(SZ_4K - 1UL));
}

/* a second handle over the suite's buffer, released at the case's end */
static struct blk_premap_buf *dev_test_alias(struct kunit *test)
{
	struct dev_test *t = test->priv;
	struct blk_premap_buf *alias;

	alias = blk_premap_buf_create(t->bvec, NR_PAGES, PAGE_SHIFT, BUF_LEN);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, alias);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, dev_test_release,
							alias), 0);
	return alias;
}

/* a bio mid-page, then one on the same memory right after it */
static const size_t mid_off[] = { 100, 2100 };
static const size_t mid_len[] = { 2000, 3000 };

/*
 * Two handles over the same memory, as when a buffer is registered twice.
 * A bio on each, physically contiguous mid-page: the block layer merges
 * them and sees no gap.  Without an IOMMU their premaps are contiguous
 * too: the segments run across the junction, and there is no gap.  Behind
 * one they are two IOVA ranges: a gap mid-page, which a driver must not
 * put in a PRP list, and which a queue with a 4 KiB virt boundary (no
 * SGLs) refuses.  Bios that end and start on page boundaries (a page's
 * end, then its start) part on them behind the IOMMU too.
 */
static void premap_dev_iter_alias(struct kunit *test)
{
	static const size_t pg_off[] = { 100, PAGE_SIZE - HEAD_OFF };
	static const size_t pg_len[] = { 2 * PAGE_SIZE - HEAD_OFF - 100, 3000 };
	struct dev_test_seg segs[MAX_SEGS];
	struct dev_test *t = test->priv;
	struct blk_premap_ctx *ctx = dev_test_ctx(t, 0);
	struct blk_premap *pm, *apm;
	struct blk_premap_buf *alias;
	struct pci_dev *pdev;
	struct request *rq;
	unsigned long mask;

	alias = dev_test_alias(test);

	pm = dev_test_get_buf(ctx, t->buf);
	KUNIT_ASSERT_NOT_NULL(test, pm);
	KUNIT_ASSERT_NOT_NULL(test, dev_test_get_buf(ctx, alias));
	rq = dev_test_rq(test, t->buf, mid_off, mid_len, 2);
	bio_set_premap(rq->bio->bi_next, alias);
	dev_test_expect_segs(test, rq, ctx, pm, mid_off, mid_len, 2);
	KUNIT_ASSERT_TRUE(test, dev_test_gaps(rq, ctx, &mask));
	KUNIT_EXPECT_EQ(test, mask, 0);

	pdev = dev_test_iommu_pdev(test);
	ctx = dev_test_ctx_on(t, 1, &pdev->dev);
	pm = dev_test_get_buf(ctx, t->buf);
	apm = dev_test_get_buf(ctx, alias);
	KUNIT_ASSERT_TRUE(test, pm && apm);
	KUNIT_ASSERT_TRUE(test, dma_use_iova(&pm->iova));
	KUNIT_ASSERT_EQ(test, dev_test_segs(test, rq, ctx, segs), 2);
	KUNIT_EXPECT_EQ(test, segs[0].addr, pm->iova.addr + mid_off[0]);
	KUNIT_EXPECT_EQ(test, segs[1].addr, apm->iova.addr + mid_off[1]);
	KUNIT_ASSERT_TRUE(test, dev_test_gaps(rq, ctx, &mask));
	KUNIT_EXPECT_NE(test, mask & (SZ_4K - 1), 0);
	rq->q->limits.virt_boundary_mask = SZ_4K - 1;
	KUNIT_EXPECT_EQ(test, dev_test_segs(test, rq, ctx, segs), -1);

	rq = dev_test_rq(test, t->buf, pg_off, pg_len, 2);
	bio_set_premap(rq->bio->bi_next, alias);
	rq->q->limits.virt_boundary_mask = SZ_4K - 1;
	KUNIT_ASSERT_EQ(test, dev_test_segs(test, rq, ctx, segs), 2);
	KUNIT_EXPECT_EQ(test, segs[0].addr, pm->iova.addr + pg_off[0]);
	KUNIT_EXPECT_EQ(test, segs[0].len, pg_len[0]);
	KUNIT_EXPECT_EQ(test, segs[1].addr, apm->iova.addr + pg_off[1]);
	KUNIT_EXPECT_EQ(test, segs[1].len, pg_len[1]);
	KUNIT_ASSERT_TRUE(test, dev_test_gaps(rq, ctx, &mask));
	KUNIT_EXPECT_EQ(test, mask & (SZ_4K - 1), 0);
	KUNIT_EXPECT_NE(test, mask, 0);
}

/*
 * blk_rq_dma_premap_range() of @rq: its premap and, in @off, where its data
 * starts in the premap's buffer, or %NULL; @rq must be premapped.  Asked
 * before any segment is found, as a driver that precomputed descriptors
 * asks it.
 */
static struct blk_premap *dev_test_range(struct kunit *test,
					 struct request *rq,
					 struct blk_premap_ctx *ctx, u64 *off)
{
	struct blk_dma_iter iter;
	struct blk_premap *pm;

	KUNIT_ASSERT_TRUE(test, blk_rq_dma_premap_prepare(rq, ctx, &iter));
	pm = blk_rq_dma_premap_range(rq, &iter, off);
	/* the range's first byte is where the first segment starts */
	blk_rq_dma_premap_start(rq, &iter);
	if (pm)
		KUNIT_EXPECT_EQ(test, iter.addr, blk_premap_dma_at(pm, *off));
	return pm;
}

/*
 * Where a request's data lies in its buffer, for drivers that precompute
 * descriptors per buffer: one bio, and bios each carrying on where the one
 * before ended, are one run of the buffer from the first bio's offset;
 * bios apart, out of order, or on another handle over the same memory
 * (contiguous for the device without an IOMMU) are not.
 */
static void premap_dev_iter_range(struct kunit *test)
{
	static const size_t back_off[] = { 100 + 5000, 100 };
	static const size_t back_len[] = { 3000, 5000 };
	/* apart, then back to back: the gap must not be forgotten */
	static const size_t gap_off[] = { 100, 20000, 21000 };
	static const size_t gap_len[] = { 1000, 1000, 2000 };
	/* back to back inside bvec 0 (PAGE_SIZE - HEAD_OFF bytes) */
	static const size_t in_off[] = { 100, 1100 };
	static const size_t in_len[] = { 1000, 2000 };
	struct dev_test *t = test->priv;
	struct blk_premap_ctx *ctx = dev_test_ctx(t, 0);
	struct dev_test_seg segs[MAX_SEGS];
	struct blk_premap_buf *alias;
	struct blk_premap *pm;
	struct request *rq;
	u64 off = 0;

	alias = dev_test_alias(test);
	pm = dev_test_get_buf(ctx, t->buf);
	KUNIT_ASSERT_NOT_NULL(test, pm);
	KUNIT_ASSERT_NOT_NULL(test, dev_test_get_buf(ctx, alias));

	rq = dev_test_rq(test, t->buf, &iter_off[1], &iter_len[1], 1);
	KUNIT_EXPECT_PTR_EQ(test, dev_test_range(test, rq, ctx, &off), pm);
	KUNIT_EXPECT_EQ(test, off, iter_off[1]);
	rq = dev_test_rq(test, t->buf, iter_off, iter_len, 2);
	KUNIT_EXPECT_PTR_EQ(test, dev_test_range(test, rq, ctx, &off), pm);
	KUNIT_EXPECT_EQ(test, off, iter_off[0]);

	rq = dev_test_rq(test, t->buf, iter_off, iter_len, 3);
	KUNIT_EXPECT_NULL(test, dev_test_range(test, rq, ctx, &off));
	rq = dev_test_rq(test, t->buf, back_off, back_len, 2);
	KUNIT_EXPECT_NULL(test, dev_test_range(test, rq, ctx, &off));
	rq = dev_test_rq(test, t->buf, gap_off, gap_len, 3);
	KUNIT_EXPECT_NULL(test, dev_test_range(test, rq, ctx, &off));
	/*
	 * Without an IOMMU a run is found as one segment without a walk only
	 * inside one bvec.
	 */
	rq = dev_test_rq(test, t->buf, in_off, in_len, 2);
	KUNIT_EXPECT_EQ(test, dev_test_found(test, rq, ctx), 3000);
	KUNIT_EXPECT_EQ(test, dev_test_segs(test, rq, ctx, segs), 1);
	KUNIT_EXPECT_EQ(test, segs[0].addr, blk_premap_dma_at(pm, in_off[0]));
	KUNIT_EXPECT_EQ(test, segs[0].len, 3000);
	rq = dev_test_rq(test, t->buf, gap_off, gap_len, 3);
	KUNIT_EXPECT_EQ(test, dev_test_found(test, rq, ctx), 0);

	rq = dev_test_rq(test, t->buf, mid_off, mid_len, 2);
	KUNIT_EXPECT_PTR_EQ(test, dev_test_range(test, rq, ctx, &off), pm);
	KUNIT_EXPECT_EQ(test, dev_test_found(test, rq, ctx), 0);
	bio_set_premap(rq->bio->bi_next, alias);
	off = U64_MAX;
	KUNIT_EXPECT_NULL(test, dev_test_range(test, rq, ctx, &off));
	KUNIT_EXPECT_EQ(test, off, U64_MAX);
}

/*
 * One-bio requests without an IOMMU: one segment inside a bvec, the first
 * one, a middle one or the last, short one; two across bvecs that are not
 * physically contiguous, from the first and from a middle one; and a 1 KiB
 * segment boundary parts the segment inside a bvec where the DMA address
 * crosses it.  A request without data, or with a special payload, is not
 * premapped.
 */
static void premap_dev_iter_one_direct(struct kunit *test)
{
	struct dev_test *t = test->priv;
	struct blk_premap_ctx *ctx = dev_test_ctx(t, 0);
	struct dev_test_seg segs[MAX_SEGS], want[2];
	phys_addr_t p0, p1, p3, p4, p7;
	size_t off[1], len[1];
	struct request *rq;

	if (!dev_test_apart(t, 0) || !dev_test_apart(t, 3))
		kunit_skip(test, "neighbouring bvecs physically contiguous");
	KUNIT_ASSERT_NOT_NULL(test, dev_test_get_buf(ctx, t->buf));
	p0 = bvec_phys(&t->bvec[0]);
	p1 = bvec_phys(&t->bvec[1]);
	p3 = bvec_phys(&t->bvec[3]);
	p4 = bvec_phys(&t->bvec[4]);
	p7 = bvec_phys(&t->bvec[NR_PAGES - 1]);

	off[0] = 100;
	len[0] = 1000;
	rq = dev_test_rq(test, t->buf, off, len, 1);
	want[0].addr = phys_to_dma(t->dev, p0 + 100);
	want[0].len = 1000;
	dev_test_expect_these(test, rq, ctx, want, 1);
	/* one bio in one bvec: found without a walk */
	KUNIT_EXPECT_EQ(test, dev_test_found(test, rq, ctx), 1000);
	/* HEAD_OFF + 100 = 612 bytes into the page: parts at 1024 */
	rq->q->limits.seg_boundary_mask = SZ_1K - 1;
	KUNIT_EXPECT_EQ(test, dev_test_found(test, rq, ctx), 0);
	want[0].len = SZ_1K - (want[0].addr & (SZ_1K - 1));
	want[1].addr = want[0].addr + want[0].len;
	want[1].len = 1000 - want[0].len;
	dev_test_expect_these(test, rq, ctx, want, 2);
	rq->q->limits.seg_boundary_mask = BLK_SEG_BOUNDARY_MASK;
	rq->rq_flags |= RQF_SPECIAL_PAYLOAD;
	KUNIT_EXPECT_EQ(test, dev_test_segs(test, rq, ctx, segs), -1);

	/* bvec 0 holds PAGE_SIZE - HEAD_OFF bytes: 584 of them from 3000 */
	off[0] = 3000;
	rq = dev_test_rq(test, t->buf, off, len, 1);
	want[0].addr = phys_to_dma(t->dev, p0 + 3000);
	want[0].len = PAGE_SIZE - HEAD_OFF - 3000;
	want[1].addr = phys_to_dma(t->dev, p1);
	want[1].len = 1000 - want[0].len;
	dev_test_expect_these(test, rq, ctx, want, 2);
	/* across two bvecs: left to blk_rq_dma_premap_start() */
	KUNIT_EXPECT_EQ(test, dev_test_found(test, rq, ctx), 0);

	off[0] = dev_test_bvec_off(3) + 100;
	len[0] = 2000;
	rq = dev_test_rq(test, t->buf, off, len, 1);
	want[0].addr = phys_to_dma(t->dev, p3 + 100);
	want[0].len = 2000;
	dev_test_expect_these(test, rq, ctx, want, 1);

	off[0] = dev_test_bvec_off(NR_PAGES - 1) + 100;
	rq = dev_test_rq(test, t->buf, off, len, 1);
	want[0].addr = phys_to_dma(t->dev, p7 + 100);
	dev_test_expect_these(test, rq, ctx, want, 1);

	off[0] = dev_test_bvec_off(3) + 1000;
	len[0] = PAGE_SIZE;
	rq = dev_test_rq(test, t->buf, off, len, 1);
	want[0].addr = phys_to_dma(t->dev, p3 + 1000);
	want[0].len = PAGE_SIZE - 1000;
	want[1].addr = phys_to_dma(t->dev, p4);
	want[1].len = 1000;
	dev_test_expect_these(test, rq, ctx, want, 2);

	rq = dev_test_rq(test, t->buf, off, len, 0);
	KUNIT_EXPECT_EQ(test, dev_test_segs(test, rq, ctx, segs), -1);
}

/*
 * The segments of a one-bio request of @len bytes at IOVA @addr under a
 * segment boundary of @boundary bytes: parted at every multiple of it.
 */
static void dev_test_expect_bounded(struct kunit *test, struct request *rq,
				    struct blk_premap_ctx *ctx,
				    dma_addr_t addr, size_t len,
				    size_t boundary)
{
	struct dev_test_seg segs[MAX_SEGS];
	size_t done, n_len;
	int i, n;

	rq->q->limits.seg_boundary_mask = boundary - 1;
	n = dev_test_segs(test, rq, ctx, segs);
	KUNIT_EXPECT_GT(test, n, 1);
	for (i = 0, done = 0; i < n; i++) {
		n_len = min(len - done, boundary - (addr & (boundary - 1)));
		KUNIT_EXPECT_EQ_MSG(test, segs[i].addr, addr, "seg %d", i);
		KUNIT_EXPECT_EQ_MSG(test, segs[i].len, n_len, "seg %d", i);
		addr += n_len;
		done += n_len;
	}
	KUNIT_EXPECT_EQ(test, done, len);
	rq->q->limits.seg_boundary_mask = BLK_SEG_BOUNDARY_MASK;
}

/*
 * One-bio requests behind an IOMMU: one segment at the bio's IOVA, however
 * long and wherever in the buffer; the queue's segment limits bound it as
 * they bound a mapped one: a 4 KiB segment boundary parts it at every
 * 4 KiB-aligned IOVA, an 8 KiB maximum every 8 KiB.
 */
static void premap_dev_iter_one_iova(struct kunit *test)
{
	static const size_t off[] = { 0 }, len[] = { BUF_LEN };
	const size_t mid_off1[] = { dev_test_bvec_off(3) + 1000 };
	static const size_t mid_len1[] = { 5000 };
	struct dev_test_seg segs[MAX_SEGS];
	struct dev_test *t = test->priv;
	struct blk_premap_ctx *ctx;
	struct blk_premap *pm;
	struct pci_dev *pdev;
	struct request *rq;
	size_t n_len;
	int i, n;

	pdev = dev_test_iommu_pdev(test);
	ctx = dev_test_ctx_on(t, 0, &pdev->dev);
	pm = dev_test_get_buf(ctx, t->buf);
	KUNIT_ASSERT_NOT_NULL(test, pm);
	KUNIT_ASSERT_TRUE(test, dma_use_iova(&pm->iova));
	rq = dev_test_rq(test, t->buf, off, len, 1);
	KUNIT_ASSERT_EQ(test, dev_test_segs(test, rq, ctx, segs), 1);
	KUNIT_EXPECT_EQ(test, segs[0].addr, pm->iova.addr);
	KUNIT_EXPECT_EQ(test, segs[0].len, BUF_LEN);
	/* one bio in one IOVA range: found without a walk */
	KUNIT_EXPECT_EQ(test, dev_test_found(test, rq, ctx), BUF_LEN);
	dev_test_expect_bounded(test, rq, ctx, pm->iova.addr, BUF_LEN, SZ_4K);

	rq->q->limits.max_segment_size = SZ_8K;
	KUNIT_EXPECT_EQ(test, dev_test_found(test, rq, ctx), 0);
	n = dev_test_segs(test, rq, ctx, segs);
	KUNIT_EXPECT_EQ(test, n, DIV_ROUND_UP(BUF_LEN, SZ_8K));
	for (i = 0; i < n; i++) {
		n_len = min_t(size_t, BUF_LEN - i * SZ_8K, SZ_8K);
		KUNIT_EXPECT_EQ_MSG(test, segs[i].addr,
				    pm->iova.addr + i * SZ_8K, "seg %d", i);
		KUNIT_EXPECT_EQ_MSG(test, segs[i].len, n_len, "seg %d", i);
	}

	/* two bios back to back: one IOVA segment, found without a walk */
	rq = dev_test_rq(test, t->buf, iter_off, iter_len, 2);
	KUNIT_EXPECT_EQ(test, dev_test_found(test, rq, ctx),
			iter_len[0] + iter_len[1]);
	KUNIT_ASSERT_EQ(test, dev_test_segs(test, rq, ctx, segs), 1);
	KUNIT_EXPECT_EQ(test, segs[0].addr, pm->iova.addr + iter_off[0]);

	/* 1000 bytes into bvec 3 */
	rq = dev_test_rq(test, t->buf, mid_off1, mid_len1, 1);
	KUNIT_ASSERT_EQ(test, dev_test_segs(test, rq, ctx, segs), 1);
	KUNIT_EXPECT_EQ(test, segs[0].addr, pm->iova.addr + mid_off1[0]);
	KUNIT_EXPECT_EQ(test, segs[0].len, mid_len1[0]);
	KUNIT_EXPECT_EQ(test, dev_test_found(test, rq, ctx), mid_len1[0]);
	dev_test_expect_bounded(test, rq, ctx, pm->iova.addr + mid_off1[0],
				mid_len1[0], SZ_4K);
}

static struct kunit_case blk_premap_dev_cases[] = {
	KUNIT_CASE(premap_dev_create),
	KUNIT_CASE(premap_dev_ctx_destroy),
	KUNIT_CASE(premap_dev_invalidate),
	KUNIT_CASE(premap_dev_devices),
	KUNIT_CASE(premap_dev_create_fails),
	KUNIT_CASE(premap_dev_bounce),
	KUNIT_CASE(premap_dev_limited),
	KUNIT_CASE(premap_dev_release_pending),
	KUNIT_CASE(premap_dev_iova),
	KUNIT_CASE(premap_dev_lookup),
	KUNIT_CASE(premap_dev_iter_direct),
	KUNIT_CASE(premap_dev_iter_iova),
	KUNIT_CASE(premap_dev_iter_miss),
	KUNIT_CASE(premap_dev_max_sectors),
	KUNIT_CASE(premap_dev_split),
	KUNIT_CASE(premap_dev_contig),
	KUNIT_CASE(premap_dev_contig_off),
	KUNIT_CASE(premap_dev_iter_gaps),
	KUNIT_CASE(premap_dev_iter_alias),
	KUNIT_CASE(premap_dev_iter_range),
	KUNIT_CASE(premap_dev_iter_one_direct),
	KUNIT_CASE(premap_dev_iter_one_iova),
	{}
};

static struct kunit_suite blk_premap_dev_suite = {
	.name = "blk_premap_dev",
	.init = dev_test_init,
	.exit = dev_test_exit,
	.test_cases = blk_premap_dev_cases,
};

kunit_test_suite(blk_premap_dev_suite);

MODULE_DESCRIPTION("KUnit tests for per-device premaps");
MODULE_LICENSE("GPL");
