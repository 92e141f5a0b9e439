package ws

import (
	"github.com/gorilla/websocket"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// Close codes, as documented in api/protocol.md section 3. This is the only table that turns
// reasons into close codes.
const (
	CloseNormal           = websocket.CloseNormalClosure           // 1000
	CloseInvalidUTF8      = websocket.CloseInvalidFramePayloadData // 1007
	CloseBinary           = websocket.ClosePolicyViolation         // 1008
	CloseTooBig           = websocket.CloseMessageTooBig           // 1009
	CloseInternal         = websocket.CloseInternalServerErr       // 1011
	CloseShutdown         = 4000
	CloseAuthLapsed       = 4001
	CloseForbidden        = 4003
	CloseRoomGone         = 4004
	CloseSlowConsumer     = 4008
	CloseRateLimited      = 4009
	CloseRoomClosed       = 4010
	CloseTooManySockets   = 4029
	CloseProtocol         = 4400
	CloseStoreUnavailable = 4503
)

// CloseCodes lists every close code the server sends, for the documentation test.
var CloseCodes = []int{
	CloseNormal, CloseInvalidUTF8, CloseBinary, CloseTooBig, CloseInternal, CloseShutdown,
	CloseAuthLapsed, CloseForbidden, CloseRoomGone, CloseSlowConsumer, CloseRateLimited,
	CloseRoomClosed, CloseTooManySockets, CloseProtocol, CloseStoreUnavailable,
}

// closeCodeFor maps an error that ends a join to the close code the client acts on.
func closeCodeFor(err error) int {
	if mockroom.ErrorCode(err) == "room_closed" {
		return CloseRoomClosed
	}
	switch mockroom.ErrorKind(err) {
	case mockroom.KindUnauthorized:
		return CloseAuthLapsed
	case mockroom.KindForbidden:
		return CloseForbidden
	case mockroom.KindNotFound:
		return CloseRoomGone
	case mockroom.KindUnavailable:
		return CloseStoreUnavailable
	case mockroom.KindRateLimited:
		return CloseRateLimited
	}
	return CloseInternal
}
