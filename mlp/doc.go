// Package mlp provides the fully connected networks that Expand-and-Cluster
// trains and recovers: float64 multilayer perceptrons of any depth with a
// per-layer activation, their loss, gradient, residual Jacobian and exact
// Hessian, Glorot initialisation from a seeded math/rand/v2 source, and
// bit-exact JSON save and load.
//
// # Parameters
//
// A Network keeps all its parameters in one flat []float64 (Params); each
// Layer's weight matrix W (a gonum *mat.Dense, Out×In) and bias B are views
// into it. Optimisers update the flat slice and the network sees the change
// without copying.
//
// # Computation
//
// Inputs are batches with one sample per row. Forward, Loss, LossGrad,
// Residuals, Jacobian, HessVec and Hessian take a *Workspace that holds the
// intermediate values; with a warm workspace (one that has seen a batch at
// least as large) they do not allocate. JacobianFrom is the Jacobian with
// respect to the layers from a given one up, for training with the layers
// below it frozen. The loss is the mean squared error
// over all samples and outputs, (1/(n·d_out))·Σ(out − y)². Bad data (wrong
// widths, NaN or Inf, empty batches) returns an error naming the row and
// column.
//
// # Backends
//
// The dense matrix products of the forward and backward passes run on
// pure-Go kernels by default. Building with -tags cblas (which needs cgo and
// OpenBLAS, e.g. Debian's libopenblas-dev) sends the products that are large
// enough — at least 16 inputs, 2 outputs, 4 rows and about a thousand
// multiply-adds — to OpenBLAS's dgemm instead, which makes wide networks
// (784 inputs, hundreds of hidden units) several times faster; narrow
// layers stay on the Go kernels. OpenBLAS is set to one thread, since
// callers parallelise across networks. Backend reports "go" or "openblas".
// The two builds round differently in the last bits, so their results are
// not bit-identical to each other, but each build is deterministic from run
// to run and for any number of goroutines.
//
// # Activations
//
// An Activation gives its value, first and second derivative and its
// Symmetry class, which decides how neurons are canonicalised before
// clustering (None, Odd, OddConstant, EvenLinear, EvenLinearPosScale). The
// built-ins are ReLU, LeakyReLU (any slope), Sigmoid, Tanh, Softplus, GELU
// (exact), SiLU, Erf (erf(x/√2)), G (sigmoid(4x)+softplus(x), the paper's
// activation) and Identity. Func adapts plain functions; Register makes a
// custom activation loadable by name; DetectSymmetry checks a declared class
// numerically, and package mlptest checks a custom activation in a test.
// Smoothed gives the smooth relatives of the piecewise-linear ones
// (softplus(βx)/β for ReLU) and Network.WithHidden a network that computes
// with one of them on the same parameters, for training by continuation.
package mlp
