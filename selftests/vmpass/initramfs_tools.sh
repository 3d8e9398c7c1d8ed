#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run on the host (as root): build a Debian initramfs with mkinitramfs and
# packaging/initramfs-tools (the hook and init-top/load_vmpass), with e1000
# in it too, and boot it in
# the PCI test VM with vmpass.hide= naming one of two identical e1000 NICs.
# The named NIC must be vmpass's and e1000 must never have had it; the
# other NIC must be e1000's.
#
# mkinitramfs reads the modules of the kernel it builds for from
# /lib/modules/RELEASE; it runs in a private mount namespace where that
# folder is the cached kernel's modules plus vmpass.ko, so the host is not
# changed.
#
# Prints TAP; exit status non-zero on failure.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
kernel=${1:-6.12}
kdir=$("$top/scripts/kver" --kdir "$kernel")
release=${kdir##*/linux-headers-}
kimg=$("$top/scripts/vm-kernel" "$release")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

make -s -C "$top" KVER="$kernel" module > "$tmp/make.log" 2>&1 || {
	cat "$tmp/make.log"
	exit 1
}

# The configuration folder, as /etc/initramfs-tools would be on a host
# where "make install-hooks" ran, plus a test script that reports and
# powers off before the root would be mounted.
conf=$tmp/conf
mkdir -p "$conf/scripts/init-premount" "$conf/conf.d"
cp -r "$top/packaging/initramfs-tools/hooks" "$top/packaging/initramfs-tools/scripts" "$conf/"
cat > "$conf/initramfs.conf" <<'EOF'
MODULES=list
BUSYBOX=y
COMPRESS=gzip
EOF
echo e1000 > "$conf/modules"
cat > "$conf/scripts/init-premount/vmpass_report" <<'EOF'
#!/bin/sh
case "$1" in prereqs) exit 0 ;; esac
out=/dev/ttyS1
drv() { basename "$(readlink "/sys/bus/pci/devices/$1/driver" 2>/dev/null)" 2>/dev/null; }
status=0
a=$(drv 0000:00:04.0)
b=$(drv 0000:00:05.0)
{
	echo "# init-top ran: $(cat /scripts/init-top/ORDER | grep -o 'init-top/[a-z_]*' | tr '\n' ' ')"
	echo "# 0000:00:04.0 -> $a, 0000:00:05.0 -> $b"
	echo "# modules: $(cut -d' ' -f1 /proc/modules | tr '\n' ' ')"
} > $out
if [ "$a" = vmpass ]; then echo "ok 1 the named NIC is vmpass's" > $out
else echo "not ok 1 the named NIC is vmpass's" > $out; status=1; fi
if [ "$b" = e1000 ]; then echo "ok 2 its twin is e1000's" > $out
else echo "not ok 2 its twin is e1000's" > $out; status=1; fi
if dmesg | grep -q 'e1000 0000:00:04.0'; then
	echo "not ok 3 e1000 never had the named NIC" > $out; status=1
else
	echo "ok 3 e1000 never had the named NIC" > $out
fi
if grep -q 'load_vmpass.*udev' /scripts/init-top/ORDER ||
   [ "$(grep -n load_vmpass /scripts/init-top/ORDER | cut -d: -f1)" -lt \
     "$(grep -n '/udev' /scripts/init-top/ORDER | cut -d: -f1)" ]; then
	echo "ok 4 load_vmpass runs before udev" > $out
else
	echo "not ok 4 load_vmpass runs before udev" > $out; status=1
fi
{
	echo "@@vmpass-dmesg"
	dmesg
	echo "@@vmpass-taint $(cat /proc/sys/kernel/tainted)"
	echo "@@vmpass-exit $status"
} > $out
echo o > /proc/sysrq-trigger
EOF
chmod 755 "$conf/scripts/init-premount/vmpass_report"

# /lib/modules/RELEASE and /boot/config-RELEASE, in a private namespace.
unshare -m bash -euo pipefail -c '
	kimg=$1 release=$2 ko=$3 tmp=$4 conf=$5 kdir=$6
	# Where depmod and mkinitramfs look (/usr/lib/modules, merged /usr).
	moddir=$(readlink -f /lib)/modules
	mods=$moddir/$release
	mkdir -p "$tmp/boot"
	mount --make-rprivate /
	# The overlays'"'"' upper layers on a tmpfs: /tmp may be an overlayfs
	# itself (a container), which cannot be one.
	mkdir -p "$tmp/ovl"
	mount -t tmpfs ovl "$tmp/ovl"
	mkdir -p "$tmp/ovl/upper" "$tmp/ovl/work"
	# The mount point, in the namespace only: a host without a kernel
	# package lacks the folder, which then comes from an overlay of its
	# parent (which must have no mounts below it: an overlay hides them).
	if [ ! -d "$moddir" ]; then
		parent=${moddir%/modules}
		if awk -v p="$parent/" '"'"'index($5, p) == 1 { found = 1 } END { exit !found }'"'"' /proc/self/mountinfo; then
			echo "initramfs_tools.sh: no $moddir, and mounts below $parent that an overlay would hide"
			exit 1
		fi
		mkdir -p "$tmp/ovl/lib-upper" "$tmp/ovl/lib-work"
		mount -t overlay -o "lowerdir=$parent,upperdir=$tmp/ovl/lib-upper,workdir=$tmp/ovl/lib-work" \
			libdir "$parent"
		mkdir "$moddir"
	fi
	mount -t tmpfs modules "$moddir"
	mkdir -p "$mods"
	mount -t overlay -o "lowerdir=$kimg/layer/usr/lib/modules/$release,upperdir=$tmp/ovl/upper,workdir=$tmp/ovl/work" \
		modules "$mods"
	mkdir -p "$mods/updates"
	cp "$ko" "$mods/updates/vmpass.ko"
	depmod "$release"
	cp "$kdir/.config" "$tmp/boot/config-$release"
	mount --bind "$tmp/boot" /boot
	mkinitramfs -d "$conf" -o "$tmp/initrd.img" "$release"
' - "$kimg" "$release" "$top/build/$release/vmpass.ko" "$tmp" "$conf" "$kdir" \
	> "$tmp/mkinitramfs.log" 2>&1 || {
	cat "$tmp/mkinitramfs.log"
	echo "not ok 1 mkinitramfs with the vmpass hook"
	exit 1
}
echo "ok 0 mkinitramfs with the vmpass hook ($(du -h "$tmp/initrd.img" | cut -f1))"
lsinitramfs "$tmp/initrd.img" | grep -E 'vmpass|init-top/' | sed 's/^/# /'

"$top/scripts/vm-run" --kernel "$kernel" --no-load --initrd "$tmp/initrd.img" \
	--qemu-args "$("$top/scripts/pci-topology")" --append "vmpass.hide=(0000:00:04.0)" \
	--timeout 300
