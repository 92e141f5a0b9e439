// Package e2e holds the end-to-end tests of mockroom as it is deployed: the real binary, several
// server processes sharing one real Redis, clients speaking the documented protocol over real
// sockets, and the Node client built on @codemirror/collab. It has no code of its own.
package e2e
