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
		{"/logs/access.log", true},
		{"/error.log.gz", true},
		{"/site.tar.gz", true},
		{"/backup.tgz", true},
		{"/downloads/app.tar.gz", false},
		{"/app-1.2.3.tar.gz", false},
		{"/Makefile", true},
		{"/composer.json", true},
		{"/build.sh", true},
		{"/docs/build.sh", false},
		{"/vendor/package.json", false},
		{"/install.sh", false},
	}
	for _, tt := range tests {
		if got := IsSecret(tt.path); got != tt.want {
			t.Errorf("IsSecret(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

func TestPublicKind(t *testing.T) {
	tests := []struct {
		path string
		want string
	}{
		{"/robots.txt", PublicWellKnown},
		{"/sitemap.xml", PublicWellKnown},
		{"/sitemap-posts.xml", PublicWellKnown},
		{"/favicon.ico", PublicWellKnown},
		{"/humans.txt", PublicWellKnown},
		{"/ads.txt", PublicWellKnown},
		{"/.well-known/security.txt", PublicWellKnown},
		{"/.well-known/acme-challenge/tok", PublicWellKnown},
		{"/site.webmanifest", PublicWellKnown},
		{"/manifest.json", PublicWellKnown},
		{"/img/logo.PNG", PublicImage},
		{"/uploads/2024/photo.jpg", PublicImage},
		{"/media/talk.mp4", PublicMedia},
		{"/files/report.pdf", PublicDocument},
		{"/fonts/inter.woff2", PublicFont},
		{"/feed.xml", PublicFeed},
		{"/blog/index.rss", PublicFeed},
		{"/downloads/tool.zip", PublicDownload},
		{"/tool-2.1.0.tar.gz", PublicDownload},
		{"/pkg/tool_v2.deb", PublicDownload},
		{"/index.html", ""},
		{"/readme.txt", ""},
		{"/license.txt", ""},
		{"/app.js", ""},
		{"/style.css", ""},
		{"/index.php", ""},
		{"/site.tar.gz", ""},
		{"/backup.zip", ""},
		{"/.git/logo.png", ""},
		{"/.well-known/.secret", ""},
		{"/img/", ""},
		{"/config.json", ""},
	}
	for _, tt := range tests {
		if got := PublicKind(tt.path); got != tt.want {
			t.Errorf("PublicKind(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
}

func TestNamesKind(t *testing.T) {
	tests := []struct {
		comment, kind string
		want          bool
	}{
		{"no hotlinking of images", PublicImage, true},
		{"no PHP in uploads", PublicImage, false},
		{"deny access to .htaccess files", PublicWellKnown, false},
		{"block PDFs", PublicDocument, true},
		{"keep robots.txt private", PublicWellKnown, true},
		{"", PublicImage, false},
		{"secrets", PublicFont, false},
		{"security: no dotfiles", PublicWellKnown, false},
	}
	for _, tt := range tests {
		if got := NamesKind(tt.comment, tt.kind); got != tt.want {
			t.Errorf("NamesKind(%q, %q) = %v, want %v", tt.comment, tt.kind, got, tt.want)
		}
	}
}

func TestCommentKinds(t *testing.T) {
	tests := []struct {
		comment, kind string
		named, other  bool
	}{
		{"no PHP in uploads", PublicImage, false, true},
		{"no hotlinking of images", PublicImage, true, false},
		{"deny access to .htaccess files", PublicWellKnown, false, true},
		{"the data directory and the config must never be served", PublicImage, false, false},
		{"block fonts", PublicImage, false, true},
		{"", PublicImage, false, false},
	}
	for _, tt := range tests {
		named, other := CommentKinds(tt.comment, tt.kind)
		if named != tt.named || other != tt.other {
			t.Errorf("CommentKinds(%q, %q) = %v, %v, want %v, %v", tt.comment, tt.kind, named, other, tt.named, tt.other)
		}
	}
}

func TestValidate(t *testing.T) {
	if err := Validate(); err != nil {
		t.Fatal(err)
	}
}
