// Package difftest draws random nginx configurations and file trees from
// the constructs unforbid's simulator claims to model, for a differential
// test against the real nginx (e2e.TestDifferential): prefix, exact, ^~,
// regex, nested and named locations; root and alias; index, autoindex,
// try_files; allow/deny; return, rewrite, error_page, internal;
// disable_symlinks; file modes, owners, ACLs and symlinks; requests from
// two client addresses.
//
// Generation is deterministic: Generate(seed, i) always draws the same
// case (math/rand/v2 with a PCG source seeded by seed and i). A case
// renders as a test tree (see package internal/layout) and can be shrunk
// one step at a time (Case.Shrinks) while a disagreement persists.
package difftest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// Port is the port every generated server listens on, on 127.0.0.1.
const Port = 8720

// Host is the server_name of every generated server.
const Host = "site.test"

// Clients are the client addresses requests come from.
var Clients = []string{"127.0.0.1", "127.0.0.2"}

// Case is one generated configuration, file tree and request list.
type Case struct {
	// Seed and Index identify the case: Generate(Seed, Index).
	Seed  uint64
	Index int
	// Server holds the server-level directives, one a line, without
	// the listen, server_name and root lines every case has.
	Server []string
	// Locs are the server's locations in config order.
	Locs []*Loc
	// Files are the tree's files and directories (a name ending in "/"),
	// relative to the tree root.
	Files []string
	// Meta are the .fsmeta lines, applied in order.
	Meta []string
	// Requests are the requests to send.
	Requests []Request
}

// Loc is one location block.
type Loc struct {
	// Head is what follows "location", e.g. "^~ /b/" or "@fb".
	Head string
	// Body holds the location's directives, one a line.
	Body []string
	// Nested are the locations inside this one.
	Nested []*Loc
}

// Request is one request of a case.
type Request struct {
	Method string
	Path   string // the escaped path sent on the request line
	From   string // client address
}

// URL is the request's URL.
func (r Request) URL() string {
	return fmt.Sprintf("http://%s:%d%s", Host, Port, r.Path)
}

// String is the request as a line of a tree's .requests section, without
// the status.
func (r Request) String() string {
	s := r.Method + " " + r.URL()
	if r.From != Clients[0] {
		s += " from=" + r.From
	}
	return s
}

// files are the candidate files of a tree; the directories holding them
// always exist.
var files = []string{
	"srv/www/index.html", "srv/www/x.html", "srv/www/.env",
	"srv/www/a/index.html", "srv/www/a/x.html", "srv/www/a/y.txt",
	"srv/www/a/sub/index.html", "srv/www/a/sub/z.html",
	"srv/www/b/x.html", "srv/www/b/y.txt",
	"srv/www/c/index.html", "srv/www/c/y.txt",
	"srv/alt/index.html", "srv/alt/x.html",
	"srv/alt/docs/index.html", "srv/alt/docs/y.txt",
	"srv/alt/doc/", "srv/alt/dir.html/",
}

// dirs are the directories of every tree.
var dirs = []string{"srv/www/", "srv/www/a/", "srv/www/a/sub/", "srv/www/b/", "srv/www/c/", "srv/alt/", "srv/alt/docs/"}

// paths are the request paths drawn from, besides those of the tree.
var paths = []string{
	"/", "/a", "/a/", "/a/sub", "/a/sub/", "/b/", "/c/", "/alt/", "/alt/x.html", "/alt/docs/",
	"/docs/", "/docs/y.txt", "/ln/", "/ln/x.html", "/ln/docs/", "/a/l.html", "/d/x.html", "/d/",
	"/b/broken.html", "/old/x.html", "/old/", "/nope/", "/a/missing.html", "/x.html", "/index.html",
	"/a/sub/z.html", "/b/sub/", "/alt/dir.html", "/.env", "/a/y.txt", "/b/y.txt", "/c/y.txt",
}

// gen is the state of one draw.
type gen struct {
	r     *rand.Rand
	c     *Case
	named bool // the case has location @fb
}

func (g *gen) p(prob float64) bool { return g.r.Float64() < prob }

func pick[T any](g *gen, xs ...T) T { return xs[g.r.IntN(len(xs))] }

// Generate draws case i of seed.
func Generate(seed uint64, i int) *Case {
	g := &gen{r: rand.New(rand.NewPCG(seed, uint64(i))), c: &Case{Seed: seed, Index: i}}
	g.named = g.p(0.4)
	g.files()
	g.meta()
	g.server()
	g.locations()
	g.requests(20)
	return g.c
}

func (g *gen) files() {
	g.c.Files = append(g.c.Files, dirs...)
	for _, f := range files {
		if g.p(0.7) {
			g.c.Files = append(g.c.Files, f)
		}
	}
}

// meta draws modes, owners, ACLs and symlinks on the tree's entries.
func (g *gen) meta() {
	var fs, ds []string
	for _, f := range g.c.Files {
		if strings.HasSuffix(f, "/") {
			ds = append(ds, strings.TrimSuffix(f, "/"))
		} else {
			fs = append(fs, f)
		}
	}
	if g.p(0.35) {
		g.c.Meta = append(g.c.Meta, "symlink srv/www/ln -> "+pick(g, "/srv/alt", "../alt", "/srv/alt/docs"))
		if g.p(0.3) {
			g.c.Meta = append(g.c.Meta, "chown alice:alice srv/www/ln")
		}
	}
	if g.p(0.25) {
		g.c.Meta = append(g.c.Meta, "symlink srv/www/a/l.html -> "+pick(g, "x.html", "/srv/alt/x.html", "missing.html"))
		if g.p(0.3) {
			g.c.Meta = append(g.c.Meta, "chown alice:alice srv/www/a/l.html")
		}
	}
	if g.p(0.15) {
		g.c.Meta = append(g.c.Meta, "symlink srv/www/d -> a")
	}
	if g.p(0.1) {
		g.c.Meta = append(g.c.Meta, "symlink srv/www/b/broken.html -> nowhere.html")
	}
	for n := g.r.IntN(4); n > 0; n-- {
		switch g.r.IntN(6) {
		case 0:
			g.c.Meta = append(g.c.Meta, fmt.Sprintf("chmod %s %s", pick(g, "0600", "0640", "0000", "0604"), pick(g, fs...)))
		case 1:
			g.c.Meta = append(g.c.Meta, fmt.Sprintf("chmod %s %s", pick(g, "0700", "0711", "0750", "0751", "0754"), pick(g, ds...)))
		case 2:
			g.c.Meta = append(g.c.Meta, fmt.Sprintf("chown %s %s", pick(g, "alice:alice", "www-data:www-data", "alice:www-data"), pick(g, append(fs, ds...)...)))
		case 3:
			f := pick(g, fs...)
			g.c.Meta = append(g.c.Meta, "chmod 0600 "+f, "setfacl "+pick(g, "u:www-data:r", "g:www-data:r", "u:alice:r")+" "+f)
		case 4:
			d := pick(g, ds...)
			g.c.Meta = append(g.c.Meta, "chmod 0700 "+d, "setfacl "+pick(g, "u:www-data:x", "u:www-data:rx", "g:www-data:rx", "u:www-data:---")+" "+d)
		case 5:
			f := pick(g, fs...)
			g.c.Meta = append(g.c.Meta, "setfacl u:www-data:--- "+f)
		}
	}
}

func (g *gen) server() {
	s := &g.c.Server
	if g.p(0.2) {
		*s = append(*s, pick(g, "index x.html index.html;", "index missing.html;", "index index.html /x.html;"))
	}
	if g.p(0.15) {
		*s = append(*s, "autoindex on;")
	}
	if g.p(0.15) {
		*s = append(*s, pick(g, "deny 127.0.0.2;", "allow 127.0.0.1;\ndeny all;"))
	}
	if g.p(0.2) {
		*s = append(*s, pick(g, "rewrite ^/old/(.*)$ /a/$1;", "rewrite ^/index\\.html$ /x.html;", "rewrite ^/a/x\\.html$ /b/x.html last;"))
	}
	if g.p(0.35) {
		*s = append(*s, g.errorPage())
	}
	if g.p(0.1) {
		*s = append(*s, g.symlinks())
	}
}

func (g *gen) errorPage() string {
	opts := []string{"error_page 404 /x.html;", "error_page 403 404 /a/;", "error_page 404 = /index.html;",
		"error_page 403 =200 /x.html;", "error_page 404 /a;", "error_page 404 /nope.html;"}
	if g.named {
		opts = append(opts, "error_page 404 @fb;", "error_page 403 = @fb;")
	}
	return pick(g, opts...)
}

func (g *gen) symlinks() string {
	return pick(g, "disable_symlinks on;", "disable_symlinks if_not_owner;", "disable_symlinks on from=/srv/www;")
}

// locHeads are the locations drawn from; a case holds each at most once.
var locHeads = []string{
	"/", "/a/", "/b/", "/c/", "/a/sub/", "/alt/", "/docs/", "/ln/", "/a",
	"= /", "= /a/x.html", "= /b/",
	"^~ /b/", "^~ /a/",
	"~ \\.txt$", "~* \\.HTML$", "~ ^/c/", "~ /\\.", "~ ^/a/(.+)\\.html$",
}

func (g *gen) locations() {
	used := map[string]bool{}
	for n := 1 + g.r.IntN(5); n > 0; n-- {
		h := pick(g, locHeads...)
		name := h[strings.LastIndex(h, " ")+1:]
		if used[name] {
			continue
		}
		used[name] = true
		g.c.Locs = append(g.c.Locs, g.loc(h, 0))
	}
	if g.named {
		l := &Loc{Head: "@fb"}
		l.Body = append(l.Body, pick(g, "return 301 /;", "try_files /x.html =404;", "root /srv/alt;", "deny all;", "return 418;", "rewrite ^ /a/x.html redirect;"))
		g.c.Locs = append(g.c.Locs, l)
	}
}

// loc draws the body of the location head at nesting depth.
func (g *gen) loc(head string, depth int) *Loc {
	l := &Loc{Head: head}
	prefix := !strings.HasPrefix(head, "~") && !strings.HasPrefix(head, "=")
	name := head[strings.LastIndex(head, " ")+1:]
	b := &l.Body
	switch {
	case prefix && g.p(0.2):
		*b = append(*b, "alias "+pick(g, "/srv/alt/", "/srv/alt", "/srv/alt/docs/", "/srv/alt/docs", "/srv/www/a/")+";")
	case g.p(0.12):
		*b = append(*b, "root "+pick(g, "/srv/alt", "/srv/www/a", "/srv/alt/")+";")
	}
	if g.p(0.15) {
		*b = append(*b, pick(g, "index x.html;", "index missing.html index.html;", "index /x.html;", "index y.txt x.html;"))
	}
	if g.p(0.2) {
		*b = append(*b, "autoindex on;")
	}
	if g.p(0.25) {
		opts := []string{"try_files $uri =404;", "try_files $uri $uri/ =404;", "try_files $uri $uri/ /index.html;",
			"try_files /x.html =404;", "try_files $uri/ =403;", "try_files $uri $uri.html /a/x.html;", "try_files /sub/ $uri =404;"}
		if g.named {
			opts = append(opts, "try_files $uri @fb;")
		}
		*b = append(*b, pick(g, opts...))
	}
	if g.p(0.2) {
		*b = append(*b, pick(g, "deny all;", "deny 127.0.0.2;", "allow 127.0.0.1;\ndeny all;", "allow 127.0.0.2;\ndeny all;", "allow all;"))
	}
	if g.p(0.08) {
		*b = append(*b, pick(g, "return 403;", "return 301 /;", "return 404;", "return 302 /x.html;", "return 200 ok;"))
	}
	if g.p(0.1) {
		*b = append(*b, pick(g, "rewrite ^(.*)/old/(.*)$ $1/$2 last;", "rewrite ^ /x.html break;", "rewrite ^/(.*)$ /b/$1 last;",
			"rewrite ^ /a/ redirect;", "rewrite \\.txt$ /x.html;", "rewrite ^/a/(.*)$ /alt/$1 last;"))
	}
	if g.p(0.25) {
		*b = append(*b, g.errorPage())
	}
	if g.p(0.12) {
		*b = append(*b, "internal;")
	}
	if g.p(0.12) {
		*b = append(*b, g.symlinks())
	}
	if depth == 0 && (strings.HasPrefix(head, "/") || strings.HasPrefix(head, "^~")) && g.p(0.3) {
		var nested string
		if strings.HasSuffix(name, "/") && g.p(0.6) {
			nested = pick(g, name+"sub/", "= "+name+"x.html", "^~ "+name+"sub/")
		} else {
			nested = pick(g, "~ \\.txt$", "~ \\.html$", "~ /x")
		}
		l.Nested = append(l.Nested, g.loc(nested, 1))
	}
	return l
}

func (g *gen) requests(n int) {
	pool := slices.Clone(paths)
	for _, f := range g.c.Files {
		if p, ok := strings.CutPrefix(f, "srv/www"); ok {
			pool = append(pool, p)
		}
	}
	// the names of the case's locations, so that every one is reached
	var names func(ls []*Loc)
	names = func(ls []*Loc) {
		for _, l := range ls {
			n := l.Head[strings.LastIndex(l.Head, " ")+1:]
			if strings.HasPrefix(n, "/") {
				pool = append(pool, n, n+"x.html", n+"missing.html", n+"sub/")
			}
			names(l.Nested)
		}
	}
	names(g.c.Locs)
	for range n {
		method := "GET"
		if g.p(0.1) {
			method = pick(g, "HEAD", "POST")
		}
		from := Clients[0]
		if g.p(0.3) {
			from = Clients[1]
		}
		g.c.Requests = append(g.c.Requests, Request{Method: method, Path: pick(g, pool...), From: from})
	}
}

// Config renders the case's nginx.conf.
func (c *Case) Config() string {
	var b strings.Builder
	b.WriteString("user www-data;\nevents {}\nhttp {\n    server {\n")
	fmt.Fprintf(&b, "        listen 127.0.0.1:%d;\n        server_name %s;\n        root /srv/www;\n", Port, Host)
	for _, d := range c.Server {
		writeLines(&b, d, 2)
	}
	for _, l := range c.Locs {
		writeLoc(&b, l, 2)
	}
	b.WriteString("    }\n}\n")
	return b.String()
}

func writeLines(b *strings.Builder, d string, depth int) {
	for _, line := range strings.Split(d, "\n") {
		b.WriteString(strings.Repeat("    ", depth) + line + "\n")
	}
}

func writeLoc(b *strings.Builder, l *Loc, depth int) {
	ind := strings.Repeat("    ", depth)
	fmt.Fprintf(b, "%slocation %s {\n", ind, l.Head)
	for _, d := range l.Body {
		writeLines(b, d, depth+1)
	}
	for _, n := range l.Nested {
		writeLoc(b, n, depth+1)
	}
	b.WriteString(ind + "}\n")
}

// Txtar renders the case as a test tree. reqs and statuses, when given,
// fill its .requests section (the status real nginx gives each request).
func (c *Case) Txtar(reqs []Request, statuses []int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "Differential test case %d of seed %d (internal/difftest).\n\n", c.Index, c.Seed)
	b.WriteString("-- etc/nginx/nginx.conf --\n" + c.Config())
	for _, f := range c.Files {
		fmt.Fprintf(&b, "-- %s --\n", f)
		if !strings.HasSuffix(f, "/") {
			b.WriteString(f[strings.LastIndex(f, "/")+1:] + "\n")
		}
	}
	if len(c.Meta) > 0 {
		b.WriteString("-- .fsmeta --\n" + strings.Join(c.Meta, "\n") + "\n")
	}
	if len(reqs) > 0 {
		b.WriteString("-- .requests --\n")
		for i, r := range reqs {
			line := r.Method + " " + r.URL()
			if i < len(statuses) {
				line += fmt.Sprintf(" %d", statuses[i])
			}
			if r.From != Clients[0] {
				line += " from=" + r.From
			}
			b.WriteString(line + "\n")
		}
	}
	return []byte(b.String())
}

// clone returns a deep copy of c.
func (c *Case) clone() *Case {
	d := *c
	d.Server = slices.Clone(c.Server)
	d.Files = slices.Clone(c.Files)
	d.Meta = slices.Clone(c.Meta)
	d.Requests = slices.Clone(c.Requests)
	d.Locs = cloneLocs(c.Locs)
	return &d
}

func cloneLocs(ls []*Loc) []*Loc {
	var out []*Loc
	for _, l := range ls {
		n := &Loc{Head: l.Head, Body: slices.Clone(l.Body), Nested: cloneLocs(l.Nested)}
		out = append(out, n)
	}
	return out
}

// Shrinks returns the cases one step smaller than c: one location,
// directive, file (not a directory every tree has) or .fsmeta line less.
// Bigger steps come first.
func (c *Case) Shrinks() []*Case {
	var out []*Case
	var walk func(get func(*Case) *[]*Loc)
	walk = func(get func(*Case) *[]*Loc) {
		for i := range *get(c) {
			d := c.clone()
			ls := get(d)
			*ls = slices.Delete(*ls, i, i+1)
			out = append(out, d)
		}
		for i, l := range *get(c) {
			for j := range l.Body {
				d := c.clone()
				dl := (*get(d))[i]
				dl.Body = slices.Delete(dl.Body, j, j+1)
				out = append(out, d)
			}
			walk(func(x *Case) *[]*Loc { return &(*get(x))[i].Nested })
		}
	}
	walk(func(x *Case) *[]*Loc { return &x.Locs })
	for i := range c.Server {
		d := c.clone()
		d.Server = slices.Delete(d.Server, i, i+1)
		out = append(out, d)
	}
	for i := range c.Meta {
		d := c.clone()
		d.Meta = slices.Delete(d.Meta, i, i+1)
		out = append(out, d)
	}
	for i, f := range c.Files {
		if slices.Contains(dirs, f) {
			continue
		}
		d := c.clone()
		d.Files = slices.Delete(d.Files, i, i+1)
		out = append(out, d)
	}
	return out
}
