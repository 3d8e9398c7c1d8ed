# SPDX-License-Identifier: GPL-2.0
#
# make                   build vmpass.ko for the running kernel, or else for
#                        the newest installed Debian headers
# make KVER=6.1|6.12     build against that Debian kernel's headers
# make KDIR=/path        build against any prepared kernel tree
# make check             every test: static checks, unit tests, VM selftests
# make demo              boot a VM and show vmpass at work
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

.PHONY: all module modules clean check demo deps FORCE

all: module

module modules: $(OUT)/generated/conftest.h FORCE
	@test -n "$(KRELEASE)" || { echo "vmpass: no kernel headers in '$(KDIR)'" >&2; exit 1; }
	@$(TOP)/scripts/mirror-tree $(TOP) $(OUT) $(MODULE_SRCS)
	$(MAKE) -C $(KDIR) M=$(OUT) modules
	@$(TOP)/scripts/mirror-tree $(TOP)/selftests/vmpass $(OUT)/selftests $(TEST_MODULE_SRCS)
	$(MAKE) -C $(KDIR) M=$(OUT)/selftests KBUILD_EXTRA_SYMBOLS=$(OUT)/Module.symvers modules

$(OUT)/generated/conftest.h: $(TOP)/scripts/conftest.sh $(wildcard $(TOP)/drivers/vmpass/conftest/*.c)
	@$(TOP)/scripts/conftest.sh $(KDIR) $(OUT)/conftest $@

clean:
	rm -rf $(TOP)/build

deps:
	@$(TOP)/scripts/deps

check:
	@$(TOP)/scripts/check

demo:
	@$(TOP)/scripts/demo
