package fakebackend_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/mcpauthspec/mcpauthspec/fakebackend"
)

func TestAdminClientAgreesWithBackend(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ac := &fakebackend.AdminClient{BaseURL: e.srv.URL + "/", HTTP: e.srv.Client()}
	client := e.token(fakebackend.OrgAcme, "read write admin")
	exchangedTok := e.exchange(client)

	got, err := ac.Requests(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Errorf("Requests after one exchange: %+v", got)
	}

	e.call(http.MethodGet, "/api/tickets", client, nil)
	e.call(http.MethodDelete, "/api/tickets/TKT-1001", exchangedTok, nil)
	e.call(http.MethodGet, "/api/nope", "", nil)
	got, err = ac.Requests(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(e.b.Requests(), got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("AdminClient.Requests and Backend.Requests differ (-backend +client):\n%s", diff)
	}
	if len(got) != 4 {
		t.Errorf("%d requests, want 4", len(got))
	}

	if err := ac.ResetRecording(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(e.b.Requests()); n != 0 {
		t.Errorf("after ResetRecording: %d requests", n)
	}
	if got, err := ac.Requests(ctx); err != nil || got == nil || len(got) != 0 {
		t.Errorf("empty recording: %v, %v", got, err)
	}

	// A fault set through the client acts like one set in process.
	if err := ac.SetFault(ctx, fakebackend.Fault{Kind: "slow", Delay: 60 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if s := e.call(http.MethodGet, "/api/tickets", client, nil).status; s != 200 || time.Since(start) < 60*time.Millisecond {
		t.Errorf("slow fault through the client: status %d after %v", s, time.Since(start))
	}
	if err := ac.SetFault(ctx, fakebackend.Fault{Kind: "500", Paths: "token", ForMS: 60_000}); err != nil {
		t.Fatal(err)
	}
	if s := e.postToken(exchangeForm(client), true).status; s != 500 {
		t.Errorf("token fault through the client: status %d", s)
	}
	if err := ac.SetFault(ctx, fakebackend.Fault{Kind: "teapot"}); err == nil {
		t.Error("SetFault(teapot) succeeded")
	}

	if err := ac.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if s := e.call(http.MethodGet, "/api/tickets/TKT-1001", client, nil).status; s != 200 {
		t.Errorf("deleted ticket after Reset: status %d", s)
	}
	if s := e.postToken(exchangeForm(client), true).status; s != 200 {
		t.Errorf("fault after Reset: status %d", s)
	}
	if n := len(e.b.Requests()); n != 2 {
		t.Errorf("after Reset and two calls: %d requests", n)
	}

	if _, err := (&fakebackend.AdminClient{BaseURL: e.srv.URL + "/nothing"}).Requests(ctx); err == nil {
		t.Error("Requests at a wrong URL succeeded")
	}
}
