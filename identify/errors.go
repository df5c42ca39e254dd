package identify

import "errors"

// Outcomes of Run, RunData and Recover that a caller may want to tell
// apart from other failures with errors.Is. The returned errors wrap them
// with the details (layer, counts, the students' best loss).
var (
	// ErrNoNeurons: no cluster of a hidden layer survived the filters, so
	// nothing was recovered. The students usually did not reach zero loss;
	// more students, longer training or a larger ρ are the remedies.
	ErrNoNeurons = errors.New("identify: no cluster survived the filters")
	// ErrTooFewStudents: fewer than two students trained without failing,
	// too few to cluster; the error also wraps the first student's
	// failure.
	ErrTooFewStudents = errors.New("identify: too few students trained without failing")
)
