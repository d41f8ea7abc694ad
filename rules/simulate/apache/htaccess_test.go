package apache

import (
	"encoding/base64"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/unforbid/unforbid/internal/realapache"
	"github.com/unforbid/unforbid/rules/simulate"
)

// htaccessHead starts the trees of the access side: Debian's default
// authentication and access modules.
var htaccessHead = head + `LoadModule access_compat_module /usr/lib/apache2/modules/mod_access_compat.so
LoadModule auth_basic_module /usr/lib/apache2/modules/mod_auth_basic.so
LoadModule authn_core_module /usr/lib/apache2/modules/mod_authn_core.so
LoadModule authn_file_module /usr/lib/apache2/modules/mod_authn_file.so
LoadModule authz_user_module /usr/lib/apache2/modules/mod_authz_user.so
LoadModule autoindex_module /usr/lib/apache2/modules/mod_autoindex.so
`

// htaccessTrees are the trees of .htaccess files, mod_access_compat,
// authentication and <Files>; TestSimulate and TestRealApache run them
// with the trees of sim_test.go.
var htaccessTrees = []testTree{{
	name:  "htaccess",
	ports: []int{18461},
	tree: htaccessHead + `Listen 127.0.0.1:18461
ServerName localhost
DocumentRoot /srv/www
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory /srv/www>
    AllowOverride All
    Require all granted
</Directory>
<Directory /srv/www/none>
    AllowOverride None
</Directory>
<Directory /srv/www/unset>
</Directory>
<Directory /srv/www/auth>
    AllowOverride AuthConfig
</Directory>
<Directory /srv/www/limit>
    AllowOverride Limit
</Directory>
<Directory /srv/www/fileinfo>
    AllowOverride FileInfo
</Directory>
<Directory /srv/www/indexes>
    AllowOverride Indexes
</Directory>
<Directory /srv/www/optlist>
    AllowOverride Options=Indexes
</Directory>
<Directory /srv/www/list>
    AllowOverride None
    AllowOverrideList Require
</Directory>
-- srv/www/a.html --
-- srv/www/deny/.htaccess --
Require all denied
-- srv/www/deny/a.html --
-- srv/www/deny/open/.htaccess --
Require all granted
-- srv/www/deny/open/a.html --
-- srv/www/none/.htaccess --
Require all denied
-- srv/www/none/a.html --
-- srv/www/none/x/.htaccess --
Require all denied
-- srv/www/none/x/a.html --
-- srv/www/unreadable/.htaccess --
Require all granted
-- srv/www/unreadable/a.html --
-- srv/www/hdir/.htaccess/x --
-- srv/www/hdir/a.html --
-- srv/www/auth/.htaccess --
Require all denied
-- srv/www/auth/a.html --
-- srv/www/auth/opt/.htaccess --
Options -Indexes
-- srv/www/auth/opt/a.html --
-- srv/www/limit/.htaccess --
Order deny,allow
Deny from all
-- srv/www/limit/a.html --
-- srv/www/limit/req/.htaccess --
Require all denied
-- srv/www/limit/req/a.html --
-- srv/www/fileinfo/.htaccess --
ErrorDocument 404 /a.html
-- srv/www/fileinfo/a.html --
-- srv/www/fileinfo/fb/.htaccess --
FallbackResource /a.html
-- srv/www/fileinfo/fb/a.html --
-- srv/www/indexes/.htaccess --
DirectoryIndex a.html
-- srv/www/indexes/a.html --
-- srv/www/indexes/fb/.htaccess --
FallbackResource /a.html
-- srv/www/indexes/fb/b.html --
-- srv/www/indexes/opt/.htaccess --
Options +Indexes
-- srv/www/indexes/opt/b.html --
-- srv/www/optlist/.htaccess --
Options +Indexes
-- srv/www/optlist/b.html --
-- srv/www/optlist/fs/.htaccess --
Options +FollowSymLinks
-- srv/www/optlist/fs/b.html --
-- srv/www/list/.htaccess --
Require all denied
-- srv/www/list/a.html --
-- srv/www/list/opt/.htaccess --
Options -Indexes
-- srv/www/list/opt/a.html --
-- srv/www/unset/a.html --
-- srv/www/noidx/.htaccess --
Options -Indexes
-- srv/www/noidx/a.html --
-- srv/www/unknown/.htaccess --
Bogus on
-- srv/www/unknown/a.html --
-- .fsmeta --
chmod 0600 srv/www/unreadable/.htaccess
`,
	reqs: []request{
		{18461, "localhost", "/a.html", 200, 0},
		{18461, "localhost", "/deny/a.html", 403, simulate.KindDenyOvermatch},
		{18461, "localhost", "/deny/open/a.html", 200, 0},
		{18461, "localhost", "/none/a.html", 200, 0},
		{18461, "localhost", "/none/x/a.html", 200, 0},
		{18461, "localhost", "/unset/a.html", 200, 0},
		{18461, "localhost", "/unreadable/a.html", 403, simulate.KindUnreadableFile},
		{18461, "localhost", "/hdir/a.html", 403, simulate.KindHtaccessInvalid},
		{18461, "localhost", "/auth/a.html", 403, simulate.KindDenyOvermatch},
		{18461, "localhost", "/auth/opt/a.html", 500, 0},
		{18461, "localhost", "/limit/a.html", 403, simulate.KindDenyOvermatch},
		{18461, "localhost", "/limit/req/a.html", 500, 0},
		{18461, "localhost", "/fileinfo/a.html", 200, 0},
		{18461, "localhost", "/fileinfo/missing", 404, 0}, // ErrorDocument 404 /a.html keeps the status
		{18461, "localhost", "/indexes/fb/b.html", 200, 0},
		{18461, "localhost", "/indexes/fb/missing", 200, 0}, // FallbackResource
		{18461, "localhost", "/fileinfo/fb/a.html", 500, 0},
		{18461, "localhost", "/indexes/", 200, 0},
		{18461, "localhost", "/indexes/opt/", 500, 0},
		{18461, "localhost", "/optlist/", 200, 0},
		{18461, "localhost", "/optlist/fs/", 500, 0},
		{18461, "localhost", "/list/a.html", 403, simulate.KindDenyOvermatch},
		{18461, "localhost", "/list/opt/a.html", 500, 0},
		{18461, "localhost", "/noidx/", 403, simulate.KindIndexMissing},
		{18461, "localhost", "/unknown/a.html", 500, 0}, // Invalid command: no loaded module defines Bogus
	},
}, {
	name:  "compat",
	ports: []int{18462},
	tree: htaccessHead + `Listen 127.0.0.1:18462
ServerName localhost
DocumentRoot /srv/www
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory /srv/www>
    Require all granted
</Directory>
<Directory /srv/www/c1>
    Order allow,deny
</Directory>
<Directory /srv/www/c2>
    Order deny,allow
    Deny from all
    Allow from 127.0.0.1
</Directory>
<Directory /srv/www/c3>
    Order allow,deny
    Allow from all
    Deny from 127.0.0.1
</Directory>
<Directory /srv/www/c4>
    Order allow,deny
    Allow from 127
</Directory>
<Directory /srv/www/c5>
    Order deny,allow
    Deny from 127.0.0.0/8
</Directory>
<Directory /srv/www/c6>
    Order mutual-failure
    Allow from 127.0.0.1
</Directory>
<Directory /srv/www/c7>
    Allow from all
    Require all denied
</Directory>
<Directory /srv/www/c8>
    Satisfy Any
    Order deny,allow
    Deny from all
    Require all granted
</Directory>
<Directory /srv/www/c9>
    Satisfy Any
    Require all denied
</Directory>
<Directory /srv/www/c10>
    Satisfy Any
    Order allow,deny
    Allow from all
    Require all denied
</Directory>
<Directory /srv/www/c11>
    Deny from env=nosuchvar
</Directory>
<Directory /srv/www/c12>
    Order allow,deny
</Directory>
<Directory /srv/www/c12/sub>
    Order deny,allow
</Directory>
<Directory /srv/www/c13>
    Order deny,allow
    Deny from 10.0.0.1
    Allow from 10.0.0.0/255.0.0.0
</Directory>
<Directory /srv/www/c14>
    Require method GET
</Directory>
<Directory /srv/www/c15>
    Require method POST
</Directory>
<Directory /srv/www/c16>
    Require env nosuchvar
</Directory>
<Directory /srv/www/c17/b>
    AuthMerging Or
    Require all denied
</Directory>
<Directory /srv/www/c17/b/c>
    Require all denied
</Directory>
<Directory /srv/www/c18>
    AuthMerging And
    Require ip 10.0.0.1
</Directory>
<Directory /srv/www/l1>
    <Limit POST>
        Require all denied
    </Limit>
</Directory>
<Directory /srv/www/l2>
    <Limit GET>
        Require all denied
    </Limit>
</Directory>
<Directory /srv/www/l3>
    <LimitExcept GET>
        Require all denied
    </LimitExcept>
</Directory>
<Directory /srv/www/l4>
    Require all granted
    <Limit POST>
        Require all denied
    </Limit>
</Directory>
<Directory /srv/www/l5>
    <Limit GET>
        Order deny,allow
        Deny from all
    </Limit>
</Directory>
<Directory /srv/www/l6>
    <LimitExcept POST>
        Order deny,allow
        Deny from all
    </LimitExcept>
</Directory>
<Directory /srv/www/l7>
    <Limit POST>
        Order deny,allow
        Deny from all
    </Limit>
</Directory>
<Directory /srv/www/c19>
    Order allow,deny
    Allow from 10.0.0.1
</Directory>
-- srv/www/c1/a.html --
-- srv/www/c2/a.html --
-- srv/www/c3/a.html --
-- srv/www/c4/a.html --
-- srv/www/c5/a.html --
-- srv/www/c6/a.html --
-- srv/www/c7/a.html --
-- srv/www/c8/a.html --
-- srv/www/c9/a.html --
-- srv/www/c10/a.html --
-- srv/www/c11/a.html --
-- srv/www/c12/sub/a.html --
-- srv/www/c13/a.html --
-- srv/www/c14/a.html --
-- srv/www/c15/a.html --
-- srv/www/c16/a.html --
-- srv/www/c17/b/a.html --
-- srv/www/c17/b/c/a.html --
-- srv/www/c18/a.html --
-- srv/www/c19/a.html --
-- srv/www/l1/a.html --
-- srv/www/l2/a.html --
-- srv/www/l3/a.html --
-- srv/www/l4/a.html --
-- srv/www/l5/a.html --
-- srv/www/l6/a.html --
-- srv/www/l7/a.html --
`,
	reqs: []request{
		{18462, "localhost", "/c1/a.html", 403, simulate.KindDenyOvermatch},
		{18462, "localhost", "/c2/a.html", 200, 0},
		{18462, "localhost", "/c3/a.html", 403, simulate.KindDenyRule},
		{18462, "localhost", "/c4/a.html", 200, 0},
		{18462, "localhost", "/c5/a.html", 403, simulate.KindDenyRule},
		{18462, "localhost", "/c6/a.html", 200, 0},
		{18462, "localhost", "/c7/a.html", 403, simulate.KindDenyOvermatch},
		{18462, "localhost", "/c8/a.html", 200, 0},
		{18462, "localhost", "/c9/a.html", 200, 0},
		{18462, "localhost", "/c10/a.html", 200, 0},
		{18462, "localhost", "/c11/a.html", 200, 0},
		{18462, "localhost", "/c12/sub/a.html", 200, 0}, // an Order written replaces, even the default
		{18462, "localhost", "/c13/a.html", 200, 0},
		{18462, "localhost", "/c14/a.html", 200, 0},
		{18462, "localhost", "/c15/a.html", 403, simulate.KindDenyRule},
		{18462, "localhost", "/c16/a.html", 403, simulate.KindDenyRule},
		{18462, "localhost", "/c17/b/a.html", 200, 0},
		{18462, "localhost", "/c17/b/c/a.html", 403, simulate.KindDenyOvermatch},
		{18462, "localhost", "/c18/a.html", 403, simulate.KindDenyRule},
		{18462, "localhost", "/c19/a.html", 403, simulate.KindDenyRule},
		{18462, "localhost", "/l1/a.html", 200, 0},
		{18462, "localhost", "/l2/a.html", 403, simulate.KindDenyOvermatch},
		{18462, "localhost", "/l3/a.html", 200, 0},
		{18462, "localhost", "/l4/a.html", 200, 0},
		{18462, "localhost", "/l5/a.html", 403, simulate.KindDenyOvermatch},
		{18462, "localhost", "/l6/a.html", 403, simulate.KindDenyOvermatch},
		{18462, "localhost", "/l7/a.html", 200, 0},
	},
}, {
	name:  "auth",
	ports: []int{18463},
	tree: htaccessHead + `Listen 127.0.0.1:18463
ServerName localhost
DocumentRoot /srv/www
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory /srv/www>
    AllowOverride All
    Require all granted
</Directory>
<Directory /srv/www/a1>
    AuthType Basic
    AuthName "a1"
    AuthUserFile /etc/apache2/htpasswd
    Require valid-user
</Directory>
<Directory /srv/www/a2>
    AuthType Basic
    AuthName "a2"
    AuthUserFile /etc/apache2/missing
    Require valid-user
</Directory>
<Directory /srv/www/a3>
    Require valid-user
</Directory>
<Directory /srv/www/a5>
    AuthType Basic
    AuthName "a5"
    AuthUserFile /etc/apache2/htpasswd
    Require user bob
</Directory>
<Directory /srv/www/a6>
    AuthType Basic
    AuthName "a6"
    AuthUserFile /etc/apache2/htpasswd
    Require ip 127.0.0.1
    Require valid-user
</Directory>
<Directory /srv/www/a7>
    AuthType Basic
    AuthName "a7"
    AuthUserFile /etc/apache2/htpasswd
    <RequireAll>
        Require ip 10.0.0.1
        Require valid-user
    </RequireAll>
</Directory>
<Directory /srv/www/a8>
    AuthType Basic
    AuthName "a8"
    AuthUserFile /etc/apache2/htpasswd
    <RequireAll>
        Require ip 127.0.0.1
        Require valid-user
    </RequireAll>
</Directory>
<Directory /srv/www/a9>
    AuthType Basic
    AuthName "a9"
    AuthUserFile /etc/apache2/htpasswd
    Require valid-user
    Order deny,allow
    Deny from all
    Allow from 127.0.0.1
    Satisfy Any
</Directory>
<Directory /srv/www/a10>
    AuthType Basic
    AuthName "a10"
    AuthUserFile /etc/apache2/htpasswd
    Require valid-user
    Order deny,allow
    Deny from all
</Directory>
<Directory /srv/www/a11>
    AuthType Basic
    AuthUserFile /etc/apache2/htpasswd
    Require valid-user
</Directory>
<Directory /srv/www/a12>
    AuthType Basic
    AuthName "a12"
    AuthUserFile /etc/apache2/htpasswd600
    Require valid-user
</Directory>
<Files "secret.txt">
    Require all denied
</Files>
<Directory /srv/www/fd>
    Require all denied
</Directory>
-- etc/apache2/htpasswd --
bob:$apr1$UBt9l7XT$7pc/dnpaZMoRfnX7FObm2.
-- etc/apache2/htpasswd600 --
bob:$apr1$UBt9l7XT$7pc/dnpaZMoRfnX7FObm2.
-- srv/www/a1/a.html --
-- srv/www/a12/a.html --
-- srv/www/ifmod/.htaccess --
<IfModule mod_rewrite.c>
    RewriteEngine On
</IfModule>
<IfModule !mod_rewrite.c>
    Require all denied
</IfModule>
-- srv/www/ifmod/a.html --
-- srv/www/a2/a.html --
-- srv/www/a3/a.html --
-- srv/www/a5/a.html --
-- srv/www/a6/a.html --
-- srv/www/a7/a.html --
-- srv/www/a8/a.html --
-- srv/www/a9/a.html --
-- srv/www/a10/a.html --
-- srv/www/a11/a.html --
-- srv/www/ht/.htaccess --
AuthType Basic
AuthName "ht"
AuthUserFile /etc/apache2/htpasswd
Require valid-user
-- srv/www/ht/a.html --
-- srv/www/secret.txt --
-- srv/www/other.txt --
-- srv/www/f/.htaccess --
<FilesMatch "\.bak$">
    Require all denied
</FilesMatch>
-- srv/www/f/x.bak --
-- srv/www/f/x.html --
-- srv/www/fd/.htaccess --
<Files "*.html">
    Require all granted
</Files>
-- srv/www/fd/a.html --
-- srv/www/fd/a.txt --
-- .fsmeta --
chmod 0600 etc/apache2/htpasswd600
`,
	reqs: []request{
		{18463, "localhost", "/a1/a.html", 401, 0},
		{18463, "localhost", "/a2/a.html", 401, simulate.KindAuthFileMissing},
		{18463, "localhost", "/a3/a.html", 500, 0},
		{18463, "localhost", "/a5/a.html", 401, 0},
		{18463, "localhost", "/a6/a.html", 200, 0},
		{18463, "localhost", "/a7/a.html", 403, simulate.KindDenyRule},
		{18463, "localhost", "/a8/a.html", 401, 0},
		{18463, "localhost", "/a9/a.html", 200, 0},
		{18463, "localhost", "/a10/a.html", 403, simulate.KindDenyOvermatch},
		{18463, "localhost", "/a11/a.html", 500, 0},
		{18463, "localhost", "/a12/a.html", 401, simulate.KindAuthFileUnreadable},
		{18463, "localhost", "/ifmod/a.html", 403, simulate.KindDenyOvermatch},
		{18463, "localhost", "/ht/a.html", 401, 0},
		{18463, "localhost", "/secret.txt", 403, simulate.KindDenyRule},
		{18463, "localhost", "/other.txt", 200, 0},
		{18463, "localhost", "/f/x.bak", 403, simulate.KindDenyRule},
		{18463, "localhost", "/f/missing.bak", 403, simulate.KindDenyRule},
		{18463, "localhost", "/f/x.html", 200, 0},
		{18463, "localhost", "/fd/a.html", 200, 0},
		{18463, "localhost", "/fd/a.txt", 403, simulate.KindDenyOvermatch},
	},
}, {
	name:  "requireip",
	ports: []int{18465},
	tree: htaccessHead + `Listen 127.0.0.1:18465
ServerName localhost
DocumentRoot /srv/www
<Directory /srv/www>
    Require all granted
</Directory>
<Directory /srv/www/partial>
    Require ip 127
</Directory>
<Directory /srv/www/partial10>
    Require ip 10.1
</Directory>
<Directory /srv/www/netmask>
    Require ip 127.0.0.0/255.0.0.0
</Directory>
<Directory /srv/www/hostbits>
    Require ip 127.0.0.1/8
</Directory>
<Directory /srv/www/hostbits10>
    Require ip 10.0.0.1/8
</Directory>
<Directory /srv/www/allowbits>
    Order allow,deny
    Allow from 127.0.0.1/8
</Directory>
-- srv/www/partial/a.html --
-- srv/www/partial10/a.html --
-- srv/www/netmask/a.html --
-- srv/www/hostbits/a.html --
-- srv/www/hostbits10/a.html --
-- srv/www/allowbits/a.html --
`,
	reqs: []request{
		{18465, "localhost", "/partial/a.html", 200, 0},
		{18465, "localhost", "/partial10/a.html", 403, simulate.KindDenyRule},
		{18465, "localhost", "/netmask/a.html", 200, 0},
		{18465, "localhost", "/hostbits/a.html", 200, 0},
		{18465, "localhost", "/hostbits10/a.html", 403, simulate.KindDenyRule},
		{18465, "localhost", "/allowbits/a.html", 200, 0},
	},
}, {
	name:  "accessnames",
	ports: []int{18466},
	tree: htaccessHead + `Listen 127.0.0.1:18466
ServerName localhost
DocumentRoot /srv/www
AccessFileName .acl .htaccess
<Directory /srv/www>
    AllowOverride All
    Require all granted
</Directory>
-- srv/www/both/.acl --
Require all granted
-- srv/www/both/.htaccess --
Require all denied
-- srv/www/both/a.html --
-- srv/www/second/.htaccess --
Require all denied
-- srv/www/second/a.html --
-- srv/www/ignored/.htaccess --
Require all denied
-- srv/www/ignored/.acl --
-- srv/www/ignored/a.html --
-- srv/www/errdoc/.acl --
ErrorDocument 403 http://example.com/denied
Require all denied
-- srv/www/errdoc/a.html --
`,
	reqs: []request{
		{18466, "localhost", "/both/a.html", 200, 0}, // the first access file found is the only one read
		{18466, "localhost", "/second/a.html", 403, simulate.KindDenyOvermatch},
		{18466, "localhost", "/ignored/a.html", 200, 0},
		{18466, "localhost", "/errdoc/a.html", unsure, 0},
	},
}, {
	name:  "htaccess-unset",
	ports: []int{18464},
	tree: htaccessHead + `Listen 127.0.0.1:18464
ServerName localhost
DocumentRoot /srv/www
<Directory /srv/www>
    Require all granted
</Directory>
-- srv/www/a.html --
-- srv/www/d/.htaccess --
Require all denied
-- srv/www/d/a.html --
`,
	reqs: []request{
		{18464, "localhost", "/a.html", 200, 0},
		{18464, "localhost", "/d/a.html", 500, 0},
	},
}}

func init() { trees = append(trees, htaccessTrees...) }

// assumed is a request of the auth and compat trees with AssumeAuth (a
// valid login as bob, password secret) or AssumeAccess.
type assumed struct {
	tree, path string
	port       int
	auth       bool // AssumeAuth; real Apache gets bob's credentials
	want       int
	rule       string
	line       int // the cause's line in its file, 0 for any
}

var assumedReqs = []assumed{
	{"auth", "/a1/a.html", 18463, true, 200, "", 0},
	{"auth", "/a2/a.html", 18463, true, 500, RuleAuthFileMissing, 0},
	{"auth", "/a5/a.html", 18463, true, 200, "", 0},
	{"auth", "/a8/a.html", 18463, true, 200, "", 0},
	{"auth", "/a7/a.html", 18463, true, 403, RuleDenied, 0},
	{"auth", "/a12/a.html", 18463, true, 500, RuleAuthFileUnreadable, 0},
	{"auth", "/ht/a.html", 18463, true, 200, "", 0},
	{"auth", "/a3/a.html", 18463, true, 500, "", 0},
	// AssumeAccess looks behind allowlists, never behind a deny that
	// admits nobody.
	{"compat", "/c19/a.html", 18462, false, 200, "", 0},
	{"compat", "/c18/a.html", 18462, false, 200, "", 0},
	{"compat", "/c3/a.html", 18462, false, 200, "", 0},
	{"compat", "/c1/a.html", 18462, false, 403, RuleDenyOvermatch, 31},
	{"compat", "/c7/a.html", 18462, false, 403, RuleDenyOvermatch, 57},
	{"htaccess", "/deny/a.html", 18461, false, 403, RuleDenyOvermatch, 1},
	{"htaccess", "/auth/opt/a.html", 18461, false, 500, RuleHtaccessInvalid, 1},
	{"htaccess", "/unreadable/a.html", 18461, false, 403, simulate.RuleUnreadableFile, 0},
}

// treeNamed returns the test tree called name.
func treeNamed(t *testing.T, name string) testTree {
	t.Helper()
	for _, tt := range trees {
		if tt.name == name {
			return tt
		}
	}
	t.Fatalf("no tree %s", name)
	return testTree{}
}

// simulateAssumed answers an assumed request.
func simulateAssumed(t *testing.T, s *Simulator, a assumed) *simulate.Decision {
	t.Helper()
	req, err := simulate.ParseRequest("GET", fmt.Sprintf("http://localhost:%d%s", a.port, a.path), "")
	if err != nil {
		t.Fatal(err)
	}
	req.AssumeAuth, req.AssumeAccess = a.auth, !a.auth
	return s.Simulate(req)
}

// TestAssumed checks the answers and causes of requests that assume a
// valid login or access behind an allowlist.
func TestAssumed(t *testing.T) {
	sims := map[string]*Simulator{}
	for _, a := range assumedReqs {
		s := sims[a.tree]
		if s == nil {
			_, s = load(t, treeNamed(t, a.tree))
			sims[a.tree] = s
		}
		d := simulateAssumed(t, s, a)
		switch {
		case d.Unsure != "":
			t.Errorf("%s%s: unsure (%s), want %d", a.tree, a.path, d.Unsure, a.want)
		case d.Status != a.want:
			t.Errorf("%s%s: %d, want %d\n%s", a.tree, a.path, d.Status, a.want, trace(d))
		case a.rule != "" && (d.Cause == nil || d.Cause.Rule != a.rule):
			t.Errorf("%s%s: cause %+v, want rule %s", a.tree, a.path, d.Cause, a.rule)
		case a.line != 0 && d.Cause.Range.Start.Line != a.line:
			t.Errorf("%s%s: cause at %s, want line %d", a.tree, a.path, d.Cause.Range, a.line)
		}
	}
}

// TestRealAuth checks the requests that assume a valid login against
// real Apache, sent with bob's credentials.
func TestRealAuth(t *testing.T) {
	requireApache(t)
	tt := treeNamed(t, "auth")
	tree, s := load(t, tt)
	dir := t.TempDir()
	if err := tree.Materialize(dir); err != nil {
		t.Fatal(err)
	}
	srv, err := realapache.Start(dir, "", tt.ports)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := srv.Stop(); err != nil {
			t.Error(err)
		}
	}()
	hdr := map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte("bob:secret"))}
	for _, a := range assumedReqs {
		if a.tree != "auth" || !a.auth {
			continue
		}
		real, err := srv.Do("GET", a.port, "localhost", a.path, "", hdr)
		if err != nil {
			t.Fatal(err)
		}
		if d := simulateAssumed(t, s, a); d.Unsure != "" || d.Status != real {
			t.Errorf("%s: simulated %d (unsure %q), real Apache %d with credentials\n%s", a.path, d.Status, d.Unsure, real, trace(d))
		}
		if real != a.want {
			t.Errorf("%s: want %d, real Apache %d", a.path, a.want, real)
		}
	}
	if t.Failed() {
		t.Logf("error log:\n%s", srv.ErrorLog())
	}
}

func TestSubnet(t *testing.T) {
	for _, c := range []struct {
		arg, ip string
		want    bool
		bad     bool
	}{
		{"127", "127.9.9.9", true, false},
		{"10.1", "10.1.200.1", true, false},
		{"10.1.", "10.2.0.1", false, false},
		{"10.0.0.0/255.0.0.0", "10.9.0.1", true, false},
		{"127.0.0.1/8", "127.2.0.1", true, false},
		{"192.168.0.0/16", "192.169.0.1", false, false},
		{"::1", "::1", true, false},
		{"2001:db8::/32", "2001:db8::5", true, false},
		{"10.0.0.0/255.0.255.0", "", false, true},
		{"example.com", "", false, true},
		{"10.0.0.0/33", "", false, true},
		{"1.2.3.4.5", "", false, true},
	} {
		n := subnet(c.arg)
		if c.bad {
			if n != nil {
				t.Errorf("subnet(%q) = %v, want nil", c.arg, n)
			}
			continue
		}
		if n == nil {
			t.Errorf("subnet(%q) = nil", c.arg)
			continue
		}
		if got := n.Contains(net.ParseIP(c.ip)); got != c.want {
			t.Errorf("subnet(%q) contains %s = %v, want %v", c.arg, c.ip, got, c.want)
		}
	}
}

// TestIgnoredAccessStep checks that the trace names a .htaccess that
// AllowOverride None leaves unread.
func TestIgnoredAccessStep(t *testing.T) {
	_, s := load(t, treeNamed(t, "htaccess"))
	d := request{18461, "localhost", "/none/x/a.html", 200, 0}.simulate(t, s)
	if d.Unsure != "" || d.Status != 200 {
		t.Fatalf("%d (unsure %q), want 200", d.Status, d.Unsure)
	}
	n := 0
	for _, st := range d.Trace {
		if st.Step == "htaccess" && strings.Contains(st.Detail, "is never read") {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d steps name an unread .htaccess, want 2 (/srv/www/none and /srv/www/none/x)\n%s", n, trace(d))
	}
}
