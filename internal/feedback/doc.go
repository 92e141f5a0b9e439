// Package feedback holds the rules for what is written about a session once it ends: the
// interviewer's rubric form about the candidate, a peer candidate's interviewer-quality form,
// drafts, immutable submitted versions and amendments, the moments of the room's log a form
// cites, when a form is released to the person it is about (a mentor's on submit or when the
// mentor releases; a peer room's double-blind, once both have submitted or a deadline passed),
// feedback on feedback and the standing it gives an interviewer.
//
// A form's id says which half of the room it belongs to and who it is about: "candidate-<h>"
// is written by the interviewer of half h about its candidate, "interviewer-<h>" by the
// candidate of a peer room's half h about its interviewer. A mentor room has one half, 0.
//
// The package declares the store, room and log interfaces it needs; internal/redisstore and the
// live engine's store implement them.
package feedback
