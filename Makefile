# SPDX-License-Identifier: GPL-2.0
#
# make                   build vmpass.ko for the running kernel, or else for
#                        the newest installed Debian headers
# make KVER=6.1|6.12     build against that Debian kernel's headers
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
#
# Each kernel gets its own output folder, build/<release>/.

TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))

ifneq ($(KVER),)
KRELEASE := $(shell $(TOP)/scripts/kver $(KVER))
KDIR ?= /usr/src/linux-headers-$(KRELEASE)
else
KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
		    /usr/src/linux-headers-$(shell $(TOP)/scripts/kver newest))
endif
KRELEASE := $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' \
		$(KDIR)/include/generated/utsrelease.h 2>/dev/null)
OUT := $(TOP)/build/$(KRELEASE)

MODULE_SRCS := Kbuild $(shell cd $(TOP) && find drivers include -name '*.[ch]')
TEST_MODULE_SRCS := Kbuild $(shell cd $(TOP)/selftests/vmpass && grep -l MODULE_LICENSE *.c)

VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' $(TOP)/dkms.conf)
PREFIX ?= /usr/local
DESTDIR ?=

.PHONY: all module modules test-modules tools clean check check-debug demo deps FORCE \
	install install-hooks dkms-install dkms-remove bench

all: module tools

module modules: $(OUT)/generated/conftest.h FORCE
	@test -n "$(KRELEASE)" || { echo "vmpass: no kernel headers in '$(KDIR)'" >&2; exit 1; }
	@$(TOP)/scripts/mirror-tree $(TOP) $(OUT) $(MODULE_SRCS)
	$(MAKE) -C $(KDIR) M=$(OUT) modules

# Test helper modules, next to vmpass.ko in build/<release>/selftests/.
test-modules: module
	@$(TOP)/scripts/mirror-tree $(TOP)/selftests/vmpass $(OUT)/selftests $(TEST_MODULE_SRCS)
	$(MAKE) -C $(KDIR) M=$(OUT)/selftests KBUILD_EXTRA_SYMBOLS=$(OUT)/Module.symvers modules

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
dkms-install:
	$(TOP)/scripts/deps
	rm -rf /usr/src/vmpass-$(VERSION)
	mkdir -p /usr/src/vmpass-$(VERSION)
	cd $(TOP) && cp -r --parents Kbuild Makefile dkms.conf scripts drivers include \
		/usr/src/vmpass-$(VERSION)/
	dkms add -m vmpass -v $(VERSION)
	for k in $$(ls -d /usr/src/linux-headers-*-amd64 | sed 's|.*/linux-headers-||'); do \
		dkms install -m vmpass -v $(VERSION) -k $$k || exit 1; \
	done

dkms-remove:
	-dkms remove -m vmpass -v $(VERSION) --all
	rm -rf /usr/src/vmpass-$(VERSION)

$(OUT)/generated/conftest.h: $(TOP)/scripts/conftest.sh $(wildcard $(TOP)/drivers/vmpass/conftest/*.c)
	@$(TOP)/scripts/conftest.sh $(KDIR) $(OUT)/conftest $@

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
