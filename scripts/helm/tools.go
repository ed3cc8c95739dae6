//go:build tools

// Keeps helm's main package (and so every module it needs) in go.mod and go.sum.
package tools

import _ "helm.sh/helm/v4/cmd/helm"
