package csvlog

import (
	"strconv"
	"strings"
)

// Widths formats a list of layer widths (or per-layer counts) as one CSV
// cell, joined by "x": "30x30x30", or "64" for a single layer.
func Widths(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, "x")
}
