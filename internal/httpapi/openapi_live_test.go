package httpapi

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/mockroom/mockroom/internal/account"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// The live routes' real behaviour is tested with the socket layer (internal/ws) and end to end;
// here they are mounted on a stand-in that checks tokens with the real account service, so the
// drift test sees the routes and validates their documented answers.
func init() {
	driftEnvOptions = append(driftEnvOptions, withMount(func(t *testing.T, env *testEnv) {
		env.Server.MountLive(driftLive{accounts: env.Accounts})
	}))
	driftScenarios = append(driftScenarios, driftScenario{Name: "live", Run: driftLiveRoutes})
}

type driftLive struct{ accounts *account.Service }

func (d driftLive) IssueTicket(ctx context.Context, room mockroom.RoomID, accessToken string) (string, time.Time, error) {
	if _, err := d.accounts.Verify(ctx, accessToken); err != nil {
		return "", time.Time{}, err
	}
	if room != "drift-room" {
		return "", time.Time{}, mockroom.Errorf(mockroom.KindForbidden, "not_a_participant", "you are not in this room")
	}
	return "tk_drift", time.Now().Add(30 * time.Second), nil
}

func (driftLive) Accept(http.ResponseWriter, *http.Request, mockroom.RoomID, string) error {
	return mockroom.Errorf(mockroom.KindUnauthorized, "ticket_invalid", "the ticket is unknown, used or expired")
}

func (driftLive) AcceptResume(http.ResponseWriter, *http.Request, mockroom.RoomID, string) error {
	return mockroom.Errorf(mockroom.KindUnauthorized, "resume_invalid", "the resume credential is unknown, used, expired or for another room")
}

func (driftLive) AcceptJoinAuth(http.ResponseWriter, *http.Request, mockroom.RoomID) error {
	return mockroom.Errorf(mockroom.KindUnavailable, "too_many_waiting", "too many sockets are waiting for their join")
}

func driftLiveRoutes(t *testing.T, c *driftClient) {
	user := c.Env.signup(t)
	c.Do(t, driftRequest{Method: "POST", Path: "/api/v1/rooms/drift-room/ticket", Token: user.AccessToken, WantStatus: 200})
	c.Do(t, driftRequest{Method: "POST", Path: "/api/v1/rooms/other-room/ticket", Token: user.AccessToken, WantStatus: 403})
	c.Do(t, driftRequest{Method: "POST", Path: "/api/v1/rooms/drift-room/ticket", WantStatus: 401, SkipRequestValidation: true})
	c.Do(t, driftRequest{Method: "POST", Path: "/api/v1/rooms/bad%20id/ticket", Token: user.AccessToken, WantStatus: 404})
	c.Do(t, driftRequest{Method: "GET", Path: "/api/v1/rooms/drift-room/ws?ticket=tk_forged", WantStatus: 401})
	c.Do(t, driftRequest{Method: "GET", Path: "/api/v1/rooms/bad%20id/ws?ticket=x", WantStatus: 404})
}
