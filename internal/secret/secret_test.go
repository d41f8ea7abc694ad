package secret

import "testing"

// TestIsSecretPaths checks the filesystem paths, relative to a served
// root, that the repairs ask about (rules/secret_test.go covers URLs).
func TestIsSecretPaths(t *testing.T) {
	for _, tc := range []struct {
		p    string
		want bool
	}{
		{"/.env", true},
		{"/.git/config", true},
		{"/.git", true},
		{"/keys/id_rsa", true},
		{"/site.conf.bak", true},
		{"/.htpasswd", true},
		{"/index.html", false},
		{"/img/logo.png", false},
		{"/.well-known/security.txt", false},
		{"/downloads/app.tar.gz", false},
		{"/site.tar.gz", true},
		{"/Makefile", true},
		{"/docs/Makefile", false},
	} {
		if got := IsSecret(tc.p); got != tc.want {
			t.Errorf("IsSecret(%q) = %v, want %v", tc.p, got, tc.want)
		}
	}
}
