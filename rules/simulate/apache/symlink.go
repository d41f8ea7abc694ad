package apache

import (
	"fmt"
	"syscall"

	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules/simulate"
)

// RuleSymlinkDenied is the cause of a symbolic link that Options refuses
// to follow (no FollowSymLinks, or SymLinksIfOwnerMatch with another
// owner).
const RuleSymlinkDenied = "apache/symlink-denied"

// symlinkDirective names the setting of a symlink cause, for messages.
const symlinkDirective = "Options FollowSymLinks"

// followLink is server/request.c's resolve_symlink for the link at link
// (linfo its lstat), met by the directory walk (or a DirectoryIndex
// subrequest) under the Options of p, the sections of its parent
// directory merged: without FollowSymLinks nor SymLinksIfOwnerMatch the
// link is refused; else its target must stat, and with
// SymLinksIfOwnerMatch belong to the link's owner. It returns the
// target's metadata, or the cause of the 403 (AH00037) and a trace
// detail; unsure says what cannot be judged.
func (s *Simulator) followLink(p *perDir, link string, linfo *fsmeta.Info) (target *fsmeta.Info, cause *simulate.Cause, detail, unsure string) {
	reason := "AH00037: Symbolic link not allowed or link target not accessible: " + link
	follow, owner := p.opts.has(optFollowSymLinks), p.opts.has(optSymLinksIfOwnerMatch)
	if !follow && !owner {
		return nil, &simulate.Cause{Rule: RuleSymlinkDenied, Kind: simulate.KindSymlinkDenied, Path: link,
				Range: p.optsRange, Directive: symlinkDirective, Reason: reason},
			fmt.Sprintf("%s is a symbolic link and Options has neither FollowSymLinks nor SymLinksIfOwnerMatch", link), ""
	}
	res := s.FS.Access(s.Cred, link, 0, true)
	if res.Blind {
		return nil, nil, "", "cannot read the metadata of " + res.At
	}
	if !res.OK() {
		if rule, kind, ok := simulate.FSCause(res); ok {
			return nil, &simulate.Cause{Rule: rule, Kind: kind, Path: res.At, Reason: reason},
				fmt.Sprintf("stat %s (the target of the symbolic link): %v", link, res.Err), ""
		}
		if res.Err == syscall.ENOENT || res.Err == syscall.ENOTDIR {
			// A dangling link is refused, not "not found".
			return nil, &simulate.Cause{Rule: RuleSymlinkDenied, Kind: simulate.KindSymlinkDenied, Path: link,
					Directive: symlinkDirective, Reason: reason},
				fmt.Sprintf("the target %s of the symbolic link %s does not exist: refused", linfo.Target, link), ""
		}
		return nil, nil, "", fmt.Sprintf("stat %s: %v is not modelled yet", link, res.Err)
	}
	if owner && res.Info.UID != linfo.UID {
		return nil, &simulate.Cause{Rule: RuleSymlinkDenied, Kind: simulate.KindSymlinkDenied, Path: link,
				Range: p.optsRange, Directive: symlinkDirective,
				Reason: reason + fmt.Sprintf(" (SymLinksIfOwnerMatch: the link belongs to uid %d, its target %s to uid %d)", linfo.UID, res.At, res.Info.UID)},
			fmt.Sprintf("SymLinksIfOwnerMatch: %s (uid %d) and its target %s (uid %d) have different owners", link, linfo.UID, res.At, res.Info.UID), ""
	}
	return res.Info, nil, "", ""
}

// walkLink follows the link next met by the directory walk, recording the
// step; a non-nil decision ends the request (refused or unsure).
func (s *Simulator) walkLink(st *state, p *perDir, next string, linfo *fsmeta.Info) (*fsmeta.Info, *simulate.Decision) {
	target, cause, detail, why := s.followLink(p, next, linfo)
	if why != "" {
		return nil, st.notSure("%s", why)
	}
	if cause != nil {
		st.d.Status, st.d.Cause = 403, cause
		st.step("symlink", cause.Range, "%s", detail)
		s.where(st, p)
		return nil, st.d
	}
	st.step("symlink", p.optsRange, "%s -> %s followed (%s)", next, linfo.Target, linkPolicy(p))
	if target.Type != fsmeta.TypeDir && target.Type != fsmeta.TypeRegular {
		return nil, st.notSure("%s points to neither a file nor a directory (AH00038): not modelled yet", next)
	}
	return target, nil
}

// linkPolicy names the Options that let a link be followed.
func linkPolicy(p *perDir) string {
	if p.opts.has(optSymLinksIfOwnerMatch) {
		return "Options SymLinksIfOwnerMatch: same owner"
	}
	return "Options FollowSymLinks"
}
