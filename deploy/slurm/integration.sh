#!/bin/bash
# Integration test of the Slurm route on this machine: installs Debian's
# Slurm and MUNGE, starts a private single-node cluster (munged, slurmctld,
# slurmd, by hand, without systemd), submits a small synthetic run with
# deploy/slurm/submit.sh exactly as the README describes (a job array of
# students and a clustering job with --dependency=afterok), waits for it and
# checks that the recovered network is bit-identical to a single-process
# "recover run" with the same flags. It also checks that a missing student
# makes the clustering job fail with exit code 3 and that resubmitting that
# index (ARRAY=i submit.sh) completes the run.
#
# Needs root and apt-get; without them it prints SKIPPED and exits 0. It
# touches no system configuration: the cluster's configuration, key,
# sockets, state and logs live in a temporary directory (SLURM_CONF points
# there; MUNGE and Slurm use their own ports and socket), and the daemons it
# started are stopped on exit. It refuses to run (SKIPPED) if Slurm daemons
# are already running on the machine.
#
# Usage: bash deploy/slurm/integration.sh    (from anywhere)
# Environment: TIMEOUT seconds for each wait (default 300), KEEP=1 keeps the
# temporary directory.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
timeout=${TIMEOUT:-300}

say() { echo "[slurm-integration] $*"; }
skip() {
	echo "SKIPPED: slurm integration: $*"
	exit 0
}

[[ $(id -u) == 0 ]] || skip "needs root to install and start slurm and munge"
command -v apt-get >/dev/null || skip "needs apt-get (Debian) to install slurm and munge"
command -v go >/dev/null || skip "needs the go command to build examples/recover"
for d in slurmctld slurmd munged; do
	if pgrep -x "$d" >/dev/null; then
		skip "a $d is already running on this machine; not touching it"
	fi
done

pkgs=(slurmctld slurmd slurm-client munge)
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
	say "installing ${pkgs[*]}"
	export DEBIAN_FRONTEND=noninteractive
	if ! apt-get install -y --no-install-recommends "${pkgs[@]}" >/tmp/slurm-integration-apt.log 2>&1; then
		apt-get update >>/tmp/slurm-integration-apt.log 2>&1
		apt-get install -y --no-install-recommends "${pkgs[@]}" >>/tmp/slurm-integration-apt.log 2>&1 ||
			skip "could not install ${pkgs[*]} (see /tmp/slurm-integration-apt.log)"
	fi
fi
for c in slurmctld slurmd sbatch squeue scontrol sinfo munged; do
	command -v "$c" >/dev/null || skip "$c not found after installing ${pkgs[*]}"
done

T=$(mktemp -d /tmp/slurm-integration.XXXXXX)
chmod 0755 "$T"
pids=()
failed=1

dump_logs() {
	for f in "$T"/munged.log "$T"/slurmctld.log "$T"/slurmd.log "$T"/work/logs/*; do
		[[ -f $f ]] || continue
		echo "----- $f (last 40 lines)"
		tail -n 40 "$f"
	done
}

cleanup() {
	local code=$?
	if ((failed)); then
		say "FAILED; logs:"
		dump_logs
		code=1
	fi
	# Cancel whatever is left of our jobs, then stop the daemons we started
	# (by their process ids), newest first.
	if [[ -n ${SLURM_CONF:-} ]] && ((${#pids[@]})); then
		scancel --quiet --user=root >/dev/null 2>&1 || true
		sleep 1
	fi
	local i
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		kill "${pids[i]}" 2>/dev/null
	done
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		for _ in $(seq 50); do
			kill -0 "${pids[i]}" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "${pids[i]}" 2>/dev/null
	done
	((${#pids[@]})) && say "stopped the daemons (pids ${pids[*]})"
	if [[ -z ${KEEP:-} ]]; then
		rm -rf "$T"
	else
		say "kept $T"
	fi
	exit "$code"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# wait_for DESCRIPTION COMMAND...: run COMMAND every second until it
# succeeds, for at most $timeout seconds.
wait_for() {
	local what=$1
	shift
	local t0=$SECONDS
	until "$@"; do
		if ((SECONDS - t0 > timeout)); then
			say "timed out after ${timeout}s waiting for $what"
			exit 1
		fi
		sleep 1
	done
	say "$what after $((SECONDS - t0))s"
}

host=$(hostname -s)
say "temporary cluster in $T on host $host"

# MUNGE: a fresh key and a private socket; munged runs as root (--force).
mkdir -p "$T/munge"
chmod 0700 "$T/munge"
dd if=/dev/urandom of="$T/munge/munge.key" bs=1 count=1024 status=none
chmod 0400 "$T/munge/munge.key"
munged -F --force --key-file="$T/munge/munge.key" --socket="$T/munge/munge.socket" \
	--pid-file="$T/munge/munged.pid" --seed-file="$T/munge/munged.seed" --log-file="$T/munged.log" >>"$T/munged.log" 2>&1 &
pids+=($!)
wait_for "munged" test -S "$T/munge/munge.socket"
if ! munge -S "$T/munge/munge.socket" -n | unmunge -S "$T/munge/munge.socket" >/dev/null; then
	say "munge round trip failed"
	exit 1
fi

# Slurm: a minimal configuration naming this host, with its real CPUs and
# memory as slurmd -C reports them.
node=$(slurmd -C | head -n 1)
[[ $node == NodeName=* ]] || {
	say "slurmd -C printed: $node"
	exit 1
}
mkdir -p "$T/state" "$T/spool"
cat >"$T/slurm.conf" <<EOF
# Single-node test cluster written by deploy/slurm/integration.sh
ClusterName=ecintegration
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$T/munge/munge.socket
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/slurmctld.log
SlurmdLogFile=$T/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MinJobAge=3600
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$T/slurm.conf
say "slurm.conf node line: $node"

slurmctld -D -i >"$T/slurmctld.out" 2>&1 &
pids+=($!)
wait_for "slurmctld" scontrol ping -Q
slurmd -D >"$T/slurmd.out" 2>&1 &
pids+=($!)
node_idle() { [[ $(sinfo -h -N -n "$host" -o %T 2>/dev/null) == idle* ]]; }
wait_for "node $host idle" node_idle
sinfo

# job_state ID: the state of a job (for an array, every task's state).
job_state() { scontrol -o show job "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2 | sort -u | tr '\n' ' '; }
job_done() {
	local s
	s=$(job_state "$1")
	[[ -n $s && ! $s =~ PENDING|RUNNING|CONFIGURING|COMPLETING|REQUEUED|SUSPENDED ]]
}
job_exit() { scontrol -o show job "$1" | grep -o ' ExitCode=[0-9:]*' | head -n 1 | cut -d= -f2; }

# The run: a small synthetic teacher 2→2→1 (tanh), 10 students (which
# recover it exactly).
work=$T/work
flags=(-synthetic 2,2,1 -act tanh -rho 2 -samples 300 -students 10 -seed 3)

say "submitting: deploy/slurm/submit.sh -dir $work ${flags[*]}"
out=$(CLUSTER_FLAGS="-pictures png" "$repo/deploy/slurm/submit.sh" -dir "$work" "${flags[@]}") || {
	echo "$out"
	say "submit.sh failed"
	exit 1
}
echo "$out"
read -r students_job cluster_job <<<"$(tail -n 1 <<<"$out")"
squeue
wait_for "student array $students_job to finish" job_done "$students_job"
wait_for "cluster job $cluster_job to finish" job_done "$cluster_job"
scontrol -o show job "$students_job" | sed -E 's/.* ArrayTaskId=([0-9]+) .* JobState=([A-Z]+) .* ExitCode=([0-9:]+) .*/  array task \1: \2, exit \3/' | sort -t: -k1,1V
s_state=$(job_state "$students_job")
c_state=$(job_state "$cluster_job")
c_exit=$(job_exit "$cluster_job")
say "students: ${s_state}; cluster: ${c_state}exit $c_exit"
if [[ $s_state != "COMPLETED " || $c_state != "COMPLETED " || $c_exit != 0:0 ]]; then
	say "the jobs did not all complete"
	exit 1
fi
n_files=$(find "$work/students" -name 'student-*.json' | wc -l)
((n_files == 10)) || {
	say "expected 10 student files, found $n_files"
	exit 1
}
cat "$work"/logs/cluster-*.out

say "single-process reference: recover run ${flags[*]}"
"$work/bin/recover" run -dir "$T/single" -pictures none "${flags[@]}" >"$T/single.out" || {
	cat "$T/single.out"
	exit 1
}
if ! cmp "$work/recovered.json" "$T/single/recovered.json"; then
	say "recovered.json from the Slurm array differs from the single-process run"
	exit 1
fi
say "recovered.json from the Slurm array is bit-identical to the single-process run"

# A missing student: the clustering job exits 3 naming it; resubmitting the
# index (a new array of one task and a new clustering job) completes the run.
rm "$work/students/student-00003.json" "$work/recovered.json"
export RECOVER=$work/bin/recover
c2=$(sbatch --parsable --output="$work/logs/cluster-missing-%j.out" "$repo/deploy/slurm/cluster.sbatch" -dir "$work" "${flags[@]}")
c2=${c2%%;*}
wait_for "cluster job $c2 (student 3 missing) to finish" job_done "$c2"
if [[ $(job_exit "$c2") != 3:0 ]] || ! grep -q 'sbatch --array=3 ' "$work"/logs/cluster-missing-*.out; then
	cat "$work"/logs/cluster-missing-*.out
	say "with student 3 missing the cluster job should exit 3 and name index 3 (exit $(job_exit "$c2"))"
	exit 1
fi
say "with student 3 missing the cluster job exited 3 and named index 3"
out=$(ARRAY=3 "$repo/deploy/slurm/submit.sh" -dir "$work" "${flags[@]}") || {
	echo "$out"
	exit 1
}
read -r s3 c3 <<<"$(tail -n 1 <<<"$out")"
wait_for "student 3 (job $s3) and cluster job $c3 to finish" job_done "$c3"
if [[ $(job_state "$s3") != "COMPLETED " || $(job_exit "$c3") != 0:0 ]]; then
	say "resubmitting index 3 did not complete the run: students $(job_state "$s3"), cluster exit $(job_exit "$c3")"
	exit 1
fi
if ! cmp "$work/recovered.json" "$T/single/recovered.json"; then
	say "recovered.json after the resubmission differs from the single-process run"
	exit 1
fi
say "resubmitting index 3 completed the run; recovered.json again bit-identical"

failed=0
say "PASSED: the Slurm array ran 10 students, the dependent job clustered them (bit-identical to one process), a missing index was reported (exit 3) and its resubmission completed the set"
