#!/bin/bash
# Copy the semctl module source, as DKMS wants it, into DEST.
#
#   tools/pkg/dkms-source.sh DEST [VERSION]
#
# DEST gets dkms.conf (PACKAGE_VERSION set to VERSION, default: the VERSION
# file), VERSION, Kbuild, module/ (sources, Kbuild, probe.sh and probes/,
# no build products) and uapi/linux/semctl.h. Used by `make dkms-install` and by
# debian/rules for the semctl-dkms package (which leaves dkms.conf to
# dh_dkms: pass --no-conf).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
conf=1
if [ "${1:-}" = --no-conf ]; then
	conf=
	shift
fi
dest=${1:?usage: dkms-source.sh [--no-conf] DEST [VERSION]}
version=${2:-$(cat "$top/VERSION")}

install -d "$dest/module/probes" "$dest/uapi/linux"
install -m 644 "$top/Kbuild" "$top/VERSION" "$dest/"
install -m 644 "$top/module/Kbuild" "$dest/module/"
# The compile probes module/Kbuild runs against each kernel (compat.h).
install -m 755 "$top/module/probe.sh" "$dest/module/"
install -m 644 "$top"/module/probes/*.c "$dest/module/probes/"
for f in "$top"/module/*.[ch]; do
	case ${f##*/} in
	*.mod.c|compat-probes.h) continue ;;	# build products
	esac
	install -m 644 "$f" "$dest/module/"
done
install -m 644 "$top/uapi/linux/semctl.h" "$dest/uapi/linux/"
if [ -n "$conf" ]; then
	sed "s/#MODULE_VERSION#/$version/" "$top/dkms.conf" > "$dest/dkms.conf"
	chmod 644 "$dest/dkms.conf"
fi
