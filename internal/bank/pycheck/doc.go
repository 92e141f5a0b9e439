// Package pycheck runs the reference solutions of coding questions against their examples and
// their tests with a Python 3 interpreter, so that a solution the bank shows interviewers is
// known to work and every example the candidate sees can be checked by "Run tests".
//
// The harness is frontend/src/live/harness.py, the file the room's Python worker runs in the
// browser, so the bank's check and a run in a room judge a test alike.
//
// Every question is checked in one python3 process (starting one per question is slow on a
// loaded machine); each solution runs in a fresh namespace with a time limit of its own.
package pycheck
