// Package servers loads a configuration of any supported server kind into
// the simulator that implements rules/simulate's Server contract. It is the
// one place that knows every server package: the CLI and the test harness
// load through it, so that adding a server adds a case here and nothing
// else.
package servers

import (
	"fmt"

	"github.com/unforbid/unforbid/parser"
	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules/simulate"
	"github.com/unforbid/unforbid/rules/simulate/apache"
	"github.com/unforbid/unforbid/rules/simulate/nginx"
)

// Options tune loading.
type Options struct {
	// NginxPrefix is nginx's --prefix, against which relative root and
	// alias paths resolve; Debian's when empty.
	NginxPrefix string
}

// Load reads the configuration of kind whose main file is main (a path as
// the server sees it) through fsys and returns its simulator. Errors in the
// configuration are parser.ErrorList values, each "file:line: message".
func Load(kind parser.Kind, main string, fsys *fsmeta.FS, opts Options) (simulate.Server, error) {
	switch kind {
	case parser.KindNginx:
		return nginx.Load(main, fsys, nginx.Options{Prefix: opts.NginxPrefix})
	case parser.KindApache:
		s, err := apache.Load(main, fsys)
		if err != nil {
			return nil, err
		}
		return s, nil
	}
	return nil, fmt.Errorf("%s: unknown server kind %q", main, kind)
}
