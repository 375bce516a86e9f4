// Package discordgoaccord points the unmodified discordgo library at an
// Accord server instead of Discord, by rewriting discordgo's endpoint
// variables. It is the only change a discordgo bot needs; the pingbot
// example and the gateway's discordgo test both use it.
package discordgoaccord

import "github.com/bwmarrin/discordgo"

// PointAt aims discordgo (v0.29) at the Accord server at base (e.g.
// "http://127.0.0.1:8080"): API version 10 and every
// endpoint variable derived from EndpointAPI (the function-valued endpoints
// read these variables when called, so they follow).
func PointAt(base string) {
	discordgo.APIVersion = "10"
	discordgo.EndpointDiscord = base + "/"
	discordgo.EndpointAPI = base + "/api/v10/"
	api := discordgo.EndpointAPI
	discordgo.EndpointGuilds = api + "guilds/"
	discordgo.EndpointChannels = api + "channels/"
	discordgo.EndpointUsers = api + "users/"
	discordgo.EndpointGateway = api + "gateway"
	discordgo.EndpointGatewayBot = discordgo.EndpointGateway + "/bot"
	discordgo.EndpointWebhooks = api + "webhooks/"
	discordgo.EndpointStickers = api + "stickers/"
	discordgo.EndpointStageInstances = api + "stage-instances"
	discordgo.EndpointSKUs = api + "skus"
	discordgo.EndpointVoice = api + "voice/"
	discordgo.EndpointVoiceRegions = discordgo.EndpointVoice + "regions"
	discordgo.EndpointNitroStickersPacks = api + "sticker-packs"
	discordgo.EndpointGuildCreate = api + "guilds"
	discordgo.EndpointApplications = api + "applications"
	discordgo.EndpointOAuth2 = api + "oauth2/"
	// Accord serves its CDN (attachments, avatars, icons, emoji) from the
	// same address, with Discord's path layout.
	discordgo.EndpointCDN = base + "/"
	discordgo.EndpointCDNAttachments = discordgo.EndpointCDN + "attachments/"
	discordgo.EndpointCDNAvatars = discordgo.EndpointCDN + "avatars/"
	discordgo.EndpointCDNIcons = discordgo.EndpointCDN + "icons/"
	discordgo.EndpointCDNSplashes = discordgo.EndpointCDN + "splashes/"
	discordgo.EndpointCDNChannelIcons = discordgo.EndpointCDN + "channel-icons/"
	discordgo.EndpointCDNBanners = discordgo.EndpointCDN + "banners/"
	discordgo.EndpointCDNGuilds = discordgo.EndpointCDN + "guilds/"
	discordgo.EndpointCDNRoleIcons = discordgo.EndpointCDN + "role-icons/"
}
