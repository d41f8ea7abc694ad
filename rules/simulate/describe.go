package simulate

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/unforbid/unforbid/parser/fsmeta"
)

// Describe returns "mode 0700, alice:alice" for the server path p of
// fsys, with its ACL if any; owners are named from users when it knows
// them (users may be nil), else by number. "not found" when p does not
// exist. Every server's Describe is this.
func Describe(fsys *fsmeta.FS, users *fsmeta.Users, p string) string {
	info, err := fsys.Lstat(p)
	if err != nil {
		return "not found"
	}
	owner, grp := strconv.Itoa(int(info.UID)), strconv.Itoa(int(info.GID))
	if users != nil {
		if u, ok := users.UserByID(info.UID); ok {
			owner = u.Name
		}
		if g, ok := users.GroupByID(info.GID); ok {
			grp = g.Name
		}
	}
	d := fmt.Sprintf("mode %04o, %s:%s", info.Perm, owner, grp)
	if info.ACL != nil {
		d += ", acl " + info.ACL.Format(users)
	}
	return d
}

// WithoutWant drops the `want "rule"` annotation of unforbid's own test
// trees from a comment: it says what the test expects, not what the
// directive was meant for.
func WithoutWant(c string) string {
	if loc := wantAnnotation.FindStringIndex(c); loc != nil {
		c = strings.TrimRight(strings.TrimSpace(c[:loc[0]]), "#")
	}
	return strings.TrimSpace(c)
}

// wantAnnotation is a test tree's `want "rule" ...` at the end of a comment.
var wantAnnotation = regexp.MustCompile(`(?:^|[\s#])want(?:\s+"[^"]+")+\s*$`)
