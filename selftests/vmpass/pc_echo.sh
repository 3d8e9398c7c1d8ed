# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# selftests/vmpass/pc_echo.sh: the disk image of the real-mode echo guest
# (tools/minivmm/guests/pc_echo.S), sourced by the tests that boot it in
# QEMU (qemu_serial.sh, qemu_libvirt.sh, mdev_card.sh); $top is the tree.

# shellcheck disable=SC2154
pc_echo_bin=$top/build/tools/guests/pc_echo.bin

pc_echo_byte() { printf '\\x%02x' $(($1 & 255)); }

# pc_echo_image FILE ENTRY...: the guest with its table. ENTRY is
# BASE:IRQ[:FLAGS]: BASE 0 for "COMn from the BIOS data area"; FLAGS,
# joined with "+": 7E1 (the guest sets 9600 7E1), PCI (BASE is the port's
# index on the PCI serial card, whose BAR0 and interrupt line the guest
# reads; IRQ is unused). Non-zero, with a message, on an unknown flag.
pc_echo_image() {
	local img=$1 e base irq flags f fl table
	shift
	cp "$pc_echo_bin" "$img" || return 1
	table="$(pc_echo_byte $#)$(pc_echo_byte 0)"
	for e in "$@"; do
		IFS=: read -r base irq flags <<< "$e"
		fl=0
		for f in ${flags//+/ }; do
			case $f in
			7E1) fl=$((fl | 1)) ;;
			PCI) fl=$((fl | 2)) ;;
			*) echo "pc_echo_image: unknown flag $f" >&2; return 1 ;;
			esac
		done
		table="$table$(pc_echo_byte "$base")$(pc_echo_byte $((base >> 8)))$(pc_echo_byte "$irq")$(pc_echo_byte "$fl")"
	done
	# shellcheck disable=SC2059
	printf "$table" | dd of="$img" bs=1 seek=512 conv=notrunc status=none
}
