# SPDX-License-Identifier: GPL-2.0
#
# semctl top-level Makefile. Kbuild (next to this file) describes the
# module itself; this file drives builds, lint, selftests and the VM loop.
#
#   make                  build module/semctl.ko in place against KDIR (W=1)
#   make clean
#   make modules-all      build against every supported kernel, W=1,
#                         failing on any warning (.cache/build/<series>/)
#   make lint             checkpatch --strict; sparse on every kernel; clang on the newest
#   make ksft-headers     extract kselftest headers + checkpatch (cached)
#   make selftests        build selftests/ (needs ksft-headers)
#   make check [KERNELS="6.1 6.12 6.18 7.0 newest"] [T=test]
#                         deps, fetch, build, lint, selftests, then boot each
#                         kernel in QEMU and run the selftests there
#   make demo [KERNELS=6.12]
#                         boot one kernel and run tools/demo/semctl-demo
#   make vm-shell-cmd KERNELS=6.1 CMD='...'
#                         run one command in the VM with semctl.ko loaded
#   make deps             install missing Debian packages (root)
#   make fetch            fetch and prepare every kernel and linux-source bits
#
# Everything fetched or built outside the tree lives in .cache/ (ignored).

TOP	:= $(CURDIR)
CACHE	:= $(TOP)/.cache
SERIES	:= 6.1 6.12 6.18 7.0 newest
KERNELS	?= $(SERIES)
T	?=
W	?= 1

# KDIR for the in-place build: the running kernel's build tree if it has
# one, else the cached Debian 6.12 headers (fetched on demand).
CACHED_KDIR := $(CACHE)/kernels/6.12/headers
ifeq ($(origin KDIR),undefined)
KDIR := $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) $(CACHED_KDIR))
endif

KSFT_HEADERS := $(CACHE)/linux-source-6.1/tools/testing/selftests
CHECKPATCH   := $(CACHE)/linux-source-6.1/scripts/checkpatch.pl

.PHONY: all modules clean modules-all lint ksft-headers selftests check demo \
	deps fetch vm-shell-cmd $(addprefix kernel-,$(SERIES)) \
	$(addprefix module-,$(SERIES))

all: modules

modules: $(if $(filter $(CACHE)/%,$(KDIR)),kernel-6.12)
	$(MAKE) -C $(KDIR) M=$(TOP) W=$(W) modules

clean:
	@if [ -d "$(KDIR)" ]; then $(MAKE) -C $(KDIR) M=$(TOP) clean; fi
	rm -f module/compat-probes.h
	rm -rf $(CACHE)/build
	-$(MAKE) -C selftests TOP=$(TOP) clean
	-@if [ -f tools/demo/Makefile ]; then $(MAKE) -C tools/demo clean; fi

deps:
	@tools/deps.sh

$(addprefix kernel-,$(SERIES)): kernel-%:
	@tools/vm/fetch-kernel.sh $*

fetch: $(addprefix kernel-,$(SERIES)) ksft-headers

ksft-headers:
	@tools/vm/fetch-ksft.sh

$(addprefix module-,$(SERIES)): module-%: kernel-%
	@tools/vm/build-module.sh $*

modules-all: $(addprefix module-,$(SERIES))

# checkpatch.pl --strict on module/ and uapi/, no rule ignored (see
# tools/lint.sh for how uapi/ headers get checkpatch's include/uapi/ rules);
# sparse (C=2, a sparse built from Debian's newest source) against every
# kernel in KERNELS, and clang-19 W=1 against the last of them
# (tools/LINT.md). Each fails if its checker did not really run.
lint: ksft-headers $(addprefix kernel-,$(KERNELS))
	@tools/lint.sh
	@tools/lint-kernel.sh $(foreach k,$(KERNELS),$(CACHE)/kernels/$(k)/headers)
	@k=$(CACHE)/kernels/$(lastword $(KERNELS))/headers; \
	 if [ -d $$k-clang ]; then k=$$k-clang; fi; tools/lint-kernel.sh --clang $$k

selftests: ksft-headers
	$(MAKE) -C selftests TOP=$(TOP)

check:
	@tools/vm/check.sh --kernels "$(KERNELS)" $(if $(T),--test "$(T)")

# The debug kernel (tools/vm/README.md, "Debug kernel"): linux-source-6.1
# with KASAN, lockdep, kmemleak, UBSAN, DEBUG_LIST/OBJECTS and failslab,
# built once and cached in .cache/debug-kernel/.
#   make debug-kernel     build it (or find it cached)
#   make check-debug [T=test]
#                         semctl.ko against it (W=1), boot it, every selftest,
#                         rmmod, kmemleak scan, dmesg scan
.PHONY: debug-kernel check-debug check-debug-newest check-kcsan
debug-kernel:
	@tools/vm/debug-kernel.sh
# DEBUG_SOURCE=6.1|newest, DEBUG_FLAVOUR=kasan|kcsan (tools/vm/README.md);
# .ci/run runs the default (6.1, KASAN) only: the newest-source kernels take
# over 40 minutes each to build here.
DEBUG_SOURCE	?= 6.1
DEBUG_FLAVOUR	?= kasan
check-debug:
	@tools/vm/check-debug.sh --source $(DEBUG_SOURCE) --flavour $(DEBUG_FLAVOUR) \
		$(if $(T),--test "$(T)")
check-debug-newest:
	@$(MAKE) check-debug DEBUG_SOURCE=newest
check-kcsan:
	@$(MAKE) check-debug DEBUG_SOURCE=newest DEBUG_FLAVOUR=kcsan

DEMO_KERNEL = $(firstword $(if $(filter command line,$(origin KERNELS)),$(KERNELS),6.12))
demo: deps module-$(DEMO_KERNEL)
	$(MAKE) -C tools/demo
	tools/vm/run --kernel $(DEMO_KERNEL) --module $(CACHE)/build/$(DEMO_KERNEL)/module/semctl.ko \
		--timeout $${VM_TIMEOUT:-300} -- tools/demo/semctl-demo

CMD ?= sh
vm-shell-cmd: module-$(firstword $(KERNELS))
	tools/vm/run --kernel $(firstword $(KERNELS)) \
		--module $(CACHE)/build/$(firstword $(KERNELS))/module/semctl.ko -- sh -c '$(CMD)'

# Benchmarks (bench/README.md): semctl against eventfd, SysV, sem_t, futex
# and io_uring in QEMU; full run -> bench/results/latest.{md,png}.
.PHONY: bench bench-smoke
bench:
	bench/run.sh --kernels "$(KERNELS)"
bench-smoke:
	bench/run.sh --smoke --kernels "$(KERNELS)"

# Install on this machine (tools/pkg/, README "Install on your machine").
#
#   make install [KDIR=...] [INSTALL_MOD_PATH=/stage]
#                         semctl.ko into lib/modules/<kver>/extra/module/, depmod
#   make uninstall        the reverse
#   make install-autoload / uninstall-autoload [DESTDIR=...]
#                         /etc/modules-load.d/semctl.conf: load at boot
#   make dkms-install [DKMS_KERNELS="<kver>..."]
#                         source to /usr/src/semctl-<version>, then dkms add,
#                         build and install for every kernel with headers
#   make dkms-remove      dkms remove --all, and the /usr/src copy
#   make check-packages   build, lint, install and test the Debian packages
.PHONY: install uninstall install-autoload uninstall-autoload dkms-install \
	dkms-remove check-packages

SEMCTL_VERSION	:= $(shell cat $(TOP)/VERSION)
# The release the module is built for (Debian's 6.1 headers say "6.1.192" in
# include/config/kernel.release, but UTS_RELEASE is the real one).
KVER		 = $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' \
			$(KDIR)/include/generated/utsrelease.h)
INSTALL_MOD_PATH ?=
INSTALL_MOD_DIR	?= extra
DEPMOD		 = depmod $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $(KVER)
DKMS_SRC	:= /usr/src/semctl-$(SEMCTL_VERSION)
DKMS_KERNELS	?= $(shell for d in /lib/modules/*/build; do \
			[ -e "$$d/Makefile" ] && basename "$${d%/build}"; done)

# Distribution headers carry no signing key: install unsigned (Kbuild's
# modules_install would try CONFIG_MODULE_SIG_ALL's key and complain).
install: modules
	$(MAKE) -C $(KDIR) M=$(TOP) KERNELRELEASE=$(KVER) CONFIG_MODULE_SIG_ALL= \
		INSTALL_MOD_PATH=$(INSTALL_MOD_PATH) INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) \
		modules_install
	$(DEPMOD)

uninstall:
	rm -f $(INSTALL_MOD_PATH)/lib/modules/$(KVER)/$(INSTALL_MOD_DIR)/module/semctl.ko*
	-rmdir $(INSTALL_MOD_PATH)/lib/modules/$(KVER)/$(INSTALL_MOD_DIR)/module 2>/dev/null
	$(DEPMOD)

install-autoload:
	install -D -m 644 tools/pkg/modules-load.conf $(DESTDIR)/etc/modules-load.d/semctl.conf

uninstall-autoload:
	rm -f $(DESTDIR)/etc/modules-load.d/semctl.conf

dkms-install:
	@command -v dkms >/dev/null || { echo "dkms-install: apt-get install dkms" >&2; exit 1; }
	@if dpkg -S $(DKMS_SRC) >/dev/null 2>&1; then \
		echo "dkms-install: $(DKMS_SRC) belongs to a package (semctl-dkms?)" >&2; exit 1; fi
	@[ -n "$(DKMS_KERNELS)" ] || { echo "dkms-install: no kernel headers;" \
		"apt-get install linux-headers-$$(uname -r)" >&2; exit 1; }
	@if [ -n "$$(dkms status -m semctl -v $(SEMCTL_VERSION))" ]; then \
		dkms remove -m semctl -v $(SEMCTL_VERSION) --all; fi
	rm -rf $(DKMS_SRC)
	tools/pkg/dkms-source.sh $(DKMS_SRC) $(SEMCTL_VERSION)
	dkms add -m semctl -v $(SEMCTL_VERSION)
	@set -e; for k in $(DKMS_KERNELS); do \
		echo "dkms-install: kernel $$k"; \
		rc=0; dkms build -m semctl -v $(SEMCTL_VERSION) -k $$k || rc=$$?; \
		if [ $$rc = 77 ]; then echo "dkms-install: $$k skipped (BUILD_EXCLUSIVE)"; continue; fi; \
		[ $$rc = 0 ] || exit $$rc; \
		dkms install -m semctl -v $(SEMCTL_VERSION) -k $$k; \
	done
	dkms status -m semctl

dkms-remove:
	@if [ -n "$$(dkms status -m semctl -v $(SEMCTL_VERSION))" ]; then \
		echo "dkms remove -m semctl -v $(SEMCTL_VERSION) --all"; \
		dkms remove -m semctl -v $(SEMCTL_VERSION) --all; fi
	@if ! dpkg -S $(DKMS_SRC) >/dev/null 2>&1; then rm -rf $(DKMS_SRC); fi

check-packages:
	tools/pkg/check-packages.sh
