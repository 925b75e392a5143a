package steps

import (
	"context"
	"fmt"
)

func (s *scenario) metadataField(name string) (any, error) {
	if s.metadata == nil {
		if s.resp == nil {
			return nil, fmt.Errorf("no metadata was fetched")
		}
		return nil, mismatch("a JSON metadata document (RFC 9728 §3.2)", "HTTP %d %s", s.resp.Status, snippet(s.resp.Body))
	}
	v, ok := s.metadata[name]
	if !ok {
		return nil, mismatch(fmt.Sprintf("a %q member", name), "%v", s.metadata)
	}
	return v, nil
}

func metadataResourceIsMCPURL(ctx context.Context) error {
	s := get(ctx)
	v, err := s.metadataField("resource")
	if err != nil {
		return err
	}
	if v != s.env.Target.MCPURL {
		return mismatch(fmt.Sprintf("resource %q (RFC 9728 §3.3: it must match the URL the client used)", s.env.Target.MCPURL), "%v", v)
	}
	return nil
}

func metadataNotEmpty(ctx context.Context, name string) error {
	s := get(ctx)
	v, err := s.metadataField(name)
	if err != nil {
		return err
	}
	switch x := v.(type) {
	case []any:
		if len(x) > 0 {
			return nil
		}
	case string:
		if x != "" {
			return nil
		}
	}
	return mismatch(fmt.Sprintf("a non-empty %q", name), "%v", v)
}

func metadataContains(ctx context.Context, name, want string) error {
	s := get(ctx)
	v, err := s.metadataField(name)
	if err != nil {
		return err
	}
	if list, ok := v.([]any); ok {
		for _, item := range list {
			if item == want {
				return nil
			}
		}
	}
	return mismatch(fmt.Sprintf("%q to contain %q", name, want), "%v", v)
}

func metadataExactly(ctx context.Context, name, want string) error {
	s := get(ctx)
	v, err := s.metadataField(name)
	if err != nil {
		return err
	}
	if list, ok := v.([]any); ok && len(list) == 1 && list[0] == want {
		return nil
	}
	return mismatch(fmt.Sprintf("%q to be exactly [%q]", name, want), "%v", v)
}
