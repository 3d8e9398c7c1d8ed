#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run on the host (as root): the Debian packages' round trip. Build
# vmpass-dkms and vmpass-tools (make deb), run lintian on them, install them
# with apt into a throwaway Debian 12 root that has Debian's 6.1 and 6.12
# kernels and headers, check what DKMS built and where the files went, then
# purge them and check that nothing of vmpass is left in /lib/modules, /etc,
# /usr or /var/lib/dkms, nor in the initramfs.
#
# The root is a debootstrap (minbase, bookworm, from the mirror the host's
# apt uses) prepared once under $VMPASS_CACHE/deb-chroot/pristine and
# reused: each run mounts a fresh overlay on top of it, so a run starts from
# the pristine root and leaves nothing behind. The whole script runs in a
# private mount namespace (unshare -m): /proc and the overlay vanish with it,
# even when a run fails or is killed. The host's dpkg database is never used.
#
# A real Debian 12 host runs one of its installed kernels, and dkms's
# postinst (/usr/lib/dkms/common.postinst) builds for that running kernel
# and the newest installed one. Inside a chroot, uname -r is the host's
# kernel, which is not installed there, and the postinst would build for
# every kernel in /lib/modules instead. So that the test sees what a real
# host gets, uname -r in the root reports DEB_RUNNING_KERNEL (default:
# Debian's 6.1); DEB_RUNNING_KERNEL=host keeps the chroot behaviour.
#
# Prints TAP; exit status non-zero on failure.
set -euo pipefail

if [ -z "${VMPASS_DEB_NS:-}" ]; then
	VMPASS_DEB_NS=1 exec unshare -m --propagation private "$0" "$@"
fi

top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${VMPASS_CACHE:-$HOME/.cache/vmpass}
base=$cache/deb-chroot
pristine=$base/pristine
suite=bookworm
root_pkgs="dkms openssl linux-headers-amd64 linux-image-amd64 linux-headers-6.12-amd64"

n=0
status=0
ok() { n=$((n + 1)); echo "ok $n $*"; }
fail() { n=$((n + 1)); echo "not ok $n $*"; status=1; }
check() {	# check DESCRIPTION COMMAND...: one TAP line
	local what=$1
	shift
	if "$@"; then ok "$what"; else fail "$what"; fi
}
in_root() { chroot "$merged" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 "$@"; }

# The host's apt sources, as one-line entries for the root.
host_sources() {
	apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT)' 'Created-By: Packages' |
		sort -u | sed 's/^/deb /'
}

# The pristine root: built once, under a lock, in a temporary folder that
# is renamed when complete.
prepare_root() {
	local tmp mirror t0
	[ -e "$pristine/.complete" ] && return 0
	t0=$(date +%s)
	mirror=$(host_sources | awk -v s="$suite" '$3 == s { print $2; exit }')
	[ -n "$mirror" ] || { echo "# no $suite mirror in the host's apt sources"; return 1; }
	tmp=$base/pristine.tmp
	rm -rf "$tmp"
	mkdir -p "$tmp" "$base/debs"
	echo "# debootstrap --variant=minbase $suite from $mirror"
	debootstrap --variant=minbase --cache-dir="$base/debs" "$suite" "$tmp" "$mirror" > "$base/debootstrap.log" 2>&1 || {
		tail -n 20 "$base/debootstrap.log"
		return 1
	}
	host_sources > "$tmp/etc/apt/sources.list"
	# A small initramfs per kernel (the host's own config does not matter
	# here): only the modules that hooks ask for.
	mkdir -p "$tmp/etc/initramfs-tools/conf.d"
	printf 'MODULES=list\nCOMPRESS=gzip\n' > "$tmp/etc/initramfs-tools/conf.d/small-initramfs.conf"
	mount -t proc proc "$tmp/proc"
	# shellcheck disable=SC2086
	if ! chroot "$tmp" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
		sh -c "apt-get update -q && apt-get install -y -q --no-install-recommends $root_pkgs && apt-get clean" \
		> "$base/setup.log" 2>&1; then
		umount "$tmp/proc"
		tail -n 20 "$base/setup.log"
		return 1
	fi
	umount "$tmp/proc"
	echo "$root_pkgs" > "$tmp/.packages"
	rm -rf "$pristine"
	mv "$tmp" "$pristine"
	echo "$(($(date +%s) - t0))" > "$pristine/.complete"
	echo "# prepared $pristine in $(cat "$pristine/.complete") s"
}

# A root prepared before root_pkgs grew gets the new packages.
update_root() {
	[ "$(cat "$pristine/.packages" 2> /dev/null)" = "$root_pkgs" ] && return 0
	mount -t proc proc "$pristine/proc"
	# shellcheck disable=SC2086
	chroot "$pristine" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
		sh -c "apt-get update -q && apt-get install -y -q --no-install-recommends $root_pkgs && apt-get clean" \
		> "$base/update.log" 2>&1 || { umount "$pristine/proc"; tail -n 20 "$base/update.log"; return 1; }
	umount "$pristine/proc"
	echo "$root_pkgs" > "$pristine/.packages"
}

mkdir -p "$base"
exec 9> "$base.lock"
flock 9
{ prepare_root && update_root; } || { echo "not ok 1 prepare the Debian 12 root"; exit 1; }

t0=$(date +%s)
version=$(cat "$top/VERSION")
rm -rf "$base"/run.*	# left by a run that was killed
run=$(mktemp -d "$base/run.XXXXXX")
merged=$run/root
cleanup() {
	umount -R "$merged" 2> /dev/null || true
	rm -rf "$run"
}
trap cleanup EXIT
mkdir -p "$run/upper" "$run/work" "$merged"
mount -t overlay overlay -o "lowerdir=$pristine,upperdir=$run/upper,workdir=$run/work" "$merged"
mount -t proc proc "$merged/proc"
kernels=$(cd "$merged/lib/modules" && ls -v)
echo "# root: $pristine (prepared in $(cat "$pristine/.complete") s), kernels: $(echo $kernels)"

# 1. The packages, and lintian on them.
if make -s -C "$top" deb > "$run/deb.log" 2>&1 &&
   [ -f "$top/build/deb/vmpass-dkms_${version}_all.deb" ] &&
   ls "$top/build/deb/vmpass-tools_${version}_"*.deb > /dev/null; then
	ok "make deb builds vmpass-dkms and vmpass-tools $version"
else
	sed 's/^/# /' "$run/deb.log" | tail -n 30
	fail "make deb builds vmpass-dkms and vmpass-tools $version"
	exit 1
fi
debs=$(ls "$top/build/deb/vmpass-dkms_${version}_all.deb" "$top/build/deb/vmpass-tools_${version}_"*.deb)
# shellcheck disable=SC2086
lintian -I -E --pedantic --tag-display-limit 0 $debs 2>&1 | grep -v 'running with root privileges' > "$run/lintian.log" || true
sed 's/^/# lintian: /' "$run/lintian.log"
check "lintian (-I -E --pedantic) reports nothing on either package" test ! -s "$run/lintian.log"

# 2. Install with apt, as on a host that runs its oldest kernel.
mkdir -p "$merged/tmp/debs"
# shellcheck disable=SC2086
cp $debs "$merged/tmp/debs/"
running=${DEB_RUNNING_KERNEL:-$(echo $kernels | cut -d' ' -f1)}
newest=$(echo $kernels | tr ' ' '\n' | tail -n 1)
if [ "$running" = host ]; then
	expect=$kernels
	echo "# uname -r: $(uname -r) (the host's, not installed here)"
else
	expect=$(printf '%s\n' "$running" "$newest" | sort -uV)
	printf '#!/bin/sh\n[ "$1" = -r ] && { echo %s; exit 0; }\nexec /bin/uname "$@"\n' "$running" \
		> "$merged/usr/local/bin/uname"
	chmod 755 "$merged/usr/local/bin/uname"
	echo "# uname -r: $running (a host running it; the newest installed is $newest)"
fi
# ... of those, the kernels dkms.conf's BUILD_EXCLUSIVE_KERNEL admits.
exclusive=$(sed -n 's/^BUILD_EXCLUSIVE_KERNEL="\(.*\)"$/\1/p' "$top/dkms.conf")
if [ -n "$exclusive" ]; then
	expect=$(printf '%s\n' $expect | grep -E "$exclusive" || true)
	echo "# BUILD_EXCLUSIVE_KERNEL=\"$exclusive\" admits: $(echo $expect)"
fi
(cd "$merged/tmp/debs" && ls) | sed 's|^|/tmp/debs/|' > "$run/debs"
# shellcheck disable=SC2046
# (apt runs dpkg with PATH=DPkg::Path, without /usr/local/bin by default)
if in_root apt-get install -y -q --no-install-recommends \
	-o DPkg::Path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	$(cat "$run/debs") > "$run/install.log" 2>&1; then
	ok "apt-get install vmpass-dkms vmpass-tools"
else
	sed 's/^/# /' "$run/install.log" | tail -n 40
	fail "apt-get install vmpass-dkms vmpass-tools"
	exit 1
fi
grep -E 'Building for|chroot.s host|Generating /boot' "$run/install.log" | sed 's/^/# /'
if [ "$running" = host ]; then
	check "dkms's postinst saw a chroot (uname -r not installed)" grep -q "chroot's host" "$run/install.log"
else
	check "dkms's postinst saw $running running" \
		sh -c "! grep -q \"chroot's host\" '$run/install.log' &&
		       grep -qF -e 'Building for $running $newest' -e 'Building for $running and $newest' '$run/install.log'"
fi

# The module's signature names its certificate by issuer and serial number
# (sign-file's default): the serial against mok.pub's.
hexid() { tr -d ' \t\n:' | tr a-f A-F; }
signed_by_mok() {
	local mok sig
	mok=$(chroot "$merged" openssl x509 -inform DER -in /var/lib/dkms/mok.pub -noout -serial |
		sed 's/^serial=//' | hexid)
	sig=$(chroot "$merged" modinfo -k "$1" -F sig_key vmpass | hexid)
	echo "# $1: sig_key $sig, signer $(chroot "$merged" modinfo -k "$1" -F signer vmpass), mok.pub $mok"
	[ -n "$sig" ] && [ "$sig" = "$mok" ]
}
built=$(in_root dkms status -m vmpass -v "$version" 2> /dev/null | sed -n 's/^vmpass\/[^,]*, \([^,]*\), [^:]*: installed.*/\1/p' | sort -uV)
echo "# dkms status: $(echo $built)"
check "dkms built and installed vmpass for exactly: $(echo $expect)" test "$(echo $built)" = "$(echo $expect)"
for k in $expect; do
	check "$k: modinfo finds vmpass (depmod ran), vermagic $k" \
		sh -c "chroot '$merged' modinfo -k '$k' -F vermagic vmpass | grep -q '^$k '"
	check "$k: MODULE_VERSION is $version" test "$(chroot "$merged" modinfo -k "$k" -F version vmpass)" = "$version"
	check "$k: signed with DKMS's machine-owner key (/var/lib/dkms/mok.pub)" signed_by_mok "$k"
done
# (grep reads all of lsinitramfs's output: no SIGPIPE under pipefail)
has_vmpass() {
	chroot "$merged" lsinitramfs "/boot/initrd.img-$1" | grep -e '/vmpass\.ko' -e '/init-top/load_vmpass$' > /dev/null
}
lacks_vmpass() { ! has_vmpass "$1"; }
check "the update-initramfs trigger put vmpass in $newest's initramfs" has_vmpass "$newest"

for f in /lib/udev/rules.d/60-vmpass.rules /usr/share/initramfs-tools/hooks/vmpass \
	 /usr/share/initramfs-tools/scripts/init-top/load_vmpass \
	 /usr/lib/dracut/modules.d/90vmpass/module-setup.sh /usr/lib/dracut/modules.d/90vmpass/vmpass-load.sh \
	 /usr/share/doc/vmpass-dkms/examples/vmpass.conf.example /usr/src/vmpass-$version/dkms.conf \
	 /usr/sbin/vmpassctl /usr/bin/bdf2path /usr/bin/path2bdf /usr/share/man/man1/vmpassctl.1.gz \
	 /usr/share/man/man1/bdf2path.1.gz /usr/share/man/man1/path2bdf.1.gz; do
	[ -e "$merged$f" ] || { echo "# missing: $f"; touch "$run/missing"; }
done
check "the packages' files are in place (udev, initramfs-tools, dracut, example, man pages)" test ! -e "$run/missing"
runs_help() { chroot "$merged" /usr/sbin/vmpassctl --help > /dev/null; }
check "vmpassctl runs (--help)" runs_help

# Another kernel's initramfs, rebuilt while the package is installed (as
# update-initramfs -u -k all would), holds vmpass too: the purge must clean it.
others=$(echo $kernels | tr ' ' '\n' | grep -vx "$newest" || true)
for k in $others; do
	in_root update-initramfs -u -k "$k" > "$run/initramfs-$k.log" 2>&1 || true
	check "$k's initramfs, rebuilt while installed, holds vmpass" has_vmpass "$k"
done

# 3. Purge, and look for leftovers.
if in_root apt-get purge -y -q vmpass-dkms vmpass-tools > "$run/purge.log" 2>&1; then
	ok "apt-get purge vmpass-dkms vmpass-tools"
else
	sed 's/^/# /' "$run/purge.log" | tail -n 40
	fail "apt-get purge vmpass-dkms vmpass-tools"
fi
grep -E 'Generating /boot|deleting' "$run/purge.log" | sed 's/^/# /'
rm -f "$merged/usr/local/bin/uname"
check "dpkg knows no vmpass package" \
	sh -c "! chroot '$merged' dpkg-query -W -f='\${db:Status-Abbrev}\n' 'vmpass*' 2> /dev/null | grep -q '^.[^n]'"
check "dkms knows no vmpass" sh -c "! chroot '$merged' dkms status -m vmpass 2> /dev/null | grep -q ."
left=$(cd "$merged" && find lib/modules etc usr var/lib/dkms -iname '*vmpass*' 2> /dev/null || true)
[ -z "$left" ] || echo "$left" | sed 's/^/# left: /'
check "nothing named vmpass left in /lib/modules, /etc, /usr, /var/lib/dkms" test -z "$left"
check "no modules.* index of any kernel mentions vmpass" \
	sh -c "! grep -l vmpass '$merged'/lib/modules/*/modules.* 2> /dev/null"
left=$(cd "$run/upper" && find . -iname '*vmpass*' | grep -v '^./tmp/debs' || true)
[ -z "$left" ] || echo "$left" | sed 's/^/# left: /'
check "nothing named vmpass anywhere the round trip wrote (the overlay's upper layer, /tmp aside)" test -z "$left"
for k in $kernels; do
	check "$k's initramfs holds no vmpass" lacks_vmpass "$k"
done

echo "# warm round trip: $(($(date +%s) - t0)) s"
echo "1..$n"
exit $status
