package apache

import (
	"fmt"
	"net"
	"strings"

	"github.com/unforbid/unforbid/parser"
	conf "github.com/unforbid/unforbid/parser/apache"
)

// authzResult is an authorization result of mod_authz_core.
type authzResult int

// The results of apply_authz_sections.
const (
	authzNeutral authzResult = iota
	authzGranted
	authzDenied
)

// authzOp is the logic of an authorization section.
type authzOp int

// The logic of <RequireAny> (and of several Require lines) and of
// <RequireAll> (and, negated, <RequireNone>).
const (
	opAny authzOp = iota
	opAll
)

// authz is one node of mod_authz_core's tree of Require lines: a leaf
// (a provider) or a section.
type authz struct {
	rng    parser.Range
	negate bool
	// provider is "all", "ip" or "local" for a leaf, "" for a section.
	provider string
	granted  bool         // "all granted" (else denied) for provider all
	nets     []*net.IPNet // the addresses of provider ip
	op       authzOp
	kids     []*authz
}

// parseRequire reads one Require line as a leaf; a reason is returned
// when it is not modelled.
func parseRequire(d *conf.Directive) (*authz, string) {
	a := &authz{rng: d.Range}
	args := d.Args
	if len(args) > 0 && strings.EqualFold(args[0], "not") {
		a.negate, args = true, args[1:]
	}
	unsure := fmt.Sprintf("%s: Require %s is not modelled yet", d.Range, strings.Join(d.Args, " "))
	if len(args) == 0 {
		return nil, unsure
	}
	switch strings.ToLower(args[0]) {
	case "all":
		if len(args) != 2 || a.negate {
			return nil, unsure
		}
		switch strings.ToLower(args[1]) {
		case "granted":
			a.granted = true
		case "denied":
		default:
			return nil, unsure
		}
		a.provider = "all"
	case "local":
		if len(args) != 1 {
			return nil, unsure
		}
		a.provider = "local"
	case "ip":
		if len(args) < 2 {
			return nil, unsure
		}
		for _, s := range args[1:] {
			n := parseIPArg(s)
			if n == nil {
				return nil, unsure
			}
			a.nets = append(a.nets, n)
		}
		a.provider = "ip"
	default:
		return nil, unsure
	}
	return a, ""
}

// parseIPArg reads one address of `Require ip`: a whole address or a
// CIDR block without bits beyond its mask. Partial addresses and
// netmasks are not modelled (nil).
func parseIPArg(s string) *net.IPNet {
	if strings.Contains(s, "/") {
		ip, n, err := net.ParseCIDR(s)
		if err != nil || !ip.Equal(n.IP) {
			// Bits beyond the mask: not modelled.
			return nil
		}
		return n
	}
	ip := net.ParseIP(s)
	if ip == nil {
		return nil
	}
	if v4 := ip.To4(); v4 != nil && strings.Count(s, ".") == 3 {
		return &net.IPNet{IP: v4, Mask: net.CIDRMask(32, 32)}
	}
	if strings.Contains(s, ":") && ip.To4() == nil {
		return &net.IPNet{IP: ip, Mask: net.CIDRMask(128, 128)}
	}
	return nil
}

// parseSection reads a <RequireAll>, <RequireAny> or <RequireNone>
// section; a reason is returned when it is not modelled.
func parseSection(d *conf.Directive) (*authz, string) {
	a := &authz{rng: d.Range}
	switch {
	case d.Is("RequireAll"):
		a.op = opAll
	case d.Is("RequireAny"):
		a.op = opAny
	case d.Is("RequireNone"):
		a.op, a.negate = opAll, true
	default:
		return nil, fmt.Sprintf("%s: <%s> is not modelled yet", d.Range, d.Name)
	}
	for _, c := range d.Block {
		if c.Comment {
			continue
		}
		var k *authz
		var why string
		switch {
		case c.Section:
			k, why = parseSection(c)
		case c.Is("Require"):
			k, why = parseRequire(c)
		default:
			why = fmt.Sprintf("%s: %s in <%s> is not modelled yet", c.Range, c.Name, d.Name)
		}
		if why != "" {
			return nil, why
		}
		a.kids = append(a.kids, k)
	}
	if why := a.check(d.Name); why != "" {
		return nil, why
	}
	return a, ""
}

// check refuses the shapes httpd refuses or treats apart at start
// (negations outside <RequireAll>, sections of negations only, empty
// sections): those are not modelled.
func (a *authz) check(name string) string {
	if len(a.kids) == 0 {
		return fmt.Sprintf("%s: an empty <%s> is not modelled yet", a.rng, name)
	}
	neg := 0
	for _, k := range a.kids {
		if k.negate {
			neg++
		}
	}
	if neg > 0 && (a.op != opAll || a.negate) {
		return fmt.Sprintf("%s: a negated Require in <%s> is not modelled yet", a.rng, name)
	}
	if neg == len(a.kids) {
		return fmt.Sprintf("%s: <%s> with negated Require lines only is not modelled yet", a.rng, name)
	}
	return ""
}

// eval is apply_authz_sections for a client at client connected to
// server.
func (a *authz) eval(client, server net.IP) authzResult {
	var res authzResult
	switch a.provider {
	case "all":
		res = authzDenied
		if a.granted {
			res = authzGranted
		}
	case "ip":
		res = authzDenied
		for _, n := range a.nets {
			if client != nil && n.Contains(client) {
				res = authzGranted
			}
		}
	case "local":
		// mod_authz_host: a loopback client, or one whose address
		// is the server's own.
		res = authzDenied
		if client != nil && (client.IsLoopback() || server != nil && client.Equal(server)) {
			res = authzGranted
		}
	default:
		res = authzNeutral
		for _, k := range a.kids {
			r := k.eval(client, server)
			if r == authzNeutral {
				continue
			}
			if a.op == opAll {
				if r == authzDenied {
					res = r
					break
				}
				if res == authzNeutral {
					res = r
				}
			} else {
				if r == authzGranted {
					res = r
					break
				}
				if res == authzNeutral {
					res = r
				}
			}
		}
	}
	if a.negate {
		switch res {
		case authzGranted:
			res = authzDenied
		case authzDenied:
			res = authzNeutral
		}
	}
	return res
}
