#!/usr/bin/env bash
# Sets up everything mptcp-lab needs on a fresh Debian or Ubuntu machine: Debian packages, npm
# packages, and the pinned Pulumi toolchain (CLI, Node.js language host, dynamic-provider shim).
# Idempotent: it takes seconds when everything is in place.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR/..

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$repo_root/scripts/lib/toolchain-env.sh"

log() { printf '[bootstrap] %s\n' "$*" >&2; }
fail() {
    printf '[bootstrap] error: %s\n' "$1" >&2
    if [ -n "${2:-}" ]; then printf '[bootstrap] hint: %s\n' "$2" >&2; fi
    exit 1
}

check_node() {
    local major minor
    command -v node >/dev/null || fail "node is not installed" "install Node.js 20.9 or later"
    IFS=. read -r major minor _ < <(node -p 'process.versions.node')
    if [ "$major" -lt 20 ] || { [ "$major" -eq 20 ] && [ "$minor" -lt 9 ]; }; then
        fail "Node.js $major.$minor is too old" "install Node.js 20.9 or later (@pulumi/pulumi $PULUMI_VERSION needs it)"
    fi
}

install_debian_packages() {
    local list="$repo_root/scripts/debian-packages.txt" missing=()
    [ -f "$list" ] || return 0
    while read -r package; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$list")
    [ ${#missing[@]} -eq 0 ] && return 0
    command -v apt-get >/dev/null || fail "missing packages: ${missing[*]}" "install them with your distribution's package manager"
    [ "$(id -u)" -eq 0 ] || fail "missing Debian packages: ${missing[*]}" "run as root, or: sudo apt-get install ${missing[*]}"
    log "installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# With systemd, installing apt-cacher-ng starts a machine-wide instance on port 3142 of every
# address, which would keep each emulated bench from starting its own on its management address.
stop_system_apt_cacher() {
    command -v systemctl >/dev/null || return 0
    if systemctl is-active --quiet apt-cacher-ng 2>/dev/null; then
        log "stopping the system apt-cacher-ng service (each emulated bench runs its own)"
        systemctl disable --now apt-cacher-ng >/dev/null 2>&1 || true
    fi
}

install_npm_packages() {
    local stamp="$repo_root/node_modules/.mptcp-lab-lock.sha256" want
    local locks=("$repo_root/package-lock.json")
    [ -f "$repo_root/policies/package-lock.json" ] && locks+=("$repo_root/policies/package-lock.json")
    want=$(cat "${locks[@]}" | sha256sum | cut -d' ' -f1)
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
    log "installing npm packages (npm ci)"
    (cd "$repo_root" && npm ci --no-audit --no-fund --loglevel=error)
    if [ -f "$repo_root/policies/package-lock.json" ]; then
        (cd "$repo_root/policies" && npm ci --no-audit --no-fund --loglevel=error)
    fi
    echo "$want" >"$stamp"
}

pulumi_version_of() { "$1" version 2>/dev/null | sed 's/^v//'; }

# Builds one Go main package from a module under toolchain/ into $toolchain_bin; a fifth argument
# adds -ldflags.
go_build_into_toolchain() {
    local module_dir="$1" package="$2" binary="$3" version="$4" extra_ldflags="${5:-}" tmp
    tmp=$(mktemp -d)
    (cd "$module_dir" && GOFLAGS=-mod=readonly go build -trimpath -o "$tmp/$binary" \
        -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$version $extra_ldflags" "$package") \
        || { rm -rf "$tmp"; fail "building $binary from the Go module proxy failed (see above)" \
            "check that the Go module proxy is reachable (go env GOPROXY), or install Pulumi $PULUMI_VERSION yourself"; }
    mkdir -p "$toolchain_bin"
    mv "$tmp/$binary" "$toolchain_bin/$binary"
    rmdir "$tmp"
}

ensure_pulumi_cli() {
    local cached="$toolchain_bin/pulumi" ambient
    if [ -x "$cached" ] && [ "$(pulumi_version_of "$cached")" = "$PULUMI_VERSION" ]; then return 0; fi
    ambient=$(PATH="${PATH#"$toolchain_bin:"}" command -v pulumi || true)
    if [ -n "$ambient" ] && [ "$(pulumi_version_of "$ambient")" = "$PULUMI_VERSION" ]; then
        log "using the Pulumi $PULUMI_VERSION found at $ambient"
        return 0
    fi
    if command -v go >/dev/null; then
        log "building the Pulumi CLI $PULUMI_VERSION from the Go module proxy (a few minutes, once)"
        go_build_into_toolchain "$repo_root/toolchain/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi pulumi "$PULUMI_VERSION"
    elif command -v curl >/dev/null; then
        log "installing Pulumi $PULUMI_VERSION with Pulumi's official installer"
        curl -fsSL https://get.pulumi.com | sh -s -- --version "$PULUMI_VERSION" --install-root "$(dirname "$toolchain_bin")" --no-edit-path
    else
        fail "no Pulumi $PULUMI_VERSION, and neither Go nor curl to get it" "install Go 1.25+ (apt-get install golang) or Pulumi $PULUMI_VERSION"
    fi
}

# The official distribution ships its language host beside the CLI; a Go-built toolchain needs one.
# The module proxy serves it only as sdk/v3 v3.68.0, which cannot run policy packs, so the toolchain
# gets that host under a versioned name and, as pulumi-language-nodejs, a shim that forwards to it
# and runs policy packs itself (toolchain/language-nodejs-shim/). A stamp of the shim's sources
# replaces an older cache, where pulumi-language-nodejs was the v3.68 host itself.
ensure_language_host() {
    local pulumi_dir shim_dir="$repo_root/toolchain/language-nodejs-shim" stamp want
    local real="pulumi-language-nodejs-v$LANGUAGE_HOST_SDK_VERSION"
    pulumi_dir=$(dirname "$(command -v pulumi)")
    if [ "$pulumi_dir" != "$toolchain_bin" ] && [ -x "$pulumi_dir/pulumi-language-nodejs" ]; then return 0; fi
    stamp="$toolchain_bin/.pulumi-language-nodejs.sha256"
    want=$(cat "$shim_dir"/go.mod "$shim_dir"/go.sum "$shim_dir"/*.go | sha256sum | cut -d' ' -f1)
    if [ -x "$toolchain_bin/$real" ] && [ -x "$toolchain_bin/pulumi-language-nodejs" ] \
        && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then return 0; fi
    # Without Go, what is there came with the official installer, which ships a complete host.
    if ! command -v go >/dev/null && [ -x "$toolchain_bin/pulumi-language-nodejs" ]; then return 0; fi
    if [ ! -x "$toolchain_bin/$real" ]; then
        log "building the Node.js language host from sdk/v3 v$LANGUAGE_HOST_SDK_VERSION"
        go_build_into_toolchain "$repo_root/toolchain/language-nodejs" \
            github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs "$real" "$LANGUAGE_HOST_SDK_VERSION"
    fi
    log "building the Node.js language host shim that runs policy packs"
    go_build_into_toolchain "$shim_dir" . pulumi-language-nodejs "$LANGUAGE_HOST_SDK_VERSION" "-X main.realHostName=$real"
    echo "$want" >"$stamp"
}

# Dynamic providers run through this shim, which the official distribution also ships.
ensure_dynamic_provider_shim() {
    local pulumi_dir shim
    pulumi_dir=$(dirname "$(command -v pulumi)")
    [ -x "$pulumi_dir/pulumi-resource-pulumi-nodejs" ] && return 0
    shim="$repo_root/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"
    [ -f "$shim" ] || fail "$shim is missing" "run npm ci"
    install -m 0755 "$shim" "$toolchain_bin/pulumi-resource-pulumi-nodejs"
}

ensure_backend() {
    mkdir -p "$state_root/pulumi-state" "$PULUMI_HOME"
    chmod 0700 "$state_root"
    if [ ! -s "$PULUMI_CONFIG_PASSPHRASE_FILE" ]; then
        log "creating the passphrase that encrypts this machine's stack secrets: $PULUMI_CONFIG_PASSPHRASE_FILE"
        (umask 077 && head -c 32 /dev/urandom | base64 >"$PULUMI_CONFIG_PASSPHRASE_FILE")
    fi
    pulumi login --non-interactive "$PULUMI_BACKEND_URL" >/dev/null
}

main() {
    check_node
    install_debian_packages
    stop_system_apt_cacher
    install_npm_packages
    ensure_pulumi_cli
    ensure_language_host
    ensure_dynamic_provider_shim
    ensure_backend
    log "ready: $(pulumi version) at $(command -v pulumi), state in ${PULUMI_BACKEND_URL#file://}"
}

main "$@"
