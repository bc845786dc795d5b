//go:build tools

// Package tools pins the Node.js language host. Since v3.69 it lives in a module of its own that
// has no release tags; sdk/v3 v3.68.0 is the last release that carries it, and the only form the
// module proxy serves here. The host speaks the same gRPC protocol the v3.248 engine uses (the
// engine falls back for the calls added since), and runs the @pulumi/pulumi 3.248.0 SDK.
package tools

import _ "github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs"
