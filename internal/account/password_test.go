package account

import (
	"strings"
	"testing"
	"time"
)

func TestHashAndVerify(t *testing.T) {
	enc, err := hashPassword("correct horse battery", LightHashParams)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("encoded = %q, want the PHC argon2id form with its parameters", enc)
	}
	again, _ := hashPassword("correct horse battery", LightHashParams)
	if again == enc {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	for pw, want := range map[string]bool{"correct horse battery": true, "correct horse batterY": false, "": false} {
		ok, err := verifyPassword(pw, enc)
		if err != nil || ok != want {
			t.Errorf("verify(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
}

func TestVerifyUsesStoredParameters(t *testing.T) {
	// A hash made with other parameters still verifies: the cost travels with the hash.
	p := HashParams{MemoryKiB: 128, Time: 2, Threads: 2, SaltLen: 8, KeyLen: 16}
	enc, err := hashPassword("another long one", p)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := verifyPassword("another long one", enc); err != nil || !ok {
		t.Errorf("verify = %v, %v", ok, err)
	}
}

func TestVerifyRefusesMalformedHashes(t *testing.T) {
	for _, enc := range []string{
		"",
		"plain",
		"$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5",
		"$argon2id$v=18$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5",
		"$argon2id$v=19$m=0,t=1,p=1$c2FsdHNhbHQ$a2V5",
		"$argon2id$v=19$m=64,t=1,p=1$!!$a2V5",
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$",
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5$extra",
	} {
		if ok, err := verifyPassword("whatever password", enc); err == nil || ok {
			t.Errorf("verify against %q = %v, %v; want an error", enc, ok, err)
		}
	}
}

func TestRetryAfterRoundsUp(t *testing.T) {
	for in, want := range map[time.Duration]time.Duration{
		0:                       time.Second,
		300 * time.Millisecond:  time.Second,
		1500 * time.Millisecond: 2 * time.Second,
		59 * time.Second:        59 * time.Second,
	} {
		if got := (&RetryAfterError{After: in}).RetryAfter(); got != want {
			t.Errorf("RetryAfter(%s) = %s, want %s", in, got, want)
		}
	}
}
