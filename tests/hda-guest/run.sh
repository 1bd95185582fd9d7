#!/bin/sh
# tests/hda-guest/run.sh [-o TRACE] [-C OUTDIR] [-s SERIAL] [-m MEMWIRE]
#                        [OPTION...]
#
# Builds (or reuses) the HDA test guest in OUTDIR (default
# build/hda-guest), boots it once under QEMU against intel-hda + hda-duplex,
# and writes the guest kernel's hda tracepoint record (the lines between the
# markers of the serial console) to TRACE (default: stdout).  OPTIONs go to
# the guest's kernel command line (mwhda.reads=N, mwhda.single_cmd=1, ...;
# see ./init).  The accelerator is KVM when a KVM guest boots here, else TCG
# (HDA_GUEST_ACCEL=kvm|tcg forces one).  -m MEMWIRE boots the initrd with
# that memwire binary in it (build.sh -m), for mwhda.replay=1.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
outdir=$here/../../build/hda-guest
trace=-
serial=
memwire=
while getopts o:C:s:m: opt; do
	case $opt in
	o) trace=$OPTARG ;;
	C) outdir=$OPTARG ;;
	s) serial=$OPTARG ;;
	m) memwire=$OPTARG ;;
	*) echo "usage: $0 [-o TRACE] [-C OUTDIR] [-s SERIAL] [-m MEMWIRE]" \
		"[OPTION...]" >&2
	   exit 2 ;;
	esac
done
shift $((OPTIND - 1))

initrd=$outdir/initrd.cpio.gz
if [ -n "$memwire" ]; then
	paths=$("$here/build.sh" -m "$memwire" "$outdir")
	initrd=$(echo "$paths" | tail -n 1)
else
	"$here/build.sh" "$outdir" >/dev/null
fi
accel=$("$here/accel.sh" "$outdir")
[ -n "$serial" ] || serial=$outdir/serial.log

start=$(date +%s.%N)
timeout 600 qemu-system-x86_64 -M pc -m 256M -accel "$accel" \
	-display none -no-reboot -nic none -monitor none \
	-serial "file:$serial" \
	-kernel "$outdir/vmlinuz" -initrd "$initrd" \
	-append "console=ttyS0 quiet panic=-1 $*" \
	-audiodev none,id=snd0 -device intel-hda \
	-device hda-duplex,audiodev=snd0
end=$(date +%s.%N)
echo "hda-guest: booted with $accel in $(echo "$end - $start" | bc 2>/dev/null ||
	awk "BEGIN { print $end - $start }") s" >&2

grep -q '^=== MEMWIRE-HDA-TRACE END ===' "$serial" ||
	{ echo "hda-guest: $serial: no end marker (guest failed?)" >&2; exit 1; }
if [ "$trace" = - ]; then
	"$here/extract.sh" "$serial"
else
	"$here/extract.sh" "$serial" >"$trace"
fi
