#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vmpassctl, every subcommand, in the PCI test VM (scripts/pci-topology):
# text and --json output (parsed by python3's json module), and bad
# arguments. Prints TAP.
cd "$(dirname "$0")/../.."
ctl=build/tools/vmpassctl
n=0
failed=0
ok() {	# ok DESCRIPTION COMMAND...
	local what=$1
	shift
	n=$((n + 1))
	if out=$("$@" 2>&1); then
		echo "ok $n vmpassctl.$what"
	else
		echo "not ok $n vmpassctl.$what"
		printf '%s\n' "$out" | sed 's/^/# /'
		failed=1
	fi
}
json() {	# json PYTHON-EXPRESSION COMMAND...: the command's JSON satisfies it
	local expr=$1
	shift
	"$@" | python3 -c "import json, sys; d = json.load(sys.stdin); sys.exit(0 if ($expr) else 1)"
}
fails_with() {	# fails_with STATUS COMMAND...: exits STATUS, says why on stderr
	local want=$1 got err
	shift
	err=$("$@" 2>&1 >/dev/null)
	got=$?
	[ "$got" = "$want" ] && [ -n "$err" ] && echo "$err"
}

echo "TAP version 13"
modprobe -a e1000 e1000e
rmmod vmpass 2>/dev/null
insmod "$VMPASS_KO" io=0x3f8,0x2f8,0x3e8,0x2e8 irq=4,3,5,7 || exit 1

ok status_text sh -c "$ctl status | grep -q 'ttyVCOM2 .*io 0x3e8  irq 5'"
ok status_json json 'len(d["ports"]) == 4 and d["devices"] == []' $ctl --json status
ok ports_json json 'd[3]["iobase"] == 0x2e8 and d[3]["irq"] == 7 and not d[3]["attached"]' \
	$ctl --json ports
ok set_port sh -c "$ctl set-port 2 --io 0x3a0 --irq 10 && setserial -g /dev/ttyVCOM2 | grep -q 'Port: 0x03a0, IRQ: 10'"
ok set_port_overlap fails_with 1 $ctl set-port 2 --io 0x3f8
ok set_port_bad_irq fails_with 1 $ctl set-port 2 --irq 2
ok set_port_bad_value fails_with 1 $ctl set-port 2 --io zz
ok set_port_no_such_port fails_with 1 $ctl set-port 9 --irq 5
ok set_port_bad_option fails_with 1 $ctl set-port 2 --speed 9600
ok hide_by_path sh -c "$ctl hide PNP0A08:0-04.0 && readlink /sys/bus/pci/devices/0000:00:04.0/driver | grep -q vmpass"
ok hide_by_bdf $ctl hide '(0000:00:07.0)'
ok devices_text sh -c "$ctl devices | grep -q '0000:00:04.0  8086:100e  /dev/vfio/'"
ok devices_json json 'sorted(x["bdf"] for x in d) == ["0000:00:04.0", "0000:03:01.0"] and all(x["state"] == "claimed" for x in d)' \
	$ctl --json devices
ok hide_bad fails_with 1 $ctl hide 'PNP0A08:0-'
ok unhide sh -c "$ctl unhide PNP0A08:0-04.0 && $ctl unhide '(0000:00:07.0)' && readlink /sys/bus/pci/devices/0000:00:04.0/driver | grep -q e1000"
ok unhide_unknown fails_with 1 $ctl unhide '(0000:00:0c.0)'
ok path sh -c "[ \"\$($ctl path 0000:03:01.0)\" = PNP0A08:0-07.0-00.0-01.0 ]"
ok path_short_bdf sh -c "[ \"\$($ctl path 81:00.0)\" = PNP0A08:128-00.0-00.0 ]"
ok path_json json 'd["path"] == "PNP0A08:0-06.0-00.0"' $ctl --json path 0000:01:00.0
ok bdf sh -c "[ \"\$($ctl bdf PNP0A03:0-07.0-00.0-01.0)\" = 0000:03:01.0 ]"
ok bdf_json json 'd["bdf"] == "0000:81:00.0"' $ctl --json bdf PNP0A08:128-00.0-00.0
ok path_missing fails_with 1 $ctl path 0000:00:1e.0
ok bdf_missing fails_with 1 $ctl bdf PNP0A08:9-04.0
ok bdf_malformed fails_with 1 $ctl bdf nonsense
ok usage_none fails_with 2 $ctl
ok usage_unknown fails_with 2 $ctl frobnicate
ok usage_extra fails_with 2 $ctl status extra
ok no_module sh -c "rmmod vmpass && $ctl status; s=\$?; insmod $VMPASS_KO; [ \$s = 1 ]"
echo "1..$n"
exit $failed
