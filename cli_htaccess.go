package main

import (
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/unforbid/unforbid/fix"
	"github.com/unforbid/unforbid/parser"
	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules"
	"github.com/unforbid/unforbid/rules/simulate"
	apachesim "github.com/unforbid/unforbid/rules/simulate/apache"
)

// htaccessServer is Debian's stock apache2 serving a docroot whose
// .htaccess files --htaccess judges: the simulator of
// apachesim.LoadHtaccess with the notes that say what was assumed.
type htaccessServer struct {
	*apachesim.Simulator
	docroot string
	notes   []simulate.Note
}

// Notes returns what LoadHtaccess assumed, then the simulator's notes.
func (h *htaccessServer) Notes() []simulate.Note {
	return append(append([]simulate.Note{}, h.notes...), h.Simulator.Notes()...)
}

// NoConfigTestNote is what --apply --htaccess says instead of running a
// config test: the server that reads the .htaccess files is not here.
const NoConfigTestNote = "--htaccess: no config test: the server that reads these .htaccess files is not on this machine; the fixes were checked on the simulated stock apache2 only (a .htaccess error answers 500 there: load a page after applying)"

// loadHtaccess loads the stock Debian apache2 around the docroot of
// --htaccess (a server path; relative to the working directory without
// --root). It takes no CONFIG.
func loadHtaccess(o options, config string, fsys *fsmeta.FS, stderr io.Writer) (*loaded, bool) {
	if config != "" {
		fmt.Fprintf(stderr, "unforbid: --htaccess %s takes no CONFIG (got %q): the server config is Debian's stock one\n", o.htaccess, config)
		return nil, false
	}
	if o.reload {
		fmt.Fprintln(stderr, "unforbid: --reload does not go with --htaccess: the server that reads the docroot is not on this machine")
		return nil, false
	}
	if o.server != "" && o.server != string(parser.KindApache) {
		fmt.Fprintf(stderr, "unforbid: --htaccess is for Apache; it does not go with --server %s\n", o.server)
		return nil, false
	}
	docroot := o.htaccess
	if !path.IsAbs(docroot) {
		if o.root != "" {
			fmt.Fprintf(stderr, "unforbid: with --root, --htaccess DOCROOT must be an absolute path as the server sees it (got %q)\n", docroot)
			return nil, false
		}
		wd, err := os.Getwd()
		if err != nil {
			fmt.Fprintf(stderr, "unforbid: %v\n", err)
			return nil, false
		}
		docroot = path.Join(wd, docroot)
	}
	docroot = path.Clean(docroot)
	if res := fsys.Access(fsmeta.Cred{}, docroot, 0, true); res.Info == nil || !res.Info.IsDir() {
		fmt.Fprintf(stderr, "unforbid: --htaccess %s: not a directory\n", docroot)
		return nil, false
	}
	srv, err := htaccessLoad(docroot, fsys)
	if err != nil {
		printErr(stderr, err)
		return nil, false
	}
	return &loaded{fsys: fsys, srv: srv, main: docroot, htaccess: docroot,
		reload: func(v *fsmeta.FS) (simulate.Server, error) { return htaccessLoad(docroot, v) }}, true
}

// htaccessLoad returns the stock server around docroot on fsys.
func htaccessLoad(docroot string, fsys *fsmeta.FS) (*htaccessServer, error) {
	s, notes, err := apachesim.LoadHtaccess(docroot, fsys)
	if err != nil {
		return nil, err
	}
	return &htaccessServer{Simulator: s, docroot: docroot, notes: notes}, nil
}

// inDocroot reports whether p is the docroot or under it.
func (l *loaded) inDocroot(p string) bool {
	p = path.Clean(p)
	return p == l.htaccess || strings.HasPrefix(p, l.htaccess+"/")
}

// fixOK reports whether fx may be offered: with --htaccess, only fixes
// whose edits change files of the docroot (its .htaccess files) and that
// create files only there, no symbolic link on the way below the docroot;
// the stock configuration is not on the user's disk.
func (l *loaded) fixOK(fx fix.Fix) bool {
	if l.htaccess == "" {
		return true
	}
	for _, e := range fx.Edits {
		if !l.inDocroot(e.File) || l.linkBelowDocroot(e.File) {
			return false
		}
	}
	for _, op := range fx.Ops {
		if op.Kind == fix.OpCreate && (!l.inDocroot(op.Path) || l.linkBelowDocroot(op.Path)) {
			return false
		}
	}
	return true
}

// linkBelowDocroot reports whether p, or a directory between it and the
// docroot, is a symbolic link: --apply writes a config file where its
// links lead, which may lie outside the docroot.
func (l *loaded) linkBelowDocroot(p string) bool {
	if l.fsys == nil {
		return false
	}
	for q := path.Clean(p); q != l.htaccess && l.inDocroot(q); q = path.Dir(q) {
		if info, err := l.fsys.Lstat(q); err == nil && info.Type == fsmeta.TypeSymlink {
			return true
		}
	}
	return false
}

// stockDirective is what a --htaccess finding adds when the directive
// responsible lies in the assumed stock configuration.
const stockDirective = " (the directive is in Debian's stock apache2 configuration that --htaccess assumes, not in the docroot: only the host's admin can change it)"

// judgeHtaccess fits findings to --htaccess: fixes that edit the stock
// configuration are dropped, and a finding of an Apache directive outside
// the docroot says that the directive is the stock configuration's.
func (l *loaded) judgeHtaccess(all []rules.Finding) []rules.Finding {
	if l.htaccess == "" {
		return all
	}
	for i := range all {
		f := &all[i]
		var kept []fix.Fix
		for _, fx := range f.Fixes {
			if l.fixOK(fx) {
				kept = append(kept, fx)
			}
		}
		if f.Fixes != nil && kept == nil {
			kept = []fix.Fix{}
		}
		f.Fixes = kept
		if strings.HasPrefix(f.Rule, "apache/") && f.Range.File != "" && !l.inDocroot(f.Range.File) {
			f.Message += stockDirective
		}
	}
	return all
}
