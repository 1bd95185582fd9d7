#!/usr/bin/env python3
"""Write the seed corpus of fuzz_hgcm: one valid request of every type (and
a few classic invalid ones), framed as fuzz_hgcm.c expects.  Layouts from
hgcm_shfl.md section 1 (VirtualBox VMMDev.h)."""
import os
import struct
import sys

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), 'corpus', 'hgcm')
os.makedirs(out, exist_ok=True)
REQ = 0x1000


def hdr(size, typ, rc=0x7fffffff):
    return struct.pack('<IIIiII', size, 0x10001, typ, rc, 0, 0)


def hgcm(size, typ):
    return hdr(size, typ) + struct.pack('<Ii', 0, 0)


def frame(req, flags=1, extra=b'', addr=0):
    body = req.ljust(0x2000 - 0, b'\0') + extra if extra else req
    return bytes([flags]) + struct.pack('<H', addr) + body


def parm64(t, a=0, b=0):
    if t in (1,):
        return struct.pack('<IIII', t, a, 0, 0)
    if t == 2:
        return struct.pack('<IQI', t, a, 0)
    return struct.pack('<IIII', t, a, b, 0)


def parm32(t, a=0, b=0):
    if t == 2:
        return struct.pack('<IQ', t, a)
    return struct.pack('<III', t, a, b)


def pagelist(direction, off_first, pages):
    return struct.pack('<IHH', direction, off_first, len(pages)) + b''.join(
        struct.pack('<Q', p) for p in pages)


def call(typ, fn, parms, extra=b'', client=0):
    size = 44 + len(b''.join(parms)) + len(extra)
    return hgcm(size, typ) + struct.pack('<III', client, fn, len(parms)) + \
        b''.join(parms) + extra


seeds = {}
seeds['host_version'] = frame(hdr(40, 4) + bytes(16), 0)
seeds['ack_events'] = frame(hdr(28, 41) + bytes(4), 0)
seeds['filter_mask'] = frame(hdr(32, 42) + struct.pack('<II', 2, 0), 0)
seeds['guest_info'] = frame(hdr(32, 50) + struct.pack('<II', 0x10004, 0x53100), 2)
seeds['guest_info_bad_version'] = frame(hdr(32, 50) + struct.pack('<II', 0x20000, 0), 2)
seeds['guest_info2'] = frame(hdr(168, 58) + bytes(144), 2)
seeds['guest_status'] = frame(hdr(36, 59) + bytes(12), 0)
name = b'memwire.echo'.ljust(128, b'\0')
seeds['connect'] = frame(hgcm(168, 60) + struct.pack('<I', 2) + name + bytes(4), 0)
seeds['connect_unknown'] = frame(hgcm(168, 60) + struct.pack('<I', 2) +
                                 b'nosuch'.ljust(128, b'\0') + bytes(4), 0)
seeds['disconnect'] = frame(hgcm(36, 61) + bytes(4), 1)
seeds['call64_null'] = frame(call(63, 1, []), 1)
seeds['call32_add'] = frame(call(62, 3, [parm32(1, 5), parm32(2, 7), parm32(2, 0)]), 1)
seeds['call64_add'] = frame(call(63, 3, [parm64(1, 5), parm64(2, 1 << 40), parm64(2, 0)]), 1)
# ECHO with two page lists into RAM at 0x3000 and 0x5000 (straddling)
n = 2 * 16
pl_off = 44 + 3 * 16
pl1 = pagelist(1, 0x800, [0x3000, 0x4000])
pl2 = pagelist(2, 0xf00, [0x5000, 0x6000])
echo = call(63, 2, [parm64(10, 0x1000, pl_off), parm64(10, 0x1000, pl_off + len(pl1)),
                    parm64(1, 0)], pl1 + pl2)
seeds['call64_echo_pagelists'] = frame(echo, 1, extra=b'A' * 0x6000)
emb_off = 44 + 3 * 16
emb = call(63, 2, [parm64(11, 1 | (emb_off << 8), 8), parm64(11, 2 | ((emb_off + 8) << 8), 8),
                   parm64(1, 0)], b'embedded' + bytes(8))
seeds['call64_echo_embedded'] = frame(emb, 1)
cont = call(63, 5, [parm64(1, 0x41), parm64(12, 100, 44 + 32)], pagelist(2, 16, [0x3000]))
seeds['call64_fill_contiguous'] = frame(cont, 1)
nob = call(63, 5, [parm64(1, 0x42), parm64(13, 5000, 44 + 32)],
           pagelist(3, 0, [0x3000, 0x4000]))
seeds['call64_fill_nobounce'] = frame(nob, 1)
seeds['call64_sleep'] = frame(call(63, 4, [parm64(1, 10)]), 1)
seeds['cancel_legacy'] = frame(hgcm(32, 64), 1)
seeds['cancel2'] = frame(hdr(28, 65) + struct.pack('<I', 0x1000), 1)
seeds['cparms_insane'] = frame(call(63, 1, [])[:40] + struct.pack('<I', 5000), 1)
seeds['size_2mib'] = frame(struct.pack('<IIIiII', 2 << 20, 0x10001, 63, 0, 0, 0) + bytes(20), 1)
seeds['pagelist_outside_ram'] = frame(call(63, 5, [parm64(1, 1), parm64(10, 64, 44 + 32)],
                                           pagelist(2, 0, [0x7fff000])), 1)
seeds['second_address_page0'] = frame(call(63, 1, []), 5, addr=0)
seeds['unknown_type'] = frame(hdr(24, 999), 0)
for k, v in seeds.items():
    with open(os.path.join(out, k), 'wb') as f:
        f.write(v)
print(len(seeds), 'seeds in', out)
