package apache

import (
	"fmt"
	"net"
	"slices"
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
	// authzDeniedNoUser is a refusal that an authenticated user may
	// change (Require user, valid-user, group without r->user).
	authzDeniedNoUser
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
	// provider is "all", "ip", "local", "env", "method", "user" or
	// "valid-user" for a leaf, "" for a section.
	provider string
	granted  bool         // "all granted" (else denied) for provider all
	nets     []*net.IPNet // the addresses of provider ip
	// names are the variables of env, the methods of method, the users
	// of user.
	names []string
	op    authzOp
	kids  []*authz
}

// parseRequire reads one Require line as a leaf; a reason is returned
// when it is not modelled.
func parseRequire(d *conf.Directive) (*authz, string) {
	a := &authz{rng: d.Range}
	args := d.Args
	if len(args) > 0 && strings.EqualFold(args[0], "not") {
		a.negate, args = true, args[1:]
	}
	// the reason is written only when needed: every request parses the
	// Require lines of its sections
	unsure := func() string {
		return fmt.Sprintf("%s: Require %s is not modelled yet", d.Range, strings.Join(d.Args, " "))
	}
	if len(args) == 0 {
		return nil, unsure()
	}
	switch strings.ToLower(args[0]) {
	case "all":
		if len(args) != 2 || a.negate {
			return nil, unsure()
		}
		switch strings.ToLower(args[1]) {
		case "granted":
			a.granted = true
		case "denied":
		default:
			return nil, unsure()
		}
		a.provider = "all"
	case "local":
		if len(args) != 1 {
			return nil, unsure()
		}
		a.provider = "local"
	case "ip":
		if len(args) < 2 {
			return nil, unsure()
		}
		for _, s := range args[1:] {
			n := subnet(s)
			if n == nil {
				return nil, unsure()
			}
			a.nets = append(a.nets, n)
		}
		a.provider = "ip"
	case "env", "method", "user":
		if len(args) < 2 {
			return nil, unsure()
		}
		a.provider = strings.ToLower(args[0])
		a.names = args[1:]
		if a.provider == "method" {
			// upper-cased in a copy: the directive is shared by every
			// request, and its arguments stay as written
			a.names = make([]string, len(args)-1)
			for i, m := range args[1:] {
				a.names[i] = strings.ToUpper(m)
			}
		}
	case "valid-user":
		a.provider = "valid-user"
	default:
		return nil, unsure()
	}
	return a, ""
}

// who is what eval knows of a request: the client and server addresses,
// the method, the environment variables set, and the authenticated user
// ("" when none).
type who struct {
	client, server net.IP
	method         string
	env            map[string]bool
	user           string
}

// admits reports whether some client may be granted by a (false for a
// tree that only "Require all denied" decides).
func (a *authz) admits() bool {
	switch a.provider {
	case "all":
		return a.granted != a.negate
	case "":
		if a.negate {
			return false
		}
		for _, k := range a.kids {
			if k.negate {
				continue
			}
			ok := k.admits()
			if a.op == opAny && ok {
				return true
			}
			if a.op == opAll && !ok {
				return false
			}
		}
		return a.op == opAll
	}
	return !a.negate
}

// overmatch returns the "Require all denied" line that refuses every
// client in a, nil when a admits some.
func (a *authz) overmatch() *authz {
	if a.admits() {
		return nil
	}
	if a.provider == "all" {
		return a
	}
	for _, k := range a.kids {
		if d := k.overmatch(); d != nil && !k.negate {
			return d
		}
	}
	return a
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
func (a *authz) eval(w who) authzResult {
	client, server := w.client, w.server
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
	case "env":
		res = authzDenied
		for _, n := range a.names {
			if w.env[n] {
				res = authzGranted
			}
		}
	case "method":
		// mod_authz_core compares method numbers: HEAD is GET.
		m := w.method
		if m == "HEAD" {
			m = "GET"
		}
		res = authzDenied
		if slices.Contains(a.names, m) {
			res = authzGranted
		}
	case "valid-user":
		res = authzDeniedNoUser
		if w.user != "" {
			res = authzGranted
		}
	case "user":
		res = authzDeniedNoUser
		if w.user != "" {
			res = authzDenied
			if slices.Contains(a.names, w.user) {
				res = authzGranted
			}
		}
	default:
		// apply_authz_sections: a refusal that a user may change
		// (denied, no user) weighs more than a plain one in
		// <RequireAny>, less in <RequireAll>.
		res = authzNeutral
		for _, k := range a.kids {
			r := k.eval(w)
			if r == authzNeutral {
				continue
			}
			if a.op == opAll {
				if r == authzDenied {
					res = r
					break
				}
				if r == authzDeniedNoUser && res != authzDenied || res == authzNeutral {
					res = r
				}
			} else {
				if r == authzGranted {
					res = r
					break
				}
				if r == authzDeniedNoUser && res == authzDenied || res == authzNeutral {
					res = r
				}
			}
		}
	}
	if a.negate {
		switch res {
		case authzGranted:
			res = authzDenied
		case authzDenied, authzDeniedNoUser:
			res = authzNeutral
		}
	}
	return res
}
