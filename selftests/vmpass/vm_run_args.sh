#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# selftests/vmpass/vm_run_args.sh [KERNEL]: on the host, one short VM boot
# (scripts/vm-run --no-load) showing that every argument of CMD reaches
# the VM unchanged: a multi-line sh -c script with both quotes, $, a
# backquote, a backslash and non-ASCII bytes, which prints the bytes of its
# arguments, the first being the script itself; also an empty argument,
# one that ends in a newline, and a tab. TAP on stdout.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
kernel=${1:-6.12}

# shellcheck disable=SC2016	# the $ signs are for the shell in the VM
script='# "double" '\''single'\'' $HOME `x` \ caf'$'\xc3\xa9'' '$'\xe2\x82\xac'' '$'\xff''
for a in "$@"; do
	h=$(printf "%s" "$a" | od -An -v -tx1 | tr -d " \n")
	echo "argv-hex: [$h]"
done
echo "argv-count: $#"'
args=("$script" "" $'two\nlines\n' $'tab\there \'q\' "qq" $0 \\n')

hex() {
	printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'
}

echo "TAP version 13"
echo "1..1"
out=$("$top/scripts/vm-run" --kernel "$kernel" --no-load --timeout 300 -- \
	sh -c "$script" sh "${args[@]}" 2>&1)
status=$?
want="argv-count: ${#args[@]}"
for a in "${args[@]}"; do
	want+=$'\n'"argv-hex: [$(hex "$a")]"
done
got=$(printf '%s\n' "$out" | grep -aE '^argv-(hex|count): ' | tr -d '\r' | sort)
want=$(printf '%s\n' "$want" | sort)
if [ $status = 0 ] && [ "$got" = "$want" ]; then
	echo "ok 1 vm-run passes a multi-line sh -c script and its arguments unchanged ($kernel)"
	exit 0
fi
echo "not ok 1 vm-run passes a multi-line sh -c script and its arguments unchanged ($kernel)"
echo "# vm-run exit status $status"
printf '%s\n' "--- want" "$want" "--- got" "$got" "--- output" "$out" | sed 's/^/# /' | tail -n 40
exit 1
