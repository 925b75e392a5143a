package fakebackend_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mcpauthspec/mcpauthspec/fakebackend"
)

func TestFaults(t *testing.T) {
	e := newEnv(t)
	tok := e.token(fakebackend.OrgAcme, "read")
	tests := []struct {
		fault          fakebackend.Fault
		api, token     int    // statuses of GET /api/tickets and of a good exchange
		apiCode, oauth string // error codes when faulted
	}{
		{fakebackend.Fault{Kind: "500"}, 500, 200, "internal_error", ""},
		{fakebackend.Fault{Kind: "401"}, 401, 200, "invalid_token", ""},
		{fakebackend.Fault{Kind: "500", Paths: "api"}, 500, 200, "internal_error", ""},
		{fakebackend.Fault{Kind: "500", Paths: "token"}, 200, 500, "", "server_error"},
		{fakebackend.Fault{Kind: "401", Paths: "token"}, 200, 401, "", "invalid_client"},
		{fakebackend.Fault{Kind: "500", Paths: "all"}, 500, 500, "internal_error", "server_error"},
		{fakebackend.Fault{}, 200, 200, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.fault.Kind+"/"+tt.fault.Paths, func(t *testing.T) {
			e.b.SetFault(tt.fault)
			defer e.b.SetFault(fakebackend.Fault{})
			resp := e.call(http.MethodGet, "/api/tickets", tok, nil)
			if resp.status != tt.api {
				t.Errorf("API: status %d, want %d", resp.status, tt.api)
			}
			if tt.apiCode != "" && resp.code(t) != tt.apiCode {
				t.Errorf("API: body %s, want code %s", resp.body, tt.apiCode)
			}
			resp = e.postToken(exchangeForm(tok), true)
			if resp.status != tt.token {
				t.Errorf("token: status %d, want %d", resp.status, tt.token)
			}
			if tt.oauth != "" && !strings.Contains(string(resp.body), `"error":"`+tt.oauth+`"`) {
				t.Errorf("token: body %s, want error %s", resp.body, tt.oauth)
			}
		})
	}
}

func TestFaultRecordedWithRealToken(t *testing.T) {
	e := newEnv(t)
	e.b.SetFault(fakebackend.Fault{Kind: "401"})
	e.call(http.MethodGet, "/api/tickets", e.token(fakebackend.OrgAcme, "read"), nil)
	got := e.b.Requests()
	if len(got) != 1 || got[0].Status != 401 || got[0].TokenKind != "passthrough" {
		t.Errorf("recorded %+v", got)
	}
}

func TestSlowFault(t *testing.T) {
	e := newEnv(t)
	tok := e.token(fakebackend.OrgAcme, "read")
	const delay = 100 * time.Millisecond
	e.b.SetFault(fakebackend.Fault{Kind: "slow", Delay: delay})
	start := time.Now()
	resp := e.call(http.MethodGet, "/api/tickets", tok, nil)
	if elapsed := time.Since(start); elapsed < delay {
		t.Errorf("answered after %v, want at least %v", elapsed, delay)
	}
	if resp.status != http.StatusOK {
		t.Errorf("status %d, want 200", resp.status)
	}

	// A client that gives up frees the handler, which sends nothing.
	e.b.ResetRecording()
	e.b.SetFault(fakebackend.Fault{Kind: "slow", Delay: 30 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.srv.URL+"/api/tickets", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	start = time.Now()
	if resp, err := e.srv.Client().Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("the slow request succeeded")
	}
	for len(e.b.Requests()) == 0 {
		if time.Since(start) > 2*time.Second {
			t.Fatal("the handler did not return after the client left")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if got := e.b.Requests()[0].Status; got != 0 {
		t.Errorf("recorded status %d, want 0 (no answer)", got)
	}
}

func TestDownFault(t *testing.T) {
	e := newEnv(t)
	tok := e.token(fakebackend.OrgAcme, "read")
	e.b.SetFault(fakebackend.Fault{Kind: "down", Paths: "all"})
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/api/tickets", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := client.Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("got an answer, status %d", resp.StatusCode)
	}
	got := e.b.Requests()
	if len(got) == 0 || got[len(got)-1].Status != 0 {
		t.Errorf("recorded %+v, want status 0", got)
	}

	// Admin and health stay up, so the fault can be cleared.
	for _, path := range []string{"/healthz", "/_admin/requests"} {
		if resp := e.call(http.MethodGet, path, "", nil); resp.status != http.StatusOK {
			t.Errorf("%s during a fault: status %d", path, resp.status)
		}
	}
	if resp := e.call(http.MethodPut, "/_admin/fault", "", `{"kind":""}`); resp.status != http.StatusNoContent {
		t.Fatalf("clearing: status %d: %s", resp.status, resp.body)
	}
	if resp := e.call(http.MethodGet, "/api/tickets", tok, nil); resp.status != http.StatusOK {
		t.Errorf("after clearing: status %d", resp.status)
	}
}

func TestFaultExpiresAndResets(t *testing.T) {
	e := newEnv(t)
	tok := e.token(fakebackend.OrgAcme, "read")
	e.b.SetFault(fakebackend.Fault{Kind: "500", For: time.Minute})
	if s := e.call(http.MethodGet, "/api/tickets", tok, nil).status; s != 500 {
		t.Fatalf("during the fault: status %d", s)
	}
	e.clock.Advance(59 * time.Second)
	if s := e.call(http.MethodGet, "/api/tickets", tok, nil).status; s != 500 {
		t.Errorf("before expiry: status %d", s)
	}
	e.clock.Advance(time.Second)
	if s := e.call(http.MethodGet, "/api/tickets", tok, nil).status; s != 200 {
		t.Errorf("after expiry: status %d", s)
	}

	e.b.SetFault(fakebackend.Fault{Kind: "500", ForMS: 1000})
	e.clock.Advance(999 * time.Millisecond)
	if s := e.call(http.MethodGet, "/api/tickets", tok, nil).status; s != 500 {
		t.Errorf("ForMS: before expiry: status %d", s)
	}

	e.b.SetFault(fakebackend.Fault{Kind: "500"})
	e.call(http.MethodDelete, "/api/tickets/TKT-1001", e.token(fakebackend.OrgAcme, "admin"), nil)
	e.b.SetFault(fakebackend.Fault{Kind: "500"})
	e.b.Reset()
	if s := e.call(http.MethodGet, "/api/tickets", tok, nil).status; s != 200 {
		t.Errorf("after Reset: status %d", s)
	}
	if n := len(e.b.Requests()); n != 1 {
		t.Errorf("after Reset and one call: %d requests recorded", n)
	}
}

func TestAdminFaultValidation(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		body string
		want int
	}{
		{`{"kind":"500"}`, 204},
		{`{"kind":"slow","delay_ms":10,"for_ms":1000,"paths":"token"}`, 204},
		{`{"kind":""}`, 204},
		{`{"kind":"teapot"}`, 400},
		{`{"kind":"slow"}`, 400},
		{`{"kind":"slow","delay_ms":600000}`, 400},
		{`{"kind":"500","for_ms":-1}`, 400},
		{`{"kind":"500","paths":"admin"}`, 400},
		{`{"kind":"slow","delay":10}`, 400},
		{`{"kind":"500"} {}`, 400},
		{`not json`, 400},
		{`{"kind":"500","token_sha256":"` + strings.Repeat("ab", 32) + `"}`, 204},
		{`{"kind":"","token_sha256":"` + strings.Repeat("ab", 32) + `"}`, 204},
		{`{"kind":"500","token_sha256":"` + strings.Repeat("AB", 32) + `"}`, 400},
		{`{"kind":"500","token_sha256":"abc"}`, 400},
		{`{"kind":"500","token_sha256":"` + strings.Repeat("ab", 32) + `0"}`, 400},
	}
	for _, tt := range tests {
		if resp := e.call(http.MethodPut, "/_admin/fault", "", tt.body); resp.status != tt.want {
			t.Errorf("PUT %s: status %d, want %d: %s", tt.body, resp.status, tt.want, resp.body)
		}
	}

	defer func() {
		if recover() == nil {
			t.Error("SetFault with an unknown kind did not panic")
		}
	}()
	e.b.SetFault(fakebackend.Fault{Kind: "teapot"})
}

// TestTokenFaults: a fault scoped to one client token hits every call made
// for that token (passed through, exchanged, or the exchange itself) and no
// call made for another token of the same user; scoped and unscoped faults
// are set and cleared independently.
func TestTokenFaults(t *testing.T) {
	e := newEnv(t)
	faulty := e.token(fakebackend.OrgAcme, "read")
	other := e.token(fakebackend.OrgAcme, "read write") // same user, another token
	if faulty == other {
		t.Fatal("the two tokens are the same")
	}
	api := func(token string) int { return e.call(http.MethodGet, "/api/tickets", token, nil).status }
	exchange := func(token string) int { return e.postToken(exchangeForm(token), true).status }

	// Exchanged before the fault: the backend token still belongs to faulty.
	exchangedEarly := e.exchange(faulty)
	e.b.SetFault(fakebackend.Fault{Kind: "500", Paths: "api", TokenSHA256: sha(faulty)})
	exchangedLate := e.exchange(faulty)
	for name, got := range map[string]int{
		"faulty, passed through":        api(faulty),
		"faulty, exchanged before":      api(exchangedEarly),
		"faulty, exchanged after":       api(exchangedLate),
		"other token, passed through":   api(other),
		"other token, exchanged":        api(e.exchange(other)),
		"faulty, exchange (api faults)": exchange(faulty),
	} {
		want := http.StatusInternalServerError
		if strings.HasPrefix(name, "other") || strings.Contains(name, "exchange (") {
			want = http.StatusOK
		}
		if got != want {
			t.Errorf("%s: status %d, want %d", name, got, want)
		}
	}

	// The token path: its exchange fails, another token's does not.
	e.b.SetFault(fakebackend.Fault{Kind: "401", Paths: "token", TokenSHA256: sha(faulty)})
	if got := exchange(faulty); got != http.StatusUnauthorized {
		t.Errorf("exchange of the faulty token: status %d, want 401", got)
	}
	if got := exchange(other); got != http.StatusOK {
		t.Errorf("exchange of another token: status %d, want 200", got)
	}
	if got := api(faulty); got != http.StatusOK {
		t.Errorf("faulty token's API call under a token-path fault: status %d, want 200", got)
	}

	// Independence: an unscoped fault hits both; clearing the token's fault
	// leaves it; the token's fault wins where both apply.
	e.b.SetFault(fakebackend.Fault{Kind: "500", Paths: "api", TokenSHA256: sha(faulty)})
	e.b.SetFault(fakebackend.Fault{Kind: "401", Paths: "api"})
	if got, want := api(faulty), http.StatusInternalServerError; got != want {
		t.Errorf("both faults, faulty token: status %d, want %d (its own)", got, want)
	}
	if got, want := api(other), http.StatusUnauthorized; got != want {
		t.Errorf("both faults, other token: status %d, want %d (the unscoped one)", got, want)
	}
	e.b.SetFault(fakebackend.Fault{TokenSHA256: sha(faulty)})
	if got, want := api(faulty), http.StatusUnauthorized; got != want {
		t.Errorf("token fault cleared: status %d, want %d (the unscoped one stays)", got, want)
	}
	e.b.SetFault(fakebackend.Fault{Kind: "500", Paths: "api", TokenSHA256: sha(faulty)})
	e.b.SetFault(fakebackend.Fault{})
	if got, want := api(faulty), http.StatusInternalServerError; got != want {
		t.Errorf("unscoped fault cleared: status %d, want %d (the token's stays)", got, want)
	}
	if got := api(other); got != http.StatusOK {
		t.Errorf("unscoped fault cleared, other token: status %d, want 200", got)
	}

	// Reset clears them all; so does a token fault's own For.
	e.b.Reset()
	if got := api(faulty); got != http.StatusOK {
		t.Errorf("after Reset: status %d, want 200", got)
	}
	e.b.SetFault(fakebackend.Fault{Kind: "500", For: time.Minute, TokenSHA256: sha(faulty)})
	if got := api(faulty); got != http.StatusInternalServerError {
		t.Errorf("timed token fault: status %d, want 500", got)
	}
	e.clock.Advance(time.Minute)
	if got := api(faulty); got != http.StatusOK {
		t.Errorf("timed token fault after its time: status %d, want 200", got)
	}
}

// TestTokenFaultKeepsTheExchangeForm: reading a token-path request for its
// subject token leaves the form whole for the exchange, which still
// refuses a malformed one.
func TestTokenFaultKeepsTheExchangeForm(t *testing.T) {
	e := newEnv(t)
	e.b.SetFault(fakebackend.Fault{Kind: "500", Paths: "token", TokenSHA256: strings.Repeat("0", 64)})
	tok := e.token(fakebackend.OrgAcme, "read")
	if got := e.postToken(exchangeForm(tok), true); got.status != http.StatusOK {
		t.Errorf("exchange under another token's fault: status %d: %s", got.status, got.body)
	}
	form := exchangeForm(tok)
	form.Add("subject_token", tok)
	if got := e.postToken(form, true); got.status != http.StatusBadRequest {
		t.Errorf("exchange with two subject_token: status %d, want 400", got.status)
	}
}
