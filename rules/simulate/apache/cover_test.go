package apache

// coverTrees are the test trees of what the real applications' .htaccess
// files need (realapps_test.go): mod_rewrite's [E=] flag, PCRE
// lookaheads, handlers no module claims, <IfModule> inside sections, and
// the header, expiry and output-filter directives of a .htaccess file
// with and without their modules. TestSimulate and TestRealApache run
// them with the trees of sim_test.go.
var coverTrees = []testTree{{
	name:  "htaccess-coverage",
	ports: []int{18485},
	tree: head + `LoadModule rewrite_module /usr/lib/apache2/modules/mod_rewrite.so
LoadModule autoindex_module /usr/lib/apache2/modules/mod_autoindex.so
LoadModule filter_module /usr/lib/apache2/modules/mod_filter.so
LoadModule expires_module /usr/lib/apache2/modules/mod_expires.so
LoadModule access_compat_module /usr/lib/apache2/modules/mod_access_compat.so
Listen 127.0.0.1:18485
ServerName localhost
DocumentRoot /srv/www
<Directory />
    Options FollowSymLinks
    AllowOverride None
    Require all denied
</Directory>
<Directory /srv/www>
    Options FollowSymLinks
    AllowOverride All
    Require all granted
</Directory>
<Directory /srv/www/gate>
    Require env REDIRECT_PASS
</Directory>
<Directory /srv/www/lim1>
    AllowOverride Indexes
</Directory>
<Directory /srv/www/lim2>
    AllowOverride AuthConfig
</Directory>
<Directory /srv/www/lim3>
    AllowOverride Limit
</Directory>
<Directory /srv/www/lim4>
    AllowOverride FileInfo
</Directory>
<Directory /srv/www/lim5>
    Require ip 10.9.8.7
</Directory>
<Directory /srv/www/lim7>
    Deny from all
</Directory>
-- srv/www/a.html --
-- srv/www/env/.htaccess --
RewriteEngine On
RewriteRule .* - [E=HTTP_AUTHORIZATION:%{HTTP:Authorization}]
RewriteRule ^old$ new.html [E=!GONE,L]
RewriteCond %{HTTP:Authorization} .
RewriteRule ^auth$ - [F]
RewriteRule ^pass$ /gate/ok.html [E=PASS:1,L]
RewriteRule ^nopass$ /gate/ok.html [L]
-- srv/www/env/new.html --
-- srv/www/env/x.html --
-- srv/www/gate/ok.html --
-- srv/www/look/.htaccess --
<FilesMatch "^\.(?!well-known)">
    Require all denied
</FilesMatch>
RewriteEngine On
RewriteRule ^(?!keep)[a-z]+\.txt$ - [R=404,L]
-- srv/www/look/.env --
-- srv/www/look/.well-known --
-- srv/www/look/keep.txt --
-- srv/www/look/drop.txt --
-- srv/www/look/A.txt --
-- srv/www/handler/.htaccess --
SetHandler Drupal_Security_Do_Not_Remove_See_SA_2006_006
Options -Indexes
-- srv/www/handler/photo.jpg --
-- srv/www/handler/sub/x.html --
-- srv/www/handler/idx/index.html --
-- srv/www/addh/.htaccess --
AddHandler application/x-httpd-ea-php81 .php
DirectoryIndex index.php
-- srv/www/addh/index.php --
<?php echo 1;
-- srv/www/addh/empty/x --
-- srv/www/nested/.htaccess --
<FilesMatch "\.(sql|bak)$">
    <IfModule mod_authz_core.c>
        Require all denied
    </IfModule>
    <IfModule !mod_authz_core.c>
        Order allow,deny
    </IfModule>
</FilesMatch>
-- srv/www/nested/dump.sql --
-- srv/www/nested/a.txt --
-- srv/www/hdr/.htaccess --
Header set X-Frame-Options DENY
-- srv/www/hdr/a.html --
-- srv/www/hdrif/.htaccess --
<IfModule mod_headers.c>
    Header set X-Frame-Options DENY
</IfModule>
<If "%{HTTPS} == 'on'">
    Header always set Strict-Transport-Security "max-age=1"
</If>
-- srv/www/hdrif/a.html --
-- srv/www/exp/.htaccess --
ExpiresActive On
ExpiresDefault "access plus 1 month"
ExpiresByType text/css "access plus 1 year"
ExpiresByType image/png A3600
-- srv/www/exp/a.html --
-- srv/www/expbad/.htaccess --
ExpiresDefault "access plus 1 fortnight"
-- srv/www/expbad/a.html --
-- srv/www/expflag/.htaccess --
ExpiresActive maybe
-- srv/www/expflag/a.html --
-- srv/www/filter/.htaccess --
<IfModule mod_filter.c>
    AddOutputFilterByType DEFLATE text/html text/css
</IfModule>
-- srv/www/filter/a.html --
-- srv/www/filterok/.htaccess --
<IfModule mod_deflate.c>
    AddOutputFilterByType DEFLATE text/html text/css
</IfModule>
-- srv/www/filterok/a.html --
-- srv/www/compat/.htaccess --
Order deny,allow
Deny from all
Allow from 10.1.1.1
-- srv/www/compat/x.html --
-- srv/www/compat/e/.htaccess --
Allow from 10.9.9.9
-- srv/www/compat/e/x.html --
-- srv/www/compat/s/.htaccess --
Satisfy all
-- srv/www/compat/s/x.html --
-- srv/www/compat/o/.htaccess --
Order allow,deny
-- srv/www/compat/o/x.html --
-- srv/www/slash/.htaccess --
Options -FollowSymLinks
RewriteEngine On
RewriteRule ^nothing$ - [F]
-- srv/www/slash/sub/x.html --
-- srv/www/slashp/.htaccess --
Options -FollowSymLinks
-- srv/www/slashp/sub/.htaccess --
RewriteEngine On
RewriteRule ^nothing$ - [F]
-- srv/www/slashp/sub/x.html --
-- srv/www/lim1/.htaccess --
<Limit POST>
</Limit>
-- srv/www/lim1/x.html --
-- srv/www/lim2/.htaccess --
<Limit POST>
    Require all denied
</Limit>
-- srv/www/lim2/x.html --
-- srv/www/lim3/.htaccess --
<Limit POST>
    Deny from all
</Limit>
-- srv/www/lim3/x.html --
-- srv/www/lim4/.htaccess --
<LimitExcept GET>
</LimitExcept>
-- srv/www/lim4/x.html --
-- srv/www/lim5/.htaccess --
<LimitExcept GET>
    Require all denied
</LimitExcept>
-- srv/www/lim5/x.html --
-- srv/www/lim5/sub/.htaccess --
Require ip 10.9.8.7
<LimitExcept GET>
    Require all denied
</LimitExcept>
-- srv/www/lim5/sub/x.html --
-- srv/www/lim7/.htaccess --
<Limit POST>
    Deny from all
</Limit>
-- srv/www/lim7/x.html --
-- srv/www/ctx1/.htaccess --
AllowOverride None
-- srv/www/ctx1/x.html --
-- srv/www/ctx2/.htaccess --
Alias /x /srv
-- srv/www/ctx2/x.html --
-- srv/www/ctx3/.htaccess --
<Directory /srv>
</Directory>
-- srv/www/ctx3/x.html --
-- srv/www/neg1/.htaccess --
Require all granted
Require not ip 10.9.8.7
-- srv/www/neg1/x.html --
-- srv/www/neg2/.htaccess --
<RequireAll>
    Require all granted
    Require not ip 10.9.8.7
</RequireAll>
-- srv/www/neg2/x.html --
-- srv/www/neg3/.htaccess --
<Files x.html>
    Require not ip 10.9.8.7
</Files>
-- srv/www/neg3/x.html --
-- srv/www/mv/.htaccess --
Options +MultiViews
-- srv/www/mv/x.html --
-- srv/www/front/.htaccess --
RewriteEngine On
RewriteRule ^(sub)?$ x.html [L]
-- srv/www/front/x.html --
-- srv/www/front/sub/a.html --
`,
	reqs: []request{
		{18485, "localhost", "/a.html", 200, 0},
		// [E=] sets a variable and changes nothing else.
		{18485, "localhost", "/env/x.html", 200, 0},
		{18485, "localhost", "/env/old", 200, 0},
		{18485, "localhost", "/env/auth", 404, 0},
		{18485, "localhost", "/env/missing", 404, 0},
		// ... but a later request's Require env sees it renamed after
		// the internal redirect: not modelled.
		{18485, "localhost", "/env/pass", unsure, 0},
		{18485, "localhost", "/env/nopass", unsure, 0},
		{18485, "localhost", "/gate/ok.html", 403, 0},
		// lookaheads in <FilesMatch> and RewriteRule
		{18485, "localhost", "/look/.env", 403, 0},
		{18485, "localhost", "/look/.well-known", 200, 0},
		{18485, "localhost", "/look/keep.txt", 200, 0},
		{18485, "localhost", "/look/drop.txt", 404, 0},
		{18485, "localhost", "/look/A.txt", 200, 0},
		// a handler no module claims: core's default handler
		{18485, "localhost", "/handler/photo.jpg", 200, 0},
		{18485, "localhost", "/handler/missing.jpg", 404, 0},
		{18485, "localhost", "/handler/sub/", 404, 0},
		{18485, "localhost", "/handler/sub", 301, 0},
		{18485, "localhost", "/handler/idx/", 200, 0},
		{18485, "localhost", "/addh/index.php", 200, 0},
		{18485, "localhost", "/addh/", 200, 0},
		{18485, "localhost", "/addh/empty/", 403, 0},
		// <IfModule> inside <FilesMatch>
		{18485, "localhost", "/nested/dump.sql", 403, 0},
		{18485, "localhost", "/nested/a.txt", 200, 0},
		// mod_headers not loaded: Invalid command, also inside <If>
		{18485, "localhost", "/hdr/a.html", 500, 0},
		{18485, "localhost", "/hdrif/a.html", 500, 0},
		// mod_expires loaded: harmless, unless its arguments are refused
		{18485, "localhost", "/exp/a.html", 200, 0},
		{18485, "localhost", "/expbad/a.html", unsure, 0},
		{18485, "localhost", "/expflag/a.html", 500, 0},
		// mod_filter without mod_deflate: Unknown filter provider
		{18485, "localhost", "/filter/a.html", 500, 0},
		{18485, "localhost", "/filterok/a.html", 200, 0},
		// mod_access_compat has no merger: a section with any of its
		// lines replaces all of the inherited ones
		{18485, "localhost", "/compat/x.html", 403, 0},
		{18485, "localhost", "/compat/e/x.html", 200, 0},
		{18485, "localhost", "/compat/s/x.html", 200, 0},
		{18485, "localhost", "/compat/o/x.html", 403, 0},
		// per-directory rules skip a directory lacking its slash
		// (mod_dir redirects it), before the FollowSymLinks check
		{18485, "localhost", "/slash", 301, 0},
		{18485, "localhost", "/slash/", 403, 0},
		{18485, "localhost", "/slash/sub", 403, 0},
		{18485, "localhost", "/slash/sub/x.html", 403, 0},
		{18485, "localhost", "/slashp/sub", 301, 0},
		{18485, "localhost", "/slashp/sub/", 403, 0},
		// a per-directory rewrite of a directory lacking its slash: its
		// internal redirect waits for the handler, mod_dir's fixup
		// redirects first
		{18485, "localhost", "/front/sub", 301, 0},
		{18485, "localhost", "/front/", 200, 0},
		{18485, "localhost", "/front/sub/", 403, 0},
		// <Limit> and <LimitExcept> in .htaccess: their override class
		{18485, "localhost", "/lim1/x.html", 500, 0},
		{18485, "localhost", "/lim2/x.html", 200, 0},
		{18485, "localhost", "/lim3/x.html", 200, 0},
		{18485, "localhost", "/lim4/x.html", 500, 0},
		// Require or Deny lines for other methods only: the section
		// grants GET, and replaces the inherited lines
		{18485, "localhost", "/lim5/x.html", 200, 0},
		{18485, "localhost", "/lim5/sub/x.html", 403, 0},
		{18485, "localhost", "/lim7/x.html", 200, 0},
		// directives of the server config or <Directory> only
		{18485, "localhost", "/ctx1/x.html", 500, 0},
		{18485, "localhost", "/ctx2/x.html", 500, 0},
		{18485, "localhost", "/ctx3/x.html", 500, 0},
		// a negated Require outside <RequireAll>
		{18485, "localhost", "/neg1/x.html", 500, 0},
		{18485, "localhost", "/neg2/x.html", 200, 0},
		{18485, "localhost", "/neg3/x.html", 500, 0},
		// MultiViews without mod_negotiation changes nothing
		{18485, "localhost", "/mv/x.html", 200, 0},
		{18485, "localhost", "/mv/x", 404, 0},
	},
}}

func init() { trees = append(trees, coverTrees...) }
