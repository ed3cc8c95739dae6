//go:build tools

// Keeps the echo app's server and client main packages (and so every module they need) in go.mod and go.sum.
package tools

import (
	_ "istio.io/istio/pkg/test/echo/cmd/client"
	_ "istio.io/istio/pkg/test/echo/cmd/server"
)
