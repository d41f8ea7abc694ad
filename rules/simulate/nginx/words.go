package nginx

import "github.com/unforbid/unforbid/rules/simulate"

// words fills what the server-neutral decision carries beside the status:
// the kind of each cause and, in nginx's terms, the directives the
// scanner's messages name (which block handled the request, which
// directive a cause is the setting of, which one masked a cause).
func (r *run) words() {
	for _, c := range []*simulate.Cause{r.d.Cause, r.d.Masked} {
		if c == nil {
			continue
		}
		if c.Kind == simulate.KindNone {
			c.Kind = ruleKinds[c.Rule]
		}
		if c.Directive == "" {
			c.Directive = kindDirectives[c.Kind]
		}
		if c.Kind == simulate.KindIndexMissing && c.Listing == "" {
			c.Listing = "autoindex"
		}
	}
	if r.d.Masked != nil && r.d.MaskedBy == "" {
		// only try_files goes on past a file it could not stat
		r.d.MaskedBy = "try_files"
	}
	if r.d.Location != "" && r.d.Block == "" {
		r.d.Block = "location"
	}
	if r.srv != nil {
		r.d.Site = r.srv.Dir.Range
	}
}

// kindDirectives names the directive whose setting a cause of each kind is.
var kindDirectives = map[simulate.Kind]string{
	simulate.KindSymlinkDenied:      "disable_symlinks",
	simulate.KindAuthFileMissing:    "auth_basic_user_file",
	simulate.KindAuthFileUnreadable: "auth_basic_user_file",
	simulate.KindIndexMissing:       "index",
}
