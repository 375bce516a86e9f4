package api

import "github.com/accordchat/accord/internal/interaction"

// InteractionsForTest is the handler's interaction registry, for tests
// that age interactions (see interaction.ForTest).
func (h *Handler) InteractionsForTest() *interaction.Registry { return h.inter }
