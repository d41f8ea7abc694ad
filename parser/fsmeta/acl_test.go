package fsmeta

import (
	"encoding/base64"
	"encoding/binary"
	"reflect"
	"strings"
	"testing"
)

type ent struct {
	tag  uint16
	perm uint16
	id   uint32
}

// aclBytes builds a system.posix_acl_access value.
func aclBytes(version uint32, entries ...ent) []byte {
	b := binary.LittleEndian.AppendUint32(nil, version)
	for _, e := range entries {
		b = binary.LittleEndian.AppendUint16(b, e.tag)
		b = binary.LittleEndian.AppendUint16(b, e.perm)
		b = binary.LittleEndian.AppendUint32(b, e.id)
	}
	return b
}

const noID = 0xFFFFFFFF

func TestParseACL(t *testing.T) {
	// Captured from `setfacl -m u:www-data:r` on a 0644 file (CAUSES.md 4.3).
	captured, err := base64.StdEncoding.DecodeString("AgAAAAEABgD/////AgAEACEAAAAEAAQA/////xAABAD/////IAAEAP////8=")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		in      []byte
		want    *ACL
		str     string
		wantErr string
	}{
		{
			name: "captured setfacl u:www-data:r",
			in:   captured,
			want: &ACL{UserObj: 6, Users: []ACLEntry{{33, Read}}, GroupObj: 4, Mask: 4, HasMask: true, Other: 4},
			str:  "user::rw-,user:33:r--,group::r--,mask::r--,other::r--",
		},
		{
			name: "minimal",
			in:   aclBytes(2, ent{tagUserObj, 7, noID}, ent{tagGroupObj, 5, noID}, ent{tagOther, 0, noID}),
			want: &ACL{UserObj: 7, GroupObj: 5, Other: 0},
			str:  "user::rwx,group::r-x,other::---",
		},
		{
			name: "minimal with mask",
			in:   aclBytes(2, ent{tagUserObj, 6, noID}, ent{tagGroupObj, 4, noID}, ent{tagMask, 0, noID}, ent{tagOther, 0, noID}),
			want: &ACL{UserObj: 6, GroupObj: 4, Mask: 0, HasMask: true},
			str:  "user::rw-,group::r--,mask::---,other::---",
		},
		{
			name: "named users and groups",
			in: aclBytes(2,
				ent{tagUserObj, 6, noID},
				ent{tagUser, 4, 33}, ent{tagUser, 1, 1000},
				ent{tagGroupObj, 0, noID},
				ent{tagGroup, 5, 33}, ent{tagGroup, 2, 50},
				ent{tagMask, 5, noID},
				ent{tagOther, 0, noID}),
			want: &ACL{
				UserObj: 6, Users: []ACLEntry{{33, Read}, {1000, Exec}},
				GroupObj: 0, Groups: []ACLEntry{{33, Read | Exec}, {50, Write}},
				Mask: 5, HasMask: true, Other: 0,
			},
			str: "user::rw-,user:33:r--,user:1000:--x,group::---,group:33:r-x,group:50:-w-,mask::r-x,other::---",
		},
		{name: "nil", in: nil, wantErr: "too short"},
		{name: "short header", in: []byte{2, 0}, wantErr: "too short"},
		{name: "header only", in: aclBytes(2), wantErr: "missing user:: entry"},
		{name: "version 1", in: aclBytes(1, ent{tagUserObj, 6, noID}, ent{tagGroupObj, 4, noID}, ent{tagOther, 4, noID}), wantErr: "unsupported version 1"},
		{name: "partial entry", in: append(aclBytes(2, ent{tagUserObj, 6, noID}), 1, 2, 3), wantErr: "not a whole number"},
		{name: "unknown tag", in: aclBytes(2, ent{tagUserObj, 6, noID}, ent{0x40, 4, noID}), wantErr: "unknown tag 0x40"},
		{name: "bad perm", in: aclBytes(2, ent{tagUserObj, 8, noID}), wantErr: "invalid permission bits"},
		{name: "repeated user obj", in: aclBytes(2, ent{tagUserObj, 6, noID}, ent{tagUserObj, 6, noID}, ent{tagGroupObj, 4, noID}, ent{tagOther, 4, noID}), wantErr: "repeated user:: entry"},
		{name: "repeated mask", in: aclBytes(2, ent{tagUserObj, 6, noID}, ent{tagGroupObj, 4, noID}, ent{tagMask, 4, noID}, ent{tagMask, 4, noID}, ent{tagOther, 4, noID}), wantErr: "repeated mask:: entry"},
		{name: "missing other", in: aclBytes(2, ent{tagUserObj, 6, noID}, ent{tagGroupObj, 4, noID}), wantErr: "missing other:: entry"},
		{name: "missing group obj", in: aclBytes(2, ent{tagUserObj, 6, noID}, ent{tagOther, 4, noID}), wantErr: "missing group:: entry"},
		{name: "named without mask", in: aclBytes(2, ent{tagUserObj, 6, noID}, ent{tagUser, 4, 33}, ent{tagGroupObj, 4, noID}, ent{tagOther, 4, noID}), wantErr: "without a mask"},
		{name: "text garbage", in: []byte("user::rw-,group::r--,other::r--"), wantErr: "unsupported version"},
		{name: "too long", in: append(aclBytes(2), make([]byte, maxACLSize)...), wantErr: "too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseACL(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseACL() error = %v, want containing %q (acl %v)", err, tt.wantErr, got)
				}
				if got != nil {
					t.Errorf("ParseACL() = %v with error, want nil", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseACL() error = %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseACL() = %+v, want %+v", got, tt.want)
			}
			if s := got.String(); s != tt.str {
				t.Errorf("String() = %q, want %q", s, tt.str)
			}
		})
	}
}

func TestACLStringNil(t *testing.T) {
	var a *ACL
	if s := a.String(); s != "" {
		t.Errorf("nil ACL String() = %q, want empty", s)
	}
}

func FuzzParseACL(f *testing.F) {
	f.Add(aclBytes(2, ent{tagUserObj, 6, noID}, ent{tagUser, 4, 33}, ent{tagGroupObj, 4, noID}, ent{tagMask, 4, noID}, ent{tagOther, 4, noID}))
	f.Add([]byte{})
	f.Add([]byte{2, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := ParseACL(b)
		if (a == nil) == (err == nil) {
			t.Fatalf("ParseACL() = %v, %v: want exactly one of acl and error", a, err)
		}
		if a != nil {
			_ = a.String()
			_ = Permits(&Info{Perm: 0o640, UID: 1, GID: 2, ACL: a}, Cred{UID: 33, GID: 33, Groups: []uint32{33}}, Read)
		}
	})
}

func TestACLFormatNames(t *testing.T) {
	u := ParseUsers([]byte("www-data:x:33:33::/var/www:/bin/sh\n"), []byte("webdev:x:1500:www-data\n"))
	a := &ACL{UserObj: Read | Write, Users: []ACLEntry{{ID: 33, Perm: Read}, {ID: 7, Perm: Read}}, Groups: []ACLEntry{{ID: 1500, Perm: Read | Exec}}, HasMask: true, Mask: Read | Exec}
	want := "user::rw-,user:www-data:r--,user:7:r--,group::---,group:webdev:r-x,mask::r-x,other::---"
	if got := a.Format(u); got != want {
		t.Errorf("Format = %q, want %q", got, want)
	}
	if got := a.String(); !strings.Contains(got, "user:33:r--") {
		t.Errorf("String = %q, want numeric ids", got)
	}
}
