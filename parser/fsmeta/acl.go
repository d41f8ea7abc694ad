package fsmeta

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ACLEntry is a named entry of a POSIX ACL: a uid (in ACL.Users) or a gid
// (in ACL.Groups) and the rights it grants before the mask.
type ACLEntry struct {
	ID   uint32
	Perm Perm
}

// ACL is a POSIX access ACL as stored in the system.posix_acl_access
// extended attribute. Named entries keep their on-disk order (sorted by id
// on any valid ACL). Mask is meaningful only when HasMask is set.
type ACL struct {
	UserObj, GroupObj, Other Perm
	Users, Groups            []ACLEntry
	Mask                     Perm
	HasMask                  bool
}

// ACL xattr layout (include/uapi/linux/posix_acl_xattr.h).
const (
	aclVersion  = 2
	aclHeader   = 4
	aclEntry    = 8
	tagUserObj  = 0x01
	tagUser     = 0x02
	tagGroupObj = 0x04
	tagGroup    = 0x08
	tagMask     = 0x10
	tagOther    = 0x20
)

// maxACLSize bounds what ParseACL accepts; ext4 and xfs store far fewer
// entries than this, so anything larger is garbage.
const maxACLSize = 1 << 20

// ParseACL decodes the value of a system.posix_acl_access (or
// system.posix_acl_default) extended attribute: a 4-byte little-endian
// version (2) followed by 8-byte little-endian entries {tag u16, perm u16,
// id u32}. It returns an error for a wrong version or length, an unknown
// tag, rights beyond rwx, a repeated or missing user::, group:: or other::
// entry, a repeated mask, or named entries without a mask.
func ParseACL(b []byte) (*ACL, error) {
	if len(b) < aclHeader {
		return nil, fmt.Errorf("acl: %d bytes, too short for the header", len(b))
	}
	if len(b) > maxACLSize {
		return nil, fmt.Errorf("acl: %d bytes, too long", len(b))
	}
	if v := binary.LittleEndian.Uint32(b); v != aclVersion {
		return nil, fmt.Errorf("acl: unsupported version %d", v)
	}
	body := b[aclHeader:]
	if len(body)%aclEntry != 0 {
		return nil, fmt.Errorf("acl: length %d is not a whole number of entries", len(b))
	}
	a := &ACL{}
	var seen uint16
	for i := 0; i < len(body); i += aclEntry {
		tag := binary.LittleEndian.Uint16(body[i:])
		perm := binary.LittleEndian.Uint16(body[i+2:])
		id := binary.LittleEndian.Uint32(body[i+4:])
		if perm&^7 != 0 {
			return nil, fmt.Errorf("acl: entry %d: invalid permission bits %#o", i/aclEntry, perm)
		}
		p := Perm(perm)
		switch tag {
		case tagUser:
			a.Users = append(a.Users, ACLEntry{ID: id, Perm: p})
			continue
		case tagGroup:
			a.Groups = append(a.Groups, ACLEntry{ID: id, Perm: p})
			continue
		case tagUserObj:
			a.UserObj = p
		case tagGroupObj:
			a.GroupObj = p
		case tagOther:
			a.Other = p
		case tagMask:
			a.Mask, a.HasMask = p, true
		default:
			return nil, fmt.Errorf("acl: entry %d: unknown tag %#x", i/aclEntry, tag)
		}
		if seen&tag != 0 {
			return nil, fmt.Errorf("acl: entry %d: repeated %s entry", i/aclEntry, tagName(tag))
		}
		seen |= tag
	}
	for _, tag := range []uint16{tagUserObj, tagGroupObj, tagOther} {
		if seen&tag == 0 {
			return nil, fmt.Errorf("acl: missing %s entry", tagName(tag))
		}
	}
	if (len(a.Users) > 0 || len(a.Groups) > 0) && !a.HasMask {
		return nil, errors.New("acl: named entries without a mask entry")
	}
	return a, nil
}

func tagName(tag uint16) string {
	switch tag {
	case tagUserObj:
		return "user::"
	case tagGroupObj:
		return "group::"
	case tagMask:
		return "mask::"
	case tagOther:
		return "other::"
	}
	return fmt.Sprintf("%#x", tag)
}

// String formats the ACL in getfacl's short text form, entries in kernel
// order: "user::rw-,user:33:r--,group::---,mask::r--,other::---". Named
// entries show numeric ids.
func (a *ACL) String() string { return a.Format(nil) }

// Format is String with the names of users and groups from u (numeric ids
// where u is nil or does not know them), as getfacl prints them.
func (a *ACL) Format(u *Users) string {
	if a == nil {
		return ""
	}
	userName := func(id uint32) string {
		if u != nil {
			if x, ok := u.UserByID(id); ok {
				return x.Name
			}
		}
		return strconv.FormatUint(uint64(id), 10)
	}
	groupName := func(id uint32) string {
		if u != nil {
			if x, ok := u.GroupByID(id); ok {
				return x.Name
			}
		}
		return strconv.FormatUint(uint64(id), 10)
	}
	var sb strings.Builder
	sb.WriteString("user::")
	sb.WriteString(a.UserObj.rwx())
	for _, e := range a.Users {
		sb.WriteString(",user:")
		sb.WriteString(userName(e.ID))
		sb.WriteByte(':')
		sb.WriteString(e.Perm.rwx())
	}
	sb.WriteString(",group::")
	sb.WriteString(a.GroupObj.rwx())
	for _, e := range a.Groups {
		sb.WriteString(",group:")
		sb.WriteString(groupName(e.ID))
		sb.WriteByte(':')
		sb.WriteString(e.Perm.rwx())
	}
	if a.HasMask {
		sb.WriteString(",mask::")
		sb.WriteString(a.Mask.rwx())
	}
	sb.WriteString(",other::")
	sb.WriteString(a.Other.rwx())
	return sb.String()
}

// RecomputeMask sets the mask to the union of the group class entries
// (group::, named users and named groups), as setfacl and the kernel do
// when an ACL gains named entries without being told a mask. An ACL with
// neither named entries nor a mask is left without one.
func (a *ACL) RecomputeMask() {
	if len(a.Users) == 0 && len(a.Groups) == 0 && !a.HasMask {
		return
	}
	mask := a.GroupObj
	for _, e := range a.Users {
		mask |= e.Perm
	}
	for _, e := range a.Groups {
		mask |= e.Perm
	}
	a.Mask, a.HasMask = mask, true
}
