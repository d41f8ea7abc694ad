package apache

import (
	"path"
	"strings"

	"github.com/unforbid/unforbid/parser"
	conf "github.com/unforbid/unforbid/parser/apache"
	"github.com/unforbid/unforbid/parser/fsmeta"
)

// argSections are the sections httpd refuses without arguments ("<Directory>
// directive requires additional arguments").
var argSections = map[string]bool{
	"directory": true, "directorymatch": true, "files": true, "filesmatch": true,
	"location": true, "locationmatch": true, "virtualhost": true, "limit": true,
	"limitexcept": true, "proxy": true, "proxymatch": true, "if": true, "elseif": true,
	"ifversion": true,
}

// dirSections are the per-directory sections, where server-wide
// directives are "not allowed in <Directory> context".
var dirSections = map[string]bool{
	"directory": true, "directorymatch": true, "files": true, "filesmatch": true,
	"location": true, "locationmatch": true,
}

// serverOnly are directives of the server and its virtual hosts only
// (RSRC_CONF), among those the simulator reads.
var serverOnly = map[string]bool{
	"documentroot": true, "listen": true, "servername": true, "serveralias": true,
	"alias": true, "scriptalias": true, "aliasmatch": true, "scriptaliasmatch": true,
	"user": true, "group": true, "loadmodule": true, "serverroot": true,
}

// optionWords are the words Options takes.
var optionWords = map[string]bool{
	"none": true, "all": true, "indexes": true, "includes": true, "includesnoexec": true,
	"followsymlinks": true, "symlinksifownermatch": true, "execcgi": true, "multiviews": true,
}

// overrideWords are the words AllowOverride takes (besides Options=...
// and Nonfatal=...).
var overrideWords = map[string]bool{
	"none": true, "all": true, "limit": true, "authconfig": true, "fileinfo": true,
	"indexes": true, "options": true,
}

// authzProviders are the Require providers of Debian's modules, by the
// module source name that registers each.
var authzProviders = map[string]string{
	"all": "mod_authz_core.c", "env": "mod_authz_core.c", "method": "mod_authz_core.c", "expr": "mod_authz_core.c",
	"ip": "mod_authz_host.c", "host": "mod_authz_host.c", "local": "mod_authz_host.c", "forward-dns": "mod_authz_host.c",
	"user": "mod_authz_user.c", "valid-user": "mod_authz_user.c",
	"group": "mod_authz_groupfile.c", "file-owner": "mod_authz_owner.c", "file-group": "mod_authz_owner.c",
	"dbm-group": "mod_authz_dbm.c", "dbm-file-group": "mod_authz_dbm.c", "dbd-group": "mod_authz_dbd.c",
	"dbd-login": "mod_authz_dbd.c", "dbd-logout": "mod_authz_dbd.c",
	"ldap-user": "mod_authnz_ldap.c", "ldap-group": "mod_authnz_ldap.c", "ldap-dn": "mod_authnz_ldap.c",
	"ldap-attribute": "mod_authnz_ldap.c", "ldap-filter": "mod_authnz_ldap.c", "ldap-search": "mod_authnz_ldap.c",
	"ssl": "mod_ssl.c", "ssl-verify-client": "mod_ssl.c",
}

// validate returns, as "file:line: message" in httpd's words, what in the
// directives the simulator reads makes `apache2 -t` refuse the config:
// argument counts and words, sections without arguments, server
// directives inside per-directory sections, Require providers no loaded
// module registers, and a main-server DocumentRoot that is no directory
// (checked only when fsys holds a real system, with /etc/passwd: a bare
// copy of /etc/apache2 has no document roots).
func validate(cfg *conf.Config, fsys *fsmeta.FS) error {
	var errs parser.ErrorList
	at := func(d *conf.Directive, format string, args ...any) {
		errs.Add(parser.Errorf(d.Range.File, d.Range.Start.Line, format, args...))
	}
	_, perr := fsys.Lstat("/etc/passwd")
	realSystem := perr == nil
	// mod_lua and mod_authnz_fcgi register providers the config names
	// (LuaAuthzProvider, AuthnzFcgiDefineProvider)
	// (LuaAuthzProvider, AuthnzFcgiDefineProvider); a fragment without
	// an MPM, as tests write them, is not held to its modules (see
	// conf.Load)
	allKnown := !cfg.Modules["mod_lua.c"] && !cfg.Modules["mod_authnz_fcgi.c"] &&
		(cfg.Modules["event.c"] || cfg.Modules["prefork.c"] || cfg.Modules["worker.c"])
	for m := range cfg.Modules {
		if strings.HasSuffix(m, ".c") && !conf.KnownModule(m) {
			allKnown = false
		}
	}
	// the lower-cased names, by name as written: a large configuration
	// is the same few names many times over (one copy each, not one a
	// line)
	lowers := map[string]string{}
	lower := func(n string) string {
		l, ok := lowers[n]
		if !ok {
			l = strings.ToLower(n)
			lowers[n] = l
		}
		return l
	}
	var walk func(ds []*conf.Directive, ctx string, inVhost bool)
	walk = func(ds []*conf.Directive, ctx string, inVhost bool) {
		for _, d := range ds {
			if d.Comment {
				continue
			}
			name := lower(d.Name)
			if d.Section {
				if argSections[name] && len(d.Args) == 0 {
					at(d, "<%s> directive requires additional arguments", d.Name)
					continue
				}
				inner := ctx
				if dirSections[name] {
					inner = d.Name
				}
				walk(d.Block, inner, inVhost || name == "virtualhost")
				continue
			}
			if ctx != "" && serverOnly[name] {
				at(d, "%s not allowed in <%s> context", d.Name, ctx)
				continue
			}
			switch name {
			case "documentroot":
				if len(d.Args) != 1 {
					at(d, "DocumentRoot takes one argument, Root directory of the document tree")
					continue
				}
				root := d.Args[0]
				if !path.IsAbs(root) {
					root = path.Join(cfg.ServerRoot, root)
				}
				if !inVhost && realSystem {
					if _, err := fsys.ReadDirNames(root); err != nil {
						at(d, "DocumentRoot '%s' is not a directory, or is not readable", root)
					}
				}
			case "options":
				// measured on apache2 -t: a plain word after a signed
				// one is refused, and a signed one after a plain word
				// other than None and All ("None +Indexes" passes)
				signed, plain := false, false
				for _, a := range d.Args {
					w, mixed := a, false
					if strings.HasPrefix(w, "+") || strings.HasPrefix(w, "-") {
						w, mixed, signed = w[1:], plain, true
					} else {
						mixed = signed
					}
					l := strings.ToLower(w)
					if !optionWords[l] {
						at(d, "Illegal option %s", w)
						break
					}
					if mixed {
						at(d, "Either all Options must start with + or -, or no Option may.")
						break
					}
					if !signed && l != "none" && l != "all" {
						plain = true
					}
				}
			case "allowoverride":
				for _, a := range d.Args {
					l := strings.ToLower(a)
					if !overrideWords[l] && !strings.HasPrefix(l, "options=") && !strings.HasPrefix(l, "nonfatal=") {
						at(d, "Illegal override option %s", a)
						break
					}
				}
			case "require":
				args := d.Args
				if len(args) > 0 && strings.EqualFold(args[0], "not") {
					args = args[1:]
				}
				provider := ""
				if len(args) > 0 {
					provider = strings.ToLower(args[0])
				}
				mod, known := authzProviders[provider]
				if allKnown && (!known || !cfg.Modules[mod]) {
					at(d, "Unknown Authz provider: %s", provider)
				}
			}
		}
	}
	walk(cfg.Directives, "", false)
	return errs.Err()
}
