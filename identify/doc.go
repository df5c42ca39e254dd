// Package identify runs Expand-and-Cluster end to end: it recovers the
// hidden-layer widths and weights of a teacher network from its outputs on
// probe inputs, and judges a recovery against a known teacher.
//
// # Running
//
// Run queries a Teacher (an *mlp.Network, or any function wrapped in
// TeacherFunc) on the probe inputs; RunData takes recorded inputs and
// outputs instead. Both then follow docs/method.md §3:
//
//  1. Expand: train Config.Students students, ρ times wider than a guess of
//     the teacher's width (ρ given, or chosen by short trial runs), with
//     package train, to near-zero loss. Student i depends only on
//     (Config.Seed, i), whatever the number of workers.
//  2. Cluster, layer by layer: leave out the silent neurons (outgoing
//     weights ≈ 0, Config.SilentTol), canonicalise every other student
//     neuron's incoming vector for the activation's symmetry class, average
//     linkage, the cut that maximises the number of clusters of at least
//     ⌈γN⌉ members, then the size and alignment (β) filters; a flat
//     cluster holding two neurons closer than about β gives both, as
//     groups of coinciding copies from ⌈γN⌉ students each
//     (LayerReport.Split). Each kept cluster is one recovered neuron: its vector comes from the best
//     student with a member in the cluster (all students are searched),
//     and each student's outgoing weights are summed per cluster.
//  3. Deep teachers: the first-round students (Levenberg–Marquardt with
//     geodesic acceleration; 49 restarts, as shallow ones; an attempt
//     that gains less than 10% in 40 iterations is given up; every deep
//     student starts at Glorot gain 1) are restarted until they converge
//     (1e-15: a student at an exact zero-loss point gets there within the
//     budget, one at an approximate point crawls above it), and the
//     restarts stop once ⌈γN⌉ + 1 students got there
//     (train.ManyConfig.Enough) or, once every student has had three
//     attempts, three did (ManyConfig.LateEnough; for students on the
//     smoothed polish below, two attempts, or one once three have
//     converged to 1e-12 or, with three hidden layers, once more than
//     three at the floor are unanimous on the first layer: clustered
//     alone, each neuron three of them hold is held by all of them;
//     Config.FloorStudents sets the number instead), or, from the third
//     attempt on, once the students below 1e-4 agree on the first layer,
//     at the floor or not (⌈γN⌉ of them hold a member of every cluster
//     kept over all of them; Config.AgreementRound, LayerReport.Agreed;
//     for ReLU and leaky ReLU students with three hidden layers from the
//     first attempt on, students below 3e-3, since the fresh layers above
//     repair a first layer that far off), which clusters it over those
//     students;
//     the first layer is clustered over every student below 1e-10 (its
//     clusters are tight by then), and if fewer than ⌈γN⌉ are but at
//     least two, over those. Any layer of a deep run is clustered again
//     over the students converged to an exact point (loss ≤ 1e-15) alone,
//     when at least three are among more, and that clustering is kept
//     if it keeps more neurons (LayerReport.Converged): students that
//     stall between 1e-13 and 1e-10 can fit the probes with a different,
//     approximate network whose neuron is too far off to join the
//     teacher neuron's cluster, which then falls below the size
//     threshold. ReLU and leaky ReLU students (any activation with
//     mlp.Smoothed), once plain Levenberg–Marquardt stalls, are polished
//     through the activation's smoothings (softplus(βx)/β for ReLU,
//     β = 32, 128, 1024; train.Phase.Activation)
//     and the activation itself, and restarted above 1e-7: plain
//     Levenberg–Marquardt on a piecewise-linear network stalls wherever a
//     step moves a kink across samples, most often with the first layer
//     a few degrees off. Config.PlainPiecewise turns the polish off;
//     Config.Continuation trains through the smoothings from the start
//     instead (β = 1, 2, 4, 8, 32, 128, 1024). A deep run's
//     clusters must hold neurons of ⌈γN⌉ distinct students, not only
//     ⌈γN⌉ neurons (several near-linear neurons of a few students that
//     carry a linear function up a layer agree as well as a teacher
//     neuron's copies; for smooth even+linear activations a cluster
//     whose neuron is affine on its inputs, such a pass-through, is
//     dropped: LayerReport.RemovedNearAffine). The recovered layer (for
//     even+linear activations oriented as the teacher's: the students'
//     flip votes; a split vote is settled by the orientation under which
//     the recovered neurons best explain the students' next-layer
//     pre-activations, and the top layer's by the one under which they
//     best explain the targets on the recovered layers below) is
//     written into every
//     student, each student's next layer is rebuilt from its own summed
//     outgoing weights, or where it fits better by least squares on the
//     student's own next-layer pre-activations (which keeps the shares of
//     copies outside a cluster's core), and every layer is retrained to
//     the zero-loss threshold from there (not from random values); students that stay above the floor, and as many as
//     the run lacks, get fresh random layers above, trained with the
//     recovered layers frozen and then free (through the first round's
//     smoothed polish, and counted at its floor, where two
//     piecewise-linear hidden layers or more are left above: plain
//     training does not solve those; their restarts also end, before
//     the late round, once three or more students at the floor,
//     retrained or fresh, are unanimous on the next layer; there each
//     attempt includes the free retraining and is judged on the loss it
//     ends at, and students at the floor that have not converged are
//     re-seeded up to four times until three have: one random neuron of
//     the next layer redrawn, its outgoing weights shrunk tenfold,
//     polished again, the copy kept if its loss is lower). Then the next
//     layer is clustered. If the top hidden layer gives no cluster, or its clusters
//     leave the tuned network above the zero-loss threshold, its students
//     are trained on to their floor and it is clustered again over them
//     with the size filters lowered one student at a time, down to half of
//     ⌈γN⌉: the first clustering whose tuned network reaches the threshold
//     is kept (LayerReport.Relaxed, a MarginalCluster warning), since a
//     neuron the probes pin down weakly is held exactly by some students
//     and as a different combination of neurons by others; ReLU-like
//     neurons affine on the probes (a linear pass-through, which can take
//     a teacher neuron's place at ⌈γN⌉) are dropped from those
//     clusterings and not counted. Failing that,
//     with everything
//     below it recovered, the outputs are a one-hidden-layer network of its
//     inputs, and it is recovered by a one-hidden-layer run on them (its own
//     students, restarts and clustering; the features come from the best
//     retrained student trained on to its floor, whose loss sets that run's
//     zero-loss threshold), its neurons turned, for
//     even+linear activations, so that no linear term is left. Neurons of
//     any hidden layer that the final fine-tune silences are removed if
//     the network stays at the zero-loss threshold without them
//     (LayerReport.Pruned).
//  4. Optionally (Config.Complete, one hidden layer), neurons that too
//     few students held for a cluster are added back if the outputs need
//     them: greedily, the student neuron whose activations remove most of
//     the least-squares residual of the outputs, while it removes at least
//     the fraction Complete of it (orthogonal matching pursuit). This is
//     for runs with two or three wide students, where γ = 1 loses every
//     teacher neuron one student lacks; a Completed warning marks them.
//  5. The output layer comes from the representative students (after a
//     completion, from least squares on the hidden activations), its bias
//     (and for even+linear activations a linear skip path) is fitted by
//     least squares, and the whole recovered network is fine-tuned. A
//     network so assembled that is above the zero-loss threshold gets the
//     least-squares readout of its top hidden layer instead when that fits
//     better: the representatives' output weights fit their own top
//     layers, which, from students far from the floor, the clustered layer
//     is not.
//
// Result holds the recovered network and widths, a LayerReport per hidden
// layer (clusters found, removed as small or unaligned, and per recovered
// neuron its cluster size and spread as a confidence), the student losses,
// timings and the effective Config. Progress goes to Config.Recorder;
// cancelling the context returns the partial Result with ctx.Err().
//
// # Settings and outcomes
//
// Every Config field has a documented default: γ and β are
// cluster.DefaultGamma and cluster.DefaultBeta, ZeroLoss is
// train.DefaultZeroLoss (package train relates it to the thresholds that
// stop and restart training), the rest are this package's Default
// constants. A recovery in which no cluster survives the filters returns
// an error wrapping ErrNoNeurons, one with fewer than two usable students
// ErrTooFewStudents; test for them with errors.Is.
//
// # Trusting a result
//
// Result.Warnings says when not to trust a result, each warning with its
// evidence and the remedy for that cause (Result.Verdict prints them):
// SymmetryContradicted (the activation's declared class is not what
// mlp.DetectSymmetry finds; an error unless Config.TrustDeclaredSymmetry),
// FewStudentsAtFloor, RecoveredLossHigh, TooFewProbes, MarginalCluster,
// LayerSuperfluous, CommitteeDisagrees, Completed and AffineOnProbes (a
// ReLU-like recovered neuron whose kink avoids the probes, which therefore
// do not determine it).
// Result.Precision is the measured precision of the outputs (float32
// values have 24 significant bits): the zero-loss and restart thresholds
// rise to the noise floor it implies, so that float32 data train as fast
// as float64 (docs/method.md §4–5).
//
// # Real data
//
// The paper compares neurons by their weight vectors [w, b]. On images that
// fails before training does: weights along directions the data never
// excite (constant pixels, the tail of the pixel spectrum) get no gradient
// and keep their random initial values in teacher and students alike.
// Config.Geometry = DataSpace compares neurons by their pre-activations on
// the data instead (the vectors mapped through the square root of the
// second moment of the layer's inputs), which is what the students can
// identify; CompareIn measures the distance to a teacher the same way.
//
// # Stages
//
// TrainStudent, Checkpoint.Save, LoadCheckpoints and Recover split Run so
// that students can train as separate processes (a Slurm job array, a
// Kubernetes indexed job) and be clustered from their files later, with
// bit-for-bit the result of one Run.
//
// # Black-box teachers
//
// A teacher that answers queries (an API, a deployed model) is reached
// through an Oracle, which counts every input row sent to it against
// Config.QueryBudget (0: unlimited) and refuses a request that would
// exceed it with a *QueryBudgetError wrapping ErrQueryBudget; Run,
// RunProbes and RunActive send every teacher call through one and report
// the count in Result.Queries, the queried data in Result.QueryInputs and
// Result.QueryOutputs. A run stopped by its budget returns what was paid
// for: the queries and the students trained on them.
//
// The inputs are chosen by a Probes strategy: a fixed data set
// (NewDataset, what Run does with its inputs), a Gaussian matched to given
// statistics (IsotropicGaussian, ScaledGaussian, NewGaussianProbes with a
// covariance, MatchGaussian fitted to data), or data plus noise
// (NewDataNoise). RunProbes queries one batch of them; RunActive treats
// the students as a committee and queries, round by round, where they
// disagree most, retraining them from where they are, until they agree
// to the loss floor (Active). Chosen queries excite every input
// direction, so every input weight is identifiable, which images are not.
// Active also grows a query set in one large random step (Pool equal to
// PerRound, one round): the students stop early on the first queries
// (Config.Train with a loose Stop.Loss), where each step is cheap, and
// finish on all of them (Active.Retrain), the trapped ones left as they
// are (Active.RetrainBelow).
//
// A teacher with fewer first-layer neurons than inputs (784 → 30 → … on
// images) depends on its inputs only through the span of its first-layer
// weight vectors, where every gradient of its outputs lies.
// EstimateSubspace finds that span from central-difference gradients (2d
// queries per point, a few points), and a Subspace turns the teacher
// (Subspace.Teacher) and the probes (Subspace.Probes) into their versions
// on the k coordinates of the inputs in it: the students' first layers
// shrink from d to k inputs, and so does the cost of every training step.
// Subspace.Lift brings the recovered network back to the d inputs;
// RunSubspace does all of it around RunProbes. The span is known to about
// 1/Subspace.Gap, which bounds how exact the lifted first layer can be.
//
// WeightError measures a recovery as the extraction literature does:
// Align brings the recovered network into the teacher's coordinates
// (permutation, sign flips and scales undone as the activation's symmetry
// allows), and the report gives every layer's largest absolute parameter
// error as 2^-k and the worst output error on fresh queries.
//
// # Evaluation
//
// Compare matches every hidden layer of a recovered network to the
// teacher's by an optimal one-to-one assignment (Hungarian method) on
// cosine distance up to the activation's symmetry, and reports per-neuron
// cosine distances, outgoing-weight errors, widths and the function-space
// RMSE on fresh inputs. Report.Exact(1e-6) is the success criterion of
// this project's figures: every width right and every neuron within
// cosine distance 1e-6. For a layer that is not exact,
// LayerComparison.MatchedWithin(tol) counts the teacher neurons that can be
// given distinct partners within tol (a maximum matching on the close
// pairs); Within(tol) counts those the sum-optimal assignment placed that
// close, which can be fewer.
package identify
