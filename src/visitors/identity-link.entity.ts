import { defineEntity } from '../database/portable-schema';

/** "This visitor is that record in that CRM": found once, reused by later chats until the record goes away. */
export interface IdentityLink {
  id: string;
  workspaceId: string;
  visitorId: string;
  connectorId: string;
  /** Vendor-neutral object kind: person. */
  objectType: string;
  recordId: string;
  /** external_id | email | phone | created */
  matchedBy: string;
  confidence: number;
  /** Other candidate record ids when the match was ambiguous. */
  candidates: string[];
  createdAt: Date;
  verifiedAt: Date;
}

export const IdentityLinkEntity = defineEntity<IdentityLink>(
  'identity_links',
  [
    { name: 'id', kind: 'uuid', primary: true },
    { name: 'workspace_id', kind: 'uuid' },
    { name: 'visitor_id', kind: 'uuid' },
    { name: 'connector_id', kind: 'uuid' },
    { name: 'object_type', kind: 'string', length: 32 },
    { name: 'record_id', kind: 'string', length: 64 },
    { name: 'matched_by', kind: 'string', length: 20 },
    { name: 'confidence', kind: 'float' },
    { name: 'candidates', kind: 'json' },
    { name: 'created_at', kind: 'timestamp' },
    { name: 'verified_at', kind: 'timestamp' },
  ],
  [
    { name: 'uq_identity_links_visitor_connector', columns: ['visitor_id', 'connector_id'], unique: true },
    { name: 'ix_identity_links_connector_record', columns: ['connector_id', 'record_id'] },
  ],
);
