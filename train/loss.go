package train

// The loss thresholds, from the lowest up. Each decides one thing; the
// package documentation ("Loss thresholds") explains how they relate.
const (
	// DefaultStopLoss ends the default training phases (DefaultPhases and
	// identify's fine-tuning): a student whose mean squared error is at
	// most DefaultStopLoss has reached the floating-point floor of a
	// vanishing residual, and further iterations only move rounding error.
	DefaultStopLoss = 1e-28
	// DefaultRestartLoss decides whether a student is worth keeping: Many
	// restarts a student whose best loss is above it
	// (ManyConfig.RestartLoss), and DefaultPhases skips the full-data
	// polishing phase of a student whose subset loss is above it
	// (Phase.Gate).
	DefaultRestartLoss = 1e-20
	// DefaultZeroLoss decides which students count as being at zero loss
	// in reports and in identify's automatic choice of ρ (the paper's
	// criterion, identify.Config.ZeroLoss). It ends no training.
	DefaultZeroLoss = 1e-14
)
