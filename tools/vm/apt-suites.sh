#!/bin/bash
# A private apt state that sees Debian suites this machine's apt does not
# (trixie, trixie-backports, sid) on the mirror the system is configured
# with, without touching /etc/apt or the system's lists.
#
#   tools/vm/apt-suites.sh            print the APT_CONFIG path (updating
#                                     the lists when older than a day)
#   tools/vm/apt-suites.sh --update   update the lists now
#
# Use: APT_CONFIG=$(tools/vm/apt-suites.sh) apt-cache ...
# Only apt-cache, apt-get download and apt-get source are run with it:
# nothing from these suites is ever installed into the system.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${SEMCTL_CACHE:-$top/.cache}
state=$cache/apt
conf=$state/apt.conf

log() { echo "apt-suites: $*" >&2; }

# The mirror: the first Debian archive URI the system uses (deb822 or
# one-line format), so the private state reaches the same mirror.
mirror() {
	local uri
	uri=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -v -- '-security' | head -n1 || true)
	[ -n "$uri" ] || uri=$(sed -n 's/^deb \(\[[^]]*\] \)\{0,1\}\([^ ]*\) .*/\2/p' \
		/etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		grep -v -- '-security' | head -n1 || true)
	echo "${uri:-http://deb.debian.org/debian}"
}

mkdir -p "$state/lists/partial" "$state/archives/partial"
if [ ! -f "$conf" ]; then
	m=$(mirror)
	key=/usr/share/keyrings/debian-archive-keyring.gpg
	{
		for s in trixie trixie-backports sid; do
			echo "deb [signed-by=$key] $m $s main"
			echo "deb-src [signed-by=$key] $m $s main"
		done
	} > "$state/sources.list"
	cat > "$conf.tmp" <<CONF
Dir::Etc::sourcelist "$state/sources.list";
Dir::Etc::sourceparts "-";
Dir::State "$state";
Dir::State::Lists "$state/lists";
Dir::State::status "$state/status";
Dir::Cache "$state";
Dir::Cache::archives "$state/archives";
APT::Sandbox::User "root";
Acquire::Languages "none";
CONF
	: > "$state/status"
	mv "$conf.tmp" "$conf"
fi

stamp=$state/lists/.updated
if [ "${1:-}" = --update ] || [ ! -f "$stamp" ] ||
   [ -n "$(find "$stamp" -mmin +1440 2>/dev/null)" ]; then
	log "updating the lists of trixie, trixie-backports and sid ($state)"
	APT_CONFIG=$conf apt-get update -qq >&2 || { log "apt-get update failed"; exit 1; }
	touch "$stamp"
fi
echo "$conf"
