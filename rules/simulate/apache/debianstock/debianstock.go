// Package debianstock holds Debian bookworm's stock Apache httpd 2.4
// configuration (package apache2 2.4.71-1~deb12u1): the files of
// /etc/apache2 as the package installs them, the enabled modules, confs
// and default site copied through their symlinks (the mime `magic` file
// left out), and mods-available/rewrite.load. It lets unforbid judge a
// docroot's .htaccess files alone (`--htaccess DOCROOT`) against the
// server a shared host most likely runs: Site returns that configuration
// with the default site serving the docroot.
//
// The files are the Apache Software Foundation's and Debian's, under the
// Apache License 2.0: see the NOTICE and LICENSE-Apache-2.0 files of this
// package.
package debianstock

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/unforbid/unforbid/parser/fsmeta"
)

// Version is the Debian package the files come from.
const Version = "apache2 2.4.71-1~deb12u1 (Debian 12 bookworm)"

// Main is the main config file, as the server sees it.
const Main = "/etc/apache2/apache2.conf"

// defaultSite is the default site the stock package enables.
const defaultSite = "/etc/apache2/sites-enabled/000-default.conf"

//go:embed etc
var embedded embed.FS

// Site says how the stock configuration is changed to serve a docroot.
type Site struct {
	// DocRoot is the absolute server path the default site serves, in
	// place of /var/www/html, with a <Directory> section granting it to
	// all and allowing every .htaccess directive (AllowOverride All).
	DocRoot string
	// Listen is the argument of ports.conf's Listen line, "80" when
	// empty; its port, the default site's <VirtualHost *:PORT>.
	Listen string
	// Rewrite enables mod_rewrite (mods-enabled/rewrite.load), as every
	// shared host has it.
	Rewrite bool
}

// Stock returns the stock configuration unchanged: server paths under
// /etc/apache2 to contents.
func Stock() map[string][]byte {
	out := map[string][]byte{}
	err := fs.WalkDir(embedded, "etc", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := embedded.ReadFile(p)
		out["/"+p] = b
		return err
	})
	if err != nil {
		panic("debianstock: embedded files unreadable: " + err.Error()) // cannot happen: go:embed checked them
	}
	return out
}

// Files returns the stock configuration changed as site says: server
// paths to contents. The default site keeps its every other line.
func Files(site Site) (map[string][]byte, error) {
	if !path.IsAbs(site.DocRoot) || strings.ContainsAny(site.DocRoot, "\"\n\\") {
		return nil, fmt.Errorf("debianstock: docroot %q: want an absolute path without quotes, backslashes or newlines", site.DocRoot)
	}
	listen := site.Listen
	if listen == "" {
		listen = "80"
	}
	port := listen[strings.LastIndexByte(listen, ':')+1:]
	if n, err := strconv.Atoi(port); err != nil || n <= 0 || n > 65535 || strings.ContainsAny(listen, " \t\n\"") {
		return nil, fmt.Errorf("debianstock: Listen %q: want [ADDRESS:]PORT", listen)
	}
	files := Stock()
	docroot := path.Clean(site.DocRoot)
	if err := replace(files, "/etc/apache2/ports.conf", "\nListen 80\n", "\nListen "+listen+"\n"); err != nil {
		return nil, err
	}
	if err := replace(files, defaultSite, "<VirtualHost *:80>", "<VirtualHost *:"+port+">"); err != nil {
		return nil, err
	}
	grant := fmt.Sprintf("DocumentRoot %q\n\t<Directory %q>\n\t\tAllowOverride All\n\t\tRequire all granted\n\t</Directory>", docroot, docroot)
	if err := replace(files, defaultSite, "DocumentRoot /var/www/html", grant); err != nil {
		return nil, err
	}
	if site.Rewrite {
		files["/etc/apache2/mods-enabled/rewrite.load"] = files["/etc/apache2/mods-available/rewrite.load"]
	}
	return files, nil
}

// replace replaces the one occurrence of old in the file name.
func replace(files map[string][]byte, name, old, new string) error {
	text := string(files[name])
	if strings.Count(text, old) != 1 {
		return fmt.Errorf("debianstock: %s: %q is not there once", name, old)
	}
	files[name] = []byte(strings.Replace(text, old, new, 1))
	return nil
}

// FS returns files (from Files or Stock) as an in-memory filesystem view,
// each file mode 0644 and owned by root, as the package installs them.
func FS(files map[string][]byte) (*fsmeta.FS, error) {
	entries := make([]fsmeta.Entry, 0, len(files))
	for p, b := range files {
		entries = append(entries, fsmeta.Entry{Path: p, Type: fsmeta.TypeRegular, Perm: 0o644, Data: b})
	}
	return fsmeta.NewMemory("", entries)
}
