package scan

import (
	"testing"

	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules/simulate"
)

// wordsServer is the part of a server CauseMessage reads: the worker, the
// modes of a path and the filesystem. Every other method is unused.
type wordsServer struct {
	simulate.Server
	fs *fsmeta.FS
}

func (s wordsServer) WorkerCred() fsmeta.Cred        { return fsmeta.Cred{User: "www-data"} }
func (s wordsServer) Describe(p string) string       { return "mode 0600, root:root" }
func (s wordsServer) FileSystem() *fsmeta.FS         { return s.fs }
func (s wordsServer) Kind() string                   { return "test" }
func (s wordsServer) Worker() string                 { return "www-data" }
func (s wordsServer) Sites() []simulate.Site         { return nil }
func (s wordsServer) Notes() []simulate.Note         { return nil }
func (s wordsServer) Lint() []simulate.ConfigFinding { return nil }

// TestCauseMessage: causes are worded with the server's own directive
// names, which the simulator puts in the cause and the decision, and in
// neutral words when it names none; nothing of one server is hard-coded.
func TestCauseMessage(t *testing.T) {
	fs, err := fsmeta.NewMemory("/", []fsmeta.Entry{
		{Path: "/srv", Type: fsmeta.TypeDir, Perm: 0o755},
		{Path: "/srv/t.html", Type: fsmeta.TypeRegular, Perm: 0o644},
		{Path: "/srv/l.html", Type: fsmeta.TypeSymlink, Target: "t.html"},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := wordsServer{fs: fs}
	tests := []struct {
		name   string
		c      simulate.Cause
		detail string // the cause's reason when empty
		want   string
	}{
		{"nginx symlink", simulate.Cause{Kind: simulate.KindSymlinkDenied, Path: "/srv/l.html", Directive: "disable_symlinks", Reason: "r"}, "",
			`symbolic link "/srv/l.html" (mode 0600, root:root) is refused by disable_symlinks (target /srv/t.html: mode 0600, root:root): r`},
		{"apache symlink", simulate.Cause{Kind: simulate.KindSymlinkDenied, Path: "/srv/gone", Directive: "Options FollowSymLinks", Reason: "r"}, "",
			`symbolic link "/srv/gone" (mode 0600, root:root) is refused by Options FollowSymLinks (dangling): r`},
		{"no directive named", simulate.Cause{Kind: simulate.KindSymlinkDenied, Path: "/srv/gone", Reason: "r"}, "",
			`symbolic link "/srv/gone" (mode 0600, root:root) is refused by the server's symlink policy (dangling): r`},
		{"nginx auth file", simulate.Cause{Kind: simulate.KindAuthFileMissing, Path: "/etc/pw", Directive: "auth_basic_user_file", Reason: "r"}, "",
			`auth_basic_user_file "/etc/pw" does not exist: every login answers 403 (r)`},
		{"apache auth file", simulate.Cause{Kind: simulate.KindAuthFileUnreadable, Path: "/etc/pw", Directive: "AuthUserFile", Reason: "r"}, "",
			`AuthUserFile cannot be read by www-data: every login answers 500 (r)`},
		{"unreadable file", simulate.Cause{Kind: simulate.KindUnreadableFile, Path: "/srv/t.html", Reason: "r"}, "",
			`www-data cannot read "/srv/t.html" (mode 0600, root:root): r`},
		{"no search, count known", simulate.Cause{Kind: simulate.KindNoSearch, Path: "/srv", Reason: "r"}, "3 paths below it cannot be served",
			`www-data cannot search directory "/srv" (mode 0600, root:root): 3 paths below it cannot be served`},
		{"no search, from a log", simulate.Cause{Kind: simulate.KindNoSearch, Path: "/srv", Reason: "r"}, "",
			`www-data cannot search directory "/srv" (mode 0600, root:root): r`},
		{"other kinds: the detail", simulate.Cause{Kind: simulate.KindDenyRule, Reason: "access forbidden by rule"}, "",
			`access forbidden by rule`},
	}
	for _, tt := range tests {
		detail := tt.detail
		if detail == "" {
			detail = tt.c.Reason
		}
		if got := CauseMessage(srv, &tt.c, detail); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}

// TestIndexWords: the index list and the listing switch in the server's
// words.
func TestIndexWords(t *testing.T) {
	tests := []struct {
		c         simulate.Cause
		list, off string
	}{
		{simulate.Cause{Directive: "index", Listing: "autoindex"}, "the index directive", "autoindex is off"},
		{simulate.Cause{Directive: "DirectoryIndex", Listing: "Options Indexes"}, "the DirectoryIndex directive", "Options Indexes is off"},
		{simulate.Cause{}, "the index list", "directory listing is off"},
	}
	for _, tt := range tests {
		if list, off := indexWords(&tt.c); list != tt.list || off != tt.off {
			t.Errorf("indexWords(%+v) = %q, %q; want %q, %q", tt.c, list, off, tt.list, tt.off)
		}
	}
}
