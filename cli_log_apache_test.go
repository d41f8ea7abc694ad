package main

import (
	"strings"
	"testing"

	"github.com/unforbid/unforbid/internal/layout"
	"github.com/unforbid/unforbid/internal/realapache"
	"github.com/unforbid/unforbid/internal/treetest"
)

// apacheErrorLog is the error log real Apache 2.4 wrote for the requests
// of parser/apachelog's TestRegenerateRealLog on the tree below (its
// golden input).
const apacheErrorLog = "parser/apachelog/testdata/apache-2.4.log"

// apacheLogTree is the tree of parser/apachelog's TestRegenerateRealLog,
// with Debian's envvars: the tree on which apacheErrorLog was written.
var apacheLogTree = "-- etc/apache2/apache2.conf --\n" + realapache.ConfHead("mpm_event", "authz_core", "authz_host", "access_compat", "dir", "mime", "autoindex", "alias", "rewrite", "cgid") + `Listen 127.0.0.1:18490
Listen [::1]:18490
ServerName localhost
DocumentRoot /srv/www
ScriptAlias /cgi-bin/ /srv/cgi/
<Directory />
    Options FollowSymLinks
    AllowOverride None
    Require all denied
</Directory>
<Directory /srv/www>
    Options -Indexes +FollowSymLinks
    Require all granted
</Directory>
<Directory /srv/cgi>
    Require all granted
</Directory>
<Directory /srv/www/local>
    Require ip 127.0.0.1
</Directory>
<Directory /srv/www/compat>
    Order deny,allow
    Deny from all
</Directory>
<Directory /srv/www/nolinks>
    Options -FollowSymLinks
</Directory>
<Directory /srv/www/ht>
    AllowOverride All
</Directory>
<Directory /srv/www/rw>
    Options None
    AllowOverride All
</Directory>
<Directory /srv/www/scripts>
    AddHandler cgi-script .cgi
</Directory>
-- srv/www/ok.html --
ok
-- srv/www/f600.html --
secret
-- srv/www/local/a.html --
-- srv/www/compat/a.html --
-- srv/www/noindex/a.html --
-- srv/www/closed/a.html --
-- srv/www/nolinks/target.html --
-- srv/www/ht/unreadable/.htaccess --
Require all granted
-- srv/www/ht/unreadable/a.html --
-- srv/www/ht/bad/.htaccess --
Frobnicate on
-- srv/www/ht/bad/a.html --
-- srv/www/ht/notfile/.htaccess/x --
-- srv/www/ht/notfile/a.html --
-- srv/www/rw/.htaccess --
RewriteEngine On
RewriteRule ^x$ y.html
-- srv/www/rw/y.html --
-- srv/www/scripts/s.cgi --
#!/bin/sh
echo "Content-Type: text/plain"
echo
echo s
-- srv/cgi/fail.cgi --
#!/bin/sh
echo "no headers, sorry" >&2
exit 1
-- .fsmeta --
chmod 0600 srv/www/f600.html
chmod 0700 srv/www/closed
symlink srv/www/nolinks/link.html -> target.html
symlink srv/www/nolinks/dangling.html -> /nowhere
chmod 0600 srv/www/ht/unreadable/.htaccess
chmod 0755 srv/www/scripts/s.cgi
chmod 0755 srv/cgi/fail.cgi
`

// apacheLogRoot lays out apacheLogTree and returns its --root.
func apacheLogRoot(t *testing.T) string {
	t.Helper()
	tree, err := layout.Parse("apache-logtree.txtar", []byte(apacheLogTree+apacheEnvvars))
	if err != nil {
		t.Fatal(err)
	}
	return useMemory(t, treetest.SetupTree(t, tree))
}

// apacheEnvvars is the envvars file Debian ships, in the variables the
// tree's config reads.
const apacheEnvvars = `-- etc/apache2/envvars --
export APACHE_RUN_USER=www-data
export APACHE_RUN_GROUP=www-data
export APACHE_PID_FILE=/var/run/apache2/apache2.pid
export APACHE_RUN_DIR=/var/run/apache2
export APACHE_LOCK_DIR=/var/lock/apache2
export APACHE_LOG_DIR=/var/log/apache2
`

// TestExplainApacheLog explains real Apache's log against the tree it was
// written on: every refusal is rebuilt into a request and explained with
// its cause, and the simulator agrees with every line.
func TestExplainApacheLog(t *testing.T) {
	root := apacheLogRoot(t)
	code, out, errOut := runCLI(t, "explain", "--log", apacheErrorLog, "--root", root, "/etc/apache2/apache2.conf")
	if code != exitClean {
		t.Fatalf("exit %d; stderr:\n%s", code, errOut)
	}
	if strings.Contains(out, root) {
		t.Errorf("output leaks the --root prefix %s", root)
	}
	golden(t, "errorlog-apache.txt", out+"--- stderr\n"+errOut)
}
