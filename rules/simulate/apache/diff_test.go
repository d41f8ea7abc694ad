package apache

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/unforbid/unforbid/internal/layout"
	"github.com/unforbid/unforbid/internal/realapache"
)

var (
	apacheDiffSeed  = flag.Uint64("apachediff.seed", 1, "seed of the Apache differential test's random cases")
	apacheDiffCases = flag.Int("apachediff.cases", 100, "number of random cases the Apache differential test runs")
	apacheDiffLog   = flag.Bool("apachediff.unsure", false, "log why the simulator was unsure")
)

// diffPort is the port real Apache serves the differential cases on.
const diffPort = 18487

// diffCase is one random configuration and tree, and the URLs asked.
type diffCase struct {
	seed  uint64
	index int
	tree  string // txtar, head included
	urls  []string
}

// pick returns one of xs.
func pick[T any](r *rand.Rand, xs ...T) T { return xs[r.IntN(len(xs))] }

// diffOptions draws an Options line: plain words or +/- ones (httpd
// refuses a mix).
func diffOptions(r *rand.Rand) string {
	words := []string{"Indexes", "FollowSymLinks", "SymLinksIfOwnerMatch", "ExecCGI"}
	if r.IntN(8) == 0 {
		// MultiViews is not modelled: rare, so that the rest is judged
		words = append(words, "MultiViews")
	}
	if r.IntN(4) == 0 {
		return "Options " + pick(r, "None", "All")
	}
	signed := r.IntN(2) == 0
	var out []string
	for _, w := range words {
		if r.IntN(3) != 0 {
			continue
		}
		if signed {
			w = pick(r, "+", "-") + w
		}
		out = append(out, w)
	}
	if len(out) == 0 {
		return "Options None"
	}
	return "Options " + strings.Join(out, " ")
}

// diffRequire draws a Require line.
func diffRequire(r *rand.Rand) string {
	if r.IntN(10) == 0 {
		return "Require host localhost" // reverse DNS: not modelled
	}
	return pick(r, "Require all granted", "Require all denied", "Require ip 127.0.0.1", "Require ip 10.9.8.7",
		"Require local", "Require all granted")
}

// diffHtaccess draws the lines of a .htaccess file.
func diffHtaccess(r *rand.Rand) string {
	lines := []string{
		"Require all denied", "Require all granted", "Require ip 10.9.8.7", "Options -Indexes", "Options +Indexes",
		"Options -FollowSymLinks", "DirectoryIndex x.html", "DirectoryIndex missing.html index.html", "DirectoryIndex disabled",
		"Order deny,allow\nDeny from all", "Deny from all", "Order allow,deny\nAllow from all", "Satisfy any",
		"<Files x.html>\n    Require all denied\n</Files>", "<FilesMatch \"^\\.(?!keep)\">\n    Require all denied\n</FilesMatch>",
		"RewriteEngine On\nRewriteRule ^x\\.html$ - [F]", "RewriteEngine On\nRewriteCond %{REQUEST_FILENAME} !-f\nRewriteRule . index.html [L]",
		"RewriteEngine On\nRewriteRule .* - [E=HTTP_AUTHORIZATION:%{HTTP:Authorization}]",
		"<IfModule mod_headers.c>\n    Header set X-Test 1\n</IfModule>", "AddType text/plain .html", "Require not ip 10.9.8.7",
		"AddHandler application/x-httpd-php .php", "SetHandler none", "SetHandler my-handler",
		"<Limit POST>\n    Require all denied\n</Limit>", "<LimitExcept GET>\n    Require all denied\n</LimitExcept>",
	}
	if r.IntN(6) == 0 {
		// lines httpd refuses in a .htaccess file (500), rarer: one
		// spoils every request below its directory
		lines = []string{"Header set X-Test 1", "ExpiresActive On", "AuthType Basic", "AllowOverride All", "Bogus on",
			"DocumentRoot /srv", "Alias /x /srv", "<Directory /srv>\n</Directory>"}
	}
	n := 1 + r.IntN(3)
	var out []string
	for range n {
		out = append(out, pick(r, lines...))
	}
	return strings.Join(out, "\n") + "\n"
}

// genDiff draws case index of seed: a docroot with subdirectories,
// files, indexes, links and modes, <Directory> and <Files> sections, an
// Alias, .htaccess files.
func genDiff(seed uint64, index int) diffCase {
	r := rand.New(rand.NewPCG(seed, uint64(index)))
	c := diffCase{seed: seed, index: index}
	var conf, files, meta strings.Builder
	conf.WriteString(head + "LoadModule autoindex_module /usr/lib/apache2/modules/mod_autoindex.so\n" +
		"LoadModule access_compat_module /usr/lib/apache2/modules/mod_access_compat.so\n" +
		"LoadModule rewrite_module /usr/lib/apache2/modules/mod_rewrite.so\n")
	fmt.Fprintf(&conf, "Listen 127.0.0.1:%d\nServerName localhost\nDocumentRoot /srv/www\n", diffPort)
	conf.WriteString("<Directory />\n    Options FollowSymLinks\n    AllowOverride None\n    Require all denied\n</Directory>\n")
	if r.IntN(3) != 0 {
		conf.WriteString("<FilesMatch \"^\\.ht\">\n    Require all denied\n</FilesMatch>\n")
	}
	dirs := []string{"", "a", "b", "a/c"}
	override := func() string {
		return pick(r, "None", "All", "All", "All", "AuthConfig", "Indexes", "Limit", "Options", "FileInfo", "AuthConfig Indexes Limit", "Options=Indexes")
	}
	fmt.Fprintf(&conf, "<Directory /srv/www>\n    %s\n    AllowOverride %s\n    %s\n", diffOptions(r), override(), pick(r, "Require all granted", "Require all granted", diffRequire(r)))
	if r.IntN(3) == 0 {
		fmt.Fprintf(&conf, "    DirectoryIndex %s\n", pick(r, "index.html", "x.html index.html", "index.php index.html", "disabled"))
	}
	conf.WriteString("</Directory>\n")
	for _, d := range dirs[1:] {
		if r.IntN(2) != 0 {
			continue
		}
		fmt.Fprintf(&conf, "<Directory /srv/www/%s>\n", d)
		for range 1 + r.IntN(2) {
			switch r.IntN(4) {
			case 0:
				fmt.Fprintf(&conf, "    %s\n", diffOptions(r))
			case 1:
				fmt.Fprintf(&conf, "    %s\n", diffRequire(r))
			case 2:
				fmt.Fprintf(&conf, "    AllowOverride %s\n", override())
			case 3:
				fmt.Fprintf(&conf, "    DirectoryIndex %s\n", pick(r, "x.html", "index.html", "missing.html"))
			}
		}
		conf.WriteString("</Directory>\n")
	}
	if r.IntN(3) == 0 {
		fmt.Fprintf(&conf, "<Files %s>\n    %s\n</Files>\n", pick(r, "x.html", "index.html", "*.txt", "y*"), diffRequire(r))
	}
	if r.IntN(2) == 0 {
		conf.WriteString(pick(r, "Alias /al /srv/other\n", "Alias /al/ /srv/other/\n", "AliasMatch ^/al/(.*)$ /srv/other/$1\n"))
		if r.IntN(3) != 0 {
			fmt.Fprintf(&conf, "<Directory /srv/other>\n    %s\n    %s\n</Directory>\n", diffRequire(r), diffOptions(r))
		}
	}
	files.WriteString("-- etc/apache2/apache2.conf --\n")
	files.WriteString(strings.TrimPrefix(conf.String(), "-- etc/apache2/apache2.conf --\n"))
	var urls []string
	for _, d := range dirs {
		base := "srv/www/" + d
		if d == "" {
			base = "srv/www"
		}
		names := []string{"x.html", "y.txt"}
		if r.IntN(2) == 0 {
			names = append(names, pick(r, "index.html", "index.php"))
		}
		if r.IntN(4) == 0 {
			names = append(names, ".keep", ".env")
		}
		for _, n := range names {
			fmt.Fprintf(&files, "-- %s/%s --\n%s\n", base, n, n)
		}
		if r.IntN(3) == 0 {
			fmt.Fprintf(&files, "-- %s/.htaccess --\n%s", base, diffHtaccess(r))
		}
		url := "/" + d
		if d != "" {
			urls = append(urls, url)
			url += "/"
		}
		urls = append(urls, url, url+"x.html", url+"y.txt", url+"index.html", url+"index.php", url+"missing", url+".htaccess", url+".env", url+".keep")
		if d != "" && r.IntN(3) == 0 {
			fmt.Fprintf(&meta, "chmod %s %s\n", pick(r, "0700", "0711", "0750", "0755", "0300"), base)
		}
		if r.IntN(3) == 0 {
			fmt.Fprintf(&meta, "chmod %s %s/x.html\n", pick(r, "0600", "0640", "0000", "0644"), base)
		}
		if r.IntN(5) == 0 {
			fmt.Fprintf(&meta, "chown www-data:www-data %s/y.txt\n", base)
		}
	}
	files.WriteString("-- srv/other/o.html --\no\n")
	urls = append(urls, "/al", "/al/", "/al/o.html", "/al/missing")
	links := []string{"l.html -> x.html", "ld -> a", "out.html -> /srv/other/o.html", "dangling.html -> nowhere.html", "lo -> /srv/other"}
	for _, l := range links {
		if r.IntN(2) == 0 {
			fmt.Fprintf(&meta, "symlink srv/www/%s\n", l)
			name := strings.Split(l, " ")[0]
			urls = append(urls, "/"+name)
			if name == "ld" || name == "lo" {
				urls = append(urls, "/"+name+"/", "/"+name+"/x.html", "/"+name+"/o.html")
			}
		}
	}
	if meta.Len() > 0 {
		files.WriteString("-- .fsmeta --\n" + meta.String())
	}
	c.tree, c.urls = files.String(), urls
	return c
}

// goTree prints c as a testTree literal with real Apache's answers, to
// keep as a regression case in coverTrees.
func (c diffCase) goTree(real map[string]int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "{\n\tname:  \"diff-%d-%d\",\n\tports: []int{%d},\n\ttree: head + `%s`,\n\treqs: []request{\n", c.seed, c.index, diffPort,
		strings.TrimPrefix(c.tree, head))
	for _, u := range c.urls {
		fmt.Fprintf(&b, "\t\t{%d, \"localhost\", %q, %d, 0},\n", diffPort, u, real[u])
	}
	b.WriteString("\t},\n}")
	return b.String()
}

// TestApacheDifferential draws random configurations and trees (genDiff),
// asks real Apache and the simulator the same URLs, and fails on every
// sure answer that is not real Apache's, printing the case as a testTree
// to keep in coverTrees (a testTree stays when the generator changes, a
// seed would not). By hand, longer, under the shared lock:
//
//	flock /tmp/unforbid-e2e.lock env UNFORBID_E2E=1 go test -count=1 -run TestApacheDifferential -v ./rules/simulate/apache/ -apachediff.seed=7 -apachediff.cases=500
func TestApacheDifferential(t *testing.T) {
	requireApache(t)
	start := time.Now()
	var cases []diffCase
	for i := range *apacheDiffCases {
		cases = append(cases, genDiff(*apacheDiffSeed, i))
	}
	total, agree, unsureN, failed := 0, 0, 0, 0
	why := map[string]int{}
	statuses := map[int]int{}
	for _, c := range cases {
		tree, err := layout.Parse(fmt.Sprintf("diff-%d-%d.txtar", c.seed, c.index), []byte(c.tree))
		if err != nil {
			t.Fatalf("case %d of seed %d: %v", c.index, c.seed, err)
		}
		fsys, err := tree.Memory("")
		if err != nil {
			t.Fatal(err)
		}
		s := build(t, fsys)
		dir := t.TempDir()
		if err := tree.Materialize(dir); err != nil {
			t.Fatal(err)
		}
		srv, err := realapache.Start(dir, "", []int{diffPort})
		if err != nil {
			t.Fatalf("case %d of seed %d: %v\n%s", c.index, c.seed, err, c.tree)
		}
		real := map[string]int{}
		bad := false
		for _, u := range c.urls {
			status, err := srv.Do("GET", diffPort, "localhost", u, "")
			if err != nil {
				t.Errorf("case %d of seed %d: %s: %v", c.index, c.seed, u, err)
				continue
			}
			real[u] = status
			statuses[status]++
			total++
			d := request{port: diffPort, host: "localhost", path: u}.simulate(t, s)
			switch {
			case d.Unsure != "":
				unsureN++
				why[unsureKind(d.Unsure)]++
				if *apacheDiffLog {
					t.Logf("case %d of seed %d: %s: real %d, unsure: %s", c.index, c.seed, u, status, d.Unsure)
				}
			case d.Status == status:
				agree++
			default:
				bad = true
				t.Errorf("case %d of seed %d: %s: simulated %d, real Apache %d\n%s", c.index, c.seed, u, d.Status, status, trace(d))
			}
		}
		if bad {
			failed++
			t.Errorf("case %d of seed %d: keep it as a regression case in coverTrees (shrunk by hand):\n%s\nerror log:\n%s", c.index, c.seed, c.goTree(real), srv.ErrorLog())
		}
		if err := srv.Stop(); err != nil {
			t.Error(err)
		}
	}
	keys := make([]string, 0, len(why))
	for k := range why {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return why[keys[i]] > why[keys[j]] || why[keys[i]] == why[keys[j]] && keys[i] < keys[j]
	})
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "\n\t%4d× %s", why[k], k)
	}
	t.Logf("Apache differential: seed %d, %d cases (%d failing), %d requests: %d predicted = real, %d unsure, %d disagree (%.1fs); real statuses %v; unsure:%s",
		*apacheDiffSeed, len(cases), failed, total, agree, unsureN, total-agree-unsureN, time.Since(start).Seconds(), statuses, b.String())
}
