#!/bin/sh
# tests/hda-guest/extract.sh SERIAL - the guest's tracefs record: the lines
# between the two markers the guest's /init prints, with anything the
# console added (carriage returns) removed.
set -eu
[ $# -eq 1 ] || { echo "usage: $0 SERIAL" >&2; exit 2; }
tr -d '\r' <"$1" | awk '
/^=== MEMWIRE-HDA-TRACE BEGIN ===$/ { on = 1; next }
/^=== MEMWIRE-HDA-TRACE END ===$/ { on = 0; end = 1; next }
on { print }
END { if (!end) { print "extract: no end marker" > "/dev/stderr"; exit 1 } }'
