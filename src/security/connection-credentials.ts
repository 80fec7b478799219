/**
 * Proxy credentials on one client connection: every request's Proxy-Authorization is checked,
 * not only the first. A kept-alive client sends the same value each time, and a value this
 * connection already proved is compared with its own earlier one, which leaks nothing.
 *
 *   allows(value) ─ trusted peer │ same value as before ─▶ true
 *                 └ else Access.proxyAuthorized (constant time, logged on failure) ─▶ remembered
 */
import type { Access, Peer } from "./access.ts";

export class ConnectionCredentials {
  private accepted: string | undefined;

  constructor(
    private readonly access: Access,
    private readonly peer: Peer,
  ) {}

  /** False for a trusted peer: then nobody needs to look for the header at all. */
  get needed(): boolean {
    return !this.peer.trusted;
  }

  allows(value: string | undefined): boolean {
    if (this.peer.trusted || (value !== undefined && value === this.accepted)) return true;
    if (!this.access.proxyAuthorized(this.peer, value)) return false;
    this.accepted = value;
    return true;
  }
}
