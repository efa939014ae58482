#!/usr/bin/env bash
# Runs the whole job end to end on this machine: builds everything, starts the
# local IMDS + Route 53 simulator on loopback, runs the real updater against it
# (IMDSv2 session, instance role credentials, signed UPSERT, wait for INSYNC),
# prints the record it ended up with, then shows that a second boot with an
# unchanged hostname costs a single Route 53 call.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --quiet -p ec2-dns-updater -p ec2-dns-sim --bins
bin=target/debug
work=$(mktemp -d)
trap 'kill "${sim_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

"$bin/ec2-dns-sim" --ready-file "$work/ready.json" --propagation 2 >"$work/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 100); do [ -s "$work/ready.json" ] && break; sleep 0.1; done
[ -s "$work/ready.json" ] || { cat "$work/sim.log"; echo "the simulator did not start" >&2; exit 1; }
read -r imds route53 < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["imds"], d["route53"])' "$work/ready.json")

cat >"$work/config.toml" <<TOML
[[record]]
zone = "Z0123456789ABCDEFGHIJ"
name = "web.example.com"
ttl = 60

[route53]
endpoint = "$route53"   # the simulator (real default: https://route53.amazonaws.com)

[imds]
endpoint = "$imds"      # the simulator (real default: http://169.254.169.254)
TOML

echo "== simulator: IMDS $imds, Route 53 $route53"
echo "== first boot: ec2-dns-updater --config $work/config.toml"
"$bin/ec2-dns-updater" --config "$work/config.toml" --state-dir "$work/state"

echo "== the zone now holds:"
python3 - "$route53" <<'PY'
import json, sys, urllib.request
zones = json.load(urllib.request.urlopen(sys.argv[1] + "/_sim/zones"))
for zone in zones:
    for r in zone["records"]:
        print(f'  {r["name"]:<24} {r["ttl"]:>5} {r["rtype"]:<6} {" ".join(r["values"])}')
PY

echo "== second boot, nothing changed:"
"$bin/ec2-dns-updater" --config "$work/config.toml" --state-dir "$work/state"
