package receive

import (
	"context"
	"encoding/base64"
	"fmt"

	"github.com/webhookkit/openai-webhooks/core"
)

// VerifyText verifies a delivery whose body arrived as text inside another message
// rather than as a stream (lambdaadapter: the body of an API Gateway, function URL or
// ALB event), base64-encoded when isBase64 is set. The signature is checked over the
// decoded bytes, never the base64 text; a text that is not valid base64 is refused 400
// (ErrUnreadableBody), and one that certainly decodes to more than the limit is refused
// 413 before it is decoded. h are the headers the adapter read. On success the returned
// context carries the event (core.NewContext) and the delivery's observation: pass it to
// Dispatch or Handle.
func (p *Pipeline) VerifyText(ctx context.Context, body string, isBase64 bool, h core.Headers) (context.Context, *core.Event, error) {
	ctx, o := p.begin(ctx, h)
	var raw []byte
	if isBase64 {
		// Padded base64 decodes to DecodedLen bytes, or one or two fewer.
		if n := int64(base64.StdEncoding.DecodedLen(len(body))) - 2; n > p.cfg.MaxBodyBytes {
			return ctx, nil, p.reject(ctx, o, h, tooLarge(-1, p.cfg.MaxBodyBytes))
		}
		var err error
		if raw, err = base64.StdEncoding.DecodeString(body); err != nil {
			return ctx, nil, p.reject(ctx, o, h, fmt.Errorf("%w: the body is marked base64-encoded but is not valid base64: %v", core.ErrUnreadableBody, err))
		}
	} else {
		raw = []byte(body)
	}
	e, err := p.verify(ctx, o, raw, h)
	if err != nil {
		return ctx, nil, err
	}
	return core.NewContext(ctx, e), e, nil
}
