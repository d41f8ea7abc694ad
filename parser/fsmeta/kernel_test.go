package fsmeta

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// TestMain lets the test binary double as the oracle process of
// TestAccessMatchesKernel.
func TestMain(m *testing.M) {
	if os.Getenv("FSMETA_ORACLE") == "1" {
		oracle(os.Stdin, os.Stdout)
		return
	}
	os.Exit(m.Run())
}

// oracle reads "op path" lines and prints the errno (0 for success) the
// kernel gives this process for each: open (read-only), stat or lstat.
func oracle(in io.Reader, out io.Writer) {
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		op, p, _ := strings.Cut(sc.Text(), " ")
		var err error
		var st unix.Stat_t
		switch op {
		case "open":
			var fd int
			fd, err = unix.Open(p, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NONBLOCK|unix.O_NOCTTY, 0)
			if err == nil {
				unix.Close(fd)
			}
		case "stat":
			err = unix.Stat(p, &st)
		case "lstat":
			err = unix.Lstat(p, &st)
		}
		n := 0
		if e, ok := err.(syscall.Errno); ok {
			n = int(e)
		} else if err != nil {
			n = -1
		}
		fmt.Fprintln(out, n)
	}
}

// probe is one system call the oracle makes: open (read-only, want Read,
// following links), stat (want 0, following) or lstat (want 0).
type probe struct {
	op, p  string
	want   Perm
	follow bool
}

// probesFor returns the open, stat and lstat probes of each path.
func probesFor(paths ...string) []probe {
	var probes []probe
	for _, p := range paths {
		probes = append(probes, probe{"open", p, Read, true}, probe{"stat", p, 0, true}, probe{"lstat", p, 0, false})
	}
	return probes
}

// kernelErrnos runs the probes under root in a child process with
// credentials c and returns the errno of each.
func kernelErrnos(t *testing.T, root string, c Cred, probes []probe) []syscall.Errno {
	t.Helper()
	// The host walk starts at the real "/": make the test root reachable.
	for dir := filepath.Dir(root); dir != "/"; dir = filepath.Dir(dir) {
		info, err := os.Stat(dir)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm()&0o001 == 0 {
			if err := os.Chmod(dir, info.Mode().Perm()|0o005); err != nil {
				t.Fatal(err)
			}
		}
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// Copy the test binary to where the child's uid can run it.
	bin := filepath.Join(filepath.Dir(root), "oracle")
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	var in strings.Builder
	for _, pr := range probes {
		fmt.Fprintf(&in, "%s %s\n", pr.op, root+pr.p)
	}
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "FSMETA_ORACLE=1")
	cmd.Stdin = strings.NewReader(in.String())
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: c.UID, Gid: c.GID, Groups: c.Groups}}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("oracle: %v", err)
	}
	lines := strings.Fields(string(out))
	if len(lines) != len(probes) {
		t.Fatalf("oracle gave %d answers for %d probes", len(lines), len(probes))
	}
	errs := make([]syscall.Errno, len(lines))
	for i, line := range lines {
		n, err := strconv.Atoi(line)
		if err != nil || n < 0 {
			t.Fatalf("oracle answer %q", line)
		}
		errs[i] = syscall.Errno(n)
	}
	return errs
}

// checkAgainstKernel compares Access with what the kernel answers c.
func checkAgainstKernel(t *testing.T, root string, c Cred, probes []probe) map[syscall.Errno]int {
	t.Helper()
	kernel := kernelErrnos(t, root, c, probes)
	fsys := New(root)
	seen := make(map[syscall.Errno]int)
	for i, pr := range probes {
		seen[kernel[i]]++
		got := fsys.Access(c, pr.p, pr.want, pr.follow)
		if got.Err != kernel[i] {
			t.Errorf("%s %s: Access = %v (At %q), kernel = %v", pr.op, pr.p, got.Err, got.At, kernel[i])
		}
	}
	return seen
}

// TestAccessMatchesKernel runs open/stat/lstat as uid 33 on the real tree
// and checks that Access predicts the same errno. Links whose text is
// absolute or climbs above the root are left out, as the host resolves them
// outside the test root.
func TestAccessMatchesKernel(t *testing.T) {
	root := accessTree(t)
	probes := probesFor(
		"/", "/srv", "/srv/f644.html", "/srv/f600.html", "/srv/f640g.html", "/srv/f640x.html",
		"/srv/own600.html", "/srv/own066.html", "/srv/x744",
		"/srv/d700", "/srv/d700/a.html", "/srv/d700/nope", "/srv/d700/..",
		"/srv/d711", "/srv/d711/a.html", "/srv/d711/", "/srv/d644", "/srv/d644/index.html",
		"/srv/d750g", "/srv/d750g/a.html", "/srv/nope.html", "/srv/nope/a.html",
		"/srv/f644.html/x", "/srv/f644.html/", "/srv/link", "/srv/link/", "/srv/link/a.html",
		"/srv/chain2/a.html", "/srv/d700link", "/srv/d700link/a.html", "/srv/filelink",
		"/srv/dangling", "/srv/dangling/x", "/srv/danglingdir", "/srv/loop1", "/srv/loop1/x",
		"/srv/self", "/srv/deep/parent/f644.html", "/srv/link/../f644.html", "/srv/slashlink",
		"/srv/dotlink", "/srv/d711/../f644.html", "/srv/./d711/./a.html",
	)
	seen := checkAgainstKernel(t, root, www, probes)
	// Guard against an oracle that silently ran as root.
	for _, e := range []syscall.Errno{0, syscall.EACCES, syscall.ENOENT, syscall.ENOTDIR, syscall.ELOOP} {
		if seen[e] == 0 {
			t.Errorf("the kernel never answered %v; the oracle is not testing much", e)
		}
	}
}
