#!/usr/bin/env bash
# Runs a CI step on a fresh Debian 12, to prove that the step installs every
# tool it needs itself: a minimal Debian 12 (debootstrap --variant=minbase,
# nothing else installed: no compiler, no python, no git), the repository
# cloned into it at HEAD (commit first; nothing beside the clone), and this
# machine's Rust toolchain, as CI machines have one preinstalled. The step
# runs under systemd-nspawn with the host's network (it downloads Debian
# packages, crates and rustup targets like a fresh CI machine would).
#
# Usage: bash scripts/fresh-check.sh [COMMAND]
#   default COMMAND: bash packaging/test-packages.sh
#   (cargo xtask dist on a fresh machine, then the package checks)
#   e.g.:  bash scripts/fresh-check.sh 'cargo xtask dist'
#          bash scripts/fresh-check.sh 'bash scripts/test.sh -E "test(docs)"'
# Env: FRESH_ROOTFS_TAR=FILE  cached pristine rootfs (default
#                             <target dir>/fresh-check/rootfs.tar; made by
#                             debootstrap on first use, about a minute)
#      FRESH_KEEP=1           keep the work directory (rootfs, target dir)
#
# The toolchain is overlaid, not bound: whatever the step adds to it (rustup
# targets) lands in a scratch layer, and the host's toolchain stays as it was.
# Slow (a release build of both targets and cargo-deb/cargo-generate-rpm from
# an empty cargo home: about 20 minutes on 2 cores), so not part of .ci/run.
# Needs root. Exit status: the step's.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
repo=$PWD

die() { echo "fresh-check: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, nspawn)"
command=${1:-bash packaging/test-packages.sh}

if ! command -v systemd-nspawn >/dev/null || ! command -v debootstrap >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd-container debootstrap >/dev/null \
        || die "apt-get install systemd-container debootstrap"
fi

# The host's toolchain: rustup's home and the directory with the proxies.
cargo_bin=$(dirname "$(command -v cargo)") || die "no cargo on PATH"
command -v rustup >/dev/null || die "no rustup on PATH: the check overlays a rustup toolchain"
rustup_home=$(rustup show home) || die "rustup show home"
toolchain=$(rustup show active-toolchain | cut -d' ' -f1)
echo "toolchain: $toolchain from $rustup_home (proxies in $cargo_bin)"

[ -z "$(git status --porcelain --untracked-files=no)" ] \
    || echo "fresh-check: uncommitted changes are not part of the check (it clones HEAD $(git rev-parse --short HEAD))" >&2

target_dir=$(cargo metadata --format-version 1 --no-deps 2>/dev/null | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
[ -n "$target_dir" ] || target_dir=$repo/target
rootfs_tar=${FRESH_ROOTFS_TAR:-$target_dir/fresh-check/rootfs.tar}

work=$(mktemp -d /tmp/fresh-check.XXXXXX)
cleanup() {
    if [ "${FRESH_KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
root=$work/rootfs
mkdir -p "$root"

# ---- a pristine Debian 12 ----------------------------------------------------
if [ -f "$rootfs_tar" ]; then
    tar -C "$root" -xf "$rootfs_tar" || die "untar $rootfs_tar"
else
    mirror=$(awk '/^URIs:/ {for (i = 2; i <= NF; i++) if ($i !~ /security/) {print $i; exit}}' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
    [ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $0 !~ /security/ {for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) {print $i; exit}}' \
        /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | head -1)
    [ -n "$mirror" ] || mirror=http://deb.debian.org/debian
    echo "debootstrap --variant=minbase bookworm from $mirror (once; cached in $rootfs_tar)"
    debootstrap --variant=minbase bookworm "$root" "$mirror" > "$work/debootstrap.log" 2>&1 \
        || { tail -20 "$work/debootstrap.log"; die "debootstrap"; }
    mkdir -p "$(dirname "$rootfs_tar")"
    tar -C "$root" -cf "$rootfs_tar" . || die "tar $rootfs_tar"
fi
echo "fresh root: $(. "$root/etc/os-release" && echo "$PRETTY_NAME"), $(chroot "$root" dpkg-query -W -f '.\n' | wc -l) packages;" \
    "missing on purpose: $(for t in cc gcc python3 git curl; do chroot "$root" sh -c "command -v $t" >/dev/null || printf '%s ' "$t"; done)"

# This network's own certificate authorities (a TLS-inspecting egress proxy,
# say), as a fresh machine on it would be given them: they are added to the
# trust store when the step installs ca-certificates, not before.
if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
    mkdir -p "$root/usr/local/share/ca-certificates"
    cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
fi

# ---- the repository, alone -------------------------------------------------------
git clone -q --no-hardlinks "$repo" "$root/work/repo" || die "git clone"
echo "repository: $(git -C "$root/work/repo" log -1 --format='%h %s' | cut -c1-100)"

# ---- the toolchain: rustup's proxies, and its home under a scratch layer -------
mkdir -p "$root/root/.cargo/bin" "$root/root/.rustup" "$work/rustup-upper"
cp -a "$cargo_bin/rustup" "$root/root/.cargo/bin/"
for proxy in cargo rustc rustdoc rustfmt cargo-fmt cargo-clippy clippy-driver; do
    ln -s rustup "$root/root/.cargo/bin/$proxy"
done

{ printf '#!/bin/bash\nset -uo pipefail\ncd /work/repo\n'; printf '%s\n' "$command"; } > "$root/usr/local/bin/fresh-step"
chmod 0755 "$root/usr/local/bin/fresh-step"
echo "\$ $command"

# Likewise this network's settings that point programs with their own CA
# lists (pip, the AWS CLI) at the system store, when the host has them.
network_env=()
for var in SSL_CERT_FILE SSL_CERT_DIR CURL_CA_BUNDLE REQUESTS_CA_BUNDLE AWS_CA_BUNDLE PIP_CERT; do
    [ -n "${!var:-}" ] && network_env+=("--setenv=$var=${!var}")
done

start=$(date +%s)
systemd-nspawn --quiet --register=no --keep-unit --console=pipe -D "$root" \
    --overlay="$rustup_home:$work/rustup-upper:/root/.rustup" \
    --setenv=PATH=/root/.cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --setenv=CARGO_HOME=/root/.cargo --setenv=RUSTUP_HOME=/root/.rustup \
    --setenv=CARGO_TERM_COLOR=never "${network_env[@]}" \
    /usr/local/bin/fresh-step
rc=$?
echo "fresh-check: '$command' exited $rc after $(( $(date +%s) - start )) s on a fresh Debian 12"
if [ -d "$work/rustup-upper/toolchains" ]; then
    echo "fresh-check: added to the toolchain by the step:" \
        $(cd "$work/rustup-upper/toolchains" && find . -mindepth 4 -maxdepth 4 -path './*/lib/rustlib/*' -type d | cut -d/ -f5 | sort -u)
fi
exit $rc
