package difftest

import (
	"bytes"
	"testing"

	"github.com/unforbid/unforbid/internal/layout"
)

func TestGenerateIsDeterministic(t *testing.T) {
	for _, tc := range []struct {
		seed uint64
		i    int
	}{{1, 0}, {1, 7}, {42, 3}} {
		a, b := Generate(tc.seed, tc.i), Generate(tc.seed, tc.i)
		if !bytes.Equal(a.Txtar(a.Requests, nil), b.Txtar(b.Requests, nil)) {
			t.Errorf("Generate(%d, %d) draws two different cases", tc.seed, tc.i)
		}
	}
	if bytes.Equal(Generate(1, 0).Txtar(nil, nil), Generate(2, 0).Txtar(nil, nil)) {
		t.Errorf("seeds 1 and 2 draw the same case")
	}
}

func TestCasesAreTrees(t *testing.T) {
	for i := range 50 {
		c := Generate(1, i)
		if len(c.Requests) == 0 || len(c.Locs) == 0 {
			t.Errorf("case %d: %d requests, %d locations", i, len(c.Requests), len(c.Locs))
		}
		tree, err := layout.Parse("case", c.Txtar(c.Requests, nil))
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if _, err := tree.Commands(); err != nil {
			t.Errorf("case %d: %v", i, err)
		}
	}
}

func TestShrinksAreSmaller(t *testing.T) {
	c := Generate(1, 3)
	size := len(c.Txtar(nil, nil))
	shrinks := c.Shrinks()
	if len(shrinks) == 0 {
		t.Fatal("no shrink")
	}
	for i, s := range shrinks {
		if n := len(s.Txtar(nil, nil)); n >= size {
			t.Errorf("shrink %d is %d bytes, the case %d", i, n, size)
		}
	}
	if got := len(c.Txtar(nil, nil)); got != size {
		t.Errorf("shrinking changed the case: %d bytes, was %d", got, size)
	}
}
