#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# selftests/vmpass/qemu_serial.sh [tcg|kvm]: QEMU's vmpass-serial device
# (qemu/*.patch, built by scripts/build-qemu on the host before the VM
# starts), run in the test VM with vmpass loaded as
#   nr_ports=9 io=0x3f8,0x2f8,0x3e8,0x2e8,0x2a0,0x2a8,0x2b0,0x2b8
#   irq=4,3,5,7,9,10,11,11
# (COM1-COM4 on IRQs 4, 3, 5 and 7; COM5-COM8 on the IRQs -M isapc leaves
# free, 9, 10 and 11, the last two sharing 11; ttyVCOM8 has no identity).
# The guest is tools/minivmm/guests/pc_echo.S, booted from a disk image by
# Debian's SeaBIOS on -M isapc -nodefaults. Prints TAP; the exit status is
# non-zero if a case failed.
#
#   tcg (default)  QEMU refuses bad configurations with a clear message;
#                  8 ports echo QEMU_SERIAL_LEN (16384) bytes each way at
#                  once, checksummed, interrupt-driven; then each port
#                  alone, carried by its own IRQ only; 9600 7E1 set by
#                  the guest on COM3 shows in stty -a; a setserial remap
#                  before QEMU starts moves the ports and the guest finds
#                  them through the BIOS, each host end at its COM port;
#                  COM1 and COM2 streaming, migrated to a file mid-stream
#                  twice: the source goes on after the first (a
#                  snapshot), and a new QEMU loads the second
#   kvm            the 8-port echo under -accel kvm, where the interrupts
#                  go through KVM_IRQFD (needs /dev/kvm: -cpu max)
cd "$(dirname "$0")/../.." || exit 1
top=$PWD
mode=${1:-tcg}
len=${QEMU_SERIAL_LEN:-16384}
solo=${QEMU_SERIAL_SOLO:-256}	# port i alone: solo + 16 * i bytes each way
helper=$top/build/selftests/qemu_echo
work=$(mktemp -d /tmp/qemu_serial.XXXXXX)
qpid=""
hpid=""

# shellcheck source=selftests/vmpass/tap.sh
. "$top/selftests/vmpass/tap.sh"
# shellcheck source=selftests/vmpass/pc_echo.sh
. "$top/selftests/vmpass/pc_echo.sh"
# shellcheck source=selftests/vmpass/qemu_mon.sh
. "$top/selftests/vmpass/qemu_mon.sh"
cleanup() {
	[ -n "$qpid" ] && kill -9 "$qpid" 2>/dev/null
	[ -n "$hpid" ] && kill "$hpid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

echo "# selftest: qemu_serial"
if ! qemu=$("$top/scripts/build-qemu" --path); then
	not_ok "patched QEMU present" "run scripts/build-qemu on the host"
	exit 1
fi
bios="-L /usr/share/seabios -L /usr/share/qemu"
case $mode in
kvm)
	accel=${QEMU_SERIAL_ACCEL:-"-accel kvm -cpu max"}
	delivery=kvm-irqfd
	;;
*)
	accel="-accel tcg"
	delivery=main-loop
	;;
esac

# The module's identities, as the test expects them.
bases=(0x3f8 0x2f8 0x3e8 0x2e8 0x2a0 0x2a8 0x2b0 0x2b8)
irqs=(4 3 5 7 9 10 11 11)

# qemu_start LOG DEBUGCON IMAGE DEVICE-ARGS...: the guest, in the background
qemu_start() {
	local log=$1 con=$2 img=$3
	shift 3
	# shellcheck disable=SC2086
	"$qemu" -M isapc -nodefaults -display none $accel $bios -m 4 \
		-drive file="$img",format=raw,if=ide \
		-chardev file,path="$con",id=con -device isa-debugcon,iobase=0xe9,chardev=con \
		-device isa-debug-exit,iobase=0xf4,iosize=1 \
		-monitor unix:"$con.mon",server=on,wait=off \
		"$@" > "$log" 2>&1 &
	qpid=$!
}

# wait_for FILE PATTERN SECONDS: until a line of FILE matches (grep -E)
wait_for() {
	local i
	for i in $(seq $(($3 * 2))); do
		grep -aqE "$2" "$1" 2>/dev/null && return 0
		[ -n "$qpid" ] && ! kill -0 "$qpid" 2>/dev/null && { grep -aqE "$2" "$1"; return; }
		sleep 0.5
	done
	return 1
}

# refuses NAME PATTERN DEVICE-ARGS...: QEMU exits non-zero at once, with a
# message that matches PATTERN
refuses() {
	local name=$1 pat=$2 out st=0
	shift 2
	# shellcheck disable=SC2086
	out=$(timeout 60 "$qemu" -M isapc -nodefaults -display none -accel tcg $bios -S "$@" 2>&1) || st=$?
	if [ "$st" != 0 ] && [ "$st" != 124 ] && grep -qE "$pat" <<< "$out"; then
		ok "$name" "$(head -n 1 <<< "$out")"
	else
		not_ok "$name" "exit status $st"
		printf '%s\n' "$out" | sed 's/^/# /'
	fi
}

# echo_run NAME TTYS ENTRIES DEVICE-ARGS: boot, check the guest's view,
# echo LEN bytes each way through TTYS (TTY[:7], the host end of each
# guest port in ENTRIES' order) at once, then through each alone, break,
# check its report
echo_run() {
	local name=$1 ttys=$2 entries=$3 img=$work/$1.img con=$work/$1.con log=$work/$1.log
	local start line i e t base irq want got
	shift 3
	# shellcheck disable=SC2086
	if ! pc_echo_image "$img" $entries; then
		not_ok "$name: the guest's image"
		return
	fi
	start=$(date +%s)
	qemu_start "$log" "$con" "$img" "$@"
	if ! wait_for "$con" '^ready' 300; then
		not_ok "$name: guest boots and sets up its ports"
		sed 's/^/# /' "$log" "$con"
		stop_qemu
		return
	fi
	ok "$name: guest boots and sets up its ports" "$(($(date +%s) - start)) s"
	$ready_hook "$name"
	# How each device delivers its interrupt (the irq-delivery property).
	got=$(for i in $(seq 0 $(($(wc -w <<< "$entries") - 1))); do
		echo "qom-get /machine/peripheral/vs$i irq-delivery"
	done | socat -t 5 - UNIX-CONNECT:"$con.mon" 2>&1 | tr -d '\r"' |
		grep -xE 'kvm-irqfd|main-loop|none' | sort | uniq -c | xargs)
	if [ "$(awk '{ print $1 }' <<< "$got")" = "$(wc -w <<< "$entries")" ] &&
	   [ "$(awk '{ print $2 }' <<< "$got")" = "$delivery" ]; then
		ok "$name: every device's interrupt goes through $delivery"
	else
		not_ok "$name: every device's interrupt goes through $delivery" "got: $got"
	fi
	# shellcheck disable=SC2086
	if ! timeout 900 "$helper" stream "$len" $ttys > "$work/$name.echo" 2>&1; then
		# The ports' state, for the report (QEMU still runs).
		mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug 2>/dev/null
		sed 's/^/# ports: /' /sys/kernel/debug/vmpass/ports 2>/dev/null
		# ... and the guest's 8259s (QEMU reads KVM's in-kernel ones).
		echo "info pic" | socat -t 5 - UNIX-CONNECT:"$con.mon" 2>&1 |
			tr -d '\r' | grep -a 'pic[01]:' | sed 's/^/# pic: /'
	fi
	tap_relay "$name: " "$work/$name.echo"
	# Then each port alone, with a volume of its own. The other ports are
	# idle, the other IRQs masked, and the guest's handler of an IRQ serves
	# only the ports on that IRQ: the echo completes only through this
	# port's own interrupt (COM8 without COM7 on their shared IRQ 11), and
	# the guest's byte counts below show which host end is which guest port.
	i=0
	for t in $ttys; do
		irq=$(awk -v n=$((i + 1)) '{ split($n, f, ":"); print f[2] }' <<< "$entries")
		if timeout 300 "$helper" stream $((solo + 16 * i)) "$t" > "$work/$name.solo" 2>&1; then
			ok "$name: port $i alone through ${t%%:*}, served on its IRQ $irq" \
				"$(sed -n 's/^ok 1 echo [^#]*# //p' "$work/$name.solo")"
		else
			not_ok "$name: port $i alone through ${t%%:*}, served on its IRQ $irq"
			sed 's/^/# /' "$work/$name.solo"
		fi
		i=$((i + 1))
	done
	# shellcheck disable=SC2086
	set -- $ttys
	"$helper" break "${1%%:*}"
	if ! wait_for "$con" '^end' 60 || ! wait_qemu 60; then
		not_ok "$name: guest reports and QEMU exits"
		sed 's/^/# /' "$log" "$con"
		stop_qemu
		return
	fi
	ok "$name: guest reports and QEMU exits" "$(($(date +%s) - start)) s in all"
	sed 's/^/# guest: /' "$con"
	# Every port moved LEN + its solo volume each way, so each host end
	# reached the guest port it should (7E1: the volume all the same) ...
	i=0
	for e in $entries; do
		want=$(printf '%08x' $((len + solo + 16 * i)))
		got=$(sed -n "s/^port $(printf '%02x' $i) \\(.*\\)\$/\\1/p" "$con")
		if [ "$(cut -d' ' -f3 <<< "$got")" = "$want" ] &&
		   [ "$(cut -d' ' -f4 <<< "$got")" = "$want" ]; then
			ok "$name: port $i ($(cut -d' ' -f1-2 <<< "$got")) received and sent $((0x$want)) bytes"
		else
			not_ok "$name: port $i received and sent $((0x$want)) bytes" "guest: $got"
		fi
		i=$((i + 1))
	done
	# ... and each IRQ's handler ran (the solo runs need it; this counts).
	for irq in $(for e in $entries; do cut -d: -f2 <<< "$e"; done | sort -nu); do
		got=$(sed -n "s/^irq $(printf '%02x' "$irq") \\([0-9a-f]*\\)\$/\\1/p" "$con")
		if [ -n "$got" ] && [ $((0x$got)) -gt 0 ]; then
			ok "$name: IRQ $irq handler ran" "$((0x$got)) times"
		else
			not_ok "$name: IRQ $irq handler ran" "never"
		fi
	done
}

wait_qemu() {	# wait_qemu SECONDS: QEMU exits (isa-debug-exit: status 1)
	local i st=0
	for i in $(seq $(($1 * 2))); do
		kill -0 "$qpid" 2>/dev/null || break
		sleep 0.5
	done
	kill -0 "$qpid" 2>/dev/null && return 1
	wait "$qpid" || st=$?
	qpid=""
	[ "$st" = 1 ]
}
stop_qemu() {
	[ -n "$qpid" ] || return 0
	kill -9 "$qpid" 2>/dev/null
	wait "$qpid" 2>/dev/null
	qpid=""
}

# in_flight PORT...: "ttyVCOMn rx R tx T to_guest G to_host H" for each
# port, from the ports table (debugfs)
in_flight() {
	mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug 2>/dev/null
	awk -v want=" $* " 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		index(want, " " $col["port"] " ") {
			printf "ttyVCOM%s rx %s tx %s to_guest %s to_host %s; ", $col["port"],
				$col["rx"], $col["tx"], $col["to_guest"], $col["to_host"]
		}' /sys/kernel/debug/vmpass/ports
}

# migrate_run: the echo guest on COM1 and COM2 (ttyVCOM0 and 1) streams
# MIG_LEN bytes each way. Mid-stream its QEMU saves it to a file and goes
# on, as after a snapshot; later it saves it again and quits, and a new
# QEMU loads that file and runs it. The ports' state (both FIFOs, both
# buffers, the interrupt) goes with the file: every byte arrives once
# and in order, and the guest's own counts agree.
migrate_run() {
	local name=migrate img=$work/mig.img con=$work/mig.con con2=$work/mig2.con
	local mlen=${QEMU_SERIAL_MIG_LEN:-262144} st=0 i e got want fl
	# shellcheck disable=SC2054
	local mdevs=(-device vmpass-serial,id=vs0,iobase=0x3f8 -device vmpass-serial,id=vs1,iobase=0x2f8)

	if ! pc_echo_image "$img" 0x3f8:4 0x2f8:3; then
		not_ok "$name: the guest's image"
		return
	fi
	qemu_start "$work/mig.log" "$con" "$img" "${mdevs[@]}"
	if ! wait_for "$con" '^ready' 300; then
		not_ok "$name: guest boots and sets up its ports"
		sed 's/^/# /' "$work/mig.log" "$con"
		stop_qemu
		return
	fi
	timeout 900 "$helper" stream "$mlen" /dev/ttyVCOM0 /dev/ttyVCOM1 > "$work/mig.echo" 2>&1 &
	hpid=$!
	sleep 3

	# 1. Saved mid-stream; the port stays frozen until the vCPUs run.
	mon "$con.mon" "migrate -d exec:cat>$work/mig1.state" > /dev/null
	if migrated "$con.mon"; then
		fl=$(in_flight 0 1)
		if grep -qE 'to_guest [1-9]|to_host [1-9]|rx [1-9]|tx [1-9]' <<< "$fl"; then
			ok "$name: saved mid-stream, bytes in flight" "$fl$(stat -c %s "$work/mig1.state") bytes"
		else
			not_ok "$name: saved mid-stream, bytes in flight" "nothing in flight: $fl"
		fi
		sleep 2
		if [ "$(in_flight 0 1)" = "$fl" ]; then
			ok "$name: the saved ports stay frozen while the guest is stopped"
		else
			not_ok "$name: the saved ports stay frozen while the guest is stopped" \
				"was: $fl now: $(in_flight 0 1)"
		fi
	else
		not_ok "$name: saved mid-stream, bytes in flight" "the migration did not complete"
	fi
	mon "$con.mon" cont > /dev/null
	sleep 3

	# 2. Saved again, the old QEMU quits, a new one loads the file.
	mon "$con.mon" "migrate -d exec:cat>$work/mig2.state" > /dev/null
	if migrated "$con.mon"; then
		fl=$(in_flight 0 1)
		if ! kill -0 "$hpid" 2>/dev/null; then
			not_ok "$name: saved again mid-stream, bytes in flight" \
				"the stream had ended: make QEMU_SERIAL_MIG_LEN larger"
		elif grep -qE 'to_guest [1-9]|to_host [1-9]|rx [1-9]|tx [1-9]' <<< "$fl"; then
			ok "$name: saved again mid-stream, bytes in flight" "$fl$(stat -c %s "$work/mig2.state") bytes"
		else
			not_ok "$name: saved again mid-stream, bytes in flight" "nothing in flight: $fl"
		fi
	else
		not_ok "$name: saved again mid-stream, bytes in flight" "the migration did not complete"
	fi
	quit_qemu "$con.mon"
	qemu_start "$work/mig2.log" "$con2" "$img" "${mdevs[@]}" -incoming "exec:cat $work/mig2.state"
	if vm_status "$con2.mon" running; then
		ok "$name: a new QEMU loads the file and runs the guest"
	else
		not_ok "$name: a new QEMU loads the file and runs the guest" \
			"$(mon "$con2.mon" "info status" "info migrate" | tr '\n' ' ')"
	fi
	wait "$hpid" || st=$?
	hpid=""
	tap_relay "$name: after two saves, one of them restored in a new QEMU: " "$work/mig.echo"
	if [ "$st" != 0 ]; then
		sed 's/^/# ports: /' /sys/kernel/debug/vmpass/ports 2>/dev/null
		sed 's/^/# new QEMU: /' "$work/mig2.log"
	fi
	"$helper" break /dev/ttyVCOM0
	if ! wait_for "$con2" '^end' 60 || ! wait_qemu 60; then
		not_ok "$name: the restored guest reports and QEMU exits"
		sed 's/^/# /' "$work/mig2.log" "$con2"
		stop_qemu
		return
	fi
	ok "$name: the restored guest reports and QEMU exits"
	sed 's/^/# guest: /' "$con2"
	# The guest's counts came through both saves with its memory.
	want=$(printf '%08x' "$mlen")
	i=0
	for e in 0x3f8:4 0x2f8:3; do
		got=$(sed -n "s/^port $(printf '%02x' $i) \\(.*\\)\$/\\1/p" "$con2")
		if [ "$(cut -d' ' -f3 <<< "$got")" = "$want" ] &&
		   [ "$(cut -d' ' -f4 <<< "$got")" = "$want" ]; then
			ok "$name: the guest's port $i ($e) received and sent $mlen bytes"
		else
			not_ok "$name: the guest's port $i ($e) received and sent $mlen bytes" "guest: $got"
		fi
		i=$((i + 1))
	done
}

# The 8 devices, by I/O base.
devs=()
entries=""
ttys=""
for i in "${!bases[@]}"; do
	devs+=(-device "vmpass-serial,id=vs$i,iobase=${bases[$i]}")
	fl=""
	[ "$i" = 2 ] && fl=:7E1
	entries="$entries ${bases[$i]}:${irqs[$i]}$fl"
	ttys="$ttys /dev/ttyVCOM$i$([ "$i" = 2 ] && echo :7)"
done

stty_com3() {	# the host end's view, once the guest has set its ports
	local s
	s=$(stty -a -F /dev/ttyVCOM2)
	if grep -qw 'speed 9600 baud' <<< "$s" && grep -qw cs7 <<< "$s" &&
	   grep -qw parenb <<< "$s" && grep -qw -- -parodd <<< "$s"; then
		ok "$1: COM3's 9600 7E1 set by the guest shows in stty -a on ttyVCOM2"
	else
		not_ok "$1: COM3's 9600 7E1 set by the guest shows in stty -a on ttyVCOM2"
		printf '%s\n' "$s" | sed 's/^/# /'
	fi
}

ready_hook=stty_com3
if [ "$mode" = kvm ]; then
	if [ ! -c /dev/kvm ]; then
		ok "kvm: 8 ports under KVM" "SKIP no /dev/kvm"
		exit 0
	fi
	echo_run kvm8 "$ttys" "$entries" "${devs[@]}"
	sed 's/^/# qemu: /' "$work/kvm8.log"
	exit $failed
fi

# Configurations QEMU must refuse before the guest runs.
refuses "no /dev/vmpass: refused" "Could not open '/dev/vmpass-absent'.*" \
	-device vmpass-serial,iobase=0x3f8,path=/dev/vmpass-absent
refuses "a port attached twice: refused (EBUSY)" "ttyVCOM0 \\(I/O base 0x3f8\\) is busy: another VMM has it attached" \
	-device vmpass-serial,iobase=0x3f8 -device vmpass-serial,port=0
refuses "irq= that is not the port's: refused" "irq=3, but ttyVCOM0 \\(I/O base 0x3f8\\) has IRQ 4" \
	-device vmpass-serial,iobase=0x3f8,irq=3
refuses "port= without an identity: refused, saying how to give one" \
	"ttyVCOM8 \\(port=8\\) has no I/O base" -device vmpass-serial,port=8
# shellcheck disable=SC2086
if "$qemu" -M isapc -nodefaults -display none $bios -S -device vmpass-serial,port=8 2>&1 |
	grep -q "setserial /dev/ttyVCOM8 port"; then
	ok "port= without an identity: the message names setserial and io="
else
	not_ok "port= without an identity: the message names setserial and io="
fi
refuses "no port at iobase=: refused" "no vmpass port has I/O base 0x100" \
	-device vmpass-serial,iobase=0x100
refuses "neither iobase= nor port=: refused" "give either iobase= or port=" \
	-device vmpass-serial
refuses "I/O overlap with an ISA device created before: refused" \
	"I/O ports 0x3f8-0x3ff of ttyVCOM0 overlap 'isa-debugcon'" \
	-chardev null,id=n -device isa-debugcon,iobase=0x3fc,chardev=n -device vmpass-serial,iobase=0x3f8
refuses "I/O overlap with an ISA device created after: refused" \
	"I/O ports 0x3f8-0x3ff of ttyVCOM0 overlap 'isa-debugcon'" \
	-chardev null,id=n -device vmpass-serial,iobase=0x3f8 -device isa-debugcon,iobase=0x3fc,chardev=n
refuses "IRQ of another ISA device: refused" "ttyVCOM0's IRQ 4 is taken by isa-serial" \
	-chardev null,id=n -device isa-serial,iobase=0x100,irq=4,chardev=n -device vmpass-serial,iobase=0x3f8
if setserial /dev/ttyVCOM8 port 0x2c8 irq 0; then
	refuses "a port without an IRQ: refused" "ttyVCOM8 has no IRQ" -device vmpass-serial,port=8
else
	not_ok "a port without an IRQ: refused" "setserial /dev/ttyVCOM8 port 0x2c8 irq 0 failed"
fi
if setserial /dev/ttyVCOM8 port 0x2c8 irq 14; then
	refuses "IRQ of the machine's IDE: refused" "ttyVCOM8's IRQ 14 is taken by isa-ide" \
		-device vmpass-serial,port=8
	setserial /dev/ttyVCOM8 port 0 irq 0 || not_ok "ttyVCOM8's identity removed again"
else
	not_ok "IRQ of the machine's IDE: refused" "setserial /dev/ttyVCOM8 failed"
fi
# On a PC with ACPI, the device describes itself in the DSDT.
out=$(printf 'info qtree\nquit\n' | timeout 120 "$qemu" -M pc -nodefaults -display none \
	-accel tcg $bios -S -device vmpass-serial,iobase=0x3f8 -monitor stdio 2>&1)
if grep -q 'dev: vmpass-serial' <<< "$out"; then
	ok "-M pc: starts with the device (its ACPI description built)"
else
	not_ok "-M pc: starts with the device (its ACPI description built)"
	printf '%s\n' "$out" | sed 's/^/# /'
fi

# Two vmpass ports on one IRQ (11) are allowed; all 8 at once.
echo_run tcg8 "$ttys" "$entries" "${devs[@]}"

# Snapshots and migration carry the ports' state.
migrate_run

# A remap before QEMU starts: ttyVCOM1 and ttyVCOM3 swap identities, so
# 0x2f8 (IRQ 3) is ttyVCOM3's; the devices attach by index and take the
# identity from the port; the guest takes COM1-COM4 from the BIOS. The
# host ends are given in the guest's COM order (ttyVCOM3 is COM2), and
# the per-port volumes show that they are.
ready_hook=true
swap() {
	setserial /dev/ttyVCOM1 port 0x2c0 irq 7 &&
	setserial /dev/ttyVCOM3 port "$1" irq "$2" &&
	setserial /dev/ttyVCOM1 port "$3" irq "$4"
}
if swap 0x2f8 3 0x2e8 7; then
	ok "remap: setserial swaps ttyVCOM1 and ttyVCOM3" \
		"$(setserial -g /dev/ttyVCOM1 /dev/ttyVCOM3 | tr '\n' ' ')"
	len=4096 echo_run remap "/dev/ttyVCOM0 /dev/ttyVCOM3 /dev/ttyVCOM2 /dev/ttyVCOM1" \
		"0:4 0:3 0:5 0:7" -device vmpass-serial,id=vs0,port=0 -device vmpass-serial,id=vs1,port=1 \
		-device vmpass-serial,id=vs2,port=2 -device vmpass-serial,id=vs3,port=3
	if grep -q '^port 01 02f8 03' "$work/remap.con" 2>/dev/null; then
		ok "remap: the guest finds COM2 at 0x2f8 (now ttyVCOM3) in the BIOS data area"
	else
		not_ok "remap: the guest finds COM2 at 0x2f8 (now ttyVCOM3) in the BIOS data area"
	fi
	swap 0x2e8 7 0x2f8 3 || not_ok "remap: identities restored"
else
	not_ok "remap: setserial swaps ttyVCOM1 and ttyVCOM3"
fi
exit $failed
