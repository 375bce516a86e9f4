// Gateway dispatches: each event becomes a State change and a redraw of the
// regions that show it.

import { scheduleRender, state, ui } from './context.js';
import { dropRole, noteRole, noteRoles } from './perms.js';
import { ensureMembers, route } from './router.js';
import { applyMessageCreate, applyMessageDelete, applyMessageUpdate, loadLatest } from './views/messages.js';
import { onPinsUpdate } from './views/pins.js';
import { applyReactionEvent, noteEmojis } from './views/reactions.js';
import { renderTyping } from './views/typing.js';
import { applyMemberListUpdate } from './views/members.js';
import { onPeopleDispatch } from './people.js';
import { notifyMessage } from './notify.js';
import { rerenderRows } from './views/messages.js';
import { canSee } from './views/channeltree.js';
import { redrawForum } from './views/forum.js';
import { renderComposerState } from './views/moderation.js';
import { rolesChanged } from './views/roles.js';
import { noteThreads, onThreadDispatch, onThreadMessage } from './views/threads.js';
import { onInteractionDispatch, onMessage as noteInteractionAnswer } from './views/interactions.js';

const TYPING_SHOW_FOR = 10000;

/** onDispatch handles one dispatch (op 0) named name with payload d. */
export function onDispatch(name, d) {
  onPeopleDispatch(name, d);
  switch (name) {
    case 'READY': {
      state.me = { ...state.me, ...d.user };
      if (Array.isArray(d.guilds)) {
        const ids = new Set(d.guilds.map((g) => g.id));
        for (const id of [...state.guilds.keys()]) if (!ids.has(id)) state.removeGuild(id);
        for (const g of d.guilds) state.addGuild(g);
      }
      // A new session (not a resume) may have missed events while no session
      // existed: reload what is on screen, merging by id so nothing shows
      // twice, and forget the other channels' history.
      ui.readies = (ui.readies || 0) + 1;
      if (ui.readies > 1) {
        for (const cid of [...state.logs.keys()]) if (cid !== ui.channelId) state.logs.delete(cid);
        if (ui.channelId) loadLatest(ui.channelId);
        ui.loadedMembers.clear();
        if (ui.guildId) ensureMembers(ui.guildId);
      }
      scheduleRender('rail', 'sidebar', 'members');
      break;
    }
    case 'GUILD_CREATE':
    case 'GUILD_UPDATE':
      state.addGuild(d);
      noteRoles(d.id, d.roles);
      noteEmojis(d.id, d.emojis);
      noteThreads(d.id, d.threads);
      scheduleRender('rail', 'sidebar', 'members', 'header');
      if (name === 'GUILD_CREATE' && ui.guildId === d.id && !ui.channelId) route();
      break;
    case 'GUILD_DELETE':
      if (d.unavailable) break;
      state.removeGuild(d.id);
      if (ui.guildId === d.id) location.hash = '#/';
      scheduleRender('rail');
      break;
    case 'CHANNEL_CREATE':
    case 'CHANNEL_UPDATE':
      if (!d.guild_id || !state.guilds.has(d.guild_id)) break;
      state.addChannel(d);
      scheduleRender('sidebar', 'header');
      // An overwrite that hides the open channel takes the user out of it.
      if (ui.channelId === d.id && !canSee(state.channels.get(d.id))) location.hash = `#/channels/${d.guild_id}`;
      else if (ui.channelId === d.id) {
        renderComposerState();
        redrawForum(d.id); // a forum's tags
      }
      break;
    case 'CHANNEL_DELETE':
      state.removeChannel(d.id);
      if (ui.channelId === d.id) location.hash = d.guild_id ? `#/channels/${d.guild_id}` : '#/channels/@me';
      scheduleRender('sidebar', 'rail');
      break;
    case 'GUILD_MEMBER_ADD':
    case 'GUILD_MEMBER_UPDATE':
      state.addMember(d.guild_id, d);
      scheduleRender('members');
      if (state.me && d.user && d.user.id === state.me.id) {
        renderComposerState(); // a timeout starting or ending
        scheduleRender('sidebar'); // roles decide what is visible
      }
      break;
    case 'GUILD_MEMBER_REMOVE': {
      const ms = state.members.get(d.guild_id);
      if (ms && d.user) ms.delete(d.user.id);
      if (d.user && state.me && d.user.id === state.me.id) {
        state.removeGuild(d.guild_id);
        if (ui.guildId === d.guild_id) location.hash = '#/';
        scheduleRender('rail');
      }
      scheduleRender('members');
      break;
    }
    case 'MESSAGE_CREATE':
      noteInteractionAnswer(d);
      applyMessageCreate(d);
      notifyMessage(d);
      onThreadMessage(name, d);
      break;
    case 'RELATIONSHIP_ADD':
    case 'RELATIONSHIP_REMOVE':
      rerenderRows(); // a block hides that person's messages
      break;
    case 'MESSAGE_UPDATE':
      applyMessageUpdate(d);
      onThreadMessage(name, d);
      break;
    case 'MESSAGE_DELETE':
      applyMessageDelete(d.channel_id, d.id);
      onThreadMessage(name, d);
      break;
    case 'THREAD_CREATE':
    case 'THREAD_UPDATE':
    case 'THREAD_DELETE':
    case 'THREAD_LIST_SYNC':
      onThreadDispatch(name, d);
      break;
    case 'MESSAGE_DELETE_BULK':
      for (const id of d.ids || []) applyMessageDelete(d.channel_id, id);
      break;
    case 'TYPING_START': {
      if (state.me && d.user_id === state.me.id) break;
      if (d.member && d.member.user) state.addMember(d.guild_id, d.member);
      let t = state.typing.get(d.channel_id);
      if (!t) state.typing.set(d.channel_id, (t = new Map()));
      t.set(d.user_id, Date.now() + TYPING_SHOW_FOR);
      if (d.channel_id === ui.channelId) renderTyping();
      break;
    }
    case 'GUILD_MEMBER_LIST_UPDATE':
      applyMemberListUpdate(d);
      break;
    case 'PASSIVE_UPDATE_V1':
      for (const c of d.channels || []) if (c.last_message_id) state.noteLastMessage(c.id, c.last_message_id);
      for (const m of d.members || []) state.addMember(d.guild_id, m);
      scheduleRender('sidebar', 'rail', 'members');
      break;
    case 'MESSAGE_REACTION_ADD':
    case 'MESSAGE_REACTION_REMOVE':
    case 'MESSAGE_REACTION_REMOVE_ALL':
    case 'MESSAGE_REACTION_REMOVE_EMOJI':
      applyReactionEvent(name, d);
      break;
    case 'CHANNEL_PINS_UPDATE':
      onPinsUpdate(d);
      break;
    case 'GUILD_EMOJIS_UPDATE':
      noteEmojis(d.guild_id, d.emojis);
      break;
    case 'GUILD_ROLE_CREATE':
    case 'GUILD_ROLE_UPDATE':
      noteRole(d.guild_id, d.role);
      rolesChanged(d.guild_id);
      scheduleRender('sidebar', 'members');
      break;
    case 'GUILD_ROLE_DELETE':
      dropRole(d.guild_id, d.role_id);
      rolesChanged(d.guild_id);
      scheduleRender('sidebar', 'members');
      break;
    case 'INTERACTION_CREATE':
    case 'INTERACTION_SUCCESS':
    case 'INTERACTION_FAILURE':
    case 'INTERACTION_MODAL_CREATE':
    case 'APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE':
      onInteractionDispatch(name, d);
      break;
    default:
      break;
  }
}
