package httpapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/mockroom/mockroom/internal/httpapi"
)

// TestReadyDoesNotWaitForAHungStore: a ready check that never returns (a stopped Redis) still
// gives 503 at the timeout.
func TestReadyDoesNotWaitForAHungStore(t *testing.T) {
	release := make(chan struct{})
	returned := make(chan struct{})
	api := httpapi.New(httpapi.Options{Ready: func(context.Context) error {
		defer close(returned)
		<-release // ignores its context, as a client blocked on a socket read does
		return nil
	}})
	srv := httptest.NewServer(api)
	defer srv.Close()
	res, err := http.Get(srv.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	close(release)
	<-returned
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("/readyz with a hung store: %d, want 503", res.StatusCode)
	}
}
