package main

import "net/url"

// parseTargetURL checks a --forward-to or --to URL.
func parseTargetURL(flagName, raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", usageErrorf("%s %q is not an http:// or https:// URL (for example http://localhost:8080/webhooks/openai)", flagName, raw)
	}
	return u.String(), nil
}
