package report

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSortSeconds: the counting sort of many seconds sorts as slices.Sort does.
func TestSortSeconds(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 100, 5000, 100000} {
		for _, spread := range []int32{10, 3600, 1 << 30} {
			v := make([]int32, n)
			for i := range v {
				v[i] = rng.Int32N(spread)
			}
			want := slices.Clone(v)
			slices.Sort(want)
			sortSeconds(v)
			if !slices.Equal(v, want) {
				t.Fatalf("n %d spread %d: not sorted as slices.Sort sorts", n, spread)
			}
		}
	}
}
