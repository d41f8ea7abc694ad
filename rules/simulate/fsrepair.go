package simulate

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/unforbid/unforbid/fix"
	"github.com/unforbid/unforbid/internal/secret"
	"github.com/unforbid/unforbid/parser/fsmeta"
)

// privateSystemFile reports whether p is a file the system keeps private:
// no repair opens it to the workers, whatever directive names it.
func privateSystemFile(p string) bool {
	base := path.Base(p)
	switch {
	case base == "shadow" || base == "gshadow" || base == "shadow-" || base == "gshadow-" || base == "sudoers":
		return true
	case strings.HasPrefix(p, "/root/") || strings.HasPrefix(p, "/etc/ssl/private/") || strings.Contains(p, "/.ssh/"):
		return true
	case strings.HasSuffix(base, ".key") || strings.HasSuffix(base, ".pem") || strings.HasPrefix(base, "id_rsa") || strings.HasPrefix(base, "id_ed25519"):
		return true
	}
	return secret.IsSecret(p) && !strings.HasPrefix(base, ".htpasswd")
}

// IsSystemDir reports whether p (cleaned) is a directory that holds other
// users' data, on which no repair grants anything: "/", /home, /srv, /var,
// /usr, /etc, /root, /tmp and /opt.
func IsSystemDir(p string) bool { return systemDirs[p] }

// systemDirs hold other users' data: no repair ever grants anything on
// them, whatever the config serves below.
var systemDirs = map[string]bool{
	"/": true, "/home": true, "/srv": true, "/var": true, "/usr": true,
	"/etc": true, "/root": true, "/tmp": true, "/opt": true,
}

// FSRepairs returns the alternative repairs of a filesystem cause, the
// narrowest first, for any server: p.Kind is KindNoSearch (p.Path is the
// directory without the search bit for the worker), KindUnreadableFile (a
// served file the worker cannot read), KindUnreadableDir (a directory the
// worker must list or open) or KindAuthFileUnreadable (p.Path is the
// password file, or a directory on its path without the search bit).
// Other kinds get none.
//
// Each repair grants the worker exactly the missing rights on p.Path
// alone, never recursively and never write: the search bit on a
// directory; read on a file; read (and search, when missing too) on a
// directory only for KindUnreadableDir. On an object the worker owns the
// only repair is its owner bits (chmod u+r). Otherwise the alternatives,
// in order:
//
//  1. an ACL entry for the worker user, where the filesystem supports
//     ACLs (setfacl -m u:www-data:--x). The entry holds the missing
//     rights and those the worker has now through another class (the
//     kernel stops at a named user entry, so without them it would lose
//     them: r-x, not r--, on a directory of mode 0711; none when that
//     would include write, which no repair names); an entry the
//     worker has already is extended. When the object already has an
//     ACL with a mask, the op names the mask explicitly, raised by just
//     what the entry needs: setfacl would otherwise recompute it from
//     every entry and could open more than asked. A worker entry that
//     holds the rights but is cut by the mask gets only the mask raised;
//  2. the group bits, when the object's group is one the worker holds and
//     it has no ACL (with an ACL, chmod's group bits are the mask, and the
//     ACL entry above is the narrower grant);
//  3. the other bits, when the worker is not in the object's group (else
//     the kernel never looks at them) and the object is not the password
//     file or a directory on its path: no password file is ever made
//     readable to every user.
//
// A chgrp to the worker's group is not offered: it takes the group's
// rights away from the old group's members, a user who is not in the
// worker's group cannot make it, and whether the owner is the only user
// of the group class cannot be known from one file.
//
// Where: no repair is offered on "/", /home, /srv, /var, /usr, /etc,
// /root, /tmp or /opt; nor on a path that is neither a served tree (a
// Root of srv.Sites, as written and with its symlinks resolved), nor
// inside one, nor a directory on the parent chain of one, nor what
// p.Decision mapped its request to (a tree whose directory holds
// variables, a file reached through a symlink out of its tree) or a
// directory above that (the password file and the directories on its
// path excepted); nor when p.Request names a secret, or the path below
// its served tree does (.git, .env, keys, backups: see secret.IsSecret);
// nor on a symbolic link; nor where an ACL entry naming the worker, or
// entries naming its groups, grant nothing at all: someone's decision.
//
// Every alternative is checked on the filesystem view as its ops leave
// it (fsmeta.FS.With): one that would not give the worker the missing
// rights, or would take one it has, is dropped.
//
// SELinux labels are read (fsmeta.Info.Label) but not simulated: Access
// checks modes and ACLs only, so no cause is a label and no restorecon
// repair is made here.
//
// Classes: the grants to the worker alone (its ACL entry, the group it is
// in, the owner bits of what it owns) are fix.Safe, except an ACL whose
// raised mask also lets other entries use bits it cut (fix.Review); the
// other bits are always fix.Review: every local user, not the worker
// alone, gains them (on a directory, what the config refuses inside it).
//
// No fix is offered for a file with more than one hard link (another name
// may stand anywhere: --apply refuses it), for a password file the system
// keeps private (shadow, keys, /root, .ssh) or one inside a served tree
// (it would be served once readable).
func FSRepairs(srv Server, p Problem) []fix.Fix {
	fsys := srv.FileSystem()
	target := path.Clean("/" + p.Path)
	if p.Path == "" || systemDirs[target] {
		return nil
	}
	info, err := fsys.Lstat(target)
	if err != nil || info.Type == fsmeta.TypeSymlink {
		return nil
	}
	r := repair{srv: srv, fsys: fsys, cred: srv.WorkerCred(), path: target, info: info}
	if !r.scope(p) {
		return nil
	}
	missing := r.missing()
	if missing == 0 || r.deliberate() {
		return nil
	}
	users, _ := fsys.LoadUsers()
	r.users = users
	var out []fix.Fix
	alts := []func(fsmeta.Perm) (fix.Fix, bool){r.viaACL, r.viaGroup, r.viaOther}
	if info.UID == r.cred.UID {
		// The kernel looks at the owner bits alone for the owner.
		alts = []func(fsmeta.Perm) (fix.Fix, bool){r.viaOwner}
	}
	for _, alt := range alts {
		f, ok := alt(missing)
		if ok && r.works(f, missing) {
			out = append(out, f)
		}
	}
	return out
}

// repair is the state of one FSRepairs call.
type repair struct {
	srv   Server
	fsys  *fsmeta.FS
	users *fsmeta.Users
	cred  fsmeta.Cred
	path  string
	info  *fsmeta.Info
	// need is the right the cause needs: Exec for a search bit, Read for
	// a file, Read|Exec for a directory to list.
	need fsmeta.Perm
	// above is set when path is a directory on the parent chain of a
	// served tree, not inside one.
	above bool
	// auth is set for the password file and the directories on its path.
	auth bool
}

// scope decides what the problem's kind asks of r.path and whether a
// repair may touch it at all.
func (r *repair) scope(p Problem) bool {
	kind := p.Kind
	isDir := r.info.Type == fsmeta.TypeDir
	switch kind {
	case KindNoSearch:
		r.need = fsmeta.Exec
	case KindUnreadableFile:
		r.need = fsmeta.Read
	case KindUnreadableDir:
		r.need = fsmeta.Read | fsmeta.Exec
	case KindAuthFileUnreadable:
		// The password file is the one file the config names outside
		// the served trees; its directories need the search bit. A
		// file the system keeps private (shadow, keys, anything under
		// /root or .ssh) is never a password file to open, whatever
		// auth_basic_user_file names, and one inside a served tree
		// would be served once readable.
		r.auth = true
		r.need = fsmeta.Read
		if isDir {
			r.need = fsmeta.Exec
		}
		if privateSystemFile(r.path) {
			return false
		}
		if inside, _, _ := r.place(); inside && !isDir {
			return false
		}
		return isDir || r.info.Type == fsmeta.TypeRegular && r.info.Nlink <= 1
	default:
		return false
	}
	if isDir != (kind != KindUnreadableFile) || !isDir && r.info.Type != fsmeta.TypeRegular {
		return false
	}
	if !isDir && r.info.Nlink > 1 {
		// another name of the file may stand anywhere (a link planted
		// to a secret): --apply refuses it, so no fix is offered
		return false
	}
	if p.Request.Path != "" && secret.IsSecret(p.Request.Path) {
		return false
	}
	inside, rel, above := r.place()
	if !inside {
		// A tree whose directory holds variables, or a file reached
		// through a symlink out of its tree: what the request maps to
		// is served all the same.
		switch r.mapped(p.Decision) {
		case mappedHere:
			inside, rel = true, "/"
		case mappedBelow:
			above = true
		}
	}
	switch {
	case inside:
		// Inside a served tree, the part below the tree is what a URL
		// names: a secret there stays closed.
		return !secret.IsSecret(rel)
	case above && kind == KindNoSearch:
		r.above = true
		return true
	}
	return false
}

// Where the object is against the path a request maps to.
const (
	mappedNot   = iota
	mappedHere  // the object the request maps to
	mappedBelow // the object the request maps to lies below it
)

// mapped locates r.path against the object the decision mapped its
// request to, its symlinks resolved.
func (r *repair) mapped(d *Decision) int {
	if d == nil || d.Path == "" {
		return mappedNot
	}
	res := r.fsys.Access(fsmeta.Cred{User: "root"}, d.Path, 0, true)
	if !res.OK() {
		return mappedNot
	}
	switch phys := res.Info.Path; {
	case phys == r.path:
		return mappedHere
	case strings.HasPrefix(phys, r.path+"/"):
		return mappedBelow
	}
	return mappedNot
}

// place locates r.path against the served trees: inside one (rel is its
// path below the tree, "/" for the tree itself), or on the parent chain
// of one. Trees are taken as written and with their symlinks resolved,
// since a cause names the directory the walk met.
func (r *repair) place() (inside bool, rel string, above bool) {
	for _, root := range r.roots() {
		switch {
		case r.path == root:
			return true, "/", false
		case strings.HasPrefix(r.path, root+"/") || root == "/":
			return true, strings.TrimPrefix(r.path, strings.TrimSuffix(root, "/")), false
		case strings.HasPrefix(root, r.path+"/"):
			above = true
		}
	}
	return false, "", above
}

// roots returns the directories of every served tree whose path is known,
// as written and resolved.
func (r *repair) roots() []string {
	var out []string
	for _, site := range r.srv.Sites() {
		for _, root := range site.Roots {
			if root.Dir == "" || strings.Contains(root.Dir, "$") {
				continue
			}
			dir := path.Clean("/" + root.Dir)
			out = append(out, dir)
			if res := r.fsys.Access(fsmeta.Cred{User: "root"}, dir, 0, true); res.OK() && res.Info.Path != dir {
				out = append(out, res.Info.Path)
			}
		}
	}
	return out
}

// current returns the rights the worker has on r.path now.
func (r *repair) current() fsmeta.Perm {
	var c fsmeta.Perm
	for _, b := range []fsmeta.Perm{fsmeta.Read, fsmeta.Write, fsmeta.Exec} {
		if fsmeta.Permits(r.info, r.cred, b) {
			c |= b
		}
	}
	return c
}

// missing returns the rights of r.need the worker lacks on r.path.
func (r *repair) missing() fsmeta.Perm {
	var m fsmeta.Perm
	for _, b := range []fsmeta.Perm{fsmeta.Read, fsmeta.Exec} {
		if r.need&b != 0 && !fsmeta.Permits(r.info, r.cred, b) {
			m |= b
		}
	}
	return m
}

// deliberate reports whether the ACL refuses the worker on purpose: an
// entry naming the worker user that grants nothing at all
// (u:www-data:---), or, without one, entries naming its groups that all
// grant nothing. An entry granting some rights but not the missing ones
// (u:www-data:--x on a directory to list) is an oversight, repaired.
func (r *repair) deliberate() bool {
	acl := r.info.ACL
	if acl == nil {
		return false
	}
	if e, ok := r.userEntry(); ok {
		return e.Perm == 0
	}
	named := false
	for _, e := range acl.Groups {
		if r.cred.InGroup(e.ID) {
			if e.Perm != 0 {
				return false
			}
			named = true
		}
	}
	return named
}

// viaACL is the first alternative: an ACL entry for the worker user.
func (r *repair) viaACL(missing fsmeta.Perm) (fix.Fix, bool) {
	if !r.fsys.ACLSupported(r.path) {
		return fix.Fix{}, false
	}
	acl := r.info.ACL
	// The entry replaces, for the worker, whatever class gave it rights
	// until now (the kernel stops at a named user entry): it keeps them.
	want := r.current() | missing
	if want&fsmeta.Write != 0 {
		// The entry would have to repeat the write right the worker has
		// through another class to keep it, and no repair ever writes a
		// w: the chmod alternatives keep it untouched.
		return fix.Fix{}, false
	}
	user := fix.ACLEntry{Tag: "user", Name: r.userName(), ID: int(r.cred.UID), Perm: fs.FileMode(want)}
	if acl == nil || !acl.HasMask {
		// No ACL yet: setfacl builds one from the mode and computes
		// the mask from the group class, owning group included, so
		// nobody else gains anything.
		return fix.Fix{
			Description: fmt.Sprintf("give %s %s on %s with an ACL entry", r.userName(), rights(missing, r.info), r.path),
			Class:       fix.Safe,
			Ops:         []fix.Op{r.op(fix.OpSetACL, user)},
		}, true
	}
	mask := acl.Mask | want
	var entries []fix.ACLEntry
	var desc string
	e, has := r.userEntry()
	switch {
	case !has:
		entries = append(entries, user)
		desc = fmt.Sprintf("give %s %s on %s with an ACL entry", r.userName(), rights(missing, r.info), r.path)
	case e.Perm&want != want:
		// Keep what the entry held, even where the mask cut it; an
		// entry holding write is left to its author.
		if e.Perm&fsmeta.Write != 0 {
			return fix.Fix{}, false
		}
		user.Perm = fs.FileMode(e.Perm | want)
		entries = append(entries, user)
		desc = fmt.Sprintf("give %s %s on %s in its ACL entry", r.userName(), rights(missing, r.info), r.path)
	default:
		desc = fmt.Sprintf("raise the ACL mask of %s to %s so that the entry of %s gives it %s", r.path, rwx(mask), r.userName(), rights(missing, r.info))
	}
	if (!has || e.Perm&want != want) && mask != acl.Mask {
		desc += ", the ACL mask raised to " + rwx(mask)
	}
	// The mask is always named: setfacl would otherwise recompute it
	// from every group-class entry.
	entries = append(entries, fix.ACLEntry{Tag: "mask", ID: -1, Perm: fs.FileMode(mask)})
	class := fix.Safe
	if r.maskWidens(acl, mask) {
		class = fix.Review
		desc += " (other ACL entries gain what the mask cut)"
	}
	return fix.Fix{Description: desc, Class: class, Ops: []fix.Op{r.op(fix.OpSetACL, entries...)}}, true
}

// userEntry returns the ACL entry naming the worker user.
func (r *repair) userEntry() (fsmeta.ACLEntry, bool) {
	if r.info.ACL == nil {
		return fsmeta.ACLEntry{}, false
	}
	i := slices.IndexFunc(r.info.ACL.Users, func(e fsmeta.ACLEntry) bool { return e.ID == r.cred.UID })
	if i < 0 {
		return fsmeta.ACLEntry{}, false
	}
	return r.info.ACL.Users[i], true
}

// maskWidens reports whether raising acl's mask to mask gives a bit to a
// group-class entry other than the worker's own.
func (r *repair) maskWidens(acl *fsmeta.ACL, mask fsmeta.Perm) bool {
	gained := mask &^ acl.Mask
	if acl.GroupObj&gained != 0 {
		return true
	}
	for _, e := range acl.Users {
		if e.ID != r.cred.UID && e.Perm&gained != 0 {
			return true
		}
	}
	for _, e := range acl.Groups {
		if e.Perm&gained != 0 {
			return true
		}
	}
	return false
}

// viaOwner repairs an object the worker owns: its owner bits.
func (r *repair) viaOwner(missing fsmeta.Perm) (fix.Fix, bool) {
	op := r.op(fix.OpChmod)
	op.Add = fs.FileMode(missing) << 6
	return fix.Fix{
		Description: fmt.Sprintf("give the owner %s %s on %s", r.userName(), rights(missing, r.info), r.path),
		Class:       fix.Safe,
		Ops:         []fix.Op{op},
	}, true
}

// viaGroup is the second alternative: the group bits, when the worker
// holds the object's group.
func (r *repair) viaGroup(missing fsmeta.Perm) (fix.Fix, bool) {
	if r.info.ACL != nil || !r.cred.InGroup(r.info.GID) {
		return fix.Fix{}, false
	}
	op := r.op(fix.OpChmod)
	op.Add = fs.FileMode(missing) << 3
	return fix.Fix{
		Description: fmt.Sprintf("give the group %s (%s is a member) %s on %s", r.groupName(r.info.GID), r.userName(), rights(missing, r.info), r.path),
		Class:       fix.Safe,
		Ops:         []fix.Op{op},
	}, true
}

// viaOther is the third alternative: the other bits.
func (r *repair) viaOther(missing fsmeta.Perm) (fix.Fix, bool) {
	if r.auth || r.cred.InGroup(r.info.GID) {
		return fix.Fix{}, false
	}
	op := r.op(fix.OpChmod)
	op.Add = fs.FileMode(missing)
	// Every local user, not the worker alone, gains what the other bits
	// allow: on a directory, what the config refuses inside it; on a
	// file, its contents outside the server's access rules.
	return fix.Fix{
		Description: fmt.Sprintf("give every user %s on %s", rights(missing, r.info), r.path),
		Class:       fix.Review,
		Ops:         []fix.Op{op},
	}, true
}

// op is an operation on r.path that changes no owner.
func (r *repair) op(kind fix.OpKind, acl ...fix.ACLEntry) fix.Op {
	return fix.Op{Kind: kind, Path: r.path, UID: -1, GID: -1, ACL: acl}
}

// works reports whether the worker has missing on r.path once f's ops
// are done, and keeps every right it had.
func (r *repair) works(f fix.Fix, missing fsmeta.Perm) bool {
	want := r.current() | missing
	ch, err := OpChanges(r.fsys, f.Ops)
	if err != nil {
		return false
	}
	info, err := r.fsys.With(ch).Lstat(r.path)
	return err == nil && fsmeta.Permits(info, r.cred, want)
}

// userName is the worker user as setfacl takes it: its name, or its uid
// when the config gives a number (Apache's "#33").
func (r *repair) userName() string {
	if r.cred.User != "" && !strings.HasPrefix(r.cred.User, "#") {
		return r.cred.User
	}
	return strconv.FormatUint(uint64(r.cred.UID), 10)
}

// groupName is the name of gid in the view's group database, or gid.
func (r *repair) groupName(gid uint32) string {
	if g, ok := r.users.GroupByID(gid); ok {
		return g.Name
	}
	return strconv.FormatUint(uint64(gid), 10)
}

// rights names bits for a description: "the search bit", "read access",
// "read and search access".
func rights(p fsmeta.Perm, info *fsmeta.Info) string {
	switch {
	case p == fsmeta.Exec && info.IsDir():
		return "the search bit"
	case p == fsmeta.Read|fsmeta.Exec && info.IsDir():
		return "read and search access"
	case p == fsmeta.Read:
		return "read access"
	}
	return "the rights " + rwx(p)
}

func rwx(p fsmeta.Perm) string {
	b := []byte("---")
	for i, c := range "rwx" {
		if p&(4>>i) != 0 {
			b[i] = byte(c)
		}
	}
	return string(b)
}

// OpChanges returns what the filesystem operations ops would change on
// fsys, in order, as fsmeta.Changes for fsys.With: a fix is checked by
// simulating again on that view. chmod changes the mode (and, with an
// ACL, its user::, mask or group:: and other:: entries, as the kernel
// does); chown the owner and group; setfacl the ACL as `setfacl -m` does
// (an ACL made from the mode when there is none; the mask recomputed from
// every group-class entry unless the op names it); create makes a file.
// restorecon changes nothing here (labels are not simulated). A path
// that does not exist, or an ACL entry without an id, is an error.
func OpChanges(fsys *fsmeta.FS, ops []fix.Op) (fsmeta.Changes, error) {
	ch := fsmeta.Changes{Meta: map[string]fsmeta.Meta{}, Files: map[string]fsmeta.FileContent{}}
	for _, op := range ops {
		p := path.Clean("/" + op.Path)
		switch op.Kind {
		case fix.OpCreate:
			fc := fsmeta.FileContent{Data: op.Content, Perm: uint32(op.Mode.Perm())}
			if op.UID >= 0 {
				fc.UID = uint32(op.UID)
			}
			if op.GID >= 0 {
				fc.GID = uint32(op.GID)
			}
			ch.Files[p] = fc
			continue
		case fix.OpRestore:
			continue
		}
		m, ok := ch.Meta[p]
		if !ok {
			info, err := fsys.Lstat(p)
			if err != nil {
				return fsmeta.Changes{}, err
			}
			m = fsmeta.MetaOf(info)
			if m.ACL != nil {
				cp := *m.ACL
				cp.Users, cp.Groups = slices.Clone(cp.Users), slices.Clone(cp.Groups)
				m.ACL = &cp
			}
		}
		switch op.Kind {
		case fix.OpChmod:
			m.Perm = (m.Perm | uint32(op.Add.Perm())) &^ uint32(op.Remove.Perm())
			syncACL(&m)
		case fix.OpChown:
			if op.UID >= 0 {
				m.UID = uint32(op.UID)
			}
			if op.GID >= 0 {
				m.GID = uint32(op.GID)
			}
		case fix.OpSetACL:
			if err := setACL(&m, op.ACL); err != nil {
				return fsmeta.Changes{}, fmt.Errorf("%s: %w", p, err)
			}
		default:
			return fsmeta.Changes{}, fmt.Errorf("%s: unknown operation %q", p, op.Kind)
		}
		ch.Meta[p] = m
	}
	return ch, nil
}

// syncACL makes m's ACL follow a new mode, as chmod(2) does.
func syncACL(m *fsmeta.Meta) {
	a := m.ACL
	if a == nil {
		return
	}
	a.UserObj = fsmeta.Perm(m.Perm>>6) & 7
	if a.HasMask {
		a.Mask = fsmeta.Perm(m.Perm>>3) & 7
	} else {
		a.GroupObj = fsmeta.Perm(m.Perm>>3) & 7
	}
	a.Other = fsmeta.Perm(m.Perm) & 7
}

// setACL applies the entries of a `setfacl -m` to m.
func setACL(m *fsmeta.Meta, entries []fix.ACLEntry) error {
	a := m.ACL
	if a == nil {
		a = &fsmeta.ACL{
			UserObj:  fsmeta.Perm(m.Perm>>6) & 7,
			GroupObj: fsmeta.Perm(m.Perm>>3) & 7,
			Other:    fsmeta.Perm(m.Perm) & 7,
		}
		m.ACL = a
	}
	explicitMask := false
	for _, e := range entries {
		perm := fsmeta.Perm(e.Perm.Perm() & 7)
		switch e.Tag {
		case "mask":
			a.Mask, a.HasMask, explicitMask = perm, true, true
		case "user", "group":
			if e.ID < 0 {
				return fmt.Errorf("ACL entry %s without an id", e)
			}
			list := &a.Users
			if e.Tag == "group" {
				list = &a.Groups
			}
			*list = upsert(*list, fsmeta.ACLEntry{ID: uint32(e.ID), Perm: perm})
		default:
			return fmt.Errorf("unknown ACL tag %q", e.Tag)
		}
	}
	if !explicitMask {
		a.RecomputeMask()
	}
	group := a.GroupObj
	if a.HasMask {
		group = a.Mask
	}
	m.Perm = m.Perm&^0o777 | uint32(a.UserObj)<<6 | uint32(group)<<3 | uint32(a.Other)
	return nil
}

// upsert sets the entry of e.ID in list, keeping it sorted by id.
func upsert(list []fsmeta.ACLEntry, e fsmeta.ACLEntry) []fsmeta.ACLEntry {
	i, found := slices.BinarySearchFunc(list, e.ID, func(x fsmeta.ACLEntry, id uint32) int {
		switch {
		case x.ID < id:
			return -1
		case x.ID > id:
			return 1
		}
		return 0
	})
	if found {
		list[i] = e
		return list
	}
	return slices.Insert(list, i, e)
}
