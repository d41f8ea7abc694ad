package apache

import (
	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules/simulate"
)

// OnView returns the simulator of the same configuration on the
// filesystem view fsys (simulate.Rebinder): the configuration is not read
// again, so fsys must hold the same config files; .htaccess files are
// read from fsys as requests meet them. A simulator of LoadHtaccess loads
// the stock configuration again around its docroot.
func (s *Simulator) OnView(fsys *fsmeta.FS) (simulate.Server, error) {
	if s.htaccessRoot != "" {
		n, _, err := LoadHtaccess(s.htaccessRoot, fsys)
		if err != nil {
			return nil, err
		}
		return n, nil
	}
	return New(s.Config, fsys)
}

var _ simulate.Rebinder = (*Simulator)(nil)
