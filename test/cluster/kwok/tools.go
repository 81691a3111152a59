//go:build tools

// Package tools pins KWOK, built from its own module so that its client-go
// version never has to agree with the control plane's.
package tools

import _ "sigs.k8s.io/kwok/cmd/kwok"
