package main

import (
	"context"
	"errors"
	"io"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

// shim forwards to the v3.68 host the calls it implements. Protobuf is wire-compatible across
// the two releases (new fields are ignored, e.g. AboutRequest reaches v3.68 as the Empty it
// expected), and a status error from the real host reaches the engine unchanged. Calls v3.68 did
// not have (Handshake, GetRequiredPackages, ...) answer Unimplemented here as they did there, and
// the engine falls back as it did before.
type shim struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	real pulumirpc.LanguageRuntimeClient
}

func (s *shim) GetRequiredPlugins(
	ctx context.Context, req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return s.real.GetRequiredPlugins(ctx, req)
}

func (s *shim) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	return s.real.Run(ctx, req)
}

func (s *shim) GetPluginInfo(ctx context.Context, req *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return s.real.GetPluginInfo(ctx, req)
}

func (s *shim) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	return s.real.About(ctx, req)
}

func (s *shim) GetProgramDependencies(
	ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	return s.real.GetProgramDependencies(ctx, req)
}

func (s *shim) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, server grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	stream, err := s.real.InstallDependencies(server.Context(), req)
	if err != nil {
		return err
	}
	return relay(stream, server)
}

// RunPlugin runs analyzer plugins (policy packs) itself (runplugin.go); v3.68 answers "not
// supported" for every kind, so other kinds go to it and fail as before.
func (s *shim) RunPlugin(
	req *pulumirpc.RunPluginRequest, server grpc.ServerStreamingServer[pulumirpc.RunPluginResponse],
) error {
	if req.GetKind() == string(apitype.AnalyzerPlugin) {
		return runPolicyPack(req, server)
	}
	stream, err := s.real.RunPlugin(server.Context(), req)
	if err != nil {
		return err
	}
	return relay(stream, server)
}

// relay copies a server stream from the real host to the engine until the real host ends it.
func relay[T any](from grpc.ServerStreamingClient[T], to grpc.ServerStreamingServer[T]) error {
	for {
		msg, err := from.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := to.Send(msg); err != nil {
			return err
		}
	}
}
