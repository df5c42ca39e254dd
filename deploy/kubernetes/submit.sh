#!/bin/bash
# Run the Kubernetes route: the volume and flags (run.yaml), the students as
# an Indexed Job, and the clustering Job once every student is done.
# Edit run.yaml (flags) and the image in the two Job manifests first.
#   deploy/kubernetes/submit.sh            (TIMEOUT=24h by default)
# Prints the clustering log at the end; exits non-zero if a Job failed.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
timeout=${TIMEOUT:-24h}
kubectl apply -f "$here/run.yaml"
kubectl apply -f "$here/students-job.yaml"
echo "waiting for job/ec-students (timeout $timeout)"
kubectl wait --for=condition=complete job/ec-students --timeout="$timeout"
kubectl delete job ec-cluster --ignore-not-found
kubectl apply -f "$here/cluster-job.yaml"
echo "waiting for job/ec-cluster"
status=0
kubectl wait --for=condition=complete job/ec-cluster --timeout="$timeout" || status=1
kubectl logs job/ec-cluster
exit $status
