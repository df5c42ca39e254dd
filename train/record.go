package train

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// Event is one progress report of training.
type Event struct {
	// Student is the index of the student (Config.Student, or its index in
	// Many).
	Student int
	// Phase is the phase name and PhaseIndex its position in Config.Phases.
	Phase      string
	PhaseIndex int
	// Iter is the iteration within the phase; 0 is the starting point.
	Iter int
	// Loss is the loss on the phase's data after iteration Iter, and
	// GradNorm the ∞-norm of its gradient over the free parameters (NaN if
	// the optimiser does not compute it).
	Loss, GradNorm float64
	// Elapsed is the time since the start of Train.
	Elapsed time.Duration
	// Done is set on the last event of a phase; Reason then says why the
	// phase stopped and Loss is the best loss of the phase.
	Done   bool
	Reason StopReason
}

// Recorder receives progress events. Returning an error stops training
// (the best point so far is kept and the error is returned). A Recorder
// used by Many is called from several goroutines at once and must be safe
// for that.
type Recorder interface {
	Record(Event) error
}

// RecorderFunc adapts a function to a Recorder.
type RecorderFunc func(Event) error

// Record calls f(e).
func (f RecorderFunc) Record(e Event) error { return f(e) }

// Printer is a Recorder that writes readable progress lines to a Writer:
// the end of every phase and, for each student, at most one iteration line
// per Interval. It is safe for concurrent use.
type Printer struct {
	// Interval is the minimum time between two iteration lines of the same
	// student; zero means one second.
	Interval time.Duration

	mu   sync.Mutex
	w    io.Writer
	last map[int]time.Duration
}

// NewPrinter returns a Printer writing to w.
func NewPrinter(w io.Writer) *Printer { return &Printer{w: w, last: make(map[int]time.Duration)} }

// Record writes e if it ends a phase or if the student has not printed for
// Interval. Write errors are returned (and so stop training).
func (p *Printer) Record(e Event) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.last == nil {
		p.last = make(map[int]time.Duration)
	}
	iv := p.Interval
	if iv <= 0 {
		iv = time.Second
	}
	if e.Done {
		_, err := fmt.Fprintf(p.w, "student %d  %-8s done after %d iterations  loss %.3e  |grad| %.2e  %s  (%s)\n",
			e.Student, e.Phase, e.Iter, e.Loss, e.GradNorm, e.Reason, e.Elapsed.Round(time.Millisecond))
		return err
	}
	last, seen := p.last[e.Student]
	// An earlier time than the last line's is a new run of the same
	// student (identify's active rounds retrain students by index): it
	// prints at once.
	if seen && e.Elapsed >= last && e.Elapsed-last < iv {
		return nil
	}
	p.last[e.Student] = e.Elapsed
	_, err := fmt.Fprintf(p.w, "student %d  %-8s iter %6d  loss %.3e  |grad| %.2e  (%s)\n",
		e.Student, e.Phase, e.Iter, e.Loss, e.GradNorm, e.Elapsed.Round(time.Millisecond))
	return err
}
