//go:build tools

// Package tools pins the Pulumi CLI. pkg/v3 carries replace directives, so `go install pkg@version`
// refuses it; requiring it from this module (with go.sum pinning every hash) builds it instead.
// sdk/v3 is imported for the version variable set through -ldflags.
package tools

import (
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
	_ "github.com/pulumi/pulumi/sdk/v3/go/common/version"
)
