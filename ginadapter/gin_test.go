package ginadapter_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/gin-gonic/gin/binding"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/ginadapter"
	"github.com/webhookkit/openai-webhooks/idempotency"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/conformance"
)

// The body stays readable after the middleware: by ShouldBindBodyWith (gin.BodyBytesKey),
// by c.Request.GetBody, and the event is under EventKey.
func TestBodyRestoredForGin(t *testing.T) {
	_, v, s := conformance.Keys(t)
	body := conformance.EventBody("evt_bind", core.BatchCompleted)
	r := gin.New()
	r.POST("/", ginadapter.Middleware(v), func(c *gin.Context) {
		var first, second struct {
			ID   string `json:"id"`
			Type string `json:"type"`
		}
		if err := c.ShouldBindBodyWith(&first, binding.JSON); err != nil {
			t.Errorf("ShouldBindBodyWith: %v", err)
		}
		if err := c.ShouldBindBodyWithJSON(&second); err != nil || second != first {
			t.Errorf("second bind: %v, %+v", err, second)
		}
		rc, err := c.Request.GetBody()
		if err != nil {
			t.Fatal(err)
		}
		again, _ := io.ReadAll(rc)
		e := c.MustGet(ginadapter.EventKey).(*core.Event)
		if first.ID != e.ID || string(e.Type) != first.Type || string(again) != string(body) || c.Request.ContentLength != int64(len(body)) {
			t.Errorf("bound %+v, GetBody %q, ContentLength %d; event %s %s", first, again, c.Request.ContentLength, e.ID, e.Type)
		}
		c.Status(http.StatusNoContent)
	})
	if w := conformance.Record(r, conformance.SignedRequest(t, s, "/", body)); w.Code != http.StatusNoContent {
		t.Fatalf("got %d %s", w.Code, w.Body)
	}
}

// An error recorded with c.Error and answered later by an error-rendering middleware
// counts as a failure: the claim is released and the retry runs.
func TestRecordedErrorReleasesClaim(t *testing.T) {
	_, v, s := conformance.Keys(t)
	calls := 0
	r := gin.New()
	r.Use(func(c *gin.Context) { // renders c.Errors after the chain, as error middleware does
		c.Next()
		if len(c.Errors) > 0 && !c.Writer.Written() {
			c.JSON(http.StatusBadGateway, gin.H{"error": c.Errors.Last().Error()})
		}
	})
	r.POST("/", ginadapter.Middleware(v, ginadapter.WithIdempotency(idempotency.NewMemoryStore())), func(c *gin.Context) {
		if calls++; calls == 1 {
			_ = c.Error(errors.New("upstream down"))
			c.Abort()
			return
		}
		c.Status(http.StatusOK)
	})
	req := conformance.SignedRequest(t, s, "/", conformance.EventBody("evt_retry", core.BatchCompleted))
	if w := conformance.Record(r, conformance.Again(t, req)); w.Code != http.StatusBadGateway {
		t.Fatalf("first attempt: %d %s", w.Code, w.Body)
	}
	if w := conformance.Record(r, req); w.Code != http.StatusOK || calls != 2 {
		t.Fatalf("retry: %d %s after %d calls, want 200 after 2", w.Code, w.Body, calls)
	}
}

// WithErrorHandler answers refusals, and the chain stops after it.
func TestErrorHandler(t *testing.T) {
	_, v, _ := conformance.Keys(t)
	r := gin.New()
	r.POST("/", ginadapter.Middleware(v, ginadapter.WithErrorHandler(func(c *gin.Context, status int, err error) {
		if !errors.Is(err, core.ErrMissingHeader) {
			t.Errorf("err = %v", err)
		}
		c.String(status, "refused")
	})), func(c *gin.Context) { t.Error("the handler ran for a refused delivery") })
	w := conformance.Record(r, httptest.NewRequest(http.MethodPost, "/", strings.NewReader("{}")))
	if w.Code != http.StatusBadRequest || w.Body.String() != "refused" {
		t.Fatalf("got %d %s", w.Code, w.Body)
	}
}

func TestNilArgumentsPanic(t *testing.T) {
	_, v, _ := conformance.Keys(t)
	for name, f := range map[string]func(){
		"Middleware(nil)": func() { ginadapter.Middleware(nil) },
		"Handler(nil, h)": func() { ginadapter.Handler(nil, core.NewMux()) },
		"Handler(v, nil)": func() { ginadapter.Handler(v, nil) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s did not panic", name)
				}
			}()
			f()
		}()
	}
}
