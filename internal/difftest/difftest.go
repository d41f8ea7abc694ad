// Package difftest draws random nginx configurations and file trees from
// the constructs unforbid's simulator claims to model, for a differential
// test against the real nginx (e2e.TestDifferential): prefix, exact, ^~,
// regex, nested and named locations; root and alias; index, autoindex,
// try_files; allow/deny; return, rewrite, error_page, internal;
// disable_symlinks, open_file_cache; if (on $uri, $request_uri, $args,
// -f, -d, -e), set, limit_except, auth_basic with a user file, proxy_pass
// to a closed port; alias in regex locations with captures; error_page
// with =code; merge_slashes; a second server with its own server_name and
// default_server; file modes, owners, ACLs and symlinks; requests with
// several methods, escaped, dotted and doubled paths and query strings,
// from two IPv4 client addresses and ::1, with and without credentials.
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

// Host is the server_name of the main server of every case.
const Host = "site.test"

// OtherHost is the server_name of a case's second server.
const OtherHost = "other.test"

// Clients are the client addresses requests come from: ::1 only where
// the case's main server also listens on [::1].
var Clients = []string{"127.0.0.1", "127.0.0.2", "::1"}

// Htpasswd is the user file auth_basic reads; it holds user:pass, the
// credentials of treetest.AuthHeader.
const Htpasswd = "etc/nginx/htpasswd"

// Case is one generated configuration, file tree and request list.
type Case struct {
	// Seed and Index identify the case: Generate(Seed, Index).
	Seed  uint64
	Index int
	// Server holds the server-level directives, one a line, without
	// the listen, server_name and root lines every case has.
	Server []string
	// Listen6 adds listen [::1]:Port to the main server.
	Listen6 bool
	// MainDefault marks the main server's listen default_server.
	MainDefault bool
	// Other, when not nil, are the directives of a second server named
	// OtherHost (listen 127.0.0.1:Port, root /srv/alt), one a line.
	Other []string
	// OtherDefault marks the second server's listen default_server.
	OtherDefault bool
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
	Path   string // the escaped path sent on the request line, with any query
	From   string // client address
	Host   string // Host header; empty means Host
	Auth   bool   // send the credentials user:pass
}

// HostName is the request's Host header.
func (r Request) HostName() string {
	if r.Host == "" {
		return Host
	}
	return r.Host
}

// URL is the request's URL.
func (r Request) URL() string {
	return fmt.Sprintf("http://%s:%d%s", r.HostName(), Port, r.Path)
}

// options are the request's options on a .requests line.
func (r Request) options() string {
	s := ""
	if r.From != Clients[0] {
		s += " from=" + r.From
	}
	if r.Auth {
		s += " auth"
	}
	return s
}

// String is the request as a line of a tree's .requests section, without
// the status.
func (r Request) String() string {
	return r.Method + " " + r.URL() + r.options()
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
	"/r/x.html", "/r/docs/", "/r/docs/y.txt", "/r/", "/p/", "/p/x.html",
}

// oddPaths are escaped, dotted and doubled paths and query strings.
var oddPaths = []string{
	"/a/%78.html", "/%61/", "/%61/x.html", "/a%2fx.html", "/a/x%2ehtml", "/a/%2e%2e/x.html",
	"/a/../x.html", "/a/sub/../x.html", "/a/./x.html", "/../x.html", "/a/..", "/b/../../x.html",
	"//a//x.html", "/a//", "//x.html", "/a/sub//z.html", "//",
	"/x.html?a=1", "/a/?a=1", "/?x=../y", "/a/x.html?", "/b/y.txt?a=1&b=2", "/a/%3f.html",
	"/x.html%3fa=1", "/a/x.html#f", "/%7e/", "/A/X.HTML", "/a/X.html",
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
	g.c.Listen6 = g.p(0.2)
	g.files()
	g.meta()
	g.server()
	g.locations()
	g.other()
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
	if g.p(0.9) {
		g.c.Files = append(g.c.Files, Htpasswd)
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
		*s = append(*s, pick(g, "deny 127.0.0.2;", "allow 127.0.0.1;\ndeny all;", "deny ::1;", "allow ::1;\ndeny all;"))
	}
	if g.p(0.1) {
		*s = append(*s, "merge_slashes off;")
	}
	if g.p(0.1) {
		*s = append(*s, pick(g, "open_file_cache max=100;", "open_file_cache max=100;\nopen_file_cache_errors on;"))
	}
	if g.p(0.1) {
		*s = append(*s, g.auth())
	}
	if g.p(0.15) {
		*s = append(*s, g.ifBlock(true))
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
		"error_page 403 =200 /x.html;", "error_page 404 /a;", "error_page 404 /nope.html;",
		"error_page 404 =410 /x.html;", "error_page 403 =404 /nope.html;", "error_page 404 =301 /x.html;",
		"error_page 403 405 =200 /a/x.html;", "error_page 401 =403 /x.html;", "error_page 502 =503 /x.html;",
		"error_page 404 http://other.test/;", "error_page 403 =302 /b/;"}
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
	"~ ^/r/(.*)$", "~ ^/r/(.+)/$", "~ ^/r/(?<f>.+\\.html)$", "/p/", "~ ^/p/",
}

// has reports whether a directive of body is named name.
func has(body []string, name string) bool {
	for _, d := range body {
		for _, line := range strings.Split(d, "\n") {
			if strings.HasPrefix(line, name+" ") {
				return true
			}
		}
	}
	return false
}

// auth draws auth_basic with a user file.
func (g *gen) auth() string {
	return pick(g, "auth_basic \"m\";\nauth_basic_user_file "+pick(g, "/etc/nginx/htpasswd", "htpasswd", "/etc/nginx/nope")+";",
		"auth_basic \"m\";\nauth_basic_user_file /etc/nginx/htpasswd;\nsatisfy any;\nallow 127.0.0.2;\ndeny all;",
		"auth_basic off;")
}

// ifBlock draws an if block (at server level when server).
func (g *gen) ifBlock(server bool) string {
	cond := pick(g, `$uri ~ \.txt$`, `$request_uri ~ "//"`, `$request_uri ~ \?`, `$args ~ a=1`, `$args`,
		`$uri = /x.html`, `$uri ~* ^/A/`, `$request_uri ~ %`, `-f $request_filename`, `!-f $request_filename`,
		`-d $request_filename`, `!-e $request_filename`, `-e $document_root/x.html`, `$uri ~ ^/(?<seg>[a-z]+)/`)
	body := pick(g, "return 403;", "return 418;", "return 301 /x.html;", "rewrite ^ /x.html last;", "rewrite ^ /b/x.html break;",
		"set $v 1;", "return 200 if;")
	if !server && g.p(0.3) {
		body = pick(g, "root /srv/alt;", "proxy_pass http://127.0.0.1:9;", "break;")
	}
	return "if ( " + cond + " ) {\n    " + body + "\n}"
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
	case strings.HasPrefix(name, "^/r/") && g.p(0.8):
		if strings.Contains(name, "?<f>") {
			*b = append(*b, "alias "+pick(g, "/srv/alt/$f", "/srv/alt/docs/$f")+";")
		} else {
			*b = append(*b, "alias "+pick(g, "/srv/alt/$1", "/srv/alt/docs/$1", "/srv/alt/$1/", "/srv/www/a/$1")+";")
		}
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
	if strings.Contains(name, "/p/") || g.p(0.05) {
		*b = append(*b, "proxy_pass http://127.0.0.1:9;")
	}
	if g.p(0.12) {
		*b = append(*b, g.ifBlock(false))
	}
	if g.p(0.08) {
		opts := []string{"set $n x;\nrewrite ^ /$n.html last;"}
		if !has(*b, "try_files") {
			opts = append(opts, "set $t /x.html;\ntry_files $t =404;")
		}
		if !has(*b, "root") && !has(*b, "alias") {
			opts = append(opts, "set $d /srv/alt;\nroot $d;")
		}
		*b = append(*b, pick(g, opts...))
	}
	if g.p(0.1) {
		*b = append(*b, pick(g, "limit_except GET {\n    deny all;\n}", "limit_except GET POST {\n    deny 127.0.0.2;\n}",
			"limit_except HEAD {\n    allow 127.0.0.2;\n    deny all;\n}", "limit_except PUT {\n    deny all;\n}"))
	}
	if g.p(0.1) {
		*b = append(*b, g.auth())
	}
	if g.p(0.05) {
		*b = append(*b, pick(g, "open_file_cache max=10;", "open_file_cache off;"))
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

// other draws a second server.
func (g *gen) other() {
	switch g.r.IntN(3) {
	case 0:
		return
	case 1:
		g.c.MainDefault = g.p(0.5)
	default:
		g.c.OtherDefault = true
	}
	g.c.Other = []string{}
	if g.p(0.3) {
		g.c.Other = append(g.c.Other, pick(g, "deny 127.0.0.2;", "return 404;", "autoindex on;", "index x.html;"))
	}
	if g.p(0.3) {
		g.c.Other = append(g.c.Other, pick(g, "location / {\n    try_files $uri $uri/ =403;\n}", "location /docs/ {\n    deny all;\n}",
			"location ~ \\.txt$ {\n    return 410;\n}"))
	}
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
			if strings.HasPrefix(n, "/") && !strings.HasPrefix(l.Head, "~") {
				pool = append(pool, n, n+"x.html", n+"missing.html", n+"sub/")
			}
			names(l.Nested)
		}
	}
	names(g.c.Locs)
	for range n {
		method := "GET"
		if g.p(0.15) {
			method = pick(g, "HEAD", "POST", "PUT", "get", "DELETE", "OPTIONS")
		}
		from := Clients[0]
		if g.p(0.3) {
			from = Clients[1]
		}
		if g.c.Listen6 && g.p(0.25) {
			from = Clients[2]
		}
		r := Request{Method: method, Path: pick(g, pool...), From: from, Auth: g.p(0.3)}
		if g.p(0.15) {
			r.Path = pick(g, oddPaths...)
		}
		if g.c.Other != nil && g.p(0.3) || g.p(0.05) {
			r.Host = pick(g, OtherHost, "unknown.test", "SITE.test", "site.test.")
		}
		g.c.Requests = append(g.c.Requests, r)
	}
}

// Config renders the case's nginx.conf.
func (c *Case) Config() string {
	var b strings.Builder
	b.WriteString("user www-data;\nevents {}\nhttp {\n    server {\n")
	fmt.Fprintf(&b, "        listen 127.0.0.1:%d%s;\n", Port, defaultServer(c.MainDefault))
	if c.Listen6 {
		fmt.Fprintf(&b, "        listen [::1]:%d;\n", Port)
	}
	fmt.Fprintf(&b, "        server_name %s;\n        root /srv/www;\n", Host)
	for _, d := range c.Server {
		writeLines(&b, d, 2)
	}
	for _, l := range c.Locs {
		writeLoc(&b, l, 2)
	}
	b.WriteString("    }\n")
	if c.Other != nil {
		b.WriteString("    server {\n")
		fmt.Fprintf(&b, "        listen 127.0.0.1:%d%s;\n        server_name %s;\n        root /srv/alt;\n", Port, defaultServer(c.OtherDefault), OtherHost)
		for _, d := range c.Other {
			writeLines(&b, d, 2)
		}
		b.WriteString("    }\n")
	}
	b.WriteString("}\n")
	return b.String()
}

func defaultServer(on bool) string {
	if on {
		return " default_server"
	}
	return ""
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
		switch {
		case f == Htpasswd:
			b.WriteString("user:{PLAIN}pass\n")
		case !strings.HasSuffix(f, "/"):
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
			b.WriteString(line + r.options() + "\n")
		}
	}
	return []byte(b.String())
}

// clone returns a deep copy of c.
func (c *Case) clone() *Case {
	d := *c
	d.Server = slices.Clone(c.Server)
	if c.Other != nil {
		d.Other = slices.Clone(c.Other)
	}
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
	if c.Other != nil {
		d := c.clone()
		d.Other, d.OtherDefault = nil, false
		out = append(out, d)
		for i := range c.Other {
			d := c.clone()
			d.Other = slices.Delete(d.Other, i, i+1)
			out = append(out, d)
		}
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
