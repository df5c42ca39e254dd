package synth_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sort"

	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/synth"
)

// A network handed to PyTorch and back as the state_dict of a
// torch.nn.Sequential. In Python the file loads with
//
//	model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1)).double()
//	sd = np.load("net.npz")
//	model.load_state_dict({k: torch.from_numpy(sd[k]) for k in sd.files})
//
// and a torch model is saved for ReadStateDict with
//
//	np.savez("net.npz", **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})
func ExampleWriteStateDict() {
	net, err := synth.NewTeacher(synth.TeacherConfig{Sizes: []int{3, 4, 1}, Hidden: mlp.Tanh}, 1)
	if err != nil {
		log.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "statedict-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "net.npz")
	if err := synth.WriteStateDict(path, net); err != nil {
		log.Fatal(err)
	}
	sd, err := synth.ReadNPZFile(path)
	if err != nil {
		log.Fatal(err)
	}
	var keys []string
	for k := range sd {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Println(k, sd[k].Shape)
	}
	back, err := synth.ReadStateDict(path, mlp.Tanh)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("sizes", back.Sizes(), "same parameters:", fmt.Sprint(back.Params()) == fmt.Sprint(net.Params()))
	// Output:
	// 0.bias [4]
	// 0.weight [4 3]
	// 2.bias [1]
	// 2.weight [1 4]
	// sizes [3 4 1] same parameters: true
}
