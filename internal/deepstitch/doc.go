// Package deepstitch is the deep Fashion-MNIST experiments' stitching
// machinery, shared by the stitch tool (results/fashionmnist-deep/stitch)
// and examples/fashionmnistdeep: group span students' neurons of each
// layer by the uncentred cosine distance of their pre-activations on the
// queries, fit a network to the groups' mean pre-activations layer by layer
// by least squares, fine-tune it by Gauss–Newton, prune it (prune.go), move
// one-sided neurons into g's bend (bend.go), rebuild a layer from what the
// students agree on (refill.go) and stitch the layers from one up from new
// students' agreement (agree.go). It is an experiment, not a
// route identify offers: its set-up is the committed deep teacher's
// (package span).
//
// Its helpers stop on an error by panicking with a stop value; Run (and
// Setup, Base, Refill) recovers it and returns the error, so a caller sees
// an error, never a panic.
package deepstitch
