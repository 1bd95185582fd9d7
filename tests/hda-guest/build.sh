#!/bin/sh
# tests/hda-guest/build.sh [-m MEMWIRE [-r REPLAY]] OUTDIR - the HDA test
# guest, from installed Debian packages only (no network):
#
#   OUTDIR/vmlinuz         the kernel of linux-image-amd64 (/boot/vmlinuz-*)
#   OUTDIR/initrd.cpio.gz  busybox-static, snd-hda-intel and the generic codec
#                          driver with their dependencies, and ./init
#   OUTDIR/stamp           what they were built from; same inputs -> no rebuild
#
# With -m, also (for the guest's mwhda.replay=1 mode):
#
#   OUTDIR/memwire.cpio.gz          /bin/memwire (the binary MEMWIRE), the
#                                   shared libraries and the dynamic loader
#                                   it needs (ldd) at the same paths, and
#                                   /replay.jsonl (REPLAY, default
#                                   tests/data/hda/qemu-boot.jsonl)
#   OUTDIR/initrd-memwire.cpio.gz   initrd.cpio.gz with memwire.cpio.gz
#                                   appended (the kernel unpacks
#                                   concatenated archives in turn), so the big
#                                   cached part stays as it is when only
#                                   memwire changes
#   OUTDIR/stamp-memwire            what memwire.cpio.gz was built from
#
# HDA_GUEST_KVER picks a kernel version when several are installed (default:
# the newest one that has its modules).  Prints OUTDIR's paths (two, or
# three with -m: the last is the initrd to boot).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
usage() {
	echo "usage: $0 [-m MEMWIRE [-r REPLAY]] OUTDIR" >&2
	exit 2
}
memwire=
replay=$here/../data/hda/qemu-boot.jsonl
while getopts m:r: opt; do
	case $opt in
	m) memwire=$OPTARG ;;
	r) replay=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || usage
out=$1

die() {
	echo "hda-guest: $*" >&2
	exit 1
}

# the kernel and its modules
kver=${HDA_GUEST_KVER:-}
if [ -z "$kver" ]; then
	for k in $(ls /boot/vmlinuz-* 2>/dev/null | sed 's|^/boot/vmlinuz-||' |
		sort -V); do
		[ -f "/lib/modules/$k/modules.dep" ] && kver=$k
	done
fi
[ -n "$kver" ] || die "no /boot/vmlinuz-* with /lib/modules/*/modules.dep: install linux-image-amd64"
kernel=/boot/vmlinuz-$kver
moddir=/lib/modules/$kver
[ -r "$kernel" ] || die "$kernel: not readable"
[ -f "$moddir/modules.dep" ] || die "$moddir/modules.dep: missing"

busybox=
for b in /bin/busybox /usr/bin/busybox; do
	if [ -x "$b" ] && file_is_static=$(LC_ALL=C ldd "$b" 2>&1 || true) &&
		case "$file_is_static" in *"not a dynamic"*|*"statically linked"*) true ;; *) false ;; esac; then
		busybox=$b
		break
	fi
done
[ -n "$busybox" ] || die "no static busybox: install busybox-static"
command -v cpio >/dev/null || die "no cpio: install cpio"

# the inputs, for the cache
stamp=$( {
	echo "kernel $kver $(stat -c '%s %Y' "$kernel")"
	echo "busybox $(stat -c '%s %Y' "$busybox")"
	cat "$here/build.sh" "$here/init"
} | sha256sum | cut -d' ' -f1)

build_base() {
mkdir -p "$out"
work=$(mktemp -d "$out/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp" \
	"$root/lib/modules"

# Every module snd-hda-intel and the generic codec driver (QEMU's
# hda-duplex has no vendor-specific driver) need, dependencies first.
# modules.dep: "kernel/a.ko: kernel/b.ko kernel/c.ko" with b, c the modules
# a.ko needs (directly or not).
awk -v want="snd-hda-codec-generic snd-hda-intel" '
function base(p,  b) {
	b = p; sub(/.*\//, "", b); sub(/\.ko(\.(xz|gz|zst))?$/, "", b)
	return b
}
function visit(m,  n, i, d) {
	if (m in done) return
	done[m] = 1
	n = split(deps[m], d, " ")
	for (i = 1; i <= n; i++) visit(d[i])
	print m
}
{
	m = $1; sub(/:$/, "", m)
	deps[m] = ""
	for (i = 2; i <= NF; i++) deps[m] = deps[m] " " $i
	byname[base(m)] = m
}
END {
	n = split(want, w, " ")
	for (i = 1; i <= n; i++) {
		if (!(w[i] in byname)) { print "missing " w[i] > "/dev/stderr"; exit 1 }
		visit(byname[w[i]])
	}
}' "$moddir/modules.dep" >"$work/mods" || die "$moddir/modules.dep: no snd-hda-intel"

: >"$root/lib/modules/order"
while read -r m; do
	dst=/lib/modules/$(basename "$m" | sed -E 's/\.ko\.(xz|gz|zst)$/.ko/')
	case "$m" in
	*.ko.xz) xz -dc "$moddir/$m" >"$root$dst" ;;
	*.ko.gz) gzip -dc "$moddir/$m" >"$root$dst" ;;
	*.ko.zst) zstd -qdc "$moddir/$m" >"$root$dst" ;;
	*) cp "$moddir/$m" "$root$dst" ;;
	esac || die "$moddir/$m: cannot unpack"
	echo "$dst" >>"$root/lib/modules/order"
done <"$work/mods"

cp "$busybox" "$root/bin/busybox"
cp "$here/init" "$root/init"
chmod 755 "$root/init" "$root/bin/busybox"

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) |
	gzip -n -6 >"$work/initrd.cpio.gz"
cp "$kernel" "$work/vmlinuz"
mv "$work/initrd.cpio.gz" "$out/initrd.cpio.gz"
mv "$work/vmlinuz" "$out/vmlinuz"
echo "$stamp" >"$out/stamp"
rm -rf "$work"
}

if ! [ -f "$out/stamp" ] || [ "$(cat "$out/stamp")" != "$stamp" ] ||
	! [ -f "$out/vmlinuz" ] || ! [ -f "$out/initrd.cpio.gz" ]; then
	build_base
fi
echo "$out/vmlinuz"
echo "$out/initrd.cpio.gz"
[ -n "$memwire" ] || exit 0

# ---- the memwire part
[ -x "$memwire" ] || die "$memwire: not an executable"
[ -r "$replay" ] || die "$replay: not readable"
# the shared objects the binary needs: "name => /path (addr)" and the
# loader's "/path (addr)"; linux-vdso has no file
libs=$(LC_ALL=C ldd "$memwire" 2>&1) || die "$memwire: ldd failed: $libs"
libs=$(echo "$libs" | awk '
	$2 == "=>" && $3 ~ /^\// { print $3; next }
	$2 == "=>" && $3 == "not" { print "MISSING " $1; next }
	$1 ~ /^\// { print $1 }')
case "$libs" in *MISSING*) die "$memwire: a library is not found: $libs" ;; esac
mwstamp=$( {
	echo "base $stamp"
	sha256sum "$memwire" "$replay"
	for l in $libs; do sha256sum "$l"; done
} | sha256sum | cut -d' ' -f1)
if [ -f "$out/stamp-memwire" ] &&
	[ "$(cat "$out/stamp-memwire")" = "$mwstamp" ] &&
	[ -f "$out/initrd-memwire.cpio.gz" ]; then
	echo "$out/initrd-memwire.cpio.gz"
	exit 0
fi
work=$(mktemp -d "$out/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root/bin"
cp "$memwire" "$root/bin/memwire"
for l in $libs; do
	mkdir -p "$root$(dirname "$l")"
	cp -L "$l" "$root$l"
done
cp "$replay" "$root/replay.jsonl"
chmod 755 "$root/bin/memwire"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) |
	gzip -n -1 >"$work/memwire.cpio.gz"
cat "$out/initrd.cpio.gz" "$work/memwire.cpio.gz" \
	>"$work/initrd-memwire.cpio.gz"
mv "$work/memwire.cpio.gz" "$out/memwire.cpio.gz"
mv "$work/initrd-memwire.cpio.gz" "$out/initrd-memwire.cpio.gz"
echo "$mwstamp" >"$out/stamp-memwire"
echo "$out/initrd-memwire.cpio.gz"
