package apache

import (
	"strings"
	"testing"

	"github.com/unforbid/unforbid/rules/simulate"
)

// mappingTrees are the test trees of the URL-to-file mapping: symbolic
// links, regex and wildcard sections, the aliases, handlers and
// mod_rewrite. TestSimulate and TestRealApache run them with the trees of
// sim_test.go.
var mappingTrees = []testTree{{
	name:  "symlinks",
	ports: []int{18470},
	tree: head + `LoadModule autoindex_module /usr/lib/apache2/modules/mod_autoindex.so
Listen 127.0.0.1:18470
ServerName localhost
DocumentRoot /srv/www
<Directory />
    Options FollowSymLinks
    AllowOverride None
    Require all denied
</Directory>
<Directory /srv/www>
    Options FollowSymLinks
    Require all granted
</Directory>
<Directory /srv/www/nofollow>
    Options None
</Directory>
<Directory /srv/www/owner>
    Options SymLinksIfOwnerMatch
</Directory>
<Directory /srv/www/both>
    Options FollowSymLinks SymLinksIfOwnerMatch
</Directory>
<Directory /srv/www/linkdir>
    Require all denied
</Directory>
<Directory /srv/www/selflink>
    Options None
</Directory>
<Directory /srv/target>
    Require all granted
    Options None
</Directory>
<Directory /srv/denied>
    Require all denied
</Directory>
-- srv/www/a.html --
-- srv/www/o.html --
-- srv/www/sub/x.html --
-- srv/www/nofollow/a.html --
-- srv/www/nofollow/sub/x.html --
-- srv/www/nofollow/idx/a.html --
-- srv/www/owner/a.html --
-- srv/www/both/a.html --
-- srv/www/idx/a.html --
-- srv/target/a.html --
-- srv/target/in/a.html --
-- srv/denied/a.html --
-- srv/nogrant/a.html --
-- .fsmeta --
chown www-data srv/www/o.html
symlink srv/www/link.html -> a.html
symlink srv/www/dangling.html -> nothing.html
symlink srv/www/nofollow/link.html -> a.html
symlink srv/www/nofollow/dirlink -> sub
symlink srv/www/nofollow/idx/index.html -> a.html
symlink srv/www/owner/same.html -> ../a.html
symlink srv/www/owner/other.html -> ../o.html
symlink srv/www/owner/dir -> ../sub
symlink srv/www/both/other.html -> ../o.html
symlink srv/www/both/same.html -> ../a.html
symlink srv/www/linkdir -> /srv/target
symlink srv/www/selflink -> /srv/target
symlink srv/www/todenied -> /srv/denied
symlink srv/www/tonogrant -> /srv/nogrant
symlink srv/www/fl -> nofollow
symlink srv/www/idx/index.html -> ../a.html
symlink srv/target/in/link.html -> a.html
`,
	reqs: []request{
		{18470, "localhost", "/a.html", 200, 0},
		{18470, "localhost", "/link.html", 200, 0},
		{18470, "localhost", "/dangling.html", 403, simulate.KindSymlinkDenied},
		{18470, "localhost", "/nofollow/a.html", 200, 0},
		{18470, "localhost", "/nofollow/link.html", 403, simulate.KindSymlinkDenied},
		{18470, "localhost", "/nofollow/dirlink/x.html", 403, simulate.KindSymlinkDenied},
		{18470, "localhost", "/nofollow/dirlink/", 403, simulate.KindSymlinkDenied},
		{18470, "localhost", "/nofollow/dirlink", 403, simulate.KindSymlinkDenied},
		{18470, "localhost", "/nofollow/sub/x.html", 200, 0},
		{18470, "localhost", "/nofollow/idx/", 403, simulate.KindSymlinkDenied},
		{18470, "localhost", "/owner/same.html", 200, 0},
		{18470, "localhost", "/owner/other.html", 403, simulate.KindSymlinkDenied},
		{18470, "localhost", "/owner/dir/x.html", 200, 0},
		{18470, "localhost", "/both/same.html", 200, 0},
		{18470, "localhost", "/both/other.html", 403, simulate.KindSymlinkDenied},
		{18470, "localhost", "/linkdir/a.html", 403, simulate.KindDenyOvermatch},
		{18470, "localhost", "/selflink/a.html", 200, 0},
		{18470, "localhost", "/selflink/in/link.html", 403, simulate.KindSymlinkDenied},
		{18470, "localhost", "/todenied/a.html", 200, 0},
		{18470, "localhost", "/tonogrant/a.html", 200, 0},
		{18470, "localhost", "/fl/link.html", 200, 0}, // <Directory> by the link's path, not its target
		{18470, "localhost", "/fl/a.html", 200, 0},
		{18470, "localhost", "/idx/", 200, 0},
		{18470, "localhost", "/missing/x", 404, 0},
	},
}, {
	name:  "sections",
	ports: []int{18471, 18472},
	tree: head + `LoadModule autoindex_module /usr/lib/apache2/modules/mod_autoindex.so
Listen 127.0.0.1:18471
Listen 127.0.0.1:18472
ServerName localhost
DocumentRoot /srv/www
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory /srv/www>
    Require all granted
</Directory>
<Directory /srv/www/w*>
    Require all denied
</Directory>
<Directory /srv/www/x*>
    Require all denied
</Directory>
<Directory /srv/www/xa>
    Require all granted
</Directory>
<Directory /srv/www/ya>
    Require all granted
</Directory>
<Directory /srv/www/y?>
    Require all denied
</Directory>
<Directory /srv/www/*/deep>
    Require all denied
</Directory>
<Directory ~ "^/srv/www/re[0-9]">
    Require all denied
</Directory>
<DirectoryMatch "^/srv/www/dm/$">
    Require all denied
</DirectoryMatch>
<DirectoryMatch "\.txt$">
    Require all denied
</DirectoryMatch>
<DirectoryMatch "^/srv/www/dp">
    Require all denied
</DirectoryMatch>
<DirectoryMatch "^/srv/www/order/">
    Require all granted
</DirectoryMatch>
<Directory /srv/www/order>
    Require all denied
</Directory>
<Directory /srv/www/ord2/sub>
    Require all granted
</Directory>
<DirectoryMatch "^/srv/www/ord2">
    Require all denied
</DirectoryMatch>
<DirectoryMatch "^/srv/www/idxm/">
    Options -Indexes
</DirectoryMatch>
<Location /loc>
    Require all denied
</Location>
<Location /loc/open>
    Require all granted
</Location>
<Location /dirloc>
    Require all granted
</Location>
<Directory /srv/www/dirloc>
    Require all denied
</Directory>
<LocationMatch "^/lm/.*\.html$">
    Require all denied
</LocationMatch>
<Location ~ "\.pdf$">
    Require all denied
</Location>
<Location /star/*>
    Require all denied
</Location>
<Location /sl/>
    Require all denied
</Location>
<Location /lidx>
    Options -Indexes
</Location>
<VirtualHost *:18472>
    DocumentRoot /srv/www
    <Location />
        Require all denied
    </Location>
    <Location /vopen>
        Require all granted
    </Location>
</VirtualHost>
-- srv/www/a.html --
-- srv/www/f.txt --
-- srv/www/f.pdf --
-- srv/www/wild/a.html --
-- srv/www/wild/sub/a.html --
-- srv/www/w/a.html --
-- srv/www/xa/a.html --
-- srv/www/xb/a.html --
-- srv/www/ya/a.html --
-- srv/www/yab/a.html --
-- srv/www/a/deep/a.html --
-- srv/www/a/b/deep/a.html --
-- srv/www/re1/a.html --
-- srv/www/re/a.html --
-- srv/www/dm/a.html --
-- srv/www/dm/sub/a.html --
-- srv/www/dp/a.html --
-- srv/www/dpx.html --
-- srv/www/order/a.html --
-- srv/www/ord2/sub/a.html --
-- srv/www/idxm/a.html --
-- srv/www/loc/a.html --
-- srv/www/loc/open/a.html --
-- srv/www/locx/a.html --
-- srv/www/dirloc/a.html --
-- srv/www/lm/a.html --
-- srv/www/lm/a.txt2 --
-- srv/www/star/a.html --
-- srv/www/star/sub/a.html --
-- srv/www/sl/a.html --
-- srv/www/lidx/a.html --
-- srv/www/vopen/a.html --
`,
	reqs: []request{
		{18471, "localhost", "/a.html", 200, 0},
		{18471, "localhost", "/wild/a.html", 403, simulate.KindDenyOvermatch},
		{18471, "localhost", "/wild/sub/a.html", 403, simulate.KindDenyOvermatch},
		{18471, "localhost", "/w/a.html", 403, simulate.KindDenyOvermatch},
		{18471, "localhost", "/xa/a.html", 200, 0},
		{18471, "localhost", "/xb/a.html", 403, simulate.KindDenyOvermatch},
		{18471, "localhost", "/ya/a.html", 403, simulate.KindDenyOvermatch},
		{18471, "localhost", "/yab/a.html", 200, 0},
		{18471, "localhost", "/a/deep/a.html", 403, simulate.KindDenyOvermatch},
		{18471, "localhost", "/a/b/deep/a.html", 200, 0},
		{18471, "localhost", "/re1/a.html", 403, simulate.KindDenyOvermatch},
		{18471, "localhost", "/re/a.html", 200, 0},
		{18471, "localhost", "/dm/a.html", 200, 0},
		{18471, "localhost", "/dm/", 403, simulate.KindDenyOvermatch},
		{18471, "localhost", "/dm/sub/a.html", 200, 0},
		{18471, "localhost", "/f.txt", 403, simulate.KindDenyOvermatch},
		{18471, "localhost", "/dp/a.html", 403, simulate.KindDenyOvermatch},
		{18471, "localhost", "/dpx.html", 403, simulate.KindDenyOvermatch},
		{18471, "localhost", "/order/a.html", 200, 0},
		{18471, "localhost", "/ord2/sub/a.html", 403, simulate.KindDenyOvermatch},
		{18471, "localhost", "/idxm/", 403, simulate.KindIndexMissing},
		{18471, "localhost", "/idxm", 301, 0},
		{18471, "localhost", "/loc/a.html", 403, simulate.KindDenyOvermatch},
		{18471, "localhost", "/loc/open/a.html", 200, 0},
		{18471, "localhost", "/locx/a.html", 200, 0},
		{18471, "localhost", "/loc", 403, simulate.KindDenyOvermatch},
		{18471, "localhost", "/dirloc/a.html", 200, 0},
		{18471, "localhost", "/lm/a.html", 403, simulate.KindDenyOvermatch},
		{18471, "localhost", "/lm/a.txt2", 200, 0},
		{18471, "localhost", "/f.pdf", 403, simulate.KindDenyOvermatch},
		{18471, "localhost", "/star/a.html", 403, simulate.KindDenyOvermatch},
		{18471, "localhost", "/star/sub/a.html", 200, 0},
		{18471, "localhost", "/sl/a.html", 403, simulate.KindDenyOvermatch},
		{18471, "localhost", "/sl", 301, 0},
		{18471, "localhost", "/lidx/", 403, simulate.KindIndexMissing},
		{18472, "localhost", "/a.html", 403, simulate.KindDenyOvermatch},
		{18472, "localhost", "/vopen/a.html", 200, 0},
	},
}, {
	name:  "aliases",
	ports: []int{18473},
	tree: head + `LoadModule autoindex_module /usr/lib/apache2/modules/mod_autoindex.so
LoadModule cgid_module /usr/lib/apache2/modules/mod_cgid.so
LoadModule userdir_module /usr/lib/apache2/modules/mod_userdir.so
Listen 127.0.0.1:18473
ServerName localhost
DocumentRoot /srv/www
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory /srv/www>
    Require all granted
</Directory>
<Directory /srv/cgi>
    Require all granted
</Directory>
<Directory /srv/data>
    Require all granted
</Directory>
<Directory /home/*/public_html>
    Require all granted
</Directory>
<Directory /srv/www/exec>
    Options +ExecCGI
</Directory>
<Directory /srv/www/sh>
    SetHandler cgi-script
</Directory>
ScriptAlias /cgi-bin/ /srv/cgi/
ScriptAliasMatch ^/run/(.*)\.x$ /srv/cgi/$1.sh
AliasMatch ^/img/(.*)\.png$ /srv/data/$1.png
AliasMatch ^/m/(.*)$ /srv/data/$1
Alias /data /srv/data
Redirect /old /new
Redirect permanent /perm http://localhost/x
Redirect gone /gone
Redirect 403 /forbidden
RedirectMatch 301 ^/rm/(.*)$ /x/$1
RedirectMatch ^/rm2 /y
UserDir public_html
UserDir disabled root
AddHandler cgi-script .cgi
-- etc/passwd --
root:x:0:0:root:/root:/bin/bash
www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin
alice:x:4101:4101:alice:/home/alice:/bin/sh
bob:x:4102:4102:bob:/home/bob:/bin/sh
-- etc/group --
root:x:0:
www-data:x:33:
alice:x:4101:
bob:x:4102:
-- srv/cgi/ok.sh --
#!/bin/sh
echo 'Content-Type: text/plain'
echo
echo ok
-- srv/cgi/plain.txt --
-- srv/data/a.png --
-- srv/data/b.html --
-- srv/www/a.html --
-- srv/www/x.cgi --
-- srv/www/a.cgi.html --
-- srv/www/exec/x.cgi --
-- srv/www/sh/a.html --
-- srv/www/oldx --
-- srv/www/gonex.html --
-- home/alice/public_html/a.html --
-- home/bob/public_html/a.html --
-- root/public_html/a.html --
-- .fsmeta --
chmod 0755 srv/cgi/ok.sh
chmod 0755 home/alice
chmod 0700 home/bob
chmod 0755 root
`,
	reqs: []request{
		{18473, "localhost", "/a.html", 200, 0},
		{18473, "localhost", "/cgi-bin/ok.sh", unsure, 0},
		{18473, "localhost", "/cgi-bin/plain.txt", 500, 0}, // not executable: AH01241
		{18473, "localhost", "/cgi-bin/missing", 404, 0},
		{18473, "localhost", "/cgi-bin/", 403, 0},
		{18473, "localhost", "/cgi-bin", 404, 0},
		{18473, "localhost", "/run/ok.x", unsure, 0},
		{18473, "localhost", "/run/none.x", 404, 0},
		{18473, "localhost", "/x.cgi", 403, simulate.KindExecCGIOff},
		{18473, "localhost", "/missing.cgi", 403, simulate.KindExecCGIOff},
		{18473, "localhost", "/a.cgi.html", 403, simulate.KindExecCGIOff},
		{18473, "localhost", "/exec/x.cgi", 500, 0},
		{18473, "localhost", "/sh/a.html", 403, simulate.KindExecCGIOff},
		{18473, "localhost", "/img/a.png", 200, 0},
		{18473, "localhost", "/img/b.png", 404, 0},
		{18473, "localhost", "/m/b.html", 200, 0},
		{18473, "localhost", "/m/", 403, simulate.KindIndexMissing},
		{18473, "localhost", "/data/b.html", 200, 0},
		{18473, "localhost", "/old", 302, 0},
		{18473, "localhost", "/old/x", 302, 0},
		{18473, "localhost", "/oldx", 200, 0},
		{18473, "localhost", "/perm", 301, 0},
		{18473, "localhost", "/gone", 410, 0},
		{18473, "localhost", "/gonex.html", 200, 0},
		{18473, "localhost", "/forbidden", 403, simulate.KindReturn},
		{18473, "localhost", "/rm/a", 301, 0},
		{18473, "localhost", "/rm2", 302, 0},
		{18473, "localhost", "/~alice/a.html", 200, 0},
		{18473, "localhost", "/~alice", 301, 0},
		{18473, "localhost", "/~alice/missing", 404, 0},
		{18473, "localhost", "/~bob/a.html", 403, simulate.KindNoSearch},
		{18473, "localhost", "/~root/a.html", 404, 0},
		{18473, "localhost", "/~zed/a.html", 404, 0}, // no such user (not "nobody": nss-systemd makes one)
	},
}, {
	name:  "rewrite",
	ports: []int{18474, 18475},
	tree: head + `LoadModule autoindex_module /usr/lib/apache2/modules/mod_autoindex.so
LoadModule rewrite_module /usr/lib/apache2/modules/mod_rewrite.so
Listen 127.0.0.1:18474
Listen 127.0.0.1:18475
ServerName localhost
DocumentRoot /srv/www
RewriteEngine On
RewriteRule ^/srvdeny - [F]
RewriteRule ^/old/(.*)$ /new/$1 [R=301,L]
RewriteRule ^/gone - [G]
RewriteRule ^/r403 - [R=403]
RewriteRule ^/tofile$ /srv/data/f.html [L]
RewriteRule ^/tourl$ /a.html [L]
RewriteRule ^/pt$ /data/f.html [PT]
RewriteRule ^/nopt$ /data/f.html
RewriteCond %{REQUEST_URI} ^/cond
RewriteRule ^ - [F]
RewriteRule ^/nc$ - [F,NC]
RewriteCond %{REQUEST_FILENAME} -f
RewriteRule ^/srvf - [F]
RewriteRule ^/idxrw/index\.html$ /a.html
RewriteCond %{HTTP_REFERER} !^$
RewriteCond %{HTTP_REFERER} !^http://localhost/ [NC]
RewriteRule \.png$ - [F]
RewriteCond %{HTTP_USER_AGENT} bot [NC]
RewriteRule ^/ua - [F]
RewriteCond %{HTTPS} off
RewriteRule ^/secure(.*)$ https://%{HTTP_HOST}/secure$1 [R=301,L]
RewriteRule ^/ext$ http://example.com/
RewriteCond %{QUERY_STRING} =""
RewriteRule ^/eq$ - [F]
RewriteCond %{REQUEST_METHOD} =POST
RewriteRule ^/post$ - [F]
Alias /data /srv/data
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory /srv/www>
    Require all granted
</Directory>
<Directory /srv/data>
    Require all granted
</Directory>
<Directory /srv/www/wp>
    RewriteEngine On
    RewriteBase /wp/
    RewriteRule ^index\.php$ - [L]
    RewriteCond %{REQUEST_FILENAME} !-f
    RewriteCond %{REQUEST_FILENAME} !-d
    RewriteRule . /wp/index.php [L]
</Directory>
<Directory /srv/www/lv>
    RewriteEngine On
    RewriteCond %{REQUEST_FILENAME} !-d
    RewriteCond %{REQUEST_FILENAME} !-f
    RewriteRule ^ index.php [L]
</Directory>
<Directory /srv/www/lv/sub>
    Options +Indexes
</Directory>
<Directory /srv/www/lv/own>
    RewriteEngine On
</Directory>
<Directory /srv/www/dirdeny>
    RewriteEngine On
    RewriteRule \.secret$ - [F]
    RewriteRule ^x\.html$ y.html
</Directory>
<Directory /srv/www/nosym>
    Options None
    RewriteEngine On
    RewriteRule ^zzz - [F]
</Directory>
<Directory /srv/www/loop>
    RewriteEngine On
    RewriteRule ^(.*)$ a/$1
</Directory>
<Directory /srv/www/endd>
    RewriteEngine On
    RewriteRule ^x\.html$ y.html [END]
</Directory>
<Directory /srv/www/base>
    RewriteEngine On
    RewriteBase /other
    RewriteRule ^x\.html$ y.html
</Directory>
<Directory /srv/www/same>
    RewriteEngine On
    RewriteRule ^(a\.html)$ $1
</Directory>
<VirtualHost *:18475>
    DocumentRoot /srv/www
    RewriteRule ^/vdeny - [F]
</VirtualHost>
-- srv/www/a.html --
-- srv/www/srvfile --
-- srv/data/f.html --
-- srv/www/new/x --
-- srv/www/wp/index.php --
-- srv/www/wp/exists.html --
-- srv/www/wp/sub/a.html --
-- srv/www/lv/index.php --
-- srv/www/lv/real.html --
-- srv/www/lv/sub/a.html --
-- srv/www/lv/own/a.html --
-- srv/www/dirdeny/a.secret --
-- srv/www/nosym/a.html --
-- srv/www/loop/a.html --
-- srv/www/endd/y.html --
-- srv/www/base/y.html --
-- srv/other/y.html --
-- srv/www/same/a.html --
-- srv/www/idxrw/x.html --
-- srv/www/pic.png --
-- srv/www/ua --
`,
	reqs: []request{
		{18474, "localhost", "/a.html", 200, 0},
		{18474, "localhost", "/srvdeny", 403, simulate.KindDenyOvermatch},
		{18474, "localhost", "/srvdenyx/a", 403, simulate.KindDenyOvermatch},
		{18474, "localhost", "/old/x", 301, 0},
		{18474, "localhost", "/gone", 410, 0},
		{18474, "localhost", "/r403", 403, simulate.KindDenyOvermatch},
		{18474, "localhost", "/tofile", 200, 0},
		{18474, "localhost", "/tourl", 200, 0},
		{18474, "localhost", "/pt", 200, 0},
		{18474, "localhost", "/nopt", 404, 0},
		{18474, "localhost", "/cond", 403, simulate.KindDenyOvermatch}, // a condition on the URL refuses every client
		{18474, "localhost", "/NC", 403, simulate.KindDenyOvermatch},
		{18474, "localhost", "/srvfile", 200, 0},
		{18474, "localhost", "/wp/anything", 200, 0},
		{18474, "localhost", "/wp/deep/er/path", 200, 0},
		{18474, "localhost", "/wp/exists.html", 200, 0},
		{18474, "localhost", "/wp/", 403, simulate.KindIndexMissing},
		{18474, "localhost", "/wp/sub/", 403, simulate.KindIndexMissing},
		{18474, "localhost", "/wp/sub/a.html", 200, 0},
		{18474, "localhost", "/wp/index.php", 200, 0},
		{18474, "localhost", "/lv/foo", 200, 0},
		{18474, "localhost", "/lv/real.html", 200, 0},
		{18474, "localhost", "/lv/sub/", 200, 0},
		{18474, "localhost", "/lv/sub/missing", 200, 0},
		{18474, "localhost", "/lv/own/missing", 404, 0},
		{18474, "localhost", "/dirdeny/a.secret", 403, simulate.KindDenyOvermatch},
		{18474, "localhost", "/dirdeny/x.html", 404, 0},
		{18474, "localhost", "/nosym/a.html", 403, simulate.KindSymlinkDenied},
		{18474, "localhost", "/loop/a.html", 500, 0},
		{18474, "localhost", "/endd/x.html", 200, 0},
		{18474, "localhost", "/base/x.html", 404, 0}, // RewriteBase /other: /other/y.html is not below the DocumentRoot
		{18474, "localhost", "/same/a.html", 200, 0},
		{18474, "localhost", "/idxrw/", unsure, 0}, // the index subrequest is rewritten
		{18474, "localhost", "/pic.png", 200, 0},   // hot-link protection: no Referer passes
		{18474, "localhost", "/ua", unsure, 0},     // the User-Agent is the client's
		{18474, "localhost", "/secure/a", 301, 0},
		{18474, "localhost", "/ext", 302, 0},
		{18474, "localhost", "/eq", 403, simulate.KindDenyRule},
		{18474, "localhost", "/post", 404, 0},
		{18475, "localhost", "/vdeny", 403, simulate.KindDenyOvermatch},
		{18475, "localhost", "/srvdeny", 404, 0},
	},
}, {
	name:  "fallback",
	ports: []int{18476},
	tree: head + `LoadModule cgid_module /usr/lib/apache2/modules/mod_cgid.so
Listen 127.0.0.1:18476
ServerName localhost
DocumentRoot /srv/www
AddHandler cgi-script .cgi
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory /srv/www>
    Require all granted
    FallbackResource /index.php
</Directory>
<Directory /srv/www/rel>
    FallbackResource front.html
</Directory>
<Directory /srv/www/broken>
    FallbackResource /nothing.php
</Directory>
<Directory /srv/www/off>
    FallbackResource disabled
</Directory>
<Directory /srv/www/closed>
    FallbackResource /private/front.html
</Directory>
<Directory /srv/www/private>
    Require all denied
</Directory>
<Directory /srv/www/idx>
    DirectoryIndex index.cgi
</Directory>
-- srv/www/index.php --
-- srv/www/a.html --
-- srv/www/rel/front.html --
-- srv/www/rel/sub/a.html --
-- srv/www/broken/a.html --
-- srv/www/off/a.html --
-- srv/www/closed/a.html --
-- srv/www/private/front.html --
-- srv/www/idx/index.cgi --
`,
	reqs: []request{
		{18476, "localhost", "/a.html", 200, 0},
		{18476, "localhost", "/missing", 200, 0},
		{18476, "localhost", "/deep/missing/path", 200, 0},
		{18476, "localhost", "/a.html/extra", 404, 0},
		{18476, "localhost", "/x.cgi", 403, simulate.KindExecCGIOff},
		{18476, "localhost", "/rel/missing", 200, 0},
		{18476, "localhost", "/rel/sub/missing", 500, 0}, // the fallback falls back to itself
		{18476, "localhost", "/broken/missing", 200, 0},  // the subrequest falls back to /index.php
		{18476, "localhost", "/off/missing", 404, 0},
		{18476, "localhost", "/closed/missing", 403, simulate.KindDenyOvermatch}, // the subrequest's 403
		{18476, "localhost", "/idx/", unsure, 0},
	},
}}

func init() { trees = append(trees, mappingTrees...) }

// TestMappingCauses checks the causes of refusals: the rule, the
// setting, the line responsible and the log message.
func TestMappingCauses(t *testing.T) {
	sims, confs := map[string]*Simulator{}, map[string]string{}
	for _, tt := range mappingTrees {
		_, sims[tt.name] = load(t, tt)
		confs[tt.name] = tt.tree[strings.Index(tt.tree, "--\n")+3:]
	}
	for _, c := range []struct {
		tree      string
		port      int
		path      string
		rule      string
		directive string
		// line is the text of the directive responsible, found in the
		// tree's apache2.conf (its last line is the directive); "" for
		// none.
		line   string
		at     string
		reason string
	}{
		{"symlinks", 18470, "/nofollow/link.html", RuleSymlinkDenied, "Options FollowSymLinks", "<Directory /srv/www/nofollow>\n    Options None", "/srv/www/nofollow/link.html", "AH00037: Symbolic link not allowed or link target not accessible"},
		{"symlinks", 18470, "/owner/other.html", RuleSymlinkDenied, "Options FollowSymLinks", "Options SymLinksIfOwnerMatch", "/srv/www/owner/other.html", "AH00037: Symbolic link not allowed or link target not accessible"},
		{"symlinks", 18470, "/dangling.html", RuleSymlinkDenied, "Options FollowSymLinks", "", "/srv/www/dangling.html", "AH00037: Symbolic link not allowed or link target not accessible"},
		{"aliases", 18473, "/x.cgi", RuleExecCGIOff, "Options ExecCGI", "AddHandler cgi-script .cgi", "/srv/www/x.cgi", "AH01262: stderr from /srv/www/x.cgi: Options ExecCGI is off in this directory"},
		{"aliases", 18473, "/sh/a.html", RuleExecCGIOff, "Options ExecCGI", "SetHandler cgi-script", "/srv/www/sh/a.html", "AH01262: stderr from /srv/www/sh/a.html"},
		{"aliases", 18473, "/forbidden", RuleRedirectStatus, "", "Redirect 403 /forbidden", "", "Redirect answers 403"},
		{"rewrite", 18474, "/srvdeny", RuleRewriteForbidden, "", "RewriteRule ^/srvdeny - [F]", "/srvdeny", "RewriteRule ^/srvdeny - [F] forces 403"},
		{"rewrite", 18474, "/cond", RuleRewriteForbidden, "", "RewriteRule ^ - [F]", "/cond", "RewriteRule ^ - [F] forces 403"},
		{"rewrite", 18474, "/nosym/a.html", RuleSymlinkDenied, "Options FollowSymLinks", "<Directory /srv/www/nosym>\n    Options None", "/srv/www/nosym/a.html", "AH00670: Options FollowSymLinks and SymLinksIfOwnerMatch are both off"},
	} {
		line := 0
		if c.line != "" {
			n := strings.Index(confs[c.tree], c.line+"\n")
			if n < 0 {
				t.Fatalf("%s: no %q in the config", c.path, c.line)
			}
			line = strings.Count(confs[c.tree][:n+len(c.line)], "\n") + 1
		}
		d := request{c.port, "localhost", c.path, 403, 0}.simulate(t, sims[c.tree])
		if d.Cause == nil || d.Cause.Rule != c.rule || d.Cause.Directive != c.directive ||
			d.Cause.Range.Start.Line != line || d.Cause.Path != c.at || !strings.HasPrefix(d.Cause.Reason, c.reason) {
			t.Errorf("%s: cause %+v, want %s (%s) at line %d on %q: %s", c.path, d.Cause, c.rule, c.directive, line, c.at, c.reason)
		}
	}
}
