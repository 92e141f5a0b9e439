package deploy

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/yaml"
)

// manifests is every object in deploy/k8s, decoded strictly into its Kubernetes API type.
type manifests struct {
	deployments  []appsv1.Deployment
	statefulSets []appsv1.StatefulSet
	services     []corev1.Service
	configMaps   []corev1.ConfigMap
	policies     []networkingv1.NetworkPolicy
	ingresses    []networkingv1.Ingress
	hpas         []autoscalingv2.HorizontalPodAutoscaler
	pdbs         []policyv1.PodDisruptionBudget
}

// loadManifests decodes every document of every file under deploy/k8s. A field the API type does
// not have (a typo, a field at the wrong level) or a kind this test does not know fails.
func loadManifests(t *testing.T) manifests {
	t.Helper()
	files, err := filepath.Glob("k8s/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests under deploy/k8s: %v", err)
	}
	var m manifests
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(data), -1) {
			if strings.TrimSpace(stripComments(doc)) == "" {
				continue
			}
			if err := m.add([]byte(doc)); err != nil {
				t.Errorf("%s document %d: %v", file, i+1, err)
			}
		}
	}
	return m
}

func stripComments(doc string) string {
	var b strings.Builder
	for line := range strings.Lines(doc) {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			b.WriteString(line)
		}
	}
	return b.String()
}

func (m *manifests) add(doc []byte) error {
	var head struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if err := yaml.Unmarshal(doc, &head); err != nil {
		return err
	}
	strict := func(into any) error { return yaml.UnmarshalStrict(doc, into) }
	switch head.APIVersion + " " + head.Kind {
	case "apps/v1 Deployment":
		var o appsv1.Deployment
		err := strict(&o)
		m.deployments = append(m.deployments, o)
		return err
	case "apps/v1 StatefulSet":
		var o appsv1.StatefulSet
		err := strict(&o)
		m.statefulSets = append(m.statefulSets, o)
		return err
	case "v1 Service":
		var o corev1.Service
		err := strict(&o)
		m.services = append(m.services, o)
		return err
	case "v1 ConfigMap":
		var o corev1.ConfigMap
		err := strict(&o)
		m.configMaps = append(m.configMaps, o)
		return err
	case "networking.k8s.io/v1 NetworkPolicy":
		var o networkingv1.NetworkPolicy
		err := strict(&o)
		m.policies = append(m.policies, o)
		return err
	case "networking.k8s.io/v1 Ingress":
		var o networkingv1.Ingress
		err := strict(&o)
		m.ingresses = append(m.ingresses, o)
		return err
	case "autoscaling/v2 HorizontalPodAutoscaler":
		var o autoscalingv2.HorizontalPodAutoscaler
		err := strict(&o)
		m.hpas = append(m.hpas, o)
		return err
	case "policy/v1 PodDisruptionBudget":
		var o policyv1.PodDisruptionBudget
		err := strict(&o)
		m.pdbs = append(m.pdbs, o)
		return err
	}
	return fmt.Errorf("unknown kind %q %q (add it to the test)", head.APIVersion, head.Kind)
}

func (m manifests) deployment(t *testing.T, name string) appsv1.Deployment {
	t.Helper()
	for _, d := range m.deployments {
		if d.Name == name {
			return d
		}
	}
	t.Fatalf("no Deployment %q", name)
	return appsv1.Deployment{}
}

func (m manifests) statefulSet(t *testing.T, name string) appsv1.StatefulSet {
	t.Helper()
	for _, s := range m.statefulSets {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no StatefulSet %q", name)
	return appsv1.StatefulSet{}
}

func TestManifestsDecodeStrictly(t *testing.T) {
	m := loadManifests(t)
	if len(m.deployments) != 1 || len(m.statefulSets) != 1 || len(m.hpas) != 1 || len(m.policies) != 2 {
		t.Errorf("want 1 Deployment, 1 StatefulSet, 1 HPA and 2 NetworkPolicies, got %d, %d, %d, %d",
			len(m.deployments), len(m.statefulSets), len(m.hpas), len(m.policies))
	}
}

// restrictedViolations lists what keeps a pod out of a namespace enforcing the "restricted" Pod
// Security Standard (the checks of that level that a manifest decides).
func restrictedViolations(spec corev1.PodSpec) []string {
	var out []string
	if spec.HostNetwork || spec.HostPID || spec.HostIPC {
		out = append(out, "host namespaces")
	}
	for _, v := range spec.Volumes {
		if v.HostPath != nil {
			out = append(out, "hostPath volume "+v.Name)
		}
	}
	pod := spec.SecurityContext
	if pod == nil {
		pod = &corev1.PodSecurityContext{}
	}
	podSeccomp := pod.SeccompProfile != nil && (pod.SeccompProfile.Type == corev1.SeccompProfileTypeRuntimeDefault || pod.SeccompProfile.Type == corev1.SeccompProfileTypeLocalhost)
	podNonRoot := pod.RunAsNonRoot != nil && *pod.RunAsNonRoot
	if pod.RunAsUser != nil && *pod.RunAsUser == 0 {
		out = append(out, "pod runs as uid 0")
	}
	for _, c := range append(append([]corev1.Container(nil), spec.InitContainers...), spec.Containers...) {
		sc := c.SecurityContext
		if sc == nil {
			sc = &corev1.SecurityContext{}
		}
		if sc.Privileged != nil && *sc.Privileged {
			out = append(out, c.Name+": privileged")
		}
		if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			out = append(out, c.Name+": allowPrivilegeEscalation not false")
		}
		if sc.Capabilities == nil || !containsCap(sc.Capabilities.Drop, "ALL") {
			out = append(out, c.Name+": capabilities do not drop ALL")
		} else {
			for _, add := range sc.Capabilities.Add {
				if add != "NET_BIND_SERVICE" {
					out = append(out, c.Name+": adds capability "+string(add))
				}
			}
		}
		if !podNonRoot && (sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot) {
			out = append(out, c.Name+": runAsNonRoot not true")
		}
		if sc.RunAsUser != nil && *sc.RunAsUser == 0 {
			out = append(out, c.Name+": runs as uid 0")
		}
		if !podSeccomp && (sc.SeccompProfile == nil || sc.SeccompProfile.Type == corev1.SeccompProfileTypeUnconfined) {
			out = append(out, c.Name+": no seccomp profile")
		}
		if c.Resources.Limits.Memory().IsZero() || c.Resources.Requests.Cpu().IsZero() {
			out = append(out, c.Name+": no memory limit or cpu request (not a Pod Security rule, but ours)")
		}
		for _, p := range c.Ports {
			if p.HostPort != 0 {
				out = append(out, c.Name+": hostPort")
			}
		}
	}
	return out
}

func containsCap(caps []corev1.Capability, want corev1.Capability) bool {
	for _, c := range caps {
		if c == want {
			return true
		}
	}
	return false
}

func TestPodsMeetRestrictedPodSecurity(t *testing.T) {
	m := loadManifests(t)
	pods := map[string]corev1.PodSpec{
		"Deployment mockroom": m.deployment(t, "mockroom").Spec.Template.Spec,
		"StatefulSet redis":   m.statefulSet(t, "redis").Spec.Template.Spec,
	}
	for name, spec := range pods {
		if v := restrictedViolations(spec); len(v) > 0 {
			t.Errorf("%s is refused under Pod Security \"restricted\": %s", name, strings.Join(v, "; "))
		}
	}
	// The check itself must catch the pod as it was before: no seccomp, capabilities kept.
	bare := corev1.PodSpec{SecurityContext: &corev1.PodSecurityContext{RunAsNonRoot: new(true)},
		Containers: []corev1.Container{{Name: "c", SecurityContext: &corev1.SecurityContext{AllowPrivilegeEscalation: new(false)}}}}
	if v := restrictedViolations(bare); len(v) < 2 {
		t.Errorf("a pod without seccomp profile and with all capabilities passed the check: %v", v)
	}
}

func envValue(c corev1.Container, name string) (string, bool) {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value, true
		}
	}
	return "", false
}

func TestMockroomDeploymentForOperations(t *testing.T) {
	m := loadManifests(t)
	d := m.deployment(t, "mockroom")
	spec := d.Spec.Template.Spec
	c := spec.Containers[0]

	proxies, ok := envValue(c, "MOCKROOM_TRUSTED_PROXIES")
	if !ok || proxies == "" {
		t.Error("MOCKROOM_TRUSTED_PROXIES is not set: behind the ingress every visitor shares the controller's address")
	}
	for _, p := range strings.Split(proxies, ",") {
		if _, err := netip.ParsePrefix(strings.TrimSpace(p)); err != nil {
			t.Errorf("MOCKROOM_TRUSTED_PROXIES entry %q: %v", p, err)
		}
	}

	if c.Lifecycle == nil || c.Lifecycle.PreStop == nil || c.Lifecycle.PreStop.Sleep == nil {
		t.Fatal("no preStop sleep: the pod stops serving before it leaves the Service's endpoints")
	}
	preStop := time.Duration(c.Lifecycle.PreStop.Sleep.Seconds) * time.Second
	shutdownRaw, _ := envValue(c, "MOCKROOM_SHUTDOWN_TIMEOUT")
	shutdown, err := time.ParseDuration(shutdownRaw)
	if err != nil {
		t.Fatalf("MOCKROOM_SHUTDOWN_TIMEOUT %q: %v", shutdownRaw, err)
	}
	grace := time.Duration(*spec.TerminationGracePeriodSeconds) * time.Second
	if preStop+shutdown >= grace {
		t.Errorf("preStop %s + shutdown %s do not fit in terminationGracePeriodSeconds %s: the kubelet kills the node mid-shutdown", preStop, shutdown, grace)
	}

	keys := map[string]bool{}
	for _, tsc := range spec.TopologySpreadConstraints {
		keys[tsc.TopologyKey] = tsc.LabelSelector != nil && tsc.LabelSelector.MatchLabels["app"] == "mockroom"
	}
	if !keys["kubernetes.io/hostname"] {
		t.Errorf("no topology spread over hosts selecting the mockroom pods: %v", spec.TopologySpreadConstraints)
	}

	if url, _ := envValue(c, "MOCKROOM_REDIS_URL"); !strings.Contains(url, ":$(REDIS_PASSWORD)@") {
		t.Errorf("MOCKROOM_REDIS_URL %q carries no password", url)
	}
	// $(REDIS_PASSWORD) expands only if the variable is defined before the one using it.
	for _, e := range c.Env {
		if e.Name == "MOCKROOM_REDIS_URL" {
			t.Error("MOCKROOM_REDIS_URL comes before REDIS_PASSWORD: $(REDIS_PASSWORD) would stay literal")
		}
		if e.Name == "REDIS_PASSWORD" {
			break
		}
	}

	if len(m.hpas) != 1 {
		t.Fatalf("want one HorizontalPodAutoscaler, got %d", len(m.hpas))
	}
	hpa := m.hpas[0]
	if hpa.Spec.ScaleTargetRef.Kind != "Deployment" || hpa.Spec.ScaleTargetRef.Name != "mockroom" {
		t.Errorf("HPA scales %v, want Deployment mockroom", hpa.Spec.ScaleTargetRef)
	}
	onCPU := false
	for _, metric := range hpa.Spec.Metrics {
		onCPU = onCPU || (metric.Resource != nil && metric.Resource.Name == corev1.ResourceCPU)
	}
	if !onCPU {
		t.Error("HPA does not scale on CPU")
	}
	if hpa.Spec.MinReplicas == nil || *hpa.Spec.MinReplicas < 2 {
		t.Error("HPA may scale down to a single node")
	}
}

func TestOnlyMockroomReachesRedis(t *testing.T) {
	m := loadManifests(t)
	var found bool
	for _, p := range m.policies {
		if p.Spec.PodSelector.MatchLabels["app"] != "redis" {
			continue
		}
		found = true
		if len(p.Spec.PolicyTypes) != 1 || p.Spec.PolicyTypes[0] != networkingv1.PolicyTypeIngress {
			t.Errorf("redis policy types %v, want Ingress", p.Spec.PolicyTypes)
		}
		for _, rule := range p.Spec.Ingress {
			if len(rule.From) == 0 {
				t.Error("a redis ingress rule with no from: everything reaches Redis")
			}
			for _, peer := range rule.From {
				if peer.PodSelector == nil || peer.PodSelector.MatchLabels["app"] != "mockroom" || peer.NamespaceSelector != nil || peer.IPBlock != nil {
					t.Errorf("redis admits a peer other than the mockroom pods: %+v", peer)
				}
			}
		}
	}
	if !found {
		t.Error("no NetworkPolicy selects the redis pods")
	}
}

func TestRedisIsBoundedAndProtected(t *testing.T) {
	m := loadManifests(t)
	s := m.statefulSet(t, "redis")
	c := s.Spec.Template.Spec.Containers[0]
	if !strings.Contains(strings.Join(append(c.Command, c.Args...), " "), "--requirepass $(REDIS_PASSWORD)") {
		t.Errorf("redis starts without a password: %v %v", c.Command, c.Args)
	}
	var conf string
	for _, cm := range m.configMaps {
		if cm.Name == "redis-config" {
			conf = cm.Data["redis.conf"]
		}
	}
	limit := c.Resources.Limits.Memory().Value()
	checkRedisConf(t, "ConfigMap redis-config", conf, limit)

	file, err := os.ReadFile("redis.conf")
	if err != nil {
		t.Fatal(err)
	}
	checkRedisConf(t, "deploy/redis.conf", string(file), 0)
}

// checkRedisConf wants maxmemory set (below limit, when there is one, with a quarter spare for
// the rewrite fork and buffers) and no eviction.
func checkRedisConf(t *testing.T, name, conf string, limit int64) {
	t.Helper()
	directives := map[string]string{}
	for line := range strings.Lines(conf) {
		f := strings.Fields(line)
		if len(f) >= 2 && !strings.HasPrefix(f[0], "#") {
			directives[f[0]] = strings.Join(f[1:], " ")
		}
	}
	if directives["maxmemory-policy"] != "noeviction" {
		t.Errorf("%s: maxmemory-policy %q, want noeviction (evicting drops rooms silently)", name, directives["maxmemory-policy"])
	}
	maxmem, err := parseRedisBytes(directives["maxmemory"])
	if err != nil || maxmem == 0 {
		t.Errorf("%s: maxmemory %q: without it noeviction never applies and the kernel kills Redis instead (%v)", name, directives["maxmemory"], err)
	}
	if limit > 0 && maxmem > limit*3/4 {
		t.Errorf("%s: maxmemory %d leaves less than a quarter of the %d memory limit spare", name, maxmem, limit)
	}
}

func parseRedisBytes(s string) (int64, error) {
	units := map[string]int64{"kb": 1 << 10, "mb": 1 << 20, "gb": 1 << 30, "": 1}
	s = strings.ToLower(strings.TrimSpace(s))
	i := len(s)
	for i > 0 && (s[i-1] < '0' || s[i-1] > '9') {
		i--
	}
	var n int64
	if _, err := fmt.Sscan(s[:i], &n); err != nil {
		return 0, err
	}
	mult, ok := units[s[i:]]
	if !ok {
		return 0, fmt.Errorf("unit %q", s[i:])
	}
	return n * mult, nil
}
