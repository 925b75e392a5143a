package runner

import (
	"html/template"
	"io"
	"strings"
)

// The HTML report is one file: inline style, no script, no external asset.
var htmlReport = template.Must(template.New("report").Funcs(template.FuncMap{
	"upper": strings.ToUpper,
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>mcpauthspec report: {{.Verdict}}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:70em;padding:0 1em;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em}
.verdict{font-size:1.2em;font-weight:bold;padding:.5em .8em;border-radius:4px}
.pass{background:#e3f6e3}.fail{background:#fbe3e3}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3}
details{margin:.4em 0;border:1px solid #ddd;border-radius:4px;padding:.3em .6em}
summary{cursor:pointer}
pre{white-space:pre-wrap;word-break:break-all;background:#f7f7f7;padding:.5em;margin:.3em 0}
.o-failed{color:#b00}.o-baseline,.o-advisory{color:#a60}.o-skipped{color:#777}.o-passed{color:#070}
</style>
</head>
<body>
<h1>mcpauthspec report</h1>
<p class="verdict {{if .Pass}}pass{{else}}fail{{end}}">{{.Verdict}}</p>
<p>Target: {{.R.Target}}{{if .R.TargetURL}} <code>{{.R.TargetURL}}</code>{{end}}.
mcpauthspec {{.Version}}{{if .Revision}} ({{.Revision}}){{end}}.
Started {{.Started}}, {{.Seconds}} s.{{if .R.Tags}} Tags <code>{{.R.Tags}}</code>.{{end}}
Strict: {{.P.Strict}}. Hardening: {{.P.Hardening}}.</p>
{{range .R.Notes}}<p>Note: {{.}}</p>
{{end}}
<h2>Areas</h2>
<table>
<tr><th>area</th><th>MUST</th><th>SHOULD</th><th>MAY</th><th>HARDENING</th></tr>
{{range .Areas}}<tr><td>{{.Feature}}</td><td>{{index .Cells 0}}</td><td>{{index .Cells 1}}</td><td>{{index .Cells 2}}</td><td>{{index .Cells 3}}</td></tr>
{{end}}</table>
{{range .Groups}}{{if .Results}}
<h2>{{.Title}} ({{len .Results}})</h2>
{{range .Results}}<details><summary><span class="o-{{.Outcome}}">{{.ID}}</span> [{{upper .Level}}] {{.Name}}</summary>
{{if .Baseline}}<p>Baseline: {{.Baseline}}</p>{{end}}
<pre>{{.Details}}</pre>
</details>
{{end}}{{end}}{{end}}
<h2>Every scenario ({{len .All}})</h2>
<table>
<tr><th>ID</th><th>level</th><th>scenario</th><th>outcome</th><th>detail</th></tr>
{{range .All}}<tr><td>{{.ID}}</td><td>{{.Level}}</td><td>{{.Name}}</td><td class="o-{{.Outcome}}">{{.Outcome}}</td><td>{{.Message}}</td></tr>
{{end}}</table>
</body>
</html>
`))

type htmlResult struct {
	ID, Level, Name, Outcome, Message, Baseline, Details string
}

// WriteHTML writes a single-file HTML report for people: the verdict, the
// area × level matrix, each failure with its details, then every scenario.
func (r *Report) WriteHTML(w io.Writer, p Policy) error {
	version, rev := BuildVersion()
	data := struct {
		R                 *Report
		P                 Policy
		Pass              bool
		Verdict           string
		Version, Revision string
		Started, Seconds  string
		Areas             []struct {
			Feature string
			Cells   []string
		}
		Groups []struct {
			Title   string
			Results []htmlResult
		}
		All []htmlResult
	}{R: r, P: p, Pass: p.Passes(r), Verdict: r.VerdictLine(p), Version: version, Revision: rev,
		Started: r.Started.UTC().Format("2006-01-02 15:04:05 UTC"), Seconds: seconds(r.Duration.Seconds())}
	for _, a := range r.areas() {
		row := struct {
			Feature string
			Cells   []string
		}{Feature: a.Feature}
		for _, l := range Levels {
			row.Cells = append(row.Cells, cell(a.Levels[l]))
		}
		data.Areas = append(data.Areas, row)
	}
	titles := []string{"Failures", "Expected by the baseline", "Not met, not failing this run", "Hardening advice"}
	groups := make([][]htmlResult, len(titles))
	for _, res := range r.Results {
		o := p.Outcome(res)
		h := htmlResult{ID: res.ID, Level: res.Level, Name: res.Name, Outcome: o, Message: res.Message}
		if res.Expected != "" {
			h.Message = "expected " + res.Expected + "; actual " + res.Actual
		}
		data.All = append(data.All, h)
		if res.Status != Failed {
			continue
		}
		h.Details = details(res)
		g := 0
		switch {
		case o == OutcomeBaseline:
			g, h.Baseline = 1, p.Baseline.Reason(res.ID)
		case o == OutcomeAdvisory && res.Level == LevelHardening:
			g = 3
		case o == OutcomeAdvisory:
			g = 2
		}
		groups[g] = append(groups[g], h)
	}
	for i, t := range titles {
		data.Groups = append(data.Groups, struct {
			Title   string
			Results []htmlResult
		}{t, groups[i]})
	}
	return htmlReport.Execute(w, data)
}
