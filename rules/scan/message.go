package scan

import (
	"fmt"

	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules/simulate"
)

// CauseMessage words a filesystem or password-file cause found on srv as
// the scanner's findings do: who cannot do what to which path (with its
// mode and owner), then detail, usually the cause's reason. Other kinds
// of causes have no wording of their own here: their detail is returned.
// `explain --log` words its causes with it, so that a log line and
// --check name a cause alike.
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
		return fmt.Sprintf("symbolic link %q (%s) is refused by disable_symlinks%s: %s", c.Path, srv.Describe(c.Path), linkTarget(srv, c.Path), detail)
	case simulate.KindSymlinkLoop:
		return fmt.Sprintf("symbolic link loop at %q: %s", c.Path, detail)
	case simulate.KindAuthFileMissing:
		return fmt.Sprintf("auth_basic_user_file %q does not exist: every login answers 403 (%s)", c.Path, detail)
	case simulate.KindAuthFileUnreadable:
		return fmt.Sprintf("auth_basic_user_file cannot be read by %s: every login answers 500 (%s)", worker, detail)
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
