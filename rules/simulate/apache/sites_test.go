package apache_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules/simulate"
	"github.com/unforbid/unforbid/rules/simulate/apache"
)

// sitesConf is served by the main server on 8080 (no virtual host takes
// that port) and by two virtual hosts on 8081; nothing grants its trees.
// ErrorDocument is not simulated yet: b.test's requests are unsure.
const sitesConf = `LoadModule dir_module /usr/lib/apache2/modules/mod_dir.so
User www-data
Group www-data
Listen 127.0.0.1:8080
Listen 8081
ServerName main.test
DocumentRoot /srv/main
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<VirtualHost *:8081>
    ServerName a.test
    ServerAlias www.a.test
    DocumentRoot /srv/a
    # site a, the public one
    # unforbid:ignore apache/deny-overmatch -- private
    Alias /img/ /srv/img/
</VirtualHost>
<VirtualHost *:8081>
    ServerName b.test
    DocumentRoot /srv/b
    ErrorDocument 404 /404.html
    ErrorDocument 500 "text"
</VirtualHost>
`

// sitesServer loads sitesConf on an in-memory filesystem.
func sitesServer(t *testing.T, passwd bool) *apache.Simulator {
	t.Helper()
	entries := []fsmeta.Entry{
		{Path: "/etc/apache2/apache2.conf", Type: fsmeta.TypeRegular, Perm: 0o644, Data: []byte(sitesConf)},
		{Path: "/srv/main", Type: fsmeta.TypeDir, Perm: 0o755},
		{Path: "/srv/a", Type: fsmeta.TypeDir, Perm: 0o750, UID: 1000, GID: 33},
		{Path: "/srv/img", Type: fsmeta.TypeDir, Perm: 0o755},
	}
	if passwd {
		entries = append(entries,
			fsmeta.Entry{Path: "/etc/passwd", Type: fsmeta.TypeRegular, Perm: 0o644, Data: []byte("root:x:0:0::/root:/bin/sh\nwww-data:x:33:33::/var/www:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n")},
			fsmeta.Entry{Path: "/etc/group", Type: fsmeta.TypeRegular, Perm: 0o644, Data: []byte("root:x:0:\nwww-data:x:33:\nalice:x:1000:\n")})
	}
	fsys, err := fsmeta.NewMemory("", entries)
	if err != nil {
		t.Fatal(err)
	}
	s, err := apache.Load("/etc/apache2/apache2.conf", fsys)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// lineOf is the line of sitesConf that starts (after indentation) with
// prefix.
func lineOf(t *testing.T, prefix string) int {
	t.Helper()
	for i, l := range strings.Split(sitesConf, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), prefix) {
			return i + 1
		}
	}
	t.Fatalf("no line %q", prefix)
	return 0
}

func TestSites(t *testing.T) {
	s := sitesServer(t, true)
	var srv simulate.Server = s
	if srv.Kind() != "apache" || srv.Worker() != "www-data (uid 33, gid 33)" {
		t.Errorf("Kind %q, Worker %q", srv.Kind(), srv.Worker())
	}
	if got := srv.Describe("/srv/a"); got != "mode 0750, alice:www-data" {
		t.Errorf("Describe = %q", got)
	}
	sites := srv.Sites()
	if len(sites) != 3 {
		t.Fatalf("%d sites, want 3: %+v", len(sites), sites)
	}
	type short struct {
		Name, Host, ServerIP string
		Port                 int
		Names                []string
		Roots                []string
		Pages                []string
	}
	shorten := func(s simulate.Site) short {
		o := short{Name: s.Name, Host: s.Host, ServerIP: s.ServerIP, Port: s.Port, Names: s.Names}
		for _, r := range s.Roots {
			o.Roots = append(o.Roots, r.Directive+" "+r.URL+" "+r.Dir)
		}
		for _, p := range s.ErrorPages {
			o.Pages = append(o.Pages, p.URI)
		}
		return o
	}
	for i, want := range []short{
		{Name: "main server", Host: "main.test", ServerIP: "127.0.0.1", Port: 8080, Names: []string{"main.test"}, Roots: []string{"DocumentRoot / /srv/main"}},
		{Name: "<VirtualHost *:8081> a.test", Host: "a.test", ServerIP: "127.0.0.1", Port: 8081, Names: []string{"a.test", "www.a.test"},
			Roots: []string{"DocumentRoot / /srv/a", "Alias /img/ /srv/img"}},
		{Name: "<VirtualHost *:8081> b.test", Host: "b.test", ServerIP: "127.0.0.1", Port: 8081, Names: []string{"b.test"},
			Roots: []string{"DocumentRoot / /srv/b"}, Pages: []string{"/404.html"}},
	} {
		if got := shorten(sites[i]); !reflect.DeepEqual(got, want) {
			t.Errorf("site %d:\n got %+v\nwant %+v", i, got, want)
		}
	}
	if sites[1].Roots[1].Range.Start.Line != lineOf(t, "Alias") {
		t.Errorf("the Alias root's range is %s", sites[1].Roots[1].Range)
	}
}

func TestLocalAddr(t *testing.T) {
	s := sitesServer(t, true)
	for _, tt := range []struct {
		host, serverIP string
		port           int
		want           string
		line           int
	}{
		{"a.test", "", 8081, "127.0.0.1", lineOf(t, "Listen 8081")},
		{"main.test", "", 8080, "127.0.0.1", lineOf(t, "Listen 127.0.0.1:8080")},
		{"a.test", "10.0.0.1", 8081, "10.0.0.1", lineOf(t, "Listen 8081")},
		{"127.0.0.1", "", 8080, "127.0.0.1", lineOf(t, "Listen 127.0.0.1:8080")},
		{"a.test", "", 9999, "127.0.0.1", 0},
	} {
		got, step := s.LocalAddr(simulate.Request{Host: tt.host, Port: tt.port, ServerIP: tt.serverIP})
		if got != tt.want || step.Range.Start.Line != tt.line {
			t.Errorf("%s:%d (%q): %s, %s at line %d; want %s at line %d", tt.host, tt.port, tt.serverIP, got, step.Detail, step.Range.Start.Line, tt.want, tt.line)
		}
	}
}

func TestLint(t *testing.T) {
	s := sitesServer(t, true)
	var got []string
	for _, f := range s.Lint() {
		if len(f.Related) != 1 || f.Related[0].Range.Start.Line != lineOf(t, "Require all denied") {
			t.Errorf("%s: related %+v, want the deny of <Directory />", f.Range, f.Related)
		}
		got = append(got, f.Rule+" "+strings.Fields(strings.Split(sitesConf, "\n")[f.Range.Start.Line-1])[0]+" "+f.URL)
	}
	want := []string{
		"apache/directory-not-granted DocumentRoot http://main.test:8080/",
		"apache/directory-not-granted DocumentRoot http://a.test:8081/",
		"apache/directory-not-granted Alias http://a.test:8081/img/",
		"apache/directory-not-granted DocumentRoot http://b.test:8081/",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Lint:\n got %q\nwant %q", got, want)
	}
	// Each request under those trees has the same cause as Lint's.
	d := s.Simulate(simulate.Request{Method: "GET", Scheme: "http", Host: "a.test", Port: 8081, Path: "/img/x.png"})
	if d.Status != 403 || d.Cause == nil || d.Cause.Rule != apache.RuleNotGranted || d.Cause.Range.Start.Line != lineOf(t, "Alias") {
		t.Errorf("GET /img/x.png: %d %+v", d.Status, d.Cause)
	}
}

func TestComments(t *testing.T) {
	s := sitesServer(t, true)
	alias := s.Sites()[1].Roots[1].Range
	own, above := s.CommentLines(alias, 5)
	if own != "" || !reflect.DeepEqual(above, []string{"site a, the public one"}) {
		t.Errorf("CommentLines = %q, %q", own, above)
	}
	if c := s.Comment(alias); c != "site a, the public one" {
		t.Errorf("Comment = %q", c)
	}
	sup := s.Suppressions()
	if len(sup) != 1 || sup[0].Text != "unforbid:ignore apache/deny-overmatch -- private" || sup[0].Target != alias ||
		sup[0].Range.Start.Line != lineOf(t, "# unforbid:ignore") {
		t.Errorf("Suppressions = %+v", sup)
	}
	e, ok := s.SuppressionEdit(alias, "unforbid:ignore apache/directory-not-granted -- later")
	if !ok {
		t.Fatal("SuppressionEdit: not ok")
	}
	edited := sitesConf[:e.Start] + e.New + sitesConf[e.End:]
	if !strings.Contains(edited, "    # unforbid:ignore apache/directory-not-granted -- later\n    Alias /img/ /srv/img/\n") {
		t.Errorf("edited config:\n%s", edited)
	}
}

func TestNotes(t *testing.T) {
	const assumed = "no /etc/passwd: assuming Debian's users and groups (www-data is uid 33)"
	for _, passwd := range []bool{false, true} {
		s := sitesServer(t, passwd)
		var got []string
		for _, n := range s.Notes() {
			got = append(got, n.String())
		}
		if has := strings.Contains(strings.Join(got, "\n"), assumed); has == passwd {
			t.Errorf("passwd %v: notes %q; the note %q should be there only without /etc/passwd", passwd, got, assumed)
		}
	}
}
