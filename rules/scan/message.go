package scan

import (
	"fmt"

	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules/simulate"
)

// CauseMessage words a filesystem or password-file cause found on srv as
// the scanner's findings do, for every server: who cannot do what to
// which path (with its mode and owner), then detail, usually the cause's
// reason. The directives are named in the server's own terms, from
// Cause.Directive (nginx's disable_symlinks, Apache's Options
// FollowSymLinks), in neutral words when the server names none. Other
// kinds of causes have no wording of their own here: their detail is
// returned. `explain --log` words its causes with it, so that a log line
// and --check name a cause alike.
func CauseMessage(srv simulate.Server, c *simulate.Cause, detail string) string {
	worker := srv.WorkerCred().User
	switch c.Kind {
	case simulate.KindUnreadableFile:
		return fmt.Sprintf("%s cannot read %q (%s): %s", worker, c.Path, srv.Describe(c.Path), detail)
	case simulate.KindUnreadableDir:
		return fmt.Sprintf("%s cannot read directory %q (%s): %s", worker, c.Path, srv.Describe(c.Path), detail)
	case simulate.KindNoSearch:
		return fmt.Sprintf("%s cannot search directory %q (%s): %s", worker, c.Path, srv.Describe(c.Path), detail)
	case simulate.KindSymlinkDenied:
		return fmt.Sprintf("symbolic link %q (%s) is refused by %s%s: %s", c.Path, srv.Describe(c.Path), orWords(c.Directive, "the server's symlink policy"), linkTarget(srv, c.Path), detail)
	case simulate.KindSymlinkLoop:
		return fmt.Sprintf("symbolic link loop at %q: %s", c.Path, detail)
	case simulate.KindAuthFileMissing:
		return fmt.Sprintf("%s %q does not exist: every login answers 403 (%s)", orWords(c.Directive, "the password file"), c.Path, detail)
	case simulate.KindAuthFileUnreadable:
		return fmt.Sprintf("%s cannot be read by %s: every login answers 500 (%s)", orWords(c.Directive, "the password file"), worker, detail)
	}
	return detail
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
