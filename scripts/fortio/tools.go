//go:build tools

// Keeps fortio's main package (and so every module it needs) in go.mod and go.sum.
package tools

import (
	_ "fortio.org/fortio"
)
