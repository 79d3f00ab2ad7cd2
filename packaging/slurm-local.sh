#!/bin/bash
# A one-node Slurm cluster on this machine, for the Slurm launch backend's tests
# (tests/core/test_slurm_backend.cpp) and for trying `prithvi` jobs through sbatch by hand.
# Run as root; idempotent: a second run finds munged, slurmctld and slurmd up and only waits
# for the node to be idle. Exit status 0 when `sinfo` shows the node idle, else non-zero with the
# reason on stderr (the tests skip with it).
#
#   sudo packaging/slurm-local.sh            # install if missing, configure, start, wait
#   sudo packaging/slurm-local.sh --stop     # stop slurmd, slurmctld and munged again
#
# What it sets up (Debian bookworm: slurm-wlm 22.05, munge 0.5):
#   - munge: the key from the package (or a new one), munged running as the munge user.
#   - /etc/slurm/slurm.conf: cluster "prithvi", this host as controller and only node, one
#     partition "debug", requeue allowed, no accounting database (no slurmdbd): finished jobs
#     are answered by `scontrol show job`, kept for MinJobAge seconds.
#   - slurmctld and slurmd started as daemons (no systemd in containers), logs under
#     /var/log/slurm.
#
# Quirks found in containers (Docker, gVisor):
#   - No init system: the packages' postinst cannot start the services (policy-rc.d denies it),
#     so the daemons are started here directly; slurmctld/slurmd daemonise themselves.
#   - /run/munge is missing after a container restart (tmpfs): created with munge ownership,
#     otherwise munged cannot create its socket.
#   - The node's name must resolve for slurmd (and for Gloo, which looks up the host name to
#     pick an interface): when `hostname -s` does not resolve it is added to /etc/hosts as
#     127.0.0.1. NodeAddr and the controller address are pinned to 127.0.0.1 anyway.
#   - cgroups are often read-only or half-mounted: proctrack/linuxproc and task/none need no
#     cgroup at all, and JobAcctGatherType=jobacct_gather/none avoids the cgroup plugin too.
#   - CPUs and RealMemory come from the machine itself (slurmd -C), minus a margin for memory;
#     a node configured with more than it has would be drained ("Low RealMemory").
#   - A requeued job waits with Reason=BeginTime before it starts again (Slurm delays requeued
#     jobs); the tests clear that with `scontrol update JobId=.. StartTime=now`.

set -u

CONF_DIR=/etc/slurm
CONF="$CONF_DIR/slurm.conf"
LOG_DIR=/var/log/slurm
SPOOL_CTLD=/var/spool/slurmctld
SPOOL_D=/var/spool/slurmd
CTLD_PID=/run/slurmctld.pid
SLURMD_PID=/run/slurmd.pid

fail() {
  echo "slurm-local: $*" >&2
  exit 1
}

running() {  # running PIDFILE: the daemon whose pid is in PIDFILE is alive
  [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

stop_daemon() {  # stop_daemon PIDFILE NAME
  if running "$1"; then
    kill "$(cat "$1")" 2>/dev/null
    for _ in $(seq 50); do running "$1" || break; sleep 0.2; done
    running "$1" && kill -9 "$(cat "$1")" 2>/dev/null
    echo "slurm-local: stopped $2"
  fi
  rm -f "$1"
}

if [ "${1:-}" = "--stop" ]; then
  [ "$(id -u)" = 0 ] || fail "run as root to stop the daemons"
  stop_daemon "$SLURMD_PID" slurmd
  stop_daemon "$CTLD_PID" slurmctld
  stop_daemon /run/munge/munged.pid munged
  exit 0
fi

[ "$(id -u)" = 0 ] || fail "needs root (it installs packages, writes /etc/slurm and starts daemons as root)"

# --- packages ---------------------------------------------------------------------------------
need=()
for binary in sbatch srun squeue scontrol scancel sinfo slurmctld slurmd munged; do
  command -v "$binary" >/dev/null 2>&1 || need+=("$binary")
done
if [ ${#need[@]} -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 || fail "missing ${need[*]} and no apt-get to install slurm-wlm and munge"
  echo "slurm-local: installing slurm-wlm and munge (missing: ${need[*]})"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -q && apt-get install -y -q --no-install-recommends slurm-wlm munge; } >/tmp/slurm-local-apt.log 2>&1 ||
    fail "apt-get install slurm-wlm munge failed (see /tmp/slurm-local-apt.log)"
fi
for binary in sbatch srun squeue scontrol scancel sinfo slurmctld slurmd munged; do
  command -v "$binary" >/dev/null 2>&1 || fail "$binary is still missing after installing slurm-wlm and munge"
done

# --- host name --------------------------------------------------------------------------------
NODE=$(hostname -s 2>/dev/null || hostname)
[ -n "$NODE" ] || fail "this machine has no host name"
if ! getent hosts "$NODE" >/dev/null 2>&1; then
  echo "127.0.0.1 $NODE" >>/etc/hosts || fail "$NODE does not resolve and /etc/hosts cannot be written"
  echo "slurm-local: added $NODE to /etc/hosts"
fi

# --- munge ------------------------------------------------------------------------------------
getent passwd munge >/dev/null || fail "the munge user is missing (reinstall the munge package)"
install -d -o munge -g munge -m 0700 /etc/munge /var/log/munge
install -d -o munge -g munge -m 0711 /var/lib/munge
install -d -o munge -g munge -m 0755 /run/munge
if [ ! -s /etc/munge/munge.key ]; then
  if command -v mungekey >/dev/null 2>&1; then
    mungekey --create --keyfile=/etc/munge/munge.key >/dev/null || fail "mungekey cannot create /etc/munge/munge.key"
  else
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none || fail "cannot write /etc/munge/munge.key"
  fi
  echo "slurm-local: created /etc/munge/munge.key"
fi
chown munge:munge /etc/munge/munge.key
chmod 0400 /etc/munge/munge.key
if ! munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
  rm -f /run/munge/munged.pid /run/munge/munge.socket.2 /run/munge/munge.socket.2.lock
  # munged refuses to run as root by default; the package runs it as munge.
  runuser -u munge -- /usr/sbin/munged >/tmp/slurm-local-munged.log 2>&1 ||
    fail "munged does not start: $(cat /tmp/slurm-local-munged.log)"
  for _ in $(seq 50); do munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
  munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1 || fail "munged is running but credentials do not round-trip"
  echo "slurm-local: started munged"
fi

# --- slurm.conf -------------------------------------------------------------------------------
# What slurmd sees (CPUs, sockets, cores, threads); memory with a 10 % margin (at least 256 MB)
# so the node is never drained for having less than it claims.
hardware=$(slurmd -C 2>/dev/null | head -n 1)
value() { echo "$hardware" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
CPUS=$(value CPUs)
SOCKETS=$(value SocketsPerBoard)
CORES=$(value CoresPerSocket)
THREADS=$(value ThreadsPerCore)
[ -n "$CPUS" ] || CPUS=$(nproc)
memory_mb=$(( $(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo) / 1024 ))
margin=$(( memory_mb / 10 > 256 ? memory_mb / 10 : 256 ))
REAL_MEMORY=$(( memory_mb - margin > 256 ? memory_mb - margin : 256 ))
topology=""
if [ -n "$SOCKETS" ] && [ -n "$CORES" ] && [ -n "$THREADS" ]; then
  topology=" Sockets=$SOCKETS CoresPerSocket=$CORES ThreadsPerCore=$THREADS"
fi

install -d -m 0755 "$CONF_DIR" "$LOG_DIR" "$SPOOL_CTLD" "$SPOOL_D"
new_conf=$(mktemp)
cat >"$new_conf" <<EOF
# Written by packaging/slurm-local.sh: a one-node cluster for Prithvi Studio's Slurm tests.
ClusterName=prithvi
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
JobRequeue=1
ReturnToService=2
# No slurmdbd: no accounting; finished jobs stay visible to 'scontrol show job' for a day.
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MinJobAge=86400
# SIGTERM, then SIGKILL after KillWait seconds: time for the trainer to write its checkpoint.
KillWait=30
# Quick reactions for a small interactive cluster.
SchedulerParameters=sched_interval=2
SlurmctldTimeout=30
SlurmdTimeout=60
StateSaveLocation=$SPOOL_CTLD
SlurmdSpoolDir=$SPOOL_D
SlurmctldPidFile=$CTLD_PID
SlurmdPidFile=$SLURMD_PID
SlurmctldLogFile=$LOG_DIR/slurmctld.log
SlurmdLogFile=$LOG_DIR/slurmd.log
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$CPUS$topology RealMemory=$REAL_MEMORY State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
changed=0
if ! cmp -s "$new_conf" "$CONF"; then
  install -m 0644 "$new_conf" "$CONF"
  changed=1
  echo "slurm-local: wrote $CONF"
fi
rm -f "$new_conf"
# slurmd reads cgroup.conf when a cgroup plugin is loaded; none is, but an empty-enough file keeps
# every version quiet.
if [ ! -f "$CONF_DIR/cgroup.conf" ]; then
  printf '# Written by packaging/slurm-local.sh: no cgroup plugins are used (proctrack/linuxproc, task/none).\nConstrainCores=no\nConstrainRAMSpace=no\n' \
    >"$CONF_DIR/cgroup.conf"
fi

# --- daemons ----------------------------------------------------------------------------------
if [ "$changed" = 1 ]; then
  stop_daemon "$SLURMD_PID" slurmd
  stop_daemon "$CTLD_PID" slurmctld
fi
if ! running "$CTLD_PID"; then
  slurmctld >>"$LOG_DIR/slurmctld.start.log" 2>&1 || fail "slurmctld does not start: $(tail -n 5 "$LOG_DIR/slurmctld.log" 2>/dev/null)"
  echo "slurm-local: started slurmctld"
fi
for _ in $(seq 100); do scontrol ping 2>/dev/null | grep -q "is UP" && break; sleep 0.2; done
scontrol ping 2>/dev/null | grep -q "is UP" || fail "slurmctld does not answer: $(tail -n 5 "$LOG_DIR/slurmctld.log" 2>/dev/null)"
if ! running "$SLURMD_PID"; then
  slurmd >>"$LOG_DIR/slurmd.start.log" 2>&1 || fail "slurmd does not start: $(tail -n 5 "$LOG_DIR/slurmd.log" 2>/dev/null)"
  echo "slurm-local: started slurmd"
fi

# --- wait for the node ------------------------------------------------------------------------
node_state() { sinfo -h -n "$NODE" -o %T 2>/dev/null | head -n 1; }
for _ in $(seq 150); do
  state=$(node_state)
  case "$state" in
    # Bare states only: a suffix means not responding (*), powered down (~), draining, ...
    idle|mixed|allocated|completing) echo "slurm-local: node $NODE is $state"; exit 0 ;;
    down*|drain*|drained*|draining*|fail*)
      scontrol update NodeName="$NODE" State=RESUME >/dev/null 2>&1 ;;
  esac
  sleep 0.2
done
fail "node $NODE is '$(node_state)', not idle: $(scontrol show node "$NODE" 2>/dev/null | grep -o 'Reason=.*') $(tail -n 5 "$LOG_DIR/slurmd.log" 2>/dev/null)"
