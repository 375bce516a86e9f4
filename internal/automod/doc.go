// Package automod is Discord's auto-moderation: the rule model
// (resources/auto-moderation.mdx), its validation with Discord's limits,
// and a compiled Matcher that checks a message against every enabled rule
// of a guild.
//
// A Matcher is built once per change of a guild's rules (the guild actor
// owns it) and is then read-only: Check is safe for concurrent use and
// costs one pass over the message for all keyword rules together
// (an Aho-Corasick automaton of every keyword of every rule), plus one
// regexp run per regex pattern, so a guild with 1,000 keyword rules pays
// little more per message than one with a single rule.
//
// Spam (trigger 3) is Discord's own classifier, which it does not
// describe; Accord's stand-in flags a member who sends the same content
// SpamRepeats times within SpamWindow (see Spam).
package automod
