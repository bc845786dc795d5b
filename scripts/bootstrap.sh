#!/usr/bin/env bash
# Sets up everything mptcp-lab needs on a fresh Debian or Ubuntu machine: Debian packages, npm
# packages, and the pinned Pulumi toolchain (CLI, Node.js language host, dynamic-provider shim,
# the command provider).
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
        [ "$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null)" = "install ok installed" ] || missing+=("$package")
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

# The directory of upstream source archives for machines that cannot reach GitHub: the setting,
# else ../shared/vendor beside the checkout when it exists, else beside the local checkout this one
# was cloned from (toolchain/offline-sources.ts has the same rule). Empty when there is none.
offline_sources_dir() {
    local origin
    if [ -n "${MPTCP_LAB_OFFLINE_SOURCES:-}" ]; then
        [ -d "$MPTCP_LAB_OFFLINE_SOURCES" ] || fail "MPTCP_LAB_OFFLINE_SOURCES=$MPTCP_LAB_OFFLINE_SOURCES is not a directory" \
            "point it at the directory that holds the upstream archives listed in toolchain/offline-sources.sha256, or unset it"
        (cd "$MPTCP_LAB_OFFLINE_SOURCES" && pwd)
        return
    fi
    if [ -d "$repo_root/../shared/vendor" ]; then
        (cd "$repo_root/../shared/vendor" && pwd)
        return
    fi
    origin=$(git -C "$repo_root" remote get-url origin 2>/dev/null) || return 0
    origin=${origin#file://}
    case $origin in /*) ;; *) return 0 ;; esac
    origin=${origin%/}
    origin=${origin%/.git}
    if [ -d "$origin/../shared/vendor" ]; then
        (cd "$origin/../shared/vendor" && pwd)
    fi
}

# Prints the path of an archive from the offline sources directory after checking its sha256
# against toolchain/offline-sources.sha256; prints nothing when the directory lacks it.
offline_archive() {
    local name="$1" dir want have
    dir=$(offline_sources_dir)
    [ -n "$dir" ] && [ -f "$dir/$name" ] || return 0
    want=$(awk -v name="$name" '$2 == name { print $1 }' "$repo_root/toolchain/offline-sources.sha256")
    [ -n "$want" ] || fail "$name has no sha256 in toolchain/offline-sources.sha256" "add the upstream archive's sha256 there"
    have=$(sha256sum "$dir/$name" | cut -d' ' -f1)
    [ "$have" = "$want" ] || fail "$dir/$name has sha256 $have, not the pinned $want" \
        "replace it with the upstream archive described in $dir/README.md, or fix MPTCP_LAB_OFFLINE_SOURCES"
    printf '%s\n' "$dir/$name"
}

missing_archive() {
    local name="$1" dir
    dir=$(offline_sources_dir)
    fail "$2 needs the upstream archive $name (sha256 $(awk -v name="$name" '$2 == name { print $1 }' "$repo_root/toolchain/offline-sources.sha256")), and this machine cannot download it" \
        "put $name in ${dir:-a directory} and set MPTCP_LAB_OFFLINE_SOURCES=${dir:-<that directory>} (toolchain/offline-sources.sha256 lists every archive), or run on a machine that reaches get.pulumi.com"
}

# Builds one Go main package into $2 with -ldflags "-s -w $4", from the module in $1 (the package
# path is $3). The module's go.sum pins every dependency (-mod=readonly).
go_build() {
    local module_dir="$1" output="$2" package="$3" ldflags="$4" tmp
    tmp=$(mktemp -d)
    (cd "$module_dir" && GOFLAGS=-mod=readonly go build -trimpath -o "$tmp/out" -ldflags "-s -w $ldflags" "$package") \
        || { rm -rf "$tmp"; fail "building $(basename "$output") from the Go module proxy failed (see above)" \
            "check that the Go module proxy is reachable (go env GOPROXY), or install Pulumi $PULUMI_VERSION yourself"; }
    mkdir -p "$(dirname "$output")"
    mv "$tmp/out" "$output"
    rmdir "$tmp"
}

pulumi_version_flag="-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION"
language_host_archive=pulumi-v$PULUMI_VERSION-language-nodejs.tar.gz
command_archive=pulumi-command-v$COMMAND_PROVIDER_VERSION-provider.tar.gz

# Extracts an upstream archive into a fresh temporary directory and prints that directory.
extract_archive() {
    local tmp
    tmp=$(mktemp -d)
    tar -xzf "$1" -C "$tmp"
    printf '%s\n' "$tmp"
}

# The Node.js language host from Pulumi's own source at the CLI's release, with the go.mod and
# go.sum of toolchain/language-nodejs/ (the upstream one points at sibling folders of the
# monorepo; ours takes pkg/v3 and sdk/v3 from the module proxy). A stamp of what went into the
# build replaces an older host, such as the v3.68 one earlier versions of mptcp-lab built.
build_language_host() {
    local archive="$1" src stamp="$toolchain_bin/.pulumi-language-nodejs.sha256" want
    want=$(cat "$archive" "$repo_root"/toolchain/language-nodejs/go.* | sha256sum | cut -d' ' -f1)
    if [ -x "$toolchain_bin/pulumi-language-nodejs" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then return 0; fi
    log "building the Node.js language host $PULUMI_VERSION from $(basename "$archive") (a few minutes, once)"
    src=$(extract_archive "$archive")
    cp "$repo_root"/toolchain/language-nodejs/go.mod "$repo_root"/toolchain/language-nodejs/go.sum \
        "$src/pulumi-$PULUMI_VERSION/sdk/nodejs/cmd/pulumi-language-nodejs/"
    go_build "$src/pulumi-$PULUMI_VERSION/sdk/nodejs/cmd/pulumi-language-nodejs" "$toolchain_bin/pulumi-language-nodejs" . "$pulumi_version_flag"
    rm -rf "$src" "$toolchain_bin/pulumi-language-nodejs-v3.68.0"
    echo "$want" >"$stamp"
}

# The CLI and its Node.js language host. In order: a pinned pulumi already on PATH with its host
# beside it (an official install); the CLI built from the Go module proxy and the host from the
# offline sources; Pulumi's official installer; otherwise an error naming the archive to provide.
ensure_pulumi_toolchain() {
    local ambient host_archive
    ambient=$(PATH="${PATH#"$toolchain_bin:"}" command -v pulumi || true)
    if [ -n "$ambient" ] && [ "$(pulumi_version_of "$ambient")" = "$PULUMI_VERSION" ] \
        && [ -x "$(dirname "$ambient")/pulumi-language-nodejs" ]; then
        log "using the Pulumi $PULUMI_VERSION found at $ambient"
        return 0
    fi
    host_archive=$(offline_archive "$language_host_archive")
    if [ -n "$host_archive" ] && command -v go >/dev/null; then
        if ! [ -x "$toolchain_bin/pulumi" ] || [ "$(pulumi_version_of "$toolchain_bin/pulumi")" != "$PULUMI_VERSION" ]; then
            log "building the Pulumi CLI $PULUMI_VERSION from the Go module proxy (a few minutes, once)"
            go_build "$repo_root/toolchain/pulumi" "$toolchain_bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi "$pulumi_version_flag"
        fi
        build_language_host "$host_archive"
        return 0
    fi
    # Without the archive, a toolchain built or installed on an earlier run serves as it is.
    if [ -x "$toolchain_bin/pulumi" ] && [ -x "$toolchain_bin/pulumi-language-nodejs" ] \
        && [ "$(pulumi_version_of "$toolchain_bin/pulumi")" = "$PULUMI_VERSION" ] \
        && [ "$("$toolchain_bin/pulumi-language-nodejs" --version 2>/dev/null)" = "v$PULUMI_VERSION" ]; then
        return 0
    fi
    if command -v curl >/dev/null && curl -fsSI --max-time 10 https://get.pulumi.com >/dev/null 2>&1; then
        log "installing Pulumi $PULUMI_VERSION with Pulumi's official installer"
        curl -fsSL https://get.pulumi.com | sh -s -- --version "$PULUMI_VERSION" --install-root "$(dirname "$toolchain_bin")" --no-edit-path
        return 0
    fi
    command -v go >/dev/null || fail "no Pulumi $PULUMI_VERSION, no Go to build it and no internet to install it" \
        "install Go 1.25+ (apt-get install golang) and provide the offline sources, or install Pulumi $PULUMI_VERSION"
    missing_archive "$language_host_archive" "the Node.js language host $PULUMI_VERSION"
}

# pulumi-resource-command, the provider behind @pulumi/command, registered in mptcp-lab's
# PULUMI_HOME. Built from the upstream archive with its own go.mod and go.sum when the offline
# sources have it, else installed the official way.
ensure_command_plugin() {
    local version="$COMMAND_PROVIDER_VERSION" plugin_dir archive src binary
    plugin_dir="$PULUMI_HOME/plugins/resource-command-v$version"
    if [ -x "$plugin_dir/pulumi-resource-command" ]; then return 0; fi
    binary="$cache_root/toolchain/command-v$version/pulumi-resource-command"
    archive=$(offline_archive "$command_archive")
    if [ ! -x "$binary" ] && [ -n "$archive" ]; then
        command -v go >/dev/null || fail "building pulumi-resource-command $version needs Go" "install Go 1.25+ (apt-get install golang)"
        log "building pulumi-resource-command $version from $(basename "$archive") (a few minutes, once)"
        src=$(extract_archive "$archive")
        go_build "$src/pulumi-command-$version/provider" "$binary" ./cmd/pulumi-resource-command \
            "-X github.com/pulumi/pulumi-command/provider/pkg/version.Version=$version"
        rm -rf "$src"
    fi
    if [ -x "$binary" ]; then
        pulumi plugin install resource command "$version" --file "$binary" >/dev/null
    elif command -v curl >/dev/null && curl -fsSI --max-time 10 https://get.pulumi.com >/dev/null 2>&1; then
        log "installing pulumi-resource-command $version with pulumi plugin install"
        pulumi plugin install resource command "$version" >/dev/null
    else
        missing_archive "$command_archive" "pulumi-resource-command $version"
    fi
}

# Dynamic providers run through pulumi-resource-pulumi-nodejs beside the CLI. An official install
# ships the SDK's launcher there; mptcp-lab's toolchain gets toolchain/pulumi-resource-pulumi-nodejs,
# which starts the same provider host without a node process to find it first.
ensure_dynamic_provider_launcher() {
    local pulumi_dir launcher="$repo_root/toolchain/pulumi-resource-pulumi-nodejs"
    pulumi_dir=$(dirname "$(command -v pulumi)")
    if [ "$pulumi_dir" != "$toolchain_bin" ] && [ -x "$pulumi_dir/pulumi-resource-pulumi-nodejs" ]; then return 0; fi
    cmp -s "$launcher" "$toolchain_bin/pulumi-resource-pulumi-nodejs" && return 0
    install -m 0755 "$launcher" "$toolchain_bin/pulumi-resource-pulumi-nodejs"
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
    ensure_pulumi_toolchain
    ensure_dynamic_provider_launcher
    ensure_backend
    ensure_command_plugin
    log "ready: $(pulumi version) at $(command -v pulumi), state in ${PULUMI_BACKEND_URL#file://}"
}

main "$@"
