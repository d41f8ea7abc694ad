package apache

import (
	"fmt"
	"path"

	conf "github.com/unforbid/unforbid/parser/apache"
	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules/simulate"
	"github.com/unforbid/unforbid/rules/simulate/apache/debianstock"
)

// HtaccessNote is the note of LoadHtaccess for the CLI to print: what
// server was assumed around the .htaccess files (%s is the docroot).
const HtaccessNote = "--htaccess %s: assuming Debian's stock Apache configuration (" + debianstock.Version +
	") with mod_rewrite enabled, as shared hosts have it, and the default site on port 80 serving the docroot " +
	"with AllowOverride All and Require all granted; only the .htaccess files are judged. Its modules are Debian's " +
	"default set and mod_rewrite: no mod_headers, mod_expires or PHP, so their directives outside <IfModule> answer 500 " +
	"and .php files are served as plain files"

// WwwDataNote is the note of LoadHtaccess when the filesystem's
// /etc/passwd or /etc/group has no www-data.
const WwwDataNote = "www-data is not in /etc/passwd or /etc/group: assuming Debian's www-data, uid 33 and gid 33, without supplementary groups"

// debianWwwData is Debian's fixed uid and gid of www-data (base-passwd).
const debianWwwData = 33

// LoadHtaccess returns a simulator of Debian's stock apache2 serving
// docroot (an absolute server path of fsys) from its default site, with
// mod_rewrite enabled and `<Directory DOCROOT> AllowOverride All; Require
// all granted`, so that what the docroot's .htaccess files say decides.
// The configuration comes from package debianstock and is read from
// memory; only the docroot and /etc/passwd and /etc/group are read from
// fsys. Requests reach the site on port 80 of any address, any Host. The
// notes say what was assumed (HtaccessNote, WwwDataNote); the stock files'
// ranges name /etc/apache2 paths that need not exist in fsys, so repairs
// that edit them do not apply to a shared host.
func LoadHtaccess(docroot string, fsys *fsmeta.FS) (*Simulator, []simulate.Note, error) {
	s, notes, err := loadStock(debianstock.Site{DocRoot: docroot, Rewrite: true}, fsys)
	if err != nil {
		return nil, nil, err
	}
	// its repairs change the docroot's .htaccess files (dirFix)
	s.htaccessRoot = path.Clean(docroot)
	return s, notes, nil
}

// loadStock loads the stock configuration changed as site says.
func loadStock(site debianstock.Site, fsys *fsmeta.FS) (*Simulator, []simulate.Note, error) {
	if !path.IsAbs(site.DocRoot) {
		return nil, nil, fmt.Errorf("--htaccess %s: the docroot must be an absolute path", site.DocRoot)
	}
	site.DocRoot = path.Clean(site.DocRoot)
	files, err := debianstock.Files(site)
	if err != nil {
		return nil, nil, err
	}
	notes := []simulate.Note{{Message: fmt.Sprintf(HtaccessNote, site.DocRoot)}}
	users, err := fsys.LoadUsers()
	if err != nil {
		return nil, nil, err
	}
	_, errUser := users.Cred("www-data", "www-data")
	assumed := errUser != nil
	if assumed {
		// Numeric ids need no passwd entry; the names are set back below.
		files["/etc/apache2/envvars"] = append(files["/etc/apache2/envvars"],
			fmt.Sprintf("export APACHE_RUN_USER='#%d'\nexport APACHE_RUN_GROUP='#%d'\n", debianWwwData, debianWwwData)...)
		notes = append(notes, simulate.Note{Message: WwwDataNote})
	}
	cfgFS, err := debianstock.FS(files)
	if err != nil {
		return nil, nil, err
	}
	cfg, err := conf.Load(debianstock.Main, conf.Options{FS: cfgFS})
	if err != nil {
		return nil, nil, fmt.Errorf("debianstock: the stock configuration does not load: %v", err)
	}
	s, err := New(cfg, fsys)
	if err != nil {
		return nil, nil, err
	}
	if assumed {
		s.User, s.Group, s.Cred.User = "www-data", "www-data", "www-data"
	}
	return s, notes, nil
}
