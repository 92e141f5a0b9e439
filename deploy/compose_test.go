package deploy

import (
	"net/netip"
	"os"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// composeFile is the part of deploy/compose.yaml the checks read.
type composeFile struct {
	Services map[string]struct {
		Image       string            `json:"image"`
		Command     []string          `json:"command"`
		Environment map[string]string `json:"environment"`
		Networks    any               `json:"networks"`
		ReadOnly    bool              `json:"read_only"`
		CapDrop     []string          `json:"cap_drop"`
	} `json:"services"`
	Networks map[string]struct {
		IPAM struct {
			Config []struct {
				Subnet string `json:"subnet"`
			} `json:"config"`
		} `json:"ipam"`
	} `json:"networks"`
}

func loadCompose(t *testing.T) composeFile {
	t.Helper()
	data, err := os.ReadFile("compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(data, &c); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	return c
}

// TestComposeTrustsOnlyTheLoadBalancer: the nodes believe X-Forwarded-For from nginx's fixed
// address and from nothing else, so per-address limits count visitors, not the proxy.
func TestComposeTrustsOnlyTheLoadBalancer(t *testing.T) {
	c := loadCompose(t)
	lb, ok := c.Services["lb"]
	if !ok {
		t.Fatal("no lb service")
	}
	nets, _ := lb.Networks.(map[string]any)
	var lbAddr netip.Addr
	for name, v := range nets {
		m, _ := v.(map[string]any)
		raw, _ := m["ipv4_address"].(string)
		addr, err := netip.ParseAddr(raw)
		if err != nil {
			t.Fatalf("lb has no fixed ipv4_address on network %s: %q", name, raw)
		}
		lbAddr = addr
		subnets := c.Networks[name].IPAM.Config
		if len(subnets) == 0 {
			t.Fatalf("network %s has no fixed subnet, so lb's address may not be on it", name)
		}
		if p, err := netip.ParsePrefix(subnets[0].Subnet); err != nil || !p.Contains(addr) {
			t.Errorf("lb address %s is not inside network %s's subnet %q", addr, name, subnets[0].Subnet)
		}
	}
	if !lbAddr.IsValid() {
		t.Fatal("lb has no fixed address")
	}

	nodes := 0
	for name, svc := range c.Services {
		if !strings.HasPrefix(name, "node") {
			continue
		}
		nodes++
		raw := svc.Environment["MOCKROOM_TRUSTED_PROXIES"]
		if raw == "" {
			t.Errorf("%s: MOCKROOM_TRUSTED_PROXIES unset: every visitor shares nginx's address", name)
			continue
		}
		for _, entry := range strings.Split(raw, ",") {
			p, err := netip.ParsePrefix(strings.TrimSpace(entry))
			if err != nil {
				t.Errorf("%s: trusted proxy %q: %v", name, entry, err)
				continue
			}
			if p.Bits() != p.Addr().BitLen() || p.Addr() != lbAddr {
				t.Errorf("%s trusts %s; want exactly the load balancer's %s (anything wider lets other containers forge addresses)", name, p, lbAddr)
			}
		}
		if url := svc.Environment["MOCKROOM_REDIS_URL"]; !strings.Contains(url, "${MOCKROOM_REDIS_PASSWORD") || !strings.Contains(url, "@redis:") {
			t.Errorf("%s: MOCKROOM_REDIS_URL %q carries no password", name, url)
		}
		if !svc.ReadOnly || len(svc.CapDrop) == 0 || svc.CapDrop[0] != "ALL" {
			t.Errorf("%s: want read_only and cap_drop ALL", name)
		}
	}
	if nodes < 2 {
		t.Errorf("want several nodes behind nginx, got %d", nodes)
	}

	redis := c.Services["redis"]
	if !strings.Contains(strings.Join(redis.Command, " "), `--requirepass "$$MOCKROOM_REDIS_PASSWORD"`) {
		t.Errorf("redis starts without a password: %v", redis.Command)
	}
	if redis.Environment["REDISCLI_AUTH"] == "" {
		t.Error("redis healthcheck cannot authenticate: REDISCLI_AUTH unset")
	}
}

// TestNginxAppendsTheClientAddress: the node takes the right-most X-Forwarded-For entry, so nginx
// must append its peer's address rather than pass the client's header through.
func TestNginxAppendsTheClientAddress(t *testing.T) {
	conf, err := os.ReadFile("nginx.conf")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(conf), "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;") {
		t.Error("nginx.conf does not append the client address to X-Forwarded-For")
	}
}
