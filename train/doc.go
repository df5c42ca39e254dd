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
//     With Geodesic set it adds geodesic acceleration (a second-order
//     correction of the step for the residuals' curvature, from one extra
//     evaluation of the residuals), for narrow curved valleys where plain
//     LM creeps: deep students near the floor.
//   - GaussNewton, matrix-free Gauss–Newton for students of 10⁴–10⁶
//     parameters: conjugate gradients on Jacobian-vector products
//     (mlp.Linearization) with a Kronecker-factored (K-FAC) preconditioner
//     that whitens each layer's inputs, the linear output layer solved
//     exactly by least squares after every step (optionally projected out
//     of the CG system), Nielsen damping; with SingleCurvature (the
//     default route's setting) the CG products run in float32, about twice
//     as fast, while residuals and gradients stay in float64; Threads
//     goroutines share the products of one student, in blocks of samples
//     fixed by the data, so the result does not depend on them. Memory is
//     O(parameters + samples·width), never O(parameters²).
//   - NewtonTR, a trust region with the exact Hessian, for students whose
//     residual does not vanish (the teacher's own size).
//   - Adam, full batch or minibatch, with a reduce-on-plateau schedule
//     (the paper's recipe for MNIST-size students).
//   - LBFGS, gonum's L-BFGS with its convergence tests replaced by the
//     phase's stopping rules.
//
// Every optimiser honours Config.Trainable, a mask of the parameters that
// may change (TrainableMask and FrozenMask build one from ranges such as
// (*mlp.Network).LayerParams); LM solves only over the free columns, and
// when the frozen parameters are a network's lowest whole layers its
// Jacobian is computed for the free layers only (mlp.Network.JacobianFrom).
//
// # Defaults
//
// The zero Config runs PhasesFor(free parameters): WidePhases (GaussNewton
// with float32 curvature products, GaussNewton.SingleCurvature,
// on all the data to DefaultStopLoss, DefaultWideMaxIter steps at most,
// DefaultWidePatience steps without 1% improvement) for students of more
// than LMMaxParams free parameters, whose normal equations would not fit,
// and otherwise DefaultPhases: Levenberg–Marquardt on a random
// subset of DefaultSubsetPerParam samples per free parameter until the loss
// is ≤ DefaultStopLoss (or DefaultLMIter iterations, or no 1% improvement
// in DefaultLMPatience iterations); then, if the subset loss reached
// DefaultRestartLoss, on all the data for at most DefaultPolishLMIter
// iterations. Zero loss on that many samples of a smooth teacher pins the
// student down, so the full-data phase usually has little left to do. Many
// restarts a student that ends above DefaultRestartLoss from its own random
// stream, at most DefaultRestarts times (none for students above
// LMMaxParams, where an attempt costs minutes); with ManyConfig.Enough it
// stops restarting once that many students reached the target, in
// rounds that keep the results independent of the number of workers (a
// restart round is counted in student order and cut where it reaches
// Enough: attempts of later students are cancelled, not waited for). The measurements behind these
// settings are in the repository's README ("Measured").
//
// A Phase can train the student through another hidden activation
// (Phase.Activation, for *mlp.Network students): a ReLU network trained
// first through mlp.Smoothed(ReLU, β) at growing β, then as itself, is
// continuation, which identify uses for deep ReLU students
// (identify.Config.Continuation).
//
// # Loss thresholds
//
// Three thresholds of the mean squared error, each deciding one thing:
//
//	DefaultStopLoss    1e-28  a training phase stops: the floating-point floor
//	DefaultRestartLoss 1e-20  a student is kept rather than restarted, and polished on all data
//	DefaultZeroLoss    1e-14  a student counts as at zero loss (reports, identify's choice of ρ)
//
// They are ordered. Training aims at the floor. A student below
// DefaultRestartLoss has found a zero-loss minimum: a trapped one (a
// teacher neuron copied with flipped sign plus small neurons whose outgoing
// weights grow without bound) gains only like a power of the iteration
// count and stays far above it. The paper's looser "zero loss" is only
// counted and reported. Each is overridden where it is used
// (StopRules.Loss; ManyConfig.RestartLoss and Phase.Gate;
// identify.Config.ZeroLoss).
//
// # Progress and cancellation
//
// A Recorder receives an Event per iteration and one at the end of each
// phase; returning an error stops training. NewPrinter writes throttled
// readable lines. Library code never prints. Cancelling the context stops
// within one iteration (one minibatch for minibatch Adam) and returns the
// best point so far with ctx.Err().
package train
