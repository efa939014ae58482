#!/bin/sh
# /var/lib/cloud/scripts/per-boot/ec2-dns-updater: the alternative to the
# systemd unit, for images that cannot use it. cloud-init runs the scripts in
# per-boot/ at every boot, in its final stage (cloud-final.service), as root.
#
# Prefer the unit (cloud-config.yaml): it runs earlier (right after
# network-online.target, before multi-user.target), in a sandbox as an
# unprivileged dynamic user, and systemd retries a temporary failure (exit 75).
# Here the program runs as root without a sandbox, once per boot; its output
# lands in /var/log/cloud-init-output.log and on the console.
#
# Put it in place when baking the image (mode 0755), or from user-data:
#
#   write_files:
#     - path: /var/lib/cloud/scripts/per-boot/ec2-dns-updater
#       permissions: "0755"
#       content: |
#         (this file)
#
# The config is the same as the unit's: /etc/ec2-dns-updater/config.toml.
set -u

config=/etc/ec2-dns-updater/config.toml
state=/var/lib/ec2-dns-updater

if [ ! -f "$config" ]; then
    echo "ec2-dns-updater: no $config, nothing to do" >&2
    exit 0
fi

mkdir -p "$state"
chmod 0700 "$state"

# One rerun after a temporary failure (exit 75), like the unit's Restart=.
for attempt in 1 2; do
    /usr/bin/ec2-dns-updater --config "$config" --state-dir "$state"
    status=$?
    [ "$status" -eq 75 ] && [ "$attempt" -eq 1 ] || break
    echo "ec2-dns-updater: temporary failure, trying once more in 30 s" >&2
    sleep 30
done
exit "$status"
