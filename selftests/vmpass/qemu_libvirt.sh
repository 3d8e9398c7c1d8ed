#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# selftests/vmpass/qemu_libvirt.sh: QEMU's vmpass-serial device under
# libvirt (Documentation/vmpass/qemu.rst, "Through libvirt"), run in the
# test VM only (it rewrites /etc/libvirt/qemu.conf and /dev/vmpass's mode,
# which the VM's tmpfs overlay throws away), with vmpass loaded as
# qemu_serial.sh's (COM1 at 0x3f8 IRQ 4, COM2 at 0x2f8 IRQ 3).
#
# libvirtd is started by hand (the VM has no systemd), with cgroup v2
# mounted, and runs a domain of the patched QEMU on -M isapc whose
# <qemu:commandline> adds two vmpass-serial devices and boots
# tools/minivmm/guests/pc_echo.S. It checks what the documentation says
# an administrator changes:
#   - Debian's cgroup_device_acl: the domain's device cgroup refuses
#     /dev/vmpass to QEMU (EPERM);
#   - /dev/vmpass in cgroup_device_acl but the node 0600 root: QEMU, as
#     libvirt-qemu, gets EACCES;
#   - Debian's default private /dev (namespaces = [ "mount" ]) and
#     cgroup_device_acl: libvirt makes no /dev/vmpass there (ENOENT);
#   - the private /dev, /dev/vmpass in cgroup_device_acl and the udev
#     rule's group and mode: the node is in QEMU's /dev with them, the
#     domain runs as libvirt-qemu in its device cgroup, and
#     QEMU_LIBVIRT_LEN (4096) bytes echo each way through /dev/ttyVCOM0
#     and ttyVCOM1, checksummed, interrupt-driven.
# The first two cases run with namespaces = [ ], so that QEMU opens the
# VM's own node.
# Prints TAP; the exit status is non-zero if a case failed.
cd "$(dirname "$0")/../.." || exit 1
top=$PWD
len=${QEMU_LIBVIRT_LEN:-4096}
helper=$top/build/selftests/qemu_echo
emulator=/usr/local/bin/qemu-system-x86_64-vmpass
dom=vmpass-dos
work=/var/lib/libvirt/vmpass-test
conf=/etc/libvirt/qemu.conf
virsh() { command virsh -q -c qemu:///system "$@"; }

# shellcheck source=selftests/vmpass/tap.sh
. "$top/selftests/vmpass/tap.sh"
# shellcheck source=selftests/vmpass/pc_echo.sh
. "$top/selftests/vmpass/pc_echo.sh"

echo "# selftest: qemu_libvirt"
if [ "${VMPASS_VM:-0}" != 1 ]; then
	not_ok "run in the test VM" "it rewrites qemu.conf: use scripts/vm-run"
	exit 1
fi
if ! command -v libvirtd > /dev/null || ! command -v virsh > /dev/null; then
	not_ok "libvirtd and virsh present" "run scripts/deps on the host"
	exit 1
fi
if ! qemu=$("$top/scripts/build-qemu" --path); then
	not_ok "patched QEMU present" "run scripts/build-qemu on the host"
	exit 1
fi

stop_libvirtd() {
	local i pid
	virsh destroy "$dom" > /dev/null 2>&1
	pid=$(cat /run/libvirtd.pid 2>/dev/null) || return 0
	kill "$pid" 2>/dev/null
	for i in $(seq 60); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.5
	done
	rm -f /run/libvirtd.pid
}
# shellcheck disable=SC2317 # (the EXIT trap)
cleanup() {
	stop_libvirtd
	pid=$(cat /run/virtlogd.pid 2>/dev/null) && kill "$pid" 2>/dev/null
}
trap cleanup EXIT

# Where libvirt-qemu may run it (the build is under root's cache).
install -m 755 "$qemu" "$emulator"
mkdir -p "$work"
chown libvirt-qemu:kvm "$work"

# The cgroup v2 hierarchy libvirt puts the domain in (no systemd here:
# libvirt makes /machine itself); device access there is a BPF program.
mountpoint -q /sys/fs/cgroup || mount -t cgroup2 none /sys/fs/cgroup
if [ -d /sys/kernel/security/apparmor ] || grep -qw apparmor /sys/kernel/security/lsm 2>/dev/null; then
	echo "# AppArmor is active in this kernel"
else
	echo "# AppArmor is not active here: the abstraction line is not exercised"
fi

# The node's group and mode, from the udev rule vmpass ships (no udevd
# in the VM: the rule's GROUP= and MODE= applied by hand).
rule=$(grep '^KERNEL=="vmpass"' "$top/packaging/udev/60-vmpass.rules")
rule_group=$(sed -n 's/.*GROUP="\([^"]*\)".*/\1/p' <<< "$rule")
rule_mode=$(sed -n 's/.*MODE="\([^"]*\)".*/\1/p' <<< "$rule")
udev_rule() { chgrp "$rule_group" /dev/vmpass && chmod "$rule_mode" /dev/vmpass; }
no_udev_rule() { chgrp root /dev/vmpass && chmod 0600 /dev/vmpass; }

# start_libvirtd [QEMU.CONF LINES]: libvirtd anew on Debian's qemu.conf
# plus those lines
orig_conf=$work/qemu.conf.orig
[ -f "$orig_conf" ] || cp "$conf" "$orig_conf"
start_libvirtd() {
	local i
	stop_libvirtd
	{ cat "$orig_conf"; printf '%s\n' "$@"; } > "$conf"
	libvirtd -d || return 1
	for i in $(seq 240); do
		virsh version > /dev/null 2>&1 && return 0
		sleep 0.5
	done
	return 1
}

# The guest's image: pc_echo.bin with its table of ports at 512
# (COM1 at 0x3f8 IRQ 4, COM2 at 0x2f8 IRQ 3), as qemu_serial.sh's.
img=$work/pc_echo.img
con=$work/debugcon
pc_echo_image "$img" 0x3f8:4 0x2f8:3 || { not_ok "the guest's image"; exit 1; }
# Opened read-write by QEMU (libvirt would chown a <disk> of its own).
chown libvirt-qemu:kvm "$img"

cat > "$work/$dom.xml" << EOF
<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>$dom</name>
  <memory unit='MiB'>4</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='isapc'>hvm</type>
  </os>
  <on_poweroff>destroy</on_poweroff>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>$emulator</emulator>
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
  </devices>
  <qemu:commandline>
    <qemu:arg value='-L'/>
    <qemu:arg value='/usr/share/seabios'/>
    <qemu:arg value='-L'/>
    <qemu:arg value='/usr/share/qemu'/>
    <qemu:arg value='-drive'/>
    <qemu:arg value='file=$img,format=raw,if=ide'/>
    <qemu:arg value='-chardev'/>
    <qemu:arg value='file,path=$con,id=con'/>
    <qemu:arg value='-device'/>
    <qemu:arg value='isa-debugcon,iobase=0xe9,chardev=con'/>
    <qemu:arg value='-device'/>
    <qemu:arg value='isa-debug-exit,iobase=0xf4,iosize=1'/>
    <qemu:arg value='-device'/>
    <qemu:arg value='vmpass-serial,id=vs0,iobase=0x3f8'/>
    <qemu:arg value='-device'/>
    <qemu:arg value='vmpass-serial,id=vs1,iobase=0x2f8'/>
  </qemu:commandline>
</domain>
EOF

# wait_for FILE PATTERN SECONDS: until a line of FILE matches (grep -E)
wait_for() {
	local i
	for i in $(seq $(($3 * 2))); do
		grep -aqE "$2" "$1" 2>/dev/null && return 0
		sleep 0.5
	done
	return 1
}

# refused NAME PATTERN: virsh start fails with an error that matches
refused() {
	local out st=0
	out=$(timeout 300 virsh -q -c qemu:///system start "$dom" 2>&1) || st=$?
	if [ "$st" != 0 ] && grep -qE "$2" <<< "$out"; then
		ok "$1" "$(grep -oE "$2" <<< "$out" | head -n 1)"
	else
		not_ok "$1" "virsh start: exit status $st"
		printf '%s\n' "$out" | sed 's/^/# /'
		virsh destroy "$dom" > /dev/null 2>&1
	fi
}

virtlogd -d
acl='cgroup_device_acl = [ "/dev/null", "/dev/full", "/dev/zero", "/dev/random", "/dev/urandom", "/dev/ptmx", "/dev/kvm", "/dev/vmpass" ]'

# Cases 1 and 2 run without libvirt's private /dev (namespaces = [ ]),
# so that QEMU opens the VM's own node and the device cgroup and the
# node's mode are what refuse it; 3 and 4 with Debian's default, a
# private /dev that libvirt fills from cgroup_device_acl.
nons='namespaces = [ ]'
udev_rule
if ! start_libvirtd "$nons"; then
	not_ok "libvirtd starts"
	exit 1
fi
ok "libvirtd starts" "$(libvirtd --version)"
if virsh define "$work/$dom.xml" > /dev/null; then
	ok "domain defined: -M isapc, <emulator> the patched QEMU, vmpass-serial in <qemu:commandline>"
else
	not_ok "domain defined"
	exit 1
fi

# 1. Debian's cgroup_device_acl, the udev rule's mode: the cgroup refuses.
refused "default cgroup_device_acl: the device cgroup refuses /dev/vmpass (EPERM)" \
	"Could not open '/dev/vmpass': Operation not permitted"

# 2. /dev/vmpass in cgroup_device_acl, but the node 0600 root (no rule).
start_libvirtd "$nons" "$acl" || not_ok "libvirtd restarts"
no_udev_rule
refused "/dev/vmpass 0600 root: refused to libvirt-qemu (EACCES)" \
	"Could not open '/dev/vmpass': Permission denied"

# 3. The private /dev, Debian's cgroup_device_acl: libvirt makes no
# /dev/vmpass in it.
start_libvirtd || not_ok "libvirtd restarts"
udev_rule
refused "private /dev, default cgroup_device_acl: QEMU's /dev has no /dev/vmpass (ENOENT)" \
	"Could not open '/dev/vmpass': No such file or directory"

# 4. The private /dev, /dev/vmpass in cgroup_device_acl, the udev rule's
# group and mode: the domain runs, and bytes echo.
start_libvirtd "$acl" || not_ok "libvirtd restarts"
udev_rule
rm -f "$con"
out=$(timeout 300 virsh -q -c qemu:///system start "$dom" 2>&1)
pid=$(cat "/run/libvirt/qemu/$dom.pid" 2>/dev/null)
if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
	not_ok "udev rule's $rule_group $rule_mode and cgroup_device_acl: the domain starts"
	printf '%s\n' "$out" | sed 's/^/# /'
	sed 's/^/# log: /' "/var/log/libvirt/qemu/$dom.log" 2>/dev/null | tail -n 20
	exit 1
fi
ok "udev rule's $rule_group $rule_mode and cgroup_device_acl: the domain starts"
user=$(ps -o user= -p "$pid")
if [ "$user" = libvirt-qemu ]; then
	ok "QEMU runs as libvirt-qemu" "pid $pid, groups $(id -Gn libvirt-qemu | tr ' ' ,)"
else
	not_ok "QEMU runs as libvirt-qemu" "user $user"
fi
node=$(stat -c '%F %G %a' "/proc/$pid/root/dev/vmpass" 2>&1)
if [ "$(stat -c %d "/proc/$pid/root/dev")" != "$(stat -c %d /dev)" ] &&
   [ "$node" = "character special file $rule_group ${rule_mode#0}" ]; then
	ok "QEMU's private /dev has /dev/vmpass" "$node"
else
	not_ok "QEMU's private /dev has /dev/vmpass" \
		"$node; /dev devices $(stat -c %d "/proc/$pid/root/dev") vs $(stat -c %d /dev); $(grep ' /dev ' "/proc/$pid/mountinfo")"
fi
cg=$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
if grep -q machine <<< "$cg"; then
	ok "QEMU is in the domain's cgroup" "$cg"
else
	not_ok "QEMU is in the domain's cgroup" "$cg"
fi
if ! wait_for "$con" '^ready' 300; then
	not_ok "guest boots and sets up its ports"
	sed 's/^/# /' "$con" 2>/dev/null
	sed 's/^/# log: /' "/var/log/libvirt/qemu/$dom.log" 2>/dev/null | tail -n 20
	exit 1
fi
ok "guest boots and sets up its ports"
timeout 600 "$helper" stream "$len" /dev/ttyVCOM0 /dev/ttyVCOM1 > "$work/echo" 2>&1
tap_relay "" "$work/echo"
"$helper" break /dev/ttyVCOM0
if wait_for "$con" '^end' 60; then
	ok "guest reports"
	sed 's/^/# guest: /' "$con"
else
	not_ok "guest reports"
	sed 's/^/# /' "$con"
fi
want=$(printf '%08x' "$len")
for i in 0 1; do
	got=$(sed -n "s/^port 0$i \\(.*\\)\$/\\1/p" "$con")
	if [ "$(cut -d' ' -f3 <<< "$got")" = "$want" ] && [ "$(cut -d' ' -f4 <<< "$got")" = "$want" ]; then
		ok "port $i ($(cut -d' ' -f1-2 <<< "$got")) received and sent $len bytes"
	else
		not_ok "port $i received and sent $len bytes" "guest: $got"
	fi
done
for irq in 3 4; do
	got=$(sed -n "s/^irq 0$irq \\([0-9a-f]*\\)\$/\\1/p" "$con")
	if [ -n "$got" ] && [ $((0x$got)) -gt 0 ]; then
		ok "IRQ $irq handler ran" "$((0x$got)) times"
	else
		not_ok "IRQ $irq handler ran" "never"
	fi
done
exit $failed
