package rules

// All is every rule, in the order `unforbid rules` prints them.
var All = []*Rule{
	{
		ID: "nginx/index-missing", Server: "nginx", Severity: Error,
		Doc: Doc{
			Title: "directory without index file while autoindex is off",
			Text: `A request for a directory (a URI ending in "/") is answered by the index module with the first
name of the "index" directive that exists. When none exists and autoindex is off, nginx answers
403 and logs: directory index of "<dir>/" is forbidden. Debian's "try_files $uri $uri/ =404;"
leads every index-less directory there. What the directory holds tells whether it was meant to
open (pages versus assets): reported as an error for a site's home page, for a directory that
holds an index under another name (index.php, index.htm) than "index" lists, for a directory
that holds pages (.html .htm .xhtml .xht .shtml .shtm, but not error pages such as 404.html or
vendored LICENSE.html) and for a directory a page of the site links to. A directory of assets
(css, js, source maps, images, fonts, audio, video), of documents (PDFs, office files, text,
Markdown: uploads are linked one by one) or of scripts run by a backend (.php) is not meant to be
listed: reported at info level, counted per location.`,
			Before: "root /srv/shop;           # /srv/shop has only index.php\nindex index.html;",
			After:  "root /srv/shop;\nindex index.php index.html;",
		},
	},
	{
		ID: "nginx/deny-overmatch", Server: "nginx", Severity: Error,
		Doc: Doc{
			Title: "a deny meant for hidden files also blocks public paths",
			Text: `A location written to protect secrets, such as "location ~ /\. { deny all; }", also matches
/.well-known/ (ACME http-01 challenges, security.txt, openid-configuration): certificate
renewals fail with 403 "access forbidden by rule". Denies that protect real secrets (.git, .env,
.ht*, backups, keys, dumps) and explicit allowlists are intended and not reported.`,
			Before: "location ~ /\\. {\n    deny all;\n}",
			After:  "location ^~ /.well-known/acme-challenge/ {\n    allow all;\n}\nlocation ~ /\\.(?!well-known) {\n    deny all;\n}",
		},
	},
	{
		ID: "nginx/index-redirect-denied", Server: "nginx", Severity: Error,
		Doc: Doc{
			Title: "the index redirect lands in a location that denies it",
			Text: `For a directory request the index module redirects internally to <dir>/<index>, which
searches the locations again. With "location = / { index index.html; }" next to
"location / { deny all; }" the home page answers 403: /index.html is refused by the second
location. Reported when the directory's location sets its own index directive.`,
			Before: "location = / { index index.html; }\nlocation / { deny all; }",
			After:  "location = / { index index.html; }\nlocation = /index.html { }\nlocation / { deny all; }",
		},
	},
	{
		ID: "nginx/symlink-denied", Server: "nginx", Severity: Warning,
		Doc: Doc{
			Title: "disable_symlinks refuses a symbolic link",
			Text: `With "disable_symlinks on", a symbolic link as the last path component answers 403
(openat() ... failed (40: Too many levels of symbolic links)); with "if_not_owner" a link whose
owner differs from its target's does. A symlinked directory in the middle of the path answers
404 instead.`,
			Before: "disable_symlinks on;      # /srv/www/logo.png -> /srv/assets/logo.png",
			After:  "disable_symlinks if_not_owner;   # and chown -h to the target's owner",
		},
	},
	{
		ID: "nginx/auth-file-missing", Server: "nginx", Severity: Error,
		Doc: Doc{
			Title: "auth_basic_user_file does not exist",
			Text: `When credentials are sent and the auth_basic_user_file does not exist, nginx answers 403
(open() "<file>" failed (2: No such file or directory)). A relative name resolves against the
directory of nginx.conf, not the including file.`,
			Before: "auth_basic_user_file htpasswd;           # /etc/nginx/htpasswd missing",
			After:  "auth_basic_user_file /etc/nginx/.htpasswd;",
		},
	},
	{
		ID: "nginx/auth-file-unreadable", Server: "nginx", Severity: Error,
		Doc: Doc{
			Title: "auth_basic_user_file cannot be read by the workers",
			Text: `An auth_basic_user_file the worker user cannot read makes every authenticated request answer
500 (logged at crit as open() "<file>" failed (13: Permission denied)).`,
			Before: "-rw------- root root /etc/nginx/.htpasswd",
			After:  "-rw-r----- root www-data /etc/nginx/.htpasswd",
		},
	},
	{
		ID: "fs/unreadable-file", Severity: Error,
		Doc: Doc{
			Title: "served file not readable by the worker user",
			Text: `The static module opens the file as the worker user; without read permission (mode 600
uploads, files owned by another user) nginx answers 403: open() "<file>" failed (13: Permission
denied). Behind try_files the same file answers 404 or falls through to the fallback. Secrets
(.env, keys, backups) that are unreadable on purpose are not reported, unless a page of the
site links to them. A refusal written down in an ACL is intended and reported at info level: an
entry naming the worker user or one of its groups without read (user:www-data:---), or a mode
that denies the worker while the ACL grants read to other named users or groups (a file shared
with alice only). An entry that grants www-data read but is cut by the mask (a chmod after
setfacl) is an accident and stays an error.`,
			Before: "-rw------- alice alice /srv/www/report.pdf",
			After:  "-rw-r----- alice www-data /srv/www/report.pdf",
		},
	},
	{
		ID: "fs/no-search-permission", Severity: Error,
		Doc: Doc{
			Title: "a directory on the path lacks the search bit",
			Text: `Every directory from / down to a served file needs the search (x) permission for the worker
user; a home directory of mode 700 or 750 hides every file below it. nginx answers 403
(open() ... failed (13: Permission denied)), or 404 when try_files skips the unreachable
candidates. One finding covers all the files the directory hides. An ACL entry that names the
worker user or one of its groups without x (user:www-data:---) is a decision: info.`,
			Before: "drwx------ alice alice /home/alice   # root /home/alice/public_html",
			After:  "drwx--x--- alice www-data /home/alice",
		},
	},
	{
		ID: "fs/unreadable-directory", Severity: Warning,
		Doc: Doc{
			Title: "directory served without read permission",
			Text: `A directory URI without its trailing slash is opened to answer the 301 redirect, and autoindex
lists a directory: both need read permission on it. Mode 711 answers 403 for /dir while /dir/
works. A warning for a directory that holds pages (see nginx/index-missing); a directory of
assets or documents whose files all serve is one deliberately not listed, reported at info
level, and so is one whose ACL names the worker without read.`,
			Before: "drwx--x--x root root /srv/www/docs",
			After:  "drwxr-xr-x root root /srv/www/docs",
		},
	},
	{
		ID: "fs/symlink-loop", Severity: Warning,
		Doc: Doc{
			Title:  "symbolic link loop under a docroot",
			Text:   `A symbolic link that points back to itself (ELOOP) answers 403.`,
			Before: "/srv/www/a -> b, /srv/www/b -> a",
			After:  "remove or fix the links",
		},
	},
	{
		ID: "nginx/deny-rule", Server: "nginx", Severity: Info,
		Doc: Doc{
			Title: "allow/deny refuses the client (reported when linked)",
			Text: `The first allow or deny rule that matches the client address decides; a level with its own
rules replaces the outer list. Denies are usually intended, so only those that overmatch
(nginx/deny-overmatch) are reported; explain shows every one. A deny that refuses a URL the
site's own pages link to (a linked install.sh caught by "location ~* \.(sh|sql|bak)$ { deny
all; }") is unintended beyond doubt: reported as an error with the linking page as related
location, unless the deny admits some client (an allowlist for loopback or private addresses,
whose link is meant for the clients it admits).`,
			Before: "location /admin/ { allow 10.0.0.0/8; deny all; }",
			After:  "(intended)",
		},
	},
	{
		ID: "nginx/return-status", Server: "nginx", Severity: Info,
		Doc: Doc{
			Title: "an explicit return answers an error (reported when linked)",
			Text: `"return 403;" is written on purpose and not reported; explain shows it. A return 403 for a URL
the site's own pages link to is reported as an error, with the linking page as related
location.`,
			Before: "location ~ \\.sql$ { return 403; }",
			After:  "(intended)",
		},
	},
}
