// Package train trains the students of Expand-and-Cluster to the
// floating-point floor of their loss, and many of them at once.
//
// A model is a Student: a flat parameter slice, the mean squared error with
// its gradient, and the Jacobian of the residuals (*mlp.Network is one).
// Train runs a list of Phases, each an Optimizer with StopRules (loss
// threshold, gradient ∞-norm, iterations, wall time, patience), optionally
// on a random subset of the samples; every phase starts from the best point
// of the one before, and Train always leaves the student at the best point
// seen and says why it stopped. Many trains N students from one seed on a
// worker pool; student i draws its initial weights and all its randomness
// from StudentRNG(seed, i) alone, so results are bit-identical for any
// number of workers and one student can be reproduced by itself.
//
// # Optimisers
//
//   - LM, Levenberg–Marquardt on the residuals (JᵀJ + μD by a Gram kernel and
//     Cholesky, Nielsen damping): the engine for students up to a few
//     thousand parameters, and the implicit step of the gradient flow.
//   - NewtonTR, a trust region with the exact Hessian, for students whose
//     residual does not vanish (the teacher's own size).
//   - Adam, full batch or minibatch, with a reduce-on-plateau schedule
//     (the paper's recipe for MNIST-size students).
//   - LBFGS, gonum's L-BFGS with its convergence tests replaced by the
//     phase's stopping rules.
//
// Every optimiser honours Config.Trainable, a mask of the parameters that
// may change (TrainableMask and FrozenMask build one from ranges such as
// (*mlp.Network).LayerParams); LM solves only over the free columns.
//
// # Defaults
//
// The zero Config runs DefaultPhases: Levenberg–Marquardt on a random
// subset of DefaultSubsetPerParam samples per parameter until the loss is ≤ DefaultLossFloor
// (or DefaultLMIter iterations, or no 1% improvement in DefaultLMPatience
// iterations), then on all the data for at most DefaultPolishLMIter
// iterations. A student at zero loss on 2 000 samples of a smooth teacher
// is almost at zero loss on all of them, so the polishing phase takes a
// few iterations at full cost. What was measured (2-core machine, 4→16→1
// students with activation g on a 4→4→1 teacher):
//
//   - one LM iteration, 97 parameters: ≈4 ms on 2 000 samples, ≈20 ms on
//     10 000 (≈50 ms under load) with gonum's Syrk, dominated by JᵀJ and the
//     Jacobian; JᵀJ now goes through the AVX2 Gram kernel (5× Syrk);
//   - a full-batch Adam warm-up (200–2 000 steps, lr 1e-2 or 1e-3) before
//     LM did not raise the fraction of students reaching the floor and
//     cost more than the LM phase, so the default has none;
//   - students that miss the floor are not slow optimisation but a trap of
//     the loss landscape: a teacher neuron copied with flipped sign plus a
//     few small neurons along the same direction whose output weights grow
//     without bound (a Taylor expansion of the difference), so the loss
//     decreases only like a power of the iteration count. No optimiser
//     setting tried (LM with D = I or Marquardt scaling, larger damping,
//     Adam first) avoided it reliably.
//
// # Progress and cancellation
//
// A Recorder receives an Event per iteration and one at the end of each
// phase; returning an error stops training. NewPrinter writes throttled
// readable lines. Library code never prints. Cancelling the context stops
// within one iteration (one minibatch for minibatch Adam) and returns the
// best point so far with ctx.Err().
package train
