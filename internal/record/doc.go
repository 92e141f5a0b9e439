// Package record holds what a finished session is afterwards: the room's log turned into one
// reader's record (the questions actually asked with the time each used, timer events, chat,
// the reader's own notes, every editor update with its author and time, the final code and the
// feedback the reader may see), the exact replay of the document from the stored updates, the
// list of a person's past sessions, and the Markdown and JSON exports.
//
// A record is computed from the log whenever it is read, so it can never disagree with it. What
// a reader sees follows the room's rules: material meant for one person (an interviewer's notes,
// a question's guidance) reaches that person only, and feedback reaches a reader only as the
// feedback service releases it (an observer sees none).
//
// The package declares the small interfaces it reads rooms, logs and feedback through; cmd
// binds them to the room service, the live store and the feedback service.
package record
