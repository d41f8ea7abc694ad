// Command benchgen writes a generated benchmark workload under a directory
// to be given to unforbid --root (see docs/benchmarks.md):
//
//	go run ./internal/benchgen/cmd/benchgen docroot -files 200000 -dirs 4000 DIR
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/unforbid/unforbid/internal/benchgen"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	switch os.Args[1] {
	case "docroot":
		docroot(os.Args[2:])
	default:
		usage()
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: benchgen docroot [-files N] [-dirs D] [-seed S] [-private P] [-acls] DIR")
	os.Exit(2)
}

func docroot(args []string) {
	fl := flag.NewFlagSet("docroot", flag.ExitOnError)
	var d benchgen.Docroot
	fl.IntVar(&d.Files, "files", 200_000, "regular files in all")
	fl.IntVar(&d.Dirs, "dirs", 4_000, "directories")
	fl.Uint64Var(&d.Seed, "seed", 1, "seed of the modes")
	fl.IntVar(&d.Private, "private", 10, "thousandths of files mode 600 and of directories mode 700")
	fl.BoolVar(&d.ACLs, "acls", false, "give a few 700 directories an ACL for uid 33 (setfacl)")
	_ = fl.Parse(args)
	if fl.NArg() != 1 {
		usage()
	}
	st, err := d.Write(fl.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchgen:", err)
		os.Exit(1)
	}
	fmt.Printf("%d files (%d mode 600), %d directories (%d mode 700, %d with an ACL)\n", st.Files, st.PrivateFiles, st.Dirs, st.PrivateDirs, st.ACLs)
}
