//go:build tools

// Keeps the main packages scripts/istio/build.sh builds (and so every module they need) in go.mod and go.sum.
package tools

import (
	_ "istio.io/istio/cni/cmd/istio-cni"
	_ "istio.io/istio/pilot/cmd/pilot-discovery"
)
