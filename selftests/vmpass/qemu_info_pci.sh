#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# qemu_info_pci.sh BDF: start the host's unmodified QEMU (KVM, stopped
# before the first instruction) with the device passed through by
# vfio-pci, and print what its monitor's "info pci" shows.
printf 'info pci\nquit\n' |
	timeout 120 qemu-system-x86_64 -accel kvm -S -M q35 -m 128 -nodefaults \
		-display none -monitor stdio -device "vfio-pci,host=$1" 2>&1
