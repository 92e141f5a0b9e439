// Package progress computes, from a person's finished sessions and the feedback released to
// them, how they are doing: each rubric quality's scores over time and their average, how they
// did per question category, how many sessions they gave and took, the preparation map (the
// checklist of what to prepare for an interview, each area tied to the question bank's
// categories and topics, with what was practised here and how it went) and the next session
// suggested from the weakest areas.
package progress
