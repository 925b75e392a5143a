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

// metadataResourceIsMCPURL: the metadata names the target's resource as RFC
// 9728 §3.3 allows for the well-known URL it was fetched from (the MCP URL,
// or the profile's resource; at the root location also its origin).
func metadataResourceIsMCPURL(ctx context.Context) error {
	s := get(ctx)
	v, err := s.metadataField("resource")
	if err != nil {
		return err
	}
	allowed := allowedResources(s.env.Target.ResourceURL(), s.fetched)
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return mismatch(fmt.Sprintf("resource one of %q (RFC 9728 §3.3: the identifier the well-known path %s was built from)", allowed, s.fetched), "%v", v)
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
