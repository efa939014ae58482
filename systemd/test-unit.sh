#!/usr/bin/env bash
# Quick checks of the systemd unit, without building anything (a few seconds):
#   1. systemd-analyze verify is clean (no output at all) on the unit as it
#      would be installed: in a scratch root with the unit under
#      /usr/lib/systemd/system and an executable at /usr/bin/ec2-dns-updater
#      (a stub: verify only checks that ExecStart is executable);
#   2. systemd-analyze security --offline=true scores it 1.5 or lower;
#   3. the preset enables it (systemctl --root preset);
#   4. the settings the product relies on are there.
# packaging/test-packages.sh repeats 1 and 2 on the unit extracted from the
# real .deb, with the real binary and man page.
#
# Needs systemd-analyze (Debian package `systemd`; installed when missing and
# root). systemd does not need to be running. Exit status 0 only if all pass.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

UNIT=systemd/ec2-dns-updater.service
WATCH_UNIT=systemd/ec2-dns-updater-watch.service
PRESET=systemd/ec2-dns-updater.preset
# systemd-analyze security --threshold is in tenths: 15 means exposure 1.5.
MAX_EXPOSURE_TENTHS=15

passed=0
failed=0
pass() { echo "ok:   $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }

if ! command -v systemd-analyze >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd >/dev/null
    fi
    command -v systemd-analyze >/dev/null || { echo "FAIL: systemd-analyze not found (apt-get install systemd)"; exit 1; }
fi
echo "systemd-analyze: $(systemd-analyze --version | head -1)"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
# The host's units (sysinit.target, network-online.target, ...) so that the
# dependencies resolve inside the scratch root.
mkdir -p "$root/usr/lib/systemd" "$root/usr/bin" "$root/etc/systemd/system" "$root/usr/lib/systemd/system-preset"
cp -a /usr/lib/systemd/system "$root/usr/lib/systemd/"
install -m 0644 "$UNIT" "$root/usr/lib/systemd/system/ec2-dns-updater.service"
install -m 0644 "$WATCH_UNIT" "$root/usr/lib/systemd/system/ec2-dns-updater-watch.service"
install -m 0644 "$PRESET" "$root/usr/lib/systemd/system-preset/50-ec2-dns-updater.preset"
printf '#!/bin/sh\nexit 0\n' > "$root/usr/bin/ec2-dns-updater"
chmod 0755 "$root/usr/bin/ec2-dns-updater"

# 1. verify: clean means no output, not just exit status 0 (unknown keys and
# bad values are only warnings). The man page is checked by test-packages.sh.
for unit in ec2-dns-updater.service ec2-dns-updater-watch.service; do
    out=$(systemd-analyze verify --man=no --root="$root" "$unit" 2>&1)
    rc=$?
    if [ $rc = 0 ] && [ -z "$out" ]; then
        pass "systemd-analyze verify $unit: clean"
    else
        fail "systemd-analyze verify $unit (exit $rc):"; echo "$out" | sed 's/^/      /'
    fi

    # 2. security score.
    report=$(systemd-analyze security --offline=true --threshold=$MAX_EXPOSURE_TENTHS "systemd/$unit" 2>&1)
    rc=$?
    score=$(echo "$report" | sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p')
    if [ $rc = 0 ] && [ -n "$score" ]; then
        pass "systemd-analyze security $unit: exposure $score (at most $((MAX_EXPOSURE_TENTHS / 10)).$((MAX_EXPOSURE_TENTHS % 10)))"
    else
        fail "systemd-analyze security $unit: exposure ${score:-unknown}, above $((MAX_EXPOSURE_TENTHS / 10)).$((MAX_EXPOSURE_TENTHS % 10)) (exit $rc)"
        echo "$report" | grep -E '✗|Overall' | sed 's/^/      /'
    fi
done

# 3. the preset enables the unit, into multi-user.target.
systemctl --root="$root" preset ec2-dns-updater.service >/dev/null 2>&1
if [ -L "$root/etc/systemd/system/multi-user.target.wants/ec2-dns-updater.service" ]; then
    pass "preset enables the unit (multi-user.target.wants)"
else
    fail "systemctl preset did not enable the unit"
fi

# 4. settings the product relies on (a drop-in cannot be judged here, the
# unit itself must have them).
want() {
    if grep -qxF "$1" "$UNIT"; then pass "unit has $1"; else fail "unit lacks the line: $1"; fi
}
want "Type=oneshot"
want "RemainAfterExit=yes"
want "ExecStart=/usr/bin/ec2-dns-updater --config /etc/ec2-dns-updater/config.toml"
want "ConditionPathExists=/etc/ec2-dns-updater/config.toml"
want "After=network-online.target"
want "Wants=network-online.target"
want "Restart=on-failure"
want "RestartPreventExitStatus=64 65 69 73 77 78"
want "StandardOutput=journal+console"
want "StateDirectory=ec2-dns-updater"
want "DynamicUser=yes"
want "CapabilityBoundingSet="
# TimeoutStartSec must stay above the program's default deadline (600 s).
timeout=$(sed -n 's/^TimeoutStartSec=\([0-9]*\)s\{0,1\}$/\1/p' "$UNIT")
if [ -n "$timeout" ] && [ "$timeout" -gt 600 ]; then
    pass "TimeoutStartSec=${timeout}s is above the 600 s deadline"
else
    fail "TimeoutStartSec must be a number of seconds above 600 (found '${timeout}')"
fi
if grep -qE '^(PrivateNetwork=yes|IPAddressDeny=)' "$UNIT"; then
    fail "PrivateNetwork=yes or IPAddressDeny= would cut the program off IMDS or Route 53"
else
    pass "no PrivateNetwork=yes, no IPAddressDeny="
fi
# The watcher: Type=notify (the program sends READY=1), not enabled by preset.
if grep -qxF "Type=notify" "$WATCH_UNIT" && grep -qE '^ExecStart=.* watch ' "$WATCH_UNIT"; then
    pass "watch unit is Type=notify and runs the watch command"
else
    fail "watch unit must be Type=notify running \`ec2-dns-updater ... watch\`"
fi
if [ -e "$root/etc/systemd/system/multi-user.target.wants/ec2-dns-updater-watch.service" ]; then
    fail "the preset must not enable the watch unit"
else
    pass "the preset leaves the watch unit disabled"
fi
if grep -qE '^ExecStop=' "$UNIT"; then
    fail "ExecStop= must stay off by default (an opt-in drop-in, see packaging/README.md)"
else
    pass "no ExecStop="
fi

echo "test-unit: $passed passed, $failed failed"
[ "$failed" = 0 ]
