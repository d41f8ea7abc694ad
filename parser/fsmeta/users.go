package fsmeta

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
)

// User is an entry of /etc/passwd.
type User struct {
	Name string
	UID  uint32
	GID  uint32 // primary group
	Home string
}

// Group is an entry of /etc/group. Members lists the user names of its
// fourth field (supplementary members).
type Group struct {
	Name    string
	GID     uint32
	Members []string
}

// Users is the user and group database of a root, read from its
// /etc/passwd and /etc/group. Lookups return the first matching entry, as
// glibc's files backend does. The zero value and nil are empty databases.
type Users struct {
	users  []User
	groups []Group
	byName map[string]int // index into users
	byUID  map[uint32]int
	grName map[string]int // index into groups
	grGID  map[uint32]int
}

// LoadUsers parses /etc/passwd and /etc/group under the root of f (os/user
// cannot read under a prefix). A missing file yields an empty database, not
// an error; comments, blank and malformed lines are skipped.
func (f *FS) LoadUsers() (*Users, error) {
	passwd, err := f.readOptional("/etc/passwd")
	if err != nil {
		return nil, err
	}
	group, err := f.readOptional("/etc/group")
	if err != nil {
		return nil, err
	}
	return ParseUsers(passwd, group), nil
}

func (f *FS) readOptional(p string) ([]byte, error) {
	b, err := f.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return b, err
}

// ParseUsers builds a database from the contents of a passwd and a group
// file. Lines that are blank, start with "#" (or "+"/"-" NIS markers), or
// lack fields or numeric ids are skipped.
func ParseUsers(passwd, group []byte) *Users {
	u := &Users{
		byName: make(map[string]int),
		byUID:  make(map[uint32]int),
		grName: make(map[string]int),
		grGID:  make(map[uint32]int),
	}
	eachLine(passwd, func(line string) {
		// name:password:uid:gid:gecos:home:shell
		f := strings.Split(line, ":")
		if len(f) < 6 || f[0] == "" {
			return
		}
		uid, ok1 := parseID(f[2])
		gid, ok2 := parseID(f[3])
		if !ok1 || !ok2 {
			return
		}
		u.users = append(u.users, User{Name: f[0], UID: uid, GID: gid, Home: f[5]})
		i := len(u.users) - 1
		if _, dup := u.byName[f[0]]; !dup {
			u.byName[f[0]] = i
		}
		if _, dup := u.byUID[uid]; !dup {
			u.byUID[uid] = i
		}
	})
	eachLine(group, func(line string) {
		// name:password:gid:member,member
		f := strings.Split(line, ":")
		if len(f) < 3 || len(f) > 4 || f[0] == "" {
			return
		}
		gid, ok := parseID(f[2])
		if !ok {
			return
		}
		g := Group{Name: f[0], GID: gid}
		if len(f) == 4 {
			for m := range strings.SplitSeq(f[3], ",") {
				if m = strings.TrimSpace(m); m != "" {
					g.Members = append(g.Members, m)
				}
			}
		}
		u.groups = append(u.groups, g)
		i := len(u.groups) - 1
		if _, dup := u.grName[g.Name]; !dup {
			u.grName[g.Name] = i
		}
		if _, dup := u.grGID[gid]; !dup {
			u.grGID[gid] = i
		}
	})
	return u
}

func eachLine(b []byte, fn func(string)) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		t := strings.TrimSpace(line)
		if t == "" || t[0] == '#' || t[0] == '+' || t[0] == '-' {
			continue
		}
		fn(line)
	}
	// An over-long line stops the scan; what was read so far is kept.
}

// parseID parses a decimal uid or gid. 4294967295 is (uid_t)-1, which no
// account can hold.
func parseID(s string) (uint32, bool) {
	n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 32)
	if err != nil || n == 1<<32-1 {
		return 0, false
	}
	return uint32(n), true
}

// User returns the first passwd entry named name.
func (u *Users) User(name string) (User, bool) {
	if u == nil {
		return User{}, false
	}
	i, ok := u.byName[name]
	if !ok {
		return User{}, false
	}
	return u.users[i], true
}

// UserByID returns the first passwd entry with uid.
func (u *Users) UserByID(uid uint32) (User, bool) {
	if u == nil {
		return User{}, false
	}
	i, ok := u.byUID[uid]
	if !ok {
		return User{}, false
	}
	return u.users[i], true
}

// Group returns the first group entry named name.
func (u *Users) Group(name string) (Group, bool) {
	if u == nil {
		return Group{}, false
	}
	i, ok := u.grName[name]
	if !ok {
		return Group{}, false
	}
	return u.groups[i], true
}

// GroupByID returns the first group entry with gid.
func (u *Users) GroupByID(gid uint32) (Group, bool) {
	if u == nil {
		return Group{}, false
	}
	i, ok := u.grGID[gid]
	if !ok {
		return Group{}, false
	}
	return u.groups[i], true
}

// Cred returns the credentials a process gets from setgid(group's gid),
// initgroups(user, gid) and setuid(user's uid), as nginx and Apache
// workers do: GID is the group's gid and Groups holds that gid followed by
// every group of /etc/group that lists user as a member, without
// duplicates. The passwd primary gid is not added unless it is the given
// group or the user is listed in it. As Apache's User and Group directives
// allow, "#<n>" names uid or gid n directly. An unknown name is an error:
// `unknown user "x"` or `unknown group "y"`.
func (u *Users) Cred(user, group string) (Cred, error) {
	var uid uint32
	if id, ok := numeric(user); ok {
		uid = id
	} else if pw, ok := u.User(user); ok {
		uid = pw.UID
	} else {
		return Cred{}, fmt.Errorf("unknown user %q", user)
	}
	var gid uint32
	if id, ok := numeric(group); ok {
		gid = id
	} else if gr, ok := u.Group(group); ok {
		gid = gr.GID
	} else {
		return Cred{}, fmt.Errorf("unknown group %q", group)
	}
	c := Cred{User: user, UID: uid, GID: gid, Groups: []uint32{gid}}
	if u == nil {
		return c, nil
	}
	for _, g := range u.groups {
		if g.GID == gid {
			continue
		}
		for _, m := range g.Members {
			if m == user {
				if !c.InGroup(g.GID) {
					c.Groups = append(c.Groups, g.GID)
				}
				break
			}
		}
	}
	return c, nil
}

// numeric parses Apache's "#<n>" form of a user or group.
func numeric(s string) (uint32, bool) {
	if len(s) < 2 || s[0] != '#' {
		return 0, false
	}
	return parseID(s[1:])
}
