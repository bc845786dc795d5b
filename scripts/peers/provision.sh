#!/usr/bin/env bash
# The provisioning that mptcp-lab's components do, as a plain bash script over SSH: the floor
# that scripts/benchmark-peers.ts measures mptcp-lab and Ansible against. One SSH session per
# host, hosts in parallel, host keys pinned.
#
#   provision.sh [--check] --key FILE --known-hosts FILE INVENTORY
#
# INVENTORY: one host per line, tab-separated: name, address, headers package, limits
# ("subflows N add_addr_accepted M"), endpoints ("ADDRESS DEVICE FLAG[,FLAG]" joined by ";").
# --check changes nothing and reports what differs (the drift check).
# Exit codes: 0 done (or no drift), 2 drift found (--check), 1 a host failed, 64 wrong usage.
set -euo pipefail

usage() { printf 'Usage: %s [--check] --key FILE --known-hosts FILE INVENTORY\n' "$0" >&2; exit 64; }
mode=apply key="" known_hosts=""
while [ $# -gt 0 ]; do
    case "$1" in
        --check) mode=check; shift ;;
        --key) key=${2:?}; shift 2 ;;
        --known-hosts) known_hosts=${2:?}; shift 2 ;;
        -*) usage ;;
        *) break ;;
    esac
done
if [ $# -ne 1 ] || [ ! -r "$key" ] || [ ! -r "$known_hosts" ] || [ ! -r "$1" ]; then usage; fi
inventory=$1

# What runs on each host, with its values as positional parameters set before it.
read -r -d '' remote <<'REMOTE' || true
set -euo pipefail
export LC_ALL=C DEBIAN_FRONTEND=noninteractive
mode=$1 headers=$2 limits=$3 endpoints=$4
changes=()
apply() { [ "$mode" = apply ]; }
installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }
apt_install() { apt-get install -y -qq --no-install-recommends "$@" >/dev/null; }

sysctl_file=/etc/sysctl.d/90-mptcp-lab.conf
sysctl_want=$'# Managed by mptcp-lab: Multi-Path TCP on at boot, and one path per address.\nnet.mptcp.enabled = 1\nnet.ipv4.conf.all.arp_ignore = 1\nnet.ipv4.conf.all.arp_announce = 2\nnet.ipv4.conf.all.rp_filter = 2'
if [ "$(cat "$sysctl_file" 2>/dev/null || true)" != "$sysctl_want" ] || [ "$(cat /proc/sys/net/mptcp/enabled)" != 1 ]; then
    changes+=("sysctl")
    if apply; then printf '%s\n' "$sysctl_want" > "$sysctl_file"; sysctl -q -p "$sysctl_file"; fi
fi

missing=()
for package in "$headers" git build-essential; do installed "$package" || missing+=("$package"); done
if [ ${#missing[@]} -gt 0 ]; then
    changes+=("install ${missing[*]}")
    if apply; then
        apt_install "${missing[@]}"
        probe=$(mktemp -d)
        printf '#include <netinet/in.h>\nint foo = IPPROTO_MPTCP;\nint main(void) { return 0; }\n' > "$probe/probe.c"
        cc -o "$probe/probe" "$probe/probe.c" || { rm -rf "$probe"; echo "IPPROTO_MPTCP does not compile" >&2; exit 4; }
        rm -rf "$probe"
    fi
fi
if ! installed iperf3; then changes+=("install iperf3"); if apply; then apt_install iperf3; fi; fi
if installed iperf3; then
    help=$(iperf3 --help 2>&1 || true)
    if [[ $help != *--mptcp* ]] && ! installed mptcpize; then changes+=("install mptcpize"); if apply; then apt_install mptcpize; fi; fi
fi

endpoints_have=$(ip mptcp endpoint show | awk '{
    dev = ""; flags = ""
    for (i = 2; i <= NF; i++) {
        if ($i == "id" || $i == "port") { i++; continue }
        if ($i == "dev") { dev = $(i + 1); i++; continue }
        if ($i ~ /^(signal|subflow|backup|fullmesh)$/) flags = flags (flags == "" ? "" : ",") $i
    }
    print $1, dev, flags
}' | sort)
endpoints_want=$(tr ';' '\n' <<< "$endpoints" | sort)
if [ "$endpoints_have" != "$endpoints_want" ]; then
    changes+=("endpoints: have [${endpoints_have//$'\n'/; }], want [${endpoints_want//$'\n'/; }]")
    if apply; then
        ip mptcp endpoint flush
        while read -r address device flags; do
            if [ -n "$address" ]; then ip mptcp endpoint add "$address" dev "$device" ${flags//,/ }; fi
        done <<< "$endpoints_want"
    fi
fi
limits_have=$(ip mptcp limits show | awk '{ for (i = 1; i < NF; i += 2) v[$i] = $(i + 1) }
    END { print "subflows", v["subflows"], "add_addr_accepted", v["add_addr_accepted"] }')
if [ "$limits_have" != "$limits" ]; then
    changes+=("limits: have [$limits_have], want [$limits]")
    # shellcheck disable=SC2086 # validated: "subflows N add_addr_accepted M"
    if apply; then ip mptcp limits set $limits; fi
fi

. /etc/os-release
echo "facts: $PRETTY_NAME, kernel $(uname -r) $(uname -m), boot $(cat /proc/sys/kernel/random/boot_id), mptcp $(cat /proc/sys/net/mptcp/enabled)"
ip -br -4 addr show | sed 's/^/facts: /'
if [ ${#changes[@]} -eq 0 ]; then echo ok; exit 0; fi
printf '%s: %s\n' "$mode" "${changes[@]}"
if [ "$mode" = check ]; then exit 2; fi
REMOTE

# Every value is checked before it reaches a shell, here or on the host.
check_field() {
    local what=$1 value=$2 pattern=$3
    [[ $value =~ $pattern ]] || { printf '%s:%s: %s %q does not match %s\n' "$inventory" "$line_number" "$what" "$value" "$pattern" >&2; exit 64; }
}
ipv4='([0-9]{1,3}\.){3}[0-9]{1,3}'
pids=() names=() line_number=0
while IFS=$'\t' read -r name address headers limits endpoints; do
    line_number=$((line_number + 1))
    [ -z "$name" ] && continue
    check_field "host name" "$name" '^[a-z][a-z0-9-]{0,30}$'
    check_field "address" "$address" "^${ipv4}\$"
    check_field "headers package" "$headers" '^[a-z0-9][a-z0-9.+-]{1,80}$'
    check_field "limits" "$limits" '^subflows [0-8] add_addr_accepted [0-8]$'
    check_field "endpoints" "$endpoints" "^(${ipv4} [a-z][a-z0-9]{0,14} (signal|subflow|backup|fullmesh)(,(signal|subflow|backup|fullmesh))*(;|\$))*\$"
    (
        {
            printf 'set --'
            printf ' %q' "$mode" "$headers" "$limits" "$endpoints"
            printf '\n%s\n' "$remote"
        } | ssh -i "$key" -o UserKnownHostsFile="$known_hosts" -o StrictHostKeyChecking=yes -o BatchMode=yes -o LogLevel=ERROR \
            "root@$address" bash -s 2>&1 | sed "s/^/$name: /"
    ) &
    pids+=("$!") names+=("$name")
done < "$inventory"

status=0
for i in "${!pids[@]}"; do
    if wait "${pids[$i]}"; then continue; else code=$?; fi
    if [ "$code" -eq 2 ] && [ "$status" -ne 1 ]; then status=2; else status=1; printf '%s: exited with %s\n' "${names[$i]}" "$code" >&2; fi
done
exit "$status"
