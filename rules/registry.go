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
			Title: "a deny that admits no one refuses public content",
			Text: `A deny (or an unconditional "return 403" in a location) is judged by the files it refuses.
Refusing secrets is intended: dotfiles (but /.well-known/), .git, .env, .ht*, keys, backups,
dumps, logs, archives that are no release, and build files at the top of the site (Makefile,
composer.json, build.sh). Refusing public content is not: images, audio and video, documents
(pdf, office), fonts, feeds, release downloads (versioned archives, or under downloads/,
releases/, dist/), and the well-known files crawlers and browsers ask for (robots.txt,
sitemap.xml, favicon.ico, humans.txt, ads.txt, security.txt, web manifests, /.well-known/*,
so ACME renewals). Such a deny is reported once, with the count, kinds and examples of the
public files it refuses, in prefix or regex locations, at server level and in included
snippets. Intended and never reported: an allowlist that admits someone ("allow 10.0.0.0/8;
deny all;") — except one of private networks only, in a location narrower than "location /"
of a site the internet reaches, that keeps well-known files (ads.txt, security.txt, ACME
challenges) from the internet that asks for them (Drupal's recipe: "location ~* \.(txt|log)$
{ allow 192.168.0.0/16; deny all; }" before its well-known location) —, rules of a
limit_except block, a return 403 inside an if (hotlink protection),
and a deny whose comment (on its line or the line above, or on its location's) names the
kind of content it refuses ("# no hotlinking of images"). A comment that names something
else ("# no PHP in uploads") is quoted in the message: it disagrees with what is refused.`,
			Before: "location ~* \\.(txt|log)$ {   # logs\n    deny all;\n}",
			After:  "location ~* \\.log$ {\n    deny all;\n}",
		},
	},
	{
		ID: "nginx/access-rule-shadowed", Server: "nginx", Severity: Warning,
		Doc: Doc{
			Title: "an allow or deny that an earlier rule always shadows",
			Text: `nginx takes the first allow or deny that matches the client address, in the order written
in the block: after "deny all;" an "allow 10.0.0.1;" never applies, so 10.0.0.1 is refused
too. Reported at the shadowed rule, with the earlier rule as related location, when an earlier
rule of the same block matches every client the later one names: "all", "unix:" for "unix:",
or a network of the same address family (IPv4 and IPv6 are separate lists) that contains the
later one; or when the earlier rules together do ("deny 10.0.0.0/9; deny 10.128.0.0/9;" cover
10.0.0.0/8, exactly computed), with each of them as related location. A rule shadowed only
by rules of the same effect changes nothing and is only info.`,
			Before: "deny all;\nallow 10.0.0.1;",
			After:  "allow 10.0.0.1;\ndeny all;",
		},
	},
	{
		ID: "nginx/site-refuses-all", Server: "nginx", Severity: Warning,
		Doc: Doc{
			Title: "a site answers 403 to every request",
			Text: `Every location of the server (and the server level, when some URI matches no location)
refuses every client address by its allow/deny rules or an unconditional "return 403;": a
leftover "deny all;" or "return 403;" at server level, or "location / { deny all; }" (or
"{ return 403; }") with nothing else served. Reported at the deny or return that refuses "/".
Quiet when anyone is admitted (an allowlist, satisfy any with a login), when the return 403
stands inside an if, when another return or rewrite answers first, when an error_page takes
the 403, for a catch-all server without a name next to named servers on its port, and for
the default_server of a shared port whose server-level "return 403;" answers unknown hosts
(both refuse unknown hosts on purpose).`,
			Before: "server {\n    server_name example.com;\n    deny all;\n}",
			After:  "server {\n    server_name example.com;\n}",
		},
	},
	{
		ID: "nginx/alias-slash", Server: "nginx", Severity: Error,
		Doc: Doc{
			Title: "an alias lacks the trailing slash of its location",
			Text: `alias replaces the location's name in the URI: with "location /static/ { alias
/srv/assets; }" the URI /static/logo.png maps to /srv/assetslogo.png (404) and /static/ to the
index /srv/assetsindex.html (403, directory index of "/srv/assets" is forbidden). Reported at
the alias when the location name ends in "/" and the alias does not.`,
			Before: "location /static/ {\n    alias /srv/assets;\n}",
			After:  "location /static/ {\n    alias /srv/assets/;\n}",
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
		ID: "apache/directory-not-granted", Server: "apache", Severity: Error,
		Doc: Doc{
			Title: "a DocumentRoot or Alias target no <Directory> grants",
			Text: `Debian's and RHEL's apache2.conf (and httpd's own advice) refuse the whole filesystem with
"<Directory /> Require all denied" and grant only /usr/share and /var/www. A DocumentRoot or
an Alias target elsewhere (/srv/site, /home/alice/public_html) that no <Directory> section
grants inherits that deny: Apache answers 403 for every file there and logs AH01630: client
denied by server configuration. Reported once per DocumentRoot or Alias directive, with the
default deny as related location. Quiet when a <Directory> at or above the tree grants it, when
.htaccess files may (AllowOverride is not None there) or when a <Location> or <Files> section
may apply.`,
			Before: "DocumentRoot /srv/site",
			After:  "DocumentRoot /srv/site\n<Directory /srv/site>\n    Require all granted\n</Directory>",
		},
	},
	{
		ID: "apache/directory-index-missing", Server: "apache", Severity: Error,
		Doc: Doc{
			Title: "directory without DirectoryIndex file, Options Indexes off",
			Text: `A request for a directory is answered by mod_dir with the first name of DirectoryIndex
(index.html by default) that exists. When none exists and Options -Indexes forbids a listing,
Apache answers 403 and logs AH01276: Cannot serve directory ...: No matching DirectoryIndex
found, and server-generated directory index forbidden by Options directive. Judged as for
nginx (pages versus assets): an error for a directory of pages, for one that holds an index
under another name, for one the site's pages link to; a directory of assets or uploads is only
info, counted per Options directive.`,
			Before: "Options -Indexes            # /srv/www/docs has only home.html",
			After:  "Options -Indexes\nDirectoryIndex index.html home.html",
		},
	},
	{
		ID: "apache/deny-overmatch", Server: "apache", Severity: Error,
		Doc: Doc{
			Title: "a Require that admits no one refuses public content",
			Text: `"Require all denied" (in a <Directory>, a .htaccess file or a <RequireAll> that admits no
client) and the 2.2-style "Order deny,allow" with "Deny from all" and no Allow
(mod_access_compat, AH01797) are judged by the files they refuse, as nginx's deny: refusing
secrets is intended, refusing images, pages, scripts, stylesheets, downloads or well-known
files to every client is not. Reported once per Require or Deny line, with the count, kinds
and examples of the public files it refuses; a comment above it that names other files is
quoted. An allowlist (Require ip, Require local, Allow from 10.0.0.0/8) is intended
(apache/require-denied); a .htaccess that refuses only .env or .git stays quiet.`,
			Before: "<Directory /srv/www/images>\n    Require all denied\n</Directory>",
			After:  "<Directory /srv/www/images>\n    Require all granted\n</Directory>",
		},
	},
	{
		ID: "apache/site-refuses-all", Server: "apache", Severity: Warning,
		Doc: Doc{
			Title: "a virtual host answers 403 to every request",
			Text: `The DocumentRoot and every Alias target of the virtual host are refused to every client by a
Require of their own <Directory> (not the default deny of <Directory />, which is
apache/directory-not-granted), and no <Directory> below grants anything: a leftover "Require
all denied". Reported at the Require; its refusals are not reported again one by one.`,
			Before: "<Directory /srv/closed>\n    Require all denied\n</Directory>",
			After:  "<Directory /srv/closed>\n    Require all granted\n</Directory>",
		},
	},
	{
		ID: "apache/require-denied", Server: "apache", Severity: Info,
		Doc: Doc{
			Title: "an allowlist Require refuses the client (intended)",
			Text: `An allowlist (Require ip 10.0.0.0/8, Require local) refuses the clients it does not name, on
purpose; explain shows it (AH01630). The scan looks behind it, so that permission problems the
admitted clients meet are found too; never behind a Require that admits no client at all
(apache/deny-overmatch).`,
			Before: "<Directory /srv/www/admin>\n    Require ip 10.0.0.0/8\n</Directory>",
			After:  "(intended)",
		},
	},
	{
		ID: "apache/symlink-denied", Server: "apache", Severity: Warning,
		Doc: Doc{
			Title: "a symbolic link Options does not let Apache follow",
			Text: `Apache follows a symbolic link in the path only with Options FollowSymLinks, or with
SymLinksIfOwnerMatch when the link and its target have the same owner; otherwise (and for a
link whose target does not exist) it answers 403 and logs AH00037: Symbolic link not allowed
or link target not accessible. An Options line that names other flags without "+" (Options
Indexes) drops FollowSymLinks. Reported per link, at the Options line that applies, unless
the link is a secret (a dotfile, a key, a backup).`,
			Before: "<Directory /srv/www>\n    Options Indexes         # /srv/www/logo.png -> assets/logo.png\n</Directory>",
			After:  "<Directory /srv/www>\n    Options Indexes FollowSymLinks\n</Directory>",
		},
	},
	{
		ID: "apache/execcgi-off", Server: "apache", Severity: Error,
		Doc: Doc{
			Title: "a CGI handler where Options lacks ExecCGI",
			Text: `AddHandler cgi-script .cgi (or SetHandler cgi-script) hands scripts to mod_cgi or mod_cgid,
which refuse to run them unless Options ExecCGI is on in their directory: Apache answers 403
and logs "Options ExecCGI is off in this directory" (AH01262 for mod_cgid, AH02809 for
mod_cgi). ScriptAlias implies ExecCGI. Reported once per handler directive, with the count of
scripts and an example; secrets stay quiet.`,
			Before: "AddHandler cgi-script .cgi       # /srv/www/cgi/hello.cgi",
			After:  "AddHandler cgi-script .cgi\n<Directory /srv/www/cgi>\n    Options +ExecCGI\n</Directory>",
		},
	},
	{
		ID: "apache/rewrite-forbidden", Server: "apache", Severity: Error,
		Doc: Doc{
			Title: "a RewriteRule [F] refuses public content",
			Text: `A RewriteRule with the [F] flag (or [R=403]) answers 403 for every URL its pattern matches,
with no line in the error log at the default LogLevel. A rule without RewriteCond refuses
every client and is judged as a deny (apache/deny-overmatch): refusing secrets or scripts run
by a backend (WordPress's "RewriteRule ^xmlrpc\.php$ - [F]", "(^|/)\.git") is intended,
refusing images, documents, downloads or well-known files is not. Reported once per rule,
with the count, kinds and examples of the public files it refuses. A rule with a RewriteCond
(hotlink protection on the Referer) is intended.`,
			Before: "RewriteRule \\.(png|jpe?g|gif)$ - [F]",
			After:  "RewriteCond %{HTTP_REFERER} !^https://example\\.com/\nRewriteRule \\.(png|jpe?g|gif)$ - [F]",
		},
	},
	{
		ID: "apache/htaccess-invalid", Server: "apache", Severity: Error,
		Doc: Doc{
			Title: "a .htaccess directive that AllowOverride does not allow",
			Text: `Apache reads the .htaccess files of every directory on the path where AllowOverride is not
None, and refuses a directive of a class it does not allow ("AllowOverride AuthConfig" and an
"Options -Indexes"), or of a module that is not loaded: every request below the file answers
500 and the error log says "<file>: Options not allowed here" (or "Invalid command"). A
.htaccess that is no regular file answers 403 (AH00554). Reported once per file, at the
directive, with the count of URLs below it.`,
			Before: "AllowOverride AuthConfig          # /srv/www/docs/.htaccess: Options -Indexes",
			After:  "AllowOverride AuthConfig Options",
		},
	},
	{
		ID: "apache/htaccess-ignored", Server: "apache", Severity: Info,
		Doc: Doc{
			Title: "a .htaccess file AllowOverride None never reads",
			Text: `Where AllowOverride is None (Debian's apache2.conf sets it for / and /var/www) Apache does
not even open .htaccess files: their directives have no effect, while their authors believe
they apply (a "Require all denied" that protects nothing, rewrite rules that never run).
Reported at info level once per .htaccess file that holds directives, at its first directive,
with the AllowOverride None that applies as related location. A file of comments only is
quiet.`,
			Before: "AllowOverride None                # /srv/www/private/.htaccess: Require all denied",
			After:  "<Directory /srv/www/private>\n    Require all denied\n</Directory>",
		},
	},
	{
		ID: "apache/auth-file-missing", Server: "apache", Severity: Error,
		Doc: Doc{
			Title: "the password file of AuthUserFile does not exist",
			Text: `With AuthType Basic, Apache asks for a login (401); once credentials come, it opens
AuthUserFile, and when the file does not exist every login answers 500 and the error log
says AH01620: Could not open password file. Reported once per AuthUserFile line.`,
			Before: "AuthUserFile /etc/apache2/.htpasswd-members   # never created",
			After:  "htpasswd -c /etc/apache2/.htpasswd-members alice",
		},
	},
	{
		ID: "apache/auth-file-unreadable", Server: "apache", Severity: Error,
		Doc: Doc{
			Title: "the workers cannot read the password file of AuthUserFile",
			Text: `The password file is opened by the worker processes (www-data on Debian, apache on RHEL)
for every login: when they cannot read it, every login answers 500 and the error log says
(13)Permission denied: AH01620: Could not open password file. Reported once per AuthUserFile
line.`,
			Before: "-rw------- root root /etc/apache2/htpasswd",
			After:  "-rw-r----- root www-data /etc/apache2/htpasswd",
		},
	},
	{
		ID: "apache/redirect-status", Server: "apache", Severity: Info,
		Doc: Doc{
			Title: "a Redirect answers an error status (reported when linked)",
			Text: `"Redirect 403 /old" or "Redirect gone /old" (and RedirectMatch) answer an error status on
purpose and are not reported; explain shows them. One for a URL the site's own pages link to
is reported as an error, with the linking page as related location.`,
			Before: "Redirect 403 /private",
			After:  "(intended)",
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
rules replaces the outer list. Denies are usually intended, so only those that refuse public
content to everyone (nginx/deny-overmatch), rules that can never match
(nginx/access-rule-shadowed) and sites that refuse every request (nginx/site-refuses-all) are
reported; explain shows every one. The scan looks behind intended allowlists, so that
permission problems the admitted clients meet are found too; never behind a deny that admits
no client at all (a bare "deny all;" on Magento's /media/customer/), since nobody meets what
lies there. A deny that refuses a URL the site's own
pages link to (a linked install.sh caught by "location ~* \.(sh|sql|bak)$ { deny all; }") is
unintended beyond doubt: reported as an error with the linking page as related location,
unless the deny admits some client (an allowlist for loopback or private addresses, whose
link is meant for the clients it admits).`,
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
	{
		ID: "unforbid/unused-suppression", Severity: Info,
		Doc: Doc{
			Title: "an unforbid:ignore comment silences nothing",
			Text: `A comment "# unforbid:ignore RULE -- reason" silences the findings of RULE at the directive
it stands above (only whole-line comments between them, no blank line) or after on the same
line; on a block (a location, a server) it silences them at every directive inside the block
in the same file; on a root or alias it also silences the filesystem findings (fs/*) about the
paths that directive serves and the directories on the way to it (a path other sites' trees
lie in or below too only when their roots carry the suppression as well: one site's comment
does not hide what the others meet). Several rules may be named,
separated by commas. A suppression that silences nothing (the cause was repaired, the comment
moved, or a blank line parts it from its directive) is reported at info level, per rule, so
that stale comments do not hide the next real problem.`,
			Before: "# unforbid:ignore nginx/deny-overmatch -- logs stay private\n\nlocation ~ \\.log$ { deny all; }",
			After:  "location ~ \\.log$ { deny all; }",
		},
	},
	{
		ID: "unforbid/suppression-without-reason", Severity: Info,
		Doc: Doc{
			Title: "an unforbid:ignore comment gives no reason",
			Text: `A suppression says why the refusal is meant after " -- ": "# unforbid:ignore
nginx/deny-overmatch -- robots.txt is served by the CDN". One without a reason (no " -- ", or
nothing after it) still silences the rules it names, and is reported at info level: the next
admin cannot tell a decision from a shortcut.`,
			Before: "# unforbid:ignore fs/unreadable-file\nroot /srv/private;",
			After:  "# unforbid:ignore fs/unreadable-file -- drafts, readable by the editors only\nroot /srv/private;",
		},
	},
	{
		ID: "unforbid/suppression-unknown-rule", Severity: Warning,
		Doc: Doc{
			Title: "an unforbid:ignore comment names no known rule",
			Text: `A suppression names rules by their IDs ("unforbid rules" lists them), separated by commas. A
name that is no rule's ID (a typo, a rule of another tool) silences nothing and is reported as a
warning, and so is a suppression that names no rule at all.`,
			Before: "# unforbid:ignore deny-overmatch -- internal snippets\nlocation /internal/ { deny all; }",
			After:  "# unforbid:ignore nginx/deny-overmatch -- internal snippets\nlocation /internal/ { deny all; }",
		},
	},
}
