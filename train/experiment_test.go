package train

import (
	"context"
	"fmt"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/paramrecovery/expandcluster/mlp"
)

var expRecipes = map[string]func() []Phase{
	"lm": func() []Phase {
		return []Phase{{Optimizer: &LM{}, Stop: StopRules{Loss: 1e-28, MaxIter: 400}}}
	},
	"lm2000": func() []Phase {
		return []Phase{{Optimizer: &LM{}, Stop: StopRules{Loss: 1e-28, MaxIter: 2000}}}
	},
	"lm2000s": func() []Phase {
		return []Phase{{Optimizer: &LM{Scaled: true}, Stop: StopRules{Loss: 1e-28, MaxIter: 2000}}}
	},
	"lmtau": func() []Phase {
		return []Phase{{Optimizer: &LM{Tau: 10}, Stop: StopRules{Loss: 1e-28, MaxIter: 800}}}
	},
	"lm800": func() []Phase {
		return []Phase{{Optimizer: &LM{}, Stop: StopRules{Loss: 1e-28, MaxIter: 800}}}
	},
	"adam2-lm": func() []Phase {
		return []Phase{{Optimizer: &Adam{LR: 1e-2}, Stop: StopRules{MaxIter: 2000}},
			{Optimizer: &LM{}, Stop: StopRules{Loss: 1e-28, MaxIter: 400}}}
	},
	"adam3-lm": func() []Phase {
		return []Phase{{Optimizer: &Adam{LR: 1e-3}, Stop: StopRules{MaxIter: 2000}},
			{Optimizer: &LM{}, Stop: StopRules{Loss: 1e-28, MaxIter: 400}}}
	},
	"lmslow": func() []Phase {
		return []Phase{{Optimizer: &LM{Tau: 1, MinMu: 1}, Stop: StopRules{MaxIter: 300}},
			{Optimizer: &LM{}, Stop: StopRules{Loss: 1e-28, MaxIter: 400}}}
	},
}

// TestExperiment is a tuning harness, run with TRAIN_EXPERIMENT=recipe.
func TestExperiment(t *testing.T) {
	name := os.Getenv("TRAIN_EXPERIMENT")
	if name == "" {
		t.Skip("set TRAIN_EXPERIMENT=recipe")
	}
	n, ns := 2000, 20
	fmt.Sscan(os.Getenv("TRAIN_N"), &n)
	fmt.Sscan(os.Getenv("TRAIN_TSCALE"), &teacherScale)
	tseed := uint64(1)
	fmt.Sscan(os.Getenv("TRAIN_TSEED"), &tseed)
	x, y, _ := teacherData(t, tseed, []int{4, 4, 1}, mlp.G, n)
	t0 := time.Now()
	res, err := Many(context.Background(), x, y, ns, newStudentFunc([]int{4, 16, 1}, mlp.G), ManyConfig{Seed: 1, Config: Config{Phases: expRecipes[name]()}})
	if err != nil {
		t.Fatal(err)
	}
	var losses []float64
	ok := 0
	for _, r := range res {
		line := fmt.Sprintf("student %2d loss %.2e err %v time %v:", r.Index, r.Loss, r.Err, r.Elapsed.Round(time.Millisecond))
		for _, p := range r.Phases {
			line += fmt.Sprintf("  [%s %d it %.1e→%.1e %s]", p.Name, p.Iter, p.StartLoss, p.Loss, p.Elapsed.Round(time.Millisecond))
		}
		fmt.Println(line)
		losses = append(losses, r.Loss)
		if r.Loss <= 1e-20 {
			ok++
		}
	}
	sort.Float64s(losses)
	fmt.Printf("%s n=%d: %d/%d ≤ 1e-20, median %.1e, total %v\n", name, n, ok, ns, losses[ns/2], time.Since(t0))
}
