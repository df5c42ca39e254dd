package identify

import (
	"github.com/paramrecovery/expandcluster/cluster"
	"github.com/paramrecovery/expandcluster/train"
	"gonum.org/v1/gonum/mat"
)

// deepAgreementRound is the default Config.AgreementRound: the round of
// the late stop (deepLateRound), so that three students at the floor,
// when a round has them, still decide before agreement does.
const deepAgreementRound = deepLateRound

// agreementLoss is the loss above which a first-round student has no
// say in the agreement. Far from the teacher, students can still share
// neurons of a partial solution: on the deep family's leaky ReLU 4→3→5→1
// teacher ten students at 6e-4…2e-2 agreed on two first-layer neurons of
// three (medians 3e-4 and 3e-3 in cosine distance), while on GELU
// 6→3→5→3→2 nine of ten below 1e-4 agreed on all three.
const agreementLoss = 1e-4

// looseAgreementLoss replaces agreementLoss, and round 0
// deepAgreementRound, in runs whose fresh layers above the first take the
// smoothed polish (polishedAbove(0): ReLU and leaky ReLU students with
// three hidden layers). Their first-round students can hold every
// first-layer neuron without ever reaching the floor: on the deep
// family's leaky ReLU 8→8→4→2→1 teacher every attempt ended at
// 1e-5…2e-3, all eight first-layer neurons within 1e-7…1e-2 (median
// 1e-4) in every student. The layer they agree on is that far off, and
// the fresh layers above it repair it (freshAboveRecipe's free retrain).
const looseAgreementLoss = 3e-3

// agreementLoss is the loss above which a first-round student has no say
// in the agreement: agreementLoss, or looseAgreementLoss.
func (c *Config) agreementLoss() float64 {
	if c.polishedAbove(0) {
		return looseAgreementLoss
	}
	return agreementLoss
}

// agreementRound is the first round whose students' agreement ends the
// first round: Config.AgreementRound, by default deepAgreementRound, or
// round 0 where looseAgreementLoss applies.
func (c *Config) agreementRound() int {
	switch {
	case c.AgreementRound != 0:
		return c.AgreementRound
	case c.polishedAbove(0):
		return 0
	}
	return deepAgreementRound
}

// agreementStops reports whether the first round of students trained
// with mc may end on agreement: a deep run's default first round
// (manyConfig sets LateEnough only there, and only without
// FloorStudents) with AgreementRound not negative.
func (c *Config) agreementStops(mc train.ManyConfig) bool {
	return c.deep() && mc.LateEnough > 0 && c.AgreementRound >= 0
}

// agreementStop is the train.ManyConfig.StopAfter of a deep run's first
// round: from its agreement round on (Config.agreementRound), a round
// ends the restarts when its students below the agreement loss
// (Config.agreementLoss) agree on the first layer
// (firstLayerAgrees); *agreed records that it did. A teacher whose students hold every first-layer
// neuron but reach the floor rarely (the deep family's GELU 6→3→5→3→2:
// after three attempts each, every teacher neuron within 1e-4 in 7 or 8
// of 10 students at losses 1e-5…1e-7, one student at the floor) would
// otherwise spend all its restarts in this round. The verdict depends
// on the students' networks alone, so the round still does not depend
// on the workers.
func agreementStop(x *mat.Dense, c *Config, agreed *bool) func(int, []train.StudentResult) bool {
	from := c.agreementRound()
	return func(round int, best []train.StudentResult) bool {
		if round < from {
			return false
		}
		*agreed = firstLayerAgrees(x, agreeing(trainedStudents(best), c), c)
		return *agreed
	}
}

// trainedStudents returns the students of a round's best attempts that
// trained (a StopAfter's view of the round), in their order.
func trainedStudents(best []train.StudentResult) []student {
	var students []student
	for _, r := range best {
		if r.Err == nil && r.Net != nil {
			students = append(students, student{index: r.Index, net: r.Net, loss: r.Loss})
		}
	}
	return students
}

// agreeing returns the students that had a say in the agreement (loss at
// most the run's agreement loss, Config.agreementLoss): a first layer
// recovered on agreement is clustered over them, as the test was, and the
// layers above are retrained from them. Students further from the teacher can hold a partial layer that
// would add members, or clusters, the agreement did not see.
func agreeing(students []student, c *Config) []student {
	return studentsBelow(students, c.agreementLoss())
}

// firstLayerAgrees reports whether the first layers of students, whatever
// their losses, cluster into at least one kept neuron with at least
// ⌈γN⌉ of them (N = Config.Students) holding a member of every kept
// cluster. Kept clusters already span ⌈γ·len(students)⌉ students each;
// asking that many students to hold all of them is what rules out
// clusters that are each common but never together, as the trapped
// students' partial layers give.
func firstLayerAgrees(x *mat.Dense, students []student, c *Config) bool {
	need, err := cluster.MinClusterSize(c.Gamma, c.Students)
	if err != nil || len(students) < need || len(students) < 2 {
		return false
	}
	u, err := geometryFactor(c.Geometry, students[0].net, x, 0)
	if err != nil {
		return false
	}
	col, err := clusterLayer(students, 0, c, u)
	if err != nil || col.report.Kept == 0 {
		return false
	}
	whole := 0
	for _, n := range col.covers {
		if n == col.report.Kept {
			whole++
		}
	}
	if whole < need {
		return false
	}
	// Students at the floor hold every teacher neuron: when two or more
	// of them share a neuron the agreement lacks, it is incomplete (a
	// neuron the trapped students miss). On a g 3→3→2→1 teacher with two
	// of six students at the floor, six agreed on two of its three
	// first-layer neurons, the third held by the two and two others.
	floor := studentsBelow(students, c.firstRoundRestartLoss())
	if len(floor) < 2 {
		return true
	}
	sub, err := clusterLayer(floor, 0, c, u)
	return err == nil && sub.report.Kept <= col.report.Kept
}
