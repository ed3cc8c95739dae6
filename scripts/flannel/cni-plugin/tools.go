//go:build tools

// Keeps the flannel CNI plugin's main package (and so every module it needs) in go.mod and go.sum.
package tools

import _ "github.com/containernetworking/plugins/plugins/meta/flannel"
