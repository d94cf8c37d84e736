// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "io_uring_rsrc": registered-buffer coalescing over real folios.
 *
 * Every case maps real user memory into the test thread's mm (hugetlb 2M
 * folios, anonymous 4K pages, an anonymous 64K mTHP folio), pins it with
 * pin_user_pages_fast() exactly as io_pin_pages() does, shapes the page array
 * (offsets, repeats, holes) and hands it to io_buffer_from_pages(), the body
 * of IORING_REGISTER_BUFFERS. It then checks the bvec table, folio_shift and
 * folio_mask, that the imu owns exactly one pin per bvec, and that
 * io_buffer_unmap() returns every folio's refcount and pincount to what they
 * were before the buffer was pinned; and that a premapped buffer is unmapped
 * before it is unpinned.
 *
 * Needs free 2M hugetlb pages: boot with hugepages=64 (the Makefile's kunit
 * target does).
 */
#include <kunit/device.h>
#include <kunit/test.h>
#include <kunit/visibility.h>
#include <linux/bio.h>
#include <linux/blk-mq.h>
#include <linux/blk-premap.h>
#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/huge_mm.h>
#include <linux/hugetlb.h>
#include <linux/io_uring_types.h>
#include <linux/mman.h>
#include <linux/sizes.h>
#include <linux/uio.h>

#include "io_uring.h"
#include "rsrc.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

#define MAX_FOLIOS	8

struct rsrc_fixture {
	struct io_ring_ctx *ctx;	/* zeroed: no user/mm accounting */
	int nr_folios;
	struct folio *folio[MAX_FOLIOS];
	int ref0[MAX_FOLIOS];		/* folio_ref_count() before pinning */
	int pin0[MAX_FOLIOS];		/* _pincount before pinning (large) */
	struct page **orig;		/* copy of the page array handed in */
	int nr_orig;
};

/* a run of @nr pages pinned from user address @addr */
struct pin_seg {
	unsigned long addr;
	int nr;
};

static int rsrc_test_init(struct kunit *test)
{
	struct rsrc_fixture *f;

	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
	f->ctx = kunit_kzalloc(test, sizeof(*f->ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f->ctx);
	test->priv = f;
	return 0;
}

/* @nr 2M hugetlb folios, mapped shared and 2M aligned */
static unsigned long map_hugetlb(struct kunit *test, int nr)
{
	struct file *file;
	unsigned long addr;

	if (huge_page_size(&default_hstate) != SZ_2M)
		kunit_skip(test, "default hugetlb page size is not 2M");
	file = hugetlb_file_setup(HUGETLB_ANON_FILE, (size_t)nr * SZ_2M, 0,
				  HUGETLB_ANONHUGE_INODE, 0);
	if (IS_ERR(file))
		kunit_skip(test, "cannot reserve %d hugetlb pages (%ld); boot with hugepages=N",
			   nr, PTR_ERR(file));
	addr = kunit_vm_mmap(test, file, 0, (size_t)nr * SZ_2M,
			     PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	fput(file);
	KUNIT_ASSERT_NE(test, addr, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(addr));
	KUNIT_ASSERT_TRUE(test, IS_ALIGNED(addr, SZ_2M));
	return addr;
}

/* anonymous private memory: small folios unless THP/mTHP kicks in */
static unsigned long map_anon(struct kunit *test, size_t len)
{
	unsigned long addr;

	addr = kunit_vm_mmap(test, NULL, 0, len, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, 0);
	KUNIT_ASSERT_NE(test, addr, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(addr));
	return addr;
}

static void pin_segs(struct kunit *test, const struct pin_seg *segs,
		     int nsegs, struct page **pages)
{
	int i, k = 0, ret;

	for (i = 0; i < nsegs; i++) {
		ret = pin_user_pages_fast(segs[i].addr, segs[i].nr,
					  FOLL_WRITE | FOLL_LONGTERM, pages + k);
		KUNIT_ASSERT_EQ(test, ret, segs[i].nr);
		k += segs[i].nr;
	}
}

static int folio_pins(struct folio *folio)
{
	return folio_test_large(folio) ? atomic_read(&folio->_pincount) : 0;
}

/*
 * Fault the segments in, remember each folio's refcount and pincount, then pin
 * them for real. Returns a kvmalloc()ed array, as io_pin_pages() does.
 */
static struct page **pin_buffer(struct kunit *test, const struct pin_seg *segs,
				int nsegs, int *nr_pages)
{
	struct rsrc_fixture *f = test->priv;
	struct page **pages;
	int i, j, total = 0;

	for (i = 0; i < nsegs; i++)
		total += segs[i].nr;
	pages = kvmalloc_array(total, sizeof(*pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);

	pin_segs(test, segs, nsegs, pages);
	f->nr_folios = 0;
	for (i = 0; i < total; i++) {
		struct folio *folio = page_folio(pages[i]);

		for (j = 0; j < f->nr_folios; j++)
			if (f->folio[j] == folio)
				break;
		if (j == f->nr_folios) {
			KUNIT_ASSERT_LT(test, f->nr_folios, MAX_FOLIOS);
			f->folio[f->nr_folios++] = folio;
		}
	}
	unpin_user_pages(pages, total);
	for (j = 0; j < f->nr_folios; j++) {
		f->ref0[j] = folio_ref_count(f->folio[j]);
		f->pin0[j] = folio_pins(f->folio[j]);
	}

	pin_segs(test, segs, nsegs, pages);
	f->orig = kunit_kmalloc_array(test, total, sizeof(*pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f->orig);
	memcpy(f->orig, pages, total * sizeof(*pages));
	f->nr_orig = total;
	*nr_pages = total;
	return pages;
}

/* the imu must hold exactly one pin per bvec, nothing more */
static void expect_pins_owned(struct kunit *test, struct io_mapped_ubuf *imu)
{
	struct rsrc_fixture *f = test->priv;
	int i, j;

	for (j = 0; j < f->nr_folios; j++) {
		struct folio *folio = f->folio[j];
		int k = 0;

		for (i = 0; i < imu->nr_bvecs; i++)
			k += page_folio(imu->bvec[i].bv_page) == folio;
		if (folio_test_large(folio)) {
			KUNIT_EXPECT_EQ_MSG(test, folio_ref_count(folio),
					    f->ref0[j] + k, "folio %d", j);
			KUNIT_EXPECT_EQ_MSG(test, folio_pins(folio),
					    f->pin0[j] + k, "folio %d", j);
		} else {
			KUNIT_EXPECT_EQ_MSG(test, folio_ref_count(folio),
					    f->ref0[j] + k * GUP_PIN_COUNTING_BIAS,
					    "folio %d", j);
		}
	}
}

static struct io_mapped_ubuf *register_pages(struct kunit *test,
					     unsigned long ubuf, size_t len,
					     struct page **pages, int nr)
{
	struct rsrc_fixture *f = test->priv;
	struct io_mapped_ubuf *imu = NULL;
	struct page *last_hpage = NULL;

	KUNIT_ASSERT_EQ(test, io_buffer_from_pages(f->ctx, ubuf, len, pages,
						   nr, &imu, &last_hpage), 0);
	KUNIT_ASSERT_NOT_NULL(test, imu);
	KUNIT_EXPECT_EQ(test, imu->ubuf, (u64)ubuf);
	KUNIT_EXPECT_EQ(test, imu->len, (unsigned int)len);
	KUNIT_EXPECT_EQ(test, refcount_read(&imu->refs), 1);
	expect_pins_owned(test, imu);
	return imu;
}

/* unregister and check that every folio is back to its state before pinning */
static void unregister_and_check(struct kunit *test, struct io_mapped_ubuf *imu)
{
	struct rsrc_fixture *f = test->priv;
	int j;

	io_buffer_unmap(f->ctx, &imu);
	KUNIT_EXPECT_NULL(test, imu);
	for (j = 0; j < f->nr_folios; j++) {
		KUNIT_EXPECT_EQ_MSG(test, folio_ref_count(f->folio[j]),
				    f->ref0[j], "folio %d refcount leaked", j);
		KUNIT_EXPECT_EQ_MSG(test, folio_pins(f->folio[j]), f->pin0[j],
				    "folio %d pin leaked", j);
	}
}

static void expect_bvec(struct kunit *test, struct io_mapped_ubuf *imu,
			int i, struct page *page, unsigned int off,
			unsigned int len)
{
	KUNIT_EXPECT_PTR_EQ_MSG(test, imu->bvec[i].bv_page, page, "bvec %d", i);
	KUNIT_EXPECT_EQ_MSG(test, imu->bvec[i].bv_offset, off, "bvec %d", i);
	KUNIT_EXPECT_EQ_MSG(test, imu->bvec[i].bv_len, len, "bvec %d", i);
}

static void expect_shift(struct kunit *test, struct io_mapped_ubuf *imu,
			 unsigned int shift)
{
	KUNIT_EXPECT_EQ(test, imu->folio_shift, shift);
	KUNIT_EXPECT_EQ(test, imu->folio_mask, ~((1UL << shift) - 1));
}

/* not coalesced: one bvec per pinned page, as handed in */
static void expect_per_page(struct kunit *test, struct io_mapped_ubuf *imu,
			    unsigned long ubuf, size_t len)
{
	struct rsrc_fixture *f = test->priv;
	unsigned int off = ubuf & ~PAGE_MASK;
	int i;

	KUNIT_ASSERT_EQ(test, imu->nr_bvecs, f->nr_orig);
	expect_shift(test, imu, PAGE_SHIFT);
	for (i = 0; i < f->nr_orig; i++) {
		unsigned int l = min_t(size_t, len, PAGE_SIZE - off);

		expect_bvec(test, imu, i, f->orig[i], off, l);
		len -= l;
		off = 0;
	}
}

static struct page *hpage(unsigned long base, int i)
{
	struct page *page;

	/* the mapping is pinned by the test: a lookup cannot fail */
	if (get_user_pages_fast(base + (unsigned long)i * SZ_2M, 1, 0, &page) != 1)
		return NULL;
	put_page(page);
	return compound_head(page);
}

static void coalesce_one_2m(struct kunit *test)
{
	unsigned long base = map_hugetlb(test, 1);
	struct pin_seg seg = { base, SZ_2M / PAGE_SIZE };
	struct io_mapped_ubuf *imu;
	struct page **pages;
	int nr;

	pages = pin_buffer(test, &seg, 1, &nr);
	imu = register_pages(test, base, SZ_2M, pages, nr);
	KUNIT_ASSERT_EQ(test, imu->nr_bvecs, 1);
	expect_shift(test, imu, 21);
	expect_bvec(test, imu, 0, hpage(base, 0), 0, SZ_2M);
	/* whole 2M folio charged once */
	KUNIT_EXPECT_EQ(test, imu->acct_pages, SZ_2M / PAGE_SIZE);
	unregister_and_check(test, imu);
}

static void coalesce_four_2m(struct kunit *test)
{
	unsigned long base = map_hugetlb(test, 4);
	struct pin_seg seg = { base, 4 * SZ_2M / PAGE_SIZE };
	struct io_mapped_ubuf *imu;
	struct page **pages;
	int nr, i;

	pages = pin_buffer(test, &seg, 1, &nr);
	imu = register_pages(test, base, 4 * SZ_2M, pages, nr);
	KUNIT_ASSERT_EQ(test, imu->nr_bvecs, 4);
	expect_shift(test, imu, 21);
	for (i = 0; i < 4; i++)
		expect_bvec(test, imu, i, hpage(base, i), 0, SZ_2M);
	unregister_and_check(test, imu);
}

/*
 * 3 x 2M starting 0x1234 into the first folio: head folio used from its second
 * page, two full folios, two pages of a fourth. Also checks what
 * io_check_coalesce_buffer() reports and that io_import_fixed() finds the
 * right bvec and offset through folio_mask.
 */
static void coalesce_three_2m_offset(struct kunit *test)
{
	const unsigned long off = 0x1234;
	const size_t len = 3 * SZ_2M;
	unsigned long base = map_hugetlb(test, 4), ubuf = base + off;
	int nr_pages = (PAGE_ALIGN(ubuf + len) - (ubuf & PAGE_MASK)) / PAGE_SIZE;
	struct pin_seg seg = { ubuf & PAGE_MASK, nr_pages };
	struct io_imu_folio_data data = {};
	struct io_mapped_ubuf *imu;
	struct iov_iter iter;
	struct page **pages;
	int nr;
	static const struct {
		unsigned long at;	/* offset into the buffer, bytes */
		int bvec;		/* expected bvec index */
		unsigned long iov_offset;
	} imports[] = {
		{ 0, 0, 0 },
		{ 0x100, 0, 0x100 },
		{ SZ_2M - off - 1, 0, SZ_2M - off - 1 },
		{ SZ_2M - off, 1, 0 },
		{ SZ_2M - off + 5, 1, 5 },
		{ 2 * SZ_2M + 7, 2, off + 7 },
		{ 3 * SZ_2M - off, 3, 0 },
	};
	int i;

	pages = pin_buffer(test, &seg, 1, &nr);
	KUNIT_ASSERT_EQ(test, nr, 1537);
	KUNIT_ASSERT_TRUE(test, io_check_coalesce_buffer(pages, nr, &data));
	KUNIT_EXPECT_EQ(test, data.nr_folios, 4);
	KUNIT_EXPECT_EQ(test, data.nr_pages_head, 511);
	KUNIT_EXPECT_EQ(test, data.nr_pages_mid, 512);
	KUNIT_EXPECT_EQ(test, data.folio_shift, 21);
	KUNIT_EXPECT_EQ(test, data.first_folio_page_idx, 1);

	imu = register_pages(test, ubuf, len, pages, nr);
	KUNIT_ASSERT_EQ(test, imu->nr_bvecs, 4);
	expect_shift(test, imu, 21);
	expect_bvec(test, imu, 0, hpage(base, 0), off, SZ_2M - off);
	expect_bvec(test, imu, 1, hpage(base, 1), 0, SZ_2M);
	expect_bvec(test, imu, 2, hpage(base, 2), 0, SZ_2M);
	expect_bvec(test, imu, 3, hpage(base, 3), 0, off);

	for (i = 0; i < ARRAY_SIZE(imports); i++) {
		KUNIT_ASSERT_EQ(test, io_import_fixed(ITER_DEST, &iter, imu,
						      ubuf + imports[i].at,
						      PAGE_SIZE), 0);
		KUNIT_EXPECT_PTR_EQ_MSG(test, iter.bvec,
					(const struct bio_vec *)&imu->bvec[imports[i].bvec],
					"import at %#lx", imports[i].at);
		KUNIT_EXPECT_EQ_MSG(test, iter.iov_offset, imports[i].iov_offset,
				    "import at %#lx", imports[i].at);
		KUNIT_EXPECT_EQ(test, iov_iter_count(&iter), PAGE_SIZE);
	}
	/* one byte past the end is refused */
	KUNIT_EXPECT_EQ(test, io_import_fixed(ITER_DEST, &iter, imu,
					      ubuf + len - PAGE_SIZE + 1,
					      PAGE_SIZE), -EFAULT);
	unregister_and_check(test, imu);
}

static void coalesce_partial_last(struct kunit *test)
{
	const size_t len = SZ_2M + 3 * PAGE_SIZE;
	unsigned long base = map_hugetlb(test, 2);
	struct pin_seg seg = { base, len / PAGE_SIZE };
	struct io_mapped_ubuf *imu;
	struct page **pages;
	int nr;

	pages = pin_buffer(test, &seg, 1, &nr);
	imu = register_pages(test, base, len, pages, nr);
	KUNIT_ASSERT_EQ(test, imu->nr_bvecs, 2);
	expect_shift(test, imu, 21);
	expect_bvec(test, imu, 0, hpage(base, 0), 0, SZ_2M);
	expect_bvec(test, imu, 1, hpage(base, 1), 0, 3 * PAGE_SIZE);
	/* both folios charged in full */
	KUNIT_EXPECT_EQ(test, imu->acct_pages, 2 * SZ_2M / PAGE_SIZE);
	unregister_and_check(test, imu);
}

/* CVE-2023-2598: one page of a huge folio, pinned 8 times in a row */
static void same_page_repeated(struct kunit *test)
{
	unsigned long base = map_hugetlb(test, 1);
	struct pin_seg segs[8];
	struct io_mapped_ubuf *imu;
	struct page **pages;
	int nr, i;

	for (i = 0; i < ARRAY_SIZE(segs); i++)
		segs[i] = (struct pin_seg){ base, 1 };
	pages = pin_buffer(test, segs, ARRAY_SIZE(segs), &nr);
	imu = register_pages(test, base, 8 * PAGE_SIZE, pages, nr);
	expect_per_page(test, imu, base, 8 * PAGE_SIZE);
	for (i = 0; i < 8; i++)
		KUNIT_EXPECT_PTR_EQ(test, imu->bvec[i].bv_page, hpage(base, 0));
	unregister_and_check(test, imu);
}

/* head ends its folio, but the next folio is entered at its second page */
static void folio_entered_mid(struct kunit *test)
{
	unsigned long base = map_hugetlb(test, 2);
	struct pin_seg segs[] = {
		{ base + SZ_2M - 2 * PAGE_SIZE, 2 },
		{ base + SZ_2M + PAGE_SIZE, 8 },
	};
	struct io_imu_folio_data data = {};
	struct io_mapped_ubuf *imu;
	struct page **pages;
	int nr;

	pages = pin_buffer(test, segs, ARRAY_SIZE(segs), &nr);
	KUNIT_EXPECT_FALSE(test, io_check_coalesce_buffer(pages, nr, &data));
	imu = register_pages(test, base, 10 * PAGE_SIZE, pages, nr);
	expect_per_page(test, imu, base, 10 * PAGE_SIZE);
	unregister_and_check(test, imu);
}

/* a 4K page and a 2M folio, in both orders */
static void mixed_4k_2m(struct kunit *test)
{
	unsigned long huge = map_hugetlb(test, 1), small = map_anon(test, PAGE_SIZE);
	struct pin_seg small_first[] = {
		{ small, 1 }, { huge, SZ_2M / PAGE_SIZE },
	};
	struct pin_seg huge_first[] = {
		{ huge, SZ_2M / PAGE_SIZE }, { small, 1 },
	};
	const size_t len = SZ_2M + PAGE_SIZE;
	struct io_imu_folio_data data = {};
	struct io_mapped_ubuf *imu;
	struct page **pages;
	int nr;

	pages = pin_buffer(test, small_first, 2, &nr);
	KUNIT_ASSERT_EQ(test, folio_nr_pages(page_folio(pages[0])), 1);
	KUNIT_EXPECT_FALSE(test, io_check_coalesce_buffer(pages, nr, &data));
	imu = register_pages(test, small, len, pages, nr);
	expect_per_page(test, imu, small, len);
	unregister_and_check(test, imu);

	pages = pin_buffer(test, huge_first, 2, &nr);
	KUNIT_EXPECT_FALSE(test, io_check_coalesce_buffer(pages, nr, &data));
	imu = register_pages(test, huge, len, pages, nr);
	expect_per_page(test, imu, huge, len);
	unregister_and_check(test, imu);
}

/* a full 2M folio followed by a 64K (order-4 mTHP) anonymous folio */
static void folio_size_differs(struct kunit *test)
{
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	const unsigned int order = 4;
	unsigned long huge = map_hugetlb(test, 1), anon, small;
	struct io_imu_folio_data data = {};
	struct io_mapped_ubuf *imu;
	struct page **pages, *probe;
	bool was_set;
	int nr;

	/* 64K-aligned anonymous range, faulted in while order 4 is enabled */
	anon = map_anon(test, 2 * (PAGE_SIZE << order));
	small = ALIGN(anon, PAGE_SIZE << order);
	was_set = test_and_set_bit(order, &huge_anon_orders_always);
	nr = pin_user_pages_fast(small, 1, FOLL_WRITE, &probe);
	if (!was_set)
		clear_bit(order, &huge_anon_orders_always);
	KUNIT_ASSERT_EQ(test, nr, 1);
	unpin_user_page(probe);
	if (folio_order(page_folio(probe)) != order)
		kunit_skip(test, "no order-%u anonymous folio (got order %u)",
			   order, folio_order(page_folio(probe)));

	{
		struct pin_seg segs[] = {
			{ huge, SZ_2M / PAGE_SIZE }, { small, 1U << order },
		};
		const size_t len = SZ_2M + (PAGE_SIZE << order);

		pages = pin_buffer(test, segs, ARRAY_SIZE(segs), &nr);
		KUNIT_EXPECT_FALSE(test, io_check_coalesce_buffer(pages, nr, &data));
		imu = register_pages(test, huge, len, pages, nr);
		expect_per_page(test, imu, huge, len);
		unregister_and_check(test, imu);
	}
#else
	kunit_skip(test, "needs CONFIG_TRANSPARENT_HUGEPAGE for an order-4 folio");
#endif
}

/* a single page never takes the coalescing path, even inside a huge folio */
static void single_page_of_huge_folio(struct kunit *test)
{
	struct rsrc_fixture *f = test->priv;
	unsigned long base = map_hugetlb(test, 1);
	struct pin_seg seg = { base + 5 * PAGE_SIZE, 1 };
	struct io_mapped_ubuf *imu;
	struct page **pages;
	int nr;

	pages = pin_buffer(test, &seg, 1, &nr);
	imu = register_pages(test, seg.addr + 100, PAGE_SIZE - 100, pages, nr);
	KUNIT_ASSERT_EQ(test, imu->nr_bvecs, 1);
	expect_shift(test, imu, PAGE_SHIFT);
	expect_bvec(test, imu, 0, f->orig[0], 100, PAGE_SIZE - 100);
	unregister_and_check(test, imu);
}

#if IS_ENABLED(CONFIG_BLK_PREMAP)
/* premap hooks that record what the pages looked like at teardown */
struct unpin_probe {
	struct rsrc_fixture *f;
	int destroys;
	int pins_at_destroy[MAX_FOLIOS];
};

static int probe_create(struct blk_premap *pm, void *data)
{
	return 0;
}

static void probe_destroy(struct blk_premap *pm, void *data)
{
	struct unpin_probe *p = data;
	int j;

	p->destroys++;
	for (j = 0; j < p->f->nr_folios; j++)
		p->pins_at_destroy[j] = folio_pins(p->f->folio[j]);
}

static const struct blk_premap_ops probe_ops = {
	.create = probe_create,
	.destroy = probe_destroy,
};

/* drop the premap cache's switch taken for a test */
static void premap_key_put(void *unused)
{
	blk_premap_disable();
}

/*
 * No DMA after unpin: a registered buffer premapped for a device (through a
 * request whose bio io_import_fixed() + bio_iov_bvec_set() made: it points
 * into imu->bvec and is marked BIO_REG_BVEC) is unmapped by
 * io_buffer_unmap() while every folio still holds the imu's pin, and only
 * then unpinned. A bio on the same bvecs through a plain ITER_BVEC is not
 * marked and never looked up.
 */
static void premap_torn_down_before_unpin(struct kunit *test)
{
	struct rsrc_fixture *f = test->priv;
	unsigned long base = map_hugetlb(test, 2);
	struct pin_seg seg = { base, 2 * SZ_2M / PAGE_SIZE };
	struct unpin_probe probe = { .f = f };
	struct blk_premap_ctx *ctx;
	struct blk_mq_tag_set *set;
	struct request_queue *q;
	struct io_mapped_ubuf *imu;
	struct blk_premap *pm;
	struct iov_iter iter;
	struct request *rq;
	struct device *dev;
	struct page **pages;
	unsigned int max_mb = 64;
	struct bio *bio;
	int nr, j;
	u64 pos;

	dev = kunit_device_register(test, "rsrc_premap_test");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	dev->dma_mask = &dev->coherent_dma_mask;
	KUNIT_ASSERT_EQ(test, dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64)),
			0);
	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	set = kunit_kzalloc(test, sizeof(*set), GFP_KERNEL);
	q = kunit_kzalloc(test, sizeof(*q), GFP_KERNEL);
	rq = kunit_kzalloc(test, sizeof(*rq), GFP_KERNEL);
	bio = kunit_kzalloc(test, sizeof(*bio), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, ctx && set && q && rq && bio);
	blk_premap_enable();
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, premap_key_put,
							NULL), 0);
	blk_premap_ctx_init(ctx, dev, &probe_ops, &probe, true, &max_mb);

	pages = pin_buffer(test, &seg, 1, &nr);
	imu = register_pages(test, base, 2 * SZ_2M, pages, nr);
	KUNIT_ASSERT_NOT_NULL(test, imu->premap);

	/* a 64K read 4K into the second folio */
	set->premap = ctx;
	q->tag_set = set;
	rq->q = q;
	rq->bio = bio;
	rq->biotail = bio;
	rq->__data_len = SZ_64K;
	/* the same bvecs through a plain ITER_BVEC: not marked, not looked up */
	iov_iter_bvec(&iter, ITER_DEST, imu->bvec, imu->nr_bvecs, imu->len);
	iov_iter_advance(&iter, SZ_2M + SZ_4K);
	iov_iter_truncate(&iter, SZ_64K);
	bio_init(bio, NULL, NULL, 0, REQ_OP_READ);
	bio_iov_bvec_set(bio, &iter);
	KUNIT_EXPECT_FALSE(test, bio_flagged(bio, BIO_REG_BVEC));
	KUNIT_EXPECT_NULL(test, blk_premap_get(ctx, rq, &pos, NULL));
	flush_work(&ctx->work);
	KUNIT_EXPECT_TRUE(test, list_empty(&ctx->pms));

	KUNIT_ASSERT_EQ(test, io_import_fixed(ITER_DEST, &iter, imu,
					      base + SZ_2M + SZ_4K, SZ_64K), 0);
	KUNIT_EXPECT_TRUE(test, iter.reg_bvec);
	bio_init(bio, NULL, NULL, 0, REQ_OP_READ);
	bio_iov_bvec_set(bio, &iter);
	KUNIT_EXPECT_TRUE(test, bio_flagged(bio, BIO_REG_BVEC));
	KUNIT_EXPECT_PTR_EQ(test, (const struct bio_vec *)bio->bi_io_vec,
			    (const struct bio_vec *)imu->bvec + 1);
	KUNIT_EXPECT_EQ(test, bio->bi_iter.bi_bvec_done, SZ_4K);
	KUNIT_EXPECT_NULL(test, blk_premap_get(ctx, rq, &pos, NULL));
	flush_work(&ctx->work);
	pm = blk_premap_get(ctx, rq, &pos, NULL);
	KUNIT_ASSERT_NOT_NULL(test, pm);
	KUNIT_EXPECT_EQ(test, pos, (u64)SZ_2M + SZ_4K);

	unregister_and_check(test, imu);
	KUNIT_EXPECT_EQ(test, probe.destroys, 1);
	for (j = 0; j < f->nr_folios; j++)
		KUNIT_EXPECT_EQ_MSG(test, probe.pins_at_destroy[j],
				    f->pin0[j] + 1,
				    "folio %d not pinned while unmapped", j);
	KUNIT_EXPECT_TRUE(test, list_empty(&ctx->pms));
	blk_premap_ctx_destroy(ctx);
}
#endif

static struct kunit_case io_uring_rsrc_cases[] = {
	KUNIT_CASE(coalesce_one_2m),
	KUNIT_CASE(coalesce_four_2m),
	KUNIT_CASE(coalesce_three_2m_offset),
	KUNIT_CASE(coalesce_partial_last),
	KUNIT_CASE(same_page_repeated),
	KUNIT_CASE(folio_entered_mid),
	KUNIT_CASE(mixed_4k_2m),
	KUNIT_CASE(folio_size_differs),
	KUNIT_CASE(single_page_of_huge_folio),
#if IS_ENABLED(CONFIG_BLK_PREMAP)
	KUNIT_CASE(premap_torn_down_before_unpin),
#endif
	{}
};

static struct kunit_suite io_uring_rsrc_suite = {
	.name = "io_uring_rsrc",
	.init = rsrc_test_init,
	.test_cases = io_uring_rsrc_cases,
};

kunit_test_suite(io_uring_rsrc_suite);

MODULE_DESCRIPTION("KUnit tests for io_uring registered-buffer coalescing");
MODULE_LICENSE("GPL");
