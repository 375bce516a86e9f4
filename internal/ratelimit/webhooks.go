package ratelimit

// Webhook bucket names (see DefaultRoutes; Config.Routes overrides them).
const (
	// BucketWebhook is executing one webhook, from any caller: Discord's
	// documented 5 per 2 s.
	BucketWebhook = "webhooks.execute"
	// BucketWebhookChannel is executing any webhook of one channel:
	// Discord's documented 30 a minute.
	BucketWebhookChannel = "webhooks.channel"
)

// routeLimit is the limit of the bucket named name.
func (l *Limiter) routeLimit(name string) Limit {
	if lim, ok := l.cfg.Routes[name]; ok {
		return lim
	}
	if lim, ok := DefaultRoutes[name]; ok {
		return lim
	}
	return l.cfg.Route
}

// kindWebhook keys the webhook windows, which no caller owns.
const kindWebhook = "w"

// Webhook admits one execution of webhookID in channelID: the webhook's
// window first, then the channel's. Both are shared by every caller (a
// webhook's URL is its credential, so whoever holds it shares its limit),
// and a refusal counts as the caller's own (scope user), so that a client
// hammering a webhook is also counted for invalid requests. The decision
// carries the webhook bucket's headers.
func (l *Limiter) Webhook(webhookID, channelID string) Decision {
	if l.cfg.Disabled {
		return Decision{}
	}
	d := l.take(kindWebhook+"h\x00"+webhookID, l.routeLimit(BucketWebhook), ScopeUser)
	d.Bucket = BucketHash(BucketWebhook)
	if d.Limited {
		return d
	}
	if c := l.take(kindWebhook+"c\x00"+channelID, l.routeLimit(BucketWebhookChannel), ScopeUser); c.Limited {
		c.Bucket = d.Bucket
		return c
	}
	return d
}
