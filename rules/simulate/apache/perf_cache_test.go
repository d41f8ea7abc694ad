package apache

import (
	"net"
	"reflect"
	"testing"

	"github.com/unforbid/unforbid/parser"
	conf "github.com/unforbid/unforbid/parser/apache"
)

// TestRequiresParsedOnce checks the Require lines parsed once
// (parseRequires): every Require line of the configuration files, and
// no other, is answered from them, each with parseRequire's own answer;
// a line of the same place and another text (a .htaccess changed
// between two requests, which every request parses again) is parsed
// afresh, never taken for the line it stands where.
func TestRequiresParsedOnce(t *testing.T) {
	_, s := load(t, trees[0])
	var lines []*conf.Directive
	conf.Walk(s.Config.Directives, func(d *conf.Directive) bool {
		if !d.Section && d.Is("Require") {
			lines = append(lines, d)
		}
		return true
	})
	if len(lines) < 2 {
		t.Fatalf("%d Require lines in the tree, want several", len(lines))
	}
	if got := len(s.bases.requires); got != len(lines) {
		t.Errorf("%d Require lines parsed once, want the tree's %d", got, len(lines))
	}
	p, why := s.bases.base([]*scope{s.main}, "GET")
	if why != "" {
		t.Fatal(why)
	}
	for _, d := range lines {
		a, why := parseRequire(d)
		ca, cwhy := p.parseRequire(d)
		if !reflect.DeepEqual(a, ca) || why != cwhy {
			t.Errorf("%s: Require %v parsed once as %+v %q, want %+v %q", d.Range, d.Args, ca, cwhy, a, why)
		}
		if _, ok := s.bases.requires[d]; !ok {
			t.Errorf("%s: Require %v not parsed once", d.Range, d.Args)
		}
		// the same place, another text: a .htaccess edited since
		for _, args := range [][]string{{"all", "granted"}, {"all", "denied"}, {"ip", "192.0.2.1"}, {"bogus"}} {
			other := &conf.Directive{Name: d.Name, Args: args, Range: d.Range}
			a, why := parseRequire(other)
			ca, cwhy := p.parseRequire(other)
			if !reflect.DeepEqual(a, ca) || why != cwhy {
				t.Errorf("%s: Require %v in place of %v parsed as %+v %q, want %+v %q", d.Range, args, d.Args, ca, cwhy, a, why)
			}
		}
	}
	// a line of no configuration file is parsed when merged
	stray := &conf.Directive{Name: "Require", Args: []string{"all", "granted"}, Range: parser.Range{File: "/srv/www/.htaccess", Start: parser.Pos{Line: 1}}}
	if _, ok := s.bases.requires[stray]; ok {
		t.Error("a line of no configuration file is parsed once")
	}
}

// TestCanonIP checks canonIP against what it stands for,
// net.ParseIP(ip).String() (ip itself when it is no address), on
// addresses netip takes as written and on those it refuses or writes
// otherwise: leading zeros, IPv4 in IPv6, zones, short forms.
func TestCanonIP(t *testing.T) {
	for _, ip := range []string{"127.0.0.1", "0.0.0.0", "255.255.255.255", "192.0.2.10", "010.0.0.1", "1.2.3.04",
		"1.2.3", "1.2.3.4.5", "256.1.1.1", "::1", "::ffff:192.0.2.1", "::FFFF:C000:0201", "2001:DB8::1", "2001:db8:0:0:0:0:0:1",
		"fe80::1%eth0", "", "localhost", "example.com", " 1.2.3.4", "1.2.3.4 ", "[::1]", "1.2.3.4:80"} {
		want := ip
		if p := net.ParseIP(ip); p != nil {
			want = p.String()
		}
		if got := canonIP(ip); got != want {
			t.Errorf("canonIP(%q) = %q, want %q", ip, got, want)
		}
	}
}
