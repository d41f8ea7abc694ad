package difftest

import (
	"bytes"
	"strings"
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

// TestConstructsAreDrawn checks that the first cases of a seed draw every
// construct the generator claims to, in the config or in the requests.
func TestConstructsAreDrawn(t *testing.T) {
	var conf, reqs strings.Builder
	for i := range 200 {
		c := Generate(1, i)
		conf.WriteString(c.Config())
		for _, r := range c.Requests {
			reqs.WriteString(r.String() + "\n")
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"config", "if ( $uri"}, {"config", "if ( $request_uri"}, {"config", "if ( $args"},
		{"config", "-f $request_filename"}, {"config", "-d $request_filename"}, {"config", "-e $"},
		{"config", "set $"}, {"config", "limit_except"}, {"config", "auth_basic_user_file"},
		{"config", "satisfy any"}, {"config", "proxy_pass http://127.0.0.1:9;"},
		{"config", "server_name " + OtherHost}, {"config", "default_server"}, {"config", "listen [::1]"},
		{"config", "alias /srv/alt/$1"}, {"config", "disable_symlinks if_not_owner"},
		{"config", "open_file_cache"}, {"config", "error_page 404 =410"}, {"config", "merge_slashes off"},
		{"requests", "%2f"}, {"requests", "/../"}, {"requests", "//"}, {"requests", "?a=1"},
		{"requests", "POST "}, {"requests", "HEAD "}, {"requests", "PUT "}, {"requests", "get "},
		{"requests", "from=::1"}, {"requests", "from=127.0.0.2"}, {"requests", " auth"},
		{"requests", "http://" + OtherHost}, {"requests", "http://unknown.test"},
	} {
		text := conf.String()
		if tc.in == "requests" {
			text = reqs.String()
		}
		if !strings.Contains(text, tc.want) {
			t.Errorf("200 cases of seed 1: no %q in the %s", tc.want, tc.in)
		}
	}
}
