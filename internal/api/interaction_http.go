package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/interaction"
	"github.com/accordchat/accord/internal/protocol"
)

// HTTP interactions. An application whose interactions_endpoint_url is set
// gets its interactions by signed HTTP POST instead of INTERACTION_CREATE
// on the gateway; the endpoint's answer is the interaction response, taken
// by the same code as a callback (answerInteraction). An endpoint is saved
// only once it has verified (interaction.Endpoints.Validate): a signed PING
// answered {"type": 1}, a forged one refused with 401, as on Discord.
//
// In a cluster, an interaction lives at the node that created it (the
// owner of its guild), which its token names: a callback or follow-up
// that reaches another node is carried there (forwardInteraction).

// errEndpointField is the 50035 of an endpoint URL that cannot be saved.
func errEndpointField(code, message string) error {
	return protocol.InvalidForm(protocol.FieldError{Path: "interactions_endpoint_url", Code: code, Message: message})
}

// checkEndpoint verifies endpoint for app, whose key it signs with; a
// refusal is a 50035 on interactions_endpoint_url.
func (h *Handler) checkEndpoint(ctx context.Context, app chat.Application, endpoint string) error {
	err := h.endpoints.Validate(ctx, endpoint, app.ID.String(), app.InteractionsKey)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, interaction.ErrEndpointURL):
		return errEndpointField("URL_TYPE_INVALID_URL", "Not a well formed URL.")
	case errors.Is(err, interaction.ErrHostNotAllowed):
		return errEndpointField("APPLICATION_INTERACTIONS_ENDPOINT_URL_INVALID",
			"This server does not allow interactions endpoints on that host.")
	case errors.Is(err, interaction.ErrEndpointRefused):
		h.log.Info("interactions endpoint refused", "app", app.ID, "err", err)
		return errEndpointField("APPLICATION_INTERACTIONS_ENDPOINT_URL_INVALID",
			"The specified interactions endpoint url could not be verified.")
	default:
		return err
	}
}

// ensureAppKey gives app an interactions key if it has none (applications
// made before HTTP interactions existed), saving it.
func (h *Handler) ensureAppKey(ctx context.Context, app chat.Application) (chat.Application, error) {
	if len(app.InteractionsKey) > 0 {
		return app, nil
	}
	h.appMu.Lock()
	defer h.appMu.Unlock()
	app, err := h.st.Application(ctx, app.ID) // read again under the lock
	if err != nil || len(app.InteractionsKey) > 0 {
		return app, err
	}
	if app.InteractionsKey, err = interaction.NewKey(); err != nil {
		return app, err
	}
	return app, h.accounts.SaveApplication(ctx, app)
}

// deliverInteraction hands the bot's interaction object b to app: by HTTP
// to its endpoint if it has one, else as INTERACTION_CREATE to its bot's
// session serving the guild's shard.
func (h *Handler) deliverInteraction(app chat.Application, it *interaction.Interaction, b []byte) {
	if app.InteractionsEndpointURL == "" {
		h.sendToBot(app.BotID, it.GuildID, &protocol.Dispatch{Name: "INTERACTION_CREATE", Data: b})
		return
	}
	h.deliveries.Add(1)
	go func() {
		defer h.deliveries.Done()
		h.postInteraction(app, it, b)
	}()
}

// postInteraction posts an interaction to app's endpoint and applies its
// answer. A failed post or an answer that is not a valid response leaves
// the interaction unanswered: the acknowledgement timer then tells the
// invoker it failed, as when a gateway bot does not answer.
func (h *Handler) postInteraction(app chat.Application, it *interaction.Interaction, b []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), h.inter.AckWindow())
	defer cancel()
	resp, err := h.endpoints.Post(ctx, app.InteractionsEndpointURL, app.InteractionsKey, b)
	if err != nil {
		h.log.Info("interaction endpoint failed", "app", app.ID, "interaction", it.ID, "err", err)
		return
	}
	var body callbackBody
	if err := decodeJSON(resp, &body); err != nil {
		h.log.Info("interaction endpoint answer not JSON", "app", app.ID, "interaction", it.ID, "err", err)
		return
	}
	if _, _, err := h.answerInteraction(ctx, it, body, nil); err != nil {
		h.log.Info("interaction endpoint answer refused", "app", app.ID, "interaction", it.ID, "err", err)
	}
}

// WaitDeliveries waits for the HTTP interaction deliveries in flight
// (each bounded by the acknowledgement window); the server calls it on
// shutdown.
func (h *Handler) WaitDeliveries() { h.deliveries.Wait() }

// forwardInteraction carries a callback or follow-up whose interaction
// token names another node to that node, and writes its answer. It
// reports false, having written nothing, when the token names no other
// node (or this request was forwarded already, or that node could not
// take it): the caller answers as for an unknown token.
func (h *Handler) forwardInteraction(w http.ResponseWriter, r *http.Request, token string) (bool, error) {
	node := interaction.NodeOf(token)
	if node == "" || node == h.inter.Node() || h.cfg.Forward == nil || forwarded(r.Context()) {
		return false, nil
	}
	// atOwner has read the body within its limits and made it readable
	// again.
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return true, err
	}
	status, header, b, err := h.cfg.Forward.Forward(r.Context(), node, r, body)
	if err != nil {
		h.log.Warn("forwarded interaction request failed", "node", node, "path", r.URL.Path, "err", err)
		return true, errNodeGot
	}
	if status == http.StatusMisdirectedRequest {
		return false, nil
	}
	for k, v := range header {
		if !strings.EqualFold(k, "Content-Length") {
			w.Header()[k] = v
		}
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
	return true, nil
}
