# SPDX-License-Identifier: GPL-2.0
#
# Hugepage coalescing + premapped DMA for io_uring on NVMe, as changes to
# Debian's linux-source-6.12. See README.md.
#
#   make deps     apt packages (run by every other target when needed)
#   make tree     build/linux: pristine tarball (tag "base") + our changes
#   make kernel   guest bzImage (tinyconfig + tools/testbed/guest.config)
#   make kunit    KUnit suites via tools/testing/kunit/kunit.py
#   make e2e      the main job: seed fio job in a QEMU guest, summary table
#   make check    what CI runs: kunit + e2e smoke/verify (IOMMU off/strict, swiotlb; PRP/SGL) + a short stress, then the 7.3 base (check-7.3)
#   make <target> LINUX=7.3  tree, kernel, kunit*, e2e*, series* on the 7.3 base (mainline's iterator; KUnit suites and the start of the premap port)
#   make check-7.3  what make check runs on 7.3
#   make series   the series we would post (cover letter, signed off by SIGNOFF) -> out/series
#   make series-check  git am onto pristine = ours, checkpatch --strict, sizes (SERIES_BUILD=1: build every step)
#   make stress   the premap cache under churn, resets, removal, switch flips, injected faults
#   make bench    pristine 6.12 vs ours vs pristine 7.3, icount mode: IOPS, K/IO, map cost, profiles
#   make bench-premap  premap cache off vs on, same kernel: IOPS, Kinstr/IO, targets
#   make bench-large   the same for large requests (512k, 8M) at the default request size
#   make bench-poll    the same for polled 4k reads (--hipri, nvme.poll_queues=1)

SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
.DEFAULT_GOAL := help

# The pinned base. Override on the command line to try another Debian build.
LINUX_SOURCE_VERSION ?= 6.12.117-1~deb12u1
LINUX_SOURCE_PKG     := linux-source-6.12
TARBALL_6.12         := /usr/src/linux-source-6.12.tar.xz

# The kernel base: 6.12 (Debian's linux-source-6.12 + our series, the
# product) or 7.3 (Debian's linux-source-7.3 from trixie-backports:
# mainline's blk_rq_dma_map_iter and nvme-pci on it, with KUnit suites and
# the start of the premap cache's port; see README). tree, kernel, kunit,
# kunit-exec, e2e*, series*, check-7.3 and bench-premap (v3's switch: the
# bench kernel with nvme.premap=0 and =1) take LINUX=7.3; check's 6.12
# part, stress, bench-large and bench-poll need 6.12.
LINUX ?= 6.12
LINUX_7.3_VERSION ?= 7.3.4-1~bpo13+1
LINUX_7.3_PKG     := linux-source-7.3
LINUX_7.3_SUITE   := trixie-backports
ifeq ($(filter 6.12 7.3,$(LINUX)),)
$(error LINUX must be 6.12 or 7.3)
endif
premap-goals := $(filter check stress bench-large bench-poll,$(MAKECMDGOALS))
ifeq ($(LINUX):$(if $(premap-goals),y),7.3:y)
$(error $(premap-goals) need the premap cache: run them with LINUX=6.12 (make check-7.3 is check's 7.3 part))
endif

TOP    := $(abspath .)
BUILD  ?= $(TOP)/build
# absolute: apt's Dir:: options and kunit.py take BUILD paths from other
# working directories
override BUILD := $(abspath $(BUILD))
# where the 7.3 base lives in BUILD: its tree, kernels and KUnit build
B73    := $(BUILD)/7.3
SRC73_STAMP := $(B73)/source/.unpacked-$(LINUX_7.3_PKG)-$(LINUX_7.3_VERSION)
ifeq ($(LINUX),7.3)
SRC    := $(BUILD)/linux-7.3
BDIR   := $(B73)
TARBALL := $(B73)/source/root/usr/src/linux-source-7.3.tar.xz
else
SRC    := $(BUILD)/linux
BDIR   := $(BUILD)
TARBALL := $(TARBALL_6.12)
endif
KSRC   ?= $(SRC)
VARIANT ?=
KOUT   ?= $(BDIR)/kernel$(if $(VARIANT),-$(VARIANT))
KUNIT_OUT := $(BDIR)/kunit-x86_64
KUNITCONFIG := $(TOP)/kunit/x86_64$(if $(filter 7.3,$(LINUX)),-7.3).kunitconfig
E2E    := $(BUILD)/e2e
JOBS   ?= $(shell nproc)
CC_KERNEL ?= ccache gcc
KMAKE  := $(MAKE) -C $(KSRC) O=$(KOUT) ARCH=x86_64 CC="$(CC_KERNEL)" LOCALVERSION= -j$(JOBS) -s

# e2e knobs
IOMMU    ?= off
SWIOTLB  ?=
ICOUNT   ?= 0
ACCEL    ?= auto
BS       ?= 4k 128k 8M
RW       ?= randread randwrite
RUNTIME  ?= 10
SIZE     ?= 1G
JOBSET   ?= bench
NVME_OPTS ?=
EXTRA_CMDLINE ?=
TIMEOUT  ?= 1800
MEM      ?= 2G
comma := ,
empty :=
space := $(empty) $(empty)

DEPS := build-essential flex bison bc libelf-dev libssl-dev dwarves sparse \
	ccache quilt python3 python3-ply python3-git cpio kmod rsync xz-utils git \
	fio liburing-dev busybox-static gnuplot-nox linux-perf
# QEMU from Debian's bookworm-backports (10.0): bookworm's 7.2 nvme stops
# completing every few seconds under -icount with the IOMMU off, which the
# icount benches need (see README, make bench).
QEMU_SUITE   := bookworm-backports
QEMU_VERSION ?= 1:10.0.2+ds-2+deb13u1~bpo12+1
QEMU_SOURCES := /etc/apt/sources.list.d/$(QEMU_SUITE).sources
DEPS_STAMP := $(BUILD)/.deps-$(shell echo '$(DEPS) $(LINUX_SOURCE_VERSION) $(QEMU_VERSION) $(LINUX_7.3_VERSION)' | md5sum | cut -c1-8)

.PHONY: help deps tree kernel kunit e2e check series series-check bench clean distclean
help:
	@sed -n 's/^#   make/make/p' Makefile

# ---------------------------------------------------------------- deps
deps:
	@echo "deps: apt-get update + install ($(LINUX_SOURCE_PKG)=$(LINUX_SOURCE_VERSION))"
	@export DEBIAN_FRONTEND=noninteractive; \
	[ -f $(QEMU_SOURCES) ] || printf '%s\n' 'Types: deb' \
		'URIs: http://deb.debian.org/debian' 'Suites: $(QEMU_SUITE)' \
		'Components: main' \
		'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' > $(QEMU_SOURCES); \
	apt-get update -qq; \
	apt-get install -y -qq --no-install-recommends $(DEPS) >/dev/null; \
	if ! apt-get install -y -qq --no-install-recommends -t $(QEMU_SUITE) \
		"qemu-system-x86=$(QEMU_VERSION)" >/dev/null; then \
		echo "deps: cannot install qemu-system-x86 $(QEMU_VERSION) from $(QEMU_SUITE)" \
		     "(set QEMU_VERSION to one of: $$(apt-cache madison qemu-system-x86 | awk '{print $$3}' | xargs))" >&2; \
		exit 1; \
	fi; \
	if ! apt-get install -y -qq --allow-downgrades \
		"$(LINUX_SOURCE_PKG)=$(LINUX_SOURCE_VERSION)" >/dev/null; then \
		echo "deps: cannot install $(LINUX_SOURCE_PKG) version $(LINUX_SOURCE_VERSION)" \
		     "(set LINUX_SOURCE_VERSION to one of: $$(apt-cache madison $(LINUX_SOURCE_PKG) | awk '{print $$3}' | xargs))" >&2; \
		exit 1; \
	fi
	@$(MAKE) --no-print-directory source-7.3
	@mkdir -p $(BUILD) && touch $(DEPS_STAMP)

# linux-source-7.3 from trixie-backports, pinned to LINUX_7.3_VERSION,
# unpacked into $(B73)/source (tools/testbed/fetch-source.sh says why it
# is not installed); stops naming the versions apt offers if the pinned
# one is gone
.PHONY: source-7.3
source-7.3: $(SRC73_STAMP)
$(SRC73_STAMP):
	@echo "deps: $(LINUX_7.3_PKG)=$(LINUX_7.3_VERSION) from $(LINUX_7.3_SUITE) into $(B73)/source"
	@tools/testbed/fetch-source.sh $(LINUX_7.3_SUITE) $(LINUX_7.3_PKG) \
		'$(LINUX_7.3_VERSION)' $(B73)/source >/dev/null

$(DEPS_STAMP):
	@if have=$$(dpkg-query -W -f='$${Version}' $(LINUX_SOURCE_PKG) 2>/dev/null) && \
	    [ "$$have" = "$(LINUX_SOURCE_VERSION)" ] && \
	    dpkg-query -W $(DEPS) >/dev/null 2>&1 && [ -f $(TARBALL_6.12) ] && \
	    [ "$$(dpkg-query -W -f='$${Version}' qemu-system-x86 2>/dev/null)" = "$(QEMU_VERSION)" ] && \
	    [ -f '$(SRC73_STAMP)' ]; then \
		mkdir -p $(BUILD) && touch $@; \
	else \
		$(MAKE) --no-print-directory deps; \
	fi

# ---------------------------------------------------------------- tree
tree: $(DEPS_STAMP) $(if $(filter 7.3,$(LINUX)),$(SRC73_STAMP))
	@tools/testbed/mktree.sh $(TARBALL) $(SRC) $(TOP) $(filter 7.3,$(LINUX))

# ---------------------------------------------------------------- kernel
# 7.3: the same fragments, then guest-7.3.config (its renames and what it
# lacks) and for the debug variant debug-7.3.config (later lines win)
KCONFIG_FRAGMENTS ?= $(TOP)/tools/testbed/guest.config \
	$(if $(VARIANT),$(TOP)/tools/testbed/$(VARIANT).config) \
	$(if $(filter 7.3,$(LINUX)),$(TOP)/tools/testbed/guest-7.3.config \
		$(if $(VARIANT),$(wildcard $(TOP)/tools/testbed/$(VARIANT)-7.3.config)))
kernel: tree
	@$(MAKE) --no-print-directory kernel-build

.PHONY: kernel-build kernel-pristine bench-premap
kernel-build:
	@mkdir -p $(KOUT)
	@cfgsum=$$(cat $(KCONFIG_FRAGMENTS) | md5sum | cut -c1-12); \
	if [ ! -f $(KOUT)/.config ] || [ "$$(cat $(KOUT)/.fragments 2>/dev/null)" != "$$cfgsum" ]; then \
		echo "kernel: configuring $(KOUT) (tinyconfig + $(notdir $(KCONFIG_FRAGMENTS)))"; \
		$(KMAKE) tinyconfig >/dev/null; \
		cd $(KOUT) && $(KSRC)/scripts/kconfig/merge_config.sh -m -O $(KOUT) \
			$(KOUT)/.config $(KCONFIG_FRAGMENTS) >/dev/null; \
		$(KMAKE) olddefconfig >/dev/null; \
		$(TOP)/tools/testbed/checkconfig.sh $(KOUT)/.config $(KCONFIG_FRAGMENTS); \
		echo $$cfgsum > $(KOUT)/.fragments; \
	fi
	@echo "kernel: building $(KOUT)/arch/x86/boot/bzImage"
	@$(KMAKE) bzImage
	@echo "kernel: $$(cat $(KOUT)/include/config/kernel.release)"

# ---------------------------------------------------------------- kunit
# kunit.py builds and boots; its raw console log (test.log) is parsed by
# kunit_results.py with kunit.py's own parser, after moving other kernel
# messages out of the one spot where that parser does not take them as
# diagnostics (see the script), and then re-parsed with a kernel message
# inserted after every line in turn.
KUNIT_ARGS ?=
kunit: tree
	@echo "kunit: x86_64 suites (kunit.py run --arch=x86_64, QEMU TCG; output in $(BDIR)/kunit.out)"
	@rm -f $(KUNIT_OUT)/test.log
	@cd $(SRC) && python3 tools/testing/kunit/kunit.py run --arch=x86_64 \
		--build_dir=$(KUNIT_OUT) --kunitconfig=$(KUNITCONFIG) \
		--make_options="CC=$(CC_KERNEL)" --jobs=$(JOBS) --timeout=900 \
		--kernel_args="$(KUNIT_KERNEL_ARGS_$(LINUX))" --qemu_args="$(KUNIT_QEMU_ARGS_$(LINUX))" \
		--raw_output=all $(KUNIT_ARGS) > $(BDIR)/kunit.out 2>&1 || \
		{ tail -40 $(BDIR)/kunit.out; echo "kunit: kunit.py failed"; exit 1; }
	@grep -E '^\[..:..:..\] (Building|Starting|Elapsed)' $(BDIR)/kunit.out || true
	@python3 tools/testbed/kunit_results.py $(SRC)/tools/testing/kunit \
		$(KUNIT_OUT)/test.log $(KUNIT_SUITES)

# The same suites as built into a guest kernel (KOUT; make check: the
# debug variant, so they run under KASAN, lockdep and DMA-API debugging),
# run by kunit.py exec: it boots that bzImage with kunit.enable=1, which
# the guest's e2e boots leave at its default, off. Each of KUNIT_SUITES
# must have run; with KUNIT_ARGS (a filter glob, or any other kunit.py
# option) none is required.
KUNIT_SUITES_6.12 := io_uring_rsrc blk_mq_dma blk_premap nvme_pci_dma
# (suite.case: a case that must pass, not skip: the IOVA premap cases need
# the IOMMU that KUNIT_QEMU_ARGS_7.3 gives the machine)
KUNIT_SUITES_7.3  := io_uring_rsrc blk_mq_dma blk_premap blk_premap_dev nvme_pci_premap \
		     blk_premap_dev.premap_dev_iova \
		     blk_premap_dev.premap_dev_iter_iova \
		     blk_premap_dev.premap_dev_iter_alias \
		     blk_premap_dev.premap_dev_iter_one_iova
KUNIT_SUITES ?= $(if $(KUNIT_ARGS),,$(KUNIT_SUITES_$(LINUX)))
# free hugetlb pages, and on 7.3 anonymous THP of order 4 and PMD order for
# io_uring_rsrc's 64K and PMD cases (thp_anon= leaves the orders it does not
# name off; 6.12's suite sets those orders itself), and a strict
# intel-iommu in front of the machine's PCI devices for blk_premap_dev
KUNIT_KERNEL_ARGS_6.12 := hugepages=64
KUNIT_KERNEL_ARGS_7.3  := hugepages=64 thp_anon=64K,2M:always \
			  intel_iommu=on iommu.strict=1
KUNIT_QEMU_ARGS_6.12 := -m 1536
KUNIT_QEMU_ARGS_7.3  := -m 1536 -machine q35 -device intel-iommu
# on 7.3 a kernel report during the suites (WARN, DMA-API debug, lockdep,
# KASAN: kernel-reports.sh) fails kunit-exec like a failed case; 6.12's
# debug run has three WARNINGs (its small-mask, pin-check and overlap
# cases) and keeps the old behaviour until it retires
KUNIT_REPORTS_FATAL_7.3 := 1
.PHONY: kunit-exec
kunit-exec:
	@echo "kunit: suites built into $(KOUT) ($(or $(KUNIT_SUITES),no suite required); kunit.py exec, output in $(KOUT)/kunit.out)"
	@rm -f $(KOUT)/test.log
	@cd $(SRC) && python3 tools/testing/kunit/kunit.py exec --arch=x86_64 \
		--build_dir=$(KOUT) --timeout=900 \
		--kernel_args="$(KUNIT_KERNEL_ARGS_$(LINUX))" --qemu_args="$(KUNIT_QEMU_ARGS_$(LINUX))" \
		--raw_output=all $(KUNIT_ARGS) > $(KOUT)/kunit.out 2>&1 || \
		{ tail -40 $(KOUT)/kunit.out; echo "kunit: kunit.py failed"; exit 1; }
	@python3 tools/testbed/kunit_results.py $(SRC)/tools/testing/kunit \
		$(KOUT)/test.log $(KUNIT_SUITES)
	@$(if $(filter 1,$(KUNIT_REPORTS_FATAL_$(LINUX))),tools/testbed/kernel-reports.sh $(KOUT)/test.log)

# ---------------------------------------------------------------- e2e
INITRD := $(E2E)/initramfs.cpio
PREMAP_TEST := $(E2E)/premap-test
$(PREMAP_TEST): tools/premap-test/premap-test.c tools/include/premap-guest.h $(DEPS_STAMP)
	@mkdir -p $(E2E)
	gcc -static -O2 -Wall -Wextra -Werror -Itools/include -o $@ $< -luring

PREMAP_STRESS := $(E2E)/premap-stress
$(PREMAP_STRESS): tools/premap-stress/premap-stress.c tools/include/premap-guest.h $(DEPS_STAMP)
	@mkdir -p $(E2E)
	gcc -static -O2 -Wall -Wextra -Werror -pthread -Itools/include -o $@ $< -luring

PREMAP_RACE := $(E2E)/premap-race
$(PREMAP_RACE): tools/premap-race/premap-race.c tools/include/premap-guest.h $(DEPS_STAMP)
	@mkdir -p $(E2E)
	gcc -static -O2 -Wall -Wextra -Werror -pthread -Itools/include -o $@ $< -luring

$(INITRD): tools/testbed/init tools/testbed/mkinitramfs.sh $(PREMAP_TEST) $(PREMAP_STRESS) $(PREMAP_RACE) $(DEPS_STAMP)
	@mkdir -p $(E2E)
	@tools/testbed/mkinitramfs.sh $@ tools/testbed/init /usr/bin/fio /usr/bin/perf \
		$(PREMAP_TEST)=/usr/bin/premap-test $(PREMAP_STRESS)=/usr/bin/premap-stress \
		$(PREMAP_RACE)=/usr/bin/premap-race

e2e-tag = $(1)$(if $(filter 7.3,$(LINUX)),-7.3)$(if $(SWIOTLB),-swiotlb)$(if $(filter 1,$(ICOUNT)),-icount)$(if $(VARIANT),-$(VARIANT))$(if $(TAG),-$(TAG))
E2E_TAG = $(call e2e-tag,$(IOMMU))
e2e-run = KERNEL=$(KOUT)/arch/x86/boot/bzImage INITRD=$(INITRD) \
	OUTDIR=$(E2E)/$(1) IOMMU=$(IOMMU) SWIOTLB=$(SWIOTLB) ICOUNT=$(ICOUNT) \
	ACCEL=$(ACCEL) MEM=$(MEM) TIMEOUT=$(TIMEOUT) NVME_OPTS="$(NVME_OPTS)" \
	EXTRA_CMDLINE="$(EXTRA_CMDLINE)" \
	E2E_ARGS="e2e_jobs=$(2) e2e_bs=$(subst $(space),$(comma),$(strip $(BS))) \
		e2e_rw=$(subst $(space),$(comma),$(strip $(RW))) \
		e2e_runtime=$(RUNTIME) e2e_size=$(SIZE) \
		$(if $(MAX_SECTORS_KB),e2e_max_sectors_kb=$(MAX_SECTORS_KB))" \
	tools/testbed/run-qemu.sh

# make e2e boots with the IOMMU off and in strict mode (one table for both,
# so the commands per IO show what the premap cache lets through under an
# IOMMU); IOMMU=<off|lazy|strict> boots that mode alone
E2E_IOMMU ?= $(if $(filter command line environment,$(origin IOMMU)),$(IOMMU),off strict)
e2e: kernel $(INITRD)
	@for m in $(E2E_IOMMU); do \
		$(MAKE) --no-print-directory e2e-boot IOMMU=$$m || exit 1; \
	done; \
	python3 tools/testbed/summary.py $(foreach m,$(E2E_IOMMU),$(E2E)/$(call e2e-tag,$(m)))

# ---------------------------------------------------------------- check
# e2e part of check, on the DMA_API_DEBUG + lockdep + KASAN guest
# (VARIANT=debug): a bench smoke (4k/128k/8M, 2 s each) in IOMMU=off and
# strict, and the write-then-verify pass in IOMMU=off and strict, each with
# PRPs forced (nvme.sgl_threshold=0) and with SGLs (nvme.sgl_threshold=1),
# and in SWIOTLB=force with PRPs, all with the premap cache on (the
# default). The dmacount job proves premapped requests make no DMA-API
# call; the lifetime job (tools/premap-test) runs last: it ends by
# hot-removing the controller.
# summary.py fails a run that leaves premaps behind or, but for swiotlb,
# never hits. The mixed job (SGL boots, IOMMU off and strict) proves that
# plain O_DIRECT reads beside a premapped buffer cost the cache no lookup.
# passthru (PRP boots): NVMe passthrough (fio io_uring_cmd on /dev/ng0n1)
# through fixed buffers, write-then-verify and a DMA-API window; polled
# (boots that run it get nvme.poll_queues=1): the same with --hipri on the
# poll queue.
# The large job counts the commands of 8M reads: premapped ones MDTS-sized
# (512 KiB) also under the IOMMU, plain ones, the cache switched off and a
# user max_sectors_kb=64 at the queue's max_sectors (summary.py checks).
# The mdts0 run (QEMU nvme mdts=0, max_sectors_kb=8192, IOMMU off) sends 8M
# reads and writes as one command each, premapped: SGLs only, as QEMU maps
# at most 1024 PRP pages per command.
CHECK_RUNS := off:prp:verify,dmacount,passthru,large,lifetime \
	off:sgl:bench,verify,mixed,large,polled \
	strict:prp:verify,dmacount,passthru,polled,large,lifetime \
	strict:sgl:bench,verify,dmacount,mixed,large \
	swiotlb:prp:verify,passthru,polled,large,lifetime \
	mdts0:sgl:bench
# make check ends with a short make stress (one boot, IOMMU strict) and
# the removal race (tools/premap-race) in a boot with the IOMMU off, where
# a premap's teardown takes seconds (one mapping per 4 KiB page)
CHECK_STRESS_SECONDS ?= 45
CHECK_STRESS_MIN     ?= 200:20
CHECK_RACE_ROUNDS    ?= 9
check: series-check
	@$(MAKE) --no-print-directory kernel VARIANT=debug
	@$(MAKE) --no-print-directory kunit-exec VARIANT=debug
	@$(MAKE) --no-print-directory $(INITRD)
	@set -e; for run in $(CHECK_RUNS); do \
		IFS=: read -r mode dptr jobs <<< "$$run"; \
		iommu=$$mode swiotlb= opts= msk= tag=$$dptr; \
		[ $$mode = swiotlb ] && iommu=off swiotlb=force; \
		[ $$mode = mdts0 ] && iommu=off opts=mdts=0 msk=8192 tag=mdts0-$$dptr; \
		thr=0; [ $$dptr = sgl ] && thr=1; \
		poll=; case ,$$jobs, in *,polled,*) poll=nvme.poll_queues=1 ;; esac; \
		echo "check: IOMMU=$$iommu SWIOTLB=$$swiotlb $$opts $$dptr ($$jobs)"; \
		$(MAKE) --no-print-directory e2e-only VARIANT=debug IOMMU=$$iommu \
			SWIOTLB=$$swiotlb TAG=$$tag JOBSET=$$jobs RUNTIME=2 SIZE=256M TIMEOUT=600 \
			NVME_OPTS="$$opts" MAX_SECTORS_KB=$$msk \
			EXTRA_CMDLINE="nvme.sgl_threshold=$$thr $$poll"; \
	done
	@echo "check: make stress, short (IOMMU strict, $(CHECK_STRESS_SECONDS) s)"
	@$(MAKE) --no-print-directory stress STRESS_MODES=strict STRESS_TAG=stress-short \
		STRESS_SECONDS=$(CHECK_STRESS_SECONDS) STRESS_MIN=$(CHECK_STRESS_MIN) \
		RACE_ROUNDS=$(CHECK_RACE_ROUNDS)
	@echo "check: premap teardown against controller removal (IOMMU off, $(CHECK_RACE_ROUNDS) rounds)"
	@$(MAKE) --no-print-directory e2e-boot VARIANT=debug IOMMU=off TAG=race \
		JOBSET=race TIMEOUT=$$((30 * $(CHECK_RACE_ROUNDS) + 600)) \
		EXTRA_CMDLINE="e2e_race_rounds=$(CHECK_RACE_ROUNDS) e2e_race_mb=$(RACE_MB)"
	@python3 tools/testbed/stress_summary.py --race-only $(E2E)/off-debug-race
	@$(MAKE) --no-print-directory check-7.3 LINUX=7.3
	@echo "check: all passed"

# The 7.3 base in make check: its KUnit patches through series-check, then
# its debug guest (same fragments) runs the
# 7.3 KUnit suites (kunit.py exec), then boots with the IOMMU off and
# strict for the write-then-verify passes (fixed hugepage buffers, which
# nvme-pci maps from premaps, and plain 4 KiB pages), the passthrough
# verify, mapcalls (no DMA-API mapping call for premapped requests,
# merged ones too; nvme.premap=N unmaps an idle fio's premap and maps
# requests per request, Y premaps them again), and large (8M reads
# through live premaps in requests up to MDTS, under strict too; plain
# ones, and fixed ones with the switch off, at max_sectors); nvme-pci's
# default sgl_threshold sends small requests as PRPs and large ones as
# SGLs.
CHECK_RUNS_7.3 := off:verify,passthru,mapcalls,large \
	strict:verify,passthru,mapcalls,large
.PHONY: check-7.3
check-7.3:
	@[ "$(LINUX)" = 7.3 ] || { $(MAKE) --no-print-directory check-7.3 LINUX=7.3; exit; }; \
	$(MAKE) --no-print-directory series-check && \
	$(MAKE) --no-print-directory kernel VARIANT=debug && \
	$(MAKE) --no-print-directory kunit-exec VARIANT=debug && \
	$(MAKE) --no-print-directory $(INITRD) && \
	for run in $(CHECK_RUNS_7.3); do \
		iommu=$${run%%:*} jobs=$${run#*:}; \
		echo "check: 7.3 IOMMU=$$iommu ($$jobs)"; \
		$(MAKE) --no-print-directory e2e-only VARIANT=debug IOMMU=$$iommu \
			TAG=check JOBSET=$$jobs RUNTIME=2 SIZE=256M TIMEOUT=600 || exit 1; \
	done

# ---------------------------------------------------------------- stress
# The premap cache under load, churn and faults (tools/premap-stress) on
# the debug guest booted with kmemleak=on, once per STRESS_MODES (IOMMU
# off, strict, swiotlb=force): 4 threads x 2 rings of byte-checked
# fixed-buffer I/O while buffers are updated, emptied, re-registered and
# cloned, the controller is reset, the premap switch flipped and premap
# creations fail (blk_premap_fail_map, failslab, fail_page_alloc,
# premap_max_mb); then a quiet tail, PCI removal under I/O, rescan and
# read-back, and the leak checks. Runs STRESS_SECONDS, longer (up to
# twice) until STRESS_MIN=<churn cycles>:<resets> are reached. Then, but
# under swiotlb (no premaps), the race job (tools/premap-race):
# RACE_ROUNDS rounds of a RACE_MB buffer's premap torn down by
# unregistration, update or ring exit while the controller is removed,
# swept across the removal. Two tables (stress_summary.py); any mismatch,
# unexpected error, hang, leak or kernel report fails.
STRESS_SECONDS ?= 120
STRESS_MIN     ?= 1000:100
STRESS_MODES   ?= off strict swiotlb
RACE_ROUNDS    ?= 30
RACE_MB        ?= 256
STRESS_TAG     ?= stress
stress-dir = $(E2E)/$(if $(filter swiotlb,$(1)),off-swiotlb,$(1))-debug-$(STRESS_TAG)
.PHONY: stress
stress: tree
	@$(MAKE) --no-print-directory kernel VARIANT=debug
	@$(MAKE) --no-print-directory $(INITRD)
	@fail=0; for m in $(STRESS_MODES); do \
		iommu=$$m swiotlb=; [ $$m = swiotlb ] && iommu=off swiotlb=force; \
		echo "stress: IOMMU=$$iommu SWIOTLB=$$swiotlb, $(STRESS_SECONDS) s, at least $(STRESS_MIN) cycles:resets, race $(RACE_ROUNDS) rounds"; \
		jobs=stress,race; [ $$m = swiotlb -o "$(RACE_ROUNDS)" = 0 ] && jobs=stress; \
		$(MAKE) --no-print-directory e2e-boot VARIANT=debug IOMMU=$$iommu \
			SWIOTLB=$$swiotlb TAG=$(STRESS_TAG) JOBSET=$$jobs \
			TIMEOUT=$$((3 * $(STRESS_SECONDS) + 30 * $(RACE_ROUNDS) + 600)) \
			EXTRA_CMDLINE="kmemleak=on e2e_stress_seconds=$(STRESS_SECONDS) e2e_stress_min=$(STRESS_MIN) e2e_race_rounds=$(RACE_ROUNDS) e2e_race_mb=$(RACE_MB)" || fail=1; \
	done; \
	python3 tools/testbed/stress_summary.py $(if $(filter-out 0,$(RACE_ROUNDS)),--race) $(foreach m,$(STRESS_MODES),$(call stress-dir,$(m))) || fail=1; \
	exit $$fail

.PHONY: e2e-only e2e-boot
e2e-only: e2e-boot
	@python3 tools/testbed/summary.py $(E2E)/$(E2E_TAG)
e2e-boot: $(INITRD)
	@$(call e2e-run,$(E2E_TAG),$(JOBSET))

# ---------------------------------------------------------------- bench
# Three kernels, same QEMU, same run, deterministic icount mode (-smp 1):
# pristine 6.12 (tag base, same config minus our KUnit and premap
# symbols), ours (premap cache on) and pristine 7.3 (tag base of the 7.3
# tree, the same config with guest-7.3.config): seed job randread at
# BENCH_BS through fixed hugepage buffers, and <bs>-plain without
# --fixedbufs, in IOMMU off and strict, the namespace's scheduler none;
# fio numbers, then a perf cpu-clock profile per bs. Prints IOPS, K per
# IO, map%, map instructions per IO and commands per IO per kernel with
# K ratios to pristine 6.12, and draws build/e2e/bench.png.
PRISTINE_SRC    := $(BUILD)/linux-pristine
PRISTINE_SRC_73 := $(BUILD)/linux-7.3-pristine
BENCH_BS      ?= 4k 128k 8M 128k-plain
BENCH_RUNTIME ?= 3
BENCH_MODES   ?= off strict
BENCH_KERNELS ?= pristine ours 7.3
# rounds of every boot, kernels interleaved; the table shows medians
BENCH_ROUNDS  ?= 1
# the seed job's iodepth when set (default: the seed's 64)
BENCH_IODEPTH ?=
# what the table compares (BENCH_KERNELS=ours reruns only ours against
# the other kernels' results already in build/e2e, which BENCH_COMPARE
# then still names); the first is the base
BENCH_COMPARE ?= $(BENCH_KERNELS)
# extra guest parameters of ours (e.g. nvme.premap=0: the iterator alone)
BENCH_OURS_CMDLINE ?=
# and of 7.3: 4-level page tables as 6.12's guest (7.x always builds
# 5-level paging and QEMU's -cpu max has LA57)
BENCH_73_CMDLINE ?= no5lvl
bench-kout = $(if $(filter pristine,$(1)),$(BUILD)/kernel-pristine,$(if $(filter 7.3,$(1)),$(B73)/kernel-pristine,$(if $(filter v3,$(1)),$(B73)/kernel-v3,$(BUILD)/kernel)))
$(BUILD)/pristine.config: tools/testbed/guest.config
	@grep -v '_KUNIT_TEST=\|^CONFIG_BLK_PREMAP=' $< | sed 's/^CONFIG_LOCALVERSION=.*/CONFIG_LOCALVERSION="-pristine"/' > $@

kernel-pristine: $(BUILD)/pristine.config
	@$(MAKE) --no-print-directory tree LINUX=6.12
	@[ -d $(PRISTINE_SRC) ] || git -C $(BUILD)/linux worktree add -q --detach $(PRISTINE_SRC) base
	@$(MAKE) --no-print-directory kernel-build LINUX=6.12 KSRC=$(PRISTINE_SRC) \
		KOUT=$(BUILD)/kernel-pristine KCONFIG_FRAGMENTS=$(BUILD)/pristine.config

# pristine 7.3: the same pristine.config, then guest-7.3.config without
# its KUnit suites, named "-pristine" (the 7.3 tree's own kernels carry its
# KUnit patches: "-kunit")
$(BUILD)/pristine-7.3.config: tools/testbed/guest-7.3.config
	@grep -v '_KUNIT_TEST=' $< | sed 's/^CONFIG_LOCALVERSION=.*/CONFIG_LOCALVERSION="-pristine"/' > $@

.PHONY: kernel-pristine-7.3
kernel-pristine-7.3: $(BUILD)/pristine.config $(BUILD)/pristine-7.3.config
	@$(MAKE) --no-print-directory tree LINUX=7.3
	@[ -d $(PRISTINE_SRC_73) ] || git -C $(BUILD)/linux-7.3 worktree add -q --detach $(PRISTINE_SRC_73) base
	@$(MAKE) --no-print-directory kernel-build LINUX=7.3 KSRC=$(PRISTINE_SRC_73) \
		KOUT=$(B73)/kernel-pristine \
		KCONFIG_FRAGMENTS="$(BUILD)/pristine.config $(BUILD)/pristine-7.3.config"

# v3: the 7.3 tree with patches/7.3 built from pristine 7.3's fragments,
# named "-v3": against pristine 7.3 only the series and what it selects
# (CONFIG_BLK_PREMAP) differ (BENCH_KERNELS="7.3 v3", checked below)
$(BUILD)/v3-7.3.config: tools/testbed/guest-7.3.config
	@grep -v '_KUNIT_TEST=' $< | sed 's/^CONFIG_LOCALVERSION=.*/CONFIG_LOCALVERSION="-v3"/' > $@

.PHONY: kernel-v3-7.3
kernel-v3-7.3: $(BUILD)/pristine.config $(BUILD)/v3-7.3.config
	@$(MAKE) --no-print-directory tree LINUX=7.3
	@$(MAKE) --no-print-directory kernel-build LINUX=7.3 \
		KOUT=$(B73)/kernel-v3 \
		KCONFIG_FRAGMENTS="$(BUILD)/pristine.config $(BUILD)/v3-7.3.config"

bench: $(INITRD)
	@for k in $(BENCH_KERNELS); do case $$k in \
		pristine) $(MAKE) --no-print-directory kernel-pristine ;; \
		ours) $(MAKE) --no-print-directory kernel LINUX=6.12 ;; \
		7.3) $(MAKE) --no-print-directory kernel-pristine-7.3 ;; \
		v3) $(MAKE) --no-print-directory kernel-v3-7.3 ;; \
		*) echo "bench: no kernel $$k (pristine, ours, 7.3, v3)"; exit 1 ;; \
	esac || exit 1; done
	@fail=0; for r in $$(seq 1 $(BENCH_ROUNDS)); do \
	for m in $(BENCH_MODES); do for k in $(BENCH_KERNELS); do \
		echo "bench: round $$r $$k IOMMU=$$m"; \
		case $$k in pristine) kout=$(call bench-kout,pristine) ;; \
			7.3) kout=$(call bench-kout,7.3) ;; v3) kout=$(call bench-kout,v3) ;; \
			*) kout=$(call bench-kout,ours) ;; esac; \
		$(MAKE) --no-print-directory e2e-only LINUX=6.12 KOUT=$$kout IOMMU=$$m ICOUNT=1 \
			TAG=$$k$$([ $$r -gt 1 ] && echo -r$$r) JOBSET=bench,perf \
			RW=randread BS="$(BENCH_BS)" \
			RUNTIME=$(BENCH_RUNTIME) SIZE=1G $(if $(NVME_OPTS),NVME_OPTS="$(NVME_OPTS)") \
			EXTRA_CMDLINE="$$([ $$k = ours ] && echo '$(BENCH_OURS_CMDLINE)') $$(case $$k in 7.3|v3) echo '$(BENCH_73_CMDLINE)' ;; esac) $(if $(BENCH_IODEPTH),e2e_iodepth=$(BENCH_IODEPTH))" || fail=1; \
	done; done; done; \
	python3 tools/testbed/bench.py $(E2E) "$(BENCH_MODES)" "$(BENCH_COMPARE)" \
		$(BENCH_ROUNDS) || exit 1; \
	if [ -n "$(filter pristine,$(BENCH_COMPARE))" ] && [ -n "$(filter 7.3,$(BENCH_COMPARE))" ]; then \
		python3 tools/testbed/configdiff.py $(call bench-kout,pristine)/.config \
			$(call bench-kout,7.3)/.config tools/testbed/config-parity.txt \
			> $(E2E)/bench-config.txt || { cat $(E2E)/bench-config.txt; exit 1; }; \
		head -12 $(E2E)/bench-config.txt; echo "(all differences: $(E2E)/bench-config.txt)"; \
	fi; \
	if [ -n "$(filter 7.3,$(BENCH_COMPARE))" ] && [ -n "$(filter v3,$(BENCH_COMPARE))" ]; then \
		python3 tools/testbed/configdiff.py $(call bench-kout,7.3)/.config \
			$(call bench-kout,v3)/.config tools/testbed/config-parity-v3.txt \
			> $(E2E)/bench-config-v3.txt || { cat $(E2E)/bench-config-v3.txt; exit 1; }; \
		cat $(E2E)/bench-config-v3.txt; \
	fi; \
	[ $$fail = 0 ] || { echo "bench: a boot failed, see above"; exit 1; }

# Premap cache off (nvme.premap=0) against on, same kernel, same run,
# icount mode: seed job randread at PREMAP_BS in IOMMU off, lazy and strict
# with equal request sizes (max_sectors_kb=128 everywhere: nvme-pci's cap
# under an IOMMU), and with QEMU's nvme mdts=0 and max_sectors_kb=8192
# (IOMMU off) so an 8M read is one command; and "mixed": the seed job
# without --fixedbufs at PREMAP_MIXED_BS (IOMMU off) while another fio
# process holds a premapped buffer (e2e_holder=1), to show what ordinary
# I/O pays for the cache. PREMAP_BENCH_ROUNDS boots every run that often,
# runs interleaved; the table shows medians. Prints the table, the targets
# and build/e2e/bench-premap.png. The guest boots with idle=poll
# (PREMAP_BENCH_CMDLINE): its idle loop then runs instructions and is
# sampled like the rest, where a halting guest's idle time is under-sampled
# by perf and K of idle-heavy runs (8M) comes out several times too high.
PREMAP_BENCH_RUNS ?= off:128 lazy:128 strict:128 mdts0:8192 mixed:128
# fixed-buffer sizes of the off/lazy/strict/mdts0 runs (make bench's
# plain row is the mixed run here)
PREMAP_BS ?= 4k 128k 8M
PREMAP_BENCH_ROUNDS ?= 1
PREMAP_MIXED_BS ?= 4k 128k
PREMAP_BENCH_CMDLINE ?= idle=poll
PREMAP_BENCH_NAME ?= bench-premap
PREMAP_LARGE_BS ?= 512k 8M
PREMAP_PLAIN_BS ?= 512k
PREMAP_POLL_BS ?= 4k
# LINUX=7.3: the v3 bench kernel (make kernel-v3-7.3), booted as make bench
# boots it (BENCH_73_CMDLINE).
premap-bench-kernel = $(if $(filter 7.3,$(LINUX)),kernel-v3-7.3,kernel)
bench-premap: $(premap-bench-kernel) $(INITRD)
	@fail=0; for r in $$(seq 1 $(PREMAP_BENCH_ROUNDS)); do \
	for run in $(PREMAP_BENCH_RUNS); do for v in 0 1; do \
		IFS=: read -r mode msk <<< "$$run"; \
		iommu=$$mode opts= extra= bs="$(PREMAP_BS)"; \
		case $$mode in \
		mdts0) iommu=off opts=mdts=0 ;; \
		mixed) iommu=off extra="e2e_fixedbufs=0 e2e_holder=1" \
			bs="$(PREMAP_MIXED_BS)" ;; \
		*-large) iommu=$${mode%-large} bs="$(PREMAP_LARGE_BS)" ;; \
		*-plain) iommu=$${mode%-plain} extra=e2e_fixedbufs=0 \
			bs="$(PREMAP_PLAIN_BS)" ;; \
		*-poll) iommu=$${mode%-poll} bs="$(PREMAP_POLL_BS)" \
			extra="e2e_hipri=1 nvme.poll_queues=1" ;; \
		esac; \
		echo "bench-premap: round $$r $$mode premap=$$v max_sectors_kb=$$msk"; \
		$(MAKE) --no-print-directory e2e-only IOMMU=$$iommu ICOUNT=1 \
			$(if $(filter 7.3,$(LINUX)),LINUX=6.12 KOUT=$(call bench-kout,v3)) \
			TAG=$$mode-premap$$v$$([ $$r -gt 1 ] && echo -r$$r) \
			JOBSET=bench,perf RW=randread \
			BS="$$bs" RUNTIME=$(BENCH_RUNTIME) SIZE=1G \
			NVME_OPTS="$$opts" MAX_SECTORS_KB=$$msk \
			EXTRA_CMDLINE="nvme.premap=$$v $$extra $(PREMAP_BENCH_CMDLINE) $(if $(filter 7.3,$(LINUX)),$(BENCH_73_CMDLINE))" || fail=1; \
	done; done; done; \
	python3 tools/testbed/bench_premap.py $(E2E) "$(PREMAP_BENCH_RUNS)" \
		$(PREMAP_BENCH_ROUNDS) $(PREMAP_BENCH_NAME) || \
		{ echo "bench-premap: a target failed or a run is missing"; exit 1; }; \
	[ $$fail = 0 ] || { echo "bench-premap: a boot failed, see above"; exit 1; }

# Large requests: the seed job's 512k and 8M randread at the queue's default
# request size (max_sectors_kb=0), IOMMU off and strict, cache off vs on:
# premapped requests go out MDTS-sized under the IOMMU too, while
# nvme-pci's 128 KiB IOVA-cache cap stays for every other request
# (strict-plain: plain O_DIRECT, nothing registered). Table, targets and
# build/e2e/bench-large.{txt,png}.
.PHONY: bench-large
bench-large:
	@$(MAKE) --no-print-directory bench-premap PREMAP_BENCH_NAME=bench-large \
		PREMAP_BENCH_RUNS="off-large:0 strict-large:0 strict-plain:0"

# Polled completions: the seed job's 4k randread with --hipri on a poll
# queue (nvme.poll_queues=1), IOMMU off and strict, cache off vs on.
.PHONY: bench-poll
bench-poll:
	@$(MAKE) --no-print-directory bench-premap PREMAP_BENCH_NAME=bench-poll \
		PREMAP_BENCH_RUNS="off-poll:128 strict-poll:128"

# ---------------------------------------------------------------- series
# Author and Signed-off-by of every patch: SIGNOFF, by default whoever runs
# make (git config user.name/user.email).
SERIES_DIR ?= $(TOP)/out/series$(if $(filter 7.3,$(LINUX)),-7.3)
GIT_IDENT := $(shell n=$$(git config user.name); e=$$(git config user.email); \
	[ -n "$$n" ] && [ -n "$$e" ] && echo "$$n <$$e>")
SIGNOFF ?= $(GIT_IDENT)
series: tree
	@tools/testbed/series.sh $(SRC) $(SERIES_DIR) "$(SIGNOFF)" $(TOP) $(E2E) $(filter 7.3,$(LINUX))

# What make check runs (about a minute): the series as make series writes
# it, applied with git am onto the pristine base, compared with ours,
# checkpatch --strict, patch sizes. SERIES_BUILD=1 also builds every step
# with the guest kernel's config (W=1 for the series' C files).
SERIES_BUILD ?= 0
SERIES_CHECK := $(BDIR)/series-check
series-check: tree
	@$(if $(filter 1,$(SERIES_BUILD)),$(MAKE) --no-print-directory kernel-build >/dev/null)
	@sig="$(SIGNOFF)"; \
	if [ -z "$$sig" ]; then \
		echo "series-check: no git identity; checking a series signed off by series-check <nobody@series-check.invalid>"; \
		sig="series-check <nobody@series-check.invalid>"; export SERIES_CHECK_ONLY=1; \
	fi; \
	tools/testbed/series.sh $(SRC) $(SERIES_CHECK)/out "$$sig" $(TOP) $(E2E) $(filter 7.3,$(LINUX)) && \
	tools/testbed/series-check.sh $(SRC) $(SERIES_CHECK)/out $(SERIES_CHECK) \
		$(if $(filter 1,$(SERIES_BUILD)),$(KOUT)/.config)

clean:
	rm -rf $(E2E) out
distclean:
	rm -rf $(BUILD) out
