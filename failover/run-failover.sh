#!/usr/bin/env bash
# Failover test runner for mptcp-lab. It runs ON the lab hosts as root; the controller uploads it,
# runs one subcommand per SSH call and downloads the result files. Every argument is validated
# here again, because the command line reaches a shell.
#
#   serve      --port P --timeout S --results DIR [--mptcpize]
#   serve-stop --results DIR
#   client     --server ADDR --port P --duration D --interval I --mode native|mptcpize|tcp
#              [--reverse] [--bind ADDR] [--bind-dev DEV] --results DIR
#              [--fail-interface DEV --down-at T1 [--up-at T2] [--reannounce]]
#   flip       --fail-interface DEV --down-at T1 (--up-at T2 | --duration D) --watch-port P
#              --results DIR [--wait S] [--detach] [--reannounce]
#   restore    --interface DEV [--results DIR]
#
# `serve` and `flip --detach` return at once and leave their work to a process in a session of
# its own (PID in DIR/server.pid, DIR/flip.pid); `restore --results DIR` stops a flip still
# running from DIR and cancels its watchdog before bringing the link up.
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
#   runner.log    the runner's own messages; server.pid and watchdog.pid while those run
#
# Exit status: 0 done; 2 invalid arguments; 3 missing prerequisite; 4 the server did not start
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

# --- processes ---------------------------------------------------------------------------------

# Alive and not a zombie: what we start in a session of its own is reaped by init, maybe late.
is_running() { # pid
    local stat
    { stat=$(<"/proc/$1/stat"); } 2>/dev/null || return 1
    stat=${stat##*) }
    [[ ${stat%% *} != Z ]]
}

group_running() { # process group id
    local stat_file stat state pgrp
    for stat_file in /proc/[0-9]*/stat; do
        { stat=$(<"$stat_file"); } 2>/dev/null || continue
        read -r state _ pgrp _ <<<"${stat##*) }"
        [[ $pgrp == "$1" && $state != Z ]] && return 0
    done
    return 1
}

# --- the failing link --------------------------------------------------------------------------

results_dir=""
fail_interface=""
link_is_down=0

record_link_event() { printf '%s %s\n' "$EPOCHREALTIME" "$*" >>"$results_dir/link-events"; }

# A process's command line, captured before it is matched: a pipe into grep -q fails under
# pipefail when grep exits at the match while the writer still writes (SIGPIPE).
cmdline_of() { # pid
    [[ -r /proc/$1/cmdline ]] && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null
}

is_our_watchdog() { # pid
    local cmdline
    cmdline=$(cmdline_of "$1") && [[ $cmdline == *mptcp-lab-watchdog* ]]
}

# An independent process in its own session that brings the link up after $1 seconds, so that
# even a SIGKILL of this runner (or a lost SSH session) leaves the link down for a bounded time.
arm_watchdog() {
    local seconds=$1
    # shellcheck disable=SC2016 # expanded by the watchdog's own shell
    setsid sh -c 'echo "$$" >"$4/watchdog.pid"; sleep "$1"; ip link set dev "$2" up &&
        printf "%s up %s watchdog\n" "$(date +%s.%N)" "$2" >>"$3"' \
        mptcp-lab-watchdog "$seconds" "$fail_interface" "$results_dir/link-events" "$results_dir" \
        </dev/null >/dev/null 2>&1 3>&- 4>&- &
    local waited=0 # its PID file is how it is cancelled
    while [[ ! -s $results_dir/watchdog.pid ]] && ((waited < 50)); do
        sleep 0.02
        waited=$((waited + 1))
    done
    [[ -s $results_dir/watchdog.pid ]] || echo "the watchdog did not report its PID" >&2
}

# Cancels the watchdog recorded in DIR, when it is still ours (PIDs are reused).
cancel_watchdog() { # dir
    local pid
    pid=$(cat "$1/watchdog.pid" 2>/dev/null || true)
    if [[ $pid =~ ^[1-9][0-9]*$ ]] && is_our_watchdog "$pid"; then
        kill -TERM -- "-$pid" 2>/dev/null || true
    fi
    rm -f "$1/watchdog.pid"
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
    cancel_watchdog "$results_dir" # its job is done; iperf3 may still run for a while
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
    arm_watchdog "$(micros_as_seconds $((start + up + WATCHDOG_GRACE_SECONDS * 1000000 - $(now_micros))))"
    sleep_until $((start + down)) "$still_running" || return 0
    link_down
    if sleep_until $((start + up)) "$still_running"; then
        link_up scheduled
        ((reannounce)) && reannounce_endpoints
    else
        link_up test-ended
    fi
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
    stop_monitor
    [[ -n $results_dir && -n $fail_interface ]] && cancel_watchdog "$results_dir"
    [[ -n $own_pid_file ]] && rm -f "$own_pid_file"
    [[ -n $results_dir && -d $results_dir ]] && echo "$status" >"$results_dir/exit-status"
    exit "$status"
}

exit_reason=""
own_pid_file=""
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
    local port="" timeout_seconds="" dir="" use_mptcpize=0
    while (($#)); do
        case $1 in
        --port) needs_value "$@" && port=$2 && shift 2 ;;
        --timeout) needs_value "$@" && timeout_seconds=$2 && shift 2 ;;
        --results) needs_value "$@" && dir=$2 && shift 2 ;;
        --mptcpize) use_mptcpize=1 && shift ;;
        *) die 2 "serve: unknown argument '$1'" ;;
        esac
    done
    require --port "$port" valid_port "a port"
    require --timeout "$timeout_seconds" valid_whole_seconds "whole seconds"
    require --results "$dir" valid_results_dir "an absolute path"
    need_commands iperf3 timeout setsid ss
    ((use_mptcpize)) && need_commands mptcpize
    [[ -z $(ss -Htln "( sport = :$port )") ]] || die 4 "port $port is already in use"

    prepare_results "$dir" server.json server.stderr server.pid
    local -a command=(timeout --foreground --kill-after=5 "$timeout_seconds")
    ((use_mptcpize)) && command+=(mptcpize run)
    # -B 0.0.0.0: Raspberry Pi kernels do MPTCP on IPv4 only; a 3.19+ server needs no -m.
    command+=(iperf3 -s -B 0.0.0.0 -1 -p "$port" -J)
    # A session of its own, so that it outlives this SSH call; the whole group stops together.
    # shellcheck disable=SC2016 # expanded by the server's own shell
    setsid sh -c 'echo "$$" >"$1/server.pid"; d=$1; shift; "$@" >"$d/server.json" 2>"$d/server.stderr"' \
        mptcp-lab-server "$dir" "${command[@]}" </dev/null >/dev/null 2>&1 3>&- 4>&- &

    local tries=0 pid=""
    while ((tries < 100)); do
        pid=$(cat "$dir/server.pid" 2>/dev/null || true)
        [[ -n $pid && -n $(ss -Htln "( sport = :$port )") ]] && break
        sleep 0.05
        tries=$((tries + 1))
    done
    if [[ -z $(ss -Htln "( sport = :$port )") ]]; then
        cat "$dir/server.stderr" >&2 2>/dev/null || true
        die 4 "the iperf3 server did not start listening on port $port"
    fi
    echo 0 >"$dir/exit-status"
    echo "iperf3 server listening on port $port, PID $pid" >&3
}

cmd_serve_stop() {
    local dir=""
    while (($#)); do
        case $1 in
        --results) needs_value "$@" && dir=$2 && shift 2 ;;
        *) die 2 "serve-stop: unknown argument '$1'" ;;
        esac
    done
    require --results "$dir" valid_results_dir "an absolute path"
    local pid
    pid=$(cat "$dir/server.pid" 2>/dev/null || true)
    [[ $pid =~ ^[1-9][0-9]*$ ]] || { echo "no server recorded in $dir"; return 0; }
    # Only a process group we started: its leader still runs our server command line.
    local cmdline
    if cmdline=$(cmdline_of "$pid") && [[ $cmdline == *mptcp-lab-server* ]]; then
        kill -TERM -- "-$pid" 2>/dev/null || true
        local tries=0
        while group_running "$pid" && ((tries < 50)); do
            sleep 0.1
            tries=$((tries + 1))
        done
        kill -KILL -- "-$pid" 2>/dev/null || true
    fi
    rm -f "$dir/server.pid"
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

    need_commands iperf3 ip timeout setsid stdbuf
    [[ $mode == mptcpize ]] && need_commands mptcpize
    local help
    help=$(iperf3 --help 2>&1 || true)
    if [[ $mode == native && $help != *--mptcp* ]]; then
        die 3 "this iperf3 has no --mptcp (3.19+ built with MPTCP); use --mode mptcpize"
    fi
    [[ -z $bind_dev || $help == *--bind-dev* ]] || die 3 "this iperf3 has no --bind-dev"
    need_root
    [[ -z $fail_interface ]] || need_interface "$fail_interface"
    [[ -z $bind_dev ]] || need_interface "$bind_dev"

    prepare_results "$dir" client.json client.stderr monitor.log monitor.stderr link-events meta.json
    install_traps
    [[ -z $fail_interface ]] || cancel_watchdog "$dir" # a previous run's must not fire during ours
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

# The process recorded in DIR/flip.pid, if it is still a flip of this script (PIDs are reused).
running_flip() { # dir
    local pid
    pid=$(cat "$1/flip.pid" 2>/dev/null || true)
    [[ $pid =~ ^[1-9][0-9]*$ && -r /proc/$pid/cmdline ]] || return 1
    local cmdline
    cmdline=$(cmdline_of "$pid") && [[ $cmdline == *"$SCRIPT_PATH flip "* ]] || return 1
    echo "$pid"
}

stop_flip() { # dir
    local pid tries=0
    pid=$(running_flip "$1") || return 0
    kill -TERM "$pid" 2>/dev/null || true # its own trap restores the link and records it
    while is_running "$pid" && ((tries < 100)); do
        sleep 0.05
        tries=$((tries + 1))
    done
}

# Runs this flip again in a session of its own and returns once it has started.
launch_detached_flip() { # dir args...
    local dir=$1 arg
    shift
    local -a args=()
    for arg in "$@"; do [[ $arg == --detach ]] || args+=("$arg"); done
    mkdir -p -- "$dir"
    stop_flip "$dir"
    rm -f -- "$dir/flip.pid"
    setsid bash "$SCRIPT_PATH" flip "${args[@]}" </dev/null >/dev/null 2>&1 &
    local child=$! tries=0
    while [[ ! -s $dir/flip.pid ]] && kill -0 "$child" 2>/dev/null && ((tries < 100)); do
        sleep 0.05
        tries=$((tries + 1))
    done
    [[ -s $dir/flip.pid ]] || die 4 "the detached flip did not start: $(tail -n 3 "$dir/runner.log" 2>/dev/null)"
    echo "flip of $fail_interface armed, PID $(cat "$dir/flip.pid")"
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
    need_commands ip ss setsid
    need_root
    need_interface "$fail_interface"
    if ((detach)); then
        launch_detached_flip "$dir" "${original_args[@]}"
        return 0
    fi

    prepare_results "$dir" link-events
    install_traps
    own_pid_file=$dir/flip.pid
    echo "$$" >"$own_pid_file"
    cancel_watchdog "$dir"
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
    [[ -z $dir ]] || stop_flip "$dir"
    local was_down=0
    local link
    link=$(ip -o link show dev "$interface")
    [[ $link =~ [\<,]UP[,\>] ]] || was_down=1
    ip link set dev "$interface" up
    if [[ -n $dir && -d $dir ]]; then
        cancel_watchdog "$dir"
        ((was_down)) && printf '%s up %s restore\n' "$EPOCHREALTIME" "$interface" >>"$dir/link-events"
    fi
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
    *) die 2 "unknown subcommand '$subcommand'" ;;
    esac
}

main "$@"
