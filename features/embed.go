// Package features embeds the specification so that a built binary carries it.
package features

import "embed"

//go:embed *.feature
var FS embed.FS
