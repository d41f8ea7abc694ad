package fsmeta

import "testing"

func TestPermString(t *testing.T) {
	tests := []struct {
		p    Perm
		want string
		rwx  string
	}{
		{0, "", "---"},
		{Read, "r", "r--"},
		{Write, "w", "-w-"},
		{Exec, "x", "--x"},
		{Read | Exec, "rx", "r-x"},
		{Read | Write, "rw", "rw-"},
		{Read | Write | Exec, "rwx", "rwx"},
		{0xF8 | Read, "r", "r--"},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("Perm(%d).String() = %q, want %q", tt.p, got, tt.want)
		}
		if got := tt.p.rwx(); got != tt.rwx {
			t.Errorf("Perm(%d).rwx() = %q, want %q", tt.p, got, tt.rwx)
		}
	}
}

func TestFileTypeString(t *testing.T) {
	tests := []struct {
		t    FileType
		want string
	}{
		{TypeRegular, "regular file"},
		{TypeDir, "directory"},
		{TypeSymlink, "symbolic link"},
		{TypeOther, "other"},
		{FileType(9), "FileType(9)"},
	}
	for _, tt := range tests {
		if got := tt.t.String(); got != tt.want {
			t.Errorf("FileType(%d).String() = %q, want %q", uint8(tt.t), got, tt.want)
		}
	}
}

func TestInGroup(t *testing.T) {
	c := Cred{UID: 33, GID: 33, Groups: []uint32{33, 4, 100}}
	for _, gid := range []uint32{33, 4, 100} {
		if !c.InGroup(gid) {
			t.Errorf("InGroup(%d) = false, want true", gid)
		}
	}
	if c.InGroup(0) || c.InGroup(5) {
		t.Error("InGroup reports a group the process does not hold")
	}
	// The gid counts even when Groups is empty, as in_group_p checks fsgid.
	if !(Cred{GID: 7}).InGroup(7) {
		t.Error("InGroup(gid) = false for a Cred without Groups")
	}
}

func TestPermits(t *testing.T) {
	www := Cred{User: "www-data", UID: 33, GID: 33, Groups: []uint32{33}}
	wwwSupp := Cred{User: "www-data", UID: 33, GID: 33, Groups: []uint32{33, 1000}}
	root := Cred{User: "root"}
	file := func(perm uint32, uid, gid uint32, acl *ACL) *Info {
		return &Info{Type: TypeRegular, Perm: perm, UID: uid, GID: gid, ACL: acl}
	}
	dir := func(perm uint32, uid, gid uint32, acl *ACL) *Info {
		return &Info{Type: TypeDir, Perm: perm, UID: uid, GID: gid, ACL: acl}
	}
	// 0600 root:root + u:www-data:r (mask r).
	aclUser := &ACL{UserObj: 6, Users: []ACLEntry{{33, Read}}, GroupObj: 0, Mask: Read, HasMask: true, Other: 0}
	// 0600 root:root + u:www-data:rw but mask r.
	aclUserMasked := &ACL{UserObj: 6, Users: []ACLEntry{{33, Read | Write}}, Mask: Read, HasMask: true}
	// 0640 alice:alice + g:www-data:rw, mask r.
	aclGroupMasked := &ACL{UserObj: 6, GroupObj: 4, Groups: []ACLEntry{{33, Read | Write}}, Mask: Read, HasMask: true, Other: 0}
	// Named group matches but grants only x; other grants r: no fall through.
	aclGroupDeny := &ACL{UserObj: 6, GroupObj: 0, Groups: []ACLEntry{{33, Exec}}, Mask: 7, HasMask: true, Other: Read}
	// Two matching group entries, the second grants r.
	aclGroupAny := &ACL{UserObj: 6, GroupObj: 0, Groups: []ACLEntry{{33, 0}, {1000, Read}}, Mask: 7, HasMask: true}
	// Named user entry wins over a granting group entry and other.
	aclUserDeny := &ACL{UserObj: 6, Users: []ACLEntry{{33, 0}}, GroupObj: 4, Mask: 7, HasMask: true, Other: 4}
	// Owner is judged by user:: only, even if the named entry would grant.
	aclOwner := &ACL{UserObj: 0, Users: []ACLEntry{{33, 7}}, GroupObj: 7, Mask: 7, HasMask: true, Other: 7}
	// Group obj r masked to x, other grants: no fall through.
	aclGroupObjMasked := &ACL{UserObj: 6, GroupObj: 4, Groups: []ACLEntry{{50, 4}}, Mask: Exec, HasMask: true, Other: 4}
	// Minimal ACL without mask: group:: is not masked.
	aclNoMask := &ACL{UserObj: 6, GroupObj: 4, Other: 0}
	// ACL other:: rules once the ACL is consulted.
	aclOther := &ACL{UserObj: 6, GroupObj: 0, Groups: []ACLEntry{{50, Read}}, Mask: Read, HasMask: true, Other: Read}
	// Named user r, but the mask is empty.
	aclClearMask := &ACL{UserObj: 6, Users: []ACLEntry{{33, Read}}, GroupObj: 4, Mask: 0, HasMask: true, Other: Read}

	tests := []struct {
		name string
		info *Info
		c    Cred
		want Perm
		ok   bool
	}{
		{"want nothing on nil", nil, www, 0, true},
		{"nil info", nil, www, Read, false},
		{"want nothing on 0000", file(0, 0, 0, nil), www, 0, true},
		{"root reads 0000", file(0o000, 1000, 1000, nil), root, Read, true},
		{"root writes 0000", file(0o000, 1000, 1000, nil), root, Read | Write, true},
		{"root searches 0000 dir", dir(0o000, 1000, 1000, nil), root, Read | Exec, true},
		{"root exec 0644 file", file(0o644, 0, 0, nil), root, Exec, false},
		{"root exec 0744 file", file(0o744, 0, 0, nil), root, Exec, true},
		{"root exec 0601 file", file(0o601, 0, 0, nil), root, Exec, true},
		{"root exec ignores ACL bits", file(0o600, 0, 0, &ACL{UserObj: 6, Other: Exec}), root, Exec, false},
		{"other r on 0644", file(0o644, 0, 0, nil), www, Read, true},
		{"other w on 0644", file(0o644, 0, 0, nil), www, Write, false},
		{"other on 0600", file(0o600, 0, 0, nil), www, Read, false},
		{"other x on 0755 dir", dir(0o755, 0, 0, nil), www, Exec, true},
		{"other x on 0700 dir", dir(0o700, 0, 0, nil), www, Exec, false},
		{"other x on 0711 dir", dir(0o711, 0, 0, nil), www, Exec, true},
		{"other rx on 0711 dir", dir(0o711, 0, 0, nil), www, Read | Exec, false},
		{"owner 0600", file(0o600, 33, 0, nil), www, Read | Write, true},
		{"owner 0066 no fall through", file(0o066, 33, 33, nil), www, Read, false},
		{"owner 0400 write", file(0o400, 33, 0, nil), www, Write, false},
		{"group primary 0640", file(0o640, 0, 33, nil), www, Read, true},
		{"group supplementary 0640", file(0o640, 0, 1000, nil), wwwSupp, Read, true},
		{"group not held 0640", file(0o640, 0, 1000, nil), www, Read, false},
		{"group 0604 no fall through", file(0o604, 0, 33, nil), www, Read, false},
		{"group bits ignored for non-member 0604", file(0o604, 0, 1000, nil), www, Read, true},
		{"acl named user", file(0o640, 0, 0, aclUser), www, Read, true},
		{"acl named user no write", file(0o640, 0, 0, aclUser), www, Write, false},
		{"acl named user masked", file(0o640, 0, 0, aclUserMasked), www, Write, false},
		{"acl named user masked read", file(0o640, 0, 0, aclUserMasked), www, Read, true},
		{"acl other user", file(0o640, 0, 0, aclUser), Cred{UID: 34, GID: 34, Groups: []uint32{34}}, Read, false},
		{"acl named group masked read", file(0o640, 1000, 1000, aclGroupMasked), www, Read, true},
		{"acl named group masked write", file(0o640, 1000, 1000, aclGroupMasked), www, Write, false},
		{"acl named group via supplementary", file(0o640, 1, 1, &ACL{UserObj: 6, Groups: []ACLEntry{{1000, Read}}, Mask: Read, HasMask: true}), wwwSupp, Read, true},
		{"acl group matched denied no fall through", file(0o674, 0, 0, aclGroupDeny), www, Read, false},
		{"acl group not matched falls to other", file(0o674, 0, 0, aclGroupDeny), Cred{UID: 34, GID: 34}, Read, true},
		{"acl any matching group grants", file(0o670, 0, 0, aclGroupAny), wwwSupp, Read, true},
		{"acl named user denies before groups", file(0o674, 0, 33, aclUserDeny), www, Read, false},
		{"acl owner uses owner bits", file(0o077, 33, 33, aclOwner), www, Read, false},
		// A clear mask (mode group bits 0) makes the kernel skip the ACL:
		// a named user falls to the other bits, the owning group is denied.
		{"acl clear mask named user gets other", file(0o604, 0, 0, aclClearMask), www, Read, true},
		{"acl clear mask named user no write", file(0o604, 0, 0, aclClearMask), www, Write, false},
		{"acl clear mask owning group denied", file(0o604, 0, 33, aclClearMask), www, Read, false},
		{"acl clear mask named group gets other", file(0o604, 0, 0, &ACL{UserObj: 6, Groups: []ACLEntry{{33, 0}}, HasMask: true, Other: Read}), www, Read, true},
		{"acl group obj masked no fall through", file(0o614, 0, 33, aclGroupObjMasked), www, Read, false},
		{"acl minimal without mask", file(0o640, 0, 33, aclNoMask), www, Read, true},
		{"acl other", file(0o640, 0, 0, aclOther), www, Read, true},
		{"acl other no write", file(0o646, 0, 0, aclOther), www, Write, false},
		{"acl dir search via named user", dir(0o710, 0, 0, &ACL{UserObj: 7, Users: []ACLEntry{{33, Exec}}, Mask: Exec, HasMask: true}), www, Exec, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Permits(tt.info, tt.c, tt.want); got != tt.ok {
				t.Errorf("Permits(want %q) = %v, want %v", tt.want, got, tt.ok)
			}
		})
	}
}
