package live

import "context"

// RenewSlice renews the rooms of one tick of a renewal cycle spread over n ticks.
func (e *Engine) RenewSlice(ctx context.Context, slice, n int) { e.renewSlice(ctx, slice, n) }

// RenewSlicesFor is how many ticks a renewal cycle of the given length is spread over.
var RenewSlicesFor = renewSlicesFor
