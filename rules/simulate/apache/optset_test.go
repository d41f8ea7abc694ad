package apache

import (
	"strings"
	"testing"
)

// TestOptionBits checks that every flag of Options has a bit of its own.
func TestOptionBits(t *testing.T) {
	var all optSet
	for lower, name := range optionNames {
		b := optionBits[name]
		if b == 0 || b&(b-1) != 0 {
			t.Errorf("%s (%s): bit %#x, want one bit", name, lower, b)
		}
		if all.has(b) {
			t.Errorf("%s: bit %#x taken twice", name, b)
		}
		all |= b
	}
	if len(optionBits) != len(optionNames) {
		t.Errorf("%d bits for %d names", len(optionBits), len(optionNames))
	}
}

// TestOptionBit checks optionBit and asciiLowerIs against the lookups
// they stand for: optionBits[optionNames[strings.ToLower(a)]], and
// strings.ToLower(a) == lower, in every case, for names that are no
// flag, and for letters beyond ASCII that lower-case to ASCII ones (the
// Kelvin sign) or that strings.EqualFold alone would take for them (the
// long s).
func TestOptionBit(t *testing.T) {
	names := []string{"Indexes", "indexes", "INDEXES", "FollowSymLinks", "followsymlinks", "SymLinksIfOwnerMatch",
		"ExecCGI", "execcgi", "Includes", "IncludesNOEXEC", "includesnoexec", "MultiViews", "None", "NONE", "all", "ALL",
		"Index", "Indexess", "", "FollowSymLin\u212As", "Indexe\u017f", "Inde\u0130es", "FollowSymlinks\u212A", "mUlTiViEwS"}
	for _, a := range names {
		n, wantOK := optionNames[strings.ToLower(a)]
		want := optionBits[n]
		got, ok := optionBit(a)
		if got != want || ok != wantOK {
			t.Errorf("optionBit(%q) = %#x, %v; want %#x, %v", a, got, ok, want, wantOK)
		}
		for _, lower := range []string{"none", "all", "followsymlinks"} {
			if got, want := asciiLowerIs(a, lower), strings.ToLower(a) == lower; got != want {
				t.Errorf("asciiLowerIs(%q, %q) = %v, want %v", a, lower, got, want)
			}
		}
	}
}
