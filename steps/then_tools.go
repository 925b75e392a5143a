package steps

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/mcpauthspec/mcpauthspec/harness"
)

func (s *scenario) describeCall() string {
	if s.resp == nil {
		return "no call was made"
	}
	if s.result == nil {
		return fmt.Sprintf("HTTP %d, no tool result: %s", s.resp.Status, s.redact(snippet(s.resp.Body)))
	}
	return fmt.Sprintf("HTTP %d, isError=%v, text %s", s.resp.Status, s.result.IsError, s.redact(snippet([]byte(s.result.Text))))
}

func toolSucceeds(ctx context.Context) error {
	s := get(ctx)
	if s.result == nil || s.result.IsError {
		return mismatch("the tool to succeed", "%s", s.describeCall())
	}
	return nil
}

// failed reports whether the last call did not produce a successful tool
// result: a tool error, a JSON-RPC error, or an HTTP refusal.
func (s *scenario) failed() bool {
	return s.resp != nil && (s.result == nil || s.result.IsError)
}

func toolFails(ctx context.Context) error {
	s := get(ctx)
	if !s.failed() {
		return mismatch("the tool to fail", "%s", s.describeCall())
	}
	return nil
}

func toolFailsWith(ctx context.Context, text string) error {
	s := get(ctx)
	if s.result == nil || !s.result.IsError || !strings.Contains(strings.ToLower(s.result.Text), strings.ToLower(text)) {
		return mismatch(fmt.Sprintf("a tool error mentioning %q", text), "%s", s.describeCall())
	}
	return nil
}

// resultJSON decodes the tool's text content as JSON.
func (s *scenario) resultJSON() (any, error) {
	if s.result == nil || s.result.IsError {
		return nil, mismatch("a successful tool result", "%s", s.describeCall())
	}
	var v any
	if err := json.Unmarshal([]byte(s.result.Text), &v); err != nil {
		return nil, mismatch("a JSON text result", "%s", s.describeCall())
	}
	return v, nil
}

// field walks a dotted path through decoded JSON.
func field(v any, path string) (any, bool) {
	for _, part := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[part]; !ok {
			return nil, false
		}
	}
	return v, true
}

func resultFieldIs(ctx context.Context, path, want string) error {
	s := get(ctx)
	v, err := s.resultJSON()
	if err != nil {
		return err
	}
	got, ok := field(v, path)
	want = s.castValue(ctx, want)
	if !ok || fmt.Sprint(got) != want {
		return mismatch(fmt.Sprintf("%s = %q", path, want), "%s = %v (%s)", path, got, s.describeCall())
	}
	return nil
}

func resultFieldLists(ctx context.Context, path, want string) error {
	s := get(ctx)
	v, err := s.resultJSON()
	if err != nil {
		return err
	}
	got, _ := field(v, path)
	list, ok := got.([]any)
	if ok {
		for _, item := range list {
			if fmt.Sprint(item) == want {
				return nil
			}
		}
	}
	return mismatch(fmt.Sprintf("%s to list %q", path, want), "%s = %v", path, got)
}

func resultFieldNotLists(ctx context.Context, path, unwanted string) error {
	s := get(ctx)
	v, err := s.resultJSON()
	if err != nil {
		return err
	}
	got, _ := field(v, path)
	list, ok := got.([]any)
	if !ok {
		return mismatch(fmt.Sprintf("an array %q", path), "%s = %v", path, got)
	}
	for _, item := range list {
		if fmt.Sprint(item) == unwanted {
			return mismatch(fmt.Sprintf("%s without %q", path, unwanted), "%s = %v", path, got)
		}
	}
	return nil
}

// unlessRefused checks a served call with check, and passes a call that
// failed (a tool error, a JSON-RPC error or an HTTP refusal): for rules
// that forbid a wrong answer, where refusing is also allowed.
func unlessRefused(check func(context.Context, string, string) error) func(context.Context, string, string) error {
	return func(ctx context.Context, path, value string) error {
		if get(ctx).failed() {
			return nil
		}
		return check(ctx, path, value)
	}
}

func (s *scenario) rows(path string) ([]map[string]any, error) {
	v, err := s.resultJSON()
	if err != nil {
		return nil, err
	}
	got, _ := field(v, path)
	list, ok := got.([]any)
	if !ok {
		return nil, mismatch(fmt.Sprintf("an array %q in the result", path), "%s", s.describeCall())
	}
	rows := make([]map[string]any, 0, len(list))
	for _, item := range list {
		row, ok := item.(map[string]any)
		if !ok {
			return nil, mismatch(fmt.Sprintf("objects in %q", path), "%v", item)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// everyRowHas requires at least one row: an empty list would pass any
// isolation check vacuously.
func everyRowHas(ctx context.Context, path, key, want string) error {
	s := get(ctx)
	rows, err := s.rows(path)
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		return mismatch(fmt.Sprintf("at least one row in %q", path), "an empty list")
	}
	want = s.castValue(ctx, want)
	for _, row := range rows {
		if fmt.Sprint(row[key]) != want {
			return mismatch(fmt.Sprintf("every row of %q with %s = %q", path, key, want), "a row with %s = %v: %v", key, row[key], row)
		}
	}
	return nil
}

// noRowHas passes when the tool failed, or returned no row with key = value.
func noRowHas(ctx context.Context, path, key, value string) error {
	s := get(ctx)
	if s.failed() {
		return nil
	}
	rows, err := s.rows(path)
	if err != nil {
		return err
	}
	value = s.castValue(ctx, value)
	for _, row := range rows {
		if fmt.Sprint(row[key]) == value {
			return mismatch(fmt.Sprintf("no row of %q with %s = %q", path, key, value), "%v", row)
		}
	}
	return nil
}

// perCallValue matches what a target may put in one answer only: UUIDs,
// runs of 16 or more hex digits (request and trace ids) and RFC 3339 times.
var perCallValue = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|\b[0-9a-fA-F]{16,}\b|\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?`)

// resultSameAs calls tool again with other arguments and the same
// credentials, and requires the same answer up to the ids themselves: an
// existing id of another organization must be indistinguishable from one
// that exists nowhere.
func resultSameAs(ctx context.Context, tool, rawArgs string) error {
	s := get(ctx)
	if s.call == nil {
		return fmt.Errorf("no tool was called yet")
	}
	first, firstResp, firstCall := s.result, s.resp, s.call
	args, err := s.parseArgs(rawArgs)
	if err != nil {
		return err
	}
	if err := s.callTool(ctx, nil, tool, args); err != nil {
		return err
	}
	norm := func(r *harness.ToolResult, call *toolCall) string {
		if r == nil {
			return ""
		}
		text := r.Text
		for _, v := range call.args {
			if str, ok := v.(string); ok && str != "" {
				text = strings.ReplaceAll(text, str, "<id>")
			}
		}
		// A value of the one answer (a correlation id, a time) is no
		// difference between a foreign id and a missing one.
		text = perCallValue.ReplaceAllString(text, "<value>")
		return fmt.Sprintf("isError=%v %s", r.IsError, text)
	}
	a, b := norm(first, firstCall), norm(s.result, s.call)
	if firstResp.Status != s.resp.Status || a != b {
		return mismatch(fmt.Sprintf("the same answer as for %s %s: HTTP %d %s", tool, rawArgs, s.resp.Status, s.redact(b)),
			"HTTP %d %s", firstResp.Status, s.redact(a))
	}
	return nil
}

// callNotServedAs: the call was refused, failed, or answered for someone
// other than name.
func callNotServedAs(ctx context.Context, name string) error {
	s := get(ctx)
	other, err := s.castUser(ctx, name)
	if err != nil {
		return err
	}
	if s.failed() {
		return nil
	}
	text := s.result.Text
	if strings.Contains(text, other.Subject) || (other.OrgID != s.user.OrgID && strings.Contains(text, other.OrgID)) {
		return mismatch(fmt.Sprintf("a refusal, or an answer for %s", s.user.Name), "served as %s: %s", name, s.redact(snippet([]byte(text))))
	}
	return nil
}

func concurrentIsolated(ctx context.Context) error {
	s := get(ctx)
	if len(s.concurrent) == 0 {
		return fmt.Errorf("no concurrent calls ran")
	}
	// A refused call is not cross-talk: a target may rate-limit a burst
	// (MCP 2025-11-25 server/tools, Security Considerations: servers MUST
	// "Rate limit tool invocations"). Every user must still be served at
	// least once, so that the check cannot pass on refusals alone.
	served := map[string]int{}
	var firstErr error
	for i, o := range s.concurrent {
		if o.err != nil {
			if firstErr == nil {
				firstErr = fmt.Errorf("call %d (%s as %s): %s", i, o.tool, o.user.Name, s.redact(o.err.Error()))
			}
			continue
		}
		served[o.user.Name]++
		var v map[string]any
		if err := json.Unmarshal([]byte(o.text), &v); err != nil {
			return mismatch("JSON results", "call %d: %s", i, snippet([]byte(o.text)))
		}
		switch o.tool {
		case "whoami":
			if v["user_id"] != o.user.Subject || v["org_id"] != o.user.OrgID {
				return mismatch(fmt.Sprintf("whoami of %s: %s in %s", o.user.Name, o.user.Subject, o.user.OrgID),
					"call %d: user_id %v, org_id %v", i, v["user_id"], v["org_id"])
			}
		case "list_tickets":
			tickets, _ := v["tickets"].([]any)
			if len(tickets) == 0 {
				return mismatch("tickets in every list", "call %d (%s): none", i, o.user.Name)
			}
			for _, t := range tickets {
				if row, _ := t.(map[string]any); row == nil || row["org_id"] != o.user.OrgID {
					return mismatch(fmt.Sprintf("only %s tickets for %s", o.user.OrgID, o.user.Name), "call %d: %v", i, t)
				}
			}
		}
	}
	for _, o := range s.concurrent {
		if served[o.user.Name] == 0 {
			return mismatch(fmt.Sprintf("at least one call of %s served", o.user.Name), "%v", firstErr)
		}
	}
	return nil
}
