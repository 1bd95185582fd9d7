#!/bin/sh
# tests/hda-guest/accel.sh OUTDIR - "kvm" when a KVM guest really boots
# here, else "tcg"; the answer is cached in OUTDIR/accel.  /dev/kvm can be
# present and openable and still not run a guest (nested virtualisation in
# some sandboxes spins forever), so the probe boots the built guest with
# mwhda.probe=1 and gives it 20 s.  HDA_GUEST_ACCEL=kvm|tcg overrides.
set -eu
[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
out=$1
if [ -n "${HDA_GUEST_ACCEL:-}" ]; then
	echo "$HDA_GUEST_ACCEL"
	exit 0
fi
if [ -f "$out/accel" ] && [ "$out/accel" -nt "$out/initrd.cpio.gz" ]; then
	cat "$out/accel"
	exit 0
fi
accel=tcg
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	rm -f "$out/accel-probe.log"
	if timeout 20 qemu-system-x86_64 -M pc -m 256M -accel kvm \
		-display none -no-reboot -nic none -monitor none \
		-serial "file:$out/accel-probe.log" \
		-kernel "$out/vmlinuz" -initrd "$out/initrd.cpio.gz" \
		-append "console=ttyS0 quiet panic=-1 mwhda.probe=1" \
		>/dev/null 2>&1 &&
		grep -q 'MEMWIRE-HDA-GUEST poweroff' "$out/accel-probe.log"; then
		accel=kvm
	fi
fi
echo "$accel" >"$out/accel"
echo "$accel"
