package identify

import (
	"errors"
	"fmt"
	"sync"

	"gonum.org/v1/gonum/mat"
)

// ErrQueryBudget: the run needed more teacher queries than
// Config.QueryBudget allows. The returned error is a *QueryBudgetError
// (use errors.As for the counts) and the Result returned with it keeps
// everything paid for: the queried inputs and answers (Result.QueryInputs,
// Result.QueryOutputs) and the students trained on them (Result.Students).
var ErrQueryBudget = errors.New("identify: query budget exhausted")

// QueryBudgetError says how many queries were used, how many more were
// asked for and what the budget is. It wraps ErrQueryBudget.
type QueryBudgetError struct {
	// Used is the number of queries (input rows sent to the teacher)
	// answered so far, Asked the number the refused request wanted and
	// Budget the limit.
	Used, Asked, Budget int
}

func (e *QueryBudgetError) Error() string {
	return fmt.Sprintf("identify: query budget exhausted: %d of %d queries used, %d more needed (raise Config.QueryBudget, or query less per round)", e.Used, e.Budget, e.Asked)
}

// Unwrap returns ErrQueryBudget.
func (e *QueryBudgetError) Unwrap() error { return ErrQueryBudget }

// Oracle is a Teacher reached through a query counter: every input row it
// passes to the wrapped teacher counts as one query, and a request that
// would take the count above the budget is refused whole, before the
// teacher sees it, with a *QueryBudgetError. Run, RunProbes and RunActive
// send every teacher call through one. It is safe for concurrent use.
type Oracle struct {
	teacher Teacher
	budget  int

	mu          sync.Mutex
	used, calls int
}

// NewOracle wraps teacher with a budget of queries (input rows); 0 means
// unlimited.
func NewOracle(teacher Teacher, budget int) (*Oracle, error) {
	if teacher == nil {
		return nil, fmt.Errorf("identify: nil teacher")
	}
	if budget < 0 {
		return nil, fmt.Errorf("identify: query budget %d is negative (0 means unlimited)", budget)
	}
	return &Oracle{teacher: teacher, budget: budget}, nil
}

// Predict queries the teacher on the rows of x, counting them. The
// teacher's answer is checked for its shape; non-finite outputs are
// returned as they are (the run's data checks reject them).
func (o *Oracle) Predict(x *mat.Dense) (*mat.Dense, error) {
	if x == nil || x.IsEmpty() {
		return nil, fmt.Errorf("identify: no inputs to query (empty matrix)")
	}
	rows := x.RawMatrix().Rows
	o.mu.Lock()
	if o.budget > 0 && o.used+rows > o.budget {
		err := &QueryBudgetError{Used: o.used, Asked: rows, Budget: o.budget}
		o.mu.Unlock()
		return nil, err
	}
	// The queries count once sent, whether or not the teacher answers:
	// a paid service charges for them.
	o.used += rows
	o.calls++
	o.mu.Unlock()
	return query(o.teacher, x)
}

// Queries returns the number of queries (input rows) sent so far.
func (o *Oracle) Queries() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.used
}

// Calls returns the number of Predict calls that reached the teacher.
func (o *Oracle) Calls() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.calls
}

// Budget returns the budget (0: unlimited).
func (o *Oracle) Budget() int { return o.budget }

// Remaining returns how many queries the budget still allows, or −1 when
// it is unlimited.
func (o *Oracle) Remaining() int {
	if o.budget == 0 {
		return -1
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.budget - o.used
}

var _ Teacher = (*Oracle)(nil)
