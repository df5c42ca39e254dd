// Package synth makes the teachers and data that Expand-and-Cluster is
// judged on: random teachers of controlled difficulty, the paper's family
// of 150 synthetic problems, input samplers, readers and writers for the
// IDX (MNIST) and NumPy .npy formats, and teachers trained on real data.
//
// # Random teachers
//
// RandomTeacher (or NewTeacher with a seed) builds an mlp.Network of any
// depth, widths and activations described by a TeacherConfig. Weights and
// biases are drawn independently from the standard normal by default
// (Scale, BiasScale, FanIn and Dist change that), in the order of the
// network's flat parameters, so a seed fixes the teacher bit for bit. A
// draw with two near-duplicate hidden neurons (absolute cosine similarity
// of their (w, b) vectors above MaxCosine, 0.99 by default) is rejected
// and redrawn from the same stream, deterministically.
//
// # Randomness
//
// Every random quantity comes from math/rand/v2. NewRand(seed) is the
// package's standard PCG generator. A family problem derives three
// independent streams from its seed: one for the teacher, one for the
// training inputs and one for the test inputs.
//
// # Inputs and labelled data
//
// A Sampler draws inputs: Gaussian (the default for synthetic teachers),
// Box (uniform on a box with per-dimension bounds) and Rows (rows of a
// data set, with or without replacement). Label and LabelTo run a teacher
// on inputs in blocks; MakeDataset and LabelDataset return a Dataset of
// inputs and teacher outputs with optional held-out test data.
//
// # The synthetic family
//
// Family lists the paper's problems: d_in ∈ {2, 4, 8, 16, 32} × r ∈ {2, 4,
// 8} × 10 teachers = 150 one-hidden-layer teachers d_in → r → 1 with the
// activation g (mlp.G), each with the paper's settings N = 20 students
// (r = 2, 4) or 10 (r = 8), γ = 0.8 and β = π/24. A problem's name, such as
// "din4-r2-t07", is stable, and its seed is the FNV-1a hash of the name
// (plus an optional offset), so a quoted result can be rerun with
// FamilyProblem. FamilyOptions overrides the activation, the sample counts,
// the teacher scale and the seeds, and filters by d_in, r and index.
//
// # Files
//
// ReadIDX / WriteIDX and ReadNPY / WriteNPY read and write Arrays (shape,
// values as float64, stored element type); Array.Matrix views one as a
// gonum matrix with the first axis as rows. Both readers undo gzip
// compression when the stream starts with 0x1f 0x8b, and reject
// truncated files, wrong magic numbers, unsupported element types and
// Fortran-order .npy arrays with errors that name the file and the byte or
// header field. ScalePixels and Standardizer prepare pixel inputs.
//
// A PyTorch model is probed from Python by saving its inputs and outputs:
//
//	x = torch.randn(10000, 784, dtype=torch.float64)
//	np.save("x.npy", x.numpy())
//	np.save("y.npy", model(x).detach().numpy())
//
// and in Go:
//
//	x, _ := synth.ReadNPYMatrix("x.npy")
//	y, _ := synth.ReadNPYMatrix("y.npy")
//
// # PyTorch models
//
// ReadNPZ and WriteNPZ read and write .npz archives (numpy.savez and
// numpy.savez_compressed: a zip of .npy files). ReadStateDict and
// WriteStateDict exchange an *mlp.Network with the state_dict of a
// torch.nn.Sequential of Linear layers (keys "0.weight", "0.bias",
// "2.weight", …; weights out×in); the activation is given separately,
// since a state_dict does not hold it. From PyTorch to Go:
//
//	sd = model.state_dict()
//	np.savez("teacher.npz", **{k: v.detach().cpu().numpy() for k, v in sd.items()})
//	teacher, err := synth.ReadStateDict("teacher.npz", mlp.Tanh)  // in Go
//
// and back, after synth.WriteStateDict("recovered.npz", res.Network):
//
//	model = torch.nn.Sequential(torch.nn.Linear(5, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2)).double()
//	sd = np.load("recovered.npz")
//	model.load_state_dict({k: torch.from_numpy(sd[k]) for k in sd.files})
//
// # Real data
//
// FashionMNIST reads Fashion-MNIST as installed by Debian's
// dataset-fashion-mnist package under /usr/share/datasets/fashion-mnist
// (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,
// t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz); if the files are
// absent the error wraps ErrDataMissing. TrainTeacher trains a network on
// labelled data (a regressor, or with TrainClassifier a classifier on
// one-hot targets, both on the mean squared error) by seeded minibatch
// Adam, so that it can serve as a teacher whose weights are known; for
// example a 784→16→10 network reaches about 80% test accuracy on
// Fashion-MNIST in a few seconds.
package synth
