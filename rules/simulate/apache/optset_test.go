package apache

import "testing"

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
