package steps

import (
	"fmt"
	"strings"
)

// authChallenge is one challenge of a WWW-Authenticate field (RFC 9110
// §11.6.1): a scheme and either a token68 or auth-params.
type authChallenge struct {
	scheme  string
	token68 string
	params  map[string]string // names lower-cased (RFC 9110 §11.2: case-insensitive)
}

// parseChallenges parses the WWW-Authenticate field values of an answer
// (RFC 9110 §11.6.1: WWW-Authenticate = #challenge; §11.3: challenge =
// auth-scheme [ 1*SP ( token68 / #auth-param ) ]; §11.2: auth-param = token
// BWS "=" BWS ( token / quoted-string )). One field line may hold several
// challenges, and a challenge's parameters are separated by the same comma
// as the challenges: a list element that is a token followed by "=" is a
// parameter of the challenge before it, anything else starts a challenge.
// No maintained Go module parses this grammar, so the suite carries this
// small parser and its tests (challenges_test.go).
func parseChallenges(values []string) ([]authChallenge, error) {
	var out []authChallenge
	for _, v := range values {
		p := &challengeLexer{s: v}
		cs, err := p.challenges()
		if err != nil {
			return nil, err
		}
		out = append(out, cs...)
	}
	return out, nil
}

type challengeLexer struct {
	s   string
	pos int
}

func isTchar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

func isToken68char(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~+/", c) >= 0
}

func (l *challengeLexer) ows() {
	for l.pos < len(l.s) && (l.s[l.pos] == ' ' || l.s[l.pos] == '\t') {
		l.pos++
	}
}

func (l *challengeLexer) token() string {
	start := l.pos
	for l.pos < len(l.s) && isTchar(l.s[l.pos]) {
		l.pos++
	}
	return l.s[start:l.pos]
}

// listSeparators skips OWS and empty list elements (RFC 9110 §5.6.1: a
// recipient accepts and ignores empty elements).
func (l *challengeLexer) listSeparators() {
	for {
		l.ows()
		if l.pos < len(l.s) && l.s[l.pos] == ',' {
			l.pos++
			continue
		}
		return
	}
}

func (l *challengeLexer) errorf(format string, args ...any) error {
	return fmt.Errorf("WWW-Authenticate %q: %s at offset %d", l.s, fmt.Sprintf(format, args...), l.pos)
}

func (l *challengeLexer) challenges() ([]authChallenge, error) {
	var out []authChallenge
	l.listSeparators()
	for l.pos < len(l.s) {
		scheme := l.token()
		if scheme == "" {
			return nil, l.errorf("expected an auth-scheme")
		}
		c := authChallenge{scheme: scheme, params: map[string]string{}}
		if l.pos < len(l.s) && l.s[l.pos] != ' ' && l.s[l.pos] != ',' && l.s[l.pos] != '\t' {
			return nil, l.errorf("unexpected %q after the scheme", l.s[l.pos])
		}
		l.ows()
		// A token68 right after the scheme, ending the challenge.
		if t68, ok := l.token68(); ok {
			c.token68 = t68
			out = append(out, c)
			l.listSeparators()
			continue
		}
		first := true
		for l.pos < len(l.s) {
			mark := l.pos
			if !first {
				l.listSeparators()
				if l.pos >= len(l.s) {
					break
				}
				mark = l.pos
			}
			name := l.token()
			l.ows()
			if name == "" || l.pos >= len(l.s) || l.s[l.pos] != '=' {
				if first && name == "" && l.pos < len(l.s) && l.s[l.pos] == ',' {
					// "Bearer , realm=x": an empty element before the params.
					first = false
					continue
				}
				// Not a parameter: the next challenge starts here.
				l.pos = mark
				break
			}
			l.pos++ // '='
			l.ows()
			value, err := l.paramValue()
			if err != nil {
				return nil, err
			}
			key := strings.ToLower(name)
			if _, dup := c.params[key]; dup {
				// RFC 9110 §11.2: "Each parameter name MUST only occur once
				// per challenge."
				return nil, l.errorf("parameter %q repeated", name)
			}
			c.params[key] = value
			first = false
			l.ows()
			if l.pos < len(l.s) && l.s[l.pos] != ',' {
				return nil, l.errorf("expected a comma after parameter %q", name)
			}
		}
		out = append(out, c)
		l.listSeparators()
	}
	return out, nil
}

// token68 reads a token68 (RFC 9110 §11.2) if one stands at the current
// position and is followed by the end of the field or a comma; it leaves
// the position alone otherwise (auth-params follow).
func (l *challengeLexer) token68() (string, bool) {
	i := l.pos
	for i < len(l.s) && isToken68char(l.s[i]) {
		i++
	}
	if i == l.pos {
		return "", false
	}
	for i < len(l.s) && l.s[i] == '=' {
		i++
	}
	j := i
	for j < len(l.s) && (l.s[j] == ' ' || l.s[j] == '\t') {
		j++
	}
	if j < len(l.s) && l.s[j] != ',' {
		return "", false
	}
	// "a=b" is a parameter, not a token68: caught above by s[j] != ','.
	// "realm=" alone is a token68 by the grammar, and read as one.
	t := l.s[l.pos:i]
	l.pos = i
	return t, true
}

func (l *challengeLexer) paramValue() (string, error) {
	if l.pos < len(l.s) && l.s[l.pos] == '"' {
		// quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE (RFC 9110 §5.6.4)
		var b strings.Builder
		for i := l.pos + 1; i < len(l.s); i++ {
			switch c := l.s[i]; c {
			case '\\':
				if i+1 >= len(l.s) {
					return "", l.errorf("unterminated quoted-pair")
				}
				i++
				b.WriteByte(l.s[i])
			case '"':
				l.pos = i + 1
				return b.String(), nil
			default:
				b.WriteByte(c)
			}
		}
		return "", l.errorf("unterminated quoted-string")
	}
	v := l.token()
	if v == "" {
		return "", l.errorf("expected a token or quoted-string value")
	}
	return v, nil
}

// bearerChallenge returns the parameters of the Bearer challenge among the
// WWW-Authenticate field values, and whether the field parses and has one.
func bearerChallenge(values []string) (map[string]string, bool) {
	cs, err := parseChallenges(values)
	if err != nil {
		return nil, false
	}
	for _, c := range cs {
		if strings.EqualFold(c.scheme, "Bearer") {
			return c.params, true
		}
	}
	return nil, false
}
