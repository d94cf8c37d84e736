// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "io_uring_rsrc": registered-buffer coalescing over real folios.
 *
 * Every case maps real user memory into the test thread's mm (2M hugetlb
 * folios, anonymous small pages, anonymous PMD-sized and 64K transparent huge
 * folios), pins it with pin_user_pages_fast() exactly as io_pin_pages() does,
 * shapes the page array (offsets, repeats, holes, mixed folio sizes) and hands
 * it to io_buffer_from_pages(), the body of IORING_REGISTER_BUFFERS. It then
 * checks the bvec table and folio_shift, that the buffer owns exactly one pin
 * per bvec, that the pages were charged to the ring's user and mm once per
 * folio, and that putting the last reference to the buffer node gives every
 * pin, page reference and locked-memory charge back.
 *
 * A buffer may only be coalesced into one bvec per folio if the pages really
 * are the consecutive pages of equally sized folios: io_import_fixed() finds
 * the bvec for an offset by shifting it by folio_shift, so a coalesced table
 * built from a repeated page or a folio entered in its middle would let I/O
 * reach memory that was never registered (CVE-2023-2598).
 *
 * The hugetlb cases need up to four free 2M huge pages (boot with, e.g.,
 * hugepages=8), the THP cases anonymous THP of their order enabled for
 * MADV_HUGEPAGE ranges (e.g. thp_anon=64K,2M:always; the PMD order is
 * enabled by default unless thp_anon= is given); they are skipped without.
 * Every pin and buffer a case takes is released by a KUnit action, so a
 * failed assertion leaks nothing into the cases after it.
 */
#include <kunit/test.h>
#include <linux/blk-premap.h>
#include <linux/hugetlb.h>
#include <linux/io_uring_types.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/swap.h>
#include <linux/uio.h>

#include "io_uring.h"
#include "rsrc.h"

#define MAX_FOLIOS	8
#define HPAGE_NR	(SZ_2M / PAGE_SIZE)

struct rsrc_fixture {
	/* a ring reduced to what buffer registration touches */
	struct io_ring_ctx *ctx;
	int nr_folios;
	struct folio *folio[MAX_FOLIOS];
	int ref0[MAX_FOLIOS];		/* folio_ref_count() before pinning */
	int pin0[MAX_FOLIOS];		/* _pincount before pinning (large) */
	long locked0;			/* ctx->user->locked_vm before */
	s64 pinned0;			/* ctx->mm_account->pinned_vm before */
	unsigned int nodes0;		/* ctx->node_cache.nr_cached, node out */
	struct page **orig;		/* copy of the page array handed in */
	int nr_orig;
	struct pinned_pages *pinned;	/* pins not yet handed over */
	struct io_rsrc_node *node;	/* buffer not yet unregistered */
};

/* a pinned page array, released by an action if a case stops early */
struct pinned_pages {
	struct page **pages;
	int nr;
};

/* a run of @nr pages pinned from user address @addr */
struct pin_seg {
	unsigned long addr;
	int nr;
};

static void rsrc_ctx_free(void *data)
{
	struct io_ring_ctx *ctx = data;

	io_rsrc_cache_free(ctx);
	xa_destroy(&ctx->hpage_acct);
	if (ctx->mm_account)
		mmdrop(ctx->mm_account);
	free_uid(ctx->user);
	mutex_destroy(&ctx->uring_lock);
}

static int rsrc_test_init(struct kunit *test)
{
	struct rsrc_fixture *f;
	struct io_ring_ctx *ctx;

	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	KUNIT_ASSERT_EQ(test, kunit_attach_mm(), 0);

	/*
	 * What buffer registration touches of a ring: its lock, the node and
	 * imu caches and the per-ring huge page accounting. Nodes are
	 * registered without a tag: the ring has no CQ to post one to.
	 */
	mutex_init(&ctx->uring_lock);
	xa_init(&ctx->hpage_acct);
	/* charge pinned memory the way an unprivileged ring is charged */
	ctx->user = get_uid(current_user());
	mmgrab(current->mm);
	ctx->mm_account = current->mm;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, rsrc_ctx_free,
							ctx), 0);
	KUNIT_ASSERT_FALSE(test, io_rsrc_cache_init(ctx));

	/*
	 * The test runs in its own kthread with its own signal_struct: lift
	 * RLIMIT_MEMLOCK so that only the over-limit case is limited.
	 */
	task_lock(current->group_leader);
	current->signal->rlim[RLIMIT_MEMLOCK].rlim_cur = RLIM_INFINITY;
	task_unlock(current->group_leader);

	f->ctx = ctx;
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
	file = hugetlb_file_setup(HUGETLB_ANON_FILE, (size_t)nr * SZ_2M,
				  EMPTY_VMA_FLAGS, HUGETLB_ANONHUGE_INODE, 0);
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

/* anonymous private memory: small folios unless THP kicks in */
static unsigned long map_anon(struct kunit *test, size_t len)
{
	unsigned long addr;

	addr = kunit_vm_mmap(test, NULL, 0, len, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, 0);
	KUNIT_ASSERT_NE(test, addr, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(addr));
	return addr;
}

/*
 * @nr anonymous folios of @order, back to back, asked for with MADV_HUGEPAGE
 * as an application would. Skips if the THP settings do not give folios of
 * that order, or if pinning them long-term would migrate them (probed with
 * the flags io_pin_pages() uses).
 */
static unsigned long map_anon_thp(struct kunit *test, unsigned int order,
				  int nr)
{
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	const size_t size = PAGE_SIZE << order;
	unsigned long anon, addr;
	struct page *probe;
	int i, ret, got = -1;

	anon = map_anon(test, (nr + 1) * size);
	addr = ALIGN(anon, size);
	ret = do_madvise(current->mm, addr, nr * size, MADV_HUGEPAGE);
	KUNIT_ASSERT_EQ(test, ret, 0);
	for (i = 0; i < nr; i++) {
		ret = pin_user_pages_fast(addr + i * size, 1,
					  FOLL_WRITE | FOLL_LONGTERM, &probe);
		if (ret != 1)
			break;
		got = folio_order(page_folio(probe));
		unpin_user_page(probe);
		if (got != order)
			break;
	}
	if (i != nr)
		kunit_skip(test,
			   "no order-%u anonymous folio (pin %d, order %d): enable it, e.g. thp_anon=%zuK:always",
			   order, ret, got, size / SZ_1K);
	return addr;
#else
	kunit_skip(test, "needs CONFIG_TRANSPARENT_HUGEPAGE");
	return 0;
#endif
}

/* pins @segs into @pages as io_pin_pages() does; all or nothing */
static void pin_segs(struct kunit *test, const struct pin_seg *segs,
		     int nsegs, struct page **pages)
{
	int i, k = 0, ret;

	for (i = 0; i < nsegs; i++) {
		ret = pin_user_pages_fast(segs[i].addr, segs[i].nr,
					  FOLL_WRITE | FOLL_LONGTERM, pages + k);
		if (ret > 0)
			k += ret;
		if (ret != segs[i].nr) {
			unpin_user_pages(pages, k);
			KUNIT_FAIL_AND_ABORT(test, "pinned %d of %d pages at %#lx",
					     ret, segs[i].nr, segs[i].addr);
		}
	}
}

KUNIT_DEFINE_ACTION_WRAPPER(kvfree_action, kvfree, const void *);

static void pinned_release(void *data)
{
	struct pinned_pages *p = data;

	unpin_user_pages(p->pages, p->nr);
	kvfree(p->pages);
}

static int folio_pins(struct folio *folio)
{
	return folio_test_large(folio) ? atomic_read(&folio->_pincount) : 0;
}

/*
 * Fault the segments in, remember each folio's refcount and pincount and the
 * ring's charges, then pin them for real. Returns a kvmalloc()ed array, as
 * io_pin_pages() does.
 */
static struct page **pin_buffer(struct kunit *test, const struct pin_seg *segs,
				int nsegs, int *nr_pages)
{
	struct rsrc_fixture *f = test->priv;
	struct page **pages;
	int i, j, total = 0;

	for (i = 0; i < nsegs; i++)
		total += segs[i].nr;
	f->pinned = kunit_kzalloc(test, sizeof(*f->pinned), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f->pinned);
	pages = kvmalloc_array(total, sizeof(*pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	if (kunit_add_action_or_reset(test, kvfree_action, pages))
		KUNIT_FAIL_AND_ABORT(test, "no memory for a KUnit action");

	pin_segs(test, segs, nsegs, pages);
	f->nr_folios = 0;
	for (i = 0; i < total && f->nr_folios <= MAX_FOLIOS; i++) {
		struct folio *folio = page_folio(pages[i]);

		for (j = 0; j < f->nr_folios; j++)
			if (f->folio[j] == folio)
				break;
		if (j == f->nr_folios && f->nr_folios++ < MAX_FOLIOS)
			f->folio[j] = folio;
	}
	unpin_user_pages(pages, total);
	KUNIT_ASSERT_LE(test, f->nr_folios, MAX_FOLIOS);
	/*
	 * A new order-0 folio waits in this CPU's LRU batch with a reference of
	 * its own; drain it so the baseline does not depend on when that
	 * batch is flushed.
	 */
	lru_add_drain_all();
	for (j = 0; j < f->nr_folios; j++) {
		f->ref0[j] = folio_ref_count(f->folio[j]);
		f->pin0[j] = folio_pins(f->folio[j]);
	}
	f->locked0 = atomic_long_read(&f->ctx->user->locked_vm);
	f->pinned0 = atomic64_read(&f->ctx->mm_account->pinned_vm);
	f->nodes0 = f->ctx->node_cache.nr_cached;

	pin_segs(test, segs, nsegs, pages);
	/* from here on the pins, not only the array, are released if we stop */
	kunit_remove_action(test, kvfree_action, pages);
	f->pinned->pages = pages;
	f->pinned->nr = total;
	if (kunit_add_action_or_reset(test, pinned_release, f->pinned))
		KUNIT_FAIL_AND_ABORT(test, "no memory for a KUnit action");
	f->orig = kunit_kmalloc_array(test, total, sizeof(*pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f->orig);
	memcpy(f->orig, pages, total * sizeof(*pages));
	f->nr_orig = total;
	*nr_pages = total;
	return pages;
}

/* the buffer must hold exactly one pin per bvec, nothing more */
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

/*
 * Pages the ring must have charged for @imu: a compound folio is charged in
 * full once however many bvecs point into it, a small page once per bvec.
 */
static unsigned long acct_of(struct io_mapped_ubuf *imu)
{
	unsigned long acct = 0;
	int i, j;

	for (i = 0; i < imu->nr_bvecs; i++) {
		struct page *page = imu->bvec[i].bv_page;

		if (!PageCompound(page)) {
			acct++;
			continue;
		}
		for (j = 0; j < i; j++)
			if (compound_head(imu->bvec[j].bv_page) ==
			    compound_head(page))
				break;
		if (j == i)
			acct += compound_nr(compound_head(page));
	}
	return acct;
}

static void expect_charged(struct kunit *test, unsigned long pages)
{
	struct rsrc_fixture *f = test->priv;

	KUNIT_EXPECT_EQ(test, atomic_long_read(&f->ctx->user->locked_vm),
			f->locked0 + (long)pages);
	KUNIT_EXPECT_EQ(test, atomic64_read(&f->ctx->mm_account->pinned_vm),
			f->pinned0 + (s64)pages);
}

/*
 * io_buffer_from_pages() under the ring's lock; it takes the pins and the
 * array over whatever it returns.
 */
static struct io_rsrc_node *buffer_from_pages(struct kunit *test,
					      const struct iovec *iov,
					      struct page **pages, int nr)
{
	struct rsrc_fixture *f = test->priv;
	struct io_rsrc_node *node;

	KUNIT_ASSERT_PTR_EQ(test, f->pinned->pages, pages);
	kunit_remove_action(test, pinned_release, f->pinned);
	mutex_lock(&f->ctx->uring_lock);
	node = io_buffer_from_pages(f->ctx, iov, pages, nr);
	mutex_unlock(&f->ctx->uring_lock);
	return node;
}

/* drops the registered buffer's last reference if a case stops early */
static void node_release(void *data)
{
	struct rsrc_fixture *f = data;

	mutex_lock(&f->ctx->uring_lock);
	io_put_rsrc_node(f->ctx, f->node);
	mutex_unlock(&f->ctx->uring_lock);
	f->node = NULL;
}

/* an import of @len bytes at @at carries the handle, which finds @at again */
static void expect_premap_import(struct kunit *test, struct io_mapped_ubuf *imu,
				 u64 at, size_t len)
{
	struct iov_iter iter;
	u64 got = ~0ULL;

	KUNIT_ASSERT_EQ(test, io_import_fixed(ITER_SOURCE, &iter, imu,
					      imu->ubuf + at, len), 0);
	KUNIT_EXPECT_PTR_EQ_MSG(test, iov_iter_premap(&iter), imu->premap,
				"import at %#llx", at);
	KUNIT_EXPECT_TRUE_MSG(test, blk_premap_buf_off(imu->premap, iter.bvec,
						       iter.iov_offset, len,
						       &got),
			      "import at %#llx", at);
	KUNIT_EXPECT_EQ_MSG(test, got, at, "import at %#llx", at);
}

/*
 * A user buffer's premap handle describes its bvec array, and imports at
 * the start, around every bvec boundary and at the end carry it and give
 * back their offset into the buffer by its arithmetic alone.
 */
static void expect_premap_handle(struct kunit *test, struct io_mapped_ubuf *imu)
{
	struct blk_premap_buf *buf = imu->premap;
	struct iov_iter iter;
	u64 at = 0;
	int i;

	if (!IS_ENABLED(CONFIG_BLK_PREMAP)) {
		KUNIT_EXPECT_NULL(test, buf);
		return;
	}
	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_EXPECT_PTR_EQ(test, buf->bvec, (const struct bio_vec *)imu->bvec);
	KUNIT_EXPECT_EQ(test, buf->nr_bvecs, imu->nr_bvecs);
	KUNIT_EXPECT_EQ(test, buf->shift, imu->folio_shift);
	KUNIT_EXPECT_EQ(test, buf->first_off, imu->bvec[0].bv_offset);
	KUNIT_EXPECT_EQ(test, buf->len, (u64)imu->len);

	for (i = 0; i < imu->nr_bvecs; i++) {
		if (at >= SECTOR_SIZE)
			expect_premap_import(test, imu, at - SECTOR_SIZE,
					     min_t(u64, imu->len - at + SECTOR_SIZE,
						   PAGE_SIZE));
		expect_premap_import(test, imu, at,
				     min_t(u64, imu->len - at, PAGE_SIZE));
		at += imu->bvec[i].bv_len;
	}
	expect_premap_import(test, imu, imu->len - 1, 1);
	/* nothing to carry for an empty import */
	KUNIT_ASSERT_EQ(test, io_import_fixed(ITER_SOURCE, &iter, imu,
					      imu->ubuf, 0), 0);
	KUNIT_EXPECT_NULL(test, iov_iter_premap(&iter));
}

/*
 * Registers @pages (pinned, @nr of them) as the buffer at @ubuf of @len
 * bytes. io_buffer_from_pages() takes the array over and frees it, on
 * success too: callers must not touch @pages afterwards.
 */
static struct io_rsrc_node *register_pages(struct kunit *test,
					   unsigned long ubuf, size_t len,
					   struct page **pages, int nr)
{
	struct rsrc_fixture *f = test->priv;
	struct iovec iov = {
		.iov_base = (void __user *)ubuf,
		.iov_len = len,
	};
	struct io_mapped_ubuf *imu;
	struct io_rsrc_node *node;

	node = buffer_from_pages(test, &iov, pages, nr);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, node);
	f->node = node;
	if (kunit_add_action_or_reset(test, node_release, f))
		KUNIT_FAIL_AND_ABORT(test, "no memory for a KUnit action");
	f->nodes0 = f->ctx->node_cache.nr_cached;
	KUNIT_EXPECT_EQ(test, node->type, IORING_RSRC_BUFFER);
	KUNIT_EXPECT_EQ(test, node->refs, 1);
	imu = node->buf;
	KUNIT_ASSERT_NOT_NULL(test, imu);
	KUNIT_EXPECT_EQ(test, imu->ubuf, (u64)ubuf);
	KUNIT_EXPECT_EQ(test, imu->len, len);
	KUNIT_EXPECT_EQ(test, refcount_read(&imu->refs), 1);
	KUNIT_EXPECT_EQ(test, imu->flags, 0);
	KUNIT_EXPECT_EQ(test, imu->dir, IO_BUF_DEST | IO_BUF_SOURCE);
	KUNIT_EXPECT_NOT_NULL(test, imu->release);
	expect_pins_owned(test, imu);
	expect_charged(test, acct_of(imu));
	expect_premap_handle(test, imu);
	return node;
}

static void put_node(struct kunit *test, struct io_rsrc_node *node)
{
	struct rsrc_fixture *f = test->priv;

	mutex_lock(&f->ctx->uring_lock);
	io_put_rsrc_node(f->ctx, node);
	mutex_unlock(&f->ctx->uring_lock);
}

/* every folio, charge and cache back to its state before pinning */
static void expect_baseline(struct kunit *test)
{
	struct rsrc_fixture *f = test->priv;
	int j;

	for (j = 0; j < f->nr_folios; j++) {
		KUNIT_EXPECT_EQ_MSG(test, folio_ref_count(f->folio[j]),
				    f->ref0[j], "folio %d refcount leaked", j);
		KUNIT_EXPECT_EQ_MSG(test, folio_pins(f->folio[j]), f->pin0[j],
				    "folio %d pin leaked", j);
	}
	expect_charged(test, 0);
	KUNIT_EXPECT_TRUE(test, xa_empty(&f->ctx->hpage_acct));
}

/* put the only reference to @node: the buffer is unregistered */
static void unregister_and_check(struct kunit *test, struct io_rsrc_node *node)
{
	struct rsrc_fixture *f = test->priv;

	KUNIT_EXPECT_EQ(test, node->refs, 1);
	KUNIT_ASSERT_PTR_EQ(test, f->node, node);
	/* the table's put, as unregistration does */
	kunit_release_action(test, node_release, f);
	expect_baseline(test);
	/* the node went back to the ring's cache */
	KUNIT_EXPECT_EQ(test, f->ctx->node_cache.nr_cached, f->nodes0 + 1);
}

static void expect_bvec(struct kunit *test, struct io_mapped_ubuf *imu,
			int i, struct page *page, unsigned int off,
			unsigned int len)
{
	KUNIT_EXPECT_PTR_EQ_MSG(test, imu->bvec[i].bv_page, page, "bvec %d", i);
	KUNIT_EXPECT_EQ_MSG(test, imu->bvec[i].bv_offset, off, "bvec %d", i);
	KUNIT_EXPECT_EQ_MSG(test, imu->bvec[i].bv_len, len, "bvec %d", i);
}

/* not coalesced: one bvec per pinned page, as handed in */
static void expect_per_page(struct kunit *test, struct io_mapped_ubuf *imu,
			    unsigned long ubuf, size_t len)
{
	struct rsrc_fixture *f = test->priv;
	unsigned int off = ubuf & ~PAGE_MASK;
	int i;

	KUNIT_ASSERT_EQ(test, imu->nr_bvecs, f->nr_orig);
	KUNIT_EXPECT_EQ(test, imu->folio_shift, PAGE_SHIFT);
	for (i = 0; i < f->nr_orig; i++) {
		unsigned int l = min_t(size_t, len, PAGE_SIZE - off);

		expect_bvec(test, imu, i, f->orig[i], off, l);
		len -= l;
		off = 0;
	}
}

/* first page of the folio holding page @idx of the array handed in */
static struct page *head_at(struct kunit *test, int idx)
{
	struct rsrc_fixture *f = test->priv;

	return folio_page(page_folio(f->orig[idx]), 0);
}

static void coalesce_one_2m(struct kunit *test)
{
	unsigned long base = map_hugetlb(test, 1);
	struct pin_seg seg = { base, HPAGE_NR };
	struct io_mapped_ubuf *imu;
	struct io_rsrc_node *node;
	struct page **pages;
	int nr;

	pages = pin_buffer(test, &seg, 1, &nr);
	node = register_pages(test, base, SZ_2M, pages, nr);
	imu = node->buf;
	KUNIT_ASSERT_EQ(test, imu->nr_bvecs, 1);
	KUNIT_EXPECT_EQ(test, imu->folio_shift, 21);
	expect_bvec(test, imu, 0, head_at(test, 0), 0, SZ_2M);
	/* the whole 2M folio is charged once */
	expect_charged(test, HPAGE_NR);
	unregister_and_check(test, node);
}

static void coalesce_four_2m(struct kunit *test)
{
	unsigned long base = map_hugetlb(test, 4);
	struct pin_seg seg = { base, 4 * HPAGE_NR };
	struct io_mapped_ubuf *imu;
	struct io_rsrc_node *node;
	struct page **pages;
	int nr, i;

	pages = pin_buffer(test, &seg, 1, &nr);
	node = register_pages(test, base, 4 * SZ_2M, pages, nr);
	imu = node->buf;
	KUNIT_ASSERT_EQ(test, imu->nr_bvecs, 4);
	KUNIT_EXPECT_EQ(test, imu->folio_shift, 21);
	for (i = 0; i < 4; i++)
		expect_bvec(test, imu, i, head_at(test, i * HPAGE_NR), 0, SZ_2M);
	expect_charged(test, 4 * HPAGE_NR);
	unregister_and_check(test, node);
}

/*
 * 3 x 2M starting 0x1234 into the first folio: head folio used from its second
 * page, two full folios, two pages of a fourth. Also checks what
 * io_check_coalesce_buffer() reports and that io_import_fixed() finds the
 * right bvec and offset by shifting with folio_shift.
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
	struct io_rsrc_node *node;
	struct iov_iter iter;
	struct page **pages;
	int nr;
	static const struct {
		unsigned long at;	/* offset into the buffer, bytes */
		int bvec;		/* expected bvec index */
		unsigned long iov_offset;
		unsigned long nr_segs;
	} imports[] = {
		{ 0, 0, 0, 1 },
		{ 0x100, 0, 0x100, 1 },
		{ SZ_2M - off - 1, 0, SZ_2M - off - 1, 2 },
		{ SZ_2M - off, 1, 0, 1 },
		{ SZ_2M - off + 5, 1, 5, 1 },
		{ 2 * SZ_2M + 7, 2, off + 7, 1 },
		{ 3 * SZ_2M - off, 3, 0, 1 },
	};
	int i;

	pages = pin_buffer(test, &seg, 1, &nr);
	KUNIT_ASSERT_EQ(test, nr, 3 * HPAGE_NR + 1);
	KUNIT_ASSERT_TRUE(test, io_check_coalesce_buffer(pages, nr, &data));
	KUNIT_EXPECT_EQ(test, data.nr_folios, 4);
	KUNIT_EXPECT_EQ(test, data.nr_pages_head, HPAGE_NR - 1);
	KUNIT_EXPECT_EQ(test, data.nr_pages_mid, HPAGE_NR);
	KUNIT_EXPECT_EQ(test, data.folio_shift, 21);
	KUNIT_EXPECT_EQ(test, data.first_folio_page_idx, 1);

	node = register_pages(test, ubuf, len, pages, nr);
	imu = node->buf;
	KUNIT_ASSERT_EQ(test, imu->nr_bvecs, 4);
	KUNIT_EXPECT_EQ(test, imu->folio_shift, 21);
	/* the first bvec starts at the folio head, off bytes in */
	expect_bvec(test, imu, 0, head_at(test, 0), off, SZ_2M - off);
	expect_bvec(test, imu, 1, head_at(test, HPAGE_NR), 0, SZ_2M);
	expect_bvec(test, imu, 2, head_at(test, 2 * HPAGE_NR), 0, SZ_2M);
	expect_bvec(test, imu, 3, head_at(test, 3 * HPAGE_NR), 0, off);
	/* all four folios charged in full, though the first and last partly used */
	expect_charged(test, 4 * HPAGE_NR);

	for (i = 0; i < ARRAY_SIZE(imports); i++) {
		KUNIT_ASSERT_EQ(test, io_import_fixed(ITER_DEST, &iter, imu,
						      ubuf + imports[i].at,
						      PAGE_SIZE), 0);
		KUNIT_EXPECT_PTR_EQ_MSG(test, iter.bvec,
					(const struct bio_vec *)&imu->bvec[imports[i].bvec],
					"import at %#lx", imports[i].at);
		KUNIT_EXPECT_EQ_MSG(test, iter.iov_offset, imports[i].iov_offset,
				    "import at %#lx", imports[i].at);
		KUNIT_EXPECT_EQ_MSG(test, iter.nr_segs, imports[i].nr_segs,
				    "import at %#lx", imports[i].at);
		KUNIT_EXPECT_EQ(test, iov_iter_count(&iter), PAGE_SIZE);
	}
	/* one byte past the end is refused */
	KUNIT_EXPECT_EQ(test, io_import_fixed(ITER_DEST, &iter, imu,
					      ubuf + len - PAGE_SIZE + 1,
					      PAGE_SIZE), -EFAULT);
	unregister_and_check(test, node);
}

static void coalesce_partial_last(struct kunit *test)
{
	const size_t len = SZ_2M + 3 * PAGE_SIZE;
	unsigned long base = map_hugetlb(test, 2);
	struct pin_seg seg = { base, len / PAGE_SIZE };
	struct io_mapped_ubuf *imu;
	struct io_rsrc_node *node;
	struct page **pages;
	int nr;

	pages = pin_buffer(test, &seg, 1, &nr);
	node = register_pages(test, base, len, pages, nr);
	imu = node->buf;
	KUNIT_ASSERT_EQ(test, imu->nr_bvecs, 2);
	KUNIT_EXPECT_EQ(test, imu->folio_shift, 21);
	expect_bvec(test, imu, 0, head_at(test, 0), 0, SZ_2M);
	expect_bvec(test, imu, 1, head_at(test, HPAGE_NR), 0, 3 * PAGE_SIZE);
	/* both folios charged in full */
	expect_charged(test, 2 * HPAGE_NR);
	unregister_and_check(test, node);
}

/* two PMD-sized anonymous THP folios coalesce like hugetlb ones */
static void coalesce_thp_pmd(struct kunit *test)
{
	struct io_mapped_ubuf *imu;
	struct io_rsrc_node *node;
	struct pin_seg seg;
	struct page **pages;
	int nr;

	if (PMD_SIZE != SZ_2M)
		kunit_skip(test, "PMD size is not 2M");
	seg.addr = map_anon_thp(test, PMD_ORDER, 2);
	seg.nr = 2 * HPAGE_NR;

	pages = pin_buffer(test, &seg, 1, &nr);
	node = register_pages(test, seg.addr, 2 * SZ_2M, pages, nr);
	imu = node->buf;
	KUNIT_ASSERT_EQ(test, imu->nr_bvecs, 2);
	KUNIT_EXPECT_EQ(test, imu->folio_shift, PMD_SHIFT);
	expect_bvec(test, imu, 0, head_at(test, 0), 0, SZ_2M);
	expect_bvec(test, imu, 1, head_at(test, HPAGE_NR), 0, SZ_2M);
	expect_charged(test, 2 * HPAGE_NR);
	unregister_and_check(test, node);
}

/*
 * Four 64K (order-4) anonymous folios, entered 4K into the first and left
 * 4K before the end of the last: small large folios coalesce too.
 */
static void coalesce_mthp_64k(struct kunit *test)
{
	const unsigned int order = 4, fpages = 1U << order;
	const size_t fsize = PAGE_SIZE << order;
	unsigned long base = map_anon_thp(test, order, 4);
	struct pin_seg seg = { base + PAGE_SIZE, 4 * fpages - 2 };
	const size_t len = (4 * fpages - 2) * PAGE_SIZE;
	struct io_mapped_ubuf *imu;
	struct io_rsrc_node *node;
	struct page **pages;
	int nr;

	pages = pin_buffer(test, &seg, 1, &nr);
	node = register_pages(test, base + PAGE_SIZE, len, pages, nr);
	imu = node->buf;
	KUNIT_ASSERT_EQ(test, imu->nr_bvecs, 4);
	KUNIT_EXPECT_EQ(test, imu->folio_shift, PAGE_SHIFT + order);
	expect_bvec(test, imu, 0, head_at(test, 0), PAGE_SIZE, fsize - PAGE_SIZE);
	expect_bvec(test, imu, 1, head_at(test, fpages - 1), 0, fsize);
	expect_bvec(test, imu, 2, head_at(test, 2 * fpages - 1), 0, fsize);
	expect_bvec(test, imu, 3, head_at(test, 3 * fpages - 1), 0,
		    fsize - PAGE_SIZE);
	expect_charged(test, 4 * fpages);
	unregister_and_check(test, node);
}

/* order-0 folios are never coalesced: one bvec per page */
static void small_folios_per_page(struct kunit *test)
{
	unsigned long base = map_anon(test, 8 * PAGE_SIZE);
	struct pin_seg seg = { base, 8 };
	struct io_rsrc_node *node;
	struct page **pages;
	int nr, i;

	pages = pin_buffer(test, &seg, 1, &nr);
	for (i = 0; i < nr; i++)
		if (folio_test_large(page_folio(pages[i])))
			kunit_skip(test, "anonymous memory came as large folios");
	node = register_pages(test, base + 10, 8 * PAGE_SIZE - 20, pages, nr);
	expect_per_page(test, node->buf, base + 10, 8 * PAGE_SIZE - 20);
	expect_charged(test, 8);
	unregister_and_check(test, node);
}

/*
 * The same order-0 page eight times. io_check_coalesce_buffer() accepts this
 * (every "folio" is one full page), so it is registration that must keep one
 * bvec per page rather than calling it eight coalesced folios.
 */
static void small_page_repeated(struct kunit *test)
{
	unsigned long base = map_anon(test, PAGE_SIZE);
	struct io_imu_folio_data data = {};
	struct pin_seg segs[8];
	struct io_rsrc_node *node;
	struct page **pages;
	int nr, i;

	for (i = 0; i < ARRAY_SIZE(segs); i++)
		segs[i] = (struct pin_seg){ base, 1 };
	pages = pin_buffer(test, segs, ARRAY_SIZE(segs), &nr);
	if (folio_test_large(page_folio(pages[0])))
		kunit_skip(test, "anonymous memory came as a large folio");
	KUNIT_EXPECT_TRUE(test, io_check_coalesce_buffer(pages, nr, &data));
	node = register_pages(test, base, 8 * PAGE_SIZE, pages, nr);
	expect_per_page(test, node->buf, base, 8 * PAGE_SIZE);
	/* small pages are charged per bvec, repeats included */
	expect_charged(test, 8);
	unregister_and_check(test, node);
}

/* CVE-2023-2598: one page of a huge folio, pinned 8 times in a row */
static void same_page_repeated(struct kunit *test)
{
	unsigned long base = map_hugetlb(test, 1);
	struct io_imu_folio_data data = {};
	struct pin_seg segs[8];
	struct io_rsrc_node *node;
	struct page **pages;
	int nr, i;

	for (i = 0; i < ARRAY_SIZE(segs); i++)
		segs[i] = (struct pin_seg){ base, 1 };
	pages = pin_buffer(test, segs, ARRAY_SIZE(segs), &nr);
	KUNIT_EXPECT_FALSE(test, io_check_coalesce_buffer(pages, nr, &data));
	node = register_pages(test, base, 8 * PAGE_SIZE, pages, nr);
	expect_per_page(test, node->buf, base, 8 * PAGE_SIZE);
	for (i = 0; i < 8; i++)
		KUNIT_EXPECT_PTR_EQ(test, node->buf->bvec[i].bv_page,
				    head_at(test, 0));
	/* the folio is charged once, not once per repeat */
	expect_charged(test, HPAGE_NR);
	unregister_and_check(test, node);
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
	struct io_rsrc_node *node;
	struct page **pages;
	int nr;

	pages = pin_buffer(test, segs, ARRAY_SIZE(segs), &nr);
	KUNIT_EXPECT_FALSE(test, io_check_coalesce_buffer(pages, nr, &data));
	node = register_pages(test, base, 10 * PAGE_SIZE, pages, nr);
	expect_per_page(test, node->buf, base, 10 * PAGE_SIZE);
	unregister_and_check(test, node);
}

/* a hole inside one folio: pages 0-3 then 5-8 of a 2M folio */
static void non_consecutive_in_folio(struct kunit *test)
{
	unsigned long base = map_hugetlb(test, 1);
	struct pin_seg segs[] = {
		{ base, 4 },
		{ base + 5 * PAGE_SIZE, 4 },
	};
	struct io_imu_folio_data data = {};
	struct io_rsrc_node *node;
	struct page **pages;
	struct folio *folio;
	int nr;

	pages = pin_buffer(test, segs, ARRAY_SIZE(segs), &nr);
	KUNIT_EXPECT_FALSE(test, io_check_coalesce_buffer(pages, nr, &data));
	folio = page_folio(pages[0]);
	node = register_pages(test, base, 8 * PAGE_SIZE, pages, nr);
	expect_per_page(test, node->buf, base, 8 * PAGE_SIZE);
	KUNIT_EXPECT_PTR_EQ(test, node->buf->bvec[4].bv_page,
			    folio_page(folio, 5));
	expect_charged(test, HPAGE_NR);
	unregister_and_check(test, node);
}

/* a 4K page and a 2M folio, in both orders */
static void mixed_4k_2m(struct kunit *test)
{
	unsigned long huge = map_hugetlb(test, 1), small = map_anon(test, PAGE_SIZE);
	struct pin_seg small_first[] = {
		{ small, 1 }, { huge, HPAGE_NR },
	};
	struct pin_seg huge_first[] = {
		{ huge, HPAGE_NR }, { small, 1 },
	};
	const size_t len = SZ_2M + PAGE_SIZE;
	struct io_imu_folio_data data = {};
	struct io_rsrc_node *node;
	struct page **pages;
	int nr;

	pages = pin_buffer(test, small_first, 2, &nr);
	if (folio_test_large(page_folio(pages[0])))
		kunit_skip(test, "anonymous memory came as a large folio");
	KUNIT_EXPECT_FALSE(test, io_check_coalesce_buffer(pages, nr, &data));
	node = register_pages(test, small, len, pages, nr);
	expect_per_page(test, node->buf, small, len);
	expect_charged(test, 1 + HPAGE_NR);
	unregister_and_check(test, node);

	pages = pin_buffer(test, huge_first, 2, &nr);
	KUNIT_EXPECT_FALSE(test, io_check_coalesce_buffer(pages, nr, &data));
	node = register_pages(test, huge, len, pages, nr);
	expect_per_page(test, node->buf, huge, len);
	expect_charged(test, HPAGE_NR + 1);
	unregister_and_check(test, node);
}

/* a full 2M folio followed by a 64K (order-4) anonymous folio */
static void folio_size_differs(struct kunit *test)
{
	const unsigned int order = 4;
	unsigned long huge = map_hugetlb(test, 1);
	unsigned long small = map_anon_thp(test, order, 1);
	struct pin_seg segs[] = {
		{ huge, HPAGE_NR }, { small, 1U << order },
	};
	const size_t len = SZ_2M + (PAGE_SIZE << order);
	struct io_imu_folio_data data = {};
	struct io_rsrc_node *node;
	struct page **pages;
	int nr;

	pages = pin_buffer(test, segs, ARRAY_SIZE(segs), &nr);
	KUNIT_EXPECT_FALSE(test, io_check_coalesce_buffer(pages, nr, &data));
	node = register_pages(test, huge, len, pages, nr);
	expect_per_page(test, node->buf, huge, len);
	expect_charged(test, HPAGE_NR + (1U << order));
	unregister_and_check(test, node);
}

/* a single page never takes the coalescing path, even inside a huge folio */
static void single_page_of_huge_folio(struct kunit *test)
{
	struct rsrc_fixture *f = test->priv;
	unsigned long base = map_hugetlb(test, 1);
	struct pin_seg seg = { base + 5 * PAGE_SIZE, 1 };
	struct io_mapped_ubuf *imu;
	struct io_rsrc_node *node;
	struct page **pages;
	int nr;

	pages = pin_buffer(test, &seg, 1, &nr);
	node = register_pages(test, seg.addr + 100, PAGE_SIZE - 100, pages, nr);
	imu = node->buf;
	KUNIT_ASSERT_EQ(test, imu->nr_bvecs, 1);
	KUNIT_EXPECT_EQ(test, imu->folio_shift, PAGE_SHIFT);
	expect_bvec(test, imu, 0, f->orig[0], 100, PAGE_SIZE - 100);
	expect_charged(test, HPAGE_NR);
	unregister_and_check(test, node);
}

/*
 * A request holding the buffer node (as io_find_buf_node() takes it) keeps
 * every pin and charge after the table lets go; the last put releases them.
 */
static void node_ref_keeps_buffer(struct kunit *test)
{
	struct rsrc_fixture *f = test->priv;
	unsigned long base = map_hugetlb(test, 2);
	struct pin_seg seg = { base, 2 * HPAGE_NR };
	struct io_rsrc_node *node;
	struct page **pages;
	int nr;

	pages = pin_buffer(test, &seg, 1, &nr);
	node = register_pages(test, base, 2 * SZ_2M, pages, nr);
	mutex_lock(&f->ctx->uring_lock);
	node->refs++;
	mutex_unlock(&f->ctx->uring_lock);

	put_node(test, node);
	KUNIT_EXPECT_EQ(test, node->refs, 1);
	expect_pins_owned(test, node->buf);
	expect_charged(test, 2 * HPAGE_NR);
	unregister_and_check(test, node);
}

/*
 * imus of up to IO_CACHED_BVECS_SEGS bvecs come back from the ring's cache
 * with the contents of their last use: a registration must give the new
 * buffer a handle of its own (under KASAN a stale one is a use after free).
 */
static void premap_handle_recycled(struct kunit *test)
{
	unsigned long base = map_anon(test, 8 * PAGE_SIZE);
	struct pin_seg seg = { .addr = base, .nr = 8 };
	struct io_mapped_ubuf *first;
	struct io_rsrc_node *node;
	struct page **pages;
	int nr;

	pages = pin_buffer(test, &seg, 1, &nr);
	node = register_pages(test, base, 8 * PAGE_SIZE, pages, nr);
	first = node->buf;
	unregister_and_check(test, node);

	seg.nr = 4;
	pages = pin_buffer(test, &seg, 1, &nr);
	node = register_pages(test, base + 100, 3 * PAGE_SIZE, pages, nr);
	KUNIT_EXPECT_PTR_EQ(test, node->buf, first);
	KUNIT_EXPECT_EQ(test, node->buf->premap ? node->buf->premap->len : 0,
			IS_ENABLED(CONFIG_BLK_PREMAP) ? 3 * PAGE_SIZE : 0);
	unregister_and_check(test, node);
}

/*
 * Over RLIMIT_MEMLOCK the registration fails with -ENOMEM and drops every pin
 * it was handed, charging nothing.
 */
static void over_memlock_limit(struct kunit *test)
{
	struct rsrc_fixture *f = test->priv;
	unsigned long base = map_hugetlb(test, 2);
	struct pin_seg seg = { base, 2 * HPAGE_NR };
	struct iovec iov = {
		.iov_base = (void __user *)base,
		.iov_len = 2 * SZ_2M,
	};
	struct io_rsrc_node *node;
	struct page **pages;
	int nr;

	pages = pin_buffer(test, &seg, 1, &nr);
	/* room for one 2M folio, not two */
	task_lock(current->group_leader);
	current->signal->rlim[RLIMIT_MEMLOCK].rlim_cur =
		(f->locked0 + HPAGE_NR + HPAGE_NR / 2) << PAGE_SHIFT;
	task_unlock(current->group_leader);

	node = buffer_from_pages(test, &iov, pages, nr);
	if (!IS_ERR(node)) {
		f->node = node;
		kunit_add_action_or_reset(test, node_release, f);
	}
	KUNIT_ASSERT_EQ(test, PTR_ERR_OR_ZERO(node), -ENOMEM);
	expect_baseline(test);
	/* the node it had taken went back to the cache */
	KUNIT_EXPECT_EQ(test, f->ctx->node_cache.nr_cached, f->nodes0 + 1);
}

static struct kunit_case io_uring_rsrc_cases[] = {
	KUNIT_CASE(coalesce_one_2m),
	KUNIT_CASE(coalesce_four_2m),
	KUNIT_CASE(coalesce_three_2m_offset),
	KUNIT_CASE(coalesce_partial_last),
	KUNIT_CASE(coalesce_thp_pmd),
	KUNIT_CASE(coalesce_mthp_64k),
	KUNIT_CASE(small_folios_per_page),
	KUNIT_CASE(small_page_repeated),
	KUNIT_CASE(same_page_repeated),
	KUNIT_CASE(folio_entered_mid),
	KUNIT_CASE(non_consecutive_in_folio),
	KUNIT_CASE(mixed_4k_2m),
	KUNIT_CASE(folio_size_differs),
	KUNIT_CASE(single_page_of_huge_folio),
	KUNIT_CASE(node_ref_keeps_buffer),
	KUNIT_CASE(over_memlock_limit),
	KUNIT_CASE(premap_handle_recycled),
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
