// Package fsmeta reads filesystem metadata as a web server sees it and holds
// the one access check every rule and the simulator use.
//
// Paths handed to and returned by this package are server paths: absolute
// paths as the server process sees them. An FS maps them under an optional
// root directory (the --root flag), so a copied or mounted system image can
// be inspected without chroot: symlinks are resolved inside that root and
// never escape it.
//
// Access follows the kernel's path walk for open(2) and stat(2): search
// permission on every directory, symlinks followed with a limit of 40, and
// the final object checked with Permits, which implements the kernel's mode
// bit and POSIX ACL rules (fs/namei.c generic_permission, fs/posix_acl.c
// posix_acl_permission). SELinux labels are read but not evaluated here.
//
// An FS has one of two backends under the same type: New reads the real
// disk (lstat(2), the ACL and label extended attributes, readdir, open),
// NewMemory serves a list of Entry values held in memory, so that tests
// describe owners, modes, ACLs and links without root. Only those
// primitive reads differ; the path walk, Access, symlink resolution inside
// the root, Glob, ReadFile and LoadUsers are one code for both.
package fsmeta
