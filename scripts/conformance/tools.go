//go:build tools

// Keeps the conformance package (and so every module its test binary needs) in go.mod and go.sum.
package tools

import _ "sigs.k8s.io/gateway-api/conformance"
