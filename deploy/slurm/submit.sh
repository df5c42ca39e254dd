#!/bin/bash
# Submit an Expand-and-Cluster run to Slurm: a job array with one task per
# student, then the clustering job, which starts only if every task
# succeeded (--dependency=afterok).
#
# Usage:
#   deploy/slurm/submit.sh RECOVER-FLAGS
#   deploy/slurm/submit.sh -dir /shared/ec/run1 -synthetic 4,4,1 -students 20
#   deploy/slurm/submit.sh -dir /shared/ec/fmnist -x probe.npy -y out.npy -act relu -base-width 64 -rho 4
#
# RECOVER-FLAGS are the flags of "recover students" and "recover cluster"
# (see "recover students -h"); -dir must be on a filesystem every node
# shares. Environment:
#   RECOVER         the recover binary, on the shared filesystem; default:
#                   built from this repository into DIR/bin/recover
#   ARRAY           the array indices to submit; default 0-(N-1). To train
#                   missing students again: ARRAY=3,7 submit.sh RECOVER-FLAGS
#   ARRAY_LIMIT     run at most this many array tasks at once (--array=...%K)
#   SBATCH_OPTIONS  extra sbatch options for both jobs, e.g. "-p gpu -A myproject"
#   CLUSTER_FLAGS   extra flags for the cluster stage only, e.g. "-pictures svg"
# Prints the two job ids; the last line is "STUDENTS_JOB CLUSTER_JOB", and
# DIR/jobs records them. Logs go to DIR/logs.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

if (($# == 0)) || [[ $1 == -h || $1 == --help ]]; then
	sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
	exit 2
fi

# Find -dir (made absolute: jobs may start elsewhere) and -students.
dir=recover-work
n=20
args=()
while (($#)); do
	case $1 in
	-dir | --dir) dir=$2; shift 2; continue ;;
	-dir=* | --dir=*) dir=${1#*=}; shift; continue ;;
	-students | --students) n=$2 ;;
	-students=* | --students=*) n=${1#*=} ;;
	esac
	args+=("$1")
	shift
done
mkdir -p "$dir/logs"
dir=$(cd "$dir" && pwd)
args+=(-dir "$dir")

if [[ -z ${RECOVER:-} ]]; then
	command -v go >/dev/null || { echo "submit.sh: set RECOVER to the recover binary, or install Go to build it" >&2; exit 2; }
	mkdir -p "$dir/bin"
	echo "building $dir/bin/recover"
	(cd "$repo" && go build -o "$dir/bin/recover" ./examples/recover)
	RECOVER=$dir/bin/recover
fi
RECOVER=$(cd "$(dirname "$RECOVER")" && pwd)/$(basename "$RECOVER")
export RECOVER

# Check the flags and the data once here rather than in every task.
"$RECOVER" check "${args[@]}"
array=${ARRAY:-0-$((n - 1))}${ARRAY_LIMIT:+%$ARRAY_LIMIT}

# shellcheck disable=SC2086 # SBATCH_OPTIONS and CLUSTER_FLAGS are word lists
students_job=$(sbatch --parsable --array="$array" --output="$dir/logs/student-%a.out" ${SBATCH_OPTIONS:-} \
	"$here/students.sbatch" "${args[@]}")
students_job=${students_job%%;*}
# shellcheck disable=SC2086
cluster_job=$(sbatch --parsable --dependency=afterok:"$students_job" --kill-on-invalid-dep=yes \
	--output="$dir/logs/cluster-%j.out" ${SBATCH_OPTIONS:-} "$here/cluster.sbatch" "${args[@]}" ${CLUSTER_FLAGS:-})
cluster_job=${cluster_job%%;*}
echo "$students_job $cluster_job" >>"$dir/jobs"
echo "students: job array $students_job (--array=$array), logs $dir/logs/student-*.out"
echo "cluster:  job $cluster_job after all students succeed, log $dir/logs/cluster-$cluster_job.out"
echo "results:  $dir/recovered.json, $dir/report.txt"
echo "$students_job $cluster_job"
