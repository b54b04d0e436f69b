import type { ApiKeyScope } from '../../api-keys/api-key.entity';

/** Who is calling: the operator (root token) or a workspace's API key. */
export type Principal =
  | { kind: 'root' }
  | { kind: 'api_key'; workspaceId: string; keyId: string; prefix: string; scopes: readonly ApiKeyScope[] };

/** What audit entries and logs say about the caller (never the secret). */
export function actorName(principal: Principal): string {
  return principal.kind === 'root' ? 'root' : `api_key:${principal.prefix}`;
}

/** The caller plus the request id, passed from controllers to services that write audit entries. */
export interface Actor {
  principal: Principal;
  requestId: string | null;
}
