#!/usr/bin/env bash
# Installs the Debian packages a step needs, when what they provide is missing,
# so that every step of .ci/run works on a fresh Debian 12 (scripts/fresh-check.sh
# proves it).
#
#   bash scripts/ensure-packages.sh PROBE=PACKAGE...
#
# PROBE is a command (present when it is on PATH) or an absolute path, which
# may be a shell glob (present when it matches). Example:
#   bash scripts/ensure-packages.sh cc=gcc /usr/include/stdio.h=libc6-dev
# Runs `apt-get update` and one `apt-get install --no-install-recommends`
# only when something is missing; that needs root and apt-get, otherwise it
# names the packages to install and fails.
set -euo pipefail

missing=()
for spec in "$@"; do
    probe=${spec%%=*}
    package=${spec#*=}
    if [ -z "$probe" ] || [ -z "$package" ] || [ "$probe" = "$spec" ]; then
        echo "ensure-packages: expected PROBE=PACKAGE, got '$spec'" >&2
        exit 2
    fi
    case $probe in
        /*) compgen -G "$probe" >/dev/null && continue ;;
        *) command -v "$probe" >/dev/null && continue ;;
    esac
    missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

# One package may stand behind several probes.
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "ensure-packages: missing, and cannot apt-get here: apt-get install ${missing[*]}" >&2
    exit 1
fi
echo "ensure-packages: installing ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
