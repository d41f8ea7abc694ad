package nginx

import (
	"bytes"
	"sync"

	"github.com/unforbid/unforbid/parser"
)

// Cache keeps what parsing a file gave, so that loading the configuration
// again after some files changed parses only those (checking a fix loads
// it again with the fix's edits). Pass the same Cache in Options.Cache to
// each Load; the zero value is ready to use, and a Cache is safe for
// concurrent use by several Loads.
//
// A result is keyed by the file's server path, the block context it is
// included in (its directives are checked there) and its exact content;
// a Load with a Cache returns the same Config, or the same errors, as
// one without.
//
// Memory: the Cache holds, per file and context, the parsed tree of the
// first content it saw and of the last other one (what a Load holds
// anyway, without the spliced copies), and a copy of both contents. It
// never shrinks: drop it with the configuration it was loaded for.
type Cache struct {
	mu      sync.Mutex
	entries map[cacheKey]*cacheSlot
}

// cacheKey names a file read in one context.
type cacheKey struct{ path, ctx string }

// cacheSlot holds the results of one file in one context: the first
// content seen (the configuration as loaded, which every check of a fix
// that leaves the file alone reads again) and the last other one.
type cacheSlot struct {
	first, last *parsed
}

// parsed is what parsing one content of a file in one context gave. It is
// never modified once in the Cache: the loader copies dirs when it splices
// them (expand) and reports copies of the errors.
type parsed struct {
	src []byte
	// syntax and checks are parseChecked's errors; checks is not yet cut
	// at the first syntax error (the loader's syntaxLine).
	syntax, checks []*parser.Error
	// tree is set when the file was parsed for its directives, not only
	// checked in another context.
	tree bool
	// dirs is the template tree of the file.
	dirs []*Directive
	// problem is the first problem the span parse found, or nil.
	problem *parser.Error
}

// get returns the result for path p in context ctx with content src, or
// nil. A nil Cache holds nothing.
func (c *Cache) get(p, ctx string, src []byte) *parsed {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.entries[cacheKey{p, ctx}]
	if s == nil {
		return nil
	}
	for _, r := range []*parsed{s.first, s.last} {
		if r != nil && bytes.Equal(r.src, src) {
			return r
		}
	}
	return nil
}

// put stores r, whose src the caller no longer changes, for path p in
// context ctx: as the first content when there is none or it is the same,
// else as the last. A nil Cache drops it.
func (c *Cache) put(p, ctx string, r *parsed) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[cacheKey]*cacheSlot{}
	}
	k := cacheKey{p, ctx}
	s := c.entries[k]
	switch {
	case s == nil:
		c.entries[k] = &cacheSlot{first: r}
	case bytes.Equal(s.first.src, r.src):
		s.first = r
	default:
		s.last = r
	}
}
