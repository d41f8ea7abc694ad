package fsmeta

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

const testPasswd = `# comment line
root:x:0:0:root:/root:/bin/bash

www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin
alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash
  # indented comment
broken line without colons
baduid:x:abc:33::/nonexistent:/bin/false
short:x:5
negative:x:-1:0::/:/bin/false
minus1:x:4294967295:0::/:/bin/false
:x:7:7::/:/bin/false
+nis::0:0:::
nginx:x:101:101:nginx:/nonexistent:/bin/false
www-data:x:99:99:duplicate:/tmp:/bin/false
crlf:x:2000:2000::/home/crlf:/bin/sh` + "\r\n"

const testGroup = `# groups
root:x:0:
adm:x:4:syslog,alice
www-data:x:33:
alice:x:1000:
deploy:x:1001:alice, www-data ,bob
nginx:x:101:
web:x:1002:www-data
empty:x:1003:,,
bad:x:notanumber:www-data
toomany:x:1004:www-data:extra
nogid:x

www-data:x:34:www-data
alt33:x:33:nginx
`

func writeRoot(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, body := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestLoadUsers(t *testing.T) {
	root := writeRoot(t, map[string]string{"etc/passwd": testPasswd, "etc/group": testGroup})
	u, err := New(root).LoadUsers()
	if err != nil {
		t.Fatal(err)
	}
	users := []struct {
		name string
		want User
		ok   bool
	}{
		{"root", User{"root", 0, 0, "/root"}, true},
		{"www-data", User{"www-data", 33, 33, "/var/www"}, true}, // first entry wins
		{"alice", User{"alice", 1000, 1000, "/home/alice"}, true},
		{"nginx", User{"nginx", 101, 101, "/nonexistent"}, true},
		{"crlf", User{"crlf", 2000, 2000, "/home/crlf"}, true},
		{"baduid", User{}, false},
		{"short", User{}, false},
		{"negative", User{}, false},
		{"minus1", User{}, false},
		{"+nis", User{}, false},
		{"broken line without colons", User{}, false},
		{"", User{}, false},
		{"nobody", User{}, false},
	}
	for _, tt := range users {
		got, ok := u.User(tt.name)
		if ok != tt.ok || got != tt.want {
			t.Errorf("User(%q) = %+v, %v; want %+v, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
	byID := []struct {
		uid  uint32
		name string
		ok   bool
	}{{0, "root", true}, {33, "www-data", true}, {99, "www-data", true}, {101, "nginx", true}, {5, "", false}, {7, "", false}}
	for _, tt := range byID {
		got, ok := u.UserByID(tt.uid)
		if ok != tt.ok || got.Name != tt.name {
			t.Errorf("UserByID(%d) = %+v, %v; want name %q, %v", tt.uid, got, ok, tt.name, tt.ok)
		}
	}
	groups := []struct {
		name string
		want Group
		ok   bool
	}{
		{"root", Group{"root", 0, nil}, true},
		{"adm", Group{"adm", 4, []string{"syslog", "alice"}}, true},
		{"www-data", Group{"www-data", 33, nil}, true},
		{"deploy", Group{"deploy", 1001, []string{"alice", "www-data", "bob"}}, true},
		{"empty", Group{"empty", 1003, nil}, true},
		{"bad", Group{}, false},
		{"toomany", Group{}, false},
		{"nogid", Group{}, false},
		{"missing", Group{}, false},
	}
	for _, tt := range groups {
		got, ok := u.Group(tt.name)
		if ok != tt.ok || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Group(%q) = %+v, %v; want %+v, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
	if g, ok := u.GroupByID(33); !ok || g.Name != "www-data" {
		t.Errorf("GroupByID(33) = %+v, %v; want www-data", g, ok)
	}
	if g, ok := u.GroupByID(34); !ok || g.Name != "www-data" {
		t.Errorf("GroupByID(34) = %+v, %v; want the duplicate www-data", g, ok)
	}
	if _, ok := u.GroupByID(4242); ok {
		t.Error("GroupByID(4242) found a group")
	}
}

func TestLoadUsersMissing(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		user  bool
		group bool
	}{
		{"no etc", nil, false, false},
		{"passwd only", map[string]string{"etc/passwd": "www-data:x:33:33::/var/www:/bin/false\n"}, true, false},
		{"group only", map[string]string{"etc/group": "www-data:x:33:\n"}, false, true},
		{"empty files", map[string]string{"etc/passwd": "", "etc/group": ""}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := New(writeRoot(t, tt.files)).LoadUsers()
			if err != nil {
				t.Fatalf("LoadUsers() error = %v", err)
			}
			if _, ok := u.User("www-data"); ok != tt.user {
				t.Errorf("User(www-data) found = %v, want %v", ok, tt.user)
			}
			if _, ok := u.Group("www-data"); ok != tt.group {
				t.Errorf("Group(www-data) found = %v, want %v", ok, tt.group)
			}
		})
	}
}

func TestLoadUsersThroughSymlink(t *testing.T) {
	// /etc/passwd -> /shared/passwd must resolve inside the root.
	root := writeRoot(t, map[string]string{"shared/passwd": "www-data:x:33:33::/var/www:/bin/false\n", "etc/group": ""})
	if err := os.Symlink("/shared/passwd", filepath.Join(root, "etc/passwd")); err != nil {
		t.Fatal(err)
	}
	u, err := New(root).LoadUsers()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := u.User("www-data"); !ok {
		t.Error("user from a symlinked /etc/passwd not found")
	}
}

func TestLoadUsersUnreadable(t *testing.T) {
	// /etc/passwd being a directory is an error, not an empty database.
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc/passwd"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := New(root).LoadUsers(); err == nil {
		t.Error("LoadUsers() with a directory /etc/passwd: no error")
	}
}

func TestCred(t *testing.T) {
	u := ParseUsers([]byte(testPasswd), []byte(testGroup))
	tests := []struct {
		user, group string
		want        Cred
		wantErr     string
	}{
		{"www-data", "www-data", Cred{"www-data", 33, 33, []uint32{33, 1001, 1002, 34}}, ""},
		{"alice", "alice", Cred{"alice", 1000, 1000, []uint32{1000, 4, 1001}}, ""},
		// The given group replaces the passwd primary gid, which is not added.
		{"alice", "www-data", Cred{"alice", 1000, 33, []uint32{33, 4, 1001}}, ""},
		// Being listed in the given group adds nothing twice; the passwd gid 33
		// (whose entry lists no one) is not added.
		{"www-data", "web", Cred{"www-data", 33, 1002, []uint32{1002, 1001, 34}}, ""},
		{"nginx", "nginx", Cred{"nginx", 101, 101, []uint32{101, 33}}, ""},
		{"root", "root", Cred{"root", 0, 0, []uint32{0}}, ""},
		{"#33", "#4", Cred{"#33", 33, 4, []uint32{4}}, ""},
		{"nobody", "nogroup", Cred{}, `unknown user "nobody"`},
		{"www-data", "nogroup", Cred{}, `unknown group "nogroup"`},
		{"www-data", "", Cred{}, `unknown group ""`},
		{"#x", "www-data", Cred{}, `unknown user "#x"`},
	}
	for _, tt := range tests {
		t.Run(tt.user+"/"+tt.group, func(t *testing.T) {
			got, err := u.Cred(tt.user, tt.group)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("Cred() error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Cred() error = %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Cred() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestNilUsers(t *testing.T) {
	var u *Users
	if _, ok := u.User("root"); ok {
		t.Error("nil Users found a user")
	}
	if _, ok := u.UserByID(0); ok {
		t.Error("nil Users found a uid")
	}
	if _, ok := u.Group("root"); ok {
		t.Error("nil Users found a group")
	}
	if _, ok := u.GroupByID(0); ok {
		t.Error("nil Users found a gid")
	}
	if _, err := u.Cred("root", "root"); err == nil {
		t.Error("nil Users gave credentials")
	}
	var zero Users
	if _, ok := zero.User("root"); ok {
		t.Error("zero Users found a user")
	}
}
