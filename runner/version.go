package runner

import (
	"runtime/debug"
	"strings"
)

// BuildVersion returns the module version of the running binary
// ("v0.1.0", or "(devel)" for a build from a checkout) and its VCS revision
// with "-dirty" when the tree had changes ("" when unknown).
func BuildVersion() (version, revision string) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)", ""
	}
	version = bi.Main.Version
	if version == "" {
		version = "(devel)"
	}
	var dirty bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if len(revision) > 12 {
		revision = revision[:12]
	}
	if dirty && revision != "" {
		revision += "-dirty"
	}
	return version, revision
}

// MCPRevisions returns the MCP revisions among sources ("@mcp-2025-06-18"
// → "2025-06-18"), and the RFCs ("@rfc6750" → "RFC 6750").
func MCPRevisions(sources []string) (mcp, rfcs []string) {
	for _, s := range sources {
		switch {
		case strings.HasPrefix(s, "@mcp-"):
			mcp = append(mcp, strings.TrimPrefix(s, "@mcp-"))
		case strings.HasPrefix(s, "@rfc"):
			rfcs = append(rfcs, "RFC "+strings.TrimPrefix(s, "@rfc"))
		}
	}
	return mcp, rfcs
}
