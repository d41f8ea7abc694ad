package simulate_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/unforbid/unforbid/fix"
	"github.com/unforbid/unforbid/parser"
	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules/simulate"
	"github.com/unforbid/unforbid/rules/simulate/servers"
)

const (
	passwd = "root:x:0:0::/root:/bin/sh\nwww-data:x:33:33::/var/www:/usr/sbin/nologin\n" +
		"alice:x:1000:1000::/home/alice:/bin/sh\nbob:x:1001:1001::/home/bob:/bin/sh\n"
	group = "root:x:0:\nwww-data:x:33:\nalice:x:1000:\nbob:x:1001:\nweb:x:2000:alice,www-data\n"
)

// repairServer loads an nginx config serving roots (and naming the
// password file auth, when set) over a view holding entries.
func repairServer(t *testing.T, roots []string, auth string, entries []fsmeta.Entry) simulate.Server {
	t.Helper()
	var conf strings.Builder
	conf.WriteString("user www-data;\nevents {}\nhttp {\n")
	for i, root := range roots {
		fmt.Fprintf(&conf, "    server {\n        listen 127.0.0.1:%d;\n        root %s;\n", 8080+i, root)
		if auth != "" {
			fmt.Fprintf(&conf, "        location /private/ {\n            auth_basic \"x\";\n            auth_basic_user_file %s;\n        }\n", auth)
		}
		conf.WriteString("    }\n")
	}
	conf.WriteString("}\n")
	base := []fsmeta.Entry{
		{Path: "/etc/nginx/nginx.conf", Type: fsmeta.TypeRegular, Perm: 0o644, Data: []byte(conf.String())},
		{Path: "/etc/passwd", Type: fsmeta.TypeRegular, Perm: 0o644, Data: []byte(passwd)},
		{Path: "/etc/group", Type: fsmeta.TypeRegular, Perm: 0o644, Data: []byte(group)},
	}
	fsys, err := fsmeta.NewMemory("", append(base, entries...))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := servers.Load(parser.KindNginx, "/etc/nginx/nginx.conf", fsys, servers.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

func dir(p string, perm, uid, gid uint32) fsmeta.Entry {
	return fsmeta.Entry{Path: p, Type: fsmeta.TypeDir, Perm: perm, UID: uid, GID: gid}
}

func file(p string, perm, uid, gid uint32) fsmeta.Entry {
	return fsmeta.Entry{Path: p, Type: fsmeta.TypeRegular, Perm: perm, UID: uid, GID: gid, Data: []byte("x")}
}

func withACL(e fsmeta.Entry, acl *fsmeta.ACL) fsmeta.Entry {
	e.ACL = acl
	return e
}

// want is a fix as "class: description: commands".
func show(f fix.Fix) string {
	return f.Class.String() + ": " + f.Description + ": " + strings.Join(f.Commands(), "; ")
}

func TestFSRepairs(t *testing.T) {
	const alice, bob, web, wwwData = 1000, 1001, 2000, 33
	home := []fsmeta.Entry{
		dir("/home/alice", 0o700, alice, alice),
		dir("/home/alice/public_html", 0o755, alice, alice),
		file("/home/alice/public_html/index.html", 0o644, alice, alice),
	}
	site := func(entries ...fsmeta.Entry) []fsmeta.Entry {
		return append([]fsmeta.Entry{dir("/srv/www", 0o755, 0, 0), file("/srv/www/index.html", 0o644, 0, 0)}, entries...)
	}
	tests := []struct {
		name    string
		roots   []string
		auth    string
		entries []fsmeta.Entry
		kind    simulate.Kind
		path    string
		// mapped and url are the path the request maps to and its URL
		// path, when the problem comes with a decision.
		mapped, url string
		want        []string
	}{
		{
			name: "home directory 0700", roots: []string{"/home/alice/public_html"}, entries: home,
			kind: simulate.KindNoSearch, path: "/home/alice",
			want: []string{
				"safe: give www-data the search bit on /home/alice with an ACL entry: setfacl -m u:www-data:--x /home/alice",
				"review: give every user the search bit on /home/alice: chmod o+x /home/alice",
			},
		},
		{
			name: "home directory 0700 without ACL support", roots: []string{"/home/alice/public_html"},
			entries: append([]fsmeta.Entry{{Path: "/home", Type: fsmeta.TypeDir, Perm: 0o755, NoACL: true}}, home...),
			kind:    simulate.KindNoSearch, path: "/home/alice",
			want: []string{"review: give every user the search bit on /home/alice: chmod o+x /home/alice"},
		},
		{
			name: "home directory 0710 in the worker's group", roots: []string{"/home/alice/public_html"},
			entries: []fsmeta.Entry{dir("/home/alice", 0o700, alice, web), dir("/home/alice/public_html", 0o755, alice, alice)},
			kind:    simulate.KindNoSearch, path: "/home/alice",
			want: []string{
				"safe: give www-data the search bit on /home/alice with an ACL entry: setfacl -m u:www-data:--x /home/alice",
				"safe: give the group web (www-data is a member) the search bit on /home/alice: chmod g+x /home/alice",
			},
		},
		{
			name: "directory inside the served tree", roots: []string{"/srv/www"},
			entries: site(dir("/srv/www/team", 0o750, alice, alice)),
			kind:    simulate.KindNoSearch, path: "/srv/www/team",
			want: []string{
				"safe: give www-data the search bit on /srv/www/team with an ACL entry: setfacl -m u:www-data:--x /srv/www/team",
				"review: give every user the search bit on /srv/www/team: chmod o+x /srv/www/team",
			},
		},
		{
			name: "file 0600 owned by alice", roots: []string{"/srv/www"},
			entries: site(file("/srv/www/upload.jpg", 0o600, alice, alice)),
			kind:    simulate.KindUnreadableFile, path: "/srv/www/upload.jpg",
			want: []string{
				"safe: give www-data read access on /srv/www/upload.jpg with an ACL entry: setfacl -m u:www-data:r-- /srv/www/upload.jpg",
				"review: give every user read access on /srv/www/upload.jpg: chmod o+r /srv/www/upload.jpg",
			},
		},
		{
			name: "file 0600 in the worker's group", roots: []string{"/srv/www"},
			entries: site(file("/srv/www/upload.jpg", 0o600, alice, web)),
			kind:    simulate.KindUnreadableFile, path: "/srv/www/upload.jpg",
			want: []string{
				"safe: give www-data read access on /srv/www/upload.jpg with an ACL entry: setfacl -m u:www-data:r-- /srv/www/upload.jpg",
				"safe: give the group web (www-data is a member) read access on /srv/www/upload.jpg: chmod g+r /srv/www/upload.jpg",
			},
		},
		{
			name: "group-owned www-data file 0640 is readable already", roots: []string{"/srv/www"},
			entries: site(file("/srv/www/page.html", 0o640, alice, wwwData)),
			kind:    simulate.KindUnreadableFile, path: "/srv/www/page.html",
		},
		{
			name: "worker entry cut by a mask of none", roots: []string{"/srv/www"},
			entries: site(withACL(file("/srv/www/aclmask.html", 0o600, alice, alice),
				&fsmeta.ACL{UserObj: 6, Users: []fsmeta.ACLEntry{{ID: wwwData, Perm: fsmeta.Read}}, HasMask: true})),
			kind: simulate.KindUnreadableFile, path: "/srv/www/aclmask.html",
			want: []string{
				"safe: raise the ACL mask of /srv/www/aclmask.html to r-- so that the entry of www-data gives it read access: setfacl -m m::r-- /srv/www/aclmask.html",
				"review: give every user read access on /srv/www/aclmask.html: chmod o+r /srv/www/aclmask.html",
			},
		},
		{
			name: "mask of none: the new entry raises it", roots: []string{"/srv/www"},
			entries: site(withACL(file("/srv/www/shared.html", 0o600, alice, alice),
				&fsmeta.ACL{UserObj: 6, Users: []fsmeta.ACLEntry{{ID: bob, Perm: fsmeta.Write}}, HasMask: true})),
			kind: simulate.KindUnreadableFile, path: "/srv/www/shared.html",
			want: []string{
				"safe: give www-data read access on /srv/www/shared.html with an ACL entry, the ACL mask raised to r--: setfacl -m u:www-data:r--,m::r-- /srv/www/shared.html",
				"review: give every user read access on /srv/www/shared.html: chmod o+r /srv/www/shared.html",
			},
		},
		{
			name: "raising the mask would give bob read too", roots: []string{"/srv/www"},
			entries: site(withACL(file("/srv/www/shared.html", 0o600, alice, alice),
				&fsmeta.ACL{UserObj: 6, Users: []fsmeta.ACLEntry{{ID: bob, Perm: fsmeta.Read | fsmeta.Write}}, HasMask: true})),
			kind: simulate.KindUnreadableFile, path: "/srv/www/shared.html",
			want: []string{
				"review: give www-data read access on /srv/www/shared.html with an ACL entry, the ACL mask raised to r-- (other ACL entries gain what the mask cut): setfacl -m u:www-data:r--,m::r-- /srv/www/shared.html",
				"review: give every user read access on /srv/www/shared.html: chmod o+r /srv/www/shared.html",
			},
		},
		{
			name: "an entry refusing the worker is meant", roots: []string{"/srv/www"},
			entries: site(withACL(file("/srv/www/acluser0.html", 0o644, 0, 0),
				&fsmeta.ACL{UserObj: 6, GroupObj: 4, Other: 4, Users: []fsmeta.ACLEntry{{ID: wwwData}}, Mask: 4, HasMask: true})),
			kind: simulate.KindUnreadableFile, path: "/srv/www/acluser0.html",
		},
		{
			name: "a group entry refusing the worker is meant", roots: []string{"/srv/www"},
			entries: site(withACL(file("/srv/www/aclgroup0.html", 0o644, 0, 0),
				&fsmeta.ACL{UserObj: 6, GroupObj: 4, Other: 4, Groups: []fsmeta.ACLEntry{{ID: wwwData}}, Mask: 4, HasMask: true})),
			kind: simulate.KindUnreadableFile, path: "/srv/www/aclgroup0.html",
		},
		{
			name: "directory to list", roots: []string{"/srv/www"},
			entries: site(dir("/srv/www/pub", 0o700, alice, alice)),
			kind:    simulate.KindUnreadableDir, path: "/srv/www/pub",
			want: []string{
				"safe: give www-data read and search access on /srv/www/pub with an ACL entry: setfacl -m u:www-data:r-x /srv/www/pub",
				"review: give every user read and search access on /srv/www/pub: chmod o+rx /srv/www/pub",
			},
		},
		{
			name: "directory to list, searchable already", roots: []string{"/srv/www"},
			entries: site(dir("/srv/www/pub", 0o711, alice, alice)),
			kind:    simulate.KindUnreadableDir, path: "/srv/www/pub",
			want: []string{
				"safe: give www-data read access on /srv/www/pub with an ACL entry: setfacl -m u:www-data:r-x /srv/www/pub", // keeps the search bit other gave
				"review: give every user read access on /srv/www/pub: chmod o+r /srv/www/pub",
			},
		},
		{
			name: "served root behind a symlink", roots: []string{"/var/www/site"},
			entries: []fsmeta.Entry{
				{Path: "/var/www/site", Type: fsmeta.TypeSymlink, Target: "/data/alice/site"},
				dir("/data/alice", 0o700, alice, alice), dir("/data/alice/site", 0o755, alice, alice),
			},
			kind: simulate.KindNoSearch, path: "/data/alice",
			want: []string{
				"safe: give www-data the search bit on /data/alice with an ACL entry: setfacl -m u:www-data:--x /data/alice",
				"review: give every user the search bit on /data/alice: chmod o+x /data/alice",
			},
		},
		{name: ".env", roots: []string{"/srv/www"}, entries: site(file("/srv/www/.env", 0o600, alice, alice)),
			kind: simulate.KindUnreadableFile, path: "/srv/www/.env"},
		{name: ".git/config", roots: []string{"/srv/www"}, entries: site(file("/srv/www/.git/config", 0o600, alice, alice)),
			kind: simulate.KindUnreadableFile, path: "/srv/www/.git/config"},
		{name: ".git directory", roots: []string{"/srv/www"}, entries: site(dir("/srv/www/.git", 0o700, alice, alice)),
			kind: simulate.KindNoSearch, path: "/srv/www/.git"},
		{name: "id_rsa", roots: []string{"/srv/www"}, entries: site(file("/srv/www/keys/id_rsa", 0o600, alice, alice)),
			kind: simulate.KindUnreadableFile, path: "/srv/www/keys/id_rsa"},
		{name: "a backup", roots: []string{"/srv/www"}, entries: site(file("/srv/www/index.html.bak", 0o600, alice, alice)),
			kind: simulate.KindUnreadableFile, path: "/srv/www/index.html.bak"},
		{name: "/home itself", roots: []string{"/home/alice/public_html"},
			entries: append([]fsmeta.Entry{dir("/home", 0o700, 0, 0)}, home...),
			kind:    simulate.KindNoSearch, path: "/home"},
		{name: "/srv itself", roots: []string{"/srv/www"}, entries: append([]fsmeta.Entry{dir("/srv", 0o700, 0, 0)}, site()...),
			kind: simulate.KindNoSearch, path: "/srv"},
		{name: "a directory outside the served trees", roots: []string{"/srv/www"},
			entries: site(dir("/data/private", 0o700, alice, alice)),
			kind:    simulate.KindNoSearch, path: "/data/private"},
		{name: "a file outside the served trees", roots: []string{"/srv/www"},
			entries: site(file("/data/notes.txt", 0o600, alice, alice)),
			kind:    simulate.KindUnreadableFile, path: "/data/notes.txt"},
		{name: "read is never offered on a directory above the tree", roots: []string{"/home/alice/public_html"},
			entries: home, kind: simulate.KindUnreadableDir, path: "/home/alice"},
		{
			name: "password file", roots: []string{"/srv/www"}, auth: "/etc/nginx/htpasswd",
			entries: site(file("/etc/nginx/htpasswd", 0o600, 0, 0)),
			kind:    simulate.KindAuthFileUnreadable, path: "/etc/nginx/htpasswd",
			want: []string{
				"safe: give www-data read access on /etc/nginx/htpasswd with an ACL entry: setfacl -m u:www-data:r-- /etc/nginx/htpasswd",
			},
		},
		{
			name: "password file in the worker's group", roots: []string{"/srv/www"}, auth: "/etc/nginx/htpasswd",
			entries: site(file("/etc/nginx/htpasswd", 0o600, 0, wwwData)),
			kind:    simulate.KindAuthFileUnreadable, path: "/etc/nginx/htpasswd",
			want: []string{
				"safe: give www-data read access on /etc/nginx/htpasswd with an ACL entry: setfacl -m u:www-data:r-- /etc/nginx/htpasswd",
				"safe: give the group www-data (www-data is a member) read access on /etc/nginx/htpasswd: chmod g+r /etc/nginx/htpasswd",
			},
		},
		{
			name: "password file without ACL support", roots: []string{"/srv/www"}, auth: "/etc/nginx/auth/htpasswd",
			entries: site(fsmeta.Entry{Path: "/etc/nginx/auth", Type: fsmeta.TypeDir, Perm: 0o755, NoACL: true},
				file("/etc/nginx/auth/htpasswd", 0o600, 0, 0)),
			kind: simulate.KindAuthFileUnreadable, path: "/etc/nginx/auth/htpasswd",
		},
		{
			// auth_basic_user_file /etc/shadow: never a file to open
			name: "the system's shadow file as password file", roots: []string{"/srv/www"}, auth: "/etc/shadow",
			entries: site(file("/etc/shadow", 0o640, 0, 42)),
			kind:    simulate.KindAuthFileUnreadable, path: "/etc/shadow",
		},
		{
			name: "a TLS key as password file", roots: []string{"/srv/www"}, auth: "/etc/ssl/private/site.key",
			entries: site(file("/etc/ssl/private/site.key", 0o600, 0, 0)),
			kind:    simulate.KindAuthFileUnreadable, path: "/etc/ssl/private/site.key",
		},
		{
			// readable, it would be served to everyone
			name: "a password file inside the served tree", roots: []string{"/srv/www"}, auth: "/srv/www/passwords",
			entries: site(file("/srv/www/passwords", 0o600, 0, 0)),
			kind:    simulate.KindAuthFileUnreadable, path: "/srv/www/passwords",
		},
		{
			name: "directory of the password file", roots: []string{"/srv/www"}, auth: "/etc/nginx/auth/htpasswd",
			entries: site(dir("/etc/nginx/auth", 0o700, 0, 0), file("/etc/nginx/auth/htpasswd", 0o644, 0, 0)),
			kind:    simulate.KindAuthFileUnreadable, path: "/etc/nginx/auth",
			want: []string{
				"safe: give www-data the search bit on /etc/nginx/auth with an ACL entry: setfacl -m u:www-data:--x /etc/nginx/auth",
			},
		},
		{
			name: "a file the worker owns", roots: []string{"/srv/www"},
			entries: site(file("/srv/www/owner066.html", 0o066, wwwData, wwwData)),
			kind:    simulate.KindUnreadableFile, path: "/srv/www/owner066.html",
			want: []string{"safe: give the owner www-data read access on /srv/www/owner066.html: chmod u+r /srv/www/owner066.html"},
		},
		{
			name: "a worker entry without read on a directory to list", roots: []string{"/srv/www"},
			entries: site(withACL(dir("/srv/www/dacl", 0o710, alice, alice),
				&fsmeta.ACL{UserObj: 7, Users: []fsmeta.ACLEntry{{ID: wwwData, Perm: fsmeta.Exec}}, Mask: fsmeta.Exec, HasMask: true})),
			kind: simulate.KindUnreadableDir, path: "/srv/www/dacl",
			// o+r would not help: the kernel stops at the worker's entry.
			want: []string{"safe: give www-data read access on /srv/www/dacl in its ACL entry, the ACL mask raised to r-x: setfacl -m u:www-data:r-x,m::r-x /srv/www/dacl"},
		},
		{
			name: "a file reached through a symlink out of its tree", roots: []string{"/srv/app/public"},
			entries: []fsmeta.Entry{
				dir("/srv/app", 0o755, alice, alice), dir("/srv/app/public", 0o755, alice, alice),
				{Path: "/srv/app/public/storage", Type: fsmeta.TypeSymlink, Target: "../storage/pub"},
				dir("/srv/app/storage", 0o755, alice, alice), dir("/srv/app/storage/pub", 0o755, alice, alice),
				file("/srv/app/storage/pub/a.jpg", 0o600, alice, alice),
			},
			kind: simulate.KindUnreadableFile, path: "/srv/app/storage/pub/a.jpg",
			mapped: "/srv/app/public/storage/a.jpg", url: "/storage/a.jpg",
			want: []string{
				"safe: give www-data read access on /srv/app/storage/pub/a.jpg with an ACL entry: setfacl -m u:www-data:r-- /srv/app/storage/pub/a.jpg",
				"review: give every user read access on /srv/app/storage/pub/a.jpg: chmod o+r /srv/app/storage/pub/a.jpg",
			},
		},
		{
			name: "a directory above a file reached through a symlink", roots: []string{"/srv/app/public"},
			entries: []fsmeta.Entry{
				dir("/srv/app", 0o755, alice, alice), dir("/srv/app/public", 0o755, alice, alice),
				{Path: "/srv/app/public/storage", Type: fsmeta.TypeSymlink, Target: "../storage/pub"},
				dir("/srv/app/storage", 0o700, alice, alice), dir("/srv/app/storage/pub", 0o755, alice, alice),
				file("/srv/app/storage/pub/a.jpg", 0o644, alice, alice),
			},
			kind: simulate.KindNoSearch, path: "/srv/app/storage",
			mapped: "/srv/app/public/storage/a.jpg", url: "/storage/a.jpg",
			want: []string{
				"safe: give www-data the search bit on /srv/app/storage with an ACL entry: setfacl -m u:www-data:--x /srv/app/storage",
				"review: give every user the search bit on /srv/app/storage: chmod o+x /srv/app/storage",
			},
		},
		{
			name: "the same file without a decision", roots: []string{"/srv/app/public"},
			entries: []fsmeta.Entry{
				{Path: "/srv/app/public/storage", Type: fsmeta.TypeSymlink, Target: "../storage/pub"},
				file("/srv/app/storage/pub/a.jpg", 0o600, alice, alice),
			},
			kind: simulate.KindUnreadableFile, path: "/srv/app/storage/pub/a.jpg",
		},
		{
			name: "a request for a secret", roots: []string{"/srv/app/public"},
			entries: []fsmeta.Entry{
				{Path: "/srv/app/public/conf", Type: fsmeta.TypeSymlink, Target: "../etc"},
				file("/srv/app/etc/site.key", 0o600, alice, alice),
			},
			kind: simulate.KindUnreadableFile, path: "/srv/app/etc/site.key",
			mapped: "/srv/app/public/conf/site.key", url: "/conf/site.key",
		},
		{
			name: "a drop directory the worker may write: no ACL entry repeats the w", roots: []string{"/srv/www"},
			entries: site(dir("/srv/www/drop", 0o733, alice, alice)),
			kind:    simulate.KindUnreadableDir, path: "/srv/www/drop",
			want: []string{"review: give every user read access on /srv/www/drop: chmod o+r /srv/www/drop"},
		},
		{name: "not a filesystem cause", roots: []string{"/srv/www"}, entries: site(file("/srv/www/a", 0o600, alice, alice)),
			kind: simulate.KindDenyRule, path: "/srv/www/a"},
		{name: "a kind for another type", roots: []string{"/srv/www"}, entries: site(file("/srv/www/a", 0o600, alice, alice)),
			kind: simulate.KindNoSearch, path: "/srv/www/a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := repairServer(t, tt.roots, tt.auth, tt.entries)
			p := simulate.Problem{Kind: tt.kind, Path: tt.path}
			if tt.mapped != "" {
				p.Decision = &simulate.Decision{Status: 403, Path: tt.mapped}
				p.Request = simulate.Request{Path: tt.url}
			}
			fixes := simulate.FSRepairs(srv, p)
			var got []string
			for _, f := range fixes {
				got = append(got, show(f))
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("FSRepairs:\n got %q\nwant %q", got, tt.want)
			}
			// Every fix gives the worker the right, on the object alone.
			fsys := srv.FileSystem()
			before, _ := fsys.Lstat(tt.path)
			for _, f := range fixes {
				ch, err := simulate.OpChanges(fsys, f.Ops)
				if err != nil {
					t.Fatalf("%s: %v", f.Description, err)
				}
				if len(ch.Meta) != 1 {
					t.Errorf("%s: changes %d paths", f.Description, len(ch.Meta))
				}
				after, err := fsys.With(ch).Lstat(tt.path)
				if err != nil {
					t.Fatal(err)
				}
				need := fsmeta.Read
				switch {
				case tt.kind == simulate.KindUnreadableDir:
					need = fsmeta.Read | fsmeta.Exec
				case before.IsDir():
					need = fsmeta.Exec
				}
				if !fsmeta.Permits(after, srv.WorkerCred(), need) {
					t.Errorf("%s: the worker still lacks %v", f.Description, need)
				}
				if after.Perm&^before.Perm&0o222 != 0 || after.Perm&0o777 == 0o777 {
					t.Errorf("%s: mode %o grants write", f.Description, after.Perm)
				}
				for _, op := range f.Ops {
					for _, e := range op.ACL {
						if e.Tag != "mask" && e.Perm&0o2 != 0 {
							t.Errorf("%s: ACL entry %s grants write", f.Description, e)
						}
					}
				}
			}
		})
	}
}

func TestOpChanges(t *testing.T) {
	fsys, err := fsmeta.NewMemory("", []fsmeta.Entry{
		file("/f", 0o640, 1000, 1000),
		withACL(file("/a", 0o640, 1000, 1000), &fsmeta.ACL{UserObj: 6, GroupObj: 4, Users: []fsmeta.ACLEntry{{ID: 1001, Perm: 6}}, Mask: 4, HasMask: true}),
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		ops  []fix.Op
		path string
		want string // mode and ACL after
	}{
		{"chmod", []fix.Op{{Kind: fix.OpChmod, Path: "/f", Add: 0o005, Remove: 0o040}}, "/f", "0605 "},
		{"setfacl without an ACL computes the mask", []fix.Op{{Kind: fix.OpSetACL, Path: "/f", ACL: []fix.ACLEntry{{Tag: "user", Name: "www-data", ID: 33, Perm: 1}}}},
			"/f", "0650 user::rw-,user:33:--x,group::r--,mask::r-x,other::---"},
		{"setfacl recomputes the mask", []fix.Op{{Kind: fix.OpSetACL, Path: "/a", ACL: []fix.ACLEntry{{Tag: "user", ID: 33, Perm: 4}}}},
			"/a", "0660 user::rw-,user:33:r--,user:1001:rw-,group::r--,mask::rw-,other::---"},
		{"setfacl with a named mask", []fix.Op{{Kind: fix.OpSetACL, Path: "/a", ACL: []fix.ACLEntry{{Tag: "user", ID: 33, Perm: 4}, {Tag: "mask", ID: -1, Perm: 4}}}},
			"/a", "0640 user::rw-,user:33:r--,user:1001:rw-,group::r--,mask::r--,other::---"},
		{"chmod changes the mask", []fix.Op{{Kind: fix.OpChmod, Path: "/a", Add: 0o071}}, "/a", "0671 user::rw-,user:1001:rw-,group::r--,mask::rwx,other::--x"},
		{"chown", []fix.Op{{Kind: fix.OpChown, Path: "/f", UID: -1, GID: 33}}, "/f", "0640 "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch, err := simulate.OpChanges(fsys, tt.ops)
			if err != nil {
				t.Fatal(err)
			}
			info, err := fsys.With(ch).Lstat(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprintf("%04o %s", info.Perm, info.ACL); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	if _, err := simulate.OpChanges(fsys, []fix.Op{{Kind: fix.OpChmod, Path: "/missing"}}); err == nil {
		t.Error("OpChanges on a missing path: no error")
	}
	// The original view is untouched.
	if info, _ := fsys.Lstat("/a"); info.ACL.Mask != 4 || len(info.ACL.Users) != 1 {
		t.Errorf("OpChanges changed the view: %v", info.ACL)
	}
}
