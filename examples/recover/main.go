// Command recover runs Expand-and-Cluster in stages that can run apart: the
// students can be trained one per process (a Slurm job-array task or a
// Kubernetes indexed-job pod), saved as files in a shared directory, and
// clustered later by a separate process. The stages give bit-for-bit the
// network that one process running everything gives with the same flags.
//
// Usage:
//
//	recover students [flags] (-index i | -shard i -of n | all)
//	recover cluster  [flags]
//	recover run      [flags]
//	recover check    [flags]
//
// Run "recover <command> -h" for the flags of a command. Exit codes: 0
// success, 1 runtime failure, 2 usage or configuration error, 3 the
// clustering stage found students missing (their indices are printed, to be
// trained again).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // runtime failure: I/O, training, clustering, interrupted
	exitUsage   = 2 // bad command line or inconsistent configuration
	exitMissing = 3 // cluster: student files missing; rerun the printed indices
)

// exitError carries an exit code with its message.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageErr(format string, a ...any) error {
	return &exitError{exitUsage, fmt.Errorf(format, a...)}
}

const topUsage = `recover: recover a teacher network from its input-output behaviour by
Expand-and-Cluster (Martinelli et al., ICML 2024), in stages that can run
as separate processes on a cluster.

Usage:
  recover students [flags] -index i         train student i
  recover students [flags] -shard k -of n   train students k, k+n, k+2n, ...
  recover students [flags] -all             train every student
  recover cluster  [flags]                  cluster the student files
  recover run      [flags]                  both stages in one process
  recover check    [flags]                  check the flags and the data only

Each student file (DIR/students/student-NNNNN.json) depends only on the
data, the flags and its index, so students can be trained in any order, in
any number of processes, on any machines sharing DIR. The cluster stage
reads them, recovers the network and writes DIR/recovered.json and
DIR/report.txt. Use the same data and model flags in every stage.

Data: -x probe.npy -y outputs.npy (the teacher's outputs on the probe
inputs), or -synthetic din,r[,seed] for a random teacher din->r->1.

Exit codes: 0 success; 1 runtime failure; 2 usage or configuration error;
3 (cluster) student files missing: the indices to train again are printed.

Run "recover <command> -h" for the flags of a command.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line args and returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, topUsage)
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "students":
		err = studentsCmd(ctx, rest, stdout, stderr)
	case "cluster":
		err = clusterCmd(ctx, rest, stdout, stderr)
	case "run":
		err = runCmd(ctx, rest, stdout, stderr)
	case "check":
		err = checkCmd(rest, stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, topUsage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "recover: unknown command %q\n\n%s", cmd, topUsage)
		return exitUsage
	}
	if err == nil {
		return exitOK
	}
	if errors.Is(err, errHelp) {
		return exitOK
	}
	code := exitFailure
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
	}
	if ctx.Err() != nil && code == exitFailure {
		fmt.Fprintf(stderr, "recover: interrupted: %v\n", err)
		return code
	}
	fmt.Fprintf(stderr, "recover: %v\n", err)
	return code
}
