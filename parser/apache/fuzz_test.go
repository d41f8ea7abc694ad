package apache

import (
	"errors"
	"testing"

	"github.com/unforbid/unforbid/parser"
	"github.com/unforbid/unforbid/parser/fsmeta"
)

// FuzzParse parses any input: Parse must not panic, must return either a
// tree whose spans are sound or an ErrorList of file:line problems, and
// must give the same answer twice.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"Listen 80\n<VirtualHost *:80>\n  DocumentRoot /var/www/html\n</VirtualHost>\n",
		"<Directory \"/a b\">\n  Options +Indexes \\\n    -FollowSymLinks\n</Directory>\n",
		"# c \\\nX\n<If \"%{HTTP_HOST} == 'a>b'\">\n</If>\n",
		"A 'it\\'s' \"a\\\\\" b\\\\\nc\n",
		"<Files x>\n</Files >\n",
		"</Files>\n",
		"<a>\n<b>\n</a>\n",
		"<\n</>\n>\n\"\"\n",
		"A \"x\r\n\\",
		"x\x00y\n",
		"RewriteEngine On\nRewriteCond %{REQUEST_FILENAME} !-f\nRewriteRule . /index.php [L]\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		file, err := Parse("/etc/apache2/f.conf", src)
		if err != nil {
			var list parser.ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("error %T %v is not an ErrorList", err, err)
			}
			for _, e := range list {
				if e.File != "/etc/apache2/f.conf" {
					t.Fatalf("error names %q", e.File)
				}
			}
		} else {
			checkSpans(t, file)
		}
		_, err2 := Parse("/etc/apache2/f.conf", src)
		if (err == nil) != (err2 == nil) || (err != nil && err.Error() != err2.Error()) {
			t.Fatalf("not deterministic: %v / %v", err, err2)
		}
	})
}

// FuzzLoad loads any main file next to a few files it may include: Load
// must not panic and must return a Config, with either no error or an
// ErrorList whose entries all name a file.
func FuzzLoad(f *testing.F) {
	for _, seed := range []string{
		rhel["/etc/httpd/conf/httpd.conf"],
		"Include d\nInclude d/*\nIncludeOptional e/*.conf\n",
		"Include loop.conf\n",
		"Define A /x\n<IfDefine A>\nInclude ${A}\n</IfDefine>\n<IfModule !so_module>\nB\n</IfModule>\n",
		"<IfFile d>\nUnDefine A\n</IfFile>\nServerRoot d\nInclude *\n",
		"Include [\nInclude d/[a-\nInclude ${\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		fs, err := fsmeta.NewMemory("", []fsmeta.Entry{
			{Path: "/etc/httpd/conf/httpd.conf", Type: fsmeta.TypeRegular, Perm: 0o644, Data: src},
			{Path: "/etc/httpd/d/a.conf", Type: fsmeta.TypeRegular, Perm: 0o644, Data: []byte("A\n")},
			{Path: "/etc/httpd/d/sub/b.conf", Type: fsmeta.TypeRegular, Perm: 0o644, Data: []byte("<VirtualHost *>\nB\n</VirtualHost>\n")},
			{Path: "/etc/httpd/loop.conf", Type: fsmeta.TypeRegular, Perm: 0o644, Data: []byte("Include loop.conf\nInclude loop.conf\n")},
			{Path: "/etc/httpd/self.conf", Type: fsmeta.TypeRegular, Perm: 0o644, Data: []byte("Include conf/httpd.conf\n")},
		})
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := Load("/etc/httpd/conf/httpd.conf", Options{FS: fs})
		if cfg == nil {
			t.Fatal("nil Config")
		}
		if err != nil {
			var list parser.ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("error %T %v is not an ErrorList", err, err)
			}
			for _, e := range list {
				if e.File == "" {
					t.Fatalf("error without a file: %v", e)
				}
			}
		}
	})
}
