package riverjobs

import "testing"

func TestBatchLen(t *testing.T) {
	requests := func(n, bodySize int) []*insertRequest {
		out := make([]*insertRequest, n)
		for i := range out {
			out[i] = &insertRequest{args: EventArgs{Body: make([]byte, bodySize)}}
		}
		return out
	}
	for _, tc := range []struct {
		name      string
		pending   []*insertRequest
		want      int
		wantBytes int
	}{
		{"none", nil, 0, 0},
		{"a few small ones, together", requests(10, 400), 10, 4000},
		{"many small ones, up to the count", requests(maxBatch+50, 400), maxBatch, maxBatch * 400},
		{"large ones, up to the bytes", requests(100, 1<<20), maxBatchBytes / (1 << 20), maxBatchBytes},
		{"one larger than the bound, alone", requests(3, maxBatchBytes+1), 1, maxBatchBytes + 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := batchLen(tc.pending)
			size := 0
			for _, r := range tc.pending[:n] {
				size += len(r.args.Body)
			}
			if n != tc.want || size != tc.wantBytes {
				t.Fatalf("batchLen = %d requests, %d bytes; want %d, %d", n, size, tc.want, tc.wantBytes)
			}
		})
	}
}
