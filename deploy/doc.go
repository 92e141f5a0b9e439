// Package deploy holds the files that run mockroom elsewhere: the container image, a compose
// stack behind nginx, and Kubernetes manifests. It has no code; its tests read those files and
// check what an operator relies on (strict Kubernetes types, the "restricted" Pod Security level,
// network policies, trusted proxies, Redis limits), and run the real nginx.conf in front of a
// server.
package deploy
