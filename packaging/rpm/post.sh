# %post: enable ec2-dns-updater.service by preset on first installation
# ($1 = 1); upgrades ($1 > 1) keep the administrator's choice. Never starts it:
# installing while baking an image must not touch DNS.
if [ "$1" -eq 1 ] && command -v systemctl >/dev/null 2>&1; then
    systemctl --no-reload preset ec2-dns-updater.service >/dev/null 2>&1 || :
fi
if [ -d /run/systemd/system ]; then
    systemctl daemon-reload >/dev/null 2>&1 || :
fi
