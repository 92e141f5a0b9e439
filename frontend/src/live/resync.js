// What the room page says when a snapshot replaces the room's state after the first one. The
// reason (api/protocol.md, sections 1 and 7) tells whose doing it was: too_old means the person
// was gone longer than the log could replay; position_mismatch means the server lost events it
// had already sent (a store restarted from an older copy, or a failover) and brought the room
// back to what it kept, which can happen to someone who never left.

/**
 * resyncNotice is the banner text for a snapshot that arrived with reason.
 * @param {string | undefined} reason
 * @returns {string}
 */
export function resyncNotice(reason) {
  switch (reason) {
    case 'position_mismatch':
      return 'The room was brought back up to date after a server problem. The last few moments of typing or chat may be missing: check the code and the chat.';
    case 'too_old':
      return 'You were away too long to replay what you missed; the room was reloaded from its current state.';
    default:
      return 'The room was reloaded from its current state.';
  }
}
