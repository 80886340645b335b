#!/bin/bash
# A private apt state that sees Debian suites this machine's apt does not
# (trixie, trixie-backports, sid) on the mirror the system is configured
# with, without touching /etc/apt or the system's lists.
#
#   tools/vm/apt-suites.sh            print the APT_CONFIG path (updating
#                                     the lists when older than a day)
#   tools/vm/apt-suites.sh --update   update the lists now
#   tools/vm/apt-suites.sh --mirror   print the mirror's Debian URI only
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

if [ "${1:-}" = --mirror ]; then
	mirror
	exit 0
fi

mkdir -p "$state/lists/partial" "$state/archives/partial"
stamp=$state/lists/.updated
# (Re)write the configuration when it differs from what this script wants
# (an older version of it, another mirror); new sources force an update.
put() { # file content -> 0 if the file changed
	if [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; then
		return 1
	fi
	printf '%s\n' "$2" > "$1.tmp.$$"
	mv "$1.tmp.$$" "$1"
}
m=$(mirror)
key=/usr/share/keyrings/debian-archive-keyring.gpg
sources=$(for s in trixie trixie-backports sid; do
	echo "deb [signed-by=$key] $m $s main"
	echo "deb-src [signed-by=$key] $m $s main"
done)
if put "$state/sources.list" "$sources"; then
	rm -f "$stamp"
fi
# pkgcache.bin: without it (Docker images' apt.conf.d/docker-clean sets it
# to "") every apt-cache call parses all the lists again (~2 s instead of
# 0.1). apt reads APT_CONFIG first, then apt.conf.d/, then Dir::Etc::main:
# that last one is ours (including the system's apt.conf, if any) so that
# these two settings win.
late="Dir::Cache::pkgcache \"$state/pkgcache.bin\";
Dir::Cache::srcpkgcache \"$state/srcpkgcache.bin\";"
[ -f /etc/apt/apt.conf ] && late="#include \"/etc/apt/apt.conf\";
$late"
put "$state/apt-late.conf" "$late" || true
put "$conf" "Dir::Etc::sourcelist \"$state/sources.list\";
Dir::Etc::main \"$state/apt-late.conf\";
Dir::Etc::sourceparts \"-\";
Dir::State \"$state\";
Dir::State::Lists \"$state/lists\";
Dir::State::status \"$state/status\";
Dir::Cache \"$state\";
Dir::Cache::archives \"$state/archives\";
APT::Sandbox::User \"root\";
Acquire::Languages \"none\";" || true
[ -f "$state/status" ] || : > "$state/status"

# One update at a time (apt's own lock would fail the second one).
exec 9>"$state/.lock"
flock 9
if [ "${1:-}" = --update ] || [ ! -f "$stamp" ] ||
   [ -n "$(find "$stamp" -mmin +1440 2>/dev/null)" ]; then
	log "updating the lists of trixie, trixie-backports and sid ($state)"
	# --error-on=any: without it a failed index download is only a warning
	# (exit 0, old lists kept), which would pass stale lists off as fresh.
	APT_CONFIG=$conf apt-get update -qq --error-on=any >&2 ||
		{ log "error: apt-get update failed: the lists of $state are not current"; exit 1; }
	touch "$stamp"
fi
echo "$conf"
