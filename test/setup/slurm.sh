#!/bin/bash
# Single-node Slurm test cluster for skiff's --join tests.
#
#   test/setup/slurm.sh start    install if missing, configure, start, wait until idle
#   test/setup/slurm.sh stop     stop slurmd, slurmctld and munged; no process left
#   test/setup/slurm.sh status   print daemon and node state; exit 0 iff usable
#
# Must run as root (Debian 12). Installs munge, slurmctld, slurmd and
# slurm-client from Debian when missing. All state, logs, pid files and the
# real slurm.conf live in $SKIFF_SLURM_DIR (default $SKIFF_TEST_ROOT/slurm, i.e.
# /var/tmp/skiff-test/slurm), except the slurmd spool dir (below).
#
# Config location: the file is written to the state dir and /etc/slurm/slurm.conf
# is made a symlink to it. SLURM_CONF alone would be fragile: every client
# (srun inside `setpriv ... env ...`, test harness subprocesses, sudo, ch-run
# children) would need the variable passed through, and one scrubbed
# environment gives a confusing "cannot open slurm.conf" error. With the
# default path every srun/sinfo/scontrol just works. Daemons are additionally
# given the path with -f. A foreign pre-existing /etc/slurm/slurm.conf is moved
# aside once (to slurm.conf.skiff-orig).
#
# Settings (as measured on Debian 12's Slurm 22.05): one node with CPUs=4 on loopback, so
# `srun -n 4` works on a 2-core machine (SlurmdParameters=config_overrides keeps
# slurmd from marking it invalid), proctrack/linuxproc, task/none,
# select/cons_tres CR_CPU, jobacct_gather/none, no accounting. Daemons run as
# root (SlurmUser=root), munged as user munge with a 0400 key.
#
# MpiDefault=pmix: `srun ./mpi_prog` wires up Debian's Open MPI 4.1 ranks
# directly (Open MPI has no PMI-2 client, so --mpi=pmi2 fails in MPI_Init).
# Slurm's mpi/pmix_v4 plugin dlopens .../pmix2/lib/libpmix.so, which only the
# libpmix-dev package provides; without it every step with MpiDefault=pmix
# fails, so libpmix-dev is installed here too. Clients reach the PMIx server
# over tcp4://127.0.0.1 (PMIX_SERVER_URI*), which works from inside a container.
#
# SlurmdSpoolDir=/var/spool/slurmd (upstream default, not under the state
# dir): PMIx's shared-memory dstore lives in SPOOL/pmix.JOB.STEP/, and
# Charliecloud (HEAD) bind-mounts /var/spool/slurmd into containers when the
# image has that directory, as on real clusters. Without the bind clients
# print "PMIX ERROR: ERROR in file .../gds_ds12_lock_pthread.c at line 169"
# and fall back (harmless); PMIX_MCA_gds=hash silences it.

set -euo pipefail

STATE=${SKIFF_SLURM_DIR:-${SKIFF_TEST_ROOT:-/var/tmp/skiff-test}/slurm}
CONF=$STATE/slurm.conf
SPOOL=/var/spool/slurmd
ETC_CONF=/etc/slurm/slurm.conf
MUNGE_KEY=/etc/munge/munge.key
MUNGE_PID=/run/munge/munged.pid
CTLD_PID=$STATE/slurmctld.pid
SLURMD_PID=$STATE/slurmd.pid
START_TIMEOUT=${SKIFF_SLURM_TIMEOUT:-60}   # seconds, for each wait
export SLURM_CONF=$CONF                     # for this script's own clients

# Real executables (Debian's slurm*-wlm via alternatives), as /proc/PID/exe
# shows them; set by resolve_exes after installation.
CTLD_EXE='' SLURMD_EXE='' STEPD_EXE='' MUNGED_EXE=''
resolve_exes() {
    CTLD_EXE=$(readlink -f /usr/sbin/slurmctld 2>/dev/null || echo /usr/sbin/slurmctld)
    SLURMD_EXE=$(readlink -f /usr/sbin/slurmd 2>/dev/null || echo /usr/sbin/slurmd)
    STEPD_EXE=$(readlink -f /usr/sbin/slurmstepd 2>/dev/null || echo /usr/sbin/slurmstepd)
    MUNGED_EXE=$(readlink -f /usr/sbin/munged 2>/dev/null || echo /usr/sbin/munged)
}

log() { printf 'slurm.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[[ $(id -u) == 0 ]] || die "must run as root"

# Node name: the short host name, so `srun hostname` matches `hostname`;
# reached over 127.0.0.1 whatever the name resolves to.
NODE=$(hostname -s)
NODE=${NODE:-localhost}

# ---------------------------------------------------------------- helpers

pid_alive() {  # pidfile [exe]: true if the pid in pidfile runs (and is exe)
    local f=$1 exe=${2:-} pid
    [[ -r $f ]] || return 1
    pid=$(<"$f") || return 1
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [[ -d /proc/$pid ]] || return 1
    if [[ -n $exe ]]; then
        [[ $(readlink "/proc/$pid/exe" 2>/dev/null) == "$exe" ]] || return 1
    fi
    return 0
}

# PIDs of processes whose executable is one of the given paths (one find,
# not a readlink per process: cheap even on a busy machine).
pids_of_exe() {
    { find /proc -mindepth 2 -maxdepth 2 -name exe -printf '%h %l\n' 2>/dev/null || true; } \
        | awk -v want="$*" '
            BEGIN { n = split(want, w, " ") }
            { sub(/ \(deleted\)$/, "")
              for (i = 1; i <= n; i++) if ($2 == w[i]) { sub("^/proc/", "", $1); print $1 } }'
}

wait_until() {  # timeout_s description command...: poll every 0.1 s
    local t=$1 what=$2; shift 2
    local end=$(( $(date +%s%N) / 1000000 + t * 1000 ))
    until "$@"; do
        if (( $(date +%s%N) / 1000000 > end )); then
            log "timeout (${t}s) waiting for $what"
            return 1
        fi
        sleep 0.1
    done
}

munge_ok() { munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; }
ctld_ok()  { pid_alive "$CTLD_PID" "$CTLD_EXE" && scontrol ping 2>/dev/null | grep -q 'is UP'; }
node_state() { sinfo -h -n "$NODE" -o %T 2>/dev/null | head -n1; }
node_idle() { [[ $(node_state) == idle ]]; }
node_usable() { [[ $(node_state) == @(idle|mixed|allocated|completing) ]]; }
node_registered() {
    local s; s=$(node_state)
    [[ -n $s && $s != *unknown* && $s != *not_responding* && $s != 'n/a' ]]
}

# ---------------------------------------------------------------- install

install_if_missing() {
    local need=() p
    for p in munge slurmctld slurmd slurm-client libpmix-dev; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
            || need+=("$p")
    done
    (( ${#need[@]} )) || return 0
    log "installing ${need[*]}"
    # Keep maintainer scripts from starting daemons with the stock config.
    local made_policy=
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        made_policy=1
    fi
    local rc=0
    { apt-get update -qq \
      && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
             --no-install-recommends "${need[@]}" >/dev/null; } \
        || rc=$?
    [[ -z $made_policy ]] || rm -f /usr/sbin/policy-rc.d
    (( rc == 0 )) || die "apt-get install failed ($rc)"
}

# ---------------------------------------------------------------- config

write_conf() {  # writes $1
    cat > "$1" <<EOF
# Generated by skiff test/setup/slurm.sh - do not edit, rewritten on start.
ClusterName=skiff
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=root
SlurmdUser=root
MailProg=/bin/true
AuthType=auth/munge
CredType=cred/munge
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$SPOOL
SlurmctldPidFile=$CTLD_PID
SlurmdPidFile=$SLURMD_PID
SlurmctldLogFile=$STATE/slurmctld.log
SlurmdLogFile=$STATE/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
SwitchType=switch/none
MpiDefault=pmix
ReturnToService=2
SchedulerType=sched/backfill
InactiveLimit=0
KillWait=5
MinJobAge=60
SlurmctldTimeout=30
SlurmdTimeout=60
Waittime=0
NodeName=$NODE NodeAddr=127.0.0.1 NodeHostname=$NODE CPUs=4 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF
}

link_etc_conf() {
    mkdir -p /etc/slurm
    if [[ -L $ETC_CONF && $(readlink "$ETC_CONF") == "$CONF" ]]; then
        return 0
    fi
    if [[ -e $ETC_CONF || -L $ETC_CONF ]]; then
        [[ -e $ETC_CONF.skiff-orig ]] || mv "$ETC_CONF" "$ETC_CONF.skiff-orig"
        rm -f "$ETC_CONF"
    fi
    ln -s "$CONF" "$ETC_CONF"
}

# ---------------------------------------------------------------- daemons

start_munge() {
    if munge_ok; then return 0; fi
    if pid_alive "$MUNGE_PID" "$MUNGED_EXE"; then
        log "munged running but not answering; restarting"
        kill_wait munged "$(<"$MUNGE_PID")"
    fi
    install -d -o munge -g munge -m 0700 /etc/munge /var/lib/munge /var/log/munge
    install -d -o munge -g munge -m 0755 /run/munge
    if [[ ! -s $MUNGE_KEY ]]; then
        log "generating $MUNGE_KEY"
        if command -v mungekey >/dev/null; then
            mungekey --create --keyfile="$MUNGE_KEY" --force
        else
            dd if=/dev/urandom of="$MUNGE_KEY" bs=1024 count=1 status=none
        fi
    fi
    chown munge:munge "$MUNGE_KEY"
    chmod 0400 "$MUNGE_KEY"
    rm -f /run/munge/munge.socket.2 /run/munge/munge.socket.2.lock
    # 8>&-: daemons must not inherit the lock (fd 8), or it is never free.
    setpriv --reuid=munge --regid=munge --init-groups /usr/sbin/munged \
        --pid-file="$MUNGE_PID" 8>&- \
        || die "munged failed to start (see /var/log/munge/munged.log)"
    wait_until "$START_TIMEOUT" "munge to answer" munge_ok
}

start_slurmctld() {
    if pid_alive "$CTLD_PID" "$CTLD_EXE"; then return 0; fi
    # -c: start with clean state (no stale jobs from an earlier run).
    /usr/sbin/slurmctld -c -f "$CONF" 8>&- \
        || die "slurmctld failed to start (see $STATE/slurmctld.log)"
    wait_until "$START_TIMEOUT" "slurmctld to answer" ctld_ok \
        || { tail -n 20 "$STATE/slurmctld.log" >&2; exit 1; }
}

start_slurmd() {
    if pid_alive "$SLURMD_PID" "$SLURMD_EXE"; then return 0; fi
    /usr/sbin/slurmd -f "$CONF" -N "$NODE" 8>&- \
        || die "slurmd failed to start (see $STATE/slurmd.log)"
    wait_until 10 "slurmd pid file" pid_alive "$SLURMD_PID" "$SLURMD_EXE" \
        || { tail -n 20 "$STATE/slurmd.log" >&2; exit 1; }
}

wait_idle() {  # [usable]: also accept a node busy with jobs
    local want=node_idle
    [[ ${1:-} != usable ]] || want=node_usable
    wait_until "$START_TIMEOUT" "node $NODE to register" node_registered \
        || { sinfo -N -l >&2 || true; tail -n 20 "$STATE/slurmd.log" >&2; exit 1; }
    local s; s=$(node_state)
    case $s in
        idle|mixed|allocated|completing) ;;
        *)  # down/drained left over from an earlier run: resume it
            log "node $NODE is '$s'; resuming"
            scontrol update NodeName="$NODE" State=RESUME 2>/dev/null \
                || scontrol update NodeName="$NODE" State=IDLE 2>/dev/null || true
            ;;
    esac
    wait_until "$START_TIMEOUT" "node $NODE to become idle" $want \
        || { sinfo -N -l >&2 || true; scontrol show node "$NODE" >&2 || true; exit 1; }
}

all_running() {
    munge_ok && ctld_ok && pid_alive "$SLURMD_PID" "$SLURMD_EXE"
}

any_alive() { local q; for q; do [[ -d /proc/$q ]] && return 0; done; return 1; }
none_alive() { ! any_alive "$@"; }

kill_wait() {  # description pid...: TERM, wait up to 15 s, then KILL
    local what=$1; shift
    (( $# )) || return 0
    kill -TERM "$@" 2>/dev/null || true
    if ! wait_until 15 "$what to exit" none_alive "$@"; then
        log "killing $what"
        kill -KILL "$@" 2>/dev/null || true
        wait_until 5 "$what to die" none_alive "$@" || true
    fi
}

do_stop() {
    local pids jobs
    # Cancel jobs so slurmstepd processes end cleanly.
    if ctld_ok; then
        mapfile -t jobs < <(squeue -h -o %i 2>/dev/null || true)
        (( ${#jobs[@]} == 0 )) || scancel --quiet --full "${jobs[@]}" 2>/dev/null || true
    fi
    mapfile -t pids < <({ pid_alive "$SLURMD_PID" && cat "$SLURMD_PID"
                          pid_alive "$CTLD_PID" && cat "$CTLD_PID"
                          pids_of_exe "$SLURMD_EXE" "$CTLD_EXE"; } | sort -u)
    kill_wait "slurm daemons" "${pids[@]}"
    mapfile -t pids < <(pids_of_exe "$STEPD_EXE")
    kill_wait "slurmstepd" "${pids[@]}"
    mapfile -t pids < <({ pid_alive "$MUNGE_PID" && cat "$MUNGE_PID"
                          pids_of_exe "$MUNGED_EXE"; } | sort -u)
    kill_wait "munged" "${pids[@]}"
    rm -f "$CTLD_PID" "$SLURMD_PID"
    local left; left=$(pids_of_exe "$SLURMD_EXE" "$CTLD_EXE" "$STEPD_EXE" "$MUNGED_EXE")
    [[ -z $left ]] || die "processes left behind: $left"
    log "stopped"
}

do_start() {
    install_if_missing
    resolve_exes
    mkdir -p "$STATE/ctld"
    install -d -m 0755 "$SPOOL"
    chmod 0755 "$STATE" "$STATE/.." 2>/dev/null || true
    local new; new=$(mktemp "$STATE/.slurm.conf.XXXXXX")
    write_conf "$new"
    if [[ -f $CONF ]] && cmp -s "$new" "$CONF"; then
        rm -f "$new"
        if all_running; then
            link_etc_conf
            wait_idle usable
            log "already running; node $NODE $(node_state)"
            return 0
        fi
    else
        chmod 0644 "$new"
        mv -f "$new" "$CONF"
        # Config changed: restart whatever runs with the old one.
        if pid_alive "$CTLD_PID" || pid_alive "$SLURMD_PID"; then
            log "config changed; restarting slurm daemons"
            local pids
            mapfile -t pids < <(pids_of_exe "$SLURMD_EXE" "$CTLD_EXE")
            kill_wait "slurm daemons" "${pids[@]}"
        fi
    fi
    link_etc_conf
    # Daemons not matching their pid file (e.g. left by a crashed run) would
    # hold the ports and make new ones exit; they are stopped first.
    local stray
    if ! pid_alive "$CTLD_PID" "$CTLD_EXE"; then
        mapfile -t stray < <(pids_of_exe "$CTLD_EXE")
        (( ${#stray[@]} == 0 )) || { log "stopping stray slurmctld ${stray[*]}"; kill_wait slurmctld "${stray[@]}"; }
    fi
    if ! pid_alive "$SLURMD_PID" "$SLURMD_EXE"; then
        mapfile -t stray < <(pids_of_exe "$SLURMD_EXE")
        (( ${#stray[@]} == 0 )) || { log "stopping stray slurmd ${stray[*]}"; kill_wait slurmd "${stray[@]}"; }
    fi
    start_munge
    start_slurmctld
    start_slurmd
    wait_idle
    log "started; node $NODE $(node_state)"
}

do_status() {
    local rc=0
    if munge_ok; then echo "munged: running (pid $(cat "$MUNGE_PID" 2>/dev/null || echo '?'))"
    else echo "munged: not running"; rc=1; fi
    if pid_alive "$CTLD_PID" "$CTLD_EXE"; then echo "slurmctld: running (pid $(<"$CTLD_PID"))"
    else echo "slurmctld: not running"; rc=1; fi
    if pid_alive "$SLURMD_PID" "$SLURMD_EXE"; then echo "slurmd: running (pid $(<"$SLURMD_PID"))"
    else echo "slurmd: not running"; rc=1; fi
    if (( rc == 0 )); then
        echo "node $NODE: $(node_state)"
        node_usable || rc=1
    fi
    return $rc
}

case ${1:-} in
    start|stop|status)
        resolve_exes
        # Serialise concurrent start/stop (parallel test runs share one cluster).
        mkdir -p "$STATE"
        exec 8>>"$STATE/.lock"
        flock -w 300 8 || die "timeout waiting for $STATE/.lock"
        ;;
esac
case ${1:-} in
    start)  do_start ;;
    stop)   do_stop ;;
    status) do_status ;;
    *)      echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
