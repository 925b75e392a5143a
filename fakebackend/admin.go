package fakebackend

import (
	"encoding/json"
	"io"
	"net/http"
)

// The admin endpoints are for tests only and unauthenticated: they sit
// outside the record and fault chains, so a fault never stops a test from
// clearing it.

func (b *Backend) adminRequests(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, b.Requests())
}

func (b *Backend) adminResetRecording(w http.ResponseWriter, _ *http.Request) {
	b.ResetRecording()
	w.WriteHeader(http.StatusNoContent)
}

func (b *Backend) adminReset(w http.ResponseWriter, _ *http.Request) {
	b.Reset()
	w.WriteHeader(http.StatusNoContent)
}

// adminFault rejects unknown fields, so that a misspelt "delay" is an error
// rather than a fault without a delay.
func (b *Backend) adminFault(w http.ResponseWriter, r *http.Request) {
	var f Fault
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		badRequest(w, "the body must be a fault object")
		return
	}
	if _, err := dec.Token(); err != io.EOF {
		badRequest(w, "the body must be a single fault object")
		return
	}
	if err := b.setFault(f); err != nil {
		badRequest(w, err.Error())
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, "ok\n")
}
