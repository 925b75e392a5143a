package fakebackend

import (
	"fmt"
	"testing"
)

// The recording keeps the newest maxRecorded requests, oldest first.
func TestRecordingRingKeepsTheNewest(t *testing.T) {
	b, err := New(Config{Secret: make([]byte, 32), Issuer: "core-app", Audience: "mcp-server", ClientID: "c", ClientSecret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range maxRecorded + 5 {
		b.rec.add(Request{Path: fmt.Sprint(i)})
	}
	got := b.Requests()
	if len(got) != maxRecorded || got[0].Path != "5" || got[len(got)-1].Path != fmt.Sprint(maxRecorded+4) {
		t.Fatalf("%d requests, first %q, last %q", len(got), got[0].Path, got[len(got)-1].Path)
	}
	for i, r := range got {
		if want := fmt.Sprint(i + 5); r.Path != want {
			t.Fatalf("request %d is %q, want %q", i, r.Path, want)
		}
	}
	b.ResetRecording()
	b.rec.add(Request{Path: "after"})
	if got := b.Requests(); len(got) != 1 || got[0].Path != "after" {
		t.Fatalf("after reset: %+v", got)
	}
}
