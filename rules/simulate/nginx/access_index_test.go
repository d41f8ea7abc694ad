package nginx

import (
	"fmt"
	"math/rand"
	"net/netip"
	"slices"
	"testing"

	conf "github.com/unforbid/unforbid/parser/nginx"
)

// pairwiseShadowers is the index-free definition of shadowers: every
// earlier rule is compared with late. TestAccessIndex checks the index
// against it.
func pairwiseShadowers(earlier []AccessRule, late *AccessRule) []*AccessRule {
	for i := range earlier {
		if covers(&earlier[i], late) {
			return []*AccessRule{&earlier[i]}
		}
	}
	var parts []netip.Prefix
	switch {
	case late.All:
		parts = []netip.Prefix{netip.PrefixFrom(netip.IPv4Unspecified(), 0), netip.PrefixFrom(netip.IPv6Unspecified(), 0)}
		unix := false
		for i := range earlier {
			unix = unix || earlier[i].Unix
		}
		if !unix {
			return nil
		}
	case late.Unix:
		return nil // only "unix:" or "all" covers it, one rule alone
	default:
		p, ok := prefixOf(late)
		if !ok {
			return nil
		}
		parts = []netip.Prefix{p}
	}
	set := map[*AccessRule]bool{}
	for _, p := range parts {
		var nets []netip.Prefix
		var rules []*AccessRule
		for i := range earlier {
			q, ok := prefixOf(&earlier[i])
			if ok && q.Addr().Is4() == p.Addr().Is4() && q.Overlaps(p) {
				nets = append(nets, q)
				rules = append(rules, &earlier[i])
			}
		}
		if !unionCovers(nets, p) {
			return nil
		}
		for _, r := range rules {
			set[r] = true
		}
	}
	if late.All {
		for i := range earlier {
			if earlier[i].Unix {
				set[&earlier[i]] = true
				break
			}
		}
	}
	return pairwiseInOrder(set, earlier)
}

// pairwiseInOrder returns the rules of set (pointers into list) in list's order.
func pairwiseInOrder(set map[*AccessRule]bool, list []AccessRule) []*AccessRule {
	var out []*AccessRule
	for i := range list {
		if set[&list[i]] {
			out = append(out, &list[i])
		}
	}
	return out
}

// randomRule draws a rule from a small address space, so that networks
// nest and overlap often: IPv4 in 10.0.0.0/28, IPv6 in 2001:db8::/124 and
// IPv4-mapped ::ffff:10.0.0.0/124, with "all" and "unix:" now and then.
func randomRule(t *testing.T, r *rand.Rand) AccessRule {
	name := [2]string{"allow", "deny"}[r.Intn(2)]
	var arg string
	switch k := r.Intn(20); {
	case k == 0:
		arg = "all"
	case k == 1:
		arg = "unix:"
	case k < 12:
		arg = fmt.Sprintf("10.0.0.%d/%d", r.Intn(16), 28+r.Intn(5))
	case k < 16:
		arg = fmt.Sprintf("2001:db8::%x/%d", r.Intn(16), 124+r.Intn(5))
	case k < 19:
		arg = fmt.Sprintf("::ffff:10.0.0.%d/%d", r.Intn(16), 124+r.Intn(5))
	default:
		arg = [...]string{"0.0.0.0/0", "::/0", "10.0.0.0/8", "::ffff:0:0/96", "::/64"}[r.Intn(5)]
	}
	a, err := parseAccess(&conf.Directive{Name: name, Args: []string{arg}})
	if err != nil {
		t.Fatalf("%s %s: %v", name, arg, err)
	}
	return a
}

// TestAccessIndex: for random lists, the index finds for each rule the
// same shadowing rules, in the same order, as comparing every pair, and
// admitsSomeone agrees with the pairwise definition.
func TestAccessIndex(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	shadowedSeen, unionSeen := 0, 0
	for round := 0; round < 2000; round++ {
		list := make([]AccessRule, 1+r.Intn(24))
		for i := range list {
			list[i] = randomRule(t, r)
		}
		x := newAccessIndex(list)
		admits := false
		for j := range list {
			got := x.shadowers(&list[j])
			want := pairwiseShadowers(list[:j], &list[j])
			if !slices.Equal(got, want) {
				t.Fatalf("list %s, rule %d: index gives %s, pairwise %s", ruleText(list), j, ptrText(got), ptrText(want))
			}
			if want != nil {
				shadowedSeen++
				if len(want) > 1 {
					unionSeen++
				}
			}
			admits = admits || list[j].Allow && want == nil
			x.add()
		}
		if got := admitsSomeone(list); got != admits {
			t.Fatalf("admitsSomeone(%s) = %v, want %v", ruleText(list), got, admits)
		}
	}
	if shadowedSeen == 0 || unionSeen == 0 {
		t.Fatalf("the random lists never shadow (%d) or never by a union (%d): the test tests nothing", shadowedSeen, unionSeen)
	}
}

func ruleText(list []AccessRule) string {
	s := ""
	for _, a := range list {
		s += a.Dir.Name + " " + a.Dir.Args[0] + "; "
	}
	return s
}

func ptrText(list []*AccessRule) string {
	s := "["
	for _, a := range list {
		s += a.Dir.Name + " " + a.Dir.Args[0] + "; "
	}
	return s + "]"
}
