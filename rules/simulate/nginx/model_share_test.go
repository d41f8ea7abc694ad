package nginx

import (
	"reflect"
	"testing"
	"unsafe"
)

// TestSameLevelCoversFields checks that sameLevel tells apart two LocConfs
// that differ in any one field: a location whose settings differ from its
// parent's in a field sameLevel forgot would share the parent's.
func TestSameLevelCoversFields(t *testing.T) {
	base := LocConf{levelRare: &levelRare{}}
	if !sameLevel(&base, &base) {
		t.Fatal("sameLevel(a, a) is false")
	}
	typ := reflect.TypeOf(base)
	for i := range typ.NumField() {
		other := base
		f := reflect.ValueOf(&other).Elem().Field(i)
		f = reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem() // unexported ones too
		switch f.Kind() {
		case reflect.String:
			f.SetString("x")
		case reflect.Int:
			f.SetInt(7)
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Pointer:
			f.Set(reflect.New(f.Type().Elem()))
		case reflect.Slice:
			f.Set(reflect.MakeSlice(f.Type(), 1, 1))
		default:
			t.Fatalf("field %s: kind %s not handled by the test", typ.Field(i).Name, f.Kind())
		}
		if sameLevel(&base, &other) || sameLevel(&other, &base) {
			t.Errorf("sameLevel does not compare field %s", typ.Field(i).Name)
		}
	}
	// the same contents in another array are not the same settings
	a := LocConf{levelRare: base.levelRare, TryFiles: []string{"$uri", "=404"}}
	b := a
	b.TryFiles = []string{"$uri", "=404"}
	if sameLevel(&a, &b) {
		t.Error("sameLevel takes equal try_files of two directives for the same")
	}
}
