package live

// Feedback event types. The feedback package appends them after the room has ended; they say who
// wrote about whom and when it became readable, never what was written.
const (
	TypeFeedbackSubmitted = "feedback.submitted"
	TypeFeedbackReleased  = "feedback.released"
)
