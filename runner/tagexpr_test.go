package runner

import (
	"errors"
	"testing"
)

func TestTagExpressions(t *testing.T) {
	cases := map[string]*Case{
		"a":  {ID: "auth-1.1", Tags: []string{"@must", "@auth-1.1", "@rfc6750"}},
		"b":  {ID: "auth-1.2/1", Tags: []string{"@should", "@auth-1.2", "@serial"}},
		"b2": {ID: "auth-1.2/2", Tags: []string{"@should", "@auth-1.2", "@serial"}},
		"c":  {ID: "auth-13.1", Tags: []string{"@must", "@auth-13.1", "@load"}},
	}
	for _, tt := range []struct {
		expr string
		want string // the keys of cases selected, in order a b b2 c
	}{
		{"", "a b b2 c"},
		{"@must", "a c"},
		{"must", "a c"},
		{"@must and not @load", "a"},
		{"@must && ~@load", "a"},
		{"not @must", "b b2"},
		{"@load or @serial", "b b2 c"},
		{"@load, @serial", "b b2 c"},
		{"@must && ~@load, @serial", "a b b2"},
		{"@should and (@load or @serial)", "b b2"},
		{"not (@must or @serial)", ""},
		{"@auth-1.2/2", "b2"},
		{"@auth-1.2", "b b2"},
		{"@auth-1.2/2 || @auth-1.1", "a b2"},
		{"NOT @must AND @auth-1.2/1", "b"},
	} {
		e, err := ParseTagExpr(tt.expr)
		if err != nil {
			t.Errorf("%q: %v", tt.expr, err)
			continue
		}
		got := ""
		for _, k := range []string{"a", "b", "b2", "c"} {
			if e.Matches(cases[k]) {
				if got != "" {
					got += " "
				}
				got += k
			}
		}
		if got != tt.want {
			t.Errorf("%q selects %q, want %q", tt.expr, got, tt.want)
		}
	}
	for _, bad := range []string{"@must &&", "&& @must", "@must and", "(@must", "@must)", "@must & @load", "not", "@must @load", "@", "()", ","} {
		_, err := ParseTagExpr(bad)
		var te *TagExprError
		if !errors.As(err, &te) {
			t.Errorf("%q: %v, want a TagExprError", bad, err)
		}
	}
}
