#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# selftests/vmpass/vm_run_stall.sh [KERNEL]: on the host, one VM boot
# (scripts/vm-run --no-load) showing vm-run's stall watch with a short
# threshold (VM_STALL_SECONDS=15): a guest that sleeps for twice that
# (only the heartbeat of its init is heard) is not called stalled; the
# same VM with its QEMU stopped (SIGSTOP, as when the emulator stops
# running the guest) is, within the threshold, in one line, with exit
# status 123, and its QEMU is gone. TAP on stdout.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
kernel=${1:-6.12}
stall=15

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
qemu=${VMPASS_QEMU:-$("$top/scripts/qemu")}
# The QEMU, with its pid where this test finds it.
cat > "$tmp/qemu" <<EOF2
#!/bin/sh
echo \$\$ > "$tmp/pid"
exec "$qemu" "\$@"
EOF2
chmod 755 "$tmp/qemu"

echo "TAP version 13"
echo "1..2"
VMPASS_QEMU=$tmp/qemu VM_STALL_SECONDS=$stall "$top/scripts/vm-run" --kernel "$kernel" \
	--no-load --timeout 900 -- sh -c "sleep $((2 * stall)); echo idle-done; sleep 600" \
	> "$tmp/out" 2>&1 &
vm=$!
for _ in $(seq 600); do
	grep -aq '^idle-done' "$tmp/out" && break
	kill -0 $vm 2>/dev/null || break
	sleep 1
done
if grep -aq '^idle-done' "$tmp/out" && kill -0 $vm 2>/dev/null; then
	echo "ok 1 vm-run: a guest idle for $((2 * stall)) s (heartbeat only) is not a stall ($kernel)"
else
	echo "not ok 1 vm-run: a guest idle for $((2 * stall)) s (heartbeat only) is not a stall ($kernel)"
	sed 's/^/# /' "$tmp/out" | tail -n 20
	kill "$(cat "$tmp/pid")" 2>/dev/null
	wait $vm
	echo "not ok 2 vm-run: a stopped VM is a stall, in one line, exit 123 ($kernel) # not reached"
	exit 1
fi

pid=$(cat "$tmp/pid")
t0=$SECONDS
kill -STOP "$pid"
st=0
for _ in $(seq $((stall + 60))); do
	kill -0 $vm 2>/dev/null || break
	sleep 1
done
if kill -0 $vm 2>/dev/null; then
	kill -KILL "$pid" 2>/dev/null
	st=timeout
fi
wait $vm || st=$?
took=$((SECONDS - t0))
lines=$(grep -ac '^vm-run: the VM stalled: no heartbeat for' "$tmp/out")
if [ "$st" = 123 ] && [ "$lines" = 1 ] && [ $took -le $((stall + 15)) ] && ! kill -0 "$pid" 2>/dev/null; then
	echo "ok 2 vm-run: a stopped VM is a stall after $took s, in one line, exit 123 ($kernel)"
	grep -a '^vm-run: the VM stalled' "$tmp/out" | sed 's/^/# /'
	exit 0
fi
echo "not ok 2 vm-run: a stopped VM is a stall, in one line, exit 123 ($kernel)"
echo "# exit status $st after $took s, $lines stall lines"
sed 's/^/# /' "$tmp/out" | tail -n 20
kill -KILL "$pid" 2>/dev/null
exit 1
