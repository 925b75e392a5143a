package runner

import (
	"fmt"
	"strings"
	"unicode"
)

// TagExpr is a parsed tag expression. Two syntaxes are accepted, and may be
// mixed:
//
//   - Cucumber's: "@must and not (@load or @serial)", with and, or, not and
//     parentheses;
//   - godog's: "@must && ~@load, @auth-2.3", where "," is or (binding
//     loosest), "&&" is and and "~" is not.
//
// "||" and "!" are read as or and not. A tag names a scenario tag, with or
// without its "@"; an outline row is selected by its id, "@auth-1.3/2".
type TagExpr struct {
	src  string
	root tagNode
}

type tagNode interface {
	match(tags map[string]bool) bool
}

type tagLeaf string
type tagNot struct{ x tagNode }
type tagAnd struct{ a, b tagNode }
type tagOr struct{ a, b tagNode }

func (t tagLeaf) match(tags map[string]bool) bool { return tags[string(t)] }
func (n tagNot) match(tags map[string]bool) bool  { return !n.x.match(tags) }
func (n tagAnd) match(tags map[string]bool) bool  { return n.a.match(tags) && n.b.match(tags) }
func (n tagOr) match(tags map[string]bool) bool   { return n.a.match(tags) || n.b.match(tags) }

// TagExprError is a tag expression that cannot be parsed: a usage error.
type TagExprError struct {
	Expr, Problem string
}

func (e *TagExprError) Error() string {
	return fmt.Sprintf("tag expression %q: %s", e.Expr, e.Problem)
}

// ParseTagExpr parses s. An empty (or blank) expression selects every
// scenario.
func ParseTagExpr(s string) (*TagExpr, error) {
	toks, err := tagTokens(s)
	if err != nil {
		return nil, &TagExprError{s, err.Error()}
	}
	e := &TagExpr{src: s}
	if len(toks) == 0 {
		return e, nil
	}
	p := &tagParser{toks: toks}
	root, err := p.or()
	if err == nil && p.pos < len(p.toks) {
		err = fmt.Errorf("unexpected %q", p.toks[p.pos])
	}
	if err != nil {
		return nil, &TagExprError{s, err.Error()}
	}
	e.root = root
	return e, nil
}

// String is the expression as written.
func (e *TagExpr) String() string { return e.src }

// Matches reports whether a case is selected: its tags, and its id as a tag
// of its own (so that "@auth-1.3/2" selects one row).
func (e *TagExpr) Matches(c *Case) bool {
	if e == nil || e.root == nil {
		return true
	}
	tags := make(map[string]bool, len(c.Tags)+1)
	for _, t := range c.Tags {
		tags[t] = true
	}
	tags["@"+c.ID] = true
	return e.root.match(tags)
}

// Select returns the cases of c that e selects, in catalog order.
func (c *Catalog) Select(e *TagExpr) []*Case {
	var out []*Case
	for _, cs := range c.Cases {
		if e.Matches(cs) {
			out = append(out, cs)
		}
	}
	return out
}

const (
	tokOr  = "or"
	tokAnd = "and"
	tokNot = "not"
)

// tagTokens splits s into tags (with "@"), operators and parentheses.
func tagTokens(s string) ([]string, error) {
	var toks []string
	rs := []rune(s)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case unicode.IsSpace(r):
			i++
		case r == '(' || r == ')':
			toks = append(toks, string(r))
			i++
		case r == ',':
			toks = append(toks, tokOr)
			i++
		case r == '~' || r == '!':
			toks = append(toks, tokNot)
			i++
		case r == '&' || r == '|':
			if i+1 >= len(rs) || rs[i+1] != r {
				return nil, fmt.Errorf("%q: write %c%c", string(r), r, r)
			}
			if r == '&' {
				toks = append(toks, tokAnd)
			} else {
				toks = append(toks, tokOr)
			}
			i += 2
		default:
			j := i
			for j < len(rs) && !unicode.IsSpace(rs[j]) && !strings.ContainsRune("(),~!&|", rs[j]) {
				j++
			}
			word := string(rs[i:j])
			i = j
			switch strings.ToLower(word) {
			case tokOr, tokAnd, tokNot:
				toks = append(toks, strings.ToLower(word))
				continue
			}
			tag := "@" + strings.TrimLeft(word, "@")
			if tag == "@" {
				return nil, fmt.Errorf("%q is not a tag", word)
			}
			toks = append(toks, tag)
		}
	}
	return toks, nil
}

type tagParser struct {
	toks []string
	pos  int
}

func (p *tagParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *tagParser) or() (tagNode, error) {
	a, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.peek() == tokOr {
		p.pos++
		b, err := p.and()
		if err != nil {
			return nil, err
		}
		a = tagOr{a, b}
	}
	return a, nil
}

func (p *tagParser) and() (tagNode, error) {
	a, err := p.not()
	if err != nil {
		return nil, err
	}
	for p.peek() == tokAnd {
		p.pos++
		b, err := p.not()
		if err != nil {
			return nil, err
		}
		a = tagAnd{a, b}
	}
	return a, nil
}

func (p *tagParser) not() (tagNode, error) {
	if p.peek() == tokNot {
		p.pos++
		x, err := p.not()
		if err != nil {
			return nil, err
		}
		return tagNot{x}, nil
	}
	return p.operand()
}

func (p *tagParser) operand() (tagNode, error) {
	t := p.peek()
	switch {
	case t == "":
		if p.pos == 0 {
			return nil, fmt.Errorf("empty")
		}
		return nil, fmt.Errorf("a tag is missing after %q", p.toks[p.pos-1])
	case t == "(":
		p.pos++
		x, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.peek() != ")" {
			return nil, fmt.Errorf("a %q is not closed", "(")
		}
		p.pos++
		return x, nil
	case strings.HasPrefix(t, "@"):
		p.pos++
		return tagLeaf(t), nil
	}
	return nil, fmt.Errorf("a tag is expected where %q is", t)
}
