package httpapi

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// clientAddr is the address per-address rate limits count against. It is the peer's IP, unless
// the peer is a configured trusted proxy: then it is the right-most X-Forwarded-For entry that is
// not itself a trusted proxy. Entries further left were written by the client and prove nothing,
// so they are never used; without trusted proxies the header is ignored altogether.
func (s *Server) clientAddr(r *http.Request) string {
	peer := remoteIP(r.RemoteAddr)
	if !peer.IsValid() || !s.trusted(peer) {
		if peer.IsValid() {
			return peer.String()
		}
		return r.RemoteAddr
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // a garbled entry: stop at the last address we can vouch for
		}
		hop = hop.Unmap()
		if !s.trusted(hop) {
			return hop.String()
		}
		peer = hop
	}
	return peer.String()
}

func (s *Server) trusted(ip netip.Addr) bool {
	for _, p := range s.opts.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

func remoteIP(remoteAddr string) netip.Addr {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return ip.Unmap()
}
