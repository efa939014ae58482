#!/usr/bin/env bash
# Builds the packages (cargo xtask dist) and inspects them:
#   - .deb: control fields, file list with modes and owners, conffiles,
#     maintainer scripts (never start the service; run them against a fake
#     systemctl to see what they do), the unit as installed passes
#     systemd-analyze verify (with the real binary and man page) and scores
#     1.5 or lower in systemd-analyze security;
#   - .rpm: the same file list, modes, owners, %config(noreplace), scriptlets,
#     requirements, and the same binary as the .deb;
#   - the binaries are static and run (x86_64 here; aarch64 under qemu when
#     qemu-aarch64 is installed);
#   - the example config, with every commented default switched on, parses.
#
# Usage: bash packaging/test-packages.sh [--no-build]
#   --no-build   inspect the packages already in <target dir>/dist/
#
# Installs what it needs (a C compiler, libc headers, CA certificates,
# python3, git, rpm, file, systemd, man-db (systemd-analyze verify runs man
# on the unit's Documentation=) with apt-get; the cross compilers, rustup
# targets and cargo tools come with cargo xtask dist). Prints one line per check, sizes and timings, and exits
# non-zero if any check failed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
export CARGO_TERM_COLOR=never

build=1
case "${1:-}" in
    --no-build) build=0 ;;
    "") ;;
    *) echo "usage: $0 [--no-build]" >&2; exit 64 ;;
esac

passed=0
failed=0
pass() { echo "ok:   $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
die() { echo "FAIL: $*"; echo "test-packages: $passed passed, $((failed + 1)) failed"; exit 1; }
# check DESCRIPTION COMMAND...: pass if COMMAND succeeds.
check() { local what=$1; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }

MAX_EXPOSURE_TENTHS=15
PKG=ec2-dns-updater
UNIT=usr/lib/systemd/system/ec2-dns-updater.service
CONFIG=etc/ec2-dns-updater/config.toml

# ---- tools ------------------------------------------------------------------
# The build (xtask, build scripts) needs a C compiler, libc headers and CA
# certificates for crates.io; git dates the packages (SOURCE_DATE_EPOCH).
bash scripts/ensure-packages.sh cc=gcc /usr/include/stdio.h=libc6-dev /etc/ssl/certs/ca-certificates.crt=ca-certificates \
    python3=python3 git=git rpm=rpm file=file systemd-analyze=systemd dpkg-deb=dpkg man=man-db \
    || die "installing the tools"

# ---- build ------------------------------------------------------------------
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])') \
    || die "cargo metadata"
dist=$target_dir/dist
version=$(cargo metadata --format-version 1 --no-deps \
    | python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "ec2-dns-updater"))')
if [ $build = 1 ]; then
    start=$(date +%s)
    cargo xtask dist || die "cargo xtask dist"
    dist_seconds=$(( $(date +%s) - start ))
    echo "cargo xtask dist took ${dist_seconds} s"
fi
debs=("$dist"/*.deb)
rpms=("$dist"/*.rpm)
[ -f "${debs[0]}" ] || die "no .deb in $dist"
[ -f "${rpms[0]}" ] || die "no .rpm in $dist"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The files every package must have: path (without the leading /) and mode.
# The zsh completion path differs (Debian vendor-completions, Fedora/RHEL
# site-functions); the deb also has Debian's copyright file.
expected_common() {
    cat <<EOF
usr/bin/ec2-dns-updater 0755
$UNIT 0644
usr/lib/systemd/system/ec2-dns-updater-watch.service 0644
usr/lib/systemd/system-preset/50-ec2-dns-updater.preset 0644
$CONFIG 0644
usr/share/man/man1/ec2-dns-updater.1.gz 0644
usr/share/bash-completion/completions/ec2-dns-updater 0644
usr/share/fish/vendor_completions.d/ec2-dns-updater.fish 0644
usr/share/doc/ec2-dns-updater/README.md 0644
usr/share/doc/ec2-dns-updater/packaging.md 0644
usr/share/doc/ec2-dns-updater/cloud-init/README.md 0644
usr/share/doc/ec2-dns-updater/cloud-init/cloud-config.yaml 0644
usr/share/doc/ec2-dns-updater/cloud-init/per-boot.sh 0644
EOF
}

# "path mode" for every regular file in a tree.
list_tree() { (cd "$1" && find . -type f -printf '%P %#m\n' | sed 's/ 0\([0-7]\{3\}\)$/ 0\1/' | sort); }

# Files the package has beyond the expected ones must be man pages of
# subcommands; expected ones must all be there with their modes.
compare_files() { # NAME ACTUAL EXPECTED
    local missing extra
    missing=$(comm -13 "$2" "$3")
    extra=$(comm -23 "$2" "$3" | grep -vE '^usr/share/man/man1/ec2-dns-updater-[a-z-]+\.1\.gz 0644$')
    if [ -z "$missing" ] && [ -z "$extra" ]; then
        pass "$1: file list and modes ($(wc -l < "$2") files)"
    else
        fail "$1: file list and modes differ"
        [ -n "$missing" ] && echo "$missing" | sed 's/^/      missing or wrong mode: /'
        [ -n "$extra" ] && echo "$extra" | sed 's/^/      unexpected: /'
    fi
}

# Maintainer scripts may enable/disable and daemon-reload, never start,
# restart or stop the service. Comments do not count.
never_starts() { # FILE
    ! grep -v '^[[:space:]]*#' "$1" \
        | grep -qE '(systemctl[^#]*[[:space:]](start|restart|try-restart|reload-or-restart|try-reload-or-restart|stop|isolate)([[:space:]]|$))|--now|deb-systemd-invoke|invoke-rc\.d|(^|[[:space:]])service[[:space:]]'
}

# Runs a maintainer script with a fake systemctl first on PATH and prints
# what it was asked to do, one call per line.
systemctl_calls() { # SCRIPT ARGS...
    local fake=$work/fake-bin log=$work/systemctl.log
    mkdir -p "$fake"
    printf '#!/bin/sh\necho "$*" >> %s\n' "$log" > "$fake/systemctl"
    chmod 0755 "$fake/systemctl"
    : > "$log"
    PATH="$fake:$PATH" sh "$@" >/dev/null 2>&1 || echo "exit $?"
    # daemon-reload depends on whether systemd runs here: leave it out.
    grep -v '^daemon-reload$' "$log"
}

# The unit, as installed in ROOT, with the host's units around it so that its
# dependencies resolve.
verify_unit() { # NAME ROOT
    local root=$2 out rc
    mkdir -p "$root/usr/lib/systemd/system"
    cp -an /usr/lib/systemd/system/. "$root/usr/lib/systemd/system/"
    out=$(MANPATH="$root/usr/share/man" systemd-analyze verify --root="$root" ec2-dns-updater.service 2>&1)
    rc=$?
    if [ $rc = 0 ] && [ -z "$out" ]; then
        pass "$1: systemd-analyze verify on the installed unit: clean (binary and man page found)"
    else
        fail "$1: systemd-analyze verify (exit $rc)"; echo "$out" | sed 's/^/      /'
    fi
    out=$(systemd-analyze security --offline=true --threshold=$MAX_EXPOSURE_TENTHS "$root/$UNIT" 2>&1)
    rc=$?
    exposure=$(echo "$out" | sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p')
    if [ $rc = 0 ] && [ -n "$exposure" ]; then
        pass "$1: systemd-analyze security: exposure $exposure (at most 1.5)"
    else
        fail "$1: systemd-analyze security: exposure ${exposure:-unknown} (exit $rc)"
    fi
}

is_static() { # FILE
    file -b "$1" | grep -qE 'statically linked|static-pie linked'
}

sizes=()

# ---- .deb -------------------------------------------------------------------
for deb in "${debs[@]}"; do
    name=$(basename "$deb")
    arch=$(dpkg-deb -f "$deb" Architecture)
    root=$work/deb-$arch
    mkdir -p "$root" "$work/control-$arch"
    sizes+=("$(stat -c %s "$deb") B  $name")

    check "$name: Package/Version" test "$(dpkg-deb -f "$deb" Package) $(dpkg-deb -f "$deb" Version)" = "$PKG $version-1"
    check "$name: Depends on ca-certificates" grep -q ca-certificates <<< "$(dpkg-deb -f "$deb" Depends)"

    dpkg-deb -x "$deb" "$root" || die "dpkg-deb -x $deb"
    dpkg-deb -e "$deb" "$work/control-$arch" || die "dpkg-deb -e $deb"
    { expected_common; echo "usr/share/zsh/vendor-completions/_ec2-dns-updater 0644"; echo "usr/share/doc/ec2-dns-updater/copyright 0644"; } \
        | sort > "$work/expected-deb"
    list_tree "$root" > "$work/actual-deb-$arch"
    compare_files "$name" "$work/actual-deb-$arch" "$work/expected-deb"

    owners=$(dpkg-deb -c "$deb" | awk '$2 != "0/0" || $2 != "root/root" {print $2}' | sort -u | tr '\n' ' ')
    check "$name: everything owned by root ($owners)" test "$owners" = "0/0 " -o "$owners" = "root/root "

    conffiles=$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles 2>/dev/null)
    check "$name: conffiles is exactly /$CONFIG" test "$conffiles" = "/$CONFIG"

    scripts=
    for s in preinst postinst prerm postrm; do
        [ -e "$work/control-$arch/$s" ] && scripts="$scripts$s "
    done
    check "$name: maintainer scripts are postinst and postrm ($scripts)" test "$scripts" = "postinst postrm "
    for s in "$work/control-$arch"/postinst "$work/control-$arch"/postrm; do
        check "$name: $(basename "$s") never starts, stops or restarts the service" never_starts "$s"
    done
    calls=$(systemctl_calls "$work/control-$arch/postinst" configure "")
    check "$name: postinst on first install runs only 'systemctl preset' (got: ${calls:-nothing})" \
        test "$calls" = "--no-reload preset ec2-dns-updater.service"
    calls=$(systemctl_calls "$work/control-$arch/postinst" configure "0.0.1-1")
    check "$name: postinst on upgrade leaves enablement alone (got: ${calls:-nothing})" test -z "$calls"
    calls=$(systemctl_calls "$work/control-$arch/postrm" remove)
    check "$name: postrm remove does nothing but daemon-reload (got: ${calls:-nothing})" test -z "$calls"

    verify_unit "$name" "$root"
    bin=$root/usr/bin/ec2-dns-updater
    check "$name: binary is static ($(file -b "$bin" | grep -oE '(static-pie|statically|dynamically) linked'), $(file -b "$bin" | cut -d, -f2 | sed 's/^ //'))" is_static "$bin"
    check "$name: man page is valid gzip" gzip -t "$root/usr/share/man/man1/ec2-dns-updater.1.gz"
    check "$name: bash completion parses" bash -n "$root/usr/share/bash-completion/completions/ec2-dns-updater"
done

# ---- .rpm -------------------------------------------------------------------
for rpm_file in "${rpms[@]}"; do
    name=$(basename "$rpm_file")
    arch=$(rpm -qp --qf '%{ARCH}' "$rpm_file" 2>/dev/null)
    root=$work/rpm-$arch
    mkdir -p "$root"
    sizes+=("$(stat -c %s "$rpm_file") B  $name")

    check "$name: name-version-release" test "$(rpm -qp --qf '%{NAME} %{VERSION}-%{RELEASE}' "$rpm_file" 2>/dev/null)" = "$PKG $version-1"
    check "$name: requires ca-certificates" grep -qx ca-certificates <<< "$(rpm -qpR "$rpm_file" 2>/dev/null)"
    check "$name: payload is gzip" test "$(rpm -qp --qf '%{PAYLOADCOMPRESSOR}' "$rpm_file" 2>/dev/null)" = gzip

    # A real rpm installation into a scratch root (without scriptlets, which
    # are tested below, and without dependencies, which this root lacks).
    # (Debian's rpm2cpio exits 1 on these packages although its output is
    # complete; rpm itself installs them fine.)
    rpm --root="$root" --initdb 2>/dev/null || die "rpm --initdb"
    rpm --root="$root" -i --nodeps --noscripts --ignorearch "$rpm_file" 2>"$work/rpm-i.log" \
        || { cat "$work/rpm-i.log"; die "rpm -i $rpm_file"; }
    check "$name: installs with rpm -i and verifies with rpm -V" rpm --root="$root" -V --nodeps "$PKG"
    # Modes from the header, not from cpio (which applies the umask).
    rpm -qp --qf '[%{FILENAMES} %{FILEMODES:octal}\n]' "$rpm_file" 2>/dev/null \
        | sed -E 's|^/||; s/ 100([0-7]{3})$/ 0\1/' | sort > "$work/actual-rpm-$arch"
    { expected_common; echo "usr/share/zsh/site-functions/_ec2-dns-updater 0644"; } | sort > "$work/expected-rpm"
    compare_files "$name" "$work/actual-rpm-$arch" "$work/expected-rpm"

    owners=$(rpm -qp --qf '[%{FILEUSERNAME}:%{FILEGROUPNAME}\n]' "$rpm_file" 2>/dev/null | sort -u | tr '\n' ' ')
    check "$name: everything owned by root ($owners)" test "$owners" = "root:root "
    check "$name: config files: only /$CONFIG" test "$(rpm -qp --configfiles "$rpm_file" 2>/dev/null)" = "/$CONFIG"
    flags=$(rpm -qp --qf '[%{FILEFLAGS:fflags} %{FILENAMES}\n]' "$rpm_file" 2>/dev/null | awk -v f="/$CONFIG" '$2 == f {print $1}')
    check "$name: /$CONFIG is %config(noreplace) (flags '$flags')" grep -q n <<< "$flags"

    for tag in POSTIN PREUN POSTUN; do
        rpm -qp --qf "%{$tag}" "$rpm_file" 2>/dev/null > "$work/$tag-$arch"
    done
    check "$name: no pre-install or pre/post-transaction scriptlets" \
        test "$(rpm -qp --qf '%{PREIN}%{PRETRANS}%{POSTTRANS}' "$rpm_file" 2>/dev/null)" = "(none)(none)(none)"
    for tag in POSTIN PREUN POSTUN; do
        check "$name: %$tag never starts, stops or restarts the service" never_starts "$work/$tag-$arch"
    done
    calls=$(systemctl_calls "$work/POSTIN-$arch" 1)
    check "$name: %post on first install runs only 'systemctl preset' (got: ${calls:-nothing})" \
        test "$calls" = "--no-reload preset ec2-dns-updater.service"
    calls=$(systemctl_calls "$work/POSTIN-$arch" 2)
    check "$name: %post on upgrade leaves enablement alone (got: ${calls:-nothing})" test -z "$calls"
    calls=$(systemctl_calls "$work/PREUN-$arch" 0)
    check "$name: %preun on erase only disables (got: ${calls:-nothing})" \
        test "$calls" = "--no-reload disable ec2-dns-updater.service"
    calls=$(systemctl_calls "$work/PREUN-$arch" 1)
    check "$name: %preun on upgrade does nothing (got: ${calls:-nothing})" test -z "$calls"

    deb_arch=$arch
    case $arch in x86_64) deb_arch=amd64 ;; aarch64) deb_arch=arm64 ;; esac
    if [ -d "$work/deb-$deb_arch" ]; then
        check "$name: same binary as the $deb_arch .deb" cmp -s "$root/usr/bin/ec2-dns-updater" "$work/deb-$deb_arch/usr/bin/ec2-dns-updater"
        check "$name: same unit and config as the $deb_arch .deb" \
            diff -q <(cat "$root/$UNIT" "$root/$CONFIG") <(cat "$work/deb-$deb_arch/$UNIT" "$work/deb-$deb_arch/$CONFIG")
    fi
done

# ---- the binaries run, the example config parses ------------------------------
for root in "$work"/deb-*; do
    arch=${root##*deb-}
    bin=$root/usr/bin/ec2-dns-updater
    run=()
    case $arch in
        amd64) [ "$(uname -m)" = x86_64 ] || continue ;;
        arm64)
            if [ "$(uname -m)" != aarch64 ]; then
                command -v qemu-aarch64 >/dev/null || { echo "skip: $arch binary (no qemu-aarch64; apt-get install qemu-user)"; continue; }
                run=(qemu-aarch64)
            fi ;;
        *) continue ;;
    esac
    sizes+=("$(stat -c %s "$bin") B  $arch binary")
    check "$arch binary: --version is $version" test "$("${run[@]}" "$bin" --version 2>&1)" = "$PKG $version"

    # Every commented key switched on, except the examples without a
    # default that would need a file (ca_bundle, metrics_file) or a zone name
    # (private); IMDS pointed at a closed local port so the run ends at once.
    sed -e 's/^#\([a-z_0-9]* = \)/\1/' -e 's/^#\[\[record\]\]$/[[record]]/' \
        -e '/^ca_bundle = /d' -e '/^metrics_file = /d' -e '/^private = /d' \
        -e 's|^endpoint = "http://169.254.169.254"$|endpoint = "http://127.0.0.1:9"|' \
        -e 's|^wait_timeout = "60s"$|wait_timeout = "1s"|' \
        "$root/$CONFIG" > "$work/all-keys.toml"
    check "example config: defaults switched on for the test" grep -q '^endpoint = "http://127.0.0.1:9"$' "$work/all-keys.toml"
    out=$(timeout 60 "${run[@]}" "$bin" --config "$work/all-keys.toml" --state-dir "$work/state-$arch" --dry-run 2>&1)
    rc=$?
    # 75: IMDS did not answer (expected here). 64/78 would be a usage or
    # config error.
    if [ $rc = 75 ]; then
        pass "$arch binary: example config with every key parses (exit 75: no IMDS here)"
    else
        fail "$arch binary: example config run exited $rc, expected 75 (no IMDS)"; echo "$out" | tail -5 | sed 's/^/      /'
    fi
done

# ---- cloud-init examples -----------------------------------------------------
if python3 -c 'import yaml' 2>/dev/null; then
    check "cloud-init/cloud-config.yaml is YAML with write_files and runcmd" python3 -c '
import sys, yaml
text = open(sys.argv[1]).read()
assert text.startswith("#cloud-config\n")
doc = yaml.safe_load(text)
assert any(f["path"] == "/etc/ec2-dns-updater/config.toml" for f in doc["write_files"])
assert ["systemctl", "enable", "--now", "ec2-dns-updater.service"] in doc["runcmd"]
' packaging/cloud-init/cloud-config.yaml
fi
check "cloud-init/per-boot.sh parses" sh -n packaging/cloud-init/per-boot.sh

echo
echo "sizes:"
printf '  %s\n' "${sizes[@]}"
echo "test-packages: $passed passed, $failed failed"
[ "$failed" = 0 ]
