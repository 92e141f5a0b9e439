package ws

import "github.com/mockroom/mockroom/internal/live"

// Client frames for the interviewer's hints and clarifications: {"number": n}, passed to the
// engine under the same names.
const (
	TypeHintGive          = live.CmdHintGive
	TypeClarificationGive = live.CmdClarificationGive
	maxGiveNumber         = 20
)

func init() {
	frameSpecs[TypeHintGive] = []field{{"number", true, checkUint(1, maxGiveNumber)}, {"seq", true, checkSeq}}
	frameSpecs[TypeClarificationGive] = []field{{"number", true, checkUint(1, maxGiveNumber)}, {"seq", true, checkSeq}}
}
