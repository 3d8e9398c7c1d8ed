#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run vmpass's KUnit suites (kernels with CONFIG_KUNIT: the debug kernel).
# Loading a KUnit module runs its suites; their KTAP results, read back
# from debugfs, are printed one line per test and per parameter as
#   ok N vmpass_devpath.devpath_test_good.hide "(0000:00:19.0)(0000:01:01.0)"
# The exit status is non-zero if a module failed to load or a test failed.
dir=$(dirname "${VMPASS_KO:-build/vmpass.ko}")
results=/sys/kernel/debug/kunit
status=0
n=0
echo "# selftest: kunit"
for suite in vmpass_uart16550 vmpass_devpath; do
	if ! insmod "$dir/${suite}_kunit.ko"; then
		echo "not ok $((n += 1)) $suite: cannot load ${suite}_kunit.ko"
		status=1
		continue
	fi
	if [ ! -r "$results/$suite/results" ]; then
		echo "not ok $((n += 1)) $suite: no results in $results"
		status=1
		rmmod "${suite}_kunit"
		continue
	fi
	# A result 8 spaces in is one parameter of a case; 4 in, a case, whose
	# own line is only counted when it had no parameters.
	awk -v suite="$suite" -v n="$n" '
		/^        # Subtest: / { param_case = $3; next }
		/^        (not )?ok [0-9]+ / { params = 1; deep = 1 }
		/^    (not )?ok [0-9]+ / {
			deep = 0
			if (params) { params = 0; next }
		}
		/^    (    )?(not )?ok [0-9]+ / {
			line = $0
			sub(/^ +/, "", line)
			ok = line ~ /^ok /
			sub(/^(not )?ok [0-9]+ /, "", line)
			name = deep ? suite "." param_case "." line : suite "." line
			print (ok ? "ok " : "not ok ") (++n) " " name
		}
' "$results/$suite/results" > /tmp/kunit.$$
	cat /tmp/kunit.$$
	n=$((n + $(wc -l < /tmp/kunit.$$)))
	grep -q '^not ok' /tmp/kunit.$$ && status=1
	[ -s /tmp/kunit.$$ ] || { echo "not ok $((n += 1)) $suite: no results"; status=1; }
	rm -f /tmp/kunit.$$
	rmmod "${suite}_kunit"
done
exit $status
