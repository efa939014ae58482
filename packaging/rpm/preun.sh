# %preun: on erase ($1 = 0) remove the enablement symlinks. Never stops the
# service: that would run an ExecStop= an operator may have added (one that
# deletes the DNS record, say), and erasing a package should not change DNS.
if [ "$1" -eq 0 ] && command -v systemctl >/dev/null 2>&1; then
    systemctl --no-reload disable ec2-dns-updater.service >/dev/null 2>&1 || :
fi
