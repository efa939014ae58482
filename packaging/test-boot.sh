#!/usr/bin/env bash
# Boots a real systemd (PID 1, systemd-nspawn) with the amd64 .deb installed
# by dpkg, and checks that the hardened unit does its job at boot: it reads
# IMDS and updates Route 53 (both served by the project's simulator,
# ec2-dns-sim, over the link-local network EC2 uses), as the dynamic user,
# inside the whole sandbox, and prints its summary on the console.
#
# What this shows that test-packages.sh cannot: the postinst's
# `systemctl preset` really enables the unit; the unit starts after
# network-online.target and before multi-user.target; the sandbox
# (system call filter, ProtectProc, MemoryDenyWriteExecute, PrivateUsers,
# StateDirectory with DynamicUser, ...) lets the program work; journal+console.
#
# Usage: bash packaging/test-boot.sh [PATH.deb]
#   default: <target dir>/dist/ec2-dns-updater_*_amd64.deb (cargo xtask dist)
# Env: BOOT_ROOTFS_TAR=FILE  rootfs cache (default <target dir>/boot-test/rootfs.tar;
#                            made by debootstrap on first use, ~1 minute)
#      BOOT_KEEP=1           keep the work directory (logs, rootfs)
#      BOOT_TIMEOUT=180      seconds before the container is killed
#
# Needs root (no KVM). Installs systemd-container, debootstrap, iproute2,
# curl, python3 and what building the simulator needs with apt-get. All traffic stays in two network namespaces it creates.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
export CARGO_TERM_COLOR=never

passed=0
failed=0
pass() { echo "ok:   $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
die() { echo "FAIL: $*"; echo "test-boot: $passed passed, $((failed + 1)) failed"; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (network namespaces, nspawn)"

IMDS_IP=169.254.169.254
GUEST_IP=169.254.10.2
ZONE=Z0123456789ABCDEFGHIJ
NAME=boot-test.example.com
# ec2-dns-sim's default public-hostname.
HOSTNAME_EXPECTED=ec2-203-0-113-25.compute-1.amazonaws.com
TIMEOUT=${BOOT_TIMEOUT:-180}

bash scripts/ensure-packages.sh cc=gcc /usr/include/stdio.h=libc6-dev /etc/ssl/certs/ca-certificates.crt=ca-certificates \
    python3=python3 systemd-nspawn=systemd-container debootstrap=debootstrap ip=iproute2 curl=curl \
    || die "installing the tools"
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])') \
    || die "cargo metadata"
deb=${1:-$(ls "$target_dir"/dist/ec2-dns-updater_*_amd64.deb 2>/dev/null | head -1)}
[ -f "$deb" ] || die "no amd64 .deb: run cargo xtask dist first, or pass its path"
rootfs_tar=${BOOT_ROOTFS_TAR:-$target_dir/boot-test/rootfs.tar}

echo "building the simulator"
cargo build -q -p ec2-dns-sim --bin ec2-dns-sim || die "cargo build -p ec2-dns-sim"
sim_bin=$target_dir/debug/ec2-dns-sim

work=$(mktemp -d /tmp/ec2-dns-boot.XXXXXX)
ns_guest=edu-guest-$$
ns_imds=edu-imds-$$
sim_pid=
cleanup() {
    [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
    ip netns del "$ns_guest" 2>/dev/null
    ip netns del "$ns_imds" 2>/dev/null
    if [ "${BOOT_KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# ---- rootfs: Debian 12 minimal, with what the package depends on -----------
root=$work/rootfs
mkdir -p "$root"
if [ -f "$rootfs_tar" ]; then
    tar -C "$root" -xf "$rootfs_tar" || die "untar $rootfs_tar"
else
    mirror=$(awk '/^URIs:/ {for (i = 2; i <= NF; i++) if ($i !~ /security/) {print $i; exit}}' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
    [ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $0 !~ /security/ {for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) {print $i; exit}}' \
        /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | head -1)
    [ -n "$mirror" ] || die "no Debian mirror configured for apt"
    echo "debootstrap bookworm (once; cached in $rootfs_tar)"
    debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,iproute2,ca-certificates \
        bookworm "$root" "$mirror" > "$work/debootstrap.log" 2>&1 \
        || { tail -20 "$work/debootstrap.log"; die "debootstrap"; }
    mkdir -p "$(dirname "$rootfs_tar")"
    tar -C "$root" -cf "$rootfs_tar" . || die "tar $rootfs_tar"
fi

# ---- the package, installed the way an image build would --------------------
cp "$deb" "$root/tmp/package.deb"
chroot "$root" dpkg -i /tmp/package.deb > "$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; die "dpkg -i in the rootfs"; }
rm "$root/tmp/package.deb"
if [ -L "$root/etc/systemd/system/multi-user.target.wants/ec2-dns-updater.service" ]; then
    pass "dpkg -i: postinst enabled the unit by preset"
else
    fail "dpkg -i: the unit is not enabled"; cat "$work/dpkg.log"
fi

# ---- network: the guest's eth0 <-> the simulator's netns ----------------------
ip netns add "$ns_guest" && ip netns add "$ns_imds" || die "ip netns add"
ip -n "$ns_guest" link add eth0 type veth peer name imds0 netns "$ns_imds" || die "veth"
ip -n "$ns_guest" link set lo up
ip -n "$ns_imds" link set lo up
ip -n "$ns_imds" addr add "$IMDS_IP/16" dev imds0
ip -n "$ns_imds" link set imds0 up

ip netns exec "$ns_imds" "$sim_bin" \
    --imds-listen "$IMDS_IP:80" --route53-listen "$IMDS_IP:443" \
    --tls "$IMDS_IP" --ca-out "$work/sim-ca.pem" --ready-file "$work/sim-ready.json" \
    > "$work/sim.out" 2> "$work/sim.log" &
sim_pid=$!
for _ in $(seq 100); do [ -s "$work/sim-ready.json" ] && break; sleep 0.1; done
[ -s "$work/sim-ready.json" ] || { cat "$work/sim.log"; die "the simulator did not start"; }

# ---- the config an operator would write, pointed at the simulator -----------
install -m 0644 "$work/sim-ca.pem" "$root/etc/ec2-dns-updater/sim-ca.pem"
cat > "$root/etc/ec2-dns-updater/config.toml" <<EOF
[[record]]
zone = "$ZONE"
name = "$NAME"

[route53]
endpoint = "https://$IMDS_IP"
ca_bundle = "/etc/ec2-dns-updater/sim-ca.pem"

[imds]
endpoint = "http://$IMDS_IP"
EOF

# The opt-in clean-up of packaging/README.md: delete the record at power-off.
mkdir -p "$root/etc/systemd/system/ec2-dns-updater.service.d"
sed -n '/^# BEGIN delete-at-poweroff.conf$/,/^# END delete-at-poweroff.conf$/p' packaging/README.md | sed '1d;$d' \
    > "$root/etc/systemd/system/ec2-dns-updater.service.d/delete-at-poweroff.conf"
grep -q '^ExecStop=' "$root/etc/systemd/system/ec2-dns-updater.service.d/delete-at-poweroff.conf" \
    || die "no delete-at-poweroff.conf drop-in found in packaging/README.md"

cat > "$root/etc/systemd/network/10-eth0.network" <<EOF
[Match]
Name=eth0

[Network]
LinkLocalAddressing=no
IPv6AcceptRA=no

[Address]
Address=$GUEST_IP/16
DuplicateAddressDetection=none
EOF
systemctl --root="$root" enable systemd-networkd.service systemd-networkd-wait-online.service >/dev/null 2>&1 \
    || die "enable systemd-networkd in the rootfs"

# A default target that waits for multi-user.target, then reports and powers off.
units=$root/etc/systemd/system
cat > "$units/boot-test.target" <<'EOF'
[Unit]
Description=ec2-dns-updater boot test
Requires=multi-user.target
After=multi-user.target
AllowIsolate=yes
EOF
cat > "$units/boot-test-report.service" <<'EOF'
[Unit]
Description=ec2-dns-updater boot test: report, then power off
After=multi-user.target ec2-dns-updater.service
SuccessAction=poweroff
FailureAction=poweroff

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/boot-test-report
EOF
cat > "$root/usr/local/sbin/boot-test-report" <<'EOF'
#!/bin/sh
out=/boot-test
systemctl show ec2-dns-updater.service -p ActiveState -p Result -p ExecMainStatus -p NRestarts > $out/unit
m=$(systemctl show multi-user.target -p ActiveEnterTimestampMonotonic --value)
u=$(systemctl show ec2-dns-updater.service -p ActiveEnterTimestampMonotonic --value)
n=$(systemctl show network-online.target -p ActiveEnterTimestampMonotonic --value)
s=$(systemctl show ec2-dns-updater.service -p ExecMainStartTimestampMonotonic --value)
echo "network_online=$n unit_start=$s unit_active=$u multi_user=$m" > $out/order
ls -ld /var/lib/ec2-dns-updater /var/lib/private/ec2-dns-updater > $out/state 2>&1
systemctl --failed --plain --no-legend > $out/failed
journalctl -b --no-pager -u ec2-dns-updater.service > $out/journal 2>&1
EOF
chmod 0755 "$root/usr/local/sbin/boot-test-report"
mkdir -p "$units/boot-test.target.wants" "$root/boot-test"
ln -sf /etc/systemd/system/boot-test-report.service "$units/boot-test.target.wants/"
ln -sf /etc/systemd/system/boot-test.target "$units/default.target"
echo ec2-boot-test > "$root/etc/hostname"

# ---- boot ---------------------------------------------------------------------
# Unified cgroup hierarchy and BPF so DevicePolicy= and friends are enforced;
# CAP_NET_ADMIN for systemd-networkd; --register=no --keep-unit: the host's
# PID 1 need not be systemd.
mkdir -p "$work/report"
echo "booting (at most ${TIMEOUT} s)"
start=$(date +%s)
SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 timeout -k 10 "$TIMEOUT" \
    systemd-nspawn --quiet --register=no --keep-unit -M ec2-boot-test -D "$root" \
        --network-namespace-path="/run/netns/$ns_guest" \
        --system-call-filter=bpf --capability=CAP_NET_ADMIN \
        --bind="$work/report:/boot-test" -b > "$work/console.log" 2>&1 &
nspawn_pid=$!
wait $nspawn_pid
rc=$?
echo "container ran $(( $(date +%s) - start )) s (exit $rc)"

# ---- verdict ------------------------------------------------------------------
r=$work/report
unit=$(tr '\n' ' ' < "$r/unit" 2>/dev/null)
check_line() { grep -qx "$1" "$r/unit" 2>/dev/null; }
[ $rc = 0 ] && pass "container powered off cleanly" || fail "container exit $rc (timeout or crash); console: $work/console.log"
if check_line "Result=success" && check_line "ExecMainStatus=0" && check_line "ActiveState=active"; then
    pass "ec2-dns-updater.service: active (exited), status 0 ($unit)"
else
    fail "ec2-dns-updater.service did not succeed: $unit"
    sed 's/^/      /' "$r/journal" 2>/dev/null | tail -20
fi
order_value() { tr ' ' '\n' < "$r/order" 2>/dev/null | sed -n "s/^$1=\([0-9]*\)$/\1/p"; }
network_online=$(order_value network_online); unit_start=$(order_value unit_start)
unit_active=$(order_value unit_active); multi_user=$(order_value multi_user)
if [ "${network_online:-0}" -gt 0 ] && [ "${unit_start:-0}" -ge "${network_online:-0}" ] \
    && [ "${unit_active:-0}" -gt 0 ] && [ "${multi_user:-0}" -ge "${unit_active:-0}" ]; then
    pass "order: network-online.target < unit start; unit done < multi-user.target (unit ran $(( (unit_active - unit_start) / 1000 )) ms)"
else
    fail "boot order: $(cat "$r/order" 2>/dev/null)"
fi
[ ! -s "$r/failed" ] && pass "no failed units" || fail "failed units: $(tr '\n' ' ' < "$r/failed")"
grep -q 'private/ec2-dns-updater' "$r/state" 2>/dev/null && pass "state directory under /var/lib/private (DynamicUser)" \
    || fail "state directory: $(cat "$r/state" 2>/dev/null)"
# The summary line reaches the console (StandardOutput=journal+console).
summary=$(grep -E "$NAME.*$HOSTNAME_EXPECTED.*INSYNC" "$work/console.log" | tail -1 | tr -d '\r')
if [ -n "$summary" ]; then
    pass "summary on the console: ${summary:0:160}"
else
    fail "no summary line ($NAME -> $HOSTNAME_EXPECTED, INSYNC) on the console ($work/console.log)"
fi
# The record was written at boot (the simulator's request log), and deleted
# again at power-off by the drop-in's ExecStop=.
requests=$(ip netns exec "$ns_imds" curl -sS --cacert "$work/sim-ca.pem" "https://$IMDS_IP/_sim/requests" 2>&1)
zones=$(ip netns exec "$ns_imds" curl -sS --cacert "$work/sim-ca.pem" "https://$IMDS_IP/_sim/zones" 2>&1)
changes=$(python3 -c 'import json,sys; print(sum(1 for r in json.loads(sys.argv[1]) if "ChangeResourceRecordSets" in json.dumps(r)))' "$requests" 2>/dev/null)
if [ "${changes:-0}" -ge 2 ] && ! grep -q "$NAME" <<< "$zones"; then
    pass "Route 53 (simulated): $NAME was written at boot and deleted at power-off ($changes changes)"
else
    fail "Route 53 (simulated): ${changes:-?} changes, zones now: ${zones:0:300}"
fi
echo "test-boot: $passed passed, $failed failed"
[ "$failed" = 0 ]
