# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034
#
# selftests/vmpass/tap.sh: the TAP lines of the shell selftests, sourced
# by them. n counts the cases; failed is 1 once one has failed.
n=0
failed=0

ok() {	# ok NAME [COMMENT]
	n=$((n + 1))
	echo "ok $n $1${2:+ # $2}"
}
not_ok() {	# not_ok NAME [WHY]
	n=$((n + 1))
	failed=1
	echo "not ok $n $1${2:+ # $2}"
}
check() {	# check NAME COMMAND...: ok if COMMAND succeeds; its output on failure
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$name"
	else
		not_ok "$name"
		printf '%s\n' "$out" | sed 's/^/# /'
	fi
}
tap_relay() {	# tap_relay PREFIX FILE: FILE's TAP lines as cases of ours, named PREFIX+name; the rest as comments
	local line
	while IFS= read -r line; do
		case $line in
		"ok "*) ok "$1$(cut -d' ' -f3- <<< "$line")" ;;
		"not ok "*) not_ok "$1$(cut -d' ' -f4- <<< "$line")" ;;
		*) echo "# $line" ;;
		esac
	done < "$2"
}
