# %postun: let a running systemd forget (erase) or reread (upgrade) the unit.
# No try-restart on upgrade: restarting the oneshot would rerun the update.
if [ -d /run/systemd/system ]; then
    systemctl daemon-reload >/dev/null 2>&1 || :
fi
