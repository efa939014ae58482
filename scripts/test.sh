#!/usr/bin/env bash
# The test command: every test, including the ones that need moto (the
# independent Route 53 implementation) and root (network namespaces).
# Installs moto into target/moto-venv on first use, and first the Debian
# packages it needs when missing: a C compiler and libc headers (build
# scripts, ring), CA certificates (crates.io), python3 with venv (moto),
# procps (tests signal the binary with kill).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-packages.sh cc=gcc /usr/include/stdio.h=libc6-dev /etc/ssl/certs/ca-certificates.crt=ca-certificates \
    python3=python3 '/usr/lib/python3*/ensurepip/__init__.py=python3-venv' kill=procps

venv=target/moto-venv
if [ ! -x "$venv/bin/moto_server" ]; then
    echo "installing moto[server] into $venv (first run only)"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==5.*"
fi
export MOTO_SERVER="$PWD/$venv/bin/moto_server"

if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --workspace --run-ignored all "$@"
else
    cargo test --workspace -- --include-ignored "$@"
fi
