package ws

import (
	"github.com/mockroom/mockroom/internal/account"
	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/redisstore"
)

// The socket layer's interfaces are met by the real parts cmd wires in.
var (
	_ Engine      = (*live.Engine)(nil)
	_ Fanout      = (*live.Fanout)(nil)
	_ Verifier    = (*account.Service)(nil)
	_ TicketStore = redisstore.Tickets{}
)
