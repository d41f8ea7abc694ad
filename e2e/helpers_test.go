package e2e

import (
	"net/url"
	"slices"
	"strconv"
	"testing"

	"github.com/unforbid/unforbid/internal/realapache"
	"github.com/unforbid/unforbid/internal/realnginx"
	"github.com/unforbid/unforbid/internal/treetest"
	"github.com/unforbid/unforbid/parser"
)

// realServer is a real server running on a laid-out tree: nginx
// (internal/realnginx) or Apache (internal/realapache).
type realServer interface {
	// Do sends one request and returns the real status.
	Do(method string, port int, host, path, clientIP string, headers ...map[string]string) (int, error)
	// Reload makes the server read its configuration again.
	Reload() error
	// ErrorLog returns what the server has logged so far.
	ErrorLog() string
	// Stop shuts the server down.
	Stop() error
}

// startTree starts the real server of the tree laid out for c (nginx or
// Apache, by its kind), listening on every port its requests name; it is
// stopped when the test ends.
func startTree(t *testing.T, c *treetest.Case, reqs []treetest.Request) realServer {
	t.Helper()
	ports := map[int]bool{}
	for _, r := range reqs {
		u, err := url.Parse(r.URL)
		if err != nil {
			t.Fatalf("%s: %s: %v", c.Name, r, err)
		}
		p, _ := strconv.Atoi(u.Port())
		ports[p] = true
	}
	var list []int
	for p := range ports {
		list = append(list, p)
	}
	slices.Sort(list)
	var srv realServer
	var err error
	switch c.Kind {
	case parser.KindApache:
		srv, err = realapache.Start(c.Dir, c.Main, list)
	default:
		srv, err = realnginx.Start(c.Dir, c.Main, list)
	}
	if err != nil {
		t.Fatalf("%s: start %s: %v", c.Name, c.Kind, err)
	}
	t.Cleanup(func() { srv.Stop() })
	return srv
}

// send sends the request r of a tree to srv and returns the real status.
// The Host header carries the URL's port only when withPort is set (as
// browsers send it for a port other than the scheme's).
func send(srv realServer, r treetest.Request, withPort bool) (int, error) {
	u, err := url.Parse(r.URL)
	if err != nil {
		return 0, err
	}
	port, _ := strconv.Atoi(u.Port())
	path := u.EscapedPath()
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	var headers map[string]string
	if r.Auth {
		headers = map[string]string{"Authorization": treetest.AuthHeader}
	}
	host := u.Hostname()
	if withPort {
		host = u.Host
	}
	return srv.Do(r.Method, port, host, path, r.From, headers)
}
