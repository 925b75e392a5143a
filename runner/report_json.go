package runner

import (
	"encoding/json"
	"io"
	"time"
)

// JSONReport is the envelope of the JSON report (schema "mcpauthspec/report/v1").
type JSONReport struct {
	Schema string `json:"schema"`
	Tool   struct {
		Name     string `json:"name"`
		Version  string `json:"version"`
		Revision string `json:"revision,omitempty"`
	} `json:"tool"`
	MCPRevisions []string `json:"mcp_revisions"`
	RFCs         []string `json:"rfcs"`
	Target       struct {
		Kind string `json:"kind"`
		URL  string `json:"url,omitempty"`
	} `json:"target"`
	Tags   string   `json:"tags,omitempty"`
	Notes  []string `json:"notes,omitempty"`
	Policy struct {
		Strict           bool     `json:"strict"`
		Hardening        bool     `json:"hardening"`
		BaselineEntries  int      `json:"baseline_entries"`
		StaleBaselineIDs []string `json:"stale_baseline_ids"`
	} `json:"policy"`
	Verdict    string            `json:"verdict"` // "pass" or "fail"
	Started    time.Time         `json:"started"`
	DurationMS int64             `json:"duration_ms"`
	Totals     map[string]Counts `json:"totals"` // per level, and "all"
	Results    []JSONResult      `json:"results"`
}

// JSONResult is one scenario of the JSON report.
type JSONResult struct {
	ID          string   `json:"id"`
	Feature     string   `json:"feature"`
	Name        string   `json:"name"`
	Level       string   `json:"level"`
	Tags        []string `json:"tags"`
	File        string   `json:"file"`
	Requirement string   `json:"requirement,omitempty"`
	Revision    string   `json:"revision,omitempty"`
	Status      string   `json:"status"`  // passed, failed, skipped
	Outcome     string   `json:"outcome"` // passed, skipped, failed, baseline, advisory
	Message     string   `json:"message,omitempty"`
	Expected    string   `json:"expected,omitempty"`
	Actual      string   `json:"actual,omitempty"`
	DurationMS  float64  `json:"duration_ms"`
}

// JSON builds the JSON report of r under p.
func (r *Report) JSON(p Policy) JSONReport {
	var out JSONReport
	out.Schema = "mcpauthspec/report/v1"
	out.Tool.Name = "mcpauthspec"
	out.Tool.Version, out.Tool.Revision = BuildVersion()
	out.MCPRevisions, out.RFCs = MCPRevisions(r.Sources)
	out.Target.Kind, out.Target.URL = r.Target, r.TargetURL
	out.Tags = r.Tags
	out.Notes = r.Notes
	out.Policy.Strict, out.Policy.Hardening = p.Strict, p.Hardening
	if p.Baseline != nil {
		out.Policy.BaselineEntries = len(p.Baseline.entries)
	}
	out.Policy.StaleBaselineIDs = append([]string{}, p.Baseline.Stale(r)...)
	out.Verdict = "fail"
	if p.Passes(r) {
		out.Verdict = "pass"
	}
	out.Started = r.Started.UTC()
	out.DurationMS = r.Duration.Milliseconds()
	out.Totals = r.ByLevel()
	out.Totals["all"] = r.Totals()
	out.Results = make([]JSONResult, len(r.Results))
	for i, res := range r.Results {
		out.Results[i] = JSONResult{
			ID: res.ID, Feature: res.Feature, Name: res.Name, Level: res.Level, Tags: res.Tags,
			File: res.File, Requirement: res.Requirement, Revision: res.Revision,
			Status: res.Status, Outcome: p.Outcome(res), Message: res.Message,
			Expected: res.Expected, Actual: res.Actual,
			DurationMS: float64(res.Duration.Microseconds()) / 1000,
		}
	}
	return out
}

// WriteJSON writes the JSON report: an envelope (tool version, MCP
// revisions and RFCs covered, target, policy, verdict, timings, totals per
// level) around one object per scenario.
func (r *Report) WriteJSON(w io.Writer, p Policy) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r.JSON(p))
}
