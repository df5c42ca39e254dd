// Package expandcluster recovers the weights and layer sizes of a neural
// network from its input–output behaviour, by Expand-and-Cluster
// (Martinelli, Şimşek, Gerstner and Brea, ICML 2024): train several
// overparameterised "student" networks to imitate a "teacher" to near-zero
// loss, then cluster the students' neuron weight vectors; clusters shared
// across students are the teacher's neurons.
//
// The library is a set of packages, each with one job:
//
//	mlp       networks, activations and their symmetries, loss, gradient,
//	          Jacobian, Hessian, save/load
//	train     optimisers (Levenberg–Marquardt, Newton trust region, Adam,
//	          L-BFGS) and training many students in parallel
//	cluster   distances, hierarchical linkage, the Expand-and-Cluster cut,
//	          size and alignment filters, canonicalisation
//	identify  the whole pipeline (identify.Run) and its evaluation (Compare)
//	synth     teachers, the paper's synthetic family, input samplers,
//	          dataset readers (IDX, .npy, .npz) and PyTorch state_dicts
//
// Dependencies point one way: mlp ← train ← identify; cluster stands alone
// (with internal/gram for its distance kernel); synth uses mlp only.
// Runnable programs live under examples/. docs/method.md describes the
// method as implemented: the neuron kinds, the symmetry classes, the
// algorithm step by step, the verdict on a result and the loss thresholds.
//
// This root package holds no code; import the packages above.
package expandcluster
