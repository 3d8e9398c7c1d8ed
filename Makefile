# SPDX-License-Identifier: GPL-2.0
#
# make                   build vmpass.ko for the running kernel, or else for
#                        the newest Debian headers here (scripts/kver)
# make KVER=6.1|6.12|7.2 build against that Debian kernel's headers, which
#                        come into ~/.cache/vmpass (7.2: Debian sid's, built
#                        in a sid root, scripts/sid-kernel)
# make KDIR=/path        build against any prepared kernel tree
# make check             every test: static checks, unit tests, VM selftests
# make check-debug       the VM selftests on a KASAN/lockdep/kmemleak kernel
# make demo              boot a VM and show vmpass at work
# make bench             benchmarks in a VM, as ratios (bench/results.json)
# make install           the module (for KDIR), vmpassctl, the uapi header,
#                        and install-hooks: udev rule, modprobe.d example,
#                        initramfs-tools and dracut hooks
# make dkms-install      register with DKMS and build for every kernel that
#                        has headers; make dkms-remove undoes it
# make deb               the Debian packages vmpass-dkms and vmpass-tools,
#                        with dpkg-buildpackage, into build/deb/
#
# Each kernel gets its own output folder, build/<release>/.

TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))

# (Simply expanded: scripts/kver may fetch headers, so it runs once.)
ifeq ($(origin KDIR),undefined)
ifneq ($(KVER),)
KDIR := $(shell $(TOP)/scripts/kver --kdir $(KVER))
else
KDIR := $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
		    $(shell $(TOP)/scripts/kver --kdir newest))
endif
endif
KRELEASE := $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' \
		$(KDIR)/include/generated/utsrelease.h 2>/dev/null)
OUT := $(TOP)/build/$(KRELEASE)

# A tree inside the sid root (scripts/sid-kernel: kbuild binaries that need
# sid's libc) is built in that root, where it is /usr/src/<name>.
KROOT := $(abspath $(KDIR)/../../..)
ifneq ($(wildcard $(KROOT)/.vmpass-root),)
KRUN := $(TOP)/scripts/sid-kernel exec
KTREE := $(patsubst $(KROOT)%,%,$(abspath $(KDIR)))
KPREFIX := $(KROOT)
else
KRUN :=
KTREE := $(KDIR)
KPREFIX :=
endif

# Debian's 7.x headers lack scripts/checker-valid.sh, with which kbuild
# asks whether sparse works, so it drops C=1/C=2 ("sparse is not available
# or not up to date") even when sparse is there: ask for sparse directly.
KSRC := $(KPREFIX)$(shell sed -n 's|^include \(/.*\)/Makefile$$|\1|p' $(KDIR)/Makefile 2>/dev/null)
KFLAGS :=
ifneq ($(C),)
ifneq ($(shell grep -s -l checker-valid.sh $(KSRC)/Makefile),)
ifeq ($(wildcard $(KSRC)/scripts/checker-valid.sh),)
KFLAGS += KBUILD_CHECKSRC=$(C)
endif
endif
endif

MODULE_SRCS := Kbuild $(shell cd $(TOP) && find drivers include -name '*.[ch]')
TEST_MODULE_SRCS := Kbuild $(shell cd $(TOP)/selftests/vmpass && grep -l MODULE_LICENSE *.c)

# The one version: dkms.conf, debian/changelog and MODULE_VERSION follow it
# (scripts/check-version says whether they do).
VERSION := $(shell cat $(TOP)/VERSION)
MODULE_SRCS += VERSION
PREFIX ?= /usr/local
DESTDIR ?=

.PHONY: all module modules test-modules tools clean check check-debug demo deps FORCE \
	install install-hooks dkms-install dkms-remove dkms-source deb bench

all: module tools

module modules: $(OUT)/generated/conftest.h FORCE
	@test -n "$(KRELEASE)" || { echo "vmpass: no kernel headers in '$(KDIR)'" >&2; exit 1; }
	@$(TOP)/scripts/mirror-tree $(TOP) $(OUT) $(MODULE_SRCS)
	$(KRUN) $(MAKE) -C $(KTREE) M=$(OUT) $(KFLAGS) modules

# Test helper modules, next to vmpass.ko in build/<release>/selftests/.
test-modules: module
	@$(TOP)/scripts/mirror-tree $(TOP)/selftests/vmpass $(OUT)/selftests $(TEST_MODULE_SRCS)
	$(KRUN) $(MAKE) -C $(KTREE) M=$(OUT)/selftests KBUILD_EXTRA_SYMBOLS=$(OUT)/Module.symvers \
		$(KFLAGS) modules

tools:
	$(MAKE) -C $(TOP)/tools/vmpassctl
	$(MAKE) -C $(TOP)/tools/minivmm

install: module
	$(MAKE) -C $(TOP)/tools/vmpassctl
	install -D -m 644 $(OUT)/vmpass.ko $(DESTDIR)/lib/modules/$(KRELEASE)/updates/vmpass.ko
	test -n "$(DESTDIR)" || depmod -a $(KRELEASE)
	install -D -m 755 $(TOP)/build/tools/vmpassctl $(DESTDIR)$(PREFIX)/sbin/vmpassctl
	install -D -m 644 $(TOP)/Documentation/vmpass/vmpassctl.1 \
		$(DESTDIR)$(PREFIX)/share/man/man1/vmpassctl.1
	install -D -m 644 $(TOP)/include/uapi/linux/vmpass.h $(DESTDIR)$(PREFIX)/include/linux/vmpass.h
	$(MAKE) -C $(TOP) install-hooks

# The system files around the module (also for a DKMS install).
install-hooks:
	install -D -m 644 $(TOP)/packaging/udev/60-vmpass.rules \
		$(DESTDIR)/etc/udev/rules.d/60-vmpass.rules
	install -D -m 644 $(TOP)/packaging/modprobe.d/vmpass.conf.example \
		$(DESTDIR)/etc/modprobe.d/vmpass.conf.example
	install -D -m 755 $(TOP)/packaging/initramfs-tools/hooks/vmpass \
		$(DESTDIR)/etc/initramfs-tools/hooks/vmpass
	install -D -m 755 $(TOP)/packaging/initramfs-tools/scripts/init-top/load_vmpass \
		$(DESTDIR)/etc/initramfs-tools/scripts/init-top/load_vmpass
	install -D -m 755 $(TOP)/packaging/dracut/90vmpass/module-setup.sh \
		$(DESTDIR)/usr/lib/dracut/modules.d/90vmpass/module-setup.sh
	install -D -m 755 $(TOP)/packaging/dracut/90vmpass/vmpass-load.sh \
		$(DESTDIR)/usr/lib/dracut/modules.d/90vmpass/vmpass-load.sh

# The source tree DKMS builds from: what git tracks, without the tests.
# DKMS_KDIRS: the kernel trees to build for (default: every Debian headers
# tree installed); DKMS_SRCDIR and DKMS_ARGS (--dkmstree, --sourcetree,
# --installtree...) let make check use a private DKMS tree.
DKMS_KDIRS ?= $(wildcard /usr/src/linux-headers-*-amd64)
DKMS_SRCDIR ?= /usr/src
DKMS_ARGS ?=
dkms-install:
	$(TOP)/scripts/deps
	rm -rf $(DKMS_SRCDIR)/vmpass-$(VERSION)
	mkdir -p $(DKMS_SRCDIR)/vmpass-$(VERSION)
	cd $(TOP) && cp -r --parents Kbuild Makefile VERSION dkms.conf scripts drivers include \
		$(DKMS_SRCDIR)/vmpass-$(VERSION)/
	dkms add $(DKMS_ARGS) -m vmpass -v $(VERSION)
	for d in $(DKMS_KDIRS); do \
		k=$$(sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' $$d/include/generated/utsrelease.h); \
		dkms install $(DKMS_ARGS) -m vmpass -v $(VERSION) -k $$k --kernelsourcedir $$d; \
		st=$$?; [ $$st = 0 ] || [ $$st = 77 ] || exit 1; \
	done

dkms-remove:
	-dkms remove $(DKMS_ARGS) -m vmpass -v $(VERSION) --all
	rm -rf $(DKMS_SRCDIR)/vmpass-$(VERSION)

# Always asked: conftest.sh rewrites the header only when the kernel tree
# or the conftests changed (it records the tree's identity).
$(OUT)/generated/conftest.h: FORCE
	@$(KRUN) $(TOP)/scripts/conftest.sh $(KTREE) $(OUT)/conftest $@

clean:
	rm -rf $(TOP)/build

deps:
	@$(TOP)/scripts/deps

check:
	@$(TOP)/scripts/check

# The VM selftests, KUnit and a kmemleak scan on the debug kernel (built
# and cached by scripts/build-debug-kernel the first time, ~15-30 min).
check-debug:
	@CHECK_DEBUG=only $(TOP)/scripts/check

demo:
	@$(TOP)/scripts/demo

# Benchmarks (not part of check): ratios against the limits and a peer.
bench:
	@$(TOP)/bench/run

# What DKMS builds from, as the vmpass-dkms package ships it in
# /usr/src/vmpass-VERSION: the module's sources and the scripts its build runs.
DKMS_SRC ?= $(TOP)/build/dkms/vmpass-$(VERSION)
dkms-source:
	mkdir -p $(DKMS_SRC)/scripts
	cd $(TOP) && cp -r --parents Kbuild Makefile VERSION dkms.conf drivers include $(DKMS_SRC)/
	cd $(TOP) && cp scripts/conftest.sh scripts/mirror-tree scripts/kver $(DKMS_SRC)/scripts/

# Debian packages, built by dpkg-buildpackage in a copy of the tree (its
# output goes to the copy's parent folder, build/deb/). The build
# dependencies are installed with apt-get when they are missing.
DEB_TREE := $(TOP)/build/deb/vmpass-$(VERSION)
DEB_BUILD_DEPS := build-essential debhelper dh-dkms
SUDO = $(if $(filter 0,$(shell id -u)),,sudo)
deb:
	@{ command -v dpkg-checkbuilddeps && cd $(TOP) && dpkg-checkbuilddeps; } > /dev/null 2>&1 || { \
		echo "make deb: installing $(DEB_BUILD_DEPS)"; \
		$(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q --no-install-recommends $(DEB_BUILD_DEPS); }
	rm -rf $(TOP)/build/deb
	mkdir -p $(DEB_TREE)
	cd $(TOP) && { git ls-files -z --cached --others --exclude-standard 2>/dev/null || \
		find . -path ./build -prune -o -path ./.git -prune -o -type f -printf '%P\0'; } | \
		xargs -0 sh -c 'for f; do [ -e "$$f" ] && printf "%s\0" "$$f"; done' sh | \
		cpio -0 -pdm --quiet $(DEB_TREE)
	cd $(DEB_TREE) && dpkg-buildpackage -b -uc -us
	@ls -1 $(TOP)/build/deb/*.deb
