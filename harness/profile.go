package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/mcpauthspec/mcpauthspec/fakebackend"
)

// Profile describes an external deployment: how to mint tokens it accepts,
// what its tools are called, and which resources exist. The secret itself
// never appears in the file: it names an environment variable or a file.
type Profile struct {
	TargetURL       string            `yaml:"target_url"`
	Issuer          string            `yaml:"issuer"`
	Audience        string            `yaml:"audience"`
	SecretEnv       string            `yaml:"secret_env"`
	SecretFile      string            `yaml:"secret_file"`
	BackendAdminURL string            `yaml:"backend_admin_url"`
	LogFile         string            `yaml:"log_file"`
	Tools           map[string]string `yaml:"tools"`
	Fixtures        Fixtures          `yaml:"fixtures"`
	// Resource is the deployment's canonical resource URL (RFC 9728 §2
	// "resource", RFC 8707 §2), when it is not the URL the suite reaches it
	// by: a server behind a proxy that publishes its public https URL.
	Resource string `yaml:"resource"`
	// Keys is the key mode: hs256 (the default). jwks is refused with
	// ErrJWKSExternal: the suite cannot sign for a deployment's real issuer.
	Keys string `yaml:"keys"`
	// Hardening makes failed @hardening scenarios fail the run, as the
	// runner's --hardening flag does.
	Hardening bool `yaml:"hardening"`
	// Tokens are tokens the deployment's own issuer minted (supplied.go):
	// with them the suite needs no secret and holds no key.
	Tokens *SuppliedTokens `yaml:"tokens"`
	// AllowedOrigin is an origin the deployment lists in its
	// MCP_ALLOWED_ORIGINS (optional): the scenario that a listed origin is
	// served needs one.
	AllowedOrigin string `yaml:"allowed_origin"`
	// Protocol is the MCP revision to speak: auto (the default: the newest
	// the target speaks, server/discover then initialize) or one of
	// Revisions (docs/protocol.md).
	Protocol string `yaml:"protocol"`
}

// ContractTools are the tool names of the target contract (section 4).
var ContractTools = []string{"whoami", "list_tickets", "get_ticket", "create_ticket", "update_ticket",
	"delete_ticket", "list_integrations", "sync_integration", "system_status"}

// LoadProfile reads and checks a profile. Unknown keys are errors, so that a
// typo does not silently disable a check.
func LoadProfile(path string) (*Profile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("profile: %w", err)
	}
	var p Profile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil {
		// One line: yaml lists its errors on several.
		return nil, fmt.Errorf("profile %s: %s", path, strings.Join(strings.Fields(err.Error()), " "))
	}
	if p.Issuer == "" {
		p.Issuer = DefaultIssuer
	}
	if p.Audience == "" {
		p.Audience = DefaultAudience
	}
	switch p.Keys {
	case "", KeysHS256:
	case KeysJWKS:
		if p.Tokens == nil { // supplied tokens: any key mode
			return nil, fmt.Errorf("profile %s: keys: %w", path, ErrJWKSExternal)
		}
	default:
		return nil, fmt.Errorf("profile %s: keys: %q is not hs256 or jwks", path, p.Keys)
	}
	if _, err := ParseProtocol(p.Protocol); err != nil {
		return nil, fmt.Errorf("profile %s: %w", path, err)
	}
	if p.Tokens != nil {
		if err := p.Tokens.checkProfile(&p); err != nil {
			return nil, fmt.Errorf("profile %s: %w", path, err)
		}
	} else if (p.SecretEnv == "") == (p.SecretFile == "") {
		return nil, fmt.Errorf("profile %s: set exactly one of secret_env and secret_file", path)
	}
	if p.Resource != "" {
		u, err := url.Parse(p.Resource)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Fragment != "" {
			return nil, fmt.Errorf("profile %s: resource: %q is not an absolute http(s) URL without a fragment", path, p.Resource)
		}
	}
	for name := range p.Tools {
		if !isContractTool(name) {
			return nil, fmt.Errorf("profile %s: tools: %q is not a contract tool (one of %s)", path, name, strings.Join(ContractTools, ", "))
		}
	}
	return &p, nil
}

func isContractTool(name string) bool {
	for _, t := range ContractTools {
		if t == name {
			return true
		}
	}
	return false
}

// secret returns the HS256 secret the profile points at.
func (p *Profile) secret() ([]byte, error) {
	if p.SecretEnv != "" {
		v := os.Getenv(p.SecretEnv)
		if v == "" {
			return nil, fmt.Errorf("profile: environment variable %s (secret_env) is empty", p.SecretEnv)
		}
		return []byte(v), nil
	}
	v, err := os.ReadFile(p.SecretFile)
	if err != nil {
		return nil, fmt.Errorf("profile: secret_file: %w", err)
	}
	return bytes.TrimRight(v, "\r\n"), nil
}

// StartExternal checks that the deployment at mcpURL answers and returns it as
// a target. mcpURL overrides the profile's target_url.
func StartExternal(ctx context.Context, mcpURL string, p *Profile) (*Target, error) {
	return StartExternalWith(ctx, mcpURL, p, ExternalOptions{})
}

// StartExternalWith is StartExternal with the choices of opts (a remote
// target, how its host is resolved and dialed).
func StartExternalWith(ctx context.Context, mcpURL string, p *Profile, opts ExternalOptions) (*Target, error) {
	if mcpURL == "" {
		mcpURL = p.TargetURL
	}
	u, err := url.Parse(mcpURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--target-url %q: not an http(s) URL", mcpURL)
	}
	if err := gateRemote(ctx, u.Hostname(), opts); err != nil {
		return nil, err
	}
	t := &Target{
		Kind:     "external",
		MCPURL:   strings.TrimRight(mcpURL, "/"),
		BaseURL:  u.Scheme + "://" + u.Host,
		Fixtures: p.Fixtures,
		Tools:    p.Tools,
		Resource: strings.TrimRight(p.Resource, "/"),

		AllowedOrigin: p.AllowedOrigin,
		Protocol:      p.Protocol,
	}
	if p.Tokens != nil { // supplied tokens: no secret, no Issuer
		if t.Supplied, err = NewSupplied(ctx, p.Tokens, p.Audience); err != nil {
			return nil, err
		}
		t.Supplied.MCPURL = t.MCPURL
	} else {
		secret, err := p.secret()
		if err != nil {
			return nil, err
		}
		t.Issuer = &Issuer{Secret: secret, Issuer: p.Issuer, Audience: p.Audience}
	}
	if p.BackendAdminURL != "" {
		t.Backend = &fakebackend.AdminClient{BaseURL: strings.TrimRight(p.BackendAdminURL, "/"), HTTP: http.DefaultClient}
	}
	if p.LogFile != "" {
		path := p.LogFile
		t.Logs = func() []byte { b, _ := os.ReadFile(path); return b }
	}
	if err := checkRunning(ctx, opts.healthClient(), t.BaseURL); err != nil {
		return nil, fmt.Errorf("target unreachable: %w", err)
	}
	return t, nil
}

// checkLoopback refuses any host that is not a loopback address: the suite
// sends hostile traffic and must never send it off the machine.
func checkLoopback(host string) error {
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil {
		addrs, err := net.LookupIP(host)
		if err != nil || len(addrs) == 0 {
			return fmt.Errorf("cannot resolve %q", host)
		}
		for _, a := range addrs {
			if !a.IsLoopback() {
				return fmt.Errorf("%q resolves to %s, which is not a loopback address; the suite only tests servers on this machine", host, a)
			}
		}
		return nil
	}
	if !ip.IsLoopback() {
		return errors.New(host + " is not a loopback address; the suite only tests servers on this machine")
	}
	return nil
}
