# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034,SC2154
#
# selftests/vmpass/qemu_mon.sh: a QEMU's HMP monitor on a unix socket
# (-monitor unix:SOCKET,server=on,wait=off), for the migration tests;
# sourced by qemu_serial.sh and mdev_card.sh, which define qpid and
# stop_qemu.

# mon SOCKET CMD...: HMP commands on that monitor; prints the replies
mon() {
	local sock=$1
	shift
	printf '%s\n' "$@" | socat -t 2 - UNIX-CONNECT:"$sock" 2>&1 | tr -d '\r'
}

# migrated SOCKET: that QEMU's migration completes (within 120 s); says
# why not
migrated() {
	local st end=$(($(date +%s) + 120))
	while [ "$(date +%s)" -lt "$end" ]; do
		st=$(mon "$1" "info migrate" | sed -nE 's/^(Migration s|S)tatus: //p' | tail -n 1)
		case $st in
		completed) return 0 ;;
		failed|cancelled) break ;;
		esac
		sleep 0.5
	done
	mon "$1" "info migrate" | sed 's/^/# /'
	return 1
}

# vm_status SOCKET STATUS: that QEMU's "info status" says "VM status:
# STATUS" (within 120 s)
vm_status() {
	local end=$(($(date +%s) + 120))
	while [ "$(date +%s)" -lt "$end" ]; do
		mon "$1" "info status" | grep -qx "VM status: $2" && return 0
		sleep 0.5
	done
	return 1
}

# quit_qemu SOCKET: the QEMU of qpid quits from that monitor (killed
# after 30 s)
quit_qemu() {
	local i
	mon "$1" quit > /dev/null
	for i in $(seq 60); do
		kill -0 "$qpid" 2>/dev/null || break
		sleep 0.5
	done
	stop_qemu
}
