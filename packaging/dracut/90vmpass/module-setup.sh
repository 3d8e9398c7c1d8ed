#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dracut module: load vmpass early so that vmpass.hide= and
# vmpass.guestdev= on the kernel command line take effect before the
# host's device drivers load. Installed as
# /usr/lib/dracut/modules.d/90vmpass/.
check() {
	return 0
}

depends() {
	return 0
}

installkernel() {
	hostonly='' instmods vmpass
}

install() {
	inst_hook pre-udev 10 "$moddir/vmpass-load.sh"
}
