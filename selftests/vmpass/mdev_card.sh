#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# selftests/vmpass/mdev_card.sh [nested] [echo] [migrate] [lifecycle]: the
# mediated PCI serial card, run in the test VM with vmpass loaded and ports
# without a legacy identity (scripts/vm-run --modparams "nr_ports=8" --
# ...), with unmodified QEMU as the VMM (Debian 12's; migrate: QEMU 10). Prints TAP; the exit status is
# non-zero if a case failed. Without arguments it runs nested and
# lifecycle.
#
#   nested     one nested boot (TCG inside the TCG test VM) of the same
#              Debian kernel with scripts/nested-initramfs, the card passed
#              with -device vfio-pci,sysfsdev=...: 8250_pci binds it,
#              setserial -g shows a 16550A per port, checksummed streams
#              each way between the nested ttySn and the host ttyVCOMn,
#              stty in the nested guest seen by stty -a on the host end,
#              then QEMU killed with SIGKILL mid-stream: the card and its
#              ports are reset and reusable
#   echo       the same card under a real-mode nested guest instead
#              (tools/minivmm/guests/pc_echo.S, booted by SeaBIOS in the
#              same QEMU, which takes seconds where a nested Linux takes
#              minutes): it finds the card through PCI config space (BAR0,
#              interrupt line) and echoes on every port, interrupt-driven,
#              checksummed streams each way; the 9600 7E1 it sets on port 1
#              shows in stty -a on the host end; then QEMU is killed with
#              SIGKILL mid-stream, and the card and its ports are reset and
#              reusable. make check runs it on the kernels whose VM boots
#              no nested Linux (scripts/check).
#   migrate    with QEMU 10 from bookworm-backports (scripts/qemu
#              backports, fetched into the cache by make check; Debian 12's
#              QEMU 7.2 cannot drive VFIO migration v2): the echo guest on a
#              2-port card with enable-migration=on streams MDEV_MIG_LEN
#              (65536) bytes each way; mid-stream it is migrated to a file
#              (migrate exec:...), its QEMU quits, and a new QEMU 10 loads
#              the file onto the same card (-incoming): every byte arrives
#              once and in order, and the guest's own counts agree
#   lifecycle  with QEMU -S (the device opened, no guest booted): create
#              and remove, remove while QEMU holds the card, rmmod while a
#              card exists, bad UUIDs, more ports than are free, mdevctl
#
# MDEV_PORTS (4, at least 2) is the card type of the nested and echo parts,
# MDEV_LEN (32768) the nested part's bytes each way per port,
# MDEV_NESTED_TIMEOUT (900) its limit for the boot in seconds of wall time,
# MDEV_ECHO_LEN (16384) the echo part's bytes each way per port.
cd "$(dirname "$0")/../.." || exit 1
top=$PWD
helper=$top/build/selftests/mdev_stream
echo_helper=$top/build/selftests/qemu_echo
parent=/sys/class/mdev_bus/${MDEV_PARENT:-vmpass}
prefix=${MDEV_TYPE_PREFIX:-vmpass-}
module=${MDEV_MODULE:-vmpass}
devs=/sys/bus/mdev/devices
nports=${MDEV_PORTS:-4}
len=${MDEV_LEN:-32768}
work=$(mktemp -d /tmp/mdev_card.XXXXXX)
qpid=""
epid=""

# shellcheck source=selftests/vmpass/tap.sh
. "$top/selftests/vmpass/tap.sh"
# shellcheck source=selftests/vmpass/pc_echo.sh
. "$top/selftests/vmpass/pc_echo.sh"
# shellcheck source=selftests/vmpass/qemu_mon.sh
. "$top/selftests/vmpass/qemu_mon.sh"
cleanup() {
	[ -n "$qpid" ] && kill -9 "$qpid" 2>/dev/null
	[ -n "$epid" ] && kill "$epid" 2>/dev/null
	for d in "$devs"/*; do
		[ -e "$d/remove" ] && echo 1 > "$d/remove" 2>/dev/null
	done
	rm -rf "$work"
}
trap cleanup EXIT

uuid() {	# uuid N: a fixed UUID per test card, so runs are reproducible
	printf '6d2a5c9e-0b1f-4c3e-9a6d-%012x\n' "$1"
}
create() {	# create UUID PORTS
	echo "$1" > "$parent/mdev_supported_types/$prefix$2/create"
}
remove() {	# remove UUID
	echo 1 > "$devs/$1/remove"
}
available() {	# available PORTS: the type's available_instances
	cat "$parent/mdev_supported_types/$prefix$1/available_instances"
}

# card_ttys UUID: the card's host ends, /dev/ttyVCOMn, one per line, in
# the order of its ports (BAR0 offset 0, 8, ...), from its vmpass/ports.
card_ttys() {
	local f=$devs/$1/vmpass/ports
	[ -r "$f" ] && tr ' ' '\n' < "$f" | sed -n 's|^\(ttyVCOM[0-9]*\)$|/dev/\1|p'
}

# nested_qemu UUID CONSOLE STEPS: the nested guest, in the background
# (sets qpid); scripts/nested-qemu has the command line.
nested_qemu() {
	"$top/scripts/nested-qemu" "$@" > "$work/qemu.log" 2>&1 &
	qpid=$!
}

# wait_for FILE PATTERN SECONDS: until a line of FILE matches (grep -E),
# for SECONDS of wall time
wait_for() {
	local end=$(($(date +%s) + $3))

	while :; do
		grep -aqE "$2" "$1" 2>/dev/null && return 0
		[ -n "$qpid" ] && ! kill -0 "$qpid" 2>/dev/null && { grep -aqE "$2" "$1"; return; }
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 1
	done
}

# boot_failure SECONDS STATE: one line on a nested boot that did not get
# to its first step: QEMU's state (running, or its exit status), and the last
# lines of its log and of the guest's console.
boot_failure() {
	local last
	last=$(tail -n 2 "$work/qemu.log" "$con" 2>/dev/null | grep -av '^==>\|^$' | tr -d '\r' | tr '\n' '|' | cut -c1-300)
	echo "the nested guest did not get to its steps in $1 s (QEMU $2; last lines: ${last:-none})"
}

# nested_running: true while the nested QEMU runs. Once it has ended
# before the test ended it, it reports that, once: a failed case with its
# exit status (0: the guest reset or powered off, as a panic does with
# panic=-1 -no-reboot; 128+n: signal n), then as comments the last lines
# of its log and of the guest's console and what the test VM's kernel said
# of it (an OOM kill, a segfault). qpid is kept, so that wait_for still
# returns at once.
nested_running() {
	local st=0
	[ -n "$qpid" ] || return 1
	kill -0 "$qpid" 2>/dev/null && return 0
	[ -n "$qgone" ] && return 1
	wait "$qpid" 2>/dev/null || st=$?
	qgone="exit status $st"
	echo "# the nested QEMU ended by itself at $(($(date +%s) - t0)) s wall: $qgone"
	not_ok "nested_qemu_runs" "it ended by itself ($qgone)"
	tail -n 5 "$work/qemu.log" 2>/dev/null | sed 's/^/# qemu: /'
	tail -n 25 "$con" 2>/dev/null | tr -d '\r' | sed 's/^/# nested console: /'
	nested_dmesg
	return 1
}
nested_dmesg() {	# the test VM's kernel on processes that died
	dmesg | grep -aiE 'qemu-system|oom|killed process|segfault|traps:' |
		tail -n 8 | sed 's/^/# dmesg: /'
}

# qemu_holds PID: QEMU has the card's VFIO device open (an fd of that
# process is the anon inode "[vfio-device]"); waits up to 60 s.
qemu_holds() {
	local i fd
	for i in $(seq 120); do
		for fd in /proc/"$1"/fd/*; do
			[ "$(readlink "$fd" 2>/dev/null)" = "anon_inode:[vfio-device]" ] && return 0
		done
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.5
	done
	return 1
}

stop_qemu() {
	[ -n "$qpid" ] || return 0
	kill -9 "$qpid" 2>/dev/null
	wait "$qpid" 2>/dev/null
	qpid=""
}

setup() {
	modprobe -a vfio vfio_iommu_type1 mdev 2>/dev/null
	if [ ! -d "$parent" ]; then
		not_ok "mdev_parent" "no $parent: vmpass registered no mdev parent"
		echo "1..$n"
		exit 1
	fi
	ok "mdev_parent" "$(ls "$parent/mdev_supported_types" | tr '\n' ' ')"
}

nested_attempt() {
	local u con out i t0 t_up ttys port free ack hpid="" state retried qgone=""
	echo "# selftest: mdev_nested ($(uname -r))"
	u=$(uuid 1)
	con=$work/nested.console
	"$top/scripts/nested-initramfs" > /dev/null || { not_ok "nested_initramfs"; return; }
	if ! create "$u" "$nports"; then
		not_ok "nested_create" "$prefix$nports: $(dmesg | grep vmpass: | tail -n 1)"
		return
	fi
	# shellcheck disable=SC2207
	ttys=($(card_ttys "$u"))
	check "nested_card_ttys" test "${#ttys[@]}" = "$nports"

	retried=${nested_retried:-}
	# The host ends open (raw) before the guest boots: nothing is lost.
	if [ "${#ttys[@]}" = "$nports" ]; then
		# Its deadline for the guest's token outlasts the boot's limit.
		MDEV_SYNC_TIMEOUT=$((${MDEV_NESTED_TIMEOUT:-900} + 120)) \
			"$helper" host "$len" "${ttys[@]}" > "$work/host.tap" 2>&1 &
		hpid=$!
	fi
	t0=$(date +%s)
	nested_qemu "$u" "$con" "stream:$len,stty,flood"
	if ! wait_for "$con" '^@@nested-step ' "${MDEV_NESTED_TIMEOUT:-900}"; then
		state=running
		if ! kill -0 "$qpid" 2>/dev/null; then
			wait "$qpid" 2>/dev/null
			state="exit status $?"
			qpid=""
			echo "# the nested QEMU ended by itself at $(($(date +%s) - t0)) s wall: $state"
		fi
		not_ok "nested_boot" "$(boot_failure $(($(date +%s) - t0)) "$state")$retried"
		sed 's/^/# /' "$work/qemu.log" "$con" | tail -n 30
		nested_dmesg
		stop_qemu
		kill "$hpid" 2>/dev/null
		wait "$hpid" 2>/dev/null
		remove "$u"
		return
	fi
	t_up=$(($(date +%s) - t0))
	ok "nested_boot" "first step at $t_up s wall; userspace at $(sed -n 's/^@@nested-up //p' "$con" | tr -d '\r') s uptime$retried"
	grep -a '^@@nested-' "$con" | tr -d '\r' | sed -n 's/^@@nested-\(driver\|ports\|setserial\) /# nested: /p'
	check "nested_8250_pci_binds" test "$(grep -ac '^@@nested-driver .* serial' "$con")" = "$nports"
	check "nested_setserial_16550A" test "$(grep -ac '^@@nested-setserial .*UART: 16550A' "$con")" = "$nports"

	# Streams: the host's end, then the guest's.
	if [ -n "$hpid" ]; then
		for i in $(seq 600); do
			kill -0 "$hpid" 2>/dev/null || break
			sleep 1
		done
		kill "$hpid" 2>/dev/null
		wait "$hpid" 2>/dev/null
	fi
	if grep -q '^not ok' "$work/host.tap"; then
		dump_ports
		wait_for "$con" '^@@nested-step stty' 180
	else
		wait_for "$con" '^@@nested-step stty' 600
	fi
	nested_running
	grep -a '^@@nested-serial ' "$con" | tr -d '\r' | sed 's/^@@nested-serial /# nested: /'
	grep -a '^@@nested-tap ' "$con" | tr -d '\r' | sed 's/^@@nested-tap //' > "$work/guest.tap"
	cat "$work/host.tap" "$work/guest.tap" > "$work/streams.tap" 2>/dev/null
	tap_relay nested_stream_ "$work/streams.tap"
	[ "$(grep -c '^ok ' "$work/streams.tap")" = $((4 * nports)) ] ||
		not_ok "nested_streams_complete" "expected $((4 * nports)) ok lines from both ends"

	# A line setting made in the nested guest, seen on the host end.
	if wait_for "$con" '^@@nested-stty ' 120 && [ -n "${ttys[0]:-}" ]; then
		sleep 1
		out=$(stty -a -F "${ttys[0]}")
		echo "# host: $(echo "$out" | head -n 2 | tr '\n' ' ')"
		check "nested_stty_speed" grep -q 'speed 19200 baud' <<< "$out"
		check "nested_stty_cs7_parenb_cstopb" stty_has "$out" cs7 parenb cstopb
		# The ack, until the guest moves on (one is enough).
		exec {ack}<> "${ttys[0]}"
		for i in $(seq 60); do
			printf 'A' >&"$ack"
			wait_for "$con" '^@@nested-step flood' 2 && break
		done
		exec {ack}>&-
	else
		not_ok "nested_stty" "the nested guest did not get to stty"
	fi

	# SIGKILL mid-stream: the guest floods port 0; bytes wait for the
	# guest on port 1 (it never reads them) when QEMU dies.
	if wait_for "$con" '^@@nested-step flood' 120 && [ -n "${ttys[0]:-}" ]; then
		out=$("$helper" drain "${ttys[0]}" 3000)
		check "nested_flood_flows" test "${out:-0}" -gt 0
		if [ -n "${ttys[1]:-}" ]; then
			printf 'bytes queued for the guest' > "${ttys[1]}"
			sleep 1
			i=${ttys[1]#/dev/ttyVCOM}
			check "sigkill_bytes_wait_for_the_guest" test "$(queued "$i")" -gt 0
		fi
	else
		not_ok "nested_flood_flows" "the nested guest did not get to flood"
	fi
	if nested_running; then
		kill -9 "$qpid"
		wait "$qpid" 2>/dev/null
		echo "# nested guest killed at $(($(date +%s) - t0)) s wall"
	fi
	qpid=""
	card_after_kill "$u" "${ttys[@]}"
	free=$(available 1)
	echo "# nested part done at $(($(date +%s) - t0)) s wall; vmpass-1 available_instances=$free"
}

# card_after_kill UUID TTY...: after QEMU was killed mid-stream, the card
# and its ports (the card's host ends TTY...) are reset and reusable.
card_after_kill() {
	local u=$1 port i out
	shift
	sleep 1
	check "sigkill_card_stays" test -e "$devs/$u"
	# The next VM gets the card: QEMU opens it again.
	qemu-system-x86_64 -S -M pc -accel tcg -nodefaults -display none -monitor none \
		-device "vfio-pci,sysfsdev=$devs/$u" > "$work/qemu2.log" 2>&1 &
	qpid=$!
	check "sigkill_card_reusable" qemu_holds "$qpid"
	stop_qemu
	check "sigkill_remove_completes" timeout 30 sh -c "echo 1 > $devs/$u/remove"
	# After the remove, /dev/vmpass gets the ports, reset: no byte of the
	# killed VM waiting (LSR.DR clear), IER and LCR at their reset values.
	for port in "$@"; do
		i=${port#/dev/ttyVCOM}
		out=$("$helper" peek "$i" 2>&1)
		echo "# port $i after the card: $out"
		check "sigkill_port${i}_reset" sh -c '[ "${1#*ier=0x00 lcr=0x00 }" != "$1" ] &&
			[ $(( 0x${1##*lsr=0x} & 1 )) = 0 ]' - "$out"
		check "sigkill_port${i}_nothing_for_the_next_guest" \
			test "$(port_field "$i" rx) $(port_field "$i" to_guest)" = "0 0"
	done
	# The ports are free again: the same UUID and type get the same ttys.
	if create "$u" "$nports"; then
		check "sigkill_recreate_same_ttys" test "$(card_ttys "$u" | tr '\n' ' ')" = "$* "
		remove "$u"
	else
		not_ok "sigkill_recreate_same_ttys" "create failed: $(dmesg | grep vmpass: | tail -n 1)"
	fi
}

# emulator_fault CONSOLE: the register dump that the nested guest's kernel
# died on (the last one before its first "Kernel panic", or the last one)
# has an EFLAGS no x86 CPU can hold (a reserved bit set: 3, 5, 15 or 22-31;
# or bit 1 clear), which only the emulation under it can produce; prints
# that line. An earlier dump (a warning the guest lived through) does not
# count, and neither does a later one.
emulator_fault() {
	local line v

	line=$(tr -d '\r' < "$1" 2>/dev/null | sed '/Kernel panic/q' |
		grep -aoE '^.*EFLAGS: [0-9a-f]{8,16}' | tail -n 1)
	[ -n "$line" ] || return 1
	v=$((0x${line##*EFLAGS: }))
	[ $((v & 0xffffffffffc08028)) != 0 ] || [ $((v & 2)) = 0 ] || return 1
	echo "${line#*] }"
}

# part_nested: the nested part, run again (at most 3 attempts) while the
# nested guest's kernel died of an emulator fault (see emulator_fault):
# TCG inside TCG here has panicked nested guests on such EFLAGS, once in
# start_kernel where no vmpass code runs (see testing.rst). The earlier
# attempts' lines follow as comments; the reasons are on the last one's
# nested_boot line. A nested QEMU that ends in any other way fails at once,
# and so does an attempt with a case failed before its QEMU ended, or after
# it in a way the guest's death does not explain (the card's release).
part_nested() {
	local out=$work/nested-attempt.tap why fault last attempt
	nested_retried=""
	for attempt in 1 2 3; do
		(nested_attempt) > "$out" 2>&1
		why=$(grep -a -m1 '^# the nested QEMU ended by itself' "$out" | sed 's/^# //')
		[ -n "$why" ] && [ "$attempt" != 3 ] || break
		# A case that failed before the end is a failure of its own, and
		# so is one after it that the guest's death does not explain.
		sed '/^# the nested QEMU ended by itself/q' "$out" | grep -aq '^not ok' && break
		sed '1,/^# the nested QEMU ended by itself/d' "$out" | grep -a '^not ok' |
			grep -avqE '^not ok [0-9]+ (nested_qemu_runs|nested_boot|nested_stream|nested_stty|nested_flood_flows|sigkill_bytes_wait_for_the_guest)' &&
			break
		fault=$(emulator_fault "$work/nested.console") || break
		echo "# mdev_nested: attempt $attempt: $why, the guest's kernel dying on an emulator fault ($fault); the nested part runs once more"
		sed "s/^/# attempt $attempt: /" "$out"
		nested_retried="$nested_retried (attempt $attempt: $why, on $fault)"
	done
	cat "$out"
	last=$(grep -aoE '^(not )?ok [0-9]+' "$out" | tail -n 1 | awk '{ print $NF }')
	[ -n "$last" ] && n=$last
	grep -aq '^not ok' "$out" && failed=1
}

# part_echo: the card under the real-mode echo guest (see the top).
part_echo() {
	local u con img entries="" ttys=() ttys7=() i t t0 out line
	echo "# selftest: mdev_echo ($(uname -r))"
	u=$(uuid 1)
	con=$work/echo.console
	img=$work/echo.img
	if ! create "$u" "$nports"; then
		not_ok "echo_create" "$prefix$nports: $(dmesg | grep vmpass: | tail -n 1)"
		return
	fi
	# shellcheck disable=SC2207
	ttys=($(card_ttys "$u"))
	check "echo_card_ttys" test "${#ttys[@]}" = "$nports"
	if [ "${#ttys[@]}" != "$nports" ] || [ "$nports" -lt 2 ]; then
		not_ok "echo_ports" "${#ttys[@]} host ends for a $nports-port card (2 or more needed)"
		remove "$u"
		return
	fi
	# Port i of the card, port 1 at 9600 7E1 (its stream 7 bits wide).
	for i in $(seq 0 $((nports - 1))); do
		if [ "$i" = 1 ]; then
			entries="$entries $i:0:PCI+7E1"
			ttys7+=("${ttys[$i]}:7")
		else
			entries="$entries $i:0:PCI"
			ttys7+=("${ttys[$i]}")
		fi
	done
	# shellcheck disable=SC2086
	if ! pc_echo_image "$img" $entries; then
		not_ok "echo_image"
		remove "$u"
		return
	fi
	: > "$con"
	t0=$(date +%s)
	qemu-system-x86_64 -M pc -accel tcg -m 16 -nodefaults -display none -monitor none \
		-drive file="$img",format=raw,if=ide \
		-chardev file,path="$con",id=con -device isa-debugcon,iobase=0xe9,chardev=con \
		-device isa-debug-exit,iobase=0xf4,iosize=1 \
		-device "vfio-pci,sysfsdev=$devs/$u" > "$work/qemu.log" 2>&1 &
	qpid=$!
	guest_ready echo_boot "$work/qemu.log" "$con" "$u" "$t0" || return
	line=$(grep -a -m1 '^pci ' "$con")
	echo "# guest: $line"
	# An I/O BAR0 of 8 bytes per port, naturally aligned, and an ISA IRQ.
	check "echo_guest_finds_the_card" sh -c 'n=$1; [ -n "$2" ] && set -- $2 &&
		[ $((0x$3)) -ne 0 ] && [ $((0x$3 % (n * 8))) = 0 ] &&
		[ $((0x$4)) -ge 1 ] && [ $((0x$4)) -le 15 ]' - "$nports" "$line"
	out=$(stty -a -F "${ttys[1]}")
	echo "# host: $(echo "$out" | head -n 2 | tr '\n' ' ')"
	check "echo_stty_9600" grep -q 'speed 9600 baud' <<< "$out"
	check "echo_stty_cs7_even_parity" stty_has "$out" cs7 parenb -parodd -cstopb
	"$echo_helper" stream "${MDEV_ECHO_LEN:-16384}" "${ttys7[@]}" > "$work/echo.tap" 2>&1
	tap_relay echo_stream_ "$work/echo.tap"
	check "echo_streams_complete" test "$(grep -c '^ok ' "$work/echo.tap")" = "$nports"

	# SIGKILL mid-stream: bytes still queued for the guest when QEMU dies
	# (QEMU is killed as soon as they are seen).
	"$echo_helper" stream 1000000 "${ttys[0]}" > /dev/null 2>&1 &
	epid=$!
	i=${ttys[0]#/dev/ttyVCOM}
	out=0
	for t in $(seq 400); do
		out=$(queued "$i")
		[ "$out" -gt 0 ] && break
		sleep 0.025
	done
	if kill -0 "$qpid" 2>/dev/null; then
		kill -9 "$qpid"
		wait "$qpid" 2>/dev/null
		echo "# echo guest killed at $(($(date +%s) - t0)) s wall, $out bytes queued for it"
	else
		not_ok "echo_qemu_runs" "it ended by itself: $(tail -n 3 "$work/qemu.log" | tr '\n' ' ')"
	fi
	check "sigkill_bytes_wait_for_the_guest" test "$out" -gt 0
	qpid=""
	kill "$epid" 2>/dev/null
	wait "$epid" 2>/dev/null
	epid=""
	card_after_kill "$u" "${ttys[@]}"
}

# guest_ready NAME LOG CONSOLE UUID T0: the echo guest of qpid, started at
# T0 on card UUID, says "ready" within 300 s; else NAME fails, with LOG
# and CONSOLE, QEMU is stopped and the card removed
guest_ready() {
	if wait_for "$3" '^ready' 300; then
		ok "$1" "ready at $(($(date +%s) - $5)) s wall"
		return 0
	fi
	not_ok "$1" "no \"ready\" from the guest in $(($(date +%s) - $5)) s"
	sed 's/^/# /' "$2" "$3" | tail -n 20
	stop_qemu
	remove "$4"
	return 1
}

# qemu10 LOG CONSOLE IMAGE UUID ARGS...: the echo guest under QEMU 10 on
# card UUID, with migration, in the background (sets qpid)
qemu10() {
	local log=$1 con=$2 img=$3 u=$4
	shift 4
	"$q10" -M pc -accel tcg -m 16 -nodefaults -display none \
		-drive file="$img",format=raw,if=ide \
		-chardev file,path="$con",id=con -device isa-debugcon,iobase=0xe9,chardev=con \
		-device isa-debug-exit,iobase=0xf4,iosize=1 \
		-monitor unix:"$con.mon",server=on,wait=off \
		-device "vfio-pci,sysfsdev=$devs/$u,enable-migration=on" "$@" > "$log" 2>&1 &
	qpid=$!
}

# migrate_abort UUID: after a failed save or load, end the streams rather
# than wait them out, and the QEMU and the card with them.
migrate_abort() {
	kill "$epid" 2>/dev/null
	wait "$epid" 2>/dev/null
	epid=""
	stop_qemu
	remove "$1"
}

part_migrate() {
	local u con=$work/mig.console con2=$work/mig2.console img=$work/mig.img
	local mlen=${MDEV_MIG_LEN:-65536} ttys=() st=0 t0 i got want out
	echo "# selftest: mdev_migrate ($(uname -r))"
	# Without VFIO_DEVICE_FEATURE_MIG_DATA_SIZE (the VFIO core has it
	# since 6.3), QEMU takes the card's stream to be 100 GiB, and a
	# migration never reaches its switchover.
	if grep -q '^/\* #undef VMPASS_HAVE_VFIO_MIG_GET_DATA_SIZE' \
		"$top/build/$(uname -r)/generated/conftest.h" 2>/dev/null; then
		ok "migrate_qemu10" "SKIP $(uname -r)'s VFIO cannot report the stream's size (MIG_DATA_SIZE): QEMU 10 waits for 100 GiB"
		return
	fi
	# The newest complete unpacking of scripts/qemu backports.
	q10=$(ls -d "${VMPASS_CACHE:-$HOME/.cache/vmpass}"/qemu-backports/*/.complete 2>/dev/null |
		sort -V | tail -n 1)
	[ -z "$q10" ] || q10=${q10%/.complete}/bin/qemu-system-x86_64
	if [ -z "$q10" ] || [ ! -x "$q10" ]; then
		not_ok "migrate_qemu10" "no QEMU from bookworm-backports in the cache (scripts/qemu backports)"
		return
	fi
	echo "# $("$q10" --version | head -n 1)"
	u=$(uuid 3)
	if ! create "$u" 2; then
		not_ok "migrate_create" "${prefix}2: $(dmesg | grep vmpass: | tail -n 1)"
		return
	fi
	# shellcheck disable=SC2207
	ttys=($(card_ttys "$u"))
	if [ "${#ttys[@]}" != 2 ] || ! pc_echo_image "$img" 0:0:PCI 1:0:PCI; then
		not_ok "migrate_card" "host ends: ${ttys[*]}"
		remove "$u"
		return
	fi
	: > "$con"
	t0=$(date +%s)
	qemu10 "$work/mig.log" "$con" "$img" "$u"
	guest_ready migrate_boot "$work/mig.log" "$con" "$u" "$t0" || return
	timeout 900 "$echo_helper" stream "$mlen" "${ttys[@]}" > "$work/mig.tap" 2>&1 &
	epid=$!
	sleep 5
	mon "$con.mon" stop "migrate -d exec:cat>$work/mig.state" > /dev/null
	if migrated "$con.mon"; then
		out=""
		for i in "${ttys[@]}"; do
			i=${i#/dev/ttyVCOM}
			out="$out ttyVCOM$i rx $(port_field "$i" rx) tx $(port_field "$i" tx) to_guest $(port_field "$i" to_guest) to_host $(port_field "$i" to_host);"
		done
		ok "migrate_saved" "$(stat -c %s "$work/mig.state") bytes;$out"
		check "migrate_saved_mid_stream" kill -0 "$epid"
		check "migrate_saved_bytes_in_flight" grep -qE '(rx|tx|to_guest|to_host) [1-9]' <<< "$out"
	else
		not_ok "migrate_saved" "the migration did not complete"
		sed 's/^/# QEMU: /' "$work/mig.log" | tail -n 10
		dmesg | grep -i 'vmpass\|vfio' | tail -n 10 | sed 's/^/# /'
		migrate_abort "$u"
		return
	fi
	quit_qemu "$con.mon"
	: > "$con2"
	qemu10 "$work/mig2.log" "$con2" "$img" "$u" -incoming "exec:cat $work/mig.state"
	# The guest was stopped when it was saved, so it is loaded paused.
	if vm_status "$con2.mon" paused; then
		mon "$con2.mon" cont > /dev/null
		check "migrate_loaded_and_running" vm_status "$con2.mon" running
	else
		not_ok "migrate_loaded_and_running" "$(mon "$con2.mon" "info status" | tr '\n' ' ')"
		sed 's/^/# new QEMU: /' "$work/mig2.log" | tail -n 10
		migrate_abort "$u"
		return
	fi
	wait "$epid" || st=$?
	epid=""
	tap_relay migrate_stream_ "$work/mig.tap"
	check "migrate_streams_complete" test "$st" = 0
	if [ "$st" != 0 ]; then
		dump_ports
		sed 's/^/# new QEMU: /' "$work/mig2.log" | tail -n 10
	fi
	"$echo_helper" break "${ttys[0]}"
	if wait_for "$con2" '^end' 60; then
		ok "migrate_guest_reports"
		sed 's/^/# guest: /' "$con2"
		want=$(printf '%08x' "$mlen")
		for i in 0 1; do
			got=$(sed -n "s/^port $(printf '%02x' $i) \\(.*\\)\$/\\1/p" "$con2")
			check "migrate_guest_port${i}_counts" test \
				"$(cut -d' ' -f3-4 <<< "$got")" = "$want $want"
		done
	else
		not_ok "migrate_guest_reports" "no \"end\" after a break on ${ttys[0]}"
		dump_ports
		sed 's/^/# new QEMU: /' "$work/mig2.log" | tail -n 5
		sed 's/^/# guest: /' "$con2" | tail -n 5
		mon "$con2.mon" "info status" "info pic" "info registers" | sed 's/^/# /' | tail -n 50
	fi
	stop_qemu
	remove "$u"
}

# The vmpass ports' state (registers, FIFOs, IRQ level), after a failure.
dump_ports() {
	local f=/sys/kernel/debug/vmpass/ports
	[ -r "$f" ] && sed 's/^/# debugfs: /' "$f"
}

# port_field INDEX COLUMN: one value of vmpass's debugfs port table
# (rx: bytes in the UART's receive FIFO, to_guest: bytes queued behind it).
port_field() {
	awk -v i="$1" -v c="$2" 'NR == 1 { for (k = 1; k <= NF; k++) if ($k == c) col = k; next }
		$1 == i { print $col }' /sys/kernel/debug/vmpass/ports
}

# stty_has SETTINGS FLAG...: stty -a's SETTINGS have each FLAG as a word
stty_has() {
	local settings=$1 f
	shift
	for f in "$@"; do
		tr ' ' '\n' <<< "$settings" | grep -qx -- "$f" || { echo "no $f in: $settings"; return 1; }
	done
}

# queued INDEX: the bytes waiting for the guest on port INDEX, in its RX
# FIFO and behind it (0 if the table has no such port).
queued() {
	local rx to
	rx=$(port_field "$1" rx)
	to=$(port_field "$1" to_guest)
	echo $((${rx:-0} + ${to:-0}))
}

# A card that QEMU holds (qemu -S: the device is open, no guest runs).
hold_card() {	# hold_card UUID
	qemu-system-x86_64 -S -M pc -accel tcg -nodefaults -display none -monitor none \
		-device "vfio-pci,sysfsdev=$devs/$1" > "$work/qemu-hold.log" 2>&1 &
	qpid=$!
	qemu_holds "$qpid"
}

part_lifecycle() {
	local u v w before real rpid i out msg t port free rest bad d
	echo "# selftest: mdev_lifecycle ($(uname -r))"
	u=$(uuid 2)
	v=$(uuid 3)
	w=$(uuid 4)

	for t in 1 2 4; do
		check "type_vmpass-${t}_attrs" sh -c "d=$parent/mdev_supported_types/$prefix$t
			test -s \$d/name && test -s \$d/description && test -r \$d/available_instances &&
			test \$(cat \$d/device_api) = vfio-pci"
	done

	# Create and remove.
	before=$(available 1)
	check "create" create "$u" 1
	check "create_shows" test -e "$devs/$u"
	check "create_takes_a_port" test "$(available 1)" = $((before - 1))
	check "card_lists_its_tty" test "$(card_ttys "$u" | wc -l)" = 1
	port=$(card_ttys "$u" | head -n 1)
	if [ -n "$port" ]; then
		out=$("$helper" peek "${port#/dev/ttyVCOM}" 2>&1)
		check "card_port_not_attachable" test "$out" = EBUSY
	fi
	check "create_same_uuid_fails" sh -c "! echo $u > $parent/mdev_supported_types/${prefix}1/create"
	check "remove" remove "$u"
	check "remove_gone" test ! -e "$devs/$u"
	check "remove_frees_the_port" test "$(available 1)" = "$before"

	# Remove while QEMU holds the card: blocks (VFIO asks QEMU through
	# .request), never yanks; once QEMU is gone, the remove completes.
	create "$u" 1
	before=$(available 1)
	real=$(readlink -f "$devs/$u")
	if hold_card "$u"; then
		ok "qemu_opens_card"
		(echo 1 > "$devs/$u/remove") 2> "$work/remove.err" &
		rpid=$!
		sleep 15
		if kill -0 "$rpid" 2>/dev/null; then
			ok "remove_while_held_blocks"
		elif [ -e "$devs/$u" ]; then
			ok "remove_while_held_refused" "$(cat "$work/remove.err")"
		else
			not_ok "remove_while_held_blocks_or_refuses" "the card went away under QEMU"
		fi
		# Not yanked: QEMU keeps its device fd, the card its device and
		# its port (the bus link goes first, as for any device_del).
		check "remove_while_held_qemu_keeps_it" qemu_holds "$qpid"
		check "remove_while_held_card_kept" test -d "$real"
		check "remove_while_held_port_kept" test "$(available 1)" = "$before"
		stop_qemu
		for i in $(seq 30); do
			kill -0 "$rpid" 2>/dev/null || break
			sleep 1
		done
		if kill -0 "$rpid" 2>/dev/null; then
			not_ok "remove_completes_after_qemu" "still blocked 30 s after QEMU died"
		else
			wait "$rpid" 2>/dev/null
			[ -e "$devs/$u" ] && remove "$u" 2>/dev/null
			check "remove_completes_after_qemu" test ! -e "$devs/$u"
		fi
	else
		not_ok "qemu_opens_card" "$(tail -n 3 "$work/qemu-hold.log")"
		stop_qemu
		remove "$u" 2>/dev/null
	fi

	# rmmod while a card exists is refused; the card and module stay.
	create "$u" 1
	check "rmmod_refused_with_card" sh -c "! rmmod $module 2>/dev/null"
	check "rmmod_refused_keeps_card" test -e "$devs/$u/remove"
	remove "$u"

	# Bad UUIDs: refused, nothing made, nothing taken.
	before=$(available 1)
	for bad in not-a-uuid 6d2a5c9e-0b1f-4c3e-9a6d 6d2a5c9e-0b1f-4c3e-9a6d-00000000000g ""; do
		check "bad_uuid_${bad:-empty}" sh -c "! echo '$bad' > $parent/mdev_supported_types/${prefix}1/create 2>/dev/null"
	done
	check "bad_uuid_nothing_made" test "$(available 1)" = "$before"

	# More ports than are free: the create fails with a message, and the
	# card that was there keeps its ports.
	free=$before
	msg=$(dmesg | wc -l)
	if [ "$free" -ge 1 ] && create "$u" 1; then
		rest=$((free - 1))
		check "available_after_1_port" test "$(available 1)" = "$rest"
		# A 4-port card when fewer than four are free; a 1-port card
		# when none is.
		if [ "$rest" -lt 4 ]; then
			check "too_many_ports_fails" sh -c "! echo $v > $parent/mdev_supported_types/${prefix}4/create 2>/dev/null"
		else
			while [ "$(available 1)" -gt 0 ]; do
				create "$(uuid $((10 + $(available 1))))" 1 || break
			done
			check "no_port_left_fails" sh -c "! echo $v > $parent/mdev_supported_types/${prefix}1/create 2>/dev/null"
		fi
		check "too_many_ports_nothing_made" test ! -e "$devs/$v"
		check "too_many_ports_says_why" sh -c "dmesg | tail -n +$((msg + 1)) | grep -q 'vmpass'"
		dmesg | tail -n +$((msg + 1)) | grep vmpass | tail -n 2 | sed 's/^/# /'
		check "too_many_ports_first_card_kept" test "$(card_ttys "$u" | wc -l)" = 1
		for d in "$devs"/*; do
			[ -e "$d/remove" ] && echo 1 > "$d/remove"
		done
		check "all_ports_free_again" test "$(available 1)" = "$free"
	else
		not_ok "too_many_ports" "no free port to start from (available_instances $free)"
	fi

	# mdevctl: a defined card, started, listed, stopped, undefined.
	if command -v mdevctl > /dev/null; then
		check "mdevctl_define" mdevctl define -u "$w" -p "$(basename "$(readlink -f "$parent")")" -t "${prefix}2"
		check "mdevctl_list_defined" sh -c "mdevctl list --defined | grep -q '^$w .*${prefix}2'"
		check "mdevctl_start" mdevctl start -u "$w"
		check "mdevctl_list_active" sh -c "mdevctl list | grep -q '^$w .*${prefix}2'"
		check "mdevctl_card_has_2_ttys" test "$(card_ttys "$w" | wc -l)" = 2
		check "mdevctl_stop" mdevctl stop -u "$w"
		check "mdevctl_stopped" test ! -e "$devs/$w"
		check "mdevctl_undefine" mdevctl undefine -u "$w"
	else
		not_ok "mdevctl" "mdevctl is not installed (scripts/deps)"
	fi

	# With no card left, vmpass unloads cleanly and comes back.
	check "rmmod_without_card" rmmod "$module"
	# shellcheck disable=SC2086
	check "insmod_again" insmod "$VMPASS_KO" $VMPASS_MODPARAMS
}

echo "TAP version 13"
parts=${*:-nested lifecycle}
echo "# selftest: mdev_card ($(uname -r))"
setup
for p in $parts; do
	"part_$p"
done
echo "1..$n"
exit $failed
