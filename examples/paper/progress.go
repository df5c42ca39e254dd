package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// progress shows how far the sweep is: a redrawn bar with ETA when w is a
// terminal, otherwise one line per finished run plus a status line every
// minute (for logs).
type progress struct {
	mu        sync.Mutex
	w         *os.File
	tty       bool
	total     int
	done, ok  int
	start     time.Time
	last      string
	quit      chan struct{}
	stopped   sync.WaitGroup
	lastPrint time.Time
}

func newProgress(w *os.File, total int) *progress {
	p := &progress{w: w, total: total, start: time.Now(), quit: make(chan struct{})}
	if st, err := w.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
		p.tty = true
	}
	p.stopped.Add(1)
	go func() {
		defer p.stopped.Done()
		every := time.Minute
		if p.tty {
			every = time.Second
		}
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-p.quit:
				return
			case <-t.C:
				p.mu.Lock()
				p.draw(true)
				p.mu.Unlock()
			}
		}
	}()
	if p.tty {
		p.draw(true)
	}
	return p
}

func (p *progress) status() string {
	el := time.Since(p.start)
	eta := "?"
	if p.done > 0 {
		rem := time.Duration(float64(el) / float64(p.done) * float64(p.total-p.done))
		eta = rem.Round(time.Second).String()
	}
	return fmt.Sprintf("%d/%d runs, %d exact, elapsed %s, ETA %s", p.done, p.total, p.ok, el.Round(time.Second), eta)
}

func (p *progress) draw(tick bool) {
	if !p.tty {
		if tick {
			fmt.Fprintf(p.w, "progress: %s\n", p.status())
		}
		return
	}
	const width = 30
	fill := 0
	if p.total > 0 {
		fill = width * p.done / p.total
	}
	bar := "[" + strings.Repeat("=", fill) + strings.Repeat(" ", width-fill) + "] "
	fmt.Fprintf(p.w, "\r\033[K%s%s", bar, p.status())
}

// println prints a line above the bar.
func (p *progress) println(s string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s\n", s)
		p.draw(false)
	} else {
		fmt.Fprintln(p.w, s)
	}
}

func (p *progress) finished(r row) {
	p.mu.Lock()
	p.done++
	if r.Success {
		p.ok++
	}
	p.mu.Unlock()
	verdict := "exact"
	if !r.Success {
		verdict = "NOT exact"
		if r.Note != "" {
			verdict += " (" + r.Note + ")"
		}
	}
	p.println(fmt.Sprintf("%-12s ρ=%-3g width %d/%d  max cos dist %.2e  test RMSE %.2e  students at zero loss %d/%d  %6.1fs  %s",
		r.Problem, r.Rho, r.RecoveredWidth, r.R, r.MaxCosine, r.TestRMSE, r.ZeroLoss, r.Students, r.Seconds, verdict))
}

func (p *progress) stop() {
	close(p.quit)
	p.stopped.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty {
		p.draw(false)
		fmt.Fprintln(p.w)
	}
}

// parseInts parses "2,4,8" or "0-9" or "0-2,7"; empty means nil (all).
func parseInts(s string) ([]int, error) {
	if s == "" {
		return nil, nil
	}
	var out []int
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			return nil, fmt.Errorf("bad number %q in %q", lo, s)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return nil, fmt.Errorf("bad range %q in %q", part, s)
			}
		}
		for v := a; v <= b; v++ {
			out = append(out, v)
		}
	}
	return out, nil
}

func parseFloats(s string) ([]float64, error) {
	var out []float64
	for _, part := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(part), 64)
		if err != nil || !(v >= 1) {
			return nil, fmt.Errorf("bad ρ %q in %q (need numbers ≥ 1)", part, s)
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no ρ given")
	}
	return out, nil
}
