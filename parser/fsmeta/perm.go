package fsmeta

import (
	"fmt"
	"slices"
)

// FileType is the kind of a filesystem object as lstat(2) reports it.
type FileType uint8

// The file types unforbid distinguishes. Devices, sockets and FIFOs are
// TypeOther.
const (
	TypeRegular FileType = iota
	TypeDir
	TypeSymlink
	TypeOther
)

// String returns the name stat(1) prints for the type, e.g. "directory".
func (t FileType) String() string {
	switch t {
	case TypeRegular:
		return "regular file"
	case TypeDir:
		return "directory"
	case TypeSymlink:
		return "symbolic link"
	case TypeOther:
		return "other"
	}
	return fmt.Sprintf("FileType(%d)", uint8(t))
}

// Perm is a set of access rights: any combination of Read, Write and Exec,
// with the values the kernel and POSIX ACLs use (r=4, w=2, x=1).
type Perm uint8

// The access rights. Exec on a directory is search permission.
const (
	Exec  Perm = 1
	Write Perm = 2
	Read  Perm = 4
)

// String lists the rights present in r, w, x order without dashes: "r",
// "rx", "rwx", or "" for none.
func (p Perm) String() string {
	var b [3]byte
	n := 0
	if p&Read != 0 {
		b[n] = 'r'
		n++
	}
	if p&Write != 0 {
		b[n] = 'w'
		n++
	}
	if p&Exec != 0 {
		b[n] = 'x'
		n++
	}
	return string(b[:n])
}

// rwx formats p the way getfacl and ls do, with dashes: "r-x".
func (p Perm) rwx() string {
	b := []byte("---")
	if p&Read != 0 {
		b[0] = 'r'
	}
	if p&Write != 0 {
		b[1] = 'w'
	}
	if p&Exec != 0 {
		b[2] = 'x'
	}
	return string(b)
}

// Cred is the identity a process checks access with: its user name (for
// messages), uid, gid and all group ids it holds. Groups includes the
// primary gid when it comes from Users.Cred.
type Cred struct {
	User   string
	UID    uint32
	GID    uint32
	Groups []uint32
}

// InGroup reports whether the process holds gid, either as its gid or in
// its group list, as the kernel's in_group_p does.
func (c Cred) InGroup(gid uint32) bool {
	return c.GID == gid || slices.Contains(c.Groups, gid)
}

// Permits reports whether a process with credentials c is granted want on
// the object described by info, as the kernel's generic_permission and
// acl_permission_check decide:
//
//   - uid 0 may always read and write, search any directory, and execute
//     a non-directory that has any x bit in Perm;
//   - the owner gets the owner bits of Perm (which equal the ACL's user::);
//   - with an ACL, and only when the group bits of Perm (the ACL mask) are
//     not all clear: a named user entry matching the uid, masked; else if
//     the owning group or named group entries match any of the process's
//     groups, access is granted when one of them covers want once masked
//     and denied otherwise, without looking at other; else other::;
//   - without an ACL (or with a clear mask): the group bits when the
//     process holds the owning group, else the other bits.
//
// want 0 is always granted; a nil info grants nothing else.
func Permits(info *Info, c Cred, want Perm) bool {
	want &= Read | Write | Exec
	if want == 0 {
		return true
	}
	if info == nil {
		return false
	}
	mode := info.Perm
	if c.UID == 0 {
		// CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH.
		if want&Exec == 0 || info.Type == TypeDir {
			return true
		}
		return mode&0o111 != 0
	}
	if c.UID == info.UID {
		return Perm(mode>>6)&want == want
	}
	// The kernel consults the ACL only when the mode's group bits, which
	// show the mask, are not all clear (fs/namei.c acl_permission_check).
	if acl := info.ACL; acl != nil && mode&0o070 != 0 {
		return aclPermits(acl, info.GID, c, want)
	}
	if c.InGroup(info.GID) {
		return Perm(mode>>3)&want == want
	}
	return Perm(mode)&want == want
}

// aclPermits is posix_acl_permission for a process that does not own the
// file.
func aclPermits(acl *ACL, gid uint32, c Cred, want Perm) bool {
	mask := Perm(7)
	if acl.HasMask {
		mask = acl.Mask
	}
	for _, e := range acl.Users {
		if e.ID == c.UID {
			return e.Perm&mask&want == want
		}
	}
	// The kernel stops at the first group entry whose unmasked bits cover
	// want and then applies the mask; as the mask is one value, that is the
	// same as asking whether any matching entry covers want once masked.
	matched := false
	if c.InGroup(gid) {
		matched = true
		if acl.GroupObj&mask&want == want {
			return true
		}
	}
	for _, e := range acl.Groups {
		if c.InGroup(e.ID) {
			matched = true
			if e.Perm&mask&want == want {
				return true
			}
		}
	}
	if matched {
		return false
	}
	return acl.Other&want == want
}
