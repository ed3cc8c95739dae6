//go:build tools

// Keeps flanneld's main package (and so every module it needs) in go.mod and go.sum.
package tools

import _ "github.com/flannel-io/flannel"
