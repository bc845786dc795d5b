#!/usr/bin/env bash
# Failover test runner for mptcp-lab. It runs ON the lab hosts as root; the controller uploads it,
# runs one subcommand per SSH call and downloads the result files. Every argument is validated
# here again, because the command line reaches a shell.
#
#   serve      --port P --timeout S --results DIR [--interval I] [--mptcpize]
#   serve-stop --port P
#   client     --server ADDR --port P --duration D --interval I --mode native|mptcpize|tcp
#              [--reverse] [--bind ADDR] [--bind-dev DEV] --results DIR
#              [--fail-interface DEV --down-at T1 [--up-at T2] [--reannounce]]
#   flip       --fail-interface DEV --down-at T1 (--up-at T2 | --duration D) --watch-port P
#              --results DIR [--wait S] [--detach] [--reannounce]
#   restore    --interface DEV [--results DIR]
#
# The host's systemd holds what must outlive one SSH call, each as a transient unit that it stops
# and forgets: `serve` and `flip --detach` return at once and leave their work to a unit
# (mptcp-lab-server-P, mptcp-lab-flip-DEV); before a link goes down, a guard unit
# (mptcp-lab-link-DEV) takes over its restore: its timer, the watchdog, fires a few seconds after the
# link is due back, and its stop action brings the link up. So a killed runner, a dropped SSH
# session or a lost controller leaves the link down for a bounded time only. `restore` stops a flip
# of DEV still running, brings DEV up and stops its guard.
#
# Times T1, T2 and I are decimal seconds (T1/T2 counted from the moment iperf3 starts, or for
# `flip` from the moment the test's first connection appears); D, S and P are whole numbers.
# Without --up-at the link comes back at the end of the test (D seconds).
#
# --reannounce: when the link comes back during the test, delete and re-add (same id, address,
# port, flags) every MPTCP endpoint on DEV, as NetworkManager does on link up: the in-kernel path
# manager acts on endpoint events, not on links, and never re-creates a subflow that died.
#
# Result files in DIR:
#   client.json   iperf3 -J output of the client       server.json   the same for the server
#   monitor.log   `ip mptcp monitor` lines, each prefixed with the epoch time it was read
#   link-events   "<epoch> start iperf3|connection", "<epoch> down DEV", "<epoch> up DEV REASON",
#                 "<epoch> reannounce DEV ID..." (or "... reannounce DEV none": no endpoint on DEV)
#   meta.json     versions, mode, arguments and the epoch time iperf3 was started (startedAt)
#   exit-status   the runner's exit status as one number
#   runner.log    the runner's own messages
#
# Exit status: 0 done; 2 invalid arguments; 3 missing prerequisite (systemd among them, for serve,
# flip and a client with a failure); 4 the server did not start
# or the test's connection never appeared; otherwise iperf3's own status (124 when `timeout`
# stopped it) or 128+N after signal N. iperf3's status is not proof of success: read the JSON.
set -euo pipefail
export LC_ALL=C # EPOCHREALTIME must use a decimal point
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

SCRIPT_PATH=$(readlink -f -- "${BASH_SOURCE[0]}")
readonly SCRIPT_PATH
readonly WATCHDOG_GRACE_SECONDS=5
readonly MONITOR_SETTLE_SECONDS=0.3
readonly IPV4_OCTET='(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])'

die() { # status message...
    local status=$1
    shift
    printf 'run-failover: %s\n' "$*" >&2
    # After prepare_results stderr is runner.log: tell the caller too, on its own stderr (fd 4).
    { [[ -e /proc/$$/fd/4 ]] && printf 'run-failover: %s\n' "$*" >&4; } 2>/dev/null || true
    exit "$status"
}

# --- validation --------------------------------------------------------------------------------

valid_ipv4() { [[ $1 =~ ^${IPV4_OCTET}\.${IPV4_OCTET}\.${IPV4_OCTET}\.${IPV4_OCTET}$ ]]; }
# The lab's interface rule (lab/value-rules.ts, interfaceName; a test keeps this copy equal).
valid_interface() { [[ $1 =~ ^[a-z][a-z0-9]{0,14}$ ]]; }
valid_port() { [[ $1 =~ ^[1-9][0-9]{0,4}$ ]] && ((10#$1 <= 65535)); }
valid_whole_seconds() { [[ $1 =~ ^[1-9][0-9]{0,4}$ ]]; }
valid_decimal_seconds() { [[ $1 =~ ^[0-9]{1,5}(\.[0-9]{1,6})?$ ]]; }
valid_results_dir() {
    [[ $1 =~ ^/[A-Za-z0-9._/-]+$ && ! $1 =~ (^|/)\.\.?(/|$) && $1 != / ]]
}

needs_value() { (($# >= 2)) || die 2 "$1 needs a value"; }

require() { # flag value validator description
    [[ -n $2 ]] || die 2 "$1 is required"
    "$3" "$2" || die 2 "$1: '$2' is not $4"
}

# Decimal seconds to integer microseconds, without floating point.
to_micros() {
    local whole=${1%%.*} fraction=""
    [[ $1 == *.* ]] && fraction=${1#*.}
    fraction=${fraction}000000
    echo $((10#$whole * 1000000 + 10#${fraction:0:6}))
}

# --- time --------------------------------------------------------------------------------------

now_micros() {
    local now=$EPOCHREALTIME
    echo "${now/./}"
}

micros_as_seconds() { printf '%d.%06d' $(($1 / 1000000)) $(($1 % 1000000)); }

# Sleeps until the epoch time $1 (microseconds), waking every 0.1 s to ask `$2` (a command)
# whether the test is still running; returns 1 as soon as it is not.
sleep_until() {
    local target=$1 still_running=$2 remaining
    while :; do
        "$still_running" || return 1
        remaining=$((target - $(now_micros)))
        ((remaining > 0)) || return 0
        ((remaining > 100000)) && remaining=100000
        sleep "$(micros_as_seconds "$remaining")"
    done
}

# --- the service manager ----------------------------------------------------------------------

server_unit() { printf 'mptcp-lab-server-%s.service' "$1"; } # port
flip_unit() { printf 'mptcp-lab-flip-%s.service' "$1"; }     # interface
guard_unit() { printf 'mptcp-lab-link-%s.service' "$1"; }    # interface

need_systemd() { # what for
    { command -v systemd-run && command -v systemctl; } >/dev/null ||
        die 3 "systemd-run is not installed: the runner keeps $1 under the host's systemd (install systemd; Raspberry Pi OS runs it)"
    [[ -d /run/systemd/system ]] ||
        die 3 "systemd is not this host's service manager (no /run/systemd/system): the runner keeps $1 under it; run the test on a host booted with systemd"
    [[ $SCRIPT_PATH =~ ^/[A-Za-z0-9._/-]+$ ]] || die 3 "the runner's path $SCRIPT_PATH has characters a unit's command line would change"
}

# A transient service of the host's systemd: stopped after MAX seconds at the latest, forgotten
# once it ends (--collect), its main process started when systemd-run returns (exec).
start_unit() { # unit max_seconds description [--property=...]... -- command...
    local unit=$1 max=$2 description=$3
    shift 3
    stop_unit "$unit" # a leftover of an earlier run holds the name
    systemd-run --quiet --collect --service-type=exec --unit="$unit" --description="mptcp-lab: $description" \
        --property=RuntimeMaxSec="$max" "$@"
}

# Stops a unit, running its stop actions, and forgets it; nothing when it is not there.
stop_unit() { # unit
    systemctl stop -- "$1" 2>/dev/null || true
    systemctl reset-failed -- "$1" 2>/dev/null || true
}

unit_active() { systemctl is-active --quiet -- "$1"; }

# --- the failing link --------------------------------------------------------------------------

results_dir=""
fail_interface=""
link_is_down=0

record_link_event() { printf '%s %s\n' "$EPOCHREALTIME" "$*" >>"$results_dir/link-events"; }

guard_armed=0

# Hands the link's restore to systemd before the link goes down: a unit that holds only a timer,
# the watchdog ($1 seconds), and a stop action that brings the link up if it is still down and
# records it. The runner stops the unit itself once the link is up again.
arm_guard() { # seconds
    local unit bash_path
    unit=$(guard_unit "$fail_interface")
    bash_path=$(command -v bash)
    start_unit "$unit" "${1}s" "brings $fail_interface up after a failover test" \
        --property=ExecStopPost="$bash_path $SCRIPT_PATH guard-end --interface $fail_interface --results $results_dir" \
        -- sleep infinity || die 3 "systemd-run could not start $unit; $fail_interface stays up"
    guard_armed=1
}

disarm_guard() {
    ((guard_armed)) || return 0
    guard_armed=0
    stop_unit "$(guard_unit "$fail_interface")"
}

link_down() {
    link_is_down=1 # first, so that a signal arriving during `ip` still restores the link
    record_link_event "down $fail_interface"
    ip link set dev "$fail_interface" down
}

link_up() { # reason
    ip link set dev "$fail_interface" up
    link_is_down=0
    record_link_event "up $fail_interface $1"
}

reannounce=0
readonly ENDPOINT_FLAGS=" signal subflow backup fullmesh implicit laminar "

# Deletes and re-adds each endpoint on the failed interface, keeping its id, address, port and
# flags. Lines of `ip mptcp endpoint show`: "ADDR [port P] id N FLAG... dev DEV".
reannounce_endpoints() {
    local tries=0 line word key ids="" address port id flags device
    local -a words readded=()
    # A link that is up but not yet running (no carrier) would only fail the new subflow.
    while [[ $(cat "/sys/class/net/$fail_interface/operstate" 2>/dev/null) == down ]] && ((tries < 50)); do
        sleep 0.1
        tries=$((tries + 1))
    done
    local table
    table=$(ip mptcp endpoint show)
    while IFS= read -r line; do
        read -r -a words <<<"$line"
        ((${#words[@]} > 0)) || continue
        address=${words[0]} port="" id="" flags="" device="" key=""
        for word in "${words[@]:1}"; do
            case $key in
            port) port=$word key="" && continue ;;
            id) id=$word key="" && continue ;;
            dev) device=$word key="" && continue ;;
            esac
            case $word in
            port | id | dev) key=$word ;;
            *) [[ $ENDPOINT_FLAGS == *" $word "* ]] && flags+=" $word" ;;
            esac
        done
        if [[ $device != "$fail_interface" || ! $id =~ ^[1-9][0-9]{0,2}$ ]] || ! valid_ipv4 "$address"; then continue; fi
        if [[ -n $port ]] && ! valid_port "$port"; then continue; fi
        ip mptcp endpoint delete id "$id" || { echo "could not delete endpoint $id" >&2; continue; }
        # shellcheck disable=SC2086 # flags are words from the list above
        ip mptcp endpoint add "$address" ${port:+port "$port"} id "$id" $flags dev "$device" ||
            echo "could not re-add endpoint $id ($address$flags dev $device)" >&2
        readded+=("$id")
    done <<<"$table"
    ids=${readded[*]}
    record_link_event "reannounce $fail_interface ${ids:-none}"
}

# Holds the link down from T1 to T2 (microseconds after $start) while `$still_running` says yes.
flip_link() { # start_micros down_micros up_micros still_running
    local start=$1 down=$2 up=$3 still_running=$4
    # Armed now rather than at T1, so that the link goes down on time.
    arm_guard "$(micros_as_seconds $((start + up + WATCHDOG_GRACE_SECONDS * 1000000 - $(now_micros))))"
    if sleep_until $((start + down)) "$still_running"; then
        link_down
        if sleep_until $((start + up)) "$still_running"; then
            link_up scheduled
            if ((reannounce)); then reannounce_endpoints; fi
        else
            link_up test-ended
        fi
    fi
    disarm_guard
    return 0
}

# --- exit paths --------------------------------------------------------------------------------

iperf_pid=""
monitor_pid=""
stamper_pid=""

stop_monitor() {
    [[ -n $monitor_pid ]] || return 0
    sleep "$MONITOR_SETTLE_SECONDS" # the kernel reports CLOSED just after the test ends
    kill -TERM "$monitor_pid" 2>/dev/null || true
    wait "$monitor_pid" 2>/dev/null || true
    monitor_pid=""
    local tries=0 # the time stamper ends at end of input; let it write its last lines
    while [[ -n $stamper_pid ]] && kill -0 "$stamper_pid" 2>/dev/null && ((tries < 50)); do
        sleep 0.02
        tries=$((tries + 1))
    done
    stamper_pid=""
}

on_exit() {
    local status=$?
    trap '' TERM INT HUP PIPE
    if ((link_is_down)); then
        link_up "${exit_reason:-exit}" || echo "could not bring $fail_interface up" >&2
    fi
    if [[ -n $iperf_pid ]] && kill -0 "$iperf_pid" 2>/dev/null; then
        kill -TERM "$iperf_pid" 2>/dev/null || true # timeout passes it on; iperf3 writes its JSON
        wait "$iperf_pid" 2>/dev/null || true
    fi
    disarm_guard
    stop_monitor
    [[ -n $results_dir && -d $results_dir ]] && echo "$status" >"$results_dir/exit-status"
    exit "$status"
}

exit_reason=""
on_signal() { # name number
    exit_reason="signal-$1"
    exit $((128 + $2))
}

install_traps() {
    trap on_exit EXIT
    trap 'on_signal HUP 1' HUP
    trap 'on_signal INT 2' INT
    trap 'on_signal TERM 15' TERM
    trap 'on_signal PIPE 13' PIPE
}

# Creates DIR, removes the previous run's files and sends this runner's messages to runner.log,
# keeping the caller's stdout and stderr as fds 3 and 4: a dropped SSH session must not turn a
# stray message into a SIGPIPE. Children get neither, or they would hold the SSH session open.
prepare_results() { # dir files...
    results_dir=$1
    shift
    mkdir -p -- "$results_dir"
    [[ -d $results_dir && ! -L $results_dir ]] || die 3 "$results_dir is not a directory"
    local file
    for file in "$@" runner.log exit-status; do rm -f -- "${results_dir:?}/$file"; done
    exec 3>&1 4>&2 >>"$results_dir/runner.log" 2>&1
}

need_commands() {
    local command
    for command in "$@"; do
        command -v "$command" >/dev/null || die 3 "$command is not installed"
    done
}

need_root() { ((EUID == 0)) || die 3 "run as root: changing links and reading MPTCP events need it"; }

need_interface() { ip link show dev "$1" >/dev/null 2>&1 || die 3 "no interface $1 on this host"; }

link_is_up() { # interface: administratively up
    local link
    link=$(ip -o link show dev "$1") && [[ $link =~ [\<,]UP[,\>] ]]
}

# The first line a command prints, without `| head -n 1` (which could kill it with SIGPIPE).
first_line_of() { # command...
    local text
    text=$("$@" 2>&1 || true)
    printf '%s' "${text%%$'\n'*}"
}

json_string() { # escapes backslash and quote; control characters become spaces
    local value=${1//\\/\\\\}
    value=${value//\"/\\\"}
    value=${value//[$'\t\r\n']/ }
    printf '"%s"' "$value"
}

json_array() {
    local out="" item
    for item in "$@"; do out+="${out:+, }$(json_string "$item")"; done
    printf '[%s]' "$out"
}

# --- subcommands -------------------------------------------------------------------------------

cmd_serve() {
    local port="" timeout_seconds="" dir="" interval=1 use_mptcpize=0
    while (($#)); do
        case $1 in
        --port) needs_value "$@" && port=$2 && shift 2 ;;
        --timeout) needs_value "$@" && timeout_seconds=$2 && shift 2 ;;
        --interval) needs_value "$@" && interval=$2 && shift 2 ;;
        --results) needs_value "$@" && dir=$2 && shift 2 ;;
        --mptcpize) use_mptcpize=1 && shift ;;
        *) die 2 "serve: unknown argument '$1'" ;;
        esac
    done
    require --port "$port" valid_port "a port"
    require --timeout "$timeout_seconds" valid_whole_seconds "whole seconds"
    require --results "$dir" valid_results_dir "an absolute path"
    require --interval "$interval" valid_decimal_seconds "decimal seconds"
    local interval_us
    interval_us=$(to_micros "$interval")
    ((interval_us >= 100000 && interval_us <= 60000000)) || die 2 "--interval must be 0.1 to 60 s"
    need_commands iperf3 timeout ss
    ((use_mptcpize)) && need_commands mptcpize
    need_systemd "the iperf3 server"
    local unit
    unit=$(server_unit "$port")
    stop_unit "$unit" # our server of an earlier run on this port
    [[ -z $(ss -Htln "( sport = :$port )") ]] || die 4 "port $port is already in use"

    prepare_results "$dir" server.json server.stderr
    local -a command=(timeout --foreground --kill-after=5 "$timeout_seconds")
    ((use_mptcpize)) && command+=(mptcpize run)
    # -B 0.0.0.0: Raspberry Pi kernels do MPTCP on IPv4 only; a 3.19+ server needs no -m.
    # -i: the receiver's byte counts of a forward run, at the client's interval, are the figures.
    command+=(iperf3 -s -B 0.0.0.0 -1 -p "$port" -i "$interval" -J)
    start_unit "$unit" "$((10#$timeout_seconds + 10))s" "iperf3 server on port $port" \
        --property=StandardOutput="file:$dir/server.json" --property=StandardError="file:$dir/server.stderr" \
        -- "${command[@]}" || die 4 "systemd-run could not start $unit"

    local tries=0
    while [[ -z $(ss -Htln "( sport = :$port )") ]] && unit_active "$unit" && ((tries < 100)); do
        sleep 0.05
        tries=$((tries + 1))
    done
    if [[ -z $(ss -Htln "( sport = :$port )") ]]; then
        cat "$dir/server.stderr" >&2 2>/dev/null || true
        stop_unit "$unit"
        die 4 "the iperf3 server did not start listening on port $port"
    fi
    echo 0 >"$dir/exit-status"
    echo "iperf3 server listening on port $port, unit $unit" >&3
}

cmd_serve_stop() {
    local port=""
    while (($#)); do
        case $1 in
        --port) needs_value "$@" && port=$2 && shift 2 ;;
        *) die 2 "serve-stop: unknown argument '$1'" ;;
        esac
    done
    require --port "$port" valid_port "a port"
    need_systemd "the iperf3 server"
    stop_unit "$(server_unit "$port")"
}

client_still_running() { kill -0 "$iperf_pid" 2>/dev/null; }

start_monitor() { # seconds
    local monitor_fd
    exec {monitor_fd}> >(
        exec 3>&- 4>&-
        while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done >"$results_dir/monitor.log"
    )
    stamper_pid=$!
    # Line-buffered: iproute2 block-buffers a pipe, which delays lines and loses them at exit.
    # Bounded like iperf3, so that a SIGKILLed runner leaves nothing running for long.
    timeout "$1" stdbuf -oL ip mptcp monitor >&"$monitor_fd" 2>"$results_dir/monitor.stderr" 3>&- 4>&- &
    monitor_pid=$!
    exec {monitor_fd}>&-
    sleep "$MONITOR_SETTLE_SECONDS" # let it subscribe before the first connection
}

cmd_client() {
    local server="" port="" duration="" interval="" mode="" reverse=0 bind="" bind_dev="" dir=""
    local down_at="" up_at=""
    local -a original_args=("$@")
    while (($#)); do
        case $1 in
        --server) needs_value "$@" && server=$2 && shift 2 ;;
        --port) needs_value "$@" && port=$2 && shift 2 ;;
        --duration) needs_value "$@" && duration=$2 && shift 2 ;;
        --interval) needs_value "$@" && interval=$2 && shift 2 ;;
        --mode) needs_value "$@" && mode=$2 && shift 2 ;;
        --reverse) reverse=1 && shift ;;
        --bind) needs_value "$@" && bind=$2 && shift 2 ;;
        --bind-dev) needs_value "$@" && bind_dev=$2 && shift 2 ;;
        --results) needs_value "$@" && dir=$2 && shift 2 ;;
        --fail-interface) needs_value "$@" && fail_interface=$2 && shift 2 ;;
        --down-at) needs_value "$@" && down_at=$2 && shift 2 ;;
        --up-at) needs_value "$@" && up_at=$2 && shift 2 ;;
        --reannounce) reannounce=1 && shift ;;
        *) die 2 "client: unknown argument '$1'" ;;
        esac
    done
    require --server "$server" valid_ipv4 "an IPv4 address"
    require --port "$port" valid_port "a port"
    require --duration "$duration" valid_whole_seconds "whole seconds"
    require --interval "$interval" valid_decimal_seconds "decimal seconds"
    [[ $mode =~ ^(native|mptcpize|tcp)$ ]] || die 2 "--mode must be native, mptcpize or tcp"
    [[ -z $bind ]] || require --bind "$bind" valid_ipv4 "an IPv4 address"
    [[ -z $bind_dev ]] || require --bind-dev "$bind_dev" valid_interface "an interface name"
    [[ -z $bind_dev || $mode == tcp ]] || die 2 "--bind-dev would pin every MPTCP subflow to one interface: tcp mode only"
    require --results "$dir" valid_results_dir "an absolute path"
    local interval_us duration_us down_us="" up_us=""
    interval_us=$(to_micros "$interval")
    duration_us=$((10#$duration * 1000000))
    ((interval_us >= 100000 && interval_us <= 60000000)) || die 2 "--interval must be 0.1 to 60 s"
    if [[ -n $fail_interface || -n $down_at || -n $up_at ]] || ((reannounce)); then
        require --fail-interface "$fail_interface" valid_interface "an interface name"
        require --down-at "$down_at" valid_decimal_seconds "decimal seconds"
        down_us=$(to_micros "$down_at")
        up_us=$duration_us
        if [[ -n $up_at ]]; then
            require --up-at "$up_at" valid_decimal_seconds "decimal seconds"
            up_us=$(to_micros "$up_at")
        fi
        ((down_us < up_us && up_us <= duration_us)) || die 2 "need --down-at < --up-at <= --duration"
    fi

    need_commands iperf3 ip timeout stdbuf
    [[ $mode == mptcpize ]] && need_commands mptcpize
    local help
    help=$(iperf3 --help 2>&1 || true)
    if [[ $mode == native && $help != *--mptcp* ]]; then
        die 3 "this iperf3 has no --mptcp (3.19+ built with MPTCP); use --mode mptcpize"
    fi
    [[ -z $bind_dev || $help == *--bind-dev* ]] || die 3 "this iperf3 has no --bind-dev"
    [[ -z $fail_interface ]] || need_systemd "a failed link's restore"
    need_root
    [[ -z $fail_interface ]] || need_interface "$fail_interface"
    [[ -z $bind_dev ]] || need_interface "$bind_dev"

    prepare_results "$dir" client.json client.stderr monitor.log monitor.stderr link-events meta.json
    install_traps
    start_monitor $((10#$duration + 30))

    local -a command=(timeout --kill-after=5 $((10#$duration + 15)))
    [[ $mode == mptcpize ]] && command+=(mptcpize run)
    command+=(iperf3 -c "$server" -p "$port" -t "$duration" -i "$interval" -J)
    [[ $mode == native ]] && command+=(-m)
    ((reverse)) && command+=(-R)
    [[ -z $bind ]] || command+=(-B "$bind")
    [[ -z $bind_dev ]] || command+=(--bind-dev "$bind_dev")

    local started_at=$EPOCHREALTIME
    "${command[@]}" >"$dir/client.json" 2>"$dir/client.stderr" </dev/null 3>&- 4>&- &
    iperf_pid=$!
    local start_us=${started_at/./}
    [[ -z $fail_interface ]] || printf '%s start iperf3\n' "$started_at" >>"$dir/link-events"

    cat >"$dir/meta.json" <<EOF
{
  "runner": "client",
  "mode": "$mode",
  "startedAt": $started_at,
  "iperf3Version": $(json_string "$(first_line_of iperf3 --version)"),
  "kernel": $(json_string "$(uname -r)"),
  "hostname": $(json_string "$(uname -n)"),
  "server": "$server",
  "port": $port,
  "durationSeconds": $duration,
  "intervalSeconds": $(micros_as_seconds "$interval_us"),
  "reverse": $( ((reverse)) && echo true || echo false),
  "failInterface": $([[ -n $fail_interface ]] && json_string "$fail_interface" || echo null),
  "downAtSeconds": $([[ -n $fail_interface ]] && micros_as_seconds "$down_us" || echo null),
  "upAtSeconds": $([[ -n $fail_interface ]] && micros_as_seconds "$up_us" || echo null),
  "command": $(json_array "${command[@]}"),
  "args": $(json_array "${original_args[@]}")
}
EOF

    [[ -z $fail_interface ]] || flip_link "$start_us" "$down_us" "$up_us" client_still_running
    local status=0
    wait "$iperf_pid" || status=$?
    iperf_pid=""
    echo "iperf3 exited with status $status" >&3
    exit "$status"
}

# Runs this flip again as a unit of its own and returns once it waits for the test's connection.
launch_detached_flip() { # dir max_seconds args...
    local dir=$1 max=$2 arg unit log=""
    shift 2
    local -a args=()
    for arg in "$@"; do [[ $arg == --detach ]] || args+=("$arg"); done
    unit=$(flip_unit "$fail_interface")
    stop_unit "$unit" # an earlier flip of this link: its trap restores the link
    mkdir -p -- "$dir"
    rm -f -- "$dir/runner.log"
    start_unit "$unit" "${max}s" "fails $fail_interface during a failover test" \
        -- "$(command -v bash)" "$SCRIPT_PATH" flip "${args[@]}" || die 4 "systemd-run could not start $unit"
    local tries=0
    while ((tries < 100)); do
        log=$(cat "$dir/runner.log" 2>/dev/null || true)
        if [[ $log == *"waiting for a connection"* ]] || ! unit_active "$unit"; then break; fi
        sleep 0.05
        tries=$((tries + 1))
    done
    [[ $log == *"waiting for a connection"* ]] || die 4 "the detached flip did not start: ${log:-no message}"
    echo "flip of $fail_interface armed as $unit"
}

watched_port=""
connection_present() { [[ -n $(ss -Htn state established "( sport = :$watched_port or dport = :$watched_port )") ]]; }

cmd_flip() {
    local down_at="" up_at="" duration="" dir="" wait_seconds=60 detach=0
    local -a original_args=("$@")
    while (($#)); do
        case $1 in
        --fail-interface) needs_value "$@" && fail_interface=$2 && shift 2 ;;
        --down-at) needs_value "$@" && down_at=$2 && shift 2 ;;
        --up-at) needs_value "$@" && up_at=$2 && shift 2 ;;
        --duration) needs_value "$@" && duration=$2 && shift 2 ;;
        --watch-port) needs_value "$@" && watched_port=$2 && shift 2 ;;
        --results) needs_value "$@" && dir=$2 && shift 2 ;;
        --wait) needs_value "$@" && wait_seconds=$2 && shift 2 ;;
        --detach) detach=1 && shift ;;
        --reannounce) reannounce=1 && shift ;;
        *) die 2 "flip: unknown argument '$1'" ;;
        esac
    done
    require --fail-interface "$fail_interface" valid_interface "an interface name"
    require --down-at "$down_at" valid_decimal_seconds "decimal seconds"
    require --watch-port "$watched_port" valid_port "a port"
    require --results "$dir" valid_results_dir "an absolute path"
    require --wait "$wait_seconds" valid_whole_seconds "whole seconds"
    local down_us up_us
    down_us=$(to_micros "$down_at")
    if [[ -n $up_at ]]; then
        require --up-at "$up_at" valid_decimal_seconds "decimal seconds"
        up_us=$(to_micros "$up_at")
    else
        require --duration "$duration" valid_whole_seconds "whole seconds (or give --up-at)"
        up_us=$((10#$duration * 1000000))
    fi
    ((down_us < up_us)) || die 2 "need --down-at < --up-at (or --duration)"
    need_commands ip ss
    need_systemd "a failed link's restore"
    need_root
    need_interface "$fail_interface"
    if ((detach)); then
        launch_detached_flip "$dir" $((10#$wait_seconds + up_us / 1000000 + WATCHDOG_GRACE_SECONDS + 30)) "${original_args[@]}"
        return 0
    fi

    prepare_results "$dir" link-events
    install_traps
    echo "waiting for a connection on port $watched_port"
    local deadline=$(($(now_micros) + 10#$wait_seconds * 1000000))
    until connection_present; do
        (($(now_micros) < deadline)) || die 4 "no connection on port $watched_port within $wait_seconds s"
        sleep 0.05
    done
    local started_at=$EPOCHREALTIME
    printf '%s start connection %s\n' "$started_at" "$watched_port" >>"$dir/link-events"
    flip_link "${started_at/./}" "$down_us" "$up_us" connection_present
    echo "link $fail_interface flipped" >&3
}

cmd_restore() {
    local interface="" dir=""
    while (($#)); do
        case $1 in
        --interface) needs_value "$@" && interface=$2 && shift 2 ;;
        --results) needs_value "$@" && dir=$2 && shift 2 ;;
        *) die 2 "restore: unknown argument '$1'" ;;
        esac
    done
    require --interface "$interface" valid_interface "an interface name"
    [[ -z $dir ]] || require --results "$dir" valid_results_dir "an absolute path"
    need_root
    need_interface "$interface"
    # Without systemd no unit of ours can exist: the link is brought up all the same.
    local units=0
    command -v systemctl >/dev/null && [[ -d /run/systemd/system ]] && units=1
    ((units)) && stop_unit "$(flip_unit "$interface")" # its trap brings the link up and records it
    local was_down=0
    link_is_up "$interface" || was_down=1
    ip link set dev "$interface" up
    if [[ -n $dir && -d $dir ]] && ((was_down)); then
        printf '%s up %s restore\n' "$EPOCHREALTIME" "$interface" >>"$dir/link-events"
    fi
    ((units)) && stop_unit "$(guard_unit "$interface")" # its stop action finds the link up
    return 0
}

# The stop action of a link's guard unit (ExecStopPost): brings the link up if it is still down,
# and records who did: the watchdog when the unit's timer ended it, otherwise whoever stopped it.
cmd_guard_end() {
    local interface="" dir=""
    while (($#)); do
        case $1 in
        --interface) needs_value "$@" && interface=$2 && shift 2 ;;
        --results) needs_value "$@" && dir=$2 && shift 2 ;;
        *) die 2 "guard-end: unknown argument '$1'" ;;
        esac
    done
    require --interface "$interface" valid_interface "an interface name"
    require --results "$dir" valid_results_dir "an absolute path"
    need_root
    need_interface "$interface"
    link_is_up "$interface" && return 0
    ip link set dev "$interface" up
    local reason=unit-stopped
    [[ ${SERVICE_RESULT-} == timeout ]] && reason=watchdog
    [[ -d $dir ]] && printf '%s up %s %s\n' "$EPOCHREALTIME" "$interface" "$reason" >>"$dir/link-events"
    return 0
}

main() {
    (($#)) || die 2 "usage: run-failover.sh serve|serve-stop|client|flip|restore [options]"
    [[ -n ${EPOCHREALTIME-} ]] || die 3 "bash 5 or later is needed (EPOCHREALTIME)"
    local subcommand=$1
    shift
    case $subcommand in
    serve) cmd_serve "$@" ;;
    serve-stop) cmd_serve_stop "$@" ;;
    client) cmd_client "$@" ;;
    flip) cmd_flip "$@" ;;
    restore) cmd_restore "$@" ;;
    guard-end) cmd_guard_end "$@" ;;
    *) die 2 "unknown subcommand '$subcommand'" ;;
    esac
}

main "$@"
