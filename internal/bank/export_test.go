package bank

// ValidateQuestion exposes the rules every question obeys to the external tests.
func (t *Track) ValidateQuestion(q Question) error { return validateQuestion(q, t.Rubric.HasQuality) }

// EmbeddedFS exposes the embedded data so tests can load modified copies of it.
var EmbeddedFS = embedded
