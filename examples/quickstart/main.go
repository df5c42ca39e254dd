// Command quickstart recovers a small teacher network with Expand-and-Cluster.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Println("quickstart: identify.Run is not yet available; the identify package lands in a later issue")
	os.Exit(0)
}
