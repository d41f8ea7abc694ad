package benchgen

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
)

// Docroot describes a generated docroot: Files regular files spread over
// Dirs directories below /srv/www of a --root tree, served by one nginx
// server.
type Docroot struct {
	Files int // regular files in all (index files included)
	Dirs  int // directories below the docroot (the docroot itself not counted)
	// Seed makes the tree: which directories and files get which modes.
	Seed uint64
	// Private is the share, in thousandths, of directories made mode 700
	// and of files made mode 600 (the worker cannot read them).
	Private int
	// ACLs, when set, gives a few directories an ACL granting www-data
	// access in spite of mode 700 (needs setfacl; skipped without it).
	ACLs bool
}

// Stats says what Write made.
type Stats struct {
	Files, Dirs, PrivateFiles, PrivateDirs, ACLs int
}

// docrootConf serves /srv/www as Debian's default site does.
const docrootConf = `user www-data;
events {}
http {
 server {
  listen 80;
  server_name bench.test;
  root /srv/www;
  index index.html;
  location / { try_files $uri $uri/ =404; }
  location ~ /\. { deny all; }
 }
}
`

// Write creates the tree under root (which must not hold one already):
// etc/passwd and etc/group with www-data, etc/nginx/nginx.conf, and the
// docroot srv/www. Every directory holds an index.html; the other files
// are named fNNNNNN.html. The same Docroot always makes the same tree.
func (d Docroot) Write(root string) (Stats, error) {
	var st Stats
	if d.Dirs < 1 {
		d.Dirs = 1
	}
	rng := rand.New(rand.NewPCG(d.Seed, 0x756e666f72626964))
	www := filepath.Join(root, "srv/www")
	for _, dir := range []string{filepath.Join(root, "etc/nginx"), www} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return st, err
		}
	}
	files := map[string]string{
		"etc/passwd":           "root:x:0:0::/root:/bin/sh\nwww-data:x:33:33::/var/www:/usr/sbin/nologin\n",
		"etc/group":            "root:x:0:\nwww-data:x:33:\n",
		"etc/nginx/nginx.conf": docrootConf,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(root, name), []byte(text), 0o644); err != nil {
			return st, err
		}
	}
	if err := os.Chmod(www, 0o755); err != nil {
		return st, err
	}
	perDir, extra := d.Files/d.Dirs, d.Files%d.Dirs
	var aclDirs []string
	for i := range d.Dirs {
		// two levels: a hundred directories per parent
		dir := filepath.Join(www, fmt.Sprintf("p%03d", i/100), fmt.Sprintf("d%06d", i))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return st, err
		}
		n := perDir
		if i < extra {
			n++
		}
		for f := range n {
			name := fmt.Sprintf("f%06d.html", f)
			if f == 0 {
				name = "index.html"
			}
			mode := os.FileMode(0o644)
			if rng.IntN(1000) < d.Private {
				mode = 0o600
				st.PrivateFiles++
			}
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, nil, mode); err != nil {
				return st, err
			}
			if err := os.Chmod(p, mode); err != nil { // past the umask
				return st, err
			}
			st.Files++
		}
		st.Dirs++
		if rng.IntN(1000) < d.Private {
			if err := os.Chmod(dir, 0o700); err != nil {
				return st, err
			}
			st.PrivateDirs++
			if d.ACLs && len(aclDirs) < 8 {
				aclDirs = append(aclDirs, dir)
			}
		}
	}
	if len(aclDirs) > 0 {
		if _, err := exec.LookPath("setfacl"); err == nil {
			for _, dir := range aclDirs {
				// numeric: the host's www-data need not be uid 33
				if out, err := exec.Command("setfacl", "-m", "u:33:rx", dir).CombinedOutput(); err != nil {
					return st, fmt.Errorf("setfacl %s: %v: %s", dir, err, out)
				}
				st.ACLs++
			}
		}
	}
	return st, nil
}
