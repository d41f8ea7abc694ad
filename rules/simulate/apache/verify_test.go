package apache

// verifyTrees are the cases settled against real Apache while checking
// what the loader accepts (issue 14): they run with the others, on the
// simulator and, under UNFORBID_E2E=1, on real Apache (TestRealApache).
var verifyTrees = []testTree{{
	// httpd 2.4 documents "AllowOverride None" as the default, but with
	// AllowOverride never set Debian's apache2 2.4 does read .htaccess
	// files: every directive in one is "not allowed here" (500), an
	// Invalid command too (500); a file of comments only is harmless.
	// Measured with apache2 2.4 (Debian) on 127.0.0.1.
	name:  "allowoverride-unset",
	ports: []int{18488},
	tree: head + `Listen 127.0.0.1:18488
ServerName localhost
DocumentRoot /srv/www
<Directory />
    Require all denied
</Directory>
<Directory /srv/www>
    Require all granted
</Directory>
-- srv/www/index.html --
hi
-- srv/www/denied/.htaccess --
Require all denied
-- srv/www/denied/index.html --
d
-- srv/www/bogus/.htaccess --
Bogusdirective on
-- srv/www/bogus/index.html --
b
-- srv/www/comment/.htaccess --
# nothing but a comment
-- srv/www/comment/index.html --
c
`,
	reqs: []request{
		{18488, "localhost", "/", 200, 0},
		{18488, "localhost", "/denied/", 500, 0},
		{18488, "localhost", "/bogus/", 500, 0},
		{18488, "localhost", "/comment/", 200, 0},
	},
}}

func init() { trees = append(trees, verifyTrees...) }
