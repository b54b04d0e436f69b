import { defineEntity } from '../../database/portable-schema';

/** A named, expiring claim shared by every instance ("only one of us refreshes this connector's token"). */
export interface Lease {
  name: string;
  owner: string;
  expiresAt: Date;
}

export const LeaseEntity = defineEntity<Lease>('leases', [
  { name: 'name', kind: 'string', length: 200, primary: true },
  { name: 'owner', kind: 'string', length: 100 },
  { name: 'expires_at', kind: 'timestamp' },
]);
