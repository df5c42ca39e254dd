// Package cluster implements the clustering step of Expand-and-Cluster
// (Martinelli et al., ICML 2024): pairwise distances between neuron weight
// vectors, exact hierarchical clustering compatible with
// scipy.cluster.hierarchy, the cut that maximises the number of large
// clusters, the size and alignment filters, and the canonicalisation of
// neurons under activation symmetries.
//
// # Distances
//
// Distances computes a condensed distance matrix (Condensed, scipy's pdist
// layout) for the Euclidean, Cosine and SignInvariantEuclidean metrics on
// parallel workers. Below 64 dimensions it sums every distance directly
// from the coordinate differences (internal/gram.Panels, an AVX2+FMA kernel
// for 4×8 pairs at a time); from 64 on it uses blocked Gram products
// (internal/gram: an AVX2+FMA kernel, gonum's Dgemm only where that kernel
// is unavailable) and recomputes from the difference vector every pair
// whose Gram result lost digits to cancellation, so near-duplicates — the
// tight clusters of Expand-and-Cluster — get the same distance as the
// direct formula to about 1e-13 relative. Results do not depend on the
// number of workers.
//
// # Linkage
//
// Linkage and LinkageCondensed build a Tree with Single, Complete, Average,
// Weighted, Ward, Centroid or Median linkage, using the algorithms scipy
// uses (minimum spanning tree for Single, nearest-neighbour chain for the
// reducible methods, Müllner's generic algorithm for Centroid and Median)
// with scipy's tie-breaking, scan order, sorting and relabelling. On
// tie-free inputs Tree.Merges equals scipy's linkage matrix: same pairs in
// the same order, the smaller id first, heights equal to rounding. Time is
// O(n²) (Centroid and Median: O(n²) in practice, O(n³) worst case);
// LinkageCondensed works in place on the condensed matrix with O(n) extra
// memory, so the peak memory of Linkage is one condensed matrix plus the
// input. The nearest-neighbour chain keeps, for each cluster, every one of
// its distances to lower-numbered clusters (a strided column of the
// condensed matrix) below a bound, up to eight of them, up to date through
// merges, so its searches mostly read contiguous rows and reread a column
// only when merges have emptied its list; on Linux large matrices are
// advised onto huge pages, which the column accesses of the linkage loops
// need.
//
// # Cuts
//
// Tree.CutHeight is scipy's fcluster(criterion="distance") — merges of
// height ≤ h join, labels numbered as scipy numbers them, minus one —
// and Tree.CutK is fcluster(criterion="maxclust"). Tree.MaxClustersCut is
// the Expand-and-Cluster cut: the merge height that maximises the number of
// clusters of at least a minimum size, taken at the top of the first run of
// merges reaching the maximum, found in O(n log n) by replaying the merges
// with a union-find.
//
// # Filters
//
// MinClusterSize turns the fraction γ of students into the size threshold
// ceil(γN), robust to floating-point error. Filter reports, for each flat
// cluster, its size, the median pairwise cosine distance of its members
// (compared with 1 − cos β) and its spread; a cluster with a zero vector is
// never aligned.
//
// # Symmetries
//
// Canonicalize brings neurons to a canonical sign (and, for positively
// homogeneous activations, unit norm), moving the change into the outgoing
// weights as each Symmetry class requires. Symmetry's values equal
// mlp.Symmetry's, so cluster.Symmetry(s) converts. AlignSigns aligns the
// members of one cluster after clustering with the sign-invariant metric.
package cluster
