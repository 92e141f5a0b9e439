package redisstore

import (
	"sync"
	"testing"
	"time"

	"github.com/mockroom/mockroom/internal/account"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redistest"
)

func newTestAccountStore(t *testing.T) (*AccountStore, Keys, *redistest.Server) {
	t.Helper()
	srv := redistest.Shared(t)
	keys := Keys{Prefix: redistest.Prefix(t)}
	return NewAccountStore(srv.Client(t), keys), keys, srv
}

func accountTestUser(id, email string) account.User {
	return account.User{ID: mockroom.UserID(id), Email: email, Name: "N " + id, PasswordHash: "$argon2id$x", CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)}
}

func TestAccountStoreUsers(t *testing.T) {
	store, keys, srv := newTestAccountStore(t)
	ctx := t.Context()
	u := accountTestUser("u1", "ann@example.org")
	if err := store.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	for name, get := range map[string]func() (account.User, error){
		"by id":    func() (account.User, error) { return store.UserByID(ctx, "u1") },
		"by email": func() (account.User, error) { return store.UserByEmail(ctx, "ann@example.org") },
	} {
		got, err := get()
		if err != nil || got != u {
			t.Errorf("%s: %+v, %v; want %+v", name, got, err, u)
		}
	}

	// A second account with the same email is refused and leaves nothing behind.
	err := store.CreateUser(ctx, accountTestUser("u2", "ann@example.org"))
	if mockroom.ErrorCode(err) != "email_taken" || mockroom.ErrorKind(err) != mockroom.KindConflict {
		t.Fatalf("duplicate: %v", err)
	}
	if n, _ := srv.Client(t).Exists(ctx, keys.User("u2")).Result(); n != 0 {
		t.Error("refused account left its user hash behind")
	}
	for _, id := range []mockroom.UserID{"u2", "nobody"} {
		if _, err := store.UserByID(ctx, id); mockroom.ErrorCode(err) != "user_not_found" {
			t.Errorf("UserByID(%s): %v", id, err)
		}
	}
	if _, err := store.UserByEmail(ctx, "nobody@example.org"); mockroom.ErrorCode(err) != "user_not_found" {
		t.Errorf("UserByEmail(unknown): %v", err)
	}
}

// StillGuest tells a guest from an account, alone or through the hand-shake batching: true for
// a guest, false once it is claimed and for an account made with an email, user_not_found for
// an id nobody has.
func TestAccountStoreStillGuest(t *testing.T) {
	for _, batched := range []bool{false, true} {
		store, _, srv := newTestAccountStore(t)
		if batched {
			l := NewLookups(srv.Client(t))
			t.Cleanup(l.Close)
			store.WithLookups(l)
		}
		ctx := t.Context()
		guest := account.User{ID: "g1", Name: "Guest", Guest: true, CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
		for _, u := range []account.User{guest, accountTestUser("u1", "ann@example.org")} {
			if err := store.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
		}
		check := func(when string, id mockroom.UserID, want bool) {
			t.Helper()
			if got, err := store.StillGuest(ctx, id); got != want || err != nil {
				t.Errorf("batched %v, %s: StillGuest(%s) = %v, %v; want %v", batched, when, id, got, err, want)
			}
		}
		check("a guest", "g1", true)
		check("an account", "u1", false)
		if _, err := store.StillGuest(ctx, "nobody"); mockroom.ErrorCode(err) != "user_not_found" {
			t.Errorf("batched %v: StillGuest(nobody): %v, want user_not_found", batched, err)
		}
		if _, err := store.ClaimGuest(ctx, "g1", "gina@example.org", "Gina", "$argon2id$y"); err != nil {
			t.Fatal(err)
		}
		check("after the claim", "g1", false)
	}
}

func TestAccountStoreEmailRace(t *testing.T) {
	store, _, _ := newTestAccountStore(t)
	ctx := t.Context()
	const n = 20
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			errs[i] = store.CreateUser(ctx, accountTestUser("racer"+string(rune('a'+i)), "race@example.org"))
		})
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case mockroom.ErrorCode(err) != "email_taken":
			t.Errorf("unexpected error: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d signups won the same email, want exactly 1", won)
	}
}

func TestAccountStoreClaimGuest(t *testing.T) {
	store, keys, srv := newTestAccountStore(t)
	ctx := t.Context()
	guest := account.User{ID: "g1", Name: "Guest", Guest: true, CreatedAt: time.Now().UTC()}
	if err := store.CreateUser(ctx, guest); err != nil {
		t.Fatal(err)
	}
	if err := store.CreateUser(ctx, accountTestUser("u1", "taken@example.org")); err != nil {
		t.Fatal(err)
	}
	if _, err := store.ClaimGuest(ctx, "g1", "taken@example.org", "", "h"); mockroom.ErrorCode(err) != "email_taken" {
		t.Fatalf("claim a taken email: %v", err)
	}
	if _, err := store.ClaimGuest(ctx, "nobody", "free@example.org", "", "h"); mockroom.ErrorCode(err) != "user_not_found" {
		t.Fatalf("claim a missing guest: %v", err)
	}
	// The failed claim released the email again.
	if n, _ := srv.Client(t).Exists(ctx, keys.UserEmail("free@example.org")).Result(); n != 0 {
		t.Error("failed claim kept the email")
	}
	got, err := store.ClaimGuest(ctx, "g1", "free@example.org", "", "hash")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != "g1" || got.Guest || got.Email != "free@example.org" || got.Name != "Guest" || got.PasswordHash != "hash" {
		t.Errorf("claimed = %+v", got)
	}
	if _, err := store.ClaimGuest(ctx, "g1", "other@example.org", "", "h"); mockroom.ErrorCode(err) != "already_claimed" {
		t.Errorf("second claim: %v", err)
	}
	if n, _ := srv.Client(t).Exists(ctx, keys.UserEmail("other@example.org")).Result(); n != 0 {
		t.Error("refused second claim kept its email")
	}
}

func TestAccountStoreEmailPointingAtGuestIsNoAccount(t *testing.T) {
	// The state a crashed claim leaves: the email is claimed but the guest was never changed.
	store, keys, srv := newTestAccountStore(t)
	ctx := t.Context()
	if err := store.CreateUser(ctx, account.User{ID: "g1", Name: "G", Guest: true, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	srv.Client(t).Set(ctx, keys.UserEmail("half@example.org"), "g1", 0)
	if _, err := store.UserByEmail(ctx, "half@example.org"); mockroom.ErrorCode(err) != "user_not_found" {
		t.Errorf("half-claimed email: %v, want user_not_found", err)
	}
}

func TestAccountStoreSessions(t *testing.T) {
	store, keys, srv := newTestAccountStore(t)
	ctx := t.Context()
	ref := account.SessionRef{UserID: "u1", SessionID: "s1"}
	ttl := time.Hour
	if err := store.CreateSession(ctx, ref, "h1", ttl); err != nil {
		t.Fatal(err)
	}
	if ok, err := store.SessionActive(ctx, ref); err != nil || !ok {
		t.Fatalf("active after create: %v, %v", ok, err)
	}
	if pttl := srv.Client(t).PTTL(ctx, keys.Session("u1", "s1")).Val(); pttl <= 0 || pttl > ttl {
		t.Errorf("session TTL = %s", pttl)
	}

	got, err := store.RotateSession(ctx, "h1", "h2", ttl)
	if err != nil || got != ref {
		t.Fatalf("rotate: %+v, %v", got, err)
	}
	if got, err := store.LookupSession(ctx, "h2"); err != nil || got != ref {
		t.Errorf("lookup new token: %+v, %v", got, err)
	}
	// A failed rotation leaves no index for the token it would have issued.
	if _, err := store.RotateSession(ctx, "unknown", "h9", ttl); mockroom.ErrorCode(err) != "refresh_invalid" {
		t.Errorf("rotate unknown: %v", err)
	}
	// Reuse of h1 ends the session; h2 then fails too, and the would-be h3 is not indexed.
	if _, err := store.RotateSession(ctx, "h1", "h3", ttl); mockroom.ErrorCode(err) != "refresh_reused" {
		t.Fatalf("reuse: %v", err)
	}
	if ok, _ := store.SessionActive(ctx, ref); ok {
		t.Error("session active after reuse")
	}
	if _, err := store.RotateSession(ctx, "h2", "h4", ttl); mockroom.ErrorCode(err) != "refresh_invalid" {
		t.Errorf("rotate after revocation: %v", err)
	}
	for _, h := range []string{"h3", "h4", "h9"} {
		if n, _ := srv.Client(t).Exists(ctx, keys.RefreshToken(h)).Result(); n != 0 {
			t.Errorf("refused rotation left index key for %s", h)
		}
	}

	// Revoking is idempotent.
	ref2 := account.SessionRef{UserID: "u1", SessionID: "s2"}
	_ = store.CreateSession(ctx, ref2, "k1", ttl)
	for range 2 {
		if err := store.RevokeSession(ctx, ref2); err != nil {
			t.Fatal(err)
		}
	}
	if ok, _ := store.SessionActive(ctx, ref2); ok {
		t.Error("session active after revoke")
	}
}

func TestAccountKeysOfAUserShareItsSlot(t *testing.T) {
	k := Keys{Prefix: "p"}
	for _, key := range []string{k.User("u1"), k.Session("u1", "s1")} {
		if tag := accountHashTag(key); tag != "user:u1" {
			t.Errorf("%s has hash tag %q, want user:u1", key, tag)
		}
	}
}

// accountHashTag is the part of a key Redis Cluster hashes: between the first "{" and the next "}".
func accountHashTag(key string) string {
	start := -1
	for i, c := range key {
		if c == '{' && start < 0 {
			start = i
		} else if c == '}' && start >= 0 {
			return key[start+1 : i]
		}
	}
	return key
}

func TestRateCounter(t *testing.T) {
	srv := redistest.Shared(t)
	c := NewRateCounter(srv.Client(t), Keys{Prefix: redistest.Prefix(t)})
	ctx := t.Context()
	limit := account.Limit{Burst: 3, Period: time.Minute} // three at once, then one every 20 s
	start := time.UnixMilli(1_700_000_000_000)
	allow := func(scope, subject string, at time.Duration) (bool, time.Duration) {
		t.Helper()
		ok, retry, err := c.Allow(ctx, scope, subject, limit, start.Add(at))
		if err != nil {
			t.Fatal(err)
		}
		return ok, retry
	}
	for i := range 3 {
		if ok, _ := allow("login_addr", "10.0.0.1", 0); !ok {
			t.Fatalf("attempt %d of a burst of 3 refused", i+1)
		}
	}
	if ok, retry := allow("login_addr", "10.0.0.1", 0); ok || retry != 20*time.Second {
		t.Fatalf("4th attempt at once: allowed %v, retry %s; want refused, retry 20s", ok, retry)
	}
	// Refused attempts are not counted: retrying does not push the time out.
	if ok, retry := allow("login_addr", "10.0.0.1", 5*time.Second); ok || retry != 15*time.Second {
		t.Fatalf("retry after 5 s: allowed %v, retry %s; want refused, retry 15s", ok, retry)
	}
	// The allowance refills evenly: one attempt every 20 s, never a fresh burst of 3 at a
	// window edge (a fixed one-minute window would allow 3 more at 60 s, 6 within a second).
	if ok, _ := allow("login_addr", "10.0.0.1", 20*time.Second); !ok {
		t.Fatal("attempt at 20 s refused, want the refilled one allowed")
	}
	if ok, _ := allow("login_addr", "10.0.0.1", 21*time.Second); ok {
		t.Fatal("a second attempt at 21 s allowed")
	}
	allowedAtEdge := 0
	for range 3 {
		if ok, _ := allow("login_addr", "10.0.0.1", 60*time.Second); ok {
			allowedAtEdge++
		}
	}
	if allowedAtEdge != 2 {
		t.Errorf("at 60 s, %d of 3 attempts allowed; want 2 (refilled at 40 s and 60 s)", allowedAtEdge)
	}
	// After a whole period of quiet the full burst is back.
	for i := range 3 {
		if ok, _ := allow("login_addr", "10.0.0.1", 3*time.Minute); !ok {
			t.Fatalf("attempt %d after a quiet period refused", i+1)
		}
	}
	// Other subjects and scopes have allowances of their own.
	if ok, _ := allow("login_addr", "10.0.0.2", 0); !ok {
		t.Error("another subject was refused")
	}
	if ok, _ := allow("login_account", "10.0.0.1", 0); !ok {
		t.Error("another scope was refused")
	}
}

// TestAccountStoreSessionsActive: the batched check answers each session as SessionActive does,
// in the order asked, revoked and unknown ones false.
func TestAccountStoreSessionsActive(t *testing.T) {
	store, _, _ := newTestAccountStore(t)
	ctx := t.Context()
	a := account.SessionRef{UserID: "u1", SessionID: "a"}
	b := account.SessionRef{UserID: "u2", SessionID: "b"}
	gone := account.SessionRef{UserID: "u1", SessionID: "gone"}
	for i, ref := range []account.SessionRef{a, b, gone} {
		if err := store.CreateSession(ctx, ref, "h"+ref.SessionID+string(rune('0'+i)), time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	if err := store.RevokeSession(ctx, gone); err != nil {
		t.Fatal(err)
	}
	unknown := account.SessionRef{UserID: "u3", SessionID: "never"}
	refs := []account.SessionRef{b, gone, a, unknown, a}
	got, err := store.SessionsActive(ctx, refs)
	if err != nil {
		t.Fatal(err)
	}
	want := []bool{true, false, true, false, true}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("session %+v: active %v, want %v", refs[i], got[i], want[i])
		}
		if one, _ := store.SessionActive(ctx, refs[i]); one != got[i] {
			t.Errorf("session %+v: batched %v, alone %v", refs[i], got[i], one)
		}
	}
}
