package scan

import (
	"fmt"

	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules/simulate"
)

// CauseMessage words the cause c of decision d as findings do, for every
// server: the worker and the modes of the path from srv, the directives in
// the server's own terms from the cause and the decision (Cause.Directive,
// Cause.Listing, Decision.Where). n is how many requests the cause
// refuses, when known (0 otherwise): a directory without search
// permission then says how many paths below it cannot be served, else
// the server's reason. Both `unforbid --check` and `explain --log` use it,
// so that a finding and a log line explained read the same.
func CauseMessage(srv simulate.Server, d *simulate.Decision, c *simulate.Cause, n int) string {
	worker := srv.WorkerCred().User
	switch c.Kind {
	case simulate.KindUnreadableFile:
		return fmt.Sprintf("%s cannot read %q (%s): %s", worker, c.Path, srv.Describe(c.Path), c.Reason)
	case simulate.KindUnreadableDir:
		return fmt.Sprintf("%s cannot read directory %q (%s): %s", worker, c.Path, srv.Describe(c.Path), c.Reason)
	case simulate.KindNoSearch:
		if n > 0 {
			return fmt.Sprintf("%s cannot search directory %q (%s): %s below it cannot be served", worker, c.Path, srv.Describe(c.Path), plural(n, "path"))
		}
		return fmt.Sprintf("%s cannot search directory %q (%s): %s", worker, c.Path, srv.Describe(c.Path), c.Reason)
	case simulate.KindSymlinkDenied:
		return fmt.Sprintf("symbolic link %q (%s) is refused by %s%s: %s", c.Path, srv.Describe(c.Path), orWords(c.Directive, "the server's symlink policy"), linkTarget(srv, c.Path), c.Reason)
	case simulate.KindSymlinkLoop:
		return fmt.Sprintf("symbolic link loop at %q: %s", c.Path, c.Reason)
	case simulate.KindAuthFileMissing:
		return fmt.Sprintf("%s %q does not exist: every login answers 403 (%s)", orWords(c.Directive, "the password file"), c.Path, c.Reason)
	case simulate.KindAuthFileUnreadable:
		return fmt.Sprintf("%s cannot be read by %s: every login answers 500 (%s)", orWords(c.Directive, "the password file"), worker, c.Reason)
	case simulate.KindDenyRule, simulate.KindDenyOvermatch:
		if w := d.Where(); w != "" {
			return fmt.Sprintf("%s refuses the client: %s", w, c.Reason)
		}
	}
	return c.Reason
}

// linkTarget describes where the symbolic link p leads and who owns it.
func linkTarget(srv simulate.Server, p string) string {
	res := srv.FileSystem().Access(fsmeta.Cred{}, p, 0, true)
	if res.Err != 0 {
		return " (dangling)"
	}
	return fmt.Sprintf(" (target %s: %s)", res.At, srv.Describe(res.At))
}

// orWords returns the server's name for a directive, or neutral words
// when the server gave none.
func orWords(directive, neutral string) string {
	if directive == "" {
		return neutral
	}
	return directive
}

// indexWords return the words of an index-missing cause for the index
// list ("the index directive") and for the listing being off ("autoindex
// is off").
func indexWords(c *simulate.Cause) (list, off string) {
	list, off = "the index list", "directory listing is off"
	if c.Directive != "" {
		list = "the " + c.Directive + " directive"
	}
	if c.Listing != "" {
		off = c.Listing + " is off"
	}
	return list, off
}
