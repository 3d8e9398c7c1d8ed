#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# bdf2path and path2bdf round-trip for every PCI device (run in the VM).
status=0
for d in /sys/bus/pci/devices/*; do
	bdf=${d##*/}
	path=$(scripts/bdf2path "$bdf") || { status=1; continue; }
	back=$(scripts/path2bdf "$path")
	if [ "$back" != "$bdf" ]; then
		echo "$bdf -> $path -> $back" >&2
		status=1
	fi
done
exit $status
