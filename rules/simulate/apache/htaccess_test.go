package apache

import "github.com/unforbid/unforbid/rules/simulate"

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
		{18461, "localhost", "/fileinfo/fb/a.html", 500, 0},
		{18461, "localhost", "/indexes/", 200, 0},
		{18461, "localhost", "/indexes/opt/", 500, 0},
		{18461, "localhost", "/optlist/", 200, 0},
		{18461, "localhost", "/optlist/fs/", 500, 0},
		{18461, "localhost", "/list/a.html", 403, simulate.KindDenyOvermatch},
		{18461, "localhost", "/list/opt/a.html", 500, 0},
		{18461, "localhost", "/noidx/", 403, simulate.KindIndexMissing},
		{18461, "localhost", "/unknown/a.html", unsure, 0},
	},
}}

func init() { trees = append(trees, htaccessTrees...) }
