package mcpauthspec_test

import (
	"context"
	"os"
	"testing"
	"time"

	tclog "github.com/testcontainers/testcontainers-go/log"

	"github.com/mcpauthspec/mcpauthspec/harness"
)

// requireDockerEnv is the switch that turns "no Docker engine" from a skip
// into a failure, so that CI proves the container path instead of skipping
// it.
const requireDockerEnv = "MCPAUTHSPEC_REQUIRE_DOCKER"

// needDocker skips t when no local Docker engine answers, or fails it when
// MCPAUTHSPEC_REQUIRE_DOCKER=1.
func needDocker(t *testing.T) {
	t.Helper()
	// The suite removes what it starts itself (Close, in t.Cleanup), so it
	// needs no Ryuk reaper, whose image cannot be pulled on machines without
	// a registry. An explicit setting wins.
	if _, ok := os.LookupEnv("TESTCONTAINERS_RYUK_DISABLED"); !ok {
		t.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	}
	// testcontainers' banner goes to its global logger; the test's own
	// logger gets the rest.
	tclog.SetDefault(tclog.NewNoopLogger())
	err := harness.DockerAvailable(context.Background())
	if err == nil {
		return
	}
	if os.Getenv(requireDockerEnv) == "1" {
		t.Fatalf("%s=1, but %v", requireDockerEnv, err)
	}
	t.Skipf("container suite skipped: %v (%s=1 makes this a failure)", err, requireDockerEnv)
}

// TestSpecificationInContainers runs every scenario of features/ against
// refserver and the fake backend in containers built from build/, each
// scenario a subtest. Like the embedded stack, it must pass all of them.
func TestSpecificationInContainers(t *testing.T) {
	needDocker(t)
	ctx := context.Background()
	start := time.Now()
	target, err := harness.StartContainers(ctx,
		harness.WithLogger(tclog.TestLogger(t)),
		harness.WithProgress(func(step string) { t.Logf("%5.1fs %s", time.Since(start).Seconds(), step) }),
	)
	t.Logf("%5.1fs started", time.Since(start).Seconds())
	if target != nil {
		t.Cleanup(func() {
			if err := target.Close(); err != nil {
				t.Errorf("removing the containers: %v", err)
			}
		})
	}
	if err != nil {
		t.Fatal(err)
	}
	mustPassEverything(t, target)
}
