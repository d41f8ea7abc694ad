package rules

import "testing"

func TestIsSecret(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"/index.html", false},
		{"/.env", true},
		{"/.env.production", true},
		{"/.git/config", true},
		{"/app/.git/HEAD", true},
		{"/.htpasswd", true},
		{"/.well-known/acme-challenge/tok", false},
		{"/.well-known/security.txt", false},
		{"/.well-known/.hidden", true},
		{"/backup/db.sql", true},
		{"/db.sql.gz", true},
		{"/wp-config.php.bak", true},
		{"/index.php~", true},
		{"/certs/site.key", true},
		{"/certs/site.pem", true},
		{"/home/alice/.ssh/id_rsa", true},
		{"/uploads/report.pdf", false},
		{"/wp-config.php", false},
	}
	for _, tt := range tests {
		if got := IsSecret(tt.path); got != tt.want {
			t.Errorf("IsSecret(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

func TestValidate(t *testing.T) {
	if err := Validate(); err != nil {
		t.Fatal(err)
	}
}
